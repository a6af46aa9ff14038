/* SPDX-License-Identifier: MIT */
/* dsp/ppg.h: the PPG streaming analyser (DOMAIN.md 1 and 2): heart rate, perfusion index by three
 * methods, pleth variability index and signal quality from the raw intensity of one channel, one
 * row per hop over a sliding window, bit-identical however the frames are blocked. */
#ifndef MC_DSP_PPG_H
#define MC_DSP_PPG_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/analyser.h"
#include "dsp/status.h"

/** Settings of the PPG analyser; mc_ppg_config_default() fills them, mc_ppg_config_set() sets one
 *  by name (the key is the field name). Defaults are DOMAIN.md [D] values unless said otherwise. */
typedef struct mc_ppg_config {
    double window_s;       /* analysis window, s (8; DOMAIN 1.4); 2 .. 120 */
    double hop_s;          /* time between rows, s (1); 0 < hop_s <= window_s */
    double pvi_window_s;   /* beat-PI series for PVI, s (15; DOMAIN 1.6); window_s .. 300 */
    double f_lo_hz;        /* detection band-pass, lower edge, Hz (0.5; DOMAIN 2.1) */
    double f_hi_hz;        /* upper edge, Hz (8); f_lo_hz < f_hi_hz < fs/2 */
    double hr_min_bpm;     /* heart-rate range: spectral search and plausibility, bpm (30) */
    double hr_max_bpm;     /* bpm (220; DOMAIN 2.2) */
    double ibi_min_s;      /* a beat is accepted when ibi_min_s < duration < ibi_max_s, s (0.3) */
    double ibi_max_s;      /* s (2.0; DOMAIN 1.4) */
    double sqi_threshold;  /* template correlation a beat needs, 0 .. 1 (0.86; Orphanidou 2015) */
    double max_rejected;   /* more than this fraction of beats rejected: MOTION (0.5; DOMAIN 1.7) */
    double min_beats;      /* accepted beats a window needs for pi and hr, integer 2 .. 20 (3) */
    double low_perf_pi;    /* finger or ear: pi below this is LOW_PERF, % (0.2; DOMAIN 1.7) */
    double low_perf_upi;   /* urethral site: its own threshold, % (1.0; see below) */
    double pi_min;         /* plausible PI range, %: outside is INVALID (0.02) */
    double pi_max;         /* % (20; Masimo display range, DOMAIN 0) */
    double dc_min;         /* window mean intensity at or below this is NO_SIGNAL, stream units
                              (0; DOMAIN 1.7 suggests 2 % of the ADC full scale when known) */
    double clip_run_s;     /* shortest run of identical samples at an extreme that counts as
                              clipped, s (0.04; at least 3 samples); 0 turns the check off */
    double clip_fraction;  /* clipped samples above this fraction of the window: CLIPPED (0.01) */
    double pvi_percentile; /* PVI uses this percentile of the beat PIs as PImax and 100 minus it
                              as PImin, 50 .. 100 (90, robust; 100 = true max/min, Masimo-like) */
    double pvi_smooth;     /* PVI is the median of the last this many hops, integer 1 .. 9 (3) */
    double pi_outlier_ratio; /* a beat PI more than this factor above or below the median of the
                                span's accepted beats is an artefact, > 1 (1.5) */
    int polarity;            /* 0 = automatic (default), -1 = inverted (raw intensity: systole is a
                                trough), +1 = upright (absorbance-like); keys "auto", "inverted",
                                "upright" */
    int cubic_baseline;      /* 1 = cubic onset baseline (default), 0 = linear; keys "cubic",
                                "linear" for the key "baseline" (see the analyser below) */
} mc_ppg_config;

/** The defaults above. Thread: any. */
mc_ppg_config mc_ppg_config_default(void);

