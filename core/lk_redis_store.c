/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_redis_store.c: the Redis store over hiredis 0.14 (contract in lk_redis_store.h).
 *
 * Mechanism. Primitives are plain commands; composites and the prefix ops are Lua scripts loaded with SCRIPT LOAD
 * and run with EVALSHA (reloaded on NOSCRIPT, as after a restart). Inside a script Redis freezes time at the
 * script's start, so a composite sees one instant, like the model. The scripts return {code, number} or a value.
 *
 * A caller's EVAL (a command op) goes out as EVALSHA of the script's digest, which SCRIPT LOAD gave the first time
 * this store saw that body (kept with a copy of the body, compared byte for byte), so its body crosses the network
 * and is hashed by the server once, not at every call: the reply is the one EVAL gives. On NOSCRIPT (a restart or
 * SCRIPT FLUSH) the body is loaded again; inside MULTI, where NOSCRIPT would surface only in EXEC's reply, and when
 * SCRIPT LOAD refuses the body (a compile error: EVAL's own error text is the reply), EVAL goes out as it is.
 *
 * Connection state: 'c' is NULL when no usable context exists. Any I/O error or timeout frees it (hiredis 0.14
 * cannot resynchronize a context after a timeout: a late reply would be taken as the next command's answer); the
 * next op reconnects and re-applies timeouts, AUTH and SELECT, then reloads the scripts.
 * Never: put the password in errmsg, or read past a reply's declared length.
 */
#include "core/lk_redis_store.h"

#include "core/lk_command.h"
#include "core/lk_scripts.h"

#include <assert.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lk_internal.h"

#define REDIS_ERR_MSG(s, rc, ...) lk__set_error((s)->errmsg, sizeof((s)->errmsg), (rc), __VA_ARGS__)

struct lk_redis_store {
    pthread_mutex_t mu;             /* serializes every use of 'c' (a holder and its renewal task share it) */
    redisContext *c;                /* NULL when disconnected */
    lk_redis_url url;               /* where to (re)connect */
    lk_redis_opts opts;             /* defaults filled in */
    char sha[LK_SCRIPT_COUNT_][41]; /* loaded script digests, "" if not loaded */
    int in_multi;                   /* a MULTI was accepted and no EXEC or DISCARD has ended it */
    int eval_count;                 /* entries of 'eval' in use */
    struct redis_eval_body {
        char *body;               /* a copy of an EVAL's script (malloc) */
        size_t len;               /* its bytes */
        char sha[41];             /* its digest, from SCRIPT LOAD; "" until loaded on this connection */
    } eval[LK_REDIS_EVAL_BODIES]; /* callers' scripts sent as EVALSHA */
    char errmsg[256];             /* last error, never with the password */
};

/* ---- URL ------------------------------------------------------------------------------------------------------ */

static int url_err(char *err, size_t cap, const char *what) {
    snprintf(err, cap, "bad Redis URL: %s (use redis://[:password@]host[:port][/db])", what);
    return -1;
}

int lk_redis_url_parse(const char *url, lk_redis_url *out, char *err, size_t cap) {
    memset(out, 0, sizeof(*out));
    out->port = 6379;
    if (url == NULL || strncmp(url, "redis://", 8) != 0) return url_err(err, cap, "it must start with redis://");
    const char *p = url + 8, *at = strrchr(p, '@');
    if (at) {
        if (*p != ':') return url_err(err, cap, "the password part must be ':password@' (no user name)");
        size_t n = (size_t)(at - p - 1);
        if (n == 0 || n >= sizeof(out->password)) return url_err(err, cap, "empty or too long password");
        memcpy(out->password, p + 1, n);
        p = at + 1;
    }
    size_t hn = strcspn(p, ":/");
    if (hn == 0 || hn >= sizeof(out->host)) return url_err(err, cap, "missing or too long host");
    memcpy(out->host, p, hn);
    p += hn;
    if (*p == ':') {
        char *end = NULL;
        long port = strtol(p + 1, &end, 10);
        if (end == p + 1 || port < 1 || port > 65535 || (*end != '\0' && *end != '/'))
            return url_err(err, cap, "the port must be 1..65535");
        out->port = (int)port;
        p = end;
    }
    if (p[0] == '/' && p[1] == '\0') p++; /* "host:port/" means db 0 */
    if (*p == '/') {
        char *end = NULL;
        long db = strtol(p + 1, &end, 10);
        if (end == p + 1 || *end != '\0' || db < 0 || db > 1000000) return url_err(err, cap, "the db must be >= 0");
        out->db = (int)db;
        p = end;
    }
    if (*p != '\0') return url_err(err, cap, "trailing characters after the host");
    return 0;
}

/* ---- connection ----------------------------------------------------------------------------------------------- */

static struct timeval redis_tv(int64_t ms) {
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    return tv;
}

static void redis_drop(lk_redis_store *s) {
    if (s->c) redisFree(s->c);
    s->c = NULL;
    memset(s->sha, 0, sizeof(s->sha));
    s->in_multi = 0;
    for (int i = 0; i < s->eval_count; i++)
        s->eval[i].sha[0] = '\0';
}

/* Runs a setup command that must answer +OK (AUTH, SELECT); returns LK_OK or LK_ESTORE_DOWN. */
static lk_rc redis_setup_cmd(lk_redis_store *s, int argc, const char **argv, const char *what) {
    redisReply *r = redisCommandArgv(s->c, argc, argv, NULL);
    int ok = r && r->type == REDIS_REPLY_STATUS;
    if (!ok)
        REDIS_ERR_MSG(s, LK_ESTORE_DOWN, "%s on %s:%d failed: %s", what, s->url.host, s->url.port,
                      r && r->type == REDIS_REPLY_ERROR ? r->str : (s->c->err ? s->c->errstr : "bad reply"));
    if (r) freeReplyObject(r);
    return ok ? LK_OK : LK_ESTORE_DOWN;
}

/* Makes sure a usable context exists: connect, timeouts, AUTH, SELECT. */
static lk_rc redis_connect(lk_redis_store *s) {
    if (s->c) return LK_OK;
    s->c = redisConnectWithTimeout(s->url.host, s->url.port, redis_tv(s->opts.connect_timeout_ms));
    if (s->c == NULL || s->c->err) {
        REDIS_ERR_MSG(s, LK_ESTORE_DOWN, "cannot connect to %s:%d: %s", s->url.host, s->url.port,
                      s->c ? s->c->errstr : "out of memory");
        redis_drop(s);
        return LK_ESTORE_DOWN;
    }
    if (redisSetTimeout(s->c, redis_tv(s->opts.command_timeout_ms)) != REDIS_OK) {
        REDIS_ERR_MSG(s, LK_ESTORE_DOWN, "cannot set the command timeout on %s:%d", s->url.host, s->url.port);
        redis_drop(s);
        return LK_ESTORE_DOWN;
    }
    lk_rc rc = LK_OK;
    if (s->url.password[0]) {
        const char *argv[] = {"AUTH", s->url.password};
        rc = redis_setup_cmd(s, 2, argv, "AUTH");
    }
    if (rc == LK_OK && s->url.db != 0) {
        char db[16];
        snprintf(db, sizeof(db), "%d", s->url.db);
        const char *argv[] = {"SELECT", db};
        rc = redis_setup_cmd(s, 2, argv, "SELECT");
    }
    if (rc != LK_OK) redis_drop(s);
    return rc;
}

/* Sends one command. Returns the reply (caller frees) or NULL after dropping the context: '*rc' says whether the
 * command may have run (LK_ESTORE_MAYBE: it was sent, the reply did not come) or not (LK_ESTORE_DOWN). */
static redisReply *redis_send(lk_redis_store *s, int argc, const char **argv, const size_t *lens, lk_rc *rc) {
    *rc = redis_connect(s);
    if (*rc != LK_OK) return NULL;
    redisReply *r = redisCommandArgv(s->c, argc, argv, lens);
    if (r != NULL) return r;
    int timeout = s->c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
    REDIS_ERR_MSG(s, LK_ESTORE_MAYBE, "%s on %s:%d: %s", timeout ? "timeout" : "connection lost", s->url.host,
                  s->url.port, s->c->errstr);
    redis_drop(s); /* never read a late reply as the next command's answer */
    *rc = LK_ESTORE_MAYBE;
    return NULL;
}

/* ---- scripts -------------------------------------------------------------------------------------------------- */

static lk_rc redis_load(lk_redis_store *s, lk_script which) {
    const char *argv[] = {"SCRIPT", "LOAD", lk_script_text(which)};
    lk_rc rc;
    redisReply *r = redis_send(s, 3, argv, NULL, &rc);
    if (r == NULL) return rc == LK_ESTORE_MAYBE ? LK_ESTORE_DOWN : rc; /* nothing of the op ran yet */
    int ok = r->type == REDIS_REPLY_STRING && r->len == 40;
    if (ok)
        memcpy(s->sha[which], r->str, 41);
    else
        REDIS_ERR_MSG(s, LK_ESTORE_PROTO, "SCRIPT LOAD failed: %s", r->type == REDIS_REPLY_ERROR ? r->str : "?");
    freeReplyObject(r);
    return ok ? LK_OK : LK_ESTORE_PROTO;
}

/* EVALSHA 'which' with 'nkeys' keys then args; reloads the script once on NOSCRIPT (a restart or SCRIPT FLUSH). */
static redisReply *redis_eval(lk_redis_store *s, lk_script which, int nkeys, const char **keys_args, int n, lk_rc *rc) {
    enum { ARGS_MAX = 8 };
    assert(n + 3 <= ARGS_MAX);
    for (int attempt = 0; attempt < 2; attempt++) {
        if (s->sha[which][0] == '\0' && (*rc = redis_load(s, which)) != LK_OK) return NULL;
        const char *argv[ARGS_MAX];
        char nk[8];
        snprintf(nk, sizeof(nk), "%d", nkeys);
        argv[0] = "EVALSHA";
        argv[1] = s->sha[which];
        argv[2] = nk;
        for (int i = 0; i < n; i++)
            argv[3 + i] = keys_args[i];
        redisReply *r = redis_send(s, 3 + n, argv, NULL, rc);
        if (r == NULL) return NULL;
        if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0) {
            freeReplyObject(r);
            s->sha[which][0] = '\0';
            continue;
        }
        return r;
    }
    *rc = REDIS_ERR_MSG(s, LK_ESTORE_PROTO, "the server keeps answering NOSCRIPT");
    return NULL;
}

/* ---- ops ------------------------------------------------------------------------------------------------------ */

/* "prefix*" with the glob characters of the prefix escaped, for SCAN MATCH. */
static void redis_match(const char *prefix, char *out, size_t cap) {
    size_t j = 0;
    for (const char *p = prefix; *p && j + 3 < cap; p++) {
        if (strchr("*?[]\\", *p)) out[j++] = '\\';
        out[j++] = *p;
    }
    out[j++] = '*';
    out[j] = '\0';
}

/* {code, number} from a composite script: code 1, 2, 3 map to outcomes[0..2]. */
static lk_rc redis_pair(lk_redis_store *s, const redisReply *r, const lk_outcome outcomes[3], lk_store_reply *out) {
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_INTEGER ||
        r->element[1]->type != REDIS_REPLY_INTEGER || r->element[0]->integer < 1 || r->element[0]->integer > 3)
        return REDIS_ERR_MSG(s, LK_ESTORE_PROTO, "unexpected script reply (type %d)", r->type);
    out->outcome = outcomes[r->element[0]->integer - 1];
    out->num = r->element[1]->integer;
    return LK_OK;
}

