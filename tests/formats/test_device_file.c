/* SPDX-License-Identifier: MIT */
/* tests/formats/test_device_file.c: device files (formats/device_file.h): every built-in file
 * parses into valid stream descriptions; lines written as DEVICES.md shows them (SenSmart,
 * INVOS, TOSCA data and heading lines, TOSCA request replies) decode to the right values and
 * units; bad device files give one clear error each; generated lines round-trip exactly. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "formats/device_file.h"
#include "tests/harness.h"

static mc_device_file *parse_ok(const char *text)
{
    mc_device_file *f = NULL;
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_device_file_parse(text, strlen(text), "test.ini", &f, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    ASSERT_TRUE(f != NULL);
    return f;
}

static mc_device_file *builtin(const char *name)
{
    mc_device_file *f = NULL;
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_device_file_open_builtin(name, &f, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    return f;
}

static void decode_ok(const mc_device_file *f, const char *line, mc_device_line *out)
{
    mc_diag d;
    mc_diag_clear(&d);
    mc_status st = mc_device_file_decode_line(f, line, strlen(line), out, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
}

/* Index of a channel by name in stream s (fails the test when absent). */
static size_t channel(const mc_device_file *f, size_t s, const char *name, const char *unit)
{
    mc_stream_info info;
    ASSERT_STATUS(mc_device_file_get_stream(f, s, &info), MC_OK);
    for (size_t c = 0; c < info.n_channels; c++)
        if (strcmp(info.channels[c].name, name) == 0) {
            ASSERT_STR_EQ(info.channels[c].unit, unit);
            return c;
        }
    fprintf(stderr, "no channel %s in stream %zu\n", name, s);
    exit(1);
}

TEST(builtins_parse_and_describe_valid_streams)
{
    const char *expected[] = {"invos", "nonin_ascii", "periflux_csv", "sensmart", "tosca"};
    size_t n = 0;
    while (mc_device_file_builtin_name(n))
        n++;
    ASSERT_EQ_INT(n, 5);
    for (size_t i = 0; i < n; i++) {
        const char *name = mc_device_file_builtin_name(i);
        ASSERT_STR_EQ(name, expected[i]);
        mc_device_file *f = builtin(name);
        ASSERT_STR_EQ(mc_device_file_get_name(f), name);
        ASSERT_TRUE(strlen(mc_device_file_get_model(f)) > 0);
        ASSERT_TRUE(mc_device_file_n_streams(f) >= 1);
        ASSERT_STR_EQ(mc_device_file_get_stream_suffix(f, 0), "");
        for (size_t s = 0; s < mc_device_file_n_streams(f); s++) {
            mc_stream_info info;
            ASSERT_STATUS(mc_device_file_get_stream(f, s, &info), MC_OK);
            ASSERT_TRUE(info.name == NULL);
            info.name = "x"; /* the driver's part */
            mc_diag d;
            mc_diag_clear(&d);
            mc_status st = mc_stream_info_check(&info, &d);
            if (st != MC_OK)
                fprintf(stderr, "%s stream %zu: %s\n", name, s, d.message);
            ASSERT_STATUS(st, MC_OK);
            ASSERT_STR_EQ(info.device_model, mc_device_file_get_model(f));
            ASSERT_STR_EQ(info.driver, "text");
        }
        mc_stream_info info;
        ASSERT_STATUS(mc_device_file_get_stream(f, 99, &info), MC_EINVAL);
        mc_device_file_destroy(f);
    }
    const char *text;
    size_t len;
    ASSERT_STATUS(mc_device_file_builtin("sensmart", &text, &len), MC_OK);
    ASSERT_TRUE(len > 100 && memcmp(text, "# Nonin SenSmart", 16) == 0);
    ASSERT_STATUS(mc_device_file_builtin("nope", &text, &len), MC_ENOTFOUND);
    mc_device_file *f = NULL;
    mc_diag d;
    ASSERT_STATUS(mc_device_file_open_builtin("nope", &f, &d), MC_ENOTFOUND);
    ASSERT_TRUE(f == NULL);
    ASSERT_TRUE(strstr(d.message, "nope") && strstr(d.message, "sensmart"));
}

