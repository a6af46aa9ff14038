/* SPDX-License-Identifier: MIT */
/* acquisition/transport.c: serial (termios), TCP client, UDP listener, stdin and FIFO transports
 * with reconnection and backoff, and the parser of their addresses and options. Built with
 * _DEFAULT_SOURCE (acquisition/CMakeLists.txt): cfmakeraw, CRTSCTS and the speeds above 38400
 * are not POSIX. */
#include "acquisition/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "acquisition/clock.h"

/* ---- Configuration and its parser ------------------------------------------------------------ */

static const struct {
    uint32_t baud;
    speed_t code;
} baud_table[] = {
    {1200, B1200},     {2400, B2400},     {4800, B4800},     {9600, B9600},     {19200, B19200},
    {38400, B38400},   {57600, B57600},   {115200, B115200}, {230400, B230400}, {460800, B460800},
    {500000, B500000}, {576000, B576000}, {921600, B921600},
};
enum { N_BAUD = sizeof baud_table / sizeof baud_table[0] };

static const char *const kind_names[] = {"serial", "tcp", "udp", "stdin", "fifo"};

const char *mc_transport_kind_name(mc_transport_kind k)
{
    return (unsigned)k < sizeof kind_names / sizeof kind_names[0] ? kind_names[k] : "unknown";
}

mc_transport_config mc_transport_config_default(void)
{
    mc_transport_config c;
    memset(&c, 0, sizeof c);
    c.kind = MC_TRANSPORT_SERIAL;
    c.baud = 9600;
    c.data_bits = 8;
    c.parity = MC_PARITY_NONE;
    c.stop_bits = 1;
    c.rtscts = 0;
    c.backoff_initial_ms = 100;
    c.backoff_max_ms = 5000;
    c.connect_timeout_ms = 2000;
    c.read_timeout_ms = 100;
    c.fd = 0;
    return c;
}

static int baud_code(uint32_t baud, speed_t *code)
{
    for (int i = 0; i < N_BAUD; i++)
        if (baud_table[i].baud == baud) {
            *code = baud_table[i].code;
            return 1;
        }
    return 0;
}

/* Decimal digits only, value in [lo, hi]. */
static int parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *v)
{
    if (!s || !*s || strlen(s) > 9)
        return 0;
    unsigned long x = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        x = x * 10 + (unsigned long)(*p - '0');
    }
    if (x < lo || x > hi)
        return 0;
    *v = x;
    return 1;
}

/* "HOST:PORT" or "[V6HOST]:PORT"; host may be empty when allowed. */
static mc_status parse_host_port(const char *s, const char *scheme, int host_required,
                                 unsigned long port_min, mc_transport_config *c, mc_diag *d)
{
    const char *colon, *host = s;
    size_t hlen;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return mc_diag_set(d, MC_EFORMAT, -1, -1,
                               "address %s://%s: expected [IPV6]:PORT after the bracket", scheme,
                               s);
        host = s + 1;
        hlen = (size_t)(close - host);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return mc_diag_set(d, MC_EFORMAT, -1, -1, "address %s://%s: expected HOST:PORT", scheme,
                               s);
        hlen = (size_t)(colon - s);
        if (memchr(s, ':', hlen))
            return mc_diag_set(d, MC_EFORMAT, -1, -1,
                               "address %s://%s: an IPv6 host goes in brackets ([::1]:PORT)",
                               scheme, s);
    }
    if (host_required && hlen == 0)
        return mc_diag_set(d, MC_EFORMAT, -1, -1, "address %s://%s: expected a host before ':'",
                           scheme, s);
    if (hlen >= sizeof c->host)
        return mc_diag_set(d, MC_EFORMAT, -1, -1, "address %s://: host longer than %d bytes",
                           scheme, (int)sizeof c->host - 1);
    unsigned long port;
    if (!parse_uint(colon + 1, port_min, 65535, &port))
        return mc_diag_set(d, MC_EFORMAT, -1, -1,
                           "address %s://%s: expected a port number %lu..65535 after ':'", scheme,
                           s, port_min);
    memcpy(c->host, host, hlen);
    c->host[hlen] = '\0';
    c->port = (uint16_t)port;
    return MC_OK;
}

