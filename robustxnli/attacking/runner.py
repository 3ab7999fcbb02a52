"""Run one recipe against one checkpoint in one XNLI language and write the run directory.

* Each example is attacked with TextAttack's ``Attack.attack`` on a two-column ``AttackedText``
  (premise, hypothesis) against its gold label; examples the model already gets wrong come back "skipped".
* Records are appended (and fsynced) every quarter second or so; a re-run with the same arguments skips ids already
  in ``records.jsonl`` after dropping a torn last line, so a ``kill -9`` loses no finished example and
  duplicates none.
* Python, NumPy and torch random generators are re-seeded per example from ``(seed, id)``, so the same seed
  gives the same adversarial examples whatever the order, the ``--limit`` or a resume.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import time
import unicodedata
from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from robustxnli.attacks.refusals import RefusalCounter, describe_candidates, summarize_candidates
from robustxnli.constants import XNLI_LANGS
from robustxnli.errors import UserError
from robustxnli.offline import prepare
from robustxnli.perclass import attack_by_class
from robustxnli.progress import progress_bar
from robustxnli.rundir import RunDir, file_sha256, truncate_torn_tail
from robustxnli.schema import AttackRecord, AttackSummary, Identity, clean_correct, read_records, robust_correct

STATUSES = ("succeeded", "failed", "skipped")
FLUSH_SECONDS = 0.25


def example_seed(seed: int, example_id: str) -> int:
    return int(hashlib.sha256(f"{seed}:{example_id}".encode()).hexdigest()[:15], 16)


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", str(text).strip("/")).strip("-")[-60:] or "run"


def _probs(raw: Any) -> list[float]:
    arr = raw.detach().cpu().numpy() if hasattr(raw, "detach") else np.asarray(raw)
    return [round(float(x), 6) for x in np.ravel(arr)]


def result_record(example: Any, result: Any, columns: Sequence[str], candidates: dict[str, Any] | None = None
                  ) -> dict[str, Any]:
    """One records.jsonl row from a TextAttack AttackResult (``candidates``: what the constraints checked and
    refused for it, attacks/refusals.py)."""
    from robustxnli.attacks.constraints import column_word_count, words_changed

    status = {"SuccessfulAttackResult": "succeeded", "FailedAttackResult": "failed",
              "SkippedAttackResult": "skipped"}.get(type(result).__name__)
    if status is None:  # e.g. MaximizedAttackResult: a goal this runner does not use
        raise RuntimeError(f"unexpected attack result {type(result).__name__}")
    orig, pert = result.original_result, result.perturbed_result
    adv = pert.attacked_text._text_input
    n_changed = words_changed(pert.attacked_text) if status != "skipped" else 0
    n_words = column_word_count(orig.attacked_text, columns)
    return AttackRecord(
        id=example.id, lang=example.lang, label=int(example.label), status=status,
        clean_pred=int(orig.output), adv_pred=int(pert.output),
        clean_probs=_probs(orig.raw_output), adv_probs=_probs(pert.raw_output),
        premise=orig.attacked_text._text_input["premise"], hypothesis=orig.attacked_text._text_input["hypothesis"],
        adv_premise=adv["premise"], adv_hypothesis=adv["hypothesis"],
        words_changed=n_changed, words_changed_frac=round(n_changed / n_words, 6) if n_words else 0.0,
        queries=int(pert.num_queries if status != "skipped" else orig.num_queries),
        candidates=candidates if status != "skipped" else None,
    ).to_json()


def nfc_pair(ex: Any) -> tuple[str, str]:
    return unicodedata.normalize("NFC", ex.premise), unicodedata.normalize("NFC", ex.hypothesis)


def attack_examples(attack: Any, examples: Sequence[Any], seed: int, columns: Sequence[str],
                    skip: set[str] = frozenset(), wrapper: Any = None, prefetch: int = 64,
                    refusals: Any = None) -> Iterator[dict[str, Any]]:
    """Attack each example not in ``skip`` (NFC-normalised pair, gold label); yield its record.

    With ``wrapper`` (the goal function's cached model wrapper), clean pairs are predicted ``prefetch`` at a time
    in one batched call: TextAttack would otherwise run one forward pass of a single pair per example. Chunks are
    fixed slices of ``examples`` (done ones included), so a resumed run batches exactly like an uninterrupted
    one and gets bit-identical clean probabilities. With ``refusals`` (a
    :class:`~robustxnli.attacks.refusals.RefusalCounter` on ``attack``), each record says what the constraints
    checked and refused for its pair.
    """
    from textattack.shared import AttackedText

    for start in range(0, len(examples), prefetch):
        chunk = examples[start: start + prefetch]
        if all(ex.id in skip for ex in chunk):
            continue
        if wrapper is not None:
            wrapper([nfc_pair(ex) for ex in chunk])
        for ex in chunk:
            if ex.id in skip:
                continue
            seed_everything(example_seed(seed, ex.id))
            premise, hypothesis = nfc_pair(ex)
            text = AttackedText(OrderedDict(premise=premise, hypothesis=hypothesis))
            result = attack.attack(text, int(ex.label))
            yield result_record(ex, result, columns, refusals.take() if refusals is not None else None)


def summarize(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The attack summary of the run-directory contract (robust accuracy: :func:`robustxnli.schema.robust_correct`)."""
    n = len(records)
    by = {s: [r for r in records if r["status"] == s] for s in STATUSES}
    attacked = by["succeeded"] + by["failed"]

    def mean(xs: list[float]) -> float | None:
        return float(np.mean(xs)) if xs else None

    return AttackSummary(
        n=n, n_succeeded=len(by["succeeded"]), n_failed=len(by["failed"]), n_skipped=len(by["skipped"]),
        clean_accuracy=sum(map(clean_correct, records)) / n if n else None,
        robust_accuracy=sum(map(robust_correct, records)) / n if n else None,
        attack_success_rate=len(by["succeeded"]) / len(attacked) if attacked else None,
        # over successful adversarial examples (a failed attack's last candidate is not an adversarial example)
        mean_words_changed=mean([r["words_changed_frac"] for r in by["succeeded"]]),
        mean_queries=mean([r["queries"] for r in attacked]),
        by_class=attack_by_class(records),  # per gold class: skipped (already wrong), succeeded, robust acc
        candidates=summarize_candidates(records),  # where the candidates went (older records: none)
    ).to_json()


class TrackedOptions(dict):
    """Recipe options that remember which keys the recipe read while it was built."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def get(self, key: Any, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: Any) -> bool:
        self.read.add(key)
        return super().__contains__(key)


def build_attack(rec: Any, ctx: Any, user_keys: Sequence[str] = (), generic: bool = False) -> Any:
    """``rec.build(ctx)``, with every failure that comes from the user's inputs as one :class:`UserError`: a
    plug-in factory that raises or returns no Attack, an option value of the wrong type, and an ``-o`` key the
    recipe never reads (with a "did you mean")."""
    from dataclasses import replace

    from robustxnli import validate

    tracked = TrackedOptions(ctx.options)
    ctx = replace(ctx, options=tracked)
    try:
        attack = rec.factory(ctx) if generic else rec.build(ctx)  # generic: a language the recipe does not list
    except UserError:
        raise
    except Exception as err:
        if rec.source == "built-in" and not user_keys:
            raise  # a bug in a built-in recipe: keep the traceback
        given = ", ".join(f"{k}={dict.get(tracked, k)!r}" for k in user_keys) or "no -o options"
        raise UserError(f"recipe {rec.name!r} ({rec.source}) failed to build with {given}: "
                        f"{type(err).__name__}: {err}") from err
    if attack is None or not callable(getattr(attack, "attack", None)):
        raise UserError(f"recipe {rec.name!r} ({rec.source}) returned {type(attack).__name__}, not a "
                        "textattack.Attack; its factory must return the Attack it builds")
    validate.known_keys("-o/--option", [k for k in user_keys if k not in tracked.read], tracked.read,
                        f"recipe {rec.name!r}")
    return attack


def _jsonable(options: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in sorted(options.items()) if v is not None}


def default_out(model: str, lang: str, recipe: str, seed: int) -> Path:
    return Path("runs") / "attack" / f"{slug(Path(str(model)).name)}-{lang}-{slug(recipe)}-s{seed}"


def attack_run(model: Any, lang: str, recipe: Any, split: str = "dev", limit: int | None = None, seed: int = 0,
               perturb: str | None = None, out: str | Path | None = None, data_dir: str | Path | None = None,
               options: dict[str, Any] | None = None, *, classifier: Any = None, progress: bool = True,
               data: Any = None, user_options: Sequence[str] | None = None, overwrite: bool = False
               ) -> dict[str, Any]:
    """Attack XNLI ``split`` in ``lang`` with ``recipe``; write/resume the run dir ``out``; return the summary.

    ``model`` is a checkpoint (path or name) or an already loaded ``NLIClassifier`` (``classifier=`` also
    accepts one, to share a loaded model across runs). ``recipe`` is a name, ``file.py:factory`` or a Recipe.
    ``data`` (a path, ``hub:NAME``, a sweep ``data:`` mapping or a loaded UserData) attacks the user's own set in
    ``lang`` (any ISO 639 code) instead of XNLI; a two-way set is attacked two-way (attacks/two_way.py).
    ``user_options``: the option keys the user typed, checked against what the recipe reads (the command line
    passes them; API callers may share one options dict across recipes, so by default nothing is checked).
    A run dir holding another run (model, data, split, recipe, seed, options, or a smaller limit) is refused;
    ``overwrite`` starts it over. ``perturb`` (hypothesis, premise or both) defaults to the recipe's choice.
    """
    prepare()
    from robustxnli import validate
    from robustxnli.data import load_nli, split_sha256
    from robustxnli.models import NLIClassifier, load_classifier
    from robustxnli.recipes import PERTURB_CHOICES, Recipe, get_recipe
    from robustxnli.models.fingerprint import model_fingerprint
    from robustxnli.rundir import data_fingerprint

    from robustxnli.attacks.constraints import perturbed_columns

    if data is not None:
        from robustxnli.data.user import UserData, load_user_data

        data = data if isinstance(data, UserData) else load_user_data(data)
    if data is None and lang not in XNLI_LANGS:
        raise UserError(f"unknown language {lang!r}; choose from: {', '.join(XNLI_LANGS)}")
    if perturb is not None and perturb not in PERTURB_CHOICES:
        raise UserError(f"unknown --perturb {perturb!r}; choose from: {', '.join(PERTURB_CHOICES)}")
    validate.positive("--limit", limit)
    validate.seed("--seed", seed)
    rec = recipe if isinstance(recipe, Recipe) else get_recipe(str(recipe))
    perturb = perturb or rec.perturb
    if data is None or not language_generic(rec, lang):
        rec.require_language(lang)
    if isinstance(model, NLIClassifier):
        classifier = model
    if classifier is None:
        validate.checkpoint("--model", str(model))
    clf = classifier or load_classifier(model)
    examples = data.for_lang(lang, limit) if data is not None else load_nli("xnli", split, lang, data_dir, limit)
    if not examples:
        raise UserError(f"no {data.name if data is not None else 'XNLI ' + split} examples for {lang}" +
                        (f"; its languages: {', '.join(data.langs())}" if data is not None else " (empty data file?)"))
    options = _jsonable(dict(options or {}))

    run_path = Path(out or default_out(clf.name, lang, rec.name, seed))
    validate.out_dir("--out", run_path)
    ctx = attack_context(clf, lang, perturb, seed, options, data, split, data_dir)
    # before the run dir exists: a recipe refusing its options leaves nothing behind
    generic = data is not None and language_generic(rec, lang)  # checked above; build() would refuse the code
    try:
        attack = build_attack(rec, ctx, list(user_options or ()), generic=generic)
    except UserError as err:
        if not generic:
            raise
        raise UserError(f"recipe {rec.name!r} has no resources for {lang!r} ({err}); script-generic recipes such "
                        "as charnoise and wordsub-embedding run on any language") from None
    data_sha = data.sha256 if data is not None else split_sha256("xnli", split, lang, data_dir)
    if data is not None:
        lang_sha = data_fingerprint(data.sha256)
    else:
        lang_sha = data_fingerprint(data_sha) if data_sha else "hub"
    model_path, model_sha = model_fingerprint(str(model) if isinstance(model, (str, Path)) else clf.name)
    identity = Identity(kind="attack", model=model_path, model_sha256=model_sha, data_sha256={lang: lang_sha},
                        split="data" if data is not None else split, langs=[lang], limit=limit, seed=seed,
                        recipe=rec.name, recipe_source=plugin_fingerprint(rec.source), perturb=perturb,
                        options=options).to_json()
    run = RunDir(run_path)
    run.check_identity(identity, overwrite)
    refuse_other_attack(run, str(attack))
    fields = clf.manifest_fields()
    fields["caveats"] = list(fields.get("caveats") or []) + constraint_caveats(attack, options)
    run.write_manifest(**fields, kind="attack", lang=lang, recipe=rec.name,
                       split="data" if data is not None else split, perturb=perturb, attack_seed=seed,
                       options=options, identity=identity, status="running", limit=limit,
                       recipe_citation=rec.citation, recipe_source=rec.source, recipe_languages=list(rec.languages),
                       recipe_constraints=rec.constraints,
                       data_sha256=data_sha, hyperparameters={"perturb": perturb, "attack_seed": seed, **options},
                       attack=str(attack), **(data.manifest_fields() if data is not None else {}))
    try:
        truncate_torn_tail(run.records_path)
        previous = list(read_records(run.records_path, "attack"))
    except BaseException as err:
        run.fail(err)
        raise
    done = {str(r["id"]) for r in previous}
    todo = [e for e in examples if e.id not in done]
    counts = {s: 0 for s in STATUSES}
    wanted = {e.id for e in examples}
    for r in previous:
        if r["id"] in wanted:
            counts[r["status"]] += 1
    columns = perturbed_columns(perturb)
    start = time.perf_counter()
    ctx.model_wrapper.reset_counters()
    pending: list[dict[str, Any]] = []
    try:
        with progress_bar(f"attack {rec.name} {lang}", len(examples), counts, enabled=progress) as advance:
            advance(len(examples) - len(todo))
            last_flush = time.perf_counter()
            for row in attack_examples(attack, examples, seed, columns, skip=done, wrapper=ctx.model_wrapper,
                                       refusals=RefusalCounter(attack)):
                pending.append(row)
                advance(1, **{row["status"]: 1})
                # fsync at most every FLUSH_SECONDS: a kill loses < FLUSH_SECONDS of work, never a written record
                if time.perf_counter() - last_flush >= FLUSH_SECONDS:
                    run.append_records(pending)
                    pending, last_flush = [], time.perf_counter()
            run.append_records(pending)
            pending = []
    except BaseException as err:
        run.append_records(pending)  # finished examples survive a Ctrl-C or a crash in a later example
        run.fail(err)
        raise
    seconds = time.perf_counter() - start
    records = [r for r in read_records(run.records_path, "attack") if r["id"] in wanted]
    summary = summarize(records)
    run.write_summary(summary)
    wrapper = ctx.model_wrapper.counters()
    wrapper["similarity_seconds"] = sum(getattr(getattr(c, "encoder", None), "seconds", 0.0)
                                        for c in attack.constraints)
    run.finish(status="done", timing={"seconds": round(seconds, 3), "examples_attacked": len(todo),
                                      **{k: round(v, 3) if isinstance(v, float) else v for k, v in wrapper.items()}})
    return summary


def attack_context(clf: Any, lang: str, perturb: str, seed: int, options: dict[str, Any], data: Any, split: str,
                   data_dir: str | None) -> Any:
    """The recipe context of one attack: the model (two-way sets wrapped), and the pair in the other languages
    (loaded only if a recipe asks: codemix and ParallelSense confirm words with it)."""
    from robustxnli.attacks.engine import make_context
    from robustxnli.attacks.parallel import user_parallel, xnli_parallel

    parallel = user_parallel(lang, data) if data is not None else xnli_parallel(lang, split, data_dir)
    return make_context(clf, lang, perturb, seed, options, model_wrapper=two_way_wrapper(clf, data),
                        parallel=parallel)


def constraint_caveats(attack: Any, options: dict[str, Any]) -> list[str]:
    """What the recipe's stated constraints do not do in this run (the report lists manifests' caveats)."""
    from robustxnli.attacks.label_preserving import LabelPreserving, unchecked

    if options.get("label_preserving") is False:
        return ["label-preserving constraints switched off (-o label_preserving=false): the recipe's stated "
                "constraints do not apply, and successes may change the gold label"]
    gaps = (unchecked(c.lang, c.mode) for c in attack.constraints if isinstance(c, LabelPreserving))
    return [g for g in dict.fromkeys(gaps) if g]


def plugin_fingerprint(source: str) -> str | None:
    """What tells two plug-in recipes of the same name apart (None for built-ins): the file and a hash of its
    text (``--recipe my_recipe.py:build`` and ``other/my_recipe.py:build`` are both named ``build``), else the
    module or entry point."""
    if source == "built-in":
        return None
    path = Path(source)
    return f"{path.name} sha256:{file_sha256(path)[:16]}" if path.is_file() else source


def refuse_other_attack(run: RunDir, attack: str) -> None:
    """A run resumes only with the attack it was built with: the identity says which model, data and options, but
    the constraints also come from the code, the language files and the lexicons installed; records of two
    attacks must not be mixed in one summary."""
    if not run.manifest_path.exists() or not (run.records_path.exists() and run.records_path.stat().st_size):
        return
    before = run.manifest().get("attack")
    if before is None or before == attack:
        return
    old, new = before.splitlines(), attack.splitlines()
    i = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
    was, now = (lines[i].strip()[:80] if i < len(lines) else "(nothing)" for lines in (old, new))
    raise UserError(f"{run.path} was attacked with other constraints (was {was!r}, now {now!r}): the code, a "
                    "language file or the installed lexicons changed since; pass --overwrite (in a sweep: delete "
                    "the directory) to start over there, or choose another --out")


def language_generic(rec: Any, lang: str) -> bool:
    """A recipe declared for all 15 XNLI languages runs on any other language of the user's data with its
    script-generic parts (no keyboard layout or stopword list for that language)."""
    return lang not in XNLI_LANGS and set(rec.languages) >= set(XNLI_LANGS)


def two_way_wrapper(clf: Any, data: Any) -> Any:
    """The two-way model wrapper for a two-way set, else None (the recipe context builds the 3-way one)."""
    if data is None or not data.two_way:
        return None
    from robustxnli.attacks.two_way import TwoWayModelWrapper

    return TwoWayModelWrapper(clf)


def summary_line(summary: dict[str, Any]) -> str:
    def pct(x: Any) -> str:
        return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"

    return (f"n={summary['n']} clean={pct(summary['clean_accuracy'])} robust={pct(summary['robust_accuracy'])} "
            f"success={pct(summary['attack_success_rate'])} (succeeded {summary['n_succeeded']}, failed "
            f"{summary['n_failed']}, skipped {summary['n_skipped']})" + _class_part(summary.get("by_class"))
            + _candidate_part(summary.get("candidates")))


def _candidate_part(candidates: dict[str, Any] | None) -> str:
    """' | 1,234 candidates checked in 20 attacked pairs, 3.1% accepted; refused by ...'."""
    text = describe_candidates(candidates)
    return f" | {text}" if text else ""


def _class_part(by_class: dict[str, Any] | None) -> str:
    """' | per gold class: E success 40% (2 already wrong) ...' for the one-line summary."""
    if not by_class:
        return ""
    parts = []
    for name, c in by_class.items():
        rate = "—" if c["success_rate"] is None else f"{100 * c['success_rate']:.0f}%"
        parts.append(f"{name[0].upper()} n={c['n']} success {rate}, {c['skipped_already_wrong']} already wrong")
    return " | per gold class: " + "; ".join(parts)
