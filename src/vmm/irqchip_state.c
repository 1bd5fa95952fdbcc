// SPDX-License-Identifier: GPL-2.0
/*
 * irqchip_state.c - the backend's interrupt controllers and PIT as
 * components: "irqchip" (8259 master and slave, IOAPIC) and "pit" (the
 * 8254), both through the hv API in KVM's layouts.  Registered only when
 * the backend has them (vm_create); the LAPICs travel with their vCPUs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/compiler.h"
#include "vmm/component.h"
#include "vmm/vm.h"

#define IRQCHIP_CHIPS	3	/* KVM_IRQCHIP_PIC_MASTER, _SLAVE, _IOAPIC */

/*
 * Both components' opaque: the VM and the state the backend created the
 * chips in, which is what a system reset writes back.
 */
struct irqchip_power_on {
	struct vm *vm;
	struct kvm_irqchip chip[IRQCHIP_CHIPS];
	struct kvm_pit_state2 pit;
};

static struct vm *irqchip_vm(void *opaque)
{
	return ((struct irqchip_power_on *)opaque)->vm;
}

/* ---------------------------------------------------------------- irqchip */

/*
 * Version 1: for chip 0, 1, 2 in order: the KVM_GET_IRQCHIP union bytes
 * (512, little endian).  The chip ids are implied by the position.
 */
static int irqchip_comp_save(void *opaque, struct sbuf *out)
{
	struct vm *vm = irqchip_vm(opaque);
	struct kvm_irqchip chip;
	unsigned int i;
	int ret;

	for (i = 0; i < IRQCHIP_CHIPS; i++) {
		memset(&chip, 0, sizeof(chip));
		chip.chip_id = i;
		ret = hv_get_irqchip(vm->hv_vm, &chip);
		if (ret)
			return ret;
		sbuf_put_bytes(out, &chip.chip, sizeof(chip.chip));
	}
	return 0;
}

static int irqchip_comp_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct kvm_irqchip chip[IRQCHIP_CHIPS];
	struct vm *vm = irqchip_vm(opaque);
	unsigned int i;
	int ret;

	memset(chip, 0, sizeof(chip));
	for (i = 0; i < IRQCHIP_CHIPS; i++) {
		chip[i].chip_id = i;
		sbuf_get_bytes(in, &chip[i].chip, sizeof(chip[i].chip));
	}
	if (sbuf_error(in))
		return sbuf_error(in);
	for (i = 0; i < IRQCHIP_CHIPS; i++) {
		ret = hv_set_irqchip(vm->hv_vm, &chip[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static void irqchip_comp_reset(void *opaque)
{
	struct irqchip_power_on *p = opaque;
	unsigned int i;

	for (i = 0; i < IRQCHIP_CHIPS; i++)
		if (hv_set_irqchip(p->vm->hv_vm, &p->chip[i]))
			vm_fail(p->vm, "cannot reset the interrupt controllers");
}

static void irqchip_comp_destroy(void *opaque)
{
	free(opaque);
}

static const struct component_ops irqchip_comp_ops = {
	.version = 1,
	.reset = irqchip_comp_reset,
	.save = irqchip_comp_save,
	.load = irqchip_comp_load,
	.destroy = irqchip_comp_destroy,
};

/* ---------------------------------------------------------------- PIT */

/*
 * Version 1: struct kvm_pit_state2 (little endian) with every channel's
 * count_load_time zeroed: it is host time, meaningless in another process
 * or on another host, and both backends restart a loaded count at
 * KVM_SET_PIT2 anyway.
 */
static int pit_comp_save(void *opaque, struct sbuf *out)
{
	struct kvm_pit_state2 pit;
	struct vm *vm = irqchip_vm(opaque);
	unsigned int i;
	int ret;

	memset(&pit, 0, sizeof(pit));
	ret = hv_get_pit(vm->hv_vm, &pit);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(pit.channels); i++)
		pit.channels[i].count_load_time = 0;
	sbuf_put_bytes(out, &pit, sizeof(pit));
	return 0;
}

/* Mode 0xff: never programmed (KVM's reset value). */
static bool pit_channel_ok(const struct kvm_pit_channel_state *c)
{
	return c->count <= 0x10000 && c->count_latched <= 3 && c->status_latched <= 1 &&
	       c->read_state <= 4 && c->write_state <= 4 &&
	       c->rw_mode <= 3 && (c->mode <= 7 || c->mode == 0xff) &&
	       c->bcd <= 1 &&
	       c->gate <= 1 && !c->count_load_time;
}

static int pit_comp_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct kvm_pit_state2 pit;
	struct vm *vm = irqchip_vm(opaque);
	unsigned int i;

	sbuf_get_bytes(in, &pit, sizeof(pit));
	if (sbuf_error(in))
		return sbuf_error(in);
	for (i = 0; i < ARRAY_SIZE(pit.channels); i++)
		if (!pit_channel_ok(&pit.channels[i]))
			return -EINVAL;
	if (pit.flags & ~KVM_PIT_FLAGS_SPEAKER_DATA_ON)
		return -EINVAL;
	return hv_set_pit(vm->hv_vm, &pit);
}

static void pit_comp_reset(void *opaque)
{
	struct irqchip_power_on *p = opaque;

	if (hv_set_pit(p->vm->hv_vm, &p->pit))
		vm_fail(p->vm, "cannot reset the PIT");
}

static const struct component_ops pit_comp_ops = {
	.version = 1,
	.reset = pit_comp_reset,
	.save = pit_comp_save,
	.load = pit_comp_load,
};

int vm_irqchip_register(struct vm *vm, bool pit)
{
	struct irqchip_power_on *p = calloc(1, sizeof(*p));
	unsigned int i;
	int ret = 0;

	if (!p)
		return -ENOMEM;
	p->vm = vm;
	for (i = 0; i < IRQCHIP_CHIPS && !ret; i++) {
		p->chip[i].chip_id = i;
		ret = hv_get_irqchip(vm->hv_vm, &p->chip[i]);
	}
	if (!ret && pit)
		ret = hv_get_pit(vm->hv_vm, &p->pit);
	if (!ret)
		ret = vm_component_add(vm, "irqchip", COMP_STAGE_IRQCHIP,
				       &irqchip_comp_ops, p);
	if (ret) {
		free(p);
		return ret;
	}
	/* p is the irqchip component's from here on (destroy frees it). */
	if (pit)
		ret = vm_component_add(vm, "pit", COMP_STAGE_IRQCHIP,
				       &pit_comp_ops, p);
	return ret;
}
