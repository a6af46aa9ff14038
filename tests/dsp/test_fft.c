/* SPDX-License-Identifier: MIT */
/* tests/dsp/test_fft.c: the FFTW wrapper: configuration errors, a sine in its bin, linearity and
 * Parseval on random inputs, forward + backward = n x identity, the wisdom round trip, and FFT-2
 * of DOMAIN.md 10 (8 threads planning under the lock and executing at once; run under TSan). */
#include "dsp/fft.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "tests/harness.h"
#include "tests/util.h"

/* ---- deterministic randomness (splitmix64) ---- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Uniform in [-1, 1). */
static double rng_sym(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) * 0x1p-52 - 1.0;
}

static mc_fft *make(size_t n, mc_fft_kind kind, int measure)
{
    mc_fft *f = NULL;
    ASSERT_STATUS(mc_fft_create(&(mc_fft_config){.n = n, .kind = kind, .measure = measure}, &f),
                  MC_OK);
    ASSERT_TRUE(f != NULL);
    ASSERT_EQ_INT(mc_fft_get_n(f), n);
    return f;
}

static const double two_pi = 6.283185307179586476925;

TEST(config_errors)
{
    mc_fft *f = (mc_fft *)&f; /* must be overwritten with NULL */
    ASSERT_STATUS(mc_fft_create(NULL, &f), MC_EINVAL);
    ASSERT_TRUE(f == NULL);
    mc_fft_config c = {.n = 0, .kind = MC_FFT_R2C};
    f = (mc_fft *)&f;
    ASSERT_STATUS(mc_fft_create(&c, &f), MC_EINVAL);
    ASSERT_TRUE(f == NULL);
    c.n = ((size_t)1 << 26) + 1;
    ASSERT_STATUS(mc_fft_create(&c, &f), MC_EINVAL);
    c.n = 64;
    c.kind = (mc_fft_kind)7;
    ASSERT_STATUS(mc_fft_create(&c, &f), MC_EINVAL);
    c.kind = MC_FFT_C2C_FORWARD;
    c.measure = 2;
    ASSERT_STATUS(mc_fft_create(&c, &f), MC_EINVAL);
    ASSERT_TRUE(f == NULL);
    c.measure = 0;
    ASSERT_STATUS(mc_fft_create(&c, NULL), MC_EINVAL);
    mc_fft_destroy(NULL);
    /* The smallest transform works. */
    mc_fft *one = make(1, MC_FFT_R2C, 0);
    mc_fft_get_input(one)[0] = 3.0f;
    mc_fft_process(one);
    ASSERT_NEAR_F(mc_fft_get_output(one)[0], 3.0, 0.0);
    mc_fft_destroy(one);
}

TEST(sine_in_its_bin)
{
    static const size_t sizes[] = {16, 256, 1000, 1024, 4096, 15000, 65536};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (int measure = 0; measure <= 1; measure++) {
            const size_t n = sizes[i];
            const size_t k = n / 16 + 1;
            const double a = 2.5, phase = 0.3;
            mc_fft *f = make(n, MC_FFT_R2C, measure && n <= 4096);
            float *in = mc_fft_get_input(f);
            for (size_t t = 0; t < n; t++)
                in[t] = (float)(a * cos(two_pi * (double)(k * t % n) / (double)n + phase));
            mc_fft_process(f);
            const float *y = mc_fft_get_output(f);
            double worst_other = 0.0;
            for (size_t m = 0; m <= n / 2; m++) {
                double mag = hypot((double)y[2 * m], (double)y[2 * m + 1]);
                if (m == k) {
                    ASSERT_NEAR_F(mag, a * (double)n / 2.0, 1e-5 * a * (double)n);
                    ASSERT_NEAR_F(atan2((double)y[2 * m + 1], (double)y[2 * m]), phase, 1e-4);
                } else if (mag > worst_other) {
                    worst_other = mag;
                }
            }
            ASSERT_TRUE(worst_other < 1e-4 * a * (double)n / 2.0);
            mc_fft_destroy(f);
        }
    }
}

