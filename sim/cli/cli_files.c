/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_files.c: reading schedule and checkpoint files, the one schedule writer, and the arena (contract in cli.h).
 *
 * Invariant: a schedule file is written whole or reported as not written; a file is never read past CLI_FILE_MAX.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_report.h"
#include "sim/real/sim_redis_backend.h"
#include "sim/run/sim_arena.h"

/* mkdir -p 'path'. Returns 0 or -1 with errno set. */
static int files_mkdir_p(const char *path) {
    char buf[CLI_PATH_MAX];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

char *cli_read_file(const char *path, size_t *len, char *err, size_t cap) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, cap, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t size = 0, alloc = 4096;
    char *buf = malloc(alloc);
    while (buf != NULL) {
        size_t n = fread(buf + size, 1, alloc - size - 1, f);
        size += n;
        if (n == 0) break;
        if (size + 1 == alloc) {
            if (alloc >= CLI_FILE_MAX) {
                snprintf(err, cap, "%s is larger than %d bytes", path, CLI_FILE_MAX);
                free(buf);
                buf = NULL;
                break;
            }
            char *nb = realloc(buf, alloc * 2);
            if (nb == NULL) free(buf);
            buf = nb;
            alloc *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (buf == NULL) {
        if (err[0] == '\0') snprintf(err, cap, "out of memory reading %s", path);
        return NULL;
    }
    if (bad) {
        snprintf(err, cap, "error reading %s", path);
        free(buf);
        return NULL;
    }
    buf[size] = '\0';
    *len = size;
    return buf;
}

int cli_load_schedule_err(const char *path, sim_schedule *s, sim_config *cfg, char *err, size_t cap) {
    char why[512] = "";
    size_t len = 0;
    char *buf = cli_read_file(path, &len, err, cap);
    if (buf == NULL) return EXIT_USAGE;
    sim_schedule_init(s);
    int rc = sim_schedule_parse_buffer(s, buf, len, why, sizeof(why));
    free(buf);
    if (rc == 0 && sim_config_from_schedule(cfg, s, why, sizeof(why)) != 0) rc = -1;
    if (rc != 0) {
        snprintf(err, cap, "%s: %s", path, why);
        sim_schedule_free(s);
        return EXIT_USAGE;
    }
    return 0;
}

int cli_load_schedule(const char *path, sim_schedule *s, sim_config *cfg) {
    char err[CLI_PATH_MAX + 600] = "";
    int rc = cli_load_schedule_err(path, s, cfg, err, sizeof(err));
    if (rc != 0) cli_report_error("%s", err);
    return rc;
}

int cli_save_schedule(const char *dir, const char *path, const sim_schedule *s, const char *comment, char *err,
                      size_t cap) {
    if (dir && files_mkdir_p(dir) != 0) {
        snprintf(err, cap, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    size_t len = 0;
    char *text = sim_schedule_text(s, comment, &len);
    if (text == NULL) {
        snprintf(err, cap, "cannot write %s: the schedule would not read back (or out of memory)", path);
        return -1;
    }
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        snprintf(err, cap, "cannot write %s: %s", path, strerror(errno));
        free(text);
        return -1;
    }
    int bad = fwrite(text, 1, len, f) != len;
    bad |= fclose(f) != 0;
    free(text);
    if (bad) snprintf(err, cap, "error writing %s", path);
    return bad ? -1 : 0;
}

int cli_write_metrics(const sim_run *run, const char *path) {
    lk_metric_set *set = malloc(sizeof(*set));
    char *text = NULL, tmp[CLI_PATH_MAX + 8];
    size_t len = 0;
    if (set != NULL) {
        sim_run_metrics(run, set);
        len = lk_metrics_format(set, NULL, 0);
        if ((text = malloc(len + 1)) != NULL) lk_metrics_format(set, text, len + 1);
        free(set);
    }
    int bad = text == NULL || snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp);
    FILE *f = bad ? NULL : fopen(tmp, "w");
    if (f == NULL) {
        cli_report_error("cannot write metrics to %s: %s", path,
                         text == NULL ? "out of memory"
                         : bad        ? "the path is too long"
                                      : strerror(errno));
        free(text);
        return EXIT_ENV;
    }
    bad = fwrite(text, 1, len, f) != len;
    bad |= fclose(f) != 0;
    free(text);
    if (bad || rename(tmp, path) != 0) {
        cli_report_error("cannot write metrics to %s: %s", path, strerror(errno));
        unlink(tmp);
        return EXIT_ENV;
    }
    return 0;
}

int cli_write_file(const char *path, const char *text, size_t len, char *err, size_t cap) {
    char tmp[CLI_PATH_MAX + 8];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        snprintf(err, cap, "cannot write %s: the path is too long", path);
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        snprintf(err, cap, "cannot write %s (through %s): %s", path, tmp, strerror(errno));
        return -1;
    }
    int bad = fwrite(text, 1, len, f) != len;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        snprintf(err, cap, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

sim_run *cli_arena(void) {
    char err[256];
    sim_run *run = sim_arena_map(err, sizeof(err));
    if (run == NULL) cli_report_error("%s", err);
    return run;
}

void cli_store_redact(const char *spec, char *buf, size_t cap) {
    const char *at = strncmp(spec, "redis://", 8) == 0 ? strrchr(spec + 8, '@') : NULL;
    if (at == NULL) {
        snprintf(buf, cap, "%s", spec);
        return;
    }
    const char *colon = memchr(spec + 8, ':', (size_t)(at - (spec + 8)));
    int user = colon ? (int)(colon - (spec + 8)) : 0; /* "user:password@" keeps the user */
    snprintf(buf, cap, "redis://%.*s:***%s", user, spec + 8, at);
}

int cli_open_store(const char *cmd, const char *spec, sim_backend_handle **backend) {
    char err[512], shown[256];
    *backend = NULL;
    if (spec == NULL) return 0;
    int rc = sim_backend_open(spec, backend, err, sizeof(err));
    if (rc == 0) return 0;
    cli_store_redact(spec, shown, sizeof(shown));
    cli_report_usage_error(cmd, "--store %s: %s", shown, err);
    return rc == -2 ? EXIT_USAGE : EXIT_ENV;
}

int cli_check_writable(const char *path, char *err, size_t cap) {
    char tmp[CLI_PATH_MAX + 8];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        snprintf(err, cap, "cannot write %s: the path is too long", path);
        return -1;
    }
    struct stat st;
    int existed = stat(tmp, &st) == 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, cap, "cannot write %s (through %s): %s", path, tmp, strerror(errno));
        return -1;
    }
    close(fd);
    if (!existed) unlink(tmp);
    return 0;
}
