"""Three-phase training on the tiny model: real Trainer runs of a few steps each."""

import json

import pytest
import torch
from safetensors.torch import load_file

from robustxnli.training.run import TrainConfig, init_target_model, train_run

FAST = dict(max_length=48, batch_size=8, target_limit=48, intermediate_limit=24, save_steps=2, lr=5e-4,
            head_lr=5e-3, target_epochs=1.0, intermediate_epochs=1.0)


def _weights(path):
    return load_file(str(path / "model" / "model.safetensors"))


def test_baseline_run_writes_checkpoint_and_manifest(tmp_path, tiny_model_dir, data_dir):
    manifest = train_run(tmp_path / "run", model=str(tiny_model_dir), data_dir=str(data_dir), seed=3, **FAST)
    assert manifest["status"] == "done" and manifest["regime"] == "baseline" and manifest["kind"] == "train"
    assert (tmp_path / "run/model/model.safetensors").exists()
    assert not list((tmp_path / "run/model").glob("*.bin"))
    assert manifest["params_total"] > manifest["params_non_embedding"] > 0
    assert any("MNLI" in c for c in manifest["caveats"])
    assert manifest["data_sha256"] and manifest["config"]["seed"] == 3
    side = json.loads((tmp_path / "run/model/robustxnli.json").read_text())
    assert side["regime"] == "baseline" and side["seed"] == 3


def test_intermediate_carries_encoder_not_head(tmp_path, tiny_model_dir, data_dir):
    run = tmp_path / "stilts"
    manifest = train_run(run, model=str(tiny_model_dir), intermediate="sst2", data_dir=str(data_dir), **FAST)
    assert manifest["regime"] == "sst2" and manifest["intermediate"] == ["sst2"]
    encoder = load_file(str(run / "phase2/encoder/model.safetensors"))
    assert not any("heads" in k or "classifier" in k for k in encoder)  # only the encoder is saved
    base = load_file(str(tiny_model_dir / "model.safetensors"))
    key = "encoder.layer.0.attention.self.query.weight"
    assert not torch.equal(encoder[key], base["roberta." + key])  # phase 2 trained the encoder
    target = init_target_model(run / "phase2/encoder")
    state = target.state_dict()
    for k, v in encoder.items():  # phase 3 starts from exactly the phase-2 encoder
        assert torch.equal(state["roberta." + k], v), k
    assert state["classifier.out_proj.weight"].shape[0] == 3  # a fresh 3-way head


def test_multitask_over_qa_mc_and_classification(tmp_path, tiny_model_dir, data_dir):
    manifest = train_run(tmp_path / "mt", model=str(tiny_model_dir), intermediate="multitask",
                         multitask_tasks=("squad", "hellaswag", "commonsenseqa", "sst2"), data_dir=str(data_dir),
                         **{**FAST, "intermediate_limit": 16})
    assert manifest["regime"] == "multitask"
    assert manifest["intermediate"] == ["squad", "hellaswag", "commonsenseqa", "sst2"]
    log = json.loads((tmp_path / "mt/phase2/log_history.json").read_text())
    assert log[-1]["train_loss"] > 0


def test_loss_falls(tmp_path, tiny_model_dir, data_dir):
    train_run(tmp_path / "fit", model=str(tiny_model_dir), data_dir=str(data_dir),
              **{**FAST, "target_limit": 16, "target_epochs": 25.0, "lr": 1e-2, "head_lr": 1e-2, "save_steps": 1000})
    log = [e["loss"] for e in json.loads((tmp_path / "fit/phase3/log_history.json").read_text()) if "loss" in e]
    assert len(log) >= 4 and log[-1] < 0.6 * log[0]


def test_same_seed_same_weights_and_resume_is_exact(tmp_path, tiny_model_dir, data_dir, monkeypatch):
    kw = dict(model=str(tiny_model_dir), data_dir=str(data_dir), seed=5, **FAST)
    train_run(tmp_path / "a", **kw)
    train_run(tmp_path / "b", **kw)
    a, b = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert all(torch.equal(a[k], b[k]) for k in a)

    # interrupt after the 4th optimiser step (checkpoints every 2), then re-run: same final weights
    from conftest import killed_training

    killed_training(monkeypatch, train_run, tmp_path / "c", **kw)
    assert (tmp_path / "c/phase3/checkpoint-4").exists() and not (tmp_path / "c/model").exists()
    train_run(tmp_path / "c", **kw)
    c = _weights(tmp_path / "c")
    assert all(torch.allclose(a[k], c[k], atol=1e-6) for k in a)


