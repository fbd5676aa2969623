/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_lua_cjson.c: Redis's `cjson` library for scripts (Lua CJSON 2.1.0's functions, settings, texts and error
 * messages, as Redis 7.0.15 runs them on x86-64; contract of the opener in sim_lua_libs.h): encode, decode, new,
 * null, _NAME, _VERSION and the settings encode_sparse_array, encode_max_depth, decode_max_depth,
 * encode_number_precision, encode_keep_buffer, encode_invalid_numbers, decode_invalid_numbers.
 *
 * Settings are state. Redis keeps the `cjson` global's settings in its Lua state, so a script that calls
 * cjson.encode_max_depth(3) changes what every later script gets, until SCRIPT FLUSH or a restart. The model keeps
 * them in the key space the opener is given (sim_ks_cjson, snapshotted and hashed with it; sim_ks_script_flush
 * restores the defaults), each stored XOR its default so that a server no script configured is all zero bytes. A
 * table from cjson.new() has settings of its own, which live as long as the table (never past the call: a script
 * cannot keep a table).
 *
 * Encoding: a table whose keys are all integers >= 1 is an array up to its largest key (holes are null) unless
 * that is "excessively sparse"; any other table is an object walked in lua_next order (the order Redis's Lua
 * walks it: the same table code, the same string hashes). Numbers print with "%.<precision>g". Decoding reads the
 * text up to its first NUL, numbers with strtod (hexadecimal, inf and nan too, unless decode_invalid_numbers is
 * off), null as cjson.null (a NULL light userdata), and nests at most decode_max_depth deep.
 *
 * Invariant: what a call computes depends on its arguments and the settings alone. Where CJSON's C leaves a result
 * to the machine (a double past INT_MAX stored in an int, an int product that overflows), the model computes what
 * x86-64 gives, without undefined behaviour.
 */
#ifndef RACEBED_HAVE_LUA
/* Without Lua nothing here is built: scripts reply that Lua is missing (sim_lua.c). */
#else

#include "sim/model/sim_lua_libs.h"

#include <lauxlib.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- settings ------------------------------------------------------------------------------------------------- */

enum {
    CJ_SPARSE_CONVERT,
    CJ_SPARSE_RATIO,
    CJ_SPARSE_SAFE,
    CJ_ENCODE_MAX_DEPTH,
    CJ_DECODE_MAX_DEPTH,
    CJ_ENCODE_INVALID_NUMBERS, /* 0 refuse, 1 write inf and nan, 2 write null */
    CJ_DECODE_INVALID_NUMBERS,
    CJ_ENCODE_KEEP_BUFFER, /* kept and reported; changes nothing a script sees */
    CJ_NUMBER_PRECISION,
    CJ_SETTINGS_,
};
_Static_assert((int)CJ_SETTINGS_ == (int)SIM_KS_CJSON_SETTINGS, "sim_ks_cjson holds every setting");

static const int32_t cj_default[CJ_SETTINGS_] = {0, 2, 10, 1000, 1000, 0, 1, 1, 14};

/* The settings a function reads: its closure's upvalue is a userdata holding either a pointer to the server's (the
 * global cjson's, in the key space) or a cjson.new() table's own. */
typedef struct cj_instance {
    sim_ks_cjson *server; /* the global cjson: the key space's settings; NULL: a table from cjson.new() */
    sim_ks_cjson own;     /* the settings of a table from cjson.new() */
} cj_instance;

static sim_ks_cjson *cj_settings(lua_State *L) {
    cj_instance *in = lua_touserdata(L, lua_upvalueindex(1));
    return in->server != NULL ? in->server : &in->own;
}

static int cj_get(const sim_ks_cjson *s, int i) {
    return (int)(s->setting[i] ^ cj_default[i]);
}

static void cj_set(sim_ks_cjson *s, int i, int v) {
    s->setting[i] = (int32_t)v ^ cj_default[i];
}

/* Pads the arguments with nil up to 'args', after refusing more (json_arg_init). */
static sim_ks_cjson *cj_arg_init(lua_State *L, int args) {
    luaL_argcheck(L, lua_gettop(L) <= args, args + 1, "found too many arguments");
    while (lua_gettop(L) < args)
        lua_pushnil(L);
    return cj_settings(L);
}

