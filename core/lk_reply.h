/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_reply.h: a RESP-shaped reply (nil, integer, bulk string, status, error, array) in caller-provided memory.
 *
 * A reply is a preorder list of nodes: an array node is followed by its elements, each of them a whole subtree, so
 * nested replies (SCAN's [cursor, [keys]], EXEC's array of replies) need no pointers and can be copied, compared
 * and hashed as bytes. String bytes (bulk, status, error) live in one byte buffer, each NUL-terminated for
 * convenience and binary-safe by its length. RESP2's nil bulk string and nil array are both NIL, as hiredis
 * reports them.
 *
 * Invariant: a builder never writes past its buffers: the first write that does not fit sets 'overflow' and every
 * later write is dropped, so a caller checks once at the end (lk_reply_ok). Never: allocation.
 * Guarded by: the caller (a reply is one thread's).
 */
#ifndef RACEBED_CORE_LK_REPLY_H
#define RACEBED_CORE_LK_REPLY_H

#include <stddef.h>
#include <stdint.h>

#define LK_REPLY_TYPE_MAP(X)                                                                                           \
    X(NIL, "nil")                                                                                                      \
    X(INTEGER, "integer")                                                                                              \
    X(STRING, "string")                                                                                                \
    X(STATUS, "status")                                                                                                \
    X(ERROR, "error")                                                                                                  \
    X(ARRAY, "array")

typedef enum lk_reply_type {
#define LK_REPLY_TYPE_ENUM(name, label) LK_REPLY_##name,
    LK_REPLY_TYPE_MAP(LK_REPLY_TYPE_ENUM)
#undef LK_REPLY_TYPE_ENUM
        LK_REPLY_TYPE_COUNT_
} lk_reply_type;

typedef struct lk_reply_node {
    int64_t integer; /* INTEGER: the value */
    uint32_t type;   /* an lk_reply_type */
    uint32_t len;    /* STRING, STATUS, ERROR: bytes; ARRAY: elements */
    uint32_t off;    /* STRING, STATUS, ERROR: offset of the bytes in the reply's byte buffer */
    uint32_t pad;    /* zero: a node is hashed as bytes */
} lk_reply_node;

typedef struct lk_reply {
    lk_reply_node *node; /* the nodes, preorder; node[0] is the reply */
    char *bytes;         /* the string bytes */
    uint32_t node_count, node_cap;
    uint32_t bytes_len, bytes_cap;
    int overflow; /* 1 once a write did not fit: the reply is incomplete */
} lk_reply;

/* Points 'r' at empty buffers of 'node_cap' nodes and 'bytes_cap' bytes (owned by the caller, who keeps them alive
 * as long as the reply). */
void lk_reply_init(lk_reply *r, lk_reply_node *node, uint32_t node_cap, char *bytes, uint32_t bytes_cap);
/* Empties 'r' (keeps its buffers). */
void lk_reply_clear(lk_reply *r);
/* 1 when the reply is one complete node tree that fit its buffers. */
int lk_reply_ok(const lk_reply *r);

/* Builders: each appends one node. An array is opened with its element count and its elements follow. When the
 * count is known only at the end, open with 0 and set it with lk_reply_set_len (the index lk_reply_array returned). */
void lk_reply_nil(lk_reply *r);
void lk_reply_int(lk_reply *r, int64_t v);
void lk_reply_bulk(lk_reply *r, const void *p, size_t n);
void lk_reply_bulk_str(lk_reply *r, const char *s);
void lk_reply_status(lk_reply *r, const char *s);
/* An error reply; 'fmt' starts with the error code ("ERR ...", "WRONGTYPE ..."). Text past 255 bytes is cut. */
void lk_reply_error(lk_reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint32_t lk_reply_array(lk_reply *r, uint32_t elements);
void lk_reply_set_len(lk_reply *r, uint32_t array_index, uint32_t elements);
/* Removes every node from 'node_index' on (and their bytes), to undo a partly built reply. */
void lk_reply_truncate(lk_reply *r, uint32_t node_index);

/* Readers. */
static inline const lk_reply_node *lk_reply_at(const lk_reply *r, uint32_t i) {
    return &r->node[i];
}
static inline const char *lk_reply_str(const lk_reply *r, uint32_t i) {
    return r->bytes + r->node[i].off;
}
/* Index of the node after the subtree at 'i' (its next sibling). */
uint32_t lk_reply_next(const lk_reply *r, uint32_t i);
/* Index of element 'k' of the array at 'i' (k < its length). */
uint32_t lk_reply_child(const lk_reply *r, uint32_t i, uint32_t k);
/* 1 if the subtrees 'ai' of 'a' and 'bi' of 'b' are equal (types, integers, bytes, shapes). */
int lk_reply_equal(const lk_reply *a, uint32_t ai, const lk_reply *b, uint32_t bi);

/* Formats the subtree at 'i' on one line, redis-cli style: (nil), (integer) 5, "bytes" with C escapes, status,
 * (error) ERR ..., [a, b]. Cuts at 'cap' - 1 bytes, ending in "..." when cut. Returns 'buf'. */
char *lk_reply_format(const lk_reply *r, uint32_t i, char *buf, size_t cap);

/* 1 with '*v' if the node at 'i' is an integer, or a string holding one in decimal ("-12", as GET of a counter
 * returns it: an optional '-' and 1 to 19 digits, nothing else, within int64); else 0. */
int lk_reply_int_at(const lk_reply *r, uint32_t i, int64_t *v);

/* The type's label ("integer"): static storage, never NULL. */
const char *lk_reply_type_name(uint32_t type);

#endif
