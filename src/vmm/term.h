/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CVISOR_VMM_TERM_H
#define CVISOR_VMM_TERM_H

/*
 * Put the terminal on @fd into raw input mode (no echo, no line editing,
 * no signal keys) and make sure it is restored on every exit path:
 * term_restore(), process exit, and fatal or terminating signals.
 * Returns 0 (also when @fd is not a terminal) or -errno.
 */
int term_raw_enter(int fd);
void term_restore(void);

#endif
