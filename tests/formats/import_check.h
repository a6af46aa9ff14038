/* SPDX-License-Identifier: MIT */
/* tests/formats/import_check.h: writes an import as a session file (mc_import_write), loads it
 * back (mc_export_load) and checks that every stream, sample (bit for bit, NaN as NaN), time,
 * gap and event survived: what `mcirc import` will do with the importers' output. */
#ifndef MC_TESTS_FORMATS_IMPORT_CHECK_H
#define MC_TESTS_FORMATS_IMPORT_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "formats/export.h"
#include "formats/import.h"
#include "tests/harness.h"
#include "tests/util.h"

static inline void mc_check_session_round_trip(const mc_import *imp, const char *file)
{
    mc_session_info s;
    memset(&s, 0, sizeof s);
    snprintf(s.subject, sizeof s.subject, "TXT-001");
    snprintf(s.software, sizeof s.software, "mcirc test");
    const char *path = mc_test_tmp_path(file);
    mc_diag d;
    mc_diag_clear(&d);
    const mc_status st = mc_import_write(imp, &s, 0, 4, path, &d);
    if (st != MC_OK)
        fprintf(stderr, "mc_import_write: %s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    mc_export_opts o = mc_export_opts_default();
    mc_import back;
    mc_import_init(&back);
    ASSERT_STATUS(mc_export_load(path, &o, &back, &d), MC_OK);
    ASSERT_EQ_INT(back.n_streams, imp->n_streams);
    ASSERT_EQ_INT(back.n_events, imp->n_events);
    for (size_t i = 0; i < imp->n_streams; i++) {
        const mc_import_stream *a = &imp->streams[i], *b = NULL;
        for (size_t k = 0; k < back.n_streams; k++)
            if (strcmp(back.streams[k].info->name, a->info->name) == 0)
                b = &back.streams[k];
        ASSERT_TRUE(b != NULL);
        ASSERT_EQ_INT(b->n_frames, a->n_frames);
        ASSERT_NEAR_F(b->info->rate_hz, a->info->rate_hz, 0);
        ASSERT_STR_EQ(b->info->channels[0].unit, a->info->channels[0].unit);
        ASSERT_EQ_INT(b->n_gaps, a->n_gaps);
        for (int64_t k = 0; k < a->n_frames; k++) {
            ASSERT_TRUE(isnan(a->data[k]) == isnan(b->data[k]));
            if (!isnan(a->data[k]))
                ASSERT_NEAR_F(b->data[k], a->data[k], 0);
            if (a->t_ns)
                ASSERT_EQ_INT(b->t_ns[k], a->t_ns[k]);
        }
    }
    mc_import_free(&back);
}

#endif
