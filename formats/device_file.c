/* SPDX-License-Identifier: MIT */
/* formats/device_file.c: the parser of device files (formats/device_file.h) on top of
 * mc_ini_parse, the accessors the text driver needs, and the built-in files embedded at build
 * time (formats/devices/, turned into a generated C source by formats/CMakeLists.txt). */
#include "formats/device_file.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/device_file_internal.h"
#include "formats/ini.h"
#include "formats/text_scan.h"

/* The table of the generated source (same layout there). */
typedef struct mc__device_builtin {
    const char *name;
    const unsigned char *text;
    size_t len;
} mc__device_builtin;
extern const mc__device_builtin mc__device_builtins[];
extern const size_t mc__device_n_builtins;

/* Parser state: the file being filled and the section the current key belongs to. */
typedef struct parse_ctx {
    mc_device_file *f;
    char section[64];
    int kind; /* SEC_* */
    size_t index;
} parse_ctx;

enum { SEC_NONE, SEC_DEVICE, SEC_STREAM, SEC_FIELD };

static const char *const device_keys[] = {"name",
                                          "model",
                                          "description",
                                          "baud",
                                          "framing",
                                          "rtscts",
                                          "line_end",
                                          "request",
                                          "request_interval_s",
                                          "separator",
                                          "missing",
                                          "require_prefix",
                                          "skip_prefix",
                                          "skip_if_contains",
                                          NULL};
static const char *const stream_keys[] = {"modality", "rate_hz", NULL};
static const char *const field_keys[] = {"stream", "channel", "unit",   "column",  "key",
                                         "index",  "scale",   "offset", "missing", NULL};

static int key_index(const char *const *keys, const char *key)
{
    for (int i = 0; keys[i]; i++)
        if (strcmp(keys[i], key) == 0)
            return i;
    return -1;
}

static mc_status unknown_key(const char *const *keys, const mc_ini_entry *e, mc_diag *d)
{
    char list[256] = "";
    size_t used = 0;
    for (int i = 0; keys[i]; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", keys[i]);
        if (w < 0 || (size_t)w >= sizeof list - used)
            break;
        used += (size_t)w;
    }
    return mc_diag_set(d, MC_EFORMAT, -1, e->line, "line %lld: [%s] unknown key '%s'; expected %s",
                       (long long)e->line, e->section, e->key, list);
}

static mc_status bad_value(const mc_ini_entry *e, mc_diag *d, const char *expected)
{
    return mc_diag_set(d, MC_EFORMAT, -1, e->line, "line %lld: [%s] %s = '%s': expected %s",
                       (long long)e->line, e->section, e->key, e->value, expected);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A string value: "quoted with C escapes" or the trimmed text. Fails (returns 0) on a bad
 * escape, a missing closing quote, more than cap bytes, or a NUL when allow_nul is 0. */
static int parse_string(const char *v, char *out, size_t cap, size_t *n, int allow_nul)
{
    size_t len = strlen(v), k = 0;
    if (len == 0 || v[0] != '"') {
        if (len > cap)
            return 0;
        memcpy(out, v, len);
        *n = len;
        return 1;
    }
    if (len < 2 || v[len - 1] != '"')
        return 0;
    for (size_t i = 1; i + 1 < len; i++) {
        char c = v[i];
        if (c == '"')
            return 0;
        if (c == '\\') {
            if (i + 2 >= len)
                return 0;
            char x = v[++i];
            switch (x) {
            case 'r':
                c = '\r';
                break;
            case 'n':
                c = '\n';
                break;
            case 't':
                c = '\t';
                break;
            case '\\':
                c = '\\';
                break;
            case '"':
                c = '"';
                break;
            case 'x': {
                int hi = i + 2 < len ? hex_digit(v[i + 1]) : -1;
                int lo = i + 3 < len ? hex_digit(v[i + 2]) : -1;
                if (hi < 0 || lo < 0)
                    return 0;
                c = (char)(hi * 16 + lo);
                i += 2;
                break;
            }
            default:
                return 0;
            }
        }
        if ((c == '\0' && !allow_nul) || k >= cap)
            return 0;
        out[k++] = c;
    }
    *n = k;
    return 1;
}

static int parse_text(const char *v, mc__dev_text *t)
{
    if (!parse_string(v, t->s, MC__DEV_TEXT_MAX, &t->n, 0) || t->n == 0)
        return 0;
    t->s[t->n] = '\0';
    return 1;
}

static int parse_uint(const char *v, uint32_t lo, uint32_t hi, uint32_t *out)
{
    uint64_t x = 0;
    if (!*v)
        return 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9' || x > hi)
            return 0;
        x = x * 10 + (uint64_t)(*p - '0');
    }
    if (x < lo || x > hi)
        return 0;
    *out = (uint32_t)x;
    return 1;
}

