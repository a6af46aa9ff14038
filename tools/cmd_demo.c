/* SPDX-License-Identifier: MIT */
/* tools/cmd_demo.c: `mcirc demo`: the README's main job. Records a one-minute simulated session of
 * four devices (finger PPG, forearm LDF with a short PORH, thenar NIRS with a short vascular
 * occlusion test, ear PCO2) in real time, then shows `mcirc info` of it. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/commands.h"

static const char help[] =
    "usage: mcirc demo [FILE.h5] [--duration S]\n\n"
    "Records a simulated session of PPG, LDF, NIRS and PCO2 in real time (60 s by default)\n"
    "into FILE.h5 (default demo.h5, or demo-1.h5, demo-2.h5... if that exists: nothing is\n"
    "ever overwritten), then prints `mcirc info` of it. Type events while it runs.\n\n"
    "  --duration S   seconds to record (default 60)\n"
    "  -h, --help     this text\n";

/* Occlusions are shortened so that both protocols fit in the minute. */
static const char *const demo_sources[] = {
    "ppg_finger=sim:ppg,hr=82,pi=1.8,site=finger",
    "ldf_forearm=sim:ldf,pu=18,porh=15,occlusion=20,site=forearm",
    "nirs_thenar=sim:nirs,sto2=78,vot=10,occlusion=25,site=thenar",
    "pco2_ear=sim:pco2,level=48,drift=2,site=ear",
};

int mc_cmd_demo(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"duration", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    double duration = 60;
    int opt;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (opt == 'd') {
            if (!mc_cli_parse_double(optarg, &duration) || duration <= 0 || duration > 86400) {
                mc_cli_error("demo", "--duration '%s': expected seconds in (0, 86400]", optarg);
                return MC_EXIT_USER;
            }
        } else if (opt == 'h') {
            fputs(help, stdout);
            return MC_EXIT_OK;
        } else {
            mc_cli_bad_option("demo", argv, optind);
            return MC_EXIT_USER;
        }
    }
    if (optind < argc - 1) {
        mc_cli_error("demo", "expected at most one FILE.h5 (mcirc demo --help)");
        return MC_EXIT_USER;
    }
    char path[4096];
    if (optind == argc - 1) {
        snprintf(path, sizeof path, "%s", argv[optind]);
    } else {
        /* The default name is taken again and again by people trying the demo: pick the next
         * free one rather than refuse. A name the user gives is never replaced (record refuses). */
        struct stat sb;
        snprintf(path, sizeof path, "demo.h5");
        for (int i = 1; stat(path, &sb) == 0 && i < 10000; i++)
            snprintf(path, sizeof path, "demo-%d.h5", i);
    }
    mc_record_opts o;
    memset(&o, 0, sizeof o);
    o.cmd = "demo";
    o.output = path;
    o.session.subject = "DEMO-001";
    o.session.session = "baseline";
    o.session.site = "simulated bedside";
    o.session.notes = "mcirc demo: simulated devices with known truth (sim_* attributes)";
    o.sources = demo_sources;
    o.n_sources = sizeof demo_sources / sizeof demo_sources[0];
    o.duration_s = duration;
    o.compression = 4;
    printf("mcirc demo: recording %.0f s of simulated PPG, LDF, NIRS and PCO2 into %s\n", duration,
           path);
    fflush(stdout);
    int rc = mc_record_run(&o);
    if (rc != MC_EXIT_OK)
        return rc;
    putchar('\n');
    return mc_info_run("demo", path, 0);
}
