/* SPDX-License-Identifier: MIT */
/* acquisition/driver_ge_s5.c: GE / Datex-Ohmeda S/5 (CARESCAPE family) "Computer Interface"
 * (FORMATS.md section 8; 19200 8E1 with RTS/CTS as python-pycollect opens it), decoded by
 * formats/ge_s5.h. At each connection the driver asks for the displayed values every `interval`
 * seconds and for the PLETH waveform; the monitor sends nothing unasked. NAME is PLETH at 100 Hz
 * (%); NAME_numerics the displayed SpO2, pulse rate and IR amplitude at 1/interval Hz. Records
 * whose frame checksum fails are counted and cost themselves (the captures hold ~12 % of them). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acquisition/drivers.h"
#include "formats/ge_s5.h"

enum { PLETH_TYPE = 8 };

static const mc_channel_info pleth_channels[] = {{"pleth", "%", 1, 0}};
static const mc_channel_info numeric_channels[] = {
    {"spo2", "%", 1, 0}, {"pr", "/min", 1, 0}, {"ir_amp", "%", 1, 0}};
static const char *const numeric_names[] = {"SPO2", "SPO2_PR", "SPO2_IR_AMP"};

typedef struct ge {
    mc_ge_s5_decoder dec;
    mc_driver_stream streams[2];
    size_t value_index[3];
    int16_t interval_s;
    float wave[MC_GE_S5_FRAME_MAX / 2];
    uint64_t records, bad_records;
    int64_t last_wave_nbr; /* r_nbr of the last PLETH record, or -1 */
    mc_device_sink *sink;
} ge;

static const char *const keys[] = {"interval", NULL};

static mc_status ge_create(const mc_source_spec *spec, mc_diag *d, void **self)
{
    *self = NULL;
    mc_status st = mc_driver_check_keys(spec, "ge-s5", keys, d);
    double interval = 5;
    if (st == MC_OK)
        st = mc_driver_key_double(spec, "interval", 1, 600, &interval, d);
    if (st == MC_OK && interval != (int16_t)interval)
        st = mc_diag_set(d, MC_EINVAL, -1, -1, "--source %s: interval= must be whole seconds",
                         spec->name);
    if (st != MC_OK)
        return st;
    ge *g = calloc(1, sizeof *g);
    if (!g)
        return MC_ENOMEM;
    g->interval_s = (int16_t)interval;
    mc_ge_s5_decoder_reset(&g->dec);
    for (size_t i = 0; i < 3; i++)
        g->value_index[i] = mc_ge_s5_phys_index(numeric_names[i]);
    g->streams[0] = (mc_driver_stream){"", MC_MODALITY_PPG, 1, pleth_channels, 100};
    g->streams[1] =
        (mc_driver_stream){"numerics", MC_MODALITY_OTHER, 3, numeric_channels, 1.0 / interval};
    g->last_wave_nbr = -1;
    *self = g;
    return MC_OK;
}

static size_t ge_get_n_streams(const void *self)
{
    (void)self;
    return 2;
}

static const mc_driver_stream *ge_get_stream(const void *self, size_t i)
{
    return &((const ge *)self)->streams[i];
}

static mc_status ge_start(void *self, mc_transport *t)
{
    ge *g = self;
    mc_ge_s5_stats kept = g->dec.stats;
    mc_ge_s5_decoder_reset(&g->dec);
    g->dec.stats = kept;
    g->last_wave_nbr = -1;
    uint8_t req[MC_GE_S5_REQUEST_BYTES_MAX];
    size_t n;
    mc_status st = mc_ge_s5_request_displayed(g->interval_s, req, sizeof req, &n, NULL);
    if (st == MC_OK)
        st = mc_transport_write(t, req, n);
    const uint8_t types[1] = {PLETH_TYPE};
    if (st == MC_OK)
        st = mc_ge_s5_request_waves(types, 1, req, sizeof req, &n, NULL);
    if (st == MC_OK)
        st = mc_transport_write(t, req, n);
    return st;
}

static void on_wave(ge *g, const mc_ge_s5_record *r)
{
    const mc_ge_s5_wave_type *type = mc_ge_s5_wave_type_find(PLETH_TYPE);
    for (size_t i = 0; i < r->n_sub; i++) {
        if (r->sub_type[i] != PLETH_TYPE)
            continue;
        size_t n;
        if (mc_ge_s5_wave_decode(r->sub[i], r->sub_len[i], type, g->wave,
                                 sizeof g->wave / sizeof g->wave[0], &n, NULL) != MC_OK) {
            g->bad_records++;
            continue;
        }
        for (size_t k = 0; k < n; k++)
            mc_device_sink_frame(g->sink, 0, &g->wave[k]);
    }
}

static void on_phys(ge *g, const mc_ge_s5_record *r)
{
    for (size_t i = 0; i < r->n_sub; i++) {
        mc_ge_s5_value v[MC_GE_S5_PHYS_VALUES];
        size_t n;
        if (mc_ge_s5_phys_decode(r->sub[i], r->sub_len[i], v, &n, NULL) != MC_OK) {
            g->bad_records++;
            continue;
        }
        if (n == 0)
            continue; /* another class: not asked for */
        float out[3];
        for (size_t c = 0; c < 3; c++)
            out[c] = g->value_index[c] < n ? v[g->value_index[c]].value : (float)NAN;
        mc_device_sink_frame(g->sink, 1, out);
    }
}

static mc_status on_record(void *ctx, const uint8_t *rec, size_t n)
{
    ge *g = ctx;
    mc_ge_s5_record r;
    if (mc_ge_s5_record_parse(rec, n, &r, NULL) != MC_OK) {
        g->bad_records++;
        return MC_OK;
    }
    g->records++;
    if (r.maintype == 1)
        on_wave(g, &r);
    else if (r.maintype == 0)
        on_phys(g, &r);
    return MC_OK;
}

static void ge_push(void *self, const uint8_t *bytes, size_t n, mc_device_sink *sink)
{
    ge *g = self;
    g->sink = sink;
    mc_status st = mc_ge_s5_decoder_push(&g->dec, bytes, n, on_record, g);
    (void)st; /* on_record never stops the push */
    g->sink = NULL;
}

static mc_driver_stats ge_get_stats(const void *self)
{
    const ge *g = self;
    const mc_ge_s5_stats *s = &g->dec.stats;
    mc_driver_stats out = {
        g->records, s->bad_checksum + s->short_frames + s->oversize + s->aborted + g->bad_records,
        s->garbage_bytes};
    return out;
}

static void ge_destroy(void *self)
{
    free(self);
}

const mc_driver mc_driver_ge_s5 = {
    .name = "ge-s5",
    .summary = "GE / Datex-Ohmeda S/5 computer interface (PLETH, SpO2, PR, IR amplitude)",
    .defaults = "baud=19200,framing=8E1,rtscts=1",
    .keys = "interval=5       seconds between the displayed values asked for\n",
    .streams = "NAME: PLETH 100 Hz (%); NAME_numerics: spo2 %, pr /min, ir_amp % at 1/interval Hz",
    .identity_wait_s = 0,
    .silence_s = 5,
    .create = ge_create,
    .get_n_streams = ge_get_n_streams,
    .get_stream = ge_get_stream,
    .start = ge_start,
    .push = ge_push,
    .get_stats = ge_get_stats,
    .destroy = ge_destroy,
};
