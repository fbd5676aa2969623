/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_report_search.c: the report of an exhaustive search (contract in cli_report_search.h): its summary line, its
 * verdict (VIOLATION, INCOMPLETE, FAIL, PROVED with exactly what it covered and what it did not) and the verdict of
 * merged shards; with --json the same values and the same words go into the document instead.
 *
 * Invariant: PROVED is said only of a search that covered its whole bounded space with no violation, and always with
 * its bounds and what they leave out; a stopped search says INCOMPLETE, never PASS.
 */
#include "sim/cli/cli_report_search.h"
#include "sim/search/sim_symmetry.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli_json.h"
#include "sim/explore/sim_faults.h"
#include "sim/run/sim_text.h"
#include "sim/search/sim_census.h"

static const char *const search_reduce_names[] = {"none", "dpor", "hash"};

/* How the search ended, as its summary line ends. Static text, or res->stopped. */
static const char *search_ended(const sim_exhaust_opts *o, const sim_exhaust_result *res) {
    if (res->violations && res->branch_and_bound) /* it goes on past each violation it finds */
        return res->complete  ? "searched on to the end: no shorter violation within the bounds"
               : res->stopped ? res->stopped
                              : "stopped by the budget before a shorter violation was ruled out";
    return res->complete                       ? "the whole bounded space"
           : res->violations && !o->keep_going ? "stopped at the first violation"
           : res->stopped                      ? res->stopped
                                               : "stopped by the budget, the bounded space is larger";
}

/* 1 if a --shortest search that found a violation showed that none is shorter: iterative deepening always does (it
 * searched every smaller depth first); a search over states bounding its depth does when it ended complete. */
static int search_shortest_proved(const sim_exhaust_result *res) {
    return !res->branch_and_bound || res->complete;
}

/* Why a search that found nothing is INCOMPLETE, as its verdict line says it. */
static void search_incomplete_text(const sim_exhaust_opts *o, const sim_exhaust_result *res, char *buf, size_t cap) {
    if (res->stopped)
        snprintf(buf, cap, "%s", res->stopped);
    else
        snprintf(buf, cap,
                 "the budget of %lld executions ran out before the bounded space did (raise --budget-execs): no "
                 "violation in what was explored, which proves nothing",
                 (long long)o->execs_max);
}

/* The bounds of an exhaustive search, as its summary line names them. */
static void search_bounds(const sim_exhaust_opts *o, const sim_bounds *b) {
    char bound[32];
    if (b->preemptions_max < 0)
        snprintf(bound, sizeof(bound), "unbounded");
    else
        snprintf(bound, sizeof(bound), "<= %d", b->preemptions_max);
    printf(" (preemptions %s, advances <= %lld, store faults <= %lld a thread, wall steps <= %lld, restarts <= %lld, "
           "crashes "
           "<= %lld, pauses <= %lld, seed %" PRIu64 ")",
           bound, (long long)b->advances, (long long)b->store_faults, (long long)b->wall_steps, (long long)b->restarts,
           (long long)b->crashes, (long long)b->pauses, o->seed);
}

/* The bounds 'b' of a search, as the document's "bounds" member of 'parent'. */
static void search_json_bounds(cli_jnode parent, const sim_bounds *b) {
    cli_jnode j = cli_json_object(parent, "bounds");
    if (b->preemptions_max < 0)
        cli_json_set_str(j, "preemptions_max", NULL);
    else
        cli_json_set_int(j, "preemptions_max", b->preemptions_max);
    cli_json_set_int(j, "advances", b->advances);
    cli_json_set_int(j, "store_faults", b->store_faults);
    cli_json_set_int(j, "wall_steps", b->wall_steps);
    cli_json_set_int(j, "wall_step_ms", b->wall_step_ms);
    cli_json_set_int(j, "restarts", b->restarts);
    cli_json_set_int(j, "crashes", b->crashes);
    cli_json_set_int(j, "pauses", b->pauses);
    cli_json_set_int(j, "pause_ms", b->pause_ms);
}

