/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_params.c: the built-in parameter table and the combined parameter list (contract in sim_params.h).
 */
#include "sim/run/sim_params.h"
#include "sim/run/sim_verdict.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

const sim_param_def sim_builtin_params[SIM_BUILTIN_PARAMS] = {
    {"rtt_us", 1000, 1, 10000000, "virtual round-trip time of one store op, us (applied at RTT/2)"},
    {"steps_max", 20000, 10, 100000000, "decisions per execution before it is reported as a livelock"},
    {"advances_max", 2, 0, 1000, "time-advance decisions a strategy may take per execution"},
    {"faults_max", 2, 0, 1000,
     "fault decisions (wall, pause, crash, fault, restart) a strategy may take per execution"},
    {"timeout_ms", 50, 1, 3600000, "a client's command timeout: a lost reply surfaces this long after the send, ms"},
    {"pause_ms", 2500, 1, 86400000, "length of a pause decision (a GC pause, SIGSTOP), ms"},
    {"wall_step_ms", 1500, 1, 86400000, "size of a wall-clock step decision, forwards or back, ms"},
    {"restart_loss_ms", 1000, 0, 86400000, "a lose-last restart loses the store ops of this last window, ms"},
    {"drift_ppm", 0, -500000, 500000, "monotonic drift: odd processes run this many ppm fast, even ones as slow"},
    {"crashes_max", -1, -1, 1000,
     "crashes (of a scenario thread, or of a process of several) an exhaustive search branches on per execution; "
     "-1: 1 if the faults explored name crash, else 0"},
    {"wall_steps_max", -1, -1, 1000,
     "wall-clock steps by wall_step_ms (of wall_step_clocks, signs wall_step_signs) an exhaustive search branches on "
     "per execution; -1: 1 if the faults explored name wall-step, else 0"},
    {"pauses_max", -1, -1, 1000,
     "pauses (of a scenario thread, pause_ms long) an exhaustive search branches on per execution; -1: 1 if the "
     "faults explored name pause, else 0"},
    {"restarts_max", -1, -1, 1000,
     "store restarts that lose every key an exhaustive search branches on per execution; -1: 1 if the faults "
     "explored name restart, else 0"},
    {"store_faults_max", -1, -1, 1000,
     "store ops with a lost reply or a connection error an exhaustive search branches on, per thread and execution; "
     "-1: 1 if the faults explored name reply-lost, conn-error or late-timeout, else 0"},
    {"wall_step_clocks", SIM_WALL_CLOCKS_ALL, SIM_WALL_CLOCKS_SERVER, SIM_WALL_CLOCKS_ALL,
     "the clocks an exhaustive search steps: 1 server, 2 clients (each process's), 3 all (or the words)"},
    {"wall_step_signs", SIM_WALL_SIGNS_BOTH, SIM_WALL_SIGNS_FORWARD, SIM_WALL_SIGNS_BOTH,
     "the directions an exhaustive search steps a wall clock: 1 +, 2 -, 3 +- (or the words)"},
    {"busy_ms", 2000, 0, 3600000,
     "CPU time a thread may run without a visible op before it is reported as a busy loop, ms (0: never)"},
    {"stack_kib", 0, 0, SIM_STACK_KIB_MAX,
     "each virtual thread's stack, KiB, with a guard page below (0: 128, or 512 in the sanitizer build)"},
    {"timeout_lag_ms", 100, 1, 86400000,
     "a late-timeout fault: with no other command, the server notices a blocking pop's timeout this late, ms (Redis "
     "checks timeouts between "
     "events, at least hz times a second: 100 at its default hz 10)"},
    {"entropy", SIM_ENTROPY_SEEDED, SIM_ENTROPY_SEEDED, SIM_ENTROPY_IDS,
     "1 seeded: each thread draws from its own stream of the seed; 2 ids: each draw names its thread and counts "
     "(tokens unique, jitter fixed), as the search up to symmetry needs (or the words)"},
};

/* Parameters whose values have names: the name, then its words in value order (value = index + 1). */
static const struct {
    int param; /* SIM_PARAM_* */
    const char *words[3];
} params_words[] = {
    {SIM_PARAM_WALL_STEP_CLOCKS, {"server", "clients", "all"}},
    {SIM_PARAM_WALL_STEP_SIGNS, {"+", "-", "+-"}},
    {SIM_PARAM_ENTROPY, {"seeded", "ids", NULL}},
};

int sim_param_word(const char *param, const char *word, int64_t *value) {
    for (size_t i = 0; i < sizeof(params_words) / sizeof(params_words[0]); i++) {
        if (strcmp(sim_builtin_params[params_words[i].param].name, param) != 0) continue;
        for (int w = 0; w < 3 && params_words[i].words[w] != NULL; w++)
            if (strcmp(params_words[i].words[w], word) == 0) {
                *value = w + 1;
                return 0;
            }
    }
    return -1;
}

