/* SPDX-License-Identifier: MIT */
/* formats/intellivue.h: Philips IntelliVue (MX/MP) Data Export protocol (DEVICES.md section 2):
 * the MIB/RS-232 frame codec, the FLOAT-Type, the messages a live driver sends (association
 * request, MDS Create Event Result, poll requests, keep-alive), the parsers of what a monitor
 * sends (association result, MDS Create Event Report, poll results with numerics and sample
 * arrays), and encoders of the monitor's messages for an emulator. Pure: no I/O, no allocation.
 *
 * Where the layouts come from. Philips' "Data Export Interface Programming Guide" was not
 * available; the layouts were read from the public C# code of xeonfusion/VSCaptureMP (Class2.cs:
 * constants and the fixed request messages; Class3.cs: the serial framing, the FCS, the parsing
 * offsets) and re-derived here; no code was copied. Every message on LAN (UDP, port 24105, one
 * message per datagram) and inside a serial frame is big-endian:
 * - Association control: one byte of session SPDU type (0x0D request, 0x0E accepted, 0x0C
 *   refused, 0x09 release request, 0x0A release result, 0x19 abort), then a length indicator LI
 *   (one byte, or 0xFF and two bytes big-endian) giving the number of bytes that follow.
 * - Data export: SPpdu {session_id 0xE100, p_context_id u16}, ROapdus {ro_type u16 (1 invoke,
 *   2 result, 3 error, 5 linked result), length u16 = bytes after it}, then for a linked result
 *   RolrsId {state u8 (1 first, 2 not first/not last, 3 last), count u8}, then ROIV/RORS
 *   {invoke_id u16, command_type u16, length u16}.
 * - Confirmed event report (command 1): managed object {class u16, context u16, handle u16},
 *   event_time u32, event_type u16 (0x0D06 MDS create), length u16, MDSCreateInfo {managed
 *   object, AttributeList}. The MDS Create Event Result echoes class/context/handle, a time, the
 *   event type and length 0 (VSCapture sends a fixed copy with invoke id 1; we echo the report's
 *   invoke id and event time, as a result must answer its invocation).
 * - Confirmed action (command 7): managed object, scope u32 (requests only), action_type u16
 *   (0x0C16 single poll, 0xF13B extended poll), length u16. Poll request: poll_number u16,
 *   polled_obj_type {partition u16 (1), code u16}, polled_attr_grp u16, and for the extended
 *   poll an AttributeList (optionally NOM_ATTR_TIME_PD_POLL 0xF13E = how long the monitor keeps
 *   answering, relative time). Poll reply: poll_number, [sequence_no u16: extended only],
 *   rel_time_stamp u32, abs_time_stamp 8 BCD bytes, polled_obj_type, polled_attr_grp, then
 *   PollInfoList {count, length, SingleContextPoll {context_id, count, length, ObservationPoll
 *   {obj_handle u16, AttributeList {count, length, AVA {attribute_id u16, length u16, value}}}}}.
 * - NuObsValue (0x0950) = physio_id u16, state u16, unit_code u16, value FLOAT; the compound
 *   (0x094B) is {count u16, length u16, NuObsValue[count]}. SaObsValue (0x096E) = physio_id,
 *   state, {length u16, bytes}; compound 0x0967 likewise. SaSpec (0x096D) = array_size u16,
 *   sample_size u8 (bits), significant_bits u8, flags u16. ScaleRangeSpec16 (0x096F) =
 *   lower/upper absolute value FLOAT, lower/upper scaled value u16. Sample period (0x098D) = u32
 *   relative time. Relative times count 1/8 ms ticks.
 * Assumed (not in VSCapture): the body of an association result (we check its SPDU type and LI
 * only, as VSCapture does), the meaning of the extended-poll option bits of the association
 * request (kept byte for byte), the FLOAT special values other than NaN (from IEEE 11073-20601,
 * which the FLOAT-Type follows). */
#ifndef MC_FORMATS_INTELLIVUE_H
#define MC_FORMATS_INTELLIVUE_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"

