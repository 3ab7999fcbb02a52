"""Attack throughput: robustxnli's runner vs the same recipe through plain TextAttack.

Same model, same XNLI examples, same recipe (identical transformation, constraints and search, built once by
the recipe), measured side by side in one process:
* baseline: ``textattack.Attacker`` with ``HuggingFaceModelWrapper`` (pads every batch to ``model_max_length``,
  batches of 32 in arrival order, ``no_grad``) and TextAttack's default goal function;
* robustxnli: :func:`robustxnli.attacking.runner.attack_run` (length-sorted batches padded to the longest pair,
  ``inference_mode``, a prediction cache across examples, records fsynced per example).
Prints examples/second for each, the ratio (goal >= 3x), the share of robustxnli's wall time spent in the model's
forward pass (goal >= 85%) and whether both gave the same outcome per example.

    python benchmarks/bench_attack.py --model e5-small --lang de --limit 20          # the embedded default
    python benchmarks/bench_attack.py --tiny --lang de --limit 30                     # the tiny test model
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path


def load_model(args):
    from robustxnli.models import load_classifier

    if args.tiny:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from test_attack_engine import build_sensitive_model

        return load_classifier(build_sensitive_model(Path(tempfile.mkdtemp()) / "tiny"))
    try:
        return load_classifier(args.model)
    except Exception:  # a pretrained encoder: give it a fresh 3-way head; speed is what is measured here
        from transformers import AutoTokenizer

        from robustxnli.models.classifier import NLIClassifier, resolve_base_model
        from robustxnli.training.run import init_target_model

        base = resolve_base_model(args.model)
        return NLIClassifier(init_target_model(base), AutoTokenizer.from_pretrained(base), args.model, [0, 1, 2])


def run_baseline(clf, attack, examples, seed: int) -> tuple[float, list[str]]:
    """The same Attack components through TextAttack's own machinery."""
    import textattack
    from textattack.goal_functions import UntargetedClassification
    from textattack.models.wrappers import HuggingFaceModelWrapper

    if clf.perm != [0, 1, 2]:
        raise SystemExit("baseline needs a checkpoint whose labels are already in XNLI order")
    wrapper = HuggingFaceModelWrapper(clf.model, clf.tokenizer)
    baseline = textattack.Attack(UntargetedClassification(wrapper), attack.pre_transformation_constraints
                                 + attack.constraints, attack.transformation, attack.search_method)
    dataset = textattack.datasets.Dataset([((e.premise, e.hypothesis), e.label) for e in examples],
                                          input_columns=["premise", "hypothesis"])
    attack_args = textattack.AttackArgs(num_examples=len(examples), random_seed=seed, disable_stdout=True,
                                        silent=True)
    t0 = time.perf_counter()
    results = textattack.Attacker(baseline, dataset, attack_args).attack_dataset()
    seconds = time.perf_counter() - t0
    names = {"SuccessfulAttackResult": "succeeded", "FailedAttackResult": "failed", "SkippedAttackResult": "skipped"}
    return seconds, [names.get(type(r).__name__, type(r).__name__) for r in results]


def _forget_caches() -> None:
    """Process-wide caches the baseline run filled (sentence-encoder embeddings, word segmentation)."""
    from robustxnli.attacks import constraints, text

    constraints._ENCODERS.clear()
    text._words.cache_clear()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="e5-small", help="classifier checkpoint, or an embedded encoder name "
                    "(e5-small, e5-small-L6: a fresh random 3-way head is added)")
    ap.add_argument("--tiny", action="store_true", help="use the tiny test model instead of --model")
    ap.add_argument("--lang", default="de")
    ap.add_argument("--recipe", default="textattack:deepwordbug")
    ap.add_argument("--limit", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (2 threads on a busy 2-core machine run ~7x slower than 1)")
    ap.add_argument("--device", default=None, help="e.g. cuda")
    ap.add_argument("--skip-baseline", action="store_true")
    args = ap.parse_args()

    import os

    os.environ.setdefault("ROBUSTXNLI_PROGRESS", "0")
    from robustxnli.offline import prepare

    prepare()
    import torch

    from robustxnli.attacks.engine import make_context
    from robustxnli.attacking.runner import attack_run
    from robustxnli.data import load_nli
    from robustxnli.recipes import get_recipe

    torch.set_num_threads(args.threads)
    clf = load_model(args)
    if args.device:
        clf.model.to(args.device)
    examples = load_nli("xnli", "dev", args.lang, limit=args.limit)
    recipe = get_recipe(args.recipe)
    print(f"model {clf.name} ({clf.param_counts()['total'] / 1e6:.1f}M params), {len(examples)} XNLI dev "
          f"{args.lang} pairs, recipe {recipe.name}, {args.threads} CPU threads, device "
          f"{next(clf.model.parameters()).device}", flush=True)

    base_s = base_status = None
    if not args.skip_baseline:
        attack = recipe.build(make_context(clf, args.lang, "hypothesis", args.seed))
        base_s, base_status = run_baseline(clf, attack, examples, args.seed)
        print(f"TextAttack Attacker + HuggingFaceModelWrapper: {base_s:8.2f} s  "
              f"{len(examples) / base_s:7.2f} examples/s", flush=True)

    _forget_caches()  # ours starts as cold as the baseline did
    out = Path(tempfile.mkdtemp()) / "run"
    t0 = time.perf_counter()
    attack_run(clf, args.lang, recipe, limit=args.limit, seed=args.seed, out=out)
    ours_s = time.perf_counter() - t0
    manifest = json.loads((out / "manifest.json").read_text())
    timing = manifest["timing"]
    ours_status = [json.loads(line)["status"] for line in (out / "records.jsonl").read_text().splitlines()]
    print(f"robustxnli attack_run:                         {ours_s:8.2f} s  {len(examples) / ours_s:7.2f} "
          f"examples/s (attack loop {timing['seconds']:.2f} s)")
    fwd, enc = timing["forward_seconds"], timing["encode_seconds"]
    print(f"  model queries {timing['model_queries']} (+{timing['cache_hits']} cache hits) in "
          f"{timing['forward_calls']} forward calls; forward pass {fwd:.2f} s = {100 * fwd / ours_s:.1f}% of wall "
          f"time ({100 * (fwd + enc) / ours_s:.1f}% with tokenisation)")
    if timing.get("similarity_seconds"):
        sim = timing["similarity_seconds"]
        print(f"  e5 similarity constraint {sim:.2f} s = {100 * sim / ours_s:.1f}%; victim + encoder forward "
              f"{100 * (fwd + enc + sim) / ours_s:.1f}%")
    if base_s is not None:
        same = sum(a == b for a, b in zip(base_status, ours_status))
        print(f"throughput ratio robustxnli / TextAttack: {base_s / ours_s:.2f}x; same outcome on {same}/"
              f"{len(examples)} examples")


if __name__ == "__main__":
    main()
