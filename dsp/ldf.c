/* SPDX-License-Identifier: MIT */
/* dsp/ldf.c: the LDF analyser (DOMAIN.md 3): artefact detection on the raw samples, anti-alias
 * low-pass and integer decimation, bridging of short gaps, one streaming Welch engine per
 * segment length, and a Morlet CWT of the sliding window at every hop. */
#include "dsp/ldf.h"

#include "dsp/internal.h"

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/block.h"
#include "dsp/iir.h"
#include "dsp/runmed.h"
#include "dsp/spectrum.h"
#include "dsp/wavelet.h"

enum { N_BANDS = 6, N_EDGES = N_BANDS + 1, N_FEATURES = 1 + 3 * N_BANDS };

/* Why a sample is missing; the larger code wins when a decimation group holds both. */
enum { CODE_OK = 0, CODE_MISSING = 1, CODE_ARTEFACT = 2 };

#define WELCH_ALG "Welch PSD (Hann, 50 % overlap, detrended segments), band sum; DOMAIN 3.3.1"
#define REL_ALG   "band power / sum of the six band powers (0.005-2 Hz); DOMAIN 3.3.2"
#define AMP_ALG   "mean Morlet CWT amplitude in band / mean over 0.005-2 Hz; DOMAIN 3.3.3"
static const mc_feature_def features[N_FEATURES] = {
    {"perfusion", "PU", "mean over the hop, artefacts and gaps left out; DOMAIN 3.1"},
    {"endothelial_no_indep", "PU2", WELCH_ALG},
    {"endothelial_no_indep_rel", "1", REL_ALG},
    {"endothelial_no_indep_amp", "1", AMP_ALG},
    {"endothelial_no_dep", "PU2", WELCH_ALG},
    {"endothelial_no_dep_rel", "1", REL_ALG},
    {"endothelial_no_dep_amp", "1", AMP_ALG},
    {"neurogenic", "PU2", WELCH_ALG},
    {"neurogenic_rel", "1", REL_ALG},
    {"neurogenic_amp", "1", AMP_ALG},
    {"myogenic", "PU2", WELCH_ALG},
    {"myogenic_rel", "1", REL_ALG},
    {"myogenic_amp", "1", AMP_ALG},
    {"respiratory", "PU2", WELCH_ALG},
    {"respiratory_rel", "1", REL_ALG},
    {"respiratory_amp", "1", AMP_ALG},
    {"cardiac", "PU2", WELCH_ALG},
    {"cardiac_rel", "1", REL_ALG},
    {"cardiac_amp", "1", AMP_ALG},
};

/* ---- Configuration --------------------------------------------------------------------------- */

mc_ldf_config mc_ldf_config_default(void)
{
    mc_ldf_config c = {
        .hop_s = 60.0,
        .window_s = 1800.0,
        .decimate_hz = 10.0,
        .lowpass_hz = 4.0,
        .lowpass_order = 8,
        .resolution = 3.0,
        .rule = MC_LDF_RULE_NEIGHBOURS,
        .min_segment_s = 90.0,
        .min_segments = 3,
        .detrend = MC_DETREND_LINEAR,
        .artefact_k = 6.0,
        .median_s = 1.0,
        .mad_s = 30.0,
        .bridge_s = 2.0,
        .artefact_max_frac = 0.1,
        .wavelet = 1,
        .voices_per_octave = 16,
    };
    for (int b = 0; b < N_BANDS; b++)
        c.band_edges_hz[b] = mc_ldf_bands[b].f_lo_hz;
    c.band_edges_hz[N_BANDS] = mc_ldf_bands[N_BANDS - 1].f_hi_hz;
    return c;
}

