/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_lua.c: libFuzzer target for the model's Lua bridge (sim/model/sim_lua.h): the input is a script body, checked
 * as fuzz_lua_run.h says (two runs byte for byte equal, a complete reply, the key space's invariants, a reply or a
 * named model limit). Raw bytes reach the parser and the compiler; fuzz_lua_grammar.c reaches the bridge.
 */
#include "tests/fuzz/fuzz_lua_run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;
    fuzz_lua_check((const char *)data, size, NULL);
    return 0;
}
