/* SPDX-License-Identifier: MIT */
/* dsp/runmed.c: causal running median over a sorted copy of the window (binary search, then one
 * memmove of the values between the leaving and the arriving sample), and the median of an array
 * by quickselect. */
#include "dsp/runmed.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum { WINDOW_MAX = 100000 };

struct mc_runmed {
    size_t w;
    float *ring;   /* [w] last w inputs, oldest at pos; NaN stands for any non-finite sample */
    size_t pos;    /* next slot to overwrite */
    float *sorted; /* [w] the finite samples of ring, ascending; count of them in n_sorted */
    size_t n_sorted;
};

mc_status mc_runmed_create(size_t w, mc_runmed **out)
{
    if (!out)
        return MC_EINVAL;
    *out = NULL;
    if (w == 0 || w > WINDOW_MAX)
        return MC_EINVAL;
    mc_runmed *r = calloc(1, sizeof *r);
    if (!r)
        return MC_ENOMEM;
    r->w = w;
    r->ring = calloc(w, sizeof *r->ring);
    r->sorted = calloc(w, sizeof *r->sorted);
    if (!r->ring || !r->sorted)
        goto fail;
    mc_runmed_reset(r);
    *out = r;
    return MC_OK;
fail:
    mc_runmed_destroy(r);
    return MC_ENOMEM;
}

void mc_runmed_destroy(mc_runmed *r)
{
    if (!r)
        return;
    free(r->ring);
    free(r->sorted);
    free(r);
}

void mc_runmed_reset(mc_runmed *r)
{
    for (size_t i = 0; i < r->w; i++)
        r->ring[i] = (float)NAN;
    r->pos = 0;
    r->n_sorted = 0;
}

/* First index in [lo, hi) whose value is >= v (hi when none); a is ascending and finite. */
static size_t lower_bound(const float *a, size_t lo, size_t hi, float v)
{
    /* Branch-free: halve the length, step over the lower half when its last value is < v (a
     * conditional move), so that unpredictable comparisons cost no mispredictions. */
    const float *base = a + lo;
    size_t len = hi - lo;
    while (len > 1) {
        size_t half = len / 2;
        base = base[half - 1] < v ? base + half : base;
        len -= half;
    }
    return (size_t)(base - a) + (len == 1 && base[0] < v);
}

/* Replaces the window value `old` (present in the sorted array) by `x`. Only the values between
 * the two positions move, so a sample close in value to the one it replaces costs little. Equal
 * values are interchangeable, so removing "an" element equal to old is exact (-0 and +0 compare
 * equal and may swap signs, which no median can see except through the sign of a zero). */
static void replace(mc_runmed *r, float old, float x)
{
    float *s = r->sorted;
    size_t n = r->n_sorted;
    size_t i = lower_bound(s, 0, n, old);
    assert(i < n && s[i] == old);
    if (n <= 64) {
        /* Short windows: shift while comparing, as in insertion sort; no call, no search. */
        if (x >= old) {
            for (; i + 1 < n && s[i + 1] < x; i++)
                s[i] = s[i + 1];
        } else {
            for (; i > 0 && s[i - 1] > x; i--)
                s[i] = s[i - 1];
        }
        s[i] = x;
        return;
    }
    if (x >= old) {
        size_t j = lower_bound(s, i + 1, n, x);
        memmove(s + i, s + i + 1, (j - i - 1) * sizeof *s);
        s[j - 1] = x;
    } else {
        size_t j = lower_bound(s, 0, i, x);
        memmove(s + j + 1, s + j, (i - j) * sizeof *s);
        s[j] = x;
    }
}

static void insert(mc_runmed *r, float x)
{
    float *s = r->sorted;
    size_t j = lower_bound(s, 0, r->n_sorted, x);
    memmove(s + j + 1, s + j, (r->n_sorted - j) * sizeof *s);
    s[j] = x;
    r->n_sorted++;
}

static void erase(mc_runmed *r, float old)
{
    float *s = r->sorted;
    size_t i = lower_bound(s, 0, r->n_sorted, old);
    assert(i < r->n_sorted && s[i] == old);
    memmove(s + i, s + i + 1, (r->n_sorted - i - 1) * sizeof *s);
    r->n_sorted--;
}

/* The mean of the two middle values is formed in double, where the sum of two floats is exact,
 * then rounded once to float. */
static float middle(const float *s, size_t n)
{
    if (n == 0)
        return (float)NAN;
    if (n % 2)
        return s[n / 2];
    return (float)(0.5 * ((double)s[n / 2 - 1] + (double)s[n / 2]));
}

void mc_runmed_process(mc_runmed *r, const float *in, float *out, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        float x = isfinite(in[k]) ? in[k] : (float)NAN;
        float old = r->ring[r->pos];
        if (!isnan(old) && !isnan(x))
            replace(r, old, x);
        else if (!isnan(old))
            erase(r, old);
        else if (!isnan(x))
            insert(r, x);
        r->ring[r->pos] = x;
        if (++r->pos == r->w)
            r->pos = 0;
        out[k] = middle(r->sorted, r->n_sorted);
    }
}

static void swap(float *a, ptrdiff_t i, ptrdiff_t j)
{
    float t = a[i];
    a[i] = a[j];
    a[j] = t;
}

/* Quickselect (Hoare partition around a median of three): returns the k-th smallest of a[0..n)
 * and leaves a[0..k) <= a[k] <= a(k..n). Expected O(n); equal values split evenly between the
 * two sides, so many ties do not make it quadratic. */
static float select_kth(float *a, size_t n, size_t k)
{
    ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
    while (hi > lo) {
        ptrdiff_t mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo])
            swap(a, mid, lo);
        if (a[hi] < a[lo])
            swap(a, hi, lo);
        if (a[hi] < a[mid])
            swap(a, hi, mid);
        float pivot = a[mid];
        ptrdiff_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j)
                swap(a, i++, j--);
        }
        /* Now a[lo..j] <= pivot <= a[i..hi], and anything between j and i equals the pivot. */
        if (kk <= j)
            hi = j;
        else if (kk >= i)
            lo = i;
        else
            return a[kk];
    }
    return a[kk];
}

double mc_median(const float *x, size_t n, float *scratch)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(x[i]))
            scratch[m++] = x[i];
    }
    if (m == 0)
        return (double)NAN;
    size_t k = m / 2;
    double upper = (double)select_kth(scratch, m, k);
    if (m % 2)
        return upper;
    double lower = (double)scratch[0];
    for (size_t i = 1; i < k; i++) {
        if ((double)scratch[i] > lower)
            lower = (double)scratch[i];
    }
    return 0.5 * (lower + upper);
}
