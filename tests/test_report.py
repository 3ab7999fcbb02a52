"""Report: statistics against hand-computed values, bootstrap coverage, partial sweeps, self-contained HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from robustxnli.errors import UserError
from robustxnli.report.build import build_report
from robustxnli.report.load import example_frame, find_runs
from robustxnli.report.stats import bootstrap_cells, ols_slope, paired_cells, percentile_ci
from robustxnli.report.synthetic import model_manifest, write_run, write_study

IDS = ["xnli-dev-000000", "xnli-dev-000001", "xnli-dev-000002", "xnli-dev-000003"]


def _eval(root: Path, size: str, params: float, regime: str, seed: int, correct: list[int], lang: str = "en"):
    recs = [{"id": i, "lang": lang, "label": 0, "pred": 0 if c else 2, "correct": bool(c), "probs": [1, 0, 0]}
            for i, c in zip(IDS, correct)]
    write_run(root / f"eval-{size}-{regime}-{seed}-{lang}", {**model_manifest(size, params, regime, seed),
                                                             "kind": "evaluate"}, recs)


def _attack(root: Path, size: str, params: float, regime: str, seed: int, clean: list[int], status: list[str],
            recipe: str = "charswap"):
    recs = [{"id": i, "lang": "en", "label": 0, "clean_pred": 0 if c else 1, "adv_pred": 1, "status": s}
            for i, c, s in zip(IDS, clean, status)]
    write_run(root / f"atk-{size}-{regime}-{seed}-{recipe}", {**model_manifest(size, params, regime, seed),
                                                              "kind": "attack", "recipe": recipe}, recs)


@pytest.fixture()
def hand_runs(tmp_path):
    """Two sizes (1e7, 1e8 non-embedding params), one language, 4 examples, seed 1.

    clean:  A baseline 1010, squad 1110 -> Δ +0.25;  B baseline 1000, squad 1111 -> Δ +0.75  => slope +0.5/decade
    robust (clean-correct and failed): A base 1000, squad 1100 -> +0.25;  B base 0000, squad 1111 -> +1.0
            => slope +0.75/decade; adversarial − clean = +0.25/decade.
    Clean of B comes only from the attack runs (no evaluate run for B)."""
    root = tmp_path / "runs"
    _eval(root, "A", 1e7, "baseline", 1, [1, 0, 1, 0])
    _eval(root, "A", 1e7, "squad", 1, [1, 1, 1, 0])
    _attack(root, "A", 1e7, "baseline", 1, [1, 0, 1, 0], ["failed", "skipped", "succeeded", "skipped"])
    _attack(root, "A", 1e7, "squad", 1, [1, 1, 1, 0], ["failed", "failed", "succeeded", "skipped"])
    _attack(root, "B", 1e8, "baseline", 1, [1, 0, 0, 0], ["succeeded", "skipped", "skipped", "skipped"])
    _attack(root, "B", 1e8, "squad", 1, [1, 1, 1, 1], ["failed", "failed", "failed", "failed"])
    return root


def test_delta_and_slope_by_hand(hand_runs, tmp_path):
    head = build_report([hand_runs], tmp_path / "rep", n_boot=200, leave_out_chance=False)  # 4 examples
    delta = pd.read_csv(tmp_path / "rep" / "tables" / "delta.csv")
    d = delta[delta.lang == "en"].set_index(["size", "condition"]).delta
    assert d[("A", "clean")] == pytest.approx(0.25) and d[("B", "clean")] == pytest.approx(0.75)
    assert d[("A", "charswap")] == pytest.approx(0.25) and d[("B", "charswap")] == pytest.approx(1.0)
    slopes = pd.read_csv(tmp_path / "rep" / "tables" / "slopes.csv")
    s = slopes[slopes.x == "log10(params_non_embedding)"].set_index("condition").estimate
    assert s["clean"] == pytest.approx(0.5) and s["charswap"] == pytest.approx(0.75)
    assert s["charswap - clean"] == pytest.approx(0.25)
    total = slopes[slopes.x == "log10(params_total)"].set_index("condition").estimate  # total = 1.6 x non-emb
    assert total["clean"] == pytest.approx(0.5)
    acc = pd.read_csv(tmp_path / "rep" / "tables" / "accuracy.csv")
    a = acc[acc.lang == "en"].set_index(["size", "regime", "condition"])
    assert a.at[("B", "baseline", "clean"), "accuracy"] == pytest.approx(0.25)
    assert a.at[("A", "squad", "charswap"), "accuracy"] == pytest.approx(0.5)
    assert a.at[("A", "squad", "charswap"), "attack_success_rate"] == pytest.approx(1 / 3)  # 1 of 3 attacked
    assert "+25.0 points per decade" in head["answer"] and "95% CI" in head["answer"]
    assert "cannot decide" in head["answer"] or "Yes" in head["answer"] or "No:" in head["answer"]


def test_pairing_by_id_and_seed(tmp_path):
    """Ids and seeds present in only one regime are not paired; Δ is the mean over seeds of per-seed means."""
    root = tmp_path / "runs"
    _eval(root, "A", 1e7, "baseline", 1, [0, 0, 0, 0])
    _eval(root, "A", 1e7, "squad", 1, [1, 1, 0, 0])
    _eval(root, "A", 1e7, "baseline", 2, [0, 0, 1, 1])
    _eval(root, "A", 1e7, "squad", 2, [0, 0, 1, 1])
    _eval(root, "A", 1e7, "squad", 3, [1, 1, 1, 1])  # no baseline seed 3: unpaired
    ex = example_frame(find_runs([root]))
    ex = ex[~((ex.regime == "baseline") & (ex.seed == 1) & (ex.id == IDS[0]))]  # drop one baseline record
    pc = paired_cells(ex, "squad")
    d = pc.cells[("clean", "A", "en")]
    assert pc.seeds["A"] == [1, 2, 3] and np.isnan(d[0, 0]) and np.isnan(d[2]).all()
    from robustxnli.report.stats import cell_mean

    assert cell_mean(d) == pytest.approx(np.mean([1 / 3, 0.0]))  # seed1: (1+0+0)/3, seed2: 0


def test_bootstrap_coverage_of_known_slope():
    """100 synthetic studies with a known slope of Δ on log10(params): the 95% CI covers it ≥ 88% of the time."""
    rng = np.random.default_rng(7)
    logp = np.array([7.0, 7.5, 8.0, 8.5])
    true_slope, n_ids, n_seeds = 0.04, 300, 2
    base_p = 0.6 + rng.normal(0, 0.1, n_ids).clip(-0.3, 0.3)  # per-example difficulty, shared across sizes
    covered = 0
    for draw in range(100):
        cells, lang_of, size_of = {}, {}, {}
        for s, lp in enumerate(logp):
            benefit = true_slope * (lp - 7.0)
            b = rng.random((n_seeds, n_ids)) < base_p
            r = rng.random((n_seeds, n_ids)) < base_p + benefit
            cells[s] = r.astype(float) - b
            lang_of[s], size_of[s] = "en", s
        draws = bootstrap_cells(cells, lang_of, size_of, {"en": n_ids}, {s: n_seeds for s in size_of}, 400, draw)
        slope = ols_slope(logp, np.stack([draws[s] for s in range(4)], -1))
        lo, hi = percentile_ci(slope)
        covered += lo <= true_slope <= hi
    assert covered >= 88, covered


def test_ols_slope_matches_numpy():
    x, y = np.array([1.0, 2.0, 4.0]), np.array([[1.0, 3.0, 2.0], [0.0, 1.0, 3.0]])
    assert ols_slope(x, y) == pytest.approx([np.polyfit(x, row, 1)[0] for row in y])
    assert np.isnan(ols_slope(np.array([1.0]), np.array([2.0])))


def test_partial_sweep_shows_missing_cells(tmp_path):
    root = write_study(tmp_path / "runs", {"S": 2e7, "M": 6e7, "L": 3e8}, seeds=(1, 2), n=60,
                       skip=[("L", "squad", s, "attack", "wordswap") for s in (1, 2)]
                       + [("M", "squad", 2, "evaluate")] + [("M", "squad", 2, "attack", r) for r in
                                                             ("charswap", "wordswap")])
    # an unfinished run is ignored, not half-read
    (root / "eval-L-squad-s1" / "manifest.json").write_text(json.dumps({"status": "running", "kind": "evaluate"}))
    head = build_report([root], tmp_path / "rep", n_boot=100)
    acc = pd.read_csv(tmp_path / "rep" / "tables" / "accuracy.csv")
    cell = acc[(acc["size"] == "L") & (acc.regime == "squad") & (acc.condition == "wordswap")]
    assert len(cell) == 5 and cell.accuracy.isna().all() and (cell.n_seeds == 0).all()  # 4 langs + all, missing
    adv = acc[(acc["size"] == "L") & (acc.regime == "squad") & (acc.condition == "adversarial")]
    assert adv.accuracy.isna().all()  # pooled over recipes needs every recipe: not averaged over what is there
    m = acc[(acc["size"] == "M") & (acc.regime == "squad") & (acc.condition == "clean") & (acc.lang == "en")]
    assert int(m.n_seeds.iloc[0]) == 1
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "cells have no runs" in md and "L/squad/wordswap/en" in md
    assert "(1/2 seeds)" in md and "| — |" in md
    assert "ignored (not done)" in md
    delta = pd.read_csv(tmp_path / "rep" / "tables" / "delta.csv")
    assert delta[(delta["size"] == "L") & (delta.condition == "wordswap")].delta.isna().all()
    assert head["sizes"] == ["S", "M", "L"]


def test_html_is_self_contained(tmp_path):
    root = write_study(tmp_path / "runs", {"S": 2e7, "L": 3e8}, seeds=(1,), n=40)
    build_report([root], tmp_path / "rep", n_boot=50, command="robustxnli report runs --out rep")
    html = (tmp_path / "rep" / "report.html").read_text()
    assert html.count("<img") == 4 and html.count('src="data:image/png;base64,') == 4
    assert not re.search(r'(src|href)="(?!data:)', html)  # no external asset, no link
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert "SYNTHETIC run directory" in html  # caveats collected from manifests
    assert "synthetic --size S --regime baseline --seed 1" in html  # exact commands
    assert "robustxnli report runs --out rep" in html and "python:" in html  # this command, versions
    assert (tmp_path / "rep" / "tables" / "slopes.parquet").exists()
    hans = html[html.index("HANS-style challenge sets"):]
    assert re.search(r"\(n=\d+×1\)", hans)  # each HANS cell says how many examples and seeds it rests on


def test_cannot_decide_cases(tmp_path):
    only_base = tmp_path / "a"
    _eval(only_base, "A", 1e7, "baseline", 1, [1, 0, 1, 0])
    _eval(only_base, "B", 1e8, "baseline", 1, [1, 1, 1, 0])
    assert "cannot decide" in build_report([only_base], tmp_path / "ra", n_boot=20, leave_out_chance=False)["answer"]
    no_base = tmp_path / "b"
    _eval(no_base, "A", 1e7, "squad", 1, [1, 0, 1, 0])
    assert "no baseline runs" in build_report([no_base], tmp_path / "rb", n_boot=20, leave_out_chance=False)["answer"]
    one_size = tmp_path / "c"
    _attack(one_size, "A", 1e7, "baseline", 1, [1, 0, 1, 0], ["failed"] * 4)
    _attack(one_size, "A", 1e7, "squad", 1, [1, 1, 1, 0], ["failed"] * 4)
    ans = build_report([one_size], tmp_path / "rc", n_boot=20, leave_out_chance=False)["answer"]
    assert "cannot decide" in ans and "1 model size" in ans


def test_sweep_hash_mismatch_is_refused(tmp_path, hand_runs):
    from robustxnli.report.commands import register  # noqa: F401 - the command module imports cleanly
    from robustxnli.sweep.config import load_config

    cfg = tmp_path / "sweep.yaml"
    cfg.write_text("models: [A, B]\nregimes: [baseline, squad]\nlangs: [en]\n")
    good = load_config(cfg).sweep_hash
    m = hand_runs / "eval-A-baseline-1-en" / "manifest.json"
    manifest = json.loads(m.read_text())
    m.write_text(json.dumps({**manifest, "sweep_hash": good}))
    build_report([hand_runs], tmp_path / "ok", sweep_config=cfg, n_boot=20, leave_out_chance=False)
    m.write_text(json.dumps({**manifest, "sweep_hash": "0123456789abcdef"}))
    with pytest.raises(UserError, match="different sweep configuration"):
        build_report([hand_runs], tmp_path / "bad", sweep_config=cfg, n_boot=20, leave_out_chance=False)


def test_report_cli(hand_runs, tmp_path, capsys):
    from robustxnli.cli import main

    main(["report", str(hand_runs), "--out", str(tmp_path / "rep"), "--n-boot", "50", "--keep-chance-models"])
    out = capsys.readouterr().out
    assert "points per decade" in out and (tmp_path / "rep" / "report.html").exists()
    with pytest.raises(SystemExit) as err:
        main(["report", str(tmp_path / "empty"), "--out", str(tmp_path / "r2")])
    assert err.value.code == 2


def test_render_png_with_chromium(tmp_path):
    from robustxnli.report.screenshot import find_chromium, render_png

    if find_chromium() is None:
        pytest.skip("chromium not installed")
    root = write_study(tmp_path / "runs", {"S": 2e7, "L": 3e8}, seeds=(1,), n=40)
    build_report([root], tmp_path / "rep", n_boot=50)
    png = render_png(tmp_path / "rep" / "report.html", tmp_path / "rep" / "report.png", 800, 600)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_answer_refuses_a_verdict_from_one_seed(tmp_path):
    """A strong synthetic amplification gives a verdict with 2 seeds, but one seed cannot decide."""
    kw = dict(sizes={"S": 2e7, "M": 1e8, "L": 5e8}, n=300, benefit_slope=0.05, adv_extra_slope=0.08)
    two = build_report([write_study(tmp_path / "two", seeds=(1, 2), **kw)], tmp_path / "r2", n_boot=100)["answer"]
    one = build_report([write_study(tmp_path / "one", seeds=(1,), **kw)], tmp_path / "r1", n_boot=100)["answer"]
    assert "Yes:" in two and "single training seed" not in two
    assert "Yes:" not in one and "cannot decide: every cell has a single training seed" in one


def test_models_at_chance_are_left_out_with_their_reason(tmp_path):
    root = write_study(tmp_path / "runs", {"S": 2e7, "L": 3e8}, seeds=(1, 2), n=200, base_acc=0.30, benefit_slope=0)
    head = build_report([root], tmp_path / "rep", n_boot=50)
    assert "Left out of Δ and the slope" in head["answer"] and "not above chance" in head["answer"]
    assert head["left_out"] and "cannot decide" in head["verdict"]


LONG = {"multilingual-e5-small (L3 of 12, depth-truncated, 4-bit dequantised)": 5.5e6,
        "multilingual-e5-small (L6 of 12, depth-truncated, 4-bit dequantised)": 1.08e7,
        "multilingual-e5-small (12 layers, 4-bit dequantised)": 2.14e7}


def test_constant_predictor_is_left_out_of_delta_and_slope(tmp_path):
    """The demo's failure: a collapsed smallest model (always entailment, unattackable) must not feed the slope."""
    l3 = next(iter(LONG))
    root = write_study(tmp_path / "runs", LONG, regimes=("baseline", "anli"), seeds=(1, 2), n=90,
                       constant=[(l3, "baseline")])
    head = build_report([root], tmp_path / "rep", n_boot=50)
    ev = pd.read_csv(tmp_path / "rep" / "tables" / "evidence.csv")
    out = ev[ev.left_out.notna()]
    assert set(zip(out["size"], out.regime)) == {(l3, "baseline")}
    assert "predicts entailment for 100% of inputs" in out.left_out.iloc[0]
    slopes = pd.read_csv(tmp_path / "rep" / "tables" / "slopes.csv")
    assert (slopes.n_sizes == 2).all() and not slopes.sizes.str.contains("L3 of 12").any()
    delta = pd.read_csv(tmp_path / "rep" / "tables" / "delta.csv")
    assert delta[delta["size"] == l3].delta.isna().all()
    # kept when asked: then the slope uses all three sizes
    kept = build_report([root], tmp_path / "rep2", n_boot=50, leave_out_chance=False)
    assert kept["left_out"] == [] and "Left out" not in kept["answer"]
    assert "e5-small L3 · baseline (all seeds)" in head["answer"]

    html = (tmp_path / "rep" / "report.html").read_text()
    box = html[html.index('<div class="answer">'):]
    assert box.index('class="verdict"') < box.index('class="number"') < box.index('class="details"')
    assert "points per decade" in box[box.index('class="number"'):box.index('class="details"')]
    assert html.count('<tr class="muted">') >= 2  # evidence rows + the Δ row of the left-out size
    # short labels in tables; the full description once, in the study section
    assert "e5-small L12 · ANLI" in html and "<td" in html
    tables_html = html[html.index("<h2>Models used as evidence</h2>"):]
    assert "depth-truncated" not in tables_html.split("<h2>Exact commands")[0]
    md = (tmp_path / "rep" / "report.md").read_text()
    body = md.split("## Exact commands")[0]  # the command log quotes the manifests verbatim
    assert body.count("(L3 of 12, depth-truncated, 4-bit dequantised)") == 1
    assert "## Per-class diagnostics" in md and "clean →N" in md and "charswap →E" in md
    assert "| clean n |" in md and "| charswap n |" in md  # each condition says how many examples it rests on
    assert "predicts entailment for 100% of inputs (clean, charswap, wordswap)" in md
    # attacks per gold class: the constant model is never wrong on entailment, always wrong (skipped) otherwise
    sec = md[md.index(f"**e5-small L3 · baseline: attacks per gold class**"):]
    row = [l for l in sec.splitlines() if l.startswith("| charswap |")][0].split("|")[1:-1]
    cells = dict(zip([h.strip() for h in sec.splitlines()[2].split("|")[1:-1]], [c.strip() for c in row]))
    assert cells["N: already wrong"] == cells["N: n"] and cells["C: already wrong"] == cells["C: n"]
    assert cells["E: already wrong"] == "0" and cells["E: success %"] == "0.0"


