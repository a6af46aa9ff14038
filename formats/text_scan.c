/* SPDX-License-Identifier: MIT */
/* formats/text_scan.c: bounded scanning of text exports (formats/text_scan.h). */
#include "formats/text_scan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int mc_text_next_line(const char *buf, size_t n, size_t *pos, mc_text_span *line)
{
    size_t i = *pos;
    if (i >= n)
        return 0;
    const size_t start = i;
    while (i < n && buf[i] != '\n' && buf[i] != '\r')
        i++;
    line->p = buf + start;
    line->n = i - start;
    if (i < n && buf[i] == '\r')
        i++;
    if (i < n && buf[i] == '\n')
        i++;
    *pos = i;
    return 1;
}

size_t mc_text_bom(const uint8_t *buf, size_t n)
{
    return n >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF ? 3 : 0;
}

mc_text_span mc_text_trim(mc_text_span s)
{
    while (s.n > 0 && is_blank(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && is_blank(s.p[s.n - 1]))
        s.n--;
    return s;
}

int mc_text_eq(mc_text_span s, const char *word)
{
    const size_t n = strlen(word);
    if (s.n != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower(s.p[i]) != lower(word[i]))
            return 0;
    return 1;
}

int mc_text_starts(mc_text_span s, const char *word)
{
    const size_t n = strlen(word);
    if (s.n < n)
        return 0;
    mc_text_span head = {s.p, n};
    return mc_text_eq(head, word);
}

int mc_text_number(mc_text_span s, int decimal_comma, double *out)
{
    s = mc_text_trim(s);
    if (mc_text_eq(s, "nan") || mc_text_eq(s, "-nan")) {
        *out = (double)NAN;
        return 1;
    }
    /* Checked by hand first, so that strtod sees only what the grammar allows (no hex, inf,
     * locale-dependent separators) and never runs past the field. */
    char tmp[64];
    if (s.n == 0 || s.n >= sizeof tmp)
        return 0;
    size_t i = 0, digits = 0;
    const char point = decimal_comma ? ',' : '.';
    if (s.p[i] == '+' || s.p[i] == '-')
        i++;
    while (i < s.n && is_digit(s.p[i])) {
        i++;
        digits++;
    }
    if (i < s.n && s.p[i] == point) {
        i++;
        while (i < s.n && is_digit(s.p[i])) {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if (i < s.n && (s.p[i] == 'e' || s.p[i] == 'E')) {
        i++;
        if (i < s.n && (s.p[i] == '+' || s.p[i] == '-'))
            i++;
        size_t exp_digits = 0;
        while (i < s.n && is_digit(s.p[i])) {
            i++;
            exp_digits++;
        }
        if (exp_digits == 0)
            return 0;
    }
    if (i != s.n)
        return 0;
    memcpy(tmp, s.p, s.n);
    tmp[s.n] = '\0';
    if (decimal_comma)
        for (size_t k = 0; k < s.n; k++)
            if (tmp[k] == ',')
                tmp[k] = '.';
    *out = strtod(tmp, NULL);
    return 1;
}

/* Unsigned decimal of 1..max_digits digits at s[*i]; advances *i. */
static int uint_at(mc_text_span s, size_t *i, size_t max_digits, int64_t *v)
{
    size_t k = 0;
    int64_t x = 0;
    while (*i < s.n && is_digit(s.p[*i]) && k < max_digits) {
        x = x * 10 + (s.p[*i] - '0');
        (*i)++;
        k++;
    }
    if (k == 0 || (*i < s.n && is_digit(s.p[*i])))
        return 0;
    *v = x;
    return 1;
}

int mc_text_clock(mc_text_span s, int64_t *ns)
{
    s = mc_text_trim(s);
    size_t i = 0;
    int64_t h, m, sec = 0, frac_ns = 0;
    if (!uint_at(s, &i, 3, &h) || i >= s.n || s.p[i++] != ':' || !uint_at(s, &i, 2, &m) || m > 59)
        return 0;
    if (i < s.n && s.p[i] == ':') {
        i++;
        if (!uint_at(s, &i, 2, &sec) || sec > 60)
            return 0;
        if (i < s.n && (s.p[i] == '.' || s.p[i] == ',')) {
            i++;
            int64_t scale = 100000000;
            size_t k = 0;
            for (; i < s.n && is_digit(s.p[i]); i++, k++) {
                frac_ns += (s.p[i] - '0') * scale;
                scale /= 10;
            }
            if (k == 0)
                return 0;
        }
    }
    if (i != s.n)
        return 0;
    *ns = ((h * 60 + m) * 60 + sec) * 1000000000 + frac_ns;
    return 1;
}

int64_t mc_text_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int days_in_month(int64_t y, int64_t m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

static int is_date_sep(char c)
{
    return c == '/' || c == '-' || c == '.';
}

int mc_text_date(mc_text_span s, int day_first, int64_t *days)
{
    s = mc_text_trim(s);
    size_t i = 0;
    int64_t a, b, c;
    if (!uint_at(s, &i, 4, &a) || i >= s.n || !is_date_sep(s.p[i]))
        return 0;
    const char sep = s.p[i++];
    const size_t a_digits = i - 1;
    if (!uint_at(s, &i, 2, &b) || i >= s.n || s.p[i++] != sep || !uint_at(s, &i, 4, &c) || i != s.n)
        return 0;
    int64_t y, m, d;
    if (a_digits == 4) {
        y = a;
        m = b;
        d = c;
    } else {
        y = c;
        m = day_first ? b : a;
        d = day_first ? a : b;
        if (y < 100)
            y += 2000;
    }
    /* Years a recording may come from; nanoseconds since 1970 hold about +-292 years. */
    if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return 0;
    *days = mc_text_days_from_civil(y, (unsigned)m, (unsigned)d);
    return 1;
}

int mc_text_date_no_year(mc_text_span s, int *day_of_year)
{
    static const char months[12][4] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
    s = mc_text_trim(s);
    size_t i = 0;
    int64_t a, m = 0, d;
    if (!uint_at(s, &i, 2, &a) || i >= s.n || s.p[i++] != '-')
        return 0;
    if (s.n - i == 3) {
        for (int k = 0; k < 12; k++)
            if (lower(s.p[i]) == months[k][0] && lower(s.p[i + 1]) == months[k][1] &&
                lower(s.p[i + 2]) == months[k][2])
                m = k + 1;
        d = a;
    } else {
        if (!uint_at(s, &i, 2, &d) || i != s.n)
            return 0;
        m = a;
    }
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(2001, m))
        return 0;
    *day_of_year = (int)(mc_text_days_from_civil(2001, (unsigned)m, (unsigned)d) -
                         mc_text_days_from_civil(2001, 1, 1));
    return 1;
}

char *mc_text_unit(mc_text_span unit, char out[MC_NAME_MAX + 1])
{
    static const struct {
        const char *from, *to;
    } table[] = {
        {"pu", "PU"},
        {"mmHg", "mm[Hg]"},
        {"mm Hg", "mm[Hg]"},
        {"uM", "umol/L"},
        {"\xc2\xb5M", "umol/L"},
        {"umol/l", "umol/L"},
        {"\xc2\xb0"
         "C",
         "Cel"},
        {"degC", "Cel"},
        {"bpm", "/min"},
        {"1/min", "/min"},
        {"\xc2\xb5V", "uV"},
        {"cmH2O", "cm[H2O]"},
    };
    unit = mc_text_trim(unit);
    for (size_t k = 0; k < sizeof table / sizeof table[0]; k++)
        if (mc_text_eq(unit, table[k].from) &&
            (strcmp(table[k].from, "pu") == 0 || memcmp(unit.p, table[k].from, unit.n) == 0)) {
            snprintf(out, MC_NAME_MAX + 1, "%s", table[k].to);
            return out;
        }
    size_t n = 0;
    for (size_t i = 0; i < unit.n && n < MC_NAME_MAX; i++) {
        const unsigned char c = (unsigned char)unit.p[i];
        const unsigned char next = i + 1 < unit.n ? (unsigned char)unit.p[i + 1] : 0;
        if ((c == 0xC2 && next == 0xB5) || (c == 0xCE && next == 0xBC)) {
            out[n++] = 'u'; /* micro sign or Greek mu */
            i++;
            continue;
        }
        out[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    out[n] = '\0';
    return out;
}

/* ---- line splitter ----------------------------------------------------------------------- */

void mc_line_splitter_reset(mc_line_splitter *sp, size_t max)
{
    memset(sp, 0, sizeof *sp);
    sp->line_no = 1;
    sp->max = max < 1 ? 1 : max > MC_LINE_SPLITTER_MAX ? MC_LINE_SPLITTER_MAX : max;
}

void mc_line_splitter_restart(mc_line_splitter *sp)
{
    sp->len = 0;
    sp->overlong = 0;
    sp->after_cr = 0;
}

/* A line end: deliver the line (if any and not overlong) and start the next. */
static mc_status end_line(mc_line_splitter *sp, mc_line_fn fn, void *ctx)
{
    mc_status st = MC_OK;
    if (sp->overlong) {
        sp->overlong_lines++;
    } else if (sp->len > 0) {
        sp->line[sp->len] = '\0';
        sp->lines++;
        if (fn)
            st = fn(ctx, sp->line, sp->len, sp->line_no);
    }
    sp->len = 0;
    sp->overlong = 0;
    sp->line_no++;
    return st;
}

mc_status mc_line_splitter_push(mc_line_splitter *sp, const uint8_t *bytes, size_t n, mc_line_fn fn,
                                void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        const uint8_t c = bytes[i];
        if (c == '\n' && sp->after_cr) {
            sp->after_cr = 0; /* the LF of a CR LF: the line already ended */
            continue;
        }
        sp->after_cr = c == '\r';
        if (c == '\r' || c == '\n') {
            mc_status st = end_line(sp, fn, ctx);
            if (st != MC_OK)
                return st;
        } else if (sp->overlong) {
            sp->bytes_dropped++;
        } else if (sp->len == sp->max) {
            sp->overlong = 1;
            sp->bytes_dropped += sp->len + 1;
            sp->len = 0;
        } else {
            sp->line[sp->len++] = (char)c;
        }
    }
    return MC_OK;
}

mc_status mc_line_splitter_finish(mc_line_splitter *sp, mc_line_fn fn, void *ctx)
{
    sp->after_cr = 0;
    if (sp->len == 0 && !sp->overlong)
        return MC_OK;
    return end_line(sp, fn, ctx);
}