static int parse_finite(const char *v, double *out)
{
    mc_text_span s = {v, strlen(v)};
    return mc_text_number(s, 0, out) && isfinite(*out);
}

/* [a-z0-9_-], 1..63 bytes: device names, stream suffixes, field names. */
static int is_plain_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > MC_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int is_printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

/* A comma list of markers (missing = ---, --.-). */
static int parse_marker_list(const char *v, mc__dev_list *l)
{
    l->n = 0;
    const char *p = v;
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *e = comma ? comma : p + strlen(p);
        mc_text_span s = mc_text_trim((mc_text_span){p, (size_t)(e - p)});
        if (s.n == 0 || s.n > MC__DEV_TEXT_MAX || l->n >= MC__DEV_LIST_MAX)
            return 0;
        memcpy(l->item[l->n].s, s.p, s.n);
        l->item[l->n].s[s.n] = '\0';
        l->item[l->n].n = s.n;
        l->n++;
        if (!comma)
            return 1;
        p = comma + 1;
    }
}

static mc_status list_add(mc__dev_list *l, const mc_ini_entry *e, mc_diag *d)
{
    if (l->n >= MC__DEV_LIST_MAX)
        return mc_diag_set(d, MC_EFORMAT, -1, e->line, "line %lld: [%s] more than %d %s lines",
                           (long long)e->line, e->section, MC__DEV_LIST_MAX, e->key);
    if (!parse_text(e->value, &l->item[l->n]))
        return bad_value(e, d,
                         "a non-empty text of at most 64 bytes, quoted with C escapes or not");
    l->n++;
    return MC_OK;
}

static mc_status device_key(mc_device_file *f, const mc_ini_entry *e, int k, mc_diag *d)
{
    const char *v = e->value;
    size_t n;
    switch (k) {
    case 0:
        if (!is_plain_name(v))
            return bad_value(e, d, "a name of 1-63 characters a-z 0-9 _ -");
        strcpy(f->name, v);
        return MC_OK;
    case 1:
    case 2: {
        char *dst = k == 1 ? f->model : f->description;
        if (strlen(v) > MC_VALUE_MAX || !is_printable(v) || (k == 1 && !*v))
            return bad_value(e, d, "printable text of at most 255 bytes");
        strcpy(dst, v);
        return MC_OK;
    }
    case 3: {
        uint32_t baud;
        if (!parse_uint(v, 50, 4000000, &baud))
            return bad_value(e, d, "a baud rate, 50..4000000");
        snprintf(f->baud, sizeof f->baud, "%u", (unsigned)baud);
        return MC_OK;
    }
    case 4:
        if (strlen(v) != 3 || v[0] < '5' || v[0] > '8' || !strchr("NEO", v[1]) ||
            (v[2] != '1' && v[2] != '2'))
            return bad_value(e, d, "data bits 5-8, parity N/E/O, stop bits 1/2, e.g. 8N1");
        strcpy(f->framing, v);
        return MC_OK;
    case 5:
        if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
            return bad_value(e, d, "0 or 1");
        strcpy(f->rtscts, v);
        return MC_OK;
    case 6:
        if (strcmp(v, "lf") != 0 && strcmp(v, "cr") != 0 && strcmp(v, "crlf") != 0 &&
            strcmp(v, "any") != 0)
            return bad_value(e, d, "lf, cr, crlf or any");
        strcpy(f->line_end, v);
        return MC_OK;
    case 7:
        if (!parse_string(v, (char *)f->request, MC_VALUE_MAX, &n, 1) || n == 0)
            return bad_value(e, d, "1-255 bytes, in double quotes with C escapes (\\r \\n \\xHH)");
        f->request_n = n;
        return MC_OK;
    case 8:
        if (!parse_finite(v, &f->request_interval_s) || f->request_interval_s <= 0 ||
            f->request_interval_s > 86400)
            return bad_value(e, d, "a period in seconds, > 0 and <= 86400");
        return MC_OK;
    case 9:
        if (strcmp(v, "whitespace") == 0) {
            f->sep_kind = MC__DEV_SEP_WHITESPACE;
            return MC_OK;
        }
        f->sep_kind = MC__DEV_SEP_LITERAL;
        if (strcmp(v, "tab") == 0) {
            f->sep.s[0] = '\t';
            f->sep.n = 1;
            return MC_OK;
        }
        if (!parse_text(v, &f->sep))
            return bad_value(e, d, "whitespace, tab, or a non-empty text (\"  \" for two spaces)");
        return MC_OK;
    case 10:
        if (!parse_marker_list(v, &f->missing))
            return bad_value(e, d, "a comma list of 1-8 markers such as ---, --.-");
        return MC_OK;
    case 11:
        return list_add(&f->require_prefix, e, d);
    case 12:
        return list_add(&f->skip_prefix, e, d);
    default:
        return list_add(&f->skip_contains, e, d);
    }
}

