//! Readers for public data sets, each in its documented layout.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result, RowError};
use crate::model::{Event, EventKind, Item, Judgment, Record, User};

use super::input::open_text;
use super::lines::{Line, Lines};
use super::parquet::ParquetTable;
use super::rows::{AnyTable, Output, Stream, col, stream};
use super::table::{Position, Row, Table, TableOptions};
use super::value::{parse_number, split_category};

fn need(path: &Path, name: &str) -> Result<PathBuf> {
    let p = path.join(name);
    if p.is_file() {
        Ok(p)
    } else {
        Err(Error::Unreadable {
            path: path.to_path_buf(),
            reason: format!("{name} is missing from this folder; the data set needs it"),
        })
    }
}

fn rating_event(row: &Row<'_>, user: &str, item: &str, rating: &str, ts: &str) -> Output {
    let value = parse_number(rating, "rating").map_err(|r| row.reject(Some("rating"), r))?;
    let ts = ts.trim().parse::<f64>().map_err(|_| {
        row.reject(
            Some("timestamp"),
            format!("timestamp '{ts}' is not unix seconds"),
        )
    })?;
    Ok(Record::Event(Event {
        ts: ts as i64,
        user: user.trim().to_string(),
        session: None,
        item: Some(item.trim().to_string()),
        kind: EventKind::Rating,
        query: None,
        value: Some(value),
        position: None,
    }))
}

const ML_GENRES: [&str; 19] = [
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
];

fn movie(id: &str, title: &str, genres: Vec<String>, year: &str) -> Record {
    let mut attributes = BTreeMap::new();
    if !genres.is_empty() {
        attributes.insert("genres".to_string(), genres.join("|"));
    }
    if !year.is_empty() {
        attributes.insert("year".to_string(), year.to_string());
    }
    Record::Item(Item {
        id: id.trim().to_string(),
        title: title.trim().to_string(),
        category: genres.into_iter().take(1).collect(),
        attributes,
        ..Item::default()
    })
}

/// MovieLens 100K: `u.item` (pipe, Latin-1), `u.user`, `u.data` (tab).
pub fn movielens_100k(dir: &Path, pos: &Arc<Position>) -> Result<Stream> {
    let raw = |sep: u8| TableOptions {
        delimiter: Some(sep),
        has_header: false,
        quoting: false,
        check_width: false,
        ..TableOptions::default()
    };
    let items = Table::open(&need(dir, "u.item")?, raw(b'|'), pos.clone())?;
    let data = Table::open(&need(dir, "u.data")?, raw(b'\t'), pos.clone())?;
    let users = match dir.join("u.user") {
        p if p.is_file() => Some(Table::open(&p, raw(b'|'), pos.clone())?),
        _ => None,
    };
    let items = stream(items, |row, out| {
        if row.fields.len() < 5 {
            out.push_back(Err(row.reject(
                None,
                "u.item rows need id|title|date|video date|url|genre flags",
            )));
            return;
        }
        let genres = (5..row.fields.len())
            .filter(|&i| row.get(Some(i)) == "1")
            .filter_map(|i| ML_GENRES.get(i - 5).map(|g| g.to_string()))
            .collect();
        let date = row.get(Some(2));
        let year = date.rsplit('-').next().unwrap_or("");
        out.push_back(Ok(movie(row.get(Some(0)), row.get(Some(1)), genres, year)));
    });
    let users: Stream = match users {
        Some(t) => stream(t, |row, out| {
            let mut attributes = BTreeMap::new();
            for (i, name) in [(1, "age"), (2, "gender"), (3, "occupation"), (4, "zip")] {
                let v = row.get(Some(i));
                if !v.is_empty() {
                    attributes.insert(name.to_string(), v.to_string());
                }
            }
            out.push_back(Ok(Record::User(User {
                id: row.get(Some(0)).to_string(),
                attributes,
            })));
        }),
        None => Box::new(std::iter::empty()),
    };
    let events = stream(data, |row, out| {
        if row.fields.len() < 4 {
            out.push_back(Err(row.reject(
                None,
                "u.data rows need user, item, rating, timestamp separated by tabs",
            )));
            return;
        }
        out.push_back(rating_event(
            row,
            row.get(Some(0)),
            row.get(Some(1)),
            row.get(Some(2)),
            row.get(Some(3)),
        ));
    });
    Ok(Box::new(items.chain(users).chain(events)))
}

