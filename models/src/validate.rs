//! Range checks shared by every model's `validate()`: each error names the
//! field, the value and the allowed range.

use crate::error::{Error, Result};

/// `value` must lie in `min..=max`.
pub fn int_in(field: &str, value: usize, min: usize, max: usize) -> Result<()> {
    if value < min || value > max {
        return Err(Error::invalid(
            field,
            value,
            &format!("an integer from {min} to {max}"),
        ));
    }
    Ok(())
}

/// `value` must be finite and lie in `min..=max`.
pub fn float_in(field: &str, value: f64, min: f64, max: f64) -> Result<()> {
    if !value.is_finite() || value < min || value > max {
        return Err(Error::invalid(
            field,
            value,
            &format!("a number from {min} to {max}"),
        ));
    }
    Ok(())
}

/// `value` must be finite, above `min` (exclusive) and at most `max`.
pub fn float_above(field: &str, value: f64, min: f64, max: f64) -> Result<()> {
    if !value.is_finite() || value <= min || value > max {
        return Err(Error::invalid(
            field,
            value,
            &format!("a number above {min} and at most {max}"),
        ));
    }
    Ok(())
}

/// `value` must be in `0..1` (a probability that may be 0 but never 1).
pub fn probability(field: &str, value: f64) -> Result<()> {
    if !value.is_finite() || !(0.0..1.0).contains(&value) {
        return Err(Error::invalid(
            field,
            value,
            "a number from 0 up to (not including) 1",
        ));
    }
    Ok(())
}