static mc_status stream_key(mc__dev_stream *s, const mc_ini_entry *e, int k, mc_diag *d)
{
    if (k == 0) {
        if (mc_modality_parse(e->value, &s->modality) != MC_OK)
            return bad_value(e, d, "ppg, ldf, nirs, pco2 or other");
        return MC_OK;
    }
    if (!parse_finite(e->value, &s->rate_hz) || s->rate_hz < 0 || s->rate_hz > 1e6)
        return bad_value(e, d, "a rate in Hz, 0 (irregular) to 1e6");
    return MC_OK;
}

static mc_status field_key(mc__dev_field *fl, const mc_ini_entry *e, int k, mc_diag *d)
{
    const char *v = e->value;
    switch (k) {
    case 0:
        if (*v && !is_plain_name(v))
            return bad_value(e, d, "a stream suffix of a-z 0-9 _ - (empty: the [stream])");
        strcpy(fl->stream, v);
        return MC_OK;
    case 1:
        if (!mc_name_is_valid(v))
            return bad_value(e, d, "a channel name of 1-63 characters A-Z a-z 0-9 _ - .");
        strcpy(fl->channel, v);
        return MC_OK;
    case 2:
        if (!*v || strlen(v) > MC_NAME_MAX || !is_printable(v) || strchr(v, ' '))
            return bad_value(e, d, "a UCUM unit such as %, mm[Hg], PU, /min, Cel, mW");
        strcpy(fl->unit, v);
        return MC_OK;
    case 3:
        if (!parse_uint(v, 1, MC_DEVICE_FILE_COLUMNS_MAX, &fl->column))
            return bad_value(e, d, "a column number, 1..256");
        return MC_OK;
    case 4: {
        mc__dev_text t;
        if (!parse_text(v, &t) || strchr(t.s, '=') || strchr(t.s, ' ') || strchr(t.s, '\t'))
            return bad_value(e, d, "the text before '=' of a KEY=value token (no space, no '=')");
        memcpy(fl->key, t.s, t.n + 1);
        fl->key_n = t.n;
        return MC_OK;
    }
    case 5:
        if (!parse_uint(v, 1, 1000, &fl->index))
            return bad_value(e, d, "an item number in the comma list, 1..1000");
        return MC_OK;
    case 6:
        if (!parse_finite(v, &fl->scale) || fl->scale == 0)
            return bad_value(e, d, "a finite non-zero number");
        return MC_OK;
    case 7:
        if (!parse_finite(v, &fl->offset))
            return bad_value(e, d, "a finite number");
        return MC_OK;
    default:
        if (!parse_marker_list(v, &fl->missing))
            return bad_value(e, d, "a comma list of 1-8 markers such as ---, 0");
        fl->has_missing = 1;
        return MC_OK;
    }
}