/// Lines of a `::`-separated MovieLens 1M file (Latin-1).
struct DatLines {
    path: PathBuf,
    lines: Lines,
    buf: Vec<u8>,
    consumed: Arc<std::sync::atomic::AtomicU64>,
    pos: Arc<Position>,
    idx: u64,
    done: bool,
}

impl DatLines {
    fn open(path: PathBuf, pos: &Arc<Position>) -> Result<DatLines> {
        let input = open_text(&path, Some("windows-1252"))?;
        let idx = pos.register(&path);
        Ok(DatLines {
            path,
            lines: Lines::new(input.reader, false),
            buf: Vec::new(),
            consumed: input.consumed,
            pos: pos.clone(),
            idx,
            done: false,
        })
    }

    fn next_fields(&mut self) -> Option<std::result::Result<(u64, Vec<String>), RowError>> {
        use std::sync::atomic::Ordering;
        loop {
            if self.done {
                return None;
            }
            self.buf.clear();
            let next = self.lines.next(&mut self.buf);
            self.pos.file.store(self.idx, Ordering::Relaxed);
            self.pos.at(self.consumed.load(Ordering::Relaxed));
            let reject = |line: u64, reason: String| RowError {
                file: self.path.clone(),
                line,
                column: None,
                reason,
                raw: String::new(),
            };
            let line = match next {
                Ok(Line::End) => {
                    self.done = true;
                    self.pos.advance(self.consumed.load(Ordering::Relaxed));
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    self.pos.advance(self.consumed.load(Ordering::Relaxed));
                    return Some(Err(reject(
                        self.pos.line.load(Ordering::Relaxed) + 1,
                        format!(
                            "cannot read the file past this point ({e}); the rows after it were not read"
                        ),
                    )));
                }
                Ok(Line::Long(l, n)) => {
                    return Some(Err(reject(
                        l,
                        format!("row is {n} bytes, over the 1 MiB limit"),
                    )));
                }
                Ok(Line::Text(l)) => l,
            };
            self.pos.line.store(line, Ordering::Relaxed);
            if self.buf.contains(&0) {
                return Some(Err(reject(
                    line,
                    "holds a NUL byte, which text never has; the row is skipped".into(),
                )));
            }
            let text = encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(&self.buf)
                .0;
            let text = text.trim_end_matches(['\r', '\n']);
            if text.trim().is_empty() {
                continue;
            }
            return Some(Ok((line, text.split("::").map(str::to_string).collect())));
        }
    }
}

fn dat_stream(
    mut lines: DatLines,
    mut f: impl FnMut(&Path, u64, &[String]) -> Output + Send + 'static,
) -> Stream {
    Box::new(std::iter::from_fn(move || {
        let path = lines.path.clone();
        Some(match lines.next_fields()? {
            Err(e) => Err(e),
            Ok((line, fields)) => f(&path, line, &fields),
        })
    }))
}

fn dat_reject(path: &Path, line: u64, fields: &[String], reason: &str) -> RowError {
    RowError {
        file: path.to_path_buf(),
        line,
        column: None,
        reason: reason.to_string(),
        raw: super::table::clip_raw(fields.join("::")),
    }
}

