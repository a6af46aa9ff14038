/* SPDX-License-Identifier: MIT */
/* tests/bench/bench_sim.c: `mcirc sim` of a 250 Hz PPG + 32 Hz LDF session, 1 h and 24 h: wall
 * time, CPU time and peak RSS of the child process (fork/exec of the built program, wait4), and
 * the size of the file. The 1 h run shows whether memory stays flat with the session length.
 *
 * Target (issue): peak RSS < 64 MB for 24 h, flat. The bench reports; it fails only if mcirc
 * cannot be run or exits with an error.
 *
 * usage: bench_sim [path/to/mcirc]   (default: the mcirc built alongside, MC_BENCH_MCIRC) */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MC_BENCH_MCIRC
#define MC_BENCH_MCIRC "mcirc"
#endif

static const double target_rss_mb = 64.0;
static char dir[512]; /* our own temporary folder */
static const double ppg_hz = 250, ldf_hz = 32;

typedef struct run_result {
    double wall_s, user_s, sys_s;
    double maxrss_mb; /* MiB (ru_maxrss is in KiB on Linux) */
    int64_t file_bytes;
} run_result;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

/* Runs `mcirc sim` for `duration_s` into `path` (removed afterwards). Exits 1 on any failure. */
static run_result run_sim(const char *mcirc, const char *path, long duration_s)
{
    char duration[32];
    snprintf(duration, sizeof duration, "%ld", duration_s);
    const char *const args[] = {mcirc,        "sim",
                                "-o",         path,
                                "--duration", duration,
                                "--subject",  "BENCH-1",
                                "--session",  "baseline",
                                "--stream",   "ppg_finger=ppg",
                                "--stream",   "ldf_forearm=ldf",
                                NULL};
    run_result r;
    memset(&r, 0, sizeof r);
    unlink(path);
    fflush(stdout);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "bench_sim: FAILED: fork: %s\n", strerror(errno));
        rmdir(dir);
        exit(1);
    }
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY); /* keep "wrote ..." out of the figures */
        if (null >= 0)
            dup2(null, STDOUT_FILENO);
        /* execv takes char *const[]; the strings are never written by the child. */
        execv(mcirc, (char *const *)(uintptr_t)args);
        fprintf(stderr, "bench_sim: cannot run %s: %s\n", mcirc, strerror(errno));
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "bench_sim: FAILED: wait4: %s\n", strerror(errno));
            exit(1);
        }
    }
    r.wall_s = now_s() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_sim: FAILED: mcirc sim --duration %ld exited with %s %d\n",
                duration_s, WIFEXITED(status) ? "status" : "signal",
                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        unlink(path);
        rmdir(dir);
        exit(1);
    }
    r.user_s = tv_s(ru.ru_utime);
    r.sys_s = tv_s(ru.ru_stime);
    r.maxrss_mb = (double)ru.ru_maxrss / 1024.0;
    struct stat st;
    r.file_bytes = stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
    unlink(path);
    return r;
}

static void print_row(const char *name, long duration_s, const run_result *r)
{
    double frames = (double)duration_s * (ppg_hz + ldf_hz);
    printf("  %-6s %8ld %8.2f %7.2f %7.2f %9.0f %8.1f %11.1f %9.1f %9.2f\n", name, duration_s,
           r->wall_s, r->user_s, r->sys_s, (double)duration_s / r->wall_s, r->wall_s / frames * 1e9,
           r->maxrss_mb, (double)r->file_bytes / 1e6,
           (double)r->file_bytes * 8.0 / (double)duration_s / 1e3);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    const char *mcirc = argc > 1 ? argv[1] : MC_BENCH_MCIRC;
    const char *base = getenv("TMPDIR") && getenv("TMPDIR")[0] ? getenv("TMPDIR") : "/tmp";
    char path[600];
    snprintf(dir, sizeof dir, "%s/mc_bench_sim_XXXXXX", base);
    if (!mkdtemp(dir)) {
        fprintf(stderr, "bench_sim: FAILED: mkdtemp %s: %s\n", dir, strerror(errno));
        return 1;
    }
    snprintf(path, sizeof path, "%s/sim.h5", dir);

    printf("bench_sim: %s sim -o FILE --duration D --subject BENCH-1 --session baseline\n"
           "           --stream ppg_finger=ppg --stream ldf_forearm=ldf   (250 Hz PPG + 32 Hz LDF,"
           " compression 4)\n  files in %s; RSS = ru_maxrss of the child (wait4)\n",
           mcirc, dir);
    run_sim(mcirc, path, 60); /* warm-up: page cache for the program and libraries */
    printf("  %-6s %8s %8s %7s %7s %9s %8s %11s %9s %9s\n", "run", "data_s", "wall_s", "user_s",
           "sys_s", "xrealtime", "ns/frame", "peakRSS_MiB", "file_MB", "kbit/s");
    run_result h1 = run_sim(mcirc, path, 3600);
    print_row("1 h", 3600, &h1);
    run_result h24 = run_sim(mcirc, path, 86400);
    print_row("24 h", 86400, &h24);
    rmdir(dir);

    printf("\n  peak RSS 24 h %.1f MiB vs 1 h %.1f MiB: %+.1f MiB (x%.2f) for 24x the data, "
           "%.2f MiB per hour of data\n",
           h24.maxrss_mb, h1.maxrss_mb, h24.maxrss_mb - h1.maxrss_mb, h24.maxrss_mb / h1.maxrss_mb,
           (h24.maxrss_mb - h1.maxrss_mb) / 23.0);
    int flat = h24.maxrss_mb < target_rss_mb && h24.maxrss_mb <= h1.maxrss_mb * 1.25 + 4.0;
    printf("  %s memory: 24 h peak RSS %.1f MiB < %.0f MiB and flat (<= 1 h x1.25 + 4 MiB)\n",
           flat ? "PASS" : "MISS", h24.maxrss_mb, target_rss_mb);
    printf("  24 h session written in %.1f s (%.0fx real time), file %.1f MB\n", h24.wall_s,
           86400.0 / h24.wall_s, (double)h24.file_bytes / 1e6);
    return 0;
}
