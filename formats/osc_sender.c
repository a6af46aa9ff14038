/* SPDX-License-Identifier: MIT */
/* formats/osc_sender.c: liblo encodes, our own non-blocking socket sends. TCP frames carry a
 * 4-byte big-endian length (liblo's default framing); a frame is never abandoned half-written
 * while the connection lives, so the stream stays parseable for the peer. */
#define _DEFAULT_SOURCE
#include "formats/osc_sender.h"

#include <errno.h>
#include <fcntl.h>
#include <lo/lo.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { PACKET_MAX = 65536, FRAME_MAX = PACKET_MAX + 4 };

typedef struct wave_state {
    size_t factor;   /* raw samples per decimated sample */
    size_t count;    /* raw samples in the current group */
    size_t n_finite; /* finite ones among them */
    double sum;
} wave_state;

typedef struct stream_paths {
    char **feature; /* [n_features] */
    char status[MC_OSC_PATH_MAX];
    char wave[MC_OSC_PATH_MAX];
    size_t wave_max_floats;
} stream_paths;

struct mc_osc_sender {
    mc_osc_sender_config cfg;
    const mc_osc_schema *schema;
    mc_osc_url url;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    int fd;
    enum { TCP_CLOSED, TCP_CONNECTING, TCP_CONNECTED } tcp_state;
    int64_t next_connect_ns;
    int64_t pending_since_ns;
    unsigned char *packet; /* [PACKET_MAX] serialised OSC */
    unsigned char *frame;  /* [FRAME_MAX] TCP bytes not yet sent: pending[pending_off..len) */
    size_t pending_off, pending_len;
    char event_path[MC_OSC_PATH_MAX];
    char schema_path[MC_OSC_PATH_MAX];
    stream_paths *paths; /* [n_streams] */
    wave_state *wave;    /* [n_streams] */
    float *wave_out;     /* decimated samples of one write */
    size_t wave_out_cap;
    mc_osc_sender_stats stats;
};

mc_osc_sender_config mc_osc_sender_config_default(void)
{
    return (mc_osc_sender_config){
        .send_timeout_ms = 20, .stall_timeout_ms = 2000, .reconnect_ms = 500, .multicast_ttl = 1};
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- URL ------------------------------------------------------------------------------------ */

mc_status mc_osc_url_parse(const char *url, mc_osc_url *out, mc_diag *d)
{
    if (!url || !out)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "no URL");
    memset(out, 0, sizeof *out);
    const char *p;
    if (strncmp(url, "osc.udp://", 10) == 0) {
        out->proto = MC_OSC_UDP;
    } else if (strncmp(url, "osc.tcp://", 10) == 0) {
        out->proto = MC_OSC_TCP;
    } else {
        return mc_diag_set(d, MC_EINVAL, 0, -1,
                           "'%.80s': expected osc.udp://HOST:PORT or "
                           "osc.tcp://HOST:PORT",
                           url);
    }
    p = url + 10;
    const char *host = p, *host_end;
    if (*p == '[') {
        host = p + 1;
        host_end = strchr(host, ']');
        if (!host_end)
            return mc_diag_set(d, MC_EINVAL, p - url, -1, "IPv6 address without ']'");
        p = host_end + 1;
    } else {
        host_end = strchr(p, ':');
        if (!host_end)
            return mc_diag_set(d, MC_EINVAL, p - url, -1, "expected HOST:PORT");
        p = host_end;
    }
    size_t hl = (size_t)(host_end - host);
    if (hl >= sizeof out->host)
        return mc_diag_set(d, MC_EINVAL, host - url, -1, "host name too long");
    for (size_t i = 0; i < hl; i++) {
        unsigned char c = (unsigned char)host[i];
        if (c <= ' ' || c >= 127 || c == '/' || c == '@' || c == '[' || c == ']')
            return mc_diag_set(d, MC_EINVAL, host + i - url, -1, "bad character in host");
    }
    memcpy(out->host, host, hl);
    out->host[hl] = '\0';
    if (hl == 0)
        strcpy(out->host, "127.0.0.1");
    if (*p != ':')
        return mc_diag_set(d, MC_EINVAL, p - url, -1, "expected ':PORT'");
    p++;
    long port = 0;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 6) {
        port = port * 10 + (*p - '0');
        p++;
        digits++;
    }
    if (digits == 0 || port < 1 || port > 65535)
        return mc_diag_set(d, MC_EINVAL, p - url, -1, "expected a port 1-65535");
    if (*p == '/')
        p++;
    if (*p != '\0')
        return mc_diag_set(d, MC_EINVAL, p - url, -1, "unexpected text after the port");
    snprintf(out->port, sizeof out->port, "%u", (unsigned)(uint16_t)port);
    return MC_OK;
}

