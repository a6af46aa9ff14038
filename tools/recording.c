/* SPDX-License-Identifier: MIT */
/* tools/recording.c: blocks and events to the session file, through the clock fit. */
#include "tools/recording.h"

#include <stdlib.h>
#include <string.h>

#include "dsp/clock_fit.h"

typedef struct rec_stream {
    mc_clock_fit *fit;   /* NULL for an irregular stream */
    int64_t next_source; /* source index expected next, or -1 before the first block */
    int64_t *times;      /* irregular: scratch for session times, [max_frames] */
    size_t times_cap;
    mc_recording_stream_stats stats;
} rec_stream;

struct mc_recording {
    mc_h5_writer *w;
    int64_t mono0_ns;
    rec_stream *streams;
    size_t n_streams;
};

mc_status mc_recording_create(const mc_h5_writer_config *cfg, int64_t mono0_ns, mc_diag *d,
                              mc_recording **out)
{
    *out = NULL;
    mc_recording *r = calloc(1, sizeof *r);
    if (!r)
        return MC_ENOMEM;
    r->mono0_ns = mono0_ns;
    r->streams = calloc(cfg->n_streams ? cfg->n_streams : 1, sizeof *r->streams);
    if (!r->streams) {
        free(r);
        return MC_ENOMEM;
    }
    r->n_streams = cfg->n_streams;
    mc_status st = MC_OK;
    for (size_t i = 0; i < cfg->n_streams && st == MC_OK; i++) {
        r->streams[i].next_source = -1;
        if (cfg->streams[i].rate_hz > 0) {
            mc_clock_fit_config fc = mc_clock_fit_config_default(cfg->streams[i].rate_hz);
            st = mc_clock_fit_create(&fc, &r->streams[i].fit);
        }
    }
    if (st == MC_OK)
        st = mc_h5_writer_create(cfg, d, &r->w);
    if (st != MC_OK) {
        mc_recording_destroy(r);
        return st;
    }
    *out = r;
    return MC_OK;
}

static mc_status write_anchors(mc_recording *r, size_t stream)
{
    int64_t index, t;
    while (mc_clock_fit_pop_anchor(r->streams[stream].fit, &index, &t)) {
        mc_status st = mc_h5_writer_write_anchor(r->w, stream, index, t);
        if (st != MC_OK)
            return st;
    }
    return MC_OK;
}

static mc_status add_gap(mc_recording *r, size_t stream, int64_t first, int64_t n,
                         const char *reason)
{
    rec_stream *s = &r->streams[stream];
    s->stats.gaps++;
    s->stats.missing += n;
    return mc_h5_writer_write_gap(r->w, stream, first, n, reason);
}

static mc_status write_regular(mc_recording *r, size_t stream, const mc_block *b)
{
    rec_stream *s = &r->streams[stream];
    int64_t source_jump = s->next_source < 0 ? 0 : b->first_frame - s->next_source;
    mc_clock_result res;
    mc_status st =
        mc_clock_fit_process(s->fit, b->first_frame, b->n_frames, b->t0_ns - r->mono0_ns, &res);
    if (st != MC_OK)
        return st;
    s->next_source = b->first_frame + b->n_frames;
    if (res.gap_frames > 0) {
        /* Frames the source skipped were lost on the way (a full ring, a lost device frame);
         * frames the clock inserted were never sent (the device paused). */
        int64_t lost = source_jump < res.gap_frames ? source_jump : res.gap_frames;
        if (lost > 0)
            st = add_gap(r, stream, res.gap_first, lost, "dropped");
        if (st == MC_OK && res.gap_frames > lost)
            st = add_gap(r, stream, res.gap_first + lost, res.gap_frames - lost, "no data");
    }
    if (st == MC_OK && res.event == MC_CLOCK_STEP)
        st = add_gap(r, stream, res.first_index, 0, "clock step");
    if (st == MC_OK)
        st = mc_h5_writer_write(r->w, stream, res.first_index, b->n_frames, b->samples, NULL);
    if (st == MC_OK)
        st = write_anchors(r, stream);
    return st;
}

