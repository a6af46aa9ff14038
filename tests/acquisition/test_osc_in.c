/* SPDX-License-Identifier: MIT */
/* tests/acquisition/test_osc_in.c: the OSC event receiver and its decoder, with liblo as the
 * client: configuration errors, loopback-only binding, good and malformed messages (counts,
 * fields, arrival times) with the receiver read by its own thread while the test pops (the
 * ThreadSanitizer preset runs these cases), a full queue, and the decoder on crafted bytes. */
#include "acquisition/osc_in.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <lo/lo.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "acquisition/clock.h"
#include "formats/osc_event.h"
#include "tests/harness.h"

/* ---- Helpers --------------------------------------------------------------------------------- */

static mc_osc_in *open_rx(const char *host, uint32_t capacity)
{
    mc_osc_in_config c = mc_osc_in_config_default();
    c.host = host;
    if (capacity)
        c.queue_capacity = capacity;
    mc_osc_in *r = NULL;
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_osc_in_create(&c, &d, &r);
    if (st != MC_OK)
        fprintf(stderr, "mc_osc_in_create: %s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    ASSERT_TRUE(mc_osc_in_get_port(r) != 0);
    return r;
}

static lo_address client(const mc_osc_in *r)
{
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)mc_osc_in_get_port(r));
    lo_address a = lo_address_new("127.0.0.1", port);
    ASSERT_TRUE(a != NULL);
    return a;
}

/* Read until `n` datagrams have been counted or 2 s have passed. */
static void read_until(mc_osc_in *r, uint64_t n)
{
    int64_t end = mc_clock_now_ns() + 2000000000;
    while (mc_clock_now_ns() < end) {
        mc_osc_in_stats s = mc_osc_in_get_stats(r);
        if (s.received + s.ignored + s.dropped >= n)
            return;
        mc_status st = mc_osc_in_read(r, 20);
        ASSERT_TRUE(st == MC_OK || st == MC_ETIMEDOUT);
    }
}

static void pause_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* The malformed messages, each one datagram; returns how many were sent. */
static int send_malformed(lo_address a)
{
    char long_text[300], long_kind[80];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    memset(long_kind, 'k', sizeof long_kind - 1);
    long_kind[sizeof long_kind - 1] = '\0';
    int n = 0;
    n += lo_send(a, "/mcirc/other", "ssf", "occlusion_start", "", 0.0) > 0;       /* address */
    n += lo_send(a, "/mcirc/event/x", "ssf", "occlusion_start", "", 0.0) > 0;     /* address */
    n += lo_send(a, "/mcirc/event", "ssi", "occlusion_start", "", 1) > 0;         /* types */
    n += lo_send(a, "/mcirc/event", "ss", "occlusion_start", "") > 0;             /* types */
    n += lo_send(a, "/mcirc/event", "ssff", "occlusion_start", "", 1.0, 2.0) > 0; /* types */
    n += lo_send(a, "/mcirc/event", "sfs", "occlusion_start", 1.0, "") > 0;       /* types */
    n += lo_send(a, "/mcirc/event", "ssf", "Bad Kind", "", 0.0) > 0;              /* kind */
    n += lo_send(a, "/mcirc/event", "ssf", "1st", "", 0.0) > 0;                   /* kind */
    n += lo_send(a, "/mcirc/event", "ssf", "", "", 0.0) > 0;                      /* kind */
    n += lo_send(a, "/mcirc/event", "ssf", "crt@x", "", 0.0) > 0;                 /* kind */
    n += lo_send(a, "/mcirc/event", "ssf", long_kind, "", 0.0) > 0;               /* kind */
    n += lo_send(a, "/mcirc/event", "ssf", "note", long_text, 0.0) > 0;           /* text */
    n += lo_send(a, "/mcirc/event", "ssf", "note", "a\nb", 0.0) > 0;              /* text */
    n += lo_send(a, "/mcirc/event", "ssf", "crt", "", (double)INFINITY) > 0;      /* value */
    /* A bundle, even holding a good message: one packet is one event. */
    lo_bundle b = lo_bundle_new(LO_TT_IMMEDIATE);
    lo_message m = lo_message_new();
    lo_message_add_string(m, "occlusion_end");
    lo_message_add_string(m, "");
    lo_message_add_float(m, 0.0f);
    lo_bundle_add_message(b, "/mcirc/event", m);
    n += lo_send_bundle(a, b) > 0;
    lo_bundle_free_recursive(b);
    return n;
}
enum { N_MALFORMED = 15 };

