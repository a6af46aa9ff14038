/* SPDX-License-Identifier: MIT */
/* tools/cmd_emulate.c: `mcirc emulate`: speaks a device's serial protocol on a pseudo-terminal,
 * a TCP port or UDP datagrams, from known truth or a text capture, with injected faults, so that
 * drivers and whole recordings can be tested without the device. */

/* posix_openpt, grantpt, unlockpt and ptsname are XSI: the project-wide _POSIX_C_SOURCE alone
 * does not declare them. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "acquisition/clock.h"
#include "formats/masimo.h"
#include "tools/commands.h"
#include "tools/emulate_dev.h"
#include "tools/emulate_lines.h"

static const char help[] =
    "usage: mcirc emulate DEVICE [--pty | --tcp PORT | --udp HOST:PORT] [options]\n\n"
    "Speaks a device's protocol for tests and demos. Devices: masimo (Radical-7 / Rad-8 /\n"
    "Root serial ASCII 1: one line a second, DEVICES.md section 1); nonin (formats 2, 7, 8),\n"
    "contec (CMS50 legacy or v4.6: waits for the start command) and ge-s5 (S/5 computer\n"
    "interface: waits for the transmission requests) and intellivue (MIB/RS-232 data export:\n"
    "association, then answers the polls), their pleth from the simulator's PPG model;\n"
    "sensmart, invos, tosca and text (a device file's lines) with --replay FILE.\n\n"
    "  --pty                 a pseudo-terminal set raw 9600 8N1 (default); its path (the\n"
    "                        port to read) is the first line on standard output\n"
    "  --tcp PORT            listen on 127.0.0.1:PORT (0: a free port), stream to one client\n"
    "                        at a time; first line on standard output: tcp 127.0.0.1:N\n"
    "  --udp HOST:PORT       send each line as one datagram; first line: udp HOST:PORT\n"
    "  --udp-listen PORT     intellivue: a monitor on the LAN at 127.0.0.1:PORT (0: a free\n"
    "                        port), answering the sender; first line: udp-listen 127.0.0.1:N\n"
    "  --duration S          stop after S seconds of emulated time (default: until stopped,\n"
    "                        or the end of --replay; a capture that ends sooner leaves\n"
    "                        the line open and silent until S)\n"
    "  --speed X             X lines per second of wall time instead of 1 (default 1)\n"
    "  --set k=v[,k=v...]    the truth sent: spo2 (%, default 97), hr (pulse rate /min, 75),\n"
    "                        pi (%, 2.0; sent with 2 decimals), pvi (%, 10), exc (hex bits,\n"
    "                        0), alarm (hex bits, 0), sn (serial, 0000000001); repeatable.\n"
    "                        hr, pi and pvi are the keys and defaults of the sim ppg model\n"
    "                        nonin, contec, ge-s5: hr, spo2, pi (ge-s5: IR amplitude),\n"
    "                        format=2|7|8 (nonin), protocol=legacy|v46 (contec), sto2,\n"
    "                        tcpco2 (intellivue: sent only when set)\n"
    "  --replay FILE         send the lines of a text capture instead, paced by their\n"
    "                        date-times (1 line/s where a line has none), at --speed X;\n"
    "                        ge-s5: a raw capture (.raw), paced by its record times\n"
    "  --truth FILE          nonin, contec, ge-s5: write what was sent (w,K,VALUE per pleth\n"
    "                        frame, 'lost' for a bad checksum; n,K,SPO2,HR per numerics)\n"
    "  --fault KIND@S        at S seconds of emulated time (repeatable):\n"
    "                          garbage      64 random bytes, NUL and 0xFF among them\n"
    "                          truncate     the first half of the line, without its end\n"
    "                          badsum       binary devices: one frame with a bad checksum\n"
    "                          pause:D      nothing for D seconds\n"
    "                          sensoroff:D  D seconds of lines with EXC sensor off (0x020)\n"
    "                                       and dashes for the values\n"
    "                          hangup       pty: close it and exit 0; tcp: close the client;\n"
    "                                       udp: nothing to hang up\n"
    "                          hangup:D     tcp: close the client and refuse connections\n"
    "                                       for D seconds (a device switched off)\n"
    "SIGINT or SIGTERM stops (exit 0). A summary goes to standard error.\n"
    "  -h, --help            this text\n";

enum {
    OPT_PTY = MC_OPT_FIRST_FREE,
    OPT_TCP,
    OPT_UDP,
    OPT_UDP_LISTEN,
    OPT_DURATION,
    OPT_SPEED,
    OPT_SET,
    OPT_REPLAY,
    OPT_FAULT,
    OPT_TRUTH,
};

enum { OUT_PTY, OUT_TCP, OUT_UDP, OUT_UDP_LISTEN };
enum { F_GARBAGE, F_TRUNCATE, F_PAUSE, F_SENSOROFF, F_HANGUP, F_BADSUM };
enum { MAX_FAULTS = 64, GARBAGE_BYTES = 64, MAX_SETS = 16 };

typedef struct fault {
    int kind;
    double at_s, dur_s;
    int done;
} fault;

static const struct {
    const char *name;
    int kind, has_duration; /* 0 no, 1 required, 2 optional */
} fault_kinds[] = {
    {"garbage", F_GARBAGE, 0},     {"truncate", F_TRUNCATE, 0}, {"pause", F_PAUSE, 1},
    {"sensoroff", F_SENSOROFF, 1}, {"hangup", F_HANGUP, 2},     {"badsum", F_BADSUM, 0},
};

