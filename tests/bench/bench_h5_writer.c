/* SPDX-License-Identifier: MIT */
/* tests/bench/bench_h5_writer.c: throughput of the HDF5 session writer written the way the
 * recorder writes (SWMR, blocks of 0.1 s, mc_h5_writer_flush = H5Fflush + fsync once per second
 * of data, a clock anchor every 10 s), against a plain fwrite of the same sample bytes to a file
 * in the same folder with fflush + fsync at the same cadence, measured in the same run.
 *
 * Two configurations: one 8-channel stream, and 64 streams of 2 channels written together; both
 * at 250 Hz (the PPG rate) so that "1 s of data" means the same for every stream. Each is run
 * with compression 4 (default: shuffle + deflate 4), 1 and 0 (shuffle only), with and without the
 * per-second flush. The data is synthetic physiology (pulse + respiration + drift + noise), never
 * zeros. Sizes are fixed; the first argument scales them (default 1) for quick local runs.
 * Each case runs REPS times, interleaved with the others, and the median run is reported, which
 * keeps other load on the machine (and the jitter of fsync) out of the ratios.
 *
 * Target (issue): HDF5 >= 0.7x fwrite. The bench reports; it fails only if the writer fails. */
#include <dirent.h>
#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "formats/h5_layout.h"
#include "formats/h5_writer.h"

enum {
    RATE_HZ = 250,
    BLOCK_FRAMES = 25, /* 0.1 s, as `mcirc record` delivers */
    BLOCKS_PER_S = RATE_HZ / BLOCK_FRAMES,
    POOL_S = 64,         /* seconds of distinct data per stream, cycled (> one 16 s chunk) */
    ANCHOR_EVERY_S = 10, /* the clock fit's default anchor interval */
    MAX_STREAMS = 64,
    MAX_CHANNELS = 8,
};

static const double target_ratio = 0.7;

typedef struct bench_config {
    const char *label;
    uint32_t n_streams, n_channels;
    double flush_data_s;   /* seconds of data per case with the per-second flush */
    double noflush_data_s; /* seconds of data per case without it */
} bench_config;

/* Seconds of data per run, chosen for about 1-1.5 s per run of the slowest variant on the 2-core
 * reference VM; each case is run REPS times (the whole bench takes about 1 min there). */
static const bench_config configs[] = {
    {"1 stream x 8 ch @ 250 Hz", 1, 8, 720, 7200},
    {"64 streams x 2 ch @ 250 Hz", 64, 2, 60, 300},
};

typedef struct result {
    double data_s, wall_s, cpu_s;
    double create_s, write_s, flush_s, close_s;
    int64_t samples;   /* frames x channels, all streams */
    int64_t raw_bytes; /* samples x 4 */
    int64_t file_bytes;
    long chunk_rows; /* HDF5 only, of the first stream's data */
} result;

static char dir[512];

/* ---- helpers ------------------------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* Empties and removes our own temporary folder (it holds only files this bench made). */
static void remove_dir(void)
{
    DIR *dp = opendir(dir);
    if (dp) {
        struct dirent *e;
        char path[800];
        while ((e = readdir(dp)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(dp);
    }
    rmdir(dir);
}

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "bench_h5_writer: FAILED: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    remove_dir();
    exit(1);
}

static int64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static double uniform(void) /* xorshift64*, [0, 1) */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 0x2545F4914F6CDD1Dull) >> 11) * (1.0 / 9007199254740992.0);
}

static double gauss(void) /* Irwin-Hall approximation, unit variance */
{
    double s = 0;
    for (int i = 0; i < 12; i++)
        s += uniform();
    return s - 6.0;
}

/* Pool of POOL_S seconds per stream, frames interleaved: [stream][frame][channel]. Each channel
 * looks like a PPG/LDF trace: DC level, a pulse with its harmonic at 60-100 /min, respiration at
 * 12-18 /min, slow drift and a white noise floor at about -50 dB of the pulse. */