/* ---- Configuration --------------------------------------------------------------------------- */

TEST(config_errors)
{
    mc_osc_in_config c = mc_osc_in_config_default();
    mc_osc_in *r = (mc_osc_in *)&c;
    c.queue_capacity = 1;
    ASSERT_STATUS(mc_osc_in_create(&c, NULL, &r), MC_EINVAL);
    ASSERT_TRUE(r == NULL);
    c = mc_osc_in_config_default();
    c.host = "no-such-host.invalid";
    r = (mc_osc_in *)&c;
    ASSERT_STATUS(mc_osc_in_create(&c, NULL, &r), MC_EINVAL);
    ASSERT_TRUE(r == NULL);
    /* The port of another receiver is taken. */
    mc_osc_in *first = open_rx(NULL, 0);
    c = mc_osc_in_config_default();
    c.port = mc_osc_in_get_port(first);
    mc_diag d;
    mc_diag_clear(&d);
    ASSERT_STATUS(mc_osc_in_create(&c, &d, &r), MC_EIO);
    ASSERT_TRUE(r == NULL && strstr(d.message, "cannot bind") != NULL);
    mc_osc_in_destroy(first);
    mc_osc_in_destroy(NULL);
    /* Nothing arrives: a timeout. */
    r = open_rx(NULL, 0);
    ASSERT_STATUS(mc_osc_in_read(r, 0), MC_ETIMEDOUT);
    ASSERT_STATUS(mc_osc_in_read(r, 10), MC_ETIMEDOUT);
    mc_event ev;
    ASSERT_EQ_INT(mc_osc_in_pop(r, &ev), 0);
    mc_osc_in_destroy(r);
}

/* The default binding is 127.0.0.1: a datagram sent to another address of this machine does not
 * reach it, while a receiver bound to 0.0.0.0 gets the same datagram. */
TEST(loopback_only)
{
    struct ifaddrs *ifs = NULL;
    ASSERT_EQ_INT(getifaddrs(&ifs), 0);
    struct sockaddr_in other;
    int found = 0;
    for (struct ifaddrs *i = ifs; i && !found; i = i->ifa_next)
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET) {
            memcpy(&other, i->ifa_addr, sizeof other);
            found = (ntohl(other.sin_addr.s_addr) >> 24) != 127;
        }
    freeifaddrs(ifs);
    if (!found)
        SKIP("no IPv4 address other than loopback on this machine");
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &other.sin_addr, ip, sizeof ip);
    const char *hosts[2] = {NULL, "0.0.0.0"};
    for (int k = 0; k < 2; k++) {
        mc_osc_in *r = open_rx(hosts[k], 0);
        char port[8];
        snprintf(port, sizeof port, "%u", (unsigned)mc_osc_in_get_port(r));
        lo_address a = lo_address_new(ip, port);
        ASSERT_TRUE(lo_send(a, "/mcirc/event", "ssf", "note", "from outside", 0.0) > 0);
        lo_address_free(a);
        int64_t end = mc_clock_now_ns() + 300000000;
        while (mc_clock_now_ns() < end && mc_osc_in_get_stats(r).received == 0)
            ASSERT_TRUE(mc_osc_in_read(r, 20) != MC_EIO);
        ASSERT_EQ_INT(mc_osc_in_get_stats(r).received, k == 0 ? 0 : 1);
        mc_osc_in_destroy(r);
    }
}

/* ---- Good and malformed messages, two threads ------------------------------------------------ */

typedef struct reader_ctx {
    mc_osc_in *r;
    atomic_bool stop;
    _Atomic int failed;
} reader_ctx;

static void *reader_main(void *arg)
{
    reader_ctx *c = arg;
    while (!atomic_load_explicit(&c->stop, memory_order_acquire))
        if (mc_osc_in_read(c->r, 10) == MC_EIO)
            atomic_store(&c->failed, 1);
    return NULL;
}

enum { N_GOOD = 200 };

