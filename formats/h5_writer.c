/* SPDX-License-Identifier: MIT */
/* formats/h5_writer.c: the session file writer. All objects are created before the switch to SWMR
 * (LIBS.md 1: HDF5 1.10 allows no new objects or attributes afterwards, and a group created after
 * H5Fstart_swmr_write made H5Fclose crash); after it, datasets only grow and receive rows.
 * STYLE.md 4 has finish() write closing attributes (frame and overrun counts); a SWMR file cannot
 * take new attributes, so those counts live where a reader finds them anyway: the extent of each
 * data set and the rows of each stream's gaps table. */
#include "formats/h5_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/h5_layout.h"
#include "formats/internal.h"

typedef struct h5_stream {
    mc_stream_info *info; /* owned copy */
    hid_t group, data, time, time_index, gaps;
    int64_t n_rows; /* extent of data (and of time for irregular streams) */
    int64_t n_anchors, n_gaps;
    int64_t last_anchor; /* index of the last anchor, or -1 */
} h5_stream;

typedef struct h5_feature {
    hid_t group, t, value, status;
    int64_t n;
} h5_feature;

struct mc_h5_writer {
    hid_t file;
    hid_t gap_type, event_type;
    hid_t events;
    int64_t n_events;
    h5_stream *streams;
    size_t n_streams;
    h5_feature *features;
    size_t n_features;
    int swmr;
    int published; /* the file is visible under its final name */
    int finished;
    char *path;
    char *tmp_path;
};

mc_h5_writer_config mc_h5_writer_config_default(void)
{
    mc_h5_writer_config c;
    memset(&c, 0, sizeof c);
    c.swmr = 1;
    c.compression = 4;
    return c;
}

/* ---- creation ---------------------------------------------------------------------------- */

/* Rows per chunk: about 16 s of data, so that a flush once a second rewrites little, as a power
 * of two between 64 and what keeps a chunk within 256 KiB. Irregular streams are sized as 1 Hz. */
static hsize_t chunk_rows(double rate_hz, uint32_t n_channels)
{
    double want = (rate_hz > 0 ? rate_hz : 1.0) * 16.0;
    hsize_t rows = 64;
    while ((double)rows < want && rows < 65536)
        rows *= 2;
    while (rows > 64 && rows * n_channels * sizeof(float) > 256 * 1024)
        rows /= 2;
    return rows;
}

/* Creates an extendible chunked dataset of `rank` 1 or 2 ({0} or {0, cols}).
 * In a SWMR file, flushed every second, the chunk the rows are growing into is kept unfiltered:
 * a flush then rewrites it in place instead of compressing it again and moving it (SWMR never
 * reuses the space a moved chunk leaves); HDF5 compresses it once, when the dataset grows past
 * it. The option needs the 1.10 format, which SWMR files have and plain files must not get. */
static hid_t create_table(hid_t loc, const char *name, hid_t type, int rank, hsize_t cols,
                          hsize_t rows_per_chunk, int compression, const void *fill, int swmr)
{
    hsize_t dims[2] = {0, cols}, maxdims[2] = {H5S_UNLIMITED, cols},
            chunk[2] = {rows_per_chunk, cols};
    hid_t space = H5Screate_simple(rank, dims, maxdims);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t d = -1;
    if (space < 0 || dcpl < 0 || H5Pset_chunk(dcpl, rank, chunk) < 0)
        goto done;
    if (compression >= 0 && (H5Pset_shuffle(dcpl) < 0 ||
                             (compression > 0 && H5Pset_deflate(dcpl, (unsigned)compression) < 0)))
        goto done;
    if (fill && H5Pset_fill_value(dcpl, type, fill) < 0)
        goto done;
    if (swmr && H5Pset_chunk_opts(dcpl, H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS) < 0)
        goto done;
    d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
done:
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return d;
}

