/* SPDX-License-Identifier: MIT */
/* formats/export.c: a session file's selection loaded for an exporter (formats/export.h). */
#include "formats/export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/h5_reader.h"

mc_export_opts mc_export_opts_default(void)
{
    mc_export_opts o = {.streams = NULL, .n_streams = 0, .from_ns = INT64_MIN, .to_ns = INT64_MAX};
    return o;
}

/* Rows read per call. */
enum { LOAD_ROWS = 1 << 16 };

static mc_status load_stream(mc_h5_reader *r, size_t k, const mc_export_opts *o, mc_import *out,
                             mc_diag *d)
{
    const mc_stream_info *info = mc_h5_reader_get_stream(r, k);
    int64_t first;
    size_t n;
    mc_status st = mc_h5_reader_find_range(r, k, o->from_ns, o->to_ns, &first, &n);
    if (st != MC_OK)
        return mc_diag_set(d, st, -1, -1, "stream %s: cannot find the time range", info->name);
    const int irregular = info->rate_hz == 0;
    int64_t t0 = 0;
    if (n > 0 && !irregular && (st = mc_h5_reader_read_times(r, k, first, 1, &t0)) != MC_OK)
        return mc_diag_set(d, st, -1, -1, "stream %s: cannot read times", info->name);
    size_t idx;
    if ((st = mc_import_add_stream(out, info, t0, &idx, d)) != MC_OK)
        return st;
    const size_t ch = info->n_channels;
    float *buf = malloc((size_t)LOAD_ROWS * ch * sizeof *buf);
    int64_t *t = irregular ? malloc((size_t)LOAD_ROWS * sizeof *t) : NULL;
    if (!buf || (irregular && !t)) {
        free(buf);
        free(t);
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory");
    }
    for (size_t done = 0; done < n && st == MC_OK;) {
        const size_t m = n - done < LOAD_ROWS ? n - done : LOAD_ROWS;
        const int64_t at = first + (int64_t)done;
        st = mc_h5_reader_read(r, k, at, m, buf);
        if (st == MC_OK && irregular)
            st = mc_h5_reader_read_times(r, k, at, m, t);
        if (st != MC_OK) {
            mc_diag_set(d, st, -1, -1, "stream %s: cannot read rows %lld..%lld", info->name,
                        (long long)at, (long long)(at + (int64_t)m));
            break;
        }
        st = mc_import_append(out, idx, m, buf, t, d);
        done += m;
    }
    free(buf);
    free(t);
    if (st != MC_OK || irregular)
        return st;
    /* The clock anchors, re-indexed from the first selected frame (they may lie outside the
     * selection: times inside it are interpolated between the anchors that bracket them). */
    size_t na;
    const int64_t *a = mc_h5_reader_get_anchors(r, k, &na);
    if (na) {
        int64_t *shifted = malloc(na * 2 * sizeof *shifted);
        if (!shifted)
            return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory");
        for (size_t i = 0; i < na; i++) {
            shifted[2 * i] = a[2 * i] - first;
            shifted[2 * i + 1] = a[2 * i + 1];
        }
        st = mc_import_set_anchors(out, idx, na, shifted, d);
        free(shifted);
        if (st != MC_OK)
            return st;
    }
    /* Gaps inside the range, their rows shifted to the selection (NaN rows already read). */
    size_t ng;
    const mc_h5_gap *g = mc_h5_reader_get_gaps(r, k, &ng);
    for (size_t i = 0; i < ng && st == MC_OK; i++) {
        const int64_t end = g[i].first_index + g[i].n_missing, sel_end = first + (int64_t)n;
        const int64_t lo = g[i].first_index > first ? g[i].first_index : first;
        const int64_t hi = end < sel_end ? end : sel_end;
        const int inside = g[i].n_missing == 0 /* a time discontinuity: a marker row */
                               ? g[i].first_index >= first && g[i].first_index < sel_end
                               : hi > lo;
        if (inside)
            st = mc_import_mark_gap(out, idx, lo - first, g[i].n_missing ? hi - lo : 0, g[i].reason,
                                    d);
    }
    return st;
}

mc_status mc_export_load(const char *path, const mc_export_opts *o, mc_import *out, mc_diag *d)
{
    mc_h5_reader *r;
    mc_status st = mc_h5_reader_open(path, d, &r);
    if (st != MC_OK)
        return st;
    const mc_session_info *s = mc_h5_reader_get_session(r);
    out->start_unix_ns = s->start_unix_ns;
    snprintf(out->format, sizeof out->format, "mcirc");
    const char *slash = strrchr(path, '/');
    snprintf(out->source, sizeof out->source, "%s", slash ? slash + 1 : path);
    const size_t total = mc_h5_reader_get_n_streams(r);
    if (o->n_streams == 0) {
        for (size_t k = 0; k < total && st == MC_OK; k++)
            st = load_stream(r, k, o, out, d);
    } else {
        for (size_t i = 0; i < o->n_streams && st == MC_OK; i++) {
            const int64_t k = mc_h5_reader_find_stream(r, o->streams[i]);
            st = k < 0 ? mc_diag_set(d, MC_ENOTFOUND, -1, -1, "%s: no stream named %s", path,
                                     o->streams[i])
                       : load_stream(r, (size_t)k, o, out, d);
        }
    }
    size_t ne;
    const mc_event *ev = mc_h5_reader_get_events(r, &ne);
    for (size_t i = 0; i < ne && st == MC_OK; i++)
        if (ev[i].t_ns >= o->from_ns && ev[i].t_ns < o->to_ns)
            st = mc_import_add_event(out, &ev[i], d);
    mc_h5_reader_destroy(r);
    return st;
}
