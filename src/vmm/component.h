/* SPDX-License-Identifier: GPL-2.0 */
/*
 * component.h - the one lifecycle of everything that holds guest-visible
 * state: vCPUs, the irqchip and PIT, the guest clock, every device, PCI
 * config space, virtio transports and queues.
 *
 * A component is registered once, by the code that owns the state, next
 * to that state:
 *
 *	static const struct component_ops serial_comp_ops = {
 *		.version = 1,
 *		.reset = serial_reset, .save = serial_save,
 *		.load = serial_load, .destroy = serial_destroy,
 *	};
 *	vm_component_add(vm, "serial0", COMP_STAGE_PLATFORM,
 *			 &serial_comp_ops, s);
 *
 * and nothing else knows its fields: snapshot, restore, migration and
 * system reset walk the per-VM list.
 *
 * Order.  Save, load and reset walk the list in restore order: by stage
 * (enum comp_stage, below), then in registration order within a stage.
 * A saved image therefore lists its sections in the order a restore
 * applies them.  Destroy runs in reverse registration order, interleaved
 * with vm_add_cleanup() callbacks, at vm_destroy() after the backend VM is
 * gone (so destroy must not call into hv).
 *
 * Names are unique per VM, 1..COMP_NAME_MAX-1 characters of [a-z0-9_.-]
 * ("vcpu0", "irqchip", "serial0", "pci", "virtio-blk0"): they are the
 * section names of a snapshot and must stay stable across versions.
 *
 * Versions.  ops->version is the newest section layout the component
 * writes; load() receives the version found in the image and must accept
 * every older one it still supports.  The registry refuses versions 0 and
 * newer than ops->version before calling load().
 *
 * Threads.  save/load/reset run with every vCPU out of hv_vcpu_run() (the
 * VM paused or not yet started) and the event loop not dispatching, on
 * one thread: components need no locking against the guest there.
 *
 * Untrusted input.  load() gets bytes from a file or a socket: it reads
 * into locals with the sbuf getters, checks sbuf_error() and the values,
 * and applies them only when everything is valid (see lib/sbuf.h).  The
 * registry fails the load if the component left bytes unread.
 */
#ifndef CVISOR_VMM_COMPONENT_H
#define CVISOR_VMM_COMPONENT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/sbuf.h"

struct vm;

#define COMP_NAME_MAX	32

/* Restore order (seed-apis.md 1.7): see docs/architecture.md. */
enum comp_stage {
	COMP_STAGE_VCPU,	/* per vCPU, incl. its LAPIC (vcpu_state.c) */
	COMP_STAGE_IRQCHIP,	/* PIC pair, IOAPIC, PIT in the backend */
	COMP_STAGE_CLOCK,	/* the VM-wide guest clock */
	COMP_STAGE_PLATFORM,	/* legacy devices: serial, RTC, ACPI PM, ... */
	COMP_STAGE_PCI,		/* PCI config space of every function */
	COMP_STAGE_VIRTIO,	/* virtio transports, queues and devices */
	COMP_STAGE__COUNT
};

struct component_ops {
	uint32_t version;		/* >= 1 */
	/* Put the state back to power-on (system reset).  May be NULL. */
	void (*reset)(void *opaque);
	/* Append the state to @out; return 0 or -errno. */
	int (*save)(void *opaque, struct sbuf *out);
	/*
	 * Replace the state with the section in @in, written by save() of
	 * layout @version (1..ops->version).  -errno (the component is then
	 * unchanged, or reset if it could not avoid a partial update).
	 */
	int (*load)(void *opaque, struct sbuf *in, uint32_t version);
	/* Free the state (vm_destroy, backend VM already gone).  May be NULL. */
	void (*destroy)(void *opaque);
};

struct component;

/* A list of components; struct vm has one. */
struct comp_list {
	struct component *head;		/* registration order */
	unsigned int nr;
};

/*
 * Where a save puts each section: called once per component, in restore
 * order.  @data is valid only during the call.
 */
typedef int (*comp_save_fn)(void *opaque, const char *name, uint32_t version,
			    const uint8_t *data, size_t len);
/*
 * Where a load finds a component's section: fill @version, @data, @len
 * (kept valid until the load returns), or return -ENOENT.
 */
typedef int (*comp_load_fn)(void *opaque, const char *name,
			    uint32_t *version, const uint8_t **data,
			    size_t *len);

/* -EEXIST for a duplicate name, -EINVAL for a bad name, stage or ops. */
int comp_list_add(struct comp_list *l, const char *name, enum comp_stage stage,
		  const struct component_ops *ops, void *opaque);
/* Destroy every component (reverse registration order) and free the list. */
void comp_list_destroy(struct comp_list *l);
/* Free the list without calling destroy (they ran elsewhere). */
void comp_list_free(struct comp_list *l);
/* Visit every component in restore order. */
void comp_list_reset(struct comp_list *l);
/*
 * Save every component, in restore order, through @fn.  On failure the
 * message in @err names the component ("serial0: ...").
 */
int comp_list_save(struct comp_list *l, comp_save_fn fn, void *opaque,
		   char *err, size_t err_len);
/*
 * Load every component, in restore order, from @fn.  A missing section,
 * a version this build cannot read, a malformed section or one with
 * trailing bytes fail with one message naming the component.  Stops at
 * the first failure: the caller then discards the VM (components already
 * loaded hold the image's state, the rest their own).
 */
int comp_list_load(struct comp_list *l, comp_load_fn fn, void *opaque,
		   char *err, size_t err_len);
unsigned int comp_list_count(const struct comp_list *l);

/* The VM's list: registration also schedules destroy (see above). */
int vm_component_add(struct vm *vm, const char *name, enum comp_stage stage,
		     const struct component_ops *ops, void *opaque);
void vm_components_reset(struct vm *vm);
int vm_components_save(struct vm *vm, comp_save_fn fn, void *opaque,
		       char *err, size_t err_len);
int vm_components_load(struct vm *vm, comp_load_fn fn, void *opaque,
		       char *err, size_t err_len);

/*
 * An in-memory image: every section of one save, by name.  Useful as
 * the @fn/@opaque pair of a save (comp_image_put) and of a load
 * (comp_image_get), e.g. for a round trip or a migration stream.
 */
struct comp_section {
	char name[COMP_NAME_MAX];
	uint32_t version;
	uint8_t *data;
	size_t len;
};

struct comp_image {
	struct comp_section *sec;	/* in save (= restore) order */
	unsigned int nr, cap;
};

void comp_image_init(struct comp_image *img);
void comp_image_release(struct comp_image *img);
int comp_image_put(void *img, const char *name, uint32_t version,
		   const uint8_t *data, size_t len);
int comp_image_get(void *img, const char *name, uint32_t *version,
		   const uint8_t **data, size_t *len);
const struct comp_section *comp_image_find(const struct comp_image *img,
					   const char *name);

#endif