static lk_rc redis_integer(lk_redis_store *s, const redisReply *r, lk_store_reply *out) {
    if (r->type != REDIS_REPLY_INTEGER) return REDIS_ERR_MSG(s, LK_ESTORE_PROTO, "expected an integer reply");
    out->outcome = LK_COUNT;
    out->num = r->integer;
    return LK_OK;
}

static lk_rc redis_string_or_nil(lk_redis_store *s, const redisReply *r, lk_store_reply *out) {
    if (r->type == REDIS_REPLY_NIL) {
        out->outcome = LK_ABSENT;
        return LK_OK;
    }
    if (r->type != REDIS_REPLY_STRING || r->len >= LK_VALUE_MAX || memchr(r->str, '\0', r->len))
        return REDIS_ERR_MSG(s, LK_ESTORE_PROTO, "expected a value of at most %d bytes", LK_VALUE_MAX - 1);
    out->outcome = LK_FOUND;
    memcpy(out->value, r->str, r->len);
    out->value[r->len] = '\0';
    return LK_OK;
}

/* Decodes the reply of a primitive command. */
static lk_rc redis_decode(lk_redis_store *s, const lk_store_op *op, const redisReply *r, lk_store_reply *out) {
    switch (op->kind) {
    case LK_OP_GET: return redis_string_or_nil(s, r, out);
    case LK_OP_SET:
        if (r->type == REDIS_REPLY_NIL)
            out->outcome = LK_NOT_STORED;
        else if (r->type == REDIS_REPLY_STATUS)
            out->outcome = LK_STORED;
        else
            return REDIS_ERR_MSG(s, LK_ESTORE_PROTO, "SET: unexpected reply");
        return LK_OK;
    case LK_OP_PEXPIRE: {
        lk_rc rc = redis_integer(s, r, out);
        if (rc == LK_OK) out->outcome = out->num ? LK_EXTENDED : LK_ABSENT;
        out->num = 0;
        return rc;
    }
    case LK_OP_INCR:
        if (r->type == REDIS_REPLY_ERROR && (strstr(r->str, "not an integer") || strstr(r->str, "overflow"))) {
            out->outcome = LK_WRONG_TYPE;
            return LK_OK;
        }
        return redis_integer(s, r, out);
    default: return redis_integer(s, r, out); /* DEL, PTTL */
    }
}

