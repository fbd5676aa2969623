/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_config.c: configs, parameters by name, and the scenario catalog (contract in sim_config.h).
 */
#include "sim/explore/sim_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sim_config_defaults(sim_config *cfg, const sim_scenario *sc, int variant) {
    memset(cfg, 0, sizeof(*cfg));
    cfg->scenario = sc;
    cfg->variant = variant;
    for (int i = 0; i < sim_param_count(sc); i++)
        cfg->param[i] = sim_param_def_at(sc, i)->def;
    for (int i = 0; i < sc->override_count; i++) {
        int p = sim_param_index(sc, sc->overrides[i].name);
        if (p >= 0) cfg->param[p] = sc->overrides[i].value;
    }
}

int sim_config_set(sim_config *cfg, const char *name, int64_t value, char *err, size_t cap) {
    int i = sim_param_index(cfg->scenario, name);
    if (i < 0) {
        int n = snprintf(err, cap, "unknown parameter '%s' for scenario %s (it has:", name, cfg->scenario->name);
        for (int j = 0; j < sim_param_count(cfg->scenario) && n > 0 && (size_t)n < cap; j++)
            n += snprintf(err + n, cap - (size_t)n, " %s", sim_param_def_at(cfg->scenario, j)->name);
        if (n > 0 && (size_t)n < cap) snprintf(err + n, cap - (size_t)n, ")");
        return -1;
    }
    const sim_param_def *d = sim_param_def_at(cfg->scenario, i);
    if (value < d->min || value > d->max) {
        snprintf(err, cap, "parameter %s=%lld is out of range [%lld, %lld]", name, (long long)value, (long long)d->min,
                 (long long)d->max);
        return -1;
    }
    cfg->param[i] = value;
    return 0;
}

int sim_config_set_text(sim_config *cfg, const char *name_value, char *err, size_t cap) {
    const char *eq = strchr(name_value, '=');
    char name[SIM_NAME_MAX];
    if (eq == NULL || eq == name_value || (size_t)(eq - name_value) >= sizeof(name)) {
        snprintf(err, cap, "a parameter is NAME=VALUE, got '%.80s'", name_value);
        return -1;
    }
    memcpy(name, name_value, (size_t)(eq - name_value));
    name[eq - name_value] = '\0';
    char *end = NULL;
    errno = 0;
    int64_t v = strtoll(eq + 1, &end, 10);
    int number = eq[1] != '\0' && errno == 0 && *end == '\0';
    if (!number && sim_param_word(name, eq + 1, &v) != 0) { /* a few parameters also take words */
        snprintf(err, cap, "parameter %s needs an integer, got '%.40s'", name, eq + 1);
        return -1;
    }
    return sim_config_set(cfg, name, v, err, cap);
}

const sim_scenario *sim_scenario_find(const char *name) {
    for (int i = 0; sim_scenarios[i]; i++)
        if (strcmp(sim_scenarios[i]->name, name) == 0) return sim_scenarios[i];
    return NULL;
}

int sim_variant_find(const sim_scenario *sc, const char *name) {
    for (int i = 0; i < sc->variant_count; i++)
        if (strcmp(sc->variants[i].name, name) == 0) return i;
    return -1;
}

int sim_config_from_schedule(sim_config *cfg, const sim_schedule *s, char *err, size_t cap) {
    const sim_scenario *sc = sim_scenario_find(s->scenario);
    if (sc == NULL) {
        snprintf(err, cap, "unknown scenario '%s' (see `racebed list`)", s->scenario);
        return -1;
    }
    if (sim_scenario_check(sc, err, cap) != 0) return -1;
    int v = sim_variant_find(sc, s->variant);
    if (v < 0) {
        snprintf(err, cap, "scenario %s has no variant '%s' (see `racebed list`)", sc->name, s->variant);
        return -1;
    }
    sim_config_defaults(cfg, sc, v);
    for (int i = 0; i < s->param_count; i++)
        if (sim_config_set(cfg, s->param_key[i], s->param_value[i], err, cap) != 0) return -1;
    return 0;
}

sim_exec_args sim_config_args(const sim_config *cfg, uint64_t seed, int log_ops) {
    /* a real store cannot lose its last writes on demand: no op log, so no lose-last restart is picked */
    sim_exec_args a = {cfg->scenario, cfg->variant,  cfg->param,           seed, 0, cfg->backend ? 0 : log_ops,
                       cfg->backend,  cfg->ignore_oracles};
    return a;
}

void sim_outcome_take(sim_outcome *out, const sim_run *run, sim_end end) {
    memset(out, 0, sizeof(*out));
    out->end = end;
    out->steps = run->step;
    out->threads = run->thread_count;
    out->violation = run->violation;
    memcpy(out->setup_error, run->setup_error, sizeof(out->setup_error));
    memcpy(out->backend_error, run->backend_error, sizeof(out->backend_error));
    out->note_count = run->note_count;
    out->notes_dropped = run->notes_dropped;
    memcpy(out->note, run->note, sizeof(out->note));
}
