//! The generic formats: catalog, events, users and judgments as CSV / TSV,
//! with columns found by name (see [`super::columns`]).

use std::collections::BTreeMap;

use crate::error::RowError;
use crate::model::{Event, EventKind, Item, Judgment, Record, User};

use super::columns::{Field, Mapping};
use super::table::Row;
use super::value::{
    Decimal, TimeFormat, currency_sign, parse_decimal, parse_price_in, parse_timestamp,
    split_category,
};

/// Which kind of records a generic file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Items.
    Catalog,
    /// Events.
    Events,
    /// Users.
    Users,
    /// Judgments.
    Judgments,
}

/// Guesses what a file holds from its mapped columns.
pub fn detect_kind(m: &Mapping) -> Option<Kind> {
    let has = |f| m.has(f);
    if has(Field::Query) && has(Field::ItemId) && has(Field::Grade) && !has(Field::Timestamp) {
        Some(Kind::Judgments)
    } else if has(Field::UserId) && has(Field::Timestamp) {
        Some(Kind::Events)
    } else if has(Field::UserId) && !has(Field::ItemId) {
        Some(Kind::Users)
    } else if has(Field::ItemId) {
        Some(Kind::Catalog)
    } else {
        None
    }
}

/// Fields a kind cannot do without.
pub fn required(kind: Kind) -> &'static [Field] {
    match kind {
        Kind::Catalog => &[Field::ItemId],
        Kind::Events => &[Field::UserId, Field::Timestamp],
        Kind::Users => &[Field::UserId],
        Kind::Judgments => &[Field::Query, Field::ItemId, Field::Grade],
    }
}

/// Turns rows of one generic file into records.
pub struct RowMapper {
    /// What the file holds.
    pub kind: Kind,
    /// Column mapping.
    pub mapping: Mapping,
    /// Timestamp format.
    pub time: TimeFormat,
    /// Kind for event files without an event column.
    pub default_kind: Option<EventKind>,
    /// Header names, for messages.
    pub header: Vec<String>,
    /// Column of each field by `Field as usize` (the mapping, resolved once:
    /// this runs for every row of an import).
    columns: [Option<usize>; Field::ALL.len()],
    /// Decimal separator of each numeric column, by `Field as usize`.
    decimals: [Decimal; Field::ALL.len()],
    /// The price column's currency sign, decided from its first values.
    price_sign: Option<char>,
}

/// Fields whose values are decimal numbers.
pub const NUMERIC: [Field; 3] = [Field::Price, Field::Value, Field::Grade];

impl RowMapper {
    /// A mapper for rows of `kind` with the resolved `mapping`.
    pub fn new(
        kind: Kind,
        mapping: Mapping,
        time: TimeFormat,
        default_kind: Option<EventKind>,
        header: Vec<String>,
    ) -> RowMapper {
        let columns = Field::ALL.map(|f| mapping.get(f));
        RowMapper {
            kind,
            mapping,
            time,
            default_kind,
            header,
            columns,
            decimals: [Decimal::Point; Field::ALL.len()],
            price_sign: None,
        }
    }

    /// Sets the currency sign of the price column: a price written with
    /// another sign is rejected (prices are stored without their sign, so it
    /// would be read as this currency).
    pub fn with_price_sign(mut self, sign: Option<char>) -> RowMapper {
        self.price_sign = sign;
        self
    }

    /// Sets the decimal separator of a numeric column (default: point).
    pub fn with_decimal(mut self, f: Field, d: Decimal) -> RowMapper {
        self.decimals[f as usize] = d;
        self
    }

    fn name(&self, f: Field) -> String {
        self.mapping
            .get(f)
            .and_then(|i| self.header.get(i))
            .cloned()
            .unwrap_or_else(|| f.name().to_string())
    }

    fn attributes(&self, row: &Row<'_>) -> BTreeMap<String, String> {
        self.mapping
            .attributes
            .iter()
            .filter_map(|(i, name)| {
                let v = row.get(Some(*i));
                (!v.is_empty()).then(|| (name.clone(), v.to_string()))
            })
            .collect()
    }

