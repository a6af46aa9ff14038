/* SPDX-License-Identifier: MIT */
/* formats/device_file.h: device files, the description of a device whose protocol is one line of
 * text per reading (Nonin SenSmart, Medtronic INVOS, Radiometer TOSCA, lab exports; DEVICES.md
 * sections 3, 5, 6, 7), and the pure decoder of one such line into frames of its streams. A live
 * driver splits the serial bytes into lines and calls mc_device_file_decode_line for each.
 *
 * Syntax: formats/ini.h (`key = value`, `[section]`, `#`/`;` comments). Three kinds of section;
 * every key not listed is an error, and a key may appear once per section unless marked (list).
 *
 *     [device]
 *     name = sensmart                # [a-z0-9_-], required
 *     model = Nonin SenSmart X-100   # device_model of the streams, required
 *     description = ...              # free text
 *     baud = 9600                    # transport defaults, handed to the driver as key/values
 *     framing = 8N1                  # data bits, parity N/E/O, stop bits 1/2
 *     rtscts = 0                     # 0 or 1 (hardware handshake)
 *     line_end = crlf                # lf, cr, crlf or any (default any): for the line splitter
 *     request = "\r\n02$"            # bytes the driver sends every request_interval_s
 *     request_interval_s = 1         # > 0; required with request, refused without it
 *     separator = |                  # see below; default whitespace
 *     missing = ---, --.-, --        # comma list of missing-value markers; default ---, --.-
 *     require_prefix = Ch1=          # (list) a line must start with one of these, else skipped
 *     skip_prefix = #                # (list) a line starting with one of these is skipped
 *     skip_if_contains = [bpm]       # (list) a line containing one of these is skipped
 *
 *     [stream]                       # the first stream: the driver names it NAME
 *     modality = nirs                # ppg, ldf, nirs, pco2, other
 *     rate_hz = 0                    # nominal rate, 0 for an irregular stream
 *     [stream.hb]                    # another stream: NAME_hb
 *     ...
 *     [field.rso2_1]                 # one channel; the channel name defaults to rso2_1
 *     stream = hb                    # the stream suffix; default: the [stream] without suffix
 *     channel = rSO2_1               # channel name (mc_name_is_valid), to allow capitals
 *     unit = %                       # UCUM unit, required
 *     column = 3                     # 1-based column after splitting on the separator, and/or
 *     key = rSO2                     # a token `rSO2=...` (searched in the column when one is
 *                                    # given, else in the whole line; tokens end at a separator
 *                                    # or a space)
 *     index = 1                      # 1-based item of the comma list in the text found
 *     scale = 1                      # physical = raw * scale + offset (defaults 1 and 0)
 *     offset = 0
 *     missing = 0                    # markers of this field only (replaces the device's list)
 *
 * Strings: a value in double quotes takes C escapes (\r \n \t \\ \" \xHH); otherwise it is the
 * trimmed text. A '#' or ';' after a space starts a comment, even inside quotes: write
 * `separator = ";"` (the quote comes first) or `skip_prefix = "\x23"`.
 * The separator is `whitespace` (runs of spaces and tabs, none at either end), `tab`, or the
 * literal text (e.g. `|`, `,`, `"  "` for two spaces); each column is trimmed of spaces.
 *
 * Decoding a line: a trailing CR or LF is ignored. An empty line, a line rejected by the filter,
 * and a line on which no field is found are skipped (not errors). A field's text is a missing
 * marker (optionally followed by unit text), or a decimal number [+-]d[.d][e[+-]d] optionally
 * followed by unit text without digits (`078mmHg`, `12.3%`, `088BPM`); anything else makes the
 * line malformed. A stream gets a frame when at least one of its fields is found on the line;
 * its channels whose field is absent or missing are NaN. */
#ifndef MC_FORMATS_DEVICE_FILE_H
#define MC_FORMATS_DEVICE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "dsp/stream.h"

#define MC_DEVICE_FILE_STREAMS_MAX  8    /* streams of one device file */
#define MC_DEVICE_FILE_CHANNELS_MAX 16   /* channels of one stream */
#define MC_DEVICE_FILE_FIELDS_MAX   64   /* fields of one device file */
#define MC_DEVICE_FILE_COLUMNS_MAX  256  /* highest column a field may name */
#define MC_DEVICE_FILE_LINE_MAX     4096 /* longest line decoded, bytes */

/** A parsed device file: opaque, immutable after parsing (decode from any number of threads). */
typedef struct mc_device_file mc_device_file;

/** Why a line gave no frame (mc_device_line.skipped). */
typedef enum mc_device_skip {
    MC_DEVICE_DECODED = 0,   /* not skipped: at least one stream has a frame */
    MC_DEVICE_SKIP_EMPTY,    /* empty or blank line */
    MC_DEVICE_SKIP_FILTERED, /* rejected by require_prefix, skip_prefix or skip_if_contains */
    MC_DEVICE_SKIP_NO_FIELD, /* passed the filter but no field was found on it */
} mc_device_skip;