/* A primitive: one command. */
static redisReply *redis_primitive(lk_redis_store *s, const lk_store_op *op, lk_rc *rc) {
    const char *argv[6];
    char ttl[24];
    int argc = 0;
    snprintf(ttl, sizeof(ttl), "%lld", (long long)op->ttl_ms);
    switch (op->kind) {
    case LK_OP_GET:
        argv[argc++] = "GET";
        argv[argc++] = op->key;
        break;
    case LK_OP_DEL:
        argv[argc++] = "DEL";
        argv[argc++] = op->key;
        break;
    case LK_OP_PTTL:
        argv[argc++] = "PTTL";
        argv[argc++] = op->key;
        break;
    case LK_OP_INCR:
        argv[argc++] = "INCR";
        argv[argc++] = op->key;
        break;
    case LK_OP_PEXPIRE:
        argv[argc++] = "PEXPIRE";
        argv[argc++] = op->key;
        argv[argc++] = ttl;
        break;
    default: /* SET */
        argv[argc++] = "SET";
        argv[argc++] = op->key;
        argv[argc++] = op->value;
        if (op->ttl_ms > 0) {
            argv[argc++] = "PX";
            argv[argc++] = ttl;
        }
        if (op->flags & LK_SET_NX)
            argv[argc++] = "NX";
        else if (op->flags & LK_SET_XX)
            argv[argc++] = "XX";
        break;
    }
    return redis_send(s, argc, argv, NULL, rc);
}

