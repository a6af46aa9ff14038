/* SPDX-License-Identifier: MIT */
/* dsp/ppg_beats.c: the beats of one PPG hop (DOMAIN.md 1.2, 2.3, 2.4): zero-phase band-pass,
 * polarity, Elgendi 2013 detection, onsets and systolic peaks refined on the raw signal, the onset
 * baseline, beat-wise AC, DC and PI, the median template and the acceptance of each beat. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "dsp/ppg_internal.h"

double mc__ppg_percentile(double *v, size_t n, double pct)
{
    if (n == 0)
        return (double)NAN;
    for (size_t i = 1; i < n; i++) { /* insertion sort: n is a few dozen beats */
        double t = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > t; j--)
            v[j] = v[j - 1];
        v[j] = t;
    }
    double pos = pct / 100.0 * (double)(n - 1), lo = floor(pos);
    size_t i = (size_t)lo;
    if (i + 1 >= n)
        return v[n - 1];
    return v[i] + (pos - lo) * (v[i + 1] - v[i]);
}

/* The causal band-pass of the stream run backwards over the span: together a zero-phase
 * (filtfilt-like) band-pass, so that detected peaks and troughs stay where the raw ones are
 * (the causal filter alone shifts them by a rate-dependent fraction of a beat, DOMAIN.md 7.4).
 * The forward pass has the stream's whole history. The span's end is extended by pad samples
 * before the backward pass: by repeating the last beat period (the spectral HR), which continues
 * a pulse train almost exactly, or by odd reflection (as scipy's filtfilt) when there is no
 * period. q then holds n + pad samples; detection runs over them all, so that the last beats of
 * the span have the context their moving averages need. @return pad */
static size_t zero_phase(mc__ppg *s, size_t n, double period)
{
    const size_t pad = s->pad < n ? s->pad : n - 1;
    const double pd = isfinite(period) ? period : 0.0; /* no NaN in a comparison */
    const size_t per = pd >= 2.0 && pd < (double)n ? mc__ppg_round(pd) : 0;
    const double *y = s->ry;
    double *r = s->ext; /* reversed: r[pad - 1 - k] is the extension at n + k */
    for (size_t k = 0; k < pad; k++) {
        double e;
        if (per > 0)
            e = k < per ? y[n + k - per] : r[pad - 1 - (k - per)];
        else
            e = 2.0 * y[n - 1] - y[n - 2 - (k < n - 2 ? k : n - 2)];
        r[pad - 1 - k] = e;
    }
    for (size_t m = 0; m < n; m++)
        r[pad + m] = y[n - 1 - m];
    mc_iir_reset_to(s->bp_back, r[0]);
    mc_iir_process_double(s->bp_back, r, r, n + pad);
    for (size_t i = 0; i < n + pad; i++)
        s->q[i] = r[pad + n - 1 - i];
    return pad;
}

/* Skewness of the derivative of q over [a, b): positive when the steepest slopes are rising. */
static double slope_skewness(const mc__ppg *s, size_t a, size_t b)
{
    double m = 0, c2 = 0, c3 = 0;
    size_t k = 0;
    for (size_t i = a; i + 1 < b; i++) {
        double d = s->q[i + 1] - s->q[i];
        if (isfinite(d)) {
            m += d;
            k++;
        }
    }
    if (k < 16)
        return 0;
    m /= (double)k;
    for (size_t i = a; i + 1 < b; i++) {
        double d = s->q[i + 1] - s->q[i] - m;
        if (isfinite(d)) {
            c2 += d * d;
            c3 += d * d * d;
        }
    }
    c2 /= (double)k;
    c3 /= (double)k;
    return c2 > 0 ? c3 / (c2 * sqrt(c2)) : 0;
}

/* DOMAIN.md 1.7: the systolic upstroke is shorter and steeper than the diastolic decay, so with
 * the right sign the derivative of the band-passed pulse has large brief positive values and
 * small long negative ones: a positive skewness. Each 2 s segment of the span votes (|skewness|
 * > 0.1), so that an artefact, whose large slopes would dominate one skewness of the span, gets
 * only its own segments' votes; a clear majority (3 votes and 2/3 of them) decides, else the
 * last decision stands (a symmetric wave such as a sine, for which the sign does not change PI). */
