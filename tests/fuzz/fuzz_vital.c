/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_vital.c: fuzz target of the .vital importer (formats/vital.h). The input is a
 * whole file, either gzip bytes (inflated under a 1 MiB bound, then decoded) or bytes that start
 * with "VITA" (decoded as inflated bytes), in a heap buffer of exactly `size` bytes. Invariants
 * (abort when broken): the status is MC_OK, MC_EFORMAT or MC_ENOMEM; on failure the diagnostic
 * has a message; on success every stream has frames within the bound, times for an irregular
 * stream, gaps inside the stream, and events with a NUL-terminated text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/vital.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_vital: invariant broken: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    mc_import imp;
    mc_import_init(&imp);
    imp.limit_bytes = (size_t)1 << 20;
    mc_diag d;
    mc_diag_clear(&d);
    const mc_status st = mc_vital_read(buf, size, &imp, &d);
    if (st != MC_OK && st != MC_EFORMAT && st != MC_ENOMEM) {
        fprintf(stderr, "%s (%d)\n", d.message, (int)st);
        fail("status");
    }
    if (st != MC_OK && d.message[0] == '\0')
        fail("an error without a message");
    if (st == MC_EFORMAT && size >= 4 && memcmp(buf, "VITA", 4) == 0 &&
        (d.offset < -1 || d.offset > (int64_t)size))
        fail("diagnostic offset outside the input");
    if (st == MC_OK) {
        if (imp.used_bytes > imp.limit_bytes)
            fail("memory bound");
        for (size_t i = 0; i < imp.n_streams; i++) {
            const mc_import_stream *s = &imp.streams[i];
            if (s->n_frames < 0 || (s->n_frames > 0 && !s->data))
                fail("frames");
            if (s->info->rate_hz == 0 && s->n_frames > 0 && !s->t_ns)
                fail("irregular stream without times");
            for (size_t g = 0; g < s->n_gaps; g++)
                if (s->gaps[g].first_index < 0 ||
                    s->gaps[g].first_index + s->gaps[g].n_missing > s->n_frames)
                    fail("gap outside its stream");
        }
        for (size_t e = 0; e < imp.n_events; e++)
            if (!memchr(imp.events[e].text, '\0', sizeof imp.events[e].text))
                fail("event text");
    }
    mc_import_free(&imp);
    free(buf);
    return 0;
}
