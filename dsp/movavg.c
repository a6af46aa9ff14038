/* SPDX-License-Identifier: MIT */
/* dsp/movavg.c: causal moving average of the finite samples among the last W, by a running sum
 * over a ring of the last W inputs. */
#include "dsp/movavg.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

struct mc_movavg {
    size_t w;
    float *ring;  /* [w] last w inputs, oldest at pos; NaN stands for any non-finite sample */
    size_t pos;   /* next slot to overwrite */
    double sum;   /* sum of the finite samples in ring */
    size_t count; /* number of finite samples in ring */
};

/* The running sum adds and subtracts float values in double, so each step rounds at most at
 * 2^-53 of the sum; over a long record with a large offset that error would random-walk. The sum
 * is therefore recomputed from the ring each time pos wraps (every w samples, O(1) amortised per
 * sample), which bounds the error to that of w additions. The recomputation depends only on the
 * ring and the sample count, so the output does not depend on how the input is blocked. */
static void recompute(mc_movavg *m)
{
    double sum = 0.0;
    size_t count = 0;
    for (size_t i = 0; i < m->w; i++) {
        if (!isnan(m->ring[i])) {
            sum += (double)m->ring[i];
            count++;
        }
    }
    m->sum = sum;
    m->count = count;
}

mc_status mc_movavg_create(size_t w, mc_movavg **out)
{
    if (!out)
        return MC_EINVAL;
    *out = NULL;
    if (w == 0)
        return MC_EINVAL;
    if (w > SIZE_MAX / sizeof(float))
        return MC_ENOMEM;
    mc_movavg *m = calloc(1, sizeof *m);
    if (!m)
        return MC_ENOMEM;
    m->w = w;
    m->ring = calloc(w, sizeof *m->ring);
    if (!m->ring)
        goto fail;
    mc_movavg_reset(m);
    *out = m;
    return MC_OK;
fail:
    mc_movavg_destroy(m);
    return MC_ENOMEM;
}

void mc_movavg_destroy(mc_movavg *m)
{
    if (!m)
        return;
    free(m->ring);
    free(m);
}

/* An empty window is a window of missing samples: "fewer at the start" needs no special case. */
void mc_movavg_reset(mc_movavg *m)
{
    for (size_t i = 0; i < m->w; i++)
        m->ring[i] = (float)NAN;
    m->pos = 0;
    m->sum = 0.0;
    m->count = 0;
}

void mc_movavg_process(mc_movavg *m, const float *in, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float x = isfinite(in[i]) ? in[i] : (float)NAN;
        float old = m->ring[m->pos];
        if (!isnan(old) && --m->count == 0)
            m->sum = 0.0; /* drop any rounding residue with the last finite sample */
        else if (!isnan(old))
            m->sum -= (double)old;
        if (!isnan(x)) {
            m->sum += (double)x;
            m->count++;
        }
        m->ring[m->pos] = x;
        if (++m->pos == m->w) {
            m->pos = 0;
            recompute(m);
        }
        out[i] = m->count ? (float)(m->sum / (double)m->count) : (float)NAN;
    }
}