def test_contrast_section_by_size_and_regime(tmp_path):
    root = write_study(tmp_path / "runs", {"S": 2e7, "L": 3e8}, seeds=(1, 2), n=60, contrast=True)
    build_report([root], tmp_path / "rep", n_boot=20)
    md = (tmp_path / "rep" / "report.md").read_text()
    sec = md[md.index("## Lexical-inference contrast sets"):]
    header = sec[sec.index("| category"):].splitlines()[0]
    assert "S · baseline" in header and "L · SQuAD" in header
    for row in ("| colour |", "| synonym |", "| all contradiction pairs |", "| all entailment pairs |"):
        assert row in sec


def test_markdown_shows_manifest_strings_literally():
    """report.md: a tag from a manifest or data is text, and a recorded command cannot close its code fence."""
    import pandas as pd

    from robustxnli.report.render import Section, to_markdown

    evil = "<script>alert(1)</script>"
    md = to_markdown("t", [Section("s", paragraphs=[evil], bullets=[f"model {evil}"],
                                   tables=[(evil, pd.DataFrame({"a|b": [evil], "c": ["x|y"]}))],
                                   code=["robustxnli evaluate --out '```'", evil])])
    assert "<script" not in md.replace(evil, "", 1)  # only the line inside the code block keeps it
    assert md.count("````") == 2 and "x\\|y" in md and "a\\|b" in md and "&lt;script&gt;" not in md  # '>' stays
    assert md.count("&lt;script>") == 4


