/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_cmd_pubsub.c: the model's pub/sub, as Redis 7.0 runs it for RESP2 clients: SUBSCRIBE, UNSUBSCRIBE, PUBLISH,
 * the channel registry, each connection's inbox, and the delivery of a command's publications (contract in
 * sim_redis.h, "pub/sub").
 *
 * The registry is the key space's 'channel' table, packed in first-subscribed order (UNSUBSCRIBE without arguments
 * walks it in that order; Redis walks a dict, so the conformance test compares those confirmations as a set). A
 * connection's inbox is its queue bytes, records appended at the end and taken from the front.
 */
#include "sim/model/sim_cmd.h"

enum { INBOX_MESSAGE = 0, INBOX_SUBSCRIBE = 1, INBOX_UNSUBSCRIBE = 2 };
enum { INBOX_HEAD = 28 }; /* i64 stamp, u32 kind, u32 channel length, i64 count, u32 payload length */
#define INBOX_NIL UINT32_MAX /* a channel length that stands for nil (UNSUBSCRIBE of a connection with none) */

static const char *const inbox_kinds[] = {"message", "subscribe", "unsubscribe"};

static int64_t get64(const unsigned char *p) {
    int64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void put64(unsigned char *p, int64_t v) {
    memcpy(p, &v, 8);
}

/* The registry index of channel 'name', or -1. */
static int channel_find(const sim_keyspace *ks, const void *name, size_t len) {
    for (uint32_t i = 0; i < ks->channel_count; i++)
        if (ks->channel[i].len == len && memcmp(ks->channel[i].name, name, len) == 0) return (int)i;
    return -1;
}

/* Channels connection 'id' is subscribed to. */
static int64_t channel_count_of(const sim_keyspace *ks, uint32_t id) {
    int64_t n = 0;
    for (uint32_t i = 0; i < ks->channel_count; i++)
        n += (ks->channel[i].clients >> id) & 1u;
    return n;
}

/* Drops connection 'id' from registry entry 'i', and the entry when nobody is left (the table stays packed). */
static void channel_drop(sim_keyspace *ks, uint32_t i, uint32_t id) {
    ks->channel[i].clients &= ~(UINT64_C(1) << id);
    if (ks->channel[i].clients != 0) return;
    memmove(&ks->channel[i], &ks->channel[i + 1], sizeof(ks->channel[0]) * (ks->channel_count - i - 1));
    memset(&ks->channel[--ks->channel_count], 0, sizeof(ks->channel[0]));
}

/* Bytes of the inbox record at 'p'. */
static uint32_t inbox_record_size(const unsigned char *p) {
    uint32_t chan_len = sim__get32(p + 12);
    return INBOX_HEAD + (chan_len == INBOX_NIL ? 0 : chan_len) + sim__get32(p + 24);
}

/* Appends a record to the inbox of 'cl'. Returns 0, or -1 when it does not fit (nothing changed). */
static int inbox_add(sim_redis_client *cl, int64_t stamp, uint32_t kind, const void *chan, uint32_t chan_len,
                     int64_t count, const void *payload, uint32_t payload_len) {
    uint64_t need = INBOX_HEAD + (uint64_t)(chan_len == INBOX_NIL ? 0 : chan_len) + payload_len;
    if (need > SIM_REDIS_QUEUE_BYTES - cl->queue_len) return -1;
    unsigned char *p = cl->queue + cl->queue_len;
    put64(p, stamp);
    sim__put32(p + 8, kind);
    sim__put32(p + 12, chan_len);
    put64(p + 16, count);
    sim__put32(p + 24, payload_len);
    p += INBOX_HEAD;
    if (chan_len != INBOX_NIL && chan_len > 0) memcpy(p, chan, chan_len);
    p += chan_len == INBOX_NIL ? 0 : chan_len;
    if (payload_len > 0) memcpy(p, payload, payload_len);
    cl->queue_len += (uint32_t)need;
    cl->inbox_count++;
    return 0;
}

/* Replies a confirmation [kind, channel or nil, count]. */
static void reply_confirmation(lk_reply *r, uint32_t kind, const void *chan, uint32_t chan_len, int64_t count) {
    lk_reply_array(r, 3);
    lk_reply_bulk_str(r, inbox_kinds[kind]);
    if (chan_len == INBOX_NIL)
        lk_reply_nil(r);
    else
        lk_reply_bulk(r, chan, chan_len);
    lk_reply_int(r, count);
}

/* The first confirmation of a command is its reply; the others wait in the inbox. Returns 0, or -1 after a limit. */
static int confirm(sim_cmd *c, int first, uint32_t kind, const void *chan, uint32_t chan_len, int64_t count) {
    if (first) {
        reply_confirmation(c->r, kind, chan, chan_len, count);
        return 0;
    }
    if (inbox_add(c->client, SIM_REDIS_STAMP_REPLY, kind, chan, chan_len, count, NULL, 0) == 0) return 0;
    sim__cmd_limit_text(c, "the connection's inbox is full (SIM_REDIS_QUEUE_BYTES): read its messages");
    return -1;
}

/* 1 when the call may change subscriptions: it has a connection and is not inside EXEC; else replies. */
static int pubsub_connection(sim_cmd *c) {
    if (c->client == NULL) {
        lk_reply_error(c->r, "ERR racebed model: %s needs a connection (sim_redis_exec_client)", c->row->name);
        return 0;
    }
    if (c->nested) { /* Redis lets EXEC run it, with replies a RESP2 client cannot pair up */
        sim__cmd_limit_text(c, "SUBSCRIBE or UNSUBSCRIBE inside MULTI/EXEC is not modelled");
        return 0;
    }
    return 1;
}

void sim__cmd_subscribe(sim_cmd *c) {
    if (!pubsub_connection(c)) return;
    sim_keyspace *ks = c->ks;
    uint32_t id = c->client->id;
    if (id >= SIM_KS_SUBSCRIBERS_MAX) {
        sim__cmd_limit_text(c, "a connection id beyond SIM_KS_SUBSCRIBERS_MAX subscribed");
        return;
    }
    for (int i = 1; i < c->argc; i++) {
        int k = channel_find(ks, c->argv[i], c->len[i]);
        if (k < 0) {
            if (ks->channel_count == SIM_KS_CHANNELS_MAX || c->len[i] > SIM_KS_CHANNEL_BYTES_MAX) {
                sim__cmd_limit(c, c->len[i] > SIM_KS_CHANNEL_BYTES_MAX ? "a channel name too long"
                                                                      : "too many channels with subscribers");
                return;
            }
            k = (int)ks->channel_count++;
            ks->channel[k].len = (uint32_t)c->len[i];
            if (c->len[i] > 0) memcpy(ks->channel[k].name, c->argv[i], c->len[i]);
        }
        ks->channel[k].clients |= UINT64_C(1) << id;
        c->client->flags |= SIM_CLIENT_PUBSUB;
        if (confirm(c, i == 1, INBOX_SUBSCRIBE, c->argv[i], (uint32_t)c->len[i], channel_count_of(ks, id)) != 0)
            return;
    }
}

void sim__cmd_unsubscribe(sim_cmd *c) {
    if (!pubsub_connection(c)) return;
    sim_keyspace *ks = c->ks;
    uint32_t id = c->client->id;
    if (c->argc == 1) { /* every channel of the connection, in registry order */
        int first = 1;
        for (uint32_t i = 0; i < ks->channel_count;) {
            if (!((ks->channel[i].clients >> id) & 1u)) {
                i++;
                continue;
            }
            unsigned char name[SIM_KS_CHANNEL_BYTES_MAX];
            uint32_t len = ks->channel[i].len;
            memcpy(name, ks->channel[i].name, len);
            uint32_t before = ks->channel_count;
            channel_drop(ks, i, id);
            i += ks->channel_count == before; /* the entry stayed (other subscribers): step over it */
            if (confirm(c, first, INBOX_UNSUBSCRIBE, name, len, channel_count_of(ks, id)) != 0) return;
            first = 0;
        }
        if (first) reply_confirmation(c->r, INBOX_UNSUBSCRIBE, NULL, INBOX_NIL, 0);
    } else {
        for (int i = 1; i < c->argc; i++) {
            int k = channel_find(ks, c->argv[i], c->len[i]);
            if (k >= 0 && ((ks->channel[k].clients >> id) & 1u)) channel_drop(ks, (uint32_t)k, id);
            if (confirm(c, i == 1, INBOX_UNSUBSCRIBE, c->argv[i], (uint32_t)c->len[i], channel_count_of(ks, id)) != 0)
                return;
        }
    }
    if (channel_count_of(ks, id) == 0) c->client->flags &= ~SIM_CLIENT_PUBSUB;
}

void sim__cmd_publish(sim_cmd *c) {
    sim_keyspace *ks = c->ks;
    int k = channel_find(ks, c->argv[1], c->len[1]);
    uint64_t need = 8 + (uint64_t)c->len[1] + c->len[2];
    if (need > SIM_KS_OUTBOX_BYTES - ks->outbox_len) {
        sim__cmd_limit_text(c, "one command published more than SIM_KS_OUTBOX_BYTES");
        return;
    }
    unsigned char *p = ks->outbox + ks->outbox_len;
    sim__put32(p, (uint32_t)c->len[1]);
    memcpy(p + 4, c->argv[1], c->len[1]);
    sim__put32(p + 4 + c->len[1], (uint32_t)c->len[2]);
    memcpy(p + 8 + c->len[1], c->argv[2], c->len[2]);
    ks->outbox_len += (uint32_t)need;
    lk_reply_int(c->r, k < 0 ? 0 : __builtin_popcountll(ks->channel[k].clients));
}

lk_rc sim_redis_deliver(sim_keyspace *ks, sim_redis_client *cl, int n, int self, int64_t stamp, uint64_t *received) {
    *received = 0;
    if (self >= 0 && cl[self].inbox_count > 0) /* stamp what the connection's own command queued */
        for (uint32_t off = 0; off < cl[self].queue_len;) {
            unsigned char *p = cl[self].queue + off;
            if (get64(p) == SIM_REDIS_STAMP_REPLY) put64(p, stamp);
            off += inbox_record_size(p);
        }
    for (uint32_t off = 0; off < ks->outbox_len;) {
        const unsigned char *p = ks->outbox + off;
        uint32_t chan_len = sim__get32(p), msg_len = sim__get32(p + 4 + chan_len);
        const unsigned char *chan = p + 4, *msg = p + 8 + chan_len;
        off += 8 + chan_len + msg_len;
        int k = channel_find(ks, chan, chan_len);
        if (k < 0) continue;
        for (int i = 0; i < n; i++) {
            if (cl[i].id >= SIM_KS_SUBSCRIBERS_MAX || !((ks->channel[k].clients >> cl[i].id) & 1u)) continue;
            if (inbox_add(&cl[i], stamp, INBOX_MESSAGE, chan, chan_len, 0, msg, msg_len) != 0) return LK_ELIMIT;
            *received |= UINT64_C(1) << i;
        }
    }
    memset(ks->outbox, 0, ks->outbox_len);
    ks->outbox_len = 0;
    return LK_OK;
}

int64_t sim_redis_inbox_next(const sim_redis_client *cl) {
    if (cl->inbox_count == 0) return -1;
    int64_t stamp = get64(cl->queue);
    return stamp < 0 ? -1 : stamp;
}

/* Writes the inbox record at 'p' into 'reply'. Returns LK_OK or LK_ELIMIT. */
static lk_rc inbox_reply(const unsigned char *p, lk_reply *reply) {
    uint32_t kind = sim__get32(p + 8), chan_len = sim__get32(p + 12), payload_len = sim__get32(p + 24);
    const unsigned char *chan = p + INBOX_HEAD;
    if (kind == INBOX_MESSAGE) {
        lk_reply_array(reply, 3);
        lk_reply_bulk_str(reply, inbox_kinds[kind]);
        lk_reply_bulk(reply, chan, chan_len);
        lk_reply_bulk(reply, chan + chan_len, payload_len);
    } else {
        reply_confirmation(reply, kind, chan, chan_len, get64(p + 16));
    }
    return lk_reply_ok(reply) ? LK_OK : LK_ELIMIT;
}

lk_rc sim_redis_inbox_peek(const sim_redis_client *cl, uint32_t k, lk_reply *reply) {
    lk_reply_clear(reply);
    if (k >= cl->inbox_count) return LK_EINVAL;
    const unsigned char *p = cl->queue;
    for (uint32_t i = 0; i < k; i++)
        p += inbox_record_size(p);
    return inbox_reply(p, reply);
}

lk_rc sim_redis_inbox_take(sim_redis_client *cl, lk_reply *reply) {
    lk_reply_clear(reply);
    if (cl->inbox_count == 0) return LK_EINVAL;
    uint32_t size = inbox_record_size(cl->queue);
    if (inbox_reply(cl->queue, reply) != LK_OK) return LK_ELIMIT;
    memmove(cl->queue, cl->queue + size, cl->queue_len - size);
    memset(cl->queue + cl->queue_len - size, 0, size);
    cl->queue_len -= size;
    cl->inbox_count--;
    return LK_OK;
}

/* Ends every subscription of a closing connection and drops its unread records (sim_redis_client_reset). */
void sim__pubsub_close(sim_keyspace *ks, sim_redis_client *cl) {
    for (uint32_t i = 0; i < ks->channel_count;) {
        uint32_t before = ks->channel_count;
        if (cl->id < SIM_KS_SUBSCRIBERS_MAX && ((ks->channel[i].clients >> cl->id) & 1u)) channel_drop(ks, i, cl->id);
        i += ks->channel_count == before;
    }
    if (cl->inbox_count > 0) {
        memset(cl->queue, 0, cl->queue_len);
        cl->queue_len = 0;
        cl->inbox_count = 0;
    }
    cl->flags &= ~SIM_CLIENT_PUBSUB;
}
