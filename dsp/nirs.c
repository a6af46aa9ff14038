/* SPDX-License-Identifier: MIT */
/* dsp/nirs.c: the NIRS streaming analyser (DOMAIN.md 4.1). Each hop's samples are summed into a
 * bin, and a row averages the last window's bins: the same bins serve regular streams (hops of
 * frames) and irregular ones (hops of time), and a row depends only on the frames, never on how
 * they were blocked. */
#include "dsp/nirs.h"

#include "dsp/internal.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/block.h"

enum { NIRS_MAX_BINS = 1000000 };
static const double nirs_max_hop_frames = 1e9, nirs_max_hop_s = 1e9;

static const mc_feature_def nirs_features[] = {
    {"sto2", "%",
     "mean of the finite StO2 samples in 0-100 % over the last window_s, every hop_s "
     "(DOMAIN.md 4.1)"},
};

/* ---- configuration --------------------------------------------------------------------------- */

mc_nirs_config mc_nirs_config_default(void)
{
    return (mc_nirs_config){.hop_s = 1.0, .window_s = 5.0};
}

/* The settings: times in s, > 0 (sanity bounds of a day). */
static const mc__key nirs_keys[] = {
    {"hop_s", offsetof(mc_nirs_config, hop_s), 0, 86400, MC__KEY_OPEN_LO, "s"},
    {"window_s", offsetof(mc_nirs_config, window_s), 0, 86400, MC__KEY_OPEN_LO, "s"},
};

mc_status mc_nirs_config_set(mc_nirs_config *cfg, const char *key, const char *value, mc_diag *d)
{
    assert(cfg != NULL);
    mc_diag_clear(d);
    const size_t n = sizeof nirs_keys / sizeof nirs_keys[0];
    const mc__key *k = mc__key_find(nirs_keys, n, key);
    if (!k)
        return mc__key_unknown(nirs_keys, n, "nirs", key, NULL, d);
    return mc__key_set(cfg, k, "nirs", value, d);
}

/* ---- the analyser ---------------------------------------------------------------------------- */

/* The samples of one hop. */
typedef struct nirs_bin {
    double sum;        /* finite samples within 0-100 %, % */
    int64_t n;         /* their count */
    int64_t n_bad;     /* samples outside 0-100 % or infinite */
    int64_t n_frames;  /* every frame, NaN included */
    int64_t last_t_ns; /* irregular: time of the last frame */
} nirs_bin;

typedef struct nirs {
    uint32_t n_channels, channel;
    double fs_hz;       /* 0: irregular */
    int64_t hop_frames; /* regular: frames per hop */
    int64_t hop_ns;     /* irregular: hop on the pushed clock */
    size_t n_bins;      /* window, in hops */
    nirs_bin *bins;     /* ring [n_bins]; bins[cur] is the hop being filled */
    size_t cur;
    int64_t in_hop;      /* regular: frames in the current hop */
    int64_t n_frames;    /* frames consumed */
    int started;         /* irregular: a frame has been seen */
    int64_t boundary_ns; /* irregular: end of the current hop; INT64_MAX when saturated */
    int last_empty;      /* irregular: the last row's window held no frame */
    int waiting;         /* a row is ready for pop */
    float value[1];
    uint8_t status[1];
    mc_analysis_row row;
    char params[96];
} nirs;

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

static void nirs_add(nirs *s, float x, int64_t t_ns)
{
    nirs_bin *b = &s->bins[s->cur];
    b->n_frames++;
    b->last_t_ns = t_ns;
    if (isnan(x))
        return;
    if (!(x >= 0.0f && x <= 100.0f)) {
        b->n_bad++;
        return;
    }
    b->sum += (double)x;
    b->n++;
}

/* Close the current hop: the row over the last n_bins bins, then a fresh bin. */
static void nirs_complete(nirs *s, int64_t boundary_ns)
{
    double sum = 0;
    int64_t n = 0, bad = 0, frames = 0, last_t = boundary_ns;
    for (size_t j = 0; j < s->n_bins; j++) {
        const nirs_bin *b = &s->bins[(s->cur + s->n_bins - j) % s->n_bins];
        if (b->n_frames > 0 && frames == 0)
            last_t = b->last_t_ns;
        sum += b->sum;
        n += b->n;
        bad += b->n_bad;
        frames += b->n_frames;
    }
    if (bad > 0) {
        s->status[0] = MC_FS_INVALID;
        s->value[0] = NAN;
    } else if (n == 0) {
        s->status[0] = MC_FS_NO_SIGNAL;
        s->value[0] = NAN;
    } else {
        s->status[0] = MC_FS_OK;
        s->value[0] = (float)(sum / (double)n);
    }
    s->row.end_index = s->n_frames;
    s->row.end_t_ns = s->fs_hz > 0 ? MC_NO_TIME : last_t;
    s->last_empty = frames == 0;
    s->waiting = 1;
    s->cur = (s->cur + 1) % s->n_bins;
    memset(&s->bins[s->cur], 0, sizeof s->bins[s->cur]);
}

