/* SPDX-License-Identifier: MIT */
/* formats/wfdb_write.c: an import written as a WFDB record in format 16 (formats/wfdb.h). */
#include "formats/wfdb.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/output.h"

/* One signal to write: a channel of a stream. */
typedef struct out_signal {
    const mc_import_stream *s;
    uint32_t channel;
    int64_t lead; /* invalid samples before the stream's first sample */
    int spf;
    double gain;
    int64_t baseline;
    int16_t init;
    uint16_t sum;
} out_signal;

/* The WFDB spelling of a UCUM unit, without blanks (header fields are blank-separated). */
static void wfdb_units(const char *u, char out[64])
{
    static const char *const map[][2] = {{"mm[Hg]", "mmHg"}, {"Cel", "degC"}, {"/min", "bpm"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(u, map[i][0]) == 0)
            u = map[i][1];
    snprintf(out, 64, "%s", u && u[0] ? u : "NU");
    for (char *p = out; *p; p++)
        if (isspace((unsigned char)*p) || *p == '(' || *p == ')')
            *p = '_';
}

/* Whether the channel's own device scale (gain, integer offset: a WFDB or EDF source's) puts
 * every finite sample on an integer code in [-32767, 32767]: then writing with it loses nothing.
 * Float32 samples land within a few thousandths of their code. */
static int device_scale_fits(out_signal *o)
{
    const mc_import_stream *s = o->s;
    const size_t ch = s->info->n_channels;
    const double g = s->info->channels[o->channel].scale_gain;
    const double b = s->info->channels[o->channel].scale_offset;
    if (!(fabs(g) >= 1e-6 && fabs(g) <= 1e9) || b != nearbyint(b) || fabs(b) > 2e9)
        return 0;
    char text[32];
    snprintf(text, sizeof text, "%.10g", g);
    if (strtod(text, NULL) != g)
        return 0;
    for (int64_t i = 0; i < s->n_frames; i++) {
        const double v = (double)s->data[(size_t)i * ch + o->channel];
        if (!isfinite(v))
            continue;
        const double x = v * g + b;
        if (!(fabs(x - nearbyint(x)) <= 0.02) || nearbyint(x) < -32767 || nearbyint(x) > 32767)
            return 0;
    }
    o->gain = g;
    o->baseline = (int64_t)b;
    return 1;
}

/* Gain and baseline: the device's own when they fit (lossless), else so that the channel's
 * finite range fills about 65000 of the 65535 codes (-32768 stays free for NaN) and the baseline
 * fits a header integer. The gain is rounded to the 10 digits the header keeps, so that writer
 * and reader use the same number. */
static void choose_scale(out_signal *o)
{
    const mc_import_stream *s = o->s;
    const size_t ch = s->info->n_channels;
    if (device_scale_fits(o))
        return;
    double lo = (double)INFINITY, hi = -(double)INFINITY;
    for (int64_t i = 0; i < s->n_frames; i++) {
        const double v = (double)s->data[(size_t)i * ch + o->channel];
        if (isfinite(v)) {
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    }
    if (!(lo <= hi)) {
        o->gain = 200;
        o->baseline = 0;
        return;
    }
    const double mid = 0.5 * (lo + hi);
    double span = hi - lo;
    if (!(span > 0))
        span = fabs(mid) > 0 ? fabs(mid) : 1;
    double gain = 65000 / span;
    if (fabs(mid) * gain > 2e9)
        gain = 2e9 / fabs(mid);
    if (gain > 1e15) /* a range below 1e-10 units: readers refuse gains past 1e20 */
        gain = 1e15;
    char text[32];
    snprintf(text, sizeof text, "%.10g", gain);
    o->gain = strtod(text, NULL);
    o->baseline = -llround(mid * o->gain);
}

static int16_t encode(const out_signal *o, double v)
{
    if (!isfinite(v))
        return -32768;
    const double x = nearbyint(v * o->gain + (double)o->baseline);
    return (int16_t)(x > 32767 ? 32767 : x < -32767 ? -32767 : x);
}

/* Civil date of a day count since 1970-01-01. */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* The frame rate every stream's rate is an integer multiple of (nothing is resampled). */
static int frame_rate(const mc_import *rec, double *fs)
{
    double rmin = (double)INFINITY;
    for (size_t i = 0; i < rec->n_streams; i++)
        rmin = rec->streams[i].info->rate_hz < rmin ? rec->streams[i].info->rate_hz : rmin;
    for (int j = 1; j <= 1000; j++) {
        const double f = rmin / j;
        int ok = 1;
        for (size_t i = 0; i < rec->n_streams && ok; i++) {
            const double q = rec->streams[i].info->rate_hz / f;
            ok = fabs(q - nearbyint(q)) <= 1e-9 * q && nearbyint(q) <= 1e6;
        }
        if (ok) {
            *fs = f;
            return 1;
        }
    }
    return 0;
}

/* Write the samples frame by frame through a 64 KiB buffer; fills each signal's init and sum. */
static mc_status write_dat(FILE *f, out_signal *sig, size_t n_sig, int64_t n_frames, mc_diag *d,
                           const char *name)
{
    enum { BUF = 1 << 16 };
    uint8_t *buf = malloc(BUF);
    if (!buf)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory", name);
    size_t used = 0;
    mc_status st = MC_OK;
    for (int64_t fr = 0; fr < n_frames && st == MC_OK; fr++) {
        for (size_t k = 0; k < n_sig && st == MC_OK; k++) {
            out_signal *o = &sig[k];
            const size_t ch = o->s->info->n_channels;
            for (int j = 0; j < o->spf; j++) {
                const int64_t i = fr * o->spf + j - o->lead;
                const double v = i >= 0 && i < o->s->n_frames
                                     ? (double)o->s->data[(size_t)i * ch + o->channel]
                                     : (double)NAN;
                const int16_t x = encode(o, v);
                if (fr == 0 && j == 0)
                    o->init = x;
                o->sum = (uint16_t)(o->sum + (uint16_t)x);
                buf[used++] = (uint8_t)((uint16_t)x & 0xFF);
                buf[used++] = (uint8_t)((uint16_t)x >> 8);
                if (used == BUF) {
                    if (fwrite(buf, 1, used, f) != used) {
                        st = mc_diag_set(d, MC_EIO, -1, -1, "%s: write failed: %s", name,
                                         strerror(errno));
                        break;
                    }
                    used = 0;
                }
            }
        }
    }
    if (st == MC_OK && used && fwrite(buf, 1, used, f) != used)
        st = mc_diag_set(d, MC_EIO, -1, -1, "%s: write failed: %s", name, strerror(errno));
    free(buf);
    return st;
}

mc_status mc_wfdb_write(const mc_import *rec, const char *path, mc_diag *d)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const size_t bl = strlen(base);
    if (bl <= 4 || strcmp(base + bl - 4, ".hea") != 0 || bl - 4 > 60)
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "%s: a WFDB header name is RECORD.hea (record name of 1-60 characters)",
                           path);
    char record[64];
    snprintf(record, sizeof record, "%.*s", (int)(bl - 4), base);
    for (const char *p = record; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_')
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "%s: a WFDB record name has only letters, digits and '_'", path);
    size_t n_sig = 0;
    for (size_t i = 0; i < rec->n_streams; i++) {
        const mc_stream_info *info = rec->streams[i].info;
        if (info->rate_hz <= 0)
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "stream %s is irregular (one time per sample): WFDB holds regular "
                               "signals only; choose the streams to export with --streams",
                               info->name);
        n_sig += info->n_channels;
    }
    if (n_sig == 0)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "%s: no stream to write", path);
    double fs;
    if (!frame_rate(rec, &fs))
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "the streams' rates (%s at %g Hz, ...) have no common frame rate "
                           "that each is an integer multiple of, and WFDB cannot hold them "
                           "without resampling; export them separately with --streams",
                           rec->streams[0].info->name, rec->streams[0].info->rate_hz);
    char fs_text[32];
    snprintf(fs_text, sizeof fs_text, "%.12g", fs);
    fs = strtod(fs_text, NULL);
    out_signal *sig = calloc(n_sig, sizeof *sig);
    if (!sig)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory");
    int64_t t0 = INT64_MAX;
    for (size_t i = 0; i < rec->n_streams; i++)
        t0 = rec->streams[i].start_ns < t0 ? rec->streams[i].start_ns : t0;
    int64_t n_frames = 0;
    size_t k = 0;
    for (size_t i = 0; i < rec->n_streams; i++) {
        const mc_import_stream *s = &rec->streams[i];
        const double rate = s->info->rate_hz;
        const int spf = (int)nearbyint(rate / fs);
        const double lead_samples = ((double)s->start_ns - (double)t0) * rate / 1e9;
        if (lead_samples + (double)s->n_frames > 1e12) {
            free(sig);
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "stream %s starts %.0f s after the first one: too far apart for "
                               "one WFDB record; export it separately with --streams",
                               s->info->name, ((double)s->start_ns - (double)t0) / 1e9);
        }
        const int64_t lead = llround(lead_samples);
        const int64_t frames = (lead + s->n_frames + spf - 1) / spf;
        n_frames = frames > n_frames ? frames : n_frames;
        for (uint32_t c = 0; c < s->info->n_channels; c++, k++) {
            sig[k] = (out_signal){.s = s, .channel = c, .lead = lead, .spf = spf};
            choose_scale(&sig[k]);
        }
    }
    mc_output hea, dat;
    char dat_path[4096];
    snprintf(dat_path, sizeof dat_path, "%.*s.dat", (int)(strlen(path) - 4), path);
    mc_status st = mc_output_begin(&hea, path, d);
    if (st != MC_OK) {
        free(sig);
        return st;
    }
    st = mc_output_begin(&dat, dat_path, d);
    if (st != MC_OK) {
        mc_output_abandon(&hea);
        free(sig);
        return st;
    }
    FILE *f = fopen(dat.tmp, "wb");
    if (!f) {
        st = mc_diag_set(d, MC_EIO, -1, -1, "%s: %s", dat_path, strerror(errno));
        goto fail;
    }
    st = write_dat(f, sig, n_sig, n_frames, d, dat_path);
    if (fclose(f) != 0 && st == MC_OK)
        st = mc_diag_set(d, MC_EIO, -1, -1, "%s: %s", dat_path, strerror(errno));
    if (st != MC_OK)
        goto fail;
    f = fopen(hea.tmp, "w");
    if (!f) {
        st = mc_diag_set(d, MC_EIO, -1, -1, "%s: %s", path, strerror(errno));
        goto fail;
    }
    fprintf(f, "%s %zu %s %lld", record, n_sig, fs_text, (long long)n_frames);
    if (rec->start_unix_ns != MC_IMPORT_NO_TIME) {
        const int64_t t = rec->start_unix_ns + t0;
        const int64_t sec = t >= 0 ? t / 1000000000 : -((-t + 999999999) / 1000000000);
        const int64_t ms = (t - sec * 1000000000) / 1000000;
        const int64_t days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
        const int64_t tod = sec - days * 86400;
        int y, m, dd;
        civil_from_days(days, &y, &m, &dd);
        fprintf(f, " %02d:%02d:%02d.%03d %02d/%02d/%04d", (int)(tod / 3600), (int)(tod / 60 % 60),
                (int)(tod % 60), (int)ms, dd, m, y);
    }
    fputc('\n', f);
    const char *dat_base = strrchr(dat_path, '/');
    dat_base = dat_base ? dat_base + 1 : dat_path;
    for (size_t i = 0; i < n_sig; i++) {
        const out_signal *o = &sig[i];
        const mc_stream_info *info = o->s->info;
        char units[64], spf[16] = "", desc[2 * MC_NAME_MAX + 2];
        wfdb_units(info->channels[o->channel].unit, units);
        if (o->spf > 1)
            snprintf(spf, sizeof spf, "x%d", o->spf);
        if (info->n_channels > 1)
            snprintf(desc, sizeof desc, "%s_%s", info->name, info->channels[o->channel].name);
        else
            snprintf(desc, sizeof desc, "%s", info->name);
        fprintf(f, "%s 16%s %.10g(%lld)/%s 16 0 %d %d 0 %s\n", dat_base, spf, o->gain,
                (long long)o->baseline, units, o->init, (int16_t)o->sum, desc);
    }
    char source[sizeof rec->source];
    snprintf(source, sizeof source, "%s", rec->source[0] ? rec->source : "a session");
    for (char *p = source; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = '_';
    fprintf(f, "#Written by mcirc from %s\n", source);
    if (ferror(f) | (fclose(f) != 0)) {
        st = mc_diag_set(d, MC_EIO, -1, -1, "%s: write failed", path);
        goto fail;
    }
    /* The signal file first: a reader that finds the header finds a complete record. */
    st = mc_output_publish(&dat, d);
    if (st != MC_OK)
        goto fail;
    st = mc_output_publish(&hea, d);
    if (st != MC_OK)
        remove(dat_path);
    free(sig);
    return st;
fail:
    mc_output_abandon(&dat);
    mc_output_abandon(&hea);
    free(sig);
    return st;
}
