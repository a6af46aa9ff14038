/* SPDX-License-Identifier: MIT */
/* tests/acquisition/test_transport.c: the byte transports against real counterparts, no mocks: a
 * pseudo-terminal (the test holds the master, the transport opens the slave path), a listening
 * TCP socket, UDP datagrams, a FIFO in a temporary folder and a child process whose standard input
 * is a pipe. Covers the address parser, termios settings, bytes in order, hang-up, peer close and
 * reconnection, retries with backoff, and stop from another thread (the ThreadSanitizer preset
 * runs these cases). */
#include "acquisition/transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "acquisition/clock.h"
#include "tests/harness.h"

/* ---- Helpers --------------------------------------------------------------------------------- */

static mc_transport *open_addr(const char *address, const mc_kv *kv, size_t n)
{
    mc_transport_config c;
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_transport_config_parse(address, kv, n, &c, &d);
    if (st != MC_OK)
        fprintf(stderr, "parse '%s': %s\n", address, d.message);
    ASSERT_STATUS(st, MC_OK);
    mc_transport *t = NULL;
    ASSERT_STATUS(mc_transport_open(&c, &t), MC_OK);
    ASSERT_TRUE(t != NULL);
    return t;
}

/* Read until an event of `kind` (bytes read meanwhile are appended to acc if given, else they
 * fail the test) or `ms` pass. Returns the event time; fails on timeout. */
static mc_transport_event wait_event(mc_transport *t, mc_transport_event_kind kind, int ms,
                                     unsigned char *acc, size_t *acc_n, size_t acc_cap)
{
    int64_t end = mc_clock_now_ns() + (int64_t)ms * 1000000;
    unsigned char buf[4096];
    while (mc_clock_now_ns() < end) {
        size_t n;
        mc_transport_event ev;
        mc_status st = mc_transport_read(t, buf, sizeof buf, 20, &n, &ev);
        ASSERT_TRUE(st == MC_OK || st == MC_ETIMEDOUT);
        if (st == MC_OK && ev.kind == kind)
            return ev;
        if (st == MC_OK && ev.kind != MC_TRANSPORT_NONE) {
            fprintf(stderr, "unexpected event %d (%s)\n", (int)ev.kind, ev.reason);
            ASSERT_TRUE(0);
        }
        if (n > 0) {
            ASSERT_TRUE(acc != NULL);
            ASSERT_TRUE(*acc_n + n <= acc_cap);
            memcpy(acc + *acc_n, buf, n);
            *acc_n += n;
        }
    }
    fprintf(stderr, "no event %d within %d ms\n", (int)kind, ms);
    ASSERT_TRUE(0);
    mc_transport_event none = {MC_TRANSPORT_NONE, 0, ""};
    return none;
}

