/* SPDX-License-Identifier: MIT */
/* formats/xlsx.c: importer of .xlsx workbooks and Artinis Oxysoft exports (formats/xlsx.h). */
#include "formats/xlsx.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "formats/delim.h"
#include "formats/text_scan.h"

/* Largest member inflated (the sheet of an hour at 100 Hz in a few columns is ~50 MiB). */
#define XL_MAX_MEMBER ((size_t)256 << 20)
/* Deflate cannot compress more than 1032:1, so a larger declared size is a lie. */
#define XL_MAX_RATIO 1032

typedef struct xl_reader {
    const uint8_t *zip;
    size_t n;
    const char *name;
    mc_diag *d;
    size_t limit;
    size_t cd, cd_end; /* central directory [cd, cd_end) */
    unsigned entries;
} xl_reader;

/* A growing text buffer bounded by `limit` bytes. */
typedef struct xl_text {
    char *p;
    size_t n, cap, limit;
} xl_text;

static int put(xl_text *t, const char *s, size_t n)
{
    if (n == 0)
        return 1;
    if (n > t->limit - t->n)
        return 0;
    if (t->n + n > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->n + n)
            cap *= 2;
        char *p = realloc(t->p, cap);
        if (!p)
            return 0;
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->n, s, n);
    t->n += n;
    return 1;
}

static uint32_t rd16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
    return rd16(p) | rd16(p + 2) << 16;
}

static mc_status zip_fail(const xl_reader *z, size_t offset, const char *what)
{
    return mc_diag_set(z->d, MC_EFORMAT, (int64_t)offset, -1, "%s: byte %zu: %s", z->name, offset,
                       what);
}

/* The end-of-central-directory record: the last one within the final 64 KiB + 22 bytes. */
static mc_status zip_open(xl_reader *z)
{
    if (z->n < 22 || rd32(z->zip) != 0x04034b50)
        return zip_fail(z, 0, "not a ZIP archive (an .xlsx file starts with PK\\3\\4)");
    size_t i = z->n - 22;
    const size_t stop = z->n > 22 + 65535 ? z->n - 22 - 65535 : 0;
    for (;; i--) {
        if (rd32(z->zip + i) == 0x06054b50)
            break;
        if (i == stop)
            return zip_fail(z, z->n, "no end of the ZIP central directory (truncated file?)");
    }
    const uint8_t *e = z->zip + i;
    z->entries = rd16(e + 10);
    const size_t size = rd32(e + 12), offset = rd32(e + 16);
    if (rd16(e + 4) != 0 || rd16(e + 6) != 0 || rd16(e + 8) != z->entries)
        return zip_fail(z, i, "archives split over several disks are not read");
    if (offset == 0xFFFFFFFFu || z->entries == 0xFFFF)
        return zip_fail(z, i, "ZIP64 archives are not read");
    if (offset > i || size > i - offset)
        return zip_fail(z, i, "the central directory lies outside the file");
    z->cd = offset;
    z->cd_end = offset + size;
    return MC_OK;
}

