/* SPDX-License-Identifier: MIT */
/* formats/registry.c: the tables of input and output formats (formats/registry.h). */
#include "formats/registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/audio.h"
#include "formats/csv_export.h"
#include "formats/delim.h"
#include "formats/edf.h"
#include "formats/ge_s5.h"
#include "formats/labchart.h"
#include "formats/masimo.h"
#include "formats/nirx.h"
#include "formats/snirf.h"
#include "formats/vital.h"
#include "formats/wfdb.h"
#include "formats/xlsx.h"

/* Readers that take no settings from the mapping file. */
#define PLAIN_READER(fn)                                                                           \
    static mc_status fn##_entry(const char *path, const mc_import_map *map, mc_import *out,        \
                                mc_diag *d)                                                        \
    {                                                                                              \
        (void)map;                                                                                 \
        return fn(path, out, d);                                                                   \
    }
PLAIN_READER(mc_edf_import)
PLAIN_READER(mc_wfdb_import)
PLAIN_READER(mc_audio_import)
PLAIN_READER(mc_vital_import)
PLAIN_READER(mc_ge_s5_import)
PLAIN_READER(mc_masimo_import)
PLAIN_READER(mc_labchart_import)
PLAIN_READER(mc_nirx_import)
PLAIN_READER(mc_xlsx_import)
PLAIN_READER(mc_snirf_import)

/* The delimited-text reader: the preset the content shows (or the defaults), then the mapping
 * file's [text] settings over it. */
static mc_status delim_entry(const char *path, const mc_import_map *map, mc_import *out, mc_diag *d)
{
    if (!map || map->n_text == 0)
        return mc_delim_import(path, out, d);
    uint8_t *buf;
    size_t n;
    mc_status st = mc_read_whole_file(path, out->limit_bytes, &buf, &n, d);
    if (st != MC_OK)
        return st;
    mc_delim_options o = mc_delim_preset_options(buf, n < 4096 ? n : 4096);
    for (size_t i = 0; i < map->n_text && st == MC_OK; i++) {
        mc_diag e;
        st = mc_delim_options_set(&o, map->text[i].key, map->text[i].value, &e);
        if (st != MC_OK)
            mc_diag_set(d, MC_EFORMAT, -1, map->text[i].line, "mapping file: line %lld: %s",
                        (long long)map->text[i].line, e.message);
    }
    const char *slash = strrchr(path, '/');
    if (st == MC_OK)
        st = mc_delim_read(buf, n, &o, slash ? slash + 1 : path, out, d);
    free(buf);
    return st;
}

/* The audio writer with its container and sample format fixed. */
#define AUDIO_WRITER(suffix, format)                                                               \
    static mc_status audio_##suffix(const mc_import *rec, const char *path, mc_diag *d)            \
    {                                                                                              \
        return mc_audio_write(rec, path, format, d);                                               \
    }
AUDIO_WRITER(wav, MC_AUDIO_WAV_FLOAT)
AUDIO_WRITER(wav16, MC_AUDIO_WAV_PCM16)
AUDIO_WRITER(flac, MC_AUDIO_FLAC24)
AUDIO_WRITER(flac16, MC_AUDIO_FLAC16)