def test_unknown_intermediate_task_is_a_user_error():
    from robustxnli.errors import UserError

    with pytest.raises(UserError, match="choose from: none, multitask"):
        TrainConfig(intermediate="imagenet").intermediate_tasks()


def test_cli_train_then_evaluate(tmp_path, tiny_model_dir, data_dir, capsys):
    from robustxnli.cli import main

    out = tmp_path / "cli-run"
    main(["train", "--model", str(tiny_model_dir), "--intermediate", "none", "--out", str(out), "--seed", "2",
          "--max-length", "32", "--batch-size", "8", "--target-limit", "16", "--target-epochs", "1",
          "--data-dir", str(data_dir)])
    printed = capsys.readouterr().out
    assert "baseline, seed 2" in printed and "note: Offline, MNLI train is unavailable" in printed
    main(["evaluate", "--model", str(out), "--lang", "en", "--limit", "4", "--out", str(out / "eval"),
          "--data-dir", str(data_dir)])
    manifest = json.loads((out / "eval/manifest.json").read_text())
    assert manifest["regime"] == "baseline" and manifest["seed"] == 2
    assert manifest["command"].startswith("robustxnli evaluate --model")
    assert any("MNLI" in c for c in manifest["caveats"])


def test_comma_list_regime_is_named_by_its_tasks():
    assert TrainConfig(intermediate="anli,snli").regime == "anli+snli"
    assert TrainConfig(intermediate="multitask").regime == "multitask"  # the built-in mix keeps its name
    assert TrainConfig(intermediate="anli").regime == "anli" and TrainConfig().regime == "baseline"


def test_out_holding_another_kind_of_run_or_other_files_is_refused(tmp_path, tiny_model_dir, data_dir):
    from robustxnli.errors import UserError

    ev = tmp_path / "ev"
    ev.mkdir()
    manifest = {"kind": "evaluate", "status": "done", "identity": {"kind": "evaluate"}}
    (ev / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UserError, match=r"holds a different run \(kind: 'evaluate' there, 'train' now\)"):
        train_run(ev, model=str(tiny_model_dir), data_dir=str(data_dir), **FAST)
    assert json.loads((ev / "manifest.json").read_text()) == manifest and sorted(ev.iterdir()) == [ev / "manifest.json"]
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match=r"is not empty \(notes.txt\) and holds no robustxnli run"):
        train_run(notes, model=str(tiny_model_dir), data_dir=str(data_dir), **FAST)
    assert sorted(p.name for p in notes.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("bad, match", [
    (dict(intermediate="foo"), "unknown intermediate task 'foo'"),
    (dict(target="xnli"), "task 'xnli' has no train split"),
    (dict(target="mnlix"), "unknown task 'mnlix'"),
    (dict(preset="tiny"), "unknown training preset 'tiny'"),
    (dict(preset="cpu", intermediate="squad"), "trains NLI tasks only"),
    (dict(preset="cpu", train_layers=5), r"--train-layers 5: .* has 2 encoder layer\(s\); choose 1..2"),
])
def test_bad_input_is_refused_before_anything_is_written(tmp_path, tiny_model_dir, data_dir, bad, match):
    from robustxnli.errors import UserError

    with pytest.raises(UserError, match=match):
        train_run(tmp_path / "bad", model=str(tiny_model_dir), data_dir=str(data_dir), **{**FAST, **bad})
    assert not (tmp_path / "bad").exists()


def test_failed_run_that_trained_nothing_gives_way_to_another_command(tmp_path, tiny_model_dir, data_dir,
                                                                      monkeypatch):
    from robustxnli.errors import UserError
    from robustxnli.rundir import mark_failed
    from robustxnli.training import trainer_backend

    out, kw = tmp_path / "r", dict(model=str(tiny_model_dir), data_dir=str(data_dir), **{**FAST, "target_limit": 16})

    def broken(*args, **kwargs):
        raise UserError("simulated failure inside a phase")

    monkeypatch.setattr(trainer_backend, "train_phase", broken)
    with pytest.raises(UserError):
        train_run(out, intermediate="sst2", **kw)
    mark_failed(out, UserError("simulated"))  # what the CLI does
    monkeypatch.undo()
    manifest = train_run(out, **kw)  # another command (no intermediate): replaces the failed run
    assert manifest["status"] == "done" and manifest["regime"] == "baseline" and "error" not in manifest
    # a failed run with a finished phase is not replaced
    done = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**done, "status": "failed"}))
    with pytest.raises(UserError, match="holds a different training run"):
        train_run(out, **{**kw, "seed": 9})