static int write_root_attrs(mc_h5_writer *w, const mc_h5_writer_config *cfg)
{
    const mc_session_info *s = cfg->session;
    hid_t f = w->file;
    char software[MC_SESSION_TEXT];
    snprintf(software, sizeof software, "%s", s->software[0] ? s->software : "mcirc " MC_VERSION);
    if (mc__h5_attr_i32(f, MC_H5_ATTR_FORMAT, MC_H5_FORMAT_VERSION) < 0 ||
        mc__h5_attr_str(f, MC_H5_ATTR_SUBJECT, s->subject) < 0 ||
        mc__h5_attr_str(f, MC_H5_ATTR_SESSION, s->session) < 0 ||
        mc__h5_attr_str(f, MC_H5_ATTR_SITE, s->site) < 0 ||
        mc__h5_attr_str(f, MC_H5_ATTR_START_UTC, s->start_utc) < 0 ||
        mc__h5_attr_i64(f, MC_H5_ATTR_START_UNIX_NS, s->start_unix_ns) < 0 ||
        mc__h5_attr_str(f, MC_H5_ATTR_SOFTWARE, software) < 0 ||
        mc__h5_attr_str(f, MC_H5_ATTR_TIMEZONE, s->timezone) < 0 ||
        mc__h5_attr_str(f, MC_H5_ATTR_NOTES, s->notes) < 0)
        return -1;
    if (cfg->recovered_from &&
        mc__h5_attr_str(f, MC_H5_ATTR_RECOVERED_FROM, cfg->recovered_from) < 0)
        return -1;
    if (cfg->derived_from && mc__h5_attr_str(f, MC_H5_ATTR_DERIVED_FROM, cfg->derived_from) < 0)
        return -1;
    return 0;
}

/* Attribute names the layout reserves on a stream group; free keys must not take them. */
static const char *const reserved_stream_attrs[] = {
    MC_H5_ATTR_MODALITY,       MC_H5_ATTR_CHANNEL_NAMES,  MC_H5_ATTR_UNITS,
    MC_H5_ATTR_RATE_HZ,        MC_H5_ATTR_DEVICE_MODEL,   MC_H5_ATTR_DEVICE_SERIAL,
    MC_H5_ATTR_DRIVER,         MC_H5_ATTR_DRIVER_VERSION, MC_H5_ATTR_STREAM_SITE,
    MC_H5_ATTR_DEVICE_DELAY_S, MC_H5_ATTR_SCALE_GAIN,     MC_H5_ATTR_SCALE_OFFSET,
};

static int is_reserved(const char *key)
{
    for (size_t i = 0; i < sizeof reserved_stream_attrs / sizeof reserved_stream_attrs[0]; i++)
        if (strcmp(key, reserved_stream_attrs[i]) == 0)
            return 1;
    return 0;
}

static int write_stream_attrs(hid_t g, const mc_stream_info *info)
{
    uint32_t c = info->n_channels;
    const char **names = calloc(c, sizeof *names);
    const char **units = calloc(c, sizeof *units);
    double *gain = calloc(c, sizeof *gain);
    double *offset = calloc(c, sizeof *offset);
    int rc = -1;
    if (!names || !units || !gain || !offset)
        goto done;
    for (uint32_t i = 0; i < c; i++) {
        names[i] = info->channels[i].name;
        units[i] = info->channels[i].unit;
        gain[i] = info->channels[i].scale_gain;
        offset[i] = info->channels[i].scale_offset;
    }
    if (mc__h5_attr_str(g, MC_H5_ATTR_MODALITY, mc_modality_name(info->modality)) < 0 ||
        mc__h5_attr_str_array(g, MC_H5_ATTR_CHANNEL_NAMES, names, c) < 0 ||
        mc__h5_attr_str_array(g, MC_H5_ATTR_UNITS, units, c) < 0 ||
        mc__h5_attr_f64(g, MC_H5_ATTR_RATE_HZ, info->rate_hz) < 0 ||
        mc__h5_attr_str(g, MC_H5_ATTR_DEVICE_MODEL, info->device_model) < 0 ||
        mc__h5_attr_str(g, MC_H5_ATTR_DEVICE_SERIAL, info->device_serial) < 0 ||
        mc__h5_attr_str(g, MC_H5_ATTR_DRIVER, info->driver) < 0 ||
        mc__h5_attr_str(g, MC_H5_ATTR_DRIVER_VERSION, info->driver_version) < 0 ||
        mc__h5_attr_str(g, MC_H5_ATTR_STREAM_SITE, info->site) < 0 ||
        mc__h5_attr_f64(g, MC_H5_ATTR_DEVICE_DELAY_S, info->device_delay_s) < 0 ||
        mc__h5_attr_f64_array(g, MC_H5_ATTR_SCALE_GAIN, gain, c) < 0 ||
        mc__h5_attr_f64_array(g, MC_H5_ATTR_SCALE_OFFSET, offset, c) < 0)
        goto done;
    for (size_t a = 0; a < info->n_attrs; a++)
        if (mc__h5_attr_str(g, info->attrs[a].key, info->attrs[a].value) < 0)
            goto done;
    rc = 0;
done:
    free(names);
    free(units);
    free(gain);
    free(offset);
    return rc;
}

