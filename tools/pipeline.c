/* SPDX-License-Identifier: MIT */
/* tools/pipeline.c: threads, rings and the writer loop of the live recorder. */
#include "tools/pipeline.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "acquisition/clock.h"
#include "acquisition/ring.h"

/* Feature values per row, at most: the largest analyser (LDF) has 14. */
enum { PL_MAX_FEATURES = 32 };

/* One analyser row on its way from the analysis thread to the writer. */
typedef struct pl_row {
    size_t stream;
    int64_t end_index, t_end_ns;
    size_t n;
    float value[PL_MAX_FEATURES];
    uint8_t status[PL_MAX_FEATURES];
} pl_row;

/* Bounded SPSC queue of rows (analysis thread → writer); a full queue drops the new row. */
typedef struct pl_row_queue {
    pl_row *rows;
    size_t cap;          /* power of two */
    _Atomic size_t head; /* next to pop (consumer) */
    _Atomic size_t tail; /* next to push (producer) */
} pl_row_queue;

typedef struct pl_stream {
    mc_ring *ring;
    mc_ring *analysis; /* writer → analysis thread, blocks at their stored index */
    size_t source;     /* which source, and which of its streams */
    size_t source_stream;
    const mc_stream_info *info;
    _Atomic int64_t frames, missing; /* written by the writer thread, read by anyone */
    _Atomic double rate_hz;
    _Atomic uint64_t rows_dropped; /* by the full row queue */
    _Atomic int64_t rows;
    float *wave;             /* analysis thread: the analysed channel of a block */
    int64_t *times;          /* analysis thread: the frame times of a block */
    int64_t last_status_ns;  /* analysis thread: streams without features, status once a second */
    pthread_mutex_t last_mu; /* guards the last row (analysis thread ↔ terminal view) */
    float last_value[PL_MAX_FEATURES];
    uint8_t last_status[PL_MAX_FEATURES];
    int64_t last_t_ns;
} pl_stream;

typedef struct pl_source {
    mc_pipeline *p;
    mc_source *src;
    size_t first_stream; /* index of its first stream in the session */
    mc_event_queue *events;
    pthread_t thread;
    int started;
    _Atomic int status; /* mc_status of the thread's end */
} pl_source;

/* Wakes a consumer thread (the writer, the analysis) when a producer has queued something, so
 * that data moves on within microseconds instead of at the next poll; the consumer still looks
 * every few milliseconds on its own. Posting never blocks: one eventfd write, and none while a
 * wake-up is already pending. */
typedef struct pl_wake {
    int fd; /* eventfd, non-blocking; -1: none (then the consumer only polls) */
    atomic_bool pending;
} pl_wake;

struct mc_pipeline {
    mc_pipeline_config cfg;
    mc_recording *rec;
    pl_stream *streams;
    size_t n_streams;
    pl_source *sources;
    mc_event_queue *control_events; /* bedside events from the control thread */
    pthread_t osc_thread;           /* producer of cfg.osc_in's queue */
    int osc_started;
    atomic_bool osc_stop;
    _Atomic int osc_status; /* mc_status of the OSC thread's end */
    pthread_t writer;
    int writer_started;
    mc_stream_info *infos; /* [n_streams] copies of the sources' descriptions */
    mc_live *live;         /* NULL without analysis */
    mc_osc_out *osc;       /* NULL without OSC output */
    pl_wake writer_wake;   /* posted by the sources, the control and OSC threads */
    pl_wake analysis_wake; /* posted by the writer */
    pl_row_queue rows;
    pthread_t analysis_thread;
    int analysis_started;
    atomic_bool analysis_input_done; /* the writer will push nothing more */
    atomic_bool analysis_done;
    atomic_int sources_running;
    atomic_bool writer_failed;
    mc_status writer_status; /* written by the writer thread, read after join */
    char writer_error[256];
};

mc_pipeline_config mc_pipeline_config_default(void)
{
    mc_pipeline_config c;
    memset(&c, 0, sizeof c);
    c.writer = mc_h5_writer_config_default();
    c.ring_s = 5;
    c.flush_s = 1;
    c.analysis_s = 10;
    c.time_scale = 1;
    return c;
}