def test_study_section_names_each_models_training_choices(hand_runs, tmp_path):
    """The preset's choices (read from the train manifests) are spelled out once per model in the study section."""
    config = {"preset": "cpu", "method": "cached-biencoder", "train_layers": 2, "intermediate_epochs": 1.0,
              "target_epochs": 2.0, "lr": 1e-4, "head_lr": 2e-3, "batch_size": 32, "max_length": 0}
    write_run(hand_runs / "train-A-squad-1", {**model_manifest("A", 1e7, "squad", 1), "kind": "train",
                                              "intermediate": ["squad"], "target": "mnli", "config": config,
                                              "phase2_facts": {"examples": 1600, "max_length": 128},
                                              "phase3_facts": {"examples": 8000, "max_length": 96,
                                                               "train_layers": 2}}, [])
    build_report([hand_runs], tmp_path / "rep", n_boot=50, leave_out_chance=False)
    md = (tmp_path / "rep" / "report.md").read_text()
    study = md.split("## Study", 1)[1].split("\n## ", 1)[0]
    line = next(l for l in study.splitlines() if "training of" in l)
    assert "/ squad" in line and "preset cpu" in line and "cached-biencoder" in line
    assert "top 2 layers trained" in line and "squad 1,600 pairs x 1.0 ep" in line
    assert "mnli 8,000 pairs x 2.0 ep" in line and "max length 128/96" in line


