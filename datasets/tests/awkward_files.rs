//! Files real shops export that once went wrong (issue 8, items 7-12 and
//! 17): decimal commas, stray quotes, Chinese and Windows encodings, NUL
//! bytes, gzip, duplicate and countless columns, JSON lines formats.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;

use shoplab_datasets::read::{Format, ReadOptions, inspect, open};
use shoplab_datasets::{Error, Record};

mod common;
use common::{auto, read_all, write};

fn items(ok: &[Record]) -> Vec<(String, String, Option<f64>)> {
    ok.iter()
        .map(|r| match r {
            Record::Item(i) => (i.id.clone(), i.title.clone(), i.price),
            other => panic!("not an item: {other:?}"),
        })
        .collect()
}

fn refused(path: &Path, opts: &ReadOptions) -> String {
    match open(path, opts) {
        Err(Error::Unreadable { reason, .. }) => reason,
        Err(other) => panic!("expected Unreadable, got {other}"),
        Ok(_) => panic!("expected {} to be refused", path.display()),
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

// Item 7: `1,50` was stored as 150.
#[test]
fn a_price_in_another_currency_than_the_files_is_rejected_not_relabelled() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "catalog.csv",
        "item_id,title,price\nA1,Shirt,$19.99\nA2,Sofa,\"$1,299.00\"\nA3,Tea,€4.20\nA4,Mug,7.50\n"
            .as_bytes(),
    );
    let (ok, bad) = read_all(&p, &auto());
    assert_eq!(
        items(&ok).into_iter().map(|i| i.2).collect::<Vec<_>>(),
        vec![Some(19.99), Some(1299.0), Some(7.5)],
        "the unsigned price is read as the file's currency"
    );
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].line, 4);
    assert_eq!(bad[0].column.as_deref(), Some("price"));
    assert!(
        bad[0].reason.contains("'€4.20' is in €") && bad[0].reason.contains("prices are in $"),
        "{}",
        bad[0].reason
    );
    let pre = inspect(&p, &auto()).unwrap();
    assert_eq!(pre.currency.as_deref(), Some("$"));
    assert!(pre.to_string().contains("prices in $"), "{pre}");
}

#[test]
fn decimal_commas_of_european_exports_are_read_as_decimals() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "produkte.csv",
        "SKU;Name;Price\nA1;Lampe;1,50\nA2;Tisch;1.234,50\nA3;Stuhl;12\nA4;Bank;1.299\n".as_bytes(),
    );
    let (ok, bad) = read_all(&p, &auto());
    assert!(bad.is_empty(), "{bad:?}");
    let prices: Vec<Option<f64>> = items(&ok).into_iter().map(|i| i.2).collect();
    assert_eq!(
        prices,
        vec![Some(1.5), Some(1234.5), Some(12.0), Some(1299.0)]
    );
    let pre = inspect(&p, &auto()).unwrap();
    assert_eq!(
        pre.decimals.get("Price"),
        Some(&shoplab_datasets::read::Decimal::Comma)
    );
    assert!(pre.to_string().contains("decimal comma"), "{pre}");

    // Ratings and grades too.
    let e = write(
        d.path(),
        "bewertungen.csv",
        b"user_id;timestamp;item_id;rating\nU1;1700000000;P1;4,5\nU2;1700000001;P1;3\n",
    );
    let (ok, bad) = read_all(&e, &auto());
    assert!(bad.is_empty(), "{bad:?}");
    let Record::Event(ev) = &ok[0] else { panic!() };
    assert_eq!(ev.value, Some(4.5));
    let j = write(
        d.path(),
        "urteile.csv",
        b"query;item_id;grade\nlampe;A1;1,5\n",
    );
    let (ok, _) = read_all(&j, &auto());
    let Record::Judgment(g) = &ok[0] else {
        panic!()
    };
    assert_eq!(g.grade, 1.5);
}

#[test]
fn a_number_written_the_other_way_is_rejected_never_100x_off() {
    let d = tempfile::tempdir().unwrap();
    // A decimal-point file with one decimal-comma value.
    let p = write(
        d.path(),
        "items.csv",
        b"item_id,title,price\nA1,a,2.50\nA2,b,\"1,50\"\nA3,c,3.25\nA4,d,\"1,299.00\"\n",
    );
    let (ok, bad) = read_all(&p, &auto());
    assert_eq!(
        items(&ok).into_iter().map(|i| i.2).collect::<Vec<_>>(),
        vec![Some(2.5), Some(3.25), Some(1299.0)]
    );
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!((bad[0].line, bad[0].column.as_deref()), (3, Some("price")));
    assert!(bad[0].reason.contains("decimal comma"), "{}", bad[0].reason);
}

