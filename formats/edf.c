/* SPDX-License-Identifier: MIT */
/* formats/edf.c: the EDF/EDF+/BDF reader (formats/edf.h): the 256-byte header and the ns x 256
 * bytes of signal fields (field after field, one entry per signal), then records of int16 (BDF:
 * int24) little-endian samples, signal after signal. EDF+ annotation signals hold TALs
 * ("+onset\x15duration\x14text\x14\x00"); their first TAL in a record gives the record's start. */
#include "formats/edf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/edf_internal.h"

/* One signal as its header fields give it. */
typedef struct edf_signal {
    char label[17];
    char unit[MC_NAME_MAX + 1];
    char transducer[81]; /* "" when not printable ASCII */
    char prefilter[81];
    char text_pmin[9], text_pmax[9], text_dmin[9], text_dmax[9];
    double pmin, pmax;
    int64_t dmin, dmax;
    double k;    /* ordinary signals: (pmax - pmin) / (dmax - dmin), physical units per step */
    int64_t spr; /* samples per record */
    size_t rec_offset; /* bytes from a record's start to this signal's samples */
    int annotations;
    size_t stream;
    int64_t pending_missing; /* files written by mcirc: missing samples not yet appended */
} edf_signal;

typedef struct edf_reader {
    const uint8_t *buf;
    size_t n;
    const char *name;
    mc_diag *d;
    int bdf, plus, discontinuous, by_mcirc;
    size_t bytes_per_sample;
    int64_t ns, n_records;
    double duration_s;
    int64_t duration_ns;
    size_t header_bytes, record_bytes;
    edf_signal *sig;
    size_t first_annotations; /* index of the first annotation signal, or ns */
} edf_reader;

/* A format error at byte `offset`: "name: byte N: message". */
MC_PRINTF(3, 4) static mc_status fail(const edf_reader *r, size_t offset, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mc_diag_set(r->d, MC_EFORMAT, (int64_t)offset, -1, "%s: byte %zu: %s", r->name, offset,
                       msg);
}

/* Copy a header field without its leading and trailing spaces. Bytes outside printable ASCII are
 * refused (strict) or make the copy empty (lenient: fields that are only kept as attributes). In
 * a physical dimension (`unit` set), the micro sign (Latin-1 0xB5, UTF-8 C2 B5) becomes "u" and
 * the degree sign (0xB0, C2 B0) "deg": real files write "\xb5V" and "\xb0C" despite the spec. */
static mc_status field_text(const edf_reader *r, size_t off, size_t len, int strict, int unit,
                            const char *what, char *out, size_t out_size)
{
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = r->buf[off + i];
        const char *put = NULL;
        if (unit && c == 0xC2 && i + 1 < len &&
            (r->buf[off + i + 1] == 0xB5 || r->buf[off + i + 1] == 0xB0)) {
            c = r->buf[off + ++i];
        }
        if (unit && c == 0xB5) {
            put = "u";
        } else if (unit && c == 0xB0) {
            put = "deg";
        } else if (c < 0x20 || c > 0x7E) {
            if (!strict) {
                out[0] = '\0';
                return MC_OK;
            }
            return fail(r, off + i,
                        "%s: byte 0x%02X is not printable ASCII (EDF header fields are ASCII)",
                        what, c);
        }
        const char one[2] = {(char)c, '\0'};
        for (const char *p = put ? put : one; *p; p++)
            if (k + 1 < out_size)
                out[k++] = *p;
    }
    out[k] = '\0';
    while (k > 0 && out[k - 1] == ' ')
        out[--k] = '\0';
    size_t lead = 0;
    while (out[lead] == ' ')
        lead++;
    memmove(out, out + lead, k - lead + 1);
    return MC_OK;
}

/* An integer field: optional sign and 1-18 digits, spaces around. */
static mc_status field_int(const edf_reader *r, size_t off, size_t len, const char *what,
                           int64_t *v)
{
    char t[32];
    mc_status st = field_text(r, off, len, 1, 0, what, t, sizeof t);
    if (st != MC_OK)
        return st;
    const char *p = t + (t[0] == '+' || t[0] == '-');
    size_t digits = strspn(p, "0123456789");
    if (digits == 0 || digits > 18 || p[digits] != '\0')
        return fail(r, off, "%s: expected an integer, found \"%s\"", what, t);
    *v = strtoll(t, NULL, 10);
    return MC_OK;
}