/* The numeric keys: one table serves mc_ldf_config_set and the checks at create. */
static const mc__key keys[] = {
    {"hop_s", offsetof(mc_ldf_config, hop_s), 0, 86400, MC__KEY_OPEN_LO, "s"},
    {"window_s", offsetof(mc_ldf_config, window_s), 0, 86400, MC__KEY_OPEN_LO, "s"},
    {"decimate_hz", offsetof(mc_ldf_config, decimate_hz), 0, 1e6, MC__KEY_OPEN_LO, "Hz"},
    {"lowpass_hz", offsetof(mc_ldf_config, lowpass_hz), 0, 1e6, MC__KEY_OPEN_LO, "Hz"},
    {"resolution", offsetof(mc_ldf_config, resolution), 1, 100, 0, ""},
    {"min_segment_s", offsetof(mc_ldf_config, min_segment_s), 0, 86400, 0, "s"},
    {"artefact_k", offsetof(mc_ldf_config, artefact_k), 0, 1000, 0, ""},
    {"median_s", offsetof(mc_ldf_config, median_s), 0, 60, MC__KEY_OPEN_LO, "s"},
    {"mad_s", offsetof(mc_ldf_config, mad_s), 0, 3600, MC__KEY_OPEN_LO, "s"},
    {"bridge_s", offsetof(mc_ldf_config, bridge_s), 0, 60, 0, "s"},
    {"artefact_max_frac", offsetof(mc_ldf_config, artefact_max_frac), 0, 1, 0, ""},
    {"lowpass_order", offsetof(mc_ldf_config, lowpass_order), 1, 8, MC__KEY_INT_FIELD, ""},
    {"min_segments", offsetof(mc_ldf_config, min_segments), 1, 1000, MC__KEY_INT_FIELD, ""},
    {"wavelet", offsetof(mc_ldf_config, wavelet), 0, 1, MC__KEY_INT_FIELD, ""},
    {"voices_per_octave", offsetof(mc_ldf_config, voices_per_octave), 1, 64, MC__KEY_INT_FIELD, ""},
};
enum { N_KEYS = sizeof keys / sizeof keys[0] };

static const char *const detrend_names[] = {"none", "mean", "linear"};
static const char *const rule_names[] = {"neighbours", "own"};

static int find_name(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

static int edges_valid(const double *e)
{
    for (int b = 0; b < N_EDGES; b++)
        if (!isfinite(e[b]) || e[b] <= 0.0 || (b > 0 && e[b] <= e[b - 1]))
            return 0;
    return 1;
}

mc_status mc_ldf_config_set(mc_ldf_config *cfg, const char *key, const char *value, mc_diag *d)
{
    if (!cfg || !key || !value)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "ldf: NULL argument");
    const mc__key *k = mc__key_find(keys, N_KEYS, key);
    if (k)
        return mc__key_set(cfg, k, "ldf", value, d);
    if (strcmp(key, "detrend") == 0 || strcmp(key, "resolution_rule") == 0) {
        int is_detrend = key[0] == 'd';
        int i = is_detrend ? find_name(detrend_names, 3, value) : find_name(rule_names, 2, value);
        if (i < 0)
            return mc_diag_set(d, MC_EINVAL, -1, -1, "ldf %s = '%s': expected %s", key, value,
                               is_detrend ? "none, mean or linear" : "neighbours or own");
        if (is_detrend)
            cfg->detrend = (mc_detrend)i;
        else
            cfg->rule = (mc_ldf_resolution_rule)i;
        return MC_OK;
    }
    if (strcmp(key, "band_edges_hz") == 0) {
        double e[N_EDGES];
        const char *s = value;
        int ok = 1;
        for (int n = 0; ok && n < N_EDGES; n++) {
            char *end = NULL;
            e[n] = strtod(s, &end);
            ok = end != s && *end == (n + 1 < N_EDGES ? ',' : '\0');
            s = end + 1;
        }
        if (!ok || !edges_valid(e))
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "ldf band_edges_hz = '%s': expected 7 increasing positive numbers "
                               "(Hz) separated by commas",
                               value);
        memcpy(cfg->band_edges_hz, e, sizeof e);
        return MC_OK;
    }
    if (strcmp(key, "cardiac_hi_hz") == 0) {
        double v;
        if (!mc__parse_decimal(value, &v) || !(v > cfg->band_edges_hz[N_BANDS - 1]))
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "ldf cardiac_hi_hz = '%s': expected a number above the cardiac "
                               "lower edge %g Hz",
                               value, cfg->band_edges_hz[N_BANDS - 1]);
        cfg->band_edges_hz[N_BANDS] = v;
        return MC_OK;
    }
    return mc__key_unknown(keys, N_KEYS, "ldf", key,
                           "detrend, resolution_rule, band_edges_hz, cardiac_hi_hz", d);
}

/* ---- The analyser ---------------------------------------------------------------------------- */

