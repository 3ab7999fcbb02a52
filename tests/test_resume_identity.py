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
