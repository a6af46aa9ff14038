/* SPDX-License-Identifier: MIT */
/* formats/ge_s5.c: GE / Datex-Ohmeda S/5 Computer Interface (formats/ge_s5.h): the frame decoder,
 * record, waveform and physiological parsers, and the capture importer. */
#include "formats/ge_s5.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    FLAG = 0x7E,
    ESC = 0x7D,
    ST_OUTSIDE = 0,
    ST_INSIDE,
    ST_ESCAPED,
    ST_DISCARD,
    MIN_FRAME = MC_GE_S5_HEADER_BYTES + 1, /* header + checksum */
    PHYS_BYTES = 278,                      /* time 4 + groups 270 + marker, reserved, cl 4 */
    MARKER_LIMIT = -32001,                 /* values at or below are markers, not data */
    MAINTYPE_PHYS = 0,
    MAINTYPE_WAVE = 1,
    SUB_DISPLAYED = 1,
    SUB_END = 0xFF,
};

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- frames ---------------------------------------------------------------------------------- */

void mc_ge_s5_decoder_reset(mc_ge_s5_decoder *dec)
{
    dec->len = 0;
    dec->state = ST_OUTSIDE;
    memset(&dec->stats, 0, sizeof dec->stats);
}

/* A flag closed a frame of dec->len bytes: check it and hand it on. */
static mc_status end_frame(mc_ge_s5_decoder *dec, mc_ge_s5_frame_fn fn, void *ctx)
{
    const size_t n = dec->len;
    dec->len = 0;
    if (n < MIN_FRAME) {
        dec->stats.short_frames++;
        return MC_OK;
    }
    unsigned sum = 0;
    for (size_t i = 0; i + 1 < n; i++)
        sum += dec->frame[i];
    if ((sum & 0xFF) != dec->frame[n - 1]) {
        dec->stats.bad_checksum++;
        return MC_OK;
    }
    dec->stats.frames_good++;
    return fn ? fn(ctx, dec->frame, n - 1) : MC_OK;
}

mc_status mc_ge_s5_decoder_push(mc_ge_s5_decoder *dec, const uint8_t *bytes, size_t n,
                                mc_ge_s5_frame_fn fn, void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        const uint8_t c = bytes[i];
        switch (dec->state) {
        case ST_OUTSIDE:
            if (c == FLAG) {
                dec->state = ST_INSIDE;
                dec->len = 0;
            } else {
                dec->stats.garbage_bytes++;
            }
            break;
        case ST_INSIDE:
            if (c == FLAG) {
                /* A flag both closes a frame and opens the next (frames may share a flag, as in
                 * HDLC; "7E 7E" between frames is an empty frame, ignored). Bytes between two
                 * frames are therefore a (short or bad) frame, not garbage, and a lost flag costs
                 * the two frames it separated, never the alignment. */
                if (dec->len == 0)
                    break;
                mc_status st = end_frame(dec, fn, ctx);
                if (st != MC_OK)
                    return st;
            } else if (c == ESC) {
                dec->state = ST_ESCAPED;
            } else if (dec->len == MC_GE_S5_FRAME_MAX) {
                dec->stats.oversize++;
                dec->state = ST_DISCARD;
            } else {
                dec->frame[dec->len++] = c;
            }
            break;
        case ST_ESCAPED:
            if (c == FLAG) {
                /* 0x7D 0x7E cannot occur in a frame: the frame is cut; the flag opens the next. */
                dec->stats.aborted++;
                dec->len = 0;
                dec->state = ST_INSIDE;
            } else if (dec->len == MC_GE_S5_FRAME_MAX) {
                dec->stats.oversize++;
                dec->state = ST_DISCARD;
            } else {
                dec->frame[dec->len++] = c ^ 0x20;
                dec->state = ST_INSIDE;
            }
            break;
        default: /* ST_DISCARD: the rest of an oversize frame */
            if (c == FLAG) {
                dec->len = 0;
                dec->state = ST_INSIDE;
            }
            break;
        }
    }
    return MC_OK;
}

/* ---- records --------------------------------------------------------------------------------- */

