/* SPDX-License-Identifier: MIT */
/* dsp/iir.c: Butterworth design (analog prototype -> low/high/band-pass -> bilinear transform with
 * prewarping -> second-order sections) and the streaming cascade in transposed direct form II,
 * all in double (DOMAIN.md 7.4). */
#include "dsp/iir.h"

#include <complex.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

enum { ORDER_MAX = 8, SECTIONS_MAX = ORDER_MAX };

/* M_PI is not C11 (nor POSIX without XSI). */
static const double PI = 3.14159265358979323846;

/* One section: y = b0 x + z1; z1' = b1 x - a1 y + z2; z2' = b2 x - a2 y (a0 = 1). */
typedef struct section {
    double b0, b1, b2, a1, a2;
    double dc_gain; /* (b0 + b1 + b2) / (1 + a1 + a2) of the stored coefficients */
} section;

struct mc_iir {
    size_t n_sections;
    section s[SECTIONS_MAX];
    double z[SECTIONS_MAX][2];
    /* Set by a non-finite input: the next finite sample first puts the states at its steady
     * state, so a gap costs no transient (scipy lfilter_zi applied section by section). */
    bool restart;
};

/* The design works with the analog prototype scaled to the bilinear transform
 * s = (z - 1) / (z + 1), i.e. fs = 1/2: an edge f maps to the prewarped analog frequency
 * W = tan(pi f / fs), which is scipy's 2 fs' tan(pi Wn / fs') with fs' = 2 divided by 2 fs'.
 * Every section is then the bilinear image of an analog section N(s) / (s^2 + sig s + m):
 * multiplying through by (z + 1)^2 gives the denominator
 *     a0 z^2 + 2 (m - 1) z + (1 - sig + m),  a0 = 1 + sig + m,
 * computed from the real analog coefficients (sig = -2 Re p, m = |p|^2), not from the digital
 * poles.
 *
 * For poles close to z = 1 (0.5 Hz at 500 Hz), the response hangs on the small difference
 * d = 1 + a1 + a2 = 4 m / a0 (4e-5 there): half an ulp of a1 and of a2 can each shift it by
 * 3e-12 relative, and the whole impulse response with it. So a1 is formed as -2 plus a small
 * term (rounded once, within about half an ulp), and a2 as d - (1 + a1), where 1 + a1 is exact
 * (Sterbenz) and d is known to full relative precision: the stored coefficients then reproduce d
 * to half an ulp of a2 instead of the sum of both errors. Poles close to z = -1 (edges close to
 * Nyquist, m > 1) get the mirror treatment with 1 - a1 + a2 = 4 / a0. */
static section biquad(double sig, double m, double nb0, double nb1, double nb2)
{
    double a0 = 1.0 + sig + m;
    double a1, a2;
    if (m <= 1.0) {
        a1 = -2.0 + 2.0 * (sig + 2.0 * m) / a0;
        a2 = 4.0 * m / a0 - (1.0 + a1);
    } else {
        a1 = 2.0 - 2.0 * (sig + 2.0) / a0;
        a2 = 4.0 / a0 - (1.0 - a1);
    }
    section s = {nb0 / a0, nb1 / a0, nb2 / a0, a1, a2, 0.0};
    return s;
}

/* First-order section from the analog denominator s + w: (1 + w) z + (w - 1). */
static section first_order(double w, double nb0, double nb1)
{
    double a0 = 1.0 + w;
    section s = {nb0 / a0, nb1 / a0, 0.0, -1.0 + 2.0 * w / a0, 0.0, 0.0};
    return s;
}

/* Butterworth prototype poles p_k = -sin(t_k) + j cos(t_k), t_k = pi (2k + 1) / (2N), for
 * k < N/2 (upper half plane); their conjugates complete the set, and for odd N the real pole
 * -1 remains. Sections are ordered from the least to the most resonant (the odd first-order or
 * band-pass real-pole section first), so that the sharpest peaks see already filtered input. */
static double proto_damping(int order, int k)
{
    return sin(PI * (2.0 * k + 1.0) / (2.0 * order));
}

/* Low- and high-pass: the pair (p, p*) scaled by W gives s^2 + 2 sin(t) W s + W^2, with the
 * numerator W^2 (low-pass, zeros at z = -1) or s^2 (high-pass, s -> W / s, zeros at z = 1). The
 * first-order section is W / (s + W) or s / (s + W). */
