/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_audio.c: fuzz target of mc_audio_read (formats/audio.h): the input is a whole
 * audio file (WAV, FLAC, CAF, ... and the mcirc metadata comment), in a heap buffer of exactly
 * `size` bytes, decoded by libsndfile through virtual I/O. The harness is bounded: at most 64
 * channels, 10^6 frames and 16 MiB of samples. Invariants (abort when broken): detection never
 * reads past the buffer; the status is MC_OK, MC_EFORMAT or MC_ENOMEM (never MC_EINVAL: what the
 * importer hands mc_import_add_stream must be valid); a failure has a message of one line
 * without control characters (values quoted from the file included); on
 * MC_OK every stream has 1..64 channels, a rate in 1..MC_AUDIO_MAX_RATE_HZ, at most 10^6 frames,
 * and the import holds no more than the bound.
 * An input that starts with "mcirc-audio" is the metadata comment itself: the harness wraps it
 * (cut to 2000 bytes) as the LIST/INFO/ICMT string of a 3-channel 16-bit WAV of 8 frames, so the
 * metadata parser is fuzzed without the container in the way. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/audio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_audio: invariant broken: %s\n", what);
    abort();
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A 3-channel 16-bit WAV whose comment is `text` [n]; *len receives its size. */
static uint8_t *wrap_comment(const uint8_t *text, size_t n, size_t *len)
{
    static const uint8_t fmt[24] = {'f', 'm', 't', ' ', 16, 0, 0, 0, 1, 0, 3,  0,
                                    250, 0,   0,   0,   0,  0, 0, 0, 6, 0, 16, 0};
    enum { FRAMES = 8, DATA = FRAMES * 3 * 2 };
    n = n > 2000 ? 2000 : n;
    const size_t icmt = n + 1 + ((n + 1) & 1); /* NUL-terminated, padded to even */
    const size_t list = 4 + 8 + icmt;
    *len = 12 + sizeof fmt + 8 + list + 8 + DATA;
    uint8_t *b = calloc(*len, 1);
    if (!b)
        return NULL;
    memcpy(b, "RIFF", 4);
    put32(b + 4, (uint32_t)(*len - 8));
    memcpy(b + 8, "WAVE", 4);
    memcpy(b + 12, fmt, sizeof fmt);
    put32(b + 36, 250 * 6); /* bytes per second */
    uint8_t *p = b + 12 + sizeof fmt;
    memcpy(p, "LIST", 4);
    put32(p + 4, (uint32_t)list);
    memcpy(p + 8, "INFOICMT", 8);
    put32(p + 16, (uint32_t)(n + 1));
    memcpy(p + 20, text, n);
    p += 8 + list;
    memcpy(p, "data", 4);
    put32(p + 4, DATA);
    for (int i = 0; i < FRAMES * 3; i++) { /* codes from -32768 up, in steps of 2731 */
        const int v = -32768 + i * 2731;
        p[8 + 2 * i] = (uint8_t)(v & 0xFF);
        p[9 + 2 * i] = (uint8_t)((v >> 8) & 0xFF);
    }
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char comment[] = "mcirc-audio";
    uint8_t *buf;
    if (size >= sizeof comment - 1 && memcmp(data, comment, sizeof comment - 1) == 0) {
        buf = wrap_comment(data, size, &size);
    } else {
        buf = malloc(size ? size : 1);
        if (buf && size)
            memcpy(buf, data, size);
    }
    if (!buf)
        return 0;
    const int detected = mc_audio_detect(buf, size < 4096 ? size : 4096, "input.wav");
    if (detected != 0 && detected != 1)
        fail("detect");

    enum { MAX_CH = 64, MAX_FRAMES = 1000000, LIMIT = 16 << 20 };
    mc_audio_read_opts o = mc_audio_read_opts_default();
    o.max_channels = MAX_CH;
    o.max_frames = MAX_FRAMES;
    mc_import imp;
    mc_import_init(&imp);
    imp.limit_bytes = LIMIT;
    mc_diag d;
    mc_diag_clear(&d);
    const mc_status st = mc_audio_read(buf, size, "input", &o, &imp, &d);
    if (st != MC_OK && st != MC_EFORMAT && st != MC_ENOMEM) {
        fprintf(stderr, "%s: %s\n", mc_strerror(st), d.message);
        fail("status");
    }
    if (st != MC_OK && !d.message[0])
        fail("diagnostic: empty");
    for (const char *q = d.message; *q; q++)
        if ((unsigned char)*q < 0x20)
            fail("diagnostic: a control character (more than one line?)");
    if (imp.used_bytes > LIMIT)
        fail("limit");
    if (st == MC_OK) {
        uint32_t channels = 0;
        for (size_t i = 0; i < imp.n_streams; i++) {
            const mc_import_stream *s = &imp.streams[i];
            channels += s->info->n_channels;
            if (s->info->rate_hz < 1 || s->info->rate_hz > MC_AUDIO_MAX_RATE_HZ)
                fail("rate");
            if (s->n_frames < 0 || s->n_frames > MAX_FRAMES)
                fail("frames");
        }
        if (imp.n_streams == 0 || channels == 0 || channels > MAX_CH)
            fail("channels");
    }
    mc_import_free(&imp);
    free(buf);
    return 0;
}
