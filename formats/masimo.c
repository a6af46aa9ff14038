/* SPDX-License-Identifier: MIT */
/* formats/masimo.c: Masimo "ASCII 1" serial lines (formats/masimo.h): line splitter, line parser
 * and text-log importer. */
#include "formats/masimo.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Keys of the numeric fields, their stream names and UCUM units (order of mc_masimo_field). */
static const struct {
    const char *key, *stream, *unit;
} fields[MC_MASIMO_N_FIELDS] = {
    {"SPO2", "SpO2", "%"},        {"BPM", "PR", "/min"},     {"PI", "PI", "%"},
    {"PVI", "PVI", "%"},          {"SPCO", "SpCO", "%"},     {"SPMET", "SpMet", "%"},
    {"SPHB", "SpHb", "g/dL"},     {"SPOC", "SpOC", "mL/dL"}, {"DESAT", "DESAT", "1"},
    {"PIDELTA", "PI_DELTA", "%"},
};

static const char *const exc_names[] = {
    "no sensor",
    "defective sensor",
    "low perfusion",
    "pulse search",
    "interference",
    "sensor off",
    "ambient light",
    "unrecognized sensor",
    "incompatible sensor",
    NULL,
    "low signal IQ",
    "Masimo SET mode",
    "no cable",
};

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Two digits at s (already known to be there). */
static int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* `mm/dd/yy hh:mm:ss` at the start of the line: 1 and *unix_s, or 0. */
static int parse_datetime(const char *s, size_t n, int64_t *unix_s)
{
    static const char pattern[] = "dd/dd/dd dd:dd:dd";
    if (n < sizeof pattern - 1)
        return 0;
    for (size_t i = 0; i < sizeof pattern - 1; i++)
        if (pattern[i] == 'd' ? !is_digit(s[i]) : s[i] != pattern[i])
            return 0;
    const int mon = two(s), day = two(s + 3), year = 2000 + two(s + 6);
    const int h = two(s + 9), mi = two(s + 12), sec = two(s + 15);
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] || h > 23 || mi > 59 || sec > 59)
        return 0;
    if (mon == 2 && day == 29 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
        return 0;
    *unix_s = days_from_civil(year, mon, day) * 86400 + h * 3600 + mi * 60 + sec;
    return 1;
}

/* A value: dashes (with optional sign, '.', '%') = missing (NaN); else [+-]digits[.digits][%]. */
static int parse_number(const char *v, size_t n, float *out)
{
    if (n > 0 && v[n - 1] == '%')
        n--;
    int dashes = 0, others = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '-')
            dashes++;
        else if (v[i] != '.' && v[i] != '+')
            others++;
    }
    if (dashes > 0 && others == 0) {
        /* "---", "--.-", "+--": only dashes, dots and signs */
        *out = NAN;
        return 1;
    }
    size_t i = 0;
    int neg = 0;
    if (i < n && (v[i] == '+' || v[i] == '-'))
        neg = v[i++] == '-';
    double x = 0, scale = 1;
    size_t digits = 0;
    for (; i < n && is_digit(v[i]); i++, digits++)
        x = x * 10 + (v[i] - '0');
    if (i < n && v[i] == '.') {
        for (i++; i < n && is_digit(v[i]); i++, digits++) {
            scale /= 10;
            x += (v[i] - '0') * scale;
        }
    }
    if (i != n || digits == 0 || digits > 9)
        return 0;
    *out = (float)(neg ? -x : x);
    return 1;
}

/* 1..8 hex digits, or dashes (absent: returns 2). */
static int parse_hex(const char *v, size_t n, uint32_t *out)
{
    if (n == 0 || n > 8) {
        size_t k = 0;
        while (k < n && v[k] == '-')
            k++;
        return n > 0 && k == n ? 2 : 0;
    }
    uint32_t x = 0;
    int all_dashes = 1;
    for (size_t i = 0; i < n; i++) {
        const char c = v[i];
        unsigned d;
        if (is_digit(c))
            d = (unsigned)(c - '0');
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c == '-')
            continue;
        else
            return 0;
        all_dashes = 0;
        x = x << 4 | d;
    }
    if (all_dashes)
        return 2;
    for (size_t i = 0; i < n; i++)
        if (v[i] == '-')
            return 0; /* digits mixed with dashes */
    *out = x;
    return 1;
}

