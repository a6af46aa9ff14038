/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_intellivue.c: fuzz target of the Philips IntelliVue Data Export codec
 * (formats/intellivue.h). The input, in a heap buffer of exactly `size` bytes, is pushed to the
 * MIB frame decoder whole and again in pieces whose sizes come from the input; every frame's user
 * data, and the whole input as one UDP datagram, goes through every message parser. Invariants
 * (abort when broken): both pushes give the same frames and counts; frames hold 1..DATA_MAX bytes
 * and re-frame to a stream that decodes to themselves; parsed waves lie inside their message;
 * an event report or a poll request that parses encodes to bytes that parse to the same fields;
 * a FLOAT read from the input survives encode -> decode to 1e-6 (infinity beyond the largest
 * finite FLOAT). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/intellivue.h"
#include "tests/fuzz/fuzz_pieces.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_intellivue: invariant broken: %s\n", what);
    abort();
}

typedef struct span {
    const uint8_t *msg;
    size_t n;
    size_t numerics, waves;
} span;

static mc_status on_numeric(void *ctx, const mc_intellivue_numeric *v)
{
    span *s = ctx;
    s->numerics++;
    const double x = mc_intellivue_float_decode(v->raw);
    if (!(isnan(x) && isnan(v->value)) && x != v->value)
        fail("numeric value differs from its FLOAT");
    return MC_OK;
}

static mc_status on_wave(void *ctx, const mc_intellivue_wave *w)
{
    span *s = ctx;
    s->waves++;
    if (w->n_samples > 0 && (w->data < s->msg || w->data + 2 * w->n_samples > s->msg + s->n))
        fail("wave outside its message");
    float out[64];
    const size_t cap = sizeof out / sizeof out[0];
    if (w->n_samples <= cap &&
        mc_intellivue_wave_physical(w, w->has_scale ? &w->scale : NULL, out, cap) != MC_OK)
        fail("wave_physical status");
    return MC_OK;
}

/* Every parser over one message. */
static void parse_message(const uint8_t *msg, size_t n)
{
    (void)mc_intellivue_classify(msg, n);
    int accepted = -1;
    mc_diag d;
    if (mc_intellivue_assoc_result_parse(msg, n, &accepted, &d) == MC_OK && accepted != 0 &&
        accepted != 1)
        fail("accepted flag");
    mc_intellivue_data h;
    if (mc_intellivue_data_parse(msg, n, &h, &d) == MC_OK &&
        (h.body < msg || h.body + h.body_len != msg + n))
        fail("data body outside the message");

    mc_intellivue_event_report rep, again;
    if (mc_intellivue_event_report_parse(msg, n, &rep, &d) == MC_OK) {
        uint8_t buf[256], res[64];
        size_t len;
        if (mc_intellivue_event_report_encode(&rep, buf, sizeof buf, &len, NULL) != MC_OK ||
            mc_intellivue_event_report_parse(buf, len, &again, NULL) != MC_OK)
            fail("event report does not re-encode");
        if (again.invoke_id != rep.invoke_id || again.event_time != rep.event_time ||
            again.has_time_rel != rep.has_time_rel || again.time_rel != rep.time_rel ||
            again.has_time_abs != rep.has_time_abs || memcmp(again.time_abs, rep.time_abs, 8) != 0)
            fail("event report round trip");
        if (mc_intellivue_mds_create_result_encode(&rep, res, sizeof res, &len, NULL) != MC_OK ||
            len != 28)
            fail("MDS create result");
    }

    mc_intellivue_poll_request req, req2;
    if (mc_intellivue_poll_request_parse(msg, n, &req, &d) == MC_OK) {
        uint8_t buf[MC_INTELLIVUE_REQUEST_MAX];
        size_t len;
        if (mc_intellivue_poll_request_encode(&req, buf, sizeof buf, &len, NULL) != MC_OK ||
            mc_intellivue_poll_request_parse(buf, len, &req2, NULL) != MC_OK ||
            memcmp(&req, &req2, sizeof req) != 0)
            fail("poll request round trip");
    }

    span s = {msg, n, 0, 0};
    const mc_intellivue_poll_fns fns = {on_numeric, on_wave, &s};
    mc_intellivue_poll p;
    const mc_status st = mc_intellivue_poll_parse(msg, n, &p, &fns, &d);
    if (st != MC_OK && st != MC_EFORMAT)
        fail("poll status");
    if (st == MC_OK && (p.n_numerics != s.numerics || p.n_waves != s.waves))
        fail("poll counts");
    if (st == MC_EFORMAT && (d.offset < 0 || (size_t)d.offset > n))
        fail("diagnostic offset");
}