/* The bytes of one member, inflated and checked (CRC-32). MC_ENOTFOUND when absent. */
static mc_status zip_read(xl_reader *z, const char *member, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    const size_t want = strlen(member);
    size_t p = z->cd;
    for (unsigned k = 0; k < z->entries; k++) {
        if (p + 46 > z->cd_end || rd32(z->zip + p) != 0x02014b50)
            return zip_fail(z, p, "expected a central directory entry");
        const uint8_t *c = z->zip + p;
        const size_t name_len = rd16(c + 28),
                     next = p + 46 + name_len + rd16(c + 30) + rd16(c + 32);
        if (next > z->cd_end)
            return zip_fail(z, p, "a central directory entry runs past the directory");
        if (name_len != want || memcmp(c + 46, member, want) != 0) {
            p = next;
            continue;
        }
        const unsigned flags = rd16(c + 8), method = rd16(c + 10);
        const uint32_t crc = rd32(c + 16);
        const size_t packed = rd32(c + 20), size = rd32(c + 24), local = rd32(c + 42);
        if (flags & 1)
            return zip_fail(z, p, "encrypted members are not read");
        if (method != 0 && method != 8)
            return zip_fail(z, p, "compression other than stored or deflate");
        if (local > z->n - 30 || z->n < 30 || rd32(z->zip + local) != 0x04034b50)
            return zip_fail(z, local, "expected a local file header");
        const size_t data = local + 30 + rd16(z->zip + local + 26) + rd16(z->zip + local + 28);
        if (data > z->n || packed > z->n - data)
            return zip_fail(z, local, "a member runs past the end of the file");
        /* Declared sizes are checked against the bytes present before anything is allocated. */
        if (size > XL_MAX_MEMBER || size > z->limit ||
            (method == 8 && size / XL_MAX_RATIO > packed + 1) || (method == 0 && size != packed))
            return mc_diag_set(z->d, method == 8 && size <= XL_MAX_MEMBER ? MC_EFORMAT : MC_ENOMEM,
                               (int64_t)p, -1,
                               "%s: byte %zu: %s declares %zu bytes from %zu: refused", z->name, p,
                               member, size, packed);
        uint8_t *buf = malloc(size ? size : 1);
        if (!buf)
            return mc_diag_set(z->d, MC_ENOMEM, -1, -1, "%s: out of memory", z->name);
        if (method == 0) {
            memcpy(buf, z->zip + data, size);
        } else {
            z_stream s;
            memset(&s, 0, sizeof s);
            if (inflateInit2(&s, -15) != Z_OK) {
                free(buf);
                return mc_diag_set(z->d, MC_ENOMEM, -1, -1, "%s: out of memory", z->name);
            }
            s.next_in = (Bytef *)(uintptr_t)(z->zip + data);
            s.avail_in = (uInt)packed;
            s.next_out = buf;
            s.avail_out = (uInt)size;
            const int rc = inflate(&s, Z_FINISH);
            const size_t got = s.total_out;
            inflateEnd(&s);
            if (rc != Z_STREAM_END || got != size) {
                free(buf);
                return zip_fail(z, data, "the deflated data is corrupt or not of its stated size");
            }
        }
        if (crc32(0L, buf, (uInt)size) != crc) {
            free(buf);
            return zip_fail(z, data, "CRC-32 mismatch: the member is corrupt");
        }
        *out = buf;
        *len = size;
        return MC_OK;
    }
    return mc_diag_set(z->d, MC_ENOTFOUND, -1, -1, "%s: no member %s", z->name, member);
}

/* Position of `word` in s[from, n), or n. */
static size_t find(const char *s, size_t n, size_t from, const char *word)
{
    const size_t k = strlen(word);
    for (size_t i = from; i + k <= n; i++)
        if (s[i] == word[0] && memcmp(s + i, word, k) == 0)
            return i;
    return n;
}

/* The value of attribute `key` in the tag s[a, b), or an empty span. */
static mc_text_span attr(const char *s, size_t a, size_t b, const char *key)
{
    const size_t k = strlen(key);
    for (size_t i = a + 1; i + k + 2 < b; i++)
        if ((s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == '\n' || s[i - 1] == '\r') &&
            memcmp(s + i, key, k) == 0 && s[i + k] == '=' &&
            (s[i + k + 1] == '"' || s[i + k + 1] == '\'')) {
            const char q = s[i + k + 1];
            size_t e = i + k + 2;
            while (e < b && s[e] != q)
                e++;
            return (mc_text_span){s + i + k + 2, e - (i + k + 2)};
        }
    return (mc_text_span){"", 0};
}

/* Append XML character data, entities decoded, TAB/CR/LF as spaces (they separate cells). */
static int put_text(xl_text *t, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '&') {
            static const struct {
                const char *name;
                char c;
            } ents[] = {
                {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
            size_t k = 0;
            for (; k < 5; k++) {
                const size_t len = strlen(ents[k].name);
                if (i + len <= n && memcmp(s + i, ents[k].name, len) == 0) {
                    c = ents[k].c;
                    i += len - 1;
                    break;
                }
            }
            if (k == 5 && i + 2 < n && s[i + 1] == '#') { /* &#NN; or &#xNN;: ASCII only */
                size_t j = i + 2;
                const int hex = s[j] == 'x';
                unsigned long v = 0;
                for (j += hex; j < n && j < i + 12 && s[j] != ';'; j++)
                    v = v * (hex ? 16 : 10) + (unsigned long)(s[j] >= 'a'   ? s[j] - 'a' + 10
                                                              : s[j] >= 'A' ? s[j] - 'A' + 10
                                                                            : s[j] - '0');
                if (j < n && s[j] == ';') {
                    c = v >= 0x20 && v < 0x7f ? (char)v : '?';
                    i = j;
                }
            }
        }
        if (c == '\t' || c == '\r' || c == '\n')
            c = ' ';
        if (!put(t, &c, 1))
            return 0;
    }
    return 1;
}