/* A new section: find or create its stream or field. */
static mc_status enter_section(parse_ctx *c, const mc_ini_entry *e, mc_diag *d)
{
    mc_device_file *f = c->f;
    snprintf(c->section, sizeof c->section, "%s", e->section);
    const char *s = e->section;
    if (strcmp(s, "device") == 0) {
        if (f->device_line == 0)
            f->device_line = e->line;
        c->kind = SEC_DEVICE;
        return MC_OK;
    }
    if (strcmp(s, "stream") == 0 || strncmp(s, "stream.", 7) == 0) {
        const char *suffix = s[6] ? s + 7 : "";
        if (s[6] && !is_plain_name(suffix))
            return mc_diag_set(d, MC_EFORMAT, -1, e->line,
                               "line %lld: [%s]: expected [stream] or [stream.SUFFIX] with a "
                               "suffix of a-z 0-9 _ -",
                               (long long)e->line, s);
        for (size_t i = 0; i < f->n_streams; i++)
            if (strcmp(f->streams[i].suffix, suffix) == 0) {
                c->kind = SEC_STREAM;
                c->index = i;
                return MC_OK;
            }
        if (f->n_streams >= MC_DEVICE_FILE_STREAMS_MAX)
            return mc_diag_set(d, MC_EFORMAT, -1, e->line, "line %lld: [%s]: more than %d streams",
                               (long long)e->line, s, MC_DEVICE_FILE_STREAMS_MAX);
        mc__dev_stream *st = &f->streams[f->n_streams];
        strcpy(st->suffix, suffix);
        st->line = e->line;
        c->kind = SEC_STREAM;
        c->index = f->n_streams++;
        return MC_OK;
    }
    if (strncmp(s, "field.", 6) == 0) {
        const char *name = s + 6;
        if (!is_plain_name(name))
            return mc_diag_set(d, MC_EFORMAT, -1, e->line,
                               "line %lld: [%s]: expected [field.NAME] with a name of a-z 0-9 _ -",
                               (long long)e->line, s);
        for (size_t i = 0; i < f->n_fields; i++)
            if (strcmp(f->fields[i].name, name) == 0) {
                c->kind = SEC_FIELD;
                c->index = i;
                return MC_OK;
            }
        if (f->n_fields >= MC_DEVICE_FILE_FIELDS_MAX)
            return mc_diag_set(d, MC_EFORMAT, -1, e->line, "line %lld: [%s]: more than %d fields",
                               (long long)e->line, s, MC_DEVICE_FILE_FIELDS_MAX);
        mc__dev_field *fl = &f->fields[f->n_fields];
        strcpy(fl->name, name);
        fl->scale = 1.0;
        fl->line = e->line;
        c->kind = SEC_FIELD;
        c->index = f->n_fields++;
        return MC_OK;
    }
    return mc_diag_set(d, MC_EFORMAT, -1, e->line,
                       "line %lld: [%s]: unknown section; expected [device], [stream], "
                       "[stream.SUFFIX] or [field.NAME]",
                       (long long)e->line, s);
}

static mc_status on_entry(void *ctx, const mc_ini_entry *e, mc_diag *d)
{
    parse_ctx *c = ctx;
    if (c->kind == SEC_NONE || strcmp(c->section, e->section) != 0) {
        if (!e->section[0])
            return mc_diag_set(d, MC_EFORMAT, -1, e->line,
                               "line %lld: '%s' before any section; expected [device] first",
                               (long long)e->line, e->key);
        mc_status st = enter_section(c, e, d);
        if (st != MC_OK)
            return st;
    }
    const char *const *keys = c->kind == SEC_DEVICE   ? device_keys
                              : c->kind == SEC_STREAM ? stream_keys
                                                      : field_keys;
    unsigned *seen = c->kind == SEC_DEVICE   ? &c->f->device_seen
                     : c->kind == SEC_STREAM ? &c->f->streams[c->index].seen
                                             : &c->f->fields[c->index].seen;
    int k = key_index(keys, e->key);
    if (k < 0)
        return unknown_key(keys, e, d);
    int is_list = c->kind == SEC_DEVICE && k >= 11;
    if (!is_list && (*seen & (1u << k)))
        return mc_diag_set(d, MC_EFORMAT, -1, e->line, "line %lld: [%s] %s given twice",
                           (long long)e->line, e->section, e->key);
    *seen |= 1u << k;
    if (c->kind == SEC_DEVICE)
        return device_key(c->f, e, k, d);
    if (c->kind == SEC_STREAM)
        return stream_key(&c->f->streams[c->index], e, k, d);
    return field_key(&c->f->fields[c->index], e, k, d);
}