/* A decimal number field ("-3276.8", "0.25", "1E3"): the whole field, finite. */
static mc_status field_double(const edf_reader *r, size_t off, size_t len, const char *what,
                              double *v, char *text, size_t text_size)
{
    char t[32];
    mc_status st = field_text(r, off, len, 1, 0, what, t, sizeof t);
    if (st != MC_OK)
        return st;
    char *end = NULL;
    const int numeric = t[0] && strspn(t, "+-0123456789.eE") == strlen(t);
    *v = numeric ? strtod(t, &end) : 0;
    if (!numeric || end == t || *end != '\0' || !isfinite(*v))
        return fail(r, off, "%s: expected a decimal number, found \"%s\"", what, t);
    if (text)
        snprintf(text, text_size, "%s", t);
    return MC_OK;
}

static const char *const month_names[12] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                            "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};

/* The start (header date and time as UTC, EDF+ Startdate's year) into out->start_unix_ns, and
 * whether the file was written by mcirc. Nothing of the recording field is kept. */
static mc_status read_start(edf_reader *r, mc_import *out)
{
    const uint8_t *h = r->buf;
    int v[6];
    for (int f = 0; f < 2; f++) {
        const size_t off = 168 + 8 * (size_t)f;
        for (int k = 0; k < 3; k++) {
            const uint8_t *p = h + off + 3 * k;
            if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' ||
                (k < 2 && p[2] != '.' && p[2] != ':'))
                return fail(r, off + 3 * (size_t)k, "%s: expected %s",
                            f ? "start time" : "start date", f ? "hh.mm.ss" : "dd.mm.yy");
            v[3 * f + k] = (p[0] - '0') * 10 + (p[1] - '0');
        }
    }
    int year = v[2] >= 85 ? 1900 + v[2] : 2000 + v[2];
    int unknown = 0;
    if (r->plus) {
        /* "Startdate dd-MMM-yyyy code technician equipment": read, never copied. */
        char rec[81];
        memcpy(rec, h + 88, 80);
        rec[80] = '\0';
        char *save = NULL, *tok[5] = {0};
        int nt = 0;
        for (char *t = strtok_r(rec, " ", &save); t && nt < 5; t = strtok_r(NULL, " ", &save))
            tok[nt++] = t;
        if (nt >= 2 && strcmp(tok[0], "Startdate") == 0) {
            int dd, yyyy;
            char mon[4];
            if (strcmp(tok[1], "X") == 0)
                unknown = 1;
            else if (strlen(tok[1]) == 11 && sscanf(tok[1], "%2d-%3c-%4d", &dd, mon, &yyyy) == 3 &&
                     yyyy % 100 == v[2] && yyyy >= 1985 && yyyy <= 2199 && v[1] >= 1 &&
                     v[1] <= 12 && strncmp(mon, month_names[v[1] - 1], 3) == 0)
                year = yyyy;
        }
        /* mcirc writes EDF+C only: its missing-sample convention is not read into EDF+D. */
        r->by_mcirc = nt >= 4 && strcmp(tok[3], "mcirc") == 0 && !r->discontinuous;
    }
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const int day = v[0], month = v[1], hh = v[3], mm = v[4], ss = v[5];
    const int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month < 1 || month > 12 || day < 1 || day > mdays[month - 1] ||
        (month == 2 && day == 29 && !leap))
        return fail(r, 168, "start date %02d.%02d.%02d is not a date", day, month, v[2]);
    if (hh > 23 || mm > 59 || ss > 59)
        return fail(r, 176, "start time %02d.%02d.%02d is not a time", hh, mm, ss);
    if (unknown)
        return MC_OK;
    out->start_unix_ns = mc__edf_unix_seconds(year, month, day, hh, mm, ss) * 1000000000LL;
    return MC_OK;
}

