/* SPDX-License-Identifier: MIT */
/* dsp/ppg.c: the PPG streaming analyser (DOMAIN.md 1, 2): configuration, the streaming front end
 * (causal band-pass, Welch periodogram, sample rings), and the per-hop row: window checks,
 * spectral HR and PI, RMS PI, PVI and the statuses. Beat detection and the beat-wise PI are in
 * dsp/ppg_beats.c. */
#include "dsp/ppg.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/block.h"
#include "dsp/internal.h"
#include "dsp/ppg_internal.h"

static const mc_feature_def ppg_features[MC_PPG_N_FEATURES] = {
    {"hr", "bpm",
     "spectral peak of the window's Hann periodogram, zero-padded x4, parabolic, half-frequency "
     "rule; beat rate when they disagree by > 10 bpm (DOMAIN.md 2.2)"},
    {"pi", "%",
     "median over accepted beats of 100 AC/DC; Elgendi 2013 on a zero-phase band-pass, feet and "
     "peaks refined on the raw signal by local parabolas, cubic foot baseline, template and "
     "amplitude checks (DOMAIN.md 1.2, 1.3a, 2.3, 2.4)"},
    {"pi_spectral", "%",
     "100 2 A1 / DC, A1 from the periodogram within 2 bins of hr (DOMAIN.md 1.3b)"},
    {"pi_rms", "%",
     "100 2 sqrt(2) std(band-pass 0.5-8 Hz) / DC, gain-corrected at hr (DOMAIN.md 1.3c; not in "
     "the DESIGN vocabulary)"},
    {"pvi", "%",
     "100 (P90 - P10) / P90 of accepted beat PIs over pvi_window_s, median of 3 hops "
     "(DOMAIN.md 1.6)"},
    {"sqi", "1",
     "mean correlation of the window's beats with their median template, Orphanidou 2015 "
     "(DOMAIN.md 2.4)"},
};

/* ---- configuration --------------------------------------------------------------------------- */

mc_ppg_config mc_ppg_config_default(void)
{
    return (mc_ppg_config){
        .window_s = 8.0,
        .hop_s = 1.0,
        .pvi_window_s = 15.0,
        .f_lo_hz = 0.5,
        .f_hi_hz = 8.0,
        .hr_min_bpm = 30.0,
        .hr_max_bpm = 220.0,
        .ibi_min_s = 0.3,
        .ibi_max_s = 2.0,
        .sqi_threshold = 0.86,
        .max_rejected = 0.5,
        .min_beats = 3.0,
        .low_perf_pi = 0.2,
        .low_perf_upi = 1.0,
        .pi_min = 0.02,
        .pi_max = 20.0,
        .dc_min = 0.0,
        .clip_run_s = 0.04,
        .clip_fraction = 0.01,
        .pvi_percentile = 90.0,
        .pvi_smooth = 3.0,
        .pi_outlier_ratio = 1.5,
        .polarity = 0,
        .cubic_baseline = 1,
    };
}

/* The numeric settings and their ranges (dsp/internal.h). */
#define PPG_KEY(f) #f, offsetof(mc_ppg_config, f)
static const mc__key ppg_keys[] = {
    {PPG_KEY(window_s), 2, 120, 0, "s"},
    {PPG_KEY(hop_s), 0, 120, MC__KEY_OPEN_LO, "s"},
    {PPG_KEY(pvi_window_s), 2, 300, 0, "s"},
    {PPG_KEY(f_lo_hz), 0, 100, MC__KEY_OPEN_LO, "Hz"},
    {PPG_KEY(f_hi_hz), 0, 1000, MC__KEY_OPEN_LO, "Hz"},
    {PPG_KEY(hr_min_bpm), 10, 300, 0, "bpm"},
    {PPG_KEY(hr_max_bpm), 10, 400, 0, "bpm"},
    {PPG_KEY(ibi_min_s), 0.05, 5, 0, "s"},
    {PPG_KEY(ibi_max_s), 0.1, 10, 0, "s"},
    {PPG_KEY(sqi_threshold), 0, 1, 0, ""},
    {PPG_KEY(max_rejected), 0, 1, 0, ""},
    {PPG_KEY(min_beats), 2, 20, MC__KEY_WHOLE, "beats"},
    {PPG_KEY(low_perf_pi), 0, 100, 0, "%"},
    {PPG_KEY(low_perf_upi), 0, 100, 0, "%"},
    {PPG_KEY(pi_min), 0, 100, 0, "%"},
    {PPG_KEY(pi_max), 0, 100, MC__KEY_OPEN_LO, "%"},
    {PPG_KEY(dc_min), -1e30, 1e30, 0, "stream units"},
    {PPG_KEY(clip_run_s), 0, 10, 0, "s"},
    {PPG_KEY(clip_fraction), 0, 1, 0, ""},
    {PPG_KEY(pvi_percentile), 50, 100, 0, ""},
    {PPG_KEY(pvi_smooth), 1, 9, MC__KEY_WHOLE, "hops"},
    {PPG_KEY(pi_outlier_ratio), 1, 100, MC__KEY_OPEN_LO, ""},
};
#undef PPG_KEY
enum { N_KEYS = sizeof ppg_keys / sizeof ppg_keys[0] };

