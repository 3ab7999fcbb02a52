"""The ``--data`` family of command-line options (your own NLI set), declared once for every command that reads a
dataset (``evaluate``, ``attack``, ``hans``); the reader itself is :mod:`robustxnli.data.user`."""

from __future__ import annotations

from typing import Any

import typer

DATA_HELP = ("Your own NLI set instead of XNLI: a .jsonl/.json/.csv/.tsv file (premise, hypothesis, label; optional "
             "lang, id) or hub:NAME[:CONFIG][:SPLIT].")


def data(help: str = DATA_HELP) -> Any:
    return typer.Option(None, help=help)


def columns() -> Any:
    return typer.Option(None, help="With --data: your column names, e.g. "
                                   "premise=sentence1,hypothesis=sentence2,label=gold.")


def label_map(example: str) -> Any:
    return typer.Option(None, help=f"With --data: your labels, e.g. {example}.")


def skip_invalid() -> Any:
    return typer.Option(False, "--skip-invalid",
                        help="With --data: count, report and skip bad rows instead of stopping at the first.")