static mc_status create_stream(mc_h5_writer *w, hid_t streams, size_t i, int compression,
                               mc_diag *d)
{
    h5_stream *s = &w->streams[i];
    const mc_stream_info *info = s->info;
    float nan_fill = NAN;
    s->group = H5Gcreate2(streams, info->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (s->group < 0 || write_stream_attrs(s->group, info) < 0)
        return mc_diag_set(d, MC_EIO, -1, -1, "%s: cannot create stream '%s'", w->path, info->name);
    s->data =
        create_table(s->group, MC_H5_DATA, H5T_NATIVE_FLOAT, 2, info->n_channels,
                     chunk_rows(info->rate_hz, info->n_channels), compression, &nan_fill, w->swmr);
    if (info->rate_hz > 0)
        s->time_index = create_table(s->group, MC_H5_TIME_INDEX, H5T_NATIVE_INT64, 2, 2, 256,
                                     compression, NULL, w->swmr);
    else
        s->time = create_table(s->group, MC_H5_TIME, H5T_NATIVE_INT64, 1, 1, chunk_rows(0, 2),
                               compression, NULL, w->swmr);
    s->gaps = create_table(s->group, MC_H5_GAPS, w->gap_type, 1, 1, 64, compression, NULL, w->swmr);
    if (s->data < 0 || (s->time < 0 && s->time_index < 0) || s->gaps < 0)
        return mc_diag_set(d, MC_EIO, -1, -1, "%s: cannot create the datasets of stream '%s'",
                           w->path, info->name);
    return MC_OK;
}

/* Creates a group that remembers the order its members were created in, so that streams and
 * features are listed in the order the user gave them (HDF5 sorts by name otherwise). */
static hid_t create_ordered_group(hid_t loc, const char *name)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    if (gcpl < 0)
        return -1;
    hid_t g = -1;
    if (H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >= 0)
        g = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    return g;
}

static hid_t open_or_create_group(hid_t loc, const char *name)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) > 0)
        return H5Gopen2(loc, name, H5P_DEFAULT);
    return create_ordered_group(loc, name);
}

static mc_status create_feature(mc_h5_writer *w, hid_t features, const mc_h5_feature_spec *spec,
                                h5_feature *f, int compression, mc_diag *d)
{
    uint8_t status_fill = 0;
    float nan_fill = NAN;
    hid_t sg = open_or_create_group(features, spec->stream);
    if (sg < 0)
        return mc_diag_set(d, MC_EIO, -1, -1, "%s: cannot create /features/%s", w->path,
                           spec->stream);
    f->group = H5Gcreate2(sg, spec->feature, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(sg);
    if (f->group < 0)
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "%s: feature %s/%s is given twice or cannot be "
                           "created",
                           w->path, spec->stream, spec->feature);
    f->t = create_table(f->group, MC_H5_FT_T, H5T_NATIVE_INT64, 1, 1, 1024, compression, NULL,
                        w->swmr);
    f->value = create_table(f->group, MC_H5_FT_VALUE, H5T_NATIVE_FLOAT, 1, 1, 1024, compression,
                            &nan_fill, w->swmr);
    f->status = create_table(f->group, MC_H5_FT_STATUS, H5T_NATIVE_UINT8, 1, 1, 1024, compression,
                             &status_fill, w->swmr);
    if (f->t < 0 || f->value < 0 || f->status < 0 ||
        mc__h5_attr_str(f->group, MC_H5_ATTR_UNIT, spec->unit) < 0 ||
        mc__h5_attr_str(f->group, MC_H5_ATTR_ALGORITHM, spec->algorithm) < 0 ||
        mc__h5_attr_str(f->group, MC_H5_ATTR_PARAMETERS, spec->parameters) < 0 ||
        mc__h5_attr_str(f->group, MC_H5_ATTR_SOFTWARE, "mcirc " MC_VERSION) < 0)
        return mc_diag_set(d, MC_EIO, -1, -1, "%s: cannot create feature %s/%s", w->path,
                           spec->stream, spec->feature);
    return MC_OK;
}

