/* SPDX-License-Identifier: GPL-2.0 */
/* Ports and addresses the bench guests share (docs/conventions.md). */
#ifndef BENCH_GUEST_H
#define BENCH_GUEST_H

#define COM1		0x3f8
#define DEBUG_EXIT	0xf4
/*
 * The port pio_loop hammers: 0x80 (POST diagnostic) is claimed by no
 * cvisor device (unclaimed writes are dropped) and is QEMU's no-op
 * ioport80 device, so every contender does the same minimal work: one exit
 * to userspace, nothing else.
 */
#define PIO_PORT	0x80

#endif
