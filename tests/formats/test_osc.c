/* SPDX-License-Identifier: MIT */
/* tests/formats/test_osc.c: the OSC schema (names, addresses, schema entries) and the sender
 * against a real liblo server on loopback (UDP and TCP), an absent receiver, an unreachable TCP
 * port and a TCP peer that never reads. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "formats/osc_schema.h"
#include "formats/osc_sender.h"
#include "tests/harness.h"
#include "tests/osc_receiver.h"

static const mc_feature_def ppg_feats[] = {
    {"hr", "bpm", "beats"}, {"pi", "%", "beat median"}, {"sqi", "1", "quality"}};
static const mc_feature_def ldf_feats[] = {{"perfusion", "PU", "mean"}, {"myogenic", "PU2", "cwt"}};
static const mc_osc_stream_def streams[] = {
    {"ppg_finger", ppg_feats, 3, 250.0, "a.u."},
    {"ldf_forearm", ldf_feats, 2, 0.0, NULL},
};
static const mc_osc_schema schema = {"s01", streams, 2};

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A loopback port that nobody listens on: a bound socket that is kept open (UDP: nothing reads;
 * TCP: not listening, so connections are refused). */
static int closed_port(int type, char port[16])
{
    int fd = socket(AF_INET, type, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    ASSERT_TRUE(fd >= 0);
    ASSERT_TRUE(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    ASSERT_TRUE(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    snprintf(port, 16, "%d", ntohs(a.sin_port));
    return fd;
}

static mc_osc_sender *sender_to(const char *proto, const char *port, const mc_osc_sender_config *c)
{
    char url[64];
    mc_osc_sender *s = NULL;
    mc_diag d;
    snprintf(url, sizeof url, "osc.%s://127.0.0.1:%s", proto, port);
    ASSERT_STATUS(mc_osc_sender_create(&s, url, &schema, c, &d), MC_OK);
    return s;
}

TEST(names)
{
    ASSERT_TRUE(mc_osc_name_is_valid("ppg_finger"));
    ASSERT_TRUE(mc_osc_name_is_valid("A-1.b"));
    ASSERT_TRUE(!mc_osc_name_is_valid(""));
    ASSERT_TRUE(!mc_osc_name_is_valid(NULL));
    ASSERT_TRUE(!mc_osc_name_is_valid("."));
    ASSERT_TRUE(!mc_osc_name_is_valid(".."));
    const char *bad[] = {"a b", "a/b", "a#", "a*", "a,b", "a?", "a[", "a]", "a{", "a}", "\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ASSERT_TRUE(!mc_osc_name_is_valid(bad[i]));
    char longname[MC_OSC_NAME_MAX + 2];
    memset(longname, 'x', sizeof longname);
    longname[MC_OSC_NAME_MAX] = '\0';
    ASSERT_TRUE(mc_osc_name_is_valid(longname));
    longname[MC_OSC_NAME_MAX] = 'x';
    longname[MC_OSC_NAME_MAX + 1] = '\0';
    ASSERT_TRUE(!mc_osc_name_is_valid(longname));
}

TEST(paths)
{
    char p[MC_OSC_PATH_MAX];
    ASSERT_STATUS(mc_osc_schema_build_path(p, sizeof p, MC_OSC_FEATURE, "s01", "ppg", "pi"), MC_OK);
    ASSERT_STR_EQ(p, "/mcirc/s01/ppg/pi");
    ASSERT_STATUS(mc_osc_schema_build_path(p, sizeof p, MC_OSC_WAVE, "s01", "ppg", NULL), MC_OK);
    ASSERT_STR_EQ(p, "/mcirc/s01/ppg/wave");
    ASSERT_STATUS(mc_osc_schema_build_path(p, sizeof p, MC_OSC_STATUS, "s01", "ppg", NULL), MC_OK);
    ASSERT_STR_EQ(p, "/mcirc/s01/ppg/status");
    ASSERT_STATUS(mc_osc_schema_build_path(p, sizeof p, MC_OSC_EVENT, "s01", NULL, NULL), MC_OK);
    ASSERT_STR_EQ(p, "/mcirc/s01/event");
    ASSERT_STATUS(mc_osc_schema_build_path(p, sizeof p, MC_OSC_SCHEMA, "s01", NULL, NULL), MC_OK);
    ASSERT_STR_EQ(p, "/mcirc/s01/schema");
    ASSERT_STATUS(mc_osc_schema_build_path(p, sizeof p, MC_OSC_EVENT_IN, NULL, NULL, NULL), MC_OK);
    ASSERT_STR_EQ(p, "/mcirc/event");
    ASSERT_STATUS(mc_osc_schema_build_path(p, sizeof p, MC_OSC_FEATURE, "s 01", "ppg", "pi"),
                  MC_EINVAL);
    ASSERT_STATUS(mc_osc_schema_build_path(p, sizeof p, MC_OSC_FEATURE, "s01", "p/g", "pi"),
                  MC_EINVAL);
    ASSERT_STATUS(mc_osc_schema_build_path(p, 10, MC_OSC_FEATURE, "s01", "ppg", "pi"), MC_EINVAL);
    ASSERT_STR_EQ(p, "");
    ASSERT_STATUS(mc_osc_schema_build_path(p, sizeof p, MC_OSC_KIND_COUNT, "s01", "a", "b"),
                  MC_EINVAL);
    ASSERT_TRUE(mc_osc_schema_get_pattern(MC_OSC_KIND_COUNT) == NULL);
    ASSERT_STR_EQ(mc_osc_schema_get_pattern(MC_OSC_STATUS)->types, "si");
    ASSERT_STR_EQ(mc_osc_schema_get_pattern(MC_OSC_EVENT)->types, "ssf");
}

TEST(schema_validate)
{
    mc_diag d;
    ASSERT_STATUS(mc_osc_schema_validate(&schema, &d), MC_OK);
    mc_osc_stream_def two[] = {streams[0], streams[0]};
    mc_osc_schema bad = {"s01", two, 2};
    ASSERT_STATUS(mc_osc_schema_validate(&bad, &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "twice") != NULL);
    static const mc_feature_def reserved[] = {{"wave", "1", ""}};
    mc_osc_stream_def r = {"x", reserved, 1, 0.0, NULL};
    bad = (mc_osc_schema){"s01", &r, 1};
    ASSERT_STATUS(mc_osc_schema_validate(&bad, &d), MC_EINVAL);
    bad = (mc_osc_schema){"bad subject", streams, 2};
    ASSERT_STATUS(mc_osc_schema_validate(&bad, &d), MC_EINVAL);
}

TEST(schema_entries)
{
    /* ppg: 3 features + status + wave; ldf: 2 features + status; event; event input */
    ASSERT_EQ_INT(mc_osc_schema_count_entries(&schema), 5 + 3 + 2);
    const char *want[] = {
        "/mcirc/s01/ppg_finger/hr ,f bpm",        "/mcirc/s01/ppg_finger/pi ,f %",
        "/mcirc/s01/ppg_finger/sqi ,f 1",         "/mcirc/s01/ppg_finger/status ,si state,samples",
        "/mcirc/s01/ppg_finger/wave ,f* a.u.",    "/mcirc/s01/ldf_forearm/perfusion ,f PU",
        "/mcirc/s01/ldf_forearm/myogenic ,f PU2", "/mcirc/s01/ldf_forearm/status ,si state,samples",
        "/mcirc/s01/event ,ssf kind,text,value",  "/mcirc/event ,ssf kind,text,value"};
    char e[MC_OSC_ENTRY_MAX];
    for (size_t i = 0; i < 10; i++) {
        ASSERT_STATUS(mc_osc_schema_get_entry(&schema, i, e, sizeof e), MC_OK);
        ASSERT_STR_EQ(e, want[i]);
    }
    ASSERT_STATUS(mc_osc_schema_get_entry(&schema, 10, e, sizeof e), MC_EINVAL);
    ASSERT_STATUS(mc_osc_schema_get_entry(&schema, 0, e, 8), MC_EINVAL);
}

TEST(url_parse)
{
    mc_osc_url u;
    mc_diag d;
    ASSERT_STATUS(mc_osc_url_parse("osc.udp://localhost:9000", &u, &d), MC_OK);
    ASSERT_EQ_INT(u.proto, MC_OSC_UDP);
    ASSERT_STR_EQ(u.host, "localhost");
    ASSERT_STR_EQ(u.port, "9000");
    ASSERT_STATUS(mc_osc_url_parse("osc.tcp://10.0.0.2:65535/", &u, &d), MC_OK);
    ASSERT_EQ_INT(u.proto, MC_OSC_TCP);
    ASSERT_STR_EQ(u.host, "10.0.0.2");
    ASSERT_STATUS(mc_osc_url_parse("osc.udp://:7000", &u, &d), MC_OK);
    ASSERT_STR_EQ(u.host, "127.0.0.1");
    ASSERT_STATUS(mc_osc_url_parse("osc.udp://[::1]:7000", &u, &d), MC_OK);
    ASSERT_STR_EQ(u.host, "::1");
    ASSERT_STATUS(mc_osc_url_parse("osc.udp://239.255.0.1:7000", &u, &d), MC_OK);
    const char *bad[] = {"udp://h:1",          "osc.udp://h",
                         "osc.udp://h:0",      "osc.udp://h:65536",
                         "osc.udp://h:12x",    "osc.udp://[::1:5",
                         "osc.udp://h h:5",    "osc.sctp://h:5",
                         "osc.udp://h:5/path", "",
                         "osc.udp://h:1234567"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ASSERT_STATUS(mc_osc_url_parse(bad[i], &u, &d), MC_EINVAL);
}

TEST(wave_sizes)
{
    ASSERT_EQ_INT(mc_osc_wave_decimation(250.0), 5);
    ASSERT_EQ_INT(mc_osc_wave_decimation(32.0), 1);
    ASSERT_EQ_INT(mc_osc_wave_decimation(50.0), 1);
    ASSERT_EQ_INT(mc_osc_wave_decimation(51.0), 2);
    ASSERT_EQ_INT(mc_osc_wave_decimation(1000.0), 20);
    /* The largest message allowed, measured by liblo itself: bundle under 1400 bytes, one more
     * float would not be. */
    const char *paths[] = {"/mcirc/s/p/wave", "/mcirc/s01/ppg_finger/wave",
                           "/mcirc/a_rather_long_subject_name/an_even_longer_stream_name_x/wave"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = mc_osc_wave_max_floats(paths[i]);
        lo_message m = lo_message_new();
        for (size_t k = 0; k < n; k++)
            lo_message_add_float(m, 1.0f);
        size_t bytes = 20 + lo_message_length(m, paths[i]);
        lo_message_add_float(m, 1.0f);
        size_t more = 20 + lo_message_length(m, paths[i]);
        lo_message_free(m);
        ASSERT_TRUE(bytes < MC_OSC_DATAGRAM_MAX);
        ASSERT_TRUE(more >= MC_OSC_DATAGRAM_MAX);
        ASSERT_TRUE(n > 250);
    }
}

/* Schema, hops, status, event over UDP to a liblo server: values, timetags, sizes. */
static void roundtrip(int proto)
{
    rx *r = rx_start(proto);
    ASSERT_TRUE(r != NULL);
    mc_osc_sender *s = sender_to(proto == LO_TCP ? "tcp" : "udp", r->port, NULL);
    ASSERT_STATUS(mc_osc_sender_write_schema(s), MC_OK);
    int64_t t0 = wall_ns() - 60 * (int64_t)1000000000;
    enum { N = 50 };
    for (int h = 0; h < N; h++) {
        float v[3] = {60.0f + (float)h, 2.0f + 0.01f * (float)h, 0.9f};
        uint8_t fs[3] = {MC_FS_OK, MC_FS_OK, h == 7 ? MC_FS_MOTION : MC_FS_OK};
        mc_osc_hop hop = {0, t0 + h * (int64_t)250000000, v, fs, 3, NULL, h};
        ASSERT_STATUS(mc_osc_sender_write_hop(s, &hop), MC_OK);
        float w[2] = {20.0f + (float)h, 3.0f};
        mc_osc_hop hop2 = {1, t0 + h * (int64_t)250000000, w, NULL, 2, "recording", 0};
        ASSERT_STATUS(mc_osc_sender_write_hop(s, &hop2), MC_OK);
    }
    ASSERT_STATUS(mc_osc_sender_write_status(s, 1, t0, "stale", 12), MC_OK);
    ASSERT_STATUS(mc_osc_sender_write_event(s, t0 + 5, "occlusion_start", "arm", 180.0), MC_OK);
    size_t want = 1 + N * (4 + 3) + 2;
    ASSERT_EQ_INT(rx_wait(r, want, 3000), want);
    rx_stop(r);
    mc_osc_sender_stats st;
    mc_osc_sender_get_stats(s, &st);
    ASSERT_EQ_INT(st.sent, 1 + 2 * N + 2);
    ASSERT_EQ_INT(st.failed, 0);

    const rx_msg *m = r->msgs;
    ASSERT_STR_EQ(m[0].path, "/mcirc/s01/schema");
    ASSERT_STR_EQ(m[0].s[0], "version 1");
    ASSERT_STR_EQ(m[0].s[1], "part 1/1");
    ASSERT_STR_EQ(m[0].s[2], "/mcirc/s01/ppg_finger/hr ,f bpm");
    ASSERT_EQ_INT(m[0].argc, 2 + 10);
    int64_t last_tt = INT64_MIN;
    size_t k = 1;
    for (int h = 0; h < N; h++) {
        int64_t tt = t0 + h * (int64_t)250000000;
        ASSERT_STR_EQ(m[k].path, "/mcirc/s01/ppg_finger/hr");
        ASSERT_STR_EQ(m[k].types, "f");
        ASSERT_NEAR_F(m[k].f[0], 60.0f + (float)h, 0);
        ASSERT_STR_EQ(m[k + 1].path, "/mcirc/s01/ppg_finger/pi");
        ASSERT_NEAR_F(m[k + 1].f[0], 2.0f + 0.01f * (float)h, 0);
        ASSERT_STR_EQ(m[k + 2].path, "/mcirc/s01/ppg_finger/sqi");
        if (h == 7)
            ASSERT_TRUE(isnan(m[k + 2].f[0]));
        else
            ASSERT_NEAR_F(m[k + 2].f[0], 0.9f, 0);
        ASSERT_STR_EQ(m[k + 3].path, "/mcirc/s01/ppg_finger/status");
        ASSERT_STR_EQ(m[k + 3].types, "si");
        ASSERT_STR_EQ(m[k + 3].s[0], h == 7 ? "motion" : "ok");
        ASSERT_EQ_INT(m[k + 3].i[1], h);
        for (int j = 0; j < 4; j++) {
            ASSERT_EQ_INT(m[k + j].bundle_index, m[k].bundle_index); /* one bundle per hop */
            /* timetag = end of window: 32.32 fixed point keeps it within 1 ns */
            ASSERT_TRUE(llabs(m[k + j].tt_ns - tt) <= 1);
        }
        ASSERT_TRUE(m[k].tt_ns > last_tt);
        last_tt = m[k].tt_ns;
        ASSERT_STR_EQ(m[k + 4].path, "/mcirc/s01/ldf_forearm/perfusion");
        ASSERT_NEAR_F(m[k + 4].f[0], 20.0f + (float)h, 0);
        ASSERT_STR_EQ(m[k + 6].s[0], "recording");
        k += 7;
    }
    ASSERT_STR_EQ(m[k].path, "/mcirc/s01/ldf_forearm/status");
    ASSERT_STR_EQ(m[k].s[0], "stale");
    ASSERT_EQ_INT(m[k].i[1], 12);
    ASSERT_STR_EQ(m[k + 1].path, "/mcirc/s01/event");
    ASSERT_STR_EQ(m[k + 1].types, "ssf");
    ASSERT_STR_EQ(m[k + 1].s[0], "occlusion_start");
    ASSERT_STR_EQ(m[k + 1].s[1], "arm");
    ASSERT_NEAR_F(m[k + 1].f[2], 180.0, 0);
    for (size_t b = 0; b < r->n_bundles; b++)
        ASSERT_TRUE(r->bundle_bytes[b] < MC_OSC_DATAGRAM_MAX);
    mc_osc_sender_destroy(s);
    rx_free(r);
}

TEST(udp_roundtrip)
{
    roundtrip(LO_UDP);
}

TEST(tcp_roundtrip)
{
    roundtrip(LO_TCP);
}

/* A 250 Hz waveform: decimated by 5 to 50 Hz (means of 5), split under 1400 bytes, timetags of
 * the last sample of each chunk. */
TEST(wave)
{
    rx *r = rx_start(LO_UDP);
    ASSERT_TRUE(r != NULL);
    mc_osc_sender *s = sender_to("udp", r->port, NULL);
    enum { N = 5000 + 13 }; /* 20 s: 1002 groups of 5, 3 samples left in the decimator */
    static float x[N];
    for (int i = 0; i < N; i++)
        x[i] = (float)i;
    x[12] = NAN; /* group 2 (10..14): mean of 10, 11, 13, 14 */
    int64_t t_end = wall_ns() - 30 * (int64_t)1000000000;
    /* in pieces of 25 then one large piece */
    for (int i = 0; i < 2500; i += 25)
        ASSERT_STATUS(
            mc_osc_sender_write_wave(s, 0, t_end - (int64_t)(N - i - 25) * 4000000, x + i, 25),
            MC_OK);
    ASSERT_STATUS(mc_osc_sender_write_wave(s, 0, t_end, x + 2500, N - 2500), MC_OK);
    ASSERT_STATUS(mc_osc_sender_write_wave(s, 1, t_end, x, 10), MC_EINVAL); /* no wave */
    size_t max_f = mc_osc_wave_max_floats("/mcirc/s01/ppg_finger/wave");
    size_t want = 100 + (1002 - 500 + max_f - 1) / max_f;
    ASSERT_EQ_INT(rx_wait(r, want, 3000), want);
    rx_stop(r);
    size_t j = 0;
    int64_t last_tt = INT64_MIN;
    for (size_t k = 0; k < r->n; k++) {
        const rx_msg *m = &r->msgs[k];
        ASSERT_STR_EQ(m->path, "/mcirc/s01/ppg_finger/wave");
        ASSERT_TRUE(m->msg_bytes + 20 < MC_OSC_DATAGRAM_MAX);
        ASSERT_TRUE(m->tt_ns > last_tt);
        last_tt = m->tt_ns;
        /* the first floats of the message are the means of groups j, j+1... */
        for (int a = 0; a < m->argc && a < RX_ARGS; a++) {
            double mean = j + a == 2 ? 12.0 : 5.0 * (double)(j + (size_t)a) + 2.0;
            ASSERT_NEAR_F(m->f[a], mean, 1e-3);
        }
        j += (size_t)m->argc;
        /* last decimated sample of the chunk is raw sample 5j - 1, at t_end - (N - 5j) * 4 ms */
        ASSERT_TRUE(llabs(m->tt_ns - (t_end - (int64_t)(N - 5 * j) * 4000000)) <= 2);
    }
    ASSERT_EQ_INT(j, 1002);
    for (size_t b = 0; b < r->n_bundles; b++)
        ASSERT_TRUE(r->bundle_bytes[b] < MC_OSC_DATAGRAM_MAX);
    mc_osc_sender_destroy(s);
    rx_free(r);
}

/* A hop with more features than one packet holds: several bundles with the same timetag. */
TEST(hop_split)
{
    enum { NF = 40 };
    static mc_feature_def defs[NF];
    static char names[NF][40];
    for (int i = 0; i < NF; i++) {
        snprintf(names[i], sizeof names[i], "endothelial_no_independent_band_%02d", i);
        defs[i] = (mc_feature_def){names[i], "PU2", ""};
    }
    mc_osc_stream_def sd = {"ldf_forearm_left_arm", defs, NF, 32.0, "PU"};
    mc_osc_schema big = {"subject_0001", &sd, 1};
    rx *r = rx_start(LO_UDP);
    ASSERT_TRUE(r != NULL);
    char url[64];
    snprintf(url, sizeof url, "osc.udp://127.0.0.1:%s", r->port);
    mc_osc_sender *s = NULL;
    ASSERT_STATUS(mc_osc_sender_create(&s, url, &big, NULL, NULL), MC_OK);
    ASSERT_STATUS(mc_osc_sender_write_schema(s), MC_OK);
    float v[NF];
    for (int i = 0; i < NF; i++)
        v[i] = (float)i;
    int64_t t = wall_ns() - 1000000000;
    mc_osc_hop hop = {0, t, v, NULL, NF, NULL, 0};
    ASSERT_STATUS(mc_osc_sender_write_hop(s, &hop), MC_OK);
    rx_wait(r, 1000, 500); /* everything, whatever the count */
    rx_stop(r);
    size_t n_schema = 0, n_entries = 0, n_feat = 0;
    for (size_t k = 0; k < r->n; k++) {
        const rx_msg *m = &r->msgs[k];
        if (strcmp(m->path, "/mcirc/subject_0001/schema") == 0) {
            n_schema++;
            n_entries += (size_t)m->argc - 2;
            ASSERT_TRUE(m->msg_bytes < MC_OSC_DATAGRAM_MAX);
            ASSERT_STR_EQ(m->s[0], "version 1");
        } else if (strstr(m->path, "/endothelial")) {
            ASSERT_NEAR_F(m->f[0], (double)n_feat, 0);
            ASSERT_TRUE(llabs(m->tt_ns - t) <= 1);
            n_feat++;
        }
    }
    ASSERT_TRUE(n_schema >= 2);
    ASSERT_EQ_INT(n_entries, mc_osc_schema_count_entries(&big));
    ASSERT_EQ_INT(n_feat, NF);
    ASSERT_TRUE(r->n_bundles >= 3);
    for (size_t b = 0; b < r->n_bundles; b++)
        ASSERT_TRUE(r->bundle_bytes[b] < MC_OSC_DATAGRAM_MAX);
    mc_osc_sender_destroy(s);
    rx_free(r);
}

/* Nobody listens: UDP is fire-and-forget, no error. */
TEST(udp_absent)
{
    char port[16];
    int fd = closed_port(SOCK_DGRAM, port);
    close(fd);
    mc_osc_sender *s = sender_to("udp", port, NULL);
    float v[3] = {1, 2, 3};
    mc_osc_hop hop = {0, wall_ns(), v, NULL, 3, NULL, 0};
    for (int i = 0; i < 100; i++) {
        mc_status st = mc_osc_sender_write_hop(s, &hop);
        ASSERT_TRUE(st == MC_OK || st == MC_EIO); /* an ICMP refusal may surface as EIO */
    }
    mc_osc_sender_stats st;
    mc_osc_sender_get_stats(s, &st);
    ASSERT_EQ_INT(st.sent + st.failed, 100);
    mc_osc_sender_destroy(s);
}

/* A TCP port that refuses: every write fails fast and is counted; reconnects are rate-limited. */
TEST(tcp_unreachable)
{
    char port[16];
    int fd = closed_port(SOCK_STREAM, port);
    mc_osc_sender *s = sender_to("tcp", port, NULL);
    float v[3] = {1, 2, 3};
    mc_osc_hop hop = {0, wall_ns(), v, NULL, 3, NULL, 0};
    int64_t t0 = rx_mono_ns(), worst = 0;
    for (int i = 0; i < 200; i++) {
        int64_t a = rx_mono_ns();
        ASSERT_TRUE(mc_osc_sender_write_hop(s, &hop) != MC_OK);
        int64_t dt = rx_mono_ns() - a;
        worst = dt > worst ? dt : worst;
    }
    mc_osc_sender_stats st;
    mc_osc_sender_get_stats(s, &st);
    ASSERT_EQ_INT(st.failed, 200);
    ASSERT_EQ_INT(st.sent, 0);
    printf("tcp_unreachable: 200 writes in %.1f ms, slowest %.3f ms\n",
           (double)(rx_mono_ns() - t0) / 1e6, (double)worst / 1e6);
    ASSERT_TRUE(worst < 100 * 1000000);
    mc_osc_sender_destroy(s);
    close(fd);
}

/* A peer that accepts and never reads: writes stay bounded by send_timeout_ms, failures are
 * counted, and the stalled connection is dropped after stall_timeout_ms. */
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
    char port[16];
    snprintf(port, sizeof port, "%d", ntohs(a.sin_port));
    mc_osc_sender_config c = mc_osc_sender_config_default();
    c.send_timeout_ms = 10;
    c.stall_timeout_ms = 300;
    mc_osc_sender *s = sender_to("tcp", port, &c);
    static float x[2500];
    int64_t t0 = rx_mono_ns(), worst = 0;
    int n_fail = 0, n = 0;
    /* until the kernel's buffers are full and 100 writes failed (at most 20 s) */
    for (; n_fail < 100 && rx_mono_ns() - t0 < 20 * (int64_t)1000000000; n++) {
        int64_t b = rx_mono_ns();
        mc_status st = mc_osc_sender_write_wave(s, 0, wall_ns(), x, 2500);
        int64_t dt = rx_mono_ns() - b;
        worst = dt > worst ? dt : worst;
        n_fail += st != MC_OK;
    }
    mc_osc_sender_stats st;
    mc_osc_sender_get_stats(s, &st);
    printf("tcp_stuck_peer: %d writes in %.1f ms, slowest %.1f ms, packets sent %llu failed %llu\n",
           n, (double)(rx_mono_ns() - t0) / 1e6, (double)worst / 1e6, (unsigned long long)st.sent,
           (unsigned long long)st.failed);
    ASSERT_TRUE(n_fail > 0);
    ASSERT_TRUE(st.failed > 0);
    ASSERT_TRUE(st.sent > 0);
    /* a write is 2 packets here: each waits at most send_timeout once (10 ms) */
    ASSERT_TRUE(worst < 200 * 1000000);
    mc_osc_sender_destroy(s);
    close(ls);
}

/* A listener whose accept queue is full answers no SYN: connecting hangs. Each write waits at
 * most send_timeout_ms, the attempt is given up after stall_timeout_ms, all counted as failed. */
TEST(tcp_connect_hangs)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    ASSERT_TRUE(bind(ls, (struct sockaddr *)&a, sizeof a) == 0);
    ASSERT_TRUE(listen(ls, 0) == 0);
    ASSERT_TRUE(getsockname(ls, (struct sockaddr *)&a, &len) == 0);
    int fill[4];
    for (int i = 0; i < 4; i++) { /* never accepted: the queue fills */
        fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        (void)connect(fill[i], (struct sockaddr *)&a, sizeof a);
    }
    struct timespec pause = {0, 50000000};
    nanosleep(&pause, NULL);
    char port[16];
    snprintf(port, sizeof port, "%d", ntohs(a.sin_port));
    mc_osc_sender_config c = mc_osc_sender_config_default();
    c.send_timeout_ms = 10;
    c.stall_timeout_ms = 100;
    c.reconnect_ms = 50;
    mc_osc_sender *s = sender_to("tcp", port, &c);
    float v[3] = {1, 2, 3};
    mc_osc_hop hop = {0, wall_ns(), v, NULL, 3, NULL, 0};
    int64_t t0 = rx_mono_ns(), worst = 0;
    for (int i = 0; i < 30; i++) {
        int64_t b = rx_mono_ns();
        mc_status w = mc_osc_sender_write_hop(s, &hop);
        (void)w; /* counted below */
        int64_t dt = rx_mono_ns() - b;
        worst = dt > worst ? dt : worst;
    }
    mc_osc_sender_stats st;
    mc_osc_sender_get_stats(s, &st);
    printf("tcp_connect_hangs: 30 writes in %.1f ms, slowest %.1f ms, sent %llu failed %llu\n",
           (double)(rx_mono_ns() - t0) / 1e6, (double)worst / 1e6, (unsigned long long)st.sent,
           (unsigned long long)st.failed);
    if (st.sent > 0)
        SKIP("this kernel completed the connection despite the full accept queue");
    ASSERT_EQ_INT(st.failed, 30);
    ASSERT_TRUE(worst < 100 * 1000000);
    mc_osc_sender_destroy(s);
    for (int i = 0; i < 4; i++)
        close(fill[i]);
    close(ls);
}

/* Multicast with TTL 1: received on loopback when the machine routes multicast there. */
TEST(multicast)
{
    char port[16];
    int fd = closed_port(SOCK_DGRAM, port);
    close(fd);
    lo_server_thread st = lo_server_thread_new_multicast("239.255.0.77", port, NULL);
    if (!st)
        SKIP("no multicast receiver on this machine");
    lo_server_thread_free(st);
    char url[64];
    snprintf(url, sizeof url, "osc.udp://239.255.0.77:%s", port);
    mc_osc_sender *s = NULL;
    ASSERT_STATUS(mc_osc_sender_create(&s, url, &schema, NULL, NULL), MC_OK);
    mc_status w = mc_osc_sender_write_schema(s);
    ASSERT_TRUE(w == MC_OK || w == MC_EIO); /* EIO: no multicast route; counted */
    mc_osc_sender_stats sst;
    mc_osc_sender_get_stats(s, &sst);
    ASSERT_EQ_INT(sst.sent + sst.failed, 1);
    mc_osc_sender_destroy(s);
}

TEST(create_errors)
{
    mc_osc_sender *s = NULL;
    mc_diag d;
    ASSERT_STATUS(mc_osc_sender_create(&s, "http://x:1", &schema, NULL, &d), MC_EINVAL);
    ASSERT_TRUE(s == NULL);
    mc_osc_schema bad = {"a b", streams, 2};
    ASSERT_STATUS(mc_osc_sender_create(&s, NULL, &bad, NULL, &d), MC_EINVAL);
    ASSERT_STATUS(mc_osc_sender_create(&s, NULL, &schema, NULL, &d), MC_OK); /* default URL */
    float v[2] = {0, 0};
    mc_osc_hop hop = {0, 0, v, NULL, 2, NULL, 0}; /* ppg has 3 features */
    ASSERT_STATUS(mc_osc_sender_write_hop(s, &hop), MC_EINVAL);
    hop.stream = 5;
    ASSERT_STATUS(mc_osc_sender_write_hop(s, &hop), MC_EINVAL);
    mc_osc_sender_destroy(s);
}
