/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_ge_s5_request.c: fuzz target of the GE/Datex S/5 encoders and request parser
 * (formats/ge_s5.h). The input, in a heap buffer of exactly `size` bytes, is read three ways:
 * (1) as bytes from a driver: frames decoded, each record parsed as a request; a request that
 * parses is within the documented ranges and, when it can be encoded, encodes to a frame that
 * decodes and parses to the same request; (2) as a record: framed, then decoded to the same bytes,
 * one good frame; (3) as float32 values: encoded in a PLETH record and a displayed-values record,
 * read back by the decoder within half a count, or NaN only where the value was NaN or beyond
 * the int16 counts. Aborts when an invariant breaks. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/ge_s5.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_ge_s5_request: invariant broken: %s\n", what);
    abort();
}

typedef struct got {
    int n;
    size_t len;
    uint8_t rec[MC_GE_S5_FRAME_MAX];
} got;

static mc_status keep(void *ctx, const uint8_t *rec, size_t n)
{
    got *g = ctx;
    g->n++;
    g->len = n;
    memcpy(g->rec, rec, n);
    return MC_OK;
}

static int same(const mc_ge_s5_request *a, const mc_ge_s5_request *b)
{
    if (a->kind != b->kind || a->phys_type != b->phys_type || a->interval_s != b->interval_s ||
        a->class_mask != b->class_mask || a->duration != b->duration || a->n_waves != b->n_waves)
        return 0;
    return memcmp(a->wave_types, b->wave_types, a->n_waves) == 0;
}

/* One request as the parser gave it: ranges, then encode -> decode -> parse. */
static void check_request(const mc_ge_s5_request *r)
{
    switch (r->kind) {
    case MC_GE_S5_REQUEST_PHYS:
        if (r->phys_type < 1 || r->phys_type > 3 || r->n_waves != 0)
            fail("physiological request fields");
        break;
    case MC_GE_S5_REQUEST_WAVE_START:
    case MC_GE_S5_REQUEST_WAVE_TIMED:
        if (r->n_waves < 1 || r->n_waves > 8)
            fail("wave count");
        for (size_t i = 0; i < r->n_waves; i++)
            if (r->wave_types[i] == 0 || r->wave_types[i] == 0xFF)
                fail("wave type 0 or 0xFF listed");
        break;
    case MC_GE_S5_REQUEST_WAVE_STOP:
        if (r->n_waves != 0)
            fail("stop with waves");
        break;
    default:
        fail("request kind");
    }
    uint8_t out[MC_GE_S5_REQUEST_BYTES_MAX];
    size_t len;
    mc_diag d;
    mc_diag_clear(&d);
    const mc_status st = mc_ge_s5_request_encode(r, out, sizeof out, &len, &d);
    if (st != MC_OK) {
        if (st != MC_EINVAL || d.message[0] == '\0')
            fail("encode status");
        if (r->kind == MC_GE_S5_REQUEST_PHYS && r->interval_s >= 0 && r->class_mask <= 0xF)
            fail("a valid physiological request refused");
        if (r->kind == MC_GE_S5_REQUEST_WAVE_STOP)
            fail("stop refused");
        return;
    }
    if (len > MC_GE_S5_REQUEST_BYTES_MAX)
        fail("request length");
    mc_ge_s5_decoder dec;
    mc_ge_s5_decoder_reset(&dec);
    static got g;
    g.n = 0;
    if (mc_ge_s5_decoder_push(&dec, out, len, keep, &g) != MC_OK || g.n != 1)
        fail("encoded request is not one frame");
    mc_ge_s5_request again;
    if (mc_ge_s5_request_parse(g.rec, g.len, &again, NULL) != MC_OK || !same(r, &again))
        fail("request round trip");
}

static mc_status on_frame(void *ctx, const uint8_t *rec, size_t n)
{
    (void)ctx;
    mc_ge_s5_request r;
    mc_diag d;
    mc_diag_clear(&d);
    const mc_status st = mc_ge_s5_request_parse(rec, n, &r, &d);
    if (st == MC_OK)
        check_request(&r);
    else if (st != MC_EFORMAT || d.message[0] == '\0' || d.offset < 0 || (size_t)d.offset >= n)
        fail("parse status or offset");
    return MC_OK;
}