TEST(good_and_malformed_threads)
{
    mc_osc_in *r = open_rx(NULL, 1024);
    reader_ctx ctx = {r, 0, 0};
    pthread_t th;
    ASSERT_EQ_INT(pthread_create(&th, NULL, reader_main, &ctx), 0);
    lo_address a = client(r);
    int64_t sent_ns[N_GOOD];
    mc_event got[N_GOOD];
    int n_got = 0, bad_sent = 0;
    for (int i = 0; i < N_GOOD; i++) {
        char text[32];
        snprintf(text, sizeof text, "dose %d", i);
        sent_ns[i] = mc_clock_now_ns();
        /* Every 10th without a value (NaN), every 7th with a kind in upper case (folded). */
        float v = i % 10 == 0 ? NAN : (float)i * 0.5f;
        ASSERT_TRUE(lo_send(a, "/mcirc/event", "ssf",
                            i % 7 == 0 ? "IONTOPHORESIS" : "iontophoresis", text, (double)v) > 0);
        if (i % 20 == 0)
            bad_sent += send_malformed(a);
        /* Pop while sending: the test thread is the consumer. */
        while (n_got < N_GOOD && mc_osc_in_pop(r, &got[n_got]))
            n_got++;
        if (i % 8 == 0)
            pause_ms(1); /* stay well inside the socket's receive buffer */
    }
    ASSERT_EQ_INT(bad_sent, N_MALFORMED * (N_GOOD / 20));
    int64_t end = mc_clock_now_ns() + 2000000000;
    while (n_got < N_GOOD && mc_clock_now_ns() < end) {
        if (mc_osc_in_pop(r, &got[n_got]))
            n_got++;
        else
            pause_ms(1);
    }
    int64_t t_end = mc_clock_now_ns();
    while (mc_osc_in_get_stats(r).ignored < (uint64_t)bad_sent && mc_clock_now_ns() < end)
        pause_ms(1);
    atomic_store_explicit(&ctx.stop, 1, memory_order_release);
    pthread_join(th, NULL);
    ASSERT_EQ_INT(atomic_load(&ctx.failed), 0);
    mc_osc_in_stats s = mc_osc_in_get_stats(r);
    ASSERT_EQ_INT(n_got, N_GOOD);
    ASSERT_EQ_INT(s.received, N_GOOD);
    ASSERT_EQ_INT(s.ignored, bad_sent);
    ASSERT_EQ_INT(s.dropped, 0);
    int64_t worst = 0;
    for (int i = 0; i < N_GOOD; i++) {
        char text[32];
        snprintf(text, sizeof text, "dose %d", i);
        ASSERT_STR_EQ(got[i].kind, "iontophoresis");
        ASSERT_STR_EQ(got[i].text, text);
        ASSERT_STR_EQ(got[i].stream, "");
        if (i % 10 == 0)
            ASSERT_TRUE(isnan(got[i].value));
        else
            ASSERT_NEAR_F(got[i].value, i * 0.5, 0);
        /* Stamped at arrival: after the send, before the next send's successor was popped. */
        ASSERT_TRUE(got[i].t_ns >= sent_ns[i] && got[i].t_ns <= t_end);
        if (i > 0)
            ASSERT_TRUE(got[i].t_ns >= got[i - 1].t_ns);
        if (got[i].t_ns - sent_ns[i] > worst)
            worst = got[i].t_ns - sent_ns[i];
    }
    printf("send -> stamp: worst %.3f ms over %d events; %d malformed ignored\n", worst / 1e6,
           N_GOOD, bad_sent);
    lo_address_free(a);
    mc_osc_in_destroy(r);
}

/* A full queue drops the newest events and counts them; nothing else is lost. */
TEST(queue_full)
{
    mc_osc_in *r = open_rx(NULL, 4);
    lo_address a = client(r);
    for (int i = 0; i < 10; i++)
        ASSERT_TRUE(lo_send(a, "/mcirc/event", "ssf", "mottling", "", (double)i) > 0);
    read_until(r, 10);
    mc_osc_in_stats s = mc_osc_in_get_stats(r);
    ASSERT_EQ_INT(s.received + s.dropped, 10);
    ASSERT_TRUE(s.received >= 3 && s.received <= 4);
    mc_event ev;
    for (int i = 0; i < (int)s.received; i++) {
        ASSERT_EQ_INT(mc_osc_in_pop(r, &ev), 1);
        ASSERT_NEAR_F(ev.value, i, 0);
    }
    ASSERT_EQ_INT(mc_osc_in_pop(r, &ev), 0);
    lo_address_free(a);
    mc_osc_in_destroy(r);
}

/* ---- The decoder on bytes -------------------------------------------------------------------- */

static size_t serialise(const char *path, const char *kind, const char *text, float v,
                        unsigned char *buf, size_t cap)
{
    lo_message m = lo_message_new();
    lo_message_add_string(m, kind);
    lo_message_add_string(m, text);
    lo_message_add_float(m, v);
    size_t n = lo_message_length(m, path);
    ASSERT_TRUE(n <= cap);
    lo_message_serialise(m, path, buf, &n);
    lo_message_free(m);
    return n;
}

