/* SPDX-License-Identifier: MIT */
/* dsp/protocol.c: the provocation tests (PORH, iontophoresis, VOT, PI during a VOT) and the PCO2
 * gap as pure functions of one channel's samples and the event times (DOMAIN.md 1.5, 3.5-3.7,
 * 4.2, 4.5, 5.3, 9). Edge rules, applied the same way in every protocol:
 * - Windows: means over [a, b) (the samples before an event), slopes and extremes over [a, b].
 *   Only finite samples count. A window with no finite sample gives NO_SIGNAL (a slope needs 3).
 * - A window that reaches past the record's end (last time + one nominal interval) gives
 *   INSUFFICIENT_LENGTH, as do a return, a recovery or a half-time not reached before the end.
 *   A window that starts before the record uses the samples there are.
 * - A value computed from others takes the first non-OK status among them.
 * - Event times that are not finite or out of order give NOT_AVAILABLE everywhere.
 * - LDF peaks and areas use the centred moving median (mc_median over +-smooth/2 s), so a spike
 *   shorter than half the smoothing window is never "the peak" (DOMAIN.md 3.7); StO2 and PI are
 *   used as they are (devices average them already; DOMAIN.md 4.5: interpolate nothing).
 * - Areas are trapezoids of (y - ref)+ between consecutive finite values, exact at the crossings
 *   of a piecewise-linear curve; bridging more than 2 s of missing LDF or more than 2 missing
 *   StO2/PI updates makes the area NO_SIGNAL (DOMAIN.md 9.1).
 * - Crossing times (t_half, the StO2 recovery time) are interpolated linearly between the two
 *   finite samples around the crossing; peaks and maxima are at a sample (the first one). */
#include "dsp/protocol.h"

#include "dsp/internal.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/runmed.h"

/* ---- result definitions ---------------------------------------------------------------------- */

enum { P_REST, P_BZ, P_PEAK, P_T_PEAK, P_T_HALF, P_AUC, P_DEBT, P_REPAY, P_INCREASE, P_N };
static const mc_feature_def porh_defs[P_N] = {
    {"porh_rest", "PU", "mean F over porh_rest_s before the occlusion, minus BZ (DOMAIN.md 3.6)"},
    {"porh_bz", "PU",
     "mean F over the last porh_bz_s of the occlusion; artefact when > 0.5 rest F (3.6, 3.7)"},
    {"porh_peak", "PU",
     "max of the centred moving median of F' (porh_smooth_s) from release to return (3.6, 3.7)"},
    {"porh_t_peak", "s", "release to the smoothed peak (DOMAIN.md 3.6)"},
    {"porh_t_half", "s",
     "peak to the smoothed F' falling to rest + (peak - rest)/2, interpolated (DOMAIN.md 3.6)"},
    {"porh_auc", "PU.s",
     "trapezoid of (smoothed F' - rest)+ from release to return: F' <= rest (1 + "
     "porh_return_frac) for porh_return_hold_s (DOMAIN.md 3.6)"},
    {"porh_debt", "PU.s",
     "(rest F - mean F during the occlusion) x occlusion time = rest T - integral F' (3.6)"},
    {"porh_repayment", "1", "porh_auc / porh_debt; invalid when debt <= 0 (DOMAIN.md 3.6, 9)"},
    {"porh_increase", "%", "100 (peak - rest) / rest; invalid when rest <= 0 (DOMAIN.md 3.6)"},
};

enum { I_BASE, I_PEAK, I_PLATEAU, I_INCREASE, I_AUC, I_CVC, I_N };
static const mc_feature_def ionto_defs[I_N] = {
    {"ionto_baseline", "PU", "mean F over ionto_baseline_s before the first dose (DOMAIN.md 3.5)"},
    {"ionto_peak", "PU",
     "max of the centred moving median of F (ionto_smooth_s), dose to end (DOMAIN.md 3.5)"},
    {"ionto_plateau", "PU",
     "mean of the smoothed F over the last ionto_plateau_s of the response (DOMAIN.md 3.5)"},
    {"ionto_increase", "%", "100 (peak - baseline) / baseline (DOMAIN.md 3.5)"},
    {"ionto_auc", "PU.s", "trapezoid of (smoothed F - baseline)+, dose to end (DOMAIN.md 3.5)"},
    {"ionto_cvc", "PU/mmHg", "ionto_peak / MAP; invalid when MAP < 20 mmHg (DOMAIN.md 3.5, 9)"},
};

