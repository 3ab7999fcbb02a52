import numpy as np
import pytest

from robustxnli.errors import UserError
from robustxnli.models import label_permutation, load_classifier


def test_permutation_by_name():
    assert label_permutation({0: "entailment", 1: "neutral", 2: "contradiction"}) == [0, 1, 2]
    # e.g. roberta-large-mnli: CONTRADICTION, NEUTRAL, ENTAILMENT
    assert label_permutation({0: "CONTRADICTION", 1: "NEUTRAL", 2: "ENTAILMENT"}) == [2, 1, 0]


@pytest.mark.parametrize("labels", [{0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, {0: "entailment", 1: "not_entailment"}])
def test_unmappable_labels_refused(labels):
    with pytest.raises(UserError):
        label_permutation(labels)


def test_remapped_checkpoint_gives_xnli_order(tmp_path, tiny_model_dir):
    """A checkpoint whose outputs are in another order yields the same XNLI-ordered probabilities."""
    import torch
    from conftest import build_tiny_model

    reordered = build_tiny_model(tmp_path / "rev", {0: "contradiction", 1: "neutral", 2: "entailment"})
    # make the reversed model's head the row-reversed head of the reference model
    ref = load_classifier(tiny_model_dir)
    rev = load_classifier(reordered)
    rev.model.load_state_dict(ref.model.state_dict())
    with torch.no_grad():
        for name in ("classifier.out_proj.weight", "classifier.out_proj.bias"):
            rev.model.get_parameter(name).copy_(ref.model.get_parameter(name).flip(0))
    p, h = ["Der Hund schläft.", "猫在睡觉。"], ["Ein Tier ruht.", "狗在跑。"]
    np.testing.assert_allclose(rev.predict_proba(p, h), ref.predict_proba(p, h), atol=1e-6)
    assert rev.perm == [2, 1, 0]


def test_generic_labels_refused_then_accepted_with_order(tmp_path):
    from conftest import build_tiny_model

    path = build_tiny_model(tmp_path / "generic", {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})
    with pytest.raises(UserError, match="--label-order"):
        load_classifier(path)
    assert load_classifier(path, label_order=["neutral", "entailment", "contradiction"]).perm == [1, 0, 2]


def test_not_a_three_way_classifier(tmp_path):
    from conftest import build_tiny_model

    path = build_tiny_model(tmp_path / "two", {0: "negative", 1: "positive"})
    with pytest.raises(UserError, match="not a 3-way NLI classifier"):
        load_classifier(path)


def test_pickle_weights_are_never_loaded(tmp_path, tiny_model_dir):
    import shutil

    import torch
    from safetensors.torch import load_file

    target = tmp_path / "pickled"
    shutil.copytree(tiny_model_dir, target)
    state = load_file(str(target / "model.safetensors"))
    (target / "model.safetensors").unlink()
    torch.save(state, target / "pytorch_model.bin")
    with pytest.raises(UserError, match="safetensors"):
        load_classifier(target)


def test_length_sorted_batching_matches_one_by_one(tiny_model_dir):
    clf = load_classifier(tiny_model_dir)
    p = ["a", "ein längerer Satz mit vielen Wörtern", "Короткий.", "这是一个句子"]
    h = ["b c d e f g", "kurz", "Длинная гипотеза из нескольких слов.", "句子"]
    batched = clf.predict_proba(p, h, batch_size=3)
    single = np.concatenate([clf.predict_proba([a], [b]) for a, b in zip(p, h)])
    np.testing.assert_allclose(batched, single, atol=1e-5)


def test_weights_load_through_models_only_and_no_import_cycle():
    """Item 8 of issue 11: ``from_pretrained`` for weights lives in robustxnli/models/ only; embedded.py does not
    import classifier.py (classifier.py imports embedded.py)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    outside = [p for d in ("robustxnli", "attacks", "recipes") for p in (root / d).rglob("*.py")
               if "models" not in p.relative_to(root).parts]
    loads = re.compile(r"Auto(Model\w*)\.from_pretrained")
    assert [str(p.relative_to(root)) for p in outside if loads.search(p.read_text(encoding="utf-8"))] == []
    embedded = (root / "robustxnli/models/embedded.py").read_text(encoding="utf-8")
    assert "from .classifier" not in embedded and "import classifier" not in embedded
