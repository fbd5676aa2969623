/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_scenario.h: the public scenario API. racebed's own scenarios and mutants use exactly this; a user's scenario
 * is one C file against it, built in with `make SCENARIO=path/to/my_scenario.c`.
 *
 * A scenario declares its parameters (with defaults and bounds) and its variants ("core", "mutant:NAME"), and a
 * setup function that creates simulated processes and their virtual threads. Thread bodies call the core lock API
 * and the store primitives through the process's lk_env (sim_env()); every store op, sleep, sync op, yield and
 * oracle event is a scheduling point, so the simulator decides the interleaving. Thread bodies must not read real
 * time, call rand(), or block in the OS; everything they need comes from the env.
 *
 * Redis commands: a thread may send any command of core/lk_command.h with lk_env_command(sim_env(self), &reply,
 * argc, argv, argv_len) (strings, expiry, hashes, lists, sorted sets, SCAN, MULTI/EXEC/WATCH, EVAL/EVALSHA Lua
 * scripts, which must declare every key they use in KEYS): one visible op, run on
 * the same keys as the lock core's ops, Redis's reply (error replies included) written to an lk_reply whose buffers
 * the thread owns (core/lk_reply.h). Each thread has its own connection: its MULTI queue and its WATCHes are its own,
 * and end when it crashes or the store restarts. A command may read a key declared with sim_lock_key() but not
 * change it (the lease oracle follows lock keys through the lk_ ops): that is a setup error naming the key.
 * BLPOP and BRPOP block as in Redis: when every key is empty the call returns only once another thread's command
 * served it ([key, element]) or its timeout passed on the server's wall clock (nil); a restart ends it with
 * LK_ESTORE_DOWN. A thread blocked without a timeout while no other thread can run is a deadlock verdict.
 *
 * Lifetimes: all memory a scenario gets from sim_state_alloc(), sim_env() or the env's alloc lives in the run arena
 * and is valid until the execution ends. Names are copied.
 *
 * What racebed catches in scenario code: each virtual thread runs on a 128 KiB stack (512 KiB in the sanitizer
 * build; the built-in parameter stack_kib sets it) with a guard page below it (keep large buffers in
 * sim_state_alloc() memory, not in locals); a crash in a thread body, setup() or finish() (a
 * signal, a stack overflow) and a thread that runs busy_ms of CPU without a visible op (a busy-wait that never lets
 * the thread it waits for run) are reported as the verdicts scenario_crash and busy_loop, with a schedule that
 * replays to them. State kept outside the run arena (a static or global variable) makes executions irreproducible;
 * racebed reports it as the scenario's nondeterminism, naming the first step at which two runs of one seed differ.
 * Code a thread runs before its first visible op runs before any other thread is scheduled: it never interleaves.
 */
#ifndef RACEBED_SIM_SIM_SCENARIO_H
#define RACEBED_SIM_SIM_SCENARIO_H

#include <stdint.h>

#include "core/lk_env.h"

typedef struct sim_run sim_run;       /* one execution (opaque) */
typedef struct sim_thread sim_thread; /* a virtual thread (opaque) */

/* A scenario parameter: integer, with its default and inclusive bounds. Units belong in the name (ttl_ms). */
typedef struct sim_param_def {
    const char *name;
    int64_t def;
    int64_t min;
    int64_t max;
    const char *help;
} sim_param_def;

/* A variant: "core" or "mutant:NAME", with a one-line description (for `racebed list`). */
typedef struct sim_variant_def {
    const char *name;
    const char *description;
} sim_variant_def;