static mc_status parse_address(const char *a, mc_transport_config *c, mc_diag *d)
{
    if (!a[0])
        return mc_diag_set(d, MC_EFORMAT, -1, -1,
                           "address: expected a device path, tcp://HOST:PORT, udp://[HOST]:PORT "
                           "or - (standard input)");
    if (strcmp(a, "-") == 0) {
        c->kind = MC_TRANSPORT_STDIN;
        return MC_OK;
    }
    if (strncmp(a, "tcp://", 6) == 0) {
        c->kind = MC_TRANSPORT_TCP;
        return parse_host_port(a + 6, "tcp", 1, 1, c, d);
    }
    if (strncmp(a, "udp://", 6) == 0) {
        c->kind = MC_TRANSPORT_UDP;
        return parse_host_port(a + 6, "udp", 0, 0, c, d);
    }
    if (strstr(a, "://"))
        return mc_diag_set(d, MC_EFORMAT, -1, -1,
                           "address '%.64s': unknown scheme; expected tcp://, udp://, a path or -",
                           a);
    if (strlen(a) >= sizeof c->path)
        return mc_diag_set(d, MC_EFORMAT, -1, -1, "address: a path longer than %d bytes",
                           (int)sizeof c->path - 1);
    struct stat sb;
    c->kind = MC_TRANSPORT_SERIAL;
    if (stat(a, &sb) == 0) {
        if (S_ISFIFO(sb.st_mode))
            c->kind = MC_TRANSPORT_FIFO;
        else if (S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode))
            return mc_diag_set(d, MC_EFORMAT, -1, -1,
                               "address '%.200s' is a %s: expected a serial device or a FIFO", a,
                               S_ISREG(sb.st_mode) ? "regular file" : "directory");
    }
    memcpy(c->path, a, strlen(a) + 1);
    return MC_OK;
}

/* "8N1": data bits 5..8, parity N/E/O, stop bits 1/2. */
static int parse_framing(const char *v, mc_transport_config *c)
{
    if (strlen(v) != 3 || v[0] < '5' || v[0] > '8' || (v[2] != '1' && v[2] != '2'))
        return 0;
    switch (v[1]) {
    case 'N':
    case 'n':
        c->parity = MC_PARITY_NONE;
        break;
    case 'E':
    case 'e':
        c->parity = MC_PARITY_EVEN;
        break;
    case 'O':
    case 'o':
        c->parity = MC_PARITY_ODD;
        break;
    default:
        return 0;
    }
    c->data_bits = (uint8_t)(v[0] - '0');
    c->stop_bits = (uint8_t)(v[2] - '0');
    return 1;
}

static mc_status parse_option(const char *k, const char *v, mc_transport_config *c, mc_diag *d)
{
    unsigned long x;
    if (strcmp(k, "baud") == 0) {
        speed_t code;
        if (!parse_uint(v, 1, 4000000, &x) || !baud_code((uint32_t)x, &code))
            return mc_diag_set(d, MC_EFORMAT, -1, -1,
                               "baud=%.32s: expected one of 1200, 2400, 4800, 9600, 19200, 38400, "
                               "57600, 115200, 230400, 460800, 500000, 576000, 921600",
                               v);
        c->baud = (uint32_t)x;
    } else if (strcmp(k, "bits") == 0) {
        if (!parse_uint(v, 5, 8, &x))
            return mc_diag_set(d, MC_EFORMAT, -1, -1, "bits=%.32s: expected 5, 6, 7 or 8", v);
        c->data_bits = (uint8_t)x;
    } else if (strcmp(k, "parity") == 0) {
        if (strcmp(v, "none") == 0)
            c->parity = MC_PARITY_NONE;
        else if (strcmp(v, "even") == 0)
            c->parity = MC_PARITY_EVEN;
        else if (strcmp(v, "odd") == 0)
            c->parity = MC_PARITY_ODD;
        else
            return mc_diag_set(d, MC_EFORMAT, -1, -1, "parity=%.32s: expected none, even or odd",
                               v);
    } else if (strcmp(k, "stop") == 0) {
        if (!parse_uint(v, 1, 2, &x))
            return mc_diag_set(d, MC_EFORMAT, -1, -1, "stop=%.32s: expected 1 or 2", v);
        c->stop_bits = (uint8_t)x;
    } else if (strcmp(k, "rtscts") == 0) {
        if (!parse_uint(v, 0, 1, &x))
            return mc_diag_set(d, MC_EFORMAT, -1, -1, "rtscts=%.32s: expected 0 or 1", v);
        c->rtscts = (uint8_t)x;
    } else if (strcmp(k, "framing") == 0) {
        if (!parse_framing(v, c))
            return mc_diag_set(d, MC_EFORMAT, -1, -1,
                               "framing=%.32s: expected data bits 5-8, parity N/E/O, stop bits "
                               "1/2, e.g. 8N1 or 7E2",
                               v);
    }
    return MC_OK;
}

