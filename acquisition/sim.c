/* SPDX-License-Identifier: MIT */
/* acquisition/sim.c: the simulator models of DESIGN.md "Simulator models" (ppg, ldf, nirs, pco2).
 * Each is a pure function of its parameters, its seed and the frame index; its truth goes into the
 * stream attributes and its protocol and artefact intervals come out as events. */
#include "acquisition/sim.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double two_pi = 6.28318530717958647692;

enum {
    SIM_MAX_PARAMS = 24,
    SIM_MAX_ATTRS = SIM_MAX_PARAMS + 3, /* the parameters, sim_model, sim_seed, sim_site */
    SIM_MAX_CHANNELS = 2,
    /* Events wait here until popped. A caller that never pops loses the newest ones once the
     * queue is full (the ring's policy, STYLE.md 4); 256 is minutes of the busiest settings. */
    SIM_EVENT_CAP = 256,
    SIM_SHAPE_GRID = 8192,
    SIM_MOTION_PARTS = 3,
};

/* ---- Random numbers --------------------------------------------------------------------------
 * xoshiro256** seeded through splitmix64 (Blackman & Vigna, https://prng.di.unimi.it). Each
 * purpose has its own generator, so that turning dropouts on does not move the noise or the motion
 * artefacts of a stream: comparing two runs shows exactly what one parameter changed. */

typedef struct sim_rng {
    uint64_t s[4];
    double spare; /* second Box-Muller deviate, waiting */
    int has_spare;
} sim_rng;

