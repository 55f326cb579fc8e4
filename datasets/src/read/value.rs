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
            "cannot read '{t}' as a timestamp (expected unix seconds or milliseconds, or a date such as 2024-05-31 14:02:00); {}",
            crate::hint::TIMESTAMP_FORMAT.cli
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

/// The decimal separator of a column's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decimal {
    /// `1,234.50`: decimal point, comma between thousands.
    #[default]
    Point,
    /// `1.234,50`: decimal comma (European spreadsheets), dot or space between thousands.
    Comma,
}

impl Decimal {
    fn marks(self) -> (char, char) {
        match self {
            Decimal::Point => ('.', ','),
            Decimal::Comma => (',', '.'),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Decimal::Point => "a decimal point",
            Decimal::Comma => "a decimal comma",
        }
    }

    /// The separator a number shows unambiguously, if any: `1,50` and
    /// `1.234,5` show a comma, `1.50` and `1,234.5` a point, while `1,234`
    /// and `1.234` could be either (a thousands group or three decimals).
    pub fn shown_by(text: &str) -> Option<Decimal> {
        let t = text.trim();
        let (comma, point) = (t.rfind(','), t.rfind('.'));
        match (comma, point) {
            (Some(c), Some(p)) => Some(if c > p {
                Decimal::Comma
            } else {
                Decimal::Point
            }),
            (Some(c), None) => {
                let after = t[c + 1..].chars().take_while(char::is_ascii_digit).count();
                if t.matches(',').count() > 1 {
                    Some(Decimal::Point)
                } else if after != 3 {
                    Some(Decimal::Comma)
                } else {
                    None
                }
            }
            (None, Some(p)) => {
                let after = t[p + 1..].chars().take_while(char::is_ascii_digit).count();
                if t.matches('.').count() > 1 {
                    Some(Decimal::Comma)
                } else if after != 3 {
                    Some(Decimal::Point)
                } else {
                    None
                }
            }
            (None, None) => None,
        }
    }

    /// The separator of a column from sample values: the one they show,
    /// by majority; `hint` when they show none (e.g. a comma for
    /// `;`-separated files, which European spreadsheets write).
    pub fn decide<'a>(values: impl IntoIterator<Item = &'a str>, hint: Decimal) -> Decimal {
        let (mut point, mut comma) = (0usize, 0usize);
        for v in values {
            match Decimal::shown_by(v) {
                Some(Decimal::Point) => point += 1,
                Some(Decimal::Comma) => comma += 1,
                None => {}
            }
        }
        if point > comma {
            Decimal::Point
        } else if comma > point {
            Decimal::Comma
        } else {
            hint
        }
    }
}

/// A finite number written with `decimal` (thousands separators are
/// allowed only in groups of three), or why not (naming the column).
/// Never reads a number written the other way: `1,50` in a decimal-point
/// column is an error, not 150.
pub fn parse_decimal(text: &str, column: &str, decimal: Decimal) -> Result<f64, String> {
    let t = text.trim();
    let (dec, group) = decimal.marks();
    // Fast path: what Rust parses is unambiguous once the group mark is absent.
    if !t.contains(',') && (dec == '.' || !t.contains(group)) {
        return match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            Ok(_) => Err(format!("{column} is '{t}', not a finite number")),
            Err(_) => Err(format!("{column} '{t}' is not a number")),
        };
    }
    let other = match decimal {
        Decimal::Point => Decimal::Comma,
        Decimal::Comma => Decimal::Point,
    };
    let mismatch = || {
        format!(
            "{column} '{t}' is written with {}, but this column's numbers use {}; ShopLab does not guess which is meant, so fix the value (or the column) and import again",
            other.name(),
            decimal.name()
        )
    };
    let (sign, body) = match t.strip_prefix('-') {
        Some(b) => ("-", b),
        None => ("", t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = match body.split_once(dec) {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if frac.is_some_and(|f| f.contains(group) || f.contains(dec)) {
        return Err(mismatch());
    }
    let mut digits = String::with_capacity(t.len());
    digits.push_str(sign);
    if int.contains(group) {
        let groups: Vec<&str> = int.split(group).collect();
        let ok = groups.iter().enumerate().all(|(i, g)| {
            g.bytes().all(|b| b.is_ascii_digit())
                && if i == 0 {
                    (1..=3).contains(&g.len())
                } else {
                    g.len() == 3
                }
        });
        if !ok {
            return Err(if Decimal::shown_by(t) == Some(other) {
                mismatch()
            } else {
                format!(
                    "{column} '{t}' is not a number (thousands separators must split groups of three digits)"
                )
            });
        }
        groups.iter().for_each(|g| digits.push_str(g));
    } else {
        digits.push_str(int);
    }
    if let Some(f) = frac {
        digits.push('.');
        digits.push_str(f);
    }
    match digits.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("{column} '{t}' is not a number")),
    }
}