/* The output and its counts. */
typedef struct emu {
    const char *cmd;
    int out;
    int master, slave;            /* pty */
    int listener, client;         /* tcp */
    uint16_t port;                /* tcp: the port listened on */
    int udp;                      /* udp, udp-listen */
    struct sockaddr_storage from; /* udp-listen: the driver's address (its last datagram) */
    socklen_t from_len;
    uint64_t lines, dropped; /* lines (or parts) sent; bytes dropped with no reader */
    uint64_t clients;        /* tcp clients accepted */
    mc_emu_dev *dev;         /* a binary device's generator, or NULL (lines) */
    int lossless;            /* pty: wait for the reader instead of dropping (a replay) */
} emu;

/* KIND@S or KIND:D@S. */
static int parse_fault(const char *arg, fault *f)
{
    const char *at = strrchr(arg, '@');
    if (!at)
        return 0;
    const char *colon = memchr(arg, ':', (size_t)(at - arg));
    const size_t nlen = (size_t)((colon ? colon : at) - arg);
    char num[64];
    memset(f, 0, sizeof *f);
    int found = 0;
    for (size_t i = 0; i < sizeof fault_kinds / sizeof fault_kinds[0]; i++) {
        if (strlen(fault_kinds[i].name) != nlen || memcmp(fault_kinds[i].name, arg, nlen) != 0)
            continue;
        if (fault_kinds[i].has_duration != 2 && fault_kinds[i].has_duration != (colon != NULL))
            return 0;
        f->kind = fault_kinds[i].kind;
        found = 1;
    }
    if (!found)
        return 0;
    if (colon) {
        const size_t dlen = (size_t)(at - colon - 1);
        if (dlen == 0 || dlen >= sizeof num)
            return 0;
        memcpy(num, colon + 1, dlen);
        num[dlen] = '\0';
        if (!mc_cli_parse_double(num, &f->dur_s) || f->dur_s <= 0)
            return 0;
    }
    return mc_cli_parse_double(at + 1, &f->at_s) && f->at_s >= 0;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Send bytes; what no reader takes is dropped, as a serial line drops them. */
static void emit(emu *e, const void *bytes, size_t n)
{
    ssize_t w = -1;
    if (e->out == OUT_PTY && e->lossless) {
        /* A capture replayed faster than its serial line: wait (up to a second) for a slow
         * reader rather than lose bytes, so that the decoding can be checked byte for byte. */
        size_t done = 0;
        struct pollfd p = {e->master, POLLOUT, 0};
        while (done < n && poll(&p, 1, 1000) > 0) {
            ssize_t k = write(e->master, (const uint8_t *)bytes + done, n - done);
            if (k <= 0 && errno != EAGAIN && errno != EINTR)
                break;
            done += k > 0 ? (size_t)k : 0;
        }
        w = (ssize_t)done;
    } else if (e->out == OUT_PTY) {
        w = write(e->master, bytes, n);
    } else if (e->out == OUT_TCP) {
        if (e->client >= 0) {
            w = send(e->client, bytes, n, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                close_fd(&e->client); /* gone: wait for the next */
        }
    } else if (e->out == OUT_UDP_LISTEN) {
        if (e->from_len > 0)
            w = sendto(e->udp, bytes, n, 0, (const struct sockaddr *)&e->from, e->from_len);
    } else {
        w = send(e->udp, bytes, n, 0); /* ECONNREFUSED (nobody listening) counts as dropped */
    }
    e->lines++;
    if (w < (ssize_t)n)
        e->dropped += n - (w > 0 ? (size_t)w : 0);
}

/* Bytes the driver sent: requests for a binary device (a reply goes straight back). */
static void from_driver(emu *e, const uint8_t *bytes, size_t n)
{
    if (!e->dev)
        return;
    uint8_t reply[64];
    size_t rn = 0;
    mc_emu_dev_input(e->dev, bytes, n, reply, &rn);
    if (rn > 0) {
        ssize_t w = e->out == OUT_PTY ? write(e->master, reply, rn)
                    : e->client >= 0  ? send(e->client, reply, rn, MSG_NOSIGNAL | MSG_DONTWAIT)
                                      : -1;
        (void)w; /* a reply nobody takes is lost, as on a serial line */
    }
}

/* Wait until `due_ns` (monotonic) or a stop request, accepting TCP clients, noticing the client
 * going away and taking what the driver sends meanwhile. */
static void wait_until(emu *e, int64_t due_ns)
{
    while (!mc_cli_stop_requested()) {
        const int64_t now = mc_clock_now_ns();
        if (now >= due_ns)
            return;
        int64_t ms = (due_ns - now + 999999) / 1000000;
        if (ms > 100)
            ms = 100; /* a signal between the check and poll waits at most this long */
        struct pollfd p[2];
        nfds_t np = 0;
        if (e->out == OUT_TCP) {
            p[np++] =
                (struct pollfd){.fd = e->client >= 0 ? e->client : e->listener, .events = POLLIN};
        } else if (e->out == OUT_PTY && e->dev && e->master >= 0) {
            p[np++] = (struct pollfd){.fd = e->master, .events = POLLIN};
        } else if (e->out == OUT_UDP_LISTEN) {
            p[np++] = (struct pollfd){.fd = e->udp, .events = POLLIN};
        }
        const int r = poll(p, np, (int)ms);
        if (r <= 0)
            continue;
        uint8_t in[2048];
        if (e->out == OUT_UDP_LISTEN) {
            e->from_len = sizeof e->from;
            const ssize_t got =
                recvfrom(e->udp, in, sizeof in, 0, (struct sockaddr *)&e->from, &e->from_len);
            if (got > 0)
                from_driver(e, in, (size_t)got);
        } else if (e->out == OUT_PTY) {
            const ssize_t got = read(e->master, in, sizeof in);
            if (got > 0)
                from_driver(e, in, (size_t)got);
        } else if (e->client >= 0) {
            const ssize_t got = recv(e->client, in, sizeof in, MSG_DONTWAIT);
            if (got > 0)
                from_driver(e, in, (size_t)got);
            if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
                close_fd(&e->client);
        } else {
            const int c = accept(e->listener, NULL, NULL);
            if (c >= 0) {
                e->client = c;
                e->clients++;
            }
        }
    }
}

/* Give a pty reader up to half a second to take what is still queued before the master closes:
 * a hang-up discards the slave's input queue. FIONREAD on the slave is Linux (and BSD). */
static void drain_pty(emu *e)
{
    if (e->out != OUT_PTY || e->slave < 0)
        return;
    const int64_t end = mc_clock_now_ns() + 500000000;
    int queued = 0;
    while (!mc_cli_stop_requested() && ioctl(e->slave, FIONREAD, &queued) == 0 && queued > 0 &&
           mc_clock_now_ns() < end) {
        const struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
}

/* The pty: raw 9600 8N1 on the slave, which this process keeps open so that the settings hold
 * and lines written before a reader opens it wait in the buffer. */
static int open_pty(emu *e)
{
    e->master = posix_openpt(O_RDWR | O_NOCTTY);
    if (e->master < 0 || grantpt(e->master) != 0 || unlockpt(e->master) != 0) {
        mc_cli_error(e->cmd, "cannot create a pseudo-terminal: %s", strerror(errno));
        return MC_EXIT_INTERNAL;
    }
    const char *name = ptsname(e->master);
    e->slave = name ? open(name, O_RDWR | O_NOCTTY) : -1;
    struct termios tio;
    if (e->slave < 0 || tcgetattr(e->slave, &tio) != 0) {
        mc_cli_error(e->cmd, "cannot open the pseudo-terminal's slave: %s", strerror(errno));
        return MC_EXIT_INTERNAL;
    }
    tio.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    tio.c_oflag &= ~(tcflag_t)OPOST;
    tio.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    tio.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB);
    tio.c_cflag |= CS8 | CLOCAL | CREAD;
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    if (cfsetispeed(&tio, B9600) != 0 || cfsetospeed(&tio, B9600) != 0 ||
        tcsetattr(e->slave, TCSANOW, &tio) != 0) {
        mc_cli_error(e->cmd, "cannot set the pseudo-terminal to 9600 8N1: %s", strerror(errno));
        return MC_EXIT_INTERNAL;
    }
    /* Nobody reading must not stop the emulator: a full buffer drops, as a serial line does. */
    if (fcntl(e->master, F_SETFL, fcntl(e->master, F_GETFL) | O_NONBLOCK) != 0) {
        mc_cli_error(e->cmd, "cannot make the pseudo-terminal non-blocking: %s", strerror(errno));
        return MC_EXIT_INTERNAL;
    }
    printf("%s\n", name);
    return MC_EXIT_OK;
}

/* Listen on 127.0.0.1:PORT; `announce`: the first line of standard output says where. */
static int open_tcp(emu *e, const char *port_arg, int announce)
{
    double port;
    if (!mc_cli_parse_double(port_arg, &port) || port < 0 || port > 65535 || port != floor(port)) {
        mc_cli_error(e->cmd, "--tcp %s: expected a port 0..65535 (0: a free port)", port_arg);
        return MC_EXIT_USER;
    }
    e->listener = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (e->listener < 0 ||
        setsockopt(e->listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(e->listener, (struct sockaddr *)&a, sizeof a) != 0 || listen(e->listener, 4) != 0 ||
        getsockname(e->listener, (struct sockaddr *)&a, &alen) != 0) {
        mc_cli_error(e->cmd, "--tcp %s: cannot listen on 127.0.0.1:%s: %s", port_arg, port_arg,
                     strerror(errno));
        return MC_EXIT_USER;
    }
    e->port = ntohs(a.sin_port);
    if (announce)
        printf("tcp 127.0.0.1:%u\n", (unsigned)e->port);
    return MC_EXIT_OK;
}

/* A monitor on the LAN: listen on 127.0.0.1:PORT, answer the last sender. */
static int open_udp_listen(emu *e, const char *port_arg)
{
    double port;
    if (!mc_cli_parse_double(port_arg, &port) || port < 0 || port > 65535 || port != floor(port)) {
        mc_cli_error(e->cmd, "--udp-listen %s: expected a port 0..65535 (0: a free port)",
                     port_arg);
        return MC_EXIT_USER;
    }
    e->udp = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (e->udp < 0 || bind(e->udp, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(e->udp, (struct sockaddr *)&a, &alen) != 0) {
        mc_cli_error(e->cmd, "--udp-listen %s: %s", port_arg, strerror(errno));
        return MC_EXIT_USER;
    }
    printf("udp-listen 127.0.0.1:%u\n", (unsigned)ntohs(a.sin_port));
    return MC_EXIT_OK;
}

static int open_udp(emu *e, const char *dest)
{
    const char *colon = strrchr(dest, ':');
    char host[256];
    if (!colon || colon == dest || (size_t)(colon - dest) >= sizeof host || !colon[1]) {
        mc_cli_error(e->cmd, "--udp %s: expected HOST:PORT", dest);
        return MC_EXIT_USER;
    }
    memcpy(host, dest, (size_t)(colon - dest));
    host[colon - dest] = '\0';
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM}, *res = NULL;
    const int gai = getaddrinfo(host, colon + 1, &hints, &res);
    if (gai != 0) {
        mc_cli_error(e->cmd, "--udp %s: %s", dest, gai_strerror(gai));
        return MC_EXIT_USER;
    }
    e->udp = socket(res->ai_family, SOCK_DGRAM, 0);
    const int ok = e->udp >= 0 && connect(e->udp, res->ai_addr, res->ai_addrlen) == 0;
    freeaddrinfo(res);
    if (!ok) {
        mc_cli_error(e->cmd, "--udp %s: %s", dest, strerror(errno));
        return MC_EXIT_USER;
    }
    printf("udp %s\n", dest);
    return MC_EXIT_OK;
}

/* tcp, after hangup:D: listen on the same port again, without announcing it. */
static int listen_again(emu *e)
{
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)e->port);
    return open_tcp(e, port, 0);
}

/* 64 bytes from a xorshift generator, with a NUL and a 0xFF among them. */
static void garbage(uint64_t *rng, uint8_t *out)
{
    for (int i = 0; i < GARBAGE_BYTES; i++) {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        out[i] = (uint8_t)(*rng >> 24);
    }
    out[7] = 0x00;
    out[41] = 0xFF;
}

typedef struct run_opts {
    double duration_s, speed;
    const mc_emu_truth *t;
    const mc_emu_capture *replay; /* NULL: synthetic lines */
    fault *faults;
    size_t n_faults;
} run_opts;

/* The loop: one line per emulated second (or per capture line), faults as they fall due.
 * @return 1 when a hang-up ended it */
static int run(emu *e, const run_opts *o)
{
    const int64_t start_ns = mc_clock_now_ns();
    const int64_t start_unix = (int64_t)time(NULL);
    uint64_t rng = (uint64_t)start_ns | 1;
    double pause_until = -1, off_until = -1, refused_until = -1;
    const double period = e->dev ? mc_emu_dev_period_s(e->dev) : 1;
    const double dev_replay_s = e->dev ? mc_emu_dev_replay_s(e->dev) : 0;
    for (size_t k = 0; !mc_cli_stop_requested(); k++) {
        if (o->replay && k >= o->replay->n)
            break;
        const double t = o->replay ? o->replay->t_s[k] : (double)k * period;
        if (dev_replay_s > 0 && t >= dev_replay_s)
            break;
        if (o->duration_s > 0 && t >= o->duration_s)
            break;
        if (refused_until >= 0 && t >= refused_until) {
            refused_until = -1;
            if (listen_again(e) != MC_EXIT_OK)
                break;
        }
        wait_until(e, start_ns + (int64_t)(t / o->speed * 1e9));
        if (mc_cli_stop_requested())
            break;
        int truncate = 0, badsum = 0;
        for (size_t i = 0; i < o->n_faults; i++) {
            fault *f = &o->faults[i];
            if (f->done || f->at_s > t)
                continue;
            f->done = 1;
            if (f->kind == F_GARBAGE) {
                uint8_t g[GARBAGE_BYTES];
                garbage(&rng, g);
                emit(e, g, sizeof g);
            } else if (f->kind == F_TRUNCATE) {
                truncate = 1;
            } else if (f->kind == F_BADSUM) {
                badsum = 1;
            } else if (f->kind == F_PAUSE) {
                pause_until = f->at_s + f->dur_s;
            } else if (f->kind == F_SENSOROFF) {
                off_until = f->at_s + f->dur_s;
            } else if (e->out == OUT_PTY) {
                fprintf(stderr, "mcirc %s: hang-up at %g s (--fault hangup): pty closed\n", e->cmd,
                        f->at_s);
                close_fd(&e->master);
                return 1;
            } else if (e->out == OUT_TCP && f->dur_s > 0) {
                fprintf(stderr,
                        "mcirc %s: hang-up at %g s (--fault hangup:%g): client closed, "
                        "connections refused for %g s\n",
                        e->cmd, f->at_s, f->dur_s, f->dur_s);
                close_fd(&e->client);
                close_fd(&e->listener);
                refused_until = f->at_s + f->dur_s;
            } else if (e->out == OUT_TCP && e->client >= 0) {
                fprintf(stderr, "mcirc %s: hang-up at %g s (--fault hangup): client closed\n",
                        e->cmd, f->at_s);
                close_fd(&e->client);
            }
        }
        if (t < pause_until)
            continue;
        if (e->dev) {
            if (!mc_emu_dev_streaming(e->dev))
                continue; /* waiting for the driver's request, as the device does */
            uint8_t bytes[8192];
            size_t n;
            do { /* a datagram per message on the LAN, else one chunk */
                n = mc_emu_dev_chunk(e->dev, t, start_unix + (int64_t)t, t < off_until, badsum,
                                     bytes, sizeof bytes);
                if (n > 0)
                    emit(e, bytes, truncate ? n / 2 : n);
            } while (n > 0 && e->out == OUT_UDP_LISTEN);
            continue;
        }
        char line[MC_MASIMO_LINE_MAX + 8];
        size_t n;
        const int off = t < off_until;
        if (o->replay) {
            n = strlen(o->replay->line[k]);
            memcpy(line, o->replay->line[k], n);
            memcpy(line + n, "\r\n", 3);
            n += 2;
            if (off)
                mc_emu_lines_sensor_off(line, &n, sizeof line);
        } else if (mc_emu_lines_synth(o->t, start_unix + (int64_t)t, off, line, sizeof line, &n) !=
                   MC_OK) {
            continue; /* cannot happen: --set keeps every value in its field */
        }
        emit(e, line, truncate ? n / 2 : n);
    }
    /* The emulation lasts its duration, the line open and silent after a capture that ended
     * sooner (a device still plugged in: its reader sees no hang-up). Without one it ends one
     * line period after the capture's last line. */
    double end_s = o->duration_s;
    if (end_s <= 0 && o->replay)
        end_s = o->replay->t_s[o->replay->n - 1] + 1;
    if (end_s <= 0 && dev_replay_s > 0)
        end_s = dev_replay_s;
    if (end_s > 0)
        wait_until(e, start_ns + (int64_t)(end_s / o->speed * 1e9));
    drain_pty(e);
    return 0;
}

int mc_cmd_emulate(int argc, char **argv)
{
    const char *cmd = "emulate";
    static const struct option longopts[] = {
        {"pty", no_argument, NULL, OPT_PTY},
        {"tcp", required_argument, NULL, OPT_TCP},
        {"udp", required_argument, NULL, OPT_UDP},
        {"udp-listen", required_argument, NULL, OPT_UDP_LISTEN},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"speed", required_argument, NULL, OPT_SPEED},
        {"set", required_argument, NULL, OPT_SET},
        {"replay", required_argument, NULL, OPT_REPLAY},
        {"fault", required_argument, NULL, OPT_FAULT},
        {"truth", required_argument, NULL, OPT_TRUTH},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    mc_emu_truth t = {.spo2 = 97, .hr = 75, .pi = 2.0, .pvi = 10, .sn = "0000000001"};
    fault faults[MAX_FAULTS];
    run_opts o = {.speed = 1, .t = &t, .faults = faults};
    const char *tcp = NULL, *udp = NULL, *udp_listen = NULL, *replay = NULL, *truth_path = NULL;
    const char *sets[MAX_SETS];
    size_t n_sets = 0;
    int n_transports = 0;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(help, stdout);
            return MC_EXIT_OK;
        case OPT_PTY:
            n_transports++;
            break;
        case OPT_TCP:
            tcp = optarg;
            n_transports++;
            break;
        case OPT_UDP:
            udp = optarg;
            n_transports++;
            break;
        case OPT_UDP_LISTEN:
            udp_listen = optarg;
            n_transports++;
            break;
        case OPT_DURATION:
            if (!mc_cli_parse_double(optarg, &o.duration_s) || o.duration_s <= 0) {
                mc_cli_error(cmd, "--duration %s: expected seconds > 0", optarg);
                return MC_EXIT_USER;
            }
            break;
        case OPT_SPEED:
            if (!mc_cli_parse_double(optarg, &o.speed) || o.speed <= 0 || o.speed > 1000) {
                mc_cli_error(cmd, "--speed %s: expected a number in (0, 1000]", optarg);
                return MC_EXIT_USER;
            }
            break;
        case OPT_SET:
            if (n_sets == MAX_SETS) {
                mc_cli_error(cmd, "--set: at most %d", MAX_SETS);
                return MC_EXIT_USER;
            }
            sets[n_sets++] = optarg;
            break;
        case OPT_TRUTH:
            truth_path = optarg;
            break;
        case OPT_REPLAY:
            replay = optarg;
            break;
        case OPT_FAULT:
            if (o.n_faults == MAX_FAULTS) {
                mc_cli_error(cmd, "--fault: at most %d", MAX_FAULTS);
                return MC_EXIT_USER;
            }
            if (!parse_fault(optarg, &faults[o.n_faults])) {
                mc_cli_error(cmd,
                             "--fault '%s': expected KIND@S with KIND garbage, truncate, "
                             "badsum, hangup, hangup:D, pause:D or sensoroff:D (seconds >= 0, "
                             "D > 0)",
                             optarg);
                return MC_EXIT_USER;
            }
            o.n_faults++;
            break;
        default:
            mc_cli_bad_option(cmd, argv, optind);
            return MC_EXIT_USER;
        }
    }
    if (optind >= argc) {
        mc_cli_error(cmd, "expected a DEVICE (masimo; mcirc emulate --help)");
        return MC_EXIT_USER;
    }
    /* The text devices are emulated by replaying their lines (1 a second where a line has no
     * Masimo date-time): the test or the user writes the capture with the truth in it. */
    static const char *const line_devices[] = {"sensmart", "invos", "tosca", "text"};
    int line_device = 0;
    for (size_t i = 0; i < sizeof line_devices / sizeof line_devices[0]; i++)
        line_device |= strcmp(argv[optind], line_devices[i]) == 0;
    const int binary = mc_emu_dev_known(argv[optind]);
    if (strcmp(argv[optind], "masimo") != 0 && !line_device && !binary) {
        mc_cli_error(cmd,
                     "unknown device '%s' (expected masimo, nonin, contec, ge-s5, intellivue, "
                     "sensmart, invos, tosca or text)",
                     argv[optind]);
        return MC_EXIT_USER;
    }
    for (size_t i = 0; !binary && i < n_sets; i++)
        if (!mc_emu_lines_parse_set(cmd, sets[i], &t))
            return MC_EXIT_USER;
    if (truth_path && !binary) {
        mc_cli_error(cmd, "--truth: for nonin, contec and ge-s5 (the lines of the others are "
                          "their truth)");
        return MC_EXIT_USER;
    }
    if (line_device && !replay) {
        mc_cli_error(cmd, "%s: give --replay FILE (its lines are sent, 1 a second)", argv[optind]);
        return MC_EXIT_USER;
    }
    if (optind + 1 < argc) {
        mc_cli_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
        return MC_EXIT_USER;
    }
    if (n_transports > 1) {
        mc_cli_error(cmd, "give one of --pty, --tcp PORT, --udp HOST:PORT, --udp-listen PORT");
        return MC_EXIT_USER;
    }
    mc_emu_capture cap;
    memset(&cap, 0, sizeof cap);
    emu e = {.cmd = cmd, .master = -1, .slave = -1, .listener = -1, .client = -1, .udp = -1};
    int rc = MC_EXIT_OK;
    if (binary) {
        rc = mc_emu_dev_create(cmd, argv[optind], sets, n_sets, replay, truth_path, &e.dev);
        if (rc != MC_EXIT_OK)
            goto fail_output;
        e.lossless = replay != NULL;
    } else if (replay) {
        rc = mc_emu_capture_load(cmd, replay, &cap);
        if (rc != MC_EXIT_OK)
            goto fail_output;
        o.replay = &cap;
    }
    if (udp_listen && strcmp(argv[optind], "intellivue") != 0) {
        mc_cli_error(cmd, "--udp-listen: for intellivue (a monitor on the LAN answers requests)");
        rc = MC_EXIT_USER;
        goto fail_output;
    }
    e.out = tcp ? OUT_TCP : udp ? OUT_UDP : udp_listen ? OUT_UDP_LISTEN : OUT_PTY;
    rc = e.out == OUT_TCP          ? open_tcp(&e, tcp, 1)
         : e.out == OUT_UDP        ? open_udp(&e, udp)
         : e.out == OUT_UDP_LISTEN ? open_udp_listen(&e, udp_listen)
                                   : open_pty(&e);
    if (e.dev && e.out == OUT_UDP_LISTEN)
        mc_emu_dev_set_datagrams(e.dev, 1);
    if (rc != MC_EXIT_OK)
        goto fail_output;
    fflush(stdout);

    mc_cli_signals signals;
    mc_cli_catch_stop(&signals);
    signal(SIGPIPE, SIG_IGN);

    const int64_t t0 = mc_clock_now_ns();
    run(&e, &o);
    fprintf(stderr, "mcirc %s: %llu writes in %.1f s, %llu bytes dropped (no reader)", cmd,
            (unsigned long long)e.lines, (double)(mc_clock_now_ns() - t0) * 1e-9,
            (unsigned long long)e.dropped);
    if (e.out == OUT_TCP)
        fprintf(stderr, ", %llu clients", (unsigned long long)e.clients);
    fprintf(stderr, "\n");
    mc_cli_restore_signals(&signals);
fail_output:
    close_fd(&e.client);
    close_fd(&e.listener);
    close_fd(&e.udp);
    close_fd(&e.master);
    close_fd(&e.slave);
    mc_emu_capture_free(&cap);
    mc_emu_dev_destroy(e.dev);
    return rc;
}
