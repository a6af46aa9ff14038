/* SPDX-License-Identifier: MIT */
/* dsp/ppg_internal.h: private to dsp/ppg.c and dsp/ppg_beats.c (never included from outside dsp/):
 * the PPG analyser's state and the beat analysis of one hop. */
#ifndef MC_DSP_PPG_INTERNAL_H
#define MC_DSP_PPG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/iir.h"
#include "dsp/movavg.h"
#include "dsp/ppg.h"
#include "dsp/runmed.h"
#include "dsp/spectrum.h"
#include "dsp/welch.h"

#define MC__PPG_PI 3.14159265358979323846

enum {
    MC__PPG_MAX_SPAN = 1 << 24, /* frames in the longest window (pvi_window_s fs) */
    MC__PPG_MAX_SOS = 8,        /* band-pass sections kept for its gain */
    MC__PPG_SMOOTH_MAX = 9,     /* pvi_smooth */
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
    mc_movavg *ma_peak, *ma_beat, *ma_tpl;
    float *ring_x;  /* [n_span] raw samples */
    double *ring_y; /* [n_span] causal band-pass */
    size_t ring_pos;
    int64_t n_frames, next_row;
    int polarity; /* last decision: -1 inverted, +1 upright */
    double pvi_hist[MC__PPG_SMOOTH_MAX];
    size_t pvi_pos;
    int waiting;
    /* Scratch of one hop, indexed by frame within the span. */
    double *x, *y, *p, *dd; /* [n_span] raw, causal bp, p = sign x, p - baseline */
    double *q;              /* [n_span + pad] zero-phase bp, extended past the end */
    double *ext;            /* [n_span + pad + w_beat] backward-pass buffer */
    float *zf, *fa, *fb;    /* [n_span + pad + w_beat] Elgendi, medians */
    uint8_t *clip;          /* [n_span] clipped samples */
    double *psd;            /* [n_bins] */
    /* Beats: onsets k and k + 1 bound beat k. */
    size_t *fpk;                        /* [max_beats] peaks of the zero-phase band-pass */
    double *on_t, *on_v;                /* onset time (frames, fractional) and p there */
    size_t *on_lo, *on_hi;              /* the onset's search range */
    double *pk_t, *ac, *dc, *pi, *corr; /* per beat */
    double *bmean, *bsd;                /* template segment statistics */
    unsigned *flag;                     /* MC__BEAT_* */
    double *sortd;                      /* [max(max_beats, n_span)] */
    float *tpl;                         /* [tpl_max] */
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

/* Detect, measure and judge the beats of the span [0, span) of s->x and s->y (filled by the
 * caller, as s->clip); the window is [w0, span); period: the beat period in frames from the
 * spectrum, or NaN. */
void mc__ppg_beats_analyse(mc__ppg *s, size_t span, size_t w0, double period, mc__ppg_beats *out);

/* The pct-th percentile of v[n] (linear between order statistics, as numpy), sorting v in place;
 * NaN when n is 0. */
double mc__ppg_percentile(double *v, size_t n, double pct);

#endif
