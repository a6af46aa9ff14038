/* SPDX-License-Identifier: MIT */
/* formats/snirf_internal.h: what the SNIRF reader's two files share (formats/snirf_h5.c: checked
 * access to datasets, strings and numbered groups; formats/snirf_read.c: the SNIRF structure).
 * Never included from outside formats/. */
#ifndef MC_FORMATS_SNIRF_INTERNAL_H
#define MC_FORMATS_SNIRF_INTERNAL_H

#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>

#include "dsp/status.h"
#include "formats/import.h"

enum {
    PATH_CAP = 192,          /* longest group path we build ("/nirs12/data3/measurementList360") */
    STR_CAP = 256,           /* strings we keep (names, labels, units, dates) */
    STR_FILE_MAX = 65536,    /* longest fixed-length string type accepted */
    BLOCK_VALUES = 1 << 16,  /* values read at once from dataTimeSeries */
    MAX_STIM_ROWS = 1000000, /* rows of one stim group */
    MAX_INDEX = 1000000,     /* source/detector/wavelength indices */
};

/* The state of one read. */
typedef struct mc__snirf_ctx {
    hid_t f;
    const char *src; /* file name for diagnostics */
    mc_import *imp;
    mc_diag *d;
    double t_scale;        /* seconds per unit of the current /nirs group's TimeUnit */
    double group_offset_s; /* start of the current /nirs group after the first one's, s */
    double wl[64];         /* probe wavelengths of the current /nirs group, nm */
    size_t n_wl;
    char wl_text[STR_CAP]; /* the same as text, for the stream attribute */
    char manufacturer[STR_CAP];
    const uint8_t *image; /* the file's bytes (mc_snirf_read), or NULL: then `path` */
    const char *path;
    FILE *fp; /* `path` opened for read_vlen_direct, or NULL */
    uint64_t file_bytes;
    uint64_t base;                   /* user block size: HDF5 addresses start after it */
    size_t sizeof_addr, sizeof_size; /* of the file's addresses and lengths, bytes */
} mc__snirf_ctx;

/* A diagnostic "FILE: PATH: message" (always returns st). */
mc_status mc__snirf_bad(mc__snirf_ctx *c, mc_status st, const char *path, const char *fmt, ...)
    MC_PRINTF(4, 5);
/* out = gpath/name, cut to PATH_CAP. */
void mc__snirf_join(char *out, const char *gpath, const char *name);
/* 1 when name is a hard link of g (soft and external links are never followed). */
int mc__snirf_hard_link(hid_t g, const char *name);
/* Open g/name; *out = -1 when absent and not required (then MC_OK). */
mc_status mc__snirf_open_ds(mc__snirf_ctx *c, hid_t g, const char *gpath, const char *name,
                            int required, hid_t *out);
mc_status mc__snirf_open_group(mc__snirf_ctx *c, hid_t g, const char *gpath, const char *name,
                               hid_t *out);
/* Rank 0..2 and dims (rank 0: one element), or -1. */
int mc__snirf_shape(hid_t ds, hsize_t dims[2]);
int mc__snirf_is_numeric(hid_t ds);
/* Refuse external/virtual storage, chunks over 64 MiB, and sizes the stored bytes cannot hold. */
mc_status mc__snirf_check_storage(mc__snirf_ctx *c, hid_t ds, const char *path, uint64_t n_values);
/* MC_ENOMEM (diagnostic) when `bytes` more would pass the import's memory bound. */
mc_status mc__snirf_fits(mc__snirf_ctx *c, const char *path, double bytes);
/* One number (scalar or one-element dataset, any integer or float type). */
mc_status mc__snirf_read_num(mc__snirf_ctx *c, hid_t g, const char *gpath, const char *name,
                             int required, double *v, int *present);
/* n numbers (a vector, or a scalar when n is 1) into v[n]. */
mc_status mc__snirf_read_nums(mc__snirf_ctx *c, hid_t g, const char *gpath, const char *name,
                              int required, size_t n, double *v, int *present);
/* n UTF-8 strings (fixed or variable length) into bufs[n * STR_CAP]. */
mc_status mc__snirf_read_strs(mc__snirf_ctx *c, hid_t g, const char *gpath, const char *name,
                              int required, size_t n, char *bufs, int *present);
/* One UTF-8 string (fixed or variable length) into buf[STR_CAP]. */
mc_status mc__snirf_read_str(mc__snirf_ctx *c, hid_t g, const char *gpath, const char *name,
                             int required, char *buf, int *present);

/* Members of a group named prefix<k> (k decimal), sorted by k. */
typedef struct mc__snirf_member {
    unsigned long k;
    char name[48];
} mc__snirf_member;

typedef struct mc__snirf_members {
    const char *prefix;
    int bare_ok; /* the prefix alone counts (k = 0): "nirs" */
    mc__snirf_member *m;
    size_t n, cap;
    int oom;
} mc__snirf_members;

mc_status mc__snirf_list_members(mc__snirf_ctx *c, hid_t g, const char *gpath, const char *prefix,
                                 int bare_ok, mc__snirf_members *l);

#endif
