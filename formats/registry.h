/* SPDX-License-Identifier: MIT */
/* formats/registry.h: the formats `mcirc import` reads and `mcirc export` writes, each with its
 * name (what --format and --to take), what it is, and its functions; and the recognition of an
 * input from its first bytes (content first, the file name only where the content cannot say,
 * such as a WFDB header, which is plain text). */
#ifndef MC_FORMATS_REGISTRY_H
#define MC_FORMATS_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "formats/import.h"
#include "formats/import_map.h"

/** Read one input (the file a user points at) into an initialised import. The map is given for
 *  readers that take settings from it ([text]); it is applied to the streams by the caller. */
typedef mc_status (*mc_import_fn)(const char *path, const mc_import_map *map, mc_import *out,
                                  mc_diag *d);

/** An input format. */
typedef struct mc_import_format {
    const char *name; /* "wfdb", "edf", ... */
    const char *what; /* one line for --help */
    /* 1 when the first bytes (up to 4096) and the name say this is the format */
    int (*detect)(const uint8_t *head, size_t n, const char *name);
    mc_import_fn import;
} mc_import_format;

/** Write a recording (formats/export.h) to `path`. */
typedef mc_status (*mc_export_fn)(const mc_import *rec, const char *path, mc_diag *d);

/** An output format. */
typedef struct mc_export_format {
    const char *name;      /* what --to takes: "csv", "edf", ... */
    const char *extension; /* of the default output name, with the dot: ".csv" */
    const char *what;      /* one line for --help */
    mc_export_fn write;
} mc_export_format;

/** The input formats, in the order detection tries them. Thread: any. */
const mc_import_format *mc_import_formats(size_t *n);

/** The output formats. Thread: any. */
const mc_export_format *mc_export_formats(size_t *n);

/** The input format named `name`, or NULL. Thread: any. */
const mc_import_format *mc_import_format_find(const char *name);

/** The output format named `name`, or NULL. Thread: any. */
const mc_export_format *mc_export_format_find(const char *name);

/** Recognise an input from its first bytes and its name. Thread: any. Does I/O.
 *  @return MC_OK with *fmt; MC_ENOTFOUND (missing file); MC_EIO; MC_EFORMAT (no format
 *          recognised: the diagnostic lists the formats and suggests --format) */
MC_NODISCARD mc_status mc_import_detect(const char *path, const mc_import_format **fmt, mc_diag *d);

#endif
