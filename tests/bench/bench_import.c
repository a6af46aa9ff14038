/* SPDX-License-Identifier: MIT */
/* tests/bench/bench_import.c: import throughput of WFDB, EDF and SNIRF (issue 4) on files scaled
 * up from the shared recordings, against reading the same file into float32 physical values with
 * numpy or h5py (tests/bench/bench_import_ref.py under /usr/bin/python3) in the same run.
 *
 * For each format: the shared file is imported, its regular streams repeated `tile` times into a
 * larger recording, which mcirc's own exporter writes in that format (WFDB format 16, EDF+,
 * SNIRF) in our temporary folder; then the timed part: mcirc's importer reading that file into
 * memory (mc_import, float32), the fastest of 3, against the Python reader, the fastest of 3.
 * Printed: file MB, samples, MB/s and M samples/s on both sides, and the ratio (Python time / our
 * time: above 1 we are faster). Nothing is asserted about speed; the bench fails only when an
 * import or export breaks. Without ../shared/data or python the rows say n/a.
 *
 * usage: bench_import [tile scale, default 1] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "formats/import.h"
#include "formats/registry.h"

#ifndef MC_BENCH_PYTHON
#define MC_BENCH_PYTHON "/usr/bin/python3"
#endif
#ifndef MC_BENCH_IMPORT_PY
#define MC_BENCH_IMPORT_PY "bench_import_ref.py"
#endif
#ifndef MC_SHARED_DATA
#define MC_SHARED_DATA "../shared/data"
#endif

static char dir[512];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void fail(const char *what, const char *why)
{
    fprintf(stderr, "bench_import: %s: %s\n", what, why);
    exit(1);
}

/* The regular streams of `src`, each repeated `tile` times, into `dst` (initialised). */
static void tile_up(const mc_import *src, int tile, mc_import *dst)
{
    mc_diag d;
    dst->start_unix_ns = src->start_unix_ns;
    for (size_t k = 0; k < src->n_streams; k++) {
        const mc_import_stream *s = &src->streams[k];
        if (s->info->rate_hz == 0 || s->n_frames == 0)
            continue;
        size_t idx;
        if (mc_import_add_stream(dst, s->info, s->start_ns, &idx, &d) != MC_OK)
            fail("tile", d.message);
        for (int t = 0; t < tile; t++)
            if (mc_import_append(dst, idx, (size_t)s->n_frames, s->data, NULL, &d) != MC_OK)
                fail("tile", d.message);
    }
}

/* Runs the Python reader; returns its fastest wall time, or -1 when unavailable. */
static double python_time(const char *mode, const char *path, long long *samples)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s %s '%s' 3", MC_BENCH_PYTHON, MC_BENCH_IMPORT_PY, mode, path);
    fflush(stdout);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char line[512] = "";
    const int got = fgets(line, sizeof line, p) != NULL;
    const int rc = pclose(p);
    const char *w = strstr(line, "wall_s="), *n = strstr(line, "samples=");
    if (!got || rc != 0 || !w || !n)
        return -1;
    *samples = atoll(n + 8);
    return atof(w + 7);
}

static long long file_bytes(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

typedef struct bench_case {
    const char *format, *shared, *ext, *py_mode, *data_ext; /* data_ext: the file holding samples */
    int tile;
} bench_case;

static void run_case(const bench_case *c, double scale)
{
    char src[1024], out[1024], data[1024];
    snprintf(src, sizeof src, "%s/%s", MC_SHARED_DATA, c->shared);
    const mc_import_format *in = mc_import_format_find(c->format);
    const mc_export_format *ex = mc_export_format_find(c->format);
    printf("\n%s (from %s)\n", c->format, c->shared);
    if (access(src, R_OK) != 0) {
        printf("  n/a: %s is absent\n", src);
        return;
    }
    if (!in || !ex) {
        printf("  n/a: no %s %s in this build\n", c->format, in ? "exporter" : "importer");
        return;
    }
    mc_import a, big;
    mc_import_init(&a);
    mc_import_init(&big);
    mc_diag d;
    if (in->import(src, NULL, &a, &d) != MC_OK)
        fail(src, d.message);
    const int tile = (int)(c->tile * scale) > 0 ? (int)(c->tile * scale) : 1;
    tile_up(&a, tile, &big);
    mc_import_free(&a);
    snprintf(out, sizeof out, "%s/scaled%s", dir, c->ext);
    snprintf(data, sizeof data, "%s/scaled%s", dir, c->data_ext);
    if (ex->write(&big, out, &d) != MC_OK)
        fail(out, d.message);
    long long ours_samples = 0;
    for (size_t k = 0; k < big.n_streams; k++)
        ours_samples += big.streams[k].n_frames * big.streams[k].info->n_channels;
    mc_import_free(&big);
    const double mb = (double)file_bytes(data) / 1e6;

    double best = 1e30;
    long long got = 0;
    for (int r = 0; r < 3; r++) {
        mc_import b;
        mc_import_init(&b);
        const double t0 = now_s();
        if (in->import(out, NULL, &b, &d) != MC_OK)
            fail(out, d.message);
        const double t = now_s() - t0;
        best = t < best ? t : best;
        got = 0;
        for (size_t k = 0; k < b.n_streams; k++)
            got += b.streams[k].n_frames * b.streams[k].info->n_channels;
        mc_import_free(&b);
    }
    long long py_samples = 0;
    const double py = python_time(c->py_mode, out, &py_samples);
    printf("  file %.1f MB (x%d), %lld samples written, %lld read back\n", mb, tile, ours_samples,
           got);
    printf("  mcirc import   %8.3f s  %8.1f MB/s  %8.2f M samples/s\n", best, mb / best,
           (double)got / best / 1e6);
    if (py > 0) {
        printf("  python (%s)  %8.3f s  %8.1f MB/s  %8.2f M samples/s  (%lld samples)\n",
               strcmp(c->format, "snirf") == 0 ? "h5py " : "numpy", py, mb / py,
               (double)py_samples / py / 1e6, py_samples);
        printf("  ratio python/mcirc: %.2fx\n", py / best);
    } else {
        printf("  python reference unavailable: ratio n/a\n");
    }
    unlink(out);
    unlink(data);
}

int main(int argc, char **argv)
{
    double scale = 1;
    if (argc > 1 && !((scale = atof(argv[1])) > 0 && scale <= 10)) {
        fprintf(stderr, "usage: bench_import [scale 0..10]\n");
        return 2;
    }
    const char *base = getenv("TMPDIR") && getenv("TMPDIR")[0] ? getenv("TMPDIR") : "/tmp";
    snprintf(dir, sizeof dir, "%s/mc_bench_import_XXXXXX", base);
    if (!mkdtemp(dir))
        fail("mkdtemp", strerror(errno));
    printf("bench_import: import throughput on files scaled up from %s; reference %s %s\n",
           MC_SHARED_DATA, MC_BENCH_PYTHON, MC_BENCH_IMPORT_PY);
    const bench_case cases[] = {
        {"wfdb", "ppg/wfdb/v102s.hea", ".hea", "wfdb", ".dat", 100},
        {"edf", "edf/chtypes_edf.edf", ".edf", "edf", ".edf", 400},
        {"snirf", "nirs/snirf/neuro_run01.snirf", ".snirf", "snirf", ".snirf", 50},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i], scale);
    rmdir(dir);
    printf("\nbench_import: done\n");
    return 0;
}