def _anli_data_dir(root, rounds=(("r1", 0, 30), ("r2", 30, 50))):
    """A data dir with a few vendored ANLI pairs as rounds; MNLI still comes from the pack."""
    import gzip

    from robustxnli.data.base import PACK_DIR

    lines = gzip.open(PACK_DIR / "anli/r1_dev.jsonl.gz", "rt").read().splitlines()
    (root / "anli").mkdir(parents=True)
    for name, a, b in rounds:
        with gzip.open(root / f"anli/{name}_dev.jsonl.gz", "wt") as f:
            f.write("\n".join(lines[a:b]) + "\n")
    return root


def test_anli_caveat_names_the_rounds_and_pairs_loaded(tmp_path, monkeypatch):
    from robustxnli.training.run import Phase, _load_phase_data

    monkeypatch.delenv("ROBUSTXNLI_DATA", raising=False)
    phase = Phase("phase2", ["anli"], 1.0, 10, None, False)
    data, caveats, hashes = _load_phase_data(phase, TrainConfig())
    assert caveats == ["Offline, ANLI train is unavailable: ANLI r1 dev (1,000 pairs) stands in for it."]
    assert [p.split("/")[-1] for p in hashes] == ["r1_dev.jsonl.gz"] and len(data[0][2]) == 10
    data, caveats, hashes = _load_phase_data(phase, TrainConfig(data_dir=str(_anli_data_dir(tmp_path / "d"))))
    assert caveats == ["Offline, ANLI train is unavailable: ANLI r1+r2 dev (50 pairs) stand in for it."]
    assert len(hashes) == 2 and len(data[0][2]) == 10
    from robustxnli.data import LoadedSplit, get_task
    from robustxnli.training.run import _caveat

    assert _caveat(get_task("mnli"), LoadedSplit([], ["nyu-mll/glue"], {}, source="hub")) is None  # real train


def test_resume_keeps_caveats_of_done_phases_and_refuses_other_data(tmp_path, tiny_model_dir, monkeypatch):
    from conftest import killed_training

    from robustxnli.errors import UserError

    monkeypatch.delenv("ROBUSTXNLI_DATA", raising=False)
    data = _anli_data_dir(tmp_path / "data")
    out, kw = tmp_path / "int", dict(model=str(tiny_model_dir), intermediate="anli", **FAST)
    killed_training(monkeypatch, train_run, out, kill_at=4, data_dir=str(data), **kw)  # phase 2 has 3 steps
    assert (out / "phase2/DONE").exists() and not (out / "phase3/DONE").exists()
    with pytest.raises(UserError, match=r"phase2 \(anli\) was trained on other data than this command loads"):
        train_run(out, data_dir=None, **kw)  # the pack has ANLI r1 only: other data for the phase done
    manifest = train_run(out, data_dir=str(data), **kw)
    anli = "Offline, ANLI train is unavailable: ANLI r1+r2 dev (50 pairs) stand in for it."
    side = json.loads((out / "model/robustxnli.json").read_text())
    assert anli in manifest["caveats"] and anli in side["caveats"]
    assert any("MNLI" in c for c in manifest["caveats"]) and manifest["caveats"] == side["caveats"]
    assert sorted(p.split("/")[-1] for p in manifest["data_sha256"]) == [
        "dev_matched.jsonl.gz", "dev_mismatched.jsonl.gz", "r1_dev.jsonl.gz", "r2_dev.jsonl.gz"]


def test_train_help_has_no_stray_markup_and_names_the_ladder(monkeypatch, capsys):
    from robustxnli.cli import main

    monkeypatch.setenv("COLUMNS", "250")
    try:
        main(["train", "--help"])
    except SystemExit as exit_:
        assert not exit_.code
    text = capsys.readouterr().out
    assert "Encoder learning rate (default preset: 1e-5)." in text and " ." not in text
    assert "e5-small-L3 / e5-small-L6 / e5-small-L12" in text
