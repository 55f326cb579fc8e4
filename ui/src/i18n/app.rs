//! Chinese for the app strings (English -> 简体中文); kept apart so each
//! area's strings sit in one place.

/// English -> 简体中文.
pub(super) const ZH: &[(&str, &str)] = &[];
