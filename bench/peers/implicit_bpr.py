#!/usr/bin/env python3
"""Seconds per epoch of the `implicit` library's BPR (CPU) on the log
ShopLab's BPR bench trains on, for the side-by-side in BENCHMARKS.md.

Usage:
  SHOPLAB_BENCH_CSV=/tmp/bpr-ml1m.csv cargo test -p shoplab-models --bench bpr_epoch
  python bench/peers/implicit_bpr.py /tmp/bpr-ml1m.csv [EPOCHS=5]   # pip install implicit

Settings as ShopLab's bench where implicit has them: factors 64, 2 threads,
float32, one sampled negative per positive, one pass over the positives per
epoch (implicit's "iteration"). implicit trains with Hogwild SGD (lr 0.01,
its default) one pair at a time; ShopLab with mini-batches of 2048 and
Adam: the same number of pairs and negatives per epoch, different
optimisers. Prints one JSON line.
"""

import json
import sys
import time

import numpy as np
import scipy.sparse as sp
from implicit.cpu.bpr import BayesianPersonalizedRanking


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    path = sys.argv[1]
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    pairs = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.int64, usecols=(0, 1))
    users, items = int(pairs[:, 0].max()) + 1, int(pairs[:, 1].max()) + 1
    m = sp.csr_matrix(
        (np.ones(len(pairs), dtype=np.float32), (pairs[:, 0], pairs[:, 1])),
        shape=(users, items),
    )
    model = BayesianPersonalizedRanking(
        factors=64, iterations=epochs, num_threads=2, random_state=42, dtype=np.float32
    )
    marks, cpu = [], []

    def callback(iteration, elapsed, *stats):  # BPR passes (correct, skipped)
        marks.append(time.perf_counter())
        cpu.append(time.process_time())

    start, cpu0 = time.perf_counter(), time.process_time()
    model.fit(m, show_progress=False, callback=callback)
    marks.insert(0, start)
    cpu.insert(0, cpu0)
    per_epoch = [b - a for a, b in zip(marks, marks[1:])]
    per_epoch_cpu = [b - a for a, b in zip(cpu, cpu[1:])]
    import implicit

    print(
        json.dumps(
            {
                "implicit": implicit.__version__,
                "pairs": len(pairs),
                "epoch_s": per_epoch,
                "epoch_cpu_s": per_epoch_cpu,
                "median_epoch_s": sorted(per_epoch)[len(per_epoch) // 2],
            }
        )
    )


if __name__ == "__main__":
    main()
