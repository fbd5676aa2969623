#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# test_layout_check.sh [BUILD_DIR]: proves that every check of tools/layout_check.sh can fail. It builds a small
# synthetic tree that is clean (every room, arrows only downwards, a const table of string pointers, writable data
# only where allowed) and asserts it passes; then plants one violation of each kind (up, circle, global, print, api,
# an object in no room) into its own copy of that tree and asserts exit 1 and a line naming the planted module and
# the rule. It also runs the check on a copy of BUILD_DIR/obj (default build; nothing in BUILD_DIR changes): that
# tree must let the checker run (exit 0 or 1); with LAYOUT_REAL_MUST_PASS=1 it must be clean (exit 0).
# Prints ok / not ok lines; exit 1 if any failed.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
checker=$root/tools/layout_check.sh
build=${1:-build}
CC=${CC:-gcc}
CFLAGS=(-std=c11 -O2)   # the project's (Debian's gcc adds -fPIE by default)

T=$(mktemp -d "${TMPDIR:-/tmp}/test_layout.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
pass=0; fail=0; ncase=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; [ -f "$T/out" ] && sed 's/^/#   /' "$T/out" | head -n 12; }

# src PATH: writes stdin to $T/src/PATH (a .c or .h file of the synthetic source tree).
src() { mkdir -p "$(dirname "$T/src/$1")"; cat >"$T/src/$1"; }
# cc_obj TREE PATH.c|PATH.S [FLAGS...]: compiles $T/src/PATH.{c,S} into TREE/obj/PATH.o.
cc_obj() {
    local tree=$1 path=$2; shift 2
    mkdir -p "$(dirname "$tree/obj/${path%.*}.o")"
    # shellcheck disable=SC2086 # CC may be a command with arguments (ccache gcc)
    $CC "${CFLAGS[@]}" "$@" -c "$T/src/$path" -o "$tree/obj/${path%.*}.o" || { echo "not ok - compile $path"; exit 1; }
}
# run_check ARGS...: runs the checker, output in $T/out, exit code in $rc.
run_check() { bash "$checker" "$@" >"$T/out" 2>&1; rc=$?; }

# ---- the synthetic clean tree ----------------------------------------------------------------------------------
src sim/sim_scenario.h <<'EOF'
/* the scenario API of the synthetic tree; sim_commented_out() is only mentioned in a comment */
#include <stddef.h>
typedef struct sim_run sim_run;
typedef void (*sim_thread_fn)(void *self, void *arg); /* a type, not a function */
long sim_param(const sim_run *run, const char *name);
void sim_event(void *self, const char *name,
               long num);
