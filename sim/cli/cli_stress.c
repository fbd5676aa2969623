/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_stress.c: `racebed stress`: the lock core (or a mutant) on real pthreads, the real clock and a real Redis, as a
 * stress test runs it (sim/real/sim_stress.h): the baseline racebed's simulation is measured against.
 *
 * Invariant: it only ever talks to a loopback Redis, and only to a server it started or one the user named.
 */
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_report.h"
#include "sim/real/sim_redis_backend.h"
#include "sim/real/sim_stress.h"

int cli_cmd_stress(cli_args *a) {
    const char *scenario = a->positional[0];
    int ttl = strcmp(scenario, "ttl_expiry") == 0; /* the TTL scenario's own defaults */
    sim_stress_opts o = {scenario,
                         a->variant ? a->variant : "core",
                         NULL,
                         a->threads ? a->threads
                         : ttl      ? 3
                                    : 5,
                         a->iterations_given ? a->iterations
                         : ttl               ? 4
                                             : 20,
                         a->duration_s,
                         a->ttl_ms ? a->ttl_ms
                         : ttl     ? 300
                                   : 2000,
                         a->work_ms >= 0 ? a->work_ms
                         : ttl           ? 600
                                         : 20};
    const char *store = a->store ? a->store : "redis";
    if (o.duration_s > 0 && !a->iterations_given) o.iterations = 0; /* a duration alone bounds it */
    if (!sim_stress_supported(o.scenario, o.variant)) {
        cli_report_usage_error("stress", "%s %s is not a stress scenario (see racebed stress --help)", o.scenario,
                               o.variant);
        return EXIT_USAGE;
    }
    sim_backend_handle *backend = NULL;
    char err[512];
    if (strcmp(store, "model") == 0) {
        cli_report_usage_error("stress", "--store model: stress mode needs a real Redis (redis or a redis:// URL)");
        return EXIT_USAGE;
    }
    int rc = cli_open_store("stress", store, &backend);
    if (rc != 0) return rc;
    o.url = sim_backend_url(backend);
    char shown[256];
    cli_store_redact(o.url, shown, sizeof(shown));
    cli_report_stress_header(&o, shown); /* the server's address; its simulated clock is not used here */
    sim_stress_result res;
    rc = sim_stress_run(&o, &res, err, sizeof(err));
    sim_backend_close(backend);
    if (rc != 0) {
        cli_report_usage_error("stress", "%s", err);
        return EXIT_ENV;
    }
    cli_report_stress(&res);
    return res.violated ? EXIT_VIOLATION : EXIT_PASS;
}
