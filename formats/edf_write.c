/* SPDX-License-Identifier: MIT */
/* formats/edf_write.c: an import written as EDF+C (formats/edf.h, mc_edf_write): one signal per
 * channel of every regular stream, 16-bit samples over each channel's finite range, and an
 * `EDF Annotations` signal with each record's time-keeping TAL, the events and the gaps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/edf.h"
#include "formats/edf_internal.h"
#include "formats/output.h"

#define NS_PER_S        1000000000LL
#define MAX_DENOMINATOR 1000 /* a rate must be p/q with q <= this */
#define MAX_RECORD      ((size_t)8 << 20)
#define MISSING         (-32768) /* digital value of a NaN sample */

/* One signal of the file: a channel of a stream. */
typedef struct out_signal {
    const mc_import_stream *s;
    uint32_t ch;
    int64_t lead;  /* missing samples before the stream's first (a later start) */
    int64_t spr;   /* samples per record */
    double p0, p1; /* physical values of digital -32768 and 32767, as written */
    char label[17], unit[9], pmin[9], pmax[9], transducer[81], prefilter[81];
} out_signal;

/* One TAL text waiting for its record. */
typedef struct out_tal {
    int64_t record;
    size_t seq; /* order of creation, kept within a record */
    char *text;
    size_t len;
} out_tal;

/* Printable ASCII copy of `s` in at most size-1 bytes (other bytes become '?'). */
static void ascii(char *out, size_t size, const char *s)
{
    size_t k = 0;
    for (; s && *s && k + 1 < size; s++)
        out[k++] = (*s >= 0x20 && *s <= 0x7E) ? *s : '?';
    out[k] = '\0';
}

/* The shortest decimal of at most 8 characters at or beyond v (up: >= v, else <= v). */
static int format8(double v, int up, char out[9])
{
    for (int dec = 7; dec >= 0; dec--) {
        const double m = pow(10, dec);
        const double r = (up ? ceil(v * m) : floor(v * m)) / m;
        char t[64];
        const int n = snprintf(t, sizeof t, "%.*f", dec, r);
        if (n > 0 && n <= 8) {
            memcpy(out, t, (size_t)n + 1);
            return 1;
        }
    }
    return 0;
}

/* Seconds (ns) as a TAL number: sign, digits, and the decimals that are not zero. */
static void tal_seconds(char *out, size_t size, int64_t ns, int sign)
{
    const int neg = ns < 0;
    const uint64_t a = neg ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    int n = snprintf(out, size, "%s%llu.%09llu", sign ? (neg ? "-" : "+") : "",
                     (unsigned long long)(a / NS_PER_S), (unsigned long long)(a % NS_PER_S));
    while (n > 0 && out[n - 1] == '0')
        out[--n] = '\0';
    if (n > 0 && out[n - 1] == '.')
        out[--n] = '\0';
}