void *sim_state_alloc (sim_run *run, size_t size);
EOF
src core/lk_internal.c <<'EOF'
int lk__helper(int x) { return x * 3 + 1; }
EOF
src core/lk_api.c <<'EOF'
int lk__helper(int x);
static const char *const lk_names[] = {"a", "b"};
int lk_public(int x) { return lk__helper(x) + 1; }
const char *lk_name(int i) { return lk_names[i & 1]; }
EOF
src shim/shim_clock.c <<'EOF'
static long shim_offset;
long shim_now(void) { return ++shim_offset; }
EOF
src sim/model/model_store.c <<'EOF'
int lk_public(int x);
int model_store_op(int x) { return lk_public(x) * 2; }
EOF
src sim/run/run_arena.c <<'EOF'
#include <stdlib.h>
#include <stdio.h>
int model_store_op(int x);
long sim__run_internal(long x) { return x + model_store_op((int)x); }
void *sim_state_alloc(void *run, size_t size) { (void)run; return calloc(1, size); }
int run_describe(char *buf, size_t n, int x) { return snprintf(buf, n, "run %d", x); }
EOF
src sim/sim_schedule.c <<'EOF'
long sim__run_internal(long x);
long schedule_parse(const char *s) { return sim__run_internal(s[0]); }
EOF
src sim/oracles/oracle_lease.c <<'EOF'
long schedule_parse(const char *s);
long sim__run_internal(long x);
long oracle_lease(const char *s) { return schedule_parse(s) + sim__run_internal(1); }
EOF
src sim/engine/engine_sched.c <<'EOF'
long oracle_lease(const char *s);
long sim_param(const void *run, const char *name) { (void)run; return oracle_lease(name); }
void sim_event(void *self, const char *name, long num) { (void)self; (void)oracle_lease(name); (void)num; }
EOF
src sim/engine/engine_names.c <<'EOF'
static const char *const names[] = {"a", "b"};
const char *engine_name(int i) { return names[i & 1]; }
const char *const *engine_names(void) { return names; }   /* (keeps clang from turning it into a relative table) */
EOF
src sim/engine/sim_guard.c <<'EOF'
static volatile int guard_hits;
void sim__guard_hit(void) { guard_hits++; }
EOF
src sim/mutants/mut_a.c <<'EOF'
int lk_public(int x);
int mut_a(int x) { return lk_public(x) - 1; }
EOF
src sim/scenarios/scen_a.c <<'EOF'
#include <stddef.h>
int lk_public(int x);
int mut_a(int x);
long sim_param(const void *run, const char *name);
void sim_event(void *self, const char *name, long num);
void *sim_state_alloc(void *run, size_t size);
static int scen_a_setup(void *run) {
    int *st = sim_state_alloc(run, sizeof *st);
    sim_event(run, "x", lk_public(1) + mut_a(2));
    return st ? (int)sim_param(run, "n") : -1;
}
struct scen { const char *name; int (*setup)(void *); };
const struct scen sim_scenario_scen_a = {"scen_a", scen_a_setup};
EOF
src user/my_scen.c <<'EOF'
long sim_param(const void *run, const char *name);
struct scen { const char *name; int (*setup)(void *); };
static int my_setup(void *run) { return (int)sim_param(run, "k"); }
const struct scen sim_scenario_my_scen = {"my_scen", my_setup};
EOF
src gen/catalog.c <<'EOF'
struct scen { const char *name; int (*setup)(void *); };
extern const struct scen sim_scenario_scen_a, sim_scenario_my_scen;
const struct scen *const sim_scenarios[] = {&sim_scenario_scen_a, &sim_scenario_my_scen};
EOF
src sim/explore/explore_run.c <<'EOF'
struct scen { const char *name; int (*setup)(void *); };
extern const struct scen *const sim_scenarios[];
long sim_param(const void *run, const char *name);
void sim_progress(int n);
int explore_run(int i) { sim_progress(i); return sim_scenarios[i]->setup(0) + (int)sim_param(0, "x"); }
EOF
src sim/explore/sim_progress.c <<'EOF'
#include <stdio.h>
void sim_progress(int n) { fprintf(stderr, "\r%d executions", n); fflush(stderr); }
EOF
src sim/real/real_backend.c <<'EOF'
long shim_now(void);
int lk_public(int x);
int real_connections;
long real_run(void) { real_connections++; return shim_now() + lk_public(real_connections); }
EOF
src sim/search/search_dpor.c <<'EOF'
int explore_run(int i);
long real_run(void);
long search_dpor(int i) { return explore_run(i) + real_run(); }
EOF
src sim/cli/cli_main.c <<'EOF'
#include <stdio.h>
long search_dpor(int i);
int main(int argc, char **argv) { (void)argv; printf("%ld\n", search_dpor(argc)); puts("done"); return 0; }
EOF
src sim/run/sim_fiber_x86_64.S <<'EOF'
    .text
    .globl sim__fiber_switch
sim__fiber_switch:
    ret
    .section .note.GNU-stack,"",@progbits
EOF
clean_sources=(core/lk_internal.c core/lk_api.c shim/shim_clock.c sim/model/model_store.c sim/run/run_arena.c
               sim/sim_schedule.c sim/oracles/oracle_lease.c sim/engine/engine_sched.c sim/engine/sim_guard.c
               sim/mutants/mut_a.c sim/scenarios/scen_a.c user/my_scen.c gen/catalog.c sim/explore/explore_run.c
               sim/explore/sim_progress.c sim/real/real_backend.c sim/search/search_dpor.c sim/cli/cli_main.c)
