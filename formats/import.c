/* SPDX-License-Identifier: MIT */
/* formats/import.c: the in-memory recording every importer fills, and its session file
 * (formats/import.h). */
#include "formats/import.h"

#include "dsp/clock_fit.h"
#include "formats/h5_writer.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

void mc_import_init(mc_import *imp)
{
    memset(imp, 0, sizeof *imp);
    imp->start_unix_ns = MC_IMPORT_NO_TIME;
    imp->limit_bytes = MC_IMPORT_LIMIT_DEFAULT;
}

void mc_import_free(mc_import *imp)
{
    if (!imp)
        return;
    for (size_t i = 0; i < imp->n_streams; i++) {
        mc_import_stream *s = &imp->streams[i];
        mc_stream_info_destroy(s->info);
        free(s->data);
        free(s->t_ns);
        free(s->gaps);
        free(s->anchors);
    }
    free(imp->streams);
    free(imp->events);
    const size_t limit = imp->limit_bytes;
    mc_import_init(imp);
    imp->limit_bytes = limit ? limit : MC_IMPORT_LIMIT_DEFAULT;
}

/* Grow *p (of *cap elements of `size` bytes) to hold at least `need`, doubling. */
static mc_status grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return MC_OK;
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return MC_ENOMEM;
        n *= 2;
    }
    size_t bytes;
    if (!mc_size_mul(n, size, &bytes))
        return MC_ENOMEM;
    void *q = realloc(*p, bytes);
    if (!q)
        return MC_ENOMEM;
    *p = q;
    *cap = n;
    return MC_OK;
}

static int name_taken(const mc_import *imp, const char *name)
{
    for (size_t i = 0; i < imp->n_streams; i++)
        if (strcmp(imp->streams[i].info->name, name) == 0)
            return 1;
    return 0;
}

mc_status mc_import_add_stream(mc_import *imp, const mc_stream_info *info, int64_t start_ns,
                               size_t *index, mc_diag *d)
{
    mc_stream_info copy = *info;
    char name[MC_NAME_MAX + 1];
    const char *base = info->name ? info->name : "";
    if (name_taken(imp, base)) {
        const size_t blen = strlen(base);
        for (unsigned k = 2;; k++) {
            char suffix[16];
            const int sl = snprintf(suffix, sizeof suffix, "_%u", k);
            const size_t keep = blen + (size_t)sl > MC_NAME_MAX ? MC_NAME_MAX - (size_t)sl : blen;
            snprintf(name, sizeof name, "%.*s%s", (int)keep, base, suffix);
            if (!name_taken(imp, name))
                break;
        }
        copy.name = name;
    }
    mc_status st = mc_stream_info_check(&copy, d);
    if (st != MC_OK)
        return st;
    if (grow((void **)&imp->streams, &imp->cap_streams, imp->n_streams + 1, sizeof *imp->streams))
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory for stream %s", copy.name);
    mc_import_stream *s = &imp->streams[imp->n_streams];
    memset(s, 0, sizeof *s);
    st = mc_stream_info_copy(&copy, &s->info);
    if (st != MC_OK)
        return mc_diag_set(d, st, -1, -1, "cannot copy the description of stream %s", copy.name);
    s->start_ns = start_ns;
    if (index)
        *index = imp->n_streams;
    imp->n_streams++;
    return MC_OK;
}

/* Account for `bytes` more held bytes against the limit. */
static mc_status charge(mc_import *imp, size_t bytes, const char *name, mc_diag *d)
{
    const size_t limit = imp->limit_bytes ? imp->limit_bytes : MC_IMPORT_LIMIT_DEFAULT;
    if (bytes > limit || imp->used_bytes > limit - bytes)
        return mc_diag_set(d, MC_ENOMEM, -1, -1,
                           "stream %s: the recording would hold more than %zu MiB of samples in "
                           "memory (the import limit)",
                           name, limit >> 20);
    imp->used_bytes += bytes;
    return MC_OK;
}

/* Bytes allocated for frames not yet appended, over all streams (only the regular streams'
 * samples: an irregular stream grows by doubling). */