/** Set one setting by name from its text: a field name above with a plain decimal number (no
 *  "nan", "inf" or hexadecimal, integers where said), or "polarity" = auto|inverted|upright, or
 *  "baseline" = cubic|linear. Cross-field rules (hop_s <= window_s, f_lo_hz < f_hi_hz...) are
 *  checked by mc_ppg_analyser_create, which knows the rate. Thread: one per config.
 *  @param cfg   the configuration to change; unchanged on failure
 *  @param key   setting name
 *  @param value its text
 *  @param d     optional diagnostic: names the key and the expected range
 *  @return MC_OK, MC_EINVAL (unknown key, not a number, out of range) */
MC_NODISCARD mc_status mc_ppg_config_set(mc_ppg_config *cfg, const char *key, const char *value,
                                         mc_diag *d);

/** Feature indices of a PPG row, in order. */
enum {
    MC_PPG_HR = 0,      /* hr (bpm) */
    MC_PPG_PI,          /* pi (%): beat-wise median, the main output */
    MC_PPG_PI_SPECTRAL, /* pi_spectral (%) */
    MC_PPG_PI_RMS,      /* pi_rms (%): an addition to DESIGN.md's vocabulary */
    MC_PPG_PVI,         /* pvi (%) */
    MC_PPG_SQI,         /* sqi (1) */
    MC_PPG_N_FEATURES
};

