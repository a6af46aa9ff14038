/* SPDX-License-Identifier: MIT */
/* formats/device_line.c: the pure line decoder of device files (formats/device_file.h): filter,
 * split into columns, find each field by column and/or KEY= token and comma index, read a number
 * with optional unit text or a missing marker, scale. No allocation; bounded stack. */
#include "formats/device_file.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "formats/device_file_internal.h"
#include "formats/text_scan.h"

typedef struct span {
    size_t b, e; /* [b, e) offsets into the line */
} span;

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int starts_with(const char *p, size_t n, const mc__dev_text *t)
{
    return n >= t->n && memcmp(p, t->s, t->n) == 0;
}

static int contains(const char *p, size_t n, const mc__dev_text *t)
{
    for (size_t i = 0; i + t->n <= n; i++)
        if (memcmp(p + i, t->s, t->n) == 0)
            return 1;
    return 0;
}

static span trim(const char *line, span s)
{
    while (s.b < s.e && is_blank(line[s.b]))
        s.b++;
    while (s.e > s.b && is_blank(line[s.e - 1]))
        s.e--;
    return s;
}

/* Split into at most MC_DEVICE_FILE_COLUMNS_MAX trimmed columns (the rest is not looked at). */
static size_t split(const mc_device_file *f, const char *line, size_t n, span *cols)
{
    size_t nc = 0, i = 0;
    if (f->sep_kind == MC__DEV_SEP_WHITESPACE) {
        while (nc < MC_DEVICE_FILE_COLUMNS_MAX) {
            while (i < n && is_blank(line[i]))
                i++;
            if (i >= n)
                break;
            size_t b = i;
            while (i < n && !is_blank(line[i]))
                i++;
            cols[nc++] = (span){b, i};
        }
        return nc;
    }
    size_t b = 0;
    while (nc < MC_DEVICE_FILE_COLUMNS_MAX) {
        if (i + f->sep.n <= n && memcmp(line + i, f->sep.s, f->sep.n) == 0) {
            cols[nc++] = trim(line, (span){b, i});
            i += f->sep.n;
            b = i;
        } else if (i >= n) {
            cols[nc++] = trim(line, (span){b, n});
            break;
        } else {
            i++;
        }
    }
    return nc;
}

/* The value of the first token `key=...` in the columns [c0, c1): tokens end at a blank or at
 * the column's end. Returns 1 and the value span, or 0. */
static int find_key(const char *line, const span *cols, size_t c0, size_t c1,
                    const mc__dev_field *fl, span *out)
{
    for (size_t c = c0; c < c1; c++) {
        size_t i = cols[c].b;
        while (i < cols[c].e) {
            while (i < cols[c].e && is_blank(line[i]))
                i++;
            size_t b = i;
            while (i < cols[c].e && !is_blank(line[i]))
                i++;
            if (i - b > fl->key_n && memcmp(line + b, fl->key, fl->key_n) == 0 &&
                line[b + fl->key_n] == '=') {
                *out = (span){b + fl->key_n + 1, i};
                return 1;
            }
        }
    }
    return 0;
}

/* Item `index` (1-based) of the comma list in s; 0 when the list is shorter. */
static int comma_item(const char *line, span s, uint32_t index, span *out)
{
    uint32_t k = 1;
    size_t b = s.b;
    for (size_t i = s.b; i <= s.e; i++) {
        if (i == s.e || line[i] == ',') {
            if (k == index) {
                *out = trim(line, (span){b, i});
                return 1;
            }
            k++;
            b = i + 1;
        }
    }
    return 0;
}

static int no_digit(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (is_digit(p[i]))
            return 0;
    return 1;
}

/* A missing marker, optionally followed by unit text without digits. */
static int is_missing(const char *p, size_t n, const mc__dev_list *markers)
{
    for (size_t m = 0; m < markers->n; m++)
        if (starts_with(p, n, &markers->item[m]) &&
            no_digit(p + markers->item[m].n, n - markers->item[m].n))
            return 1;
    return 0;
}

/* Length of the number at the start of p: [+-]d[.d][e[+-]d] with at least one digit; 0 if none. */
static size_t number_len(const char *p, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (p[i] == '+' || p[i] == '-'))
        i++;
    while (i < n && is_digit(p[i])) {
        i++;
        digits++;
    }
    if (i < n && p[i] == '.') {
        i++;
        while (i < n && is_digit(p[i])) {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (p[j] == '+' || p[j] == '-'))
            j++;
        if (j < n && is_digit(p[j])) {
            while (j < n && is_digit(p[j]))
                j++;
            i = j;
        }
    }
    return i;
}

