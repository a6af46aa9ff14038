/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_wfdb.c: fuzz target of the WFDB importer (formats/wfdb.h): header parser,
 * signal decoders, multi-segment assembly, through an in-memory loader.
 *
 * Input: HEADER '\0' REST. When the header's first token names a multi-segment record ('/' in it)
 * and REST holds a '\0', REST is SEGMENT_HEADER '\0' DAT, else REST is DAT. The loader serves
 * SEGMENT_HEADER for every "*.hea" name (ENOTFOUND when absent, and for names starting with 'm',
 * to reach the missing-segment path) and DAT for every other name. Each part is copied into a heap
 * buffer of exactly its size so that AddressSanitizer catches a read past it.
 *
 * Invariants (abort when broken): the status is one of OK, EFORMAT, ENOMEM, ENOTFOUND; a failure
 * has a message and a line that is -1 or >= 1; a success has streams with a positive rate and
 * samples that are NaN or finite; mc_wfdb_decode never decodes more than mc_wfdb_samples_in. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/wfdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_wfdb: invariant broken: %s\n", what);
    abort();
}

typedef struct parts {
    const uint8_t *seg;
    size_t seg_len;
    int has_seg;
    const uint8_t *dat;
    size_t dat_len;
} parts;

static mc_status load(void *ctx, const char *name, uint8_t **buf, size_t *len, mc_diag *d)
{
    const parts *p = ctx;
    const size_t n = strlen(name);
    const int hea = n >= 4 && strcmp(name + n - 4, ".hea") == 0;
    if (name[0] == 'm' || (hea && !p->has_seg))
        return mc_diag_set(d, MC_ENOTFOUND, -1, -1, "%s: not found", name);
    const uint8_t *src = hea ? p->seg : p->dat;
    const size_t sl = hea ? p->seg_len : p->dat_len;
    *buf = malloc(sl ? sl : 1);
    if (!*buf)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory");
    if (sl)
        memcpy(*buf, src, sl);
    *len = sl;
    return MC_OK;
}

static uint8_t *copy(const uint8_t *src, size_t n)
{
    uint8_t *b = malloc(n ? n : 1);
    if (b && n)
        memcpy(b, src, n);
    return b;
}

static void check_decoders(const uint8_t *dat, size_t len)
{
    static const int formats[] = {8, 16, 24, 32, 61, 80, 160, 212, 310, 311};
    int32_t out[64];
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        const int64_t avail = mc_wfdb_samples_in(formats[i], len);
        const int64_t first = avail > 3 ? avail - 3 : 0;
        const size_t got = mc_wfdb_decode(formats[i], dat, len, first, 64, out);
        if ((int64_t)got != avail - first && !(avail == 0 && got == 0))
            fail("decoded count");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    const size_t hea_len = nul ? (size_t)(nul - data) : size;
    const uint8_t *rest = nul ? nul + 1 : data + size;
    const size_t rest_len = nul ? size - hea_len - 1 : 0;
    size_t first_token = 0;
    while (first_token < hea_len && data[first_token] != ' ' && data[first_token] != '\n')
        first_token++;
    const int multi = memchr(data, '/', first_token) != NULL;
    const uint8_t *nul2 = multi ? memchr(rest, '\0', rest_len) : NULL;

    uint8_t *hea = copy(data, hea_len), *seg = NULL, *dat = NULL;
    parts p = {0};
    if (nul2) {
        p.seg_len = (size_t)(nul2 - rest);
        p.dat_len = rest_len - p.seg_len - 1;
        seg = copy(rest, p.seg_len);
        dat = copy(nul2 + 1, p.dat_len);
        p.has_seg = 1;
    } else {
        p.dat_len = rest_len;
        dat = copy(rest, rest_len);
    }
    if (!hea || !dat || (nul2 && !seg))
        goto done;
    p.seg = seg;
    p.dat = dat;

    (void)mc_wfdb_detect(hea, hea_len, "rec.hea");
    check_decoders(dat, p.dat_len);

    mc_import imp;
    mc_import_init(&imp);
    imp.limit_bytes = (size_t)64 << 20; /* keeps each run fast; the bound itself is tested */
    mc_diag d;
    mc_diag_clear(&d);
    const mc_status st = mc_wfdb_read("rec.hea", hea, hea_len, load, &p, &imp, &d);
    if (st != MC_OK && st != MC_EFORMAT && st != MC_ENOMEM && st != MC_ENOTFOUND)
        fail("status");
    if (st != MC_OK && (!d.message[0] || (d.line != -1 && d.line < 1)))
        fail("diagnostic");
    if (st == MC_OK) {
        for (size_t k = 0; k < imp.n_streams; k++) {
            const mc_import_stream *s = &imp.streams[k];
            if (!(s->info->rate_hz > 0) || s->n_frames < 0)
                fail("stream");
            for (int64_t i = 0; i < s->n_frames; i++)
                if (isinf(s->data[i]))
                    fail("infinite sample");
        }
    }
    mc_import_free(&imp);
done:
    free(hea);
    free(seg);
    free(dat);
    return 0;
}
