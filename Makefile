# SPDX-License-Identifier: BSD-3-Clause
# racebed: GNU make build. `make demo` runs every scenario x variant on the model store; `make check` runs every test.
# Two builds side by side: build/ (-O2) and build-asan/ (AddressSanitizer + UndefinedBehaviorSanitizer).
# Users' scenarios join the catalog with `make SCENARIO="a.c b.c"` (files, or directories of them; see README).
# What the build detects (hiredis) is written to build/gen/config.h, which every object depends on: a change of
# detected features rebuilds what it affects.

MAKEFLAGS += --no-builtin-rules
.SUFFIXES:
CC      ?= gcc
CLANG   ?= clang
JOBS    ?= 2
# Messages are bounded buffers that truncate by design (style: errmsg[128]), so format-truncation is not a defect.
# (gcc's -Wformat-truncation; clang has no such warning)
NO_TRUNC_WARN := $(if $(findstring clang,$(shell $(CC) --version 2>/dev/null)),,-Wno-format-truncation)
CFLAGS_BASE = -std=c11 -Wall -Wextra -Werror $(NO_TRUNC_WARN) -g -I. -MMD -MP -include build/gen/config.h \
              -fstack-clash-protection $(LUA_CFLAGS)
OPT_FLAGS   := -O2
ASAN_FLAGS  := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDLIBS_BASE :=

