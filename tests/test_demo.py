"""The demo: its shipped config meets the issue's minimums, and the same pipeline runs end to end (tiny model)."""

import yaml

from robustxnli.demo import DEMO_CONFIG, run_demo
from robustxnli.sweep.config import load_config
from robustxnli.sweep.plan import build_plan
from robustxnli.sweep.run import missing_functions

NON_LATIN = {"ar", "bg", "el", "hi", "ru", "th", "ur", "zh"}


def test_shipped_demo_config_meets_the_minimums(tmp_path):
    cfg = load_config(DEMO_CONFIG)
    assert len(cfg.models) >= 3 and "baseline" in cfg.regimes and len(cfg.regimes) >= 2
    assert len(cfg.recipes) >= 2 and cfg.hans
    assert len(cfg.langs) >= 4 and len(NON_LATIN & set(cfg.langs)) >= 2
    cells = build_plan(cfg, tmp_path)
    assert not missing_functions(cells)
    from robustxnli.recipes import get_recipe

    for spec in cfg.recipes:
        recipe = get_recipe(spec["name"])
        assert set(cfg.langs) <= set(recipe.languages), spec


def test_demo_pipeline_end_to_end_on_the_tiny_model(tmp_path, tiny_model_dir, data_dir, capsys, monkeypatch):
    raw = yaml.safe_load(DEMO_CONFIG.read_text())
    raw.update(models=[str(tiny_model_dir)], langs=["en", "zh"], data_dir=str(data_dir),
               hans={"lang": "en", "n_per_subcase": 2, "seed": 0})
    raw["train"].update(target_limit=32, intermediate_limit=16, max_length=32, batch_size=8)
    raw["evaluate"]["limit"] = 8
    raw["attack"]["limit"] = 3
    config = tmp_path / "demo.yaml"
    config.write_text(yaml.safe_dump(raw))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # run_demo sets it for its workers; restored after the test
    html = run_demo(tmp_path / "runs", tmp_path / "report", config=config, jobs=2)  # two cells at a time
    text = html.read_text()
    assert html.exists() and "<img" in text and "STILTs" in text
    printed = capsys.readouterr().out
    assert "report:" in printed and "total" in printed
    # a second run resumes: every cell is already done
    run_demo(tmp_path / "runs", tmp_path / "report", config=config)
    assert " 0 ran, " in capsys.readouterr().out
