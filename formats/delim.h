/* SPDX-License-Identifier: MIT */
/* formats/delim.h: the general reader of delimited text (CSV, semicolon, TAB or blank separated
 * tables with optional metadata lines, a header row, a time column) and the presets recognised
 * from content for the exports of FORMATS.md §2, §5 and §10: BIDMC CSV, Train.Red, Moxy and
 * VSCapture. One stream of one channel per data column, named from the header (a unit written
 * "Name (unit)" or "Name [unit]" becomes the channel's unit); with a time column the streams are
 * irregular (one time per row), or regular when every row lies within 5 % of a period of a
 * uniform grid (BIDMC's 125 Hz); with rate_hz they are regular at that rate. Missing-value cells
 * (empty, -, --, ---, --.-, None, NaN, NA and the `missing` markers) and text cells are NaN; a
 * column without any number is kept only when it has a name and holds only missing markers. */
#ifndef MC_FORMATS_DELIM_H
#define MC_FORMATS_DELIM_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "formats/import.h"

/** Most columns a table may have. */
#define MC_DELIM_MAX_COLUMNS 1024

/** How the time column is written. */
typedef enum mc_delim_time {
    MC_DELIM_TIME_AUTO = 0,   /* recognised from the first data row and the column's name */
    MC_DELIM_TIME_NONE,       /* no time column (rate_hz needed) */
    MC_DELIM_TIME_SECONDS,    /* a number of seconds */
    MC_DELIM_TIME_MS,         /* a number of milliseconds */
    MC_DELIM_TIME_CLOCK,      /* hh:mm:ss[.fff] (a step back of more than 12 h is midnight) */
    MC_DELIM_TIME_DATE_CLOCK, /* a date column (dd/mm/yyyy, mm/dd/yyyy, yyyy-mm-dd), then a clock */
    MC_DELIM_TIME_DAY_CLOCK,  /* a date without year (06-Feb or mm-dd), then a clock */
    MC_DELIM_TIME_SAMPLES,    /* a sample number, divided by rate_hz (needed) */
} mc_delim_time;

/** Options of the reader; start from mc_delim_options_default(). */
typedef struct mc_delim_options {
    char delimiter;    /* ',', ';', '\t', ' ' (runs of blanks), or 0 = auto */
    int decimal_comma; /* 0: '.'; 1: ','; -1 = auto (',' accepted in quoted cells, or when the
                          delimiter is not ',') */
    int header_row;    /* 1-based line of the column names; 0 = auto (the line above the first
                          data row); -1 = none */
    int group_row;     /* 1-based line naming groups of columns (a sensor per group), each name
                          applying to its column and those to its right up to the next; appended
                          to the column names. 0 = none, -1 = the line above the header */
    int skip_rows;     /* lines skipped before anything else */
    int time_column;   /* 1-based column of the time (of the date for the date+clock formats);
                          0 = auto (column 1 when it looks like a time); -1 = none */
    mc_delim_time time_format;
    int day_first; /* dates dd/mm/yyyy (1) or mm/dd/yyyy (0) */
    double
        rate_hz;       /* > 0: regular streams at this rate (Hz); with time_format samples, the
                          rate that turns sample numbers into times (regular unless some are missing) */
    char missing[128]; /* extra missing markers, '|'-separated */
    uint8_t skip_columns[MC_DELIM_MAX_COLUMNS / 8]; /* bit c-1 set: column c is not imported */
    char format[32];                                /* imp->format to record ("csv") */
} mc_delim_options;

/** Defaults: everything automatic, '.' decimals (comma when quoted or ';'-separated), day-first
 *  dates, no skipped rows or columns, format "csv". Thread: any. */
mc_delim_options mc_delim_options_default(void);

/** Set one option by key and text value, as a mapping file gives them (`key = value`).
 *  Keys and values:
 *    delimiter   = comma | semicolon | tab | space | auto   (or the character itself; in a
 *                  mapping file a ';' after a space starts a comment: write `semicolon`)
 *    decimal     = point | comma | auto                  (or . ,)
 *    header_row  = <line, 1-based> | auto | none
 *    group_row   = <line, 1-based> | above | none
 *    skip_rows   = <number of lines, 0..1000000>
 *    time_column = <column, 1-based> | auto | none
 *    time_format = auto | none | seconds | ms | hh:mm:ss | date,hh:mm:ss | mm-dd,hh:mm:ss
 *                  | samples (sample numbers; needs rate_hz)
 *    date_order  = dmy | mdy
 *    rate_hz     = <Hz, > 0 and <= 1e6> | auto (0: from the time column)
 *    missing     = markers separated by '|', e.g. `n/a|ERR` (added to the built-in ones)
 *    columns     = columns to skip, 1-based numbers and ranges, e.g. `2,5-7` (none: `none`)
 *  Thread: one per options. @return MC_OK, or MC_EINVAL with a diagnostic naming the key */
MC_NODISCARD mc_status mc_delim_options_set(mc_delim_options *o, const char *key, const char *value,
                                            mc_diag *d);

/** Read a delimited table held in memory into an initialised import.
 *  Thread: one per import. Allocates (bounded by out->limit_bytes).
 *  @param buf  the file's bytes [n], not NUL-terminated; a UTF-8 BOM is skipped
 *  @param opt  options (NULL: the defaults)
 *  @param name the file's name for diagnostics and imp->source (NULL: "table")
 *  @return MC_OK, MC_EFORMAT ("NAME: line L: expected ..."), MC_ENOMEM */
MC_NODISCARD mc_status mc_delim_read(const uint8_t *buf, size_t n, const mc_delim_options *opt,
                                     const char *name, mc_import *out, mc_diag *d);

/** The preset whose content the first bytes (up to 4096) show: "bidmc_csv", "trainred_csv",
 *  "moxy_csv", "vscapture_csv", or NULL. Pure. Thread: any. */
const char *mc_delim_preset(const uint8_t *head, size_t n);

/** The options of a preset recognised by mc_delim_preset from the same bytes, or the defaults
 *  (format "csv"). Thread: any. */
mc_delim_options mc_delim_preset_options(const uint8_t *head, size_t n);

/** 1 when the content is one of the presets, or the name ends in .csv or .tsv; else 0. Pure. */
int mc_delim_detect(const uint8_t *head, size_t n, const char *name);

/** Read the file at `path` with the options of its preset (mc_delim_preset_options), or the
 *  defaults. @return as mc_delim_read, plus MC_ENOTFOUND, MC_EIO */
MC_NODISCARD mc_status mc_delim_import(const char *path, mc_import *out, mc_diag *d);

#endif
