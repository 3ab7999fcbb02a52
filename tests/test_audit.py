"""robustxnli audit (sheet, ingest, Wilson interval, validity-adjusted metrics) and the report's examples and
validity sections, on hand-made attack run directories (no model needed)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROBUSTXNLI = [sys.executable, "-m", "robustxnli.cli"]


def _run_dir(root: Path, recipe: str, lang: str, records: list[dict]) -> Path:
    d = root / f"{lang}-{recipe}"
    d.mkdir(parents=True)
    (d / "manifest.json").write_text(json.dumps({"kind": "attack", "recipe": recipe, "lang": lang, "status": "done",
                                                 "checkpoint": "x", "model_label": "tiny", "regime": "baseline",
                                                 "seed": 1, "params_total": 1, "params_non_embedding": 1}))
    with (d / "records.jsonl").open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return d


def _rec(i: int, status: str, hyp: str = "The man did not go home", adv: str = "The man did not go hom") -> dict:
    return {"id": f"ex-{i}", "lang": "en", "label": 0, "status": status, "clean_pred": 0,
            "adv_pred": 2 if status == "succeeded" else 0, "clean_probs": [1, 0, 0], "adv_probs": [0, 0, 1],
            "premise": "He went home <script>alert(1)</script>", "hypothesis": hyp, "adv_premise":
            "He went home <script>alert(1)</script>", "adv_hypothesis": adv if status == "succeeded" else hyp,
            "words_changed": 1, "words_changed_frac": 0.1, "queries": 5}


@pytest.fixture()
def runs(tmp_path) -> Path:
    root = tmp_path / "runs"
    recs = [_rec(i, "succeeded") for i in range(6)] + [_rec(i, "failed") for i in range(6, 10)]
    recs.append(_rec(10, "succeeded", adv="The man did not go <script>x</script>"))
    _run_dir(root, "charnoise", "en", recs)
    _run_dir(root, "codemix", "en", [_rec(0, "succeeded"), _rec(1, "failed")])
    _run_dir(root, "codemix", "de", [_rec(0, "failed")])
    return root


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ROBUSTXNLI_OFFLINE": "1"}
    return subprocess.run([*ROBUSTXNLI, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def test_sheet_shows_a_perturbed_premise_beside_the_original(tmp_path):
    """Word swaps attack premise and hypothesis: the judge sees each changed column as written and perturbed."""
    rec = _rec(0, "succeeded")
    rec.update(premise="It was a pretty scary day.", adv_premise="It was a pretty chilling day.")
    _run_dir(tmp_path / "runs", "wordsub-wordnet", "en", [rec])
    p = _cli("audit", str(tmp_path / "runs"), "--out", str(tmp_path / "sheet"), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    page = (tmp_path / "sheet" / "sheet.html").read_text()
    assert "<del>scary</del>" in page and "<ins>chilling</ins>" in page
    assert page.index(">premise<") < page.index("<del>scary</del>") < page.index(">perturbed premise<") \
        < page.index("<ins>chilling</ins>") < page.index(">hypothesis<")
    assert "the perturbed pair the gold label" in page
    from robustxnli.report.build import build_report  # the report's examples show the premise change too

    build_report([tmp_path / "runs"], tmp_path / "report", n_boot=10)
    report = (tmp_path / "report" / "report.html").read_text()
    assert "P′: It was a pretty <ins>chilling</ins> day." in report and "H′:" in report
    assert "chilling" in (tmp_path / "report" / "report.md").read_text()


def test_wilson_interval():
    from robustxnli.audit.stats import adjusted, wilson

    lo, hi = wilson(9, 10)
    assert 0.59 < lo < 0.60 and 0.98 < hi < 0.99  # Wilson 1927; textbook value [0.596, 0.982]
    assert all(math.isnan(x) for x in wilson(0, 0))
    m = adjusted(n=10, attacked=8, succeeded=4, robust_correct=4, valid_share=0.5)
    assert m["adjusted_success_rate"] == 0.25 and m["adjusted_robust_accuracy"] == 0.6


def test_audit_sheet_ingest_and_table(runs, tmp_path):
    out = tmp_path / "sheet"
    p = _cli("audit", str(runs), "--out", str(out), "--per-cell", "5", "--seed", "3", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    rows = [json.loads(x) for x in (out / "judgements.jsonl").read_text().splitlines()]
    assert sum(r["recipe"] == "charnoise" for r in rows) == 5 and sum(r["recipe"] == "codemix" for r in rows) == 1
    again = tmp_path / "sheet2"
    assert _cli("audit", str(runs), "--out", str(again), "--per-cell", "5", "--seed", "3", cwd=tmp_path).returncode == 0
    assert (again / "judgements.jsonl").read_text() == (out / "judgements.jsonl").read_text()  # seeded
    page = (out / "sheet.html").read_text()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<del>" in page and "<ins>" in page and "same_label" in page

    assert "perturbed hypothesis" in page and "perturbed premise" not in page  # only what changed gets a row

    # judge the charnoise items: 4 yes, 1 no; leave codemix unjudged
    for r in rows:
        if r["recipe"] == "charnoise":
            r["same_label"] = "no" if r is rows[0] else "yes"
            r["same_meaning"] = "yes"
    filled = tmp_path / "filled.jsonl"
    filled.write_text("".join(json.dumps(r) + "\n" for r in rows))
    p = _cli("audit", "--ingest", str(filled), str(runs), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "ingested 5 judgements" in p.stdout and "not audited" in p.stdout

    from robustxnli.audit.table import validity_table

    t = validity_table([runs]).set_index("recipe")
    assert t.loc["charnoise", "label-preserving %"] == "80.0 (4/5)"
    assert t.loc["charnoise", "95% Wilson"] == "[37.6, 96.4]"
    t2 = validity_table([runs]).set_index(["recipe", "lang"])
    assert t2.loc[("codemix", "en"), "label-preserving %"] == "not audited"
    assert t2.loc[("codemix", "de"), "label-preserving %"] == "no successes"
    assert t2.loc[("codemix", "de"), "adjusted success rate %"] == "0.0"
    # 7 successes of 11 attacked; adjusted: 7 x 0.8 = 5.6 -> 50.9 %
    assert t.loc["charnoise", "success rate %"] == "63.6" and t.loc["charnoise", "adjusted success rate %"] == "50.9"


def test_ingest_bad_input_is_one_line(runs, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"run": str(runs / "en-charnoise"), "id": "ex-0", "same_label": "maybe"}) + "\n")
    p = _cli("audit", "--ingest", str(bad), cwd=tmp_path)
    assert p.returncode == 2 and "bad.jsonl:1" in p.stderr and "same_label" in p.stderr
    assert "Traceback" not in p.stderr


def test_report_shows_examples_escaped_and_validity(runs, tmp_path):
    from robustxnli.report.build import build_report

    out = tmp_path / "report"
    build_report([runs], out, n_boot=10)
    page = (out / "report.html").read_text()
    assert "Adversarial examples" in page and "Validity of adversarial examples" in page
    assert "<script>alert" not in page and "<script>x" not in page  # data stays text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "<ins>" in page and "not audited" in page
    md = (out / "report.md").read_text()
    assert "## Adversarial examples" in md and "&lt;script>x&lt;/script>" in md and "<script" not in md


class _Sheet(HTMLParser):
    """Items of sheet.html as a browser sees them: data-item JSON and the radio inputs inside each item."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "div" and a.get("class") == "item":
            self.items.append({"data": json.loads(a["data-item"]), "radios": [], "text": ""})
        elif tag == "input" and a.get("type") == "radio":
            self.items[-1]["radios"].append(a)

    def handle_data(self, data: str) -> None:
        if self.items:
            self.items[-1]["text"] += data


