/* SPDX-License-Identifier: MIT */
/* dsp/status.c: status strings from the MC_STATUS_MAP table, and the diagnostic helpers. */
#include "dsp/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *mc_strerror(mc_status s)
{
    switch (s) {
#define X(name, value, text)                                                                       \
    case MC_##name:                                                                                \
        return text;
        MC_STATUS_MAP(X)
#undef X
    }
    return "unknown status";
}

void mc_diag_clear(mc_diag *d)
{
    if (!d)
        return;
    d->message[0] = '\0';
    d->offset = -1;
    d->line = -1;
}

mc_status mc_diag_set(mc_diag *d, mc_status s, int64_t offset, int64_t line, const char *fmt, ...)
{
    if (!d)
        return s;
    d->offset = offset;
    d->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof d->message, fmt, ap);
    va_end(ap);
    return s;
}

int mc_size_mul(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 0;
    *out = a * b;
    return 1;
}