static int is_serial_key(const char *k)
{
    static const char *const keys[] = {"baud", "bits", "parity", "stop", "rtscts", "framing"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(k, keys[i]) == 0)
            return 1;
    return 0;
}

mc_status mc_transport_config_parse(const char *address, const mc_kv *params, size_t n,
                                    mc_transport_config *out, mc_diag *d)
{
    if (!address || !out || (n > 0 && !params))
        return mc_diag_set(d, MC_EINVAL, -1, -1, "transport: NULL address, params or output");
    mc_transport_config c = mc_transport_config_default();
    mc_status st = parse_address(address, &c, d);
    if (st != MC_OK)
        return st;
    int framing = 0, parts = 0;
    for (size_t i = 0; i < n; i++) {
        const char *k = params[i].key ? params[i].key : "";
        const char *v = params[i].value ? params[i].value : "";
        if (strcmp(k, "peer") == 0) {
            unsigned long x;
            if (c.kind != MC_TRANSPORT_UDP || !parse_uint(v, 0, 1, &x))
                return mc_diag_set(d, MC_EFORMAT, -1, -1,
                                   "peer=%.32s: expected 0 or 1, with a udp://HOST:PORT address",
                                   v);
            c.udp_peer = (uint8_t)x;
            continue;
        }
        if (!is_serial_key(k))
            continue; /* the driver's option */
        if (c.kind != MC_TRANSPORT_SERIAL)
            return mc_diag_set(d, MC_EFORMAT, -1, -1,
                               "%s=: a serial setting, but the address is %s (not a serial "
                               "device)",
                               k, mc_transport_kind_name(c.kind));
        if (strcmp(k, "framing") == 0)
            framing = 1;
        else if (strcmp(k, "bits") == 0 || strcmp(k, "parity") == 0 || strcmp(k, "stop") == 0)
            parts = 1;
        if (framing && parts)
            return mc_diag_set(d, MC_EFORMAT, -1, -1,
                               "framing=: expected either framing= or bits=/parity=/stop=, not "
                               "both");
        st = parse_option(k, v, &c, d);
        if (st != MC_OK)
            return st;
    }
    *out = c;
    return MC_OK;
}

static int config_valid(const mc_transport_config *c)
{
    speed_t code;
    if ((unsigned)c->kind > MC_TRANSPORT_FIFO || c->backoff_initial_ms < 1 ||
        c->backoff_max_ms < c->backoff_initial_ms || c->connect_timeout_ms < 1 ||
        c->read_timeout_ms < 0 || !memchr(c->path, '\0', sizeof c->path) ||
        !memchr(c->host, '\0', sizeof c->host))
        return 0;
    switch (c->kind) {
    case MC_TRANSPORT_SERIAL:
        return c->path[0] && baud_code(c->baud, &code) && c->data_bits >= 5 && c->data_bits <= 8 &&
               (unsigned)c->parity <= MC_PARITY_ODD && (c->stop_bits == 1 || c->stop_bits == 2) &&
               c->rtscts <= 1;
    case MC_TRANSPORT_FIFO:
        return c->path[0] != '\0';
    case MC_TRANSPORT_TCP:
        return c->host[0] && c->port != 0;
    case MC_TRANSPORT_STDIN:
        return c->fd >= 0;
    case MC_TRANSPORT_UDP:
        return 1;
    }
    return 0;
}

/* ---- The transport --------------------------------------------------------------------------- */

typedef enum state { ST_DOWN = 0, ST_CONNECTING, ST_WAITING, ST_UP, ST_ENDED } state;