static size_t unused_bytes(const mc_import *imp)
{
    size_t b = 0;
    for (size_t i = 0; i < imp->n_streams; i++) {
        const mc_import_stream *t = &imp->streams[i];
        if (t->cap_frames > (size_t)t->n_frames)
            b += (t->cap_frames - (size_t)t->n_frames) * t->info->n_channels * sizeof(float);
    }
    return b;
}

/* Room for `n` more frames of stream s (and their times when irregular); when it must grow, room
 * for `expect` more (>= n) if the memory left under the limit allows, else doubling. */
static mc_status reserve_frames(mc_import *imp, mc_import_stream *s, size_t n, size_t expect,
                                mc_diag *d)
{
    const size_t ch = s->info->n_channels, irregular = s->info->rate_hz == 0;
    size_t frame_bytes = ch * sizeof(float) + (irregular ? sizeof(int64_t) : 0), bytes;
    if (!mc_size_mul(n, frame_bytes, &bytes))
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "stream %s: %zu frames do not fit in memory",
                           s->info->name, n);
    mc_status st = charge(imp, bytes, s->info->name, d);
    if (st != MC_OK)
        return st;
    const size_t need = (size_t)s->n_frames + n;
    if (need <= s->cap_frames)
        return MC_OK;
    size_t cap = s->cap_frames ? s->cap_frames : 1024;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (expect > n) {
        /* The frames still expected after these n, bounded by what the limit leaves once the
         * room already allocated and not yet used (in every stream) is counted. */
        const size_t limit = imp->limit_bytes ? imp->limit_bytes : MC_IMPORT_LIMIT_DEFAULT;
        const size_t held = imp->used_bytes + unused_bytes(imp);
        const size_t left = limit > held ? (limit - held) / frame_bytes : 0;
        const size_t more = expect - n < left ? expect - n : left;
        if (need + more > cap)
            cap = need + more;
    }
    size_t data_bytes, time_bytes;
    if (!mc_size_mul(cap, ch * sizeof(float), &data_bytes) ||
        !mc_size_mul(cap, sizeof(int64_t), &time_bytes))
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "stream %s: out of memory", s->info->name);
    float *data = realloc(s->data, data_bytes);
    if (!data)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "stream %s: out of memory", s->info->name);
    s->data = data;
    if (irregular) {
        int64_t *t = realloc(s->t_ns, time_bytes);
        if (!t)
            return mc_diag_set(d, MC_ENOMEM, -1, -1, "stream %s: out of memory", s->info->name);
        s->t_ns = t;
    }
    s->cap_frames = cap;
    return MC_OK;
}

mc_status mc_import_append(mc_import *imp, size_t stream, size_t n, const float *frames,
                           const int64_t *t_ns, mc_diag *d)
{
    if (stream >= imp->n_streams)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "no stream %zu", stream);
    mc_import_stream *s = &imp->streams[stream];
    const int irregular = s->info->rate_hz == 0;
    if (irregular != (t_ns != NULL))
        return mc_diag_set(d, MC_EINVAL, -1, -1, "stream %s: times %s", s->info->name,
                           irregular ? "missing for an irregular stream"
                                     : "given for a regular "
                                       "stream");
    if (n == 0)
        return MC_OK;
    mc_status st = reserve_frames(imp, s, n, n, d);
    if (st != MC_OK)
        return st;
    const size_t ch = s->info->n_channels;
    memcpy(s->data + (size_t)s->n_frames * ch, frames, n * ch * sizeof(float));
    if (irregular)
        memcpy(s->t_ns + s->n_frames, t_ns, n * sizeof(int64_t));
    s->n_frames += (int64_t)n;
    return MC_OK;
}

mc_status mc_import_extend(mc_import *imp, size_t stream, size_t n, size_t expect, float **frames,
                           mc_diag *d)
{
    *frames = NULL;
    if (stream >= imp->n_streams)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "no stream %zu", stream);
    mc_import_stream *s = &imp->streams[stream];
    if (s->info->rate_hz == 0)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "stream %s: times missing for an irregular stream",
                           s->info->name);
    if (n > 0) {
        mc_status st = reserve_frames(imp, s, n, expect > n ? expect : n, d);
        if (st != MC_OK)
            return st;
    }
    *frames = s->data ? s->data + (size_t)s->n_frames * s->info->n_channels : NULL;
    s->n_frames += (int64_t)n;
    return MC_OK;
}

