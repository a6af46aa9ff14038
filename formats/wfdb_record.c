/* SPDX-License-Identifier: MIT */
/* formats/wfdb_record.c: a WFDB record (one header, its signal files, and for a multi-segment
 * record the segment headers) into the in-memory import (formats/wfdb.h). */
#include "formats/wfdb.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Samples per frame of all signals of one file above this are refused (bounds the buffers). */
enum { MAX_SAMPLES_PER_FRAME = 1 << 20, CHUNK_SAMPLES = 1 << 16 };

/* What the importer keeps of each stream: the signal it came from (for matching the signals of
 * later segments) and its samples per frame (a stream's rate cannot change). */
typedef struct wfdb_stream {
    char description[MC_WFDB_TEXT_MAX + 1];
    int spf;
    int64_t pending;            /* samples of a gap not yet appended (adjacent gaps merge) */
    const char *pending_reason; /* static string */
    size_t index;               /* in the import */
} wfdb_stream;

typedef struct wfdb_ctx {
    mc_import *imp;
    mc_load_fn load;
    void *load_ctx;
    const mc_wfdb_header *master;
    wfdb_stream *streams; /* [n_streams] */
    int n_streams;
    int multi;         /* a multi-segment record: short or missing segments become gaps */
    size_t n_gap_rows; /* gap rows created, bounded by MC_WFDB_MAX_GAPS */
} wfdb_ctx;

/* The UCUM form of the units WFDB headers use, else the header's text. */
static const char *ucum_units(const char *u)
{
    static const char *const map[][2] = {{"mmHg", "mm[Hg]"}, {"degC", "Cel"}, {"bpm", "/min"},
                                         {"BPM", "/min"},    {"uV", "uV"},    {"mV", "mV"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(u, map[i][0]) == 0)
            return map[i][1];
    return u;
}

/* Days from 1970-01-01 to a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Add one stream for signal `s` of header `h`. */
static mc_status add_stream(wfdb_ctx *c, const mc_wfdb_header *h, int i, const char *truncated,
                            mc_diag *d)
{
    const mc_wfdb_signal *s = &h->signals[i];
    char fallback[32], name[MC_NAME_MAX + 1], fmt[16], spf[16], res[16], zero[32], seg[8];
    snprintf(fallback, sizeof fallback, "signal_%d", i);
    mc_import_stream_name(s->description, fallback, name);
    snprintf(fmt, sizeof fmt, "%d", s->format);
    snprintf(spf, sizeof spf, "%d", s->spf);
    snprintf(res, sizeof res, "%d", s->adc_res);
    snprintf(zero, sizeof zero, "%lld", (long long)s->adc_zero);
    snprintf(seg, sizeof seg, "%d", c->master->n_segments);
    mc_kv attrs[9];
    size_t n = 0;
    char base_time[32];
    if (c->master->has_time && !c->master->has_date) {
        /* A time of day without a date cannot give start_unix_ns; keep it for the reader. */
        const double t = c->master->base_time_s;
        snprintf(base_time, sizeof base_time, "%02d:%02d:%06.3f", (int)(t / 3600),
                 (int)(fmod(t, 3600) / 60), fmod(t, 60));
        attrs[n++] = (mc_kv){"wfdb_base_time", base_time};
    }
    attrs[n++] = (mc_kv){"wfdb_record", c->master->name};
    attrs[n++] = (mc_kv){"wfdb_signal", s->description};
    attrs[n++] = (mc_kv){"wfdb_format", fmt};
    attrs[n++] = (mc_kv){"wfdb_samples_per_frame", spf};
    attrs[n++] = (mc_kv){"wfdb_adc_resolution", res};
    attrs[n++] = (mc_kv){"wfdb_adc_zero", zero};
    if (c->multi)
        attrs[n++] = (mc_kv){"wfdb_segments", seg};
    if (truncated)
        attrs[n++] = (mc_kv){"wfdb_truncated", truncated};
    mc_channel_info ch = {name, ucum_units(s->units), s->gain, (double)s->baseline};
    mc_stream_info info = {
        .name = name,
        .modality = mc_import_guess_modality(s->description, s->units),
        .n_channels = 1,
        .channels = &ch,
        .rate_hz = h->fs_hz * s->spf,
        .device_model = "",
        .driver = "wfdb",
        .n_attrs = n,
        .attrs = attrs,
    };
    /* Skew: the signal's sample of frame t is stored at frame t + skew of its file. */
    const int64_t start_ns = -(int64_t)llround(s->skew * 1e9 / h->fs_hz);
    wfdb_stream *w = &c->streams[c->n_streams];
    memcpy(w->description, s->description, sizeof w->description);
    w->spf = s->spf;
    mc_status st = mc_import_add_stream(c->imp, &info, c->multi ? 0 : start_ns, &w->index, d);
    if (st == MC_OK)
        c->n_streams++;
    return st;
}

/* Append stream j's pending gap: NaN rows and one gap row. */
static mc_status flush_gap(wfdb_ctx *c, int j, mc_diag *d)
{
    wfdb_stream *w = &c->streams[j];
    if (w->pending == 0)
        return MC_OK;
    if (++c->n_gap_rows > MC_WFDB_MAX_GAPS)
        return mc_diag_set(d, MC_EFORMAT, -1, -1,
                           "%s: more than %d gaps (missing or empty segments)", c->master->name,
                           MC_WFDB_MAX_GAPS);
    const int64_t n = w->pending;
    w->pending = 0;
    return mc_import_append_gap(c->imp, w->index, n, w->pending_reason, d);
}

/* A gap of `frames` frames in the streams of `map` (or every stream when map is NULL). Gaps are
 * held back so that adjacent ones with the same reason become one row (a master header listing
 * thousands of missing segments makes one gap, not thousands); data appended to a stream, or the
 * end of the import, flushes them. */
static mc_status gap_frames(wfdb_ctx *c, const int *map, int n_map, int64_t frames,
                            const char *reason, mc_diag *d)
{
    for (int k = 0; k < (map ? n_map : c->n_streams); k++) {
        const int j = map ? map[k] : k;
        if (j < 0)
            continue;
        wfdb_stream *w = &c->streams[j];
        if (w->pending && strcmp(w->pending_reason, reason) != 0) {
            mc_status st = flush_gap(c, j, d);
            if (st != MC_OK)
                return st;
        }
        if (frames > (INT64_MAX / 4 - w->pending) / w->spf)
            return mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: a gap of more than 2^61 samples",
                               c->master->name);
        w->pending += frames * w->spf;
        w->pending_reason = reason;
    }
    return MC_OK;
}