/* The odds that two of 'states' distinct states share a stored fingerprint (the visited set keeps
 * SIM_VISITED_FP_BITS bits of each: a birthday bound, n^2 / 2^(bits + 1)), which would cut a subtree unexplored. */
static double search_collision_bound(int64_t states) {
    double n = (double)states;
    return n * n / ldexp(1.0, SIM_VISITED_FP_BITS + 1);
}

/* The summary line's values as the document's "exhaustive" member. */
static void search_json_summary(const cli_args *a, const sim_exhaust_opts *o, const sim_exhaust_result *res) {
    cli_jnode root = cli_json_root(a->doc), j = cli_json_object(root, "exhaustive");
    cli_json_set_str(j, "reduce", search_reduce_names[o->reduce]);
    cli_json_set_bool(j, "shortest", o->shortest);
    if (o->shards > 1) {
        cli_jnode sh = cli_json_object(j, "shard");
        cli_json_set_int(sh, "index", o->shard);
        cli_json_set_int(sh, "count", o->shards);
    }
    cli_json_set_bool(j, "resumed", res->resumed);
    cli_json_set_int(j, "executions", res->execs);
    cli_json_set_int(j, "decisions", res->steps);
    if (o->reduce == SIM_REDUCE_HASH) {
        cli_json_set_int(j, "states", res->states);
        cli_json_set_int(j, "revisits", res->revisits);
        cli_json_set_int(j, "memory_bytes", (int64_t)res->memory_bytes);
        cli_json_set_int(j, "bytes_per_state", res->states ? (int64_t)res->memory_bytes / res->states : 0);
        cli_json_set_real(j, "collision_bound", search_collision_bound(res->states));
        cli_json_set_int(j, "jobs", res->jobs > 1 ? res->jobs : 1);
        cli_json_set_int(j, "duplicated", res->duplicated);
    }
    if (o->reduce == SIM_REDUCE_HASH && res->complete && !o->shortest)
        cli_json_set_int(j, "naive_executions", res->naive_execs);
    if (o->reduce == SIM_REDUCE_DPOR) cli_json_set_int(j, "sleep_blocked", res->sleep_blocked);
    if (o->shards <= 1 && !o->checkpoint) cli_json_set_int(j, "outcomes", res->outcomes);
    cli_json_set_int(j, "seed", (int64_t)o->seed);
    search_json_bounds(j, &res->bounds);
    cli_json_set_bool(j, "complete", res->complete);
    cli_json_set_str(j, "ended", search_ended(o, res));
    if (o->oracle) {
        cli_json_set_str(j, "oracle", o->oracle);
        cli_jnode fired = cli_json_array(j, "other_oracles_fired");
        for (int i = 0; res->violations == 0 && i < res->violated_count; i++)
            cli_json_push_str(fired, res->violated[i]);
    }
    if (o->shortest && res->violations) {
        cli_json_set_int(j, "shortest_depth", res->depth_reached);
        cli_json_set_bool(j, "shortest_proved", search_shortest_proved(res));
    }
    if (o->census) {
        cli_jnode c = cli_json_object(j, "census");
        cli_json_set_int(c, "states", o->census->states);
        cli_json_set_bool(c, "all_states", !o->census->full);
        cli_jnode classes = cli_json_array(c, "classes");
        for (int k = 0; k < SIM_STATE_CLASS_COUNT; k++) {
            cli_jnode row = cli_json_push_object(classes);
            cli_json_set_str(row, "class", sim_state_class_name(k));
            cli_json_set_int(row, "states_without", sim_census_without(o->census, k));
        }
    }
}

