//! The one trainer every gradient-trained model uses.
//!
//! A model implements [`Trainable`] (its parameters as named candle `Var`s,
//! a loss for a batch of example indices, a servable snapshot); [`train`]
//! does the rest: seeded shuffling (epoch `n`'s order and negatives depend
//! only on `(seed, n)`), the optimiser, the learning-rate schedule,
//! validation with early stopping (restoring the best epoch's weights), a
//! checkpoint per epoch with resume, a clean stop on NaN/inf loss, progress,
//! live curves and cancel.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor, Var};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use shoplab_datasets::{
    CancelToken, Interactions, ModelState, Progress, Recommender, Sequences, Weighting,
};

use crate::device::DeviceChoice;
use crate::error::{Error, Result};
use crate::item_text::ItemText;
use crate::validate;

/// The optimiser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// Adam (Kingma & Ba); `weight_decay` is an L2 term added to the gradient (as torch.optim.Adam).
    #[default]
    Adam,
    /// AdamW: Adam with decoupled weight decay (as torch.optim.AdamW).
    Adamw,
    /// Plain stochastic gradient descent; `weight_decay` is an L2 term.
    Sgd,
}

/// How the learning rate changes over the epochs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LrSchedule {
    /// The same rate every epoch.
    #[default]
    Constant,
    /// Cosine decay from `learning_rate` to 0 over `epochs`.
    Cosine,
    /// Multiplied by `lr_gamma` every `lr_step_epochs` epochs.
    Step,
}

/// The training settings every SGD model shares. Models keep these as their
/// own serde fields (with their own defaults) and hand them over with
/// `train_config()`; this struct is never flattened into a spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Passes over the training data (upper bound with early stopping).
    pub epochs: usize,
    /// Positive examples per mini-batch.
    pub batch_size: usize,
    /// Initial learning rate.
    pub learning_rate: f64,
    /// Optimiser.
    pub optimizer: OptimizerKind,
    /// L2 (Adam, SGD) or decoupled (AdamW) weight decay.
    pub weight_decay: f64,
    /// Learning-rate schedule.
    pub lr_schedule: LrSchedule,
    /// Step schedule: epochs between decays.
    pub lr_step_epochs: usize,
    /// Step schedule: factor applied at each decay.
    pub lr_gamma: f64,
    /// Validations without improvement before stopping (0 = never stop early).
    pub patience: usize,
    /// Validate every this many epochs (0 = never validate).
    pub validate_every: usize,
    /// Sampled negative items per positive.
    pub negatives: usize,
    /// Seed of initialisation, shuffling, negatives and dropout.
    pub seed: u64,
}

impl TrainConfig {
    /// Checks every field; errors name the field (as written in a spec) and its range.
    pub fn validate(&self) -> Result<()> {
        validate::int_in("epochs", self.epochs, 1, 100_000)?;
        validate::int_in("batch_size", self.batch_size, 1, 1 << 24)?;
        validate::float_above("learning_rate", self.learning_rate, 0.0, 1e6)?;
        validate::float_in("weight_decay", self.weight_decay, 0.0, 1e3)?;
        validate::int_in("lr_step_epochs", self.lr_step_epochs, 1, 100_000)?;
        validate::float_above("lr_gamma", self.lr_gamma, 0.0, 1.0)?;
        validate::int_in("patience", self.patience, 0, 100_000)?;
        validate::int_in("validate_every", self.validate_every, 0, 100_000)?;
        validate::int_in("negatives", self.negatives, 1, 1000)?;
        Ok(())
    }

    /// The learning rate of `epoch` (0-based).
    pub fn lr_at(&self, epoch: usize) -> f64 {
        match self.lr_schedule {
            LrSchedule::Constant => self.learning_rate,
            LrSchedule::Cosine => {
                let t = epoch as f64 / self.epochs.max(1) as f64;
                self.learning_rate * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
            }
            LrSchedule::Step => {
                self.learning_rate
                    * self
                        .lr_gamma
                        .powi((epoch / self.lr_step_epochs.max(1)) as i32)
            }
        }
    }
}

/// What a model trains on.
#[derive(Clone, Copy)]
pub struct TrainData<'a> {
    /// The training interactions (dense user and item indices).
    pub train: &'a Interactions,
    /// How repeated / typed events become weights (iALS confidence).
    pub weighting: Weighting,
    /// The training events per user in time order (sequential models).
    pub sequences: &'a Sequences,
    /// Each catalog item's text (title, brand, category), by item index,
    /// when the catalog has it (the two-tower model's item tower reads it).
    pub item_text: Option<&'a [ItemText]>,
}