TEST(decode_bytes)
{
    unsigned char buf[512];
    size_t n = serialise("/mcirc/event", "Occlusion_Start", "left arm", 2.5f, buf, sizeof buf);
    mc_event ev;
    mc_diag d;
    ASSERT_STATUS(mc_osc_event_decode(buf, n, &ev, &d), MC_OK);
    ASSERT_STR_EQ(ev.kind, "occlusion_start");
    ASSERT_STR_EQ(ev.text, "left arm");
    ASSERT_NEAR_F(ev.value, 2.5, 0);
    ASSERT_EQ_INT(ev.t_ns, 0);
    /* Every truncation of a good packet is refused, with an offset inside it. */
    for (size_t k = 0; k < n; k++) {
        mc_diag_clear(&d);
        ASSERT_STATUS(mc_osc_event_decode(buf, k, &ev, &d), MC_EFORMAT);
        ASSERT_TRUE(d.offset >= 0 && (size_t)d.offset <= k);
    }
    /* Trailing bytes after the float. */
    memset(buf + n, 0, 4);
    ASSERT_STATUS(mc_osc_event_decode(buf, n + 4, &ev, NULL), MC_EFORMAT);
    /* Text of 255 bytes is the longest accepted. */
    char text[257];
    memset(text, 't', 256);
    text[255] = '\0';
    n = serialise("/mcirc/event", "note", text, 0.0f, buf, sizeof buf);
    ASSERT_STATUS(mc_osc_event_decode(buf, n, &ev, NULL), MC_OK);
    ASSERT_EQ_INT(strlen(ev.text), 255);
    text[255] = 't';
    text[256] = '\0';
    n = serialise("/mcirc/event", "note", text, 0.0f, buf, sizeof buf);
    ASSERT_STATUS(mc_osc_event_decode(buf, n, &ev, NULL), MC_EFORMAT);
    /* A string whose padding runs past the end: "/mcirc/event" then no room for the tags. */
    static const unsigned char addr_only[16] = "/mcirc/event";
    ASSERT_STATUS(mc_osc_event_decode(addr_only, sizeof addr_only, &ev, NULL), MC_EFORMAT);
    static const unsigned char bundle[16] = "#bundle";
    mc_diag_clear(&d);
    ASSERT_STATUS(mc_osc_event_decode(bundle, sizeof bundle, &ev, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "bundle") != NULL);
}

TEST(schema_requests)
{
    /* `/mcirc/schema` (no arguments, sent by liblo with a "," type tag) is counted as a request,
     * not as an event nor as malformed; with arguments or another address it is malformed. */
    mc_osc_in *r = open_rx(NULL, 8);
    lo_address a = client(r);
    ASSERT_TRUE(lo_send(a, "/mcirc/schema", "") > 0);
    ASSERT_TRUE(lo_send(a, "/mcirc/schema", "") > 0);
    ASSERT_TRUE(lo_send(a, "/mcirc/schema", "i", 1) > 0);
    ASSERT_TRUE(lo_send(a, "/mcirc/schemas", "") > 0);
    int64_t end = mc_clock_now_ns() + 2000000000;
    mc_osc_in_stats s;
    do {
        mc_status st = mc_osc_in_read(r, 20);
        ASSERT_TRUE(st == MC_OK || st == MC_ETIMEDOUT);
        s = mc_osc_in_get_stats(r);
    } while (s.schema_requests + s.ignored < 4 && mc_clock_now_ns() < end);
    ASSERT_EQ_INT(s.schema_requests, 2);
    ASSERT_EQ_INT(s.ignored, 2);
    ASSERT_EQ_INT(s.received, 0);
    mc_event ev;
    ASSERT_EQ_INT(mc_osc_in_pop(r, &ev), 0);
    /* The bytes: with and without the type tag string; cut short. */
    static const char with_tag[20] = "/mcirc/schema\0\0\0,\0\0";
    static const char no_tag[16] = "/mcirc/schema\0\0";
    ASSERT_EQ_INT(mc_osc_is_schema_request(with_tag, 20), 1);
    ASSERT_EQ_INT(mc_osc_is_schema_request(no_tag, 16), 1);
    ASSERT_EQ_INT(mc_osc_is_schema_request(with_tag, 12), 0);
    ASSERT_EQ_INT(mc_osc_is_schema_request(with_tag, 19), 0);
    lo_address_free(a);
    mc_osc_in_destroy(r);
}
