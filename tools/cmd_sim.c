/* SPDX-License-Identifier: MIT */
/* tools/cmd_sim.c: `mcirc sim`: a session of simulated streams with known truth, written as fast
 * as the machine allows, on the exact synthetic clock of the models. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acquisition/clock.h"
#include "tools/commands.h"
#include "tools/recording.h"

static const char help[] =
    "usage: mcirc sim -o FILE.h5 --duration S --subject ID --session LABEL\n"
    "                 --stream NAME=MODEL[,key=value...] [--stream ...] [options]\n\n"
    "Writes a session of simulated streams as fast as possible (for tests and benchmarks).\n"
    "Models and keys (DESIGN.md): ppg (rate hr pi dc resp pvi noise motion dropout seed),\n"
    "ldf (rate pu a1..a6 porh bz porh_peak porh_tpeak porh_tau occlusion noise seed),\n"
    "nirs (rate sto2 vot occlusion desat recovery overshoot decay quantize noise seed),\n"
    "pco2 (rate level drift noise seed); every model also takes site and irregular=1.\n"
    "The truth is stored in each stream's attributes as sim_<key>.\n\n"
    "  -o, --output FILE     file to create (never overwritten)\n"
    "  --duration S          seconds of data (> 0)\n"
    "  --stream SPEC         NAME=MODEL[,key=value...], repeatable\n"
    "  --compression N       deflate level 0..9 (default 4)\n"
    "%s"
    "  -h, --help            this text\n\n"
    "example: mcirc sim -o s.h5 --duration 600 --subject ICU-014 --session D2 \\\n"
    "           --stream ppg_finger=ppg,hr=80,pi=1.2 --stream ldf_forearm=ldf,porh=120\n";

enum { OPT_DURATION = MC_OPT_FIRST_FREE, OPT_STREAM, OPT_COMPRESSION };

/* Reads every source in turn, one block each, so that the streams advance together in time and
 * memory stays flat however long the session is. */
static mc_status run(mc_recording *rec, mc_source **src, size_t n, double duration_s)
{
    size_t *first = calloc(n, sizeof *first);
    int *done = calloc(n, sizeof *done);
    if (!first || !done) {
        free(first);
        free(done);
        return MC_ENOMEM;
    }
    size_t next = 0;
    for (size_t k = 0; k < n; k++) {
        first[k] = next;
        next += mc_source_get_n_streams(src[k]);
    }
    int tty = mc_cli_stderr_is_tty();
    int64_t last_report = mc_clock_now_ns();
    size_t finished = 0;
    mc_status st = MC_OK;
    while (finished < n && st == MC_OK) {
        for (size_t k = 0; k < n && st == MC_OK; k++) {
            if (done[k])
                continue;
            mc_source_item item;
            mc_status rs = mc_source_read(src[k], &item);
            if (rs == MC_END) {
                done[k] = 1;
                finished++;
            } else if (rs != MC_OK) {
                st = rs;
            } else if (item.kind == MC_ITEM_EVENT) {
                st = mc_recording_write_event(rec, &item.event);
            } else {
                st = mc_recording_write_block(rec, first[k] + item.stream, &item.block);
                if (tty && item.stream == 0 && k == 0 && mc_clock_now_ns() - last_report > 2e8) {
                    const mc_stream_info *info = mc_source_get_info(src[k], 0);
                    double t = info->rate_hz > 0 ? (double)item.block.first_frame / info->rate_hz
                                                 : (double)item.block.t0_ns / 1e9;
                    fprintf(stderr, "\rmcirc sim: %5.1f %% (%.0f of %.0f s)\033[K",
                            100.0 * t / duration_s, t, duration_s);
                    last_report = mc_clock_now_ns();
                }
            }
        }
    }
    if (tty)
        fprintf(stderr, "\r\033[K");
    free(first);
    free(done);
    return st;
}

