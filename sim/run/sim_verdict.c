/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_verdict.c: violations, notes, setup errors and probe names of an execution (contract in sim_verdict.h; the
 * public halves, sim_violation and sim_setup_error, are declared in sim_scenario.h).
 */
#include "sim/run/sim_verdict.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const probe_names[] = {
#define X(name, label, doc) label,
    SIM_PROBE_MAP(X)
#undef X
};
static const char *const probe_docs[] = {
#define X(name, label, doc) doc,
    SIM_PROBE_MAP(X)
#undef X
};

const char *sim_probe_name(int p) {
    return p >= 0 && p < SIM_PROBE_COUNT_ ? probe_names[p] : "?";
}

const char *sim_probe_doc(int p) {
    return p >= 0 && p < SIM_PROBE_COUNT_ ? probe_docs[p] : "?";
}

void sim_setup_error(sim_run *run, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(run->setup_error, sizeof(run->setup_error), fmt, ap);
    va_end(ap);
}

void sim__note(sim_run *run, const char *oracle, const char *fmt, ...) {
    if (run->oracle_silent) return;
    if (run->note_count == SIM_NOTES_MAX) {
        run->notes_dropped++;
        return;
    }
    sim_note *n = &run->note[run->note_count++];
    n->step = run->step;
    lk_copy_str(n->oracle, sizeof(n->oracle), oracle);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->msg, sizeof(n->msg), fmt, ap);
    va_end(ap);
}

void sim__violation(sim_run *run, const char *oracle, const char *fmt, ...) {
    if (run->violation.set || run->oracle_silent) return;
    for (int i = 0; i < run->ignored_count; i++)
        if (strcmp(run->ignored[i], oracle) == 0) { /* --ignore-oracle: a note, and the run goes on */
            char msg[SIM_MSG_MAX];
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(msg, sizeof(msg), fmt, ap);
            va_end(ap);
            sim__note(run, oracle, "ignored (--ignore-oracle): %s", msg);
            return;
        }
    run->violation.set = 1;
    run->violation.step = run->step;
    lk_copy_str(run->violation.oracle, sizeof(run->violation.oracle), oracle);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(run->violation.msg, sizeof(run->violation.msg), fmt, ap);
    va_end(ap);
}

static const char *const oracle_names[] = {
#define X(name, label, doc) label,
    SIM_ORACLE_MAP(X)
#undef X
};

static const char *const oracle_docs[] = {
#define X(name, label, doc) doc,
    SIM_ORACLE_MAP(X)
#undef X
};

const char *sim_oracle_doc(const char *name) {
    for (size_t i = 0; i < sizeof(oracle_names) / sizeof(oracle_names[0]); i++)
        if (strcmp(oracle_names[i], name) == 0) return oracle_docs[i];
    return NULL;
}

int sim_canary_of(const sim_scenario *sc, const char *variant, char *oracle, size_t cap) {
    const char *mutant = strncmp(variant, "mutant:", 7) == 0 ? variant + 7 : variant;
    size_t n = strlen(mutant);
    for (const char *p = sc->canaries; p && *p;) {
        size_t k = strcspn(p, ",");
        const char *eq = memchr(p, '=', k);
        if (eq && (size_t)(eq - p) == n && strncmp(p, mutant, n) == 0) {
            snprintf(oracle, cap, "%.*s", (int)(k - n - 1), eq + 1);
            return 0;
        }
        p += k + (p[k] == ',');
    }
    return -1;
}

int sim__list_index(const char *list, const char *name) {
    size_t n = strlen(name);
    int i = 0;
    for (const char *p = list; p && *p; i++) {
        size_t k = strcspn(p, ",");
        if (k == n && strncmp(p, name, n) == 0) return i;
        p += k + (p[k] == ',');
    }
    return -1;
}

int sim__list_count(const char *list) {
    int i = 0;
    for (const char *p = list; p && *p; i++)
        p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',');
    return i;
}

int sim__list_item(const char *list, int k, char *buf, size_t cap) {
    int i = 0;
    for (const char *p = list; p && *p; i++) {
        size_t n = strcspn(p, ",");
        if (i == k) {
            snprintf(buf, cap, "%.*s", (int)n, p);
            return 0;
        }
        p += n + (p[n] == ',');
    }
    return -1;
}

static int verdict_in_list(const char *list, const char *name) {
    return sim__list_index(list, name) >= 0;
}

int sim_probe_count(const sim_scenario *sc) {
    int own = sim__list_count(sc->own_probes);
    return SIM_PROBE_COUNT_ + (own < SIM_OWN_PROBES_MAX ? own : SIM_OWN_PROBES_MAX);
}

int sim_probe_name_of(const sim_scenario *sc, int p, char *buf, size_t cap) {
    if (p >= 0 && p < SIM_PROBE_COUNT_) {
        snprintf(buf, cap, "%s", sim_probe_name(p));
        return 0;
    }
    if (p < SIM_PROBE_COUNT_ || p >= sim_probe_count(sc)) return -1;
    return sim__list_item(sc->own_probes, p - SIM_PROBE_COUNT_, buf, cap);
}

int sim_oracle_known(const sim_scenario *sc, const char *name) {
    for (size_t i = 0; i < sizeof(oracle_names) / sizeof(oracle_names[0]); i++)
        if (strcmp(oracle_names[i], name) == 0) return 1;
    return sc != NULL && verdict_in_list(sc->expectations, name);
}

void sim_oracle_names(const sim_scenario *sc, char *buf, size_t cap) {
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(oracle_names) / sizeof(oracle_names[0]) && n < cap; i++) {
        int w = snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", oracle_names[i]);
        n += w > 0 ? (size_t)w : 0;
    }
    for (const char *p = sc ? sc->expectations : NULL; p && *p && n < cap;) {
        size_t k = strcspn(p, ",");
        int w = snprintf(buf + n, cap - n, ", %.*s", (int)k, p);
        n += w > 0 ? (size_t)w : 0;
        p += k + (p[k] == ',');
    }
}

void sim_violation(sim_run *run, const char *oracle, const char *fmt, ...) {
    if (run->violation.set || run->setup_error[0]) return;
    if (!verdict_in_list(run->scenario->expectations, oracle)) { /* a scenario bug: said at once, not a verdict */
        sim_setup_error(run,
                        "scenario %s raised '%s', which it does not declare: add it to the .expectations of its "
                        "table entry (declared: %s)",
                        run->scenario->name, oracle,
                        run->scenario->expectations ? run->scenario->expectations : "none");
        return;
    }
    char msg[SIM_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (run->current < 0) {
        sim__violation(run, oracle, "%s", msg);
        return;
    }
    /* raised by a thread: its name, and its own step (the decision of its last op), not whatever ran last */
    const sim_thread *t = &run->thread[run->current];
    sim__violation(run, oracle, "%s (raised by %s after its op at step %d)", msg, t->name, t->last_step);
    if (run->violation.set && strcmp(run->violation.oracle, oracle) == 0) run->violation.step = t->last_step;
}
