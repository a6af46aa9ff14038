/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_contec.c: fuzz target of the Contec CMS50 decoder (formats/contec.h). The
 * input, in a heap buffer of exactly `size` bytes, is decoded in both modes, whole and in pieces
 * whose sizes come from the input; the command recogniser runs on it too. Invariants (abort when
 * broken): both splits give the same frames and counts; every byte is in a good frame or skipped;
 * pleth counts are 0..127; PR and SpO2 are NaN or within their codes' ranges, never 0 or 0x7F;
 * legacy frames have no second wave; a decoded frame encodes back to the bytes it came from
 * except where the encoder refuses a value that only decodes (never). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/contec.h"
#include "tests/fuzz/fuzz_pieces.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_contec: invariant broken: %s\n", what);
    abort();
}

typedef struct tally {
    mc_contec_mode mode;
    uint64_t frames, sum;
} tally;

static uint64_t fbits(float v)
{
    if (isnan(v))
        return 0xFFFFFFFFu;
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static mc_status on_frame(void *ctx, const mc_contec_frame *f)
{
    tally *t = ctx;
    const int legacy = t->mode == MC_CONTEC_LEGACY;
    if (!(f->pleth >= 0 && f->pleth <= 127))
        fail("pleth");
    if (legacy ? !isnan(f->pleth2) : !(f->pleth2 >= 0 && f->pleth2 <= 127))
        fail("pleth2");
    if (!isnan(f->pr_bpm) &&
        (f->pr_bpm < 1 || f->pr_bpm > (legacy ? 254 : 126) || f->pr_bpm == 127))
        fail("PR range");
    if (!isnan(f->spo2_pct) && (f->spo2_pct < 1 || f->spo2_pct > 126))
        fail("SpO2 range");
    if (f->signal_strength > 15 || f->bar_graph > 15 || (f->flags & ~0x1Fu))
        fail("fields");
    /* Every decoded frame is encodable and decodes the same (the encoder accepts all it gives). */
    uint8_t e[MC_CONTEC_FRAME_MAX];
    int clamped = -1;
    if (mc_contec_frame_encode(t->mode, f, e, &clamped) != MC_OK || clamped != 0)
        fail("re-encode");
    t->frames++;
    const uint64_t v[7] = {fbits(f->pleth),    fbits(f->pleth2), fbits(f->pr_bpm),
                           fbits(f->spo2_pct), f->flags,         f->signal_strength,
                           f->bar_graph};
    for (int i = 0; i < 7; i++)
        t->sum = t->sum * 1000003u + v[i];
    return MC_OK;
}

static void run(mc_contec_mode mode, const uint8_t *buf, size_t size, mc_contec_decoder *a,
                mc_contec_decoder *b)
{
    tally ta = {mode, 0, 0}, tb = {mode, 0, 0};
    if (mc_contec_decoder_reset(a, mode) != MC_OK || mc_contec_decoder_reset(b, mode) != MC_OK)
        fail("reset");
    if (mc_contec_decoder_push(a, buf, size, on_frame, &ta) != MC_OK)
        fail("push status");
    mc_contec_decoder_finish(a);
    size_t pos = 0, k = 0;
    while (pos < size) {
        size_t piece = fuzz_piece(buf, size, pos, &k, 12);
        if (mc_contec_decoder_push(b, buf + pos, piece, on_frame, &tb) != MC_OK)
            fail("push status");
        pos += piece;
    }
    mc_contec_decoder_finish(b);
    if (ta.frames != tb.frames || ta.sum != tb.sum ||
        memcmp(&a->stats, &b->stats, sizeof a->stats) != 0)
        fail("pieces and whole differ");
    const uint64_t fsize = mode == MC_CONTEC_LEGACY ? 5 : 9;
    if (a->stats.frames_good * fsize + a->stats.skipped_bytes != size ||
        ta.frames != a->stats.frames_good)
        fail("byte accounting");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = fuzz_copy(data, size);
    mc_contec_decoder *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    if (!buf || !a || !b) {
        free(buf);
        free(a);
        free(b);
        return 0;
    }
    run(MC_CONTEC_LEGACY, buf, size, a, b);
    run(MC_CONTEC_V46, buf, size, a, b);
    mc_contec_command cmd;
    const mc_status st = mc_contec_command_parse(buf, size, &cmd);
    if (st == MC_OK && (size < 9 || buf[0] != 0x7D ||
                        (cmd != MC_CONTEC_CMD_START && cmd != MC_CONTEC_CMD_KEEPALIVE)))
        fail("command parse");
    if (st != MC_OK && st != MC_END && st != MC_EFORMAT)
        fail("command status");
    free(a);
    free(b);
    free(buf);
    return 0;
}