static lk_rc redis_exec_locked(lk_redis_store *s, const lk_store_op *op, lk_store_reply *out);

/* One op at a time per store: hiredis contexts are not thread-safe, and the env's task (the renewal) shares the
 * holder's store. */
static lk_rc redis_exec(void *ctx, const lk_store_op *op, lk_store_reply *out) {
    lk_redis_store *s = ctx;
    pthread_mutex_lock(&s->mu);
    lk_rc rc = redis_exec_locked(s, op, out);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* Copies a hiredis reply into 'out' (RESP2: nil, integer, string, status, error, arrays). Returns 0, or -1 for a
 * type RESP2 does not have. */
static int redis_copy_reply(const redisReply *r, lk_reply *out) {
    switch (r->type) {
    case REDIS_REPLY_NIL: lk_reply_nil(out); return 0;
    case REDIS_REPLY_INTEGER: lk_reply_int(out, r->integer); return 0;
    case REDIS_REPLY_STRING: lk_reply_bulk(out, r->str, (size_t)r->len); return 0;
    case REDIS_REPLY_STATUS: lk_reply_status(out, r->str); return 0;
    case REDIS_REPLY_ERROR: lk_reply_error(out, "%s", r->str); return 0;
    case REDIS_REPLY_ARRAY:
        lk_reply_array(out, (uint32_t)r->elements);
        for (size_t i = 0; i < r->elements; i++)
            if (redis_copy_reply(r->element[i], out) != 0) return -1;
        return 0;
    default: return -1;
    }
}

/* The entry of EVAL body 'body' ('len' bytes), added if new (NULL when the table is full or memory is out: the
 * body then goes out as EVAL). */
static struct redis_eval_body *redis_eval_body(lk_redis_store *s, const char *body, size_t len) {
    for (int i = 0; i < s->eval_count; i++)
        if (s->eval[i].len == len && memcmp(s->eval[i].body, body, len) == 0) return &s->eval[i];
    if (s->eval_count == LK_REDIS_EVAL_BODIES) return NULL;
    struct redis_eval_body *e = &s->eval[s->eval_count];
    if ((e->body = malloc(len ? len : 1)) == NULL) return NULL;
    memcpy(e->body, body, len);
    e->len = len;
    e->sha[0] = '\0';
    s->eval_count++;
    return e;
}

/* EVAL argv[0..argc) as EVALSHA of the cached digest (see the file comment): the reply, or NULL with '*rc' set
 * (LK_OK: not sent, send the EVAL as it is). */
static redisReply *redis_evalsha(lk_redis_store *s, int argc, const char **argv, size_t *lens, lk_rc *rc) {
    *rc = LK_OK;
    struct redis_eval_body *e = s->in_multi ? NULL : redis_eval_body(s, argv[1], lens[1]);
    for (int attempt = 0; e != NULL && attempt < 2; attempt++) {
        if (e->sha[0] == '\0') {
            const char *load[] = {"SCRIPT", "LOAD", argv[1]};
            size_t load_lens[] = {6, 4, lens[1]};
            redisReply *r = redis_send(s, 3, load, load_lens, rc);
            if (r == NULL) {
                if (*rc == LK_ESTORE_MAYBE) *rc = LK_ESTORE_DOWN; /* nothing of the caller's command ran */
                return NULL;
            }
            int ok = r->type == REDIS_REPLY_STRING && r->len == 40;
            if (ok) memcpy(e->sha, r->str, 41);
            freeReplyObject(r);
            if (!ok) return NULL; /* a compile error: EVAL gives its own text */
        }
        const char *sha_argv[LK_COMMAND_ARGS_MAX];
        size_t sha_lens[LK_COMMAND_ARGS_MAX];
        memcpy(sha_argv, argv, sizeof(*argv) * (size_t)argc);
        memcpy(sha_lens, lens, sizeof(*lens) * (size_t)argc);
        sha_argv[0] = "EVALSHA";
        sha_lens[0] = 7;
        sha_argv[1] = e->sha;
        sha_lens[1] = 40;
        redisReply *r = redis_send(s, argc, sha_argv, sha_lens, rc);
        if (r == NULL || r->type != REDIS_REPLY_ERROR || strncmp(r->str, "NOSCRIPT", 8) != 0) return r;
        freeReplyObject(r); /* flushed or restarted: load it again */
        e->sha[0] = '\0';
    }
    return NULL;
}

/* A command of the table, sent as it is (EVAL as EVALSHA: redis_evalsha); Redis's reply, error replies included,
 * goes to out->resp. */
static lk_rc redis_command(lk_redis_store *s, const lk_store_op *op, lk_store_reply *out) {
    size_t lens[LK_COMMAND_ARGS_MAX];
    const char *argv[LK_COMMAND_ARGS_MAX]; /* hiredis 0.14 takes a non-const array */
    for (int i = 0; i < op->argc; i++) {
        argv[i] = op->argv[i];
        lens[i] = op->argv_len ? op->argv_len[i] : strlen(op->argv[i]);
    }
    lk_rc rc = LK_OK;
    const lk_command *row = lk_command_lookup(argv[0], lens[0]);
    redisReply *r =
        row != NULL && row->id == LK_CMD_EVAL && op->argc >= 3 ? redis_evalsha(s, op->argc, argv, lens, &rc) : NULL;
    if (r == NULL && rc == LK_OK) r = redis_send(s, op->argc, argv, lens, &rc);
    if (r == NULL) return rc;
    if (row != NULL && row->id == LK_CMD_MULTI && r->type == REDIS_REPLY_STATUS) s->in_multi = 1;
    if (row != NULL && (row->id == LK_CMD_EXEC || row->id == LK_CMD_DISCARD)) s->in_multi = 0;
    rc = LK_OK;
    if (redis_copy_reply(r, out->resp) != 0)
        rc = REDIS_ERR_MSG(s, LK_ESTORE_PROTO, "%.*s: a reply type RESP2 does not have (%d)",
                           (int)(lens[0] < 32 ? lens[0] : 32), argv[0], r->type);
    else if (!lk_reply_ok(out->resp))
        rc = REDIS_ERR_MSG(s, LK_ELIMIT, "%.*s: the reply does not fit the caller's reply buffers",
                           (int)(lens[0] < 32 ? lens[0] : 32), argv[0]);
    freeReplyObject(r);
    return rc;
}

static lk_rc redis_exec_locked(lk_redis_store *s, const lk_store_op *op, lk_store_reply *out) {
    if (op->kind != LK_OP_COMMAND && op->kind != LK_OP_READ) memset(out, 0, sizeof(*out)); /* may be uninitialized */
    lk_store_reply_reset(out);
    if (op->kind == LK_OP_READ) /* one connection shared by every thread: a subscription would take it over */
        return REDIS_ERR_MSG(s, LK_EMISUSE,
                             "read: pub/sub needs a connection per client, which this store does not "
                             "keep (it serves every thread of the process on one connection)");
    if (op->kind == LK_OP_COMMAND) {
        if (lk_store_op_check(op) != LK_OK || out->resp == NULL)
            return REDIS_ERR_MSG(s, LK_EINVAL, "command: no arguments, too many, or no reply buffer");
        const lk_command *row = lk_command_lookup(op->argv[0], op->argv_len ? op->argv_len[0] : strlen(op->argv[0]));
        if (row != NULL && (row->id == LK_CMD_SUBSCRIBE || row->id == LK_CMD_UNSUBSCRIBE) && !s->opts.pubsub)
            return REDIS_ERR_MSG(s, LK_EMISUSE,
                                 "%s: pub/sub needs a connection per client, which this store does not "
                                 "keep (it serves every thread of the process on one connection)",
                                 row->name);
        lk_rc rc = redis_command(s, op, out);
        if (rc != LK_OK) lk_store_reply_reset(out);
        return rc;
    }
    if (lk_store_op_check(op) != LK_OK)
        return REDIS_ERR_MSG(s, LK_EINVAL,
                             "%s: a key or value too long, or a bad "
                             "token",
                             lk_op_label(op->kind));
    static const lk_outcome acquire_o[3] = {LK_ACQUIRED, LK_ALREADY_MINE, LK_LOCKED};
    static const lk_outcome release_o[3] = {LK_RELEASED, LK_NOT_OWNER, LK_ABSENT};
    static const lk_outcome extend_o[3] = {LK_EXTENDED, LK_NOT_OWNER, LK_ABSENT};
    char ttl[24], num[24], match[2 * LK_KEY_MAX + 2];
    snprintf(ttl, sizeof(ttl), "%lld", (long long)op->ttl_ms);
    snprintf(num, sizeof(num), "%lld", (long long)op->num);
    lk_rc rc = LK_OK;
    redisReply *r = NULL;
    const lk_outcome *pair = NULL;
    switch (op->kind) {
    case LK_OP_ACQUIRE: {
        const char *a[] = {op->key, op->aux_key, op->epoch_key ? op->epoch_key : op->value, op->value, ttl};
        r = op->epoch_key
                ? redis_eval(s, LK_SCRIPT_ACQUIRE, 3, a, 5, &rc)
                : redis_eval(s, LK_SCRIPT_ACQUIRE, 2, (const char *[]){op->key, op->aux_key, op->value, ttl}, 4, &rc);
        pair = acquire_o;
        break;
    }
    case LK_OP_RELEASE:
        r = redis_eval(s, LK_SCRIPT_RELEASE, 1, (const char *[]){op->key, op->value}, 2, &rc);
        pair = release_o;
        break;
    case LK_OP_EXTEND:
        r = redis_eval(s, LK_SCRIPT_EXTEND, 1, (const char *[]){op->key, op->value, ttl}, 3, &rc);
        pair = extend_o;
        break;
    case LK_OP_REVOKE:
        r = redis_eval(s, LK_SCRIPT_REVOKE, 1, (const char *[]){op->key, num}, 2, &rc);
        pair = release_o;
        break;
    case LK_OP_SCAN_DEL:
        redis_match(op->key, match, sizeof(match));
        r = redis_eval(s, LK_SCRIPT_SCAN_DEL, 0, (const char *[]){match}, 1, &rc);
        break;
    case LK_OP_SCAN:
        redis_match(op->key, match, sizeof(match));
        r = redis_eval(s, LK_SCRIPT_SCAN, 0, (const char *[]){match, op->value ? op->value : ""}, 2, &rc);
        break;
    default: r = redis_primitive(s, op, &rc); break;
    }
    if (r == NULL) return rc;
    if (pair)
        rc = redis_pair(s, r, pair, out);
    else if (op->kind == LK_OP_SCAN)
        rc = redis_string_or_nil(s, r, out);
    else if (op->kind == LK_OP_SCAN_DEL)
        rc = redis_integer(s, r, out);
    else if (r->type == REDIS_REPLY_ERROR && op->kind != LK_OP_INCR)
        rc = REDIS_ERR_MSG(s, LK_ESTORE_PROTO, "%s: error reply: %.120s", lk_op_label(op->kind), r->str);
    else
        rc = redis_decode(s, op, r, out);
    if (pair && r->type == REDIS_REPLY_ERROR)
        rc = REDIS_ERR_MSG(s, LK_ESTORE_PROTO, "%s: script error: %.120s", lk_op_label(op->kind), r->str);
    freeReplyObject(r);
    if (rc != LK_OK) lk_store_reply_reset(out);
    return rc;
}

/* ---- lifecycle ------------------------------------------------------------------------------------------------ */

lk_rc lk_redis_store_open(const char *url, const lk_redis_opts *opts, lk_redis_store **out, char *err, size_t cap) {
    *out = NULL;
    lk_redis_store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, cap, "out of memory");
        return LK_ENOMEM;
    }
    if (lk_redis_url_parse(url, &s->url, err, cap) != 0) {
        free(s);
        return LK_EINVAL;
    }
    pthread_mutex_init(&s->mu, NULL);
    s->opts = opts ? *opts : (lk_redis_opts){0};
    if (s->opts.connect_timeout_ms <= 0) s->opts.connect_timeout_ms = 1000;
    if (s->opts.command_timeout_ms <= 0) s->opts.command_timeout_ms = 1000;
    lk_rc rc = redis_connect(s);
    if (rc != LK_OK) {
        snprintf(err, cap, "%s", s->errmsg);
        lk_redis_store_close(s);
        return rc;
    }
    *out = s;
    return LK_OK;
}

