//! Parsing of cell values: timestamps, numbers, prices, lists.

use chrono::{NaiveDate, NaiveDateTime};

/// How timestamps are written in a file.
#[derive(Debug, Clone, PartialEq)]
pub enum TimeFormat {
    /// Detect per value: unix seconds or milliseconds (by magnitude), RFC 3339,
    /// `YYYY-MM-DD HH:MM:SS[.f]`, `YYYY-MM-DDTHH:MM:SS[.f]`, `YYYY/MM/DD HH:MM:SS`, `YYYY-MM-DD`.
    Auto,
    /// A chrono strftime pattern (with or without time of day).
    Pattern(String),
}

/// Unix seconds (UTC) of a timestamp text, or why not.
pub fn parse_timestamp(text: &str, format: &TimeFormat) -> Result<i64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("timestamp is empty".into());
    }
    let fail = || {
        format!(
            "cannot read '{t}' as a timestamp (expected unix seconds or milliseconds, or a date such as 2024-05-31 14:02:00); pass --timestamp-format to give the pattern"
        )
    };
    match format {
        TimeFormat::Pattern(p) => NaiveDateTime::parse_from_str(t, p)
            .map(|d| d.and_utc().timestamp())
            .or_else(|_| {
                NaiveDate::parse_from_str(t, p).map(|d| {
                    d.and_hms_opt(0, 0, 0)
                        .map_or(0, |x| x.and_utc().timestamp())
                })
            })
            .map_err(|_| format!("cannot read '{t}' with --timestamp-format '{p}'")),
        TimeFormat::Auto => {
            if let Ok(n) = t.parse::<f64>() {
                if !n.is_finite() || n < 0.0 {
                    return Err(fail());
                }
                // Later than 5138 AD in seconds means milliseconds.
                let secs = if n > 1e11 { n / 1000.0 } else { n };
                return Ok(secs as i64);
            }
            if let Ok(d) = chrono::DateTime::parse_from_rfc3339(t) {
                return Ok(d.timestamp());
            }
            for p in [
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y/%m/%d %H:%M:%S",
                "%Y-%m-%d %H:%M",
                "%d/%m/%Y %H:%M:%S",
            ] {
                if let Ok(d) = NaiveDateTime::parse_from_str(t, p) {
                    return Ok(d.and_utc().timestamp());
                }
            }
            for p in ["%Y-%m-%d", "%Y/%m/%d"] {
                if let Ok(d) = NaiveDate::parse_from_str(t, p) {
                    return d
                        .and_hms_opt(0, 0, 0)
                        .map(|x| x.and_utc().timestamp())
                        .ok_or_else(fail);
                }
            }
            Err(fail())
        }
    }
}

/// A finite number, or why not (naming the column).
pub fn parse_number(text: &str, column: &str) -> Result<f64, String> {
    let t = text.trim();
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(format!("{column} is '{t}', not a finite number")),
        Err(_) => Err(format!("{column} '{t}' is not a number")),
    }
}

/// An optional price: empty is unknown; otherwise finite and not negative.
/// Accepts a leading currency sign and thousands separators (`$1,299.00`).
pub fn parse_price(text: &str) -> Result<Option<f64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let cleaned: String = t
        .trim_start_matches(['$', '€', '£', '¥', '￥'])
        .chars()
        .filter(|c| *c != ',' && *c != ' ')
        .collect();
    let v = parse_number(&cleaned, "price").map_err(|_| format!("price '{t}' is not a number"))?;
    if v < 0.0 {
        return Err(format!("price {t} is negative; prices must be 0 or more"));
    }
    Ok(Some(v))
}

/// A category path split on ` > `, `>`, `/` or `|`.
pub fn split_category(text: &str) -> Vec<String> {
    let t = text.trim();
    if t.is_empty() {
        return Vec::new();
    }
    let sep: &[char] = if t.contains('>') {
        &['>']
    } else if t.contains('/') {
        &['/']
    } else if t.contains('|') {
        &['|']
    } else {
        &[]
    };
    if sep.is_empty() {
        return vec![t.to_string()];
    }
    t.split(sep)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn timestamps_in_common_forms() {
        let a = TimeFormat::Auto;
        assert_eq!(parse_timestamp("1700000000", &a), Ok(1_700_000_000));
        assert_eq!(parse_timestamp("1700000000123", &a), Ok(1_700_000_000));
        assert_eq!(
            parse_timestamp("2023-11-14T22:13:20Z", &a),
            Ok(1_700_000_000)
        );
        assert_eq!(
            parse_timestamp("2023-11-14 22:13:20", &a),
            Ok(1_700_000_000)
        );
        assert_eq!(parse_timestamp("2023-11-14", &a), Ok(1_699_920_000));
        assert!(
            parse_timestamp("yesterday", &a)
                .unwrap_err()
                .contains("yesterday")
        );
        assert!(parse_timestamp("-5", &a).is_err());
        let p = TimeFormat::Pattern("%d.%m.%Y %H:%M".into());
        assert_eq!(parse_timestamp("14.11.2023 22:13", &p), Ok(1_699_999_980));
    }

    #[test]
    fn prices() {
        assert_eq!(parse_price(""), Ok(None));
        assert_eq!(parse_price("$1,299.50"), Ok(Some(1299.5)));
        assert!(parse_price("-3").unwrap_err().contains("negative"));
        assert!(parse_price("NaN").is_err());
        assert!(parse_price("abc").unwrap_err().contains("not a number"));
    }

    #[test]
    fn categories() {
        assert_eq!(split_category("Home > Kitchen"), vec!["Home", "Kitchen"]);
        assert_eq!(split_category("a/b/c"), vec!["a", "b", "c"]);
        assert_eq!(split_category("Tools"), vec!["Tools"]);
        assert!(split_category(" ").is_empty());
    }

    proptest! {
        #[test]
        fn unix_seconds_round_trip(s in 0i64..10_000_000_000) {
            prop_assert_eq!(parse_timestamp(&s.to_string(), &TimeFormat::Auto), Ok(s));
        }

        #[test]
        fn price_never_negative_or_nan(t in ".{0,12}") {
            if let Ok(Some(p)) = parse_price(&t) {
                prop_assert!(p.is_finite() && p >= 0.0);
            }
        }
    }
}