static const mc_import_format imports[] = {
    {"edf", "EDF, EDF+ (C and D, annotations as events) and BDF", mc_edf_detect,
     mc_edf_import_entry},
    {"snirf", "SNIRF (HDF5) NIRS: raw and processed channels, aux, stims as events",
     mc_snirf_detect, mc_snirf_import_entry},
    {"wfdb", "PhysioNet WFDB record (.hea; formats 8-311, FLAC 508-524, multi-segment)",
     mc_wfdb_detect, mc_wfdb_import_entry},
    {"audio", "WAV, W64, RF64, CAF, AIFF, FLAC through libsndfile (calibrate with --map)",
     mc_audio_detect, mc_audio_import_entry},
    {"vital", "Vital Recorder .vital (waves, numerics as irregular streams, strings as events)",
     mc_vital_detect, mc_vital_import_entry},
    {"ge-s5", "GE/Datex S/5 computer-interface capture (bad frames counted and skipped)",
     mc_ge_s5_detect, mc_ge_s5_import_entry},
    {"masimo", "Masimo Radical-7/Rad-8/Root ASCII 1 log (SpO2, PR, PI, PVI... per line)",
     mc_masimo_detect, mc_masimo_import_entry},
    {"labchart", "ADInstruments LabChart text export (LDF perfusion units, blocks, comments)",
     mc_labchart_detect, mc_labchart_import_entry},
    {"nirx", "NIRx NIRScout set (.hdr with .wl1/.wl2 and .evt beside it)", mc_nirx_detect,
     mc_nirx_import_entry},
    {"xlsx", "Excel .xlsx first sheet (Artinis Oxysoft exports recognised)", mc_xlsx_detect,
     mc_xlsx_import_entry},
    {"csv", "delimited text: BIDMC, Train.Red, Moxy, VSCapture recognised; others set by [text]",
     mc_delim_detect, delim_entry},
    {NULL, NULL, NULL, NULL},
};

static const mc_export_format exports[] = {
    {"csv", ".csv", "tidy CSV, one row per sample: t_s,stream,channel,value,unit",
     mc_csv_write_long},
    {"csv-wide", "", "one CSV per stream, <OUT>.<stream>.csv: t_s and one column per channel",
     mc_csv_write_wide},
    {"edf", ".edf", "EDF+C, 16 bits per channel over its range, events as annotations",
     mc_edf_write},
    {"wfdb", ".hea", "WFDB record, format 16 (.hea + .dat), samples per frame for mixed rates",
     mc_wfdb_write},
    {"snirf", ".snirf", "SNIRF 1.0 of the NIRS streams (read by MNE), events as stims",
     mc_snirf_write},
    {"wav", ".wav", "WAV float32, values exact; names, units, scales in its comment", audio_wav},
    {"wav16", ".wav", "WAV 16-bit, each channel scaled over its range (scale in the comment)",
     audio_wav16},
    {"flac", ".flac", "FLAC 24-bit, each channel scaled over its range, at most 8 channels",
     audio_flac},
    {"flac16", ".flac", "FLAC 16-bit, each channel scaled over its range, at most 8 channels",
     audio_flac16},
};

const mc_import_format *mc_import_formats(size_t *n)
{
    *n = sizeof imports / sizeof imports[0] - 1; /* the last row ends the table */
    return imports;
}

const mc_export_format *mc_export_formats(size_t *n)
{
    *n = sizeof exports / sizeof exports[0];
    return exports;
}

const mc_import_format *mc_import_format_find(const char *name)
{
    for (const mc_import_format *f = imports; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

const mc_export_format *mc_export_format_find(const char *name)
{
    for (size_t i = 0; i < sizeof exports / sizeof exports[0]; i++)
        if (strcmp(exports[i].name, name) == 0)
            return &exports[i];
    return NULL;
}

mc_status mc_import_detect(const char *path, const mc_import_format **fmt, mc_diag *d)
{
    *fmt = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return mc_diag_set(d, errno == ENOENT ? MC_ENOTFOUND : MC_EIO, -1, -1, "%s: %s", path,
                           strerror(errno));
    uint8_t head[4096];
    const size_t n = fread(head, 1, sizeof head, f);
    const int err = ferror(f);
    fclose(f);
    if (err)
        return mc_diag_set(d, MC_EIO, -1, -1, "%s: cannot read", path);
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    for (const mc_import_format *fm = imports; fm->name; fm++)
        if (fm->detect(head, n, name)) {
            *fmt = fm;
            return MC_OK;
        }
    char list[256] = "";
    for (const mc_import_format *fm = imports; fm->name; fm++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", list[0] ? ", " : "",
                 fm->name);
    return mc_diag_set(d, MC_EFORMAT, 0, -1,
                       "%s: byte 0: not a format mcirc reads (%s); if it is one, say which with "
                       "--format",
                       path, list);
}
