/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_lua_struct.c: Redis's `struct` library for scripts (Roberto Ierusalimschy's struct, in the version Redis 7.0.15
 * bundles; contract of the opener in sim_lua_libs.h): struct.pack(fmt, ...), struct.unpack(fmt, data [, pos]) and
 * struct.size(fmt).
 *
 * Format: '>' big-endian, '<' little-endian, '![n]' maximum alignment n (a power of 2; default 8), 'x' a zero byte,
 * 'b'/'B' signed/unsigned char, 'h'/'H' short, 'l'/'L' long, 'T' size_t, 'i[n]'/'I[n]' an n-byte integer (default
 * 4, at most 32), 'f' float, 'd' double, 'c[n]' n bytes (default 1; packing, c0 is the whole string; unpacking, c0
 * takes its length from the previous result), 's' a zero-terminated string, ' ' nothing. An item of size k is
 * aligned to min(k, alignment) (c never is) from the start of the packed string or of the data. unpack returns the
 * items, then the position after the last one.
 *
 * Redis's sizes and byte order are x86-64's, here constants rather than this host's: char 1, short 2, int 4, long
 * and size_t 8, alignment 8, little-endian by default. Floats go through memcpy of the C float or double and their
 * bytes are emitted in the format's order. Where Redis's C is undefined, the result is what its x86-64 build gives,
 * computed here without undefined behaviour: a number outside an integer's range converts as cvttsd2si does (NaN,
 * infinities and numbers >= 2^64 as packed: 2^63 if negative or NaN, else 0), an integer item beyond 8 bytes keeps
 * only its 8 low bytes (packing writes zeros above them), and the sign bit of an n-byte signed item is bit
 * (8n - 1) mod 64.
 *
 * Invariant: a result depends on the arguments alone: no host byte order, word size or locale (format letters and
 * digits are ASCII), and the Lua stack is used as Redis's uses it (pack's nil mark and luaL_Buffer), so even an
 * argument error names the same argument and type as a real server.
 */
#ifndef RACEBED_HAVE_LUA
/* Without Lua nothing here is built: scripts reply that Lua is missing (sim_lua.c). */
#else

#include "sim/model/sim_lua_libs.h"

#include <assert.h>
#include <lauxlib.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

enum {
    STRUCTLIB_INT_MAX = 32,  /* bytes of the widest integer item (i32) */
    STRUCTLIB_ALIGN_MAX = 8, /* '!' without a number: x86-64's alignment of double */
    STRUCTLIB_SHORT = 2,     /* bytes of h, H */
    STRUCTLIB_LONG = 8,      /* bytes of l, L, T */
    STRUCTLIB_INT = 4,       /* bytes of i, I without a number */
};

/* Where a format is read and the options in force. Lives on the C stack for one call. */
typedef struct structlib_fmt {
    const char *p; /* the next format byte (NUL ends the format) */
    int little;    /* 1: little-endian (the default), 0: big-endian */
    int align;     /* maximum alignment in bytes, a power of 2; 1 until '!' */
} structlib_fmt;

static int structlib_digit(int c) {
    return c >= '0' && c <= '9';
}

