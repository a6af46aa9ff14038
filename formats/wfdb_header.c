/* SPDX-License-Identifier: MIT */
/* formats/wfdb_header.c: the WFDB header parser and the content detector (formats/wfdb.h).
 * Reference: header(5) of the WFDB Applications Guide. */
#include "formats/wfdb.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_TOKENS = 9, HEADER_MAX = 1 << 20, MAX_SEGMENTS = 1 << 20 };

/* One line of the header split into at most MAX_TOKENS whitespace-separated tokens; the last
 * token of a signal line (the description) runs to the end of the line. */
typedef struct line_tokens {
    char buf[1024];
    const char *tok[MAX_TOKENS];
    int n;
    const char *rest[MAX_TOKENS]; /* the line from token i on (trailing blanks cut) */
} line_tokens;

static void tokenize(const char *line, size_t len, line_tokens *t)
{
    if (len >= sizeof t->buf)
        len = sizeof t->buf - 1;
    /* Two copies in one buffer would not allow cutting tokens; keep the raw line after the
     * tokenised copy instead (the line is at most half the buffer, else it is cut). */
    const size_t half = sizeof t->buf / 2;
    if (len >= half)
        len = half - 1;
    memcpy(t->buf, line, len);
    t->buf[len] = '\0';
    char *raw = t->buf + half;
    memcpy(raw, line, len);
    raw[len] = '\0';
    size_t end = len;
    while (end > 0 && isspace((unsigned char)raw[end - 1]))
        raw[--end] = '\0';
    t->n = 0;
    size_t i = 0;
    while (t->n < MAX_TOKENS) {
        while (i < len && (t->buf[i] == ' ' || t->buf[i] == '\t'))
            i++;
        if (i >= len)
            break;
        t->rest[t->n] = raw + i;
        t->tok[t->n++] = t->buf + i;
        while (i < len && t->buf[i] != ' ' && t->buf[i] != '\t')
            i++;
        if (i < len)
            t->buf[i++] = '\0';
    }
}

/* Whole-token integer in [lo, hi]. */
static int parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return 0;
    errno = 0;
    char *end;
    const long long v = strtoll(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

/* Integer prefix of s (digits with optional sign); *end past it. */
static int parse_i64_prefix(const char *s, int64_t lo, int64_t hi, int64_t *out, const char **end)
{
    if (!(isdigit((unsigned char)s[0]) ||
          ((s[0] == '-' || s[0] == '+') && isdigit((unsigned char)s[1]))))
        return 0;
    errno = 0;
    char *e;
    const long long v = strtoll(s, &e, 10);
    if (errno || v < lo || v > hi)
        return 0;
    *out = v;
    *end = e;
    return 1;
}

/* A finite decimal number prefix (no hex, no inf/nan); *end past it. */
static int parse_double_prefix(const char *s, double *out, const char **end)
{
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
        return 0;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        return 0;
    errno = 0;
    char *e;
    const double v = strtod(s, &e);
    if (errno || !isfinite(v))
        return 0;
    *out = v;
    *end = e;
    return 1;
}

static int utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = 0;
        if (*p < 0x80)
            n = 0;
        else if ((*p & 0xE0) == 0xC0 && *p >= 0xC2)
            n = 1;
        else if ((*p & 0xF0) == 0xE0)
            n = 2;
        else if ((*p & 0xF8) == 0xF0 && *p <= 0xF4)
            n = 3;
        else
            return 0;
        p++;
        for (int k = 0; k < n; k++, p++)
            if ((*p & 0xC0) != 0x80)
                return 0;
    }
    return 1;
}

/* Copy a token into a text field, refusing control bytes, invalid UTF-8 and overlong text. */
static int copy_text(char dst[MC_WFDB_TEXT_MAX + 1], const char *src)
{
    const size_t n = strlen(src);
    if (n > MC_WFDB_TEXT_MAX || !utf8_valid(src))
        return 0;
    for (const char *p = src; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t')
            return 0;
    memcpy(dst, src, n + 1);
    return 1;
}

int mc_wfdb_format_known(int format)
{
    static const int known[] = {0, 8, 16, 24, 32, 61, 80, 160, 212, 310, 311, 508, 516, 524};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i] == format)
            return 1;
    return 0;
}

