/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_labchart.c: fuzz target of mc_labchart_read (formats/labchart.h). The input is
 * the export itself, in a heap buffer of exactly `size` bytes. Invariants (abort when broken):
 * the status is MC_OK, MC_EFORMAT or MC_ENOMEM (the import's memory bound); on MC_OK every stream
 * is regular with a finite rate and holds frames, events lie at or after the start; on MC_EFORMAT
 * the diagnostic names a line within the input (or none, -1, for an empty one). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/labchart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_labchart: invariant broken: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    int64_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += buf[i] == '\n' || buf[i] == '\r';
    mc_import imp;
    mc_import_init(&imp);
    imp.limit_bytes = (size_t)64 << 20;
    mc_diag d;
    mc_diag_clear(&d);
    const mc_status st = mc_labchart_read(buf, size, "fuzz.txt", &imp, &d);
    (void)mc_labchart_detect(buf, size < 4096 ? size : 4096, "fuzz.txt");
    if (st != MC_OK && st != MC_EFORMAT && st != MC_ENOMEM)
        fail("status");
    if (st == MC_EFORMAT && d.line != -1 && (d.line < 1 || d.line > lines))
        fail("diagnostic line");
    if (st == MC_OK) {
        if (imp.n_streams == 0)
            fail("no stream");
        for (size_t i = 0; i < imp.n_streams; i++) {
            const mc_import_stream *s = &imp.streams[i];
            if (!(s->info->rate_hz > 0 && isfinite(s->info->rate_hz)) || s->n_frames < 1 || s->t_ns)
                fail("stream");
        }
        for (size_t i = 0; i < imp.n_events; i++)
            if (imp.events[i].t_ns < 0)
                fail("event time");
    }
    mc_import_free(&imp);
    free(buf);
    return 0;
}
