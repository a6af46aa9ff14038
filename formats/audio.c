/* SPDX-License-Identifier: MIT */
/* formats/audio.c: audio-style files imported through libsndfile (formats/audio.h): detection,
 * virtual I/O over bytes, the mcirc metadata comment, and the read loop that turns values into
 * physical samples. The exporter is formats/audio_write.c. */
#include "formats/audio.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

mc_audio_calibration mc_audio_calibration_default(void)
{
    return (mc_audio_calibration){.gain = (double)NAN, .offset = (double)NAN};
}

mc_audio_read_opts mc_audio_read_opts_default(void)
{
    return (mc_audio_read_opts){.max_channels = MC_AUDIO_MAX_CHANNELS};
}

/* ---- detection ---------------------------------------------------------------------------- */

static int at(const uint8_t *p, size_t n, size_t pos, const char *magic)
{
    const size_t m = strlen(magic);
    return p && n >= pos + m && memcmp(p + pos, magic, m) == 0;
}

static int has_audio_extension(const char *name)
{
    static const char *const ext[] = {".wav", ".w64",  ".rf64", ".caf", ".flac",
                                      ".aif", ".aiff", ".aifc", ".au"};
    const size_t n = name ? strlen(name) : 0;
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        const size_t e = strlen(ext[i]);
        if (n > e && strcasecmp(name + n - e, ext[i]) == 0)
            return 1;
    }
    return 0;
}

int mc_audio_detect(const uint8_t *head, size_t n, const char *name)
{
    /* Sony Wave64 starts with the GUID of its "riff" chunk. */
    static const uint8_t w64[16] = {'r',  'i',  'f',  'f',  0x2E, 0x91, 0xCF, 0x11,
                                    0xA5, 0xD6, 0x28, 0xDB, 0x04, 0xC1, 0x00, 0x00};
    if ((at(head, n, 0, "RIFF") || at(head, n, 0, "RIFX") || at(head, n, 0, "RF64") ||
         at(head, n, 0, "BW64")) &&
        at(head, n, 8, "WAVE"))
        return 1;
    if (head && n >= sizeof w64 && memcmp(head, w64, sizeof w64) == 0)
        return 1;
    if (at(head, n, 0, "caff") || at(head, n, 0, "fLaC") || at(head, n, 0, ".snd"))
        return 1;
    if (at(head, n, 0, "FORM") && (at(head, n, 8, "AIFF") || at(head, n, 8, "AIFC")))
        return 1;
    /* A FLAC file may start with an ID3 tag, which libsndfile skips; the name decides. */
    if (at(head, n, 0, "ID3"))
        return has_audio_extension(name);
    return n < 12 && has_audio_extension(name);
}

/* ---- libsndfile over bytes in memory ------------------------------------------------------ */

typedef struct vio {
    const uint8_t *buf;
    sf_count_t len, pos;
} vio;

static sf_count_t vio_get_filelen(void *user)
{
    return ((vio *)user)->len;
}

static sf_count_t vio_seek(sf_count_t offset, int whence, void *user)
{
    vio *v = user;
    const sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? v->pos : v->len;
    if ((offset > 0 && base > INT64_MAX - offset) || base + offset < 0)
        return -1;
    v->pos = base + offset; /* past the end is allowed, as with fseek: reads then give 0 */
    return v->pos;
}

static sf_count_t vio_read(void *ptr, sf_count_t count, void *user)
{
    vio *v = user;
    if (count <= 0 || v->pos >= v->len)
        return 0;
    const sf_count_t n = count < v->len - v->pos ? count : v->len - v->pos;
    memcpy(ptr, v->buf + v->pos, (size_t)n);
    v->pos += n;
    return n;
}

static sf_count_t vio_write(const void *ptr, sf_count_t count, void *user)
{
    (void)ptr, (void)count, (void)user;
    return 0;
}

static sf_count_t vio_tell(void *user)
{
    return ((vio *)user)->pos;
}

/* ---- what libsndfile tells about the file ------------------------------------------------- */

typedef struct code_name {
    int code;
    const char *name;
} code_name;

