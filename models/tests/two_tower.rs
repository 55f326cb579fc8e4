//! The two-tower model: cold items ranked from their text, planted warm
//! structure, batch = single scoring, save/load, determinism, tokenizer.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod common;

/// Every test sits in this module so `cargo test two_tower` selects them.
mod two_tower {
    use super::common::*;
    use rand::seq::{IndexedRandom, SliceRandom};
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use shoplab_datasets::{
        CancelToken, EventKind, Interactions, ModelState, NoProgress, Recommender, UserQuery, top_k,
    };
    use shoplab_models::item_text::tokens;
    use shoplab_models::{
        Error, ItemText, LearnedSpec, TrainData, TwoTowerModel, TwoTowerParams, fit_two_tower,
        load_two_tower,
    };

    fn ok<T>(r: shoplab_models::Result<T>) -> T {
        r.unwrap_or_else(|e| panic!("{e}"))
    }

    const CLOTHES: &[&str] = &[
        "red", "cotton", "shirt", "blue", "linen", "dress", "wool", "sock", "silk", "scarf",
        "denim", "jacket",
    ];
    const TOOLS: &[&str] = &[
        "steel", "hammer", "drill", "wrench", "iron", "saw", "bolt", "nail", "chisel", "pliers",
        "socket", "clamp",
    ];

    /// 120 items, even ones clothes and odd ones tools (interleaved so that
    /// ties broken by index favour neither group); items `90..` are cold:
    /// no shopper touches them. Titles are 3 of the group's words plus an
    /// item code; brands are shared by both groups (no signal there).
    struct Shop {
        log: Interactions,
        seqs: shoplab_datasets::Sequences,
        texts: Vec<ItemText>,
    }

    const N_ITEMS: u32 = 120;
    const FIRST_COLD: u32 = 90;
    const N_USERS: u32 = 80;

    fn group_of_item(i: u32) -> u32 {
        i % 2
    }

    fn group_of_user(u: u32) -> u32 {
        u % 2
    }

    fn shop() -> Shop {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let texts: Vec<ItemText> = (0..N_ITEMS)
            .map(|i| {
                let words = if group_of_item(i) == 0 {
                    CLOTHES
                } else {
                    TOOLS
                };
                let mut title: Vec<&str> = words.sample(&mut rng, 3).copied().collect();
                title.shuffle(&mut rng);
                let brand = ["Acme", "Zenith", "Orbit"][rng.random_range(0..3)];
                ItemText::new(
                    &format!("{} item-{i}", title.join(" ")),
                    brand,
                    "Shop > All",
                )
            })
            .collect();
        let mut log = Interactions::new(N_USERS, N_ITEMS);
        for u in 0..N_USERS {
            let mut warm: Vec<u32> = (0..FIRST_COLD)
                .filter(|&i| group_of_item(i) == group_of_user(u))
                .collect();
            warm.shuffle(&mut rng);
            for (k, &i) in warm.iter().take(8).enumerate() {
                log.push(
                    u,
                    i,
                    i64::from(u) * 100 + k as i64,
                    EventKind::Purchase,
                    1.0,
                );
            }
        }
        let seqs = log.sequences();
        Shop { log, seqs, texts }
    }