mc_status mc_import_append_gap(mc_import *imp, size_t stream, int64_t n, const char *reason,
                               mc_diag *d)
{
    if (stream >= imp->n_streams)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "no stream %zu", stream);
    mc_import_stream *s = &imp->streams[stream];
    if (s->info->rate_hz == 0 || n < 0)
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "stream %s: a gap of NaN rows needs a regular stream and n >= 0",
                           s->info->name);
    if (n == 0)
        return MC_OK;
    if ((uint64_t)n > SIZE_MAX / 16)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "stream %s: a gap of %lld samples", s->info->name,
                           (long long)n);
    mc_status st = reserve_frames(imp, s, (size_t)n, (size_t)n, d);
    if (st != MC_OK)
        return st;
    const size_t ch = s->info->n_channels;
    float *p = s->data + (size_t)s->n_frames * ch;
    for (size_t i = 0; i < (size_t)n * ch; i++)
        p[i] = NAN;
    s->n_frames += n;
    return mc_import_mark_gap(imp, stream, s->n_frames - n, n, reason, d);
}

mc_status mc_import_mark_gap(mc_import *imp, size_t stream, int64_t first_index, int64_t n_missing,
                             const char *reason, mc_diag *d)
{
    if (stream >= imp->n_streams)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "no stream %zu", stream);
    mc_import_stream *s = &imp->streams[stream];
    if (first_index < 0 || n_missing < 0 || first_index > s->n_frames ||
        n_missing > s->n_frames - first_index)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "stream %s: gap outside the %lld frames",
                           s->info->name, (long long)s->n_frames);
    if (grow((void **)&s->gaps, &s->cap_gaps, s->n_gaps + 1, sizeof *s->gaps))
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "stream %s: out of memory", s->info->name);
    mc_import_gap *g = &s->gaps[s->n_gaps++];
    g->first_index = first_index;
    g->n_missing = n_missing;
    snprintf(g->reason, sizeof g->reason, "%s", reason ? reason : "");
    return MC_OK;
}

mc_status mc_import_add_event(mc_import *imp, const mc_event *ev, mc_diag *d)
{
    if (grow((void **)&imp->events, &imp->cap_events, imp->n_events + 1, sizeof *imp->events))
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory for events");
    imp->events[imp->n_events++] = *ev;
    return MC_OK;
}

/* Case-insensitive: does `s` contain `word`? */
static int has(const char *s, const char *word)
{
    const size_t n = strlen(word);
    for (; *s; s++)
        if (strncasecmp(s, word, n) == 0)
            return 1;
    return 0;
}

/* Case-insensitive equality. */
static int is(const char *s, const char *word)
{
    return strcasecmp(s, word) == 0;
}

mc_modality mc_import_guess_modality(const char *name, const char *unit)
{
    name = name ? name : "";
    unit = unit ? unit : "";
    if (has(name, "pco2") || has(name, "tcco2") || has(name, "tcpco2") || has(name, "ptco2"))
        return MC_MODALITY_PCO2;
    if (has(name, "sto2") || has(name, "smo2") || has(name, "tsi") || has(name, "hbo") ||
        has(name, "hbr") || has(name, "hhb") || has(name, "o2hb") || has(name, "thb") ||
        has(name, "nirs"))
        return MC_MODALITY_NIRS;
    if (has(name, "pleth") || has(name, "ppg") || has(name, "spo2") || is(name, "pi") ||
        has(name, "perf_rel") || is(name, "pvi") || has(name, "_pi"))
        return MC_MODALITY_PPG;
    if (has(name, "perfusion") || has(name, "ldf") || has(name, "flux") || is(unit, "pu"))
        return MC_MODALITY_LDF;
    return MC_MODALITY_OTHER;
}