/* ---- sizes ---------------------------------------------------------------------------------- */

size_t mc_osc_wave_decimation(double fs_hz)
{
    if (!(fs_hz > MC_OSC_WAVE_MAX_HZ))
        return 1;
    double f = ceil(fs_hz / MC_OSC_WAVE_MAX_HZ - 1e-9);
    return f > 1e6 ? 1000000 : (size_t)f;
}

static size_t pad4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

/* A bundle of one message: "#bundle\0" + timetag + element size + message. */
static size_t wave_bundle_bytes(size_t path_len, size_t n)
{
    return 8 + 8 + 4 + pad4(path_len + 1) + pad4(n + 2) + 4 * n;
}

size_t mc_osc_wave_max_floats(const char *path)
{
    size_t pl = path ? strlen(path) : 0, n = (MC_OSC_DATAGRAM_MAX - 1) / 4;
    while (n > 0 && wave_bundle_bytes(pl, n) >= MC_OSC_DATAGRAM_MAX)
        n--;
    return n;
}

/* ---- sockets -------------------------------------------------------------------------------- */

static int is_multicast(const struct sockaddr_storage *a)
{
    if (a->ss_family == AF_INET) {
        uint32_t ip = ntohl(((const struct sockaddr_in *)(const void *)a)->sin_addr.s_addr);
        return (ip >> 28) == 14;
    }
    if (a->ss_family == AF_INET6)
        return ((const struct sockaddr_in6 *)(const void *)a)->sin6_addr.s6_addr[0] == 0xff;
    return 0;
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL, 0);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static mc_status open_udp(mc_osc_sender *s, mc_diag *d)
{
    s->fd = socket(s->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s->fd < 0 || set_nonblock(s->fd) != 0)
        return mc_diag_set(d, MC_EIO, -1, -1, "UDP socket: %s", strerror(errno));
    if (is_multicast(&s->addr)) {
        int ttl = s->cfg.multicast_ttl, loop = 1, r;
        if (s->addr.ss_family == AF_INET) {
            r = setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl);
            if (r == 0)
                r = setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop);
        } else {
            r = setsockopt(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof ttl);
        }
        if (r != 0)
            return mc_diag_set(d, MC_EIO, -1, -1, "multicast TTL: %s", strerror(errno));
    }
    return MC_OK;
}

static void tcp_close(mc_osc_sender *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    s->tcp_state = TCP_CLOSED;
    s->pending_off = s->pending_len = 0;
    s->next_connect_ns = now_ns() + (int64_t)s->cfg.reconnect_ms * 1000000;
}

