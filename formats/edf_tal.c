/* SPDX-License-Identifier: MIT */
/* formats/edf_tal.c: EDF+ time-stamped annotation lists (TALs, EDF+ spec 2.2.2) and the civil
 * date arithmetic of the EDF header, shared by the reader and the writer. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "formats/edf_internal.h"

/* A number "digits[.digits]" from p (not past end) into whole seconds and nanoseconds; returns the
 * bytes used, 0 when there is no digit or the seconds pass the bound. */
static size_t parse_seconds(const uint8_t *p, const uint8_t *end, int64_t *sec, int64_t *nsec)
{
    const uint8_t *q = p;
    int64_t s = 0, f = 0, scale = 100000000;
    size_t digits = 0;
    for (; q < end && *q >= '0' && *q <= '9'; q++, digits++) {
        s = s * 10 + (*q - '0');
        if (s > MC__EDF_MAX_ONSET_S)
            return 0;
    }
    if (digits == 0)
        return 0;
    if (q < end && *q == '.') {
        for (q++; q < end && *q >= '0' && *q <= '9'; q++) {
            f += (*q - '0') * scale;
            scale /= 10;
        }
    }
    *sec = s;
    *nsec = f;
    return (size_t)(q - p);
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when the bytes there are not one. */
static size_t utf8_length(const uint8_t *p, const uint8_t *end)
{
    const uint8_t c = p[0];
    size_t n;
    uint32_t min;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, min = 0x10000;
    else
        return 0;
    if ((size_t)(end - p) < n)
        return 0;
    uint32_t cp = c & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* Copy an annotation text as UTF-8 into out (cut on a character boundary): invalid bytes become
 * '?', control characters ' '. */
static void copy_text(const uint8_t *p, const uint8_t *end, char *out, size_t size)
{
    size_t k = 0;
    while (p < end) {
        size_t n = utf8_length(p, end);
        if (n == 0 || (n == 1 && *p < 0x20)) {
            if (k + 1 >= size)
                break;
            out[k++] = n == 0 ? '?' : ' ';
            p++;
            continue;
        }
        if (k + n >= size)
            break;
        memcpy(out + k, p, n);
        k += n;
        p += n;
    }
    out[k] = '\0';
}

/* A TAL error at `at`: "name: byte N: annotation: what". */
static mc_status tal_fail(mc_diag *d, const char *name, const uint8_t *buf, const uint8_t *at,
                          const char *what)
{
    return mc_diag_set(d, MC_EFORMAT, (int64_t)(at - buf), -1, "%s: byte %zu: annotation: %s", name,
                       (size_t)(at - buf), what);
}

mc_status mc__edf_tal_read(const uint8_t *buf, size_t off, size_t len, const char *name,
                           mc_import *out, mc__edf_tal_result *res, mc_diag *d)
{
    memset(res, 0, sizeof *res);
    const uint8_t *p = buf + off, *end = buf + off + len;
    while (p < end) {
        if (*p == 0) { /* padding after the last TAL */
            p++;
            continue;
        }
        const uint8_t *tal = p;
        if (*p != '+' && *p != '-')
            return tal_fail(d, name, buf, p,
                            "a TAL starts with '+' or '-' and the onset in seconds");
        const int negative = *p++ == '-';
        int64_t sec, nsec;
        size_t used = parse_seconds(p, end, &sec, &nsec);
        if (used == 0)
            return tal_fail(d, name, buf, p,
                            "expected the onset in seconds (at most 1e9) after the sign");
        p += used;
        int64_t onset_ns = sec * 1000000000LL + nsec;
        if (negative)
            onset_ns = -onset_ns;
        double duration = (double)NAN;
        if (p < end && *p == 0x15) {
            p++;
            used = parse_seconds(p, end, &sec, &nsec);
            if (used == 0)
                return tal_fail(d, name, buf, p, "expected a duration in seconds after 0x15");
            p += used;
            duration = (double)sec + (double)nsec * 1e-9;
        }
        if (p >= end || *p != 0x14)
            return tal_fail(d, name, buf, p < end ? p : tal,
                            "expected 0x14 after the onset (and duration)");
        p++;
        if (!res->has_first) {
            res->has_first = 1;
            res->first_onset_ns = onset_ns;
        }
        /* Texts, each ended by 0x14; a 0 after a 0x14 ends the TAL. */
        while (p < end && *p != 0) {
            const uint8_t *t = p;
            while (p < end && *p != 0x14 && *p != 0)
                p++;
            if (p >= end || *p != 0x14)
                return tal_fail(d, name, buf, t, "an annotation text is not ended by 0x14");
            if (p > t && out) {
                mc_event ev;
                memset(&ev, 0, sizeof ev);
                ev.t_ns = onset_ns;
                ev.value = duration;
                snprintf(ev.kind, sizeof ev.kind, "annotation");
                copy_text(t, p, ev.text, sizeof ev.text);
                mc_status st = mc_import_add_event(out, &ev, d);
                if (st != MC_OK)
                    return st;
                res->n_events++;
            }
            p++;
        }
        if (p >= end)
            return tal_fail(d, name, buf, tal,
                            "the TAL is not ended by 0x14 0x00 within the signal");
        p++;
    }
    return MC_OK;
}

/* Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t mc__edf_unix_seconds(int year, int month, int day, int hh, int mm, int ss)
{
    return days_from_civil(year, month, day) * 86400 + hh * 3600 + mm * 60 + ss;
}

void mc__edf_civil(int64_t t_s, int *year, int *month, int *day, int *hh, int *mm, int *ss)
{
    int64_t z = t_s >= 0 ? t_s / 86400 : (t_s - 86399) / 86400;
    const int64_t sod = t_s - z * 86400;
    *hh = (int)(sod / 3600);
    *mm = (int)(sod / 60 % 60);
    *ss = (int)(sod % 60);
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (*month <= 2));
}