static mc_status malformed(mc_device_line *out, mc_diag *d, const char *line, span s,
                           const mc__dev_field *fl, const char *what)
{
    memset(out->has_frame, 0, sizeof out->has_frame);
    int shown = (int)(s.e - s.b > 40 ? 40 : s.e - s.b);
    return mc_diag_set(d, MC_EFORMAT, (int64_t)s.b, -1,
                       "column %lld: field %s (%s): expected %s, got '%.*s'", (long long)s.b + 1,
                       fl->name, fl->channel, what, shown, line + s.b);
}

mc_status mc_device_file_decode_line(const mc_device_file *f, const char *line, size_t n,
                                     mc_device_line *out, mc_diag *d)
{
    out->skipped = MC_DEVICE_DECODED;
    out->n_streams = (uint32_t)f->n_streams;
    memset(out->has_frame, 0, sizeof out->has_frame);
    for (size_t s = 0; s < MC_DEVICE_FILE_STREAMS_MAX; s++)
        for (size_t c = 0; c < MC_DEVICE_FILE_CHANNELS_MAX; c++)
            out->value[s][c] = NAN;
    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n'))
        n--;
    if (n > MC_DEVICE_FILE_LINE_MAX)
        return mc_diag_set(d, MC_EFORMAT, MC_DEVICE_FILE_LINE_MAX, -1,
                           "column %d: expected a line of at most %d bytes",
                           MC_DEVICE_FILE_LINE_MAX + 1, MC_DEVICE_FILE_LINE_MAX);
    size_t first = 0;
    while (first < n && (is_blank(line[first]) || line[first] == '\r' || line[first] == '\n'))
        first++;
    if (first == n) {
        out->skipped = MC_DEVICE_SKIP_EMPTY;
        return MC_OK;
    }
    /* The filter sees the line as received (a prefix is matched at byte 0). */
    int pass = f->require_prefix.n == 0;
    for (size_t i = 0; i < f->require_prefix.n && !pass; i++)
        pass = starts_with(line, n, &f->require_prefix.item[i]);
    for (size_t i = 0; i < f->skip_prefix.n && pass; i++)
        pass = !starts_with(line, n, &f->skip_prefix.item[i]);
    for (size_t i = 0; i < f->skip_contains.n && pass; i++)
        pass = !contains(line, n, &f->skip_contains.item[i]);
    if (!pass) {
        out->skipped = MC_DEVICE_SKIP_FILTERED;
        return MC_OK;
    }

    span cols[MC_DEVICE_FILE_COLUMNS_MAX];
    const size_t nc = split(f, line, n, cols);
    int found_any = 0;
    for (size_t k = 0; k < f->n_fields; k++) {
        const mc__dev_field *fl = &f->fields[k];
        span s;
        if (fl->column && fl->column > nc)
            continue;
        if (fl->key_n) {
            size_t c0 = fl->column ? fl->column - 1 : 0, c1 = fl->column ? fl->column : nc;
            if (!find_key(line, cols, c0, c1, fl, &s))
                continue;
        } else {
            s = cols[fl->column - 1];
        }
        out->has_frame[fl->stream_i] = 1;
        found_any = 1;
        if (fl->index && !comma_item(line, s, fl->index, &s))
            continue; /* the list is shorter: absent, NaN */
        s = trim(line, s);
        const char *p = line + s.b;
        const size_t len = s.e - s.b;
        if (len == 0 || is_missing(p, len, fl->has_missing ? &fl->missing : &f->missing))
            continue;
        const size_t nl = number_len(p, len);
        if (nl == 0 || !no_digit(p + nl, len - nl) || (nl < len && p[nl] == '.'))
            return malformed(out, d, line, s, fl,
                             "a number (optionally followed by a unit) or a missing marker");
        double raw;
        if (!mc_text_number((mc_text_span){p, nl}, 0, &raw))
            return malformed(out, d, line, s, fl, "a decimal number of at most 63 characters");
        const double v = raw * fl->scale + fl->offset;
        if (!(fabs(v) <= (double)FLT_MAX))
            return malformed(out, d, line, s, fl, "a number within the range of float");
        out->value[fl->stream_i][fl->channel_i] = (float)v;
    }
    if (!found_any)
        out->skipped = MC_DEVICE_SKIP_NO_FIELD;
    return MC_OK;
}
