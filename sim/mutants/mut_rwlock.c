/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mut_rwlock.c: the reader-writer lock's mutants (mut_rwlock.h). Each acquires by its own scripts or commands and
 * polls every 10 ms until the deadline; the lock's keys are lk_rwlock's (<name>:w, <name>:r, <name>:wq, <name>:fence),
 * and a mutant keeps the readers its own way in <name>:r.
 */
#include "sim/mutants/mut_rwlock.h"

#include <stdio.h>
#include <string.h>

#include "core/lk_reply.h"

const mut_rw_protocol mut_rw_core = {"core", lk_rwlock_acquire, lk_rwlock_release};

enum { MUT_W, MUT_R, MUT_WQ, MUT_FENCE };
static const int64_t MUT_POLL_NS = 10 * 1000000;

/* Runs argv; '*num' is the reply's integer, or its string parsed, 0 for nil. */
static lk_rc mut_cmd(const lk_rwlock *rw, int argc, const char **argv, int64_t *num) {
    lk_reply_node nodes[4];
    char bytes[128];
    lk_reply r;
    lk_reply_init(&r, nodes, 4, bytes, sizeof(bytes));
    lk_rc rc = lk_env_command(rw->env, &r, argc, argv, NULL);
    if (rc != LK_OK) return rc;
    if (!lk_reply_ok(&r) || lk_reply_at(&r, 0)->type == LK_REPLY_ERROR) return LK_ESTORE_PROTO;
    if (!lk_reply_int_at(&r, 0, num)) *num = 0; /* nil: no count yet */
    return LK_OK;
}

static void mut_grant(lk_rwlock *rw, lk_rw_mode mode, int64_t fence, lk_mono_ns sent) {
    rw->mode = mode;
    rw->fence = fence;
    rw->sent_mono_ns = sent;
    rw->valid_until_mono_ns = sent + (rw->opts.ttl_ms - rw->opts.drift_margin_ms) * 1000000;
}

/* One try of 'try_fn' every 10 ms until the deadline (a last try at it). */
static lk_rc mut_poll(lk_rwlock *rw, lk_rw_mode mode, lk_mono_ns deadline, lk_outcome *out,
                      lk_rc (*try_fn)(lk_rwlock *rw, lk_rw_mode mode, lk_outcome *out)) {
    if (lk_token_new(rw->env, rw->token) != LK_OK) return LK_EENTROPY;
    for (int attempt = 0; attempt < LK_ACQUIRE_ATTEMPTS_MAX; attempt++) {
        lk_rc rc = try_fn(rw, mode, out);
        if (rc != LK_OK || *out == LK_ACQUIRED) return rc;
        lk_mono_ns now = lk_env_mono_ns(rw->env);
        if (now >= deadline) break;
        rc = lk_env_sleep_ns(rw->env, now + MUT_POLL_NS > deadline ? deadline - now : MUT_POLL_NS);
        if (rc != LK_OK) return rc;
    }
    *out = LK_NONE;
    return LK_ETIMEDOUT;
}

/* ---- count_get_set ---------------------------------------------------------------------------------------------- */

static const char CGS_WRITE_LUA[] =
    "if redis.call('EXISTS', KEYS[1]) == 0 and tonumber(redis.call('GET', KEYS[2]) or '0') == 0 then "
    "  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return redis.call('INCR', KEYS[3]) end return 0";

static lk_rc cgs_try(lk_rwlock *rw, lk_rw_mode mode, lk_outcome *out) {
    int64_t n = 0;
    lk_mono_ns sent = lk_env_mono_ns(rw->env);
    *out = LK_LOCKED;
    if (mode == LK_RW_WRITE) {
        char ttl[24];
        snprintf(ttl, sizeof(ttl), "%lld", (long long)rw->opts.ttl_ms);
        const char *argv[] = {"EVAL",         CGS_WRITE_LUA,      "3",       rw->key[MUT_W],
                              rw->key[MUT_R], rw->key[MUT_FENCE], rw->token, ttl};
        lk_rc rc = mut_cmd(rw, 8, argv, &n);
        if (rc == LK_OK && n > 0) {
            mut_grant(rw, mode, n, sent);
            *out = LK_ACQUIRED;
        }
        return rc;
    }
    const char *getw[] = {"EXISTS", rw->key[MUT_W]}, *getn[] = {"GET", rw->key[MUT_R]};
    lk_rc rc = mut_cmd(rw, 2, getw, &n);
    if (rc != LK_OK || n != 0) return rc; /* a writer holds */
    if ((rc = mut_cmd(rw, 2, getn, &n)) != LK_OK) return rc;
    char next[24];
    snprintf(next, sizeof(next), "%lld", (long long)(n + 1));
    const char *set[] = {"SET", rw->key[MUT_R], next}; /* the bug: another reader's SET may land in between */
    if ((rc = mut_cmd(rw, 3, set, &n)) != LK_OK) return rc;
    mut_grant(rw, mode, 0, sent);
    *out = LK_ACQUIRED;
    return LK_OK;
}