/// MovieLens 1M: `movies.dat`, `users.dat`, `ratings.dat` (`::`-separated).
pub fn movielens_1m(dir: &Path, pos: &Arc<Position>) -> Result<Stream> {
    let movies = DatLines::open(need(dir, "movies.dat")?, pos)?;
    let ratings = DatLines::open(need(dir, "ratings.dat")?, pos)?;
    let users = match dir.join("users.dat") {
        p if p.is_file() => Some(DatLines::open(p, pos)?),
        _ => None,
    };
    let movies = dat_stream(movies, |path, line, f| {
        if f.len() < 3 {
            return Err(dat_reject(
                path,
                line,
                f,
                "movies.dat rows need MovieID::Title::Genres",
            ));
        }
        let genres = f[2]
            .split('|')
            .filter(|g| !g.is_empty())
            .map(str::to_string)
            .collect();
        let year = f[1]
            .trim()
            .rsplit('(')
            .next()
            .unwrap_or("")
            .trim_end_matches(')');
        Ok(movie(&f[0], &f[1], genres, year))
    });
    let users: Stream = match users {
        Some(u) => dat_stream(u, |path, line, f| {
            if f.is_empty() {
                return Err(dat_reject(
                    path,
                    line,
                    f,
                    "users.dat rows need UserID::Gender::Age::Occupation::Zip",
                ));
            }
            let mut attributes = BTreeMap::new();
            for (i, name) in [(1, "gender"), (2, "age"), (3, "occupation"), (4, "zip")] {
                if let Some(v) = f.get(i).filter(|v| !v.is_empty()) {
                    attributes.insert(name.to_string(), v.clone());
                }
            }
            Ok(Record::User(User {
                id: f[0].trim().to_string(),
                attributes,
            }))
        }),
        None => Box::new(std::iter::empty()),
    };
    let ratings = dat_stream(ratings, |path, line, f| {
        if f.len() < 4 {
            return Err(dat_reject(
                path,
                line,
                f,
                "ratings.dat rows need UserID::MovieID::Rating::Timestamp",
            ));
        }
        let bad = |what: &str| dat_reject(path, line, f, what);
        let value: f64 = f[2]
            .trim()
            .parse()
            .map_err(|_| bad("rating is not a number"))?;
        let ts: i64 = f[3]
            .trim()
            .parse()
            .map_err(|_| bad("timestamp is not unix seconds"))?;
        Ok(Record::Event(Event {
            ts,
            user: f[0].trim().to_string(),
            session: None,
            item: Some(f[1].trim().to_string()),
            kind: EventKind::Rating,
            query: None,
            value: Some(value),
            position: None,
        }))
    });
    Ok(Box::new(movies.chain(users).chain(ratings)))
}

/// MovieLens "latest" CSV: `movies.csv`, `ratings.csv`.
pub fn movielens_csv(dir: &Path, pos: &Arc<Position>) -> Result<Stream> {
    let csv = TableOptions {
        delimiter: Some(b','),
        ..TableOptions::default()
    };
    let movies = Table::open(&need(dir, "movies.csv")?, csv, pos.clone())?;
    let ratings = Table::open(&need(dir, "ratings.csv")?, csv, pos.clone())?;
    let (mid, mtitle, mgenres) = (
        col(&movies, "movieId")?,
        col(&movies, "title")?,
        col(&movies, "genres")?,
    );
    let (ru, ri, rr, rt) = (
        col(&ratings, "userId")?,
        col(&ratings, "movieId")?,
        col(&ratings, "rating")?,
        col(&ratings, "timestamp")?,
    );
    let movies = stream(movies, move |row, out| {
        let genres = row
            .get(Some(mgenres))
            .split('|')
            .filter(|g| !g.is_empty() && *g != "(no genres listed)")
            .map(str::to_string)
            .collect();
        let title = row.get(Some(mtitle));
        let year = title.rsplit('(').next().unwrap_or("").trim_end_matches(')');
        let year = if year.len() == 4 && year.chars().all(|c| c.is_ascii_digit()) {
            year
        } else {
            ""
        };
        out.push_back(Ok(movie(row.get(Some(mid)), title, genres, year)));
    });
    let ratings = stream(ratings, move |row, out| {
        out.push_back(rating_event(
            row,
            row.get(Some(ru)),
            row.get(Some(ri)),
            row.get(Some(rr)),
            row.get(Some(rt)),
        ));
    });
    Ok(Box::new(movies.chain(ratings)))
}

