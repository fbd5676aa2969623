/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_run.h: the state of one simulated execution, shared by the simulator's modules (not a public API).
 *
 * Invariant: everything here lives in the run arena (sim_arena.h), one block at a fixed address, with no pointer to
 * memory outside it except code and string literals. Every per-run source of nondeterminism (virtual time, the
 * model store, the per-thread entropy streams) is in this block, so a run can be hashed, snapshotted and restored
 * as one block. The decision log and the trace are NOT here: they describe a run, they are not its state.
 * Guarded by: the simulator's one OS thread; a virtual thread touches its own sim_thread and pending op only.
 */
#ifndef RACEBED_SIM_SIM_RUN_H
#define RACEBED_SIM_SIM_RUN_H

#include "core/lk_metrics.h"
#include "sim/run/sim_fiber.h"
#include "sim/sim_scenario.h"
#include "sim/run/sim_decision.h"
#include "sim/model/sim_store_model.h"

enum {
    SIM_THREADS_MAX = 32,          /* virtual threads per execution */
    SIM_PROCS_MAX = 16,            /* simulated processes per execution */
    SIM_MUTEXES_MAX = 64,          /* env mutexes per execution */
    SIM_LOCK_KEYS_MAX = 16,        /* keys the lease oracle watches */
    SIM_SCHEMAS_MAX = 4,           /* lease schemas of scripted locks (sim_lease_schema) */
    SIM_INSTANCES_MAX = 64,        /* singleton instances the uniqueness oracle remembers */
    SIM_MSG_MAX = 320,             /* a violation message, bytes with the NUL */
    SIM_NOTES_MAX = 8,             /* "allowed by design" notes kept per execution */
    SIM_LOG_MAX = 4096,            /* store ops remembered for a lose-last restart */
    SIM_CMD_LOG_BYTES = 64 * 1024, /* bytes of logged commands' arguments (for a lose-last restart) */
    SIM_RESOURCES_MAX = 4,         /* guarded resources per execution */
    SIM_OWN_PROBES_MAX = 16,       /* a scenario's own coverage probes */
    SIM_EXPECTATIONS_MAX = 16,     /* expectations a scenario declares */
    SIM_IGNORED_MAX = 8,           /* oracles --ignore-oracle turns into notes */
    SIM_STACK_KIB_MAX = 4096,      /* the largest virtual-thread stack (stack_kib), KiB */
};

/* Virtual time 0 is this wall-clock instant (2023-11-14T22:13:20Z) on every clock; fixed, so runs never read it. */
#define SIM_EPOCH_WALL_MS INT64_C(1700000000000)

typedef enum sim_tstate {
    SIM_T_FREE = 0, /* slot unused */
    SIM_T_WAITING,  /* not at a visible op: resumes when now >= wake_ns (reply pending, sleeping, or not started) */
    SIM_T_PENDING,  /* stopped at the visible op in 'pend', waiting to be scheduled */
    SIM_T_RUNNING,  /* executing between two visible ops */
    SIM_T_DONE,     /* its function returned */
    SIM_T_CRASHED,  /* crashed by a decision: never runs again; what it wrote to the store stays */
} sim_tstate;

/* The visible operations. Labels appear in traces and schedule files ("run c1 lock registry"). */
#define SIM_VOP_MAP(X)                                                                                                 \
    X(STORE, "store")                                                                                                  \
    X(SLEEP, "sleep")                                                                                                  \
    X(LOCK, "lock")                                                                                                    \
    X(UNLOCK, "unlock")                                                                                                \
    X(ONCE, "once")                                                                                                    \
    X(YIELD, "yield")                                                                                                  \
    X(TASK_START, "task_start")                                                                                        \
    X(TASK_JOIN, "task_join")                                                                                          \
    X(EVENT, "event")                                                                                                  \
    X(RESOURCE, "resource")                                                                                            \
    X(WAIT, "wait")                                                                                                    \
    X(WAKE, "wake")