/* Base time "[[HH:]MM:]SS[.sss]" into seconds after midnight. */
static int parse_time(const char *s, double *out)
{
    double parts[3];
    int n = 0;
    const char *p = s;
    for (;;) {
        const char *e;
        if (n == 3 || !parse_double_prefix(p, &parts[n], &e) || parts[n] < 0)
            return 0;
        n++;
        if (*e == '\0')
            break;
        if (*e != ':')
            return 0;
        p = e + 1;
    }
    double t = 0;
    for (int i = 0; i < n; i++) {
        if (i < n - 1 && parts[i] != floor(parts[i]))
            return 0;
        if (i > 0 && parts[i] >= 60)
            return 0;
        t = t * 60 + parts[i];
    }
    if (t >= 86400 * 2.0)
        return 0;
    *out = t;
    return 1;
}

static int parse_date(const char *s, int *day, int *month, int *year)
{
    int64_t v[3];
    const char *p = s, *e;
    for (int i = 0; i < 3; i++) {
        if (!parse_i64_prefix(p, 0, 99999, &v[i], &e) || *p == '-' || *p == '+')
            return 0;
        if (i < 2 && *e != '/')
            return 0;
        p = e + 1;
    }
    if (*e != '\0' || v[0] < 1 || v[0] > 31 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 9999)
        return 0;
    *day = (int)v[0];
    *month = (int)v[1];
    *year = (int)v[2];
    return 1;
}

/* The record line: name[/nseg] nsig [fs[/counter[(base)]] [nsamp [base_time [base_date]]]]. */
static mc_status parse_record_line(const char *hname, const line_tokens *t, int64_t ln,
                                   mc_wfdb_header *h, mc_diag *d)
{
    if (t->n < 2)
        return mc_diag_set(d, MC_EFORMAT, -1, ln,
                           "%s: line %lld: expected a record line 'name nsig [fs [nsamp]]'", hname,
                           (long long)ln);
    char name[MC_WFDB_TEXT_MAX + 1];
    if (!copy_text(name, t->tok[0]))
        return mc_diag_set(d, MC_EFORMAT, -1, ln, "%s: line %lld: record name is not usable text",
                           hname, (long long)ln);
    char *slash = strchr(name, '/');
    if (slash) {
        *slash = '\0';
        int64_t nseg;
        if (!parse_i64(slash + 1, 1, MAX_SEGMENTS, &nseg))
            return mc_diag_set(
                d, MC_EFORMAT, -1, ln,
                "%s: line %lld: expected a segment count after '/' (1..%d), got '%s'", hname,
                (long long)ln, MAX_SEGMENTS, slash + 1);
        h->n_segments = (int)nseg;
    }
    if (!name[0])
        return mc_diag_set(d, MC_EFORMAT, -1, ln, "%s: line %lld: empty record name", hname,
                           (long long)ln);
    memcpy(h->name, name, sizeof h->name);
    int64_t nsig;
    if (!parse_i64(t->tok[1], 0, MC_WFDB_MAX_SIGNALS, &nsig))
        return mc_diag_set(d, MC_EFORMAT, -1, ln,
                           "%s: line %lld: expected the number of signals (0..%d), got '%s'", hname,
                           (long long)ln, MC_WFDB_MAX_SIGNALS, t->tok[1]);
    h->n_signals = (int)nsig;
    h->fs_hz = 250;
    if (t->n > 2) {
        const char *e;
        if (!parse_double_prefix(t->tok[2], &h->fs_hz, &e) || !(h->fs_hz >= 1e-3) || h->fs_hz > 1e6)
            return mc_diag_set(d, MC_EFORMAT, -1, ln,
                               "%s: line %lld: expected a sampling frequency 0.001 <= fs <= 1e6 "
                               "Hz, got '%s'",
                               hname, (long long)ln, t->tok[2]);
        if (*e == '/') {
            const char *e2;
            if (!parse_double_prefix(e + 1, &h->counter_hz, &e2) || !(h->counter_hz > 0))
                return mc_diag_set(d, MC_EFORMAT, -1, ln,
                                   "%s: line %lld: expected a counter frequency after '/', got "
                                   "'%s'",
                                   hname, (long long)ln, t->tok[2]);
            e = e2;
            if (*e == '(') {
                double base;
                if (!parse_double_prefix(e + 1, &base, &e2) || *e2 != ')')
                    return mc_diag_set(d, MC_EFORMAT, -1, ln,
                                       "%s: line %lld: expected '(base counter)', got '%s'", hname,
                                       (long long)ln, t->tok[2]);
                e = e2 + 1;
            }
        }
        if (*e)
            return mc_diag_set(d, MC_EFORMAT, -1, ln,
                               "%s: line %lld: unexpected '%s' after the sampling frequency", hname,
                               (long long)ln, e);
    }
    h->n_frames = -1;
    if (t->n > 3 && !parse_i64(t->tok[3], 0, INT64_MAX / 4, &h->n_frames))
        return mc_diag_set(d, MC_EFORMAT, -1, ln,
                           "%s: line %lld: expected the number of samples per signal, got '%s'",
                           hname, (long long)ln, t->tok[3]);
    if (t->n > 4) {
        if (!parse_time(t->tok[4], &h->base_time_s))
            return mc_diag_set(d, MC_EFORMAT, -1, ln,
                               "%s: line %lld: expected a base time HH:MM:SS[.sss], got '%s'",
                               hname, (long long)ln, t->tok[4]);
        h->has_time = 1;
    }
    if (t->n > 5) {
        if (!parse_date(t->tok[5], &h->day, &h->month, &h->year))
            return mc_diag_set(d, MC_EFORMAT, -1, ln,
                               "%s: line %lld: expected a base date DD/MM/YYYY, got '%s'", hname,
                               (long long)ln, t->tok[5]);
        h->has_date = 1;
    }
    if (t->n > 6)
        return mc_diag_set(d, MC_EFORMAT, -1, ln,
                           "%s: line %lld: unexpected '%s' after the base date", hname,
                           (long long)ln, t->tok[6]);
    return MC_OK;
}