def test_answer_prices_what_would_narrow_the_interval(tmp_path):
    """With --sweep-config, the answer lists more seeds, more attacked pairs and one more size, each with the
    dry-run cost of the cells it adds and (seeds, pairs) the projected half-width."""
    from robustxnli.report.narrow import extra_size, narrowing_options
    from robustxnli.sweep.config import load_config

    cfg_path = tmp_path / "study.yaml"
    cfg_path.write_text("models: [e5-small-L3, e5-small-L6, e5-small-L12]\nregimes: [baseline, anli]\n"
                        "seeds: [1, 2, 3]\nlangs: [en, de]\nrecipes: [charnoise]\nattack: {limit: 30}\n"
                        "train: {preset: cpu}\n")
    cfg = load_config(cfg_path)
    assert extra_size(cfg.models) == "e5-small-L8" and extra_size(["xlm-roberta-base", "xlm-roberta-large"]) is None
    opts = narrowing_options(cfg, 0.04)
    assert opts[0].startswith("3 more seeds (x2): +") and "±4.0-point half-width would shrink to about ±2.8" in opts[0]
    assert opts[1].startswith("4x the attacked pairs per cell (30 → 120): +") and "about ±2.0" in opts[1]
    assert opts[2].startswith("one more size (e5-small-L8, depth-truncated): +")
    costs = [re.search(r": \+([\d.]+)(s|min|h)\b", o) for o in opts]
    assert all(c and float(c.group(1)) > 0 for c in costs), opts
    root = write_study(tmp_path / "runs", {"e5-small-L3": 5.3e6, "e5-small-L6": 1.07e7, "e5-small-L12": 2.14e7},
                       regimes=("baseline", "anli"), seeds=(1, 2), n=90)
    head = build_report([root], tmp_path / "rep", sweep_config=cfg_path, n_boot=50)
    assert "What would narrow the interval" in head["answer"] and "3 more seeds (x2)" in head["answer"]
    # the runs hold seeds 1-2 of the config's 1-3: the costs price the config, which the answer says
    assert "These runs cover 3 of the config's 3 models and not seed(s) 3" in head["answer"]
    assert "What would narrow" not in build_report([root], tmp_path / "rep2", n_boot=50)["answer"]


