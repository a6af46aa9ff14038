/* SPDX-License-Identifier: MIT */
/* tests/bench/bench_osc.c: latency of the OSC output, from mc_osc_out_push_hop to the hop's
 * bundle handled by a liblo server thread on loopback (UDP), p50/p99/max over 10 000 hops pushed
 * every 0.5 ms (issue 5 target: p99 <= 5 ms). Also the cost of a push on the caller's thread. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define RX_MAX 41000 /* the schema and 4 messages per hop */
#include "tests/osc_receiver.h"
#include "tools/osc_out.h"

enum { N_HOPS = 10000 };

static const mc_feature_def feats[] = {{"hr", "bpm", ""}, {"pi", "%", ""}, {"sqi", "1", ""}};
static const mc_osc_stream_def streams[] = {{"ppg_finger", feats, 3, 250.0, "a.u."}};
static const mc_osc_schema schema = {"s01", streams, 1};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(void)
{
    rx *r = rx_start(LO_UDP);
    if (!r) {
        fprintf(stderr, "bench_osc: no liblo server\n");
        return 1;
    }
    char url[64];
    snprintf(url, sizeof url, "osc.udp://127.0.0.1:%s", r->port);
    const char *urls[] = {url};
    mc_osc_out *o = NULL;
    if (mc_osc_out_create(&o, urls, 1, &schema, NULL, NULL) != MC_OK)
        return 1;
    int64_t *t_push = calloc(N_HOPS, sizeof *t_push), *lat = calloc(N_HOPS, sizeof *lat),
            *cost = calloc(N_HOPS, sizeof *cost);
    if (!t_push || !lat || !cost)
        return 1;
    rx_wait(r, 1, 1000); /* the schema */
    for (int h = 0; h < N_HOPS; h++) {
        float v[3] = {(float)h, 2.0f, 1.0f};
        mc_osc_hop hop = {0, wall_ns(), v, NULL, 3, NULL, 0};
        t_push[h] = rx_mono_ns();
        mc_status st = mc_osc_out_push_hop(o, &hop);
        cost[h] = rx_mono_ns() - t_push[h];
        if (st != MC_OK && st != MC_EOVERRUN)
            return 1;
        struct timespec ts = {0, 500000};
        nanosleep(&ts, NULL);
    }
    size_t want = 1 + (size_t)N_HOPS * 4;
    rx_wait(r, want, 5000);
    mc_status fin = mc_osc_out_finish(o);
    rx_stop(r);
    mc_osc_out_stats st;
    mc_osc_out_get_stats(o, 0, &st);
    size_t n = 0;
    for (size_t k = 0; k < r->n; k++) {
        const rx_msg *m = &r->msgs[k];
        if (strcmp(m->path, "/mcirc/s01/ppg_finger/hr") != 0)
            continue;
        int h = (int)m->f[0];
        if (h >= 0 && h < N_HOPS)
            lat[n++] = m->rx_mono_ns - t_push[h];
    }
    qsort(lat, n, sizeof *lat, cmp_i64);
    qsort(cost, N_HOPS, sizeof *cost, cmp_i64);
    if (n == 0) {
        fprintf(stderr, "bench_osc: nothing received\n");
        return 1;
    }
    printf("bench_osc: %d hops pushed every 0.5 ms, %zu received, queue dropped %llu, sent %llu, "
           "failed %llu (finish: %s)\n",
           N_HOPS, n, (unsigned long long)st.dropped, (unsigned long long)st.sender.sent,
           (unsigned long long)st.sender.failed, mc_strerror(fin));
    printf("bench_osc: push -> received latency p50 %.3f ms, p99 %.3f ms, max %.3f ms "
           "(target p99 <= 5 ms: %s)\n",
           (double)lat[n / 2] / 1e6, (double)lat[n * 99 / 100] / 1e6, (double)lat[n - 1] / 1e6,
           lat[n * 99 / 100] <= 5000000 ? "met" : "NOT met");
    printf("bench_osc: push cost on the caller p50 %.1f us, p99 %.1f us, max %.1f us\n",
           (double)cost[N_HOPS / 2] / 1e3, (double)cost[N_HOPS * 99 / 100] / 1e3,
           (double)cost[N_HOPS - 1] / 1e3);
    mc_osc_out_destroy(o);
    rx_free(r);
    free(t_push);
    free(lat);
    free(cost);
    return 0;
}
