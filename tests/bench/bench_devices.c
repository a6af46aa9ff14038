/* SPDX-License-Identifier: MIT */
/* tests/bench/bench_devices.c: CPU used by `mcirc record` reading eight emulated devices at once
 * (each `mcirc emulate` on its own pseudo-terminal: masimo, nonin formats 2, 7 and 8, contec
 * legacy and v4.6, ge-s5, tosca), with live analysis and OSC to a loopback sink, for 20 s; the
 * reference measured in the same run is the same recorder with eight simulated sources of the
 * same rates (no bytes, no decoding). Prints CPU % of one core and of the machine, RSS, and every
 * device's frames and bad frames. Fails only if a child cannot run or a device loses frames.
 *
 * usage: bench_devices [path/to/mcirc] [seconds, default 20] */
#include <stdio.h>

#include "tests/bench/bench_record.h"

#ifndef MC_BENCH_MCIRC
#define MC_BENCH_MCIRC "mcirc"
#endif

enum { N_DEV = 8 };

static const struct {
    const char *name, *device, *set, *keys;
} devs[N_DEV] = {
    {"masimo", "masimo", "sn=B1", ""},        {"n2", "nonin", "format=2", ""},
    {"n7", "nonin", "format=7", ",format=7"}, {"n8", "nonin", "format=8", ",format=8"},
    {"cl", "contec", "protocol=legacy", ""},  {"c46", "contec", "protocol=v46", ",protocol=v46"},
    {"ge", "ge-s5", "hr=72", ",interval=5"},  {"tosca", "tosca", NULL, ""},
};

/* The same rates, simulated: 75, 75, 1, 60, 60, 100 Hz PPG; 1 Hz numerics for the rest. */
static const char *const sims[N_DEV] = {
    "masimo=sim:pco2,rate=1", "n2=sim:ppg,rate=75",  "n7=sim:ppg,rate=75",  "n8=sim:pco2,rate=1",
    "cl=sim:ppg,rate=60",     "c46=sim:ppg,rate=60", "ge=sim:ppg,rate=100", "tosca=sim:pco2,rate=1",
};

static double cpu_pct(const br_result *r)
{
    return 100.0 * (r->user_s + r->sys_s) / r->wall_s;
}

