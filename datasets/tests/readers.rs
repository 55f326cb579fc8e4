//! Readers on small fixtures written in each format's documented layout,
//! and every kind of bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use shoplab_datasets::read::{Format, inspect, open};
use shoplab_datasets::{Error, EventKind, Record};

mod common;
use common::{auto, read_all, write};

fn unreadable(path: &Path, needle: &str) {
    match open(path, &auto()) {
        Err(Error::Unreadable { reason, .. }) => assert!(reason.contains(needle), "{reason}"),
        Err(other) => panic!("expected Unreadable with '{needle}', got {other}"),
        Ok(_) => panic!("expected an error for {}", path.display()),
    }
}

#[test]
fn generic_catalog_with_synonyms_attributes_and_chinese() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "products.csv",
        "SKU;Product Name;Brand;Category;Price;colour\nA1;Red shirt;Acme;Fashion > Shirts;$12.50;red\nA2;红色T恤;Acme;Fashion/Shirts;;red\n".as_bytes(),
    );
    let (ok, bad) = read_all(&p, &auto());
    assert!(bad.is_empty(), "{bad:?}");
    let Record::Item(a) = &ok[0] else { panic!() };
    assert_eq!(a.id, "A1");
    assert_eq!(a.price, Some(12.5));
    assert_eq!(a.category, vec!["Fashion", "Shirts"]);
    assert_eq!(a.attributes["colour"], "red");
    let Record::Item(b) = &ok[1] else { panic!() };
    assert_eq!(b.title, "红色T恤");
    assert_eq!(b.price, None);
    let pre = inspect(&p, &auto()).unwrap();
    assert_eq!(pre.format, Format::Catalog);
    assert_eq!(pre.delimiter.as_deref(), Some(";"));
    assert_eq!(pre.mapping["item_id"], "SKU");
}

#[test]
fn generic_events_kinds_timestamps_and_line_numbers() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "events.csv",
        b"timestamp,user_id,session_id,item_id,event,query,value,position\n\
2023-11-14 22:13:20,U1,S1,P1,view,,,\n\
1700000000000,U1,S1,,search,red shirt,,\n\
1700000001,U1,S1,P1,addtocart,red shirt,,3\n\
soon,U2,,P2,view,,,\n\
1700000002,U2,,P2,teleport,,,\n\
1700000003,U2,,,view,,,\n",
    );
    let (ok, bad) = read_all(&p, &auto());
    assert_eq!(ok.len(), 3);
    let kinds: Vec<EventKind> = ok
        .iter()
        .map(|r| match r {
            Record::Event(e) => e.kind,
            _ => panic!(),
        })
        .collect();
    assert_eq!(
        kinds,
        vec![EventKind::View, EventKind::Search, EventKind::Cart]
    );
    let Record::Event(e) = &ok[2] else { panic!() };
    assert_eq!(
        (e.ts, e.position, e.query.as_deref()),
        (1_700_000_001, Some(3), Some("red shirt"))
    );
    let lines: Vec<u64> = bad.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![5, 6, 7]);
    assert_eq!(bad[0].column.as_deref(), Some("timestamp"));
    assert!(bad[1].reason.contains("teleport"));
    assert!(bad[2].reason.contains("item id is empty"));
}

#[test]
fn judgments_users_and_jsonl() {
    let d = tempfile::tempdir().unwrap();
    let j = write(
        d.path(),
        "j.csv",
        b"query,item_id,grade\nred shirt,A1,2\nred shirt,A2,x\n",
    );
    let (ok, bad) = read_all(&j, &auto());
    assert_eq!(ok.len(), 1);
    assert_eq!(bad[0].line, 3);
    let u = write(d.path(), "u.tsv", b"user_id\tsegment\nU1\tvip\n");
    let (ok, _) = read_all(&u, &auto());
    let Record::User(user) = &ok[0] else { panic!() };
    assert_eq!(user.attributes["segment"], "vip");
    let l = write(
        d.path(),
        "items.jsonl",
        "{\"item_id\":\"A1\",\"title\":\"Lamp\",\"price\":9.5,\"attributes\":{\"colour\":\"white\"}}\nnot json\n{\"item_id\":\"A2\",\"title\":\"灯\"}\n".as_bytes(),
    );
    let (ok, bad) = read_all(&l, &auto());
    assert_eq!(ok.len(), 2);
    let Record::Item(a) = &ok[0] else { panic!() };
    assert_eq!(
        (a.price, a.attributes["colour"].as_str()),
        (Some(9.5), "white")
    );
    assert_eq!(bad[0].line, 2);
}