typedef struct tally {
    uint64_t frames;
    uint64_t sum;
} tally;

static mc_status on_frame(void *ctx, const uint8_t *msg, size_t n)
{
    tally *t = ctx;
    if (n == 0 || n > MC_INTELLIVUE_DATA_MAX)
        fail("frame length");
    t->frames++;
    for (size_t i = 0; i < n; i++)
        t->sum = t->sum * 31 + msg[i];
    parse_message(msg, n);
    return MC_OK;
}

static mc_status same_frame(void *ctx, const uint8_t *msg, size_t n)
{
    span *s = ctx;
    if (n != s->n || memcmp(msg, s->msg, n) != 0)
        fail("re-framed frame differs");
    s->numerics++;
    return MC_OK;
}

/* A frame re-encoded decodes to itself. */
static mc_status reframe(void *ctx, const uint8_t *msg, size_t n)
{
    static uint8_t out[MC_INTELLIVUE_FRAME_ENCODED_MAX(MC_INTELLIVUE_DATA_MAX)];
    mc_intellivue_decoder *dec = ctx;
    size_t len;
    if (mc_intellivue_frame_encode(msg, n, out, sizeof out, &len, NULL) != MC_OK)
        fail("frame encode");
    span s = {msg, n, 0, 0};
    mc_intellivue_decoder_reset(dec);
    if (mc_intellivue_decoder_push(dec, out, len, same_frame, &s) != MC_OK || s.numerics != 1 ||
        dec->stats.frames_good != 1)
        fail("re-framed stream");
    return MC_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = fuzz_copy(data, size);
    mc_intellivue_decoder *a = malloc(sizeof *a), *b = malloc(sizeof *b), *c = malloc(sizeof *c);
    if (!buf || !a || !b || !c) {
        free(buf);
        free(a);
        free(b);
        free(c);
        return 0;
    }
    tally ta = {0, 0}, tb = {0, 0};
    mc_intellivue_decoder_reset(a);
    mc_intellivue_decoder_reset(b);
    if (mc_intellivue_decoder_push(a, buf, size, on_frame, &ta) != MC_OK)
        fail("push status");
    size_t pos = 0, k = 0;
    while (pos < size) {
        size_t piece = fuzz_piece(buf, size, pos, &k, 97);
        if (mc_intellivue_decoder_push(b, buf + pos, piece, on_frame, &tb) != MC_OK)
            fail("push status");
        pos += piece;
    }
    if (ta.frames != tb.frames || ta.sum != tb.sum ||
        memcmp(&a->stats, &b->stats, sizeof a->stats) != 0)
        fail("pieces and whole differ");
    if (a->stats.frames_good != ta.frames)
        fail("frame count");
    mc_intellivue_decoder_reset(a);
    if (mc_intellivue_decoder_push(a, buf, size, reframe, c) != MC_OK)
        fail("reframe push");

    /* The whole input as one UDP datagram. */
    parse_message(buf, size);

    if (size >= 4) {
        const uint32_t f =
            (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
        const double v = mc_intellivue_float_decode(f);
        const double w = mc_intellivue_float_decode(mc_intellivue_float_encode(v));
        /* Beyond the largest finite FLOAT (mantissa 8388605, exponent 127) comes infinity. */
        const int beyond = fabs(v) > 8388605e127;
        if (isnan(v) != isnan(w) ||
            (!isnan(v) && !isinf(v) && !beyond && fabs(w - v) > fabs(v) * 1e-6) ||
            ((isinf(v) || beyond) && w != (v > 0 ? (double)INFINITY : -(double)INFINITY)))
            fail("FLOAT round trip");
    }
    free(a);
    free(b);
    free(c);
    free(buf);
    return 0;
}
