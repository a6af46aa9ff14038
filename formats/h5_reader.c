/* SPDX-License-Identifier: MIT */
/* formats/h5_reader.c: the session file reader. A file is opened as a plain HDF5 file first; if
 * that fails because a writer has it open (or a crash left it marked open), it is opened again for
 * SWMR reading, which sees everything up to the writer's last flush (LIBS.md 1, experiment 2).
 * Every structural fact is checked, so that a malformed file gets a message, never a crash. */
#include "formats/h5_reader.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsp/block.h"
#include "dsp/clock_fit.h"
#include "formats/internal.h"

typedef struct rd_stream {
    mc_stream_info *info;
    hid_t group, data, time, time_index, gaps;
    int64_t n_frames;
    int64_t *anchors; /* [n_anchors * 2] (index, t_ns) */
    size_t n_anchors;
    mc_h5_gap *gap_rows;
    size_t n_gaps;
} rd_stream;

typedef struct rd_feature {
    mc_h5_feature_spec spec; /* strings point into `text` */
    char text[5][MC_VALUE_MAX + 1];
    hid_t t, value, status;
    int64_t n;
} rd_feature;

struct mc_h5_reader {
    hid_t file;
    mc_h5_file_state state;
    mc_session_info session;
    rd_stream *streams;
    size_t n_streams;
    rd_feature *features;
    size_t n_features;
    hid_t events;
    mc_event *event_rows;
    size_t n_events;
    char *path;
};

/* ---- listing group members in creation order ---------------------------------------------- */

typedef struct name_list {
    char (*names)[MC_NAME_MAX + 1];
    size_t n, cap;
    int bad; /* a member name too long or an allocation failure */
} name_list;

static herr_t collect_name(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g;
    (void)info;
    name_list *l = data;
    if (strlen(name) > MC_NAME_MAX) {
        l->bad = 1;
        return 1;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void *p = realloc(l->names, cap * sizeof *l->names);
        if (!p) {
            l->bad = 1;
            return 1;
        }
        l->names = p;
        l->cap = cap;
    }
    snprintf(l->names[l->n++], MC_NAME_MAX + 1, "%s", name);
    return 0;
}

/* Lists a group's members in creation order when the group tracks it, else by name. On failure
 * the list is empty and owns nothing. */
static int list_members(hid_t g, name_list *l)
{
    memset(l, 0, sizeof *l);
    hsize_t idx = 0;
    if (H5Literate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, collect_name, l) < 0) {
        l->n = 0;
        l->bad = 0;
        idx = 0;
        if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name, l) < 0)
            l->bad = 1;
    }
    if (l->bad) {
        free(l->names);
        memset(l, 0, sizeof *l);
        return -1;
    }
    return 0;
}

/* ---- streams ------------------------------------------------------------------------------ */

static const char *const layout_attrs[] = {
    MC_H5_ATTR_MODALITY,       MC_H5_ATTR_CHANNEL_NAMES,  MC_H5_ATTR_UNITS,
    MC_H5_ATTR_RATE_HZ,        MC_H5_ATTR_DEVICE_MODEL,   MC_H5_ATTR_DEVICE_SERIAL,
    MC_H5_ATTR_DRIVER,         MC_H5_ATTR_DRIVER_VERSION, MC_H5_ATTR_STREAM_SITE,
    MC_H5_ATTR_DEVICE_DELAY_S, MC_H5_ATTR_SCALE_GAIN,     MC_H5_ATTR_SCALE_OFFSET,
};

typedef struct free_attrs {
    char (*key)[MC_NAME_MAX + 1];
    char (*value)[MC_VALUE_MAX + 1];
    size_t n, cap;
    int bad;
} free_attrs;

static herr_t collect_attr(hid_t obj, const char *name, const H5A_info_t *ainfo, void *data)
{
    (void)ainfo;
    free_attrs *fa = data;
    for (size_t i = 0; i < sizeof layout_attrs / sizeof layout_attrs[0]; i++)
        if (strcmp(name, layout_attrs[i]) == 0)
            return 0;
    /* Attributes written by other tools may have names mcirc would not write; keep the ones
     * that fit the key rule and skip the rest rather than refuse the file. */
    size_t len = strlen(name);
    if (len == 0 || len > MC_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
              name[i] == '_'))
            return 0;
    if (fa->n == fa->cap) {
        size_t cap = fa->cap ? fa->cap * 2 : 16;
        void *k = realloc(fa->key, cap * sizeof *fa->key);
        if (k)
            fa->key = k;
        void *v = realloc(fa->value, cap * sizeof *fa->value);
        if (v)
            fa->value = v;
        if (!k || !v) {
            fa->bad = 1;
            return 1;
        }
        fa->cap = cap;
    }
    char *value = fa->value[fa->n];
    double num;
    if (mc__h5_read_attr_str(obj, name, value, MC_VALUE_MAX + 1) != 0) {
        if (mc__h5_read_attr_f64(obj, name, &num) == 0)
            snprintf(value, MC_VALUE_MAX + 1, "%.17g", num);
        else
            return 0; /* arrays, compounds: not a free key/value */
    }
    snprintf(fa->key[fa->n], MC_NAME_MAX + 1, "%s", name);
    fa->n++;
    return 0;
}

