"""Calibrate the sentence-similarity threshold per language on PAWS-X paraphrase / non-paraphrase pairs.

PAWS-X (Yang et al. 2019, EMNLP) non-paraphrases share almost all their words with the sentence they are paired
with (swapped names, moved modifiers), the hardest case for a similarity constraint. The threshold kept is the
lowest cosine that rejects at least ``reject`` (default 50 %) of the non-paraphrases; its precision and recall for
"paraphrase" are stored next to it in the language file. Languages without PAWS-X get the mean of the calibrated
thresholds, marked as borrowed.

    python -m robustxnli.attacks.calibrate --data /work/shared/data/pawsx/dev --pairs 400 [--write]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
from pathlib import Path
from typing import Any

import numpy as np

from .validity import LANG_DIR, languages_with_files


def read_pairs(path: Path, n: int, seed: int = 0) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    rows = [r for r in rows if r.get("sentence1") and r.get("sentence2")]
    random.Random(seed).shuffle(rows)
    return rows[:n]


# below this ROC AUC the similarity cannot tell paraphrases from non-paraphrases: the threshold is stored but the
# recipes keep their defaults (a threshold that rejects half of the paraphrases too would only cut valid successes)
MIN_AUC = 0.7


def pick_threshold(sims: np.ndarray, labels: np.ndarray, reject: float = 0.5) -> dict[str, float]:
    """Lowest threshold rejecting ≥ ``reject`` of the non-paraphrases; precision/recall of "kept = paraphrase"."""
    neg = np.sort(sims[labels == 0])
    t = float(neg[min(len(neg) - 1, int(np.ceil(reject * len(neg))))]) if len(neg) else 0.0
    kept = sims >= t
    tp = int((kept & (labels == 1)).sum())
    precision = tp / max(1, int(kept.sum()))
    recall = tp / max(1, int((labels == 1).sum()))
    pos, negs = sims[labels == 1], sims[labels == 0]
    # ROC AUC: the chance that a paraphrase scores above a non-paraphrase (0.5 = the score cannot tell them apart)
    auc = float(((pos[:, None] > negs[None, :]).mean() + 0.5 * (pos[:, None] == negs[None, :]).mean())) \
        if len(pos) and len(negs) else 0.5
    return {"threshold": round(t, 4), "precision": round(precision, 3), "recall": round(recall, 3),
            "non_paraphrases_rejected": round(float((negs < t).mean()), 3), "auc": round(auc, 3),
            "informative": bool(auc >= MIN_AUC), "pairs": int(len(labels))}


def write_similarity(lang: str, entry: dict[str, Any]) -> None:
    """Replace (or append) the one-line ``similarity:`` entry of a language file, keeping its comments."""
    path = LANG_DIR / f"{lang}.yaml"
    line = "similarity: " + json.dumps(entry, ensure_ascii=False)
    text = path.read_text(encoding="utf-8")
    if re.search(r"^similarity:.*$", text, flags=re.M):
        text = re.sub(r"^similarity:.*$", line, text, flags=re.M)
    else:
        text = text.rstrip("\n") + "\n" + line + "\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="directory with <lang>.jsonl.gz PAWS-X files")
    ap.add_argument("--pairs", type=int, default=400)
    ap.add_argument("--reject", type=float, default=0.5)
    ap.add_argument("--encoder-dir", default=None)
    ap.add_argument("--write", action="store_true", help="store the thresholds in attacks/languages/*.yaml")
    args = ap.parse_args(argv)
    from .constraints import SentenceEncoder
    from .engine import default_encoder_dir

    enc = SentenceEncoder(args.encoder_dir or default_encoder_dir())
    found: dict[str, dict[str, Any]] = {}
    for lang in languages_with_files():
        path = args.data / f"{lang}.jsonl.gz"
        if not path.exists():
            continue
        rows = read_pairs(path, args.pairs)
        sims = enc.similarity([r["sentence1"] for r in rows], [r["sentence2"] for r in rows])
        labels = np.array([int(r["label"]) for r in rows])
        res = pick_threshold(sims, labels, args.reject)
        res["source"] = f"PAWS-X dev {lang}, {res.pop('pairs')} pairs, e5-small (12 layers), seed 0"
        found[lang] = res
        print(lang, json.dumps(res, ensure_ascii=False), flush=True)
    if not found:
        raise SystemExit(f"no PAWS-X files for languages with a language file under {args.data}")
    mean = round(float(np.mean([r["threshold"] for r in found.values()])), 4)
    for lang in languages_with_files():
        entry = found.get(lang) or {"threshold": mean, "informative": all(r["informative"] for r in found.values()),
                                    "source": f"borrowed: mean of the PAWS-X calibrated languages "
                                              f"({', '.join(sorted(found))})"}
        print(lang, entry)
        if args.write:
            write_similarity(lang, entry)


if __name__ == "__main__":
    main()
