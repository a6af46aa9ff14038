/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_device_file.c: fuzz target of device files (formats/device_file.h). The input
 * is split at its first form feed (0x0C, never valid in a device file): before it a device file,
 * after it lines (split at LF) to decode with it. Invariants (abort when broken): the parse
 * returns MC_OK, MC_EFORMAT or MC_ENOMEM, with a message naming the file on failure and no
 * handle; a parsed file has 1..MC_DEVICE_FILE_STREAMS_MAX streams that pass
 * mc_stream_info_check; every line decodes to MC_OK or MC_EFORMAT (offset inside the line, no
 * frame); a decoded line has a frame iff it is not skipped, no infinite value, NaN in unused
 * channels; decoding is pure and ignores a CR LF added at the end. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/device_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_device_file: invariant broken: %s\n", what);
    abort();
}

static void decode(const mc_device_file *f, const char *line, size_t n, mc_device_line *out,
                   mc_status *st)
{
    mc_diag d;
    mc_diag_clear(&d);
    *st = mc_device_file_decode_line(f, line, n, out, &d);
    if (*st == MC_EFORMAT) {
        if (d.offset < 0 || d.offset > (int64_t)n || d.message[0] == '\0')
            fail("error position or message");
        for (size_t s = 0; s < MC_DEVICE_FILE_STREAMS_MAX; s++)
            if (out->has_frame[s])
                fail("frame on a malformed line");
        return;
    }
    if (*st != MC_OK)
        fail("decode status");
    int any = 0;
    for (size_t s = 0; s < MC_DEVICE_FILE_STREAMS_MAX; s++) {
        if (out->has_frame[s] && s >= out->n_streams)
            fail("frame of a stream that does not exist");
        any |= out->has_frame[s];
        for (size_t c = 0; c < MC_DEVICE_FILE_CHANNELS_MAX; c++)
            if (isinf(out->value[s][c]))
                fail("infinite value");
    }
    if ((out->skipped == MC_DEVICE_DECODED) != (any != 0))
        fail("skipped and frames disagree");
}

static int same(const mc_device_line *a, const mc_device_line *b)
{
    if (a->skipped != b->skipped || a->n_streams != b->n_streams ||
        memcmp(a->has_frame, b->has_frame, sizeof a->has_frame) != 0)
        return 0;
    for (size_t s = 0; s < MC_DEVICE_FILE_STREAMS_MAX; s++)
        for (size_t c = 0; c < MC_DEVICE_FILE_CHANNELS_MAX; c++) {
            float x = a->value[s][c], y = b->value[s][c];
            if (!(x == y || (isnan(x) && isnan(y))))
                return 0;
        }
    return 1;
}

static void check_streams(const mc_device_file *f)
{
    size_t ns = mc_device_file_n_streams(f);
    if (ns < 1 || ns > MC_DEVICE_FILE_STREAMS_MAX)
        fail("stream count");
    for (size_t s = 0; s < ns; s++) {
        mc_stream_info info;
        if (mc_device_file_get_stream(f, s, &info) != MC_OK)
            fail("get_stream");
        info.name = "x";
        if (mc_stream_info_check(&info, NULL) != MC_OK)
            fail("stream info check");
        if (s > 0 && mc_device_file_get_stream_suffix(f, s)[0] == '\0')
            fail("unsuffixed stream not first");
    }
    size_t n;
    double interval;
    const uint8_t *req = mc_device_file_get_request(f, &n, &interval);
    if ((n > 0) != (req != NULL) || (n > 0) != (interval > 0))
        fail("request");
    (void)mc_device_file_get_transport(f, &n);
    if (n < 1 || n > 4)
        fail("transport");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 2);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    const char *ff = memchr(buf, '\f', size);
    const size_t file_n = ff ? (size_t)(ff - buf) : size;

    mc_device_file *f = (mc_device_file *)buf; /* must become NULL on failure */
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_device_file_parse(buf, file_n, "fuzz.ini", &f, &d);
    if (st != MC_OK) {
        if ((st != MC_EFORMAT && st != MC_ENOMEM) || f != NULL ||
            strncmp(d.message, "fuzz.ini: ", 10) != 0)
            fail("parse status, handle or message");
        free(buf);
        return 0;
    }
    check_streams(f);
    if (ff) {
        size_t pos = file_n + 1;
        while (pos <= size) {
            const char *nl = memchr(buf + pos, '\n', size - pos);
            const size_t n = nl ? (size_t)(nl - (buf + pos)) : size - pos;
            char *copy = malloc(n + 2);
            if (copy) {
                if (n)
                    memcpy(copy, buf + pos, n);
                copy[n] = '\r';
                copy[n + 1] = '\n';
                mc_device_line a, b, c;
                mc_status sa, sb, sc;
                decode(f, copy, n, &a, &sa);
                decode(f, copy, n, &b, &sb);
                decode(f, copy, n + 2, &c, &sc);
                if (sa != sb || sa != sc || (sa == MC_OK && (!same(&a, &b) || !same(&a, &c))))
                    fail("decode not pure or depends on the line end");
                free(copy);
            }
            pos += n + 1;
        }
    }
    mc_device_file_destroy(f);
    free(buf);
    return 0;
}