/* The smallest q <= MAX_DENOMINATOR with rate * q whole, or 0. */
static int64_t rate_denominator(double rate)
{
    for (int64_t q = 1; q <= MAX_DENOMINATOR; q++) {
        const double x = rate * (double)q;
        if (x >= 0.5 && fabs(x - round(x)) <= 1e-9 * x)
            return q;
    }
    return 0;
}

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        const int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The EDF text of a UCUM unit (the reverse of the reader's map). */
static const char *edf_unit(const char *u)
{
    static const char *const map[][2] = {
        {"mm[Hg]", "mmHg"}, {"Cel", "degC"},      {"/min", "bpm"},
        {"L/min", "l/min"}, {"cm[H2O]", "cmH2O"}, {"umol/L", "umol/l"},
    };
    for (size_t i = 0; u && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(u, map[i][0]) == 0)
            return map[i][1];
    return u ? u : "";
}

/* Scale of one signal: finite range [lo, hi] onto -32767..32767, -32768 one step below. */
static mc_status scale_signal(out_signal *o, mc_diag *d)
{
    const mc_import_stream *s = o->s;
    const size_t nch = s->info->n_channels;
    double lo = (double)INFINITY, hi = -(double)INFINITY;
    for (int64_t j = 0; j < s->n_frames; j++) {
        const double v = (double)s->data[(size_t)j * nch + o->ch];
        if (isfinite(v)) {
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    }
    if (lo > hi)
        lo = -1, hi = 1;
    if (lo == hi)
        lo -= 1, hi += 1;
    const double step = (hi - lo) / 65534;
    if (!format8(lo - step, 0, o->pmin) || !format8(hi, 1, o->pmax))
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "stream %s: values from %g to %g do not fit the 8 characters of an EDF "
                           "physical range",
                           s->info->name, lo, hi);
    o->p0 = strtod(o->pmin, NULL);
    o->p1 = strtod(o->pmax, NULL);
    return MC_OK;
}

/* Digital value of one sample (see scale_signal). */
static int16_t digital(const out_signal *o, double v)
{
    if (!isfinite(v))
        return MISSING;
    const double x = round((v - o->p0) * 65535.0 / (o->p1 - o->p0)) - 32768;
    return (int16_t)(x < -32767 ? -32767 : x > 32767 ? 32767 : x);
}

/* A TAL with one text (control bytes of the text become spaces). */
static mc_status add_tal(out_tal **tals, size_t *n, size_t *cap, int64_t record, int64_t onset_ns,
                         double duration_s, const char *text, mc_diag *d)
{
    if (*n == *cap) {
        const size_t c = *cap ? 2 * *cap : 64;
        out_tal *t = realloc(*tals, c * sizeof *t);
        if (!t)
            return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory for annotations");
        *tals = t;
        *cap = c;
    }
    if (onset_ns < -MC__EDF_MAX_ONSET_S * NS_PER_S || onset_ns > MC__EDF_MAX_ONSET_S * NS_PER_S)
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "EDF: annotation \"%.40s\" at %.0f s from the start lies beyond the "
                           "%lld s a TAL holds here",
                           text, (double)onset_ns * 1e-9, (long long)MC__EDF_MAX_ONSET_S);
    char on[48], du[48] = "";
    tal_seconds(on, sizeof on, onset_ns, 1);
    if (isfinite(duration_s) && duration_s >= 0 && duration_s < 1e9) {
        du[0] = 0x15;
        tal_seconds(du + 1, sizeof du - 1, llround(duration_s * 1e9), 0);
    }
    const size_t len = strlen(on) + strlen(du) + strlen(text) + 3;
    char *b = malloc(len + 1);
    if (!b)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory for annotations");
    snprintf(b, len + 1, "%s%s\x14%s\x14", on, du, text);
    for (size_t i = strlen(on) + strlen(du) + 1; i + 1 < len - 1; i++)
        if ((unsigned char)b[i] < 0x20)
            b[i] = ' ';
    b[len - 1] = '\0'; /* the TAL's closing 0 */
    (*tals)[*n] = (out_tal){record, *n, b, len};
    (*n)++;
    return MC_OK;
}

static int tal_order(const void *a, const void *b);

/* Everything the file holds, computed before a byte is written. */
typedef struct edf_plan {
    out_signal *sig;
    size_t n_sig;
    int64_t record_s, n_records, t0_ns, sub_ns;
    size_t record_bytes, annot_spr;
    out_tal *tals;
    size_t n_tals, cap_tals;
    char header_time[64]; /* dd.mm.yyhh.mm.ss: 16 used */
    char recording[128];  /* 80 used */
} edf_plan;

