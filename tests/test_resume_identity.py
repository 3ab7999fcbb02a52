"""A run directory resumes only the run that made it: another model, data, split, seed, options or a smaller limit
is refused with the field that differs; a larger limit extends the run; --overwrite starts over."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from test_bad_input import run_cli


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def other_model(tmp_path_factory) -> Path:
    from conftest import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("other_model"), seed=1)


@pytest.fixture(scope="module")
def edited_data(tmp_path_factory, data_dir) -> Path:
    """A copy of the de dev set whose first hypotheses differ (same ids, other text)."""
    root = tmp_path_factory.mktemp("edited")
    src = Path(data_dir) / "xnli" / "dev" / "de.jsonl.gz"
    rows = [json.loads(line) for line in gzip.open(src, "rt", encoding="utf-8")]
    for r in rows[:3]:
        r["hypothesis"] = "Das ist ganz anders. " + r["hypothesis"]
    dst = root / "xnli" / "dev" / "de.jsonl.gz"
    dst.parent.mkdir(parents=True)
    with gzip.open(dst, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    return root


def _refused(res, *words: str) -> str:
    text = res.stdout + res.stderr
    assert res.returncode == 2 and "Traceback" not in text, text[-2000:]
    line = next(ln for ln in res.stderr.splitlines() if ln.startswith("error:"))
    for w in (*words, "--overwrite", "--out"):
        assert w in line, line
    return line


def test_evaluate_resume_identity(tmp_path, tiny_model_dir, other_model, edited_data, data_dir):
    out = tmp_path / "ev"
    base = ["evaluate", "--lang", "de", "--out", str(out)]
    ok = run_cli([*base, "--model", str(tiny_model_dir), "--limit", "4", "--data-dir", str(data_dir)])
    assert ok.returncode == 0, ok.stderr[-2000:]
    first = (out / "records.jsonl").read_bytes()
    _refused(run_cli([*base, "--model", str(other_model), "--limit", "4", "--data-dir", str(data_dir)]), "model")
    _refused(run_cli([*base, "--model", str(tiny_model_dir), "--limit", "4", "--data-dir", str(edited_data)]),
             "data for de")
    _refused(run_cli([*base, "--model", str(tiny_model_dir), "--limit", "4", "--split", "test",
                      "--data-dir", str(data_dir)]), "split")
    _refused(run_cli([*base, "--model", str(tiny_model_dir), "--limit", "2", "--data-dir", str(data_dir)]), "limit")
    assert (out / "records.jsonl").read_bytes() == first  # nothing was mixed in
    assert json.loads((out / "manifest.json").read_text())["status"] == "done"
    more = run_cli([*base, "--model", str(tiny_model_dir), "--limit", "6", "--data-dir", str(data_dir)])
    assert more.returncode == 0, more.stderr[-2000:]
    rows = _records(out / "records.jsonl")
    assert len(rows) == 6 and len({r["id"] for r in rows}) == 6  # extended, no duplicates
    assert (out / "records.jsonl").read_bytes().startswith(first)
    assert json.loads((out / "summary.json").read_text())["n"] == {"de": 6}
    fresh = run_cli([*base, "--model", str(other_model), "--limit", "3", "--data-dir", str(data_dir), "--overwrite"])
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    assert len(_records(out / "records.jsonl")) == 3
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["identity"]["model"] == str(Path(other_model).resolve()) and manifest["schema"] == 1


def test_attack_resume_identity(tmp_path, tiny_model_dir, edited_data, data_dir):
    out = tmp_path / "atk"
    run_dir = out / "de-charnoise"
    base = ["attack", "--model", str(tiny_model_dir), "--lang", "de", "--recipe", "charnoise", "--out", str(out)]
    ok = run_cli([*base, "--limit", "3", "--data-dir", str(data_dir)])
    assert ok.returncode == 0, ok.stderr[-2000:]
    first = (run_dir / "records.jsonl").read_bytes()
    _refused(run_cli([*base, "--limit", "3", "--data-dir", str(edited_data)]), "data for de")
    _refused(run_cli([*base, "--limit", "3", "--seed", "7", "--data-dir", str(data_dir)]), "seed")
    _refused(run_cli([*base, "--limit", "3", "-o", "max_words_changed=0.1", "--data-dir", str(data_dir)]),
             "options")
    _refused(run_cli([*base, "--limit", "2", "--data-dir", str(data_dir)]), "limit")
    assert (run_dir / "records.jsonl").read_bytes() == first
    more = run_cli([*base, "--limit", "5", "--data-dir", str(data_dir)])
    assert more.returncode == 0, more.stderr[-2000:]
    rows = _records(run_dir / "records.jsonl")
    assert len(rows) == 5 and len({r["id"] for r in rows}) == 5
    assert (run_dir / "records.jsonl").read_bytes().startswith(first)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["n"] == 5 and "NaN" not in (run_dir / "summary.json").read_text()
    # a run made by other code (here: a manifest naming other constraints) is not resumed into
    manifest = json.loads((run_dir / "manifest.json").read_text())
    manifest["attack"] = manifest["attack"].replace("LabelPreserving", "OldConstraint", 1)
    assert "OldConstraint" in manifest["attack"]
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    before = (run_dir / "records.jsonl").read_bytes()
    line = _refused(run_cli([*base, "--limit", "6", "--data-dir", str(data_dir)]), "other constraints")
    assert "OldConstraint" in line and (run_dir / "records.jsonl").read_bytes() == before
    fresh = run_cli([*base, "--limit", "2", "--data-dir", str(data_dir), "--overwrite"])
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    assert len(_records(run_dir / "records.jsonl")) == 2


def test_failed_input_leaves_no_running_manifest(tmp_path, tiny_model_dir, data_dir):
    """Inputs are checked before the manifest is written; a crash after it marks the run failed."""
    from robustxnli.errors import UserError
    from robustxnli.evaluation.run import evaluate_run
    from robustxnli.models import load_classifier

    bad = tmp_path / "bad"
    _gz = gzip.open
    (bad / "xnli" / "dev").mkdir(parents=True)
    with _gz(bad / "xnli" / "dev" / "de.jsonl.gz", "wt") as f:
        f.write('{"premise": "a", "hypothesis": "b", "label": 9}\n')
    with pytest.raises(UserError, match="line 1"):
        evaluate_run(str(tiny_model_dir), tmp_path / "ev1", "de", limit=2, data_dir=str(bad))
    assert not (tmp_path / "ev1" / "manifest.json").exists()

    clf = load_classifier(tiny_model_dir)

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    clf.predict_proba = boom
    with pytest.raises(RuntimeError):
        evaluate_run(str(tiny_model_dir), tmp_path / "ev2", "de", limit=2, data_dir=str(data_dir), classifier=clf)
    manifest = json.loads((tmp_path / "ev2" / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "disk on fire" in manifest["error"]


def test_train_resume_identity(tiny_model_dir, data_dir, tmp_path):
    """Re-running `train` into a finished run with another option is refused naming it (before: "already
    trained; nothing to do", and the old model stood for the new options); the same command still resumes."""
    out = tmp_path / "train"
    base = ["train", "--model", str(tiny_model_dir), "--out", str(out), "--data-dir", str(data_dir),
            "--target-limit", "8", "--batch-size", "4"]
    first = run_cli(base)
    assert first.returncode == 0, first.stderr
    manifest = (out / "manifest.json").read_bytes()
    again = run_cli(base)
    assert again.returncode == 0 and "already trained" in again.stdout + again.stderr
    for extra, field in ((["--lr", "3e-5"], "lr"), (["--seed", "2"], "seed"), (["--target-limit", "16"],
                                                                                 "target_limit")):
        res = run_cli(base + extra)
        assert res.returncode == 2, res.stdout + res.stderr
        assert "Traceback" not in res.stderr and field in res.stderr and "another --out" in res.stderr
        assert (out / "manifest.json").read_bytes() == manifest  # nothing rewritten


PLUGIN = '''
"""Languages: de, en"""
from robustxnli.attacks.engine import build_attack, pair_constraints
from robustxnli.attacks.char_noise import char_noise


def build(ctx):
    return build_attack(ctx, char_noise(ctx.lang, ["{family}"]), pair_constraints(ctx))
'''


def test_two_plugins_with_one_factory_name_do_not_share_a_run(tmp_path, tiny_model_dir, data_dir):
    """Two plug-in files whose factories are both called `build` make runs named `build`: the second may not
    resume (and so take over) the first one's run dir; the identity holds the file's name and a hash of its text."""
    (tmp_path / "other").mkdir()
    (tmp_path / "my_recipe.py").write_text(PLUGIN.format(family="swap"))
    (tmp_path / "other" / "my_recipe.py").write_text(PLUGIN.format(family="delete"))
    args = ["attack", "--model", str(tiny_model_dir), "--lang", "de", "--limit", "3", "--data-dir", str(data_dir),
            "--out", str(tmp_path / "runs")]
    first = run_cli([*args, "--recipe", str(tmp_path / "my_recipe.py") + ":build"])
    assert first.returncode == 0, first.stderr
    manifest = json.loads((tmp_path / "runs" / "de-build" / "manifest.json").read_text())
    assert manifest["identity"]["recipe_source"].startswith("my_recipe.py sha256:")
    second = run_cli([*args, "--recipe", str(tmp_path / "other" / "my_recipe.py") + ":build"])
    assert second.returncode == 2 and "holds a different run (recipe_source:" in second.stderr, second.stderr
    again = run_cli([*args, "--recipe", str(tmp_path / "my_recipe.py") + ":build", "--limit", "4"])
    assert again.returncode == 0, again.stderr  # the same file extends its run


def test_an_extended_run_records_the_command_that_reproduces_it(tmp_path, tiny_model_dir, data_dir):
    args = ["attack", "--model", str(tiny_model_dir), "--lang", "de", "--data-dir", str(data_dir),
            "--out", str(tmp_path / "runs")]
    for limit in ("2", "3"):
        assert run_cli([*args, "--limit", limit]).returncode == 0
    manifest = json.loads((tmp_path / "runs" / "de-charnoise" / "manifest.json").read_text())
    assert "--limit 3" in manifest["command"]
    assert [("--limit 2" in c, "--limit 3" in c) for c in manifest["commands"]] == [(True, False), (False, True)]


def test_manifest_says_which_stated_constraints_do_not_apply(tmp_path, tiny_model_dir, data_dir):
    """Thai has no word-frequency list: the typo rule `recipes list` states is not checked there, and the run's
    caveats (which the report lists) say so; switching the constraints off says so too."""
    base = ["attack", "--model", str(tiny_model_dir), "--limit", "2", "--data-dir", str(data_dir)]
    assert run_cli([*base, "--lang", "th,de", "--out", str(tmp_path / "a")]).returncode == 0
    caveats = {lang: json.loads((tmp_path / "a" / f"{lang}-charnoise" / "manifest.json").read_text())["caveats"]
               for lang in ("th", "de")}
    assert any("th: 'a typo may not form another real word' is not checked" in c for c in caveats["th"])
    assert not any("is not checked" in c for c in caveats["de"])
    off = run_cli([*base, "--lang", "de", "-o", "label_preserving=false", "--out", str(tmp_path / "b")])
    assert off.returncode == 0, off.stderr
    caveats = json.loads((tmp_path / "b" / "de-charnoise" / "manifest.json").read_text())["caveats"]
    assert any("label-preserving constraints switched off" in c for c in caveats)


def test_evaluate_refuses_a_directory_holding_another_kind_of_run(tmp_path, tiny_model_dir, data_dir):
    """evaluate --out a training run's directory once replaced its manifest (config, caveats, phase facts lost)."""
    run = tmp_path / "t_base"
    run.mkdir()
    manifest = {"kind": "train", "status": "done", "schema": 1, "config": {"target": "mnli"}}
    (run / "manifest.json").write_text(json.dumps(manifest))
    r = run_cli(["evaluate", "--model", str(tiny_model_dir), "--lang", "de", "--limit", "2", "--data-dir",
                 str(data_dir), "--out", str(run)])
    assert r.returncode == 2 and "holds a different run (kind: 'train' there, 'evaluate' now)" in r.stderr, r.stderr
    assert json.loads((run / "manifest.json").read_text()) == manifest