static void close_stream(rd_stream *s)
{
    if (s->data >= 0)
        H5Dclose(s->data);
    if (s->time >= 0)
        H5Dclose(s->time);
    if (s->time_index >= 0)
        H5Dclose(s->time_index);
    if (s->gaps >= 0)
        H5Dclose(s->gaps);
    if (s->group >= 0)
        H5Gclose(s->group);
    mc_stream_info_destroy(s->info);
    free(s->anchors);
    free(s->gap_rows);
}

static hid_t open_dataset_opt(hid_t g, const char *name)
{
    if (H5Lexists(g, name, H5P_DEFAULT) <= 0)
        return -1;
    return H5Dopen2(g, name, H5P_DEFAULT);
}

/* Checks a dataset's class and rank; cols 0 means "any". */
static int check_shape(hid_t d, H5T_class_t cls, int rank, hsize_t cols)
{
    hid_t t = H5Dget_type(d), s = H5Dget_space(d);
    hsize_t dims[2] = {0, 0};
    int ok = t >= 0 && s >= 0 && H5Tget_class(t) == cls && H5Sget_simple_extent_ndims(s) == rank &&
             H5Sget_simple_extent_dims(s, dims, NULL) == rank &&
             (rank < 2 || cols == 0 || dims[1] == cols);
    if (t >= 0)
        H5Tclose(t);
    if (s >= 0)
        H5Sclose(s);
    return ok;
}

/* Reads the tables that grow (extents, anchors, gaps) of one stream. */
static mc_status load_stream_tables(mc_h5_reader *r, rd_stream *s)
{
    int64_t rows = mc__h5_rows(s->data);
    if (rows < 0)
        return MC_EIO;
    if (s->time >= 0) {
        int64_t trows = mc__h5_rows(s->time);
        if (trows < 0)
            return MC_EIO;
        rows = trows < rows ? trows : rows; /* a crash between the two writes */
    }
    s->n_frames = rows;
    free(s->anchors);
    s->anchors = NULL;
    s->n_anchors = 0;
    if (s->time_index >= 0) {
        int64_t k = mc__h5_rows(s->time_index);
        if (k < 0)
            return MC_EIO;
        if (k > 0) {
            /* calloc checks k * 2 * 8 for overflow: a damaged extent must not wrap. */
            s->anchors = calloc((size_t)k, 2 * sizeof *s->anchors);
            if (!s->anchors)
                return MC_ENOMEM;
            if (mc__h5_read_rows(s->time_index, H5T_NATIVE_INT64, 0, k, 2, s->anchors) < 0)
                return MC_EIO;
            /* Anchors must increase in index: a reader relies on it to interpolate. */
            for (int64_t i = 1; i < k; i++)
                if (s->anchors[2 * i] <= s->anchors[2 * (i - 1)])
                    return MC_EFORMAT;
        }
        s->n_anchors = (size_t)k;
    }
    free(s->gap_rows);
    s->gap_rows = NULL;
    s->n_gaps = 0;
    if (s->gaps >= 0) {
        int64_t g = mc__h5_rows(s->gaps);
        if (g < 0)
            return MC_EIO;
        if (g > 0) {
            mc__gap_row *raw = calloc((size_t)g, sizeof *raw);
            s->gap_rows = calloc((size_t)g, sizeof *s->gap_rows);
            hid_t gt = mc__h5_gap_type(mc__h5_table_cset(s->gaps));
            int rc =
                raw && s->gap_rows && gt >= 0 ? mc__h5_read_rows(s->gaps, gt, 0, g, 1, raw) : -1;
            if (gt >= 0)
                H5Tclose(gt);
            for (int64_t i = 0; rc == 0 && i < g; i++) {
                s->gap_rows[i].first_index = raw[i].first_index;
                s->gap_rows[i].n_missing = raw[i].n_missing;
                memcpy(s->gap_rows[i].reason, raw[i].reason, sizeof raw[i].reason);
                s->gap_rows[i].reason[MC_H5_GAP_REASON_LEN - 1] = '\0';
            }
            free(raw);
            if (rc != 0)
                return MC_EIO;
        }
        s->n_gaps = (size_t)g;
    }
    (void)r;
    return MC_OK;
}

