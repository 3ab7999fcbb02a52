"""The user's own NLI data: ``--data PATH`` (JSON Lines, JSON, CSV, TSV; optionally .gz) or
``--data hub:NAME[:CONFIG][:SPLIT]`` (``datasets.load_dataset``), read into :class:`NLIExample` with the user's ids.

Columns ``premise``, ``hypothesis``, ``label`` and optional ``lang``, ``id`` (``--columns premise=sent1,label=gold``
for other names). Labels: XNLI ids 0/1/2 or the names entailment / neutral / contradiction / non-entailment
(``not_entailment``, ``non-entailment`` ...), or any strings through ``--label-map yes=entailment,no=non-entailment``.
A set with a non-entailment label is **two-way** (as HANS): neutral and contradiction fold into non-entailment and
the model is scored with :func:`robustxnli.hans.evaluate.two_way`. A bad row raises an error naming file, line and
field; with ``skip_invalid`` it is counted, reported and skipped.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from ..constants import CONTRADICTION, ENTAILMENT, NEUTRAL, parse_lang_code
from ..errors import DataError, UserError
from ..rundir import file_sha256
from .base import NLIExample, json_object_line, nonempty_text

NON_ENTAILMENT = 1  # two-way sets: 0 entailment, 1 non-entailment (as HANS and `robustxnli hans generate`)
FIELDS = ("premise", "hypothesis", "label", "lang", "id")
_NAMES = {
    "entailment": "entailment", "entailed": "entailment", "entails": "entailment",
    "neutral": "neutral",
    "contradiction": "contradiction", "contradicts": "contradiction", "contradictory": "contradiction",
    "non-entailment": "non-entailment", "not-entailment": "non-entailment", "nonentailment": "non-entailment",
    "non-entailed": "non-entailment", "not-entailed": "non-entailment",
}
THREE_WAY = {"entailment": ENTAILMENT, "neutral": NEUTRAL, "contradiction": CONTRADICTION}
FORMATS = {".jsonl": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "tsv"}


def label_name(value: str) -> str | None:
    """'Not_Entailment' -> 'non-entailment'; None for a string that names no NLI label."""
    return _NAMES.get(re.sub(r"[\s_]+", "-", str(value).strip().lower()))


def parse_mapping(text: str | dict[str, str] | None, option: str) -> dict[str, str]:
    """``"a=b,c=d"`` (or a dict from a sweep YAML) -> ``{"a": "b", "c": "d"}``."""
    if not text:
        return {}
    if isinstance(text, dict):
        return {str(k): str(v) for k, v in text.items()}
    out: dict[str, str] = {}
    for item in str(text).split(","):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise UserError(f"{option} expects KEY=VALUE pairs separated by commas (got {item!r})")
        out[key.strip()] = value.strip()
    return out


@dataclass
class DataSpec:
    """What ``--data`` and its options say (also the ``data:`` mapping of a sweep YAML)."""

    source: str
    columns: dict[str, str] = field(default_factory=dict)  # our field -> the user's column
    label_map: dict[str, str] = field(default_factory=dict)  # the user's label -> our label name
    lang: str | None = None  # language of rows without a lang column
    skip_invalid: bool = False

    @classmethod
    def make(cls, source: str | dict[str, Any] | "DataSpec", columns: Any = None, label_map: Any = None,
             lang: str | None = None, skip_invalid: bool = False) -> "DataSpec":
        if isinstance(source, DataSpec):
            return source
        if isinstance(source, dict):  # sweep YAML: {path: ..., columns: ..., label_map: ..., lang: ...}
            known = {"path", "columns", "label_map", "lang", "skip_invalid", "sha256"}
            if "path" not in source or set(source) - known:
                raise UserError(f"data: give a path (or hub:NAME) and optionally {', '.join(sorted(known - {'path'}))}"
                                f"; got {sorted(source)}")
            return cls.make(str(source["path"]), source.get("columns"), source.get("label_map"), source.get("lang"),
                            bool(source.get("skip_invalid", False)))
        cols = parse_mapping(columns, "--columns")
        unknown = sorted(set(cols) - set(FIELDS))
        if unknown:
            raise UserError(f"--columns: unknown field(s) {', '.join(unknown)}; map {', '.join(FIELDS)} "
                            "to your column names, e.g. premise=sentence1,hypothesis=sentence2,label=gold")
        labels = parse_mapping(label_map, "--label-map")
        for user_label, ours in labels.items():
            if label_name(ours) is None:
                raise UserError(f"--label-map {user_label}={ours}: {ours!r} is not a label; map to entailment, neutral, "
                                "contradiction or non-entailment")
        return cls(str(source), cols, {k: label_name(v) for k, v in labels.items()},
                   parse_lang_code(lang) if lang else None, skip_invalid)

    def as_kwargs(self) -> dict[str, Any]:
        """A JSON-able form for sweep cells and manifests."""
        out: dict[str, Any] = {"path": self.source}
        if self.columns:
            out["columns"] = dict(self.columns)
        if self.label_map:
            out["label_map"] = dict(self.label_map)
        if self.lang:
            out["lang"] = self.lang
        if self.skip_invalid:
            out["skip_invalid"] = True
        return out


@dataclass
class UserData:
    name: str  # file name, or hub:NAME:CONFIG:SPLIT
    source: str
    sha256: dict[str, str]  # {file: sha256}; for the hub {spec: dataset fingerprint}
    examples: list[NLIExample]
    two_way: bool
    skipped: list[str] = field(default_factory=list)
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> other columns (e.g. heuristic, subcase)

    @property
    def labels(self) -> str:
        return "two-way (entailment vs non-entailment)" if self.two_way else "three-way"

    def langs(self) -> list[str]:
        return list(dict.fromkeys(e.lang for e in self.examples))

    def for_lang(self, lang: str, limit: int | None = None) -> list[NLIExample]:
        rows = [e for e in self.examples if e.lang == lang]
        return rows[:limit] if limit is not None else rows

    def describe(self, langs: Iterable[str] | None = None) -> str:
        """One line for the console: what the numbers rest on (``langs``: the languages used, when a selection)."""
        sha = ", ".join(f"{v[:12]}" for v in self.sha256.values())
        how = ("two-way: the model's neutral and contradiction count as non-entailment (as HANS)" if self.two_way
               else "three-way (entailment, neutral, contradiction)")
        skipped = f" ({len(self.skipped)} invalid row(s) skipped)" if self.skipped else ""
        used = list(langs) if langs is not None else self.langs()
        n_used = sum(len(self.for_lang(code)) for code in used)
        selection = f", {n_used} of them in {', '.join(used)}" if n_used != len(self.examples) else ""
        return f"data: {self.name} (sha256 {sha}), {len(self.examples)} pair(s){selection}{skipped}, {how}"

    def manifest_fields(self) -> dict[str, Any]:
        return {"data": {"name": self.name, "source": self.source, "sha256": self.sha256, "labels": self.labels,
                         "n": len(self.examples), "skipped": len(self.skipped)}}


# reading ----------------------------------------------------------------------------------------------------
def _format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    fmt = FORMATS.get(suffixes[-1] if suffixes else "")
    if fmt is None:
        raise UserError(f"{path}: unknown data format; name the file .jsonl, .json, .csv or .tsv (optionally .gz)")
    return fmt


def _text(path: Path) -> str:
    try:
        if path.suffix.lower() == ".gz":
            with gzip.open(path, "rt", encoding="utf-8-sig") as f:
                return f.read()
        return path.read_text(encoding="utf-8-sig")
    except (OSError, EOFError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: unreadable ({err}); expected UTF-8 text (optionally gzip-compressed)") from None


def iter_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, row) for each row: where is "line N" (JSONL, CSV, TSV) or "item N" (a JSON array)."""
    fmt = _format(path)
    text = _text(path)
    if fmt == "json" and not text.lstrip().startswith("["):  # {"data": [...]}, or JSON Lines named .json
        try:
            doc = json.loads(text)
            fmt = "json" if isinstance(doc, dict) and isinstance(doc.get("data"), list) else "jsonl"
        except json.JSONDecodeError:
            fmt = "jsonl"
    if fmt == "jsonl":
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            yield f"line {lineno}", json_object_line(line, path, lineno)
    elif fmt == "json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as err:
            raise DataError(f"{path}, line {err.lineno}: malformed JSON ({err.msg})") from None
        items = doc.get("data") if isinstance(doc, dict) else doc
        if not isinstance(items, list):
            raise DataError(f"{path}: expected a JSON array of objects (or {{\"data\": [...]}})")
        for i, row in enumerate(items, 1):
            if not isinstance(row, dict):
                raise DataError(f"{path}, item {i}: expected a JSON object, got {type(row).__name__}")
            yield f"item {i}", row
    else:
        reader = csv.DictReader(io.StringIO(text), delimiter="\t" if fmt == "tsv" else ",")
        if not reader.fieldnames:
            raise DataError(f"{path}: no header line; the first line names the columns")
        for row in reader:
            if None in row:  # more cells than header columns
                raise DataError(f"{path}, line {reader.line_num}: {len(row) - 1 + len(row[None])} cells, the header "
                                f"has {len(reader.fieldnames)}")
            yield f"line {reader.line_num}", dict(row)