/* The result of a push into a bounded queue that drops and counts when full (an analysis ring,
 * an OSC destination queue): the count is the report, there is nothing else to do. */
static void counted(mc_status st)
{
    (void)st;
}

/* ---- wake-ups ------------------------------------------------------------------------------ */

static void wake_init(pl_wake *w)
{
    w->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    atomic_init(&w->pending, 0);
}

static void wake_post(pl_wake *w)
{
    if (w->fd >= 0 && !atomic_exchange_explicit(&w->pending, 1, memory_order_acq_rel)) {
        uint64_t one = 1;
        ssize_t n = write(w->fd, &one, sizeof one);
        (void)n; /* EAGAIN: the counter is full, a wake-up is pending anyway */
    }
}

/* Waits until posted or `timeout_ms` passed; then the caller drains its queues. */
static void wake_wait(pl_wake *w, int timeout_ms)
{
    if (w->fd < 0) {
        mc_clock_sleep_until(mc_clock_now_ns() + (int64_t)timeout_ms * 1000000, -1);
        return;
    }
    struct pollfd pfd = {w->fd, POLLIN, 0};
    if (poll(&pfd, 1, timeout_ms) > 0) {
        uint64_t v;
        ssize_t n = read(w->fd, &v, sizeof v);
        (void)n;
    }
    /* Cleared before the caller drains: anything posted from now on wakes the next wait. */
    atomic_store_explicit(&w->pending, 0, memory_order_release);
}

static void wake_close(pl_wake *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
}

/* ---- the row queue ------------------------------------------------------------------------ */

static int row_push(pl_row_queue *q, const pl_row *r)
{
    size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
    size_t head = atomic_load_explicit(&q->head, memory_order_acquire);
    if (tail - head == q->cap)
        return 0;
    q->rows[tail & (q->cap - 1)] = *r;
    atomic_store_explicit(&q->tail, tail + 1, memory_order_release);
    return 1;
}

static const pl_row *row_peek(pl_row_queue *q)
{
    size_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);
    return head == tail ? NULL : &q->rows[head & (q->cap - 1)];
}

static void row_release(pl_row_queue *q)
{
    atomic_fetch_add_explicit(&q->head, 1, memory_order_release);
}

/* ---- threads ------------------------------------------------------------------------------ */

static void *source_main(void *arg)
{
    pl_source *ps = arg;
    mc_pipeline *p = ps->p;
    mc_status end = MC_OK;
    for (;;) {
        mc_source_item item;
        mc_status st = mc_source_read(ps->src, &item);
        if (st == MC_ETIMEDOUT)
            continue;
        if (st != MC_OK) {
            end = st == MC_END ? MC_OK : st;
            break;
        }
        if (item.kind == MC_ITEM_EVENT) {
            if (mc_event_queue_push(ps->events, &item.event) != MC_OK) {
                /* The queue was full: the drop is counted there. */
            }
            wake_post(&p->writer_wake);
            continue;
        }
        mc_status pushed =
            mc_ring_push(p->streams[ps->first_stream + item.stream].ring, &item.block);
        wake_post(&p->writer_wake);
        if (pushed == MC_EINVAL) {
            /* A block larger than the source promised, or of the wrong shape: a bug in the
             * source, reported when the recording ends rather than hidden as a gap. */
            end = MC_EINVAL;
            break;
        }
        /* MC_EOVERRUN: a full ring dropped the block and counted it; the next block's index
         * shows the hole, and the recording writes it as a gap. */
    }
    atomic_store(&ps->status, end);
    atomic_fetch_sub(&p->sources_running, 1);
    return NULL;
}

/* Reads OSC events until asked to stop; the 50 ms wait bounds how long the stop takes. A last
 * read without waiting takes what reached the socket before the stop, so that an event sent
 * before the recording ended is in the file. */