/* Read until `want` bytes have arrived (no events allowed) or `ms` pass. */
static size_t read_bytes(mc_transport *t, unsigned char *out, size_t want, int ms)
{
    size_t got = 0;
    int64_t end = mc_clock_now_ns() + (int64_t)ms * 1000000;
    while (got < want && mc_clock_now_ns() < end) {
        size_t n;
        mc_transport_event ev;
        mc_status st = mc_transport_read(t, out + got, want - got, 20, &n, &ev);
        ASSERT_TRUE(st == MC_OK || st == MC_ETIMEDOUT);
        ASSERT_EQ_INT(ev.kind, MC_TRANSPORT_NONE);
        got += n;
    }
    return got;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int listen_tcp(uint16_t port, uint16_t *bound)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_TRUE(fd >= 0);
    int one = 1;
    ASSERT_EQ_INT(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    ASSERT_EQ_INT(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    ASSERT_EQ_INT(listen(fd, 4), 0);
    socklen_t l = sizeof a;
    ASSERT_EQ_INT(getsockname(fd, (struct sockaddr *)&a, &l), 0);
    if (bound)
        *bound = ntohs(a.sin_port);
    return fd;
}

static int accept_within(int lfd, int ms)
{
    struct pollfd p = {lfd, POLLIN, 0};
    ASSERT_EQ_INT(poll(&p, 1, ms), 1);
    int fd = accept(lfd, NULL, NULL);
    ASSERT_TRUE(fd >= 0);
    return fd;
}

static void fill_random(unsigned char *p, size_t n, unsigned seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (unsigned char)x;
    }
}

/* ---- Parser ---------------------------------------------------------------------------------- */

TEST(parse_addresses)
{
    mc_transport_config c;
    ASSERT_STATUS(mc_transport_config_parse("-", NULL, 0, &c, NULL), MC_OK);
    ASSERT_EQ_INT(c.kind, MC_TRANSPORT_STDIN);
    ASSERT_STATUS(mc_transport_config_parse("tcp://10.0.0.5:4001", NULL, 0, &c, NULL), MC_OK);
    ASSERT_EQ_INT(c.kind, MC_TRANSPORT_TCP);
    ASSERT_STR_EQ(c.host, "10.0.0.5");
    ASSERT_EQ_INT(c.port, 4001);
    ASSERT_STATUS(mc_transport_config_parse("tcp://[::1]:80", NULL, 0, &c, NULL), MC_OK);
    ASSERT_STR_EQ(c.host, "::1");
    ASSERT_EQ_INT(c.port, 80);
    ASSERT_STATUS(mc_transport_config_parse("udp://:24105", NULL, 0, &c, NULL), MC_OK);
    ASSERT_EQ_INT(c.kind, MC_TRANSPORT_UDP);
    ASSERT_STR_EQ(c.host, "");
    ASSERT_EQ_INT(c.port, 24105);
    ASSERT_STATUS(mc_transport_config_parse("udp://127.0.0.1:0", NULL, 0, &c, NULL), MC_OK);
    ASSERT_STR_EQ(c.host, "127.0.0.1");
    ASSERT_EQ_INT(c.port, 0);
    /* An absent device (unplugged at start) is a serial port that will be retried. */
    ASSERT_STATUS(mc_transport_config_parse("/dev/ttyUSB-mcirc-absent", NULL, 0, &c, NULL), MC_OK);
    ASSERT_EQ_INT(c.kind, MC_TRANSPORT_SERIAL);
    ASSERT_STR_EQ(c.path, "/dev/ttyUSB-mcirc-absent");
    ASSERT_EQ_INT(c.baud, 9600);
    ASSERT_EQ_INT(c.data_bits, 8);
    ASSERT_EQ_INT(c.parity, MC_PARITY_NONE);
    ASSERT_EQ_INT(c.stop_bits, 1);
    ASSERT_EQ_INT(c.rtscts, 0);
    ASSERT_EQ_INT(c.backoff_initial_ms, 100);
    ASSERT_EQ_INT(c.backoff_max_ms, 5000);
    /* A FIFO is told from a tty by what the path is. */
    char dir[] = "/tmp/mcirc-tr-XXXXXX", fifo[64];
    ASSERT_TRUE(mkdtemp(dir) != NULL);
    snprintf(fifo, sizeof fifo, "%s/pipe", dir);
    ASSERT_EQ_INT(mkfifo(fifo, 0600), 0);
    ASSERT_STATUS(mc_transport_config_parse(fifo, NULL, 0, &c, NULL), MC_OK);
    ASSERT_EQ_INT(c.kind, MC_TRANSPORT_FIFO);
    ASSERT_STR_EQ(c.path, fifo);
    unlink(fifo);
    rmdir(dir);
}

TEST(parse_serial_options)
{
    mc_transport_config c;
    mc_kv kv[] = {{"baud", "115200"}, {"parity", "odd"}, {"bits", "7"},
                  {"stop", "2"},      {"rtscts", "1"},   {"model", "radical7"}};
    ASSERT_STATUS(mc_transport_config_parse("/dev/ttyS0", kv, 6, &c, NULL), MC_OK);
    ASSERT_EQ_INT(c.baud, 115200);
    ASSERT_EQ_INT(c.parity, MC_PARITY_ODD);
    ASSERT_EQ_INT(c.data_bits, 7);
    ASSERT_EQ_INT(c.stop_bits, 2);
    ASSERT_EQ_INT(c.rtscts, 1);
    mc_kv fr[] = {{"framing", "7e2"}, {"baud", "921600"}};
    ASSERT_STATUS(mc_transport_config_parse("/dev/ttyS0", fr, 2, &c, NULL), MC_OK);
    ASSERT_EQ_INT(c.data_bits, 7);
    ASSERT_EQ_INT(c.parity, MC_PARITY_EVEN);
    ASSERT_EQ_INT(c.stop_bits, 2);
    ASSERT_EQ_INT(c.baud, 921600);
    /* Driver keys pass through on any kind. */
    mc_kv drv[] = {{"gain", "2.5"}};
    ASSERT_STATUS(mc_transport_config_parse("-", drv, 1, &c, NULL), MC_OK);
}

/* Each bad input gives MC_EFORMAT and a message that names the key or part. */
static void expect_error(const char *address, const char *key, const char *value,
                         const char *needle)
{
    mc_transport_config c = mc_transport_config_default();
    c.baud = 1; /* a marker: a failed parse must leave *out untouched */
    mc_kv kv = {key, value};
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_transport_config_parse(address, &kv, key ? 1 : 0, &c, &d);
    if (st != MC_EFORMAT || !strstr(d.message, needle))
        fprintf(stderr, "'%s' %s=%s: %s, message '%s' (expected '%s')\n", address, key ? key : "",
                value ? value : "", mc_strerror(st), d.message, needle);
    ASSERT_STATUS(st, MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, needle) != NULL);
    ASSERT_TRUE(strchr(d.message, '\n') == NULL);
    ASSERT_EQ_INT(c.baud, 1);
}