/* Signals, record duration and leading missing samples. */
static mc_status plan_signals(const mc_import *rec, edf_plan *p, mc_diag *d)
{
    if (rec->n_streams == 0)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "EDF: no stream to write");
    size_t n_sig = 0;
    p->record_s = 1;
    p->t0_ns = INT64_MAX;
    for (size_t i = 0; i < rec->n_streams; i++) {
        const mc_import_stream *s = &rec->streams[i];
        if (s->info->rate_hz == 0)
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "stream %s is irregular (one time per sample): EDF holds only "
                               "regular streams; pick the streams to export with --streams",
                               s->info->name);
        const int64_t q = rate_denominator(s->info->rate_hz);
        if (q == 0)
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "stream %s: no EDF record of at most %d s holds a whole number of "
                               "samples at %.9g Hz",
                               s->info->name, MAX_DENOMINATOR, s->info->rate_hz);
        p->record_s = p->record_s / gcd64(p->record_s, q) * q;
        if (p->record_s > MAX_DENOMINATOR)
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "stream %s: the rates together need EDF records of %lld s (more "
                               "than %d s); export the streams separately",
                               s->info->name, (long long)p->record_s, MAX_DENOMINATOR);
        n_sig += s->info->n_channels;
        p->t0_ns = s->start_ns < p->t0_ns ? s->start_ns : p->t0_ns;
    }
    p->sig = calloc(n_sig, sizeof *p->sig);
    if (!p->sig)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "EDF: out of memory");
    size_t k = 0;
    p->n_records = 1;
    for (size_t i = 0; i < rec->n_streams; i++) {
        const mc_import_stream *s = &rec->streams[i];
        const double rate = s->info->rate_hz;
        const int64_t spr = llround(rate * (double)p->record_s);
        const int64_t lead = llround((double)(s->start_ns - p->t0_ns) * 1e-9 * rate);
        const int64_t need = (lead + s->n_frames + spr - 1) / spr;
        p->n_records = need > p->n_records ? need : p->n_records;
        for (uint32_t c = 0; c < s->info->n_channels; c++, k++) {
            out_signal *o = &p->sig[k];
            *o = (out_signal){.s = s, .ch = c, .lead = lead, .spr = spr};
            const char *label = mc_stream_info_get_attr(s->info, "edf_label");
            char joined[2 * MC_NAME_MAX + 2];
            snprintf(joined, sizeof joined, "%s.%s", s->info->name, s->info->channels[c].name);
            ascii(o->label, sizeof o->label,
                  s->info->n_channels > 1 ? joined
                  : label                 ? label
                                          : s->info->name);
            ascii(o->unit, sizeof o->unit, edf_unit(s->info->channels[c].unit));
            if (s->info->n_channels == 1) {
                ascii(o->transducer, sizeof o->transducer,
                      mc_stream_info_get_attr(s->info, "edf_transducer"));
                ascii(o->prefilter, sizeof o->prefilter,
                      mc_stream_info_get_attr(s->info, "edf_prefilter"));
            }
            mc_status st = scale_signal(o, d);
            if (st != MC_OK)
                return st;
            if ((size_t)spr > MAX_RECORD / 2 || p->record_bytes > MAX_RECORD - 2 * (size_t)spr)
                return mc_diag_set(d, MC_EINVAL, -1, -1,
                                   "stream %s: EDF records of %lld s would exceed %zu MiB",
                                   s->info->name, (long long)p->record_s, MAX_RECORD >> 20);
            p->record_bytes += 2 * (size_t)spr;
        }
    }
    p->n_sig = n_sig;
    if (p->n_records > 99999999 || p->n_records * p->record_s > MC__EDF_MAX_ONSET_S)
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "EDF: %lld records of %lld s do not fit the header (at most 99999999 "
                           "records, %lld s)",
                           (long long)p->n_records, (long long)p->record_s,
                           (long long)MC__EDF_MAX_ONSET_S);
    return MC_OK;
}

/* Header start (UTC), the sub-second part, and the recording field. */
static mc_status plan_start(const mc_import *rec, edf_plan *p, mc_diag *d)
{
    static const char *const months[12] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                           "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    if (rec->start_unix_ns == MC_IMPORT_NO_TIME) {
        p->sub_ns = 0;
        snprintf(p->header_time, sizeof p->header_time, "01.01.8500.00.00");
        snprintf(p->recording, sizeof p->recording, "Startdate X X mcirc X");
        return MC_OK;
    }
    const int64_t abs_ns = rec->start_unix_ns + p->t0_ns;
    int64_t sec = abs_ns / NS_PER_S;
    if (abs_ns % NS_PER_S < 0)
        sec--;
    p->sub_ns = abs_ns - sec * NS_PER_S;
    int y, mo, da, hh, mi, ss;
    mc__edf_civil(sec, &y, &mo, &da, &hh, &mi, &ss);
    if (y < 1985 || y > 2084)
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "EDF: the start year %d is outside the 1985-2084 that EDF dates hold",
                           y);
    snprintf(p->header_time, sizeof p->header_time, "%02d.%02d.%02d%02d.%02d.%02d", da, mo, y % 100,
             hh, mi, ss);
    snprintf(p->recording, sizeof p->recording, "Startdate %02d-%s-%04d X mcirc X", da,
             months[mo - 1], y);
    return MC_OK;
}

/* Events and gaps as TALs, each in the record that holds its onset; the annotation signal's size
 * is the largest record's TALs after its time-keeping TAL. */
