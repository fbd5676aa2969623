#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# monitoring_check.sh RACEBED: the monitoring files against what the core really exports. promtool (Debian's
# prometheus package, installed by `make deps`) lints real metrics output of a simulated run (`run --metrics`),
# checks the alert rules and runs their unit tests (each alert fires at its threshold, not below); then every metric
# name the rules and the Grafana dashboard's queries use must be one the output carries (a counter's name, or a
# histogram's _bucket, _sum or _count), and the dashboard must be JSON whose every panel queries Prometheus.
# Exit 0 when all hold.
set -u
rb=${1:?usage: monitoring_check.sh RACEBED}
cd "$(dirname "$0")/.."
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "monitoring: $*" >&2; exit 1; }
command -v promtool >/dev/null || fail "promtool not found: install Debian's prometheus package (sudo make deps)"
command -v python3 >/dev/null || fail "python3 not found (sudo make deps)"

"$rb" run per_key_timeout --budget-execs 200 --metrics "$T/m.prom" --quiet >/dev/null ||
    fail "racebed run per_key_timeout --metrics failed"
promtool check metrics <"$T/m.prom" >"$T/lint" 2>&1 || { cat "$T/lint"; fail "promtool check metrics rejects the output"; }
[ -s "$T/lint" ] && { cat "$T/lint"; fail "promtool check metrics has remarks on the output"; }
grep -q '^racebed_lock_acquires_total{kind="memory",result="acquired"} [1-9]' "$T/m.prom" ||
    fail "the run's metrics lack the memory lock's acquires"
promtool check rules monitoring/prometheus/alerts.yml >"$T/rules" 2>&1 || { cat "$T/rules"; fail "check rules"; }
(cd monitoring/prometheus && promtool test rules alerts_test.yml) >"$T/tests" 2>&1 || { cat "$T/tests"; fail "test rules"; }

python3 - "$T/m.prom" monitoring/prometheus/alerts.yml monitoring/grafana/lock-contention-dashboard.json <<'PY' || exit 1
import json, re, sys
prom, rules, dash = sys.argv[1:4]
exported = set()
for line in open(prom):
    m = re.match(r"# TYPE (\S+) (\S+)", line)
    if m:
        exported |= {m[1] + s for s in ("_bucket", "_sum", "_count")} if m[2] == "histogram" else {m[1]}
bad = []
def check(where, text):
    names = set(re.findall(r"\bracebed_[a-z0-9_]+", text))
    bad.extend("%s uses %s, which the core does not export" % (where, n) for n in sorted(names - exported))
    return names
used = check("alerts.yml", open(rules).read())
d = json.load(open(dash))
panels = d.get("panels") or []
if len(panels) < 8:
    bad.append("the dashboard has %d panels, want the source case's 8" % len(panels))
for p in panels:
    targets = p.get("targets") or []
    if not p.get("title") or not targets:
        bad.append("panel %s has no title or no query" % p.get("id"))
    for t in targets:
        if not t.get("expr") or (t.get("datasource") or {}).get("type") != "prometheus":
            bad.append("panel %r: a query without an expression or not on Prometheus" % p.get("title"))
        used |= check("panel %r" % p.get("title"), t.get("expr", ""))
used |= check("dashboard variables", json.dumps(d.get("templating", {})))
if bad:
    print("\n".join("monitoring: " + b for b in bad), file=sys.stderr)
    sys.exit(1)
print("monitoring: metrics lint clean; 7 rules and their tests pass; %d panels; %d metric names used, all exported"
      % (len(panels), len(used)))
PY