mc_status mc_masimo_line_parse(const char *line, size_t n, mc_masimo_line *out, mc_diag *d)
{
    memset(out, 0, sizeof *out);
    for (int f = 0; f < MC_MASIMO_N_FIELDS; f++)
        out->value[f] = NAN;
    if (!parse_datetime(line, n, &out->unix_s))
        return mc_diag_set(d, MC_EFORMAT, 0, -1,
                           "column 1: expected a date-time mm/dd/yy hh:mm:ss");
    size_t i = 17;
    while (i < n) {
        if (line[i] == ' ' || line[i] == '\t') {
            i++;
            continue;
        }
        const size_t tok = i;
        while (i < n && line[i] != ' ' && line[i] != '\t')
            i++;
        const char *eq = memchr(line + tok, '=', i - tok);
        size_t klen = eq ? (size_t)(eq - (line + tok)) : 0;
        int key_ok = klen > 0 && klen <= 16;
        for (size_t k = 0; key_ok && k < klen; k++) {
            const char c = line[tok + k];
            key_ok = (c >= 'A' && c <= 'Z') || is_digit(c);
        }
        if (!key_ok)
            return mc_diag_set(d, MC_EFORMAT, (int64_t)tok, -1,
                               "column %zu: expected KEY=value (KEY in A-Z, 0-9)", tok + 1);
        const char *key = line + tok, *v = eq + 1;
        const size_t vlen = i - tok - klen - 1;
        int known = 0;
        for (int f = 0; f < MC_MASIMO_N_FIELDS; f++) {
            if (strlen(fields[f].key) != klen || memcmp(fields[f].key, key, klen) != 0)
                continue;
            known = 1;
            if (!parse_number(v, vlen, &out->value[f]))
                return mc_diag_set(d, MC_EFORMAT, (int64_t)tok, -1,
                                   "column %zu: %s: expected a number or dashes", tok + 1,
                                   fields[f].key);
            out->present[f] = 1;
        }
        static const char *const hex_keys[3] = {"ALARM", "EXC", "EXC1"};
        uint32_t *hex_out[3] = {&out->alarm, &out->exc, &out->exc1};
        uint8_t *hex_has[3] = {&out->has_alarm, &out->has_exc, &out->has_exc1};
        for (int h = 0; h < 3 && !known; h++) {
            if (strlen(hex_keys[h]) != klen || memcmp(hex_keys[h], key, klen) != 0)
                continue;
            known = 1;
            const int r = parse_hex(v, vlen, hex_out[h]);
            if (r == 0)
                return mc_diag_set(d, MC_EFORMAT, (int64_t)tok, -1,
                                   "column %zu: %s: expected 1 to 8 hex digits", tok + 1,
                                   hex_keys[h]);
            *hex_has[h] = r == 1;
        }
        if (!known && klen == 2 && memcmp(key, "SN", 2) == 0) {
            known = 1;
            size_t dashes = 0;
            while (dashes < vlen && v[dashes] == '-')
                dashes++;
            if (dashes < vlen) {
                const size_t keep = vlen < sizeof out->serial - 1 ? vlen : sizeof out->serial - 1;
                for (size_t k = 0; k < keep; k++) {
                    const unsigned char c = (unsigned char)v[k];
                    out->serial[k] = c >= 0x21 && c < 0x7F ? (char)c : '?';
                }
                out->serial[keep] = '\0';
            }
        }
        if (!known)
            out->n_unknown++;
    }
    return MC_OK;
}

/* How each numeric field is written, in the order a Radical-7 sends them (DEVICES.md section 1):
 * digits before and after the point, a leading sign, a trailing '%', and the dashes for a
 * missing value. */
