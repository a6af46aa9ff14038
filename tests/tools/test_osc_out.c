/* SPDX-License-Identifier: MIT */
/* tests/tools/test_osc_out.c: the OSC output threads: everything pushed reaches a liblo server in
 * order with increasing timetags; absent, unreachable and stuck receivers cost counted drops or
 * failures, never a blocked push, and finish() keeps its deadline; `oscdump` (liblo-tools) run as
 * a child receives the schema, features and events. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/harness.h"
#include "tests/osc_receiver.h"
#include "tools/osc_out.h"

static const mc_feature_def ppg_feats[] = {
    {"hr", "bpm", "beats"}, {"pi", "%", "beat median"}, {"sqi", "1", "quality"}};
static const mc_osc_stream_def streams[] = {{"ppg_finger", ppg_feats, 3, 250.0, "a.u."}};
static const mc_osc_schema schema = {"s01", streams, 1};

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int free_port(int type, char port[16], int keep)
{
    int fd = socket(AF_INET, type, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    ASSERT_TRUE(fd >= 0);
    ASSERT_TRUE(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    ASSERT_TRUE(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    snprintf(port, 16, "%d", ntohs(a.sin_port));
    if (!keep) {
        close(fd);
        return -1;
    }
    return fd;
}

static mc_osc_hop hop_n(int h, int64_t t0, float v[3])
{
    v[0] = 60.0f + (float)h;
    v[1] = 2.0f + 0.001f * (float)h;
    v[2] = 1.0f;
    return (mc_osc_hop){0, t0 + h * (int64_t)100000000, v, NULL, 3, NULL, 0};
}

/* 500 hops + waveform + events to a UDP liblo server, all received in order. */
TEST(udp_roundtrip)
{
    rx *r = rx_start(LO_UDP);
    ASSERT_TRUE(r != NULL);
    char url[64];
    snprintf(url, sizeof url, "osc.udp://127.0.0.1:%s", r->port);
    const char *urls[] = {url};
    mc_osc_out_config cfg = mc_osc_out_config_default();
    cfg.queue_len = 4096;
    mc_osc_out *o = NULL;
    mc_diag d;
    ASSERT_STATUS(mc_osc_out_create(&o, urls, 1, &schema, &cfg, &d), MC_OK);
    ASSERT_EQ_INT(mc_osc_out_count(o), 1);
    int64_t t0 = wall_ns() - 100 * (int64_t)1000000000;
    enum { N = 500 };
    static float wave[25];
    for (int h = 0; h < N; h++) {
        float v[3];
        mc_osc_hop hop = hop_n(h, t0, v);
        ASSERT_STATUS(mc_osc_out_push_hop(o, &hop), MC_OK);
        ASSERT_STATUS(mc_osc_out_push_wave(o, 0, hop.t_end_wall_ns, wave, 25), MC_OK);
        if (h % 100 == 0)
            ASSERT_STATUS(mc_osc_out_push_event(o, hop.t_end_wall_ns, "note", "x", (double)h),
                          MC_OK);
        /* a UDP receiver loses what overflows its socket buffer: every 10 hops, wait for what
           was sent so far (schema, 4 messages per hop, 1 per wave push, the events) */
        if (h % 10 == 9) {
            size_t so_far = 1 + (size_t)(h + 1) * 5 + (size_t)(h / 100 + 1);
            ASSERT_EQ_INT(rx_wait(r, so_far, 3000), so_far);
        }
    }
    ASSERT_STATUS(mc_osc_out_push_status(o, 0, t0, "stopped", 3), MC_OK);
    ASSERT_STATUS(mc_osc_out_push_schema(o), MC_OK);
    ASSERT_STATUS(mc_osc_out_push_hop(o, &(mc_osc_hop){1, 0, NULL, NULL, 0, NULL, 0}), MC_EINVAL);
    ASSERT_STATUS(mc_osc_out_finish(o), MC_OK);
    float v[3];
    mc_osc_hop late = hop_n(0, t0, v);
    ASSERT_STATUS(mc_osc_out_push_hop(o, &late), MC_ESTATE);
    mc_osc_out_stats st;
    mc_osc_out_get_stats(o, 0, &st);
    size_t items = 1 + N * 2 + 5 + 2;
    ASSERT_EQ_INT(st.pushed, items);
    ASSERT_EQ_INT(st.dropped, 0);
    ASSERT_EQ_INT(st.left, 0);
    ASSERT_EQ_INT(st.sender.failed, 0);
    ASSERT_EQ_INT(st.sender.sent, items);
    size_t want = 2 + N * 5 + 5 + 1;
    ASSERT_EQ_INT(rx_wait(r, want, 3000), want);
    rx_stop(r);
    ASSERT_STR_EQ(r->msgs[0].path, "/mcirc/s01/schema");
    int h = 0, n_wave = 0, n_event = 0;
    int64_t last_tt = INT64_MIN;
    for (size_t k = 1; k < r->n; k++) {
        const rx_msg *m = &r->msgs[k];
        if (strcmp(m->path, "/mcirc/s01/ppg_finger/pi") == 0) {
            ASSERT_NEAR_F(m->f[0], 2.0f + 0.001f * (float)h, 0);
            ASSERT_TRUE(m->tt_ns > last_tt); /* increasing timetags */
            ASSERT_TRUE(llabs(m->tt_ns - (t0 + h * (int64_t)100000000)) <= 1);
            last_tt = m->tt_ns;
            h++;
        } else if (strcmp(m->path, "/mcirc/s01/ppg_finger/wave") == 0) {
            ASSERT_EQ_INT(m->argc, 5);
            ASSERT_TRUE(m->msg_bytes + 20 < MC_OSC_DATAGRAM_MAX);
            n_wave++;
        } else if (strcmp(m->path, "/mcirc/s01/event") == 0) {
            ASSERT_NEAR_F(m->f[2], 100.0 * n_event, 0);
            n_event++;
        }
    }
    ASSERT_EQ_INT(h, N);
    ASSERT_EQ_INT(n_wave, N);
    ASSERT_EQ_INT(n_event, 5);
    ASSERT_STR_EQ(r->msgs[r->n - 1].path, "/mcirc/s01/schema");
    mc_osc_out_destroy(o);
    rx_free(r);
}