/* A value read back from `count`-based encoding: within half a count, or NaN for a marker. */
static void check_value(float in, float out, double scale)
{
    if (isnan(out)) {
        if (!isnan(in) && fabs((double)in / scale) < 32000)
            fail("a representable value came back NaN");
        return;
    }
    if (isnan(in) || fabs((double)out - (double)in) > scale / 2 * 1.0001 + fabs((double)in) * 1e-6)
        fail("value not read back within half a count");
}

static void check_records(const uint8_t *buf, size_t size)
{
    static float v[MC_GE_S5_FRAME_MAX / 2];
    size_t nv = size / 4;
    if (nv > (MC_GE_S5_FRAME_MAX - 46) / 2)
        nv = (MC_GE_S5_FRAME_MAX - 46) / 2;
    memcpy(v, buf, nv * 4);
    static uint8_t rec[MC_GE_S5_FRAME_MAX];
    size_t n;
    const mc_ge_s5_wave_block b = {8, v, nv};
    if (mc_ge_s5_wave_record_encode(1, 2, &b, 1, rec, sizeof rec, &n, NULL) != MC_OK)
        fail("wave record refused");
    mc_ge_s5_record r;
    static float out[MC_GE_S5_FRAME_MAX / 2];
    size_t m;
    if (mc_ge_s5_record_parse(rec, n, &r, NULL) != MC_OK || r.n_sub != 1 ||
        mc_ge_s5_wave_decode(r.sub[0], r.sub_len[0], mc_ge_s5_wave_type_find(8), out,
                             sizeof out / sizeof out[0], &m, NULL) != MC_OK ||
        m != nv)
        fail("wave record not read back");
    for (size_t i = 0; i < nv; i++)
        check_value(v[i], out[i], 0.01);

    float pv[MC_GE_S5_PHYS_VALUES];
    for (size_t i = 0; i < MC_GE_S5_PHYS_VALUES; i++)
        pv[i] = i < nv ? v[i] : NAN;
    if (mc_ge_s5_phys_record_encode(3, 4, pv, rec, sizeof rec, &n, NULL) != MC_OK)
        fail("physiological record refused");
    mc_ge_s5_value vals[MC_GE_S5_PHYS_VALUES];
    if (mc_ge_s5_record_parse(rec, n, &r, NULL) != MC_OK ||
        mc_ge_s5_phys_decode(r.sub[0], r.sub_len[0], vals, &m, NULL) != MC_OK ||
        m != MC_GE_S5_PHYS_VALUES)
        fail("physiological record not read back");
    for (size_t i = 0; i < m; i++)
        check_value(pv[i], vals[i].value, mc_ge_s5_phys_field_at(i)->scale);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    mc_ge_s5_decoder *dec = malloc(sizeof *dec);
    uint8_t *framed = malloc(MC_GE_S5_FRAME_ENCODED_MAX(size));
    got *g = malloc(sizeof *g);
    if (!buf || !dec || !framed || !g) {
        free(buf);
        free(dec);
        free(framed);
        free(g);
        return 0;
    }
    if (size)
        memcpy(buf, data, size);

    /* (1) bytes from a driver */
    mc_ge_s5_decoder_reset(dec);
    if (mc_ge_s5_decoder_push(dec, buf, size, on_frame, NULL) != MC_OK)
        fail("push status");

    /* (2) the input as a record */
    size_t len;
    const mc_status st =
        mc_ge_s5_frame_encode(buf, size, framed, MC_GE_S5_FRAME_ENCODED_MAX(size), &len, NULL);
    if ((st == MC_OK) != (size >= MC_GE_S5_HEADER_BYTES && size < MC_GE_S5_FRAME_MAX))
        fail("frame encode status");
    if (st == MC_OK) {
        if (len > MC_GE_S5_FRAME_ENCODED_MAX(size))
            fail("frame length");
        mc_ge_s5_decoder_reset(dec);
        g->n = 0;
        if (mc_ge_s5_decoder_push(dec, framed, len, keep, g) != MC_OK || g->n != 1 ||
            g->len != size || memcmp(g->rec, buf, size) != 0 || dec->stats.garbage_bytes != 0)
            fail("frame round trip");
    }

    /* (3) the input as values */
    check_records(buf, size);

    free(g);
    free(framed);
    free(dec);
    free(buf);
    return 0;
}