def test_same_run_in_two_dirs_is_counted_once_in_every_section(tmp_path, capsys):
    """`report resume fresh`: one run extended to a larger --limit in one dir, the original in another. Every
    section (accuracy and the validity audit) counts it once, and a warning names the dir dropped."""
    status = ["succeeded", "failed", "failed", "skipped"]
    for root, n in (("resume", 4), ("fresh", 3)):
        recs = [{"id": i, "lang": "en", "label": 0, "clean_pred": 0 if s != "skipped" else 1, "adv_pred": 1,
                 "status": s} for i, s in zip(IDS[:n], status)]
        write_run(tmp_path / root / "atk-A-baseline-1-charswap", {**model_manifest("A", 1e7, "baseline", 1),
                                                                  "kind": "attack", "recipe": "charswap",
                                                                  "lang": "en"}, recs)
    head = build_report([tmp_path / "fresh", tmp_path / "resume"], tmp_path / "rep", n_boot=20,
                        leave_out_chance=False)
    md = (tmp_path / "rep" / "report.md").read_text()
    validity = md[md.index("**validity per recipe × language**"):]
    row = next(l for l in validity.splitlines() if l.startswith("| charswap | en |"))
    assert row.split("|")[3:6] == [" 4 ", " 3 ", " 1 "]  # pairs, attacked, successes: not 7, 6, 2
    dropped = str(tmp_path / "fresh" / "atk-A-baseline-1-charswap")
    assert len(head["warnings"]) == 1 and dropped in head["warnings"][0] and "resume" in head["warnings"][0]
    assert f"warning: duplicate run dropped: {dropped}" in md and "runs read: train 0, evaluate 0, attack 1" in md
    acc = pd.read_csv(tmp_path / "rep" / "tables" / "accuracy.csv")
    assert acc[(acc.condition == "charswap") & (acc.lang == "en")].n_examples.iloc[0] == 4
    from robustxnli.cli import main

    main(["report", str(tmp_path / "fresh"), str(tmp_path / "resume"), "--out", str(tmp_path / "r2"), "--n-boot",
          "20", "--keep-chance-models"])
    assert f"warning: duplicate run dropped: {dropped}" in capsys.readouterr().err