/* Nobody listens on UDP, and a TCP port refuses: pushes succeed, failures are counted. */
TEST(absent_and_unreachable)
{
    char uport[16], tport[16];
    free_port(SOCK_DGRAM, uport, 0);
    int tfd = free_port(SOCK_STREAM, tport, 1); /* bound, not listening: refused */
    char u1[64], u2[64];
    snprintf(u1, sizeof u1, "osc.udp://127.0.0.1:%s", uport);
    snprintf(u2, sizeof u2, "osc.tcp://127.0.0.1:%s", tport);
    const char *urls[] = {u1, u2};
    mc_osc_out *o = NULL;
    ASSERT_STATUS(mc_osc_out_create(&o, urls, 2, &schema, NULL, NULL), MC_OK);
    int64_t t0 = wall_ns(), worst = 0;
    for (int h = 0; h < 200; h++) {
        float v[3];
        mc_osc_hop hop = hop_n(h, t0, v);
        int64_t a = rx_mono_ns();
        mc_status s = mc_osc_out_push_hop(o, &hop);
        ASSERT_TRUE(s == MC_OK || s == MC_EOVERRUN);
        worst = rx_mono_ns() - a > worst ? rx_mono_ns() - a : worst;
    }
    int64_t a = rx_mono_ns();
    ASSERT_STATUS(mc_osc_out_finish(o), MC_OK);
    double finish_ms = (double)(rx_mono_ns() - a) / 1e6;
    mc_osc_out_stats su, stc;
    mc_osc_out_get_stats(o, 0, &su);
    mc_osc_out_get_stats(o, 1, &stc);
    printf("absent UDP: sent %llu failed %llu; refused TCP: sent %llu failed %llu; slowest push "
           "%.3f ms; finish %.1f ms\n",
           (unsigned long long)su.sender.sent, (unsigned long long)su.sender.failed,
           (unsigned long long)stc.sender.sent, (unsigned long long)stc.sender.failed,
           (double)worst / 1e6, finish_ms);
    ASSERT_EQ_INT(su.sender.sent + su.sender.failed, 201);
    ASSERT_EQ_INT(stc.sender.sent, 0);
    ASSERT_EQ_INT(stc.sender.failed + stc.dropped, 201);
    ASSERT_TRUE(finish_ms < 600);
    mc_osc_out_destroy(o);
    close(tfd);
}

