/* SPDX-License-Identifier: MIT */
/* tools/live.c: the analysers of a live or replayed session, fed the rows of the session file. */
#include "tools/live.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/block.h"

enum { GAP_CHUNK = 1024 }; /* missing rows are fed in chunks of this many frames */

typedef struct live_stream {
    const mc_stream_info *info;
    mc_analyser *a; /* NULL: no analyser */
    mc_feature_def *defs;
    size_t n_features;
    uint32_t channel;
    int64_t period_ns;  /* regular: one nominal period (as `analyze` adds it); irregular: 0 */
    int64_t next_index; /* rows fed so far */
    int64_t last_t_ns;  /* time of the last row fed */
    float *gap_frames;  /* [GAP_CHUNK * n_channels] NaN */
    int64_t *gap_t;     /* [GAP_CHUNK] */
} live_stream;

struct mc_live {
    live_stream *streams;
    size_t n_streams;
    mc_h5_feature_spec *specs;
    size_t n_specs;
    mc_osc_stream_def *osc_streams;
    mc_osc_schema schema;
    char subject[MC_OSC_NAME_MAX + 1];
};

/* What an analyser row needs to be timed: the block being fed. */
typedef struct emit_ctx {
    mc_live *l;
    size_t stream;
    int64_t block_first;
    const int64_t *t_ns;
    mc_live_emit_fn emit;
    void *ctx;
} emit_ctx;

static void emit_row(void *arg, const mc_analysis_row *row)
{
    emit_ctx *e = arg;
    const live_stream *s = &e->l->streams[e->stream];
    mc_live_row r;
    r.stream = e->stream;
    r.end_index = row->end_index;
    /* As mcirc analyze: an irregular row brings its time; a regular one ends one period after
     * its last frame, which is in the block just fed. */
    r.t_end_ns = row->end_t_ns != MC_NO_TIME
                     ? row->end_t_ns
                     : e->t_ns[row->end_index - 1 - e->block_first] + s->period_ns;
    r.n_features = row->n_features;
    r.value = row->value;
    r.status = row->status;
    e->emit(e->ctx, &r);
}

static void feed(mc_live *l, size_t stream, int64_t first, const float *frames, size_t n,
                 const int64_t *t_ns, mc_live_emit_fn emit, void *ctx)
{
    live_stream *s = &l->streams[stream];
    emit_ctx e = {l, stream, first, t_ns, emit, ctx};
    mc_analyser_process(s->a, frames, s->period_ns ? NULL : t_ns, n, s->info->n_channels, emit_row,
                        &e);
    s->next_index = first + (int64_t)n;
    s->last_t_ns = t_ns[n - 1];
}

mc_status mc_live_push(mc_live *l, size_t stream, int64_t first_index, const float *frames,
                       size_t n, const int64_t *t_ns, mc_live_emit_fn emit, void *ctx)
{
    if (stream >= l->n_streams)
        return MC_EINVAL;
    live_stream *s = &l->streams[stream];
    int64_t skip = s->next_index - first_index;
    if (skip >= (int64_t)n || n == 0)
        return MC_OK;
    if (skip > 0) {
        first_index += skip;
        frames += (size_t)skip * s->info->n_channels;
        t_ns += skip;
        n -= (size_t)skip;
    }
    if (!s->a) {
        s->next_index = first_index + (int64_t)n;
        s->last_t_ns = t_ns[n - 1];
        return MC_OK;
    }
    /* Rows the file holds as missing: NaN frames, timed evenly between the neighbours (before
     * the first row fed, at the nominal period back from the first frame given). */
    int64_t g0 = s->next_index, total = first_index - g0, t_prev = s->last_t_ns;
    int have_prev = s->next_index > 0;
    for (int64_t done = 0; done < total;) {
        size_t k = total - done < GAP_CHUNK ? (size_t)(total - done) : GAP_CHUNK;
        for (size_t j = 0; j < k; j++) {
            int64_t pos = done + (int64_t)j; /* 0 .. total - 1 */
            s->gap_t[j] = have_prev ? t_prev + llround((double)(t_ns[0] - t_prev) *
                                                       (double)(pos + 1) / (double)(total + 1))
                                    : t_ns[0] - (total - pos) * s->period_ns;
        }
        feed(l, stream, g0 + done, s->gap_frames, k, s->gap_t, emit, ctx);
        done += (int64_t)k;
    }
    feed(l, stream, first_index, frames, n, t_ns, emit, ctx);
    return MC_OK;
}

/* ---- life cycle --------------------------------------------------------------------------- */

