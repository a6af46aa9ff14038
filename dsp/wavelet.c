/* SPDX-License-Identifier: MIT */
/* dsp/wavelet.c: Morlet CWT by FFT convolution (DOMAIN.md 3.4). The mean-removed, zero-padded
 * signal is transformed once (R2C); each scale multiplies the positive-frequency half by the
 * analytic Morlet spectrum and runs one inverse C2C transform; |W| is averaged outside the cone of
 * influence of both ends and of every missing sample. */
#include "dsp/wavelet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/fft.h"

/* The FFT length is at most 2^26 (dsp/fft.c) and at least twice as long as the signal can be. */
#define MC_CWT_MAX_LEN    ((size_t)1 << 24)
#define MC_CWT_MAX_VOICES 64
#define MC_CWT_PI         3.14159265358979323846 /* M_PI is not in C11 or POSIX */

/* Below exp(-50) (2e-22) the wavelet's spectrum is left at zero: far below float resolution. */
#define MC_CWT_SPECTRUM_CUT 50.0

struct mc_cwt {
    mc_cwt_config cfg;
    size_t nfft; /* FFT length: >= max_len plus the padding (see fft_len) */
    size_t n_scales;
    double *freqs;    /* [n_scales] Hz */
    double omega0;    /* 2 pi f0 */
    double gain;      /* 2 / psihat(omega0), see the comment in mc_cwt_process */
    mc_fft *fwd;      /* R2C of nfft: the signal's spectrum */
    mc_fft *inv;      /* C2C backward of nfft: one scale */
    double *dist_nan; /* [max_len] samples from each sample to the nearest missing sample */
    size_t *band;     /* [2 n_scales] first and last nonzero bin of each scale */
    double *psi;      /* gain / nfft psihat at those bins, scale after scale */
};

/* The bins of a scale where the Gaussian is above exp(-MC_CWT_SPECTRUM_CUT):
 * |xi - omega0| < sqrt(2 cut), within 1 .. nfft / 2. */
static void scale_bins(const mc_cwt *w, double f, size_t *lo, size_t *hi)
{
    const double fs = w->cfg.fs_hz;
    const size_t nfft = w->nfft, half = nfft / 2;
    const double reach = sqrt(2.0 * MC_CWT_SPECTRUM_CUT) / w->omega0;
    double m_lo_d = ceil((1.0 - reach) * f * (double)nfft / fs);
    double m_hi_d = floor((1.0 + reach) * f * (double)nfft / fs);
    *lo = m_lo_d < 1.0 ? 1 : (size_t)m_lo_d;
    *hi = m_hi_d > (double)half ? half : (size_t)m_hi_d;
}

mc_cwt_config mc_cwt_config_default(double fs_hz, size_t max_len)
{
    /* The LDF range of DOMAIN.md 3.2 (0.005-2 Hz); at low rates the top is kept at 0.4 fs, where
     * the wavelet's spectrum still fits below Nyquist. */
    double f_max = 2.0;
    if (fs_hz > 0.0 && f_max > 0.4 * fs_hz)
        f_max = 0.4 * fs_hz;
    return (mc_cwt_config){
        .fs_hz = fs_hz,
        .f_min_hz = 0.005,
        .f_max_hz = f_max,
        .voices_per_octave = 16,
        .f0 = 1.0,
        .max_len = max_len,
    };
}

/* The smallest 2^a 3^b 5^c 7^d >= n with a >= 5 when n >= 1024 (FFTW is about twice as fast on
 * 28000 = 2^5 5^3 7 as on 27783 = 3^4 7^3); n <= 2^26. */
static size_t fast_size(size_t n)
{
    static const size_t primes[] = {2, 3, 5, 7};
    for (size_t m = n;; m++) {
        size_t r = m;
        if (n >= 1024 && m % 32 != 0)
            continue;
        for (size_t i = 0; i < 4; i++)
            while (r % primes[i] == 0)
                r /= primes[i];
        if (r == 1)
            return m;
    }
}

/* The FFT length. The padding after the signal keeps the circular convolution from wrapping one
 * end of the signal onto the other: four scales of the lowest frequency (the Gaussian envelope
 * exp(-t^2 / 2 s^2) is below 4e-4 there, and below 2e-7 once the COI is added), but never more
 * than max_len (a pad as long as the signal puts every kept sample at least 3 sqrt(2) s from the
 * wrapped end, because kept samples lie sqrt(2) s inside a signal longer than 2 sqrt(2) s). */
