/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_cmd_keys.c: the model's key-space commands (DEL, UNLINK, EXISTS, TYPE, SCAN), expiry (EXPIRE, PEXPIRE,
 * EXPIREAT, PEXPIREAT, TTL, PTTL, PERSIST) and connection commands (PING, ECHO), as Redis 7.0 runs them.
 *
 * SCAN's cursor is the model's own: the key hash (sim_keyspace.h) to continue from. A call visits the live keys in
 * (hash, key bytes) order from the cursor on, at least COUNT of them and never half of a group of equal hashes, and
 * returns the next hash as the cursor, "0" once no key is left. So every key present for a whole scan is returned
 * exactly once (Redis promises at least once), and the order is a function of the key space alone. Expired keys in
 * the visited range that match the pattern are deleted, as Redis's SCAN deletes them (it checks expiry only for
 * keys the pattern keeps).
 */
#include <stdio.h>

#include "sim/model/sim_cmd.h"


/* DEL and UNLINK: the number of keys removed (a key named twice counts once). */
static void keys_delete(sim_cmd *c) {
    int64_t removed = 0;
    for (int i = 1; i < c->argc; i++) {
        int slot = sim_ks_find(c->ks, c->argv[i], (uint32_t)c->len[i], c->now_ms);
        if (slot < 0) continue;
        sim_ks_delete(c->ks, slot);
        removed++;
    }
    lk_reply_int(c->r, removed);
}

void sim__cmd_del(sim_cmd *c) {
    keys_delete(c);
}

void sim__cmd_unlink(sim_cmd *c) {
    keys_delete(c);
}

void sim__cmd_exists(sim_cmd *c) {
    int64_t n = 0;
    for (int i = 1; i < c->argc; i++)
        n += sim_ks_find(c->ks, c->argv[i], (uint32_t)c->len[i], c->now_ms) >= 0;
    lk_reply_int(c->r, n);
}

void sim__cmd_type(sim_cmd *c) {
    int slot = sim_ks_find(c->ks, c->argv[1], (uint32_t)c->len[1], c->now_ms);
    lk_reply_status(c->r, sim_ks_type_name(slot < 0 ? SIM_KS_NONE : c->ks->entry[slot].type));
}

enum { EXPIRE_NX = 1, EXPIRE_XX = 2, EXPIRE_GT = 4, EXPIRE_LT = 8 };