/* One TCP peer accepts and never reads; a UDP server beside it gets everything. Pushes never
 * wait for the stuck peer; its queue drops the oldest (counted); finish keeps its deadline. */
TEST(tcp_stuck_peer)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int small = 4096;
    setsockopt(ls, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    ASSERT_TRUE(bind(ls, (struct sockaddr *)&a, sizeof a) == 0);
    ASSERT_TRUE(listen(ls, 4) == 0);
    ASSERT_TRUE(getsockname(ls, (struct sockaddr *)&a, &len) == 0);
    rx *r = rx_start(LO_UDP);
    ASSERT_TRUE(r != NULL);
    char u1[64], u2[64];
    snprintf(u1, sizeof u1, "osc.tcp://127.0.0.1:%d", ntohs(a.sin_port));
    snprintf(u2, sizeof u2, "osc.udp://127.0.0.1:%s", r->port);
    const char *urls[] = {u1, u2};
    mc_osc_out_config cfg = mc_osc_out_config_default();
    cfg.queue_len = 64;
    cfg.finish_deadline_ms = 300;
    cfg.sender.send_timeout_ms = 20;
    mc_osc_out *o = NULL;
    ASSERT_STATUS(mc_osc_out_create(&o, urls, 2, &schema, &cfg, NULL), MC_OK);
    static float wave[2500];
    int64_t t0 = wall_ns() - 10 * (int64_t)1000000000, worst = 0, start = rx_mono_ns();
    /* 10 s of hops at 2500 samples each: several MB, more than the kernel buffers of the stuck
       connection hold; then go on until its queue has dropped (at most 20 s) */
    int n = 0;
    mc_osc_out_stats stc, su;
    for (;; n++) {
        if (n % 256 == 0) {
            mc_osc_out_get_stats(o, 0, &stc);
            if ((n >= 3000 && stc.dropped > 0 && stc.sender.failed > 0) ||
                rx_mono_ns() - start > 20 * (int64_t)1000000000)
                break;
        }
        float v[3];
        mc_osc_hop hop = hop_n(n, t0, v);
        int64_t b = rx_mono_ns();
        mc_status s1 = mc_osc_out_push_hop(o, &hop);
        mc_status s2 = mc_osc_out_push_wave(o, 0, hop.t_end_wall_ns, wave, 2500);
        int64_t dt = rx_mono_ns() - b;
        worst = dt > worst ? dt : worst;
        ASSERT_TRUE(s1 == MC_OK || s1 == MC_EOVERRUN);
        ASSERT_TRUE(s2 == MC_OK || s2 == MC_EOVERRUN);
        if (n % 4 == 0) { /* a pace the UDP receiver can follow */
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
        }
    }
    double push_ms = (double)(rx_mono_ns() - start) / 1e6;
    /* the UDP destination drains its queue while the TCP peer is still stuck */
    int64_t until = rx_mono_ns() + 3 * (int64_t)1000000000;
    do {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
        mc_osc_out_get_stats(o, 1, &su);
    } while (su.queued > 0 && rx_mono_ns() < until);
    ASSERT_EQ_INT(su.queued, 0);
    int64_t b = rx_mono_ns();
    mc_status fin = mc_osc_out_finish(o);
    double finish_ms = (double)(rx_mono_ns() - b) / 1e6;
    mc_osc_out_get_stats(o, 0, &stc);
    mc_osc_out_get_stats(o, 1, &su);
    printf("stuck TCP: pushed %llu dropped %llu left %llu sent %llu failed %llu; UDP: dropped "
           "%llu sent %llu; %d hops pushed in %.1f ms, slowest push %.3f ms; finish %.1f ms (%s)\n",
           (unsigned long long)stc.pushed, (unsigned long long)stc.dropped,
           (unsigned long long)stc.left, (unsigned long long)stc.sender.sent,
           (unsigned long long)stc.sender.failed, (unsigned long long)su.dropped,
           (unsigned long long)su.sender.sent, n, push_ms, (double)worst / 1e6, finish_ms,
           mc_strerror(fin));
    ASSERT_TRUE(stc.dropped > 0);       /* the stuck queue overflowed */
    ASSERT_TRUE(stc.sender.failed > 0); /* the peer really stopped reading: writes timed out */
    ASSERT_EQ_INT(stc.pushed, 1 + 6 * (uint64_t)n); /* every push accepted: a hop, 5 wave items */
    ASSERT_TRUE(worst < 50 * 1000000);              /* never waited for the peer */
    ASSERT_TRUE(finish_ms < cfg.finish_deadline_ms + 200); /* deadline + one send timeout */
    ASSERT_EQ_INT(su.pushed, stc.pushed);
    ASSERT_EQ_INT(su.sender.failed, 0); /* the other destination was served: all accounted */
    ASSERT_EQ_INT(su.sender.sent + su.dropped, su.pushed);
    ASSERT_TRUE(rx_count(r) > 0);
    mc_osc_out_destroy(o);
    rx_free(r);
    close(ls);
}