/// A finite number with a decimal point, or why not (naming the column).
pub fn parse_number(text: &str, column: &str) -> Result<f64, String> {
    parse_decimal(text, column, Decimal::Point)
}

/// An optional price with a decimal point (see [`parse_price_in`]).
pub fn parse_price(text: &str) -> Result<Option<f64>, String> {
    parse_price_in(text, Decimal::Point)
}

/// Currency signs a price may carry before or after its number.
pub const CURRENCY_SIGNS: [char; 5] = ['$', '€', '£', '¥', '￥'];

/// The currency sign written with a price (`$1,299.00` → `$`), if any.
pub fn currency_sign(text: &str) -> Option<char> {
    let t = text.trim();
    t.chars()
        .next()
        .filter(|c| CURRENCY_SIGNS.contains(c))
        .or_else(|| t.chars().next_back().filter(|c| CURRENCY_SIGNS.contains(c)))
        // ¥ and ￥ are one currency written two ways.
        .map(|c| if c == '￥' { '¥' } else { c })
}

/// The currency of a price column, decided from the values at its start:
/// the sign most of them carry (`None` when none carries one).
pub fn decide_currency<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<char> {
    let mut counts: Vec<(char, usize)> = Vec::new();
    for sign in values.into_iter().filter_map(currency_sign) {
        match counts.iter_mut().find(|(c, _)| *c == sign) {
            Some((_, n)) => *n += 1,
            None => counts.push((sign, 1)),
        }
    }
    // The most frequent; the first seen on a tie.
    let mut best: Option<(char, usize)> = None;
    for (c, n) in counts {
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((c, n));
        }
    }
    best.map(|(c, _)| c)
}