impl std::fmt::Debug for TrainData<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrainData")
            .field("events", &self.train.len())
            .field("weighting", &self.weighting)
            .field("item_text", &self.item_text.map(<[ItemText]>::len))
            .finish()
    }
}

/// Scores a model during training on held-out data (the engine implements it
/// as full ranking on the validation split, with the test's metric code).
pub trait Validator: Sync {
    /// Name of the metric, e.g. `ndcg@10` (higher is better).
    fn metric_name(&self) -> String;
    /// The metric of `model`; may stop early (with an error) when `cancel` fires.
    fn validate(&self, model: &dyn Recommender, cancel: &CancelToken) -> Result<f64, String>;
}

/// How a fit reports, stops, validates and checkpoints.
#[derive(Clone, Copy)]
pub struct FitContext<'a> {
    /// Receives stage `train <model>`, per-batch advances and live metrics.
    pub progress: &'a dyn Progress,
    /// Checked every batch; a cancelled fit returns [`Error::Cancelled`].
    pub cancel: &'a CancelToken,
    /// Early stopping and validation curves, when given.
    pub validator: Option<&'a dyn Validator>,
    /// Folder for the per-epoch checkpoint (no checkpoint when `None`).
    pub checkpoint_dir: Option<&'a Path>,
    /// Identifies the run: a checkpoint with another key is ignored (fresh start).
    pub resume_key: &'a str,
    /// Where to compute.
    pub device: DeviceChoice,
}

impl std::fmt::Debug for FitContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FitContext")
            .field("checkpoint_dir", &self.checkpoint_dir)
            .field("resume_key", &self.resume_key)
            .field("device", &self.device)
            .finish()
    }
}

/// A model the trainer can fit.
pub trait Trainable {
    /// Short model name (`bpr`), used in the progress stage `train <name>`.
    fn name(&self) -> &str;
    /// The parameters to optimise, named (names are checkpoint keys), in a fixed order.
    fn vars(&self) -> Vec<(String, Var)>;
    /// Number of training examples; the trainer shuffles `0..n_examples()` each epoch.
    fn n_examples(&self) -> usize;
    /// The scalar mean loss of the given examples. `rng` is seeded per epoch;
    /// draw negatives and dropout from it (in batch order) so runs repeat.
    fn batch_loss(&self, examples: &[u32], rng: &mut ChaCha8Rng) -> Result<Tensor>;
    /// A servable model from the current weights (copies them).
    fn snapshot(&self) -> Result<Box<dyn Recommender>>;

    /// True when the model can write its gradients by hand on the CPU
    /// ([`Trainable::host_gradients`]) instead of going through autodiff.
    fn has_host_gradients(&self) -> bool {
        false
    }

    /// On the CPU, when [`Trainable::has_host_gradients`]: the batch's mean
    /// loss, with the gradient of every var (in [`Trainable::vars`] order,
    /// row-major) written into `grads` (zeroed by the trainer). It must draw
    /// from `rng` exactly as [`Trainable::batch_loss`] does, so both paths
    /// train the same model.
    fn host_gradients(
        &self,
        _examples: &[u32],
        _rng: &mut ChaCha8Rng,
        _grads: &mut [Vec<f32>],
    ) -> Result<f64> {
        Err(Error::State(format!(
            "{} has no host gradients",
            self.name()
        )))
    }
}

/// The [`TrainConfig`] of a model's params: each model keeps the trainer's
/// settings as its own serde fields (so a partial spec file keeps that
/// model's defaults) under these names; `negatives` is the params' own
/// field, or given when the model has none (the sequential models draw one).
macro_rules! train_config_of {
    ($p:expr) => {
        $crate::train::train_config_of!($p, $p.negatives)
    };
    ($p:expr, $negatives:expr) => {
        $crate::train::TrainConfig {
            epochs: $p.epochs,
            batch_size: $p.batch_size,
            learning_rate: $p.learning_rate,
            optimizer: $p.optimizer,
            weight_decay: $p.weight_decay,
            lr_schedule: $p.lr_schedule,
            lr_step_epochs: $p.lr_step_epochs,
            lr_gamma: $p.lr_gamma,
            patience: $p.patience,
            validate_every: $p.validate_every,
            negatives: $negatives,
            seed: $p.seed,
        }
    };
}
pub(crate) use train_config_of;