#[test]
fn column_mapping_overrides_and_missing_columns() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "e.csv", b"when,who,what\n1700000000,U1,P1\n");
    let mut opts = auto();
    opts.format = Format::Events;
    assert!(matches!(open(&p, &opts), Err(Error::Unreadable { .. })));
    for (f, c) in [
        ("timestamp", "when"),
        ("user_id", "who"),
        ("item_id", "what"),
    ] {
        opts.mapping.insert(f.into(), c.into());
    }
    opts.default_kind = Some(EventKind::Purchase);
    let (ok, bad) = read_all(&p, &opts);
    assert!(bad.is_empty());
    let Record::Event(e) = &ok[0] else { panic!() };
    assert_eq!(
        (e.kind, e.item.as_deref()),
        (EventKind::Purchase, Some("P1"))
    );
}

#[test]
fn bad_files_are_refused_with_reasons() {
    let d = tempfile::tempdir().unwrap();
    unreadable(&write(d.path(), "empty.csv", b""), "empty");
    unreadable(
        &write(d.path(), "header.csv", b"item_id,title\n"),
        "no data rows",
    );
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend([0u8; 100]);
    unreadable(&write(d.path(), "img.csv", &png), "binary");
    assert!(matches!(
        open(&d.path().join("missing.csv"), &auto()),
        Err(Error::Io { .. })
    ));
}

#[test]
fn bad_rows_are_rejected_and_reading_goes_on() {
    let d = tempfile::tempdir().unwrap();
    let mut text = b"item_id,title,price\nA1,ok,1\nA2,short\nA3,neg,-1\nA4,nan,NaN\n".to_vec();
    text.extend_from_slice(b"A5,caf\xe9,2\nA6,");
    text.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    text.extend_from_slice(b",3\nA7,last,4\n");
    let p = write(d.path(), "items.csv", &text);
    let mut opts = auto();
    opts.encoding = Some("utf-8".into());
    let (ok, bad) = read_all(&p, &opts);
    let ids: Vec<String> = ok
        .iter()
        .map(|r| match r {
            Record::Item(i) => i.id.clone(),
            _ => panic!(),
        })
        .collect();
    assert_eq!(ids, vec!["A1", "A7"]);
    let reasons: Vec<(u64, String)> = bad.iter().map(|e| (e.line, e.reason.clone())).collect();
    assert_eq!(reasons.len(), 5, "{reasons:?}");
    assert!(
        reasons[0].1.contains("wrong number of columns"),
        "{reasons:?}"
    );
    assert!(reasons[1].1.contains("negative"));
    assert!(reasons[2].1.contains("not a finite number") || reasons[2].1.contains("not a number"));
    assert!(reasons[3].1.contains("UTF-8"));
    assert!(reasons[4].1.contains("1 MiB"));
    assert_eq!(
        reasons.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec![3, 4, 5, 6, 7]
    );
    // The same bytes read as Windows-1252 give "café".
    let (ok, _) = read_all(&p, &auto());
    assert!(
        ok.iter()
            .any(|r| matches!(r, Record::Item(i) if i.title == "café"))
    );
}

#[test]
fn movielens_100k_folder() {
    let d = tempfile::tempdir().unwrap();
    let flags = "|0|0|0|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0";
    write(d.path(), "u.item", format!("1|Toy Story (1995)|01-Jan-1995||http://x{flags}\n2|Caf\u{e9} (1996)|01-Jan-1996||http://y{flags}\n").as_bytes());
    write(d.path(), "u.user", b"1|24|M|technician|85711\n");
    write(
        d.path(),
        "u.data",
        b"1\t1\t5\t874965758\n1\t2\t3\t876893171\n",
    );
    let (ok, bad) = read_all(d.path(), &auto());
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(ok.len(), 5);
    let Record::Item(toy) = &ok[0] else { panic!() };
    assert_eq!(toy.category, vec!["Animation"]);
    assert_eq!(toy.attributes["genres"], "Animation|Children's");
    let Record::Event(e) = &ok[4] else { panic!() };
    assert_eq!(
        (e.kind, e.value, e.ts),
        (EventKind::Rating, Some(3.0), 876_893_171)
    );
}

