/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mut_fair.c: the fair lock's mutants (mut_fair.h). Each runs one loop (try, then wait on the wake-up list at most
 * wait_ms) over its own scripts or lk_fair's, on lk_fair's keys (<name>:owner, :q, :qt, :seq, :fence, and
 * <name>:wake:<token>).
 */
#include "sim/mutants/mut_fair.h"

#include <stdio.h>
#include <string.h>

#include "core/lk_reply.h"

const mut_fair_protocol mut_fair_core = {"core", lk_fair_acquire, lk_fair_release};

/* Joining the queue the way lk_fair's try does (a ticket on the first try, the queue lease renewed), for the
 * mutants' own tries. */
/* clang-format off */
#define MF_JOIN                                                                                                        \
    "if ARGV[3] == '0' then return {0, 0, 0} end "                                                                     \
    "if not tk then tk = redis.call('INCR', KEYS[4]) redis.call('ZADD', KEYS[2], tk, m) end "                          \
    "redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), m) "                                                         \
    "return {0, 0, tonumber(tk)}"
#define MF_HEAD                                                                                                        \
    "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000) "                                 \
    "local m = ARGV[1] .. ':' .. ARGV[2] redis.call('DEL', KEYS[6]) "                                                  \
    "local tk = redis.call('ZSCORE', KEYS[2], m) local o = redis.call('GET', KEYS[1]) "                               \
    "if o == ARGV[1] then return {2, tonumber(redis.call('GET', KEYS[5]) or '0'), 0} end "
#define MF_GRANT                                                                                                       \
    "  if not tk then tk = redis.call('INCR', KEYS[4]) end "                                                           \
    "  redis.call('ZREM', KEYS[2], m) redis.call('ZREM', KEYS[3], m) "                                                 \
    "  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) "                                                            \
    "  return {1, redis.call('INCR', KEYS[5]), tonumber(tk)} end "

/* barging: any try that finds the lock free takes it, queue or not. */
static const char BARGE_TRY_LUA[] = MF_HEAD "if not o then " MF_GRANT MF_JOIN;
/* dead_head: only the head (or anyone, with nobody queued) takes a free lock, and no waiter is ever dropped. */
static const char STRICT_TRY_LUA[] =
    MF_HEAD "local head = redis.call('ZRANGE', KEYS[2], 0, 0) "
    "if not o and (not head[1] or head[1] == m) then " MF_GRANT MF_JOIN;
/* Both: a release deletes the lock and names the head waiter, to be woken to try. */
static const char WAKE_HEAD_RELEASE_LUA[] =
    "local m = ARGV[1] .. ':' .. ARGV[2] redis.call('ZREM', KEYS[2], m) redis.call('ZREM', KEYS[3], m) "
    "local o = redis.call('GET', KEYS[1]) "
    "if o ~= ARGV[1] then if o then return {-1, 0, ''} end return {0, 0, ''} end "
    "redis.call('DEL', KEYS[1]) "
    "local head = redis.call('ZRANGE', KEYS[2], 0, 0) "
    "return {1, 0, head[1] or ''}";
/* clang-format on */

/* A mutant: its try and release scripts (NULL: lk_fair's own); whether a wake-up is a handoff (else a call to try again); whether the
 * waiter empties its wake-up list by a command of its own after a refused try. */
typedef struct mf_kind {
    const char *try_body, *release_body;
    int handoff, clear_after_try;
} mf_kind;

/* Runs 'body' with the lock's five keys (and the wake-up list when 'wake'), token, TTL and 'wait' ("" for none);
 * '*code', '*fence', '*ticket' from an integer triple, 'member' from a third string element. */