/// The RecBole atomic files of a data set: `NAME.item`, `NAME.user`, `NAME.inter`
/// (tab-separated, header fields `name:type`).
pub fn recbole(dir: &Path, name: &str, pos: &Arc<Position>) -> Result<Stream> {
    let tsv = TableOptions {
        delimiter: Some(b'\t'),
        quoting: false,
        ..TableOptions::default()
    };
    let inter_path = need(dir, &format!("{name}.inter"))?;
    let mut parts: Vec<Stream> = Vec::new();
    let field = |t: &Table, want: &[&str]| {
        t.header.iter().position(|h| {
            let base = h.split(':').next().unwrap_or("").to_ascii_lowercase();
            want.iter().any(|w| base == *w || base.contains(w))
        })
    };
    if let Ok(p) = need(dir, &format!("{name}.item")) {
        let t = Table::open(&p, tsv, pos.clone())?;
        let id = field(&t, &["item_id"]).ok_or_else(|| Error::Unreadable {
            path: p.clone(),
            reason: "has no item_id:token column".into(),
        })?;
        let title = field(&t, &["title", "name"]);
        let cat = field(&t, &["class", "genre", "categor"]);
        let names: Vec<String> = t
            .header
            .iter()
            .map(|h| h.split(':').next().unwrap_or("").to_string())
            .collect();
        parts.push(stream(t, move |row, out| {
            let mut attributes = BTreeMap::new();
            for (i, n) in names.iter().enumerate() {
                if Some(i) != Some(id) && Some(i) != title && !row.get(Some(i)).is_empty() {
                    attributes.insert(n.clone(), row.get(Some(i)).to_string());
                }
            }
            let category = row
                .get(cat)
                .split_whitespace()
                .take(1)
                .map(str::to_string)
                .collect();
            out.push_back(Ok(Record::Item(Item {
                id: row.get(Some(id)).to_string(),
                title: row.get(title).to_string(),
                category,
                attributes,
                ..Item::default()
            })));
        }));
    }
    if let Ok(p) = need(dir, &format!("{name}.user")) {
        let t = Table::open(&p, tsv, pos.clone())?;
        let id = field(&t, &["user_id"]).ok_or_else(|| Error::Unreadable {
            path: p.clone(),
            reason: "has no user_id:token column".into(),
        })?;
        let names: Vec<String> = t
            .header
            .iter()
            .map(|h| h.split(':').next().unwrap_or("").to_string())
            .collect();
        parts.push(stream(t, move |row, out| {
            let attributes = names
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != id && !row.get(Some(*i)).is_empty())
                .map(|(i, n)| (n.clone(), row.get(Some(i)).to_string()))
                .collect();
            out.push_back(Ok(Record::User(User {
                id: row.get(Some(id)).to_string(),
                attributes,
            })));
        }));
    }
    let t = Table::open(&inter_path, tsv, pos.clone())?;
    let (u, i) = match (field(&t, &["user_id"]), field(&t, &["item_id"])) {
        (Some(u), Some(i)) => (u, i),
        _ => {
            return Err(Error::Unreadable {
                path: inter_path,
                reason: "needs user_id:token and item_id:token columns".into(),
            });
        }
    };
    let rating = field(&t, &["rating"]);
    let ts = field(&t, &["timestamp"]);
    parts.push(stream(t, move |row, out| {
        let ts = match row.get(ts) {
            "" => 0,
            v => match v.parse::<f64>() {
                Ok(x) => x as i64,
                Err(_) => {
                    out.push_back(Err(row.reject(
                        Some("timestamp"),
                        format!("timestamp '{v}' is not a number"),
                    )));
                    return;
                }
            },
        };
        let value = match row.get(rating) {
            "" => None,
            v => match parse_number(v, "rating") {
                Ok(x) => Some(x),
                Err(r) => {
                    out.push_back(Err(row.reject(Some("rating"), r)));
                    return;
                }
            },
        };
        // Without ratings an interaction is implicit feedback; we store it as a purchase.
        let kind = if value.is_some() {
            EventKind::Rating
        } else {
            EventKind::Purchase
        };
        out.push_back(Ok(Record::Event(Event {
            ts,
            user: row.get(Some(u)).to_string(),
            session: None,
            item: Some(row.get(Some(i)).to_string()),
            kind,
            query: None,
            value,
            position: None,
        })));
    }));
    Ok(Box::new(parts.into_iter().flatten()))
}

/// The Home Depot search relevance file: each product once as an item, and a
/// judgment per row. Relevance (1 = irrelevant .. 3 = exact, a mean of raters)
/// becomes grade `relevance - 1` (0 .. 2) so that 0 means not relevant.
pub fn home_depot(path: &Path, encoding: Option<&str>, pos: &Arc<Position>) -> Result<Stream> {
    let t = Table::open(
        path,
        TableOptions {
            delimiter: Some(b','),
            // The data set is documented as Latin-1; its few odd bytes are too
            // few for detection to judge.
            encoding: encoding.or(Some("windows-1252")),
            ..TableOptions::default()
        },
        pos.clone(),
    )?;
    let (uid, title, term, rel) = (
        col(&t, "product_uid")?,
        col(&t, "product_title")?,
        col(&t, "search_term")?,
        col(&t, "relevance")?,
    );
    let mut seen: HashSet<String> = HashSet::new();
    Ok(stream(t, move |row, out| {
        let id = row.get(Some(uid));
        if id.is_empty() {
            out.push_back(Err(row.reject(Some("product_uid"), "product_uid is empty")));
            return;
        }
        let grade = match parse_number(row.get(Some(rel)), "relevance") {
            Ok(g) if (1.0..=3.0).contains(&g) => g - 1.0,
            Ok(g) => {
                out.push_back(Err(
                    row.reject(Some("relevance"), format!("relevance {g} is outside 1..3"))
                ));
                return;
            }
            Err(r) => {
                out.push_back(Err(row.reject(Some("relevance"), r)));
                return;
            }
        };
        if seen.insert(id.to_string()) {
            out.push_back(Ok(Record::Item(Item {
                id: id.to_string(),
                // Scraped titles keep HTML references (`Plumber&#39;s`).
                title: super::entities::decode(row.get(Some(title))).into_owned(),
                ..Item::default()
            })));
        }
        out.push_back(Ok(Record::Judgment(Judgment {
            query: row.get(Some(term)).to_string(),
            item: id.to_string(),
            grade,
        })));
    }))
}

