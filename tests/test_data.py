import gzip
import json

import pytest

from robustxnli.constants import XNLI_LANGS, parse_langs
from robustxnli.data import INTERMEDIATE_TASKS, TASKS, load_nli, load_task
from robustxnli.errors import DataError, UserError


@pytest.mark.parametrize("name", list(TASKS))
def test_every_task_loads_from_the_pack(name, data_dir):
    task = TASKS[name]
    split = next(iter(task.files))
    loaded = load_task(name, split, lang="sw" if name == "xnli" else None, data_dir=data_dir, limit=20)
    assert len(loaded.rows) == 20
    assert loaded.sha256 and all(len(h) == 64 for h in loaded.sha256.values())
    assert all(task.validate(r) is None for r in loaded.rows)


@pytest.mark.parametrize("name", list(TASKS))
def test_every_task_loads_from_the_vendored_pack_without_a_data_dir(name, monkeypatch):
    monkeypatch.delenv("ROBUSTXNLI_DATA", raising=False)
    task = TASKS[name]
    split = next(s for s in task.files if s in ("dev", "train", "r1_dev"))
    assert load_task(name, split, lang="zh" if name == "xnli" else None, limit=3).rows


def _write(path, rows):
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for r in rows:
            f.write((r if isinstance(r, str) else json.dumps(r)) + "\n")


def _copy_pair_task(tmp_path, rows, rel="xnli/dev/de.jsonl.gz"):
    path = tmp_path / rel
    path.parent.mkdir(parents=True)
    _write(path, rows)
    return path


GOOD = {"premise": "Ein Hund läuft.", "hypothesis": "Ein Tier bewegt sich.", "label": 0}


@pytest.mark.parametrize("bad,fragment", [
    ('{"premise": "x", "hypothesis": ', "malformed JSON"),
    ({"premise": "x", "label": 1}, "missing field 'hypothesis'"),
    ({"premise": "x", "hypothesis": "y", "label": 3}, "label 3 outside 0-2"),
    ({"premise": "  ", "hypothesis": "y", "label": 1}, "empty premise"),
])
def test_malformed_rows_name_file_and_line(tmp_path, bad, fragment):
    path = _copy_pair_task(tmp_path, [GOOD, GOOD, bad])
    with pytest.raises(DataError) as err:
        load_task("xnli", "dev", "de", data_dir=tmp_path)
    assert str(path) in str(err.value) and "line 3" in str(err.value) and fragment in str(err.value)


def test_skip_invalid_counts_and_reports(tmp_path):
    _copy_pair_task(tmp_path, [GOOD, {**GOOD, "label": 7}, GOOD])
    loaded = load_task("xnli", "dev", "de", data_dir=tmp_path, skip_invalid=True)
    assert len(loaded.rows) == 2 and len(loaded.skipped) == 1 and "line 2" in loaded.skipped[0]


def test_malformed_intermediate_task(tmp_path):
    path = tmp_path / "intermediate" / "hellaswag_val.jsonl.gz"
    path.parent.mkdir(parents=True)
    _write(path, [{"ctx": "A man", "endings": ["a", "b", "c"], "label": 0}])
    with pytest.raises(DataError, match="line 1: 'endings' must be a list of 4 strings"):
        load_task("hellaswag", "train", data_dir=tmp_path)


def test_empty_file_is_a_clear_error(tmp_path):
    path = tmp_path / "xnli/dev/de.jsonl.gz"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    with pytest.raises(DataError, match="empty"):
        load_task("xnli", "dev", "de", data_dir=tmp_path)


def test_unknown_choices_are_listed():
    with pytest.raises(UserError, match="choose from: xnli"):
        load_task("xnly", "dev")
    with pytest.raises(UserError, match="no split 'train'.*dev, test"):
        load_task("xnli", "train", "de")
    with pytest.raises(UserError, match="needs a language from: ar, bg"):
        load_task("xnli", "dev", "xx")
    with pytest.raises(UserError, match="unknown language 'klingon'"):
        parse_langs("de,klingon")


def test_xnli_ids_align_across_languages(data_dir):
    en = load_nli("xnli", "dev", "en", data_dir, limit=30)
    zh = load_nli("xnli", "dev", "zh", data_dir, limit=30)
    assert [e.id for e in en] == [z.id for z in zh]
    assert [e.label for e in en] == [z.label for z in zh]
    assert en[0].premise != zh[0].premise and zh[0].lang == "zh"


def test_registry_covers_the_issue_tasks():
    assert set(TASKS) == {"xnli", "mnli", "snli", "anli", "squad", "hellaswag", "cosmosqa", "commonsenseqa", "sst2"}
    assert set(INTERMEDIATE_TASKS) <= set(TASKS)
    assert TASKS["xnli"].langs == XNLI_LANGS and TASKS["mnli"].caveat