def test_figures_without_data_are_left_out_with_a_note_and_no_warning(tmp_path):
    """One size, attacks on one of two languages: no accuracy-vs-size figure (one size, no mean over languages
    under attack), a note saying why, and no matplotlib warning; two sizes draw only the panels with data."""
    import warnings

    root = tmp_path / "runs"
    for lang in ("en", "de"):
        _eval(root, "A", 1e7, "baseline", 1, [1, 0, 1, 0], lang=lang)
    _attack(root, "A", 1e7, "baseline", 1, [1, 0, 1, 0], ["failed", "skipped", "succeeded", "skipped"])
    (tmp_path / "rep" / "figures").mkdir(parents=True)
    (tmp_path / "rep" / "figures" / "accuracy_vs_params.png").write_bytes(b"stale")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_report([root], tmp_path / "rep", n_boot=20, leave_out_chance=False)
        assert not (tmp_path / "rep" / "figures" / "accuracy_vs_params.png").exists()
        md = (tmp_path / "rep" / "report.md").read_text()
        assert "accuracy_vs_params.png not drawn: one model size only (A)" in md
        assert "delta_vs_params.png not drawn" in md and "hans_subcases.png not drawn: no HANS runs" in md
        for lang in ("en", "de"):
            _eval(root, "B", 1e8, "baseline", 1, [1, 1, 1, 0], lang=lang)
        _attack(root, "B", 1e8, "baseline", 1, [1, 1, 1, 0], ["failed"] * 4)
        build_report([root], tmp_path / "rep2", n_boot=20, leave_out_chance=False)
    assert (tmp_path / "rep2" / "figures" / "accuracy_vs_params.png").exists()
    assert "accuracy_vs_params.png not drawn" not in (tmp_path / "rep2" / "report.md").read_text()


