/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_cmd_strings.c: the model's string commands, as Redis 7.0's t_string.c runs them.
 *
 * A string value is its bytes. SET replaces a key of any type (and its TTL unless KEEPTTL); INCR and friends keep
 * the key's TTL and refuse a value that is not a decimal int64 in Redis's canonical form (no spaces, no '+', no
 * leading zero).
 */
#include "sim/model/sim_cmd.h"

#include <limits.h>

/* Replies the string value in 'slot'. */
static void strings_reply_value(sim_cmd *c, int slot) {
    uint32_t n;
    const unsigned char *v = sim_ks_value_const(c->ks, slot, &n);
    lk_reply_bulk(c->r, v, n);
}

/* Writes 'p' ('n' bytes) as the string value of the key of argument 'key_arg', replacing any value of any type.
 * 'keep_ttl' keeps an existing key's deadline. Returns the slot, or -1 after a limit. */
static int strings_store(sim_cmd *c, int key_arg, const void *p, size_t n, int keep_ttl) {
    int slot = sim_ks_find(c->ks, c->argv[key_arg], (uint32_t)c->len[key_arg], c->now_ms);
    int64_t deadline_ms = 0;
    if (slot >= 0) {
        deadline_ms = c->ks->entry[slot].deadline_ms;
        sim_ks_delete(c->ks, slot);
    }
    if (n > SIM_KS_VALUE_BYTES_MAX) {
        sim__cmd_limit(c, "value too long");
        return -1;
    }
    slot = sim__cmd_create(c, key_arg, SIM_KS_STRING, (uint32_t)n);
    if (slot < 0) return -1;
    uint32_t cap;
    if (n > 0) memcpy(sim_ks_value(c->ks, slot, &cap), p, n);
    if (keep_ttl) sim_ks_set_deadline(c->ks, slot, deadline_ms);
    return slot;
}

void sim__cmd_get(sim_cmd *c) {
    int slot;
    int found = sim__cmd_key(c, 1, SIM_KS_STRING, &slot);
    if (found < 0) return;
    if (found == 0)
        lk_reply_nil(c->r);
    else
        strings_reply_value(c, slot);
}

enum { SET_NX = 1, SET_XX = 2, SET_GET = 4, SET_KEEPTTL = 8, SET_EX = 16, SET_PX = 32, SET_EXAT = 64, SET_PXAT = 128 };
enum { SET_ANY_EXPIRE = SET_EX | SET_PX | SET_EXAT | SET_PXAT };

/* Parses SET's options as Redis's parseExtendedStringArgumentsOrReply does: a conflicting option is a syntax
 * error, a repeated one is allowed (the last expire wins). Returns 0 or -1 after replying. */
static int set_parse(sim_cmd *c, unsigned *flags, int *expire_arg) {
    static const struct {
        const char *word;
        unsigned flag, conflicts;
    } options[] = {
        {"nx", SET_NX, SET_XX},
        {"xx", SET_XX, SET_NX},
        {"get", SET_GET, 0},
        {"keepttl", SET_KEEPTTL, SET_ANY_EXPIRE},
        {"ex", SET_EX, SET_KEEPTTL | SET_PX | SET_EXAT | SET_PXAT},
        {"px", SET_PX, SET_KEEPTTL | SET_EX | SET_EXAT | SET_PXAT},
        {"exat", SET_EXAT, SET_KEEPTTL | SET_EX | SET_PX | SET_PXAT},
        {"pxat", SET_PXAT, SET_KEEPTTL | SET_EX | SET_PX | SET_EXAT},
    };
    for (int i = 3; i < c->argc; i++) {
        size_t k = 0;
        while (k < sizeof(options) / sizeof(options[0]) && !sim__cmd_arg_is(c, i, options[k].word))
            k++;
        int known = k < sizeof(options) / sizeof(options[0]);
        int takes_arg = known && (options[k].flag & SET_ANY_EXPIRE) != 0;
        if (!known || (*flags & options[k].conflicts) || (takes_arg && i + 1 >= c->argc)) {
            sim__cmd_syntax(c);
            return -1;
        }
        *flags |= options[k].flag;
        if (takes_arg) *expire_arg = ++i;
    }
    return 0;
}

/* The absolute deadline of SET's expire argument, as Redis's getExpireMillisecondsOrReply computes it. Returns 0 or
 * -1 after replying. */
