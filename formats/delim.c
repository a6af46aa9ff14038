/* SPDX-License-Identifier: MIT */
/* formats/delim.c: the general reader of delimited text tables (formats/delim.h). */
#include "formats/delim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/text_scan.h"

#define NS_PER_S   1000000000LL
#define NS_PER_DAY (86400LL * NS_PER_S)

typedef struct dl_cell {
    mc_text_span s; /* without the quotes of a quoted cell */
    int quoted;
} dl_cell;

typedef struct dl_reader {
    const char *name;
    const char *text;
    size_t n;
    mc_delim_options o;
    mc_import *imp;
    mc_diag *d;
    mc_text_span *lines; /* [n_lines]; line i is line number i + 1 */
    size_t n_lines;
    dl_cell *cells; /* [MC_DELIM_MAX_COLUMNS] scratch */
    size_t n_cols;
    mc_delim_time tf;
    size_t tcol; /* 0-based time column (date column of the date+clock formats) */
} dl_reader;

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Split a line into cells. Quotes ("13,80") protect delimiters; "" inside them is kept as is.
 * @return the number of cells, or MC_DELIM_MAX_COLUMNS + 1 when there are more */
static size_t split(const dl_reader *r, mc_text_span line, dl_cell *cells)
{
    const char dl = r->o.delimiter;
    size_t k = 0, i = 0;
    if (dl == ' ') {
        for (;;) {
            while (i < line.n && is_blank(line.p[i]))
                i++;
            if (i >= line.n)
                return k;
            const size_t start = i;
            while (i < line.n && !is_blank(line.p[i]))
                i++;
            if (k == MC_DELIM_MAX_COLUMNS)
                return k + 1;
            cells[k++] = (dl_cell){{line.p + start, i - start}, 0};
        }
    }
    for (;;) {
        if (k == MC_DELIM_MAX_COLUMNS)
            return k + 1;
        size_t q = i;
        while (q < line.n && line.p[q] == ' ')
            q++;
        if (q < line.n && line.p[q] == '"') {
            size_t j = q + 1;
            while (j < line.n && !(line.p[j] == '"' && !(j + 1 < line.n && line.p[j + 1] == '"')))
                j += line.p[j] == '"' ? 2 : 1;
            const size_t end = j < line.n ? j : line.n;
            cells[k++] = (dl_cell){{line.p + q + 1, end - q - 1}, 1};
            i = end < line.n ? end + 1 : line.n;
            while (i < line.n && line.p[i] != dl)
                i++;
        } else {
            size_t j = i;
            while (j < line.n && line.p[j] != dl)
                j++;
            cells[k++] = (dl_cell){{line.p + i, j - i}, 0};
            i = j;
        }
        if (i >= line.n)
            return k;
        i++; /* the delimiter */
    }
}

static int number(const dl_reader *r, const dl_cell *c, double *x)
{
    const int dec = r->o.decimal_comma;
    if (mc_text_number(c->s, dec == 1, x))
        return 1;
    return dec == -1 && (c->quoted || r->o.delimiter != ',') && mc_text_number(c->s, 1, x);
}

/* Empty, dashes and dots (-, ---, --.-), None, NaN-like words, or one of the options' markers. */
static int missing(const dl_reader *r, const dl_cell *c)
{
    mc_text_span s = mc_text_trim(c->s);
    if (s.n == 0 || mc_text_eq(s, "none") || mc_text_eq(s, "na") || mc_text_eq(s, "n/a") ||
        mc_text_eq(s, "null"))
        return 1;
    size_t dashes = 0, i = 0;
    for (; i < s.n && (s.p[i] == '-' || s.p[i] == '.'); i++)
        dashes += s.p[i] == '-';
    if (i == s.n && dashes > 0)
        return 1;
    const char *m = r->o.missing;
    while (*m) {
        const char *bar = strchr(m, '|');
        const size_t len = bar ? (size_t)(bar - m) : strlen(m);
        if (len > 0 && len == s.n && memcmp(m, s.p, len) == 0)
            return 1;
        m += len + (bar != NULL);
    }
    return 0;
}

static int time_like(const dl_cell *c)
{
    int64_t x;
    int doy;
    return mc_text_clock(c->s, &x) || mc_text_date(c->s, 1, &x) || mc_text_date(c->s, 0, &x) ||
           mc_text_date_no_year(c->s, &doy);
}

