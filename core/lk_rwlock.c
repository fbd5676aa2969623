/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_rwlock.c: the reader-writer lock (protocol in lk_rwlock.h): six Lua scripts and the client side around them.
 *
 * Invariant: 'mode' is set only after a script answered granted (1) or already mine (2) for the current token; every
 * script that writes compares the token or touches the caller's own reader entry. Never: draw a new token while an
 * attempt in the same mode may have been applied, or sleep past the caller's deadline.
 */
#include "core/lk_rwlock.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/lk_internal.h"
#include "core/lk_reply.h"

#define RW_ERR(rw, rc, ...) lk__set_error((rw)->errmsg, sizeof((rw)->errmsg), (rc), __VA_ARGS__)

enum { KEY_W, KEY_R, KEY_WQ, KEY_FENCE, KEYS_ };
static const char *const key_suffix[KEYS_] = {":w", ":r", ":wq", ":fence"};

/* The scripts. Replies: acquire {1 granted | 2 already mine, the fence or epoch} or {0, ms to wait}; release 1
 * released, 0 absent, -1 another writer holds; extend 1 extended, 0 the lease had ended, -1 another writer holds.
 * NOW_AND_PRUNE: the server's clock in ms, and the readers whose lease ended dropped (a lease is live through its
 * deadline, as a key is through its expiry). READERS_TTL: the readers' key lives as long as its last lease. */
/* clang-format off */
#define NOW_AND_PRUNE(r)                                                                                               \
    "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000) "                                 \
    "redis.call('ZREMRANGEBYSCORE', " r ", '-inf', '(' .. now) "
#define READERS_TTL(r)                                                                                                 \
    "local last = redis.call('ZRANGE', " r ", -1, -1, 'WITHSCORES') "                                                 \
    "if last[2] then redis.call('PEXPIRE', " r ", tonumber(last[2]) - now + 1) end "

static const char READ_LUA[] =
    NOW_AND_PRUNE("KEYS[2]")
    "local mine = redis.call('ZSCORE', KEYS[2], ARGV[1]) "
    "if not mine then "
    "  if redis.call('EXISTS', KEYS[1]) == 1 then return {0, redis.call('PTTL', KEYS[1])} end "
    "  if redis.call('EXISTS', KEYS[3]) == 1 then return {0, redis.call('PTTL', KEYS[3])} end "
    "end "
    "redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1]) "
    READERS_TTL("KEYS[2]")
    "return {mine and 2 or 1, tonumber(redis.call('GET', KEYS[4]) or '0')}";

static const char WRITE_LUA[] =
    NOW_AND_PRUNE("KEYS[2]")
    "local w = redis.call('GET', KEYS[1]) "
    "if w == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) "
    "  return {2, tonumber(redis.call('GET', KEYS[4]) or '0')} end "
    "local q = redis.call('GET', KEYS[3]) "
    "if w or redis.call('ZCARD', KEYS[2]) > 0 then "
    "  if ARGV[3] ~= '0' and (not q or q == ARGV[1]) then redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[3]) end "
    "  if w then return {0, redis.call('PTTL', KEYS[1])} end "
    "  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES') "
    "  return {0, tonumber(first[2]) - now + 1} "
    "end "
    "if q and q ~= ARGV[1] then return {0, redis.call('PTTL', KEYS[3])} end "
    "if q then redis.call('DEL', KEYS[3]) end "
    "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) "
    "return {1, redis.call('INCR', KEYS[4])}";

static const char RELEASE_READ_LUA[] = "return redis.call('ZREM', KEYS[1], ARGV[1])";

static const char RELEASE_WRITE_LUA[] =
    "if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end "
    "local w = redis.call('GET', KEYS[1]) "
    "if w == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end "
    "if w then return -1 end return 0";

static const char EXTEND_READ_LUA[] =
    NOW_AND_PRUNE("KEYS[1]")
    "if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end "
    "redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1]) "
    READERS_TTL("KEYS[1]")
    "return 1";

