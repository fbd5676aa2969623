/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_fair.c: the fair lock (protocol in lk_fair.h): four Lua scripts, the wake-up wait, and the client side.
 *
 * Invariant: 'held' is set only after a try answered granted (1) or already mine (2) for the current token, or a
 * wake-up on the current token's list was popped whose fencing number is above the counter our latest try saw (so
 * the handoff it announces came after that try: a wake-up is pushed after its handoff, as a step of its own, and can
 * land after a later try that found the handed lease already ended). Never: reuse a token across blocking acquires, or sleep past the
 * caller's deadline.
 */
#include "core/lk_fair.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/lk_internal.h"
#include "core/lk_reply.h"

#define FAIR_ERR(f, rc, ...) lk__set_error((f)->errmsg, sizeof((f)->errmsg), (rc), __VA_ARGS__)

enum { KEY_OWNER, KEY_Q, KEY_QT, KEY_SEQ, KEY_FENCE };
static const char *const key_suffix[LK_FAIR_KEYS] = {":owner", ":q", ":qt", ":seq", ":fence"};

/* The scripts. KEYS: owner, q, qt, seq, fence [, the caller's wake-up list]; ARGV[1] token, ARGV[2] its TTL (the
 * member is "token:ttl"). Replies: try {1 granted | 2 already mine | 0 not yours, fence, ticket}; release {1 released
 * (handed over when a member follows) | 0 absent | -1 another holds, the new holder's fence, the member or ''};
 * extend 1 extended, 0 absent, -1 another holds; wake 1.
 * NOW_AND_PRUNE: the server's clock in ms, and the waiters whose queue lease ended dropped (a lease is live through
 * its deadline, as a key is through its expiry). */
/* clang-format off */
#define NOW_AND_PRUNE                                                                                                  \
    "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000) "                                 \
    "local dead = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. now) "                                          \
    "for _, d in ipairs(dead) do redis.call('ZREM', KEYS[2], d) end "                                                 \
    "if #dead > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. now) end "                              \
    "local m = ARGV[1] .. ':' .. ARGV[2] "

static const char TRY_LUA[] =
    NOW_AND_PRUNE
    "redis.call('DEL', KEYS[6]) "
    "local tk = redis.call('ZSCORE', KEYS[2], m) "
    "local o = redis.call('GET', KEYS[1]) "
    "if o == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) "
    "  return {2, tonumber(redis.call('GET', KEYS[5]) or '0'), 0} end "
    "local head = redis.call('ZRANGE', KEYS[2], 0, 0) "
    "if not o and (not head[1] or head[1] == m) then "
    "  if not tk then tk = redis.call('INCR', KEYS[4]) end "
    "  redis.call('ZREM', KEYS[2], m) redis.call('ZREM', KEYS[3], m) "
    "  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) "
    "  return {1, redis.call('INCR', KEYS[5]), tonumber(tk)} end "
    "local f = tonumber(redis.call('GET', KEYS[5]) or '0') "
    "if ARGV[3] == '0' then return {0, f, 0} end "
    "if not tk then tk = redis.call('INCR', KEYS[4]) redis.call('ZADD', KEYS[2], tk, m) end "
    "redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), m) "
    "local last = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES') "
    "redis.call('PEXPIRE', KEYS[2], tonumber(last[2]) - now + 1) "
    "redis.call('PEXPIRE', KEYS[3], tonumber(last[2]) - now + 1) "
    "return {0, f, tonumber(tk)}";

static const char RELEASE_LUA[] =
    NOW_AND_PRUNE
    "redis.call('ZREM', KEYS[2], m) redis.call('ZREM', KEYS[3], m) "
    "local o = redis.call('GET', KEYS[1]) "
    "if o ~= ARGV[1] then if o then return {-1, 0, ''} end return {0, 0, ''} end "
    "local head = redis.call('ZRANGE', KEYS[2], 0, 0) "
    "if not head[1] then redis.call('DEL', KEYS[1]) return {1, 0, ''} end "
    "redis.call('ZREM', KEYS[2], head[1]) redis.call('ZREM', KEYS[3], head[1]) "
    "local c = string.find(head[1], ':', 1, true) "
    "redis.call('SET', KEYS[1], string.sub(head[1], 1, c - 1), 'PX', string.sub(head[1], c + 1)) "
    "return {1, redis.call('INCR', KEYS[5]), head[1]}";