/* An int option in [min, max], set from argument 'idx' unless nil; pushes its value. The range error names
 * argument 1 whichever argument it is, as CJSON's does. */
static int cj_integer_option(lua_State *L, int idx, sim_ks_cjson *s, int which, int min, int max) {
    if (!lua_isnil(L, idx)) {
        int value = (int)(uint32_t)(uint64_t)luaL_checkinteger(L, idx); /* an int takes the low 32 bits */
        char why[64];
        snprintf(why, sizeof(why), "expected integer between %d and %d", min, max);
        luaL_argcheck(L, min <= value && value <= max, 1, why);
        cj_set(s, which, value);
    }
    lua_pushinteger(L, cj_get(s, which));
    return 1;
}

/* An enumerated option from argument 'idx' unless nil (a boolean is 0 or 1, or one of 'names'); pushes its value:
 * false or true for 0 and 1, its name otherwise. */
static int cj_enum_option(lua_State *L, int idx, sim_ks_cjson *s, int which, const char *const *names) {
    static const char *const on_off[] = {"off", "on", NULL};
    if (names == NULL) names = on_off;
    if (!lua_isnil(L, idx))
        cj_set(s, which, lua_isboolean(L, idx) ? lua_toboolean(L, idx) : luaL_checkoption(L, idx, NULL, names));
    int v = cj_get(s, which);
    if (v == 0 || v == 1)
        lua_pushboolean(L, v);
    else
        lua_pushstring(L, names[v]);
    return 1;
}

static int cj_encode_sparse_array(lua_State *L) {
    sim_ks_cjson *s = cj_arg_init(L, 3);
    cj_enum_option(L, 1, s, CJ_SPARSE_CONVERT, NULL);
    cj_integer_option(L, 2, s, CJ_SPARSE_RATIO, 0, INT_MAX);
    cj_integer_option(L, 3, s, CJ_SPARSE_SAFE, 0, INT_MAX);
    return 3;
}

static int cj_encode_max_depth(lua_State *L) {
    return cj_integer_option(L, 1, cj_arg_init(L, 1), CJ_ENCODE_MAX_DEPTH, 1, INT_MAX);
}

static int cj_decode_max_depth(lua_State *L) {
    return cj_integer_option(L, 1, cj_arg_init(L, 1), CJ_DECODE_MAX_DEPTH, 1, INT_MAX);
}

static int cj_encode_number_precision(lua_State *L) {
    return cj_integer_option(L, 1, cj_arg_init(L, 1), CJ_NUMBER_PRECISION, 1, 14);
}

static int cj_encode_keep_buffer(lua_State *L) {
    return cj_enum_option(L, 1, cj_arg_init(L, 1), CJ_ENCODE_KEEP_BUFFER, NULL);
}

static int cj_encode_invalid_numbers(lua_State *L) {
    static const char *const names[] = {"off", "on", "null", NULL};
    return cj_enum_option(L, 1, cj_arg_init(L, 1), CJ_ENCODE_INVALID_NUMBERS, names);
}

static int cj_decode_invalid_numbers(lua_State *L) {
    return cj_enum_option(L, 1, cj_arg_init(L, 1), CJ_DECODE_INVALID_NUMBERS, NULL);
}

/* ---- encode ------------------------------------------------------------------------------------------------------ */

static void cj_buf_char(sim_lua_buf *b, char c) {
    sim__lua_buf_add(b, &c, 1);
}

/* A double stored in an int, as x86-64's conversion does it: out of range (or NaN) gives INT_MIN. */
static int cj_double_to_int(double d) {
    return d >= (double)INT_MIN && d < 2147483648.0 ? (int)d : INT_MIN;
}

/* Raises "Cannot serialise <type of the value at idx>: why". */
static int cj_encode_error(lua_State *L, int idx, const char *why) {
    return luaL_error(L, "Cannot serialise %s: %s", lua_typename(L, lua_type(L, idx)), why);
}

