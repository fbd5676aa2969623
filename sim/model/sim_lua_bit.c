/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_lua_bit.c: Redis's `bit` library for scripts (LuaBitOp 1.0.2's functions and semantics, as Redis 7.0.15 runs
 * them; contract of the opener in sim_lua_libs.h): tobit, tohex, bnot, band, bor, bxor, lshift, rshift, arshift,
 * rol, ror, bswap.
 *
 * Every argument is taken modulo 2^32 the way LuaBitOp takes it: 2^52 + 2^51 is added to the number in double
 * precision, which rounds it to an integer (ties to even) and leaves that integer's low 32 bits as the low 32 bits
 * of the double's encoding. So 2^32 is 0, 2^31 is -2^31, 1.5 is 2 and 2.5 is 2; for numbers so large that the sum
 * loses the units, infinities and NaN, the result is those same encoding bits, as in Redis. A string that reads as
 * a number is that number; anything else is "number expected" (LuaBitOp checks only when the bits are 0, which
 * every non-number gives). Every result is a signed 32-bit integer as a Lua number.
 *
 * Invariant: results depend on the arguments alone (no host byte order: the bits are read as an integer, not
 * through a union). Shift counts use their low 5 bits. tohex(x, n) gives |n| digits (at most 8; n < 0 upper case,
 * default 8); n = -2^31 counts as -(2^31 - 1), as in a server with the CVE-2024-31449 fix (Debian's 7.0.15 has it;
 * upstream 7.0.15 overran a buffer there).
 */
#ifndef RACEBED_HAVE_LUA
/* Without Lua nothing here is built: scripts reply that Lua is missing (sim_lua.c). */
#else

#include "sim/model/sim_lua_libs.h"

#include <lauxlib.h>
#include <stdint.h>
#include <string.h>

/* Argument 'idx' modulo 2^32, as LuaBitOp reads it (see the header). */
static uint32_t bitlib_arg(lua_State *L, int idx) {
    double sum = (double)lua_tonumber(L, idx) + 6755399441055744.0; /* 2^52 + 2^51 */
    uint64_t bits;
    memcpy(&bits, &sum, sizeof(bits));
    uint32_t b = (uint32_t)bits;
    if (b == 0 && !lua_isnumber(L, idx)) luaL_typerror(L, idx, "number");
    return b;
}

/* Pushes 'b' as the signed 32-bit number it encodes; returns 1 (the count of results). */
static int bitlib_push(lua_State *L, uint32_t b) {
    int32_t s = b <= INT32_MAX ? (int32_t)b : -(int32_t)(UINT32_MAX - b) - 1;
    lua_pushnumber(L, (lua_Number)s);
    return 1;
}

static int bitlib_tobit(lua_State *L) {
    return bitlib_push(L, bitlib_arg(L, 1));
}

static int bitlib_bnot(lua_State *L) {
    return bitlib_push(L, ~bitlib_arg(L, 1));
}

/* band, bor and bxor read argument 1 first, then the others from the last down (which one a type error names). */
enum { BITLIB_AND, BITLIB_OR, BITLIB_XOR };

static int bitlib_fold(lua_State *L, int op) {
    uint32_t b = bitlib_arg(L, 1);
    for (int i = lua_gettop(L); i > 1; i--) {
        uint32_t v = bitlib_arg(L, i);
        b = op == BITLIB_AND ? b & v : op == BITLIB_OR ? b | v : b ^ v;
    }
    return bitlib_push(L, b);
}

static int bitlib_band(lua_State *L) {
    return bitlib_fold(L, BITLIB_AND);
}

static int bitlib_bor(lua_State *L) {
    return bitlib_fold(L, BITLIB_OR);
}

static int bitlib_bxor(lua_State *L) {
    return bitlib_fold(L, BITLIB_XOR);
}

/* The shifts and rotations: argument 1 is the value, argument 2's low 5 bits the count (read in that order). */
enum { BITLIB_SHL, BITLIB_SHR, BITLIB_SAR, BITLIB_ROL, BITLIB_ROR };

static int bitlib_shift(lua_State *L, int op) {
    uint32_t b = bitlib_arg(L, 1);
    unsigned n = bitlib_arg(L, 2) & 31u;
    uint32_t sign = n != 0 && (b & UINT32_C(0x80000000)) != 0 ? ~(UINT32_MAX >> n) : 0; /* bits arshift fills */
    switch (op) {
    case BITLIB_SHL: return bitlib_push(L, b << n);
    case BITLIB_SHR: return bitlib_push(L, b >> n);
    case BITLIB_SAR: return bitlib_push(L, (b >> n) | sign);
    case BITLIB_ROL: return bitlib_push(L, n == 0 ? b : (b << n) | (b >> (32u - n)));
    default: return bitlib_push(L, n == 0 ? b : (b >> n) | (b << (32u - n)));
    }
}

static int bitlib_lshift(lua_State *L) {
    return bitlib_shift(L, BITLIB_SHL);
}

static int bitlib_rshift(lua_State *L) {
    return bitlib_shift(L, BITLIB_SHR);
}

static int bitlib_arshift(lua_State *L) {
    return bitlib_shift(L, BITLIB_SAR);
}

static int bitlib_rol(lua_State *L) {
    return bitlib_shift(L, BITLIB_ROL);
}

static int bitlib_ror(lua_State *L) {
    return bitlib_shift(L, BITLIB_ROR);
}

static int bitlib_bswap(lua_State *L) {
    uint32_t b = bitlib_arg(L, 1);
    return bitlib_push(L, (b >> 24) | ((b >> 8) & 0xff00u) | ((b & 0xff00u) << 8) | (b << 24));
}

/* tohex(x [, n]): the low |n| hex digits of x, most significant first. An explicit nil for n is a type error
 * (only a missing n means 8). */
static int bitlib_tohex(lua_State *L) {
    uint32_t b = bitlib_arg(L, 1);
    int32_t n = 8;
    if (!lua_isnone(L, 2)) {
        uint32_t raw = bitlib_arg(L, 2);
        n = raw == UINT32_C(0x80000000) ? -INT32_MAX
            : raw <= INT32_MAX          ? (int32_t)raw
                                        : -(int32_t)(UINT32_MAX - raw) - 1;
    }
    const char *digits = n < 0 ? "0123456789ABCDEF" : "0123456789abcdef";
    int count = n < 0 ? (n < -8 ? 8 : (int)-n) : (n > 8 ? 8 : (int)n);
    char hex[8];
    for (int i = count - 1; i >= 0; i--, b >>= 4)
        hex[i] = digits[b & 15u];
    lua_pushlstring(L, hex, (size_t)count);
    return 1;
}

int sim__lua_open_bit(lua_State *L) {
    /* Redis's order and size hint: pairs(bit) walks the functions in the order a real server's table gives. */
    static const luaL_Reg fns[] = {
        {"tobit", bitlib_tobit}, {"bnot", bitlib_bnot},     {"band", bitlib_band},     {"bor", bitlib_bor},
        {"bxor", bitlib_bxor},   {"lshift", bitlib_lshift}, {"rshift", bitlib_rshift}, {"arshift", bitlib_arshift},
        {"rol", bitlib_rol},     {"ror", bitlib_ror},       {"bswap", bitlib_bswap},   {"tohex", bitlib_tohex},
    };
    return sim__lua_new_lib(L, fns, (int)(sizeof(fns) / sizeof(fns[0])));
}

#endif