/* Parses EXPIRE's NX|XX|GT|LT as Redis's parseExtendedExpireArgumentsOrReply does. Returns 0 or -1 after replying. */
static int expire_parse(sim_cmd *c, unsigned *flags) {
    static const char *const words[] = {"nx", "xx", "gt", "lt"};
    for (int i = 3; i < c->argc; i++) {
        int k = 0;
        while (k < 4 && !sim__cmd_arg_is(c, i, words[k]))
            k++;
        if (k == 4) {
            lk_reply_error(c->r, "ERR Unsupported option %.*s", (int)(c->len[i] < 128 ? c->len[i] : 128), c->argv[i]);
            return -1;
        }
        *flags |= 1u << k;
    }
    if ((*flags & EXPIRE_NX) && (*flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
        lk_reply_error(c->r, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return -1;
    }
    if ((*flags & EXPIRE_GT) && (*flags & EXPIRE_LT)) {
        lk_reply_error(c->r, "ERR GT and LT options at the same time are not compatible");
        return -1;
    }
    return 0;
}

/* 1 if the NX|XX|GT|LT condition lets deadline 'when' replace the key's 'current' one (0 = none, i.e. infinite). */
static int expire_allowed(unsigned flags, int64_t current, int64_t when) {
    if ((flags & EXPIRE_NX) && current != 0) return 0;
    if ((flags & EXPIRE_XX) && current == 0) return 0;
    if ((flags & EXPIRE_GT) && (current == 0 || when <= current)) return 0;
    if ((flags & EXPIRE_LT) && current != 0 && when >= current) return 0;
    return 1;
}

/* Redis's expireGenericCommand: 'base_ms' is now for a relative TTL, 0 for an absolute one. */
static void keys_expire(sim_cmd *c, int64_t base_ms, int seconds) {
    unsigned flags = 0;
    int64_t when;
    if (expire_parse(c, &flags) != 0 || sim__cmd_int(c, 2, &when) != 0) return;
    if (seconds) {
        if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) goto invalid;
        when *= 1000;
    }
    if (when > INT64_MAX - base_ms) goto invalid;
    when += base_ms;
    int slot = sim_ks_find(c->ks, c->argv[1], (uint32_t)c->len[1], c->now_ms);
    if (slot < 0 || !expire_allowed(flags, c->ks->entry[slot].deadline_ms, when)) {
        lk_reply_int(c->r, 0);
        return;
    }
    if (when <= c->now_ms)
        sim_ks_delete(c->ks, slot); /* already past: Redis deletes the key at once */
    else
        sim_ks_set_deadline(c->ks, slot, when);
    lk_reply_int(c->r, 1);
    return;
invalid:
    lk_reply_error(c->r, "ERR invalid expire time in '%s' command", c->row->name);
}

void sim__cmd_expire(sim_cmd *c) {
    keys_expire(c, c->now_ms, 1);
}

void sim__cmd_pexpire(sim_cmd *c) {
    keys_expire(c, c->now_ms, 0);
}

void sim__cmd_expireat(sim_cmd *c) {
    keys_expire(c, 0, 1);
}

void sim__cmd_pexpireat(sim_cmd *c) {
    keys_expire(c, 0, 0);
}

/* Redis's ttlGenericCommand: -2 absent, -1 no TTL, else the time left (never negative), seconds rounded. */
static void keys_ttl(sim_cmd *c, int ms) {
    int slot = sim_ks_find(c->ks, c->argv[1], (uint32_t)c->len[1], c->now_ms);
    if (slot < 0) {
        lk_reply_int(c->r, -2);
        return;
    }
    int64_t deadline_ms = c->ks->entry[slot].deadline_ms;
    if (deadline_ms == 0) {
        lk_reply_int(c->r, -1);
        return;
    }
    int64_t ttl = deadline_ms - c->now_ms;
    if (ttl < 0) ttl = 0;
    lk_reply_int(c->r, ms ? ttl : (ttl + 500) / 1000);
}

void sim__cmd_ttl(sim_cmd *c) {
    keys_ttl(c, 0);
}

void sim__cmd_pttl(sim_cmd *c) {
    keys_ttl(c, 1);
}

void sim__cmd_persist(sim_cmd *c) {
    int slot = sim_ks_find(c->ks, c->argv[1], (uint32_t)c->len[1], c->now_ms);
    int had = slot >= 0 && c->ks->entry[slot].deadline_ms != 0;
    if (had) sim_ks_set_deadline(c->ks, slot, 0);
    lk_reply_int(c->r, had);
}

void sim__cmd_ping(sim_cmd *c) {
    if (c->argc > 2) {
        lk_reply_error(c->r, "ERR wrong number of arguments for 'ping' command");
    } else if (c->client != NULL && (c->client->flags & SIM_CLIENT_PUBSUB)) { /* RESP2's subscribed mode */
        lk_reply_array(c->r, 2);
        lk_reply_bulk_str(c->r, "pong");
        lk_reply_bulk(c->r, c->argc == 2 ? c->argv[1] : "", c->argc == 2 ? c->len[1] : 0);
    } else if (c->argc == 2) {
        lk_reply_bulk(c->r, c->argv[1], c->len[1]);
    } else {
        lk_reply_status(c->r, "PONG");
    }
}

void sim__cmd_echo(sim_cmd *c) {
    lk_reply_bulk(c->r, c->argv[1], c->len[1]);
}

/* TIME: the server's wall clock as [seconds, microseconds], two bulk strings. The model's clock has ms resolution,
 * so the microseconds are whole ms; a script may call it (Redis 7 replicates a script's effects, not the script). */
void sim__cmd_time(sim_cmd *c) {
    char sec[24], usec[24];
    int64_t ms = c->now_ms;
    snprintf(sec, sizeof(sec), "%lld", (long long)(ms / 1000));
    snprintf(usec, sizeof(usec), "%lld", (long long)(ms % 1000 * 1000));
    lk_reply_array(c->r, 2);
    lk_reply_bulk_str(c->r, sec);
    lk_reply_bulk_str(c->r, usec);
}

/* ---------------------------------------------------------------------------------------------------------------
 * SCAN
 */

/* 1 if slot 'a' sorts before slot 'b' in SCAN order: by key hash, then key bytes. */
static int scan_before(const sim_keyspace *ks, int a, int b) {
    if (ks->entry[a].key_hash != ks->entry[b].key_hash) return ks->entry[a].key_hash < ks->entry[b].key_hash;
    uint32_t na, nb;
    const unsigned char *ka = sim_ks_key(ks, a, &na), *kb = sim_ks_key(ks, b, &nb);
    int d = memcmp(ka, kb, na < nb ? na : nb);
    return d != 0 ? d < 0 : na < nb;
}

/* The first used slot after 'prev' (-1: from the start) in SCAN order whose hash is >= 'from', or -1. */
static int scan_next(const sim_keyspace *ks, uint64_t from, int prev) {
    int best = -1;
    for (int i = 0; i < SIM_KS_SLOTS; i++) {
        if (ks->entry[i].type == SIM_KS_NONE || ks->entry[i].key_hash < from) continue;
        if (prev >= 0 && !scan_before(ks, prev, i)) continue;
        if (best < 0 || scan_before(ks, i, best)) best = i;
    }
    return best;
}

/* 1 if the live key in 'slot' passes MATCH and TYPE. */
static int scan_keep(const sim_keyspace *ks, int slot, const sim_scan_opts *o) {
    uint32_t n;
    const unsigned char *k = sim_ks_key(ks, slot, &n);
    if (o->match && !sim__glob_match(o->match, o->match_len, (const char *)k, n)) return 0;
    if (o->type == NULL) return 1;
    const char *t = sim_ks_type_name(ks->entry[slot].type);
    if (strlen(t) != o->type_len) return 0;
    for (size_t i = 0; i < o->type_len; i++) {
        char a = o->type[i];
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (a != t[i]) return 0;
    }
    return 1;
}

/* The first slot a SCAN from 'cursor' does not visit (it visits at least 'count' keys and whole hash groups), or
 * -1 when it visits every key left. */
static int scan_stop(const sim_keyspace *ks, uint64_t cursor, int64_t count) {
    int64_t visited = 0;
    uint32_t last_hash = 0;
    int slot = scan_next(ks, cursor, -1);
    for (; slot >= 0; slot = scan_next(ks, cursor, slot)) {
        if (visited >= count && ks->entry[slot].key_hash != last_hash) break;
        visited++;
        last_hash = ks->entry[slot].key_hash;
    }
    return slot;
}

/* Deletes the expired keys that match the pattern among those a SCAN from 'cursor' visits, as Redis's SCAN does
 * (deleting one may move others: start over). */
static void scan_expire(sim_cmd *c, uint64_t cursor, const sim_scan_opts *o) {
    for (int again = 1; again;) {
        again = 0;
        int stop = scan_stop(c->ks, cursor, o->count);
        for (int slot = scan_next(c->ks, cursor, -1); slot >= 0 && slot != stop;
             slot = scan_next(c->ks, cursor, slot)) {
            int64_t deadline_ms = c->ks->entry[slot].deadline_ms;
            if (deadline_ms == 0 || c->now_ms <= deadline_ms) continue;
            uint32_t n;
            const unsigned char *k = sim_ks_key(c->ks, slot, &n);
            if (o->match && !sim__glob_match(o->match, o->match_len, (const char *)k, n))
                continue; /* Redis checks expiry only for keys the pattern keeps */
            sim_ks_delete(c->ks, slot);
            again = 1;
            break;
        }
    }
}

void sim__cmd_scan(sim_cmd *c) {
    uint64_t cursor;
    sim_scan_opts o;
    if (sim__cmd_cursor(c, 1, &cursor) != 0 || sim__cmd_scan_opts(c, 2, 1, &o) != 0) return;
    scan_expire(c, cursor, &o);
    int stop = scan_stop(c->ks, cursor, o.count);
    char text[24];
    /* a group is never split, so a stop after a first group has a hash above 0: "0" only ever means the end */
    uint32_t n = sim__fmt_int(text, stop >= 0 ? (int64_t)c->ks->entry[stop].key_hash : 0);
    lk_reply_array(c->r, 2);
    lk_reply_bulk(c->r, text, n);
    uint32_t keys = lk_reply_array(c->r, 0), kept = 0;
    for (int slot = scan_next(c->ks, cursor, -1); slot >= 0 && slot != stop; slot = scan_next(c->ks, cursor, slot)) {
        if (!scan_keep(c->ks, slot, &o)) continue;
        const unsigned char *k = sim_ks_key(c->ks, slot, &n);
        lk_reply_bulk(c->r, k, n);
        kept++;
    }
    lk_reply_set_len(c->r, keys, kept);
}
