/* SPDX-License-Identifier: MIT */
/* tools/emulate_lines.c: the line devices of `mcirc emulate`: Masimo ASCII 1 lines from known
 * truth (--set), and text captures replayed at the pace of their date-times. */
#include "tools/emulate_lines.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/masimo.h"
#include "tools/cli.h"

/* Hex bits with or without 0x. */
static int parse_hex32(const char *s, uint32_t *out)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    if (!*s || strlen(s) > 8)
        return 0;
    char *end;
    errno = 0;
    const unsigned long v = strtoul(s, &end, 16);
    if (*end || errno || s[0] == '-' || s[0] == '+')
        return 0;
    *out = (uint32_t)v;
    return 1;
}

typedef struct set_ctx {
    const char *cmd;
    mc_emu_truth *t;
} set_ctx;

/* One key=value of --set. */
static int set_key(void *ctx, const char *kv, const char *v)
{
    static const struct {
        const char *key;
        double lo, hi;
    } ranges[] = {{"spo2", 0, 100}, {"hr", 20, 300}, {"pi", 0.02, 20}, {"pvi", 0, 90}};
    const char *cmd = ((set_ctx *)ctx)->cmd;
    mc_emu_truth *t = ((set_ctx *)ctx)->t;
    double *dst[] = {&t->spo2, &t->hr, &t->pi, &t->pvi};
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        if (strcmp(kv, ranges[i].key) != 0)
            continue;
        double x;
        if (!mc_cli_parse_double(v, &x) || x < ranges[i].lo || x > ranges[i].hi) {
            mc_cli_error(cmd, "--set %s=%s: expected a number in %g..%g", kv, v, ranges[i].lo,
                         ranges[i].hi);
            return 0;
        }
        *dst[i] = x;
        return 1;
    }
    if (strcmp(kv, "exc") == 0 || strcmp(kv, "alarm") == 0) {
        if (!parse_hex32(v, strcmp(kv, "exc") == 0 ? &t->exc : &t->alarm)) {
            mc_cli_error(cmd, "--set %s=%s: expected 1 to 8 hex digits (0x optional)", kv, v);
            return 0;
        }
        return 1;
    }
    if (strcmp(kv, "sn") == 0) {
        int ok = strlen(v) > 0 && strlen(v) < sizeof t->sn;
        for (const char *c = v; ok && *c; c++)
            ok = (unsigned char)*c > 0x20 && (unsigned char)*c < 0x7F;
        if (!ok) {
            mc_cli_error(cmd, "--set sn=%s: expected 1 to 31 printable characters", v);
            return 0;
        }
        strcpy(t->sn, v);
        return 1;
    }
    mc_cli_error(cmd, "--set: unknown key '%s' (expected spo2, hr, pi, pvi, exc, alarm, sn)", kv);
    return 0;
}

int mc_emu_lines_parse_set(const char *cmd, const char *arg, mc_emu_truth *t)
{
    set_ctx sc = {cmd, t};
    return mc_cli_for_each_kv(cmd, "--set", arg, set_key, &sc);
}

/* The synthetic line at device time unix_s; sensor off: dashes and the EXC bit. */
mc_status mc_emu_lines_synth(const mc_emu_truth *t, int64_t unix_s, int sensor_off, char *out,
                             size_t cap, size_t *len)
{
    mc_masimo_line v;
    memset(&v, 0, sizeof v);
    v.unix_s = unix_s;
    strcpy(v.serial, t->sn);
    /* A Radical-7 without rainbow licences: SpCO and SpMet dashes, as DESAT and PIDELTA. */
    const mc_masimo_field sent[] = {MC_MASIMO_SPO2,    MC_MASIMO_BPM,   MC_MASIMO_PI,
                                    MC_MASIMO_SPCO,    MC_MASIMO_SPMET, MC_MASIMO_DESAT,
                                    MC_MASIMO_PIDELTA, MC_MASIMO_PVI};
    for (size_t i = 0; i < sizeof sent / sizeof sent[0]; i++) {
        v.present[sent[i]] = 1;
        v.value[sent[i]] = NAN;
    }
    if (!sensor_off) {
        v.value[MC_MASIMO_SPO2] = (float)t->spo2;
        v.value[MC_MASIMO_BPM] = (float)t->hr;
        v.value[MC_MASIMO_PI] = (float)t->pi;
        v.value[MC_MASIMO_PVI] = (float)t->pvi;
    }
    v.has_alarm = v.has_exc = 1;
    v.alarm = t->alarm;
    v.exc = t->exc | (sensor_off ? MC_MASIMO_EXC_SENSOR_OFF : 0u);
    return mc_masimo_line_format(&v, out, cap, len);
}

