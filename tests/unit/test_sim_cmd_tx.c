/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_cmd_tx.c: proves the model's transactions (sim/model/sim_cmd_tx.c) follow Redis 7.0's rules for MULTI,
 * EXEC, DISCARD, WATCH and UNWATCH on two connections of one key space.
 *
 * How: scripted exchanges, each reply as redis-server 7.0.15 gives it (checked by hand, and the random conformance
 * test in tests/redis/ compares the same rules against a real server). Covered: queuing and EXEC's array of replies,
 * a runtime error inside EXEC that does not stop the others, EXECABORT after a command refused while queuing, a
 * refused EXEC itself, nested MULTI and WATCH inside MULTI (errors that do not abort), and what aborts a watched
 * transaction: a write by another connection or by the watcher itself, a same-value write, a lazy expiry deleting a
 * live watched key, and a watched key that expires before EXEC; and what does not: a failed conditional write, a
 * write to another key, UNWATCH, and a key that was already expired when watched and is then deleted.
 */
#include "tests/unit/sim_redis_test.h"

enum { T0 = 1000000 };

typedef struct tx_fixture {
    sim_keyspace ks;
    sim_redis_client a, b;
} tx_fixture;

static int tx_setup(void **state) {
    tx_fixture *f = malloc(sizeof(*f));
    if (f == NULL) return -1;
    sim_ks_init(&f->ks);
    sim_redis_client_init(&f->a, 0);
    sim_redis_client_init(&f->b, 1);
    *state = f;
    return 0;
}

static int tx_teardown(void **state) {
    free(*state);
    return 0;
}

#define A(line, want) redis_expect_client(&f->ks, &f->a, T0, line, want)
#define B(line, want) redis_expect_client(&f->ks, &f->b, T0, line, want)

static void test_sim_cmd_tx_queue_and_exec(void **state) {
    tx_fixture *f = *state;
    A("MULTI", "OK");
    A("SET k 1", "QUEUED");
    A("INCR k", "QUEUED");
    A("LPUSH k x", "QUEUED"); /* WRONGTYPE at run time: reported in place, the rest still runs */
    A("GET k", "QUEUED");
    B("GET k", "(nil)"); /* nothing ran yet */
    A("EXEC", "[OK, (integer) 2, (error) WRONGTYPE Operation against a key holding the wrong kind of value, \"2\"]");
    A("EXEC", "(error) ERR EXEC without MULTI");
    A("DISCARD", "(error) ERR DISCARD without MULTI");
    A("MULTI", "OK");
    A("MULTI", "(error) ERR MULTI calls can not be nested");
    A("WATCH k", "(error) ERR WATCH inside MULTI is not allowed");
    A("EXEC", "[]"); /* neither error aborts the transaction */
    assert_null(sim_ks_check(&f->ks));
}

static void test_sim_cmd_tx_refused_commands_abort(void **state) {
    tx_fixture *f = *state;
    A("MULTI", "OK");
    A("SET k", "(error) ERR wrong number of arguments for 'set' command");
    A("SET k 1", "QUEUED");
    A("EXEC", "(error) EXECABORT Transaction discarded because of previous errors.");
    A("GET k", "(nil)");
    A("MULTI", "OK");
    A("NOSUCH x", "(error) ERR unknown command 'NOSUCH' (racebed's model knows the commands of core/lk_command.h), "
                  "with args beginning with: 'x' ");
    A("EXEC", "(error) EXECABORT Transaction discarded because of previous errors.");
    A("MULTI", "OK");
    A("SET k 1", "QUEUED");
    A("EXEC extra", "(error) EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command");
    A("EXEC", "(error) ERR EXEC without MULTI");
    A("GET k", "(nil)");
    A("MULTI", "OK");
    A("SET k 1", "QUEUED");
    A("DISCARD", "OK");
    A("GET k", "(nil)");
}