static const char EXTEND_LUA[] =
    "local o = redis.call('GET', KEYS[1]) "
    "if o == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end "
    "if o then return -1 end return 0";

static const char WAKE_LUA[] =
    "redis.call('RPUSH', KEYS[1], ARGV[1]) redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1";
/* clang-format on */

/* The script table: name (for errors), body, how many of the lock's keys it declares (from KEY_OWNER on), whether
 * the caller's wake-up list follows them, and whether the wait lease follows token and TTL. */
enum { S_TRY, S_RELEASE, S_EXTEND, SCRIPTS_ };
static const struct {
    const char *name;
    const char *body;
    int nkeys, wake_key, wait_arg;
} fair_script[SCRIPTS_] = {
    [S_TRY] = {"acquire try", TRY_LUA, LK_FAIR_KEYS, 1, 1},
    [S_RELEASE] = {"release", RELEASE_LUA, LK_FAIR_KEYS, 0, 0},
    [S_EXTEND] = {"extend", EXTEND_LUA, 1, 0, 0},
};

/* What a script answered: its code, a number (fence), a ticket, and a member ("" when none). */
typedef struct fair_answer {
    int64_t code, fence, ticket;
    char member[LK_TOKEN_HEX + 24];
} fair_answer;

lk_rc lk_fair_init(lk_fair *f, const lk_env *env, const char *name, const lk_fair_opts *opts) {
    assert(f != NULL);
    memset(f, 0, sizeof(*f));
    f->env = env;
    const char *missing = NULL;
    if (lk_env_check(env, &missing) != LK_OK) return FAIR_ERR(f, LK_EMISUSE, "env lacks %s", missing);
    if (opts == NULL) return FAIR_ERR(f, LK_EINVAL, "ttl_ms must be > 0");
    if (name == NULL || name[0] == '\0' || strlen(name) >= LK_FAIR_NAME_MAX)
        return FAIR_ERR(f, LK_EINVAL, "lock name must be 1..%d bytes", LK_FAIR_NAME_MAX - 1);
    snprintf(f->name, sizeof(f->name), "%s", name);
    for (int k = 0; k < LK_FAIR_KEYS; k++)
        snprintf(f->key[k], sizeof(f->key[k]), "%s%s", name, key_suffix[k]);
    lk__lock_timing t = {opts->ttl_ms, opts->acquire_timeout_ms, 0, 0, opts->drift_margin_ms};
    lk_rc rc = lk__lock_timing_check(&t, opts->kind, f->kind, f->errmsg, sizeof(f->errmsg));
    if (rc != LK_OK) return rc;
    if (opts->wait_ms < 0 || opts->wait_ms > opts->ttl_ms / 3)
        return FAIR_ERR(f, LK_EINVAL, "wait_ms must be 0 (TTL/3) or 1..%lld (TTL/3)", (long long)(opts->ttl_ms / 3));
    f->opts = *opts;
    f->opts.kind = NULL; /* f->kind is the one used */
    f->opts.drift_margin_ms = t.drift_margin_ms;
    if (f->opts.wait_ms == 0) f->opts.wait_ms = opts->ttl_ms / 3 > 0 ? opts->ttl_ms / 3 : 1;
    return LK_OK;
}

void lk_fair_fini(lk_fair *f) {
    if (f != NULL) memset(f, 0, sizeof(*f));
}

/* Runs 'argv' and reads an integer reply or an array of integers and strings into 'a'. Returns LK_OK, a store
 * error, or LK_ESTORE_PROTO for any other reply (an error reply included: a server without scripting, say). */