static void *osc_main(void *arg)
{
    mc_pipeline *p = arg;
    uint64_t requests = 0;
    for (;;) {
        int stop = atomic_load_explicit(&p->osc_stop, memory_order_acquire);
        mc_status st = mc_osc_in_read(p->cfg.osc_in, stop ? 0 : 50);
        uint64_t now_requested = mc_osc_in_get_stats(p->cfg.osc_in).schema_requests;
        if (now_requested != requests && p->osc)
            counted(mc_osc_out_push_schema(p->osc)); /* the schema "on request" */
        requests = now_requested;
        if (st == MC_OK)
            wake_post(&p->writer_wake);
        if (st == MC_EIO) {
            /* A failed socket ends OSC input, not the recording; the end says why. */
            atomic_store(&p->osc_status, st);
            break;
        }
        if (stop)
            break;
    }
    return NULL;
}

/* ---- the analysis thread ------------------------------------------------------------------ */

/* The wall-clock time at which a session time was reached: the OSC timetag. With sources faster
 * than real time (time_scale), that is when it really happened, so that a receiver that holds
 * bundles until their timetag (liblo does, LIBS.md 4) is not made to wait. A window ends one
 * period after its last sample, as `analyze` times it: such a receiver delivers a 1 Hz stream's
 * hop at that moment, up to a second after it was sent. */
static int64_t wall_ns(const mc_pipeline *p, int64_t session_ns)
{
    return p->cfg.unix0_ns + (p->cfg.time_scale == 1.0
                                  ? session_ns
                                  : llround((double)session_ns / p->cfg.time_scale));
}

/* A row of an analyser: to the writer (for /features), to OSC, to the terminal view. */
static void on_row(void *ctx, const mc_live_row *row)
{
    mc_pipeline *p = ctx;
    pl_stream *s = &p->streams[row->stream];
    pl_row r;
    r.stream = row->stream;
    r.end_index = row->end_index;
    r.t_end_ns = row->t_end_ns;
    r.n = row->n_features;
    memcpy(r.value, row->value, r.n * sizeof *r.value);
    memcpy(r.status, row->status, r.n);
    if (!row_push(&p->rows, &r))
        atomic_fetch_add_explicit(&s->rows_dropped, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->rows, 1, memory_order_relaxed);
    pthread_mutex_lock(&s->last_mu);
    memcpy(s->last_value, r.value, r.n * sizeof *r.value);
    memcpy(s->last_status, r.status, r.n);
    s->last_t_ns = r.t_end_ns;
    pthread_mutex_unlock(&s->last_mu);
    if (p->osc) {
        int64_t dropped = atomic_load_explicit(&s->missing, memory_order_relaxed) +
                          (int64_t)mc_ring_get_stats(s->analysis).dropped_frames;
        mc_osc_hop hop = {row->stream, wall_ns(p, row->t_end_ns), row->value,
                          row->status, row->n_features,           NULL,
                          dropped};
        /* A full destination queue drops its oldest item and counts it. */
        counted(mc_osc_out_push_hop(p->osc, &hop));
    }
}

/* Feeds one block from a stream's analysis ring: frame times in session ns (regular streams: the
 * fit's estimate of the first frame at the nominal period), the rows, the waveform. */
static void analyse_block(mc_pipeline *p, size_t i, const mc_block *b)
{
    pl_stream *s = &p->streams[i];
    double rate = s->info->rate_hz;
    for (uint32_t k = 0; k < b->n_frames; k++)
        s->times[k] =
            rate > 0 ? b->t0_ns + llround((double)k * 1e9 / rate) : b->t_ns[k] - p->cfg.mono0_ns;
    counted(mc_live_push(p->live, i, b->first_frame, b->samples, b->n_frames, s->times, on_row, p));
    if (p->osc && rate > 0) {
        uint32_t c = mc_live_get_channel(p->live, i);
        for (uint32_t k = 0; k < b->n_frames; k++)
            s->wave[k] = b->samples[(size_t)k * b->n_channels + c];
        counted(mc_osc_out_push_wave(p->osc, i, wall_ns(p, s->times[b->n_frames - 1]), s->wave,
                                     b->n_frames));
    }
    if (p->osc && mc_live_get_n_features(p->live, i) == 0 &&
        s->times[b->n_frames - 1] - s->last_status_ns >= 1000000000) {
        /* A stream without features still says it is alive, once a second. */
        s->last_status_ns = s->times[b->n_frames - 1];
        counted(mc_osc_out_push_status(p->osc, i, wall_ns(p, s->last_status_ns), "ok",
                                       atomic_load_explicit(&s->missing, memory_order_relaxed)));
    }
}

