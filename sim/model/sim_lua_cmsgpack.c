/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_lua_cmsgpack.c: Redis's `cmsgpack` library for scripts (lua-cmsgpack 0.4.0's functions, encodings and error
 * messages, as Redis 7.0.15 runs them on x86-64; contract of the opener in sim_lua_libs.h): pack, unpack,
 * unpack_one, unpack_limit, _NAME, _VERSION, _COPYRIGHT, _DESCRIPTION.
 *
 * Packing: a number that is an int64 exactly packs as the shortest MessagePack integer, any other as a float 32
 * when that loses nothing, else as a float 64; a string is a str (fixstr, str 8, 16, 32); a table whose keys are
 * exactly 1..n is an array of n (read with metamethods), any other a map walked in lua_next order (Redis's order:
 * the same table code, the same string hashes); a table 16 levels down, and any function, userdata or thread,
 * packs as nil. pack(a, b, ...) is the concatenation of each one packed.
 *
 * Unpacking reads what pack writes plus the formats lua-cmsgpack knows (it refuses bin, ext and 0xc1 as a bad data
 * format): an unsigned 64-bit integer past 2^63 - 1 wraps negative, 64-bit integers become the nearest double.
 * unpack returns every value; unpack_one(s, offset) and unpack_limit(s, n, offset) return first the offset of
 * what is left (-1 when nothing is), then the values. Nesting is bounded only by the Lua stack, as in Redis.
 *
 * Invariant: results depend on the arguments alone. Where lua-cmsgpack's C leaves a result to the machine (a
 * double out of an integer type's range, a shift into the sign bit, an unsigned value in a signed one), the model
 * computes what x86-64 gives, without undefined behaviour; floats are read and written as big-endian bytes
 * whatever the host's order.
 */
#ifndef RACEBED_HAVE_LUA
/* Without Lua nothing here is built: scripts reply that Lua is missing (sim_lua.c). */
#else

#include "sim/model/sim_lua_libs.h"

#include <lauxlib.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

enum { CM_MAX_NESTING = 16 }; /* tables deeper than this pack as nil */

/* ---- packing ---------------------------------------------------------------------------------------------------- */

/* Appends 'tag' and then the low 'n' bytes of 'v', most significant first. */
static void cm_add_be(sim_lua_buf *b, unsigned char tag, uint64_t v, int n) {
    unsigned char out[9];
    out[0] = tag;
    for (int i = 0; i < n; i++)
        out[1 + i] = (unsigned char)(v >> (8 * (n - 1 - i)));
    sim__lua_buf_add(b, out, (size_t)n + 1);
}

static void cm_pack_int(sim_lua_buf *b, int64_t n) {
    uint64_t u = (uint64_t)n;
    if (n >= 0) {
        if (n <= 127) {
            unsigned char c = (unsigned char)n;
            sim__lua_buf_add(b, &c, 1);
        } else if (n <= 0xff) {
            cm_add_be(b, 0xcc, u, 1);
        } else if (n <= 0xffff) {
            cm_add_be(b, 0xcd, u, 2);
        } else if (n <= 0xffffffffLL) {
            cm_add_be(b, 0xce, u, 4);
        } else {
            cm_add_be(b, 0xcf, u, 8);
        }
    } else if (n >= -32) {
        unsigned char c = (unsigned char)u; /* 111xxxxx */
        sim__lua_buf_add(b, &c, 1);
    } else if (n >= -128) {
        cm_add_be(b, 0xd0, u, 1);
    } else if (n >= -32768) {
        cm_add_be(b, 0xd1, u, 2);
    } else if (n >= -2147483648LL) {
        cm_add_be(b, 0xd2, u, 4);
    } else {
        cm_add_be(b, 0xd3, u, 8);
    }
}

static void cm_pack_double(sim_lua_buf *b, double d) {
    float f = (float)d;
    if (d == (double)f) {
        uint32_t bits;
        memcpy(&bits, &f, 4);
        cm_add_be(b, 0xca, bits, 4);
    } else {
        uint64_t bits;
        memcpy(&bits, &d, 8);
        cm_add_be(b, 0xcb, bits, 8);
    }
}

/* 1 when 'x' is an int64 exactly (lua-cmsgpack's (int64_t)x == x as x86-64 computes it). */
static int cm_is_int64(double x) {
    return x >= -9223372036854775808.0 && x < 9223372036854775808.0 && (double)(int64_t)x == x;
}