static lk_rc fair_run(lk_fair *f, unsigned flags, const char *what, int argc, const char **argv, fair_answer *a) {
    lk_reply_node nodes[6] = {{0}}; /* zeroed: a reply reads only what it wrote, but leftovers of earlier */
    char bytes[256] = {0};          /* frames would tell equal simulated states apart */
    lk_reply r;
    lk_reply_init(&r, nodes, 6, bytes, sizeof(bytes));
    memset(a, 0, sizeof(*a));
    lk_rc rc = lk_env_command_as(f->env, flags, &r, argc, argv, NULL);
    if (rc != LK_OK) return FAIR_ERR(f, rc, "%s of %s: %s", what, f->name, lk_strerror(rc));
    const lk_reply_node *n0 = lk_reply_ok(&r) ? lk_reply_at(&r, 0) : NULL;
    if (n0 != NULL && n0->type == LK_REPLY_INTEGER) {
        a->code = n0->integer;
        return LK_OK;
    }
    int64_t *num[3] = {&a->code, &a->fence, &a->ticket};
    if (n0 != NULL && n0->type == LK_REPLY_ARRAY && n0->len == 3) {
        uint32_t i = 1;
        for (int k = 0; k < 3 && i < r.node_count; k++, i = lk_reply_next(&r, i)) {
            const lk_reply_node *n = lk_reply_at(&r, i);
            if (n->type == LK_REPLY_INTEGER) {
                *num[k] = n->integer;
            } else if (k == 2 && n->type == LK_REPLY_STRING && n->len < sizeof(a->member)) {
                memcpy(a->member, lk_reply_str(&r, i), n->len);
                a->member[n->len] = '\0';
            } else {
                break;
            }
            if (k == 2) return LK_OK;
        }
    }
    if (n0 != NULL && n0->type == LK_REPLY_ERROR)
        return FAIR_ERR(f, LK_ESTORE_PROTO, "%s of %s: the server answered %.*s", what, f->name,
                        (int)(n0->len < 100 ? n0->len : 100), lk_reply_str(&r, 0));
    return FAIR_ERR(f, LK_ESTORE_PROTO, "%s of %s: an unexpected reply", what, f->name);
}

/* Runs script 's' (its op marked 'flags', LK_CMD_ACQUIRE_*) with the current token, TTL 'ttl_ms' and wait lease
 * 'wait_ms'. */
static lk_rc fair_eval(lk_fair *f, int s, unsigned flags, int64_t ttl_ms, int64_t wait_ms, fair_answer *a) {
    const char *argv[3 + LK_FAIR_KEYS + 1 + 3];
    char nkeys[4], ttl[24], wait[24];
    int argc = 0;
    argv[argc++] = "EVAL";
    argv[argc++] = fair_script[s].body;
    snprintf(nkeys, sizeof(nkeys), "%d", fair_script[s].nkeys + fair_script[s].wake_key);
    argv[argc++] = nkeys;
    for (int k = 0; k < fair_script[s].nkeys; k++)
        argv[argc++] = f->key[k];
    if (fair_script[s].wake_key) argv[argc++] = f->wake_key;
    argv[argc++] = f->token;
    snprintf(ttl, sizeof(ttl), "%lld", (long long)ttl_ms);
    argv[argc++] = ttl;
    if (fair_script[s].wait_arg) {
        snprintf(wait, sizeof(wait), "%lld", (long long)wait_ms);
        argv[argc++] = wait;
    }
    return fair_run(f, flags, fair_script[s].name, argc, argv, a);
}

/* Pushes the wake-up of a handoff (fencing number 'fence') to the waiter 'member' ("token:ttl"): its list lives as
 * long as the handed lease. */