/* Linearity and Parseval of the R2C transform on random inputs of several sizes. */
TEST(linearity_and_parseval)
{
    static const size_t sizes[] = {7, 64, 1000, 1023, 15000};
    uint64_t seed = 42;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        const size_t n = sizes[i], nb = n / 2 + 1;
        mc_fft *f = make(n, MC_FFT_R2C, 0);
        double *x = calloc(n, sizeof *x), *y = calloc(n, sizeof *y);
        double *fx = calloc(2 * nb, sizeof *fx), *fy = calloc(2 * nb, sizeof *fy);
        ASSERT_TRUE(x && y && fx && fy);
        for (size_t t = 0; t < n; t++) {
            x[t] = (double)(float)rng_sym(&seed);
            y[t] = (double)(float)rng_sym(&seed);
        }
        const double a = 0.75, b = -1.5;
        double energy = 0.0, spec_energy = 0.0, scale = 0.0;
        float *in = mc_fft_get_input(f);
        const float *out = mc_fft_get_output(f);
        for (size_t t = 0; t < n; t++) {
            in[t] = (float)x[t];
            energy += x[t] * x[t];
        }
        mc_fft_process(f);
        for (size_t m = 0; m < nb; m++) {
            fx[2 * m] = (double)out[2 * m];
            fx[2 * m + 1] = (double)out[2 * m + 1];
            double p = fx[2 * m] * fx[2 * m] + fx[2 * m + 1] * fx[2 * m + 1];
            /* Bins 1 .. ceil(n/2) - 1 stand for their mirror images too. */
            spec_energy += (m == 0 || (n % 2 == 0 && m == n / 2)) ? p : 2.0 * p;
        }
        spec_energy /= (double)n;
        ASSERT_NEAR_F(spec_energy / energy, 1.0, 1e-5);
        for (size_t t = 0; t < n; t++)
            in[t] = (float)y[t];
        mc_fft_process(f);
        for (size_t m = 0; m < 2 * nb; m++)
            fy[m] = (double)out[m];
        for (size_t t = 0; t < n; t++)
            in[t] = (float)(a * x[t] + b * y[t]);
        mc_fft_process(f);
        double worst = 0.0;
        for (size_t m = 0; m < 2 * nb; m++) {
            double d = fabs((double)out[m] - (a * fx[m] + b * fy[m]));
            worst = d > worst ? d : worst;
            scale = fabs(fx[m]) > scale ? fabs(fx[m]) : scale;
        }
        /* Float rounding: a few ulp of the largest coefficient times log2 n. */
        ASSERT_TRUE(worst < 1e-5 * scale);
        printf("n = %zu: Parseval ratio - 1 = %.2e, linearity error / max = %.2e\n", n,
               spec_energy / energy - 1.0, worst / scale);
        free(x);
        free(y);
        free(fx);
        free(fy);
        mc_fft_destroy(f);
    }
}

TEST(c2c_round_trip_is_n_identity)
{
    static const size_t sizes[] = {1, 5, 128, 1000, 15000};
    uint64_t seed = 7;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        const size_t n = sizes[i];
        mc_fft *fw = make(n, MC_FFT_C2C_FORWARD, 0);
        mc_fft *bw = make(n, MC_FFT_C2C_BACKWARD, 0);
        float *x = calloc(2 * n, sizeof *x);
        ASSERT_TRUE(x != NULL);
        for (size_t j = 0; j < 2 * n; j++)
            x[j] = (float)rng_sym(&seed);
        memcpy(mc_fft_get_input(fw), x, 2 * n * sizeof *x);
        mc_fft_process(fw);
        memcpy(mc_fft_get_input(bw), mc_fft_get_output(fw), 2 * n * sizeof *x);
        mc_fft_process(bw);
        const float *z = mc_fft_get_output(bw);
        double worst = 0.0;
        for (size_t j = 0; j < 2 * n; j++) {
            double d = fabs((double)z[j] / (double)n - (double)x[j]);
            worst = d > worst ? d : worst;
        }
        ASSERT_TRUE(worst < 1e-5);
        mc_fft_destroy(fw);
        mc_fft_destroy(bw);
        free(x);
    }
}

TEST(wisdom_round_trip)
{
    const char *path = mc_test_tmp_path("wisdom.txt");
    char copy[600];
    snprintf(copy, sizeof copy, "%s", path);
    /* A measured plan leaves wisdom behind. */
    mc_fft *f = make(4096, MC_FFT_R2C, 1);
    ASSERT_STATUS(mc_fft_export_wisdom(copy), MC_OK);
    FILE *fp = fopen(copy, "r");
    ASSERT_TRUE(fp != NULL);
    char head[64] = {0};
    ASSERT_TRUE(fgets(head, sizeof head, fp) != NULL);
    fclose(fp);
    ASSERT_TRUE(strstr(head, "fftwf_wisdom") != NULL);
    ASSERT_STATUS(mc_fft_import_wisdom(copy), MC_OK);
    /* A measured plan of the same size now comes from the wisdom. */
    mc_fft *g = make(4096, MC_FFT_R2C, 1);
    mc_fft_destroy(g);
    mc_fft_destroy(f);

    ASSERT_STATUS(mc_fft_import_wisdom(mc_test_tmp_path("missing.txt")), MC_ENOTFOUND);
    const char *junk = mc_test_tmp_path("junk.txt");
    fp = fopen(junk, "w");
    ASSERT_TRUE(fp != NULL);
    fputs("(not wisdom at all\n", fp);
    fclose(fp);
    ASSERT_STATUS(mc_fft_import_wisdom(junk), MC_ENOTFOUND);
    ASSERT_STATUS(mc_fft_export_wisdom(mc_test_tmp_path("no/such/dir/w.txt")), MC_EIO);
}