/// What happened during training.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    /// Epochs completed (including those done before a resume).
    pub epochs_run: usize,
    /// Mean training loss per completed epoch.
    pub loss_curve: Vec<f64>,
    /// `(epoch, metric)` per validation (1-based epochs).
    pub valid_curve: Vec<(usize, f64)>,
    /// The validation metric's name, when validated.
    pub metric_name: Option<String>,
    /// Epoch (1-based) whose weights were kept, when validated.
    pub best_epoch: Option<usize>,
    /// Best validation value.
    pub best_metric: Option<f64>,
    /// True when patience ran out before `epochs`.
    pub stopped_early: bool,
    /// Epochs already done in the checkpoint this run resumed from.
    pub resumed_from: Option<usize>,
    /// Where the model trained (`cpu`, `cuda:0`).
    pub device: String,
    /// One line when the device asked for was not the one used (e.g. `auto`
    /// on a build without GPU support).
    #[serde(default)]
    pub device_note: Option<String>,
}

/// The per-epoch RNG: a ChaCha stream selected by the epoch, so epoch `n`
/// draws the same numbers whether or not earlier epochs ran in this process.
pub fn epoch_rng(seed: u64, epoch: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(epoch as u64 + 1);
    rng
}

/// The RNG for weight initialisation (stream 0, apart from every epoch's).
pub fn init_rng(seed: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(0);
    rng
}

/// Adam moments of one parameter: host vectors updated by the fused CPU
/// step, or tensors on a GPU.
enum Moments {
    Host { m: Vec<f32>, v: Vec<f32> },
    Device { m: Tensor, v: Tensor },
}

struct Slot {
    name: String,
    var: Var,
    moments: Moments,
}

impl Slot {
    fn moments_f32(&self) -> Result<(Vec<f32>, Vec<f32>)> {
        Ok(match &self.moments {
            Moments::Host { m, v } => (m.clone(), v.clone()),
            Moments::Device { m, v } => (tensor_f32(m)?, tensor_f32(v)?),
        })
    }

    fn set_moments(&mut self, m: &[f32], v: &[f32]) -> Result<()> {
        match &mut self.moments {
            Moments::Host { m: hm, v: hv } => {
                hm.copy_from_slice(m);
                hv.copy_from_slice(v);
            }
            Moments::Device { m: dm, v: dv } => {
                *dm = Tensor::from_slice(m, dm.dims(), dm.device())?;
                *dv = Tensor::from_slice(v, dv.dims(), dv.device())?;
            }
        }
        Ok(())
    }
}

/// Adam / AdamW / SGD over named vars, with moments the checkpoint can save.
///
/// On the CPU one fused in-place pass updates parameter and moments (a
/// chain of a dozen tensor ops over the full embedding tables dominated a
/// BPR epoch); on a GPU the same update runs as tensor ops.
struct Optim {
    kind: OptimizerKind,
    weight_decay: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    step_t: u64,
    slots: Vec<Slot>,
}

/// The fused CPU update of one parameter (see [`Optim`]).
struct HostStep<'a> {
    kind: OptimizerKind,
    lr: f32,
    wd: f32,
    b1: f32,
    b2: f32,
    scale_m: f32,
    scale_v: f32,
    eps: f32,
    m: std::sync::Mutex<&'a mut [f32]>,
    v: std::sync::Mutex<&'a mut [f32]>,
    /// The gradient, when the model wrote it on the host (else the op's second tensor).
    grad: Option<&'a [f32]>,
}

impl candle_core::InplaceOp1 for HostStep<'_> {
    fn name(&self) -> &'static str {
        "shoplab-optimizer-step-host"
    }

    fn cpu_fwd(
        &self,
        s1: &mut candle_core::CpuStorage,
        l1: &candle_core::Layout,
    ) -> candle_core::Result<()> {
        let candle_core::CpuStorage::F32(theta) = s1 else {
            candle_core::bail!("the optimizer step needs f32 parameters");
        };
        let Some((t0, t1)) = l1.contiguous_offsets() else {
            candle_core::bail!("the optimizer step needs contiguous tensors");
        };
        let Some(grad) = self.grad else {
            candle_core::bail!("the optimizer step has no gradient");
        };
        self.apply(&mut theta[t0..t1], grad)
    }
}