static const char EXTEND_WRITE_LUA[] =
    "local w = redis.call('GET', KEYS[1]) "
    "if w == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end "
    "if w then return -1 end return 0";
/* clang-format on */

/* The script table: name (for errors), body, the keys it declares in order, whether ARGV[2] is a TTL, and whether
 * ARGV[3] is a waiting mark's TTL ("0": a try that leaves no mark). */
enum { S_READ, S_WRITE, S_RELEASE_READ, S_RELEASE_WRITE, S_EXTEND_READ, S_EXTEND_WRITE, SCRIPTS_ };
static const struct {
    const char *name;
    const char *body;
    int nkeys;
    int key[KEYS_];
    int ttl, mark;
} rw_script[SCRIPTS_] = {
    [S_READ] = {"read acquire", READ_LUA, 4, {KEY_W, KEY_R, KEY_WQ, KEY_FENCE}, 1, 0},
    [S_WRITE] = {"write acquire", WRITE_LUA, 4, {KEY_W, KEY_R, KEY_WQ, KEY_FENCE}, 1, 1},
    [S_RELEASE_READ] = {"read release", RELEASE_READ_LUA, 1, {KEY_R}, 0, 0},
    [S_RELEASE_WRITE] = {"write release", RELEASE_WRITE_LUA, 2, {KEY_W, KEY_WQ}, 0, 0},
    [S_EXTEND_READ] = {"read extend", EXTEND_READ_LUA, 1, {KEY_R}, 1, 0},
    [S_EXTEND_WRITE] = {"write extend", EXTEND_WRITE_LUA, 1, {KEY_W}, 1, 0},
};

lk_rc lk_rwlock_init(lk_rwlock *rw, const lk_env *env, const char *name, const lk_rwlock_opts *opts) {
    assert(rw != NULL);
    memset(rw, 0, sizeof(*rw));
    rw->env = env;
    const char *missing = NULL;
    if (lk_env_check(env, &missing) != LK_OK) return RW_ERR(rw, LK_EMISUSE, "env lacks %s", missing);
    if (opts == NULL) return RW_ERR(rw, LK_EINVAL, "ttl_ms must be > 0");
    if (name == NULL || name[0] == '\0' || strlen(name) + sizeof(":fence") > LK_KEY_MAX)
        return RW_ERR(rw, LK_EINVAL, "lock name must be 1..%d bytes", (int)(LK_KEY_MAX - sizeof(":fence")));
    for (int k = 0; k < KEYS_; k++)
        snprintf(rw->key[k], sizeof(rw->key[k]), "%s%s", name, key_suffix[k]);
    lk__lock_timing t = {opts->ttl_ms, opts->acquire_timeout_ms, opts->backoff_base_ms, opts->backoff_cap_ms,
                         opts->drift_margin_ms};
    lk_rc rc = lk__lock_timing_check(&t, opts->kind, rw->kind, rw->errmsg, sizeof(rw->errmsg));
    if (rc != LK_OK) return rc;
    rw->opts = *opts;
    rw->opts.kind = NULL; /* rw->kind is the one used */
    rw->opts.backoff_base_ms = t.backoff_base_ms;
    rw->opts.backoff_cap_ms = t.backoff_cap_ms;
    rw->opts.drift_margin_ms = t.drift_margin_ms;
    return LK_OK;
}

void lk_rwlock_fini(lk_rwlock *rw) {
    if (rw != NULL) memset(rw, 0, sizeof(*rw));
}

/* Runs script 's' with the token (and 'ttl_ms' when the script takes one): '*code' and '*num' from its reply (an
 * integer reply leaves '*num' 0). Returns LK_OK, a store error, or LK_ESTORE_PROTO for a reply the scripts never
 * give (an error reply included: a server without scripting, say). */
