/* SPDX-License-Identifier: MIT */
/* dsp/ppg_internal.h: private to dsp/ppg.c, dsp/ppg_beats.c and dsp/ppg_judge.c (never included
 * from outside dsp/): the PPG analyser's state, the beat cache and the beat analysis of one hop. */
#ifndef MC_DSP_PPG_INTERNAL_H
#define MC_DSP_PPG_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "dsp/iir.h"
#include "dsp/ppg.h"
#include "dsp/runmed.h"
#include "dsp/spectrum.h"
#include "dsp/welch.h"

#define MC__PPG_PI 3.14159265358979323846

enum {
    MC__PPG_MAX_SPAN = 1 << 24, /* frames in the longest window (pvi_window_s fs) */
    MC__PPG_MAX_SOS = 8,        /* band-pass sections kept for its gain */
    MC__PPG_SMOOTH_MAX = 9,     /* pvi_smooth */
    MC__PPG_BLOCK = 256,        /* frames push filters at a time */
};

/* Why a beat was rejected (bits of mc__ppg.flag). */
enum {
    MC__BEAT_NONFINITE = 1,  /* a NaN sample, a failed fit, DC <= 0 */
    MC__BEAT_CLIPPED = 2,    /* a clipped sample */
    MC__BEAT_SMALL = 4,      /* AC within 4 x the noise */
    MC__BEAT_DURATION = 8,   /* duration outside (ibi_min_s, ibi_max_s) or > 1.6 x the median */
    MC__BEAT_TEMPLATE = 16,  /* template correlation below sqi_threshold, or none */
    MC__BEAT_OUTLIER = 32,   /* PI too far from the span's median (pi_outlier_ratio) */
    MC__BEAT_NEIGHBOUR = 64, /* next to a beat rejected as an artefact */
};

/* One beat between two onsets, as measured once (DOMAIN.md 1.2): times are frames from the start
 * of the stream, so that a beat keeps them while the span moves on. */
typedef struct mc__ppg_beat {
    double t0, t1;         /* onsets (fractional frames), NaN when not found */
    double start;          /* t0, or where it was searched when NaN: which window the beat is in */
    double pk, ac;         /* first measurement: the peak time and AC (all neighbouring feet) */
    double dc_raw;         /* mean raw intensity over the beat, before any lift (see dsp/ppg.c) */
    double vpk[4], vac[4]; /* final measurement with the left (bit 0) and right (bit 1)
                              neighbouring feet allowed in the baseline: index 3 is the first */
    unsigned flag;         /* MC__BEAT_* of the first measurement (NONFINITE, CLIPPED, SMALL,
                              DURATION outside ibi_min_s..ibi_max_s) */
    unsigned vflag[4];     /* the flags of each final measurement */
    int pending;           /* a new beat whose final measurements 0..2 are made when needed,
                              from this hop's region (beat reg_k there) */
    size_t reg_k;
    float *seg; /* [seg_len] smoothed p - baseline, centred on round(pk); NULL if none */
} mc__ppg_beat;

