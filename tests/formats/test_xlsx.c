/* SPDX-License-Identifier: MIT */
/* tests/formats/test_xlsx.c: the .xlsx importer on the shared Oxysoft export (facts from
 * SOURCES.md / FORMATS.md §5, every value cross-checked with Python's zipfile and ElementTree)
 * and on workbooks built here (stored members): shared and inline strings, a generic sheet,
 * corrupt, truncated and lying archives. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "formats/xlsx.h"
#include "tests/formats/import_check.h"
#include "tests/harness.h"

static const mc_import_stream *find(const mc_import *imp, const char *name)
{
    for (size_t i = 0; i < imp->n_streams; i++)
        if (strcmp(imp->streams[i].info->name, name) == 0)
            return &imp->streams[i];
    return NULL;
}

TEST(oxysoft_portamon)
{
    const char *path = mc_test_shared("nirs/mnirs/portamon-oxcap.xlsx");
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    ASSERT_STATUS(mc_xlsx_import(path, &imp, &d), MC_OK);
    ASSERT_STR_EQ(imp.format, "oxysoft_xlsx");
    ASSERT_STR_EQ(imp.source, "portamon-oxcap.xlsx");
    ASSERT_EQ_INT(imp.n_streams, 3);
    const char *names[3] = {"tHb", "HHb", "O2Hb"};
    const double first[3] = {145.8264618, 62.9744873, 82.8519821};
    for (int i = 0; i < 3; i++) {
        const mc_import_stream *s = &imp.streams[i];
        ASSERT_STR_EQ(s->info->name, names[i]);
        /* Samples 0 ... 7943 (SOURCES.md counts 7943 rows: there are 7944). */
        ASSERT_EQ_INT(s->n_frames, 7944);
        ASSERT_NEAR_F(s->info->rate_hz, 10.0, 1e-12);
        ASSERT_STR_EQ(s->info->channels[0].unit, "umol/L");
        ASSERT_EQ_INT(s->info->modality, MC_MODALITY_NIRS);
        ASSERT_NEAR_F(s->data[0], first[i], 1e-4);
    }
    ASSERT_NEAR_F(imp.streams[0].data[7943], 145.7839355, 1e-4);
    /* 77 event labels; R1 is at sample 393 (sheet row 436), described as Resting. */
    ASSERT_EQ_INT(imp.n_events, 77);
    ASSERT_EQ_INT(imp.events[0].t_ns, 39300000000LL);
    ASSERT_STR_EQ(imp.events[0].text, "R1 Resting");
    ASSERT_STR_EQ(imp.events[0].kind, "event");

    char cmd[2000];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import sys, zipfile, xml.etree.ElementTree as E\n"
             "ns = \"{http://schemas.openxmlformats.org/spreadsheetml/2006/main}\"\n"
             "z = zipfile.ZipFile(sys.argv[1])\n"
             "rows = E.fromstring(z.read(\"xl/worksheets/sheet1.xml\")).iter(ns + \"row\")\n"
             "out = []\n"
             "for r in rows:\n"
             "    if int(r.get(\"r\")) < 43: continue\n"
             "    v = {c.get(\"r\").rstrip(\"0123456789\"): c.find(ns + \"v\") for c in r}\n"
             "    out.append(\" \".join(v[k].text for k in \"BCD\"))\n"
             "print(len(out)); print(*out, sep=\"\\n\")' '%s' 2>/dev/null",
             path);
    FILE *p = popen(cmd, "r");
    ASSERT_TRUE(p != NULL);
    int rows = 0;
    if (fscanf(p, "%d", &rows) != 1) {
        pclose(p);
        SKIP("python3 is not available");
    }
    ASSERT_EQ_INT(rows, 7944);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < 3; c++) {
            double v;
            ASSERT_EQ_INT(fscanf(p, "%lf", &v), 1);
            ASSERT_NEAR_F(imp.streams[c].data[r], (float)v, 0);
        }
    pclose(p);
    mc_check_session_round_trip(&imp, "oxysoft.h5");
    mc_import_free(&imp);
}

