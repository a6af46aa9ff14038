/* SPDX-License-Identifier: MIT */
/* dsp/welch.c: streaming Welch PSD (DOMAIN.md 7.2). A linear buffer collects one segment; each
 * completed segment is detrended (in double), windowed with a periodic Hann window, transformed
 * once by a float R2C plan, and its one-sided periodogram stored in double in a ring of the last K
 * (or added to a running sum when K = 0). */
#include "dsp/welch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/fft.h"

#define MC_WELCH_MAX_LEN ((size_t)1 << 26) /* as dsp/fft.c */

struct mc_welch {
    mc_welch_config cfg; /* seg_len, nfft, seg_hop and detrend resolved */
    size_t n_bins;       /* nfft / 2 + 1 */
    double scale;        /* 1 / (fs U), U = sum of w^2 */
    double *win;         /* [L] periodic Hann */
    float *seg;          /* [L] samples of the segment being filled */
    size_t fill;         /* samples in seg */
    mc_fft *fft;         /* R2C of nfft */
    /* K > 0: ring of K periodograms, slot (head - 1) mod K the newest, n_have of them filled.
     * K = 0: one scratch slot, and the running sum of every valid periodogram since reset. */
    double *slots;        /* [max(K, 1) * n_bins] */
    unsigned char *valid; /* [max(K, 1)] 1 when the slot's segment was finite */
    size_t n_slots;
    size_t head;
    size_t n_have;
    double *sum;       /* [n_bins], K = 0 only */
    int64_t sum_count; /* valid periodograms in sum */
    int64_t n_ok;      /* segments since reset */
    int64_t n_bad;
};

mc_welch_config mc_welch_config_default(double fs_hz, size_t seg_len)
{
    return (mc_welch_config){
        .fs_hz = fs_hz,
        .seg_len = seg_len,
        .nfft = 0,
        .seg_hop = seg_len / 2 > 0 ? seg_len / 2 : 1,
        .n_segments = 0,
        .detrend = MC_DETREND_MEAN,
        .measure = 0,
    };
}

static int config_valid(const mc_welch_config *c)
{
    if (!(isfinite(c->fs_hz) && c->fs_hz > 0.0))
        return 0;
    if (c->seg_len < 4 || c->seg_len > MC_WELCH_MAX_LEN)
        return 0;
    if (c->nfft != 0 && (c->nfft < c->seg_len || c->nfft > MC_WELCH_MAX_LEN))
        return 0;
    if (c->seg_hop < 1 || c->seg_hop > c->seg_len)
        return 0;
    if (c->detrend != MC_DETREND_NONE && c->detrend != MC_DETREND_MEAN &&
        c->detrend != MC_DETREND_LINEAR)
        return 0;
    return c->measure == 0 || c->measure == 1;
}

mc_status mc_welch_create(const mc_welch_config *cfg, mc_welch **out)
{
    if (!out)
        return MC_EINVAL;
    *out = NULL;
    if (!cfg || !config_valid(cfg))
        return MC_EINVAL;
    mc_welch_config c = *cfg;
    if (c.nfft == 0)
        c.nfft = c.seg_len;
    size_t n_bins = c.nfft / 2 + 1;
    size_t n_slots = c.n_segments > 0 ? c.n_segments : 1;
    size_t ring_len;
    if (!mc_size_mul(n_slots, n_bins, &ring_len) || ring_len > SIZE_MAX / sizeof(double))
        return MC_EINVAL;

    mc_welch *w = calloc(1, sizeof *w);
    if (!w)
        return MC_ENOMEM;
    mc_status st = MC_ENOMEM;
    w->cfg = c;
    w->n_bins = n_bins;
    w->n_slots = n_slots;
    w->win = calloc(c.seg_len, sizeof *w->win);
    w->seg = calloc(c.seg_len, sizeof *w->seg);
    w->slots = calloc(ring_len, sizeof *w->slots);
    w->valid = calloc(n_slots, sizeof *w->valid);
    if (c.n_segments == 0)
        w->sum = calloc(n_bins, sizeof *w->sum);
    if (!w->win || !w->seg || !w->slots || !w->valid || (c.n_segments == 0 && !w->sum))
        goto fail;
    st = mc_fft_create(&(mc_fft_config){.n = c.nfft, .kind = MC_FFT_R2C, .measure = c.measure},
                       &w->fft);
    if (st != MC_OK)
        goto fail;

    /* The periodic Hann window (scipy.signal.get_window('hann', L), sym=False), which is what
     * scipy.signal.welch uses: w[t] = 0.5 - 0.5 cos(2 pi t / L). */
    const double two_pi = 6.283185307179586476925;
    double u = 0.0;
    for (size_t t = 0; t < c.seg_len; t++) {
        w->win[t] = 0.5 - 0.5 * cos(two_pi * (double)t / (double)c.seg_len);
        u += w->win[t] * w->win[t];
    }
    w->scale = 1.0 / (c.fs_hz * u);
    *out = w;
    return MC_OK;

fail:
    mc_welch_destroy(w);
    return st;
}

/* Writes the detrended, windowed segment into the FFT input, zero-padded to nfft.
 * @return 0 when the segment holds a NaN or an infinity (nothing is written then) */
