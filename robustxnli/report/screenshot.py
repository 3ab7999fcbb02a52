"""Render report.html to a PNG with headless Chromium, to look at the report as a reader sees it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..errors import UserError

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if path := shutil.which(name):
            return path
    return None


def render_png(html: str | Path, png: str | Path, width: int = 1280, height: int = 2000, timeout: int = 120) -> Path:
    """Screenshot ``html`` (a file) into ``png`` at ``width`` x ``height`` pixels."""
    exe = find_chromium()
    if exe is None:
        raise UserError("chromium not found; install it (e.g. apt-get install -y chromium) to render the report")
    html, png = Path(html).resolve(), Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    cmd = [exe, *CHROMIUM_FLAGS, f"--screenshot={png}", f"--window-size={width},{height}", html.as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if not png.exists():
        raise UserError(f"chromium did not write {png} (exit {proc.returncode}): {proc.stderr[-500:]}")
    return png


if __name__ == "__main__":
    import sys

    if len(sys.argv) < 3:
        sys.exit("usage: python -m robustxnli.report.screenshot REPORT.html OUT.png [WIDTH HEIGHT]")
    size = [int(x) for x in sys.argv[3:5]] or [1280, 2000]
    print(render_png(sys.argv[1], sys.argv[2], *size))
