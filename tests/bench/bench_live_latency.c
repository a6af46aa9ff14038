/* SPDX-License-Identifier: MIT */
/* tests/bench/bench_live_latency.c: latency of the live features over OSC, in process. A pipeline
 * (tools/pipeline.h) of 16 paced simulated sources (4 each of PPG 250 Hz, LDF 32 Hz, NIRS 1 Hz,
 * PCO2 1 Hz) records 30 s with live analysis and sends OSC to a liblo server on loopback
 * (tests/osc_receiver.h). Per feature bundle (one per analyser hop):
 *   (a1) window end -> received: the bundle's timetag (the window end, one period after its last
 *        sample) taken back to CLOCK_MONOTONIC with the session's own anchor (unix0 <-> mono0) and
 *        compared with the monotonic reception time. This includes the source's pacing: a block
 *        of 0.1 s is handed over when its last frame is due, and a 1 Hz stream's timetag lies one
 *        second after its last sample.
 *   (a2) last sample handed over -> received: from the due time of the block that holds the
 *        window's last sample (the source delivers it then), the latency the recorder adds.
 *   (b)  inside mcirc: hop computed (the pipeline's call to mc_osc_out_push_hop) -> the bundle's
 *        sendto, and push -> received. Measured without touching production code by wrapping
 *        both symbols at link time (-Wl,--wrap), so the bench sees each call with its time;
 *        mc_recording_flush likewise, as the writer thread that flushes the file also feeds the
 *        analysis.
 * Target (issue): p99 <= 5 ms. The bench reports; it fails only when something breaks.
 *
 * usage: bench_live_latency [seconds] [streams per model] */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RX_MAX 60000
#include "acquisition/clock.h"
#include "acquisition/source_sim.h"
#include "tests/osc_receiver.h"
#include "tools/pipeline.h"

static const double target_p99_ms = 5.0;
static const double block_s = 0.1;

typedef struct lat_model {
    const char *model;
    double rate_hz;
} lat_model;

static const lat_model models[] = {{"ppg", 250.0}, {"ldf", 32.0}, {"nirs", 1.0}, {"pco2", 1.0}};
enum { N_MODELS = 4, MAX_CALLS = 100000 };

/* ---- link-time wrappers: the calls of the pipeline seen with their times ------------------- */

typedef struct call_rec {
    int64_t mono_ns;
    int64_t tt_ns; /* push: the hop's wall time; send: the bundle's timetag */
    size_t stream; /* push: the hop's stream */
    char path[96]; /* send: the bundle's first address */
} call_rec;

/* Written by the analysis thread (pushes) and the OSC thread (sends), read after the finish. */
static call_rec *pushes, *sends;
static atomic_size_t n_pushes, n_sends;
/* Durations of the writer's flushes of the session file (the writer thread also feeds the
 * analysis, so a flush delays the hops behind it). */
static int64_t *flushes;
static atomic_size_t n_flushes;

mc_status __real_mc_osc_out_push_hop(mc_osc_out *o, const mc_osc_hop *hop);
mc_status __wrap_mc_osc_out_push_hop(mc_osc_out *o, const mc_osc_hop *hop);
mc_status __real_mc_recording_flush(mc_recording *rec);
mc_status __wrap_mc_recording_flush(mc_recording *rec);
ssize_t __real_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
                      socklen_t to_len);
ssize_t __wrap_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
                      socklen_t to_len);

mc_status __wrap_mc_osc_out_push_hop(mc_osc_out *o, const mc_osc_hop *hop)
{
    size_t k = atomic_fetch_add_explicit(&n_pushes, 1, memory_order_relaxed);
    if (pushes && k < MAX_CALLS) {
        pushes[k].mono_ns = rx_mono_ns();
        pushes[k].tt_ns = hop->t_end_wall_ns;
        pushes[k].stream = hop->stream;
    }
    return __real_mc_osc_out_push_hop(o, hop);
}