char *mc_import_stream_name(const char *channel, const char *fallback, char out[MC_NAME_MAX + 1])
{
    size_t n = 0;
    int pending = 0; /* a run of other bytes waits to become one '_' */
    for (const unsigned char *p = (const unsigned char *)(channel ? channel : ""); *p; p++) {
        const int ok = isalnum(*p) || *p == '_' || *p == '-' || (*p == '.' && n > 0);
        if (!ok) {
            pending = n > 0;
            continue;
        }
        if (pending && n < MC_NAME_MAX)
            out[n++] = '_';
        pending = 0;
        if (n < MC_NAME_MAX)
            out[n++] = (char)*p;
    }
    while (n > 0 && out[n - 1] == '_')
        n--;
    out[n] = '\0';
    if (n == 0)
        snprintf(out, MC_NAME_MAX + 1, "%s", fallback && fallback[0] ? fallback : "signal");
    return out;
}

mc_status mc_read_whole_file(const char *path, size_t max_bytes, uint8_t **buf, size_t *len,
                             mc_diag *d)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return mc_diag_set(d, errno == ENOENT ? MC_ENOTFOUND : MC_EIO, -1, -1, "%s: %s", path,
                           strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return mc_diag_set(d, MC_EIO, -1, -1, "%s: not a regular file", path);
    }
    if ((uint64_t)sb.st_size > max_bytes) {
        fclose(f);
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: %lld bytes, more than the %zu MiB accepted",
                           path, (long long)sb.st_size, max_bytes >> 20);
    }
    const size_t n = (size_t)sb.st_size;
    uint8_t *b = malloc(n ? n : 1);
    if (!b) {
        fclose(f);
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "%s: out of memory for %zu bytes", path, n);
    }
    const size_t got = fread(b, 1, n, f);
    const int err = ferror(f);
    fclose(f);
    if (got != n || err) {
        free(b);
        return mc_diag_set(d, MC_EIO, -1, -1, "%s: read %zu of %zu bytes", path, got, n);
    }
    *buf = b;
    *len = n;
    return MC_OK;
}

mc_status mc_load_file(void *ctx, const char *name, uint8_t **buf, size_t *len, mc_diag *d)
{
    const char *dir = ctx ? (const char *)ctx : "";
    if (name[0] == '/' || strstr(name, "..") == name || strstr(name, "/../"))
        return mc_diag_set(d, MC_EINVAL, -1, -1, "%s: a companion file must lie beside the input",
                           name);
    char path[4096];
    const int n = snprintf(path, sizeof path, "%s%s%s", dir, dir[0] ? "/" : "", name);
    if (n < 0 || (size_t)n >= sizeof path)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "%s: path too long", name);
    return mc_read_whole_file(path, MC_IMPORT_LIMIT_DEFAULT, buf, len, d);
}

mc_status mc_import_set_anchors(mc_import *imp, size_t stream, size_t n, const int64_t *pairs,
                                mc_diag *d)
{
    if (stream >= imp->n_streams || imp->streams[stream].info->rate_hz == 0)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "clock anchors need a regular stream");
    for (size_t i = 1; i < n; i++)
        if (pairs[2 * i] <= pairs[2 * i - 2])
            return mc_diag_set(d, MC_EINVAL, -1, -1, "stream %s: anchor indices not increasing",
                               imp->streams[stream].info->name);
    mc_import_stream *s = &imp->streams[stream];
    int64_t *copy = NULL;
    if (n) {
        size_t bytes;
        if (!mc_size_mul(n, 2 * sizeof *copy, &bytes) || !(copy = malloc(bytes)))
            return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory for clock anchors");
        memcpy(copy, pairs, bytes);
    }
    free(s->anchors);
    s->anchors = copy;
    s->n_anchors = n;
    return MC_OK;
}

