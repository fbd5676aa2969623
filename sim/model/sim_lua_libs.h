/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_lua_libs.h: the openers of the Lua libraries Redis 7.0 bundles beyond Lua's own (bit, struct, cjson,
 * cmsgpack), for the bridge's table of libraries built on a script's first read of their global (sim_lua.c).
 * Internal to sim/model/.
 *
 * Contract of every opener: it is called with one argument, the running call's key space (a light userdata, valid
 * for the rest of the call), pushes one new table holding the library's functions and returns 1. It sets no global
 * and keeps no state outside the Lua state (the bridge sets the global, past the read-only guard, and restores the
 * state's pristine image before every call), except cjson's settings, which Redis keeps from one script to the next
 * and the model keeps in that key space (sim_keyspace.cjson). What a library computes is a function of its
 * arguments (and those settings) alone: no pointer values, locale, clock or host byte order reach a script, so two
 * runs of a script agree byte for byte, on any host, with what Redis 7.0.15 on x86-64 answers.
 */
#ifndef RACEBED_SIM_MODEL_SIM_LUA_LIBS_H
#define RACEBED_SIM_MODEL_SIM_LUA_LIBS_H

#ifdef RACEBED_HAVE_LUA

#include <lauxlib.h>
#include <lua.h>
#include <string.h>

#include "sim/model/sim_keyspace.h"

/* Pushes a new table of the 'n' functions 'fns', set in their order (the order a real server's table walks in
 * pairs(), with its size hint); returns 1, an opener's result. */
static inline int sim__lua_new_lib(lua_State *L, const luaL_Reg *fns, int n) {
    lua_createtable(L, 0, n);
    for (int i = 0; i < n; i++) {
        lua_pushcfunction(L, fns[i].func);
        lua_setfield(L, -2, fns[i].name);
    }
    return 1;
}

/* Sets the 'n' string fields {name, value} of 'fields' on the table on top, in their order (a library's _NAME,
 * _VERSION and such; the order decides the order pairs() walks). */
static inline void sim__lua_set_strings(lua_State *L, const char *const (*fields)[2], int n) {
    for (int i = 0; i < n; i++) {
        lua_pushstring(L, fields[i][1]);
        lua_setfield(L, -2, fields[i][0]);
    }
}

/* A growing byte buffer on the Lua state's own allocator (so its bytes count against the script's memory, as
 * Redis's libraries' buffers do). Start it as {L, NULL, 0, 0}. Growing past memory raises Lua's "not enough
 * memory"; a raise leaves the bytes to the call's scratch, which the next call starts over. */
typedef struct sim_lua_buf {
    lua_State *L;
    char *b;
    size_t len, cap;
} sim_lua_buf;

/* Makes room for 'n' more bytes. */
static inline void sim__lua_buf_reserve(sim_lua_buf *b, size_t n) {
    if (n <= b->cap - b->len) return;
    size_t cap = b->cap ? b->cap : 64;
    while (n > cap - b->len) {
        if (cap > ((size_t)-1) / 2) luaL_error(b->L, "not enough memory");
        cap *= 2;
    }
    void *ud;
    lua_Alloc fn = lua_getallocf(b->L, &ud);
    char *p = fn(ud, b->b, b->cap, cap);
    if (p == NULL) luaL_error(b->L, "not enough memory");
    b->b = p;
    b->cap = cap;
}

static inline void sim__lua_buf_add(sim_lua_buf *b, const void *s, size_t n) {
    sim__lua_buf_reserve(b, n);
    if (n > 0) memcpy(b->b + b->len, s, n);
    b->len += n;
}

static inline void sim__lua_buf_free(sim_lua_buf *b) {
    void *ud;
    lua_Alloc fn = lua_getallocf(b->L, &ud);
    if (b->b != NULL) fn(ud, b->b, b->cap, 0);
    b->b = NULL;
    b->len = b->cap = 0;
}

/* bit: LuaBitOp 1.0.2 as Redis ships it (sim_lua_bit.c). */
int sim__lua_open_bit(lua_State *L);
/* struct: Roberto Ierusalimschy's struct library as Redis ships it (sim_lua_struct.c). */
int sim__lua_open_struct(lua_State *L);
/* cjson: Lua CJSON 2.1.0 as Redis ships it (sim_lua_cjson.c). */
int sim__lua_open_cjson(lua_State *L);
/* cmsgpack: lua-cmsgpack 0.4.0 as Redis ships it (sim_lua_cmsgpack.c). */
int sim__lua_open_cmsgpack(lua_State *L);

#endif

#endif