struct mc_transport {
    mc_transport_config cfg;
    int fd;           /* the device, -1 when down */
    int wake[2];      /* self-pipe: mc_transport_stop writes to wake[1] */
    state st;         /* ST_WAITING: a FIFO open, no writer seen yet */
    int ever_up;      /* a connected event was reported once */
    int backoff_ms;   /* delay before the next retry */
    int64_t retry_ns; /* CLOCK_MONOTONIC of the next open attempt */
    int64_t connect_deadline_ns;
    uint16_t port;
    struct sockaddr_storage peer; /* udp: the sender of the last datagram */
    socklen_t peer_len;
    atomic_bool stopped;
    _Atomic uint64_t bytes, reconnects, disconnects, open_attempts, truncated;
};

static int set_nonblock_cloexec(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 &&
           fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

static void close_device(mc_transport *t)
{
    if (t->fd >= 0 && !(t->cfg.kind == MC_TRANSPORT_STDIN))
        close(t->fd);
    t->fd = -1;
}

static void event_set(mc_transport_event *ev, mc_transport_event_kind k, const char *reason)
{
    ev->kind = k;
    ev->t_ns = mc_clock_now_ns();
    snprintf(ev->reason, sizeof ev->reason, "%s", reason);
}

/* A failed attempt: wait, doubling the delay up to the maximum. */
static void retry_later(mc_transport *t)
{
    close_device(t);
    t->st = ST_DOWN;
    t->retry_ns = mc_clock_now_ns() + (int64_t)t->backoff_ms * 1000000;
    t->backoff_ms =
        t->backoff_ms > t->cfg.backoff_max_ms / 2 ? t->cfg.backoff_max_ms : t->backoff_ms * 2;
}

/* The device went away: close it, count, schedule the first retry. */
static void go_down(mc_transport *t, mc_transport_event *ev, const char *reason)
{
    close_device(t);
    t->st = ST_DOWN;
    t->backoff_ms = t->cfg.backoff_initial_ms;
    retry_later(t); /* the first retry after the initial delay, the next ones doubling */
    atomic_fetch_add_explicit(&t->disconnects, 1, memory_order_relaxed);
    event_set(ev, MC_TRANSPORT_DISCONNECTED, reason);
}

static void go_up(mc_transport *t, mc_transport_event *ev)
{
    t->st = ST_UP;
    t->backoff_ms = t->cfg.backoff_initial_ms;
    if (t->ever_up)
        atomic_fetch_add_explicit(&t->reconnects, 1, memory_order_relaxed);
    t->ever_up = 1;
    event_set(ev, MC_TRANSPORT_CONNECTED, "");
}

static int open_serial(mc_transport *t)
{
    const mc_transport_config *c = &t->cfg;
    int fd = open(c->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct termios tio;
    speed_t code;
    static const tcflag_t sizes[] = {CS5, CS6, CS7, CS8};
    if (tcgetattr(fd, &tio) != 0 || !baud_code(c->baud, &code))
        goto fail;
    cfmakeraw(&tio);
    tio.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
    tio.c_cflag |= sizes[c->data_bits - 5] | CREAD | CLOCAL;
    if (c->parity != MC_PARITY_NONE)
        tio.c_cflag |= PARENB | (c->parity == MC_PARITY_ODD ? PARODD : 0);
    if (c->stop_bits == 2)
        tio.c_cflag |= CSTOPB;
    if (c->rtscts)
        tio.c_cflag |= CRTSCTS;
    /* Reads never wait in the driver: poll() does the waiting, so that stop can interrupt it. */
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    if (cfsetispeed(&tio, code) != 0 || cfsetospeed(&tio, code) != 0 ||
        tcsetattr(fd, TCSANOW, &tio) != 0)
        goto fail;
    return fd;
fail:
    close(fd);
    return -1;
}

/* tcp: start a non-blocking connect; 1 connected, 0 in progress, -1 failed. */
static int start_tcp(mc_transport *t)
{
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)t->cfg.port);
    /* A host name is resolved at each attempt (a blocking lookup; numeric hosts cost nothing). */
    if (getaddrinfo(t->cfg.host, port, &hints, &ai) != 0)
        return -1;
    int rc = -1;
    for (struct addrinfo *a = ai; a && rc < 0; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0)
            continue;
        if (!set_nonblock_cloexec(fd)) {
            close(fd);
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            rc = 1;
        } else if (errno == EINPROGRESS) {
            rc = 0;
        } else {
            close(fd);
            continue;
        }
        t->fd = fd;
    }
    freeaddrinfo(ai);
    return rc;
}

