/* SPDX-License-Identifier: MIT */
/* formats/intellivue_internal.h: helpers shared by formats/intellivue.c and
 * formats/intellivue_encode.c (big-endian access, the SPDU length indicator). Never included from
 * outside formats/. */
#ifndef MC_FORMATS_INTELLIVUE_INTERNAL_H
#define MC_FORMATS_INTELLIVUE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"

/* Attribute ids (NOM_ATTR_*, from VSCapture's Class2.cs). */
enum {
    MC__IV_ATTR_NU_CMPD = 0x094B,
    MC__IV_ATTR_NU_VAL = 0x0950,
    MC__IV_ATTR_SA_CMPD = 0x0967,
    MC__IV_ATTR_SA_SPECN = 0x096D,
    MC__IV_ATTR_SA_VAL = 0x096E,
    MC__IV_ATTR_SCALE_I16 = 0x096F,
    MC__IV_ATTR_TIME_ABS = 0x0987,
    MC__IV_ATTR_TIME_PD_SAMP = 0x098D,
    MC__IV_ATTR_TIME_REL = 0x098F,
    MC__IV_ATTR_TIME_PD_POLL = 0xF13E,
};

static inline uint16_t mc__iv_rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t mc__iv_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The PPP CRC-16 (RFC 1662) of bytes, continuing from crc (0xFFFF to start), not complemented. */
unsigned mc__intellivue_crc(unsigned crc, const uint8_t *bytes, size_t n);

/* The body of an association-control SPDU: after the type byte and the length indicator (one
 * byte, or 0xFF and two bytes). MC_EFORMAT when the LI runs past n. */
mc_status mc__intellivue_spdu_li(const uint8_t *msg, size_t n, size_t *body_at, size_t *body_len);

#endif