TEST(parse_errors)
{
    expect_error("/dev/ttyS0", "baud", "1234", "baud=1234: expected one of 1200");
    expect_error("/dev/ttyS0", "baud", "fast", "baud=fast");
    expect_error("/dev/ttyS0", "bits", "9", "bits=9: expected 5, 6, 7 or 8");
    expect_error("/dev/ttyS0", "parity", "mark", "parity=mark: expected none, even or odd");
    expect_error("/dev/ttyS0", "stop", "3", "stop=3: expected 1 or 2");
    expect_error("/dev/ttyS0", "rtscts", "yes", "rtscts=yes: expected 0 or 1");
    expect_error("/dev/ttyS0", "framing", "9N1", "framing=9N1: expected");
    expect_error("/dev/ttyS0", "framing", "8X1", "framing=8X1");
    expect_error("tcp://127.0.0.1:5000", "baud", "9600", "baud=: a serial setting");
    expect_error("-", "framing", "8N1", "framing=: a serial setting");
    expect_error("tcp://127.0.0.1", NULL, NULL, "expected HOST:PORT");
    expect_error("tcp://:5000", NULL, NULL, "expected a host");
    expect_error("tcp://h:0", NULL, NULL, "port number 1..65535");
    expect_error("tcp://h:70000", NULL, NULL, "port number 1..65535");
    expect_error("tcp://::1:80", NULL, NULL, "IPv6 host goes in brackets");
    expect_error("udp://[::1]80", NULL, NULL, "[IPV6]:PORT");
    expect_error("udp://x", NULL, NULL, "expected HOST:PORT");
    expect_error("ftp://host:1", NULL, NULL, "unknown scheme");
    expect_error("", NULL, NULL, "expected a device path");
    expect_error("/tmp", NULL, NULL, "is a directory");
    /* framing with its parts. */
    mc_transport_config c;
    mc_kv both[] = {{"framing", "8N1"}, {"bits", "7"}};
    mc_diag d;
    ASSERT_STATUS(mc_transport_config_parse("/dev/ttyS0", both, 2, &c, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "either framing= or bits=") != NULL);
    ASSERT_STATUS(mc_transport_config_parse(NULL, NULL, 0, &c, &d), MC_EINVAL);
}

TEST(open_invalid)
{
    mc_transport *t = (mc_transport *)&t;
    ASSERT_STATUS(mc_transport_open(NULL, &t), MC_EINVAL);
    ASSERT_TRUE(t == NULL);
    mc_transport_config c = mc_transport_config_default(); /* serial without a path */
    t = (mc_transport *)&t;
    ASSERT_STATUS(mc_transport_open(&c, &t), MC_EINVAL);
    ASSERT_TRUE(t == NULL);
    snprintf(c.path, sizeof c.path, "/dev/ttyS0");
    c.baud = 1000;
    ASSERT_STATUS(mc_transport_open(&c, &t), MC_EINVAL);
    c.baud = 9600;
    c.backoff_max_ms = 10; /* below the initial delay */
    ASSERT_STATUS(mc_transport_open(&c, &t), MC_EINVAL);
    c = mc_transport_config_default();
    c.kind = MC_TRANSPORT_TCP; /* no host */
    c.port = 80;
    ASSERT_STATUS(mc_transport_open(&c, &t), MC_EINVAL);
    ASSERT_TRUE(t == NULL);
    mc_transport_destroy(NULL);
}

/* ---- Serial over a pseudo-terminal ----------------------------------------------------------- */