static void test_sim_cmd_tx_watch_aborts(void **state) {
    tx_fixture *f = *state;
    A("SET k v", "OK");
    A("WATCH k", "OK");
    B("SET k v", "OK"); /* the same value still counts as a write */
    A("MULTI", "OK");
    A("SET k mine", "QUEUED");
    A("EXEC", "(nil)");
    A("GET k", "\"v\"");
    A("WATCH k", "OK");
    A("SET k own", "OK"); /* the watcher's own write aborts it too */
    A("MULTI", "OK");
    A("EXEC", "(nil)");
    A("WATCH k", "OK");
    B("SET k x NX", "(nil)");  /* a failed conditional write changes nothing */
    B("SET other 1", "OK");    /* another key */
    B("HDEL k f", "(error) WRONGTYPE Operation against a key holding the wrong kind of value");
    A("MULTI", "OK");
    A("INCR other", "QUEUED");
    A("EXEC", "[(integer) 2]");
    A("WATCH k", "OK");
    A("UNWATCH", "OK");
    B("DEL k", "(integer) 1");
    A("MULTI", "OK");
    A("EXEC", "[]"); /* unwatched: no abort */
}

static void test_sim_cmd_tx_watch_and_expiry(void **state) {
    tx_fixture *f = *state;
    /* a watched key that expires before EXEC aborts it, even though nothing deleted it */
    redis_expect_client(&f->ks, &f->a, T0, "SET k v PX 10", "OK");
    redis_expect_client(&f->ks, &f->a, T0, "WATCH k", "OK");
    redis_expect_client(&f->ks, &f->a, T0 + 11, "MULTI", "OK");
    redis_expect_client(&f->ks, &f->a, T0 + 11, "EXEC", "(nil)");
    /* a key already expired when watched, then deleted by a lazy expiry: logically no change, no abort */
    redis_expect_client(&f->ks, &f->a, T0 + 5, "SET k v PX 10", "OK");
    redis_expect_client(&f->ks, &f->a, T0 + 20, "WATCH k", "OK");
    redis_expect_client(&f->ks, &f->b, T0 + 20, "GET k", "(nil)"); /* deletes it */
    redis_expect_client(&f->ks, &f->a, T0 + 20, "MULTI", "OK");
    redis_expect_client(&f->ks, &f->a, T0 + 20, "EXEC", "[]");
    /* but a key already expired when watched and then written is a change */
    redis_expect_client(&f->ks, &f->a, T0, "SET k v PX 10", "OK");
    redis_expect_client(&f->ks, &f->a, T0 + 20, "WATCH k", "OK");
    redis_expect_client(&f->ks, &f->b, T0 + 20, "SET k w", "OK");
    redis_expect_client(&f->ks, &f->a, T0 + 20, "MULTI", "OK");
    redis_expect_client(&f->ks, &f->a, T0 + 20, "EXEC", "(nil)");
    /* a live watched key deleted by a lazy expiry before EXEC aborts it */
    redis_expect_client(&f->ks, &f->a, T0, "SET k v PX 10", "OK");
    redis_expect_client(&f->ks, &f->a, T0, "WATCH k", "OK");
    redis_expect_client(&f->ks, &f->b, T0 + 20, "GET k", "(nil)");
    redis_expect_client(&f->ks, &f->a, T0 + 20, "MULTI", "OK");
    redis_expect_client(&f->ks, &f->a, T0 + 20, "EXEC", "(nil)");
    assert_int_equal(f->ks.watch_count, 0); /* every EXEC ended its watches */
    redis_expect(&f->ks, T0, "MULTI", "(error) ERR racebed model: multi needs a connection (sim_redis_exec_client)");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sim_cmd_tx_queue_and_exec, tx_setup, tx_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_tx_refused_commands_abort, tx_setup, tx_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_tx_watch_aborts, tx_setup, tx_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_tx_watch_and_expiry, tx_setup, tx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
