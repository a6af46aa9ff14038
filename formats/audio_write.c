/* SPDX-License-Identifier: MIT */
/* formats/audio_write.c: regular streams of one rate exported to WAV, RF64 or FLAC through
 * libsndfile (formats/audio.h), with the mcirc metadata comment that gives back names, units,
 * stream extents and the per-channel scale of integer files. The importer is formats/audio.c. */
#include "formats/audio.h"

#include <math.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/output.h"

typedef struct format_desc {
    mc_audio_format format;
    int sf_format;
    int bits; /* integer code width; 0 = float32 */
    uint32_t max_channels;
    int wav_like;  /* the comment is a LIST INFO string that libsndfile bounds */
    int size_4gib; /* 32-bit chunk sizes */
} format_desc;

static const format_desc formats[] = {
    {MC_AUDIO_WAV_FLOAT, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 0, MC_AUDIO_MAX_CHANNELS, 1, 1},
    {MC_AUDIO_WAV_PCM16, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16, MC_AUDIO_MAX_CHANNELS, 1, 1},
    {MC_AUDIO_WAV_PCM24, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 24, MC_AUDIO_MAX_CHANNELS, 1, 1},
    {MC_AUDIO_FLAC16, SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 16, MC_AUDIO_MAX_CHANNELS_FLAC, 0, 0},
    {MC_AUDIO_FLAC24, SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 24, MC_AUDIO_MAX_CHANNELS_FLAC, 0, 0},
    {MC_AUDIO_RF64_FLOAT, SF_FORMAT_RF64 | SF_FORMAT_FLOAT, 0, MC_AUDIO_MAX_CHANNELS, 1, 0},
};

static const struct {
    const char *name;
    mc_audio_format format;
} format_names[] = {
    {"wav", MC_AUDIO_WAV_FLOAT},         {"wav-float", MC_AUDIO_WAV_FLOAT},
    {"wav-pcm16", MC_AUDIO_WAV_PCM16},   {"wav-pcm24", MC_AUDIO_WAV_PCM24},
    {"flac", MC_AUDIO_FLAC24},           {"flac16", MC_AUDIO_FLAC16},
    {"flac24", MC_AUDIO_FLAC24},         {"rf64", MC_AUDIO_RF64_FLOAT},
    {"rf64-float", MC_AUDIO_RF64_FLOAT},
};

mc_status mc_audio_format_parse(const char *s, mc_audio_format *out)
{
    for (size_t i = 0; s && i < sizeof format_names / sizeof format_names[0]; i++)
        if (strcmp(s, format_names[i].name) == 0) {
            *out = format_names[i].format;
            return MC_OK;
        }
    return MC_EINVAL;
}

/* One channel of the file. */
typedef struct out_channel {
    const mc_import_stream *s;
    uint32_t j;   /* channel within the stream */
    int64_t lead; /* file frame of the stream's first frame */
    double gain;  /* physical = gain * code + offset, as the metadata states it */
    double offset;
} out_channel;

/* A growing metadata text. */
typedef struct text {
    char *buf;
    size_t len, cap;
    int failed;
} text;

static void put(text *t, const char *fmt, ...) MC_PRINTF(2, 3);

static void put(text *t, const char *fmt, ...)
{
    for (int pass = 0; pass < 2 && !t->failed; pass++) {
        va_list ap;
        va_start(ap, fmt);
        const int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = 1;
        } else if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        } else {
            const size_t cap = t->cap * 2 + (size_t)n + 1;
            char *b = realloc(t->buf, cap);
            if (!b)
                t->failed = 1;
            else
                t->buf = b, t->cap = cap;
        }
    }
}

/* A value percent-encoded (formats/audio.h): bytes outside '!'..'~', '%' and '='. */
static void put_value(text *t, const char *key, const char *v)
{
    put(t, " %s=", key);
    for (const unsigned char *p = (const unsigned char *)(v ? v : ""); *p; p++) {
        if (*p <= ' ' || *p > '~' || *p == '%' || *p == '=')
            put(t, "%%%02X", *p);
        else
            put(t, "%c", *p);
    }
}