typedef struct sim_scenario {
    const char *name;            /* [a-z0-9_]+, unique */
    const char *description;     /* one line */
    const sim_param_def *params; /* 'param_count' entries */
    int param_count;
    const sim_variant_def *variants; /* 'variant_count' entries; the first is "core" */
    int variant_count;
    /* Creates processes and threads for one execution (runs outside any virtual thread: no visible ops here).
     * Returns 0, or -1 after sim_setup_error(). */
    int (*setup)(sim_run *run);
    /* Called once after every thread ended with no violation: checks the scenario's expectations (may be NULL). */
    void (*finish)(sim_run *run);
    /* Fault kinds `racebed run` injects when no --faults is given ("restart,wall-step"), or NULL for none: the
     * races of this class need them. */
    const char *faults;
    /* The coverage probes (sim_run.h's SIM_PROBE_MAP names, a comma list) a run must reach to have exercised this
     * race class, or NULL: what `--require-probes race` requires (the nightly, the CLI tests). */
    const char *probes;
    /* The expectations it may raise with sim_violation() ("expect_one_winner,liveness"), a comma list, or NULL for
     * none: `--oracle` accepts these beside the built-in oracles, and raising an undeclared name ends the execution
     * with a setup error naming it (a typo never becomes a verdict no search asked for). */
    const char *expectations;
    /* The scenario's own coverage probes (sim_probe), a comma list of at most 16 names, or NULL: counted and
     * requirable (--require-probes) like the built-in ones; reaching an undeclared one is a setup error. */
    const char *own_probes;
    /* Each mutant's canary: the oracle it must be killed by, a comma list of MUTANT=ORACLE without "mutant:"
     * ("plain_del=no_foreign_delete,get_compare_del=no_foreign_delete"), or NULL. `racebed list --oracles` prints
     * which mutants kill each oracle; `make demo` fails when a mutant is killed by another oracle than declared and
     * flags every oracle no mutant kills. */
    const char *canaries;
    /* 1: each thread stops at a visible op ("yield start") before its body runs, so code before its first visible
     * op interleaves with other threads; 0 (the default, and how racebed's corpus was recorded): it runs at once. */
    int start_yield;
    /* 1: finish() or a thread reads sim_metric, so metrics are part of the searched state. 0 (the default): a
     * hash-mode search leaves metrics out of a state's fingerprint, so states that differ only in how many tries
     * happened merge; metric_agreement still checks every metric event as it happens. */
    int reads_metrics;
    /* The scenario's own defaults for built-in parameters (e.g. {"advances_max", 0}), or NULL; 'override_count'
     * entries. */
    const struct sim_param_override *overrides;
    int override_count;
} sim_scenario;

/* Values of the built-in parameters wall_step_clocks and wall_step_signs (bit sets; the words work on the command
 * line too: server, clients, all; +, -, +-): which clocks an exhaustive search steps by wall_step_ms, and which ways. */
enum { SIM_WALL_CLOCKS_SERVER = 1, SIM_WALL_CLOCKS_CLIENTS = 2, SIM_WALL_CLOCKS_ALL = 3 };
enum { SIM_WALL_SIGNS_FORWARD = 1, SIM_WALL_SIGNS_BACKWARD = 2, SIM_WALL_SIGNS_BOTH = 3 };
/* Values of the built-in parameter entropy: seeded (each thread's own stream from the seed), or ids (each draw an
 * identifier that names the drawing thread, and jitter fixed: what the search up to symmetry needs, sim_ids.h). */
enum { SIM_ENTROPY_SEEDED = 1, SIM_ENTROPY_IDS = 2 };

/* A default the scenario sets for a built-in parameter. */
typedef struct sim_param_override {
    const char *name;
    int64_t value;
} sim_param_override;

/* Defines the scenario table entry for a scenario file; the file's base name must be 'name'. */
#define SIM_SCENARIO_DEFINE(name) const sim_scenario sim_scenario_##name

typedef void (*sim_thread_fn)(sim_thread *self, void *arg);

/* ---- setup ---------------------------------------------------------------------------------------------------- */

/* Value of parameter 'name' for this execution (the scenario must declare it; asserts otherwise). */
int64_t sim_param(const sim_run *run, const char *name);
/* Index of the running variant in the scenario's table (0 = core), and its name. */
int sim_variant(const sim_run *run);
const char *sim_variant_name(const sim_run *run);
/* Zeroed memory from the run arena for the scenario's shared state, or NULL (then fail setup). */
void *sim_state_alloc(sim_run *run, size_t size);
/* The state pointer a scenario stored with sim_state_set, or NULL. */
void sim_state_set(sim_run *run, void *state);
void *sim_state(const sim_run *run);
/* Creates a simulated process named 'name' (its own env and clocks). Returns its index, or -1 at the limit. */
int sim_process_new(sim_run *run, const char *name);
/* The env of process 'proc': valid until the execution ends. */
const lk_env *sim_process_env(sim_run *run, int proc);
/* Creates a virtual thread 'name' (stable: it names the thread in schedule files) in process 'proc' that starts at
 * virtual time 'start_ns' and runs fn(self, arg). Returns the thread index, or -1 at the limit. */
int sim_thread_new(sim_run *run, int proc, const char *name, int64_t start_ns, sim_thread_fn fn, void *arg);
/* The common shape "n independent clients": creates processes p1..pn, each with one thread c1..cn running
 * fn(self, arg); client i (1-based) starts at (i-1) * 'start_gap_ns'. Returns 0, or -1 after sim_setup_error. */
int sim_clients_new(sim_run *run, int n, int64_t start_gap_ns, sim_thread_fn fn, void *arg);
/* Marks thread 'thread' as an administrator: its deletes of other holders' locks (a clear) are revocations by
 * design, not foreign deletes; a revoked holder's later accepted resource write is a violation (revoked_write). */
