/* SPDX-License-Identifier: GPL-2.0 */
/*
 * config.h - what a VM is built from (struct vm_config): filled by
 * src/cli, read by the machine and handed to every device's init.  Plain
 * data only, so that a device can read its configuration without seeing
 * the machine.
 */
#ifndef CVISOR_VMM_CONFIG_H
#define CVISOR_VMM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/hv.h"
#include "lib/log.h"
#include "vmm/hyperv.h"
#include "vmm/ioreq_vm.h"

struct fw_cfg_items;

#define VM_EXIT_FAILURE	125
#define VM_MAX_CPUS	255	/* xAPIC ids are 8 bits, 0xff is broadcast */
#define VM_MSG_LEN	256

#define VM_MAX_DISKS	16

enum vm_console {
	VM_CONSOLE_SERIAL,	/* COM1 on stdio */
	VM_CONSOLE_VIRTIO,	/* virtio-console on stdio; COM1 discarded */
};

struct vm_disk {
	const char *path;
	bool readonly;
};

/*
 * KVM's paravirtual CPUID leaves ("KVMKVMKVM", kvmclock, PV unhalt...):
 * QEMU's -cpu kvm=on|off.  AUTO shows them except with --hyperv, since
 * Linux takes the KVM leaves over Hyper-V's when it finds both.
 */
enum vm_kvm_pv {
	VM_KVM_PV_AUTO,
	VM_KVM_PV_ON,
	VM_KVM_PV_OFF,
};

struct vm_config {
	enum hv_accel accel;
	unsigned int nr_cpus;
	uint64_t ram_size;
	const char *kernel;
	const char *cmdline;	/* may be NULL */
	const char *initrd;	/* may be NULL */
	/*
	 * A BIOS image: the PC chipset machine (src/vmm/firmware.h) boots it
	 * from the reset vector instead of loading a kernel.
	 */
	const char *firmware;
	const char *debugcon;	/* port 0x402 output file, or NULL */
	bool testdev;
	bool verbose;
	unsigned int nr_disks;
	struct vm_disk disks[VM_MAX_DISKS];	/* virtio-blk, in PCI order */
	const char *net_tap;	/* virtio-net on this tap, or NULL */
	bool net_has_mac;
	uint8_t net_mac[6];
	bool rng;		/* virtio-rng */
	enum vm_console console;
	bool boot_time;		/* report the boot-done signal on stderr */
	bool private_memory;	/* SW_PROTECTED VM, RAM in a guest_memfd */
	uint64_t start_ns;	/* CLOCK_MONOTONIC at process start; 0: now */
	/* Out-of-process devices (vmm/ioreq_vm.h): cvisor-dm specs. */
	unsigned int nr_device_models;
	const char *device_models[VM_MAX_DEVICE_MODELS];
	const char *ioreq_socket;	/* listen here; NULL: a private one */
	unsigned int dm_wait;	/* device models started by hand */
	/* The machine's messages (lib/log.h); NULL: they are dropped. */
	log_fn log;
	void *log_opaque;
	/*
	 * What fw_cfg serves (devices/fw_cfg.h): filled by the machine, not
	 * the user, before the devices start and never changed once a vCPU
	 * runs.
	 */
	const struct fw_cfg_items *fw_items;
	/*
	 * Restore (snapshot, incoming migration): no kernel is loaded and
	 * no boot state is set; the image supplies RAM and state.  @cpuid is
	 * the saved CPU model (vCPU 0's, unpatched), or NULL for the host's.
	 */
	bool restore;
	const struct kvm_cpuid2 *cpuid;
	struct vm_hyperv hyperv;	/* --hyperv; features 0: none */
	enum vm_kvm_pv kvm_pv;		/* --kvm-pv */
};

#endif