static void *analysis_main(void *arg)
{
    mc_pipeline *p = arg;
    for (;;) {
        /* As the writer does with the sources: read "done" before draining, so that an empty
         * drain afterwards means everything has been analysed. */
        int done = atomic_load_explicit(&p->analysis_input_done, memory_order_acquire);
        int handled = 0;
        for (size_t i = 0; i < p->n_streams; i++) {
            const mc_block *b;
            while ((b = mc_ring_peek(p->streams[i].analysis)) != NULL) {
                analyse_block(p, i, b);
                mc_ring_release(p->streams[i].analysis);
                handled++;
            }
        }
        if (handled == 0) {
            if (done)
                break;
            wake_wait(&p->analysis_wake, 5);
        }
    }
    atomic_store_explicit(&p->analysis_done, 1, memory_order_release);
    return NULL;
}

/* ---- the writer --------------------------------------------------------------------------- */

/* Session time of an event stamped now by the control or OSC thread (see time_scale). */
static void scale_event(const mc_pipeline *p, mc_event *ev)
{
    if (p->cfg.time_scale != 1.0)
        ev->t_ns =
            p->cfg.mono0_ns + llround((double)(ev->t_ns - p->cfg.mono0_ns) * p->cfg.time_scale);
}

static mc_status write_event(mc_pipeline *p, const mc_event *ev)
{
    mc_status st = mc_recording_write_event(p->rec, ev);
    if (st == MC_OK && p->osc)
        counted(mc_osc_out_push_event(p->osc, wall_ns(p, ev->t_ns - p->cfg.mono0_ns), ev->kind,
                                      ev->text, ev->value));
    return st;
}

/* Stores a block and hands it, placed at its stored index, to the analysis. */
static mc_status write_block(mc_pipeline *p, size_t i, const mc_block *b)
{
    mc_status st = mc_recording_write_block(p->rec, i, b);
    if (st != MC_OK || !p->live)
        return st;
    mc_recording_placement at = mc_recording_get_placement(p->rec, i);
    mc_block placed = *b;
    placed.first_frame = at.first_index;
    placed.t0_ns = at.t0_ns;
    /* A full analysis ring drops the block and counts it: the analysis then sees missing rows. */
    counted(mc_ring_push(p->streams[i].analysis, &placed));
    wake_post(&p->analysis_wake);
    return MC_OK;
}

/* Drains what is queued; returns the number of items handled, or -1 after a write failure. */
static int drain(mc_pipeline *p)
{
    int handled = 0;
    mc_status st = MC_OK;
    for (size_t i = 0; i < p->n_streams && st == MC_OK; i++) {
        pl_stream *s = &p->streams[i];
        const mc_block *b;
        while (st == MC_OK && (b = mc_ring_peek(s->ring)) != NULL) {
            st = write_block(p, i, b);
            mc_ring_release(s->ring);
            handled++;
        }
        mc_recording_stream_stats rs = mc_recording_get_stream_stats(p->rec, i);
        atomic_store_explicit(&s->frames, rs.frames, memory_order_relaxed);
        atomic_store_explicit(&s->missing, rs.missing, memory_order_relaxed);
        atomic_store_explicit(&s->rate_hz, rs.rate_hz, memory_order_relaxed);
    }
    mc_event ev;
    for (size_t k = 0; k < p->cfg.n_sources && st == MC_OK; k++)
        while (st == MC_OK && mc_event_queue_pop(p->sources[k].events, &ev)) {
            st = write_event(p, &ev);
            handled++;
        }
    while (st == MC_OK && mc_event_queue_pop(p->control_events, &ev)) {
        scale_event(p, &ev);
        st = write_event(p, &ev);
        handled++;
    }
    while (st == MC_OK && p->cfg.osc_in && mc_osc_in_pop(p->cfg.osc_in, &ev)) {
        scale_event(p, &ev);
        st = write_event(p, &ev);
        handled++;
    }
    const pl_row *r;
    while (st == MC_OK && p->live && (r = row_peek(&p->rows)) != NULL) {
        /* A row the recording refuses (out of order, out of memory) is the analysis's loss,
         * counted; it never stops the recording. */
        if (mc_recording_add_row(p->rec, r->stream, r->end_index, r->t_end_ns, r->n, r->value,
                                 r->status) != MC_OK)
            atomic_fetch_add_explicit(&p->streams[r->stream].rows_dropped, 1, memory_order_relaxed);
        row_release(&p->rows);
        handled++;
    }
    if (st != MC_OK) {
        p->writer_status = st;
        snprintf(p->writer_error, sizeof p->writer_error, "writing %s failed: %s",
                 p->cfg.writer.path, mc_strerror(st));
        return -1;
    }
    return handled;
}

