/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_keyspace.h: the typed key space of the model Redis: binary-safe keys with a type, a value and a TTL.
 *
 * Mechanism. Keys live in a fixed open-addressing table (linear probing, backward-shift deletion, no tombstones).
 * Each key owns one blob in a fixed byte heap inside the struct: an 8-byte header (capacity, owning slot) and a
 * payload (key length, value length, key bytes, a NUL, value bytes). A value is the type's encoding as bytes, the way
 * Redis's listpack keeps small collections:
 *   string  the bytes;
 *   hash    u32 count, then count x (u32 field length, field, u32 value length, value) in insertion order;
 *   list    u32 count, then count x (u32 length, element) head first;
 *   zset    u32 count, then count x (f64 score, u32 length, member) by score, then member bytes.
 * A blob is allocated first fit among freed ones, else at the heap top; a blob that grows past its capacity moves; a
 * freed blob is zeroed, and when the top reaches the end the heap is compacted (live blobs slide down in heap order, their slots
 * follow). So there are no pointers, the whole key space is plain bytes (an arena can hold, copy and hash it), a
 * snapshot needs the table and the heap up to 'heap_top' only, and the layout is a function of the command
 * sequence alone.
 *
 * Expiry is lazy and by the server wall clock passed in: a key is expired when now > deadline (Redis keyIsExpired)
 * and removed when a lookup meets it.
 *
 * Limits (each hit is LK_ELIMIT, never a silent cut): SIM_KS_KEYS_MAX keys, keys of SIM_KS_KEY_BYTES_MAX bytes, and
 * SIM_KS_HEAP_BYTES of blobs (headers and 8-byte rounding included) for all values together.
 * Invariant: slot i is used iff entry[i].type != SIM_KS_NONE iff bit i of used_bits is set; every used slot owns
 * exactly one blob and that blob's header names the slot; bytes of the heap past heap_top and of freed blobs'
 * payloads are 0.
 * Guarded by: the simulator's single OS thread. Pointers returned into the heap are valid until the next call that
 * may change the key space (create, resize, delete, find with expiry).
 */
#ifndef RACEBED_SIM_MODEL_SIM_KEYSPACE_H
#define RACEBED_SIM_MODEL_SIM_KEYSPACE_H

#include <stddef.h>
#include <stdint.h>

#include "core/lk_env.h"

enum {
    SIM_KS_SLOTS = 256,                     /* table slots, a power of two */
    SIM_KS_KEYS_MAX = SIM_KS_SLOTS / 4 * 3, /* keys held at most (expired-but-untouched ones included) */
    SIM_KS_KEY_BYTES_MAX = 512,             /* longest key, bytes */
    SIM_KS_HEAP_BYTES = 64 * 1024,          /* bytes of blobs, headers included */
    SIM_KS_VALUE_BYTES_MAX = 60 * 1024,     /* longest encoded value, bytes */
    SIM_KS_CLIENTS_MAX = 32,                /* connections that can WATCH (their ids: bits of a mask) */
    SIM_KS_WATCH_MAX = 32,                  /* distinct keys watched at once */
    SIM_KS_WATCH_KEY_MAX = 128,             /* longest watched key, bytes */
    SIM_KS_SCRIPT_BYTES = 64 * 1024,        /* the script cache: every loaded script's name and body */
    SIM_KS_LUA_HEAP_BYTES = 2 * 1024 * 1024, /* scratch memory of one script call's Lua state */
    SIM_KS_READY_MAX = 16,                  /* list keys one command creates that are remembered in order */
    SIM_KS_CHANNELS_MAX = 32,               /* pub/sub channels with a subscriber at once */
    SIM_KS_SUBSCRIBERS_MAX = 64,            /* connections that can subscribe (their ids: bits of a mask) */
    SIM_KS_CHANNEL_BYTES_MAX = 128,         /* longest channel name, bytes */
    SIM_KS_OUTBOX_BYTES = 8 * 1024,         /* the publications of one command, bytes */
};

#define SIM_KS_TYPE_MAP(X)                                                                                             \
    X(NONE, "none")                                                                                                    \
    X(STRING, "string")                                                                                                \
    X(HASH, "hash")                                                                                                    \
    X(LIST, "list")                                                                                                    \
    X(ZSET, "zset")

typedef enum sim_ks_type {
#define SIM_KS_TYPE_ENUM(name, label) SIM_KS_##name,
    SIM_KS_TYPE_MAP(SIM_KS_TYPE_ENUM)
#undef SIM_KS_TYPE_ENUM
        SIM_KS_TYPE_COUNT_
} sim_ks_type;

typedef struct sim_ks_entry {
    int64_t deadline_ms; /* server wall ms after which the key is gone; 0 = no TTL */
    uint32_t blob;       /* heap offset of the key's blob header */
    uint32_t key_hash;   /* FNV-1a of the key bytes: the probe start and the SCAN order */
    uint32_t type;       /* a sim_ks_type; SIM_KS_NONE = unused */
    uint32_t pad;        /* zero */
} sim_ks_entry;

