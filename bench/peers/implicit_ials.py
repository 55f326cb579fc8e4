#!/usr/bin/env python3
"""Seconds per iteration of the `implicit` library's ALS (CPU, conjugate gradient),
on the interactions ShopLab's iALS bench writes, for the side-by-side in BENCHMARKS.md.

Usage:
  RAYON_NUM_THREADS=2 cargo bench -p shoplab-models --bench ials_iteration -- /tmp/ials-ml1m.csv
  (writes the CSV of its synthetic data, then times ShopLab)
  OPENBLAS_NUM_THREADS=1 python bench/peers/implicit_ials.py /tmp/ials-ml1m.csv [ITERATIONS]
Prints one JSON line, shaped like the Rust bench's.

Settings as ShopLab's bench: factors 64, cg_steps 3 (implicit's default),
regularization 0.01, 2 threads, float32, no GPU. implicit's confidence is the
matrix value itself; ShopLab's is 1 + alpha*r, so implicit gets 1 + 1*r
(= 2 for binary data): the same objective, and the same work per iteration.
The training loss is off (implicit's default); ShopLab's bench reports the
time of its own loss pass separately (`loss_pass_s`).
"""

import json
import sys
import time

import numpy as np
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    path = sys.argv[1]
    iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    pairs = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.int64)
    users, items = int(pairs[:, 0].max()) + 1, int(pairs[:, 1].max()) + 1
    r = np.ones(len(pairs), dtype=np.float32)
    m = sp.csr_matrix((1.0 + 1.0 * r, (pairs[:, 0], pairs[:, 1])), shape=(users, items), dtype=np.float32)
    model = AlternatingLeastSquares(
        factors=64,
        regularization=0.01,
        alpha=1.0,
        iterations=iterations,
        use_cg=True,
        use_native=True,
        calculate_training_loss=False,
        num_threads=2,
        random_state=42,
        dtype=np.float32,
    )
    marks = []

    def callback(iteration, elapsed, loss):
        marks.append(time.perf_counter())

    start = time.perf_counter()
    model.fit(m, show_progress=False, callback=callback)
    marks.insert(0, start)
    per_iter = [b - a for a, b in zip(marks, marks[1:])]
    median = sorted(per_iter)[len(per_iter) // 2]
    import implicit

    print(
        json.dumps(
            {
                "tool": "implicit",
                "version": implicit.__version__,
                "users": users,
                "items": items,
                "nnz": int(m.nnz),
                "factors": 64,
                "cg_steps": model.cg_steps,
                "threads": 2,
                "median_s_per_iter": round(median, 4),
                "per_iter_s": [round(x, 4) for x in per_iter],
            }
        )
    )


if __name__ == "__main__":
    main()