static mc_status check_config(const mc_h5_writer_config *cfg, mc_diag *d)
{
    if (!cfg || !cfg->path || !cfg->path[0] || !cfg->session)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "no output file or session given");
    if (cfg->compression < 0 || cfg->compression > 9)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "compression level %d: expected 0..9",
                           cfg->compression);
    mc_status st = mc_subject_check(cfg->session->subject, cfg->allow_id, d);
    if (st != MC_OK)
        return st;
    if (cfg->n_streams > 0 && !cfg->streams)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "streams missing");
    for (size_t i = 0; i < cfg->n_streams; i++) {
        st = mc_stream_info_check(&cfg->streams[i], d);
        if (st != MC_OK)
            return st;
        for (size_t k = 0; k < i; k++)
            if (strcmp(cfg->streams[k].name, cfg->streams[i].name) == 0)
                return mc_diag_set(d, MC_EINVAL, -1, -1, "stream name '%s' is used twice",
                                   cfg->streams[i].name);
        for (size_t a = 0; a < cfg->streams[i].n_attrs; a++)
            if (is_reserved(cfg->streams[i].attrs[a].key))
                return mc_diag_set(d, MC_EINVAL, -1, -1,
                                   "stream '%s': attribute '%s' is "
                                   "reserved by the file layout",
                                   cfg->streams[i].name, cfg->streams[i].attrs[a].key);
    }
    for (size_t i = 0; i < cfg->n_features; i++) {
        const mc_h5_feature_spec *f = &cfg->features[i];
        if (!mc_name_is_valid(f->stream) || !mc_name_is_valid(f->feature))
            return mc_diag_set(d, MC_EINVAL, -1, -1, "feature '%s/%s': not a valid name",
                               f->stream ? f->stream : "", f->feature ? f->feature : "");
    }
    return MC_OK;
}

/* Builds "<dir>/.<base>.creating-<pid>" beside the target, so that the final link is a rename
 * within one file system. */
static char *temp_name(const char *path)
{
    char *a = strdup(path), *b = strdup(path);
    char *out = NULL;
    if (a && b) {
        const char *dir = dirname(a), *base = basename(b);
        size_t n = strlen(dir) + strlen(base) + 48;
        out = malloc(n);
        if (out)
            snprintf(out, n, "%s/.%s.creating-%ld", dir, base, (long)getpid());
    }
    free(a);
    free(b);
    return out;
}

/* Makes the file visible under its final name without ever replacing an existing file: link()
 * fails with EEXIST where rename() would overwrite. The directory is synced so that the name
 * survives a power cut. */
static mc_status publish(mc_h5_writer *w, mc_diag *d)
{
    if (link(w->tmp_path, w->path) != 0) {
        int e = errno;
        if (e == EEXIST)
            return mc_diag_set(d, MC_EEXIST, -1, -1,
                               "%s: file exists (mcirc never overwrites a "
                               "recording); the data is kept in %s",
                               w->path, w->tmp_path);
        return mc_diag_set(d, MC_EIO, -1, -1, "%s: cannot create: %s; the data is kept in %s",
                           w->path, strerror(e), w->tmp_path);
    }
    unlink(w->tmp_path);
    w->published = 1;
    char *copy = strdup(w->path);
    if (copy) {
        int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
        free(copy);
    }
    return MC_OK;
}

static mc_status open_file(mc_h5_writer *w, const mc_h5_writer_config *cfg, mc_diag *d)
{
    struct stat st;
    if (stat(cfg->path, &st) == 0)
        return mc_diag_set(d, MC_EEXIST, -1, -1,
                           "%s: file exists (mcirc never overwrites a "
                           "recording); choose another name",
                           cfg->path);
    /* Creating the temporary file ourselves gives the system's own reason for a failure
     * (missing folder, no permission, read-only disk) instead of HDF5's error stack. */
    int fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0)
        return mc_diag_set(d, MC_EIO, -1, -1, "%s: cannot create: %s", cfg->path, strerror(errno));
    close(fd);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0)
        return MC_ENOMEM;
    if (cfg->swmr)
        H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    /* A chunk cache of 5 slots per dataset: rows are only appended, so the chunk growing and the
     * one just completed are all that is touched again, and a chunk that hashes to a taken slot
     * evicts it. HDF5's default (521 slots, 1 MiB) keeps every completed chunk of a small-chunk
     * table (a 1 Hz stream, a feature series) in memory, so that a recorder grew by megabytes an
     * hour (bench.live_memory). Set on the file because H5Fstart_swmr_write reopens every
     * dataset with the file's defaults. */
    H5Pset_cache(fapl, 0, 5, 1024 * 1024, 1.0);
    w->file = H5Fcreate(w->tmp_path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (w->file < 0) {
        unlink(w->tmp_path);
        return mc_diag_set(d, MC_EIO, -1, -1, "%s: HDF5 cannot create the file", cfg->path);
    }
    return MC_OK;
}