static lk_rc fair_wake(lk_fair *f, const char *member, int64_t fence, unsigned flags) {
    const char *colon = strchr(member, ':');
    if (colon == NULL || colon - member != LK_TOKEN_HEX - 1)
        return FAIR_ERR(f, LK_ESTORE_PROTO, "release of %s: the queue held '%.60s', not token:ttl", f->name, member);
    char key[LK_KEY_MAX], num[24];
    snprintf(key, sizeof(key), "%s:wake:%.*s", f->name, (int)(colon - member), member);
    snprintf(num, sizeof(num), "%lld", (long long)fence);
    const char *argv[] = {"EVAL", WAKE_LUA, "1", key, num, colon + 1};
    fair_answer a;
    return fair_run(f, flags, "wake-up", 6, argv, &a);
}

/* A fresh token for a new attempt, and its wake-up list's key. */
static lk_rc fair_new_token(lk_fair *f) {
    lk_rc rc = lk_token_new(f->env, f->token);
    if (rc != LK_OK) return FAIR_ERR(f, rc, "entropy failed for the lock token");
    snprintf(f->wake_key, sizeof(f->wake_key), "%s:wake:%s", f->name, f->token);
    f->ticket = 0;
    f->seen_fence = 0;
    return LK_OK;
}

/* The release script with the current token, and the wake-up of the waiter it handed the lock to. '*a' is the
 * script's answer. A failed wake-up is not an error of the release: the new holder's next try finds its lock. */
static lk_rc fair_release_and_wake(lk_fair *f, fair_answer *a, unsigned flags) {
    lk_rc rc = fair_eval(f, S_RELEASE, flags, f->opts.ttl_ms, 0, a);
    if (rc == LK_OK && a->code == 1 && a->member[0] != '\0') fair_wake(f, a->member, a->fence, flags);
    return rc;
}

/* Gives back what an earlier attempt may have left (a queue place, or a lock handed over or taken), passing a
 * lock on to the next waiter. Counts nothing. Only inside an acquire (its ops are the acquire's steps). */
static void fair_give_back(lk_fair *f) {
    fair_answer a;
    if (f->maybe && fair_release_and_wake(f, &a, LK_CMD_ACQUIRE_STEP) == LK_OK) f->maybe = 0;
}

static void fair_grant(lk_fair *f, int64_t fence, lk_mono_ns sent) {
    f->held = 1;
    f->seen_fence = 0;
    f->maybe = 0;
    f->fence = fence;
    f->sent_mono_ns = sent;
    f->valid_until_mono_ns = sent + (f->opts.ttl_ms - f->opts.drift_margin_ms) * LK__NS_PER_MS;
}

/* One try with the current token ('wait_ms' 0: never queue). '*out' LK_ACQUIRED, LK_ALREADY_MINE or LK_LOCKED;
 * '*refused_sent' is set to the try's send when it answered "not yours". */
static lk_rc fair_try(lk_fair *f, int64_t wait_ms, lk_outcome *out, lk_mono_ns *refused_sent) {
    fair_answer a;
    lk_mono_ns sent = lk_env_mono_ns(f->env);
    int queued_before = f->maybe; /* a reused token may still hold a queue place */
    f->maybe = 1;                 /* from its send on, it may have been applied */
    lk_rc rc = fair_eval(f, S_TRY, LK_CMD_ACQUIRE_TRY, f->opts.ttl_ms, wait_ms, &a);
    if (rc == LK_OK && (a.code < 0 || a.code > 2))
        rc = FAIR_ERR(f, LK_ESTORE_PROTO, "acquire of %s: the script answered %lld", f->name, (long long)a.code);
    if (rc != LK_OK) {
        f->ticket = 0; /* it may have been applied and queued us anew, under a ticket we did not hear */
        if (rc != LK_ECRASHED) lk_env_metric(f->env, LK_METRIC_ATTEMPT_ERROR, f->kind, 1);
        return rc;
    }
    if (a.ticket != 0) f->ticket = a.ticket;
    if (a.code == 0) {
        *out = LK_LOCKED;
        *refused_sent = sent;
        f->seen_fence = a.fence;                  /* a handoff after this try numbers above it */
        f->maybe = queued_before || wait_ms != 0; /* a queue place, this try's or an earlier one's, to give back */
        lk_env_metric(f->env, LK_METRIC_ATTEMPT_BUSY, f->kind, 1);
        return LK_OK;
    }
    *out = a.code == 1 ? LK_ACQUIRED : LK_ALREADY_MINE;
    fair_grant(f, a.fence, sent);
    lk_env_metric(f->env, a.code == 1 ? LK_METRIC_ATTEMPT_ACQUIRED : LK_METRIC_ATTEMPT_ALREADY_MINE, f->kind, 1);
    return LK_OK;
}

