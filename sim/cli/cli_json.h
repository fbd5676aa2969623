/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_json.h: the one JSON document a command writes with --json (its schema: reports/schema/racebed-result.schema.json).
 * A document is an object built while the command runs, from the same values its text lines are worded from, and
 * written to stdout once, when the command ends, with its exit code.
 *
 * Invariant: jansson is used in cli_json.c only; every other module sees opaque nodes. With --json, stdout holds
 * this document and nothing else.
 * Errors: an allocation that fails is counted on the document (the member or node is then missing, and functions
 * given a node that could not be made do nothing); cli_json_write refuses a document with a failure counted.
 */
#ifndef RACEBED_SIM_CLI_CLI_JSON_H
#define RACEBED_SIM_CLI_CLI_JSON_H

#include <stdint.h>

typedef struct cli_json cli_json; /* a document: owned by its creator (cli_json_new / cli_json_free) */

/* An object or array inside a document, passed by value: valid until cli_json_free of 'doc'. */
typedef struct cli_jnode {
    cli_json *doc; /* the document it belongs to (NULL: no document) */
    void *value;   /* the node (NULL: it could not be made) */
} cli_jnode;

/* A new document {"racebed": VERSION, "command": 'command'}; NULL when out of memory. 'command' is copied. */
cli_json *cli_json_new(const char *command);
/* Frees 'j' and every node in it. Accepts NULL. */
void cli_json_free(cli_json *j);
/* The top-level object ('j' may be NULL: every function then does nothing). */
cli_jnode cli_json_root(cli_json *j);

/* The object (or array) member 'key' of object 'o', created empty if absent. */
cli_jnode cli_json_object(cli_jnode o, const char *key);
cli_jnode cli_json_array(cli_jnode o, const char *key);
/* A new empty object appended to array 'arr'. */
cli_jnode cli_json_push_object(cli_jnode arr);

/* Sets member 'key' of object 'o' (replacing it). A NULL 'value' sets null. Strings are copied. */
void cli_json_set_str(cli_jnode o, const char *key, const char *value);
void cli_json_set_int(cli_jnode o, const char *key, int64_t value);
void cli_json_set_real(cli_jnode o, const char *key, double value);
void cli_json_set_bool(cli_jnode o, const char *key, int value);
/* Appends string 'value' to array 'arr'. */
void cli_json_push_str(cli_jnode arr, const char *value);

/* Sets "exit_code", "exit_meaning" (static text) and "elapsed_s", then writes the document, indented, with a final newline, to stdout. Returns 0,
 * or -1 with the reason printed on stderr (out of memory while building it, or stdout failed). */
int cli_json_write(cli_json *j, int exit_code, const char *exit_meaning, double elapsed_s);

#endif