static mc_status open_stream(mc_h5_reader *r, hid_t streams, const char *name, rd_stream *s,
                             mc_diag *d)
{
    mc_status st = MC_EFORMAT;
    char(*names)[MC_NAME_MAX + 1] = NULL, (*units)[MC_NAME_MAX + 1] = NULL;
    double *gain = NULL, *offset = NULL;
    mc_channel_info *channels = NULL;
    mc_kv *kv = NULL;
    free_attrs fa;
    memset(&fa, 0, sizeof fa);
    char modality[32], model[MC_VALUE_MAX + 1], serial[MC_VALUE_MAX + 1], driver[MC_VALUE_MAX + 1],
        version[MC_VALUE_MAX + 1], site[MC_VALUE_MAX + 1];

    s->group = H5Gopen2(streams, name, H5P_DEFAULT);
    if (s->group < 0) {
        mc_diag_set(d, st, -1, -1, "%s: /streams/%s is not a group", r->path, name);
        goto done;
    }
    s->data = open_dataset_opt(s->group, MC_H5_DATA);
    if (s->data < 0 || !check_shape(s->data, H5T_FLOAT, 2, 0)) {
        mc_diag_set(d, st, -1, -1, "%s: /streams/%s/data: expected a 2-D float dataset", r->path,
                    name);
        goto done;
    }
    hid_t space = H5Dget_space(s->data);
    hsize_t dims[2] = {0, 0};
    H5Sget_simple_extent_dims(space, dims, NULL);
    H5Sclose(space);
    if (dims[1] < 1 || dims[1] > 65535) {
        mc_diag_set(d, st, -1, -1, "%s: /streams/%s/data has %llu channels: expected 1..65535",
                    r->path, name, (unsigned long long)dims[1]);
        goto done;
    }
    uint32_t c = (uint32_t)dims[1];
    double rate = -1;
    if (mc__h5_read_attr_f64(s->group, MC_H5_ATTR_RATE_HZ, &rate) != 0 || !isfinite(rate) ||
        rate < 0) {
        mc_diag_set(d, st, -1, -1, "%s: /streams/%s: attribute rate_hz missing or not >= 0",
                    r->path, name);
        goto done;
    }
    names = calloc(c, sizeof *names);
    units = calloc(c, sizeof *units);
    gain = calloc(c, sizeof *gain);
    offset = calloc(c, sizeof *offset);
    channels = calloc(c, sizeof *channels);
    if (!names || !units || !gain || !offset || !channels) {
        st = MC_ENOMEM;
        goto done;
    }
    if (mc__h5_read_attr_str_array(s->group, MC_H5_ATTR_CHANNEL_NAMES, c, names[0],
                                   MC_NAME_MAX + 1) != 0) {
        mc_diag_set(d, st, -1, -1,
                    "%s: /streams/%s: attribute channel_names missing or not %u "
                    "strings",
                    r->path, name, (unsigned)c);
        goto done;
    }
    if (mc__h5_read_attr_str_array(s->group, MC_H5_ATTR_UNITS, c, units[0], MC_NAME_MAX + 1) != 0)
        memset(units, 0, c * sizeof *units);
    for (uint32_t i = 0; i < c; i++)
        gain[i] = 1.0;
    if (mc__h5_read_attr_f64_array(s->group, MC_H5_ATTR_SCALE_GAIN, c, gain) != 0)
        for (uint32_t i = 0; i < c; i++)
            gain[i] = 1.0;
    if (mc__h5_read_attr_f64_array(s->group, MC_H5_ATTR_SCALE_OFFSET, c, offset) != 0)
        memset(offset, 0, c * sizeof *offset);
    for (uint32_t i = 0; i < c; i++)
        channels[i] = (mc_channel_info){names[i], units[i], gain[i], offset[i]};

    mc_stream_info info;
    memset(&info, 0, sizeof info);
    info.name = name;
    if (mc__h5_read_attr_str(s->group, MC_H5_ATTR_MODALITY, modality, sizeof modality) != 0 ||
        mc_modality_parse(modality, &info.modality) != MC_OK)
        info.modality = MC_MODALITY_OTHER;
    info.n_channels = c;
    info.channels = channels;
    info.rate_hz = rate;
#define READ_OPT(attr, buf)                                                                        \
    if (mc__h5_read_attr_str(s->group, attr, buf, sizeof buf) != 0)                                \
    buf[0] = '\0'
    READ_OPT(MC_H5_ATTR_DEVICE_MODEL, model);
    READ_OPT(MC_H5_ATTR_DEVICE_SERIAL, serial);
    READ_OPT(MC_H5_ATTR_DRIVER, driver);
    READ_OPT(MC_H5_ATTR_DRIVER_VERSION, version);
    READ_OPT(MC_H5_ATTR_STREAM_SITE, site);
#undef READ_OPT
    info.device_model = model;
    info.device_serial = serial;
    info.driver = driver;
    info.driver_version = version;
    info.site = site;
    if (mc__h5_read_attr_f64(s->group, MC_H5_ATTR_DEVICE_DELAY_S, &info.device_delay_s) != 0 ||
        !isfinite(info.device_delay_s) || info.device_delay_s < 0)
        info.device_delay_s = 0;
    hsize_t aidx = 0;
    if (H5Aiterate2(s->group, H5_INDEX_CRT_ORDER, H5_ITER_INC, &aidx, collect_attr, &fa) < 0) {
        fa.n = 0;
        aidx = 0;
        H5Aiterate2(s->group, H5_INDEX_NAME, H5_ITER_INC, &aidx, collect_attr, &fa);
    }
    if (fa.bad) {
        st = MC_ENOMEM;
        goto done;
    }
    kv = calloc(fa.n ? fa.n : 1, sizeof *kv);
    if (!kv) {
        st = MC_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < fa.n; i++)
        kv[i] = (mc_kv){fa.key[i], fa.value[i]};
    info.n_attrs = fa.n;
    info.attrs = kv;
    mc_diag tmp;
    if (mc_stream_info_check(&info, &tmp) != MC_OK) {
        mc_diag_set(d, st, -1, -1, "%s: /streams/%s: %s", r->path, name, tmp.message);
        goto done;
    }
    st = mc_stream_info_copy(&info, &s->info);
    if (st != MC_OK)
        goto done;

    st = MC_EFORMAT;
    if (rate > 0) {
        s->time_index = open_dataset_opt(s->group, MC_H5_TIME_INDEX);
        if (s->time_index < 0 || !check_shape(s->time_index, H5T_INTEGER, 2, 2)) {
            mc_diag_set(d, st, -1, -1,
                        "%s: /streams/%s/time_index: expected int64 [K, 2] for a "
                        "regular stream",
                        r->path, name);
            goto done;
        }
    } else {
        s->time = open_dataset_opt(s->group, MC_H5_TIME);
        if (s->time < 0 || !check_shape(s->time, H5T_INTEGER, 1, 0)) {
            mc_diag_set(d, st, -1, -1,
                        "%s: /streams/%s/time: expected int64 [N] for an "
                        "irregular stream",
                        r->path, name);
            goto done;
        }
    }
    s->gaps = open_dataset_opt(s->group, MC_H5_GAPS);
    if (s->gaps >= 0 && !check_shape(s->gaps, H5T_COMPOUND, 1, 0)) {
        mc_diag_set(d, st, -1, -1, "%s: /streams/%s/gaps: expected a table", r->path, name);
        goto done;
    }
    st = load_stream_tables(r, s);
    if (st != MC_OK)
        mc_diag_set(d, st, -1, -1, "%s: /streams/%s: cannot read its time or gap tables%s", r->path,
                    name, st == MC_EFORMAT ? " (anchors not increasing)" : "");
done:
    free(names);
    free(units);
    free(gain);
    free(offset);
    free(channels);
    free(kv);
    free(fa.key);
    free(fa.value);
    return st;
}

