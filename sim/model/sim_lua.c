/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_lua.c: Lua scripts as Redis 7.0 runs them (contract in sim_lua.h).
 */
#include "sim/model/sim_lua.h"

#include <stdio.h>

#ifndef RACEBED_HAVE_LUA

static void bridge_missing(sim_cmd *c) {
    lk_reply_error(c->r, "ERR racebed was built without Lua 5.1, so scripts cannot run (install liblua5.1-0-dev, "
                         "e.g. with sudo make deps, and rebuild)");
}

void sim__lua_run(sim_cmd *c, const char *sha, const unsigned char *body, uint32_t body_len, int numkeys) {
    (void)sha;
    (void)body;
    (void)body_len;
    (void)numkeys;
    bridge_missing(c);
}

int sim__lua_check(sim_cmd *c, const unsigned char *body, uint32_t body_len) {
    (void)body;
    (void)body_len;
    bridge_missing(c);
    return 0;
}

#else

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <math.h>

#include "sim/model/sim_lua_libs.h"
#include "sim/model/sim_sha1.h"

enum {
    BRIDGE_INNER_NODES = 1024,      /* reply nodes of one redis.call */
    BRIDGE_INNER_BYTES = 64 * 1024, /* reply bytes of one redis.call */
    BRIDGE_REPLY_DEPTH_MAX = 64,    /* nesting of a script's returned tables */
    BRIDGE_HOOK_STEPS = 1000,       /* instructions between two step-count hooks */
};

/* One script call. Guarded by: the simulator's thread; lives on the C stack for the call. */
typedef struct bridge_ctx {
    sim_cmd *c;          /* the EVAL or EVALSHA call */
    const char *sha;     /* the script's name, for error replies */
    int numkeys;         /* keys declared (argv[3 ..]) */
    int limit;           /* 1 once a model limit stopped the script */
    char limit_why[160]; /* which limit */
    int64_t steps;       /* Lua instructions so far */
    uint64_t rng;        /* math.random's state, from 0 each call */
    int may_publish;     /* the script's text mentions "publish" (lk_script_may_publish) */
} bridge_ctx;

/* The scratch's header, at its start: the allocator's state and the pristine state image. The scratch is laid out
 * [header][the Lua state's blocks, up to BRIDGE_SAVE_OFF][a copy of the blocks as setup left them]. The first call
 * of a process builds the state (libraries, redis, protected globals) and copies it aside; every call then copies
 * it back, so it starts from the same bytes at the same addresses. Scratch memory: never part of a run's state. */
typedef struct bridge_heap {
    bridge_ctx *ctx;      /* the call running now */
    size_t top;           /* scratch bytes in use */
    size_t last;          /* offset of the last block (its header), for in-place growth */
    lua_State *L;         /* the state (valid) */
    size_t pristine_top;  /* 'top' right after setup */
    size_t pristine_last; /* 'last' right after setup */
    uint32_t valid;       /* 1 once the image is built; sim_ks_init clears it */
} bridge_heap;

enum {
    BRIDGE_HEADER = 64,                                          /* bytes reserved for the header */
    BRIDGE_SAVE_BYTES = 512 * 1024,                              /* the pristine image's copy, at most */
    BRIDGE_SAVE_OFF = SIM_KS_LUA_HEAP_BYTES - BRIDGE_SAVE_BYTES, /* where the copy starts: the blocks end there */
};
_Static_assert(sizeof(bridge_heap) <= BRIDGE_HEADER, "the scratch header");

/* ---- the allocator: a bump over the key space's scratch, blocks [size_t size][data], 16-byte aligned ----------- */

static size_t bridge_round(size_t n) {
    return (n + 15u) & ~(size_t)15u;
}