/// Instacart: `products.csv` (+ `aisles.csv`, `departments.csv`) and an order
/// lines file (`order_lines*.csv`: orders joined with their lines).
///
/// Instacart has no timestamps, only each order's number, weekday, hour and
/// days since the shopper's prior order. ShopLab derives a deterministic time
/// per order: 2017-01-01 00:00 UTC, plus the shopper's cumulative days since
/// their first order, plus the hour. Orders of one shopper keep their order.
pub fn instacart(dir: &Path, lines_file: &Path, pos: &Arc<Position>) -> Result<Stream> {
    /// Longest gap between two orders of a shopper that is believed.
    const MAX_GAP_DAYS: f64 = 3_650.0;
    let csv = TableOptions {
        delimiter: Some(b','),
        ..TableOptions::default()
    };
    let small = |name: &str, id: &str, label: &str| -> Result<HashMap<String, String>> {
        let p = dir.join(name);
        if !p.is_file() {
            return Ok(HashMap::new());
        }
        let mut t = Table::open(&p, csv, Arc::new(Position::default()))?;
        pos.note(&p);
        let (i, l) = (col(&t, id)?, col(&t, label)?);
        let mut m = HashMap::new();
        while let Some(row) = t.next_row() {
            if let Ok(row) = row {
                m.insert(row.get(Some(i)).to_string(), row.get(Some(l)).to_string());
            }
        }
        Ok(m)
    };
    let aisles = small("aisles.csv", "aisle_id", "aisle")?;
    let departments = small("departments.csv", "department_id", "department")?;

    // First pass: days since the prior order per (user, order number).
    let mut first = Table::open(lines_file, csv, Arc::new(Position::default()))?;
    pos.note(lines_file);
    let (fu, fo, fd, fh) = (
        col(&first, "user_id")?,
        col(&first, "order_number")?,
        col(&first, "days_since_prior_order")?,
        col(&first, "order_hour_of_day")?,
    );
    let mut orders: HashMap<(String, u32), (f64, u32)> = HashMap::new();
    while let Some(row) = first.next_row() {
        let Ok(row) = row else { continue };
        let Ok(n) = row.get(Some(fo)).parse::<u32>() else {
            continue;
        };
        let days = row.get(Some(fd)).parse::<f64>().unwrap_or(0.0);
        let hour = row.get(Some(fh)).parse::<f64>().unwrap_or(0.0);
        // Out of range (Instacart caps the gap at 30 days): the order's rows
        // are rejected below rather than given an absurd time.
        if !(0.0..=MAX_GAP_DAYS).contains(&days) || !(0.0..24.0).contains(&hour) {
            continue;
        }
        orders.insert((row.get(Some(fu)).to_string(), n), (days, hour as u32));
    }
    let mut by_user: BTreeMap<String, Vec<(u32, f64, u32)>> = BTreeMap::new();
    for ((u, n), (d, h)) in orders {
        by_user.entry(u).or_default().push((n, d, h));
    }
    const BASE: i64 = 1_483_228_800; // 2017-01-01T00:00:00Z
    let mut order_ts: HashMap<(String, u32), i64> = HashMap::new();
    for (u, mut list) in by_user {
        list.sort_by_key(|x| x.0);
        let mut days = 0.0;
        for (i, (n, d, h)) in list.into_iter().enumerate() {
            if i > 0 {
                days += d;
            }
            order_ts.insert(
                (u.clone(), n),
                BASE.saturating_add((days * 86_400.0) as i64)
                    .saturating_add(i64::from(h) * 3600),
            );
        }
    }

    let products = Table::open(&need(dir, "products.csv")?, csv, pos.clone())?;
    let (pid, pname, paisle, pdept) = (
        col(&products, "product_id")?,
        col(&products, "product_name")?,
        col(&products, "aisle_id")?,
        col(&products, "department_id")?,
    );
    let items = stream(products, move |row, out| {
        let mut category = Vec::new();
        if let Some(d) = departments.get(row.get(Some(pdept))) {
            category.push(d.clone());
        }
        if let Some(a) = aisles.get(row.get(Some(paisle))) {
            category.push(a.clone());
        }
        out.push_back(Ok(Record::Item(Item {
            id: row.get(Some(pid)).to_string(),
            title: row.get(Some(pname)).to_string(),
            category,
            ..Item::default()
        })));
    });
    let lines = Table::open(lines_file, csv, pos.clone())?;
    let (lu, lo, ln, lp, lc) = (
        col(&lines, "user_id")?,
        col(&lines, "order_id")?,
        col(&lines, "order_number")?,
        col(&lines, "product_id")?,
        col(&lines, "add_to_cart_order")?,
    );
    let events = stream(lines, move |row, out| {
        let user = row.get(Some(lu)).to_string();
        let n = row.get(Some(ln)).parse::<u32>().unwrap_or(0);
        let Some(&ts) = order_ts.get(&(user.clone(), n)) else {
            out.push_back(Err(row.reject(
                Some("order_number"),
                "order_number is not a whole number, or the order's days_since_prior_order (0..3650) or order_hour_of_day (0..23) is out of range",
            )));
            return;
        };
        let position = row.get(Some(lc)).parse::<f64>().ok().map(|p| p as u32);
        out.push_back(Ok(Record::Event(Event {
            ts,
            user,
            session: Some(row.get(Some(lo)).to_string()),
            item: Some(row.get(Some(lp)).to_string()),
            kind: EventKind::Purchase,
            query: None,
            value: None,
            position,
        })));
    });
    Ok(Box::new(items.chain(events)))
}