/* ---- events and features ------------------------------------------------------------------ */

static mc_status load_events(mc_h5_reader *r)
{
    free(r->event_rows);
    r->event_rows = NULL;
    r->n_events = 0;
    if (r->events < 0)
        return MC_OK;
    int64_t n = mc__h5_rows(r->events);
    if (n < 0)
        return MC_EIO;
    if (n == 0)
        return MC_OK;
    r->event_rows = calloc((size_t)n, sizeof *r->event_rows);
    hid_t et = mc__h5_event_type(mc__h5_table_cset(r->events));
    int rc =
        r->event_rows && et >= 0 ? mc__h5_read_rows(r->events, et, 0, n, 1, r->event_rows) : -1;
    if (et >= 0)
        H5Tclose(et);
    if (rc != 0)
        return r->event_rows ? MC_EIO : MC_ENOMEM;
    for (int64_t i = 0; i < n; i++) {
        mc_event *e = &r->event_rows[i];
        e->stream[sizeof e->stream - 1] = e->kind[sizeof e->kind - 1] =
            e->text[sizeof e->text - 1] = '\0';
    }
    r->n_events = (size_t)n;
    return MC_OK;
}

static mc_status open_features(mc_h5_reader *r, mc_diag *d)
{
    if (H5Lexists(r->file, MC_H5_FEATURES, H5P_DEFAULT) <= 0)
        return MC_OK;
    hid_t fg = H5Gopen2(r->file, MC_H5_FEATURES, H5P_DEFAULT);
    name_list streams;
    if (fg < 0 || list_members(fg, &streams) != 0) {
        if (fg >= 0)
            H5Gclose(fg);
        return mc_diag_set(d, MC_EFORMAT, -1, -1, "%s: /features cannot be listed", r->path);
    }
    mc_status st = MC_OK;
    for (size_t i = 0; i < streams.n && st == MC_OK; i++) {
        hid_t sg = H5Gopen2(fg, streams.names[i], H5P_DEFAULT);
        name_list feats;
        if (sg < 0 || list_members(sg, &feats) != 0) {
            st = mc_diag_set(d, MC_EFORMAT, -1, -1, "%s: /features/%s cannot be listed", r->path,
                             streams.names[i]);
            if (sg >= 0)
                H5Gclose(sg);
            break;
        }
        void *p = realloc(r->features, (r->n_features + feats.n + 1) * sizeof *r->features);
        if (!p)
            st = MC_ENOMEM;
        else
            r->features = p;
        for (size_t k = 0; k < feats.n && st == MC_OK; k++) {
            rd_feature *f = &r->features[r->n_features];
            memset(f, 0, sizeof *f);
            f->t = f->value = f->status = -1;
            hid_t g = H5Gopen2(sg, feats.names[k], H5P_DEFAULT);
            if (g >= 0) {
                f->t = open_dataset_opt(g, MC_H5_FT_T);
                f->value = open_dataset_opt(g, MC_H5_FT_VALUE);
                f->status = open_dataset_opt(g, MC_H5_FT_STATUS);
                snprintf(f->text[0], sizeof f->text[0], "%s", streams.names[i]);
                snprintf(f->text[1], sizeof f->text[1], "%s", feats.names[k]);
                mc__h5_read_attr_str(g, MC_H5_ATTR_UNIT, f->text[2], sizeof f->text[2]);
                mc__h5_read_attr_str(g, MC_H5_ATTR_ALGORITHM, f->text[3], sizeof f->text[3]);
                mc__h5_read_attr_str(g, MC_H5_ATTR_PARAMETERS, f->text[4], sizeof f->text[4]);
                H5Gclose(g);
            }
            r->n_features++; /* counted even when broken, so that destroy closes what opened */
            if (f->t < 0 || f->value < 0 || f->status < 0 ||
                !check_shape(f->t, H5T_INTEGER, 1, 0) || !check_shape(f->value, H5T_FLOAT, 1, 0) ||
                !check_shape(f->status, H5T_INTEGER, 1, 0)) {
                st = mc_diag_set(d, MC_EFORMAT, -1, -1,
                                 "%s: /features/%s/%s: expected datasets "
                                 "t_ns, value and status",
                                 r->path, streams.names[i], feats.names[k]);
                break;
            }
            int64_t a = mc__h5_rows(f->t), b = mc__h5_rows(f->value), c = mc__h5_rows(f->status);
            f->n = a < b ? a : b;
            f->n = c < f->n ? c : f->n;
        }
        free(feats.names);
        H5Gclose(sg);
    }
    /* The strings live inside r->features, which realloc may have moved: point at them last. */
    for (size_t k = 0; k < r->n_features; k++) {
        rd_feature *f = &r->features[k];
        f->spec = (mc_h5_feature_spec){f->text[0], f->text[1], f->text[2], f->text[3], f->text[4]};
    }
    free(streams.names);
    H5Gclose(fg);
    return st;
}