static lk_rc rw_eval(lk_rwlock *rw, int s, unsigned flags, int64_t ttl_ms, int64_t mark_ms, int64_t *code,
                     int64_t *num) {
    const char *argv[3 + KEYS_ + 3];
    char nkeys[4], ttl[24], mark[24];
    int argc = 0;
    argv[argc++] = "EVAL";
    argv[argc++] = rw_script[s].body;
    snprintf(nkeys, sizeof(nkeys), "%d", rw_script[s].nkeys);
    argv[argc++] = nkeys;
    for (int k = 0; k < rw_script[s].nkeys; k++)
        argv[argc++] = rw->key[rw_script[s].key[k]];
    argv[argc++] = rw->token;
    if (rw_script[s].ttl) {
        snprintf(ttl, sizeof(ttl), "%lld", (long long)ttl_ms);
        argv[argc++] = ttl;
    }
    if (rw_script[s].mark) {
        snprintf(mark, sizeof(mark), "%lld", (long long)mark_ms);
        argv[argc++] = mark;
    }
    lk_reply_node nodes[4] = {{0}}; /* zeroed: a reply reads only what it wrote, but leftovers of earlier */
    char bytes[256] = {0};          /* frames would tell equal simulated states apart */
    lk_reply r;
    lk_reply_init(&r, nodes, 4, bytes, sizeof(bytes));
    lk_rc rc = lk_env_command_as(rw->env, flags, &r, argc, argv, NULL);
    if (rc != LK_OK) return RW_ERR(rw, rc, "%s of %s: %s", rw_script[s].name, rw->key[KEY_W], lk_strerror(rc));
    const lk_reply_node *n0 = lk_reply_ok(&r) ? lk_reply_at(&r, 0) : NULL;
    *num = 0;
    if (n0 != NULL && n0->type == LK_REPLY_INTEGER) {
        *code = n0->integer;
        return LK_OK;
    }
    if (n0 != NULL && n0->type == LK_REPLY_ARRAY && n0->len == 2 && lk_reply_at(&r, 1)->type == LK_REPLY_INTEGER &&
        lk_reply_at(&r, 2)->type == LK_REPLY_INTEGER) {
        *code = lk_reply_at(&r, 1)->integer;
        *num = lk_reply_at(&r, 2)->integer;
        return LK_OK;
    }
    if (n0 != NULL && n0->type == LK_REPLY_ERROR)
        return RW_ERR(rw, LK_ESTORE_PROTO, "%s of %s: the server answered %.*s", rw_script[s].name, rw->key[KEY_W],
                      (int)(n0->len < 100 ? n0->len : 100), lk_reply_str(&r, 0));
    return RW_ERR(rw, LK_ESTORE_PROTO, "%s of %s: an unexpected reply", rw_script[s].name, rw->key[KEY_W]);
}

/* Cleans up what an attempt in mode 'mode' may have left (a reader entry, a write lock or a waiting mark), without
 * counting a release. */
static void rw_give_back(lk_rwlock *rw, lk_rw_mode mode) {
    int64_t code, num;
    rw_eval(rw, mode == LK_RW_READ ? S_RELEASE_READ : S_RELEASE_WRITE, LK_CMD_ACQUIRE_STEP, 0, 0, &code, &num);
}

/* Gives back whatever an earlier attempt may have left: a maybe-applied reader entry or write lock, and a writer's
 * waiting mark (so nothing of ours holds readers or writers off). */
static void rw_drop_leftovers(lk_rwlock *rw) {
    if (rw->maybe == LK_RW_READ) rw_give_back(rw, LK_RW_READ);
    if (rw->maybe == LK_RW_WRITE || rw->waiting) rw_give_back(rw, LK_RW_WRITE);
    rw->maybe = LK_RW_NONE;
    rw->waiting = 0;
}

/* A blocking acquire that ends without the lock: its leftovers given back (not after a crash: the process is gone,
 * and the mark's TTL ends it). Returns 'rc'. */
static lk_rc rw_gave_up(lk_rwlock *rw, lk_rc rc) {
    if (rc != LK_ECRASHED) rw_drop_leftovers(rw);
    return rc;
}