mc_status mc_ppg_config_set(mc_ppg_config *cfg, const char *key, const char *value, mc_diag *d)
{
    assert(cfg != NULL);
    mc_diag_clear(d);
    const char *text = value ? value : "";
    if (key && strcmp(key, "polarity") == 0) {
        static const char *const names[] = {"inverted", "auto", "upright"};
        for (int i = 0; i < 3; i++)
            if (strcmp(text, names[i]) == 0) {
                cfg->polarity = i - 1;
                return MC_OK;
            }
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "ppg: polarity='%s' (expected auto, inverted or upright)", text);
    }
    if (key && strcmp(key, "baseline") == 0) {
        if (strcmp(text, "cubic") == 0 || strcmp(text, "linear") == 0) {
            cfg->cubic_baseline = text[0] == 'c';
            return MC_OK;
        }
        return mc_diag_set(d, MC_EINVAL, -1, -1, "ppg: baseline='%s' (expected cubic or linear)",
                           text);
    }
    const mc__key *k = mc__key_find(ppg_keys, N_KEYS, key);
    if (!k)
        return mc__key_unknown(ppg_keys, N_KEYS, "ppg", key, "polarity, baseline", d);
    return mc__key_set(cfg, k, "ppg", text, d);
}

/* ---- the streaming front end -------------------------------------------------------------- */

static void ppg_hop(mc__ppg *s);

static size_t ppg_push(void *self, const float *frames, const int64_t *t_ns, size_t n)
{
    mc__ppg *s = self;
    (void)t_ns; /* a regular stream: time is the frame index */
    if (s->waiting)
        return 0;
    assert(n == 0 || frames != NULL);
    size_t i = 0;
    /* In blocks that end at the next hop boundary at the latest: every state (filter, Welch
     * segment, rings, the hop counter) follows the frame sequence alone, and the filter and the
     * Welch segment give the same values however their input is split, so a row never depends
     * on how frames were blocked. */
    while (i < n) {
        size_t m = n - i, to_row = (size_t)(s->next_row - s->n_frames);
        m = m < to_row ? m : to_row;
        m = m < MC__PPG_BLOCK ? m : MC__PPG_BLOCK;
        for (size_t j = 0; j < m; j++) {
            float xf = frames[(i + j) * s->n_channels + s->channel];
            s->blk_x[j] = isfinite(xf) ? xf : (float)NAN;
            s->blk_y[j] = (double)s->blk_x[j];
        }
        mc_iir_process_double(s->bp, s->blk_y, s->blk_y, m);
        for (size_t j = 0; j < m;) { /* into the rings, in at most two pieces */
            size_t run = s->n_span - s->ring_pos < m - j ? s->n_span - s->ring_pos : m - j;
            memcpy(s->ring_x + s->ring_pos, s->blk_x + j, run * sizeof *s->ring_x);
            memcpy(s->ring_y + s->ring_pos, s->blk_y + j, run * sizeof *s->ring_y);
            s->ring_pos = s->ring_pos + run == s->n_span ? 0 : s->ring_pos + run;
            j += run;
        }
        (void)mc_welch_push(s->welch, s->blk_x, m);
        s->n_frames += (int64_t)m;
        i += m;
        if (s->n_frames == s->next_row) {
            ppg_hop(s);
            s->next_row += (int64_t)s->n_hop;
            s->waiting = 1;
            break;
        }
    }
    return i;
}

static int ppg_pop(void *self, mc_analysis_row *row)
{
    mc__ppg *s = self;
    if (!s->waiting)
        return 0;
    s->waiting = 0;
    *row = s->row;
    return 1;
}

static size_t ppg_get_n_features(const void *self)
{
    (void)self;
    return MC_PPG_N_FEATURES;
}

static const mc_feature_def *ppg_get_feature(const void *self, size_t k)
{
    (void)self;
    return k < MC_PPG_N_FEATURES ? &ppg_features[k] : NULL;
}

static const char *ppg_get_parameters(const void *self)
{
    const mc__ppg *s = self;
    return s->params;
}