/** UDP port of the monitor's Data Export over LAN. */
#define MC_INTELLIVUE_UDP_PORT 24105
/** Serial line: 115200 baud, 8N1, no handshake. */
#define MC_INTELLIVUE_BAUD 115200
/** Longest user data a frame may carry (the decoder's buffer), bytes. */
#define MC_INTELLIVUE_DATA_MAX 8192
/** Relative-time ticks per second (1/8 ms). */
#define MC_INTELLIVUE_TICKS_PER_S 8000

/* Identifiers (decimal values from VSCapture's Class2.cs; DEVICES.md section 2). */
enum {
    MC_INTELLIVUE_SPO2 = 19384,       /* NOM_PULS_OXIM_SAT_O2 */
    MC_INTELLIVUE_PULSE_RATE = 18466, /* NOM_PLETH_PULS_RATE */
    MC_INTELLIVUE_PERF = 19376,       /* NOM_PULS_OXIM_PERF_REL, relative perfusion index */
    MC_INTELLIVUE_PLETH = 19380,      /* NOM_PLETH (wave) */
    MC_INTELLIVUE_STO2 = 63840,       /* NOM_SAT_O2_TISSUE */
    MC_INTELLIVUE_TCPCO2 = 20684,     /* NOM_CO2_TCUT */
    MC_INTELLIVUE_TCPO2 = 20688,      /* NOM_O2_TCUT */
    MC_INTELLIVUE_UNIT_PERCENT = 544,
    MC_INTELLIVUE_UNIT_PER_MIN = 2720,
    MC_INTELLIVUE_UNIT_MMHG = 3872,
    MC_INTELLIVUE_UNIT_KPA = 3843,
    MC_INTELLIVUE_UNIT_NONE = 512, /* NOM_DIM_DIMLESS */
};

/* Object classes polled (NOM_MOC_*). */
enum {
    MC_INTELLIVUE_OBJ_NUMERIC = 6,    /* NOM_MOC_VMO_METRIC_NU */
    MC_INTELLIVUE_OBJ_WAVE = 9,       /* NOM_MOC_VMO_METRIC_SA_RT */
    MC_INTELLIVUE_OBJ_MDS = 33,       /* NOM_MOC_VMS_MDS */
    MC_INTELLIVUE_ATTR_GROUP_ALL = 0, /* polled_attr_grp: every attribute */
    MC_INTELLIVUE_EVENT_MDS_CREATE = 0x0D06,
    MC_INTELLIVUE_ACTION_POLL = 0x0C16,     /* NOM_ACT_POLL_MDIB_DATA */
    MC_INTELLIVUE_ACTION_POLL_EXT = 0xF13B, /* NOM_ACT_POLL_MDIB_DATA_EXT */
    MC_INTELLIVUE_RO_INVOKE = 1,            /* ROIV_APDU */
    MC_INTELLIVUE_RO_RESULT = 2,            /* RORS_APDU */
    MC_INTELLIVUE_RO_ERROR = 3,             /* ROER_APDU */
    MC_INTELLIVUE_RO_LINKED = 5,            /* ROLRS_APDU */
};

/* ---- MIB/RS-232 framing ------------------------------------------------------------------- */

/** Counts kept by the frame decoder. */
typedef struct mc_intellivue_stats {
    uint64_t frames_good;   /* delivered */
    uint64_t bad_fcs;       /* complete frames whose FCS is wrong */
    uint64_t short_frames;  /* complete frames of 6 bytes or fewer (header + FCS at most) */
    uint64_t bad_header;    /* right FCS, but not {0x11, 0x01} or a length that disagrees */
    uint64_t oversize;      /* frames longer than MC_INTELLIVUE_DATA_MAX + 6, discarded */
    uint64_t aborted;       /* frames cut by a new BOF or by 0x7D before BOF/EOF */
    uint64_t garbage_bytes; /* bytes outside any frame */
} mc_intellivue_stats;

/** The incremental frame decoder: caller-allocated, no allocation. Fields are private except
 *  `stats`. Thread: one per decoder. Initialise with mc_intellivue_decoder_reset. */
