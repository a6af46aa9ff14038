/* SPDX-License-Identifier: MIT */
/* tests/bench/bench_record.h: helpers of the live-recording benchmarks that run the built
 * `mcirc record` as a child: fork/exec with its output in a file, the child's CPU time from
 * wait4, an optional sampler of its RSS while it runs, and the check of the session file that no
 * sample was lost (every stream's rows = duration x rate, no gap). */
#ifndef MC_TESTS_BENCH_RECORD_H
#define MC_TESTS_BENCH_RECORD_H

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "formats/h5_reader.h"

/* The simulated models of the benchmarks and their nominal rates. */
typedef struct br_model {
    const char *model;
    double rate_hz;
} br_model;

static const br_model br_models[] = {{"ppg", 250.0}, {"ldf", 32.0}, {"nirs", 1.0}, {"pco2", 1.0}};
enum { BR_N_MODELS = 4 };

typedef struct br_result {
    double wall_s, user_s, sys_s;
    double maxrss_mb; /* ru_maxrss of the child, MiB */
    int exit_status;  /* 0 = exited 0 */
} br_result;

static inline double br_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline double br_tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

/* A UDP socket bound to a free loopback port that is never read: the OSC destination of the
 * child. Its receive buffer fills and the kernel drops the rest, at no cost to the machine, and
 * the sender sees every datagram accepted (an unbound port would answer with ICMP errors). */
static inline int br_udp_sink(int *port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

/* Called about once a second while the child runs, with its pid and the seconds since start. */
typedef void (*br_tick_fn)(void *ctx, pid_t pid, double t_s);

/* Runs argv (argv[0] is the program) with stdin from /dev/null and stdout + stderr into
 * `log_path`; waits for it with wait4, calling tick every second while it runs. Returns -1 when it
 * could not be started, else 0 with the result filled. */
static inline int br_run(char *const *argv, const char *log_path, br_tick_fn tick, void *ctx,
                         br_result *r)
{
    memset(r, 0, sizeof *r);
    fflush(stdout);
    fflush(stderr);
    double t0 = br_now_s();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int out = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in >= 0)
            dup2(in, STDIN_FILENO);
        if (out >= 0) {
            dup2(out, STDOUT_FILENO);
            dup2(out, STDERR_FILENO);
        }
        execv(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    double next = 1.0;
    for (;;) {
        pid_t w = wait4(pid, &status, tick ? WNOHANG : 0, &ru);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            return -1;
        if (w == 0) {
            double t = br_now_s() - t0;
            if (t >= next) {
                tick(ctx, pid, t);
                next += 1.0;
            }
            struct timespec ts = {0, 20000000};
            nanosleep(&ts, NULL);
        }
    }
    r->wall_s = br_now_s() - t0;
    r->user_s = br_tv_s(ru.ru_utime);
    r->sys_s = br_tv_s(ru.ru_stime);
    r->maxrss_mb = (double)ru.ru_maxrss / 1024.0;
    r->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return 0;
}

/* Prints the lines of the child's log that start with one of the given prefixes, indented. */
static inline void br_print_log(const char *log_path, const char *const *prefixes, size_t n)
{
    FILE *f = fopen(log_path, "r");
    if (!f)
        return;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        for (size_t k = 0; k < n; k++)
            if (strncmp(line, prefixes[k], strlen(prefixes[k])) == 0) {
                printf("    | %s", line);
                break;
            }
    }
    fclose(f);
}

/* What the file holds, against what the sources produced. */
typedef struct br_check {
    size_t streams;
    int64_t rows, expected; /* totals over the streams */
    int64_t short_streams;  /* streams with fewer rows than duration x rate */
    int64_t missing;        /* rows recorded as missing (gaps) */
    int64_t dropped;        /* of which frames lost on the way (reason "dropped"): the others
                               are rows the clock fit inserted where delivery paused */
    size_t gaps;            /* gap records */
    size_t breaks;          /* of which time discontinuities (no sample missing) */
    char first_gap[96];     /* stream, index and reason of the first gap record */
    double latest_gap_s;    /* session time of the latest gap record (nominal rate) */
    int lost;               /* 1: a stream short of rows, or rows recorded as missing */
    int ok;                 /* 1: opened, nothing lost and no gap record at all */
    char error[1024];
} br_check;

/* Checks the session file: each stream's rows against duration_s x its nominal rate (the
 * simulated source ends after exactly that many frames), and its gaps table. */
static inline br_check br_check_file(const char *path, double duration_s)
{
    br_check c;
    memset(&c, 0, sizeof c);
    mc_h5_reader *r = NULL;
    mc_diag d;
    mc_diag_clear(&d);
    if (mc_h5_reader_open(path, &d, &r) != MC_OK) {
        snprintf(c.error, sizeof c.error, "cannot read the session file: %s", d.message);
        return c;
    }
    c.streams = mc_h5_reader_get_n_streams(r);
    c.lost = 1;
    for (size_t i = 0; i < c.streams; i++) {
        const mc_stream_info *info = mc_h5_reader_get_stream(r, i);
        int64_t want = (int64_t)ceil(duration_s * info->rate_hz - 1e-9);
        int64_t got = mc_h5_reader_get_n_frames(r, i);
        size_t n_gaps = 0;
        const mc_h5_gap *gaps = mc_h5_reader_get_gaps(r, i, &n_gaps);
        for (size_t k = 0; k < n_gaps; k++) {
            c.missing += gaps[k].n_missing;
            if (strcmp(gaps[k].reason, "dropped") == 0)
                c.dropped += gaps[k].n_missing;
            c.breaks += gaps[k].n_missing == 0;
            double t = info->rate_hz > 0 ? (double)gaps[k].first_index / info->rate_hz : 0;
            c.latest_gap_s = t > c.latest_gap_s ? t : c.latest_gap_s;
        }
        if (n_gaps > 0 && !c.first_gap[0])
            snprintf(c.first_gap, sizeof c.first_gap, "%.24s row %lld: %lld missing, %.32s",
                     info->name, (long long)gaps[0].first_index, (long long)gaps[0].n_missing,
                     gaps[0].reason);
        c.gaps += n_gaps;
        c.rows += got;
        c.expected += want;
        if (got < want)
            c.short_streams++;
    }
    mc_h5_reader_destroy(r);
    c.lost = c.streams == 0 || c.short_streams > 0 || c.missing > 0;
    c.ok = !c.lost && c.gaps == 0;
    return c;
}

/* RSS of a process in kB from /proc/PID/status (VmRSS), -1 when unreadable. */
static inline long br_rss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kb = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kb;
}

#endif
