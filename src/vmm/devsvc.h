/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devsvc.h - the services a device gets from the machine, instead of
 * struct vm.
 *
 * A device is one file with one init function
 *
 *	int xxx_init(struct devsvc *svc, const struct vm_config *cfg,
 *		     char *err, size_t err_len);
 *
 * and one line in the table in src/devices/devices.c.  Init allocates the
 * device's state, registers it as a component (devsvc_component: reset,
 * save, load, destroy in one place, so the device is snapshot-ready by
 * construction) and claims what it needs through the calls below.
 *
 * The calls are message-shaped: plain numbers, the device's own callbacks
 * and opaque pointers, never a pointer into the VMM.  That is what lets
 * the same device source run out of process later, with every call
 * carried by the ioreq-server protocol (DESIGN.md); it also keeps a
 * device's reach reviewable in one header.
 *
 * Threads: I/O callbacks run on vCPU threads, fd callbacks on the event
 * loop thread; devsvc_* calls are safe from either, except registrations
 * (init only) and devsvc_fd_del (event loop thread only).
 */
#ifndef CVISOR_VMM_DEVSVC_H
#define CVISOR_VMM_DEVSVC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bus/bus.h"
#include "lib/log.h"
#include "vmm/component.h"

struct devsvc;
struct vm_config;

/* --------------------------------------------------------------- I/O */

/* Claim [base, base + len) of port I/O or MMIO; -EEXIST on overlap. */
int devsvc_io_register(struct devsvc *svc, enum bus_space space,
		       uint64_t base, uint64_t len,
		       const struct bus_dev_ops *ops, void *opaque);

/* Give back the range claimed at @base; -ENOENT if none starts there. */
int devsvc_io_unregister(struct devsvc *svc, enum bus_space space,
			 uint64_t base);
/*
 * Let an MMIO write of any width to @addr signal @fd (an eventfd) without
 * an exit to the device (KVM's ioeventfd); @assign false undoes it.
 * -EOPNOTSUPP if the backend cannot: the write then reaches the device's
 * handler as usual, which must signal @fd itself.
 */
int devsvc_ioeventfd(struct devsvc *svc, uint64_t addr, int fd, bool assign);

/* ---------------------------------------------------------- interrupts */

/* Set a GSI's level (ISA IRQ n is GSI n); a no-op without an irqchip. */
int devsvc_irq_set(struct devsvc *svc, uint32_t gsi, int level);
/* Deliver one MSI message; -EOPNOTSUPP if the backend cannot. */
int devsvc_msi_send(struct devsvc *svc, uint64_t addr, uint32_t data);

/*
 * MSI routes: a write of 1 to eventfd @efd delivers the route's message
 * from the writer's thread, without a call into the machine (an irqfd on
 * a GSI of its own).  devsvc_msi_route_add() returns the route number
 * (>= 0) or -ENOSPC when the machine has none left; routes live as long
 * as the VM.  devsvc_msi_route_set() points a route at a message.
 * devsvc_has_msi_routes(): the machine has them at all (an irqchip with
 * GSI routing and irqfds); without, send with devsvc_msi_send().
 */
bool devsvc_has_msi_routes(struct devsvc *svc);
int devsvc_msi_route_add(struct devsvc *svc, int efd);
int devsvc_msi_route_set(struct devsvc *svc, int route, uint64_t addr,
			 uint32_t data);

/* Deliver an SMI to the vCPU that made the access @ctx describes; it is
 * taken once the access completes.  -ESRCH if no vCPU made it (a test
 * driving the bus), -EOPNOTSUPP without SMM.  That vCPU's thread only. */
int devsvc_smi_raise(struct devsvc *svc, const struct bus_ctx *ctx);
/* The machine has SMM (an SMRAM and a backend that can enter it). */
bool devsvc_has_smm(struct devsvc *svc);

/* ------------------------------------------------------- memory map */

/*
 * The firmware machine's memory controller (an i440FX): PAM segment @seg
 * (0: 0xF0000-0xFFFFF, 1-12: 16 KiB each from 0xC0000) gets @attr (bit 0
 * reads from RAM, bit 1 writes to RAM); -ENODEV without --firmware.
 */
int devsvc_pam_set(struct devsvc *svc, unsigned int seg, uint8_t attr);
/*
 * SMRAM at 0xA0000: visible to SMM code (@in_smm) and to everyone
 * (@outside_smm).  -EOPNOTSUPP without SMM.
 */
int devsvc_smram_set(struct devsvc *svc, bool in_smm, bool outside_smm);

/* ---------------------------------------------------------------- PCI */

struct pci_dev;
/*
 * Put the device's function @dev (src/pci, set up by the device) on the
 * machine's PCI bus 0 at @devfn (-1: the next free slot).  Config cycles
 * then reach it on vCPU threads, under the bus lock; pci_cfg_read(dev->bus,
 * ...) reads it back under that lock.  Unregistered when the machine's
 * bus goes away (pci_dev_cleanup() in the device's destroy).
 */
int devsvc_pci_register(struct devsvc *svc, struct pci_dev *dev, int devfn);
/* The chipset's host bridge @dev replaces the bus's generic one at 00:00.0. */
int devsvc_pci_host_bridge(struct devsvc *svc, struct pci_dev *dev);

struct pci_bus;
/*
 * Be the machine's PCI bus 0 (devices/pci_host.c): the bus the calls
 * above put functions on and ACPI describes.  One per VM (-EBUSY); it
 * must outlive every function registered on it (register it first).
 */
