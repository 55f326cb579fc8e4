//! ShopLab's learned recommenders on candle.
//!
//! One trainer ([`train`]) fits every gradient-trained model; each model
//! module has its documented serde params (`…Params`, validated with field,
//! value and range), a `fit_…` function and a `load_…` that rebuilds a
//! servable model from its saved [`shoplab_datasets::ModelState`]. This crate
//! knows ids, sequences and tensors; the engine feeds it and records runs.
//!
//! Adding a gradient-trained model: a `…Params` struct with its own serde
//! fields (the training ones too, never a flattened `TrainConfig`, so partial
//! specs keep the model's defaults) and `train_config()`; a struct
//! implementing [`Trainable`] (named `Var`s, `batch_loss` drawing negatives
//! and dropout from the epoch RNG it is given, `snapshot`); then `fit_…` =
//! [`resolve`] the device, initialise with [`init`] on [`train::init_rng`],
//! call [`train::train`], wrap the weights in a [`shoplab_datasets::Recommender`]
//! whose `state()` carries a `format` tag checked by `load_…` (see [`saved`]).
//! Add the model to [`spec::LearnedSpec`] so files, `NAME=VALUE` and the CLI reach it.

pub mod bpr;
pub mod device;
pub mod encoder;
pub mod error;
pub mod ials;
pub mod init;
pub mod item_table;
pub mod item_text;
pub mod loss;
pub mod negatives;
pub mod neumf;
pub mod saved;
pub mod sequential;
pub mod spec;
pub mod train;
pub mod two_tower;
pub mod validate;

pub use bpr::{BprModel, BprParams, fit_bpr, load_bpr};
/// The candle device type, for callers that pick or name one.
pub use candle_core::Device;
pub use device::{DeviceChoice, resolve};
pub use error::{Error, Result};
pub use item_text::{ItemText, TOKENIZER_VERSION};
pub use neumf::{NeuMfModel, NeuMfParams, fit_neumf, load_neumf};
pub use sequential::gru4rec::{Gru4RecModel, Gru4RecParams, fit_gru4rec, load_gru4rec};
pub use sequential::sasrec::{SasRecModel, SasRecParams, fit_sasrec, load_sasrec};
pub use sequential::{LossType, SeqExamples};
pub use spec::{LEARNED_MODELS, LearnedSpec, ParamDoc};
pub use train::{
    FitContext, LrSchedule, OptimizerKind, TrainConfig, TrainData, TrainReport, Trainable,
    Validator,
};
pub use two_tower::{TwoTowerModel, TwoTowerParams, fit_two_tower, load_two_tower};

/// A trained model with how its training went.
pub struct Fitted {
    /// The servable model (its `state()` is what the engine saves).
    pub model: Box<dyn shoplab_datasets::Recommender>,
    /// Loss and validation curves, best epoch, resume facts.
    pub report: TrainReport,
    /// A one-line note when `auto` fell back to the CPU.
    pub device_note: Option<String>,
}

impl std::fmt::Debug for Fitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fitted")
            .field("model", &self.model.name())
            .field("report", &self.report)
            .field("device_note", &self.device_note)
            .finish()
    }
}
