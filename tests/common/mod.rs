//! Helpers shared by the end-to-end tests: run the real binary in a temp folder.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The built `shoplab` binary.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_shoplab"))
}

/// Runs `shoplab -p <project> args...` and returns its output.
pub fn shoplab(project: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .arg("-p")
        .arg(project)
        .args(args)
        .env_remove("SHOPLAB_PROJECT")
        .output()
        .expect("the shoplab binary runs")
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs and asserts success, returning stdout.
pub fn ok(project: &Path, args: &[&str]) -> String {
    let o = shoplab(project, args);
    assert!(
        o.status.success(),
        "shoplab {args:?} failed:\nstdout: {}\nstderr: {}",
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

/// Runs with `--json` and parses stdout.
pub fn json(project: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = ok(project, &all);
    serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("shoplab {args:?} printed invalid JSON ({e}):\n{out}"))
}

/// A new empty project in a temp folder.
pub fn new_project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("shop");
    let o = Command::new(bin())
        .arg("new")
        .arg(&root)
        .output()
        .expect("runs");
    assert!(o.status.success(), "new failed: {}", stderr(&o));
    (dir, root)
}

/// A small catalog in the canonical CSV layout.
pub const CATALOG: &str = "item_id,title,description,brand,category,price,image_url,attr:colour
P1,Red cotton t-shirt,Soft tee,Acme,Fashion > Shirts,12.5,,red
P2,Blue denim jeans,Slim fit,Acme,Fashion > Trousers,40,,blue
P3,Wireless headphones,Noise cancelling,Sonix,Electronics > Audio,99.9,,black
P4,红色棉质T恤,纯棉短袖,Acme,Fashion > Shirts,15,,red
";

/// Events over the catalog above.
pub const EVENTS: &str = "timestamp,user_id,session_id,item_id,event,query,value,position
1700000000,U1,S1,P1,view,,,
1700000010,U1,S1,P1,purchase,,,
1700000020,U2,S2,P2,view,,,
1700000030,U2,S2,P3,cart,,,
1700000040,U3,S3,P3,click,headphones,,1
1700000050,U3,S3,P4,view,,,
";

/// Counts rows of a table with the sqlite store closed (via the CLI's stats).
pub fn stats(project: &Path) -> serde_json::Value {
    json(project, &["stats"])
}

/// True when pytrec_eval (trec_eval's code, the outside oracle of the TREC
/// export tests) can be imported. Under CI its absence fails the test
/// (`.ci/run` installs it); elsewhere the test prints a skip line.
pub fn pytrec_eval_available(what: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import pytrec_eval"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but `python3 -c 'import pytrec_eval'` fails: .ci/run installs it (pip install pytrec-eval-terrier)"
        );
        // The skip line is the test's output (shown with --nocapture and in CI logs).
        #[allow(clippy::print_stdout)]
        {
            println!(
                "SKIPPED: pytrec_eval is not installed (pip install pytrec-eval-terrier), so {what} were not re-scored"
            );
        }
    }
    ok
}

/// pytrec_eval's per-query values and means for a qrels / run pair
/// (`tests/oracle/trec_check.py`, at relevance level `level`).
pub fn trec_oracle(qrels: &Path, run: &Path, ks: &str, level: i64) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/trec_check.py");
    let o = Command::new("python3")
        .arg(script)
        .arg(qrels)
        .arg(run)
        .arg(ks)
        .args(["--relevance-level", &level.to_string()])
        .output()
        .expect("python3 runs");
    assert!(
        o.status.success(),
        "trec_check.py failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("trec_check.py prints JSON")
}

/// A new project beside a generated synthetic shop (`shoplab generate`, 400K
/// events with `seed`) whose catalog is already imported: the setting of the
/// kill, Ctrl-C and re-export tests. Returns the temp folder, the project and
/// the generated data folder (its `events.csv` is left to the test).
pub fn shop_with_catalog(seed: u64) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (dir, root) = new_project();
    let data = dir.path().join("data");
    let seed = seed.to_string();
    ok(
        &root,
        &[
            "generate",
            data.to_str().unwrap(),
            "--size",
            "400000",
            "--seed",
            &seed,
        ],
    );
    ok(
        &root,
        &["import", data.join("catalog.csv").to_str().unwrap()],
    );
    (dir, root, data)
}