static void *bridge_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    bridge_heap *h = ud;
    unsigned char *base = (unsigned char *)h;
    size_t cap = BRIDGE_SAVE_OFF;
    unsigned char *last = base + h->last + 16;
    if (nsize == 0) {
        if (ptr != NULL && ptr == last) h->top = h->last; /* the last block gives its bytes back */
        return NULL;
    }
    if (ptr != NULL && ptr == last && h->last + 16 + bridge_round(nsize) <= cap) {
        h->top = h->last + 16 + bridge_round(nsize); /* the last block grows or shrinks in place */
        return ptr;
    }
    if (ptr != NULL && nsize <= osize) return ptr; /* shrinking never fails (Lua relies on it) */
    size_t need = 16 + bridge_round(nsize);
    if (need > cap - h->top) return NULL; /* Lua raises "not enough memory" */
    unsigned char *p = base + h->top + 16;
    h->last = h->top;
    h->top += need;
    if (ptr != NULL && osize > 0) memcpy(p, ptr, osize < nsize ? osize : nsize);
    return p;
}

static bridge_ctx *bridge_get_ctx(lua_State *L) {
    void *ud;
    lua_getallocf(L, &ud);
    return ((bridge_heap *)ud)->ctx;
}

/* Stops the script for a model limit: the reply will be the limit's error. */
static int bridge_limit(lua_State *L, const char *why) {
    bridge_ctx *x = bridge_get_ctx(L);
    x->limit = 1;
    snprintf(x->limit_why, sizeof(x->limit_why), "%s", why);
    return luaL_error(L, "racebed model limit: %s", why);
}

static void bridge_step_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    bridge_ctx *x = bridge_get_ctx(L);
    x->steps += BRIDGE_HOOK_STEPS;
    if (x->steps > SIM_LUA_STEPS_MAX) bridge_limit(L, "a script ran more than 10,000,000 Lua instructions");
}

/* ---- errors as Redis builds them ------------------------------------------------------------------------------ */

/* Pushes {err = "CODE message"} from an error text that may lack a code (Redis's luaPushErrorBuff: "-CODE msg"
 * keeps CODE, a text without a space or without '-' gets ERR). */
static void bridge_push_error_table(lua_State *L, const char *text, size_t n) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    const char *space = memchr(text, ' ', n);
    if (n > 0 && text[0] == '-') {
        if (space == NULL) {
            luaL_addstring(&b, "ERR ");
            luaL_addlstring(&b, text + 1, n - 1);
        } else {
            luaL_addlstring(&b, text + 1, n - 1);
        }
    } else {
        luaL_addstring(&b, "ERR ");
        luaL_addlstring(&b, text, n);
    }
    luaL_pushresult(&b);
    size_t len;
    const char *msg = lua_tolstring(L, -1, &len);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
        len--;
    lua_pushlstring(L, msg, len);
    lua_remove(L, -2);
    lua_newtable(L);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "err");
    lua_remove(L, -2);
}

/* The error handler of the script's pcall: a non-table error becomes {err = "ERR " .. message}; the line where it
 * was raised (the caller's, when a C function raised it) goes into .line. */
static int bridge_error_handler(lua_State *L) {
    lua_Debug ar;
    int line = -1;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar)) {
        line = ar.currentline;
        if (strcmp(ar.what, "C") == 0 && lua_getstack(L, 2, &ar) && lua_getinfo(L, "Sl", &ar)) line = ar.currentline;
    }
    if (!lua_istable(L, 1)) {
        const char *msg = lua_tostring(L, 1);
        lua_pushfstring(L, "ERR %s", msg ? msg : "(error object is not a string)");
        lua_newtable(L);
        lua_pushvalue(L, -2);
        lua_setfield(L, -2, "err");
        lua_replace(L, 1);
        lua_settop(L, 1);
    }
    lua_pushinteger(L, line);
    lua_setfield(L, 1, "line");
    lua_settop(L, 1);
    return 1;
}

/* ---- replies to Lua ------------------------------------------------------------------------------------------- */

