/* SPDX-License-Identifier: MIT */
/* tests/bench/bench_live_memory.c: memory of a long live recording. `mcirc record --speed X` of
 * four simulated streams (PPG 250 Hz, LDF 32 Hz, NIRS 1 Hz, PCO2 1 Hz) with live analysis and OSC
 * to a loopback UDP port (bound, never read); the child's RSS (/proc/PID/status VmRSS) is sampled
 * every second. Reports RSS at 10 %, 50 % and 100 % of the run and the slope over the second half
 * (least squares, kB per simulated hour): flat = |slope| small. The file is read back: every
 * stream must hold duration x rate rows and no gap, so the speed is one the machine sustains.
 *
 * Default: 4 simulated hours at --speed 120 (120 s). --full: 24 h at --speed 200 (432 s).
 * At such speeds a scheduling delay of a few ms is a pause of half a second of session time: the
 * clock fit then inserts missing rows ("no data"), which is not a loss; frames lost on the way
 * are counted apart ("dropped").
 * Target (issue): RSS flat over 24 h. The bench reports; it fails only if mcirc cannot be run or
 * exits with an error.
 *
 * usage: bench_live_memory [path/to/mcirc] [--full] [--hours H] [--speed X] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/bench/bench_record.h"

#ifndef MC_BENCH_MCIRC
#define MC_BENCH_MCIRC "mcirc"
#endif

/* "Flat": the second half grows by less than this many kB per simulated hour. */
static const double flat_kb_per_h = 256.0;

typedef struct rss_log {
    size_t n, cap;
    double *t_s; /* wall seconds since the start */
    long *kb;
} rss_log;

static void on_tick(void *ctx, pid_t pid, double t_s)
{
    rss_log *l = ctx;
    long kb = br_rss_kb(pid);
    if (kb < 0 || l->n == l->cap)
        return;
    l->t_s[l->n] = t_s;
    l->kb[l->n] = kb;
    l->n++;
}

/* The sample closest to fraction f of the run. */
static long rss_at(const rss_log *l, double wall_s, double f, double *t_s)
{
    size_t best = 0;
    for (size_t k = 1; k < l->n; k++)
        if (fabs(l->t_s[k] - f * wall_s) < fabs(l->t_s[best] - f * wall_s))
            best = k;
    *t_s = l->t_s[best];
    return l->kb[best];
}