typedef enum sim_vop {
#define SIM_VOP_ENUM(name, label) SIM_VOP_##name,
    SIM_VOP_MAP(SIM_VOP_ENUM)
#undef SIM_VOP_ENUM
        SIM_VOP_COUNT_
} sim_vop;

/* A visible op a thread stopped at. Borrowed pointers point into the thread's stack (in the arena) or at string
 * literals, valid while the thread is stopped. */
typedef struct sim_pending {
    sim_vop vop;
    lk_store_op op;          /* STORE */
    lk_store_reply *reply;   /* STORE: where the reply goes */
    int64_t ns;              /* SLEEP: duration */
    int obj;                 /* LOCK, UNLOCK: mutex index; TASK_JOIN: thread index */
    int *flag;               /* ONCE */
    const char *label;       /* YIELD: ghost object; EVENT: event name; TASK_START: task name */
    const char *key;         /* EVENT: key */
    int64_t num;             /* EVENT: value; RESOURCE: the fencing number */
    int res_op;              /* RESOURCE: SIM_RES_READ, SIM_RES_WRITE or SIM_RES_FLOOR */
    int64_t res_value;       /* RESOURCE: the value written, or read (out) */
    void (*task_fn)(void *); /* TASK_START */
    void *task_arg;          /* TASK_START */
    lk_rc rc;                /* the op's result, set by the scheduler */
    lk_rc applied_rc;        /* with a reply-lost fault: what the store answered before the reply was lost */
    int out;                 /* TASK_START: the new thread's index */
    int lost;                /* STORE: a reply-lost fault hit a command that blocked: once served or timed out, the
                                client sees LK_ESTORE_MAYBE instead of the reply (a popped element is lost) */
} sim_pending;

typedef struct sim_thread {
    sim_fiber fiber; /* its context and stack (its sanitizer bookkeeping last) */
    /* From fiber.asan_fake_stack to here: left out of fingerprints (one span, sim_snapshot.c) */
    char name[SIM_NAME_MAX]; /* stable name, e.g. "c1" */
    int last_step;           /* the decision that performed its last op (what a violation it raises names) */
    sim_run *run;            /* back pointer (inside the arena) */
    int idx;                 /* index in run->thread */
    int proc;                /* owning process */
    int owner;               /* lease owner: itself, or for a task the owner of the thread that started it */
    int parent;              /* the thread that started it as a task, -1 for a scenario thread */
    sim_tstate state;
    int64_t wake_ns;         /* WAITING: when it may continue, virtual ns */
    int64_t paused_until_ns; /* a pause decision: it neither runs nor resumes before this instant */
    int *once_running;       /* the flag of a once whose function it is running, else NULL */
    int paused_since_grant;  /* a pause hit it after its last lock grant (client validity is then by design) */
    int admin;               /* 1: its deletes of others' locks are revocations (a clear), not foreign deletes */
    int revoked;             /* its lease was revoked by an admin and it has not been granted one since */
    int store_faults;        /* store faults injected into its ops (the exhaustive search bounds them per thread) */
    int64_t revoked_below;   /* the revocation covered its grants with fencing numbers below this */
    int64_t lease_sent_ns;   /* send time of its last grant or extend on a watched key */
    int64_t lease_ttl_ms;    /* and the TTL it asked for */
    int64_t acquire_start_mono_ns; /* metric agreement: its local clock when its open acquire sent its first try, -1 */
    int acquire_last;   /* and that try's latest result: an lk_outcome (LK_NONE after a store error), or SIM_ACQ_* */
    sim_pending pend;   /* PENDING: the op it stopped at */
    sim_thread_fn fn;   /* scenario body (or NULL for a task) */
    sim_thread_fn body; /* with the scenario's start_yield: the body fn calls after its first visible op */
    void *arg;
    void (*task_fn)(void *); /* task body */
    uint64_t rng[4];         /* xoshiro256** entropy stream, seeded from the run seed and the index */
} sim_thread;