mc_status mc_ge_s5_record_parse(const uint8_t *rec, size_t n, mc_ge_s5_record *out, mc_diag *d)
{
    memset(out, 0, sizeof *out);
    if (n < MC_GE_S5_HEADER_BYTES)
        return mc_diag_set(d, MC_EFORMAT, 0, -1,
                           "byte 0: record of %zu bytes, shorter than its 40-byte header", n);
    out->r_len = rd16(rec);
    out->r_nbr = rec[2];
    out->dri_level = rec[3];
    out->plug_id = rd16(rec + 4);
    out->r_time = rd32(rec + 6);
    out->maintype = rd16(rec + 14);
    if (out->r_len != n)
        return mc_diag_set(d, MC_EFORMAT, 0, -1, "byte 0: r_len %u, the record holds %zu bytes",
                           (unsigned)out->r_len, n);
    const size_t body = n - MC_GE_S5_HEADER_BYTES;
    size_t k = 0;
    for (; k < MC_GE_S5_MAX_SUBRECORDS; k++) {
        const uint8_t *e = rec + 16 + 3 * k;
        const uint8_t type = e[2];
        if (type == SUB_END)
            break;
        const size_t off = rd16(e);
        if (off > body || (k > 0 && rec + MC_GE_S5_HEADER_BYTES + off < out->sub[k - 1]))
            return mc_diag_set(d, MC_EFORMAT, 16 + 3 * (int64_t)k, -1,
                               "byte %zu: subrecord %zu at offset %zu, outside the %zu-byte body "
                               "or before the previous one",
                               (size_t)(16 + 3 * k), k, off, body);
        out->sub_type[k] = type;
        out->sub[k] = rec + MC_GE_S5_HEADER_BYTES + off;
    }
    out->n_sub = k;
    for (size_t i = 0; i < k; i++) {
        const uint8_t *next = i + 1 < k ? out->sub[i + 1] : rec + n;
        out->sub_len[i] = (size_t)(next - out->sub[i]);
    }
    return MC_OK;
}

/* Waveform types (FORMATS.md section 8; scales and units from python-pycollect's tables). */
static const mc_ge_s5_wave_type wave_types[] = {
    {1, "ECG1", 300, "mV", 0.001},      {2, "ECG2", 300, "mV", 0.001},
    {3, "ECG3", 300, "mV", 0.001},      {4, "INVP1", 100, "mm[Hg]", 0.01},
    {5, "INVP2", 100, "mm[Hg]", 0.01},  {6, "INVP3", 100, "mm[Hg]", 0.01},
    {7, "INVP4", 100, "mm[Hg]", 0.01},  {8, "PLETH", 100, "%", 0.01},
    {9, "CO2", 25, "%", 0.01},          {10, "O2", 25, "%", 0.01},
    {11, "N2O", 25, "%", 0.01},         {12, "AA", 25, "%", 0.01},
    {13, "AWP", 25, "cm[H2O]", 0.1},    {14, "FLOW", 25, "L/min", 0.1},
    {15, "RESP", 25, "Ohm", 0.01},      {16, "INVP5", 100, "mm[Hg]", 0.01},
    {17, "INVP6", 100, "mm[Hg]", 0.01}, {18, "EEG1", 100, "uV", 0.1},
    {19, "EEG2", 100, "uV", 0.1},       {20, "EEG3", 100, "uV", 0.1},
    {21, "EEG4", 100, "uV", 0.1},       {32, "ENT_100", 100, "uV", 0.1},
};

const mc_ge_s5_wave_type *mc_ge_s5_wave_type_find(uint8_t sr_type)
{
    for (size_t i = 0; i < sizeof wave_types / sizeof wave_types[0]; i++)
        if (wave_types[i].sr_type == sr_type)
            return &wave_types[i];
    return NULL;
}

static float physical(int16_t raw, double scale)
{
    return raw <= MARKER_LIMIT ? NAN : (float)(raw * scale);
}

mc_status mc_ge_s5_wave_decode(const uint8_t *sub, size_t n, const mc_ge_s5_wave_type *type,
                               float *out, size_t cap, size_t *n_out, mc_diag *d)
{
    *n_out = 0;
    if (n < 6)
        return mc_diag_set(d, MC_EFORMAT, 0, -1, "waveform subrecord of %zu bytes (< 6)", n);
    const int16_t act_len = (int16_t)rd16(sub);
    if (act_len < 0 || (size_t)act_len > (n - 6) / 2 || (size_t)act_len > cap)
        return mc_diag_set(d, MC_EFORMAT, 0, -1,
                           "waveform subrecord: act_len %d, room for %zu samples", (int)act_len,
                           (n - 6) / 2 < cap ? (n - 6) / 2 : cap);
    for (size_t i = 0; i < (size_t)act_len; i++)
        out[i] = physical((int16_t)rd16(sub + 6 + 2 * i), type->scale);
    *n_out = (size_t)act_len;
    return MC_OK;
}

