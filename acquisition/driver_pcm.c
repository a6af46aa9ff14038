/* SPDX-License-Identifier: MIT */
/* acquisition/driver_pcm.c: raw PCM from an ADC or a sound card on standard input, a pipe, a
 * socket or a tty (formats/pcm.h), e.g.
 *   arecord -t raw -f S16_LE -c 2 -r 1000 | mcirc record --source ldf=pcm:-,rate=1000,channels=2
 * One regular stream of `channels` channels at `rate` Hz; each channel's physical value is
 * counts * gain + offset in its unit (the analog path of flowmeters and oximeters: the gain
 * comes from the device's analog-output scale and the converter's, e.g. a PeriFlux at 10 V =
 * 1000 PU on a ±10 V 16-bit ADC is 1000 / 32768 PU per count). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acquisition/drivers.h"
#include "formats/pcm.h"

typedef struct pcm {
    mc_pcm_decoder dec;
    mc_channel_info channels[MC_PCM_MAX_CHANNELS];
    char names[MC_PCM_MAX_CHANNELS][MC_NAME_MAX + 1];
    char units[MC_PCM_MAX_CHANNELS][MC_NAME_MAX + 1];
    double gain[MC_PCM_MAX_CHANNELS], offset[MC_PCM_MAX_CHANNELS];
    mc_driver_stream stream;
    mc_device_sink *sink;
} pcm;

static const char *const keys[] = {"rate", "channels", "format",   "gain", "offset",
                                   "unit", "names",    "modality", NULL};

/* A ':'-separated list of `n` items (one item applies to every channel) into out[i]. */
static mc_status split_list(const mc_source_spec *spec, const char *key, uint32_t n,
                            char out[][MC_NAME_MAX + 1], int *given, mc_diag *d)
{
    const char *v = mc_source_spec_get(spec, key);
    *given = v != NULL;
    if (!v)
        return MC_OK;
    uint32_t k = 0;
    for (const char *p = v;; k++) {
        const char *e = strchr(p, ':');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (k >= n || len == 0 || len > MC_NAME_MAX)
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "--source %s: %s=%s: expected 1 or %u non-empty values joined by "
                               "':'",
                               spec->name, key, v, (unsigned)n);
        memcpy(out[k], p, len);
        out[k][len] = '\0';
        if (!e)
            break;
        p = e + 1;
    }
    if (k + 1 != 1 && k + 1 != n)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "--source %s: %s=%s: expected 1 or %u values",
                           spec->name, key, v, (unsigned)n);
    for (uint32_t i = k + 1; i < n; i++)
        memcpy(out[i], out[0], sizeof out[0]);
    return MC_OK;
}

static mc_status numbers(const mc_source_spec *spec, const char *key, uint32_t n, double *out,
                         mc_diag *d)
{
    char text[MC_PCM_MAX_CHANNELS][MC_NAME_MAX + 1];
    int given;
    mc_status st = split_list(spec, key, n, text, &given, d);
    for (uint32_t i = 0; st == MC_OK && given && i < n; i++) {
        char *end;
        out[i] = strtod(text[i], &end);
        if (end == text[i] || *end || !(out[i] - out[i] == 0))
            st = mc_diag_set(d, MC_EINVAL, -1, -1, "--source %s: %s: '%s' is not a number",
                             spec->name, key, text[i]);
    }
    return st;
}