/* The text of the <t> elements in s[a, b) (a shared string or an inline string).
 * @return 0 when the text outgrows its bound or memory, else 1 */
static int put_runs(xl_text *t, const char *s, size_t a, size_t b)
{
    for (size_t i = find(s, b, a, "<t"); i + 2 < b; i = find(s, b, i + 1, "<t")) {
        if (s[i + 2] != '>' && s[i + 2] != ' ')
            continue; /* <tableParts> and the like */
        const size_t open = find(s, b, i, ">");
        if (open >= b)
            return 1;
        if (s[open - 1] == '/') { /* <t/> */
            i = open;
            continue;
        }
        const size_t close = find(s, b, open, "</t>");
        if (close >= b)
            return 1;
        if (!put_text(t, s + open + 1, close - open - 1))
            return 0;
        i = close;
    }
    return 1;
}

/* Shared strings: offsets of each <si>'s text in one buffer. */
typedef struct xl_strings {
    xl_text text;
    size_t *start; /* [count + 1] */
    size_t count;
} xl_strings;

static mc_status read_strings(xl_reader *z, xl_strings *ss)
{
    uint8_t *xml;
    size_t n;
    mc_status rc = zip_read(z, "xl/sharedStrings.xml", &xml, &n);
    if (rc == MC_ENOTFOUND)
        return MC_OK; /* a sheet of numbers only */
    if (rc != MC_OK)
        return rc;
    const char *s = (const char *)xml;
    size_t count = 0;
    for (size_t i = find(s, n, 0, "<si>"); i < n; i = find(s, n, i + 4, "<si>"))
        count++;
    ss->start = malloc((count + 1) * sizeof *ss->start);
    ss->text.limit = n;
    if (!ss->start) {
        free(xml);
        return mc_diag_set(z->d, MC_ENOMEM, -1, -1, "%s: out of memory", z->name);
    }
    for (size_t i = find(s, n, 0, "<si>"); i < n && ss->count < count;
         i = find(s, n, i + 4, "<si>")) {
        const size_t end = find(s, n, i, "</si>");
        ss->start[ss->count++] = ss->text.n;
        if (!put_runs(&ss->text, s, i, end)) {
            free(xml);
            return mc_diag_set(z->d, MC_ENOMEM, -1, -1, "%s: out of memory", z->name);
        }
    }
    ss->start[ss->count] = ss->text.n;
    free(xml);
    return MC_OK;
}

/* "B43" → column 2, row 43. */
static int cell_ref(mc_text_span r, unsigned *col, unsigned *row)
{
    size_t i = 0;
    unsigned c = 0, w = 0;
    for (; i < r.n && r.p[i] >= 'A' && r.p[i] <= 'Z' && c <= 16384; i++)
        c = c * 26 + (unsigned)(r.p[i] - 'A' + 1);
    for (; i < r.n && r.p[i] >= '0' && r.p[i] <= '9' && w <= 1048576; i++)
        w = w * 10 + (unsigned)(r.p[i] - '0');
    if (i != r.n || c == 0 || c > 16384 || w == 0 || w > 1048576)
        return 0;
    *col = c;
    *row = w;
    return 1;
}

/* The member of the first sheet: workbook.xml's first <sheet r:id>, resolved by the
 * workbook's relationships; xl/worksheets/sheet1.xml when they say nothing. */
