"""robustxnli.quiet: expected library messages become one line of ours; --verbose keeps them."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from robustxnli import quiet

FRESH = ("Some weights of BertForSequenceClassification were not initialized from the model checkpoint at "
         "/x/models/multilingual-e5-small-L3 and are newly initialized: ['classifier.bias', 'classifier.weight']\n"
         "You should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.")
UNUSED = ("Some weights of the model checkpoint at /x/enc were not used when initializing BertModel: "
          "['pooler.dense.bias', 'pooler.dense.weight']\n- This IS expected if you are initializing ...\n"
          "- This IS NOT expected if ...")


def test_explain_says_what_the_messages_mean():
    fresh = quiet.explain(FRESH)
    assert "fresh classification head (classifier.bias, classifier.weight)" in fresh and "phase 3" in fresh
    assert "TRAIN" not in fresh and "\n" not in fresh
    unused = quiet.explain(UNUSED)
    assert "not used by BertModel (pooler.dense.bias, pooler.dense.weight)" in unused and "\n" not in unused
    assert quiet.explain("something else entirely") is None


def test_filter_replaces_the_transformers_message(capsys):
    log = logging.getLogger("transformers.modeling_utils.quiet_test")
    handler_seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            handler_seen.append(record.getMessage())

    log.addFilter(quiet._WeightsFilter())
    log.addHandler(Keep())
    log.warning(FRESH)
    log.warning("an unrelated warning")
    assert handler_seen == ["an unrelated warning"]
    assert "note: BertForSequenceClassification on multilingual-e5-small-L3: fresh" in capsys.readouterr().err


def test_textattack_compatibility_notice_is_dropped():
    """TextAttack's "Unknown if model ... compatible with goal function" on its own logger never reaches a
    handler once quiet is installed; its other messages do."""
    import textattack  # noqa: F401  (configures TextAttack's logger, as an attack run does)

    quiet.install()
    log = logging.getLogger("textattack.shared.utils.install")
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    keep = Keep()
    log.addHandler(keep)
    try:
        log.warning("Unknown if model of class <class 'robustxnli.models.pair.BiEncoderNLI'> compatible with goal "
                    "function <class 'textattack.goal_functions.UntargetedClassification'>.")
        log.warning("another TextAttack message")
    finally:
        log.removeHandler(keep)
    assert seen == ["another TextAttack message"]


def test_api_attack_build_prints_no_compatibility_notice(tiny_model_dir):
    """Building an attack from Python (no CLI start-up) is as quiet as the command: TextAttack's "Unknown if
    model" line came out of every recipe build before."""
    import subprocess
    import sys

    code = ("from robustxnli.models import load_classifier\n"
            "from robustxnli.attacks.engine import make_context\n"
            "from robustxnli.recipes import get_recipe\n"
            f"ctx = make_context(load_classifier({str(tiny_model_dir)!r}), 'en')\n"
            "import torch\n"  # a model class TextAttack does not know, as the --preset cpu bi-encoder is
            "ctx.model_wrapper.model = torch.nn.Identity()\n"
            "print(type(get_recipe('charnoise').build(ctx)).__name__)\n")
    env = {k: v for k, v in __import__("os").environ.items() if k != "ROBUSTXNLI_VERBOSE"}
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                       env={**env, "HF_HUB_OFFLINE": "1", "ROBUSTXNLI_OFFLINE": "1"})
    assert p.returncode == 0 and p.stdout.strip() == "Attack", p.stderr[-2000:]
    assert "Unknown if model" not in p.stderr, p.stderr[-2000:]


def test_pairs_counts_rows_of_prebuilt_batches():
    import torch

    class DS:
        batches = [{"labels": torch.zeros(16)}, {"labels": torch.zeros(7)}]

    assert quiet._pairs(DS()) == [16, 7]
    assert quiet._pairs(object()) == []


def test_verbose_flag_is_on_the_root_command():
    exe = Path(sys.executable).parent / "robustxnli"
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=120).stdout
    assert "--verbose" in out
    train = subprocess.run([str(exe), "train", "--help"], capture_output=True, text=True, timeout=120,
                           env={"COLUMNS": "200", "PATH": ""}).stdout
    assert "->  ->" not in train and "optional intermediate task -> MNLI" in train
