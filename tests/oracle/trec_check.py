#!/usr/bin/env python3
"""Scores a TREC run against qrels with pytrec_eval (trec_eval's own code).

The end-to-end tests run this on files ShopLab exported and compare the
numbers with ShopLab's own, so an export that scores differently in a
standard tool fails a test.

usage: trec_check.py QRELS RUN K[,K...] [--relevance-level N]

Prints one JSON object:
  {"per_query": {qid: {measure: value}}, "mean": {measure: value}, "queries": n}
Measures per K: P_K, recall_K, ndcg_cut_K, map_cut_K; plus recip_rank (uncut:
equal to MRR@K only at the run's own depth). Queries are every qid of the
qrels with at least one document at or above the relevance level; a query
the run does not list scores 0 (trec_eval -c), as in ShopLab's means.
"""
import json
import sys

import pytrec_eval


def read_qrels(path):
    qrels = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 4:
                sys.exit(f"{path}:{n}: expected 4 columns, got {len(parts)}")
            qid, _, doc, grade = parts
            qrels.setdefault(qid, {})[doc] = int(grade)
    return qrels


def read_run(path):
    run = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 6:
                sys.exit(f"{path}:{n}: expected 6 columns, got {len(parts)}")
            qid, _, doc, _rank, score, _tag = parts
            run.setdefault(qid, {})[doc] = float(score)
    return run


def main():
    args = sys.argv[1:]
    level = 1
    if "--relevance-level" in args:
        i = args.index("--relevance-level")
        level = int(args[i + 1])
        del args[i : i + 2]
    if len(args) != 3:
        sys.exit(__doc__)
    qrels = read_qrels(args[0])
    run = read_run(args[1])
    ks = [int(k) for k in args[2].split(",")]
    cut = ",".join(str(k) for k in ks)
    measures = {f"P.{cut}", f"recall.{cut}", f"ndcg_cut.{cut}", f"map_cut.{cut}", "recip_rank"}
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, measures, relevance_level=level)
    scored = evaluator.evaluate(run)
    names = [f"{m}_{k}" for k in ks for m in ("P", "recall", "ndcg_cut", "map_cut")]
    names.append("recip_rank")
    per_query = {}
    for qid, docs in qrels.items():
        if not any(g >= level for g in docs.values()):
            continue
        values = scored.get(qid, {})
        per_query[qid] = {m: float(values.get(m, 0.0)) for m in names}
    n = len(per_query)
    mean = {m: (sum(v[m] for v in per_query.values()) / n if n else 0.0) for m in names}
    json.dump({"per_query": per_query, "mean": mean, "queries": n}, sys.stdout)


if __name__ == "__main__":
    main()