/* Displayed values of the basic class: byte offset in the subrecord (4-byte time, then groups of
 * a 6-byte header (status, label) and int16 values), name, unit, scale. Group starts: ECG 4,
 * P1-P4 20/34/48/62, NIBP 76, T1-T4 90/98/106/114, SpO2 122, CO2 136, O2 150, N2O 160, AA 170. */
static const mc_ge_s5_phys_field basic_fields[MC_GE_S5_PHYS_VALUES] = {
    {10, "ECG_HR", "/min", 1},
    {12, "ECG_ST1", "mm", 0.01},
    {14, "ECG_ST2", "mm", 0.01},
    {16, "ECG_ST3", "mm", 0.01},
    {18, "ECG_IMP_RR", "/min", 1},
    {26, "P1_SYS", "mm[Hg]", 0.01},
    {28, "P1_DIA", "mm[Hg]", 0.01},
    {30, "P1_MEAN", "mm[Hg]", 0.01},
    {32, "P1_HR", "/min", 1},
    {40, "P2_SYS", "mm[Hg]", 0.01},
    {42, "P2_DIA", "mm[Hg]", 0.01},
    {44, "P2_MEAN", "mm[Hg]", 0.01},
    {46, "P2_HR", "/min", 1},
    {54, "P3_SYS", "mm[Hg]", 0.01},
    {56, "P3_DIA", "mm[Hg]", 0.01},
    {58, "P3_MEAN", "mm[Hg]", 0.01},
    {60, "P3_HR", "/min", 1},
    {68, "P4_SYS", "mm[Hg]", 0.01},
    {70, "P4_DIA", "mm[Hg]", 0.01},
    {72, "P4_MEAN", "mm[Hg]", 0.01},
    {74, "P4_HR", "/min", 1},
    {82, "NIBP_SYS", "mm[Hg]", 0.01},
    {84, "NIBP_DIA", "mm[Hg]", 0.01},
    {86, "NIBP_MEAN", "mm[Hg]", 0.01},
    {88, "NIBP_HR", "/min", 1},
    {96, "T1", "Cel", 0.01},
    {104, "T2", "Cel", 0.01},
    {112, "T3", "Cel", 0.01},
    {120, "T4", "Cel", 0.01},
    {128, "SPO2", "%", 0.01},
    {130, "SPO2_PR", "/min", 1},
    {132, "SPO2_IR_AMP", "%", 1},
    {134, "SO2", "%", 0.01},
    {142, "CO2_ET", "%", 0.01},
    {144, "CO2_FI", "%", 0.01},
    {146, "CO2_RR", "/min", 1},
    {148, "CO2_AMB_PRESS", "mm[Hg]", 0.1},
    {156, "O2_ET", "%", 0.01},
    {158, "O2_FI", "%", 0.01},
    {166, "N2O_ET", "%", 0.01},
    {168, "N2O_FI", "%", 0.01},
    {176, "AA_ET", "%", 0.01},
    {178, "AA_FI", "%", 0.01},
    {180, "AA_MAC_SUM", "%", 0.01},
};

const mc_ge_s5_phys_field *mc_ge_s5_phys_field_at(size_t i)
{
    return i < MC_GE_S5_PHYS_VALUES ? &basic_fields[i] : NULL;
}

size_t mc_ge_s5_phys_index(const char *name)
{
    size_t i = 0;
    while (i < MC_GE_S5_PHYS_VALUES && strcmp(basic_fields[i].name, name) != 0)
        i++;
    return i;
}

mc_status mc_ge_s5_phys_decode(const uint8_t *sub, size_t n,
                               mc_ge_s5_value out[MC_GE_S5_PHYS_VALUES], size_t *n_out, mc_diag *d)
{
    *n_out = 0;
    if (n < PHYS_BYTES)
        return mc_diag_set(d, MC_EFORMAT, 0, -1,
                           "physiological subrecord of %zu bytes (expected %d)", n, PHYS_BYTES);
    const unsigned cls = (rd16(sub + 276) >> 8) & 0x0F;
    if (cls != 0)
        return MC_OK; /* ext1..ext3: not decoded */
    for (size_t i = 0; i < MC_GE_S5_PHYS_VALUES; i++) {
        const mc_ge_s5_phys_field *f = &basic_fields[i];
        out[i].name = f->name;
        out[i].unit = f->unit;
        out[i].value = physical((int16_t)rd16(sub + f->offset), f->scale);
    }
    *n_out = MC_GE_S5_PHYS_VALUES;
    return MC_OK;
}

