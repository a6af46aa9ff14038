/* SPDX-License-Identifier: MIT */
/* formats/h5_recover.c: copies a session through the reader and the writer, so that the copy obeys
 * every rule a recording does and the reader's checks guard against a damaged source. */
#include "formats/h5_recover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/h5_reader.h"
#include "formats/h5_writer.h"

/* Samples copied per step: at most 4 Mi floats (16 MiB), so that a stream with many channels
 * does not need a huge buffer, and at most what the stream holds. */
enum { COPY_SAMPLES = 1 << 22 };

static mc_status copy_stream(mc_h5_reader *r, mc_h5_writer *w, size_t i, mc_h5_recover_stats *s)
{
    const mc_stream_info *info = mc_h5_reader_get_stream(r, i);
    int64_t n = mc_h5_reader_get_n_frames(r, i);
    int irregular = info->rate_hz <= 0;
    int64_t step = COPY_SAMPLES / info->n_channels;
    if (step > n)
        step = n > 0 ? n : 1;
    float *buf = calloc((size_t)step * info->n_channels, sizeof *buf);
    int64_t *t = irregular ? calloc((size_t)step, sizeof *t) : NULL;
    mc_status st = buf && (t || !irregular) ? MC_OK : MC_ENOMEM;
    for (int64_t first = 0; st == MC_OK && first < n; first += step) {
        uint32_t k = (uint32_t)(n - first < step ? n - first : step);
        st = mc_h5_reader_read(r, i, first, k, buf);
        if (st == MC_OK && irregular)
            st = mc_h5_reader_read_times(r, i, first, k, t);
        if (st == MC_OK)
            st = mc_h5_writer_write(w, i, first, k, buf, t);
    }
    free(buf);
    free(t);
    s->frames += n;
    size_t na, ng;
    const int64_t *anchors = mc_h5_reader_get_anchors(r, i, &na);
    for (size_t k = 0; st == MC_OK && k < na; k++)
        st = mc_h5_writer_write_anchor(w, i, anchors[2 * k], anchors[2 * k + 1]);
    const mc_h5_gap *gaps = mc_h5_reader_get_gaps(r, i, &ng);
    for (size_t k = 0; st == MC_OK && k < ng; k++)
        st = mc_h5_writer_write_gap(w, i, gaps[k].first_index, gaps[k].n_missing, gaps[k].reason);
    s->anchors += (int64_t)na;
    s->gaps += (int64_t)ng;
    return st;
}

static mc_status copy_features(mc_h5_reader *r, mc_h5_writer *w, mc_h5_recover_stats *s)
{
    mc_status st = MC_OK;
    for (size_t k = 0; st == MC_OK && k < mc_h5_reader_get_n_features(r); k++) {
        int64_t n = mc_h5_reader_get_n_feature_values(r, k);
        if (n <= 0)
            continue;
        int64_t *t = calloc((size_t)n, sizeof *t);
        float *v = calloc((size_t)n, sizeof *v);
        uint8_t *q = calloc((size_t)n, 1);
        st = t && v && q ? mc_h5_reader_read_feature(r, k, 0, (size_t)n, t, v, q) : MC_ENOMEM;
        if (st == MC_OK)
            st = mc_h5_writer_write_feature(w, k, (size_t)n, t, v, q);
        s->feature_values += n;
        free(t);
        free(v);
        free(q);
    }
    return st;
}

mc_status mc_h5_recover(const char *src, const char *dst, mc_diag *d, mc_h5_recover_stats *stats)
{
    mc_h5_recover_stats s;
    memset(&s, 0, sizeof s);
    mc_h5_reader *r = NULL;
    mc_h5_writer *w = NULL;
    mc_stream_info *streams = NULL;
    mc_h5_feature_spec *features = NULL;
    mc_status st = mc_h5_reader_open(src, d, &r);
    if (st != MC_OK)
        goto done;
    s.was_open = mc_h5_reader_get_state(r) == MC_H5_OPEN;
    size_t ns = mc_h5_reader_get_n_streams(r), nf = mc_h5_reader_get_n_features(r);
    streams = calloc(ns ? ns : 1, sizeof *streams);
    features = calloc(nf ? nf : 1, sizeof *features);
    if (!streams || !features) {
        st = MC_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < ns; i++)
        streams[i] = *mc_h5_reader_get_stream(r, i);
    for (size_t k = 0; k < nf; k++)
        features[k] = *mc_h5_reader_get_feature(r, k);
    char from[600];
    snprintf(from, sizeof from, "%s (%s)", src,
             s.was_open ? "left open: crash or live recording" : "closed cleanly");
    mc_h5_writer_config cfg = mc_h5_writer_config_default();
    cfg.path = dst;
    cfg.session = mc_h5_reader_get_session(r);
    cfg.allow_id = 1; /* a copy keeps what the recording holds; the check ran when it was made */
    cfg.n_streams = ns;
    cfg.streams = streams;
    cfg.n_features = nf;
    cfg.features = features;
    cfg.swmr = 0;
    cfg.recovered_from = from;
    st = mc_h5_writer_create(&cfg, d, &w);
    if (st != MC_OK)
        goto done;
    for (size_t i = 0; st == MC_OK && i < ns; i++)
        st = copy_stream(r, w, i, &s);
    s.streams = (int64_t)ns;
    size_t ne;
    const mc_event *ev = mc_h5_reader_get_events(r, &ne);
    for (size_t k = 0; st == MC_OK && k < ne; k++)
        st = mc_h5_writer_write_event(w, &ev[k]);
    s.events = (int64_t)ne;
    if (st == MC_OK)
        st = copy_features(r, w, &s);
    if (st != MC_OK) {
        mc_diag_set(d, st, -1, -1, "%s: copying into %s failed: %s", src, dst, mc_strerror(st));
        goto done;
    }
    st = mc_h5_writer_finish(w, d);
done:
    mc_h5_writer_destroy(w);
    mc_h5_reader_destroy(r);
    free(streams);
    free(features);
    if (stats)
        *stats = s;
    return st;
}