#[test]
fn movielens_1m_and_latest_csv() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "movies.dat",
        b"1::Star Wars: Episode IV (1977)::Action|Sci-Fi\n",
    );
    write(
        d.path(),
        "ratings.dat",
        b"1::1::5::978300760\n1::1::x::978300761\n",
    );
    let (ok, bad) = read_all(d.path(), &auto());
    let Record::Item(m) = &ok[0] else { panic!() };
    assert_eq!(m.title, "Star Wars: Episode IV (1977)");
    assert_eq!(m.attributes["year"], "1977");
    assert_eq!(ok.len(), 2);
    assert_eq!(bad[0].line, 2);
    progress_ends_full(d.path(), 2);

    let c = tempfile::tempdir().unwrap();
    write(
        c.path(),
        "movies.csv",
        b"movieId,title,genres\n1,\"Heat, The (1995)\",Action|Crime\n",
    );
    write(
        c.path(),
        "ratings.csv",
        b"userId,movieId,rating,timestamp\n1,1,4.5,964982703\n",
    );
    let (ok, bad) = read_all(c.path(), &auto());
    assert!(bad.is_empty());
    let Record::Item(m) = &ok[0] else { panic!() };
    assert_eq!(
        (m.title.as_str(), m.category[0].as_str()),
        ("Heat, The (1995)", "Action")
    );
    progress_ends_full(c.path(), 2);
}

#[test]
fn recbole_atomic_files() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "ml.item", b"item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n1\tToy Story\t1995\tAnimation Comedy\n");
    write(
        d.path(),
        "ml.inter",
        b"user_id:token\titem_id:token\trating:float\ttimestamp:float\n196\t1\t3\t881250949\n",
    );
    let (ok, bad) = read_all(&d.path().join("ml.inter"), &auto());
    assert!(bad.is_empty(), "{bad:?}");
    let Record::Item(i) = &ok[0] else { panic!() };
    assert_eq!(
        (i.title.as_str(), i.category[0].as_str()),
        ("Toy Story", "Animation")
    );
    let Record::Event(e) = &ok[1] else { panic!() };
    assert_eq!((e.user.as_str(), e.value), ("196", Some(3.0)));
    let both: u64 = ["ml.item", "ml.inter"]
        .iter()
        .map(|f| std::fs::metadata(d.path().join(f)).unwrap().len())
        .sum();
    assert_eq!(open(d.path(), &auto()).unwrap().total_bytes(), both);
    progress_ends_full(d.path(), 2);
}

#[test]
fn home_depot_latin1_grades() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "train.csv",
        b"\"id\",\"product_uid\",\"product_title\",\"search_term\",\"relevance\"\n2,100001,\"Simpson 12-Gauge Angle\",\"angle bracket\",3\n3,100001,\"Simpson 12-Gauge Angle\",\"l bracket\",2.5\n4,100002,\"Caf\xe9 Table\",\"table\",1\n5,100003,\"Plumber&#39;s Saw &amp; Bits 2&quot;\",\"saw\",2\n",
    );
    let (ok, bad) = read_all(&p, &auto());
    assert!(bad.is_empty(), "{bad:?}");
    let items: Vec<&str> = ok
        .iter()
        .filter_map(|r| match r {
            Record::Item(i) => Some(i.title.as_str()),
            _ => None,
        })
        .collect();
    // HTML references in the scraped titles are decoded.
    assert_eq!(
        items,
        vec![
            "Simpson 12-Gauge Angle",
            "Café Table",
            "Plumber's Saw & Bits 2\""
        ]
    );
    let grades: Vec<f64> = ok
        .iter()
        .filter_map(|r| match r {
            Record::Judgment(j) => Some(j.grade),
            _ => None,
        })
        .collect();
    assert_eq!(grades, vec![2.0, 1.5, 0.0, 1.0]);
}

