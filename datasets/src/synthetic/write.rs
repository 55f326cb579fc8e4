//! Writing a synthetic shop as files in ShopLab's generic formats.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Shop;
use super::events::RawEvents;
use super::ids;
use crate::error::{Error, Result};

/// Header of `catalog.csv`.
const CATALOG_HEADER: [&str; 10] = [
    "item_id",
    "title",
    "description",
    "brand",
    "category",
    "price",
    "image_url",
    "attr:colour",
    "attr:material",
    "attr:size",
];
/// Header of `events.csv`.
const EVENTS_HEADER: [&str; 8] = [
    "timestamp",
    "user_id",
    "session_id",
    "item_id",
    "event",
    "query",
    "value",
    "position",
];
/// Write buffer size: large enough that a 10M-event file costs few system calls.
const BUFFER: usize = 1 << 20;

/// Where [`Shop::write_files`] put the files and how many records each holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WrittenFiles {
    /// The folder written to.
    pub dir: PathBuf,
    /// `catalog.csv`.
    pub catalog: PathBuf,
    /// `users.csv`.
    pub users: PathBuf,
    /// `events.csv`.
    pub events: PathBuf,
    /// `judgments.csv`.
    pub judgments: PathBuf,
    /// `truth.json`.
    pub truth: PathBuf,
    /// Rows of `catalog.csv`.
    pub n_items: u64,
    /// Rows of `users.csv`.
    pub n_users: u64,
    /// Rows of `events.csv`.
    pub n_events: u64,
    /// Rows of `judgments.csv`.
    pub n_judgments: u64,
}

pub(super) fn write_files(shop: &Shop, dir: &Path) -> Result<WrittenFiles> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let (catalog, n_items) = write_csv(dir, "catalog.csv", |w| write_catalog(shop, w))?;
    let (users, n_users) = write_csv(dir, "users.csv", |w| write_users(shop, w))?;
    let (events, n_events) = write_csv(dir, "events.csv", |w| write_events(shop, w))?;
    let (judgments, n_judgments) = write_csv(dir, "judgments.csv", |w| write_judgments(shop, w))?;
    let truth = write_atomic(dir, "truth.json", |file| {
        let mut w = BufWriter::with_capacity(BUFFER, file);
        serde_json::to_writer(&mut w, shop.truth()).map_err(std::io::Error::from)?;
        w.flush()?;
        Ok(())
    })?;
    Ok(WrittenFiles {
        dir: dir.to_path_buf(),
        catalog,
        users,
        events,
        judgments,
        truth,
        n_items,
        n_users,
        n_events,
        n_judgments,
    })
}

type CsvWriter<'f> = csv::Writer<&'f mut File>;

/// Writes one CSV file atomically; `write` returns the number of data rows.
fn write_csv(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut CsvWriter<'_>) -> csv::Result<u64>,
) -> Result<(PathBuf, u64)> {
    let mut rows = 0;
    let path = write_atomic(dir, name, |file| {
        let mut w = csv::WriterBuilder::new()
            .buffer_capacity(BUFFER)
            .from_writer(file);
        rows = write(&mut w)?;
        w.flush()?;
        Ok(())
    })?;
    Ok((path, rows))
}

/// Writes `dir/name` through a temporary file in `dir` that is renamed into place
/// only once complete (and removed if anything fails).
fn write_atomic(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> Result<PathBuf> {
    let path = dir.join(name);
    let failed = |source| Error::Write {
        path: path.clone(),
        source,
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".shoplab-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // tempfile's private 0600 default suits secrets, not data meant to be shared:
        // ask for what `File::create` gives (0666 less the umask).
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(failed)?;
    write(tmp.as_file_mut()).map_err(failed)?;
    tmp.as_file().sync_all().map_err(failed)?;
    tmp.persist(&path).map_err(|e| failed(e.error))?;
    Ok(path)
}

fn write_catalog(shop: &Shop, w: &mut CsvWriter<'_>) -> csv::Result<u64> {
    w.write_record(CATALOG_HEADER)?;
    let mut price = String::new();
    for item in shop.items() {
        price.clear();
        if let Some(p) = item.price {
            let _ = write!(price, "{p}");
        }
        let attr = |k: &str| item.attributes.get(k).map_or("", String::as_str);
        w.write_record([
            item.id.as_str(),
            &item.title,
            &item.description,
            &item.brand,
            &item.category_path(),
            &price,
            &item.image_url,
            attr("colour"),
            attr("material"),
            attr("size"),
        ])?;
    }
    Ok(shop.items().len() as u64)
}

fn write_users(shop: &Shop, w: &mut CsvWriter<'_>) -> csv::Result<u64> {
    w.write_record(["user_id", "attr:segment", "attr:activity"])?;
    for user in shop.users() {
        let attr = |k: &str| user.attributes.get(k).map_or("", String::as_str);
        w.write_record([user.id.as_str(), attr("segment"), attr("activity")])?;
    }
    Ok(shop.users().len() as u64)
}

/// Streams the events straight from the compact generator: no `Event` records, and
/// one reused buffer per id or number column.
fn write_events(shop: &Shop, w: &mut CsvWriter<'_>) -> csv::Result<u64> {
    w.write_record(EVENTS_HEADER)?;
    let [
        mut ts,
        mut user,
        mut session,
        mut item,
        mut value,
        mut position,
    ] = std::array::from_fn(|_| String::new());
    let mut rows = 0;
    for e in RawEvents::new(shop) {
        ts.clear();
        let _ = write!(ts, "{}", e.ts);
        ids::write_user_id(&mut user, e.user as usize);
        ids::write_session_id(&mut session, e.session);
        item.clear();
        if let Some(i) = e.item {
            ids::write_item_id(&mut item, i as usize);
        }
        value.clear();
        if let Some(p) = shop.value(&e) {
            let _ = write!(value, "{p}");
        }
        position.clear();
        if let Some(p) = e.position {
            let _ = write!(position, "{p}");
        }
        let query = e
            .query
            .map(|q| q.text(&shop.catalog.brands))
            .unwrap_or_default();
        w.write_record([
            ts.as_str(),
            &user,
            &session,
            &item,
            e.kind.as_str(),
            &query,
            &value,
            &position,
        ])?;
        rows += 1;
    }
    Ok(rows)
}

fn write_judgments(shop: &Shop, w: &mut CsvWriter<'_>) -> csv::Result<u64> {
    w.write_record(["query", "item_id", "grade"])?;
    let judgments = shop.judgments();
    for j in &judgments {
        w.write_record([j.query.as_str(), &j.item, &j.grade.to_string()])?;
    }
    Ok(judgments.len() as u64)
}