static void ppg_destroy(void *self)
{
    mc__ppg *s = self;
    if (!s)
        return;
    mc_iir_destroy(s->bp);
    mc_iir_destroy(s->bp_back);
    mc_welch_destroy(s->welch);
    void *arrays[] = {s->ring_x,   s->ring_y,    s->x,       s->y,    s->q,     s->p,
                      s->dd,       s->ext,       s->zf,      s->fa,   s->fb,    s->clip,
                      s->psd,      s->fpk,       s->on_t,    s->on_v, s->on_lo, s->on_hi,
                      s->pk_t,     s->ac,        s->dc,      s->pi,   s->corr,  s->bmean,
                      s->bsd,      s->flag,      s->sortd,   s->tpl,  s->zd,    s->pre_s,
                      s->pre_c,    s->tz,        s->cache,   s->prov, s->uni,   s->cache_seg,
                      s->prov_seg, s->noise_med, s->noise_at};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        free(arrays[i]);
    free(s);
}

static const mc_analyser_ops ppg_ops = {
    .push = ppg_push,
    .pop = ppg_pop,
    .get_n_features = ppg_get_n_features,
    .get_feature = ppg_get_feature,
    .get_parameters = ppg_get_parameters,
    .destroy = ppg_destroy,
};

/* ---- creation ------------------------------------------------------------------------------ */

static int site_is_urethral(const char *site)
{
    static const char *const names[] = {"urethra", "urethral"};
    for (size_t k = 0; site && k < 2; k++) {
        size_t i = 0;
        while (site[i] && names[k][i] && (site[i] | 0x20) == names[k][i])
            i++;
        if (!site[i] && !names[k][i])
            return 1;
    }
    return 0;
}

/* Frames for a duration: nearest whole number, at least 1. */
static size_t frames_of(double seconds, double fs_hz)
{
    double v = nearbyint(seconds * fs_hz);
    return v < 1.0 ? 1 : (size_t)v;
}

static size_t odd_frames(double seconds, double fs_hz)
{
    size_t w = frames_of(seconds, fs_hz);
    return w % 2 ? w : w + 1;
}

static size_t next_pow2(size_t n)
{
    size_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

static mc_status check_settings(const mc_ppg_config *c, double fs, mc_diag *d)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        double v = mc__key_get(c, &ppg_keys[i]);
        if (!mc__key_accepts(&ppg_keys[i], v)) {
            char text[32];
            snprintf(text, sizeof text, "%g", v);
            return mc__key_refuse(&ppg_keys[i], "ppg", text, d);
        }
    }
    if (c->polarity < -1 || c->polarity > 1 || (c->cubic_baseline != 0 && c->cubic_baseline != 1))
        return mc_diag_set(d, MC_EINVAL, -1, -1, "ppg: polarity %d or baseline %d out of range",
                           c->polarity, c->cubic_baseline);
    if (!(isfinite(fs) && fs > 0))
        return mc_diag_set(d, MC_EINVAL, -1, -1, "ppg: rate %g Hz is not a number > 0", fs);
    if (c->hop_s > c->window_s || c->pvi_window_s < c->window_s)
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "ppg: expected hop_s (%g) <= window_s (%g) <= pvi_window_s (%g)",
                           c->hop_s, c->window_s, c->pvi_window_s);
    if (!(c->f_lo_hz < c->f_hi_hz && c->f_hi_hz < 0.5 * fs))
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "ppg: band %g-%g Hz does not fit under the Nyquist frequency %g Hz",
                           c->f_lo_hz, c->f_hi_hz, 0.5 * fs);
    if (!(c->hr_min_bpm < c->hr_max_bpm && c->hr_max_bpm / 60.0 < 0.5 * fs))
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "ppg: heart-rate range %g-%g bpm is empty or above Nyquist (%g Hz)",
                           c->hr_min_bpm, c->hr_max_bpm, 0.5 * fs);
    if (!(c->ibi_min_s < c->ibi_max_s) || !(c->pi_min < c->pi_max))
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "ppg: expected ibi_min_s < ibi_max_s and "
                           "pi_min < pi_max");
    if (c->pvi_window_s * fs > (double)MC__PPG_MAX_SPAN || c->window_s * fs < 64.0)
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "ppg: windows of %g-%g s at %g Hz are not 64 .. %d frames", c->window_s,
                           c->pvi_window_s, fs, MC__PPG_MAX_SPAN);
    return MC_OK;
}

static void write_parameters(mc__ppg *s)
{
    size_t len = 0, cap = sizeof s->params;
    for (size_t i = 0; i < N_KEYS && len < cap; i++)
        len += (size_t)snprintf(s->params + len, cap - len, "%s=%.9g ", ppg_keys[i].name,
                                mc__key_get(&s->cfg, &ppg_keys[i]));
    static const char *const pol[] = {"inverted", "auto", "upright"};
    if (len < cap)
        snprintf(s->params + len, cap - len,
                 "polarity=%s baseline=%s site=%s fs_hz=%.9g channel=%u nfft=%zu",
                 pol[s->cfg.polarity + 1], s->cfg.cubic_baseline ? "cubic" : "linear",
                 s->urethral ? "urethral" : "finger", s->fs, (unsigned)s->channel, s->nfft);
}