def test_sheet_keys_are_unique_per_run_and_filled_sheet_ingests_into_its_run(tmp_path):
    """Two run dirs named alike under different parents (two seeds, a resumed and a fresh run): each item has its
    own key and radio groups, shows its run, and a sheet filled in the browser lands in the right run dir."""
    recs = [_rec(0, "succeeded"), _rec(1, "succeeded")]
    a = _run_dir(tmp_path / "seed1", "charnoise", "en", recs)
    b = _run_dir(tmp_path / "seed2", "charnoise", "en", recs)
    p = _cli("audit", str(tmp_path / "seed1"), str(tmp_path / "seed2"), "--out", str(tmp_path / "sheet"), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    rows = [json.loads(x) for x in (tmp_path / "sheet" / "judgements.jsonl").read_text().splitlines()]
    assert len({r["item"] for r in rows}) == len(rows) == 4
    sheet = _Sheet()
    sheet.feed((tmp_path / "sheet" / "sheet.html").read_text())
    groups = [{r["name"] for r in it["radios"]} for it in sheet.items]
    assert all(len(g) == 2 for g in groups) and len(set().union(*groups)) == 2 * len(rows)  # no shared group
    for it in sheet.items:  # the header names the run, relative to the common parent
        rel = "seed1/en-charnoise" if it["data"]["run"] == str(a.resolve()) else "seed2/en-charnoise"
        assert f"run {rel}" in it["text"]
    # what save() exports: data-item plus the answers; judge only seed2's ex-0
    filled = [{**it["data"], "same_label": "no", "same_meaning": "yes", "annotator": "u", "note": ""}
              for it in sheet.items if it["data"]["run"] == str(b.resolve()) and it["data"]["id"] == "ex-0"]
    (tmp_path / "filled.jsonl").write_text("".join(json.dumps(r) + "\n" for r in filled))
    assert _cli("audit", "--ingest", str(tmp_path / "filled.jsonl"), cwd=tmp_path).returncode == 0
    assert not (a / "audit.jsonl").exists()
    assert [j["id"] for j in map(json.loads, (b / "audit.jsonl").read_text().splitlines())] == ["ex-0"]
    # a sheet written with the old key (run dir name / id) still ingests: the run column decides
    old = {**filled[0], "item": "en-charnoise/ex-1", "id": "ex-1"}
    (tmp_path / "old.jsonl").write_text(json.dumps(old) + "\n")
    assert _cli("audit", "--ingest", str(tmp_path / "old.jsonl"), cwd=tmp_path).returncode == 0
    assert len((b / "audit.jsonl").read_text().splitlines()) == 2


def test_ingest_refuses_an_id_not_in_the_run_and_stores_nothing(runs, tmp_path):
    run = str(runs / "en-charnoise")
    good = {"run": run, "id": "ex-0", "same_label": "yes"}
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(good) + "\n" + json.dumps({**good, "id": "ex-999999"}) + "\n")
    p = _cli("audit", "--ingest", str(bad), cwd=tmp_path)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "bad.jsonl:2" in p.stderr and "ex-999999" in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert not (runs / "en-charnoise" / "audit.jsonl").exists()  # not even the good row
