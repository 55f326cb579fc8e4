#!/usr/bin/env python3
"""Reference vectors for ShopLab's sentence encoder (models/src/encoder/).

Encodes a fixed list of product titles (English, Chinese, edge cases) with
sentence-transformers' all-MiniLM-L6-v2 on the CPU and writes
models/tests/fixtures/minilm_reference.json: the model file's sha256, the
truncation length, and per text the word-piece ids sentence-transformers
feeds the model and the unit-length vector (6 decimals).
models/tests/encoder_parity.rs checks ShopLab's encoder against it.

Regenerate (from the repository root):

    bench/get-minilm                       # -> ~/.cache/shoplab-data/all-MiniLM-L6-v2
    python3 -m venv /tmp/venv-encoder
    /tmp/venv-encoder/bin/pip install -r bench/encoder/requirements.txt
    /tmp/venv-encoder/bin/python bench/encoder/reference.py [MODEL_DIR]

MODEL_DIR defaults to $SHOPLAB_MINILM, then $SHOPLAB_DATA/all-MiniLM-L6-v2,
then ~/.cache/shoplab-data/all-MiniLM-L6-v2. The model is read from that
folder only (no download).
"""

import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np
import sentence_transformers
import tokenizers
import torch
import transformers
from sentence_transformers import SentenceTransformer

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "models/tests/fixtures/minilm_reference.json"

# A spec-sheet title far beyond 256 word pieces (checks truncation).
LONG = (
    "Husky 52 in. W x 24.5 in. D 15-Drawer Mobile Workbench with Solid Wood Top, "
    "ball-bearing slides, 1,500 lb. capacity, locking casters, power strip with USB ports, "
    "pegboard back wall and LED light bar in Matte Black / Gloss Red finish - "
) * 9

TEXTS = [
    # English product titles (Home Depot style)
    "DEWALT 20-Volt MAX XR Lithium-Ion Cordless Brushless 1/2 in. Drill/Driver Kit",
    "Milwaukee M18 FUEL 18V Lithium-Ion Brushless Cordless Hammer Drill (Tool-Only)",
    "3/4 in. x 10 ft. PVC Schedule 40 Plain-End Pipe",
    "Glacier Bay Modern 2-piece 1.1 GPF/1.6 GPF Dual Flush Elongated Toilet in White",
    "BEHR PREMIUM PLUS 1 gal. #PPU18-06 Ultra Pure White Eggshell Interior Paint",
    "Rain Bird 32ETI Easy to Install In-Ground Automatic Sprinkler System Kit",
    "Hampton Bay 52 in. Glendale LED Indoor Oil-Rubbed Bronze Ceiling Fan with Light Kit",
    "Simpson Strong-Tie 2 in. x 4 in. 18-Gauge Z-Max Galvanized Joist Hanger",
    "LifeProof Sterling Oak 8.7 in. W x 47.6 in. L Luxury Vinyl Plank Flooring (20.06 sq. ft. / case)",
    "Everbilt #8 x 1-1/4 in. Phillips Bugle-Head Coarse Thread Sharp Point Drywall Screws (1 lb.-Pack)",
    "Organic Bananas",
    "Bag of Organic Baby Spinach, 5 oz",
    "Greek Plain Nonfat Yogurt 32 oz.",
    "Honeycrisp Apple",
    "Sparkling Water Grapefruit 12-Pack 12 fl oz Cans",
    # Chinese product titles
    "小米 无线蓝牙耳机 降噪 长续航",
    "华为 MateBook 14 笔记本电脑 16GB 512GB 银色",
    "不锈钢 保温杯 500毫升 黑色",
    "有机 纯牛奶 250ml×12盒 整箱装",
    "儿童 益智 积木 玩具 3-6岁",
    "家用 电钻 套装 锂电池 充电式",
    "北欧风格 实木 餐桌 椅子 组合",
    "苹果 iPhone 15 Pro 手机壳 透明 防摔",
    # Mixed scripts
    "LED 吸顶灯 客厅 卧室 ceiling light 24W",
    "Nike 耐克 男子 跑步鞋 Air Zoom Pegasus 40",
    # Edge cases
    "",
    "   ",
    LONG,
    "Café crème brûlée Kaffeemühle – naïve façade Ångström",
    "Señor Jalapeño Piñata (Grande)",
    "🔥 Hot Deal 🛠️ Power Drill ⚡ 20V 👍",
    "dEwAlT TOUGHSYSTEM 2.0 22 in. Extra Large Tool Box",
    "2x4x8 #2 Prime Kiln-Dried Whitewood Stud 1-1/2 in. x 3-1/2 in. x 96 in.",
    "0.75\" x 100' Teflon® Tape™ & 3/8-in. Compression Fitting @ $4.99 (50% off!)",
    "Anti-Microbial\tShower Curtain\nLiner,  72 x 72",
    "supercalifragilisticexpialidociousproductnamewithoutanyspacesthatgoesonandonandonandonandonandonandonforever",
    "ＵＳＢ－Ｃ 充電ケーブル 1m（ホワイト）",
    "스테인리스 냄비 세트 5종",
    "Смартфон Samsung Galaxy A54 128 ГБ",
    "x",
    "the the the the the",
]


def default_model_dir():
    if os.environ.get("SHOPLAB_MINILM"):
        return Path(os.environ["SHOPLAB_MINILM"])
    data = os.environ.get("SHOPLAB_DATA") or Path.home() / ".cache/shoplab-data"
    return Path(data) / "all-MiniLM-L6-v2"


def main():
    model_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else default_model_dir()
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        sys.exit(f"{weights} not found: run bench/get-minilm first")
    sha256 = hashlib.sha256(weights.read_bytes()).hexdigest()

    torch.manual_seed(0)
    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    model.eval()
    # The ids exactly as encode() feeds them (same truncation and padding).
    tokenize = getattr(model, "preprocess", None) or model.tokenize
    features = tokenize(TEXTS)
    ids = [
        [int(t) for t, m in zip(row, mask) if m]
        for row, mask in zip(features["input_ids"].tolist(), features["attention_mask"].tolist())
    ]
    vectors = model.encode(TEXTS, batch_size=32, convert_to_numpy=True)
    norms = np.linalg.norm(vectors, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5), norms

    fixture = {
        "about": (
            "Reference for models/tests/encoder_parity.rs: word-piece ids and unit vectors of "
            "sentence-transformers all-MiniLM-L6-v2 (CPU, float32). Made by "
            "bench/encoder/reference.py; regenerate with the commands in its docstring."
        ),
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "model_sha256": sha256,
        "max_seq_length": model.max_seq_length,
        "dim": int(vectors.shape[1]),
        "versions": {
            "sentence_transformers": sentence_transformers.__version__,
            "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__,
            "torch": torch.__version__,
        },
        "cases": [
            {"text": text, "ids": piece_ids, "vector": [round(float(x), 6) for x in vector]}
            for text, piece_ids, vector in zip(TEXTS, ids, vectors)
        ],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # One case per line keeps the file diffable and small.
    lines = [json.dumps({k: v for k, v in fixture.items() if k != "cases"}, ensure_ascii=False)[:-1]]
    lines[0] += ', "cases": ['
    lines += [
        "  " + json.dumps(case, ensure_ascii=False, separators=(",", ":")) + ("," if i + 1 < len(fixture["cases"]) else "")
        for i, case in enumerate(fixture["cases"])
    ]
    lines.append("]}")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    longest = max(len(i) for i in ids)
    print(f"{OUT}: {len(TEXTS)} texts, longest {longest} pieces, sha256 {sha256[:12]}…")


if __name__ == "__main__":
    main()
