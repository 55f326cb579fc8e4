#!/usr/bin/env python3
"""Turn a leave-last-out split exported by ShopLab into RecBole's sequential
benchmark files.

RecBole's sequential models read benchmark files already augmented: each row
is (user, item_id_list, item_id), the list being the items before the target.
This writes them from `shoplab export-split --split leave_last_out
--valid-fraction 0.1` files so both tools train and test on the same events:

- train: every prefix of the shopper's training sequence (last MAX items)
  followed by its next item, as RecBole's own augmentation does;
- valid: the training sequence followed by the validation item;
- test: training + validation events (time order) followed by the test item,
  the history ShopLab's sequential models read at test time.

One valid and one test row per shopper: ShopLab's leave-last-out holds out
the latest interaction (every event on one item at one moment) and scores
that item once; earlier events on the same item stay in the history, as
RecBole's leave-one-out keeps them.

Usage: recbole_sequences.py IN_DIR NAME OUT_DIR [MAX_LEN=50]
reads IN_DIR/NAME.{train,valid,test}.inter, writes OUT_DIR/NAME/NAME.*.inter.
"""

import csv
import os
import sys
from collections import defaultdict


def read(path):
    """(user, item, time) rows in file order."""
    with open(path, newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        next(rows)
        return [(u, i, float(t)) for u, i, t in rows]


def by_user(rows):
    out = defaultdict(list)
    for u, i, t in rows:
        out[u].append((t, i))
    # Stable sort: ties keep the exported order (ShopLab's event order).
    return {u: [i for _, i in sorted(v, key=lambda x: x[0])] for u, v in out.items()}


def write(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["user_id:token", "item_id_list:token_seq", "item_id:token"])
        w.writerows(rows)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    src, name, out = sys.argv[1], sys.argv[2], sys.argv[3]
    max_len = int(sys.argv[4]) if len(sys.argv) > 4 else 50
    parts = {p: read(os.path.join(src, f"{name}.{p}.inter")) for p in ("train", "valid", "test")}
    train = by_user(parts["train"])
    valid = by_user(parts["valid"])
    test = by_user(parts["test"])
    history = by_user(parts["train"] + parts["valid"])
    rows = {"train": [], "valid": [], "test": []}
    for u, seq in train.items():
        for j in range(1, len(seq)):
            rows["train"].append((u, " ".join(seq[max(0, j - max_len) : j]), seq[j]))
    for u, items in valid.items():
        if train.get(u):
            rows["valid"].append((u, " ".join(train[u][-max_len:]), items[0]))
    for u, items in test.items():
        if history.get(u):
            rows["test"].append((u, " ".join(history[u][-max_len:]), items[-1]))
    os.makedirs(os.path.join(out, name), exist_ok=True)
    for p, r in rows.items():
        write(os.path.join(out, name, f"{name}.{p}.inter"), r)
        print(f"{name}.{p}.inter: {len(r)} rows")


if __name__ == "__main__":
    main()
