"""Argument checks every command runs before it writes anything: each failure is one :class:`UserError` naming the
option, the value and what would be accepted."""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any, Iterable

from .errors import UserError


def positive(option: str, value: int | float | None, *, allow_none: bool = True) -> None:
    """``value > 0`` (``None`` means "no limit" where allowed)."""
    if value is None and allow_none:
        return
    if value is None or isinstance(value, bool) or not value > 0 or value != value:
        raise UserError(f"{option} must be greater than 0 (got {value!r})")


def non_negative(option: str, value: int | float | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not value >= 0 or value != value:
        raise UserError(f"{option} must be 0 or more (got {value!r})")


def seed(option: str, value: Any) -> None:
    """Seeds are integers >= 0 (numpy refuses negative ones deep inside a run)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value >= 2**32:
        raise UserError(f"{option} must be an integer from 0 to {2**32 - 1} (got {value!r})")


def fraction(option: str, value: float | None) -> None:
    if value is not None and not 0 <= value <= 1:
        raise UserError(f"{option} must be between 0 and 1 (got {value!r})")


_DEVICE = re.compile(r"^(cpu|cuda(:\d+)?|mps|xpu(:\d+)?)$")


def device(option: str, value: str | None) -> None:
    """``cpu``, ``cuda``, ``cuda:N``, ``mps``, ``xpu``; an accelerator must be present."""
    if value is None:
        return
    if not _DEVICE.match(value):
        raise UserError(f"{option} {value!r} is not a torch device; use cpu, cuda, cuda:N or mps")
    if value == "cpu":
        return
    import torch

    kind, _, index = value.partition(":")
    if kind == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise UserError(f"{option} {value}: no CUDA device is available on this machine; use cpu")
        if index and int(index) >= count:
            raise UserError(f"{option} {value}: only {count} CUDA device(s) (cuda:0..cuda:{count - 1})")
    elif kind == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise UserError(f"{option} mps: no Apple MPS device is available on this machine; use cpu")
    elif kind == "xpu" and not (hasattr(torch, "xpu") and torch.xpu.is_available()):
        raise UserError(f"{option} {value}: no XPU device is available on this machine; use cpu")


def _nearest_existing(path: Path) -> Path:
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def out_dir(option: str, path: str | Path | None) -> None:
    """A directory we will create or write into: not an existing file, and its nearest existing parent is a
    writable directory."""
    if path is None:
        return
    p = Path(path).expanduser()
    if str(path).strip() == "":
        raise UserError(f"{option} is empty; give a directory")
    if p.exists() and not p.is_dir():
        raise UserError(f"{option} {p} is an existing file, not a directory; choose another path")
    base = _nearest_existing(p.absolute())
    if not base.is_dir():
        raise UserError(f"{option} {p}: {base} is a file, so no directory can be made under it")
    if not os.access(base, os.W_OK | os.X_OK):
        raise UserError(f"{option} {p}: {base} is not writable; choose another path")


def out_file(option: str, path: str | Path) -> None:
    """A file we will write: not a directory, in a writable (or creatable) directory."""
    p = Path(path).expanduser()
    if str(path).strip() == "" or p.is_dir():
        raise UserError(f"{option} {p} is a directory; give a file name")
    if p.exists() and not os.access(p, os.W_OK):
        raise UserError(f"{option} {p} is not writable; choose another path")
    out_dir(option, p.parent)


def in_dir(option: str, path: str | Path | None) -> None:
    if path is None:
        return
    p = Path(path).expanduser()
    if not p.exists():
        raise UserError(f"{option} {p} does not exist")
    if not p.is_dir():
        raise UserError(f"{option} {p} is not a directory")


def in_file(option: str, path: str | Path) -> None:
    p = Path(path).expanduser()
    if not p.exists():
        raise UserError(f"{option} {p} does not exist")
    if p.is_dir():
        raise UserError(f"{option} {p} is a directory; give a file")
    if not os.access(p, os.R_OK):
        raise UserError(f"{option} {p} is not readable")


def choice(option: str, value: str, choices: Iterable[str]) -> None:
    choices = list(choices)
    if value not in choices:
        raise UserError(f"{option} {value!r} is not one of: {', '.join(choices)}{did_you_mean(value, choices)}")


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def known_keys(option: str, given: Iterable[str], known: Iterable[str], what: str) -> None:
    """Every key in ``given`` is in ``known``; else name the first stranger with a "did you mean"."""
    known = sorted(set(known))
    for key in given:
        if key not in known:
            raise UserError(f"{option} {key!r} is not an option of {what}{did_you_mean(key, known)}; "
                            f"it accepts: {', '.join(known) or '(no options)'}")


def train_args(a: dict[str, Any]) -> None:
    """``robustxnli train`` options, by name as the command line spells them."""
    if "seed" in a:
        seed("--seed", a.get("seed"))
    for name in ("lr", "head_lr", "intermediate_epochs", "target_epochs"):
        positive(f"--{name.replace('_', '-')}", a.get(name))
    for name in ("batch_size", "grad_accum", "save_steps", "intermediate_limit", "target_limit",
                 "intermediate_max_steps", "target_max_steps", "train_layers"):
        value = a.get(name)
        positive(f"--{name.replace('_', '-')}", value)
    if a.get("max_length") is not None and a["max_length"] > 8192:
        raise UserError(f"--max-length {a['max_length']} is larger than any supported encoder's (8192)")
    fraction("--warmup-ratio", a.get("warmup_ratio"))
    non_negative("--freeze-layers", a.get("freeze_layers"))
    non_negative("--max-length", a.get("max_length"))  # 0: from the data's length distribution (--preset cpu)
    if a.get("max_length") == 0 and a.get("preset", "default") != "cpu":
        raise UserError("--max-length 0 (from the data) works with --preset cpu only; give a length, e.g. 256")
    checkpoint("--model", a.get("model"), classifier=False)


TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "sentencepiece.bpe.model", "vocab.txt", "spiece.model")


def safetensors_file(path: Path) -> None:
    """The header parses and the file is as long as the header says (a truncated copy is caught here)."""
    import json
    import struct

    size = path.stat().st_size
    try:
        with open(path, "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            if n <= 0 or 8 + n > size:
                raise ValueError("header length beyond the end of the file")
            header = json.loads(f.read(n).decode("utf-8"))
        end = max((int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"), default=0)
    except (struct.error, ValueError, KeyError, TypeError, IndexError, AttributeError) as err:
        raise UserError(f"{path} is not a readable safetensors file ({err}); re-save or re-download the model") \
            from None
    if 8 + n + end != size:
        raise UserError(f"{path} is truncated or padded ({size} bytes, its header says {8 + n + end}); re-save or "
                        "re-download the model")


def checkpoint(option: str, name: str | None, *, classifier: bool = True) -> None:
    """A model the command will load: a local directory (or run dir with model/) needs config.json, a tokenizer
    and complete safetensors weights; a name must be an embedded name, or reachable/cached on the hub."""
    if name is None:
        return
    text = str(name)
    p = Path(text).expanduser()
    if not p.exists():
        if text.startswith((".", "/", "~")) or p.suffix in (".json", ".safetensors", ".bin", ".pt"):
            raise UserError(f"{option} {text}: no such file or directory")
        from .models.embedded import embedded_layers
        from .offline import hub_reachable

        if embedded_layers(text) is not None or hub_reachable():
            return
        try:
            from huggingface_hub import try_to_load_from_cache

            cached = try_to_load_from_cache(text, "config.json")
        except Exception:  # an invalid repo id
            cached = None
        if not isinstance(cached, str):
            raise UserError(f"{option} {text}: not a local directory, not an embedded name (e5-small-L3, "
                            "e5-small-L6, e5-small-L12 = e5-small, or any e5-small-LN) and not in the Hugging Face cache, and the hub is unreachable (offline)")
        return
    if not p.is_dir():
        raise UserError(f"{option} {text} is a file; give the model's directory")
    if classifier and (p / "model" / "config.json").exists():
        p = p / "model"
    if not (p / "config.json").exists():
        raise UserError(f"{option} {text}: no config.json in {p}, so it is not a model directory"
                        + (" (a `robustxnli train` run dir has it under model/ once training finished)"
                           if (p / "manifest.json").exists() else ""))
    weights = sorted(p.glob("*.safetensors"))
    if not weights:
        extra = " (it has only pickled .bin weights, which robustxnli never loads)" if list(p.glob("*.bin")) else ""
        raise UserError(f"{option} {text}: no *.safetensors weights in {p}{extra}")
    for w in weights:
        safetensors_file(w)
    if not any((p / f).exists() for f in TOKENIZER_FILES):
        raise UserError(f"{option} {text}: no tokenizer in {p} (expected one of {', '.join(TOKENIZER_FILES)}); "
                        "save the tokenizer next to the model (tokenizer.save_pretrained)")
    try:
        import json

        json.loads((p / "config.json").read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise UserError(f"{p / 'config.json'} is not valid JSON ({err})") from None
    from .schema import read_sidecar

    read_sidecar(p)  # a corrupt robustxnli.json is named here