/* One pub/sub channel with subscribers (SUBSCRIBE), as Redis keeps server.pubsub_channels. */
typedef struct sim_ks_channel {
    uint64_t clients; /* bit c: connection c is subscribed (c < SIM_KS_SUBSCRIBERS_MAX) */
    uint32_t len;     /* bytes of the name */
    uint32_t pad;     /* zero */
    unsigned char name[SIM_KS_CHANNEL_BYTES_MAX];
} sim_ks_channel;

/* One watched key (WATCH), as Redis keeps db->watched_keys. */
typedef struct sim_ks_watch {
    uint32_t clients;  /* bit c: client c watches the key */
    uint32_t expired;  /* bit c: the key existed but was expired when client c watched it */
    uint32_t key_hash; /* FNV-1a of the key */
    uint32_t key_len;  /* bytes */
    unsigned char key[SIM_KS_WATCH_KEY_MAX];
} sim_ks_watch;

/* cjson's settings (cjson.encode_max_depth(n) and the rest), which Redis keeps in its Lua state from one script
 * to the next until SCRIPT FLUSH or a restart. Each is stored XOR its default (sim_lua_cjson.c), so a server that
 * no script configured holds zero bytes here. */
enum { SIM_KS_CJSON_SETTINGS = 9 };
typedef struct sim_ks_cjson {
    int32_t setting[SIM_KS_CJSON_SETTINGS];
} sim_ks_cjson;

typedef struct sim_keyspace {
    uint32_t count;                        /* keys held, expired-but-untouched ones included */
    uint32_t heap_top;                     /* heap bytes in use, freed blobs below the top included */
    uint32_t watch_count;                  /* entries of 'watch' in use, packed at the front */
    uint32_t dirty_clients;                /* bit c: a key client c watches was touched (EXEC must abort) */
    uint32_t script_count;                 /* scripts in the cache (SCRIPT LOAD, EVAL) */
    uint32_t script_bytes;                 /* bytes of 'scripts' in use */
    uint32_t channel_count;                /* entries of 'channel' in use, packed at the front */
    sim_ks_cjson cjson;                    /* the cjson global's settings (cleared with the script cache) */
    /* The list keys created since sim_ks_ready_clear (the start of each top-level command), in creation order, as
     * Redis's signalKeyAsReady remembers them for the clients blocked on them; not hashed (empty again before the
     * next command reads it). */
    uint32_t ready_count;                      /* entries of 'ready_hash' in use */
    uint32_t ready_overflow;                   /* 1: more than SIM_KS_READY_MAX distinct ones */
    uint32_t ready_hash[SIM_KS_READY_MAX];     /* their key hashes (sim_ks_key_hash), each once */
    uint64_t used_bits[SIM_KS_SLOTS / 64]; /* bit i set iff entry[i] is used */
    /* Large tables last (a snapshot keeps the fields above whole, and of these only what is in use). */
    sim_ks_watch watch[SIM_KS_WATCH_MAX];  /* the watched keys, in the order first watched */
    sim_ks_channel channel[SIM_KS_CHANNELS_MAX]; /* the channels with subscribers, in the order first subscribed */
    sim_ks_entry entry[SIM_KS_SLOTS];      /* the table; an unused entry is all zero bytes */
    unsigned char heap[SIM_KS_HEAP_BYTES]; /* the blobs */
    unsigned char scripts[SIM_KS_SCRIPT_BYTES]; /* the script cache: each 40-byte SHA-1, u32 length, body */
    /* Not state: the publications of the command being run (PUBLISH, from a script or EXEC too), in order, which the
     * caller delivers to the subscribers' connections after it (sim_redis_deliver); emptied when the next top-level
     * command starts. Each: u32 channel length, channel, u32 message length, message. */
    uint32_t outbox_len;
    unsigned char outbox[SIM_KS_OUTBOX_BYTES];
    /* Not state: scratch for one script call's Lua state (sim_lua.h), at a fixed address inside the run arena so
     * that Lua's pointer-keyed tables iterate alike in every process. Never cleared, copied, hashed or checked. */
    _Alignas(16) unsigned char lua_heap[SIM_KS_LUA_HEAP_BYTES];
} sim_keyspace;

/* Bytes of a key space that are state (everything before the outbox): what init clears and copies compare. */
#define SIM_KS_STATE_BYTES offsetof(sim_keyspace, outbox_len)

/* Empties the key space, whatever the memory held before. */
void sim_ks_init(sim_keyspace *ks);
/* Empties a key space that was initialized before, touching only what is used. */
void sim_ks_reset(sim_keyspace *ks);

/* The type's name as TYPE replies it ("none", "string", ...): static storage. */
const char *sim_ks_type_name(uint32_t type);