typedef struct ldf {
    mc_ldf_config cfg;
    double fs_dec; /* decimated rate, Hz */
    size_t n_channels, channel;
    size_t hop_frames, hop_pos;
    int64_t n_frames; /* frames consumed */
    /* Artefact detection at the raw rate: a centred median through a delay line of med_w. */
    mc_runmed *med;
    float *delay; /* [med_w] the last med_w raw samples */
    size_t med_w, med_h;
    int64_t n_raw;
    mc_runmed *mad; /* |x - median| once per decimation group: n_mad so far, mad_now the last */
    int64_t n_mad;
    float mad_now;
    size_t mad_warm;
    /* The hop's perfusion and its sample counts. */
    double perf_sum;
    size_t hop_n[3]; /* samples of the hop by code */
    /* Anti-alias filter (NULL when decim is 1) and decimation. */
    mc_iir *lp;
    size_t decim, grp_fill; /* grp_code: the worst code in the group so far */
    int grp_code;
    /* Bridging of short gaps. */
    size_t bridge_n, pending;
    int long_gap, have_last;
    float last;
    /* The window of decimated samples after bridging (CWT input), and the codes before it. */
    size_t win_n;
    float *win;
    size_t win_pos, win_count;
    unsigned char *cov;
    size_t cov_pos, cov_count, cov_n[3]; /* codes in cov, by code */
    mc_welch *eng[N_BANDS];              /* one engine per segment length */
    size_t eng_len[N_BANDS];             /* its L, decimated samples */
    size_t n_eng;
    int band_eng[N_BANDS]; /* engine index, -1: the window never holds min_segments segments */
    double *psd;           /* [max n_bins] */
    mc_cwt *cwt;           /* NULL when wavelet is 0 */
    float *lin;            /* [win_n] the window, oldest first */
    double *amp;           /* [n_scales] */
    int *scale_band;       /* [n_scales] band of each scale, -1 outside [e_0, e_6) */
    size_t n_scales;
    float value[N_FEATURES]; /* the row, waiting for pop while row_ready */
    uint8_t status[N_FEATURES];
    int row_ready;
    char params[1024];
} ldf;

static void ldf_destroy(void *self)
{
    ldf *s = self;
    if (!s)
        return;
    mc_runmed_destroy(s->med);
    mc_runmed_destroy(s->mad);
    mc_iir_destroy(s->lp);
    for (size_t e = 0; e < s->n_eng; e++)
        mc_welch_destroy(s->eng[e]);
    mc_cwt_destroy(s->cwt);
    void *blocks[] = {s->delay, s->win, s->cov, s->psd, s->lin, s->amp, s->scale_band, s};
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
        free(blocks[i]);
}

/* One sample after decimation and bridging: into every Welch engine and the CWT window. */
static void emit(ldf *s, float v)
{
    for (size_t e = 0; e < s->n_eng; e++)
        (void)mc_welch_push(s->eng[e], &v, 1);
    s->win[s->win_pos] = v;
    s->win_pos = (s->win_pos + 1) % s->win_n;
    if (s->win_count < s->win_n)
        s->win_count++;
}

/* One decimated sample (NaN when missing, code says why). Runs of up to bridge_n missing samples
 * wait for the next good sample and become a straight line from the last good one; a longer run
 * is passed on as NaN, so the Welch engines drop every segment that holds it (DOMAIN.md 3.4: no
 * interpolation across gaps > 2 s). */
static void decimated_sample(ldf *s, float x, int code)
{
    if (s->cov_count == s->win_n)
        s->cov_n[s->cov[s->cov_pos]]--;
    else
        s->cov_count++;
    s->cov[s->cov_pos] = (unsigned char)code;
    s->cov_pos = (s->cov_pos + 1) % s->win_n;
    s->cov_n[code]++;

    if (code != CODE_OK) {
        if (s->long_gap) {
            emit(s, (float)NAN);
            return;
        }
        if (++s->pending > s->bridge_n) {
            for (size_t i = 0; i < s->pending; i++)
                emit(s, (float)NAN);
            s->pending = 0;
            s->long_gap = 1;
        }
        return;
    }
    for (size_t i = 1; i <= s->pending; i++) {
        double t = (double)i / (double)(s->pending + 1);
        emit(s, s->have_last ? (float)((double)s->last + ((double)x - (double)s->last) * t)
                             : (float)NAN);
    }
    s->pending = 0;
    s->long_gap = 0;
    emit(s, x);
    s->last = x;
    s->have_last = 1;
}

/* One raw sample. The artefact test needs the median centred on the sample, so the sample leaves
 * the delay line med_h samples later; the median itself is causal over the line. */