static double decide_polarity(mc__ppg *s, size_t n)
{
    if (s->cfg.polarity != 0)
        return (double)s->cfg.polarity;
    const size_t seg = (size_t)nearbyint(2.0 * s->fs);
    int up = 0, down = 0;
    for (size_t a = 0; a + seg / 2 < n; a += seg) {
        double sk = slope_skewness(s, a, a + seg < n ? a + seg : n);
        up += sk > 0.1;
        down += sk < -0.1;
    }
    if (up >= 3 && 3 * up >= 2 * (up + down))
        s->polarity = 1;
    else if (down >= 3 && 3 * down >= 2 * (up + down))
        s->polarity = -1;
    return (double)s->polarity;
}

/* Prefix sums of the finite values of in[n], and of their count when one is not finite, for
 * centred_mean. @return whether every value is finite (then there are no counts) */
static int prefix_sums(mc__ppg *s, const double *in, size_t n)
{
    double *sum = s->pre_s, *cnt = s->pre_c;
    sum[0] = 0;
    int all = 1;
    for (size_t i = 0; i < n; i++) {
        const int ok = isfinite(in[i]);
        all &= ok;
        sum[i + 1] = sum[i] + (ok ? in[i] : 0.0);
    }
    cnt[0] = 0;
    for (size_t i = 0; i < n && !all; i++)
        cnt[i + 1] = cnt[i] + (double)(isfinite(in[i]) != 0);
    return all;
}

/* The centred moving average of the finite values over [i - h, i + h], clipped to the data
 * (fewer values at the edges; NaN when none), from the prefix sums of n values: two subtractions
 * and a multiplication a sample away from the edges when every value is finite (all), whatever
 * h. */
static void centred_mean(const mc__ppg *s, size_t n, int all, size_t h, float *out)
{
    const double *sum = s->pre_s, *cnt = s->pre_c, inv = 1.0 / (double)(2 * h + 1);
    if (all && n > 2 * h) {
        for (size_t i = h; i + h < n; i++)
            out[i] = (float)((sum[i + h + 1] - sum[i - h]) * inv);
        for (size_t i = 0; i < h; i++)
            out[i] = (float)(sum[i + h + 1] / (double)(i + h + 1));
        for (size_t i = n - h; i < n; i++)
            out[i] = (float)((sum[n] - sum[i - h]) / (double)(n - i + h));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const size_t lo = i > h ? i - h : 0, hi = i + h + 1 < n ? i + h + 1 : n;
        const double c = all ? (double)(hi - lo) : cnt[hi] - cnt[lo];
        out[i] = c > 0 ? (float)((sum[hi] - sum[lo]) / c) : (float)NAN;
    }
}

static int elgendi_above(const mc__ppg *s, size_t i, double offset)
{
    float a = s->fa[i], b = s->fb[i];
    return isfinite(a) && isfinite(b) && (double)a > (double)b + offset;
}

/* Elgendi et al. 2013 (DOMAIN.md 2.3) on the zero-phase band-pass q, normalised to unit RMS:
 * z = max(q, 0)^2; centred moving averages of 111 ms (peaks) and 667 ms (beats), over the
 * samples there are at the region's ends; blocks where MA_peak > MA_beat + 0.02 mean(z) and at
 * least 111 ms long; the block's maximum of q is the peak; peaks closer than min_dist keep the
 * higher. @return the peaks, in s->fpk */
static size_t elgendi(mc__ppg *s, size_t n, size_t min_dist)
{
    const double *q = s->q;
    double ss = 0, zsum = 0;
    size_t k = 0, np = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(q[i])) {
            ss += q[i] * q[i];
            k++;
        }
    if (k == 0 || !(ss > 0))
        return 0;
    const double inv = 1.0 / sqrt(ss / (double)k);
    const size_t h1 = (s->w_peak - 1) / 2, h2 = (s->w_beat - 1) / 2;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(q[i])) {
            double u = q[i] > 0 ? q[i] * inv : 0.0;
            s->zd[i] = u * u;
            zsum += u * u;
        } else {
            s->zd[i] = (double)NAN;
        }
    }
    const int all = prefix_sums(s, s->zd, n);
    centred_mean(s, n, all, h1, s->fa);
    centred_mean(s, n, all, h2, s->fb);
    const double offset = 0.02 * zsum / (double)k;
    for (size_t i = 0; i < n;) {
        if (!elgendi_above(s, i, offset)) {
            i++;
            continue;
        }
        size_t j = i, best = n;
        for (; j < n && elgendi_above(s, j, offset); j++)
            if (isfinite(q[j]) && (best == n || q[j] > q[best]))
                best = j;
        if (j - i >= s->w_peak && best < n) {
            if (np > 0 && best - s->fpk[np - 1] < min_dist) {
                if (q[best] > q[s->fpk[np - 1]])
                    s->fpk[np - 1] = best;
            } else if (np < s->max_beats) {
                s->fpk[np++] = best;
            }
        }
        i = j;
    }
    return np;
}

