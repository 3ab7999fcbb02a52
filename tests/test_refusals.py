"""Candidate accounting (attacks/refusals.py): each attacked pair's record, the summary, the command's line and the
report say how many candidates the constraints checked and which constraint refused them, for plug-ins too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CLI = str(Path(sys.executable).with_name("robustxnli"))

# Two constraints in a known order: the first refuses candidates for words of more than 4 letters (with a
# reason), the second (a plain TextAttack constraint, no reasons) refuses every candidate. Every candidate
# is refused, by the first where the word is long, else by the second.
PLUGIN = '''
from textattack.constraints import Constraint
from textattack.transformations import WordSwapRandomCharacterDeletion

from robustxnli.attacks.constraints import CountedConstraint
from robustxnli.attacks.engine import build_attack, option


class ShortWordsOnly(CountedConstraint):
    def _check_constraint(self, transformed_text, reference_text):
        for i in transformed_text.attack_attrs.get("modified_indices", ()):
            if len(reference_text.words[i]) > 4:
                return self._reject("long word")
        return True


class NoChange(Constraint):  # a plain TextAttack constraint: no reasons
    def __init__(self):
        super().__init__(compare_against_original=True)

    def _check_constraint(self, transformed_text, reference_text):
        return False


def drop_letters(ctx):
    """Delete one letter of a hypothesis word; nothing passes.

    Languages: de
    Citation: Test 2026
    """
    order = [ShortWordsOnly(), NoChange()]
    if option(ctx, "swap", False):
        order.reverse()
    return build_attack(ctx, WordSwapRandomCharacterDeletion(random_one=False), order)
'''


def _run(args: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "ROBUSTXNLI_OFFLINE": "1", "ROBUSTXNLI_PROGRESS": "0"}
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=env, timeout=300)


def _records(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "records.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def plugin(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plugin") / "drop.py"
    path.write_text(PLUGIN, encoding="utf-8")
    return path


def test_each_refused_candidate_counts_once_for_the_constraint_that_refused_it(tiny_model_dir, data_dir,
                                                                               tmp_path, plugin):
    out = tmp_path / "att"
    done = _run(["attack", "--model", str(tiny_model_dir), "--lang", "de", "--recipe", f"{plugin}:drop_letters",
                 "--limit", "6", "--out", str(out), "--data-dir", str(data_dir)])
    assert done.returncode == 0, done.stderr[-2000:]
    run = next(out.iterdir())
    summary = json.loads((run / "summary.json").read_text())
    cand = summary["candidates"]
    attacked = summary["n_succeeded"] + summary["n_failed"]
    assert attacked and summary["n_succeeded"] == 0  # the constraints let nothing through
    assert cand["pairs"] == attacked and cand["accepted"] == 0
    assert set(cand["refused"]) == {"ShortWordsOnly: long word", "NoChange"}
    assert sum(cand["refused"].values()) == cand["checked"] > 0
    # the records hold the per-pair counts the summary adds up; skipped pairs have none
    rows = _records(run)
    counted = [r["candidates"] for r in rows if r["status"] != "skipped"]
    assert sum(c["checked"] for c in counted) == cand["checked"]
    assert all("candidates" not in r for r in rows if r["status"] == "skipped")
    assert f"{cand['checked']:,} candidates checked in {attacked} attacked pairs, 0.0% accepted" in done.stdout

    # the same candidates with the constraints in the other order: all refused by the first one
    swapped = tmp_path / "swapped"
    again = _run(["attack", "--model", str(tiny_model_dir), "--lang", "de", "--recipe", f"{plugin}:drop_letters",
                  "--limit", "6", "--out", str(swapped), "--data-dir", str(data_dir), "-o", "swap=true"])
    assert again.returncode == 0, again.stderr[-2000:]
    other = json.loads((next(swapped.iterdir()) / "summary.json").read_text())["candidates"]
    assert other["checked"] == cand["checked"] and other["refused"] == {"NoChange": cand["checked"]}


def test_counts_survive_an_extended_run_and_reach_the_report(tiny_model_dir, data_dir, tmp_path, plugin):
    out = tmp_path / "att"
    common = ["attack", "--model", str(tiny_model_dir), "--lang", "de", "--recipe", f"{plugin}:drop_letters",
              "--out", str(out), "--data-dir", str(data_dir)]
    assert _run([*common, "--limit", "2"]).returncode == 0
    run = next(out.iterdir())
    first = {r["id"]: r.get("candidates") for r in _records(run)}
    assert _run([*common, "--limit", "4"]).returncode == 0
    rows = _records(run)
    assert len(rows) == 4 and all(r.get("candidates") == first[r["id"]] for r in rows if r["id"] in first)
    summary = json.loads((run / "summary.json").read_text())
    assert summary["candidates"]["pairs"] == summary["n_succeeded"] + summary["n_failed"]

    report = _run(["report", str(out), "--out", str(tmp_path / "rep")])
    assert report.returncode == 0, report.stderr[-2000:]
    md = (tmp_path / "rep" / "report.md").read_text(encoding="utf-8")
    assert "## Where the attack candidates went" in md
    checked = summary["candidates"]["checked"]
    section = md.split("## Where the attack candidates went", 1)[1].split("\n## ", 1)[0]
    row = next(line for line in section.splitlines() if line.startswith("| drop_letters | de |"))
    assert f"| {checked} | 0.0% |" in row and "ShortWordsOnly: long word" in row
    assert "Where the attack candidates went" in (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
