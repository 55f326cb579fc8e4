//! Which device a model computes on: `auto | cpu | cuda[:N] | metal`.

use std::fmt;
use std::str::FromStr;

use candle_core::Device;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The forms a device choice may take, for error messages.
pub const DEVICE_FORMS: &str = "auto, cpu, cuda, cuda:N (N = GPU index) or metal";

/// A requested compute device. Serialises as its text form (`cuda:1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceChoice {
    /// The first GPU when this build has one and it works, else the CPU.
    #[default]
    Auto,
    /// The CPU.
    Cpu,
    /// The NVIDIA GPU with this index (needs a build with the `cuda` feature).
    Cuda(usize),
    /// The Apple GPU (needs a build with the `metal` feature).
    Metal,
}

impl fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceChoice::Auto => f.write_str("auto"),
            DeviceChoice::Cpu => f.write_str("cpu"),
            DeviceChoice::Cuda(0) => f.write_str("cuda"),
            DeviceChoice::Cuda(n) => write!(f, "cuda:{n}"),
            DeviceChoice::Metal => f.write_str("metal"),
        }
    }
}

impl FromStr for DeviceChoice {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim().to_ascii_lowercase();
        let bad = || Error::invalid("device", s, DEVICE_FORMS);
        match t.as_str() {
            "auto" => Ok(DeviceChoice::Auto),
            "cpu" => Ok(DeviceChoice::Cpu),
            "cuda" | "gpu" => Ok(DeviceChoice::Cuda(0)),
            "metal" => Ok(DeviceChoice::Metal),
            _ => match t.strip_prefix("cuda:") {
                Some(n) => n.parse().map(DeviceChoice::Cuda).map_err(|_| bad()),
                None => Err(bad()),
            },
        }
    }
}

impl Serialize for DeviceChoice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DeviceChoice {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The device for `choice`, plus a one-line note when `auto` fell back to the CPU.
///
/// An explicit `cuda`/`metal` that cannot be used is an error (never a silent
/// CPU run); `auto` tries CUDA, then Metal, when this build has them.
pub fn resolve(choice: &DeviceChoice) -> Result<(Device, Option<String>)> {
    match choice {
        DeviceChoice::Cpu => Ok((Device::Cpu, None)),
        DeviceChoice::Cuda(n) => cuda(*n).map(|d| (d, None)),
        DeviceChoice::Metal => metal().map(|d| (d, None)),
        DeviceChoice::Auto => {
            if cfg!(feature = "cuda") {
                match cuda(0) {
                    Ok(d) => return Ok((d, None)),
                    Err(e) => {
                        return Ok((
                            Device::Cpu,
                            Some(format!("no usable GPU ({e}); training on the CPU")),
                        ));
                    }
                }
            }
            if cfg!(feature = "metal") {
                match metal() {
                    Ok(d) => return Ok((d, None)),
                    Err(e) => {
                        return Ok((
                            Device::Cpu,
                            Some(format!("no usable GPU ({e}); training on the CPU")),
                        ));
                    }
                }
            }
            Ok((
                Device::Cpu,
                Some("this build has no GPU support; training on the CPU".into()),
            ))
        }
    }
}

/// A short name of a device (`cpu`, `cuda:0`, `metal`).
pub fn device_name(device: &Device) -> String {
    match device.location() {
        candle_core::DeviceLocation::Cpu => "cpu".into(),
        candle_core::DeviceLocation::Cuda { gpu_id } => format!("cuda:{gpu_id}"),
        candle_core::DeviceLocation::Metal { gpu_id } => format!("metal:{gpu_id}"),
    }
}

#[cfg(feature = "cuda")]
fn cuda(n: usize) -> Result<Device> {
    // With candle's dynamic CUDA loading, a machine without libcuda panics
    // inside `new_cuda` instead of returning an error: turn it into one.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = std::panic::catch_unwind(|| Device::new_cuda(n));
    std::panic::set_hook(hook);
    match r {
        Ok(Ok(d)) => Ok(d),
        Ok(Err(e)) => Err(Error::Device(format!("cannot open CUDA GPU {n}: {e}"))),
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "the CUDA driver could not be loaded".into());
            Err(Error::Device(format!(
                "cannot open CUDA GPU {n}: {msg} (is the NVIDIA driver installed?)"
            )))
        }
    }
}

#[cfg(not(feature = "cuda"))]
fn cuda(_n: usize) -> Result<Device> {
    Err(Error::Device(
        "this ShopLab was built without CUDA; build it with `cargo build --release --features cuda` \
         (bench/gpu/build-cuda.sh builds one without a local GPU) or use --device cpu"
            .into(),
    ))
}

#[cfg(feature = "metal")]
fn metal() -> Result<Device> {
    Device::new_metal(0).map_err(|e| Error::Device(format!("cannot open the Metal GPU: {e}")))
}

#[cfg(not(feature = "metal"))]
fn metal() -> Result<Device> {
    Err(Error::Device(
        "this ShopLab was built without Metal; build it with `cargo build --release --features metal` \
         on a Mac or use --device cpu"
            .into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prints_and_rejects_device_choices() {
        for (s, want) in [
            ("auto", DeviceChoice::Auto),
            ("CPU", DeviceChoice::Cpu),
            ("cuda", DeviceChoice::Cuda(0)),
            ("cuda:2", DeviceChoice::Cuda(2)),
            ("metal", DeviceChoice::Metal),
        ] {
            let got: DeviceChoice = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(got, want);
            assert_eq!(got.to_string().parse::<DeviceChoice>().ok(), Some(want));
        }
        let e = "cuda:x"
            .parse::<DeviceChoice>()
            .err()
            .map(|e| e.to_string());
        let e = e.unwrap_or_default();
        assert!(e.contains("cuda:x") && e.contains("cuda:N"), "{e}");
        assert!("tpu".parse::<DeviceChoice>().is_err());
        let j = serde_json::to_string(&DeviceChoice::Cuda(1)).unwrap_or_default();
        assert_eq!(j, "\"cuda:1\"");
        assert!(serde_json::from_str::<DeviceChoice>("\"gpu9\"").is_err());
    }

    #[test]
    fn cpu_resolves_and_auto_falls_back_with_a_note() {
        let (d, note) = resolve(&DeviceChoice::Cpu).unwrap_or_else(|e| panic!("{e}"));
        assert!(d.is_cpu() && note.is_none());
        if !cfg!(feature = "cuda") && !cfg!(feature = "metal") {
            let (d, note) = resolve(&DeviceChoice::Auto).unwrap_or_else(|e| panic!("{e}"));
            assert!(d.is_cpu());
            assert!(note.unwrap_or_default().contains("CPU"));
            let e = resolve(&DeviceChoice::Cuda(0)).err().map(|e| e.to_string());
            assert!(e.unwrap_or_default().contains("--features cuda"));
        }
    }
}