static mc_status first_sheet(xl_reader *z, char *member, size_t cap)
{
    snprintf(member, cap, "xl/worksheets/sheet1.xml");
    uint8_t *wb = NULL, *rels = NULL;
    size_t nw, nr;
    mc_diag quiet, *d = z->d; /* an absent workbook.xml is no error */
    z->d = &quiet;
    mc_status rc = zip_read(z, "xl/workbook.xml", &wb, &nw);
    if (rc == MC_OK)
        rc = zip_read(z, "xl/_rels/workbook.xml.rels", &rels, &nr);
    z->d = d;
    if (rc != MC_OK && rc != MC_ENOTFOUND)
        mc_diag_set(d, rc, quiet.offset, quiet.line, "%s", quiet.message);
    if (rc == MC_OK) {
        const char *w = (const char *)wb, *r = (const char *)rels;
        const size_t t = find(w, nw, 0, "<sheet "), te = find(w, nw, t, ">");
        const mc_text_span id = t < nw ? attr(w, t, te, "r:id") : (mc_text_span){"", 0};
        for (size_t i = find(r, nr, 0, "<Relationship "); id.n && i < nr;
             i = find(r, nr, i + 1, "<Relationship ")) {
            const size_t e = find(r, nr, i, ">");
            const mc_text_span rid = attr(r, i, e, "Id"), target = attr(r, i, e, "Target");
            if (rid.n != id.n || memcmp(rid.p, id.p, id.n) != 0 || target.n == 0 || target.n > 200)
                continue;
            if (target.p[0] == '/')
                snprintf(member, cap, "%.*s", (int)target.n - 1, target.p + 1);
            else
                snprintf(member, cap, "xl/%.*s", (int)target.n, target.p);
            break;
        }
    }
    free(wb);
    free(rels);
    return rc == MC_ENOTFOUND ? MC_OK : rc;
}

/* The sheet as TAB-separated text, line L = the sheet's row L. */
static mc_status sheet_text(xl_reader *z, const char *member, const xl_strings *ss, xl_text *out)
{
    uint8_t *xml;
    size_t n;
    mc_status rc = zip_read(z, member, &xml, &n);
    if (rc != MC_OK)
        return rc;
    const char *s = (const char *)xml;
    /* Shared strings could multiply the text; 4 bytes of text per byte of XML is plenty for
     * a real sheet (a cell costs at least 14 bytes of XML). */
    out->limit = n * 4 + (1 << 20) < z->limit ? n * 4 + (1 << 20) : z->limit;
    unsigned line = 1, tabs = 0, row = 0, next_col = 1, last_col = 0;
    size_t i = find(s, n, 0, "<sheetData");
    const size_t end = find(s, n, i, "</sheetData>");
    for (i = find(s, end, i + 1, "<"); i + 2 < end && rc == MC_OK; i = find(s, end, i + 1, "<")) {
        const size_t te = find(s, end, i, ">");
        if (te >= end)
            break;
        if (te >= i + 4 && memcmp(s + i, "<row", 4) == 0 && (s[i + 4] == ' ' || s[i + 4] == '>')) {
            unsigned c, r;
            const mc_text_span ref = attr(s, i, te, "r");
            char tmp[24];
            snprintf(tmp, sizeof tmp, "A%.*s", (int)(ref.n < 12 ? ref.n : 12), ref.p);
            row = ref.n && cell_ref((mc_text_span){tmp, strlen(tmp)}, &c, &r) ? r : row + 1;
            next_col = 1;
            continue;
        }
        if (!(s[i + 1] == 'c' && (s[i + 2] == ' ' || s[i + 2] == '>' || s[i + 2] == '/')))
            continue;
        unsigned col = next_col, r = row;
        const mc_text_span ref = attr(s, i, te, "r"), type = attr(s, i, te, "t");
        if (ref.n && !cell_ref(ref, &col, &r)) {
            rc = mc_diag_set(z->d, MC_EFORMAT, (int64_t)i, -1,
                             "%s: %s: byte %zu: bad cell reference", z->name, member, i);
            break;
        }
        if (r == 0)
            r = 1;
        if (r < line || (r == line && col <= last_col && last_col)) {
            rc = mc_diag_set(z->d, MC_EFORMAT, (int64_t)i, -1,
                             "%s: %s: byte %zu: cells out of order (row %u, column %u)", z->name,
                             member, i, r, col);
            break;
        }
        next_col = col + 1;
        const int self_closing = s[te - 1] == '/';
        const size_t ce = self_closing ? te : find(s, end, te, "</c>");
        int ok = 1;
        for (; line < r && ok; line++, tabs = 0, last_col = 0)
            ok = put(out, "\n", 1);
        for (; tabs + 1 < col && ok; tabs++)
            ok = put(out, "\t", 1);
        last_col = col;
        if (!self_closing && ok) {
            if (mc_text_eq(type, "inlineStr")) {
                ok = put_runs(out, s, te, ce);
            } else {
                const size_t v = find(s, ce, te, "<v>"), ve = find(s, ce, v, "</v>");
                if (v < ce && ve < ce) {
                    if (mc_text_eq(type, "s")) {
                        double k;
                        const mc_text_span idx = {s + v + 3, ve - v - 3};
                        if (!mc_text_number(idx, 0, &k) || !(k >= 0 && k < (double)ss->count)) {
                            rc = mc_diag_set(z->d, MC_EFORMAT, (int64_t)v, -1,
                                             "%s: %s: byte %zu: no shared string %.*s", z->name,
                                             member, v, (int)(idx.n < 20 ? idx.n : 20), idx.p);
                            break;
                        }
                        const size_t a = ss->start[(size_t)k], b = ss->start[(size_t)k + 1];
                        ok = b == a || put(out, ss->text.p + a, b - a);
                    } else {
                        ok = put_text(out, s + v + 3, ve - v - 3);
                    }
                }
            }
        }
        if (!ok)
            rc = mc_diag_set(z->d, MC_ENOMEM, -1, -1, "%s: %s: the sheet's text would pass %zu MiB",
                             z->name, member, out->limit >> 20);
        i = ce < end ? ce : i;
    }
    if (rc == MC_OK && !put(out, "\n", 1))
        rc = mc_diag_set(z->d, MC_ENOMEM, -1, -1, "%s: out of memory", z->name);
    free(xml);
    return rc;
}