typedef struct mc_intellivue_decoder {
    uint8_t frame[MC_INTELLIVUE_DATA_MAX + 6]; /* unescaped header, user data, FCS */
    size_t len;
    int state; /* outside, inside, after 0x7D, discarding an oversize frame */
    mc_intellivue_stats stats;
} mc_intellivue_decoder;

/** Called for each good frame with its user data (header and FCS removed; n >= 1). The bytes
 *  are the decoder's, valid during the call only. A non-OK status stops the push and is
 *  returned by it. */
typedef mc_status (*mc_intellivue_frame_fn)(void *ctx, const uint8_t *data, size_t n);

/** Forget any partial frame and zero the counts. Thread: one per decoder. Real-time safe. */
void mc_intellivue_decoder_reset(mc_intellivue_decoder *dec);

/** Push any number of received bytes (a frame may span pushes). Frames of 6 bytes or fewer, with
 *  a bad FCS, a wrong header or too long are counted and dropped, never fatal. Thread: one per
 *  decoder. Real-time safe.
 *  @param fn called per good frame (NULL: frames are only counted)
 *  @return MC_OK, or the first non-OK status of fn (the rest of the bytes is not read) */
MC_NODISCARD mc_status mc_intellivue_decoder_push(mc_intellivue_decoder *dec, const uint8_t *bytes,
                                                  size_t n, mc_intellivue_frame_fn fn, void *ctx);

/** The FCS of bytes as transmitted: PPP CRC-16 (RFC 1662: reflected polynomial 0x8408, initial
 *  0xFFFF) then ones' complement (so "123456789" gives 0x906E). It is sent low byte first.
 *  Thread: any. Pure. */
uint16_t mc_intellivue_fcs(const uint8_t *bytes, size_t n);

/** Bytes that mc_intellivue_frame_encode may write for n bytes of user data. */
#define MC_INTELLIVUE_FRAME_ENCODED_MAX(n) (2 * ((size_t)(n) + 6) + 2)

/** Frame user data: BOF, then header {0x11, 0x01, n_hi, n_lo}, the data and the FCS (over
 *  header and data) with 0xC0, 0xC1 and 0x7D escaped as 0x7D, x ^ 0x20, then EOF. The inverse
 *  of the decoder. Thread: any. Pure.
 *  @param n 1..MC_INTELLIVUE_DATA_MAX  @param cap MC_INTELLIVUE_FRAME_ENCODED_MAX(n) suffices
 *  @return MC_OK, MC_EINVAL (n out of range, cap too small) */
MC_NODISCARD mc_status mc_intellivue_frame_encode(const uint8_t *data, size_t n, uint8_t *out,
                                                  size_t cap, size_t *len, mc_diag *d);

/* ---- FLOAT-Type ---------------------------------------------------------------------------- */

/** FLOAT-Type special values (NaN from VSCapture; the others from IEEE 11073-20601). */
#define MC_INTELLIVUE_FLOAT_NAN     0x007FFFFFu
#define MC_INTELLIVUE_FLOAT_NRES    0x00800000u /* not at this resolution */
#define MC_INTELLIVUE_FLOAT_POS_INF 0x007FFFFEu
#define MC_INTELLIVUE_FLOAT_NEG_INF 0x00800002u

/** Value of a FLOAT-Type: mantissa (low 24 bits, signed) times 10^exponent (top 8 bits,
 *  signed). NaN, NRes and the reserved 0x00800001 give NaN; the infinities give +-INFINITY.
 *  Thread: any. Pure. */
double mc_intellivue_float_decode(uint32_t f);

/** FLOAT-Type of a value: the shortest exact decimal form with at most 7 significant digits
 *  (e.g. 2.5 -> exponent -1, mantissa 25), else the closest with a mantissa of at most
 *  +-8388605; NaN -> MC_INTELLIVUE_FLOAT_NAN, infinities and values beyond the range -> the
 *  infinities. Thread: any. Pure. */