/* Start or finish connecting; MC_OK once connected. Waits at most send_timeout_ms. */
static mc_status tcp_connect(mc_osc_sender *s)
{
    if (s->tcp_state == TCP_CONNECTED)
        return MC_OK;
    if (s->tcp_state == TCP_CLOSED) {
        if (now_ns() < s->next_connect_ns)
            return MC_EIO;
        s->fd = socket(s->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s->fd < 0 || set_nonblock(s->fd) != 0) {
            tcp_close(s);
            return MC_EIO;
        }
        int one = 1;
        (void)setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(s->fd, (const struct sockaddr *)&s->addr, s->addr_len) == 0) {
            s->tcp_state = TCP_CONNECTED;
            return MC_OK;
        }
        if (errno != EINPROGRESS) {
            tcp_close(s);
            return MC_EIO;
        }
        s->tcp_state = TCP_CONNECTING;
        s->pending_since_ns = now_ns(); /* start of the attempt */
    }
    struct pollfd pfd = {.fd = s->fd, .events = POLLOUT};
    int r = poll(&pfd, 1, s->cfg.send_timeout_ms);
    if (r == 0) {
        /* a host that never answers: give the attempt up after stall_timeout_ms */
        if (now_ns() - s->pending_since_ns > (int64_t)s->cfg.stall_timeout_ms * 1000000)
            tcp_close(s);
        return MC_ETIMEDOUT;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (r < 0 || getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        tcp_close(s);
        return MC_EIO;
    }
    s->tcp_state = TCP_CONNECTED;
    return MC_OK;
}

/* Send pending bytes, waiting at most timeout_ms for the peer. MC_OK when none is left. */
static mc_status tcp_flush(mc_osc_sender *s, int timeout_ms)
{
    int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;
    while (s->pending_off < s->pending_len) {
        ssize_t n = send(s->fd, s->frame + s->pending_off, s->pending_len - s->pending_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            s->pending_off += (size_t)n;
            s->pending_since_ns = now_ns();
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int64_t left = deadline - now_ns();
            if (left <= 0)
                break;
            struct pollfd pfd = {.fd = s->fd, .events = POLLOUT};
            int wait_ms = (int)((left + 999999) / 1000000);
            if (poll(&pfd, 1, wait_ms) < 0 && errno != EINTR) {
                tcp_close(s);
                return MC_EIO;
            }
            continue;
        }
        tcp_close(s);
        return MC_EIO;
    }
    if (s->pending_off < s->pending_len) {
        if (now_ns() - s->pending_since_ns > (int64_t)s->cfg.stall_timeout_ms * 1000000)
            tcp_close(s); /* a peer that stopped reading: start again with a fresh stream */
        return MC_ETIMEDOUT;
    }
    s->pending_off = s->pending_len = 0;
    return MC_OK;
}

static mc_status send_packet(mc_osc_sender *s, size_t len)
{
    mc_status st;
    if (s->url.proto == MC_OSC_UDP) {
        ssize_t n = sendto(s->fd, s->packet, len, MSG_NOSIGNAL | MSG_DONTWAIT,
                           (const struct sockaddr *)&s->addr, s->addr_len);
        st = n == (ssize_t)len ? MC_OK : MC_EIO;
    } else {
        st = tcp_connect(s);
        if (st == MC_OK && s->pending_len > 0)
            st = tcp_flush(s, s->cfg.send_timeout_ms);
        if (st == MC_OK) {
            uint32_t be = htonl((uint32_t)len);
            memcpy(s->frame, &be, 4);
            memcpy(s->frame + 4, s->packet, len);
            s->pending_off = 0;
            s->pending_len = len + 4;
            s->pending_since_ns = now_ns();
            st = tcp_flush(s, 0);
            if (st == MC_ETIMEDOUT)
                st = MC_OK; /* committed: the rest goes out on the next write */
        }
    }
    if (st == MC_OK) {
        s->stats.sent++;
        s->stats.bytes += len;
    } else {
        s->stats.failed++;
    }
    return st;
}

static mc_status send_bundle(mc_osc_sender *s, lo_bundle b)
{
    size_t len = lo_bundle_length(b);
    if (len == 0 || len > PACKET_MAX || !lo_bundle_serialise(b, s->packet, &len)) {
        s->stats.failed++;
        return MC_EIO;
    }
    return send_packet(s, len);
}