enum { V_BASE, V_DESAT, V_MIN, V_RECOVERY, V_MAX, V_AUC, V_REC_TIME, V_T_MAX, V_N };
static const mc_feature_def vot_defs[V_N] = {
    {"vot_baseline", "%", "mean StO2 over vot_baseline_s before the occlusion (DOMAIN.md 4.2)"},
    {"vot_desat_slope", "%/min",
     "least-squares slope over the first vot_desat_s of the occlusion (DOMAIN.md 4.2)"},
    {"vot_min", "%", "minimum StO2 during the occlusion (DOMAIN.md 4.2)"},
    {"vot_recovery_slope", "%/s",
     "least-squares slope over the first vot_recovery_s after release; invalid when the "
     "occlusion was incomplete, desat > -3 %/min (DOMAIN.md 4.2, 4.5)"},
    {"vot_max", "%", "maximum StO2 within vot_max_s after release (DOMAIN.md 4.2)"},
    {"vot_auc", "%.s",
     "trapezoid of (StO2 - baseline)+ from release to the return below baseline after the "
     "maximum (DOMAIN.md 4.2)"},
    {"vot_recovery_time", "s", "release to StO2 first >= baseline, interpolated (DOMAIN.md 4.2)"},
    {"vot_time_to_max", "s", "release to vot_max (DOMAIN.md 4.2)"},
};

enum { Q_BASE, Q_MIN, Q_PEAK, Q_DELTA, Q_N };
static const mc_feature_def pi_vot_defs[Q_N] = {
    {"pi_vot_baseline", "%", "mean PI over vot_baseline_s before the occlusion (DOMAIN.md 1.5)"},
    {"pi_vot_min", "%", "minimum PI during the occlusion (DOMAIN.md 1.5)"},
    {"pi_vot_peak", "%", "maximum PI within vot_max_s after release (DOMAIN.md 1.5)"},
    {"pi_vot_delta", "%",
     "PI 60 s after release (interpolated) minus pi_vot_baseline (DOMAIN.md 1.5)"},
};

static const mc_feature_def gap_defs[1] = {
    {"pco2_gap", "mmHg",
     "mean PCO2 over t_gas + pco2_delay_s +- pco2_window_s (else the nearest sample within "
     "pco2_max_age_s) minus the arterial value (DOMAIN.md 5.1, 5.3)"},
};

static const double pi_delta_s = 60.0;     /* DOMAIN.md 1.5: delta PI over 0-60 s */
static const double incomplete_desat = -3; /* %/min, DOMAIN.md 4.5 */
static const double min_map_mmhg = 20;     /* DOMAIN.md 9.2 */
static const double ldf_max_gap_s = 2;     /* DOMAIN.md 9.1 */

/* ---- configuration --------------------------------------------------------------------------- */

mc_protocol_config mc_protocol_config_default(void)
{
    return (mc_protocol_config){
        .porh_rest_s = 120,
        .porh_bz_s = 30,
        .porh_smooth_s = 1,
        .porh_return_frac = 0.10,
        .porh_return_hold_s = 10,
        .ionto_baseline_s = 120,
        .ionto_smooth_s = 5,
        .ionto_plateau_s = 60,
        .vot_baseline_s = 60,
        .vot_desat_s = 60,
        .vot_recovery_s = 14,
        .vot_max_s = 120,
        .pco2_window_s = 60,
        .pco2_delay_s = 60,
        .pco2_max_age_s = 300,
    };
}

