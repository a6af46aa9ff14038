/* SPDX-License-Identifier: MIT */
/* tests/bench/bench_dsp.c: throughput of the streaming analysers (dsp/ppg.h, ldf.h, nirs.h,
 * pco2.h) on simulated data (acquisition/sim.h, default model parameters), against a scipy
 * reference measured in the same run on the same samples (tests/bench/bench_dsp_welch.py, run
 * as a child with /usr/bin/python3; the samples go through a raw float32 file in our own
 * temporary folder, removed afterwards).
 *
 * 1. PPG, 24 h at 250 Hz, the full analyser with defaults (band-pass, beats, PI, HR, PVI, SQI,
 *    sliding 8 s / 1 s periodogram), mc_analyser_process over the whole record on one core,
 *    against scipy.signal.welch on every 8 s window (1 s hop, nperseg = window) ALONE.
 *    Target (issue): >= 20x scipy and >= 100 M samples/s.
 * 2. LDF, 24 h at 32 Hz, the analyser with wavelet=1 (default) and wavelet=0, against ONE
 *    scipy.signal.welch call over the record (nperseg = the analyser's longest Welch segment at
 *    the original rate, detrend='linear'). Target (issue): >= 10x scipy.
 * 3. Per-hop cost of every analyser: PPG at 100/125/250/500 Hz, LDF at 32 Hz with and without
 *    the wavelet, NIRS and PCO2 at 1 Hz: ns per sample, us per hop, and the hop's own computation
 *    (the push of the hop's last frame) apart from the per-sample streaming.
 * 0. (printed first) The creation cost of the same analysers (allocation and FFTW planning:
 *    FFTW_ESTIMATE plans, no wisdom), cold and warm, apart from execution.
 *
 * Every timed run follows a warm-up run of a throwaway analyser over the start of the same data.
 * Times are wall clock (CLOCK_MONOTONIC) with the thread's CPU time alongside; the load average is
 * printed before and after, since other work on the machine inflates wall times on both sides.
 * Sizes are fixed; the first argument scales the data durations (default 1) for quick local runs.
 * The bench reports PASS/MISS and fails only when something breaks (an analyser or the simulator
 * refuses, a row is missing); a missing python or scipy makes the ratios "n/a".
 *
 * usage: bench_dsp [scale] */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "acquisition/sim.h"
#include "dsp/analyser.h"
#include "dsp/features.h"
#include "dsp/ldf.h"
#include "dsp/nirs.h"
#include "dsp/pco2.h"
#include "dsp/ppg.h"
#include "dsp/welch.h"

#ifndef MC_BENCH_PYTHON
#define MC_BENCH_PYTHON "/usr/bin/python3"
#endif
#ifndef MC_BENCH_WELCH_PY
#define MC_BENCH_WELCH_PY "bench_dsp_welch.py"
#endif

static const double ppg_target_ratio = 20.0, ppg_target_rate = 100e6, ldf_target_ratio = 10.0;

static double scale = 1.0; /* data durations x scale */
static char dir[512];      /* our own temporary folder */
static char data_path[600];

/* ---- helpers ------------------------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void) /* this thread's CPU time */
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void cleanup(void)
{
    if (data_path[0])
        unlink(data_path);
    if (dir[0])
        rmdir(dir);
}

/* An interrupted run (^C, a closed pipe, a kill by the test driver's timeout other than
 * SIGKILL) removes its temporary file too: unlink and rmdir are async-signal-safe. */
static void on_signal(int sig)
{
    cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "bench_dsp: FAILED: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    cleanup();
    exit(1);
}

static void print_load(const char *when)
{
    double l1 = -1, l5 = -1, l15 = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) != 3)
            l1 = l5 = l15 = -1;
        fclose(f);
    }
    printf("  load average %s: %.2f %.2f %.2f (1/5/15 min) on %ld online CPUs\n", when, l1, l5, l15,
           sysconf(_SC_NPROCESSORS_ONLN));
    fflush(stdout);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* q-quantile (0..1) of v[n], sorting v in place; NaN when n == 0. */
static double quantile(double *v, size_t n, double q)
{
    if (n == 0)
        return (double)NAN;
    qsort(v, n, sizeof *v, cmp_double);
    size_t k = (size_t)floor(q * (double)(n - 1) + 0.5);
    return v[k < n ? k : n - 1];
}

/* ---- data --------------------------------------------------------------------------------- */