/* The census (--census): for each class, the states left if it were ignored, and by what factor they merge. */
static void search_census(sim_census *c) {
    printf("census of %s%lld states stored (states left if one class of the state were ignored; a measurement, "
           "not a reduction):\n",
           c->full ? "the first " : "the ", (long long)c->states);
    for (int k = 0; k < SIM_STATE_CLASS_COUNT; k++) {
        int64_t n = sim_census_without(c, k);
        printf("  %-17s %12lld  x%-6.2f %s\n", sim_state_class_name(k), (long long)n,
               n > 0 ? (double)c->states / (double)n : 0.0, sim_state_class_what(k));
    }
    if (c->full) printf("  (the census's sets were full: states after those were not counted)\n");
    sim_census_word w[SIM_CENSUS_TOP];
    int n = sim_census_top_words(c, w, SIM_CENSUS_TOP);
    if (c->pairs == 0) return;
    printf("stack words that told states apart (%lld states compared with a kept state equal but for its stacks; %lld "
           "of them had a thread at another depth):\n",
           (long long)c->pairs, (long long)c->depth_differs);
    for (int i = 0; i < n; i++) {
        printf("  %-6s %6u bytes below its stack's top: %10lld times, e.g. 0x%" PRIx64 " and 0x%" PRIx64,
               c->thread_name[w[i].thread], w[i].from_top, (long long)w[i].count, w[i].a, w[i].b);
        if (w[i].code) printf(" (a frame called from racebed+0x%" PRIx64 ")", w[i].code);
        printf("\n");
    }
    if (c->words_elsewhere) printf("  and %lld more words in other places\n", (long long)c->words_elsewhere);
}

/* How the states were fingerprinted with --symmetry on: up to it, or plainly and why. */
static void search_symmetry(const sim_exhaust_result *res) {
    int64_t plain = 0;
    for (int r = 1; r < SIM_SYM_FALLBACK_COUNT_; r++)
        plain += res->sym_states[r];
    printf("symmetry of %s: %lld states fingerprinted up to a renaming, %lld plainly", res->symmetric,
           (long long)res->sym_states[0], (long long)plain);
    for (int r = 1; r < SIM_SYM_FALLBACK_COUNT_; r++)
        if (res->sym_states[r] > 0)
            printf("%s%lld: %s", plain == res->sym_states[r] ? " (" : ", ", (long long)res->sym_states[r],
                   sim_sym_fallback_text(r));
    printf("%s\n", plain > 0 ? ")" : "");
}

