//! Advice inside error messages that differs by face: the CLI names a flag
//! (`--format`), the desktop app names what to click. Library messages are
//! built with [`Hint::cli`] (so the CLI's text is unchanged); the app passes
//! every message it shows through [`for_app`], which swaps each hint for its
//! app wording. One table holds both wordings, so a new hint cannot reach
//! the window as a CLI flag without an app wording beside it.

/// One piece of advice, worded for each face. `{}` in `cli` stands for a
/// value (a field name, a path) that [`for_app`] carries into `app`'s `{}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hint {
    /// The wording in CLI messages.
    pub cli: &'static str,
    /// The wording in the app's window.
    pub app: &'static str,
}

impl Hint {
    /// The CLI wording with `value` in place of `{}`.
    pub fn cli_with(&self, value: &str) -> String {
        self.cli.replacen("{}", value, 1)
    }
}

/// A folder given where a file was expected.
pub const FOLDER_FORMAT: Hint = Hint {
    cli: "give a file, or pick a data-set format with --format",
    app: "add a file, or choose the data set's format in the Import panel",
};
/// A folder whose layout matches no known data set.
pub const FOLDER_UNKNOWN: Hint = Hint {
    cli: "import its files one by one, or pass --format",
    app: "add its files one by one instead of the folder",
};
/// A generic file whose columns name no known kind.
pub const KIND_AND_MAP: Hint = Hint {
    cli: "pass --format catalog|events|users|judgments and --map FIELD=COLUMN",
    app: "choose the file's format (catalog, events, users or judgments) in the Data view's Import panel and pick which column fills each field",
};
/// A required column is missing.
pub const MAP_COLUMN: Hint = Hint {
    cli: "name the right column with --map, e.g. --map {}=YOUR_COLUMN",
    app: "pick the column that holds {} in the Import panel's \"becomes\" list",
};
/// A timestamp that is not in a recognised form.
pub const TIMESTAMP_FORMAT: Hint = Hint {
    cli: "pass --timestamp-format to give the pattern",
    app: "save the column as dates such as 2024-05-31 14:02:00 or as Unix seconds",
};
/// Rows read in a second encoding.
pub const ENCODING_MIXED: Hint = Hint {
    cli: "check them, or pass --encoding to read every row one way",
    app: "check them, or save the file as UTF-8 so every row is read one way",
};
/// Text that is not UTF-8.
pub const ENCODING_LATIN1: Hint = Hint {
    cli: "if the file is Latin-1 / Windows-1252, pass --encoding windows-1252",
    app: "if the file is Latin-1 / Windows-1252, save it as UTF-8 and import it again",
};
/// Events naming items missing from the catalog.
pub const ALLOW_NEW_ITEMS: Hint = Hint {
    cli: "import the catalog first or pass --allow-new-items",
    app: "import the catalog first",
};
/// A folder that is not a project.
pub const NEW_PROJECT: Hint = Hint {
    cli: "Create one with `shoplab new {}` or pass the right folder with --project",
    app: "Create one under \"New project from files\" on the Start view, or choose the folder that holds shop.sqlite",
};
/// A project folder that does not exist yet.
pub const CREATE_FIRST: Hint = Hint {
    cli: "create the project first (`shoplab new`)",
    app: "create the project first (Start view, \"New project from files\")",
};
/// A project without a store file.
pub const CREATE_AND_IMPORT: Hint = Hint {
    cli: "create the project with `shoplab new` and import data first",
    app: "create the project on the Start view and import data first",
};
/// Training with no events.
pub const IMPORT_EVENTS: Hint = Hint {
    cli: "import events first (`shoplab import events.csv`)",
    app: "import events first (Data view, Imports tab)",
};

/// Every hint, for [`for_app`].
pub const ALL: [Hint; 12] = [
    FOLDER_FORMAT,
    FOLDER_UNKNOWN,
    KIND_AND_MAP,
    MAP_COLUMN,
    TIMESTAMP_FORMAT,
    ENCODING_MIXED,
    ENCODING_LATIN1,
    ALLOW_NEW_ITEMS,
    NEW_PROJECT,
    CREATE_FIRST,
    CREATE_AND_IMPORT,
    IMPORT_EVENTS,
];

/// `message` with every CLI hint in it replaced by its app wording.
pub fn for_app(message: &str) -> String {
    let mut out = message.to_string();
    for h in ALL {
        out = swap(&out, h);
    }
    out
}

/// Replaces each occurrence of `h.cli` (its `{}` matching any text without a
/// line break) by `h.app` (its `{}` filled with that text).
fn swap(text: &str, h: Hint) -> String {
    let Some((prefix, suffix)) = h.cli.split_once("{}") else {
        return text.replace(h.cli, h.app);
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(prefix) {
        let after = &rest[start + prefix.len()..];
        let line_end = after.find('\n').unwrap_or(after.len());
        let found = if suffix.is_empty() {
            // The value runs to the first space or the end of the line.
            let end = after[..line_end].find(' ').unwrap_or(line_end);
            Some((end, end))
        } else {
            after[..line_end]
                .find(suffix)
                .map(|i| (i, i + suffix.len()))
        };
        let Some((value_end, consumed)) = found else {
            out.push_str(&rest[..start + prefix.len()]);
            rest = after;
            continue;
        };
        out.push_str(&rest[..start]);
        out.push_str(&h.app.replacen("{}", &after[..value_end], 1));
        rest = &after[consumed..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hint_reads_without_flags_in_the_app() {
        for h in ALL {
            let msg = format!("x.csv: trouble; {}.", h.cli_with("item_id"));
            let app = for_app(&msg);
            assert!(!app.contains("--"), "{app}");
            assert!(!app.contains("shoplab "), "{app}");
            assert!(app.starts_with("x.csv: trouble; "), "{app}");
        }
    }

    #[test]
    fn values_carry_over_and_other_text_stays() {
        let msg = format!(
            "a catalog file needs item_id; {}\nnext line",
            MAP_COLUMN.cli_with("item_id")
        );
        assert_eq!(
            for_app(&msg),
            "a catalog file needs item_id; pick the column that holds item_id in the Import panel's \"becomes\" list\nnext line"
        );
        let msg = format!(
            "/tmp/x is not a project. {}",
            NEW_PROJECT.cli_with("/tmp/x")
        );
        assert!(for_app(&msg).contains("Start view"));
        assert_eq!(for_app("no hint here --json"), "no hint here --json");
    }
}
