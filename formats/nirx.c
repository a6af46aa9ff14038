/* SPDX-License-Identifier: MIT */
/* formats/nirx.c: importer of NIRx native recordings (formats/nirx.h). */
#include "formats/nirx.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/text_scan.h"

/* Bounds on what a header may declare (NIRScout and NIRSport systems have at most 64 of each). */
#define NX_MAX_OPTODES     256
#define NX_MAX_PAIRS       8192
#define NX_MAX_WAVELENGTHS 8
/* Streams an import may get (a NIRScout 64x64 uses a few hundred channels). */
#define NX_MAX_STREAMS 2048

/* A header value: the text after '=' (quotes removed) or the lines of a "#...#" block. */
typedef struct nx_value {
    mc_text_span text;
    int64_t line; /* where the key is */
    int present;
} nx_value;

typedef struct nx_header {
    nx_value date, time, device, sources, detectors, wavelengths, rate, short_det, sd_key, sd_mask,
        chan_dis, events;
} nx_header;

typedef struct nx_channel {
    unsigned source, detector; /* 1-based */
    size_t column;             /* 0-based column of the .wl matrices */
    int is_short;
    double distance_mm; /* NaN when the header has no ChanDis */
} nx_channel;

typedef struct nx_state {
    const char *name; /* the header's name for diagnostics */
    const char *stem;
    mc_load_fn load;
    void *ctx;
    mc_import *imp;
    mc_diag *d;
    nx_header h;
    unsigned n_sources, n_detectors;
    size_t n_wl;
    double wl_nm[NX_MAX_WAVELENGTHS];
    double rate_hz;
    size_t n_channels;
    nx_channel *ch; /* [n_channels] */
    size_t n_columns;
    int64_t n_rows;
} nx_state;

static mc_status bad(nx_state *st, int64_t line, const char *what)
{
    if (line <= 0) /* the key is absent */
        return mc_diag_set(st->d, MC_EFORMAT, -1, -1, "%s: %s (no such line)", st->name, what);
    return mc_diag_set(st->d, MC_EFORMAT, -1, line, "%s: line %lld: %s", st->name, (long long)line,
                       what);
}

/* The key=value lines of the header. Values in quotes lose them; a value `"#` runs over the
 * following lines up to one starting with `#"`. Sections are not needed: the keys are unique. */
static void scan_header(nx_state *st, const char *text, size_t n)
{
    static const struct {
        const char *key;
        size_t field;
    } keys[] = {
        {"Date", offsetof(nx_header, date)},
        {"Time", offsetof(nx_header, time)},
        {"Device", offsetof(nx_header, device)},
        {"Sources", offsetof(nx_header, sources)},
        {"Detectors", offsetof(nx_header, detectors)},
        {"Wavelengths", offsetof(nx_header, wavelengths)},
        {"SamplingRate", offsetof(nx_header, rate)},
        {"ShortDetIndex", offsetof(nx_header, short_det)},
        {"S-D-Key", offsetof(nx_header, sd_key)},
        {"S-D-Mask", offsetof(nx_header, sd_mask)},
        {"ChanDis", offsetof(nx_header, chan_dis)},
        {"Events", offsetof(nx_header, events)},
    };
    size_t pos = mc_text_bom((const uint8_t *)text, n);
    mc_text_span line;
    int64_t line_no = 0;
    while (mc_text_next_line(text, n, &pos, &line)) {
        line_no++;
        size_t eq = 0;
        while (eq < line.n && line.p[eq] != '=')
            eq++;
        if (eq == line.n)
            continue;
        mc_text_span key = mc_text_trim((mc_text_span){line.p, eq});
        mc_text_span v = mc_text_trim((mc_text_span){line.p + eq + 1, line.n - eq - 1});
        const int64_t key_line = line_no;
        if (v.n >= 2 && v.p[0] == '"' && v.p[1] == '#') {
            /* A block: its lines up to the one starting with #". */
            const size_t start = pos;
            size_t end = pos;
            mc_text_span l;
            while (mc_text_next_line(text, n, &pos, &l)) {
                line_no++;
                mc_text_span t = mc_text_trim(l);
                if (t.n >= 2 && t.p[0] == '#' && t.p[1] == '"')
                    break;
                end = pos;
            }
            v.p = text + start;
            v.n = end - start;
        } else if (v.n >= 2 && v.p[0] == '"' && v.p[v.n - 1] == '"') {
            v.p++;
            v.n -= 2;
        }
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            if (mc_text_eq(key, keys[k].key)) {
                nx_value *slot = (nx_value *)(void *)((char *)&st->h + keys[k].field);
                slot->text = v;
                slot->line = key_line;
                slot->present = 1;
            }
    }
}