void cli_report_exhaustive(const cli_args *a, const sim_exhaust_opts *o, const sim_exhaust_result *res) {
    if (a->doc) {
        search_json_summary(a, o, res);
        return;
    }
    if (res->resumed) printf("resumed from %s\n", o->checkpoint);
    if (res->restarted)
        printf("%s holds this search over states incomplete (or with a violation, whose schedule it does not keep): "
               "started over (a search over states saves its counts, not its visited set)\n",
               o->checkpoint);
    if (o->shards > 1) printf("shard %d/%d: ", o->shard, o->shards);
    printf("exhaustive (reduce %s%s): %lld executions, %lld decisions", search_reduce_names[o->reduce],
           o->shortest ? ", shortest first" : "", (long long)res->execs, (long long)res->steps);
    if (o->reduce == SIM_REDUCE_HASH && o->shortest && !res->branch_and_bound && res->depth_reached > 1) {
        /* iterative deepening: each depth's iteration stores its own visited set; memory is the largest one's */
        int64_t most = res->states_round_max;
        printf(", %lld states stored over %d iterations (at most %lld in one), %lld revisits, %.1f MiB (%lld bytes a "
               "state), fingerprint collision odds <= %.0e",
               (long long)res->states, res->depth_reached, (long long)most, (long long)res->revisits,
               (double)res->memory_bytes / 1048576.0, most ? (long long)res->memory_bytes / most : 0LL,
               search_collision_bound(res->states));
    } else if (o->reduce == SIM_REDUCE_HASH) {
        printf(", %lld states stored, %lld revisits, %.1f MiB (%lld bytes a state), fingerprint collision odds <= "
               "%.0e",
               (long long)res->states, (long long)res->revisits, (double)res->memory_bytes / 1048576.0,
               res->states ? (long long)res->memory_bytes / res->states : 0LL, search_collision_bound(res->states));
        if (res->jobs > 1)
            printf(", %d workers (%lld states explored by two at once)", res->jobs, (long long)res->duplicated);
    }
    if (o->reduce == SIM_REDUCE_HASH && res->complete && !o->shortest)
        printf(", the naive search: %lld executions", (long long)res->naive_execs);
    if (o->reduce == SIM_REDUCE_DPOR) printf(", %lld sleep-set blocked", (long long)res->sleep_blocked);
    if (o->shards <= 1 && !o->checkpoint) printf(", %lld distinct outcomes", (long long)res->outcomes);
    if (res->points > 0 && o->shards <= 1 && !o->checkpoint) /* a resumed or sharded search saw part of them */
        printf(", %.1f options a point (max %d)", (double)res->options_sum / (double)res->points, res->options_max);
    search_bounds(o, &res->bounds);
    printf(": %s\n", search_ended(o, res));
    if (o->oracle && res->violations == 0) {
        printf("no violation of %s;", o->oracle);
        if (res->violated_count == 0)
            printf(" no other oracle fired either (is the name right? see the violations a random run reports)");
        for (int i = 0; i < res->violated_count; i++)
            printf(" %s%s", i ? "" : "other oracles that fired: ", res->violated[i]);
        printf("\n");
    }
    if (o->shortest && res->violations && search_shortest_proved(res))
        printf("shortest: no violation within %d decisions; one at %d\n", res->depth_reached - 1, res->depth_reached);
    else if (o->shortest && res->violations) /* a search over states stopped while it looked for a shorter one */
        printf("shortest: one at %d decisions, the shortest found before the search stopped (a shorter one may "
               "exist)\n",
               res->depth_reached);
    else if (o->shortest && !res->complete && !res->branch_and_bound && res->depth_reached > 1) /* deepening */
        printf("shortest: no violation within %d decisions (stopped while searching %d)\n", res->depth_reached - 1,
               res->depth_reached);
    if (o->checkpoint && res->checkpoint_bytes > 0)
        printf("checkpoint: %s (%lld bytes)\n", o->checkpoint, (long long)res->checkpoint_bytes);
    if (o->symmetry && res->symmetric[0]) search_symmetry(res);
    if (o->census) search_census(o->census);
}

/* Appends one explored kind ("crashes <= 1 (thread)") or, with a zero bound, its name to the not-explored list. */
static void search_kind(sim_text *within, sim_text *missing, int64_t bound, const char *explored, const char *name) {
    if (bound > 0)
        sim_text_add(within, "; %s", explored);
    else
        sim_text_add(missing, "%s%s", missing->len ? ", " : "", name);
}

/* The wall steps explored, "+-1500 ms (server, p1..p3)". */
static void search_wall_text(const sim_bounds *b, char *buf, size_t cap) {
    const char *sign = b->wall_signs == SIM_WALL_SIGNS_BOTH       ? "+-"
                       : b->wall_signs == SIM_WALL_SIGNS_BACKWARD ? "-"
                                                                  : "+";
    const char *clocks = b->wall_clocks == SIM_WALL_CLOCKS_ALL       ? "server and every process"
                         : b->wall_clocks == SIM_WALL_CLOCKS_CLIENTS ? "every process"
                                                                     : "server";
    snprintf(buf, cap, "wall steps <= %lld of %s%lld ms (%s)", (long long)b->wall_steps, sign,
             (long long)b->wall_step_ms, clocks);
}

/* What a completed exhaustive search covered, exactly: its threads and bounds, the kinds of decision it branched
 * on, and, after "not explored:", every kind of fault or timing it did not. */
