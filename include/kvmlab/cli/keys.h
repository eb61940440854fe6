/* SPDX-License-Identifier: MIT */
/*
 * keys: the register viewer's key codes, and the key scripts of its
 * headless mode (chapter 1 on).
 *
 * A key is a byte (printable ASCII, Enter '\n', Tab '\t', Esc, Backspace)
 * or one of the virtual keys below.  A script is the text a student would
 * type, with the keys that have no character written by name:
 *
 *   "sss"                    three single steps
 *   "bpage_fault<enter>c"    a breakpoint at page_fault, then continue
 *   "n<frame>n"              print a frame after the first exit too
 *
 * Names: <enter> <esc> <tab> <bs> <space> <lt> (a literal '<') and
 * <frame> (headless only: print the screen now).
 */
#ifndef KVMLAB_KEYS_H
#define KVMLAB_KEYS_H

#include <stddef.h>

#define KEY_NONE    (-1) /* no key before the timeout */
#define KEY_ENTER_  '\n'
#define KEY_TAB_    '\t'
#define KEY_ESC_    27
#define KEY_BS_	    127
#define KEY_CTRL_L  12
#define VKEY_RESIZE 0x100 /* the terminal changed size */
#define VKEY_FRAME  0x101 /* headless: print the screen now */

/*
 * Parse `script` into at most `max` keys.  Returns the number of keys, or
 * -1 with `err` naming the first thing that is not a key.
 */
int keys_parse(const char *script, int *keys, size_t max, char *err,
	       size_t errlen);

#endif