/* Default ADC resolution of a format (bits), as header(5) gives it. */
static int default_adc_res(int format)
{
    switch (format) {
    case 8:
    case 80:
    case 508:
        return 8;
    case 212:
        return 12;
    case 310:
    case 311:
        return 10;
    case 24:
    case 524:
        return 24;
    case 32:
        return 32;
    default:
        return 16;
    }
}

/* A signal line: file format[xspf][:skew][+offset] [gain[(baseline)][/units] [adc_res [adc_zero
 * [init [checksum [block_size [description]]]]]]]. */
static mc_status parse_signal_line(const char *hname, const line_tokens *t, int64_t ln,
                                   mc_wfdb_signal *s, mc_diag *d)
{
    if (t->n < 2)
        return mc_diag_set(d, MC_EFORMAT, -1, ln,
                           "%s: line %lld: expected a signal line 'file format [gain ...]'", hname,
                           (long long)ln);
    s->line = ln;
    if (!copy_text(s->file, t->tok[0]))
        return mc_diag_set(d, MC_EFORMAT, -1, ln,
                           "%s: line %lld: signal file name is not usable text (at most %d bytes "
                           "of UTF-8)",
                           hname, (long long)ln, MC_WFDB_TEXT_MAX);
    const char *p = t->tok[1], *e;
    int64_t v;
    if (!parse_i64_prefix(p, 0, 100000, &v, &e) || *p == '-' || *p == '+' ||
        !mc_wfdb_format_known((int)v))
        return mc_diag_set(d, MC_EFORMAT, -1, ln,
                           "%s: line %lld: unsupported signal format '%s' (expected one of 0, 8, "
                           "16, 24, 32, 61, 80, 160, 212, 310, 311, 508, 516, 524)",
                           hname, (long long)ln, t->tok[1]);
    s->format = (int)v;
    s->spf = 1;
    if (*e == 'x') {
        p = e + 1;
        if (!parse_i64_prefix(p, 1, 1000000, &v, &e) || *p == '-' || *p == '+')
            return mc_diag_set(d, MC_EFORMAT, -1, ln,
                               "%s: line %lld: expected samples per frame 1..1000000 after 'x' "
                               "in '%s'",
                               hname, (long long)ln, t->tok[1]);
        s->spf = (int)v;
    }
    if (*e == ':') {
        p = e + 1;
        if (!parse_i64_prefix(p, 0, 1000000, &v, &e) || *p == '-' || *p == '+')
            return mc_diag_set(d, MC_EFORMAT, -1, ln,
                               "%s: line %lld: expected a skew 0..1000000 after ':' in '%s'", hname,
                               (long long)ln, t->tok[1]);
        s->skew = (int)v;
    }
    if (*e == '+') {
        p = e + 1;
        if (!parse_i64_prefix(p, 0, INT64_MAX / 2, &v, &e) || *p == '-' || *p == '+')
            return mc_diag_set(d, MC_EFORMAT, -1, ln,
                               "%s: line %lld: expected a byte offset after '+' in '%s'", hname,
                               (long long)ln, t->tok[1]);
        s->byte_offset = v;
    }
    if (*e)
        return mc_diag_set(d, MC_EFORMAT, -1, ln,
                           "%s: line %lld: unexpected '%s' in the format field '%s'", hname,
                           (long long)ln, e, t->tok[1]);

    s->gain = 200;
    snprintf(s->units, sizeof s->units, "mV");
    int has_baseline = 0;
    if (t->n > 2) {
        p = t->tok[2];
        double g;
        if (!parse_double_prefix(p, &g, &e))
            return mc_diag_set(d, MC_EFORMAT, -1, ln,
                               "%s: line %lld: expected a gain 'gain[(baseline)][/units]', got "
                               "'%s'",
                               hname, (long long)ln, p);
        if (g != 0 && !(fabs(g) >= 1e-20 && fabs(g) <= 1e20))
            return mc_diag_set(d, MC_EFORMAT, -1, ln,
                               "%s: line %lld: gain %g is out of range (1e-20..1e20 ADC units per "
                               "physical unit)",
                               hname, (long long)ln, g);
        if (g != 0) {
            s->gain = g;
            s->gain_given = 1;
        }
        if (*e == '(') {
            p = e + 1;
            if (!parse_i64_prefix(p, INT32_MIN, INT32_MAX, &s->baseline, &e) || *e != ')')
                return mc_diag_set(d, MC_EFORMAT, -1, ln,
                                   "%s: line %lld: expected '(baseline)' with an integer in '%s'",
                                   hname, (long long)ln, t->tok[2]);
            e++;
            has_baseline = 1;
        }
        if (*e == '/') {
            if (!e[1] || strlen(e + 1) > MC_NAME_MAX || !copy_text(s->units, e + 1))
                return mc_diag_set(d, MC_EFORMAT, -1, ln,
                                   "%s: line %lld: units after '/' are empty, too long or not "
                                   "UTF-8",
                                   hname, (long long)ln);
        } else if (*e) {
            return mc_diag_set(d, MC_EFORMAT, -1, ln,
                               "%s: line %lld: unexpected '%s' in the gain field '%s'", hname,
                               (long long)ln, e, t->tok[2]);
        }
    }
    int64_t fields[5] = {0, 0, 0, 0, 0}; /* adc_res, adc_zero, init, checksum, block_size */
    static const char *const what[5] = {"ADC resolution", "ADC zero", "initial value", "checksum",
                                        "block size"};
    static const int64_t lo[5] = {0, INT32_MIN, INT32_MIN, INT32_MIN, 0};
    static const int64_t hi[5] = {64, INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX};
    for (int k = 0; k < 5 && 3 + k < t->n; k++)
        if (!parse_i64(t->tok[3 + k], lo[k], hi[k], &fields[k]))
            return mc_diag_set(d, MC_EFORMAT, -1, ln, "%s: line %lld: expected the %s, got '%s'",
                               hname, (long long)ln, what[k], t->tok[3 + k]);
    s->adc_res = fields[0] ? (int)fields[0] : default_adc_res(s->format);
    s->adc_zero = fields[1];
    s->init_value = fields[2];
    s->has_checksum = t->n > 6;
    /* The checksum is a 16-bit sum; writers print it signed or unsigned. */
    s->checksum = (int)(int16_t)(uint16_t)(fields[3] & 0xFFFF);
    s->block_size = (int)fields[4];
    if (!has_baseline)
        s->baseline = s->adc_zero;
    if (t->n > 8 && !copy_text(s->description, t->rest[8]))
        return mc_diag_set(d, MC_EFORMAT, -1, ln,
                           "%s: line %lld: the description is not UTF-8 text of at most %d bytes",
                           hname, (long long)ln, MC_WFDB_TEXT_MAX);
    return MC_OK;
}

