/* SPDX-License-Identifier: MIT */
/* placeholder: being written */
typedef int mc__placeholder_spectrum;