class _Labels:
    """Resolves raw labels; remembers whether the set is two-way."""

    def __init__(self, label_map: dict[str, str], force_two_way: bool, class_names: list[str] | None = None):
        self.map, self.force, self.class_names = label_map, force_two_way, class_names

    def name(self, raw: Any) -> str | None:
        if raw is None or isinstance(raw, bool):
            return None
        key = str(raw).strip()
        if key in self.map:
            return self.map[key]
        if self.class_names is not None and isinstance(raw, int) and 0 <= raw < len(self.class_names):
            return label_name(self.class_names[raw])
        if re.fullmatch(r"-?\d+(\.0)?", key):
            i = int(float(key))
            if self.force:  # HANS convention: 0 entailment, anything else non-entailment
                return "entailment" if i == 0 else "non-entailment" if i in (1, 2) else None
            return {0: "entailment", 1: "neutral", 2: "contradiction"}.get(i)
        return label_name(key)


def _problem(row: dict[str, Any], labels: _Labels, columns: dict[str, str]) -> tuple[str | None, str | None]:
    """(problem, label name) for one row renamed to our field names; problems name the user's column."""
    def col(name: str) -> str:
        return f"{columns[name]!r} ({name})" if name in columns else repr(name)

    problem = nonempty_text(row, "premise", "hypothesis")  # "missing field 'x'" | "empty x"
    if problem:
        name = problem.split("'")[1] if problem.startswith("missing") else problem.split()[-1]
        return (f"missing field {col(name)}" if problem.startswith("missing") else f"field {col(name)} is empty"
                ), None
    if row.get("label") in (None, ""):
        return f"missing field {col('label')}", None
    name = labels.name(row["label"])
    if name is None:
        known = ", ".join(sorted(set(_NAMES) | {"0", "1", "2"}))
        return (f"field {col('label')}: {row['label']!r} is not an NLI label (known: {known}); map yours with "
                "--label-map VALUE=entailment,..."), None
    return None, name