/* Whitespace-separated tokens (space, TAB, CR, LF, and ',' when `comma`). */
static int next_token(mc_text_span s, size_t *pos, int comma, mc_text_span *tok)
{
    size_t i = *pos;
    while (i < s.n && (s.p[i] == ' ' || s.p[i] == '\t' || s.p[i] == '\r' || s.p[i] == '\n' ||
                       (comma && s.p[i] == ',')))
        i++;
    if (i >= s.n)
        return 0;
    const size_t start = i;
    while (i < s.n && !(s.p[i] == ' ' || s.p[i] == '\t' || s.p[i] == '\r' || s.p[i] == '\n' ||
                        (comma && s.p[i] == ',')))
        i++;
    tok->p = s.p + start;
    tok->n = i - start;
    *pos = i;
    return 1;
}

static int whole_number(mc_text_span s, double lo, double hi, unsigned *out)
{
    double x;
    if (!mc_text_number(s, 0, &x) || !(x >= lo && x <= hi) || x != floor(x))
        return 0;
    *out = (unsigned)x;
    return 1;
}

static mc_status parse_geometry(nx_state *st)
{
    nx_header *h = &st->h;
    double x;
    if (!h->sources.present || !whole_number(h->sources.text, 1, NX_MAX_OPTODES, &st->n_sources))
        return bad(st, h->sources.line, "expected Sources=<1..256>");
    if (!h->detectors.present ||
        !whole_number(h->detectors.text, 1, NX_MAX_OPTODES, &st->n_detectors))
        return bad(st, h->detectors.line, "expected Detectors=<1..256>");
    if (!h->rate.present || !mc_text_number(h->rate.text, 0, &x) || !(x >= 1e-3 && x <= 1e5))
        return bad(st, h->rate.line, "expected SamplingRate=<Hz, 0.001 <= rate <= 100000>");
    st->rate_hz = x;
    size_t pos = 0;
    mc_text_span tok;
    while (h->wavelengths.present && next_token(h->wavelengths.text, &pos, 0, &tok)) {
        if (st->n_wl == NX_MAX_WAVELENGTHS || !mc_text_number(tok, 0, &x) || !(x >= 1 && x < 1e4))
            return bad(st, h->wavelengths.line, "expected Wavelengths=\"<nm> <nm>\" (1 to 8)");
        st->wl_nm[st->n_wl++] = x;
    }
    if (st->n_wl == 0)
        return bad(st, h->wavelengths.line, "expected Wavelengths=\"<nm> <nm>\" (1 to 8)");
    st->n_columns = (size_t)st->n_sources * st->n_detectors;
    if (st->n_columns > NX_MAX_PAIRS)
        return bad(st, h->detectors.line, "more than 8192 source-detector pairs");
    return MC_OK;
}

/* The column of each source-detector pair: S-D-Key "s-d:col,..." or, without one, the order
 * s1d1, s1d2, ... that NIRStar writes. */