/* One acquire script in 'mode' with the current token; records the hold on a grant. A blocking acquire's write try
 * that finds the lock taken marks itself waiting, for the TTL plus one backoff cap (so the mark outlives the gap
 * to its next try); a lone try leaves no mark. */
static lk_rc rw_attempt(lk_rwlock *rw, lk_rw_mode mode, int blocking, lk_outcome *out) {
    if ((rw->maybe != LK_RW_NONE && rw->maybe != mode) || (rw->waiting && mode != LK_RW_WRITE))
        rw_drop_leftovers(rw); /* an attempt in the other mode may linger: drop it first */
    if ((rw->maybe == LK_RW_NONE && !(mode == LK_RW_WRITE && rw->waiting)) || rw->token[0] == '\0') {
        lk_rc rc = lk_token_new(rw->env, rw->token);
        if (rc != LK_OK) return RW_ERR(rw, rc, "entropy failed for the lock token");
    }
    int64_t code = 0, num = 0;
    lk_mono_ns sent = lk_env_mono_ns(rw->env);
    int64_t mark_ms = blocking ? rw->opts.ttl_ms + rw->opts.backoff_cap_ms : 0;
    lk_rc rc =
        rw_eval(rw, mode == LK_RW_READ ? S_READ : S_WRITE, LK_CMD_ACQUIRE_TRY, rw->opts.ttl_ms, mark_ms, &code, &num);
    if (rc == LK_OK && code != 0 && code != 1 && code != 2)
        rc = RW_ERR(rw, LK_ESTORE_PROTO, "acquire of %s: the script answered %lld", rw->key[KEY_W], (long long)code);
    if (rc != LK_OK) {
        if (rc == LK_ESTORE_MAYBE || rc == LK_ESTORE_PROTO) rw->maybe = mode; /* it may have been applied */
        if (rc != LK_ECRASHED) lk_env_metric(rw->env, LK_METRIC_ATTEMPT_ERROR, rw->kind, 1);
        return rc;
    }
    rw->waiting = code == 0 && mode == LK_RW_WRITE && blocking;
    if (code == 0) {
        *out = LK_LOCKED;
        lk_env_metric(rw->env, LK_METRIC_ATTEMPT_BUSY, rw->kind, 1);
        return LK_OK;
    }
    *out = code == 1 ? LK_ACQUIRED : LK_ALREADY_MINE;
    rw->mode = mode;
    rw->maybe = LK_RW_NONE;
    rw->fence = num;
    rw->sent_mono_ns = sent;
    rw->valid_until_mono_ns = sent + (rw->opts.ttl_ms - rw->opts.drift_margin_ms) * LK__NS_PER_MS;
    lk_env_metric(rw->env, code == 1 ? LK_METRIC_ATTEMPT_ACQUIRED : LK_METRIC_ATTEMPT_ALREADY_MINE, rw->kind, 1);
    return LK_OK;
}

static lk_rc rw_check_mode(lk_rwlock *rw, lk_rw_mode mode) {
    if (mode != LK_RW_READ && mode != LK_RW_WRITE) return RW_ERR(rw, LK_EINVAL, "mode must be read or write");
    if (rw->mode != LK_RW_NONE) return RW_ERR(rw, LK_EMISUSE, "acquire of %s while already held", rw->key[KEY_W]);
    return LK_OK;
}

lk_rc lk_rwlock_try_acquire(lk_rwlock *rw, lk_rw_mode mode, lk_outcome *out) {
    assert(rw != NULL && out != NULL);
    *out = LK_NONE;
    lk_rc rc = rw_check_mode(rw, mode);
    if (rc != LK_OK) return rc;
    rc = rw_attempt(rw, mode, 0, out);
    if (rc == LK_ECRASHED) return rc;
    lk_env_metric(rw->env,
                  rc != LK_OK              ? LK_METRIC_ACQUIRE_ERROR
                  : rw->mode != LK_RW_NONE ? LK_METRIC_ACQUIRE_ACQUIRED
                                           : LK_METRIC_ACQUIRE_BUSY,
                  rw->kind, 1);
    return rc;
}