typedef struct mc__ppg {
    mc_ppg_config cfg;
    double fs;
    uint32_t n_channels, channel;
    int urethral;
    double low_perf; /* the site's LOW_PERF threshold, % */
    /* Sizes, frames. The span (pvi_window_s) is the longest window and the ring length. */
    size_t n_win, n_hop, n_span;
    size_t pad;            /* odd reflection at the span's end before the backward pass */
    size_t w_peak, w_beat; /* Elgendi's moving averages (odd) */
    size_t w_tpl;          /* smoothing before the template correlation (odd) */
    size_t min_dist;       /* shortest peak distance, 60 / hr_max */
    size_t clip_run;       /* 0: no clipping check */
    size_t max_beats;      /* capacity of the beat arrays */
    size_t tpl_max;        /* longest template */
    size_t nfft, n_bins;
    double df;
    double sos[6 * MC__PPG_MAX_SOS];
    size_t n_sos;
    /* Streaming state. */
    mc_iir *bp;      /* causal band-pass over the stream */
    mc_iir *bp_back; /* backward pass over each span */
    mc_welch *welch; /* one segment = the window, one per hop */
    float *ring_x;   /* [n_span] raw samples */
    double *ring_y;  /* [n_span] causal band-pass */
    size_t ring_pos;
    float blk_x[MC__PPG_BLOCK];  /* push: the channel's samples, NaN for non-finite */
    double blk_y[MC__PPG_BLOCK]; /* push: their causal band-pass */
    int64_t n_frames, next_row;
    int polarity; /* last decision: -1 inverted, +1 upright */
    double pvi_hist[MC__PPG_SMOOTH_MAX];
    size_t pvi_pos;
    int waiting;
    /* The beat cache: beats measured once, oldest first, in a ring of max_beats; and the beats of
     * this hop's region that are not yet final (provisional). */
    mc__ppg_beat *cache, *prov, *uni; /* [max_beats] each; uni: the span's, cached then new */
    float *cache_seg, *prov_seg;      /* [max_beats seg_len] each */
    size_t seg_len, seg_half;         /* a template segment: 2 seg_half + 1 frames */
    size_t tpl_step;                  /* template grid: every tpl_step-th frame */
    size_t cache_head, n_cache, n_prov;
    int cache_sign; /* the polarity the cached beats were measured with */
    /* The noise: the median |second difference| of each hop-long block of the stream, once. */
    double *noise_med; /* [n_noise_cap] ring of block medians, NaN when none */
    int64_t *noise_at; /* [n_noise_cap] stream index of each block's first centre */
    size_t n_noise_cap, noise_head, n_noise;
    int64_t noise_next;   /* first centre of the next block */
    double sigma;         /* this hop's noise RMS of p within the band, or NaN */
    size_t reg_no, reg_h; /* this hop's region: onsets, fit half-width */
    double reg_at;        /* stream index of the region's first frame */
    size_t freeze_lag;    /* a beat is final when its end is this many frames before the stream's */
    /* Scratch of one hop, indexed by frame within the span (x, y, clip) or within the region
     * whose beats are measured (the rest; rx, ry, rclip point into x, y, clip). */
    double *x, *y, *p, *dd; /* [n_span] raw, causal bp, p = sign x, p - baseline */
    const double *rx, *ry;
    const uint8_t *rclip;
    double *q;             /* [n_span + pad] zero-phase bp, extended past the end */
    double *ext;           /* [n_span + pad + w_beat] backward-pass buffer */
    float *zf, *fa, *fb;   /* [n_span + pad + w_beat] Elgendi, medians */
    double *zd;            /* [n_span + pad + w_beat] Elgendi's z */
    double *pre_s, *pre_c; /* [n_span + pad + w_beat + 1] prefix sums and counts */
    uint8_t *clip;         /* [n_span] clipped samples */
    double *psd;           /* [n_bins] */
    /* Beats: onsets k and k + 1 bound beat k. */
    size_t *fpk;                        /* [max_beats] peaks of the zero-phase band-pass */
    double *on_t, *on_v;                /* onset time (frames, fractional) and p there */
    size_t *on_lo, *on_hi;              /* the onset's search range */
    double *pk_t, *ac, *dc, *pi, *corr; /* per beat */
    double *bmean, *bsd;                /* template segment statistics */
    unsigned *flag;                     /* MC__BEAT_* */
    double *sortd;                      /* [max(max_beats, n_span)] */
    float *tpl;                         /* [tpl_max] */
    float *tz;                          /* [max_beats tpl_max] standardised segments */
    /* The row. */
    float value[MC_PPG_N_FEATURES];
    uint8_t status[MC_PPG_N_FEATURES];
    mc_analysis_row row;
    char params[768];
} mc__ppg;

/* What the beat analysis of one hop gives the row. */
typedef struct mc__ppg_beats {
    double pi;          /* median beat PI of the window's accepted beats, %, or NaN */
    double hr_beat;     /* 60 / median peak interval of consecutive accepted beats, bpm, or NaN */
    double sqi;         /* mean template correlation of the window's beats, 0..1, or NaN */
    double pvi;         /* over the span's accepted beats, %, or NaN */
    uint8_t win_status; /* the window's beats: OK, NO_SIGNAL, CLIPPED, LOW_PERF, MOTION */
    uint8_t span_status;
    size_t n_beats, n_accepted; /* in the window */
    int rhythm_ok;              /* Orphanidou 2015 R2 and R3 on the window's detected beats: no gap
                                   over 3 s, longest / shortest interval under 2.2 */
} mc__ppg_beats;

/* nearbyint(v) as a frame index, 0 for a NaN or a negative v. A NaN is replaced before any
 * comparison or conversion: an optimiser may evaluate both arms of a test, and may compile a
 * comparison to an instruction that raises the invalid-operation flag for a NaN, as does a
 * conversion, and a caller may trap that flag. */
static inline size_t mc__ppg_round(double v)
{
    const double w = isfinite(v) ? v : 0.0;
    return (size_t)nearbyint(fmax(w, 0.0));
}

/* Detect and measure the new beats of the span [0, span) of s->x and s->y (filled by the
 * caller, as s->clip; the arrays are reused as scratch) and judge the span's beats, cached and
 * new; the window is [w0, span); period: the beat period in frames from the spectrum, or NaN;
 * lift: the constant added to s->x (a waveform without DC, see dsp/ppg.c), else 0. */
void mc__ppg_beats_analyse(mc__ppg *s, size_t span, size_t w0, double period, double lift,
                           mc__ppg_beats *out);

/* The final measurement v (mc__ppg_beat.vpk) of a pending beat of this hop's region. */
void mc__ppg_measure_pending(mc__ppg *s, mc__ppg_beat *b, unsigned v);

/* Judge the n_uni beats of s->uni (oldest first, times from the stream's start): template,
 * amplitude outliers, neighbours, the final measurement, and the row's beat values. base: the
 * stream index of span frame 0; span, w0 as above; sigma: the noise of p. */
void mc__ppg_judge(mc__ppg *s, size_t n_uni, double base, size_t span, size_t w0, double lift,
                   double sigma, mc__ppg_beats *out);

/* The pct-th percentile of v[n] (linear between order statistics, as numpy), sorting v in place;
 * NaN when n is 0. */
double mc__ppg_percentile(double *v, size_t n, double pct);

#endif