/* The index of the largest (sign +1) or smallest (-1) of v[j] - slope (j - lo) over [lo, hi],
 * finite values only; hi + 1 when there is none. */
static size_t arg_extremum(const double *v, size_t lo, size_t hi, double slope, double sign)
{
    size_t best = hi + 1;
    double bv = 0;
    for (size_t j = lo; j <= hi; j++) {
        if (!isfinite(v[j]))
            continue;
        double u = sign * (v[j] - slope * (double)(j - lo));
        if (best > hi || u > bv) {
            best = j;
            bv = u;
        }
    }
    return best;
}

/* The least-squares parabola y = A u^2 + B u + C, u = j - c, through y = v[j] - ref -
 * slope (j - c0) for j in [a, b]. @return 0 when a value is not finite or b < a + 2 */
static int quad_fit(const double *v, size_t a, size_t b, size_t c, double ref, double slope,
                    size_t c0, double coef[3])
{
    if (b < a + 2)
        return 0;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, y0 = 0, y1 = 0, y2 = 0;
    for (size_t j = a; j <= b; j++) {
        double u = (double)j - (double)c, u2 = u * u;
        double y = v[j] - ref - slope * ((double)j - (double)c0);
        if (!isfinite(y))
            return 0;
        s0 += 1;
        s1 += u;
        s2 += u2;
        s3 += u2 * u;
        s4 += u2 * u2;
        y0 += y;
        y1 += y * u;
        y2 += y * u2;
    }
    /* The normal equations, by Cramer's rule. */
    double m0 = s2 * s0 - s1 * s1, m1 = s3 * s0 - s1 * s2, m2 = s3 * s1 - s2 * s2;
    double det = s4 * m0 - s3 * m1 + s2 * m2;
    if (!(fabs(det) > 0))
        return 0;
    coef[0] = (y2 * m0 - s3 * (y1 * s0 - s1 * y0) + s2 * (y1 * s1 - s2 * y0)) / det;
    coef[1] = (s4 * (y1 * s0 - s1 * y0) - y2 * m1 + s2 * (s3 * y0 - y1 * s2)) / det;
    coef[2] = (s4 * (s2 * y0 - y1 * s1) - s3 * (s3 * y0 - y1 * s2) + y2 * m2) / det;
    return 1;
}

/* The extremum of v near c, from the least-squares parabola through v[j] - slope (j - c) over
 * j in [c - h, c + h] (clipped to the data range rng[0..1]), re-centred on its vertex up to three
 * times (the centre stays in rng[2..3]). The fit interpolates between samples (a sampled peak is
 * low by up to 0.6 % at 100 Hz and 180 bpm) and averages the noise that the maximum of the raw
 * samples would pick up (2 % of AC at a noise of 1 % of AC and 500 Hz). For a Gaussian peak of
 * width sigma, a half-width h = 0.5 sigma costs 0.07 % (the x^4 term). The slope term removes a
 * local drift before the search (onsets). @return 0 when a sample is not finite or there are fewer
 * than 3; else the vertex t (frames) and the value of v there */
static int fit_extremum(const double *v, const size_t rng[4], size_t c, size_t h, double slope,
                        double sign, double *t_out, double *v_out)
{
    const size_t dlo = rng[0], dhi = rng[1], clo = rng[2], chi = rng[3], c0 = c;
    const double ref = v[c0];
    if (!isfinite(ref))
        return 0;
    for (int it = 0;; it++) {
        size_t a = c >= dlo + h ? c - h : dlo, b = c + h <= dhi ? c + h : dhi;
        double k[3];
        if (!quad_fit(v, a, b, c, ref, slope, c0, k))
            return 0;
        double u = sign * k[0] < 0 ? -k[1] / (2.0 * k[0]) : 0.0;
        double ulo = (double)a - (double)c, uhi = (double)b - (double)c;
        u = u < ulo ? ulo : u > uhi ? uhi : u;
        if (fabs(u) > 0.5 && it < 3) {
            double nc = nearbyint((double)c + u);
            size_t cn = nc < (double)clo ? clo : nc > (double)chi ? chi : (size_t)nc;
            if (cn != c) {
                c = cn;
                continue;
            }
        }
        double t = (double)c + u;
        *t_out = t;
        *v_out = (k[0] * u + k[1]) * u + k[2] + ref + slope * (t - (double)c0);
        return 1;
    }
}

