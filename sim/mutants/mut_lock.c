/* SPDX-License-Identifier: BSD-3-Clause */
/* mut_lock.c: the core protocol as a mut_protocol entry. */
#include "sim/mutants/mut_lock.h"

const mut_protocol mut_core = {"core", lk_mutex_try_acquire, lk_mutex_acquire, lk_mutex_release};