static mc_status send_message(mc_osc_sender *s, const char *path, lo_message m)
{
    size_t len = lo_message_length(m, path);
    if (len == 0 || len > PACKET_MAX || !lo_message_serialise(m, path, s->packet, &len)) {
        s->stats.failed++;
        return MC_EIO;
    }
    return send_packet(s, len);
}

static lo_timetag timetag(int64_t wall_ns)
{
    lo_timetag tt;
    if (wall_ns < 0)
        wall_ns = 0;
    int64_t sec = wall_ns / 1000000000, ns = wall_ns % 1000000000;
    tt.sec = (uint32_t)(sec + 2208988800LL);
    tt.frac = (uint32_t)(((uint64_t)ns << 32) / 1000000000u);
    return tt;
}

/* ---- create / destroy ----------------------------------------------------------------------- */

mc_status mc_osc_sender_create(mc_osc_sender **out, const char *url, const mc_osc_schema *schema,
                               const mc_osc_sender_config *cfg, mc_diag *d)
{
    if (!out)
        return MC_EINVAL;
    *out = NULL;
    mc_status st = mc_osc_schema_validate(schema, d);
    if (st != MC_OK)
        return st;
    mc_osc_sender *s = calloc(1, sizeof *s);
    if (!s)
        return MC_ENOMEM;
    s->fd = -1;
    s->schema = schema;
    s->cfg = cfg ? *cfg : mc_osc_sender_config_default();
    if (s->cfg.send_timeout_ms < 0)
        s->cfg.send_timeout_ms = 0;
    st = mc_osc_url_parse(url ? url : MC_OSC_DEFAULT_URL, &s->url, d);
    if (st != MC_OK)
        goto fail;
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = s->url.proto == MC_OSC_TCP ? SOCK_STREAM : SOCK_DGRAM,
                             .ai_flags = AI_NUMERICSERV},
                    *res = NULL;
    int gai = getaddrinfo(s->url.host, s->url.port, &hints, &res);
    if (gai != 0 || !res || res->ai_addrlen > sizeof s->addr) {
        st = mc_diag_set(d, MC_EINVAL, -1, -1, "cannot resolve '%s': %s", s->url.host,
                         gai ? gai_strerror(gai) : "no address");
        if (res)
            freeaddrinfo(res);
        goto fail;
    }
    memcpy(&s->addr, res->ai_addr, res->ai_addrlen);
    s->addr_len = res->ai_addrlen;
    freeaddrinfo(res);

    s->packet = malloc(PACKET_MAX);
    s->frame = malloc(FRAME_MAX);
    s->paths = calloc(schema->n_streams ? schema->n_streams : 1, sizeof *s->paths);
    s->wave = calloc(schema->n_streams ? schema->n_streams : 1, sizeof *s->wave);
    if (!s->packet || !s->frame || !s->paths || !s->wave) {
        st = MC_ENOMEM;
        goto fail;
    }
    if (mc_osc_schema_build_path(s->event_path, MC_OSC_PATH_MAX, MC_OSC_EVENT, schema->subject,
                                 NULL, NULL) != MC_OK ||
        mc_osc_schema_build_path(s->schema_path, MC_OSC_PATH_MAX, MC_OSC_SCHEMA, schema->subject,
                                 NULL, NULL) != MC_OK) {
        st = MC_EINVAL;
        goto fail;
    }
    for (size_t i = 0; i < schema->n_streams; i++) {
        const mc_osc_stream_def *sd = &schema->streams[i];
        stream_paths *p = &s->paths[i];
        p->feature = calloc(sd->n_features ? sd->n_features : 1, sizeof *p->feature);
        if (!p->feature) {
            st = MC_ENOMEM;
            goto fail;
        }
        for (size_t k = 0; k < sd->n_features; k++) {
            p->feature[k] = malloc(MC_OSC_PATH_MAX);
            if (!p->feature[k]) {
                st = MC_ENOMEM;
                goto fail;
            }
            if (mc_osc_schema_build_path(p->feature[k], MC_OSC_PATH_MAX, MC_OSC_FEATURE,
                                         schema->subject, sd->name,
                                         sd->features[k].name) != MC_OK) {
                st = MC_EINVAL;
                goto fail;
            }
        }
        if (mc_osc_schema_build_path(p->status, MC_OSC_PATH_MAX, MC_OSC_STATUS, schema->subject,
                                     sd->name, NULL) != MC_OK ||
            mc_osc_schema_build_path(p->wave, MC_OSC_PATH_MAX, MC_OSC_WAVE, schema->subject,
                                     sd->name, NULL) != MC_OK) {
            st = MC_EINVAL;
            goto fail;
        }
        p->wave_max_floats = mc_osc_wave_max_floats(p->wave);
        s->wave[i].factor = mc_osc_wave_decimation(sd->wave_fs_hz);
    }
    if (s->url.proto == MC_OSC_UDP) {
        st = open_udp(s, d);
        if (st != MC_OK)
            goto fail;
    }
    *out = s;
    return MC_OK;