/* Channel 0 (the IR intensity for ppg) of `seconds` of a model at `rate_hz`, defaults otherwise. */
static float *simulate(const char *model, double rate_hz, double seconds, size_t *n_out)
{
    char rate[32];
    snprintf(rate, sizeof rate, "%g", rate_hz);
    const mc_kv kv[] = {{"rate", rate}, {"seed", "12345"}};
    mc_sim *sim = NULL;
    mc_diag d;
    if (mc_sim_create(model, model, kv, 2, &d, &sim) != MC_OK)
        fail("mc_sim_create", d.message);
    const size_t n = (size_t)llround(seconds * rate_hz);
    const size_t n_ch = mc_sim_get_info(sim)->n_channels, block = 65536;
    float *x = malloc((n > 0 ? n : 1) * sizeof *x), *buf = malloc(block * n_ch * sizeof *buf);
    if (!x || !buf)
        fail("simulate", "out of memory");
    for (size_t i = 0; i < n; i += block) {
        size_t m = n - i < block ? n - i : block;
        (void)mc_sim_read(sim, m, buf, NULL);
        for (size_t k = 0; k < m; k++)
            x[i + k] = buf[k * n_ch];
    }
    free(buf);
    mc_sim_destroy(sim);
    *n_out = n;
    return x;
}

static void write_data(const float *x, size_t n)
{
    FILE *f = fopen(data_path, "wb");
    if (!f || fwrite(x, sizeof *x, n, f) != n || fclose(f) != 0)
        fail("cannot write the samples for scipy", strerror(errno));
}

/* ---- analysers ---------------------------------------------------------------------------- */

typedef enum kind { K_PPG, K_LDF, K_LDF_NOWAVELET, K_NIRS, K_PCO2 } kind;

static mc_analyser *make(kind k, double fs)
{
    mc_analyser *a = NULL;
    mc_diag d;
    mc_status st = MC_OK;
    memset(&d, 0, sizeof d);
    switch (k) {
    case K_PPG: {
        mc_ppg_config c = mc_ppg_config_default();
        st = mc_ppg_analyser_create(&c, fs, 1, 0, "finger", &d, &a);
        break;
    }
    case K_LDF:
    case K_LDF_NOWAVELET: {
        mc_ldf_config c = mc_ldf_config_default();
        if (k == K_LDF_NOWAVELET && mc_ldf_config_set(&c, "wavelet", "0", &d) != MC_OK)
            fail("mc_ldf_config_set wavelet=0", d.message);
        st = mc_ldf_analyser_create(&c, fs, 1, 0, &d, &a);
        break;
    }
    case K_NIRS: {
        mc_nirs_config c = mc_nirs_config_default();
        st = mc_nirs_analyser_create(&c, fs, 1, 0, &d, &a);
        break;
    }
    case K_PCO2: {
        mc_pco2_config c = mc_pco2_config_default();
        st = mc_pco2_analyser_create(&c, fs, 1, 0, &d, &a);
        break;
    }
    }
    if (st != MC_OK || !a)
        fail("analyser create", d.message);
    return a;
}

/* Frames of the first row and of every hop after it, from the defaults. */
static void row_grid(kind k, double fs, size_t *first, size_t *hop)
{
    mc_ppg_config p = mc_ppg_config_default();
    mc_ldf_config l = mc_ldf_config_default();
    mc_nirs_config n = mc_nirs_config_default();
    mc_pco2_config c = mc_pco2_config_default();
    double hop_s = k == K_PPG ? p.hop_s : k == K_NIRS ? n.hop_s : k == K_PCO2 ? c.hop_s : l.hop_s;
    *hop = (size_t)llround(hop_s * fs);
    if (*hop < 1)
        *hop = 1;
    *first = k == K_PPG ? (size_t)llround(p.window_s * fs) : *hop;
}

/* A value of the analyser's parameter text ("... key=value ..."), as a number; NaN if absent. */
static double parameter(const mc_analyser *a, const char *key)
{
    const char *p = mc_analyser_get_parameters(a);
    size_t len = strlen(key);
    for (const char *q = p; (q = strstr(q, key)) != NULL; q++)
        if ((q == p || q[-1] == ' ') && q[len] == '=')
            return strtod(q + len + 1, NULL);
    return (double)NAN;
}

/* The longest Welch segment of an LDF analyser, in decimated samples ("segment_samples=a,b..."). */
static size_t ldf_longest_segment(const mc_analyser *a)
{
    const char *p = strstr(mc_analyser_get_parameters(a), "segment_samples=");
    size_t best = 0;
    if (!p)
        return 0;
    p += strlen("segment_samples=");
    while (*p && *p != ' ') {
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (end != p && v > best)
            best = v;
        p = end;
        while (*p && *p != ',' && *p != ' ')
            p++;
        if (*p == ',')
            p++;
    }
    return best;
}

/* What the rows said: count, OK values per feature and their mean (the data is realistic). */
typedef struct tally {
    size_t n_rows, n_features;
    size_t n_ok[32];
    double sum_ok[32];
    double *t; /* [cap] wall time at each row, or NULL */
    size_t cap;
    int64_t last_end;
} tally;

