/* SPDX-License-Identifier: BSD-3-Clause */
/* lk_metrics.c: Prometheus text exposition of an lk_metric_set. Pure. */
#include "core/lk_metrics.h"

#include <inttypes.h>
#include <stdio.h>

size_t lk_metrics_format(const lk_metric_set *set, char *buf, size_t cap) {
    size_t used = 0;
    for (int m = 0; m < LK_METRIC_COUNT_; m++) {
        char line[512];
        int n = snprintf(line, sizeof(line), "# HELP %s %s\n# TYPE %s %s\n%s %" PRId64 "\n", lk_metric_name(m),
                         lk_metric_help(m), lk_metric_name(m), lk_metric_type(m), lk_metric_name(m), set->value[m]);
        if (n < 0) continue;
        if (cap > 0 && used < cap - 1) snprintf(buf + used, cap - used, "%s", line);
        used += (size_t)n;
    }
    if (cap > 0 && used >= cap) buf[cap - 1] = '\0';
    if (cap > 0 && used == 0) buf[0] = '\0';
    return used;
}