mc_status mc_ppg_analyser_create(const mc_ppg_config *cfg, double fs_hz, uint32_t n_channels,
                                 uint32_t ir_channel, const char *site, mc_diag *d,
                                 mc_analyser **out)
{
    assert(out != NULL);
    *out = NULL;
    mc_diag_clear(d);
    if (!cfg)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "ppg: no configuration");
    mc_status st = check_settings(cfg, fs_hz, d);
    if (st != MC_OK)
        return st;
    if (n_channels == 0 || ir_channel >= n_channels)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "ppg: channel %u of %u channels",
                           (unsigned)ir_channel, (unsigned)n_channels);

    mc_analyser *a = calloc(1, sizeof *a);
    mc__ppg *s = calloc(1, sizeof *s);
    st = MC_ENOMEM;
    if (!a || !s)
        goto fail;
    s->cfg = *cfg;
    s->fs = fs_hz;
    s->n_channels = n_channels;
    s->channel = ir_channel;
    s->urethral = site_is_urethral(site);
    s->low_perf = s->urethral ? cfg->low_perf_upi : cfg->low_perf_pi;
    s->n_win = frames_of(cfg->window_s, fs_hz);
    s->n_hop = frames_of(cfg->hop_s, fs_hz);
    s->n_span = frames_of(cfg->pvi_window_s, fs_hz);
    if (s->n_hop > s->n_win)
        s->n_hop = s->n_win;
    if (s->n_span < s->n_win)
        s->n_span = s->n_win;
    s->next_row = (int64_t)s->n_win;
    s->pad = frames_of(1.0, fs_hz) < s->n_span ? frames_of(1.0, fs_hz) : s->n_span - 1;
    s->w_peak = odd_frames(0.111, fs_hz);
    s->w_beat = odd_frames(0.667, fs_hz);
    s->w_tpl = odd_frames(0.5 / cfg->f_hi_hz, fs_hz);
    s->min_dist = frames_of(60.0 / cfg->hr_max_bpm, fs_hz);
    s->clip_run = cfg->clip_run_s > 0 ? frames_of(cfg->clip_run_s, fs_hz) : 0;
    if (s->clip_run > 0 && s->clip_run < 3)
        s->clip_run = 3;
    s->max_beats = s->n_span / s->min_dist + 4;
    s->tpl_max = frames_of(cfg->ibi_max_s, fs_hz) + 1;
    s->polarity = cfg->polarity != 0 ? cfg->polarity : -1;
    s->cache_sign = s->polarity;
    s->seg_half = s->tpl_max / 2 + 1;
    s->seg_len = 2 * s->seg_half + 1;
    s->freeze_lag = frames_of(1.0, fs_hz);
    s->n_noise_cap = s->n_span / s->n_hop + 2;
    s->noise_next = 1;
    s->tpl_step = (size_t)floor(fs_hz / (4.0 * cfg->f_hi_hz));
    s->tpl_step = s->tpl_step < 1 ? 1 : s->tpl_step;
    for (size_t i = 0; i < MC__PPG_SMOOTH_MAX; i++)
        s->pvi_hist[i] = (double)NAN;

    mc_iir_config bp = {MC_IIR_BANDPASS, 2, fs_hz, cfg->f_lo_hz, cfg->f_hi_hz};
    if (mc_iir_create(&bp, &s->bp) != MC_OK || mc_iir_create(&bp, &s->bp_back) != MC_OK)
        goto fail;
    mc_iir_reset_to(s->bp, (double)NAN); /* the first finite sample starts at its steady state */
    s->n_sos = mc_iir_get_sos(s->bp, s->sos, MC__PPG_MAX_SOS);
    if (s->n_sos > MC__PPG_MAX_SOS)
        goto fail;
    s->nfft = 4 * next_pow2(s->n_win);
    mc_welch_config wc = mc_welch_config_default(fs_hz, s->n_win);
    wc.nfft = s->nfft;
    wc.seg_hop = s->n_hop;
    wc.n_segments = 1;
    wc.detrend = MC_DETREND_MEAN;
    st = mc_welch_create(&wc, &s->welch);
    if (st != MC_OK)
        goto fail;
    st = MC_ENOMEM;
    s->n_bins = mc_welch_get_n_bins(s->welch);
    s->df = mc_welch_get_df(s->welch);

    const size_t m = s->n_span, me = m + s->pad + s->w_beat + s->w_tpl, b = s->max_beats;
    s->ring_x = calloc(m, sizeof *s->ring_x);
    s->ring_y = calloc(m, sizeof *s->ring_y);
    s->x = calloc(m, sizeof *s->x);
    s->y = calloc(m, sizeof *s->y);
    s->q = calloc(m + s->pad, sizeof *s->q);
    s->p = calloc(m, sizeof *s->p);
    s->dd = calloc(m, sizeof *s->dd);
    s->ext = calloc(me, sizeof *s->ext);
    s->zf = calloc(me, sizeof *s->zf);
    s->fa = calloc(me, sizeof *s->fa);
    s->fb = calloc(me, sizeof *s->fb);
    s->zd = calloc(me, sizeof *s->zd);
    s->pre_s = calloc(me + 1, sizeof *s->pre_s);
    s->pre_c = calloc(me + 1, sizeof *s->pre_c);
    s->clip = calloc(m, sizeof *s->clip);
    s->psd = calloc(s->n_bins, sizeof *s->psd);
    s->fpk = calloc(b, sizeof *s->fpk);
    s->on_t = calloc(b, sizeof *s->on_t);
    s->on_v = calloc(b, sizeof *s->on_v);
    s->on_lo = calloc(b, sizeof *s->on_lo);
    s->on_hi = calloc(b, sizeof *s->on_hi);
    s->pk_t = calloc(b, sizeof *s->pk_t);
    s->ac = calloc(b, sizeof *s->ac);
    s->dc = calloc(b, sizeof *s->dc);
    s->pi = calloc(b, sizeof *s->pi);
    s->corr = calloc(b, sizeof *s->corr);
    s->bmean = calloc(b, sizeof *s->bmean);
    s->bsd = calloc(b, sizeof *s->bsd);
    s->flag = calloc(b, sizeof *s->flag);
    s->sortd = calloc(b > m ? b : m, sizeof *s->sortd);
    s->tpl = calloc(s->tpl_max, sizeof *s->tpl);
    s->tz = calloc(b * s->tpl_max, sizeof *s->tz);
    s->noise_med = calloc(s->n_noise_cap, sizeof *s->noise_med);
    s->noise_at = calloc(s->n_noise_cap, sizeof *s->noise_at);
    s->cache = calloc(b, sizeof *s->cache);
    s->prov = calloc(b, sizeof *s->prov);
    s->uni = calloc(b, sizeof *s->uni);
    s->cache_seg = calloc(b * s->seg_len, sizeof *s->cache_seg);
    s->prov_seg = calloc(b * s->seg_len, sizeof *s->prov_seg);
    if (!s->ring_x || !s->ring_y || !s->x || !s->y || !s->q || !s->p || !s->dd || !s->ext ||
        !s->zf || !s->fa || !s->fb || !s->clip || !s->psd || !s->fpk || !s->on_t || !s->on_v ||
        !s->on_lo || !s->on_hi || !s->pk_t || !s->ac || !s->dc || !s->pi || !s->corr || !s->bmean ||
        !s->bsd || !s->flag || !s->sortd || !s->tpl || !s->noise_med || !s->noise_at || !s->zd ||
        !s->pre_s || !s->pre_c || !s->tz || !s->cache || !s->prov || !s->uni || !s->cache_seg ||
        !s->prov_seg)
        goto fail;

    s->row.n_features = MC_PPG_N_FEATURES;
    s->row.value = s->value;
    s->row.status = s->status;
    write_parameters(s);
    a->ops = &ppg_ops;
    a->self = s;
    *out = a;
    return MC_OK;