/// RetailRocket: `events.csv`, `item_properties_part*.csv`, `category_tree.csv`.
/// Items are every item named in the properties or the events; the category is
/// the item's latest `categoryid` property, expanded to a path by the tree.
pub fn retailrocket(dir: &Path, pos: &Arc<Position>) -> Result<Stream> {
    let csv = TableOptions {
        delimiter: Some(b','),
        ..TableOptions::default()
    };
    let events_path = need(dir, "events.csv")?;
    let mut parent: HashMap<String, String> = HashMap::new();
    if let Ok(p) = need(dir, "category_tree.csv") {
        let mut t = Table::open(&p, csv, Arc::new(Position::default()))?;
        pos.note(&p);
        let (c, pa) = (col(&t, "categoryid")?, col(&t, "parentid")?);
        while let Some(row) = t.next_row() {
            if let Ok(row) = row
                && !row.get(Some(pa)).is_empty()
            {
                parent.insert(row.get(Some(c)).to_string(), row.get(Some(pa)).to_string());
            }
        }
    }
    let mut category: HashMap<String, (i64, String)> = HashMap::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::Io {
            path: dir.to_path_buf(),
            source: e,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("item_properties") && n.ends_with(".csv"))
        })
        .collect();
    files.sort();
    for f in &files {
        let mut t = Table::open(f, csv, Arc::new(Position::default()))?;
        pos.note(f);
        let (ts, item, prop, value) = (
            col(&t, "timestamp")?,
            col(&t, "itemid")?,
            col(&t, "property")?,
            col(&t, "value")?,
        );
        while let Some(row) = t.next_row() {
            let Ok(row) = row else { continue };
            if row.get(Some(prop)) != "categoryid" {
                continue;
            }
            let when = row.get(Some(ts)).parse::<i64>().unwrap_or(0);
            let e = category
                .entry(row.get(Some(item)).to_string())
                .or_insert((i64::MIN, String::new()));
            if when >= e.0 {
                *e = (when, row.get(Some(value)).to_string());
            }
        }
    }
    let mut ids: HashSet<String> = category.keys().cloned().collect();
    {
        let mut t = Table::open(&events_path, csv, Arc::new(Position::default()))?;
        pos.note(&events_path);
        let item = col(&t, "itemid")?;
        while let Some(row) = t.next_row() {
            if let Ok(row) = row {
                ids.insert(row.get(Some(item)).to_string());
            }
        }
    }
    let mut ids: Vec<String> = ids.into_iter().filter(|i| !i.is_empty()).collect();
    ids.sort_by(|a, b| {
        a.parse::<u64>()
            .unwrap_or(u64::MAX)
            .cmp(&b.parse::<u64>().unwrap_or(u64::MAX))
            .then(a.cmp(b))
    });
    let path_of = move |cat: &str| {
        let mut path = vec![cat.to_string()];
        let mut cur = cat.to_string();
        while let Some(p) = parent.get(&cur) {
            if path.len() > 32 || path.contains(p) {
                break;
            }
            path.push(p.clone());
            cur = p.clone();
        }
        path.reverse();
        path
    };
    let items: Vec<Record> = ids
        .into_iter()
        .map(|id| {
            let cat = category
                .get(&id)
                .map(|(_, c)| path_of(c))
                .unwrap_or_default();
            Record::Item(Item {
                title: format!("Item {id}"),
                id,
                category: cat,
                ..Item::default()
            })
        })
        .collect();
    let t = Table::open(&events_path, csv, pos.clone())?;
    let (ts, visitor, event, item, tx) = (
        col(&t, "timestamp")?,
        col(&t, "visitorid")?,
        col(&t, "event")?,
        col(&t, "itemid")?,
        col(&t, "transactionid")?,
    );
    let events = stream(t, move |row, out| {
        let kind = match row.get(Some(event)) {
            "view" => EventKind::View,
            "addtocart" => EventKind::Cart,
            "transaction" => EventKind::Purchase,
            other => {
                out.push_back(Err(row.reject(
                    Some("event"),
                    format!("unknown event '{other}' (expected view, addtocart, transaction)"),
                )));
                return;
            }
        };
        let Ok(ms) = row.get(Some(ts)).parse::<i64>() else {
            out.push_back(Err(
                row.reject(Some("timestamp"), "timestamp is not unix milliseconds")
            ));
            return;
        };
        let session = match row.get(Some(tx)) {
            "" => None,
            t => Some(t.to_string()),
        };
        out.push_back(Ok(Record::Event(Event {
            ts: ms / 1000,
            user: row.get(Some(visitor)).to_string(),
            session,
            item: Some(row.get(Some(item)).to_string()),
            kind,
            query: None,
            value: None,
            position: None,
        })));
    });
    Ok(Box::new(items.into_iter().map(Ok).chain(events)))
}