fail:
    mc_osc_sender_destroy(s);
    return st;
}

void mc_osc_sender_destroy(mc_osc_sender *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    if (s->paths) {
        for (size_t i = 0; i < s->schema->n_streams; i++) {
            if (s->paths[i].feature)
                for (size_t k = 0; k < s->schema->streams[i].n_features; k++)
                    free(s->paths[i].feature[k]);
            free(s->paths[i].feature);
        }
    }
    free(s->paths);
    free(s->wave);
    free(s->wave_out);
    free(s->packet);
    free(s->frame);
    free(s);
}

void mc_osc_sender_get_stats(const mc_osc_sender *s, mc_osc_sender_stats *st)
{
    if (s && st)
        *st = s->stats;
}

/* ---- writes --------------------------------------------------------------------------------- */

static mc_status worst(mc_status a, mc_status b)
{
    return a != MC_OK ? a : b;
}

static lo_message status_message(const char *state, int64_t dropped)
{
    lo_message m = lo_message_new();
    if (!m)
        return NULL;
    int32_t dr = dropped < 0 ? 0 : dropped > INT32_MAX ? INT32_MAX : (int32_t)dropped;
    if (lo_message_add_string(m, state ? state : "") != 0 || lo_message_add_int32(m, dr) != 0) {
        lo_message_free(m);
        return NULL;
    }
    return m;
}

mc_status mc_osc_sender_write_hop(mc_osc_sender *s, const mc_osc_hop *hop)
{
    if (!s || !hop || hop->stream >= s->schema->n_streams ||
        hop->n_values != s->schema->streams[hop->stream].n_features ||
        (hop->n_values && !hop->values))
        return MC_EINVAL;
    const stream_paths *p = &s->paths[hop->stream];
    lo_timetag tt = timetag(hop->t_end_wall_ns);
    const char *state = hop->state;
    if (!state) {
        state = "ok";
        for (size_t k = 0; hop->statuses && k < hop->n_values; k++)
            if (hop->statuses[k] != MC_FS_OK) {
                state = mc_feature_status_name(hop->statuses[k]);
                break;
            }
    }
    mc_status st = MC_OK;
    lo_bundle b = lo_bundle_new(tt);
    size_t used = 16;
    if (!b)
        return MC_ENOMEM;
    for (size_t k = 0; k <= hop->n_values; k++) {
        lo_message m;
        const char *path;
        if (k < hop->n_values) {
            float v = hop->values[k];
            if (hop->statuses && hop->statuses[k] != MC_FS_OK)
                v = NAN;
            m = lo_message_new();
            if (m && lo_message_add_float(m, v) != 0) {
                lo_message_free(m);
                m = NULL;
            }
            path = p->feature[k];
        } else {
            m = status_message(state, hop->dropped);
            path = p->status;
        }
        if (!m) {
            st = MC_ENOMEM;
            break;
        }
        size_t len = lo_message_length(m, path) + 4;
        if (used > 16 && used + len >= MC_OSC_DATAGRAM_MAX) {
            st = worst(st, send_bundle(s, b));
            lo_bundle_free_recursive(b);
            b = lo_bundle_new(tt);
            used = 16;
            if (!b) {
                lo_message_free(m);
                return MC_ENOMEM;
            }
        }
        if (lo_bundle_add_message(b, path, m) != 0) {
            lo_message_free(m);
            st = MC_ENOMEM;
            break;
        }
        used += len;
    }
    if (st != MC_ENOMEM)
        st = worst(st, send_bundle(s, b));
    lo_bundle_free_recursive(b);
    return st;
}