static void count_row(void *ctx, const mc_analysis_row *row)
{
    tally *t = ctx;
    if (t->t && t->n_rows < t->cap)
        t->t[t->n_rows] = now_s();
    t->n_features = row->n_features < 32 ? row->n_features : 32;
    for (size_t k = 0; k < t->n_features; k++)
        if (row->status[k] == MC_FS_OK) {
            t->n_ok[k]++;
            t->sum_ok[k] += (double)row->value[k];
        }
    t->last_end = row->end_index;
    t->n_rows++;
}

static void print_tally(const mc_analyser *a, const tally *t, size_t n_show)
{
    printf("    rows %zu, OK (mean):", t->n_rows);
    for (size_t k = 0; k < t->n_features && k < n_show; k++) {
        const mc_feature_def *f = mc_analyser_get_feature(a, k);
        printf(" %s %.0f%% (%.3g)", f ? f->name : "?",
               t->n_rows ? 100.0 * (double)t->n_ok[k] / (double)t->n_rows : 0.0,
               t->n_ok[k] ? t->sum_ok[k] / (double)t->n_ok[k] : (double)NAN);
    }
    printf("\n");
}

typedef struct run_result {
    double wall_s, cpu_s, create_s;
    size_t n, n_rows;
    double hop_p50_us, hop_p99_us, hop_max_us; /* wall between consecutive rows */
} run_result;

/* One analyser over x[n] with mc_analyser_process (the offline loop), after a warm-up run of a
 * throwaway analyser over the first warm_n frames. */
static run_result run_process(kind k, double fs, const float *x, size_t n, size_t warm_n,
                              tally *t_out)
{
    run_result r;
    memset(&r, 0, sizeof r);
    tally t;
    memset(&t, 0, sizeof t);
    mc_analyser *w = make(k, fs);
    mc_analyser_process(w, x, NULL, warm_n < n ? warm_n : n, 1, count_row, &t);
    mc_analyser_destroy(w);

    size_t first, hop;
    row_grid(k, fs, &first, &hop);
    memset(&t, 0, sizeof t);
    t.cap = n >= first ? (n - first) / hop + 2 : 1;
    t.t = malloc(t.cap * sizeof *t.t);
    if (!t.t)
        fail("run", "out of memory");
    double c0 = now_s();
    mc_analyser *a = make(k, fs);
    r.create_s = now_s() - c0;
    double w0 = now_s(), u0 = cpu_s();
    mc_analyser_process(a, x, NULL, n, 1, count_row, &t);
    r.cpu_s = cpu_s() - u0;
    r.wall_s = now_s() - w0;
    r.n = n;
    r.n_rows = t.n_rows;
    size_t expect = n >= first ? (n - first) / hop + 1 : 0;
    if (t.n_rows != expect) {
        char msg[128];
        snprintf(msg, sizeof msg, "%zu rows, expected %zu", t.n_rows, expect);
        fail("analyser rows", msg);
    }
    /* Per-hop wall times between consecutive rows (the hop's frames plus its computation). */
    size_t m = t.n_rows < t.cap ? t.n_rows : t.cap;
    for (size_t i = 0; i + 1 < m; i++)
        t.t[i] = (t.t[i + 1] - t.t[i]) * 1e6;
    if (m > 1) {
        r.hop_p50_us = quantile(t.t, m - 1, 0.5);
        r.hop_p99_us = quantile(t.t, m - 1, 0.99);
        r.hop_max_us = t.t[m - 2];
    }
    if (t_out) {
        *t_out = t;
        t_out->t = NULL;
        t_out->n_features = mc_analyser_get_n_features(a);
    }
    free(t.t);
    mc_analyser_destroy(a);
    return r;
}

/* ---- the scipy child ---------------------------------------------------------------------- */

typedef struct py_result {
    int ok;
    double wall_s, cpu_s, median_wall_s;
    long windows, total_windows;
    char versions[160];
} py_result;

static double field(const char *line, const char *key)
{
    const char *p = strstr(line, key);
    return p ? strtod(p + strlen(key), NULL) : (double)NAN;
}

/* Runs python3 bench_dsp_welch.py args... and parses its line; ok = 0 (reason printed) when
 * python or scipy is missing or the script fails: the reference is then n/a, not an error. */