/* Pushes reply node 'i' of 'r' as Redis converts replies for Lua; an error reply becomes {err = ...}. */
static void bridge_push_reply(lua_State *L, const lk_reply *r, uint32_t i) {
    const lk_reply_node *n = lk_reply_at(r, i);
    luaL_checkstack(L, 4, "reply too deep");
    switch (n->type) {
    case LK_REPLY_INTEGER: lua_pushnumber(L, (lua_Number)n->integer); return;
    case LK_REPLY_STRING: lua_pushlstring(L, lk_reply_str(r, i), n->len); return;
    case LK_REPLY_NIL: lua_pushboolean(L, 0); return;
    case LK_REPLY_STATUS:
        lua_newtable(L);
        lua_pushlstring(L, lk_reply_str(r, i), n->len);
        lua_setfield(L, -2, "ok");
        return;
    case LK_REPLY_ERROR: {
        char buf[300];
        int len = snprintf(buf, sizeof(buf), "-%.*s", (int)(n->len < 290 ? n->len : 290), lk_reply_str(r, i));
        bridge_push_error_table(L, buf, (size_t)len);
        return;
    }
    default:
        lua_createtable(L, (int)n->len, 0);
        for (uint32_t k = 0, j = i + 1; k < n->len; k++) {
            bridge_push_reply(L, r, j);
            lua_rawseti(L, -2, (int)k + 1);
            j = lk_reply_next(r, j);
        }
    }
}

/* ---- redis.call and redis.pcall ------------------------------------------------------------------------------- */

/* Raises (call) or returns (pcall) the error {err = text}. */
static int bridge_call_error(lua_State *L, int raise, const char *text) {
    bridge_push_error_table(L, text, strlen(text));
    if (raise) return lua_error(L);
    return 1;
}

/* 1 if argument 'pos' of 'argv' is one of the script's declared keys. */
static int bridge_key_declared(const bridge_ctx *x, const char *key, size_t n) {
    for (int k = 0; k < x->numkeys; k++)
        if (x->c->len[3 + k] == n && memcmp(x->c->argv[3 + k], key, n) == 0) return 1;
    return 0;
}

/* Checks what the model allows a script to run: its keys declared, not the whole key space. */
static int bridge_call_allowed(lua_State *L, bridge_ctx *x, const lk_command *row, int argc, const char **argv,
                               const size_t *len) {
    if (row->flags & LK_CMDF_KEYSPACE)
        return bridge_limit(L, "a script ran a command that reads the whole key space (SCAN): the model needs a "
                               "script's keys before it runs");
    int pos[LK_COMMAND_ARGS_MAX];
    int n = lk_command_keys(row, argc, argv, len, pos, LK_COMMAND_ARGS_MAX);
    for (int i = 0; i < n; i++) {
        if (bridge_key_declared(x, argv[pos[i]], len[pos[i]])) continue;
        char why[160];
        snprintf(why, sizeof(why),
                 "a script used the key '%.60s' without declaring it in KEYS (the model needs a "
                 "script's keys before it runs)",
                 argv[pos[i]]);
        return bridge_limit(L, why);
    }
    return 0;
}

/* Runs the command on the stack (arguments 1..n, all strings by now) and pushes its converted reply. */
static int bridge_call_run(lua_State *L, bridge_ctx *x, int raise, int argc) {
    const char *argv[LK_COMMAND_ARGS_MAX];
    size_t len[LK_COMMAND_ARGS_MAX];
    for (int i = 0; i < argc; i++)
        argv[i] = lua_tolstring(L, i + 1, &len[i]);
    const lk_command *row = lk_command_lookup(argv[0], len[0]);
    if (row == NULL) return bridge_call_error(L, raise, "-ERR Unknown Redis command called from script");
    if (row->flags & (LK_CMDF_TX | LK_CMDF_SCRIPT | LK_CMDF_NOSCRIPT))
        return bridge_call_error(L, raise, "-ERR This Redis command is not allowed from script");
    if (row->id == LK_CMD_PUBLISH && !x->may_publish)
        return bridge_limit(L, "a script published though its text never says \"publish\" (racebed decides from a "
                               "script's text whether it may publish: write the command's name literally)");
    if (!lk_command_arity_ok(row, argc))
        return bridge_call_error(L, raise, "-ERR Wrong number of args calling Redis command from script");
    bridge_call_allowed(L, x, row, argc, argv, len);
    _Static_assert(BRIDGE_INNER_NODES * sizeof(lk_reply_node) + BRIDGE_INNER_BYTES < 200 * 1024, "host stack scratch");
    lk_reply_node nodes[BRIDGE_INNER_NODES];
    char bytes[BRIDGE_INNER_BYTES];
    lk_reply inner;
    lk_reply_init(&inner, nodes, BRIDGE_INNER_NODES, bytes, BRIDGE_INNER_BYTES);
    sim_cmd sub = *x->c;
    sub.r = &inner;
    sub.rc = LK_OK;
    x->c->run(&sub, row, argc, argv, len);
    if (sub.rc != LK_OK || !lk_reply_ok(&inner)) {
        char why[160];
        snprintf(why, sizeof(why), "a command of the script hit a limit: %.100s",
                 inner.node_count ? lk_reply_str(&inner, 0) : "its reply is too large");
        return bridge_limit(L, why);
    }
    lua_settop(L, 0);
    bridge_push_reply(L, &inner, 0);
    if (raise && inner.node[0].type == LK_REPLY_ERROR) return lua_error(L);
    return 1;
}