static void *writer_main(void *arg)
{
    mc_pipeline *p = arg;
    int64_t flush_ns = (int64_t)(p->cfg.flush_s * 1e9);
    int64_t last_flush = mc_clock_now_ns();
    for (;;) {
        /* Read the running count before draining: when it is zero, every source has pushed its
         * last item, so an empty drain afterwards means everything has been written. */
        int running = atomic_load(&p->sources_running);
        int handled = drain(p);
        if (handled < 0)
            break;
        int64_t now = mc_clock_now_ns();
        if (now - last_flush >= flush_ns) {
            mc_status st = mc_recording_flush(p->rec);
            if (st != MC_OK) {
                p->writer_status = st;
                snprintf(p->writer_error, sizeof p->writer_error, "flushing %s failed: %s",
                         p->cfg.writer.path, mc_strerror(st));
                break;
            }
            last_flush = now;
        }
        if (handled == 0) {
            if (running == 0)
                return NULL;
            wake_wait(&p->writer_wake, 5);
        }
    }
    atomic_store(&p->writer_failed, 1);
    /* Stop the sources: without a writer their data would only fill the rings. */
    for (size_t k = 0; k < p->cfg.n_sources; k++)
        mc_source_stop(p->sources[k].src);
    return NULL;
}

/* ---- life cycle --------------------------------------------------------------------------- */

