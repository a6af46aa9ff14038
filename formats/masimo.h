/* SPDX-License-Identifier: MIT */
/* formats/masimo.h: Masimo Radical-7 / Rad-8 / Root serial "ASCII 1" lines (FORMATS.md section 9,
 * DEVICES.md section 1): `mm/dd/yy hh:mm:ss` then space-separated KEY=value tokens, parsed by key
 * (the field set differs by model and firmware; unknown keys are ignored). An incremental line
 * splitter for a byte stream (live serial port or a log), the line parser, and the importer of a
 * text log of such lines. */
#ifndef MC_FORMATS_MASIMO_H
#define MC_FORMATS_MASIMO_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "formats/import.h"
#include "formats/text_scan.h"

/** Longest line kept, bytes (a Radical-7 rainbow line is about 200). Longer lines are dropped. */
#define MC_MASIMO_LINE_MAX 511

/** The numeric fields, in the order of mc_masimo_line.value. */
typedef enum mc_masimo_field {
    MC_MASIMO_SPO2 = 0, /* SPO2, %             -> stream "SpO2" */
    MC_MASIMO_BPM,      /* BPM, pulse rate      -> "PR", /min */
    MC_MASIMO_PI,       /* PI, perfusion index  -> "PI", % */
    MC_MASIMO_PVI,      /* PVI, pleth variability index -> "PVI", % */
    MC_MASIMO_SPCO,     /* SPCO, %              -> "SpCO" */
    MC_MASIMO_SPMET,    /* SPMET, %             -> "SpMet" */
    MC_MASIMO_SPHB,     /* SPHB, g/dL           -> "SpHb" */
    MC_MASIMO_SPOC,     /* SPOC, mL/dL          -> "SpOC" */
    MC_MASIMO_DESAT,    /* DESAT, desaturation index -> "DESAT", 1 */
    MC_MASIMO_PIDELTA,  /* PIDELTA, signed      -> "PI_DELTA", % */
    MC_MASIMO_N_FIELDS
} mc_masimo_field;

/** EXC exception bits (Rad-8 manual, MD PnP driver header; DEVICES.md section 1). */
enum {
    MC_MASIMO_EXC_NO_SENSOR = 0x001,
    MC_MASIMO_EXC_DEFECTIVE_SENSOR = 0x002,
    MC_MASIMO_EXC_LOW_PERFUSION = 0x004,
    MC_MASIMO_EXC_PULSE_SEARCH = 0x008,
    MC_MASIMO_EXC_INTERFERENCE = 0x010,
    MC_MASIMO_EXC_SENSOR_OFF = 0x020,
    MC_MASIMO_EXC_AMBIENT_LIGHT = 0x040,
    MC_MASIMO_EXC_UNRECOGNIZED_SENSOR = 0x080,
    MC_MASIMO_EXC_INCOMPATIBLE_SENSOR = 0x100,
    MC_MASIMO_EXC_LOW_SIGNAL_IQ = 0x400,
    MC_MASIMO_EXC_SET_MODE = 0x800,
    MC_MASIMO_EXC_NO_CABLE = 0x1000,
};

/** ALARM bits (MD PnP; best effort: Masimo calls the decoding proprietary). */
enum {
    MC_MASIMO_ALARM_SPO2_HIGH = 0x0001,
    MC_MASIMO_ALARM_SPO2_LOW = 0x0002,
    MC_MASIMO_ALARM_PR_HIGH = 0x0004,
    MC_MASIMO_ALARM_PR_LOW = 0x0008,
    MC_MASIMO_ALARM_ACTIVE = 0x0010,
    MC_MASIMO_ALARM_SILENCED = 0x0020,
    MC_MASIMO_ALARM_LOW_BATTERY = 0x0040,
    MC_MASIMO_ALARM_SPCO_HIGH = 0x0100,
    MC_MASIMO_ALARM_SPCO_LOW = 0x0200,
    MC_MASIMO_ALARM_SPMET_HIGH = 0x0400,
    MC_MASIMO_ALARM_SPMET_LOW = 0x0800,
    MC_MASIMO_ALARM_DESAT = 0x1000,
    MC_MASIMO_ALARM_PI_DELTA = 0x2000,
};

/** One parsed line. */
typedef struct mc_masimo_line {
    int64_t unix_s;                      /* date-time read as UTC (the device clock has no zone) */
    float value[MC_MASIMO_N_FIELDS];     /* physical; NaN when absent or dashes ("---", "--.-") */
    uint8_t present[MC_MASIMO_N_FIELDS]; /* 1 when the key is on the line (even with dashes) */
    uint32_t alarm, exc, exc1;           /* hex bit fields (0 when absent) */
    uint8_t has_alarm, has_exc, has_exc1;
    char serial[32];    /* SN, the device's serial number ("" when absent or dashes) */
    unsigned n_unknown; /* tokens with a key this parser does not know (ignored) */
} mc_masimo_line;

