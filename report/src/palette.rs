//! Run colours: a run's colour follows its position in the project's run
//! list (oldest first), so it keeps its colour in every chart, in the app
//! and in exported files, whichever other runs are shown beside it.

/// Tableau 10: distinct for the common colour-vision deficiencies and on
/// both light and dark backgrounds.
const BASE: [[u8; 3]; 10] = [
    [78, 121, 167],
    [242, 142, 43],
    [225, 87, 89],
    [118, 183, 178],
    [89, 161, 79],
    [237, 201, 72],
    [176, 122, 161],
    [255, 157, 167],
    [156, 117, 95],
    [186, 176, 172],
];

/// The colour (sRGB) of the run at `position` in the project's run list.
/// After the first ten, the cycle repeats darker, then lighter.
pub fn run_color(position: usize) -> [u8; 3] {
    let [r, g, b] = BASE[position % BASE.len()];
    let shade = |c: u8, f: f32| -> u8 {
        let c = f32::from(c);
        let v = if f < 1.0 {
            c * f
        } else {
            c + (255.0 - c) * (f - 1.0)
        };
        v.round().clamp(0.0, 255.0) as u8
    };
    let f = match (position / BASE.len()) % 3 {
        0 => return [r, g, b],
        1 => 0.65,
        _ => 1.45,
    };
    [shade(r, f), shade(g, f), shade(b, f)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_thirty_runs_get_distinct_colours() {
        let mut seen: Vec<[u8; 3]> = (0..30).map(run_color).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 30);
        assert_eq!(run_color(3), run_color(33), "the cycle is stable");
    }
}