/* The JSON escape of byte 'c', or NULL when it stands for itself. */
static const char *cj_escape(unsigned char c, char tmp[8]) {
    switch (c) {
    case '\b': return "\\b";
    case '\t': return "\\t";
    case '\n': return "\\n";
    case '\f': return "\\f";
    case '\r': return "\\r";
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '/': return "\\/";
    default: break;
    }
    if (c >= 0x20 && c != 0x7f) return NULL;
    snprintf(tmp, 8, "\\u%04x", c);
    return tmp;
}

static void cj_append_string(lua_State *L, sim_lua_buf *b, int idx) {
    size_t n;
    const char *s = lua_tolstring(L, idx, &n);
    char tmp[8];
    cj_buf_char(b, '"');
    for (size_t i = 0; i < n; i++) {
        const char *esc = cj_escape((unsigned char)s[i], tmp);
        if (esc != NULL)
            sim__lua_buf_add(b, esc, strlen(esc));
        else
            cj_buf_char(b, s[i]);
    }
    cj_buf_char(b, '"');
}

static void cj_append_number(lua_State *L, const sim_ks_cjson *s, sim_lua_buf *b, int idx) {
    double num = lua_tonumber(L, idx);
    int invalid = cj_get(s, CJ_ENCODE_INVALID_NUMBERS);
    if (invalid == 0 && (isinf(num) || isnan(num))) cj_encode_error(L, idx, "must not be NaN or Inf");
    if (invalid == 1 && isnan(num)) {
        sim__lua_buf_add(b, "nan", 3);
        return;
    }
    if (invalid >= 2 && (isinf(num) || isnan(num))) {
        sim__lua_buf_add(b, "null", 4);
        return;
    }
    char text[32];
    int n = snprintf(text, sizeof(text), "%.*g", cj_get(s, CJ_NUMBER_PRECISION), num);
    sim__lua_buf_add(b, text, (size_t)n);
}

/* The table on top as an array: its largest key, or -1 for an object. Raises for an excessively sparse array
 * unless such arrays are to be written as objects. */
static int cj_array_length(lua_State *L, const sim_ks_cjson *s) {
    int max = 0, items = 0;
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        double k;
        if (lua_type(L, -2) == LUA_TNUMBER && (k = lua_tonumber(L, -2)) != 0 && floor(k) == k && k >= 1) {
            if (k > max) max = cj_double_to_int(k);
            items++;
            lua_pop(L, 1);
            continue;
        }
        lua_pop(L, 2);
        return -1;
    }
    int ratio = cj_get(s, CJ_SPARSE_RATIO);
    int scaled = (int)((uint32_t)items * (uint32_t)ratio); /* an int product wraps on x86-64 */
    if (ratio > 0 && max > scaled && max > cj_get(s, CJ_SPARSE_SAFE)) {
        if (!cj_get(s, CJ_SPARSE_CONVERT)) cj_encode_error(L, -1, "excessively sparse array");
        return -1;
    }
    return max;
}

static void cj_append_value(lua_State *L, const sim_ks_cjson *s, int depth, sim_lua_buf *b);

static void cj_append_array(lua_State *L, const sim_ks_cjson *s, int depth, sim_lua_buf *b, int n) {
    cj_buf_char(b, '[');
    for (int i = 1; i <= n; i++) {
        if (i > 1) cj_buf_char(b, ',');
        lua_rawgeti(L, -1, i);
        cj_append_value(L, s, depth, b);
        lua_pop(L, 1);
    }
    cj_buf_char(b, ']');
}

static void cj_append_object(lua_State *L, const sim_ks_cjson *s, int depth, sim_lua_buf *b) {
    int comma = 0;
    cj_buf_char(b, '{');
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        if (comma) cj_buf_char(b, ',');
        comma = 1;
        int type = lua_type(L, -2);
        if (type == LUA_TNUMBER) {
            cj_buf_char(b, '"');
            cj_append_number(L, s, b, -2);
            sim__lua_buf_add(b, "\":", 2);
        } else if (type == LUA_TSTRING) {
            cj_append_string(L, b, -2);
            cj_buf_char(b, ':');
        } else {
            cj_encode_error(L, -2, "table key must be a number or string");
        }
        cj_append_value(L, s, depth, b);
        lua_pop(L, 1);
    }
    cj_buf_char(b, '}');
}

