//! Chinese for the app strings (English -> 简体中文); kept apart so each
//! area's strings sit in one place.

/// English -> 简体中文.
pub(super) const ZH: &[(&str, &str)] = &[
    // Import and index messages in the status bar.
    ("Imported", "已导入"),
    (
        "was imported before (same content); nothing added.",
        "以前已导入过（内容相同）；未添加任何内容。",
    ),
    ("row accepted", "行已接受"),
    (
        "duplicate of stored events skipped",
        "条与已存储事件重复，已跳过",
    ),
];