static void raw_sample(ldf *s, float x)
{
    float in = isfinite(x) ? x : (float)NAN, m;
    mc_runmed_process(s->med, &in, &m, 1);
    s->delay[(size_t)(s->n_raw % (int64_t)s->med_w)] = in;
    s->n_raw++;
    if (s->n_raw <= (int64_t)s->med_h)
        return;
    const int64_t c = s->n_raw - 1 - (int64_t)s->med_h; /* index of the centred sample */
    const float v = s->delay[(size_t)(c % (int64_t)s->med_w)];
    const double r = fabs((double)v - (double)m); /* NaN when either is missing */

    /* The MAD is a slow scale: it is fed once per decimation group, so its window costs the
     * same at any input rate. */
    if ((c + 1) % (int64_t)s->decim == 0) {
        float rf = (float)r;
        mc_runmed_process(s->mad, &rf, &s->mad_now, 1);
        s->n_mad++;
    }
    int code = isfinite(v) ? CODE_OK : CODE_MISSING;
    if (code == CODE_OK && s->cfg.artefact_k > 0.0 && s->n_raw >= (int64_t)s->med_w &&
        s->n_mad >= (int64_t)s->mad_warm && isfinite(r) &&
        r > s->cfg.artefact_k * (double)s->mad_now)
        code = CODE_ARTEFACT;

    s->hop_n[code]++;
    if (code == CODE_OK)
        s->perf_sum += (double)v;

    float y = code == CODE_OK ? v : (float)NAN;
    if (s->lp)
        mc_iir_process(s->lp, &y, &y, 1);
    if (code > s->grp_code)
        s->grp_code = code;
    if (++s->grp_fill == s->decim) {
        decimated_sample(s, s->grp_code == CODE_OK ? y : (float)NAN, s->grp_code);
        s->grp_fill = 0;
        s->grp_code = CODE_OK;
    }
}

/* The status for missing samples: the larger of the two causes (counts indexed by code). */
static uint8_t worse_cause(const size_t *n)
{
    return n[CODE_ARTEFACT] >= n[CODE_MISSING] ? MC_FS_ARTEFACT : MC_FS_NO_SIGNAL;
}

static void set_value(ldf *s, size_t k, double v, uint8_t st)
{
    /* A power of huge samples may be finite in double and not in float: out of range. */
    if (st == MC_FS_OK && !(fabs(v) <= (double)FLT_MAX))
        st = MC_FS_INVALID;
    s->status[k] = st;
    s->value[k] = st == MC_FS_OK ? (float)v : (float)NAN;
}

/* Removes the least-squares line through the finite samples. Drift (DOMAIN.md 3.7) is removed
 * from the CWT input as from the Welch segments: the CWT removes only the mean, so a drift of
 * 40 PU over the window would leave steps at the zero-padded ends and raise band I's normalised
 * amplitude by 5 %. */
static void detrend_window(float *x, size_t n)
{
    double k = 0.0, st = 0.0, sx = 0.0, stt = 0.0, stx = 0.0;
    for (size_t t = 0; t < n; t++) {
        if (!isfinite(x[t]))
            continue;
        k += 1.0;
        st += (double)t;
        sx += (double)x[t];
        stt += (double)t * (double)t;
        stx += (double)t * (double)x[t];
    }
    double den = k * stt - st * st;
    double b = den > 0.0 ? (k * stx - st * sx) / den : 0.0, a = k > 0.0 ? (sx - b * st) / k : 0.0;
    for (size_t t = 0; t < n; t++)
        x[t] = (float)((double)x[t] - (a + b * (double)t));
}

/* The normalised amplitudes from one CWT of the window (DOMAIN.md 3.3 item 3). */
static void amplitudes(ldf *s, uint8_t st)
{
    if (st == MC_FS_OK && s->win_count < 2)
        st = MC_FS_INSUFFICIENT_LENGTH;
    if (st == MC_FS_OK) {
        /* The window, oldest first: until the ring is full, it starts at slot 0. */
        size_t first = s->win_count < s->win_n ? 0 : s->win_pos;
        size_t n1 = s->win_count - first;
        memcpy(s->lin, s->win + first, n1 * sizeof *s->lin);
        memcpy(s->lin + n1, s->win, first * sizeof *s->lin);
        if (s->cfg.detrend == MC_DETREND_LINEAR)
            detrend_window(s->lin, s->win_count);
        if (mc_cwt_process(s->cwt, s->lin, s->win_count, s->amp, NULL) != MC_OK)
            st = MC_FS_INSUFFICIENT_LENGTH;
    }
    double sum_b[N_BANDS] = {0}, total = 0.0;
    size_t n_b[N_BANDS] = {0}, n_total = 0;
    for (size_t k = 0; st == MC_FS_OK && k < s->n_scales; k++) {
        int b = s->scale_band[k];
        if (b < 0)
            continue;
        if (!isfinite(s->amp[k])) /* every sample of this scale is in a cone of influence */
            st = MC_FS_INSUFFICIENT_LENGTH;
        sum_b[b] += s->amp[k];
        n_b[b]++;
        total += s->amp[k];
        n_total++;
    }
    double mean_total = n_total > 0 ? total / (double)n_total : 0.0;
    if (st == MC_FS_OK && !(mean_total > 0.0))
        st = MC_FS_NO_SIGNAL;
    for (int b = 0; b < N_BANDS; b++) {
        uint8_t sb = st == MC_FS_OK && n_b[b] == 0 ? MC_FS_NOT_AVAILABLE : st;
        double v = sb == MC_FS_OK ? sum_b[b] / (double)n_b[b] / mean_total : (double)NAN;
        set_value(s, 3 + 3 * (size_t)b, v, sb);
    }
}