/* Waits on the wake-up list for at most 'wait_ms'. '*woken' 1 with '*fence' when a handoff's wake-up came. A store
 * error is returned as it is (a lost reply may have taken the wake-up: the next try finds the lock). */
static lk_rc fair_wait(lk_fair *f, int64_t wait_ms, int *woken, int64_t *fence) {
    char secs[32];
    snprintf(secs, sizeof(secs), "%lld.%03lld", (long long)(wait_ms / 1000), (long long)(wait_ms % 1000));
    const char *argv[] = {"BLPOP", f->wake_key, secs};
    lk_reply_node nodes[4] = {{0}};
    char bytes[LK_KEY_MAX + 32] = {0}; /* [key, fence]: the key echoed back, and a number */
    lk_reply r;
    lk_reply_init(&r, nodes, 4, bytes, sizeof(bytes));
    *woken = 0;
    lk_rc rc = lk_env_command_as(f->env, LK_CMD_ACQUIRE_WAKE, &r, 3, argv, NULL);
    if (rc != LK_OK) return FAIR_ERR(f, rc, "wait on %s: %s", f->wake_key, lk_strerror(rc));
    const lk_reply_node *n0 = lk_reply_ok(&r) ? lk_reply_at(&r, 0) : NULL;
    if (n0 != NULL && n0->type == LK_REPLY_NIL) return LK_OK;
    if (n0 != NULL && n0->type == LK_REPLY_ARRAY && n0->len == 2 && lk_reply_int_at(&r, 2, fence)) {
        *woken = *fence > f->seen_fence; /* else it announces a handoff our latest try already saw end */
        return LK_OK;
    }
    return FAIR_ERR(f, LK_ESTORE_PROTO, "wait on %s: an unexpected reply", f->wake_key);
}

static lk_rc fair_check_idle(lk_fair *f) {
    if (f->held) return FAIR_ERR(f, LK_EMISUSE, "acquire of %s while already held", f->name);
    return LK_OK;
}

lk_rc lk_fair_try_acquire(lk_fair *f, lk_outcome *out) {
    assert(f != NULL && out != NULL);
    *out = LK_NONE;
    lk_rc rc = fair_check_idle(f);
    if (rc != LK_OK) return rc;
    fair_give_back(f);
    if (!f->maybe) rc = fair_new_token(f); /* a give-back that failed keeps its token: the try may find it */
    lk_mono_ns refused = 0;
    if (rc == LK_OK) rc = fair_try(f, 0, out, &refused);
    if (rc == LK_ECRASHED) return rc;
    lk_env_metric(f->env,
                  rc != LK_OK ? LK_METRIC_ACQUIRE_ERROR
                  : f->held   ? LK_METRIC_ACQUIRE_ACQUIRED
                              : LK_METRIC_ACQUIRE_BUSY,
                  f->kind, 1);
    return rc;
}

/* A blocking acquire that ends without the lock: its queue place (or a lock handed over meanwhile) given back, not
 * after a crash (the process is gone; the leases end it). Returns 'rc'. */
static lk_rc fair_gave_up(lk_fair *f, lk_rc rc) {
    if (rc != LK_ECRASHED) fair_give_back(f);
    return rc;
}