/* Appends the value on top of the stack ('depth': tables it sits in). */
static void cj_append_value(lua_State *L, const sim_ks_cjson *s, int depth, sim_lua_buf *b) {
    switch (lua_type(L, -1)) {
    case LUA_TSTRING: cj_append_string(L, b, -1); return;
    case LUA_TNUMBER: cj_append_number(L, s, b, -1); return;
    case LUA_TBOOLEAN:
        if (lua_toboolean(L, -1))
            sim__lua_buf_add(b, "true", 4);
        else
            sim__lua_buf_add(b, "false", 5);
        return;
    case LUA_TNIL: sim__lua_buf_add(b, "null", 4); return;
    case LUA_TTABLE: {
        depth++;
        if (depth > cj_get(s, CJ_ENCODE_MAX_DEPTH) || !lua_checkstack(L, 3))
            luaL_error(L, "Cannot serialise, excessive nesting (%d)", depth);
        int n = cj_array_length(L, s);
        if (n > 0)
            cj_append_array(L, s, depth, b, n);
        else
            cj_append_object(L, s, depth, b);
        return;
    }
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, -1) == NULL) {
            sim__lua_buf_add(b, "null", 4);
            return;
        }
        break;
    default: break;
    }
    cj_encode_error(L, -1, "type not supported");
}

static int cj_encode(lua_State *L) {
    const sim_ks_cjson *s = cj_settings(L);
    luaL_argcheck(L, lua_gettop(L) == 1, 1, "expected 1 argument");
    sim_lua_buf b = {L, NULL, 0, 0};
    cj_append_value(L, s, 0, &b);
    lua_pushlstring(L, b.len ? b.b : "", b.len);
    sim__lua_buf_free(&b);
    return 1;
}

/* ---- decode ------------------------------------------------------------------------------------------------------ */

typedef enum {
    CJ_T_OBJ_BEGIN,
    CJ_T_OBJ_END,
    CJ_T_ARR_BEGIN,
    CJ_T_ARR_END,
    CJ_T_STRING,
    CJ_T_NUMBER,
    CJ_T_BOOLEAN,
    CJ_T_NULL,
    CJ_T_COLON,
    CJ_T_COMMA,
    CJ_T_END,
    CJ_T_WHITESPACE,
    CJ_T_ERROR,
    CJ_T_UNKNOWN,
} cj_token_type;

/* The names error messages give the token types. */
static const char *const cj_token_name[] = {
    "T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING",     "T_NUMBER", "T_BOOLEAN",
    "T_NULL",      "T_COLON",   "T_COMMA",     "T_END",     "T_WHITESPACE", "T_ERROR",  "T_UNKNOWN",
};

typedef struct cj_parse {
    lua_State *L;
    const sim_ks_cjson *s;
    const char *data; /* the text, NUL-terminated (a Lua string is) */
    const char *ptr;  /* the next byte */
    sim_lua_buf tmp;  /* a string token's bytes */
    int depth;        /* tables open */
} cj_parse;

typedef struct cj_token {
    cj_token_type type;
    size_t index;       /* where it starts, from 0 */
    const char *string; /* CJ_T_STRING: bytes (in tmp); CJ_T_ERROR: what is wrong */
    size_t string_len;
    double number;
    int boolean;
} cj_token;

/* The token a byte starts: CJ_T_UNKNOWN for those that need a closer look. */
static cj_token_type cj_char_token(unsigned char ch) {
    switch (ch) {
    case '{': return CJ_T_OBJ_BEGIN;
    case '}': return CJ_T_OBJ_END;
    case '[': return CJ_T_ARR_BEGIN;
    case ']': return CJ_T_ARR_END;
    case ',': return CJ_T_COMMA;
    case ':': return CJ_T_COLON;
    case '\0': return CJ_T_END;
    case ' ':
    case '\t':
    case '\n':
    case '\r': return CJ_T_WHITESPACE;
    case 'f':
    case 'i':
    case 'I':
    case 'n':
    case 'N':
    case 't':
    case '"':
    case '+':
    case '-': return CJ_T_UNKNOWN;
    default: return ch >= '0' && ch <= '9' ? CJ_T_UNKNOWN : CJ_T_ERROR;
    }
}

