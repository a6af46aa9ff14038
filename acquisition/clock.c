/* SPDX-License-Identifier: MIT */
/* acquisition/clock.c: monotonic and wall clocks. */
#include "acquisition/clock.h"

#include <errno.h>
#include <time.h>

static int64_t read_clock(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t mc_clock_now_ns(void)
{
    return read_clock(CLOCK_MONOTONIC);
}

int64_t mc_clock_unix_ns(void)
{
    return read_clock(CLOCK_REALTIME);
}

int mc_clock_sleep_until(int64_t mono_ns, int64_t max_ns)
{
    int64_t now = mc_clock_now_ns();
    int reached = 1;
    if (max_ns >= 0 && mono_ns - now > max_ns) {
        mono_ns = now + max_ns;
        reached = 0;
    }
    struct timespec ts = {(time_t)(mono_ns / 1000000000), (long)(mono_ns % 1000000000)};
    int rc;
    while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) == EINTR)
        return 0; /* a signal: let the caller look at its flags */
    return rc == 0 ? reached : 0;
}

mc_session_clock mc_session_clock_start(void)
{
    int64_t a = mc_clock_now_ns();
    int64_t w = mc_clock_unix_ns();
    int64_t b = mc_clock_now_ns();
    return (mc_session_clock){a + (b - a) / 2, w};
}

int64_t mc_session_clock_from_mono(const mc_session_clock *c, int64_t mono_ns)
{
    return mono_ns - c->mono0_ns;
}