static float *make_pool(uint32_t n_streams, uint32_t n_channels)
{
    size_t frames = (size_t)POOL_S * RATE_HZ;
    float *pool = malloc((size_t)n_streams * frames * n_channels * sizeof *pool);
    if (!pool)
        fail("allocating the data pool", NULL);
    const double two_pi = 6.283185307179586;
    for (uint32_t s = 0; s < n_streams; s++)
        for (uint32_t c = 0; c < n_channels; c++) {
            double hr = 1.0 + 0.6 * uniform(), rr = 0.2 + 0.1 * uniform();
            double dc = 50.0 + 100.0 * uniform(), amp = 0.5 + 2.0 * uniform();
            double ph = two_pi * uniform();
            for (size_t k = 0; k < frames; k++) {
                double t = (double)k / RATE_HZ;
                double x = dc +
                           amp * (sin(two_pi * hr * t + ph) + 0.35 * sin(2 * two_pi * hr * t)) +
                           0.3 * amp * sin(two_pi * rr * t) + 0.5 * sin(two_pi * t / 45.0) +
                           0.004 * amp * gauss();
                pool[((size_t)s * frames + k) * n_channels + c] = (float)x;
            }
        }
    return pool;
}

static const float *pool_block(const float *pool, uint32_t n_channels, uint32_t s, int64_t frame)
{
    size_t frames = (size_t)POOL_S * RATE_HZ;
    return pool + ((size_t)s * frames + (size_t)(frame % (int64_t)frames)) * n_channels;
}

/* ---- the two writers ---------------------------------------------------------------------- */

static mc_session_info session_info(void)
{
    mc_session_info s;
    memset(&s, 0, sizeof s);
    snprintf(s.subject, sizeof s.subject, "BENCH-1");
    snprintf(s.session, sizeof s.session, "baseline");
    snprintf(s.site, sizeof s.site, "bench");
    snprintf(s.timezone, sizeof s.timezone, "UTC");
    mc_session_set_start(&s, 1795639066123000000LL);
    return s;
}

static long chunk_rows_of(const char *path)
{
    long rows = -1;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return -1;
    hid_t d = H5Dopen2(f, "/" MC_H5_STREAMS "/s00/" MC_H5_DATA, H5P_DEFAULT);
    if (d >= 0) {
        hid_t p = H5Dget_create_plist(d);
        hsize_t dims[2];
        if (p >= 0 && H5Pget_chunk(p, 2, dims) == 2)
            rows = (long)dims[0];
        if (p >= 0)
            H5Pclose(p);
        H5Dclose(d);
    }
    H5Fclose(f);
    return rows;
}

