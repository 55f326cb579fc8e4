#[cfg(test)]
mod t {
    use std::time::Instant;
    #[test]
    #[ignore]
    fn scratch_raw() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = rusqlite::Connection::open(dir.path().join("x.sqlite")).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536;",
        )
        .unwrap();
        super::super::schema::migrate(&mut conn, 0).unwrap();
        conn.execute_batch(super::super::schema::DROP_EVENT_INDEXES)
            .unwrap();
        for (label, with_session, with_q) in [
            ("full", true, true),
            ("no session", false, true),
            ("ints only", false, false),
        ] {
            conn.execute_batch("DELETE FROM events").unwrap();
            let one_row = format!("({})", ["?"; 9].join(","));
            let sql = format!(
                "INSERT INTO events (ts, user_idx, session, item_idx, kind, query_id, value, position, import_id) VALUES {}",
                vec![one_row; 32].join(",")
            );
            let start = Instant::now();
            let tx = conn.transaction().unwrap();
            {
                let mut st = tx.prepare_cached(&sql).unwrap();
                let sessions: Vec<String> = (0..50_000).map(|i| format!("s{i}")).collect();
                for b in 0..(1_000_000 / 32) {
                    for j in 0..32usize {
                        let i = (b * 32 + j as i64) as i64;
                        let o = j * 9;
                        st.raw_bind_parameter(o + 1, 1_700_000_000 + i).unwrap();
                        st.raw_bind_parameter(o + 2, (i * 7919) % 200_000).unwrap();
                        st.raw_bind_parameter(
                            o + 3,
                            if with_session {
                                Some(&sessions[(i / 20) as usize])
                            } else {
                                None
                            },
                        )
                        .unwrap();
                        st.raw_bind_parameter(o + 4, (i * 104_729) % 50_000)
                            .unwrap();
                        st.raw_bind_parameter(o + 5, i % 4).unwrap();
                        st.raw_bind_parameter(
                            o + 6,
                            if with_q && i % 10 == 0 {
                                Some(i % 5000)
                            } else {
                                None
                            },
                        )
                        .unwrap();
                        st.raw_bind_parameter(o + 7, None::<f64>).unwrap();
                        st.raw_bind_parameter(o + 8, i % 20 + 1).unwrap();
                        st.raw_bind_parameter(o + 9, 1).unwrap();
                    }
                    st.raw_execute().unwrap();
                }
            }
            tx.commit().unwrap();
            eprintln!("{label}: {:.2} s", start.elapsed().as_secs_f64());
        }
    }
}
