/* SPDX-License-Identifier: MIT */
/* formats/wfdb_signal.c: the WFDB signal-file decoders (formats/wfdb.h): bit-packed and byte
 * formats decoded by sample index, so that any range can be read without state, and the FLAC
 * formats through libsndfile reading from memory. Reference: signal(5) of the WFDB Applications
 * Guide. */
#include "formats/wfdb.h"

#include <sndfile.h>
#include <stdlib.h>
#include <string.h>

int mc_wfdb_invalid_value(int format, int32_t *value)
{
    switch (format) {
    case 16:
    case 61:
    case 160:
    case 516:
        *value = -32768;
        return 1;
    case 212:
        *value = -2048;
        return 1;
    case 310:
    case 311:
        *value = -512;
        return 1;
    case 80:
    case 508:
        *value = -128;
        return 1;
    case 24:
    case 524:
        *value = -8388608;
        return 1;
    case 32:
        *value = INT32_MIN;
        return 1;
    default:
        return 0;
    }
}

/* Bytes per sample of the byte-aligned formats, 0 for the others. */
static size_t sample_bytes(int format)
{
    switch (format) {
    case 8:
    case 80:
        return 1;
    case 16:
    case 61:
    case 160:
        return 2;
    case 24:
        return 3;
    case 32:
        return 4;
    default:
        return 0;
    }
}

int64_t mc_wfdb_samples_in(int format, size_t len)
{
    const size_t b = sample_bytes(format);
    if (b)
        return (int64_t)(len / b);
    switch (format) {
    case 212: /* two samples in three bytes; a lone last sample uses two */
        return (int64_t)(2 * (len / 3) + (len % 3 >= 2));
    case 310: /* three samples in two 16-bit words; the first needs only the first word */
        return (int64_t)(3 * (len / 4) + (len % 4 >= 2));
    case 311: /* three samples in one 32-bit word: bits 0-9, 10-19, 20-29 */
        return (int64_t)(3 * (len / 4) + (len % 4 >= 2) + (len % 4 >= 3));
    default:
        return 0;
    }
}

static int32_t sign_extend(uint32_t v, unsigned bits)
{
    const uint32_t m = 1u << (bits - 1);
    v &= (1u << bits) - 1;
    return (int32_t)(v ^ m) - (int32_t)m;
}

static uint32_t le16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

/* Sample k of a byte-aligned or packed format; the caller has checked that its bytes exist.
 * Inlined with a constant format (decode_run), the switch folds away. */
static inline int32_t decode_one(int format, const uint8_t *buf, size_t len, uint64_t k)
{
    switch (format) {
    case 8:
        return (int8_t)buf[k];
    case 80:
        return (int32_t)buf[k] - 128;
    case 16:
        return sign_extend(le16(buf + 2 * k), 16);
    case 61:
        return sign_extend((uint32_t)buf[2 * k] << 8 | buf[2 * k + 1], 16);
    case 160:
        return (int32_t)le16(buf + 2 * k) - 32768;
    case 24:
        return sign_extend(le16(buf + 3 * k) | (uint32_t)buf[3 * k + 2] << 16, 24);
    case 32: {
        const uint8_t *p = buf + 4 * k;
        const uint32_t u = le16(p) | le16(p + 2) << 16;
        return u >= 0x80000000u ? (int32_t)(u - 0x80000000u) + INT32_MIN : (int32_t)u;
    }
    case 212: {
        const uint8_t *p = buf + 3 * (k / 2);
        if (k % 2 == 0)
            return sign_extend(p[0] | (uint32_t)(p[1] & 0x0F) << 8, 12);
        return sign_extend(p[2] | (uint32_t)(p[1] & 0xF0) << 4, 12);
    }
    case 310: {
        const size_t base = 4 * (size_t)(k / 3);
        const uint32_t w0 = le16(buf + base);
        if (k % 3 == 0)
            return sign_extend(w0 >> 1, 10);
        const uint32_t w1 = le16(buf + base + 2);
        if (k % 3 == 1)
            return sign_extend(w1 >> 1, 10);
        /* The third sample: bits 11-15 of each word, the first word's being the low half. */
        return sign_extend((w0 >> 11 & 0x1F) | (w1 >> 11 & 0x1F) << 5, 10);
    }
    case 311: {
        const size_t base = 4 * (size_t)(k / 3);
        uint32_t w = 0;
        for (size_t i = 0; i < 4 && base + i < len; i++)
            w |= (uint32_t)buf[base + i] << (8 * i);
        return sign_extend(w >> (10 * (k % 3)), 10);
    }
    default:
        return 0;
    }
}

/* Samples [k0, k0 + n). */
static inline void decode_run(int format, const uint8_t *buf, size_t len, uint64_t k0, size_t n,
                              int32_t *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = decode_one(format, buf, len, k0 + i);
}