/* The row of the hop that has just ended. */
static void make_row(ldf *s)
{
    const mc_ldf_config *c = &s->cfg;
    const size_t *h = s->hop_n, good = h[CODE_OK], bad_hop = h[CODE_MISSING] + h[CODE_ARTEFACT];
    uint8_t st = MC_FS_OK;
    if (good == 0 || good < bad_hop)
        st = bad_hop > 0 ? worse_cause(h) : MC_FS_INSUFFICIENT_LENGTH;
    set_value(s, 0, good > 0 ? s->perf_sum / (double)good : (double)NAN, st);
    s->perf_sum = 0.0;
    memset(s->hop_n, 0, sizeof s->hop_n);

    /* The window's share of missing samples decides before the segment counts do. */
    uint8_t cover = MC_FS_OK;
    size_t bad = s->cov_n[CODE_ARTEFACT] + s->cov_n[CODE_MISSING];
    if (s->cov_count > 0 && (double)bad > c->artefact_max_frac * (double)s->cov_count)
        cover = worse_cause(s->cov_n);

    double power[N_BANDS];
    uint8_t band_st[N_BANDS], length_st = MC_FS_OK;
    for (int b = 0; b < N_BANDS; b++) {
        band_st[b] = MC_FS_INSUFFICIENT_LENGTH;
        power[b] = (double)NAN;
    }
    for (size_t e = 0; e < s->n_eng; e++) {
        int64_t ok = 0, not_ok = 0;
        mc_welch_get_counts(s->eng[e], &ok, &not_ok);
        size_t valid = 0;
        (void)mc_welch_get_psd(s->eng[e], s->psd, &valid); /* MC_END: no valid segment, psd NaN */
        uint8_t se = MC_FS_OK;
        if ((uint64_t)(ok + not_ok) < (uint64_t)c->min_segments)
            se = MC_FS_INSUFFICIENT_LENGTH;
        else if (cover != MC_FS_OK)
            se = cover;
        else if (valid < (size_t)c->min_segments)
            se = worse_cause(s->cov_n);
        double df = mc_welch_get_df(s->eng[e]);
        size_t n_bins = mc_welch_get_n_bins(s->eng[e]);
        for (int b = 0; b < N_BANDS; b++) {
            if (s->band_eng[b] != (int)e)
                continue;
            band_st[b] = se;
            if (se == MC_FS_OK)
                power[b] =
                    mc_band_power(s->psd, n_bins, df, c->band_edges_hz[b], c->band_edges_hz[b + 1]);
        }
    }

    /* Relative power: the total is the sum of the six, so all six must be numbers. */
    uint8_t rel_st = MC_FS_OK;
    double total = 0.0;
    for (int b = 0; b < N_BANDS; b++) {
        set_value(s, 1 + 3 * (size_t)b, power[b], band_st[b]);
        if (rel_st == MC_FS_OK && s->status[1 + 3 * b] != MC_FS_OK)
            rel_st = s->status[1 + 3 * b];
        if (length_st == MC_FS_OK && band_st[b] == MC_FS_INSUFFICIENT_LENGTH)
            length_st = MC_FS_INSUFFICIENT_LENGTH;
        total += power[b];
    }
    /* DOMAIN.md 9.2: no division by a zero total. A flat line leaves float rounding after the
     * detrend (relative 1e-7, power 1e-14 of the level squared), so "zero" is relative. */
    double level = (double)s->value[0];
    double floor_power = isfinite(level) ? 1e-12 * level * level : 0.0;
    if (rel_st == MC_FS_OK && !(total > floor_power))
        rel_st = MC_FS_NO_SIGNAL;
    for (int b = 0; b < N_BANDS; b++)
        set_value(s, 2 + 3 * (size_t)b, rel_st == MC_FS_OK ? power[b] / total : (double)NAN,
                  rel_st);

    /* The CWT runs only when its normalisation can be a number: every band past its
     * record-length rule and the window clean enough. */
    uint8_t amp_st = !s->cwt ? MC_FS_NOT_AVAILABLE : length_st != MC_FS_OK ? length_st : cover;
    amplitudes(s, amp_st);
}