static lk_rc mf_eval(lk_fair *f, const char *body, int wake, const char *wait, int64_t out[3], char *member,
                     size_t cap) {
    const char *argv[3 + LK_FAIR_KEYS + 4];
    int argc = 0;
    argv[argc++] = "EVAL";
    argv[argc++] = body;
    argv[argc++] = wake ? "6" : "5";
    for (int k = 0; k < LK_FAIR_KEYS; k++)
        argv[argc++] = f->key[k];
    if (wake) argv[argc++] = f->wake_key;
    argv[argc++] = f->token;
    char ttl[24];
    snprintf(ttl, sizeof(ttl), "%lld", (long long)f->opts.ttl_ms);
    argv[argc++] = ttl;
    if (wait[0] != '\0') argv[argc++] = wait;
    lk_reply_node nodes[6];
    char bytes[256];
    lk_reply r;
    lk_reply_init(&r, nodes, 6, bytes, sizeof(bytes));
    lk_rc rc = lk_env_command(f->env, &r, argc, argv, NULL);
    if (rc != LK_OK) return rc;
    if (!lk_reply_ok(&r) || lk_reply_at(&r, 0)->type != LK_REPLY_ARRAY || lk_reply_at(&r, 0)->len != 3)
        return LK_ESTORE_PROTO;
    member[0] = '\0';
    for (uint32_t k = 0, i = 1; k < 3; k++, i = lk_reply_next(&r, i)) {
        const lk_reply_node *n = lk_reply_at(&r, i);
        out[k] = n->type == LK_REPLY_INTEGER ? n->integer : 0;
        if (n->type == LK_REPLY_STRING && n->len < cap) {
            memcpy(member, lk_reply_str(&r, i), n->len);
            member[n->len] = '\0';
        }
    }
    return LK_OK;
}

static lk_rc mf_command(const lk_fair *f, int argc, const char **argv, lk_reply *r) {
    return lk_env_command(f->env, r, argc, argv, NULL);
}

/* The release script of 'k', and the wake-up (lk_fair's WAKE script) of the member it named. */
static lk_rc mf_release_with(lk_fair *f, const mf_kind *k, int64_t out[3]) {
    char member[LK_TOKEN_HEX + 24];
    const char *body = k->release_body ? k->release_body : lk_fair_script_text(LK_FAIR_RELEASE);
    lk_rc rc = mf_eval(f, body, 0, "", out, member, sizeof(member));
    const char *colon = strchr(member, ':');
    if (rc != LK_OK || out[0] != 1 || colon == NULL) return rc;
    char key[LK_KEY_MAX], num[24];
    snprintf(key, sizeof(key), "%s:wake:%.*s", f->name, (int)(colon - member), member);
    snprintf(num, sizeof(num), "%lld", (long long)out[1]);
    const char *argv[] = {"EVAL", lk_fair_script_text(LK_FAIR_WAKE), "1", key, num, colon + 1};
    lk_reply_node nodes[2];
    char bytes[32];
    lk_reply r;
    lk_reply_init(&r, nodes, 2, bytes, sizeof(bytes));
    mf_command(f, 6, argv, &r);
    return LK_OK;
}

static void mf_grant(lk_fair *f, int64_t fence, lk_mono_ns sent) {
    f->held = 1;
    f->maybe = 0;
    f->fence = fence;
    f->sent_mono_ns = sent;
    f->valid_until_mono_ns = sent + (f->opts.ttl_ms - f->opts.drift_margin_ms) * 1000000;
}

