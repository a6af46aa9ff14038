/* SPDX-License-Identifier: MIT */
/* formats/internal.h: helpers shared by the HDF5 files of formats/ (attributes of every type the
 * layout uses, quiet error stacks). Never included from outside formats/. */
#ifndef MC_FORMATS_INTERNAL_H
#define MC_FORMATS_INTERNAL_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "dsp/event.h"
#include "dsp/status.h"
#include "formats/h5_layout.h"

/* One gap row as stored (compound). */
typedef struct mc__gap_row {
    int64_t first_index;
    int64_t n_missing;
    char reason[MC_H5_GAP_REASON_LEN];
} mc__gap_row;

/* Stop HDF5 from printing its error stack on this thread (the library never prints). HDF5 keeps
 * the setting per thread in thread-safe builds, so every entry point calls it. */
void mc__h5_quiet(void);

/* Memory (= file) types of the compound tables and of fixed strings; close with H5Tclose.
 * mcirc writes UTF-8; files from other tools (h5py) may hold ASCII, and HDF5 does not convert
 * between the two, so a reader asks for the character set the file uses (mc__h5_table_cset). */
hid_t mc__h5_gap_type(H5T_cset_t cset);
hid_t mc__h5_event_type(H5T_cset_t cset);
hid_t mc__h5_fixed_string(size_t size, H5T_cset_t cset);
/* Character set of the first string field of a table's compound type (UTF-8 when it has none). */
H5T_cset_t mc__h5_table_cset(hid_t dset);

/* Writing attributes (objects must not be in SWMR mode yet). Return 0 on success, -1 on error. */
int mc__h5_attr_str(hid_t obj, const char *name, const char *value);
int mc__h5_attr_str_array(hid_t obj, const char *name, const char *const *values, size_t n);
int mc__h5_attr_f64(hid_t obj, const char *name, double value);
int mc__h5_attr_f64_array(hid_t obj, const char *name, const double *values, size_t n);
int mc__h5_attr_i64(hid_t obj, const char *name, int64_t value);
int mc__h5_attr_i32(hid_t obj, const char *name, int32_t value);

/* Reading attributes written by mcirc or by another tool: strings may be fixed or variable
 * length, numbers any integer or float class. Return 0 on success, -1 when absent or unreadable. */
int mc__h5_read_attr_str(hid_t obj, const char *name, char *buf, size_t cap);
int mc__h5_read_attr_f64(hid_t obj, const char *name, double *value);
int mc__h5_read_attr_i64(hid_t obj, const char *name, int64_t *value);
/* A string array attribute of exactly n elements; each copied into bufs[i] (cap bytes each). */
int mc__h5_read_attr_str_array(hid_t obj, const char *name, size_t n, char *bufs, size_t cap);
int mc__h5_read_attr_f64_array(hid_t obj, const char *name, size_t n, double *values);
/* Number of elements of an attribute's dataspace, or -1. */
int64_t mc__h5_attr_len(hid_t obj, const char *name);

/* Rows of a 1-D or 2-D dataset (first dimension), or -1. */
int64_t mc__h5_rows(hid_t dset);

/* Read rows [first, first + n) of a dataset whose second dimension (if any) is `cols`, into buf. */
int mc__h5_read_rows(hid_t dset, hid_t mem_type, int64_t first, int64_t n, size_t cols, void *buf);

#endif
