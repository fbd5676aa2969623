/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_redis_backend.h: the real store a simulated run can send its store ops to (`--store`), design.md §8.
 *
 *   model              no real store (the default)
 *   redis              racebed starts and owns a redis-server on a free 127.0.0.1 port, with no persistence, active
 *                      expiry off (DEBUG SET-ACTIVE-EXPIRE 0, so keys expire lazily like the model) and the
 *                      gettimeofday shim, so the server's wall clock IS the simulated server clock: TTL expiry and
 *                      wall steps replay exactly; a store restart decision restarts it empty. Stopped by PID.
 *   redis://HOST:PORT  an external server, loopback only, whose db must be empty: it cannot follow simulated
 *                      time, so the run stops (exit 4) at the first op whose reply differs from the model's.
 * Either way the model runs in lockstep and every reply is compared.
 */
#ifndef RACEBED_SIM_REAL_SIM_REDIS_BACKEND_H
#define RACEBED_SIM_REAL_SIM_REDIS_BACKEND_H

#include "sim/engine/sim_backend.h"

typedef struct sim_backend_handle sim_backend_handle; /* opaque */

/* Opens the store named by 'spec' ("model", "redis" or a redis:// URL). For "model" returns 0 with '*out' NULL.
 * Returns 0; -2 when 'spec' itself is wrong (not a store, a bad URL, a host that is not loopback); or -1 when the
 * environment failed (redis-server missing, no connection, a db that is not empty). 'err' says what to do and never
 * holds the password. */
int sim_backend_open(const char *spec, sim_backend_handle **out, char *err, size_t cap);
/* The backend to put in sim_config.backend (NULL for the model): valid until close. */
const sim_backend *sim_backend_get(const sim_backend_handle *h);
/* The server's URL (redis://127.0.0.1:PORT[/DB], no password), for more connections (stress mode). */
const char *sim_backend_url(const sim_backend_handle *h);
/* A one-line description ("owned redis-server 7.0.15 on 127.0.0.1:40123"), no password. */
const char *sim_backend_describe(const sim_backend_handle *h);
/* Stops an owned server (by PID, only the one it started) and frees everything. Accepts NULL. */
void sim_backend_close(sim_backend_handle *h);

#endif