mc_status mc_import_times(const mc_import *imp, size_t stream, int64_t first, size_t n,
                          int64_t *t_ns)
{
    if (stream >= imp->n_streams)
        return MC_EINVAL;
    const mc_import_stream *s = &imp->streams[stream];
    if (first < 0 || first > s->n_frames || (int64_t)n > s->n_frames - first)
        return MC_EINVAL;
    if (s->info->rate_hz == 0) {
        memcpy(t_ns, s->t_ns + first, n * sizeof *t_ns);
        return MC_OK;
    }
    if (s->n_anchors == 0) {
        const double period = 1e9 / s->info->rate_hz;
        for (size_t i = 0; i < n; i++)
            t_ns[i] = s->start_ns + (int64_t)llround((double)(first + (int64_t)i) * period);
        return MC_OK;
    }
    return mc_time_index_map_pairs(s->anchors, s->n_anchors, s->info->rate_hz, first, n, t_ns);
}

mc_status mc_import_merge(mc_import *dst, mc_import *src, int64_t offset_ns, mc_diag *d)
{
    while (src->n_streams > 0) {
        mc_import_stream *s = &src->streams[0];
        size_t k;
        mc_status st = mc_import_add_stream(dst, s->info, s->start_ns + offset_ns, &k, d);
        if (st != MC_OK)
            return st;
        mc_import_stream *t = &dst->streams[k];
        /* Take the arrays over; only the (possibly renamed) description was copied. */
        t->n_frames = s->n_frames;
        t->data = s->data;
        t->t_ns = s->t_ns;
        t->gaps = s->gaps;
        t->n_gaps = s->n_gaps;
        t->anchors = s->anchors;
        t->n_anchors = s->n_anchors;
        t->cap_frames = s->cap_frames;
        t->cap_gaps = s->cap_gaps;
        for (int64_t i = 0; t->t_ns && i < t->n_frames; i++)
            t->t_ns[i] += offset_ns;
        for (size_t a = 0; a < t->n_anchors; a++)
            t->anchors[2 * a + 1] += offset_ns;
        const size_t held = (size_t)t->n_frames *
                            (t->info->n_channels * sizeof(float) + (t->t_ns ? sizeof(int64_t) : 0));
        dst->used_bytes += held;
        src->used_bytes -= held < src->used_bytes ? held : src->used_bytes;
        mc_stream_info_destroy(s->info);
        memmove(s, s + 1, (src->n_streams - 1) * sizeof *s);
        src->n_streams--;
    }
    for (size_t e = 0; e < src->n_events; e++) {
        mc_event ev = src->events[e];
        ev.t_ns += offset_ns;
        mc_status st = mc_import_add_event(dst, &ev, d);
        if (st != MC_OK)
            return st;
    }
    src->n_events = 0;
    return MC_OK;
}

mc_status mc_import_file_with(const char *path, const char *format, mc_import_bytes_fn fn,
                              mc_import *out, mc_diag *d)
{
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    snprintf(out->format, sizeof out->format, "%s", format);
    snprintf(out->source, sizeof out->source, "%s", base);
    uint8_t *bytes;
    size_t n;
    const size_t limit = out->limit_bytes ? out->limit_bytes : MC_IMPORT_LIMIT_DEFAULT;
    mc_status st = mc_read_whole_file(path, limit, &bytes, &n, d);
    if (st != MC_OK)
        return st;
    st = fn(bytes, n, base, out, d);
    free(bytes);
    const size_t bl = strlen(base);
    if (d && d->message[0] && !(strncmp(d->message, base, bl) == 0 && d->message[bl] == ':')) {
        /* "FILE: message" (the name cut to 200 bytes, the message to what fits) */
        char msg[sizeof d->message];
        memcpy(msg, d->message, sizeof msg);
        const int keep = (int)(bl < 200 ? bl : 200);
        snprintf(d->message, sizeof d->message, "%.*s: %.*s", keep, base,
                 (int)sizeof msg - keep - 3, msg);
    }
    return st;
}

/* ---- the session file of an import: written in one go, not SWMR, so that it exists only when
 * complete ---------------------------------------------------------------------------------- */

/* Rows per write call: bounded so that a long stream is written in slices of a few MiB. */
enum { WRITE_ROWS = 1 << 16 };