/// An optional price: empty is unknown; otherwise finite and not negative.
/// Accepts a currency sign before or after and thousands separators
/// (`$1,299.00`, `1.299,00 €`, `1 299,00`).
pub fn parse_price_in(text: &str, decimal: Decimal) -> Result<Option<f64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bare = t
        .trim_start_matches(CURRENCY_SIGNS)
        .trim_end_matches(CURRENCY_SIGNS)
        .trim();
    // Spaces and apostrophes group thousands (`1 234,50`, `1'234.50`) in
    // the whole part only: there they become the column's group mark, so
    // the grouping is checked; anywhere else the value is not a number.
    let spacer = |c: char| matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\'');
    let (dec, group) = decimal.marks();
    let (int, frac) = match bare.split_once(dec) {
        Some((i, f)) => (i, Some(f)),
        None => (bare, None),
    };
    if frac.is_some_and(|f| f.contains(spacer)) {
        return Err(format!("price '{t}' is not a number"));
    }
    let mut cleaned: String = int
        .chars()
        .map(|c| if spacer(c) { group } else { c })
        .collect();
    if let Some(f) = frac {
        cleaned.push(dec);
        cleaned.push_str(f);
    }
    let v = parse_decimal(&cleaned, "price", decimal).map_err(|e| {
        if e.contains("decimal") || e.contains("thousands") {
            e.replace(&format!("'{cleaned}'"), &format!("'{t}'"))
        } else {
            format!("price '{t}' is not a number")
        }
    })?;
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
    fn a_price_column_has_the_currency_most_of_its_values_carry() {
        assert_eq!(currency_sign(" $1,299.00 "), Some('$'));
        assert_eq!(currency_sign("4,20 €"), Some('€'));
        assert_eq!(currency_sign("￥12"), Some('¥'));
        assert_eq!(currency_sign("12.50"), None);
        assert_eq!(decide_currency(["$1", "2", "€3", "$4"]), Some('$'));
        assert_eq!(decide_currency(["1", "2.50"]), None);
    }

    #[test]
    fn decimal_commas_are_never_read_as_thousands() {
        // The defect: `1,50` was stored as 150.
        assert!(parse_price("1,50").unwrap_err().contains("decimal comma"));
        assert_eq!(parse_price_in("1,50", Decimal::Comma), Ok(Some(1.5)));
        assert_eq!(
            parse_price_in("1.234,50 €", Decimal::Comma),
            Ok(Some(1234.5))
        );
        assert_eq!(parse_price_in("1 234,50", Decimal::Comma), Ok(Some(1234.5)));
        assert_eq!(parse_price_in("1.299", Decimal::Comma), Ok(Some(1299.0)));
        assert!(
            parse_price_in("1.50", Decimal::Comma)
                .unwrap_err()
                .contains("decimal point")
        );
        assert!(
            parse_price("1.234,50")
                .unwrap_err()
                .contains("decimal comma")
        );
        assert_eq!(parse_price("1,299"), Ok(Some(1299.0)));
        assert!(parse_price("1,2,3").is_err());
        // Found by the `values` fuzz target: spaces inside the decimals
        // were dropped, so "3.5 5 2" read as 3552 with a decimal comma.
        assert!(parse_price_in("3.5 5 2", Decimal::Comma).is_err());
        assert!(parse_price_in("3.5 5 2", Decimal::Point).is_err());
        assert!(parse_price_in("1,2'26", Decimal::Point).is_err());
        assert_eq!(parse_price_in("1'234.50", Decimal::Point), Ok(Some(1234.5)));
        assert!(parse_price_in("12 34,5", Decimal::Comma).is_err());
        assert_eq!(parse_decimal("-4,5", "value", Decimal::Comma), Ok(-4.5));
        assert!(
            parse_number("4,5", "rating")
                .unwrap_err()
                .contains("decimal comma")
        );
    }

    #[test]
    fn decimal_separator_is_decided_from_the_values() {
        assert_eq!(Decimal::shown_by("1,50"), Some(Decimal::Comma));
        assert_eq!(Decimal::shown_by("1.234,5"), Some(Decimal::Comma));
        assert_eq!(Decimal::shown_by("1,234"), None);
        assert_eq!(Decimal::shown_by("1,234,567"), Some(Decimal::Point));
        assert_eq!(Decimal::shown_by("12.5"), Some(Decimal::Point));
        assert_eq!(Decimal::shown_by("12"), None);
        let hint = Decimal::Comma;
        assert_eq!(Decimal::decide(["1.299", "12"], hint), Decimal::Comma);
        assert_eq!(Decimal::decide(["1.299", "2.50"], hint), Decimal::Point);
        assert_eq!(
            Decimal::decide(["1,299", "2,5", "3,75", "3.5"], Decimal::Point),
            Decimal::Comma
        );
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

        /// A number written either way reads back the same, and never
        /// 100x off when read in the other way: it is refused or equal.
        #[test]
        fn decimal_either_way(cents in 0u64..100_000_000) {
            let int = cents / 100;
            let frac = cents % 100;
            let grouped = |sep: char| {
                let s = int.to_string();
                let mut out = String::new();
                for (i, c) in s.chars().enumerate() {
                    if i > 0 && (s.len() - i) % 3 == 0 {
                        out.push(sep);
                    }
                    out.push(c);
                }
                out
            };
            let v = cents as f64 / 100.0;
            let eu = format!("{},{frac:02}", grouped('.'));
            let us = format!("{}.{frac:02}", grouped(','));
            prop_assert_eq!(parse_price_in(&eu, Decimal::Comma), Ok(Some(v)));
            prop_assert_eq!(parse_price_in(&us, Decimal::Point), Ok(Some(v)));
            prop_assert!(parse_price_in(&eu, Decimal::Point).is_err());
            prop_assert!(parse_price_in(&us, Decimal::Comma).is_err());
        }
    }
}