static mc_status bind_udp(mc_transport *t)
{
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = t->cfg.host[0] ? AF_UNSPEC : AF_INET;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = (t->cfg.udp_peer ? 0 : AI_PASSIVE) | AI_NUMERICSERV;
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)t->cfg.port);
    if (getaddrinfo(t->cfg.host[0] ? t->cfg.host : NULL, port, &hints, &ai) != 0)
        return MC_EIO;
    for (struct addrinfo *a = ai; a && t->fd < 0; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0)
            continue;
        /* A peer: connect() picks a free local port and keeps the device's address, so that
         * the first datagram can go out before any came in. */
        int ok = set_nonblock_cloexec(fd) &&
                 (t->cfg.udp_peer ? connect(fd, a->ai_addr, a->ai_addrlen)
                                  : bind(fd, a->ai_addr, a->ai_addrlen)) == 0;
        if (!ok) {
            close(fd);
            continue;
        }
        if (t->cfg.udp_peer && a->ai_addrlen <= sizeof t->peer) {
            memcpy(&t->peer, a->ai_addr, a->ai_addrlen);
            t->peer_len = a->ai_addrlen;
        }
        t->fd = fd;
    }
    freeaddrinfo(ai);
    if (t->fd < 0)
        return MC_EIO;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(t->fd, (struct sockaddr *)&ss, &sl) != 0)
        return MC_EIO;
    t->port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                       : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return MC_OK;
}

