//! Percentiles, by one definition for everything ShopLab reports (run
//! latencies, search latencies, `shoplab bench`, the app's frame times).
//!
//! The definition is **nearest rank** (Hyndman & Fan type 1, the inverse of
//! the empirical distribution function; numpy's
//! `np.percentile(a, q, method="inverted_cdf")`): the `p`-th percentile of
//! `n` sorted values `x[1] <= ... <= x[n]` is `x[ceil(p / 100 * n)]`, and
//! the 0th percentile is the minimum. It always returns a value that was
//! observed (a latency some request really took, never an interpolation
//! between two), the 100th percentile is the maximum, and the same numbers
//! come out whatever the order of the input.
//!
//! The rank is computed as `ceil(p * n / 100)`, which is exact for integer
//! `p` and any realistic `n`. numpy computes `p / 100 * n`, and since
//! `p / 100` is rarely exact in binary, it lands one rank high where the
//! product should be a whole number (the 7th percentile of 1..=100: numpy
//! says 8, the definition and ShopLab say 7).

/// Values sorted once, ready for any number of percentile queries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Percentiles {
    sorted: Vec<f64>,
}

impl Percentiles {
    /// Sorts `values` (IEEE total order: a NaN sorts above +inf, so a stray
    /// NaN shows up at the top percentiles instead of panicking or vanishing).
    pub fn new(mut values: Vec<f64>) -> Self {
        values.sort_unstable_by(f64::total_cmp);
        Percentiles { sorted: values }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The `p`-th percentile (`p` in 0..=100, clamped) by nearest rank;
    /// `None` when there are no values or `p` is NaN.
    pub fn at(&self, p: f64) -> Option<f64> {
        let n = self.sorted.len();
        if n == 0 || p.is_nan() {
            return None;
        }
        let p = p.clamp(0.0, 100.0);
        // p * n first, then / 100: exact when p is an integer (see the module docs).
        let rank = (p * n as f64 / 100.0).ceil() as usize;
        Some(self.sorted[rank.clamp(1, n) - 1])
    }

    /// The arithmetic mean; `None` when there are no values.
    pub fn mean(&self) -> Option<f64> {
        (!self.sorted.is_empty()).then(|| self.sorted.iter().sum::<f64>() / self.len() as f64)
    }
}

/// The `p`-th percentile (0..=100) of `values` by nearest rank (see the
/// module docs); `None` when `values` is empty or `p` is NaN.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    Percentiles::new(values.to_vec()).at(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Expected values from numpy 2.4.6:
    /// `python3 -c "import numpy as np; a=[5.,1.,4.,2.,3.]; print([float(np.percentile(a,q,method='inverted_cdf')) for q in (0,10,20,21,40,50,60,80,99,100)])"`
    /// prints `[1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 5.0, 5.0]`.
    #[test]
    fn matches_numpy_inverted_cdf_on_a_small_unsorted_sample() {
        let p = Percentiles::new(vec![5.0, 1.0, 4.0, 2.0, 3.0]);
        let got: Vec<f64> = [0.0, 10.0, 20.0, 21.0, 40.0, 50.0, 60.0, 80.0, 99.0, 100.0]
            .iter()
            .map(|&q| p.at(q).unwrap())
            .collect();
        assert_eq!(got, [1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 5.0, 5.0]);
    }

    /// Expected values from numpy 2.4.6 (latency-like data with ties and a long tail):
    /// `python3 -c "import numpy as np; a=[120.,80.,80.,95.,3000.,101.,99.,80.,250.,101.,97.,110.]; print([float(np.percentile(a,q,method='inverted_cdf')) for q in (0,1,25,50,75,90,95,99,100)])"`
    /// prints `[80.0, 80.0, 80.0, 99.0, 110.0, 250.0, 3000.0, 3000.0, 3000.0]`.
    #[test]
    fn matches_numpy_inverted_cdf_with_ties_and_a_long_tail() {
        let p = Percentiles::new(vec![
            120.0, 80.0, 80.0, 95.0, 3000.0, 101.0, 99.0, 80.0, 250.0, 101.0, 97.0, 110.0,
        ]);
        let got: Vec<f64> = [0.0, 1.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 100.0]
            .iter()
            .map(|&q| p.at(q).unwrap())
            .collect();
        assert_eq!(
            got,
            [80.0, 80.0, 80.0, 99.0, 110.0, 250.0, 3000.0, 3000.0, 3000.0]
        );
        assert_eq!(p.mean(), Some(4213.0 / 12.0));
    }

    /// numpy 2.4.6 on 1..=100:
    /// `python3 -c "import numpy as np; a=np.arange(1,101,dtype=float); print([float(np.percentile(a,q,method='inverted_cdf')) for q in (0,7,14,28,50,56,95,99,100)])"`
    /// prints `[1.0, 8.0, 15.0, 29.0, 50.0, 57.0, 95.0, 99.0, 100.0]`: at 7, 14,
    /// 28 and 56 numpy's `q / 100 * n` rounds above the integer rank, and
    /// the definition (ceil(q * n / 100)) gives 7, 14, 28 and 56.
    #[test]
    fn exact_ranks_where_numpy_rounds_up() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        let p = Percentiles::new(values);
        let got: Vec<f64> = [0.0, 7.0, 14.0, 28.0, 50.0, 56.0, 95.0, 99.0, 100.0]
            .iter()
            .map(|&q| p.at(q).unwrap())
            .collect();
        assert_eq!(got, [1.0, 7.0, 14.0, 28.0, 50.0, 56.0, 95.0, 99.0, 100.0]);
    }

    #[test]
    fn empty_nan_and_out_of_range() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[1.0, 2.0], f64::NAN), None);
        assert_eq!(percentile(&[1.0, 2.0], -5.0), Some(1.0));
        assert_eq!(percentile(&[1.0, 2.0], 250.0), Some(2.0));
        assert_eq!(percentile(&[7.0], 0.0), Some(7.0));
        assert_eq!(Percentiles::default().mean(), None);
        // A NaN sorts above every number: it shows at the top, not silently dropped.
        assert!(percentile(&[1.0, f64::NAN, 2.0], 100.0).unwrap().is_nan());
        assert_eq!(percentile(&[1.0, f64::NAN, 2.0], 50.0), Some(2.0));
    }

    proptest! {
        /// The percentile is an observed value, at least as large as p% of the
        /// values and no larger than needed (the definition, checked by counting).
        #[test]
        fn is_the_smallest_value_covering_p_percent(
            values in prop::collection::vec(-1e6f64..1e6, 1..200),
            p in 0u32..=100,
        ) {
            let got = percentile(&values, f64::from(p)).unwrap();
            prop_assert!(values.contains(&got));
            let n = values.len();
            let at_most = values.iter().filter(|&&v| v <= got).count();
            let below = values.iter().filter(|&&v| v < got).count();
            // At least p% of the values are <= the answer ...
            prop_assert!(at_most * 100 >= p as usize * n);
            // ... and fewer than p% are strictly below it (else a smaller value would do),
            // except at p = 0, where the answer is the minimum.
            prop_assert!((p == 0 && below == 0) || below * 100 < p as usize * n);
        }

        #[test]
        fn grows_with_p(values in prop::collection::vec(-1e3f64..1e3, 1..50), a in 0.0f64..100.0, b in 0.0f64..100.0) {
            let pc = Percentiles::new(values);
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(pc.at(lo).unwrap() <= pc.at(hi).unwrap());
        }
    }
}