/* ---- detection ------------------------------------------------------------------------------- */

int mc_ge_s5_detect(const uint8_t *head, size_t n, const char *name)
{
    if (n > 4096)
        n = 4096;
    const uint8_t *flag = memchr(head, FLAG, n);
    if (!flag)
        return 0;
    /* Unescape the bytes after the first flag(s) far enough to read a header. */
    uint8_t h[MC_GE_S5_HEADER_BYTES];
    size_t k = 0;
    size_t i = (size_t)(flag - head);
    while (i < n && head[i] == FLAG)
        i++;
    for (; i < n && k < sizeof h; i++) {
        if (head[i] == FLAG)
            break;
        if (head[i] == ESC) {
            if (++i == n)
                break;
            h[k++] = head[i] ^ 0x20;
        } else {
            h[k++] = head[i];
        }
    }
    if (k == sizeof h) {
        const unsigned r_len = rd16(h), maintype = rd16(h + 14);
        const uint8_t first_sub = h[18];
        if (r_len >= MC_GE_S5_HEADER_BYTES && r_len < MC_GE_S5_FRAME_MAX && maintype < 16 &&
            (first_sub == SUB_END || first_sub < 64) && rd16(h + 16) == 0)
            return 1;
        return 0;
    }
    if (name) {
        const size_t len = strlen(name);
        return len >= 4 && strcmp(name + len - 4, ".raw") == 0;
    }
    return 0;
}

/* ---- capture import -------------------------------------------------------------------------- */

typedef struct wave_state {
    int used;
    size_t stream;
    int64_t t0_s;     /* r_time of the stream's first record */
    int64_t n_frames; /* rows so far (samples + NaN rows) */
    uint8_t last_nbr;
    size_t last_len; /* samples in the last record placed */
} wave_state;

typedef struct num_state {
    int used;
    size_t stream;
    int64_t last_s; /* r_time of the last value kept */
} num_state;

/* A record whose r_time lies more than this from both neighbours while they agree is taken for a
 * corrupted time (an 8-bit checksum lets 1 corrupted frame in 256 through): it is skipped. */
#define WILD_TIME_S 600

typedef struct s5_import {
    mc_import *imp;
    int pass; /* 1: collect the records' times; 2: import */
    int have_start;
    int64_t start_s; /* earliest r_time of a record whose time is not isolated */
    uint64_t records_bad, wave_dropped, values_dropped, wild_times;
    int64_t *times; /* pass 1: r_time of every parsed record, in order */
    uint8_t *wild;  /* [n_times]: 1 for an isolated time */
    size_t n_times, cap_times, index;
    wave_state wave[256];
    num_state num[MC_GE_S5_PHYS_VALUES];
    float samples[MC_GE_S5_FRAME_MAX / 2];
    mc_diag *d;
} s5_import;

static mc_status add_stream(s5_import *s, const char *name, const char *unit, double rate_hz,
                            double scale, int64_t start_ns, size_t *index)
{
    mc_channel_info ch = {
        .name = "value", .unit = unit, .scale_gain = 1.0 / scale, .scale_offset = 0};
    const mc_kv attrs[] = {{"source_channel", name}};
    mc_stream_info info = {.name = name,
                           .modality = mc_import_guess_modality(name, unit),
                           .n_channels = 1,
                           .channels = &ch,
                           .rate_hz = rate_hz,
                           .device_model = "GE/Datex-Ohmeda S/5",
                           .driver = "ge_s5",
                           .n_attrs = 1,
                           .attrs = attrs};
    return mc_import_add_stream(s->imp, &info, start_ns, index, s->d);
}