/* A process-local sync object: a mutex (lk_sync.mutex_new), or a wake (lk_sync.wake_new), which uses only 'woken'. */
/* sim_thread.acquire_last besides an lk_outcome: the thread's acquire was counted; or it sent a command since, so
 * its next acquire may be a script's, which the metric_agreement oracle cannot read (it checks those not at all). */
enum { SIM_ACQ_COUNTED = -1, SIM_ACQ_UNSEEN = -2, SIM_ACQ_WOKEN = -3 /* a wake-up came (LK_CMD_ACQUIRE_WAKE) */ };

typedef struct sim_mutex {
    int proc;                /* owning process */
    int holder;              /* thread index, -1 when free (a wake: always -1) */
    int is_wake;             /* 1: a wake */
    int woken;               /* a wake: given while nobody waited, kept for the next wait */
    char name[SIM_NAME_MAX]; /* for traces */
} sim_mutex;

typedef struct sim_process {
    sim_run *run; /* back pointer: the env verbs' ctx is the process */
    int idx;
    int64_t wall_offset_ms; /* its wall clock minus virtual time, ms (wall-step decisions move it) */
    int64_t drift_ppm;      /* its monotonic clock runs this many ppm fast (negative: slow) */
    int crashed;            /* 1 after a process crash */
    /* From here on: left out of fingerprints (one span, sim_snapshot.c) */
    char name[SIM_NAME_MAX];
    lk_env env;            /* the process's env (verbs in sim_env.c) */
    lk_metric_set metrics; /* its metrics sink; last, so a snapshot stops at its rows in use */
} sim_process;

typedef struct sim_lease {
    int live;            /* 1 until released, deleted or overwritten (expiry is checked against deadline) */
    int owner;           /* thread index of the holder (its lease owner) */
    int64_t granted_ms;  /* server wall ms of the grant */
    int64_t deadline_ms; /* server wall ms after which it expired; 0 = no TTL */
    int64_t sent_ns;     /* virtual time the granting (or last extending) op was sent */
    int64_t ttl_ms;      /* the TTL that op asked for */
    int disturbed;       /* a restart or server wall step touched this lease: an early end is by design */
    int owner_saw_error; /* the owner's last op on the key ended in a store error: it may have given it up to the TTL */
} sim_lease;

/* A guarded resource outside the lock service (a database, a file): a counter the holders read and write. With
 * fencing on, it refuses a read or write whose fencing number is below the highest it has seen (or below the floor
 * an admin set); with fencing off it trusts the lock. */
enum { SIM_RES_READ = 1, SIM_RES_WRITE = 2, SIM_RES_FLOOR = 3 };

typedef struct sim_resource {
    char name[SIM_NAME_MAX];
    char lock_key[LK_KEY_MAX]; /* the lock that guards it (for the client-validity oracle) */
    int fencing;               /* 1: check fencing numbers */
    int64_t value;             /* the counter */
    int64_t version;           /* accepted writes so far */
    int64_t fence_max;         /* highest fencing number seen (reads and writes) */
    int fence_owner;           /* the lease owner that used fence_max: the same number from another is refused */
    int64_t written_fence_max; /* highest fencing number among accepted writes (the order oracle) */
    int64_t fence_floor;       /* set by sim_resource_floor (a clear): fences below are refused */
    int64_t read_version[SIM_THREADS_MAX]; /* version each thread last read, -1 if none */
    int refused;                           /* reads and writes refused */
} sim_resource;

/* One store op as applied, for rebuilding the store at a lose-last restart. */
typedef struct sim_log_entry {
    int64_t apply_ns;     /* virtual time it was applied */
    lk_wall_ms server_ms; /* the server clock it saw */
    int thread;           /* who sent it */
    lk_op_kind kind;
    int64_t ttl_ms;
    unsigned flags;
    char key[LK_KEY_MAX];
    char aux_key[LK_KEY_MAX];
    char value[LK_VALUE_MAX];
    char epoch_key[LK_KEY_MAX];
    int64_t num;
    unsigned char has_aux, has_value, has_epoch;
    uint32_t cmd_off, cmd_len; /* COMMAND: its argv in run->cmd_log (u32 argc, then argc x (u32 length, bytes)) */
} sim_log_entry;

