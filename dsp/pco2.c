/* SPDX-License-Identifier: MIT */
/* dsp/pco2.c: the PCO2 streaming analyser (DOMAIN.md 5). Each hop's samples are reduced to the
 * sums of a least-squares fit (count, x, t, t^2, t x, with t from the hop's start) in a bin; a row
 * combines the last window's bins, so the level and the trend are exact for any window length,
 * cost one pass over the bins per hop, and do not depend on how the frames were blocked. */
#include "dsp/pco2.h"

#include "dsp/internal.h"

#include <assert.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/block.h"

enum { PCO2_MAX_BINS = 1000000 };
static const double pco2_max_hop_frames = 1e9, pco2_max_hop_s = 1e6, pco2_max_discard_s = 1e7,
                    pco2_max_window_s = 1e9; /* keeps a window in ns within int64 */
static const float pco2_max_mmhg = 200.0f;   /* above: a sensor code or a unit mix-up */

enum { F_PCO2, F_TREND, F_N };
static const mc_feature_def pco2_features[F_N] = {
    {"pco2", "mmHg",
     "mean of the finite PCO2 samples in 0-200 mmHg over the last window_s, after the first "
     "discard_s (DOMAIN.md 5.3)"},
    {"pco2_trend", "mmHg/h",
     "least-squares slope of PCO2 over the last trend_window_s, after the first discard_s "
     "(DOMAIN.md 5.3)"},
};

/* ---- configuration --------------------------------------------------------------------------- */

mc_pco2_config mc_pco2_config_default(void)
{
    return (mc_pco2_config){
        .hop_s = 1.0, .window_s = 10.0, .trend_window_s = 600.0, .discard_s = 600.0};
}

/* The settings: times in s, > 0 (discard_s >= 0), sanity bounds of a day. */
static const mc__key pco2_keys[] = {
    {"hop_s", offsetof(mc_pco2_config, hop_s), 0, 86400, MC__KEY_OPEN_LO, "s"},
    {"window_s", offsetof(mc_pco2_config, window_s), 0, 86400, MC__KEY_OPEN_LO, "s"},
    {"trend_window_s", offsetof(mc_pco2_config, trend_window_s), 0, 86400, MC__KEY_OPEN_LO, "s"},
    {"discard_s", offsetof(mc_pco2_config, discard_s), 0, 86400, 0, "s"},
};

mc_status mc_pco2_config_set(mc_pco2_config *cfg, const char *key, const char *value, mc_diag *d)
{
    assert(cfg != NULL);
    mc_diag_clear(d);
    const size_t n = sizeof pco2_keys / sizeof pco2_keys[0];
    const mc__key *k = mc__key_find(pco2_keys, n, key);
    if (!k)
        return mc__key_unknown(pco2_keys, n, "pco2", key, NULL, d);
    return mc__key_set(cfg, k, "pco2", value, d);
}

/* ---- the analyser ---------------------------------------------------------------------------- */

/* The samples of one hop, with t the time from the hop's start (s). */
typedef struct pco2_bin {
    double sx, st, stt, stx; /* sums of x, t, t^2, t x over the usable samples */
    int64_t n;               /* usable samples: finite, within range, after the discard */
    int64_t n_bad;           /* samples after the discard outside 0-200 mmHg or infinite */
    int64_t n_frames;        /* every frame, NaN and discarded included */
    int64_t last_t_ns;       /* irregular: time of the last frame */
} pco2_bin;

typedef struct pco2 {
    uint32_t n_channels, channel;
    double fs_hz;                    /* 0: irregular */
    double hop_eff_s;                /* hop, s */
    int64_t hop_frames;              /* regular: frames per hop */
    int64_t hop_ns;                  /* irregular: hop on the pushed clock */
    int64_t discard_frames;          /* regular */
    int64_t discard_ns;              /* irregular, from the first time */
    int64_t trend_span_ns;           /* irregular: n_trend hops */
    size_t n_level, n_trend, n_bins; /* windows in hops; ring size = the larger */
    pco2_bin *bins;                  /* ring [n_bins]; bins[cur] is the hop being filled */
    size_t cur;
    int64_t in_hop;      /* regular: frames in the current hop */
    int64_t n_frames;    /* frames consumed */
    int started;         /* irregular: a frame has been seen */
    int64_t discard_end; /* irregular: first time used (first time + discard), saturated */
    int64_t boundary_ns; /* irregular: end of the current hop; INT64_MAX when saturated */
    int last_empty;      /* irregular: the last row's window held no frame */
    int waiting;         /* a row is ready for pop */
    float value[F_N];
    uint8_t status[F_N];
    mc_analysis_row row;
    char params[160];
} pco2;

