#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# test_report_browser.sh RACEBED: the timeline pages (`racebed report`) in a real browser. For corpus schedules of
# each kind (a mutex race with two holders, a reader-writer lock's shared leases, a fair lock's scripted leases and
# its waiting queue, a store restart, a lost reply, a crash, a pause, a wall-clock step), it writes the page, checks
# it is self-contained (no network address, no external asset), loads it in headless Chromium, and asserts from the
# dumped DOM that the page's script drew it (body data-ok="1", no data-error), that the lanes, lease bars, markers and
# the violation are there, and takes a screenshot. A page with a planted script error must be caught, so the check
# can fail.
# Needs Debian's chromium (make deps installs it).
set -u
rb=${1:-./racebed}
out=${BROWSER_OUT:-build/browser}
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "browser: chromium not found: install it with 'sudo make deps' (Debian package chromium)" >&2
    exit 1
fi
rm -rf "$out"
mkdir -p "$out"
profile=$(mktemp -d "${TMPDIR:-/tmp}/racebed-chromium.XXXXXX")
trap 'rm -rf "$profile"' EXIT
chrome() { # chrome ARGS... : one headless run, its own profile, bounded in time
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
        --user-data-dir="$profile" --window-size=1600,1000 "$@" 2>/dev/null
}
attr() { # attr FILE NAME: the value of body's attribute NAME in a dumped DOM
    grep -o "<body[^>]*>" "$1" | head -1 | grep -o " $2=\"[^\"]*\"" | sed 's/.*="\(.*\)"/\1/'
}

# schedule, then what its page must show: "lanes>=N leases>=N kinds=k1,k2 holders=h1,h2 violation=0|1"
cases=(
    "stale-token-plain-del lanes>=5 leases>=2 kinds= violation=1"
    "rw-memory-reader-pins lanes>=5 leases>=1 kinds=crash violation=1 shared=1"
    "fair-queue-barging lanes>=6 leases>=4 kinds=crash,advance violation=1 queued=1"
    "core-fault-restart-lose-last lanes>=4 leases>=1 kinds=restart violation=0"
    "core-fault-reply-lost lanes>=4 leases>=1 kinds=fault violation=0"
    "core-fault-crash lanes>=4 leases>=1 kinds=crash violation=0"
    "core-fault-pause lanes>=4 leases>=1 kinds=pause violation=0"
    "core-fault-wall-step lanes>=4 leases>=1 kinds=wall violation=0"
)
for c in "${cases[@]}"; do
    read -r name lanes leases kinds violation extra <<<"$c"
    sched=schedules/$name.sched
    page=$out/$name.html
    if ! "$rb" report "$sched" -o "$page" >/dev/null; then
        bad "$name: racebed report failed"
        continue
    fi
    if grep -Eq '(src|href)="(https?:)?//|https?://' "$page"; then
        bad "$name: the page names a network address"
    else
        ok "$name: self-contained"
    fi
    dom=$out/$name.dom.html
    chrome --dump-dom "file://$PWD/$page" >"$dom"
    [ "$(attr "$dom" data-ok)" = 1 ] && [ -z "$(attr "$dom" data-error)" ] &&
        ok "$name: drawn (data-ok=1, no script error)" || bad "$name: not drawn: data-ok='$(attr "$dom" data-ok)' data-error='$(attr "$dom" data-error)'"
    n=$(attr "$dom" data-lanes)
    [ "${n:-0}" -ge "${lanes#lanes>=}" ] && ok "$name: $n lanes" || bad "$name: $n lanes, want $lanes"
    n=$(attr "$dom" data-leases)
    [ "${n:-0}" -ge "${leases#leases>=}" ] && ok "$name: $n lease bars" || bad "$name: $n lease bars, want $leases"
    for k in $(echo "${kinds#kinds=}" | tr ',' ' '); do
        grep -q "class=\"mark $k\" data-kind=\"$k\"" "$dom" && ok "$name: a $k marker" || bad "$name: no $k marker"
    done
    if [ "${violation#violation=}" = 1 ]; then
        grep -q 'id="violation"' "$dom" && grep -q 'class="verdict VIOLATION"' "$dom" && grep -q 'class="op [a-z]* violating"' "$dom" &&
            ok "$name: the violating step is highlighted" || bad "$name: no highlighted violation"
    else
        ! grep -q 'id="violation"' "$dom" && ok "$name: no violation drawn" || bad "$name: a violation drawn on a passing run"
    fi
    case ${extra:-} in
        shared=1) grep -q 'class="lease shared' "$dom" && ok "$name: a shared lease bar" || bad "$name: no shared lease bar" ;;
        queued=1) grep -q 'class="lease queued" data-key="[^"]*:q" data-holder="c1"' "$dom" &&
            ok "$name: c1 waiting in the queue" || bad "$name: no waiter drawn in the queue" ;;
    esac
    # every op step of the schedule has a row linked to its line
    steps=$(grep -c '^run \|^fault ' "$sched")
    rows=$(grep -o '<tr id="s[0-9]*"' "$dom" | wc -l)
    [ "$rows" -ge "$steps" ] && ok "$name: $rows step rows" || bad "$name: $rows step rows for $steps op lines"
done

# one screenshot a reader can look at
shot=$out/stale-token-plain-del.png
chrome --screenshot="$PWD/$shot" "file://$PWD/$out/stale-token-plain-del.html" >/dev/null
if [ -s "$shot" ] && [ "$(head -c 4 "$shot" | od -An -c | tr -d ' ')" = "211PNG" ] && [ "$(wc -c <"$shot")" -gt 20000 ]; then
    ok "screenshot $shot ($(wc -c <"$shot") bytes)"
else
    bad "no screenshot at $shot"
fi

# the check can fail: a page whose script throws must be caught
planted=$out/planted-error.html
sed 's|</body>|<script>racebed_planted_missing_function();</script></body>|' "$out/core-fault-crash.html" >"$planted"
chrome --dump-dom "file://$PWD/$planted" >"$out/planted-error.dom.html"
[ -n "$(attr "$out/planted-error.dom.html" data-error)" ] && ok "a planted script error is caught" ||
    bad "a planted script error went unnoticed"

echo "browser: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