/* A ZIP of stored members, built in memory. */
typedef struct zip_out {
    uint8_t buf[16384];
    size_t n;
    uint8_t cd[4096];
    size_t ncd;
    unsigned count;
} zip_out;

static void le(uint8_t *p, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void zip_add(zip_out *z, const char *name, const char *data)
{
    const uint32_t len = (uint32_t)strlen(data), nl = (uint32_t)strlen(name);
    const uint32_t crc = (uint32_t)crc32(0L, (const Bytef *)data, len);
    uint8_t *h = z->buf + z->n;
    memset(h, 0, 30);
    le(h, 0x04034b50, 4);
    le(h + 4, 20, 2);
    le(h + 14, crc, 4);
    le(h + 18, len, 4);
    le(h + 22, len, 4);
    le(h + 26, nl, 2);
    memcpy(h + 30, name, nl);
    memcpy(h + 30 + nl, data, len);
    uint8_t *c = z->cd + z->ncd;
    memset(c, 0, 46);
    le(c, 0x02014b50, 4);
    le(c + 16, crc, 4);
    le(c + 20, len, 4);
    le(c + 24, len, 4);
    le(c + 28, nl, 2);
    le(c + 42, (uint32_t)z->n, 4);
    memcpy(c + 46, name, nl);
    z->ncd += 46 + nl;
    z->n += 30 + nl + len;
    z->count++;
}

static size_t zip_finish(zip_out *z)
{
    const size_t cd = z->n;
    memcpy(z->buf + z->n, z->cd, z->ncd);
    z->n += z->ncd;
    uint8_t *e = z->buf + z->n;
    memset(e, 0, 22);
    le(e, 0x06054b50, 4);
    le(e + 8, z->count, 2);
    le(e + 10, z->count, 2);
    le(e + 12, (uint32_t)z->ncd, 4);
    le(e + 16, (uint32_t)cd, 4);
    z->n += 22;
    return z->n;
}

static const char *sheet =
    "<worksheet><sheetData>"
    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"
    "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>1</v></c><c r=\"B3\" t=\"inlineStr\"><is><t>SpO2 "
    "(%)</t></is></c><c r=\"D3\" t=\"s\"><v>2</v></c></row>"
    "<row r=\"4\"><c r=\"A4\"><v>0</v></c><c r=\"B4\"><v>97.5</v></c><c r=\"D4\"><v>1</v></c></row>"
    "<row r=\"5\"><c r=\"A5\"><v>1.5</v></c><c r=\"B5\"><v>98</v></c></row>"
    "<row r=\"6\"><c r=\"A6\"><v>2</v></c><c r=\"B6\" t=\"s\"><v>3</v></c><c r=\"D6\"><v>3</v></c>"
    "</row></sheetData></worksheet>";
static const char *strings = "<sst><si><t>Exported &amp; checked</t></si><si><t>Time (s)</t></si>"
                             "<si><r><t>H</t></r><r><t>R</t></r></si><si><t>---</t></si></sst>";

static void build(zip_out *z, const char *sheet_xml, const char *strings_xml)
{
    memset(z, 0, sizeof *z);
    zip_add(z, "[Content_Types].xml", "<Types/>");
    zip_add(z, "xl/workbook.xml",
            "<workbook><sheets><sheet name=\"A\" sheetId=\"1\" "
            "r:id=\"rId7\"/></sheets></workbook>");
    zip_add(z, "xl/_rels/workbook.xml.rels",
            "<Relationships><Relationship Id=\"rId1\" Target=\"styles.xml\"/><Relationship "
            "Id=\"rId7\" Target=\"worksheets/data.xml\"/></Relationships>");
    if (strings_xml)
        zip_add(z, "xl/sharedStrings.xml", strings_xml);
    zip_add(z, "xl/worksheets/data.xml", sheet_xml);
    zip_finish(z);
}

TEST(generic_sheet)
{
    static zip_out z;
    build(&z, sheet, strings);
    ASSERT_EQ_INT(mc_xlsx_detect(z.buf, z.n, NULL), 1);
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    ASSERT_STATUS(mc_xlsx_read(z.buf, z.n, "w.xlsx", &imp, &d), MC_OK);
    ASSERT_STR_EQ(imp.format, "xlsx");
    ASSERT_EQ_INT(imp.n_streams, 2);
    const mc_import_stream *spo2 = find(&imp, "SpO2"), *hr = find(&imp, "HR");
    ASSERT_TRUE(spo2 && hr);
    ASSERT_STR_EQ(spo2->info->channels[0].unit, "%");
    ASSERT_EQ_INT(spo2->n_frames, 3);
    ASSERT_TRUE(spo2->info->rate_hz == 0);
    ASSERT_EQ_INT(spo2->t_ns[1], 1500000000LL);
    ASSERT_NEAR_F(spo2->data[0], 97.5, 0);
    ASSERT_TRUE(isnan(spo2->data[2])); /* "---" */
    ASSERT_TRUE(isnan(hr->data[1]));
    ASSERT_NEAR_F(hr->data[2], 3, 0);
    mc_import_free(&imp);
}

TEST(malformed)
{
    static zip_out z;
    mc_import imp;
    mc_diag d;
    /* Not a ZIP; truncated before the central directory's end. */
    mc_import_init(&imp);
    ASSERT_STATUS(
        mc_xlsx_read((const uint8_t *)"hello, world, this is text only!", 32, "w.xlsx", &imp, &d),
        MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "w.xlsx: byte 0: not a ZIP archive") != NULL);
    build(&z, sheet, strings);
    ASSERT_STATUS(mc_xlsx_read(z.buf, z.n - 30, "w.xlsx", &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "no end of the ZIP central directory") != NULL);
    /* A flipped byte in the sheet: the CRC says so. */
    build(&z, sheet, strings);
    z.buf[z.n - 400] ^= 0x20;
    ASSERT_STATUS(mc_xlsx_read(z.buf, z.n, "w.xlsx", &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "CRC-32 mismatch") != NULL);
    /* A member that claims 3 GiB. */
    build(&z, sheet, strings);
    const size_t p = z.n - 22 - (46 + strlen("xl/worksheets/data.xml")); /* the sheet's entry */
    le(z.buf + p + 24, 0xC0000000u, 4);
    ASSERT_STATUS(mc_xlsx_read(z.buf, z.n, "w.xlsx", &imp, &d), MC_ENOMEM);
    ASSERT_TRUE(strstr(d.message, "declares 3221225472 bytes") != NULL);
    /* A shared string that does not exist; cells out of order; no sheet. */
    build(&z, "<sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>9</v></c></row></sheetData>",
          strings);
    ASSERT_STATUS(mc_xlsx_read(z.buf, z.n, "w.xlsx", &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "no shared string 9") != NULL);
    build(&z,
          "<sheetData><row r=\"2\"><c r=\"A2\"><v>1</v></c><c r=\"A1\"><v>1</v></c></row>"
          "</sheetData>",
          NULL);
    ASSERT_STATUS(mc_xlsx_read(z.buf, z.n, "w.xlsx", &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "cells out of order") != NULL);
    memset(&z, 0, sizeof z);
    zip_add(&z, "[Content_Types].xml", "<Types/>");
    zip_finish(&z);
    ASSERT_STATUS(mc_xlsx_read(z.buf, z.n, "w.xlsx", &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "no worksheet xl/worksheets/sheet1.xml") != NULL);
    ASSERT_EQ_INT(imp.n_streams, 0);
    mc_import_free(&imp);
    ASSERT_EQ_INT(mc_xlsx_detect((const uint8_t *)"PK\3\4", 4, "a.xlsx"), 0);
}