def test_language_heatmap_shows_every_condition(tmp_path):
    """No recipe is singled out: one heatmap of language x condition (clean and every recipe) per model, and the
    caption says so."""
    from robustxnli.report import plots

    root = write_study(tmp_path / "runs", {"S": 2e7, "L": 3e8}, seeds=(1,), n=30, hans=False)
    build_report([root], tmp_path / "rep", n_boot=20)
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "Accuracy per language: every condition (clean, each recipe and" in md and "no recipe is singled out" in md
    assert "Per-language accuracy, condition" not in md
    acc = pd.read_csv(tmp_path / "rep" / "tables" / "accuracy.csv")
    assert plots.language_heatmap(acc)[:4] == b"\x89PNG"


def test_markdown_highlights_keep_edge_whitespace_outside_markers():
    """CommonMark does not open bold at `** and`: the space (and punctuation against a letter) goes outside."""
    from robustxnli.audit.diff import diff_markdown

    assert diff_markdown("at the market.", "at the market and false is not true.") == \
        "at the market **and false is not true**."
    assert diff_markdown("回到家了。", "回到家了，而且假不是真。") == "回到家了，**而且假不是真**。"
    assert diff_markdown("a house b", "a hoose b") == "a ~~house~~**hoose** b"
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark").enable("strikethrough")
    for old, new in [("at the market.", "at the market and false is not true."), ("उसे मिला", "उसे मिला और सत्य है"),
                     ("回到家了。", "回到家了，而且假不是真。"), ("a b c.", "a c."), ("x *y* z", "x *q* z")]:
        html = md.renderInline(diff_markdown(old, new))
        assert "**" not in html and "~~" not in html and ("<strong>" in html or "<s>" in html), (new, html)


def test_html_example_direction_comes_from_the_text_not_the_label(tmp_path):
    """An Arabic example reads right to left: the Latin "P:"/"H′:" label must not set the direction (dir="auto"
    would read it first), so each line's direction is taken from its text."""
    recs = [{"id": "xnli-dev-000001", "lang": "ar", "label": 0, "clean_pred": 0, "adv_pred": 2, "status": "succeeded",
             "premise": "لقد كنت هناك", "hypothesis": "كنت هناك", "adv_premise": "لقد كنت هناك",
             "adv_hypothesis": "كنت هنك"}]
    write_run(tmp_path / "runs" / "ar-charnoise", {**model_manifest("A", 1e7, "baseline", 1), "kind": "attack",
                                                   "recipe": "charnoise", "lang": "ar"}, recs)
    build_report([tmp_path / "runs"], tmp_path / "rep", n_boot=20, leave_out_chance=False)
    html = (tmp_path / "rep" / "report.html").read_text()
    assert '<div dir="rtl">P: لقد كنت هناك</div>' in html and '<div dir="rtl">H′: ' in html
    assert not re.search(r'dir="auto">[PH]′?:', html)
    from robustxnli.report.examples import _direction

    assert _direction("I was there") == "ltr" and _direction("“لقد كنت") == "rtl" and _direction("2024") == "ltr"


def test_own_data_language_is_named_once(tmp_path):
    recs = [{"id": i, "lang": "en", "label": 0, "pred": 0, "correct": True, "probs": [1, 0, 0]} for i in IDS]
    write_run(tmp_path / "runs" / "own", {**model_manifest("A", 1e7, "baseline", 1), "kind": "evaluate",
                                          "data": {"name": "mine.jsonl", "sha256": {"mine.jsonl": "ab" * 32}}}, recs)
    build_report([tmp_path / "runs"], tmp_path / "rep", n_boot=20, leave_out_chance=False)
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "- languages: en@mine.jsonl (English)\n" in md and "(en@mine.jsonl)" not in md


