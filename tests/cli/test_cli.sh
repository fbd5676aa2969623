#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# test_cli.sh RACEBED: the command line's contract. Exit codes (0 pass, 1 violation, 2 usage/input, 3 divergence),
# the list format, run -> schedule file -> replay round trips, strict and lenient replay of edited schedules, and
# clear errors with line numbers for malformed files. Each check prints ok/FAIL; exit 1 if any failed.
set -u
rb=${1:-./racebed}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
pass=0; fail=0
check() { # check NAME WANT_RC CMD...: runs CMD, output in $T/out, compares its exit code
    local name=$1 want=$2; shift 2
    "$@" >"$T/out" 2>&1; local rc=$?
    if [ "$rc" = "$want" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $name: exit $rc, want $want"; head -n 5 "$T/out"; fi
}
grep_out() { # grep_out NAME PATTERN: the last command's output matches
    if grep -qE -- "$2" "$T/out"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: no /$2/ in output"; head -n 5 "$T/out"; fi
}

check "no args" 2 "$rb"
check "unknown command" 2 "$rb" frobnicate
grep_out "unknown command named" "unknown command 'frobnicate'"
check "help" 0 "$rb" help
check "run --help" 0 "$rb" run --help
grep_out "run help lists --variant" -- "--variant"
check "replay --help" 0 "$rb" replay --help
check "check --help" 0 "$rb" check --help
check "list" 0 "$rb" list
if awk '!/^[a-z0-9_]+ +(core|mutant:[a-z0-9_]+) +[^ ]/ {bad=1} END {exit bad}' "$T/out"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL list format"; fi
check "check-determinism" 0 "$rb" run stale_token --check-determinism 3 --faults all
grep_out "check-determinism says what matched" "^DETERMINISTIC: 3 executions of stale_token \(seeds 1..3\), [0-9]+ lines"
check "check-determinism refuses --json" 2 "$rb" run stale_token --check-determinism 3 --json
check "check-determinism not with exhaustive" 2 "$rb" run stale_token --check-determinism 3 --strategy exhaustive
check "list --oracles" 0 "$rb" list --oracles
grep_out "an oracle with its canaries" "^no_foreign_delete +killed by: .*stale_token/plain_del"
grep_out "an oracle no mutant kills is flagged" "^deadlock +killed by: NONE"
grep_out "list --oracles sums up" "^[0-9]+ oracles; [0-9]+ with no mutant that kills it"
check "list -v" 0 "$rb" list -v
grep_out "list -v shows params" "--ttl_ms +default"
check "run unknown scenario" 2 "$rb" run nosuch
grep_out "unknown scenario named" "unknown scenario 'nosuch'"
check "run unknown variant" 2 "$rb" run stale_token --variant mutant:nosuch
check "run bad option" 2 "$rb" run stale_token --bogus 1
check "run param out of range" 2 "$rb" run stale_token --threads 999
grep_out "range named" "threads=999 is out of range"
check "run param not integer" 2 "$rb" run stale_token --ttl-ms abc
check "run missing value" 2 "$rb" run stale_token --seed

# run -> schedule -> replay
check "run mutant finds it" 1 "$rb" run stale_token --variant mutant:plain_del --seed 3 --budget-execs 100000 --no-shrink --out "$T/o"
grep_out "run prints the replay command" "^replay: +[^ ]*racebed replay "
cp "$T/out" "$T/r0"
cmd=$(sed -n 's/^replay: *//p' "$T/out" | head -n1)
(eval "$cmd" >/dev/null 2>&1); rc=$?
[ "$rc" = 1 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL the printed replay command '$cmd' exits $rc, want 1"; }
f=$(ls "$T"/o/*.sched | head -n1)
check "replay exits 1" 1 "$rb" replay "$f"
grep_out "replay names the oracle" "VIOLATION no_foreign_delete at step"
grep_out "replay trace has leases" "lk:run1=c[0-9]"
cp "$T/out" "$T/r1"
"$rb" replay "$f" >"$T/r2" 2>&1
if cmp -s "$T/r1" "$T/r2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL replay twice differs"; fi
check "check matches" 0 "$rb" check "$f"
# a failing run writes the timeline page beside its schedule, and report draws one for any schedule
grep -qE '^timeline: .*\.html$' "$T/r0" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL run announces no timeline"; }
h=${f%.sched}.html
[ -s "$h" ] && grep -q 'id="violation"' "$h" && grep -q 'VIOLATION no_foreign_delete' "$h" &&
    pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL no timeline with the violation beside $f"; }
check "report" 0 "$rb" report "$f" -o "$T/page.html"
grep_out "report names its page" "^timeline: $T/page.html$"
cmp -s "$h" "$T/page.html" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL report's page differs from the run's"; }
check "report --help" 0 "$rb" report --help
grep_out "report help names -o" "^ +-o FILE"
check "report no file" 2 "$rb" report
check "report missing file" 2 "$rb" report "$T/nosuch.sched"
grep_out "report names the missing file" "nosuch.sched"
check "report unwritable page" 4 "$rb" report "$f" -o "$T/nodir/page.html"
grep_out "report names the page it cannot write" "cannot write $T/nodir/page.html"
check "report -o with two files" 2 "$rb" report "$f" "$f" -o "$T/two.html"
[ ! -e "$T/two.html" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL report wrote a page it refused"; }
# the comment of a shrunk schedule describes the schedule written, not a candidate the shrinker tried last
check "run shrinks" 1 "$rb" run singleton --variant mutant:unsync_registry --seed 1 --out "$T/cm"
fc=$(ls "$T"/cm/*.sched | head -n1)
check "shrunk schedule replays" 1 "$rb" replay --quiet "$fc"
said=$(sed -n 's/^# violated at step \([0-9]*: .*\)$/\1/p' "$fc")
got=$(sed -n 's/^VIOLATION singleton_unique at step \([0-9]*: .*\)$/\1/p' "$T/out")
if [ -n "$said" ] && [ "$said" = "$got" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL schedule comment '$said' is not its replay's violation '$got'"; fi
# round trip: the execution as run, and its schedule as written, parsed and replayed, give the same hashes
seed=$(sed -n 's/^seed //p' "$f")
hr=$("$rb" run stale_token --variant mutant:plain_del --seed "$seed" --budget-execs 1 --hash --quiet --out "$T/rt" | grep '^hash:')
hp=$("$rb" replay --quiet --hash "$f" | grep '^hash:')
if [ -n "$hr" ] && [ "$hr" = "$hp" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL round trip: run '$hr' vs replay '$hp'"; fi
check "replay --until 2" 0 "$rb" replay --until 2 "$f"
grep_out "until stops" "stopped after step 2"
check "replay --quiet" 1 "$rb" replay --quiet "$f"

# a passing run writes nothing and exits 0
check "core clean" 0 "$rb" run stale_token --seed 3 --budget-execs 500 --out "$T/core"
[ ! -d "$T/core" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL core run wrote files"; }

# --runs counts every violation
check "runs keeps going" 1 "$rb" run thundering_herd --variant mutant:check_then_set --runs 50 --out "$T/o2"
grep_out "runs counts" "^[0-9]+ of 50 executions violated"

# malformed and edited schedules
head -c 3000 /dev/urandom >"$T/garbage.sched"
check "garbage" 2 "$rb" replay "$T/garbage.sched"
check "missing file" 2 "$rb" replay "$T/nope.sched"
grep_out "missing file named" "cannot open"
printf 'racebed-schedule 1\nscenario stale_token\nvariant core\nseed 1\n\nbogus line here\n' >"$T/bad.sched"
check "bad keyword" 2 "$rb" replay "$T/bad.sched"
grep_out "bad keyword line" "line 6"
sed 's/^param ttl_ms=.*/param ttl_ms=banana/' "$f" >"$T/badparam.sched"
check "bad param value" 2 "$rb" replay "$T/badparam.sched"
grep_out "bad param line" "line [0-9]+"
sed 's/^param ttl_ms=/param no_such_param=/' "$f" >"$T/unkparam.sched"
check "unknown param" 2 "$rb" replay "$T/unkparam.sched"
grep_out "unknown param named" "no_such_param"
sed 's/^scenario .*/scenario nosuch/' "$f" >"$T/unkscen.sched"
check "unknown scenario in file" 2 "$rb" replay "$T/unkscen.sched"
awk 'BEGIN{d=0} /^run[[:space:]]/ && !d {$3="no_such_op"; d=1} {print}' "$f" >"$T/div.sched"
check "wrong op label diverges" 3 "$rb" replay "$T/div.sched"
grep_out "divergence names the line" "DIVERGED line [0-9]+: expected 'run c[0-9] no_such_op"
check "lenient goes on" 1 "$rb" replay --lenient "$T/div.sched"
grep_out "lenient notes it" "left the schedule at line"
awk 'BEGIN{d=0} /^run[[:space:]]/ && !d {$2="c9"; d=1} {print}' "$f" >"$T/nothread.sched"
check "unknown thread diverges" 3 "$rb" replay "$T/nothread.sched"
grep_out "unknown thread named" "no thread named 'c9'"
grep -v '^expect\|^#' "$f" | sed '$d' >"$T/short.sched"
check "truncated schedule diverges" 3 "$rb" replay "$T/short.sched"
grep_out "truncated message" "schedule ends here"
{ grep -v '^expect\|^#' "$f"; echo "run c1 get lk:run1"; } >"$T/long.sched"
check "extra decisions diverge" 3 "$rb" replay "$T/long.sched"
grep -v '^expect\|^#' "$f" | awk 'BEGIN{d=0} /^run[[:space:]]/ && !d {print "crash c9"; d=1} {print}' >"$T/crash.sched"
check "decision naming no thread diverges" 3 "$rb" replay "$T/crash.sched"
grep_out "bad crash target named" "no thread or process named 'c9'"
check "bad decision skipped when lenient" 1 "$rb" replay --lenient "$T/crash.sched"
# faults: a run with every fault kind finds the core's cleanup gap in a broken client, writes, and replays it
check "faults option rejects unknown kinds" 2 "$rb" run stale_token --faults crash,frob
grep_out "unknown fault named" "unknown fault 'frob'"
check "faults run" 0 "$rb" run stale_token --faults all --runs 300 --out "$T/fa"
check "faults save-pass" 0 "$rb" run stale_token --faults all --fault-permille 300 --seed 9 --budget-execs 1 --save-pass --out "$T/fp"
fp=$(ls "$T"/fp/*.sched | head -n1)
grep -qE '^(crash|pause|wall|fault|restart) ' "$fp" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL no fault decision in $fp"; }
check "faults schedule replays" 0 "$rb" replay "$fp"
grep_out "fault decisions appear in the trace" "\\(decision\\)|\\[fault "
sed 's/^expect violation .*/expect pass/' "$f" >"$T/wrongexpect.sched"
check "check catches a wrong verdict" 1 "$rb" check "$T/wrongexpect.sched"
grep_out "check says expected" "expected pass, got violation no_foreign_delete"
sed -E 's/^variant .*/variant core/' "$f" | grep -v '^expect ' >"$T/core.sched"
check "core on the mutant's decisions is safe" 0 "$rb" replay --lenient "$T/core.sched"

# shrinking: never grows, keeps the oracle, replays strictly
check "run unshrunk" 1 "$rb" run rapid_sequential --variant mutant:check_then_set --seed 1 --no-shrink --out "$T/ns"
ns=$(ls "$T"/ns/*.sched | head -n1)
check "shrink" 0 "$rb" shrink "$ns" --out "$T/shrunk.sched"
grep_out "shrink reports" "-> [0-9]+ decisions"
a=$(grep -cE '^(run|advance|wall|pause|crash|fault|restart) ' "$ns"); b=$(grep -cE '^(run|advance|wall|pause|crash|fault|restart) ' "$T/shrunk.sched")
[ "$b" -le "$a" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL shrink grew $a -> $b"; }
[ "$b" -lt "$a" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL shrink did not shrink $a"; }
check "shrunk replays strictly" 1 "$rb" replay "$T/shrunk.sched"
grep_out "shrunk keeps the oracle" "VIOLATION lease_safety"
check "shrink a passing schedule" 2 "$rb" shrink "$fp"

# PCT
check "pct finds the herd mutant" 1 "$rb" run thundering_herd --variant mutant:check_then_set --strategy pct:2 --out "$T/pct"
grep_out "pct prints its bound" "^pct: depth 2, n=5 threads, k=[0-9]+ decisions"
check "pct schedule replays" 1 "$rb" replay "$(ls "$T"/pct/*.sched | head -n1)"
grep -q '^strategy pct:2 k=' "$(ls "$T"/pct/*.sched | head -n1)" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL no pct strategy header"; }
check "pct bad depth" 2 "$rb" run thundering_herd --strategy pct:0

# exhaustive search within bounds
check "exhaustive proves the 2-thread herd" 0 "$rb" run thundering_herd --threads 2 --strategy exhaustive
grep_out "exhaustive completes" "exhaustive \\(reduce none\\): [0-9]+ executions.*the whole bounded space"
grep_out "exhaustive proof names what it covered" "^PROVED within: threads c1, c2; preemptions <= 2; advances <= 2 .*; not explored: .*store faults"
check "exhaustive finds the mutant" 1 "$rb" run stale_token --variant mutant:get_compare_del --strategy exhaustive --out "$T/ex"
check "exhaustive schedule replays" 1 "$rb" replay "$(ls "$T"/ex/*.sched | head -n1)"
grep_out "exhaustive schedule keeps the oracle" "VIOLATION no_foreign_delete"
check "exhaustive budget is not a proof" 5 "$rb" run rapid_sequential --strategy exhaustive --budget-execs 50
grep_out "exhaustive budget named" "^INCOMPLETE: the budget of 50 executions ran out"
if grep -qE '^(PASS|PROVED)|whole bounded space' "$T/out"; then fail=$((fail + 1)); echo "FAIL a budget stop claims a proof"; else pass=$((pass + 1)); fi
check "exhaustive time budget is not a proof" 5 "$rb" run thundering_herd --threads 6 --reduce hash --faults all --budget 1 --budget-execs 100000000
grep_out "exhaustive time budget named" "^INCOMPLETE: its time budget .--budget. was spent"
check "shortest with a budget is not a proof" 5 "$rb" run thundering_herd --threads 3 --strategy exhaustive --shortest --budget-execs 300
if grep -qE '^(PASS|PROVED)|whole bounded space' "$T/out"; then fail=$((fail + 1)); echo "FAIL a deepening stopped by its budget claims a proof"; else pass=$((pass + 1)); fi
grep_out "a stopped deepening says the depth it finished" "^shortest: no violation within [0-9]+ decisions \\(stopped while searching [0-9]+\\)$"

# reductions: DPOR and state hashing reach the naive search's distinct outcomes and violated oracles
outcomes_of() { "$rb" run "$@" --runs 100000000 --out "$T/red" | sed -n 's/.* \([0-9]*\) distinct outcomes.*/\1/p;s/^violated oracles: //p' | tr '\n' ' '; }
for m in "stale_token --variant mutant:get_compare_del" "thundering_herd --threads 3" \
    "store_restart --variant mutant:no_fencing --wall-step-clocks server --wall-step-signs + --advances-max 1"; do
    n=$(outcomes_of $m --strategy exhaustive --preemptions-max none)
    for r in dpor hash; do
        o=$(outcomes_of $m --reduce $r $([ $r = hash ] && echo --preemptions-max none))
        [ -n "$n" ] && [ "$n" = "$o" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL reduce $r on $m: '$o' vs naive '$n'"; }
    done
done
check "hash states reported" 0 "$rb" run stale_token --reduce hash --preemptions-max 1
grep_out "hash states reported" "exhaustive \\(reduce hash\\): [0-9]+ executions, [0-9]+ decisions, [0-9]+ states stored, [0-9]+ revisits"
check "dpor refuses a preemption bound" 2 "$rb" run stale_token --reduce dpor --preemptions-max 2
grep_out "dpor bound explained" "unsound"
check "dpor refuses shards" 2 "$rb" run stale_token --reduce dpor --shard 0/2
# the search over states on several cores (--jobs) and hosts (--shard, --checkpoint, merge)
check "jobs needs hash" 2 "$rb" run stale_token --strategy exhaustive --jobs 2
check "jobs out of range" 2 "$rb" run stale_token --reduce hash --jobs 0
check "hash alone" 0 "$rb" run spin_anchor --reduce hash
grep_out "bytes a state and the collision bound" "states stored, [0-9]+ revisits, [0-9.]+ MiB \\([0-9]+ bytes a state\\), fingerprint collision odds <= [0-9.e+-]+, the naive search: [0-9]+ executions"
naive_alone=$(sed -n 's/.*the naive search: \([0-9]*\) executions.*/\1/p' "$T/out")
check "hash with workers" 0 "$rb" run spin_anchor --reduce hash --jobs 2
grep_out "workers named" ", 2 workers \\([0-9]+ states explored by two at once\\), the naive search: $naive_alone executions"
grep_out "workers name the threads" "^PROVED within: threads c1, c2;"
# the search up to symmetry: fewer states, the same naive count as without it (both drawing ids), the verdict says so
check "symmetry off, ids" 0 "$rb" run spin_anchor --reduce hash --param n=3 --param entropy=ids --budget-execs 10000000
naive_ids=$(sed -n 's/.*the naive search: \([0-9]*\) executions.*/\1/p' "$T/out")
states_ids=$(sed -n 's/.* \([0-9]*\) states stored.*/\1/p' "$T/out")
check "symmetry on" 0 "$rb" run spin_anchor --reduce hash --param n=3 --symmetry on --budget-execs 10000000
grep_out "symmetry keeps the naive count" "the naive search: $naive_ids executions"
grep_out "symmetry counts its states" "^symmetry of c1, c2, c3: [0-9]+ states fingerprinted up to a renaming, 0 plainly"
grep_out "symmetry in the verdict" "^PROVED within: threads c1, c2, c3 up to symmetry of c1, c2, c3 \(declared\);.*entropy: ids"
states_sym=$(sed -n 's/.* \([0-9]*\) states stored.*/\1/p' "$T/out")
[ -n "$states_sym" ] && [ -n "$states_ids" ] && [ $((states_sym * 4)) -lt "$states_ids" ] && pass=$((pass + 1)) ||
    { fail=$((fail + 1)); echo "FAIL symmetry reduces: $states_ids -> $states_sym states"; }
check "symmetry undeclared" 2 "$rb" run thundering_herd --reduce hash --symmetry on
grep_out "symmetry undeclared says so" "declares no symmetric threads"
check "symmetry with an oracle" 2 "$rb" run spin_anchor --reduce hash --symmetry on --oracle lease_safety
check "symmetry with a bound" 2 "$rb" run spin_anchor --reduce hash --symmetry on --preemptions-max 2
check "symmetry with seeded entropy" 2 "$rb" run spin_anchor --reduce hash --symmetry on --param entropy=seeded
check "symmetry needs hash" 2 "$rb" run spin_anchor --strategy exhaustive --symmetry on
check "symmetry bad word" 2 "$rb" run spin_anchor --reduce hash --symmetry yes
# the census: what tells the states apart, beside an unchanged search and verdict
check "census" 0 "$rb" run spin_anchor --reduce hash --census
grep_out "census counts the states" "^census of the [0-9]+ states stored"
grep_out "census same states" "states stored, .*the naive search: $naive_alone executions"
grep_out "census names stacks" "^  stacks +[0-9]+  x[0-9.]+ "
grep_out "census samples stack words" "^stack words that told states apart \\([1-9][0-9]* states compared"
grep_out "census places a word" "^  c[12] +[0-9]+ bytes below its stack's top: +[0-9]+ times, e.g. 0x[0-9a-f]+ and 0x[0-9a-f]+ \\(a frame called from racebed\\+0x[0-9a-f]+\\)"
census_states=$(sed -n 's/^census of the \([0-9]*\) states stored.*/\1/p' "$T/out")
over=$(awk -v n="$census_states" '/^  [a-z]/ && $0 ~ /  x[0-9]/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { if ($i > n) print; break } }' "$T/out")
[ -n "$census_states" ] && [ -z "$over" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL census counts above the states: $over"; }
check "census over re-explored states" 0 "$rb" run clear_vs_holders --reduce hash --census
grep_out "census counts each state once" "^census of the $(sed -n 's/.* \([0-9]*\) states stored.*/\1/p' "$T/out") states stored"
check "census needs hash" 2 "$rb" run spin_anchor --strategy exhaustive --census
check "census needs one worker" 2 "$rb" run spin_anchor --reduce hash --jobs 2 --census
grep_out "census with workers explained" "census counts the states of one process"
check "workers find a violation" 1 "$rb" run stale_token --variant mutant:get_compare_del --reduce hash --jobs 2 --out "$T/jobs"
grep_out "its schedule" "^schedule: "
sched=$(sed -n 's/^schedule: \(.*\) ([0-9]* decisions)$/\1/p' "$T/out")
check "which replays" 1 "$rb" replay "$sched"
for i in 0 1 2; do "$rb" run spin_anchor --reduce hash --jobs 2 --shard $i/3 --checkpoint "$T/h$i" --quiet >"$T/h$i.out"; done
grep -q '^checkpoint: .*/h0 ([0-9]* bytes)$' "$T/h0.out" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL a checkpoint's size printed"; }
check "merge of hash shards" 0 "$rb" merge "$T/h0" "$T/h1" "$T/h2"
grep_out "merged naive count is the whole" "states stored over the shards \\(a sum: .*\\), the naive search: $naive_alone executions, the whole bounded space"
check "a complete hash checkpoint is not searched again" 0 "$rb" run spin_anchor --reduce hash --shard 1/3 --checkpoint "$T/h1"
grep_out "resumed" "^resumed from"
"$rb" run spin_anchor --strategy exhaustive --shard 2/3 --checkpoint "$T/n2" --quiet >/dev/null
check "merge refuses naive with hash shards" 2 "$rb" merge "$T/h0" "$T/h1" "$T/n2"
grep_out "mode named" "or --reduce"
check "an incomplete hash checkpoint starts over" 5 "$rb" run spin_anchor --reduce hash --checkpoint "$T/hi" --budget-execs 50
check "and says so" 0 "$rb" run spin_anchor --reduce hash --checkpoint "$T/hi"
grep_out "started over" "holds this search over states incomplete .*started over"
check "hash refuses a real store" 2 "$rb" run stale_token --reduce hash --store redis://127.0.0.1:1
check "bad reduce" 2 "$rb" run stale_token --reduce fast
grep_out "bad reduce named" "--reduce must be none, dpor or hash"
check "states-max full" 5 "$rb" run thundering_herd --reduce hash --states-max 50
grep_out "states-max full named" "INCOMPLETE: the visited-state table is full"
check "shortest" 1 "$rb" run stale_token --variant mutant:plain_del --reduce hash --shortest --out "$T/short"
grep_out "shortest reported" "^shortest: no violation within [0-9]+ decisions; one at [0-9]+"
short=$(sed -n 's/^shortest: no violation within [0-9]* decisions; one at \([0-9]*\)$/\1/p' "$T/out")
# with workers, the search over states deepens: each depth's iteration has its own visited set, the sum is said to be
# one, bytes a state use the largest, and the shortest is the same
check "shortest by deepening" 1 "$rb" run stale_token --variant mutant:plain_del --reduce hash --jobs 2 --shortest --out "$T/short2"
grep_out "deepening states per iteration" "states stored over [0-9]+ iterations \\(at most [0-9]+ in one\\), [0-9]+ revisits, [0-9.]+ MiB \\([1-9][0-9]* bytes a state\\)"
grep_out "deepening finds the same shortest" "^shortest: no violation within [0-9]+ decisions; one at $short\$"
# a search over states that stops after finding a violation reports it as the shortest so far, never as proved
check "shortest stopped after a violation" 1 "$rb" run ttl_expiry --variant mutant:unbounded_renewal --reduce hash --shortest --budget-execs 200 --out "$T/short3"
grep_out "stopped shortest is not proved" "^shortest: one at [0-9]+ decisions, the shortest found before the search stopped \\(a shorter one may exist\\)$"
grep_out "stopped shortest's summary" "stopped by the budget before a shorter violation was ruled out$"
dfs=$("$rb" run stale_token --variant mutant:plain_del --reduce hash --out "$T/dfs" | sed -n 's/^schedule: .* (\([0-9]*\) decisions)$/\1/p')
[ -n "$short" ] && [ -n "$dfs" ] && [ "$short" -le "$dfs" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL shortest $short > depth-first $dfs"; }
check "oracle filter finds its race" 1 "$rb" run store_restart --variant mutant:no_fencing --reduce hash --shortest --oracle resource_lost_update --out "$T/orc"
grep_out "oracle filter names it" "^VIOLATION resource_lost_update"
check "oracle filter, other oracles fire" 1 "$rb" run stale_token --variant mutant:plain_del --reduce hash --oracle lease_safety --out "$T/orc2"
grep_out "other oracles named" "other oracles that fired: no_foreign_delete"
# every scenario's core passes the exhaustive search over states (two workers) within its own bounds, reaching its race's probes;
# every mutant is found by it
while read -r s v _; do
    size=""; case $s in thundering_herd) size="--threads 3" ;; rapid_sequential) size="--requests 3" ;; esac
    if [ "$v" = core ]; then
        check "exhaustive core $s" 0 "$rb" run $s $size --reduce hash --jobs 2 --budget-execs 100000000 --require-probes race --out "$T/ex"
        grep_out "exhaustive core $s complete" "the whole bounded space"
    else
        check "exhaustive finds $s $v" 1 "$rb" run $s --variant $v $size --reduce hash --jobs 2 --budget-execs 100000000 --out "$T/ex"
    fi
done < <("$rb" list)
check "crash and wall-step decisions" 0 "$rb" run thundering_herd --threads 2 --crashes-max 1 --wall-steps-max 1 --reduce hash
grep_out "bounds printed" "wall steps <= 1, restarts <= 0, crashes <= 1, pauses <= 0"

# shards: the union of the shards is the whole search, and no execution is in two
whole=$("$rb" run stale_token --variant mutant:get_compare_del --strategy exhaustive --runs 1000000 --quiet --out "$T/sh" | sed -n 's/^\([0-9]*\) of \([0-9]*\) executions violated$/\1 \2/p')
sv=0; se=0
for i in 0 1 2; do
    r=$("$rb" run stale_token --variant mutant:get_compare_del --strategy exhaustive --runs 1000000 --shard $i/3 --quiet --out "$T/sh$i" | sed -n 's/^\([0-9]*\) of \([0-9]*\) executions violated$/\1 \2/p')
    sv=$((sv + ${r%% *})); se=$((se + ${r##* }))
done
[ -n "$whole" ] && [ "$whole" = "$sv $se" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL shards: whole '$whole', shards sum '$sv $se'"; }
check "bad shard" 2 "$rb" run stale_token --strategy exhaustive --shard 3/3
# checkpoint and resume: a killed (here: budget-stopped) search resumes to the same verdict and totals
"$rb" run stale_token --strategy exhaustive --runs 1000000 --quiet >"$T/full.txt"
check "a checkpointed search stopped by its budget" 5 "$rb" run stale_token --strategy exhaustive --runs 1000000 --budget-execs 700 --checkpoint "$T/ck" --quiet
check "resume" 0 "$rb" run stale_token --strategy exhaustive --runs 1000000 --checkpoint "$T/ck" --quiet
grep_out "resumed" "^resumed from"
strip_outcomes() { # a resumed search cannot count the outcomes or the options it saw before
    grep '^exhaustive' "$1" | sed 's/, [0-9]* distinct outcomes//; s/, [0-9.]* options a point (max [0-9]*)//'
}
if [ "$(strip_outcomes "$T/out")" = "$(strip_outcomes "$T/full.txt")" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL resume totals differ: $(strip_outcomes "$T/out") vs $(strip_outcomes "$T/full.txt")"; fi
# a checkpoint is of one search: its fault kinds are part of it (a completed search without crashes is no proof with them)
check "completed checkpoint" 0 "$rb" run stale_token --strategy exhaustive --faults none --checkpoint "$T/ckf" --quiet
check "the same search again" 0 "$rb" run stale_token --strategy exhaustive --faults none --checkpoint "$T/ckf"
grep_out "a completed search resumed" "^resumed from"
grep_out "a resumed completed search names its threads" "^PROVED within: threads c1, c2;"
check "other fault kinds" 0 "$rb" run stale_token --strategy exhaustive --faults crash --checkpoint "$T/ckf"
if grep -q '^resumed from' "$T/out"; then fail=$((fail + 1)); echo "FAIL a checkpoint without crashes resumed a search with them"; else pass=$((pass + 1)); fi
grep_out "the other search ran and says what it explored" "^PROVED within: .*crashes <= 1"
check "a completed search of one oracle" 1 "$rb" run stale_token --variant mutant:get_compare_del --strategy exhaustive --oracle singleton_unique --checkpoint "$T/cko" --quiet --out "$T/cko.d"
check "is no search of them all" 1 "$rb" run stale_token --variant mutant:get_compare_del --strategy exhaustive --checkpoint "$T/cko" --out "$T/cko.d"
grep_out "every oracle counted" "^VIOLATION no_foreign_delete"
# merge: the shards' checkpoints give the whole search's verdict
for i in 0 1 2; do "$rb" run stale_token --variant mutant:get_compare_del --strategy exhaustive --runs 1000000 --shard $i/3 --checkpoint "$T/m$i" --quiet --out "$T/mo" >/dev/null; done
check "merge" 1 "$rb" merge "$T/m0" "$T/m1" "$T/m2"
grep_out "merge sums the shards" "^merged 3 shard\\(s\\) of stale_token mutant:get_compare_del: $se executions, [0-9]+ decisions, $sv violating, the whole bounded space"
check "merge with a shard missing" 2 "$rb" merge "$T/m0" "$T/m1"
check "merge with a shard twice" 2 "$rb" merge "$T/m0" "$T/m0" "$T/m2"
check "merge garbage" 2 "$rb" merge "$T/garbage.sched"
"$rb" run stale_token --variant mutant:get_compare_del --strategy exhaustive --runs 1000000 --shard 2/3 --faults crash --checkpoint "$T/m2c" --quiet --out "$T/mo" >/dev/null
check "merge of shards of different fault kinds" 2 "$rb" merge "$T/m0" "$T/m1" "$T/m2c"
grep_out "different search named" "a different search"
# a merged proof names what it covered, from the bounds each shard saved
for i in 0 1; do "$rb" run stale_token --strategy exhaustive --faults crash --shard $i/2 --checkpoint "$T/p$i" --quiet --out "$T/po" >/dev/null; done
check "merge of a complete core search" 0 "$rb" merge "$T/p0" "$T/p1"
grep_out "the merged proof lists its bounds" "^PROVED \\(all 2 shards merged\\) within: threads c1, c2; preemptions .*crashes <= 1 \\(thread or process\\).*; not explored: "
grep -q '^bounds ' "$T/p0" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL a checkpoint saves its bounds"; }

# coverage probes
check "probes reached" 0 "$rb" run ttl_expiry --faults all --budget-execs 2000 --require-probes ttl_expired_in_cs,renewal_racing_expiry,fence_refused --out "$T/pr"
grep_out "probe counts printed" "^probes \\(executions that reached each\\): ttl_expired_in_cs=[1-9]"
check "probe never reached fails" 1 "$rb" run singleton --require-probes stale_release --budget-execs 100
grep_out "unreached probe named" "PROBE NOT REACHED stale_release"
check "unknown probe" 2 "$rb" run singleton --require-probes nosuch

# crash sweep
check "sweep core" 0 "$rb" sweep stale_token --seed 1 --out "$T/sw"
grep_out "sweep reports its crash points" "^PASS: crash sweep of [0-9]+ crash points \\(thread crashes\\)"
check "sweep by process" 0 "$rb" sweep thundering_herd --process --points-max 5 --out "$T/sw"
grep_out "sweep bound" "crash sweep of 5 crash points \\(process crashes\\)"
check "list -v shows a scenario's own defaults" 0 "$rb" list -v
grep_out "per_key_timeout sets advances_max 0" "--advances_max +default 0 "

# livelock: a tiny step bound is reported with its schedule
check "step bound" 1 "$rb" run rapid_sequential --steps-max 10 --seed 1 --budget-execs 1 --out "$T/o3"
grep_out "step bound named" "VIOLATION step_bound"
check "step bound replays" 1 "$rb" replay "$(ls "$T"/o3/*.sched | head -n1)"

# what cannot be honoured is refused, naming why
check "unknown oracle" 2 "$rb" run stale_token --strategy exhaustive --oracle no_such_oracle
grep_out "valid oracles listed" "unknown oracle 'no_such_oracle' for scenario stale_token \\(valid: lease_safety, "
check "shard without an exhaustive search" 2 "$rb" run stale_token --shard 0/2 --budget-execs 10
grep_out "shard refusal named" "--shard means nothing to the random strategy"
check "checkpoint with dpor" 2 "$rb" run stale_token --reduce dpor --checkpoint "$T/ckd"
check "hash with an exhaustive search" 2 "$rb" run stale_token --strategy exhaustive --hash
check "states-max without hash" 2 "$rb" run stale_token --strategy exhaustive --states-max 10
check "save-pass with an exhaustive search" 2 "$rb" run stale_token --strategy exhaustive --save-pass
check "sweep refuses exhaustive" 2 "$rb" sweep stale_token --strategy exhaustive
: >"$T/notadir"
check "unwritable checkpoint at start" 4 "$rb" run stale_token --strategy exhaustive --checkpoint "$T/notadir/ck"
grep_out "unwritable checkpoint named" "notadir/ck"
if grep -q '^exhaustive (' "$T/out"; then fail=$((fail + 1)); echo "FAIL the search ran before the checkpoint was found unwritable"; else pass=$((pass + 1)); fi
check "help of an unknown command" 2 "$rb" help no_such_command
check "a store that is not one" 2 "$rb" run stale_token --store bogus --budget-execs 1
check "a store off loopback" 2 "$rb" run stale_token --store redis://10.1.2.3:6379 --budget-execs 1
for url in 'redis://:sekret-pw-123@127.0.0.1:1/0' 'redis://alice:sekret-pw-123@127.0.0.1:1'; do
    "$rb" run thundering_herd --store "$url" --budget-execs 1 >"$T/out" 2>&1
    if grep -q 'sekret-pw-123' "$T/out"; then fail=$((fail + 1)); echo "FAIL the password of $url is printed"; else pass=$((pass + 1)); fi
    grep_out "the store is named without its password" "redis://(alice)?:\\*\\*\\*@127.0.0.1:1"
done

# the shrinker reaches short schedules: the auto-shrunk schedule is within 2 decisions of the shortest one
dec() { grep -cE '^(run|advance|wall|pause|crash|fault|restart) ' "$1"; }
"$rb" run stale_token --variant mutant:get_compare_del --out "$T/sa" >"$T/out" 2>&1
a=$(sed -n 's/^schedule: *\([^ ]*\).*/\1/p' "$T/out" | head -n1)
"$rb" run stale_token --variant mutant:get_compare_del --reduce hash --shortest --oracle no_foreign_delete --out "$T/sb" >"$T/out" 2>&1
b=$(sed -n 's/^schedule: *\([^ ]*\).*/\1/p' "$T/out" | head -n1)
if [ -n "$a" ] && [ -n "$b" ] && [ "$(dec "$a")" -le $(($(dec "$b") + 2)) ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL auto-shrunk ${a:-none} ($([ -n "$a" ] && dec "$a")) vs shortest ${b:-none}"; fi
check "shrink-execs 0 keeps the delete pass only" 1 "$rb" run stale_token --variant mutant:get_compare_del --shrink-execs 0 --out "$T/sc"

# the leak oracle is fair: a key whose holder's release failed after the core's retries (store errors) is the TTL's
check "a release lost to store errors is no leak" 0 "$rb" run thundering_herd --threads 2 --reduce hash --faults conn-error --store-faults-max 4 --crashes-max 0
grep_out "that proof names the store faults" "^PROVED within: .*store faults <= 4 per thread \\(conn-error\\)"

# the VIOLATION line describes the schedule written (its step after shrinking), and a sweep whose run fails before
# any crash says so instead of naming a crash point past the ones it swept
check "violation of the written schedule" 1 "$rb" run stale_token --variant mutant:get_compare_del --out "$T/vw"
vs=$(sed -n 's/^VIOLATION [^ ]* at execution [0-9]* (seed [0-9]*), step \([0-9]*\):.*/\1/p' "$T/out")
vd=$(sed -n 's/^schedule: .* (\([0-9]*\) decisions)$/\1/p' "$T/out")
[ -n "$vs" ] && [ "$vs" = "$vd" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL VIOLATION step '$vs' vs schedule '$vd' decisions"; }
check "sweep failing before its crash" 1 "$rb" sweep thundering_herd --variant mutant:check_then_set --seed 3 --out "$T/sw2"
grep_out "no crash named past the sweep" "^VIOLATION lease_safety without a crash, before crash point [0-9]+ \\(after [0-9]+ crash points swept\\)"

# a sweep whose setup fails is an error, not a sweep of zero crash points
check "sweep with a failing setup" 2 "$rb" sweep per_key_timeout --param users=8 --param requests=8 --quiet
grep_out "sweep names the setup failure" "setup failed: more than 16 processes"

# --metrics: the reported execution's metrics in the Prometheus text format; replay writes the same for its schedule
check "run --metrics (pass)" 0 "$rb" run per_key_timeout --budget-execs 50 --metrics "$T/m1.prom" --quiet
if grep -q '^racebed_lock_acquires_total{kind="memory",result="acquired"} [1-9]' "$T/m1.prom" &&
    grep -q '^racebed_lock_acquire_wait_seconds_bucket{kind="memory",result="acquired",le="+Inf"} [1-9]' "$T/m1.prom"; then
    pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL --metrics file lacks the memory lock's acquires"; head -5 "$T/m1.prom"; fi
check "run --metrics (violation)" 1 "$rb" run stale_token --variant mutant:plain_del --seed 3 --metrics "$T/m2.prom" --out "$T/mets" --quiet
fm=$(ls "$T"/mets/*.sched | head -n1)
check "replay --metrics" 1 "$rb" replay --quiet "$fm" --metrics "$T/m3.prom"
if cmp -s "$T/m2.prom" "$T/m3.prom"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL run --metrics is not the written schedule's"; fi
check "sweep --metrics (pass)" 0 "$rb" sweep stale_token --metrics "$T/m5.prom" --quiet
grep -q '^racebed_lock_acquires_total{kind="lock",result="acquired"} [1-9]' "$T/m5.prom" && pass=$((pass + 1)) ||
    { fail=$((fail + 1)); echo "FAIL a passing sweep's --metrics file is missing or empty"; }
check "--metrics with an exhaustive search" 2 "$rb" run stale_token --strategy exhaustive --metrics "$T/m4.prom"
grep_out "--metrics names what it needs" "--metrics"
check "--metrics to a directory that does not exist" 4 "$rb" run stale_token --budget-execs 5 --metrics "$T/no/such/m.prom"
grep_out "--metrics names the path" "no/such/m.prom"

# SIGINT stops an exhaustive search: INCOMPLETE, exit 5, its checkpoint saved (the signal is sent once the search
# has saved a first checkpoint, so its handler is in place)
"$rb" run ttl_expiry --strategy exhaustive --runs 100000000 --checkpoint "$T/ckint" --quiet >"$T/out" 2>&1 &
ipid=$!
for _ in $(seq 300); do [ -s "$T/ckint" ] && break; sleep 0.1; done
kill -INT $ipid 2>/dev/null; wait $ipid; rc=$?
if [ $rc = 5 ] && grep -q '^INCOMPLETE: interrupted (SIGINT)' "$T/out" && grep -q '^racebed-checkpoint 1' "$T/ckint"; then
    pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL SIGINT: exit $rc: $(tail -n 1 "$T/out")"; fi
# the same with workers: a SIGINT to racebed alone reaches them, and none outlives it
"$rb" run spin_anchor --n 4 --reduce hash --jobs 2 --budget-execs 100000000000 >"$T/out" 2>&1 &
ipid=$!
for _ in $(seq 300); do [ -n "$(pgrep -P $ipid)" ] && break; sleep 0.1; done
sleep 1
workers=$(pgrep -P $ipid | tr '\n' ' ')
kill -INT $ipid 2>/dev/null; wait $ipid; rc=$?
left=0
for w in $workers; do kill -0 "$w" 2>/dev/null && left=$((left + 1)); done
if [ $rc = 5 ] && [ -n "$workers" ] && [ $left = 0 ] && grep -q '^INCOMPLETE: interrupted (SIGINT)' "$T/out" &&
    grep -q ', 2 workers (' "$T/out"; then
    pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL SIGINT with workers: exit $rc, workers '$workers', $left left: $(tail -n 1 "$T/out")"; fi

echo "cli: $pass passed, $fail failed"
[ $fail = 0 ]