    /// One record from one row, or the reason it cannot be one.
    pub fn map(&self, row: &Row<'_>) -> Result<Record, RowError> {
        let m = &self.mapping;
        let col = |f: Field| row.get(self.columns[f as usize]);
        let need = |f: Field| {
            let v = col(f);
            if v.is_empty() {
                Err(row.reject(Some(&self.name(f)), format!("{} is empty", self.name(f))))
            } else {
                Ok(v)
            }
        };
        match self.kind {
            Kind::Catalog => {
                let id = need(Field::ItemId)?;
                let text = col(Field::Price);
                if let (Some(want), Some(got)) = (self.price_sign, currency_sign(text))
                    && want != got
                {
                    return Err(row.reject(
                        Some(&self.name(Field::Price)),
                        format!(
                            "price '{}' is in {got}, but this file's prices are in {want}; prices are stored without their sign, so this one would count as {want}: convert it, or import the {got} rows from a file of their own",
                            text.trim()
                        ),
                    ));
                }
                let price = parse_price_in(text, self.decimals[Field::Price as usize])
                    .map_err(|r| row.reject(Some(&self.name(Field::Price)), r))?;
                Ok(Record::Item(Item {
                    id: id.to_string(),
                    title: col(Field::Title).to_string(),
                    description: col(Field::Description).to_string(),
                    brand: col(Field::Brand).to_string(),
                    category: split_category(col(Field::Category)),
                    price,
                    attributes: self.attributes(row),
                    image_url: col(Field::ImageUrl).to_string(),
                }))
            }
            Kind::Users => Ok(Record::User(User {
                id: need(Field::UserId)?.to_string(),
                attributes: self.attributes(row),
            })),
            Kind::Judgments => {
                let grade = parse_decimal(
                    need(Field::Grade)?,
                    &self.name(Field::Grade),
                    self.decimals[Field::Grade as usize],
                )
                .map_err(|r| row.reject(Some(&self.name(Field::Grade)), r))?;
                Ok(Record::Judgment(Judgment {
                    query: need(Field::Query)?.to_string(),
                    item: need(Field::ItemId)?.to_string(),
                    grade,
                }))
            }
            Kind::Events => {
                let ts = parse_timestamp(need(Field::Timestamp)?, &self.time)
                    .map_err(|r| row.reject(Some(&self.name(Field::Timestamp)), r))?;
                let user = need(Field::UserId)?.to_string();
                let value = match col(Field::Value) {
                    "" => None,
                    v => Some(
                        parse_decimal(
                            v,
                            &self.name(Field::Value),
                            self.decimals[Field::Value as usize],
                        )
                        .map_err(|r| row.reject(Some(&self.name(Field::Value)), r))?,
                    ),
                };
                let kind = match col(Field::Event) {
                    "" => match (self.default_kind, m.has(Field::Event), value) {
                        (Some(k), _, _) => k,
                        (None, false, Some(_)) => EventKind::Rating,
                        (None, false, None) => EventKind::View,
                        (None, true, _) => {
                            return Err(
                                row.reject(Some(&self.name(Field::Event)), "event kind is empty")
                            );
                        }
                    },
                    k => k
                        .parse::<EventKind>()
                        .map_err(|e| row.reject(Some(&self.name(Field::Event)), e.to_string()))?,
                };
                let item = match col(Field::ItemId) {
                    "" if kind == EventKind::Search => None,
                    "" => {
                        return Err(row.reject(
                            Some(&self.name(Field::ItemId)),
                            format!("item id is empty (only search events may lack an item; this is a {kind})"),
                        ));
                    }
                    i => Some(i.to_string()),
                };
                let position = match col(Field::Position) {
                    "" => None,
                    p => Some(p.parse::<u32>().map_err(|_| {
                        row.reject(
                            Some(&self.name(Field::Position)),
                            format!("position '{p}' is not a whole number of 0 or more"),
                        )
                    })?),
                };
                let text = |f| match col(f) {
                    "" => None,
                    s => Some(s.to_string()),
                };
                Ok(Record::Event(Event {
                    ts,
                    user,
                    session: text(Field::SessionId),
                    item,
                    kind,
                    query: text(Field::Query),
                    value,
                    position,
                }))
            }
        }
    }
}