/* One open attempt for a device that is down; sets st to UP, CONNECTING, WAITING or DOWN. */
static void attempt(mc_transport *t)
{
    atomic_fetch_add_explicit(&t->open_attempts, 1, memory_order_relaxed);
    int rc = -1;
    switch (t->cfg.kind) {
    case MC_TRANSPORT_SERIAL:
        t->fd = open_serial(t);
        rc = t->fd >= 0 ? 1 : -1;
        break;
    case MC_TRANSPORT_FIFO:
        /* O_NONBLOCK: the open does not wait for a writer; the FIFO counts as connected when its
         * first bytes arrive (ST_WAITING), so the gap lasts until a writer really sends. */
        t->fd = open(t->cfg.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (t->fd >= 0) {
            t->st = ST_WAITING;
            return;
        }
        break;
    case MC_TRANSPORT_TCP:
        rc = start_tcp(t);
        if (rc == 0) {
            t->st = ST_CONNECTING;
            t->connect_deadline_ns =
                mc_clock_now_ns() + (int64_t)t->cfg.connect_timeout_ms * 1000000;
            return;
        }
        break;
    case MC_TRANSPORT_STDIN:
        t->fd = t->cfg.fd;
        rc = 1;
        break;
    case MC_TRANSPORT_UDP:
        rc = t->fd >= 0 ? 1 : bind_udp(t) == MC_OK ? 1 : -1;
        break;
    }
    if (rc == 1)
        t->st = ST_UP; /* reported as connected by the caller */
    else
        retry_later(t);
}

mc_status mc_transport_open(const mc_transport_config *cfg, mc_transport **out)
{
    if (!out)
        return MC_EINVAL;
    *out = NULL;
    if (!cfg || !config_valid(cfg))
        return MC_EINVAL;
    mc_transport *t = calloc(1, sizeof *t);
    if (!t)
        return MC_ENOMEM;
    t->cfg = *cfg;
    t->fd = -1;
    t->wake[0] = t->wake[1] = -1;
    t->port = cfg->port;
    t->backoff_ms = cfg->backoff_initial_ms;
    atomic_init(&t->stopped, 0);
    atomic_init(&t->bytes, 0);
    atomic_init(&t->reconnects, 0);
    atomic_init(&t->disconnects, 0);
    atomic_init(&t->open_attempts, 0);
    atomic_init(&t->truncated, 0);
    mc_status st = MC_EIO;
    if (pipe(t->wake) != 0) {
        t->wake[0] = t->wake[1] = -1;
        goto fail;
    }
    if (!set_nonblock_cloexec(t->wake[0]) || !set_nonblock_cloexec(t->wake[1]))
        goto fail;
    if (cfg->kind == MC_TRANSPORT_UDP && bind_udp(t) != MC_OK)
        goto fail;
    /* The first open is tried by the first read, which reports it. */
    t->retry_ns = mc_clock_now_ns();
    *out = t;
    return MC_OK;
fail:
    mc_transport_destroy(t);
    return st;
}

static int ms_until(int64_t when_ns)
{
    int64_t d = when_ns - mc_clock_now_ns();
    if (d <= 0)
        return 0;
    int64_t ms = (d + 999999) / 1000000;
    return ms > 1000000 ? 1000000 : (int)ms;
}

static int stopped(const mc_transport *t)
{
    return atomic_load_explicit(&t->stopped, memory_order_acquire);
}

/* Why a read failed, as an event reason. */
static const char *error_reason(const mc_transport *t, int err, char *buf, size_t cap)
{
    if (err == ENODEV || err == ENXIO || err == ENOENT)
        return "device gone";
    if (err == EIO && t->cfg.kind == MC_TRANSPORT_SERIAL)
        return "hang-up";
    if (err == ECONNRESET || err == EPIPE)
        return "peer closed";
    snprintf(buf, cap, "read error: %s", strerror(err));
    return buf;
}

/* The device is readable (or hung up): read it once. 1 = done (bytes or an event), 0 = nothing. */
static int read_device(mc_transport *t, void *buf, size_t cap, size_t *n, mc_transport_event *ev,
                       mc_status *st)
{
    char why[96];
    ssize_t got;
    if (t->cfg.kind == MC_TRANSPORT_UDP) {
        t->peer_len = sizeof t->peer;
        got = recvfrom(t->fd, buf, cap, MSG_TRUNC, (struct sockaddr *)&t->peer, &t->peer_len);
        if (got > (ssize_t)cap) {
            atomic_fetch_add_explicit(&t->truncated, 1, memory_order_relaxed);
            got = (ssize_t)cap;
        }
    } else {
        got = read(t->fd, buf, cap);
    }
    if (got > 0) {
        *n = (size_t)got;
        atomic_fetch_add_explicit(&t->bytes, (uint64_t)got, memory_order_relaxed);
        *st = MC_OK;
        return 1;
    }
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 0;
    if (got < 0 && t->cfg.kind == MC_TRANSPORT_UDP)
        return 0; /* an ICMP error on a datagram socket: not a disconnect */
    if (got == 0 && t->cfg.kind == MC_TRANSPORT_STDIN) {
        t->st = ST_ENDED;
        *st = MC_END;
        return 1;
    }
    const char *reason;
    if (got == 0)
        reason = t->cfg.kind == MC_TRANSPORT_TCP    ? "peer closed"
                 : t->cfg.kind == MC_TRANSPORT_FIFO ? "writer closed"
                                                    : "hang-up";
    else
        reason = error_reason(t, errno, why, sizeof why);
    go_down(t, ev, reason);
    *st = MC_OK;
    return 1;
}

mc_status mc_transport_read(mc_transport *t, void *buf, size_t cap, int timeout_ms, size_t *n,
                            mc_transport_event *ev)
{
    if (n)
        *n = 0;
    if (ev) {
        ev->kind = MC_TRANSPORT_NONE;
        ev->t_ns = 0;
        ev->reason[0] = '\0';
    }
    if (!t || !buf || cap == 0 || !n || !ev)
        return MC_EINVAL;
    if (timeout_ms < 0)
        timeout_ms = t->cfg.read_timeout_ms;
    int64_t deadline = mc_clock_now_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        if (stopped(t) || t->st == ST_ENDED)
            return MC_END;
        if (t->st == ST_DOWN && mc_clock_now_ns() >= t->retry_ns) {
            attempt(t);
            if (t->st == ST_UP) {
                go_up(t, ev);
                return MC_OK;
            }
        }
        if (t->st == ST_CONNECTING && mc_clock_now_ns() >= t->connect_deadline_ns)
            retry_later(t);

        struct pollfd p[2] = {{t->wake[0], POLLIN, 0}, {t->fd, 0, 0}};
        int wait = ms_until(deadline);
        if (t->st == ST_DOWN) {
            p[1].fd = -1;
            int w = ms_until(t->retry_ns);
            wait = w < wait ? w : wait;
        } else if (t->st == ST_CONNECTING) {
            p[1].events = POLLOUT;
            int w = ms_until(t->connect_deadline_ns);
            wait = w < wait ? w : wait;
        } else {
            p[1].events = POLLIN;
        }
        int ready = poll(p, 2, wait);
        if (ready < 0 && errno != EINTR)
            return MC_EIO;
        if (stopped(t))
            return MC_END;
        if (ready > 0 && p[1].revents) {
            if (t->st == ST_CONNECTING) {
                int err = 0;
                socklen_t el = sizeof err;
                if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0) {
                    go_up(t, ev);
                    return MC_OK;
                }
                retry_later(t);
                continue;
            }
            if (t->st == ST_WAITING) {
                if (p[1].revents & POLLIN) {
                    /* A writer sent its first bytes: connected; the bytes wait in the pipe. */
                    go_up(t, ev);
                    return MC_OK;
                }
                retry_later(t); /* a hang-up before any byte: open again */
                continue;
            }
            mc_status st;
            if (read_device(t, buf, cap, n, ev, &st))
                return st;
        } else if (ready == 0 && t->st == ST_UP && t->cfg.kind == MC_TRANSPORT_SERIAL) {
            /* No data: a device whose node was removed without a hang-up is gone. */
            struct stat sb;
            if (stat(t->cfg.path, &sb) != 0 && errno == ENOENT) {
                go_down(t, ev, "device gone");
                return MC_OK;
            }
        }
        if (mc_clock_now_ns() >= deadline)
            return MC_ETIMEDOUT;
    }
}

