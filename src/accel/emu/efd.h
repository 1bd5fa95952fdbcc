/* SPDX-License-Identifier: GPL-2.0 */
/*
 * efd.h - eventfds as the emu backend holds them (irqfd, ioeventfd).
 *
 * The backend is told about an eventfd by fd number only.  It never keeps
 * that number: efd_get() dup()s it (F_DUPFD_CLOEXEC), and from then on the
 * backend's own descriptor keeps the open file description (and so the
 * eventfd) alive, whatever the owner does with its number.  Two numbers
 * name the same eventfd iff they share the open file description, which
 * efd_same() decides with kcmp(KCMP_FILE).  (st_ino cannot be used: every
 * eventfd is the one shared anon inode, e.g. "ino 1038" for all of them on
 * Linux 6.18; fdinfo's "eventfd-id" is the fallback when kcmp is missing.)
 */
#ifndef CVISOR_EMU_EFD_H
#define CVISOR_EMU_EFD_H

#include <stdint.h>

/*
 * Dup @fd and check it is an eventfd: our new fd, -EBADF (not an open
 * fd), -EINVAL (not an eventfd) or -EMFILE/-ENOMEM.
 */
int efd_get(uint32_t fd);
/* 1: same open file description, 0: not, <0: -errno. */
int efd_same(int a, int b);
/* Signal (write 1); never blocks for long (only on counter overflow). */
void efd_signal(int fd);
/*
 * Consume the counter without blocking even if the description is a
 * blocking one: the count, or 0 if it was zero.
 */
uint64_t efd_consume(int fd);

#endif
