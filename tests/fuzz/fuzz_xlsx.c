/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_xlsx.c: fuzz target of mc_xlsx_read (formats/xlsx.h). An input whose first byte
 * is 'Z' is the archive itself (after that byte); any other input is split at the first NUL into
 * a sheet and a shared-strings part, which the target wraps into a valid ZIP of stored members
 * (CRCs computed here), so that mutations reach the XML scanner instead of stopping at a CRC.
 * Either way the reader sees a heap buffer of exactly the archive's size. Invariants (abort
 * when broken): the status is MC_OK, MC_EFORMAT or MC_ENOMEM; on MC_OK every stream holds the
 * same number of frames and irregular times never decrease. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "formats/xlsx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_xlsx: invariant broken: %s\n", what);
    abort();
}

static void le(uint8_t *p, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A stored ZIP of the members; the caller frees it. */
static uint8_t *wrap(const char *const *names, const uint8_t *const *parts, const size_t *sizes,
                     int count, size_t *out_n)
{
    size_t total = 22;
    for (int i = 0; i < count; i++)
        total += 30 + 46 + 2 * strlen(names[i]) + sizes[i];
    uint8_t *z = calloc(1, total), *cd = calloc(1, total);
    if (!z || !cd) {
        free(z);
        free(cd);
        return NULL;
    }
    size_t n = 0, ncd = 0;
    for (int i = 0; i < count; i++) {
        const uint32_t nl = (uint32_t)strlen(names[i]), len = (uint32_t)sizes[i];
        const uint32_t crc = (uint32_t)crc32(0L, parts[i], len);
        le(z + n, 0x04034b50, 4);
        le(z + n + 14, crc, 4);
        le(z + n + 18, len, 4);
        le(z + n + 22, len, 4);
        le(z + n + 26, nl, 2);
        memcpy(z + n + 30, names[i], nl);
        if (len)
            memcpy(z + n + 30 + nl, parts[i], len);
        le(cd + ncd, 0x02014b50, 4);
        le(cd + ncd + 16, crc, 4);
        le(cd + ncd + 20, len, 4);
        le(cd + ncd + 24, len, 4);
        le(cd + ncd + 28, nl, 2);
        le(cd + ncd + 42, (uint32_t)n, 4);
        memcpy(cd + ncd + 46, names[i], nl);
        n += 30 + nl + len;
        ncd += 46 + nl;
    }
    memcpy(z + n, cd, ncd);
    le(z + n + ncd, 0x06054b50, 4);
    le(z + n + ncd + 8, (uint32_t)count, 2);
    le(z + n + ncd + 10, (uint32_t)count, 2);
    le(z + n + ncd + 12, (uint32_t)ncd, 4);
    le(z + n + ncd + 16, (uint32_t)n, 4);
    free(cd);
    *out_n = n + ncd + 22;
    return z;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *zip;
    size_t n;
    if (size >= 1 && data[0] == 'Z') {
        n = size - 1;
        zip = malloc(n ? n : 1);
        if (!zip)
            return 0;
        if (n)
            memcpy(zip, data + 1, n);
    } else {
        size_t cut = 0;
        while (cut < size && data[cut] != 0)
            cut++;
        const char *names[2] = {"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"};
        const uint8_t *parts[2] = {data, data + (cut < size ? cut + 1 : size)};
        const size_t sizes[2] = {cut, cut < size ? size - cut - 1 : 0};
        zip = wrap(names, parts, sizes, cut < size ? 2 : 1, &n);
        if (!zip)
            return 0;
        /* Exactly n bytes on the heap. */
        uint8_t *exact = malloc(n);
        if (!exact) {
            free(zip);
            return 0;
        }
        memcpy(exact, zip, n);
        free(zip);
        zip = exact;
    }
    mc_import imp;
    mc_import_init(&imp);
    imp.limit_bytes = (size_t)64 << 20;
    mc_diag d;
    mc_diag_clear(&d);
    const mc_status st = mc_xlsx_read(zip, n, "fuzz.xlsx", &imp, &d);
    (void)mc_xlsx_detect(zip, n < 4096 ? n : 4096, "fuzz.xlsx");
    if (st != MC_OK && st != MC_EFORMAT && st != MC_ENOMEM)
        fail("status");
    if (st == MC_OK) {
        for (size_t i = 0; i < imp.n_streams; i++) {
            const mc_import_stream *s = &imp.streams[i];
            if (s->n_frames != imp.streams[0].n_frames || s->n_frames < 1)
                fail("frames");
            for (int64_t k = 1; s->t_ns && k < s->n_frames; k++)
                if (s->t_ns[k] < s->t_ns[k - 1])
                    fail("times decrease");
        }
    }
    mc_import_free(&imp);
    free(zip);
    return 0;
}