/* ---- open --------------------------------------------------------------------------------- */

static mc_status read_session(mc_h5_reader *r, mc_diag *d)
{
    int64_t version = 0;
    if (mc__h5_read_attr_i64(r->file, MC_H5_ATTR_FORMAT, &version) != 0)
        return mc_diag_set(d, MC_EFORMAT, -1, -1,
                           "%s: not an mcirc session file (no %s "
                           "attribute at the root)",
                           r->path, MC_H5_ATTR_FORMAT);
    if (version != MC_H5_FORMAT_VERSION)
        return mc_diag_set(d, MC_EFORMAT, -1, -1,
                           "%s: session format version %" PRId64 " is not "
                           "supported (expected %d)",
                           r->path, version, MC_H5_FORMAT_VERSION);
    mc_session_info *s = &r->session;
    mc__h5_read_attr_str(r->file, MC_H5_ATTR_SUBJECT, s->subject, sizeof s->subject);
    mc__h5_read_attr_str(r->file, MC_H5_ATTR_SESSION, s->session, sizeof s->session);
    mc__h5_read_attr_str(r->file, MC_H5_ATTR_SITE, s->site, sizeof s->site);
    mc__h5_read_attr_str(r->file, MC_H5_ATTR_START_UTC, s->start_utc, sizeof s->start_utc);
    mc__h5_read_attr_str(r->file, MC_H5_ATTR_SOFTWARE, s->software, sizeof s->software);
    mc__h5_read_attr_str(r->file, MC_H5_ATTR_TIMEZONE, s->timezone, sizeof s->timezone);
    mc__h5_read_attr_str(r->file, MC_H5_ATTR_NOTES, s->notes, sizeof s->notes);
    if (mc__h5_read_attr_i64(r->file, MC_H5_ATTR_START_UNIX_NS, &s->start_unix_ns) != 0 &&
        mc_utc_parse(s->start_utc, &s->start_unix_ns) != MC_OK)
        s->start_unix_ns = 0;
    return MC_OK;
}

