/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_command.c: the command table (contract in lk_command.h).
 */
#include "core/lk_command.h"

#include <assert.h>
#include <string.h>

static const lk_command command_table[LK_CMD_COUNT_] = {
#define LK_COMMAND_ROW(NAME, name, arity, flags, first, last, step)                                                    \
    {LK_CMD_##NAME, #name, arity, flags, first, last, step},
    LK_COMMAND_MAP(LK_COMMAND_ROW)
#undef LK_COMMAND_ROW
};

const lk_command *lk_command_get(lk_command_id id) {
    assert(id >= 0 && id < LK_CMD_COUNT_);
    return &command_table[id];
}

static int command_name_equal(const char *row, const char *name, size_t len) {
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (row[i] == '\0' || row[i] != c) return 0;
    }
    return row[len] == '\0';
}

const lk_command *lk_command_lookup(const char *name, size_t len) {
    for (int i = 0; i < LK_CMD_COUNT_; i++)
        if (command_name_equal(command_table[i].name, name, len)) return &command_table[i];
    return NULL;
}

int lk_command_arity_ok(const lk_command *c, int argc) {
    return c->arity > 0 ? argc == c->arity : argc >= -c->arity;
}

/* The key count of a NUMKEYS call (argv[2], decimal, 0..argc-3), or -1. */
static int command_numkeys(int argc, const char *const *argv, const size_t *argv_len) {
    if (argv == NULL || argc < 3) return -1;
    size_t n = argv_len ? argv_len[2] : strlen(argv[2]);
    long long v = 0;
    if (n == 0 || n > 10) return -1;
    for (size_t i = 0; i < n; i++) {
        if (argv[2][i] < '0' || argv[2][i] > '9') return -1;
        v = v * 10 + (argv[2][i] - '0');
    }
    return v <= argc - 3 ? (int)v : -1;
}

int lk_command_keys(const lk_command *c, int argc, const char *const *argv, const size_t *argv_len, int *pos, int cap) {
    assert(lk_command_arity_ok(c, argc));
    if (c->flags & LK_CMDF_NUMKEYS) {
        int k = command_numkeys(argc, argv, argv_len), n = 0;
        for (int i = 0; i < k && n < cap; i++)
            pos[n++] = 3 + i;
        return k < 0 ? -1 : n;
    }
    if (c->first_key == 0) return 0;
    int last = c->last_key < 0 ? argc + c->last_key : c->last_key;
    int n = 0;
    for (int i = c->first_key; i <= last && n < cap; i += c->key_step)
        pos[n++] = i;
    return n;
}

int lk_script_may_publish(const char *body, size_t len) {
    static const char word[] = "publish";
    for (size_t i = 0; i + sizeof(word) - 1 <= len; i++) {
        size_t k = 0;
        while (k < sizeof(word) - 1 && (body[i + k] | 0x20) == word[k])
            k++;
        if (k == sizeof(word) - 1) return 1;
    }
    return 0;
}