/* Choose the scale of an integer channel: its finite range onto [-maxc, maxc]. The metadata
 * prints gain and offset with 17 significant digits, which read back as the same doubles, so
 * the codes are computed with exactly the numbers the importer will use. */
static void choose_scale(out_channel *c, int32_t maxc)
{
    const mc_import_stream *s = c->s;
    const size_t ch = s->info->n_channels;
    double lo = (double)INFINITY, hi = -(double)INFINITY;
    for (int64_t f = 0; f < s->n_frames; f++) {
        const double v = (double)s->data[(size_t)f * ch + c->j];
        if (isfinite(v)) {
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    }
    c->gain = 1, c->offset = 0;
    if (lo <= hi) {
        c->offset = lo == hi ? lo : (hi + lo) / 2;
        c->gain = lo == hi ? 1 : (hi - lo) / (2.0 * maxc);
    }
}

static int32_t to_code(float x, const out_channel *c, int32_t maxc, int32_t nan_code)
{
    if (isnan(x))
        return nan_code;
    double v = nearbyint(((double)x - c->offset) / c->gain);
    if (!(v < maxc)) /* also +Inf */
        return maxc;
    return v > -maxc ? (int32_t)v : -maxc;
}

/* Check what an audio file can hold; fills chans[] (leads) and *n_frames. */
static mc_status plan_export(const mc_import *rec, const format_desc *fd, out_channel **out_chans,
                             uint32_t *out_n, int64_t *n_frames, mc_diag *d)
{
    if (rec->n_streams == 0)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "no stream to export");
    const mc_import_stream *s0 = &rec->streams[0];
    const double rate = s0->info->rate_hz;
    uint32_t n_ch = 0;
    int64_t t0 = INT64_MAX;
    for (size_t i = 0; i < rec->n_streams; i++) {
        const mc_import_stream *s = &rec->streams[i];
        const double r = s->info->rate_hz;
        if (r == 0)
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "stream %s is irregular (one time per sample): an audio file "
                               "holds regular streams of one rate; leave it out with --streams",
                               s->info->name);
        if (fabs(r - rate) > 1e-9 * rate)
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "stream %s is at %.9g Hz and stream %s at %.9g Hz: an audio file "
                               "has one rate; export them separately with --streams",
                               s->info->name, r, s0->info->name, rate);
        if (fabs(r - nearbyint(r)) > 1e-6 || r < 1 || r > 2147483647.0)
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "stream %s: %.9g Hz is not a whole number of Hz (1 to 2^31-1), "
                               "which audio headers require",
                               s->info->name, r);
        if (s->info->n_channels > fd->max_channels - n_ch)
            return mc_diag_set(
                d, MC_EINVAL, -1, -1,
                "stream %s brings the channels past %u, the most this format "
                "holds%s; pick fewer streams with --streams",
                s->info->name, fd->max_channels,
                fd->max_channels == MC_AUDIO_MAX_CHANNELS_FLAC ? " (FLAC: 8; WAV holds more)" : "");
        n_ch += s->info->n_channels;
        t0 = s->start_ns < t0 ? s->start_ns : t0;
    }
    out_channel *chans = calloc(n_ch, sizeof *chans);
    if (!chans)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory");
    int64_t total = 0;
    uint32_t k = 0;
    for (size_t i = 0; i < rec->n_streams; i++) {
        const mc_import_stream *s = &rec->streams[i];
        const double lead = (double)(s->start_ns - t0) * rate / 1e9;
        const int64_t l = llround(lead);
        if (fabs(lead - (double)l) > 1e-3) {
            free(chans);
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "stream %s starts %.4f samples after the first stream, not on "
                               "the common sample grid of an audio file; export it separately "
                               "with --streams",
                               s->info->name, lead);
        }
        total = l + s->n_frames > total ? l + s->n_frames : total;
        for (uint32_t j = 0; j < s->info->n_channels; j++)
            chans[k++] = (out_channel){.s = s, .j = j, .lead = l, .gain = 1, .offset = 0};
    }
    const double bytes = (double)total * n_ch * (fd->bits ? fd->bits / 8 : 4);
    if (fd->size_4gib && bytes > 4294967295.0 - 65536) {
        free(chans);
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "%.0f bytes of samples do not fit in a WAV file (4 GiB); use rf64 "
                           "or flac",
                           bytes);
    }
    *out_chans = chans;
    *out_n = n_ch;
    *n_frames = total;
    return MC_OK;
}