uint32_t mc_intellivue_float_encode(double v);

/* ---- messages ------------------------------------------------------------------------------ */

/** What a message is, from its first bytes. */
typedef enum mc_intellivue_kind {
    MC_INTELLIVUE_UNKNOWN = 0,
    MC_INTELLIVUE_ASSOC_REQUEST,  /* 0x0D */
    MC_INTELLIVUE_ASSOC_ACCEPTED, /* 0x0E */
    MC_INTELLIVUE_ASSOC_REFUSED,  /* 0x0C */
    MC_INTELLIVUE_RELEASE_REQUEST,
    MC_INTELLIVUE_RELEASE_RESULT,
    MC_INTELLIVUE_ABORT,
    MC_INTELLIVUE_DATA, /* 0xE1 0x00: data export (mc_intellivue_data_parse) */
} mc_intellivue_kind;

/** Kind of a message by its first bytes only (no validation). Thread: any. Pure. */
mc_intellivue_kind mc_intellivue_classify(const uint8_t *msg, size_t n);

/** Recognise an association result. Thread: any. Pure.
 *  @param accepted 1 for an AC SPDU (0x0E), 0 for a refusal (0x0C)
 *  @return MC_OK, MC_EFORMAT (another SPDU, or an LI that runs past n) */
MC_NODISCARD mc_status mc_intellivue_assoc_result_parse(const uint8_t *msg, size_t n, int *accepted,
                                                        mc_diag *d);

/** The remote-operation header of a data-export message. */
typedef struct mc_intellivue_data {
    uint16_t context_id;  /* p_context_id of the SPpdu */
    uint16_t ro_type;     /* 1 invoke, 2 result, 3 error, 5 linked result */
    uint8_t linked_state; /* linked result: 1 first, 2 middle, 3 last; else 0 */
    uint8_t linked_count; /* linked result: running count; else 0 */
    uint16_t invoke_id;
    uint16_t command_type; /* 1 confirmed event report, 7 confirmed action, ...; for an error
                              (ro_type 3, ROERapdu) the error value */
    const uint8_t *body;   /* the command's body (after its length), borrowed from msg */
    size_t body_len;
} mc_intellivue_data;

/** Parse the headers of a data-export message. Lengths must agree with n (trailing bytes
 *  after the ROapdus length are an error). Thread: any. Pure.
 *  @return MC_OK, MC_EFORMAT (not 0xE1 0x00, truncated, lengths inconsistent) with the byte
 *          offset */
MC_NODISCARD mc_status mc_intellivue_data_parse(const uint8_t *msg, size_t n,
                                                mc_intellivue_data *out, mc_diag *d);

/** An MDS Create Event Report (what the monitor sends after accepting the association). */
typedef struct mc_intellivue_event_report {
    uint16_t invoke_id; /* to answer with mc_intellivue_mds_create_result_encode */
    uint16_t context_id;
    uint16_t obj_class; /* managed object: 33 (MDS) */
    uint16_t obj_context;
    uint16_t obj_handle;
    uint32_t event_time; /* relative time, ticks */
    uint16_t event_type; /* 0x0D06 */
    int has_time_rel;    /* NOM_ATTR_TIME_REL (0x098F) present */
    uint32_t time_rel;   /* ticks: the baseline of the relative time stamps */
    int has_time_abs;    /* NOM_ATTR_TIME_ABS (0x0987) present */
    uint8_t time_abs[8]; /* BCD century, year, month, day, hour, minute, second, fraction */
} mc_intellivue_event_report;

/** Parse an MDS Create Event Report. Thread: any. Pure.
 *  @return MC_OK, MC_EFORMAT (not an event report (confirmed or not) of type 0x0D06,
 *          truncated, an attribute running past its list) */
MC_NODISCARD mc_status mc_intellivue_event_report_parse(const uint8_t *msg, size_t n,
                                                        mc_intellivue_event_report *out,
                                                        mc_diag *d);