/* Checks that need the whole file: required keys, field -> stream -> channel. */
static mc_status finish(mc_device_file *f, mc_diag *d)
{
    const long long dl = (long long)f->device_line;
    if (f->device_line == 0)
        return mc_diag_set(d, MC_EFORMAT, -1, -1,
                           "no [device] section; expected one with 'name' and 'model'");
    if (!(f->device_seen & 1u) || !(f->device_seen & 2u))
        return mc_diag_set(d, MC_EFORMAT, -1, f->device_line,
                           "line %lld: [device]: expected 'name' and 'model' (both are required)",
                           dl);
    if (f->request_n > 0 && f->request_interval_s <= 0)
        return mc_diag_set(d, MC_EFORMAT, -1, f->device_line,
                           "line %lld: [device]: 'request' needs 'request_interval_s' (seconds)",
                           dl);
    if (f->request_n == 0 && f->request_interval_s > 0)
        return mc_diag_set(d, MC_EFORMAT, -1, f->device_line,
                           "line %lld: [device]: 'request_interval_s' without a 'request'", dl);
    if (f->n_streams == 0)
        return mc_diag_set(d, MC_EFORMAT, -1, -1,
                           "no [stream] section; expected at least one, with a 'modality'");
    for (size_t i = 0; i < f->n_streams; i++)
        if (!(f->streams[i].seen & 1u))
            return mc_diag_set(d, MC_EFORMAT, -1, f->streams[i].line,
                               "line %lld: [stream%s%s]: expected 'modality'",
                               (long long)f->streams[i].line, f->streams[i].suffix[0] ? "." : "",
                               f->streams[i].suffix);
    /* The stream without suffix first (the driver names it NAME). */
    for (size_t i = 1; i < f->n_streams; i++)
        if (!f->streams[i].suffix[0]) {
            mc__dev_stream tmp = f->streams[i];
            memmove(&f->streams[1], &f->streams[0], i * sizeof tmp);
            f->streams[0] = tmp;
        }
    for (size_t i = 0; i < f->n_fields; i++) {
        mc__dev_field *fl = &f->fields[i];
        long long line = (long long)fl->line;
        if (!fl->unit[0])
            return mc_diag_set(d, MC_EFORMAT, -1, fl->line,
                               "line %lld: [field.%s]: expected 'unit' (UCUM, e.g. %%, mm[Hg])",
                               line, fl->name);
        if (!fl->column && !fl->key_n)
            return mc_diag_set(d, MC_EFORMAT, -1, fl->line,
                               "line %lld: [field.%s]: expected 'column' or 'key' (or both)", line,
                               fl->name);
        if (!fl->channel[0]) {
            if (!mc_name_is_valid(fl->name))
                return mc_diag_set(d, MC_EFORMAT, -1, fl->line,
                                   "line %lld: [field.%s]: expected 'channel'", line, fl->name);
            strcpy(fl->channel, fl->name);
        }
        size_t s = 0;
        while (s < f->n_streams && strcmp(f->streams[s].suffix, fl->stream) != 0)
            s++;
        if (s == f->n_streams)
            return mc_diag_set(d, MC_EFORMAT, -1, fl->line,
                               "line %lld: [field.%s]: stream '%s': no [stream%s%s] section", line,
                               fl->name, fl->stream, fl->stream[0] ? "." : "", fl->stream);
        mc__dev_stream *st = &f->streams[s];
        for (uint32_t c = 0; c < st->n_channels; c++)
            if (strcmp(st->channels[c].name, fl->channel) == 0)
                return mc_diag_set(d, MC_EFORMAT, -1, fl->line,
                                   "line %lld: [field.%s]: channel '%s' is already in [stream%s%s]",
                                   line, fl->name, fl->channel, fl->stream[0] ? "." : "",
                                   fl->stream);
        if (st->n_channels >= MC_DEVICE_FILE_CHANNELS_MAX)
            return mc_diag_set(d, MC_EFORMAT, -1, fl->line,
                               "line %lld: [field.%s]: more than %d channels in [stream%s%s]", line,
                               fl->name, MC_DEVICE_FILE_CHANNELS_MAX, fl->stream[0] ? "." : "",
                               fl->stream);
        fl->stream_i = (uint32_t)s;
        fl->channel_i = st->n_channels;
        /* Provenance in mc_channel_info's terms: raw = physical * gain + offset. */
        st->channels[st->n_channels++] =
            (mc_channel_info){fl->channel, fl->unit, 1.0 / fl->scale, -fl->offset / fl->scale};
    }
    for (size_t i = 0; i < f->n_streams; i++) {
        mc__dev_stream *st = &f->streams[i];
        if (st->n_channels == 0)
            return mc_diag_set(d, MC_EFORMAT, -1, st->line,
                               "line %lld: [stream%s%s]: no [field.*] names this stream",
                               (long long)st->line, st->suffix[0] ? "." : "", st->suffix);
    }
    /* The transport defaults as key/values. */
    f->n_transport = 0;
    if (f->baud[0])
        f->transport[f->n_transport++] = (mc_kv){"baud", f->baud};
    if (f->framing[0])
        f->transport[f->n_transport++] = (mc_kv){"framing", f->framing};
    if (f->rtscts[0])
        f->transport[f->n_transport++] = (mc_kv){"rtscts", f->rtscts};
    if (!f->line_end[0])
        strcpy(f->line_end, "any");
    f->transport[f->n_transport++] = (mc_kv){"line_end", f->line_end};
    if (!(f->device_seen & (1u << 10)))
        (void)parse_marker_list("---, --.-", &f->missing);
    return MC_OK;
}

