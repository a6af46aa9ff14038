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
    const size_t per =
        isfinite(period) && period >= 2.0 && period < (double)n ? (size_t)nearbyint(period) : 0;
    const double *y = s->y;
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

/* Noise of p within the pass band: the second difference of white noise has variance 6 sigma^2,
 * and its median absolute value (/ 0.6745) ignores the pulse's own curvature at the peaks; the
 * band 0..f_hi holds 2 f_hi / fs of white noise's power. This is the noise the band-limited pulse
 * competes with, the same at any sample rate (a per-sample noise would make the AC rule stricter
 * at higher rates). */
static double noise_sigma(mc__ppg *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        double d2 = s->p[i + 1] - 2.0 * s->p[i] + s->p[i - 1];
        if (isfinite(d2))
            s->fa[k++] = (float)fabs(d2);
    }
    double in_band = sqrt(fmin(1.0, 2.0 * s->cfg.f_hi_hz / s->fs));
    return k > 0 ? in_band * mc_median(s->fa, k, s->fb) / (0.6745 * sqrt(6.0)) : (double)NAN;
}

static int elgendi_above(const mc__ppg *s, size_t i, size_t h1, size_t h2, double offset)
{
    float a = s->fa[i + h1], b = s->fb[i + h2];
    return isfinite(a) && isfinite(b) && (double)a > (double)b + offset;
}