static mc_status send_wave_chunk(mc_osc_sender *s, const char *path, const float *x, size_t n,
                                 int64_t t_wall_ns)
{
    lo_message m = lo_message_new();
    lo_bundle b = lo_bundle_new(timetag(t_wall_ns));
    mc_status st = MC_OK;
    if (!m || !b) {
        if (m)
            lo_message_free(m);
        if (b)
            lo_bundle_free(b);
        return MC_ENOMEM;
    }
    for (size_t i = 0; i < n && st == MC_OK; i++)
        if (lo_message_add_float(m, x[i]) != 0)
            st = MC_ENOMEM;
    if (st == MC_OK && lo_bundle_add_message(b, path, m) != 0)
        st = MC_ENOMEM;
    if (st != MC_OK) {
        lo_message_free(m);
        lo_bundle_free(b);
        return st;
    }
    st = send_bundle(s, b);
    lo_bundle_free_recursive(b);
    return st;
}

mc_status mc_osc_sender_write_wave(mc_osc_sender *s, size_t stream, int64_t t_end_wall_ns,
                                   const float *samples, size_t n)
{
    if (!s || stream >= s->schema->n_streams || (n && !samples))
        return MC_EINVAL;
    double fs = s->schema->streams[stream].wave_fs_hz;
    if (!(fs > 0.0))
        return MC_EINVAL;
    if (n == 0)
        return MC_OK;
    wave_state *w = &s->wave[stream];
    size_t cap = n / w->factor + 1;
    if (cap > s->wave_out_cap) {
        float *o = realloc(s->wave_out, cap * sizeof *o);
        if (!o)
            return MC_ENOMEM;
        s->wave_out = o;
        s->wave_out_cap = cap;
    }
    /* Decimate; remember the raw index of the last sample of each output group. */
    size_t n_out = 0, last_raw = 0;
    for (size_t i = 0; i < n; i++) {
        float v = samples[i];
        if (isfinite(v)) {
            w->sum += (double)v;
            w->n_finite++;
        }
        if (++w->count == w->factor) {
            s->wave_out[n_out++] = w->n_finite ? (float)(w->sum / (double)w->n_finite) : NAN;
            last_raw = i;
            w->count = w->n_finite = 0;
            w->sum = 0.0;
        }
    }
    if (n_out == 0)
        return MC_OK;
    const stream_paths *p = &s->paths[stream];
    double dec_period_ns = 1e9 * (double)w->factor / fs;
    int64_t t_last = t_end_wall_ns - (int64_t)llround(1e9 * (double)(n - 1 - last_raw) / fs);
    mc_status st = MC_OK;
    for (size_t off = 0; off < n_out; off += p->wave_max_floats) {
        size_t k = n_out - off < p->wave_max_floats ? n_out - off : p->wave_max_floats;
        size_t after = n_out - (off + k); /* decimated samples after this chunk */
        int64_t t = t_last - (int64_t)llround(dec_period_ns * (double)after);
        st = worst(st, send_wave_chunk(s, p->wave, s->wave_out + off, k, t));
    }
    return st;
}