static result run_h5(const bench_config *cfg, const float *pool, double data_s, int compression,
                     int flush, const char *path)
{
    char names[MAX_STREAMS][16], ch_names[MAX_CHANNELS][16];
    mc_channel_info ch[MAX_CHANNELS];
    mc_stream_info st[MAX_STREAMS];
    for (uint32_t c = 0; c < cfg->n_channels; c++) {
        snprintf(ch_names[c], sizeof ch_names[c], "c%u", (unsigned)c);
        ch[c] = (mc_channel_info){ch_names[c], "a.u.", 1, 0};
    }
    memset(st, 0, sizeof st);
    for (uint32_t s = 0; s < cfg->n_streams; s++) {
        snprintf(names[s], sizeof names[s], "s%02u", (unsigned)s);
        st[s].name = names[s];
        st[s].modality = MC_MODALITY_PPG;
        st[s].n_channels = cfg->n_channels;
        st[s].channels = ch;
        st[s].rate_hz = RATE_HZ;
        st[s].device_model = "bench";
    }
    mc_session_info si = session_info();
    mc_h5_writer_config wc = mc_h5_writer_config_default();
    wc.path = path;
    wc.session = &si;
    wc.n_streams = cfg->n_streams;
    wc.streams = st;
    wc.swmr = 1;
    wc.compression = compression;

    result r;
    memset(&r, 0, sizeof r);
    int64_t seconds = (int64_t)data_s;
    double c0 = cpu_s(), t0 = now_s();
    mc_diag d;
    mc_diag_clear(&d);
    mc_h5_writer *w = NULL;
    if (mc_h5_writer_create(&wc, &d, &w) != MC_OK)
        fail("mc_h5_writer_create", d.message);
    double t1 = now_s();
    r.create_s = t1 - t0;
    for (int64_t sec = 0; sec < seconds; sec++) {
        double ta = now_s();
        for (int b = 0; b < BLOCKS_PER_S; b++) {
            int64_t frame = sec * RATE_HZ + (int64_t)b * BLOCK_FRAMES;
            for (uint32_t s = 0; s < cfg->n_streams; s++)
                if (mc_h5_writer_write(w, s, frame, BLOCK_FRAMES,
                                       pool_block(pool, cfg->n_channels, s, frame), NULL) != MC_OK)
                    fail("mc_h5_writer_write", path);
        }
        if (sec % ANCHOR_EVERY_S == 0)
            for (uint32_t s = 0; s < cfg->n_streams; s++)
                if (mc_h5_writer_write_anchor(w, s, sec * RATE_HZ, sec * 1000000000LL) != MC_OK)
                    fail("mc_h5_writer_write_anchor", path);
        double tb = now_s();
        r.write_s += tb - ta;
        if (flush) {
            if (mc_h5_writer_flush(w) != MC_OK)
                fail("mc_h5_writer_flush", path);
            r.flush_s += now_s() - tb;
        }
    }
    double t2 = now_s();
    if (mc_h5_writer_finish(w, &d) != MC_OK)
        fail("mc_h5_writer_finish", d.message);
    mc_h5_writer_destroy(w);
    double t3 = now_s();
    r.close_s = t3 - t2;
    r.wall_s = t3 - t0;
    r.cpu_s = cpu_s() - c0;
    r.data_s = (double)seconds;
    r.samples = seconds * RATE_HZ * (int64_t)cfg->n_streams * cfg->n_channels;
    r.raw_bytes = r.samples * (int64_t)sizeof(float);
    r.file_bytes = file_size(path);
    r.chunk_rows = chunk_rows_of(path);
    return r;
}

static void sync_file(FILE *f, const char *path)
{
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        fail("fflush/fsync", path);
}

static result run_fwrite(const bench_config *cfg, const float *pool, double data_s, int flush,
                         const char *path)
{
    result r;
    memset(&r, 0, sizeof r);
    int64_t seconds = (int64_t)data_s;
    size_t block_bytes = (size_t)BLOCK_FRAMES * cfg->n_channels * sizeof(float);
    double c0 = cpu_s(), t0 = now_s();
    FILE *f = fopen(path, "wb");
    if (!f)
        fail("fopen", strerror(errno));
    double t1 = now_s();
    r.create_s = t1 - t0;
    for (int64_t sec = 0; sec < seconds; sec++) {
        double ta = now_s();
        for (int b = 0; b < BLOCKS_PER_S; b++) {
            int64_t frame = sec * RATE_HZ + (int64_t)b * BLOCK_FRAMES;
            for (uint32_t s = 0; s < cfg->n_streams; s++)
                if (fwrite(pool_block(pool, cfg->n_channels, s, frame), 1, block_bytes, f) !=
                    block_bytes)
                    fail("fwrite", path);
        }
        double tb = now_s();
        r.write_s += tb - ta;
        if (flush) {
            sync_file(f, path);
            r.flush_s += now_s() - tb;
        }
    }
    double t2 = now_s();
    sync_file(f, path); /* as mc_h5_writer_finish: durable at the end in every mode */
    if (fclose(f) != 0)
        fail("fclose", path);
    double t3 = now_s();
    r.close_s = t3 - t2;
    r.wall_s = t3 - t0;
    r.cpu_s = cpu_s() - c0;
    r.data_s = (double)seconds;
    r.samples = seconds * RATE_HZ * (int64_t)cfg->n_streams * cfg->n_channels;
    r.raw_bytes = r.samples * (int64_t)sizeof(float);
    r.file_bytes = file_size(path);
    r.chunk_rows = -1;
    return r;
}

