/* SPDX-License-Identifier: MIT */
/* tools/emulate_lines.h: the line devices of `mcirc emulate` (Masimo ASCII 1 from known truth;
 * text captures of any line device, paced by their date-times), used by cmd_emulate.c, which
 * paces them and injects the faults. */
#ifndef MC_TOOLS_EMULATE_LINES_H
#define MC_TOOLS_EMULATE_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"

/** The known truth of the synthetic Masimo lines. */
typedef struct mc_emu_truth {
    double spo2, hr, pi, pvi;
    uint32_t exc, alarm;
    char sn[32];
} mc_emu_truth;

/** One --set argument (k=v[,k=v...]: spo2, hr, pi, pvi, exc, alarm, sn) into t. Prints the
 *  error. @return 1, or 0 on a bad argument */
int mc_emu_lines_parse_set(const char *cmd, const char *arg, mc_emu_truth *t);

/** The Masimo line at device time unix_s (CR LF included); sensor off: dashes and the EXC bit.
 *  @return as mc_masimo_line_format */
mc_status mc_emu_lines_synth(const mc_emu_truth *t, int64_t unix_s, int sensor_off, char *out,
                             size_t cap, size_t *len);

/** A captured Masimo line (with CR LF) during a sensor-off fault: its values dashed and the EXC
 *  bit set, when it parses; otherwise unchanged. */
void mc_emu_lines_sensor_off(char *line, size_t *len, size_t cap);

/** A text capture: its lines (without line ends) and their emulated times (s). */
typedef struct mc_emu_capture {
    char *text;
    char **line;
    double *t_s;
    size_t n;
} mc_emu_capture;

/** Load a capture: a line with a Masimo date-time is due at its time after the first, another
 *  one second after the previous line. Prints the error. @return an exit code (MC_EXIT_*) */
int mc_emu_capture_load(const char *cmd, const char *path, mc_emu_capture *c);

void mc_emu_capture_free(mc_emu_capture *c);

#endif