// Item 8: one stray quote swallowed the rest of the file.
#[test]
fn a_stray_quote_rejects_its_row_and_reading_resumes_at_the_next_line() {
    let d = tempfile::tempdir().unwrap();
    let mut text = b"item_id,title,price\nA1,ok,1\nA2,\"broken,2\n".to_vec();
    let rows = 60_000; // about 1.3 MB after the quote: past the row limit
    for i in 0..rows {
        text.extend_from_slice(format!("B{i},fine,3\n").as_bytes());
    }
    let p = write(d.path(), "items.csv", &text);
    let (ok, bad) = read_all(&p, &auto());
    assert_eq!(ok.len(), rows + 1, "rows after the stray quote were lost");
    assert_eq!(bad.len(), 1, "{:?}", &bad[..bad.len().min(3)]);
    assert_eq!(bad[0].line, 3);
    assert!(bad[0].reason.contains("stray quote"), "{}", bad[0].reason);
    assert!(bad[0].raw.contains("broken"), "{}", bad[0].raw);
    let Record::Item(last) = ok.last().unwrap() else {
        panic!()
    };
    assert_eq!(last.id, format!("B{}", rows - 1));
}

#[test]
fn a_stray_quote_near_the_end_and_real_multi_line_cells() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "items.csv",
        b"item_id,title,description\nA1,Lamp,\"two\nlines, with a comma\"\nA2,\"Desk\",\"say \"\"hi\"\"\"\nA3,\"stray,x\nA4,ok,y\nA5,ok,z\n",
    );
    let (ok, bad) = read_all(&p, &auto());
    let ids: Vec<String> = items(&ok).into_iter().map(|i| i.0).collect();
    assert_eq!(ids, vec!["A1", "A2", "A4", "A5"]);
    let Record::Item(a1) = &ok[0] else { panic!() };
    assert_eq!(a1.description, "two\nlines, with a comma");
    let Record::Item(a2) = &ok[1] else { panic!() };
    assert_eq!(a2.description, "say \"hi\"");
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].line, 5);
    // Rows after a multi-line cell keep their own line numbers.
    let mut src = open(&p, &auto()).unwrap();
    src.next();
    src.next();
    assert_eq!(src.position().unwrap().1, 4);
}

#[test]
fn a_stray_quote_that_reaches_another_one_leaves_no_row_unreported() {
    let d = tempfile::tempdir().unwrap();
    // Line 3 opens a quote that line 5 closes: lines 3-5 would be one row
    // of the wrong width; instead line 3 is rejected and 4, 5 read alone.
    let p = write(
        d.path(),
        "items.csv",
        b"item_id,title,price\nA1,a,1\nA2,\"b,2\nA3,c,3\nA4\",d,4\nA5,e,5\n",
    );
    let (ok, bad) = read_all(&p, &auto());
    let ids: Vec<String> = items(&ok).into_iter().map(|i| i.0).collect();
    assert_eq!(ids, vec!["A1", "A3", "A4\"", "A5"]);
    let lines: Vec<u64> = bad.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![3], "{bad:?}");
}

// Item 9: Chinese Excel, Excel "Unicode text", and mixed files.
#[test]
fn gb18030_catalogs_are_detected() {
    let d = tempfile::tempdir().unwrap();
    let text = "商品编号,名称,价格\nA1,红色衬衫,12.50\nA2,蓝色牛仔裤,99\nA3,茶杯（白色）,5\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let p = write(d.path(), "商品.csv", &gbk);
    let mut opts = auto();
    opts.mapping.insert("item_id".into(), "商品编号".into());
    opts.mapping.insert("title".into(), "名称".into());
    opts.mapping.insert("price".into(), "价格".into());
    let (ok, bad) = read_all(&p, &opts);
    assert!(bad.is_empty(), "{bad:?}");
    let titles: Vec<String> = items(&ok).into_iter().map(|i| i.1).collect();
    assert_eq!(titles, vec!["红色衬衫", "蓝色牛仔裤", "茶杯（白色）"]);
    assert_eq!(
        inspect(&p, &opts).unwrap().encoding.as_deref(),
        Some("gb18030")
    );
    opts.encoding = Some("gbk".into());
    let (ok, _) = read_all(&p, &opts);
    assert_eq!(items(&ok)[0].1, "红色衬衫");
}