/* The signals of one signal file of a segment: their indices in the header, decoded data. */
typedef struct file_group {
    int n;           /* signals of the header that use this file */
    int *idx;        /* [n] their indices in header order (a part of one shared array) */
    int64_t spf_sum; /* samples per frame of all of them */
    uint8_t *buf;    /* file bytes (loader-owned, freed here) */
    size_t len;      /* bytes */
    int32_t *flac;   /* decoded FLAC samples, [frames * spf * n] */
    int64_t frames;  /* frames the file holds */
    int missing;     /* the file could not be loaded (multi-segment only) */
} file_group;

/* How one signal's ADC values become physical values: (v - baseline) / gain as float32, computed
 * in double, and NaN for the format's invalid value. Where it gives the same float for every
 * value the format can hold, the division is a multiplication by 1 / gain. */
typedef struct scaler {
    double baseline, gain, inv; /* inv: 1 / gain when use_inv */
    int use_inv;
    int has_invalid;
    int32_t invalid;
} scaler;

/* The range of ADC values of a format, when it is small enough to check every value. */
static int format_range(int format, int32_t *lo, int32_t *hi)
{
    switch (format) {
    case 16:
    case 61:
    case 160:
    case 516:
        *lo = -32768;
        *hi = 32767;
        return 1;
    case 80:
    case 508:
        *lo = -128;
        *hi = 127;
        return 1;
    case 212:
        *lo = -2048;
        *hi = 2047;
        return 1;
    case 310:
    case 311:
        *lo = -512;
        *hi = 511;
        return 1;
    default: /* 8 (summed differences), 24, 32, 524: too many values to check */
        return 0;
    }
}