static mc_status write_stream(mc_h5_writer *w, size_t k, const mc_import_stream *s, mc_diag *d)
{
    const size_t ch = s->info->n_channels;
    const int irregular = s->info->rate_hz == 0;
    for (int64_t at = 0; at < s->n_frames;) {
        const int64_t left = s->n_frames - at;
        const uint32_t n = (uint32_t)(left < WRITE_ROWS ? left : WRITE_ROWS);
        mc_status st = mc_h5_writer_write(w, k, at, n, s->data + (size_t)at * ch,
                                          irregular ? s->t_ns + at : NULL);
        if (st != MC_OK)
            return mc_diag_set(d, st, -1, -1, "stream %s: cannot write rows %lld..%lld: %s",
                               s->info->name, (long long)at, (long long)(at + n), mc_strerror(st));
        at += n;
    }
    for (size_t a = 0; a < s->n_anchors; a++) {
        mc_status st = mc_h5_writer_write_anchor(w, k, s->anchors[2 * a], s->anchors[2 * a + 1]);
        if (st != MC_OK)
            return mc_diag_set(d, st, -1, -1, "stream %s: cannot write the time index",
                               s->info->name);
    }
    if (!irregular && s->n_frames > 0 && s->n_anchors == 0) {
        /* The nominal rate is the whole clock of an imported stream: anchors at both ends. */
        const double period_ns = 1e9 / s->info->rate_hz;
        const int64_t last = s->n_frames - 1;
        mc_status st = mc_h5_writer_write_anchor(w, k, 0, s->start_ns);
        if (st == MC_OK && last > 0)
            st = mc_h5_writer_write_anchor(
                w, k, last, s->start_ns + (int64_t)llround((double)last * period_ns));
        if (st != MC_OK)
            return mc_diag_set(d, st, -1, -1, "stream %s: cannot write the time index",
                               s->info->name);
    }
    for (size_t g = 0; g < s->n_gaps; g++) {
        mc_status st = mc_h5_writer_write_gap(w, k, s->gaps[g].first_index, s->gaps[g].n_missing,
                                              s->gaps[g].reason);
        if (st != MC_OK)
            return mc_diag_set(d, st, -1, -1, "stream %s: cannot write a gap", s->info->name);
    }
    return MC_OK;
}

mc_status mc_import_write(const mc_import *imp, const mc_session_info *session, int allow_id,
                          int compression, const char *path, mc_diag *d)
{
    if (imp->n_streams == 0)
        return mc_diag_set(d, MC_EFORMAT, -1, -1, "%s: no signal to import", imp->source);
    mc_session_info info = *session;
    if (imp->start_unix_ns != MC_IMPORT_NO_TIME)
        mc_session_set_start(&info, imp->start_unix_ns);
    mc_stream_info *streams = calloc(imp->n_streams, sizeof *streams);
    if (!streams)
        return mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory");
    for (size_t i = 0; i < imp->n_streams; i++)
        streams[i] = *imp->streams[i].info;

    mc_h5_writer_config cfg = mc_h5_writer_config_default();
    cfg.path = path;
    cfg.session = &info;
    cfg.allow_id = allow_id;
    cfg.n_streams = imp->n_streams;
    cfg.streams = streams;
    cfg.swmr = 0;
    cfg.compression = compression;
    char from[320];
    snprintf(from, sizeof from, "%s (%s)", imp->source, imp->format);
    cfg.derived_from = from;

    mc_h5_writer *w = NULL;
    mc_status st = mc_h5_writer_create(&cfg, d, &w);
    free(streams);
    if (st != MC_OK)
        return st;
    for (size_t k = 0; k < imp->n_streams && st == MC_OK; k++)
        st = write_stream(w, k, &imp->streams[k], d);
    for (size_t e = 0; e < imp->n_events && st == MC_OK; e++) {
        st = mc_h5_writer_write_event(w, &imp->events[e]);
        if (st != MC_OK)
            mc_diag_set(d, st, -1, -1, "%s: cannot write event %zu", path, e);
    }
    if (st == MC_OK)
        st = mc_h5_writer_finish(w, d);
    mc_h5_writer_destroy(w); /* without a finish, the temporary file is removed */
    return st;
}
