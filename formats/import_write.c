/* SPDX-License-Identifier: MIT */
/* formats/import_write.c: an import (formats/import.h) written as a session file through the
 * session writer, in one go and not SWMR, so that the file exists only when complete. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/h5_writer.h"
#include "formats/import.h"

/* Rows per write call: bounded so that a long stream is written in slices of a few MiB. */
enum { WRITE_ROWS = 1 << 16 };

static mc_status write_stream(mc_h5_writer *w, size_t k, const mc_import_stream *s, mc_diag *d)
{
    const size_t ch = s->info->n_channels;
    const int irregular = s->info->rate_hz == 0;
    for (int64_t at = 0; at < s->n_frames;) {
        const int64_t left = s->n_frames - at;
        const uint32_t n = (uint32_t)(left < WRITE_ROWS ? left : WRITE_ROWS);
        mc_status st = mc_h5_writer_write(w, k, at, n, s->data + (size_t)at * ch,
                                          irregular ? s->t_ns + at : NULL);
        if (st != MC_OK)
            return mc_diag_set(d, st, -1, -1, "stream %s: cannot write rows %lld..%lld: %s",
                               s->info->name, (long long)at, (long long)(at + n), mc_strerror(st));
        at += n;
    }
    for (size_t a = 0; a < s->n_anchors; a++) {
        mc_status st = mc_h5_writer_write_anchor(w, k, s->anchors[2 * a], s->anchors[2 * a + 1]);
        if (st != MC_OK)
            return mc_diag_set(d, st, -1, -1, "stream %s: cannot write the time index",
                               s->info->name);
    }
    if (!irregular && s->n_frames > 0 && s->n_anchors == 0) {
        /* The nominal rate is the whole clock of an imported stream: anchors at both ends. */
        const double period_ns = 1e9 / s->info->rate_hz;
        const int64_t last = s->n_frames - 1;
        mc_status st = mc_h5_writer_write_anchor(w, k, 0, s->start_ns);
        if (st == MC_OK && last > 0)
            st = mc_h5_writer_write_anchor(
                w, k, last, s->start_ns + (int64_t)llround((double)last * period_ns));
        if (st != MC_OK)
            return mc_diag_set(d, st, -1, -1, "stream %s: cannot write the time index",
                               s->info->name);
    }
    for (size_t g = 0; g < s->n_gaps; g++) {
        mc_status st = mc_h5_writer_write_gap(w, k, s->gaps[g].first_index, s->gaps[g].n_missing,
                                              s->gaps[g].reason);
        if (st != MC_OK)
            return mc_diag_set(d, st, -1, -1, "stream %s: cannot write a gap", s->info->name);
    }
    return MC_OK;
}

mc_status mc_import_write(const mc_import *imp, const mc_session_info *session, int allow_id,
                          int compression, const char *path, mc_diag *d)
{
    if (imp->n_streams == 0)
        return mc_diag_set(d, MC_EFORMAT, -1, -1, "%s: no signal to import", imp->source);
    mc_session_info info = *session;
    if (imp->start_unix_ns != MC_IMPORT_NO_TIME)
        mc_session_set_start(&info, imp->start_unix_ns);
    mc_stream_info *streams = calloc(imp->n_streams, sizeof *streams);
    if (!streams)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory");
    for (size_t i = 0; i < imp->n_streams; i++)
        streams[i] = *imp->streams[i].info;

    mc_h5_writer_config cfg = mc_h5_writer_config_default();
    cfg.path = path;
    cfg.session = &info;
    cfg.allow_id = allow_id;
    cfg.n_streams = imp->n_streams;
    cfg.streams = streams;
    cfg.swmr = 0;
    cfg.compression = compression;
    char from[320];
    snprintf(from, sizeof from, "%s (%s)", imp->source, imp->format);
    cfg.derived_from = from;

    mc_h5_writer *w = NULL;
    mc_status st = mc_h5_writer_create(&cfg, d, &w);
    free(streams);
    if (st != MC_OK)
        return st;
    for (size_t k = 0; k < imp->n_streams && st == MC_OK; k++)
        st = write_stream(w, k, &imp->streams[k], d);
    for (size_t e = 0; e < imp->n_events && st == MC_OK; e++) {
        st = mc_h5_writer_write_event(w, &imp->events[e]);
        if (st != MC_OK)
            mc_diag_set(d, st, -1, -1, "%s: cannot write event %zu", path, e);
    }
    if (st == MC_OK)
        st = mc_h5_writer_finish(w, d);
    mc_h5_writer_destroy(w); /* without a finish, the temporary file is removed */
    return st;
}
