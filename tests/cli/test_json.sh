#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# test_json.sh RACEBED: the machine-readable reports. `--json` of run (random, exhaustive: PROVED and INCOMPLETE),
# sweep, replay (a match and a divergence), check and merge writes exactly one JSON document on stdout, valid against
# reports/schema/racebed-result.schema.json (python3-jsonschema, the system python), with the text's verdict words
# and the text's exit codes; `check --junit FILE` writes JUnit XML whose counts and failure match the schedules (one
# deliberately broken, one unreadable), and an unwritable FILE is an error (exit 4); tools/nightly.sh's junit.xml
# has a testcase per job and the failing job's output tail (a stand-in racebed). Each check prints FAIL when it
# fails; exit 1 if any did.
set -u
rb=${1:-./racebed}
py=/usr/bin/python3
schema=$(dirname "$0")/../../reports/schema/racebed-result.schema.json
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
"$py" -c 'import jsonschema' 2>/dev/null || { echo "json: python3-jsonschema missing (sudo make deps)" >&2; exit 1; }

# jrun NAME WANT_RC CMD...: runs CMD with stdout in $T/NAME.json (kept for the schema check) and stderr in
# $T/NAME.err; compares the exit code, and the document's exit_code with it.
jrun() {
    local name=$1 want=$2; shift 2
    "$@" >"$T/$name.json" 2>"$T/$name.err"; local rc=$?
    [ "$rc" = "$want" ] && ok || { bad "$name: exit $rc, want $want"; head -n 5 "$T/$name.err"; }
    jis "$name" 'd["exit_code"]' "$want"
}
# jis NAME EXPR WANT: the Python expression EXPR over the document d of NAME prints WANT.
jis() {
    local got
    got=$("$py" -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(json.dumps(v) if isinstance(v, (bool, dict, list)) or v is None else v)' "$T/$1.json" "$2" 2>&1)
    [ "$got" = "$3" ] && ok || bad "$1: $2 is '$got', want '$3'"
}

# ---- run, sweep ------------------------------------------------------------------------------------------------
jrun mutant 1 "$rb" run stale_token --variant mutant:plain_del --budget-execs 2000 --out "$T/o" --json
jis mutant 'd["verdict"]' VIOLATION
jis mutant 'd["violation"]["oracle"]' no_foreign_delete
jis mutant 'd["variant"]' mutant:plain_del
jis mutant 'd["strategy"]' random
jis mutant 'd["schedule"]["path"].startswith("'"$T/o/"'")' true
jis mutant '__import__("os").path.isfile(d["schedule"]["path"])' true
jis mutant 'd["schedule"]["timeline"] == d["schedule"]["path"][:-6] + ".html"' true
jis mutant '"id=\"violation\"" in open(d["schedule"]["timeline"]).read()' true
"$rb" run stale_token --variant mutant:plain_del --budget-execs 2000 --out "$T/o2" >"$T/mutant.txt" 2>&1
grep -q '^VIOLATION no_foreign_delete at execution 0 (seed 1), step ' "$T/mutant.txt" && ok || bad "the text names the same violation"
step=$(sed -n 's/^VIOLATION no_foreign_delete at execution 0 (seed 1), step \([0-9]*\):.*/\1/p' "$T/mutant.txt")
jis mutant 'd["violation"]["step"]' "$step"

jrun core 0 "$rb" run stale_token --budget-execs 300 --out "$T/o" --json --quiet
jis core 'd["verdict"]' PASS
jis core 'd["executions"]' 300
jis core '"schedule" in d or "violation" in d' false
jis core 'sorted(d["probes"]["reached"]) == sorted(set(d["probes"]["reached"]))' true

jrun probes 1 "$rb" run stale_token --budget-execs 20 --require-probes ttl_expired_in_cs --json
jis probes 'd["verdict"]' PASS
jis probes 'd["probes"]["not_reached"]' '["ttl_expired_in_cs"]'

jrun proved 0 "$rb" run stale_token --reduce hash --json --quiet
jis proved 'd["verdict"]' PROVED
jis proved 'd["exhaustive"]["complete"]' true
jis proved 'd["exhaustive"]["bounds"]["preemptions_max"]' null
jis proved '"advances <= 2" in d["proved"]["within"]' true
jrun census 0 "$rb" run stale_token --reduce hash --census --json --quiet
jis census 'd["exhaustive"]["census"]["states"] == d["exhaustive"]["states"]' true
jis census '[c["class"] for c in d["exhaustive"]["census"]["classes"]][-1]' stacks
jrun incomplete 5 "$rb" run stale_token --reduce hash --budget-execs 10 --json --quiet
jis incomplete 'd["verdict"]' INCOMPLETE
jis incomplete '"proved" in d' false
jis incomplete 'd["exhaustive"]["complete"]' false
jrun exh-mutant 1 "$rb" run stale_token --variant mutant:plain_del --strategy exhaustive --out "$T/o" --json --quiet
jis exh-mutant 'd["verdict"]' VIOLATION
jis exh-mutant 'd["violation"]["oracle"]' no_foreign_delete
jis exh-mutant '__import__("os").path.isfile(d["schedule"]["path"])' true

jrun sweep 0 "$rb" sweep stale_token --json
jis sweep 'd["verdict"]' PASS
jis sweep 'd["strategy"]' "crash sweep"
jis sweep 'd["crash_points"] > 0' true
jrun sweep-mutant 1 "$rb" sweep stale_token --variant mutant:plain_del --out "$T/o" --json
jis sweep-mutant 'd["verdict"]' VIOLATION
jis sweep-mutant 'd["violation"]["oracle"]' no_foreign_delete

jrun usage 2 "$rb" run nosuch --json
grep -q "unknown scenario 'nosuch'" "$T/usage.err" && ok || bad "a usage error goes to stderr"
jis usage '"verdict" in d' false

# ---- replay ------------------------------------------------------------------------------------------------------
sched=schedules/stale-token-plain-del.sched
jrun replay 1 "$rb" replay "$sched" --json --hash
jis replay 'd["verdict"]' VIOLATION
jis replay 'd["expect"]["matches"]' true
jis replay 'd["path"]' "$sched"
h=$("$rb" replay "$sched" --hash --quiet | sed -n 's/^hash: stream \([0-9a-f]*\) .*/\1/p')
jis replay 'd["hash"]["stream"]' "$h"
# a schedule whose first thread decision names another op: strict replay diverges (exit 3), lenient goes on
awk '/^run[[:space:]]/ && !d {$3="no_such_op"; d=1} {print}' "$sched" >"$T/diverge.sched"
cmp -s "$sched" "$T/diverge.sched" && bad "the divergent schedule was not edited"
jrun diverge 3 "$rb" replay "$T/diverge.sched" --json
jis diverge 'd["verdict"]' DIVERGED
jis diverge '"no_such_op" in d["diverged"]' true
jrun lenient 1 "$rb" replay "$T/diverge.sched" --lenient --json
jis lenient 'd["verdict"]' VIOLATION
jis lenient 'd["left_schedule_at"].startswith("line ")' true

# ---- check, --junit ----------------------------------------------------------------------------------------------
n=$(ls schedules/*.sched | wc -l)
jrun check 0 "$rb" check schedules/*.sched --json --junit "$T/corpus.xml"
jis check 'd["totals"]["schedules"]' "$n"
jis check 'd["totals"]["matched"]' "$n"
jis check 'len(d["schedules"])' "$n"
jis check 'all(s["status"] == "ok" for s in d["schedules"])' true
# one schedule that matches, one whose expect line is wrong, one that cannot be parsed
cp schedules/stale-token-plain-del.sched "$T/good.sched"
sed 's/^expect violation .*/expect pass/' schedules/stale-token-plain-del.sched >"$T/broken & <odd>.sched"
grep -q '^expect pass' "$T/broken & <odd>.sched" && ok || bad "the broken schedule was not edited"
printf 'not a schedule\n' >"$T/unreadable.sched"
jrun check-broken 1 "$rb" check "$T/good.sched" "$T/broken & <odd>.sched" --json --junit "$T/broken.xml"
jis check-broken 'd["totals"]' '{"schedules": 2, "matched": 1, "failed": 1, "skipped": 0}'
jis check-broken '[s["status"] for s in d["schedules"]]' '["ok", "FAIL"]'
jis check-broken 'd["schedules"][1]["reason"]' "expected pass, got violation no_foreign_delete"
jrun check-unreadable 2 "$rb" check "$T/good.sched" "$T/unreadable.sched" --json --junit "$T/unreadable.xml"
jis check-unreadable 'd["schedules"][1]["scenario"]' null
"$rb" check "$T/good.sched" --junit "$T/no/such/dir/x.xml" >"$T/nowrite.out" 2>&1; rc=$?
[ "$rc" = 4 ] && ok || bad "--junit to an unwritable path: exit $rc, want 4"
grep -q 'racebed check: --junit: cannot write' "$T/nowrite.out" && ok || bad "--junit names why it cannot write"
"$rb" check schedules/*.sched >"$T/check.txt"
grep -q "^$n schedule(s) matched, 0 did not" "$T/check.txt" && ok || bad "check without --json prints its text"

# junit_is FILE EXPECTED...: the JUnit file's suite counts "tests failures errors skipped", its testcases' classnames
# and names, and the failure's message, as Python sees them through xml.etree.
junit() {
    "$py" - "$@" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suite = root if root.tag == "testsuite" else root.find("testsuite")
cases = suite.findall("testcase")
print(suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped"), len(cases))
for c in cases:
    f = c.find("failure") if c.find("failure") is not None else c.find("error")
    print(c.get("classname"), c.get("name"), "-" if f is None else f.tag + ": " + f.get("message"))
    if f is not None and sys.argv[1].endswith("broken.xml"):
        print("text names the schedule:", c.get("name") in (f.text or ""))
float(suite.get("time"))
PY
}
junit "$T/corpus.xml" >"$T/corpus.junit" 2>&1
[ "$(head -n1 "$T/corpus.junit")" = "$n 0 0 0 $n" ] && ok || bad "corpus junit counts: $(head -n1 "$T/corpus.junit")"
grep -q '^stale_token schedules/stale-token-plain-del.sched -$' "$T/corpus.junit" && ok || bad "corpus junit: classname is the scenario, name the path"
junit "$T/broken.xml" >"$T/broken.junit" 2>&1
cat >"$T/broken.want" <<WANT
2 1 0 0 2
stale_token $T/good.sched -
stale_token $T/broken & <odd>.sched failure: expected pass, got violation no_foreign_delete
text names the schedule: True
WANT
cmp -s "$T/broken.want" "$T/broken.junit" && ok || { bad "junit of a broken schedule:"; diff "$T/broken.want" "$T/broken.junit"; }
junit "$T/unreadable.xml" >"$T/unreadable.junit" 2>&1
[ "$(head -n1 "$T/unreadable.junit")" = "2 0 1 0 2" ] && ok || bad "junit of an unreadable schedule: $(head -n1 "$T/unreadable.junit")"

# ---- merge -------------------------------------------------------------------------------------------------------
for i in 0 1; do
    "$rb" run stale_token --strategy exhaustive --shard $i/2 --checkpoint "$T/shard$i" --quiet >/dev/null 2>&1
done
jrun merge 0 "$rb" merge "$T/shard0" "$T/shard1" --json
jis merge 'd["verdict"]' PROVED
jis merge 'd["shards_merged"]' 2
jrun merge-half 2 "$rb" merge "$T/shard0" --json

# ---- the help lists the options (rows of the option table) ------------------------------------------------------
for c in run sweep replay check merge; do
    "$rb" help $c | grep -q -- '--json' && ok || bad "racebed help $c lists --json"
done
"$rb" help check | grep -q -- '--junit FILE' && ok || bad "racebed help check lists --junit"
"$rb" list --json >/dev/null 2>&1 && bad "list takes no --json" || ok

# ---- make nightly's junit.xml, from a stand-in racebed (one job fails: its sweep --process) -----------------------
cat >"$T/fake-racebed" <<'FAKE'
#!/usr/bin/env bash
case "$*" in
list) printf 'stale_token core the core\nstale_token mutant:plain_del a mutant\n' ;;
*mutant:*) echo "VIOLATION no_foreign_delete at step 6: c1 deleted it"; exit 1 ;;
*"sweep stale_token --process"*) printf 'VIOLATION crash <&> "x"\n\001tail\n'; exit 1 ;;
*"--reduce hash"* | *--shard*) echo "exhaustive (reduce hash): 3 executions: the whole bounded space"; echo "PROVED within: x" ;;
*) echo "PASS: no violation in 3 executions" ;;
esac
FAKE
chmod +x "$T/fake-racebed"
bash "$(dirname "$0")/../../tools/nightly.sh" "$T/fake-racebed" "$T/nightly" >"$T/nightly.out" 2>&1 && bad "nightly with a failing job exits 0" || ok
jobs_n=$(wc -l <"$T/nightly/jobs.txt")
"$py" - "$T/nightly/junit.xml" "$jobs_n" <<'PY' >"$T/nightly.junit" 2>&1 && ok || { bad "nightly junit.xml:"; cat "$T/nightly.junit"; }
import sys, xml.etree.ElementTree as ET
suite = ET.parse(sys.argv[1]).getroot().find("testsuite")
cases = suite.findall("testcase")
failed = [c for c in cases if c.find("failure") is not None]
assert suite.get("tests") == sys.argv[2] == str(len(cases)), (suite.get("tests"), sys.argv[2], len(cases))
assert suite.get("failures") == "1" and len(failed) == 1, suite.attrib
f = failed[0]
assert "sweep stale_token --process" in f.get("name"), f.get("name")
assert f.get("classname") == "nightly.sweep.stale_token", f.get("classname")
assert 'VIOLATION crash <&> "x"' in f.find("failure").text, f.find("failure").text
assert all(c.get("name").split()[1] in ("run", "sweep") for c in cases)
PY

# ---- every document against the schema -------------------------------------------------------------------------
"$py" - "$schema" "$T"/*.json <<'PY' && ok || bad "schema validation"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
v = jsonschema.Draft7Validator(schema)
bad = 0
for path in sys.argv[2:]:
    doc = json.load(open(path))  # the whole of stdout: one document and nothing else
    for e in v.iter_errors(doc):
        bad += 1
        print("schema:", path, "/".join(map(str, e.path)), e.message)
commands = {json.load(open(p))["command"] for p in sys.argv[2:]}
if commands != {"run", "sweep", "replay", "check", "merge"}:
    bad += 1
    print("schema: not every command was validated:", sorted(commands))
sys.exit(1 if bad else 0)
PY
# the schema rejects what it should: a verdict word the text never says, a member it does not know
printf '{"racebed":"0","command":"run","exit_code":0,"exit_meaning":"no violation","elapsed_s":0,"verdict":"OK"}' >"$T/x1"
printf '{"racebed":"0","command":"run","exit_code":0,"exit_meaning":"no violation","elapsed_s":0,"extra":1}' >"$T/x2"
for x in "$T/x1" "$T/x2"; do
    "$py" -c 'import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))' "$schema" "$x" >/dev/null 2>&1 &&
        bad "the schema accepts $(cat "$x")" || ok
done

echo "json: $pass passed, $fail failed"
[ "$fail" = 0 ]
