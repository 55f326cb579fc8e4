#!/usr/bin/env bash
# The whole GPU check, on the GPU machine, in one go (well under 5 minutes
# on an H200): learned models trained on the GPU and on the CPU on
# MovieLens-1M-sized synthetic data (seconds per epoch, NDCG@10, recall@10),
# and CPU-vs-GPU scores of the same saved weights. Prints a table and
# writes it into $OUT (or ./gpu-check).
#
# Usage: bench/gpu/check.sh [.gpu/shoplab.gz | path/to/shoplab]
# The CUDA libraries come from the machine's PyTorch environment
# (site-packages/nvidia/*/lib), which is where the GPU machine has them.
set -euo pipefail
BIN=${1:-.gpu/shoplab.gz}
OUT=${OUT:-./gpu-check}
mkdir -p "$OUT"
if [[ "$BIN" == *.gz ]]; then
  gunzip -c "$BIN" > /tmp/shoplab-cuda && chmod +x /tmp/shoplab-cuda
  BIN=/tmp/shoplab-cuda
fi
for sp in /opt/torch/.venv/lib/python3*/site-packages "$(python3 -c 'import site; print(site.getsitepackages()[0])' 2>/dev/null)"; do
  if [ -d "$sp/nvidia" ]; then
    LD_LIBRARY_PATH=$(ls -d "$sp"/nvidia/*/lib | tr '\n' ':')${LD_LIBRARY_PATH:-}
    export LD_LIBRARY_PATH
    break
  fi
done
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/gpu.txt" || true
ldd "$BIN" | grep -E 'cudart|not found' || true
# All cores for the CPU half; candle's element-wise pool spin-waits, so keep it small.
export CANDLE_NUM_THREADS=${CANDLE_NUM_THREADS:-4}
start=$(date +%s)
"$BIN" bench gpu --dir /tmp/shoplab-gpu-check | tee "$OUT/check.txt"
echo "check took $(( $(date +%s) - start )) s" | tee -a "$OUT/check.txt"
