/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_masimo.c: fuzz target of the Masimo ASCII 1 decoders (formats/masimo.h). The
 * input, in a heap buffer of exactly `size` bytes, is parsed as one line, split into lines whole
 * and in pieces whose sizes come from the input, and imported. Invariants (abort when broken):
 * both splits agree; every line is at most MC_MASIMO_LINE_MAX bytes without CR or LF; a parsed
 * line has a serial of printable bytes and a plausible time; on MC_EFORMAT the offset lies in the
 * line; the import returns MC_OK, MC_EFORMAT or MC_ENOMEM with a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/masimo.h"
#include "tests/fuzz/fuzz_pieces.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_masimo: invariant broken: %s\n", what);
    abort();
}

static void check_line(const char *line, size_t n)
{
    mc_masimo_line l;
    mc_diag d;
    const mc_status st = mc_masimo_line_parse(line, n, &l, &d);
    if (st == MC_OK) {
        /* 2000-01-01 .. 2099-12-31 */
        if (l.unix_s < 946684800 || l.unix_s > 4102444799)
            fail("time");
        for (const char *p = l.serial; *p; p++)
            if (*p < 0x21 || *p > 0x7E)
                fail("serial");
    } else if (st != MC_EFORMAT || d.offset < 0 || d.offset > (int64_t)n) {
        fail("line status or column");
    }
}

typedef struct tally {
    uint64_t lines, sum;
} tally;

static mc_status on_line(void *ctx, const char *line, size_t n, int64_t line_no)
{
    tally *t = ctx;
    if (n == 0 || n > MC_MASIMO_LINE_MAX || strlen(line) > n || line_no < 1)
        fail("line");
    if (memchr(line, '\r', n) || memchr(line, '\n', n))
        fail("line end inside a line");
    t->lines++;
    for (size_t i = 0; i < n; i++)
        t->sum = t->sum * 131 + (uint8_t)line[i];
    t->sum += (uint64_t)line_no;
    check_line(line, n);
    return MC_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = fuzz_copy(data, size);
    mc_masimo_splitter *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    if (!buf || !a || !b) {
        free(buf);
        free(a);
        free(b);
        return 0;
    }
    check_line((const char *)buf, size);

    tally ta = {0, 0}, tb = {0, 0};
    mc_masimo_splitter_reset(a);
    mc_masimo_splitter_reset(b);
    if (mc_masimo_splitter_push(a, buf, size, on_line, &ta) != MC_OK ||
        mc_masimo_splitter_finish(a, on_line, &ta) != MC_OK)
        fail("split status");
    size_t pos = 0, k = 0;
    while (pos < size) {
        size_t piece = fuzz_piece(buf, size, pos, &k, 61);
        if (mc_masimo_splitter_push(b, buf + pos, piece, on_line, &tb) != MC_OK)
            fail("split status");
        pos += piece;
    }
    if (mc_masimo_splitter_finish(b, on_line, &tb) != MC_OK)
        fail("split status");
    if (ta.lines != tb.lines || ta.sum != tb.sum || a->overlong_lines != b->overlong_lines ||
        a->bytes_dropped != b->bytes_dropped || a->lines != ta.lines)
        fail("pieces and whole differ");

    mc_import imp;
    mc_import_init(&imp);
    imp.limit_bytes = (size_t)64 << 20;
    mc_diag d;
    mc_diag_clear(&d);
    const mc_status st = mc_masimo_read(buf, size, &imp, &d);
    if (st != MC_OK && st != MC_EFORMAT && st != MC_ENOMEM) {
        fprintf(stderr, "%s (%d)\n", d.message, (int)st);
        fail("import status");
    }
    if (d.message[0] == '\0')
        fail("no message");
    if (st == MC_OK) {
        for (size_t i = 0; i < imp.n_streams; i++)
            for (int64_t j = 1; j < imp.streams[i].n_frames; j++)
                if (imp.streams[i].t_ns[j] < imp.streams[i].t_ns[j - 1])
                    fail("times go back");
    }
    mc_import_free(&imp);
    free(a);
    free(b);
    free(buf);
    return 0;
}