def _rename(row: dict[str, Any], columns: dict[str, str]) -> dict[str, Any]:
    out = dict(row)
    for ours, theirs in columns.items():
        out[ours] = row.get(theirs)
    return out


def _hub_rows(source: str) -> tuple[str, list[tuple[str, dict[str, Any]]], dict[str, str], list[str] | None]:
    from ..offline import hub_reachable

    parts = source[len("hub:"):].split(":")
    if not parts[0] or len(parts) > 3:
        raise UserError(f"--data {source}: expected hub:NAME[:CONFIG][:SPLIT], e.g. hub:nyu-mll/glue:rte:validation")
    name, config, split = parts[0], (parts[1] if len(parts) > 1 and parts[1] else None), \
        (parts[2] if len(parts) > 2 and parts[2] else "validation")
    if not hub_reachable():
        raise UserError(f"--data {source}: the Hugging Face hub is unreachable (offline); download the set where it "
                        "is reachable and pass the file with --data PATH")
    import datasets

    try:
        ds = datasets.load_dataset(name, config, split=split)
    except Exception as err:  # datasets raises many types for a missing name, config or split
        raise UserError(f"--data {source}: datasets.load_dataset failed: {str(err).splitlines()[0][:300]}") from None
    feature = ds.features.get("label")
    class_names = list(feature.names) if hasattr(feature, "names") else None
    spec = f"hub:{name}:{config or ''}:{split}"
    return spec, [(f"row {i}", dict(r)) for i, r in enumerate(ds)], {spec: str(ds._fingerprint)}, class_names