static void search_proved_text(uint64_t seed, int ids, const char *threads, const char *symmetric,
                               const sim_bounds *b, sim_text *within, sim_text *missing) {
    char text[200];
    sim_text_add(within, "threads %s", threads[0] ? threads : "(not recorded)");
    if (symmetric && symmetric[0]) sim_text_add(within, " up to symmetry of %s (declared)", symmetric);
    if (b->preemptions_max < 0)
        sim_text_add(within, "; preemptions unbounded");
    else
        sim_text_add(within, "; preemptions <= %d", b->preemptions_max);
    snprintf(text, sizeof(text), "advances <= %lld (to wake-ups and key deadlines + 1 ms)", (long long)b->advances);
    search_kind(within, missing, b->advances, text, "time advances");
    char kinds[160] = "", absent[96] = "";
    for (int v = 1; v <= SIM_FAULT_KIND_LAST; v++) {
        char *to = b->store_fault_kinds >> v & 1u ? kinds : absent;
        if (to == absent && v == SIM_FAULT_LATE_TIMEOUT) continue; /* named at the end of the list */
        size_t cap = to == kinds ? sizeof(kinds) : sizeof(absent), len = strlen(to);
        if (v == SIM_FAULT_REPLY_LOST && to == kinds)
            snprintf(to + len, cap - len, "%sreply-lost surfacing after %lld ms", len ? ", " : "",
                     (long long)b->timeout_ms);
        else if (v == SIM_FAULT_LATE_TIMEOUT && to == kinds)
            snprintf(to + len, cap - len, "%slate-timeout by timeout_lag_ms", len ? ", " : "");
        else
            snprintf(to + len, cap - len, "%s%s", len ? ", " : "", sim_store_fault_word(v));
    }
    snprintf(text, sizeof(text), "store faults <= %lld per thread (%s)", (long long)b->store_faults, kinds);
    search_kind(within, missing, b->store_faults, text, "store faults (reply-lost, conn-error, late-timeout)");
    if (b->store_faults > 0 && absent[0]) sim_text_add(missing, "%s%s", missing->len ? ", " : "", absent);
    search_wall_text(b, text, sizeof(text));
    search_kind(within, missing, b->wall_steps, text, "wall steps");
    if (b->wall_steps > 0 && b->wall_clocks != SIM_WALL_CLOCKS_ALL)
        sim_text_add(missing, "%s%s wall steps", missing->len ? ", " : "",
                     b->wall_clocks == SIM_WALL_CLOCKS_SERVER ? "process" : "server");
    if (b->wall_steps > 0 && b->wall_signs != SIM_WALL_SIGNS_BOTH)
        sim_text_add(missing, "%s%s wall steps", missing->len ? ", " : "",
                     b->wall_signs == SIM_WALL_SIGNS_FORWARD ? "backward" : "forward");
    snprintf(text, sizeof(text), "restarts <= %lld (lose-all)", (long long)b->restarts);
    search_kind(within, missing, b->restarts, text, "lose-all restarts");
    snprintf(text, sizeof(text), "crashes <= %lld (thread or process)", (long long)b->crashes);
    search_kind(within, missing, b->crashes, text, "crashes");
    snprintf(text, sizeof(text), "pauses <= %lld of %lld ms", (long long)b->pauses, (long long)b->pause_ms);
    search_kind(within, missing, b->pauses, text, "pauses");
    if (ids)
        sim_text_add(within, "; entropy: ids (each token names its thread, jitter fixed)");
    else
        sim_text_add(within, "; entropy: seed %" PRIu64 " (tokens and jitter fixed)", seed);
    sim_text_add(missing, "%slose-last restarts, clock drift, other step sizes, late wake-ups, %s",
                 missing->len ? ", " : "",
                 b->store_faults > 0 && (b->store_fault_kinds >> SIM_FAULT_LATE_TIMEOUT & 1u)
                     ? "timeouts noticed less late than timeout_lag_ms with no event between"
                     : "timeouts noticed late (late-timeout)");
}