static int64_t sat_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

/* End of the hop that holds t: the next multiple of hop strictly above t, saturated. */
static int64_t hop_end(int64_t t, int64_t hop)
{
    int64_t q = t / hop;
    if (t % hop != 0 && t < 0)
        q--;
    if (q >= INT64_MAX / hop - 1)
        return INT64_MAX;
    return (q + 1) * hop;
}

/* One frame into the current hop; t_s is its time from the hop's start. */
static void pco2_add(pco2 *s, float x, double t_s, int64_t t_ns, int discarded)
{
    pco2_bin *b = &s->bins[s->cur];
    b->n_frames++;
    b->last_t_ns = t_ns;
    if (discarded || isnan(x))
        return;
    if (!(x >= 0.0f && x <= pco2_max_mmhg)) {
        b->n_bad++;
        return;
    }
    double v = (double)x;
    b->sx += v;
    b->st += t_s;
    b->stt += t_s * t_s;
    b->stx += t_s * v;
    b->n++;
}

static const pco2_bin *bin_back(const pco2 *s, size_t j)
{
    return &s->bins[(s->cur + s->n_bins - j) % s->n_bins];
}

static void set_feature(pco2 *s, int k, uint8_t status, double v)
{
    if (status == MC_FS_OK && !(fabs(v) <= (double)FLT_MAX))
        status = MC_FS_INVALID; /* beyond float: out of any range */
    s->status[k] = status;
    s->value[k] = status == MC_FS_OK ? (float)v : NAN;
}

static void pco2_level(pco2 *s)
{
    double sum = 0;
    int64_t n = 0, bad = 0;
    for (size_t j = 0; j < s->n_level; j++) {
        sum += bin_back(s, j)->sx;
        n += bin_back(s, j)->n;
        bad += bin_back(s, j)->n_bad;
    }
    set_feature(s, F_PCO2,
                bad > 0  ? MC_FS_INVALID
                : n == 0 ? MC_FS_NO_SIGNAL
                         : MC_FS_OK,
                n > 0 ? sum / (double)n : 0);
}

/* Least squares over the trend window with times u from the window's end: bin j (0 = newest)
 * starts at u = -(j + 1) hop, so its sums shift by that offset. Centred sums keep the
 * cancellation small: Sxy / Sxx for a ramp loses about three digits of sixteen. */
static void pco2_trend(pco2 *s)
{
    double N = 0, U = 0, X = 0, UU = 0, UX = 0;
    size_t used = 0;
    for (size_t j = 0; j < s->n_trend; j++) {
        const pco2_bin *b = bin_back(s, j);
        if (b->n == 0)
            continue;
        double nb = (double)b->n;
        double off = s->fs_hz > 0 ? -(double)((int64_t)(j + 1) * s->hop_frames) / s->fs_hz
                                  : -(double)(j + 1) * s->hop_eff_s;
        used++;
        N += nb;
        X += b->sx;
        U += b->st + nb * off;
        UU += b->stt + 2.0 * off * b->st + nb * off * off;
        UX += b->stx + off * b->sx;
    }
    if (2 * used < s->n_trend || N < 2) {
        set_feature(s, F_TREND, MC_FS_NO_SIGNAL, 0);
        return;
    }
    double mu = U / N, mx = X / N;
    double sxx = UU - N * mu * mu, sxy = UX - N * mu * mx;
    if (!(sxx > 0)) {
        set_feature(s, F_TREND, MC_FS_NO_SIGNAL, 0);
        return;
    }
    set_feature(s, F_TREND, MC_FS_OK, sxy / sxx * 3600.0);
}