int mc_cmd_sim(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"stream", required_argument, NULL, OPT_STREAM},
        {"compression", required_argument, NULL, OPT_COMPRESSION},
        {"help", no_argument, NULL, 'h'},
        MC_CLI_SESSION_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL, *duration_arg = NULL;
    mc_cli_session_opts so;
    memset(&so, 0, sizeof so);
    const char **specs = calloc((size_t)argc, sizeof *specs);
    size_t n_specs = 0;
    int compression = 4;
    int opt, rc = MC_EXIT_USER;
    if (!specs)
        return MC_EXIT_INTERNAL;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        if (mc_cli_session_option(opt, optarg, &so))
            continue;
        switch (opt) {
        case 'o':
            output = optarg;
            break;
        case OPT_DURATION:
            duration_arg = optarg;
            break;
        case OPT_STREAM:
            specs[n_specs++] = optarg;
            break;
        case OPT_COMPRESSION:
            if (!mc_cli_parse_compression("sim", optarg, &compression))
                goto done;
            break;
        case 'h':
            printf(help, mc_cli_session_help);
            rc = MC_EXIT_OK;
            goto done;
        default:
            mc_cli_bad_option("sim", argv, optind);
            goto done;
        }
    }
    if (optind < argc) {
        mc_cli_error("sim", "unexpected argument '%s' (mcirc sim --help)", argv[optind]);
        goto done;
    }
    double duration = 0;
    if (!output) {
        mc_cli_error("sim", "-o FILE is required");
        goto done;
    }
    if (!duration_arg || !mc_cli_parse_double(duration_arg, &duration) || duration <= 0 ||
        duration > 30 * 86400.0) {
        mc_cli_error("sim", "--duration: expected seconds, > 0 and at most 30 days");
        goto done;
    }
    if (n_specs == 0) {
        mc_cli_error("sim", "at least one --stream NAME=MODEL[,key=value...] is required");
        goto done;
    }
    rc = MC_EXIT_OK;
    mc_session_info session;
    mc_status st = mc_cli_make_session("sim", &so, mc_clock_unix_ns(), &session);
    mc_source **src = calloc(n_specs, sizeof *src);
    mc_stream_info *infos = calloc(n_specs, sizeof *infos);
    mc_source_spec *spec = calloc(1, sizeof *spec);
    if (!src || !infos || !spec)
        st = MC_ENOMEM;
    size_t n_src = 0;
    for (size_t i = 0; i < n_specs && st == MC_OK; i++) {
        mc_diag d;
        st = mc_source_spec_parse(specs[i], 0, spec, &d);
        if (st != MC_OK) {
            mc_cli_error("sim", "--stream %s", d.message);
            break;
        }
        /* One-second blocks: the clock fit sees one point a second, which is plenty on an
         * exact clock, and the HDF5 writes stay large. */
        st = mc_cli_make_sim_source("sim", spec, 0, 1, 0, duration, 1.0, &src[n_src]);
        if (st == MC_OK) {
            infos[n_src] = *mc_source_get_info(src[n_src], 0);
            n_src++;
        }
    }
    mc_recording *rec = NULL;
    if (st == MC_OK) {
        mc_h5_writer_config wc = mc_h5_writer_config_default();
        wc.path = output;
        wc.session = &session;
        wc.allow_id = so.allow_id;
        wc.n_streams = n_src;
        wc.streams = infos;
        wc.swmr = 0;
        wc.compression = compression;
        mc_diag d;
        st = mc_recording_create(&wc, 0, &d, &rec);
        if (st != MC_OK)
            mc_cli_error("sim", "%s", d.message);
    }
    if (st == MC_OK) {
        st = run(rec, src, n_src, duration);
        mc_diag d;
        mc_diag_clear(&d);
        if (st == MC_OK)
            st = mc_recording_finish(rec, &d);
        if (st != MC_OK)
            mc_cli_error("sim", "%s: %s", output, d.message[0] ? d.message : mc_strerror(st));
    }
    if (st == MC_OK) {
        printf("wrote %s: %zu stream%s, %.0f s\n", output, n_src, n_src == 1 ? "" : "s", duration);
    }
    rc = mc_cli_exit_code(st);
    mc_recording_destroy(rec);
    for (size_t i = 0; src && i < n_src; i++)
        mc_source_destroy(src[i]);
    free(src);
    free(infos);
    free(spec);
done:
    free(specs);
    return rc;
}