/* The TAB-separated cells of a line (at most max). */
static size_t tsv_cells(mc_text_span line, mc_text_span *cells, size_t max)
{
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= line.n && k < max; i++)
        if (i == line.n || line.p[i] == '\t') {
            cells[k++] = mc_text_trim((mc_text_span){line.p + start, i - start});
            start = i + 1;
        }
    return k;
}

/* Oxysoft's legend name as a column name: "Rx1 - Tx1 tHb" → "tHb (uM)" when the export has one
 * receiver-transmitter pair, else "tHb Rx1-Tx1 (uM)". */
static void trace_name(mc_text_span legend, int one_pair, char *out, size_t cap)
{
    size_t sp = legend.n;
    while (sp > 0 && legend.p[sp - 1] != ' ')
        sp--;
    const mc_text_span quantity = {legend.p + sp, legend.n - sp};
    char pair[64];
    size_t n = 0;
    for (size_t i = 0; i + 1 < sp && n + 1 < sizeof pair; i++)
        if (legend.p[i] != ' ')
            pair[n++] = legend.p[i];
    pair[n] = '\0';
    snprintf(out, cap, "%.*s%s%s (uM)", (int)quantity.n, quantity.p, one_pair || !n ? "" : " ",
             one_pair ? "" : pair);
}

#define XL_MAX_LEGEND 64

