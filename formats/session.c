/* SPDX-License-Identifier: MIT */
/* formats/session.c: the subject privacy rule and ISO 8601 start times. */
#include "formats/session.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static int valid_date(int y, int m, int d)
{
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return y >= 1900 && y <= 2099 && m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1];
}

/* Two-digit years are read as 19YY or 20YY; either being a valid date is enough to refuse. */
static int valid_date_yy(int yy, int m, int d)
{
    return valid_date(1900 + yy, m, d) || valid_date(2000 + yy, m, d);
}

/* Splits `s` into digit groups separated by single '-', '_' or '.', and looks for the date shapes
 * that a birth date takes in a code: one group of 8 digits (YYYYMMDD or DDMMYYYY), one of 6
 * (YYMMDD, DDMMYY), or three consecutive groups d-m-y / y-m-d. */
static int contains_date(const char *s)
{
    int group_start[40], group_len[40], n_groups = 0;
    int prev_end = -2;
    size_t n = strlen(s);
    for (size_t i = 0; i < n && n_groups < 40;) {
        if (!is_digit(s[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && is_digit(s[j]))
            j++;
        int len = (int)(j - i);
        if (len == 8) {
            const char *g = s + i;
            if (valid_date(num(g, 4), num(g + 4, 2), num(g + 6, 2)) ||
                valid_date(num(g + 4, 4), num(g + 2, 2), num(g, 2)))
                return 1;
        }
        if (len == 6) {
            /* DDMMYY is how a birth date is usually written at a French or European bedside.
             * YYMMDD is not refused: too many plain study numbers read as one. */
            const char *g = s + i;
            if (valid_date_yy(num(g + 4, 2), num(g + 2, 2), num(g, 2)))
                return 1;
        }
        /* A group continues a separated sequence when exactly one separator precedes it. */
        int joined = n_groups > 0 && (int)i == prev_end + 1 &&
                     (s[i - 1] == '-' || s[i - 1] == '_' || s[i - 1] == '.' || s[i - 1] == '/');
        if (!joined)
            n_groups = 0;
        group_start[n_groups] = (int)i;
        group_len[n_groups] = len;
        n_groups++;
        prev_end = (int)j;
        if (n_groups >= 3) {
            const char *a = s + group_start[n_groups - 3], *b = s + group_start[n_groups - 2],
                       *c = s + group_start[n_groups - 1];
            int la = group_len[n_groups - 3], lb = group_len[n_groups - 2],
                lc = group_len[n_groups - 1];
            if (la == 4 && lb <= 2 && lc <= 2 && valid_date(num(a, 4), num(b, lb), num(c, lc)))
                return 1;
            if (la <= 2 && lb <= 2 && lc == 4 &&
                (valid_date(num(c, 4), num(b, lb), num(a, la)) ||
                 valid_date(num(c, 4), num(a, la), num(b, lb))))
                return 1;
            if (la <= 2 && lb <= 2 && lc == 2 &&
                (valid_date_yy(num(c, 2), num(b, lb), num(a, la)) ||
                 valid_date_yy(num(c, 2), num(a, la), num(b, lb))))
                return 1;
        }
        i = j;
    }
    return 0;
}

mc_status mc_subject_check(const char *subject, int allow_id, mc_diag *d)
{
    size_t n = subject ? strlen(subject) : 0;
    if (n == 0)
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "subject is empty: expected a pseudonymous code "
                           "such as ICU-014");
    if (allow_id) {
        if (n > 64)
            return mc_diag_set(d, MC_EINVAL, -1, -1, "subject is longer than 64 characters");
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)subject[i] < 0x20 || subject[i] == 0x7f)
                return mc_diag_set(d, MC_EINVAL, -1, -1, "subject holds a control character");
        return MC_OK;
    }
    for (size_t i = 0; i < n; i++) {
        char c = subject[i];
        if (c == ' ' || c == ',' || c == '\'')
            return mc_diag_set(d, MC_EPRIVACY, -1, -1,
                               "subject '%s' looks like a name: expected a pseudonymous code of "
                               "letters, digits, - and _ (or --allow-id)",
                               subject);
        int ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '_';
        if (!ok)
            return mc_diag_set(d, MC_EPRIVACY, -1, -1,
                               "subject '%s': character '%c' is not allowed: expected letters, "
                               "digits, - and _ (or --allow-id)",
                               subject, c);
    }
    if (n > MC_SUBJECT_MAX)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "subject is longer than %d characters",
                           MC_SUBJECT_MAX);
    if (contains_date(subject))
        return mc_diag_set(d, MC_EPRIVACY, -1, -1,
                           "subject '%s' contains what looks like a date (a birth date?): "
                           "expected a pseudonymous code (or --allow-id)",
                           subject);
    return MC_OK;
}

void mc_session_set_start(mc_session_info *s, int64_t unix_ns)
{
    s->start_unix_ns = unix_ns;
    time_t secs = (time_t)(unix_ns / 1000000000);
    int ms = (int)((unix_ns % 1000000000) / 1000000);
    if (unix_ns < 0 && unix_ns % 1000000000 != 0) {
        secs -= 1;
        ms = (int)((1000000000 + unix_ns % 1000000000) / 1000000);
    }
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(s->start_utc, sizeof s->start_utc, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

mc_status mc_utc_parse(const char *text, int64_t *unix_ns)
{
    const char *p = text;
    /* Fixed shape: YYYY-MM-DDTHH:MM:SS then optional .fraction, then Z. */
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        if (shape[i] == 'd' ? !is_digit(p[i]) : p[i] != shape[i])
            return MC_EFORMAT;
    }
    int y = num(p, 4), mo = num(p + 5, 2), da = num(p + 8, 2);
    int h = num(p + 11, 2), mi = num(p + 14, 2), se = num(p + 17, 2);
    if (!valid_date(y, mo, da) || h > 23 || mi > 59 || se > 60)
        return MC_EFORMAT;
    p += sizeof shape - 1;
    int64_t frac_ns = 0;
    if (*p == '.') {
        p++;
        int64_t scale = 100000000;
        if (!is_digit(*p))
            return MC_EFORMAT;
        while (is_digit(*p)) {
            frac_ns += (*p - '0') * scale;
            scale /= 10;
            p++;
        }
    }
    if (strcmp(p, "Z") != 0)
        return MC_EFORMAT;
    int64_t secs = days_from_civil(y, mo, da) * 86400 + h * 3600 + mi * 60 + se;
    *unix_ns = secs * 1000000000 + frac_ns;
    return MC_OK;
}