static mc_status pcm_configure(pcm *p, const mc_source_spec *spec, mc_diag *d)
{
    double rate = 0, channels = 1;
    mc_status st = mc_driver_key_double(spec, "rate", 0.001, 1e6, &rate, d);
    if (st == MC_OK && rate == 0)
        st = mc_diag_set(d, MC_EINVAL, -1, -1, "--source %s: pcm needs rate=HZ", spec->name);
    if (st == MC_OK)
        st = mc_driver_key_double(spec, "channels", 1, MC_PCM_MAX_CHANNELS, &channels, d);
    uint32_t n = (uint32_t)channels;
    if (st == MC_OK && channels != n)
        st = mc_diag_set(d, MC_EINVAL, -1, -1, "--source %s: channels= must be a whole number",
                         spec->name);
    mc_pcm_format fmt = MC_PCM_S16LE;
    const char *f = mc_source_spec_get(spec, "format");
    if (st == MC_OK && f && mc_pcm_format_parse(f, &fmt) != MC_OK)
        st = mc_diag_set(d, MC_EINVAL, -1, -1,
                         "--source %s: format=%s: expected s16le, s16be, s24le, s32le, u8 or f32le",
                         spec->name, f);
    if (st == MC_OK)
        st = mc_pcm_decoder_init(&p->dec, fmt, n);
    for (uint32_t i = 0; i < n; i++) {
        p->gain[i] = 1;
        p->offset[i] = 0;
        snprintf(p->names[i], sizeof p->names[i], "ch%u", (unsigned)i + 1);
        snprintf(p->units[i], sizeof p->units[i], "%s", fmt == MC_PCM_F32LE ? "1" : "count");
    }
    int given;
    if (st == MC_OK)
        st = numbers(spec, "gain", n, p->gain, d);
    if (st == MC_OK)
        st = numbers(spec, "offset", n, p->offset, d);
    if (st == MC_OK)
        st = split_list(spec, "unit", n, p->units, &given, d);
    if (st == MC_OK)
        st = split_list(spec, "names", n, p->names, &given, d);
    for (uint32_t i = 0; st == MC_OK && i < n; i++) {
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(p->names[i], p->names[j]) == 0)
                st = mc_diag_set(d, MC_EINVAL, -1, -1, "--source %s: names=: '%s' is repeated",
                                 spec->name, p->names[i]);
        if (st == MC_OK && !mc_name_is_valid(p->names[i]))
            st = mc_diag_set(d, MC_EINVAL, -1, -1,
                             "--source %s: names=: '%s' is not a valid channel name", spec->name,
                             p->names[i]);
        /* The device's scale, kept for provenance: counts per physical unit. */
        p->channels[i] =
            (mc_channel_info){p->names[i], p->units[i], p->gain[i] != 0 ? 1.0 / p->gain[i] : 1.0,
                              p->gain[i] != 0 ? -p->offset[i] / p->gain[i] : 0};
    }
    mc_modality m = MC_MODALITY_OTHER;
    const char *mod = mc_source_spec_get(spec, "modality");
    if (st == MC_OK && mod && mc_modality_parse(mod, &m) != MC_OK)
        st = mc_diag_set(d, MC_EINVAL, -1, -1,
                         "--source %s: modality=%s: expected ppg, ldf, nirs, pco2 or other",
                         spec->name, mod);
    p->stream = (mc_driver_stream){"", m, n, p->channels, rate};
    return st;
}

static mc_status pcm_create(const mc_source_spec *spec, mc_diag *d, void **self)
{
    *self = NULL;
    mc_status st = mc_driver_check_keys(spec, "pcm", keys, d);
    if (st != MC_OK)
        return st;
    pcm *p = calloc(1, sizeof *p);
    if (!p)
        return MC_ENOMEM;
    st = pcm_configure(p, spec, d);
    if (st != MC_OK) {
        free(p);
        return st;
    }
    *self = p;
    return MC_OK;
}

static size_t pcm_get_n_streams(const void *self)
{
    (void)self;
    return 1;
}

static const mc_driver_stream *pcm_get_stream(const void *self, size_t i)
{
    (void)i;
    return &((const pcm *)self)->stream;
}

static mc_status pcm_start(void *self, mc_transport *t)
{
    (void)t;
    pcm *p = self;
    uint64_t frames = p->dec.frames;
    mc_status st = mc_pcm_decoder_init(&p->dec, p->dec.format, p->dec.n_channels);
    p->dec.frames = frames; /* a frame cut by the outage is not completed by the next bytes */
    return st;
}

static void on_frame(void *ctx, const double *counts)
{
    pcm *p = ctx;
    float v[MC_PCM_MAX_CHANNELS];
    for (uint32_t c = 0; c < p->stream.n_channels; c++)
        v[c] = (float)(counts[c] * p->gain[c] + p->offset[c]);
    mc_device_sink_frame(p->sink, 0, v);
}

static void pcm_push(void *self, const uint8_t *bytes, size_t n, mc_device_sink *sink)
{
    pcm *p = self;
    p->sink = sink;
    mc_pcm_decoder_push(&p->dec, bytes, n, on_frame, p);
    p->sink = NULL;
}

static mc_driver_stats pcm_get_stats(const void *self)
{
    const pcm *p = self;
    mc_driver_stats s = {p->dec.frames, 0, 0};
    return s;
}

static void pcm_destroy(void *self)
{
    free(self);
}

const mc_driver mc_driver_pcm = {
    .name = "pcm",
    .summary = "raw PCM from an ADC or a sound card (analog outputs)",
    .defaults = "",
    .keys = "rate=HZ          samples per second per channel (required)\n"
            "channels=1       interleaved channels, 1..32\n"
            "format=s16le     s16le s16be s24le s32le u8 f32le (arecord's S16_LE too)\n"
            "gain=1           physical units per count, one for all or one per channel (a:b)\n"
            "offset=0         physical value at 0 counts, likewise\n"
            "unit=count       UCUM unit, likewise (PU, mV, %...)\n"
            "names=ch1:ch2    channel names (perfusion, ir...)\n"
            "modality=other   ppg, ldf, nirs, pco2: which live analysis runs\n",
    .streams = "NAME: the channels at rate Hz, counts * gain + offset",
    .identity_wait_s = 0,
    .silence_s = 2,
    .create = pcm_create,
    .get_n_streams = pcm_get_n_streams,
    .get_stream = pcm_get_stream,
    .start = pcm_start,
    .push = pcm_push,
    .get_stats = pcm_get_stats,
    .destroy = pcm_destroy,
};