#[test]
fn instacart_derives_ordered_times() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "products.csv",
        b"product_id,product_name,aisle_id,department_id\n1,Bananas,24,4\n2,Milk,84,16\n",
    );
    write(
        d.path(),
        "aisles.csv",
        b"aisle_id,aisle\n24,fresh fruits\n84,milk\n",
    );
    write(
        d.path(),
        "departments.csv",
        b"department_id,department\n4,produce\n16,dairy eggs\n",
    );
    write(
        d.path(),
        "order_lines-public.csv",
        b",order_id,user_id,order_number,order_dow,order_hour_of_day,days_since_prior_order,product_id,add_to_cart_order,reordered\n\
9,20,7,2,1,10,3.0,2,1.0,1.0\n\
8,10,7,1,1,9,,1,1.0,0.0\n\
10,10,7,1,1,9,,2,2.0,0.0\n",
    );
    let (ok, bad) = read_all(d.path(), &auto());
    assert!(bad.is_empty(), "{bad:?}");
    let Record::Item(b) = &ok[0] else { panic!() };
    assert_eq!(b.category, vec!["produce", "fresh fruits"]);
    let ts: Vec<(i64, Option<String>)> = ok
        .iter()
        .filter_map(|r| match r {
            Record::Event(e) => Some((e.ts, e.session.clone())),
            _ => None,
        })
        .collect();
    let base = 1_483_228_800;
    assert_eq!(ts[0], (base + 3 * 86_400 + 10 * 3600, Some("20".into())));
    assert_eq!(ts[1], (base + 9 * 3600, Some("10".into())));
    progress_ends_full(d.path(), 4);
}

/// Progress counts every streamed file once and reaches the total; side
/// tables read up front are still listed, so fingerprints cover them.
fn progress_ends_full(path: &Path, files: usize) {
    let mut source = open(path, &auto()).unwrap();
    assert_eq!(source.files().len(), files, "{:?}", source.files());
    assert_eq!(source.bytes_read(), 0);
    let total = source.total_bytes();
    assert!(total > 0);
    let mut last = 0;
    while source.next().is_some() {
        assert!(source.bytes_read() >= last && source.bytes_read() <= total);
        last = source.bytes_read();
    }
    assert_eq!(source.bytes_read(), total);
}