static size_t ldf_push(void *self, const float *frames, const int64_t *t_ns, size_t n)
{
    ldf *s = self;
    (void)t_ns;
    if (s->row_ready || n == 0)
        return 0;
    size_t take = s->hop_frames - s->hop_pos;
    if (n < take)
        take = n;
    for (size_t i = 0; i < take; i++)
        raw_sample(s, frames[i * s->n_channels + s->channel]);
    s->hop_pos += take;
    s->n_frames += (int64_t)take;
    if (s->hop_pos == s->hop_frames) {
        make_row(s);
        s->hop_pos = 0;
        s->row_ready = 1;
    }
    return take;
}

static int ldf_pop(void *self, mc_analysis_row *row)
{
    ldf *s = self;
    if (!s->row_ready)
        return 0;
    s->row_ready = 0;
    *row = (mc_analysis_row){.end_index = s->n_frames,
                             .end_t_ns = MC_NO_TIME,
                             .n_features = N_FEATURES,
                             .value = s->value,
                             .status = s->status};
    return 1;
}

static size_t ldf_get_n_features(const void *self)
{
    return self ? N_FEATURES : 0;
}

static const mc_feature_def *ldf_get_feature(const void *self, size_t k)
{
    (void)self;
    return k < N_FEATURES ? &features[k] : NULL;
}

static const char *ldf_get_parameters(const void *self)
{
    return ((const ldf *)self)->params;
}

static const mc_analyser_ops ldf_ops = {
    .push = ldf_push,
    .pop = ldf_pop,
    .get_n_features = ldf_get_n_features,
    .get_feature = ldf_get_feature,
    .get_parameters = ldf_get_parameters,
    .destroy = ldf_destroy,
};

/* ---- Creation -------------------------------------------------------------------------------- */

/* Segment length per band, s (see mc_ldf_resolution_rule and min_segment_s). */
static void segment_lengths(const mc_ldf_config *c, double *seg_s)
{
    const double *e = c->band_edges_hz;
    for (int b = 0; b < N_BANDS; b++) {
        double w = e[b + 1] - e[b];
        if (c->rule == MC_LDF_RULE_NEIGHBOURS) {
            if (b > 0 && e[b] - e[b - 1] < w)
                w = e[b] - e[b - 1];
            if (b + 1 < N_BANDS && e[b + 2] - e[b + 1] < w)
                w = e[b + 2] - e[b + 1];
        }
        seg_s[b] = c->resolution / w;
    }
    /* A band that could do with less than min_segment_s joins the shortest length at or above
     * it: a longer segment keeps a strong lower neighbour from leaking in (the myogenic line of
     * the simulator adds 1.1 % to the respiratory band at 32 s, nothing at 97 s) and costs only
     * a longer first wait, which is far below the window. */
    double floor_s = (double)INFINITY;
    for (int b = 0; b < N_BANDS; b++)
        if (seg_s[b] >= c->min_segment_s && seg_s[b] < floor_s)
            floor_s = seg_s[b];
    if (!isfinite(floor_s))
        floor_s = c->min_segment_s;
    for (int b = 0; b < N_BANDS; b++)
        if (seg_s[b] < c->min_segment_s)
            seg_s[b] = floor_s;
}

/* Checks what the table of keys and the rate decide, and sets the decimation factor. */
static mc_status check_config(const mc_ldf_config *c, double fs_hz, size_t *decim_out, mc_diag *d)
{
    char text[64];
    for (size_t i = 0; i < N_KEYS; i++) {
        double v = mc__key_get(c, &keys[i]);
        if (!mc__key_accepts(&keys[i], v)) {
            snprintf(text, sizeof text, "%g", v);
            return mc__key_refuse(&keys[i], "ldf", text, d);
        }
    }
    if ((int)c->detrend < 0 || (int)c->detrend > 2 || (int)c->rule < 0 || (int)c->rule > 1)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "ldf: detrend or resolution_rule out of range");
    if (!edges_valid(c->band_edges_hz))
        return mc_diag_set(d, MC_EINVAL, -1, -1, "ldf band_edges_hz: not 7 increasing numbers");
    const double m = floor(fs_hz / c->decimate_hz + 0.5);
    const size_t decim = m < 1.0 ? 1 : m > 1e6 ? (size_t)1e6 : (size_t)m;
    *decim_out = decim;
    const double fs_dec = fs_hz / (double)decim, top = c->band_edges_hz[N_BANDS];
    if (decim > 1 && !(c->lowpass_hz < 0.5 * fs_hz && c->lowpass_hz <= 0.5 * fs_dec))
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "ldf lowpass_hz = %g: must be below %g Hz (half the decimated rate)",
                           c->lowpass_hz, 0.5 * fs_dec);
    if (!(top < 0.5 * fs_dec) || (decim > 1 && !(top < c->lowpass_hz)))
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "ldf: the top band edge %g Hz must be below half the decimated rate "
                           "(%g Hz) and below lowpass_hz (%g Hz)",
                           top, 0.5 * fs_dec, c->lowpass_hz);
    return MC_OK;
}

