/* SPDX-License-Identifier: MIT */
/* acquisition/driver_text.c: devices whose protocol is a line of text per reading, described by a
 * device file (formats/device_file.h): `text` with file=PATH for any such device (PeriFlux,
 * moor, SenTec or TCM exports set to a serial text output), and the built-in device files as
 * drivers of their own: sensmart (Nonin SenSmart X-100 / 7600), invos (Medtronic INVOS case
 * history lines), tosca (Radiometer TOSCA 500). Lines are split on CR or LF; a line that does
 * not decode costs itself; a request in the file is sent every request_interval_s. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acquisition/drivers.h"
#include "formats/device_file.h"
#include "formats/text_scan.h"

typedef struct text_drv {
    mc_device_file *file;
    mc_line_splitter split;
    size_t n_streams;
    mc_driver_stream streams[MC_DEVICE_FILE_STREAMS_MAX];
    char suffix[MC_DEVICE_FILE_STREAMS_MAX][MC_NAME_MAX + 1];
    char defaults[256];
    const uint8_t *request;
    size_t request_n;
    double request_interval_s;
    int64_t next_request_ns;
    mc_device_sink *sink;
    mc_driver_stats stats;
} text_drv;

static const char *const text_keys[] = {"file", NULL};

static mc_status read_file(const char *path, const mc_source_spec *spec, char **out, size_t *n,
                           mc_diag *d)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mc_diag_set(d, MC_ENOTFOUND, -1, -1, "--source %s: file=%s: %s", spec->name, path,
                           strerror(errno));
    char *buf = malloc(65537);
    size_t got = buf ? fread(buf, 1, 65537, f) : 0;
    int err = ferror(f);
    fclose(f);
    if (!buf)
        return MC_ENOMEM;
    if (err || got > 65536) {
        free(buf);
        return mc_diag_set(d, MC_EFORMAT, -1, -1, "--source %s: file=%s: %s", spec->name, path,
                           err ? "read error" : "larger than 64 KiB: not a device file");
    }
    *out = buf;
    *n = got;
    return MC_OK;
}

static mc_status text_setup(text_drv *t, const mc_source_spec *spec, mc_diag *d)
{
    t->n_streams = mc_device_file_n_streams(t->file);
    for (size_t i = 0; i < t->n_streams; i++) {
        mc_stream_info info;
        mc_status st = mc_device_file_get_stream(t->file, i, &info);
        if (st != MC_OK)
            return st;
        snprintf(t->suffix[i], sizeof t->suffix[i], "%s",
                 mc_device_file_get_stream_suffix(t->file, i));
        t->streams[i] = (mc_driver_stream){t->suffix[i], info.modality, info.n_channels,
                                           info.channels, info.rate_hz};
    }
    size_t nt;
    const mc_kv *kv = mc_device_file_get_transport(t->file, &nt);
    size_t used = 0;
    for (size_t i = 0; i < nt; i++) {
        if (strcmp(kv[i].key, "line_end") == 0)
            continue; /* the splitter takes any line end */
        int k = snprintf(t->defaults + used, sizeof t->defaults - used, "%s%s=%s", used ? "," : "",
                         kv[i].key, kv[i].value);
        if (k < 0 || (size_t)k >= sizeof t->defaults - used)
            return mc_diag_set(d, MC_EINVAL, -1, -1, "--source %s: transport settings too long",
                               spec->name);
        used += (size_t)k;
    }
    t->request = mc_device_file_get_request(t->file, &t->request_n, &t->request_interval_s);
    mc_line_splitter_reset(&t->split, MC_DEVICE_FILE_LINE_MAX);
    return MC_OK;
}

/* `builtin`: the device file's name, or NULL for `text` (file= then required). */
static mc_status create_common(const mc_source_spec *spec, const char *builtin, mc_diag *d,
                               void **self)
{
    *self = NULL;
    mc_status st =
        mc_driver_check_keys(spec, builtin ? builtin : "text", builtin ? NULL : text_keys, d);
    if (st != MC_OK)
        return st;
    text_drv *t = calloc(1, sizeof *t);
    if (!t)
        return MC_ENOMEM;
    mc_diag inner;
    mc_diag_clear(&inner);
    if (builtin) {
        st = mc_device_file_open_builtin(builtin, &t->file, &inner);
    } else {
        const char *path = mc_source_spec_get(spec, "file");
        char *text = NULL;
        size_t n = 0;
        st = path ? read_file(path, spec, &text, &n, d)
                  : mc_diag_set(d, MC_EINVAL, -1, -1,
                                "--source %s: the text driver needs file=DEVICE.ini (a device "
                                "file: formats/device_file.h; built-in ones: formats/devices/)",
                                spec->name);
        if (st == MC_OK)
            st = mc_device_file_parse(text, n, path, &t->file, &inner);
        free(text);
    }
    if (st == MC_OK)
        st = text_setup(t, spec, d);
    else if (inner.message[0])
        mc_diag_set(d, st, inner.offset, inner.line, "--source %s: %s", spec->name, inner.message);
    if (st != MC_OK) {
        mc_device_file_destroy(t->file);
        free(t);
        return st;
    }
    *self = t;
    return MC_OK;
}