impl candle_core::InplaceOp2 for HostStep<'_> {
    fn name(&self) -> &'static str {
        "shoplab-optimizer-step"
    }

    fn cpu_fwd(
        &self,
        s1: &mut candle_core::CpuStorage,
        l1: &candle_core::Layout,
        s2: &candle_core::CpuStorage,
        l2: &candle_core::Layout,
    ) -> candle_core::Result<()> {
        use candle_core::CpuStorage;
        let (CpuStorage::F32(theta), CpuStorage::F32(grad)) = (s1, s2) else {
            candle_core::bail!("the optimizer step needs f32 parameters");
        };
        let (Some((t0, t1)), Some((g0, g1))) = (l1.contiguous_offsets(), l2.contiguous_offsets())
        else {
            candle_core::bail!("the optimizer step needs contiguous tensors");
        };
        self.apply(&mut theta[t0..t1], &grad[g0..g1])
    }
}

impl HostStep<'_> {
    /// Updates `theta` (and the moments) from `grad`, in place.
    fn apply(&self, theta: &mut [f32], grad: &[f32]) -> candle_core::Result<()> {
        use rayon::prelude::*;
        let (Ok(mut m), Ok(mut v)) = (self.m.lock(), self.v.lock()) else {
            candle_core::bail!("the optimizer state was poisoned by an earlier panic");
        };
        if theta.len() != grad.len() || m.len() != theta.len() || v.len() != theta.len() {
            candle_core::bail!("the optimizer step got tensors of different sizes");
        }
        // One branch-free loop per optimiser so the compiler vectorises it.
        let (lr, wd, b1, b2, eps) = (self.lr, self.wd, self.b1, self.b2, self.eps);
        let (lr_m, scale_v) = (self.lr * self.scale_m, self.scale_v);
        let l2 = if self.kind == OptimizerKind::Adamw {
            0.0
        } else {
            wd
        };
        let shrink = if self.kind == OptimizerKind::Adamw {
            1.0 - lr * wd
        } else {
            1.0
        };
        let kind = self.kind;
        const CHUNK: usize = 1 << 15;
        theta
            .par_chunks_mut(CHUNK)
            .zip(grad.par_chunks(CHUNK))
            .zip(m.par_chunks_mut(CHUNK))
            .zip(v.par_chunks_mut(CHUNK))
            .for_each(|(((t, g), m), v)| match kind {
                OptimizerKind::Sgd => {
                    for (t, &g) in t.iter_mut().zip(g) {
                        *t -= lr * (g + l2 * *t);
                    }
                }
                OptimizerKind::Adam | OptimizerKind::Adamw => {
                    for (((t, &g), m), v) in t.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut())
                    {
                        let g = g + l2 * *t;
                        *m = b1 * *m + (1.0 - b1) * g;
                        *v = b2 * *v + (1.0 - b2) * g * g;
                        *t = *t * shrink - lr_m * *m / ((*v * scale_v).sqrt() + eps);
                    }
                }
            });
        Ok(())
    }
}