/* The value at t of the parabola fitted to v over [a, b]. */
static double side_value(const double *v, size_t a, size_t b, double t)
{
    size_t c = mc__ppg_round(fmin(fmax(t, (double)a), (double)b));
    double k[3];
    if (!isfinite(v[c]) || !quad_fit(v, a, b, c, v[c], 0.0, c, k))
        return (double)NAN;
    double u = t - (double)c;
    return (k[0] * u + k[1]) * u + k[2] + v[c];
}

/* Onsets (DOMAIN.md 2.3): the minimum of q between consecutive detected peaks (before the first
 * one, within one median interval, and only when that minimum is not at the span's edge), then
 * refined on p within min(150 ms, a quarter interval). A first pass finds the raw minima; the
 * second removes the local drift slope (mean of the chords to the neighbouring onsets) before
 * searching again, because a drift moves the minimum of p off the true foot and lowers AC (by 13 %
 * for DOMAIN.md 1.8 test 2 without it). @return the onsets; *h = the fit half-width */
static size_t find_onsets(mc__ppg *s, size_t n, size_t npk, size_t *h)
{
    if (npk < 2)
        return 0;
    for (size_t i = 1; i < npk; i++)
        s->sortd[i - 1] = (double)(s->fpk[i] - s->fpk[i - 1]);
    const double ibi = mc__ppg_percentile(s->sortd, npk - 1, 50.0);
    const double tol_d = fmin(0.15 * s->fs, 0.25 * ibi);
    const size_t tol = tol_d < 2 ? 2 : (size_t)tol_d;
    *h = 0.06 * ibi < 2.5 ? 2 : mc__ppg_round(0.06 * ibi);
    size_t no = 0;
    /* One foot before each peak (peaks in the extension past the span's end included), kept
     * when it lies in the data with room for its fit. */
    for (size_t i = 0; i < npk; i++) {
        size_t hi = s->fpk[i] > 0 ? s->fpk[i] - 1 : 0, lo = 0;
        if (i > 0)
            lo = s->fpk[i - 1] + 1;
        else if ((double)s->fpk[0] > ibi)
            lo = s->fpk[0] - (size_t)ibi;
        if (hi < lo + 2 || no == s->max_beats)
            continue;
        size_t o = arg_extremum(s->q, lo, hi, 0.0, -1.0);
        if (o > hi || (i == 0 && o == lo) || o + *h + 2 >= n)
            continue;
        hi = hi < n - 1 ? hi : n - 1;
        s->on_lo[no] = o > lo + tol ? o - tol : lo;
        s->on_hi[no] = o + tol < hi ? o + tol : hi;
        no++;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < no; k++) { /* drift slopes from the first pass, in pk_t */
            double sl = 0;
            int m = 0;
            for (size_t j = k > 0 ? k - 1 : 0; pass == 1 && j <= k && j + 1 < no; j++) {
                double dt = s->on_t[j + 1] - s->on_t[j];
                double c = (s->on_v[j + 1] - s->on_v[j]) / dt;
                if (isfinite(c) && dt < 2.0 * ibi) {
                    sl += c;
                    m++;
                }
            }
            s->pk_t[k] = m > 0 ? sl / m : 0.0;
        }
        for (size_t k = 0; k < no; k++) {
            size_t lo = s->on_lo[k], hi = s->on_hi[k];
            size_t rng[4] = {lo > *h ? lo - *h : 0, hi + *h < n ? hi + *h : n - 1, lo, hi};
            size_t c = arg_extremum(s->p, lo, hi, s->pk_t[k], -1.0);
            s->on_t[k] = s->on_v[k] = (double)NAN;
            if (c <= hi)
                (void)fit_extremum(s->p, rng, c, *h, s->pk_t[k], -1.0, &s->on_t[k], &s->on_v[k]);
        }
    }
    return no;
}

/* Foot times from the peaks: t_on = t_pk - the median rise time, and the foot value p(t_on)
 * from a parabola fitted over 1.5 times the peak's half-width (about +-9 % of a beat). The
 * minimum of a flat trough is poorly placed (by noise, and a step at the foot, as the simulator's
 * exact per-beat amplitudes make, pulls a vertex towards its lower side), while the systolic peak
 * is sharp and the rise time nearly constant from beat to beat. The fit is wider than the peak's
 * (less noise) but not much: a foot can be a corner where the upstroke starts, which a wide
 * parabola rounds off (a sharp 3-harmonic trough: 0.6 % of AC at +-9 %, 1.3 % at +-12 %). A foot
 * moves only within its search range; the last one (no peak after it) keeps its time. */