void sim_thread_admin(sim_run *run, int thread);
/* Declares threads 'first' .. 'first' + 'count' - 1 interchangeable, for the search over states up to symmetry
 * (--symmetry on): their clients' roles may be swapped, and a state is stored once for all its renamings. Each must
 * be a scenario thread alone in its own process. The contract the scenario signs (checked only by comparing the
 * search with and without symmetry, tests/unit/test_sim_symmetry.c):
 *  - the threads run the same code, and tell themselves apart only by what is renamed: their thread and process
 *    index, their rows, stacks, processes and connections, the slots declared below, and their tokens (draws);
 *  - any data of the scenario's own indexed by client (an array of flags, each client's argument) is declared with
 *    sim_symmetric_slots; nothing else holds a client's index, name or thread pointer;
 *  - draws are used as tokens compared only for equality (never ordered: a sorted set that scores two tokens
 *    equally orders them by their bytes), or as jitter (entropy=ids fixes it);
 *  - code between two visible ops is invisible to other threads (the step loop's own rule, sim_sched.c): threads
 *    due at one instant resume in index order, which a renaming does not follow, so code a client runs after a
 *    timed wake-up (a reply, a sleep) must not read what another client's code writes after its own (a check that
 *    raises a violation may, if the flag it reads is cleared before any timed op: spin_anchor's in_cs);
 *  - a pointer into a declared slot names that client's slot (a cursor over all the slots, kept across a visible
 *    op, would be renamed with the client it points at), and nothing depends on heap addresses, which follow the
 *    order threads allocate in.
 * Returns 0, or -1 after sim_setup_error. */
int sim_symmetric(sim_run *run, int first, int count);
/* Declares per-client data of the scenario for sim_symmetric's threads: client k's slot is the 'size' bytes at
 * 'base' + k * 'stride' (in sim_state_alloc memory); 'idx_off' >= 0: an int at that offset in each slot holds the
 * client's own 0-based number (renamed with it), -1: none. Returns 0, or -1 after sim_setup_error. */
int sim_symmetric_slots(sim_run *run, void *base, size_t stride, size_t size, int idx_off);
/* Declares 'key' a lock key: the lease and leak oracles watch it. Returns 0 or -1 at the limit. */
int sim_lock_key(sim_run *run, const char *key);
/* Declares a scripted lock's lease schema, for the oracle scripted_lease (a generic script's reply says nothing it
 * can read as a grant): 'exclusive_key' a string whose value is the exclusive holder's token and whose TTL is its
 * lease, 'shared_key' a sorted set of shared holders' tokens scored by their lease's end in server ms (either may be
 * NULL). Around every store op the oracle re-reads both from the model store (no scheduling point; nothing expires)
 * and checks: no exclusive holder beside a live shared one; a live lease ends or changes hands only by an op that
 * carries its holder's token (its own release, or a handoff inside it). At most SIM_SCHEMAS_MAX (4) per execution,
 * from setup. Returns 0, or -1 after a setup error. */
int sim_lease_schema(sim_run *run, const char *exclusive_key, const char *shared_key);
/* Names the waiting queue of the scripted lock whose lease schema has 'exclusive_key': 'queue_key' a sorted set of
 * waiters' tokens ("token[:more]") scored by arrival. Reports draw who waits in what order (racebed report); no oracle
 * judges it. Returns 0, or -1 after a setup error (no such schema, or a key too long). */
