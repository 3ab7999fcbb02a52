"""Three-way evaluation on the lexical-inference contrast sets: accuracy per category and language, beside what a
model that always answers entailment would score, and the per-class prediction shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..perclass import per_class_by_lang
from ..generated_sets import evaluate_generated
from ..rundir import RunDir, file_sha256, truncate_torn_tail
from ..schema import ContrastRecord, Identity, read_records
from .generate import CATEGORIES, ENTAILMENT, LANG_DIR, generate, parse_contrast_langs


def summarize(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """accuracy[lang][category], overall[lang] (mean over categories, so big categories do not dominate),
    contradiction / entailment accuracy per language, n, and per-class prediction shares."""
    langs = list(dict.fromkeys(r["lang"] for r in records))
    acc: dict[str, dict[str, float]] = {}
    n: dict[str, dict[str, int]] = {}
    by_label: dict[str, dict[str, float]] = {}
    for lang in langs:
        rows = [r for r in records if r["lang"] == lang]
        for cat in CATEGORIES:
            sel = [bool(r["correct"]) for r in rows if r["category"] == cat]
            if sel:
                acc.setdefault(lang, {})[cat] = float(np.mean(sel))
                n.setdefault(lang, {})[cat] = len(sel)
        for name, lab in (("contradiction", 2), ("entailment", ENTAILMENT)):
            sel = [bool(r["correct"]) for r in rows if r["label"] == lab]
            if sel:
                by_label.setdefault(lang, {})[name] = float(np.mean(sel))
    return {"accuracy": acc, "n": n, "accuracy_by_label": by_label,
            "overall": {lang: float(np.mean(list(acc[lang].values()))) for lang in acc},
            "per_class": per_class_by_lang(records)}


def evaluate_contrast(classifier, lang: str | Sequence[str], n_per_category: int = 100, seed: int = 0,
                      out_dir: str | Path | None = None, batch_size: int = 64, overwrite: bool = False
                      ) -> dict[str, Any]:
    """Generate the contrast set(s) for ``lang`` and evaluate ``classifier`` three-way; writes a run dir (kind
    "contrast") when ``out_dir`` is given. Records already there are not predicted again; a run dir of another
    model, seed or language-file version is refused (``overwrite`` starts over), a larger n extends it."""
    from .. import validate
    from ..models.fingerprint import model_fingerprint

    langs = parse_contrast_langs(lang)
    validate.positive("--n-per-category", n_per_category, allow_none=False)
    validate.seed("--seed", seed)
    validate.positive("--batch-size", batch_size, allow_none=False)
    fields = classifier.manifest_fields() if hasattr(classifier, "manifest_fields") else {}
    run = None
    existing: list[dict[str, Any]] = []
    if out_dir is not None:
        validate.out_dir("--out", out_dir)
        hashes = {f"contrast/languages/{c}.yaml": file_sha256(LANG_DIR / f"{c}.yaml") for c in langs}
        model_path, model_sha = model_fingerprint(str(fields.get("checkpoint") or getattr(classifier, "name", "?")))
        identity = Identity(kind="contrast", model=model_path, model_sha256=model_sha, split="generated",
                            data_sha256={c: hashes[f"contrast/languages/{c}.yaml"] for c in langs}, langs=langs,
                            limit=n_per_category, seed=seed).to_json()
        run = RunDir(out_dir)
        # a larger n extends the run: each category's first n pairs do not depend on n
        identity = run.check_identity(identity, overwrite, names={"limit": "n_per_category", "seed": "generation seed"})
        old = run.manifest()
        run.write_manifest(kind="contrast", langs=langs, seed=fields.get("seed"), contrast_seed=seed,
                           n_per_category=n_per_category, split="generated", identity=identity, status="running",
                           data_sha256={**old.get("data_sha256", {}), **hashes},
                           **{k: v for k, v in fields.items() if k != "seed"})
        truncate_torn_tail(run.records_path)
        existing = list(read_records(run.records_path, "contrast"))
    try:
        return _evaluate(classifier, run, existing, langs, n_per_category, seed, batch_size)
    except BaseException as err:
        if run is not None:
            run.fail(err)
        raise


def _evaluate(classifier, run: RunDir | None, existing: list[dict[str, Any]], langs: list[str],
              n_per_category: int, seed: int, batch_size: int) -> dict[str, Any]:
    def to_records(rows: list[dict[str, Any]], probs: Any) -> list[dict[str, Any]]:
        return [ContrastRecord(**r, pred=int(p.argmax()), correct=bool(int(p.argmax()) == r["label"]),
                               probs=[round(float(x), 6) for x in p]).to_json() for r, p in zip(rows, probs)]

    return evaluate_generated(classifier, run, {c: generate(c, n_per_category, seed) for c in langs}, existing,
                              langs, batch_size, f"contrast sets, {len(langs)} language(s)", to_records, summarize)


def contrast_run(model: str, out: str | Path, lang: str | Sequence[str] = "en", n_per_category: int = 100,
                 seed: int = 0, batch_size: int = 64, label_order: list[str] | None = None,
                 overwrite: bool = False) -> dict[str, Any]:
    """Sweep/CLI cell: load ``model`` and evaluate it on the contrast set(s) into the run dir ``out``."""
    from ..models import load_classifier

    return evaluate_contrast(load_classifier(model, label_order=label_order), lang, n_per_category, seed, out,
                             batch_size, overwrite)
