/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devices.h - the machine's devices.  A device is one file with an init
 * function `int xxx_init(struct vm *vm, char *err, size_t err_len)` and one
 * line in the table in devices.c.  Init registers bus ranges and event
 * loop fds, and hands its state to vm_add_cleanup() so vm_destroy() frees
 * it.
 */
#ifndef CVISOR_DEVICES_H
#define CVISOR_DEVICES_H

#include <stddef.h>

struct vm;

int devices_init(struct vm *vm, char *err, size_t err_len);

int serial_init(struct vm *vm, char *err, size_t err_len);
int debug_exit_init(struct vm *vm, char *err, size_t err_len);
int fw_cfg_init(struct vm *vm, char *err, size_t err_len);
int poweroff_init(struct vm *vm, char *err, size_t err_len);
int testdev_init(struct vm *vm, char *err, size_t err_len);
int acpi_pm_init(struct vm *vm, char *err, size_t err_len);
int rtc_init(struct vm *vm, char *err, size_t err_len);
int bootdone_init(struct vm *vm, char *err, size_t err_len);
int pci_host_init(struct vm *vm, char *err, size_t err_len);
int reset_init(struct vm *vm, char *err, size_t err_len);
int virtio_devs_init(struct vm *vm, char *err, size_t err_len);

#endif
