"""Constraint descriptions that more than one recipe states in `recipes list` and its run manifest (a module
starting with ``_``: recipe discovery skips it). Only the language files are read, so listing recipes does not
import textattack."""

from __future__ import annotations


def parallel_sense_text() -> str:
    """The ParallelSense check as ``recipes list`` states it, with the languages whose file switches it on."""
    from robustxnli.attacks.validity import languages_with_files, rules

    on = ", ".join(f"{lang} {rules(lang).parallel_sense:g}" for lang in languages_with_files()
                   if rules(lang).parallel_sense is not None)
    return (f"; ParallelSense ({on or 'no language yet'}; attacks/languages/*.yaml parallel_sense), instead of "
            "SharedTranslation where the pairs have human translations: of the XNLI translations of the sentence "
            "that translate the word, at least that share (two where two or more do) also translate the candidate "
            "(-o parallel=auto|true|false)")
