/* SPDX-License-Identifier: MIT */
/* dsp/ppg_judge.c: the acceptance of the span's beats at every hop (DOMAIN.md 1.4, 1.7, 2.4) and
 * the beat values of the row: each beat was measured once (dsp/ppg_beats.c), and only its
 * judgement, which depends on its neighbours and on the span, is made again: the median
 * template, amplitude outliers, neighbours of artefacts, the final baseline, the statuses, the
 * beat-wise PI, the beat rate, the template SQI, Orphanidou's R2/R3 and the PVI. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "dsp/ppg_internal.h"

/* The median of v[n] (n >= 1, no NaN), reordering v: as mc_median, the mean of the two middle
 * values when n is even; Wirth's selection, a few comparisons per value for a few dozen beats. */
static float small_median(float *v, size_t n)
{
    const ptrdiff_t k = (ptrdiff_t)(n / 2);
    ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1;
    while (lo < hi) {
        const float pivot = v[k];
        ptrdiff_t i = lo, j = hi;
        do {
            while (v[i] < pivot)
                i++;
            while (pivot < v[j])
                j--;
            if (i <= j) {
                float t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        } while (i <= j);
        if (j < k)
            lo = i;
        if (k < i)
            hi = j;
    }
    if (n % 2)
        return v[k];
    float lower = v[0];
    for (ptrdiff_t i = 1; i < k; i++)
        lower = v[i] > lower ? v[i] : lower;
    return (float)(0.5 * ((double)lower + (double)v[k]));
}

/* Orphanidou et al. 2015 (DOMAIN.md 2.4) on the beats' segments of p minus the baseline (each
 * stored, smoothed, when the beat was measured): each beat is the median-duration segment
 * centred on its peak, standardised; the template is their sample-wise median (a large artefact
 * cannot drag it as it drags a mean); each beat's Pearson correlation with it must reach
 * sqi_threshold. Beats more than 1.6 times the median duration (a missed beat inside) are
 * rejected here too. */
static void template_match(mc__ppg *s, size_t nb)
{
    const mc__ppg_beat *u = s->uni;
    size_t k2 = 0, nt = 0;
    for (size_t k = 0; k < nb; k++)
        if (!(s->flag[k] & MC__BEAT_NONFINITE))
            s->sortd[k2++] = u[k].t1 - u[k].t0;
    double med = mc__ppg_percentile(s->sortd, k2, 50.0);
    size_t len = k2 < 3 ? 0 : med > (double)s->tpl_max ? s->tpl_max : mc__ppg_round(med);
    /* The segments are compared at every tpl_step-th frame: smoothed, they hold nothing above
     * about 2 f_hi, and 4 f_hi samples a second describe them (a tenth of the work at 250 Hz). */
    const size_t half = len / 2, off = s->seg_half - half, step = s->tpl_step;
    const size_t lg = (len + step - 1) / step; /* grid points */
    for (size_t k = 0; k < nb; k++) {
        s->bmean[k] = (double)NAN;
        s->corr[k] = (double)NAN;
        if ((s->flag[k] & MC__BEAT_NONFINITE) || len < 8 || !u[k].seg)
            continue;
        if (u[k].t1 - u[k].t0 > 1.6 * med)
            s->flag[k] |= MC__BEAT_DURATION;
        const float *g = u[k].seg + off;
        double sum = 0, sq = 0;
        size_t cnt = 0;
        for (size_t i = 0; i < lg; i++)
            if (!isnan(g[i * step])) {
                sum += (double)g[i * step];
                cnt++;
            }
        if (4 * cnt < 3 * lg)
            continue;
        double mean = sum / (double)cnt;
        for (size_t i = 0; i < lg; i++)
            if (!isnan(g[i * step]))
                sq += ((double)g[i * step] - mean) * ((double)g[i * step] - mean);
        if (!(sq > 0))
            continue;
        s->bmean[k] = mean;
        s->bsd[k] = sqrt(sq / (double)cnt);
        nt++;
    }
    /* The standardised segments, grid point after grid point (z[i nb + beat]); the template, their
     * sample-wise median, in tpl. */
    float *z = s->tz;
    size_t nz = 0;
    for (size_t k = 0; k < nb && nt >= 3; k++) {
        if (!isfinite(s->bmean[k]))
            continue;
        const float *g = u[k].seg + off;
        const double inv = 1.0 / s->bsd[k];
        for (size_t i = 0; i < lg; i++) {
            const float v = g[i * step];
            z[i * nb + nz] = isnan(v) ? v : (float)(((double)v - s->bmean[k]) * inv);
        }
        nz++;
    }
    for (size_t i = 0; i < lg && nt >= 3; i++) {
        size_t c = 0;
        for (size_t k = 0; k < nz; k++)
            if (!isnan(z[i * nb + k]))
                s->zf[c++] = z[i * nb + k];
        s->tpl[i] = c >= 3 ? small_median(s->zf, c) : (float)NAN;
    }
    for (size_t k = 0; k < nb; k++) {
        if (nt < 3 || !isfinite(s->bmean[k])) {
            s->flag[k] |= MC__BEAT_TEMPLATE;
            continue;
        }
        const float *g = u[k].seg + off;
        double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
        size_t cnt = 0;
        for (size_t i = 0; i < lg; i++) {
            if (isnan(g[i * step]) || isnan(s->tpl[i]))
                continue;
            double a = (double)g[i * step] - s->bmean[k], b = (double)s->tpl[i];
            sa += a;
            sb += b;
            saa += a * a;
            sbb += b * b;
            sab += a * b;
            cnt++;
        }
        if (cnt > 1 && 4 * cnt >= 3 * lg) {
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

/* The final measurement of the accepted beats: a neighbouring foot joins the baseline only from
 * an accepted neighbouring beat, as a foot inside an artefact would bend the baseline of the
 * clean beat next to it. Each beat carries the four measurements (dsp/ppg_beats.c). */
static void final_measure(mc__ppg *s, size_t nb, double lift)
{
    unsigned before[2] = {0, 0}; /* flags of beats k - 1 and k before this pass */
    for (size_t k = 0; k < nb; k++) {
        before[0] = before[1];
        before[1] = s->flag[k];
        if (s->flag[k] != 0)
            continue;
        mc__ppg_beat *b = &s->uni[k];
        unsigned v = (k > 0 && before[0] == 0) | (unsigned)(k + 1 < nb && s->flag[k + 1] == 0) << 1;
        if (b->pending && v != 3)
            mc__ppg_measure_pending(s, b, v);
        s->pk_t[k] = b->vpk[v];
        s->ac[k] = b->vac[v];
        s->flag[k] = b->vflag[v];
        s->pi[k] =
            s->flag[k] & MC__BEAT_NONFINITE ? (double)NAN : 100.0 * s->ac[k] / (b->dc_raw + lift);
    }
}

/* The status of the beats that start at or after `from` (DOMAIN.md 1.7): OK when at least
 * min_beats are accepted and no more than max_rejected of them are rejected; else named after
 * what rejected at least half of them: NaN samples (NO_SIGNAL), clipping (CLIPPED), an AC within
 * 4 x the noise or a median AC within 10 x (LOW_PERF), or else artefacts (MOTION). No beat at all
 * is NO_SIGNAL. */
static uint8_t beats_status(mc__ppg *s, size_t nb, double from, size_t min_beats,
                            double max_rejected, double sigma, size_t *n_det, size_t *n_acc)
{
    size_t det = 0, acc = 0, nonfinite = 0, clipped = 0, small = 0, m = 0;
    for (size_t k = 0; k < nb; k++) {
        if (!(s->uni[k].start >= from))
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

void mc__ppg_judge(mc__ppg *s, size_t nb, double base, size_t span, size_t w0, double lift,
                   double sigma, mc__ppg_beats *out)
{
    const mc__ppg_beat *u = s->uni;
    for (size_t k = 0; k < nb; k++) {
        s->flag[k] = u[k].flag;
        s->pk_t[k] = u[k].pk;
        s->ac[k] = u[k].ac;
        s->pi[k] = (double)NAN;
        if (s->flag[k] & MC__BEAT_NONFINITE)
            continue;
        const double dc = u[k].dc_raw + lift; /* > 0 when measured: the lift may have changed */
        if (isgreater(dc, 0.0))
            s->pi[k] = 100.0 * u[k].ac / dc;
        else
            s->flag[k] = MC__BEAT_NONFINITE;
    }
    const size_t min_beats = (size_t)s->cfg.min_beats;
    template_match(s, nb);
    reject_outliers(s, nb);
    reject_neighbours(s, nb);
    final_measure(s, nb, lift);
    reject_outliers(s, nb);

    const double from_w = base + (double)w0, from_s = base;
    size_t det = 0, acc = 0, m = 0;
    out->win_status = beats_status(s, nb, from_w, min_beats, s->cfg.max_rejected, sigma,
                                   &out->n_beats, &out->n_accepted);
    /* PVI, a spread of beat PIs, is more fragile than their median: half the rejections. */
    out->span_status = beats_status(s, nb, from_s, min_beats > 4 ? min_beats : 4,
                                    0.5 * s->cfg.max_rejected, sigma, &det, &acc);
    double csum = 0;
    size_t cn = 0;
    for (size_t k = 0; k < nb; k++)
        if (u[k].start >= from_w && isfinite(s->corr[k])) {
            csum += s->corr[k];
            cn++;
        }
    if (cn > 0)
        out->sqi = fmin(1.0, fmax(0.0, csum / (double)cn));
    /* Orphanidou et al. 2015 R2 and R3 (DOMAIN.md 2.4) on every detected beat of the window,
     * accepted or not: a gap over 3 s (window edges included) or intervals whose longest is 2.2
     * times the shortest make the window unacceptable. */
    double prev = from_w, ibi_min = (double)INFINITY, ibi_max = 0, gap = 0;
    int have_prev_peak = 0;
    for (size_t k = 0; k < nb; k++) {
        if (!(u[k].start >= from_w) || !isfinite(s->pk_t[k]))
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
    gap = fmax(gap, base + (double)span - prev);
    out->rhythm_ok =
        have_prev_peak && gap <= 3.0 * s->fs && (!(ibi_max > 0) || ibi_max < 2.2 * ibi_min);
    for (size_t k = 0; k < nb; k++)
        if (u[k].start >= from_w && s->flag[k] == 0)
            s->sortd[m++] = s->pi[k];
    out->pi = mc__ppg_percentile(s->sortd, m, 50.0);
    m = 0;
    for (size_t k = 0; k + 1 < nb; k++)
        if (u[k].start >= from_w && s->flag[k] == 0 && s->flag[k + 1] == 0)
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
