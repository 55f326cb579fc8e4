//! Which graded judgments count as relevant, and the gain each one brings to
//! NDCG: an explicit, recorded choice of search evaluation.
//!
//! Judged grades may be fractional (Home Depot's are rater means, 0..2 after
//! the shift). The default is trec_eval's reading of such a qrels file:
//! trec_eval parses grades as integers (`atol`, truncation: `1.67` → `1`),
//! counts a document relevant when that integer is at least its relevance
//! level 1, and uses the integer as the NDCG gain. So by default
//! - relevant ⇔ grade ≥ 1,
//! - gain = ⌊grade⌋ (for grade ≥ 1; 0 otherwise).
//!
//! In every setting an item's gain is 0 unless it is relevant, and every
//! relevant item has a gain above 0, so "relevant" and "gain > 0" are the
//! same set, as in [`crate::metrics`]. That is also what makes the setting
//! exportable: qrels that carry the (integer, or scaled to integer) gains
//! reproduce it in trec_eval at relevance level 1.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Largest factor a fractional gain is scaled by to make integer qrels.
pub const MAX_GAIN_SCALE: u32 = 10_000;

/// How close `scale × gain` must be to an integer to be written as one.
/// NDCG moves by less than about twice this relative error.
const INTEGER_TOLERANCE: f64 = 1e-10;

/// How a relevant item's grade becomes its NDCG gain.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GainMapping {
    /// ⌊grade⌋, what trec_eval reads from a fractional grade (default).
    /// Needs `min_grade` ≥ 1, since grades below 1 would have gain 0.
    #[default]
    Floor,
    /// The grade itself, fractions kept (exported scaled to integers).
    Grade,
    /// 1 for every relevant item (binary relevance).
    Binary,
}

impl GainMapping {
    /// The name used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            GainMapping::Floor => "floor",
            GainMapping::Grade => "grade",
            GainMapping::Binary => "binary",
        }
    }
}

impl std::str::FromStr for GainMapping {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "floor" => Ok(GainMapping::Floor),
            "grade" => Ok(GainMapping::Grade),
            "binary" => Ok(GainMapping::Binary),
            other => Err(format!(
                "unknown gain mapping '{other}' (expected floor, grade or binary)"
            )),
        }
    }
}

/// The relevance threshold and gain mapping of a search evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Relevance {
    /// Lowest grade that counts as relevant (inclusive; default 1, trec_eval's
    /// relevance level). A grade of 0 or below is never relevant, so 0 means
    /// "any grade above 0" (ShopLab's rule before this option existed).
    pub min_grade: f64,
    /// Gain of a relevant item in NDCG (default [`GainMapping::Floor`]).
    pub gain: GainMapping,
}

impl Default for Relevance {
    fn default() -> Self {
        Relevance {
            min_grade: 1.0,
            gain: GainMapping::Floor,
        }
    }
}

impl Relevance {
    /// Checks the threshold is a number ≥ 0 that the gain mapping can honour.
    pub fn validate(&self) -> Result<()> {
        if !(self.min_grade.is_finite() && self.min_grade >= 0.0) {
            return Err(Error::invalid(
                "relevance.min_grade",
                self.min_grade,
                "the lowest relevant grade must be a number >= 0",
            ));
        }
        if self.gain == GainMapping::Floor && self.min_grade < 1.0 {
            return Err(Error::invalid(
                "relevance.min_grade",
                self.min_grade,
                "with gain 'floor' a grade below 1 has gain 0 and cannot count as relevant; \
                 use a threshold of at least 1, or gain 'grade' or 'binary'",
            ));
        }
        Ok(())
    }

    /// Whether an item with this grade is relevant.
    pub fn is_relevant(&self, grade: f64) -> bool {
        grade > 0.0 && grade >= self.min_grade
    }

    /// The NDCG gain of a grade: 0 unless relevant, else above 0.
    pub fn gain(&self, grade: f64) -> f64 {
        if !self.is_relevant(grade) {
            return 0.0;
        }
        match self.gain {
            GainMapping::Floor => grade.floor(),
            GainMapping::Grade => grade,
            GainMapping::Binary => 1.0,
        }
    }

    /// One line for reports, e.g. `relevant: grade >= 1, gain floor(grade)`.
    pub fn describe(&self) -> String {
        let threshold = if self.min_grade > 0.0 {
            format!("grade >= {}", self.min_grade)
        } else {
            "grade > 0".to_string()
        };
        let gain = match self.gain {
            GainMapping::Floor => "floor(grade)",
            GainMapping::Grade => "grade",
            GainMapping::Binary => "1",
        };
        format!("relevant: {threshold}, gain {gain}")
    }
}

