/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_nonin.c: fuzz target of the Nonin decoder (formats/nonin.h). The input, in a
 * heap buffer of exactly `size` bytes, is decoded as format 2, 7 and 8, whole and in pieces whose
 * sizes come from the input; the format-select command parser runs on it too. Invariants (abort
 * when broken): both splits give the same callbacks and counts; every byte is in a good frame or
 * skipped; indexes are 0..25, `lost` >= -1, SYNC frames are frame 1; pleth counts are in the
 * format's range; numerics are NaN or within the fields' ranges (HR 0..510, SpO2 0..126); a
 * complete packet has 25 frames, a format-8 record is one complete record; format 2/7 numerics
 * have no format-8 flags. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/nonin.h"
#include "tests/fuzz/fuzz_pieces.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_nonin: invariant broken: %s\n", what);
    abort();
}

typedef struct tally {
    int format;
    uint64_t frames, nums, sum;
} tally;

static void mix(tally *t, uint64_t x)
{
    t->sum = t->sum * 1000003u + x;
}

static uint64_t fbits(float v)
{
    if (isnan(v))
        return 0xFFFFFFFFu;
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static void check_value(float v, float top)
{
    if (!isnan(v) && (v < 0 || v > top || v != floorf(v)))
        fail("numerics value out of range");
}

static mc_status on_frame(void *ctx, const mc_nonin_frame *f)
{
    tally *t = ctx;
    if (t->format == 8)
        fail("frame callback in format 8");
    if (f->index > 25 || f->lost < -1 || (f->sync && f->index != 1) || (f->status & 0x80) == 0 ||
        f->value > 127)
        fail("frame fields");
    if (f->pleth < 0 || f->pleth > (t->format == 2 ? 255.0f : 65535.0f))
        fail("pleth range");
    t->frames++;
    mix(t, f->index);
    mix(t, (uint64_t)(int64_t)f->lost);
    mix(t, f->status);
    mix(t, f->value);
    mix(t, fbits(f->pleth));
    return MC_OK;
}

static mc_status on_numerics(void *ctx, const mc_nonin_numerics *n)
{
    tally *t = ctx;
    const float v[10] = {n->hr,      n->spo2, n->hr_d,   n->spo2_d,   n->spo2_fast,
                         n->spo2_bb, n->e_hr, n->e_spo2, n->e_spo2_d, n->e_hr_d};
    static const float top[10] = {510, 126, 510, 126, 126, 126, 510, 126, 126, 510};
    for (int i = 0; i < 10; i++) {
        check_value(v[i], top[i]);
        mix(t, fbits(v[i]));
    }
    if (n->format != t->format || n->n_frames < 1 || n->n_frames > 25 ||
        (t->format != 8 && n->complete && n->n_frames != 25) ||
        (t->format == 8 && (!n->complete || n->n_frames != 1)) || (n->flags & ~0x7Fu))
        fail("numerics fields");
    if (t->format != 8 && (n->flags & ~(uint32_t)(MC_NONIN_FLAG_SPA | MC_NONIN_FLAG_LOW_BATTERY)))
        fail("format 2/7 flags");
    t->nums++;
    mix(t, n->flags);
    mix(t, n->complete);
    mix(t, n->n_frames);
    return MC_OK;
}

static const mc_nonin_callbacks cbs = {on_frame, on_numerics};

static void run(int format, const uint8_t *buf, size_t size, mc_nonin_decoder *a,
                mc_nonin_decoder *b)
{
    tally ta = {format, 0, 0, 0}, tb = {format, 0, 0, 0};
    if (mc_nonin_decoder_reset(a, format) != MC_OK || mc_nonin_decoder_reset(b, format) != MC_OK)
        fail("reset");
    if (mc_nonin_decoder_push(a, buf, size, &cbs, &ta) != MC_OK ||
        mc_nonin_decoder_finish(a, &cbs, &ta) != MC_OK)
        fail("push status");
    size_t pos = 0, k = 0;
    while (pos < size) {
        size_t piece = fuzz_piece(buf, size, pos, &k, 12);
        if (mc_nonin_decoder_push(b, buf + pos, piece, &cbs, &tb) != MC_OK)
            fail("push status");
        pos += piece;
    }
    if (mc_nonin_decoder_finish(b, &cbs, &tb) != MC_OK)
        fail("finish status");
    if (ta.frames != tb.frames || ta.nums != tb.nums || ta.sum != tb.sum ||
        memcmp(&a->stats, &b->stats, sizeof a->stats) != 0)
        fail("pieces and whole differ");
    const uint64_t fsize = format == 8 ? 4 : 5;
    if (a->stats.frames_good * fsize + a->stats.skipped_bytes != size)
        fail("byte accounting");
    if (format != 8 && (ta.frames != a->stats.frames_good || ta.nums != a->stats.packets))
        fail("counts");
    if (format == 8 && ta.nums != a->stats.frames_good)
        fail("format 8 counts");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = fuzz_copy(data, size);
    mc_nonin_decoder *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    if (!buf || !a || !b) {
        free(buf);
        free(a);
        free(b);
        return 0;
    }
    run(2, buf, size, a, b);
    run(7, buf, size, a, b);
    run(8, buf, size, a, b);
    int format = -1;
    const mc_status st = mc_nonin_format_command_parse(buf, size, &format);
    if (st == MC_OK && (size < 6 || format != buf[4] || buf[0] != 0x02 || buf[5] != 0x03))
        fail("command parse");
    if (st != MC_OK && st != MC_END && st != MC_EFORMAT)
        fail("command status");
    free(a);
    free(b);
    free(buf);
    return 0;
}