static size_t design_lp_hp(const mc_iir_config *cfg, section *out)
{
    bool lp = cfg->type == MC_IIR_LOWPASS;
    double w = tan(PI * cfg->f1_hz / cfg->fs_hz);
    double m = w * w;
    size_t n = 0;
    if (cfg->order % 2)
        out[n++] = lp ? first_order(w, w, w) : first_order(w, 1.0, -1.0);
    for (int k = cfg->order / 2 - 1; k >= 0; k--) {
        double sig = 2.0 * proto_damping(cfg->order, k) * w;
        out[n++] = lp ? biquad(sig, m, m, 2.0 * m, m) : biquad(sig, m, 1.0, -2.0, 1.0);
    }
    return n;
}

/* CMPLX is C11, but glibc's <complex.h> offers it to GCC only. A real times I is exact. */
static double complex make_complex(double re, double im)
{
    return re + im * (double complex)I;
}

/* Band-pass (scipy lp2bp): s -> (s^2 + w0^2) / (s bw), w0^2 = W1 W2, bw = W2 - W1. A prototype
 * pole p becomes the two roots of s^2 - p bw s + w0^2, and the factor 1 / (s - p) becomes
 * bw s / ((s - s1)(s - s2)). The real pole -1 (odd N) gives the section
 * bw s / (s^2 + bw s + w0^2), whatever the sign of its discriminant: zeros at z = 1 and z = -1.
 * A conjugate pair (p, p*) gives four poles, two real sections, and the zeros s^2 (z = 1, twice)
 * and two at infinity (z = -1, twice). As in scipy's zpk2sos, the zeros go to the nearest poles:
 * s^2 to the lower pole pair (a high-pass section, which cancels at DC the gain of poles near
 * z = 1 instead of amplifying the rounding noise there) and the zeros at infinity to the upper
 * pair (a low-pass section). Each section is scaled to unit gain at the centre w0 (the bilinear
 * image of the prototype's DC, where the whole filter has gain 1), so no intermediate signal is
 * much larger or smaller than the input. The gains of the real-pole section and of a pair's
 * product are those of the exact factorisation (bw and bw^2 at w0); rounding apart, the product
 * of all is bw^N. */
static size_t design_bp(const mc_iir_config *cfg, section *out)
{
    double w1 = tan(PI * cfg->f1_hz / cfg->fs_hz);
    double w2 = tan(PI * cfg->f2_hz / cfg->fs_hz);
    double bw = w2 - w1;
    double w0sq = w1 * w2, w0 = sqrt(w0sq);
    size_t n = 0;
    if (cfg->order % 2)
        out[n++] = biquad(bw, w0sq, bw, 0.0, -bw);
    for (int k = cfg->order / 2 - 1; k >= 0; k--) {
        double t = PI * (2.0 * k + 1.0) / (2.0 * cfg->order);
        double complex pb = make_complex(-sin(t), cos(t)) * bw;
        double complex d = csqrt(pb * pb - 4.0 * w0sq);
        /* The root of larger magnitude first, the other from the product w0^2 (no cancellation). */
        if (creal(conj(pb) * d) < 0.0)
            d = -d;
        double complex r[2];
        r[0] = 0.5 * (pb + d);
        r[1] = w0sq / r[0];
        for (int i = 0; i < 2; i++) {
            double sig = -2.0 * creal(r[i]);
            double m = creal(r[i]) * creal(r[i]) + cimag(r[i]) * cimag(r[i]);
            /* |s^2 + sig s + m| at s = j w0. */
            double at_w0 = hypot(m - w0sq, sig * w0);
            if (i == 0) {
                double c = at_w0; /* c / (s^2 + sig s + m): zeros at z = -1 */
                out[n++] = biquad(sig, m, c, 2.0 * c, c);
            } else {
                double c = at_w0 / w0sq; /* c s^2 / (s^2 + sig s + m): zeros at z = 1 */
                out[n++] = biquad(sig, m, c, -2.0 * c, c);
            }
        }
    }
    return n;
}