/* redis.call (upvalue 1: true) and redis.pcall (false). */
static int bridge_redis_call(lua_State *L) {
    bridge_ctx *x = bridge_get_ctx(L);
    int raise = lua_toboolean(L, lua_upvalueindex(1));
    int argc = lua_gettop(L);
    if (argc == 0)
        return bridge_call_error(L, raise, "-ERR Please specify at least one argument for this redis lib call");
    if (argc > LK_COMMAND_ARGS_MAX)
        return bridge_call_error(L, raise, "-ERR Too many arguments for this redis lib call");
    for (int i = 1; i <= argc; i++) {
        int t = lua_type(L, i);
        if (t == LUA_TNUMBER) { /* Redis 7.0 formats numbers with %.17g */
            char num[64];
            snprintf(num, sizeof(num), "%.17g", (double)lua_tonumber(L, i));
            lua_pushstring(L, num);
            lua_replace(L, i);
        } else if (t != LUA_TSTRING) {
            return bridge_call_error(L, raise, "-ERR Lua redis lib command arguments must be strings or integers");
        }
    }
    return bridge_call_run(L, x, raise, argc);
}

/* ---- the rest of the redis table ------------------------------------------------------------------------------ */

static int bridge_redis_error_reply(lua_State *L) {
    size_t n;
    const char *msg = luaL_checklstring(L, 1, &n);
    if (n > 0 && msg[0] == '-') {
        bridge_push_error_table(L, msg, n);
    } else {
        lua_pushfstring(L, "-%s", msg);
        size_t m;
        const char *t = lua_tolstring(L, -1, &m);
        bridge_push_error_table(L, t, m);
        lua_remove(L, -2);
    }
    return 1;
}

static int bridge_redis_status_reply(lua_State *L) {
    luaL_checkstring(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "ok");
    return 1;
}

static int bridge_redis_sha1hex(lua_State *L) {
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    char hex[41];
    sim_sha1_hex(s, n, hex);
    lua_pushstring(L, hex);
    return 1;
}

static int bridge_redis_noop(lua_State *L) {
    (void)L;
    return 0;
}

static int bridge_redis_true(lua_State *L) {
    lua_pushboolean(L, 1);
    return 1;
}

/* math.random: a generator (splitmix64, not Redis's rand48, so the numbers differ from a real server's) that every
 * call restarts from 0, so a script's numbers are the same in every run. */
static int bridge_math_random(lua_State *L) {
    bridge_ctx *x = bridge_get_ctx(L);
    uint64_t z = (x->rng += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    z ^= z >> 31;
    lua_Number r = (lua_Number)(z >> 11) / (lua_Number)(UINT64_C(1) << 53);
    switch (lua_gettop(L)) {
    case 0: lua_pushnumber(L, r); return 1;
    case 1: {
        int u = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= u, 1, "interval is empty");
        lua_pushnumber(L, floor(r * u) + 1);
        return 1;
    }
    default: {
        int l = luaL_checkint(L, 1), u = luaL_checkint(L, 2);
        luaL_argcheck(L, l <= u, 2, "interval is empty");
        lua_pushnumber(L, floor(r * (u - l + 1)) + l);
        return 1;
    }
    }
}

static int bridge_math_randomseed(lua_State *L) {
    bridge_get_ctx(L)->rng = (uint64_t)luaL_checkint(L, 1);
    return 0;
}