/* The PROVED line ('shard': what part of the search it covers, " (...)" or "") of a search of 'seed' over 'threads'
 * within 'b'; with --json, the same texts as the verdict's "proved" member. */
static void search_proved_within(const cli_args *a, uint64_t seed, int ids, const char *threads,
                                 const char *symmetric, const sim_bounds *b, const char *shard) {
    sim_text within, missing;
    sim_text_init(&within);
    sim_text_init(&missing);
    search_proved_text(seed, ids, threads, symmetric, b, &within, &missing);
    if (a->doc) {
        cli_jnode root = cli_json_root(a->doc), proved = cli_json_object(root, "proved");
        cli_json_set_str(root, "verdict", "PROVED");
        char scope[96];
        size_t n = strlen(shard);
        snprintf(scope, sizeof(scope), "%.*s", n > 3 ? (int)(n - 3) : 0, shard + (n > 3 ? 2 : 0)); /* " (...)" */
        cli_json_set_str(proved, "scope", n > 3 ? scope : "the whole search");
        cli_json_set_str(proved, "within", within.ok ? within.buf : "?");
        cli_json_set_str(proved, "not_explored", missing.ok ? missing.buf : "?");
    } else {
        printf("PROVED%s within: %s; not explored: %s\n", shard, within.ok ? within.buf : "?",
               missing.ok ? missing.buf : "?");
    }
    sim_text_free(&within);
    sim_text_free(&missing);
}

static void search_proved(const cli_args *a, const sim_exhaust_opts *o, const sim_exhaust_result *res) {
    char shard[96] = "";
    if (o->shards > 1)
        snprintf(shard, sizeof(shard), " (shard %d/%d only: racebed merge of every shard proves the whole)", o->shard,
                 o->shards);
    int ids = a->cfg.scenario && a->cfg.param[sim_param_index(a->cfg.scenario, "entropy")] == SIM_ENTROPY_IDS;
    search_proved_within(a, o->seed, ids, res->threads, o->symmetry ? res->symmetric : NULL, &res->bounds, shard);
}

/* The verdict's values as the document's "verdict" and its members; returns the exit code it means (the same
 * decisions as cli_report_exhaustive_verdict). */
static int search_json_verdict(const cli_args *a, const sim_exhaust_opts *o, const sim_exhaust_result *res) {
    cli_jnode root = cli_json_root(a->doc);
    if (res->violations) {
        cli_jnode v = cli_json_object(root, "violation");
        cli_json_set_str(root, "verdict", "VIOLATION");
        cli_json_set_str(v, "oracle", res->first.oracle);
        cli_json_set_str(v, "message", res->first.msg);
        cli_json_set_int(v, "step", res->first.step);
        if (o->keep_going) {
            cli_json_set_int(root, "violating_executions", res->violations);
            cli_jnode names = cli_json_array(root, "violated_oracles");
            for (int i = 0; i < res->violated_count; i++)
                cli_json_push_str(names, res->violated[i]);
        }
        return EXIT_VIOLATION;
    }
    if (!res->complete) {
        char why[256];
        search_incomplete_text(o, res, why, sizeof(why));
        cli_json_set_str(root, "verdict", "INCOMPLETE");
        cli_json_set_str(root, "incomplete_reason", why);
        return EXIT_INCOMPLETE;
    }
    if (o->oracle && res->violated_count > 0) {
        cli_json_set_str(root, "verdict", "FAIL");
        return EXIT_VIOLATION;
    }
    search_proved(a, o, res);
    return EXIT_PASS;
}

