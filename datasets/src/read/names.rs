//! Column names and values quoted in messages, capped so that a header of
//! 200,000 columns or a 1 MiB cell cannot make a message megabytes long.

/// Names listed in one message before "and N more".
pub const MAX_LISTED: usize = 20;

/// Characters of one name or value quoted in a message.
pub const MAX_QUOTED: usize = 60;

/// `text`, cut to at most `max` characters with `…` when cut.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

/// The first [`MAX_LISTED`] names, each clipped, joined with `, `, and how
/// many more there are.
pub fn list<S: AsRef<str>>(names: &[S]) -> String {
    let mut s = names
        .iter()
        .take(MAX_LISTED)
        .map(|n| clip(n.as_ref(), MAX_QUOTED))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > MAX_LISTED {
        s.push_str(&format!(" and {} more", names.len() - MAX_LISTED));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_capped() {
        let many: Vec<String> = (0..200_000).map(|i| format!("c{i}")).collect();
        let s = list(&many);
        assert!(s.len() < 200, "{s}");
        assert!(s.ends_with("and 199980 more"), "{s}");
        assert_eq!(list(&["a", "b"]), "a, b");
        assert_eq!(clip("héllo", 2), "hé…");
        assert_eq!(clip("hé", 2), "hé");
    }
}