/** One observed numeric of a poll result. */
typedef struct mc_intellivue_numeric {
    uint16_t context_id;
    uint16_t obj_handle;
    uint16_t physio_id; /* MC_INTELLIVUE_SPO2, ... */
    uint16_t state;     /* MeasurementState bits; 0x8000 invalid, 0x4000 questionable, ... */
    uint16_t unit_code; /* MC_INTELLIVUE_UNIT_PERCENT, ... */
    uint32_t raw;       /* the FLOAT-Type */
    double value;       /* mc_intellivue_float_decode(raw) */
} mc_intellivue_numeric;

/** Scale of a sample array (ScaleRangeSpec16): scaled values map linearly onto absolute ones. */
typedef struct mc_intellivue_scale {
    double lower_abs, upper_abs;         /* physical values (FLOAT-Type decoded) */
    uint16_t lower_scaled, upper_scaled; /* the sample values they correspond to */
} mc_intellivue_scale;

/** One sample array (wave) of a poll result, with the specifications the same observation
 *  carried (a monitor may send them in an earlier poll only: keep them per obj_handle). */
typedef struct mc_intellivue_wave {
    uint16_t context_id;
    uint16_t obj_handle;
    uint16_t physio_id; /* MC_INTELLIVUE_PLETH, ... */
    uint16_t state;
    const uint8_t *data; /* big-endian 16-bit samples, borrowed from the message */
    size_t n_samples;
    int has_spec; /* NOM_ATTR_SA_SPECN */
    uint16_t array_size;
    uint8_t sample_size; /* bits per sample (16) */
    uint8_t significant_bits;
    uint16_t flags;
    int has_scale; /* NOM_ATTR_SCALE_SPECN_I16 */
    mc_intellivue_scale scale;
    int has_period;        /* NOM_ATTR_TIME_PD_SAMP */
    uint32_t period_ticks; /* sample period, 1/8 ms ticks */
} mc_intellivue_wave;

/** The header of a poll result. */
typedef struct mc_intellivue_poll {
    uint16_t invoke_id;
    uint8_t linked_state; /* 0 for a single result, 1..3 for linked results */
    uint16_t action_type; /* MC_INTELLIVUE_ACTION_POLL or _POLL_EXT */
    uint16_t poll_number;
    uint16_t sequence_no; /* extended poll only, else 0 */
    uint32_t rel_time;    /* ticks */
    uint8_t abs_time[8];  /* BCD */
    uint16_t obj_code;    /* polled object class: 6 numerics, 9 waves, 33 MDS */
    uint16_t attr_group;
    size_t n_numerics; /* counted by the parser */
    size_t n_waves;
} mc_intellivue_poll;

/** Callbacks of mc_intellivue_poll_parse; either may be NULL. A non-OK status stops the parse
 *  and is returned. The structs are valid during the call only. */
typedef struct mc_intellivue_poll_fns {
    mc_status (*numeric)(void *ctx, const mc_intellivue_numeric *v);
    mc_status (*wave)(void *ctx, const mc_intellivue_wave *w);
    void *ctx;
} mc_intellivue_poll_fns;

/** Parse a poll result (single or extended, single or linked): fills out's header and calls
 *  back per numeric (NOM_ATTR_NU_VAL_OBS and each element of NOM_ATTR_NU_CMPD_VAL_OBS) and per
 *  sample array (NOM_ATTR_SA_VAL_OBS and compound 0x0967), in message order. Other attributes
 *  are skipped. Thread: any. Pure.
 *  @return MC_OK, MC_EFORMAT (not a poll result, truncated, a list or attribute running past
 *          its container, a wave of an odd byte count) with the byte offset, or a callback's
 *          status */
MC_NODISCARD mc_status mc_intellivue_poll_parse(const uint8_t *msg, size_t n,
                                                mc_intellivue_poll *out,
                                                const mc_intellivue_poll_fns *fns, mc_diag *d);

/** The i-th sample of a wave as sent (big-endian 16 bits). Thread: any. Pure. */
uint16_t mc_intellivue_wave_sample(const mc_intellivue_wave *w, size_t i);

