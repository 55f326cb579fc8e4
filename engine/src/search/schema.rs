//! The catalog index's fields and how an [`Item`] becomes a tantivy document.

use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};

use shoplab_datasets::Item;

use super::tokenizer::TOKENIZER_NAME;

/// Field names, as stored in the index's `meta.json`.
pub(crate) mod names {
    pub const ITEM: &str = "item";
    pub const EXT_ID: &str = "ext_id";
    pub const TITLE: &str = "title";
    pub const DESCRIPTION: &str = "description";
    pub const BRAND: &str = "brand";
    pub const CATEGORY: &str = "category";
    pub const ATTRIBUTES: &str = "attributes";
    pub const CATEGORY_FACET: &str = "category_facet";
    pub const BRAND_FACET: &str = "brand_facet";
    pub const PRICE: &str = "price";
}

/// Handles of the catalog index's fields.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// Dense item index (fast, stored, indexed).
    pub item: Field,
    /// The shop's own item id (stored, untokenized).
    pub ext_id: Field,
    /// Title text (stored).
    pub title: Field,
    /// Description text (not stored: it is the bulk of the catalog).
    pub description: Field,
    /// Brand text (stored).
    pub brand: Field,
    /// Category path as text, `A > B > C` (stored).
    pub category: Field,
    /// Attribute names and values as text.
    pub attributes: Field,
    /// Category path as a facet, for filters and counts.
    pub category_facet: Field,
    /// Brand as a one-level facet, for filters and counts.
    pub brand_facet: Field,
    /// Price (fast, stored) for range filters.
    pub price: Field,
}

impl Fields {
    /// The schema of a new index and its fields.
    pub fn build_schema() -> (Schema, Fields) {
        let text = |stored: bool| {
            // Frequencies but no positions: queries are bags of terms, never phrases.
            let indexing = TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER_NAME)
                .set_index_option(IndexRecordOption::WithFreqs);
            let opts = TextOptions::default().set_indexing_options(indexing);
            if stored { opts.set_stored() } else { opts }
        };
        let mut b = Schema::builder();
        let fields = Fields {
            item: b.add_u64_field(names::ITEM, FAST | STORED | INDEXED),
            ext_id: b.add_text_field(names::EXT_ID, STRING | STORED),
            title: b.add_text_field(names::TITLE, text(true)),
            description: b.add_text_field(names::DESCRIPTION, text(false)),
            brand: b.add_text_field(names::BRAND, text(true)),
            category: b.add_text_field(names::CATEGORY, text(true)),
            attributes: b.add_text_field(names::ATTRIBUTES, text(false)),
            category_facet: b.add_facet_field(names::CATEGORY_FACET, FacetOptions::default()),
            brand_facet: b.add_facet_field(names::BRAND_FACET, FacetOptions::default()),
            price: b.add_f64_field(names::PRICE, FAST | STORED),
        };
        (b.build(), fields)
    }

    /// Looks the fields up in an existing index's schema; `Err` names the
    /// first one missing (an index written by another program or version).
    pub fn from_schema(schema: &Schema) -> Result<Fields, String> {
        let f = |name: &str| {
            schema
                .get_field(name)
                .map_err(|_| format!("field '{name}' is missing"))
        };
        Ok(Fields {
            item: f(names::ITEM)?,
            ext_id: f(names::EXT_ID)?,
            title: f(names::TITLE)?,
            description: f(names::DESCRIPTION)?,
            brand: f(names::BRAND)?,
            category: f(names::CATEGORY)?,
            attributes: f(names::ATTRIBUTES)?,
            category_facet: f(names::CATEGORY_FACET)?,
            brand_facet: f(names::BRAND_FACET)?,
            price: f(names::PRICE)?,
        })
    }

    /// The document of item `idx`.
    pub fn document(&self, idx: u32, item: &Item) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_u64(self.item, u64::from(idx));
        doc.add_text(self.ext_id, &item.id);
        doc.add_text(self.title, &item.title);
        if !item.description.is_empty() {
            doc.add_text(self.description, &item.description);
        }
        let brand = item.brand.trim();
        if !brand.is_empty() {
            doc.add_text(self.brand, brand);
            doc.add_facet(self.brand_facet, brand_facet(brand));
        }
        let path: Vec<&str> = item
            .category
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect();
        if !path.is_empty() {
            doc.add_text(self.category, path.join(CATEGORY_SEPARATOR));
            doc.add_facet(self.category_facet, Facet::from_path(path));
        }
        if !item.attributes.is_empty() {
            let mut attrs = String::new();
            for (k, v) in &item.attributes {
                attrs.push_str(k);
                attrs.push(' ');
                attrs.push_str(v);
                attrs.push('\n');
            }
            doc.add_text(self.attributes, attrs);
        }
        if let Some(p) = item.price.filter(|p| p.is_finite()) {
            doc.add_f64(self.price, p);
        }
        doc
    }
}

/// Separator of category levels in text form (as [`Item::category_path`]).
pub const CATEGORY_SEPARATOR: &str = " > ";

/// The facet of a brand name.
pub(crate) fn brand_facet(brand: &str) -> Facet {
    Facet::from_path([brand.trim()])
}

/// The facet of a category path written `Tools > Power Tools` (levels
/// trimmed, empty levels ignored); the root facet for an empty path.
pub(crate) fn category_facet(path: &str) -> Facet {
    Facet::from_path(path.split('>').map(str::trim).filter(|l| !l.is_empty()))
}
