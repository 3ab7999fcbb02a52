import json

import numpy as np

from robustxnli.data import load_nli
from robustxnli.evaluation.run import evaluate_run
from robustxnli.models import load_classifier


def test_accuracy_matches_a_hand_computation(tmp_path, tiny_model_dir, data_dir):
    summary = evaluate_run(str(tiny_model_dir), tmp_path / "ev", "de,zh,ar", "dev", limit=25, data_dir=str(data_dir),
                           batch_size=7)
    clf = load_classifier(tiny_model_dir)
    for lang in ("de", "zh", "ar"):
        ex = load_nli("xnli", "dev", lang, data_dir, limit=25)
        logits = []
        for e in ex:  # one by one, no batching, no sorting: the reference
            enc = clf.tokenizer(e.premise, e.hypothesis, truncation=True, max_length=256, return_tensors="pt")
            logits.append(clf.model(**enc).logits.detach().numpy()[0])
        expected = float(np.mean(np.argmax(logits, -1) == np.array([e.label for e in ex])))
        assert summary["accuracy"][lang] == expected
        assert summary["n"][lang] == 25
    assert abs(summary["average"] - np.mean(list(summary["accuracy"].values()))) < 1e-12
    rows = [json.loads(l) for l in (tmp_path / "ev/records.jsonl").read_text().splitlines()]
    assert len(rows) == 75 and {"id", "lang", "label", "pred", "probs", "correct"} <= set(rows[0])
    manifest = json.loads((tmp_path / "ev/manifest.json").read_text())
    assert manifest["kind"] == "evaluate" and manifest["status"] == "done" and manifest["params_total"] > 0


def test_rerun_resumes_by_language(tmp_path, tiny_model_dir, data_dir):
    evaluate_run(str(tiny_model_dir), tmp_path / "ev", "de", "dev", limit=10, data_dir=str(data_dir))
    summary = evaluate_run(str(tiny_model_dir), tmp_path / "ev", "de,ru", "dev", limit=10, data_dir=str(data_dir))
    rows = (tmp_path / "ev/records.jsonl").read_text().splitlines()
    assert len(rows) == 20 and set(summary["accuracy"]) == {"de", "ru"}


def test_cli_evaluate_and_plain_errors(tmp_path, tiny_model_dir, data_dir, capsys):
    import pytest

    from robustxnli.cli import main

    main(["evaluate", "--model", str(tiny_model_dir), "--lang", "sw,th", "--limit", "5", "--out",
          str(tmp_path / "cli"), "--data-dir", str(data_dir)])
    assert "average" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        main(["evaluate", "--model", str(tiny_model_dir), "--lang", "xx", "--out", str(tmp_path / "bad")])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "unknown language 'xx'" in err and "Traceback" not in err
