#!/usr/bin/env python3
"""Run RecBole models on a split exported by ShopLab, full ranking.

ShopLab writes NAME.train/valid/test.inter with `shoplab export-split`; this
script points RecBole at exactly those files (`benchmark_filename`), so both
tools score the same test interactions. Prints one JSON object per model,
with the mean seconds of a training epoch (from RecBole's own log lines).
With `--lists DIR`, also writes DIR/MODEL.tsv: every test shopper's top 10
(user, rank, item, hit) and their number of positives, so per-user metrics
can be paired with ShopLab's per_user.csv (side_by_side_table.py).

Usage (see BENCHMARKS.md):
  .venv-peers/bin/python bench/peers/recbole_side_by_side.py DATA_DIR NAME [MODEL ...]
      [--epochs N] [--sequential] [--set key=value ...]
where DATA_DIR/NAME/NAME.train.inter exists. `--sequential` reads the files
written by recbole_sequences.py (item_id_list, item_id).

Protocol notes:
- With a validation file, RecBole validates every epoch (NDCG@10) and stops
  after 10 epochs without improvement (`stopping_step`), restoring the best
  epoch, as ShopLab's trainer does with `patience`. Without one (a split
  exported with no validation part) pass the test file name twice through
  `--no-valid`: its test-time mask is then "train items", as ShopLab's.
- General models mask the shopper's train + valid items minus the test
  positives; sequential models mask nothing (ShopLab's `--repeat` protocol).
- No filtering (RecBole's defaults keep every interaction), seed 2020, CPU,
  every model's own RecBole defaults unless `--set` says otherwise.
- Wall time is the whole RecBole call: data loading, fitting and evaluation.
- `--resume CKPT` continues an interrupted run (the machine's sessions end
  after three hours; a sequential ML-100K run needs more on 2 busy cores):
  RecBole saved CKPT at the run's last best epoch, with its optimizer state;
  training restarts at the next epoch with the patience counter at 0, so
  the epochs between that best and the interruption are trained again
  (with other random draws). The epoch count and times then cover only
  the resumed part.
"""

import argparse
import json
import logging
import os
import re
import sys
import tempfile
import time

import torch
from recbole.config import Config
from recbole.data import create_dataset, data_preparation
from recbole.utils import get_model, get_trainer, init_seed


class EpochTimes(logging.Handler):
    """Collects RecBole's "epoch N training [time: X s" log lines."""

    PATTERN = re.compile(r"training \[time: ([0-9.]+)s")

    def __init__(self):
        super().__init__()
        self.times = []

    def emit(self, record):
        line = re.sub(r"\x1b\[[0-9;]*m", "", record.getMessage())
        m = self.PATTERN.search(line)
        if m:
            self.times.append(float(m.group(1)))
        # Echo epoch and validation lines so a long run's progress shows in
        # its stderr file (RecBole's own log set-up is skipped here).
        if "epoch" in line or "valid result" in line:
            print(time.strftime("%H:%M:%S"), line, file=sys.stderr, flush=True)


# RecBole 1.2.1 saves its best epoch with torch.save and reads it back with
# torch.load, which since torch 2.6 refuses its pickled config unless
# weights_only=False; the file is the one this process just wrote.
_torch_load = torch.load
torch.load = lambda *a, **k: _torch_load(*a, **{**k, "weights_only": False})


def run(model, dataset, config_dict, resume=None):
    """RecBole's run_recbole without its logger set-up, keeping the trainer:
    fit with early stopping on the validation file, test the best epoch.
    `resume`: a checkpoint RecBole saved at a best epoch of the same model
    and data; training goes on from the epoch after it."""
    config = Config(model=model, dataset=dataset, config_dict=config_dict)
    init_seed(config["seed"], config["reproducibility"])
    data = create_dataset(config)
    train_data, valid_data, test_data = data_preparation(config, data)
    init_seed(config["seed"] + config["local_rank"], config["reproducibility"])
    net = get_model(config["model"])(config, train_data._dataset).to(config["device"])
    trainer = get_trainer(config["MODEL_TYPE"], config["model"])(config, net)
    if resume:
        trainer.resume_checkpoint(resume)
    best_valid_score, _ = trainer.fit(train_data, valid_data, saved=True, show_progress=False)
    test_result = trainer.evaluate(test_data, load_best_model=True, show_progress=False)
    return {"best_valid_score": best_valid_score, "test_result": test_result}, trainer, test_data