/* Globals are read-only, and reading one that does not exist is an error (Redis 7.0's texts). */
static int bridge_global_newindex(lua_State *L) {
    luaL_where(L, 1); /* the metamethod runs at level 0: level 1 is the script */
    lua_pushstring(L, "Attempt to modify a readonly table");
    lua_concat(L, 2);
    return lua_error(L);
}

/* Redis 7.0's libraries that few scripts use, built on a script's first read of their global (then set by rawset,
 * past the read-only guard) rather than at setup: the pristine image, which every call copies back, stays small, and
 * a call that reads none pays nothing. Each opener leaves its library's table on the stack and sets no global. The
 * state is restored before each call, so what a call builds never reaches the next one. */
static const luaL_Reg bridge_lazy_libs[] = {
    {"bit", sim__lua_open_bit},
    {"struct", sim__lua_open_struct},
    {"cjson", sim__lua_open_cjson},
    {"cmsgpack", sim__lua_open_cmsgpack},
    {NULL, NULL},
};

static int bridge_global_index(lua_State *L) {
    const char *name = lua_tostring(L, 2);
    for (const luaL_Reg *lib = bridge_lazy_libs; name != NULL && lib->name != NULL; lib++) {
        if (strcmp(name, lib->name) != 0) continue;
        lua_settop(L, 2);
        lua_pushcfunction(L, lib->func);
        lua_pushlightuserdata(L, bridge_get_ctx(L)->c->ks);
        lua_call(L, 1, 1);
        lua_pushvalue(L, 2);
        lua_pushvalue(L, -2);
        lua_rawset(L, LUA_GLOBALSINDEX);
        return 1;
    }
    luaL_where(L, 1);
    lua_pushfstring(L, "Script attempted to access nonexistent global variable '%s'", name ? name : "?");
    lua_concat(L, 2);
    return lua_error(L);
}

/* ---- the state -------------------------------------------------------------------------------------------------- */

static void bridge_set_fn(lua_State *L, const char *name, lua_CFunction fn) {
    lua_pushcfunction(L, fn);
    lua_setfield(L, -2, name);
}

static void bridge_open_redis(lua_State *L) {
    lua_newtable(L);
    lua_pushboolean(L, 1);
    lua_pushcclosure(L, bridge_redis_call, 1);
    lua_setfield(L, -2, "call");
    lua_pushboolean(L, 0);
    lua_pushcclosure(L, bridge_redis_call, 1);
    lua_setfield(L, -2, "pcall");
    bridge_set_fn(L, "error_reply", bridge_redis_error_reply);
    bridge_set_fn(L, "status_reply", bridge_redis_status_reply);
    bridge_set_fn(L, "sha1hex", bridge_redis_sha1hex);
    bridge_set_fn(L, "log", bridge_redis_noop);
    bridge_set_fn(L, "setresp", bridge_redis_noop);
    bridge_set_fn(L, "set_repl", bridge_redis_noop);
    bridge_set_fn(L, "replicate_commands", bridge_redis_true);
    static const struct {
        const char *name;
        int value;
    } consts[] = {
        {"LOG_DEBUG", 0}, {"LOG_VERBOSE", 1}, {"LOG_NOTICE", 2},   {"LOG_WARNING", 3}, {"REPL_NONE", 0},
        {"REPL_AOF", 1},  {"REPL_SLAVE", 2},  {"REPL_REPLICA", 2}, {"REPL_ALL", 3},    {"REDIS_VERSION_NUM", 0x07000f}};
    for (size_t i = 0; i < sizeof(consts) / sizeof(consts[0]); i++) {
        lua_pushinteger(L, consts[i].value);
        lua_setfield(L, -2, consts[i].name);
    }
    lua_pushstring(L, "7.0.15");
    lua_setfield(L, -2, "REDIS_VERSION");
    lua_setglobal(L, "redis");
}

/* Pushes a table of the 'n' arguments starting at argv index 'from'. */
static void bridge_push_args(lua_State *L, const sim_cmd *c, int from, int n) {
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushlstring(L, c->argv[from + i], c->len[from + i]);
        lua_rawseti(L, -2, i + 1);
    }
}

