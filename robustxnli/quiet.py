"""Console hygiene: library messages that are expected in robustxnli's flow become one line of ours that says
what they mean; ``robustxnli --verbose ...`` leaves every library message as it was.

Replaced (not just hidden):
* transformers "Some weights of X were not initialized ... newly initialized: [...] You should probably TRAIN"
  -> "fresh classification head (...), randomly initialised: trained in phase 3 (the target task)"
  (``load_classifier`` refuses a checkpoint without a trained NLI head, so outside training it does not occur);
* transformers "Some weights of the model checkpoint ... were not used ... This IS (NOT) expected"
  -> "checkpoint weights not used by X (...): the pretraining pooler/head, not part of the NLI model";
* Trainer's per-step dicts and its final ``train_samples_per_second`` (which counts robustxnli's pre-built
  batches, not pairs) -> one line per log step, and "N pairs in S s = P pairs/s".
Dropped: torch's DataLoader ``pin_memory`` UserWarning on machines without an accelerator (its
``super().__init__(loader)`` source line goes with it); datasets' progress bars; TextAttack's "Unknown if model of
class X compatible with goal function Y" (robustxnli's wrapper returns XNLI-ordered probabilities, which its tests
check against the goal function).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import warnings
from typing import Any

_installed = False
_FRESH = re.compile(r"Some weights of (\w+) were not initialized from the model checkpoint at (.+?) and are newly "
                    r"initialized(?: because the shapes did not match)?: \[(.*?)\]", re.S)
_UNUSED = re.compile(r"Some weights of the model checkpoint at (.+?) were not used when initializing (\w+): \[(.*?)\]",
                     re.S)


def verbose() -> bool:
    return os.environ.get("ROBUSTXNLI_VERBOSE", "") not in ("", "0")


def note(message: str) -> None:
    """One line of ours on stderr (beside the library's own warnings)."""
    print(f"note: {message}", file=sys.stderr)


def _keys(text: str, n: int = 3) -> str:
    keys = [k.strip().strip("'\"") for k in text.split(",") if k.strip()]
    more = f", +{len(keys) - n} more" if len(keys) > n else ""
    return ", ".join(keys[:n]) + more


def explain(message: str) -> str | None:
    """Our one line for a transformers weight-loading message, or None when it is not one we know."""
    if m := _FRESH.search(message):
        cls, where, keys = m.groups()
        return (f"{cls} on {os.path.basename(where.rstrip('/')) or where}: fresh classification head "
                f"({_keys(keys)}), randomly initialised: trained in phase 3 (the target task)")
    if m := _UNUSED.search(message):
        where, cls, keys = m.groups()
        return (f"{os.path.basename(where.rstrip('/')) or where}: checkpoint weights not used by {cls} "
                f"({_keys(keys)}): parts of the pretraining model (e.g. its pooler) that the NLI model does not use")
    return None


class _WeightsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        line = explain(record.getMessage())
        if line is None:
            return True
        note(line)
        return False


class _DropFilter(logging.Filter):
    def __init__(self, pattern: str):
        super().__init__()
        self.pattern = re.compile(pattern)

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.pattern.search(record.getMessage())


def _pairs(batches: Any) -> list[int]:
    """Pairs (rows) per pre-built batch; [] when the dataset is not a list of batches."""
    out = []
    for b in getattr(batches, "batches", None) or []:
        first = b.get("labels", b.get("input_ids")) if isinstance(b, dict) else None
        if first is None or not hasattr(first, "shape") or not first.shape:
            return []
        out.append(int(first.shape[0]))
    return out


class _AfterImport:
    """A meta-path finder that runs ``hook(module)`` right after ``name`` is imported, so start-up does not pay
    for importing transformers' Trainer (5 s) when a command never trains."""

    def __init__(self, name: str, hook: Any):
        self.name, self.hook = name, hook

    def find_spec(self, fullname, path, target=None):
        if fullname != self.name:
            return None
        import importlib.util

        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            exec_module, hook = spec.loader.exec_module, self.hook

            def run(module):
                exec_module(module)
                hook(module)
            spec.loader.exec_module = run
        return spec


def _patch_trainer_log(trainer_callback: Any) -> None:
    """One line per Trainer log step instead of a dict; the final line in pairs per second."""
    cls = trainer_callback.ProgressCallback
    if getattr(cls, "_robustxnli_quiet", False):
        return
    begin = cls.on_train_begin

    def on_train_begin(self, args, state, control, **kwargs):
        self._rx_start_step = state.global_step  # > 0 when resuming
        return begin(self, args, state, control, **kwargs)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or self.training_bar is None or not logs:
            return
        write = self.training_bar.write
        if "train_runtime" in logs:
            per_batch = _pairs(getattr(kwargs.get("train_dataloader"), "dataset", None))
            start = getattr(self, "_rx_start_step", 0) * args.gradient_accumulation_steps
            pairs = sum(per_batch[start: state.global_step * args.gradient_accumulation_steps])
            secs = float(logs["train_runtime"])
            rate = f"{pairs} pairs in {secs:.1f} s = {pairs / secs:.1f} pairs/s" if pairs and secs > 0 else \
                f"{secs:.1f} s"
            loss = f", mean loss {logs['train_loss']:.4f}" if "train_loss" in logs else ""
            write(f"  phase done: {state.global_step - getattr(self, '_rx_start_step', 0)} steps, {rate}{loss}")
            return
        parts = [f"step {state.global_step}/{state.max_steps}"]
        for key, fmt in (("loss", "loss {:.4f}"), ("learning_rate", "lr {:.2e}"), ("grad_norm", "grad {:.2f}"),
                         ("epoch", "epoch {:.2f}")):
            if isinstance(logs.get(key), (int, float)):
                parts.append(fmt.format(logs[key]))
        write("  " + "  ".join(parts))

    cls.on_train_begin, cls.on_log, cls._robustxnli_quiet = on_train_begin, on_log, True


_COMPATIBILITY = r"^Unknown if model .* compatible with .*goal function"


def quiet_textattack_compatibility() -> None:
    """Drop TextAttack's "Unknown if model ... compatible with goal function" from its own logger (once; not
    with --verbose). The CLI installs it at start-up; the attack engine too, for API callers."""
    logger = logging.getLogger("textattack.shared.utils.install")
    if verbose() or any(isinstance(f, _DropFilter) and f.pattern.pattern == _COMPATIBILITY for f in logger.filters):
        return
    logger.addFilter(_DropFilter(_COMPATIBILITY))


def install(verbose_mode: bool = False) -> None:
    """Called once at CLI start-up (``--verbose`` / ROBUSTXNLI_VERBOSE=1 keeps the libraries' messages)."""
    global _installed
    if verbose_mode:
        os.environ["ROBUSTXNLI_VERBOSE"] = "1"
    if verbose() or _installed:
        return
    _installed = True
    warnings.filterwarnings("ignore", message=r".*'pin_memory' argument is set as true but no accelerator",
                            category=UserWarning)
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    logging.getLogger("datasets").setLevel(logging.ERROR)
    logging.getLogger("transformers.modeling_utils").addFilter(_WeightsFilter())
    quiet_textattack_compatibility()
    if "transformers.trainer_callback" in sys.modules:
        _patch_trainer_log(sys.modules["transformers.trainer_callback"])
    else:
        sys.meta_path.insert(0, _AfterImport("transformers.trainer_callback", _patch_trainer_log))
