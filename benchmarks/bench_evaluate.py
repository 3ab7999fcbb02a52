"""Clean XNLI evaluation throughput: robustxnli's evaluator vs Hugging Face ``Trainer.predict``.

Same model, same examples, same batch size, measured side by side in one process. Prints pairs/second for each
and the ratio (goal >= 1.5x). robustxnli sorts pairs by length so each batch pads to similar lengths and runs
under ``torch.inference_mode``; Trainer.predict pads each batch dynamically in data order.

    python benchmarks/bench_evaluate.py --model e5-small-L6 --langs en,de,zh --limit 300
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="e5-small-L6", help="classifier checkpoint (a base encoder gets a fresh head)")
    ap.add_argument("--langs", default="en,de,zh")
    ap.add_argument("--limit", type=int, default=300)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()

    from robustxnli.offline import prepare

    prepare()
    import datasets
    import torch
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

    from robustxnli.data import load_nli
    from robustxnli.models import load_classifier
    from robustxnli.models.classifier import resolve_base_model
    from robustxnli.training.run import init_target_model

    torch.set_num_threads(args.threads)
    try:
        clf = load_classifier(args.model)
    except Exception:  # a pretrained encoder: give it a fresh 3-way head, speed is what is measured here
        from transformers import AutoTokenizer

        from robustxnli.models.classifier import NLIClassifier

        base = resolve_base_model(args.model)
        clf = NLIClassifier(init_target_model(base), AutoTokenizer.from_pretrained(base), args.model, [0, 1, 2])
    examples = [e for lang in args.langs.split(",") for e in load_nli("xnli", "dev", lang, limit=args.limit)]
    prem, hyp = [e.premise for e in examples], [e.hypothesis for e in examples]

    tok = clf.tokenizer
    raw = datasets.Dataset.from_dict({"premise": prem, "hypothesis": hyp})
    datasets.disable_progress_bars()
    trainer = Trainer(model=clf.model, args=TrainingArguments(output_dir="/tmp/bench_eval", report_to=[],
                                                             per_device_eval_batch_size=args.batch_size,
                                                             disable_tqdm=True),
                      data_collator=DataCollatorWithPadding(tok))

    def ours() -> np.ndarray:
        return clf.predict_proba(prem, hyp, batch_size=args.batch_size)

    def theirs() -> np.ndarray:  # from raw text, like ours: tokenisation is part of the work
        ds = raw.map(lambda b: tok(b["premise"], b["hypothesis"], truncation=True, max_length=clf.max_length),
                     batched=True, remove_columns=["premise", "hypothesis"], load_from_cache_file=False)
        logits = trainer.predict(ds).predictions
        return torch.softmax(torch.tensor(logits), -1)[:, clf.perm].numpy()

    times = {"robustxnli": [], "Trainer.predict": []}
    outputs = {}
    for _ in range(args.repeats):  # interleaved, so drift in machine load hits both
        for name, fn in (("robustxnli", ours), ("Trainer.predict", theirs)):
            start = time.perf_counter()
            outputs[name] = fn()
            times[name].append(time.perf_counter() - start)
    agree = float(np.mean(outputs["robustxnli"].argmax(-1) == outputs["Trainer.predict"].argmax(-1)))
    n = len(examples)
    best = {k: min(v) for k, v in times.items()}
    print(f"model {args.model}  pairs {n}  batch {args.batch_size}  threads {args.threads}")
    for name, t in best.items():
        print(f"  {name:16s} {n / t:8.1f} pairs/s  ({t:.2f} s, best of {args.repeats})")
    print(f"  prediction agreement {100 * agree:.2f}%")
    print(f"ratio robustxnli / Trainer.predict = {best['Trainer.predict'] / best['robustxnli']:.2f}x (goal >= 1.5x)")


if __name__ == "__main__":
    main()
