/* SPDX-License-Identifier: MIT */
/* dsp/ldf.h: the laser Doppler flowmetry analyser (DOMAIN.md 3): the mean perfusion of every hop
 * and the flowmotion of the six bands of DOMAIN.md 3.2 over a sliding window: absolute power
 * (Welch), relative power, and the normalised spectral amplitude of a Morlet wavelet transform.
 * One mc_analyser (dsp/analyser.h) per LDF channel. */
#ifndef MC_DSP_LDF_H
#define MC_DSP_LDF_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/analyser.h"
#include "dsp/status.h"
#include "dsp/welch.h"

/** How the Welch segment length of a band is derived from the band table. */
typedef enum mc_ldf_resolution_rule {
    /* Delta f <= min(width of the band, width of each adjacent band) / resolution. An edge leaks
     * both ways, so it must be resolved on the scale of the narrower band it separates. With
     * the OWN rule, tones at the six centres (30 min, 20 phase draws) give band II (L = 261 s,
     * next to band I's 0.007 Hz) errors of -5 % to +33 % and band III (L = 97 s) -4 % to -1 %;
     * over 10 min -16 % to +43 % and -12 % to +5 %. With this rule: -0.7 % to +0.1 % in every
     * band. The default. */
    MC_LDF_RULE_NEIGHBOURS = 0,
    /* Delta f <= width of the band / resolution, the table of DOMAIN.md 3.4 read per band. */
    MC_LDF_RULE_OWN,
} mc_ldf_resolution_rule;

/** Configuration: a plain value; start from mc_ldf_config_default(). */
typedef struct mc_ldf_config {
    double hop_s;            /* interval between rows, s; (0, 86400]; 60 */
    double window_s;         /* sliding spectral window, s; (0, 86400]; 1800 (30 min) */
    double decimate_hz;      /* target rate: the input is decimated by the integer
                                M = max(1, round(fs / decimate_hz)); 10 (32 Hz -> 10.67 Hz) */
    double lowpass_hz;       /* anti-alias Butterworth low-pass before decimation (only when
                                M > 1), Hz; < fs / 2 and <= fs / (2 M); 4 (DOMAIN.md 3.4) */
    int lowpass_order;       /* its order, 1 .. 8; 8 (-48 dB where 8-10.7 Hz folds onto 0-2.7) */
    double band_edges_hz[7]; /* the six contiguous bands [e_b, e_b+1), Hz, increasing, the
                                last < lowpass_hz and < fs / (2 M); mc_ldf_bands */
    double resolution;       /* bins per band width (see mc_ldf_resolution_rule); [1, 100]; 3 */
    mc_ldf_resolution_rule rule; /* MC_LDF_RULE_NEIGHBOURS */
    double min_segment_s;        /* shortest Welch segment, s; [0, 86400]; 90: a band whose rule
                                    asks for less shares the shortest engine at or above this */
    int min_segments;            /* segments in the window (valid ones) before a band gets a
                                    number; 1 .. 1000; 3 (a record of >= 2 L at 50 % overlap) */
    mc_detrend detrend;          /* per Welch segment; MC_DETREND_LINEAR (DOMAIN.md 3.7) */
    double artefact_k;           /* a sample is an artefact when |x - median_1s| > k MAD; [0, 1000],
                                    0 = no artefact detection; 6 (DOMAIN.md 3.4) */
    double median_s;             /* centred running median, s; (0, 60]; 1 */
    double mad_s;                /* running MAD of the residuals x - median, s; (0, 3600]; 30 */
    double bridge_s;             /* runs of missing or artefact samples up to this long are bridged
                                    linearly before the spectral analysis, longer ones are not
                                    (DOMAIN.md 3.4, 9); [0, 60]; 2; 0 = never bridge */
    double artefact_max_frac;    /* artefact or missing fraction of the window above which the
                                    spectral outputs are not numbers; [0, 1]; 0.1 */
    int wavelet;                 /* 1: compute the <band>_amp outputs (Morlet CWT), 0: do not
                                    (they are NOT_AVAILABLE); 1 */
    int voices_per_octave;       /* CWT scales per octave; 1 .. 64; 16 */
} mc_ldf_config;

/** The defaults above. Thread: any. */
mc_ldf_config mc_ldf_config_default(void);

/** Set one field from text (the [ldf] section of a configuration file). Keys and values:
 *  hop_s, window_s, decimate_hz, lowpass_hz, min_segment_s, median_s, mad_s, bridge_s,
 *  artefact_k, artefact_max_frac, resolution (numbers in the ranges above); lowpass_order,
 *  min_segments, voices_per_octave (integers); wavelet (0 or 1); detrend (none, mean, linear);
 *  resolution_rule (neighbours, own); band_edges_hz (seven increasing comma-separated numbers,
 *  e.g. "0.005,0.0095,0.021,0.052,0.145,0.6,2"); cardiac_hi_hz (the upper edge alone: DOMAIN.md
 *  3.2 suggests max(2.0, 1.2 HR / 60) Hz in the ICU; the caller knows HR, the analyser does not).
 *  Limits that depend on the rate (Nyquist, low-pass) are checked by mc_ldf_analyser_create.
 *  Thread: any (one per config).
 *  @param cfg   the configuration; unchanged on failure
 *  @param d     optional diagnostic: names the key and the expected range
 *  @return MC_OK, MC_EINVAL (unknown key, bad number, out of range, NULL argument) */