#[test]
fn utf16_with_a_bom_is_read_with_or_without_encoding_given() {
    let d = tempfile::tempdir().unwrap();
    let text = "\u{feff}item_id\ttitle\nA1\tLampe à poser\nA2\t台灯\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (name, bytes, enc) in [
        ("le.txt", &le, None),
        ("le2.txt", &le, Some("utf-16le")),
        ("be.txt", &be, None),
    ] {
        let p = write(d.path(), name, bytes);
        let mut opts = auto();
        opts.encoding = enc.map(str::to_string);
        let (ok, bad) = read_all(&p, &opts);
        assert!(bad.is_empty(), "{name}: {bad:?}");
        let titles: Vec<String> = items(&ok).into_iter().map(|i| i.1).collect();
        assert_eq!(titles, vec!["Lampe à poser", "台灯"], "{name}");
    }
}

#[test]
fn rows_mixing_utf8_and_latin1_are_each_decoded_and_counted() {
    let d = tempfile::tempdir().unwrap();
    // A Latin-1 row first, then UTF-8 rows: the file is what most of its
    // non-ASCII rows are (UTF-8), and the Latin-1 row is the one counted.
    let mut text = b"item_id,title\nA1,Caf\xe9 cr\xe8me\n".to_vec();
    text.extend_from_slice("A2,Café crème\nA3,Crème brûlée\nA4,plain\n".as_bytes());
    let p = write(d.path(), "mixed.csv", &text);
    let mut src = open(&p, &auto()).unwrap();
    let ok: Vec<Record> = src.by_ref().map(Result::unwrap).collect();
    let titles: Vec<String> = items(&ok).into_iter().map(|i| i.1).collect();
    assert_eq!(
        titles,
        vec!["Café crème", "Café crème", "Crème brûlée", "plain"]
    );
    let mixed = src.mixed_encodings();
    assert_eq!(mixed.len(), 1, "{mixed:?}");
    assert_eq!((mixed[0].rows, mixed[0].first_line), (1, 2));
    assert_eq!(
        (mixed[0].encoding, mixed[0].other),
        ("utf-8", "windows-1252")
    );

    // Mostly Latin-1 with UTF-8 rows: taken for Latin-1, the UTF-8 rows kept
    // as they are and counted.
    let mut text = b"item_id,title\nA1,Caf\xe9\nA2,Cr\xe8me\nA3,Na\xefve\n".to_vec();
    text.extend_from_slice("A4,Crème brûlée\n".as_bytes());
    let p = write(d.path(), "mixed1.csv", &text);
    let mut src = open(&p, &auto()).unwrap();
    let ok: Vec<Record> = src.by_ref().map(Result::unwrap).collect();
    let titles: Vec<String> = items(&ok).into_iter().map(|i| i.1).collect();
    assert_eq!(titles, vec!["Café", "Crème", "Naïve", "Crème brûlée"]);
    let mixed = src.mixed_encodings();
    assert_eq!(mixed.len(), 1, "{mixed:?}");
    assert_eq!((mixed[0].rows, mixed[0].first_line), (1, 5));
    assert_eq!(
        (mixed[0].encoding, mixed[0].other),
        ("windows-1252", "utf-8")
    );

    // UTF-8 for the first 64 KiB, a Latin-1 row later: read as Latin-1
    // and counted.
    let mut text = "item_id,title\n".as_bytes().to_vec();
    for i in 0..8_000 {
        text.extend_from_slice(format!("U{i},Café\n").as_bytes());
    }
    text.extend_from_slice(b"A2,Caf\xe9\n");
    let p = write(d.path(), "mixed2.csv", &text);
    let mut src = open(&p, &auto()).unwrap();
    let ok: Vec<Record> = src.by_ref().map(Result::unwrap).collect();
    assert!(items(&ok).iter().all(|i| i.1 == "Café"));
    let m = &src.mixed_encodings()[0];
    assert_eq!((m.rows, m.first_line, m.other), (1, 8_002, "windows-1252"));
    assert!(m.to_string().contains("line 8002"), "{m}");
}

