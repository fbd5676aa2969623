/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_shrink.c: delete-and-replay shrinking (contract in sim_shrink.h).
 *
 * Invariant: 'best' always holds a strict schedule that violates the oracle; a candidate replaces it only when
 * its re-recorded form is strictly better (shorter, or as long with fewer non-run decisions).
 */
#include "sim/explore/sim_shrink.h"

#include <stdlib.h>
#include <string.h>

/* Non-run decisions (time and faults): the fewer the better at equal length. */
static int shrink_extras(const sim_schedule *s) {
    int n = 0;
    for (int i = 0; i < s->decision_count; i++)
        n += s->decisions[i].kind != SIM_DEC_RUN;
    return n;
}

static int shrink_better(const sim_schedule *a, const sim_schedule *b) {
    return a->decision_count < b->decision_count ||
           (a->decision_count == b->decision_count && shrink_extras(a) < shrink_extras(b));
}

/* Copies the header of 'from' and its decisions except [skip_at, skip_at + skip_n). */
static void shrink_without(const sim_schedule *from, int skip_at, int skip_n, sim_schedule *to) {
    sim_schedule_free(to);
    *to = *from;
    to->decision_count = 0;
    to->decision_cap = 0;
    to->decisions = NULL;
    to->expect = SIM_EXPECT_NONE;
    for (int i = 0; i < from->decision_count; i++)
        if (i < skip_at || i >= skip_at + skip_n) sim_schedule_append(to, &from->decisions[i]);
}

/* Replays 'cand' leniently and, if it violates 'oracle', records what ran into 'rec'. Returns 1 if so. */
static int shrink_try(sim_run *run, const sim_config *cfg, const sim_schedule *cand, const char *oracle,
                      sim_schedule *rec) {
    sim_schedule_free(rec);
    sim_schedule_init(rec);
    sim_schedule_header(rec, cfg, cand->seed, cand->strategy);
    rec->model_only = 0;
    sim_replay_opts o = {1, 0, NULL, NULL, rec, NULL, NULL};
    sim_replay_result r;
    sim_replay(run, cfg, cand, &o, &r);
    sim_schedule_scripts(rec, run);
    if (r.end != SIM_END_VIOLATION || strcmp(run->violation.oracle, oracle) != 0) return 0;
    rec->expect = SIM_EXPECT_VIOLATION;
    lk_copy_str(rec->expect_oracle, sizeof(rec->expect_oracle), oracle);
    return 1;
}

/* Moves 'from' into 'to' (frees what 'to' held). */
static void shrink_take(sim_schedule *to, sim_schedule *from) {
    sim_schedule_free(to);
    *to = *from;
    sim_schedule_init(from);
}

int sim_shrink(sim_run *run, const sim_config *cfg, const sim_schedule *in, const char *oracle, int replays_max,
               sim_schedule *out, sim_shrink_result *res) {
    memset(res, 0, sizeof(*res));
    res->before = in->decision_count;
    sim_schedule best, cand, rec;
    sim_schedule_init(&best);
    sim_schedule_init(&cand);
    sim_schedule_init(&rec);
    res->replays++;
    if (!shrink_try(run, cfg, in, oracle, &best)) {
        shrink_take(out, &best);
        return -1;
    }
    for (int progress = 1; progress && res->replays < replays_max;) {
        progress = 0;
        /* time and fault decisions first, one at a time, from the end */
        for (int i = best.decision_count - 1; i >= 0 && res->replays < replays_max; i--) {
            if (i >= best.decision_count || best.decisions[i].kind == SIM_DEC_RUN) continue;
            shrink_without(&best, i, 1, &cand);
            res->replays++;
            if (shrink_try(run, cfg, &cand, oracle, &rec) && shrink_better(&rec, &best)) {
                shrink_take(&best, &rec);
                progress = 1;
            }
        }
        /* then chunks of decisions, halving */
        for (int k = best.decision_count / 2; k >= 1 && res->replays < replays_max; k /= 2)
            for (int at = 0; at + k <= best.decision_count && res->replays < replays_max;) {
                shrink_without(&best, at, k, &cand);
                res->replays++;
                if (shrink_try(run, cfg, &cand, oracle, &rec) && shrink_better(&rec, &best)) {
                    shrink_take(&best, &rec);
                    progress = 1;
                } else {
                    at += k;
                }
            }
    }
    res->after = best.decision_count;
    shrink_take(out, &best);
    sim_schedule_free(&cand);
    sim_schedule_free(&rec);
    return 0;
}