mc_status mc_h5_writer_create(const mc_h5_writer_config *cfg, mc_diag *d, mc_h5_writer **out)
{
    *out = NULL;
    mc__h5_quiet();
    mc_status st = check_config(cfg, d);
    if (st != MC_OK)
        return st;
    mc_h5_writer *w = calloc(1, sizeof *w);
    if (!w)
        return MC_ENOMEM;
    w->file = w->events = w->gap_type = w->event_type = -1;
    w->swmr = cfg->swmr;
    w->path = strdup(cfg->path);
    w->tmp_path = temp_name(cfg->path);
    w->streams = calloc(cfg->n_streams ? cfg->n_streams : 1, sizeof *w->streams);
    w->features = calloc(cfg->n_features ? cfg->n_features : 1, sizeof *w->features);
    if (!w->path || !w->tmp_path || !w->streams || !w->features) {
        st = MC_ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < cfg->n_streams; i++) {
        h5_stream *s = &w->streams[i];
        s->group = s->data = s->time = s->time_index = s->gaps = -1;
        s->last_anchor = -1;
        st = mc_stream_info_copy(&cfg->streams[i], &s->info);
        if (st != MC_OK)
            goto fail;
        w->n_streams++;
    }
    for (size_t i = 0; i < cfg->n_features; i++)
        w->features[i].group = w->features[i].t = w->features[i].value = w->features[i].status = -1;
    w->n_features = cfg->n_features;

    st = open_file(w, cfg, d);
    if (st != MC_OK)
        goto fail;
    w->gap_type = mc__h5_gap_type(H5T_CSET_UTF8);
    w->event_type = mc__h5_event_type(H5T_CSET_UTF8);
    if (w->gap_type < 0 || w->event_type < 0 || write_root_attrs(w, cfg) < 0) {
        st = mc_diag_set(d, MC_EIO, -1, -1, "%s: cannot write the session attributes", w->path);
        goto fail;
    }
    hid_t streams = create_ordered_group(w->file, MC_H5_STREAMS);
    if (streams < 0) {
        st = mc_diag_set(d, MC_EIO, -1, -1, "%s: cannot create /streams", w->path);
        goto fail;
    }
    for (size_t i = 0; i < w->n_streams && st == MC_OK; i++)
        st = create_stream(w, streams, i, cfg->compression, d);
    H5Gclose(streams);
    if (st != MC_OK)
        goto fail;
    w->events = create_table(w->file, MC_H5_EVENTS, w->event_type, 1, 1, 64, cfg->compression, NULL,
                             w->swmr);
    hid_t features = create_ordered_group(w->file, MC_H5_FEATURES);
    if (w->events < 0 || features < 0) {
        if (features >= 0)
            H5Gclose(features);
        st = mc_diag_set(d, MC_EIO, -1, -1, "%s: cannot create /events or /features", w->path);
        goto fail;
    }
    for (size_t i = 0; i < w->n_features && st == MC_OK; i++)
        st = create_feature(w, features, &cfg->features[i], &w->features[i], cfg->compression, d);
    H5Gclose(features);
    if (st != MC_OK)
        goto fail;
    if (cfg->swmr) {
        /* Everything exists now; from here on only extents and rows change. */
        if (H5Fstart_swmr_write(w->file) < 0) {
            st = mc_diag_set(d, MC_EIO, -1, -1, "%s: cannot start SWMR writing", w->path);
            goto fail;
        }
        st = publish(w, d);
        if (st != MC_OK)
            goto fail;
    }
    *out = w;
    return MC_OK;
fail:
    mc_h5_writer_destroy(w);
    return st;
}

/* ---- writing ------------------------------------------------------------------------------ */