static void feet_from_peaks(mc__ppg *s, size_t n, size_t no, size_t h)
{
    size_t m = 0;
    for (size_t k = 0; k + 1 < no; k++)
        if (!(s->flag[k] & MC__BEAT_NONFINITE))
            s->sortd[m++] = s->pk_t[k] - s->on_t[k];
    const double rise = mc__ppg_percentile(s->sortd, m, 50.0);
    for (size_t k = 0; k < no && m >= 3; k++) {
        double t = k + 1 < no ? s->pk_t[k] - rise : s->on_t[k];
        if (k + 1 < no && ((s->flag[k] & MC__BEAT_NONFINITE) || t < (double)s->on_lo[k] ||
                           t > (double)s->on_hi[k]))
            t = s->on_t[k];
        if (!isfinite(t))
            continue;
        const size_t hf = h + h / 2;
        size_t c = mc__ppg_round(t), a = c > hf ? c - hf : 0;
        size_t b = c + hf < n ? c + hf : n - 1;
        double v = side_value(s->p, a, b, t);
        if (isfinite(v)) {
            s->on_t[k] = t;
            s->on_v[k] = v;
        }
    }
}

/* The interpolating polynomial through m <= 4 nodes in Newton form: divided differences once per
 * beat, then 3 multiplications and 6 additions per sample, no division and no branch (the unused
 * coefficients are 0). */
typedef struct lagrange_poly {
    double tn[4], c[4];
} lagrange_poly;

static void lagrange_prepare(lagrange_poly *L, const double *tn, const double *vn, int m)
{
    double dd[4] = {0, 0, 0, 0};
    for (int a = 0; a < 4; a++) {
        L->tn[a] = a < m ? tn[a] : tn[m - 1];
        dd[a] = a < m ? vn[a] : 0;
    }
    for (int k = 1; k < m; k++)
        for (int a = m - 1; a >= k; a--)
            dd[a] = (dd[a] - dd[a - 1]) / (tn[a] - tn[a - k]);
    for (int a = 0; a < 4; a++)
        L->c[a] = a < m ? dd[a] : 0;
}

static double lagrange_eval(const lagrange_poly *L, double t)
{
    return L->c[0] +
           (t - L->tn[0]) * (L->c[1] + (t - L->tn[1]) * (L->c[2] + (t - L->tn[2]) * L->c[3]));
}

/* A neighbouring onset joins the baseline when it is finite and its beat is 0.5-2 times as long. */
static int neighbour_ok(const mc__ppg *s, size_t j, double gap, double len)
{
    return isfinite(s->on_t[j]) && isfinite(s->on_v[j]) && gap > 0.5 * len && gap < 2.0 * len;
}

/* One measurement of a beat. */
typedef struct beat_meas {
    double pk, ac, dc; /* peak time (frames), AC, DC (stream units); NaN when not measured */
    unsigned flag;     /* MC__BEAT_NONFINITE, CLIPPED, DURATION (ibi range), SMALL */
} beat_meas;

/* Beat k lies between onsets k and k + 1 (DOMAIN.md 1.2). The baseline passes through the onsets
 * (cubic with one more onset on each side, see dsp/ppg.h; allow: bit 0 lets the left one in,
 * bit 1 the right one); dd = p - baseline over the beat; AC is the fitted maximum of dd, DC the
 * mean raw intensity over the beat. */