static size_t fft_len(const mc_cwt_config *c)
{
    double pad = ceil(4.0 * c->f0 / c->f_min_hz * c->fs_hz);
    size_t p = pad < (double)c->max_len ? (size_t)pad : c->max_len;
    return fast_size(c->max_len + p);
}

static int config_valid(const mc_cwt_config *c)
{
    if (!(isfinite(c->fs_hz) && c->fs_hz > 0.0))
        return 0;
    if (!(c->f_min_hz > 0.0 && c->f_min_hz < c->f_max_hz && c->f_max_hz < 0.5 * c->fs_hz))
        return 0;
    if (c->voices_per_octave < 1 || c->voices_per_octave > MC_CWT_MAX_VOICES)
        return 0;
    /* f0 below 0.5 makes the Morlet wavelet too broad-band to be analytic in practice. */
    if (!(isfinite(c->f0) && c->f0 >= 0.5 && c->f0 <= 10.0))
        return 0;
    return c->max_len >= 2 && c->max_len <= MC_CWT_MAX_LEN;
}

mc_status mc_cwt_create(const mc_cwt_config *cfg, mc_cwt **out)
{
    if (!out)
        return MC_EINVAL;
    *out = NULL;
    if (!cfg || !config_valid(cfg))
        return MC_EINVAL;
    const double octaves = log2(cfg->f_max_hz / cfg->f_min_hz);
    /* Scales f_min 2^(k/V) up to f_max; the 1e-9 keeps an f_max that is an exact number of
     * voices above f_min despite the rounding of log2. */
    size_t n_scales = (size_t)floor(octaves * cfg->voices_per_octave + 1e-9) + 1;

    mc_cwt *w = calloc(1, sizeof *w);
    if (!w)
        return MC_ENOMEM;
    mc_status st = MC_ENOMEM;
    w->cfg = *cfg;
    w->n_scales = n_scales;
    w->nfft = fft_len(cfg);
    w->omega0 = 2.0 * MC_CWT_PI * cfg->f0;
    w->gain = 2.0 / (1.0 - exp(-w->omega0 * w->omega0));
    w->freqs = calloc(n_scales, sizeof *w->freqs);
    w->dist_nan = calloc(cfg->max_len, sizeof *w->dist_nan);
    if (!w->freqs || !w->dist_nan)
        goto fail;
    for (size_t k = 0; k < n_scales; k++)
        w->freqs[k] = cfg->f_min_hz * exp2((double)k / cfg->voices_per_octave);
    w->band = calloc(2 * n_scales, sizeof *w->band);
    if (!w->band)
        goto fail;
    size_t total = 0;
    for (size_t k = 0; k < n_scales; k++) {
        scale_bins(w, w->freqs[k], &w->band[2 * k], &w->band[2 * k + 1]);
        if (w->band[2 * k + 1] >= w->band[2 * k])
            total += w->band[2 * k + 1] - w->band[2 * k] + 1;
    }
    w->psi = calloc(total ? total : 1, sizeof *w->psi);
    if (!w->psi)
        goto fail;
    /* The Morlet spectrum of every scale, once. The analytic Morlet of MODA (Iatsenko):
     * psihat(xi) = exp(-(omega0 - xi)^2 / 2) - exp(-(omega0^2 + xi^2) / 2) at xi = omega0 nu / f
     * for nu > 0, zero for nu <= 0. A sine A cos(2 pi f t) has the two lines A/2 at +-f; the
     * wavelet keeps the positive one with gain psihat(omega0) = 1 - exp(-omega0^2), so the factor
     * gain = 2 / psihat(omega0) makes |W| = A exactly at the scale's centre frequency:
     * amplitude-preserving, no s^-1/2. In the convention of DOMAIN.md 3.4 (pi^-1/4 Morlet, s^-1/2,
     * time integral in seconds) this is W = W_domain * 2 pi^(1/4) / sqrt(2 pi s), s = f0 / f. The
     * 1 / nfft undoes the unnormalised inverse FFT. Only the bins of scale_bins are kept. */
    for (size_t k = 0, o = 0; k < n_scales; k++) {
        const double f = w->freqs[k], fs = cfg->fs_hz, omega0 = w->omega0;
        const double c = w->gain / (double)w->nfft;
        for (size_t m = w->band[2 * k]; m <= w->band[2 * k + 1]; m++) {
            const double xi = omega0 * ((double)m * fs / (double)w->nfft) / f;
            const double d = xi - omega0;
            w->psi[o++] = c * (exp(-0.5 * d * d) - exp(-0.5 * (omega0 * omega0 + xi * xi)));
        }
    }
    st = mc_fft_create(&(mc_fft_config){.n = w->nfft, .kind = MC_FFT_R2C}, &w->fwd);
    if (st != MC_OK)
        goto fail;
    st = mc_fft_create(&(mc_fft_config){.n = w->nfft, .kind = MC_FFT_C2C_BACKWARD}, &w->inv);
    if (st != MC_OK)
        goto fail;
    *out = w;
    return MC_OK;

fail:
    mc_cwt_destroy(w);
    return st;
}

