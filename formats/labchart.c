/* SPDX-License-Identifier: MIT */
/* formats/labchart.c: importer of ADInstruments LabChart text exports (formats/labchart.h). */
#include "formats/labchart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/text_scan.h"

/* Channels of one block; more are refused (LabChart itself records at most a few dozen). */
#define LC_MAX_CHANNELS 256
/* A following block with the same channels whose start lies at most this far after the end of
 * the previous one continues its streams after NaN rows; otherwise it gets streams of its own. */
#define LC_MAX_GAP_S 600.0

typedef struct lc_channel {
    char title[MC_NAME_MAX + 1]; /* as the file gives it, cut */
    char unit[MC_NAME_MAX + 1];  /* UCUM where obvious */
    char range[MC_NAME_MAX + 1];
} lc_channel;

typedef struct lc_block {
    double period_s; /* 0 until an Interval= line */
    int64_t start_unix_ns;
    size_t n_channels; /* from ChannelTitle= (0 = from the first row) */
    lc_channel ch[LC_MAX_CHANNELS];
    int has_time; /* columns of date and time before the channels (0, 1 or 2) */
    int ready;    /* streams chosen, rows being read */
    int64_t rows;
    size_t first_stream; /* index of its channel 0 in the import */
} lc_block;

typedef struct lc_state {
    const char *name;
    mc_import *imp;
    mc_diag *d;
    lc_block cur, prev;
    int have_prev;
    float *row; /* [LC_MAX_CHANNELS] */
} lc_state;

/* The fields of a TAB-separated line, one at a time. */
static int next_field(mc_text_span line, size_t *pos, mc_text_span *field)
{
    if (*pos > line.n)
        return 0;
    size_t i = *pos;
    while (i < line.n && line.p[i] != '\t')
        i++;
    field->p = line.p + *pos;
    field->n = i - *pos;
    *pos = i + 1;
    return 1;
}

static void copy_span(char *dst, size_t cap, mc_text_span s)
{
    s = mc_text_trim(s);
    const size_t n = s.n < cap - 1 ? s.n : cap - 1;
    memcpy(dst, s.p, n);
    dst[n] = '\0';
}

static mc_status fail(lc_state *st, int64_t line, const char *what, mc_text_span got)
{
    got = mc_text_trim(got);
    return mc_diag_set(st->d, MC_EFORMAT, -1, line, "%s: line %lld: %s (got '%.*s')", st->name,
                       (long long)line, what, (int)(got.n > 40 ? 40 : got.n), got.p);
}

/* Interval=<TAB>0.001 s */
static mc_status parse_interval(lc_state *st, mc_text_span v, int64_t line)
{
    v = mc_text_trim(v);
    size_t k = 0;
    while (k < v.n && v.p[k] != ' ')
        k++;
    mc_text_span num = {v.p, k}, unit = mc_text_trim((mc_text_span){v.p + k, v.n - k});
    double x;
    double scale = mc_text_eq(unit, "s") || unit.n == 0 ? 1.0 : mc_text_eq(unit, "ms") ? 1e-3 : 0;
    if (!mc_text_number(num, 0, &x) || scale == 0 || !(x * scale >= 1e-6 && x * scale <= 1e6))
        return fail(st, line, "expected a sample interval between 1 us and 1e6 s, as '0.001 s'", v);
    st->cur.period_s = x * scale;
    return MC_OK;
}

/* ExcelDateTime=<TAB>4.4558451867772063e+004<TAB>12/28/2021 10:50:41.375506: days since
 * 1899-12-30 (Excel's day 0 as the 1900 date system counts it), local time of the computer. */
static void parse_excel_time(lc_state *st, mc_text_span v)
{
    size_t pos = 0;
    mc_text_span f;
    double days;
    if (!next_field(v, &pos, &f) || !mc_text_number(f, 0, &days) ||
        !(days > 1 && days < 110000)) /* 1900 to 2200 */
        return;
    const double unix_s = (days - 25569.0) * 86400.0;
    st->cur.start_unix_ns = (int64_t)llround(unix_s * 1e6) * 1000; /* the text's resolution */
}