/* Builds the libraries and redis, then protects the globals (lua_cpcall: memory errors are caught). */
static int bridge_setup(lua_State *L) {
    static const luaL_Reg libs[] = {{"", luaopen_base},
                                    {LUA_TABLIBNAME, luaopen_table},
                                    {LUA_STRLIBNAME, luaopen_string},
                                    {LUA_MATHLIBNAME, luaopen_math}};
    for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
        lua_pushcfunction(L, libs[i].func);
        lua_pushstring(L, libs[i].name);
        lua_call(L, 1, 0);
    }
    static const char *const removed[] = {"dofile", "loadfile", "print"};
    for (size_t i = 0; i < sizeof(removed) / sizeof(removed[0]); i++) {
        lua_pushnil(L);
        lua_setglobal(L, removed[i]);
    }
    lua_getglobal(L, "math");
    bridge_set_fn(L, "random", bridge_math_random);
    bridge_set_fn(L, "randomseed", bridge_math_randomseed);
    lua_pop(L, 1);
    bridge_open_redis(L);
    lua_newtable(L);
    bridge_set_fn(L, "__index", bridge_global_index);
    bridge_set_fn(L, "__newindex", bridge_global_newindex);
    lua_setmetatable(L, LUA_GLOBALSINDEX);
    return 0;
}

/* KEYS and ARGV of the call, set past the read-only globals (lua_cpcall: memory errors are caught). */
static int bridge_set_args(lua_State *L) {
    bridge_ctx *x = lua_touserdata(L, 1);
    int script = x->c->row->id == LK_CMD_SCRIPT;
    lua_pushstring(L, "KEYS");
    bridge_push_args(L, x->c, 3, script ? 0 : x->numkeys);
    lua_rawset(L, LUA_GLOBALSINDEX);
    lua_pushstring(L, "ARGV");
    bridge_push_args(L, x->c, 3 + x->numkeys, script ? 0 : x->c->argc - 3 - x->numkeys);
    lua_rawset(L, LUA_GLOBALSINDEX);
    return 0;
}

/* Builds the state once and keeps its image (see bridge_heap). Returns 0, or -1 when it does not fit. */
static int bridge_build(bridge_heap *h) {
    h->top = BRIDGE_HEADER;
    h->last = BRIDGE_HEADER;
    h->valid = 0;
    lua_State *L = lua_newstate(bridge_alloc, h);
    if (L == NULL || lua_cpcall(L, bridge_setup, NULL) != 0 || h->top - BRIDGE_HEADER > BRIDGE_SAVE_BYTES) return -1;
    lua_sethook(L, bridge_step_hook, LUA_MASKCOUNT, BRIDGE_HOOK_STEPS);
    h->L = L;
    h->pristine_top = h->top;
    h->pristine_last = h->last;
    unsigned char *base = (unsigned char *)h;
    memcpy(base + BRIDGE_SAVE_OFF, base + BRIDGE_HEADER, h->top - BRIDGE_HEADER);
    h->valid = 1;
    return 0;
}

/* The state in its pristine image, with the call's KEYS and ARGV, or NULL after replying why. */
static lua_State *bridge_open(sim_cmd *c, bridge_ctx *x, const char *sha, int numkeys) {
    memset(x, 0, sizeof(*x));
    x->c = c;
    x->sha = sha;
    x->numkeys = numkeys;
    bridge_heap *h = (bridge_heap *)c->ks->lua_heap;
    h->ctx = x;
    if (!h->valid && bridge_build(h) != 0) {
        sim__cmd_limit_text(c, "the Lua scratch is too small to start a script");
        return NULL;
    }
    unsigned char *base = (unsigned char *)h;
    memcpy(base + BRIDGE_HEADER, base + BRIDGE_SAVE_OFF, h->pristine_top - BRIDGE_HEADER);
    h->top = h->pristine_top;
    h->last = h->pristine_last;
    lua_State *L = h->L;
    if (lua_cpcall(L, bridge_set_args, x) != 0) {
        sim__cmd_limit_text(c, "the Lua scratch is too small for the script's arguments");
        return NULL;
    }
    return L;
}

