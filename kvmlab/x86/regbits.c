/* SPDX-License-Identifier: MIT */
/*
 * regbits: the names of the control-register, EFER and RFLAGS bits and of
 * the descriptor types (chapters 2-3; see regbits.h).
 *
 * The tables read like the SDM's figures from left to right: highest bit
 * first.  decode.c prints them in that order; modes.c looks a set bit up.
 */
#include <stddef.h>

#include "kvmlab/x86/regbits.h"

/* SDM Vol. 3A, 2.5, Figure 2-7: the control registers. */
const struct bit_field cr0_bits[] = {
    {31, 1, "PG"}, {30, 1, "CD"}, {29, 1, "NW"}, {18, 1, "AM"},
    {16, 1, "WP"}, {5, 1, "NE"},  {4, 1, "ET"},	 {3, 1, "TS"},
    {2, 1, "EM"},  {1, 1, "MP"},  {0, 1, "PE"},	 {0, 0, NULL},
};

const struct bit_field cr4_bits[] = {
    {24, 1, "PKS"},	{23, 1, "CET"},	       {22, 1, "PKE"},
    {21, 1, "SMAP"},	{20, 1, "SMEP"},       {19, 1, "KL"},
    {18, 1, "OSXSAVE"}, {17, 1, "PCIDE"},      {16, 1, "FSGSBASE"},
    {14, 1, "SMXE"},	{13, 1, "VMXE"},       {12, 1, "LA57"},
    {11, 1, "UMIP"},	{10, 1, "OSXMMEXCPT"}, {9, 1, "OSFXSR"},
    {8, 1, "PCE"},	{7, 1, "PGE"},	       {6, 1, "MCE"},
    {5, 1, "PAE"},	{4, 1, "PSE"},	       {3, 1, "DE"},
    {2, 1, "TSD"},	{1, 1, "PVI"},	       {0, 1, "VME"},
    {0, 0, NULL},
};

/*
 * SDM Vol. 3A, 2.2.1, Figure 2-4: IA32_EFER, with the bits only AMD64
 * CPUs have (EFER_AMD_ONLY): SVM enable, long-mode segment limit enable,
 * fast FXSAVE/FXRSTOR, translation cache extension.
 */
const struct bit_field efer_bits[] = {
    {15, 1, "TCE"},  {14, 1, "FFXSR"}, {13, 1, "LMSLE"},
    {12, 1, "SVME"}, {11, 1, "NXE"},   {10, 1, "LMA"},
    {8, 1, "LME"},   {0, 1, "SCE"},    {0, 0, NULL},
};

/* SDM Vol. 1, 3.4.3, Figure 3-8: EFLAGS (RFLAGS in 64-bit mode). */
const struct bit_field rflags_bits[] = {
    {21, 1, "ID"}, {20, 1, "VIP"}, {19, 1, "VIF"}, {18, 1, "AC"},
    {17, 1, "VM"}, {16, 1, "RF"},  {14, 1, "NT"},  {12, 2, "IOPL"},
    {11, 1, "OF"}, {10, 1, "DF"},  {9, 1, "IF"},   {8, 1, "TF"},
    {7, 1, "SF"},  {6, 1, "ZF"},   {4, 1, "AF"},   {2, 1, "PF"},
    {0, 1, "CF"},  {0, 0, NULL},
};

/* SDM Vol. 3A, 4.5, Table 4-12 and 4-13: CR3 without and with PCIDE. */
const struct bit_field cr3_bits[] = {
    {4, 1, "PCD"},
    {3, 1, "PWT"},
    {0, 0, NULL},
};
const struct bit_field cr3_pcid_bits[] = {
    {63, 1, "NOFLUSH"},
    {0, 12, "PCID"},
    {0, 0, NULL},
};

/*
 * Indexed [S][type].  System segments and gates, S=0: SDM Vol. 3A, 3.5,
 * Table 3-2; types 9, 11, 12, 14 and 15 are 32-bit ones in protected mode
 * and 64-bit ones in long mode, so their names give no size.  Code and
 * data, S=1: 3.4.5.1, Table 3-1; type bit 3 says code, bit 2 conforming
 * (code) or expand-down (data), bit 1 readable (code) or writable (data),
 * bit 0 accessed.
 */
const struct desc_type desc_types[2][16] = {
    /* S=0: system segments and gates, types 0x0-0xf */
    {
	{"reserved type 0", "reserved0"},
	{"TSS (16-bit, available)", "TSS16 avail"},
	{"LDT", "LDT"},
	{"TSS (16-bit, busy)", "TSS16 busy"},
	{"call gate (16-bit)", "callgate16"},
	{"task gate", "task gate"},
	{"interrupt gate (16-bit)", "intgate16"},
	{"trap gate (16-bit)", "trapgate16"},
	{"reserved type 8", "reserved8"},
	{"TSS (available)", "TSS avail"},
	{"reserved type 10", "reserved10"},
	{"TSS (busy)", "TSS busy"},
	{"call gate", "call gate"},
	{"reserved type 13", "reserved13"},
	{"interrupt gate", "int gate"},
	{"trap gate", "trap gate"},
    },
    /* S=1: data 0x0-0x7, code 0x8-0xf */
    {
	{"data read-only", "data read-only"},
	{"data read-only accessed", "data read-only acc"},
	{"data read/write", "data read/write"},
	{"data read/write accessed", "data read/write acc"},
	{"data read-only expand-down", "data read-only expand-down"},
	{"data read-only expand-down accessed",
	 "data read-only expand-down acc"},
	{"data read/write expand-down", "data read/write expand-down"},
	{"data read/write expand-down accessed",
	 "data read/write expand-down acc"},
	{"code exec-only", "code exec-only"},
	{"code exec-only accessed", "code exec-only acc"},
	{"code exec/read", "code exec/read"},
	{"code exec/read accessed", "code exec/read acc"},
	{"code exec-only conforming", "code exec-only conforming"},
	{"code exec-only conforming accessed", "code exec-only conforming acc"},
	{"code exec/read conforming", "code exec/read conforming"},
	{"code exec/read conforming accessed", "code exec/read conforming acc"},
    }};