static mc_status parse_segment_line(const char *hname, const line_tokens *t, int64_t ln,
                                    mc_wfdb_segment *g, mc_diag *d)
{
    g->line = ln;
    if (t->n != 2 || !copy_text(g->name, t->tok[0]) ||
        !parse_i64(t->tok[1], 0, INT64_MAX / 4, &g->n_frames))
        return mc_diag_set(d, MC_EFORMAT, -1, ln,
                           "%s: line %lld: expected a segment line 'name nsamp' ('~' for a gap)",
                           hname, (long long)ln);
    if (strchr(g->name, '/') || strcmp(g->name, ".") == 0 || strcmp(g->name, "..") == 0)
        return mc_diag_set(d, MC_EFORMAT, -1, ln,
                           "%s: line %lld: segment name '%s' must be a plain record name", hname,
                           (long long)ln, g->name);
    return MC_OK;
}

static void add_comment(mc_wfdb_header *h, const char *line, size_t len)
{
    while (len > 0 && (*line == '#' || *line == ' ' || *line == '\t')) {
        line++;
        len--;
    }
    while (len > 0 && isspace((unsigned char)line[len - 1]))
        len--;
    if (len == 0)
        return;
    const size_t used = strlen(h->comments);
    if (used + 3 + len >= sizeof h->comments)
        return;
    snprintf(h->comments + used, sizeof h->comments - used, "%s%.*s", used ? "; " : "", (int)len,
             line);
}