/* Grows dataset `dset` to `rows` rows (if needed) and writes `n` rows at `first`. */
static int put_rows(hid_t dset, hid_t type, int64_t *extent, int64_t first, int64_t n, size_t cols,
                    int rank, const void *buf)
{
    if (first + n > *extent) {
        hsize_t dims[2] = {(hsize_t)(first + n), cols};
        if (H5Dset_extent(dset, dims) < 0)
            return -1;
        *extent = first + n;
    }
    if (n == 0)
        return 0;
    hid_t fs = H5Dget_space(dset);
    hsize_t start[2] = {(hsize_t)first, 0}, count[2] = {(hsize_t)n, cols};
    hid_t ms = H5Screate_simple(rank, count, NULL);
    int rc = -1;
    if (fs >= 0 && ms >= 0 &&
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
        H5Dwrite(dset, type, ms, fs, H5P_DEFAULT, buf) >= 0)
        rc = 0;
    if (ms >= 0)
        H5Sclose(ms);
    if (fs >= 0)
        H5Sclose(fs);
    return rc;
}

mc_status mc_h5_writer_write(mc_h5_writer *w, size_t stream, int64_t first_index, uint32_t n_frames,
                             const float *samples, const int64_t *t_ns)
{
    if (stream >= w->n_streams || w->finished || first_index < 0 || (n_frames > 0 && !samples))
        return MC_EINVAL;
    h5_stream *s = &w->streams[stream];
    int irregular = s->info->rate_hz <= 0;
    if (irregular ? (!t_ns || first_index != s->n_rows) : (t_ns || first_index < s->n_rows))
        return MC_EINVAL;
    mc__h5_quiet();
    int64_t extent = s->n_rows;
    if (put_rows(s->data, H5T_NATIVE_FLOAT, &extent, first_index, n_frames, s->info->n_channels, 2,
                 samples) < 0)
        return MC_EIO;
    if (irregular) {
        int64_t t_extent = s->n_rows;
        if (put_rows(s->time, H5T_NATIVE_INT64, &t_extent, first_index, n_frames, 1, 1, t_ns) < 0)
            return MC_EIO;
    }
    s->n_rows = extent;
    return MC_OK;
}

mc_status mc_h5_writer_write_anchor(mc_h5_writer *w, size_t stream, int64_t index, int64_t t_ns)
{
    if (stream >= w->n_streams || w->finished)
        return MC_EINVAL;
    h5_stream *s = &w->streams[stream];
    if (s->time_index < 0 || index < 0 || index <= s->last_anchor)
        return MC_EINVAL;
    mc__h5_quiet();
    int64_t row[2] = {index, t_ns};
    if (put_rows(s->time_index, H5T_NATIVE_INT64, &s->n_anchors, s->n_anchors, 1, 2, 2, row) < 0)
        return MC_EIO;
    s->last_anchor = index;
    return MC_OK;
}

mc_status mc_h5_writer_write_gap(mc_h5_writer *w, size_t stream, int64_t first_index,
                                 int64_t n_missing, const char *reason)
{
    if (stream >= w->n_streams || w->finished || first_index < 0 || n_missing < 0)
        return MC_EINVAL;
    h5_stream *s = &w->streams[stream];
    mc__gap_row row;
    memset(&row, 0, sizeof row);
    row.first_index = first_index;
    row.n_missing = n_missing;
    snprintf(row.reason, sizeof row.reason, "%s", reason ? reason : "");
    mc__h5_quiet();
    if (put_rows(s->gaps, w->gap_type, &s->n_gaps, s->n_gaps, 1, 1, 1, &row) < 0)
        return MC_EIO;
    return MC_OK;
}

mc_status mc_h5_writer_write_event(mc_h5_writer *w, const mc_event *ev)
{
    if (w->finished || !ev)
        return MC_EINVAL;
    /* Copy so that the strings are terminated and padded whatever the caller left in them. */
    mc_event row;
    memset(&row, 0, sizeof row);
    row.t_ns = ev->t_ns;
    row.value = ev->value;
    snprintf(row.stream, sizeof row.stream, "%.*s", (int)sizeof ev->stream - 1, ev->stream);
    snprintf(row.kind, sizeof row.kind, "%.*s", (int)sizeof ev->kind - 1, ev->kind);
    snprintf(row.text, sizeof row.text, "%.*s", (int)sizeof ev->text - 1, ev->text);
    mc__h5_quiet();
    if (put_rows(w->events, w->event_type, &w->n_events, w->n_events, 1, 1, 1, &row) < 0)
        return MC_EIO;
    return MC_OK;
}