/* Close the current hop (boundary_ns: irregular end of the hop), then open a fresh bin. */
static void pco2_complete(pco2 *s, int64_t boundary_ns)
{
    int64_t frames = 0, last_t = boundary_ns;
    for (size_t j = 0; j < s->n_bins; j++) {
        const pco2_bin *b = bin_back(s, j);
        if (b->n_frames > 0 && frames == 0)
            last_t = b->last_t_ns;
        frames += b->n_frames;
    }
    int regular = s->fs_hz > 0;
    int settling = regular ? s->n_frames <= s->discard_frames : boundary_ns <= s->discard_end;
    int covered = regular ? s->n_frames - (int64_t)s->n_trend * s->hop_frames >= s->discard_frames
                          : boundary_ns >= sat_add(s->discard_end, s->trend_span_ns);
    if (settling) {
        set_feature(s, F_PCO2, MC_FS_NOT_AVAILABLE, 0);
        set_feature(s, F_TREND, MC_FS_NOT_AVAILABLE, 0);
    } else {
        pco2_level(s);
        if (covered)
            pco2_trend(s);
        else
            set_feature(s, F_TREND, MC_FS_INSUFFICIENT_LENGTH, 0);
    }
    s->row.end_index = s->n_frames;
    s->row.end_t_ns = regular ? MC_NO_TIME : last_t;
    s->last_empty = frames == 0;
    s->waiting = 1;
    s->cur = (s->cur + 1) % s->n_bins;
    memset(&s->bins[s->cur], 0, sizeof s->bins[s->cur]);
}

static size_t pco2_push(void *self, const float *frames, const int64_t *t_ns, size_t n)
{
    pco2 *s = self;
    if (s->waiting)
        return 0;
    assert(n == 0 || frames != NULL);
    size_t i = 0;
    if (s->fs_hz > 0) {
        while (i < n) {
            pco2_add(s, frames[i * s->n_channels + s->channel], (double)s->in_hop / s->fs_hz, 0,
                     s->n_frames < s->discard_frames);
            s->n_frames++;
            s->in_hop++;
            i++;
            if (s->in_hop == s->hop_frames) {
                s->in_hop = 0;
                pco2_complete(s, 0);
                break;
            }
        }
        return i;
    }
    assert(n == 0 || t_ns != NULL);
    while (i < n) {
        int64_t t = t_ns[i];
        if (!s->started) {
            s->started = 1;
            s->boundary_ns = hop_end(t, s->hop_ns);
            s->discard_end = sat_add(t, s->discard_ns);
        }
        if (t >= s->boundary_ns && s->boundary_ns != INT64_MAX) {
            if (s->last_empty && s->bins[s->cur].n_frames == 0) {
                /* The empty window was reported once: skip the rest of the gap. */
                s->boundary_ns = hop_end(t, s->hop_ns);
                continue;
            }
            int64_t boundary = s->boundary_ns;
            s->boundary_ns = sat_add(boundary, s->hop_ns);
            pco2_complete(s, boundary);
            break;
        }
        /* Time from the hop's start; a time that went backwards is negative, and still exact. */
        double t_s =
            (double)(t - (s->boundary_ns == INT64_MAX ? t : s->boundary_ns - s->hop_ns)) * 1e-9;
        pco2_add(s, frames[i * s->n_channels + s->channel], t_s, t, t < s->discard_end);
        s->n_frames++;
        i++;
    }
    return i;
}

static int pco2_pop(void *self, mc_analysis_row *row)
{
    pco2 *s = self;
    if (!s->waiting)
        return 0;
    s->waiting = 0;
    *row = s->row;
    return 1;
}

static size_t pco2_get_n_features(const void *self)
{
    (void)self;
    return F_N;
}

static const mc_feature_def *pco2_get_feature(const void *self, size_t k)
{
    (void)self;
    return k < F_N ? &pco2_features[k] : NULL;
}

static const char *pco2_get_parameters(const void *self)
{
    const pco2 *s = self;
    return s->params;
}

static void pco2_destroy(void *self)
{
    pco2 *s = self;
    if (!s)
        return;
    free(s->bins);
    free(s);
}

static const mc_analyser_ops pco2_ops = {
    .push = pco2_push,
    .pop = pco2_pop,
    .get_n_features = pco2_get_n_features,
    .get_feature = pco2_get_feature,
    .get_parameters = pco2_get_parameters,
    .destroy = pco2_destroy,
};