fail:
    ppg_destroy(s);
    free(a);
    return st == MC_OK ? MC_ENOMEM : st;
}

/* ---- one hop ------------------------------------------------------------------------------- */

/* Marks runs of at least clip_run identical samples whose value is an extreme of the window or
 * of the span (DOMAIN.md 1.7: clipping at the ADC rails; a float stream does not carry its rails,
 * so its own extremes stand for them: a clipped peak sits there, stuck). Equality compares bits
 * of finite values. @return the marked samples inside the window [w0, n) */
static size_t mark_clipped(mc__ppg *s, size_t n, size_t w0, const double ext[4])
{
    memset(s->clip, 0, n);
    size_t count = 0;
    for (size_t i = 0; i < n && s->clip_run > 0;) {
        size_t j = i + 1;
        double v = s->x[i];
        if (isfinite(v))
            while (j < n && s->x[j] == v)
                j++;
        if (j - i >= s->clip_run && isfinite(v) &&
            (v == ext[0] || v == ext[1] || v == ext[2] || v == ext[3])) {
            memset(s->clip + i, 1, j - i);
            count += j > w0 ? j - (i > w0 ? i : w0) : 0;
        }
        i = j;
    }
    return count;
}

/* |H(f)| of the band-pass, from its sections (pi_rms is divided by it at hr). */
static double bp_gain(const mc__ppg *s, double f_hz)
{
    double w = 2.0 * MC__PPG_PI * f_hz / s->fs, g = 1.0;
    double c1 = cos(w), s1 = sin(w), c2 = cos(2 * w), s2 = sin(2 * w);
    for (size_t k = 0; k < s->n_sos; k++) {
        const double *c = s->sos + 6 * k;
        double nr = c[0] + c[1] * c1 + c[2] * c2, ni = -(c[1] * s1 + c[2] * s2);
        double dr = c[3] + c[4] * c1 + c[5] * c2, di = -(c[4] * s1 + c[5] * s2);
        g *= sqrt((nr * nr + ni * ni) / (dr * dr + di * di));
    }
    return g;
}