static const struct {
    mc_masimo_field field;
    int int_digits, frac_digits, sign, percent;
    const char *dashes;
} layout[] = {
    {MC_MASIMO_SPO2, 3, 0, 0, 1, "---%"},   {MC_MASIMO_BPM, 3, 0, 0, 0, "---"},
    {MC_MASIMO_PI, 2, 2, 0, 1, "--.--%"},   {MC_MASIMO_SPCO, 2, 1, 0, 1, "--.-%"},
    {MC_MASIMO_SPMET, 2, 1, 0, 1, "--.-%"}, {MC_MASIMO_SPHB, 2, 1, 0, 0, "--.-"},
    {MC_MASIMO_SPOC, 2, 0, 0, 0, "--"},     {MC_MASIMO_DESAT, 2, 0, 0, 0, "--"},
    {MC_MASIMO_PIDELTA, 2, 0, 1, 0, "+--"}, {MC_MASIMO_PVI, 3, 0, 0, 0, "---"},
};

/* Append printf output at *used; 0 when it did not fit. */
static int append(char *out, size_t cap, size_t *used, const char *fmt, ...) MC_PRINTF(4, 5);

static int append(char *out, size_t cap, size_t *used, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const int n = vsnprintf(out + *used, cap - *used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - *used)
        return 0;
    *used += (size_t)n;
    return 1;
}

mc_status mc_masimo_line_format(const mc_masimo_line *v, char *out, size_t cap, size_t *len)
{
    *len = 0;
    if (cap == 0)
        return MC_EOVERRUN;
    out[0] = '\0';
    const time_t t = (time_t)v->unix_s;
    struct tm tm;
    if ((int64_t)t != v->unix_s || !gmtime_r(&t, &tm) || tm.tm_year < 100 || tm.tm_year > 199)
        return MC_EINVAL;
    for (const char *c = v->serial; *c; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7F)
            return MC_EINVAL;
    size_t used = 0;
    if (!append(out, cap, &used, "%02d/%02d/%02d %02d:%02d:%02d SN=%s", tm.tm_mon + 1, tm.tm_mday,
                tm.tm_year - 100, tm.tm_hour, tm.tm_min, tm.tm_sec,
                v->serial[0] ? v->serial : "----------"))
        return MC_EOVERRUN;
    for (size_t i = 0; i < sizeof layout / sizeof layout[0]; i++) {
        const mc_masimo_field f = layout[i].field;
        if (!v->present[f])
            continue;
        const float x = v->value[f];
        int ok;
        if (isnan(x)) {
            ok = append(out, cap, &used, " %s=%s", fields[f].key, layout[i].dashes);
        } else {
            /* Round to the field's resolution first, then check the width it needs. */
            const double scale = layout[i].frac_digits == 2 ? 100 : layout[i].frac_digits ? 10 : 1;
            const double r = round((double)x * scale);
            const double limit = (layout[i].int_digits == 3 ? 1000 : 100) * scale;
            if (!isfinite(r) || fabs(r) >= limit || (r < 0 && !layout[i].sign))
                return MC_EINVAL;
            const long n = (long)fabs(r);
            const long scale_i = (long)scale;
            const char *sign = layout[i].sign ? (r < 0 ? "-" : "+") : "";
            const char *pct = layout[i].percent ? "%" : "";
            if (layout[i].frac_digits == 0)
                ok = append(out, cap, &used, " %s=%s%0*ld%s", fields[f].key, sign,
                            layout[i].int_digits, n, pct);
            else
                ok = append(out, cap, &used, " %s=%s%0*ld.%0*ld%s", fields[f].key, sign,
                            layout[i].int_digits, n / scale_i, layout[i].frac_digits, n % scale_i,
                            pct);
        }
        if (!ok)
            return MC_EOVERRUN;
    }
    if ((v->has_alarm && !append(out, cap, &used, " ALARM=%04X", (unsigned)v->alarm)) ||
        (v->has_exc && !append(out, cap, &used, " EXC=%06X", (unsigned)v->exc)) ||
        (v->has_exc1 && !append(out, cap, &used, " EXC1=%08X", (unsigned)v->exc1)) ||
        !append(out, cap, &used, "\r\n"))
        return MC_EOVERRUN;
    *len = used;
    return MC_OK;
}