static int window_segment(mc_welch *w, float *in)
{
    const size_t len = w->cfg.seg_len;
    const float *x = w->seg;
    double sx = 0.0, stx = 0.0;
    int finite = 1;
    for (size_t t = 0; t < len; t++) {
        finite &= isfinite(x[t]) != 0;
        sx += (double)x[t];
        stx += (double)t * (double)x[t];
    }
    if (!finite)
        return 0;

    /* The trend a + b t, removed before windowing as scipy does. The least-squares slope is
     * sum (t - tm)(x - xm) / sum (t - tm)^2 with tm = (L - 1)/2 and sum (t - tm)^2 =
     * L (L^2 - 1) / 12; sum (t - tm)(x - xm) = stx - tm sx. */
    double a = 0.0, b = 0.0;
    const double dl = (double)len;
    if (w->cfg.detrend == MC_DETREND_MEAN) {
        a = sx / dl;
    } else if (w->cfg.detrend == MC_DETREND_LINEAR) {
        const double tm = 0.5 * (dl - 1.0);
        b = (stx - tm * sx) / (dl * (dl * dl - 1.0) / 12.0);
        a = sx / dl - b * tm;
    }
    for (size_t t = 0; t < len; t++)
        in[t] = (float)(w->win[t] * ((double)x[t] - (a + b * (double)t)));
    for (size_t t = len; t < w->cfg.nfft; t++)
        in[t] = 0.0f;
    return 1;
}

/* Transforms the full segment buffer and files its periodogram. */
static void process_segment(mc_welch *w)
{
    size_t slot = w->cfg.n_segments > 0 ? w->head : 0;
    double *p = w->slots + slot * w->n_bins;
    int ok = window_segment(w, mc_fft_get_input(w->fft));
    if (ok) {
        mc_fft_process(w->fft);
        const float *y = mc_fft_get_output(w->fft);
        /* One-sided density: every bin but DC and (for even nfft) Nyquist is doubled, as in
         * scipy's _spectral_helper. */
        const size_t nfft = w->cfg.nfft;
        for (size_t m = 0; m < w->n_bins; m++) {
            double re = (double)y[2 * m], im = (double)y[2 * m + 1];
            int one_sided_twice = m > 0 && !(nfft % 2 == 0 && m == nfft / 2);
            p[m] = (re * re + im * im) * w->scale * (one_sided_twice ? 2.0 : 1.0);
        }
        w->n_ok++;
    } else {
        w->n_bad++;
    }
    if (w->cfg.n_segments > 0) {
        w->valid[slot] = (unsigned char)ok;
        w->head = (w->head + 1) % w->n_slots;
        if (w->n_have < w->n_slots)
            w->n_have++;
    } else if (ok) {
        for (size_t m = 0; m < w->n_bins; m++)
            w->sum[m] += p[m];
        w->sum_count++;
    }
}

size_t mc_welch_push(mc_welch *w, const float *x, size_t n)
{
    const size_t len = w->cfg.seg_len, hop = w->cfg.seg_hop;
    size_t done = 0;
    /* The segment buffer is linear: a segment is processed when it is full, then its last L - D
     * samples move to the front. The moves and the processing depend only on the sample stream,
     * never on how it was split into calls, so any blocking gives bit-identical results. */
    while (n > 0) {
        size_t take = len - w->fill < n ? len - w->fill : n;
        memcpy(w->seg + w->fill, x, take * sizeof *x);
        w->fill += take;
        x += take;
        n -= take;
        if (w->fill == len) {
            process_segment(w);
            done++;
            memmove(w->seg, w->seg + hop, (len - hop) * sizeof *w->seg);
            w->fill = len - hop;
        }
    }
    return done;
}

size_t mc_welch_get_to_next_segment(const mc_welch *w)
{
    return w->cfg.seg_len - w->fill;
}

mc_status mc_welch_get_psd(const mc_welch *w, double *psd, size_t *n_valid)
{
    size_t count = 0;
    if (w->cfg.n_segments == 0) {
        count = (size_t)w->sum_count;
        for (size_t m = 0; m < w->n_bins; m++)
            psd[m] = w->sum[m];
    } else {
        /* Summed oldest to newest on demand rather than kept as a running sum with subtraction,
         * which would drift over hours of sliding; K n_bins additions are cheap next to an FFT. */
        for (size_t m = 0; m < w->n_bins; m++)
            psd[m] = 0.0;
        size_t first = (w->head + w->n_slots - w->n_have) % w->n_slots;
        for (size_t i = 0; i < w->n_have; i++) {
            size_t slot = (first + i) % w->n_slots;
            if (!w->valid[slot])
                continue;
            const double *p = w->slots + slot * w->n_bins;
            for (size_t m = 0; m < w->n_bins; m++)
                psd[m] += p[m];
            count++;
        }
    }
    if (n_valid)
        *n_valid = count;
    if (count == 0) {
        for (size_t m = 0; m < w->n_bins; m++)
            psd[m] = (double)NAN;
        return MC_END;
    }
    for (size_t m = 0; m < w->n_bins && count > 1; m++) /* x / 1 is x: skipped */
        psd[m] /= (double)count;
    return MC_OK;
}

size_t mc_welch_get_n_bins(const mc_welch *w)
{
    return w->n_bins;
}

double mc_welch_get_df(const mc_welch *w)
{
    return w->cfg.fs_hz / (double)w->cfg.nfft;
}

void mc_welch_get_counts(const mc_welch *w, int64_t *valid, int64_t *invalid)
{
    if (valid)
        *valid = w->n_ok;
    if (invalid)
        *invalid = w->n_bad;
}

void mc_welch_reset(mc_welch *w)
{
    w->fill = 0;
    w->head = 0;
    w->n_have = 0;
    memset(w->valid, 0, w->n_slots * sizeof *w->valid);
    if (w->sum)
        memset(w->sum, 0, w->n_bins * sizeof *w->sum);
    w->sum_count = 0;
    w->n_ok = 0;
    w->n_bad = 0;
}

void mc_welch_destroy(mc_welch *w)
{
    if (!w)
        return;
    mc_fft_destroy(w->fft);
    free(w->win);
    free(w->seg);
    free(w->slots);
    free(w->valid);
    free(w->sum);
    free(w);
}