typedef struct sim_oracle_state {
    int lock_key_count;
    char lock_key[SIM_LOCK_KEYS_MAX][LK_KEY_MAX]; /* watched keys */
    sim_lease lease[SIM_LOCK_KEYS_MAX];           /* the current lease of each watched key */
    int schema_count;
    struct {
        char exclusive[LK_KEY_MAX]; /* a string: the exclusive holder's token, its TTL the lease ("": none) */
        char shared[LK_KEY_MAX];    /* a sorted set: shared holders scored by their lease's end, server ms ("": none) */
        int owner;                  /* thread index + 1 that took the exclusive lease by its own op; 0 unknown */
        char queue[LK_KEY_MAX];     /* a sorted set of waiters' tokens in arrival order ("": none): drawn, not judged */
    } schema[SIM_SCHEMAS_MAX];      /* scripted locks' lease schemas (sim_oracle_schema.c) */
    int instance_count;
    struct {
        int proc;
        char key[LK_KEY_MAX];
        int64_t id;
    } instance[SIM_INSTANCES_MAX]; /* first instance id seen per (process, key) */
} sim_oracle_state;

typedef struct sim_verdict {
    int set;                   /* 1 once a violation was recorded; the first one wins */
    char oracle[SIM_NAME_MAX]; /* e.g. "lease_safety" */
    int step;                  /* decisions executed when it was found (end-of-run checks: all of them) */
    char msg[SIM_MSG_MAX];     /* what happened */
} sim_verdict;

/* Coverage probes (FoundationDB's code probes, Antithesis's "sometimes"): named rare states a race class needs.
 * A run counts the executions that reached each; --require-probes fails a run that never reached one, so a green
 * nightly proves it exercised each race. NAME, name, the state. */
#define SIM_PROBE_MAP(X)                                                                                               \
    X(TTL_EXPIRED_IN_CS, "ttl_expired_in_cs", "a holder used its guarded resource after its lease expired")            \
    X(STALE_RELEASE, "stale_release", "a release found another holder's token (a stale-token release)")                \
    X(CLEAR_WHILE_HELD, "clear_while_held", "a clear revoked a live lease")                                            \
    X(WALL_STEP_DURING_HOLD, "wall_step_during_hold", "the server's wall clock stepped while a lease was live")        \
    X(WAIT_ON_CRASHED_HOLDER, "wait_on_crashed_holder", "an acquire found the lock held by a crashed holder")          \
    X(RENEWAL_RACING_EXPIRY, "renewal_racing_expiry", "an extend found the lease gone or taken")                       \
    X(FENCE_REFUSED, "fence_refused", "a guarded resource refused a stale fencing number")

typedef enum sim_probe_id {
#define SIM_PROBE_ENUM(name, label, doc) SIM_PROBE_##name,
    SIM_PROBE_MAP(SIM_PROBE_ENUM)
#undef SIM_PROBE_ENUM
        SIM_PROBE_COUNT_
} sim_probe_id;

/* Built-in probes, then the scenario's own (sim_scenario.own_probes), in one index space. */
enum { SIM_PROBES_MAX = SIM_PROBE_COUNT_ + SIM_OWN_PROBES_MAX };

/* Something an oracle saw that the design allows (a lease lost to a restart or a wall step): reported, not a
 * violation. */
typedef struct sim_note {
    char oracle[SIM_NAME_MAX];
    int step;
    char msg[SIM_MSG_MAX];
} sim_note;

/* The threads a scenario declared interchangeable (sim_symmetric) and its per-client slots (sim_symmetric_slots):
 * constant through an execution, read by the search up to symmetry (sim_symmetry.c). count 0: none declared. */