char *mc_masimo_exc_describe(uint32_t exc, char *out, size_t cap)
{
    size_t used = 0;
    if (cap == 0)
        return out;
    out[0] = '\0';
    uint32_t unknown = 0;
    for (unsigned b = 0; b < 32; b++) {
        if (!(exc & (1u << b)))
            continue;
        const char *name = b < sizeof exc_names / sizeof exc_names[0] ? exc_names[b] : NULL;
        if (!name) {
            unknown |= 1u << b;
            continue;
        }
        const int k = snprintf(out + used, cap - used, "%s%s", used ? ", " : "", name);
        if (k < 0 || (size_t)k >= cap - used)
            return out;
        used += (size_t)k;
    }
    if (unknown)
        snprintf(out + used, cap - used, "%sbits 0x%X", used ? ", " : "", (unsigned)unknown);
    return out;
}

/* ---- splitter -------------------------------------------------------------------------------- */

void mc_masimo_splitter_reset(mc_masimo_splitter *sp)
{
    mc_line_splitter_reset(sp, MC_MASIMO_LINE_MAX);
}

mc_status mc_masimo_splitter_push(mc_masimo_splitter *sp, const uint8_t *bytes, size_t n,
                                  mc_masimo_line_fn fn, void *ctx)
{
    return mc_line_splitter_push(sp, bytes, n, fn, ctx);
}

mc_status mc_masimo_splitter_finish(mc_masimo_splitter *sp, mc_masimo_line_fn fn, void *ctx)
{
    return mc_line_splitter_finish(sp, fn, ctx);
}

/* ---- import ---------------------------------------------------------------------------------- */

typedef struct masimo_import {
    mc_import *imp;
    mc_diag *d;
    int started;
    int64_t start_s, last_s;
    size_t stream[MC_MASIMO_N_FIELDS];
    uint8_t used[MC_MASIMO_N_FIELDS];
    uint32_t exc, alarm;
    uint64_t good, bad, out_of_order;
    int64_t first_bad_line;
    char first_error[200];
    char serial[32];
} masimo_import;

static mc_status add_event(masimo_import *s, int64_t t_ns, const char *kind, const char *text,
                           uint32_t bits)
{
    mc_event ev;
    memset(&ev, 0, sizeof ev);
    ev.t_ns = t_ns;
    snprintf(ev.kind, sizeof ev.kind, "%s", kind);
    snprintf(ev.text, sizeof ev.text, "%s", text);
    ev.value = (double)bits;
    return mc_import_add_event(s->imp, &ev, s->d);
}

static mc_status on_line(void *ctx, const char *text, size_t n, int64_t line_no)
{
    masimo_import *s = ctx;
    mc_masimo_line l;
    mc_diag ld;
    if (mc_masimo_line_parse(text, n, &l, &ld) != MC_OK) {
        if (s->bad++ == 0) {
            s->first_bad_line = line_no;
            snprintf(s->first_error, sizeof s->first_error, "%.199s", ld.message);
        }
        return MC_OK;
    }
    if (!s->started) {
        s->started = 1;
        s->start_s = s->last_s = l.unix_s;
        s->imp->start_unix_ns = l.unix_s * 1000000000;
    } else if (l.unix_s < s->last_s) {
        s->out_of_order++;
        return MC_OK;
    }
    s->good++;
    s->last_s = l.unix_s;
    if (!s->serial[0] && l.serial[0])
        memcpy(s->serial, l.serial, sizeof s->serial);
    const int64_t t_ns = (l.unix_s - s->start_s) * 1000000000;
    for (int f = 0; f < MC_MASIMO_N_FIELDS; f++) {
        if (!l.present[f] || (!s->used[f] && isnan(l.value[f])))
            continue;
        mc_status st;
        if (!s->used[f]) {
            mc_channel_info ch = {.name = "value", .unit = fields[f].unit, .scale_gain = 1};
            const mc_kv attrs[] = {{"source_channel", fields[f].key},
                                   {"clock", "device clock, no time zone (read as UTC)"}};
            mc_stream_info info = {.name = fields[f].stream,
                                   .modality =
                                       mc_import_guess_modality(fields[f].stream, fields[f].unit),
                                   .n_channels = 1,
                                   .channels = &ch,
                                   .device_model = "Masimo (ASCII 1 serial output)",
                                   .device_serial = s->serial,
                                   .driver = "masimo",
                                   .n_attrs = 2,
                                   .attrs = attrs};
            st = mc_import_add_stream(s->imp, &info, 0, &s->stream[f], s->d);
            if (st != MC_OK)
                return st;
            s->used[f] = 1;
        }
        st = mc_import_append(s->imp, s->stream[f], 1, &l.value[f], &t_ns, s->d);
        if (st != MC_OK)
            return st;
    }
    if (l.has_exc && l.exc != s->exc) {
        char text_exc[200];
        mc_masimo_exc_describe(l.exc, text_exc, sizeof text_exc);
        mc_status st = add_event(s, t_ns, "status", text_exc[0] ? text_exc : "no exception", l.exc);
        if (st != MC_OK)
            return st;
        s->exc = l.exc;
    }
    if (l.has_alarm && l.alarm != s->alarm) {
        char text_alarm[40];
        snprintf(text_alarm, sizeof text_alarm, "ALARM=%04X", (unsigned)l.alarm);
        mc_status st = add_event(s, t_ns, "alarm", text_alarm, l.alarm);
        if (st != MC_OK)
            return st;
        s->alarm = l.alarm;
    }
    return MC_OK;
}

