#!/usr/bin/env bash
# Render a report.html to PNG with headless Chromium (apt-get install -y chromium fonts-noto-cjk: without a CJK
# font, Chinese and Japanese text renders as empty boxes).
# usage: scripts/render_report.sh reports/NAME/report.html reports/NAME/report.png [WIDTH HEIGHT]
set -euo pipefail
exec python -m robustxnli.report.screenshot "$@"