/* Many producers and the sending thread at once (for TSan): counters add up. */
typedef struct prod_arg {
    mc_osc_out *o;
    int id;
} prod_arg;

static void *producer(void *arg)
{
    prod_arg *p = arg;
    for (int h = 0; h < 2000; h++) {
        float v[3];
        mc_osc_hop hop = hop_n(h, wall_ns(), v);
        mc_status s = p->id % 2 ? mc_osc_out_push_hop(p->o, &hop)
                                : mc_osc_out_push_event(p->o, hop.t_end_wall_ns, "k", "t", h);
        if (s != MC_OK && s != MC_EOVERRUN)
            return (void *)1;
    }
    return NULL;
}

TEST(concurrent_push)
{
    rx *r = rx_start(LO_UDP);
    ASSERT_TRUE(r != NULL);
    char url[64];
    snprintf(url, sizeof url, "osc.udp://127.0.0.1:%s", r->port);
    const char *urls[] = {url};
    mc_osc_out_config cfg = mc_osc_out_config_default();
    cfg.queue_len = 32;
    mc_osc_out *o = NULL;
    ASSERT_STATUS(mc_osc_out_create(&o, urls, 1, &schema, &cfg, NULL), MC_OK);
    pthread_t t[4];
    prod_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (prod_arg){o, i};
        ASSERT_TRUE(pthread_create(&t[i], NULL, producer, &args[i]) == 0);
    }
    mc_osc_out_stats st;
    for (int i = 0; i < 4; i++) {
        void *ret;
        pthread_join(t[i], &ret);
        ASSERT_TRUE(ret == NULL);
        mc_osc_out_get_stats(o, 0, &st);
    }
    ASSERT_STATUS(mc_osc_out_finish(o), MC_OK);
    mc_osc_out_get_stats(o, 0, &st);
    printf("concurrent: pushed %llu dropped %llu sent %llu\n", (unsigned long long)st.pushed,
           (unsigned long long)st.dropped, (unsigned long long)st.sender.sent);
    ASSERT_EQ_INT(st.pushed, 1 + 4 * 2000);
    ASSERT_EQ_INT(st.pushed, st.dropped + st.sender.sent + st.sender.failed);
    mc_osc_out_destroy(o);
    rx_free(r);
}

