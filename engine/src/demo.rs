//! The bundled demo shop: a small synthetic shop generated on the spot,
//! imported, indexed and trained with every baseline, in about a second.
//! The CLI's `shoplab demo` and the app's "Open the demo shop" both build it
//! here, so a workshop sees the same shop in either face.

use std::path::{Path, PathBuf};

use shoplab_datasets::read::ReadOptions;
use shoplab_datasets::synthetic::{Shop, ShopSpec};
use shoplab_datasets::{CancelToken, Progress};

use crate::error::{Error, Result};
use crate::project::{IndexReport, Project, open_layout};
use crate::recommend::ModelSpec;
use crate::recommend::fusion::FusionParams;
use crate::run::{RunRecord, RunSpec};
use crate::split::SplitSpec;
use crate::store::{ImportOptions, ImportReport};

/// Display name that marks a folder as a demo project (safe to replace).
pub const DEMO_NAME: &str = "ShopLab demo";

/// The files of the demo shop, in import order.
pub const DEMO_FILES: [&str; 4] = ["catalog.csv", "users.csv", "events.csv", "judgments.csv"];

/// What building the demo did.
pub struct DemoBuild {
    /// The open demo project.
    pub project: Project,
    /// One report per imported file.
    pub imports: Vec<ImportReport>,
    /// The search index build.
    pub index: IndexReport,
    /// One run per model, with default settings, then the fused run (last).
    pub runs: Vec<RunRecord>,
    /// The synthetic shop's truth file (the shoppers' true tastes).
    pub truth: PathBuf,
}

/// True when `dir` holds a demo project built by [`build`].
pub fn is_demo(dir: &Path) -> bool {
    open_layout(dir).is_ok_and(|(_, s)| s.name == DEMO_NAME)
}

/// Builds the demo shop in `dir`, replacing an earlier demo there. Refuses a
/// folder that holds anything else, so nobody's data is ever deleted.
pub fn build(dir: &Path, progress: &dyn Progress, cancel: &CancelToken) -> Result<DemoBuild> {
    if dir.exists() {
        let empty = dir.read_dir().is_ok_and(|mut d| d.next().is_none());
        if is_demo(dir) {
            std::fs::remove_dir_all(dir)
                .map_err(|e| Error::io("cannot replace the earlier demo in", dir, e))?;
        } else if !empty {
            return Err(Error::invalid(
                "demo folder",
                dir.display(),
                "it exists and is not an earlier demo project; pick another (empty or new) folder",
            ));
        }
    }
    progress.stage("generate demo shop", None);
    let shop = Shop::generate(&ShopSpec::demo());
    let data = dir.join("data");
    let files = shop.write_files(&data)?;
    progress.finish_stage();

    let mut project = Project::create(dir, DEMO_NAME)?;
    let mut imports = Vec::new();
    for file in DEMO_FILES {
        imports.push(project.import(
            &data.join(file),
            &ReadOptions::default(),
            &ImportOptions::default(),
            progress,
            cancel,
        )?);
        progress.finish_stage();
    }
    let index = project.build_index(progress, cancel)?;
    progress.finish_stage();
    let mut runs = Vec::new();
    for model in ModelSpec::all_defaults()
        .into_iter()
        .chain([ModelSpec::Content(Default::default()), demo_bpr()?])
    {
        let spec = RunSpec {
            model,
            split: demo_split(),
            ..RunSpec::default()
        };
        runs.push(project.run(&spec, progress, cancel)?);
        progress.finish_stage();
    }
    let fusion = demo_fusion(&project, &runs, progress, cancel)?;
    runs.push(fusion);
    Ok(DemoBuild {
        project,
        imports,
        index,
        runs,
        truth: files.truth,
    })
}

/// The demo's split: the last 20% of events by time are the test part, the
/// 10% before them validation (what the fusion's weights and BPR's early
/// stopping read, never the test part).
pub fn demo_split() -> SplitSpec {
    SplitSpec::Temporal {
        test_fraction: 0.2,
        valid_fraction: 0.1,
        seed: SplitSpec::default().seed(),
    }
}

/// EASE (what shoppers chose together) fused with the content model (what
/// the catalog text says): two different signals, the classic hybrid. The
/// pair is fixed in advance, not picked by its test score; the weights are
/// tuned on the validation split by grid search.
fn demo_fusion(
    project: &Project,
    runs: &[RunRecord],
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<RunRecord> {
    let id = |model: &str| {
        runs.iter()
            .find(|r| r.model == model)
            .map(|r| r.id.clone())
            .ok_or_else(|| Error::Empty(format!("the demo trained no {model} run")))
    };
    let params = FusionParams {
        members: vec![id("ease")?, id("content")?],
        ..FusionParams::default()
    };
    let run = project.fuse(&params, Some("ease+content"), progress, cancel)?;
    progress.finish_stage();
    Ok(run)
}

/// BPR sized for the demo shop (a few thousand events): smaller batches
/// and a larger step than RecBole's defaults, which are tuned for MovieLens
/// and would need a hundred times as many steps here. About two seconds on
/// 2 cores.
fn demo_bpr() -> Result<ModelSpec> {
    let params = std::collections::BTreeMap::from([
        ("epochs".to_string(), "20".to_string()),
        ("batch_size".to_string(), "256".to_string()),
        ("learning_rate".to_string(), "0.01".to_string()),
    ]);
    ModelSpec::from_name_and_params("bpr", &params)
}
