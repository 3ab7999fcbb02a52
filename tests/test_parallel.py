"""Code-mixing confirmed by the human translation of the same sentence (attacks/parallel.py, recipes/codemix.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path

import pytest

from robustxnli.attacks.parallel import ParallelCorpus, ParallelTranslation, appears_in, script_runs
from robustxnli.attacks.text import patch_textattack

patch_textattack()

from textattack.shared import AttackedText  # noqa: E402

CLI = str(Path(sys.executable).with_name("robustxnli"))

# XNLI dev 38 (CC BY-NC 4.0): the hypothesis in three of its languages
PAIRS = {
    "de": ("Er zeigte auf die Instrumente.", "Im Flugzeug waren Instrumente, die schmolzen."),
    "zh": ("他指着仪器。", "飞机上有已经熔化的仪器。"),
    "en": ("He pointed to the instruments.", "There were instruments in the aircraft that melted."),
}


def corpus(lang: str) -> ParallelCorpus:
    return ParallelCorpus(lang, PAIRS, lambda t: {"xnli-dev-000038": PAIRS[t]} if t in PAIRS else {})


def text(premise: str, hypothesis: str) -> AttackedText:
    return AttackedText(OrderedDict(premise=premise, hypothesis=hypothesis))


def test_script_runs_and_matching():
    assert script_runs("我在ev便会, Im 飞机 waren; नमस्ते café") == ["我在", "ev", "便会", "Im", "飞机", "waren", "नमस्ते", "café"]
    assert appears_in("飞机", PAIRS["zh"][1], "zh") and not appears_in("平面", PAIRS["zh"][1], "zh")
    assert appears_in("aircraft", PAIRS["en"][1], "en") and not appears_in("plane", PAIRS["en"][1], "en")
    assert appears_in("παρακολουθώ", "Ο Γιάννης παρακολουθεί το μάθημα.", "el")  # dictionary form vs inflected
    assert not appears_in("cher", "Il cherche ses clés.", "fr")  # a shared prefix is not an inflection
    assert not appears_in("general", "a new generation", "en")


def test_a_translation_counts_only_where_the_human_translation_uses_it():
    """Flugzeug -> 平面 'flat surface' (the English pivot 'plane') is refused, Flugzeug -> 飞机 passes."""
    check = ParallelTranslation(corpus("de"), ["zh", "en"])
    premise, hypothesis = PAIRS["de"]
    original = text(premise, hypothesis)
    for word, ok in (("飞机", True), ("aircraft", True), ("平面", False), ("plane", False)):
        new = text(premise, hypothesis.replace("Flugzeug", word))
        assert check._check_constraint(new, original) is ok, word
    assert check.rejected == {"not in the human translation": 2}
    # a Chinese source: the swapped-in word is found although the unsegmented neighbours are re-cut
    zh = ParallelTranslation(corpus("zh"), ["en"])
    original = text(*PAIRS["zh"])
    assert zh._check_constraint(text(PAIRS["zh"][0], "aircraft上有已经熔化的仪器。"), original)
    assert not zh._check_constraint(text(PAIRS["zh"][0], "plane上有已经熔化的仪器。"), original)
    # a function word occurs in nearly every sentence: finding it confirms no sense (es hora -> hi का 'of')
    hi = ParallelCorpus("de", ["de", "hi"], lambda t: {"1": {"de": ("Eine Stunde.", "Zwei Meilen pro Stunde."),
                                                            "hi": ("एक घंटा।", "एक घंटे का रास्ता।")}[t]})
    pair = ("Eine Stunde.", "Zwei Meilen pro Stunde.")
    assert not ParallelTranslation(hi, ["hi"])._check_constraint(text(pair[0], "Zwei Meilen pro का."), text(*pair))
    assert ParallelTranslation(hi, ["hi"])._check_constraint(text(pair[0], "Zwei Meilen pro घंटे."), text(*pair))
    # a pair the corpus does not have gets no code-mixed words
    assert not check._check_constraint(text("Ein Hund.", "Ein aircraft."), text("Ein Hund.", "Ein Flugzeug."))
    assert check.rejected["no parallel text"] == 1


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "ROBUSTXNLI_OFFLINE": "1", "ROBUSTXNLI_PROGRESS": "0"}


def test_cli_parallel_true_needs_parallel_text(tmp_path, tiny_model_dir):
    """A data file in one language has no translation to confirm a swap: ``-o parallel=true`` is refused in one
    line, the default runs and says that translations are not confirmed."""
    from test_codemix import need

    need("de", "en")
    data = tmp_path / "own.jsonl"
    data.write_text("".join(json.dumps({"id": f"p{i}", "lang": "de", "premise": "Das Haus ist groß.",
                                        "hypothesis": f"Das Haus {i} ist sehr groß.", "label": "entailment"}) + "\n"
                            for i in range(2)), encoding="utf-8")
    base = [CLI, "attack", "--model", str(tiny_model_dir), "--data", str(data), "--lang", "de", "--recipe", "codemix",
            "-o", "target_langs=en"]
    p = subprocess.run(base + ["-o", "parallel=true", "--out", str(tmp_path / "a")], capture_output=True, text=True,
                       env=_env(), timeout=600)
    assert p.returncode != 0 and "parallel=true" in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "a").exists()
    p = subprocess.run(base + ["--out", str(tmp_path / "b")], capture_output=True, text=True, env=_env(), timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "not confirmed in context" in p.stderr
    assert "ParallelTranslation" not in json.loads((tmp_path / "b" / "de-codemix" / "manifest.json").read_text())["attack"]


def test_cli_parallel_true_runs_on_xnli(tmp_path, tiny_model_dir, data_dir):
    """XNLI is parallel, so ``-o parallel=true`` must run there: the check of the options before any run dir was
    built without the translations and refused it."""
    from test_codemix import need

    need("de", "en")
    p = subprocess.run([CLI, "attack", "--model", str(tiny_model_dir), "--lang", "de", "--recipe", "codemix",
                        "-o", "target_langs=en", "-o", "parallel=true", "--limit", "2", "--data-dir", str(data_dir),
                        "--out", str(tmp_path / "x")], capture_output=True, text=True, env=_env(), timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "ParallelTranslation" in json.loads((tmp_path / "x" / "de-codemix" / "manifest.json").read_text())["attack"]


def test_cli_codemix_on_xnli_uses_words_of_the_human_translations(tmp_path, data_dir):
    """The installed command on XNLI: the attack is built with the parallel check, and every word a successful
    example mixes in occurs in the XNLI translation of that hypothesis into one of the target languages."""
    from test_attack_engine import build_sensitive_model
    from test_codemix import need

    from robustxnli.data import load_nli

    need("de", "en")
    need("de", "ru", pivot="en")
    if not (data_dir / "xnli").exists():
        pytest.skip(f"no XNLI data under {data_dir}")
    model = build_sensitive_model(tmp_path / "model")
    p = subprocess.run([CLI, "attack", "--model", str(model), "--lang", "de", "--recipe", "codemix", "--limit", "30",
                        "-o", "target_langs=en,ru", "--out", str(tmp_path / "o"), "--data-dir", str(data_dir)],
                       capture_output=True, text=True, env=_env(), timeout=900)
    assert p.returncode == 0, p.stderr[-2000:]
    out = tmp_path / "o" / "de-codemix"
    assert "ParallelTranslation" in json.loads((out / "manifest.json").read_text())["attack"]
    rows = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    won = [r for r in rows if r["status"] == "succeeded"]
    assert won, "the sensitive tiny model should be fooled at least once"
    other = {t: {e.id: e.hypothesis for e in load_nli("xnli", "dev", t, data_dir, 30)} for t in ("en", "ru")}
    for r in won:
        added = [w for w in script_runs(r["adv_hypothesis"]) if w not in script_runs(r["hypothesis"])]
        assert added
        for w in added:
            assert any(appears_in(w, other[t][r["id"]], t) for t in other), (w, r["id"])