static mc_status open_streams(mc_h5_reader *r, mc_diag *d)
{
    if (H5Lexists(r->file, MC_H5_STREAMS, H5P_DEFAULT) <= 0)
        return mc_diag_set(d, MC_EFORMAT, -1, -1, "%s: no /streams group", r->path);
    hid_t sg = H5Gopen2(r->file, MC_H5_STREAMS, H5P_DEFAULT);
    name_list l;
    if (sg < 0 || list_members(sg, &l) != 0) {
        if (sg >= 0)
            H5Gclose(sg);
        return mc_diag_set(d, MC_EFORMAT, -1, -1,
                           "%s: /streams cannot be listed (a member name "
                           "longer than %d bytes?)",
                           r->path, MC_NAME_MAX);
    }
    mc_status st = MC_OK;
    r->streams = calloc(l.n ? l.n : 1, sizeof *r->streams);
    if (!r->streams)
        st = MC_ENOMEM;
    for (size_t i = 0; i < l.n && st == MC_OK; i++) {
        rd_stream *s = &r->streams[i];
        s->group = s->data = s->time = s->time_index = s->gaps = -1;
        r->n_streams++;
        st = open_stream(r, sg, l.names[i], s, d);
    }
    free(l.names);
    H5Gclose(sg);
    return st;
}

mc_status mc_h5_reader_open(const char *path, mc_diag *d, mc_h5_reader **out)
{
    *out = NULL;
    mc__h5_quiet();
    struct stat sb;
    if (!path || stat(path, &sb) != 0)
        return mc_diag_set(d, MC_ENOTFOUND, -1, -1, "%s: no such file", path ? path : "(null)");
    if (!S_ISREG(sb.st_mode))
        return mc_diag_set(d, MC_EFORMAT, -1, -1, "%s: not a regular file", path);
    if (H5Fis_hdf5(path) <= 0)
        return mc_diag_set(d, MC_EFORMAT, 0, -1, "%s: not an HDF5 file (no HDF5 signature)", path);
    mc_h5_reader *r = calloc(1, sizeof *r);
    if (!r)
        return MC_ENOMEM;
    r->events = -1;
    r->path = strdup(path);
    if (!r->path) {
        free(r);
        return MC_ENOMEM;
    }
    mc_status st;
    r->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (r->file < 0) {
        /* Marked open by a writer (running, or killed): SWMR read sees every flushed row. */
        r->file = H5Fopen(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT);
        r->state = MC_H5_OPEN;
    }
    if (r->file < 0) {
        st = mc_diag_set(d, MC_EIO, -1, -1,
                         "%s: HDF5 cannot open the file (damaged, or not "
                         "written in the SWMR format)",
                         path);
        goto fail;
    }
    st = read_session(r, d);
    if (st == MC_OK)
        st = open_streams(r, d);
    if (st == MC_OK) {
        r->events = open_dataset_opt(r->file, MC_H5_EVENTS);
        if (r->events >= 0 && !check_shape(r->events, H5T_COMPOUND, 1, 0))
            st = mc_diag_set(d, MC_EFORMAT, -1, -1, "%s: /events: expected a table", path);
        else if ((st = load_events(r)) != MC_OK)
            mc_diag_set(d, st, -1, -1, "%s: /events cannot be read", path);
    }
    if (st == MC_OK)
        st = open_features(r, d);
    if (st != MC_OK)
        goto fail;
    *out = r;
    return MC_OK;
fail:
    mc_h5_reader_destroy(r);
    return st;
}