static bool config_is_valid(const mc_iir_config *cfg)
{
    if (!cfg || cfg->order < 1 || cfg->order > ORDER_MAX)
        return false;
    if (cfg->type != MC_IIR_LOWPASS && cfg->type != MC_IIR_HIGHPASS && cfg->type != MC_IIR_BANDPASS)
        return false;
    double fs = cfg->fs_hz;
    /* Written so that NaN fails every comparison. */
    if (!(fs > 0.0 && isfinite(fs)))
        return false;
    if (!(cfg->f1_hz > 0.0 && cfg->f1_hz < 0.5 * fs))
        return false;
    if (cfg->type == MC_IIR_BANDPASS && !(cfg->f2_hz > cfg->f1_hz && cfg->f2_hz < 0.5 * fs))
        return false;
    return true;
}

mc_status mc_iir_create(const mc_iir_config *cfg, mc_iir **out)
{
    if (!out)
        return MC_EINVAL;
    *out = NULL;
    if (!config_is_valid(cfg))
        return MC_EINVAL;
    mc_iir *f = calloc(1, sizeof *f);
    if (!f)
        return MC_ENOMEM;
    f->n_sections = cfg->type == MC_IIR_BANDPASS ? design_bp(cfg, f->s) : design_lp_hp(cfg, f->s);
    for (size_t i = 0; i < f->n_sections; i++) {
        section *s = &f->s[i];
        s->dc_gain = (s->b0 + s->b1 + s->b2) / (1.0 + s->a1 + s->a2);
        /* An edge within ~1e-16 of DC or Nyquist relative to fs puts poles on the unit circle
         * once rounded: the filter would not be stable, so such an edge is out of range. The
         * test is the stability triangle of z^2 + a1 z + a2. */
        if (!(fabs(s->a2) < 1.0 && fabs(s->a1) < 1.0 + s->a2 && isfinite(s->dc_gain)))
            goto fail;
    }
    *out = f;
    return MC_OK;
fail:
    mc_iir_destroy(f);
    return MC_EINVAL;
}

void mc_iir_destroy(mc_iir *f)
{
    free(f);
}

void mc_iir_reset(mc_iir *f)
{
    for (size_t i = 0; i < f->n_sections; i++)
        f->z[i][0] = f->z[i][1] = 0.0;
    f->restart = false;
}

/* Steady state of a section for a constant input x with output y = dc_gain x: z2 = b2 x - a2 y,
 * z1 = b1 x - a1 y + z2 (the fixed point of the recursion, scipy lfilter_zi times x). Each
 * section's steady output is the next one's constant input. */
static void set_steady(mc_iir *f, double x)
{
    for (size_t i = 0; i < f->n_sections; i++) {
        const section *s = &f->s[i];
        double y = s->dc_gain * x;
        f->z[i][1] = s->b2 * x - s->a2 * y;
        f->z[i][0] = s->b1 * x - s->a1 * y + f->z[i][1];
        x = y;
    }
}

void mc_iir_reset_to(mc_iir *f, double x0)
{
    if (isfinite(x0)) {
        set_steady(f, x0);
        f->restart = false;
    } else {
        mc_iir_reset(f);
        f->restart = true;
    }
}

/* One sample through the cascade. Any non-finite input (NaN, and also +-Inf, which would turn
 * the states into NaN for good) is a missing sample: the output is NaN and the next finite
 * sample restarts the filter at its steady state. The float and double paths share this code,
 * and no state lives outside the handle, so output does not depend on how input is blocked. */
static inline double step(mc_iir *f, double x)
{
    if (!isfinite(x)) {
        f->restart = true;
        return (double)NAN;
    }
    if (f->restart) {
        set_steady(f, x);
        f->restart = false;
    }
    for (size_t i = 0; i < f->n_sections; i++) {
        const section *s = &f->s[i];
        double *z = f->z[i];
        double y = s->b0 * x + z[0];
        z[0] = s->b1 * x - s->a1 * y + z[1];
        z[1] = s->b2 * x - s->a2 * y;
        x = y;
    }
    return x;
}

void mc_iir_process(mc_iir *f, const float *in, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (float)step(f, (double)in[i]);
}

void mc_iir_process_double(mc_iir *f, const double *in, double *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = step(f, in[i]);
}

size_t mc_iir_get_sos(const mc_iir *f, double *sos, size_t max_sections)
{
    for (size_t i = 0; sos && i < f->n_sections && i < max_sections; i++) {
        const section *s = &f->s[i];
        double *row = sos + 6 * i;
        row[0] = s->b0;
        row[1] = s->b1;
        row[2] = s->b2;
        row[3] = 1.0;
        row[4] = s->a1;
        row[5] = s->a2;
    }
    return f->n_sections;
}
