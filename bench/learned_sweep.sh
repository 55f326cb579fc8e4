#!/usr/bin/env bash
# Every learned model trains, evaluates, saves, loads and recommends from the
# CLI on a project: a short training of each (3 epochs; iALS its default 15
# iterations), then `recommend` from the saved model for one shopper, timed.
#
#   bench/learned_sweep.sh PROJECT USER [SHOPLAB]
#
# Prints one line per model: NDCG@10 of the run, training seconds, and the
# wall time of `recommend` (a fresh process: open the project, load the
# saved model, score, print). Sequential models use leave-last-out, the
# others a temporal split; both with a 10% validation share.
set -euo pipefail
project=$1; user=$2; shoplab=${3:-shoplab}
for m in bpr neumf ials two_tower gru4rec sasrec; do
  split=(--split temporal)
  case $m in gru4rec|sasrec) split=(--split leave_last_out) ;; esac
  params=(--param epochs=3)
  [ "$m" = ials ] && params=()
  "$shoplab" -p "$project" train "$m" "${split[@]}" --valid-fraction 0.1 "${params[@]}" \
    --name "$m-sweep" --json > "/tmp/sweep-$m.json"
  start=$(date +%s.%N)
  "$shoplab" -p "$project" recommend --run "$m-sweep" --user "$user" --json > "/tmp/sweep-rec-$m.json"
  end=$(date +%s.%N)
  python3 - "$m" "$start" "$end" <<'PY'
import json, sys
m, start, end = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
run = json.load(open(f"/tmp/sweep-{m}.json"))[0]
rec = json.load(open(f"/tmp/sweep-rec-{m}.json"))
ndcg = [x["ndcg"] for x in run["metrics"] if x["k"] == 10][0]
items = rec.get("recommendations") or rec.get("items") or []
print(f"{m:10s} ndcg@10 {ndcg:.4f}  train {run['train_seconds']:.1f} s  "
      f"recommend {end - start:.2f} s wall, {len(items)} items")
PY
done