/// WANDS (Wayfair): `product.csv`, `query.csv`, `label.csv`, tab-separated.
/// Labels Exact / Partial / Irrelevant become grades 2 / 1 / 0.
pub fn wands(dir: &Path, pos: &Arc<Position>) -> Result<Stream> {
    let tsv = TableOptions {
        delimiter: Some(b'\t'),
        ..TableOptions::default()
    };
    let mut queries: HashMap<String, String> = HashMap::new();
    {
        let mut t = Table::open(&need(dir, "query.csv")?, tsv, Arc::new(Position::default()))?;
        pos.note(t.path());
        let (id, q) = (col(&t, "query_id")?, col(&t, "query")?);
        while let Some(row) = t.next_row() {
            if let Ok(row) = row {
                queries.insert(row.get(Some(id)).to_string(), row.get(Some(q)).to_string());
            }
        }
    }
    let products = Table::open(&need(dir, "product.csv")?, tsv, pos.clone())?;
    let (id, name, class, hier, desc, feats) = (
        col(&products, "product_id")?,
        col(&products, "product_name")?,
        col(&products, "product_class")?,
        col(&products, "category hierarchy")?,
        col(&products, "product_description")?,
        col(&products, "product_features")?,
    );
    let items = stream(products, move |row, out| {
        let mut attributes = BTreeMap::new();
        if !row.get(Some(class)).is_empty() {
            attributes.insert(
                "product_class".to_string(),
                row.get(Some(class)).to_string(),
            );
        }
        for pair in row.get(Some(feats)).split('|') {
            if let Some((k, v)) = pair.split_once(':')
                && !k.trim().is_empty()
                && !v.trim().is_empty()
            {
                attributes.insert(k.trim().to_string(), v.trim().to_string());
            }
        }
        out.push_back(Ok(Record::Item(Item {
            id: row.get(Some(id)).to_string(),
            title: row.get(Some(name)).to_string(),
            description: row.get(Some(desc)).to_string(),
            category: split_category(row.get(Some(hier))),
            attributes,
            ..Item::default()
        })));
    });
    let labels = Table::open(&need(dir, "label.csv")?, tsv, pos.clone())?;
    let (lq, lp, ll) = (
        col(&labels, "query_id")?,
        col(&labels, "product_id")?,
        col(&labels, "label")?,
    );
    let judgments = stream(labels, move |row, out| {
        let grade = match row.get(Some(ll)) {
            "Exact" => 2.0,
            "Partial" => 1.0,
            "Irrelevant" => 0.0,
            other => {
                out.push_back(Err(row.reject(
                    Some("label"),
                    format!("label '{other}' is not Exact, Partial or Irrelevant"),
                )));
                return;
            }
        };
        let Some(query) = queries.get(row.get(Some(lq))) else {
            out.push_back(Err(row.reject(
                Some("query_id"),
                format!("query_id '{}' is not in query.csv", row.get(Some(lq))),
            )));
            return;
        };
        out.push_back(Ok(Record::Judgment(Judgment {
            query: query.clone(),
            item: row.get(Some(lp)).to_string(),
            grade,
        })));
    });
    Ok(Box::new(items.chain(judgments)))
}