TEST(sensmart_line_from_devices_md)
{
    mc_device_file *f = builtin("sensmart");
    /* The Table 13 layout with values filled in; channels 3 and 4 are off (dashes). */
    const char *line = "Ch1=071 Ch2=068 Ch3=--- Ch4=---2*|2026-11-26T05:30:00|rSO2=071,068,---,---|"
                       "HbI=11.5,12.0,--.-,--.-|AUC=0000,0012,----,----|REF=070,066,---,---|"
                       "HI_LIM=090,090,090,090|LOW_LIM=050,050,050,050|ALM=OFF,LOW,OFF,OFF|"
                       "SIG_QUAL_ALM=0,0,0,0\r\n";
    mc_device_line out;
    decode_ok(f, line, &out);
    ASSERT_EQ_INT(out.skipped, MC_DEVICE_DECODED);
    ASSERT_EQ_INT(out.n_streams, 1);
    ASSERT_EQ_INT(out.has_frame[0], 1);
    ASSERT_NEAR_F(out.value[0][channel(f, 0, "rSO2_1", "%")], 71.0, 0);
    ASSERT_NEAR_F(out.value[0][channel(f, 0, "rSO2_2", "%")], 68.0, 0);
    ASSERT_TRUE(isnan(out.value[0][channel(f, 0, "rSO2_3", "%")]));
    ASSERT_TRUE(isnan(out.value[0][channel(f, 0, "rSO2_4", "%")]));
    ASSERT_NEAR_F(out.value[0][channel(f, 0, "HbI_1", "a.u.")], 11.5f, 0);
    ASSERT_NEAR_F(out.value[0][channel(f, 0, "HbI_2", "a.u.")], 12.0f, 0);
    ASSERT_TRUE(isnan(out.value[0][channel(f, 0, "HbI_4", "a.u.")]));

    /* A power-up banner is filtered, not an error; so is an empty line. */
    decode_ok(f, "Nonin Medical SenSmart X-100 V1.2\r\n", &out);
    ASSERT_EQ_INT(out.skipped, MC_DEVICE_SKIP_FILTERED);
    ASSERT_EQ_INT(out.has_frame[0], 0);
    decode_ok(f, "\r\n", &out);
    ASSERT_EQ_INT(out.skipped, MC_DEVICE_SKIP_EMPTY);
    /* Ch1= but none of the fields' keys: nothing to decode. */
    decode_ok(f, "Ch1=071 Ch2=068|2026-11-26T05:30:00", &out);
    ASSERT_EQ_INT(out.skipped, MC_DEVICE_SKIP_NO_FIELD);
    ASSERT_EQ_INT(out.has_frame[0], 0);
    /* Only rSO2 on the line, with a short list: a frame, the rest NaN. */
    decode_ok(f, "Ch1=071|rSO2=071,068", &out);
    ASSERT_EQ_INT(out.has_frame[0], 1);
    ASSERT_NEAR_F(out.value[0][channel(f, 0, "rSO2_2", "%")], 68.0, 0);
    ASSERT_TRUE(isnan(out.value[0][channel(f, 0, "rSO2_3", "%")]));
    ASSERT_TRUE(isnan(out.value[0][channel(f, 0, "HbI_1", "a.u.")]));
    /* A value that is neither a number nor a marker: the byte column of the bad text. */
    mc_diag d;
    mc_diag_clear(&d);
    const char *bad = "Ch1=071|rSO2=071,x68,---,---";
    ASSERT_STATUS(mc_device_file_decode_line(f, bad, strlen(bad), &out, &d), MC_EFORMAT);
    ASSERT_EQ_INT(d.offset, 17);
    ASSERT_TRUE(strstr(d.message, "column 18") && strstr(d.message, "rSO2_2") &&
                strstr(d.message, "x68"));
    ASSERT_EQ_INT(out.has_frame[0], 0);
    mc_device_file_destroy(f);
}

