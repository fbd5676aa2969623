/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_report_selfcheck.c: the lines of racebed's self-checks (contract in cli_report.h): `run --check-determinism`
 * (this process against a fresh one) and `list --oracles` (each oracle's canaries).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli_report.h"
#include "sim/run/sim_verdict.h"

/* ---- run --check-determinism ------------------------------------------------------------------------------------ */

void cli_report_determinism(const cli_args *a, const char *binary, int at, int lines, const char *here,
                            const char *there) {
    uint64_t last = a->opts.seed + (uint64_t)a->check_determinism - 1;
    if (at == 0) {
        printf("DETERMINISTIC: %lld executions of %s (seeds %" PRIu64 "..%" PRIu64 "), %d lines of decisions and "
               "trace identical in a fresh process (%s)\n",
               (long long)a->check_determinism, a->cfg.scenario->name, a->opts.seed, last, lines, binary);
        return;
    }
    printf("NONDETERMINISTIC: %s differs from a fresh process (%s) at line %d of the decision and trace stream, "
           "after %d identical lines\n  this process:  %s\n  fresh process: %s\n",
           a->cfg.scenario->name, binary, at, lines, here, there);
    printf("(each line names its execution (seed %" PRIu64 "+execution), and a trace line its step and thread: "
           "replay that seed's schedule in both to see the rest)\n",
           a->opts.seed);
}

/* ---- list --oracles: each oracle's canaries ------------------------------------------------------------------- */

/* Appends "a, b" style item 'item' to 'buf' unless already there. */
static void report_list_add(char *buf, size_t cap, const char *item) {
    size_t n = strlen(item);
    for (const char *p = buf; (p = strstr(p, item)) != NULL; p += n)
        if ((p == buf || p[-1] == ' ') && (p[n] == '\0' || p[n] == ',')) return;
    size_t used = strlen(buf);
    snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", item);
}

/* One oracle's line: the mutants declared to kill it and the race probes of their scenarios. Returns 1 if none
 * kills it. */
static int report_oracle_line(const char *oracle) {
    char killers[2048] = "", probes[1024] = "", item[2 * SIM_NAME_MAX + 2], canary[SIM_NAME_MAX];
    for (int i = 0; sim_scenarios[i]; i++) {
        const sim_scenario *sc = sim_scenarios[i];
        for (int v = 1; v < sc->variant_count; v++) {
            if (sim_canary_of(sc, sc->variants[v].name, canary, sizeof(canary)) != 0 || strcmp(canary, oracle) != 0)
                continue;
            snprintf(item, sizeof(item), "%s/%s", sc->name, sc->variants[v].name + 7);
            report_list_add(killers, sizeof(killers), item);
            for (int k = 0; sc->probes && sim__list_item(sc->probes, k, item, sizeof(item)) == 0; k++)
                report_list_add(probes, sizeof(probes), item);
        }
    }
    printf("%-32s killed by: %s; race probes: %s\n", oracle, killers[0] ? killers : "NONE (no mutant kills it)",
           probes[0] ? probes : "-");
    return killers[0] == '\0';
}

int cli_report_oracles(void) {
    char names[4096], name[SIM_NAME_MAX], seen[8192] = "", uncovered[4096] = "", undeclared[4096] = "";
    int count = 0, none = 0;
    sim_oracle_names(NULL, names, sizeof(names));
    for (const char *p = names; *p;) { /* the built-in ones ("a, b, c"), then each scenario's expectations */
        size_t k = strcspn(p, ",");
        snprintf(name, sizeof(name), "%.*s", (int)k, p);
        p += k;
        while (*p == ',' || *p == ' ')
            p++;
        report_list_add(seen, sizeof(seen), name);
    }
    for (int i = 0; sim_scenarios[i]; i++)
        for (int k = 0; sim__list_item(sim_scenarios[i]->expectations, k, name, sizeof(name)) == 0; k++)
            report_list_add(seen, sizeof(seen), name);
    for (const char *p = seen; *p;) {
        size_t k = strcspn(p, ",");
        snprintf(name, sizeof(name), "%.*s", (int)k, p);
        p += k;
        while (*p == ',' || *p == ' ')
            p++;
        count++;
        if (report_oracle_line(name)) {
            none++;
            report_list_add(uncovered, sizeof(uncovered), name);
        }
    }
    for (int i = 0; sim_scenarios[i]; i++)
        for (int v = 1; v < sim_scenarios[i]->variant_count; v++) {
            char item[2 * SIM_NAME_MAX + 2];
            if (sim_canary_of(sim_scenarios[i], sim_scenarios[i]->variants[v].name, name, sizeof(name)) == 0) continue;
            snprintf(item, sizeof(item), "%s/%s", sim_scenarios[i]->name, sim_scenarios[i]->variants[v].name);
            report_list_add(undeclared, sizeof(undeclared), item);
        }
    printf("%d oracles; %d with no mutant that kills it%s%s\n", count, none, none ? ": " : "", uncovered);
    if (undeclared[0]) printf("mutants with no declared canary oracle: %s\n", undeclared);
    return undeclared[0] ? 1 : 0;
}
