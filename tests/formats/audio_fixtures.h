/* SPDX-License-Identifier: MIT */
/* tests/formats/audio_fixtures.h: what the two audio test programs share: files of known integer
 * codes made with libsndfile, whole-file reads, the import of a file both ways (path and bytes),
 * and the scipy/numpy cross-check script beside this file. */
#ifndef MC_TESTS_FORMATS_AUDIO_FIXTURES_H
#define MC_TESTS_FORMATS_AUDIO_FIXTURES_H

#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "formats/audio.h"
#include "tests/harness.h"

enum { RATE = 250, FRAMES = 1000, CH = 3 };

/* The 16-bit code of channel c at frame f: covers negative, positive and both extremes. */
static inline int code16(int f, int c)
{
    if (f == 0)
        return c == 0 ? -32768 : 32767;
    return ((f * 37 + c * 9001) % 65536) - 32768;
}

/* Write a file with libsndfile: integer codes (bits 16 or 24: the codes are scaled to the 32-bit
 * ints libsndfile takes) or floats; optional comment. */
static inline void write_codes(const char *path, int format, int channels, int frames, int bits,
                               const char *comment)
{
    SF_INFO info = {.samplerate = RATE, .channels = channels, .format = format};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!sf)
        fprintf(stderr, "%s: %s\n", path, sf_strerror(NULL));
    ASSERT_TRUE(sf != NULL);
    if (comment)
        ASSERT_EQ_INT(sf_set_string(sf, SF_STR_COMMENT, comment), 0);
    int *v = calloc((size_t)frames * channels, sizeof *v);
    ASSERT_TRUE(v != NULL);
    for (int f = 0; f < frames; f++)
        for (int c = 0; c < channels; c++)
            v[f * channels + c] = bits == 24 ? code16(f, c) * 256 * 256 : code16(f, c) * 65536;
    ASSERT_EQ_INT(sf_writef_int(sf, v, frames), frames);
    ASSERT_EQ_INT(sf_close(sf), 0);
    free(v);
}

static inline float sine(int f, int c)
{
    return (float)(2.5 * sin(2 * M_PI * 10.0 * f / RATE + c) + 100.0 * c);
}

static inline void write_floats(const char *path, int format)
{
    SF_INFO info = {.samplerate = RATE, .channels = CH, .format = format};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    ASSERT_TRUE(sf != NULL);
    float v[FRAMES * CH];
    for (int f = 0; f < FRAMES; f++)
        for (int c = 0; c < CH; c++)
            v[f * CH + c] = sine(f, c);
    ASSERT_EQ_INT(sf_writef_float(sf, v, FRAMES), FRAMES);
    ASSERT_EQ_INT(sf_close(sf), 0);
}

static inline uint8_t *slurp(const char *path, size_t *len)
{
    uint8_t *buf;
    ASSERT_STATUS(mc_read_whole_file(path, (size_t)1 << 30, &buf, len, NULL), MC_OK);
    return buf;
}

/* The import of a file both ways (path and bytes) must agree; returns the path's. */
static inline mc_status import_both(const char *path, mc_import *imp, mc_diag *d)
{
    mc_import_init(imp);
    mc_status st = mc_audio_import(path, imp, d);
    size_t len;
    uint8_t *buf = slurp(path, &len);
    mc_import mem;
    mc_import_init(&mem);
    mc_diag d2;
    ASSERT_STATUS(mc_audio_read(buf, len, path, NULL, &mem, &d2), st);
    if (st == MC_OK) {
        ASSERT_EQ_INT(mem.n_streams, imp->n_streams);
        for (size_t i = 0; i < mem.n_streams; i++) {
            ASSERT_EQ_INT(mem.streams[i].n_frames, imp->streams[i].n_frames);
            ASSERT_TRUE(memcmp(mem.streams[i].data, imp->streams[i].data,
                               (size_t)mem.streams[i].n_frames * mem.streams[i].info->n_channels *
                                   sizeof(float)) == 0);
        }
        ASSERT_STR_EQ(mem.format, imp->format);
        ASSERT_STR_EQ(mem.source, imp->source);
    }
    mc_import_free(&mem);
    free(buf);
    return st;
}

/* Runs tests/formats/audio_check.py (beside this file) with Debian's python3; skips the case
 * when python3 or scipy is missing (exit 77). */
static inline void run_check(const char *args)
{
    if (access("/usr/bin/python3", X_OK) != 0)
        SKIP("/usr/bin/python3 is absent");
    const char *slash = strrchr(__FILE__, '/');
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%.*s/audio_check.py' %s",
             (int)(slash ? slash - __FILE__ : 1), slash ? __FILE__ : ".", args);
    fflush(NULL);
    const int rc = system(cmd);
    ASSERT_TRUE(rc != -1 && WIFEXITED(rc));
    if (WEXITSTATUS(rc) == 77)
        SKIP("numpy or scipy is missing for /usr/bin/python3");
    ASSERT_EQ_INT(WEXITSTATUS(rc), 0);
}

#endif