static mc_status parse_columns(nx_state *st, size_t *column)
{
    for (size_t i = 0; i < st->n_columns; i++)
        column[i] = i;
    if (!st->h.sd_key.present)
        return MC_OK;
    size_t pos = 0;
    mc_text_span tok;
    while (next_token(st->h.sd_key.text, &pos, 1, &tok)) {
        size_t dash = 0, colon = 0;
        for (size_t k = 0; k < tok.n; k++) {
            if (tok.p[k] == '-' && !dash)
                dash = k;
            if (tok.p[k] == ':')
                colon = k;
        }
        unsigned s, d, c;
        if (!dash || colon <= dash + 1 ||
            !whole_number((mc_text_span){tok.p, dash}, 1, st->n_sources, &s) ||
            !whole_number((mc_text_span){tok.p + dash + 1, colon - dash - 1}, 1, st->n_detectors,
                          &d) ||
            !whole_number((mc_text_span){tok.p + colon + 1, tok.n - colon - 1}, 1,
                          (double)st->n_columns, &c))
            return bad(st, st->h.sd_key.line,
                       "expected S-D-Key entries source-detector:column within Sources, "
                       "Detectors and their product");
        column[(size_t)(s - 1) * st->n_detectors + (d - 1)] = c - 1;
    }
    return MC_OK;
}

/* The channels: pairs set in S-D-Mask (all pairs when the header has none). */
static mc_status parse_channels(nx_state *st)
{
    size_t *column = calloc(st->n_columns, sizeof *column);
    unsigned char *mask = calloc(st->n_columns, 1);
    st->ch = calloc(st->n_columns, sizeof *st->ch);
    mc_status rc = MC_OK;
    if (!column || !mask || !st->ch) {
        rc = mc_diag_set(st->d, MC_ENOMEM, -1, -1, "%s: out of memory", st->name);
        goto out;
    }
    rc = parse_columns(st, column);
    if (rc != MC_OK)
        goto out;
    if (st->h.sd_mask.present) {
        size_t pos = 0, k = 0;
        mc_text_span tok;
        while (next_token(st->h.sd_mask.text, &pos, 0, &tok)) {
            unsigned v;
            if (k == st->n_columns || !whole_number(tok, 0, 1, &v)) {
                rc = bad(st, st->h.sd_mask.line,
                         "expected S-D-Mask to be Sources rows of Detectors 0/1 values");
                goto out;
            }
            mask[k++] = (unsigned char)v;
        }
        if (k != st->n_columns) {
            rc = bad(st, st->h.sd_mask.line,
                     "expected S-D-Mask to be Sources rows of Detectors 0/1 values");
            goto out;
        }
    } else {
        memset(mask, 1, st->n_columns);
    }
    unsigned char is_short[NX_MAX_OPTODES + 1] = {0};
    size_t pos = 0;
    mc_text_span tok;
    while (st->h.short_det.present && next_token(st->h.short_det.text, &pos, 0, &tok)) {
        unsigned det;
        if (whole_number(tok, 1, st->n_detectors, &det))
            is_short[det] = 1;
    }
    for (unsigned s = 1; s <= st->n_sources; s++)
        for (unsigned d = 1; d <= st->n_detectors; d++) {
            const size_t pair = (size_t)(s - 1) * st->n_detectors + (d - 1);
            if (!mask[pair])
                continue;
            nx_channel *c = &st->ch[st->n_channels++];
            c->source = s;
            c->detector = d;
            c->column = column[pair];
            c->is_short = is_short[d];
            c->distance_mm = (double)NAN;
        }
    /* ChanDis lists one distance per masked channel, in the same order. */
    pos = 0;
    for (size_t k = 0; st->h.chan_dis.present && k < st->n_channels; k++) {
        double x;
        if (!next_token(st->h.chan_dis.text, &pos, 0, &tok) || !mc_text_number(tok, 0, &x))
            break;
        st->ch[k].distance_mm = x;
    }
    if (st->n_channels == 0)
        rc = bad(st, st->h.sd_mask.line, "S-D-Mask selects no channel");
    else if (st->n_channels * st->n_wl > NX_MAX_STREAMS)
        rc = bad(st, st->h.sd_mask.line,
                 "more than 2048 channel-wavelength streams (check S-D-Mask and Wavelengths)");
out:
    free(column);
    free(mask);
    return rc;
}