mc_status mc_pipeline_create(const mc_pipeline_config *cfg, mc_diag *d, mc_pipeline **out)
{
    *out = NULL;
    if (!cfg || cfg->n_sources == 0 || !(cfg->ring_s > 0) || !(cfg->flush_s > 0) ||
        cfg->flush_s > 1.0 || !(cfg->analysis_s > 0) || !(cfg->time_scale > 0) ||
        (cfg->osc && !cfg->analysis))
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "pipeline: at least one source, ring and analysis lengths > 0, a "
                           "flush interval in (0, 1] s, a time scale > 0 and, for OSC, the "
                           "analysis are needed");
    mc_pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return MC_ENOMEM;
    p->cfg = *cfg;
    atomic_init(&p->sources_running, 0);
    atomic_init(&p->writer_failed, 0);
    atomic_init(&p->osc_stop, 0);
    atomic_init(&p->osc_status, MC_OK);
    atomic_init(&p->analysis_input_done, 0);
    wake_init(&p->writer_wake);
    wake_init(&p->analysis_wake);
    atomic_init(&p->analysis_done, 0);
    atomic_init(&p->rows.head, 0);
    atomic_init(&p->rows.tail, 0);
    mc_status st = MC_ENOMEM;
    mc_stream_info *infos = NULL;
    p->sources = calloc(cfg->n_sources, sizeof *p->sources);
    if (!p->sources)
        goto fail;
    for (size_t k = 0; k < cfg->n_sources; k++) {
        p->sources[k].p = p;
        p->sources[k].src = cfg->sources[k];
        p->sources[k].first_stream = p->n_streams;
        p->n_streams += mc_source_get_n_streams(cfg->sources[k]);
        if (mc_event_queue_create(256, &p->sources[k].events) != MC_OK)
            goto fail;
    }
    if (mc_event_queue_create(256, &p->control_events) != MC_OK)
        goto fail;
    p->streams = calloc(p->n_streams ? p->n_streams : 1, sizeof *p->streams);
    infos = calloc(p->n_streams ? p->n_streams : 1, sizeof *infos);
    if (!p->streams || !infos)
        goto fail;
    for (size_t k = 0, i = 0; k < cfg->n_sources; k++) {
        for (size_t j = 0; j < mc_source_get_n_streams(cfg->sources[k]); j++, i++) {
            const mc_stream_info *info = mc_source_get_info(cfg->sources[k], j);
            uint32_t max_frames = mc_source_get_max_frames(cfg->sources[k], j);
            /* Slots for ring_s of blocks as frequent as the source says they come (a device
             * hands out what arrived every 100 ms, however small: not max_frames at a time). */
            double block_s = mc_source_get_block_s(cfg->sources[k], j);
            double slots = ceil(cfg->ring_s / (block_s > 0.001 ? block_s : 0.001)) + 2;
            pl_stream *s = &p->streams[i];
            mc_ring_config rc = {(uint32_t)(slots > 100000 ? 100000 : slots), max_frames,
                                 info->n_channels, info->rate_hz <= 0};
            st = mc_ring_create(&rc, &s->ring);
            if (st != MC_OK)
                goto fail;
            if (cfg->analysis) {
                double a_slots = ceil(cfg->analysis_s / (block_s > 0.001 ? block_s : 0.001)) + 2;
                rc.n_slots = (uint32_t)(a_slots > 100000 ? 100000 : a_slots);
                st = mc_ring_create(&rc, &s->analysis);
                s->wave = malloc(max_frames * sizeof *s->wave);
                s->times = malloc(max_frames * sizeof *s->times);
                if (st == MC_OK && (!s->wave || !s->times))
                    st = MC_ENOMEM;
                if (st != MC_OK)
                    goto fail;
            }
            pthread_mutex_init(&s->last_mu, NULL);
            s->last_t_ns = MC_NO_TIME;
            s->source = k;
            s->source_stream = j;
            s->info = info;
            infos[i] = *info;
        }
    }
    mc_h5_writer_config wc = cfg->writer;
    wc.n_streams = p->n_streams;
    wc.streams = infos;
    if (cfg->analysis) {
        st = mc_live_create(infos, p->n_streams, cfg->analysis,
                            cfg->writer.session ? cfg->writer.session->subject : "", d, &p->live);
        if (st != MC_OK)
            goto fail;
        for (size_t i = 0; i < p->n_streams; i++)
            if (mc_live_get_n_features(p->live, i) > PL_MAX_FEATURES) {
                st = mc_diag_set(d, MC_EINVAL, -1, -1, "stream '%s': more than %d features",
                                 infos[i].name, PL_MAX_FEATURES);
                goto fail;
            }
        wc.features = mc_live_get_specs(p->live, &wc.n_features);
        /* A row queue that holds 10 s of every stream's hops (hops of 1 s or longer). */
        p->rows.cap = 1024;
        while (p->rows.cap < 10 * p->n_streams)
            p->rows.cap *= 2;
        p->rows.rows = malloc(p->rows.cap * sizeof *p->rows.rows);
        if (!p->rows.rows) {
            st = MC_ENOMEM;
            goto fail;
        }
    }
    /* OSC before the session file, so that a bad destination leaves no empty recording. */
    if (cfg->osc) {
        st = mc_osc_out_create(&p->osc, cfg->osc_urls, cfg->n_osc_urls, mc_live_get_schema(p->live),
                               cfg->osc_config, d);
        if (st != MC_OK)
            goto fail;
    }
    st = mc_recording_create(&wc, cfg->mono0_ns, d, &p->rec);
    if (st != MC_OK)
        goto fail;
    p->infos = infos; /* the live analysis borrows them */
    *out = p;
    return MC_OK;
fail:
    p->infos = infos;
    mc_pipeline_destroy(p);
    return st;
}

