#!/usr/bin/env bash
# The HTML reports as a reader sees them: a sweep's and a set of single runs' pages are rendered by
# headless Chromium; the page's own check (svasim-check: every plot has a curve or a point inside its
# frame) is read back from the rendered DOM, and a full-page screenshot must have the size asked for and
# not be blank. Chromium is installed here (scripts/setup --deps-only), not by the main setup: only this
# test needs it. Exit 77 (ctest: skipped) with the reason when it cannot be installed.
# Usage: html_in_chromium.sh SVASIM SOURCE_DIR
set -euo pipefail
svasim=$1
src=$2
py=/usr/bin/python3

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ] || [ ! -x "$py" ]; then
  if ! "$src/scripts/setup" --deps-only chromium python3-minimal > /tmp/svasim-chromium-setup.$$ 2>&1; then
    echo "SKIPPED: headless Chromium could not be installed (scripts/setup --deps-only chromium):"
    tail -5 /tmp/svasim-chromium-setup.$$
    rm -f /tmp/svasim-chromium-setup.$$
    exit 77
  fi
  rm -f /tmp/svasim-chromium-setup.$$
  browser=$(command -v chromium || command -v chromium-browser || true)
  [ -n "$browser" ] || { echo "SKIPPED: chromium installed but not on PATH"; exit 77; }
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp  # Chromium writes its profile under $HOME

# A sweep: two profiles over devices 1, 2, 4, 8, two replications (error bars), short runs.
sed 's/"duration_us": 2000/"duration_us": 400/' "$src/scenarios/sweep-base-1iommu.json" > "$tmp/base.json"
cat > "$tmp/spec.json" <<JSON
{"base": "base.json", "replications": 2,
 "axes": [{"path": "profile", "values": ["linux-6.9-vtd", "linux-6.12-vtd"]},
          {"path": "topology.generate.devices_per_iommu", "values": [1, 2, 4, 8]}]}
JSON
"$svasim" sweep "$tmp/spec.json" -o "$tmp/sweep" -j 2 > /dev/null 2>&1
"$svasim" report "$tmp/sweep" --html "$tmp/sweep.html" > /dev/null
# Single runs, as svasim run --profile A,B -o DIR writes them.
"$svasim" run "$src/scenarios/seed-4dev-1iommu.json" --set duration_us=2000 --profile linux-6.9-vtd,linux-6.12-vtd \
  -o "$tmp/runs" -q
"$svasim" report "$tmp/runs" --html "$tmp/runs.html" > /dev/null

chrome() {
  timeout 180 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
    --user-data-dir="$tmp/profile" "$@" 2> "$tmp/chromium.log"
}

status=0
check_page() {  # PAGE MIN_PLOTS
  local page=$1 min=$2 line plots drawn
  line=$(chrome --virtual-time-budget=5000 --dump-dom "file://$page" | grep -o 'plots [0-9]* drawn [0-9]*' || true)
  if [ -z "$line" ]; then
    echo "FAIL: $page: the page's check did not run in Chromium"; tail -5 "$tmp/chromium.log"; status=1; return
  fi
  read -r _ plots _ drawn <<< "$line"
  echo "$(basename "$page"): $line"
  if [ "$plots" -lt "$min" ] || [ "$drawn" -ne "$plots" ]; then
    echo "FAIL: $page: $plots plots (at least $min expected), $drawn with data drawn inside their frame"; status=1
  fi
  chrome --window-size=1280,2400 --screenshot="$page.png" "file://$page" > /dev/null
  "$py" - "$page.png" 1280 2400 <<'PY' || status=1
import struct, sys, zlib
path, want_w, want_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = open(path, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, colour = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
channels = {2: 3, 6: 4, 0: 1, 4: 2}[colour]
raw = zlib.decompress(idat)
ok = (w, h) == (want_w, want_h) and depth == 8 and len(raw) == h * (1 + w * channels)
# Unfilter enough to count the colours of the first 1,200 rows: a blank page has one, plots have many.
prev, colours, stride = bytearray(w * channels), set(), w * channels
for row in range(min(h, 1200)):
    f = raw[row * (stride + 1)]
    line = bytearray(raw[row * (stride + 1) + 1:(row + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - channels] if i >= channels else 0
        b, c = prev[i], (prev[i - channels] if i >= channels else 0)
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    colours.update(bytes(line[i:i + 3]) for i in range(0, stride, channels * 7))
    prev = line
print(f"{path.rsplit('/', 1)[-1]}: {w}x{h}, {len(colours)} colours")
if not ok or len(colours) < 8:
    print(f"FAIL: {path}: expected a {want_w}x{want_h} 8-bit screenshot with content")
    sys.exit(1)
PY
}
check_page "$tmp/sweep.html" 5
check_page "$tmp/runs.html" 2
exit $status