TEST(invos_case_history_line)
{
    mc_device_file *f = builtin("invos");
    const char *line =
        "1.2.34.56/1/1  11/26/26  05:30:00  72  0  0  0  68  12  3  0  0  0  0  0  ---  0  0  0\n";
    mc_device_line out;
    decode_ok(f, line, &out);
    ASSERT_EQ_INT(out.has_frame[0], 1);
    ASSERT_NEAR_F(out.value[0][channel(f, 0, "rSO2_1", "%")], 72.0, 0);
    ASSERT_NEAR_F(out.value[0][channel(f, 0, "rSO2_2", "%")], 68.0, 0);
    ASSERT_TRUE(isnan(out.value[0][channel(f, 0, "rSO2_3", "%")])); /* 0 = inactive */
    ASSERT_TRUE(isnan(out.value[0][channel(f, 0, "rSO2_4", "%")])); /* dashes */
    /* A line cut after channel 1: channels 2-4 absent, still a frame. */
    decode_ok(f, "1.2.34.56/1/1  11/26/26  05:30:06  71  0  0  0", &out);
    ASSERT_EQ_INT(out.has_frame[0], 1);
    ASSERT_NEAR_F(out.value[0][0], 71.0, 0);
    ASSERT_TRUE(isnan(out.value[0][1]));
    /* Too short for any field: skipped, not an error. */
    decode_ok(f, "INVOS 5100C", &out);
    ASSERT_EQ_INT(out.skipped, MC_DEVICE_SKIP_NO_FIELD);
    size_t n;
    const mc_kv *kv = mc_device_file_get_transport(f, &n);
    ASSERT_EQ_INT(n, 4);
    ASSERT_STR_EQ(kv[0].key, "baud");
    ASSERT_STR_EQ(kv[0].value, "9600");
    ASSERT_STR_EQ(kv[3].key, "line_end");
    ASSERT_STR_EQ(kv[3].value, "lf");
    mc_device_file_destroy(f);
}

TEST(tosca_heading_data_and_missing_lines)
{
    mc_device_file *f = builtin("tosca");
    ASSERT_EQ_INT(mc_device_file_n_streams(f), 2);
    ASSERT_STR_EQ(mc_device_file_get_stream_suffix(f, 1), "spo2");
    mc_stream_info info;
    ASSERT_STATUS(mc_device_file_get_stream(f, 0, &info), MC_OK);
    ASSERT_EQ_INT(info.modality, MC_MODALITY_PCO2);
    const size_t pco2 = channel(f, 0, "PCO2", "mm[Hg]"), hpwr = channel(f, 0, "HPWR", "mW"),
                 temp = channel(f, 0, "temp", "Cel"), spo2 = channel(f, 1, "SpO2", "%"),
                 pr = channel(f, 1, "PR", "/min"), pi = channel(f, 1, "PI", "%");
    mc_device_line out;
    /* Heading line: columns 6-12 as DEVICES.md shows them (1-5 assumed). */
    decode_ok(f,
              "Date Time,PCO2[mmHg],St,SpO2[%],St,PR[bpm]050:150,N,HPWR[mW]256,Perf.Index[%],"
              "Temp[C]42.0,Timer,Mode,\r\n",
              &out);
    ASSERT_EQ_INT(out.skipped, MC_DEVICE_SKIP_FILTERED);
    decode_ok(f, "26-11-26 05:30,045,N,097,N,087,N,252,12.3,41.9,03:12,M,\r\n", &out);
    ASSERT_EQ_INT(out.skipped, MC_DEVICE_DECODED);
    ASSERT_EQ_INT(out.has_frame[0], 1);
    ASSERT_EQ_INT(out.has_frame[1], 1);
    ASSERT_NEAR_F(out.value[0][pco2], 45.0, 0);
    ASSERT_NEAR_F(out.value[0][hpwr], 252.0, 0);
    ASSERT_NEAR_F(out.value[0][temp], 41.9f, 0);
    ASSERT_NEAR_F(out.value[1][spo2], 97.0, 0);
    ASSERT_NEAR_F(out.value[1][pr], 87.0, 0);
    ASSERT_NEAR_F(out.value[1][pi], 12.3f, 0);
    /* Every value missing ("---", "--.-"): frames of NaN for both streams. */
    decode_ok(f, "26-11-26 05:30,---,N,---,N,---,N,---,--.-,--.-,--:--,C,\r\n", &out);
    ASSERT_EQ_INT(out.skipped, MC_DEVICE_DECODED);
    ASSERT_EQ_INT(out.has_frame[0], 1);
    ASSERT_EQ_INT(out.has_frame[1], 1);
    for (size_t c = 0; c < 3; c++) {
        ASSERT_TRUE(isnan(out.value[0][c]));
        ASSERT_TRUE(isnan(out.value[1][c]));
    }
    /* A clock time where PR belongs: malformed, named. */
    mc_diag d;
    mc_diag_clear(&d);
    const char *bad = "26-11-26 05:30,045,N,097,N,08:7,N,252,12.3,41.9,03:12,M,";
    ASSERT_STATUS(mc_device_file_decode_line(f, bad, strlen(bad), &out, &d), MC_EFORMAT);
    ASSERT_EQ_INT(d.offset, 27);
    ASSERT_TRUE(strstr(d.message, "PR") && strstr(d.message, "08:7"));
    ASSERT_EQ_INT(out.has_frame[0] + out.has_frame[1], 0);
    mc_device_file_destroy(f);
}