/* Date="Fri, Aug 23, 2019" and Time="07:37:04.540" → ns since 1970 (as UTC). */
static int64_t parse_start(const nx_state *st)
{
    static const char months[12][4] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
    if (!st->h.date.present || !st->h.time.present)
        return MC_IMPORT_NO_TIME;
    mc_text_span tok[4];
    size_t pos = 0, k = 0;
    while (k < 4 && next_token(st->h.date.text, &pos, 1, &tok[k]))
        k++;
    if (k != 4 || tok[1].n < 3)
        return MC_IMPORT_NO_TIME;
    unsigned m = 0, day, year;
    for (unsigned i = 0; i < 12; i++)
        if (mc_text_starts(tok[1], months[i]))
            m = i + 1;
    int64_t clock_ns;
    if (!m || !whole_number(tok[2], 1, 31, &day) || !whole_number(tok[3], 1900, 2200, &year) ||
        !mc_text_clock(st->h.time.text, &clock_ns))
        return MC_IMPORT_NO_TIME;
    return mc_text_days_from_civil(year, m, day) * 86400 * 1000000000LL + clock_ns;
}

/* One .wl matrix: every row has n_columns numbers; the channels' columns are appended to their
 * streams (first_stream + channel * n_wl). */
static mc_status read_matrix(nx_state *st, size_t wl, size_t first_stream)
{
    char file[220];
    snprintf(file, sizeof file, "%.190s.wl%zu", st->stem, wl + 1);
    uint8_t *buf = NULL;
    size_t len = 0;
    mc_status rc = st->load(st->ctx, file, &buf, &len, st->d);
    if (rc != MC_OK)
        return rc;
    const char *text = (const char *)buf;
    /* Rows first, so that each channel's samples are appended at once. Each row holds at least
     * 2 bytes per column, so the counts below are bounded by the bytes present. */
    int64_t rows = 0;
    size_t pos = 0;
    mc_text_span line;
    while (mc_text_next_line(text, len, &pos, &line))
        rows += mc_text_trim(line).n > 0;
    float *values = NULL;
    size_t n_values;
    if (!mc_size_mul((size_t)rows, st->n_channels, &n_values) ||
        !(values = malloc((n_values ? n_values : 1) * sizeof *values))) {
        free(buf);
        return mc_diag_set(st->d, MC_ENOMEM, -1, -1, "%s: out of memory for %lld rows", file,
                           (long long)rows);
    }
    float *row = malloc(st->n_columns * sizeof *row);
    if (!row) {
        rc = mc_diag_set(st->d, MC_ENOMEM, -1, -1, "%s: out of memory", file);
        goto out;
    }
    pos = 0;
    int64_t line_no = 0, r = 0;
    while (mc_text_next_line(text, len, &pos, &line)) {
        line_no++;
        if (mc_text_trim(line).n == 0)
            continue;
        size_t tp = 0, c = 0;
        mc_text_span tok;
        while (next_token(line, &tp, 0, &tok)) {
            double x;
            if (c == st->n_columns || !mc_text_number(tok, 0, &x)) {
                rc = mc_diag_set(st->d, MC_EFORMAT, (int64_t)(tok.p - text), line_no,
                                 "%s: line %lld: expected %zu numbers (Sources x Detectors)", file,
                                 (long long)line_no, st->n_columns);
                goto out;
            }
            row[c++] = (float)x;
        }
        if (c != st->n_columns) {
            rc = mc_diag_set(st->d, MC_EFORMAT, -1, line_no,
                             "%s: line %lld: expected %zu numbers (Sources x Detectors), got %zu",
                             file, (long long)line_no, st->n_columns, c);
            goto out;
        }
        for (size_t k = 0; k < st->n_channels; k++)
            values[(size_t)r + (size_t)rows * k] = row[st->ch[k].column];
        r++;
    }
    if (wl > 0 && rows != st->n_rows) {
        rc = mc_diag_set(st->d, MC_EFORMAT, -1, line_no,
                         "%s: %lld rows, but %s.wl1 has %lld: the files do not belong together",
                         file, (long long)rows, st->stem, (long long)st->n_rows);
        goto out;
    }
    if (rows == 0) {
        rc = mc_diag_set(st->d, MC_EFORMAT, -1, -1, "%s: no rows of samples", file);
        goto out;
    }
    st->n_rows = rows;
    for (size_t k = 0; k < st->n_channels && rc == MC_OK; k++)
        rc = mc_import_append(st->imp, first_stream + k * st->n_wl + wl, (size_t)rows,
                              values + (size_t)rows * k, NULL, st->d);
out:
    free(row);
    free(values);
    free(buf);
    return rc;
}

