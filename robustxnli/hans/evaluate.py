"""Two-way evaluation on HANS-style sets, as in McCoy et al. (2019): the model's neutral and contradiction both
count as non-entailment. Accuracy per heuristic x (entailed / non-entailed) x language, and per subcase."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..constants import parse_covered_langs
from ..generated_sets import evaluate_generated
from ..rundir import RunDir, file_sha256, truncate_torn_tail
from ..schema import HansRecord, HansSummary, Identity, read_records
from .generate import (ENTAILED, HANS_SUBCASES, HEURISTICS, LANG_DIR, NON_ENTAILED, available_languages,
                       covered_subcases, generate)

SPLIT_NAMES = {ENTAILED: "entailed", NON_ENTAILED: "non_entailed"}


def two_way(probs: np.ndarray) -> np.ndarray:
    """3-way XNLI-ordered probabilities -> 0 entailment / 1 non-entailment (argmax over the 3 classes)."""
    return (probs.argmax(-1) != 0).astype(int)


def parse_hans_langs(langs: str | Sequence[str]) -> list[str]:
    """'de', 'de,fr', ['de', 'ru'] or 'all-covered' (every language with a data file)."""
    return parse_covered_langs(langs, available_languages(), "HANS-style data")


def summarize(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """accuracy[heuristic][entailed|non_entailed] over all languages, plus the same by language and by subcase."""
    def mean(rows: list[dict[str, Any]]) -> float | None:
        return float(np.mean([bool(r["correct"]) for r in rows])) if rows else None

    def by_heuristic(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for h in HEURISTICS.values():
            for label, name in SPLIT_NAMES.items():
                sel = [r for r in rows if r["heuristic"] == h and r["label"] == label]
                if sel:
                    out.setdefault(h, {})[name] = mean(sel)
        return out

    langs = list(dict.fromkeys(r["lang"] for r in records))
    order = {s: i for i, s in enumerate(HANS_SUBCASES)}
    by_sub: dict[str, dict[str, float]] = {}
    for lang in langs:
        rows = [r for r in records if r["lang"] == lang]
        for sub in sorted({r["subcase"] for r in rows}, key=order.get):
            by_sub.setdefault(lang, {})[sub] = mean([r for r in rows if r["subcase"] == sub])
    return HansSummary(
        accuracy=by_heuristic(list(records)),
        accuracy_by_lang={lang: by_heuristic([r for r in records if r["lang"] == lang]) for lang in langs},
        accuracy_by_subcase=by_sub,
        overall={lang: mean([r for r in records if r["lang"] == lang]) for lang in langs},
        n={lang: sum(r["lang"] == lang for r in records) for lang in langs},
    ).to_json()


def evaluate_hans(classifier, lang: str | Sequence[str], n_per_subcase: int = 1000, seed: int = 0,
                  out_dir: str | Path | None = None, batch_size: int = 64, overwrite: bool = False) -> dict[str, Any]:
    """Generate the HANS-style set(s) for ``lang`` and evaluate ``classifier`` two-way; writes a run dir
    (kind "hans") when ``out_dir`` is given. A language whose records are all there is skipped on a re-run."""
    from .. import validate

    langs = parse_hans_langs(lang)
    validate.positive("--n-per-subcase", n_per_subcase, allow_none=False)
    validate.seed("--seed", seed)
    validate.positive("--batch-size", batch_size, allow_none=False)
    if out_dir is not None:
        validate.out_dir("--out", out_dir)
    fields = classifier.manifest_fields() if hasattr(classifier, "manifest_fields") else {}
    sets = {code: generate(code, n_per_subcase, seed) for code in langs}
    run = None
    if out_dir is not None:
        from ..models.fingerprint import model_fingerprint

        hashes = {f"hans/languages/{code}.yaml": file_sha256(LANG_DIR / f"{code}.yaml") for code in langs}
        model_path, model_sha = model_fingerprint(str(fields.get("checkpoint") or getattr(classifier, "name", "?")))
        identity = Identity(kind="hans", model=model_path, model_sha256=model_sha,
                            data_sha256={code: hashes[f"hans/languages/{code}.yaml"] for code in langs},
                            split="generated", langs=langs, limit=n_per_subcase, seed=seed).to_json()
        run = RunDir(out_dir)
        # a larger n extends the run: each subcase's first n examples do not depend on n
        identity = run.check_identity(identity, overwrite, names={"limit": "n_per_subcase", "seed": "generation seed"})
        old = run.manifest()
        run.write_manifest(kind="hans", langs=langs, lang=langs[0] if len(langs) == 1 else None, seed=fields.get(
            "seed"), hans_seed=seed, n_per_subcase=n_per_subcase, split="generated", identity=identity,
            status="running", covered_subcases={code: covered_subcases(code) for code in langs},
            data_sha256={**old.get("data_sha256", {}), **hashes},
            hyperparameters={"n_per_subcase": n_per_subcase, "generation_seed": seed, "batch_size": batch_size},
            **{k: v for k, v in fields.items() if k != "seed"})
    try:
        summary = _evaluate(classifier, run, sets, langs, batch_size)
    except BaseException as err:
        if run is not None:
            run.fail(err)
        raise
    return summary


def _evaluate(classifier, run: RunDir | None, sets: dict[str, list[dict[str, Any]]], langs: list[str],
              batch_size: int) -> dict[str, Any]:
    existing: list[dict[str, Any]] = []
    if run is not None:
        truncate_torn_tail(run.records_path)
        existing = list(read_records(run.records_path, "hans"))

    def to_records(rows: list[dict[str, Any]], probs: Any) -> list[dict[str, Any]]:
        preds = two_way(probs)
        return [HansRecord(id=r["id"], lang=r["lang"], label=int(r["label"]), heuristic=r["heuristic"],
                           subcase=r["subcase"], premise=r["premise"], hypothesis=r["hypothesis"],
                           pred2=int(p), pred=int(pr.argmax()), correct=bool(p == r["label"]),
                           probs=[round(float(x), 6) for x in pr]).to_json()
                for r, p, pr in zip(rows, preds, probs)]

    return evaluate_generated(classifier, run, sets, existing, langs, batch_size,
                              f"HANS-style evaluation, {len(langs)} language(s)", to_records, summarize)


def hans_run(model: str, out: str | Path, lang: str | Sequence[str] = "en", n_per_subcase: int = 100, seed: int = 0,
             batch_size: int = 64, label_order: list[str] | None = None, overwrite: bool = False) -> dict[str, Any]:
    """Sweep/CLI cell: load ``model`` and evaluate it on the HANS-style set(s) into the run dir ``out``."""
    from ..models import load_classifier

    from .. import validate

    parse_hans_langs(lang)  # every argument is checked before the model loads
    validate.positive("--n-per-subcase", n_per_subcase, allow_none=False)
    validate.seed("--seed", seed)
    validate.positive("--batch-size", batch_size, allow_none=False)
    validate.out_dir("--out", out)
    validate.checkpoint("--model", model)
    return evaluate_hans(load_classifier(model, label_order=label_order), lang, n_per_subcase, seed, out, batch_size,
                         overwrite)