impl Optim {
    fn new(vars: Vec<(String, Var)>, cfg: &TrainConfig) -> Result<Self> {
        let slots = vars
            .into_iter()
            .map(|(name, var)| {
                let moments = if var.device().is_cpu() && var.dtype() == DType::F32 {
                    let n = var.elem_count();
                    Moments::Host {
                        m: vec![0.0; n],
                        v: vec![0.0; n],
                    }
                } else {
                    Moments::Device {
                        m: var.zeros_like()?,
                        v: var.zeros_like()?,
                    }
                };
                Ok(Slot { name, var, moments })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Optim {
            kind: cfg.optimizer,
            weight_decay: cfg.weight_decay,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            step_t: 0,
            slots,
        })
    }

    /// Bias corrections of the next step (and counts it).
    fn next_step(&mut self) -> (f64, f64) {
        self.step_t += 1;
        let t = self.step_t.min(i32::MAX as u64) as i32;
        (
            1.0 / (1.0 - self.beta1.powi(t)),
            1.0 / (1.0 - self.beta2.powi(t)),
        )
    }

    fn host_op<'a>(
        &self,
        lr: f64,
        (scale_m, scale_v): (f64, f64),
        m: &'a mut [f32],
        v: &'a mut [f32],
        grad: Option<&'a [f32]>,
    ) -> HostStep<'a> {
        HostStep {
            kind: self.kind,
            lr: lr as f32,
            wd: self.weight_decay as f32,
            b1: self.beta1 as f32,
            b2: self.beta2 as f32,
            scale_m: scale_m as f32,
            scale_v: scale_v as f32,
            eps: self.eps as f32,
            m: std::sync::Mutex::new(m),
            v: std::sync::Mutex::new(v),
            grad,
        }
    }

    /// One step from gradients the model wrote on the host (one per var, in order).
    fn step_host(&mut self, grads: &[Vec<f32>], lr: f64) -> Result<()> {
        let scales = self.next_step();
        let mut slots = std::mem::take(&mut self.slots);
        let r = (|| {
            for (s, g) in slots.iter_mut().zip(grads) {
                let Moments::Host { m, v } = &mut s.moments else {
                    return Err(Error::Device("host gradients need CPU parameters".into()));
                };
                let op = self.host_op(lr, scales, m, v, Some(g));
                s.var.as_tensor().inplace_op1(&op)?;
            }
            Ok(())
        })();
        self.slots = slots;
        r
    }

    fn step(&mut self, grads: &candle_core::backprop::GradStore, lr: f64) -> Result<()> {
        let (scale_m, scale_v) = self.next_step();
        let wd = self.weight_decay;
        let (b1, b2) = (self.beta1, self.beta2);
        let kind = self.kind;
        let mut slots = std::mem::take(&mut self.slots);
        let r = (|| {
            for s in &mut slots {
                let Some(g) = grads.get(s.var.as_tensor()) else {
                    continue;
                };
                match &mut s.moments {
                    Moments::Host { m, v } => {
                        let g = g.contiguous()?;
                        let op = self.host_op(lr, (scale_m, scale_v), m, v, None);
                        s.var.as_tensor().inplace_op2(&g, &op)?;
                    }
                    Moments::Device { m, v } => {
                        let theta = s.var.as_tensor();
                        let g = if wd > 0.0 && kind != OptimizerKind::Adamw {
                            (g + (theta * wd)?)?
                        } else {
                            g.clone()
                        };
                        let next = match kind {
                            OptimizerKind::Sgd => (theta - (g * lr)?)?,
                            OptimizerKind::Adam | OptimizerKind::Adamw => {
                                *m = ((&*m * b1)? + (&g * (1.0 - b1))?)?;
                                *v = ((&*v * b2)? + (g.sqr()? * (1.0 - b2))?)?;
                                let upd = ((&*m * (lr * scale_m))?
                                    / ((&*v * scale_v)?.sqrt()? + self.eps)?)?;
                                let theta = if kind == OptimizerKind::Adamw && wd > 0.0 {
                                    (theta * (1.0 - lr * wd))?
                                } else {
                                    theta.clone()
                                };
                                (theta - upd)?
                            }
                        };
                        s.var.set(&next)?;
                    }
                }
            }
            Ok(())
        })();
        self.slots = slots;
        r
    }
}

/// Format tag of checkpoints; a checkpoint with another tag is ignored.
const CHECKPOINT_FORMAT: &str = "shoplab-checkpoint-1";
const CHECKPOINT_FILE: &str = "checkpoint.safetensors";

/// Where the checkpoint of `dir` lives.
pub fn checkpoint_path(dir: &Path) -> PathBuf {
    dir.join(CHECKPOINT_FILE)
}

/// Training progress that survives a restart.
struct Resume {
    epochs_done: usize,
    loss_curve: Vec<f64>,
    valid_curve: Vec<(usize, f64)>,
    best: Option<(usize, f64)>,
    best_weights: Option<Vec<Tensor>>,
    bad_validations: usize,
    finished: bool,
}

fn tensor_f32(t: &Tensor) -> Result<Vec<f32>> {
    Ok(t.flatten_all()?.to_dtype(DType::F32)?.to_vec1::<f32>()?)
}

fn f64_bits(v: &[f64]) -> Vec<i64> {
    v.iter().map(|x| x.to_bits() as i64).collect()
}

fn from_bits(v: &[i64]) -> Vec<f64> {
    v.iter().map(|&b| f64::from_bits(b as u64)).collect()
}