int cli_report_exhaustive_verdict(const cli_args *a, const sim_exhaust_opts *o, const sim_exhaust_result *res) {
    if (a->doc) return search_json_verdict(a, o, res);
    if (res->violations) {
        printf("VIOLATION %s: %s\n", res->first.oracle, res->first.msg);
        if (o->keep_going) {
            printf("%lld of %lld executions violated\nviolated oracles:", (long long)res->violations,
                   (long long)res->execs);
            for (int i = 0; i < res->violated_count; i++)
                printf(" %s", res->violated[i]);
            printf("\n");
        }
        return EXIT_VIOLATION;
    }
    if (!res->complete) {
        char why[256];
        search_incomplete_text(o, res, why, sizeof(why));
        printf("INCOMPLETE: %s\n", why);
        return EXIT_INCOMPLETE;
    }
    if (o->oracle && res->violated_count > 0) {
        printf("FAIL: no violation of %s, but other oracles fired (see above)\n", o->oracle);
        return EXIT_VIOLATION;
    }
    search_proved(a, o, res);
    return EXIT_PASS;
}

void cli_report_merged(const cli_args *a, int shards, const sim_exhaust_state *first, const cli_merge_totals *t,
                       const char *violation) {
    int64_t execs = t->execs, steps = t->steps, violations = t->violations;
    int complete = t->complete;
    char shard[64];
    snprintf(shard, sizeof(shard), " (all %d shards merged)", first->shards);
    if (a->doc) {
        cli_jnode root = cli_json_root(a->doc);
        cli_json_set_str(root, "scenario", first->scenario);
        cli_json_set_str(root, "variant", first->variant);
        cli_json_set_int(root, "seed", (int64_t)first->seed);
        cli_json_set_int(root, "shards_merged", shards);
        cli_json_set_int(root, "shard_count", first->shards);
        cli_json_set_int(root, "executions", execs);
        cli_json_set_int(root, "decisions", steps);
        cli_json_set_int(root, "violating_executions", violations);
        cli_json_set_bool(root, "complete", complete);
        cli_json_set_str(root, "reduce", first->hash ? "hash" : "none");
        if (first->hash) cli_json_set_int(root, "states", t->states);
        if (first->hash && complete) cli_json_set_int(root, "naive_executions", t->naive);
        if (first->has_bounds) search_json_bounds(root, &first->bounds);
    } else {
        printf("merged %d shard(s) of %s %s: %lld executions, %lld decisions, %lld violating", shards, first->scenario,
               first->variant, (long long)execs, (long long)steps, (long long)violations);
        if (first->hash)
            printf(", %lld states stored over the shards (a sum: shards store a state twice where their paths meet)",
                   (long long)t->states);
        if (first->hash && complete) printf(", the naive search: %lld executions", (long long)t->naive);
        printf(", %s\n", complete ? "the whole bounded space" : "some shard stopped early (run it again)");
    }
    const char *incomplete = "no violation so far, but a shard stopped before its space did (resume it with its "
                             "--checkpoint)";
    if (violations && a->doc) {
        cli_json_set_str(cli_json_root(a->doc), "verdict", "VIOLATION");
        cli_json_set_str(cli_json_object(cli_json_root(a->doc), "violation"), "message", violation);
    } else if (violations) {
        printf("VIOLATION %s\n", violation);
    } else if (complete && first->has_bounds) {
        search_proved_within(a, first->seed, first->symmetric[0] != '\0', first->threads, first->symmetric,
                             &first->bounds, shard);
    } else if (complete && a->doc) {
        cli_json_set_str(cli_json_root(a->doc), "verdict", "PROVED");
        cli_json_set_str(cli_json_object(cli_json_root(a->doc), "proved"), "scope",
                         "within the bounds of each shard's search (checkpoints without saved bounds)");
    } else if (complete) {
        printf("PROVED within the bounds of each shard's search (merged %d of %d shards; these checkpoints predate "
               "saved bounds, so they are not listed)\n",
               shards, first->shards);
    } else if (a->doc) {
        cli_json_set_str(cli_json_root(a->doc), "verdict", "INCOMPLETE");
        cli_json_set_str(cli_json_root(a->doc), "incomplete_reason", incomplete);
    } else {
        printf("INCOMPLETE: %s\n", incomplete);
    }
}