static beat_meas measure_one(mc__ppg *s, size_t no, size_t k, size_t h, double sigma,
                             unsigned allow)
{
    beat_meas r = {(double)NAN, (double)NAN, (double)NAN, 0};
    double t0 = s->on_t[k], t1 = s->on_t[k + 1], v0 = s->on_v[k], v1 = s->on_v[k + 1];
    if (!isfinite(t0) || !isfinite(t1) || !isfinite(v0) || !isfinite(v1) || !(t1 - t0 > 2.0)) {
        r.flag = MC__BEAT_NONFINITE;
        return r;
    }
    double tn[4], vn[4];
    int m = 0;
    const int cubic = s->cfg.cubic_baseline;
    if (cubic && (allow & 1) && k > 0 && neighbour_ok(s, k - 1, t0 - s->on_t[k - 1], t1 - t0)) {
        tn[m] = s->on_t[k - 1];
        vn[m++] = s->on_v[k - 1] - v0;
    }
    tn[m] = t0;
    vn[m++] = 0.0;
    tn[m] = t1;
    vn[m++] = v1 - v0;
    if (cubic && (allow & 2) && k + 2 < no &&
        neighbour_ok(s, k + 2, s->on_t[k + 2] - t1, t1 - t0)) {
        tn[m] = s->on_t[k + 2];
        vn[m++] = s->on_v[k + 2] - v0;
    }
    const size_t i0 = mc__ppg_round(t0), i1 = mc__ppg_round(t1);
    lagrange_poly L;
    lagrange_prepare(&L, tn, vn, m);
    double sx = 0;
    int bad = 0, clipped = 0;
    for (size_t j = i0; j < i1; j++) {
        bad |= !isfinite(s->rx[j]);
        clipped |= s->rclip[j];
        s->dd[j] = s->p[j] - v0 - lagrange_eval(&L, (double)j);
        sx += s->rx[j];
    }
    bad |= !isfinite(s->rx[i1]);
    clipped |= s->rclip[i1];
    r.flag = (bad ? MC__BEAT_NONFINITE : 0u) | (clipped ? MC__BEAT_CLIPPED : 0u);
    if (bad)
        return r;
    const size_t rng[4] = {i0, i1 - 1, i0 + 1, i1 - 1};
    size_t c = arg_extremum(s->dd, i0 + 1, i1 - 1, 0.0, 1.0);
    r.dc = sx / (double)(i1 - i0);
    if (c >= i1 || !fit_extremum(s->dd, rng, c, h, 0.0, 1.0, &r.pk, &r.ac) || !(r.dc > 0) ||
        !isfinite(r.ac)) {
        r.flag = MC__BEAT_NONFINITE;
        r.pk = r.ac = (double)NAN;
        return r;
    }
    double dur = (t1 - t0) / s->fs;
    if (!(dur > s->cfg.ibi_min_s && dur < s->cfg.ibi_max_s))
        r.flag |= MC__BEAT_DURATION;
    if (!(r.ac > 0) || (isfinite(sigma) && !(r.ac > 4.0 * sigma)))
        r.flag |= MC__BEAT_SMALL;
    return r;
}

/* The first measurement of every beat of the region, with every neighbouring foot; dd holds
 * p - baseline over the beats and NaN elsewhere. */
static void measure_beats(mc__ppg *s, size_t n, size_t no, size_t h, double sigma)
{
    for (size_t i = 0; i < n; i++)
        s->dd[i] = (double)NAN;
    for (size_t k = 0; k + 1 < no; k++) {
        beat_meas r = measure_one(s, no, k, h, sigma, 3);
        s->pk_t[k] = r.pk;
        s->ac[k] = r.ac;
        s->dc[k] = r.dc;
        s->flag[k] = r.flag;
    }
}

/* The median rise time of the beats as a fraction of their duration, NaN without 3 beats. */
static double rise_fraction(mc__ppg *s, size_t no)
{
    size_t m = 0;
    for (size_t k = 0; k + 1 < no; k++)
        if (!(s->flag[k] & MC__BEAT_NONFINITE))
            s->sortd[m++] = (s->pk_t[k] - s->on_t[k]) / (s->on_t[k + 1] - s->on_t[k]);
    return m >= 3 ? mc__ppg_percentile(s->sortd, m, 50.0) : (double)NAN;
}

/* Polarity-corrected p and q, detection, feet and a first measurement. @return the feet */
static size_t detect(mc__ppg *s, size_t n, size_t pad, double period, double sign, double *sigma,
                     size_t *h)
{
    for (size_t i = 0; i < n + pad; i++) {
        if (i < n)
            s->p[i] = sign * s->rx[i];
        s->q[i] = sign * s->ext[pad + n - 1 - i]; /* the zero-phase band-pass, unsigned */
    }
    *sigma = s->sigma;
    size_t npk = elgendi(s, n + pad, s->min_dist);
    /* The harmonic trap in the time domain (DOMAIN.md 2.2): a pulse whose second harmonic is
     * strong has two humps per beat, and peaks come at half the spectral period (the spectrum
     * has already been halved). Then the peaks are found again at least 0.6 periods apart. */
    if (npk >= 3 && isfinite(period)) {
        for (size_t i = 1; i < npk; i++)
            s->sortd[i - 1] = (double)(s->fpk[i] - s->fpk[i - 1]);
        double r = mc__ppg_percentile(s->sortd, npk - 1, 50.0) / period;
        if (r > 0.4 && r < 0.6)
            npk = elgendi(s, n + pad, mc__ppg_round(0.6 * period));
    }
    size_t no = find_onsets(s, n, npk, h);
    if (no >= 2)
        measure_beats(s, n, no, *h, *sigma);
    return no;
}

