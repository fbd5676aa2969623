/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_cmd_script.c: the model's script commands, as Redis 7.0 runs them: EVAL, EVALSHA and SCRIPT LOAD, EXISTS,
 * FLUSH. The script cache (sim_keyspace.h) is server state: EVAL adds its script as SCRIPT LOAD does, a restart
 * empties it, and EVALSHA of a script not in it replies NOSCRIPT. The script itself runs in sim_lua.c.
 */
#include "sim/model/sim_cmd.h"
#include "sim/model/sim_lua.h"
#include "sim/model/sim_sha1.h"

/* The key count of EVAL or EVALSHA, checked as Redis's evalGenericCommand does. Returns it, or -1 after replying. */
static int script_numkeys(sim_cmd *c) {
    int64_t n;
    if (sim__cmd_int(c, 2, &n) != 0) return -1;
    if (n > c->argc - 3) {
        lk_reply_error(c->r, "ERR Number of keys can't be greater than number of args");
        return -1;
    }
    if (n < 0) {
        lk_reply_error(c->r, "ERR Number of keys can't be negative");
        return -1;
    }
    return (int)n;
}

/* Adds 'body' to the cache under 'sha' unless it is there. Returns 0, or -1 after a limit. */
static int script_cache(sim_cmd *c, const char *sha, const void *body, uint32_t len) {
    uint32_t n;
    if (sim_ks_script_find(c->ks, sha, &n) != NULL) return 0;
    if (sim_ks_script_add(c->ks, sha, body, len) == LK_OK) return 0;
    sim__cmd_limit_text(c, "the script cache is full (64 KiB of scripts)");
    return -1;
}

void sim__cmd_eval(sim_cmd *c) {
    int numkeys = script_numkeys(c);
    if (numkeys < 0) return;
    char sha[41];
    sim_sha1_hex(c->argv[1], c->len[1], sha);
    uint32_t start = c->r->node_count;
    if (!sim__lua_check(c, (const unsigned char *)c->argv[1], (uint32_t)c->len[1])) return; /* not cached */
    lk_reply_truncate(c->r, start);
    if (script_cache(c, sha, c->argv[1], (uint32_t)c->len[1]) != 0) return;
    uint32_t n = 0;
    const unsigned char *body = sim_ks_script_find(c->ks, sha, &n); /* just cached: found */
    sim__lua_run(c, sha, body, n, numkeys);
}

void sim__cmd_evalsha(sim_cmd *c) {
    int numkeys = script_numkeys(c);
    if (numkeys < 0) return;
    char sha[41];
    const unsigned char *body = NULL;
    uint32_t n = 0;
    if (sim_sha1_name(c->argv[1], c->len[1], sha)) body = sim_ks_script_find(c->ks, sha, &n);
    if (body == NULL) {
        lk_reply_error(c->r, "NOSCRIPT No matching script. Please use EVAL.");
        return;
    }
    /* 'body' points into the cache, which a script cannot change (it may not run EVAL or SCRIPT) */
    sim__lua_run(c, sha, body, n, numkeys);
}

int sim__cmd_script_check(sim_cmd *c) {
    static const struct {
        const char *name;
        int arity; /* as Redis's subcommand table: > 0 exactly, < 0 at least */
    } subs[] = {{"load", 3}, {"exists", -3}, {"flush", -2}};
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        if (!sim__cmd_arg_is(c, 1, subs[i].name)) continue;
        int a = subs[i].arity;
        if (a > 0 ? c->argc == a : c->argc >= -a) return 0;
        lk_reply_error(c->r, "ERR wrong number of arguments for 'script|%s' command", subs[i].name);
        return -1;
    }
    lk_reply_error(c->r, "ERR unknown subcommand '%.*s'. Try SCRIPT HELP.", (int)(c->len[1] < 64 ? c->len[1] : 64),
                   c->argv[1]);
    return -1;
}

/* SCRIPT LOAD body, EXISTS sha..., FLUSH [ASYNC|SYNC] (HELP, KILL and DEBUG are not modelled: unknown here). */
void sim__cmd_script(sim_cmd *c) {
    if (sim__cmd_script_check(c) != 0) return;
    if (sim__cmd_arg_is(c, 1, "load")) {
        char sha[41];
        sim_sha1_hex(c->argv[2], c->len[2], sha);
        uint32_t start = c->r->node_count;
        if (!sim__lua_check(c, (const unsigned char *)c->argv[2], (uint32_t)c->len[2])) return;
        lk_reply_truncate(c->r, start);
        if (script_cache(c, sha, c->argv[2], (uint32_t)c->len[2]) == 0) lk_reply_bulk(c->r, sha, 40);
    } else if (sim__cmd_arg_is(c, 1, "exists")) {
        lk_reply_array(c->r, (uint32_t)(c->argc - 2));
        for (int i = 2; i < c->argc; i++) {
            char sha[41];
            uint32_t n;
            int found = sim_sha1_name(c->argv[i], c->len[i], sha) && sim_ks_script_find(c->ks, sha, &n) != NULL;
            lk_reply_int(c->r, found);
        }
    } else {
        if (c->argc == 3 && !sim__cmd_arg_is(c, 2, "async") && !sim__cmd_arg_is(c, 2, "sync")) {
            lk_reply_error(c->r, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
            return;
        }
        if (c->argc > 3) {
            lk_reply_error(c->r, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
            return;
        }
        sim_ks_script_flush(c->ks);
        lk_reply_status(c->r, "OK");
    }
}
