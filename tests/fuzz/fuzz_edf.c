/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_edf.c: fuzz target of mc_edf_read (formats/edf.h), the EDF/EDF+/BDF reader.
 * The input is the file itself, in a heap buffer of exactly `size` bytes so that AddressSanitizer
 * catches a read past it; the import is bounded to 64 MiB. Invariants (abort when broken): the
 * status is MC_OK, MC_EFORMAT or MC_ENOMEM; a format error names the input and a byte offset
 * within [0, size]; on success every stream has a valid name, a rate in (0, 1e6], frames >= 0,
 * gaps inside its frames, and every event a NUL-terminated kind "annotation" and valid UTF-8 text
 * without control characters. A successful read of up to 2^20 samples is also written back with
 * mc_edf_write (MC_OK or MC_EINVAL, a refusal of what EDF+C cannot hold) and read again: the same
 * streams and frame counts, NaN where NaN was, values within one digital step of the new file. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/edf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_edf: invariant broken: %s\n", what);
    abort();
}

/* 1 when s is valid UTF-8 without control characters. */
static int clean_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : 4;
        if (*p < 0x20 || (*p >= 0x80 && *p < 0xC2) || *p > 0xF4)
            return 0;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xC0) != 0x80)
                return 0;
        p += n;
    }
    return 1;
}

/* Write the import as EDF+C, read it back and compare (see the file comment). */
static void check_round_trip(const mc_import *imp)
{
    int64_t samples = 0;
    for (size_t i = 0; i < imp->n_streams; i++)
        samples += imp->streams[i].n_frames;
    if (imp->n_streams == 0 || samples > (1 << 20))
        return;
    char path[64];
    snprintf(path, sizeof path, "/tmp/fuzz_edf_%ld.edf", (long)getpid());
    unlink(path);
    mc_diag d;
    mc_status st = mc_edf_write(imp, path, &d);
    if (st == MC_EINVAL)
        return;
    if (st != MC_OK)
        fail("write status");
    mc_import back;
    mc_import_init(&back);
    st = mc_edf_import(path, &back, &d);
    unlink(path);
    if (st != MC_OK) {
        fprintf(stderr, "%s\n", d.message);
        fail("a written file does not read back");
    }
    if (back.n_streams != imp->n_streams)
        fail("stream count after the round trip");
    for (size_t i = 0; i < imp->n_streams; i++) {
        const mc_import_stream *a = &imp->streams[i], *b = &back.streams[i];
        if (a->n_frames != b->n_frames)
            fail("frame count after the round trip");
        const double p0 = strtod(mc_stream_info_get_attr(b->info, "edf_physical_min"), NULL);
        const double p1 = strtod(mc_stream_info_get_attr(b->info, "edf_physical_max"), NULL);
        const double big = fabs(p0) > fabs(p1) ? fabs(p0) : fabs(p1);
        const double tol = 0.52 * (p1 - p0) / 65535 + 1e-6 * big;
        for (int64_t j = 0; j < a->n_frames; j++) {
            const double x = (double)a->data[j], y = (double)b->data[j];
            if (isnan(x) != isnan(y) || (!isnan(x) && !(fabs(x - y) <= tol)))
                fail("value after the round trip");
        }
    }
    mc_import_free(&back);
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
    imp.limit_bytes = (size_t)64 << 20;
    mc_diag d;
    mc_status st = mc_edf_read(buf, size, "fuzz.edf", &imp, &d);
    (void)mc_edf_detect(buf, size < 4096 ? size : 4096, "fuzz.edf");
    if (st != MC_OK && st != MC_EFORMAT && st != MC_ENOMEM)
        fail("status");
    if (st == MC_EFORMAT &&
        (d.offset < 0 || d.offset > (int64_t)size || strncmp(d.message, "fuzz.edf: byte ", 15)))
        fail("diagnostic position");
    if (st == MC_OK) {
        for (size_t i = 0; i < imp.n_streams; i++) {
            const mc_import_stream *s = &imp.streams[i];
            if (!mc_name_is_valid(s->info->name))
                fail("stream name");
            if (!(s->info->rate_hz > 0 && s->info->rate_hz <= 1e6))
                fail("rate");
            if (s->n_frames < 0)
                fail("frames");
            for (size_t g = 0; g < s->n_gaps; g++)
                if (s->gaps[g].first_index < 0 ||
                    s->gaps[g].first_index + s->gaps[g].n_missing > s->n_frames)
                    fail("gap outside the frames");
        }
        for (size_t i = 0; i < imp.n_events; i++) {
            const mc_event *e = &imp.events[i];
            if (memchr(e->text, 0, sizeof e->text) == NULL || strcmp(e->kind, "annotation"))
                fail("event strings");
            if (!clean_utf8(e->text))
                fail("event text not clean UTF-8");
        }
    }
    if (st == MC_OK)
        check_round_trip(&imp);
    mc_import_free(&imp);
    free(buf);
    return 0;
}