/* Elgendi et al. 2013 (DOMAIN.md 2.3) on the zero-phase band-pass q, normalised to unit RMS:
 * z = max(q, 0)^2; centred moving averages of 111 ms (peaks) and 667 ms (beats), the centred
 * output read W/2 samples late from the causal mc_movavg, with NaN fed past the end so that the
 * last averages are over the samples there are; blocks where MA_peak > MA_beat + 0.02 mean(z)
 * and at least 111 ms long; the block's maximum of q is the peak; peaks closer than min_dist
 * keep the higher. @return the peaks, in s->fpk */
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
    for (size_t i = 0; i < n + h2; i++) {
        if (i < n && isfinite(q[i])) {
            double u = q[i] > 0 ? q[i] * inv : 0.0;
            s->zf[i] = (float)(u * u);
            zsum += u * u;
        } else {
            s->zf[i] = (float)NAN;
        }
    }
    mc_movavg_reset(s->ma_peak);
    mc_movavg_process(s->ma_peak, s->zf, s->fa, n + h1);
    mc_movavg_reset(s->ma_beat);
    mc_movavg_process(s->ma_beat, s->zf, s->fb, n + h2);
    const double offset = 0.02 * zsum / (double)k;
    for (size_t i = 0; i < n;) {
        if (!elgendi_above(s, i, h1, h2, offset)) {
            i++;
            continue;
        }
        size_t j = i, best = n;
        for (; j < n && elgendi_above(s, j, h1, h2, offset); j++)
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
    size_t c = (size_t)nearbyint(fmin(fmax(t, (double)a), (double)b));
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
    *h = 0.06 * ibi < 2.5 ? 2 : (size_t)nearbyint(0.06 * ibi);
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
        size_t c = (size_t)nearbyint(t), a = c > hf ? c - hf : 0;
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

/* Beat k lies between onsets k and k + 1 (DOMAIN.md 1.2). The baseline passes through the onsets
 * (cubic with one more onset on each side, see dsp/ppg.h); dd = p - baseline; AC is the fitted
 * maximum of dd, DC the mean raw intensity over the beat. */
static void measure_beats(mc__ppg *s, size_t n, size_t no, size_t h, double sigma, int final)
{
    for (size_t i = 0; i < n && !final; i++)
        s->dd[i] = (double)NAN;
    for (size_t k = 0; k + 1 < no; k++) {
        double t0 = s->on_t[k], t1 = s->on_t[k + 1], v0 = s->on_v[k], v1 = s->on_v[k + 1];
        if (final && s->flag[k] != 0)
            continue;
        s->pk_t[k] = s->ac[k] = s->dc[k] = s->pi[k] = (double)NAN;
        if (!final)
            s->corr[k] = (double)NAN;
        s->flag[k] = 0;
        if (!isfinite(t0) || !isfinite(t1) || !isfinite(v0) || !isfinite(v1) || !(t1 - t0 > 2.0)) {
            s->flag[k] = MC__BEAT_NONFINITE;
            continue;
        }
        double tn[4], vn[4];
        int m = 0;
        /* The final pass takes a neighbouring foot only from an accepted neighbouring beat: a
         * foot inside an artefact would bend the baseline of the clean beat next to it. */
        const int cubic = s->cfg.cubic_baseline;
        if (cubic && k > 0 && (!final || s->flag[k - 1] == 0) &&
            neighbour_ok(s, k - 1, t0 - s->on_t[k - 1], t1 - t0)) {
            tn[m] = s->on_t[k - 1];
            vn[m++] = s->on_v[k - 1] - v0;
        }
        tn[m] = t0;
        vn[m++] = 0.0;
        tn[m] = t1;
        vn[m++] = v1 - v0;
        if (cubic && k + 2 < no && (!final || s->flag[k + 1] == 0) &&
            neighbour_ok(s, k + 2, s->on_t[k + 2] - t1, t1 - t0)) {
            tn[m] = s->on_t[k + 2];
            vn[m++] = s->on_v[k + 2] - v0;
        }
        const size_t i0 = (size_t)nearbyint(t0), i1 = (size_t)nearbyint(t1);
        lagrange_poly L;
        lagrange_prepare(&L, tn, vn, m);
        double sx = 0;
        for (size_t j = i0; j <= i1; j++) {
            if (!isfinite(s->x[j]))
                s->flag[k] |= MC__BEAT_NONFINITE;
            if (s->clip[j])
                s->flag[k] |= MC__BEAT_CLIPPED;
            if (j < i1) {
                s->dd[j] = s->p[j] - v0 - lagrange_eval(&L, (double)j);
                sx += s->x[j];
            }
        }
        if (s->flag[k] & MC__BEAT_NONFINITE)
            continue;
        const size_t rng[4] = {i0, i1 - 1, i0 + 1, i1 - 1};
        size_t c = arg_extremum(s->dd, i0 + 1, i1 - 1, 0.0, 1.0);
        s->dc[k] = sx / (double)(i1 - i0);
        if (c >= i1 || !fit_extremum(s->dd, rng, c, h, 0.0, 1.0, &s->pk_t[k], &s->ac[k]) ||
            !(s->dc[k] > 0) || !isfinite(s->ac[k])) {
            s->flag[k] = MC__BEAT_NONFINITE;
            continue;
        }
        s->pi[k] = 100.0 * s->ac[k] / s->dc[k];
        double dur = (t1 - t0) / s->fs;
        if (!(dur > s->cfg.ibi_min_s && dur < s->cfg.ibi_max_s))
            s->flag[k] |= MC__BEAT_DURATION;
        if (!(s->ac[k] > 0) || (isfinite(sigma) && !(s->ac[k] > 4.0 * sigma)))
            s->flag[k] |= MC__BEAT_SMALL;
    }
}

/* Orphanidou et al. 2015 (DOMAIN.md 2.4) on dd (smoothed in place; the final measurement
 * rewrites it): each beat is the median-duration segment centred on its peak, standardised; the
 * template is their sample-wise median (a large artefact cannot drag it as it drags a mean); each
 * beat's Pearson correlation with it must reach sqi_threshold. Beats more than 1.6 times the median
 * duration (a missed beat inside) are rejected here too. */
static void template_match(mc__ppg *s, size_t n, size_t nb)
{
    /* The beats are compared after a centred moving average of about fs / (2 f_hi) samples, so
     * that broadband noise the band-pass would remove does not pass for a change of shape. */
    const size_t hs = (s->w_tpl - 1) / 2;
    for (size_t i = 0; i < n + hs; i++)
        s->zf[i] = i < n ? (float)s->dd[i] : (float)NAN;
    mc_movavg_reset(s->ma_tpl);
    mc_movavg_process(s->ma_tpl, s->zf, s->zf, n + hs);
    for (size_t i = 0; i < n; i++) /* centred, and NaN where dd is (outside the beats) */
        s->dd[i] = isfinite(s->dd[i]) ? (double)s->zf[i + hs] : (double)NAN;
    size_t k2 = 0, nt = 0;
    for (size_t k = 0; k < nb; k++)
        if (!(s->flag[k] & MC__BEAT_NONFINITE))
            s->sortd[k2++] = s->on_t[k + 1] - s->on_t[k];
    double med = mc__ppg_percentile(s->sortd, k2, 50.0);
    size_t len = k2 < 3 ? 0 : med > (double)s->tpl_max ? s->tpl_max : (size_t)nearbyint(med);
    const int64_t half = (int64_t)(len / 2);
    for (size_t k = 0; k < nb; k++) {
        s->bmean[k] = (double)NAN;
        if ((s->flag[k] & MC__BEAT_NONFINITE) || len < 8)
            continue;
        if (s->on_t[k + 1] - s->on_t[k] > 1.6 * med)
            s->flag[k] |= MC__BEAT_DURATION;
        int64_t st = (int64_t)nearbyint(s->pk_t[k]) - half;
        double sum = 0, sq = 0;
        size_t cnt = 0;
        for (size_t r = 0; r < len; r++) {
            int64_t j = st + (int64_t)r;
            if (j >= 0 && j < (int64_t)n && isfinite(s->dd[j])) {
                sum += s->dd[j];
                cnt++;
            }
        }
        if (4 * cnt < 3 * len)
            continue;
        double mean = sum / (double)cnt;
        for (size_t r = 0; r < len; r++) {
            int64_t j = st + (int64_t)r;
            if (j >= 0 && j < (int64_t)n && isfinite(s->dd[j]))
                sq += (s->dd[j] - mean) * (s->dd[j] - mean);
        }
        if (!(sq > 0))
            continue;
        s->bmean[k] = mean;
        s->bsd[k] = sqrt(sq / (double)cnt);
        nt++;
    }
    for (size_t r = 0; r < len && nt >= 3; r++) {
        size_t c = 0;
        for (size_t k = 0; k < nb; k++) {
            if (!isfinite(s->bmean[k]))
                continue;
            int64_t j = (int64_t)nearbyint(s->pk_t[k]) - half + (int64_t)r;
            if (j >= 0 && j < (int64_t)n && isfinite(s->dd[j]))
                s->fa[c++] = (float)((s->dd[j] - s->bmean[k]) / s->bsd[k]);
        }
        s->tpl[r] = c >= 3 ? (float)mc_median(s->fa, c, s->fb) : (float)NAN;
    }
    for (size_t k = 0; k < nb; k++) {
        if (nt < 3 || !isfinite(s->bmean[k])) {
            s->flag[k] |= MC__BEAT_TEMPLATE;
            continue;
        }
        int64_t st = (int64_t)nearbyint(s->pk_t[k]) - half;
        double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
        size_t cnt = 0;
        for (size_t r = 0; r < len; r++) {
            int64_t j = st + (int64_t)r;
            if (j < 0 || j >= (int64_t)n || !isfinite(s->dd[j]) || !isfinite(s->tpl[r]))
                continue;
            double a = s->dd[j] - s->bmean[k], b = (double)s->tpl[r];
            sa += a;
            sb += b;
            saa += a * a;
            sbb += b * b;
            sab += a * b;
            cnt++;
        }
        if (cnt > 1 && 4 * cnt >= 3 * len) {
            double cn = (double)cnt, va = saa - sa * sa / cn, vb = sbb - sb * sb / cn;
            if (va > 0 && vb > 0)
                s->corr[k] = (sab - sa * sb / cn) / sqrt(va * vb);
        }
        /* isgreaterequal: a quiet comparison, as corr may be NaN. */
        if (!isgreaterequal(s->corr[k], s->cfg.sqi_threshold))
            s->flag[k] |= MC__BEAT_TEMPLATE;
    }
}

/* Amplitude consistency: a beat whose PI is more than pi_outlier_ratio times above or below the
 * median of the span's otherwise accepted beats is an artefact. Smooth motion at cardiac
 * frequencies looks like a pulse once standardised (the template passes it) but never has the
 * pulse's amplitude; anchoring on the span (pvi_window_s) keeps a window that motion fills from
 * voting for itself. */
static void reject_outliers(mc__ppg *s, size_t nb)
{
    size_t m = 0;
    for (size_t k = 0; k < nb; k++)
        if (s->flag[k] == 0)
            s->sortd[m++] = s->pi[k];
    double med = mc__ppg_percentile(s->sortd, m, 50.0), r = s->cfg.pi_outlier_ratio;
    for (size_t k = 0; k < nb && m > 0; k++)
        if (s->flag[k] == 0 && (s->pi[k] > r * med || s->pi[k] * r < med))
            s->flag[k] |= MC__BEAT_OUTLIER;
}

/* Whether beat k was rejected as an artefact (not for missing or clipped samples). */
static int is_artefact(const mc__ppg *s, size_t k)
{
    const unsigned artefact = MC__BEAT_TEMPLATE | MC__BEAT_OUTLIER | MC__BEAT_DURATION;
    return (s->flag[k] & artefact) && !(s->flag[k] & (MC__BEAT_NONFINITE | MC__BEAT_CLIPPED));
}

/* A beat next to one rejected as an artefact is rejected too: motion fades in and out, and the
 * beats at its edges are distorted without failing the template. */
static void reject_neighbours(mc__ppg *s, size_t nb)
{
    for (size_t k = 0; k < nb; k++) {
        int left = k > 0 && is_artefact(s, k - 1), right = k + 1 < nb && is_artefact(s, k + 1);
        if (s->flag[k] == 0 && (left || right))
            s->flag[k] = MC__BEAT_NEIGHBOUR;
    }
}

/* Whether beat k starts at or after frame w0 (its foot, or where the foot was searched). */
static int starts_after(const mc__ppg *s, size_t k, size_t w0)
{
    return isfinite(s->on_t[k]) ? s->on_t[k] >= (double)w0 : s->on_lo[k] >= w0;
}

/* The status of the beats that start at or after `from` (DOMAIN.md 1.7): OK when at least
 * min_beats are accepted and no more than max_rejected of them are rejected; else named after
 * what rejected at least half of them: NaN samples (NO_SIGNAL), clipping (CLIPPED), an AC within
 * 4 x the noise or a median AC within 10 x (LOW_PERF), or else artefacts (MOTION). No beat at all
 * is NO_SIGNAL. */

static uint8_t beats_status(mc__ppg *s, size_t nb, size_t from, size_t min_beats,
                            double max_rejected, double sigma, size_t *n_det, size_t *n_acc)
{
    size_t det = 0, acc = 0, nonfinite = 0, clipped = 0, small = 0, m = 0;
    for (size_t k = 0; k < nb; k++) {
        if (!starts_after(s, k, from))
            continue;
        unsigned f = s->flag[k];
        if (!(f & MC__BEAT_NONFINITE))
            s->sortd[m++] = s->ac[k];
        det++;
        acc += f == 0;
        nonfinite += (f & MC__BEAT_NONFINITE) != 0;
        clipped += (f & (MC__BEAT_NONFINITE | MC__BEAT_CLIPPED)) == MC__BEAT_CLIPPED;
        small += (f & (MC__BEAT_NONFINITE | MC__BEAT_CLIPPED | MC__BEAT_SMALL)) == MC__BEAT_SMALL;
    }
    *n_det = det;
    *n_acc = acc;
    size_t rej = det - acc;
    if (det == 0)
        return MC_FS_NO_SIGNAL;
    if (acc >= min_beats && (double)rej <= max_rejected * (double)det)
        return MC_FS_OK;
    if (rej == 0 || 2 * nonfinite >= rej)
        return MC_FS_NO_SIGNAL;
    if (2 * clipped >= rej)
        return MC_FS_CLIPPED;
    /* Beats that fail the template in a window whose pulse is under 10 times the noise failed
     * for the noise, not for motion. */
    double ac = mc__ppg_percentile(s->sortd, m, 50.0);
    int noisy = m > 0 && isfinite(sigma) && !(ac > 10.0 * sigma);
    return 2 * small >= rej || noisy ? MC_FS_LOW_PERF : MC_FS_MOTION;
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
            s->p[i] = sign * s->x[i];
        s->q[i] = sign * s->ext[pad + n - 1 - i]; /* the zero-phase band-pass, unsigned */
    }
    *sigma = noise_sigma(s, n);
    size_t npk = elgendi(s, n + pad, s->min_dist);
    /* The harmonic trap in the time domain (DOMAIN.md 2.2): a pulse whose second harmonic is
     * strong has two humps per beat, and peaks come at half the spectral period (the spectrum
     * has already been halved). Then the peaks are found again at least 0.6 periods apart. */
    if (npk >= 3 && isfinite(period)) {
        for (size_t i = 1; i < npk; i++)
            s->sortd[i - 1] = (double)(s->fpk[i] - s->fpk[i - 1]);
        double r = mc__ppg_percentile(s->sortd, npk - 1, 50.0) / period;
        if (r > 0.4 && r < 0.6)
            npk = elgendi(s, n + pad, (size_t)nearbyint(0.6 * period));
    }
    size_t no = find_onsets(s, n, npk, h);
    if (no >= 2)
        measure_beats(s, n, no, *h, *sigma, 0);
    return no;
}