static py_result run_python(const char *const *args)
{
    py_result r;
    memset(&r, 0, sizeof r);
    const char *argv[16];
    size_t n = 0;
    argv[n++] = MC_BENCH_PYTHON;
    argv[n++] = MC_BENCH_WELCH_PY;
    for (size_t i = 0; args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int fd[2];
    if (pipe(fd) != 0)
        fail("pipe", strerror(errno));
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        fail("fork", strerror(errno));
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], STDOUT_FILENO);
        close(fd[1]);
        /* execv takes char *const[]; the strings are never written by the child. */
        execv(argv[0], (char *const *)(uintptr_t)argv);
        fprintf(stderr, "bench_dsp: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fd[1]);
    char line[1024];
    size_t used = 0;
    ssize_t got;
    while (used + 1 < sizeof line &&
           (got = read(fd[0], line + used, sizeof line - 1 - used)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            break;
        used += (size_t)got;
    }
    line[used] = '\0';
    close(fd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !strstr(line, "wall_s=")) {
        printf("    scipy reference unavailable (%s %s exited with %d): ratios n/a\n",
               MC_BENCH_PYTHON, MC_BENCH_WELCH_PY,
               WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
        return r;
    }
    r.ok = 1;
    r.wall_s = field(line, "wall_s=");
    r.cpu_s = field(line, "cpu_s=");
    r.median_wall_s = field(line, "median_wall_s=");
    r.windows = (long)field(line, "windows=");
    r.total_windows = (long)field(line, "total_windows=");
    const char *v = strstr(line, "python=");
    if (v) {
        snprintf(r.versions, sizeof r.versions, "%s", v);
        r.versions[strcspn(r.versions, "\n")] = '\0';
    }
    return r;
}

static void print_run(const char *label, const run_result *r, double fs)
{
    double data_s = (double)r->n / fs;
    printf("  %-34s %10.0f %8.2f %8.2f %11.3f %9.1f %11.0f %8.1f", label, data_s, r->wall_s,
           r->cpu_s, (double)r->n / r->wall_s / 1e6, r->wall_s / (double)r->n * 1e9,
           data_s / r->wall_s, r->wall_s / (double)r->n_rows * 1e6);
    if (r->hop_max_us > 0)
        printf(" %8.1f %8.1f", r->hop_p99_us, r->hop_max_us);
    printf("\n");
    fflush(stdout);
}

static void print_run_header(void)
{
    printf("  %-34s %10s %8s %8s %11s %9s %11s %8s %8s %8s\n", "run", "data_s", "wall_s", "cpu_s",
           "Msamples/s", "ns/sample", "xrealtime", "us/hop", "p99_us", "max_us");
}

/* ---- 1. PPG 24 h ---------------------------------------------------------------------------- */

static void bench_ppg_day(void)
{
    const double fs = 250, seconds = 86400 * scale;
    printf("\n1. PPG, %.0f s (%.1f h) at %.0f Hz, simulated (mc_sim ppg defaults: hr 75, pi 2 %%, "
           "resp 14/min, noise 0.01 AC), channel ir\n",
           seconds, seconds / 3600, fs);
    size_t n;
    double g0 = now_s();
    float *x = simulate("ppg", fs, seconds, &n);
    printf("  simulated %zu samples in %.2f s\n", n, now_s() - g0);

    /* Our side: the full analyser with defaults (8 s window, 1 s hop, nfft 8192). */
    print_run_header();
    tally t;
    run_result r = run_process(K_PPG, fs, x, n, (size_t)(120 * fs), &t);
    print_run("mc_ppg (full analyser, defaults)", &r, fs);
    mc_analyser *a = make(K_PPG, fs);
    print_tally(a, &t, MC_PPG_N_FEATURES);
    printf("    parameters: %s\n", mc_analyser_get_parameters(a));

    /* Context: the sliding periodogram alone in our library, as the analyser configures it
     * (Hann window of 8 s, hop 1 s, K 1, mean detrend, nfft 4 nextpow2) and at scipy's nfft
     * (= the window). */
    size_t n_win, n_hop;
    row_grid(K_PPG, fs, &n_win, &n_hop);
    const size_t nfft = (size_t)parameter(a, "nfft");
    mc_analyser_destroy(a);
    for (int pass = 0; pass < 2; pass++) {
        mc_welch_config wc = mc_welch_config_default(fs, n_win);
        wc.seg_hop = n_hop;
        wc.n_segments = 1;
        wc.nfft = pass == 0 ? nfft : n_win;
        mc_welch *w = NULL;
        double c0 = now_s();
        if (mc_welch_create(&wc, &w) != MC_OK)
            fail("mc_welch_create", NULL);
        double create = now_s() - c0;
        double *psd = malloc(mc_welch_get_n_bins(w) * sizeof *psd);
        if (!psd)
            fail("welch", "out of memory");
        (void)mc_welch_push(w, x, n < 60000 ? n : 60000); /* warm-up */
        mc_welch_reset(w);
        double w0 = now_s(), u0 = cpu_s();
        size_t segs = 0;
        for (size_t i = 0; i < n;) {
            size_t m = mc_welch_get_to_next_segment(w);
            if (m > n - i)
                m = n - i;
            if (mc_welch_push(w, x + i, m) > 0) {
                (void)mc_welch_get_psd(w, psd, NULL);
                segs++;
            }
            i += m;
        }
        run_result q = {now_s() - w0, cpu_s() - u0, create, n, segs, 0, 0, 0};
        char label[64];
        snprintf(label, sizeof label, "mc_welch alone, nfft %zu", wc.nfft);
        print_run(label, &q, fs);
        free(psd);
        mc_welch_destroy(w);
    }

    /* scipy: welch per 8 s window, 1 s hop, nperseg = window, on the same samples. */
    write_data(x, n);
    char fs_s[32], max_s[32], win_s[32], hop_s[32], nfft_s[32];
    snprintf(fs_s, sizeof fs_s, "%g", fs);
    snprintf(win_s, sizeof win_s, "%zu", n_win);
    snprintf(hop_s, sizeof hop_s, "%zu", n_hop);
    snprintf(nfft_s, sizeof nfft_s, "%zu", nfft);
    const char *args[] = {"sliding", data_path, fs_s, win_s, hop_s, "0", NULL};
    py_result py = run_python(args);
    snprintf(max_s, sizeof max_s, "%.0f", 7200.0 * scale); /* first 2 h, for information */
    const char *args2[] = {"sliding", data_path, fs_s, win_s, hop_s, max_s, nfft_s, NULL};
    py_result py2 = py.ok ? run_python(args2) : py;
    unlink(data_path);
    free(x);
    if (!py.ok)
        return;
    double f = (double)py.total_windows / (double)py.windows; /* 1 when all were timed */
    double py_wall = py.wall_s * f, py_rate = (double)n / py_wall;
    char label[64];
    snprintf(label, sizeof label, "scipy welch per window (nfft %zu)", n_win);
    printf("  %-34s %10.0f %8.2f %8.2f %11.3f %9.1f %11.0f %8.1f   (%ld of %ld windows timed%s)\n",
           label, (double)n / fs, py_wall, py.cpu_s * f, py_rate / 1e6, py_wall / (double)n * 1e9,
           (double)n / fs / py_wall, py.wall_s / (double)py.windows * 1e6, py.windows,
           py.total_windows, f > 1.0 ? ", scaled" : "");
    snprintf(label, sizeof label, "scipy welch per window, nfft %zu", nfft);
    if (py2.ok)
        printf("  %-34s %10s %8s %8s %11.3f %9.1f %11s %8.1f   (first %ld windows, info)\n", label,
               "", "", "", (double)py2.windows * (double)n_hop / py2.wall_s / 1e6,
               py2.wall_s / ((double)py2.windows * (double)n_hop) * 1e9, "",
               py2.wall_s / (double)py2.windows * 1e6, py2.windows);
    printf("  %s\n", py.versions);
    double ours = (double)n / r.wall_s, ratio = ours / py_rate;
    printf("  PPG %.1f h: ours %.3f M samples/s (%.1f ns/sample, %.0fx real time), scipy sliding "
           "Welch alone %.3f M samples/s: ratio %.2fx (CPU-time ratio %.2fx)\n",
           (double)n / fs / 3600, ours / 1e6, 1e9 / ours, (double)n / fs / r.wall_s, py_rate / 1e6,
           ratio, (py.cpu_s * f) / r.cpu_s);
    printf("  %s PPG target ratio >= %.0fx (needs <= %.2f s for the record)\n",
           ratio >= ppg_target_ratio ? "PASS" : "MISS", ppg_target_ratio,
           py_wall / ppg_target_ratio);
    printf("  %s PPG target rate >= %.0f M samples/s (needs <= %.2f s, %.1f ns/sample)\n",
           ours >= ppg_target_rate ? "PASS" : "MISS", ppg_target_rate / 1e6,
           (double)n / ppg_target_rate, 1e9 / ppg_target_rate);
}

/* ---- 2. LDF 24 h ---------------------------------------------------------------------------- */

static void bench_ldf_day(void)
{
    const double fs = 32, seconds = 86400 * scale;
    printf("\n2. LDF, %.0f s (%.1f h) at %.0f Hz, simulated (mc_sim ldf defaults: pu 20, six band "
           "oscillations, noise 0.2 PU)\n",
           seconds, seconds / 3600, fs);
    size_t n;
    double g0 = now_s();
    float *x = simulate("ldf", fs, seconds, &n);
    printf("  simulated %zu samples in %.2f s\n", n, now_s() - g0);
    print_run_header();
    const size_t warm = (size_t)(25 * 60 * fs); /* past the first CWT (22 min) */
    tally t1, t0;
    run_result r1 = run_process(K_LDF, fs, x, n, warm, &t1);
    print_run("mc_ldf wavelet=1 (default)", &r1, fs);
    mc_analyser *a = make(K_LDF, fs);
    print_tally(a, &t1, 7);
    run_result r0 = run_process(K_LDF_NOWAVELET, fs, x, n, warm, &t0);
    print_run("mc_ldf wavelet=0", &r0, fs);
    print_tally(a, &t0, 7);
    size_t decim = (size_t)parameter(a, "decimation"), seg = ldf_longest_segment(a);
    size_t nperseg = seg * (decim > 0 ? decim : 1);
    if (nperseg == 0)
        fail("ldf parameters", "no segment_samples");
    printf("    parameters: %s\n", mc_analyser_get_parameters(a));
    mc_analyser_destroy(a);

    /* Context: the same single Welch estimate in our library (mc_welch, K = 0: one cumulative
     * estimate over the record, Hann, 50 % overlap, linear detrend, FFTW_ESTIMATE plan). */
    {
        mc_welch_config wc = mc_welch_config_default(fs, nperseg);
        wc.detrend = MC_DETREND_LINEAR;
        mc_welch *w = NULL;
        double c0 = now_s();
        if (mc_welch_create(&wc, &w) != MC_OK)
            fail("mc_welch_create", NULL);
        double create = now_s() - c0;
        double *psd = malloc(mc_welch_get_n_bins(w) * sizeof *psd);
        if (!psd)
            fail("welch", "out of memory");
        (void)mc_welch_push(w, x, n < 4 * nperseg ? n : 4 * nperseg); /* warm-up */
        mc_welch_reset(w);
        double w0 = now_s(), u0 = cpu_s();
        size_t segs = mc_welch_push(w, x, n);
        (void)mc_welch_get_psd(w, psd, NULL);
        run_result q = {now_s() - w0, cpu_s() - u0, create, n, segs > 0 ? segs : 1, 0, 0, 0};
        print_run("mc_welch alone, one estimate", &q, fs);
        printf("    (%zu segments of %zu, plan %.0f us; us/hop column = us per segment)\n", segs,
               nperseg, create * 1e6);
        free(psd);
        mc_welch_destroy(w);
    }

    write_data(x, n);
    free(x);
    char fs_s[32], nps[32];
    snprintf(fs_s, sizeof fs_s, "%g", fs);
    snprintf(nps, sizeof nps, "%zu", nperseg);
    const char *args[] = {"whole", data_path, fs_s, nps, "linear", "3", NULL};
    py_result py = run_python(args);
    unlink(data_path);
    if (!py.ok)
        return;
    printf("  %-34s %10.0f %8.3f %8.3f %11.3f %9.1f %11.0f   (fastest of 3; median %.3f s)\n",
           "scipy welch, one call", (double)n / fs, py.wall_s, py.cpu_s,
           (double)n / py.wall_s / 1e6, py.wall_s / (double)n * 1e9, (double)n / fs / py.wall_s,
           py.median_wall_s);
    printf("    nperseg %zu (= longest segment %zu decimated samples x decimation %zu), "
           "noverlap %zu, detrend linear, Hann; %s\n",
           nperseg, seg, decim, nperseg / 2, py.versions);
    for (int w = 1; w >= 0; w--) {
        const run_result *r = w ? &r1 : &r0;
        double ratio = py.wall_s / r->wall_s;
        printf("  %s LDF wavelet=%d: ours %.3f s vs scipy %.3f s: ratio %.3fx (target >= %.0fx, "
               "needs <= %.4f s; CPU-time ratio %.3fx)\n",
               ratio >= ldf_target_ratio ? "PASS" : "MISS", w, r->wall_s, py.wall_s, ratio,
               ldf_target_ratio, py.wall_s / ldf_target_ratio, py.cpu_s / r->cpu_s);
    }
}

/* ---- 3. per hop ------------------------------------------------------------------------------ */

typedef struct split_result {
    double wall_s, cpu_s, stream_s, hop_s;
    size_t n, n_hops, misaligned;
    double hop_p50_us, hop_p99_us, hop_max_us;
} split_result;

/* Pushes each hop's frames but the last in one go (the streaming part), then the last frame
 * alone (which computes the row), timing the two apart. The rows are the same as with any other
 * blocking (analyser.h). */
static split_result run_split(kind k, double fs, const float *x, size_t n)
{
    split_result r;
    memset(&r, 0, sizeof r);
    size_t first, hop;
    row_grid(k, fs, &first, &hop);
    size_t cap = n / hop + 2;
    double *hop_t = malloc(cap * sizeof *hop_t);
    if (!hop_t)
        fail("split", "out of memory");
    mc_analyser *a = make(k, fs);
    mc_analysis_row row;
    size_t pos = 0, next = first; /* next: end_index of the next row */
    double w0 = now_s(), u0 = cpu_s();
    while (pos < n) {
        size_t stop = next - 1 < n ? next - 1 : n;
        if (pos < stop) {
            double t0 = now_s();
            while (pos < stop) {
                size_t used = mc_analyser_push(a, x + pos, NULL, stop - pos);
                pos += used;
                int popped = 0;
                while (mc_analyser_pop(a, &row)) {
                    r.misaligned++;
                    next = (size_t)row.end_index + hop;
                    popped = 1;
                }
                if (used == 0 && !popped)
                    fail("split", "push consumed nothing");
                if (popped)
                    break;
            }
            r.stream_s += now_s() - t0;
            continue;
        }
        double t0 = now_s();
        size_t used = mc_analyser_push(a, x + pos, NULL, 1);
        int popped = 0;
        while (mc_analyser_pop(a, &row)) {
            next = (size_t)row.end_index + hop;
            popped = 1;
        }
        double dt = now_s() - t0;
        if (used == 0)
            fail("split", "push consumed nothing");
        pos += used;
        if (popped) {
            r.hop_s += dt;
            if (r.n_hops < cap)
                hop_t[r.n_hops] = dt * 1e6;
            r.n_hops++;
        } else {
            r.misaligned++;
            r.stream_s += dt;
            next = pos + 1;
        }
    }
    r.cpu_s = cpu_s() - u0;
    r.wall_s = now_s() - w0;
    r.n = n;
    mc_analyser_destroy(a);
    size_t m = r.n_hops < cap ? r.n_hops : cap;
    r.hop_p50_us = quantile(hop_t, m, 0.5);
    r.hop_p99_us = quantile(hop_t, m, 0.99);
    r.hop_max_us = m ? hop_t[m - 1] : (double)NAN;
    free(hop_t);
    return r;
}

typedef struct hop_case {
    const char *label;
    const char *model;
    kind k;
    double fs, seconds, warm_s;
    int reps; /* runs; the median wall is reported */
} hop_case;

/* Creation (planning) cost, cold (the first of its configuration in this process) and warm (the
 * median of the next ones), and destruction. */
static void creation(const hop_case *c, double *cold_us, double *warm_us, double *destroy_us)
{
    enum { N = 15 };
    double t[N], dt[N];
    for (int i = 0; i < N; i++) {
        double t0 = now_s();
        mc_analyser *a = make(c->k, c->fs);
        double t1 = now_s();
        mc_analyser_destroy(a);
        t[i] = (t1 - t0) * 1e6;
        dt[i] = (now_s() - t1) * 1e6;
    }
    *cold_us = t[0];
    *warm_us = quantile(t + 1, N - 1, 0.5);
    *destroy_us = quantile(dt + 1, N - 1, 0.5);
}

/* Durations: 0.5-3 s of work each on the 2-core reference VM (LDF with the CWT: 98 CWT hops;
 * NIRS and PCO2 are so cheap that the median of 5 runs is taken). */
static const hop_case cases[] = {
    {"ppg 100 Hz", "ppg", K_PPG, 100, 1800, 60, 1},
    {"ppg 125 Hz", "ppg", K_PPG, 125, 1800, 60, 1},
    {"ppg 250 Hz", "ppg", K_PPG, 250, 1800, 60, 1},
    {"ppg 500 Hz", "ppg", K_PPG, 500, 1800, 60, 1},
    {"ldf 32 Hz wavelet=0", "ldf", K_LDF_NOWAVELET, 32, 7200, 1500, 1},
    {"ldf 32 Hz wavelet=1", "ldf", K_LDF, 32, 7200, 1500, 1},
    {"nirs 1 Hz", "nirs", K_NIRS, 1, 86400, 3600, 5},
    {"pco2 1 Hz", "pco2", K_PCO2, 1, 86400, 3600, 5},
};
enum { N_CASES = sizeof cases / sizeof cases[0] };

/* Run first, so that "cold" is the first analyser of its configuration in the process: FFTW
 * keeps what it planned for a size, and a later plan of the same size is cheap. */
static void bench_creation(void)
{
    printf("\n0. Creation cost (mc_<x>_analyser_create: allocation + FFTW_ESTIMATE plans, no "
           "wisdom), apart from execution: the first of its configuration in this process "
           "(cold, includes FFTW planning of sizes not planned before) and the median of 14 "
           "more (warm: FFTW reuses its plans); destroy = median of mc_analyser_destroy\n");
    printf("  %-20s %10s %10s %10s   %s\n", "analyser", "cold_us", "warm_us", "destroy_us",
           "FFT sizes");
    for (size_t i = 0; i < N_CASES; i++) {
        double cold, warm, destroy;
        creation(&cases[i], &cold, &warm, &destroy);
        mc_analyser *a = make(cases[i].k, cases[i].fs);
        char sizes[96] = "none";
        if (cases[i].k == K_PPG)
            snprintf(sizes, sizeof sizes, "R2C %.0f (periodogram)", parameter(a, "nfft"));
        else if (cases[i].k == K_LDF || cases[i].k == K_LDF_NOWAVELET) {
            const char *p = strstr(mc_analyser_get_parameters(a), "segment_samples=");
            snprintf(sizes, sizeof sizes, "R2C %.*s (Welch)%s", p ? (int)strcspn(p + 16, " ") : 1,
                     p ? p + 16 : "?", cases[i].k == K_LDF ? " + CWT R2C and C2C" : "");
        }
        mc_analyser_destroy(a);
        printf("  %-20s %10.1f %10.1f %10.1f   %s\n", cases[i].label, cold, warm, destroy, sizes);
    }
    printf("  (ppg 125 Hz plans the same 4096 as ppg 100 Hz, and ldf wavelet=1 the same Welch "
           "sizes as wavelet=0: their cold figures exclude that planning)\n");
    fflush(stdout);
}

static void bench_hops(void)
{
    printf("\n3. Per-hop cost of execution (defaults: ppg window 8 s hop 1 s; ldf window 30 min "
           "hop 60 s; nirs hop 1 s window 5 s; pco2 hop 1 s, 10 s / 600 s)\n");
    printf("  each hop's frames but the last pushed at once (stream), then the last frame alone "
           "(hop: computes the row); after a warm-up run over the start of the data\n");
    printf("  %-20s %8s %8s %8s %10s %9s %10s %9s %9s %9s %9s %11s\n", "analyser", "data_s",
           "hop_fr", "wall_s", "ns/sample", "us/hop", "stream_ns", "hop_us", "hop_p50", "hop_p99",
           "hop_max", "xrealtime");
    for (size_t i = 0; i < N_CASES; i++) {
        const hop_case *c = &cases[i];
        size_t n, first, hop;
        row_grid(c->k, c->fs, &first, &hop);
        double secs = c->seconds * scale < c->warm_s + 600 ? c->warm_s + 600 : c->seconds * scale;
        float *x = simulate(c->model, c->fs, secs, &n);
        /* warm-up */
        size_t warm_n = (size_t)(c->warm_s * c->fs);
        mc_analyser *w = make(c->k, c->fs);
        tally t;
        memset(&t, 0, sizeof t);
        mc_analyser_process(w, x, NULL, warm_n < n ? warm_n : n, 1, count_row, &t);
        mc_analyser_destroy(w);
        split_result runs[9];
        size_t reps = c->reps < 9 ? (size_t)c->reps : 9, mid = 0;
        double walls[9];
        for (size_t rep = 0; rep < reps; rep++) {
            runs[rep] = run_split(c->k, c->fs, x, n);
            walls[rep] = runs[rep].wall_s;
        }
        free(x);
        double median_wall = quantile(walls, reps, 0.5);
        for (size_t rep = 0; rep < reps; rep++)
            if (runs[rep].wall_s == median_wall)
                mid = rep;
        const split_result *r = &runs[mid];
        size_t n_stream = r->n - r->n_hops;
        printf("  %-20s %8.0f %8zu %8.3f %10.1f %9.2f %10.1f %9.2f %9.2f %9.2f %9.1f %11.0f",
               c->label, (double)r->n / c->fs, hop, r->wall_s, r->wall_s / (double)r->n * 1e9,
               r->wall_s / (double)r->n_hops * 1e6,
               n_stream ? r->stream_s / (double)n_stream * 1e9 : (double)NAN,
               r->hop_s / (double)r->n_hops * 1e6, r->hop_p50_us, r->hop_p99_us, r->hop_max_us,
               (double)r->n / c->fs / r->wall_s);
        if (r->misaligned)
            printf("  (%zu rows off the expected grid)", r->misaligned);
        printf("\n");
        fflush(stdout);
    }
    printf("  ns/sample and us/hop: all the run's time per sample and per row; stream_ns: the "
           "frames before each hop's last, per frame; hop_us: the last frame's push (the row's "
           "computation), mean, median, 99th percentile and max\n");
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        char *end;
        scale = strtod(argv[1], &end);
        if (*end || !(scale > 0 && scale <= 10)) {
            fprintf(stderr, "usage: bench_dsp [scale 0..10]\n");
            return 2;
        }
    }
    const char *base = getenv("TMPDIR") && getenv("TMPDIR")[0] ? getenv("TMPDIR") : "/tmp";
    snprintf(dir, sizeof dir, "%s/mc_bench_dsp_XXXXXX", base);
    if (!mkdtemp(dir)) {
        dir[0] = '\0';
        fail("mkdtemp", strerror(errno));
    }
    snprintf(data_path, sizeof data_path, "%s/samples.f32", dir);
    const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], on_signal);

    double t0 = now_s();
    printf("bench_dsp: streaming analysers on simulated data, one core, scale %g; scipy reference "
           "%s %s; files in %s\n",
           scale, MC_BENCH_PYTHON, MC_BENCH_WELCH_PY, dir);
    print_load("at start");
    bench_creation();
    bench_ppg_day();
    print_load("after 1");
    bench_ldf_day();
    print_load("after 2");
    bench_hops();
    print_load("at end");
    printf("bench_dsp: done in %.1f s\n", now_s() - t0);
    cleanup();
    return 0;
}
