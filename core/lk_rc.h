/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_rc.h: the one table of racebed's return codes and their messages.
 *
 * Every fallible function in core/ returns an lk_rc (LK_OK == 0). Outcomes are not errors: a release that finds
 * another owner returns LK_OK and writes LK_NOT_OWNER to its out-parameter. The store error kinds follow hiredis's
 * REDIS_ERR_IO/EOF/PROTOCOL, and each message says what the caller must assume.
 */
#ifndef RACEBED_CORE_LK_RC_H
#define RACEBED_CORE_LK_RC_H

#define LK_RC_MAP(X)                                                                                                   \
    X(OK, "success")                                                                                                   \
    X(ENOMEM, "out of memory (the env's alloc failed)")                                                                \
    X(EMISUSE, "API misuse (see the object's errmsg)")                                                                 \
    X(EINVAL, "invalid argument")                                                                                      \
    X(ETIMEDOUT, "deadline passed before the lock was acquired")                                                       \
    X(ELIMIT, "a fixed limit was reached (see the object's errmsg)")                                                   \
    X(ESTORE_MAYBE, "store timed out: the command may have been applied")                                              \
    X(ESTORE_DOWN, "store unreachable: the command was not applied")                                                   \
    X(ESTORE_PROTO, "store protocol error: unexpected reply, the command's effect is unknown")                         \
    X(ECRASHED, "the calling thread or process was crashed by the simulator")                                          \
    X(EENTROPY, "the entropy source failed")                                                                           \
    X(ETASK, "a background task could not be started")                                                                 \
    X(EFENCED, "refused: the fencing number is older than one the resource has seen (the lock was lost)")

typedef enum lk_rc {
#define LK_RC_ENUM(name, msg) LK_##name,
    LK_RC_MAP(LK_RC_ENUM)
#undef LK_RC_ENUM
        LK_RC_COUNT_
} lk_rc;

/* Returns the message for 'rc': static storage, never NULL (unknown codes get a fixed text). */
const char *lk_strerror(lk_rc rc);

/* Returns the code's name, e.g. "LK_ESTORE_MAYBE": static storage, never NULL. */
const char *lk_rc_name(lk_rc rc);

#endif
