/* SPDX-License-Identifier: MIT */
/* acquisition/transport.h: the byte transports of live devices (issue 6, item 1): a serial tty
 * (termios), a TCP client, a UDP listener, standard input and a named pipe. Each one survives its
 * device: when the cable is pulled, the USB-serial adapter unplugged or the peer closes, the read
 * reports `disconnected` with a reason and the CLOCK_MONOTONIC time, retries the open with a
 * doubling backoff (never a busy loop) and reports `connected` when the device is back, so that the
 * caller (a source) records the gap and a status event while the session goes on.
 *
 * One thread reads (mc_transport_read, mc_transport_write); any thread may stop it. The library
 * creates no thread (STYLE.md 3.6): a blocked read wakes on a self-pipe that stop writes to. */
#ifndef MC_ACQUISITION_TRANSPORT_H
#define MC_ACQUISITION_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "dsp/stream.h"

typedef enum mc_transport_kind {
    MC_TRANSPORT_SERIAL = 0, /* a tty: /dev/ttyUSB0, /dev/ttyS0, a pseudo-terminal */
    MC_TRANSPORT_TCP,        /* tcp://HOST:PORT, a client */
    MC_TRANSPORT_UDP,        /* udp://:PORT or udp://HOST:PORT, bound here; a datagram per read */
    MC_TRANSPORT_STDIN,      /* "-", standard input (cfg.fd) */
    MC_TRANSPORT_FIFO,       /* a named pipe; reopened when its writer closes */
} mc_transport_kind;

typedef enum mc_transport_parity {
    MC_PARITY_NONE = 0,
    MC_PARITY_EVEN,
    MC_PARITY_ODD,
} mc_transport_parity;

enum { MC_TRANSPORT_ADDR_MAX = 1024 }; /* bytes of a path or host, with the NUL */

/** Configuration: a plain value (strings are stored inside, so it can be copied). */
typedef struct mc_transport_config {
    mc_transport_kind kind;
    char path[MC_TRANSPORT_ADDR_MAX]; /* serial, fifo: the device or pipe path */
    char host[MC_TRANSPORT_ADDR_MAX]; /* tcp: the peer (name or numeric); udp: the address to
                                         bind ("" = every interface) */
    uint16_t port;                    /* tcp: 1..65535; udp: 0 picks a free port */
    uint32_t baud;                    /* serial: 1200..921600 from the standard list (9600) */
    uint8_t data_bits;                /* serial: 5..8 (8) */
    mc_transport_parity parity;       /* serial (none) */
    uint8_t stop_bits;                /* serial: 1 or 2 (1) */
    uint8_t rtscts;                   /* serial: 1 = hardware flow control RTS/CTS (0) */
    int backoff_initial_ms;           /* first retry after a failure or a disconnect (100) */
    int backoff_max_ms;               /* the retry delay doubles up to this (5000) */
    int connect_timeout_ms;           /* tcp: a connect that takes longer fails (2000) */
    int read_timeout_ms;              /* the wait of mc_transport_read when it is given a
                                         negative timeout (100) */
    int fd;                           /* stdin: the descriptor read (0); it is never closed */
    uint8_t udp_peer;                 /* udp: 1 = host:port is the device, reached from a free
                                         local port (a client: the driver may send first, as to
                                         an IntelliVue on UDP 24105); 0 = bind host:port (0) */
} mc_transport_config;

/** Defaults (see the fields): serial, 9600 8N1, no flow control, backoff 100 ms..5 s. Thread: any.
 */
mc_transport_config mc_transport_config_default(void);

/** Parse a source address and its options, as `record --source NAME=DRIVER:ADDRESS[,k=v...]`
 *  gives them (formats/source_spec.h), into a configuration (starting from the defaults).
 *  Thread: any. Pure but for one stat() of a path address: a FIFO is a named pipe, anything else
 *  (a tty, or a path absent now: a USB adapter unplugged at start) is serial; a regular file or a
 *  directory is refused.
 *  @param address "-" (stdin), "tcp://HOST:PORT", "udp://:PORT", "udp://HOST:PORT" (IPv6 hosts in
 *                 brackets: "tcp://[::1]:5000") or a path
 *  @param params  [n] key/values; this parser reads baud=, bits=, parity=none|even|odd, stop=1|2,
 *                 rtscts=0|1 and framing= (e.g. 8N1, 7E2; not together with bits/parity/stop),
 *                 which apply to serial addresses only, and peer=0|1 (udp only: the address is
 *                 the device's, see udp_peer); other keys are the driver's and ignored
 *  @param out     receives the configuration (untouched on failure)
 *  @param d       optional: one line naming the key or the address part and what was expected
 *  @return MC_OK; MC_EFORMAT (bad address or value); MC_EINVAL (NULL address or out) */