mc_status mc_wfdb_header_parse(const char *name, const uint8_t *text, size_t len,
                               mc_wfdb_header *out, mc_diag *d)
{
    memset(out, 0, sizeof *out);
    out->n_frames = -1;
    if (len > HEADER_MAX)
        return mc_diag_set(d, MC_EFORMAT, 0, -1, "%s: %zu bytes is too large for a header", name,
                           len);
    if (memchr(text, '\0', len))
        return mc_diag_set(d, MC_EFORMAT,
                           (int64_t)((const uint8_t *)memchr(text, '\0', len) - text), -1,
                           "%s: a NUL byte: not a text header", name);
    /* Count the content lines first: the signal and segment arrays are bounded by them. */
    size_t content = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        size_t k = i;
        while (k < j && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r'))
            k++;
        if (k < j && text[k] != '#')
            content++;
        i = j + 1;
    }
    line_tokens *t = malloc(sizeof *t);
    if (!t)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory", name);
    mc_status st = MC_OK;
    int64_t ln = 0;
    int stage = 0; /* 0 record line, then signal or segment lines */
    int filled = 0, wanted = 0;
    for (size_t i = 0; i < len && st == MC_OK;) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        ln++;
        size_t end = j;
        while (end > i && text[end - 1] == '\r')
            end--;
        size_t k = i;
        while (k < end && (text[k] == ' ' || text[k] == '\t'))
            k++;
        const char *line = (const char *)text + k;
        const size_t llen = end - k;
        i = j + 1;
        if (llen == 0)
            continue;
        if (line[0] == '#') {
            add_comment(out, line, llen);
            continue;
        }
        if (llen >= sizeof t->buf / 2) {
            st = mc_diag_set(d, MC_EFORMAT, -1, ln, "%s: line %lld: longer than %zu bytes", name,
                             (long long)ln, sizeof t->buf / 2 - 1);
            break;
        }
        tokenize(line, llen, t);
        if (stage == 0) {
            st = parse_record_line(name, t, ln, out, d);
            if (st != MC_OK)
                break;
            wanted = out->n_segments ? out->n_segments : out->n_signals;
            if ((size_t)wanted > content - 1) {
                st = mc_diag_set(d, MC_EFORMAT, -1, ln,
                                 "%s: line %lld: the record declares %d %s but the header has %zu "
                                 "more lines",
                                 name, (long long)ln, wanted,
                                 out->n_segments ? "segments" : "signals", content - 1);
                break;
            }
            if (out->n_segments)
                out->segments = calloc((size_t)wanted, sizeof *out->segments);
            else if (wanted)
                out->signals = calloc((size_t)wanted, sizeof *out->signals);
            if (wanted && !out->segments && !out->signals) {
                st = mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory", name);
                break;
            }
            stage = 1;
            continue;
        }
        if (filled >= wanted) {
            st = mc_diag_set(d, MC_EFORMAT, -1, ln,
                             "%s: line %lld: more lines than the %d %s the record line declares",
                             name, (long long)ln, wanted, out->n_segments ? "segments" : "signals");
            break;
        }
        if (out->n_segments)
            st = parse_segment_line(name, t, ln, &out->segments[filled], d);
        else
            st = parse_signal_line(name, t, ln, &out->signals[filled], d);
        filled++;
    }
    free(t);
    if (st != MC_OK)
        return st;
    if (stage == 0)
        return mc_diag_set(d, MC_EFORMAT, 0, -1, "%s: no record line (an empty header)", name);
    if (filled < wanted)
        return mc_diag_set(d, MC_EFORMAT, -1, ln, "%s: %d %s declared, %d found", name, wanted,
                           out->n_segments ? "segments" : "signals", filled);
    for (int s = 0; s < out->n_signals && out->signals; s++)
        if (out->fs_hz * out->signals[s].spf > 1e6)
            return mc_diag_set(d, MC_EFORMAT, -1, out->signals[s].line,
                               "%s: line %lld: %d samples per frame at %g Hz is above 1 MHz", name,
                               (long long)out->signals[s].line, out->signals[s].spf, out->fs_hz);
    return MC_OK;
}