static lk_rc mf_acquire(lk_fair *f, const mf_kind *k, lk_mono_ns deadline, lk_outcome *out) {
    *out = LK_NONE;
    if (lk_token_new(f->env, f->token) != LK_OK) return LK_EENTROPY;
    snprintf(f->wake_key, sizeof(f->wake_key), "%s:wake:%s", f->name, f->token);
    f->ticket = 0;
    char wait_lease[24], member[8];
    snprintf(wait_lease, sizeof(wait_lease), "%lld", (long long)f->opts.ttl_ms);
    lk_mono_ns refused = lk_env_mono_ns(f->env);
    int64_t seen = 0;
    for (int attempt = 0; attempt < LK_ACQUIRE_ATTEMPTS_MAX; attempt++) {
        int64_t a[3];
        lk_mono_ns sent = lk_env_mono_ns(f->env);
        const char *body = k->try_body ? k->try_body : lk_fair_script_text(LK_FAIR_TRY);
        lk_rc rc = mf_eval(f, body, 1, wait_lease, a, member, sizeof(member));
        if (rc == LK_ECRASHED) return rc;
        if (rc != LK_OK) f->ticket = 0; /* as lk_fair: a lost reply may hide a new ticket */
        if (rc == LK_OK && a[2] != 0) f->ticket = a[2];
        if (rc == LK_OK && (a[0] == 1 || a[0] == 2)) {
            *out = a[0] == 1 ? LK_ACQUIRED : LK_ALREADY_MINE;
            mf_grant(f, a[1], sent);
            return LK_OK;
        }
        if (rc == LK_OK) {
            refused = sent;
            seen = a[1]; /* lk_fair's own try answers the fence counter: a wake-up at or below it is stale */
        }
        if (k->clear_after_try) {
            const char *del[] = {"DEL", f->wake_key};
            lk_reply_node nodes[2];
            char bytes[32];
            lk_reply r;
            lk_reply_init(&r, nodes, 2, bytes, sizeof(bytes));
            if (mf_command(f, 2, del, &r) == LK_ECRASHED) return LK_ECRASHED;
        }
        lk_mono_ns now = lk_env_mono_ns(f->env);
        if (now >= deadline) break;
        int64_t left_ms = (deadline - now + 999999) / 1000000;
        int64_t wait_ms = left_ms < f->opts.wait_ms ? left_ms : f->opts.wait_ms;
        char secs[32];
        snprintf(secs, sizeof(secs), "%lld.%03lld", (long long)(wait_ms / 1000), (long long)(wait_ms % 1000));
        const char *blpop[] = {"BLPOP", f->wake_key, secs};
        lk_reply_node nodes[4];
        char bytes[LK_KEY_MAX + 32];
        lk_reply r;
        lk_reply_init(&r, nodes, 4, bytes, sizeof(bytes));
        rc = mf_command(f, 3, blpop, &r);
        if (rc == LK_ECRASHED) return rc;
        int64_t fence = 0;
        if (rc == LK_OK && k->handoff && lk_reply_at(&r, 0)->type == LK_REPLY_ARRAY && lk_reply_int_at(&r, 2, &fence) &&
            fence > seen) {
            *out = LK_ACQUIRED;
            mf_grant(f, fence, refused);
            return LK_OK;
        }
        if (rc != LK_OK) lk_env_sleep_ns(f->env, 10 * 1000000); /* never spin on a failing store */
    }
    int64_t a[3];
    mf_release_with(f, k, a); /* give the queue place (or a handed lock) back */
    return LK_ETIMEDOUT;
}

static lk_rc mf_release(lk_fair *f, const mf_kind *k, lk_outcome *out) {
    int64_t a[3];
    lk_rc rc = mf_release_with(f, k, a);
    f->held = 0;
    f->fence = 0;
    *out = rc != LK_OK ? LK_NONE : a[0] == 1 ? LK_RELEASED : a[0] == -1 ? LK_NOT_OWNER : LK_ABSENT;
    return rc;
}

#define MF_PROTOCOL(id, ...)                                                                                           \
    static const mf_kind mf_##id = __VA_ARGS__;                                                                        \
    static lk_rc mf_##id##_acquire(lk_fair *f, lk_mono_ns deadline, lk_outcome *out) {                                 \
        return mf_acquire(f, &mf_##id, deadline, out);                                                                 \
    }                                                                                                                  \
    static lk_rc mf_##id##_release(lk_fair *f, lk_outcome *out) {                                                      \
        return mf_release(f, &mf_##id, out);                                                                           \
    }                                                                                                                  \
    const mut_fair_protocol mut_fair_##id = {#id, mf_##id##_acquire, mf_##id##_release};

MF_PROTOCOL(barging, {BARGE_TRY_LUA, WAKE_HEAD_RELEASE_LUA, 0, 0})
MF_PROTOCOL(dead_head, {STRICT_TRY_LUA, WAKE_HEAD_RELEASE_LUA, 0, 0})
MF_PROTOCOL(lost_wakeup, {NULL, NULL, 1, 1})
