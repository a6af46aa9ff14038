/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_pieces.h: what the incremental-decoder fuzz targets share: the input copied
 * into a heap buffer of exactly its size (so that any over-read is caught), and the pieces of
 * a "whole versus in pieces" check, whose sizes come from the input itself. */
#ifndef MC_TESTS_FUZZ_PIECES_H
#define MC_TESTS_FUZZ_PIECES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/** The input in its own heap buffer of `size` bytes (1 for an empty input), or NULL. */
static inline uint8_t *fuzz_copy(const uint8_t *data, size_t size)
{
    uint8_t *buf = calloc(size ? size : 1, 1);
    if (buf && size)
        memcpy(buf, data, size);
    return buf;
}

/** Length of the next piece of buf[pos..size), 1..max bytes chosen by the input's bytes in turn
 *  (*k counts them); pos < size. */
static inline size_t fuzz_piece(const uint8_t *buf, size_t size, size_t pos, size_t *k, size_t max)
{
    size_t piece = 1 + buf[(*k)++ % size] % max;
    return piece < size - pos ? piece : size - pos;
}

#endif
