/* SPDX-License-Identifier: MIT */
/* formats/delim_options.c: options of the delimited-text reader set by key and value, and the
 * presets recognised from content (formats/delim.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/delim.h"
#include "formats/text_scan.h"

mc_delim_options mc_delim_options_default(void)
{
    mc_delim_options o;
    memset(&o, 0, sizeof o);
    o.decimal_comma = -1;
    o.day_first = 1;
    snprintf(o.format, sizeof o.format, "csv");
    return o;
}

/* A whole decimal integer in [lo, hi]. */
static int int_value(const char *s, long lo, long hi, int *out)
{
    char *end;
    if (!*s)
        return 0;
    const long v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi)
        return 0;
    *out = (int)v;
    return 1;
}

static mc_status bad_value(mc_diag *d, const char *key, const char *value, const char *expected)
{
    return mc_diag_set(d, MC_EINVAL, -1, -1, "option %s = '%.60s': expected %s", key, value,
                       expected);
}

/* columns = 2,5-7 */
static mc_status set_columns(mc_delim_options *o, const char *value, mc_diag *d)
{
    memset(o->skip_columns, 0, sizeof o->skip_columns);
    if (strcasecmp(value, "none") == 0 || !*value)
        return MC_OK;
    const char *p = value;
    while (*p) {
        char *end;
        const long a = strtol(p, &end, 10);
        long b = a;
        if (end == p)
            goto bad;
        p = end;
        if (*p == '-') {
            const char *q = p + 1;
            b = strtol(q, &end, 10);
            if (end == q)
                goto bad;
            p = end;
        }
        if (a < 1 || b < a || b > MC_DELIM_MAX_COLUMNS)
            goto bad;
        for (long c = a; c <= b; c++)
            o->skip_columns[(c - 1) / 8] |= (uint8_t)(1u << ((c - 1) % 8));
        while (*p == ' ')
            p++;
        if (*p == ',')
            p++;
        else if (*p)
            goto bad;
        while (*p == ' ')
            p++;
    }
    return MC_OK;
bad:
    memset(o->skip_columns, 0, sizeof o->skip_columns);
    return bad_value(d, "columns", value, "column numbers and ranges within 1..1024, as 2,5-7");
}

mc_status mc_delim_options_set(mc_delim_options *o, const char *key, const char *value, mc_diag *d)
{
    if (!key || !value)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "option: a key and a value are needed");
    if (strcmp(key, "delimiter") == 0) {
        static const struct {
            const char *text;
            char c;
        } table[] = {{",", ','},         {"comma", ','}, {";", ';'},
                     {"semicolon", ';'}, {"\t", '\t'},   {"tab", '\t'},
                     {" ", ' '},         {"space", ' '}, {"auto", 0}};
        for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
            if (strcasecmp(value, table[i].text) == 0) {
                o->delimiter = table[i].c;
                return MC_OK;
            }
        return bad_value(d, key, value, "one of comma (,) semicolon (;) tab space auto");
    }
    if (strcmp(key, "decimal") == 0) {
        if (strcmp(value, ".") == 0 || strcasecmp(value, "point") == 0)
            o->decimal_comma = 0;
        else if (strcmp(value, ",") == 0 || strcasecmp(value, "comma") == 0)
            o->decimal_comma = 1;
        else if (strcasecmp(value, "auto") == 0)
            o->decimal_comma = -1;
        else
            return bad_value(d, key, value, "one of point (.) comma (,) auto");
        return MC_OK;
    }
    if (strcmp(key, "header_row") == 0 || strcmp(key, "group_row") == 0 ||
        strcmp(key, "time_column") == 0) {
        int *slot = key[0] == 'h'   ? &o->header_row
                    : key[0] == 'g' ? &o->group_row
                                    : &o->time_column;
        const char *word0 = key[0] == 'g' ? "none" : "auto";  /* the 0 value */
        const char *word1 = key[0] == 'g' ? "above" : "none"; /* the -1 value */
        if (strcasecmp(value, word0) == 0)
            *slot = 0;
        else if (strcasecmp(value, word1) == 0)
            *slot = -1;
        else if (!int_value(value, 1, key[0] == 't' ? MC_DELIM_MAX_COLUMNS : 100000000, slot))
            return bad_value(d, key, value,
                             key[0] == 'g'   ? "a line number, above or none"
                             : key[0] == 'h' ? "a line number, auto or none"
                                             : "a column number (1..1024), auto or none");
        return MC_OK;
    }
    if (strcmp(key, "skip_rows") == 0) {
        if (!int_value(value, 0, 1000000, &o->skip_rows))
            return bad_value(d, key, value, "a number of lines (0..1000000)");
        return MC_OK;
    }
    if (strcmp(key, "time_format") == 0) {
        static const struct {
            const char *text;
            mc_delim_time t;
        } table[] = {
            {"auto", MC_DELIM_TIME_AUTO},
            {"none", MC_DELIM_TIME_NONE},
            {"seconds", MC_DELIM_TIME_SECONDS},
            {"s", MC_DELIM_TIME_SECONDS},
            {"ms", MC_DELIM_TIME_MS},
            {"hh:mm:ss", MC_DELIM_TIME_CLOCK},
            {"date,hh:mm:ss", MC_DELIM_TIME_DATE_CLOCK},
            {"date_time", MC_DELIM_TIME_DATE_CLOCK},
            {"mm-dd,hh:mm:ss", MC_DELIM_TIME_DAY_CLOCK},
            {"day_time", MC_DELIM_TIME_DAY_CLOCK},
            {"samples", MC_DELIM_TIME_SAMPLES},
        };
        for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
            if (strcasecmp(value, table[i].text) == 0) {
                o->time_format = table[i].t;
                return MC_OK;
            }
        return bad_value(d, key, value,
                         "one of auto none seconds ms hh:mm:ss date,hh:mm:ss mm-dd,hh:mm:ss "
                         "samples");
    }
    if (strcmp(key, "date_order") == 0) {
        if (strcasecmp(value, "dmy") == 0)
            o->day_first = 1;
        else if (strcasecmp(value, "mdy") == 0)
            o->day_first = 0;
        else
            return bad_value(d, key, value, "dmy or mdy");
        return MC_OK;
    }
    if (strcmp(key, "rate_hz") == 0) {
        double x;
        if (strcasecmp(value, "auto") == 0) {
            o->rate_hz = 0;
            return MC_OK;
        }
        if (!mc_text_number((mc_text_span){value, strlen(value)}, 0, &x) || !(x > 0 && x <= 1e6))
            return bad_value(d, key, value, "a rate in Hz, 0 < rate <= 1e6, or auto");
        o->rate_hz = x;
        return MC_OK;
    }
    if (strcmp(key, "missing") == 0) {
        if (strlen(value) >= sizeof o->missing)
            return bad_value(d, key, value, "at most 127 bytes of markers");
        snprintf(o->missing, sizeof o->missing, "%s", value);
        return MC_OK;
    }
    if (strcmp(key, "columns") == 0)
        return set_columns(o, value, d);
    return mc_diag_set(
        d, MC_EINVAL, -1, -1,
        "option '%.60s': unknown (delimiter, decimal, header_row, group_row, "
        "skip_rows, time_column, time_format, date_order, rate_hz, missing, columns)",
        key);
}