lk_rc lk_rwlock_acquire(lk_rwlock *rw, lk_rw_mode mode, lk_mono_ns deadline_mono_ns, lk_outcome *out) {
    assert(rw != NULL && out != NULL);
    *out = LK_NONE;
    lk_rc rc = rw_check_mode(rw, mode);
    if (rc != LK_OK) return rc;
    lk_mono_ns start = lk_env_mono_ns(rw->env);
    for (int attempt = 0;; attempt++) {
        rc = rw_attempt(rw, mode, 1, out);
        if (rc == LK_ECRASHED) return rc;
        if (rc == LK_OK && rw->mode != LK_RW_NONE) return lk__acquire_counted(rw->env, rw->kind, start, LK_OK);
        if (rc == LK_EENTROPY || rc == LK_ESTORE_PROTO) /* no retry mends these (a server without scripting) */
            return lk__acquire_counted(rw->env, rw->kind, start, rw_gave_up(rw, rc));
        *out = LK_NONE;
        lk_mono_ns now = lk_env_mono_ns(rw->env);
        if (now >= deadline_mono_ns) break; /* that was the last try, at or after the deadline */
        if (attempt + 1 == LK_ACQUIRE_ATTEMPTS_MAX) {
            rc = RW_ERR(rw, LK_ELIMIT, "acquire %s: %d tries before the deadline", rw->key[KEY_W],
                        LK_ACQUIRE_ATTEMPTS_MAX);
            return lk__acquire_counted(rw->env, rw->kind, start, rw_gave_up(rw, rc));
        }
        int64_t sleep_ns = 0;
        rc = lk__backoff_ns(rw->env, rw->opts.backoff_base_ms, rw->opts.backoff_cap_ms, attempt, &sleep_ns);
        if (rc != LK_OK)
            return lk__acquire_counted(rw->env, rw->kind, start, rw_gave_up(rw, RW_ERR(rw, rc, "entropy failed")));
        if (now + sleep_ns > deadline_mono_ns) sleep_ns = deadline_mono_ns - now; /* last try at the deadline */
        rc = lk_env_sleep_ns(rw->env, sleep_ns);
        if (rc != LK_OK) return lk__acquire_counted(rw->env, rw->kind, start, rw_gave_up(rw, rc));
    }
    rw_gave_up(rw, LK_ETIMEDOUT); /* readers may come again */
    lk_rc last = rc;
    rc = RW_ERR(rw, LK_ETIMEDOUT, "acquire %s: deadline passed (last result: %s)", rw->key[KEY_W], lk_rc_name(last));
    return lk__acquire_counted(rw->env, rw->kind, start, rc);
}

lk_rc lk_rwlock_acquire_timed(lk_rwlock *rw, lk_rw_mode mode, lk_outcome *out) {
    assert(rw != NULL && out != NULL);
    *out = LK_NONE;
    if (rw->opts.acquire_timeout_ms <= 0)
        return RW_ERR(rw, LK_EMISUSE, "acquire_timed on %s, which has no acquire_timeout_ms", rw->key[KEY_W]);
    return lk_rwlock_acquire(rw, mode, lk_env_mono_ns(rw->env) + rw->opts.acquire_timeout_ms * LK__NS_PER_MS, out);
}