static mc_status header_line(lc_state *st, mc_text_span key, mc_text_span values, int64_t line)
{
    lc_block *b = &st->cur;
    if (mc_text_eq(key, "Interval"))
        return parse_interval(st, values, line);
    if (mc_text_eq(key, "ExcelDateTime")) {
        parse_excel_time(st, values);
        return MC_OK;
    }
    const int title = mc_text_eq(key, "ChannelTitle"), unit = mc_text_eq(key, "UnitName"),
              range = mc_text_eq(key, "Range");
    if (!title && !unit && !range)
        return MC_OK; /* TimeFormat, DateFormat, TopValue, BottomValue, ... */
    size_t pos = 0, k = 0;
    mc_text_span f;
    while (next_field(values, &pos, &f)) {
        if (k >= LC_MAX_CHANNELS)
            return fail(st, line, "more than 256 channels", key);
        char tmp[MC_NAME_MAX + 1];
        if (title)
            copy_span(b->ch[k].title, sizeof b->ch[k].title, f);
        else if (unit)
            snprintf(b->ch[k].unit, sizeof b->ch[k].unit, "%s", mc_text_unit(f, tmp));
        else
            copy_span(b->ch[k].range, sizeof b->ch[k].range, f);
        k++;
    }
    if (title)
        b->n_channels = k;
    return MC_OK;
}

static int same_channels(const lc_block *a, const lc_block *b)
{
    if (a->n_channels != b->n_channels || a->period_s != b->period_s)
        return 0;
    for (size_t c = 0; c < a->n_channels; c++)
        if (strcmp(a->ch[c].title, b->ch[c].title) != 0 || strcmp(a->ch[c].unit, b->ch[c].unit))
            return 0;
    return 1;
}