static mc_status make_engines(ldf *s, mc_diag *d)
{
    const mc_ldf_config *c = &s->cfg;
    double seg_s[N_BANDS]; /* requested segment length, s */
    segment_lengths(c, seg_s);
    size_t max_bins = 1;
    for (int b = 0; b < N_BANDS; b++) {
        double len_d = ceil(seg_s[b] * s->fs_dec - 1e-9);
        size_t len = len_d < 4.0 ? 4 : len_d > 1e8 ? (size_t)1e8 : (size_t)len_d;
        size_t hop = len / 2;
        size_t k = s->win_n >= len ? (s->win_n - len) / hop + 1 : 0;
        s->band_eng[b] = -1;
        if (k < (size_t)c->min_segments)
            continue; /* this band never gets a number in this window */
        size_t e = 0;
        while (e < s->n_eng && s->eng_len[e] != len)
            e++;
        if (e == s->n_eng) {
            mc_welch_config wc = mc_welch_config_default(s->fs_dec, len);
            wc.n_segments = k;
            wc.detrend = c->detrend;
            mc_status st = mc_welch_create(&wc, &s->eng[e]);
            if (st != MC_OK)
                return mc_diag_set(d, st, -1, -1, "ldf: Welch engine of %zu samples: %s", len,
                                   mc_strerror(st));
            s->eng_len[e] = len;
            s->n_eng++;
            if (mc_welch_get_n_bins(s->eng[e]) > max_bins)
                max_bins = mc_welch_get_n_bins(s->eng[e]);
        }
        s->band_eng[b] = (int)e;
    }
    s->psd = calloc(max_bins, sizeof *s->psd);
    return s->psd ? MC_OK : MC_ENOMEM;
}

static mc_status make_cwt(ldf *s, mc_diag *d)
{
    const double *e = s->cfg.band_edges_hz;
    mc_cwt_config cc = mc_cwt_config_default(s->fs_dec, s->win_n);
    cc.f_min_hz = e[0];
    cc.f_max_hz = e[N_BANDS];
    cc.voices_per_octave = s->cfg.voices_per_octave;
    mc_status st = mc_cwt_create(&cc, &s->cwt);
    if (st != MC_OK)
        return mc_diag_set(d, st, -1, -1, "ldf: wavelet transform: %s", mc_strerror(st));
    s->n_scales = mc_cwt_get_n_scales(s->cwt);
    s->lin = calloc(s->win_n, sizeof *s->lin);
    s->amp = calloc(s->n_scales, sizeof *s->amp);
    s->scale_band = calloc(s->n_scales, sizeof *s->scale_band);
    if (!s->lin || !s->amp || !s->scale_band)
        return MC_ENOMEM;
    const double *f = mc_cwt_get_freqs(s->cwt);
    for (size_t k = 0; k < s->n_scales; k++) {
        s->scale_band[k] = -1;
        for (int b = 0; b < N_BANDS; b++)
            if (f[k] >= e[b] && f[k] < e[b + 1])
                s->scale_band[k] = b;
    }
    return MC_OK;
}