static const code_name major_names[] = {
    {SF_FORMAT_WAV, "wav"},   {SF_FORMAT_AIFF, "aiff"}, {SF_FORMAT_AU, "au"},
    {SF_FORMAT_RAW, "raw"},   {SF_FORMAT_PAF, "paf"},   {SF_FORMAT_SVX, "svx"},
    {SF_FORMAT_NIST, "nist"}, {SF_FORMAT_VOC, "voc"},   {SF_FORMAT_IRCAM, "ircam"},
    {SF_FORMAT_W64, "w64"},   {SF_FORMAT_MAT4, "mat4"}, {SF_FORMAT_MAT5, "mat5"},
    {SF_FORMAT_PVF, "pvf"},   {SF_FORMAT_XI, "xi"},     {SF_FORMAT_HTK, "htk"},
    {SF_FORMAT_SDS, "sds"},   {SF_FORMAT_AVR, "avr"},   {SF_FORMAT_WAVEX, "wavex"},
    {SF_FORMAT_SD2, "sd2"},   {SF_FORMAT_FLAC, "flac"}, {SF_FORMAT_CAF, "caf"},
    {SF_FORMAT_WVE, "wve"},   {SF_FORMAT_OGG, "ogg"},   {SF_FORMAT_MPC2K, "mpc2k"},
    {SF_FORMAT_RF64, "rf64"}, {SF_FORMAT_MPEG, "mpeg"},
};

/* How values are read: 0 = integer code (normalisation off), 1 = stored float, 2 = lossy codec
 * decoded to [-1, 1] (normalisation on). Subtypes not listed are integer encodings. */
static const code_name subtype_kinds[] = {
    {SF_FORMAT_FLOAT, "1"},          {SF_FORMAT_DOUBLE, "1"},       {SF_FORMAT_VORBIS, "2"},
    {SF_FORMAT_OPUS, "2"},           {SF_FORMAT_MPEG_LAYER_I, "2"}, {SF_FORMAT_MPEG_LAYER_II, "2"},
    {SF_FORMAT_MPEG_LAYER_III, "2"},
};

static const char *lookup(const code_name *t, size_t n, int code, const char *fallback)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].code == code)
            return t[i].name;
    return fallback;
}

/* ---- the mcirc metadata comment ----------------------------------------------------------- */

/* One audio channel as the metadata (and then the calibration) describes it. */
typedef struct plan_channel {
    char stream[MC_NAME_MAX + 1]; /* stream name ("" = own stream "ch<k>") */
    char name[MC_NAME_MAX + 1];   /* channel name within the stream ("" = the stream's name) */
    char unit[MC_NAME_MAX + 1];
    double gain, offset;
    int meta_stream; /* index of its `stream=` line, -1 without metadata */
    int own_stream;  /* the calibration named it: never grouped */
    int modality;    /* mc_modality, or -1 = guess */
    int64_t first;   /* first frame of the file that belongs to the stream */
    int64_t frames;  /* frames of the stream, -1 = to the end of the file */
} plan_channel;

typedef struct plan {
    int has_meta;
    int64_t start_unix_ns, start_ns;
    int has_nan_code;
    double nan_code;
    uint32_t n_ch;
    plan_channel *ch; /* [n_ch] */
} plan;

static mc_status meta_error(mc_diag *d, const char *file, int line, const char *fmt, ...)
    MC_PRINTF(4, 5);

static mc_status meta_error(mc_diag *d, const char *file, int line, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* Values from the file are quoted: keep the message one printable ASCII line. */
    for (char *q = msg; *q; q++)
        if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7F)
            *q = '?';
    return mc_diag_set(d, MC_EFORMAT, -1, -1, "%s: mcirc metadata (comment line %d): %s", file,
                       line, msg);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* 1 when s is valid UTF-8 without control characters. */
static int utf8_text(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x20 || *p == 0x7F)
            return 0;
        if (*p < 0x80) {
            p++;
            continue;
        }
        int n = (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
        if (n < 0 || (*p == 0xC0 || *p == 0xC1) || *p > 0xF4)
            return 0;
        for (int k = 1; k <= n; k++)
            if ((p[k] & 0xC0) != 0x80)
                return 0;
        p += n + 1;
    }
    return 1;
}

static int parse_i64(const char *s, int64_t *out)
{
    if (!*s)
        return 0;
    char *end;
    errno = 0;
    const long long v = strtoll(s, &end, 10);
    if (*end || errno)
        return 0;
    *out = v;
    return 1;
}