static mc_status oxysoft(xl_reader *z, const xl_text *tsv, mc_import *out)
{
    mc_text_span cells[XL_MAX_LEGEND], legend[XL_MAX_LEGEND], line;
    size_t n_legend = 0, pos = 0, header_start = 0, header_end = 0, sample_col = 0, event_col = 0;
    int64_t line_no = 0, header = 0;
    double rate = 0, file_rate = 0, x;
    int in_legend = 0;
    while (!header && mc_text_next_line(tsv->p, tsv->n, &pos, &line)) {
        line_no++;
        const size_t start = (size_t)(line.p - tsv->p);
        const size_t k = tsv_cells(line, cells, XL_MAX_LEGEND);
        if (k >= 2 && mc_text_eq(cells[0], "Export sample rate") && mc_text_number(cells[1], 0, &x))
            rate = x;
        if (k >= 2 && mc_text_eq(cells[0], "Data file sample rate") &&
            mc_text_number(cells[1], 0, &x))
            file_rate = x;
        if (k >= 2 && mc_text_eq(cells[0], "Column") && mc_text_starts(cells[1], "Trace")) {
            in_legend = 1;
            continue;
        }
        if (in_legend) {
            if (k >= 2 && mc_text_number(cells[0], 0, &x) && x == (double)(n_legend + 1) &&
                cells[1].n > 0 && n_legend < XL_MAX_LEGEND) {
                legend[n_legend++] = cells[1];
                continue;
            }
            in_legend = 0;
        }
        /* The row of column numbers 1..N over the data. */
        size_t c = 0;
        while (n_legend >= 2 && c < k && c < n_legend && mc_text_number(cells[c], 0, &x) &&
               x == (double)(c + 1))
            c++;
        if (n_legend >= 2 && c == n_legend) {
            header = line_no;
            header_start = start;
            header_end = start + line.n;
        }
    }
    if (!(rate > 0))
        rate = file_rate;
    if (!(rate > 0 && rate <= 1e6))
        return mc_diag_set(z->d, MC_EFORMAT, -1, -1,
                           "%s: expected an Oxysoft 'Export sample rate' or 'Data file sample "
                           "rate' row with a rate in Hz",
                           z->name);
    if (!header)
        return mc_diag_set(z->d, MC_EFORMAT, -1, -1,
                           "%s: expected an Oxysoft legend ('Column', 'Trace (Measurement)') and a "
                           "row of its column numbers over the data",
                           z->name);
    /* The pairs: one name per quantity when all traces share one. */
    int one_pair = 1;
    mc_text_span first_pair = {"", 0};
    for (size_t c = 0; c < n_legend; c++) {
        if (mc_text_eq(legend[c], "(Sample number)")) {
            sample_col = c + 1;
            continue;
        }
        if (mc_text_eq(legend[c], "(Event)")) {
            event_col = c + 1;
            continue;
        }
        size_t sp = legend[c].n;
        while (sp > 0 && legend[c].p[sp - 1] != ' ')
            sp--;
        const mc_text_span pair = {legend[c].p, sp};
        if (!first_pair.n)
            first_pair = pair;
        else if (pair.n != first_pair.n || memcmp(pair.p, first_pair.p, pair.n) != 0)
            one_pair = 0;
    }
    if (!sample_col)
        return mc_diag_set(z->d, MC_EFORMAT, -1, header,
                           "%s: line %lld: the Oxysoft legend has no (Sample number) column",
                           z->name, (long long)header);
    /* The text again, with the column numbers replaced by names (lines keep their numbers). */
    xl_text named = {.limit = tsv->n + n_legend * 80 + MC_DELIM_MAX_COLUMNS * 16 + 16};
    int ok = put(&named, tsv->p, header_start);
    for (size_t c = 0; c < n_legend && ok; c++) {
        char name[160];
        if (c + 1 == sample_col)
            snprintf(name, sizeof name, "sample");
        else if (c + 1 == event_col)
            snprintf(name, sizeof name, "event");
        else
            trace_name(legend[c], one_pair, name, sizeof name);
        ok = (c == 0 || put(&named, "\t", 1)) && put(&named, name, strlen(name));
    }
    /* Cells right of the legend's columns (Oxysoft writes an event's description there) get
     * names too, so that the table reader takes them as columns (of text: not imported). */
    size_t width = n_legend;
    for (size_t i = header_end, cells_here = 1; i < tsv->n; i++) {
        cells_here += tsv->p[i] == '\t';
        if (tsv->p[i] == '\n') {
            width = cells_here > width && cells_here <= MC_DELIM_MAX_COLUMNS ? cells_here : width;
            cells_here = 1;
        }
    }
    for (size_t c = n_legend; c < width && ok; c++) {
        char extra[32];
        snprintf(extra, sizeof extra, "\tcolumn_%zu", c + 1);
        ok = put(&named, extra, strlen(extra));
    }
    ok = ok && put(&named, tsv->p + header_end, tsv->n - header_end);
    if (!ok) {
        free(named.p);
        return mc_diag_set(z->d, MC_ENOMEM, -1, -1, "%s: out of memory", z->name);
    }
    mc_delim_options o = mc_delim_options_default();
    o.delimiter = '\t';
    o.decimal_comma = 0;
    o.header_row = (int)header;
    o.time_column = (int)sample_col;
    o.time_format = MC_DELIM_TIME_SAMPLES;
    o.rate_hz = rate;
    snprintf(o.format, sizeof o.format, "oxysoft_xlsx");
    mc_status rc = mc_delim_read((const uint8_t *)named.p, named.n, &o, z->name, out, z->d);
    /* Events: the labels of the event column, at their row's sample. */
    pos = header_end;
    double first_sample = (double)NAN;
    while (rc == MC_OK && event_col && mc_text_next_line(tsv->p, tsv->n, &pos, &line)) {
        const size_t k = tsv_cells(line, cells, XL_MAX_LEGEND);
        double sample;
        if (sample_col > k || !mc_text_number(cells[sample_col - 1], 0, &sample))
            continue;
        if (isnan(first_sample))
            first_sample = sample;
        if (event_col > k || cells[event_col - 1].n == 0)
            continue;
        mc_event ev = {.t_ns = (int64_t)llround((sample - first_sample) / rate * 1e9),
                       .value = (double)NAN};
        snprintf(ev.kind, sizeof ev.kind, "event");
        /* The label, then the description in the cells to its right ("R1 Resting"). */
        size_t used = 0;
        for (size_t c = event_col - 1; c < k && used + 1 < sizeof ev.text; c++) {
            if (cells[c].n == 0 || (c >= event_col && c < n_legend))
                continue;
            const int w = snprintf(ev.text + used, sizeof ev.text - used, "%s%.*s", used ? " " : "",
                                   (int)cells[c].n, cells[c].p);
            used =
                w > 0 && used + (size_t)w < sizeof ev.text ? used + (size_t)w : sizeof ev.text - 1;
        }
        rc = mc_import_add_event(out, &ev, z->d);
    }
    free(named.p);
    return rc;
}