/** Physical values of a wave: each sample keeps its low significant_bits (12 when the wave has
 *  no spec: VSCapture's default for Pleth), then maps linearly through the scale (no scale, or
 *  one with lower_scaled == upper_scaled: the counts themselves). Thread: any. Pure.
 *  @param scale the wave's scale, or one kept from an earlier poll, or NULL
 *  @param out [cap]; @return MC_OK, MC_EINVAL (cap < n_samples) */
MC_NODISCARD mc_status mc_intellivue_wave_physical(const mc_intellivue_wave *w,
                                                   const mc_intellivue_scale *scale, float *out,
                                                   size_t cap);

/* ---- what a driver sends (formats/intellivue_encode.c) -------------------------------------- */

/** Room enough for every request below. */
#define MC_INTELLIVUE_REQUEST_MAX 320

/** Association request: VSCapture's fixed blob (Class2.cs aarq_msg) asking for numerics every
 *  second (extended poll option bits 0x8C), or with waves (aarq_msg_wave_ext_poll: minimum poll
 *  period 1000 ticks, option bits 0x88). Thread: any. Pure.
 *  @return MC_OK, MC_EINVAL (cap too small) */
MC_NODISCARD mc_status mc_intellivue_assoc_request_encode(int with_waves, uint8_t *out, size_t cap,
                                                          size_t *len, mc_diag *d);

/** The MDS Create Event Result answering a report (28 bytes): invoke id, managed object and
 *  event time echoed. Thread: any. Pure. @return MC_OK, MC_EINVAL (cap < 28) */
MC_NODISCARD mc_status mc_intellivue_mds_create_result_encode(
    const mc_intellivue_event_report *report, uint8_t *out, size_t cap, size_t *len, mc_diag *d);

/** A poll request. */
typedef struct mc_intellivue_poll_request {
    uint16_t invoke_id;
    uint16_t poll_number;
    int extended;          /* 1: NOM_ACT_POLL_MDIB_DATA_EXT, 0: single poll */
    uint16_t obj_code;     /* MC_INTELLIVUE_OBJ_NUMERIC, _WAVE, _MDS */
    uint16_t attr_group;   /* 0: all */
    uint32_t period_ticks; /* extended only: NOM_ATTR_TIME_PD_POLL, 0 to leave it out */
} mc_intellivue_poll_request;

/** Encode a poll request (ROIV, confirmed action on the MDS {33, 0, 0}, scope 0). With
 *  {invoke 1, poll 1, extended, numerics, group 0, no period} it is VSCapture's
 *  ext_poll_request_msg byte for byte. Thread: any. Pure.
 *  @return MC_OK, MC_EINVAL (period with a single poll, cap too small) */
MC_NODISCARD mc_status mc_intellivue_poll_request_encode(const mc_intellivue_poll_request *req,
                                                         uint8_t *out, size_t cap, size_t *len,
                                                         mc_diag *d);

/** Keep-alive: a single poll of the MDS object's attribute group 0x080C, as VSCapture's
 *  keep_alive_msg (which it sends with invoke id 1 and poll number 1). Thread: any. Pure.
 *  @return as mc_intellivue_poll_request_encode */
MC_NODISCARD mc_status mc_intellivue_keep_alive_encode(uint16_t invoke_id, uint16_t poll_number,
                                                       uint8_t *out, size_t cap, size_t *len,
                                                       mc_diag *d);

/** Recognise a poll request (for an emulator). Thread: any. Pure.
 *  @return MC_OK, MC_EFORMAT (not a confirmed poll action, truncated) */
MC_NODISCARD mc_status mc_intellivue_poll_request_parse(const uint8_t *msg, size_t n,
                                                        mc_intellivue_poll_request *out,
                                                        mc_diag *d);

/** Release request (VSCapture's rlrq_msg, 26 bytes: FN SPDU 0x09, LI 24), sent to end the
 *  association; the monitor answers with a release result (0x0A). Thread: any. Pure.
 *  @return MC_OK, MC_EINVAL (cap too small) */
