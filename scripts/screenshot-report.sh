#!/usr/bin/env bash
# Screenshot a kendall report in headless Chromium: scripts/screenshot-report.sh REPORT.html OUT.png
# Installs nothing: needs `chromium` (or chromium-browser) on PATH; on Debian/Ubuntu
# `apt-get install -y chromium` provides it. Exits 3 when no browser is found.
set -euo pipefail
html=${1:?usage: $0 REPORT.html OUT.png}
out=${2:?usage: $0 REPORT.html OUT.png}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "no chromium on PATH (apt-get install -y chromium)" >&2
    exit 3
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
abs=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --screenshot="$out" --window-size=1280,2400 \
    "file://$abs" >/dev/null 2>&1
test -s "$out"
echo "$out"
