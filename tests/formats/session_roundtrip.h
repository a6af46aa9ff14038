/* SPDX-License-Identifier: MIT */
/* tests/formats/session_roundtrip.h: what `mcirc import` does with an importer's result — write
 * it as a session file (mc_import_write) and load it back (mc_export_load) — with a check that
 * every stream (rate, start, frames bit for bit, times, gaps) and every event survived. Used by
 * the tests of the .vital, GE S/5 and Masimo importers. */
#ifndef MC_TESTS_FORMATS_SESSION_ROUNDTRIP_H
#define MC_TESTS_FORMATS_SESSION_ROUNDTRIP_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "formats/export.h"
#include "formats/import.h"
#include "tests/harness.h"
#include "tests/util.h"

static const mc_import_stream *mc_rt_find(const mc_import *imp, const char *name)
{
    for (size_t i = 0; i < imp->n_streams; i++)
        if (strcmp(imp->streams[i].info->name, name) == 0)
            return &imp->streams[i];
    fprintf(stderr, "stream %s is missing after the round trip\n", name);
    exit(1);
}

static void mc_rt_same_floats(const float *a, const float *b, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        if (isnan(a[i]) && isnan(b[i]))
            continue;
        if (a[i] != b[i]) {
            fprintf(stderr, "sample %lld: %.9g != %.9g\n", (long long)i, (double)a[i],
                    (double)b[i]);
            exit(1);
        }
    }
}

/* Write `imp` under `file` in the test's folder, load it back and compare. */
static void mc_rt_check(const mc_import *imp, const char *file)
{
    mc_session_info s;
    memset(&s, 0, sizeof s);
    snprintf(s.subject, sizeof s.subject, "RT-001");
    snprintf(s.session, sizeof s.session, "baseline");
    snprintf(s.software, sizeof s.software, "mcirc test");
    const char *path = mc_test_tmp_path(file);
    mc_diag d;
    mc_status st = mc_import_write(imp, &s, 0, 4, path, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    mc_export_opts o = mc_export_opts_default();
    mc_import back;
    mc_import_init(&back);
    st = mc_export_load(path, &o, &back, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    ASSERT_EQ_INT(back.start_unix_ns, imp->start_unix_ns);
    ASSERT_EQ_INT(back.n_streams, imp->n_streams);
    for (size_t i = 0; i < imp->n_streams; i++) {
        const mc_import_stream *a = &imp->streams[i];
        const mc_import_stream *b = mc_rt_find(&back, a->info->name);
        ASSERT_NEAR_F(b->info->rate_hz, a->info->rate_hz, 0);
        ASSERT_STR_EQ(b->info->channels[0].unit, a->info->channels[0].unit);
        ASSERT_EQ_INT(b->n_frames, a->n_frames);
        mc_rt_same_floats(a->data, b->data, a->n_frames * (int64_t)a->info->n_channels);
        if (a->info->rate_hz > 0 && a->n_frames > 0)
            ASSERT_EQ_INT(b->start_ns, a->start_ns);
        if (a->info->rate_hz == 0)
            for (int64_t k = 0; k < a->n_frames; k++)
                ASSERT_EQ_INT(b->t_ns[k], a->t_ns[k]);
        ASSERT_EQ_INT(b->n_gaps, a->n_gaps);
        for (size_t g = 0; g < a->n_gaps; g++) {
            ASSERT_EQ_INT(b->gaps[g].first_index, a->gaps[g].first_index);
            ASSERT_EQ_INT(b->gaps[g].n_missing, a->gaps[g].n_missing);
        }
    }
    ASSERT_EQ_INT(back.n_events, imp->n_events);
    for (size_t e = 0; e < imp->n_events; e++) {
        ASSERT_EQ_INT(back.events[e].t_ns, imp->events[e].t_ns);
        ASSERT_STR_EQ(back.events[e].kind, imp->events[e].kind);
        ASSERT_STR_EQ(back.events[e].text, imp->events[e].text);
    }
    mc_import_free(&back);
}

#endif