TEST(serial_pty_bytes_and_termios)
{
    int master, slave;
    ASSERT_EQ_INT(openpty(&master, &slave, NULL, NULL, NULL), 0);
    const char *name = ttyname(slave);
    ASSERT_TRUE(name != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s", name);
    mc_kv kv[] = {{"baud", "9600"}, {"framing", "8N2"}, {"rtscts", "1"}};
    mc_transport *t = open_addr(path, kv, 3);
    wait_event(t, MC_TRANSPORT_CONNECTED, 2000, NULL, NULL, 0);

    /* The settings are on the tty, as another process opening it sees them. */
    struct termios tio;
    ASSERT_EQ_INT(tcgetattr(slave, &tio), 0);
    ASSERT_EQ_INT(cfgetispeed(&tio), B9600);
    ASSERT_EQ_INT(cfgetospeed(&tio), B9600);
    ASSERT_EQ_INT(tio.c_cflag & CSIZE, CS8);
    ASSERT_EQ_INT(tio.c_cflag & PARENB, 0);
    ASSERT_TRUE((tio.c_cflag & CSTOPB) != 0);
    ASSERT_TRUE((tio.c_cflag & CRTSCTS) != 0);
    ASSERT_EQ_INT(tio.c_lflag & (ICANON | ECHO | ISIG), 0); /* raw */
    ASSERT_EQ_INT(tio.c_iflag & (IXON | ICRNL), 0);
    ASSERT_EQ_INT(tio.c_cc[VMIN], 0);
    ASSERT_EQ_INT(tio.c_cc[VTIME], 0);
    close(slave);

    /* 100 kB in random chunks (1..700 bytes), written on the master as room allows. */
    enum { N = 100000 };
    unsigned char *sent = malloc(N), *got = malloc(N);
    ASSERT_TRUE(sent && got);
    fill_random(sent, N, 7);
    ASSERT_EQ_INT(fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK), 0);
    size_t w = 0, r = 0;
    uint32_t x = 12345;
    int64_t end = mc_clock_now_ns() + 20000000000LL;
    while (r < N && mc_clock_now_ns() < end) {
        if (w < N) {
            x = x * 1103515245u + 12345u;
            size_t chunk = 1 + (x >> 16) % 700;
            if (chunk > N - w)
                chunk = N - w;
            ssize_t s = write(master, sent + w, chunk);
            if (s > 0)
                w += (size_t)s;
        }
        size_t n;
        mc_transport_event ev;
        mc_status st = mc_transport_read(t, got + r, N - r, 5, &n, &ev);
        ASSERT_TRUE(st == MC_OK || st == MC_ETIMEDOUT);
        ASSERT_EQ_INT(ev.kind, MC_TRANSPORT_NONE);
        r += n;
    }
    ASSERT_EQ_INT(r, N);
    ASSERT_TRUE(memcmp(sent, got, N) == 0);
    ASSERT_EQ_INT(mc_transport_get_stats(t).bytes, N);

    /* A request to the device arrives on the master. */
    ASSERT_STATUS(mc_transport_write(t, "REQ\r\n", 5), MC_OK);
    char req[8] = {0};
    struct pollfd p = {master, POLLIN, 0};
    ASSERT_EQ_INT(poll(&p, 1, 2000), 1);
    ASSERT_EQ_INT(read(master, req, sizeof req), 5);
    ASSERT_TRUE(memcmp(req, "REQ\r\n", 5) == 0);
    free(sent);
    free(got);
    mc_transport_destroy(t);
    close(master);
}

/* A pty reached through a symbolic link in a temporary folder, as /dev/serial/by-id/ names a
 * USB adapter: once the test removes the link, no other pty (a parallel test reusing the number
 * /dev/pts/N) can answer in the device's place. */
typedef struct pty_link {
    int master, slave;
    char dir[32], link[64], target[256];
} pty_link;

static void pty_link_open(pty_link *p)
{
    ASSERT_EQ_INT(openpty(&p->master, &p->slave, NULL, NULL, NULL), 0);
    snprintf(p->target, sizeof p->target, "%s", ttyname(p->slave));
    snprintf(p->dir, sizeof p->dir, "/tmp/mcirc-tr-XXXXXX");
    ASSERT_TRUE(mkdtemp(p->dir) != NULL);
    snprintf(p->link, sizeof p->link, "%s/ttyUSB", p->dir);
    ASSERT_EQ_INT(symlink(p->target, p->link), 0);
}

static void pty_link_remove(pty_link *p)
{
    unlink(p->link);
    rmdir(p->dir);
}

TEST(serial_device_gone_and_back)
{
    pty_link p;
    pty_link_open(&p);
    mc_transport *t = open_addr(p.link, NULL, 0);
    wait_event(t, MC_TRANSPORT_CONNECTED, 2000, NULL, NULL, 0);
    ASSERT_EQ_INT(write(p.master, "one", 3), 3);
    unsigned char b[3];
    ASSERT_EQ_INT(read_bytes(t, b, 3, 2000), 3);
    ASSERT_TRUE(memcmp(b, "one", 3) == 0);

    /* The device node disappears without a hang-up (the adapter is unplugged). */
    ASSERT_EQ_INT(unlink(p.link), 0);
    mc_transport_event ev = wait_event(t, MC_TRANSPORT_DISCONNECTED, 2000, NULL, NULL, 0);
    ASSERT_STR_EQ(ev.reason, "device gone");
    /* ... and comes back (plugged in again): the transport reopens it. */
    ASSERT_EQ_INT(symlink(p.target, p.link), 0);
    mc_transport_event up = wait_event(t, MC_TRANSPORT_CONNECTED, 3000, NULL, NULL, 0);
    ASSERT_TRUE(up.t_ns > ev.t_ns);
    ASSERT_EQ_INT(write(p.master, "two", 3), 3);
    ASSERT_EQ_INT(read_bytes(t, b, 3, 2000), 3);
    ASSERT_TRUE(memcmp(b, "two", 3) == 0);
    mc_transport_stats s = mc_transport_get_stats(t);
    ASSERT_EQ_INT(s.disconnects, 1);
    ASSERT_EQ_INT(s.reconnects, 1);
    mc_transport_destroy(t);
    close(p.slave);
    close(p.master);
    pty_link_remove(&p);
}