/* ---- FFT-2: concurrent plans ---- */

enum { N_THREADS = 8, CONC_N = 3000, CONC_ROUNDS = 20 };

typedef struct conc_job {
    pthread_barrier_t *barrier;
    float *result; /* [CONC_ROUNDS * 2 (CONC_N / 2 + 1)] R2C then [CONC_ROUNDS * 2 CONC_N] C2C */
    mc_status st;
} conc_job;

static void conc_input(float *in, size_t n, int round, int complex_input)
{
    for (size_t t = 0; t < (complex_input ? 2 * n : n); t++)
        in[t] = (float)sin(0.001 * (double)(t * (size_t)(round + 3)) + 0.1 * round);
}

static void *conc_thread(void *arg)
{
    conc_job *job = arg;
    const size_t nr = 2 * (CONC_N / 2 + 1), nc = 2 * CONC_N;
    mc_fft *r = NULL, *c = NULL;
    pthread_barrier_wait(job->barrier); /* all threads plan at once: only the lock orders them */
    job->st = mc_fft_create(&(mc_fft_config){.n = CONC_N, .kind = MC_FFT_R2C}, &r);
    if (job->st == MC_OK)
        job->st = mc_fft_create(&(mc_fft_config){.n = CONC_N, .kind = MC_FFT_C2C_FORWARD}, &c);
    pthread_barrier_wait(job->barrier); /* then all execute at once */
    if (job->st == MC_OK) {
        for (int round = 0; round < CONC_ROUNDS; round++) {
            conc_input(mc_fft_get_input(r), CONC_N, round, 0);
            mc_fft_process(r);
            memcpy(job->result + (size_t)round * nr, mc_fft_get_output(r), nr * sizeof(float));
            conc_input(mc_fft_get_input(c), CONC_N, round, 1);
            mc_fft_process(c);
            memcpy(job->result + CONC_ROUNDS * nr + (size_t)round * nc, mc_fft_get_output(c),
                   nc * sizeof(float));
        }
    }
    mc_fft_destroy(r); /* destroyed concurrently too, under the lock */
    mc_fft_destroy(c);
    return NULL;
}

TEST(concurrent_plans_identical)
{
    const size_t per = CONC_ROUNDS * (2 * (CONC_N / 2 + 1) + 2 * CONC_N);
    pthread_barrier_t barrier;
    ASSERT_EQ_INT(pthread_barrier_init(&barrier, NULL, N_THREADS), 0);
    conc_job jobs[N_THREADS];
    pthread_t tid[N_THREADS];
    for (int i = 0; i < N_THREADS; i++) {
        jobs[i] = (conc_job){.barrier = &barrier, .result = calloc(per, sizeof(float))};
        ASSERT_TRUE(jobs[i].result != NULL);
        ASSERT_EQ_INT(pthread_create(&tid[i], NULL, conc_thread, &jobs[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++)
        ASSERT_EQ_INT(pthread_join(tid[i], NULL), 0);
    pthread_barrier_destroy(&barrier);

    /* The reference, computed alone on this thread afterwards. */
    const size_t nr = 2 * (CONC_N / 2 + 1), nc = 2 * CONC_N;
    float *ref = calloc(per, sizeof(float));
    ASSERT_TRUE(ref != NULL);
    mc_fft *r = make(CONC_N, MC_FFT_R2C, 0), *c = make(CONC_N, MC_FFT_C2C_FORWARD, 0);
    for (int round = 0; round < CONC_ROUNDS; round++) {
        conc_input(mc_fft_get_input(r), CONC_N, round, 0);
        mc_fft_process(r);
        memcpy(ref + (size_t)round * nr, mc_fft_get_output(r), nr * sizeof(float));
        conc_input(mc_fft_get_input(c), CONC_N, round, 1);
        mc_fft_process(c);
        memcpy(ref + CONC_ROUNDS * nr + (size_t)round * nc, mc_fft_get_output(c),
               nc * sizeof(float));
    }
    mc_fft_destroy(r);
    mc_fft_destroy(c);
    for (int i = 0; i < N_THREADS; i++) {
        ASSERT_STATUS(jobs[i].st, MC_OK);
        ASSERT_TRUE(memcmp(jobs[i].result, ref, per * sizeof(float)) == 0);
        free(jobs[i].result);
    }
    free(ref);
}