static lk_rc cgs_acquire(lk_rwlock *rw, lk_rw_mode mode, lk_mono_ns deadline, lk_outcome *out) {
    return mut_poll(rw, mode, deadline, out, cgs_try);
}

static lk_rc cgs_release(lk_rwlock *rw, lk_outcome *out) {
    if (rw->mode == LK_RW_WRITE) return lk_rwlock_release(rw, out);
    int64_t n = 0;
    const char *decr[] = {"DECR", rw->key[MUT_R]};
    lk_rc rc = mut_cmd(rw, 2, decr, &n);
    rw->mode = LK_RW_NONE;
    *out = rc == LK_OK ? LK_RELEASED : LK_NONE;
    return rc;
}

const mut_rw_protocol mut_rw_count_get_set = {"count_get_set", cgs_acquire, cgs_release};

/* ---- no_writer_preference ---------------------------------------------------------------------------------------- */

/* lk_rwlock's read acquire without the waiting writer's check. */
static const char NWP_READ_LUA[] = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000) "
                                   "redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. now) "
                                   "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end "
                                   "redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1]) "
                                   "redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[2]) + 1) "
                                   "return tonumber(redis.call('GET', KEYS[3]) or '0') + 1";

/* A read try by the script in 'argv' ('argc' words), which answers the write epoch + 1 when granted, 0 when not. */
static lk_rc mut_read_try(lk_rwlock *rw, lk_rw_mode mode, lk_outcome *out, int argc, const char **argv) {
    int64_t n = 0;
    lk_mono_ns sent = lk_env_mono_ns(rw->env);
    *out = LK_LOCKED;
    lk_rc rc = mut_cmd(rw, argc, argv, &n);
    if (rc == LK_OK && n > 0) {
        mut_grant(rw, mode, n - 1, sent);
        *out = LK_ACQUIRED;
    }
    return rc;
}

static lk_rc nwp_try(lk_rwlock *rw, lk_rw_mode mode, lk_outcome *out) {
    char ttl[24];
    snprintf(ttl, sizeof(ttl), "%lld", (long long)rw->opts.ttl_ms);
    const char *argv[] = {"EVAL",         NWP_READ_LUA,       "3",       rw->key[MUT_W],
                          rw->key[MUT_R], rw->key[MUT_FENCE], rw->token, ttl};
    return mut_read_try(rw, mode, out, 8, argv);
}

static lk_rc nwp_acquire(lk_rwlock *rw, lk_rw_mode mode, lk_mono_ns deadline, lk_outcome *out) {
    if (mode == LK_RW_WRITE) return lk_rwlock_acquire(rw, mode, deadline, out); /* the core's writer */
    return mut_poll(rw, mode, deadline, out, nwp_try);
}

const mut_rw_protocol mut_rw_no_writer_preference = {"no_writer_preference", nwp_acquire, lk_rwlock_release};

/* ---- reader_pins --------------------------------------------------------------------------------------------------- */

/* lk_rwlock's read acquire with writer preference kept but no lease of the reader's own: its entry is scored about
 * thirty years ahead, so only its release removes it, and a reader that crashed while holding keeps every writer
 * out. */
static const char PIN_READ_LUA[] = "if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[3]) == 1 then "
                                   "return 0 end "
                                   "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000) "
                                   "redis.call('ZADD', KEYS[2], now + 1000000000000, ARGV[1]) "
                                   "return tonumber(redis.call('GET', KEYS[4]) or '0') + 1";

static lk_rc pin_try(lk_rwlock *rw, lk_rw_mode mode, lk_outcome *out) {
    const char *argv[] = {"EVAL",          PIN_READ_LUA,       "4",      rw->key[MUT_W], rw->key[MUT_R],
                          rw->key[MUT_WQ], rw->key[MUT_FENCE], rw->token};
    return mut_read_try(rw, mode, out, 8, argv);
}

static lk_rc pin_acquire(lk_rwlock *rw, lk_rw_mode mode, lk_mono_ns deadline, lk_outcome *out) {
    if (mode == LK_RW_WRITE) return lk_rwlock_acquire(rw, mode, deadline, out); /* the core's writer */
    return mut_poll(rw, mode, deadline, out, pin_try);
}

const mut_rw_protocol mut_rw_reader_pins = {"reader_pins", pin_acquire, lk_rwlock_release};