/* The settings: > 0, except the sensor delay pco2_delay_s, for which 0 is meaningful. */
static const mc__key protocol_keys[] = {
    {"porh_rest_s", offsetof(mc_protocol_config, porh_rest_s), 0, 86400, MC__KEY_OPEN_LO, "s"},
    {"porh_bz_s", offsetof(mc_protocol_config, porh_bz_s), 0, 86400, MC__KEY_OPEN_LO, "s"},
    {"porh_smooth_s", offsetof(mc_protocol_config, porh_smooth_s), 0, 86400, MC__KEY_OPEN_LO, "s"},
    {"porh_return_frac", offsetof(mc_protocol_config, porh_return_frac), 0, 10, MC__KEY_OPEN_LO,
     ""},
    {"porh_return_hold_s", offsetof(mc_protocol_config, porh_return_hold_s), 0, 86400,
     MC__KEY_OPEN_LO, "s"},
    {"ionto_baseline_s", offsetof(mc_protocol_config, ionto_baseline_s), 0, 86400, MC__KEY_OPEN_LO,
     "s"},
    {"ionto_smooth_s", offsetof(mc_protocol_config, ionto_smooth_s), 0, 86400, MC__KEY_OPEN_LO,
     "s"},
    {"ionto_plateau_s", offsetof(mc_protocol_config, ionto_plateau_s), 0, 86400, MC__KEY_OPEN_LO,
     "s"},
    {"vot_baseline_s", offsetof(mc_protocol_config, vot_baseline_s), 0, 86400, MC__KEY_OPEN_LO,
     "s"},
    {"vot_desat_s", offsetof(mc_protocol_config, vot_desat_s), 0, 86400, MC__KEY_OPEN_LO, "s"},
    {"vot_recovery_s", offsetof(mc_protocol_config, vot_recovery_s), 0, 86400, MC__KEY_OPEN_LO,
     "s"},
    {"vot_max_s", offsetof(mc_protocol_config, vot_max_s), 0, 86400, MC__KEY_OPEN_LO, "s"},
    {"pco2_window_s", offsetof(mc_protocol_config, pco2_window_s), 0, 86400, MC__KEY_OPEN_LO, "s"},
    {"pco2_delay_s", offsetof(mc_protocol_config, pco2_delay_s), 0, 86400, 0, "s"},
    {"pco2_max_age_s", offsetof(mc_protocol_config, pco2_max_age_s), 0, 86400, MC__KEY_OPEN_LO,
     "s"},
};

mc_status mc_protocol_config_set(mc_protocol_config *c, const char *key, const char *value,
                                 mc_diag *d)
{
    assert(c != NULL);
    mc_diag_clear(d);
    const size_t n = sizeof protocol_keys / sizeof protocol_keys[0];
    const mc__key *k = mc__key_find(protocol_keys, n, key);
    if (!k)
        return mc__key_unknown(protocol_keys, n, "protocol", key, NULL, d);
    return mc__key_set(c, k, "protocol", value, d);
}

/* ---- results --------------------------------------------------------------------------------- */

static void result_init(mc_protocol_result *r, const mc_feature_def *defs, size_t n, uint8_t status)
{
    assert(n <= MC_PROTOCOL_MAX_VALUES);
    r->n = n;
    for (size_t k = 0; k < MC_PROTOCOL_MAX_VALUES; k++) {
        r->defs[k] = k < n ? &defs[k] : NULL;
        r->value[k] = (double)NAN;
        r->status[k] = k < n ? status : MC_FS_NOT_AVAILABLE;
    }
}

/* A value that is OK but not finite (an overflow) is INVALID. */
static void put(mc_protocol_result *r, size_t k, uint8_t status, double v)
{
    if (status == MC_FS_OK && !isfinite(v))
        status = MC_FS_INVALID;
    r->status[k] = status;
    r->value[k] = status == MC_FS_OK ? v : (double)NAN;
}

static uint8_t worst(uint8_t a, uint8_t b)
{
    return a != MC_FS_OK ? a : b;
}

/* ---- one channel on its times ---------------------------------------------------------------- */

typedef struct series {
    const float *x;
    const double *t;
    size_t n;
    double dt;      /* nominal interval: span / (n - 1), 0 for one sample */
    double offset;  /* subtracted from every value (BZ) */
    double half_s;  /* > 0: values are the centred moving median over +-half_s */
    float *scratch; /* [n] for mc_median when half_s > 0 */
    double max_gap; /* longest step between finite values an area may bridge, s */
} series;

static series series_make(const float *x, const double *t, size_t n)
{
    series s = {x, t, n, 0, 0, 0, NULL, 0};
    if (n >= 2 && isfinite(t[n - 1] - t[0]))
        s.dt = fmax(0.0, (t[n - 1] - t[0]) / (double)(n - 1));
    s.max_gap = 3.0 * s.dt * (1 + 1e-9); /* StO2 and PI: at most 2 missing updates */
    return s;
}