TEST(serial_hangup_then_backoff)
{
    pty_link p;
    pty_link_open(&p);
    int master = p.master, slave = p.slave;
    mc_transport *t = open_addr(p.link, NULL, 0);
    wait_event(t, MC_TRANSPORT_CONNECTED, 2000, NULL, NULL, 0);
    close(slave);
    ASSERT_EQ_INT(write(master, "abc", 3), 3);
    unsigned char b[3];
    ASSERT_EQ_INT(read_bytes(t, b, 3, 2000), 3);

    /* The cable is pulled: the master closes. */
    int64_t t0 = mc_clock_now_ns();
    close(master);
    pty_link_remove(&p); /* before the first retry, 100 ms after the hang-up is seen */
    mc_transport_event ev = wait_event(t, MC_TRANSPORT_DISCONNECTED, 2000, NULL, NULL, 0);
    ASSERT_STR_EQ(ev.reason, "hang-up");
    ASSERT_TRUE(ev.t_ns >= t0);
    ASSERT_TRUE(ev.t_ns - t0 < 1000000000); /* within ~200 ms when idle; 1 s under load */
    ASSERT_EQ_INT(mc_transport_get_stats(t).disconnects, 1);

    /* The path is gone for good: reads keep timing out, retries back off (100, 200, 400, 800 ms:
     * about 3 in a second, never a busy loop). */
    uint64_t a0 = mc_transport_get_stats(t).open_attempts;
    int64_t end = mc_clock_now_ns() + 1000000000;
    int calls = 0;
    while (mc_clock_now_ns() < end) {
        size_t n;
        unsigned char buf[64];
        ASSERT_STATUS(mc_transport_read(t, buf, sizeof buf, 10, &n, &ev), MC_ETIMEDOUT);
        ASSERT_EQ_INT(n, 0);
        calls++;
    }
    uint64_t attempts = mc_transport_get_stats(t).open_attempts - a0;
    fprintf(stderr, "open attempts in 1 s after the hang-up: %llu (%d reads)\n",
            (unsigned long long)attempts, calls);
    ASSERT_TRUE(attempts >= 1);
    ASSERT_TRUE(attempts <= 5);
    ASSERT_STATUS(mc_transport_write(t, "x", 1), MC_ESTATE);

    int64_t s0 = mc_clock_now_ns();
    mc_transport_stop(t);
    size_t n;
    unsigned char buf[8];
    ASSERT_STATUS(mc_transport_read(t, buf, sizeof buf, 5000, &n, &ev), MC_END);
    ASSERT_TRUE(mc_clock_now_ns() - s0 < 200000000);
    mc_transport_destroy(t);
}

/* ---- TCP ------------------------------------------------------------------------------------- */

TEST(tcp_peer_close_and_reconnect)
{
    uint16_t port;
    int lfd = listen_tcp(0, &port);
    char addr[64];
    snprintf(addr, sizeof addr, "tcp://127.0.0.1:%u", (unsigned)port);
    mc_transport *t = open_addr(addr, NULL, 0);
    wait_event(t, MC_TRANSPORT_CONNECTED, 3000, NULL, NULL, 0);
    int c = accept_within(lfd, 2000);
    ASSERT_EQ_INT(send(c, "first", 5, 0), 5);
    unsigned char b[16] = {0};
    ASSERT_EQ_INT(read_bytes(t, b, 5, 2000), 5);
    ASSERT_TRUE(memcmp(b, "first", 5) == 0);
    ASSERT_STATUS(mc_transport_write(t, "ping", 4), MC_OK);
    ASSERT_EQ_INT(recv(c, b, 4, MSG_WAITALL), 4);
    ASSERT_TRUE(memcmp(b, "ping", 4) == 0);

    close(c); /* the device closes the connection */
    mc_transport_event ev = wait_event(t, MC_TRANSPORT_DISCONNECTED, 2000, NULL, NULL, 0);
    ASSERT_STR_EQ(ev.reason, "peer closed");
    mc_transport_event up = wait_event(t, MC_TRANSPORT_CONNECTED, 3000, NULL, NULL, 0);
    ASSERT_TRUE(up.t_ns > ev.t_ns);
    c = accept_within(lfd, 2000);
    ASSERT_EQ_INT(send(c, "second", 6, 0), 6);
    ASSERT_EQ_INT(read_bytes(t, b, 6, 2000), 6);
    ASSERT_TRUE(memcmp(b, "second", 6) == 0);
    mc_transport_stats s = mc_transport_get_stats(t);
    ASSERT_EQ_INT(s.disconnects, 1);
    ASSERT_EQ_INT(s.reconnects, 1);
    ASSERT_EQ_INT(s.bytes, 11);
    close(c);
    close(lfd);
    mc_transport_destroy(t);
}