/* The byte a backslash escape stands for ('u': a \uXXXX escape), 0 for an invalid escape. */
static char cj_unescape(unsigned char ch) {
    switch (ch) {
    case '"': return '"';
    case '\\': return '\\';
    case '/': return '/';
    case 'b': return '\b';
    case 't': return '\t';
    case 'n': return '\n';
    case 'f': return '\f';
    case 'r': return '\r';
    case 'u': return 'u';
    default: return 0;
    }
}

static int cj_hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? 10 + c - 'a' : -1;
}

/* The 16-bit value of four hex digits at 'p' (stopping at a NUL), or -1. */
static int cj_hex4(const char *p) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int d = cj_hex_digit(p[i]);
        if (d < 0) return -1;
        v = (v << 4) | d;
    }
    return v;
}

/* Appends the UTF-8 of the \uXXXX escape (or surrogate pair of escapes) at ptr and moves past it; -1 if invalid. */
static int cj_unicode_escape(cj_parse *p) {
    int cp = cj_hex4(p->ptr + 2), esc_len = 6;
    if (cp < 0) return -1;
    if ((cp & 0xF800) == 0xD800) {
        if (cp & 0x400) return -1; /* a low surrogate first */
        if (p->ptr[6] != '\\' || p->ptr[7] != 'u') return -1;
        int low = cj_hex4(p->ptr + 8);
        if (low < 0 || (low & 0xFC00) != 0xDC00) return -1;
        cp = (((cp & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000;
        esc_len = 12;
    }
    char u[4];
    size_t n;
    if (cp <= 0x7F) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp <= 0x7FF) {
        u[0] = (char)((cp >> 6) | 0xC0);
        u[1] = (char)((cp & 0x3F) | 0x80);
        n = 2;
    } else if (cp <= 0xFFFF) {
        u[0] = (char)((cp >> 12) | 0xE0);
        u[1] = (char)(((cp >> 6) & 0x3F) | 0x80);
        u[2] = (char)((cp & 0x3F) | 0x80);
        n = 3;
    } else {
        u[0] = (char)((cp >> 18) | 0xF0);
        u[1] = (char)(((cp >> 12) & 0x3F) | 0x80);
        u[2] = (char)(((cp >> 6) & 0x3F) | 0x80);
        u[3] = (char)((cp & 0x3F) | 0x80);
        n = 4;
    }
    sim__lua_buf_add(&p->tmp, u, n);
    p->ptr += esc_len;
    return 0;
}

static void cj_token_error(cj_token *t, const cj_parse *p, const char *why) {
    t->type = CJ_T_ERROR;
    t->index = (size_t)(p->ptr - p->data);
    t->string = why;
}

static void cj_string_token(cj_parse *p, cj_token *t) {
    p->ptr++; /* the opening quote */
    p->tmp.len = 0;
    char ch;
    while ((ch = *p->ptr) != '"') {
        if (ch == '\0') {
            cj_token_error(t, p, "unexpected end of string");
            return;
        }
        if (ch == '\\') {
            ch = cj_unescape((unsigned char)p->ptr[1]);
            if (ch == 'u') {
                if (cj_unicode_escape(p) == 0) continue;
                cj_token_error(t, p, "invalid unicode escape code");
                return;
            }
            if (ch == 0) {
                cj_token_error(t, p, "invalid escape code");
                return;
            }
            p->ptr++;
        }
        cj_buf_char(&p->tmp, ch);
        p->ptr++;
    }
    p->ptr++; /* the closing quote */
    t->type = CJ_T_STRING;
    t->string = p->tmp.b;
    t->string_len = p->tmp.len;
}

/* 1 for a number strict JSON refuses but strtod takes: a leading '+' or zero, hexadecimal, inf, nan. */
static int cj_is_invalid_number(const char *q) {
    if (*q == '+') return 1;
    if (*q == '-') q++;
    if (*q == '0') return (q[1] | 0x20) == 'x' || (q[1] >= '0' && q[1] <= '9');
    if (*q <= '9') return 0;
    return strncasecmp(q, "inf", 3) == 0 || strncasecmp(q, "nan", 3) == 0;
}

static void cj_number_token(cj_parse *p, cj_token *t) {
    char *end;
    t->type = CJ_T_NUMBER;
    t->number = strtod(p->ptr, &end);
    if (end == p->ptr)
        cj_token_error(t, p, "invalid number");
    else
        p->ptr = end;
}

static void cj_next_token(cj_parse *p, cj_token *t) {
    unsigned char ch;
    while ((t->type = cj_char_token(ch = (unsigned char)*p->ptr)) == CJ_T_WHITESPACE)
        p->ptr++;
    t->index = (size_t)(p->ptr - p->data);
    if (t->type == CJ_T_ERROR) {
        cj_token_error(t, p, "invalid token");
        return;
    }
    if (t->type == CJ_T_END) return;
    if (t->type != CJ_T_UNKNOWN) {
        p->ptr++;
        return;
    }
    int invalid_ok = cj_get(p->s, CJ_DECODE_INVALID_NUMBERS);
    if (ch == '"') {
        cj_string_token(p, t);
    } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
        if (!invalid_ok && cj_is_invalid_number(p->ptr))
            cj_token_error(t, p, "invalid number");
        else
            cj_number_token(p, t);
    } else if (strncmp(p->ptr, "true", 4) == 0) {
        t->type = CJ_T_BOOLEAN;
        t->boolean = 1;
        p->ptr += 4;
    } else if (strncmp(p->ptr, "false", 5) == 0) {
        t->type = CJ_T_BOOLEAN;
        t->boolean = 0;
        p->ptr += 5;
    } else if (strncmp(p->ptr, "null", 4) == 0) {
        t->type = CJ_T_NULL;
        p->ptr += 4;
    } else if (invalid_ok && cj_is_invalid_number(p->ptr)) {
        cj_number_token(p, t);
    } else {
        cj_token_error(t, p, "invalid token");
    }
}

static int cj_parse_error(cj_parse *p, const char *expected, const cj_token *t) {
    const char *found = t->type == CJ_T_ERROR ? t->string : cj_token_name[t->type];
    return luaL_error(p->L, "Expected %s but found %s at character %d", expected, found, (int)(t->index + 1));
}

/* Enters a table: refuses nesting past decode_max_depth or a Lua stack without 'slots' more. */
static void cj_descend(cj_parse *p, int slots) {
    p->depth++;
    if (p->depth <= cj_get(p->s, CJ_DECODE_MAX_DEPTH) && lua_checkstack(p->L, slots)) return;
    luaL_error(p->L, "Found too many nested data structures (%d) at character %d", p->depth, (int)(p->ptr - p->data));
}

static void cj_process_value(cj_parse *p, cj_token *t);

static void cj_parse_object(cj_parse *p) {
    lua_State *L = p->L;
    cj_token t;
    cj_descend(p, 3);
    lua_newtable(L);
    cj_next_token(p, &t);
    if (t.type == CJ_T_OBJ_END) {
        p->depth--;
        return;
    }
    for (;;) {
        if (t.type != CJ_T_STRING) cj_parse_error(p, "object key string", &t);
        lua_pushlstring(L, t.string, t.string_len);
        cj_next_token(p, &t);
        if (t.type != CJ_T_COLON) cj_parse_error(p, "colon", &t);
        cj_next_token(p, &t);
        cj_process_value(p, &t);
        lua_rawset(L, -3);
        cj_next_token(p, &t);
        if (t.type == CJ_T_OBJ_END) {
            p->depth--;
            return;
        }
        if (t.type != CJ_T_COMMA) cj_parse_error(p, "comma or object end", &t);
        cj_next_token(p, &t);
    }
}

static void cj_parse_array(cj_parse *p) {
    lua_State *L = p->L;
    cj_token t;
    cj_descend(p, 2);
    lua_newtable(L);
    cj_next_token(p, &t);
    if (t.type == CJ_T_ARR_END) {
        p->depth--;
        return;
    }
    for (int i = 1;; i++) {
        cj_process_value(p, &t);
        lua_rawseti(L, -2, i);
        cj_next_token(p, &t);
        if (t.type == CJ_T_ARR_END) {
            p->depth--;
            return;
        }
        if (t.type != CJ_T_COMMA) cj_parse_error(p, "comma or array end", &t);
        cj_next_token(p, &t);
    }
}

static void cj_process_value(cj_parse *p, cj_token *t) {
    lua_State *L = p->L;
    switch (t->type) {
    case CJ_T_STRING: lua_pushlstring(L, t->string, t->string_len); return;
    case CJ_T_NUMBER: lua_pushnumber(L, t->number); return;
    case CJ_T_BOOLEAN: lua_pushboolean(L, t->boolean); return;
    case CJ_T_OBJ_BEGIN: cj_parse_object(p); return;
    case CJ_T_ARR_BEGIN: cj_parse_array(p); return;
    case CJ_T_NULL: lua_pushlightuserdata(L, NULL); return;
    default: cj_parse_error(p, "value", t);
    }
}

static int cj_decode(lua_State *L) {
    cj_parse p;
    size_t len;
    luaL_argcheck(L, lua_gettop(L) == 1, 1, "expected 1 argument");
    p.L = L;
    p.s = cj_settings(L);
    p.data = luaL_checklstring(L, 1, &len);
    p.ptr = p.data;
    p.depth = 0;
    if (len >= 2 && (p.data[0] == '\0' || p.data[1] == '\0'))
        luaL_error(L, "JSON parser does not support UTF-16 or UTF-32");
    p.tmp = (sim_lua_buf){L, NULL, 0, 0};
    sim__lua_buf_reserve(&p.tmp, len + 1); /* a string token is never longer than the text */
    cj_token t;
    cj_next_token(&p, &t);
    cj_process_value(&p, &t);
    cj_next_token(&p, &t);
    if (t.type != CJ_T_END) cj_parse_error(&p, "the end", &t);
    sim__lua_buf_free(&p.tmp);
    return 1;
}

/* ---- the table ----------------------------------------------------------------------------------------------- */

static int cj_new_table(lua_State *L, sim_ks_cjson *server);

static int cj_new(lua_State *L) {
    return cj_new_table(L, NULL);
}

/* Pushes a cjson table whose functions share one instance: the server's settings, or settings of its own. Built
 * in the order Redis's opener builds it (the order pairs() walks). */
static int cj_new_table(lua_State *L, sim_ks_cjson *server) {
    static const luaL_Reg fns[] = {
        {"encode", cj_encode},
        {"decode", cj_decode},
        {"encode_sparse_array", cj_encode_sparse_array},
        {"encode_max_depth", cj_encode_max_depth},
        {"decode_max_depth", cj_decode_max_depth},
        {"encode_number_precision", cj_encode_number_precision},
        {"encode_keep_buffer", cj_encode_keep_buffer},
        {"encode_invalid_numbers", cj_encode_invalid_numbers},
        {"decode_invalid_numbers", cj_decode_invalid_numbers},
        {"new", cj_new},
        {NULL, NULL},
    };
    lua_newtable(L);
    cj_instance *in = lua_newuserdata(L, sizeof(*in));
    memset(in, 0, sizeof(*in));
    in->server = server;
    for (const luaL_Reg *f = fns; f->name != NULL; f++) {
        lua_pushvalue(L, -1);
        lua_pushcclosure(L, f->func, 1);
        lua_setfield(L, -3, f->name);
    }
    lua_pop(L, 1);
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    static const char *const fields[][2] = {{"_NAME", "cjson"}, {"_VERSION", "2.1.0"}};
    sim__lua_set_strings(L, fields, 2);
    return 1;
}

int sim__lua_open_cjson(lua_State *L) {
    sim_keyspace *ks = lua_touserdata(L, 1);
    lua_settop(L, 0);
    return cj_new_table(L, &ks->cjson);
}

#endif