mc_status mc_transport_write(mc_transport *t, const void *bytes, size_t n)
{
    if (!t || (!bytes && n > 0) || t->cfg.kind == MC_TRANSPORT_STDIN ||
        t->cfg.kind == MC_TRANSPORT_FIFO)
        return MC_EINVAL;
    if (t->st != ST_UP || t->fd < 0)
        return MC_ESTATE;
    if (t->cfg.kind == MC_TRANSPORT_UDP) {
        if (t->peer_len == 0)
            return MC_ESTATE;
        ssize_t s = t->cfg.udp_peer ? send(t->fd, bytes, n, 0)
                                    : sendto(t->fd, bytes, n, 0, (const struct sockaddr *)&t->peer,
                                             t->peer_len);
        return s == (ssize_t)n ? MC_OK : MC_EIO;
    }
    const unsigned char *p = bytes;
    int64_t deadline = mc_clock_now_ns() + 100000000;
    while (n > 0) {
        /* A closed TCP peer must not raise SIGPIPE in the recorder: send() with MSG_NOSIGNAL. */
        ssize_t s =
            t->cfg.kind == MC_TRANSPORT_TCP ? send(t->fd, p, n, MSG_NOSIGNAL) : write(t->fd, p, n);
        if (s > 0) {
            p += s;
            n -= (size_t)s;
            continue;
        }
        if (s < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return MC_EIO;
        int wait = ms_until(deadline);
        if (wait == 0)
            return MC_ETIMEDOUT;
        struct pollfd pf = {t->fd, POLLOUT, 0};
        if (poll(&pf, 1, wait) < 0 && errno != EINTR)
            return MC_EIO;
    }
    return MC_OK;
}

void mc_transport_stop(mc_transport *t)
{
    if (!t)
        return;
    atomic_store_explicit(&t->stopped, 1, memory_order_release);
    char one = 1;
    ssize_t w = write(t->wake[1], &one, 1); /* a full pipe already wakes the reader */
    (void)w;
}

mc_transport_stats mc_transport_get_stats(const mc_transport *t)
{
    mc_transport_stats s = {
        atomic_load_explicit(&t->bytes, memory_order_relaxed),
        atomic_load_explicit(&t->reconnects, memory_order_relaxed),
        atomic_load_explicit(&t->disconnects, memory_order_relaxed),
        atomic_load_explicit(&t->open_attempts, memory_order_relaxed),
        atomic_load_explicit(&t->truncated, memory_order_relaxed),
    };
    return s;
}

uint16_t mc_transport_get_port(const mc_transport *t)
{
    return t->port;
}

void mc_transport_destroy(mc_transport *t)
{
    if (!t)
        return;
    close_device(t);
    if (t->wake[0] >= 0)
        close(t->wake[0]);
    if (t->wake[1] >= 0)
        close(t->wake[1]);
    free(t);
}