static int set_deadline(sim_cmd *c, unsigned flags, int arg, int64_t *deadline_ms) {
    int64_t v;
    if (sim__cmd_int(c, arg, &v) != 0) return -1;
    int seconds = (flags & (SET_EX | SET_EXAT)) != 0;
    if (v <= 0 || (seconds && v > INT64_MAX / 1000)) goto invalid;
    if (seconds) v *= 1000;
    if (flags & (SET_EX | SET_PX)) {
        if (v > INT64_MAX - c->now_ms) goto invalid;
        v += c->now_ms;
    }
    if (v <= 0) goto invalid;
    *deadline_ms = v;
    return 0;
invalid:
    lk_reply_error(c->r, "ERR invalid expire time in 'set' command");
    return -1;
}

void sim__cmd_set(sim_cmd *c) {
    unsigned flags = 0;
    int expire_arg = 0, slot;
    int64_t deadline_ms = 0;
    if (set_parse(c, &flags, &expire_arg) != 0) return;
    if (expire_arg && set_deadline(c, flags, expire_arg, &deadline_ms) != 0) return;
    int found = sim__cmd_key(c, 1, (flags & SET_GET) ? SIM_KS_STRING : SIM_KS_NONE, &slot);
    if (found < 0) return;
    if (flags & SET_GET) {
        if (found)
            strings_reply_value(c, slot);
        else
            lk_reply_nil(c->r);
    }
    if (((flags & SET_NX) && found) || ((flags & SET_XX) && !found)) {
        if (!(flags & SET_GET)) lk_reply_nil(c->r);
        return;
    }
    slot = strings_store(c, 1, c->argv[2], c->len[2], (flags & SET_KEEPTTL) != 0);
    if (slot < 0) return;
    /* a deadline already past is stored as is (Redis 7.0's SET does not delete at once, unlike EXPIRE): the key
     * is expired for every later command, and comes back after a backward wall step */
    if (deadline_ms != 0) sim_ks_set_deadline(c->ks, slot, deadline_ms);
    if (!(flags & SET_GET)) lk_reply_status(c->r, "OK");
}

void sim__cmd_setnx(sim_cmd *c) {
    int slot = sim_ks_find(c->ks, c->argv[1], (uint32_t)c->len[1], c->now_ms);
    if (slot >= 0) {
        lk_reply_int(c->r, 0);
        return;
    }
    if (strings_store(c, 1, c->argv[2], c->len[2], 0) >= 0) lk_reply_int(c->r, 1);
}

void sim__cmd_getdel(sim_cmd *c) {
    int slot;
    int found = sim__cmd_key(c, 1, SIM_KS_STRING, &slot);
    if (found < 0) return;
    if (found == 0) {
        lk_reply_nil(c->r);
        return;
    }
    strings_reply_value(c, slot);
    sim_ks_delete(c->ks, slot);
}

/* INCRBY 'by' on the key of argument 1: Redis's incrDecrCommand. */
static void strings_incr(sim_cmd *c, int64_t by) {
    int slot;
    int found = sim__cmd_key(c, 1, SIM_KS_STRING, &slot);
    if (found < 0) return;
    int64_t v = 0;
    if (found) {
        uint32_t n;
        const unsigned char *p = sim_ks_value_const(c->ks, slot, &n);
        if (sim__parse_int((const char *)p, n, &v) != 0) {
            lk_reply_error(c->r, SIM_ERR_NOT_INT);
            return;
        }
    }
    if ((by < 0 && v < 0 && by < INT64_MIN - v) || (by > 0 && v > 0 && by > INT64_MAX - v)) {
        lk_reply_error(c->r, SIM_ERR_OVERFLOW);
        return;
    }
    v += by;
    char text[24];
    uint32_t n = sim__fmt_int(text, v);
    if (strings_store(c, 1, text, n, 1) >= 0) lk_reply_int(c->r, v);
}

void sim__cmd_incr(sim_cmd *c) {
    strings_incr(c, 1);
}

void sim__cmd_decr(sim_cmd *c) {
    strings_incr(c, -1);
}

void sim__cmd_incrby(sim_cmd *c) {
    int64_t by;
    if (sim__cmd_int(c, 2, &by) == 0) strings_incr(c, by);
}

void sim__cmd_decrby(sim_cmd *c) {
    int64_t by;
    if (sim__cmd_int(c, 2, &by) != 0) return;
    if (by == INT64_MIN) {
        lk_reply_error(c->r, "ERR decrement would overflow");
        return;
    }
    strings_incr(c, -by);
}