static int structlib_alnum(int c) {
    return structlib_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The decimal number at the format's position (consumed), or 'dflt' when none is there. */
static int structlib_num(lua_State *L, structlib_fmt *f, int dflt) {
    if (!structlib_digit((unsigned char)*f->p)) return dflt;
    int a = 0;
    do {
        int d = *f->p++ - '0';
        if (a > INT_MAX / 10 || a * 10 > INT_MAX - d) luaL_error(L, "integral size overflow");
        a = a * 10 + d;
    } while (structlib_digit((unsigned char)*f->p));
    return a;
}

/* The bytes item 'opt' takes (its number consumed); 0 for options and for what has no fixed size. */
static uint64_t structlib_size_of(lua_State *L, int opt, structlib_fmt *f) {
    switch (opt) {
    case 'b':
    case 'B':
    case 'x': return 1;
    case 'h':
    case 'H': return STRUCTLIB_SHORT;
    case 'l':
    case 'L':
    case 'T':
    case 'd': return STRUCTLIB_LONG;
    case 'f': return 4;
    case 'c': return (uint64_t)structlib_num(L, f, 1);
    case 'i':
    case 'I': {
        int n = structlib_num(L, f, STRUCTLIB_INT);
        if (n > STRUCTLIB_INT_MAX) luaL_error(L, "integral size %d is larger than limit of %d", n, STRUCTLIB_INT_MAX);
        return (uint64_t)n;
    }
    default: return 0;
    }
}

/* Padding before an item of 'size' bytes at 'pos': Redis's formula, which for a size that is not a power of 2
 * (i3, i5, ...) pads by its own rule rather than to a multiple. */
static uint64_t structlib_pad(uint64_t pos, const structlib_fmt *f, int opt, uint64_t size) {
    if (size == 0 || opt == 'c') return 0;
    uint64_t a = size > (uint64_t)f->align ? (uint64_t)f->align : size;
    return (a - (pos & (a - 1))) & (a - 1);
}

/* Applies the option 'opt' (' ', '<', '>', '!'); anything else is the format's argument error. */
static void structlib_option(lua_State *L, int opt, structlib_fmt *f) {
    switch (opt) {
    case ' ': return;
    case '>': f->little = 0; return;
    case '<': f->little = 1; return;
    case '!': {
        int a = structlib_num(L, f, STRUCTLIB_ALIGN_MAX);
        if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
        f->align = a;
        return;
    }
    default: luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
    }
}

/* x86-64's cvttsd2si: 'x' truncated toward 0, or the bits of INT64_MIN when that is out of range or x is NaN. */
static uint64_t structlib_trunc_i64(double x) {
    if (x >= -9223372036854775808.0 && x < 9223372036854775808.0) return (uint64_t)(int64_t)x;
    return UINT64_C(1) << 63;
}

/* A double converted to an unsigned 64-bit integer as gcc does it on x86-64: from 2^63 on through 'x' - 2^63. */
static uint64_t structlib_trunc_u64(double x) {
    if (x >= 9223372036854775808.0) return structlib_trunc_i64(x - 9223372036854775808.0) ^ (UINT64_C(1) << 63);
    return structlib_trunc_i64(x);
}

/* Adds the 'size' bytes of 'v' to 'b' in the format's order; byte k (k = 0 the least significant) is 0 from 8 on. */
static void structlib_add_bytes(luaL_Buffer *b, uint64_t v, int size, int little) {
    assert(size >= 0 && size <= STRUCTLIB_INT_MAX);
    char out[STRUCTLIB_INT_MAX];
    for (int k = 0; k < size; k++)
        out[little ? k : size - 1 - k] = (char)(k < 8 ? (v >> (8 * k)) & 0xffu : 0);
    luaL_addlstring(b, out, (size_t)size);
}

/* The unsigned value of the 'size' bytes at 'p' in the format's order: only the 8 least significant count. */
static uint64_t structlib_read_bytes(const char *p, int size, int little) {
    uint64_t v = 0;
    for (int k = 0; k < size && k < 8; k++)
        v |= (uint64_t)(unsigned char)p[little ? k : size - 1 - k] << (8 * k);
    return v;
}

/* Packs one item 'opt' of 'size' bytes from argument '*arg' (advanced); returns the bytes written. */
static uint64_t structlib_pack_item(lua_State *L, luaL_Buffer *b, int opt, uint64_t size, int *arg, structlib_fmt *f) {
    switch (opt) {
    case 'b':
    case 'B':
    case 'h':
    case 'H':
    case 'l':
    case 'L':
    case 'T':
    case 'i':
    case 'I': {
        lua_Number n = luaL_checknumber(L, (*arg)++);
        structlib_add_bytes(b, n < 0 ? structlib_trunc_i64(n) : structlib_trunc_u64(n), (int)size, f->little);
        return size;
    }
    case 'x': luaL_addchar(b, '\0'); return size;
    case 'f': {
        float v = (float)luaL_checknumber(L, (*arg)++);
        uint32_t bits;
        memcpy(&bits, &v, sizeof(bits));
        structlib_add_bytes(b, bits, 4, f->little);
        return size;
    }
    case 'd': {
        double v = (double)luaL_checknumber(L, (*arg)++);
        uint64_t bits;
        memcpy(&bits, &v, sizeof(bits));
        structlib_add_bytes(b, bits, 8, f->little);
        return size;
    }
    case 'c':
    case 's': {
        size_t len;
        const char *s = luaL_checklstring(L, (*arg)++, &len);
        if (size == 0) size = len;
        luaL_argcheck(L, len >= size, *arg, "string too short"); /* Redis names the next argument */
        luaL_addlstring(b, s, (size_t)size);
        if (opt == 's') {
            luaL_addchar(b, '\0');
            size++;
        }
        return size;
    }
    default: structlib_option(L, opt, f); return size;
    }
}

static int structlib_pack(lua_State *L) {
    structlib_fmt f = {luaL_checkstring(L, 1), 1, 1};
    int arg = 2;
    uint64_t total = 0;
    lua_pushnil(L); /* Redis's mark between the arguments and the buffer's pieces: a missing argument reads nil */
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    while (*f.p != '\0') {
        int opt = (unsigned char)*f.p++;
        uint64_t size = structlib_size_of(L, opt, &f);
        uint64_t pad = structlib_pad(total, &f, opt, size);
        assert(pad < STRUCTLIB_INT_MAX);
        total += pad;
        for (; pad > 0; pad--)
            luaL_addchar(&b, '\0');
        total += structlib_pack_item(L, &b, opt, size, &arg, &f);
    }
    luaL_pushresult(&b);
    return 1;
}

/* The signed value of an n-byte item whose unsigned value is 'v': its sign bit is bit (8n - 1) mod 64, the shift
 * count x86-64 applies to Redis's unchecked 8n - 1. */
static lua_Number structlib_signed(uint64_t v, int size) {
    uint64_t mask = UINT64_MAX << ((unsigned)(size * 8 - 1) & 63u);
    if (v & mask) v |= mask;
    int64_t s = v <= INT64_MAX ? (int64_t)v : -(int64_t)~v - 1;
    return (lua_Number)s;
}

/* Unpacks one item 'opt' at '*pos' (checked to fit): pushes its value, if any, and counts it in '*n'; returns the
 * bytes it took. 'pos' and the sizes wrap modulo 2^64 as Redis's size_t does. */
static uint64_t structlib_unpack_item(lua_State *L, int opt, uint64_t size, uint64_t pos, int *n, structlib_fmt *f) {
    size_t ld;
    const char *data = lua_tolstring(L, 2, &ld);
    switch (opt) {
    case 'b':
    case 'B':
    case 'h':
    case 'H':
    case 'l':
    case 'L':
    case 'T':
    case 'i':
    case 'I': {
        uint64_t v = structlib_read_bytes(data + pos, (int)size, f->little);
        lua_pushnumber(L, opt >= 'a' ? structlib_signed(v, (int)size) : (lua_Number)v);
        break;
    }
    case 'x': return size;
    case 'f': {
        uint32_t bits = (uint32_t)structlib_read_bytes(data + pos, 4, f->little);
        float v;
        memcpy(&v, &bits, sizeof(v));
        lua_pushnumber(L, (lua_Number)v);
        break;
    }
    case 'd': {
        uint64_t bits = structlib_read_bytes(data + pos, 8, f->little);
        double v;
        memcpy(&v, &bits, sizeof(v));
        lua_pushnumber(L, (lua_Number)v);
        break;
    }
    case 'c':
        if (size == 0) {
            if (*n == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
            size = structlib_trunc_u64((double)lua_tonumber(L, -1));
            lua_pop(L, 1);
            (*n)--;
            luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, (size_t)size);
        break;
    case 's': {
        const char *end = memchr(data + pos, '\0', ld - pos);
        if (end == NULL) luaL_error(L, "unfinished string in data");
        size = (uint64_t)(end - (data + pos)) + 1;
        lua_pushlstring(L, data + pos, (size_t)size - 1);
        break;
    }
    default: structlib_option(L, opt, f); return size;
    }
    (*n)++;
    return size;
}

static int structlib_unpack(lua_State *L) {
    structlib_fmt f = {luaL_checkstring(L, 1), 1, 1};
    size_t ld;
    luaL_checklstring(L, 2, &ld);
    uint64_t pos = (uint64_t)(int64_t)luaL_optinteger(L, 3, 1);
    luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
    pos--;
    int n = 0;
    while (*f.p != '\0') {
        int opt = (unsigned char)*f.p++;
        uint64_t size = structlib_size_of(L, opt, &f);
        pos += structlib_pad(pos, &f, opt, size);
        luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
        luaL_checkstack(L, 2, "too many results"); /* the item and the next position */
        pos += structlib_unpack_item(L, opt, size, pos, &n, &f);
    }
    uint64_t next = pos + 1;
    lua_pushnumber(L, (lua_Number)(next <= INT64_MAX ? (int64_t)next : -(int64_t)~next - 1));
    assert(lua_gettop(L) >= n + 1);
    return n + 1;
}

/* struct.size: as Redis's, a letter that is no item counts 0 bytes here (pack and unpack refuse it). */
static int structlib_size(lua_State *L) {
    structlib_fmt f = {luaL_checkstring(L, 1), 1, 1};
    uint64_t pos = 0;
    while (*f.p != '\0') {
        int opt = (unsigned char)*f.p++;
        uint64_t size = structlib_size_of(L, opt, &f);
        pos += structlib_pad(pos, &f, opt, size);
        if (opt == 's')
            luaL_argerror(L, 1, "option 's' has no fixed size");
        else if (opt == 'c' && size == 0)
            luaL_argerror(L, 1, "option 'c0' has no fixed size");
        if (!structlib_alnum(opt)) structlib_option(L, opt, &f);
        pos += size;
    }
    lua_pushnumber(L, (lua_Number)(int64_t)pos);
    return 1;
}

int sim__lua_open_struct(lua_State *L) {
    /* Redis's order and size hint: pairs(struct) walks the functions in the order a real server's table gives. */
    static const luaL_Reg fns[] = {{"pack", structlib_pack}, {"unpack", structlib_unpack}, {"size", structlib_size}};
    return sim__lua_new_lib(L, fns, (int)(sizeof(fns) / sizeof(fns[0])));
}

#endif