/** The result of decoding one line: a caller-allocated value (no allocation). */
typedef struct mc_device_line {
    mc_device_skip skipped;
    uint32_t n_streams;                            /* of the device file */
    uint8_t has_frame[MC_DEVICE_FILE_STREAMS_MAX]; /* 1 when stream i gets a frame */
    /* value[i][c]: channel c of stream i, physical units, NaN when missing or absent */
    float value[MC_DEVICE_FILE_STREAMS_MAX][MC_DEVICE_FILE_CHANNELS_MAX];
} mc_device_line;

/** Parse a device file held in memory (need not be NUL-terminated). Thread: any. Allocates.
 *  @param origin_name the file's name, put at the start of every message (NULL reads as "")
 *  @param out         on MC_OK the device file (free with mc_device_file_destroy); NULL otherwise
 *  @param d           on failure `origin:line: what was expected` with the line number
 *  @return MC_OK, MC_EFORMAT (syntax, unknown section or key, bad value, a field naming an
 *          unknown stream, a stream without fields, duplicate channel), MC_ENOMEM */
MC_NODISCARD mc_status mc_device_file_parse(const char *text, size_t n, const char *origin_name,
                                            mc_device_file **out, mc_diag *d);

/** Free a device file. NULL is a no-op. Thread: no decode may be running on it. */
void mc_device_file_destroy(mc_device_file *f);

/** Number of streams (1..MC_DEVICE_FILE_STREAMS_MAX), in the order of their sections, except
 *  that the stream without suffix, when declared, is always stream 0. Thread: any. */
size_t mc_device_file_n_streams(const mc_device_file *f);

/** Suffix of stream i: "" for the [stream] section, "hb" for [stream.hb]. The driver names the
 *  streams NAME and NAME_<suffix>. Thread: any. @return a string owned by f, "" if i is out of
 *  range */
const char *mc_device_file_get_stream_suffix(const mc_device_file *f, size_t i);

/** Describe stream i: modality, rate, channels (names, units, and the fields' scale as device
 *  provenance: scale_gain = 1/scale, scale_offset = -offset/scale, so that 1 and 0 give 1 and 0),
 *  device_model, driver "text"; name is NULL (the driver fills it). Strings and arrays are owned
 *  by f and valid until it is destroyed. Thread: any.
 *  @return MC_OK or MC_EINVAL (i out of range) */
MC_NODISCARD mc_status mc_device_file_get_stream(const mc_device_file *f, size_t i,
                                                 mc_stream_info *info);

/** The device's name (`[device] name`), model and description ("" when absent). Thread: any. */
const char *mc_device_file_get_name(const mc_device_file *f);
const char *mc_device_file_get_model(const mc_device_file *f);
const char *mc_device_file_get_description(const mc_device_file *f);

/** Transport defaults given in the file, as key/values in the order baud, framing, rtscts,
 *  line_end (absent keys are left out; line_end is always there, "any" by default).
 *  Thread: any. @param n number of entries @return an array owned by f */
const mc_kv *mc_device_file_get_transport(const mc_device_file *f, size_t *n);

/** The request the driver sends periodically. Thread: any.
 *  @param n          its length in bytes (0 when the device streams unsolicited)
 *  @param interval_s the period in seconds (0 without a request)
 *  @return the bytes, owned by f (NULL when n is 0) */
const uint8_t *mc_device_file_get_request(const mc_device_file *f, size_t *n, double *interval_s);

/** Decode one line (with or without its line end). Pure. Thread: any. No allocation.
 *  @param line [n] bytes, not NUL-terminated
 *  @param out  filled on MC_OK (skipped or frames); on MC_EFORMAT no stream has a frame
 *  @param d    on MC_EFORMAT the byte offset in the line, and "column N" (1-based byte column
 *              of the line) with the field and what was expected
 *  @return MC_OK, MC_EFORMAT (a field's text is neither a number nor a missing marker, or the
 *          line is longer than MC_DEVICE_FILE_LINE_MAX) */
MC_NODISCARD mc_status mc_device_file_decode_line(const mc_device_file *f, const char *line,
                                                  size_t n, mc_device_line *out, mc_diag *d);

/** The text of a built-in device file (formats/devices/NAME.ini, embedded at build time).
 *  Thread: any. @param name e.g. "sensmart", "invos", "tosca", "periflux_csv"
 *  @return MC_OK and the text (static, not NUL-terminated) in *text, *n; MC_ENOTFOUND */
MC_NODISCARD mc_status mc_device_file_builtin(const char *name, const char **text, size_t *n);

/** Name of built-in device file i, in alphabetical order. Thread: any.
 *  @return a static string, or NULL when i is past the last one */
const char *mc_device_file_builtin_name(size_t i);

/** Parse built-in device file `name` (origin name "builtin:NAME.ini"). Thread: any. Allocates.
 *  @return MC_ENOTFOUND (no such built-in, with a message listing them), else as
 *          mc_device_file_parse */
MC_NODISCARD mc_status mc_device_file_open_builtin(const char *name, mc_device_file **out,
                                                   mc_diag *d);

#endif
