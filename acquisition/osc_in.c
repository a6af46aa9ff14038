/* SPDX-License-Identifier: MIT */
/* acquisition/osc_in.c: the OSC event receiver: a non-blocking UDP socket, poll(), and the
 * decoder of formats/osc_event.h. */
#include "acquisition/osc_in.h"

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
#include <unistd.h>

#include "acquisition/clock.h"
#include "acquisition/ring.h"
#include "formats/osc_event.h"

struct mc_osc_in {
    int fd;
    uint16_t port;
    mc_event_queue *queue;
    _Atomic uint64_t received, ignored, dropped, schema_requests;
    /* One datagram: a valid event is at most 16 + 8 + 64 + 256 + 4 bytes, so a datagram that
     * fills the buffer (recv() truncates it) is malformed whatever the rest of it holds. */
    unsigned char buf[1024];
};

mc_osc_in_config mc_osc_in_config_default(void)
{
    mc_osc_in_config c = {NULL, 0, 256};
    return c;
}

mc_status mc_osc_in_create(const mc_osc_in_config *cfg, mc_diag *d, mc_osc_in **out)
{
    *out = NULL;
    if (!cfg || cfg->queue_capacity < 2)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "osc in: a queue of at least 2 events");
    const char *host = cfg->host && cfg->host[0] ? cfg->host : "127.0.0.1";
    mc_osc_in *r = calloc(1, sizeof *r);
    if (!r)
        return MC_ENOMEM;
    r->fd = -1;
    mc_status st = mc_event_queue_create(cfg->queue_capacity, &r->queue);
    if (st != MC_OK)
        goto fail;
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_PASSIVE;
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)cfg->port);
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0) {
        st = mc_diag_set(d, MC_EINVAL, -1, -1, "osc in: host '%s': %s", host, gai_strerror(gai));
        goto fail;
    }
    int err = 0;
    for (struct addrinfo *a = ai; a && r->fd < 0; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 ||
            fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 || bind(fd, a->ai_addr, a->ai_addrlen) != 0) {
            err = errno;
            close(fd);
            continue;
        }
        r->fd = fd;
    }
    freeaddrinfo(ai);
    if (r->fd < 0) {
        st = mc_diag_set(d, MC_EIO, -1, -1, "osc in: cannot bind udp %s:%u: %s", host,
                         (unsigned)cfg->port, strerror(err));
        goto fail;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(r->fd, (struct sockaddr *)&ss, &sl) != 0) {
        st = mc_diag_set(d, MC_EIO, -1, -1, "osc in: getsockname: %s", strerror(errno));
        goto fail;
    }
    r->port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                       : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    atomic_init(&r->received, 0);
    atomic_init(&r->ignored, 0);
    atomic_init(&r->dropped, 0);
    atomic_init(&r->schema_requests, 0);
    *out = r;
    return MC_OK;
fail:
    mc_osc_in_destroy(r);
    return st;
}

uint16_t mc_osc_in_get_port(const mc_osc_in *r)
{
    return r->port;
}

static void handle(mc_osc_in *r, size_t n, int truncated)
{
    mc_event ev;
    if (!truncated && mc_osc_is_schema_request(r->buf, n)) {
        atomic_fetch_add_explicit(&r->schema_requests, 1, memory_order_relaxed);
        return;
    }
    if (truncated || mc_osc_event_decode(r->buf, n, &ev, NULL) != MC_OK) {
        atomic_fetch_add_explicit(&r->ignored, 1, memory_order_relaxed);
        return;
    }
    ev.t_ns = mc_clock_now_ns();
    if (mc_event_queue_push(r->queue, &ev) != MC_OK)
        atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
    else
        atomic_fetch_add_explicit(&r->received, 1, memory_order_relaxed);
}

mc_status mc_osc_in_read(mc_osc_in *r, int timeout_ms)
{
    struct pollfd pfd = {r->fd, POLLIN, 0};
    int ready = poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms);
    if (ready < 0)
        return errno == EINTR ? MC_ETIMEDOUT : MC_EIO;
    if (ready == 0)
        return MC_ETIMEDOUT;
    int got = 0;
    for (;;) {
        ssize_t n = recv(r->fd, r->buf, sizeof r->buf, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            /* An ICMP error queued on the socket is not a failure of the receiver. */
            if (errno == ECONNREFUSED)
                continue;
            return MC_EIO;
        }
        got = 1;
        handle(r, (size_t)n, (size_t)n >= sizeof r->buf);
    }
    return got ? MC_OK : MC_ETIMEDOUT;
}

int mc_osc_in_pop(mc_osc_in *r, mc_event *ev)
{
    return mc_event_queue_pop(r->queue, ev);
}

mc_osc_in_stats mc_osc_in_get_stats(const mc_osc_in *r)
{
    mc_osc_in_stats s = {
        atomic_load_explicit(&r->received, memory_order_relaxed),
        atomic_load_explicit(&r->ignored, memory_order_relaxed),
        atomic_load_explicit(&r->dropped, memory_order_relaxed),
        atomic_load_explicit(&r->schema_requests, memory_order_relaxed),
    };
    return s;
}

void mc_osc_in_destroy(mc_osc_in *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    mc_event_queue_destroy(r->queue);
    free(r);
}