static mc_status import_wave(s5_import *s, const mc_ge_s5_record *r, size_t k)
{
    const mc_ge_s5_wave_type *type = mc_ge_s5_wave_type_find(r->sub_type[k]);
    if (!type)
        return MC_OK; /* EEG_BIS, VOL, commands: not decoded */
    size_t n;
    if (mc_ge_s5_wave_decode(r->sub[k], r->sub_len[k], type, s->samples,
                             sizeof s->samples / sizeof s->samples[0], &n, NULL) != MC_OK) {
        s->records_bad++;
        return MC_OK;
    }
    wave_state *w = &s->wave[r->sub_type[k]];
    if (n == 0) {
        /* Nothing to place; the record still counts in the numbering (no gap follows it). */
        if (w->used)
            w->last_nbr = r->r_nbr;
        return MC_OK;
    }
    const int64_t t_s = (int64_t)r->r_time;
    mc_status st;
    if (!w->used) {
        st = add_stream(s, type->name, type->unit, type->rate_hz, type->scale,
                        (t_s - s->start_s) * 1000000000, &w->stream);
        if (st != MC_OK)
            return st;
        w->used = 1;
        w->t0_s = t_s;
    } else if (r->r_nbr != (uint8_t)(w->last_nbr + 1)) {
        /* Not the next record: records were lost, or the capture restarted. */
        const double delta_s = (double)(t_s - w->t0_s) - (double)w->n_frames / type->rate_hz;
        const unsigned jump = (uint8_t)(r->r_nbr - w->last_nbr);
        int64_t rows = jump >= 2 ? (int64_t)(jump - 1) * (int64_t)w->last_len : 0;
        if (delta_s >= 1.5 && llround(delta_s * type->rate_hz) > rows)
            rows = llround(delta_s * type->rate_hz);
        if (delta_s <= -0.5 || (jump == 0 && rows == 0)) {
            s->wave_dropped++; /* earlier than the stream's end, or the same record again */
            return MC_OK;
        }
        if (rows > 0) {
            st = mc_import_append_gap(s->imp, w->stream, rows, "ge_s5 gap", s->d);
            if (st != MC_OK)
                return st;
            w->n_frames += rows;
        }
    }
    w->last_nbr = r->r_nbr;
    w->last_len = n;
    st = mc_import_append(s->imp, w->stream, n, s->samples, NULL, s->d);
    if (st == MC_OK)
        w->n_frames += (int64_t)n;
    return st;
}

static mc_status import_phys(s5_import *s, const mc_ge_s5_record *r, size_t k)
{
    if (r->sub_type[k] != SUB_DISPLAYED)
        return MC_OK; /* trends and auxiliary information: not decoded */
    mc_ge_s5_value v[MC_GE_S5_PHYS_VALUES];
    size_t n;
    if (mc_ge_s5_phys_decode(r->sub[k], r->sub_len[k], v, &n, NULL) != MC_OK) {
        s->records_bad++;
        return MC_OK;
    }
    const int64_t t_s = (int64_t)r->r_time;
    for (size_t i = 0; i < n; i++) {
        num_state *m = &s->num[i];
        if (!m->used) {
            if (isnan(v[i].value))
                continue; /* a stream begins with its first valid value */
            mc_status st =
                add_stream(s, v[i].name, v[i].unit, 0, basic_fields[i].scale, 0, &m->stream);
            if (st != MC_OK)
                return st;
            m->used = 1;
        } else if (t_s <= m->last_s) {
            s->values_dropped++;
            continue;
        }
        m->last_s = t_s;
        const int64_t t_ns = (t_s - s->start_s) * 1000000000;
        mc_status st = mc_import_append(s->imp, m->stream, 1, &v[i].value, &t_ns, s->d);
        if (st != MC_OK)
            return st;
    }
    return MC_OK;
}

static mc_status on_frame(void *ctx, const uint8_t *rec, size_t n)
{
    s5_import *s = ctx;
    mc_ge_s5_record r;
    if (mc_ge_s5_record_parse(rec, n, &r, NULL) != MC_OK) {
        if (s->pass == 2)
            s->records_bad++;
        return MC_OK;
    }
    if (s->pass == 1) {
        if (s->n_times == s->cap_times) {
            const size_t cap = s->cap_times ? 2 * s->cap_times : 1024;
            int64_t *t = realloc(s->times, cap * sizeof *t);
            if (!t)
                return mc_diag_set(s->d, MC_ENOMEM, -1, -1, "out of memory for record times");
            s->times = t;
            s->cap_times = cap;
        }
        s->times[s->n_times++] = (int64_t)r.r_time;
        return MC_OK;
    }
    if (s->wild[s->index++]) {
        s->wild_times++;
        return MC_OK;
    }
    for (size_t k = 0; k < r.n_sub; k++) {
        mc_status st = MC_OK;
        if (r.maintype == MAINTYPE_WAVE)
            st = import_wave(s, &r, k);
        else if (r.maintype == MAINTYPE_PHYS)
            st = import_phys(s, &r, k);
        if (st != MC_OK)
            return st;
    }
    return MC_OK;
}