lk_rc lk_fair_acquire(lk_fair *f, lk_mono_ns deadline_mono_ns, lk_outcome *out) {
    assert(f != NULL && out != NULL);
    *out = LK_NONE;
    lk_rc rc = fair_check_idle(f);
    if (rc != LK_OK) return rc;
    lk_mono_ns start = lk_env_mono_ns(f->env);
    fair_give_back(f);
    f->maybe = 0; /* a place left behind ends with its queue lease; never reuse its token */
    rc = fair_new_token(f);
    if (rc != LK_OK) return lk__acquire_counted(f->env, f->kind, start, rc);
    lk_mono_ns refused = start; /* the handoff came after the latest refusing try; none yet: after the first send */
    for (int attempt = 0;; attempt++) {
        rc = fair_try(f, f->opts.ttl_ms, out, &refused);
        if (rc == LK_ECRASHED) return rc;
        if (rc == LK_OK && f->held) return lk__acquire_counted(f->env, f->kind, start, LK_OK);
        if (rc == LK_EENTROPY || rc == LK_ESTORE_PROTO) /* no retry mends these (a server without scripting) */
            return lk__acquire_counted(f->env, f->kind, start, fair_gave_up(f, rc));
        *out = LK_NONE;
        lk_mono_ns now = lk_env_mono_ns(f->env);
        if (now >= deadline_mono_ns) break; /* that was the last try, at or after the deadline */
        if (attempt + 1 == LK_ACQUIRE_ATTEMPTS_MAX) {
            rc = FAIR_ERR(f, LK_ELIMIT, "acquire %s: %d tries before the deadline", f->name, LK_ACQUIRE_ATTEMPTS_MAX);
            return lk__acquire_counted(f->env, f->kind, start, fair_gave_up(f, rc));
        }
        int64_t left_ms = (deadline_mono_ns - now + LK__NS_PER_MS - 1) / LK__NS_PER_MS;
        int woken = 0;
        int64_t fence = 0;
        rc = fair_wait(f, left_ms < f->opts.wait_ms ? left_ms : f->opts.wait_ms, &woken, &fence);
        if (rc == LK_ECRASHED) return rc;
        if (rc == LK_OK && woken) {
            *out = LK_ACQUIRED;
            fair_grant(f, fence, refused);
            lk_env_metric(f->env, LK_METRIC_ATTEMPT_ACQUIRED, f->kind, 1);
            return lk__acquire_counted(f->env, f->kind, start, LK_OK);
        }
        if (rc == LK_ESTORE_PROTO) return lk__acquire_counted(f->env, f->kind, start, fair_gave_up(f, rc));
        if (rc != LK_OK) { /* a store that fails at once: back off before the next try, never spin */
            int64_t sleep_ns = 0;
            if (lk__backoff_ns(f->env, 10, 200, attempt, &sleep_ns) != LK_OK) sleep_ns = 100 * LK__NS_PER_MS;
            now = lk_env_mono_ns(f->env);
            if (now + sleep_ns > deadline_mono_ns) sleep_ns = deadline_mono_ns > now ? deadline_mono_ns - now : 0;
            rc = lk_env_sleep_ns(f->env, sleep_ns);
            if (rc != LK_OK) return lk__acquire_counted(f->env, f->kind, start, fair_gave_up(f, rc));
        }
    }
    fair_gave_up(f, LK_ETIMEDOUT);
    lk_rc last = rc;
    rc = FAIR_ERR(f, LK_ETIMEDOUT, "acquire %s: deadline passed (last result: %s)", f->name, lk_rc_name(last));
    return lk__acquire_counted(f->env, f->kind, start, rc);
}

lk_rc lk_fair_acquire_timed(lk_fair *f, lk_outcome *out) {
    assert(f != NULL && out != NULL);
    *out = LK_NONE;
    if (f->opts.acquire_timeout_ms <= 0)
        return FAIR_ERR(f, LK_EMISUSE, "acquire_timed on %s, which has no acquire_timeout_ms", f->name);
    return lk_fair_acquire(f, lk_env_mono_ns(f->env) + f->opts.acquire_timeout_ms * LK__NS_PER_MS, out);
}