#[test]
fn retailrocket_wands_esci() {
    let r = tempfile::tempdir().unwrap();
    write(r.path(), "events.csv", b"timestamp,visitorid,event,itemid,transactionid\n1433221332117,257597,view,355908,\n1433224214164,992329,transaction,248676,4000\n");
    write(
        r.path(),
        "category_tree.csv",
        b"categoryid,parentid\n1016,213\n213,\n",
    );
    write(
        r.path(),
        "item_properties_part1.csv",
        b"timestamp,itemid,property,value\n1435460400000,355908,categoryid,1016\n",
    );
    let (ok, bad) = read_all(r.path(), &auto());
    assert!(bad.is_empty(), "{bad:?}");
    let cats: Vec<Vec<String>> = ok
        .iter()
        .filter_map(|x| match x {
            Record::Item(i) => Some(i.category.clone()),
            _ => None,
        })
        .collect();
    assert!(cats.contains(&vec!["213".to_string(), "1016".to_string()]));
    assert!(ok.iter().any(
        |x| matches!(x, Record::Event(e) if e.kind == EventKind::Purchase && e.ts == 1_433_224_214)
    ));

    let w = tempfile::tempdir().unwrap();
    write(w.path(), "product.csv", b"product_id\tproduct_name\tproduct_class\tcategory hierarchy\tproduct_description\tproduct_features\trating_count\taverage_rating\treview_count\n0\tsolid wood bed\tBeds\tFurniture / Bedroom / Beds\tnice\tcolor:brown|size:queen\t5\t4.5\t3\n");
    write(
        w.path(),
        "query.csv",
        b"query_id\tquery\tquery_class\n0\twood bed\tBeds\n",
    );
    write(
        w.path(),
        "label.csv",
        b"id\tquery_id\tproduct_id\tlabel\n0\t0\t0\tExact\n1\t0\t0\tMaybe\n",
    );
    let (ok, bad) = read_all(w.path(), &auto());
    let Record::Item(bed) = &ok[0] else { panic!() };
    assert_eq!(bed.category, vec!["Furniture", "Bedroom", "Beds"]);
    assert_eq!(bed.attributes["color"], "brown");
    assert!(matches!(&ok[1], Record::Judgment(j) if j.grade == 2.0 && j.query == "wood bed"));
    assert_eq!(bad.len(), 1);

    let e = tempfile::tempdir().unwrap();
    write(e.path(), "shopping_queries_dataset_products.csv", b"product_id,product_title,product_description,product_bullet_point,product_brand,product_color,product_locale\nB01,Cable,,fast,Anker,black,us\n");
    write(e.path(), "shopping_queries_dataset_examples.csv", b"example_id,query,query_id,product_id,product_locale,esci_label,small_version,large_version,split\n0,usb cable,0,B01,us,E,1,1,train\n1,usb cable,0,B01,us,S,1,1,train\n");
    let (ok, _) = read_all(e.path(), &auto());
    let grades: Vec<f64> = ok
        .iter()
        .filter_map(|x| match x {
            Record::Judgment(j) => Some(j.grade),
            _ => None,
        })
        .collect();
    assert_eq!(grades, vec![3.0, 2.0]);
    // The official parquet form reads the same.
    let pq = tempfile::tempdir().unwrap();
    write_parquet(
        &pq.path().join("shopping_queries_dataset_products.parquet"),
        &[
            "product_id",
            "product_title",
            "product_description",
            "product_bullet_point",
            "product_brand",
            "product_color",
            "product_locale",
        ],
        &[
            &["B01", "USB Cable", "", "fast", "Anker", "black", "us"],
            &["B02", "充电器", "", "", "Anker", "", "jp"],
        ],
    );
    write_parquet(
        &pq.path().join("shopping_queries_dataset_examples.parquet"),
        &[
            "example_id",
            "query",
            "query_id",
            "product_id",
            "product_locale",
            "esci_label",
            "small_version",
            "large_version",
            "split",
        ],
        &[
            &["0", "usb cable", "0", "B01", "us", "E", "1", "1", "train"],
            &["1", "usb cable", "0", "B02", "us", "X", "1", "1", "train"],
        ],
    );
    let (ok, bad) = read_all(pq.path(), &auto());
    let titles: Vec<&str> = ok
        .iter()
        .filter_map(|x| match x {
            Record::Item(i) => Some(i.title.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(titles, vec!["USB Cable", "充电器"]);
    assert!(
        ok.iter()
            .any(|x| matches!(x, Record::Judgment(j) if j.grade == 3.0 && j.item == "B01"))
    );
    assert_eq!((bad.len(), bad[0].line), (1, 2), "{bad:?}");
    // A damaged parquet file is refused with its name.
    write(
        pq.path(),
        "shopping_queries_dataset_products.parquet",
        b"PAR1 not really",
    );
    unreadable(pq.path(), "parquet");
}

/// Writes a parquet file of text columns (what the ESCI files hold).
fn write_parquet(path: &Path, columns: &[&str], rows: &[&[&str]]) {
    use std::sync::Arc;

    use parquet::data_type::{ByteArray, ByteArrayType};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;

    let fields: Vec<String> = columns
        .iter()
        .map(|c| format!("REQUIRED BYTE_ARRAY {c} (UTF8);"))
        .collect();
    let schema =
        Arc::new(parse_message_type(&format!("message esci {{ {} }}", fields.join(" "))).unwrap());
    let file = std::fs::File::create(path).unwrap();
    let mut writer =
        SerializedFileWriter::new(file, schema, Arc::new(WriterProperties::builder().build()))
            .unwrap();
    let mut group = writer.next_row_group().unwrap();
    let mut c = 0;
    while let Some(mut column) = group.next_column().unwrap() {
        let values: Vec<ByteArray> = rows.iter().map(|r| ByteArray::from(r[c])).collect();
        column
            .typed::<ByteArrayType>()
            .write_batch(&values, None, None)
            .unwrap();
        column.close().unwrap();
        c += 1;
    }
    group.close().unwrap();
    writer.close().unwrap();
}