/* A captured line during a sensor-off fault: its values dashed and the EXC bit set, when it
 * parses; otherwise as it is. */
void mc_emu_lines_sensor_off(char *line, size_t *len, size_t cap)
{
    mc_masimo_line v;
    if (*len < 2 || mc_masimo_line_parse(line, *len - 2, &v, NULL) != MC_OK)
        return;
    for (int f = 0; f < MC_MASIMO_N_FIELDS; f++)
        v.value[f] = NAN;
    v.has_exc = 1;
    v.exc |= MC_MASIMO_EXC_SENSOR_OFF;
    char tmp[MC_MASIMO_LINE_MAX + 8];
    size_t n;
    if (mc_masimo_line_format(&v, tmp, sizeof tmp, &n) == MC_OK && n < cap) {
        memcpy(line, tmp, n + 1);
        *len = n;
    }
}

void mc_emu_capture_free(mc_emu_capture *c)
{
    free(c->text);
    free(c->line);
    free(c->t_s);
}

int mc_emu_capture_load(const char *cmd, const char *path, mc_emu_capture *c)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "rb");
    if (!f) {
        mc_cli_error(cmd, "--replay %s: %s", path, strerror(errno));
        return MC_EXIT_USER;
    }
    size_t cap = 0, used = 0;
    for (;;) {
        if (used + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 65536;
            char *p = realloc(c->text, cap);
            if (!p) {
                fclose(f);
                mc_cli_error(cmd, "out of memory reading %s", path);
                return MC_EXIT_INTERNAL;
            }
            c->text = p;
        }
        const size_t got = fread(c->text + used, 1, 4096, f);
        used += got;
        if (got < 4096)
            break;
    }
    const int err = ferror(f);
    fclose(f);
    if (err) {
        mc_cli_error(cmd, "--replay %s: read error", path);
        return MC_EXIT_USER;
    }
    c->text[used] = '\0';
    size_t lines = 1;
    for (size_t i = 0; i < used; i++)
        lines += c->text[i] == '\n';
    c->line = calloc(lines, sizeof *c->line);
    c->t_s = calloc(lines, sizeof *c->t_s);
    if (!c->line || !c->t_s) {
        mc_cli_error(cmd, "out of memory reading %s", path);
        return MC_EXIT_INTERNAL;
    }
    int64_t first = 0;
    int have_first = 0;
    double prev = -1;
    for (char *s = c->text; s < c->text + used;) {
        char *nl = memchr(s, '\n', (size_t)(c->text + used - s));
        char *end = nl ? nl : c->text + used;
        char *e = end;
        while (e > s && (e[-1] == '\r' || e[-1] == '\n'))
            e--;
        *e = '\0';
        if (e > s && strlen(s) + 3 <= MC_MASIMO_LINE_MAX) {
            /* The date-time alone: the rest of the line may be anything. */
            mc_masimo_line v;
            double t = prev + 1;
            if ((size_t)(e - s) >= 17 && mc_masimo_line_parse(s, 17, &v, NULL) == MC_OK) {
                if (!have_first) {
                    first = v.unix_s;
                    have_first = 1;
                    t = prev < 0 ? 0 : prev + 1;
                    first -= (int64_t)t;
                } else {
                    t = (double)(v.unix_s - first);
                }
                if (t < prev)
                    t = prev + 1; /* a clock set back: keep going at 1 line/s */
            }
            if (t < 0)
                t = 0;
            c->line[c->n] = s;
            c->t_s[c->n++] = t;
            prev = t;
        }
        if (!nl)
            break;
        s = nl + 1;
    }
    if (c->n == 0) {
        mc_cli_error(cmd, "--replay %s: no lines", path);
        return MC_EXIT_USER;
    }
    return MC_EXIT_OK;
}