/* Zero-phase band-pass, polarity, detection and the first measurement of the beats of the
 * region [0, n) of rx, ry (DOMAIN.md 1.7, 2.3). @return the onsets; *sigma the noise, *h the fit
 * half-width */
static size_t analyse_region(mc__ppg *s, size_t n, double period, double *sigma, size_t *h)
{
    const size_t pad = zero_phase(s, n, period);
    double sign = decide_polarity(s, n);
    size_t no = detect(s, n, pad, period, sign, sigma, h);
    /* The check of DOMAIN.md 1.7 on the beats themselves: with the wrong sign the "feet" are the
     * systolic peaks and the rise takes most of the beat. Then the other sign is tried, and kept
     * when its beats rise faster. */
    double rf = no >= 2 ? rise_fraction(s, no) : (double)NAN;
    if (s->cfg.polarity == 0 && isfinite(rf) && rf > 0.55) {
        size_t h2 = 1, no2 = detect(s, n, pad, period, -sign, sigma, &h2);
        double rf2 = no2 >= 2 ? rise_fraction(s, no2) : (double)NAN;
        if (isfinite(rf2) && rf2 < rf) {
            s->polarity = (int)-sign;
            no = no2;
            *h = h2;
        } else {
            no = detect(s, n, pad, period, sign, sigma, h);
        }
    }
    if (no < 2)
        return no;
    feet_from_peaks(s, n, no, *h);
    measure_beats(s, n, no, *h, *sigma);
    return no;
}

/* The template compares beats after a centred moving average of about fs / (2 f_hi) samples,
 * so that broadband noise the band-pass would remove does not pass for a change of shape: dd
 * smoothed into zf (NaN where dd is, outside the beats), then each beat's segment of 2 seg_half
 * + 1 frames centred on its peak copied to seg. */
static void smooth_dd(mc__ppg *s, size_t n)
{
    centred_mean(s, n, prefix_sums(s, s->dd, n), (s->w_tpl - 1) / 2, s->zf);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(s->dd[i]))
            s->zf[i] = (float)NAN;
}

static void copy_segment(const mc__ppg *s, size_t n, double pk, float *seg)
{
    const int64_t c = (int64_t)mc__ppg_round(pk), h = (int64_t)s->seg_half; /* pk >= 0 */
    for (int64_t r = -h; r <= h; r++)
        seg[r + h] = c + r >= 0 && c + r < (int64_t)n ? s->zf[c + r] : (float)NAN;
}

/* The record of region beat k (region frame 0 is stream frame at), with its final measurements
 * (dd is rewritten: segments first). */
static void make_record(mc__ppg *s, size_t n, size_t k, int final, double at, double lift,
                        mc__ppg_beat *b, float *seg)
{
    b->t0 = s->on_t[k] + at;
    b->t1 = s->on_t[k + 1] + at;
    b->start = (isfinite(s->on_t[k]) ? s->on_t[k] : (double)s->on_lo[k]) + at;
    b->pk = s->pk_t[k] + at;
    b->ac = s->ac[k];
    b->dc_raw = s->dc[k] - lift;
    b->flag = s->flag[k];
    b->seg = NULL;
    if (isfinite(s->pk_t[k])) {
        copy_segment(s, n, s->pk_t[k], seg);
        b->seg = seg;
    }
    b->reg_k = k;
    b->pending = 0;
    for (unsigned v = 0; v < 4; v++) {
        b->vpk[v] = b->pk;
        b->vac[v] = b->ac;
        b->vflag[v] = b->flag;
    }
    /* A rejected beat keeps its first measurement; a new beat that is not final yet is measured
     * again at the next hop: only the measurements the judgement asks for are made. */
    if (b->flag != 0)
        return;
    b->pending = !final;
    for (unsigned v = 0; v < 3 && final; v++)
        mc__ppg_measure_pending(s, b, v);
}

void mc__ppg_measure_pending(mc__ppg *s, mc__ppg_beat *b, unsigned v)
{
    beat_meas r = measure_one(s, s->reg_no, b->reg_k, s->reg_h, s->sigma, v);
    b->vpk[v] = r.pk + s->reg_at;
    b->vac[v] = r.ac;
    b->vflag[v] = r.flag;
}

static void cache_clear(mc__ppg *s)
{
    s->cache_head = 0;
    s->n_cache = 0;
}

static mc__ppg_beat *cache_at(mc__ppg *s, size_t i)
{
    size_t j = s->cache_head + i;
    return &s->cache[j >= s->max_beats ? j - s->max_beats : j];
}