static mc_status plan_annotations(const mc_import *rec, edf_plan *p, mc_diag *d)
{
    const int64_t rec_ns = p->record_s * NS_PER_S;
    mc_status st = MC_OK;
    for (size_t i = 0; i < rec->n_events + rec->n_streams && st == MC_OK; i++) {
        if (i < rec->n_events) {
            const mc_event *e = &rec->events[i];
            char text[MC_EVENT_KIND_LEN + MC_EVENT_TEXT_LEN + 40];
            double duration = (double)NAN;
            if (strcmp(e->kind, "annotation") == 0) {
                snprintf(text, sizeof text, "%s", e->text[0] ? e->text : "annotation");
                duration = e->value;
            } else {
                int n =
                    snprintf(text, sizeof text, "%s%s%s", e->kind, e->text[0] ? ": " : "", e->text);
                if (isfinite(e->value) && n > 0 && (size_t)n < sizeof text)
                    snprintf(text + n, sizeof text - (size_t)n, " = %g", e->value);
            }
            if (fabs((double)e->t_ns - (double)p->t0_ns) > 4e18)
                return mc_diag_set(d, MC_EINVAL, -1, -1, "EDF: event \"%.40s\" is out of range",
                                   text);
            const int64_t rel = e->t_ns - p->t0_ns;
            int64_t r = rel < 0 ? 0 : rel / rec_ns;
            r = r >= p->n_records ? p->n_records - 1 : r;
            st = add_tal(&p->tals, &p->n_tals, &p->cap_tals, r, rel + p->sub_ns, duration, text, d);
            continue;
        }
        const mc_import_stream *s = &rec->streams[i - rec->n_events];
        for (size_t g = 0; g < s->n_gaps && st == MC_OK; g++) {
            const double rate = s->info->rate_hz;
            const double at_ns = (double)s->gaps[g].first_index / rate * 1e9;
            if (!(at_ns < 4e18))
                return mc_diag_set(d, MC_EINVAL, -1, -1, "EDF: a gap of %s is out of range",
                                   s->info->name);
            const int64_t rel = s->start_ns - p->t0_ns + llround(at_ns);
            int64_t r = rel < 0 ? 0 : rel / rec_ns;
            r = r >= p->n_records ? p->n_records - 1 : r;
            char text[MC_NAME_MAX + 64];
            snprintf(text, sizeof text, "gap %s: %s", s->info->name, s->gaps[g].reason);
            st = add_tal(&p->tals, &p->n_tals, &p->cap_tals, r, rel + p->sub_ns,
                         (double)s->gaps[g].n_missing / rate, text, d);
        }
    }
    if (st != MC_OK)
        return st;
    size_t *bytes = calloc((size_t)p->n_records, sizeof *bytes);
    if (!bytes)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "EDF: out of memory");
    size_t most = 0;
    for (size_t t = 0; t < p->n_tals; t++) {
        bytes[p->tals[t].record] += p->tals[t].len;
        most = bytes[p->tals[t].record] > most ? bytes[p->tals[t].record] : most;
    }
    free(bytes);
    if (p->n_tals > 1)
        qsort(p->tals, p->n_tals, sizeof *p->tals, tal_order);
    /* "+<seconds>.<9 digits>\x14\x14\x00" and one spare byte. */
    p->annot_spr = (most + 32 + 1) / 2;
    if (p->annot_spr > MAX_RECORD / 2 || p->record_bytes > MAX_RECORD - 2 * p->annot_spr)
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "EDF: the annotations of one record need more than %zu MiB",
                           MAX_RECORD >> 20);
    p->record_bytes += 2 * p->annot_spr;
    return MC_OK;
}

/* Write `text` left-aligned into a space-filled field. */
static void put(char *h, size_t off, size_t len, const char *text)
{
    const size_t n = strlen(text);
    memcpy(h + off, text, n < len ? n : len);
}

static char *build_header(const edf_plan *p, size_t *size)
{
    const size_t ns = p->n_sig + 1, hb = 256 * (ns + 1);
    char *h = malloc(hb);
    if (!h)
        return NULL;
    memset(h, ' ', hb);
    char t[32];
    put(h, 0, 8, "0");
    put(h, 8, 80, "X X X X");
    put(h, 88, 80, p->recording);
    put(h, 168, 16, p->header_time);
    snprintf(t, sizeof t, "%zu", hb);
    put(h, 184, 8, t);
    put(h, 192, 44, "EDF+C");
    snprintf(t, sizeof t, "%lld", (long long)p->n_records);
    put(h, 236, 8, t);
    snprintf(t, sizeof t, "%lld", (long long)p->record_s);
    put(h, 244, 8, t);
    snprintf(t, sizeof t, "%zu", ns);
    put(h, 252, 4, t);
    for (size_t i = 0; i < ns; i++) {
        const out_signal *o = i < p->n_sig ? &p->sig[i] : NULL;
        char *b = h + 256;
        put(b, 16 * i, 16, o ? o->label : "EDF Annotations");
        put(b, ns * 16 + 80 * i, 80, o ? o->transducer : "");
        put(b, ns * 96 + 8 * i, 8, o ? o->unit : "");
        put(b, ns * 104 + 8 * i, 8, o ? o->pmin : "-1");
        put(b, ns * 112 + 8 * i, 8, o ? o->pmax : "1");
        put(b, ns * 120 + 8 * i, 8, "-32768");
        put(b, ns * 128 + 8 * i, 8, "32767");
        put(b, ns * 136 + 8 * i, 80, o ? o->prefilter : "");
        snprintf(t, sizeof t, "%lld", (long long)(o ? o->spr : (int64_t)p->annot_spr));
        put(b, ns * 216 + 8 * i, 8, t);
    }
    *size = hb;
    return h;
}

