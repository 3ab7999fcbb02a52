"""Project-wide conventions: languages and NLI label ids."""

XNLI_LANGS: tuple[str, ...] = ("ar", "bg", "de", "el", "en", "es", "fr", "hi", "ru", "sw", "th", "tr", "ur", "vi", "zh")
LANG_NAMES: dict[str, str] = {
    "ar": "Arabic", "bg": "Bulgarian", "de": "German", "el": "Greek", "en": "English", "es": "Spanish",
    "fr": "French", "hi": "Hindi", "ru": "Russian", "sw": "Swahili", "th": "Thai", "tr": "Turkish",
    "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
}
# XNLI / Hugging Face ids. Everything inside robustxnli uses these; checkpoints are remapped by name at the edge.
NLI_LABELS: tuple[str, ...] = ("entailment", "neutral", "contradiction")
ENTAILMENT, NEUTRAL, CONTRADICTION = 0, 1, 2

# Stated wherever numbers trained on the offline stand-in are shown.
MNLI_STANDIN_CAVEAT = (
    "Offline, MNLI train is unavailable: MNLI dev matched+mismatched (19,647 pairs, single-annotator labels, "
    "~10% differ from gold) stand in for the English target-task training set."
)


def parse_langs(value: str | list[str] | tuple[str, ...]) -> list[str]:
    """'all' | 'de' | 'de,ru' | ['de', 'ru'] -> validated list of XNLI language codes."""
    from .errors import UserError

    items = [value] if isinstance(value, str) else list(value)
    langs: list[str] = []
    for item in items:
        for code in str(item).split(","):
            code = code.strip().lower()
            if not code:
                continue
            if code == "all":
                langs.extend(XNLI_LANGS)
            elif code in XNLI_LANGS:
                langs.append(code)
            else:
                raise UserError(f"unknown language {code!r} for XNLI; choose from: all, {', '.join(XNLI_LANGS)} "
                                "(any ISO 639 code works for your own set with --data)")
    if not langs:
        raise UserError(f"no language given; choose from: all, {', '.join(XNLI_LANGS)}")
    return list(dict.fromkeys(langs))


def parse_lang_code(code: str, where: str = "--lang") -> str:
    """Any ISO 639-1 / 639-3 code (``de``, ``quy``), optionally with BCP-47 subtags (``zh-hant``), for the user's
    own data; not limited to the 15 XNLI languages. Returns it lower-cased."""
    import re

    from .errors import UserError

    value = str(code).strip().lower().replace("_", "-")
    if not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})*", value):
        raise UserError(f"{where}: {code!r} is not a language code; give an ISO 639-1 or 639-3 code such as de, "
                        "sw or quy")
    return value


def lang_name(code: str) -> str:
    """'de' -> 'German'; a code without a name here (any ISO 639 code of the user's data) is shown as itself."""
    return LANG_NAMES.get(code, code)


def parse_covered_langs(value: str | list[str] | tuple[str, ...], have: list[str], what: str) -> list[str]:
    """'de' | 'de,ru' | a list | 'all-covered' (or 'all') -> codes among ``have``, the languages with a data file
    for ``what`` (e.g. "HANS-style data"); anything else is a UserError listing what is covered."""
    from .errors import UserError

    items = [value] if isinstance(value, str) else list(value)
    out: list[str] = []
    for item in items:
        for code in str(item).split(","):
            code = code.strip().lower()
            if code in ("all", "all-covered"):
                out.extend(have)
            elif code in have:
                out.append(code)
            elif code:
                raise UserError(f"no {what} for {code!r}; covered: all-covered, {', '.join(have)}")
    if not out:
        raise UserError(f"no language given; covered: all-covered, {', '.join(have)}")
    return list(dict.fromkeys(out))