@torch.no_grad()
def write_lists(trainer, test_data, path):
    """Each test row's top 10 with RecBole's own masking (the evaluation's
    `_full_sort_batch_eval`), in external ids."""
    trainer.model.eval()
    ds = test_data._dataset
    uid_field, iid_field = ds.uid_field, ds.iid_field
    with open(path, "w") as f:
        f.write("user\tn_pos\trank\titem\thit\n")
        for batch in test_data:
            interaction, scores, pos_u, pos_i = trainer._full_sort_batch_eval(batch)
            top = torch.topk(scores, 10, dim=1).indices
            users = interaction[uid_field].tolist()
            positives = [set() for _ in users]
            for r, i in zip(pos_u.tolist(), pos_i.tolist()):
                positives[r].add(i)
            for r, u in enumerate(users):
                ext = ds.id2token(uid_field, u)
                for rank, i in enumerate(top[r].tolist(), 1):
                    hit = int(i in positives[r])
                    f.write(f"{ext}\t{len(positives[r])}\t{rank}\t{ds.id2token(iid_field, i)}\t{hit}\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data_dir")
    ap.add_argument("name")
    ap.add_argument("models", nargs="*", default=["Pop", "ItemKNN", "EASE"])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--sequential", action="store_true")
    ap.add_argument("--no-valid", action="store_true")
    ap.add_argument("--set", action="append", default=[], help="extra config key=JSON value")
    ap.add_argument("--lists", help="folder for each model's per-user top-10 lists")
    ap.add_argument(
        "--resume",
        help="checkpoint (.pth in checkpoint_dir) of an interrupted run of the one model given: "
        "training goes on from the epoch after its best, with the patience counter at 0",
    )
    args = ap.parse_args()
    data_dir = os.path.abspath(args.data_dir)
    lists = os.path.abspath(args.lists) if args.lists else None
    # RecBole writes log/ and log_tensorboard/ into the working folder.
    os.chdir(tempfile.mkdtemp(prefix="recbole-"))
    for model in args.models:
        config = {
            "data_path": data_dir,
            "benchmark_filename": ["train", "test", "test"] if args.no_valid else ["train", "valid", "test"],
            "USER_ID_FIELD": "user_id",
            "ITEM_ID_FIELD": "item_id",
            "metrics": ["Recall", "NDCG", "MRR", "Hit", "Precision"],
            "topk": [10],
            "valid_metric": "NDCG@10",
            "seed": 2020,
            "reproducibility": True,
            "device": "cpu",
            "use_gpu": False,
            "epochs": args.epochs,
            "show_progress": False,
            "save_dataset": False,
            "save_dataloaders": False,
            "checkpoint_dir": "/tmp/recbole-saved",
            "log_wandb": False,
        }
        if args.sequential:
            config["load_col"] = {"inter": ["user_id", "item_id_list", "item_id"]}
            config["eval_args"] = {"mode": "full", "order": "TO", "group_by": "user"}
            # RecBole's sequential default loss is CE, which takes no sampled negatives.
            config["train_neg_sample_args"] = None
        else:
            config["load_col"] = {"inter": ["user_id", "item_id", "timestamp"]}
            config["TIME_FIELD"] = "timestamp"
            config["eval_args"] = {"mode": "full", "order": "RO", "group_by": "user"}
        for kv in args.set:
            key, value = kv.split("=", 1)
            config[key] = json.loads(value)
        epochs = EpochTimes()
        root = logging.getLogger()
        root.addHandler(epochs)
        # INFO carries the epoch lines; RecBole's own console handlers are not
        # installed while another handler exists, so stderr stays quiet.
        root.setLevel(logging.INFO)
        start = time.perf_counter()
        result, trainer, test_data = run(model, args.name, config, args.resume)
        wall = time.perf_counter() - start
        if lists:
            os.makedirs(lists, exist_ok=True)
            write_lists(trainer, test_data, os.path.join(lists, f"{model}.tsv"))
        logging.getLogger().removeHandler(epochs)
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
                    "best_valid_ndcg@10": float(result["best_valid_score"]),
                    "epochs_run": len(epochs.times),
                    "epoch_s": sum(epochs.times) / len(epochs.times) if epochs.times else None,
                    "wall_s": wall,
                    "set": args.set,
                    "resumed_from": args.resume,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