TEST(tcp_retries_until_listener)
{
    uint16_t port;
    int probe = listen_tcp(0, &port); /* a free port, closed again: nobody listens there */
    close(probe);
    char addr[64];
    snprintf(addr, sizeof addr, "tcp://127.0.0.1:%u", (unsigned)port);
    mc_transport *t = open_addr(addr, NULL, 0);
    int64_t end = mc_clock_now_ns() + 700000000;
    while (mc_clock_now_ns() < end) {
        size_t n;
        mc_transport_event ev;
        unsigned char buf[16];
        ASSERT_STATUS(mc_transport_read(t, buf, sizeof buf, 20, &n, &ev), MC_ETIMEDOUT);
    }
    /* 0, 100, 300 ms (then 700 ms, on the edge): backoff, not one attempt per read. */
    uint64_t attempts = mc_transport_get_stats(t).open_attempts;
    fprintf(stderr, "connect attempts in 0.7 s without a listener: %llu\n",
            (unsigned long long)attempts);
    ASSERT_TRUE(attempts >= 2);
    ASSERT_TRUE(attempts <= 5);
    int lfd = listen_tcp(port, NULL);
    wait_event(t, MC_TRANSPORT_CONNECTED, 6000, NULL, NULL, 0);
    int c = accept_within(lfd, 2000);
    ASSERT_EQ_INT(send(c, "late", 4, 0), 4);
    unsigned char b[4];
    ASSERT_EQ_INT(read_bytes(t, b, 4, 2000), 4);
    ASSERT_TRUE(memcmp(b, "late", 4) == 0);
    ASSERT_EQ_INT(mc_transport_get_stats(t).reconnects, 0); /* the first connection */
    close(c);
    close(lfd);
    mc_transport_destroy(t);
}

/* ---- UDP ------------------------------------------------------------------------------------- */

