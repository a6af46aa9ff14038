/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_ge_s5.c: fuzz target of the GE/Datex S/5 decoders (formats/ge_s5.h). The input,
 * in a heap buffer of exactly `size` bytes, is pushed to the frame decoder whole and again in
 * pieces whose sizes come from the input itself; every frame is parsed as a record and its
 * subrecords decoded; then the whole capture is imported. Invariants (abort when broken): both
 * pushes give the same counts and frames; frames are 40..4095 bytes; decoded sample counts fit
 * their subrecord; the import returns MC_OK, MC_EFORMAT or MC_ENOMEM, with a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/ge_s5.h"
#include "tests/fuzz/fuzz_pieces.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_ge_s5: invariant broken: %s\n", what);
    abort();
}

typedef struct tally {
    uint64_t frames;
    uint64_t sum; /* a checksum of the frames seen, to compare the two pushes */
} tally;

static mc_status on_frame(void *ctx, const uint8_t *rec, size_t n)
{
    tally *t = ctx;
    if (n < MC_GE_S5_HEADER_BYTES || n >= MC_GE_S5_FRAME_MAX)
        fail("frame length");
    t->frames++;
    for (size_t i = 0; i < n; i++)
        t->sum = t->sum * 31 + rec[i];
    mc_ge_s5_record r;
    if (mc_ge_s5_record_parse(rec, n, &r, NULL) != MC_OK)
        return MC_OK;
    for (size_t k = 0; k < r.n_sub; k++) {
        if (r.sub[k] < rec || r.sub[k] + r.sub_len[k] > rec + n)
            fail("subrecord outside its record");
        const mc_ge_s5_wave_type *type = mc_ge_s5_wave_type_find(r.sub_type[k]);
        float v[MC_GE_S5_FRAME_MAX / 2];
        size_t nv = 0;
        if (type &&
            mc_ge_s5_wave_decode(r.sub[k], r.sub_len[k], type, v, sizeof v / sizeof v[0], &nv,
                                 NULL) == MC_OK &&
            6 + 2 * nv > r.sub_len[k])
            fail("samples beyond the subrecord");
        mc_ge_s5_value vals[MC_GE_S5_PHYS_VALUES];
        if (mc_ge_s5_phys_decode(r.sub[k], r.sub_len[k], vals, &nv, NULL) == MC_OK &&
            nv > MC_GE_S5_PHYS_VALUES)
            fail("value count");
    }
    return MC_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = fuzz_copy(data, size);
    mc_ge_s5_decoder *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    if (!buf || !a || !b) {
        free(buf);
        free(a);
        free(b);
        return 0;
    }
    tally ta = {0, 0}, tb = {0, 0};
    mc_ge_s5_decoder_reset(a);
    mc_ge_s5_decoder_reset(b);
    if (mc_ge_s5_decoder_push(a, buf, size, on_frame, &ta) != MC_OK)
        fail("push status");
    size_t pos = 0, k = 0;
    while (pos < size) {
        size_t piece = fuzz_piece(buf, size, pos, &k, 97);
        if (mc_ge_s5_decoder_push(b, buf + pos, piece, on_frame, &tb) != MC_OK)
            fail("push status");
        pos += piece;
    }
    if (ta.frames != tb.frames || ta.sum != tb.sum ||
        memcmp(&a->stats, &b->stats, sizeof a->stats) != 0)
        fail("pieces and whole differ");
    if (a->stats.frames_good != ta.frames)
        fail("frame count");

    mc_import imp;
    mc_import_init(&imp);
    imp.limit_bytes = (size_t)64 << 20;
    mc_diag d;
    mc_diag_clear(&d);
    const mc_status st = mc_ge_s5_read(buf, size, &imp, NULL, &d);
    if (st != MC_OK && st != MC_EFORMAT && st != MC_ENOMEM) {
        fprintf(stderr, "%s (%d)\n", d.message, (int)st);
        fail("import status");
    }
    if (d.message[0] == '\0')
        fail("no message");
    mc_import_free(&imp);
    free(a);
    free(b);
    free(buf);
    return 0;
}