/// The smallest factor (1 to [`MAX_GAIN_SCALE`]) that makes every gain an
/// integer, for qrels that keep NDCG unchanged (NDCG is the same when every
/// gain is multiplied by one factor; the relevant set is unchanged because
/// every relevant gain stays ≥ 1). An error names a gain no factor fits.
pub fn integer_scale(gains: impl IntoIterator<Item = f64>) -> Result<u32> {
    let mut distinct: Vec<f64> = gains.into_iter().filter(|g| *g > 0.0).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    let fits = |scale: u32, g: f64| {
        let x = g * f64::from(scale);
        (x - x.round()).abs() <= INTEGER_TOLERANCE * x.max(1.0)
    };
    let mut scale = 1;
    'next: while scale <= MAX_GAIN_SCALE {
        for &g in &distinct {
            if !fits(scale, g) {
                scale += 1;
                continue 'next;
            }
        }
        return Ok(scale);
    }
    let bad = distinct
        .iter()
        .find(|&&g| !(1..=MAX_GAIN_SCALE).any(|s| fits(s, g)))
        .or(distinct.first())
        .copied()
        .unwrap_or_default();
    Err(Error::invalid(
        "relevance.gain",
        bad,
        format!(
            "no factor up to {MAX_GAIN_SCALE} makes every gain a whole number, so integer \
             TREC qrels cannot reproduce NDCG; export with gain 'floor' or 'binary', or round \
             the grades"
        ),
    ))
}

/// A gain as an integer qrels grade under `scale` (see [`integer_scale`]).
pub fn scaled_grade(gain: f64, scale: u32) -> i64 {
    (gain * f64::from(scale)).round() as i64
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn default_is_trec_evals_reading_of_fractional_grades() {
        let r = Relevance::default();
        assert!(r.validate().is_ok());
        assert_eq!(r.gain(0.67), 0.0);
        assert!(!r.is_relevant(0.67));
        assert_eq!(r.gain(1.0), 1.0);
        assert_eq!(r.gain(1.67), 1.0);
        assert_eq!(r.gain(2.0), 2.0);
        assert!(r.describe().contains("grade >= 1"));
    }

    #[test]
    fn thresholds_and_mappings() {
        let any = Relevance {
            min_grade: 0.0,
            gain: GainMapping::Grade,
        };
        assert_eq!(any.gain(0.33), 0.33);
        assert_eq!(any.gain(0.0), 0.0);
        assert_eq!(any.gain(-1.0), 0.0);
        assert!(any.describe().contains("grade > 0"));
        let strict = Relevance {
            min_grade: 1.5,
            gain: GainMapping::Binary,
        };
        assert_eq!(strict.gain(1.33), 0.0);
        assert_eq!(strict.gain(1.5), 1.0);
        assert_eq!(strict.gain(2.0), 1.0);
        let floor_low = Relevance {
            min_grade: 0.5,
            gain: GainMapping::Floor,
        };
        assert!(floor_low.validate().is_err());
        for bad in [f64::NAN, -0.1, f64::INFINITY] {
            let r = Relevance {
                min_grade: bad,
                gain: GainMapping::Grade,
            };
            assert!(r.validate().is_err(), "{bad}");
        }
        assert_eq!("Binary".parse::<GainMapping>(), Ok(GainMapping::Binary));
        assert!("log".parse::<GainMapping>().is_err());
        let json: Relevance =
            serde_json::from_str(r#"{"gain":"grade"}"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(json.min_grade, 1.0);
        assert_eq!(json.gain, GainMapping::Grade);
    }

    #[test]
    fn scales_fractional_gains_to_integers() -> Result<()> {
        assert_eq!(integer_scale([1.0, 2.0, 0.0])?, 1);
        assert_eq!(integer_scale([0.5, 1.0, 1.5])?, 2);
        // Home Depot style grades (two decimals after the shift).
        let hd = [2.33 - 1.0, 2.67 - 1.0, 1.25 - 1.0, 3.0 - 1.0];
        let s = integer_scale(hd)?;
        assert_eq!(s, 100);
        assert_eq!(scaled_grade(2.33 - 1.0, s), 133);
        assert!(integer_scale([1.0 / 3.0 + 1e-5]).is_err());
        assert_eq!(integer_scale([])?, 1);
        Ok(())
    }

    proptest! {
        #[test]
        fn gain_is_positive_exactly_when_relevant(
            grade in -2.0f64..5.0,
            min_grade in 0.0f64..3.0,
            mapping in prop_oneof![Just(GainMapping::Floor), Just(GainMapping::Grade), Just(GainMapping::Binary)],
        ) {
            let r = Relevance { min_grade, gain: mapping };
            prop_assume!(r.validate().is_ok());
            prop_assert_eq!(r.gain(grade) > 0.0, r.is_relevant(grade));
        }

        #[test]
        fn scaled_gains_keep_their_ratios(nums in proptest::collection::vec(1u32..400, 1..20)) {
            // Grades with two decimals scale to integers that keep every ratio.
            let gains: Vec<f64> = nums.iter().map(|&n| f64::from(n) / 100.0).collect();
            let s = integer_scale(gains.iter().copied()).unwrap_or(0);
            prop_assert!(s >= 1 && 100 % s == 0);
            for (&g, &n) in gains.iter().zip(&nums) {
                prop_assert_eq!(scaled_grade(g, s) * i64::from(100 / s), i64::from(n));
            }
        }
    }
}