int main(int argc, char **argv)
{
    const char *mcirc = MC_BENCH_MCIRC;
    double hours = 4, speed = 120;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--full") == 0) {
            hours = 24;
            speed = 200;
        } else if (strcmp(argv[i], "--hours") == 0 && i + 1 < argc) {
            hours = atof(argv[++i]);
        } else if (strcmp(argv[i], "--speed") == 0 && i + 1 < argc) {
            speed = atof(argv[++i]);
        } else {
            mcirc = argv[i];
        }
    }
    if (!(hours > 0) || !(speed > 0)) {
        fprintf(stderr, "usage: bench_live_memory [mcirc] [--full] [--hours H] [--speed X]\n");
        return 1;
    }
    double duration_s = hours * 3600.0;
    const char *base = getenv("TMPDIR") && getenv("TMPDIR")[0] ? getenv("TMPDIR") : "/tmp";
    char dir[512], path[600], log[600], duration[32], speed_arg[32], osc[64];
    snprintf(dir, sizeof dir, "%s/mc_bench_mem_XXXXXX", base);
    if (!mkdtemp(dir)) {
        fprintf(stderr, "bench_live_memory: FAILED: mkdtemp %s: %s\n", dir, strerror(errno));
        return 1;
    }
    snprintf(path, sizeof path, "%s/mem.h5", dir);
    snprintf(log, sizeof log, "%s/mem.log", dir);
    snprintf(duration, sizeof duration, "%g", duration_s);
    snprintf(speed_arg, sizeof speed_arg, "%g", speed);
    int port = 0;
    int sink = br_udp_sink(&port);
    if (sink < 0) {
        fprintf(stderr, "bench_live_memory: FAILED: no loopback UDP socket\n");
        rmdir(dir);
        return 1;
    }
    snprintf(osc, sizeof osc, "osc.udp://127.0.0.1:%d", port);
    const char *const args[] = {mcirc,        "record",
                                "-o",         path,
                                "--subject",  "BENCH-1",
                                "--session",  "baseline",
                                "--duration", duration,
                                "--speed",    speed_arg,
                                "--osc",      osc,
                                "--source",   "ppg_finger=sim:ppg",
                                "--source",   "ldf_forearm=sim:ldf",
                                "--source",   "nirs_thenar=sim:nirs",
                                "--source",   "pco2_ear=sim:pco2",
                                NULL};
    printf(
        "bench_live_memory: %s record --duration %s --speed %s --osc %s (bound, never read)\n"
        "  --source ppg_finger=sim:ppg ldf_forearm=sim:ldf nirs_thenar=sim:nirs "
        "pco2_ear=sim:pco2; live analysis on\n"
        "  %.1f simulated hours in about %.0f s; RSS = VmRSS of the child, sampled every second\n",
        mcirc, duration, speed_arg, osc, hours, duration_s / speed);
    rss_log l;
    memset(&l, 0, sizeof l);
    l.cap = (size_t)(duration_s / speed) + 120;
    l.t_s = calloc(l.cap, sizeof *l.t_s);
    l.kb = calloc(l.cap, sizeof *l.kb);
    if (!l.t_s || !l.kb) {
        fprintf(stderr, "bench_live_memory: FAILED: out of memory\n");
        return 1;
    }
    br_result r;
    /* execv takes char *const[]; the strings are never written by the child. */
    if (br_run((char *const *)(uintptr_t)args, log, on_tick, &l, &r) != 0) {
        fprintf(stderr, "bench_live_memory: FAILED: cannot run %s\n", mcirc);
        return 1;
    }
    close(sink);
    if (r.exit_status != 0) {
        fprintf(stderr, "bench_live_memory: FAILED: mcirc record exited with %d; its output:\n",
                r.exit_status);
        const char *all[] = {""};
        br_print_log(log, all, 1);
        return 1;
    }
    br_check c = br_check_file(path, duration_s);
    const char *keep[] = {"recorded", "live analysis", "OSC"};
    br_print_log(log, keep, 3);
    unlink(path);
    unlink(log);
    rmdir(dir);
    if (l.n < 2) {
        fprintf(stderr, "bench_live_memory: FAILED: only %zu RSS samples\n", l.n);
        return 1;
    }

    /* Simulated hours of a wall time: the sources run `speed` times faster than real time. */
    double h_per_s = speed / 3600.0;
    printf("  wall %.1f s (%.0fx real time), user %.2f s, sys %.2f s, CPU %.1f %% of one core, "
           "peak RSS (wait4) %.1f MiB, %zu RSS samples\n",
           r.wall_s, duration_s / r.wall_s, r.user_s, r.sys_s,
           100.0 * (r.user_s + r.sys_s) / r.wall_s, r.maxrss_mb, l.n);
    static const double at[] = {0.1, 0.5, 1.0};
    for (size_t k = 0; k < 3; k++) {
        double t;
        long kb = rss_at(&l, r.wall_s, at[k], &t);
        printf("  RSS at %3.0f %% (wall %5.1f s, simulated %5.2f h): %7ld kB (%.1f MiB)\n",
               100 * at[k], t, t * h_per_s, kb, (double)kb / 1024.0);
    }
    /* Least squares over the samples of the second half. */
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    size_t m = 0;
    for (size_t k = 0; k < l.n; k++) {
        if (l.t_s[k] < 0.5 * r.wall_s)
            continue;
        double x = l.t_s[k] * h_per_s, y = (double)l.kb[k];
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        m++;
    }
    double den = (double)m * sxx - sx * sx;
    double slope = m >= 2 && den > 0 ? ((double)m * sxy - sx * sy) / den : (double)NAN;
    printf("  slope over the second half (%zu samples): %+.1f kB per simulated hour (%+.2f MiB "
           "per 24 h)\n",
           m, slope, slope * 24.0 / 1024.0);
    printf("  %s memory flat: |slope| %s %.0f kB/h\n",
           fabs(slope) < flat_kb_per_h ? "PASS" : "MISS",
           fabs(slope) < flat_kb_per_h ? "<" : ">=", flat_kb_per_h);
    printf("  %s samples at speed %s: %lld rows of %lld expected in %zu streams, %lld missing "
           "(%lld dropped on the way, %lld inserted where delivery paused), %zu gaps (%zu time "
           "discontinuities without a missing sample)%s%s%s%s\n",
           c.ok                                     ? "PASS"
           : c.dropped == 0 && c.short_streams == 0 ? "PASS (no sample lost)"
                                                    : "MISS",
           speed_arg, (long long)c.rows, (long long)c.expected, c.streams, (long long)c.missing,
           (long long)c.dropped, (long long)(c.missing - c.dropped), c.gaps, c.breaks,
           c.first_gap[0] ? "; first: " : "", c.first_gap, c.error[0] ? "; " : "", c.error);
    free(l.t_s);
    free(l.kb);
    return 0;
}
