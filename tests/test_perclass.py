"""Per-class diagnostics: recall, prediction shares, confusion, collapse flag, attack outcomes per gold class,
the chance-level rule; and that evaluate writes and prints them."""

from __future__ import annotations

import json

import pytest

from robustxnli.perclass import (attack_by_class, class_stats, not_evidence_reason, per_class_by_lang,
                                 wilson_interval)


def test_class_stats_by_hand():
    labels = [0, 0, 0, 1, 1, 2, 2, 2, 2, 2]
    preds = [0, 0, 2, 0, 2, 2, 2, 2, 0, 2]
    s = class_stats(labels, preds)
    assert s["confusion"] == [[2, 0, 1], [1, 0, 1], [1, 0, 4]]
    assert s["recall"] == {"entailment": pytest.approx(2 / 3), "neutral": 0.0, "contradiction": 0.8}
    assert s["pred_share"] == {"entailment": 0.4, "neutral": 0.0, "contradiction": 0.6}
    assert s["majority_pred"] == "contradiction" and not s["collapsed"]
    assert class_stats([0, 1, 2, 0, 1], [0, 0, 0, 0, 0])["collapsed"]  # 100% entailment
    assert class_stats([0, 1, 2, 0, 1], [0, 0, 0, 0, 1])["collapsed"] is False  # exactly 80%: not "more than"


def test_per_class_by_lang_pools_all():
    recs = [{"lang": "en", "label": 0, "pred": 0}, {"lang": "de", "label": 1, "pred": 0}]
    out = per_class_by_lang(recs)
    assert set(out) == {"en", "de", "all"} and out["all"]["n"] == 2 and out["de"]["recall"]["neutral"] == 0.0


def test_attack_by_class_counts_already_wrong_as_skipped():
    recs = [{"label": 0, "status": "succeeded"}, {"label": 0, "status": "failed"}, {"label": 1, "status": "skipped"},
            {"label": 1, "status": "skipped"}, {"label": 2, "status": "failed"}]
    out = attack_by_class(recs)
    assert out["entailment"] == {"n": 2, "skipped_already_wrong": 0, "attacked": 2, "succeeded": 1,
                                 "success_rate": 0.5, "robust_accuracy": 0.5}
    assert out["neutral"]["skipped_already_wrong"] == 2 and out["neutral"]["success_rate"] is None
    assert out["contradiction"]["robust_accuracy"] == 1.0


def test_chance_rule():
    lo, hi = wilson_interval(34, 100)
    assert lo < 1 / 3 < hi
    assert "not above chance" in not_evidence_reason(34, 100, 0.4)
    assert not_evidence_reason(600, 1000, 0.5) is None  # 60% on 1000: CI well above 1/3
    why = not_evidence_reason(600, 1000, 0.85, "entailment")
    assert "predicts entailment for 85%" in why and "chance" not in why
    assert "not above chance" in not_evidence_reason(300, 3000, 1.0)  # below chance counts too


def test_evaluate_writes_and_prints_per_class(tmp_path, tiny_model_dir, data_dir, capsys):
    from robustxnli.cli import main

    main(["evaluate", "--model", str(tiny_model_dir), "--lang", "de,zh", "--limit", "12", "--out",
          str(tmp_path / "ev"), "--data-dir", str(data_dir)])
    out = capsys.readouterr().out
    assert "recall E" in out and "pred N" in out
    summary = json.loads((tmp_path / "ev" / "summary.json").read_text())
    rows = [json.loads(l) for l in (tmp_path / "ev" / "records.jsonl").read_text().splitlines()]
    de = [r for r in rows if r["lang"] == "de"]
    pc = summary["per_class"]["de"]
    assert pc["n"] == 12 and sum(map(sum, pc["confusion"])) == 12
    for i, name in enumerate(("entailment", "neutral", "contradiction")):
        gold = [r for r in de if r["label"] == i]
        if gold:
            assert pc["recall"][name] == pytest.approx(sum(r["pred"] == i for r in gold) / len(gold))
    assert set(summary["per_class"]) == {"de", "zh", "all"}


def test_attack_summary_and_line_carry_per_class():
    from robustxnli.attacking.runner import summarize, summary_line

    recs = [{"label": 0, "status": "succeeded", "clean_pred": 0, "words_changed_frac": 0.1, "queries": 3},
            {"label": 1, "status": "skipped", "clean_pred": 0, "words_changed_frac": 0.0, "queries": 1},
            {"label": 2, "status": "failed", "clean_pred": 2, "words_changed_frac": 0.0, "queries": 5}]
    s = summarize(recs)
    assert s["by_class"]["neutral"]["skipped_already_wrong"] == 1 and s["by_class"]["entailment"]["succeeded"] == 1
    line = summary_line(s)
    assert "per gold class" in line and "N n=1 success —, 1 already wrong" in line
