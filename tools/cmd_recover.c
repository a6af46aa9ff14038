/* SPDX-License-Identifier: MIT */
/* tools/cmd_recover.c: `mcirc recover`: a clean copy of a recording left open by a crash. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "formats/h5_recover.h"
#include "tools/commands.h"

static const char help[] =
    "usage: mcirc recover FILE.h5 -o NEW.h5\n\n"
    "Writes a clean copy of a session file that a crash (or a running recorder) left open, so\n"
    "that h5dump, h5py, HDFView and MATLAB open it. Everything the recorder flushed is copied:\n"
    "streams, times, gaps, events, features and all attributes. The original is opened\n"
    "read-only and never modified (do not run `h5clear -s` on it: LIBS.md shows it can\n"
    "truncate the data). NEW.h5 must not exist.\n\n"
    "  -o, --output NEW.h5   the copy to create\n"
    "  -h, --help            this text\n";

int mc_cmd_recover(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL;
    int opt;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        if (opt == 'o') {
            output = optarg;
        } else if (opt == 'h') {
            fputs(help, stdout);
            return MC_EXIT_OK;
        } else {
            mc_cli_bad_option("recover", argv, optind);
            return MC_EXIT_USER;
        }
    }
    if (optind != argc - 1 || !output) {
        mc_cli_error("recover", "expected FILE.h5 -o NEW.h5 (mcirc recover --help)");
        return MC_EXIT_USER;
    }
    mc_diag d;
    mc_diag_clear(&d);
    mc_h5_recover_stats s;
    mc_status st = mc_h5_recover(argv[optind], output, &d, &s);
    if (st != MC_OK) {
        mc_cli_error("recover", "%s", d.message[0] ? d.message : mc_strerror(st));
        return mc_cli_exit_code(st);
    }
    printf("recovered %s -> %s (%s): %" PRId64 " streams, %" PRId64 " samples, %" PRId64
           " anchors, %" PRId64 " gaps, %" PRId64 " events, %" PRId64 " feature values\n",
           argv[optind], output, s.was_open ? "it was left open" : "it was closed cleanly",
           s.streams, s.frames, s.anchors, s.gaps, s.events, s.feature_values);
    return MC_EXIT_OK;
}