/* The first non-empty line of the head, without a BOM. */
static mc_text_span first_line(const uint8_t *head, size_t n, size_t *pos)
{
    mc_text_span line = {"", 0};
    *pos = mc_text_bom(head, n);
    while (mc_text_next_line((const char *)head, n, pos, &line))
        if (mc_text_trim(line).n > 0)
            return mc_text_trim(line);
    return (mc_text_span){"", 0};
}

static int contains(mc_text_span s, const char *word)
{
    const size_t n = strlen(word);
    for (size_t i = 0; i + n <= s.n; i++)
        if (memcmp(s.p + i, word, n) == 0)
            return 1;
    return 0;
}

const char *mc_delim_preset(const uint8_t *head, size_t n)
{
    size_t pos;
    mc_text_span l = first_line(head, n, &pos);
    if (mc_text_starts(l, "Time [s],") && contains(l, "PLETH"))
        return "bidmc_csv";
    if (mc_text_starts(l, "Train.Red Export"))
        return "trainred_csv";
    if (mc_text_starts(l, "VitalSignsCapture"))
        return "vscapture_csv";
    if (mc_text_starts(l, "FW Part Number:")) {
        mc_text_span next;
        while (mc_text_next_line((const char *)head, n, &pos, &next))
            if (mc_text_starts(mc_text_trim(next), "mm-dd,hh:mm:ss,"))
                return "moxy_csv";
    }
    return NULL;
}

mc_delim_options mc_delim_preset_options(const uint8_t *head, size_t n)
{
    mc_delim_options o = mc_delim_options_default();
    const char *preset = mc_delim_preset(head, n);
    if (!preset)
        return o;
    snprintf(o.format, sizeof o.format, "%s", preset);
    o.delimiter = ',';
    o.decimal_comma = 0;
    if (strcmp(preset, "trainred_csv") == 0)
        o.group_row = -1; /* the sensor names above the column names */
    else if (strcmp(preset, "vscapture_csv") == 0)
        o.time_format = MC_DELIM_TIME_DATE_CLOCK;
    else if (strcmp(preset, "moxy_csv") == 0)
        o.time_format = MC_DELIM_TIME_DAY_CLOCK;
    else
        o.time_format = MC_DELIM_TIME_SECONDS;
    return o;
}

int mc_delim_detect(const uint8_t *head, size_t n, const char *name)
{
    if (mc_delim_preset(head, n))
        return 1;
    const size_t len = name ? strlen(name) : 0;
    return len > 4 &&
           (strcasecmp(name + len - 4, ".csv") == 0 || strcasecmp(name + len - 4, ".tsv") == 0);
}

mc_status mc_delim_import(const char *path, mc_import *out, mc_diag *d)
{
    uint8_t *buf;
    size_t n;
    mc_status rc = mc_read_whole_file(
        path, out->limit_bytes ? out->limit_bytes : MC_IMPORT_LIMIT_DEFAULT, &buf, &n, d);
    if (rc != MC_OK)
        return rc;
    const mc_delim_options o = mc_delim_preset_options(buf, n < 4096 ? n : 4096);
    const char *slash = strrchr(path, '/');
    rc = mc_delim_read(buf, n, &o, slash ? slash + 1 : path, out, d);
    free(buf);
    return rc;
}