enum { SIM_SYM_SLOTS_MAX = 4 };
typedef struct sim_symmetry {
    int first, count; /* threads first .. first + count - 1 */
    int slot_count;
    struct {
        unsigned char *base; /* client k's slot: [base + k * stride, + size) in the heap */
        size_t stride, size;
        int idx_off; /* an int holding the client's 0-based number, or -1 */
    } slot[SIM_SYM_SLOTS_MAX];
} sim_symmetry;

/* The heap inside the arena: power-of-two size classes with free lists (offsets, not pointers). */
enum { SIM_HEAP_CLASSES = 16, SIM_HEAP_MIN = 32 };

struct sim_run {
    sim_fiber_host host; /* the scheduler's context (its sp points at the OS stack: not state) */
    /* From param to alloc_count: left out of fingerprints (one span, sim_snapshot.c): what describes the past (the
     * decision count, fault counts by kind, the violation, probes, notes), what belongs to the host process (the
     * backend), what is constant through a search (the parameters, the ignored oracles). */
    int64_t param[SIM_PARAMS_MAX]; /* scenario params, in the scenario's order */
    int step;                      /* decisions executed */
    int store_faults;              /* store faults executed (reply-lost, conn-error, late-timeout) */
    sim_verdict violation;
    unsigned char probe[SIM_PROBES_MAX]; /* 1 once this execution reached the probe's state */
    uint32_t unchecked;                  /* bit k: expectation k (of the scenario's list) was not checked */
    int reply_losts;                     /* reply-lost faults executed */
    int conn_errors;                     /* conn-error faults executed */
    int late_timeouts;                   /* late-timeout faults executed */
    int fault_counts_read;               /* a thread read the fault counts (sim_faults, sim_fault_count) since the
                                            last decision: DPOR makes that decision's event dependent on all */
    int ignored_count;                   /* oracles whose violations are notes (--ignore-oracle) */
    char ignored[SIM_IGNORED_MAX][SIM_NAME_MAX];
    sim_symmetry symmetry;             /* declared at setup, constant (its addresses are not state) */
    int note_count;                    /* notes kept (at most SIM_NOTES_MAX) */
    int notes_dropped;                 /* notes beyond that, counted */
    char setup_error[SIM_MSG_MAX];     /* sim_setup_error */
    const struct sim_backend *backend; /* the real store in lockstep, or NULL (outside the arena: not state) */
    char backend_error[SIM_MSG_MAX];   /* what happened, with the op */
    int64_t alloc_count;               /* allocations so far */
    const sim_scenario *scenario;      /* static table entry */
    int variant;                       /* index into scenario->variants */
    int64_t rtt_ns;                    /* virtual round-trip time of a store op */
    uint64_t seed;                     /* this execution's seed */
    int64_t now_ns;                    /* global virtual time since the start */
    int64_t server_wall_offset_ms;     /* the store server's wall clock minus virtual time */
    int advances;                      /* time-advance decisions executed */
    int faults;                        /* fault decisions executed (wall, pause, crash, fault, restart) */
    int crashes;                       /* crash decisions executed */
    int wall_steps;                    /* wall-clock steps executed (the server's and the processes') */
    int pauses;                        /* pause decisions executed */
    int restarts;                      /* store restarts executed */
    int current;                       /* running thread index, -1 in the scheduler */
    int thread_count;
    int proc_count;
    int mutex_count;
    int blocked_clients;         /* connections blocked in BLPOP/BRPOP on the server (client[i] BLOCKED) */
    int64_t backend_timeouts_ms; /* lockstep: the real server checked blocked timeouts up to this server ms */
    int resource_count;
    int log_ops;                        /* 1: remember applied store ops (a lose-last restart may come) */
    int oracle_silent;                  /* 1 while the store is rebuilt from the log: oracles only track */
    int log_count;                      /* entries in 'log' */
    int log_overflow;                   /* 1 if more ops were applied than the log holds */
    void *scenario_state;               /* sim_state_set */
    int backend_failed;                 /* 1 once the real store failed or disagreed */
    uint64_t rng[4];                    /* entropy outside any thread (setup) */
    int64_t alloc_fail_at;              /* fail the Nth allocation (1-based), 0 = never */
    size_t heap_used;                   /* bump offset into the heap region */
    size_t heap_free[SIM_HEAP_CLASSES]; /* free-list heads: offsets + 1 into the heap, 0 = empty */
    unsigned char *heap;                /* the heap region (inside the arena) */
    size_t heap_size;
    unsigned char *stacks; /* the stack region (inside the arena) */
    size_t stack_size;     /* per thread, usable bytes (a guard page lies below each) */
    /* Tables, cleared by the previous execution's counts (sim_arena_reset): every field above this line is a scalar
     * or a small array that the reset zeroes whole; add new fields above it unless they are a table with a count. */
    sim_thread thread[SIM_THREADS_MAX];
    sim_process proc[SIM_PROCS_MAX];
    sim_mutex mutex[SIM_MUTEXES_MAX];
    sim_oracle_state oracle;
    sim_note note[SIM_NOTES_MAX];
    sim_resource resource[SIM_RESOURCES_MAX];
    /* Large tables last: the store clears its used slots; log entries beyond log_count are never read. */
    sim_store_model store;
    /* Thread i's two connections to the store: client[i] (id i) for its commands (MULTI, WATCH, blocking pops), and
     * client[SIM_THREADS_MAX + i] (id SIM_THREADS_MAX + i) for pub/sub (SUBSCRIBE, UNSUBSCRIBE, reads), kept apart
     * as redis-py's PubSub and Redisson keep one, so a subscribed thread can still send commands. */
    sim_redis_client client[2 * SIM_THREADS_MAX];
    uint32_t cmd_log_len;                     /* bytes of cmd_log in use */
    unsigned char cmd_log[SIM_CMD_LOG_BYTES]; /* the logged commands' arguments (sim_log_entry.cmd_off) */
    sim_log_entry log[SIM_LOG_MAX];
    /* The arena's own bookkeeping, after every table: no execution state (never reset, hashed or snapshot). */
    size_t guarded_stack_size; /* the stack size the guard pages are placed for, bytes */
    int keep_metrics;          /* 1: record metrics whether or not the scenario reads them (sim_run_keep_metrics) */
    int script_file_count;     /* the scenarios' script files read so far in this process (sim_script) */
    struct sim_script_file {
        char path[SIM_SCRIPT_PATH_MAX]; /* as the scenario named it */
        char sha[41];                   /* SHA-1 of its bytes */
        uint32_t len;                   /* bytes */
        char body[SIM_SCRIPT_FILE_MAX]; /* its bytes and a NUL */
    } script_file[SIM_SCRIPTS_MAX];
};

