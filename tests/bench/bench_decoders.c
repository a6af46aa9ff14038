/* SPDX-License-Identifier: MIT */
/* tests/bench/bench_decoders.c: bytes per second each device decoder sustains on one core, on
 * byte streams made by the protocols' own encoders (known content, about 8 MB each, decoded in
 * pieces of 1 kB as the device source reads them): Masimo ASCII 1 lines, Nonin formats 2 and 7,
 * Contec legacy and v4.6, GE S/5 waveform records, SenSmart lines through the device-file
 * decoder, raw PCM. The reference measured in the same run is a plain byte loop over the same
 * buffer (the memory's pace: no decoder can beat it); the yardstick is a real device's
 * <= 10 kB/s, printed as the headroom. Fails only if a decoder finds fewer frames than encoded.
 *
 * usage: bench_decoders [MB per decoder, default 8] */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "formats/contec.h"
#include "formats/device_file.h"
#include "formats/ge_s5.h"
#include "formats/intellivue.h"
#include "formats/masimo.h"
#include "formats/nonin.h"
#include "formats/pcm.h"

enum { PIECE = 1024 };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct buf {
    uint8_t *b;
    size_t n, cap;
} buf;

static void put(buf *o, const void *p, size_t n)
{
    if (o->n + n > o->cap) {
        o->cap = (o->n + n) * 2;
        o->b = realloc(o->b, o->cap);
        if (!o->b) {
            fprintf(stderr, "bench_decoders: out of memory\n");
            exit(1);
        }
    }
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static uint64_t frames; /* counted by every callback */

static mc_status masimo_line(void *ctx, const char *line, size_t n, int64_t line_no)
{
    (void)ctx;
    (void)line_no;
    mc_masimo_line l;
    frames += mc_masimo_line_parse(line, n, &l, NULL) == MC_OK;
    return MC_OK;
}

static mc_status nonin_frame(void *ctx, const mc_nonin_frame *f)
{
    (void)ctx;
    (void)f;
    frames++;
    return MC_OK;
}

static mc_status contec_frame(void *ctx, const mc_contec_frame *f)
{
    (void)ctx;
    (void)f;
    frames++;
    return MC_OK;
}

static mc_status ge_record(void *ctx, const uint8_t *rec, size_t n)
{
    (void)ctx;
    mc_ge_s5_record r;
    float w[512];
    size_t got;
    if (mc_ge_s5_record_parse(rec, n, &r, NULL) == MC_OK && r.n_sub > 0 &&
        mc_ge_s5_wave_decode(r.sub[0], r.sub_len[0], mc_ge_s5_wave_type_find(8), w, 512, &got,
                             NULL) == MC_OK)
        frames += got;
    return MC_OK;
}

static mc_status iv_wave(void *ctx, const mc_intellivue_wave *w)
{
    (void)ctx;
    frames += w->n_samples;
    return MC_OK;
}

static mc_status iv_message(void *ctx, const uint8_t *msg, size_t n)
{
    (void)ctx;
    mc_intellivue_poll p;
    const mc_intellivue_poll_fns fns = {NULL, iv_wave, NULL};
    if (mc_intellivue_poll_parse(msg, n, &p, &fns, NULL) != MC_OK)
        exit(1);
    return MC_OK;
}

static const mc_device_file *devfile;

static mc_status text_line(void *ctx, const char *line, size_t n, int64_t line_no)
{
    (void)ctx;
    (void)line_no;
    mc_device_line l;
    frames += mc_device_file_decode_line(devfile, line, n, &l, NULL) == MC_OK &&
              l.skipped == MC_DEVICE_DECODED;
    return MC_OK;
}

static void pcm_frame(void *ctx, const double *v)
{
    (void)ctx;
    (void)v;
    frames++;
}

typedef enum { D_MASIMO, D_NONIN2, D_NONIN7, D_CONTEC, D_CONTEC46, D_GE, D_IV, D_TEXT, D_PCM } kind;

/* Decodes the whole buffer in PIECE-byte pushes; returns frames found. */
static uint64_t decode(kind k, const buf *in)
{
    static mc_masimo_splitter sp;
    static mc_nonin_decoder nd;
    static mc_contec_decoder cd;
    static mc_ge_s5_decoder gd;
    static mc_pcm_decoder pd;
    static mc_intellivue_decoder iv;
    static const mc_nonin_callbacks ncb = {nonin_frame, NULL};
    frames = 0;
    mc_masimo_splitter_reset(&sp);
    if (mc_nonin_decoder_reset(&nd, k == D_NONIN7 ? 7 : 2) != MC_OK ||
        mc_contec_decoder_reset(&cd, k == D_CONTEC46 ? MC_CONTEC_V46 : MC_CONTEC_LEGACY) != MC_OK ||
        mc_pcm_decoder_init(&pd, MC_PCM_S16LE, 2) != MC_OK)
        exit(1);
    mc_ge_s5_decoder_reset(&gd);
    mc_intellivue_decoder_reset(&iv);
    for (size_t off = 0; off < in->n; off += PIECE) {
        size_t n = in->n - off < PIECE ? in->n - off : PIECE;
        const uint8_t *p = in->b + off;
        mc_status st = MC_OK;
        switch (k) {
        case D_MASIMO:
            st = mc_masimo_splitter_push(&sp, p, n, masimo_line, NULL);
            break;
        case D_TEXT:
            st = mc_masimo_splitter_push(&sp, p, n, text_line, NULL);
            break;
        case D_NONIN2:
        case D_NONIN7:
            st = mc_nonin_decoder_push(&nd, p, n, &ncb, NULL);
            break;
        case D_CONTEC:
        case D_CONTEC46:
            st = mc_contec_decoder_push(&cd, p, n, contec_frame, NULL);
            break;
        case D_GE:
            st = mc_ge_s5_decoder_push(&gd, p, n, ge_record, NULL);
            break;
        case D_IV:
            st = mc_intellivue_decoder_push(&iv, p, n, iv_message, NULL);
            break;
        case D_PCM:
            mc_pcm_decoder_push(&pd, p, n, pcm_frame, NULL);
            break;
        }
        if (st != MC_OK)
            exit(1);
    }
    return frames;
}

/* The stream of each protocol: `mb` MB of frames from a 72 /min sine pleth; *expect frames. */
static void make(kind k, double mb, buf *out, uint64_t *expect)
{
    size_t target = (size_t)(mb * 1e6);
    *expect = 0;
    for (uint64_t i = 0; out->n < target; i++) {
        double ph = sin(2 * M_PI * 1.2 * (double)i / 75.0);
        if (k == D_MASIMO) {
            mc_masimo_line v;
            memset(&v, 0, sizeof v);
            v.unix_s = 1700000000 + (int64_t)i;
            strcpy(v.serial, "0000012345");
            v.present[MC_MASIMO_SPO2] = v.present[MC_MASIMO_BPM] = v.present[MC_MASIMO_PI] = 1;
            v.present[MC_MASIMO_PVI] = 1;
            v.value[MC_MASIMO_SPO2] = 97;
            v.value[MC_MASIMO_BPM] = 72;
            v.value[MC_MASIMO_PI] = (float)(2 + ph);
            v.value[MC_MASIMO_PVI] = 12;
            v.has_exc = v.has_alarm = 1;
            char line[600];
            size_t n;
            if (mc_masimo_line_format(&v, line, sizeof line, &n) != MC_OK)
                exit(1);
            put(out, line, n);
            ++*expect;
        } else if (k == D_NONIN2 || k == D_NONIN7) {
            float pleth[25];
            for (int j = 0; j < 25; j++)
                pleth[j] =
                    (float)((k == D_NONIN7 ? 30000 : 128) *
                            (1 + 0.5 * sin(2 * M_PI * 1.2 * (double)(i * 25 + (uint64_t)j) / 75)));
            uint8_t st = MC_NONIN_STATUS_GPRF, b[MC_NONIN_PACKET_BYTES];
            mc_nonin_numerics num = mc_nonin_numerics_default();
            num.hr = 72;
            num.spo2 = 97;
            size_t n;
            if (mc_nonin_packet_encode(k == D_NONIN7 ? 7 : 2, pleth, &st, 1, &num, b, sizeof b, &n,
                                       NULL) != MC_OK)
                exit(1);
            put(out, b, n);
            *expect += 25;
        } else if (k == D_CONTEC || k == D_CONTEC46) {
            mc_contec_frame f;
            memset(&f, 0, sizeof f);
            f.pleth = (float)(64 + 50 * ph);
            f.pleth2 = NAN;
            f.pr_bpm = 72;
            f.spo2_pct = 97;
            uint8_t b[MC_CONTEC_FRAME_MAX];
            mc_contec_mode m = k == D_CONTEC46 ? MC_CONTEC_V46 : MC_CONTEC_LEGACY;
            if (mc_contec_frame_encode(m, &f, b, NULL) != MC_OK)
                exit(1);
            put(out, b, m == MC_CONTEC_V46 ? MC_CONTEC_V46_BYTES : MC_CONTEC_LEGACY_BYTES);
            ++*expect;
        } else if (k == D_GE) {
            float w[25];
            for (int j = 0; j < 25; j++)
                w[j] =
                    (float)(50 + 40 * sin(2 * M_PI * 1.2 * (double)(i * 25 + (uint64_t)j) / 100));
            mc_ge_s5_wave_block blk = {8, w, 25};
            uint8_t rec[512], fr[1100];
            size_t n, len;
            if (mc_ge_s5_wave_record_encode((uint8_t)i, (uint32_t)(1700000000 + i / 4), &blk, 1,
                                            rec, sizeof rec, &n, NULL) != MC_OK ||
                mc_ge_s5_frame_encode(rec, n, fr, sizeof fr, &len, NULL) != MC_OK)
                exit(1);
            put(out, fr, len);
            *expect += 25;
        } else if (k == D_IV) {
            uint8_t be[64], msg[512], fr[1100];
            for (int j = 0; j < 32; j++) {
                uint16_t v = (uint16_t)(2048 + 1500 * sin(2 * M_PI * 1.2 *
                                                          (double)(i * 32 + (uint64_t)j) / 125));
                be[2 * j] = (uint8_t)(v >> 8);
                be[2 * j + 1] = (uint8_t)v;
            }
            const mc_intellivue_wave w = {.physio_id = MC_INTELLIVUE_PLETH,
                                          .data = be,
                                          .n_samples = 32,
                                          .has_scale = 1,
                                          .scale = {0.0, 100.0, 0, 4095}};
            mc_intellivue_poll poll;
            memset(&poll, 0, sizeof poll);
            poll.invoke_id = (uint16_t)i;
            poll.action_type = MC_INTELLIVUE_ACTION_POLL;
            poll.obj_code = MC_INTELLIVUE_OBJ_WAVE;
            size_t n, len;
            if (mc_intellivue_poll_result_encode(&poll, NULL, 0, 0, &w, 1, msg, sizeof msg, &n,
                                                 NULL) != MC_OK ||
                mc_intellivue_frame_encode(msg, n, fr, sizeof fr, &len, NULL) != MC_OK)
                exit(1);
            put(out, fr, len);
            *expect += 32;
        } else if (k == D_TEXT) {
            char line[400];
            int n = snprintf(line, sizeof line,
                             "Ch1=%03d Ch2=068 Ch3=--- Ch4=---|2026-11-26T05:30:00|rSO2=%03d,068,"
                             "---,---|HbI=11.5,12.0,--.-,--.-|ALM=OFF,OFF,OFF,OFF\r\n",
                             60 + (int)(i % 30), 60 + (int)(i % 30));
            put(out, line, (size_t)n);
            ++*expect;
        } else {
            double v[2] = {3000 * ph, -1000 * ph};
            uint8_t b[4];
            mc_pcm_encode_frame(MC_PCM_S16LE, 2, v, b);
            put(out, b, 4);
            ++*expect;
        }
    }
}

int main(int argc, char **argv)
{
    double mb = argc > 1 ? atof(argv[1]) : 8;
    if (!(mb > 0))
        mb = 8;
    mc_device_file *f = NULL;
    if (mc_device_file_open_builtin("sensmart", &f, NULL) != MC_OK)
        return 1;
    devfile = f;
    static const char *const names[] = {"masimo (ASCII 1 lines)",
                                        "nonin format 2",
                                        "nonin format 7",
                                        "contec legacy",
                                        "contec v4.6",
                                        "ge-s5 (PLETH records)",
                                        "intellivue (Pleth)",
                                        "sensmart (device file)",
                                        "pcm s16le x2"};
    printf("bench_decoders: %.0f MB per decoder in %d-byte pushes, one core (thread CPU time)\n",
           mb, PIECE);
    printf("%-24s %10s %12s %10s %14s\n", "decoder", "MB/s", "frames/s", "x memory",
           "x 10 kB/s dev");
    int rc = 0;
    for (int k = D_MASIMO; k <= D_PCM; k++) {
        buf in = {0};
        uint64_t expect;
        make((kind)k, mb, &in, &expect);
        /* Reference: one pass summing the bytes (what reading them costs at the least). */
        volatile uint64_t sum = 0;
        double t0 = now_s();
        for (size_t i = 0; i < in.n; i++)
            sum += in.b[i];
        double ref = now_s() - t0;
        if (sum == 1)
            printf(" "); /* the sum is used: the loop cannot be dropped */
        double best = (double)INFINITY;
        uint64_t got = 0;
        for (int rep = 0; rep < 3; rep++) {
            t0 = now_s();
            got = decode((kind)k, &in);
            double t = now_s() - t0;
            best = t < best ? t : best;
        }
        double mbs = (double)in.n / best / 1e6;
        printf("%-24s %10.1f %12.0f %9.1fx %13.0fx\n", names[k], mbs, (double)got / best,
               best / (ref > 0 ? ref : 1e-9), (double)in.n / best / 1e4);
        if (got < expect) {
            fprintf(stderr, "bench_decoders: %s found %llu of %llu frames\n", names[k],
                    (unsigned long long)got, (unsigned long long)expect);
            rc = 1;
        }
        free(in.b);
    }
    printf("(x memory: the decoder's time over a plain byte loop on the same bytes, same run;\n"
           " x 10 kB/s dev: how many real devices at 10 kB/s one core could decode)\n");
    mc_device_file_destroy(f);
    return rc;
}
