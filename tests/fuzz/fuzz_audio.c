/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_audio.c: fuzz target of mc_audio_read (formats/audio.h): the input is a whole
 * audio file (WAV, FLAC, CAF, ... and the mcirc metadata comment), in a heap buffer of exactly
 * `size` bytes, decoded by libsndfile through virtual I/O. The harness is bounded: at most 64
 * channels, 10^6 frames and 16 MiB of samples. Invariants (abort when broken): detection never
 * reads past the buffer; the status is MC_OK, MC_EFORMAT or MC_ENOMEM (never MC_EINVAL: what the
 * importer hands mc_import_add_stream must be valid); a failure has a one-line message; on
 * MC_OK every stream has 1..64 channels, a rate in 1..MC_AUDIO_MAX_RATE_HZ, at most 10^6 frames,
 * and the import holds no more than the bound. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
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
    if (st != MC_OK && (!d.message[0] || strchr(d.message, '\n')))
        fail("diagnostic: empty or more than one line");
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
