"""Word swaps whose candidates come from a model, so they work in any language the model's vocabulary covers.

* :class:`EmbeddingNeighbourSwap` — nearest neighbours (cosine) of a word in the *attacked model's own* input
  embedding matrix, restricted to whole-word vocabulary entries in the language's script. The
  embedding-neighbour swap of Alzantot et al. (2018) and Jin et al. (2020, TextFooler), with the English-only
  counter-fitted GloVe vectors (which TextAttack downloads at run time) replaced by the victim's embeddings.
* :class:`MaskedLMSwap` — BAE-R style (Garg & Ramakrishnan 2020, "BAE: BERT-based Adversarial Examples for Text
  Classification", EMNLP): mask the word, take the masked LM's top whole-word predictions. TextAttack's
  ``WordSwapMaskedLM`` cannot be reused: its subword checks raise ``ValueError`` for model type ``xlm-roberta``
  (it knows only BERT/RoBERTa/XLNet markers), and it feeds the pair joined by a newline instead of as a pair.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

import numpy as np

from robustxnli.errors import UserError
from robustxnli.offline import prepare

prepare()

from textattack.transformations import WordSwap  # noqa: E402

from .text import UNSPACED_LANGS, is_valid_word  # noqa: E402

SP_SPACE = "\u2581"  # SentencePiece word-start marker


def match_case(candidate: str, original: str) -> str | None:
    """Capitalise a candidate for a capitalised word; refuse a capitalised candidate for a lower-case word
    (lower-casing it would be wrong for German nouns and names)."""
    if original[:1].isupper() and candidate[:1].islower():
        return candidate[:1].upper() + candidate[1:]
    if original[:1].islower() and candidate[:1].isupper():
        return None
    return candidate


def whole_word(piece: str, lang: str) -> str | None:
    """The word a vocabulary piece stands for when it is a whole word of ``lang`` (``▁house`` -> ``house``);
    zh/th are written without spaces, so their pieces count without the marker."""
    if piece.startswith(SP_SPACE):
        word = piece[1:]
    elif lang in UNSPACED_LANGS:
        word = piece
    else:
        return None
    word = unicodedata.normalize("NFC", word)
    if len(word) < (1 if lang == "zh" else 2) or not is_valid_word(word, lang) or not any(c.isalpha() for c in word):
        return None
    return word


class EmbeddingNeighbourSwap(WordSwap):
    """Replace a word by its ``k`` nearest whole-word neighbours in ``model``'s input embeddings (cosine ≥
    ``min_cos``). A word that is not one vocabulary piece is represented by the mean of its pieces."""

    def __init__(self, model: Any, tokenizer: Any, lang: str, k: int = 15, min_cos: float = 0.0):
        super().__init__()
        self.lang, self.k, self.min_cos = lang, k, min_cos
        self.tokenizer = tokenizer
        weight = model.get_input_embeddings().weight.detach().float().cpu().numpy()
        self._emb = weight
        vocab = tokenizer.get_vocab()
        ids, words = [], []
        for piece, idx in sorted(vocab.items(), key=lambda kv: kv[1]):
            if idx >= len(weight):
                continue
            word = whole_word(piece, lang)
            if word is not None:
                ids.append(idx)
                words.append(word)
        if not ids:
            raise UserError(f"the model's vocabulary has no whole-word entries for language {lang!r}")
        cand = weight[ids]
        self._cand = cand / np.maximum(np.linalg.norm(cand, axis=1, keepdims=True), 1e-12)
        self._cand_words = words
        self._vocab = vocab

    def _word_vector(self, word: str) -> np.ndarray | None:
        idx = self._vocab.get(SP_SPACE + word, self._vocab.get(word) if self.lang in UNSPACED_LANGS else None)
        if idx is not None and idx < len(self._emb):
            return self._emb[idx]
        ids = [i for i in self.tokenizer(word, add_special_tokens=False)["input_ids"]
               if i != self._vocab.get(SP_SPACE)]
        return self._emb[ids].mean(0) if ids else None

    @lru_cache(maxsize=1 << 14)
    def _neighbours(self, word: str) -> tuple[str, ...]:
        vec = self._word_vector(word)
        if vec is None:
            return ()
        vec = vec / max(float(np.linalg.norm(vec)), 1e-12)
        sims = self._cand @ vec
        top = np.argsort(-sims, kind="stable")[: self.k * 4 + 1]
        out: list[str] = []
        low = word.lower()
        for i in top:
            cand = self._cand_words[i]
            if sims[i] < self.min_cos or cand.lower() == low or cand in out:
                continue
            out.append(cand)
            if len(out) == self.k:
                break
        return tuple(out)

    def _get_replacement_words(self, word: str) -> list[str]:
        cased = (match_case(c, word) for c in self._neighbours(word))
        return list(dict.fromkeys(c for c in cased if c is not None and c != word))

    def extra_repr_keys(self):
        return ["lang", "k", "min_cos"]


@lru_cache(maxsize=2)
def load_masked_lm(name_or_path: str) -> tuple[Any, Any]:
    """A masked LM and its tokenizer (local directory or hub name; offline, hub names fail fast)."""
    from robustxnli.models.encoders import load_masked_lm as load

    model, tokenizer = load(name_or_path)
    if tokenizer.mask_token_id is None:
        raise UserError(f"--mlm {name_or_path!r} has no mask token: not a masked language model")
    return model, tokenizer


class MaskedLMSwap(WordSwap):
    """BAE-R: replace the word at each index by the masked LM's top ``k`` whole words (probability ≥
    ``min_prob``), the other column given as the pair context."""

    def __init__(self, model: Any, tokenizer: Any, lang: str, k: int = 20, min_prob: float = 5e-4,
                 batch_size: int = 32, max_length: int = 256):
        super().__init__()
        self.model, self.tokenizer, self.lang = model, tokenizer, lang
        self.k, self.min_prob, self.batch_size, self.max_length = k, min_prob, batch_size, max_length
        self._space_id = tokenizer.get_vocab().get(SP_SPACE)
        self._words_of_id: dict[int, str | None] = {}

    def _word_of(self, idx: int) -> str | None:
        if idx not in self._words_of_id:
            self._words_of_id[idx] = whole_word(self.tokenizer.convert_ids_to_tokens(idx), self.lang)
        return self._words_of_id[idx]

    def _encode(self, texts: list[Any]):
        import torch

        tok = self.tokenizer
        rows = []
        for t in texts:
            ids = tok(*t, truncation=True, max_length=self.max_length)["input_ids"] if isinstance(t, tuple) \
                else tok(t, truncation=True, max_length=self.max_length)["input_ids"]
            # " <mask>" tokenises as ["▁", "<mask>"] when the mask token has no lstrip: drop the lone "▁" so the
            # prediction at the mask is a word-start piece
            rows.append([i for j, i in enumerate(ids)
                         if not (i == self._space_id and j + 1 < len(ids) and ids[j + 1] == tok.mask_token_id)])
        width = max(len(r) for r in rows)
        pad = tok.pad_token_id or 0
        input_ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows])
        mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows])
        return input_ids, mask

    def _candidates(self, current_text, indices: list[int]) -> list[list[str]]:
        import torch

        masked = [current_text.replace_word_at_index(i, self.tokenizer.mask_token).tokenizer_input for i in indices]
        out: list[list[str]] = []
        for start in range(0, len(masked), self.batch_size):
            input_ids, attn = self._encode(masked[start: start + self.batch_size])
            with torch.inference_mode():
                logits = self.model(input_ids=input_ids, attention_mask=attn).logits
            for row in range(len(input_ids)):
                pos = (input_ids[row] == self.tokenizer.mask_token_id).nonzero()
                if len(pos) == 0:  # truncated away
                    out.append([])
                    continue
                probs = torch.softmax(logits[row, int(pos[0])].float(), dim=-1)
                top = torch.topk(probs, min(len(probs), self.k * 8))
                words: list[str] = []
                for p, idx in zip(top.values.tolist(), top.indices.tolist()):
                    if p < self.min_prob or len(words) == self.k:
                        break
                    w = self._word_of(idx)
                    if w is not None and w not in words:
                        words.append(w)
                out.append(words)
        return out

    def _get_transformations(self, current_text, indices_to_modify):
        # batched over indices (one masked-LM pass for all), unlike WordSwap's word-by-word _get_replacement_words
        indices = sorted(indices_to_modify)
        if not indices:
            return []
        transformed = []
        for i, words in zip(indices, self._candidates(current_text, indices)):
            original = current_text.words[i]
            for w in dict.fromkeys(match_case(w, original) for w in words):
                if w is not None and w.lower() != original.lower():
                    transformed.append(current_text.replace_word_at_index(i, w))
        return transformed

    @property
    def deterministic(self) -> bool:
        return True

    def extra_repr_keys(self):
        return ["lang", "k", "min_prob"]
