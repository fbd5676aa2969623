/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_lua_grammar.c: libFuzzer target for the model's Lua bridge that writes its own scripts. The input is a stream of
 * choices (one byte each; an exhausted input chooses 0) that drives a small generator of Lua 5.1 that parses: locals,
 * assignments, if/else, bounded for and while loops, functions called directly and through pcall, and expressions over
 * redis.call and redis.pcall (commands from the command table's families with keys, values and argument counts right
 * and wrong, undeclared keys, commands a script may not run), the reply helpers (error_reply, status_reply, sha1hex),
 * tables with holes, {err=...} and {ok=...}, the string, table, math, bit, struct, cjson (its settings too) and
 * cmsgpack libraries, tostring and tonumber, and the deliberate misuses: a global written, a loop that never ends, a
 * string that outgrows the Lua heap, deep recursion. Every script is checked as fuzz_lua_run.h says (two runs byte for
 * byte equal, a complete reply, the key space's invariants, a reply or a named model limit), so the bridge's
 * conversions are reached by most inputs rather than by the few raw inputs that parse.
 *
 * To read what an input generates (a crash's, say): RACEBED_FUZZ_PRINT=1 ./fuzz_lua_grammar INPUT prints the script on
 * stderr before running it, and the reply's code and type after. Limits: the script stays under GEN_BYTES (a choice
 * that would overflow is dropped), nesting under GEN_DEPTH, locals under GEN_LOCALS.
 */
#include <stdarg.h>

#include "tests/fuzz/fuzz_lua_run.h"

enum { GEN_BYTES = 4000, GEN_DEPTH = 3, GEN_LOCALS = 6, GEN_STATEMENTS = 6 };

typedef struct gen {
    const uint8_t *in;
    size_t len, at;
    char out[GEN_BYTES + 64];
    size_t n;
    size_t limit; /* bytes the script may reach: GEN_BYTES, then the room left for the closing return */
    int full;     /* 1 once a write did not fit: the rest is dropped, the script is closed as it stands */
    int locals;   /* locals v0 .. v(locals-1) declared so far */
} gen;

/* The next choice in [0, n). */
static unsigned gen_pick(gen *g, unsigned n) {
    unsigned b = g->at < g->len ? g->in[g->at++] : 0;
    return n ? b % n : 0;
}

static void gen_put(gen *g, const char *fmt, ...) {
    if (g->full) return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(g->out + g->n, sizeof(g->out) - g->n, fmt, ap);
    va_end(ap);
    if (w < 0 || g->n + (size_t)w >= g->limit) {
        g->out[g->n] = '\0';
        g->full = 1;
        return;
    }
    g->n += (size_t)w;
}

static const char *const gen_keys[] = {"KEYS[1]", "KEYS[2]", "'k1'", "'k2'", "'undeclared'", "ARGV[1]"};
static const char *const gen_values[] = {
    "'1'", "'x'", "ARGV[2]", "10", "-3", "1.5", "'-7'", "''", "'9223372036854775808'"};

/* Commands by family with the argument kinds they take: k a key, v a value, n a small number, f a field word. */
static const struct {
    const char *name, *args;
} gen_commands[] = {
    {"GET", "k"},       {"SET", "kv"},      {"SET", "kvfn"},  {"INCR", "k"},     {"INCRBY", "kn"},   {"DEL", "kk"},
    {"EXISTS", "k"},    {"TYPE", "k"},      {"PTTL", "k"},    {"PEXPIRE", "kn"}, {"HSET", "kfv"},    {"HGET", "kf"},
    {"HGETALL", "k"},   {"HINCRBY", "kfn"}, {"LPUSH", "kvv"}, {"RPOP", "k"},     {"LRANGE", "knn"},  {"LLEN", "k"},
    {"ZADD", "knv"},    {"ZRANGE", "knn"},  {"ZSCORE", "kv"}, {"SCAN", "n"},     {"GETDEL", "k"},    {"BLPOP", "kn"},
    {"SUBSCRIBE", "v"}, {"PUBLISH", "vv"},  {"EVAL", "vn"},   {"MULTI", ""},     {"NOSUCHCMD", "k"}, {"GET", ""},
    {"SET", "k"},       {"INCR", "kk"},     {"TIME", ""},     {"SETNX", "kv"},   {"LREM", "knv"},
};

static void gen_expr(gen *g, int depth);

/* An expression one level deeper, then 'tail' (what closes the construct around it). */
static void gen_sub(gen *g, int depth, const char *tail) {
    gen_expr(g, depth + 1);
    gen_put(g, "%s", tail);
}

static void gen_command(gen *g, int depth) {
    unsigned c = gen_pick(g, sizeof(gen_commands) / sizeof(gen_commands[0]));
    gen_put(g, "'%s'", gen_commands[c].name);
    for (const char *a = gen_commands[c].args; *a; a++) {
        if (*a == 'k')
            gen_put(g, ", %s", gen_keys[gen_pick(g, sizeof(gen_keys) / sizeof(gen_keys[0]))]);
        else if (*a == 'v' && gen_pick(g, 4) == 0 && depth < GEN_DEPTH) {
            gen_put(g, ", ");
            gen_expr(g, depth + 1);
        } else if (*a == 'v')
            gen_put(g, ", %s", gen_values[gen_pick(g, 9)]);
        else if (*a == 'n')
            gen_put(g, ", %d", (int)gen_pick(g, 7) - 2);
        else
            gen_put(g, ", '%s'", gen_pick(g, 2) ? "f" : "EX");
    }
}

/* A value of a numeric kind, as text. */
static void gen_number(gen *g) {
    static const char *const nums[] = {"0",          "1",   "-1",    "7",  "2147483647", "-2147483648",
                                       "4294967296", "0.5", "1e300", "-0", "3.99",       "9007199254740993"};
    gen_put(g, "%s", nums[gen_pick(g, sizeof(nums) / sizeof(nums[0]))]);
}

static void gen_expr(gen *g, int depth) {
    unsigned k = gen_pick(g, depth >= GEN_DEPTH ? 6 : 26);
    switch (k) {
    case 0: gen_number(g); break;
    case 1: gen_put(g, "%s", gen_values[gen_pick(g, 9)]); break;
    case 2:
        gen_put(g, "%s", (const char *[]){"nil", "true", "false", "KEYS[1]", "ARGV[1]", "#KEYS"}[gen_pick(g, 6)]);
        break;
    case 3:
        if (g->locals > 0)
            gen_put(g, "v%u", gen_pick(g, (unsigned)g->locals));
        else
            gen_number(g);
        break;
    case 4: gen_put(g, "'%s'", gen_pick(g, 2) ? "ok" : "a\\0b"); break;
    case 5: gen_put(g, "{}"); break;
    case 6:
    case 7:
        gen_put(g, "redis.%s(", gen_pick(g, 2) ? "call" : "pcall");
        gen_command(g, depth);
        gen_put(g, ")");
        break;
    case 8: { /* a table, maybe with a hole */
        unsigned n = gen_pick(g, 4);
        gen_put(g, "{");
        for (unsigned i = 0; i < n; i++) {
            if (i) gen_put(g, ", ");
            gen_expr(g, depth + 1);
        }
        gen_put(g, "}");
        break;
    }
    case 9:
        gen_put(g, "{%s=", gen_pick(g, 2) ? "err" : "ok");
        gen_sub(g, depth, "}");
        break;
    case 10:
        gen_put(g, "redis.%s(", (const char *[]){"error_reply", "status_reply", "sha1hex"}[gen_pick(g, 3)]);
        gen_sub(g, depth, ")");
        break;
    case 11:
    case 12:
        gen_put(g, "%s(",
                (const char *[]){"tostring", "tonumber", "type", "math.floor", "string.len", "string.upper",
                                 "bit.tobit", "bit.bnot", "bit.tohex", "string.byte",
                                 "select('#', 1, "}[gen_pick(g, 11)]);
        gen_sub(g, depth, ")");
        break;
    case 13:
        gen_put(g, "(");
        gen_expr(g, depth + 1);
        gen_put(g, " %s ", (const char *[]){"..", "+", "-", "*", "/", "%", "==", "<", "and", "or"}[gen_pick(g, 10)]);
        gen_sub(g, depth, ")");
        break;
    case 14:
        gen_put(g, "string.rep(");
        gen_expr(g, depth + 1);
        gen_put(g, ", %u)", gen_pick(g, 3) == 0 ? 100000000u : gen_pick(g, 5));
        break;
    case 15:
        gen_put(g, "string.format('%s', ", (const char *[]){"%d", "%s", "%5.2f", "%x", "%q"}[gen_pick(g, 5)]);
        gen_sub(g, depth, ")");
        break;
    case 16:
        gen_put(g, "table.concat({");
        gen_sub(g, depth, ", ");
        gen_sub(g, depth, "}, ',')");
        break;
    case 17:
        gen_put(g, "bit.%s(",
                (const char *[]){"band", "bor", "bxor", "lshift", "rshift", "arshift", "rol"}[gen_pick(g, 7)]);
        gen_number(g);
        gen_put(g, ", ");
        gen_sub(g, depth, ")");
        break;
    case 18:
        gen_put(g, "struct.%s", gen_pick(g, 2) ? "pack('" : "unpack('");
        gen_put(g, "%s', ", (const char *[]){">i4", "<I2", "b", "d", "s", "c3", "!4 i2 i8", "i17"}[gen_pick(g, 8)]);
        gen_sub(g, depth, ")");
        break;
    case 19:
        gen_put(g, "(function() return ");
        gen_sub(g, depth, " end)()");
        break;
    case 20:
        gen_put(g, "select(2, pcall(function() return ");
        gen_sub(g, depth, " end))");
        break;
    case 21:
        gen_put(g, "#{");
        gen_sub(g, depth, "}");
        break;
    case 22: gen_put(g, "KEYS[%u]", gen_pick(g, 4)); break;
    case 23: /* cjson both ways, its settings (server state: they carry to the next script) */
        gen_put(g, "cjson.%s(",
                (const char *[]){"encode", "decode", "encode", "decode", "encode_max_depth", "decode_max_depth",
                                 "encode_number_precision", "encode_sparse_array",
                                 "encode_invalid_numbers"}[gen_pick(g, 9)]);
        gen_sub(g, depth, ")");
        break;
    case 24: /* cmsgpack both ways, unpack's offsets and limits */
        gen_put(g, "%s(",
                (const char *[]){"cmsgpack.pack", "cmsgpack.unpack", "cmsgpack.unpack_one", "cmsgpack.unpack_limit",
                                 "cmsgpack.pack"}[gen_pick(g, 5)]);
        gen_sub(g, depth, gen_pick(g, 2) ? ")" : ", 1)");
        break;
    default: gen_put(g, "ARGV[%u]", gen_pick(g, 4)); break;
    }
}

static void gen_block(gen *g, int depth);

static void gen_statement(gen *g, int depth) {
    unsigned k = gen_pick(g, depth >= GEN_DEPTH ? 4 : 13);
    switch (k) {
    case 0:
    case 1:
    case 2:
    case 3:
        if (k < 2 && g->locals < GEN_LOCALS) {
            gen_put(g, "local v%d = ", g->locals++);
            gen_expr(g, depth);
        } else if (k < 3 && g->locals > 0) {
            gen_put(g, "v%u = ", gen_pick(g, (unsigned)g->locals));
            gen_expr(g, depth);
        } else { /* a call for its effect */
            gen_put(g, "redis.%s(", gen_pick(g, 2) ? "call" : "pcall");
            gen_command(g, depth);
            gen_put(g, ")");
        }
        gen_put(g, "\n");
        break;
    case 4:
        gen_put(g, "if ");
        gen_sub(g, depth, " then\n");
        gen_block(g, depth + 1);
        gen_put(g, "else\n");
        gen_block(g, depth + 1);
        gen_put(g, "end\n");
        break;
    case 5:
        gen_put(g, "for i = 1, %u do\n", gen_pick(g, 4));
        gen_block(g, depth + 1);
        gen_put(g, "end\n");
        break;
    case 6:
        gen_put(g, "do local n = 0 while n < %u do n = n + 1\n", gen_pick(g, 4));
        gen_block(g, depth + 1);
        gen_put(g, "end end\n");
        break;
    case 7:
        gen_put(g, "pcall(function()\n");
        gen_block(g, depth + 1);
        gen_put(g, "end)\n");
        break;
    case 8: /* misuses: each must end in an error reply or a named limit */
        gen_put(g, "%s\n",
                (const char *[]){"x = 1", "_G.y = 2", "rawset(_G, 'z', 3)", "while true do end",
                                 "local s = 'x' for i = 1, 40 do s = s .. s end",
                                 "local function f(n) return f(n + 1) + 1 end f(1)", "setmetatable(_G, nil)",
                                 "local t = {} for i = 1, 1e8 do t[i] = i end",
                                 "return undefined_global"}[gen_pick(g, 9)]);
        break;
    case 9:
        gen_put(g, "local function f%u(a) return ", gen_pick(g, 2));
        gen_sub(g, depth, " end\n");
        break;
    case 10:
        gen_put(g, "table.insert(KEYS, ");
        gen_sub(g, depth, ")\n");
        break;
    case 11:
        gen_put(g, "if ");
        gen_sub(g, depth, " then return ");
        gen_sub(g, depth, " end\n");
        break;
    default:
        gen_put(g, "redis.call('SET', KEYS[1], ");
        gen_sub(g, depth, ")\n");
        break;
    }
}

static void gen_block(gen *g, int depth) {
    int saved = g->locals; /* a block's locals end with it */
    for (unsigned i = 0, n = gen_pick(g, GEN_STATEMENTS) + 1; i < n; i++)
        gen_statement(g, depth);
    g->locals = saved;
}

/* Writes the script of 'data' into g->out (NUL-terminated); returns its length. */
static size_t gen_script(gen *g, const uint8_t *data, size_t size) {
    memset(g, 0, sizeof(*g));
    g->in = data;
    g->len = size;
    g->limit = GEN_BYTES;
    gen_block(g, 0);
    g->full = 0; /* the closing return always fits: an expression at GEN_DEPTH is short */
    g->limit = sizeof(g->out) - 1;
    gen_put(g, "return ");
    gen_expr(g, GEN_DEPTH);
    gen_put(g, "\n");
    return g->n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static gen g;
    if (size > 4096) return 0;
    size_t n = gen_script(&g, data, size);
    int print = getenv("RACEBED_FUZZ_PRINT") != NULL;
    if (print) fprintf(stderr, "%s", g.out);
    uint32_t type;
    lk_rc rc = fuzz_lua_check(g.out, n, &type);
    if (print)
        fprintf(stderr, "-- reply: %s %s\n", lk_rc_name(rc),
                type < LK_REPLY_TYPE_COUNT_ ? lk_reply_type_name(type) : "none");
    return 0;
}