mc_status mc_h5_reader_refresh(mc_h5_reader *r)
{
    mc__h5_quiet();
    int swmr = r->state == MC_H5_OPEN;
    for (size_t i = 0; i < r->n_streams; i++) {
        rd_stream *s = &r->streams[i];
        hid_t ids[] = {s->data, s->time, s->time_index, s->gaps};
        for (size_t k = 0; swmr && k < sizeof ids / sizeof ids[0]; k++)
            if (ids[k] >= 0 && H5Drefresh(ids[k]) < 0)
                return MC_EIO;
        mc_status st = load_stream_tables(r, s);
        if (st != MC_OK)
            return st;
    }
    if (swmr && r->events >= 0 && H5Drefresh(r->events) < 0)
        return MC_EIO;
    mc_status st = load_events(r);
    if (st != MC_OK)
        return st;
    for (size_t k = 0; k < r->n_features; k++) {
        rd_feature *f = &r->features[k];
        if (swmr && (H5Drefresh(f->t) < 0 || H5Drefresh(f->value) < 0 || H5Drefresh(f->status) < 0))
            return MC_EIO;
        int64_t a = mc__h5_rows(f->t), b = mc__h5_rows(f->value), c = mc__h5_rows(f->status);
        f->n = a < b ? a : b;
        f->n = c < f->n ? c : f->n;
    }
    return MC_OK;
}

/* ---- accessors ---------------------------------------------------------------------------- */

mc_h5_file_state mc_h5_reader_get_state(const mc_h5_reader *r)
{
    return r->state;
}

const mc_session_info *mc_h5_reader_get_session(const mc_h5_reader *r)
{
    return &r->session;
}

size_t mc_h5_reader_get_n_streams(const mc_h5_reader *r)
{
    return r->n_streams;
}

const mc_stream_info *mc_h5_reader_get_stream(const mc_h5_reader *r, size_t i)
{
    return i < r->n_streams ? r->streams[i].info : NULL;
}

int64_t mc_h5_reader_find_stream(const mc_h5_reader *r, const char *name)
{
    for (size_t i = 0; i < r->n_streams; i++)
        if (strcmp(r->streams[i].info->name, name) == 0)
            return (int64_t)i;
    return -1;
}

int64_t mc_h5_reader_get_n_frames(const mc_h5_reader *r, size_t stream)
{
    return stream < r->n_streams ? r->streams[stream].n_frames : -1;
}

static int in_range(const mc_h5_reader *r, size_t stream, int64_t first, size_t n)
{
    return stream < r->n_streams && first >= 0 && (uint64_t)n <= (uint64_t)INT64_MAX &&
           first <= r->streams[stream].n_frames - (int64_t)n;
}

mc_status mc_h5_reader_read(mc_h5_reader *r, size_t stream, int64_t first, size_t n, float *samples)
{
    if (!in_range(r, stream, first, n))
        return MC_EINVAL;
    mc__h5_quiet();
    rd_stream *s = &r->streams[stream];
    if (mc__h5_read_rows(s->data, H5T_NATIVE_FLOAT, first, (int64_t)n, s->info->n_channels,
                         samples) < 0)
        return MC_EIO;
    return MC_OK;
}

mc_status mc_h5_reader_read_times(mc_h5_reader *r, size_t stream, int64_t first, size_t n,
                                  int64_t *t_ns)
{
    if (!in_range(r, stream, first, n))
        return MC_EINVAL;
    mc__h5_quiet();
    rd_stream *s = &r->streams[stream];
    if (s->time >= 0)
        return mc__h5_read_rows(s->time, H5T_NATIVE_INT64, first, (int64_t)n, 1, t_ns) < 0 ? MC_EIO
                                                                                           : MC_OK;
    if (n == 0)
        return MC_OK;
    if (s->n_anchors == 0) {
        /* No anchor yet: the recorder stores the first one once it has enough data to place it
         * (dsp/clock_fit.h), so a crash in the first seconds leaves none. */
        for (size_t i = 0; i < n; i++)
            t_ns[i] = llround((double)(first + (int64_t)i) * 1e9 / s->info->rate_hz);
        return MC_OK;
    }
    return mc_time_index_map_pairs(s->anchors, s->n_anchors, s->info->rate_hz, first, n, t_ns);
}

/* Time of one frame, for the binary search of find_range. */
static mc_status time_at(mc_h5_reader *r, size_t stream, int64_t i, int64_t *t)
{
    return mc_h5_reader_read_times(r, stream, i, 1, t);
}

