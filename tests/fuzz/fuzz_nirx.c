/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_nirx.c: fuzz target of mc_nirx_read (formats/nirx.h). The input is a header and
 * its companions separated by NUL bytes: `hdr \0 wl1 \0 wl2 \0 evt`; absent parts are files that
 * do not exist. Each is served by an in-memory loader in a heap buffer of exactly its size.
 * Invariants (abort when broken): the status is MC_OK, MC_EFORMAT, MC_ENOTFOUND or MC_ENOMEM; on
 * MC_OK every stream is regular with a finite rate, all hold the same number of frames, and
 * events lie at or after the start. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/nirx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_nirx: invariant broken: %s\n", what);
    abort();
}

typedef struct parts {
    const uint8_t *p[4];
    size_t n[4];
    int count;
} parts;

static mc_status load(void *ctx, const char *name, uint8_t **buf, size_t *len, mc_diag *d)
{
    static const char *const names[4] = {"", "f.wl1", "f.wl2", "f.evt"};
    const parts *ps = ctx;
    for (int i = 1; i < ps->count; i++)
        if (strcmp(name, names[i]) == 0) {
            *buf = malloc(ps->n[i] ? ps->n[i] : 1);
            if (!*buf)
                return mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory", name);
            if (ps->n[i])
                memcpy(*buf, ps->p[i], ps->n[i]);
            *len = ps->n[i];
            return MC_OK;
        }
    return mc_diag_set(d, MC_ENOTFOUND, -1, -1, "%s: not found", name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parts ps = {.count = 0};
    size_t start = 0;
    for (size_t i = 0; i <= size && ps.count < 4; i++)
        if (i == size || data[i] == 0) {
            ps.p[ps.count] = data + start;
            ps.n[ps.count++] = i - start;
            start = i + 1;
        }
    uint8_t *hdr = malloc(ps.n[0] ? ps.n[0] : 1);
    if (!hdr)
        return 0;
    if (ps.n[0])
        memcpy(hdr, ps.p[0], ps.n[0]);
    mc_import imp;
    mc_import_init(&imp);
    imp.limit_bytes = (size_t)64 << 20;
    mc_diag d;
    mc_diag_clear(&d);
    const mc_status st = mc_nirx_read(hdr, ps.n[0], "f", load, &ps, &imp, &d);
    (void)mc_nirx_detect(hdr, ps.n[0] < 4096 ? ps.n[0] : 4096, "f.hdr");
    if (st != MC_OK && st != MC_EFORMAT && st != MC_ENOTFOUND && st != MC_ENOMEM)
        fail("status");
    if (st == MC_OK) {
        if (imp.n_streams == 0)
            fail("no stream");
        for (size_t i = 0; i < imp.n_streams; i++) {
            const mc_import_stream *s = &imp.streams[i];
            if (!(s->info->rate_hz > 0 && isfinite(s->info->rate_hz)) || s->n_frames < 1 ||
                s->n_frames != imp.streams[0].n_frames || s->t_ns)
                fail("stream");
        }
        for (size_t i = 0; i < imp.n_events; i++)
            if (imp.events[i].t_ns < 0)
                fail("event time");
    }
    mc_import_free(&imp);
    free(hdr);
    return 0;
}