/* Appends a final beat, its segment copied into the cache's own slot; the oldest goes when the
 * cache is full. */
static void cache_push(mc__ppg *s, const mc__ppg_beat *b)
{
    if (s->n_cache == s->max_beats) {
        s->cache_head = s->cache_head + 1 == s->max_beats ? 0 : s->cache_head + 1;
        s->n_cache--;
    }
    size_t j = s->cache_head + s->n_cache;
    j = j >= s->max_beats ? j - s->max_beats : j;
    s->cache[j] = *b;
    if (b->seg) {
        s->cache[j].seg = s->cache_seg + j * s->seg_len;
        memcpy(s->cache[j].seg, b->seg, s->seg_len * sizeof *b->seg);
    }
    s->n_cache++;
}

void mc__ppg_beats_analyse(mc__ppg *s, size_t n, size_t w0, double period, double lift,
                           mc__ppg_beats *out)
{
    *out = (mc__ppg_beats){(double)NAN,
                           (double)NAN,
                           (double)NAN,
                           (double)NAN,
                           MC_FS_NO_SIGNAL,
                           MC_FS_NO_SIGNAL,
                           0,
                           0,
                           0};
    const double base = (double)(s->n_frames - (int64_t)n); /* stream index of span frame 0 */
    while (s->n_cache > 0 && !(cache_at(s, 0)->start >= base)) {
        s->cache_head = s->cache_head + 1 == s->max_beats ? 0 : s->cache_head + 1;
        s->n_cache--;
    }
    /* The region: from a little more than a beat before the end of the last final beat (the
     * detection of its end foot needs the peak before it), at least 3 s; the whole span when
     * nothing is cached. */
    double t_f = (double)NAN, tol = 0;
    size_t r0 = 0;
    if (s->n_cache > 0) {
        const mc__ppg_beat *last = cache_at(s, s->n_cache - 1);
        double ibi = last->t1 - last->t0; /* 1 s when the beat has no start (a gap before it) */
        ibi = isfinite(ibi) && ibi > 0 ? ibi : s->fs;
        t_f = last->t1;
        tol = 0.3 * ibi;
        double a = t_f - base - 1.2 * ibi - 0.2 * s->fs, min_len = 2.5 * s->fs;
        a = fmin(a, (double)n - min_len);
        r0 = a > 0 ? (size_t)a : 0;
    }
    double sigma = (double)NAN;
    size_t h = 1, no = 0;
    for (;;) {
        s->rx = s->x + r0;
        s->ry = s->y + r0;
        s->rclip = s->clip + r0;
        no = analyse_region(s, n - r0, period, &sigma, &h);
        if (s->polarity == s->cache_sign)
            break;
        /* A new polarity: the cached beats were measured upside down. */
        cache_clear(s);
        s->cache_sign = s->polarity;
        t_f = (double)NAN;
        if (r0 == 0)
            break;
        r0 = 0;
    }
    const size_t nr = n - r0;
    const double at = base + (double)r0;
    s->reg_no = no;
    s->reg_h = h;
    s->reg_at = at;
    s->n_prov = 0;
    if (no >= 2) {
        smooth_dd(s, nr);
        int final = 1;
        for (size_t k = 0; k + 1 < no; k++) {
            double start = (isfinite(s->on_t[k]) ? s->on_t[k] : (double)s->on_lo[k]) + at;
            if (isfinite(t_f) && !(start >= t_f - tol))
                continue; /* a cached beat, found again */
            /* Final when its end is freeze_lag before the region's end, and the foot after it
             * has been found (the cubic baseline's) or the end is twice as old. */
            double end = s->on_t[k + 1];
            final = final && isfinite(end) && end + (double)s->freeze_lag <= (double)nr &&
                    (k + 2 < no || end + 2.0 * (double)s->freeze_lag <= (double)nr);
            mc__ppg_beat b;
            float *seg = s->prov_seg + s->n_prov * s->seg_len;
            make_record(s, nr, k, final, at, lift, &b, seg);
            if (final)
                cache_push(s, &b);
            else if (s->n_prov < s->max_beats)
                s->prov[s->n_prov++] = b;
        }
    }
    size_t nu = 0;
    for (size_t i = 0; i < s->n_cache; i++)
        s->uni[nu++] = *cache_at(s, i);
    for (size_t i = 0; i < s->n_prov && nu < s->max_beats; i++)
        s->uni[nu++] = s->prov[i];
    mc__ppg_judge(s, nu, base, n, w0, lift, sigma, out);
}