void lk_redis_store_close(lk_redis_store *s) {
    if (s == NULL) return;
    redis_drop(s);
    for (int i = 0; i < s->eval_count; i++)
        free(s->eval[i].body);
    memset(s->url.password, 0, sizeof(s->url.password));
    pthread_mutex_destroy(&s->mu);
    free(s);
}

lk_store lk_redis_store_iface(lk_redis_store *s) {
    lk_store st = {s, redis_exec};
    return st;
}

void lk_redis_store_disconnect(lk_redis_store *s) {
    pthread_mutex_lock(&s->mu);
    redis_drop(s);
    pthread_mutex_unlock(&s->mu);
}

const char *lk_redis_store_errmsg(const lk_redis_store *s) {
    return s->errmsg;
}

lk_rc lk_redis_store_send(lk_redis_store *s, int argc, const char *const *argv, const size_t *argv_len) {
    size_t lens[LK_COMMAND_ARGS_MAX];
    if (argc < 1 || argc > LK_COMMAND_ARGS_MAX) return LK_EINVAL;
    for (int i = 0; i < argc; i++)
        lens[i] = argv_len ? argv_len[i] : strlen(argv[i]);
    pthread_mutex_lock(&s->mu);
    lk_rc rc = redis_connect(s);
    if (rc == LK_OK && redisAppendCommandArgv(s->c, argc, (const char **)argv, lens) != REDIS_OK) rc = LK_ESTORE_DOWN;
    for (int done = 0; rc == LK_OK && !done;)
        if (redisBufferWrite(s->c, &done) != REDIS_OK) rc = LK_ESTORE_MAYBE;
    if (rc != LK_OK && rc != LK_ESTORE_DOWN) {
        REDIS_ERR_MSG(s, rc, "send on %s:%d: %s", s->url.host, s->url.port, s->c ? s->c->errstr : "?");
        redis_drop(s);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

lk_rc lk_redis_store_receive(lk_redis_store *s, lk_reply *reply, int64_t wait_ms) {
    lk_reply_clear(reply);
    pthread_mutex_lock(&s->mu);
    lk_rc rc = s->c ? LK_OK : LK_ESTORE_DOWN;
    void *got = NULL;
    if (rc == LK_OK && redisGetReplyFromReader(s->c, &got) != REDIS_OK) rc = LK_ESTORE_PROTO;
    if (rc == LK_OK && got == NULL) { /* nothing buffered: wait for the socket, then read what came */
        struct pollfd pfd = {.fd = s->c->fd, .events = POLLIN};
        int ready = poll(&pfd, 1, (int)(wait_ms < 0 ? 0 : wait_ms > 60000 ? 60000 : wait_ms));
        if (ready == 0)
            rc = LK_ETIMEDOUT;
        else if (ready < 0 || redisBufferRead(s->c) != REDIS_OK || redisGetReplyFromReader(s->c, &got) != REDIS_OK)
            rc = LK_ESTORE_MAYBE;
        else if (got == NULL)
            rc = LK_ETIMEDOUT; /* part of a reply: the rest comes later */
    }
    if (rc == LK_OK && redis_copy_reply(got, reply) != 0) rc = LK_ESTORE_PROTO;
    if (rc == LK_OK && !lk_reply_ok(reply)) rc = LK_ELIMIT;
    if (got) freeReplyObject(got);
    if (rc == LK_ESTORE_MAYBE || rc == LK_ESTORE_PROTO) {
        REDIS_ERR_MSG(s, rc, "receive on %s:%d: %s", s->url.host, s->url.port, s->c && s->c->err ? s->c->errstr : "?");
        redis_drop(s);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

lk_rc lk_redis_store_command(lk_redis_store *s, int argc, const char **argv, char *reply, size_t cap) {
    lk_rc rc;
    if (reply && cap) reply[0] = '\0';
    pthread_mutex_lock(&s->mu);
    redisReply *r = redis_send(s, argc, argv, NULL, &rc);
    pthread_mutex_unlock(&s->mu);
    if (r == NULL) return rc;
    rc = r->type == REDIS_REPLY_ERROR ? LK_ESTORE_PROTO : LK_OK;
    if (reply && cap) {
        if (r->type == REDIS_REPLY_INTEGER)
            snprintf(reply, cap, "%lld", (long long)r->integer);
        else if (r->str)
            snprintf(reply, cap, "%.*s", (int)r->len, r->str);
    }
    freeReplyObject(r);
    return rc;
}
