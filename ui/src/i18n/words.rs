//! Chinese for the words strings (English -> 简体中文); kept apart so each
//! area's strings sit in one place.

/// English -> 简体中文.
pub(super) const ZH: &[(&str, &str)] = &[
    ("Find", "查找"),
    (
        "plain or precise name, e.g. p95_us",
        "通俗名称或精确名称，例如 p95_us",
    ),
    ("No entry matches", "没有匹配的条目"),
    ("In plain words", "通俗地说"),
    ("Shown as", "显示为"),
    ("Settings", "设置项"),
];