/** Parse one line (without its line end). Thread: any. Pure.
 *  @param line [n] bytes, not NUL-terminated
 *  @param d    on failure, the byte offset in the line (`offset`; the message says "column N",
 *              1-based) and what was expected
 *  @return MC_OK, MC_EFORMAT (no `mm/dd/yy hh:mm:ss` at the start, impossible date, a token
 *          that is not KEY=value, a value that is neither a number nor dashes, bad hex) */
MC_NODISCARD mc_status mc_masimo_line_parse(const char *line, size_t n, mc_masimo_line *out,
                                            mc_diag *d);

/** Write one line in the Radical-7 ASCII 1 layout (DEVICES.md section 1), the inverse of
 *  mc_masimo_line_parse: `mm/dd/yy hh:mm:ss SN=... SPO2=098% BPM=072 PI=03.10% SPCO=01.0%
 *  SPMET=00.5% SPHB=14.2 SPOC=18 DESAT=01 PIDELTA=-02 PVI=027 ALARM=0000 EXC=000820 EXC1=...`
 *  then CR LF. A numeric field is written when its `present` flag is set, zero padded to the
 *  device's width and resolution (SPO2, BPM, PVI: 3 digits; PI: NN.NN; SPCO, SPMET, SPHB: NN.N;
 *  SPOC, DESAT: 2 digits; PIDELTA: sign and 2 digits), rounded to nearest; a NaN value is written
 *  as the device's dashes ("---%", "--.--%", "+--"). SN is always written ("----------" when
 *  `serial` is empty); ALARM (4 hex digits), EXC (6) and EXC1 (8) when their has_ flag is set.
 *  unix_s is written as UTC. Pure. Thread: any.
 *  @param v   the values (`n_unknown` is ignored)
 *  @param out [cap] bytes; NUL-terminated on MC_OK (the NUL is not counted in *len)
 *  @param len bytes written, with the CR LF
 *  @return MC_OK; MC_EINVAL when a value does not fit its field (negative, too many digits,
 *          infinite), the date is outside 2000..2099, or `serial` has a space or control byte;
 *          MC_EOVERRUN when cap is too small (out is then undefined) */
MC_NODISCARD mc_status mc_masimo_line_format(const mc_masimo_line *v, char *out, size_t cap,
                                             size_t *len);

/** Names of the EXC bits set in `exc` ("sensor off, pulse search"), "" when none; unknown bits
 *  are written as hex. Thread: any. @return out */
char *mc_masimo_exc_describe(uint32_t exc, char *out, size_t cap);

/** The line splitter of formats/text_scan.h, set to drop lines longer than MC_MASIMO_LINE_MAX
 *  (a line ends at LF, CR or CR LF; empty lines are skipped). */
typedef mc_line_splitter mc_masimo_splitter;
typedef mc_line_fn mc_masimo_line_fn;

/** Start with no partial line and zero counts. Thread: one per splitter. Real-time safe. */
void mc_masimo_splitter_reset(mc_masimo_splitter *sp);

/** Push any bytes (any split). Thread: one per splitter. Real-time safe (no allocation).
 *  @return MC_OK or the first non-OK status of fn */
MC_NODISCARD mc_status mc_masimo_splitter_push(mc_masimo_splitter *sp, const uint8_t *bytes,
                                               size_t n, mc_masimo_line_fn fn, void *ctx);

/** Deliver a last line that has no line end. Thread: one per splitter.
 *  @return MC_OK or fn's status */
MC_NODISCARD mc_status mc_masimo_splitter_finish(mc_masimo_splitter *sp, mc_masimo_line_fn fn,
                                                 void *ctx);

/** Decode a text log held in memory into an initialised import: one irregular stream per field
 *  that ever has a value (SpO2 %, PR /min, PI %, PVI %, SpCO %, SpMet %, SpHb g/dL, SpOC mL/dL,
 *  DESAT, PI_DELTA %), created at its first value, NaN where later lines have dashes; times from
 *  the lines' date-time (start_unix_ns = the first line's, read as UTC); a change of EXC or ALARM
 *  becomes an event (kind "status" with the flag names, or "alarm"; value = the bits). Lines that
 *  do not parse, and lines earlier than the previous one, are counted and skipped.
 *  Thread: one per import. Allocates.
 *  @param d on MC_OK, a note with the counts and the first bad line; on MC_EFORMAT (no line
 *           parsed) the counts and the first error with its line
 *  @return MC_OK, MC_EFORMAT, MC_ENOMEM */
MC_NODISCARD mc_status mc_masimo_read(const uint8_t *bytes, size_t n, mc_import *out, mc_diag *d);

/** 1 when the first line starts with `mm/dd/yy hh:mm:ss ` followed by a KEY=value token with a
 *  key this parser knows (SN, SPO2, BPM...). Pure. Thread: any. @param name unused (may be NULL) */
int mc_masimo_detect(const uint8_t *head, size_t n, const char *name);

/** Import a text log (mc_masimo_read); sets format "masimo" and the source name; the diagnostic
 *  starts with the file's name. Thread: one per import. Allocates, reads the file.
 *  @return MC_OK, MC_ENOTFOUND, MC_EIO, and as mc_masimo_read */
MC_NODISCARD mc_status mc_masimo_import(const char *path, mc_import *out, mc_diag *d);

#endif
