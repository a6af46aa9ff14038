/* SPDX-License-Identifier: MIT */
/* tools/recording.c: blocks and events to the session file, through the clock fit. */
#include "tools/recording.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/clock_fit.h"

/* Anchors kept to time feature rows: 64 span 640 s of data (anchor_interval_s 10), how far the
 * analysis may lag behind the writer before a row's anchors are gone. */
enum { REC_ANCHORS = 64 };

/* Feature rows of one stream waiting to be written: rows [0, n_timed) have their final time,
 * rows [n_timed, n) of a regular stream wait for the anchor that brackets their last frame. */
typedef struct rec_rows {
    size_t first_feature, n_features; /* the stream's feature specs in the writer */
    size_t n, n_timed, cap;
    int64_t *last;   /* regular: index of the window's last frame; irregular: unused */
    int64_t *t_ns;   /* end time of the window (timed rows) */
    float *value;    /* [cap * n_features] */
    uint8_t *status; /* [cap * n_features] */
    float *column_value;
    uint8_t *column_status;
    int64_t next_end; /* end_index of the last row + 1: rows must advance */
} rec_rows;

typedef struct rec_stream {
    mc_clock_fit *fit;   /* NULL for an irregular stream */
    double rate_hz;      /* nominal */
    int64_t next_source; /* source index expected next, or -1 before the first block */
    int64_t *times;      /* irregular: scratch for session times, [max_frames] */
    size_t times_cap;
    int64_t anchor_index[REC_ANCHORS], anchor_t[REC_ANCHORS]; /* the last anchors stored */
    size_t n_anchors;                                         /* anchors stored so far */
    mc_recording_placement placed;
    rec_rows rows;
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
        r->streams[i].rate_hz = cfg->streams[i].rate_hz;
        if (cfg->streams[i].rate_hz > 0) {
            mc_clock_fit_config fc = mc_clock_fit_config_default(cfg->streams[i].rate_hz);
            st = mc_clock_fit_create(&fc, &r->streams[i].fit);
        }
    }
    /* Each stream's feature specs are consecutive (the pipeline lists them stream by stream). */
    for (size_t f = 0; f < cfg->n_features && st == MC_OK; f++) {
        size_t i = 0;
        while (i < cfg->n_streams && strcmp(cfg->streams[i].name, cfg->features[f].stream) != 0)
            i++;
        if (i == cfg->n_streams)
            continue; /* a series of no recorded stream: the writer creates it, rows never come */
        rec_rows *rw = &r->streams[i].rows;
        if (rw->n_features == 0)
            rw->first_feature = f;
        else if (rw->first_feature + rw->n_features != f)
            st = mc_diag_set(d, MC_EINVAL, -1, -1,
                             "%s: the feature series of stream '%s' are not consecutive",
                             cfg->path ? cfg->path : "recording", cfg->streams[i].name);
        rw->n_features++;
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

/* ---- feature rows ------------------------------------------------------------------------- */

static mc_status rows_reserve(rec_rows *rw, size_t need)
{
    if (need <= rw->cap)
        return MC_OK;
    size_t cap = rw->cap ? rw->cap * 2 : 64;
    while (cap < need)
        cap *= 2;
    size_t nf = rw->n_features;
    int64_t *last = realloc(rw->last, cap * sizeof *last);
    if (last)
        rw->last = last;
    int64_t *t = realloc(rw->t_ns, cap * sizeof *t);
    if (t)
        rw->t_ns = t;
    float *v = realloc(rw->value, cap * nf * sizeof *v);
    if (v)
        rw->value = v;
    uint8_t *s = realloc(rw->status, cap * nf);
    if (s)
        rw->status = s;
    float *cv = realloc(rw->column_value, cap * sizeof *cv);
    if (cv)
        rw->column_value = cv;
    uint8_t *cs = realloc(rw->column_status, cap);
    if (cs)
        rw->column_status = cs;
    if (!last || !t || !v || !s || !cv || !cs)
        return MC_ENOMEM;
    rw->cap = cap;
    return MC_OK;
}

/* Times the waiting rows of a regular stream that the anchors stored so far place exactly as a
 * reader of the whole time_index table would (mc_time_index_map uses, for a frame, the anchor at
 * or before it and the one after it, or the first or last two for a frame outside them): a row
 * is timed once an anchor at or after its last frame is stored; a row before the first anchor
 * waits for the second. At the end (`final`), the rest is placed as the reader places frames
 * beyond the last anchor. A row older than the anchors kept (an analysis REC_ANCHORS intervals
 * behind) is placed by the oldest ones. */
static void time_rows(rec_stream *s, int final)
{
    rec_rows *rw = &s->rows;
    size_t na = s->n_anchors < REC_ANCHORS ? s->n_anchors : REC_ANCHORS;
    if (na == 0)
        return;
    int64_t period = llround(1e9 / s->rate_hz);
    while (rw->n_timed < rw->n) {
        int64_t x = rw->last[rw->n_timed];
        int ready = final || (x <= s->anchor_index[na - 1] && (x >= s->anchor_index[0] || na >= 2));
        if (!ready)
            break;
        int64_t t;
        if (mc_time_index_map(s->anchor_index, s->anchor_t, na, s->rate_hz, x, 1, &t) != MC_OK)
            t = MC_NO_TIME; /* unreachable: the anchors stored increase */
        rw->t_ns[rw->n_timed++] = t == MC_NO_TIME ? t : t + period;
    }
}

static void add_anchor(rec_stream *s, int64_t index, int64_t t_ns)
{
    if (s->n_anchors >= REC_ANCHORS) {
        memmove(s->anchor_index, s->anchor_index + 1, (REC_ANCHORS - 1) * sizeof(int64_t));
        memmove(s->anchor_t, s->anchor_t + 1, (REC_ANCHORS - 1) * sizeof(int64_t));
    }
    size_t k = s->n_anchors < REC_ANCHORS ? s->n_anchors : REC_ANCHORS - 1;
    s->anchor_index[k] = index;
    s->anchor_t[k] = t_ns;
    s->n_anchors++;
    time_rows(s, 0);
}

mc_status mc_recording_add_row(mc_recording *r, size_t stream, int64_t end_index, int64_t end_t_ns,
                               size_t n, const float *value, const uint8_t *status)
{
    if (stream >= r->n_streams)
        return MC_EINVAL;
    rec_stream *s = &r->streams[stream];
    rec_rows *rw = &s->rows;
    if (rw->n_features == 0 || n != rw->n_features || end_index < rw->next_end ||
        (!s->fit && end_t_ns == MC_NO_TIME))
        return MC_EINVAL;
    mc_status st = rows_reserve(rw, rw->n + 1);
    if (st != MC_OK)
        return st;
    size_t k = rw->n++;
    rw->last[k] = end_index - 1;
    rw->t_ns[k] = end_t_ns;
    memcpy(rw->value + k * n, value, n * sizeof *value);
    memcpy(rw->status + k * n, status, n);
    rw->next_end = end_index + 1;
    if (s->fit)
        time_rows(s, 0);
    else
        rw->n_timed = rw->n;
    return MC_OK;
}

/* Writes the timed rows of every stream, one call per series. */
static mc_status write_rows(mc_recording *r)
{
    mc_status st = MC_OK;
    for (size_t i = 0; i < r->n_streams && st == MC_OK; i++) {
        rec_rows *rw = &r->streams[i].rows;
        size_t n = rw->n_timed, nf = rw->n_features;
        if (n == 0)
            continue;
        for (size_t f = 0; f < nf && st == MC_OK; f++) {
            for (size_t k = 0; k < n; k++) {
                rw->column_value[k] = rw->value[k * nf + f];
                rw->column_status[k] = rw->status[k * nf + f];
            }
            st = mc_h5_writer_write_feature(r->w, rw->first_feature + f, n, rw->t_ns,
                                            rw->column_value, rw->column_status);
        }
        size_t left = rw->n - n;
        memmove(rw->last, rw->last + n, left * sizeof *rw->last);
        memmove(rw->t_ns, rw->t_ns + n, left * sizeof *rw->t_ns);
        memmove(rw->value, rw->value + n * nf, left * nf * sizeof *rw->value);
        memmove(rw->status, rw->status + n * nf, left * nf);
        rw->n = left;
        rw->n_timed = 0;
    }
    return st;
}

static mc_status write_anchors(mc_recording *r, size_t stream)
{
    int64_t index, t;
    while (mc_clock_fit_pop_anchor(r->streams[stream].fit, &index, &t)) {
        mc_status st = mc_h5_writer_write_anchor(r->w, stream, index, t);
        if (st != MC_OK)
            return st;
        add_anchor(&r->streams[stream], index, t);
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
            st = add_gap(r, stream, res.gap_first + lost, res.gap_frames - lost,
                         b->gap_reason ? b->gap_reason : "no data");
    }
    if (st == MC_OK && res.event == MC_CLOCK_STEP)
        st = add_gap(r, stream, res.first_index, 0, "clock step");
    if (st == MC_OK)
        st = mc_h5_writer_write(r->w, stream, res.first_index, b->n_frames, b->samples, NULL);
    if (st == MC_OK)
        st = write_anchors(r, stream);
    s->placed.first_index = res.first_index;
    s->placed.t0_ns = mc_clock_fit_get_time(s->fit, res.first_index);
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
    if (b->gap_reason) {
        /* An outage the source saw: how many samples it cost is not known for an irregular
         * stream (formats/h5_layout.h: n_missing 0). */
        mc_status st =
            add_gap(r, stream, mc_h5_writer_get_n_frames(r->w, stream), 0, b->gap_reason);
        if (st != MC_OK)
            return st;
    }
    s->next_source = b->first_frame + b->n_frames;
    s->placed.first_index = mc_h5_writer_get_n_frames(r->w, stream);
    s->placed.t0_ns = s->times[0];
    return mc_h5_writer_write(r->w, stream, s->placed.first_index, b->n_frames, b->samples,
                              s->times);
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
    mc_status st = write_rows(r);
    return st == MC_OK ? mc_h5_writer_flush(r->w) : st;
}

mc_status mc_recording_finish(mc_recording *r, mc_diag *d)
{
    mc_status st = MC_OK;
    for (size_t i = 0; i < r->n_streams && st == MC_OK; i++)
        if (r->streams[i].fit) {
            st = mc_clock_fit_finish(r->streams[i].fit);
            if (st == MC_OK)
                st = write_anchors(r, i);
            time_rows(&r->streams[i], 1);
        }
    if (st != MC_OK)
        return mc_diag_set(d, st, -1, -1, "cannot store the last clock anchors: %s",
                           mc_strerror(st));
    st = write_rows(r);
    if (st != MC_OK)
        return mc_diag_set(d, st, -1, -1, "cannot store the last feature values: %s",
                           mc_strerror(st));
    return mc_h5_writer_finish(r->w, d);
}

mc_recording_placement mc_recording_get_placement(const mc_recording *r, size_t stream)
{
    mc_recording_placement p = {0, MC_NO_TIME};
    return stream < r->n_streams ? r->streams[stream].placed : p;
}

mc_recording_stream_stats mc_recording_get_stream_stats(const mc_recording *r, size_t stream)
{
    mc_recording_stream_stats s;
    memset(&s, 0, sizeof s);
    if (stream >= r->n_streams)
        return s;
    s = r->streams[stream].stats;
    s.rows_waiting = (int64_t)r->streams[stream].rows.n;
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
        rec_stream *s = &r->streams[i];
        mc_clock_fit_destroy(s->fit);
        free(s->times);
        free(s->rows.last);
        free(s->rows.t_ns);
        free(s->rows.value);
        free(s->rows.status);
        free(s->rows.column_value);
        free(s->rows.column_status);
    }
    free(r->streams);
    free(r);
}
