#!/usr/bin/env python3
"""Fail when an install input names a path of some machine: a ``file://`` URL or an absolute path.

Install inputs: constraints*.txt, requirements*.txt, pyproject.toml, Makefile, .ci/*. A lock that pins
``NAME @ file:///tmp/...`` installs only where it was frozen; pin ``NAME==VERSION`` instead.

    python3 scripts/check_install_inputs.py [ROOT]     # exit 1 and print each offending line, else exit 0
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PATTERNS = ("constraints*.txt", "requirements*.txt", "requirements*.in", "pyproject.toml", "Makefile", ".ci/*")
# file:// URLs; absolute paths under the usual roots of a machine (/home, /root, /tmp, /work, /Users, C:\ ...),
# but not shell constructs like /dev/null or the interpreter line.
FILE_URL = re.compile(r"file://[^\s'\"]", re.IGNORECASE)  # a URL, not the words "file:// URL"
ABS_PATH = re.compile(r"(?<![\w.$})/])(?:/(?:home|root|tmp|work|Users|mnt|opt|srv|var|scratch|data)/[^\s'\"]*"
                      r"|[A-Za-z]:\\[^\s'\"]+)")


def install_inputs(root: Path) -> list[Path]:
    return sorted({p for pattern in PATTERNS for p in root.glob(pattern) if p.is_file()})


def problems(root: Path) -> list[str]:
    out = []
    for path in install_inputs(root):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for lineno, line in enumerate(lines, 1):
            what = "file:// URL" if FILE_URL.search(line) else "absolute path" if ABS_PATH.search(line) else None
            if what:
                out.append(f"{path.relative_to(root)}:{lineno}: {what} of one machine: {line.strip()}")
    return out


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else Path(__file__).resolve().parents[1])
    found = problems(root)
    for line in found:
        print(line, file=sys.stderr)
    if found:
        print(f"install inputs name paths that exist only on one machine ({len(found)} line(s)); pin by version "
              "(NAME==X.Y) and use relative paths", file=sys.stderr)
        return 1
    print(f"install inputs: {len(install_inputs(root))} files, no file:// URL or machine path")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