/* TOSCA request/response replies (DEVICES.md section 7, `_` = space): KEY= tokens with unit
 * text after the number; each reply gives a frame to its own stream only. */
TEST(tosca_request_replies_by_key_with_units)
{
    mc_device_file *f = parse_ok("[device]\nname = tosca-rr\nmodel = Radiometer TOSCA 500\n"
                                 "rtscts = 1\nrequest = \"\\r\\n02$\"\nrequest_interval_s = 2\n"
                                 "require_prefix = 00[\n"
                                 "[stream.spo2]\nmodality = other\n"
                                 "[stream]\nmodality = pco2\n"
                                 "[field.pco2]\nchannel = PCO2\nunit = mm[Hg]\nkey = PCO2\n"
                                 "[field.hpwr]\nchannel = HPWR\nunit = mW\nkey = HPWR\n"
                                 "[field.spo2]\nstream = spo2\nunit = %\nkey = SPO2\n"
                                 "[field.pr]\nstream = spo2\nunit = /min\nkey = PR\n");
    /* [stream] is stream 0 although declared second. */
    ASSERT_STR_EQ(mc_device_file_get_stream_suffix(f, 0), "");
    ASSERT_STR_EQ(mc_device_file_get_stream_suffix(f, 1), "spo2");
    size_t n;
    double interval;
    const uint8_t *req = mc_device_file_get_request(f, &n, &interval);
    ASSERT_EQ_INT(n, 5);
    ASSERT_TRUE(memcmp(req, "\r\n02$", 5) == 0);
    ASSERT_NEAR_F(interval, 2.0, 0);
    const mc_kv *kv = mc_device_file_get_transport(f, &n);
    ASSERT_EQ_INT(n, 2);
    ASSERT_STR_EQ(kv[0].key, "rtscts");
    ASSERT_STR_EQ(kv[0].value, "1");
    ASSERT_STR_EQ(kv[1].value, "any");

    mc_device_line out;
    decode_ok(f, "00[PCO2(tc43.0) >2 N  PCO2=078mmHg  > N ]\r\n", &out);
    ASSERT_EQ_INT(out.has_frame[0], 1);
    ASSERT_EQ_INT(out.has_frame[1], 0);
    ASSERT_NEAR_F(out.value[0][0], 78.0, 0);
    ASSERT_TRUE(isnan(out.value[0][1]));
    decode_ok(f, "00[SPO2 >3 N  SPO2=078PERCNT > N ]", &out);
    ASSERT_EQ_INT(out.has_frame[0], 0);
    ASSERT_EQ_INT(out.has_frame[1], 1);
    ASSERT_NEAR_F(out.value[1][0], 78.0, 0);
    decode_ok(f, "00[PR >4 N  PR=088BPM > N ]", &out);
    ASSERT_NEAR_F(out.value[1][1], 88.0, 0);
    decode_ok(f, "00[HPWR >5 N  HPWR=0589mW > N ]", &out);
    ASSERT_NEAR_F(out.value[0][1], 589.0, 0);
    decode_ok(f, "00[PR >4 N  PR=---BPM > N ]", &out);
    ASSERT_EQ_INT(out.has_frame[1], 1);
    ASSERT_TRUE(isnan(out.value[1][1]));
    decode_ok(f, "$", &out);
    ASSERT_EQ_INT(out.skipped, MC_DEVICE_SKIP_FILTERED);
    mc_device_file_destroy(f);
}