mc_status mc_h5_writer_write_feature(mc_h5_writer *w, size_t feature, size_t n, const int64_t *t_ns,
                                     const float *value, const uint8_t *status)
{
    if (feature >= w->n_features || w->finished || (n > 0 && (!t_ns || !value || !status)))
        return MC_EINVAL;
    h5_feature *f = &w->features[feature];
    mc__h5_quiet();
    int64_t e1 = f->n, e2 = f->n, e3 = f->n;
    if (put_rows(f->t, H5T_NATIVE_INT64, &e1, f->n, (int64_t)n, 1, 1, t_ns) < 0 ||
        put_rows(f->value, H5T_NATIVE_FLOAT, &e2, f->n, (int64_t)n, 1, 1, value) < 0 ||
        put_rows(f->status, H5T_NATIVE_UINT8, &e3, f->n, (int64_t)n, 1, 1, status) < 0)
        return MC_EIO;
    f->n = e1;
    return MC_OK;
}

mc_status mc_h5_writer_flush(mc_h5_writer *w)
{
    if (w->finished)
        return MC_ESTATE;
    mc__h5_quiet();
    if (H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0)
        return MC_EIO;
    /* HDF5 leaves the data in the page cache; fsync makes a power cut lose at most one flush
     * interval, as promised for a trial's only copy. */
    void *handle = NULL;
    if (H5Fget_vfd_handle(w->file, H5P_DEFAULT, &handle) >= 0 && handle) {
        if (fsync(*(int *)handle) != 0)
            return MC_EIO;
    }
    return MC_OK;
}

int64_t mc_h5_writer_get_n_frames(const mc_h5_writer *w, size_t stream)
{
    return stream < w->n_streams ? w->streams[stream].n_rows : -1;
}

/* ---- closing ------------------------------------------------------------------------------ */

static void close_id(hid_t *id, herr_t (*close_fn)(hid_t))
{
    if (*id >= 0)
        close_fn(*id);
    *id = -1;
}

/* Closes every object and then the file. @return 0, or -1 when the file close failed. */
static int close_all(mc_h5_writer *w)
{
    for (size_t i = 0; i < w->n_streams; i++) {
        h5_stream *s = &w->streams[i];
        close_id(&s->data, H5Dclose);
        close_id(&s->time, H5Dclose);
        close_id(&s->time_index, H5Dclose);
        close_id(&s->gaps, H5Dclose);
        close_id(&s->group, H5Gclose);
    }
    for (size_t i = 0; i < w->n_features; i++) {
        h5_feature *f = &w->features[i];
        close_id(&f->t, H5Dclose);
        close_id(&f->value, H5Dclose);
        close_id(&f->status, H5Dclose);
        close_id(&f->group, H5Gclose);
    }
    close_id(&w->events, H5Dclose);
    close_id(&w->gap_type, H5Tclose);
    close_id(&w->event_type, H5Tclose);
    int rc = 0;
    if (w->file >= 0 && H5Fclose(w->file) < 0)
        rc = -1;
    w->file = -1;
    return rc;
}

mc_status mc_h5_writer_finish(mc_h5_writer *w, mc_diag *d)
{
    if (w->finished)
        return MC_ESTATE;
    mc__h5_quiet();
    mc_status st = mc_h5_writer_flush(w);
    w->finished = 1;
    if (close_all(w) < 0 && st == MC_OK)
        st = MC_EIO;
    if (st != MC_OK)
        return mc_diag_set(d, st, -1, -1, "%s: cannot write the end of the file", w->path);
    if (!w->published) {
        int fd = open(w->tmp_path, O_RDONLY);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
        st = publish(w, d);
        if (st != MC_OK)
            return st;
    }
    return MC_OK;
}

void mc_h5_writer_destroy(mc_h5_writer *w)
{
    if (!w)
        return;
    mc__h5_quiet();
    close_all(w);
    /* A plain file whose finish was never attempted is abandoned: it never appeared under its
     * name, so removing the temporary loses nothing the user was told exists. A failed finish
     * keeps it (the diagnostic named it), and a SWMR file is published at create. */
    if (!w->published && !w->finished && w->tmp_path)
        unlink(w->tmp_path);
    for (size_t i = 0; i < w->n_streams; i++)
        mc_stream_info_destroy(w->streams[i].info);
    free(w->streams);
    free(w->features);
    free(w->path);
    free(w->tmp_path);
    free(w);
}