/* HR from the periodogram of the window (DOMAIN.md 2.2), NaN when the window held a NaN. When the
 * half frequency carries at least 0.3 of the peak power, the peak was the second harmonic of a
 * weak fundamental: the half frequency is taken, refined within 2 native bins. */
static double spectral_hr(mc__ppg *s)
{
    size_t n_valid = 0;
    if (mc_welch_get_psd(s->welch, s->psd, &n_valid) != MC_OK)
        return (double)NAN;
    double f_lo = s->cfg.hr_min_bpm / 60.0, f_hi = s->cfg.hr_max_bpm / 60.0, f = 0, p = 0;
    if (mc_spectrum_peak(s->psd, s->n_bins, s->df, f_lo, f_hi, &f, &p) != MC_OK)
        return (double)NAN;
    double half = 0.5 * f, native = s->fs / (double)s->n_win, f2 = 0;
    size_t m = (size_t)nearbyint(half / s->df);
    if (half >= f_lo && m < s->n_bins && s->psd[m] >= 0.3 * p &&
        mc_spectrum_peak(s->psd, s->n_bins, s->df, half - 2 * native, half + 2 * native, &f2,
                         NULL) == MC_OK)
        f = f2;
    return 60.0 * f;
}

/* Median-smoothed PVI over the last pvi_smooth hops (DOMAIN.md 1.6); raw is NaN when invalid. */
static double pvi_smoothed(mc__ppg *s, double raw)
{
    size_t len = (size_t)s->cfg.pvi_smooth, k = 0;
    s->pvi_hist[s->pvi_pos] = raw;
    s->pvi_pos = (s->pvi_pos + 1) % len;
    if (isnan(raw))
        return raw;
    double v[MC__PPG_SMOOTH_MAX];
    for (size_t i = 0; i < len; i++)
        if (!isnan(s->pvi_hist[i]))
            v[k++] = s->pvi_hist[i];
    return mc__ppg_percentile(v, k, 50.0);
}

/* A PI feature's status from its value, given the window's gates. */
static uint8_t pi_status(const mc__ppg *s, uint8_t gate, double v)
{
    if (gate != MC_FS_OK)
        return gate;
    if (!isfinite(v))
        return MC_FS_NO_SIGNAL;
    if (v < s->cfg.pi_min || v > s->cfg.pi_max)
        return MC_FS_INVALID;
    return v < s->low_perf ? MC_FS_LOW_PERF : MC_FS_OK;
}

/* Noise within the pass band (DOMAIN.md 1.4): the second difference of white noise has variance
 * 6 sigma^2, and its median absolute value (/ 0.6745) ignores the pulse's own curvature at the
 * peaks; the band 0..f_hi holds 2 f_hi / fs of white noise's power. This is the noise the
 * band-limited pulse competes with, the same at any sample rate (a per-sample noise would make
 * the AC rule stricter at higher rates). The median is taken once for each hop-long block of the
 * stream, as soon as the block is in the span, and sigma is the median of the span's blocks: a
 * hop's cost does not grow with the span. The sign of p does not change |second differences|. */
static void update_noise(mc__ppg *s, size_t span)
{
    const int64_t base = s->n_frames - (int64_t)span;
    if (s->noise_next < base + 1)
        s->noise_next = base + 1;
    while (s->noise_next + (int64_t)s->n_hop < s->n_frames) {
        size_t k = 0, i0 = (size_t)(s->noise_next - base);
        for (size_t i = i0; i < i0 + s->n_hop; i++) {
            double d2 = s->x[i + 1] - 2.0 * s->x[i] + s->x[i - 1];
            if (isfinite(d2))
                s->fa[k++] = (float)fabs(d2);
        }
        if (s->n_noise == s->n_noise_cap) {
            s->noise_head = s->noise_head + 1 == s->n_noise_cap ? 0 : s->noise_head + 1;
            s->n_noise--;
        }
        size_t j = (s->noise_head + s->n_noise) % s->n_noise_cap;
        s->noise_med[j] = k > 0 ? mc_median(s->fa, k, s->fb) : (double)NAN;
        s->noise_at[j] = s->noise_next;
        s->n_noise++;
        s->noise_next += (int64_t)s->n_hop;
    }
    size_t m = 0;
    for (size_t i = 0; i < s->n_noise; i++) {
        size_t j = (s->noise_head + i) % s->n_noise_cap;
        if (s->noise_at[j] > base && !isnan(s->noise_med[j]))
            s->sortd[m++] = s->noise_med[j];
    }
    double in_band = sqrt(fmin(1.0, 2.0 * s->cfg.f_hi_hz / s->fs));
    s->sigma = m > 0 ? in_band * mc__ppg_percentile(s->sortd, m, 50.0) / (0.6745 * sqrt(6.0))
                     : (double)NAN;
}