/* The mcirc metadata comment of the export (formats/audio.h). */
static void metadata(const mc_import *rec, const out_channel *chans, uint32_t n_ch,
                     const format_desc *fd, int64_t t0, text *t)
{
    put(t, "mcirc-audio 1\n");
    if (rec->start_unix_ns != MC_IMPORT_NO_TIME)
        put(t, "start_unix_ns=%lld ", (long long)rec->start_unix_ns);
    put(t, "start_ns=%lld", (long long)t0);
    if (fd->bits)
        put(t, " nan=%ld", fd->bits == 16 ? (long)MC_AUDIO_NAN_CODE16 : (long)MC_AUDIO_NAN_CODE24);
    put(t, "\n");
    for (uint32_t k = 0; k < n_ch; k++) {
        const out_channel *c = &chans[k];
        const mc_stream_info *info = c->s->info;
        if (c->j == 0) {
            put(t, "stream=%s modality=%s first=%lld frames=%lld\n", info->name,
                mc_modality_name(info->modality), (long long)c->lead, (long long)c->s->n_frames);
        }
        put(t, "channel=%s", info->channels[c->j].name);
        if (info->channels[c->j].unit && strcmp(info->channels[c->j].unit, "a.u.") != 0)
            put_value(t, "unit", info->channels[c->j].unit);
        if (fd->bits)
            put(t, " gain=%.17g offset=%.17g", c->gain, c->offset);
        put(t, "\n");
    }
}

/* Write the frames, interleaved, in chunks. */
static mc_status write_frames(SNDFILE *sf, const format_desc *fd, const out_channel *chans,
                              uint32_t n_ch, int64_t n_frames, const char *path, mc_diag *d)
{
    const size_t chunk = n_ch >= 4096 ? 16 : 65536 / n_ch;
    const int32_t maxc = fd->bits == 16 ? 32767 : 8388607;
    const int32_t nan_code = fd->bits == 16 ? MC_AUDIO_NAN_CODE16 : MC_AUDIO_NAN_CODE24;
    const int32_t shift = fd->bits == 16 ? 65536 : 256; /* libsndfile ints are 32-bit full scale */
    float *fbuf = malloc(chunk * n_ch * sizeof *fbuf);
    int *ibuf = malloc(chunk * n_ch * sizeof *ibuf);
    mc_status st = MC_OK;
    if (!fbuf || !ibuf) {
        st = mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory", path);
        goto done;
    }
    for (int64_t pos = 0; pos < n_frames;) {
        const size_t n = n_frames - pos < (int64_t)chunk ? (size_t)(n_frames - pos) : chunk;
        for (size_t f = 0; f < n; f++) {
            for (uint32_t k = 0; k < n_ch; k++) {
                const out_channel *c = &chans[k];
                const int64_t i = pos + (int64_t)f - c->lead;
                const float x = i >= 0 && i < c->s->n_frames
                                    ? c->s->data[(size_t)i * c->s->info->n_channels + c->j]
                                    : NAN;
                if (fd->bits)
                    ibuf[f * n_ch + k] = to_code(x, c, maxc, nan_code) * shift;
                else
                    fbuf[f * n_ch + k] = x;
            }
        }
        const sf_count_t w = fd->bits ? sf_writef_int(sf, ibuf, (sf_count_t)n)
                                      : sf_writef_float(sf, fbuf, (sf_count_t)n);
        if (w != (sf_count_t)n) {
            st = mc_diag_set(d, MC_EIO, -1, -1, "%s: writing frame %lld: %s", path, (long long)pos,
                             sf_strerror(sf));
            goto done;
        }
        pos += (int64_t)n;
    }
done:
    free(fbuf);
    free(ibuf);
    return st;
}