// Item 10: one NUL byte refused the whole file.
#[test]
fn a_nul_byte_rejects_its_row_only_and_binary_files_stay_refused() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "items.csv",
        b"item_id,title\nA1,a\nA2,b\0c\nA3,c\nA4,d\nA5,e\n",
    );
    let (ok, bad) = read_all(&p, &auto());
    assert_eq!(ok.len(), 4);
    assert_eq!(bad.len(), 1);
    assert_eq!((bad[0].line, bad[0].column.as_deref()), (3, Some("title")));
    assert!(bad[0].reason.contains("NUL"), "{}", bad[0].reason);

    let mut sqlite = b"SQLite format 3\0".to_vec();
    sqlite.extend([0u8; 200]);
    assert!(refused(&write(d.path(), "db.csv", &sqlite), &auto()).contains("SQLite"));
    let random: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert!(refused(&write(d.path(), "blob.csv", &random), &auto()).contains("binary"));
    // A gzip of a PNG is refused as what it holds.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend([0u8; 100]);
    let reason = refused(&write(d.path(), "img.csv.gz", &gzip(&png)), &auto());
    assert!(
        reason.contains("PNG") && reason.contains("gzip"),
        "{reason}"
    );
}

// Item 11: gzip.
#[test]
fn gzip_files_are_read_as_streams() {
    let d = tempfile::tempdir().unwrap();
    let csv = b"item_id,title,price\nA1,Lamp,9.50\nA2,Desk,120\n";
    let p = write(d.path(), "items.csv.gz", &gzip(csv));
    let (ok, bad) = read_all(&p, &auto());
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(items(&ok)[1], ("A2".into(), "Desk".into(), Some(120.0)));
    let pre = inspect(&p, &auto()).unwrap();
    assert!(pre.gzip);
    assert_eq!(pre.format, Format::Catalog);
    // Progress counts the bytes of the file as stored.
    let mut src = open(&p, &auto()).unwrap();
    assert_eq!(src.total_bytes(), std::fs::metadata(&p).unwrap().len());
    assert_eq!(src.progress_unit(), "bytes");
    while src.next().is_some() {}
    assert_eq!(src.bytes_read(), src.total_bytes());

    // Detected by its bytes whatever the name; JSON lines and TSV too.
    let p = write(d.path(), "export.csv", &gzip(csv));
    assert_eq!(read_all(&p, &auto()).0.len(), 2);
    let j = write(
        d.path(),
        "events.jsonl.gz",
        &gzip(b"{\"user_id\":\"U1\",\"timestamp\":1700000000,\"item_id\":\"A1\"}\n"),
    );
    assert_eq!(read_all(&j, &auto()).0.len(), 1);
    let t = write(d.path(), "u.tsv.gz", &gzip(b"user_id\tsegment\nU1\tvip\n"));
    assert_eq!(read_all(&t, &auto()).0.len(), 1);
}

#[test]
fn corrupt_and_bomb_like_gzip_files_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let mut text = b"item_id,title\n".to_vec();
    for i in 0..20_000 {
        text.extend_from_slice(format!("A{i},title {}\n", i * 7919 % 10007).as_bytes());
    }
    let gz = gzip(&text);
    // Cut short: the rows before the cut are read, then the failure is a
    // reported row, not a silent end.
    let cut = write(d.path(), "cut.csv.gz", &gz[..gz.len() * 2 / 3]);
    let (ok, bad) = read_all(&cut, &auto());
    assert!(!ok.is_empty() && ok.len() < 20_000);
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(
        bad[0].reason.contains("rows after it were not read"),
        "{}",
        bad[0].reason
    );
    // It names the line it could not finish: the one after the last row read
    // (plus the header), never line 0.
    assert!(
        bad[0].line as usize >= ok.len() + 2,
        "line {} after {} rows",
        bad[0].line,
        ok.len()
    );
    // Not gzip at all inside.
    let mut junk = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03".to_vec();
    junk.extend([0xffu8; 64]);
    let reason = refused(&write(d.path(), "junk.csv.gz", &junk), &auto());
    assert!(reason.contains("gzip"), "{reason}");
    assert!(
        refused(&write(d.path(), "plain.csv.gz", b"item_id\nA1\n"), &auto()).contains("not a gzip")
    );

    // 100 MB of one byte compresses about 1000x: refused up front.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(b"item_id\n").unwrap();
    let block = vec![b'a'; 1 << 20];
    for _ in 0..100 {
        enc.write_all(&block).unwrap();
    }
    let bomb = write(d.path(), "bomb.csv.gz", &enc.finish().unwrap());
    let reason = refused(&bomb, &auto());
    assert!(reason.contains("decompression bomb"), "{reason}");
}