mc_status mc_pipeline_start(mc_pipeline *p)
{
    atomic_store(&p->sources_running, (int)p->cfg.n_sources);
    for (size_t k = 0; k < p->cfg.n_sources; k++) {
        if (pthread_create(&p->sources[k].thread, NULL, source_main, &p->sources[k]) != 0) {
            /* Count the threads that never started as finished, then stop the others. */
            atomic_fetch_sub(&p->sources_running, (int)(p->cfg.n_sources - k));
            mc_pipeline_stop(p);
            return MC_EIO;
        }
        p->sources[k].started = 1;
    }
    if (pthread_create(&p->writer, NULL, writer_main, p) != 0) {
        mc_pipeline_stop(p);
        return MC_EIO;
    }
    p->writer_started = 1;
    if (p->live) {
        if (pthread_create(&p->analysis_thread, NULL, analysis_main, p) != 0) {
            mc_pipeline_stop(p);
            return MC_EIO;
        }
        p->analysis_started = 1;
    }
    if (p->cfg.osc_in) {
        if (pthread_create(&p->osc_thread, NULL, osc_main, p) != 0) {
            mc_pipeline_stop(p);
            return MC_EIO;
        }
        p->osc_started = 1;
    }
    return MC_OK;
}

mc_status mc_pipeline_push_event(mc_pipeline *p, const mc_event *ev)
{
    mc_status st = mc_event_queue_push(p->control_events, ev);
    wake_post(&p->writer_wake);
    return st;
}

int mc_pipeline_is_running(const mc_pipeline *p)
{
    return atomic_load(&p->sources_running) > 0 && !atomic_load(&p->writer_failed);
}

void mc_pipeline_stop(mc_pipeline *p)
{
    atomic_store_explicit(&p->osc_stop, 1, memory_order_release);
    for (size_t k = 0; k < p->cfg.n_sources; k++)
        mc_source_stop(p->sources[k].src);
}

static void join_all(mc_pipeline *p)
{
    for (size_t k = 0; k < p->cfg.n_sources; k++)
        if (p->sources[k].started) {
            pthread_join(p->sources[k].thread, NULL);
            p->sources[k].started = 0;
        }
    /* The OSC thread goes before the writer: what it pushed last is drained by
     * mc_pipeline_finish after the join. */
    if (p->osc_started) {
        atomic_store_explicit(&p->osc_stop, 1, memory_order_release);
        pthread_join(p->osc_thread, NULL);
        p->osc_started = 0;
    }
    if (p->writer_started) {
        pthread_join(p->writer, NULL);
        p->writer_started = 0;
    }
}

/* After the writer has stopped: the analysis takes what is left, while this thread (now the only
 * consumer of the row queue) keeps draining rows into the recording, then joins it. */
static void finish_analysis(mc_pipeline *p)
{
    if (!p->analysis_started)
        return;
    atomic_store_explicit(&p->analysis_input_done, 1, memory_order_release);
    while (!atomic_load_explicit(&p->analysis_done, memory_order_acquire)) {
        if (p->writer_status == MC_OK && drain(p) < 0)
            break;
        mc_clock_sleep_until(mc_clock_now_ns() + 2000000, -1);
    }
    pthread_join(p->analysis_thread, NULL);
    p->analysis_started = 0;
}

mc_status mc_pipeline_finish(mc_pipeline *p, mc_diag *d)
{
    mc_pipeline_stop(p);
    join_all(p);
    if (p->writer_status != MC_OK) {
        /* The file holds everything up to the last successful flush; close it as it is. */
        mc_diag_set(d, p->writer_status, -1, -1, "%s", p->writer_error);
        return p->writer_status;
    }
    if (drain(p) < 0)
        return mc_diag_set(d, p->writer_status, -1, -1, "%s", p->writer_error);
    finish_analysis(p);
    if (drain(p) < 0)
        return mc_diag_set(d, p->writer_status, -1, -1, "%s", p->writer_error);
    if (p->osc)
        counted(mc_osc_out_finish(p->osc)); /* MC_ETIMEDOUT: what was left is counted */
    mc_status st = mc_recording_finish(p->rec, d);
    if (st != MC_OK)
        return st;
    for (size_t k = 0; k < p->cfg.n_sources; k++) {
        mc_status s = (mc_status)atomic_load(&p->sources[k].status);
        if (s != MC_OK) {
            const mc_stream_info *info = mc_source_get_info(p->sources[k].src, 0);
            return mc_diag_set(d, s, -1, -1,
                               "source of stream '%s' stopped: %s (the file holds "
                               "what it recorded)",
                               info ? info->name : "?", mc_strerror(s));
        }
    }
    return MC_OK;
}

