/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_pcm.c: fuzz target of the raw PCM decoder (formats/pcm.h). The first byte picks
 * the format and channel count, the second the size of the pieces; the rest is decoded whole and
 * in pieces. Invariants (abort when broken): both give the same frames, value for value; their
 * number is the bytes divided by the frame size; every value is finite or NaN (f32), integers
 * lie in the format's range; re-encoding an integer frame gives its bytes back. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/pcm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_pcm: invariant broken: %s\n", what);
    abort();
}

typedef struct tally {
    double *v;
    size_t n, cap;
    uint32_t nc;
    mc_pcm_format f;
} tally;

static void on_frame(void *ctx, const double *values)
{
    tally *t = ctx;
    for (uint32_t c = 0; c < t->nc; c++) {
        double x = values[c];
        if (t->f != MC_PCM_F32LE && (x != x || x < -2147483648.0 || x > 2147483647.0))
            fail("integer range");
        if (t->n < t->cap)
            t->v[t->n] = x;
        t->n++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const mc_pcm_format f = (mc_pcm_format)(data[0] % 6);
    const uint32_t nc = 1u + (data[0] >> 3) % 4u;
    const size_t piece = 1u + data[1] % 17u;
    data += 2;
    size -= 2;
    mc_pcm_decoder a, b;
    if (mc_pcm_decoder_init(&a, f, nc) != MC_OK || mc_pcm_decoder_init(&b, f, nc) != MC_OK)
        fail("init");
    const size_t cap = size + 1;
    tally whole = {calloc(cap, sizeof(double)), 0, cap, nc, f};
    tally split = {calloc(cap, sizeof(double)), 0, cap, nc, f};
    if (!whole.v || !split.v)
        return 0;
    mc_pcm_decoder_push(&a, data, size, on_frame, &whole);
    for (size_t off = 0; off < size; off += piece)
        mc_pcm_decoder_push(&b, data + off, size - off < piece ? size - off : piece, on_frame,
                            &split);
    const size_t fb = mc_pcm_sample_bytes(f) * nc;
    if (whole.n != split.n || whole.n != size / fb * nc)
        fail("frame count");
    for (size_t i = 0; i < whole.n; i++)
        if (memcmp(&whole.v[i], &split.v[i], sizeof(double)) != 0 &&
            !(isnan(whole.v[i]) && isnan(split.v[i])))
            fail("whole and split differ");
    if (f != MC_PCM_F32LE && whole.n >= nc) {
        uint8_t out[4 * 4];
        mc_pcm_encode_frame(f, nc, whole.v, out);
        if (memcmp(out, data, fb) != 0)
            fail("re-encoding");
    }
    free(whole.v);
    free(split.v);
    return 0;
}
