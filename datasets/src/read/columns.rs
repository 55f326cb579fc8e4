//! Canonical fields of the generic formats and the header names that mean them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::names::{MAX_QUOTED, clip, list};

/// A field ShopLab understands in generic files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Item id.
    ItemId,
    /// Item title.
    Title,
    /// Item description.
    Description,
    /// Brand.
    Brand,
    /// Category path.
    Category,
    /// Price.
    Price,
    /// Image address.
    ImageUrl,
    /// User id.
    UserId,
    /// Session id.
    SessionId,
    /// Event time.
    Timestamp,
    /// Event kind.
    Event,
    /// Search query.
    Query,
    /// Rating / quantity / value.
    Value,
    /// Position in a list.
    Position,
    /// Relevance grade.
    Grade,
}

impl Field {
    /// Every field.
    pub const ALL: [Field; 15] = [
        Field::ItemId,
        Field::Title,
        Field::Description,
        Field::Brand,
        Field::Category,
        Field::Price,
        Field::ImageUrl,
        Field::UserId,
        Field::SessionId,
        Field::Timestamp,
        Field::Event,
        Field::Query,
        Field::Value,
        Field::Position,
        Field::Grade,
    ];

    /// Canonical name (as in `--map item_id=sku`).
    pub fn name(self) -> &'static str {
        match self {
            Field::ItemId => "item_id",
            Field::Title => "title",
            Field::Description => "description",
            Field::Brand => "brand",
            Field::Category => "category",
            Field::Price => "price",
            Field::ImageUrl => "image_url",
            Field::UserId => "user_id",
            Field::SessionId => "session_id",
            Field::Timestamp => "timestamp",
            Field::Event => "event",
            Field::Query => "query",
            Field::Value => "value",
            Field::Position => "position",
            Field::Grade => "grade",
        }
    }

    /// Header names recognised for this field (lowercase, without `_`, `-` or spaces).
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Field::ItemId => &[
                "itemid",
                "item",
                "productid",
                "product",
                "sku",
                "asin",
                "articleid",
                "movieid",
                "productuid",
                "iid",
            ],
            Field::Title => &[
                "title",
                "name",
                "productname",
                "producttitle",
                "itemname",
                "movietitle",
            ],
            Field::Description => &[
                "description",
                "desc",
                "productdescription",
                "details",
                "body",
            ],
            Field::Brand => &["brand", "manufacturer", "productbrand", "vendor", "maker"],
            Field::Category => &[
                "category",
                "categories",
                "categorypath",
                "productclass",
                "genre",
                "genres",
                "department",
                "class",
            ],
            Field::Price => &["price", "unitprice", "cost", "amount"],
            Field::ImageUrl => &["imageurl", "image", "img", "picture", "imagelink"],
            Field::UserId => &[
                "userid",
                "user",
                "visitorid",
                "customerid",
                "customer",
                "shopperid",
                "clientid",
                "uid",
                "memberid",
            ],
            Field::SessionId => &[
                "sessionid",
                "session",
                "orderid",
                "basketid",
                "transactionid",
                "visitid",
            ],
            Field::Timestamp => &[
                "timestamp",
                "ts",
                "time",
                "date",
                "datetime",
                "eventtime",
                "createdat",
                "occurredat",
            ],
            Field::Event => &[
                "event",
                "eventtype",
                "action",
                "kind",
                "type",
                "interaction",
                "behavior",
                "behaviour",
            ],
            Field::Query => &[
                "query",
                "searchterm",
                "searchquery",
                "keyword",
                "keywords",
                "q",
                "querytext",
            ],
            Field::Value => &["value", "rating", "score", "quantity", "qty", "stars"],
            Field::Position => &["position", "rank", "pos", "slot"],
            Field::Grade => &[
                "grade",
                "relevance",
                "label",
                "judgment",
                "judgement",
                "gain",
            ],
        }
    }

    /// Parses a canonical name.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name.trim())
    }
}