/* One record into buf[record_bytes]. */
static void build_record(const edf_plan *p, int64_t r, uint8_t *buf, size_t *next_tal)
{
    size_t at = 0;
    for (size_t i = 0; i < p->n_sig; i++) {
        const out_signal *o = &p->sig[i];
        const size_t nch = o->s->info->n_channels;
        for (int64_t j = 0; j < o->spr; j++) {
            const int64_t row = r * o->spr + j - o->lead;
            const double v = row >= 0 && row < o->s->n_frames
                                 ? (double)o->s->data[(size_t)row * nch + o->ch]
                                 : (double)NAN;
            const uint16_t u = (uint16_t)digital(o, v);
            buf[at++] = (uint8_t)(u & 0xFF);
            buf[at++] = (uint8_t)(u >> 8);
        }
    }
    char tk[48];
    tal_seconds(tk, sizeof tk, r * p->record_s * NS_PER_S + p->sub_ns, 1);
    memset(buf + at, 0, 2 * p->annot_spr);
    const size_t n = strlen(tk);
    memcpy(buf + at, tk, n);
    at += n;
    buf[at++] = 0x14;
    buf[at++] = 0x14;
    buf[at++] = 0;
    for (; *next_tal < p->n_tals && p->tals[*next_tal].record == r; ++*next_tal) {
        memcpy(buf + at, p->tals[*next_tal].text, p->tals[*next_tal].len);
        at += p->tals[*next_tal].len;
    }
}

static int tal_order(const void *a, const void *b)
{
    const out_tal *x = a, *y = b;
    if (x->record != y->record)
        return x->record < y->record ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

mc_status mc_edf_write(const mc_import *rec, const char *path, mc_diag *d)
{
    mc_diag_clear(d);
    edf_plan p;
    memset(&p, 0, sizeof p);
    char *header = NULL;
    uint8_t *buf = NULL;
    FILE *f = NULL;
    mc_output o;
    int begun = 0;
    mc_status st = plan_signals(rec, &p, d);
    if (st == MC_OK)
        st = plan_start(rec, &p, d);
    if (st == MC_OK)
        st = plan_annotations(rec, &p, d);
    if (st != MC_OK)
        goto done;
    size_t header_bytes = 0;
    header = build_header(&p, &header_bytes);
    buf = malloc(p.record_bytes);
    if (!header || !buf) {
        st = mc_diag_set(d, MC_ENOMEM, -1, -1, "EDF: out of memory");
        goto done;
    }
    if ((st = mc_output_begin(&o, path, d)) != MC_OK)
        goto done;
    begun = 1;
    f = fopen(o.tmp, "wb");
    if (!f) {
        st = mc_diag_set(d, MC_EIO, -1, -1, "%s: cannot write", o.tmp);
        goto done;
    }
    int ok = fwrite(header, 1, header_bytes, f) == header_bytes;
    size_t next_tal = 0;
    for (int64_t r = 0; ok && r < p.n_records; r++) {
        build_record(&p, r, buf, &next_tal);
        ok = fwrite(buf, 1, p.record_bytes, f) == p.record_bytes;
    }
    ok = fclose(f) == 0 && ok;
    f = NULL;
    if (!ok) {
        st = mc_diag_set(d, MC_EIO, -1, -1, "%s: write failed", path);
        goto done;
    }
    st = mc_output_publish(&o, d);
done:
    if (f)
        fclose(f);
    if (begun && st != MC_OK)
        mc_output_abandon(&o);
    for (size_t t = 0; t < p.n_tals; t++)
        free(p.tals[t].text);
    free(p.tals);
    free(p.sig);
    free(buf);
    free(header);
    return st;
}