void mc__ppg_beats_analyse(mc__ppg *s, size_t n, size_t w0, double period, mc__ppg_beats *out)
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
    const size_t pad = zero_phase(s, n, period);
    double sign = decide_polarity(s, n), sigma = 0;
    size_t h = 1, no = detect(s, n, pad, period, sign, &sigma, &h);
    /* The check of DOMAIN.md 1.7 on the beats themselves: with the wrong sign the "feet" are the
     * systolic peaks and the rise takes most of the beat. Then the other sign is tried, and kept
     * when its beats rise faster. */
    double rf = no >= 2 ? rise_fraction(s, no) : (double)NAN;
    if (s->cfg.polarity == 0 && isfinite(rf) && rf > 0.55) {
        size_t h2 = 1, no2 = detect(s, n, pad, period, -sign, &sigma, &h2);
        double rf2 = no2 >= 2 ? rise_fraction(s, no2) : (double)NAN;
        if (isfinite(rf2) && rf2 < rf) {
            sign = -sign;
            s->polarity = (int)sign;
            no = no2;
            h = h2;
        } else {
            no = detect(s, n, pad, period, sign, &sigma, &h);
        }
    }
    if (no < 2)
        return;
    const size_t nb = no - 1, min_beats = (size_t)s->cfg.min_beats;
    feet_from_peaks(s, n, no, h);
    measure_beats(s, n, no, h, sigma, 0);
    template_match(s, n, nb);
    reject_outliers(s, nb);
    reject_neighbours(s, nb);
    measure_beats(s, n, no, h, sigma, 1);
    reject_outliers(s, nb);

    size_t det = 0, acc = 0, m = 0;
    out->win_status = beats_status(s, nb, w0, min_beats, s->cfg.max_rejected, sigma, &out->n_beats,
                                   &out->n_accepted);
    /* PVI, a spread of beat PIs, is more fragile than their median: half the rejections. */
    out->span_status = beats_status(s, nb, 0, min_beats > 4 ? min_beats : 4,
                                    0.5 * s->cfg.max_rejected, sigma, &det, &acc);
    double csum = 0;
    size_t cn = 0;
    for (size_t k = 0; k < nb; k++)
        if (starts_after(s, k, w0) && isfinite(s->corr[k])) {
            csum += s->corr[k];
            cn++;
        }
    if (cn > 0)
        out->sqi = fmin(1.0, fmax(0.0, csum / (double)cn));
    /* Orphanidou et al. 2015 R2 and R3 (DOMAIN.md 2.4) on every detected beat of the window,
     * accepted or not: a gap over 3 s (window edges included) or intervals whose longest is 2.2
     * times the shortest make the window unacceptable. */
    double prev = (double)w0, ibi_min = (double)INFINITY, ibi_max = 0, gap = 0;
    int have_prev_peak = 0;
    for (size_t k = 0; k < nb; k++) {
        if (!starts_after(s, k, w0) || !isfinite(s->pk_t[k]))
            continue;
        double iv = s->pk_t[k] - prev;
        gap = fmax(gap, iv);
        if (have_prev_peak) {
            ibi_min = fmin(ibi_min, iv);
            ibi_max = fmax(ibi_max, iv);
        }
        prev = s->pk_t[k];
        have_prev_peak = 1;
    }
    gap = fmax(gap, (double)n - prev);
    out->rhythm_ok =
        have_prev_peak && gap <= 3.0 * s->fs && (!(ibi_max > 0) || ibi_max < 2.2 * ibi_min);
    for (size_t k = 0; k < nb; k++)
        if (starts_after(s, k, w0) && s->flag[k] == 0)
            s->sortd[m++] = s->pi[k];
    out->pi = mc__ppg_percentile(s->sortd, m, 50.0);
    m = 0;
    for (size_t k = 0; k + 1 < nb; k++)
        if (starts_after(s, k, w0) && s->flag[k] == 0 && s->flag[k + 1] == 0)
            s->sortd[m++] = s->pk_t[k + 1] - s->pk_t[k];
    if (m > 0)
        out->hr_beat = 60.0 * s->fs / mc__ppg_percentile(s->sortd, m, 50.0);
    m = 0;
    for (size_t k = 0; k < nb; k++)
        if (s->flag[k] == 0)
            s->sortd[m++] = s->pi[k];
    double hi = mc__ppg_percentile(s->sortd, m, s->cfg.pvi_percentile);
    double lo = mc__ppg_percentile(s->sortd, m, 100.0 - s->cfg.pvi_percentile);
    if (m > 0 && hi > 0)
        out->pvi = 100.0 * (hi - lo) / hi;
}
