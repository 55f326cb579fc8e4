//! HTML character references in text fields (`Plumber&#39;s`, `Nuts &amp;
//! Bolts`): some data sets were scraped from web pages and keep them, so a
//! search would index `39` and `amp` as words and the app would show the
//! codes. Written by hand rather than with a crate: the crates in reach
//! refuse a whole string on one stray `&` (`AT&T`), and only the five XML
//! names and numeric references occur in these files.

use std::borrow::Cow;

/// `text` with `&amp; &lt; &gt; &quot; &apos;` and numeric references
/// (`&#39;`, `&#x27;`) replaced by their characters; anything else,
/// including a bare `&`, is kept as written.
pub fn decode(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        // A reference is short: `&#x10FFFF;` is the longest we read.
        // Bytes, not a string slice: byte 10 may fall inside a character.
        let end = tail.bytes().take(10).position(|b| b == b';');
        let decoded = end.and_then(|end| reference(&tail[1..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The character a reference names (`amp`, `#39`, `#x27`), if it is one.
fn reference(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            // NUL and other controls are not text a title should hold.
            char::from_u32(code).filter(|c| !c.is_control())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_become_characters_and_the_rest_stays() {
        assert_eq!(decode("Plumber&#39;s Hole Saw"), "Plumber's Hole Saw");
        assert_eq!(decode("Nuts &amp; Bolts 1/2&quot;"), "Nuts & Bolts 1/2\"");
        assert_eq!(decode("&#x27;a&#X27;"), "'a'");
        assert_eq!(decode("AT&T & more &amp"), "AT&T & more &amp");
        assert_eq!(decode("&bogus; &#0; &#xZZ;"), "&bogus; &#0; &#xZZ;");
        assert!(matches!(decode("plain"), Cow::Borrowed(_)));
    }

    proptest::proptest! {
        /// Text without `&` is untouched; decoding never panics on any input.
        #[test]
        fn decoding_is_total(t in ".{0,40}") {
            let d = decode(&t);
            if !t.contains('&') {
                proptest::prop_assert_eq!(d.as_ref(), t.as_str());
            }
        }
    }
}
