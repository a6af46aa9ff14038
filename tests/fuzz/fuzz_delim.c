/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_delim.c: fuzz target of mc_delim_read (formats/delim.h). The first two bytes
 * choose options (delimiter, decimal, time format, header row, rate, skipped rows); the rest is
 * the table, in a heap buffer of exactly its size. Invariants (abort when broken): the status is
 * MC_OK, MC_EFORMAT or MC_ENOMEM; on MC_OK every stream holds the same number of frames, with a
 * finite rate >= 0, and an irregular stream's times start at 0 and never decrease; on
 * MC_EFORMAT a line in the diagnostic lies within the input. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/delim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_delim: invariant broken: %s\n", what);
    abort();
}

static mc_delim_options options(uint8_t a, uint8_t b)
{
    static const char delimiters[5] = {0, ',', ';', '\t', ' '};
    mc_delim_options o = mc_delim_options_default();
    o.delimiter = delimiters[a % 5];
    o.decimal_comma = (int)(a / 5 % 3) - 1;
    o.time_format = (mc_delim_time)(b % 8);
    const int header = b / 7 % 5;
    o.header_row = header == 0 ? 0 : header == 1 ? -1 : header - 1; /* auto, none, 1..3 */
    o.rate_hz = a / 15 % 3 == 2 ? 10 : 0;                           /* sometimes a fixed rate */
    o.skip_rows = a / 45 % 3;
    o.group_row = b / 35 % 2 ? -1 : 0;
    o.time_column = b / 70 % 2 ? 2 : 0;
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const mc_delim_options o = options(data[0], data[1]);
    const size_t n = size - 2;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return 0;
    if (n)
        memcpy(buf, data + 2, n);
    int64_t lines = 1;
    for (size_t i = 0; i < n; i++)
        lines += buf[i] == '\n' || buf[i] == '\r';
    mc_import imp;
    mc_import_init(&imp);
    imp.limit_bytes = (size_t)64 << 20;
    mc_diag d;
    mc_diag_clear(&d);
    const mc_status st = mc_delim_read(buf, n, &o, "fuzz.csv", &imp, &d);
    (void)mc_delim_detect(buf, n < 4096 ? n : 4096, "fuzz.csv");
    if (st != MC_OK && st != MC_EFORMAT && st != MC_ENOMEM)
        fail("status");
    if (st == MC_EFORMAT && d.line != -1 && (d.line < 1 || d.line > lines))
        fail("diagnostic line");
    if (st == MC_OK) {
        if (imp.n_streams == 0)
            fail("no stream");
        for (size_t i = 0; i < imp.n_streams; i++) {
            const mc_import_stream *s = &imp.streams[i];
            if (!(s->info->rate_hz >= 0 && isfinite(s->info->rate_hz)) || s->n_frames < 1 ||
                s->n_frames != imp.streams[0].n_frames)
                fail("stream");
            if (s->info->rate_hz == 0) {
                if (!s->t_ns || s->t_ns[0] != 0)
                    fail("irregular times");
                for (int64_t k = 1; k < s->n_frames; k++)
                    if (s->t_ns[k] < s->t_ns[k - 1])
                        fail("times decrease");
            }
        }
    }
    mc_import_free(&imp);
    free(buf);
    return 0;
}