static mc_status check_window(double w, const char *name, double hop_eff_s, double *bins,
                              mc_diag *d)
{
    if (!isfinite(w) || !(w > 0))
        return mc_diag_set(d, MC_EINVAL, -1, -1, "pco2: %s=%g is not a number > 0 (s)", name, w);
    *bins = fmax(1.0, nearbyint(w / hop_eff_s));
    if (*bins > PCO2_MAX_BINS || *bins * hop_eff_s > pco2_max_window_s)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "pco2: %s=%g is more than %d hops of %g s or %g s",
                           name, w, PCO2_MAX_BINS, hop_eff_s, pco2_max_window_s);
    return MC_OK;
}

mc_status mc_pco2_analyser_create(const mc_pco2_config *cfg, double fs_hz, uint32_t n_channels,
                                  uint32_t channel, mc_diag *d, mc_analyser **out)
{
    assert(out != NULL);
    *out = NULL;
    mc_diag_clear(d);
    if (!cfg)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "pco2: no configuration");
    if (!isfinite(cfg->hop_s) || !(cfg->hop_s > 0) || cfg->hop_s > pco2_max_hop_s)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "pco2: hop_s=%g is out of range (> 0, <= %g s)",
                           cfg->hop_s, pco2_max_hop_s);
    if (!isfinite(cfg->discard_s) || cfg->discard_s < 0 || cfg->discard_s > pco2_max_discard_s)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "pco2: discard_s=%g is out of range (0 .. %g s)",
                           cfg->discard_s, pco2_max_discard_s);
    if (!isfinite(fs_hz) || fs_hz < 0)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "pco2: rate %g Hz is not >= 0 (0 = irregular)",
                           fs_hz);
    if (n_channels == 0 || channel >= n_channels)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "pco2: channel %u of %u channels", channel,
                           n_channels);

    double hop_frames = 0, hop_eff_s = 0, level = 0, trend = 0;
    if (fs_hz > 0) {
        hop_frames = fmax(1.0, nearbyint(cfg->hop_s * fs_hz));
        if (hop_frames > pco2_max_hop_frames)
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "pco2: hop_s=%g at %g Hz is more than %g frames", cfg->hop_s, fs_hz,
                               pco2_max_hop_frames);
        hop_eff_s = hop_frames / fs_hz;
    } else {
        hop_eff_s = nearbyint(cfg->hop_s * 1e9) / 1e9;
        if (hop_eff_s <= 0)
            return mc_diag_set(d, MC_EINVAL, -1, -1, "pco2: hop_s=%g is below 1 ns", cfg->hop_s);
    }
    mc_status st = check_window(cfg->window_s, "window_s", hop_eff_s, &level, d);
    if (st == MC_OK)
        st = check_window(cfg->trend_window_s, "trend_window_s", hop_eff_s, &trend, d);
    if (st != MC_OK)
        return st;

    mc_analyser *a = calloc(1, sizeof *a);
    pco2 *s = calloc(1, sizeof *s);
    if (!a || !s)
        goto fail;
    s->n_channels = n_channels;
    s->channel = channel;
    s->fs_hz = fs_hz;
    s->hop_eff_s = hop_eff_s;
    s->hop_frames = (int64_t)hop_frames;
    s->hop_ns = (int64_t)nearbyint(hop_eff_s * 1e9);
    s->discard_frames = fs_hz > 0 ? (int64_t)nearbyint(cfg->discard_s * fs_hz) : 0;
    s->discard_ns = (int64_t)nearbyint(cfg->discard_s * 1e9);
    s->n_level = (size_t)level;
    s->n_trend = (size_t)trend;
    s->trend_span_ns = (int64_t)trend * s->hop_ns; /* <= pco2_max_window_s in ns */
    s->n_bins = s->n_level > s->n_trend ? s->n_level : s->n_trend;
    s->bins = calloc(s->n_bins, sizeof *s->bins);
    if (!s->bins)
        goto fail;
    s->row.n_features = F_N;
    s->row.value = s->value;
    s->row.status = s->status;
    double discard_eff = fs_hz > 0 ? (double)s->discard_frames / fs_hz : cfg->discard_s;
    snprintf(s->params, sizeof s->params,
             "window_s=%.9g trend_window_s=%.9g discard_s=%.9g hop_s=%.9g", level * hop_eff_s,
             trend * hop_eff_s, discard_eff, hop_eff_s);
    a->ops = &pco2_ops;
    a->self = s;
    *out = a;
    return MC_OK;

fail:
    pco2_destroy(s);
    free(a);
    return MC_ENOMEM;
}