/* First frame whose time is >= t (n_frames when none). */
static mc_status lower_bound(mc_h5_reader *r, size_t stream, int64_t t, int64_t *out)
{
    int64_t lo = 0, hi = r->streams[stream].n_frames;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2, tm;
        mc_status st = time_at(r, stream, mid, &tm);
        if (st != MC_OK)
            return st;
        if (tm < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    *out = lo;
    return MC_OK;
}

mc_status mc_h5_reader_find_range(mc_h5_reader *r, size_t stream, int64_t t_from_ns,
                                  int64_t t_to_ns, int64_t *first, size_t *n)
{
    *first = 0;
    *n = 0;
    if (stream >= r->n_streams || t_to_ns < t_from_ns)
        return MC_EINVAL;
    int64_t a, b;
    mc_status st = lower_bound(r, stream, t_from_ns, &a);
    if (st == MC_OK)
        st = lower_bound(r, stream, t_to_ns, &b);
    if (st != MC_OK)
        return st;
    *first = a;
    *n = b > a ? (size_t)(b - a) : 0;
    return MC_OK;
}

const int64_t *mc_h5_reader_get_anchors(const mc_h5_reader *r, size_t stream, size_t *n)
{
    *n = stream < r->n_streams ? r->streams[stream].n_anchors : 0;
    return stream < r->n_streams ? r->streams[stream].anchors : NULL;
}

const mc_h5_gap *mc_h5_reader_get_gaps(const mc_h5_reader *r, size_t stream, size_t *n)
{
    *n = stream < r->n_streams ? r->streams[stream].n_gaps : 0;
    return stream < r->n_streams ? r->streams[stream].gap_rows : NULL;
}

const mc_event *mc_h5_reader_get_events(const mc_h5_reader *r, size_t *n)
{
    *n = r->n_events;
    return r->event_rows;
}

size_t mc_h5_reader_get_n_features(const mc_h5_reader *r)
{
    return r->n_features;
}

const mc_h5_feature_spec *mc_h5_reader_get_feature(const mc_h5_reader *r, size_t k)
{
    return k < r->n_features ? &r->features[k].spec : NULL;
}

int64_t mc_h5_reader_get_n_feature_values(const mc_h5_reader *r, size_t k)
{
    return k < r->n_features ? r->features[k].n : -1;
}

mc_status mc_h5_reader_read_feature(mc_h5_reader *r, size_t k, int64_t first, size_t n,
                                    int64_t *t_ns, float *value, uint8_t *status)
{
    /* Compared without first + n, which overflows for a first near INT64_MAX. */
    if (k >= r->n_features || first < 0 || first > r->features[k].n ||
        (uint64_t)n > (uint64_t)(r->features[k].n - first))
        return MC_EINVAL;
    mc__h5_quiet();
    rd_feature *f = &r->features[k];
    if (mc__h5_read_rows(f->t, H5T_NATIVE_INT64, first, (int64_t)n, 1, t_ns) < 0 ||
        mc__h5_read_rows(f->value, H5T_NATIVE_FLOAT, first, (int64_t)n, 1, value) < 0 ||
        mc__h5_read_rows(f->status, H5T_NATIVE_UINT8, first, (int64_t)n, 1, status) < 0)
        return MC_EIO;
    return MC_OK;
}

void mc_h5_reader_destroy(mc_h5_reader *r)
{
    if (!r)
        return;
    mc__h5_quiet();
    for (size_t i = 0; i < r->n_streams; i++)
        close_stream(&r->streams[i]);
    for (size_t k = 0; k < r->n_features; k++) {
        rd_feature *f = &r->features[k];
        if (f->t >= 0)
            H5Dclose(f->t);
        if (f->value >= 0)
            H5Dclose(f->value);
        if (f->status >= 0)
            H5Dclose(f->status);
    }
    if (r->events >= 0)
        H5Dclose(r->events);
    if (r->file >= 0)
        H5Fclose(r->file);
    free(r->streams);
    free(r->features);
    free(r->event_rows);
    free(r->path);
    free(r);
}

/* ---- the writer's mark in the superblock ---------------------------------------------------- */

/* The HDF5 file format specification, "Superblock" (version 2 and 3): the 8-byte signature, then
 * the superblock version, the sizes of offsets and of lengths, then the file consistency flags in
 * one byte. HDF5 1.10 writes bit 0 (open for write) and bit 2 (open for SWMR write) on open and
 * clears them on close. Version 0 and 1 superblocks keep a 4-byte field elsewhere that 1.10 does
 * not use for this. */
enum { SB_VERSION = 8, SB_FLAGS = 11, SB_WRITE = 0x01, SB_SWMR_WRITE = 0x04 };

mc_status mc_h5_file_is_being_written(const char *path, int *written)
{
    static const unsigned char signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    *written = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? MC_ENOTFOUND : MC_EIO;
    unsigned char sb[SB_FLAGS + 1];
    ssize_t n;
    do
        n = pread(fd, sb, sizeof sb, 0);
    while (n < 0 && errno == EINTR);
    close(fd);
    if (n < 0)
        return MC_EIO;
    if ((size_t)n < sizeof sb || memcmp(sb, signature, sizeof signature) != 0 || sb[SB_VERSION] < 2)
        return MC_EFORMAT;
    *written = (sb[SB_FLAGS] & (SB_WRITE | SB_SWMR_WRITE)) != 0;
    return MC_OK;
}
