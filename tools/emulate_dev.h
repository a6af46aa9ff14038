/* SPDX-License-Identifier: MIT */
/* tools/emulate_dev.h: the byte generators of `mcirc emulate` for the binary protocols: Nonin
 * formats 2, 7 and 8, Contec CMS50 (legacy and v4.6) and GE S/5 (from the simulator's PPG model,
 * with the numerics of --set; or, for ge-s5, a capture file replayed at its recorded pace). The
 * generator answers the requests a driver sends (Contec v4.6 start, S/5 transmission requests,
 * Nonin format select) and writes what it sent to a truth file, so that a test compares the
 * recording with exactly what the device said. cmd_emulate.c paces it and injects the faults. */
#ifndef MC_TOOLS_EMULATE_DEV_H
#define MC_TOOLS_EMULATE_DEV_H

#include <stddef.h>
#include <stdint.h>

typedef struct mc_emu_dev mc_emu_dev;

/** 1 when `device` is one of these generators (nonin, contec, ge-s5). */
int mc_emu_dev_known(const char *device);

/** Create a generator. `sets`: the --set arguments (k=v[,k=v...]): hr, spo2, pi (the sim ppg
 *  model's keys), format=2|7|8 (nonin), protocol=legacy|v46 (contec). `replay`: ge-s5 only, a
 *  capture file. `truth`: NULL or a path to write the truth CSV to: `w,K,VALUE` per waveform
 *  frame K (the count, or % for ge-s5; `lost` for a frame sent with a bad checksum) and
 *  `n,K,SPO2,HR` per numerics frame. Prints one error line. @return an exit code (MC_EXIT_*) */
int mc_emu_dev_create(const char *cmd, const char *device, const char *const *sets, size_t n_sets,
                      const char *replay, const char *truth, mc_emu_dev **out);

/** Seconds of emulated time between chunks (a Nonin packet, a tenth of a second...). */
double mc_emu_dev_period_s(const mc_emu_dev *d);

/** Seconds of emulated time the replay lasts (0 without a replay). */
double mc_emu_dev_replay_s(const mc_emu_dev *d);

/** 1 once the device streams: at once for most, after the driver's request for Contec v4.6 and
 *  the S/5. */
int mc_emu_dev_streaming(const mc_emu_dev *d);

/** Bytes the driver sent. A reply (Nonin ACK/NAK) goes to reply[0..*reply_n). */
void mc_emu_dev_input(mc_emu_dev *d, const uint8_t *bytes, size_t n, uint8_t *reply,
                      size_t *reply_n);

/** The bytes of the chunk that starts at emulated time t_s (device clock unix_s), into out[cap]
 *  (4096 suffices). `sensor_off`: the device's sensor-off state (alarm bits, numerics missing);
 *  `bad_checksum`: one frame of the chunk is sent with a wrong checksum. In datagram mode, one
 *  message per call: call again until it returns 0. @return bytes */
size_t mc_emu_dev_chunk(mc_emu_dev *d, double t_s, int64_t unix_s, int sensor_off, int bad_checksum,
                        uint8_t *out, size_t cap);

/** intellivue on the LAN: messages unframed, one per chunk call (each one datagram). */
void mc_emu_dev_set_datagrams(mc_emu_dev *d, int on);

/** Close the truth file and free. NULL is a no-op. */
void mc_emu_dev_destroy(mc_emu_dev *d);

#endif