/* First index with t >= v (lower) or t > v (upper); n when none. */
static size_t lower(const series *s, double v)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->t[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t upper(const series *s, double v)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->t[mid] <= v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The record reaches time b: its last sample's interval ends at or after b. */
static int covered(const series *s, double b)
{
    return s->n > 0 && s->t[s->n - 1] + s->dt >= b - 1e-9 * fmax(1.0, fabs(b));
}

/* The value at sample i: raw, or the median of the samples within +-half_s (NaN left out). */
static double value_at(const series *s, size_t i)
{
    if (s->half_s <= 0)
        return (double)s->x[i] - s->offset;
    size_t lo = lower(s, s->t[i] - s->half_s), hi = upper(s, s->t[i] + s->half_s);
    if (hi <= lo) /* only when times are not increasing */
        return (double)s->x[i] - s->offset;
    return mc_median(s->x + lo, hi - lo, s->scratch) - s->offset;
}

/* Mean of the finite values with t in [a, b). */
static uint8_t mean_in(const series *s, double a, double b, double *out)
{
    double sum = 0;
    size_t cnt = 0;
    for (size_t i = lower(s, a), end = lower(s, b); i < end; i++) {
        double v = value_at(s, i);
        if (isfinite(v)) {
            sum += v;
            cnt++;
        }
    }
    *out = cnt ? sum / (double)cnt : (double)NAN;
    return cnt ? MC_FS_OK : MC_FS_NO_SIGNAL;
}

/* Least-squares slope (per s) of the finite values with t in [a, b]; needs 3 of them. */
static uint8_t slope_in(const series *s, double a, double b, double *out)
{
    size_t lo = lower(s, a), hi = upper(s, b), cnt = 0;
    double mt = 0, mx = 0;
    for (size_t i = lo; i < hi; i++)
        if (isfinite(s->x[i])) {
            mt += s->t[i];
            mx += (double)s->x[i];
            cnt++;
        }
    *out = (double)NAN;
    if (cnt < 3)
        return MC_FS_NO_SIGNAL;
    mt /= (double)cnt;
    mx /= (double)cnt;
    double sxx = 0, sxy = 0;
    for (size_t i = lo; i < hi; i++)
        if (isfinite(s->x[i])) {
            sxx += (s->t[i] - mt) * (s->t[i] - mt);
            sxy += (s->t[i] - mt) * ((double)s->x[i] - mx);
        }
    if (!(sxx > 0))
        return MC_FS_NO_SIGNAL;
    *out = sxy / sxx;
    return MC_FS_OK;
}

/* The first maximum (sign +1) or minimum (sign -1) of the finite values with t in [a, b]. */
static uint8_t extreme_in(const series *s, double a, double b, double sign, double *out, size_t *at)
{
    *out = (double)NAN;
    *at = s->n;
    for (size_t i = lower(s, a), end = upper(s, b); i < end; i++) {
        double v = value_at(s, i);
        if (isfinite(v) && (*at == s->n || sign * v > sign * *out)) {
            *out = v;
            *at = i;
        }
    }
    return *at < s->n ? MC_FS_OK : MC_FS_NO_SIGNAL;
}

/* Area of (y)+ over one step of length h where y goes linearly from a to b. */
static double excess_area(double a, double b, double h)
{
    if (a >= 0 && b >= 0)
        return 0.5 * (a + b) * h;
    if (a <= 0 && b <= 0)
        return 0;
    double p = a > 0 ? a : b, q = a > 0 ? b : a;
    return 0.5 * p * p / (p - q) * h;
}

/* Integral of (value - ref)+ over samples i0 .. i1 (inclusive): trapezoids between finite
 * values. */
static uint8_t excess_integral(const series *s, size_t i0, size_t i1, double ref, double *out)
{
    double sum = 0, tp = 0, yp = 0;
    size_t cnt = 0;
    uint8_t st = MC_FS_OK;
    for (size_t i = i0; i <= i1 && i < s->n; i++) {
        double y = value_at(s, i) - ref;
        if (!isfinite(y))
            continue;
        if (cnt > 0) {
            if (s->t[i] - tp > s->max_gap)
                st = MC_FS_NO_SIGNAL;
            sum += excess_area(yp, y, s->t[i] - tp);
        }
        tp = s->t[i];
        yp = y;
        cnt++;
    }
    *out = sum;
    return cnt ? st : MC_FS_NO_SIGNAL;
}

/* Time at which the values from sample i0 on first reach `level` from above (sign +1: first y <=
 * level) or from below (sign -1: first y >= level), interpolated from the finite sample before
 * (starting with `prev`, n for none); *at receives the sample that reached it. */
static uint8_t crossing_after(const series *s, size_t prev, size_t i0, double level, double sign,
                              double *t, size_t *at)
{
    if (prev < s->n && !isfinite(value_at(s, prev)))
        prev = s->n;
    for (size_t i = i0; i < s->n; i++) {
        double y = value_at(s, i);
        if (!isfinite(y))
            continue;
        if (sign * y <= sign * level) {
            if (prev == s->n) {
                *t = s->t[i];
            } else {
                double yp = value_at(s, prev);
                double f = yp != y ? (yp - level) / (yp - y) : 1.0;
                *t = s->t[prev] + f * (s->t[i] - s->t[prev]);
            }
            *at = i;
            return MC_FS_OK;
        }
        prev = i;
    }
    *t = (double)NAN;
    *at = s->n;
    return MC_FS_INSUFFICIENT_LENGTH;
}

static int events_ok(double t_occ, double t_rel)
{
    return isfinite(t_occ) && isfinite(t_rel) && t_rel > t_occ;
}

/* ---- PORH (DOMAIN.md 3.6, 3.7, 3.8) ---------------------------------------------------------- */

/* The return after release: the first sample, not a new running maximum, from which the smoothed
 * F' stays <= thr for hold_s. The running maximum before it is the peak. A failed hold at sample
 * j rules out every start up to j (their hold would include j), so each value is computed about
 * twice. *ret = n when the record ends first. */
static void porh_scan(const series *s, size_t i0, double thr, double hold_s, size_t *peak_at,
                      size_t *ret)
{
    double peak = -(double)INFINITY;
    *peak_at = s->n;
    *ret = s->n;
    size_t i = i0;
    while (i < s->n) {
        double y = value_at(s, i);
        if (!isfinite(y) || y > peak || y > thr) {
            if (isfinite(y) && y > peak) {
                peak = y;
                *peak_at = i;
            }
            i++;
            continue;
        }
        double t_end = s->t[i] + hold_s;
        if (!covered(s, t_end))
            return;
        size_t j = i + 1;
        double yj = (double)NAN;
        for (; j < s->n && s->t[j] <= t_end; j++) {
            yj = value_at(s, j);
            if (isfinite(yj) && yj > thr)
                break;
        }
        if (j >= s->n || s->t[j] > t_end) {
            *ret = i;
            return;
        }
        if (yj > peak) {
            peak = yj;
            *peak_at = j;
        }
        i = j + 1;
    }
}

void mc_porh_analyse(const float *x, const double *t_s, size_t n, double t_occlusion,
                     double t_release, const mc_protocol_config *c, float *scratch,
                     mc_protocol_result *r)
{
    assert(r != NULL);
    mc_protocol_config def = mc_protocol_config_default();
    c = c ? c : &def;
    if (!events_ok(t_occlusion, t_release)) {
        result_init(r, porh_defs, P_N, MC_FS_NOT_AVAILABLE);
        return;
    }
    if (n == 0 || !x || !t_s) {
        result_init(r, porh_defs, P_N, MC_FS_NO_SIGNAL);
        return;
    }
    assert(scratch != NULL);
    result_init(r, porh_defs, P_N, MC_FS_OK);
    series s = series_make(x, t_s, n);
    s.max_gap = ldf_max_gap_s + s.dt * (1 + 1e-9);

    double f_rest, bz = (double)NAN, f_occ = (double)NAN;
    uint8_t st_rest = mean_in(&s, t_occlusion - c->porh_rest_s, t_occlusion, &f_rest);
    uint8_t st_bz = MC_FS_INSUFFICIENT_LENGTH, st_occ = MC_FS_INSUFFICIENT_LENGTH;
    if (covered(&s, t_release)) {
        st_bz = mean_in(&s, fmax(t_occlusion, t_release - c->porh_bz_s), t_release, &bz);
        st_occ = mean_in(&s, t_occlusion, t_release, &f_occ);
    }
    uint8_t st_base = worst(st_rest, st_bz);
    double rest = f_rest - bz;
    /* DOMAIN.md 3.7: BZ above half the resting flux means poor probe contact. */
    int flag = st_base == MC_FS_OK && bz > 0.5 * f_rest;
    put(r, P_REST, st_base, rest);
    put(r, P_BZ, flag ? MC_FS_ARTEFACT : st_bz, bz);
    /* rest T - integral of F' = (F_rest - BZ) T - (mean F_occ - BZ) T: BZ cancels. */
    uint8_t st_debt = worst(st_rest, st_occ);
    double debt = (f_rest - f_occ) * (t_release - t_occlusion);
    put(r, P_DEBT, st_debt, debt);

    size_t i0 = lower(&s, t_release);
    uint8_t st_resp = worst(st_base, i0 < n ? MC_FS_OK : MC_FS_INSUFFICIENT_LENGTH);
    if (st_resp != MC_FS_OK) {
        for (size_t k = P_PEAK; k <= P_INCREASE; k++)
            if (k != P_DEBT)
                put(r, k, k == P_REPAY ? worst(st_debt, st_resp) : st_resp, 0);
        return;
    }
    s.offset = bz;
    s.half_s = 0.5 * c->porh_smooth_s;
    s.scratch = scratch;
    size_t ip, iret;
    porh_scan(&s, i0, rest * (1 + c->porh_return_frac), c->porh_return_hold_s, &ip, &iret);
    if (ip == n) {
        for (size_t k = P_PEAK; k <= P_INCREASE; k++)
            if (k != P_DEBT)
                put(r, k, MC_FS_NO_SIGNAL, 0);
        return;
    }
    double peak = value_at(&s, ip);
    put(r, P_PEAK, MC_FS_OK, peak);
    put(r, P_T_PEAK, MC_FS_OK, t_s[ip] - t_release);
    double t_half;
    size_t i_half;
    uint8_t st_half =
        crossing_after(&s, ip, ip + 1, rest + 0.5 * (peak - rest), 1.0, &t_half, &i_half);
    put(r, P_T_HALF, st_half, t_half - t_s[ip]);
    double auc = 0;
    uint8_t st_auc =
        iret < n ? excess_integral(&s, i0, iret, rest, &auc) : MC_FS_INSUFFICIENT_LENGTH;
    put(r, P_AUC, st_auc, auc);
    uint8_t st_repay = worst(st_auc, st_debt);
    if (st_repay == MC_FS_OK && !(debt > 0))
        st_repay = MC_FS_INVALID; /* DOMAIN.md 9.2 */
    if (st_repay == MC_FS_OK && flag)
        st_repay = MC_FS_ARTEFACT;
    put(r, P_REPAY, st_repay, auc / debt);
    uint8_t st_inc = rest > 0 ? MC_FS_OK : MC_FS_INVALID;
    if (st_inc == MC_FS_OK && flag)
        st_inc = MC_FS_ARTEFACT;
    put(r, P_INCREASE, st_inc, 100.0 * (peak - rest) / rest);
}

/* ---- iontophoresis (DOMAIN.md 3.5) ----------------------------------------------------------- */

void mc_ionto_analyse(const float *x, const double *t_s, size_t n, double t_first_dose,
                      double t_dose, double t_end, double map_mmhg, const mc_protocol_config *c,
                      float *scratch, mc_protocol_result *r)
{
    assert(r != NULL);
    mc_protocol_config def = mc_protocol_config_default();
    c = c ? c : &def;
    if (n > 0 && x && t_s && !isfinite(t_end))
        t_end = t_s[n - 1]; /* the response runs to the end of the record */
    if (!isfinite(t_first_dose) || !isfinite(t_dose) || t_dose < t_first_dose ||
        !(t_end > t_dose)) {
        result_init(r, ionto_defs, I_N, MC_FS_NOT_AVAILABLE);
        return;
    }
    if (n == 0 || !x || !t_s) {
        result_init(r, ionto_defs, I_N, MC_FS_NO_SIGNAL);
        return;
    }
    assert(scratch != NULL);
    result_init(r, ionto_defs, I_N, MC_FS_OK);
    series s = series_make(x, t_s, n);
    s.max_gap = ldf_max_gap_s + s.dt * (1 + 1e-9);

    double base;
    uint8_t st_base = mean_in(&s, t_first_dose - c->ionto_baseline_s, t_first_dose, &base);
    put(r, I_BASE, st_base, base);
    s.half_s = 0.5 * c->ionto_smooth_s;
    s.scratch = scratch;
    size_t ip, i0 = lower(&s, t_dose), i1 = upper(&s, t_end);
    double peak = (double)NAN;
    uint8_t st_peak =
        i0 < n ? extreme_in(&s, t_dose, t_end, 1.0, &peak, &ip) : MC_FS_INSUFFICIENT_LENGTH;
    put(r, I_PEAK, st_peak, peak);
    uint8_t st_end = covered(&s, t_end) ? MC_FS_OK : MC_FS_INSUFFICIENT_LENGTH;
    double plateau = (double)NAN;
    uint8_t st_plateau = st_end;
    if (st_plateau == MC_FS_OK) {
        /* [a, t_end] closed: the mean over [a, b) misses the last sample at exactly t_end. */
        st_plateau = mean_in(&s, fmax(t_dose, t_end - c->ionto_plateau_s),
                             nextafter(t_end, (double)INFINITY), &plateau);
    }
    put(r, I_PLATEAU, st_plateau, plateau);
    uint8_t st_inc = worst(st_base, st_peak);
    if (st_inc == MC_FS_OK && !(base > 0))
        st_inc = MC_FS_INVALID;
    put(r, I_INCREASE, st_inc, 100.0 * (peak - base) / base);
    double auc = 0;
    uint8_t st_auc = worst(st_base, st_end);
    if (st_auc == MC_FS_OK)
        st_auc = i1 > i0 ? excess_integral(&s, i0, i1 - 1, base, &auc) : MC_FS_NO_SIGNAL;
    put(r, I_AUC, st_auc, auc);
    uint8_t st_cvc = !isfinite(map_mmhg)       ? MC_FS_NOT_AVAILABLE
                     : map_mmhg < min_map_mmhg ? MC_FS_INVALID
                                               : st_peak;
    put(r, I_CVC, st_cvc, peak / map_mmhg);
}

/* ---- VOT on StO2 (DOMAIN.md 4.2, 4.5, 4.6) --------------------------------------------------- */

/* A window [a, b] after an event: INSUFFICIENT_LENGTH when the record stops before b. */
static uint8_t need(const series *s, double b, uint8_t st)
{
    return covered(s, b) ? st : MC_FS_INSUFFICIENT_LENGTH;
}

void mc_vot_analyse(const float *sto2, const double *t_s, size_t n, double t_occlusion,
                    double t_release, const mc_protocol_config *c, mc_protocol_result *r)
{
    assert(r != NULL);
    mc_protocol_config def = mc_protocol_config_default();
    c = c ? c : &def;
    if (!events_ok(t_occlusion, t_release)) {
        result_init(r, vot_defs, V_N, MC_FS_NOT_AVAILABLE);
        return;
    }
    if (n == 0 || !sto2 || !t_s) {
        result_init(r, vot_defs, V_N, MC_FS_NO_SIGNAL);
        return;
    }
    result_init(r, vot_defs, V_N, MC_FS_OK);
    series s = series_make(sto2, t_s, n);
    double base, desat, low, rec, top, t_rec = (double)NAN, auc = 0;
    size_t i_low, i_top;
    uint8_t st_base = mean_in(&s, t_occlusion - c->vot_baseline_s, t_occlusion, &base);
    put(r, V_BASE, st_base, base);
    double desat_end = fmin(t_occlusion + c->vot_desat_s, t_release);
    uint8_t st_desat = need(&s, desat_end, slope_in(&s, t_occlusion, desat_end, &desat));
    put(r, V_DESAT, st_desat, 60.0 * desat);
    /* Each status is computed before the value is read: argument order is unspecified. */
    uint8_t st_low = need(&s, t_release, extreme_in(&s, t_occlusion, t_release, -1, &low, &i_low));
    put(r, V_MIN, st_low, low);

    double rec_end = t_release + c->vot_recovery_s, max_end = t_release + c->vot_max_s;
    uint8_t st_rec = need(&s, rec_end, slope_in(&s, t_release, rec_end, &rec));
    uint8_t st_top = need(&s, max_end, extreme_in(&s, t_release, max_end, 1, &top, &i_top));
    size_t i0 = lower(&s, t_release);
    size_t i_rec, i_ret;
    uint8_t st_t_rec = st_base;
    if (st_t_rec == MC_FS_OK)
        st_t_rec = crossing_after(&s, n, i0, base, -1.0, &t_rec, &i_rec);
    /* The area ends at the first return to baseline after the maximum. */
    uint8_t st_auc = worst(st_base, st_top);
    if (st_auc == MC_FS_OK) {
        double t_ret;
        st_auc = crossing_after(&s, i_top, i_top + 1, base, 1.0, &t_ret, &i_ret);
        if (st_auc == MC_FS_OK)
            st_auc = excess_integral(&s, i0, i_ret, base, &auc);
    }
    /* DOMAIN.md 4.5: a slow desaturation means an incomplete (venous) occlusion; what follows
     * the release is not a reactive hyperaemia, so the reperfusion values are flagged. */
    int incomplete = st_desat == MC_FS_OK && 60.0 * desat > incomplete_desat;
    uint8_t flag = incomplete ? MC_FS_INVALID : MC_FS_OK;
    put(r, V_RECOVERY, worst(st_rec, flag), rec);
    put(r, V_MAX, worst(st_top, flag), top);
    put(r, V_AUC, worst(st_auc, flag), auc);
    put(r, V_REC_TIME, worst(st_t_rec, flag), t_rec - t_release);
    put(r, V_T_MAX, worst(st_top, flag), st_top == MC_FS_OK ? t_s[i_top] - t_release : 0);
}

/* ---- PI during a VOT (DOMAIN.md 1.5) --------------------------------------------------------- */

/* The value at time t, interpolated between the finite samples around it (at most 2 missing). */
static uint8_t value_at_time(const series *s, double t, double *out)
{
    *out = (double)NAN;
    if (!covered(s, t))
        return MC_FS_INSUFFICIENT_LENGTH;
    size_t j = lower(s, t), p = j, q = j;
    while (p > 0 && !isfinite(s->x[p - 1]))
        p--;
    while (q < s->n && !isfinite(s->x[q]))
        q++;
    if (q < s->n && s->t[q] == t) {
        *out = (double)s->x[q];
        return MC_FS_OK;
    }
    if (p == 0 || q == s->n || s->t[q] - s->t[p - 1] > s->max_gap)
        return MC_FS_NO_SIGNAL;
    double tp = s->t[p - 1], yp = (double)s->x[p - 1];
    *out = yp + ((double)s->x[q] - yp) * (t - tp) / (s->t[q] - tp);
    return MC_FS_OK;
}

void mc_pi_vot_analyse(const float *pi, const double *t_s, size_t n, double t_occlusion,
                       double t_release, const mc_protocol_config *c, mc_protocol_result *r)
{
    assert(r != NULL);
    mc_protocol_config def = mc_protocol_config_default();
    c = c ? c : &def;
    if (!events_ok(t_occlusion, t_release)) {
        result_init(r, pi_vot_defs, Q_N, MC_FS_NOT_AVAILABLE);
        return;
    }
    if (n == 0 || !pi || !t_s) {
        result_init(r, pi_vot_defs, Q_N, MC_FS_NO_SIGNAL);
        return;
    }
    result_init(r, pi_vot_defs, Q_N, MC_FS_OK);
    series s = series_make(pi, t_s, n);
    double base, low, peak, later;
    size_t at;
    uint8_t st_base = mean_in(&s, t_occlusion - c->vot_baseline_s, t_occlusion, &base);
    put(r, Q_BASE, st_base, base);
    uint8_t st_low = need(&s, t_release, extreme_in(&s, t_occlusion, t_release, -1, &low, &at));
    put(r, Q_MIN, st_low, low);
    double max_end = t_release + c->vot_max_s;
    uint8_t st_peak = need(&s, max_end, extreme_in(&s, t_release, max_end, 1, &peak, &at));
    put(r, Q_PEAK, st_peak, peak);
    uint8_t st_later = value_at_time(&s, t_release + pi_delta_s, &later);
    put(r, Q_DELTA, worst(st_later, st_base), later - base);
}

/* ---- PCO2 gap (DOMAIN.md 5.1, 5.3, 5.4) ------------------------------------------------------ */

void mc_pco2_gap_analyse(const float *pco2, const double *t_s, size_t n, double t_gas,
                         double arterial_mmhg, const mc_protocol_config *c, mc_protocol_result *r)
{
    assert(r != NULL);
    mc_protocol_config def = mc_protocol_config_default();
    c = c ? c : &def;
    if (!isfinite(t_gas) || !isfinite(arterial_mmhg)) {
        result_init(r, gap_defs, 1, MC_FS_NOT_AVAILABLE);
        return;
    }
    result_init(r, gap_defs, 1, MC_FS_OK);
    if (!(arterial_mmhg > 0)) {
        put(r, 0, MC_FS_INVALID, 0);
        return;
    }
    if (n == 0 || !pco2 || !t_s) {
        put(r, 0, MC_FS_NO_SIGNAL, 0);
        return;
    }
    series s = series_make(pco2, t_s, n);
    /* The sensor lags: the PCO2 that matches the blood drawn at t_gas is read delay later. */
    double tc = t_gas + c->pco2_delay_s, w = c->pco2_window_s;
    size_t lo = lower(&s, tc - w), hi = upper(&s, tc + w);
    double level = (double)NAN;
    if (hi > lo) {
        /* Samples in the window but none finite: calibration or sensor off; no fallback. */
        mean_in(&s, tc - w, nextafter(tc + w, (double)INFINITY), &level);
    } else {
        /* A sparse stream: the nearest finite sample within max_age of the compensated time. */
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (isfinite(pco2[i]) && fabs(t_s[i] - tc) <= c->pco2_max_age_s &&
                (best == n || fabs(t_s[i] - tc) < fabs(t_s[best] - tc)))
                best = i;
        if (best < n)
            level = (double)pco2[best];
    }
    put(r, 0, isfinite(level) ? MC_FS_OK : MC_FS_NO_SIGNAL, level - arterial_mmhg);
}
