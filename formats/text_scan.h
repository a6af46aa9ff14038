/* SPDX-License-Identifier: MIT */
/* formats/text_scan.h: bounded scanning of text exports (lines of a buffer that is not
 * NUL-terminated, numbers and clock times in fields, calendar dates, units written the way
 * devices write them), shared by the LabChart, NIRx and delimited-text importers. */
#ifndef MC_FORMATS_TEXT_SCAN_H
#define MC_FORMATS_TEXT_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "dsp/stream.h"

/** A view of bytes inside a caller's buffer (not NUL-terminated). */
typedef struct mc_text_span {
    const char *p;
    size_t n;
} mc_text_span;

/** The next line of buf[0..n) from *pos: the line without its LF or CRLF (a lone CR also ends a
 *  line), *pos moved past the line end. Thread: any.
 *  @return 1 and the line, or 0 at the end of the buffer */
int mc_text_next_line(const char *buf, size_t n, size_t *pos, mc_text_span *line);

/** Length of a UTF-8 byte order mark at the start of buf (3 or 0). Thread: any. */
size_t mc_text_bom(const uint8_t *buf, size_t n);

/** The span without leading and trailing blanks (space, TAB, CR). Thread: any. */
mc_text_span mc_text_trim(mc_text_span s);

/** Does the span equal the NUL-terminated word, ignoring ASCII case? Thread: any. */
int mc_text_eq(mc_text_span s, const char *word);

/** Does the span start with the word, ignoring ASCII case? Thread: any. */
int mc_text_starts(mc_text_span s, const char *word);

/** Parse a whole field (blanks around allowed) as a decimal number: [+-]digits[.digits][e[+-]d],
 *  or NaN/nan. With decimal_comma, one ',' is the decimal separator instead of '.'. No hex, no
 *  inf, nothing after the number. Thread: any (C locale of strtod).
 *  @return 1 and *out, or 0 when the field is not such a number */
int mc_text_number(mc_text_span s, int decimal_comma, double *out);

/** Parse a clock time h:mm[:ss[.frac]] (h up to 999) into ns since midnight. Thread: any.
 *  @return 1 and *ns, or 0 */
int mc_text_clock(mc_text_span s, int64_t *ns);

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
int64_t mc_text_days_from_civil(int64_t y, unsigned m, unsigned d);

/** Parse a date: dd/mm/yyyy (day_first) or mm/dd/yyyy, yyyy-mm-dd, with '/', '-' or '.';
 *  years 1900..2200 (yy = 20yy). Thread: any. @return 1 and days since 1970 in *days, or 0 (also
 * for impossible dates) */
int mc_text_date(mc_text_span s, int day_first, int64_t *days);

/** Parse a date without a year: dd-Mon (06-Feb) or mm-dd (02-06). Thread: any.
 *  @return 1 and the day of the year counted from 0 in a non-leap year, or 0 */
int mc_text_date_no_year(mc_text_span s, int *day_of_year);

/** A unit as a device writes it turned into UCUM where the mapping is obvious (pu → PU,
 *  mmHg → mm[Hg], µM/uM → umol/L, °C → Cel, bpm → /min), else the source's text (trimmed, cut
 *  to MC_NAME_MAX bytes, bytes outside printable ASCII replaced by '?'). Thread: any. @return out
 */
char *mc_text_unit(mc_text_span unit, char out[MC_NAME_MAX + 1]);

/* ---- the line splitter of a byte stream (a serial port, a log) ---------------------------- */

/** Longest line a splitter can keep, bytes. */
#define MC_LINE_SPLITTER_MAX 4096

/** Incremental line splitter: a caller-allocated value, no allocation. A line ends at LF, CR or
 *  CR LF; empty lines are skipped; a line longer than its `max` is dropped up to its end and
 *  counted. Fields other than the counts are private. Thread: one per splitter. */
typedef struct mc_line_splitter {
    char line[MC_LINE_SPLITTER_MAX + 1];
    size_t len, max;
    int overlong, after_cr;
    int64_t line_no;         /* number of the line being received (1-based) */
    uint64_t lines;          /* non-empty lines delivered */
    uint64_t overlong_lines; /* lines dropped for their length */
    uint64_t bytes_dropped;  /* bytes of those lines */
} mc_line_splitter;

/** Called for every complete non-empty line (bytes without the line end, NUL-terminated for
 *  convenience; line_no is 1-based). A status other than MC_OK stops the push. */
typedef mc_status (*mc_line_fn)(void *ctx, const char *line, size_t n, int64_t line_no);

/** Start with no partial line and zero counts; lines longer than `max` bytes (1..
 *  MC_LINE_SPLITTER_MAX, clamped) are dropped. Thread: one per splitter. Real-time safe. */
void mc_line_splitter_reset(mc_line_splitter *sp, size_t max);

/** Forget a partial line (the stream was cut: a device reconnected), keeping the counts.
 *  Thread: one per splitter. Real-time safe. */
void mc_line_splitter_restart(mc_line_splitter *sp);

/** Push any bytes (any split). Thread: one per splitter. Real-time safe (no allocation).
 *  @return MC_OK or the first non-OK status of fn */
MC_NODISCARD mc_status mc_line_splitter_push(mc_line_splitter *sp, const uint8_t *bytes, size_t n,
                                             mc_line_fn fn, void *ctx);

/** Deliver a last line that has no line end. Thread: one per splitter.
 *  @return MC_OK or fn's status */
MC_NODISCARD mc_status mc_line_splitter_finish(mc_line_splitter *sp, mc_line_fn fn, void *ctx);

#endif