size_t mc_wfdb_decode(int format, const uint8_t *buf, size_t len, int64_t first, size_t n,
                      int32_t *out)
{
    const int64_t avail = mc_wfdb_samples_in(format, len);
    if (first < 0 || first >= avail)
        return 0;
    if ((uint64_t)(avail - first) < n)
        n = (size_t)(avail - first);
    /* Called with a constant format, so that decode_one is inlined with its switch folded: one
     * loop per format, no per-sample call. */
    switch (format) {
    case 8:
        decode_run(8, buf, len, (uint64_t)first, n, out);
        break;
    case 80:
        decode_run(80, buf, len, (uint64_t)first, n, out);
        break;
    case 16:
        decode_run(16, buf, len, (uint64_t)first, n, out);
        break;
    case 61:
        decode_run(61, buf, len, (uint64_t)first, n, out);
        break;
    case 160:
        decode_run(160, buf, len, (uint64_t)first, n, out);
        break;
    case 24:
        decode_run(24, buf, len, (uint64_t)first, n, out);
        break;
    case 32:
        decode_run(32, buf, len, (uint64_t)first, n, out);
        break;
    case 212:
        decode_run(212, buf, len, (uint64_t)first, n, out);
        break;
    case 310:
        decode_run(310, buf, len, (uint64_t)first, n, out);
        break;
    case 311:
        decode_run(311, buf, len, (uint64_t)first, n, out);
        break;
    default:
        memset(out, 0, n * sizeof *out);
    }
    return n;
}

/* libsndfile reading from memory. */
typedef struct mem_file {
    const uint8_t *buf;
    sf_count_t len, pos;
} mem_file;

static sf_count_t mem_len(void *user)
{
    return ((mem_file *)user)->len;
}

static sf_count_t mem_seek(sf_count_t offset, int whence, void *user)
{
    mem_file *m = user;
    sf_count_t base = whence == SEEK_CUR ? m->pos : whence == SEEK_END ? m->len : 0;
    if (offset > m->len || offset < -m->len)
        return -1;
    const sf_count_t p = base + offset;
    if (p < 0 || p > m->len)
        return -1;
    m->pos = p;
    return p;
}

static sf_count_t mem_read(void *ptr, sf_count_t count, void *user)
{
    mem_file *m = user;
    if (count <= 0)
        return 0;
    const sf_count_t n = count < m->len - m->pos ? count : m->len - m->pos;
    memcpy(ptr, m->buf + m->pos, (size_t)n);
    m->pos += n;
    return n;
}

static sf_count_t mem_write(const void *ptr, sf_count_t count, void *user)
{
    (void)ptr;
    (void)count;
    (void)user;
    return 0;
}

static sf_count_t mem_tell(void *user)
{
    return ((mem_file *)user)->pos;
}

mc_status mc_wfdb_decode_flac(int format, const uint8_t *buf, size_t len, int channels,
                              int64_t max_frames, int32_t **out, int64_t *n_frames, mc_diag *d)
{
    *out = NULL;
    *n_frames = 0;
    const int32_t divisor = format == 508 ? 1 << 24 : format == 524 ? 1 << 8 : 1 << 16;
    if (len < 4 || memcmp(buf, "fLaC", 4) != 0)
        return mc_diag_set(d, MC_EFORMAT, 0, -1, "byte 0: expected a FLAC stream ('fLaC')");
    mem_file m = {buf, (sf_count_t)len, 0};
    SF_VIRTUAL_IO vio = {mem_len, mem_seek, mem_read, mem_write, mem_tell};
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open_virtual(&vio, SFM_READ, &info, &m);
    if (!sf)
        return mc_diag_set(d, MC_EFORMAT, 0, -1, "not a FLAC stream libsndfile can read: %s",
                           sf_strerror(NULL));
    if ((info.format & SF_FORMAT_TYPEMASK) != SF_FORMAT_FLAC || info.channels != channels) {
        sf_close(sf);
        return mc_diag_set(d, MC_EFORMAT, 0, -1,
                           "expected a FLAC stream of %d channels (one per signal), found %d",
                           channels, info.channels);
    }
    enum { CHUNK = 4096 };
    int32_t *data = NULL;
    size_t cap = 0; /* frames */
    int64_t got = 0;
    mc_status st = MC_OK;
    while (got < max_frames) {
        const int64_t want = max_frames - got < CHUNK ? max_frames - got : CHUNK;
        if ((size_t)got + (size_t)want > cap) {
            size_t ncap = cap ? cap * 2 : CHUNK, bytes;
            while (ncap < (size_t)got + (size_t)want)
                ncap *= 2;
            if (!mc_size_mul(ncap, (size_t)channels * sizeof(int32_t), &bytes)) {
                st = mc_diag_set(d, MC_ENOMEM, -1, -1, "FLAC stream too large");
                break;
            }
            int32_t *nd = realloc(data, bytes);
            if (!nd) {
                st = mc_diag_set(d, MC_ENOMEM, -1, -1, "out of memory decoding FLAC");
                break;
            }
            data = nd;
            cap = ncap;
        }
        const sf_count_t r = sf_readf_int(sf, data + (size_t)got * (size_t)channels, want);
        if (r <= 0)
            break;
        got += r;
    }
    sf_close(sf);
    if (st != MC_OK) {
        free(data);
        return st;
    }
    for (size_t i = 0; i < (size_t)got * (size_t)channels; i++)
        data[i] /= divisor; /* libsndfile gives integers left-justified in 32 bits */
    *out = data;
    *n_frames = got;
    return MC_OK;
}
