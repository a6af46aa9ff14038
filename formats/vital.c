/* SPDX-License-Identifier: MIT */
/* formats/vital.c: Vital Recorder (.vital) importer (formats/vital.h): bounded gzip inflation, then
 * two walks over the packets: the first checks the framing, collects devices and tracks and the
 * earliest record time; the second places the records' samples in the import. */
#include "formats/vital.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum {
    PKT_TRKINFO = 0,
    PKT_REC = 1,
    PKT_DEVINFO = 9,
    REC_WAVE = 1,
    REC_NUMERIC = 2,
    REC_STRING = 5,
    MAX_DEVICES = 256,
    TEXT_MAX = 255, /* longest name, unit or device string kept */
};

/* Latest plausible record time (unix s, 2100-01-01): with times >= 0, every difference in ns
 * (at most 4.1e18) stays inside int64. */
#define VITAL_MAX_UNIX_S 4102444800.0

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static float rdf32(const uint8_t *p)
{
    uint32_t u = rd32(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static double rdf64(const uint8_t *p)
{
    uint64_t u = rd64(p);
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* Bytes per value of recfmt 1..8, 0 for an unknown format. */
static const uint8_t fmt_size[9] = {0, 4, 8, 1, 1, 2, 2, 4, 4};

/* One value of recfmt `fmt` (known to be 1..8) as a double. */
static double rd_value(const uint8_t *p, int fmt)
{
    switch (fmt) {
    case 1:
        return (double)rdf32(p);
    case 2:
        return rdf64(p);
    case 3:
        return (double)(int8_t)p[0];
    case 4:
        return (double)p[0];
    case 5:
        return (double)(int16_t)rd16(p);
    case 6:
        return (double)rd16(p);
    case 7:
        return (double)(int32_t)rd32(p);
    default:
        return (double)rd32(p);
    }
}

/* A physical value as float32: beyond the float range it is +-infinity (a plain conversion of
 * such a double is undefined behaviour in C); NaN stays NaN. */
static float to_f32(double v)
{
    if (v > (double)FLT_MAX)
        return INFINITY;
    if (v < -(double)FLT_MAX)
        return -INFINITY;
    return (float)v;
}

/* 1 if s[0..n) is well-formed UTF-8 (no overlong forms, no surrogates, <= U+10FFFF). */
static int utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const uint8_t c = s[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i < len)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

/* ---- gzip ---------------------------------------------------------------------------------- */

int mc_vital_detect(const uint8_t *head, size_t n, const char *name)
{
    if (n >= 4 && memcmp(head, "VITA", 4) == 0)
        return 1;
    if (n >= 2 && head[0] == 0x1F && head[1] == 0x8B) {
        uint8_t out[4];
        z_stream z;
        memset(&z, 0, sizeof z);
        if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
            return 0;
        z.next_in = (Bytef *)(uintptr_t)head;
        z.avail_in = (uInt)(n < 4096 ? n : 4096);
        z.next_out = out;
        z.avail_out = sizeof out;
        const int rc = inflate(&z, Z_SYNC_FLUSH);
        const size_t got = sizeof out - z.avail_out;
        inflateEnd(&z);
        if (got == sizeof out)
            return memcmp(out, "VITA", 4) == 0;
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            return 0;
        /* Too few bytes to see the header: fall back on the name. */
    }
    if (name) {
        const size_t len = strlen(name);
        return len >= 6 && strcmp(name + len - 6, ".vital") == 0;
    }
    return 0;
}

mc_status mc_vital_inflate(const uint8_t *gz, size_t n, size_t max_bytes, uint8_t **out,
                           size_t *out_len, mc_diag *d)
{
    *out = NULL;
    *out_len = 0;
    if (n < 2 || gz[0] != 0x1F || gz[1] != 0x8B)
        return mc_diag_set(d, MC_EFORMAT, 0, -1, "byte 0: expected a gzip member (1f 8b)");
    /* The buffer may hold max_bytes + 1 bytes: inflating that one byte more proves the limit is
     * passed, without guessing whether the stream would have ended exactly at the limit. */
    const size_t hard = max_bytes < SIZE_MAX ? max_bytes + 1 : max_bytes;
    size_t cap = n < SIZE_MAX / 4 ? n * 4 : SIZE_MAX;
    if (cap < 65536)
        cap = 65536;
    if (cap > hard)
        cap = hard;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory for %zu inflated bytes", cap);
    size_t len = 0;
    size_t pos = 0; /* compressed bytes consumed */
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        free(buf);
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "zlib: cannot initialise inflate");
    }
    mc_status st = MC_OK;
    for (;;) {
        if (len == cap) {
            if (cap == hard) {
                st = mc_diag_set(d, MC_ENOMEM, (int64_t)pos, -1,
                                 "byte %zu: inflates to more than the %zu bytes accepted", pos,
                                 max_bytes);
                break;
            }
            size_t ncap = cap > hard / 2 ? hard : cap * 2;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                st =
                    mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory for %zu inflated bytes", ncap);
                break;
            }
            buf = nb;
            cap = ncap;
        }
        const size_t in_chunk = n - pos < UINT32_MAX ? n - pos : UINT32_MAX;
        const size_t out_chunk = cap - len < UINT32_MAX ? cap - len : UINT32_MAX;
        z.next_in = (Bytef *)(uintptr_t)(gz + pos);
        z.avail_in = (uInt)in_chunk;
        z.next_out = buf + len;
        z.avail_out = (uInt)out_chunk;
        const int rc = inflate(&z, Z_NO_FLUSH);
        pos += in_chunk - z.avail_in;
        len += out_chunk - z.avail_out;
        if (rc == Z_STREAM_END) {
            /* Another member may follow; trailing zero bytes (padding) are allowed. */
            size_t k = pos;
            while (k < n && gz[k] == 0)
                k++;
            if (k == n)
                break;
            if (n - pos < 2 || gz[pos] != 0x1F || gz[pos + 1] != 0x8B) {
                st = mc_diag_set(d, MC_EFORMAT, (int64_t)pos, -1,
                                 "byte %zu: expected another gzip member or the end of the file",
                                 pos);
                break;
            }
            if (inflateReset(&z) != Z_OK) {
                st = mc_diag_set(d, MC_EFORMAT, (int64_t)pos, -1, "byte %zu: zlib reset failed",
                                 pos);
                break;
            }
            continue;
        }
        if (rc == Z_OK)
            continue;
        if (rc == Z_BUF_ERROR && len == cap)
            continue;            /* output full: grow */
        if (rc == Z_BUF_ERROR) { /* no progress possible: the input ended inside a member */
            st = mc_diag_set(d, MC_EFORMAT, (int64_t)pos, -1,
                             "byte %zu: gzip data truncated (the member does not end)", pos);
            break;
        }
        if (rc == Z_MEM_ERROR) {
            st = mc_diag_set(d, MC_ENOMEM, -1, -1, "zlib: out of memory");
            break;
        }
        st = mc_diag_set(d, MC_EFORMAT, (int64_t)pos, -1, "byte %zu: corrupt gzip data (%s)", pos,
                         z.msg ? z.msg : "zlib error");
        break;
    }
    inflateEnd(&z);
    if (st != MC_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    *out_len = len;
    return MC_OK;
}

/* ---- packets ------------------------------------------------------------------------------- */

typedef struct vdev {
    uint32_t id;
    char model[TEXT_MAX + 1];
} vdev;

typedef struct vtrack {
    uint16_t id;
    uint8_t rec_type, fmt;
    char name[TEXT_MAX + 1];
    char unit[TEXT_MAX + 1];
    double srate_hz, gain, offset;
    uint32_t devid;
    size_t n_recs;
    /* Second walk: */
    size_t stream;     /* index in the import */
    int started;       /* wave: a REC has been placed */
    double t0_s;       /* wave: time of sample 0 */
    int64_t n_frames;  /* wave: frames placed so far (samples + NaN rows) */
    int64_t n_dropped; /* wave: overlapping samples dropped */
} vtrack;

typedef struct vparse {
    const uint8_t *buf;
    size_t n;
    vtrack *tracks;
    size_t n_tracks, cap_tracks;
    uint32_t *by_id; /* [65536]: index + 1 into tracks, 0 = none */
    vdev devs[MAX_DEVICES];
    size_t n_devs;
    double t_min_s;
    int tzbias_min; /* header: UTC minus local time, minutes (VitalDB's dgmt) */
    int has_tzbias;
    float *scratch;
    size_t cap_scratch;
} vparse;

/* A length-prefixed string at *pos within [0, end): copied (cut to TEXT_MAX bytes) into out. */
static mc_status rd_str(const vparse *p, size_t *pos, size_t end, char out[TEXT_MAX + 1],
                        const char *what, mc_diag *d)
{
    if (end - *pos < 4)
        return mc_diag_set(d, MC_EFORMAT, (int64_t)*pos, -1,
                           "inflated byte %zu: %s: string length runs past its packet", *pos, what);
    const uint32_t len = rd32(p->buf + *pos);
    if (len > end - *pos - 4)
        return mc_diag_set(d, MC_EFORMAT, (int64_t)*pos, -1,
                           "inflated byte %zu: %s: string of %u bytes runs past its packet", *pos,
                           what, (unsigned)len);
    const uint8_t *s = p->buf + *pos + 4;
    if (!utf8_valid(s, len))
        return mc_diag_set(d, MC_EFORMAT, (int64_t)*pos, -1,
                           "inflated byte %zu: %s is not valid UTF-8", *pos, what);
    size_t keep = len < TEXT_MAX ? len : TEXT_MAX;
    while (keep > 0 && keep < len && (s[keep] & 0xC0) == 0x80)
        keep--; /* do not cut a character */
    memcpy(out, s, keep);
    out[keep] = '\0';
    if (memchr(out, '\0', keep))
        return mc_diag_set(d, MC_EFORMAT, (int64_t)*pos, -1,
                           "inflated byte %zu: %s contains a NUL byte", *pos, what);
    *pos += 4 + (size_t)len;
    return MC_OK;
}

static mc_status parse_devinfo(vparse *p, size_t pos, size_t end, mc_diag *d)
{
    if (end - pos < 4 || p->n_devs == MAX_DEVICES)
        return MC_OK; /* nothing usable, or more devices than any recorder has: ignored */
    vdev *v = &p->devs[p->n_devs];
    v->id = rd32(p->buf + pos);
    pos += 4;
    v->model[0] = '\0';
    if (pos < end) {
        mc_status st = rd_str(p, &pos, end, v->model, "DEVINFO type name", d);
        if (st != MC_OK)
            return st;
    }
    p->n_devs++;
    return MC_OK;
}

static mc_status parse_trkinfo(vparse *p, size_t start, size_t end, mc_diag *d)
{
    size_t pos = start;
    if (end - pos < 4)
        return mc_diag_set(d, MC_EFORMAT, (int64_t)pos, -1,
                           "inflated byte %zu: TRKINFO shorter than 4 bytes", pos);
    vtrack t;
    memset(&t, 0, sizeof t);
    t.id = rd16(p->buf + pos);
    t.rec_type = p->buf[pos + 2];
    t.fmt = p->buf[pos + 3];
    t.gain = 1;
    pos += 4;
    mc_status st = rd_str(p, &pos, end, t.name, "track name", d);
    if (st == MC_OK && pos < end)
        st = rd_str(p, &pos, end, t.unit, "track unit", d);
    if (st != MC_OK)
        return st;
    /* Older files may end the packet early: the missing fields keep their defaults. */
    const uint8_t *b = p->buf;
    if (end - pos >= 12) /* mindisp, maxdisp, color: not needed */
        pos += 12;
    else
        pos = end;
    if (end - pos >= 4) {
        t.srate_hz = (double)rdf32(b + pos);
        pos += 4;
    }
    if (end - pos >= 16) {
        t.gain = rdf64(b + pos);
        t.offset = rdf64(b + pos + 8);
        pos += 16;
    }
    if (end - pos >= 5)
        t.devid = rd32(b + pos + 1); /* after montype */
    if (p->by_id[t.id])
        return MC_OK; /* a repeated TRKINFO: the first description stays */
    if (t.rec_type == REC_WAVE || t.rec_type == REC_NUMERIC) {
        if (t.fmt < 1 || t.fmt > 8)
            return mc_diag_set(d, MC_EFORMAT, (int64_t)start, -1,
                               "inflated byte %zu: track '%s': unknown recfmt %u (expected 1..8)",
                               start, t.name, (unsigned)t.fmt);
        /* Integer formats are scaled: the scale and its inverse (kept as the device's scale)
         * must be finite. Float formats hold physical values and ignore gain and offset. */
        if (t.fmt > 2 && !(isfinite(t.gain) && isfinite(t.offset) && t.gain != 0 &&
                           isfinite(1.0 / t.gain) && isfinite(t.offset / t.gain)))
            return mc_diag_set(d, MC_EFORMAT, (int64_t)start, -1,
                               "inflated byte %zu: track '%s': impossible adc gain %g / offset %g",
                               start, t.name, t.gain, t.offset);
    }
    if (t.rec_type == REC_WAVE && !(t.srate_hz > 0 && t.srate_hz <= 1e6))
        return mc_diag_set(d, MC_EFORMAT, (int64_t)start, -1,
                           "inflated byte %zu: wave track '%s': impossible rate %g Hz", start,
                           t.name, t.srate_hz);
    if (p->n_tracks == p->cap_tracks) {
        const size_t ncap = p->cap_tracks ? p->cap_tracks * 2 : 32;
        vtrack *nt = realloc(p->tracks, ncap * sizeof *nt);
        if (!nt)
            return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory for tracks");
        p->tracks = nt;
        p->cap_tracks = ncap;
    }
    p->tracks[p->n_tracks] = t;
    p->by_id[t.id] = (uint32_t)++p->n_tracks;
    return MC_OK;
}

/* The REC at [start, end): its time and track, or NULL when the track is unknown. */
static mc_status rec_head(const vparse *p, size_t start, size_t end, double *t_s, vtrack **trk,
                          size_t *data, mc_diag *d)
{
    *trk = NULL;
    if (end - start < 12)
        return mc_diag_set(d, MC_EFORMAT, (int64_t)start, -1,
                           "inflated byte %zu: REC shorter than 12 bytes", start);
    const uint16_t infolen = rd16(p->buf + start);
    if (infolen < 10 || infolen > end - start - 2)
        return mc_diag_set(d, MC_EFORMAT, (int64_t)start, -1,
                           "inflated byte %zu: REC info length %u (expected 10..%zu)", start,
                           (unsigned)infolen, end - start - 2);
    *t_s = rdf64(p->buf + start + 2);
    if (!(*t_s >= 0 && *t_s <= VITAL_MAX_UNIX_S))
        return mc_diag_set(d, MC_EFORMAT, (int64_t)start, -1,
                           "inflated byte %zu: REC time %g is not a plausible unix time", start,
                           *t_s);
    const uint32_t k = p->by_id[rd16(p->buf + start + 10)];
    *trk = k ? &p->tracks[k - 1] : NULL;
    *data = start + 2 + infolen;
    return MC_OK;
}

static mc_status place_wave(vparse *p, mc_import *imp, vtrack *t, double t_s, size_t pos,
                            size_t end, mc_diag *d)
{
    if (end - pos < 4)
        return mc_diag_set(d, MC_EFORMAT, (int64_t)pos, -1,
                           "inflated byte %zu: wave REC without a sample count", pos);
    const uint32_t num = rd32(p->buf + pos);
    pos += 4;
    const size_t size = fmt_size[t->fmt];
    if (num > (end - pos) / size)
        return mc_diag_set(d, MC_EFORMAT, (int64_t)pos - 4, -1,
                           "inflated byte %zu: wave REC of '%s' declares %u samples, the packet "
                           "holds %zu",
                           pos - 4, t->name, (unsigned)num, (end - pos) / size);
    if (num == 0)
        return MC_OK;
    size_t skip = 0;
    if (!t->started) {
        t->started = 1; /* t0_s is this REC's time, noted by the first walk */
    } else {
        const double expected_s = t->t0_s + (double)t->n_frames / t->srate_hz;
        const double delta_s = t_s - expected_s;
        if (fabs(delta_s) > 0.5 / t->srate_hz + 1e-3) {
            const double rows = delta_s * t->srate_hz;
            if (rows >= 0.5) {
                mc_status st = mc_import_append_gap(imp, t->stream, llround(rows), "vital gap", d);
                if (st != MC_OK)
                    return st;
                t->n_frames += llround(rows);
            } else if (rows <= -0.5) {
                const long long k = llround(-rows);
                skip = k < (long long)num ? (size_t)k : num;
                t->n_dropped += (int64_t)skip;
            }
        }
    }
    if (skip == num)
        return MC_OK;
    if (p->cap_scratch < num) {
        float *ns = realloc(p->scratch, (size_t)num * sizeof *ns);
        if (!ns)
            return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory for %u samples", (unsigned)num);
        p->scratch = ns;
        p->cap_scratch = num;
    }
    const int scaled = t->fmt > 2;
    for (size_t i = skip; i < num; i++) {
        double v = rd_value(p->buf + pos + i * size, t->fmt);
        if (scaled)
            v = v * t->gain + t->offset;
        p->scratch[i - skip] = to_f32(v);
    }
    mc_status st = mc_import_append(imp, t->stream, num - skip, p->scratch, NULL, d);
    if (st == MC_OK)
        t->n_frames += (int64_t)(num - skip);
    return st;
}

static int64_t rel_ns(double t_s, double t0_s)
{
    return (int64_t)llround((t_s - t0_s) * 1e9);
}

static mc_status pass2_rec(vparse *p, mc_import *imp, size_t start, size_t end, mc_diag *d)
{
    double t_s;
    vtrack *t;
    size_t pos;
    mc_status st = rec_head(p, start, end, &t_s, &t, &pos, d);
    if (st != MC_OK || !t)
        return st;
    if (t->rec_type == REC_WAVE)
        return place_wave(p, imp, t, t_s, pos, end, d);
    if (t->rec_type == REC_NUMERIC) {
        const size_t size = fmt_size[t->fmt];
        if (end - pos < size)
            return mc_diag_set(d, MC_EFORMAT, (int64_t)pos, -1,
                               "inflated byte %zu: numeric REC of '%s' shorter than its value", pos,
                               t->name);
        double v = rd_value(p->buf + pos, t->fmt);
        if (t->fmt > 2)
            v = v * t->gain + t->offset;
        const float f = to_f32(v);
        const int64_t ts = rel_ns(t_s, p->t_min_s);
        return mc_import_append(imp, t->stream, 1, &f, &ts, d);
    }
    if (t->rec_type == REC_STRING) {
        if (end - pos < 4)
            return mc_diag_set(d, MC_EFORMAT, (int64_t)pos, -1,
                               "inflated byte %zu: string REC of '%s' is truncated", pos, t->name);
        pos += 4;
        mc_event ev;
        memset(&ev, 0, sizeof ev);
        char text[TEXT_MAX + 1];
        st = rd_str(p, &pos, end, text, "string record", d);
        if (st != MC_OK)
            return st;
        ev.t_ns = rel_ns(t_s, p->t_min_s);
        snprintf(ev.kind, sizeof ev.kind, "note");
        snprintf(ev.text, sizeof ev.text, "%s", text);
        ev.value = (double)NAN;
        return mc_import_add_event(imp, &ev, d);
    }
    return MC_OK;
}

/* UCUM for the few units Vital Recorder writes differently; anything else is kept. */
static const char *ucum_unit(const char *u)
{
    static const char *const map[][2] = {
        {"mmHg", "mm[Hg]"},
        {"cmH2O", "cm[H2O]"},
        {"ohm", "Ohm"},
        {"bpm", "/min"},
        {"C", "Cel"},
        {"degC", "Cel"},
        {"\xc2\xb0"
         "C",
         "Cel"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(u, map[i][0]) == 0)
            return map[i][1];
    return u;
}

static mc_status add_streams(vparse *p, mc_import *imp, mc_diag *d)
{
    for (size_t i = 0; i < p->n_tracks; i++) {
        vtrack *t = &p->tracks[i];
        if (t->n_recs == 0 || (t->rec_type != REC_WAVE && t->rec_type != REC_NUMERIC))
            continue;
        char name[MC_NAME_MAX + 1], fallback[32];
        snprintf(fallback, sizeof fallback, "track_%u", (unsigned)t->id);
        mc_import_stream_name(t->name, fallback, name);
        if (strlen(t->unit) > MC_NAME_MAX)
            return mc_diag_set(d, MC_EFORMAT, -1, -1, "track '%s': unit longer than %d bytes",
                               t->name, MC_NAME_MAX);
        const char *unit = ucum_unit(t->unit);
        const int scaled = t->fmt > 2;
        mc_channel_info ch = {.name = "value",
                              .unit = unit,
                              .scale_gain = scaled ? 1.0 / t->gain : 1.0,
                              .scale_offset = scaled ? -t->offset / t->gain : 0.0};
        const char *model = "";
        for (size_t k = 0; k < p->n_devs; k++)
            if (p->devs[k].id == t->devid && t->devid != 0)
                model = p->devs[k].model;
        char id[16], fmt[8], tz[16], src_name[TEXT_MAX + 1];
        snprintf(tz, sizeof tz, "%d", p->tzbias_min);
        snprintf(id, sizeof id, "%u", (unsigned)t->id);
        snprintf(fmt, sizeof fmt, "%u", (unsigned)t->fmt);
        snprintf(src_name, sizeof src_name, "%s", t->name);
        const mc_kv attrs[] = {{"vital_track_id", id},
                               {"vital_recfmt", fmt},
                               {"source_channel", src_name},
                               {"source_unit", t->unit},
                               {"vital_tzbias_min", tz}};
        mc_stream_info info = {.name = name,
                               .modality = mc_import_guess_modality(t->name, unit),
                               .n_channels = 1,
                               .channels = &ch,
                               .rate_hz = t->rec_type == REC_WAVE ? t->srate_hz : 0.0,
                               .device_model = model,
                               .driver = "vital",
                               .n_attrs = sizeof attrs / sizeof attrs[0] - !p->has_tzbias,
                               .attrs = attrs};
        /* A wave stream starts at its first REC in file order. */
        const int64_t start_ns = t->rec_type == REC_WAVE ? rel_ns(t->t0_s, p->t_min_s) : 0;
        mc_status st = mc_import_add_stream(imp, &info, start_ns, &t->stream, d);
        if (st != MC_OK)
            return st;
    }
    return MC_OK;
}

static mc_status walk(vparse *p, size_t first, int pass, mc_import *imp, mc_diag *d)
{
    size_t pos = first;
    while (pos < p->n) {
        if (p->n - pos < 5)
            return mc_diag_set(d, MC_EFORMAT, (int64_t)pos, -1,
                               "inflated byte %zu: packet header truncated (%zu of 5 bytes)", pos,
                               p->n - pos);
        const uint8_t type = p->buf[pos];
        const uint32_t len = rd32(p->buf + pos + 1);
        const size_t start = pos + 5;
        if (len > p->n - start)
            return mc_diag_set(d, MC_EFORMAT, (int64_t)pos, -1,
                               "inflated byte %zu: packet of %u bytes, only %zu remain (truncated "
                               "file)",
                               pos, (unsigned)len, p->n - start);
        const size_t end = start + len;
        mc_status st = MC_OK;
        if (pass == 1) {
            if (type == PKT_DEVINFO) {
                st = parse_devinfo(p, start, end, d);
            } else if (type == PKT_TRKINFO) {
                st = parse_trkinfo(p, start, end, d);
            } else if (type == PKT_REC) {
                double t_s;
                vtrack *t;
                size_t data;
                st = rec_head(p, start, end, &t_s, &t, &data, d);
                /* A wave REC without samples places nothing: it neither starts its stream
                 * nor the recording. (A REC too short for its count fails in the second walk.) */
                if (st == MC_OK && t && t->rec_type == REC_WAVE &&
                    (end - data < 4 || rd32(p->buf + data) == 0))
                    t = NULL;
                if (st == MC_OK && t) {
                    if (t->n_recs == 0)
                        t->t0_s = t_s;
                    t->n_recs++;
                    if (t_s < p->t_min_s)
                        p->t_min_s = t_s;
                }
            }
        } else if (type == PKT_REC) {
            st = pass2_rec(p, imp, start, end, d);
        }
        if (st != MC_OK)
            return st;
        pos = end;
    }
    return MC_OK;
}

mc_status mc_vital_parse(const uint8_t *buf, size_t n, mc_import *out, mc_diag *d)
{
    if (n < 10 || memcmp(buf, "VITA", 4) != 0)
        return mc_diag_set(d, MC_EFORMAT, 0, -1, "inflated byte 0: expected \"VITA\" and a header");
    const size_t headerlen = rd16(buf + 8);
    if (headerlen > n - 10)
        return mc_diag_set(d, MC_EFORMAT, 8, -1,
                           "inflated byte 8: header length %zu runs past the end (%zu bytes)",
                           headerlen, n);
    vparse p;
    memset(&p, 0, sizeof p);
    p.buf = buf;
    p.n = n;
    p.t_min_s = (double)INFINITY;
    if (headerlen >= 2) {
        p.tzbias_min = (int16_t)rd16(buf + 10);
        p.has_tzbias = 1;
    }
    p.by_id = calloc(65536, sizeof *p.by_id);
    if (!p.by_id)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory");
    mc_status st = walk(&p, 10 + headerlen, 1, out, d);
    if (st == MC_OK && isfinite(p.t_min_s)) {
        out->start_unix_ns = (int64_t)llround(p.t_min_s * 1e9);
        st = add_streams(&p, out, d);
    }
    if (st == MC_OK && isfinite(p.t_min_s))
        st = walk(&p, 10 + headerlen, 2, out, d);
    if (st == MC_OK) {
        mc_diag_clear(d);
        size_t used = 0;
        for (size_t i = 0; i < p.n_tracks; i++) {
            const vtrack *t = &p.tracks[i];
            if (t->n_dropped > 0 && d) {
                const int k = snprintf(d->message + used, sizeof d->message - used,
                                       "%s%lld overlapping samples of '%s' dropped",
                                       used ? "; " : "", (long long)t->n_dropped, t->name);
                if (k < 0 || (size_t)k >= sizeof d->message - used)
                    break;
                used += (size_t)k;
            }
        }
    }
    free(p.scratch);
    free(p.tracks);
    free(p.by_id);
    return st;
}

mc_status mc_vital_read(const uint8_t *bytes, size_t n, mc_import *out, mc_diag *d)
{
    if (n >= 4 && memcmp(bytes, "VITA", 4) == 0)
        return mc_vital_parse(bytes, n, out, d);
    uint8_t *raw;
    size_t len;
    const size_t limit = out->limit_bytes ? out->limit_bytes : MC_IMPORT_LIMIT_DEFAULT;
    mc_status st = mc_vital_inflate(bytes, n, limit, &raw, &len, d);
    if (st != MC_OK)
        return st;
    st = mc_vital_parse(raw, len, out, d);
    free(raw);
    return st;
}

/* mc_vital_read in the shape mc_import_file_with takes. */
static mc_status read_named(const uint8_t *buf, size_t n, const char *name, mc_import *out,
                            mc_diag *d)
{
    (void)name;
    return mc_vital_read(buf, n, out, d);
}

mc_status mc_vital_import(const char *path, mc_import *out, mc_diag *d)
{
    return mc_import_file_with(path, "vital", read_named, out, d);
}