/* Choose the streams of the current block at its first row. */
static mc_status begin_block(lc_state *st, mc_text_span row, int64_t line)
{
    lc_block *b = &st->cur;
    if (b->period_s == 0)
        return fail(st, line, "expected an Interval= line before the first row", row);
    size_t pos = 0, fields = 0, seen = 0;
    mc_text_span f;
    while (next_field(row, &pos, &f)) {
        f = mc_text_trim(f);
        if (f.n > 0 && f.p[0] == '#')
            break; /* the comment column */
        seen++;
        if (f.n > 0) /* trailing empty fields (a TAB at the end of the line) do not count */
            fields = seen;
    }
    if (b->n_channels == 0) /* no ChannelTitle= line: every column but the time is a channel */
        b->n_channels = fields > 1 ? fields - 1 : 1;
    if (b->n_channels > LC_MAX_CHANNELS)
        return fail(st, line, "more than 256 channels", row);
    /* A time column (seconds or a clock time), and a date column before it when the export
     * was asked for dates; the samples' times come from Interval, not from these columns. */
    b->has_time = fields > b->n_channels + 1 ? 2 : fields > b->n_channels;
    mc_import *imp = st->imp;
    if (imp->start_unix_ns == MC_IMPORT_NO_TIME && !st->have_prev)
        imp->start_unix_ns = b->start_unix_ns;
    /* A block dated before the recording's start (a clock set back) is placed after the
     * previous block instead, so that no time is negative. */
    if (b->start_unix_ns != MC_IMPORT_NO_TIME && imp->start_unix_ns != MC_IMPORT_NO_TIME &&
        b->start_unix_ns < imp->start_unix_ns)
        b->start_unix_ns = MC_IMPORT_NO_TIME;
    const double rate = 1.0 / b->period_s;
    if (st->have_prev && same_channels(&st->prev, b)) {
        /* Where the previous block ended, in the previous block's samples. */
        const double end_s = (double)(imp->streams[st->prev.first_stream].start_ns) * 1e-9 +
                             (double)imp->streams[st->prev.first_stream].n_frames * b->period_s;
        double gap_s = 0; /* unknown start: a discontinuity */
        if (b->start_unix_ns != MC_IMPORT_NO_TIME && imp->start_unix_ns != MC_IMPORT_NO_TIME)
            gap_s = (double)(b->start_unix_ns - imp->start_unix_ns) * 1e-9 - end_s;
        if (gap_s >= -0.5 * b->period_s && gap_s <= LC_MAX_GAP_S) {
            const int64_t n_gap = (int64_t)llround(gap_s * rate);
            for (size_t c = 0; c < b->n_channels; c++) {
                const size_t s = st->prev.first_stream + c;
                mc_status rc = n_gap > 0
                                   ? mc_import_append_gap(imp, s, n_gap, "labchart block", st->d)
                                   : mc_import_mark_gap(imp, s, imp->streams[s].n_frames, 0,
                                                        "labchart block", st->d);
                if (rc != MC_OK)
                    return rc;
            }
            b->first_stream = st->prev.first_stream;
            b->ready = 1;
            return MC_OK;
        }
    }
    int64_t start_ns = 0;
    if (b->start_unix_ns != MC_IMPORT_NO_TIME && imp->start_unix_ns != MC_IMPORT_NO_TIME)
        start_ns = b->start_unix_ns - imp->start_unix_ns;
    else if (st->have_prev)
        start_ns = imp->streams[st->prev.first_stream].start_ns +
                   (int64_t)llround((double)imp->streams[st->prev.first_stream].n_frames *
                                    st->prev.period_s * 1e9);
    b->first_stream = imp->n_streams;
    for (size_t c = 0; c < b->n_channels; c++) {
        char name[MC_NAME_MAX + 1], fallback[32];
        snprintf(fallback, sizeof fallback, "channel_%zu", c + 1);
        mc_import_stream_name(b->ch[c].title, fallback, name);
        mc_channel_info ch = {.name = name, .unit = b->ch[c].unit, .scale_gain = 1};
        mc_kv attrs[2] = {{"source_channel", b->ch[c].title}, {"range", b->ch[c].range}};
        mc_stream_info info = {
            .name = name,
            .modality = mc_import_guess_modality(b->ch[c].title, b->ch[c].unit),
            .n_channels = 1,
            .channels = &ch,
            .rate_hz = rate,
            .driver = "labchart",
            .n_attrs = 2,
            .attrs = attrs,
        };
        if (!b->ch[c].title[0]) { /* empty values are not kept */
            attrs[0] = attrs[1];
            info.n_attrs--;
        }
        if (!b->ch[c].range[0])
            info.n_attrs--;
        mc_status rc = mc_import_add_stream(imp, &info, start_ns, NULL, st->d);
        if (rc != MC_OK)
            return rc;
    }
    b->ready = 1;
    return MC_OK;
}

static mc_status data_row(lc_state *st, mc_text_span row, int64_t line)
{
    lc_block *b = &st->cur;
    if (!b->ready) {
        mc_status rc = begin_block(st, row, line);
        if (rc != MC_OK)
            return rc;
    }
    size_t pos = 0, c = 0;
    mc_text_span f;
    int time_left = b->has_time;
    for (size_t k = 0; k < b->n_channels; k++)
        st->row[k] = NAN;
    while (next_field(row, &pos, &f)) {
        mc_text_span t = mc_text_trim(f);
        if (t.n > 0 && t.p[0] == '#') {
            /* A comment: "#1 text" or "#* text"; its time is this row's. */
            mc_event ev = {.value = (double)NAN};
            const mc_import_stream *s = &st->imp->streams[b->first_stream];
            ev.t_ns = s->start_ns + (int64_t)llround((double)s->n_frames * b->period_s * 1e9);
            snprintf(ev.kind, sizeof ev.kind, "comment");
            copy_span(ev.text, sizeof ev.text, t);
            mc_status rc = mc_import_add_event(st->imp, &ev, st->d);
            if (rc != MC_OK)
                return rc;
            break;
        }
        if (time_left > 0) {
            double x;
            int64_t ns;
            if (!mc_text_number(t, 0, &x) && !mc_text_clock(t, &ns) &&
                !(time_left == 2 && (mc_text_date(t, 0, &ns) || mc_text_date(t, 1, &ns))))
                return fail(st, line, "expected the time of a row (s or hh:mm:ss) or its date", t);
            time_left--;
            continue;
        }
        if (c < b->n_channels) {
            double x;
            if (mc_text_number(t, 0, &x))
                st->row[c] = (float)x;
            c++;
        }
    }
    for (size_t k = 0; k < b->n_channels; k++) {
        mc_status rc = mc_import_append(st->imp, b->first_stream + k, 1, &st->row[k], NULL, st->d);
        if (rc != MC_OK)
            return rc;
    }
    b->rows++;
    return MC_OK;
}