static void describe(ldf *s)
{
    const mc_ldf_config *c = &s->cfg;
    const double *e = c->band_edges_hz;
    char *p = s->params;
    size_t left = sizeof s->params;
    int n = snprintf(p, left,
                     "hop_s=%g window_s=%g decimation=%zu fs_dec_hz=%.6g lowpass_hz=%g "
                     "lowpass_order=%d band_edges_hz=%g,%g,%g,%g,%g,%g,%g resolution=%g "
                     "resolution_rule=%s min_segment_s=%g min_segments=%d detrend=%s "
                     "artefact_k=%g median_s=%g mad_s=%g bridge_s=%g artefact_max_frac=%g "
                     "wavelet=%d voices_per_octave=%d segment_samples=",
                     c->hop_s, c->window_s, s->decim, s->fs_dec, s->decim > 1 ? c->lowpass_hz : 0,
                     s->decim > 1 ? c->lowpass_order : 0, e[0], e[1], e[2], e[3], e[4], e[5], e[6],
                     c->resolution, rule_names[c->rule], c->min_segment_s, c->min_segments,
                     detrend_names[c->detrend], c->artefact_k, c->median_s, c->mad_s, c->bridge_s,
                     c->artefact_max_frac, c->wavelet, c->voices_per_octave);
    for (int b = 0; b < N_BANDS && n > 0 && (size_t)n < left; b++) {
        p += n;
        left -= (size_t)n;
        n = s->band_eng[b] >= 0
                ? snprintf(p, left, "%s%zu", b ? "," : "", s->eng_len[s->band_eng[b]])
                : snprintf(p, left, "%snone", b ? "," : "");
    }
}

mc_status mc_ldf_analyser_create(const mc_ldf_config *cfg, double fs_hz, uint32_t n_channels,
                                 uint32_t channel, mc_diag *d, mc_analyser **out)
{
    if (!out)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "ldf: NULL output");
    *out = NULL;
    mc_ldf_config c = cfg ? *cfg : mc_ldf_config_default();
    if (!(isfinite(fs_hz) && fs_hz > 0.0 && fs_hz <= 1e6))
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "ldf: the rate %g Hz is not usable (a regular stream is needed)", fs_hz);
    if (n_channels == 0 || channel >= n_channels)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "ldf: channel %u of %u channels", channel,
                           n_channels);
    size_t decim = 1;
    mc_status st = check_config(&c, fs_hz, &decim, d);
    if (st != MC_OK)
        return st;
    const double fs_dec = fs_hz / (double)decim;
    const double hop = floor(c.hop_s * fs_hz + 0.5), win = floor(c.window_s * fs_dec + 0.5);
    const double med_w = 2.0 * floor(0.5 * c.median_s * fs_hz + 0.5) + 1.0;
    const double mad_w = floor(c.mad_s * fs_dec + 0.5);
    if (hop < 1.0 || hop > 1e12 || win < 2.0 || win > 1e8 || med_w > 100000.0 || mad_w < 1.0 ||
        mad_w > 100000.0)
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "ldf: at %g Hz (decimated %g Hz) hop_s, window_s, median_s or mad_s "
                           "gives a window of no sample or too many",
                           fs_hz, fs_dec);

    ldf *s = calloc(1, sizeof *s);
    mc_analyser *a = calloc(1, sizeof *a);
    if (!s || !a) {
        free(a);
        free(s);
        return MC_ENOMEM;
    }
    s->cfg = c;
    s->fs_dec = fs_dec;
    s->n_channels = n_channels;
    s->channel = channel;
    s->hop_frames = (size_t)hop;
    s->decim = decim;
    s->med_w = (size_t)med_w;
    s->med_h = s->med_w / 2;
    s->mad_warm = fs_dec < 1.0 ? 1 : (size_t)floor(fs_dec + 0.5);
    s->win_n = (size_t)win;
    s->bridge_n = (size_t)floor(c.bridge_s * fs_dec + 0.5);

    st = MC_ENOMEM;
    s->delay = calloc(s->med_w, sizeof *s->delay);
    s->win = calloc(s->win_n, sizeof *s->win);
    s->cov = calloc(s->win_n, sizeof *s->cov);
    if (!s->delay || !s->win || !s->cov)
        goto fail;
    if ((st = mc_runmed_create(s->med_w, &s->med)) != MC_OK ||
        (st = mc_runmed_create((size_t)mad_w, &s->mad)) != MC_OK)
        goto fail;
    s->mad_now = (float)NAN;
    if (decim > 1) {
        mc_iir_config ic = {MC_IIR_LOWPASS, c.lowpass_order, fs_hz, c.lowpass_hz, 0.0};
        if ((st = mc_iir_create(&ic, &s->lp)) != MC_OK)
            goto fail;
        mc_iir_reset_to(s->lp, (double)NAN); /* start at the first sample's steady state */
    }
    if ((st = make_engines(s, d)) != MC_OK)
        goto fail;
    if (c.wavelet && (st = make_cwt(s, d)) != MC_OK)
        goto fail;
    describe(s);
    a->ops = &ldf_ops;
    a->self = s;
    *out = a;
    return MC_OK;

fail:
    ldf_destroy(s);
    free(a);
    return st;
}
