#!/usr/bin/env python3
"""Run RecBole's Pop, ItemKNN and EASE on a split exported by ShopLab.

ShopLab writes NAME.train.inter / NAME.test.inter with `shoplab export-split`;
this script points RecBole at exactly those files, full ranking, so both tools
score the same test interactions. Prints one JSON object per model.

Usage (see BENCHMARKS.md):
  .venv-peers/bin/python bench/peers/recbole_side_by_side.py DATA_DIR NAME [MODEL ...]
where DATA_DIR/NAME/NAME.train.inter exists.

Protocol notes:
- `benchmark_filename: [train, test, test]`: RecBole needs a validation file;
  giving it the test file makes its test-time mask "train items" exactly as
  ShopLab's (RecBole masks everything in train and valid that is not a test
  positive). ShopLab's split is exported with no validation part.
- No filtering (RecBole's defaults keep every interaction), seed 2020, CPU.
- Wall time is the whole RecBole call: data loading, fitting and evaluation,
  as ShopLab's figure is load + split + fit + evaluate.
"""

import json
import os
import sys
import tempfile
import time

from recbole.quick_start import run_recbole


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    data_dir, name = os.path.abspath(sys.argv[1]), sys.argv[2]
    models = sys.argv[3:] or ["Pop", "ItemKNN", "EASE"]
    # RecBole writes log/ and log_tensorboard/ into the working folder.
    os.chdir(tempfile.mkdtemp(prefix="recbole-"))
    for model in models:
        config = {
            "data_path": data_dir,
            "benchmark_filename": ["train", "test", "test"],
            "load_col": {"inter": ["user_id", "item_id", "timestamp"]},
            "USER_ID_FIELD": "user_id",
            "ITEM_ID_FIELD": "item_id",
            "TIME_FIELD": "timestamp",
            "eval_args": {"mode": "full", "order": "RO", "group_by": "user"},
            "metrics": ["Recall", "NDCG", "MRR", "Hit", "Precision"],
            "topk": [10],
            "valid_metric": "NDCG@10",
            "seed": 2020,
            "reproducibility": True,
            "device": "cpu",
            "use_gpu": False,
            "epochs": 1,
            "show_progress": False,
            "save_dataset": False,
            "save_dataloaders": False,
            "checkpoint_dir": "/tmp/recbole-saved",
            "log_wandb": False,
        }
        start = time.perf_counter()
        result = run_recbole(model=model, dataset=name, config_dict=config, saved=False)
        wall = time.perf_counter() - start
        test = result["test_result"]
        print(
            json.dumps(
                {
                    "model": model,
                    "recall@10": float(test["recall@10"]),
                    "ndcg@10": float(test["ndcg@10"]),
                    "mrr@10": float(test["mrr@10"]),
                    "hit@10": float(test["hit@10"]),
                    "precision@10": float(test["precision@10"]),
                    "wall_s": wall,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