/* A data row: its first cell is a number or a time, and at least half of its non-empty cells are
 * numbers, times or missing markers. */
static int data_like(dl_reader *r, mc_text_span line)
{
    const size_t k = split(r, line, r->cells);
    if (k == 0 || k > MC_DELIM_MAX_COLUMNS)
        return 0;
    double x;
    if (!number(r, &r->cells[0], &x) && !time_like(&r->cells[0]))
        return 0;
    size_t filled = 0, values = 0;
    for (size_t c = 0; c < k; c++) {
        if (mc_text_trim(r->cells[c].s).n == 0)
            continue;
        filled++;
        values +=
            number(r, &r->cells[c], &x) || missing(r, &r->cells[c]) || time_like(&r->cells[c]);
    }
    return 2 * values >= filled;
}

/* Occurrences of c outside quotes. */
static size_t count_outside_quotes(mc_text_span line, char c)
{
    size_t k = 0;
    int quoted = 0;
    for (size_t i = 0; i < line.n; i++) {
        if (line.p[i] == '"')
            quoted = !quoted;
        else if (!quoted && line.p[i] == c)
            k++;
    }
    return k;
}

/* The delimiter whose count per line is the same on most of the first 100 non-empty lines (a
 * TAB, then ';', wins a tie with ',', since their files use decimal commas); blanks when none. */
static char guess_delimiter(const dl_reader *r, size_t first)
{
    static const char cand[3] = {'\t', ';', ','};
    size_t best_freq = 0;
    char best = ' ';
    for (size_t k = 0; k < 3; k++) {
        size_t counts[100], n = 0;
        for (size_t i = first; i < r->n_lines && n < 100; i++)
            if (mc_text_trim(r->lines[i]).n > 0)
                counts[n++] = count_outside_quotes(r->lines[i], cand[k]);
        for (size_t a = 0; a < n; a++) {
            if (counts[a] == 0)
                continue;
            size_t freq = 0;
            for (size_t b = 0; b < n; b++)
                freq += counts[b] == counts[a];
            if (freq > best_freq) {
                best_freq = freq;
                best = cand[k];
            }
        }
    }
    return best;
}

/* "NAME: line L: WHAT" or "NAME: line L: WHAT 'DETAIL'". */
static mc_status fail(dl_reader *r, size_t line_index, const char *what, const char *detail)
{
    return mc_diag_set(r->d, MC_EFORMAT, -1, (int64_t)line_index + 1, "%s: line %zu: %s%s%s%s",
                       r->name, line_index + 1, what, detail ? " '" : "", detail ? detail : "",
                       detail ? "'" : "");
}

/* Cell text for a message: at most 40 bytes, printable ASCII. */
static const char *show(const mc_text_span s, char *buf, size_t cap)
{
    mc_text_span t = mc_text_trim(s);
    size_t n = 0;
    for (size_t i = 0; i < t.n && n + 1 < cap && n < 40; i++)
        buf[n++] = t.p[i] >= 0x20 && t.p[i] < 0x7f ? t.p[i] : '?';
    buf[n] = '\0';
    return buf;
}