static int parse_f64(const char *s, double *out)
{
    if (!*s)
        return 0;
    char *end;
    const double v = strtod(s, &end);
    if (*end || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

/* Parse the comment into p (already sized for the file's channels). A comment that is not mcirc
 * metadata leaves p without metadata. */
static mc_status parse_meta(const char *text, plan *p, const char *file, mc_diag *d)
{
    static const char head[] = "mcirc-audio ";
    if (!text || strncmp(text, head, sizeof head - 1) != 0)
        return MC_OK;
    const char *s = text + sizeof head - 1;
    if (strncmp(s, "1", 1) != 0 || (s[1] && s[1] != '\n' && s[1] != '\r'))
        return meta_error(d, file, 1, "version '%.*s' is not supported (1 is)",
                          (int)(strcspn(s, "\r\n") < 20 ? strcspn(s, "\r\n") : 20), s);
    p->has_meta = 1;
    int line = 1, n_streams = 0;
    uint32_t n_ch = 0;
    int64_t first = 0, frames = -1;
    int modality = -1;
    char cur_stream[MC_NAME_MAX + 1] = "";
    s = strchr(s, '\n');
    while (s && *s) {
        s++; /* past the '\n' */
        line++;
        const char *eol = strchr(s, '\n');
        const size_t len = eol ? (size_t)(eol - s) : strlen(s);
        enum { GLOBAL, STREAM, CHANNEL } kind = GLOBAL;
        plan_channel *c = NULL;
        for (size_t i = 0; i < len;) {
            /* One token: key=value, percent-decoded. */
            char key[32], val[MC_VALUE_MAX + 1];
            size_t k = 0, v = 0;
            while (i < len && s[i] != '=' && s[i] != ' ' && s[i] != '\r') {
                if (k + 1 >= sizeof key)
                    return meta_error(d, file, line, "a key longer than 31 bytes");
                if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
                    return meta_error(d, file, line, "a key holds a byte other than a-z 0-9 _");
                key[k++] = s[i++];
            }
            key[k] = '\0';
            if (i < len && s[i] == '=') {
                i++;
                while (i < len && s[i] != ' ' && s[i] != '\r') {
                    int ch = (unsigned char)s[i++];
                    if (ch == '%') {
                        const int hi = i < len ? hexval(s[i]) : -1;
                        const int lo = i + 1 < len ? hexval(s[i + 1]) : -1;
                        if (hi < 0 || lo < 0)
                            return meta_error(d, file, line, "bad %%XX escape in '%s'", key);
                        ch = hi * 16 + lo;
                        i += 2;
                    }
                    if (v + 1 >= sizeof val || ch == 0)
                        return meta_error(d, file, line, "value of '%s' too long or with NUL", key);
                    val[v++] = (char)ch;
                }
            } else if (k) {
                return meta_error(d, file, line, "'%.31s' is not key=value", key);
            }
            val[v] = '\0';
            while (i < len && (s[i] == ' ' || s[i] == '\r'))
                i++;
            if (!k)
                continue;
            /* The first token says what the line describes. */
            if (kind == GLOBAL && strcmp(key, "stream") == 0) {
                kind = STREAM;
                n_streams++;
                first = 0, frames = -1, modality = -1;
            } else if (kind == GLOBAL && strcmp(key, "channel") == 0) {
                kind = CHANNEL;
                if (n_streams == 0)
                    return meta_error(d, file, line, "a channel line before any stream");
                if (n_ch >= p->n_ch)
                    return meta_error(d, file, line,
                                      "more channel lines than the file's %u channels", p->n_ch);
                c = &p->ch[n_ch++];
                c->meta_stream = n_streams - 1;
                c->first = first, c->frames = frames, c->modality = modality;
                snprintf(c->stream, sizeof c->stream, "%s", cur_stream);
                snprintf(c->name, sizeof c->name, "ch%u", n_ch);
            }
            if (kind == STREAM) {
                if (strcmp(key, "stream") == 0) {
                    if (!mc_name_is_valid(val))
                        return meta_error(d, file, line, "stream name '%.64s' is not valid", val);
                    snprintf(cur_stream, sizeof cur_stream, "%.63s", val);
                } else if (strcmp(key, "modality") == 0) {
                    mc_modality m;
                    if (mc_modality_parse(val, &m) != MC_OK)
                        return meta_error(d, file, line, "unknown modality '%.32s'", val);
                    modality = (int)m;
                } else if (strcmp(key, "first") == 0) {
                    if (!parse_i64(val, &first) || first < 0)
                        return meta_error(d, file, line, "first='%.32s' is not a frame", val);
                } else if (strcmp(key, "frames") == 0) {
                    if (!parse_i64(val, &frames) || frames < 0)
                        return meta_error(d, file, line, "frames='%.32s' is not a count", val);
                }
            } else if (kind == CHANNEL) {
                if (strcmp(key, "channel") == 0) {
                    if (!mc_name_is_valid(val))
                        return meta_error(d, file, line, "channel name '%.64s' is not valid", val);
                    snprintf(c->name, sizeof c->name, "%.63s", val);
                } else if (strcmp(key, "unit") == 0) {
                    if (!utf8_text(val) || strlen(val) > MC_NAME_MAX)
                        return meta_error(d, file, line, "%s", "unit is not short UTF-8 text");
                    snprintf(c->unit, sizeof c->unit, "%.63s", val);
                } else if (strcmp(key, "gain") == 0) {
                    if (!parse_f64(val, &c->gain) || !isfinite(1.0 / c->gain))
                        return meta_error(d, file, line,
                                          "gain='%.32s' is not a finite, invertible scale", val);
                } else if (strcmp(key, "offset") == 0) {
                    if (!parse_f64(val, &c->offset))
                        return meta_error(d, file, line, "offset='%.32s' is not finite", val);
                }
            } else if (strcmp(key, "start_unix_ns") == 0) {
                if (!parse_i64(val, &p->start_unix_ns))
                    return meta_error(d, file, line, "start_unix_ns='%.32s'", val);
            } else if (strcmp(key, "start_ns") == 0) {
                if (!parse_i64(val, &p->start_ns) || p->start_ns < -(INT64_C(1) << 62) ||
                    p->start_ns > (INT64_C(1) << 62))
                    return meta_error(d, file, line, "start_ns='%.32s'", val);
            } else if (strcmp(key, "nan") == 0) {
                int64_t code;
                if (!parse_i64(val, &code) || code < INT32_MIN || code > INT32_MAX)
                    return meta_error(d, file, line, "nan='%.32s' is not a code", val);
                p->has_nan_code = 1;
                p->nan_code = (double)code;
            }
        }
        s = eol;
    }
    if (n_ch != p->n_ch) {
        return meta_error(d, file, line, "%u channel lines for a file of %u channels", n_ch,
                          p->n_ch);
    }
    for (uint32_t i = 1; i < n_ch; i++)
        for (uint32_t j = 0; j < i; j++)
            if (p->ch[i].meta_stream == p->ch[j].meta_stream &&
                strcmp(p->ch[i].name, p->ch[j].name) == 0)
                return meta_error(d, file, line, "channel '%.64s' twice in a stream",
                                  p->ch[i].name);
    return MC_OK;
}

/* Apply the caller's calibration over the file's metadata (or the defaults). */
static mc_status apply_calibration(plan *p, const mc_audio_read_opts *o, const char *file,
                                   mc_diag *d)
{
    for (uint32_t k = 0; k < p->n_ch && o->cal && k < o->n_cal; k++) {
        const mc_audio_calibration *cal = &o->cal[k];
        plan_channel *c = &p->ch[k];
        if (!isnan(cal->gain)) {
            if (!isfinite(cal->gain) || !isfinite(1.0 / cal->gain))
                return mc_diag_set(d, MC_EINVAL, -1, -1,
                                   "%s: channel %u: gain %g must be finite and invertible", file,
                                   k + 1, cal->gain);
            c->gain = cal->gain;
        }
        if (!isnan(cal->offset)) {
            if (!isfinite(cal->offset))
                return mc_diag_set(d, MC_EINVAL, -1, -1, "%s: channel %u: offset must be finite",
                                   file, k + 1);
            c->offset = cal->offset;
        }
        if (cal->unit) {
            if (!utf8_text(cal->unit) || strlen(cal->unit) > MC_NAME_MAX)
                return mc_diag_set(d, MC_EINVAL, -1, -1,
                                   "%s: channel %u: unit must be UTF-8 text of at most %d bytes",
                                   file, k + 1, MC_NAME_MAX);
            snprintf(c->unit, sizeof c->unit, "%s", cal->unit);
        }
        if (cal->modality) {
            mc_modality m;
            if (mc_modality_parse(cal->modality, &m) != MC_OK)
                return mc_diag_set(d, MC_EINVAL, -1, -1, "%s: channel %u: unknown modality '%s'",
                                   file, k + 1, cal->modality);
            c->modality = (int)m;
        }
        if (cal->name) {
            char fallback[16];
            snprintf(fallback, sizeof fallback, "ch%u", k + 1);
            mc_import_stream_name(cal->name, fallback, c->stream);
            c->own_stream = 1;
        }
    }
    return MC_OK;
}

/* A run of audio channels that becomes one stream. */
typedef struct run {
    uint32_t c0, n;
    int64_t first, frames; /* frames -1 = to the end */
    size_t index;          /* in the import */
} run;

/* Channel k and the one before it belong to one stream (metadata said so, no calibration name). */
static int same_stream(const plan *p, uint32_t k)
{
    if (k == 0)
        return 0;
    const plan_channel *a = &p->ch[k - 1], *b = &p->ch[k];
    return b->meta_stream >= 0 && a->meta_stream == b->meta_stream && !a->own_stream &&
           !b->own_stream;
}

/* Add the streams of the plan to the import; runs[] receives one entry per stream. */
static mc_status add_streams(const plan *p, double rate, const char *file, run *runs,
                             size_t *n_runs, mc_import *out, mc_diag *d)
{
    *n_runs = 0;
    mc_channel_info *chans = calloc(p->n_ch, sizeof *chans);
    if (!chans)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory");
    mc_status st = MC_OK;
    for (uint32_t k = 0; k < p->n_ch && st == MC_OK;) {
        uint32_t n = 1;
        while (k + n < p->n_ch && same_stream(p, k + n))
            n++;
        const plan_channel *c0 = &p->ch[k];
        char name[MC_NAME_MAX + 1], fallback[16];
        snprintf(fallback, sizeof fallback, "ch%u", k + 1);
        snprintf(name, sizeof name, "%s", c0->stream[0] ? c0->stream : fallback);
        for (uint32_t j = 0; j < n; j++) {
            const plan_channel *c = &p->ch[k + j];
            /* physical = gain * value + offset  <=>  value = physical * (1/gain) - offset/gain */
            chans[j] = (mc_channel_info){.name = c->name[0] ? c->name : name,
                                         .unit = c->unit,
                                         .scale_gain = 1.0 / c->gain,
                                         .scale_offset = -c->offset / c->gain};
        }
        char range[32];
        if (n == 1)
            snprintf(range, sizeof range, "%u", k + 1);
        else
            snprintf(range, sizeof range, "%u-%u", k + 1, k + n);
        const mc_kv attrs[] = {{"audio_channels", range}};
        const mc_modality modality = c0->modality >= 0 ? (mc_modality)c0->modality
                                                       : mc_import_guess_modality(name, c0->unit);
        const mc_stream_info info = {.name = name,
                                     .modality = modality,
                                     .n_channels = n,
                                     .channels = chans,
                                     .rate_hz = rate,
                                     .n_attrs = 1,
                                     .attrs = attrs};
        /* start_ns is within +-2^62 (parse_meta), and so must be the offset of `first`. */
        const double offset_ns = (double)c0->first * 1e9 / rate;
        if (p->has_meta && !(offset_ns < 0x1p62)) {
            st = mc_diag_set(d, MC_EFORMAT, -1, -1,
                             "%s: mcirc metadata: stream %s starts at frame %lld, beyond 2^62 ns",
                             file, name, (long long)c0->first);
            break;
        }
        const int64_t start_ns = p->has_meta ? p->start_ns + llround(offset_ns) : 0;
        runs[*n_runs] = (run){.c0 = k, .n = n, .first = c0->first, .frames = c0->frames};
        st = mc_import_add_stream(out, &info, start_ns, &runs[*n_runs].index, d);
        if (st == MC_OK)
            (*n_runs)++;
        k += n;
    }
    free(chans);
    return st;
}

/* libsndfile's text for an error, on one printable line (into buf). */
static const char *sf_reason(SNDFILE *sf, char buf[128])
{
    snprintf(buf, 128, "%s", sf_strerror(sf));
    for (char *q = buf; *q; q++)
        if ((unsigned char)*q < 0x20 || (unsigned char)*q == 0x7F)
            *q = ' ';
    return buf;
}

/* A physical value as float32: beyond its range is +-Inf (a C conversion would be undefined). */
static float to_float(double x)
{
    if (x > (double)FLT_MAX)
        return INFINITY;
    if (x < -(double)FLT_MAX)
        return -INFINITY;
    return (float)x;
}

/* Read every frame, convert and append; frames outside a stream's [first, first + frames) are
 * the exporter's padding and are dropped. */
static mc_status read_frames(SNDFILE *sf, const plan *p, const run *runs, size_t n_runs,
                             int64_t max_frames, const char *file, mc_import *out, mc_diag *d)
{
    const size_t n_ch = p->n_ch;
    const size_t chunk = n_ch >= 4096 ? 16 : 65536 / n_ch;
    double *in = malloc(chunk * n_ch * sizeof *in);
    float *conv = malloc(chunk * n_ch * sizeof *conv);
    mc_status st = MC_OK;
    if (!in || !conv) {
        st = mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory", file);
        goto done;
    }
    int64_t pos = 0; /* file frame of in[0] */
    for (;;) {
        const sf_count_t got = sf_readf_double(sf, in, (sf_count_t)chunk);
        if (got <= 0)
            break;
        if (max_frames > 0 && pos + got > max_frames) {
            st = mc_diag_set(d, MC_ENOMEM, -1, -1,
                             "%s: more than %lld frames (the bound set for this import)", file,
                             (long long)max_frames);
            goto done;
        }
        for (size_t r = 0; r < n_runs; r++) {
            const run *u = &runs[r];
            const int64_t end = u->frames < 0 || u->frames > INT64_MAX - u->first
                                    ? INT64_MAX
                                    : u->first + u->frames;
            const int64_t lo = pos > u->first ? pos : u->first;
            const int64_t hi = pos + got < end ? pos + got : end;
            if (lo >= hi)
                continue;
            size_t m = 0;
            for (int64_t f = lo; f < hi; f++) {
                const double *frame = in + (size_t)(f - pos) * n_ch;
                for (uint32_t j = 0; j < u->n; j++) {
                    const plan_channel *c = &p->ch[u->c0 + j];
                    const double v = frame[u->c0 + j];
                    conv[m++] = p->has_nan_code && v == p->nan_code
                                    ? NAN
                                    : to_float(c->gain * v + c->offset);
                }
            }
            st = mc_import_append(out, u->index, (size_t)(hi - lo), conv, NULL, d);
            if (st != MC_OK)
                goto done;
        }
        pos += got;
    }
    char reason[128];
    if (pos == 0 && sf_error(sf) != SF_ERR_NO_ERROR)
        st = mc_diag_set(d, MC_EFORMAT, -1, -1, "%s: no frame could be decoded: %s", file,
                         sf_reason(sf, reason));
done:
    free(in);
    free(conv);
    return st;
}

/* The import of an open file (label: the name used in messages). */
static mc_status import_sndfile(SNDFILE *sf, const SF_INFO *info, const char *label,
                                const mc_audio_read_opts *o, mc_import *out, mc_diag *d)
{
    const uint32_t max_ch = o->max_channels ? o->max_channels : MC_AUDIO_MAX_CHANNELS;
    if (info->channels < 1 || (uint32_t)info->channels > max_ch)
        return mc_diag_set(d, MC_EFORMAT, -1, -1, "%s: %d channels (1 to %u accepted)", label,
                           info->channels, max_ch);
    if (info->samplerate < 1 || info->samplerate > MC_AUDIO_MAX_RATE_HZ)
        return mc_diag_set(d, MC_EFORMAT, -1, -1,
                           "%s: sample rate %d Hz is outside 1..%d Hz: a corrupt header?", label,
                           info->samplerate, MC_AUDIO_MAX_RATE_HZ);
    snprintf(out->format, sizeof out->format, "%s",
             lookup(major_names, sizeof major_names / sizeof major_names[0],
                    info->format & SF_FORMAT_TYPEMASK, "audio"));
    const char *kind = lookup(subtype_kinds, sizeof subtype_kinds / sizeof subtype_kinds[0],
                              info->format & SF_FORMAT_SUBMASK, "0");
    sf_command(sf, SFC_SET_NORM_DOUBLE, NULL, kind[0] == '2' ? SF_TRUE : SF_FALSE);

    plan p = {.n_ch = (uint32_t)info->channels, .start_unix_ns = MC_IMPORT_NO_TIME};
    p.ch = calloc(p.n_ch, sizeof *p.ch);
    run *runs = calloc(p.n_ch, sizeof *runs);
    mc_status st = MC_OK;
    if (!p.ch || !runs) {
        st = mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory", label);
        goto done;
    }
    for (uint32_t k = 0; k < p.n_ch; k++)
        p.ch[k] = (plan_channel){
            .unit = "a.u.", .gain = 1, .meta_stream = -1, .modality = -1, .frames = -1};
    st = parse_meta(sf_get_string(sf, SF_STR_COMMENT), &p, label, d);
    if (st == MC_OK)
        st = apply_calibration(&p, o, label, d);
    if (st != MC_OK)
        goto done;
    for (uint32_t k = 0; k < p.n_ch; k++)
        if (!isfinite(1.0 / p.ch[k].gain) || !isfinite(p.ch[k].offset / p.ch[k].gain)) {
            st = mc_diag_set(d, MC_EFORMAT, -1, -1,
                             "%s: channel %u: gain %g with offset %g has no finite inverse", label,
                             k + 1, p.ch[k].gain, p.ch[k].offset);
            goto done;
        }
    if (p.has_meta)
        out->start_unix_ns = p.start_unix_ns;
    size_t n_runs;
    st = add_streams(&p, (double)info->samplerate, label, runs, &n_runs, out, d);
    if (st == MC_OK)
        st = read_frames(sf, &p, runs, n_runs, o->max_frames, label, out, d);
done:
    free(p.ch);
    free(runs);
    return st;
}

static const char *base_name(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : path ? path : "";
}

mc_status mc_audio_read(const uint8_t *buf, size_t len, const char *name,
                        const mc_audio_read_opts *o, mc_import *out, mc_diag *d)
{
    const mc_audio_read_opts defaults = mc_audio_read_opts_default();
    const char *label = name ? name : "(audio bytes)";
    if (!buf && len)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "%s: no buffer", label);
    if ((uint64_t)len > (uint64_t)INT64_MAX)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "%s: too large", label);
    static const uint8_t empty[1] = {0};
    vio v = {.buf = buf ? buf : empty, .len = (sf_count_t)len, .pos = 0};
    SF_VIRTUAL_IO io = {vio_get_filelen, vio_seek, vio_read, vio_write, vio_tell};
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open_virtual(&io, SFM_READ, &info, &v);
    char reason[128];
    if (!sf)
        return mc_diag_set(d, MC_EFORMAT, -1, -1, "%s: not a sound file libsndfile reads: %s",
                           label, sf_reason(NULL, reason));
    snprintf(out->source, sizeof out->source, "%s", base_name(name));
    mc_status st = import_sndfile(sf, &info, label, o ? o : &defaults, out, d);
    sf_close(sf);
    return st;
}

mc_status mc_audio_read_file(const char *path, const mc_audio_read_opts *o, mc_import *out,
                             mc_diag *d)
{
    const mc_audio_read_opts defaults = mc_audio_read_opts_default();
    FILE *probe = fopen(path, "rb");
    if (!probe)
        return mc_diag_set(d, errno == ENOENT ? MC_ENOTFOUND : MC_EIO, -1, -1, "%s: %s", path,
                           strerror(errno));
    fclose(probe);
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    char reason[128];
    if (!sf)
        return mc_diag_set(d, MC_EFORMAT, -1, -1, "%s: not a sound file libsndfile reads: %s", path,
                           sf_reason(NULL, reason));
    snprintf(out->source, sizeof out->source, "%s", base_name(path));
    mc_status st = import_sndfile(sf, &info, path, o ? o : &defaults, out, d);
    sf_close(sf);
    return st;
}

mc_status mc_audio_import(const char *path, mc_import *out, mc_diag *d)
{
    return mc_audio_read_file(path, NULL, out, d);
}