MC_NODISCARD mc_status mc_ldf_config_set(mc_ldf_config *cfg, const char *key, const char *value,
                                         mc_diag *d);

/** Create the LDF analyser of one channel of a regular stream.
 *
 *  Outputs, one row every hop_s (19 features, in this order; a value that is not OK is NaN):
 *  - perfusion (PU): mean of the samples of the hop that are neither missing nor artefacts; OK
 *    when at least half of the hop's samples are such, else ARTEFACT or NO_SIGNAL (whichever
 *    cause is larger). Samples are delayed by median_s / 2 by the centred median, so a row's
 *    mean covers the hop shifted by that much.
 *  - for each band b of endothelial_no_indep, endothelial_no_dep, neurogenic, myogenic,
 *    respiratory, cardiac (DESIGN.md "Feature vocabulary"):
 *    - b (PU2): absolute power, the sum of Welch PSD bins x df over [e_b, e_b+1) (DOMAIN.md 3.3
 *      item 1): Hann, 50 % overlap, detrended segments of length L_b, averaged over the valid
 *      segments among the last K_b = floor((W - L_b) / (L_b / 2)) + 1 that fit in the window W.
 *      L_b = resolution / (narrowest width the rule considers), raised to min_segment_s; bands
 *      with the same L_b share one streaming Welch engine. Default table at 10.67 Hz:
 *      bands I and II L = 666.7 s (K 4, first number after 2 L = 22.2 min), band III L = 260.9 s
 *      (K 12, 8.7 min), bands IV-VI L = 96.8 s (K 36, 3.2 min). Band II thus waits as long as
 *      band I, not the 9 min of the DOMAIN.md 3.4 table, which ignores the leakage from band I
 *      across their common edge (see MC_LDF_RULE_OWN). Before min_segments segments
 *      fit: INSUFFICIENT_LENGTH (also for good when the window is shorter than 2 L_b).
 *    - b_rel (1): b / the sum of the six, the total power 0.005-2 Hz (item 2); NaN with the
 *      status of the first band that is not OK when any is not.
 *    - b_amp (1): normalised spectral amplitude (item 3, Bernjak 2008): the mean over the band's
 *      scales of the time-averaged Morlet amplitude (dsp/wavelet.h, outside the cone of
 *      influence) divided by the mean over all scales in [e_0, e_6), over the last W of
 *      decimated samples, computed at every hop. An addition to the DESIGN.md vocabulary. The
 *      scales are log-spaced, so with equal amplitudes a band wider in octaves gets a smaller
 *      value (about 0.576 octave / band width in octaves, relative): they are not equal (tones of
 *      equal amplitude at the centres: 1.43, 1.24, 1.12, 1.00, 0.74, 0.83). A
 *      number only when every band has passed its record-length rule (the normalisation spans
 *      all of them) and every scale has samples outside the cone of influence.
 *  - bz (biological zero) is not a streaming feature: it needs an arterial occlusion; the PORH
 *    protocol (dsp/protocol.h) reports porh_bz.
 *
 *  Pre-processing (DOMAIN.md 3.4): a sample is an artefact when |x - m| > artefact_k MAD, m the
 *  centred running median over median_s (raw rate) and MAD the running median of |x - m| over
 *  mad_s (sampled at the decimated rate; not scaled to sigma); detection starts about
 *  median_s / 2 + 1 s into the stream, once both windows hold data. Artefacts and non-finite
 *  samples are missing: left out of perfusion, NaN into the anti-alias filter (which restarts
 *  without a transient), and a decimated sample is missing when any raw sample of its group
 *  is. Runs of missing decimated samples up to bridge_s are bridged by a straight line; longer
 *  runs stay NaN, so the Welch engines leave out every segment that holds one, and the CWT
 *  leaves out their cone of influence. When missing samples cover more than artefact_max_frac
 *  of the window, or fewer than min_segments segments are valid, the spectral outputs are
 *  ARTEFACT or NO_SIGNAL (whichever cause is larger). With detrend linear, the CWT input (the
 *  window) is detrended too. The spectral window ends median_s / 2 + at most bridge_s before
 *  the hop's end.
 *
 *  Cost per hop: one FFT of L samples per engine for every new segment, K_b n_bins additions,
 *  and the CWT: one R2C plus one inverse FFT per scale (139 at 16 voices) of about 1.5 W fs_dec
 *  points (28000 for 30 min at 10.67 Hz). Measured (-O2, one core): 0.4 ms for a hop without
 *  the CWT, 47-59 ms with it; 2 h of 32-Hz data in about 4 s (0.06 % of real time).
 *  Memory: about 1.7 MB by default.
 *
 *  Thread: control thread only (plans FFTs). Allocates; push and pop never allocate.
 *  @param cfg        configuration, copied; NULL for the defaults
 *  @param fs_hz      sample rate of the stream, Hz, > 0 (irregular streams are refused)
 *  @param n_channels channels per frame, >= 1
 *  @param channel    the perfusion channel, < n_channels
 *  @param d          optional diagnostic
 *  @param out        receives the analyser, destroyed with mc_analyser_destroy; NULL on failure
 *  @return MC_OK, MC_EINVAL (a configuration value, the rate or the channel out of range; the
 *          message says which), MC_ENOMEM */
MC_NODISCARD mc_status mc_ldf_analyser_create(const mc_ldf_config *cfg, double fs_hz,
                                              uint32_t n_channels, uint32_t channel, mc_diag *d,
                                              mc_analyser **out);

#endif