/* Text kept as an attribute or a name: valid UTF-8 without control characters, else '?'. */
static void copy_text(mc_text_span s, char *out, size_t cap)
{
    s = mc_text_trim(s);
    size_t n = 0;
    for (size_t i = 0; i < s.n && n + 5 < cap;) {
        const unsigned char c = (unsigned char)s.p[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        int ok = len > 0 && i + len <= s.n && !(len == 1 && c < 0x20) && !(len == 2 && c < 0xC2);
        for (size_t k = 1; ok && k < len; k++)
            ok = ((unsigned char)s.p[i + k] >> 6) == 2;
        if (!ok) {
            out[n++] = '?';
            i++;
            continue;
        }
        memcpy(out + n, s.p + i, len);
        n += len;
        i += len;
    }
    out[n] = '\0';
}

/* "Heart Rate(/min)" → name "Heart Rate", unit "/min"; also "Time [s]". */
static void name_and_unit(mc_text_span s, mc_text_span *name, mc_text_span *unit)
{
    s = mc_text_trim(s);
    *name = s;
    unit->p = s.p;
    unit->n = 0;
    if (s.n < 3)
        return;
    const char close = s.p[s.n - 1], open = close == ')' ? '(' : close == ']' ? '[' : 0;
    if (!open)
        return;
    for (size_t i = s.n - 1; i-- > 0;)
        if (s.p[i] == open) {
            if (i == 0)
                return;
            name->n = i;
            *name = mc_text_trim(*name);
            unit->p = s.p + i + 1;
            unit->n = s.n - i - 2;
            return;
        }
}

static int contains_ci(mc_text_span s, const char *word)
{
    const size_t n = strlen(word);
    for (size_t i = 0; i + n <= s.n; i++)
        if (mc_text_eq((mc_text_span){s.p + i, n}, word))
            return 1;
    return 0;
}

typedef struct dl_column {
    char name[MC_NAME_MAX + 1]; /* stream name */
    char unit[MC_NAME_MAX + 1];
    char source[128]; /* the header's text */
    char group[64];   /* the group row's label over it */
    char site[64];    /* the group's "Sensor Position" in the metadata lines */
    int has_number, has_text;
} dl_column;

static int two_columns(mc_delim_time tf)
{
    return tf == MC_DELIM_TIME_DATE_CLOCK || tf == MC_DELIM_TIME_DAY_CLOCK;
}

static int is_time_column(const dl_reader *r, size_t c)
{
    return r->tf != MC_DELIM_TIME_NONE &&
           (c == r->tcol || (two_columns(r->tf) && c == r->tcol + 1));
}

/* The time format and column, from the options or from the first data row and the header. */
static mc_status choose_time(dl_reader *r, size_t first_data, const dl_column *cols)
{
    r->tf = r->o.time_column == -1 ? MC_DELIM_TIME_NONE : r->o.time_format;
    r->tcol = r->o.time_column > 0 ? (size_t)r->o.time_column - 1 : 0;
    if (r->tf == MC_DELIM_TIME_NONE)
        return MC_OK;
    if (r->tcol + (two_columns(r->tf) ? 1 : 0) >= r->n_cols)
        return fail(r, first_data, "the time column is beyond the columns of the table", NULL);
    if (r->tf == MC_DELIM_TIME_SAMPLES && !(r->o.rate_hz > 0))
        return fail(r, first_data, "time_format samples needs rate_hz", NULL);
    if (r->tf != MC_DELIM_TIME_AUTO)
        return MC_OK;
    const size_t k = split(r, r->lines[first_data], r->cells);
    const dl_cell empty = {{"", 0}, 0};
    const dl_cell c0 = r->tcol < k ? r->cells[r->tcol] : empty;
    const dl_cell c1 = r->tcol + 1 < k ? r->cells[r->tcol + 1] : empty;
    int64_t x;
    int doy;
    double v;
    const int clock1 = mc_text_clock(c1.s, &x);
    if (mc_text_date(c0.s, r->o.day_first, &x) && clock1)
        r->tf = MC_DELIM_TIME_DATE_CLOCK;
    else if (mc_text_date_no_year(c0.s, &doy) && clock1)
        r->tf = MC_DELIM_TIME_DAY_CLOCK;
    else if (mc_text_clock(c0.s, &x))
        r->tf = MC_DELIM_TIME_CLOCK;
    else if (number(r, &c0, &v)) {
        mc_text_span src = {cols[r->tcol].source, strlen(cols[r->tcol].source)};
        if (mc_text_eq((mc_text_span){cols[r->tcol].unit, strlen(cols[r->tcol].unit)}, "ms"))
            r->tf = MC_DELIM_TIME_MS;
        else if (r->o.time_column > 0 || contains_ci(src, "time") || contains_ci(src, "sec") ||
                 mc_text_eq(src, "t") || mc_text_eq(src, "t_s") ||
                 strcmp(cols[r->tcol].unit, "s") == 0)
            r->tf = MC_DELIM_TIME_SECONDS;
        else
            r->tf = MC_DELIM_TIME_NONE;
    } else if (r->o.time_column > 0) {
        char buf[48];
        return fail(r, first_data, "expected a time in the time column, got",
                    show(c0.s, buf, sizeof buf));
    } else {
        r->tf = MC_DELIM_TIME_NONE;
    }
    return MC_OK;
}

/* The time of a row in ns: since 1970 (date+clock), since the first day (clock, day+clock) or
 * as written (seconds, ms); `prev` unwraps midnight and the new year. */
static int row_time(const dl_reader *r, const dl_cell *cells, size_t k, int64_t prev, int first,
                    int64_t *t)
{
    const dl_cell empty = {{"", 0}, 0};
    const dl_cell *c0 = r->tcol < k ? &cells[r->tcol] : &empty;
    const dl_cell *c1 = r->tcol + 1 < k ? &cells[r->tcol + 1] : &empty;
    double x;
    int64_t days, clock;
    int doy;
    if (prev > (int64_t)4e18) /* 126 years of midnights or new years: not a recording */
        return 0;
    switch (r->tf) {
    case MC_DELIM_TIME_SECONDS:
    case MC_DELIM_TIME_MS:
    case MC_DELIM_TIME_SAMPLES: {
        const double scale = r->tf == MC_DELIM_TIME_MS        ? 1e6
                             : r->tf == MC_DELIM_TIME_SAMPLES ? 1e9 / r->o.rate_hz
                                                              : 1e9;
        if (!number(r, c0, &x) || !(fabs(x * scale) < 4e18))
            return 0;
        *t = (int64_t)llround(x * scale);
        return 1;
    }
    case MC_DELIM_TIME_CLOCK:
        if (!mc_text_clock(c0->s, &clock))
            return 0;
        *t = clock;
        /* A step back of more than 12 h is midnight: carry the days of the previous row. */
        if (!first) {
            *t += prev - prev % NS_PER_DAY;
            if (*t < prev - NS_PER_DAY / 2)
                *t += NS_PER_DAY;
        }
        return 1;
    case MC_DELIM_TIME_DATE_CLOCK:
        if (!mc_text_date(c0->s, r->o.day_first, &days) || !mc_text_clock(c1->s, &clock))
            return 0;
        *t = days * NS_PER_DAY + clock;
        return 1;
    case MC_DELIM_TIME_DAY_CLOCK:
        if (!mc_text_date_no_year(c0->s, &doy) || !mc_text_clock(c1->s, &clock))
            return 0;
        *t = doy * NS_PER_DAY + clock;
        if (!first) { /* the years passed so far, and a new one when the date steps back */
            const int64_t year = 365 * NS_PER_DAY;
            *t += prev - prev % year;
            if (*t < prev - year / 2)
                *t += year;
        }
        return 1;
    default:
        return 0;
    }
}

/* Names, units and groups of the columns from the header and group rows. */
static void name_columns(dl_reader *r, dl_column *cols, long header, long group, size_t first)
{
    if (header >= 0) {
        const size_t k = split(r, r->lines[header], r->cells);
        for (size_t c = 0; c < k && c < r->n_cols; c++) {
            mc_text_span name, unit;
            name_and_unit(r->cells[c].s, &name, &unit);
            copy_text(r->cells[c].s, cols[c].source, sizeof cols[c].source);
            char tmp[MC_NAME_MAX + 1];
            if (unit.n)
                snprintf(cols[c].unit, sizeof cols[c].unit, "%s", mc_text_unit(unit, tmp));
            copy_text(name, cols[c].name, sizeof cols[c].name);
        }
    }
    if (group >= 0) {
        const size_t k = split(r, r->lines[group], r->cells);
        char label[64] = "";
        for (size_t c = 0; c < r->n_cols; c++) {
            if (c < k && mc_text_trim(r->cells[c].s).n > 0)
                copy_text(r->cells[c].s, label, sizeof label);
            snprintf(cols[c].group, sizeof cols[c].group, "%s", label);
        }
        /* The metadata lines above name each group's position: "Sensor ID,<label>" then
         * "Sensor Position,<site>" (Train.Red). */
        char id[64] = "";
        for (size_t i = first; i < (size_t)group; i++) {
            const size_t k2 = split(r, r->lines[i], r->cells);
            if (k2 < 2)
                continue;
            if (mc_text_eq(mc_text_trim(r->cells[0].s), "Sensor ID"))
                copy_text(r->cells[1].s, id, sizeof id);
            if (mc_text_eq(mc_text_trim(r->cells[0].s), "Sensor Position") && id[0]) {
                char site[64];
                copy_text(r->cells[1].s, site, sizeof site);
                for (size_t c = 0; c < r->n_cols; c++)
                    if (strcmp(cols[c].group, id) == 0)
                        snprintf(cols[c].site, sizeof cols[c].site, "%s", site);
            }
        }
    }
    for (size_t c = 0; c < r->n_cols; c++) {
        dl_column *col = &cols[c];
        /* The group's last word tells the sensors apart ("Train.Red FYER 0673" → 0673). */
        const char *word = strrchr(col->group, ' ');
        word = word ? word + 1 : col->group;
        char full[MC_NAME_MAX * 2 + 4], fallback[32];
        snprintf(full, sizeof full, "%s%s%s", col->name, *word ? " " : "", word);
        snprintf(fallback, sizeof fallback, "column_%zu", c + 1);
        mc_import_stream_name(full, fallback, col->name);
        static const char *const percent[] = {"SmO2", "StO2", "SpO2", "SaO2", "TSI"};
        for (size_t k = 0; k < 5 && !col->unit[0]; k++)
            if (strncmp(col->name, percent[k], strlen(percent[k])) == 0)
                snprintf(col->unit, sizeof col->unit, "%%");
    }
}

/* The lines of the input (after a BOM). */
static mc_status split_lines(dl_reader *r, const uint8_t *buf, size_t n)
{
    size_t pos = mc_text_bom(buf, n), count = 0;
    mc_text_span line;
    while (mc_text_next_line(r->text, n, &pos, &line))
        count++;
    r->lines = malloc((count ? count : 1) * sizeof *r->lines);
    if (!r->lines)
        return mc_diag_set(r->d, MC_ENOMEM, -1, -1, "%s: out of memory", r->name);
    pos = mc_text_bom(buf, n);
    while (mc_text_next_line(r->text, n, &pos, &line))
        r->lines[r->n_lines++] = line;
    return MC_OK;
}

/* Header row, group row and first data row (indices into r->lines, -1 = none). */
static mc_status find_rows(dl_reader *r, size_t first, long *header, long *group, size_t *data)
{
    *header = -1;
    *group = -1;
    size_t i = first;
    if (r->o.header_row > 0) {
        if ((size_t)r->o.header_row > r->n_lines)
            return mc_diag_set(r->d, MC_EFORMAT, -1, -1,
                               "%s: header_row %d: the file has %zu lines", r->name,
                               r->o.header_row, r->n_lines);
        *header = r->o.header_row - 1;
        i = (size_t)*header + 1;
        while (i < r->n_lines && mc_text_trim(r->lines[i]).n == 0)
            i++;
    } else if (r->o.header_row == 0) {
        for (; i < r->n_lines; i++) {
            if (!data_like(r, r->lines[i]))
                continue;
            /* The next two non-empty lines must be data too, so that a metadata line such as
             * "Initial TSI,67.65" is not taken for the first row. */
            size_t seen = 0, j = i + 1;
            int ok = 1;
            for (; j < r->n_lines && seen < 2 && ok; j++)
                if (mc_text_trim(r->lines[j]).n > 0) {
                    ok = data_like(r, r->lines[j]);
                    seen++;
                }
            if (ok)
                break;
        }
        if (i == r->n_lines)
            return mc_diag_set(r->d, MC_EFORMAT, -1, -1,
                               "%s: no rows of numbers found (set header_row and time_column)",
                               r->name);
        for (long h = (long)i - 1; h >= (long)first; h--)
            if (mc_text_trim(r->lines[h]).n > 0) {
                *header = data_like(r, r->lines[h]) ? -1 : h;
                break;
            }
    } else {
        while (i < r->n_lines && mc_text_trim(r->lines[i]).n == 0)
            i++;
    }
    if (i >= r->n_lines)
        return r->n_lines == 0
                   ? mc_diag_set(r->d, MC_EFORMAT, -1, -1, "%s: the file is empty", r->name)
                   : mc_diag_set(r->d, MC_EFORMAT, -1, (int64_t)r->n_lines,
                                 "%s: line %zu: no data rows", r->name, r->n_lines);
    *data = i;
    if (r->o.group_row > 0 && (size_t)r->o.group_row <= r->n_lines)
        *group = r->o.group_row - 1;
    else if (r->o.group_row == -1 && *header > (long)first)
        for (long g = *header - 1; g >= (long)first; g--)
            if (mc_text_trim(r->lines[g]).n > 0) {
                *group = g;
                break;
            }
    return MC_OK;
}

/* The rows: values [rows x n_cols] (NaN where missing) and times [rows]. */
typedef struct dl_table {
    float *values;
    int64_t *t_ns;
    float *tol_ns; /* half the resolution of each row's written time */
    size_t rows, cap;
} dl_table;

static mc_status grow_table(dl_reader *r, dl_table *tab)
{
    if (tab->rows < tab->cap)
        return MC_OK;
    size_t cap = tab->cap ? tab->cap * 2 : 1024, cells, bytes;
    const size_t limit = r->imp->limit_bytes ? r->imp->limit_bytes : MC_IMPORT_LIMIT_DEFAULT;
    /* Short rows are padded to the header's width, so the table may outgrow the text: bound it
     * by the import's limit and by 64 cells per byte of input. */
    if (!mc_size_mul(cap, r->n_cols, &cells) || !mc_size_mul(cells, sizeof(float), &bytes) ||
        bytes > limit || tab->rows * r->n_cols > 64 * r->n + 4096)
        return mc_diag_set(r->d, MC_ENOMEM, -1, -1,
                           "%s: %zu rows of %zu columns: more than the import may hold in memory",
                           r->name, tab->rows, r->n_cols);
    float *v = realloc(tab->values, bytes);
    if (!v)
        return mc_diag_set(r->d, MC_ENOMEM, -1, -1, "%s: out of memory", r->name);
    tab->values = v;
    int64_t *t = realloc(tab->t_ns, cap * sizeof *t);
    if (!t)
        return mc_diag_set(r->d, MC_ENOMEM, -1, -1, "%s: out of memory", r->name);
    tab->t_ns = t;
    float *tol = realloc(tab->tol_ns, cap * sizeof *tol);
    if (!tol)
        return mc_diag_set(r->d, MC_ENOMEM, -1, -1, "%s: out of memory", r->name);
    tab->tol_ns = tol;
    tab->cap = cap;
    return MC_OK;
}

/* The resolution of a row's written time in ns: 10^-decimals s (or ms), 60 s for hh:mm; -1 for a
 * whole number of seconds or ms (uniform_rate takes its neighbours' resolution); 0 for sample
 * numbers. */
static float time_resolution_ns(const dl_reader *r, const dl_cell *cells, size_t k)
{
    const size_t c = two_columns(r->tf) ? r->tcol + 1 : r->tcol;
    if (c >= k || r->tf == MC_DELIM_TIME_SAMPLES)
        return 0; /* sample numbers are exact */
    const mc_text_span s = mc_text_trim(cells[c].s);
    size_t colons = 0, decimals = 0, i = 0;
    for (; i < s.n && s.p[i] != '.' && s.p[i] != ','; i++)
        colons += s.p[i] == ':';
    const int whole = i >= s.n;
    for (i++; i < s.n && s.p[i] >= '0' && s.p[i] <= '9'; i++)
        decimals++;
    const int clock = r->tf != MC_DELIM_TIME_SECONDS && r->tf != MC_DELIM_TIME_MS;
    if (clock && colons < 2)
        return 60e9f;
    if (!clock && whole)
        return -1; /* a whole number: "10" among "9.992" says nothing of the resolution */
    double res = r->tf == MC_DELIM_TIME_MS ? 1e6 : 1e9;
    for (size_t d = 0; d < decimals && d < 9; d++)
        res /= 10;
    return (float)res;
}

static mc_status read_rows(dl_reader *r, size_t first, dl_column *cols, dl_table *tab)
{
    char buf[48];
    for (size_t i = first; i < r->n_lines; i++) {
        if (mc_text_trim(r->lines[i]).n == 0)
            continue;
        const size_t k = split(r, r->lines[i], r->cells);
        if (k > MC_DELIM_MAX_COLUMNS)
            return fail(r, i, "more than 1024 columns", NULL);
        for (size_t c = r->n_cols; c < k; c++)
            if (mc_text_trim(r->cells[c].s).n > 0)
                return fail(r, i, "a value beyond the columns of the header:",
                            show(r->cells[c].s, buf, sizeof buf));
        mc_status rc = grow_table(r, tab);
        if (rc != MC_OK)
            return rc;
        if (r->tf != MC_DELIM_TIME_NONE) {
            const int64_t prev = tab->rows ? tab->t_ns[tab->rows - 1] : 0;
            int64_t t;
            if (!row_time(r, r->cells, k, prev, tab->rows == 0, &t))
                return fail(r, i, "expected a time in the time column, got",
                            show(r->tcol < k ? r->cells[r->tcol].s : (mc_text_span){"", 0}, buf,
                                 sizeof buf));
            if (tab->rows && t < prev)
                return fail(r, i, "the time goes back at",
                            show(r->cells[r->tcol].s, buf, sizeof buf));
            tab->t_ns[tab->rows] = t;
            const float res = time_resolution_ns(r, r->cells, k);
            tab->tol_ns[tab->rows] = res < 0 ? -1.0f : 0.5f * res;
        }
        float *row = tab->values + tab->rows * r->n_cols;
        for (size_t c = 0; c < r->n_cols; c++) {
            double x;
            row[c] = NAN;
            if (c >= k || is_time_column(r, c))
                continue;
            if (number(r, &r->cells[c], &x)) {
                row[c] = (float)x;
                cols[c].has_number |= !isnan(x);
            } else if (!missing(r, &r->cells[c])) {
                cols[c].has_text = 1;
            }
        }
        tab->rows++;
    }
    if (tab->rows == 0)
        return fail(r, r->n_lines ? r->n_lines - 1 : 0, "no data rows", NULL);
    return MC_OK;
}

/* Regular when every time lies within 5 % of a period of the uniform grid through the first
 * and last rows, plus the rounding of the written times (BIDMC writes 100.01 for 100.008 s).
 * @return the rate in Hz, or 0 */
static double uniform_rate(const dl_reader *r, dl_table *tab)
{
    if (tab->rows < 2)
        return 0;
    /* Whole numbers take the resolution of the row before (the first rows that of the first
     * row with decimals); when all are whole, one unit. */
    float known = -1;
    for (size_t i = 0; i < tab->rows && known < 0; i++)
        known = tab->tol_ns[i];
    if (known < 0)
        known = 0.5f * (r->tf == MC_DELIM_TIME_MS ? 1e6f : 1e9f);
    for (size_t i = 0; i < tab->rows; i++) {
        if (tab->tol_ns[i] < 0)
            tab->tol_ns[i] = known;
        known = tab->tol_ns[i];
    }
    const double span = (double)(tab->t_ns[tab->rows - 1] - tab->t_ns[0]);
    const double dt = span / (double)(tab->rows - 1);
    if (!(dt >= 1e3)) /* above 1 MHz, the most a stream may declare: irregular */
        return 0;
    for (size_t i = 0; i < tab->rows; i++)
        if (fabs((double)(tab->t_ns[i] - tab->t_ns[0]) - (double)i * dt) >
            0.05 * dt + (double)tab->tol_ns[i] + (double)tab->tol_ns[0])
            return 0;
    return 1e9 / dt;
}

static mc_status add_streams(dl_reader *r, const dl_column *cols, dl_table *tab, double rate)
{
    float *column = malloc(tab->rows * sizeof *column);
    int64_t *t_rel = rate > 0 ? NULL : malloc(tab->rows * sizeof *t_rel);
    mc_status rc = MC_OK;
    if (!column || (rate == 0 && !t_rel)) {
        rc = mc_diag_set(r->d, MC_ENOMEM, -1, -1, "%s: out of memory", r->name);
        goto out;
    }
    for (size_t i = 0; t_rel && i < tab->rows; i++)
        t_rel[i] = tab->t_ns[i] - tab->t_ns[0];
    for (size_t c = 0; c < r->n_cols && rc == MC_OK; c++) {
        const dl_column *col = &cols[c];
        if (is_time_column(r, c) || (r->o.skip_columns[c / 8] >> (c % 8) & 1))
            continue;
        if (!col->has_number && (col->has_text || !col->source[0]))
            continue; /* a separator, label or empty column */
        mc_channel_info ch = {.name = col->name, .unit = col->unit, .scale_gain = 1};
        mc_kv attrs[3];
        size_t n_attrs = 0;
        if (col->source[0])
            attrs[n_attrs++] = (mc_kv){"source_column", col->source};
        if (col->group[0])
            attrs[n_attrs++] = (mc_kv){"sensor", col->group};
        mc_stream_info info = {
            .name = col->name,
            .modality = mc_import_guess_modality(col->name, col->unit),
            .n_channels = 1,
            .channels = &ch,
            .rate_hz = rate,
            .driver = "delim",
            .site = col->site,
            .n_attrs = n_attrs,
            .attrs = attrs,
        };
        size_t index;
        rc = mc_import_add_stream(r->imp, &info, 0, &index, r->d);
        for (size_t i = 0; i < tab->rows && rc == MC_OK; i++)
            column[i] = tab->values[i * r->n_cols + c];
        if (rc == MC_OK)
            rc = mc_import_append(r->imp, index, tab->rows, column, t_rel, r->d);
    }
    if (rc == MC_OK && r->imp->n_streams == 0)
        rc = mc_diag_set(r->d, MC_EFORMAT, -1, -1, "%s: no column holds numbers", r->name);
out:
    free(column);
    free(t_rel);
    return rc;
}

mc_status mc_delim_read(const uint8_t *buf, size_t n, const mc_delim_options *opt, const char *name,
                        mc_import *out, mc_diag *d)
{
    dl_reader r = {
        .name = name ? name : "table", .text = (const char *)buf, .n = n, .imp = out, .d = d};
    r.o = opt ? *opt : mc_delim_options_default();
    r.o.missing[sizeof r.o.missing - 1] = '\0';
    r.o.format[sizeof r.o.format - 1] = '\0';
    snprintf(out->format, sizeof out->format, "%s", r.o.format[0] ? r.o.format : "csv");
    snprintf(out->source, sizeof out->source, "%s", r.name);
    dl_table tab = {0};
    dl_column *cols = calloc(MC_DELIM_MAX_COLUMNS, sizeof *cols);
    r.cells = calloc(MC_DELIM_MAX_COLUMNS, sizeof *r.cells);
    mc_status rc = MC_OK;
    if (!cols || !r.cells) {
        rc = mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory", r.name);
        goto out;
    }
    if ((rc = split_lines(&r, buf, n)) != MC_OK)
        goto out;
    const size_t first = (size_t)r.o.skip_rows < r.n_lines ? (size_t)r.o.skip_rows : r.n_lines;
    if (!r.o.delimiter)
        r.o.delimiter = guess_delimiter(&r, first);
    long header = -1, group = -1;
    size_t data = 0;
    if ((rc = find_rows(&r, first, &header, &group, &data)) != MC_OK)
        goto out;
    /* The width: the header's or, when wider, that of the first rows without their trailing empty
     * cells (VSCapture writes two values more than it names, and a delimiter at each row's end). */
    r.n_cols = header >= 0 ? split(&r, r.lines[header], r.cells) : 0;
    for (size_t i = data, seen = 0; i < r.n_lines && seen < 3; i++)
        if (mc_text_trim(r.lines[i]).n > 0) {
            size_t k = split(&r, r.lines[i], r.cells);
            while (k > 0 && k <= MC_DELIM_MAX_COLUMNS && mc_text_trim(r.cells[k - 1].s).n == 0)
                k--;
            r.n_cols = k > r.n_cols ? k : r.n_cols;
            seen++;
        }
    if (r.n_cols > MC_DELIM_MAX_COLUMNS) {
        rc = fail(&r, header >= 0 ? (size_t)header : data, "more than 1024 columns", NULL);
        goto out;
    }
    name_columns(&r, cols, header, group, first);
    if ((rc = choose_time(&r, data, cols)) != MC_OK)
        goto out;
    if (r.tf == MC_DELIM_TIME_NONE && !(r.o.rate_hz > 0)) {
        rc = fail(&r, data, "no time column recognised: set time_column or rate_hz", NULL);
        goto out;
    }
    if ((rc = read_rows(&r, data, cols, &tab)) != MC_OK)
        goto out;
    double rate =
        r.o.rate_hz > 0 && r.tf != MC_DELIM_TIME_SAMPLES ? r.o.rate_hz : uniform_rate(&r, &tab);
    if (r.tf == MC_DELIM_TIME_DATE_CLOCK)
        out->start_unix_ns = tab.t_ns[0];
    rc = add_streams(&r, cols, &tab, rate);
out:
    free(tab.values);
    free(tab.t_ns);
    free(tab.tol_ns);
    free(r.lines);
    free(r.cells);
    free(cols);
    return rc;
}