/* The 256-byte header and the signal fields. */
static mc_status read_header(edf_reader *r, mc_import *out)
{
    const uint8_t *h = r->buf;
    if (r->n < 256)
        return fail(r, r->n, "the header is 256 bytes, the file ends after %zu", r->n);
    if (h[0] == 0xFF && memcmp(h + 1, "BIOSEMI", 7) == 0) {
        r->bdf = 1;
    } else if (!(h[0] == '0' && memcmp(h + 1, "       ", 7) == 0)) {
        return fail(r, 0, "version: expected \"0\" and 7 spaces (EDF) or 0xFF \"BIOSEMI\" (BDF)");
    }
    r->bytes_per_sample = r->bdf ? 3 : 2;
    const char *plus_tag = r->bdf ? "BDF+" : "EDF+";
    if (memcmp(h + 192, plus_tag, 4) == 0) {
        r->plus = 1;
        if (h[196] == 'D')
            r->discontinuous = 1;
        else if (h[196] != 'C')
            return fail(r, 196, "reserved field: expected %sC or %sD", plus_tag, plus_tag);
    }
    mc_status st = read_start(r, out);
    if (st != MC_OK)
        return st;
    int64_t header_bytes;
    if ((st = field_int(r, 184, 8, "header size", &header_bytes)) != MC_OK ||
        (st = field_int(r, 236, 8, "number of records", &r->n_records)) != MC_OK ||
        (st = field_double(r, 244, 8, "record duration", &r->duration_s, NULL, 0)) != MC_OK ||
        (st = field_int(r, 252, 4, "number of signals", &r->ns)) != MC_OK)
        return st;
    if (r->ns < 1)
        return fail(r, 252, "number of signals %lld: expected at least 1", (long long)r->ns);
    if ((uint64_t)r->ns > (r->n - 256) / 256)
        return fail(r, 252, "%lld signals need a header of %lld bytes, the file has %zu",
                    (long long)r->ns, (long long)(r->ns + 1) * 256, r->n);
    r->header_bytes = (size_t)(r->ns + 1) * 256;
    if (header_bytes != (int64_t)r->header_bytes)
        return fail(r, 184, "header size %lld: expected 256 x (1 + %lld signals) = %zu",
                    (long long)header_bytes, (long long)r->ns, r->header_bytes);
    if (r->n_records < -1)
        return fail(r, 236, "number of records %lld: expected -1 (unknown) or >= 0",
                    (long long)r->n_records);
    if (r->duration_s < 0 || r->duration_s > 1e8)
        return fail(r, 244, "record duration %g s: expected 0 to 1e8", r->duration_s);
    r->duration_ns = llround(r->duration_s * 1e9);

    const size_t ns = (size_t)r->ns, b = 256;
    r->sig = calloc(ns, sizeof *r->sig);
    if (!r->sig)
        return mc_diag_set(r->d, MC_ENOMEM, -1, -1, "%s: out of memory for %zu signals", r->name,
                           ns);
    r->first_annotations = ns;
    size_t record = 0;
    for (size_t i = 0; i < ns; i++) {
        edf_signal *s = &r->sig[i];
        char what[64];
        snprintf(what, sizeof what, "signal %zu label", i + 1);
        if ((st = field_text(r, b + 16 * i, 16, 1, 0, what, s->label, sizeof s->label)) != MC_OK)
            return st;
        s->annotations = strcmp(s->label, "EDF Annotations") == 0 ||
                         (r->bdf && strcmp(s->label, "BDF Annotations") == 0);
        if (s->annotations && r->first_annotations == ns)
            r->first_annotations = i;
        snprintf(what, sizeof what, "signal %zu (%s) ", i + 1, s->label);
        const size_t wl = strlen(what);
        (void)field_text(r, b + ns * 16 + 80 * i, 80, 0, 0, "", s->transducer, 81);
        (void)field_text(r, b + ns * 136 + 80 * i, 80, 0, 0, "", s->prefilter, 81);
        snprintf(what + wl, sizeof what - wl, "physical dimension");
        if ((st = field_text(r, b + ns * 96 + 8 * i, 8, 1, 1, what, s->unit, sizeof s->unit)))
            return st;
        snprintf(what + wl, sizeof what - wl, "physical minimum");
        if ((st = field_double(r, b + ns * 104 + 8 * i, 8, what, &s->pmin, s->text_pmin, 9)))
            return st;
        snprintf(what + wl, sizeof what - wl, "physical maximum");
        if ((st = field_double(r, b + ns * 112 + 8 * i, 8, what, &s->pmax, s->text_pmax, 9)))
            return st;
        snprintf(what + wl, sizeof what - wl, "digital minimum");
        if ((st = field_int(r, b + ns * 120 + 8 * i, 8, what, &s->dmin)))
            return st;
        snprintf(s->text_dmin, sizeof s->text_dmin, "%lld", (long long)s->dmin);
        snprintf(what + wl, sizeof what - wl, "digital maximum");
        if ((st = field_int(r, b + ns * 128 + 8 * i, 8, what, &s->dmax)))
            return st;
        snprintf(s->text_dmax, sizeof s->text_dmax, "%lld", (long long)s->dmax);
        snprintf(what + wl, sizeof what - wl, "samples per record");
        if ((st = field_int(r, b + ns * 216 + 8 * i, 8, what, &s->spr)))
            return st;
        if (s->spr < 1 || (uint64_t)s->spr > r->n / r->bytes_per_sample)
            return fail(r, b + ns * 216 + 8 * i,
                        "%s %lld: expected 1 to what the file's %zu bytes can hold", what,
                        (long long)s->spr, r->n);
        if (!s->annotations) {
            if (!(fabs(s->pmin) <= 1e30 && fabs(s->pmax) <= 1e30))
                return fail(r, b + ns * 104 + 8 * i,
                            "signal %zu (%s): physical range %g to %g is beyond +-1e30", i + 1,
                            s->label, s->pmin, s->pmax);
            if (s->dmax <= s->dmin)
                return fail(r, b + ns * 128 + 8 * i,
                            "signal %zu (%s): digital maximum %lld must exceed the minimum %lld",
                            i + 1, s->label, (long long)s->dmax, (long long)s->dmin);
            if (s->pmax == s->pmin)
                return fail(r, b + ns * 112 + 8 * i,
                            "signal %zu (%s): physical minimum and maximum are both %g", i + 1,
                            s->label, s->pmin);
        }
        s->rec_offset = record;
        record += (size_t)s->spr * r->bytes_per_sample;
        if (record > r->n)
            return fail(r, b + ns * 216 + 8 * i,
                        "a record of %zu bytes or more is longer than the file (%zu bytes)", record,
                        r->n);
    }
    r->record_bytes = record;
    return MC_OK;
}