mc_status mc_osc_sender_write_status(mc_osc_sender *s, size_t stream, int64_t t_wall_ns,
                                     const char *state, int64_t dropped)
{
    if (!s || stream >= s->schema->n_streams)
        return MC_EINVAL;
    lo_message m = status_message(state, dropped);
    lo_bundle b = lo_bundle_new(timetag(t_wall_ns));
    if (!m || !b || lo_bundle_add_message(b, s->paths[stream].status, m) != 0) {
        if (m)
            lo_message_free(m);
        if (b)
            lo_bundle_free(b);
        return MC_ENOMEM;
    }
    mc_status st = send_bundle(s, b);
    lo_bundle_free_recursive(b);
    return st;
}

mc_status mc_osc_sender_write_event(mc_osc_sender *s, int64_t t_wall_ns, const char *kind,
                                    const char *text, double value)
{
    if (!s)
        return MC_EINVAL;
    lo_message m = lo_message_new();
    lo_bundle b = lo_bundle_new(timetag(t_wall_ns));
    if (!m || !b || lo_message_add_string(m, kind ? kind : "") != 0 ||
        lo_message_add_string(m, text ? text : "") != 0 ||
        lo_message_add_float(m, (float)value) != 0 ||
        lo_bundle_add_message(b, s->event_path, m) != 0) {
        if (m)
            lo_message_free(m);
        if (b)
            lo_bundle_free(b);
        return MC_ENOMEM;
    }
    mc_status st = send_bundle(s, b);
    lo_bundle_free_recursive(b);
    return st;
}

/* Bytes an OSC string argument takes. */
static size_t osc_str_bytes(const char *x)
{
    return pad4(strlen(x) + 1);
}

mc_status mc_osc_sender_write_schema(mc_osc_sender *s)
{
    if (!s)
        return MC_EINVAL;
    size_t n_entries = mc_osc_schema_count_entries(s->schema);
    char version[32], part[32], e[MC_OSC_ENTRY_MAX];
    snprintf(version, sizeof version, "version %d", MC_OSC_SCHEMA_VERSION);
    /* First pass: count the parts. Fixed bytes: path, type tags (counted per argument, with
     * 4 spare for the comma and NUL), version and part strings. */
    size_t fixed = osc_str_bytes(s->schema_path) + 4 + osc_str_bytes(version) + 1 +
                   pad4(sizeof "part 99999/99999");
    size_t n_parts = 0, used = MC_OSC_DATAGRAM_MAX;
    for (size_t i = 0; i < n_entries; i++) {
        if (mc_osc_schema_get_entry(s->schema, i, e, sizeof e) != MC_OK)
            return MC_EINVAL;
        size_t add = osc_str_bytes(e) + 1;
        if (used + add >= MC_OSC_DATAGRAM_MAX - 4) {
            n_parts++;
            used = fixed;
        }
        used += add;
    }
    mc_status st = MC_OK;
    size_t i = 0;
    for (size_t k = 1; k <= n_parts; k++) {
        lo_message m = lo_message_new();
        if (!m)
            return MC_ENOMEM;
        snprintf(part, sizeof part, "part %zu/%zu", k, n_parts);
        int bad = lo_message_add_string(m, version) != 0 || lo_message_add_string(m, part) != 0;
        used = fixed;
        while (!bad && i < n_entries) {
            if (mc_osc_schema_get_entry(s->schema, i, e, sizeof e) != MC_OK)
                break;
            size_t add = osc_str_bytes(e) + 1;
            if (used + add >= MC_OSC_DATAGRAM_MAX - 4)
                break;
            bad = lo_message_add_string(m, e) != 0;
            used += add;
            i++;
        }
        if (bad) {
            lo_message_free(m);
            return MC_ENOMEM;
        }
        st = worst(st, send_message(s, s->schema_path, m));
        lo_message_free(m);
    }
    return st;
}
