/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_oracle_resource.c: the guarded resource and its two oracles.
 *
 * The resource is a counter outside the lock service. With fencing on it refuses any op whose fencing number is
 * below the highest it has seen, or equal to it but from another holder (a restart that lost the fence counter
 * hands out numbers again), or below the floor a clear published (Kleppmann's fencing token), reads included, so a
 * stale holder's read-modify-write is refused before it can lose an update.
 *   resource_lost_update: an accepted write was based on a read that another accepted write has overtaken.
 *   client_validity: the core's "held" answer (a "believes" event) was about an instant past the holder's lease
 *     bound (last send + TTL); with clock drift that is allowed by design (a note), otherwise the core is wrong.
 *     Touching the resource after the lease ended is only a note: every lock use is check-then-act.
 *   resource_fence_order: the resource accepted a write whose fencing number is below an earlier accepted write's.
 *   revoked_write: the resource accepted a write from a holder whose lease a clear revoked (it must be refused).
 */
#include <inttypes.h>
#include <string.h>

#include "sim/oracles/sim_oracle.h"

static int resource_lease_index(const sim_run *run, const char *key) {
    for (int i = 0; i < run->oracle.lock_key_count; i++)
        if (strcmp(run->oracle.lock_key[i], key) == 0) return i;
    return -1;
}

/* A note when 't' touches the resource while its lease on the guarding key is gone: using a lock is always a
 * check-then-act, so this is allowed by design, and fencing is what must protect the resource. */
static void resource_note_stale_use(sim_run *run, const sim_thread *t, const sim_resource *r) {
    int i = resource_lease_index(run, r->lock_key);
    if (i < 0) return;
    lk_wall_ms server_ms = sim__server_ms(run, run->now_ns + run->rtt_ns / 2);
    if (sim__oracle_lease_alive(run, i, server_ms) && run->oracle.lease[i].owner == t->owner) return;
    sim__probe(run, SIM_PROBE_TTL_EXPIRED_IN_CS);
    sim__note(run, "client_validity",
              "%s used %s at t=%" PRId64 "ms without a live lease on %s: allowed by design "
              "(check-then-act), fencing must protect the resource",
              t->name, r->name, run->now_ns / 1000000, r->lock_key);
}

/* Client validity: the core's "held" answer must be about an instant within the lease bound. */
void sim__oracle_belief_event(sim_run *run, const sim_thread *t, const char *name, const char *key,
                              int64_t checked_mono_ns) {
    if (strcmp(name, "believes") != 0 || key == NULL || resource_lease_index(run, key) < 0) return;
    const sim_thread *h = &run->thread[t->owner];
    const sim_process *p = &run->proc[t->proc];
    /* back from the process's drifting clock to virtual time (exact without drift) */
    int64_t checked_ns = p->drift_ppm == 0
                             ? checked_mono_ns
                             : checked_mono_ns - checked_mono_ns / (1000000 + p->drift_ppm) * p->drift_ppm;
    int64_t bound_ns = h->lease_sent_ns + h->lease_ttl_ms * 1000000;
    if (checked_ns <= bound_ns) return;
    int i = resource_lease_index(run, key);
    if (run->oracle.lease[i].disturbed) {
        sim__note(run, "client_validity",
                  "%s was told it holds %s at t=%" PRId64 "ms, past its bound %" PRId64
                  "ms as the store now sees it: a restart or a server wall step moved the lease; allowed by design",
                  t->name, key, checked_ns / 1000000, bound_ns / 1000000);
        return;
    }
    /* drift explains at most |ppm| of the time since the send, plus a millisecond of rounding */
    int64_t drift_ns = (checked_ns - h->lease_sent_ns) / 1000000 * (p->drift_ppm < 0 ? -p->drift_ppm : p->drift_ppm);
    if (p->drift_ppm != 0 && checked_ns - bound_ns <= drift_ns + 1000000) {
        sim__note(run, "client_validity",
                  "%s was told it holds %s at t=%" PRId64 "ms, past its bound %" PRId64
                  "ms, because its clock drifts %" PRId64 "ppm: allowed by design beyond the drift margin",
                  t->name, key, checked_ns / 1000000, bound_ns / 1000000, p->drift_ppm);
        return;
    }
    sim__violation(run, "client_validity",
                   "the lock core told %s it holds %s at t=%" PRId64 "ms, but its lease "
                   "bound was %" PRId64 "ms (acquire or extend sent at %" PRId64 "ms + TTL %" PRId64 "ms)",
                   t->name, key, checked_ns / 1000000, bound_ns / 1000000, h->lease_sent_ns / 1000000, h->lease_ttl_ms);
}

lk_rc sim__resource_op(sim_run *run, const sim_thread *t, sim_pending *p) {
    sim_resource *r = &run->resource[p->obj];
    int64_t fence = p->num;
    if (p->res_op == SIM_RES_FLOOR) {
        if (fence > r->fence_floor) r->fence_floor = fence;
        return LK_OK;
    }
    resource_note_stale_use(run, t, r);
    int reused = fence == r->fence_max && r->fence_max > 0 && r->fence_owner != t->owner;
    if (r->fencing && (fence < r->fence_max || fence < r->fence_floor || reused)) {
        r->refused++;
        sim__probe(run, SIM_PROBE_FENCE_REFUSED);
        if (fence < r->fence_floor)
            sim__note(run, "resource",
                      "%s refused %s's fence %" PRId64 ", below the floor %" PRId64 " a clear "
                      "published: the holder was revoked, by design",
                      r->name, t->name, fence, r->fence_floor);
        else if (run->restarts > 0)
            sim__note(run, "resource",
                      "%s refused %s's fence %" PRId64 " (seen %" PRId64 "): a restart lost the "
                      "fence counter; allowed by design: safety holds, progress waits until fences pass the mark",
                      r->name, t->name, fence, r->fence_max);
        return LK_EFENCED;
    }
    if (r->fencing) {
        r->fence_max = fence;
        r->fence_owner = t->owner;
    }
    if (p->res_op == SIM_RES_READ) {
        p->res_value = r->value;
        r->read_version[t->idx] = r->version;
        return LK_OK;
    }
    if (fence < r->written_fence_max)
        sim__violation(run, "resource_fence_order",
                       "%s accepted %s's write with fence %" PRId64 " after a write with "
                       "fence %" PRId64 ": writes out of fencing order (a stale holder wrote)",
                       r->name, t->name, fence, r->written_fence_max);
    if (fence > r->written_fence_max) r->written_fence_max = fence;
    /* A write with a fencing number at or above the clear's floor comes from a grant after the clear (one a lose-last
     * restart may have rolled back to the revoked one): the successor's, not the revoked holder's. */
    if (run->thread[t->owner].revoked && fence < run->thread[t->owner].revoked_below)
        sim__violation(run, "revoked_write",
                       "%s's lease on %s was revoked by a clear, yet %s accepted its write "
                       "(fence %" PRId64 ")",
                       t->name, r->lock_key, r->name, fence);
    if (r->read_version[t->idx] >= 0 && r->read_version[t->idx] != r->version)
        sim__violation(run, "resource_lost_update",
                       "%s wrote %s = %" PRId64 " based on version %" PRId64 ", but "
                       "another write made it version %" PRId64 " in between: an update is lost",
                       t->name, r->name, p->res_value, r->read_version[t->idx], r->version);
    r->value = p->res_value;
    r->version++;
    r->read_version[t->idx] = -1;
    return LK_OK;
}