int sim_param_count(const sim_scenario *sc) {
    return sc->param_count + SIM_BUILTIN_PARAMS;
}

const sim_param_def *sim_param_def_at(const sim_scenario *sc, int i) {
    assert(i >= 0 && i < sim_param_count(sc));
    return i < sc->param_count ? &sc->params[i] : &sim_builtin_params[i - sc->param_count];
}

int sim_param_index(const sim_scenario *sc, const char *name) {
    for (int i = 0; i < sim_param_count(sc); i++)
        if (strcmp(sim_param_def_at(sc, i)->name, name) == 0) return i;
    return -1;
}

/* The checks of one declared parameter 'd' (index 'i' of the scenario's own). */
static int params_check_one(const sim_scenario *sc, int i, char *err, size_t cap) {
    const sim_param_def *d = &sc->params[i];
    if (d->name == NULL || d->name[0] == '\0' || strlen(d->name) >= SIM_NAME_MAX) {
        snprintf(err, cap, "scenario %s: parameter %d has no name or one longer than %d bytes", sc->name, i + 1,
                 SIM_NAME_MAX - 1);
        return -1;
    }
    if (d->min > d->max || d->def < d->min || d->def > d->max) {
        snprintf(err, cap, "scenario %s: parameter %s has default %lld outside [%lld, %lld]", sc->name, d->name,
                 (long long)d->def, (long long)d->min, (long long)d->max);
        return -1;
    }
    for (int j = 0; j < sim_param_count(sc); j++)
        if (j != i && strcmp(sim_param_def_at(sc, j)->name, d->name) == 0) {
            snprintf(err, cap, "scenario %s: parameter %s is declared twice%s", sc->name, d->name,
                     j >= sc->param_count ? " (it is a built-in parameter: set it with an override)" : "");
            return -1;
        }
    return 0;
}

int sim_scenario_check(const sim_scenario *sc, char *err, size_t cap) {
    const char *name = sc->name ? sc->name : "(unnamed)";
    if (sc->name == NULL || sc->name[0] == '\0' || strlen(sc->name) >= SIM_NAME_MAX) {
        snprintf(err, cap, "scenario %s: a scenario needs a name of 1..%d bytes", name, SIM_NAME_MAX - 1);
        return -1;
    }
    if (sc->param_count < 0 || sc->param_count > SIM_PARAMS_MAX - SIM_BUILTIN_PARAMS ||
        (sc->param_count > 0 && sc->params == NULL)) {
        snprintf(err, cap,
                 "scenario %s declares %d parameters: at most %d fit beside the %d built-in ones (SIM_PARAMS_MAX "
                 "is %d)",
                 name, sc->param_count, SIM_PARAMS_MAX - SIM_BUILTIN_PARAMS, SIM_BUILTIN_PARAMS, SIM_PARAMS_MAX);
        return -1;
    }
    for (int i = 0; i < sc->param_count; i++)
        if (params_check_one(sc, i, err, cap) != 0) return -1;
    if (sc->variant_count < 1 || sc->variants == NULL || strcmp(sc->variants[0].name, "core") != 0) {
        snprintf(err, cap, "scenario %s: its first variant must be \"core\"", name);
        return -1;
    }
    for (int i = 1; i < sc->variant_count; i++) {
        char oracle[SIM_NAME_MAX];
        if (sim_canary_of(sc, sc->variants[i].name, oracle, sizeof(oracle)) == 0 && !sim_oracle_known(sc, oracle)) {
            snprintf(err, cap,
                     "scenario %s: canary %s=%s names no oracle it can raise (a built-in one or one of its "
                     "expectations)",
                     name, sc->variants[i].name + 7, oracle);
            return -1;
        }
    }
    for (const char *c = sc->canaries; c && *c;) { /* every canary names a mutant of the scenario */
        size_t k = strcspn(c, ","), n = strcspn(c, "=,");
        int found = 0;
        for (int i = 1; i < sc->variant_count && !found; i++)
            found = strncmp(sc->variants[i].name, "mutant:", 7) == 0 && strlen(sc->variants[i].name + 7) == n &&
                    strncmp(sc->variants[i].name + 7, c, n) == 0;
        if (!found || n == k) {
            snprintf(err, cap, "scenario %s: canary '%.*s' is not MUTANT=ORACLE for one of its mutants", name, (int)k,
                     c);
            return -1;
        }
        c += k + (c[k] == ',');
    }
    for (int i = 0; i < sc->override_count; i++) {
        int p = sim_param_index(sc, sc->overrides[i].name);
        const sim_param_def *d = p >= 0 ? sim_param_def_at(sc, p) : NULL;
        if (p < sc->param_count || sc->overrides[i].value < d->min || sc->overrides[i].value > d->max) {
            snprintf(err, cap, "scenario %s: override %s=%lld is not a built-in parameter within its bounds", name,
                     sc->overrides[i].name, (long long)sc->overrides[i].value);
            return -1;
        }
    }
    return 0;
}