for s in "${clean_sources[@]}"; do cc_obj "$T/clean" "$s"; done
cc_obj "$T/clean" sim/engine/engine_names.c -fPIE   # what Debian's gcc does by default, said explicitly
cc_obj "$T/clean" sim/run/sim_fiber_x86_64.S        # the assembly object of room run

run_check --build "$T/clean" --src "$T/src"
if [ "$rc" = 0 ] && grep -qE '^layout: 20 modules in 13 rooms, [0-9]+ arrows between modules, no circles, no violations$' \
    "$T/out"; then ok "synthetic clean tree passes ($(cat "$T/out"))"; else not_ok "synthetic clean tree passes (exit $rc)"; fi

# The const table must really sit in .data.rel.ro (else the case proves nothing), and must not be reported.
if objdump -t "$T/clean/obj/sim/engine/engine_names.o" | grep -qE ' O \.data\.rel\.ro[^ ]*[[:space:]].* names$'; then
    ok "a const table of string pointers (-fPIE) lives in .data.rel.ro"
else not_ok "a const table of string pointers (-fPIE) lives in .data.rel.ro"; fi
if ! grep -q 'engine_names' "$T/out"; then ok "a const table of string pointers is not a global"
else not_ok "a const table of string pointers is not a global"; fi
# The exception holds writable data and passes.
if objdump -t "$T/clean/obj/sim/engine/sim_guard.o" | grep -qE ' O \.bss.*guard_hits$' && ! grep -q sim_guard "$T/out"
then ok "an EXCEPTIONS module (sim/engine/sim_guard.o) may hold a global"
else not_ok "an EXCEPTIONS module (sim/engine/sim_guard.o) may hold a global"; fi

run_check --build "$T/clean" --src "$T/src" -v
if [ "$rc" = 0 ] && grep -qE '^  scenarios +level 7 +user/my_scen\.o$' "$T/out" &&
    grep -qE '^  scenarios -> mutants +1$' "$T/out"; then ok "-v prints rooms and room arrows"
else not_ok "-v prints rooms and room arrows (exit $rc)"; fi

# ---- planted violations, each alone in its own copy of the clean tree ---------------------------------------------
# plant NAME RULE PATTERN SOURCE...: copies the clean tree, compiles the SOURCEs (PATH.c[:FLAGS]) into it, and
# asserts exit 1, an output line matching PATTERN, and that every violation line is of rule RULE.
plant() {
    ncase=$((ncase + 1))
    local name=$1 rule=$2 pattern=$3 tree=$T/case_$ncase s; shift 3
    last_tree=$tree
    cp -r "$T/clean" "$tree"
    for s in "$@"; do
        if [ "${s#*:}" != "$s" ]; then cc_obj "$tree" "${s%%:*}" "${s#*:}"; else cc_obj "$tree" "$s"; fi
    done
    run_check --build "$tree" --src "$T/src"
    if [ "$rc" != 1 ]; then not_ok "$name: exit $rc, want 1"; return; fi
    if ! grep -qE -- "$pattern" "$T/out"; then not_ok "$name: no /$pattern/"; return; fi
    if grep -E '^layout: [a-z]+: ' "$T/out" | grep -vqE "^layout: $rule: "; then not_ok "$name: other rules reported too"
        return; fi
    ok "$name: $(grep -E -- "$pattern" "$T/out" | head -n 1)"
}

src sim/run/planted_low.c <<'EOF'
int planted_top_fn(int x);
int planted_low(int x) { return planted_top_fn(x) + 1; }
EOF
src sim/cli/planted_top.c <<'EOF'
int planted_top_fn(int x) { return x * 7; }
EOF
plant "up: run uses cli" up \
    '^layout: up: sim/run/planted_low\.o uses planted_top_fn, defined in sim/cli/planted_top\.o \(room run, level 2, may not use room cli, level 11\)$' \
    sim/run/planted_low.c sim/cli/planted_top.c