/* ---- reporting ---------------------------------------------------------------------------- */

static double msps(const result *r)
{
    return (double)r->samples / r->wall_s / 1e6;
}

static void print_header(void)
{
    printf("  %-20s %6s %6s %5s %6s %9s %8s %9s %6s %6s %6s %6s %6s %8s %6s %5s\n", "case",
           "data_s", "wall_s", "+-%", "cpu_s", "Msample/s", "ns/frame", "xrealtime", "create",
           "write", "flush", "ms/fl", "close", "file_MB", "%raw", "ratio");
}

/* r: the median run; spread: (slowest - fastest) / median wall time over the repetitions. */
static void print_row(const char *name, const result *r, double spread, uint32_t n_streams,
                      double ratio)
{
    double frames = r->data_s * RATE_HZ * n_streams;
    char ratio_text[32] = "-";
    if (ratio > 0)
        snprintf(ratio_text, sizeof ratio_text, "%.2f", ratio);
    char per_flush[32] = "-";
    if (r->flush_s > 0)
        snprintf(per_flush, sizeof per_flush, "%.2f", r->flush_s / r->data_s * 1e3);
    printf("  %-20s %6.0f %6.2f %5.0f %6.2f %9.3f %8.0f %9.0f %6.3f %6.2f %6.2f %6s %6.2f %8.2f "
           "%6.1f %5s\n",
           name, r->data_s, r->wall_s, 100.0 * spread, r->cpu_s, msps(r), r->wall_s / frames * 1e9,
           r->data_s / r->wall_s, r->create_s, r->write_s, r->flush_s, per_flush, r->close_s,
           (double)r->file_bytes / 1e6, 100.0 * (double)r->file_bytes / (double)r->raw_bytes,
           ratio_text);
    fflush(stdout);
}

enum { N_VARIANTS = 4, REPS = 3, MAX_VERDICTS = 16 };
static const int levels[N_VARIANTS] = {-1, 4, 1, 0}; /* -1: the fwrite baseline */