/// Amazon ESCI shopping queries: `shopping_queries_dataset_products` and
/// `_examples`, as the official parquet files or CSV exports of them. Labels E / S / C / I become grades 3 / 2 / 1 / 0.
pub fn esci(dir: &Path, pos: &Arc<Position>) -> Result<Stream> {
    let csv = TableOptions {
        delimiter: Some(b','),
        ..TableOptions::default()
    };
    // The official files are parquet; CSV exports of them work the same.
    let open = |stem: &str| -> Result<AnyTable> {
        let parquet = dir.join(format!("{stem}.parquet"));
        if parquet.is_file() {
            return Ok(AnyTable::Parquet(Box::new(ParquetTable::open(
                &parquet,
                pos.clone(),
            )?)));
        }
        Ok(AnyTable::Text(Box::new(Table::open(
            &need(dir, &format!("{stem}.csv"))?,
            csv,
            pos.clone(),
        )?)))
    };
    let products = open("shopping_queries_dataset_products")?;
    let (id, title, desc, bullets, brand, color, locale) = (
        col(&products, "product_id")?,
        col(&products, "product_title")?,
        col(&products, "product_description")?,
        col(&products, "product_bullet_point")?,
        col(&products, "product_brand")?,
        col(&products, "product_color")?,
        col(&products, "product_locale")?,
    );
    let items = stream(products, move |row, out| {
        let mut attributes = BTreeMap::new();
        for (i, k) in [(color, "color"), (locale, "locale")] {
            if !row.get(Some(i)).is_empty() {
                attributes.insert(k.to_string(), row.get(Some(i)).to_string());
            }
        }
        let mut description = row.get(Some(desc)).to_string();
        if !row.get(Some(bullets)).is_empty() {
            if !description.is_empty() {
                description.push('\n');
            }
            description.push_str(row.get(Some(bullets)));
        }
        out.push_back(Ok(Record::Item(Item {
            id: row.get(Some(id)).to_string(),
            title: row.get(Some(title)).to_string(),
            description,
            brand: row.get(Some(brand)).to_string(),
            attributes,
            ..Item::default()
        })));
    });
    let examples = open("shopping_queries_dataset_examples")?;
    let (q, p, l) = (
        col(&examples, "query")?,
        col(&examples, "product_id")?,
        col(&examples, "esci_label")?,
    );
    let judgments = stream(examples, move |row, out| {
        let grade = match row.get(Some(l)) {
            "E" => 3.0,
            "S" => 2.0,
            "C" => 1.0,
            "I" => 0.0,
            other => {
                out.push_back(Err(row.reject(
                    Some("esci_label"),
                    format!("esci_label '{other}' is not E, S, C or I"),
                )));
                return;
            }
        };
        out.push_back(Ok(Record::Judgment(Judgment {
            query: row.get(Some(q)).to_string(),
            item: row.get(Some(p)).to_string(),
            grade,
        })));
    });
    Ok(Box::new(items.chain(judgments)))
}