void mc_wfdb_header_free(mc_wfdb_header *h)
{
    if (!h)
        return;
    free(h->signals);
    free(h->segments);
    h->signals = NULL;
    h->segments = NULL;
}

/* The next content line (not blank, not a comment) of head[*pos, n): its start and length. */
static int next_content_line(const uint8_t *head, size_t n, size_t *pos, size_t *start, size_t *len)
{
    size_t i = *pos;
    while (i < n) {
        size_t j = i;
        while (j < n && head[j] != '\n')
            j++;
        size_t k = i;
        while (k < j && (head[k] == ' ' || head[k] == '\t'))
            k++;
        size_t end = j;
        while (end > k && head[end - 1] == '\r')
            end--;
        *pos = j + 1;
        if (k < end && head[k] != '#') {
            *start = k;
            *len = end - k;
            /* A line cut by the end of a full 4096-byte head is not trusted; a shorter head is
             * the whole file. */
            return j < n || n < 4096;
        }
        i = j + 1;
    }
    return 0;
}

int mc_wfdb_detect(const uint8_t *head, size_t n, const char *name)
{
    if (n > 4096)
        n = 4096;
    if (memchr(head, '\0', n))
        return 0;
    size_t pos = 0, start, len;
    if (!next_content_line(head, n, &pos, &start, &len) || len >= 500)
        return 0;
    line_tokens t;
    tokenize((const char *)head + start, len, &t);
    mc_wfdb_header h;
    memset(&h, 0, sizeof h);
    if (t.n < 2 || t.n > 6 || parse_record_line("", &t, 1, &h, NULL) != MC_OK)
        return 0;
    const char *base = name ? strrchr(name, '/') : NULL;
    base = base ? base + 1 : (name ? name : "");
    const size_t bl = strlen(base);
    const int hea_name = bl > 4 && strcmp(base + bl - 4, ".hea") == 0;
    if (hea_name && strlen(h.name) == bl - 4 && strncmp(h.name, base, bl - 4) == 0)
        return 1;
    /* Otherwise the content decides: the line after the record line must be a signal line with a
     * known format, or a segment line, as the record line announces. */
    if (h.n_signals == 0 && h.n_segments == 0)
        return hea_name;
    if (!next_content_line(head, n, &pos, &start, &len) || len >= 500)
        return 0;
    tokenize((const char *)head + start, len, &t);
    if (h.n_segments) {
        mc_wfdb_segment g;
        return parse_segment_line("", &t, 2, &g, NULL) == MC_OK;
    }
    mc_wfdb_signal s;
    memset(&s, 0, sizeof s);
    return parse_signal_line("", &t, 2, &s, NULL) == MC_OK;
}