# The Redis store needs hiredis; without its headers racebed builds without it (--store redis then says so).
HAVE_HIREDIS := $(shell test -f /usr/include/hiredis/hiredis.h && echo 1)
CORE_SRC := $(sort $(filter-out $(if $(HAVE_HIREDIS),,core/lk_redis_store.c),$(wildcard core/*.c)))
# Lua scripts (EVAL) in the model need Lua 5.1, the Lua Redis embeds; without it EVAL replies an error saying so.
HAVE_LUA := $(shell test -f /usr/include/lua5.1/lua.h && echo 1)
LUA_CFLAGS := $(if $(HAVE_LUA),-I/usr/include/lua5.1)
LDLIBS_STORE := $(if $(HAVE_HIREDIS),-lhiredis) $(if $(HAVE_LUA),-llua5.1)
# The CLI writes its --json reports with jansson (sim/cli/cli_json.c only): required for the racebed binary, not for
# the library or the tests that link it.
HAVE_JANSSON := $(shell test -f /usr/include/jansson.h && echo 1)
LDLIBS_CLI := -ljansson
# sim/ in rooms (README, "Layout"): every room's sources but the CLI's go into the library; real/ needs hiredis.
SIM_ROOMS := run model oracles engine explore search real report
SIM_SRC  := sim/sim_schedule.c $(foreach r,$(SIM_ROOMS),$(sort $(wildcard sim/$(r)/*.c))) \
            $(sort $(wildcard sim/mutants/*.c)) $(if $(HAVE_HIREDIS),shim/racebed_time_ctl.c)
CLI_SRC  := $(sort $(wildcard sim/cli/*.c))
SIM_ASM  := sim/run/sim_fiber_x86_64.S
SCEN_SRC := $(sort $(wildcard sim/scenarios/*.c))
SCENARIO ?=
# The users' scenario files: each word of SCENARIO is a .c file or a directory of them.
USER_SRC := $(foreach s,$(SCENARIO),$(if $(wildcard $(s)/.),$(sort $(wildcard $(s)/*.c)),$(s)))
USER_NAMES := $(notdir $(USER_SRC:.c=))
ifneq ($(words $(USER_NAMES) $(notdir $(SCEN_SRC:.c=))),$(words $(sort $(USER_NAMES) $(notdir $(SCEN_SRC:.c=)))))
$(error SCENARIO: two scenario files share a base name (a scenario's name is its file's base name): $(USER_SRC))
endif
$(foreach f,$(USER_SRC),$(if $(wildcard $(f)),,$(error SCENARIO: no such file: $(f))))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_NAMES := $(notdir $(UNIT_SRC:.c=))

.PHONY: all demo check deps bench nightly report clean asan unit unit-asan corpus cli-tests determinism valgrind fuzz-smoke layout \
        FORCE help

all: racebed

help:
	@echo "targets: all (./racebed), demo, check, deps, bench, nightly, report, asan, clean"
	@echo "         make SCENARIO=\"a.c dir/\"  builds your scenario files (or a directory of them) into racebed"

# The CLI's JSON writer needs jansson's header: without it, say how to get it rather than fail on an include.
ifneq ($(HAVE_JANSSON),1)
build/obj/sim/cli/cli_json.o build-asan/obj/sim/cli/cli_json.o: jansson-missing
.PHONY: jansson-missing
jansson-missing:
	@echo "racebed needs jansson (Debian: libjansson-dev) for its --json reports: run 'sudo make deps'" >&2; exit 1
endif

# ---- one set of rules per build directory ------------------------------------------------------------------------
# $(1) build dir, $(2) compile flags
define build_rules
$(1)/obj/%.o: %.c build/gen/config.h
	@mkdir -p $$(dir $$@)
	@echo "  CC  $(1) $$<"
	@$$(CC) $$(CFLAGS_BASE) $(2) -c $$< -o $$@
$(1)/obj/%.o: %.S
	@mkdir -p $$(dir $$@)
	@echo "  AS  $(1) $$<"
	@$$(CC) $(2) -c $$< -o $$@
$(1)/obj/gen/catalog.o: build/gen/catalog.c build/gen/config.h
	@mkdir -p $$(dir $$@)
	@$$(CC) $$(CFLAGS_BASE) $(2) -c $$< -o $$@
$(1)_LIB_OBJS := $$(patsubst %.c,$(1)/obj/%.o,$$(CORE_SRC) $$(SIM_SRC) $$(SCEN_SRC)) \
                 $$(patsubst %.S,$(1)/obj/%.o,$$(SIM_ASM)) $(1)/obj/gen/catalog.o \
                 $$(addprefix $(1)/obj/user/,$$(addsuffix .o,$$(USER_NAMES)))
$(1)/libracebed.a: $$($(1)_LIB_OBJS)
	@rm -f $$@
	@ar rcs $$@ $$^
$(1)/racebed: $$(patsubst %.c,$(1)/obj/%.o,$$(CLI_SRC)) $(1)/libracebed.a
	@echo "  LD  $$@"
	@$$(CC) $(2) $$^ $$(LDLIBS_STORE) $$(LDLIBS_CLI) -o $$@.tmp && mv -f $$@.tmp $$@
$(1)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(1)/libracebed.a build/gen/config.h
	@mkdir -p $$(dir $$@)
	@echo "  CC  $$@"
	@$$(CC) $$(CFLAGS_BASE) $(2) $$< $(1)/libracebed.a -lcmocka $$(LDLIBS_STORE) -o $$@
-include $$(shell find $(1) -name '*.d' 2>/dev/null)
endef

$(eval $(call build_rules,build,$(OPT_FLAGS)))
$(eval $(call build_rules,build-asan,$(ASAN_FLAGS)))

# A user's scenario file, wherever it lives. It may include "sim_scenario.h" and core's headers by their bare names
# (as scenarios did before sim/ moved into rooms), and the deprecated lk__ names warn without failing the build.
# -fno-builtin keeps memset and memcpy calls as written: a large buffer the scenario fills is really on its fiber
# stack, so an overflow is diagnosed (sim/engine/sim_guard.h) rather than optimized into a different program.
USER_CFLAGS := -Icore -Isim -Wno-error=deprecated-declarations -fno-builtin
# $(1) the scenario file
define user_rules
build/obj/user/$(notdir $(1:.c=.o)): $(1) build/gen/config.h
	@mkdir -p $$(dir $$@)
	@echo "  CC  $$< (user scenario)"
	@$$(CC) $$(CFLAGS_BASE) $$(USER_CFLAGS) $$(OPT_FLAGS) -c $$< -o $$@
build-asan/obj/user/$(notdir $(1:.c=.o)): $(1) build/gen/config.h
	@mkdir -p $$(dir $$@)
	@echo "  CC  $$< (user scenario, sanitizers)"
	@$$(CC) $$(CFLAGS_BASE) $$(USER_CFLAGS) $$(ASAN_FLAGS) -c $$< -o $$@
endef
$(foreach f,$(USER_SRC),$(eval $(call user_rules,$(f))))

# What the build detected, as a header every object is compiled with; rewritten only when it changes, so a feature
# that appears (hiredis installed by `make deps`) rebuilds everything, and nothing else does.
build/gen/config.h: FORCE
	@mkdir -p build/gen
	@{ echo '/* generated by the Makefile from what it detected: do not edit */'; \
	   echo '$(if $(HAVE_HIREDIS),#define RACEBED_HAVE_HIREDIS 1,/* RACEBED_HAVE_HIREDIS: hiredis not found */)'; \
	   echo '$(if $(HAVE_LUA),#define RACEBED_HAVE_LUA 1,/* RACEBED_HAVE_LUA: Lua 5.1 not found */)'; \
	 } > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; \
	   echo "  GEN build/gen/config.h ($(if $(HAVE_HIREDIS),with,without) hiredis, $(if $(HAVE_LUA),with,without) Lua)"; fi

# The scenario catalog: one entry per scenario file (its base name is its name), rewritten only when it changes.
build/gen/catalog.c: FORCE
	@mkdir -p build/gen
	@{ echo '/* generated by the Makefile from the scenario files: do not edit */'; \
	   echo '#include <stddef.h>'; echo '#include "sim/explore/sim_explore.h"'; \
	   for f in $(SCEN_SRC) $(USER_SRC); do echo "extern const sim_scenario sim_scenario_$$(basename $$f .c);"; done; \
	   echo 'const sim_scenario *const sim_scenarios[] = {'; \
	   for f in $(SCEN_SRC) $(USER_SRC); do echo "    &sim_scenario_$$(basename $$f .c),"; done; \
	   echo '    NULL,'; echo '};'; } > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; \
	   echo "  GEN build/gen/catalog.c (users' scenarios: $(if $(USER_NAMES),$(USER_NAMES),none; give SCENARIO= to build yours in))"; fi

racebed: build/racebed build/racebed_time_shim.so
	@ln -sf build/racebed racebed

# The gettimeofday shim a racebed-owned redis-server runs with (design.md §8); it sits next to the binary.
build/racebed_time_shim.so build-asan/racebed_time_shim.so: shim/racebed_time_shim.c shim/racebed_time.h
	@mkdir -p $(dir $@)
	@echo "  SO  $@"
	@$(CC) -std=c11 -Wall -Wextra -Werror -O2 -I. -shared -fPIC $< -ldl -o $@

asan: build-asan/racebed build-asan/racebed_time_shim.so $(addprefix build-asan/tests/,$(UNIT_NAMES))

# ---- deps --------------------------------------------------------------------------------------------------------
deps:
	@bash tools/deps.sh $(DEPS_FOR)

# ---- demo --------------------------------------------------------------------------------------------------------
demo:
	@$(MAKE) --no-print-directory deps DEPS_FOR=demo
	@$(MAKE) --no-print-directory -j$(JOBS) racebed
	@bash tools/demo.sh ./racebed reports/demo

# ---- check -------------------------------------------------------------------------------------------------------
check:
	@bash tools/check.sh

# The unit tests are independent processes: one per CPU at a time.
NPROC := $(shell nproc 2>/dev/null || echo 2)
# The longest start first, so that no CPU waits at the end for one that started last.
UNIT_LONGEST := test_sim_reduce test_sim_fair test_sim_rwlock
UNIT_ORDER   := $(filter $(UNIT_LONGEST),$(UNIT_NAMES)) $(filter-out $(UNIT_LONGEST),$(UNIT_NAMES))
unit: $(addprefix build/tests/,$(UNIT_NAMES))
	@bash tools/run_units.sh -j $(NPROC) build/tests $(UNIT_ORDER)
unit-asan: $(addprefix build-asan/tests/,$(UNIT_NAMES))
	@bash tools/run_units.sh -j $(NPROC) build-asan/tests $(UNIT_ORDER)
corpus: racebed build-asan/racebed
	@./racebed check schedules/*.sched
	@build-asan/racebed check schedules/*.sched
	@bash tools/user_corpus.sh ./racebed schedules/user
# The determinism check runs beside the others (one CPU each); its report prints after theirs.
cli-tests: racebed build-asan/racebed
	@mkdir -p build; bash tests/cli/test_determinism.sh ./racebed build-asan/racebed >build/cli-determinism.txt 2>&1 & \
	det=$$!; bash tests/cli/test_cli.sh ./racebed; s1=$$?; bash tests/cli/test_json.sh ./racebed; s2=$$?; \
	wait $$det; s3=$$?; cat build/cli-determinism.txt; exit $$((s1 | s2 | s3))
# The rooms' rules (README, "Layout"), read off the built objects with nm; then proof that the check can fail.
build/layout-objects.txt: FORCE
	@mkdir -p build
	@printf '%s\n' $(build_LIB_OBJS) $(patsubst %.c,build/obj/%.o,$(CLI_SRC)) > $@
layout: racebed build/layout-objects.txt
	@bash tools/layout_check.sh --build build --objects build/layout-objects.txt
	@bash tests/layout/test_layout_check.sh build
valgrind: $(addprefix build/tests/,$(filter test_lk_%,$(UNIT_NAMES))) racebed
	@bash tools/run_units.sh -j $(NPROC) --valgrind build/tests $(filter test_lk_%,$(UNIT_NAMES))
	@bash tools/valgrind_sim.sh ./racebed
fuzz-smoke:
	@bash tools/fuzz_smoke.sh $(or $(FUZZ_SECONDS),5)

# ---- real Redis: tests/redis/ against a test-owned redis-server (run by `make redis-tests`) ------------------------
# Each binary links the library (which holds the owned-server launcher, sim/real/sim_redis_server.c, and the time page
# controller); the shim must be built.
REDIS_TEST_SRC   := $(sort $(wildcard tests/redis/test_*.c))
REDIS_TEST_NAMES := $(notdir $(REDIS_TEST_SRC:.c=))
build/redis-tests/%: tests/redis/%.c $(wildcard tests/redis/*.h) build/libracebed.a
	@mkdir -p $(dir $@)
	@echo "  CC  $@"
	@$(CC) $(CFLAGS_BASE) $(OPT_FLAGS) $< build/libracebed.a $(LDLIBS_STORE) -lhiredis -lcmocka -ldl -lpthread -o $@
.PHONY: redis-tests
redis-tests: build/racebed_time_shim.so $(addprefix build/redis-tests/,$(REDIS_TEST_NAMES))
	@bash tools/run_units.sh build/redis-tests $(REDIS_TEST_NAMES)

# ---- bench -------------------------------------------------------------------------------------------------------
build/bench: tests/bench/bench.c build/libracebed.a
	@echo "  LD  $@"
	@$(CC) $(CFLAGS_BASE) $(OPT_FLAGS) $< build/libracebed.a $(LDLIBS_STORE) -o $@
# The Redis half (tests/bench/bench_redis.c, run pinned by tools/bench_redis.sh) needs hiredis and redis-server.
build/bench_redis: tests/bench/bench_redis.c build/libracebed.a
	@echo "  LD  $@"
	@$(CC) $(CFLAGS_BASE) $(OPT_FLAGS) $< build/libracebed.a $(LDLIBS_STORE) -lpthread -o $@
build/bench_locks: tests/bench/bench_locks.c build/libracebed.a
	@echo "  LD  $@"
	@$(CC) $(CFLAGS_BASE) $(OPT_FLAGS) $< build/libracebed.a $(LDLIBS_STORE) -lpthread -lm -o $@
bench: build/bench racebed $(if $(HAVE_HIREDIS),build/bench_redis build/bench_locks)
	@build/bench
	@$(if $(HAVE_HIREDIS),bash tools/bench_redis.sh build/bench_redis build/bench_locks,\
	    echo "Redis bench skipped: racebed was built without hiredis (install libhiredis-dev: sudo make deps)")
	@$(if $(HAVE_HIREDIS),echo; echo "stress mode vs the simulator: time to the first violation"; \
	    bash tools/bench_stress.sh ./racebed)
	@echo; bash tools/bench_spin.sh ./racebed
	@echo; echo "the shrinker against the shortest schedule (target: within 2 decisions)"; \
	    bash tools/bench_shrink.sh ./racebed

# ---- nightly: exhaustive shards, faults with probes required, crash sweeps, canaries, on all local cores ----------
nightly: racebed
	@command -v parallel >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || { echo "nightly: installing GNU parallel (apt-get)"; \
	    apt-get install -y -q parallel >/dev/null 2>&1 || echo "nightly: could not install parallel; using xargs"; }
	@bash tools/nightly.sh ./racebed reports/nightly

# ---- report: the race-condition analysis (reports/race-analysis.md and .json), measured now -----------------------
report: racebed
	@python3 tools/race_analysis.py ./racebed reports

clean:
	rm -rf build build-asan racebed reports/demo reports/nightly reports/analysis reports/race-analysis.* racebed-out

# ---- libfaketime: tests/faketime/ under LD_PRELOAD=libfaketime (run by `make faketime-tests`) ----------------------
# The -O2 build only: ASan must be the first library loaded, and LD_PRELOAD puts libfaketime ahead of it.
build/faketime/test_faketime: tests/faketime/test_faketime.c build/libracebed.a
	@mkdir -p $(dir $@)
	@echo "  CC  $@"
	@$(CC) $(CFLAGS_BASE) $(OPT_FLAGS) $< build/libracebed.a $(LDLIBS_STORE) -lpthread -o $@
.PHONY: faketime-tests
faketime-tests: build/faketime/test_faketime
	@bash tools/faketime_tests.sh build/faketime/test_faketime