mc_status __wrap_mc_recording_flush(mc_recording *rec)
{
    int64_t t0 = rx_mono_ns();
    mc_status st = __real_mc_recording_flush(rec);
    size_t k = atomic_fetch_add_explicit(&n_flushes, 1, memory_order_relaxed);
    if (flushes && k < MAX_CALLS)
        flushes[k] = rx_mono_ns() - t0;
    return st;
}

ssize_t __wrap_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
                      socklen_t to_len)
{
    ssize_t n = __real_sendto(fd, buf, len, flags, to, to_len);
    const unsigned char *b = buf;
    /* "#bundle\0", an NTP timetag, then the first element's size and its address. */
    if (sends && len > 24 && memcmp(b, "#bundle", 8) == 0) {
        int64_t t = rx_mono_ns();
        size_t k = atomic_fetch_add_explicit(&n_sends, 1, memory_order_relaxed);
        if (k < MAX_CALLS) {
            lo_timetag tt;
            uint32_t sec = 0, frac = 0;
            for (int i = 0; i < 4; i++) {
                sec = sec << 8 | b[8 + i];
                frac = frac << 8 | b[12 + i];
            }
            tt.sec = sec;
            tt.frac = frac;
            sends[k].mono_ns = t;
            sends[k].tt_ns = rx_tt_to_ns(tt);
            size_t room = len - 20 < sizeof sends[k].path ? len - 20 : sizeof sends[k].path;
            memcpy(sends[k].path, b + 20, room);
            sends[k].path[room - 1] = '\0';
        }
    }
    return n;
}

/* ---- statistics ----------------------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void print_dist(const char *what, int64_t *v, size_t n, int against_target)
{
    if (n == 0) {
        printf("  %-44s n/a (no sample)\n", what);
        return;
    }
    qsort(v, n, sizeof *v, cmp_i64);
    double p99 = (double)v[n * 99 / 100] / 1e6;
    printf("  %-44s n %5zu  min %8.3f  p50 %8.3f  p99 %8.3f  max %8.3f ms", what, n,
           (double)v[0] / 1e6, (double)v[n / 2] / 1e6, p99, (double)v[n - 1] / 1e6);
    if (against_target)
        printf("  p99/target %.2fx %s", p99 / target_p99_ms, p99 <= target_p99_ms ? "met" : "MISS");
    printf("\n");
}

/* The model of a stream from its name "<model>_<k>". */
static int model_of(const char *name)
{
    for (int m = 0; m < N_MODELS; m++) {
        size_t l = strlen(models[m].model);
        if (strncmp(name, models[m].model, l) == 0 && name[l] == '_')
            return m;
    }
    return -1;
}

/* A feature address of the schema: /mcirc/<subject>/<stream>/<feature>, not wave or status.
 * Writes the stream name into `stream`. */
static int is_feature_path(const char *path, char *stream, size_t cap)
{
    const char *s = strchr(path + 1, '/');
    s = s ? strchr(s + 1, '/') : NULL;
    const char *f = s ? strchr(s + 1, '/') : NULL;
    if (!f || strchr(f + 1, '/') || strcmp(f, "/wave") == 0 || strcmp(f, "/status") == 0)
        return 0;
    size_t l = (size_t)(f - s - 1);
    if (l >= cap)
        return 0;
    memcpy(stream, s + 1, l);
    stream[l] = '\0';
    return 1;
}

