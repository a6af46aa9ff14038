/* SPDX-License-Identifier: MIT */
/* dsp/status_features.c: names of the feature statuses, from MC_FEATURE_STATUS_MAP. */
#include "dsp/features.h"

const char *mc_feature_status_name(uint8_t status)
{
    switch (status) {
#define X(name, value, text)                                                                       \
    case value:                                                                                    \
        return text;
        MC_FEATURE_STATUS_MAP(X)
#undef X
    default:
        return "unknown";
    }
}