size_t mc_cwt_get_n_scales(const mc_cwt *w)
{
    return w->n_scales;
}

const double *mc_cwt_get_freqs(const mc_cwt *w)
{
    return w->freqs;
}

/* Fills dist_nan[t] with the distance in samples from t to the nearest non-finite sample (n + 1
 * stands for "none"), in two sweeps. @return the mean of the finite samples (0 when none) */
static double scan_missing(double *dist, const float *x, size_t n)
{
    double sum = 0.0;
    size_t n_ok = 0;
    double d = (double)n + 1.0;
    for (size_t t = 0; t < n; t++) {
        if (isfinite(x[t])) {
            sum += (double)x[t];
            n_ok++;
            d += 1.0;
        } else {
            d = 0.0;
        }
        dist[t] = d;
    }
    d = (double)n + 1.0;
    for (size_t t = n; t-- > 0;) {
        d = isfinite(x[t]) ? d + 1.0 : 0.0;
        if (d < dist[t])
            dist[t] = d;
    }
    return n_ok > 0 ? sum / (double)n_ok : 0.0;
}

mc_status mc_cwt_process(mc_cwt *w, const float *x, size_t n, double *mean_amp, size_t *n_valid)
{
    if (!x || !mean_amp || n < 2 || n > w->cfg.max_len)
        return MC_EINVAL;
    const size_t nfft = w->nfft;
    const double fs = w->cfg.fs_hz;

    /* The signal's spectrum, once. The mean is removed first so that zero padding adds no step
     * at the ends (the wavelet ignores the mean itself: psihat(0) = 0), and missing samples
     * become that mean, i.e. zero. */
    const double mean = scan_missing(w->dist_nan, x, n);
    float *in = mc_fft_get_input(w->fwd);
    for (size_t t = 0; t < n; t++)
        in[t] = isfinite(x[t]) ? (float)((double)x[t] - mean) : 0.0f;
    for (size_t t = n; t < nfft; t++)
        in[t] = 0.0f;
    mc_fft_process(w->fwd);
    const float *spec = mc_fft_get_output(w->fwd);

    const double *psi = w->psi;
    for (size_t k = 0; k < w->n_scales; k++) {
        const double f = w->freqs[k];
        /* The Morlet spectrum of each scale (see mc_cwt_create) was tabulated at creation. */
        const size_t m_lo = w->band[2 * k], m_hi = w->band[2 * k + 1];
        float *y = mc_fft_get_input(w->inv);
        memset(y, 0, 2 * nfft * sizeof *y);
        for (size_t m = m_lo; m <= m_hi; m++) {
            const double g = *psi++;
            y[2 * m] = (float)(g * (double)spec[2 * m]);
            y[2 * m + 1] = (float)(g * (double)spec[2 * m + 1]);
        }
        mc_fft_process(w->inv);
        const float *z = mc_fft_get_output(w->inv);

        /* Cone of influence: the e-folding time sqrt(2) s of the Morlet power (Torrence & Compo
         * 1998, 3g), s = f0 / f seconds. A sample is kept when it is at least that far from both
         * ends and from every missing sample. */
        const double coi = sqrt(2.0) * w->cfg.f0 / f * fs;
        double sum = 0.0;
        size_t count = 0;
        for (size_t t = 0; t < n; t++) {
            if ((double)t < coi || (double)(n - 1 - t) < coi || w->dist_nan[t] < coi)
                continue;
            const double re = (double)z[2 * t], im = (double)z[2 * t + 1];
            sum += sqrt(re * re + im * im);
            count++;
        }
        mean_amp[k] = count > 0 ? sum / (double)count : (double)NAN;
        if (n_valid)
            n_valid[k] = count;
    }
    return MC_OK;
}

void mc_cwt_destroy(mc_cwt *w)
{
    if (!w)
        return;
    mc_fft_destroy(w->fwd);
    mc_fft_destroy(w->inv);
    free(w->freqs);
    free(w->dist_nan);
    free(w->band);
    free(w->psi);
    free(w);
}