/* Integration: oscdump (liblo-tools) as a child receives the schema, features and an event. */
TEST(oscdump)
{
    if (access("/usr/bin/oscdump", X_OK) != 0)
        SKIP("/usr/bin/oscdump is absent (apt package liblo-tools)");
    char port[16];
    free_port(SOCK_DGRAM, port, 0);
    int pfd[2];
    ASSERT_TRUE(pipe(pfd) == 0);
    pid_t pid = fork();
    ASSERT_TRUE(pid >= 0);
    if (pid == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        close(pfd[1]);
        execl("/usr/bin/oscdump", "oscdump", "-L", port, (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    char url[64];
    snprintf(url, sizeof url, "osc.udp://127.0.0.1:%s", port);
    const char *urls[] = {url};
    mc_osc_out *o = NULL;
    ASSERT_STATUS(mc_osc_out_create(&o, urls, 1, &schema, NULL, NULL), MC_OK);
    static char out[1 << 16];
    size_t used = 0;
    /* oscdump needs a moment to bind: ask for the schema until it shows */
    int64_t end = rx_mono_ns() + 5 * (int64_t)1000000000;
    while (!strstr(out, "/mcirc/s01/schema") && rx_mono_ns() < end) {
        ASSERT_STATUS(mc_osc_out_push_schema(o), MC_OK);
        struct pollfd p = {.fd = pfd[0], .events = POLLIN};
        if (poll(&p, 1, 100) > 0) {
            ssize_t n = read(pfd[0], out + used, sizeof out - 1 - used);
            if (n > 0)
                used += (size_t)n;
            out[used] = '\0';
        }
    }
    int64_t t0 = wall_ns() - 5 * (int64_t)1000000000;
    for (int h = 0; h < 10; h++) {
        float v[3];
        mc_osc_hop hop = hop_n(h, t0, v);
        ASSERT_STATUS(mc_osc_out_push_hop(o, &hop), MC_OK);
    }
    ASSERT_STATUS(mc_osc_out_push_event(o, t0, "crt", "finger", 2.5), MC_OK);
    ASSERT_STATUS(mc_osc_out_finish(o), MC_OK);
    end = rx_mono_ns() + 3 * (int64_t)1000000000;
    while (!strstr(out, "/mcirc/s01/event ssf") && rx_mono_ns() < end) {
        struct pollfd p = {.fd = pfd[0], .events = POLLIN};
        if (poll(&p, 1, 100) > 0) {
            ssize_t n = read(pfd[0], out + used, sizeof out - 1 - used);
            if (n > 0)
                used += (size_t)n;
            out[used] = '\0';
        }
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    if (getenv("MC_TEST_VERBOSE"))
        fputs(out, stderr);
    close(pfd[0]);
    mc_osc_out_destroy(o);
    ASSERT_TRUE(strstr(out, "/mcirc/s01/schema ss") != NULL);
    ASSERT_TRUE(strstr(out, "\"version 1\"") != NULL || strstr(out, "version 1") != NULL);
    ASSERT_TRUE(strstr(out, "/mcirc/s01/ppg_finger/hr f 60.000000") != NULL);
    ASSERT_TRUE(strstr(out, "/mcirc/s01/ppg_finger/hr f 69.000000") != NULL);
    ASSERT_TRUE(strstr(out, "/mcirc/s01/ppg_finger/status si \"ok\" 0") != NULL);
    /* each hop's bundle timetag, as oscdump prints it (NTP seconds.fraction in hex), is the end
       of its window: t0 + h * 100 ms, in order */
    const char *prev = out;
    for (int h = 0; h < 10; h++) {
        int64_t t = t0 + h * (int64_t)100000000;
        char line[96];
        snprintf(line, sizeof line, "%08x.%08x /mcirc/s01/ppg_finger/hr f %d.000000",
                 (unsigned)(t / 1000000000 + 2208988800LL),
                 (unsigned)(((uint64_t)(t % 1000000000) << 32) / 1000000000u), 60 + h);
        const char *at = strstr(out, line);
        if (!at)
            fprintf(stderr, "missing: %s\n", line);
        ASSERT_TRUE(at != NULL && at >= prev);
        prev = at;
    }
    ASSERT_TRUE(strstr(out, "/mcirc/s01/event ssf \"crt\" \"finger\" 2.500000") != NULL);
}