static void ppg_hop(mc__ppg *s)
{
    const size_t span = s->n_frames < (int64_t)s->n_span ? (size_t)s->n_frames : s->n_span;
    const size_t w0 = span - s->n_win, first = (s->ring_pos + s->n_span - span) % s->n_span;
    double v[MC_PPG_N_FEATURES];
    uint8_t st[MC_PPG_N_FEATURES];
    for (size_t k = 0; k < MC_PPG_N_FEATURES; k++) {
        v[k] = (double)NAN;
        st[k] = MC_FS_NO_SIGNAL;
    }

    /* The span out of the rings, in at most two contiguous pieces. */
    for (size_t i = 0, r = first; i < span;) {
        size_t run = s->n_span - r < span - i ? s->n_span - r : span - i;
        for (size_t j = 0; j < run; j++)
            s->x[i + j] = (double)s->ring_x[r + j];
        memcpy(s->y + i, s->ring_y + r, run * sizeof *s->y);
        i += run;
        r = 0;
    }
    /* Window checks on the raw samples (DOMAIN.md 1.7, 2.4 cheap gates). Non-finite samples are
     * NaN in the ring; each is replaced by a neutral value before any comparison, as an optimiser
     * may compile a comparison to an instruction that raises the invalid-operation flag for a
     * NaN, which a caller may trap. */
    const double inf = (double)INFINITY;
    double sum = 0, ext[4] = {inf, -inf, inf, -inf}; /* min, max: window, span */
    size_t n_fin = 0;
    for (size_t i = 0; i < w0; i++) {
        const int nan = isnan(s->x[i]);
        const double lo = nan ? inf : s->x[i], hi = nan ? -inf : s->x[i];
        ext[2] = lo < ext[2] ? lo : ext[2];
        ext[3] = hi > ext[3] ? hi : ext[3];
    }
    double lo_w = inf, hi_w = -inf;
    for (size_t i = w0; i < span; i++) {
        const int nan = isnan(s->x[i]);
        const double lo = nan ? inf : s->x[i], hi = nan ? -inf : s->x[i];
        lo_w = lo < lo_w ? lo : lo_w;
        hi_w = hi > hi_w ? hi : hi_w;
        sum += nan ? 0.0 : s->x[i];
        n_fin += !nan;
    }
    ext[0] = lo_w;
    ext[1] = hi_w;
    ext[2] = ext[0] < ext[2] ? ext[0] : ext[2];
    ext[3] = ext[1] > ext[3] ? ext[1] : ext[3];
    update_noise(s, span);
    double dc = n_fin > 0 ? sum / (double)n_fin : (double)NAN;
    int no_signal = 2 * n_fin < s->n_win || !isfinite(dc) || !(ext[1] - ext[0] > 1e-6 * fabs(dc));
    if (no_signal) {
        (void)pvi_smoothed(s, (double)NAN);
        goto emit;
    }
    /* A mean not above half the window's range is intensity reaching zero (sensor off, ambient
     * subtraction under-run: a PI there would exceed 200 %), or a waveform whose DC was removed,
     * as monitors export their pleth (DOMAIN.md 0, "three things most often done wrong"). No PI
     * can be had (NO_SIGNAL, DOMAIN.md 1.7), but the pulse still gives the heart rate and the
     * signal quality: the beats are measured on the waveform lifted to a positive level, which
     * keeps every beat-to-beat ratio the acceptance rules use. */
    const int no_dc = !(dc > s->cfg.dc_min) || !(dc > 0.5 * (ext[1] - ext[0]));
    double lift = 0;
    if (no_dc) {
        lift = 10.0 * (ext[3] - ext[2]) - ext[2];
        for (size_t i = 0; i < span; i++)
            s->x[i] += lift;
        for (size_t k = 0; k < 4; k++)
            ext[k] += lift;
        dc += lift;
    }
    size_t n_clip = mark_clipped(s, span, w0, ext);
    const uint8_t clip_gate =
        (double)n_clip > s->cfg.clip_fraction * (double)s->n_win ? MC_FS_CLIPPED : MC_FS_OK;

    mc__ppg_beats res;
    double hr_spec = spectral_hr(s), hr = hr_spec;
    mc__ppg_beats_analyse(s, span, w0, 60.0 * s->fs / hr_spec, lift, &res);

    /* Heart rate: spectral, cross-checked by the beats (DOMAIN.md 2.2). */
    if (!isfinite(hr) || (isfinite(res.hr_beat) && fabs(hr - res.hr_beat) > 10.0))
        hr = res.hr_beat;
    st[MC_PPG_HR] = res.win_status == MC_FS_CLIPPED ? MC_FS_OK : res.win_status;
    if (st[MC_PPG_HR] == MC_FS_OK && !isfinite(hr))
        st[MC_PPG_HR] = MC_FS_NO_SIGNAL;
    else if (st[MC_PPG_HR] == MC_FS_OK && (hr < s->cfg.hr_min_bpm || hr > s->cfg.hr_max_bpm))
        st[MC_PPG_HR] = MC_FS_INVALID;
    v[MC_PPG_HR] = hr;
    double f_hr = isfinite(hr) ? hr / 60.0 : hr_spec / 60.0;

    /* Beat-wise PI (DOMAIN.md 1.3a). */
    uint8_t gate = clip_gate != MC_FS_OK ? clip_gate : res.win_status;
    v[MC_PPG_PI] = res.pi;
    st[MC_PPG_PI] = pi_status(s, gate, res.pi);

    /* Spectral and RMS PI (DOMAIN.md 1.3b, c): not limited by beat counts, only by artefacts. */
    gate = clip_gate != MC_FS_OK            ? clip_gate
           : res.win_status == MC_FS_MOTION ? MC_FS_MOTION
                                            : MC_FS_OK;
    double native = s->fs / (double)s->n_win;
    if (isfinite(f_hr) && isfinite(s->psd[0])) {
        double p1 = mc_band_power(s->psd, s->n_bins, s->df, f_hr - 2 * native,
                                  f_hr + 2 * native + 0.5 * s->df);
        v[MC_PPG_PI_SPECTRAL] = 100.0 * 2.0 * sqrt(2.0 * p1) / dc;
    }
    st[MC_PPG_PI_SPECTRAL] = pi_status(s, gate, v[MC_PPG_PI_SPECTRAL]);
    double ym = 0, yv = 0;
    size_t ny = 0;
    for (size_t i = w0; i < span; i++)
        if (isfinite(s->y[i])) {
            ym += s->y[i];
            ny++;
        }
    ym = ny > 0 ? ym / (double)ny : 0;
    for (size_t i = w0; i < span; i++)
        if (isfinite(s->y[i]))
            yv += (s->y[i] - ym) * (s->y[i] - ym);
    double gain = isfinite(f_hr) ? bp_gain(s, f_hr) : 1.0;
    if (n_fin == s->n_win && ny > 1 && gain > 0.1) /* a gap restarts the filter: no RMS */
        v[MC_PPG_PI_RMS] = 100.0 * 2.0 * sqrt(2.0) * sqrt(yv / (double)ny) / gain / dc;
    st[MC_PPG_PI_RMS] = pi_status(s, gate, v[MC_PPG_PI_RMS]);

    /* PVI over the span's beats (DOMAIN.md 1.6). */
    uint8_t pvi_st = s->n_frames < (int64_t)s->n_span ? MC_FS_INSUFFICIENT_LENGTH
                     : clip_gate != MC_FS_OK          ? clip_gate
                                                      : res.span_status;
    if (pvi_st == MC_FS_OK && st[MC_PPG_PI] == MC_FS_LOW_PERF)
        pvi_st = MC_FS_LOW_PERF;
    double pvi = pvi_st == MC_FS_OK ? res.pvi : (double)NAN;
    v[MC_PPG_PVI] = pvi_smoothed(s, pvi);
    st[MC_PPG_PVI] = pvi_st == MC_FS_OK && !isfinite(v[MC_PPG_PVI]) ? MC_FS_NO_SIGNAL : pvi_st;

    v[MC_PPG_SQI] = res.sqi;
    st[MC_PPG_SQI] = !isfinite(res.sqi) ? MC_FS_NO_SIGNAL
                     : !res.rhythm_ok   ? MC_FS_MOTION
                                        : MC_FS_OK;
    if (no_dc) {
        static const int pi_family[] = {MC_PPG_PI, MC_PPG_PI_SPECTRAL, MC_PPG_PI_RMS, MC_PPG_PVI};
        for (size_t k = 0; k < sizeof pi_family / sizeof pi_family[0]; k++)
            st[pi_family[k]] = MC_FS_NO_SIGNAL;
    }

emit:
    for (size_t k = 0; k < MC_PPG_N_FEATURES; k++) {
        /* Every OK value was range-checked, so the conversion to float cannot overflow. */
        if (st[k] == MC_FS_OK && !(isfinite(v[k]) && fabs(v[k]) < 1e30))
            st[k] = MC_FS_NO_SIGNAL;
        s->value[k] = st[k] == MC_FS_OK ? (float)v[k] : (float)NAN;
        s->status[k] = st[k];
    }
    s->row.end_index = s->n_frames;
    s->row.end_t_ns = MC_NO_TIME;
}