    impl Shop {
        fn data(&self, with_text: bool) -> TrainData<'_> {
            TrainData {
                train: &self.log,
                weighting: shoplab_datasets::Weighting::Binary,
                sequences: &self.seqs,
                item_text: with_text.then_some(self.texts.as_slice()),
            }
        }
    }

    fn small(epochs: usize) -> TwoTowerParams {
        TwoTowerParams {
            embedding_size: 16,
            text_buckets: 4096,
            epochs,
            batch_size: 64,
            learning_rate: 0.01,
            validate_every: 0,
            ..TwoTowerParams::default()
        }
    }

    /// Mean over shoppers of: among the 30 cold items, the share of the
    /// top 10 that belong to the shopper's group (chance: 0.5).
    fn cold_recall_at_10(model: &dyn Recommender, log: &Interactions) -> f64 {
        let m = log.to_matrix(shoplab_datasets::Weighting::Binary);
        let mut total = 0.0;
        for u in 0..log.n_users {
            let (hist, w) = m.row(u as usize);
            let mut s = vec![0f32; model.n_items()];
            model.score(&UserQuery::from_set(Some(u), hist, w), &mut s);
            let warm: Vec<u32> = (0..FIRST_COLD).collect();
            let top = top_k(&s, 10, &warm);
            assert!(top.iter().all(|&i| i >= FIRST_COLD));
            let hits = top
                .iter()
                .filter(|&&i| group_of_item(i) == group_of_user(u))
                .count();
            total += hits as f64 / 10.0;
        }
        total / f64::from(log.n_users)
    }

    /// Cold items are ranked from their text: a clothes shopper's unseen
    /// clothes come before unseen tools. The text-less control (and an
    /// untrained model) sit at chance, so the check can fail.
    #[test]
    fn two_tower_ranks_cold_items_by_their_text() {
        let shop = shop();
        let cancel = CancelToken::new();
        let c = ctx(&NoProgress, &cancel);
        let trained = ok(fit_two_tower(&small(30), &shop.data(true), &c));
        let with_text = cold_recall_at_10(trained.model.as_ref(), &shop.log);
        let textless = ok(fit_two_tower(&small(30), &shop.data(false), &c));
        let control = cold_recall_at_10(textless.model.as_ref(), &shop.log);
        let lazy = TwoTowerParams {
            learning_rate: 1e-9,
            ..small(1)
        };
        let untrained = ok(fit_two_tower(&lazy, &shop.data(true), &c));
        let chance = cold_recall_at_10(untrained.model.as_ref(), &shop.log);
        println!(
            "cold-item recall@10: text {with_text:.3}, text-less control {control:.3}, \
             untrained {chance:.3} (chance 0.5); loss {:?}",
            trained.report.loss_curve
        );
        assert!(with_text > 0.9, "cold recall with text {with_text}");
        assert!(control < 0.6, "text-less control {control}");
        assert!(chance < 0.8, "untrained {chance}");
        // A new item embedded later gets the same vector as a cold catalog item.
        let tt = ok(load_two_tower(
            &small(30),
            &trained.model.state(),
            &candle_core::Device::Cpu,
        ));
        let vectors = ok(tt.item_vectors());
        let d = 16;
        let i = FIRST_COLD as usize + 3;
        let v = ok(tt.embed_item_text(&shop.texts[i]));
        for (a, b) in v.iter().zip(&vectors[i * d..(i + 1) * d]) {
            assert!((a - b).abs() < 1e-5);
        }
        // …and a brand-new hammer title lands nearer tools than clothes.
        let hammer = ok(tt.embed_item_text(&ItemText::new("steel claw hammer", "", "")));
        let cos = |j: usize| -> f32 {
            hammer
                .iter()
                .zip(&vectors[j * d..(j + 1) * d])
                .map(|(a, b)| a * b)
                .sum()
        };
        let tools: f32 = (1..FIRST_COLD as usize).step_by(2).map(cos).sum();
        let clothes: f32 = (0..FIRST_COLD as usize).step_by(2).map(cos).sum();
        assert!(tools > clothes, "tools {tools} clothes {clothes}");
    }

    /// Without text, the id part learns planted groups (warm items), and a
    /// shopper new since training who has a history gets their group.
    #[test]
    fn two_tower_learns_planted_groups_and_serves_new_shoppers() {
        let d = Data::new(planted(60, 40, 5));
        let cancel = CancelToken::new();
        let c = ctx(&NoProgress, &cancel);
        let p = TwoTowerParams {
            id_dropout: 0.0,
            ..small(30)
        };
        let fitted = ok(fit_two_tower(&p, &d.view(), &c));
        let purity = group_purity(fitted.model.as_ref(), &d.log);
        assert!(
            purity > 0.9,
            "purity {purity} {:?}",
            fitted.report.loss_curve
        );
        let lazy = TwoTowerParams {
            learning_rate: 1e-9,
            ..small(1)
        };
        let untrained = ok(fit_two_tower(&lazy, &d.view(), &c));
        let chance = group_purity(untrained.model.as_ref(), &d.log);
        assert!(chance < 0.7, "untrained purity {chance}");
        assert!(fitted.report.loss_curve.first() > fitted.report.loss_curve.last());
        // A new shopper (no user index) with three items of the second group.
        let hist = [21u32, 25, 33];
        let mut s = vec![0f32; 40];
        fitted
            .model
            .score(&UserQuery::from_set(None, &hist, &[1.0; 3]), &mut s);
        for i in top_k(&s, 5, &hist) {
            assert!(i >= 20, "new shopper got item {i} of the other group");
        }
        // An empty history scores all zero (the engine's fallback answers).
        let mut z = vec![0f32; 40];
        fitted
            .model
            .score(&UserQuery::from_set(Some(3), &[], &[]), &mut z);
        assert!(z.iter().all(|&x| x == 0.0));
    }

    /// With `user_embedding`, a shopper index without training events (only
    /// validation events, say) has a zero row: scored from their history
    /// alone, exactly as a shopper new since training.
    #[test]
    fn two_tower_adds_no_untrained_user_vector() {
        let shop = shop();
        // One more shopper index, with no events.
        let mut wide = shop.log.clone();
        wide.n_users += 1;
        let seqs = wide.sequences();
        let data = TrainData {
            train: &wide,
            weighting: shoplab_datasets::Weighting::Binary,
            sequences: &seqs,
            item_text: Some(shop.texts.as_slice()),
        };
        let cancel = CancelToken::new();
        let p = TwoTowerParams {
            user_embedding: true,
            ..small(2)
        };
        let f = ok(fit_two_tower(&p, &data, &ctx(&NoProgress, &cancel)));
        let hist = [1u32, 4, 9];
        let score = |user: Option<u32>| {
            let mut s = vec![0f32; N_ITEMS as usize];
            f.model
                .score(&UserQuery::from_set(user, &hist, &[1.0; 3]), &mut s);
            s
        };
        assert_eq!(score(Some(N_USERS)), score(None));
        // A trained shopper's own vector still counts.
        assert_ne!(score(Some(0)), score(None));
    }

    fn round_trip(model: &dyn Recommender) -> ModelState {
        let bytes = model.state().to_safetensors().unwrap();
        ModelState::from_safetensors(&bytes).unwrap()
    }

    /// `score_batch` equals `score` row by row (the batch goes through the
    /// matrix product), save → load serves identical scores, and a state
    /// of another format, tokenizer or shape says to retrain.
    #[test]
    fn two_tower_batch_equals_single_and_round_trips() {
        let shop = shop();
        let cancel = CancelToken::new();
        let p = TwoTowerParams {
            user_embedding: true,
            ..small(3)
        };
        let f = ok(fit_two_tower(
            &p,
            &shop.data(true),
            &ctx(&NoProgress, &cancel),
        ));
        let m = shop.log.to_matrix(shoplab_datasets::Weighting::Binary);
        let n = f.model.n_items();
        let cold = [FIRST_COLD, FIRST_COLD + 1];
        let mut qs: Vec<UserQuery<'_>> = (0..8u32)
            .map(|u| {
                let (h, w) = m.row(u as usize);
                UserQuery::from_set(Some(u), h, w)
            })
            .collect();
        qs.push(UserQuery::from_set(None, &cold, &[]));
        qs.push(UserQuery::from_set(Some(N_USERS + 9), &cold, &[1.0, 2.0]));
        qs.push(UserQuery::from_set(Some(1), &[], &[]));
        let mut block = vec![0f32; qs.len() * n];
        f.model.score_batch(&qs, &mut block);
        for (r, q) in qs.iter().enumerate() {
            let mut one = vec![0f32; n];
            f.model.score(q, &mut one);
            for j in 0..n {
                assert!((one[j] - block[r * n + j]).abs() < 1e-5, "row {r} item {j}");
            }
            assert_eq!(
                q.history.is_empty(),
                one.iter().all(|&x| x == 0.0),
                "row {r}"
            );
        }
        let all = |model: &dyn Recommender| -> Vec<f32> {
            let mut out = vec![0f32; qs.len() * n];
            for (r, q) in qs.iter().enumerate() {
                model.score(q, &mut out[r * n..(r + 1) * n]);
            }
            out
        };
        let loaded: TwoTowerModel = ok(load_two_tower(
            &p,
            &round_trip(f.model.as_ref()),
            &candle_core::Device::Cpu,
        ));
        assert_eq!(all(&loaded), all(f.model.as_ref()));
        assert_eq!(loaded.state(), f.model.state());
        // Through the spec, as the engine loads it.
        let spec = ok(LearnedSpec::from_json("two_tower", &ok_json(&p)));
        let via_spec = ok(spec.load(&f.model.state(), &candle_core::Device::Cpu));
        assert_eq!(all(via_spec.as_ref()), all(f.model.as_ref()));

        let refuse = |params: &TwoTowerParams, st: &ModelState, want: &str| {
            let e = load_two_tower(params, st, &candle_core::Device::Cpu)
                .err()
                .unwrap();
            let m = e.to_string();
            assert!(m.contains("retrain") && m.contains(want), "{m}");
        };
        for other in [
            TwoTowerParams {
                embedding_size: 8,
                ..p.clone()
            },
            TwoTowerParams {
                text_buckets: 8192,
                ..p.clone()
            },
        ] {
            refuse(&other, &f.model.state(), "does not match");
        }
        let mut st = f.model.state();
        st.metadata.retain(|(k, _)| k != "format");
        st.meta("format", "shoplab-two-tower-0");
        refuse(&p, &st, "another ShopLab version");
        let mut st = f.model.state();
        st.metadata.retain(|(k, _)| k != "tokenizer");
        st.meta("tokenizer", "shoplab-text-0");
        refuse(&p, &st, "tokenizer");
    }

    fn ok_json(p: &TwoTowerParams) -> serde_json::Value {
        serde_json::to_value(p).unwrap()
    }

    #[test]
    fn two_tower_training_is_deterministic_for_a_seed() {
        let shop = shop();
        let cancel = CancelToken::new();
        let fit = |seed| {
            let p = TwoTowerParams { seed, ..small(2) };
            ok(fit_two_tower(
                &p,
                &shop.data(true),
                &ctx(&NoProgress, &cancel),
            ))
            .model
            .state()
        };
        assert_eq!(fit(7), fit(7));
        assert_ne!(fit(7), fit(8));
    }

    #[test]
    fn two_tower_spec_and_bad_values() {
        let spec = ok(LearnedSpec::from_name_and_params(
            "two-tower",
            &[("id_dropout".into(), "0.25".into())],
        ));
        assert_eq!(spec.name(), "two_tower");
        match &spec {
            LearnedSpec::TwoTower(p) => {
                assert_eq!(p.id_dropout, 0.25);
                assert_eq!(p.text_buckets, 1 << 17);
            }
            other => panic!("{other:?}"),
        }
        // The model's own help replaces the shared one where its default differs.
        let docs = ok(LearnedSpec::param_docs("two_tower"));
        let batch = docs
            .iter()
            .filter(|d| d.name == "batch_size")
            .collect::<Vec<_>>();
        assert_eq!(batch.len(), 1);
        assert_eq!(batch[0].default, serde_json::json!(1024));
        assert!(batch[0].help.contains("default 1024"), "{}", batch[0].help);
        let msg = |k: &str, v: &str| {
            LearnedSpec::from_name_and_params("two_tower", &[(k.into(), v.into())])
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let m = msg("id_dropout", "1");
        assert!(m.contains("id_dropout") && m.contains("up to"), "{m}");
        let m = msg("temperature", "0");
        assert!(m.contains("temperature") && m.contains("above 0"), "{m}");
        let m = msg("text_buckets", "10");
        assert!(
            m.contains("text_buckets") && m.contains("256 to 4194304"),
            "{m}"
        );
        let m = msg("max_history", "0");
        assert!(m.contains("max_history") && m.contains("1 to 10000"), "{m}");
        // Text for another catalog size is refused, naming the field.
        let shop = shop();
        let short = &shop.texts[..10];
        let data = TrainData {
            item_text: Some(short),
            ..shop.data(true)
        };
        let cancel = CancelToken::new();
        let e = fit_two_tower(&small(1), &data, &ctx(&NoProgress, &cancel))
            .err()
            .unwrap();
        assert!(matches!(e, Error::Invalid { .. }), "{e}");
        assert!(e.to_string().contains("item_text") && e.to_string().contains("120"));
    }

    #[test]
    fn two_tower_tokenizer_words_punctuation_and_chinese() {
        use shoplab_models::item_text::{TextBags, bucket, features, item_buckets};
        assert_eq!(
            tokens("Men's RED Cotton-Shirt, size XL (2-pack)!"),
            vec![
                "men", "s", "red", "cotton", "shirt", "size", "xl", "2", "pack"
            ]
        );
        assert_eq!(tokens("Café ÜBER 2x4"), vec!["café", "über", "2x4"]);
        assert_eq!(tokens("  ...  "), Vec::<String>::new());
        assert_eq!(tokens("ＡＢＣ１２３"), vec!["abc123"]);
        assert_eq!(
            tokens("华为Mate60手机，黑色"),
            vec!["华", "为", "mate60", "手", "机", "黑", "色"]
        );
        assert_eq!(
            tokens("ソニー ヘッドホン"),
            vec!["ソ", "ニ", "ー", "ヘ", "ッ", "ド", "ホ", "ン"]
        );
        let f = features(&ItemText::new("红色手机", "", ""));
        for want in ["红", "色", "手", "机", "红色", "色手", "手机"] {
            assert!(f.iter().any(|x| x == want), "{want} missing from {f:?}");
        }
        let f = features(&ItemText::new(
            "Claw Hammer",
            "Stanley Tools",
            "Tools > Hand Tools",
        ));
        for want in [
            "claw",
            "hammer",
            "stanley",
            "brand=stanley tools",
            "category=tools",
            "category=tools>hand tools",
        ] {
            assert!(f.iter().any(|x| x == want), "{want} missing from {f:?}");
        }
        // Pinned: a change here changes what saved models mean (bump
        // TOKENIZER_VERSION). FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c.
        assert_eq!(bucket("a", 1 << 32), 0x8601_ec8c);
        let b = item_buckets(&ItemText::new("red RED red", "", ""), 1 << 17);
        assert_eq!(b, vec![bucket("red", 1 << 17)]);
        let texts = [ItemText::new("a b", "", ""), ItemText::default()];
        let bags = TextBags::new(Some(&texts), 3, 64);
        assert_eq!(bags.len(), 3);
        assert_eq!(bags.of(0).len(), 2);
        assert!(bags.of(1).is_empty() && bags.of(2).is_empty());
        // A Chinese shop: 手机 shoppers get an unseen 手机 before unseen 锤子 (hammers).
        let zh = [
            "华为手机 黑色",
            "小米手机 白色",
            "苹果手机 红色",
            "钢制锤子 重型",
            "木柄锤子 轻型",
            "羊角锤子 家用",
            "三星手机 蓝色",
            "铁锤子 工具",
        ];
        let texts: Vec<ItemText> = zh.iter().map(|t| ItemText::new(t, "", "")).collect();
        let mut log = Interactions::new(20, 8);
        for u in 0..20u32 {
            let items: &[u32] = if u % 2 == 0 { &[0, 1, 2] } else { &[3, 4, 5] };
            for (k, &i) in items.iter().enumerate() {
                if !(u as usize + k).is_multiple_of(3) {
                    log.push(u, i, k as i64, EventKind::Purchase, 1.0);
                }
            }
        }
        let seqs = log.sequences();
        let data = TrainData {
            train: &log,
            weighting: shoplab_datasets::Weighting::Binary,
            sequences: &seqs,
            item_text: Some(&texts),
        };
        let cancel = CancelToken::new();
        let p = TwoTowerParams {
            batch_size: 8,
            ..small(40)
        };
        let f = ok(fit_two_tower(&p, &data, &ctx(&NoProgress, &cancel)));
        let mut s = vec![0f32; 8];
        f.model
            .score(&UserQuery::from_set(None, &[0, 1], &[1.0, 1.0]), &mut s);
        assert!(s[6] > s[7], "unseen 手机 {} vs unseen 锤子 {}", s[6], s[7]);
        f.model
            .score(&UserQuery::from_set(None, &[3, 4], &[1.0, 1.0]), &mut s);
        assert!(s[7] > s[6], "unseen 锤子 {} vs unseen 手机 {}", s[7], s[6]);
    }

    /// Training time per epoch on a 100K-event synthetic log (5,000
    /// shoppers x 10,000 items with 5-word titles), default settings.
    /// `cargo test -p shoplab-models --test two_tower -- --ignored --nocapture two_tower_epoch_time`
    /// (`SHOPLAB_BENCH_EPOCHS=n`, `SHOPLAB_BENCH_BUCKETS=n` for other text tables).
    #[test]
    #[ignore = "timing, run by hand"]
    fn two_tower_epoch_time() {
        let (n_users, n_items) = (5000u32, 10_000u32);
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let vocab: Vec<String> = (0..2000).map(|k| format!("w{k}")).collect();
        let texts: Vec<ItemText> = (0..n_items)
            .map(|i| {
                let topic = (i % 50) as usize * 40;
                let t: Vec<&str> = (0..5)
                    .map(|_| vocab[topic + rng.random_range(0..40)].as_str())
                    .collect();
                ItemText::new(&t.join(" "), &format!("brand{}", i % 300), "cat")
            })
            .collect();
        let mut log = Interactions::new(n_users, n_items);
        let mut seen = std::collections::HashSet::new();
        while log.len() < 100_000 {
            let u = rng.random_range(0..n_users);
            let x: f64 = rng.random();
            let i = ((x * x) * f64::from(n_items)) as u32 % n_items;
            if seen.insert((u, i)) {
                log.push(u, i, log.len() as i64, EventKind::Purchase, 1.0);
            }
        }
        let seqs = log.sequences();
        let data = TrainData {
            train: &log,
            weighting: shoplab_datasets::Weighting::Binary,
            sequences: &seqs,
            item_text: Some(&texts),
        };
        let cancel = CancelToken::new();
        let epochs: usize = std::env::var("SHOPLAB_BENCH_EPOCHS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let text_buckets = std::env::var("SHOPLAB_BENCH_BUCKETS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(TwoTowerParams::default().text_buckets);
        let p = TwoTowerParams {
            epochs,
            text_buckets,
            validate_every: 0,
            ..TwoTowerParams::default()
        };
        let t = std::time::Instant::now();
        let cpu0 = cpu_secs();
        let f = ok(fit_two_tower(&p, &data, &ctx(&NoProgress, &cancel)));
        let secs = t.elapsed().as_secs_f64();
        let cpu = cpu_secs() - cpu0;
        println!(
            "two_tower: {:.2} s/epoch wall, {:.2} s/epoch CPU over {} events (loss {:?}; load {})",
            secs / epochs as f64,
            cpu / epochs as f64,
            log.len(),
            f.report.loss_curve,
            std::fs::read_to_string("/proc/loadavg")
                .unwrap_or_default()
                .trim()
        );
    }

    /// CPU seconds this process used (user + system), from /proc; 0 elsewhere.
    fn cpu_secs() -> f64 {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let after = stat.rsplit(')').next().unwrap_or("");
        let f: Vec<&str> = after.split_whitespace().collect();
        let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        (tick(11) + tick(12)) / 100.0
    }
}