// Item 12: duplicate and countless columns.
#[test]
fn duplicate_column_names_are_refused_and_messages_stay_short() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "items.csv",
        b"item_id,title,price,title\nA1,Lamp,9,Lampe\n",
    );
    let reason = refused(&p, &auto());
    assert!(reason.contains("'title' (columns 2 and 4)"), "{reason}");

    // The header that once gave a 1.7 MB error line: over the row limit.
    for (columns, name, more) in [
        (200_000, "column", None),
        (100_000, "c", Some("and 99980 more")),
    ] {
        let mut wide: Vec<u8> = (0..columns)
            .map(|i| format!("{name}{i}"))
            .collect::<Vec<_>>()
            .join(",")
            .into_bytes();
        wide.extend_from_slice(b"\n1,2\n");
        let p = write(d.path(), "wide.csv", &wide);
        let err = open(&p, &auto()).unwrap_err().to_string();
        assert!(err.len() < 2_000, "an error line of {} bytes", err.len());
        if let Some(more) = more {
            assert!(err.contains(more), "{err}");
        }
    }
}

// Item 17: JSON lines imports were logged as `[auto]`.
#[test]
fn json_lines_files_name_what_they_hold() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "things.jsonl",
        b"\n{\"item_id\":\"A1\",\"title\":\"Lamp\"}\n{\"item_id\":\"A2\",\"title\":\"Desk\"}\n",
    );
    assert_eq!(open(&p, &auto()).unwrap().format(), Format::Catalog);
    let (ok, bad) = read_all(&p, &auto());
    assert_eq!((ok.len(), bad.len()), (2, 0));
    let e = write(
        d.path(),
        "events.ndjson",
        b"{\"user_id\":\"U1\",\"timestamp\":1700000000,\"item_id\":\"A1\"}\n",
    );
    assert_eq!(open(&e, &auto()).unwrap().format(), Format::Events);
}

// Found while writing the fuzz targets: a huge days_since_prior_order
// overflowed the derived time (a panic in debug builds, a wrapped time in
// release ones).
#[test]
fn instacart_gaps_out_of_range_are_rejected_not_overflowed() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "products.csv",
        b"product_id,product_name,aisle_id,department_id\n1,Bananas,24,4\n",
    );
    write(d.path(), "aisles.csv", b"aisle_id,aisle\n24,fruit\n");
    write(
        d.path(),
        "order_lines.csv",
        b",order_id,user_id,order_number,order_dow,order_hour_of_day,days_since_prior_order,product_id,add_to_cart_order,reordered\n\
1,10,7,1,1,9,,1,1,0\n\
2,20,7,2,1,10,1e300,1,1,1\n\
3,30,7,3,1,99,3,1,1,1\n",
    );
    let (ok, bad) = read_all(d.path(), &auto());
    assert_eq!(ok.len(), 2, "{ok:?}"); // the item and order 10
    let lines: Vec<u64> = bad.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![3, 4], "{bad:?}");
    assert!(bad[0].reason.contains("out of range"), "{}", bad[0].reason);
}

// Found by the `datasets` fuzz target: a rejected MovieLens 1M row quoted
// its whole text, however long (JSON lines rows could also grow past the
// cap when invalid bytes became replacement characters).
#[test]
fn rejected_rows_quote_at_most_a_few_hundred_bytes() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "movies.dat", b"1::Heat (1995)::Action\n");
    let long = "x".repeat(5_000);
    write(
        d.path(),
        "ratings.dat",
        format!("1::1::{long}::978300760\n").as_bytes(),
    );
    let (_, bad) = read_all(d.path(), &auto());
    assert_eq!(bad.len(), 1);
    assert!(bad[0].raw.len() <= 310, "raw of {} bytes", bad[0].raw.len());
    let mut junk = b"{\"item_id\":\"".to_vec();
    junk.extend(std::iter::repeat_n(0xffu8, 400));
    junk.extend_from_slice(b"\"}\n{\"item_id\":\"A\"}\n");
    let j = write(d.path(), "items.jsonl", &junk);
    let (_, bad) = read_all(&j, &auto());
    assert!(bad[0].raw.len() <= 310, "raw of {} bytes", bad[0].raw.len());
}