static int by_wall(const void *a, const void *b)
{
    double x = ((const result *)a)->wall_s, y = ((const result *)b)->wall_s;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    if (!(scale > 0) || scale > 100) {
        fprintf(stderr, "usage: bench_h5_writer [scale > 0, default 1]\n");
        return 2;
    }
    const char *base = getenv("TMPDIR") && getenv("TMPDIR")[0] ? getenv("TMPDIR") : "/tmp";
    snprintf(dir, sizeof dir, "%s/mc_bench_h5_XXXXXX", base);
    if (!mkdtemp(dir))
        fail("mkdtemp", strerror(errno));
    char h5_path[600], raw_path[600];
    snprintf(h5_path, sizeof h5_path, "%s/bench.h5", dir);
    snprintf(raw_path, sizeof raw_path, "%s/bench.raw", dir);

    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    printf("bench_h5_writer: HDF5 %u.%u.%u, SWMR, %d Hz, blocks of %d frames (0.1 s), clock anchor "
           "every %d s;\n  flush = mc_h5_writer_flush (H5Fflush + fsync) | fflush + fsync, every "
           "1 s of data; both end with a flush + fsync;\n  files in %s; scale %.2f; each case run "
           "%d times, interleaved, the median reported\n",
           maj, min, rel, RATE_HZ, BLOCK_FRAMES, ANCHOR_EVERY_S, dir, scale, REPS);
    printf("  columns: +-%% = (slowest - fastest) / median run; Msample/s = samples (frames x "
           "channels,\n  all streams) per wall second; ns/frame per stream frame; xrealtime = data "
           "seconds per wall second;\n  create/write/flush/close = wall s in those calls; ms/fl = "
           "ms per flush; %%raw = file size / sample\n  bytes; ratio = HDF5 Msample/s / fwrite "
           "Msample/s in the same flush mode\n");

    char verdicts[MAX_VERDICTS][200];
    int n_verdicts = 0;
    for (size_t ci = 0; ci < sizeof configs / sizeof configs[0]; ci++) {
        const bench_config *cfg = &configs[ci];
        float *pool = make_pool(cfg->n_streams, cfg->n_channels);
        /* Warm-up: library init, page cache, CPU clocks. Not reported. */
        result wu = run_h5(cfg, pool, 20, 4, 1, h5_path);
        unlink(h5_path);
        run_fwrite(cfg, pool, 20, 1, raw_path);
        unlink(raw_path);
        printf("\n%s: %u samples/s of data; HDF5 chunk %ld rows = %.0f KiB raw = %.1f s\n",
               cfg->label, (unsigned)(RATE_HZ * cfg->n_streams * cfg->n_channels), wu.chunk_rows,
               (double)wu.chunk_rows * cfg->n_channels * 4 / 1024.0,
               (double)wu.chunk_rows / RATE_HZ);
        print_header();
        for (int flush = 1; flush >= 0; flush--) {
            double data_s = (flush ? cfg->flush_data_s : cfg->noflush_data_s) * scale;
            data_s = (double)((int64_t)(data_s / ANCHOR_EVERY_S + 0.5) * ANCHOR_EVERY_S);
            if (data_s < ANCHOR_EVERY_S)
                data_s = ANCHOR_EVERY_S;
            result runs[N_VARIANTS][REPS];
            for (int rep = 0; rep < REPS; rep++)
                for (int v = 0; v < N_VARIANTS; v++) {
                    if (levels[v] < 0) {
                        runs[v][rep] = run_fwrite(cfg, pool, data_s, flush, raw_path);
                        unlink(raw_path);
                    } else {
                        runs[v][rep] = run_h5(cfg, pool, data_s, levels[v], flush, h5_path);
                        unlink(h5_path);
                    }
                }
            result median[N_VARIANTS];
            for (int v = 0; v < N_VARIANTS; v++) {
                qsort(runs[v], REPS, sizeof runs[v][0], by_wall);
                median[v] = runs[v][REPS / 2];
                double spread = (runs[v][REPS - 1].wall_s - runs[v][0].wall_s) / median[v].wall_s;
                double ratio = levels[v] < 0 ? -1 : msps(&median[v]) / msps(&median[0]);
                char name[64];
                if (levels[v] < 0)
                    snprintf(name, sizeof name, "fwrite, %s", flush ? "flush 1 s" : "no flush");
                else
                    snprintf(name, sizeof name, "hdf5 c%d, %s", levels[v],
                             flush ? "flush 1 s" : "no flush");
                print_row(name, &median[v], spread, cfg->n_streams, ratio);
                if (levels[v] >= 0 && n_verdicts < MAX_VERDICTS)
                    snprintf(verdicts[n_verdicts++], sizeof verdicts[0],
                             "%-4s %-26s c%d, %-9s: HDF5 %7.3f vs fwrite %7.3f Msample/s = "
                             "%.2fx%s",
                             ratio >= target_ratio ? "PASS" : "MISS", cfg->label, levels[v],
                             flush ? "flush 1 s" : "no flush", msps(&median[v]), msps(&median[0]),
                             ratio, levels[v] == 4 && flush ? "  <- as recorded (default)" : "");
            }
        }
        free(pool);
    }
    printf("\nverdicts against the target HDF5 >= %.1fx fwrite (the bench reports; it does not "
           "fail on a MISS):\n",
           target_ratio);
    for (int i = 0; i < n_verdicts; i++)
        printf("  %s\n", verdicts[i]);
    remove_dir();
    return 0;
}