lk_rc lk_rwlock_release(lk_rwlock *rw, lk_outcome *out) {
    assert(rw != NULL && out != NULL);
    *out = LK_NONE;
    lk_rw_mode mode = rw->mode != LK_RW_NONE ? rw->mode : rw->maybe;
    if (mode == LK_RW_NONE) return RW_ERR(rw, LK_EMISUSE, "release of %s, which is not held", rw->key[KEY_W]);
    int held = rw->mode != LK_RW_NONE;
    int64_t code = 0, num = 0;
    lk_rc rc = rw_eval(rw, mode == LK_RW_READ ? S_RELEASE_READ : S_RELEASE_WRITE, 0, 0, 0, &code, &num);
    rw->mode = LK_RW_NONE;
    rw->waiting = 0;
    rw->fence = 0;
    if (rc != LK_OK) {
        rw->maybe = mode; /* our entry may still be there: a retried release can find it */
        if (rc != LK_ECRASHED) lk_env_metric(rw->env, LK_METRIC_RELEASE_ERROR, rw->kind, 1);
        return rc;
    }
    rw->maybe = LK_RW_NONE;
    *out = code == 1 ? LK_RELEASED : code == -1 ? LK_NOT_OWNER : LK_ABSENT;
    lk_env_metric(rw->env,
                  *out == LK_RELEASED    ? LK_METRIC_RELEASE_RELEASED
                  : *out == LK_NOT_OWNER ? LK_METRIC_RELEASE_NOT_OWNER
                                         : LK_METRIC_RELEASE_ABSENT,
                  rw->kind, 1);
    if (held && *out != LK_RELEASED) lk_env_metric(rw->env, LK_METRIC_LOST, rw->kind, 1); /* its lease had ended */
    return LK_OK;
}

lk_rc lk_rwlock_extend(lk_rwlock *rw, int64_t ttl_ms, lk_outcome *out) {
    assert(rw != NULL && out != NULL);
    *out = LK_NONE;
    if (rw->mode == LK_RW_NONE) return RW_ERR(rw, LK_EMISUSE, "extend of %s, which is not held", rw->key[KEY_W]);
    if (ttl_ms <= 0) return RW_ERR(rw, LK_EINVAL, "extend ttl_ms must be > 0");
    int64_t code = 0, num = 0;
    lk_mono_ns sent = lk_env_mono_ns(rw->env);
    lk_rc rc = rw_eval(rw, rw->mode == LK_RW_READ ? S_EXTEND_READ : S_EXTEND_WRITE, 0, ttl_ms, 0, &code, &num);
    if (rc != LK_OK) {
        if (rc != LK_ECRASHED) lk_env_metric(rw->env, LK_METRIC_EXTEND_ERROR, rw->kind, 1);
        return rc;
    }
    if (code == 1) {
        *out = LK_EXTENDED;
        rw->sent_mono_ns = sent;
        rw->valid_until_mono_ns = sent + (ttl_ms - rw->opts.drift_margin_ms) * LK__NS_PER_MS;
        lk_env_metric(rw->env, LK_METRIC_EXTEND_EXTENDED, rw->kind, 1);
        return LK_OK;
    }
    *out = code == -1 ? LK_NOT_OWNER : LK_ABSENT;
    rw->mode = LK_RW_NONE;
    rw->fence = 0;
    lk_env_metric(rw->env, LK_METRIC_EXTEND_LOST, rw->kind, 1);
    lk_env_metric(rw->env, LK_METRIC_LOST, rw->kind, 1);
    return LK_OK;
}

int lk_rwlock_holds(const lk_rwlock *rw) {
    return rw->mode != LK_RW_NONE && lk_env_mono_ns(rw->env) < rw->valid_until_mono_ns;
}

lk_rw_mode lk_rwlock_mode(const lk_rwlock *rw) {
    return rw->mode;
}

int64_t lk_rwlock_fence(const lk_rwlock *rw) {
    return rw->mode != LK_RW_NONE ? rw->fence : 0;
}

const char *lk_rwlock_errmsg(const lk_rwlock *rw) {
    return rw->errmsg;
}

const char *lk_rwlock_script_text(lk_rwlock_script which) {
    switch (which) {
    case LK_RW_SCRIPT_READ: return READ_LUA;
    case LK_RW_SCRIPT_WRITE: return WRITE_LUA;
    case LK_RW_SCRIPT_RELEASE_READ: return RELEASE_READ_LUA;
    case LK_RW_SCRIPT_RELEASE_WRITE: return RELEASE_WRITE_LUA;
    case LK_RW_SCRIPT_EXTEND_READ: return EXTEND_READ_LUA;
    case LK_RW_SCRIPT_EXTEND_WRITE: return EXTEND_WRITE_LUA;
    }
    return "";
}
