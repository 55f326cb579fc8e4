#!/usr/bin/env python3
"""Pair ShopLab's and RecBole's per-shopper recall@10 / NDCG@10 on the same
split and print a Markdown table with paired bootstrap intervals.

Usage: side_by_side_table.py WORK_DIR   (as left by learned_side_by_side.sh)

ShopLab's values come from runs/<id>/per_user.csv of each `sl_*.json` run;
RecBole's are recomputed from its top-10 lists (`--lists`), binary
relevance: recall = hits / positives, NDCG with the ideal DCG of
min(positives, 10) hits, as both tools define them. The interval is the
2.5–97.5 percentiles of 10,000 bootstrap means of the per-shopper
difference (ShopLab − RecBole), seed 2020. "tie" = the interval holds 0.
"""

import csv
import glob
import json
import math
import os
import random
import sys
from collections import defaultdict

PAIRS = [
    ("MovieLens 100K", "ml100kg", "ml100k", "bpr", "BPR"),
    ("MovieLens 100K", "ml100kg", "ml100k", "neumf", "NeuMF"),
    ("MovieLens 100K", "ml100ks", "ml100k", "gru4rec", "GRU4Rec"),
    ("MovieLens 100K", "ml100ks", "ml100k", "sasrec", "SASRec"),
    ("Instacart", "icg", "ic", "bpr", "BPR"),
    ("Instacart", "icg", "ic", "neumf", "NeuMF"),
    ("Instacart", "ics", "ic", "gru4rec", "GRU4Rec"),
    ("Instacart", "ics", "ic", "sasrec", "SASRec"),
]


def recbole_per_user(path):
    hits, npos = defaultdict(list), {}
    with open(path) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            u = row["user"]
            npos[u] = int(row["n_pos"])
            if row["hit"] == "1":
                hits[u].append(int(row["rank"]))
    out = {}
    for u, n in npos.items():
        if n == 0:
            continue
        dcg = sum(1 / math.log2(r + 1) for r in hits[u])
        idcg = sum(1 / math.log2(r + 1) for r in range(1, min(n, 10) + 1))
        out[u] = (len(hits[u]) / n, dcg / idcg)
    return out


def shoplab_per_user(work, project, run_file):
    with open(run_file) as f:
        run = json.load(f)[0]
    path = os.path.join(work, project, "runs", run["id"], "per_user.csv")
    out = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            if row.get("cold") == "1":
                continue
            out[row["user_id"]] = (float(row["recall@10"]), float(row["ndcg@10"]))
    epochs = (run.get("training") or {}).get("epochs_run")
    return out, run["train_seconds"], epochs


def interval(diffs, seed=2020, n=10_000):
    rng = random.Random(seed)
    k = len(diffs)
    means = sorted(sum(diffs[rng.randrange(k)] for _ in range(k)) / k for _ in range(n))
    return sum(diffs) / k, means[int(0.025 * n)], means[int(0.975 * n) - 1]


def main():
    work = sys.argv[1]
    print("| data | model | shoppers | recall@10 RecBole | ShopLab | difference [95% CI] | NDCG@10 RecBole | ShopLab | difference [95% CI] | verdict |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for data, split, project, ours, theirs in PAIRS:
        run_file = os.path.join(work, f"sl_{split}_{ours}.json")
        list_file = os.path.join(work, "lists", split, f"{theirs}.tsv")
        if not (os.path.exists(run_file) and os.path.exists(list_file)):
            print(f"| {data} | {theirs} | not run | | | | | | | |")
            continue
        a, _, _ = shoplab_per_user(work, project, run_file)
        b = recbole_per_user(list_file)
        users = sorted(set(a) & set(b))
        cells, verdicts = [], []
        for m in (0, 1):
            rb = sum(b[u][m] for u in users) / len(users)
            sl = sum(a[u][m] for u in users) / len(users)
            d, lo, hi = interval([a[u][m] - b[u][m] for u in users])
            cells += [f"{rb:.4f}", f"{sl:.4f}", f"{d:+.4f} [{lo:+.4f}, {hi:+.4f}]"]
            verdicts.append("higher" if lo > 0 else "lower" if hi < 0 else "tie")
        only = f" ({len(a) - len(users)} ShopLab-only, {len(b) - len(users)} RecBole-only)" if len(a) != len(b) or len(a) != len(users) else ""
        print(f"| {data} | {theirs} | {len(users)}{only} | " + " | ".join(cells) + f" | recall {verdicts[0]}, NDCG {verdicts[1]} |")


if __name__ == "__main__":
    main()