static void cm_pack_header(sim_lua_buf *b, unsigned char fix, unsigned char tag16, uint64_t n) {
    if (n <= 15) {
        unsigned char c = (unsigned char)(fix | n);
        sim__lua_buf_add(b, &c, 1);
    } else if (n <= 65535) {
        cm_add_be(b, tag16, n, 2);
    } else {
        cm_add_be(b, (unsigned char)(tag16 + 1), n, 4);
    }
}

static void cm_pack_string(sim_lua_buf *b, const char *s, size_t n) {
    if (n < 32) {
        unsigned char c = (unsigned char)(0xa0 | n);
        sim__lua_buf_add(b, &c, 1);
    } else if (n <= 0xff) {
        cm_add_be(b, 0xd9, n, 1);
    } else if (n <= 0xffff) {
        cm_add_be(b, 0xda, n, 2);
    } else {
        cm_add_be(b, 0xdb, n, 4);
    }
    sim__lua_buf_add(b, s, n);
}

/* 1 when the table on top has exactly the keys 1..n (each a positive number that is an int exactly). */
static int cm_table_is_array(lua_State *L) {
    int top = lua_gettop(L), count = 0, max = 0;
    luaL_checkstack(L, 2, "in function table_is_an_array");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        double n;
        if (lua_type(L, -1) != LUA_TNUMBER || (n = lua_tonumber(L, -1)) <= 0 || isnan(n) || n >= 2147483648.0 ||
            (double)(int)n != n) {
            lua_settop(L, top);
            return 0;
        }
        if (n > max) max = (int)n;
        count++;
    }
    lua_settop(L, top);
    return max == count;
}

static void cm_pack_value(lua_State *L, sim_lua_buf *b, int level);

static void cm_pack_table(lua_State *L, sim_lua_buf *b, int level) {
    if (cm_table_is_array(L)) {
        size_t n = lua_objlen(L, -1);
        cm_pack_header(b, 0x90, 0xdc, n);
        luaL_checkstack(L, 1, "in function mp_encode_lua_table_as_array");
        for (size_t j = 1; j <= n; j++) {
            lua_pushnumber(L, (lua_Number)j);
            lua_gettable(L, -2);
            cm_pack_value(L, b, level + 1);
        }
        return;
    }
    size_t n = 0;
    luaL_checkstack(L, 3, "in function mp_encode_lua_table_as_map");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        n++;
    }
    cm_pack_header(b, 0x80, 0xde, n);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pushvalue(L, -2);
        cm_pack_value(L, b, level + 1); /* the key */
        cm_pack_value(L, b, level + 1); /* the value */
    }
}

/* Packs the value on top of the stack and pops it. */
static void cm_pack_value(lua_State *L, sim_lua_buf *b, int level) {
    int type = lua_type(L, -1);
    if (type == LUA_TTABLE && level == CM_MAX_NESTING) type = LUA_TNIL;
    switch (type) {
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        cm_pack_string(b, s, n);
        break;
    }
    case LUA_TBOOLEAN: {
        unsigned char c = lua_toboolean(L, -1) ? 0xc3 : 0xc2;
        sim__lua_buf_add(b, &c, 1);
        break;
    }
    case LUA_TNUMBER: {
        double n = lua_tonumber(L, -1);
        if (cm_is_int64(n))
            cm_pack_int(b, (int64_t)n);
        else
            cm_pack_double(b, n);
        break;
    }
    case LUA_TTABLE: cm_pack_table(L, b, level); break;
    default: {
        unsigned char c = 0xc0;
        sim__lua_buf_add(b, &c, 1);
        break;
    }
    }
    lua_pop(L, 1);
}

static int cm_pack(lua_State *L) {
    int nargs = lua_gettop(L);
    if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
    if (!lua_checkstack(L, nargs)) return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
    sim_lua_buf b = {L, NULL, 0, 0};
    for (int i = 1; i <= nargs; i++) {
        luaL_checkstack(L, 1, "in function mp_check");
        lua_pushvalue(L, i);
        cm_pack_value(L, &b, 0);
        lua_pushlstring(L, b.len ? b.b : "", b.len);
        b.len = 0;
    }
    sim__lua_buf_free(&b);
    lua_concat(L, nargs);
    return 1;
}

