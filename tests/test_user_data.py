"""The user's own NLI data (--data): reading, labels, bad rows, and evaluate / attack / hans through the console
script on the tiny model fixture."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from robustxnli.data.user import load_user_data
from robustxnli.errors import DataError, UserError

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TWO_WAY = FIXTURES / "own_nli_2way.csv"
QUY = FIXTURES / "own_nli_quy.jsonl"
TWO_WAY_COLUMNS = "premise=sentence1,hypothesis=sentence2,label=gold,id=pair_id"
EXE = Path(sys.executable).parent / "robustxnli"


def cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "ROBUSTXNLI_PROGRESS": "0", "ROBUSTXNLI_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
           "OMP_NUM_THREADS": "1", "COLUMNS": "160"}
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=timeout, env=env)


# reading ------------------------------------------------------------------------------------------------------
def test_fixtures_read_with_user_ids_languages_and_label_sets():
    two = load_user_data(str(TWO_WAY), columns=TWO_WAY_COLUMNS)
    assert two.two_way and len(two.examples) == 24 and two.langs() == ["en"]
    assert two.examples[0].id == "rte-like-01" and two.examples[0].label == 0 and two.examples[1].label == 1
    quy = load_user_data(str(QUY))
    assert not quy.two_way and quy.langs() == ["quy", "en"]
    assert [e.label for e in quy.examples[:3]] == [0, 2, 1] and quy.examples[0].id == "quy-001"
    assert list(quy.sha256.values())[0] == __import__("hashlib").sha256(QUY.read_bytes()).hexdigest()


@pytest.mark.parametrize("suffix,text", [
    (".jsonl", '{"premise": "A b.", "hypothesis": "A.", "label": "yes"}\n{"premise": "C d.", "hypothesis": "E.", '
               '"label": "no"}\n'),
    (".json", json.dumps([{"premise": "A b.", "hypothesis": "A.", "label": "yes"},
                          {"premise": "C d.", "hypothesis": "E.", "label": "no"}])),
    (".tsv", "premise\thypothesis\tlabel\nA b.\tA.\tyes\nC d.\tE.\tno\n"),
    (".csv", "premise,hypothesis,label\nA b.,A.,yes\nC d.,E.,no\n"),
])
def test_formats_and_label_map(tmp_path, suffix, text):
    path = tmp_path / f"set{suffix}"
    path.write_text(text)
    data = load_user_data(str(path), label_map="yes=entailment,no=non-entailment", lang="gn")
    assert data.two_way and [e.label for e in data.examples] == [0, 1]
    assert {e.lang for e in data.examples} == {"gn"} and data.examples[0].id == "set-000000"


def test_three_way_integer_labels_and_hans_convention(tmp_path):
    path = tmp_path / "ints.jsonl"
    path.write_text("".join(json.dumps({"premise": "p", "hypothesis": "h", "label": i}) + "\n" for i in (0, 1, 2)))
    assert [e.label for e in load_user_data(str(path)).examples] == [0, 1, 2]
    assert [e.label for e in load_user_data(str(path), two_way=True).examples] == [0, 1, 1]


@pytest.mark.parametrize("name,text,message", [
    ("bad.jsonl", '{"premise": "p", "hypothesis": "h", "label": 0}\n{"premise": "p", "hypothesis": "", "label": 1}\n',
     "bad.jsonl, line 2: field 'hypothesis' is empty"),
    ("bad.csv", "premise,hypothesis,label\np,h,0\np,h,maybe\n",
     "bad.csv, line 3: field 'label': 'maybe' is not an NLI label"),
    ("bad.tsv", "s1\ts2\tgold\np\th\t0\n\th\t1\n", "bad.tsv, line 3: field 's1' (premise) is empty"),
    ("bad2.jsonl", '{"premise": "p", "hypothesis": "h", "label": 0}\n{not json}\n', "bad2.jsonl, line 2: malformed JSON"),
    ("bad3.jsonl", '{"premise": "p", "hypothesis": "h", "label": 0, "lang": "Klingon!"}\n',
     "bad3.jsonl, line 1: field 'lang': 'Klingon!' is not a language code"),
    ("dup.jsonl", '{"id": "a", "premise": "p", "hypothesis": "h", "label": 0}\n'
                  '{"id": "a", "premise": "q", "hypothesis": "h", "label": 0}\n', "dup.jsonl, line 2: field 'id'"),
])
def test_bad_rows_name_file_line_and_field(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    columns = "premise=s1,hypothesis=s2,label=gold" if name == "bad.tsv" else None
    with pytest.raises(DataError, match="--skip-invalid|malformed|language code") as err:
        load_user_data(str(path), columns=columns)
    assert message in str(err.value)


def test_skip_invalid_counts_and_reports(tmp_path, capsys):
    path = tmp_path / "mixed.csv"
    path.write_text("premise,hypothesis,label\np,h,entailment\n,h,neutral\np,h,??\np,h2,contradiction\n")
    data = load_user_data(str(path), skip_invalid=True)
    assert len(data.examples) == 2 and len(data.skipped) == 2 and "line 3" in data.skipped[0]
    assert "skipped 2 invalid row(s) of mixed.csv" in capsys.readouterr().err


def test_options_are_checked():
    with pytest.raises(UserError, match="--columns: unknown field"):
        load_user_data(str(QUY), columns="question=q")
    with pytest.raises(UserError, match="not a label"):
        load_user_data(str(QUY), label_map="yes=maybe")
    with pytest.raises(UserError, match="no such file"):
        load_user_data("nope.jsonl")
    with pytest.raises(UserError, match="unknown data format"):
        load_user_data(str(FIXTURES / "README.md"))


def test_hub_offline_says_so(monkeypatch):
    monkeypatch.setenv("ROBUSTXNLI_OFFLINE", "1")
    with pytest.raises(UserError, match="the Hugging Face hub is unreachable"):
        load_user_data("hub:nyu-mll/glue:rte:validation")


def test_two_way_wrapper_matches_hans_scoring():
    from robustxnli.attacks.two_way import two_way_probs
    from robustxnli.hans.evaluate import two_way

    probs = np.random.default_rng(0).dirichlet(np.ones(3), size=500).astype(np.float32)
    two = two_way_probs(probs)
    assert np.allclose(two.sum(1), 1) and (two.argmax(1) == two_way(probs)).all()


# through the console script ------------------------------------------------------------------------------------
def test_evaluate_own_data_cli(tiny_model_dir, tmp_path):
    out = tmp_path / "ev"
    proc = cli("evaluate", "--model", str(tiny_model_dir), "--data", str(QUY), "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "own_nli_quy.jsonl accuracy" in proc.stdout and "quy" in proc.stdout and "three-way" in proc.stdout
    records = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records if r["lang"] == "quy"][:2] == ["quy-001", "quy-002"] and len(records) == 24
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["data"]["name"] == "own_nli_quy.jsonl" and manifest["task"] == "data:own_nli_quy.jsonl"
    assert list(manifest["data"]["sha256"].values())[0] == list(manifest["data_sha256"].values())[0]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n"] == {"quy": 12, "en": 12}
    # recall and prediction shares per class, as for XNLI (the table printed them blank before)
    quy = [r for r in records if r["lang"] == "quy"]
    assert summary["per_class"]["quy"]["n"] == 12 and set(summary["per_class"]) == {"quy", "en", "all"}
    assert summary["per_class"]["quy"]["confusion"][0][0] == sum(r["label"] == r["pred"] == 0 for r in quy)
    one = cli("evaluate", "--model", str(tiny_model_dir), "--data", str(QUY), "--lang", "quy", "--out",
              str(tmp_path / "ev1"))
    assert "24 pair(s), 12 of them in quy" in one.stdout, one.stdout  # what the numbers rest on
    for r in records:
        assert r["correct"] == (r["pred"] == r["label"]) and r["pred"] == int(np.argmax(r["probs"]))

    two = cli("evaluate", "--model", str(tiny_model_dir), "--data", str(TWO_WAY), "--columns", TWO_WAY_COLUMNS,
              "--out", str(tmp_path / "ev2"))
    assert two.returncode == 0, two.stderr[-2000:]
    assert "two-way" in two.stdout
    for r in map(json.loads, (tmp_path / "ev2" / "records.jsonl").read_text().splitlines()):
        assert r["pred"] == int(np.argmax(r["probs"]) != 0) and r["label"] in (0, 1)


def test_attack_own_data_cli_any_language(tiny_model_dir, tmp_path):
    out = tmp_path / "at"
    proc = cli("attack", "--model", str(tiny_model_dir), "--data", str(QUY), "--lang", "quy", "--recipe",
               "charnoise", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "charnoise quy: n=12" in proc.stdout and "quy is not an XNLI language" in proc.stderr
    records = [json.loads(line) for line in (out / "quy-charnoise" / "records.jsonl").read_text().splitlines()]
    assert sorted(r["id"] for r in records) == [f"quy-{i:03d}" for i in range(1, 13)]
    manifest = json.loads((out / "quy-charnoise" / "manifest.json").read_text())
    assert manifest["data"]["name"] == "own_nli_quy.jsonl" and manifest["lang"] == "quy"
    # a language-specific recipe says plainly that it has nothing for quy
    lex = cli("attack", "--model", str(tiny_model_dir), "--data", str(QUY), "--lang", "quy", "--recipe",
              "wordsub-wordnet", "--out", str(tmp_path / "at2"))
    assert lex.returncode == 2 and "does not support language 'quy'" in lex.stderr and "Traceback" not in lex.stderr
    dis = cli("attack", "--model", str(tiny_model_dir), "--data", str(QUY), "--lang", "quy", "--recipe",
              "distractor-negation", "--out", str(tmp_path / "at3"))
    assert dis.returncode == 2 and "has no resources for 'quy'" in dis.stderr and "Traceback" not in dis.stderr


def test_attack_two_way_set_cli(tiny_model_dir, tmp_path):
    out = tmp_path / "at"
    proc = cli("attack", "--model", str(tiny_model_dir), "--data", str(TWO_WAY), "--columns", TWO_WAY_COLUMNS,
               "--recipe", "charnoise", "--limit", "6", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    records = [json.loads(line) for line in (out / "en-charnoise" / "records.jsonl").read_text().splitlines()]
    assert len(records) == 6 and all(len(r["clean_probs"]) == 2 for r in records)
    for r in records:
        assert r["clean_pred"] == int(np.argmax(r["clean_probs"]))
        assert r["status"] == ("skipped" if r["clean_pred"] != r["label"] else r["status"])


def test_hans_with_a_generated_file(tiny_model_dir, tmp_path):
    hans_file = tmp_path / "hans-de.jsonl"
    assert cli("hans", "generate", "--lang", "de", "--n-per-subcase", "2", "--out", str(hans_file)).returncode == 0
    proc = cli("hans", "--model", str(tiny_model_dir), "--data", str(hans_file), "--out", str(tmp_path / "h"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "HANS-style accuracy" in proc.stdout and "two-way" in proc.stdout


def test_bad_row_cli_is_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("premise,hypothesis,label\nA man sleeps.,A man rests.,entailment\nA dog.,,neutral\n")
    proc = cli("evaluate", "--model", "unused", "--data", str(bad), "--out", str(tmp_path / "x"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{bad}, line 3: field 'hypothesis' is empty" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_sweep_data_key(tiny_model_dir, tmp_path):
    from robustxnli.sweep.config import load_config
    from robustxnli.sweep.executors import resolve_fn
    from robustxnli.sweep.plan import build_plan

    cfg = load_config({"models": ["e5-small-L3"], "recipes": ["charnoise"], "data": {"path": str(QUY)},
                       "out_dir": str(tmp_path / "runs")})
    assert cfg.langs == ["quy", "en"]
    cells = build_plan(cfg)
    ev = next(c for c in cells if c.kind == "evaluate")
    assert ev.kwargs["data"]["sha256"] and "data" not in cells[0].kwargs
    assert sorted(c.meta["langs"][0] for c in cells if c.kind == "attack") == ["en", "quy"]
    summary = resolve_fn(ev.fn)(**{**ev.kwargs, "model": str(tiny_model_dir)}, out=ev.out)
    assert summary["data"] == "own_nli_quy.jsonl" and summary["n"] == {"quy": 12, "en": 12}