enum { RNG_NOISE = 1, RNG_PHASES, RNG_EPISODE }; /* RNG_EPISODE + the episode's index */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static void rng_seed(sim_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03u);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
    r->has_spare = 0;
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1), 53 bits. */
static double rng_uniform(sim_rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in (0, 1], for logarithms. */
static double rng_uniform_pos(sim_rng *r)
{
    return (double)((rng_next(r) >> 11) + 1) * 0x1.0p-53;
}

/* Exponential waiting time for events at `per_s` per second. */
static double rng_exp(sim_rng *r, double per_s)
{
    return -log(rng_uniform_pos(r)) / per_s;
}

/* Standard normal by Box-Muller; the second deviate is kept, so every call consumes the stream in
 * the same order whatever the block sizes. */
static double rng_gauss(sim_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u1 = rng_uniform_pos(r);
    double u2 = rng_uniform(r);
    double radius = sqrt(-2.0 * log(u1));
    r->spare = radius * sin(two_pi * u2);
    r->has_spare = 1;
    return radius * cos(two_pi * u2);
}

/* ---- Parameters ------------------------------------------------------------------------------ */

enum { SIM_OFF = 1u, SIM_BOOL = 2u }; /* "off" accepted (stored as NaN); only 0 or 1 */

typedef struct sim_param {
    const char *key;
    double def;       /* default; NaN means off */
    double lo, hi;    /* valid range, inclusive */
    const char *unit; /* for messages */
    unsigned flags;
} sim_param;

/* The keys every model has come first, so that the generic code finds them by index. */
enum { P_RATE, P_NOISE, P_DROPOUT, P_IRREGULAR, P_MODEL };
enum { PPG_HR = P_MODEL, PPG_PI, PPG_DC, PPG_RESP, PPG_PVI, PPG_MOTION, PPG_N };
enum { LDF_PU = P_MODEL, LDF_A1, LDF_PORH = LDF_A1 + 6, LDF_BZ, LDF_PEAK, LDF_TPEAK, LDF_TAU };
enum { LDF_OCCLUSION = LDF_TAU + 1, LDF_N };
enum { NIRS_STO2 = P_MODEL, NIRS_VOT, NIRS_OCCLUSION, NIRS_DESAT, NIRS_RECOVERY, NIRS_OVERSHOOT };
enum { NIRS_DECAY = NIRS_OVERSHOOT + 1, NIRS_QUANTIZE, NIRS_N };
enum { PCO2_LEVEL = P_MODEL, PCO2_DRIFT, PCO2_N };

/* Every model has dropouts: 0.5-2 s of NaN (a probe lifted, a burst of lost packets), at most
 * 30 a minute as episodes do not overlap (sim_episode). PI range: the Masimo display range
 * (DOMAIN.md 0). PVI below 90 % keeps a_k > 0. Motion at most 30/min: artefacts last 2-5 s. */
static const sim_param ppg_params[PPG_N] = {
    [P_RATE] = {"rate", 250, 20, 100000, "Hz", 0},
    [P_NOISE] = {"noise", 0.01, 0, 10, "relative to AC", 0},
    [P_DROPOUT] = {"dropout", 0, 0, 30, "/min", 0},
    [P_IRREGULAR] = {"irregular", 0, 0, 1, "", SIM_BOOL},
    [PPG_HR] = {"hr", 75, 20, 300, "bpm", 0},
    [PPG_PI] = {"pi", 2.0, 0.02, 20, "%", 0},
    [PPG_DC] = {"dc", 50000, 1, 1e9, "a.u.", 0},
    [PPG_RESP] = {"resp", 14, 0, 60, "/min", 0},
    [PPG_PVI] = {"pvi", 10, 0, 90, "%", 0},
    [PPG_MOTION] = {"motion", 0, 0, 30, "/min", 0},
};

/* Oscillation amplitudes per band (DOMAIN.md 3.2): equal except a stronger myogenic and a weaker
 * respiratory component, as typically seen on the forearm at rest. */
static const sim_param ldf_params[LDF_N] = {
    [P_RATE] = {"rate", 32, 1, 100000, "Hz", 0},
    [P_NOISE] = {"noise", 0.2, 0, 1000, "PU", 0},
    [P_DROPOUT] = {"dropout", 0, 0, 30, "/min", 0},
    [P_IRREGULAR] = {"irregular", 0, 0, 1, "", SIM_BOOL},
    [LDF_PU] = {"pu", 20, 0, 10000, "PU", 0},
    [LDF_A1] = {"a1", 1.0, 0, 10000, "PU", 0},
    [LDF_A1 + 1] = {"a2", 1.0, 0, 10000, "PU", 0},
    [LDF_A1 + 2] = {"a3", 1.0, 0, 10000, "PU", 0},
    [LDF_A1 + 3] = {"a4", 1.5, 0, 10000, "PU", 0},
    [LDF_A1 + 4] = {"a5", 0.8, 0, 10000, "PU", 0},
    [LDF_A1 + 5] = {"a6", 1.0, 0, 10000, "PU", 0},
    [LDF_PORH] = {"porh", (double)NAN, 0, 1e7, "s", SIM_OFF},
    [LDF_BZ] = {"bz", 3, 0, 10000, "PU", 0},
    [LDF_PEAK] = {"porh_peak", 80, 0, 10000, "PU", 0},
    [LDF_TPEAK] = {"porh_tpeak", 8, 0.1, 600, "s", 0},
    [LDF_TAU] = {"porh_tau", 40, 0.1, 3600, "s", 0},
    [LDF_OCCLUSION] = {"occlusion", 180, 1, 3600, "s", 0},
};

static const sim_param nirs_params[NIRS_N] = {
    [P_RATE] = {"rate", 1, 0.01, 1000, "Hz", 0},
    [P_NOISE] = {"noise", 0.2, 0, 100, "%", 0},
    [P_DROPOUT] = {"dropout", 0, 0, 30, "/min", 0},
    [P_IRREGULAR] = {"irregular", 0, 0, 1, "", SIM_BOOL},
    [NIRS_STO2] = {"sto2", 75, 0, 100, "%", 0},
    [NIRS_VOT] = {"vot", (double)NAN, 0, 1e7, "s", SIM_OFF},
    [NIRS_OCCLUSION] = {"occlusion", 180, 1, 3600, "s", 0},
    [NIRS_DESAT] = {"desat", -12, -600, 0, "%/min", 0},
    [NIRS_RECOVERY] = {"recovery", 3, 0.01, 100, "%/s", 0},
    [NIRS_OVERSHOOT] = {"overshoot", 5, 0, 100, "%", 0},
    [NIRS_DECAY] = {"decay", 90, 0, 3600, "s", 0},
    [NIRS_QUANTIZE] = {"quantize", 0, 0, 1, "", SIM_BOOL},
};

static const sim_param pco2_params[PCO2_N] = {
    [P_RATE] = {"rate", 1, 0.01, 1000, "Hz", 0},
    [P_NOISE] = {"noise", 0.2, 0, 100, "mmHg", 0},
    [P_DROPOUT] = {"dropout", 0, 0, 30, "/min", 0},
    [P_IRREGULAR] = {"irregular", 0, 0, 1, "", SIM_BOOL},
    [PCO2_LEVEL] = {"level", 45, 0, 300, "mmHg", 0},
    [PCO2_DRIFT] = {"drift", 0, -1000, 1000, "mmHg/h", 0},
};

/* ---- The handle ------------------------------------------------------------------------------ */

/* An interval process: the occlusion of a protocol (one fixed interval), motion artefacts and
 * dropouts (random intervals). Intervals of one process never overlap: after each end the wait for
 * the next start is exponential with the configured rate, so starts form a Poisson process in the
 * time outside the intervals. */
typedef struct sim_episode {
    int kind;        /* EP_*, names its events */
    double per_s;    /* rate of new starts after an end, 1/s; 0: none */
    double dur_lo_s; /* duration, uniform in [dur_lo_s, dur_hi_s] */
    double dur_hi_s;
    double next_s; /* model time of the next start or end, INFINITY if none */
    double on_s;   /* current (or last) interval */
    double off_s;
    int active;
    sim_rng rng;
} sim_episode;

enum { EP_PROTOCOL, EP_MOTION, EP_DROPOUT, EP_N };
static const char *const ep_events[EP_N][2] = {{"occlusion_start", "occlusion_end"},
                                               {"motion_start", "motion_end"},
                                               {"dropout_start", "dropout_end"}};

typedef struct sim_model sim_model;

struct mc_sim {
    const sim_model *model;
    double p[SIM_MAX_PARAMS]; /* effective parameter values, indexed as the model's table */
    uint64_t seed;
    int64_t next_frame;
    sim_rng noise;
    sim_episode ep[EP_N];
    double shape_onset;                 /* PPG pulse (ppg_init): phase of the raw shape's minimum */
    double shape_min;                   /* the raw minimum */
    double shape_inv_range;             /* 1 / (raw maximum - raw minimum) */
    double shape_mean;                  /* mean of the normalised shape over a beat */
    double ppg_a0;                      /* IR pulse amplitude without modulation, a.u. */
    double ppg_m;                       /* respiratory modulation depth, from pvi */
    double motion_hz[SIM_MOTION_PARTS]; /* the current motion artefact */
    double motion_phase[SIM_MOTION_PARTS];  /* rad */
    double motion_weight[SIM_MOTION_PARTS]; /* sums to 1 */
    double ldf_phase[6];                    /* rad */
    mc_event events[SIM_EVENT_CAP];         /* ring: head is the oldest */
    size_t ev_head;
    size_t ev_count;
    mc_stream_info info;
    char name[MC_NAME_MAX + 1];
    char site[MC_NAME_MAX + 1];
    char device_model[32];
    mc_kv attrs[SIM_MAX_ATTRS];
    char attr_key[SIM_MAX_ATTRS][MC_NAME_MAX + 1];
    char attr_value[SIM_MAX_ATTRS][MC_NAME_MAX + 1];
};

struct sim_model {
    const char *name;
    mc_modality modality;
    const char *site; /* default body site */
    uint32_t n_channels;
    const mc_channel_info *channels;
    const sim_param *params;
    size_t n_params;
    int protocol_start; /* parameter index of the occlusion start, or -1 */
    int protocol_len;   /* parameter index of the occlusion duration, or -1 */
    int motion;         /* parameter index of the motion rate, or -1 */
    void (*init)(mc_sim *s);
    void (*frame)(mc_sim *s, int64_t k, double t, double *out);
};

/* ---- ppg ---------------------------------------------------------------------------------------
 * Raw IR intensity I(t) = DC - a_k (s(phi) - mean(s)) + noise + motion: the pulse is inverted,
 * as in a photodiode (more blood, less light; DOMAIN.md 1.2). Beat k starts at t_k = k 60/hr, phi
 * in [0, 1) is the phase inside it, and s has its minimum 0 at phi = 0 and its maximum 1, so that
 * over every beat max(I) - min(I) = a_k and mean(I) = DC exactly: PI_k = 100 a_k / DC is the truth.
 *
 * s is a periodic sum of two Gaussians, systolic (sigma 0.13 beat) and dicrotic (0.30 beat later,
 * sigma 0.10, height 0.45), shifted so that its minimum is the onset. The broad systolic wave keeps
 * the loss of sampled peak-to-trough at 100 Hz and 180 bpm (one sample every 0.03 beat) below
 * 0.63 % whatever the sampling phase (0.30 % for the phase of this stream, whose frame 0 is an
 * onset), so beat-wise AC on the stream matches the truth to 1 % at every usual rate. The
 * systolic peak is 0.41 beat after the onset and the upstroke is shorter and steeper than the
 * decay, so automatic polarity detection (DOMAIN.md 1.7) finds the right sign.
 *
 * Respiration modulates the amplitude per beat: a_k = a0 (1 + m sin(2 pi f_resp t_k)), a0 =
 * pi/100 DC, m = pvi/(200 - pvi), so that (max - min)/max of the continuous modulation is pvi %
 * and the median of a_k is a0 (median PI = pi). As a_k changes at the onset, I steps by
 * (a_{k+1} - a_k) mean(s) there: the price of an exact per-beat DC and AC, a small step at the
 * intensity maximum (at most 2.6 % of AC with the defaults).
 *
 * The red channel has DC_red = 0.6 DC and PI_red = 0.5 PI (ratio R = 0.5, SpO2 about 97 % on the
 * usual empirical calibration), the same shape and modulation. Noise (std = noise a0 of the
 * channel) and motion (up to 5 a0 of the channel) scale with each channel's own pulse, as the key
 * says "relative to AC". Intensities are clamped at 0, as light cannot be negative. */

static const double shape_sys_sigma = 0.13, shape_dic_delay = 0.30, shape_dic_sigma = 0.10,
                    shape_dic_height = 0.45;
static const double red_dc_ratio = 0.6, red_pi_ratio = 0.5;
static const double motion_gain = 5.0; /* peak motion displacement, in units of a0 */

/* The unnormalised periodic shape at any x: reduced to [0, 1), Gaussians within two periods
 * counted; the next ones are below exp(-118) of the peak. */
static double shape_raw(double x)
{
    x -= floor(x);
    double r = 0;
    for (int n = -2; n <= 2; n++) {
        double u = (x + n) / shape_sys_sigma, v = (x + n - shape_dic_delay) / shape_dic_sigma;
        r += exp(-0.5 * u * u) + shape_dic_height * exp(-0.5 * v * v);
    }
    return r;
}

/* Ternary search for the extremum of shape_raw in [a, b] (sign +1 minimum, -1 maximum), a grid
 * bracket where the function is unimodal; 100 steps shrink it below 1e-20. */
static double shape_refine(double a, double b, double sign)
{
    for (int i = 0; i < 100; i++) {
        double c = a + (b - a) / 3, d = b - (b - a) / 3;
        if (sign * shape_raw(c) < sign * shape_raw(d))
            b = d;
        else
            a = c;
    }
    return 0.5 * (a + b);
}

/* Normalisation from a fine grid: the extrema are refined to double precision, and the mean is the
 * rectangle rule, which for a smooth periodic function is exact to rounding at this grid. */
static void ppg_init(mc_sim *s)
{
    const double h = 1.0 / SIM_SHAPE_GRID;
    double sum = 0, lo = (double)INFINITY, hi = -(double)INFINITY;
    int i_lo = 0, i_hi = 0;
    for (int i = 0; i < SIM_SHAPE_GRID; i++) {
        double r = shape_raw(i * h);
        sum += r;
        if (r < lo) {
            lo = r;
            i_lo = i;
        }
        if (r > hi) {
            hi = r;
            i_hi = i;
        }
    }
    double x_lo = shape_refine((i_lo - 1) * h, (i_lo + 1) * h, 1.0);
    double x_hi = shape_refine((i_hi - 1) * h, (i_hi + 1) * h, -1.0);
    double raw_lo = shape_raw(x_lo), raw_hi = shape_raw(x_hi);
    s->shape_onset = x_lo;
    s->shape_min = raw_lo;
    s->shape_inv_range = 1.0 / (raw_hi - raw_lo);
    s->shape_mean = (sum / SIM_SHAPE_GRID - raw_lo) * s->shape_inv_range;
    s->ppg_a0 = s->p[PPG_PI] / 100.0 * s->p[PPG_DC];
    s->ppg_m = s->p[PPG_PVI] / (200.0 - s->p[PPG_PVI]);
}

/* A motion artefact: a Hann-windowed sum of three sinusoids of 0.2-3 Hz (the band of limb and
 * probe movement), weights summing to 1, so the displacement is smooth, starts and ends at zero,
 * and never exceeds motion_gain a0. */
static void motion_draw(mc_sim *s, sim_rng *r)
{
    double total = 0;
    for (int i = 0; i < SIM_MOTION_PARTS; i++) {
        s->motion_hz[i] = 0.2 + 2.8 * rng_uniform(r);
        s->motion_phase[i] = two_pi * rng_uniform(r);
        s->motion_weight[i] = 0.2 + rng_uniform(r);
        total += s->motion_weight[i];
    }
    for (int i = 0; i < SIM_MOTION_PARTS; i++)
        s->motion_weight[i] /= total;
}

static double motion_value(const mc_sim *s, double t)
{
    const sim_episode *e = &s->ep[EP_MOTION];
    if (!e->active)
        return 0;
    double dt = t - e->on_s, w = sin(0.5 * two_pi * dt / (e->off_s - e->on_s)), sum = 0;
    for (int i = 0; i < SIM_MOTION_PARTS; i++)
        sum += s->motion_weight[i] * sin(two_pi * s->motion_hz[i] * dt + s->motion_phase[i]);
    return motion_gain * w * w * sum;
}

static void ppg_frame(mc_sim *s, int64_t k, double t, double *out)
{
    const double *p = s->p;
    /* Beats since the start. With integer hr and rate the numerator and denominator are exact, so
     * onsets that fall on a frame give an exact integer and the frame belongs to the new beat. */
    double u = ((double)k * p[PPG_HR]) / (60.0 * p[P_RATE]);
    double beat = floor(u);
    double x = shape_raw(u - beat + s->shape_onset);
    double pulse = (x - s->shape_min) * s->shape_inv_range - s->shape_mean;
    double onset_s = beat * 60.0 / p[PPG_HR];
    double a = s->ppg_a0 * (1.0 + s->ppg_m * sin(two_pi * p[PPG_RESP] / 60.0 * onset_s));
    double motion = motion_value(s, t);
    const double dc_ratio[2] = {1.0, red_dc_ratio};
    const double ac_ratio[2] = {1.0, red_dc_ratio * red_pi_ratio};
    for (int c = 0; c < 2; c++) {
        double g = ac_ratio[c];
        double v = p[PPG_DC] * dc_ratio[c] - g * a * pulse +
                   g * s->ppg_a0 * (p[P_NOISE] * rng_gauss(&s->noise) + motion);
        out[c] = v > 0 ? v : 0;
    }
}

/* ---- ldf ---------------------------------------------------------------------------------------
 * perfusion(t) = pu + sum_b a_b sin(2 pi f_b t + phi_b) + noise, with f_b the band centres of
 * DOMAIN.md 3.2 and phi_b drawn from the seed. PORH (DOMAIN.md 3.6, 3.8): during the occlusion
 * the flux is the biological zero bz (no flow, so no flowmotion); after release it rises linearly
 * from bz to porh_peak in porh_tpeak seconds, then decays as pu + (porh_peak - pu) h with
 * h = exp(-(t - t_peak)/porh_tau). Flowmotion comes back as the hyperaemia fades: its weight is
 * 0 during the rise and 1 - h during the decay (the dilated vessels do not oscillate at the
 * peak), so the peak is exactly porh_peak, the curve joins the resting signal smoothly and the
 * resting mean is pu again. Flux is clamped at 0. */

static const double ldf_band_hz[6] = {0.007, 0.015, 0.035, 0.1, 0.3, 1.2};

static void ldf_init(mc_sim *s)
{
    sim_rng r;
    rng_seed(&r, s->seed, RNG_PHASES);
    for (int b = 0; b < 6; b++)
        s->ldf_phase[b] = two_pi * rng_uniform(&r);
}

static void ldf_frame(mc_sim *s, int64_t k, double t, double *out)
{
    (void)k;
    const double *p = s->p;
    double osc = 0;
    for (int b = 0; b < 6; b++)
        osc += p[LDF_A1 + b] * sin(two_pi * ldf_band_hz[b] * t + s->ldf_phase[b]);
    double v = p[LDF_PU] + osc, start = p[LDF_PORH];
    if (!isnan(start) && t >= start) {
        double release = start + p[LDF_OCCLUSION], t_peak = release + p[LDF_TPEAK];
        if (t < release) {
            v = p[LDF_BZ];
        } else if (t < t_peak) {
            v = p[LDF_BZ] + (p[LDF_PEAK] - p[LDF_BZ]) * (t - release) / p[LDF_TPEAK];
        } else {
            double h = exp(-(t - t_peak) / p[LDF_TAU]);
            v = p[LDF_PU] + (p[LDF_PEAK] - p[LDF_PU]) * h + (1.0 - h) * osc;
        }
    }
    v += p[P_NOISE] * rng_gauss(&s->noise);
    out[0] = v > 0 ? v : 0;
}

/* ---- nirs --------------------------------------------------------------------------------------
 * StO2 with a vascular occlusion test (DOMAIN.md 4.2, 4.6), piecewise linear so that every VOT
 * metric has a closed form: baseline sto2; from vot for `occlusion` s a fall at desat %/min
 * (clamped at 0), reaching min = sto2 + desat occlusion/60 at the release; then a rise at
 * recovery %/s up to sto2 + overshoot (at most 100); then a linear return to sto2 over `decay` s.
 * Noise is added, the result clamped to [0, 100] and, with quantize=1, rounded to an integer %
 * as many devices do (DOMAIN.md 4.5). */

static void nirs_frame(mc_sim *s, int64_t k, double t, double *out)
{
    (void)k;
    const double *p = s->p;
    double base = p[NIRS_STO2], v = base, start = p[NIRS_VOT];
    if (!isnan(start) && t >= start) {
        double release = start + p[NIRS_OCCLUSION];
        double low = fmax(0.0, base + p[NIRS_DESAT] * p[NIRS_OCCLUSION] / 60.0);
        double top = fmin(100.0, base + p[NIRS_OVERSHOOT]);
        double t_top = release + (top - low) / p[NIRS_RECOVERY];
        if (t < release)
            v = fmax(0.0, base + p[NIRS_DESAT] * (t - start) / 60.0);
        else if (t < t_top)
            v = low + p[NIRS_RECOVERY] * (t - release);
        else if (t < t_top + p[NIRS_DECAY])
            v = top - (top - base) * (t - t_top) / p[NIRS_DECAY];
    }
    v += p[P_NOISE] * rng_gauss(&s->noise);
    v = fmin(100.0, fmax(0.0, v));
    out[0] = p[NIRS_QUANTIZE] != 0 ? nearbyint(v) : v;
}

/* ---- pco2: level + drift t / 3600 + noise, clamped at 0 (DOMAIN.md 5). ---- */

static void pco2_frame(mc_sim *s, int64_t k, double t, double *out)
{
    (void)k;
    const double *p = s->p;
    double v = p[PCO2_LEVEL] + p[PCO2_DRIFT] * t / 3600.0 + p[P_NOISE] * rng_gauss(&s->noise);
    out[0] = v > 0 ? v : 0;
}

/* ---- The model table --------------------------------------------------------------------- */

static const mc_channel_info ppg_channels[] = {{"ir", "a.u.", 1, 0}, {"red", "a.u.", 1, 0}};
static const mc_channel_info ldf_channels[] = {{"perfusion", "PU", 1, 0}};
static const mc_channel_info nirs_channels[] = {{"sto2", "%", 1, 0}};
static const mc_channel_info pco2_channels[] = {{"pco2", "mm[Hg]", 1, 0}};

static const sim_model models[] = {
    {"ppg", MC_MODALITY_PPG, "finger", 2, ppg_channels, ppg_params, PPG_N, -1, -1, PPG_MOTION,
     ppg_init, ppg_frame},
    {"ldf", MC_MODALITY_LDF, "forearm", 1, ldf_channels, ldf_params, LDF_N, LDF_PORH, LDF_OCCLUSION,
     -1, ldf_init, ldf_frame},
    {"nirs", MC_MODALITY_NIRS, "thenar", 1, nirs_channels, nirs_params, NIRS_N, NIRS_VOT,
     NIRS_OCCLUSION, -1, NULL, nirs_frame},
    {"pco2", MC_MODALITY_PCO2, "ear", 1, pco2_channels, pco2_params, PCO2_N, -1, -1, -1, NULL,
     pco2_frame},
};
enum { SIM_N_MODELS = sizeof models / sizeof models[0] };

static const char *const model_names[] = {"ppg", "ldf", "nirs", "pco2", NULL};

_Static_assert((int)PPG_N <= (int)SIM_MAX_PARAMS && (int)LDF_N <= (int)SIM_MAX_PARAMS &&
                   (int)NIRS_N <= (int)SIM_MAX_PARAMS && (int)PCO2_N <= (int)SIM_MAX_PARAMS,
               "SIM_MAX_PARAMS too small");

const char *const *mc_sim_models(void)
{
    return model_names;
}

/* ---- Events and intervals ---------------------------------------------------------------- */

static void push_event(mc_sim *s, double t_s, const char *kind)
{
    if (s->ev_count == SIM_EVENT_CAP)
        return; /* full: the newest is dropped (SIM_EVENT_CAP) */
    mc_event *ev = &s->events[(s->ev_head + s->ev_count) % SIM_EVENT_CAP];
    memset(ev, 0, sizeof *ev);
    ev->t_ns = (int64_t)llround(t_s * 1e9);
    snprintf(ev->stream, sizeof ev->stream, "%s", s->name);
    snprintf(ev->kind, sizeof ev->kind, "%s", kind);
    snprintf(ev->text, sizeof ev->text, "sim truth");
    ev->value = (double)NAN;
    s->ev_count++;
}

static void episode_step(mc_sim *s, sim_episode *e)
{
    if (!e->active) {
        e->active = 1;
        e->on_s = e->next_s;
        e->off_s = e->on_s + e->dur_lo_s + (e->dur_hi_s - e->dur_lo_s) * rng_uniform(&e->rng);
        e->next_s = e->off_s;
        push_event(s, e->on_s, ep_events[e->kind][0]);
        if (e == &s->ep[EP_MOTION])
            motion_draw(s, &e->rng);
    } else {
        e->active = 0;
        e->next_s = e->per_s > 0 ? e->off_s + rng_exp(&e->rng, e->per_s) : (double)INFINITY;
        push_event(s, e->off_s, ep_events[e->kind][1]);
    }
}

/* Apply every start and end due by time t, earliest first across the processes, so the event
 * queue is in time order and the state depends on t alone, not on how frames are split. */
static void advance_episodes(mc_sim *s, double t)
{
    for (;;) {
        sim_episode *due = NULL;
        for (int i = 0; i < EP_N; i++)
            if (s->ep[i].next_s <= t && (!due || s->ep[i].next_s < due->next_s))
                due = &s->ep[i];
        if (!due)
            return;
        episode_step(s, due);
    }
}

/* Starts at first_s, or (NaN) after an exponential wait; then per_min a minute, durations
 * uniform in [lo, hi] s. */
static void episode_init(sim_episode *e, uint64_t seed, int kind, double first_s, double per_min,
                         double lo, double hi)
{
    memset(e, 0, sizeof *e);
    e->kind = kind;
    rng_seed(&e->rng, seed, RNG_EPISODE + (uint64_t)kind);
    e->per_s = per_min / 60.0;
    e->dur_lo_s = lo;
    e->dur_hi_s = hi;
    e->next_s = !isnan(first_s) ? first_s
                : e->per_s > 0  ? rng_exp(&e->rng, e->per_s)
                                : (double)INFINITY;
}

/* ---- Parameters in, attributes out ------------------------------------------------------- */

/* Strict number: the whole string, decimal, finite, in range of a double. */
static int parse_number(const char *text, double *out)
{
    if (!text[0] || !strchr("+-.0123456789", text[0]))
        return 0;
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

static int parse_seed(const char *text, uint64_t *out)
{
    size_t n = strlen(text);
    if (n == 0 || strspn(text, "0123456789") != n)
        return 0;
    errno = 0;
    *out = (uint64_t)strtoull(text, NULL, 10);
    return errno != ERANGE;
}

/* A site is stored in the session file and shown to users: a plain word. */
static int site_is_valid(const char *text)
{
    size_t n = strlen(text);
    return n > 0 && n <= MC_NAME_MAX &&
           strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* The default seed is the FNV-1a hash of the stream name: two streams of one session differ, and
 * the same session repeats. */
static uint64_t fnv1a(const char *text)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (const unsigned char *c = (const unsigned char *)text; *c; c++)
        h = (h ^ *c) * 0x100000001b3u;
    return h;
}

/* The keys of a model, for "expected ..." in messages. */
static void key_list(const sim_model *m, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i <= m->n_params + 1 && used < size; i++) {
        const char *key = i < m->n_params ? m->params[i].key : i == m->n_params ? "seed" : "site";
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", key);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* Shortest of %.15g .. %.17g that reads back as the same double, so attributes are exact and
 * still read "0.01" rather than "0.010000000000000000208". */
static void format_number(double v, char *buf, size_t size)
{
    if (isnan(v)) {
        snprintf(buf, size, "off");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static mc_status parse_value(mc_sim *s, size_t idx, const char *value, mc_diag *d)
{
    const sim_model *m = s->model;
    const sim_param *sp = &m->params[idx];
    const char *sep = sp->unit[0] ? " " : "";
    const char *off = (sp->flags & SIM_OFF) ? ", or off" : "";
    double v = 0;
    if ((sp->flags & SIM_OFF) && strcmp(value, "off") == 0) {
        s->p[idx] = (double)NAN;
        return MC_OK;
    }
    if (!parse_number(value, &v))
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "%s: %s='%s' is not a number (expected %g..%g%s%s%s)", m->name, sp->key,
                           value, sp->lo, sp->hi, sep, sp->unit, off);
    if (v < sp->lo || v > sp->hi)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "%s: %s=%s is out of range (%g..%g%s%s%s)",
                           m->name, sp->key, value, sp->lo, sp->hi, sep, sp->unit, off);
    if ((sp->flags & SIM_BOOL) && v != 0 && v != 1)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "%s: %s=%s must be 0 or 1", m->name, sp->key,
                           value);
    s->p[idx] = v;
    return MC_OK;
}

/* Defaults first, then each key=value once. seed and site are the two keys outside the numeric
 * tables: seed is a 64-bit integer, which a double cannot hold, and site is a word. */
static mc_status parse_params(mc_sim *s, const mc_kv *params, size_t n, mc_diag *d)
{
    const sim_model *m = s->model;
    const size_t i_seed = m->n_params, i_site = m->n_params + 1;
    int given[SIM_MAX_PARAMS + 2] = {0};
    for (size_t i = 0; i < m->n_params; i++)
        s->p[i] = m->params[i].def;
    s->seed = fnv1a(s->name);
    snprintf(s->site, sizeof s->site, "%s", m->site);
    for (size_t i = 0; i < n; i++) {
        const char *key = params[i].key, *value = params[i].value;
        if (!key || !value)
            return mc_diag_set(d, MC_EINVAL, -1, -1, "%s: parameter %zu has no key or value",
                               m->name, i);
        size_t idx = strcmp(key, "seed") == 0   ? i_seed
                     : strcmp(key, "site") == 0 ? i_site
                                                : SIZE_MAX;
        for (size_t j = 0; j < m->n_params && idx == SIZE_MAX; j++)
            if (strcmp(key, m->params[j].key) == 0)
                idx = j;
        if (idx == SIZE_MAX) {
            char keys[200];
            key_list(m, keys, sizeof keys);
            return mc_diag_set(d, MC_EINVAL, -1, -1, "%s: unknown parameter '%s' (expected %s)",
                               m->name, key, keys);
        }
        if (given[idx])
            return mc_diag_set(d, MC_EINVAL, -1, -1, "%s: parameter '%s' is given twice", m->name,
                               key);
        given[idx] = 1;
        if (idx == i_seed) {
            if (!parse_seed(value, &s->seed))
                return mc_diag_set(d, MC_EINVAL, -1, -1,
                                   "%s: seed='%s' is not an integer "
                                   "(expected 0..18446744073709551615)",
                                   m->name, value);
        } else if (idx == i_site) {
            if (!site_is_valid(value))
                return mc_diag_set(d, MC_EINVAL, -1, -1,
                                   "%s: site='%s' is not a valid site "
                                   "(expected 1-%d characters of A-Z a-z 0-9 _ -)",
                                   m->name, value, MC_NAME_MAX);
            snprintf(s->site, sizeof s->site, "%s", value);
        } else {
            mc_status st = parse_value(s, idx, value, d);
            if (st != MC_OK)
                return st;
        }
    }
    return MC_OK;
}

static void add_attr(mc_sim *s, const char *key, const char *value)
{
    size_t i = s->info.n_attrs++;
    assert(i < SIM_MAX_ATTRS);
    snprintf(s->attr_key[i], sizeof s->attr_key[i], "sim_%s", key);
    snprintf(s->attr_value[i], sizeof s->attr_value[i], "%s", value);
    s->attrs[i] = (mc_kv){s->attr_key[i], s->attr_value[i]};
}

static void build_info(mc_sim *s)
{
    const sim_model *m = s->model;
    snprintf(s->device_model, sizeof s->device_model, "mcirc sim %s", m->name);
    s->info = (mc_stream_info){
        .name = s->name,
        .modality = m->modality,
        .n_channels = m->n_channels,
        .channels = m->channels,
        .rate_hz = s->p[P_IRREGULAR] != 0 ? 0.0 : s->p[P_RATE],
        .device_model = s->device_model,
        .device_serial = "",
        .driver = "sim",
        .driver_version = "1",
        .site = s->site,
        .attrs = s->attrs,
    };
    char value[MC_NAME_MAX + 1];
    add_attr(s, "model", m->name);
    for (size_t i = 0; i < m->n_params; i++) {
        if (m->params[i].flags & SIM_BOOL)
            snprintf(value, sizeof value, "%d", s->p[i] != 0);
        else
            format_number(s->p[i], value, sizeof value);
        add_attr(s, m->params[i].key, value);
    }
    snprintf(value, sizeof value, "%" PRIu64, s->seed);
    add_attr(s, "seed", value);
    add_attr(s, "site", s->site);
}

/* ---- Public functions -------------------------------------------------------------------- */

mc_status mc_sim_create(const char *model, const char *name, const mc_kv *params, size_t n_params,
                        mc_diag *d, mc_sim **out)
{
    assert(out != NULL);
    *out = NULL;
    mc_diag_clear(d);
    const sim_model *m = NULL;
    for (size_t i = 0; model && i < SIM_N_MODELS; i++)
        if (strcmp(model, models[i].name) == 0)
            m = &models[i];
    if (!m)
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "unknown simulator model '%s' (expected ppg, ldf, nirs, pco2)",
                           model ? model : "");
    if (!mc_name_is_valid(name))
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "%s: stream name '%s' is not valid (expected 1-%d characters of "
                           "A-Z a-z 0-9 _ - ., not starting with '.')",
                           m->name, name ? name : "", MC_NAME_MAX);
    if (n_params > 0 && !params)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "%s: %zu parameters but no array", m->name,
                           n_params);

    mc_status st = MC_ENOMEM;
    mc_sim *s = calloc(1, sizeof *s);
    if (!s)
        goto fail;
    s->model = m;
    snprintf(s->name, sizeof s->name, "%s", name);
    st = parse_params(s, params, n_params, d);
    if (st != MC_OK)
        goto fail;

    rng_seed(&s->noise, s->seed, RNG_NOISE);
    double occl = m->protocol_start >= 0 ? s->p[m->protocol_start] : (double)NAN;
    double occl_s = m->protocol_len >= 0 ? s->p[m->protocol_len] : 0;
    episode_init(&s->ep[EP_PROTOCOL], s->seed, EP_PROTOCOL, isnan(occl) ? (double)INFINITY : occl,
                 0, occl_s, occl_s);
    episode_init(&s->ep[EP_MOTION], s->seed, EP_MOTION, (double)NAN,
                 m->motion >= 0 ? s->p[m->motion] : 0, 2.0, 5.0);
    episode_init(&s->ep[EP_DROPOUT], s->seed, EP_DROPOUT, (double)NAN, s->p[P_DROPOUT], 0.5, 2.0);
    if (m->init)
        m->init(s);

    build_info(s);
    st = mc_stream_info_check(&s->info, d);
    if (st != MC_OK)
        goto fail;
    *out = s;
    return MC_OK;

