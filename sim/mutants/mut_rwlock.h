/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mut_rwlock.h: reader-writer lock protocols as data, so one scenario runs lk_rwlock or a known-bad protocol on the
 * same lk_rwlock object and env. Mutants are canaries: the simulator must keep finding each one's race.
 *
 *   core                  lk_rwlock
 *   count_get_set         readers kept as a count read with GET and written with SET, and the writer checked by a
 *                         GET before: two readers both read the old count (one is lost), so a writer gets in while
 *                         a reader still reads
 *   no_writer_preference  a reader is let in while a writer waits: readers that overlap keep a writer out until its
 *                         deadline
 *   reader_pins           writer preference kept, but a reader has no lease of its own (only its release removes
 *                         it): a reader that crashed while holding keeps every writer out for good
 */
#ifndef RACEBED_SIM_MUT_RWLOCK_H
#define RACEBED_SIM_MUT_RWLOCK_H

#include "core/lk_rwlock.h"

typedef struct mut_rw_protocol {
    const char *name;
    lk_rc (*acquire)(lk_rwlock *rw, lk_rw_mode mode, lk_mono_ns deadline_mono_ns, lk_outcome *out);
    lk_rc (*release)(lk_rwlock *rw, lk_outcome *out);
} mut_rw_protocol;

extern const mut_rw_protocol mut_rw_core;
extern const mut_rw_protocol mut_rw_count_get_set;
extern const mut_rw_protocol mut_rw_no_writer_preference;
extern const mut_rw_protocol mut_rw_reader_pins;

#endif
