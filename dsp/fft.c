/* SPDX-License-Identifier: MIT */
/* dsp/fft.c: float FFTW plans on their own aligned buffers, the wisdom files, and the one lock
 * that serialises FFTW's planner. The only file of mcirc that includes fftw3.h (STYLE.md 3.3). */
#include "dsp/fft.h"

#include <assert.h>
#include <fftw3.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* The largest transform: 2^26 points (a 2^26 C2C handle holds 1 GiB of buffers). It also keeps n
 * far inside the int that FFTW's basic interface takes. */
#define MC_FFT_MAX_N ((size_t)1 << 26)

/* The one piece of mutable global state that the house style allows (STYLE.md 3.3, LIBS.md 2,
 * DOMAIN.md 7.1). FFTW's planner, fftwf_destroy_plan and the wisdom functions share FFTW's own
 * global tables, and only fftwf_execute is thread-safe. Every call into those parts of FFTW
 * happens in this file with this lock held, so handles may even be created and destroyed from
 * several threads at once; execution takes no lock. We do not use
 * fftwf_make_planner_thread_safe(), which lives in libfftw3f_threads and would make the link
 * order matter. The lock is statically initialised, so there is no init call and no race on
 * first use. */
static pthread_mutex_t mc_fft_planner_lock = PTHREAD_MUTEX_INITIALIZER;

struct mc_fft {
    size_t n;
    mc_fft_kind kind;
    float *in;  /* R2C: [n] reals; C2C: [n] complex as [2n] floats; from fftwf_alloc_* */
    float *out; /* R2C: [n/2 + 1] complex; C2C: [n] complex */
    fftwf_plan plan;
};

static void planner_lock(void)
{
    /* Locking a valid, statically initialised default mutex that this thread does not hold
     * cannot fail; a failure is a programming error, not an input error. */
    int rc = pthread_mutex_lock(&mc_fft_planner_lock);
    assert(rc == 0);
    (void)rc;
}

static void planner_unlock(void)
{
    int rc = pthread_mutex_unlock(&mc_fft_planner_lock);
    assert(rc == 0);
    (void)rc;
}

mc_status mc_fft_create(const mc_fft_config *cfg, mc_fft **out)
{
    if (!out)
        return MC_EINVAL;
    *out = NULL;
    if (!cfg || cfg->n < 1 || cfg->n > MC_FFT_MAX_N)
        return MC_EINVAL;
    if (cfg->kind != MC_FFT_R2C && cfg->kind != MC_FFT_C2C_BACKWARD &&
        cfg->kind != MC_FFT_C2C_FORWARD)
        return MC_EINVAL;
    if (cfg->measure != 0 && cfg->measure != 1)
        return MC_EINVAL;

    mc_fft *f = calloc(1, sizeof *f);
    if (!f)
        return MC_ENOMEM;
    f->n = cfg->n;
    f->kind = cfg->kind;
    size_t n_out = cfg->kind == MC_FFT_R2C ? cfg->n / 2 + 1 : cfg->n;
    /* fftwf_alloc_* returns memory aligned for FFTW's SIMD codelets; the plan is made on these
     * very buffers, so fftwf_execute needs no new-array variant and no alignment check. */
    if (cfg->kind == MC_FFT_R2C)
        f->in = fftwf_alloc_real(cfg->n);
    else
        f->in = (float *)fftwf_alloc_complex(cfg->n);
    f->out = (float *)fftwf_alloc_complex(n_out);
    if (!f->in || !f->out)
        goto fail;

    /* FFTW_MEASURE runs real transforms on the buffers while planning, so nothing is written to
     * them before the plan exists (LIBS.md 2). DESTROY_INPUT gives FFTW its widest choice of
     * algorithms; the header tells callers that the input does not survive a transform. */
    unsigned flags = (cfg->measure ? FFTW_MEASURE : FFTW_ESTIMATE) | FFTW_DESTROY_INPUT;
    int n = (int)cfg->n;
    planner_lock();
    switch (cfg->kind) {
    case MC_FFT_R2C:
        f->plan = fftwf_plan_dft_r2c_1d(n, f->in, (fftwf_complex *)f->out, flags);
        break;
    case MC_FFT_C2C_FORWARD:
        f->plan = fftwf_plan_dft_1d(n, (fftwf_complex *)f->in, (fftwf_complex *)f->out,
                                    FFTW_FORWARD, flags);
        break;
    case MC_FFT_C2C_BACKWARD:
        f->plan = fftwf_plan_dft_1d(n, (fftwf_complex *)f->in, (fftwf_complex *)f->out,
                                    FFTW_BACKWARD, flags);
        break;
    }
    planner_unlock();
    if (!f->plan)
        goto fail;

    /* Planning may have left measurement data behind; start from zeros so that a caller who
     * forgets to fill part of the input gets a defined result. */
    memset(f->in, 0, (cfg->kind == MC_FFT_R2C ? cfg->n : 2 * cfg->n) * sizeof *f->in);
    memset(f->out, 0, 2 * n_out * sizeof *f->out);
    *out = f;
    return MC_OK;

fail:
    mc_fft_destroy(f);
    return MC_ENOMEM;
}

float *mc_fft_get_input(mc_fft *f)
{
    return f->in;
}

const float *mc_fft_get_output(const mc_fft *f)
{
    return f->out;
}

void mc_fft_process(mc_fft *f)
{
    fftwf_execute(f->plan);
}

size_t mc_fft_get_n(const mc_fft *f)
{
    return f->n;
}

void mc_fft_destroy(mc_fft *f)
{
    if (!f)
        return;
    if (f->plan) {
        planner_lock();
        fftwf_destroy_plan(f->plan);
        planner_unlock();
    }
    /* fftwf_free is plain free of aligned memory and touches no planner state. */
    fftwf_free(f->in);
    fftwf_free(f->out);
    free(f);
}

mc_status mc_fft_import_wisdom(const char *path)
{
    if (!path)
        return MC_ENOTFOUND;
    planner_lock();
    int ok = fftwf_import_wisdom_from_filename(path);
    planner_unlock();
    /* FFTW answers 0 both for a missing file and for one it cannot parse (another precision,
     * another version): either way there is no usable wisdom (LIBS.md 2). */
    return ok ? MC_OK : MC_ENOTFOUND;
}

mc_status mc_fft_export_wisdom(const char *path)
{
    if (!path)
        return MC_EIO;
    planner_lock();
    int ok = fftwf_export_wisdom_to_filename(path);
    planner_unlock();
    return ok ? MC_OK : MC_EIO;
}
