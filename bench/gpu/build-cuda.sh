#!/usr/bin/env bash
# Builds ShopLab's CUDA binary (`--features cuda`) on a machine with no GPU
# and no CUDA toolkit, for an NVIDIA Hopper GPU (sm_90) whose driver speaks
# CUDA 13.0, and packs it for the GPU machine as .gpu/shoplab.gz.
#
# Usage (from the repo root):  bench/gpu/build-cuda.sh
# Then on the GPU machine:     bench/gpu/check.sh .gpu/shoplab.gz
#
# Why each step (found while making the recipe this follows):
# - CUDA 13.0's compiler and headers come from PyPI wheels; nvcc must stay
#   at 13.0 so the PTX it embeds is one the 13.0 driver can JIT.
# - candle-core 0.11.1 asks cudarc for "dynamic-linking", which needs
#   libcuda/cuBLAS at link time (no wheel ships a libcuda stub). The build
#   uses a copy of candle-core with "dynamic-loading" instead (libraries are
#   opened at run time), through cargo's [patch]; nothing is committed.
#   With dynamic loading a missing libcuda panics inside candle: ShopLab
#   catches it (models/src/device.rs) and `--device auto` uses the CPU.
# - The nvcc step of candle-kernels takes most of the ~15 minutes on 2
#   cores: CUDA stays out of the default build and out of CI.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
W=${W:-/tmp/shoplab-cuda}
mkdir -p "$W/whl" "$W/cuda"

# 1. CUDA 13.0 compiler + headers from PyPI.
python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux_2_12_x86_64 \
  -d "$W/whl" nvidia-cuda-nvcc==13.0.88 nvidia-nvvm==13.0.88 nvidia-cuda-crt==13.0.88 \
  nvidia-cuda-runtime==13.0.96 nvidia-cuda-cccl==13.0.85
for w in "$W"/whl/*.whl; do python3 -m zipfile -e "$w" "$W/cuda"; done
CUDA_ROOT=$W/cuda/nvidia/cu13
chmod +x "$CUDA_ROOT"/bin/* "$CUDA_ROOT"/nvvm/bin/*
ln -sf libcudart.so.13 "$CUDA_ROOT/lib/libcudart.so"   # candle-kernels links -lcudart

# 2. candle-core with run-time loading of the CUDA libraries.
(cd "$REPO" && cargo fetch --quiet)
SRC=$(ls -d "$HOME"/.cargo/registry/src/*/candle-core-0.11.1 | head -n 1)
rm -rf "$W/candle-core"
cp -r "$SRC" "$W/candle-core"
sed -i 's/"dynamic-linking"/"dynamic-loading"/' "$W/candle-core/Cargo.toml"
grep -q '"dynamic-loading"' "$W/candle-core/Cargo.toml"

# 3. Build (its own target folder, so the CPU build's cache is untouched).
export CUDA_HOME=$CUDA_ROOT PATH=$CUDA_ROOT/bin:$PATH
export CUDA_COMPUTE_CAP=${CUDA_COMPUTE_CAP:-90}
export CUDARC_CUDA_VERSION=13000
export RUSTFLAGS="-L native=$CUDA_ROOT/lib"
export CARGO_TARGET_DIR=$W/target
(cd "$REPO" && cargo build --release --features cuda --bin shoplab \
  --config "patch.crates-io.candle-core.path=\"$W/candle-core\"")

# 4. Pack it for the GPU machine (the device run carries .gpu/).
mkdir -p "$REPO/.gpu"
strip -o "$W/shoplab" "$W/target/release/shoplab"
gzip -9 -c "$W/shoplab" > "$REPO/.gpu/shoplab.gz"
ls -l "$REPO/.gpu/shoplab.gz"