TEST(nonin_ascii_lines)
{
    mc_device_file *f = builtin("nonin_ascii");
    const size_t spo2 = channel(f, 0, "SpO2", "%"), pr = channel(f, 0, "PR", "/min");
    mc_device_line out;
    decode_ok(f, "SPO2=097 HR=072\r\n", &out);
    ASSERT_NEAR_F(out.value[0][spo2], 97.0, 0);
    ASSERT_NEAR_F(out.value[0][pr], 72.0, 0);
    decode_ok(f, "12:30:01 SPO2=095 HR=101* F\r\n", &out); /* clock, event marker, fast mode */
    ASSERT_NEAR_F(out.value[0][spo2], 95.0, 0);
    ASSERT_NEAR_F(out.value[0][pr], 101.0, 0);
    decode_ok(f, "SPO2=--- HR=---\r\n", &out);
    ASSERT_EQ_INT(out.has_frame[0], 1);
    ASSERT_TRUE(isnan(out.value[0][spo2]) && isnan(out.value[0][pr]));
    decode_ok(f, "NONIN 7500 V2.1 11/26/26 05:30\r\n", &out); /* power-up header */
    ASSERT_EQ_INT(out.skipped, MC_DEVICE_SKIP_NO_FIELD);
    mc_device_file_destroy(f);
}

TEST(periflux_template_csv)
{
    mc_device_file *f = builtin("periflux_csv");
    mc_device_line out;
    decode_ok(f, "time,temp,pressure,perfusion\r\n", &out);
    ASSERT_EQ_INT(out.skipped, MC_DEVICE_SKIP_FILTERED);
    decode_ok(f, "45986.2291666667,33.5,0,123.4\r\n", &out);
    ASSERT_NEAR_F(out.value[0][channel(f, 0, "perfusion", "PU")], 123.4f, 0);
    ASSERT_NEAR_F(out.value[0][channel(f, 0, "temp", "Cel")], 33.5f, 0);
    ASSERT_NEAR_F(out.value[0][channel(f, 0, "pressure", "mm[Hg]")], 0.0, 0);
    decode_ok(f, "# comment", &out);
    ASSERT_EQ_INT(out.skipped, MC_DEVICE_SKIP_FILTERED);
    mc_device_file_destroy(f);
}

typedef struct bad_case {
    const char *text;
    int64_t line;
    const char *says;
} bad_case;

#define HEAD "[device]\nname = x\nmodel = X\n"
#define TAIL "[stream]\nmodality = ppg\n[field.a]\nunit = %\ncolumn = 1\n"