mc_status mc_masimo_read(const uint8_t *bytes, size_t n, mc_import *out, mc_diag *d)
{
    masimo_import *s = calloc(1, sizeof *s);
    mc_masimo_splitter *sp = malloc(sizeof *sp);
    if (!s || !sp) {
        free(s);
        free(sp);
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory");
    }
    s->imp = out;
    s->d = d;
    mc_masimo_splitter_reset(sp);
    mc_status st = mc_masimo_splitter_push(sp, bytes, n, on_line, s);
    if (st == MC_OK)
        st = mc_masimo_splitter_finish(sp, on_line, s);
    if (st == MC_OK && s->good == 0) {
        if (s->bad > 0)
            st = mc_diag_set(d, MC_EFORMAT, -1, s->first_bad_line,
                             "no line parsed: %llu lines, %llu too long; first error at line "
                             "%lld: %s",
                             (unsigned long long)s->bad, (unsigned long long)sp->overlong_lines,
                             (long long)s->first_bad_line, s->first_error);
        else
            st = mc_diag_set(d, MC_EFORMAT, -1, -1,
                             "no line parsed: %llu lines too long, no other line",
                             (unsigned long long)sp->overlong_lines);
    } else if (st == MC_OK) {
        if (s->bad > 0)
            mc_diag_set(d, MC_OK, -1, s->first_bad_line,
                        "%llu lines read, %llu skipped (first at line %lld: %s), %llu too long, "
                        "%llu earlier than the line before",
                        (unsigned long long)s->good, (unsigned long long)s->bad,
                        (long long)s->first_bad_line, s->first_error,
                        (unsigned long long)sp->overlong_lines,
                        (unsigned long long)s->out_of_order);
        else
            mc_diag_set(d, MC_OK, -1, -1,
                        "%llu lines read, %llu too long, %llu earlier than the line before",
                        (unsigned long long)s->good, (unsigned long long)sp->overlong_lines,
                        (unsigned long long)s->out_of_order);
    }
    free(sp);
    free(s);
    return st;
}

int mc_masimo_detect(const uint8_t *head, size_t n, const char *name)
{
    (void)name;
    const char *s = (const char *)head;
    int64_t t;
    if (n < 21 || !parse_datetime(s, n, &t) || s[17] != ' ')
        return 0;
    static const char *const keys[] = {"SN=", "SPO2=", "BPM=", "PI="};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        const size_t len = strlen(keys[k]);
        if (n >= 18 + len && memcmp(s + 18, keys[k], len) == 0)
            return 1;
    }
    return 0;
}

/* mc_masimo_read in the shape mc_import_file_with takes. */
static mc_status read_named(const uint8_t *buf, size_t n, const char *name, mc_import *out,
                            mc_diag *d)
{
    (void)name;
    return mc_masimo_read(buf, n, out, d);
}

mc_status mc_masimo_import(const char *path, mc_import *out, mc_diag *d)
{
    return mc_import_file_with(path, "masimo", read_named, out, d);
}
