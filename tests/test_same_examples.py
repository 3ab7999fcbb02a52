"""Clean and adversarial STILTs benefits rest on the same examples (report.stats.clean_on_attacked_ids)."""

import pandas as pd

from robustxnli.report.stats import clean_on_attacked_ids, stilts_analysis


def _rows(regime, condition, lang, ids, correct):
    return [{"size": "S", "params_total": 1e6, "params_non_embedding": 5e5, "regime": regime, "seed": 1,
             "condition": condition, "lang": lang, "id": i, "correct": float(c), "attacked": condition != "clean",
             "succeeded": False} for i, c in zip(ids, correct)]


def test_clean_delta_uses_only_attacked_ids():
    ids = [f"x{i}" for i in range(10)]
    rows = []
    for regime, clean in (("baseline", [0] * 10), ("anli", [1] * 4 + [0] * 6)):  # anli better on x0-x3 only
        rows += _rows(regime, "clean", "en", ids, clean)
        rows += _rows(regime, "charnoise", "en", ids[4:8], [0] * 4)       # attacks ran on x4..x7
        rows += _rows(regime, "negation", "en", ids[4:9], [0] * 5)        # x8: one recipe only -> not shared
        rows += _rows(regime, "clean", "de", ids[:3], [1, 1, 1])          # no attacks in de: kept whole
    ex = pd.DataFrame(rows)
    kept, notes = clean_on_attacked_ids(ex)
    clean_en = kept[(kept.condition == "clean") & (kept.lang == "en")]
    assert sorted(clean_en.id.unique()) == ids[4:8]
    assert len(kept[(kept.condition == "clean") & (kept.lang == "de")]) == 6
    assert len(kept[kept.condition != "clean"]) == len(ex[ex.condition != "clean"])
    assert notes and "same examples" in notes[0]
    sizes = pd.DataFrame([{"size": "S", "params_total": 1e6, "params_non_embedding": 5e5}])
    res = stilts_analysis(ex, sizes, ["baseline", "anli"], ["en", "de"], n_boot=50)
    clean = res.delta[(res.delta.condition == "clean") & (res.delta.lang == "en")].iloc[0]
    assert clean.delta == 0.0 and clean.n_pairs == 4  # on all 10 ids it would be +40 points over 10 pairs


def test_no_attacks_keeps_everything():
    ex = pd.DataFrame(_rows("baseline", "clean", "en", ["a", "b"], [1, 0]))
    kept, notes = clean_on_attacked_ids(ex)
    assert len(kept) == 2 and notes == []
