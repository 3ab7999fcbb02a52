"""The recipe registry: built-ins, plug-in files outside the repo, entry points, and its error messages."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from robustxnli.errors import UserError

PLAIN_FACTORY = '''
"""A third-party recipe file living outside the repository."""
from textattack.transformations import WordSwapRandomCharacterDeletion

from robustxnli.attacks.engine import build_attack, pair_constraints


def drop_letters(ctx):
    """Delete one letter of a hypothesis word.

    Languages: de, fr
    Citation: Example et al. 2026, "Dropped letters"
    """
    return build_attack(ctx, WordSwapRandomCharacterDeletion(random_one=False), pair_constraints(ctx))


not_a_factory = 42
'''

DECORATED = '''
from textattack.transformations import WordSwapNeighboringCharacterSwap

from robustxnli.attacks.engine import build_attack, pair_constraints
from robustxnli.recipes import recipe


@recipe("wordsub-embedding", languages=["en"], citation="Shadow 2026", summary="same name as a built-in")
def shadow(ctx):
    return build_attack(ctx, WordSwapNeighboringCharacterSwap(random_one=False), pair_constraints(ctx))
'''

EP_MODULE = '''
"""Recipes shipped by a third-party package."""
from textattack.transformations import WordSwapNeighboringCharacterSwap

from robustxnli.attacks.engine import build_attack, pair_constraints


def factory(ctx):
    return build_attack(ctx, WordSwapNeighboringCharacterSwap(random_one=False), pair_constraints(ctx))


factory.languages = ("es", "en")
factory.citation = "Package et al. 2026"
factory.summary = "neighbouring-letter swaps from an installed package"
'''


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("ROBUSTXNLI_PROGRESS", "0")


def _records(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "records.jsonl").read_text(encoding="utf-8").splitlines()]


def test_builtins_are_listed_with_languages_and_citations():
    from robustxnli.constants import XNLI_LANGS
    from robustxnli.recipes import get_recipe, list_recipes

    names = {r.name for r in list_recipes()}
    assert {"wordsub-embedding", "wordsub-mlm", "textattack:deepwordbug", "textattack:pruthi"} <= names
    emb = get_recipe("wordsub-embedding")
    assert emb.languages == XNLI_LANGS and "TextFooler" in emb.citation and emb.source == "built-in"
    assert get_recipe("textattack:pruthi").languages == ("de", "en", "es", "fr", "sw", "tr", "vi")


def test_plugin_file_outside_the_repo(tmp_path, tiny_model_dir, data_dir):
    from robustxnli.attacking.runner import attack_run
    from robustxnli.recipes import get_recipe, list_recipes

    plugin = tmp_path / "elsewhere" / "my_recipes.py"
    plugin.parent.mkdir()
    plugin.write_text(PLAIN_FACTORY, encoding="utf-8")
    rec = get_recipe(f"{plugin}:drop_letters")
    assert rec.name == "drop_letters" and rec.languages == ("de", "fr")
    assert rec.citation.startswith("Example et al. 2026") and rec.summary == "Delete one letter of a hypothesis word."
    assert rec.source == str(plugin.resolve())
    summary = attack_run(str(tiny_model_dir), "fr", f"{plugin}:drop_letters", limit=3, out=tmp_path / "run",
                         data_dir=data_dir)
    assert summary["n"] == 3
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["recipe"] == "drop_letters" and manifest["recipe_source"] == str(plugin.resolve())
    assert all(r["adv_premise"] == r["premise"] for r in _records(tmp_path / "run"))
    with pytest.raises(UserError, match="does not support language 'zh'; it supports: de, fr"):
        attack_run(str(tiny_model_dir), "zh", rec, limit=1, out=tmp_path / "zh", data_dir=data_dir)
    assert "drop_letters" not in {r.name for r in list_recipes()}  # a file plug-in does not join the registry


def test_plugin_file_errors(tmp_path):
    from robustxnli.recipes import get_recipe

    plugin = tmp_path / "my_recipes.py"
    plugin.write_text(PLAIN_FACTORY, encoding="utf-8")
    with pytest.raises(UserError, match="does not exist"):
        get_recipe(f"{tmp_path}/missing.py:drop_letters")
    with pytest.raises(UserError, match="no attribute 'nope'"):
        get_recipe(f"{plugin}:nope")
    with pytest.raises(UserError, match="neither a Recipe nor a callable"):
        get_recipe(f"{plugin}:not_a_factory")
    broken = tmp_path / "broken.py"
    broken.write_text("import does_not_exist_anywhere\n", encoding="utf-8")
    with pytest.raises(UserError, match="failed to import"):
        get_recipe(f"{broken}:factory")
    bad_langs = tmp_path / "bad_langs.py"
    bad_langs.write_text('def f(ctx):\n    """x\n\n    Languages: de, klingon\n    """\n', encoding="utf-8")
    with pytest.raises(UserError, match="unknown language code"):
        get_recipe(f"{bad_langs}:f")
    with pytest.raises(UserError, match="unknown recipe 'nope'; choose from: .*wordsub-embedding"):
        get_recipe("nope")


def test_decorated_plugin_does_not_clobber_a_builtin(tmp_path):
    from robustxnli.recipes import get_recipe

    plugin = tmp_path / "shadow.py"
    plugin.write_text(DECORATED, encoding="utf-8")
    rec = get_recipe(f"{plugin}:shadow")
    assert rec.name == "wordsub-embedding" and rec.languages == ("en",) and rec.source == str(plugin.resolve())
    assert get_recipe("wordsub-embedding").source == "built-in"


def _install_entry_point(root: Path) -> None:
    """A minimal installed distribution: a module plus a .dist-info declaring the entry point."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "robustxnli_extra_recipes.py").write_text(EP_MODULE, encoding="utf-8")
    info = root / "robustxnli_extra_recipes-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: robustxnli-extra-recipes\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent("""
        [robustxnli.recipes]
        swapper = robustxnli_extra_recipes:factory
    """))


def test_entry_point_plugin(tmp_path, monkeypatch, tiny_model_dir, data_dir):
    from robustxnli.attacking.runner import attack_run
    from robustxnli.recipes import get_recipe, list_recipes

    _install_entry_point(tmp_path / "site")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    listed = {r.name: r for r in list_recipes()}
    assert "swapper" in listed
    rec = get_recipe("swapper")
    assert rec.languages == ("es", "en") and rec.citation == "Package et al. 2026"
    assert rec.source == "entry point robustxnli-extra-recipes"
    summary = attack_run(str(tiny_model_dir), "es", "swapper", limit=2, out=tmp_path / "run", data_dir=data_dir)
    assert summary["n"] == 2
    assert json.loads((tmp_path / "run" / "manifest.json").read_text())["recipe"] == "swapper"


def test_cli_skip_message_for_file_and_entry_point_plugins(tmp_path, tiny_model_dir, data_dir):
    """`robustxnli attack --lang de,zh` (the installed command) with a file plug-in and an entry-point recipe: the
    cells a recipe does not support are skipped with its own languages (the skip message used to look the recipe
    up again by its bare name, which fails for file plug-ins), and only drop_letters × de runs."""
    import os
    import subprocess
    import sys

    plugin = tmp_path / "my_recipes.py"
    plugin.write_text(PLAIN_FACTORY, encoding="utf-8")
    _install_entry_point(tmp_path / "site")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ROBUSTXNLI_OFFLINE": "1", "ROBUSTXNLI_PROGRESS": "0",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path / "site"), os.environ.get("PYTHONPATH")]))}
    cli = str(Path(sys.executable).with_name("robustxnli"))  # the installed command (PATH may not have the venv)
    p = subprocess.run([cli, "attack", "--model", str(tiny_model_dir), "--lang", "de,zh", "--recipe",
                        f"{plugin}:drop_letters", "--recipe", "swapper", "--limit", "2", "--out", str(tmp_path / "o"),
                        "--data-dir", str(data_dir)], capture_output=True, text=True, env=env, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "skipping drop_letters × zh: recipe supports de, fr" in p.stderr
    assert "skipping swapper × de: recipe supports es, en" in p.stderr
    assert "skipping swapper × zh: recipe supports es, en" in p.stderr
    assert (tmp_path / "o" / "de-drop_letters" / "records.jsonl").exists()
    assert sorted(d.name for d in (tmp_path / "o").iterdir()) == ["de-drop_letters"]


def test_recipes_list_states_constraints_and_lexicons_here():
    import os
    import subprocess
    import sys

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ROBUSTXNLI_OFFLINE": "1"}
    p = subprocess.run([sys.executable, "-m", "robustxnli.cli", "recipes", "list"], capture_output=True, text=True,
                       env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "usable here" in p.stdout and "lexicons on this machine" in p.stdout
    assert "label-preserving" in p.stdout and "MyThes" in p.stdout and "wordfreq" in p.stdout
    from robustxnli.recipes import list_recipes

    builtin = [r for r in list_recipes() if r.source == "built-in" and not r.name.startswith("distractor")]
    assert builtin and all("label-preserving" in r.constraints for r in builtin)


def test_recipe_default_columns_and_the_perturb_override(tmp_path, tiny_model_dir, data_dir):
    """A recipe says which column(s) it attacks when --perturb is not given (the word-substitution recipes: both,
    wordsub-wordnet's comment says why); the installed command records it, --perturb overrides it, a bad value
    in a plug-in is refused, and a sweep hashes non-hypothesis defaults into its attack cells."""
    import os
    import subprocess
    import sys

    from robustxnli.recipes import builtin_recipe, get_recipe

    assert builtin_recipe("wordsub-wordnet").perturb == builtin_recipe("wordsub-embedding").perturb == "both"
    assert builtin_recipe("charnoise").perturb == "hypothesis" and builtin_recipe("no-such") is None
    plugin = tmp_path / "both_sides.py"
    plugin.write_text(PLAIN_FACTORY + "\ndrop_letters.perturb = 'both'\n\ndef bad(ctx):\n    pass\n\n"
                      "bad.perturb = 'neither'\n", encoding="utf-8")
    assert get_recipe(f"{plugin}:drop_letters").perturb == "both"
    with pytest.raises(UserError, match="perturb='neither'; use one of hypothesis, premise, both"):
        get_recipe(f"{plugin}:bad")

    cli = str(Path(sys.executable).with_name("robustxnli"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ROBUSTXNLI_OFFLINE": "1", "ROBUSTXNLI_PROGRESS": "0"}
    for flag, want in (([], "both"), (["--perturb", "hypothesis"], "hypothesis")):
        out = tmp_path / f"o-{want}"
        p = subprocess.run([cli, "attack", "--model", str(tiny_model_dir), "--lang", "de", "--recipe",
                            f"{plugin}:drop_letters", "--limit", "4", "--out", str(out), "--data-dir", str(data_dir),
                            *flag], capture_output=True, text=True, env=env, timeout=600)
        assert p.returncode == 0, p.stderr[-2000:]
        run = out / "de-drop_letters"
        assert json.loads((run / "manifest.json").read_text())["perturb"] == want
        rows = _records(run)
        if want == "hypothesis":
            assert all(r["adv_premise"] == r["premise"] for r in rows)
        else:  # the search edits the premise too (records keep the last perturbation tried, success or not)
            assert any(r["adv_premise"] != r["premise"] for r in rows)

    from robustxnli.sweep.config import load_config
    from robustxnli.sweep.plan import build_plan

    cfg_file = tmp_path / "s.yaml"
    cfg_file.write_text("name: s\nmodels: [m]\nregimes: [baseline]\nseeds: [1]\nlangs: [en]\n"
                        "recipes: [charnoise, wordsub-wordnet]\n", encoding="utf-8")
    attacks = {c.kwargs["recipe"]: c for c in build_plan(load_config(cfg_file)) if c.kind == "attack"}
    assert attacks["wordsub-wordnet"].kwargs["perturb"] == "both" and "perturb" not in attacks["charnoise"].kwargs
    cfg_file.write_text(cfg_file.read_text() + "attack: {perturb: hypothesis}\n", encoding="utf-8")
    pinned = {c.kwargs["recipe"]: c for c in build_plan(load_config(cfg_file)) if c.kind == "attack"}
    assert pinned["wordsub-wordnet"].kwargs["perturb"] == "hypothesis"
    assert pinned["wordsub-wordnet"].cell_hash != attacks["wordsub-wordnet"].cell_hash