static mc_status write_irregular(mc_recording *r, size_t stream, const mc_block *b)
{
    rec_stream *s = &r->streams[stream];
    if (!b->t_ns || (s->next_source >= 0 && b->first_frame < s->next_source))
        return MC_EINVAL;
    if (b->n_frames > s->times_cap) {
        /* Grows to the largest block once; after that the path allocates nothing. */
        int64_t *p = realloc(s->times, b->n_frames * sizeof *p);
        if (!p)
            return MC_ENOMEM;
        s->times = p;
        s->times_cap = b->n_frames;
    }
    for (uint32_t k = 0; k < b->n_frames; k++)
        s->times[k] = b->t_ns[k] - r->mono0_ns;
    if (s->next_source >= 0 && b->first_frame > s->next_source) {
        /* Irregular rows are only appended, so lost frames leave no NaN rows: the gap row
         * says how many were lost before this row (formats/h5_layout.h). */
        mc_status st = add_gap(r, stream, mc_h5_writer_get_n_frames(r->w, stream),
                               b->first_frame - s->next_source, "dropped");
        if (st != MC_OK)
            return st;
    }
    s->next_source = b->first_frame + b->n_frames;
    return mc_h5_writer_write(r->w, stream, mc_h5_writer_get_n_frames(r->w, stream), b->n_frames,
                              b->samples, s->times);
}

mc_status mc_recording_write_block(mc_recording *r, size_t stream, const mc_block *b)
{
    if (stream >= r->n_streams || b->n_frames == 0)
        return MC_EINVAL;
    rec_stream *s = &r->streams[stream];
    mc_status st = s->fit ? write_regular(r, stream, b) : write_irregular(r, stream, b);
    if (st == MC_OK) {
        s->stats.frames_written += b->n_frames;
        s->stats.frames = mc_h5_writer_get_n_frames(r->w, stream);
    }
    return st;
}

mc_status mc_recording_write_event(mc_recording *r, const mc_event *ev)
{
    mc_event e = *ev;
    e.t_ns = ev->t_ns - r->mono0_ns;
    return mc_h5_writer_write_event(r->w, &e);
}

mc_status mc_recording_flush(mc_recording *r)
{
    return mc_h5_writer_flush(r->w);
}

mc_status mc_recording_finish(mc_recording *r, mc_diag *d)
{
    mc_status st = MC_OK;
    for (size_t i = 0; i < r->n_streams && st == MC_OK; i++)
        if (r->streams[i].fit) {
            st = mc_clock_fit_finish(r->streams[i].fit);
            if (st == MC_OK)
                st = write_anchors(r, i);
        }
    if (st != MC_OK)
        return mc_diag_set(d, st, -1, -1, "cannot store the last clock anchors: %s",
                           mc_strerror(st));
    return mc_h5_writer_finish(r->w, d);
}

mc_recording_stream_stats mc_recording_get_stream_stats(const mc_recording *r, size_t stream)
{
    mc_recording_stream_stats s;
    memset(&s, 0, sizeof s);
    if (stream >= r->n_streams)
        return s;
    s = r->streams[stream].stats;
    if (r->streams[stream].fit) {
        mc_clock_fit_stats cs = mc_clock_fit_get_stats(r->streams[stream].fit);
        s.rate_hz = cs.rate_hz;
        s.jitter_ms = cs.jitter_rms_ns / 1e6;
    }
    return s;
}

void mc_recording_destroy(mc_recording *r)
{
    if (!r)
        return;
    mc_h5_writer_destroy(r->w);
    for (size_t i = 0; i < r->n_streams; i++) {
        mc_clock_fit_destroy(r->streams[i].fit);
        free(r->streams[i].times);
    }
    free(r->streams);
    free(r);
}
