#!/usr/bin/env bash
# ShopLab's learned models side by side with RecBole 1.2.1 on the same
# exported splits (BENCHMARKS.md "Learned models side by side with RecBole").
#
#   bench/peers/learned_side_by_side.sh WORK_DIR [SHOPLAB] [PYTHON]
#
# WORK_DIR gets two projects (MovieLens 100K, the Instacart log), their
# exported splits, RecBole's results (rb_*.jsonl) and ShopLab's runs
# (sl_*.json). Needs ~/.cache/shoplab-data/ml-100k (../shared/data/get-ml-100k)
# and RecBole installed as ../shared/peers/README.md says (PYTHON defaults
# to .venv-peers/bin/python). Takes about two hours on 2 cores.
#
# General models (BPR, NeuMF): random split, test 10%, validation 10% of the
# rest, seed 2020; Instacart's files leave out repeated pairs (--dedup), as
# ShopLab's default protocol does. Sequential models (GRU4Rec, SASRec):
# leave-last-out with the second-to-last item as validation, RecBole's
# protocol (nothing masked at test time = ShopLab's --repeat). Every model
# at its defaults (RecBole's), at most 300 (general) or 100 (sequential)
# epochs, early stopping after 10 validations without a better NDCG@10.
set -euo pipefail
work=$(mkdir -p "$1" && cd "$1" && pwd)
shoplab=${2:-shoplab}
python=${3:-.venv-peers/bin/python}
here=$(cd "$(dirname "$0")" && pwd)
data=${SHOPLAB_DATA:-$HOME/.cache/shoplab-data}
shared=$(cd "$here/../../../shared/data" && pwd)
cd "$work"

[ -d ml100k ] || { "$shoplab" new ml100k && "$shoplab" -p ml100k import "$data/ml-100k"; }
[ -d ic ] || { "$shoplab" new ic && "$shoplab" -p ic import "$shared/instacart"; }

general=(--split random --test-fraction 0.1 --valid-fraction 0.1 --seed 2020)
sequential=(--split leave_last_out --valid-fraction 0.1)
for p in ml100k ic; do
  dedup=(); [ "$p" = ic ] && dedup=(--dedup)
  "$shoplab" -p "$p" export-split "rb/${p}g" --name "${p}g" "${general[@]}" "${dedup[@]}"
  "$shoplab" -p "$p" export-split "rb/${p}s" --name "${p}s" "${sequential[@]}"
  for n in "${p}g" "${p}s"; do mkdir -p "rb/$n/$n" && mv "rb/$n/$n".*.inter "rb/$n/$n/"; done
  "$python" "$here/recbole_sequences.py" "rb/${p}s/${p}s" "${p}s" rbs

  "$python" "$here/recbole_side_by_side.py" "rb/${p}g" "${p}g" BPR NeuMF --epochs 300 --lists "lists/${p}g" > "rb_${p}g.jsonl"
  "$python" "$here/recbole_side_by_side.py" rbs "${p}s" GRU4Rec SASRec --sequential --epochs 100 --lists "lists/${p}s" > "rb_${p}s.jsonl"
  for m in bpr neumf; do
    "$shoplab" -p "$p" train "$m" "${general[@]}" --k 10 --param epochs=300 --name "$m-sbs" --json > "sl_${p}g_$m.json"
  done
  for m in gru4rec sasrec; do
    "$shoplab" -p "$p" train "$m" "${sequential[@]}" --repeat --k 10 --param epochs=100 --name "$m-sbs" --json > "sl_${p}s_$m.json"
  done
done
"$python" "$here/side_by_side_table.py" "$work"
