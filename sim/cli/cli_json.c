/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_json.c: the --json document, on jansson (contract in cli_json.h). A node's value is a json_t; every failed
 * allocation is counted on the document, so a document short of memory is an error when written, never a gap.
 * Text that is not UTF-8 (a path, a message quoting a file) is written with each byte >= 0x80 as '?': JSON strings
 * are Unicode, and a report must stay valid JSON.
 */
#include "sim/cli/cli_json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/explore/sim_config.h"

/* A document. Guarded by: main's thread. */
struct cli_json {
    json_t *root; /* the top-level object */
    int failed;   /* allocations that failed while building it */
};

cli_json *cli_json_new(const char *command) {
    cli_json *j = calloc(1, sizeof(*j));
    if (j == NULL) return NULL;
    j->root = json_object();
    if (j->root == NULL) {
        free(j);
        return NULL;
    }
    cli_jnode root = cli_json_root(j);
    cli_json_set_str(root, "racebed", RACEBED_VERSION);
    cli_json_set_str(root, "command", command);
    return j;
}

void cli_json_free(cli_json *j) {
    if (j == NULL) return;
    json_decref(j->root);
    free(j);
}

cli_jnode cli_json_root(cli_json *j) {
    return (cli_jnode){j, j ? j->root : NULL};
}

/* Sets member 'key' of object 'o' to 'v' (a new reference, stolen; NULL if it could not be made). Returns 0 or -1
 * (counted). */
static int json_put(cli_jnode o, const char *key, json_t *v) {
    if (o.value == NULL) {
        json_decref(v);
        return -1;
    }
    if (v == NULL || json_object_set_new((json_t *)o.value, key, v) != 0) {
        o.doc->failed++;
        return -1;
    }
    return 0;
}

/* Appends 'v' (stolen) to array 'arr'. Returns 0 or -1 (counted). */
static int json_append(cli_jnode arr, json_t *v) {
    if (arr.value == NULL) {
        json_decref(v);
        return -1;
    }
    if (v == NULL || json_array_append_new((json_t *)arr.value, v) != 0) {
        arr.doc->failed++;
        return -1;
    }
    return 0;
}

/* A JSON string of 'text'; bytes that do not make UTF-8 become '?'. NULL when out of memory. */
static json_t *json_text(const char *text) {
    json_t *s = json_string(text);
    if (s != NULL) return s;
    size_t n = strlen(text);
    char *copy = malloc(n + 1);
    if (copy == NULL) return NULL;
    memcpy(copy, text, n + 1);
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80) *p = '?';
    s = json_string(copy);
    free(copy);
    return s;
}

static cli_jnode json_child(cli_jnode o, const char *key, int array) {
    cli_jnode c = {o.doc, NULL};
    if (o.value == NULL) return c;
    json_t *have = json_object_get((json_t *)o.value, key);
    if (have == NULL || (array ? !json_is_array(have) : !json_is_object(have))) {
        if (json_put(o, key, array ? json_array() : json_object()) != 0) return c;
        have = json_object_get((json_t *)o.value, key);
    }
    c.value = have;
    return c;
}

cli_jnode cli_json_object(cli_jnode o, const char *key) {
    return json_child(o, key, 0);
}

cli_jnode cli_json_array(cli_jnode o, const char *key) {
    return json_child(o, key, 1);
}

cli_jnode cli_json_push_object(cli_jnode arr) {
    json_t *o = json_object();
    cli_jnode c = {arr.doc, o};
    if (json_append(arr, o) != 0) c.value = NULL; /* freed by json_append */
    return c;
}

void cli_json_set_str(cli_jnode o, const char *key, const char *value) {
    json_put(o, key, value ? json_text(value) : json_null());
}

void cli_json_set_int(cli_jnode o, const char *key, int64_t value) {
    json_put(o, key, json_integer((json_int_t)value));
}

void cli_json_set_real(cli_jnode o, const char *key, double value) {
    json_put(o, key, json_real(value));
}

void cli_json_set_bool(cli_jnode o, const char *key, int value) {
    json_put(o, key, json_boolean(value));
}

void cli_json_push_str(cli_jnode arr, const char *value) {
    json_append(arr, json_text(value));
}

int cli_json_write(cli_json *j, int exit_code, const char *exit_meaning, double elapsed_s) {
    if (j == NULL) {
        fputs("racebed: out of memory while building the --json report\n", stderr);
        return -1;
    }
    cli_jnode root = cli_json_root(j);
    cli_json_set_int(root, "exit_code", exit_code);
    cli_json_set_str(root, "exit_meaning", exit_meaning);
    cli_json_set_real(root, "elapsed_s", elapsed_s);
    if (j->failed) {
        fprintf(stderr, "racebed: out of memory while building the --json report (%d members missing)\n", j->failed);
        return -1;
    }
    if (json_dumpf(j->root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) != 0 ||
        fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
        fputs("racebed: cannot write the --json report to stdout\n", stderr);
        return -1;
    }
    return 0;
}