/* Compiles the body as Redis does (chunk name @user_script); replies Redis's compile error on failure. */
static int bridge_compile(lua_State *L, sim_cmd *c, const unsigned char *body, uint32_t body_len) {
    if (luaL_loadbuffer(L, (const char *)body, body_len, "@user_script") == 0) return 1;
    const char *msg = lua_tostring(L, -1);
    lk_reply_error(c->r, "ERR Error compiling script (new function): %s", msg ? msg : "?");
    return 0;
}

/* Converts the script's result (top of the stack) into the reply, as Redis's luaReplyToRedisReply. */
static void bridge_to_reply(lua_State *L, lk_reply *r, int depth) {
    if (depth > BRIDGE_REPLY_DEPTH_MAX) {
        lk_reply_nil(r);
        return;
    }
    switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        lk_reply_bulk(r, s, n);
        return;
    }
    case LUA_TBOOLEAN:
        if (lua_toboolean(L, -1))
            lk_reply_int(r, 1);
        else
            lk_reply_nil(r);
        return;
    case LUA_TNUMBER: {
        double d = (double)lua_tonumber(L, -1);
        /* C leaves an out-of-range conversion undefined; x86-64's cvttsd2si gives INT64_MIN, as Redis replies */
        lk_reply_int(r, isnan(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0 ? INT64_MIN : (int64_t)d);
        return;
    }
    case LUA_TTABLE: break;
    default: lk_reply_nil(r); return;
    }
    /* Raw reads only, as Redis's: this runs outside the protected call, where a metamethod that raises (_G's
     * __index, a script's own) would end the process, and Redis reads past metamethods too. */
    lua_pushliteral(L, "err");
    lua_rawget(L, -2);
    if (lua_type(L, -1) == LUA_TSTRING) {
        lk_reply_error(r, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    lua_pushliteral(L, "ok");
    lua_rawget(L, -2);
    if (lua_type(L, -1) == LUA_TSTRING) {
        lk_reply_status(r, lua_tostring(L, -1));
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (!lua_checkstack(L, 2)) { /* cannot fail below BRIDGE_REPLY_DEPTH_MAX; never raise here (see above) */
        lk_reply_nil(r);
        return;
    }
    uint32_t at = lk_reply_array(r, 0), n = 0;
    for (int j = 1;; j++, n++) {
        lua_rawgeti(L, -1, j);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }
        bridge_to_reply(L, r, depth + 1);
        lua_pop(L, 1);
    }
    lk_reply_set_len(r, at, n);
}

void sim__lua_run(sim_cmd *c, const char *sha, const unsigned char *body, uint32_t body_len, int numkeys) {
    bridge_ctx x;
    lua_State *L = bridge_open(c, &x, sha, numkeys);
    if (L == NULL) return;
    x.may_publish = lk_script_may_publish((const char *)body, body_len);
    lua_pushcfunction(L, bridge_error_handler);
    if (!bridge_compile(L, c, body, body_len)) return;
    int rc = lua_pcall(L, 0, 1, 1);
    if (x.limit) {
        sim__cmd_limit_text(c, x.limit_why);
    } else if (rc == 0) {
        bridge_to_reply(L, c->r, 0);
    } else if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "err");
        lua_getfield(L, -2, "line");
        const char *err = lua_tostring(L, -2);
        lk_reply_error(c->r, "%s script: %s, on @user_script:%d.", err ? err : "ERR (no message)", sha,
                       (int)lua_tointeger(L, -1));
    } else {
        const char *msg = lua_tostring(L, -1); /* only "not enough memory" and errors in the handler get here */
        if (rc == LUA_ERRMEM)
            sim__cmd_limit_text(c, "a script used more memory than the model's Lua scratch gives it (1.5 MiB: 2 MiB "
                                   "less the pristine image's copy)");
        else
            lk_reply_error(c->r, "ERR %s script: %s", msg ? msg : "?", sha);
    }
    lua_settop(L, 0); /* the next call restores the image anyway */
}

int sim__lua_check(sim_cmd *c, const unsigned char *body, uint32_t body_len) {
    bridge_ctx x;
    lua_State *L = bridge_open(c, &x, "", 0);
    if (L == NULL) return 0;
    int ok = bridge_compile(L, c, body, body_len);
    lua_settop(L, 0);
    return ok;
}

#endif
