"""Shared schema for multiple-choice tasks: each row becomes (context, question, choices, label)."""

from typing import Any, Callable

from .base import label_in_range


def mc_validator(context_field: str | None, question_field: str | None, choices_field: str, n: int
                 ) -> Callable[[dict[str, Any]], str | None]:
    def validate(row: dict[str, Any]) -> str | None:
        for name in (context_field, question_field):
            if name and (not isinstance(row.get(name), str) or not row[name].strip()):
                return f"missing or empty {name!r}"
        choices = row.get(choices_field)
        if not isinstance(choices, list) or len(choices) != n or not all(isinstance(c, str) for c in choices):
            return f"{choices_field!r} must be a list of {n} strings"
        return label_in_range(row, n)

    return validate