MC_NODISCARD mc_status mc_intellivue_release_request_encode(uint8_t *out, size_t cap, size_t *len,
                                                            mc_diag *d);

/** Label of the Pleth wave in a priority list (NLS_NOM_PULS_OXIM_PLETH, Class2.cs). */
#define MC_INTELLIVUE_LABEL_PLETH 0x00024BB4u
/** Most labels in a wave priority list (VSCapture: up to 3 ECG and 8 other waves). */
#define MC_INTELLIVUE_WAVE_LABELS_MAX 11

/** Set the real-time sample array priority list (which waves the monitor sends): ROIV, confirmed
 *  set (5) of NOM_ATTR_POLL_RTSA_PRIO_LIST (0xF23A) on the MDS with the modify operator 0
 *  (replace) and a TextIdList of 32-bit labels. With invoke id 0 and the single label
 *  0x00020102 it is VSCapture's set_rtsa_prio_msg byte for byte. Thread: any. Pure.
 *  @param labels [n], 1..MC_INTELLIVUE_WAVE_LABELS_MAX (e.g. MC_INTELLIVUE_LABEL_PLETH)
 *  @return MC_OK, MC_EINVAL (n out of range, cap too small) */
MC_NODISCARD mc_status mc_intellivue_wave_select_encode(uint16_t invoke_id, const uint32_t *labels,
                                                        size_t n, uint8_t *out, size_t cap,
                                                        size_t *len, mc_diag *d);

/* ---- what a monitor sends, for an emulator (formats/intellivue_encode.c) -------------------- */

/** Association result: accepted, an AC SPDU (0x0E) whose body is the request's (our assumption:
 *  only the SPDU type and LI are read by drivers); refused, an RF SPDU {0x0C, 0x00}.
 *  Thread: any. Pure. @return MC_OK, MC_EINVAL (cap too small) */
MC_NODISCARD mc_status mc_intellivue_assoc_result_encode(int accepted, uint8_t *out, size_t cap,
                                                         size_t *len, mc_diag *d);

/** MDS Create Event Report carrying report's invoke id, managed object, event time and type,
 *  and the attributes NOM_ATTR_TIME_REL / NOM_ATTR_TIME_ABS when has_time_rel / has_time_abs.
 *  mc_intellivue_event_report_parse reads back every field. Thread: any. Pure.
 *  @return MC_OK, MC_EINVAL (cap too small) */
MC_NODISCARD mc_status mc_intellivue_event_report_encode(const mc_intellivue_event_report *report,
                                                         uint8_t *out, size_t cap, size_t *len,
                                                         mc_diag *d);

/** Poll result: poll's header fields (invoke_id, linked_state 0 for RORS or 1..3 for a linked
 *  result with count 1, action_type, poll_number, sequence_no for the extended poll, rel_time,
 *  abs_time, obj_code, attr_group), then the numerics and then the waves, a new
 *  SingleContextPoll starting whenever the context_id changes from the previous item: one
 *  ObservationPoll per numeric (NOM_ATTR_NU_VAL_OBS), or, with `compound`, one per run of
 *  numerics of the same context and handle (NOM_ATTR_NU_CMPD_VAL_OBS); one per wave (its
 *  SA_SPECN, SCALE_SPECN_I16 (FLOATs by mc_intellivue_float_encode) and TIME_PD_SAMP when
 *  has_*, then SA_VAL_OBS). A numeric's raw FLOAT is
 *  written as given (value is ignored). mc_intellivue_poll_parse reads back exactly these
 *  values. Thread: any. Pure.
 *  @return MC_OK, MC_EINVAL (cap too small, a message over 65535 bytes, a wave without data) */
MC_NODISCARD mc_status mc_intellivue_poll_result_encode(const mc_intellivue_poll *poll,
                                                        const mc_intellivue_numeric *nums,
                                                        size_t n_nums, int compound,
                                                        const mc_intellivue_wave *waves,
                                                        size_t n_waves, uint8_t *out, size_t cap,
                                                        size_t *len, mc_diag *d);

#endif