mc_status mc_ge_s5_read(const uint8_t *bytes, size_t n, mc_import *out, mc_ge_s5_stats *stats,
                        mc_diag *d)
{
    s5_import *s = calloc(1, sizeof *s);
    mc_ge_s5_decoder *dec = malloc(sizeof *dec);
    if (!s || !dec) {
        free(s);
        free(dec);
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory");
    }
    s->imp = out;
    s->d = d;
    s->pass = 1;
    mc_ge_s5_decoder_reset(dec);
    mc_status st = mc_ge_s5_decoder_push(dec, bytes, n, on_frame, s);
    if (st == MC_OK && s->n_times > 0) {
        s->wild = calloc(s->n_times, 1);
        if (!s->wild)
            st = mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory");
    }
    if (st == MC_OK && s->n_times > 0) {
        /* An isolated time: far from each neighbour while the neighbours agree (at the ends: far
         * from the one neighbour while the next two agree). */
        const int64_t *t = s->times;
        const size_t m = s->n_times;
        for (size_t i = 0; i < m; i++) {
            int wild = 0;
            if (i > 0 && i + 1 < m)
                wild = llabs(t[i] - t[i - 1]) > WILD_TIME_S &&
                       llabs(t[i + 1] - t[i]) > WILD_TIME_S &&
                       llabs(t[i + 1] - t[i - 1]) <= WILD_TIME_S;
            else if (i == 0 && m >= 3)
                wild = llabs(t[1] - t[0]) > WILD_TIME_S && llabs(t[2] - t[1]) <= WILD_TIME_S;
            else if (i == m - 1 && m >= 3)
                wild = llabs(t[i] - t[i - 1]) > WILD_TIME_S &&
                       llabs(t[i - 1] - t[i - 2]) <= WILD_TIME_S;
            s->wild[i] = (uint8_t)wild;
            if (!wild && (!s->have_start || t[i] < s->start_s)) {
                s->start_s = t[i];
                s->have_start = 1;
            }
        }
    }
    if (st == MC_OK && !s->have_start) {
        const mc_ge_s5_stats *c = &dec->stats;
        st =
            mc_diag_set(d, MC_EFORMAT, -1, -1,
                        "no valid S/5 record in %zu bytes (%llu bad checksums, %llu short, "
                        "%llu oversize frames, %llu bytes outside frames)",
                        n, (unsigned long long)c->bad_checksum, (unsigned long long)c->short_frames,
                        (unsigned long long)c->oversize, (unsigned long long)c->garbage_bytes);
    }
    if (st == MC_OK) {
        out->start_unix_ns = s->start_s * 1000000000;
        s->pass = 2;
        s->index = 0;
        mc_ge_s5_decoder_reset(dec);
        st = mc_ge_s5_decoder_push(dec, bytes, n, on_frame, s);
    }
    if (stats)
        *stats = dec->stats;
    if (st == MC_OK) {
        const mc_ge_s5_stats *c = &dec->stats;
        mc_diag_set(d, MC_OK, -1, -1,
                    "%llu frames good, %llu bad checksums, %llu short, %llu oversize, %llu cut, "
                    "%llu bytes outside frames; %llu records not decoded, %llu with an isolated "
                    "time skipped, %llu wave records and %llu values dropped (not later than their "
                    "stream's end)",
                    (unsigned long long)c->frames_good, (unsigned long long)c->bad_checksum,
                    (unsigned long long)c->short_frames, (unsigned long long)c->oversize,
                    (unsigned long long)c->aborted, (unsigned long long)c->garbage_bytes,
                    (unsigned long long)s->records_bad, (unsigned long long)s->wild_times,
                    (unsigned long long)s->wave_dropped, (unsigned long long)s->values_dropped);
    }
    free(dec);
    free(s->times);
    free(s->wild);
    free(s);
    return st;
}

/* mc_ge_s5_read in the shape mc_import_file_with takes (counts only in the diagnostic). */
static mc_status read_named(const uint8_t *buf, size_t n, const char *name, mc_import *out,
                            mc_diag *d)
{
    (void)name;
    return mc_ge_s5_read(buf, n, out, NULL, d);
}

mc_status mc_ge_s5_import(const char *path, mc_import *out, mc_diag *d)
{
    return mc_import_file_with(path, "ge_s5", read_named, out, d);
}