TEST(udp_peer_speaks_first)
{
    /* The device listens (a monitor on the LAN); the transport sends to it before anything
     * came, from a free local port, and reads its answer. */
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_TRUE(s >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    ASSERT_EQ_INT(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    ASSERT_EQ_INT(getsockname(s, (struct sockaddr *)&a, &alen), 0);
    char addr[64];
    snprintf(addr, sizeof addr, "udp://127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
    const mc_kv peer[] = {{"peer", "1"}};
    mc_transport *t = open_addr(addr, peer, 1);
    wait_event(t, MC_TRANSPORT_CONNECTED, 2000, NULL, NULL, 0);
    ASSERT_STATUS(mc_transport_write(t, "assoc", 5), MC_OK);
    char in[64];
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    struct pollfd pf = {s, POLLIN, 0};
    ASSERT_EQ_INT(poll(&pf, 1, 2000), 1);
    ASSERT_EQ_INT(recvfrom(s, in, sizeof in, 0, (struct sockaddr *)&from, &flen), 5);
    ASSERT_TRUE(memcmp(in, "assoc", 5) == 0);
    ASSERT_EQ_INT(sendto(s, "result", 6, 0, (struct sockaddr *)&from, flen), 6);
    size_t n = 0;
    mc_transport_event ev;
    mc_status st = MC_ETIMEDOUT;
    for (int k = 0; k < 100 && st == MC_ETIMEDOUT; k++)
        st = mc_transport_read(t, in, sizeof in, 20, &n, &ev);
    ASSERT_STATUS(st, MC_OK);
    ASSERT_EQ_INT(n, 6);
    ASSERT_TRUE(memcmp(in, "result", 6) == 0);
    mc_transport_destroy(t);
    close(s);
    /* peer= is for udp addresses only, and 0 or 1. */
    mc_transport_config c;
    ASSERT_STATUS(mc_transport_config_parse("tcp://127.0.0.1:9", peer, 1, &c, NULL), MC_EFORMAT);
    const mc_kv bad[] = {{"peer", "2"}};
    ASSERT_STATUS(mc_transport_config_parse("udp://127.0.0.1:9", bad, 1, &c, NULL), MC_EFORMAT);
}

TEST(udp_datagrams)
{
    mc_transport *t = open_addr("udp://127.0.0.1:0", NULL, 0);
    uint16_t port = mc_transport_get_port(t);
    ASSERT_TRUE(port != 0);
    ASSERT_STATUS(mc_transport_write(t, "x", 1), MC_ESTATE); /* nobody to answer yet */
    wait_event(t, MC_TRANSPORT_CONNECTED, 2000, NULL, NULL, 0);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_TRUE(s >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    static const size_t sizes[] = {1, 300, 1400};
    unsigned char out[1400], in[2048];
    for (size_t i = 0; i < 3; i++) {
        fill_random(out, sizes[i], (unsigned)i + 1);
        ASSERT_EQ_INT(sendto(s, out, sizes[i], 0, (struct sockaddr *)&a, sizeof a),
                      (long long)sizes[i]);
    }
    for (size_t i = 0; i < 3; i++) {
        size_t n = 0;
        mc_transport_event ev;
        mc_status st = MC_ETIMEDOUT;
        for (int k = 0; k < 100 && st == MC_ETIMEDOUT; k++)
            st = mc_transport_read(t, in, sizeof in, 20, &n, &ev);
        ASSERT_STATUS(st, MC_OK);
        ASSERT_EQ_INT(n, sizes[i]); /* one datagram per read */
        fill_random(out, sizes[i], (unsigned)i + 1);
        ASSERT_TRUE(memcmp(in, out, n) == 0);
    }
    /* A datagram longer than the buffer: truncated and counted. */
    ASSERT_EQ_INT(sendto(s, out, 100, 0, (struct sockaddr *)&a, sizeof a), 100);
    size_t n = 0;
    mc_transport_event ev;
    mc_status st = MC_ETIMEDOUT;
    for (int k = 0; k < 100 && st == MC_ETIMEDOUT; k++)
        st = mc_transport_read(t, in, 10, 20, &n, &ev);
    ASSERT_STATUS(st, MC_OK);
    ASSERT_EQ_INT(n, 10);
    ASSERT_EQ_INT(mc_transport_get_stats(t).truncated, 1);
    /* A reply goes to the last sender. */
    ASSERT_STATUS(mc_transport_write(t, "ack", 3), MC_OK);
    struct pollfd p = {s, POLLIN, 0};
    ASSERT_EQ_INT(poll(&p, 1, 2000), 1);
    ASSERT_EQ_INT(recv(s, in, sizeof in, 0), 3);
    ASSERT_TRUE(memcmp(in, "ack", 3) == 0);
    close(s);
    mc_transport_destroy(t);
}

/* ---- FIFO ------------------------------------------------------------------------------------ */

/* Open the FIFO for writing once the transport has it open for reading (reading meanwhile). */
static int open_writer(mc_transport *t, const char *path)
{
    int64_t end = mc_clock_now_ns() + 3000000000LL;
    while (mc_clock_now_ns() < end) {
        int fd = open(path, O_WRONLY | O_NONBLOCK);
        if (fd >= 0)
            return fd;
        ASSERT_EQ_INT(errno, ENXIO); /* no reader yet */
        size_t n;
        mc_transport_event ev;
        unsigned char buf[16];
        ASSERT_STATUS(mc_transport_read(t, buf, sizeof buf, 20, &n, &ev), MC_ETIMEDOUT);
    }
    ASSERT_TRUE(0);
    return -1;
}

TEST(fifo_writer_closes_and_returns)
{
    char dir[] = "/tmp/mcirc-tr-XXXXXX", path[64];
    ASSERT_TRUE(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/dev", dir);
    ASSERT_EQ_INT(mkfifo(path, 0600), 0);
    mc_transport *t = open_addr(path, NULL, 0);
    ASSERT_STATUS(mc_transport_write(t, "x", 1), MC_EINVAL); /* read-only */

    enum { N = 20000 };
    unsigned char sent[2 * N], got[2 * N];
    fill_random(sent, sizeof sent, 3);
    int w = open_writer(t, path);
    ASSERT_EQ_INT(write(w, sent, N), N);
    size_t r = 0;
    wait_event(t, MC_TRANSPORT_CONNECTED, 2000, got, &r, sizeof got);
    ASSERT_EQ_INT(r, 0); /* connected comes before the bytes */
    r = read_bytes(t, got, N, 3000);
    ASSERT_EQ_INT(r, N);
    close(w);
    mc_transport_event ev = wait_event(t, MC_TRANSPORT_DISCONNECTED, 2000, NULL, NULL, 0);
    ASSERT_STR_EQ(ev.reason, "writer closed");

    w = open_writer(t, path); /* a new writer */
    ASSERT_EQ_INT(write(w, sent + N, N), N);
    wait_event(t, MC_TRANSPORT_CONNECTED, 3000, NULL, NULL, 0);
    r += read_bytes(t, got + N, N, 3000);
    ASSERT_EQ_INT(r, 2 * N);
    ASSERT_TRUE(memcmp(sent, got, sizeof sent) == 0);
    mc_transport_stats s = mc_transport_get_stats(t);
    ASSERT_EQ_INT(s.disconnects, 1);
    ASSERT_EQ_INT(s.reconnects, 1);
    ASSERT_EQ_INT(s.bytes, 2 * N);
    close(w);
    mc_transport_destroy(t);
    unlink(path);
    rmdir(dir);
}

/* ---- Standard input -------------------------------------------------------------------------- */

TEST(stdin_until_eof)
{
    enum { N = 50000 };
    int fds[2];
    ASSERT_EQ_INT(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_TRUE(pid >= 0);
    if (pid == 0) {
        /* The child reads "-" with the pipe as its real standard input. */
        close(fds[1]);
        if (dup2(fds[0], 0) != 0)
            _exit(10);
        close(fds[0]);
        mc_transport_config c;
        mc_transport *t = NULL;
        if (mc_transport_config_parse("-", NULL, 0, &c, NULL) != MC_OK ||
            mc_transport_open(&c, &t) != MC_OK)
            _exit(11);
        static unsigned char got[N + 1], want[N];
        fill_random(want, N, 9);
        size_t r = 0;
        int connected = 0;
        mc_status st;
        for (;;) {
            size_t n;
            mc_transport_event ev;
            st = mc_transport_read(t, got + r, sizeof got - r, 1000, &n, &ev);
            if (st == MC_OK && ev.kind == MC_TRANSPORT_CONNECTED)
                connected++;
            if (st != MC_OK && st != MC_ETIMEDOUT)
                break;
            r += n;
        }
        int again = mc_transport_read(t, got, 1, 0, &(size_t){0},
                                      &(mc_transport_event){MC_TRANSPORT_NONE, 0, ""}) == MC_END;
        mc_transport_destroy(t);
        _exit(st != MC_END           ? 12
              : connected != 1       ? 13
              : r != N               ? 14
              : memcmp(got, want, N) ? 15
              : !again               ? 16
                                     : 0);
    }
    close(fds[0]);
    unsigned char sent[N];
    fill_random(sent, N, 9);
    size_t w = 0;
    while (w < N) {
        ssize_t s = write(fds[1], sent + w, N - w > 777 ? 777 : N - w);
        ASSERT_TRUE(s > 0);
        w += (size_t)s;
    }
    close(fds[1]); /* EOF */
    int status;
    ASSERT_EQ_INT(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ_INT(WEXITSTATUS(status), 0);
}

/* ---- Stop from another thread ---------------------------------------------------------------- */

typedef struct reader {
    mc_transport *t;
    atomic_int started;
    mc_status result;
    int64_t returned_ns;
} reader;

static void *read_blocked(void *arg)
{
    reader *r = arg;
    unsigned char buf[64];
    size_t n;
    mc_transport_event ev;
    atomic_store(&r->started, 1);
    mc_status st;
    do /* the first read may report connected; then it blocks */
        st = mc_transport_read(r->t, buf, sizeof buf, 10000, &n, &ev);
    while (st == MC_OK);
    r->result = st;
    r->returned_ns = mc_clock_now_ns();
    return NULL;
}

static void stop_while_blocked(mc_transport *t)
{
    reader r = {t, 0, MC_OK, 0};
    pthread_t th;
    ASSERT_EQ_INT(pthread_create(&th, NULL, read_blocked, &r), 0);
    while (!atomic_load(&r.started))
        pause_ms(1);
    pause_ms(150); /* let it block in poll */
    int64_t s0 = mc_clock_now_ns();
    mc_transport_stop(t);
    ASSERT_EQ_INT(pthread_join(th, NULL), 0);
    ASSERT_STATUS(r.result, MC_END);
    fprintf(stderr, "read returned %.3f ms after stop\n", (double)(r.returned_ns - s0) / 1e6);
    ASSERT_TRUE(r.returned_ns - s0 < 200000000);
    mc_transport_destroy(t);
}

TEST(stop_from_thread)
{
    /* Connected and idle: stdin on a pipe nobody writes to. */
    int fds[2];
    ASSERT_EQ_INT(pipe(fds), 0);
    mc_transport_config c = mc_transport_config_default();
    c.kind = MC_TRANSPORT_STDIN;
    c.fd = fds[0];
    mc_transport *t = NULL;
    ASSERT_STATUS(mc_transport_open(&c, &t), MC_OK);
    stop_while_blocked(t);
    close(fds[0]);
    close(fds[1]);

    /* Away and waiting out its backoff: a serial device that is not there. */
    mc_transport *u = open_addr("/dev/ttyUSB-mcirc-absent", NULL, 0);
    stop_while_blocked(u);
}