TEST(bad_device_files_give_one_clear_error)
{
    static const bad_case cases[] = {
        {HEAD "colour = red\n" TAIL, 4, "unknown key 'colour'"},
        {HEAD TAIL "[fields.b]\nunit = %\n", 10, "unknown section"},
        {HEAD "[stream]\nmodality = eeg\n", 5, "ppg, ldf, nirs, pco2 or other"},
        {HEAD TAIL "[field.b]\nstream = hb\nunit = %\ncolumn = 2\n", 10, "no [stream.hb]"},
        {HEAD TAIL "[field.b]\ncolumn = 2\n", 10, "expected 'unit'"},
        {HEAD TAIL "[field.b]\nunit = %\n", 10, "expected 'column' or 'key'"},
        {HEAD "baud = 9600\nbaud = 19200\n" TAIL, 5, "given twice"},
        {HEAD TAIL "[stream.x]\nmodality = ldf\n", 10, "no [field.*] names this stream"},
        {HEAD TAIL "[field.b]\nunit = %\ncolumn = 0\n", 11, "1..256"},
        {HEAD "request = \"\\r\"\n" TAIL, 2, "request_interval_s"},
        {"[device]\nmodel = X\n" TAIL, 2, "'name' and 'model'"},
        {TAIL, -1, "no [device]"},
        {"name = x\n", 1, "before any section"},
        {HEAD "separator = \"|\n" TAIL, 4, "separator"},
        {HEAD "request = \"\\q\"\nrequest_interval_s = 1\n" TAIL, 4, "C escapes"},
        {HEAD TAIL "[field.b]\nchannel = a\nunit = %\ncolumn = 2\n", 10, "already in [stream]"},
        {HEAD TAIL "[field.b]\nunit = mm Hg\ncolumn = 2\n", 10, "UCUM"},
        {HEAD "framing = 8X1\n" TAIL, 4, "8N1"},
        {HEAD "[stream]\nrate_hz = 10\n[field.a]\nunit = %\ncolumn = 1\n", 5, "'modality'"},
        {HEAD TAIL "[field.b]\nunit = %\nkey = a=b\n", 11, "KEY=value"},
        {HEAD "[device\n", 4, "[section]"},
        {HEAD, -1, "no [stream]"},
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mc_device_file *f = (mc_device_file *)1;
        mc_diag d;
        mc_diag_clear(&d);
        mc_status st =
            mc_device_file_parse(cases[i].text, strlen(cases[i].text), "bad.ini", &f, &d);
        if (st != MC_EFORMAT || d.line != cases[i].line || !strstr(d.message, cases[i].says) ||
            strncmp(d.message, "bad.ini: ", 9) != 0) {
            fprintf(stderr, "case %zu: status %d line %lld: %s\n", i, (int)st, (long long)d.line,
                    d.message);
            failures++;
            continue;
        }
        if (cases[i].line > 0) {
            char want[32];
            snprintf(want, sizeof want, "line %lld", (long long)cases[i].line);
            ASSERT_TRUE(strstr(d.message, want) != NULL);
        }
        ASSERT_TRUE(f == NULL);
    }
    ASSERT_EQ_INT(failures, 0);
}