mc_status mc_audio_write(const mc_import *rec, const char *path, int format, mc_diag *d)
{
    const format_desc *fd = NULL;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if ((int)formats[i].format == format)
            fd = &formats[i];
    if (!fd)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "%s: unknown audio format %d", path, format);
    out_channel *chans = NULL;
    uint32_t n_ch = 0;
    int64_t n_frames = 0;
    mc_status st = plan_export(rec, fd, &chans, &n_ch, &n_frames, d);
    if (st != MC_OK)
        return st;
    int64_t t0 = INT64_MAX;
    for (size_t i = 0; i < rec->n_streams; i++)
        t0 = rec->streams[i].start_ns < t0 ? rec->streams[i].start_ns : t0;
    if (fd->bits)
        for (uint32_t k = 0; k < n_ch; k++)
            choose_scale(&chans[k], fd->bits == 16 ? 32767 : 8388607);
    text meta = {.cap = 1024};
    meta.buf = malloc(meta.cap);
    meta.failed = !meta.buf;
    if (!meta.failed)
        metadata(rec, chans, n_ch, fd, t0, &meta);
    mc_output out;
    SNDFILE *sf = NULL;
    if (meta.failed) {
        st = mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory", path);
        goto done;
    }
    if (fd->wav_like && meta.len > MC_AUDIO_META_MAX_WAV) {
        st = mc_diag_set(d, MC_EINVAL, -1, -1,
                         "%s: the names and scales of these %u channels take %zu bytes, more "
                         "than the %d a WAV comment keeps; export fewer streams (--streams) or "
                         "use flac",
                         path, n_ch, meta.len, MC_AUDIO_META_MAX_WAV);
        goto done;
    }
    SF_INFO info = {.samplerate = (int)nearbyint(rec->streams[0].info->rate_hz),
                    .channels = (int)n_ch,
                    .format = fd->sf_format};
    if (!sf_format_check(&info)) {
        st = mc_diag_set(d, MC_EINVAL, -1, -1,
                         "%s: libsndfile cannot write %u channels at %d Hz in this format", path,
                         n_ch, info.samplerate);
        goto done;
    }
    st = mc_output_begin(&out, path, d);
    if (st != MC_OK)
        goto done;
    sf = sf_open(out.tmp, SFM_WRITE, &info);
    if (!sf) {
        st = mc_diag_set(d, MC_EIO, -1, -1, "%s: cannot write: %s", path, sf_strerror(NULL));
        goto abandon;
    }
    if (sf_set_string(sf, SF_STR_SOFTWARE, "mcirc " MC_VERSION) != 0 ||
        sf_set_string(sf, SF_STR_COMMENT, meta.buf) != 0) {
        st = mc_diag_set(d, MC_EIO, -1, -1, "%s: cannot store the metadata: %s", path,
                         sf_strerror(sf));
        goto abandon;
    }
    st = write_frames(sf, fd, chans, n_ch, n_frames, path, d);
    if (st != MC_OK)
        goto abandon;
    const int rc = sf_close(sf);
    sf = NULL;
    if (rc != 0) {
        st = mc_diag_set(d, MC_EIO, -1, -1, "%s: cannot finish: %s", path, sf_error_number(rc));
        goto abandon;
    }
    st = mc_output_publish(&out, d);
    goto done;
abandon:
    if (sf)
        sf_close(sf);
    mc_output_abandon(&out);
done:
    free(meta.buf);
    free(chans);
    return st;
}
