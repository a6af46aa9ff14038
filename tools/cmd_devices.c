/* SPDX-License-Identifier: MIT */
/* tools/cmd_devices.c: `mcirc devices`: the live drivers, their keys and streams; `--probe PORT`
 * listens to a port with each protocol in turn and says which one decodes. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acquisition/clock.h"
#include "acquisition/device.h"
#include "acquisition/driver.h"
#include "tools/commands.h"

static const char help[] =
    "usage: mcirc devices [DRIVER]            the live drivers, their keys and streams\n"
    "       mcirc devices --probe PORT [--listen S]\n\n"
    "A source is NAME=DRIVER:ADDRESS[,key=value...]: ADDRESS is a device path (/dev/ttyUSB0),\n"
    "tcp://HOST:PORT, udp://:PORT or - (standard input). Serial keys (every driver): baud=,\n"
    "framing= (8N1, 8O1, 7E2...) or bits=, parity=none|even|odd, stop=, rtscts=0|1; and\n"
    "site= (body site), identity_wait=S (how long to wait for the device's serial number).\n\n"
    "  --probe PORT   open PORT with each driver's settings in turn (sending its start\n"
    "                 request), listen, and say which protocol decodes; a device that\n"
    "                 needs no request and sends nothing is not found\n"
    "  --listen S     seconds per protocol (default 2.5)\n"
    "  -h, --help     this text\n";

enum { OPT_PROBE = MC_OPT_FIRST_FREE, OPT_LISTEN };

static void describe(const mc_driver *d)
{
    printf("%s: %s\n", d->name, d->summary);
    printf("  settings: %s\n", d->defaults[0] ? d->defaults : "(none: not a serial protocol)");
    printf("  streams:  %s\n", d->streams);
    if (d->keys[0]) {
        printf("  keys:\n");
        for (const char *p = d->keys; *p;) {
            const char *e = strchr(p, '\n');
            int len = (int)(e ? e - p : (long)strlen(p));
            printf("    %.*s\n", len, p);
            p = e ? e + 1 : p + len;
        }
    }
}

/* Listens with one driver; @return frames decoded, or -1 when the port cannot be used. */
static long long probe_one(const mc_driver *drv, const char *port, double listen_s, mc_diag *d)
{
    char text[MC_SPEC_MAX_LEN + 1];
    snprintf(text, sizeof text, "probe=%s:%s,identity_wait=0", drv->name, port);
    mc_source_spec spec;
    if (mc_source_spec_parse(text, 1, &spec, d) != MC_OK)
        return -1;
    mc_source *src = NULL;
    if (mc_source_device_create(&spec, mc_clock_now_ns(), d, &src) != MC_OK)
        return -1;
    int64_t until = mc_clock_now_ns() + (int64_t)(listen_s * 1e9);
    while (mc_clock_now_ns() < until) {
        mc_source_item item;
        mc_status st = mc_source_read(src, &item);
        if (st != MC_OK && st != MC_ETIMEDOUT)
            break;
    }
    mc_device_stats s = mc_source_device_get_stats(src);
    mc_source_destroy(src);
    printf("  %-10s %-12s %8llu bytes %6llu frames %6llu bad\n", drv->name, drv->defaults,
           (unsigned long long)s.bytes, (unsigned long long)s.frames,
           (unsigned long long)s.bad_frames);
    fflush(stdout);
    return s.bad_frames > s.frames ? 0 : (long long)s.frames;
}

static int probe(const char *cmd, const char *port, double listen_s)
{
    size_t n;
    const mc_driver *const *drivers = mc_drivers(&n);
    const mc_driver *best = NULL;
    long long best_frames = 0;
    printf("probing %s (%.1f s per protocol):\n", port, listen_s);
    for (size_t i = 0; i < n; i++) {
        if (!drivers[i]->defaults[0])
            continue; /* raw PCM decodes anything: not a protocol to recognise */
        mc_diag d;
        mc_diag_clear(&d);
        long long frames = probe_one(drivers[i], port, listen_s, &d);
        if (frames < 0) {
            mc_cli_error(cmd, "%s", d.message[0] ? d.message : "cannot open the port");
            return MC_EXIT_USER;
        }
        if (frames > best_frames) {
            best = drivers[i];
            best_frames = frames;
        }
    }
    if (!best) {
        printf("no known protocol answered on %s\n", port);
        return MC_EXIT_USER;
    }
    printf("%s answers on %s: --source NAME=%s:%s\n", best->name, port, best->name, port);
    return MC_EXIT_OK;
}

int mc_cmd_devices(int argc, char **argv)
{
    const char *cmd = "devices";
    static const struct option longopts[] = {
        {"probe", required_argument, NULL, OPT_PROBE},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *port = NULL;
    double listen_s = 2.5;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(help, stdout);
            return MC_EXIT_OK;
        case OPT_PROBE:
            port = optarg;
            break;
        case OPT_LISTEN:
            if (!mc_cli_parse_double(optarg, &listen_s) || listen_s <= 0 || listen_s > 60) {
                mc_cli_error(cmd, "--listen %s: expected seconds in (0, 60]", optarg);
                return MC_EXIT_USER;
            }
            break;
        default:
            mc_cli_bad_option(cmd, argv, optind);
            return MC_EXIT_USER;
        }
    }
    if (port) {
        if (optind < argc) {
            mc_cli_error(cmd, "unexpected argument '%s'", argv[optind]);
            return MC_EXIT_USER;
        }
        return probe(cmd, port, listen_s);
    }
    size_t n;
    const mc_driver *const *drivers = mc_drivers(&n);
    if (optind < argc) {
        const mc_driver *d = mc_driver_find(argv[optind]);
        if (!d) {
            mc_cli_error(cmd, "unknown driver '%s' (mcirc devices lists them)", argv[optind]);
            return MC_EXIT_USER;
        }
        describe(d);
        return MC_EXIT_OK;
    }
    for (size_t i = 0; i < n; i++) {
        describe(drivers[i]);
        printf("\n");
    }
    printf("sim: simulated devices with known truth (mcirc sim --help: ppg, ldf, nirs, pco2)\n");
    return MC_EXIT_OK;
}