static uint32_t float_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* The scaler of signal s; `samples` is how many it will convert: the multiplication is checked
 * (against the division, bit for bit, over the format's whole range) only when that is cheaper
 * than dividing each sample. */
static scaler make_scaler(const mc_wfdb_signal *s, int format, int64_t samples)
{
    scaler sc = {(double)s->baseline, s->gain, 1.0 / s->gain, 0, 0, 0};
    sc.has_invalid = mc_wfdb_invalid_value(format, &sc.invalid);
    int32_t lo, hi;
    if (!format_range(format, &lo, &hi) || samples <= (int64_t)hi - lo)
        return sc;
    for (int32_t v = lo; v <= hi; v++) {
        const double x = (double)v - sc.baseline;
        if (float_bits((float)(x * sc.inv)) != float_bits((float)(x / sc.gain)))
            return sc;
    }
    sc.use_inv = 1;
    return sc;
}

/* One signal of a format-16 file: m frames of spf samples from p (frame stride `stride` bytes)
 * into out, adding to the checksum. Inlined with use_inv constant. */
static inline uint16_t convert16(const uint8_t *p, size_t stride, size_t m, size_t spf,
                                 const scaler *sc, int use_inv, float *out, uint16_t sum)
{
    const double base = sc->baseline, gain = sc->gain, inv = sc->inv;
    for (size_t f = 0; f < m; f++, p += stride) {
        for (size_t j = 0; j < spf; j++) {
            const int32_t v = (int16_t)(uint16_t)(p[2 * j] | (unsigned)p[2 * j + 1] << 8);
            sum = (uint16_t)(sum + (uint16_t)v);
            const double x = (double)v - base;
            const float y = (float)(use_inv ? x * inv : x / gain);
            out[f * spf + j] = v == -32768 ? NAN : y;
        }
    }
    return sum;
}

/* One signal of decoded ADC values: m frames of spf samples from raw (frame stride S values) into
 * out; format 8's differences are summed in *acc. Inlined with use_inv and diff constant. */
static inline uint16_t convert_raw(const int32_t *raw, size_t S, size_t m, size_t spf,
                                   const scaler *sc, int use_inv, int diff, int64_t *acc,
                                   float *out, uint16_t sum)
{
    const double base = sc->baseline, gain = sc->gain, inv = sc->inv;
    const int has_invalid = sc->has_invalid;
    const int32_t invalid = sc->invalid;
    int64_t a = *acc;
    for (size_t f = 0; f < m; f++, raw += S) {
        for (size_t j = 0; j < spf; j++) {
            int64_t v = raw[j];
            if (diff) {
                a += v;
                v = a;
            }
            sum = (uint16_t)(sum + (uint16_t)(v & 0xFFFF));
            const double x = (double)v - base;
            const float y = (float)(use_inv ? x * inv : x / gain);
            out[f * spf + j] = has_invalid && v == invalid ? NAN : y;
        }
    }
    *acc = a;
    return sum;
}

/* Decode `frames` frames of group g into the streams of map and check the checksums when the
 * whole signal was read (`complete`). Each chunk of frames is decoded signal by signal straight
 * into the stream (mc_import_extend); format 16 from the file's bytes, the others through
 * mc_wfdb_decode's ADC values. */
static mc_status decode_group(wfdb_ctx *c, const char *hname, const mc_wfdb_header *h,
                              const file_group *g, const int *map, int64_t frames, int complete,
                              mc_diag *d)
{
    const mc_wfdb_signal *s0 = &h->signals[g->idx[0]];
    const int format = s0->format, flac = format >= 500, direct = format == 16;
    const size_t S = (size_t)g->spf_sum;
    const size_t off = s0->byte_offset < (int64_t)g->len ? (size_t)s0->byte_offset : g->len;
    size_t chunk = CHUNK_SAMPLES / S;
    if (chunk == 0)
        chunk = 1;
    int32_t *raw = direct ? NULL : malloc(chunk * S * sizeof *raw);
    float *scratch = malloc(chunk * S * sizeof *scratch); /* signals that feed no stream */
    int64_t *acc = calloc((size_t)g->n, sizeof *acc);
    uint16_t *sum = calloc((size_t)g->n, sizeof *sum);
    scaler *sc = malloc((size_t)g->n * sizeof *sc);
    mc_status st = MC_OK;
    if ((!direct && !raw) || !scratch || !acc || !sum || !sc) {
        st = mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory", s0->file);
        goto done;
    }
    for (int k = 0; k < g->n; k++) {
        const mc_wfdb_signal *s = &h->signals[g->idx[k]];
        acc[k] = s->init_value;
        sc[k] = make_scaler(s, format, frames * s->spf);
    }
    if (direct && (uint64_t)mc_wfdb_samples_in(format, g->len - off) < (uint64_t)frames * S) {
        st = mc_diag_set(d, MC_EFORMAT, (int64_t)off, -1, "%s: decoding past the data", s0->file);
        goto done;
    }
    for (int64_t f0 = 0; f0 < frames && st == MC_OK; f0 += (int64_t)chunk) {
        const size_t m = (size_t)(frames - f0 < (int64_t)chunk ? frames - f0 : (int64_t)chunk);
        if (flac) {
            /* FLAC: one channel per signal, every signal with the same samples per frame. */
            const size_t spf = (size_t)s0->spf;
            for (size_t i = 0; i < m * spf; i++)
                for (int k = 0; k < g->n; k++)
                    raw[(i / spf) * S + (size_t)k * spf + i % spf] =
                        g->flac[((size_t)f0 * spf + i) * (size_t)g->n + (size_t)k];
        } else if (!direct && mc_wfdb_decode(format, g->buf + off, g->len - off, f0 * (int64_t)S,
                                             m * S, raw) != m * S) {
            st = mc_diag_set(d, MC_EFORMAT, (int64_t)off, -1, "%s: decoding past the data",
                             s0->file);
            break;
        }
        size_t pos = 0; /* offset of signal k within a frame */
        for (int k = 0; k < g->n; k++) {
            const mc_wfdb_signal *s = &h->signals[g->idx[k]];
            const size_t spf = (size_t)s->spf;
            const int j = map[g->idx[k]];
            float *out = scratch;
            if (j >= 0) {
                st = flush_gap(c, j, d);
                if (st == MC_OK)
                    st = mc_import_extend(c->imp, c->streams[j].index, m * spf,
                                          (size_t)(frames - f0) * spf, &out, d);
                if (st != MC_OK)
                    break;
            }
            if (direct) {
                const uint8_t *p = g->buf + off + 2 * ((size_t)f0 * S + pos);
                /* Constant arguments specialise the inlined loop (one sample per frame is the
                 * common case). */
                if (spf == 1)
                    sum[k] = sc[k].use_inv ? convert16(p, 2 * S, m, 1, &sc[k], 1, out, sum[k])
                                           : convert16(p, 2 * S, m, 1, &sc[k], 0, out, sum[k]);
                else
                    sum[k] = sc[k].use_inv ? convert16(p, 2 * S, m, spf, &sc[k], 1, out, sum[k])
                                           : convert16(p, 2 * S, m, spf, &sc[k], 0, out, sum[k]);
            } else if (format == 8) {
                sum[k] = convert_raw(raw + pos, S, m, spf, &sc[k], 0, 1, &acc[k], out, sum[k]);
            } else {
                sum[k] =
                    sc[k].use_inv
                        ? convert_raw(raw + pos, S, m, spf, &sc[k], 1, 0, &acc[k], out, sum[k])
                        : convert_raw(raw + pos, S, m, spf, &sc[k], 0, 0, &acc[k], out, sum[k]);
            }
            pos += spf;
        }
    }
    if (st == MC_OK && complete) {
        for (int k = 0; k < g->n; k++) {
            const mc_wfdb_signal *s = &h->signals[g->idx[k]];
            if (s->has_checksum && (int16_t)sum[k] != s->checksum) {
                st = mc_diag_set(d, MC_EFORMAT, -1, s->line,
                                 "%s: line %lld: signal %d (%s) of %s: checksum %d in the header, "
                                 "%d computed from the samples (a damaged file?)",
                                 hname, (long long)s->line, g->idx[k], s->description, s->file,
                                 s->checksum, (int16_t)sum[k]);
                break;
            }
        }
    }
done:
    free(raw);
    free(scratch);
    free(acc);
    free(sum);
    free(sc);
    return st;
}

/* Load and measure the signal file of group g. */
static mc_status load_group(wfdb_ctx *c, const char *hname, const mc_wfdb_header *h, file_group *g,
                            int64_t want_frames, mc_diag *d)
{
    const mc_wfdb_signal *s0 = &h->signals[g->idx[0]];
    g->spf_sum = 0;
    for (int k = 0; k < g->n; k++) {
        const mc_wfdb_signal *s = &h->signals[g->idx[k]];
        if (s->format != s0->format || (s0->format >= 500 && s->spf != s0->spf))
            return mc_diag_set(d, MC_EFORMAT, -1, s->line,
                               "%s: line %lld: every signal of %s must have the same format%s",
                               hname, (long long)s->line, s->file,
                               s0->format >= 500 ? " and samples per frame (FLAC)" : "");
        g->spf_sum += s->spf;
    }
    if (g->spf_sum > MAX_SAMPLES_PER_FRAME)
        return mc_diag_set(d, MC_EFORMAT, -1, s0->line,
                           "%s: line %lld: %lld samples per frame in %s is more than %d", hname,
                           (long long)s0->line, (long long)g->spf_sum, s0->file,
                           MAX_SAMPLES_PER_FRAME);
    if (strcmp(s0->file, "~") == 0 || s0->format == 0) {
        g->frames = 0;
        return MC_OK;
    }
    mc_diag ld;
    mc_diag_clear(&ld);
    mc_status st = c->load(c->load_ctx, s0->file, &g->buf, &g->len, &ld);
    if (st != MC_OK) {
        g->buf = NULL;
        g->len = 0;
        if (c->multi && (st == MC_ENOTFOUND || st == MC_EIO)) {
            g->missing = 1;
            return MC_OK;
        }
        /* A loader refusal (a name that climbs out of the record's folder) is the header's
         * fault. */
        return mc_diag_set(d, st == MC_EINVAL ? MC_EFORMAT : st, -1, s0->line,
                           "%s: line %lld: cannot read the signal file: %s", hname,
                           (long long)s0->line, ld.message);
    }
    const size_t off = s0->byte_offset < (int64_t)g->len ? (size_t)s0->byte_offset : g->len;
    if (s0->format >= 500) {
        /* Bound the decoded samples by the import's memory left (FLAC compresses a constant
         * signal a thousandfold). */
        const size_t limit = c->imp->limit_bytes ? c->imp->limit_bytes : MC_IMPORT_LIMIT_DEFAULT;
        const size_t left = limit > c->imp->used_bytes ? limit - c->imp->used_bytes : 0;
        int64_t max = (int64_t)(left / (sizeof(int32_t) * (size_t)g->spf_sum)) * s0->spf;
        if (want_frames >= 0 && want_frames <= INT64_MAX / s0->spf && want_frames * s0->spf < max)
            max = want_frames * s0->spf;
        int64_t got = 0;
        mc_diag fd;
        mc_diag_clear(&fd);
        st = mc_wfdb_decode_flac(s0->format, g->buf + off, g->len - off, g->n, max, &g->flac, &got,
                                 &fd);
        if (st != MC_OK)
            return mc_diag_set(d, st, fd.offset >= 0 ? fd.offset + (int64_t)off : -1, -1, "%s: %s",
                               s0->file, fd.message);
        g->frames = got / s0->spf;
    } else {
        g->frames = mc_wfdb_samples_in(s0->format, g->len - off) / g->spf_sum;
    }
    return MC_OK;
}

static void free_groups(file_group *g, int n)
{
    for (int i = 0; i < n && g; i++) {
        free(g[i].buf);
        free(g[i].flac);
    }
    free(g);
}

/* Read one segment (or the whole single-segment record) described by header h: `map` gives the
 * stream of each signal (-1: none); `frames` is the length the record gives it (-1: as long as the
 * files). In a single-segment record the streams are created here. */
static mc_status read_segment(wfdb_ctx *c, const char *hname, const mc_wfdb_header *h, int *map,
                              int64_t frames, mc_diag *d)
{
    /* Group the signals by file, in the order of their first appearance. */
    file_group *g = calloc((size_t)(h->n_signals ? h->n_signals : 1), sizeof *g);
    int n_groups = 0;
    int *own_map = NULL;
    mc_status st = MC_OK;
    if (!g)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory", hname);
    const size_t n_sig = (size_t)(h->n_signals ? h->n_signals : 1);
    int *group_of = calloc(n_sig, sizeof *group_of), *first_of = calloc(n_sig, sizeof *first_of);
    int *order = calloc(n_sig, sizeof *order);
    if (!group_of || !first_of || !order) {
        free(g);
        free(group_of);
        free(first_of);
        free(order);
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory", hname);
    }
    /* Signals are at most MC_WFDB_MAX_SIGNALS, so the quadratic search stays cheap. */
    for (int i = 0; i < h->n_signals; i++) {
        int k = 0;
        while (k < n_groups && strcmp(h->signals[first_of[k]].file, h->signals[i].file) != 0)
            k++;
        if (k == n_groups)
            first_of[n_groups++] = i;
        g[k].n++;
        group_of[i] = k;
    }
    for (int k = 0, at = 0; k < n_groups; k++) {
        g[k].idx = order + at;
        at += g[k].n;
        g[k].n = 0;
    }
    for (int i = 0; i < h->n_signals; i++) {
        file_group *fg = &g[group_of[i]];
        fg->idx[fg->n++] = i;
    }
    int64_t shortest = -1;
    for (int k = 0; k < n_groups; k++) {
        st = load_group(c, hname, h, &g[k], frames, d);
        if (st != MC_OK)
            goto done;
        const int nofile = g[k].missing || strcmp(h->signals[g[k].idx[0]].file, "~") == 0 ||
                           h->signals[g[k].idx[0]].format == 0;
        if (!nofile && (shortest < 0 || g[k].frames < shortest))
            shortest = g[k].frames;
    }
    /* The record's length: the header's, else what the files hold. */
    int64_t target = frames;
    if (target < 0)
        target = shortest < 0 ? 0 : shortest;
    if (!map) {
        /* Single segment: the streams, with a note on files shorter than the header says. */
        own_map = calloc((size_t)(h->n_signals ? h->n_signals : 1), sizeof *own_map);
        if (!own_map) {
            st = mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory", hname);
            goto done;
        }
        map = own_map;
        for (int i = 0; i < h->n_signals; i++) {
            const file_group *fg = &g[group_of[i]];
            char note[MC_VALUE_MAX + 1];
            const int nofile = strcmp(h->signals[i].file, "~") == 0 || h->signals[i].format == 0;
            const int short_file = !nofile && fg->frames < target;
            if (short_file)
                snprintf(note, sizeof note, "%s holds %lld of the %lld frames the header declares",
                         h->signals[i].file, (long long)fg->frames, (long long)target);
            st = add_stream(c, h, i, short_file ? note : NULL, d);
            if (st != MC_OK)
                goto done;
            map[i] = i;
        }
    }
    for (int k = 0; k < n_groups; k++) {
        file_group *fg = &g[k];
        const mc_wfdb_signal *s0 = &h->signals[fg->idx[0]];
        const int nofile = strcmp(s0->file, "~") == 0 || s0->format == 0;
        const int64_t n = fg->frames < target ? fg->frames : target;
        if (!nofile && !fg->missing) {
            /* Checksums cover the whole signal: only a complete read can be checked. */
            const int complete = h->n_frames > 0 ? n == h->n_frames : n == fg->frames;
            st = decode_group(c, hname, h, fg, map, n, complete, d);
            if (st != MC_OK)
                goto done;
        }
        /* What the files lack: a gap in a multi-segment record (later segments keep their
         * time) or for a signal without a file; a single-segment file just ends early. */
        const int64_t lack = target - (nofile || fg->missing ? 0 : n);
        if (lack > 0 && (c->multi || nofile)) {
            int *sub = malloc((size_t)fg->n * sizeof *sub);
            if (!sub) {
                st = mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory", hname);
                goto done;
            }
            for (int i = 0; i < fg->n; i++)
                sub[i] = map[fg->idx[i]];
            st = gap_frames(c, sub, fg->n, lack,
                            fg->missing ? "missing segment"
                            : nofile    ? "wfdb no signal file"
                                        : "wfdb truncated",
                            d);
            free(sub);
            if (st != MC_OK)
                goto done;
        }
    }
done:
    free(own_map);
    free(group_of);
    free(first_of);
    free(order);
    free_groups(g, n_groups);
    return st;
}

/* Load and parse the header of a segment. */
static mc_status load_header(wfdb_ctx *c, const char *seg, mc_wfdb_header *h, int *missing,
                             mc_diag *d)
{
    char name[MC_WFDB_TEXT_MAX + 8];
    snprintf(name, sizeof name, "%s.hea", seg);
    uint8_t *buf = NULL;
    size_t len = 0;
    mc_diag ld;
    mc_diag_clear(&ld);
    memset(h, 0, sizeof *h);
    *missing = 0;
    mc_status st = c->load(c->load_ctx, name, &buf, &len, &ld);
    if (st == MC_ENOTFOUND || st == MC_EIO) {
        *missing = 1;
        return MC_OK;
    }
    if (st != MC_OK)
        return mc_diag_set(d, st, -1, -1, "%s: %s", name, ld.message);
    st = mc_wfdb_header_parse(name, buf, len, h, d);
    free(buf);
    if (st == MC_OK && h->n_segments)
        st = mc_diag_set(d, MC_EFORMAT, -1, 1, "%s: line 1: a segment cannot have segments", name);
    if (st == MC_OK && fabs(h->fs_hz - c->master->fs_hz) > 1e-9 * c->master->fs_hz)
        st = mc_diag_set(d, MC_EFORMAT, -1, 1,
                         "%s: line 1: frame rate %g Hz differs from the record's %g Hz", name,
                         h->fs_hz, c->master->fs_hz);
    return st;
}

/* Which stream each signal of a segment feeds: the first unused stream with the same
 * description, else the stream of the same position when its description is the same. */
static mc_status map_segment(wfdb_ctx *c, const mc_wfdb_header *h, int *map, mc_diag *d)
{
    char *used = calloc((size_t)(c->n_streams ? c->n_streams : 1), 1);
    if (!used)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory");
    for (int i = 0; i < h->n_signals; i++) {
        map[i] = -1;
        for (int j = 0; j < c->n_streams; j++) {
            if (!used[j] && strcmp(c->streams[j].description, h->signals[i].description) == 0) {
                map[i] = j;
                used[j] = 1;
                break;
            }
        }
        if (map[i] >= 0 && c->streams[map[i]].spf != h->signals[i].spf) {
            free(used);
            return mc_diag_set(d, MC_EFORMAT, -1, h->signals[i].line,
                               "%s: line %lld: signal %s has %d samples per frame, %d in the "
                               "record's first segment (a rate change cannot be imported)",
                               h->name, (long long)h->signals[i].line, h->signals[i].description,
                               h->signals[i].spf, c->streams[map[i]].spf);
        }
    }
    /* Streams without a signal in this segment get a gap of the segment's length (caller). */
    for (int j = 0; j < c->n_streams; j++)
        used[j] = 0;
    free(used);
    return MC_OK;
}

static mc_status read_multi(wfdb_ctx *c, const char *hname, mc_diag *d)
{
    const mc_wfdb_header *m = c->master;
    mc_status st = MC_OK;
    mc_wfdb_header h;
    memset(&h, 0, sizeof h);
    int missing = 0, first = 0;
    /* The signal list: a layout segment (length 0, first) or the first segment present. */
    for (int k = 0; k < m->n_segments && st == MC_OK; k++) {
        if (strcmp(m->segments[k].name, "~") == 0 || (k > 0 && m->segments[k].n_frames == 0))
            continue;
        st = load_header(c, m->segments[k].name, &h, &missing, d);
        if (st == MC_OK && !missing) {
            first = k;
            break;
        }
        mc_wfdb_header_free(&h);
        if (k == 0 && m->segments[0].n_frames == 0 && st == MC_OK)
            st = mc_diag_set(d, MC_ENOTFOUND, -1, m->segments[0].line,
                             "%s: line %lld: the layout header %s.hea is missing", hname,
                             (long long)m->segments[0].line, m->segments[0].name);
    }
    if (st != MC_OK)
        return st;
    if (!h.signals && m->n_signals > 0)
        return mc_diag_set(d, MC_ENOTFOUND, -1, -1,
                           "%s: none of the %d segment headers could be read", hname,
                           m->n_segments);
    c->streams = calloc((size_t)(h.n_signals ? h.n_signals : 1), sizeof *c->streams);
    if (!c->streams) {
        mc_wfdb_header_free(&h);
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory", hname);
    }
    for (int i = 0; i < h.n_signals && st == MC_OK; i++)
        st = add_stream(c, &h, i, NULL, d);
    mc_wfdb_header_free(&h);
    (void)first;
    for (int k = 0; k < m->n_segments && st == MC_OK; k++) {
        const mc_wfdb_segment *seg = &m->segments[k];
        if (seg->n_frames == 0)
            continue;
        if (strcmp(seg->name, "~") == 0) {
            st = gap_frames(c, NULL, 0, seg->n_frames, "wfdb gap", d);
            continue;
        }
        st = load_header(c, seg->name, &h, &missing, d);
        if (st == MC_OK && missing)
            st = gap_frames(c, NULL, 0, seg->n_frames, "missing segment", d);
        if (st == MC_OK && !missing) {
            int *map = calloc((size_t)(h.n_signals ? h.n_signals : 1), sizeof *map);
            char *fed = calloc((size_t)(c->n_streams ? c->n_streams : 1), 1);
            if (!map || !fed)
                st = mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory", hname);
            if (st == MC_OK)
                st = map_segment(c, &h, map, d);
            if (st == MC_OK) {
                char segname[MC_WFDB_TEXT_MAX + 8];
                snprintf(segname, sizeof segname, "%s.hea", seg->name);
                st = read_segment(c, segname, &h, map, seg->n_frames, d);
            }
            for (int i = 0; st == MC_OK && i < h.n_signals; i++)
                if (map[i] >= 0)
                    fed[map[i]] = 1;
            for (int j = 0; st == MC_OK && j < c->n_streams; j++)
                if (!fed[j]) {
                    const int one = j;
                    st = gap_frames(c, &one, 1, seg->n_frames, "wfdb signal absent", d);
                }
            free(map);
            free(fed);
        }
        mc_wfdb_header_free(&h);
    }
    return st;
}

mc_status mc_wfdb_read(const char *hea_name, const uint8_t *hea, size_t len, mc_load_fn load,
                       void *ctx, mc_import *out, mc_diag *d)
{
    const char *base = strrchr(hea_name, '/');
    base = base ? base + 1 : hea_name;
    mc_wfdb_header h;
    mc_status st = mc_wfdb_header_parse(base, hea, len, &h, d);
    if (st != MC_OK) {
        mc_wfdb_header_free(&h);
        return st;
    }
    snprintf(out->format, sizeof out->format, "wfdb");
    snprintf(out->source, sizeof out->source, "%s", base);
    /* int64 nanoseconds reach from 1678 to 2261; a date outside leaves the start unknown. */
    if (h.has_time && h.has_date && h.year > 1678 && h.year < 2261)
        out->start_unix_ns = (days_from_civil(h.year, h.month, h.day) * 86400) * 1000000000LL +
                             llround(h.base_time_s * 1e9);
    wfdb_ctx c = {
        .imp = out, .load = load, .load_ctx = ctx, .master = &h, .multi = h.n_segments > 0};
    if (c.multi) {
        st = read_multi(&c, base, d);
    } else {
        c.streams = calloc((size_t)(h.n_signals ? h.n_signals : 1), sizeof *c.streams);
        if (!c.streams)
            st = mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory", base);
        else
            st = read_segment(&c, base, &h, NULL, h.n_frames > 0 ? h.n_frames : -1, d);
    }
    for (int j = 0; j < c.n_streams && st == MC_OK; j++)
        st = flush_gap(&c, j, d);
    free(c.streams);
    mc_wfdb_header_free(&h);
    return st;
}

mc_status mc_wfdb_import(const char *path, mc_import *out, mc_diag *d)
{
    uint8_t *buf;
    size_t len;
    mc_status st = mc_read_whole_file(path, 1 << 20, &buf, &len, d);
    if (st != MC_OK)
        return st;
    char dir[4096];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path + (slash == path)) : 0, path);
    st = mc_wfdb_read(path, buf, len, mc_load_file, dir, out, d);
    free(buf);
    return st;
}