/* ---- shared between simulator modules --------------------------------------------------------------------------- */

/* Server wall clock at virtual time 'ns'. */
static inline lk_wall_ms sim__server_ms(const sim_run *run, int64_t ns) {
    return SIM_EPOCH_WALL_MS + ns / 1000000 + run->server_wall_offset_ms;
}
/* Every process's metrics of the execution in 'run', merged into '*out' (cleared first): what `--metrics` writes.
 * The sets record only while a scenario reads them (reads_metrics) or after sim_run_keep_metrics(run, 1); the
 * metric_agreement oracle checks every event either way. */
void sim_run_metrics(const sim_run *run, lk_metric_set *out);
void sim_run_keep_metrics(sim_run *run, int on);

/* Thread i's pub/sub connection (sim_run.client). */
#define SIM_PUBSUB_CONN(i) (SIM_THREADS_MAX + (i))
/* 1 if 'p' sends something to the store (a store fault can hit it): a store op other than a read of what the server
 * pushed on the connection (LK_OP_READ waits on the client's side only). */
static inline int sim__pending_sends(const sim_pending *p) {
    return p->vop == SIM_VOP_STORE && p->op.kind != LK_OP_READ;
}
/* Marks probe 'p' as reached in this execution. */
static inline void sim__probe(sim_run *run, sim_probe_id p) {
    if (!run->oracle_silent) run->probe[p] = 1;
}
#endif
