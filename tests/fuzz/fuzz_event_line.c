/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_event_line.c: fuzz target of mc_event_line_parse (formats/event_line.h). The
 * input is the line itself, passed with its length and NOT NUL-terminated: it is copied into a
 * heap buffer of exactly `size` bytes, so that AddressSanitizer catches any read past it.
 * Invariants (abort when broken): the status is MC_OK, MC_END or MC_EFORMAT; on MC_OK the kind is
 * a non-empty lower-case word starting with a letter, kind, stream and text are NUL-terminated
 * within their arrays, the stream has the name syntax, t_ns is 0 and the value is NaN or finite;
 * on MC_EFORMAT the diagnostic's offset lies within [0, size]. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/event_line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_event_line: invariant broken: %s\n", what);
    abort();
}

static int terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static void check_ok(const mc_event *ev)
{
    if (!terminated(ev->kind, sizeof ev->kind) || !terminated(ev->stream, sizeof ev->stream) ||
        !terminated(ev->text, sizeof ev->text))
        fail("a string is not NUL-terminated within its array");
    if (!(ev->kind[0] >= 'a' && ev->kind[0] <= 'z'))
        fail("kind empty or not starting with a letter");
    for (const char *p = ev->kind; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            fail("kind character");
    for (const char *p = ev->stream; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.'))
            fail("stream character");
    for (const char *p = ev->text; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t')
            fail("control character in text");
    if (!isnan(ev->value) && !isfinite(ev->value))
        fail("value neither NaN nor finite");
    if (ev->t_ns != 0)
        fail("t_ns not left 0");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size ? size : 1);
    if (!line)
        return 0;
    if (size)
        memcpy(line, data, size);
    mc_event ev;
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_event_line_parse(line, size, &ev, &d);
    if (st == MC_OK) {
        check_ok(&ev);
    } else if (st == MC_EFORMAT) {
        if (d.offset < 0 || (uint64_t)d.offset > size)
            fail("diagnostic offset outside [0, size]");
        if (!terminated(d.message, sizeof d.message) || !d.message[0])
            fail("diagnostic message empty or unterminated");
    } else if (st != MC_END) {
        fail("status other than MC_OK, MC_END or MC_EFORMAT");
    }
    /* Pure: the same line parses the same way, and without a diagnostic too. */
    mc_event again;
    if (mc_event_line_parse(line, size, &again, NULL) != st)
        fail("status depends on the diagnostic");
    if (st == MC_OK && (strcmp(again.kind, ev.kind) != 0 || strcmp(again.stream, ev.stream) != 0 ||
                        strcmp(again.text, ev.text) != 0))
        fail("a second parse differs");
    free(line);
    return 0;
}