int sim_lease_queue(sim_run *run, const char *exclusive_key, const char *queue_key);
/* Records why setup failed (shown to the user). */
void sim_setup_error(sim_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reads the Lua script file 'path' (a deployed lock script, byte for byte) the first time a process asks for it and
 * returns its body (NUL-terminated, valid until the process ends), or NULL after sim_setup_error naming the file.
 * Call it in setup. Every schedule a run writes names each such file with its SHA-1 ("script PATH SHA1"), and
 * replay or check stops with a divergence when the file's bytes are no longer those. At most 8 files of 16 KiB; a
 * relative path is from the working directory. */
const char *sim_script(sim_run *run, const char *path);
/* The SHA-1 (40 lower-case hex digits) of a file sim_script() read, for EVALSHA, or NULL. */
const char *sim_script_sha(const sim_run *run, const char *path);

/* ---- inside a thread ------------------------------------------------------------------------------------------ */

/* The env of the thread's process. */
const lk_env *sim_env(const sim_thread *self);
/* The run the thread belongs to. */
sim_run *sim_thread_run(const sim_thread *self);
/* An oracle-visible event (a scheduling point on the oracle's ghost object): "instance" (key, num = instance id)
 * feeds singleton uniqueness; other names are recorded in the trace for the scenario's own checks. */
void sim_event(sim_thread *self, const char *name, const char *key, int64_t num);

/* Reports what the lock core answered about holding 'key': it said "held" about local monotonic instant
 * 'checked_mono_ns' (a scheduling point). The client-validity oracle fires if that instant lies past the holder's
 * lease bound (its last acquire or extend send time + TTL) with no clock drift to excuse it: the core let its
 * holder believe too long. */
void sim_belief(sim_thread *self, const char *key, lk_mono_ns checked_mono_ns);

/* ---- guarded resources: a counter outside the lock service (a database row, a file) ------------------------------ */

/* Creates resource 'name' guarded by lock 'lock_key' (setup). With 'fencing' 1 it refuses a read or write whose
 * fencing number is below the highest it has seen or below an admin's floor; with 0 it trusts the lock. Returns its
 * index, or -1 at the limit. */
int sim_resource_new(sim_run *run, const char *name, const char *lock_key, int fencing);
/* Reads the counter, carrying fencing number 'fence' (a scheduling point on the oracle's ghost object). Returns
 * LK_OK with '*value', or LK_EFENCED (refused: the caller's lock was lost). */
lk_rc sim_resource_read(sim_thread *self, int res, int64_t fence, int64_t *value);
/* Writes the counter, carrying 'fence'. Returns LK_OK or LK_EFENCED. The guarded-resource oracle fires if an
 * accepted write was based on a read that another accepted write has overtaken (a lost update). */
lk_rc sim_resource_write(sim_thread *self, int res, int64_t fence, int64_t value);
/* The usual critical section on a guarded counter: read it, work for 'work_ns' (a sleep), write it + 1, all with
 * 'fence'. Returns LK_OK, or LK_EFENCED when the read or the write was refused. */
lk_rc sim_resource_increment(sim_thread *self, int res, int64_t fence, int64_t work_ns);
/* Raises the resource's fence floor (what a clear publishes): later ops with a lower fence are refused. */
void sim_resource_floor(sim_thread *self, int res, int64_t floor);
/* The counter, its accepted writes and its refusals (for finish()). */
int64_t sim_resource_value(const sim_run *run, int res);
int64_t sim_resource_writes(const sim_run *run, int res);
int sim_resource_refused(const sim_run *run, int res);

/* ---- expectations --------------------------------------------------------------------------------------------- */

/* Number of time-advance decisions taken so far in this execution (expectations often require none). */
int sim_advances(const sim_run *run);
/* The value of metric 'm' in process 'proc' so far, over every kind (what its metrics sink received; a histogram
 * series: its observations). Only for a scenario that declares reads_metrics (otherwise a setup error, and 0). */
int64_t sim_metric(const sim_run *run, int proc, lk_metric m);
/* Number of crash decisions taken so far (a crashed client cannot keep a promise). */
int sim_crashes(const sim_run *run);
/* Number of fault decisions (crash, pause, wall step, store fault, restart) taken so far in this execution. */
int sim_faults(const sim_run *run);
/* Current virtual time since the start of the execution, ns. */
int64_t sim_now_ns(const sim_run *run);
/* Reads 'key' from the store as it is now, without an op (no scheduling point, nothing expires): for end-of-run
 * checks in finish(). Returns 1 and copies the value into 'value' (LK_VALUE_MAX bytes), or 0 if absent. */
int sim_store_peek(const sim_run *run, const char *key, char *value);
/* The same, parsed as a decimal integer; 0 when absent or not a number. */
int64_t sim_store_peek_int(const sim_run *run, const char *key);
/* Fault decisions of one kind taken so far in this execution: 'kind' is a --faults word ("crash", "pause",
 * "wall-step", "restart", "reply-lost", "conn-error", "late-timeout"); -1 for an unknown word. */
int sim_fault_count(const sim_run *run, const char *kind);
/* The calling thread's stable name ("c1"): valid until the execution ends. */
const char *sim_thread_name(const sim_thread *self);
/* 1 if lock key 'key' (declared with sim_lock_key) holds a live lease now by the server's clock, else 0: an oracle
 * query, not a scheduling point and not a store op. */
int sim_lock_held(const sim_run *run, const char *key);
/* Marks the scenario's own probe 'name' (declared in .own_probes) as reached in this execution. */
void sim_probe(sim_run *run, const char *name);
/* Records that expectation 'name' (declared in .expectations) could not be checked in this execution (a fault
 * took away what it is about): racebed prints "NAME checked in N of M executions", and --require-probes NAME fails
 * a run that never checked it. */
void sim_expect_unchecked(sim_run *run, const char *name);

/* Reports a broken expectation as violation 'oracle' (e.g. "expect_one_winner"), which the scenario must declare in
 * its .expectations; the first violation wins. */
void sim_violation(sim_run *run, const char *oracle, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