mc_status mc_pipeline_get_osc_in_status(const mc_pipeline *p)
{
    return (mc_status)atomic_load(&p->osc_status);
}

size_t mc_pipeline_get_n_streams(const mc_pipeline *p)
{
    return p->n_streams;
}

mc_pipeline_stream_stats mc_pipeline_get_stream_stats(const mc_pipeline *p, size_t stream)
{
    mc_pipeline_stream_stats s;
    memset(&s, 0, sizeof s);
    if (stream >= p->n_streams)
        return s;
    const pl_stream *ps = &p->streams[stream];
    const mc_stream_info *info = mc_source_get_info(p->sources[ps->source].src, ps->source_stream);
    s.name = info->name;
    s.frames = atomic_load_explicit(&ps->frames, memory_order_relaxed);
    s.missing = atomic_load_explicit(&ps->missing, memory_order_relaxed);
    s.rate_hz = atomic_load_explicit(&ps->rate_hz, memory_order_relaxed);
    s.ring_dropped = mc_ring_get_stats(ps->ring).dropped_frames;
    s.analysis_dropped = atomic_load_explicit(&ps->rows_dropped, memory_order_relaxed) +
                         (ps->analysis ? mc_ring_get_stats(ps->analysis).dropped_frames : 0);
    s.rows = atomic_load_explicit(&ps->rows, memory_order_relaxed);
    return s;
}

const mc_live *mc_pipeline_get_live(const mc_pipeline *p)
{
    return p->live;
}

mc_osc_out *mc_pipeline_get_osc(const mc_pipeline *p)
{
    return p->osc;
}

size_t mc_pipeline_get_last_row(mc_pipeline *p, size_t stream, float *value, uint8_t *status,
                                size_t cap, int64_t *t_end_ns)
{
    *t_end_ns = MC_NO_TIME;
    if (!p->live || stream >= p->n_streams)
        return 0;
    pl_stream *s = &p->streams[stream];
    size_t n = mc_live_get_n_features(p->live, stream);
    size_t k = n < cap ? n : cap;
    pthread_mutex_lock(&s->last_mu);
    memcpy(value, s->last_value, k * sizeof *value);
    memcpy(status, s->last_status, k);
    *t_end_ns = s->last_t_ns;
    pthread_mutex_unlock(&s->last_mu);
    return n;
}

void mc_pipeline_destroy(mc_pipeline *p)
{
    if (!p)
        return;
    /* Stop the sources only if this pipeline started threads on them: they belong to the
     * caller, and a pipeline that failed to be created or was never started must leave them
     * as they were. */
    int started = p->writer_started | p->osc_started;
    for (size_t k = 0; p->sources && k < p->cfg.n_sources; k++)
        started |= p->sources[k].started;
    if (started)
        mc_pipeline_stop(p);
    join_all(p);
    if (p->analysis_started) {
        atomic_store_explicit(&p->analysis_input_done, 1, memory_order_release);
        pthread_join(p->analysis_thread, NULL);
    }
    mc_osc_out_destroy(p->osc);
    mc_recording_destroy(p->rec);
    mc_live_destroy(p->live);
    for (size_t i = 0; p->streams && i < p->n_streams; i++) {
        pl_stream *s = &p->streams[i];
        mc_ring_destroy(s->ring);
        mc_ring_destroy(s->analysis);
        free(s->wave);
        free(s->times);
        if (s->info)
            pthread_mutex_destroy(&s->last_mu);
    }
    free(p->rows.rows);
    free(p->infos);
    wake_close(&p->writer_wake);
    wake_close(&p->analysis_wake);
    for (size_t k = 0; p->sources && k < p->cfg.n_sources; k++)
        mc_event_queue_destroy(p->sources[k].events);
    mc_event_queue_destroy(p->control_events);
    free(p->streams);
    free(p->sources);
    free(p);
}