/* xorshift: reproducible values without global state. */
static uint32_t next_u32(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

TEST(generated_lines_round_trip_exactly)
{
    /* Columns by separator, KEY= tokens in one column, comma lists, unit text, two streams. */
    mc_device_file *f = parse_ok("[device]\nname = gen\nmodel = Generated\nseparator = \";\"\n"
                                 "[stream]\nmodality = ldf\nrate_hz = 40\n"
                                 "[stream.b]\nmodality = nirs\n"
                                 "[field.c1]\nunit = PU\ncolumn = 1\n"
                                 "[field.c2]\nunit = Cel\ncolumn = 2\n"
                                 "[field.k1]\nstream = b\nunit = %\ncolumn = 3\nkey = S\n"
                                 "[field.k2]\nstream = b\nunit = %\ncolumn = 3\nkey = L\n"
                                 "index = 2\n"
                                 "[field.k3]\nstream = b\nunit = 1\nkey = Q\n");
    uint32_t seed = 12345;
    for (int iter = 0; iter < 2000; iter++) {
        float v[5];
        for (int i = 0; i < 5; i++) {
            /* Mixed magnitudes and signs, including tiny and huge values. */
            int32_t mant = (int32_t)(next_u32(&seed) % 2000001u) - 1000000;
            int ex = (int)(next_u32(&seed) % 21u) - 10;
            v[i] = (float)((double)mant * pow(10.0, ex - 3));
        }
        char line[512];
        snprintf(line, sizeof line, "%.9g ; %.9gCel;x S=%.9g%% L=-1,%.9g,3 ;Q=%.9e\r\n",
                 (double)v[0], (double)v[1], (double)v[2], (double)v[3], (double)v[4]);
        mc_device_line out;
        decode_ok(f, line, &out);
        ASSERT_EQ_INT(out.has_frame[0], 1);
        ASSERT_EQ_INT(out.has_frame[1], 1);
        ASSERT_TRUE(out.value[0][0] == v[0] && out.value[0][1] == v[1]);
        ASSERT_TRUE(out.value[1][0] == v[2] && out.value[1][1] == v[3] && out.value[1][2] == v[4]);
    }
    mc_device_file_destroy(f);

    /* scale and offset: physical = raw * scale + offset, computed in double. */
    f = parse_ok("[device]\nname = s\nmodel = S\n[stream]\nmodality = other\n"
                 "[field.a]\nunit = mW\ncolumn = 1\nscale = 0.1\noffset = -5\n");
    mc_stream_info info;
    ASSERT_STATUS(mc_device_file_get_stream(f, 0, &info), MC_OK);
    ASSERT_NEAR_F(info.channels[0].scale_gain, 10.0, 1e-12); /* raw = physical * 10 + 50 */
    ASSERT_NEAR_F(info.channels[0].scale_offset, 50.0, 1e-12);
    for (int raw = -1000; raw <= 1000; raw += 7) {
        char line[32];
        snprintf(line, sizeof line, "%d", raw);
        mc_device_line out;
        decode_ok(f, line, &out);
        ASSERT_TRUE(out.value[0][0] == (float)((double)raw * 0.1 - 5.0));
    }
    mc_device_file_destroy(f);
}

TEST(separators_filters_and_limits)
{
    mc_device_file *f = parse_ok("[device]\nname = w\nmodel = W\n"
                                 "skip_prefix = \"\\x23\"\nskip_if_contains = ERR\n"
                                 "[stream]\nmodality = ppg\n"
                                 "[field.a]\nunit = %\ncolumn = 2\n"
                                 "[field.b]\nunit = /min\nkey = HR\n");
    mc_device_line out;
    decode_ok(f, "  t1 \t 97   HR=072 *", &out); /* whitespace runs; '*' event marker */
    ASSERT_NEAR_F(out.value[0][0], 97.0, 0);
    ASSERT_NEAR_F(out.value[0][1], 72.0, 0);
    decode_ok(f, "# header", &out);
    ASSERT_EQ_INT(out.skipped, MC_DEVICE_SKIP_FILTERED);
    decode_ok(f, "t1 97 ERR HR=072", &out);
    ASSERT_EQ_INT(out.skipped, MC_DEVICE_SKIP_FILTERED);
    decode_ok(f, "t1 --- HR=---", &out); /* default markers */
    ASSERT_EQ_INT(out.has_frame[0], 1);
    ASSERT_TRUE(isnan(out.value[0][0]) && isnan(out.value[0][1]));
    mc_diag d;
    const char *bad[] = {"t1 1.2.3", "t1 abc", "t1 1e999", "t1 .5.5", "t1 -"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mc_diag_clear(&d);
        mc_status st = mc_device_file_decode_line(f, bad[i], strlen(bad[i]), &out, &d);
        if (st != MC_EFORMAT)
            fprintf(stderr, "'%s' decoded\n", bad[i]);
        ASSERT_STATUS(st, MC_EFORMAT);
        ASSERT_EQ_INT(d.offset, 3);
    }
    static char longline[MC_DEVICE_FILE_LINE_MAX + 10];
    memset(longline, '1', sizeof longline);
    longline[1] = ' ';
    mc_diag_clear(&d);
    ASSERT_STATUS(mc_device_file_decode_line(f, longline, sizeof longline, &out, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "at most") != NULL);
    mc_device_file_destroy(f);

    /* A literal two-space separator keeps single spaces inside a column. */
    f = parse_ok("[device]\nname = t\nmodel = T\nseparator = \"  \"\n"
                 "[stream]\nmodality = nirs\n[field.a]\nunit = %\ncolumn = 3\n");
    decode_ok(f, "a b  c d  55  6", &out);
    ASSERT_NEAR_F(out.value[0][0], 55.0, 0);
    mc_device_file_destroy(f);
}