lk_rc lk_fair_release(lk_fair *f, lk_outcome *out) {
    assert(f != NULL && out != NULL);
    *out = LK_NONE;
    if (!f->held && !f->maybe) return FAIR_ERR(f, LK_EMISUSE, "release of %s, which is not held", f->name);
    int held = f->held;
    fair_answer a;
    lk_rc rc = fair_release_and_wake(f, &a, 0);
    f->held = 0;
    f->fence = 0;
    if (rc != LK_OK) {
        f->maybe = 1; /* our hold may still be there: a retried release can find it */
        if (rc != LK_ECRASHED) lk_env_metric(f->env, LK_METRIC_RELEASE_ERROR, f->kind, 1);
        return rc;
    }
    f->maybe = 0;
    *out = a.code == 1 ? LK_RELEASED : a.code == -1 ? LK_NOT_OWNER : LK_ABSENT;
    lk_env_metric(f->env,
                  *out == LK_RELEASED    ? LK_METRIC_RELEASE_RELEASED
                  : *out == LK_NOT_OWNER ? LK_METRIC_RELEASE_NOT_OWNER
                                         : LK_METRIC_RELEASE_ABSENT,
                  f->kind, 1);
    if (held && *out != LK_RELEASED) lk_env_metric(f->env, LK_METRIC_LOST, f->kind, 1); /* its lease had ended */
    return LK_OK;
}

lk_rc lk_fair_extend(lk_fair *f, int64_t ttl_ms, lk_outcome *out) {
    assert(f != NULL && out != NULL);
    *out = LK_NONE;
    if (!f->held) return FAIR_ERR(f, LK_EMISUSE, "extend of %s, which is not held", f->name);
    if (ttl_ms <= 0) return FAIR_ERR(f, LK_EINVAL, "extend ttl_ms must be > 0");
    fair_answer a;
    lk_mono_ns sent = lk_env_mono_ns(f->env);
    lk_rc rc = fair_eval(f, S_EXTEND, 0, ttl_ms, 0, &a);
    if (rc != LK_OK) {
        if (rc != LK_ECRASHED) lk_env_metric(f->env, LK_METRIC_EXTEND_ERROR, f->kind, 1);
        return rc;
    }
    if (a.code == 1) {
        *out = LK_EXTENDED;
        f->sent_mono_ns = sent;
        f->valid_until_mono_ns = sent + (ttl_ms - f->opts.drift_margin_ms) * LK__NS_PER_MS;
        lk_env_metric(f->env, LK_METRIC_EXTEND_EXTENDED, f->kind, 1);
        return LK_OK;
    }
    *out = a.code == -1 ? LK_NOT_OWNER : LK_ABSENT;
    f->held = 0;
    f->fence = 0;
    lk_env_metric(f->env, LK_METRIC_EXTEND_LOST, f->kind, 1);
    lk_env_metric(f->env, LK_METRIC_LOST, f->kind, 1);
    return LK_OK;
}

int lk_fair_holds(const lk_fair *f) {
    return f->held && lk_env_mono_ns(f->env) < f->valid_until_mono_ns;
}

int64_t lk_fair_fence(const lk_fair *f) {
    return f->held ? f->fence : 0;
}

int64_t lk_fair_ticket(const lk_fair *f) {
    return f->ticket;
}

const char *lk_fair_errmsg(const lk_fair *f) {
    return f->errmsg;
}

const char *lk_fair_script_text(lk_fair_script which) {
    switch (which) {
    case LK_FAIR_TRY: return TRY_LUA;
    case LK_FAIR_RELEASE: return RELEASE_LUA;
    case LK_FAIR_EXTEND: return EXTEND_LUA;
    case LK_FAIR_WAKE: return WAKE_LUA;
    }
    return "";
}