fn normalise(h: &str) -> String {
    h.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' ' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Which column holds each field, resolved from a header.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Mapping {
    /// Field -> column index.
    pub fields: BTreeMap<Field, usize>,
    /// `attr:NAME` columns and other unmapped columns kept as attributes: (index, name).
    pub attributes: Vec<(usize, String)>,
}

impl Mapping {
    /// Resolves `header` with user overrides (`field -> column name`) first,
    /// then exact canonical names, then synonyms.
    pub fn resolve(
        header: &[String],
        overrides: &BTreeMap<String, String>,
    ) -> Result<Mapping, String> {
        let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        let mut twice: Vec<String> = Vec::new();
        for (i, h) in header.iter().enumerate() {
            let key = h.trim().to_lowercase();
            if key.is_empty() {
                continue;
            }
            match seen.get(&key) {
                Some(j) => twice.push(format!(
                    "'{}' (columns {} and {})",
                    clip(h.trim(), MAX_QUOTED),
                    j + 1,
                    i + 1
                )),
                None => {
                    seen.insert(key, i);
                }
            }
        }
        if !twice.is_empty() {
            return Err(format!(
                "the header names a column more than once: {}; rename the columns so that each name is used once (ShopLab cannot tell which one is meant)",
                list(&twice)
            ));
        }
        let mut m = Mapping::default();
        let mut used = vec![false; header.len()];
        for (field, column) in overrides {
            let f = Field::from_name(field).ok_or_else(|| {
                format!(
                    "--map {field}={column}: unknown field '{field}'; fields are {}",
                    Field::ALL.map(Field::name).join(", ")
                )
            })?;
            let i = header
                .iter()
                .position(|h| h == column || h.eq_ignore_ascii_case(column))
                .ok_or_else(|| {
                    let (field, column) = (clip(field, MAX_QUOTED), clip(column, MAX_QUOTED));
                    format!(
                        "--map {field}={column}: the file has no column '{column}' (columns: {})",
                        list(header)
                    )
                })?;
            m.fields.insert(f, i);
            used[i] = true;
        }
        let normalised: Vec<String> = header.iter().map(|h| normalise(h)).collect();
        for f in Field::ALL {
            if m.fields.contains_key(&f) {
                continue;
            }
            let canonical = normalise(f.name());
            let pick = normalised
                .iter()
                .enumerate()
                .find(|(i, h)| !used[*i] && **h == canonical)
                .or_else(|| {
                    f.synonyms().iter().find_map(|s| {
                        normalised
                            .iter()
                            .enumerate()
                            .find(|(i, h)| !used[*i] && h == s)
                    })
                })
                .map(|(i, _)| i);
            if let Some(i) = pick {
                m.fields.insert(f, i);
                used[i] = true;
            }
        }
        for (i, h) in header.iter().enumerate() {
            if let Some(name) = h.strip_prefix("attr:") {
                m.attributes.push((i, name.trim().to_string()));
                used[i] = true;
            }
        }
        for (i, h) in header.iter().enumerate() {
            if !used[i] && !h.is_empty() {
                m.attributes.push((i, h.clone()));
            }
        }
        Ok(m)
    }

    /// Column of a field.
    pub fn get(&self, f: Field) -> Option<usize> {
        self.fields.get(&f).copied()
    }

    /// True when the field is mapped.
    pub fn has(&self, f: Field) -> bool {
        self.fields.contains_key(&f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cols: &[&str]) -> Vec<String> {
        cols.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn synonyms_and_overrides() {
        let h = header(&["SKU", "Product Name", "Price", "colour", "visitorId"]);
        let m = Mapping::resolve(&h, &BTreeMap::new()).unwrap();
        assert_eq!(m.get(Field::ItemId), Some(0));
        assert_eq!(m.get(Field::Title), Some(1));
        assert_eq!(m.get(Field::Price), Some(2));
        assert_eq!(m.get(Field::UserId), Some(4));
        assert_eq!(m.attributes, vec![(3, "colour".to_string())]);
        let mut o = BTreeMap::new();
        o.insert("title".to_string(), "colour".to_string());
        let m = Mapping::resolve(&h, &o).unwrap();
        assert_eq!(m.get(Field::Title), Some(3));
        o.insert("title".to_string(), "nope".to_string());
        assert!(
            Mapping::resolve(&h, &o)
                .unwrap_err()
                .contains("no column 'nope'")
        );
    }

    #[test]
    fn duplicate_names_are_refused_and_listed_briefly() {
        let h = header(&["item_id", "title", "price", "Title"]);
        let e = Mapping::resolve(&h, &BTreeMap::new()).unwrap_err();
        assert!(e.contains("'Title' (columns 2 and 4)"), "{e}");
        let many: Vec<String> = (0..200_000).map(|i| format!("c{}", i % 100_000)).collect();
        let e = Mapping::resolve(&many, &BTreeMap::new()).unwrap_err();
        assert!(e.len() < 2_000, "{} bytes", e.len());
        assert!(e.contains("and 99980 more"), "{e}");
    }
}