/* Finds 'key' live at 'now_ms': returns its slot, or -1. An expired key met on the way is deleted (lazy expiry). */
int sim_ks_find(sim_keyspace *ks, const void *key, uint32_t key_len, lk_wall_ms now_ms);
/* As sim_ks_find, but never deletes anything (for reports and end-of-run checks): -1 for an expired key. */
int sim_ks_peek(const sim_keyspace *ks, const void *key, uint32_t key_len, lk_wall_ms now_ms);
/* Creates 'key' (known absent) with 'type', no TTL and a zeroed value of 'value_len' bytes. Returns LK_OK and the
 * slot in '*slot', or LK_ELIMIT (too many keys, key too long, heap full) with nothing changed. */
lk_rc sim_ks_create(sim_keyspace *ks, const void *key, uint32_t key_len, uint32_t type, uint32_t value_len, int *slot);
/* The key hash of the table (FNV-1a): the probe start, the SCAN order, and the ready list's entries. */
uint32_t sim_ks_key_hash(const void *key, uint32_t key_len);
/* Forgets the list keys created so far (sim_keyspace.ready_*). */
void sim_ks_ready_clear(sim_keyspace *ks);
/* Deletes the key in 'slot' and frees its blob. */
void sim_ks_delete(sim_keyspace *ks, int slot);

/* The key's bytes and length; a NUL follows them (a C-string view, cut at a NUL inside a binary key). */
const unsigned char *sim_ks_key(const sim_keyspace *ks, int slot, uint32_t *key_len);
/* The value's bytes and length (writable: the caller edits the encoding in place). */
unsigned char *sim_ks_value(sim_keyspace *ks, int slot, uint32_t *value_len);
const unsigned char *sim_ks_value_const(const sim_keyspace *ks, int slot, uint32_t *value_len);
/* Replaces bytes [off, off + del) of the value with 'ins' bytes of zeros (the caller writes them): the bytes after
 * move. Returns the value's new start, or NULL (LK_ELIMIT: heap full or value too long) with nothing changed. */
unsigned char *sim_ks_splice(sim_keyspace *ks, int slot, uint32_t off, uint32_t del, uint32_t ins);

/* Checks the invariants above (used bits, blob owners, the heap tiled up to heap_top, zero bytes where freed or
 * past the top). Returns NULL, or a static text naming the first broken one (for tests and fuzzing). */
const char *sim_ks_check(const sim_keyspace *ks);

/* ---- WATCH: which clients' transactions a change aborts --------------------------------------------------------
 * Every change made through this module touches its key: create, delete (lazy expiry included), splice, and the
 * two calls below for changes made in place. A touch marks dirty every client watching the key, except one that
 * watched it while it was expired and now finds it deleted (Redis 7.0's touchWatchedKey: logically no change). */

/* Marks the key in 'slot' changed in place (a command wrote its value bytes without a splice). */
void sim_ks_touch(sim_keyspace *ks, int slot);
/* Sets the key's deadline (0: none) and touches it. */
void sim_ks_set_deadline(sim_keyspace *ks, int slot, int64_t deadline_ms);
/* Client 'client' watches 'key' at 'now_ms'. Returns LK_OK, or LK_ELIMIT (too many watched keys, a key longer than
 * SIM_KS_WATCH_KEY_MAX, a client id out of range) with nothing changed. */
lk_rc sim_ks_watch_key(sim_keyspace *ks, uint32_t client, const void *key, uint32_t key_len, lk_wall_ms now_ms);
/* Drops every watch of 'client' and its dirty mark (UNWATCH, EXEC, DISCARD). */
void sim_ks_unwatch_all(sim_keyspace *ks, uint32_t client);
/* 1 if 'client''s transaction must abort at 'now_ms': a watched key was touched, or one that was live when watched
 * is expired now (Redis 7.0's isWatchedKeyExpired). */
int sim_ks_watch_dirty(const sim_keyspace *ks, uint32_t client, lk_wall_ms now_ms);

/* ---- the script cache ----------------------------------------------------------------------------------------- */

/* The body of the cached script named 'sha' (40 lower-case hex digits), or NULL. */
const unsigned char *sim_ks_script_find(const sim_keyspace *ks, const char *sha, uint32_t *body_len);
/* Adds a script (known absent). Returns LK_OK, or LK_ELIMIT when the cache is full (SIM_KS_SCRIPT_BYTES). */
lk_rc sim_ks_script_add(sim_keyspace *ks, const char *sha, const void *body, uint32_t body_len);
/* Empties the cache and restores cjson's default settings (SCRIPT FLUSH, a restart). */
void sim_ks_script_flush(sim_keyspace *ks);

/* Heap bytes in live blobs (for the bench and limits reports). */
uint32_t sim_ks_heap_live(const sim_keyspace *ks);

#endif