int devsvc_pci_bus_provide(struct devsvc *svc, struct pci_bus *bus);
/*
 * A config cycle for bus 0 function @devfn that no in-process device
 * took: the device models (ioreq servers) get it.  True if one served it
 * (a read's value in *@val).  On the accessing vCPU's thread (@ctx).
 */
bool devsvc_pci_cfg_forward(struct devsvc *svc, const struct bus_ctx *ctx,
			    uint8_t devfn, uint32_t reg, unsigned int len,
			    bool is_write, uint32_t *val);

/* ---------------------------------------------------------- event loop */

typedef void (*devsvc_fd_fn)(void *opaque, int fd, uint32_t events);

/* Watch @fd (EPOLL* events) on the event loop thread. */
int devsvc_fd_add(struct devsvc *svc, int fd, uint32_t events,
		  devsvc_fd_fn fn, void *opaque);
int devsvc_fd_mod(struct devsvc *svc, int fd, uint32_t events);
int devsvc_fd_del(struct devsvc *svc, int fd);

/* ---------------------------------------------------------------- DMA */

/*
 * Host address of guest memory [gpa, gpa + len) for device DMA, or NULL
 * unless the range is entirely shared guest RAM.  Private (guest_memfd)
 * memory is never handed out.  @write announces that the device will
 * write there (hv_vm_memory_written): call before the write, and before
 * the guest can learn of it.
 */
void *devsvc_dma_map(struct devsvc *svc, uint64_t gpa, uint64_t len,
		     bool write);

/* ------------------------------------------------------------ lifecycle */

/*
 * The device's state as component @name (component.h).  ops->destroy
 * frees it at vm_destroy(), after the backend VM is gone.
 */
int devsvc_component(struct devsvc *svc, const char *name,
		     enum comp_stage stage, const struct component_ops *ops,
		     void *opaque);
/* Run @fn(@opaque) at vm_destroy() (reverse order, with components). */
int devsvc_cleanup(struct devsvc *svc, void (*fn)(void *opaque),
		   void *opaque);
/*
 * The guest asked for the end of the VM (power-off, reset, debug exit):
 * the process exit status.  The first request wins.
 */
void devsvc_vm_stop(struct devsvc *svc, int status);
/* The guest asked for a system reset (vm_reset_request()). */
void devsvc_reset_request(struct devsvc *svc);
/* The VM cannot go on: status 125 and one line naming the cause. */
void devsvc_vm_fail(struct devsvc *svc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Be the machine's power button: @fn(@opaque) runs on the event loop
 * when the host presses it (QMP system_powerdown).  One per VM (-EBUSY).
 */
int devsvc_power_button(struct devsvc *svc, void (*fn)(void *opaque),
			void *opaque);

/*
 * Guest memory was removed or moved by the vCPU of @ctx: device models
 * drop their mappings (IOREQ_TYPE_INVALIDATE).  No-op without a vCPU.
 */
void devsvc_memory_removed(struct devsvc *svc, const struct bus_ctx *ctx);
/*
 * The guest moved its wall clock (RTC) by @delta seconds: device models
 * are told (IOREQ_TYPE_TIMEOFFSET).
 */
void devsvc_time_offset(struct devsvc *svc, int64_t delta);

/* ------------------------------------------------------------ Hyper-V */

struct hyperv_dbg_ops;
/*
 * Become the partition's synthetic debugger: syndbg MSR exits and the
 * debug-data hypercalls go to @ops (vmm/hyperv.h).  One per VM (-EBUSY).
 */
int devsvc_hyperv_debugger(struct devsvc *svc,
			   const struct hyperv_dbg_ops *ops, void *opaque);

/* ------------------------------------------ introspection (testdev) */

/*
 * What guest tests ask the machine through testdev (docs/conventions.md)
 * and no ordinary device needs: backend capabilities, extra memslots,
 * the vCPU state round trip, what the VMM can read of guest RAM.
 */

/* hv_check_cap() for capability number @cap; -EINVAL if unknown. */
int devsvc_has_cap(struct devsvc *svc, unsigned int cap);
/*
 * Map the device's own memory @host (@size bytes, page aligned) at @gpa
 * as extra memslot @id (0..DEVSVC_TEST_SLOTS-1), read-only if asked;
 * @size 0 deletes it.  Mapping an existing @id again moves it.
 */
#define DEVSVC_TEST_SLOTS	16
int devsvc_test_memslot(struct devsvc *svc, unsigned int id, uint64_t gpa,
			uint64_t size, void *host, bool readonly);
/* Does [gpa, gpa + size) overlap guest RAM?  Is @gpa guest RAM at all? */
bool devsvc_ram_overlaps(struct devsvc *svc, uint64_t gpa, uint64_t size);
bool devsvc_is_ram(struct devsvc *svc, uint64_t gpa);
/*
 * vcpu_state_roundtrip() on the vCPU that made the access @ctx describes
 * (-ESRCH if none); on failure @part names the state part.
 */
int devsvc_vcpu_state_roundtrip(struct devsvc *svc,
				const struct bus_ctx *ctx, char *part,
				size_t part_len);
/* guest_mem_scan(): words of VMM-readable guest RAM in @pat (sorted). */
int devsvc_ram_scan(struct devsvc *svc, uint64_t *pat, size_t n);

/* -------------------------------------------------------------- others */

/*
 * One line for the user (lib/log.h), the device's name as subsystem;
 * src/cli owns stderr.
 */
void devsvc_log(struct devsvc *svc, enum log_level level,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* CLOCK_MONOTONIC, nanoseconds. */
uint64_t devsvc_now_ns(void);

#endif
