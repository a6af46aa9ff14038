/* SPDX-License-Identifier: MIT */
/* formats/event_line.c: the bedside event line parser. */
#include "formats/event_line.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

static size_t skip_spaces(const char *s, size_t i, size_t len)
{
    while (i < len && is_space(s[i]))
        i++;
    return i;
}

/* Reads a whole token as a number; accepts a decimal comma, as typed on French keyboards. */
static int parse_number(const char *s, size_t n, double *out)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return 0;
    for (size_t i = 0; i < n; i++)
        buf[i] = s[i] == ',' ? '.' : s[i];
    buf[n] = '\0';
    char *end = NULL;
    double v = strtod(buf, &end);
    if (end != buf + n || !isfinite(v))
        return 0;
    /* strtod also takes "inf", "nan" and hexadecimal; a bedside value is plain decimal. */
    for (size_t i = 0; i < n; i++) {
        char c = buf[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
            return 0;
    }
    *out = v;
    return 1;
}

mc_status mc_event_line_parse(const char *line, size_t len, mc_event *ev, mc_diag *d)
{
    memset(ev, 0, sizeof *ev);
    ev->value = (double)NAN;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || is_space(line[len - 1])))
        len--;
    size_t i = skip_spaces(line, 0, len);
    if (i == len || line[i] == '#')
        return MC_END;
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char)line[k];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return mc_diag_set(d, MC_EFORMAT, (int64_t)k, -1,
                               "byte %zu: control character 0x%02x "
                               "in an event line",
                               k, c);
    }
    size_t start = i;
    while (i < len && !is_space(line[i])) {
        char c = line[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok)
            return mc_diag_set(d, MC_EFORMAT, (int64_t)i, -1,
                               "byte %zu: event kind: expected "
                               "letters, digits and _ (e.g. occlusion_start, note, mottling)",
                               i);
        if (i - start >= MC_EVENT_KIND_LEN - 1)
            return mc_diag_set(d, MC_EFORMAT, (int64_t)i, -1, "event kind longer than %d bytes",
                               MC_EVENT_KIND_LEN - 1);
        ev->kind[i - start] = c;
        i++;
    }
    if (!(ev->kind[0] >= 'a' && ev->kind[0] <= 'z'))
        return mc_diag_set(d, MC_EFORMAT, (int64_t)start, -1,
                           "byte %zu: an event kind starts "
                           "with a letter",
                           start);
    i = skip_spaces(line, i, len);
    if (i < len && line[i] == '@') {
        size_t s0 = ++i;
        while (i < len && !is_space(line[i]))
            i++;
        size_t n = i - s0;
        if (n == 0 || n >= MC_EVENT_STREAM_LEN)
            return mc_diag_set(d, MC_EFORMAT, (int64_t)s0, -1,
                               "byte %zu: expected a stream name "
                               "after '@'",
                               s0);
        for (size_t k = s0; k < i; k++) {
            char c = line[k];
            int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '_' || c == '-' || c == '.';
            if (!ok)
                return mc_diag_set(d, MC_EFORMAT, (int64_t)k, -1,
                                   "byte %zu: stream name: "
                                   "expected A-Z a-z 0-9 _ - .",
                                   k);
        }
        memcpy(ev->stream, line + s0, n);
        i = skip_spaces(line, i, len);
    }
    size_t tok = i;
    while (tok < len && !is_space(line[tok]))
        tok++;
    if (tok > i && parse_number(line + i, tok - i, &ev->value))
        i = skip_spaces(line, tok, len);
    size_t n = len - i;
    if (n >= MC_EVENT_TEXT_LEN)
        return mc_diag_set(d, MC_EFORMAT, (int64_t)(i + MC_EVENT_TEXT_LEN - 1), -1,
                           "event text longer than %d bytes", MC_EVENT_TEXT_LEN - 1);
    memcpy(ev->text, line + i, n);
    return MC_OK;
}
