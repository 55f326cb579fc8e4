#!/usr/bin/env python3
"""Time RecBole's BPR epochs on the log ShopLab's BPR bench trains on.

  SHOPLAB_BENCH_CSV=/tmp/bpr-ml1m.csv cargo test -p shoplab-models --bench bpr_epoch
  .venv-peers/bin/python bench/peers/recbole_bpr_epoch.py /tmp/bpr-ml1m.csv [EPOCHS=3]

Every row of the CSV is a training row (RecBole's train file); the
validation and test files hold 100 rows only and validation is off during
the timed epochs, so the figure is training alone, as ShopLab's bench.
RecBole's BPR defaults (embedding 64, batch 2048, Adam 0.001, one uniform
negative per pair), CPU, torch's default threads. Prints one JSON line
with every epoch's seconds as RecBole logs them, and the CPU seconds of the
process between consecutive epochs.
"""

import csv
import json
import logging
import os
import re
import sys
import tempfile
import time

from recbole.quick_start import run_recbole


class EpochTimes(logging.Handler):
    PATTERN = re.compile(r"training \[time: ([0-9.]+)s")

    def __init__(self):
        super().__init__()
        self.times = []
        self.cpu_marks = []

    def emit(self, record):
        m = self.PATTERN.search(re.sub(r"\x1b\[[0-9;]*m", "", record.getMessage()))
        if m:
            self.times.append(float(m.group(1)))
            self.cpu_marks.append(time.process_time())


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    src = os.path.abspath(sys.argv[1])
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    root = tempfile.mkdtemp(prefix="recbole-bpr-")
    os.makedirs(os.path.join(root, "syn"))
    with open(src) as f:
        rows = list(csv.reader(f))[1:]
    header = "user_id:token\titem_id:token\ttimestamp:float\n"
    for part, part_rows in (("train", rows), ("valid", rows[:100]), ("test", rows[100:200])):
        with open(os.path.join(root, "syn", f"syn.{part}.inter"), "w") as f:
            f.write(header)
            f.writelines("\t".join(r) + "\n" for r in part_rows)
    os.chdir(root)
    times = EpochTimes()
    log = logging.getLogger()
    log.addHandler(times)
    log.setLevel(logging.INFO)
    run_recbole(
        model="BPR",
        dataset="syn",
        config_dict={
            "data_path": root,
            "benchmark_filename": ["train", "valid", "test"],
            "load_col": {"inter": ["user_id", "item_id", "timestamp"]},
            "epochs": epochs,
            "eval_step": epochs + 1,
            "seed": 2020,
            "device": "cpu",
            "use_gpu": False,
            "show_progress": False,
            "checkpoint_dir": os.path.join(root, "saved"),
        },
        saved=False,
    )
    # CPU seconds (all threads) between consecutive epoch lines: epochs 2..n
    # alone, free of data loading; steadier than wall time on a busy machine.
    cpu = [b - a for a, b in zip(times.cpu_marks, times.cpu_marks[1:])]
    print(json.dumps({"rows": len(rows), "epoch_s": times.times, "epoch_cpu_s": cpu}))


if __name__ == "__main__":
    main()