fail:
    mc_sim_destroy(s);
    return st;
}

const mc_stream_info *mc_sim_get_info(const mc_sim *s)
{
    return &s->info;
}

double mc_sim_get_rate(const mc_sim *s)
{
    return s->p[P_RATE];
}

/* Frame k is at k / rate s. Every time is computed from k, never accumulated, so a day-long
 * stream has the same timing as its first second; t_ns rounds k 1e9 / rate, exact while k 1e9 is
 * below 2^53 and within a fraction of a ns beyond. */
int64_t mc_sim_read(mc_sim *s, size_t n, float *samples, int64_t *t_ns)
{
    assert(s != NULL && (n == 0 || samples != NULL));
    const uint32_t nc = s->model->n_channels;
    const double rate = s->p[P_RATE];
    const int64_t first = s->next_frame;
    double v[SIM_MAX_CHANNELS];
    for (size_t i = 0; i < n; i++) {
        int64_t k = first + (int64_t)i;
        double t = (double)k / rate;
        advance_episodes(s, t);
        s->model->frame(s, k, t, v);
        int gap = s->ep[EP_DROPOUT].active;
        for (uint32_t c = 0; c < nc; c++)
            samples[i * nc + c] = gap ? NAN : (float)v[c];
        if (t_ns)
            t_ns[i] = (int64_t)llround((double)k * 1e9 / rate);
    }
    s->next_frame = first + (int64_t)n;
    return first;
}

int mc_sim_pop_event(mc_sim *s, mc_event *ev)
{
    assert(s != NULL && ev != NULL);
    if (s->ev_count == 0)
        return 0;
    *ev = s->events[s->ev_head];
    s->ev_head = (s->ev_head + 1) % SIM_EVENT_CAP;
    s->ev_count--;
    return 1;
}

void mc_sim_destroy(mc_sim *s)
{
    free(s);
}
