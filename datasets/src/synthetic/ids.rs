//! The synthetic shop's id scheme: `P000123` items, `U000045` users, `S00000007`
//! sessions, numbered from 1 and zero-padded (wider once the numbers need it).
//!
//! Formatted by hand rather than with `format!` because the event stream writes three
//! ids per event, and this is several times faster.

/// Digits of items' and users' ids.
const WIDTH: usize = 6;
/// Digits of sessions' ids.
const SESSION_WIDTH: usize = 8;

/// The id of the item at `index`.
pub(crate) fn item_id(index: usize) -> String {
    id(b'P', index as u64 + 1, WIDTH)
}

/// The id of the user at `index`.
pub(crate) fn user_id(index: usize) -> String {
    id(b'U', index as u64 + 1, WIDTH)
}

/// The id of the session at `index`.
pub(crate) fn session_id(index: u64) -> String {
    id(b'S', index.saturating_add(1), SESSION_WIDTH)
}

/// Writes the id of the item at `index` into `out`, replacing its contents.
pub(crate) fn write_item_id(out: &mut String, index: usize) {
    write_id(out, b'P', index as u64 + 1, WIDTH);
}

/// Writes the id of the user at `index` into `out`, replacing its contents.
pub(crate) fn write_user_id(out: &mut String, index: usize) {
    write_id(out, b'U', index as u64 + 1, WIDTH);
}

/// Writes the id of the session at `index` into `out`, replacing its contents.
pub(crate) fn write_session_id(out: &mut String, index: u64) {
    write_id(out, b'S', index.saturating_add(1), SESSION_WIDTH);
}

fn id(prefix: u8, n: u64, width: usize) -> String {
    let mut s = String::with_capacity(width + 1);
    write_id(&mut s, prefix, n, width);
    s
}

fn write_id(out: &mut String, prefix: u8, mut n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let len = digits.len() - start;
    out.clear();
    out.push(char::from(prefix));
    out.extend(std::iter::repeat_n('0', width.saturating_sub(len)));
    out.extend(digits[start..].iter().map(|&d| char::from(d)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids_are_padded_and_one_based() {
        assert_eq!(item_id(122), "P000123");
        assert_eq!(user_id(44), "U000045");
        assert_eq!(session_id(6), "S00000007");
        assert_eq!(item_id(1_234_567), "P1234568");
    }

    proptest! {
        #[test]
        fn ids_match_format(n in 0u64..u64::MAX) {
            prop_assert_eq!(session_id(n), format!("S{:08}", n + 1));
            let mut buf = String::from("junk");
            write_user_id(&mut buf, n as usize % 10_000_000);
            prop_assert_eq!(buf, format!("U{:06}", n as usize % 10_000_000 + 1));
        }
    }
}