def test_per_language_accuracy_shows_n_and_the_clean_delta_note(tmp_path):
    """Clean accuracy from a 4-pair evaluate run beside robust accuracy from a 2-pair attack: each number shows its
    n, and the note that clean Δ uses only the attacked ids is in report.md and report.html, not only report.json."""
    root = tmp_path / "runs"
    _eval(root, "A", 1e7, "baseline", 1, [1, 0, 1, 0])
    _attack(root, "A", 1e7, "baseline", 1, [1, 0], ["failed", "skipped"])
    head = build_report([root], tmp_path / "rep", n_boot=20, leave_out_chance=False)
    md = (tmp_path / "rep" / "report.md").read_text()
    table = md[md.index("**accuracy per language**"):]
    assert "| clean | en | 50.0 (n=4) |" in table and "| charswap | en | 50.0 (n=2) |" in table
    note = next(n for n in head["notes"] if n.startswith("clean Δ uses only the ids the attacks ran on"))
    assert note in md and note in (tmp_path / "rep" / "report.html").read_text()


def test_attack_runs_sharing_some_pairs_are_named_in_a_warning(tmp_path):
    """Neither run holds all the other's pairs: both are kept, and the warning says where shared pairs count twice."""
    for root, ids in (("a", IDS[:3]), ("b", IDS[1:])):
        recs = [{"id": i, "lang": "en", "label": 0, "clean_pred": 0, "adv_pred": 1, "status": "failed"} for i in ids]
        write_run(tmp_path / root / "atk", {**model_manifest("A", 1e7, "baseline", 1), "kind": "attack",
                                            "recipe": "charswap", "lang": "en"}, recs)
    head = build_report([tmp_path / "a", tmp_path / "b"], tmp_path / "rep", n_boot=20, leave_out_chance=False)
    assert len(head["warnings"]) == 1 and "share 2 pairs" in head["warnings"][0]
    acc = pd.read_csv(tmp_path / "rep" / "tables" / "accuracy.csv")
    assert acc[(acc.condition == "charswap") & (acc.lang == "en")].n_examples.iloc[0] == 4


def test_runs_with_other_attack_settings_are_not_duplicates(tmp_path):
    """Two runs of one recipe on the same model and pairs but with other options (constraints off: the validity
    audit's "before" beside "after") are two runs, not one run found twice."""
    from robustxnli.report.load import Run, RunSet, drop_duplicate_runs

    runs = []
    for name, options in (("after", {}), ("before", {"label_preserving": False})):
        path = tmp_path / name / "de-charnoise"
        path.mkdir(parents=True)
        (path / "records.jsonl").write_text('{"id": "x1", "lang": "de"}\n{"id": "x2", "lang": "de"}\n')
        runs.append(Run(path=path, manifest={"kind": "attack", "recipe": "charnoise", "split": "dev",
                                             "perturb": "hypothesis", "attack_seed": 0, "options": options,
                                             "model_label": "m"}))
    kept = drop_duplicate_runs(RunSet(runs))
    assert len(kept.runs) == 2 and not kept.warnings
    same = drop_duplicate_runs(RunSet([runs[0], Run(path=runs[1].path, manifest={**runs[1].manifest,
                                                                                   "options": {}})]))
    assert len(same.runs) == 1 and "duplicate run dropped" in same.warnings[0]
    # the same label but other weights (a 15-step model beside the trained one): two models, nothing dropped
    other = [Run(path=r.path, manifest={**r.manifest, "options": {}, "identity": {"model_sha256": sha}})
             for r, sha in zip(runs, ("9f4d", "cae9"))]
    kept = drop_duplicate_runs(RunSet(other))
    assert len(kept.runs) == 2 and "runs of 2 different models share the label m" in kept.warnings[0]


def test_training_line_says_when_a_phase_was_capped_by_steps():
    """A sweep with target_max_steps: 15 trained 481 pairs, not "800 pairs x 2.0 ep"."""
    from robustxnli.report.load import training_choices

    m = {"intermediate": "anli", "target": "mnli",
         "config": {"preset": "cpu", "intermediate_limit": 200, "intermediate_epochs": 1.0, "target_limit": 800,
                    "target_epochs": 2.0, "target_max_steps": 15, "lr": 1e-4, "batch_size": 32},
         "phase2_facts": {"examples": 200, "steps": 7, "examples_seen": 200},
         "phase3_facts": {"examples": 800, "steps": 15, "examples_seen": 481}}
    line = training_choices(m)
    assert "anli 200 pairs x 1.0 ep" in line and "mnli 800 pairs, capped at 15 steps (481 pairs seen)" in line
    assert "2.0 ep" not in line
