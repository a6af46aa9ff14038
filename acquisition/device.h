/* SPDX-License-Identifier: MIT */
/* acquisition/device.h: the source of a live device: a transport (acquisition/transport.h) and a
 * driver (acquisition/driver.h) behind the source interface, so that `record` reads a bedside
 * monitor exactly as it reads a simulator.
 *
 * What it adds to the driver:
 *  - times: a regular stream's block is stamped with the arrival time of the bytes that completed
 *    its last frame, back-dated by the nominal period (the recorder's clock fit removes the
 *    jitter); an irregular stream's frames with their arrival time;
 *  - outages: when the transport reports the device gone, a status event says why ("disconnected:
 *    hang-up") and the first block after it carries that reason, so that the rows the clock fit
 *    finds missing are labelled with it in the stream's gaps; "connected" follows when it is
 *    back, and the driver is asked to start the device again;
 *  - silences: connected, but no frame for the driver's silence_s, a status event says whether
 *    bytes came that did not decode ("wrong baud rate or protocol?") or none came at all; another
 *    says when frames resume;
 *  - identity: for a driver whose protocol names the device, creation waits up to identity_wait
 *    for it so that model and serial are stream attributes before the file switches to SWMR;
 *  - pace: decoded frames are held and handed out together at most every 100 ms (at once for
 *    an event, a stop or a failure), however small the reads, so that the recorder's queues,
 *    sized in blocks from get_block_s, hold seconds of data whatever the protocol's frame size;
 *  - floods: frames beyond max_frames (4 s of data) staged at once are counted and recorded as
 *    dropped, so that memory stays bounded whatever the device sends.
 *
 * Keys of the source spec it reads (besides the transport's and the driver's):
 *  site=        body site attribute of every stream
 *  identity_wait=S  override the driver's wait for the identity (0: do not wait) */
#ifndef MC_ACQUISITION_DEVICE_H
#define MC_ACQUISITION_DEVICE_H

#include <stdint.h>

#include "acquisition/source.h"
#include "dsp/status.h"
#include "formats/source_spec.h"

/** Counters of a device source. */
typedef struct mc_device_stats {
    uint64_t bytes;         /* bytes read */
    uint64_t frames;        /* frames decoded (driver) */
    uint64_t bad_frames;    /* frames or lines rejected (driver) */
    uint64_t skipped_bytes; /* bytes outside frames (driver) */
    uint64_t flood_dropped; /* frames dropped because more than max_frames came at once */
    uint64_t disconnects, reconnects;
} mc_device_stats;

/** Create the source of `spec` (NAME=DRIVER:ADDRESS[,k=v...]): find the driver, parse the
 *  transport and driver keys, open the transport (an absent device is not an error: it is
 *  retried), and wait for the identity when the driver has one. Control thread. Allocates.
 *  @param mono0_ns session start on CLOCK_MONOTONIC: events and blocks before it are not
 *                  expected (the wait for the identity comes after it)
 *  @param d        one line naming the spec's key or address and what was expected
 *  @return MC_OK; MC_ENOTFOUND (no driver of that name); MC_EFORMAT / MC_EINVAL (a bad key);
 *          MC_EIO (a UDP address that cannot be bound); MC_ENOMEM. *out NULL on failure */
MC_NODISCARD mc_status mc_source_device_create(const mc_source_spec *spec, int64_t mono0_ns,
                                               mc_diag *d, mc_source **out);

/** 1 when `s` was made by mc_source_device_create. Thread: any. */
int mc_source_is_device(const mc_source *s);

/** Counters of a source made by mc_source_device_create. Any thread (approximate). */
mc_device_stats mc_source_device_get_stats(const mc_source *s);

#endif