def load_user_data(spec: str | dict[str, Any] | DataSpec, *, two_way: bool = False, columns: Any = None,
                   label_map: Any = None, lang: str | None = None, skip_invalid: bool = False) -> UserData:
    """Read and validate the user's NLI set (``two_way`` forces HANS-style labels: 0 entailment, 1/2 not)."""
    spec = DataSpec.make(spec, columns, label_map, lang, skip_invalid)
    if spec.source.startswith("hub:"):
        name, raw_rows, hashes, class_names = _hub_rows(spec.source)
        where_prefix = spec.source
    else:
        path = Path(spec.source).expanduser()
        if not path.is_file():
            raise UserError(f"--data {spec.source}: no such file; give a .jsonl, .json, .csv or .tsv file, or "
                            "hub:NAME[:CONFIG][:SPLIT]")
        name, hashes, class_names, where_prefix = path.name, {str(path): file_sha256(path)}, None, str(path)
        raw_rows = iter_rows(path)
    labels = _Labels(spec.label_map, two_way, class_names)
    default_lang = spec.lang or "en"
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", name.split(":")[-1] if spec.source.startswith("hub:") else
                  name.split(".")[0])
    parsed: list[tuple[str, dict[str, Any], str]] = []
    skipped: list[str] = []
    assumed = 0  # rows that took the default language because they have no 'lang' field and no --lang was given
    seen: dict[str, str] = {}
    for i, (where, raw) in enumerate(raw_rows):
        row = _rename(raw, spec.columns)
        problem, label = _problem(row, labels, spec.columns)
        if problem is None:
            try:
                row_lang = parse_lang_code(row["lang"], "field 'lang'") if row.get("lang") not in (None, "") \
                    else default_lang
                assumed += row.get("lang") in (None, "") and spec.lang is None
            except UserError as err:
                problem = str(err)
        if problem is None:
            ex_id = str(row["id"]) if row.get("id") not in (None, "") else f"{stem}-{i:06d}"
            if ex_id in seen:
                problem = f"field 'id': {ex_id!r} repeats the id of {seen[ex_id]}; ids must be unique"
            else:
                seen[ex_id] = where
        if problem is not None:
            message = f"{where_prefix}, {where}: {problem}"
            if not spec.skip_invalid:
                raise DataError(message + " (fix the row, or pass --skip-invalid to count and skip such rows)")
            skipped.append(message)
            continue
        row["lang"] = row_lang
        parsed.append((ex_id, row, label))
    if not parsed:
        raise DataError(f"{where_prefix}: no valid rows" + (f" ({len(skipped)} skipped; first: {skipped[0]})"
                                                           if skipped else ""))
    if assumed:  # language-specific recipes would otherwise attack, say, German text with English lexicons
        print(f"note: {where_prefix}: {assumed} row(s) have no 'lang' field and no --lang was given: treated as "
              "English (en); pass --lang CODE (or add a 'lang' column) if they are not", file=sys.stderr)
    is_two_way = two_way or any(label == "non-entailment" for _, _, label in parsed)
    examples, extra = [], {}
    for ex_id, row, label in parsed:
        y = (ENTAILMENT if label == "entailment" else NON_ENTAILMENT) if is_two_way else THREE_WAY[label]
        examples.append(NLIExample(ex_id, str(row["premise"]), str(row["hypothesis"]), y, row["lang"]))
        rest = {k: v for k, v in row.items() if k not in FIELDS and k not in spec.columns.values()}
        if rest:
            extra[ex_id] = rest
    if skipped:
        print(f"robustxnli: skipped {len(skipped)} invalid row(s) of {name}; first: {skipped[0]}", file=sys.stderr)
    return UserData(name, spec.source, hashes, examples, is_two_way, skipped, extra)


def select_langs(data: UserData, requested: list[str] | str | None) -> list[str]:
    """The data's languages, or those of ``requested`` ('all' or codes) that the data has."""
    items = [requested] if isinstance(requested, str) else list(requested or [])
    codes = [parse_lang_code(c) for item in items for c in str(item).split(",") if c.strip() and c.strip() != "all"]
    have = data.langs()
    if not codes:
        return have
    missing = [c for c in codes if c not in have]
    if missing:
        raise UserError(f"{data.name} has no rows in {', '.join(missing)}; its languages: {', '.join(have)}")
    return codes


def from_cli(data: str | None, columns: str | None, label_map: str | None, langs: Sequence[str] | None,
             skip_invalid: bool, two_way: bool = False) -> UserData | None:
    """The ``--data`` options of evaluate / attack / hans -> the loaded set (None without ``--data``).
    A single ``--lang CODE`` names the language of rows that have no ``lang`` column."""
    if not data:
        if columns or label_map or skip_invalid:
            raise UserError("--columns, --label-map and --skip-invalid apply to --data; add --data PATH")
        return None
    codes = [c for item in langs or [] for c in str(item).split(",") if c.strip() and c.strip() != "all"]
    return load_user_data(data, two_way=two_way, columns=columns, label_map=label_map,
                          lang=codes[0] if len(codes) == 1 else None, skip_invalid=skip_invalid)