src sim/explore/planted_side.c <<'EOF'
int planted_real_fn(int x);
int planted_side(int x) { return planted_real_fn(x) + 1; }
EOF
src sim/real/planted_real.c <<'EOF'
int planted_real_fn(int x) { return x * 5; }
EOF
plant "up: explore uses real (same level)" up \
    '^layout: up: sim/explore/planted_side\.o uses planted_real_fn, defined in sim/real/planted_real\.o .*level 8.*level 8' \
    sim/explore/planted_side.c sim/real/planted_real.c

src core/lk_planted.c <<'EOF'
long shim_now(void);
long lk_planted(void) { return shim_now(); }
EOF
plant "up: core uses shim (same level)" up \
    '^layout: up: core/lk_planted\.o uses shim_now, defined in shim/shim_clock\.o ' core/lk_planted.c

src sim/engine/planted_ping.c <<'EOF'
int planted_pong(int n);
int planted_ping(int n) { return n > 0 ? planted_pong(n - 1) + 1 : 0; }
EOF
src sim/engine/planted_pong.c <<'EOF'
int planted_ping(int n);
int planted_pong(int n) { return n > 0 ? planted_ping(n - 1) * 2 : 1; }
EOF
plant "circle: two engine modules call each other" circle \
    '^layout: circle: sim/engine/planted_ping\.o -> sim/engine/planted_pong\.o -> sim/engine/planted_ping\.o ' \
    sim/engine/planted_ping.c sim/engine/planted_pong.c

src sim/engine/planted_global.c <<'EOF'
int planted_counter;
int planted_tick(void) { static int x; x++; planted_counter++; return x; }
EOF
plant "global: int planted_counter" global \
    '^layout: global: sim/engine/planted_global\.o holds writable data planted_counter \(\.bss\)' sim/engine/planted_global.c
if [ "$rc" = 1 ] && [ "$(grep -c '^layout: global: sim/engine/planted_global\.o ' "$T/out")" = 2 ] &&
    grep -qE '^layout: global: sim/engine/planted_global\.o holds writable data [a-z_.]*x[a-z_.0-9]* .*static local' "$T/out"
then ok "global: a static local counts too"; else not_ok "global: a static local counts too"; fi

src sim/model/planted_common.c <<'EOF'
int planted_common;
int planted_common_get(void) { return planted_common; }
EOF
plant "global: a common symbol (-fcommon)" global \
    '^layout: global: sim/model/planted_common\.o holds writable data planted_common \(\*COM\*\)' \
    sim/model/planted_common.c:-fcommon

src sim/run/planted_tls.c <<'EOF'
_Thread_local int planted_tls;
int planted_tls_get(void) { return ++planted_tls; }
EOF
plant "global: thread-local data" global \
    '^layout: global: sim/run/planted_tls\.o holds writable data planted_tls \(\.tbss\)' sim/run/planted_tls.c

src sim/search/planted_print.c <<'EOF'
#include <stdio.h>
void planted_print(int n) { printf("n=%d\n", n); }
EOF
plant "print: printf in search" print '^layout: print: sim/search/planted_print\.o uses printf ' \
    sim/search/planted_print.c

src sim/scenarios/planted_api.c <<'EOF'
long sim__planted(long x);
long planted_scenario(long x) { return sim__planted(x) + 1; }
EOF
src sim/run/planted_internal.c <<'EOF'
long sim__planted(long x) { return x * 11; }
EOF
plant "api: a scenario uses sim__planted" api \
    '^layout: api: sim/scenarios/planted_api\.o uses sim__planted, defined in sim/run/planted_internal\.o ' \
    sim/scenarios/planted_api.c sim/run/planted_internal.c

src sim/mutants/planted_mut.c <<'EOF'
int lk__helper(int x);
int planted_mut(int x) { return lk__helper(x) + 1; }
EOF
plant "api: a mutant uses an lk__ internal" api \
    '^layout: api: sim/mutants/planted_mut\.o uses lk__helper, defined in core/lk_internal\.o ' sim/mutants/planted_mut.c