mc_status mc_xlsx_read(const uint8_t *buf, size_t n, const char *name, mc_import *out, mc_diag *d)
{
    xl_reader z = {.zip = buf, .n = n, .name = name ? name : "workbook", .d = d};
    z.limit = out->limit_bytes ? out->limit_bytes : MC_IMPORT_LIMIT_DEFAULT;
    snprintf(out->format, sizeof out->format, "xlsx");
    snprintf(out->source, sizeof out->source, "%s", z.name);
    xl_strings ss = {.count = 0};
    xl_text tsv = {0};
    char member[256];
    mc_status rc = zip_open(&z);
    if (rc == MC_OK)
        rc = read_strings(&z, &ss);
    if (rc == MC_OK)
        rc = first_sheet(&z, member, sizeof member);
    if (rc == MC_OK) {
        rc = sheet_text(&z, member, &ss, &tsv);
        if (rc == MC_ENOTFOUND)
            rc = mc_diag_set(d, MC_EFORMAT, -1, -1, "%s: no worksheet %s", z.name, member);
    }
    if (rc == MC_OK) {
        mc_text_span first = {tsv.p, 0};
        while (first.n < tsv.n && tsv.p[first.n] != '\t' && tsv.p[first.n] != '\n')
            first.n++;
        if (mc_text_eq(mc_text_trim(first), "Oxysoft export of")) {
            rc = oxysoft(&z, &tsv, out);
        } else {
            mc_delim_options o = mc_delim_options_default();
            o.delimiter = '\t';
            o.decimal_comma = 0;
            snprintf(o.format, sizeof o.format, "xlsx");
            rc = mc_delim_read((const uint8_t *)tsv.p, tsv.n, &o, z.name, out, d);
        }
    }
    free(tsv.p);
    free(ss.text.p);
    free(ss.start);
    return rc;
}

mc_status mc_xlsx_import(const char *path, mc_import *out, mc_diag *d)
{
    uint8_t *buf;
    size_t n;
    mc_status rc = mc_read_whole_file(path, XL_MAX_MEMBER, &buf, &n, d);
    if (rc != MC_OK)
        return rc;
    const char *slash = strrchr(path, '/');
    rc = mc_xlsx_read(buf, n, slash ? slash + 1 : path, out, d);
    free(buf);
    return rc;
}

int mc_xlsx_detect(const uint8_t *head, size_t n, const char *name)
{
    const size_t len = name ? strlen(name) : 0;
    const int xlsx_name = len > 5 && strcmp(name + len - 5, ".xlsx") == 0;
    if (n < 30 || rd32(head) != 0x04034b50)
        return 0;
    const size_t name_len = rd16(head + 26);
    const mc_text_span first = {(const char *)head + 30, 30 + name_len <= n ? name_len : 0};
    return xlsx_name || mc_text_eq(first, "[Content_Types].xml") || mc_text_starts(first, "xl/");
}
