/* SPDX-License-Identifier: MIT */
/* tools/pipeline.c: threads, rings and the writer loop of the live recorder. */
#include "tools/pipeline.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acquisition/clock.h"
#include "acquisition/ring.h"

typedef struct pl_stream {
    mc_ring *ring;
    size_t source; /* which source, and which of its streams */
    size_t source_stream;
    _Atomic int64_t frames, missing; /* written by the writer thread, read by anyone */
    _Atomic double rate_hz;
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
    return c;
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
            continue;
        }
        mc_status pushed =
            mc_ring_push(p->streams[ps->first_stream + item.stream].ring, &item.block);
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
    for (;;) {
        int stop = atomic_load_explicit(&p->osc_stop, memory_order_acquire);
        mc_status st = mc_osc_in_read(p->cfg.osc_in, stop ? 0 : 50);
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

/* Drains what is queued; returns the number of items handled, or -1 after a write failure. */
static int drain(mc_pipeline *p)
{
    int handled = 0;
    mc_status st = MC_OK;
    for (size_t i = 0; i < p->n_streams && st == MC_OK; i++) {
        pl_stream *s = &p->streams[i];
        const mc_block *b;
        while (st == MC_OK && (b = mc_ring_peek(s->ring)) != NULL) {
            st = mc_recording_write_block(p->rec, i, b);
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
            st = mc_recording_write_event(p->rec, &ev);
            handled++;
        }
    while (st == MC_OK && mc_event_queue_pop(p->control_events, &ev)) {
        st = mc_recording_write_event(p->rec, &ev);
        handled++;
    }
    while (st == MC_OK && p->cfg.osc_in && mc_osc_in_pop(p->cfg.osc_in, &ev)) {
        st = mc_recording_write_event(p->rec, &ev);
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
            mc_clock_sleep_until(now + 5000000, -1);
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
        cfg->flush_s > 1.0)
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "pipeline: at least one source, a ring length "
                           "> 0 and a flush interval in (0, 1] s are needed");
    mc_pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return MC_ENOMEM;
    p->cfg = *cfg;
    atomic_init(&p->sources_running, 0);
    atomic_init(&p->writer_failed, 0);
    atomic_init(&p->osc_stop, 0);
    atomic_init(&p->osc_status, MC_OK);
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
            /* An irregular stream has no rate to size by: assume a block as often as every
             * 50 ms, which its blocks (numerics, a few frames each) keep cheap. */
            double block_s = info->rate_hz > 0 ? max_frames / info->rate_hz : 0.05;
            double slots = ceil(cfg->ring_s / (block_s > 0.001 ? block_s : 0.001)) + 2;
            mc_ring_config rc = {(uint32_t)(slots > 100000 ? 100000 : slots), max_frames,
                                 info->n_channels, info->rate_hz <= 0};
            st = mc_ring_create(&rc, &p->streams[i].ring);
            if (st != MC_OK)
                goto fail;
            p->streams[i].source = k;
            p->streams[i].source_stream = j;
            infos[i] = *info;
        }
    }
    mc_h5_writer_config wc = cfg->writer;
    wc.n_streams = p->n_streams;
    wc.streams = infos;
    st = mc_recording_create(&wc, cfg->mono0_ns, d, &p->rec);
    if (st != MC_OK)
        goto fail;
    free(infos);
    *out = p;
    return MC_OK;
fail:
    free(infos);
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
    return mc_event_queue_push(p->control_events, ev);
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
    return s;
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
    mc_recording_destroy(p->rec);
    for (size_t i = 0; p->streams && i < p->n_streams; i++)
        mc_ring_destroy(p->streams[i].ring);
    for (size_t k = 0; p->sources && k < p->cfg.n_sources; k++)
        mc_event_queue_destroy(p->sources[k].events);
    mc_event_queue_destroy(p->control_events);
    free(p->streams);
    free(p->sources);
    free(p);
}