static mc_status add_streams(nx_state *st)
{
    char device[MC_VALUE_MAX + 1] = "NIRx";
    if (st->h.device.present) {
        const size_t n = st->h.device.text.n < MC_VALUE_MAX ? st->h.device.text.n : MC_VALUE_MAX;
        for (size_t i = 0; i < n; i++) {
            const unsigned char c = (unsigned char)st->h.device.text.p[i];
            device[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
        }
        device[n] = '\0';
    }
    for (size_t k = 0; k < st->n_channels; k++) {
        const nx_channel *c = &st->ch[k];
        for (size_t w = 0; w < st->n_wl; w++) {
            char name[MC_NAME_MAX + 1], src[16], det[16], wl[32], dist[32];
            snprintf(name, sizeof name, "S%u_D%u_%.0fnm", c->source, c->detector, st->wl_nm[w]);
            snprintf(src, sizeof src, "%u", c->source);
            snprintf(det, sizeof det, "%u", c->detector);
            snprintf(wl, sizeof wl, "%g", st->wl_nm[w]);
            snprintf(dist, sizeof dist, "%g", c->distance_mm);
            mc_channel_info ch = {.name = name, .unit = "V", .scale_gain = 1};
            const mc_kv attrs[] = {
                {"source", src},       {"detector", det},
                {"wavelength_nm", wl}, {"short_channel", c->is_short ? "1" : "0"},
                {"distance_mm", dist},
            };
            const mc_stream_info info = {
                .name = name,
                .modality = MC_MODALITY_NIRS,
                .n_channels = 1,
                .channels = &ch,
                .rate_hz = st->rate_hz,
                .device_model = device,
                .driver = "nirx",
                .n_attrs = isnan(c->distance_mm) ? 4 : 5,
                .attrs = attrs,
            };
            mc_status rc = mc_import_add_stream(st->imp, &info, 0, NULL, st->d);
            if (rc != MC_OK)
                return rc;
        }
    }
    return MC_OK;
}

static mc_status add_trigger(nx_state *st, double t_s, unsigned code)
{
    mc_event ev = {.t_ns = (int64_t)llround(t_s * 1e9), .value = code};
    snprintf(ev.kind, sizeof ev.kind, "trigger");
    snprintf(ev.text, sizeof ev.text, "trigger %u", code);
    return mc_import_add_event(st->imp, &ev, st->d);
}

/* Triggers: .evt rows "sample<TAB>bit1 ... bit8" (bit1 the least significant), or, without a
 * .evt file, the header's Events rows "time code sample". */
static mc_status read_events(nx_state *st)
{
    char file[220];
    snprintf(file, sizeof file, "%.190s.evt", st->stem);
    uint8_t *buf = NULL;
    size_t len = 0;
    mc_diag quiet;
    mc_status rc = st->load(st->ctx, file, &buf, &len, &quiet);
    if (rc == MC_OK) {
        size_t pos = 0;
        int64_t line_no = 0;
        mc_text_span line;
        while (rc == MC_OK && mc_text_next_line((const char *)buf, len, &pos, &line)) {
            line_no++;
            size_t tp = 0, k = 0;
            mc_text_span tok;
            unsigned sample = 0, code = 0, v;
            int ok = 1;
            while (ok && next_token(line, &tp, 0, &tok)) {
                if (k == 0) {
                    ok = whole_number(tok, 0, 4e9, &sample);
                } else {
                    ok = k <= 8 && whole_number(tok, 0, 1, &v);
                    code |= ok ? v << (k - 1) : 0;
                }
                k++;
            }
            if (k == 0)
                continue;
            if (!ok || k != 9)
                rc = mc_diag_set(st->d, MC_EFORMAT, -1, line_no,
                                 "%s: line %lld: expected a sample number and 8 trigger bits", file,
                                 (long long)line_no);
            else
                rc = add_trigger(st, sample / st->rate_hz, code);
        }
        free(buf);
        return rc;
    }
    if (rc != MC_ENOTFOUND)
        return mc_diag_set(st->d, rc, -1, -1, "%s", quiet.message);
    size_t pos = 0;
    mc_text_span line;
    while (st->h.events.present &&
           mc_text_next_line(st->h.events.text.p, st->h.events.text.n, &pos, &line)) {
        size_t tp = 0;
        mc_text_span t, c;
        double t_s;
        unsigned code;
        if (next_token(line, &tp, 0, &t) && next_token(line, &tp, 0, &c) &&
            mc_text_number(t, 0, &t_s) && t_s >= 0 && t_s < 1e9 && whole_number(c, 0, 1e9, &code))
            if ((rc = add_trigger(st, t_s, code)) != MC_OK)
                return rc;
    }
    return MC_OK;
}

mc_status mc_nirx_read(const uint8_t *hdr, size_t n, const char *stem, mc_load_fn load, void *ctx,
                       mc_import *out, mc_diag *d)
{
    nx_state st = {.stem = stem, .load = load, .ctx = ctx, .imp = out, .d = d};
    char name[200];
    snprintf(name, sizeof name, "%.190s.hdr", stem);
    st.name = name;
    snprintf(out->format, sizeof out->format, "nirx");
    snprintf(out->source, sizeof out->source, "%s", name);
    scan_header(&st, (const char *)hdr, n);
    mc_status rc = parse_geometry(&st);
    if (rc == MC_OK)
        rc = parse_channels(&st);
    if (rc == MC_OK) {
        out->start_unix_ns = parse_start(&st);
        const size_t first = out->n_streams;
        rc = add_streams(&st);
        for (size_t w = 0; w < st.n_wl && rc == MC_OK; w++)
            rc = read_matrix(&st, w, first);
    }
    if (rc == MC_OK)
        rc = read_events(&st);
    free(st.ch);
    return rc;
}

mc_status mc_nirx_import(const char *path, mc_import *out, mc_diag *d)
{
    uint8_t *buf;
    size_t n;
    mc_status rc = mc_read_whole_file(path, (size_t)1 << 24, &buf, &n, d);
    if (rc != MC_OK)
        return rc;
    /* The folder is the loader's context; the stem names the companions. */
    char dir[4096], stem[256];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 0, path);
    if (slash == path)
        snprintf(dir, sizeof dir, "/");
    size_t stem_len = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot && dot != base)
        stem_len = (size_t)(dot - base);
    snprintf(stem, sizeof stem, "%.*s", (int)stem_len, base);
    rc = mc_nirx_read(buf, n, stem, mc_load_file, dir, out, d);
    free(buf);
    return rc;
}

int mc_nirx_detect(const uint8_t *head, size_t n, const char *name)
{
    const char *text = (const char *)head;
    size_t pos = mc_text_bom(head, n);
    mc_text_span line;
    int general = 0, imaging = 0, nirstar = 0, rate = 0;
    while (mc_text_next_line(text, n, &pos, &line)) {
        mc_text_span t = mc_text_trim(line);
        general |= mc_text_eq(t, "[GeneralInfo]");
        imaging |= mc_text_eq(t, "[ImagingParameters]");
        nirstar |= mc_text_starts(t, "NIRStar=") || mc_text_starts(t, "Device=\"NIRScout") ||
                   mc_text_starts(t, "Device=\"NIRSport");
        rate |= mc_text_starts(t, "SamplingRate=");
    }
    const size_t len = name ? strlen(name) : 0;
    const int hdr_name = len > 4 && strcmp(name + len - 4, ".hdr") == 0;
    return (general && nirstar) || (imaging && rate) || (hdr_name && general);
}