static size_t nirs_push(void *self, const float *frames, const int64_t *t_ns, size_t n)
{
    nirs *s = self;
    if (s->waiting)
        return 0;
    assert(n == 0 || frames != NULL);
    size_t i = 0;
    if (s->fs_hz > 0) {
        while (i < n) {
            nirs_add(s, frames[i * s->n_channels + s->channel], 0);
            s->n_frames++;
            s->in_hop++;
            i++;
            if (s->in_hop == s->hop_frames) {
                s->in_hop = 0;
                nirs_complete(s, 0);
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
        }
        if (t >= s->boundary_ns && s->boundary_ns != INT64_MAX) {
            if (s->last_empty && s->bins[s->cur].n_frames == 0) {
                /* The empty window was reported once: skip the rest of the gap. */
                s->boundary_ns = hop_end(t, s->hop_ns);
                continue;
            }
            int64_t boundary = s->boundary_ns;
            s->boundary_ns = boundary > INT64_MAX - s->hop_ns ? INT64_MAX : boundary + s->hop_ns;
            nirs_complete(s, boundary);
            break;
        }
        nirs_add(s, frames[i * s->n_channels + s->channel], t);
        s->n_frames++;
        i++;
    }
    return i;
}

static int nirs_pop(void *self, mc_analysis_row *row)
{
    nirs *s = self;
    if (!s->waiting)
        return 0;
    s->waiting = 0;
    *row = s->row;
    return 1;
}

static size_t nirs_get_n_features(const void *self)
{
    (void)self;
    return sizeof nirs_features / sizeof nirs_features[0];
}

static const mc_feature_def *nirs_get_feature(const void *self, size_t k)
{
    (void)self;
    return k < sizeof nirs_features / sizeof nirs_features[0] ? &nirs_features[k] : NULL;
}

static const char *nirs_get_parameters(const void *self)
{
    const nirs *s = self;
    return s->params;
}

static void nirs_destroy(void *self)
{
    nirs *s = self;
    if (!s)
        return;
    free(s->bins);
    free(s);
}

static const mc_analyser_ops nirs_ops = {
    .push = nirs_push,
    .pop = nirs_pop,
    .get_n_features = nirs_get_n_features,
    .get_feature = nirs_get_feature,
    .get_parameters = nirs_get_parameters,
    .destroy = nirs_destroy,
};

mc_status mc_nirs_analyser_create(const mc_nirs_config *cfg, double fs_hz, uint32_t n_channels,
                                  uint32_t channel, mc_diag *d, mc_analyser **out)
{
    assert(out != NULL);
    *out = NULL;
    mc_diag_clear(d);
    if (!cfg)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "nirs: no configuration");
    if (!isfinite(cfg->hop_s) || !(cfg->hop_s > 0) || cfg->hop_s > nirs_max_hop_s)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "nirs: hop_s=%g is out of range (> 0, <= %g s)",
                           cfg->hop_s, nirs_max_hop_s);
    if (!isfinite(cfg->window_s) || !(cfg->window_s > 0))
        return mc_diag_set(d, MC_EINVAL, -1, -1, "nirs: window_s=%g is not a number > 0 (s)",
                           cfg->window_s);
    if (!isfinite(fs_hz) || fs_hz < 0)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "nirs: rate %g Hz is not >= 0 (0 = irregular)",
                           fs_hz);
    if (n_channels == 0 || channel >= n_channels)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "nirs: channel %u of %u channels", channel,
                           n_channels);

    /* Hops and window in whole units: frames for a regular stream, ns for an irregular one. */
    double hop_frames = 0, bins = 0, hop_eff_s = 0;
    if (fs_hz > 0) {
        hop_frames = fmax(1.0, nearbyint(cfg->hop_s * fs_hz));
        if (hop_frames > nirs_max_hop_frames)
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "nirs: hop_s=%g at %g Hz is more than %g frames", cfg->hop_s, fs_hz,
                               nirs_max_hop_frames);
        hop_eff_s = hop_frames / fs_hz;
    } else {
        hop_eff_s = nearbyint(cfg->hop_s * 1e9) / 1e9;
        if (hop_eff_s <= 0)
            return mc_diag_set(d, MC_EINVAL, -1, -1, "nirs: hop_s=%g is below 1 ns", cfg->hop_s);
    }
    bins = fmax(1.0, nearbyint(cfg->window_s / hop_eff_s));
    if (bins > NIRS_MAX_BINS)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "nirs: window_s=%g is more than %d hops of %g s",
                           cfg->window_s, NIRS_MAX_BINS, hop_eff_s);

    mc_analyser *a = calloc(1, sizeof *a);
    nirs *s = calloc(1, sizeof *s);
    if (!a || !s)
        goto fail;
    s->n_channels = n_channels;
    s->channel = channel;
    s->fs_hz = fs_hz;
    s->hop_frames = (int64_t)hop_frames;
    s->hop_ns = (int64_t)nearbyint(hop_eff_s * 1e9);
    s->n_bins = (size_t)bins;
    s->bins = calloc(s->n_bins, sizeof *s->bins);
    if (!s->bins)
        goto fail;
    s->row.n_features = 1;
    s->row.value = s->value;
    s->row.status = s->status;
    snprintf(s->params, sizeof s->params, "window_s=%.9g hop_s=%.9g", bins * hop_eff_s, hop_eff_s);
    a->ops = &nirs_ops;
    a->self = s;
    *out = a;
    return MC_OK;

fail:
    nirs_destroy(s);
    free(a);
    return MC_ENOMEM;
}
