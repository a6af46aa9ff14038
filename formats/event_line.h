/* SPDX-License-Identifier: MIT */
/* formats/event_line.h: parses an event typed at the bedside, one per line:
 *   KIND [@STREAM] [VALUE] [TEXT...]
 * e.g. "occlusion_start", "occlusion_end @nirs_thenar", "mottling 3", "crt 4.5 finger",
 * "note patient moved". */
#ifndef MC_FORMATS_EVENT_LINE_H
#define MC_FORMATS_EVENT_LINE_H

#include <stddef.h>

#include "dsp/event.h"
#include "dsp/status.h"

/** Parse one line (without or with its trailing newline). KIND is a word of letters, digits and
 *  _ (upper case is folded to lower); @STREAM names the stream it concerns; VALUE is a number
 *  (decimal point or comma); TEXT is the rest, printable UTF-8, up to 255 bytes. t_ns is left 0.
 *  Thread: any. Pure.
 *  @param len bytes of `line` (it need not be NUL-terminated)
 *  @return MC_OK; MC_END for a blank line or a comment starting with '#'; MC_EFORMAT with the
 *          byte offset and what was expected */
MC_NODISCARD mc_status mc_event_line_parse(const char *line, size_t len, mc_event *ev, mc_diag *d);

#endif