fn save_checkpoint(dir: &Path, key: &str, opt: &Optim, r: &Resume) -> Result<()> {
    let mut st = ModelState::new();
    st.meta("format", CHECKPOINT_FORMAT)
        .meta("resume_key", key)
        .meta("epochs_done", r.epochs_done)
        .meta("step_t", opt.step_t)
        .meta("bad_validations", r.bad_validations)
        .meta("finished", r.finished);
    if let Some((e, v)) = r.best {
        st.meta("best_epoch", e)
            .meta("best_metric_bits", v.to_bits());
    }
    for (i, s) in opt.slots.iter().enumerate() {
        let dims = s.var.dims().to_vec();
        st.push_f32(
            &format!("var.{}", s.name),
            &dims,
            tensor_f32(s.var.as_tensor())?,
        );
        let (m, v) = s.moments_f32()?;
        st.push_f32(&format!("m.{}", s.name), &dims, m);
        st.push_f32(&format!("v.{}", s.name), &dims, v);
        if let Some(b) = &r.best_weights {
            st.push_f32(&format!("best.{}", s.name), &dims, tensor_f32(&b[i])?);
        }
    }
    st.push_i64("loss_curve", &[r.loss_curve.len()], f64_bits(&r.loss_curve));
    let (ve, vv): (Vec<i64>, Vec<f64>) = r.valid_curve.iter().map(|&(e, v)| (e as i64, v)).unzip();
    st.push_i64("valid_epochs", &[ve.len()], ve);
    st.push_i64("valid_values", &[vv.len()], f64_bits(&vv));
    let bytes = st
        .to_safetensors()
        .map_err(|e| Error::State(format!("cannot encode the checkpoint: {e}")))?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = checkpoint_path(dir);
    let tmp = dir.join(format!("{CHECKPOINT_FILE}.tmp"));
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    Ok(())
}

/// Reads the checkpoint in `dir` into `opt` when it belongs to this run
/// (same key, format and parameter shapes); `None` means start fresh.
fn load_checkpoint(dir: &Path, key: &str, opt: &mut Optim, device: &Device) -> Option<Resume> {
    let path = checkpoint_path(dir);
    let bytes = std::fs::read(&path).ok()?;
    let st = ModelState::from_safetensors(&bytes).ok()?;
    if st.get_meta("format") != Some(CHECKPOINT_FORMAT) || st.get_meta("resume_key") != Some(key) {
        tracing::info!(
            "checkpoint {} belongs to another run; starting fresh",
            path.display()
        );
        return None;
    }
    let num = |k: &str| st.get_meta(k).and_then(|v| v.parse::<u64>().ok());
    let epochs_done = num("epochs_done")? as usize;
    let step_t = num("step_t")?;
    let bad_validations = num("bad_validations")? as usize;
    let finished = st.get_meta("finished") == Some("true");
    let best = match (num("best_epoch"), num("best_metric_bits")) {
        (Some(e), Some(b)) => Some((e as usize, f64::from_bits(b))),
        _ => None,
    };
    let read = |name: &str, dims: &[usize]| -> Option<Tensor> {
        let (_, v) = st.f32(name, Some(dims)).ok()?;
        Tensor::from_slice(v, dims, device).ok()
    };
    let host =
        |name: &str, dims: &[usize]| -> Option<&[f32]> { Some(st.f32(name, Some(dims)).ok()?.1) };
    let mut vals = Vec::new();
    let mut best_weights = Vec::new();
    for s in &opt.slots {
        let dims = s.var.dims().to_vec();
        vals.push((
            read(&format!("var.{}", s.name), &dims)?,
            host(&format!("m.{}", s.name), &dims)?,
            host(&format!("v.{}", s.name), &dims)?,
        ));
        if best.is_some() {
            best_weights.push(read(&format!("best.{}", s.name), &dims)?);
        }
    }
    let loss_curve = from_bits(st.i64("loss_curve", None).ok()?.1);
    let ve = st.i64("valid_epochs", None).ok()?.1.to_vec();
    let vv = from_bits(st.i64("valid_values", None).ok()?.1);
    for (s, (w, m, v)) in opt.slots.iter_mut().zip(vals) {
        s.var.set(&w).ok()?;
        s.set_moments(m, v).ok()?;
    }
    opt.step_t = step_t;
    Some(Resume {
        epochs_done,
        loss_curve,
        valid_curve: ve.into_iter().map(|e| e as usize).zip(vv).collect(),
        best,
        best_weights: best.map(|_| best_weights),
        bad_validations,
        finished,
    })
}

