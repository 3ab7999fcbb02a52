"""Bad input, as a new user types it, through the installed ``robustxnli`` console script: every case must end with
exit code 2, one plain ``error:`` line that names the bad input, no traceback, and (where the case gives a fresh
``--out``) nothing written.

Placeholders in the arguments are filled from the ``bad`` fixture: ``{tiny}`` a working tiny model, ``{new}`` a
path that does not exist yet, ``{file}`` an existing file, ``{dir}`` an existing directory, ``{data}`` the data
dir, and the broken models, plug-ins, configs and run dirs built below.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CLI = str(Path(sys.executable).with_name("robustxnli"))


def run_cli(args: list[str], cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "ROBUSTXNLI_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)


def _gz(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb") as f:
        f.write(data)
    return path


def _xnli_dir(root: Path, lines: list[str] | bytes) -> Path:
    """A data dir whose xnli/dev/de file holds ``lines`` (bytes: written as is)."""
    data = lines if isinstance(lines, bytes) else ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")
    _gz(root / "xnli" / "dev" / "de.jsonl.gz", data)
    return root


def _run_dir(root: Path, manifest: str | dict, records: list[str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "manifest.json").write_text(manifest if isinstance(manifest, str) else json.dumps(manifest))
    (root / "records.jsonl").write_text("".join(r + "\n" for r in records))
    return root


GOOD = json.dumps({"premise": "Ein Hund läuft.", "hypothesis": "Ein Tier bewegt sich.", "label": 0})


@pytest.fixture(scope="session")
def bad(tmp_path_factory, tiny_model_dir, data_dir) -> dict[str, str]:
    import shutil

    root = tmp_path_factory.mktemp("bad")
    p: dict[str, str] = {"tiny": str(tiny_model_dir), "data": str(data_dir), "root": str(root)}
    # broken models
    for name in ("notok", "trunc", "badside", "binonly", "badconfig"):
        shutil.copytree(tiny_model_dir, root / name)
        p[name] = str(root / name)
    for f in (root / "notok").glob("tokenizer*"):
        f.unlink()
    (root / "notok" / "special_tokens_map.json").unlink(missing_ok=True)
    st = root / "trunc" / "model.safetensors"
    st.write_bytes(st.read_bytes()[: st.stat().st_size // 3])
    (root / "badside" / "robustxnli.json").write_text("{not json")
    (root / "binonly" / "model.safetensors").rename(root / "binonly" / "pytorch_model.bin")
    (root / "badconfig" / "config.json").write_text("{\"architectures\": [")
    (root / "empty_dir").mkdir()
    p["empty_dir"] = str(root / "empty_dir")
    (root / "a_file.txt").write_text("not a directory\n")
    p["file"] = str(root / "a_file.txt")
    p["dir"] = str(root / "empty_dir")
    # recipe plug-ins
    plug = {"raises": "def build(ctx):\n    raise RuntimeError('factory exploded')\n",
            "returns_none": "def build(ctx):\n    return None\n",
            "syntax": "def build(ctx) return 1\n",
            "not_callable": "build = 3\n"}
    for name, text in plug.items():
        (root / f"plug_{name}.py").write_text(text)
        p[f"plug_{name}"] = str(root / f"plug_{name}.py")
    # sweep configs
    configs = {
        "yaml_invalid": "models: [a\n",
        "yaml_list": "- 1\n- 2\n",
        "seed_neg": "models: [e5-small-L3]\nseeds: [-1]\n",
        "seed_float": "models: [e5-small-L3]\nseeds: [1.7]\n",
        "unknown_key": "models: [e5-small-L3]\nmodles: [x]\n",
        "fn_evil": "models: [e5-small-L3]\nfunctions: {train: 'torch.hub:load'}\n",
        "cell_evil": "cells:\n  - {name: x, fn: 'os:system', kwargs: {command: 'echo hi'}}\n",
        "train_lr": "models: [e5-small-L3]\ntrain: {lr: -1}\n",
        "eval_typo": "models: [e5-small-L3]\nevaluate: {limt: 5}\n",
        "eval_limit": "models: [e5-small-L3]\nevaluate: {limit: 0}\n",
        "bad_lang": "models: [e5-small-L3]\nlangs: [xx]\n",
        "bad_executor": "models: [e5-small-L3]\nexecutor: kubernetes\n",
        "cell_out": "cells:\n  - {name: x, fn: 'robustxnli.sweep.toy:count_cell', kwargs: {out: /tmp/x}}\n",
        "recipe_shape": "models: [e5-small-L3]\nrecipes: [[1, 2]]\n",
        "hans_shape": "models: [e5-small-L3]\nhans: [en]\n",
        "train_typo": "models: [e5-small-L3]\ntrain: {learning_rate: 0.1}\n",
    }
    for name, text in configs.items():
        (root / f"{name}.yaml").write_text(text, encoding="utf-8")
        p[name] = str(root / f"{name}.yaml")
    (root / "latin1.yaml").write_bytes("models: [caf\xe9]\n".encode("latin-1"))
    p["latin1"] = str(root / "latin1.yaml")
    # run dirs for `report`
    evm = {"kind": "evaluate", "status": "done", "model_label": "m", "regime": "baseline", "seed": 1}
    rec = json.dumps({"id": "a", "lang": "de", "label": 0, "pred": 0, "correct": True, "probs": [1, 0, 0]})
    p["runs_torn"] = str(_run_dir(root / "runs_torn" / "r", evm, [rec, '{"id": "b", "la', rec]).parent)
    p["runs_badmanifest"] = str(_run_dir(root / "runs_badmanifest" / "r", "{\"kind\": \"eval", [rec]).parent)
    p["runs_floatlabel"] = str(_run_dir(root / "runs_floatlabel" / "r", evm,
                                        [rec.replace('"label": 0', '"label": 1.5')]).parent)
    p["runs_missing"] = str(_run_dir(root / "runs_missing" / "r", evm, ['{"id": "a"}']).parent)
    p["runs_notobj"] = str(_run_dir(root / "runs_notobj" / "r", evm, ["[1, 2, 3]", rec]).parent)
    # data dirs for `evaluate` / `attack`
    p["data_utf8"] = str(_xnli_dir(root / "data_utf8", b'{"premise": "caf\xe9", "hypothesis": "x", "label": 0}\n'))
    p["data_json"] = str(_xnli_dir(root / "data_json", [GOOD, '{"premise": "a", "hypothesis": ', GOOD]))
    p["data_float"] = str(_xnli_dir(root / "data_float", [GOOD, GOOD.replace('"label": 0', '"label": 1.0')]))
    p["data_missing"] = str(_xnli_dir(root / "data_missing", [GOOD, '{"premise": "a", "label": 1}']))
    p["data_label"] = str(_xnli_dir(root / "data_label", [GOOD, GOOD.replace('"label": 0', '"label": 7')]))
    p["data_empty"] = str(_xnli_dir(root / "data_empty", b""))
    p["data_notobj"] = str(_xnli_dir(root / "data_notobj", [GOOD, "[1, 2]"]))
    return p


def _fill(args: list[str], p: dict[str, str], new: Path) -> list[str]:
    return [a.format(**p, new=str(new)) for a in args]


# (verb, args, words the error must contain) ----------------------------------------------------------------------
EV = ["evaluate", "--model", "{tiny}", "--lang", "de", "--out", "{new}", "--data-dir", "{data}"]
AT = ["attack", "--model", "{tiny}", "--lang", "de", "--out", "{new}", "--data-dir", "{data}", "--limit", "2"]
HA = ["hans", "--model", "{tiny}", "--lang", "en", "--out", "{new}", "--n-per-subcase", "1"]
TR = ["train", "--model", "{tiny}", "--out", "{new}", "--data-dir", "{data}", "--target-limit", "8"]
CASES: list[tuple[str, list[str], list[str]]] = [
    # the command line itself
    ("cli", ["atack"], ["atack", "attack"]),
    ("cli", ["--bogus"], ["--bogus"]),
    ("cli", ["evaluat", "--model", "x"], ["evaluat"]),
    ("recipes", ["recipes", "lst"], ["lst"]),
    ("recipes", ["recipes", "list", "--bogus"], ["--bogus"]),
    ("hans", ["hans", "generat", "--lang", "en"], ["generat"]),
    # evaluate
    ("evaluate", ["evaluate", "--lang", "de", "--out", "{new}"], ["--model"]),
    ("evaluate", ["evaluate", "--model", "{tiny}", "--lang", "de"], ["--out"]),
    ("evaluate", EV + ["--limit", "abc"], ["--limit", "abc"]),
    ("evaluate", EV + ["--limit", "0"], ["--limit", "0"]),
    ("evaluate", EV + ["--limit", "-1"], ["--limit", "-1"]),
    ("evaluate", EV + ["--batch-size", "0"], ["--batch-size", "0"]),
    ("evaluate", EV + ["--batch-size", "1.5"], ["--batch-size", "1.5"]),
    ("evaluate", EV + ["--bogus"], ["--bogus"]),
    ("evaluate", ["evaluate", "--model", "{tiny}", "--lang", "xx", "--out", "{new}"], ["xx"]),
    ("evaluate", ["evaluate", "--model", "{tiny}", "--lang", "de,,zz", "--out", "{new}"], ["zz"]),
    ("evaluate", EV + ["--split", "train"], ["train"]),
    ("evaluate", ["evaluate", "--model", "{root}/nope", "--lang", "de", "--out", "{new}"], ["nope"]),
    ("evaluate", ["evaluate", "--model", "no-such-model-anywhere", "--lang", "de", "--out", "{new}"],
     ["no-such-model-anywhere"]),
    ("evaluate", ["evaluate", "--model", "{notok}", "--lang", "de", "--out", "{new}"], ["notok", "tokenizer"]),
    ("evaluate", ["evaluate", "--model", "{trunc}", "--lang", "de", "--out", "{new}"], ["model.safetensors"]),
    ("evaluate", ["evaluate", "--model", "{badside}", "--lang", "de", "--out", "{new}"], ["robustxnli.json"]),
    ("evaluate", ["evaluate", "--model", "{binonly}", "--lang", "de", "--out", "{new}"], ["binonly", ".bin"]),
    ("evaluate", ["evaluate", "--model", "{badconfig}", "--lang", "de", "--out", "{new}"], ["config.json"]),
    ("evaluate", ["evaluate", "--model", "{empty_dir}", "--lang", "de", "--out", "{new}"], ["empty_dir"]),
    ("evaluate", ["evaluate", "--model", "{file}", "--lang", "de", "--out", "{new}"], ["a_file.txt"]),
    ("evaluate", ["evaluate", "--model", "{tiny}", "--lang", "de", "--out", "{file}"], ["--out", "a_file.txt"]),
    ("evaluate", ["evaluate", "--model", "{tiny}", "--lang", "de", "--out", "{file}/sub"], ["a_file.txt"]),
    ("evaluate", EV[:-1] + ["{root}/nodata"], ["--data-dir", "nodata"]),
    ("evaluate", EV + ["--label-order", "yes,no,maybe"], ["yes", "--label-order"]),
    ("evaluate", EV + ["--label-order", "entailment,neutral"], ["2 output labels"]),
    ("evaluate", EV[:-1] + ["{data_utf8}", "--limit", "3"], ["de.jsonl.gz"]),
    ("evaluate", EV[:-1] + ["{data_json}", "--limit", "3"], ["de.jsonl.gz", "line 2"]),
    ("evaluate", EV[:-1] + ["{data_float}", "--limit", "3"], ["de.jsonl.gz", "line 2", "label"]),
    ("evaluate", EV[:-1] + ["{data_missing}", "--limit", "3"], ["de.jsonl.gz", "line 2", "hypothesis"]),
    ("evaluate", EV[:-1] + ["{data_label}", "--limit", "3"], ["de.jsonl.gz", "line 2", "label"]),
    ("evaluate", EV[:-1] + ["{data_empty}", "--limit", "3"], ["de.jsonl.gz"]),
    ("evaluate", EV[:-1] + ["{data_notobj}", "--limit", "3"], ["de.jsonl.gz", "line 2"]),
    # attack
    ("attack", ["attack", "--model", "{tiny}", "--out", "{new}"], ["--lang"]),
    ("attack", AT + ["--recipe", "charnoize"], ["charnoize", "charnoise"]),
    ("attack", AT + ["--recipe", "{root}/missing.py:build"], ["missing.py"]),
    ("attack", AT + ["--recipe", "{plug_raises}:build"], ["plug_raises.py", "factory exploded"]),
    ("attack", AT + ["--recipe", "{plug_returns_none}:build"], ["plug_returns_none.py", "NoneType"]),
    ("attack", AT + ["--recipe", "{plug_syntax}:build"], ["plug_syntax.py"]),
    ("attack", AT + ["--recipe", "{plug_not_callable}:build"], ["plug_not_callable.py", "build"]),
    ("attack", AT + ["--recipe", "{plug_raises}:nothere"], ["nothere"]),
    ("attack", AT + ["-o", "min_similarty=0.9", "--recipe", "wordsub-embedding"],
     ["min_similarty", "did you mean 'min_similarity'"]),
    ("attack", AT + ["-o", "novalue"], ["novalue", "KEY=VALUE"]),
    ("attack", AT + ["-o", "candidates=lots", "--recipe", "wordsub-embedding"], ["candidates='lots'"]),
    ("attack", AT + ["--seed", "-1"], ["--seed", "-1"]),
    ("attack", AT + ["--seed", "1.5"], ["--seed", "1.5"]),
    ("attack", AT + ["--limit", "0"], ["--limit", "0"]),
    ("attack", AT + ["--perturb", "sideways"], ["sideways"]),
    ("attack", AT + ["--device", "bogus"], ["--device", "bogus"]),
    ("attack", AT + ["--device", "cuda:99"], ["--device", "cuda:99"]),
    ("attack", ["attack", "--model", "{tiny}", "--lang", "xx", "--out", "{new}"], ["xx"]),
    ("attack", ["attack", "--model", "{tiny}", "--lang", "sw", "--recipe", "wordsub-wordnet", "--out", "{new}"],
     ["wordsub-wordnet", "sw"]),
    ("attack", ["attack", "--model", "{notok}", "--lang", "de", "--out", "{new}"], ["tokenizer"]),
    ("attack", ["attack", "--model", "{tiny}", "--lang", "de", "--out", "{file}"], ["a_file.txt"]),
    ("attack", AT[:-3] + ["{data_float}", "--limit", "2"], ["de.jsonl.gz", "line 2"]),
    # hans
    ("hans", ["hans", "--lang", "en"], ["--model"]),
    ("hans", HA[:-1] + ["0"], ["--n-per-subcase", "0"]),
    ("hans", HA[:-1] + ["-1"], ["--n-per-subcase", "-1"]),
    ("hans", HA + ["--seed", "-3"], ["--seed", "-3"]),
    ("hans", HA + ["--batch-size", "0"], ["--batch-size"]),
    ("hans", ["hans", "--model", "{tiny}", "--lang", "xx", "--out", "{new}"], ["xx"]),
    ("hans", ["hans", "--model", "{trunc}", "--lang", "en", "--out", "{new}"], ["model.safetensors"]),
    ("hans", ["hans", "--model", "{tiny}", "--lang", "en", "--out", "{file}"], ["a_file.txt"]),
    ("hans", ["hans", "generate", "--lang", "en", "--out", "{dir}"], ["empty_dir", "directory"]),
    ("hans", ["hans", "generate", "--lang", "xx", "--out", "{new}"], ["xx"]),
    ("hans", ["hans", "generate", "--lang", "en", "--out", "{new}", "--n-per-subcase", "0"], ["--n-per-subcase"]),
    ("hans", ["hans", "generate", "--out", "{new}"], ["--lang"]),
    ("hans", ["hans", "generate", "--lang", "en", "--out", "{file}/x.jsonl"], ["a_file.txt"]),
    # train
    ("train", TR + ["--seed", "-1"], ["--seed", "-1"]),
    ("train", TR + ["--lr", "-1"], ["--lr", "-1"]),
    ("train", TR + ["--lr", "0"], ["--lr"]),
    ("train", TR + ["--lr", "fast"], ["--lr", "fast"]),
    ("train", TR + ["--batch-size", "0"], ["--batch-size"]),
    ("train", TR + ["--grad-accum", "0"], ["--grad-accum"]),
    ("train", TR + ["--warmup-ratio", "2"], ["--warmup-ratio"]),
    ("train", TR + ["--max-length", "0"], ["--max-length", "--preset cpu"]),  # 0 = from the data: cpu preset only
    ("train", TR + ["--max-length", "-1"], ["--max-length", "-1"]),
    ("train", TR + ["--freeze-layers", "-1"], ["--freeze-layers"]),
    ("train", TR + ["--target-epochs", "0"], ["--target-epochs"]),
    ("train", TR + ["--save-steps", "0"], ["--save-steps"]),
    ("train", TR[:-2] + ["--target-limit", "0"], ["--target-limit"]),
    ("train", ["train", "--model", "{root}/nope", "--out", "{new}"], ["nope"]),
    ("train", ["train", "--model", "{notok}", "--out", "{new}"], ["tokenizer"]),
    ("train", ["train", "--model", "{tiny}", "--out", "{file}"], ["a_file.txt"]),
    ("train", ["train", "--model", "{tiny}", "--out", "{new}", "--data-dir", "{root}/nodata"], ["nodata"]),
    ("train", ["train", "--out", "{new}", "--model", "no-such-hub-model-xyz"], ["no-such-hub-model-xyz"]),
    # sweep
    ("sweep", ["sweep", "{root}/nope.yaml"], ["nope.yaml"]),
    ("sweep", ["sweep", "{dir}"], ["empty_dir"]),
    ("sweep", ["sweep", "{yaml_invalid}"], ["yaml_invalid.yaml"]),
    ("sweep", ["sweep", "{yaml_list}"], ["yaml_list.yaml", "mapping"]),
    ("sweep", ["sweep", "{latin1}"], ["latin1.yaml", "UTF-8"]),
    ("sweep", ["sweep", "{seed_neg}", "--dry-run"], ["seeds", "-1"]),
    ("sweep", ["sweep", "{seed_float}", "--dry-run"], ["seeds", "1.7"]),
    ("sweep", ["sweep", "{unknown_key}", "--dry-run"], ["modles"]),
    ("sweep", ["sweep", "{fn_evil}", "--dry-run"], ["torch.hub:load", "--allow-functions"]),
    ("sweep", ["sweep", "{cell_evil}", "--out", "{new}"], ["os:system", "--allow-functions"]),
    ("sweep", ["sweep", "{train_lr}", "--dry-run"], ["train", "lr"]),
    ("sweep", ["sweep", "{train_typo}", "--dry-run"], ["learning_rate"]),
    ("sweep", ["sweep", "{eval_typo}", "--dry-run"], ["limt", "did you mean 'limit'"]),
    ("sweep", ["sweep", "{eval_limit}", "--dry-run"], ["limit"]),
    ("sweep", ["sweep", "{bad_lang}", "--dry-run"], ["xx"]),
    ("sweep", ["sweep", "{bad_executor}", "--dry-run"], ["kubernetes"]),
    ("sweep", ["sweep", "{cell_out}", "--dry-run"], ["out"]),
    ("sweep", ["sweep", "{recipe_shape}", "--dry-run"], ["recipe"]),
    ("sweep", ["sweep", "{hans_shape}", "--dry-run"], ["hans"]),
    ("sweep", ["sweep", "{seed_neg}", "--executor", "k8s"], ["k8s"]),
    ("sweep", ["sweep", "{seed_neg}", "--out", "{file}"], ["a_file.txt"]),
    # report
    ("report", ["report", "{root}/nope", "--out", "{new}"], ["nope"]),
    ("report", ["report", "{dir}", "--out", "{new}"], ["empty_dir"]),
    ("report", ["report", "{runs_torn}", "--out", "{new}"], ["records.jsonl", "line 2"]),
    ("report", ["report", "{runs_badmanifest}", "--out", "{new}"], ["manifest.json"]),
    ("report", ["report", "{runs_floatlabel}", "--out", "{new}"], ["records.jsonl", "label"]),
    ("report", ["report", "{runs_missing}", "--out", "{new}"], ["records.jsonl", "missing"]),
    ("report", ["report", "{runs_notobj}", "--out", "{new}"], ["records.jsonl", "line 1"]),
    ("report", ["report", "{runs_torn}", "--out", "{file}"], ["a_file.txt"]),
    ("report", ["report", "{runs_torn}", "--out", "{new}", "--n-boot", "0"], ["--n-boot"]),
    ("report", ["report", "{runs_torn}", "--out", "{new}", "--sweep-config", "{root}/nope.yaml"], ["nope.yaml"]),
    ("report", ["report", "--out", "{new}"], ["runs"]),
    # demo
    ("demo", ["demo", "--threads", "-1", "--out", "{new}"], ["--threads"]),
    ("demo", ["demo", "--jobs", "-2", "--out", "{new}"], ["--jobs"]),
    ("demo", ["demo", "--out", "{file}"], ["a_file.txt"]),
    ("demo", ["demo", "--report", "{file}"], ["a_file.txt"]),
]


@pytest.mark.parametrize("verb,args,words", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_bad_input_is_one_plain_line(verb, args, words, bad, tmp_path):
    new = tmp_path / "new-out"
    res = run_cli(_fill(args, bad, new), cwd=tmp_path)
    text = res.stdout + res.stderr
    assert "Traceback" not in text, text[-3000:]
    assert res.returncode == 2, f"exit {res.returncode}: {text[-2000:]}"
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, res.stderr[-2000:]
    message = errors[0]
    for word in words:
        assert word.format(**bad) in message, f"{word!r} not in: {message}"
    assert not new.exists(), f"{new} was written although the input was refused: {message}"


# property-based: odd Unicode and malformed JSON Lines in a data file ----------------------------------------------
def test_any_data_file_gives_a_result_or_a_plain_error(bad, tmp_path_factory):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    text = st.text(st.characters(blacklist_categories=()), max_size=12)
    row = st.fixed_dictionaries({}, optional={"premise": st.one_of(text, st.integers(), st.none()),
                                              "hypothesis": st.one_of(text, st.floats(allow_nan=True)),
                                              "label": st.one_of(st.integers(-2, 4), st.floats(), text, st.none())})
    line = st.one_of(row.map(lambda r: json.dumps(r, ensure_ascii=False)), text, st.binary(max_size=12))

    @settings(max_examples=6, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.lists(line, min_size=1, max_size=4))
    def check(lines):
        root = tmp_path_factory.mktemp("hyp")
        blob = b"\n".join(x if isinstance(x, bytes) else x.encode("utf-8", "surrogatepass") for x in lines)
        _gz(root / "xnli" / "dev" / "de.jsonl.gz", blob + b"\n")
        res = run_cli(["evaluate", "--model", bad["tiny"], "--lang", "de", "--limit", "3", "--data-dir", str(root),
                       "--out", str(root / "out")])
        text = res.stdout + res.stderr
        assert "Traceback" not in text, text[-3000:]
        assert res.returncode in (0, 2), text[-2000:]
        if res.returncode == 2:
            assert "de.jsonl.gz" in res.stderr, res.stderr[-2000:]
            assert not (root / "out" / "manifest.json").exists()

    check()


def test_cell_names_never_leave_out_dir(tmp_path):
    from robustxnli.sweep.config import load_config
    from robustxnli.sweep.plan import build_plan

    toy = "robustxnli.sweep.toy:count_cell"
    names = ["../../x", "/etc/evil", "a/../../../b", "..", "ok/name with spaces", "\\..\\..\\win"]
    cfg = load_config({"cells": [{"name": n, "fn": toy, "kwargs": {"name": str(i), "counter": "c"}}
                                 for i, n in enumerate(names)]})
    root = (tmp_path / "sweep").resolve()
    for cell in build_plan(cfg, root):
        out = Path(cell.out).resolve()
        assert str(out).startswith(str(root) + os.sep) and ".." not in Path(cell.out).parts, cell.out


def test_allow_functions_opts_in(bad, tmp_path):
    res = run_cli(["sweep", bad["fn_evil"], "--dry-run", "--allow-functions"], cwd=tmp_path)
    assert res.returncode == 0 and "Traceback" not in res.stdout + res.stderr, res.stderr[-2000:]
    assert " cells (" in res.stdout and "to run" in res.stdout  # the plan was made (a dry run calls nothing)


def test_partial_data_dir_is_not_mixed_with_the_bundled_slice(bad, tmp_path):
    import shutil

    root = tmp_path / "partial"
    (root / "xnli" / "dev").mkdir(parents=True)
    shutil.copy(Path(bad["data"]) / "xnli" / "dev" / "de.jsonl.gz", root / "xnli" / "dev" / "de.jsonl.gz")
    res = run_cli(["evaluate", "--model", bad["tiny"], "--lang", "de,ru", "--limit", "2", "--data-dir", str(root),
                   "--out", str(tmp_path / "out")])
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr[-2000:]
    assert "ru.jsonl.gz" in res.stderr and not (tmp_path / "out").exists()


@pytest.mark.parametrize("budget", ["-5", "0", "many"])
def test_bad_query_budget_is_one_line_before_any_run_dir(tmp_path, tiny_model_dir, data_dir, budget):
    """A query budget TextAttack cannot use (it crashed with an AttributeError mid-run) is refused up front."""
    out = tmp_path / "runs"
    r = run_cli(["attack", "--model", str(tiny_model_dir), "--lang", "de", "--limit", "2", "--data-dir",
                 str(data_dir), "-o", f"query_budget={budget}", "--out", str(out)])
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "query_budget must be a positive whole number" in r.stderr
    assert not out.exists()


def test_own_data_without_lang_says_it_is_treated_as_english(tmp_path, tiny_model_dir):
    data = tmp_path / "de_nolang.jsonl"
    data.write_text('{"premise": "Die Frau liest ein Buch.", "hypothesis": "Eine Frau liest.", '
                    '"label": "entailment"}\n', encoding="utf-8")
    r = run_cli(["evaluate", "--model", str(tiny_model_dir), "--data", str(data), "--out", str(tmp_path / "e")])
    assert r.returncode == 0, r.stderr
    assert "1 row(s) have no 'lang' field and no --lang was given: treated as English (en)" in r.stderr
    r = run_cli(["evaluate", "--model", str(tiny_model_dir), "--data", str(data), "--lang", "de",
                 "--out", str(tmp_path / "d")])
    assert r.returncode == 0 and "no 'lang' field" not in r.stderr, r.stderr