int main(int argc, char **argv)
{
    double duration_s = argc > 1 ? atof(argv[1]) : 30.0;
    int per_model = argc > 2 ? atoi(argv[2]) : 4;
    int verbose = getenv("MC_BENCH_VERBOSE") != NULL; /* one line per hop */
    if (!(duration_s > 0) || per_model < 1 || per_model > 64) {
        fprintf(stderr, "usage: bench_live_latency [seconds] [streams per model, 1..64]\n");
        return 1;
    }
    pushes = calloc(MAX_CALLS, sizeof *pushes);
    sends = calloc(MAX_CALLS, sizeof *sends);
    flushes = calloc(MAX_CALLS, sizeof *flushes);
    rx *r = rx_start(LO_UDP);
    if (!pushes || !sends || !flushes || !r) {
        fprintf(stderr, "bench_live_latency: FAILED: no memory or no liblo server\n");
        return 1;
    }
    char url[64];
    snprintf(url, sizeof url, "osc.udp://127.0.0.1:%s", r->port);
    const char *urls[] = {url};
    const char *base = getenv("TMPDIR") && getenv("TMPDIR")[0] ? getenv("TMPDIR") : "/tmp";
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/mc_bench_lat_XXXXXX", base);
    if (!mkdtemp(dir)) {
        fprintf(stderr, "bench_live_latency: FAILED: mkdtemp %s\n", dir);
        return 1;
    }
    snprintf(path, sizeof path, "%s/lat.h5", dir);

    size_t n_src = (size_t)per_model * N_MODELS;
    mc_source **src = calloc(n_src, sizeof *src);
    char(*names)[32] = calloc(n_src, sizeof *names);
    if (!src || !names)
        return 1;
    mc_session_clock clock = mc_session_clock_start();
    for (size_t i = 0; i < n_src; i++) {
        const lat_model *m = &models[i % N_MODELS];
        snprintf(names[i], sizeof names[i], "%s_%zu", m->model, i / N_MODELS);
        mc_source_sim_config c = mc_source_sim_config_default();
        c.model = m->model;
        c.name = names[i];
        c.paced = 1;
        c.speed = 1;
        c.start_mono_ns = clock.mono0_ns;
        c.duration_s = duration_s;
        c.block_s = block_s;
        mc_diag d;
        mc_diag_clear(&d);
        if (mc_source_sim_create(&c, &d, &src[i]) != MC_OK) {
            fprintf(stderr, "bench_live_latency: FAILED: source %s: %s\n", names[i], d.message);
            return 1;
        }
    }
    mc_session_info session;
    memset(&session, 0, sizeof session);
    snprintf(session.subject, sizeof session.subject, "BENCH-1");
    snprintf(session.session, sizeof session.session, "baseline");
    snprintf(session.timezone, sizeof session.timezone, "UTC");
    mc_session_set_start(&session, clock.unix0_ns);
    mc_analysis_config acfg;
    mc_analysis_config_default(&acfg);
    mc_pipeline_config pc = mc_pipeline_config_default();
    pc.sources = src;
    pc.n_sources = n_src;
    pc.writer.path = path;
    pc.writer.session = &session;
    pc.mono0_ns = clock.mono0_ns;
    pc.unix0_ns = clock.unix0_ns;
    pc.analysis = &acfg;
    pc.osc = 1;
    pc.osc_urls = urls;
    pc.n_osc_urls = 1;
    mc_pipeline *p = NULL;
    mc_diag d;
    mc_diag_clear(&d);
    if (mc_pipeline_create(&pc, &d, &p) != MC_OK || mc_pipeline_start(p) != MC_OK) {
        fprintf(stderr, "bench_live_latency: FAILED: pipeline: %s\n", d.message);
        return 1;
    }
    printf("bench_live_latency: pipeline of %zu paced sim sources (%d each of ppg 250 Hz, ldf "
           "32 Hz, nirs 1 Hz, pco2 1 Hz; blocks of %.1f s), %.0f s, live analysis (defaults),\n"
           "  OSC to a liblo server thread on %s; times: CLOCK_MONOTONIC, timetags taken back to "
           "it with the session anchor (unix0 = mono0)\n",
           n_src, per_model, block_s, duration_s, url);
    fflush(stdout);
    while (mc_pipeline_is_running(p))
        mc_clock_sleep_until(mc_clock_now_ns() + 100000000, -1);
    mc_status fin = mc_pipeline_finish(p, &d);
    if (fin != MC_OK) {
        fprintf(stderr, "bench_live_latency: FAILED: finish: %s\n", d.message);
        return 1;
    }
    rx_wait(r, SIZE_MAX, 300);
    /* The offset between the wall and monotonic clocks at the end against the anchor's: how far
     * comparing timetags with CLOCK_REALTIME at reception would have been off. */
    int64_t drift_ns = (mc_clock_unix_ns() - mc_clock_now_ns()) - (clock.unix0_ns - clock.mono0_ns);
    rx_stop(r);

    int64_t missing = 0, frames = 0, rows = 0;
    uint64_t an_dropped = 0;
    for (size_t i = 0; i < mc_pipeline_get_n_streams(p); i++) {
        mc_pipeline_stream_stats s = mc_pipeline_get_stream_stats(p, i);
        missing += s.missing;
        frames += s.frames;
        rows += s.rows;
        an_dropped += s.analysis_dropped;
    }
    mc_osc_out_stats os;
    mc_osc_out_get_stats(mc_pipeline_get_osc(p), 0, &os);
    printf("  recorded %lld samples, %lld missing; %lld analyser rows, %llu analysis drops; OSC "
           "%llu packets sent, %llu failed, %llu dropped; %zu messages received in %zu bundles\n",
           (long long)frames, (long long)missing, (long long)rows, (unsigned long long)an_dropped,
           (unsigned long long)os.sender.sent, (unsigned long long)os.sender.failed,
           (unsigned long long)os.dropped, r->n, r->n_bundles);

    /* One latency per feature bundle received (its first message). */
    int64_t *a1 = calloc(RX_MAX, sizeof *a1), *a2 = calloc(RX_MAX, sizeof *a2);
    int64_t *a1m[N_MODELS], *a2m[N_MODELS], *push_rx = calloc(RX_MAX, sizeof *push_rx);
    size_t n1 = 0, n2 = 0, n1m[N_MODELS] = {0}, n2m[N_MODELS] = {0}, n_prx = 0;
    for (int m = 0; m < N_MODELS; m++) {
        a1m[m] = calloc(RX_MAX, sizeof *a1m[m]);
        a2m[m] = calloc(RX_MAX, sizeof *a2m[m]);
        if (!a1m[m] || !a2m[m])
            return 1;
    }
    if (!a1 || !a2 || !push_rx)
        return 1;
    size_t n_push = atomic_load(&n_pushes), n_send = atomic_load(&n_sends);
    n_push = n_push < MAX_CALLS ? n_push : MAX_CALLS;
    n_send = n_send < MAX_CALLS ? n_send : MAX_CALLS;
    size_t last_bundle = 0, n_warm = 0;
    int64_t warm_max = 0;
    const int64_t warmup_ns = 2000000000;
    for (size_t k = 0; k < r->n; k++) {
        const rx_msg *msg = &r->msgs[k];
        char stream[64];
        if (msg->bundle_index == 0 || msg->bundle_index == last_bundle ||
            !is_feature_path(msg->path, stream, sizeof stream))
            continue;
        last_bundle = msg->bundle_index;
        int m = model_of(stream);
        if (m < 0)
            continue;
        double rate = models[m].rate_hz;
        int64_t end_mono = msg->tt_ns - clock.unix0_ns + clock.mono0_ns;
        /* The window's last frame, its block, and the moment the source handed that block over
         * (frame k is due at mono0 + k / rate; a block goes when its last frame is due). */
        int64_t last = llround((double)(end_mono - clock.mono0_ns) * rate / 1e9) - 1;
        int64_t per_block = (int64_t)ceil(block_s * rate);
        int64_t block_last = (last / per_block + 1) * per_block - 1;
        int64_t due = clock.mono0_ns + llround((double)block_last * 1e9 / rate);
        if (verbose)
            printf("  hop %-8s window end %8.3f s, last frame %6lld, block due %8.3f s, received "
                   "%8.3f s: %+8.3f ms\n",
                   stream, (double)(end_mono - clock.mono0_ns) / 1e9, (long long)last,
                   (double)(due - clock.mono0_ns) / 1e9,
                   (double)(msg->rx_mono_ns - clock.mono0_ns) / 1e9,
                   (double)(msg->rx_mono_ns - due) / 1e6);
        /* Start-up: the first frames are due before the threads run (frame 0 at mono0) and go
         * late, at once; those hops are counted apart. */
        if (due - clock.mono0_ns < warmup_ns) {
            n_warm++;
            warm_max = msg->rx_mono_ns - due > warm_max ? msg->rx_mono_ns - due : warm_max;
            continue;
        }
        a1[n1++] = msg->rx_mono_ns - end_mono;
        a1m[m][n1m[m]++] = msg->rx_mono_ns - end_mono;
        a2[n2++] = msg->rx_mono_ns - due;
        a2m[m][n2m[m]++] = msg->rx_mono_ns - due;
        /* The pipeline's push of this hop: same stream, same wall time (within the timetag's
         * rounding). */
        for (size_t j = 0; j < n_push; j++) {
            if (strcmp(names[pushes[j].stream], stream) == 0 &&
                llabs(pushes[j].tt_ns - msg->tt_ns) < 1000) {
                push_rx[n_prx++] = msg->rx_mono_ns - pushes[j].mono_ns;
                break;
            }
        }
    }
    /* Inside mcirc: each push matched with the first sendto of a feature bundle of its stream
     * and time. */
    int64_t *push_send = calloc(n_push + 1, sizeof *push_send);
    size_t n_ps = 0;
    for (size_t j = 0; j < n_push; j++) {
        for (size_t k = 0; k < n_send; k++) {
            char stream[64];
            if (!is_feature_path(sends[k].path, stream, sizeof stream) ||
                strcmp(stream, names[pushes[j].stream]) != 0 ||
                llabs(sends[k].tt_ns - pushes[j].tt_ns) >= 1000 ||
                sends[k].mono_ns < pushes[j].mono_ns)
                continue;
            push_send[n_ps++] = sends[k].mono_ns - pushes[j].mono_ns;
            break;
        }
    }
    printf("  %zu hops pushed by the pipeline, %zu bundles sent (sendto), %zu hop bundles "
           "received; wall-monotonic drift over the run %+.3f ms\n",
           n_push, n_send, n1, (double)drift_ns / 1e6);
    printf("  start-up (block due in the first %.0f s, not in the figures): %zu hops, latest "
           "%.3f ms after its block was due\n",
           (double)warmup_ns / 1e9, n_warm, (double)warm_max / 1e6);
    print_dist("(a1) window end (timetag) -> received", a1, n1, 0);
    for (int m = 0; m < N_MODELS; m++) {
        char what[64];
        snprintf(what, sizeof what, "     %s", models[m].model);
        print_dist(what, a1m[m], n1m[m], 0);
    }
    print_dist("(a2) last sample handed over -> received", a2, n2, 1);
    for (int m = 0; m < N_MODELS; m++) {
        char what[64];
        snprintf(what, sizeof what, "     %s", models[m].model);
        print_dist(what, a2m[m], n2m[m], 0);
    }
    print_dist("(b)  hop computed -> bundle sendto (in mcirc)", push_send, n_ps, 1);
    print_dist("     hop computed -> received", push_rx, n_prx, 0);
    size_t n_fl = atomic_load(&n_flushes);
    print_dist("writer: one flush of the session file", flushes,
               n_fl < MAX_CALLS ? n_fl : MAX_CALLS, 0);
    printf("  (a1) counts from the window end = the timetag, one sample period after the window's "
           "last sample:\n  a 1 Hz stream's bundle leaves before it (negative), a 250 Hz one "
           "waits for the rest of its 0.1 s block.\n  (a2) is what the recorder adds once the "
           "source has delivered the sample; (b) the part after the analyser.\n");

    mc_pipeline_destroy(p);
    for (size_t i = 0; i < n_src; i++)
        mc_source_destroy(src[i]);
    unlink(path);
    rmdir(dir);
    rx_free(r);
    for (int m = 0; m < N_MODELS; m++) {
        free(a1m[m]);
        free(a2m[m]);
    }
    free(flushes);
    free(a1);
    free(a2);
    free(push_rx);
    free(push_send);
    free(src);
    free(names);
    free(pushes);
    free(sends);
    return 0;
}