src sim/scenarios/planted_comment.c <<'EOF'
int sim_commented_out(int x);
int planted_comment(int x) { return sim_commented_out(x); }
EOF
src sim/engine/planted_commented.c <<'EOF'
int sim_commented_out(int x) { return x; }
EOF
plant "api: a name only mentioned in a comment of sim_scenario.h is not API" api \
    '^layout: api: sim/scenarios/planted_comment\.o uses sim_commented_out, ' \
    sim/scenarios/planted_comment.c sim/engine/planted_commented.c

src sim/planted_loose.c <<'EOF'
int planted_loose(int x) { return x + 2; }
EOF
plant "room: an object outside the rooms" room '^layout: room: sim/planted_loose\.o is not in a room' sim/planted_loose.c

# --objects: a stale object not in the list is not checked.
find "$last_tree/obj" -name '*.o' ! -name planted_loose.o >"$T/objects.txt"
run_check --build "$last_tree" --objects "$T/objects.txt" --src "$T/src"
if [ "$rc" = 0 ]; then ok "--objects: only the listed objects are checked (a stale one is ignored)"
else not_ok "--objects: only the listed objects are checked (exit $rc)"; fi

# A symbol defined twice (a stale copy of a moved object) is a note on stderr, not a violation.
cp -r "$T/clean" "$T/dup" && cp "$T/dup/obj/core/lk_api.o" "$T/dup/obj/sim/model/lk_api_stale.o"
bash "$checker" --build "$T/dup" --src "$T/src" >"$T/out" 2>"$T/err"; rc=$?
if [ "$rc" = 0 ] && grep -qE '^layout: note: core/lk_api\.o, sim/model/lk_api_stale\.o define the same symbols ' "$T/err"
then ok "a symbol defined in two modules is a note (a stale object?), not a violation"
else cat "$T/err" >>"$T/out"; not_ok "a symbol defined in two modules is a note (exit $rc)"; fi

# ---- usage errors: exit 2 --------------------------------------------------------------------------------------
run_check --build "$T/nonexistent" --src "$T/src"
if [ "$rc" = 2 ] && grep -q 'run make first' "$T/out"; then ok "no object directory: exit 2, says run make first"
else not_ok "no object directory: exit $rc"; fi
run_check --frobnicate
if [ "$rc" = 2 ]; then ok "unknown option: exit 2"; else not_ok "unknown option: exit $rc"; fi
run_check --build "$T/clean" --src "$T/nonexistent"
if [ "$rc" = 2 ]; then ok "no sim/sim_scenario.h under --src: exit 2"; else not_ok "no sim_scenario.h: exit $rc"; fi
printf '%s\n' "$T/clean/obj/sim/cli/gone.o" >"$T/missing.txt"
run_check --build "$T/clean" --objects "$T/missing.txt" --src "$T/src"
if [ "$rc" = 2 ]; then ok "a listed object that does not exist: exit 2"; else not_ok "a listed missing object: exit $rc"; fi

# ---- the real tree (a copy: BUILD_DIR is not touched) ------------------------------------------------------------
rm -f "$T/out"
if [ -d "$build/obj" ]; then
    mkdir -p "$T/real" && cp -r "$build/obj" "$T/real/obj"
    run_check --build "$T/real" --src "$root"
    last=$(grep -E '^layout: ([0-9]+ violations?|.* no violations)$' "$T/out")
    if [ "$rc" = 0 ]; then ok "real tree $build/obj: $last"
    elif [ "$rc" = 1 ] && [ "${LAYOUT_REAL_MUST_PASS:-0}" != 1 ]; then
        ok "real tree $build/obj runs: $last (not required to be clean; LAYOUT_REAL_MUST_PASS=1 requires it)"
    else not_ok "real tree $build/obj: exit $rc"; fi
else
    echo "ok - real tree # SKIP no $build/obj (run make first)"
fi

echo "# $pass passed, $fail failed"
[ "$fail" = 0 ]