/// Fits `model` with `cfg`: see the module documentation. On success the
/// model's vars hold the final weights (the best validated epoch's when a
/// validator was given).
pub fn train(
    model: &dyn Trainable,
    cfg: &TrainConfig,
    ctx: &FitContext<'_>,
    device: &Device,
) -> Result<TrainReport> {
    cfg.validate()?;
    let n = model.n_examples();
    let batches = n.div_ceil(cfg.batch_size).max(1);
    let mut opt = Optim::new(model.vars(), cfg)?;
    let mut r = ctx
        .checkpoint_dir
        .and_then(|d| load_checkpoint(d, ctx.resume_key, &mut opt, device))
        .unwrap_or(Resume {
            epochs_done: 0,
            loss_curve: Vec::new(),
            valid_curve: Vec::new(),
            best: None,
            best_weights: None,
            bad_validations: 0,
            finished: false,
        });
    let resumed_from = (r.epochs_done > 0).then_some(r.epochs_done);
    let metric_name = ctx.validator.map(|v| v.metric_name());
    let progress = ctx.progress;
    progress.stage(
        &format!("train {}", model.name()),
        Some((cfg.epochs * batches) as u64),
    );
    progress.advance((r.epochs_done.min(cfg.epochs) * batches) as u64);
    for &l in &r.loss_curve {
        progress.metric("loss", l);
    }
    if let Some(name) = &metric_name {
        for &(_, v) in &r.valid_curve {
            progress.metric(&format!("valid {name}"), v);
        }
    }
    let mut order: Vec<u32> = (0..n as u32).collect();
    // Hand-written CPU gradients skip autodiff's per-op allocations and
    // candle's spin-waiting element-wise pool.
    let mut host_grads: Option<Vec<Vec<f32>>> = (model.has_host_gradients()
        && opt
            .slots
            .iter()
            .all(|s| matches!(s.moments, Moments::Host { .. })))
    .then(|| {
        opt.slots
            .iter()
            .map(|s| vec![0f32; s.var.elem_count()])
            .collect()
    });
    let mut stopped_early = r.finished && r.epochs_done < cfg.epochs;
    while !r.finished && r.epochs_done < cfg.epochs {
        let epoch = r.epochs_done;
        let lr = cfg.lr_at(epoch);
        let mut rng = epoch_rng(cfg.seed, epoch);
        order
            .iter_mut()
            .enumerate()
            .for_each(|(i, o)| *o = i as u32);
        order.shuffle(&mut rng);
        let mut loss_sum = 0.0f64;
        for (b, chunk) in order.chunks(cfg.batch_size).enumerate() {
            if ctx.cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let diverged = |loss: f64| Error::Diverged {
                epoch: epoch + 1,
                batch: b + 1,
                loss,
            };
            let l = if let Some(g) = host_grads.as_mut() {
                g.iter_mut().for_each(|g| g.fill(0.0));
                let l = model.host_gradients(chunk, &mut rng, g)?;
                if !l.is_finite() {
                    return Err(diverged(l));
                }
                opt.step_host(g, lr)?;
                l
            } else {
                let loss = model.batch_loss(chunk, &mut rng)?;
                let grads = loss.backward()?;
                let l = loss.to_dtype(DType::F64)?.to_scalar::<f64>()?;
                if !l.is_finite() {
                    return Err(diverged(l));
                }
                opt.step(&grads, lr)?;
                l
            };
            loss_sum += l * chunk.len() as f64;
            progress.advance(1);
        }
        let mean = loss_sum / n.max(1) as f64;
        r.loss_curve.push(mean);
        progress.metric("loss", mean);
        r.epochs_done = epoch + 1;
        let due = cfg.validate_every > 0
            && (r.epochs_done.is_multiple_of(cfg.validate_every) || r.epochs_done == cfg.epochs);
        if let (Some(v), true) = (ctx.validator, due) {
            let snap = model.snapshot()?;
            let value = v.validate(snap.as_ref(), ctx.cancel).map_err(|e| {
                if ctx.cancel.is_cancelled() {
                    Error::Cancelled
                } else {
                    Error::State(format!("validation failed: {e}"))
                }
            })?;
            r.valid_curve.push((r.epochs_done, value));
            if let Some(name) = &metric_name {
                progress.metric(&format!("valid {name}"), value);
            }
            if r.best.is_none_or(|(_, b)| value > b) {
                r.best = Some((r.epochs_done, value));
                r.bad_validations = 0;
                r.best_weights = Some(
                    opt.slots
                        .iter()
                        .map(|s| s.var.as_tensor().copy())
                        .collect::<candle_core::Result<Vec<_>>>()?,
                );
            } else {
                r.bad_validations += 1;
                if cfg.patience > 0 && r.bad_validations >= cfg.patience {
                    r.finished = true;
                    stopped_early = r.epochs_done < cfg.epochs;
                }
            }
        }
        if let Some(dir) = ctx.checkpoint_dir {
            save_checkpoint(dir, ctx.resume_key, &opt, &r)?;
        }
    }
    if let Some(best) = &r.best_weights {
        for (s, w) in opt.slots.iter().zip(best) {
            s.var.set(w)?;
        }
    }
    progress.finish_stage();
    Ok(TrainReport {
        epochs_run: r.epochs_done,
        loss_curve: r.loss_curve,
        valid_curve: r.valid_curve,
        metric_name,
        best_epoch: r.best.map(|b| b.0),
        best_metric: r.best.map(|b| b.1),
        stopped_early,
        resumed_from,
        device: crate::device::device_name(device),
        device_note: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fused CPU step equals the tensor-op step (the GPU path) for every optimiser.
    #[test]
    fn fused_cpu_step_matches_the_tensor_step() {
        let dev = Device::Cpu;
        let theta0: Vec<f32> = (0..96)
            .map(|i| ((i * 37 % 19) as f32 - 9.0) / 7.0)
            .collect();
        let grads: Vec<Vec<f32>> = (0..3)
            .map(|s| {
                (0..96)
                    .map(|i| ((i * 13 + s * 5) % 11) as f32 / 5.0 - 1.0)
                    .collect()
            })
            .collect();
        for kind in [
            OptimizerKind::Adam,
            OptimizerKind::Adamw,
            OptimizerKind::Sgd,
        ] {
            let cfg = TrainConfig {
                optimizer: kind,
                weight_decay: 0.1,
                ..crate::bpr::BprParams::default().train_config()
            };
            let run = |host: bool| -> Vec<f32> {
                let var = Var::from_slice(&theta0, (8, 12), &dev).unwrap_or_else(|e| panic!("{e}"));
                let mut opt = Optim::new(vec![("w".into(), var.clone())], &cfg)
                    .unwrap_or_else(|e| panic!("{e}"));
                if !host {
                    let z = var.zeros_like().unwrap_or_else(|e| panic!("{e}"));
                    opt.slots[0].moments = Moments::Device { m: z.clone(), v: z };
                }
                for g in &grads {
                    let g = Tensor::from_slice(g, (8, 12), &dev).unwrap_or_else(|e| panic!("{e}"));
                    // d(sum(w * g))/dw = g.
                    let loss = (var.as_tensor() * &g).and_then(|x| x.sum_all());
                    let grads = loss
                        .and_then(|l| l.backward())
                        .unwrap_or_else(|e| panic!("{e}"));
                    opt.step(&grads, 0.01).unwrap_or_else(|e| panic!("{e}"));
                }
                tensor_f32(var.as_tensor()).unwrap_or_else(|e| panic!("{e}"))
            };
            let (a, b) = (run(true), run(false));
            assert_ne!(a, theta0);
            for (x, y) in a.iter().zip(&b) {
                assert!((x - y).abs() < 1e-6, "{kind:?}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn schedules_and_epoch_streams() {
        let base = crate::bpr::BprParams::default().train_config();
        let cos = TrainConfig {
            lr_schedule: LrSchedule::Cosine,
            epochs: 10,
            ..base.clone()
        };
        assert_eq!(cos.lr_at(0), base.learning_rate);
        assert!((cos.lr_at(5) - base.learning_rate / 2.0).abs() < 1e-12);
        let step = TrainConfig {
            lr_schedule: LrSchedule::Step,
            lr_step_epochs: 2,
            lr_gamma: 0.1,
            ..base.clone()
        };
        assert!((step.lr_at(4) - base.learning_rate * 0.01).abs() < 1e-15);
        use rand::RngExt;
        let draw = |s, e| epoch_rng(s, e).random::<u64>();
        assert_eq!(draw(1, 3), draw(1, 3));
        assert_ne!(draw(1, 3), draw(1, 4));
        assert_ne!(draw(1, 0), init_rng(1).random::<u64>());
    }
}