/* The number of records really present: a declared count the bytes do not hold is refused. */
static mc_status check_records(edf_reader *r)
{
    const size_t data = r->n - r->header_bytes, complete = data / r->record_bytes;
    if (r->n_records == -1) {
        r->n_records = (int64_t)complete;
        return MC_OK;
    }
    if ((uint64_t)r->n_records > complete)
        return fail(r, r->header_bytes + complete * r->record_bytes,
                    "the header declares %lld records of %zu bytes but the file holds %zu "
                    "complete records: truncated file",
                    (long long)r->n_records, r->record_bytes, complete);
    return MC_OK;
}

/* The EDF+ unit as UCUM where the mapping is obvious; other text is kept. */
static const char *ucum_unit(const char *u)
{
    static const char *const map[][2] = {
        {"mmHg", "mm[Hg]"}, {"degC", "Cel"},      {"bpm", "/min"},      {"BPM", "/min"},
        {"pu", "PU"},       {"uM", "umol/L"},     {"umol/l", "umol/L"}, {"l/min", "L/min"},
        {"lpm", "L/min"},   {"cmH2O", "cm[H2O]"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(u, map[i][0]) == 0)
            return map[i][1];
    return u;
}

/* One stream per ordinary signal, starting at `start_ns`. */
static mc_status add_streams(edf_reader *r, mc_import *out, int64_t start_ns)
{
    for (size_t i = 0; i < (size_t)r->ns; i++) {
        edf_signal *s = &r->sig[i];
        if (s->annotations)
            continue;
        const size_t spr_off = 256 + (size_t)r->ns * 216 + 8 * i;
        if (r->duration_s == 0)
            return fail(r, 244,
                        "record duration 0 s with an ordinary signal (%s): only an "
                        "annotation-only file may have no duration",
                        s->label);
        const double rate = (double)s->spr / r->duration_s;
        if (!(rate <= 1e6))
            return fail(r, spr_off, "signal %zu (%s): %lld samples in %g s is more than 1 MHz",
                        i + 1, s->label, (long long)s->spr, r->duration_s);
        char name[MC_NAME_MAX + 1], fallback[32];
        snprintf(fallback, sizeof fallback, "signal_%zu", i + 1);
        mc_import_stream_name(s->label, fallback, name);
        const double gain = (double)(s->dmax - s->dmin) / (s->pmax - s->pmin);
        if (!isfinite(gain) || gain == 0 || !isfinite(s->pmax - s->pmin))
            return fail(r, 256 + (size_t)r->ns * 104 + 8 * i,
                        "signal %zu (%s): physical range %g to %g cannot scale digital %lld to "
                        "%lld",
                        i + 1, s->label, s->pmin, s->pmax, (long long)s->dmin, (long long)s->dmax);
        s->k = (s->pmax - s->pmin) / (double)(s->dmax - s->dmin);
        const mc_channel_info ch = {.name = name,
                                    .unit = ucum_unit(s->unit),
                                    .scale_gain = gain,
                                    .scale_offset = (double)s->dmin - s->pmin * gain};
        mc_kv attrs[7] = {{"edf_label", s->label},
                          {"edf_physical_min", s->text_pmin},
                          {"edf_physical_max", s->text_pmax},
                          {"edf_digital_min", s->text_dmin},
                          {"edf_digital_max", s->text_dmax}};
        size_t na = 5;
        if (s->transducer[0])
            attrs[na++] = (mc_kv){"edf_transducer", s->transducer};
        if (s->prefilter[0])
            attrs[na++] = (mc_kv){"edf_prefilter", s->prefilter};
        const mc_stream_info info = {.name = name,
                                     .modality = mc_import_guess_modality(s->label, ch.unit),
                                     .n_channels = 1,
                                     .channels = &ch,
                                     .rate_hz = rate,
                                     .n_attrs = na,
                                     .attrs = attrs};
        mc_status st = mc_import_add_stream(out, &info, start_ns, &s->stream, r->d);
        if (st != MC_OK)
            return st;
    }
    return MC_OK;
}

/* Sample j of a signal's samples at p: EDF's int16 or BDF's int24, little-endian. */
static inline int32_t sample16(const uint8_t *p, size_t j)
{
    return (int16_t)(uint16_t)((uint32_t)p[2 * j] | (uint32_t)p[2 * j + 1] << 8);
}

/* Flipping the sign bit and subtracting its weight sign-extends without a branch. */
static inline int32_t sample24(const uint8_t *p, size_t j)
{
    const uint8_t *q = p + 3 * j;
    const uint32_t u = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16;
    return (int32_t)(u ^ 0x800000) - 0x800000;
}

/* EDF samples are decoded BLOCK at a time: a fixed count lets the compiler turn the block into
 * vector instructions at -O2 (GCC's cheapest vectoriser model does not take loops of unknown
 * length). */
enum { BLOCK = 8 };

/* EDF's samples [j, j + BLOCK) at p into v. On a little-endian host they are the bytes as they
 * are (a constant the compiler folds), elsewhere they are assembled byte by byte. */
static inline void block16(const uint8_t *p, size_t j, int16_t v[BLOCK])
{
    const uint16_t one = 1;
    uint8_t low;
    memcpy(&low, &one, 1);
    if (low == 1) {
        memcpy(v, p + 2 * j, BLOCK * sizeof *v);
    } else {
        for (size_t i = 0; i < BLOCK; i++)
            v[i] = (int16_t)sample16(p, j + i);
    }
}

/* The index of the first sample in [j, n) at p that equals v (mcirc's missing sample), or n. */
static size_t find_value(const uint8_t *p, int bdf, size_t j, size_t n, int64_t v)
{
    if (bdf) {
        while (j < n && sample24(p, j) != v)
            j++;
        return j;
    }
    if (v < INT16_MIN || v > INT16_MAX)
        return n;
    const int16_t m = (int16_t)v;
    for (; j + BLOCK <= n; j += BLOCK) {
        int16_t b[BLOCK];
        block16(p, j, b);
        int hit = 0;
        for (size_t i = 0; i < BLOCK; i++)
            hit |= b[i] == m;
        if (hit)
            break;
    }
    while (j < n && sample16(p, j) != v)
        j++;
    return j;
}

/* The index of the first sample in [j, n) at p that differs from v, or n. */
static size_t skip_value(const uint8_t *p, int bdf, size_t j, size_t n, int64_t v)
{
    if (bdf) {
        while (j < n && sample24(p, j) == v)
            j++;
    } else {
        while (j < n && sample16(p, j) == v)
            j++;
    }
    return j;
}

/* A digital value in physical units: the header's formula (d - dmin) * k + pmin with
 * k = (pmax - pmin) / (dmax - dmin), in double, rounded once to float. It is the expression the
 * reader has always evaluated, operation for operation, so every value keeps its bits. */
static inline float physical(int32_t d, double dmin, double k, double pmin)
{
    return (float)(((double)d - dmin) * k + pmin);
}

/* Samples [j0, j0 + n) at p in physical units into out[0 .. n). */
static void decode(const uint8_t *p, int bdf, size_t j0, size_t n, const edf_signal *s,
                   float *restrict out)
{
    const double k = s->k, dmin = (double)s->dmin, pmin = s->pmin;
    size_t j = 0;
    if (bdf) {
        /* Blocks do not pay here: the 3-byte values are assembled one by one, and the stores
         * of a block would only be read back into vector registers. */
        for (; j < n; j++)
            out[j] = physical(sample24(p, j0 + j), dmin, k, pmin);
        return;
    }
    for (; j + BLOCK <= n; j += BLOCK) {
        int16_t v[BLOCK];
        block16(p, j0 + j, v);
        for (size_t i = 0; i < BLOCK; i++)
            out[j + i] = physical(v[i], dmin, k, pmin);
    }
    for (; j < n; j++)
        out[j] = physical(sample16(p, j0 + j), dmin, k, pmin);
}

/* One record's samples of an ordinary signal, in physical units, decoded straight into its stream
 * (room for the `expect` samples left in the file is made at the first record). In a file written
 * by mcirc, a run of missing samples (the digital minimum) is held back until a value follows it,
 * then appended as a gap "edf missing"; the run that ends the file (the writer's padding) is
 * dropped. */
static mc_status read_samples(edf_reader *r, mc_import *out, edf_signal *s, const uint8_t *p,
                              size_t expect)
{
    const size_t n = (size_t)s->spr;
    for (size_t j = 0; j < n;) {
        size_t e = n;
        if (r->by_mcirc) {
            e = skip_value(p, r->bdf, j, n, s->dmin);
            if (e > j) {
                s->pending_missing += (int64_t)(e - j);
                j = e;
                continue;
            }
            e = find_value(p, r->bdf, j, n, s->dmin);
        }
        mc_status st = MC_OK;
        if (s->pending_missing > 0)
            st = mc_import_append_gap(out, s->stream, s->pending_missing, "edf missing", r->d);
        s->pending_missing = 0;
        float *dst;
        if (st == MC_OK)
            st = mc_import_extend(out, s->stream, e - j, expect - j, &dst, r->d);
        if (st != MC_OK)
            return st;
        decode(p, r->bdf, j, e - j, s, dst);
        j = e;
    }
    return MC_OK;
}

/* Every record: annotations first (their time-keeping TAL gives the record's start), then the
 * samples; in EDF+D a later start than the previous record's end becomes NaN rows. */
static mc_status read_records(edf_reader *r, mc_import *out, int64_t first_onset_ns)
{
    int64_t prev_onset_ns = first_onset_ns;
    for (int64_t k = 0; k < r->n_records; k++) {
        const size_t base = r->header_bytes + (size_t)k * r->record_bytes;
        int64_t onset_ns = prev_onset_ns + r->duration_ns;
        int have_onset = 0;
        for (size_t i = 0; i < (size_t)r->ns; i++) {
            const edf_signal *s = &r->sig[i];
            if (!s->annotations)
                continue;
            mc__edf_tal_result tr;
            mc_status st =
                mc__edf_tal_read(r->buf, base + s->rec_offset, (size_t)s->spr * r->bytes_per_sample,
                                 r->name, out, &tr, r->d);
            if (st != MC_OK)
                return st;
            if (i == r->first_annotations && tr.has_first) {
                onset_ns = tr.first_onset_ns;
                have_onset = 1;
            }
        }
        if (r->discontinuous && k > 0) {
            if (!have_onset)
                return fail(r, base + r->sig[r->first_annotations].rec_offset,
                            "EDF+D record %lld: no time-keeping TAL (+onset\\x14\\x14)",
                            (long long)k + 1);
            const int64_t jump_ns = onset_ns - (prev_onset_ns + r->duration_ns);
            if (jump_ns < -1000)
                return fail(r, base + r->sig[r->first_annotations].rec_offset,
                            "EDF+D record %lld starts at %.6f s, before the previous record ends "
                            "(%.6f s)",
                            (long long)k + 1, (double)onset_ns * 1e-9,
                            (double)(prev_onset_ns + r->duration_ns) * 1e-9);
            if (jump_ns > 1000) {
                for (size_t i = 0; i < (size_t)r->ns; i++) {
                    const edf_signal *s = &r->sig[i];
                    if (s->annotations)
                        continue;
                    const double x = (double)jump_ns * 1e-9 * (double)s->spr / r->duration_s;
                    if (!(x < 1e15))
                        return fail(r, base + r->sig[r->first_annotations].rec_offset,
                                    "EDF+D record %lld: a jump of %.6f s is too long",
                                    (long long)k + 1, (double)jump_ns * 1e-9);
                    const double m = (double)llround(x);
                    const int rounded = fabs(x - m) > 1e-3;
                    const char *why = rounded ? "edf+d discontinuity, rounded"
                                              : "edf+d "
                                                "discontinuity";
                    mc_status st;
                    if (m > 0)
                        st = mc_import_append_gap(out, s->stream, (int64_t)m, why, r->d);
                    else
                        st = mc_import_mark_gap(out, s->stream, out->streams[s->stream].n_frames, 0,
                                                why, r->d);
                    if (st != MC_OK)
                        return st;
                }
            }
        }
        prev_onset_ns = onset_ns;
        for (size_t i = 0; i < (size_t)r->ns; i++) {
            edf_signal *s = &r->sig[i];
            if (s->annotations)
                continue;
            const size_t expect = (size_t)(r->n_records - k) * (size_t)s->spr;
            mc_status st = read_samples(r, out, s, r->buf + base + s->rec_offset, expect);
            if (st != MC_OK)
                return st;
        }
    }
    return MC_OK;
}

mc_status mc_edf_read(const uint8_t *buf, size_t n, const char *name, mc_import *out, mc_diag *d)
{
    edf_reader r = {.buf = buf, .n = n, .name = name ? name : "EDF", .d = d};
    mc_diag_clear(d);
    mc_status st = read_header(&r, out);
    if (st == MC_OK)
        st = check_records(&r);
    if (st != MC_OK)
        goto done;
    snprintf(out->format, sizeof out->format, "%s%s", r.bdf ? "bdf" : "edf", r.plus ? "+" : "");
    snprintf(out->source, sizeof out->source, "%s", r.name);
    if (r.discontinuous && r.first_annotations == (size_t)r.ns) {
        st = fail(&r, 192, "EDF+D without an EDF Annotations signal: record starts are unknown");
        goto done;
    }
    /* The first record's time-keeping TAL: the sub-second part of the start (EDF+ 2.2.4). */
    int64_t first_onset_ns = 0;
    if (r.plus && r.first_annotations < (size_t)r.ns && r.n_records > 0) {
        const edf_signal *s = &r.sig[r.first_annotations];
        mc__edf_tal_result tr;
        st = mc__edf_tal_read(buf, r.header_bytes + s->rec_offset,
                              (size_t)s->spr * r.bytes_per_sample, r.name, NULL, &tr, d);
        if (st != MC_OK)
            goto done;
        if (tr.has_first)
            first_onset_ns = tr.first_onset_ns;
    }
    if ((st = add_streams(&r, out, first_onset_ns)) != MC_OK)
        goto done;
    st = read_records(&r, out, first_onset_ns - r.duration_ns);
done:
    free(r.sig);
    return st;
}

int mc_edf_detect(const uint8_t *head, size_t n, const char *name)
{
    (void)name;
    if (n < 192)
        return 0;
    const int edf = head[0] == '0' && memcmp(head + 1, "       ", 7) == 0;
    const int bdf = head[0] == 0xFF && memcmp(head + 1, "BIOSEMI", 7) == 0;
    if (!edf && !bdf)
        return 0;
    /* The header-size field: digits then spaces, a multiple of 256. */
    long v = 0;
    size_t i = 184;
    while (i < 192 && head[i] == ' ')
        i++;
    if (i == 192 || head[i] < '0' || head[i] > '9')
        return 0;
    for (; i < 192 && head[i] >= '0' && head[i] <= '9'; i++)
        v = v * 10 + (head[i] - '0');
    for (; i < 192; i++)
        if (head[i] != ' ')
            return 0;
    return v >= 512 && v % 256 == 0;
}

mc_status mc_edf_import(const char *path, mc_import *out, mc_diag *d)
{
    return mc_import_file_with(path, "edf", mc_edf_read, out, d);
}
