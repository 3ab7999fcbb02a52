"""Time to accuracy of the training presets on this CPU: per rung of the embedded e5-small ladder, the old CPU
recipe (the demo/reference configs before ``--preset cpu``: a BERT pooler + linear head, cross-encoder,
1,440 pairs, length 64) vs ``--preset cpu``, each trained with ``robustxnli train`` and scored with
``robustxnli evaluate`` on XNLI dev; beside them the frozen linear probe (mean-pooled ``query: `` embeddings,
logistic regression on [u, v, |u-v|, u*v], trained on a seed-0 sample of the MNLI dev m+mm stand-in).

    python benchmarks/bench_train.py --rungs 3,6,12 --presets old,cpu --threads 1 --langs all --limit 500 \\
        --out runs/bench_train
    python benchmarks/bench_train.py ... --threads 2     # the same at 2 threads (separate run dirs)

Finished runs under ``--out`` are reused (their recorded wall time is shown), so the table can be rebuilt; the
plot (accuracy vs wall minutes) goes to ``OUT/bench_train.png`` and the table to ``OUT/bench_train.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

OLD = ["--lr", "1e-4", "--head-lr", "2e-3", "--batch-size", "16", "--max-length", "64", "--target-epochs", "1",
       "--intermediate-epochs", "1", "--target-limit", "1440", "--intermediate-limit", "480", "--freeze-embeddings"]
PRESETS = {"old": OLD, "cpu": ["--preset", "cpu"]}
RUNG_MODEL = {3: "e5-small-L3", 6: "e5-small-L6", 12: "e5-small"}


def _cli() -> str:
    exe = Path(sys.executable).with_name("robustxnli")
    return str(exe) if exe.exists() else "robustxnli"


def _run(cmd: list[str], threads: int) -> float:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    start = time.time()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return time.time() - start


def train_and_eval(rung: int, preset: str, regime: str, args) -> dict:
    run = Path(args.out) / f"L{rung}-{preset}-{regime}-t{args.threads}"
    manifest = run / "manifest.json"
    if not (manifest.exists() and json.loads(manifest.read_text()).get("status") == "done"):
        _run([_cli(), "train", "--model", RUNG_MODEL[rung], "--intermediate", regime, "--seed", str(args.seed),
              "--out", str(run), *PRESETS[preset]], args.threads)
    m = json.loads(manifest.read_text())
    train_s = sum(v for k, v in m.items() if k.endswith("_seconds") and isinstance(v, (int, float)))
    # --preset cpu: a phase whose lower-layer states were already cached (by another run) spent ~0 s computing them
    reused = [k.split("_")[0] for k, v in m.items() if k.endswith("_facts") and v.get("cache_seconds", 99) < 5]
    ev = run / f"eval-{args.langs.replace(',', '_')}-{args.limit}"
    if not (ev / "summary.json").exists():
        _run([_cli(), "evaluate", "--model", str(run), "--lang", args.langs, "--limit", str(args.limit),
              "--out", str(ev)], args.threads)
    s = json.loads((ev / "summary.json").read_text())
    return {"rung": rung, "preset": preset, "regime": regime, "threads": args.threads,
            "train_minutes": round(train_s / 60, 1), "xnli_avg": round(100 * s["average"], 1),
            "pairs": sum(s["n"].values()), "langs": len(s["n"]), "states_reused": reused, "run": str(run)}


def probe(rung: int, args) -> dict:
    """Frozen mean-pooled features + logistic regression on [u, v, |u-v|, u*v] (the issue's baseline)."""
    out = Path(args.out) / f"L{rung}-probe-t{args.threads}-{args.probe_pairs}-{args.langs.replace(',', '_')}-{args.limit}.json"
    if out.exists():
        return json.loads(out.read_text())
    env_threads = args.threads
    code = f"""
import json, random, time, numpy as np, torch
torch.set_num_threads({env_threads})
from sklearn.linear_model import LogisticRegression
from robustxnli.constants import parse_langs
from robustxnli.data import load_task, load_nli
from robustxnli.models.classifier import PairNLIClassifier, resolve_base_model
from robustxnli.models.encoders import load_encoder, load_tokenizer
from robustxnli.models.pair import BiEncoderNLI, PairHead, pair_features
start = time.time()
base = resolve_base_model({RUNG_MODEL[rung]!r})
clf = PairNLIClassifier(BiEncoderNLI(load_encoder(base).eval(), PairHead(384)), load_tokenizer(base), "probe",
                        [0, 1, 2], 96)
def feats(p, h):
    texts = list(dict.fromkeys([*p, *h])); row = {{t: i for i, t in enumerate(texts)}}
    e = clf.embed(texts)
    return pair_features(e[[row[t] for t in p]], e[[row[t] for t in h]]).numpy()
rows = load_task("mnli", "train").rows; random.Random(0).shuffle(rows); rows = rows[:{args.probe_pairs}]
lr = LogisticRegression(max_iter=2000, C=1.0).fit(feats([r["premise"] for r in rows], [r["hypothesis"] for r in rows]),
                                                  [r["label"] for r in rows])
acc = {{}}
for lang in parse_langs({args.langs!r}):
    ex = load_nli("xnli", "dev", lang, None, {args.limit})
    pred = lr.predict(feats([e.premise for e in ex], [e.hypothesis for e in ex]))
    acc[lang] = float(np.mean(pred == np.array([e.label for e in ex])))
print(json.dumps({{"acc": acc, "seconds": time.time() - start}}))
"""
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"probe failed:\n{proc.stderr[-3000:]}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    row = {"rung": rung, "preset": "probe", "regime": "frozen", "threads": args.threads,
           "train_minutes": round(res["seconds"] / 60, 1),
           "xnli_avg": round(100 * sum(res["acc"].values()) / len(res["acc"]), 1),
           "pairs": args.limit * len(res["acc"]), "langs": len(res["acc"]), "run": str(out)}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(row))
    return row


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    marks = {"old": "x", "cpu": "o", "probe": "s"}
    for r in rows:
        ax.scatter(r["train_minutes"], r["xnli_avg"], marker=marks.get(r["preset"], "."), s=50)
        ax.annotate(f"L{r['rung']} {r['preset']} {r['regime']}", (r["train_minutes"], r["xnli_avg"]), fontsize=7)
    ax.axhline(100 / 3, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("wall minutes (train; probe: encode + fit + score)")
    ax.set_ylabel("XNLI dev accuracy, language average (%)")
    ax.set_title("time to accuracy (embedded e5-small ladder, depth-truncated)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rungs", default="3,6,12")
    ap.add_argument("--presets", default="old,cpu")
    ap.add_argument("--regimes", default="none", help="comma list of --intermediate values (none, anli)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--langs", default="all")
    ap.add_argument("--limit", type=int, default=500, help="XNLI dev pairs per language")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--probe", action="store_true", help="also fit the frozen linear probe per rung")
    ap.add_argument("--probe-pairs", type=int, default=4000)
    ap.add_argument("--out", default="runs/bench_train")
    args = ap.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    rows = []
    for rung in [int(x) for x in args.rungs.split(",")]:
        for preset in [p for p in args.presets.split(",") if p]:
            for regime in args.regimes.split(","):
                rows.append(train_and_eval(rung, preset, regime, args))
                print(json.dumps(rows[-1]), flush=True)
        if args.probe:
            rows.append(probe(rung, args))
            print(json.dumps(rows[-1]), flush=True)
    print(f"\nXNLI dev, {args.langs} ({args.limit} pairs per language), seed {args.seed}, {args.threads} thread(s); "
          "MNLI dev m+mm stand in for MNLI train; L3/L6 are depth-truncated")
    print(f"{'rung':>4}  {'preset':<6} {'regime':<8} {'train min':>9}  {'XNLI avg %':>10}  {'probe %':>7}  note")
    probes = {r["rung"]: r["xnli_avg"] for r in rows if r["preset"] == "probe"}
    for r in rows:
        if r["preset"] != "probe":
            p = probes.get(r["rung"])
            print(f"{'L' + str(r['rung']):>4}  {r['preset']:<6} {r['regime']:<8} {r['train_minutes']:>9.1f}  "
                  f"{r['xnli_avg']:>10.1f}  {p if p is not None else '-':>7}  "
                  + (f"cached states reused in {', '.join(r['states_reused'])} (their first computation not "
                     "counted)" if r.get("states_reused") else ""))
    for rung, p in probes.items():
        minutes = next(r["train_minutes"] for r in rows if r["preset"] == "probe" and r["rung"] == rung)
        print(f"{'L' + str(rung):>4}  {'probe':<6} {'frozen':<8} {minutes:>9.1f}  {p:>10.1f}")
    (Path(args.out) / "bench_train.json").write_text(json.dumps(rows, indent=1))
    plot(rows, Path(args.out) / "bench_train.png")
    print(f"plot: {Path(args.out) / 'bench_train.png'}")


if __name__ == "__main__":
    main()