/* ---- unpacking -------------------------------------------------------------------------------------------------- */

enum { CM_OK, CM_EOF, CM_BADFMT };

typedef struct cm_cur {
    const unsigned char *p;
    size_t left;
    int err;
} cm_cur;

/* The 'n' bytes at 'p', most significant first. */
static uint64_t cm_be(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* An unsigned value of 'bits' bits as the signed integer of that width (two's complement). */
static int64_t cm_signed(uint64_t v, int bits) {
    if (bits == 64) return v <= INT64_MAX ? (int64_t)v : -(int64_t)(UINT64_MAX - v) - 1;
    uint64_t sign = UINT64_C(1) << (bits - 1);
    v &= (sign << 1) - 1;
    return v & sign ? (int64_t)v - (int64_t)(sign << 1) : (int64_t)v;
}

static void cm_unpack_value(lua_State *L, cm_cur *c);

/* Pushes a table of 'n' values (an array) or 'n' key-value pairs (a map) read from 'c'. */
static void cm_unpack_table(lua_State *L, cm_cur *c, size_t n, int map) {
    lua_newtable(L);
    if (!map) {
        luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
        for (lua_Number index = 1; n-- > 0; index++) {
            lua_pushnumber(L, index);
            cm_unpack_value(L, c);
            if (c->err) return;
            lua_settable(L, -3);
        }
        return;
    }
    while (n-- > 0) {
        cm_unpack_value(L, c);
        if (c->err) return;
        cm_unpack_value(L, c);
        if (c->err) return;
        lua_settable(L, -3);
    }
}

/* Needs 'n' bytes: sets CM_EOF (and returns 0) when fewer are left. */
static int cm_need(cm_cur *c, size_t n) {
    if (c->left >= n) return 1;
    c->err = CM_EOF;
    return 0;
}

static void cm_take(cm_cur *c, size_t n) {
    c->p += n;
    c->left -= n;
}

/* A string of 'n' bytes after a header of 'hdr' bytes. */
static void cm_unpack_string(lua_State *L, cm_cur *c, size_t hdr, size_t n) {
    cm_take(c, hdr);
    if (!cm_need(c, n)) return;
    lua_pushlstring(L, (const char *)c->p, n);
    cm_take(c, n);
}

/* Pushes the value at the cursor (an integer, float, string, nil, boolean, array or map) and moves past it, or
 * sets c->err. */
static void cm_unpack_value(lua_State *L, cm_cur *c) {
    if (!cm_need(c, 1)) return;
    luaL_checkstack(L, 1, "too many return values at once; use unpack_one or unpack_limit instead.");
    unsigned char tag = c->p[0];
    /* Fixed-width integers and floats: 1 + width bytes. */
    static const struct {
        unsigned char tag, width, is_signed, is_float;
    } fixed[] = {
        {0xcc, 1, 0, 0}, {0xcd, 2, 0, 0}, {0xce, 4, 0, 0}, {0xcf, 8, 0, 0}, {0xd0, 1, 1, 0},
        {0xd1, 2, 1, 0}, {0xd2, 4, 1, 0}, {0xd3, 8, 1, 0}, {0xca, 4, 0, 1}, {0xcb, 8, 0, 1},
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        if (fixed[i].tag != tag) continue;
        int w = fixed[i].width;
        if (!cm_need(c, 1 + (size_t)w)) return;
        uint64_t v = cm_be(c->p + 1, w);
        if (fixed[i].is_float && w == 4) {
            float f;
            uint32_t bits = (uint32_t)v;
            memcpy(&f, &bits, 4);
            lua_pushnumber(L, (lua_Number)f);
        } else if (fixed[i].is_float) {
            double d;
            memcpy(&d, &v, 8);
            lua_pushnumber(L, d);
        } else if (fixed[i].is_signed || w == 8) {
            /* int 8..64, and uint 64 read into a signed integer as Redis's lua_pushinteger does */
            lua_pushnumber(L, (lua_Number)cm_signed(v, w * 8));
        } else {
            lua_pushnumber(L, (lua_Number)v);
        }
        cm_take(c, 1 + (size_t)w);
        return;
    }
    switch (tag) {
    case 0xc0:
        lua_pushnil(L);
        cm_take(c, 1);
        return;
    case 0xc2:
    case 0xc3:
        lua_pushboolean(L, tag == 0xc3);
        cm_take(c, 1);
        return;
    case 0xd9:
    case 0xda:
    case 0xdb:
    case 0xdc:
    case 0xdd:
    case 0xde:
    case 0xdf: {
        static const int width[] = {1, 2, 4, 2, 4, 2, 4}; /* str 8, 16, 32, array 16, 32, map 16, 32 */
        int w = width[tag - 0xd9];
        if (!cm_need(c, 1 + (size_t)w)) return;
        size_t n = (size_t)cm_be(c->p + 1, w);
        if (tag <= 0xdb) {
            cm_unpack_string(L, c, 1 + (size_t)w, n);
        } else {
            cm_take(c, 1 + (size_t)w);
            cm_unpack_table(L, c, n, tag >= 0xde);
        }
        return;
    }
    default: break;
    }
    if ((tag & 0x80) == 0) { /* positive fixint */
        lua_pushnumber(L, tag);
        cm_take(c, 1);
    } else if ((tag & 0xe0) == 0xe0) { /* negative fixint */
        lua_pushnumber(L, (lua_Number)cm_signed(tag, 8));
        cm_take(c, 1);
    } else if ((tag & 0xe0) == 0xa0) {
        cm_unpack_string(L, c, 1, tag & 0x1f);
    } else if ((tag & 0xf0) == 0x90 || (tag & 0xf0) == 0x80) {
        cm_take(c, 1);
        cm_unpack_table(L, c, tag & 0xf, (tag & 0xf0) == 0x80);
    } else {
        c->err = CM_BADFMT;
    }
}

/* Unpacks at most 'limit' values from 'offset' (both 0: every value, and no offset returned). */
static int cm_unpack_full(lua_State *L, lua_Integer limit, lua_Integer offset) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    int all = limit == 0 && offset == 0;
    if (offset < 0 || limit < 0) /* lua-cmsgpack names the length where it means the limit */
        return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", (int)offset, (int)len);
    if ((size_t)offset > len)
        return luaL_error(L, "Start offset %d greater than input length %d.", (int)offset, (int)len);
    if (all) limit = INT_MAX;
    cm_cur c = {(const unsigned char *)s + offset, len - (size_t)offset, CM_OK};
    int count;
    for (count = 0; c.left > 0 && count < limit; count++) {
        cm_unpack_value(L, &c);
        if (c.err == CM_EOF) return luaL_error(L, "Missing bytes in input.");
        if (c.err == CM_BADFMT) return luaL_error(L, "Bad data format in input.");
    }
    if (!all) {
        luaL_checkstack(L, 1, "in function mp_unpack_full");
        lua_pushinteger(L, c.left == 0 ? -1 : (lua_Integer)(len - c.left));
        lua_insert(L, 2);
        count++;
    }
    return count;
}

static int cm_unpack(lua_State *L) {
    return cm_unpack_full(L, 0, 0);
}

static int cm_unpack_one(lua_State *L) {
    lua_Integer offset = luaL_optinteger(L, 2, 0);
    lua_pop(L, lua_gettop(L) - 1);
    return cm_unpack_full(L, 1, offset);
}

static int cm_unpack_limit(lua_State *L) {
    lua_Integer limit = luaL_checkinteger(L, 2);
    lua_Integer offset = luaL_optinteger(L, 3, 0);
    lua_pop(L, lua_gettop(L) - 1);
    return cm_unpack_full(L, limit, offset);
}

/* The table, built in the order Redis's opener builds it (the order pairs() walks). */
int sim__lua_open_cmsgpack(lua_State *L) {
    static const luaL_Reg fns[] = {
        {"pack", cm_pack},
        {"unpack", cm_unpack},
        {"unpack_one", cm_unpack_one},
        {"unpack_limit", cm_unpack_limit},
    };
    lua_newtable(L);
    for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
        lua_pushcfunction(L, fns[i].func);
        lua_setfield(L, -2, fns[i].name);
    }
    static const char *const fields[][2] = {
        {"_NAME", "cmsgpack"},
        {"_VERSION", "lua-cmsgpack 0.4.0"},
        {"_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo"},
        {"_DESCRIPTION", "MessagePack C implementation for Lua"},
    };
    sim__lua_set_strings(L, fields, 4);
    return 1;
}

#endif