/** Create the PPG analyser of one channel of raw (ambient-corrected) intensity.
 *
 *  Rows. A window is the last round(window_s fs) frames; a row comes every round(hop_s fs)
 *  frames once a full window is available, so the first row has end_index = round(window_s fs)
 *  (end_index is one past the window's last frame) and end_t_ns = MC_NO_TIME; the times passed to
 *  push are ignored (the stream is regular). A row depends only on the frames pushed, never on
 *  how they were split into calls: live recording and offline analysis agree bit for bit.
 *
 *  Features, in this order (value NaN unless the status is OK):
 *  - hr (bpm): peak of the window's Hann periodogram (the Welch segment is the window) zero-padded
 *    to 4 nextpow2(N), parabola through the log power, and the half-frequency rule of DOMAIN 2.2
 *    (P(f/2) >= 0.3 P(f)). When it disagrees with the beats (60 / median peak-to-peak interval of
 *    consecutive accepted beats) by more than 10 bpm, or the window holds a NaN, the beat rate.
 *  - pi (%): median over the window's accepted beats of PI_k = 100 AC_k / DC_k (DOMAIN 1.2, 1.3a).
 *  - pi_spectral (%): 100 2 A1 / DC, A1 = sqrt(2 x band power within 2 native bins of hr) of the
 *    same periodogram, DC the window mean (DOMAIN 1.3b: equals pi for a sine, is smaller for a
 *    pulse with harmonics).
 *  - pi_rms (%): 100 2 sqrt(2) std(causal band-pass) / DC over the window, divided by the
 *    filter's gain at hr: the RMS cross-check of DOMAIN 1.3c, an addition to the vocabulary of
 *    DESIGN.md. The causal filter settles over the stream's first second or two.
 *  - pvi (%): 100 (P_hi - P_lo) / P_hi of the accepted beat PIs over the last pvi_window_s
 *    (P_hi, P_lo the pvi_percentile-th and (100 - pvi_percentile)-th percentiles), median of the
 *    last pvi_smooth hops' values (DOMAIN 1.6). Valid only under controlled ventilation and sinus
 *    rhythm, which the analyser cannot know: the caller must.
 *  - sqi (1): mean Pearson correlation, clamped to 0..1, of the window's beats with the template
 *    (Orphanidou 2015 R4, DOMAIN 2.4); see the beats below. OK only when the window also passes
 *    Orphanidou's R2 and R3 on its detected beats (no gap over 3 s, window edges included;
 *    longest over shortest interval under 2.2: R3 fails in atrial fibrillation, as DOMAIN 2.4
 *    notes), else MOTION; R1 (the rate range) is the hr range check.
 *
 *  Beats, over the span (the last pvi_window_s, or what there is of it): pi, hr and sqi use the
 *  beats that start in the window, pvi all the span's.
 *  - Measured once: each hop detects and measures beats only in a region at the stream's end,
 *    from 1.2 times the last final beat's duration (1 s when it has no start) + 0.2 s before
 *    its end (at least 2.5 s; the whole span when no final beat is left in it). A beat becomes
 *    final when its end is at least 1 s before the stream's end and the foot after it has been
 *    found (or its end is 2 s old): its times, AC, DC, flags, its measurements with each choice
 *    of neighbouring feet (see the baseline below) and its template segment are then kept until
 *    it leaves the span, never measured again; the beats after it are measured again at the
 *    next hop. The statistics a measurement uses (median interval and rise time, Elgendi's
 *    normalisation) are the region's, the noise the span's. Only the acceptance (template,
 *    amplitude, neighbours, the final baseline) is judged again at every hop, over all the
 *    span's beats.
 *  - Band-pass: 2nd-order Butterworth band-pass f_lo_hz..f_hi_hz (4th order overall, dsp/iir.h)
 *    run causally over the stream, then backwards over the region (zero phase, so detected
 *    extrema stay where the raw ones are), the stream's end extended by repeating the last
 *    spectral beat period.
 *  - Polarity (DOMAIN 1.7): the sign that makes the steepest slopes rising (a short systolic
 *    upstroke), from the skewness of the band-passed derivative, one vote per 2 s segment of the
 *    region so that an artefact gets few votes; an undecided region keeps the last decision (the
 *    first defaults to inverted: raw intensity). Then checked on the beats: a median rise time
 *    above 0.55 of the beat means the feet are systolic peaks, and the other sign is taken if its
 *    beats rise faster. A new sign forgets the final beats and measures the whole span again.
 *  - Detection: Elgendi 2013 (DOMAIN 2.3) on the band-pass (111 / 667 ms centred moving
 *    averages, over the samples there are at the region's ends, beta 0.02), peaks at least
 *    60 / hr_max_bpm apart; when they come at half the spectral period (a pulse with two humps),
 *    again at least 0.6 periods apart. A foot is the band-pass minimum between two peaks.
 *  - Refinement on the raw signal p (polarity-corrected): feet are the minima of p minus the local
 *    drift slope within min(150 ms, a quarter beat), then placed at each peak minus the median
 *    rise time; peaks and feet are read from least-squares parabolas (+-6 % of a beat for peaks,
 *    +-9 % for feet), which interpolate between samples and average out noise. The baseline
 *    passes through the feet: cubic through the beat's two feet and one more on each side
 *    (DOMAIN 1.2 says linear between the two; a slow drift's curvature then biases AC by up to
 *    11 % per beat in DOMAIN 1.8 test 2), quadratic or linear when a neighbour is missing or not
 *    accepted, linear throughout when cubic_baseline is 0. AC_k is the maximum of p minus the
 *    baseline, DC_k the mean raw intensity over the beat.
 *  - Acceptance: no NaN and no clipped sample; DC_k > 0; ibi_min_s < duration < ibi_max_s and
 *    duration <= 1.6 x the median (a missed beat); AC_k > 4 x the noise (DOMAIN 1.4; the noise
 *    RMS within the band: MAD of the second difference / sqrt 6, x sqrt(2 f_hi / fs), the MAD
 *    being the median over the span's hop-long blocks of each block's, taken once); a
 *    correlation of at least sqi_threshold with the template, the sample-wise median of the
 *    standardised beats, each a median-duration segment of p minus the baseline centred on its
 *    peak and lightly smoothed (Orphanidou used the mean; a median is not dragged by a large
 *    artefact), compared at every floor(fs / (4 f_hi_hz))-th frame (the smoothing leaves little
 *    above 2 f_hi_hz); PI_k within a factor pi_outlier_ratio of the span's median (smooth
 *    motion passes a template but not an amplitude check); and not next to a beat rejected as an
 *    artefact (the edges of motion are distorted without failing the template).
 *
 *  Statuses (DOMAIN 1.7, 2.4), per feature, the first that applies:
 *  - NO_SIGNAL: every feature, when under half the window's samples are finite or the window is
 *    flat (range <= 1e-6 |mean|); pi, pi_spectral, pi_rms and pvi when the window mean is
 *    <= dc_min or not above half the window's range (intensity reaching zero: sensor off,
 *    DC <= 0, or a monitor pleth exported without its DC: hr and sqi are still computed, on the
 *    waveform lifted to a positive level); pi, hr when the window
 *    has no beat, or too few accepted beats (below min_beats, or more than max_rejected rejected)
 *    mostly for NaN samples; pi_spectral, pi_rms when the window holds a NaN (no periodogram;
 *    a restarted filter) or there is no rate; sqi when no beat has a correlation.
 *  - CLIPPED: pi, pi_spectral, pi_rms, pvi when runs of at least clip_run_s (3 samples or more) of
 *    identical samples at the window's or span's maximum or minimum cover more than clip_fraction
 *    of the window (a float stream carries no ADC rails: its own extremes stand for them; an ADC
 *    whose step is over ~1/10 of AC makes such plateaus unclipped: raise clip_run_s or set it to
 *    0); pi, hr also when too few beats were accepted, mostly for clipped samples.
 *  - MOTION: pi, hr, pi_spectral, pi_rms when too few beats were accepted, mostly for artefact
 *    reasons (template, amplitude, duration, neighbour); pvi when more than max_rejected / 2 of
 *    the span's beats were rejected (a spread of PIs is more fragile than their median).
 *  - INSUFFICIENT_LENGTH: pvi until pvi_window_s has been seen.
 *  - INVALID: hr outside hr_min_bpm..hr_max_bpm; a PI outside pi_min..pi_max.
 *  - LOW_PERF: a PI (pi, pi_spectral, pi_rms) below the site's threshold; pvi when pi is
 *    LOW_PERF; pi and hr when too few beats were accepted, mostly for an AC within 4 x the noise,
 *    or when the window's median AC is within 10 x the noise (beats then fail the template for
 *    the noise, not for motion).
 *    As every non-OK value the number is then NaN (mc_analysis_row): a caller that wants PIs
 *    below the threshold lowers it.
 *
 *  Site. "urethra" or "urethral" (any case) selects the urethral scale: the LOW_PERF threshold is
 *  low_perf_upi (default 1.0 %, a design default scaled from the finger threshold by the ratio of
 *  typical medians, 7.7 % uPI during OPCAB against 1.4 % finger PI, DOMAIN 1.5; to be calibrated
 *  on trial data). Urethral PI (uPI) is a different scale from finger PI and must never be pooled
 *  with it: the row still names the feature "pi", and the stream's site says which scale it is.
 *  Any other site (NULL, "finger", "ear"...) uses low_perf_pi. get_parameters lists the site.
 *
 *  Thread: control thread only (plans an FFT). Allocates everything the analyser will use; push
 *  and pop allocate nothing, lock nothing and do no I/O.
 *  @param cfg        settings (copied)
 *  @param fs_hz      sample rate, Hz, finite, > 2 f_hi_hz and > hr_max_bpm / 30
 *  @param n_channels channels per frame, >= 1
 *  @param ir_channel the channel to analyse (infrared raw intensity), < n_channels
 *  @param site       body site, may be NULL; only compared, not kept
 *  @param d          optional diagnostic
 *  @param out        receives the analyser, NULL on failure; destroy with mc_analyser_destroy
 *  @return MC_OK, MC_EINVAL (a setting or argument out of range, a window of fewer than 64
 *          frames, a span of more than 2^24), MC_ENOMEM */
MC_NODISCARD mc_status mc_ppg_analyser_create(const mc_ppg_config *cfg, double fs_hz,
                                              uint32_t n_channels, uint32_t ir_channel,
                                              const char *site, mc_diag *d, mc_analyser **out);

#endif