static size_t text_get_n_streams(const void *self)
{
    return ((const text_drv *)self)->n_streams;
}

static const mc_driver_stream *text_get_stream(const void *self, size_t i)
{
    return &((const text_drv *)self)->streams[i];
}

static const char *text_get_defaults(const void *self)
{
    return ((const text_drv *)self)->defaults;
}

static mc_status text_start(void *self, mc_transport *t)
{
    text_drv *d = self;
    mc_line_splitter_restart(&d->split);
    d->next_request_ns = 0; /* ask at once */
    (void)t;
    return MC_OK;
}

static mc_status text_tick(void *self, mc_transport *t, int64_t now_ns)
{
    text_drv *d = self;
    if (d->request_n == 0 || now_ns < d->next_request_ns)
        return MC_OK;
    d->next_request_ns = now_ns + (int64_t)(d->request_interval_s * 1e9);
    return mc_transport_write(t, d->request, d->request_n);
}

static mc_status on_line(void *ctx, const char *text, size_t n, int64_t line_no)
{
    (void)line_no;
    text_drv *d = ctx;
    mc_device_line l;
    if (mc_device_file_decode_line(d->file, text, n, &l, NULL) != MC_OK) {
        d->stats.bad_frames++;
        d->stats.skipped_bytes += n;
        return MC_OK;
    }
    if (l.skipped != MC_DEVICE_DECODED) {
        d->stats.skipped_bytes += n; /* a heading, a banner: not an error */
        return MC_OK;
    }
    d->stats.frames++;
    for (size_t i = 0; i < d->n_streams; i++)
        if (l.has_frame[i])
            mc_device_sink_frame(d->sink, i, l.value[i]);
    return MC_OK;
}

static void text_push(void *self, const uint8_t *bytes, size_t n, mc_device_sink *sink)
{
    text_drv *d = self;
    d->sink = sink;
    mc_status st = mc_line_splitter_push(&d->split, bytes, n, on_line, d);
    (void)st; /* on_line never stops the push */
    d->sink = NULL;
}

static mc_driver_stats text_get_stats(const void *self)
{
    const text_drv *d = self;
    mc_driver_stats s = d->stats;
    s.skipped_bytes += d->split.bytes_dropped;
    s.bad_frames += d->split.overlong_lines;
    return s;
}

static void text_destroy(void *self)
{
    text_drv *d = self;
    mc_device_file_destroy(d->file);
    free(d);
}

static mc_status text_create(const mc_source_spec *spec, mc_diag *d, void **self)
{
    return create_common(spec, NULL, d, self);
}
static mc_status sensmart_create(const mc_source_spec *spec, mc_diag *d, void **self)
{
    return create_common(spec, "sensmart", d, self);
}
static mc_status invos_create(const mc_source_spec *spec, mc_diag *d, void **self)
{
    return create_common(spec, "invos", d, self);
}
static mc_status tosca_create(const mc_source_spec *spec, mc_diag *d, void **self)
{
    return create_common(spec, "tosca", d, self);
}

#define TEXT_OPS                                                                                   \
    .identity_wait_s = 0, .silence_s = 10, .get_n_streams = text_get_n_streams,                    \
    .get_stream = text_get_stream, .get_defaults = text_get_defaults, .start = text_start,         \
    .tick = text_tick, .push = text_push, .get_stats = text_get_stats, .destroy = text_destroy

const mc_driver mc_driver_text = {
    .name = "text",
    .summary = "a text device described by a device file (file=PATH)",
    .defaults = "",
    .keys = "file=PATH        the device file: transport settings, line filter, fields ->\n"
            "                 streams with units and scale (formats/device_file.h; examples in\n"
            "                 formats/devices/)\n",
    .streams = "NAME and NAME_<suffix>: the device file's streams",
    .create = text_create,
    TEXT_OPS,
};

const mc_driver mc_driver_sensmart = {
    .name = "sensmart",
    .defaults = "baud=9600,framing=8N1,rtscts=0", /* as its device file says */
    .summary = "Nonin SenSmart X-100 / 7600 regional oximetry, serial text",
    .keys = "",
    .streams = "NAME: rSO2 and HbI of channels 1-4 (NIRS) (device file sensmart)",
    .create = sensmart_create,
    TEXT_OPS,
};

const mc_driver mc_driver_invos = {
    .name = "invos",
    .defaults = "baud=9600,framing=8N1,rtscts=0", /* as its device file says */
    .summary = "Medtronic INVOS 5100C / PM7100 case lines (two-space separated)",
    .keys = "",
    .streams = "NAME: rSO2 of channels 1-4 (%, NIRS; 0 = inactive is missing) (device file invos)",
    .create = invos_create,
    TEXT_OPS,
};

const mc_driver mc_driver_tosca = {
    .name = "tosca",
    .defaults = "baud=9600,framing=8N1,rtscts=0", /* as its device file says */
    .summary = "Radiometer TOSCA 500 continuous text output (columns 1-5 assumed)",
    .keys = "",
    .streams = "NAME: tcPCO2 (mm[Hg]), heating power, temperature; NAME_spo2: SpO2, PR, PI "
               "(device file tosca)",
    .create = tosca_create,
    TEXT_OPS,
};