mc_status mc_device_file_parse(const char *text, size_t n, const char *origin_name,
                               mc_device_file **out, mc_diag *d)
{
    *out = NULL;
    mc_device_file *f = calloc(1, sizeof *f);
    if (!f)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory",
                           origin_name ? origin_name : "");
    f->sep_kind = MC__DEV_SEP_WHITESPACE;
    parse_ctx c = {f, "", SEC_NONE, 0};
    mc_diag local;
    mc_diag_clear(&local);
    mc_status st = mc_ini_parse(text, n, on_entry, &c, &local);
    if (st == MC_OK)
        st = finish(f, &local);
    if (st != MC_OK) {
        mc_diag_set(d, st, local.offset, local.line, "%s: %s", origin_name ? origin_name : "",
                    local.message);
        free(f);
        return st;
    }
    /* Channels point at the strings of fields[], which live as long as f. */
    *out = f;
    return MC_OK;
}

void mc_device_file_destroy(mc_device_file *f)
{
    free(f);
}

size_t mc_device_file_n_streams(const mc_device_file *f)
{
    return f->n_streams;
}

const char *mc_device_file_get_stream_suffix(const mc_device_file *f, size_t i)
{
    return i < f->n_streams ? f->streams[i].suffix : "";
}

mc_status mc_device_file_get_stream(const mc_device_file *f, size_t i, mc_stream_info *info)
{
    if (i >= f->n_streams)
        return MC_EINVAL;
    const mc__dev_stream *s = &f->streams[i];
    memset(info, 0, sizeof *info);
    info->modality = s->modality;
    info->n_channels = s->n_channels;
    info->channels = s->channels;
    info->rate_hz = s->rate_hz;
    info->device_model = f->model;
    info->driver = "text";
    return MC_OK;
}

const char *mc_device_file_get_name(const mc_device_file *f)
{
    return f->name;
}

const char *mc_device_file_get_model(const mc_device_file *f)
{
    return f->model;
}

const char *mc_device_file_get_description(const mc_device_file *f)
{
    return f->description;
}

const mc_kv *mc_device_file_get_transport(const mc_device_file *f, size_t *n)
{
    *n = f->n_transport;
    return f->transport;
}

const uint8_t *mc_device_file_get_request(const mc_device_file *f, size_t *n, double *interval_s)
{
    *n = f->request_n;
    *interval_s = f->request_n ? f->request_interval_s : 0.0;
    return f->request_n ? f->request : NULL;
}

mc_status mc_device_file_builtin(const char *name, const char **text, size_t *n)
{
    for (size_t i = 0; i < mc__device_n_builtins; i++)
        if (name && strcmp(mc__device_builtins[i].name, name) == 0) {
            *text = (const char *)mc__device_builtins[i].text;
            *n = mc__device_builtins[i].len;
            return MC_OK;
        }
    *text = NULL;
    *n = 0;
    return MC_ENOTFOUND;
}

const char *mc_device_file_builtin_name(size_t i)
{
    return i < mc__device_n_builtins ? mc__device_builtins[i].name : NULL;
}

mc_status mc_device_file_open_builtin(const char *name, mc_device_file **out, mc_diag *d)
{
    const char *text;
    size_t n;
    *out = NULL;
    if (mc_device_file_builtin(name, &text, &n) != MC_OK) {
        char list[256] = "";
        size_t used = 0;
        for (size_t i = 0; i < mc__device_n_builtins; i++) {
            int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                             mc__device_builtins[i].name);
            if (w < 0 || (size_t)w >= sizeof list - used)
                break;
            used += (size_t)w;
        }
        return mc_diag_set(d, MC_ENOTFOUND, -1, -1,
                           "no built-in device file '%s'; expected one of %s", name ? name : "",
                           list);
    }
    char origin[96];
    snprintf(origin, sizeof origin, "builtin:%.60s.ini", name);
    return mc_device_file_parse(text, n, origin, out, d);
}