MC_NODISCARD mc_status mc_transport_config_parse(const char *address, const mc_kv *params, size_t n,
                                                 mc_transport_config *out, mc_diag *d);

/** Name of a kind ("serial", "tcp", "udp", "stdin", "fifo"). Thread: any. Never NULL. */
const char *mc_transport_kind_name(mc_transport_kind k);

typedef struct mc_transport mc_transport;

/** A change of state, reported by mc_transport_read. */
typedef enum mc_transport_event_kind {
    MC_TRANSPORT_NONE = 0,
    MC_TRANSPORT_CONNECTED,    /* the device is there (first time or again): bytes may follow */
    MC_TRANSPORT_DISCONNECTED, /* the device went away; retries follow with backoff */
} mc_transport_event_kind;

typedef struct mc_transport_event {
    mc_transport_event_kind kind;
    int64_t t_ns;     /* CLOCK_MONOTONIC ns when it was seen (mc_clock_now_ns) */
    char reason[128]; /* disconnected: "hang-up", "peer closed", "device gone", "writer closed",
                         "read error: <strerror>"; connected: "" */
} mc_transport_event;

typedef struct mc_transport_stats {
    uint64_t bytes;         /* bytes returned by reads */
    uint64_t reconnects;    /* connected events after the first */
    uint64_t disconnects;   /* disconnected events */
    uint64_t open_attempts; /* opens or connects tried, successful or not */
    uint64_t truncated;     /* udp: datagrams longer than the read buffer (the rest is lost) */
} mc_transport_stats;

/** Create a transport and try its first open. It does not fail when the device is absent or the
 *  peer does not answer: reads retry with backoff. Control thread. Allocates.
 *  udp binds here (so that mc_transport_get_port is known at once).
 *  @return MC_OK; MC_EINVAL (NULL, an invalid configuration: a setting out of range, an empty
 *          path or host); MC_EIO (udp: the address cannot be bound; the self-pipe cannot be
 *          made); MC_ENOMEM. *out is NULL on failure */
MC_NODISCARD mc_status mc_transport_open(const mc_transport_config *cfg, mc_transport **out);

/** Wait up to timeout_ms for bytes or a change of state. Retries a missing device when its backoff
 *  delay has passed. One thread per handle (the reading thread). Allocates nothing.
 *  @param buf        receives up to cap bytes (udp: one datagram, truncated to cap)
 *  @param cap        bytes, >= 1
 *  @param timeout_ms 0 polls once; > 0 waits at most that long; < 0 uses cfg.read_timeout_ms
 *  @param n          receives the number of bytes (0 unless MC_OK with bytes)
 *  @param ev         receives a change of state, or kind MC_TRANSPORT_NONE; a call reports either
 *                    bytes or one event, never both
 *  @return MC_OK (bytes, or an event); MC_ETIMEDOUT (nothing, including while the device is
 *          away); MC_END (stopped, or end of standard input; every later call too);
 *          MC_EINVAL (NULL arguments, cap 0) */
MC_NODISCARD mc_status mc_transport_read(mc_transport *t, void *buf, size_t cap, int timeout_ms,
                                         size_t *n, mc_transport_event *ev);

/** Send bytes to the device (a request a driver must send). Waits at most 100 ms for room, never
 *  longer. Same thread as mc_transport_read. udp sends to the sender of the last datagram.
 *  @return MC_OK (all n bytes sent); MC_ESTATE (not connected; udp: no datagram received yet);
 *          MC_EINVAL (stdin and fifo are read-only; NULL bytes with n > 0); MC_ETIMEDOUT (the
 *          device did not take all the bytes within 100 ms: some may have been sent); MC_EIO */
MC_NODISCARD mc_status mc_transport_write(mc_transport *t, const void *bytes, size_t n);

/** Make a blocked or later read return MC_END (within a few ms). Any thread; async-signal-safe. */
void mc_transport_stop(mc_transport *t);

/** Counters. Any thread (each counter is atomic; together they are not one snapshot). */
mc_transport_stats mc_transport_get_stats(const mc_transport *t);

/** udp: the bound port (the one picked for port 0); others: cfg.port. Any thread. */
uint16_t mc_transport_get_port(const mc_transport *t);

/** Close the device and free. NULL is a no-op; no thread may be using it. */
void mc_transport_destroy(mc_transport *t);

#endif
