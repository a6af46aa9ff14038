/* SPDX-License-Identifier: MIT */
/* tests/osc_receiver.h: a liblo server thread (UDP or TCP, free port) that records every message
 * it receives: address, type tags, the first float and string arguments, the timetag of its
 * bundle and the size of the bundle it came in. Used by the OSC tests and benchmark. */
#ifndef MC_TESTS_OSC_RECEIVER_H
#define MC_TESTS_OSC_RECEIVER_H

#include <lo/lo.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef RX_MAX
#define RX_MAX 20000 /* messages recorded; a user may define more before the include */
#endif
enum { RX_ARGS = 8 };

typedef struct rx_msg {
    char path[128];
    char types[RX_ARGS + 1]; /* first type tags */
    int argc;
    float f[RX_ARGS];    /* float arguments by position (NaN otherwise) */
    int32_t i[RX_ARGS];  /* int arguments */
    char s[3][320];      /* the first three string arguments by position */
    int64_t tt_ns;       /* bundle timetag as Unix ns; -1 outside a bundle */
    size_t msg_bytes;    /* lo_message_length */
    size_t bundle_index; /* bundles seen before this message's bundle (1-based), 0 = none */
    int64_t rx_mono_ns;  /* CLOCK_MONOTONIC at reception */
} rx_msg;

typedef struct rx {
    lo_server_thread st;
    char port[16];
    pthread_mutex_t mu;
    rx_msg *msgs;
    size_t n;
    size_t n_bundles;
    size_t bundle_bytes[RX_MAX]; /* size of bundle k (index = bundle_index - 1) */
    int in_bundle;
    int64_t cur_tt_ns;
    size_t cur_bytes;
} rx;

static inline int64_t rx_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int64_t rx_tt_to_ns(lo_timetag tt)
{
    return ((int64_t)tt.sec - 2208988800LL) * 1000000000 +
           (int64_t)(((uint64_t)tt.frac * 1000000000u) >> 32);
}

static int rx_bundle_start(lo_timetag tt, void *user)
{
    rx *r = user;
    pthread_mutex_lock(&r->mu);
    r->in_bundle = 1;
    r->cur_tt_ns = rx_tt_to_ns(tt);
    r->cur_bytes = 16;
    if (r->n_bundles < RX_MAX)
        r->n_bundles++;
    pthread_mutex_unlock(&r->mu);
    return 0;
}

static int rx_bundle_end(void *user)
{
    rx *r = user;
    pthread_mutex_lock(&r->mu);
    r->bundle_bytes[r->n_bundles - 1] = r->cur_bytes;
    r->in_bundle = 0;
    pthread_mutex_unlock(&r->mu);
    return 0;
}

static int rx_handler(const char *path, const char *types, lo_arg **argv, int argc, lo_message msg,
                      void *user)
{
    rx *r = user;
    pthread_mutex_lock(&r->mu);
    if (r->n < RX_MAX) {
        rx_msg *m = &r->msgs[r->n++];
        memset(m, 0, sizeof *m);
        snprintf(m->path, sizeof m->path, "%s", path);
        snprintf(m->types, sizeof m->types, "%s", types);
        m->argc = argc;
        /* liblo's lo_arg pointers are only 4-byte aligned while the union needs 8: reading a
           member is undefined behaviour (UBSan says so); copy the bytes instead. */
        for (int k = 0; k < argc && k < RX_ARGS; k++) {
            const void *a = argv[k];
            m->f[k] = (float)NAN;
            if (types[k] == 'f')
                memcpy(&m->f[k], a, sizeof m->f[k]);
            if (types[k] == 'i')
                memcpy(&m->i[k], a, sizeof m->i[k]);
            if (types[k] == 's' && k < 3)
                snprintf(m->s[k], sizeof m->s[k], "%s", (const char *)a);
        }
        m->msg_bytes = lo_message_length(msg, path);
        m->tt_ns = r->in_bundle ? r->cur_tt_ns : -1;
        m->bundle_index = r->in_bundle ? r->n_bundles : 0;
        m->rx_mono_ns = rx_mono_ns();
        if (r->in_bundle)
            r->cur_bytes += m->msg_bytes + 4;
    }
    pthread_mutex_unlock(&r->mu);
    return 0;
}

/* Start a receiver on a free port; proto LO_UDP or LO_TCP. NULL on failure. */
static inline rx *rx_start(int proto)
{
    rx *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->msgs = calloc(RX_MAX, sizeof *r->msgs);
    pthread_mutex_init(&r->mu, NULL);
    r->st = lo_server_thread_new_with_proto(NULL, proto, NULL);
    if (!r->msgs || !r->st) {
        free(r->msgs);
        free(r);
        return NULL;
    }
    lo_server s = lo_server_thread_get_server(r->st);
    lo_server_enable_queue(s, 0, 1); /* dispatch at once, whatever the timetag */
    lo_server_add_bundle_handlers(s, rx_bundle_start, rx_bundle_end, r);
    lo_server_thread_add_method(r->st, NULL, NULL, rx_handler, r);
    snprintf(r->port, sizeof r->port, "%d", lo_server_thread_get_port(r->st));
    lo_server_thread_start(r->st);
    return r;
}

static inline size_t rx_count(rx *r)
{
    pthread_mutex_lock(&r->mu);
    size_t n = r->n;
    pthread_mutex_unlock(&r->mu);
    return n;
}

/* Wait until at least n messages arrived or timeout_ms passed; returns the count. */
static inline size_t rx_wait(rx *r, size_t n, int timeout_ms)
{
    int64_t end = rx_mono_ns() + (int64_t)timeout_ms * 1000000;
    size_t got;
    while ((got = rx_count(r)) < n && rx_mono_ns() < end) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return got;
}

/* Stop the server (after this, r->msgs can be read without the lock) and free with rx_free. */
static inline void rx_stop(rx *r)
{
    if (r && r->st) {
        lo_server_thread_stop(r->st);
        lo_server_thread_free(r->st);
        r->st = NULL;
    }
}

static inline void rx_free(rx *r)
{
    if (!r)
        return;
    rx_stop(r);
    pthread_mutex_destroy(&r->mu);
    free(r->msgs);
    free(r);
}

#endif