/* A header line: its first field ends with '='. */
static int is_header(mc_text_span line, mc_text_span *key, mc_text_span *values)
{
    size_t i = 0;
    while (i < line.n && line.p[i] != '\t')
        i++;
    mc_text_span first = mc_text_trim((mc_text_span){line.p, i});
    if (first.n < 2 || first.p[first.n - 1] != '=')
        return 0;
    key->p = first.p;
    key->n = first.n - 1;
    values->p = i < line.n ? line.p + i + 1 : line.p + line.n;
    values->n = i < line.n ? line.n - i - 1 : 0;
    return 1;
}

mc_status mc_labchart_read(const uint8_t *buf, size_t n, const char *name, mc_import *out,
                           mc_diag *d)
{
    lc_state *st = calloc(1, sizeof *st);
    float *row = calloc(LC_MAX_CHANNELS, sizeof *row);
    if (!st || !row) {
        free(st);
        free(row);
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory", name ? name : "labchart");
    }
    st->name = name ? name : "labchart";
    st->imp = out;
    st->d = d;
    st->row = row;
    st->cur.start_unix_ns = MC_IMPORT_NO_TIME;
    snprintf(out->format, sizeof out->format, "labchart");
    snprintf(out->source, sizeof out->source, "%s", st->name);

    const char *text = (const char *)buf;
    size_t pos = mc_text_bom(buf, n);
    mc_text_span line, key, values;
    int64_t line_no = 0, headers = 0;
    mc_status rc = MC_OK;
    while (rc == MC_OK && mc_text_next_line(text, n, &pos, &line)) {
        line_no++;
        if (mc_text_trim(line).n == 0)
            continue;
        if (is_header(line, &key, &values)) {
            if (st->cur.ready) { /* a new block: keep the previous headers as defaults */
                st->prev = st->cur;
                st->have_prev = 1;
                st->cur.ready = 0;
                st->cur.rows = 0;
                st->cur.start_unix_ns = MC_IMPORT_NO_TIME;
            }
            headers++;
            rc = header_line(st, key, values, line_no);
        } else if (headers == 0) {
            rc = fail(st, line_no, "expected LabChart 'Key=' header lines such as 'Interval='",
                      line);
        } else {
            rc = data_row(st, line, line_no);
        }
    }
    if (rc == MC_OK && out->n_streams == 0)
        rc = mc_diag_set(d, MC_EFORMAT, -1, line_no > 0 ? line_no : -1,
                         "%s: line %lld: no rows of samples", st->name, (long long)line_no);
    free(row);
    free(st);
    return rc;
}

mc_status mc_labchart_import(const char *path, mc_import *out, mc_diag *d)
{
    return mc_import_file_with(path, "labchart", mc_labchart_read, out, d);
}

int mc_labchart_detect(const uint8_t *head, size_t n, const char *name)
{
    (void)name;
    size_t pos = mc_text_bom(head, n);
    mc_text_span line, key, values;
    int keys = 0, interval = 0, lines = 0;
    while (lines < 40 && mc_text_next_line((const char *)head, n, &pos, &line)) {
        lines++;
        if (mc_text_trim(line).n == 0)
            continue;
        if (!is_header(line, &key, &values))
            break;
        keys++;
        interval |= mc_text_eq(key, "Interval") && values.n > 0;
    }
    return interval && keys >= 2;
}
