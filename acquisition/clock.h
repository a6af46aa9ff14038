/* SPDX-License-Identifier: MIT */
/* acquisition/clock.h: monotonic nanosecond time and the session clock (one wall-clock anchor per
 * session; STYLE.md 3.6). Session time is ns since the session start. */
#ifndef MC_ACQUISITION_CLOCK_H
#define MC_ACQUISITION_CLOCK_H

#include <stdint.h>

/** CLOCK_MONOTONIC in ns. Thread: any. */
int64_t mc_clock_now_ns(void);

/** CLOCK_REALTIME in ns since the Unix epoch. Thread: any. */
int64_t mc_clock_unix_ns(void);

/** Sleep until a CLOCK_MONOTONIC time, or at most `max_ns` (so that a stop flag can be polled).
 *  Thread: any. @return 1 when the target time was reached, 0 when it returned early */
int mc_clock_sleep_until(int64_t mono_ns, int64_t max_ns);

/** A session's time origin: the same instant on the monotonic and on the wall clock. */
typedef struct mc_session_clock {
    int64_t mono0_ns; /* CLOCK_MONOTONIC at the session start */
    int64_t unix0_ns; /* CLOCK_REALTIME at the same instant */
} mc_session_clock;

/** Take both clocks at one instant (the wall clock read between two monotonic reads, each taken
 *  at their midpoint). Thread: any. */
mc_session_clock mc_session_clock_start(void);

/** Session time of a monotonic time, ns. Thread: any. */
int64_t mc_session_clock_from_mono(const mc_session_clock *c, int64_t mono_ns);

#endif
