/* SPDX-License-Identifier: MIT */
/* tests/guard.h: places bytes at the very end of a readable page followed by a PROT_NONE page, so
 * that a parser reading one byte too far crashes the test (picohttpparser's boundary tests). */
#ifndef MC_TESTS_GUARD_H
#define MC_TESTS_GUARD_H

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct mc_guard {
    char *base;
    size_t size;
} mc_guard;

/* Returns a pointer to a copy of `n` bytes that ends exactly at a PROT_NONE page. */
static inline char *mc_guard_put(mc_guard *g, const void *bytes, size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t pages = (n + page - 1) / page + 1;
    g->size = (pages + 1) * page;
    g->base = mmap(NULL, g->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g->base == MAP_FAILED)
        return NULL;
    mprotect(g->base + pages * page, page, PROT_NONE);
    char *p = g->base + pages * page - n;
    memcpy(p, bytes, n);
    return p;
}

static inline void mc_guard_free(mc_guard *g)
{
    munmap(g->base, g->size);
}

#endif