int main(int argc, char **argv)
{
    const char *mcirc = argc > 1 ? argv[1] : MC_BENCH_MCIRC;
    double duration = argc > 2 ? atof(argv[2]) : 20;
    char dir[] = "/tmp/mcirc-bench-dev-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    int port = 0;
    int sink = br_udp_sink(&port);
    char osc[64];
    snprintf(osc, sizeof osc, "osc.udp://127.0.0.1:%d", port);
    char capture[600];
    snprintf(capture, sizeof capture, "%s/tosca.txt", dir);
    FILE *f = fopen(capture, "w");
    if (!f || sink < 0)
        return 1;
    for (int i = 0; i < 600; i++)
        fprintf(f, "26-11-26 05:30,%03d,N,097,N,087,N,252,12.3,41.9,03:12,M,\r\n", 40 + i % 10);
    fclose(f);

    /* The emulators, each on its pty; record reads them all. */
    FILE *emu[N_DEV];
    pid_t pids[N_DEV];
    char src[N_DEV][300], dur[32];
    snprintf(dur, sizeof dur, "%g", duration + 10);
    for (int i = 0; i < N_DEV; i++) {
        int fds[2];
        if (pipe(fds) != 0)
            return 1;
        pids[i] = fork();
        if (pids[i] == 0) {
            dup2(fds[1], STDOUT_FILENO);
            int null = open("/dev/null", O_WRONLY);
            dup2(null, STDERR_FILENO);
            if (devs[i].set)
                execl(mcirc, mcirc, "emulate", devs[i].device, "--pty", "--duration", dur, "--set",
                      devs[i].set, (char *)NULL);
            else
                execl(mcirc, mcirc, "emulate", devs[i].device, "--pty", "--replay", capture,
                      "--duration", dur, (char *)NULL); /* open after the capture's end */
            _exit(127);
        }
        close(fds[1]);
        emu[i] = fdopen(fds[0], "r");
        char pty[256] = "";
        if (!emu[i] || !fgets(pty, sizeof pty, emu[i])) {
            fprintf(stderr, "bench_devices: emulate %s did not start\n", devs[i].device);
            return 1;
        }
        pty[strcspn(pty, "\n")] = '\0';
        snprintf(src[i], sizeof src[i], "%s=%s:%s%s", devs[i].name, devs[i].device, pty,
                 devs[i].keys);
    }
    char out[600], log[600], d_arg[32];
    snprintf(d_arg, sizeof d_arg, "%g", duration);
    /* execv takes char *const[]: the literals are never written to. */
#define ARG(x) ((char *)(uintptr_t)(x))
    char *args[64];
    int n = 0;
    args[n++] = ARG(mcirc);
    args[n++] = ARG("record");
    args[n++] = ARG("-o");
    args[n++] = out;
    args[n++] = ARG("--subject");
    args[n++] = ARG("BENCH-DEV");
    args[n++] = ARG("--session");
    args[n++] = ARG("D1");
    args[n++] = ARG("--duration");
    args[n++] = d_arg;
    args[n++] = ARG("--osc");
    args[n++] = osc;
    int first_source = n;
    for (int i = 0; i < N_DEV; i++) {
        args[n++] = ARG("--source");
        args[n++] = src[i];
    }
    args[n] = NULL;
    snprintf(out, sizeof out, "%s/devices.h5", dir);
    snprintf(log, sizeof log, "%s/devices.log", dir);
    br_result dev;
    if (br_run(args, log, NULL, NULL, &dev) != 0 || dev.exit_status != 0) {
        fprintf(stderr, "bench_devices: record of the devices failed (log %s)\n", log);
        return 1;
    }
    for (int i = 0; i < N_DEV; i++) {
        kill(pids[i], SIGTERM);
        waitpid(pids[i], NULL, 0);
        fclose(emu[i]);
    }
    /* The reference: the same recorder, simulated sources of the same rates. */
    for (int i = 0; i < N_DEV; i++)
        args[first_source + 2 * i + 1] = ARG(sims[i]);
    char ref_out[600], ref_log[600];
    snprintf(ref_out, sizeof ref_out, "%s/sim.h5", dir);
    snprintf(ref_log, sizeof ref_log, "%s/sim.log", dir);
    args[3] = ref_out;
    br_result ref;
    if (br_run(args, ref_log, NULL, NULL, &ref) != 0 || ref.exit_status != 0) {
        fprintf(stderr, "bench_devices: record of the simulated sources failed (log %s)\n",
                ref_log);
        return 1;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    printf("bench_devices: mcirc record, 8 devices on ptys, %.0f s, live analysis + OSC\n",
           duration);
    printf("%-28s %9s %9s %9s %8s\n", "", "CPU core", "machine", "RSS MiB", "wall s");
    printf("%-28s %8.2f%% %8.2f%% %9.1f %8.1f\n", "8 emulated devices", cpu_pct(&dev),
           cpu_pct(&dev) / (double)cores, dev.maxrss_mb, dev.wall_s);
    printf("%-28s %8.2f%% %8.2f%% %9.1f %8.1f\n", "8 simulated sources (ref)", cpu_pct(&ref),
           cpu_pct(&ref) / (double)cores, ref.maxrss_mb, ref.wall_s);
    printf("ratio devices / simulated: %.2f\n", cpu_pct(&dev) / cpu_pct(&ref));
    const char *prefixes[] = {"device "};
    br_print_log(log, prefixes, 1);
    int rc = 0;
    FILE *lf = fopen(log, "r");
    char line[512];
    while (lf && fgets(line, sizeof line, lf))
        if (strncmp(line, "device ", 7) == 0 && !strstr(line, " 0 bad"))
            rc = 1; /* the emulators send no fault: nothing may be bad */
    if (lf)
        fclose(lf);
    if (rc)
        fprintf(stderr, "bench_devices: a device had bad frames\n");
    close(sink);
    unlink(out);
    unlink(ref_out);
    unlink(log);
    unlink(ref_log);
    unlink(capture);
    rmdir(dir);
    return rc;
}