mc_status mc_live_create(const mc_stream_info *streams, size_t n, const mc_analysis_config *cfg,
                         const char *subject, mc_diag *d, mc_live **out)
{
    *out = NULL;
    if (!mc_osc_name_is_valid(subject))
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "subject '%s' cannot be an OSC address part "
                           "(letters, digits, . _ - only)",
                           subject);
    mc_live *l = calloc(1, sizeof *l);
    if (!l)
        return MC_ENOMEM;
    snprintf(l->subject, sizeof l->subject, "%s", subject);
    l->n_streams = n;
    l->streams = calloc(n ? n : 1, sizeof *l->streams);
    l->osc_streams = calloc(n ? n : 1, sizeof *l->osc_streams);
    mc_status st = l->streams && l->osc_streams ? MC_OK : MC_ENOMEM;
    size_t total = 0;
    for (size_t i = 0; i < n && st == MC_OK; i++) {
        live_stream *s = &l->streams[i];
        s->info = &streams[i];
        s->channel = mc_analysis_channel(&streams[i]);
        s->period_ns = streams[i].rate_hz > 0 ? llround(1e9 / streams[i].rate_hz) : 0;
        mc_diag ad;
        mc_diag_clear(&ad);
        mc_status ast = mc_analysis_create_analyser(&streams[i], cfg, &ad, &s->a);
        if (ast == MC_ENOTFOUND)
            continue;
        if (ast != MC_OK) {
            st = mc_diag_set(d, ast, -1, -1, "stream '%s': %s", streams[i].name,
                             ad.message[0] ? ad.message : mc_strerror(ast));
            break;
        }
        s->n_features = mc_analyser_get_n_features(s->a);
        s->defs = calloc(s->n_features ? s->n_features : 1, sizeof *s->defs);
        s->gap_frames = malloc(GAP_CHUNK * streams[i].n_channels * sizeof *s->gap_frames);
        s->gap_t = malloc(GAP_CHUNK * sizeof *s->gap_t);
        if (!s->defs || !s->gap_frames || !s->gap_t) {
            st = MC_ENOMEM;
            break;
        }
        for (size_t k = 0; k < GAP_CHUNK * streams[i].n_channels; k++)
            s->gap_frames[k] = NAN;
        for (size_t k = 0; k < s->n_features; k++)
            s->defs[k] = *mc_analyser_get_feature(s->a, k);
        total += s->n_features;
    }
    if (st == MC_OK) {
        l->specs = calloc(total ? total : 1, sizeof *l->specs);
        st = l->specs ? MC_OK : MC_ENOMEM;
    }
    for (size_t i = 0; i < n && st == MC_OK; i++) {
        live_stream *s = &l->streams[i];
        for (size_t k = 0; k < s->n_features; k++)
            l->specs[l->n_specs++] =
                (mc_h5_feature_spec){streams[i].name, s->defs[k].name, s->defs[k].unit,
                                     s->defs[k].algorithm, mc_analyser_get_parameters(s->a)};
        l->osc_streams[i] = (mc_osc_stream_def){streams[i].name, s->defs, s->n_features,
                                                streams[i].rate_hz > 0 ? streams[i].rate_hz : 0,
                                                streams[i].channels[s->channel].unit};
    }
    l->schema = (mc_osc_schema){l->subject, l->osc_streams, n};
    if (st == MC_OK)
        st = mc_osc_schema_validate(&l->schema, d);
    if (st != MC_OK) {
        mc_live_destroy(l);
        return st;
    }
    *out = l;
    return MC_OK;
}

int64_t mc_live_get_next_index(const mc_live *l, size_t stream)
{
    return stream < l->n_streams ? l->streams[stream].next_index : 0;
}

size_t mc_live_get_n_streams(const mc_live *l)
{
    return l->n_streams;
}

size_t mc_live_get_n_features(const mc_live *l, size_t stream)
{
    return stream < l->n_streams ? l->streams[stream].n_features : 0;
}

const mc_feature_def *mc_live_get_feature(const mc_live *l, size_t stream, size_t k)
{
    return stream < l->n_streams && k < l->streams[stream].n_features ? &l->streams[stream].defs[k]
                                                                      : NULL;
}

uint32_t mc_live_get_channel(const mc_live *l, size_t stream)
{
    return stream < l->n_streams ? l->streams[stream].channel : 0;
}

const mc_h5_feature_spec *mc_live_get_specs(const mc_live *l, size_t *n)
{
    *n = l->n_specs;
    return l->specs;
}

const mc_osc_schema *mc_live_get_schema(const mc_live *l)
{
    return &l->schema;
}

void mc_live_destroy(mc_live *l)
{
    if (!l)
        return;
    for (size_t i = 0; l->streams && i < l->n_streams; i++) {
        mc_analyser_destroy(l->streams[i].a);
        free(l->streams[i].defs);
        free(l->streams[i].gap_frames);
        free(l->streams[i].gap_t);
    }
    free(l->streams);
    free(l->specs);
    free(l->osc_streams);
    free(l);
}
