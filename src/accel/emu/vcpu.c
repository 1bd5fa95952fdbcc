// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu.c - emu vCPUs: the run loop around x86_cpu_run(), the core's ops
 * (memory through the memslot view, in-backend LAPIC/IOAPIC/PIC/PIT,
 * everything else as a KVM-style exit), HLT, INIT/SIPI and kicks.
 *
 * Exits and completion: an access the backend cannot handle fills
 * v->exit and returns X86_IO_EXIT; the core stops without committing the
 * instruction and repeats the same access on the next run, which the
 * matching pending record then completes from the VMM's answer (IN data,
 * MMIO read data).  REP INS: the core hands over batches (count > 1)
 * and one exit carries the whole chunk, as KVM's does.  MMIO wider than
 * 8 bytes (SSE) is split into 8-byte exits, as KVM does.
 *
 * Blocking: HLT with an irqchip, and APs waiting for INIT/SIPI, sleep on
 * v->wait_cond (never spin) until emu_vcpu_event() or a kick; while
 * asleep the vCPU is quiescent for memslot updates.
 *
 * Threads: everything here runs on the vCPU thread except
 * emu_vcpu_event() and emu_vcpu_kick(), which only touch atomics and the
 * leaf lock v->wait_lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_priv.h"

/* ---------------------------------------------------------------- wakeups */

static void vcpu_wake(struct emu_vcpu *v)
{
	pthread_mutex_lock(&v->wait_lock);
	atomic_store(&v->wakeup, true);
	pthread_cond_signal(&v->wait_cond);
	pthread_mutex_unlock(&v->wait_lock);
}

void emu_vcpu_event(struct emu_vcpu *v)
{
	/* The run loop re-evaluates the LAPIC/PIC at its next stop. */
	atomic_store(&v->cpu->intr_pending, true);
	atomic_store(&v->cpu->stop_request, true);
	vcpu_wake(v);
}

void emu_vcpu_kick(struct hv_vcpu *vcpu)
{
	struct emu_vcpu *v = to_emu_vcpu(vcpu);

	atomic_store(&v->kicked, true);
	atomic_store(&v->cpu->stop_request, true);
	vcpu_wake(v);
}

static void lapic_kick(void *opaque)
{
	emu_vcpu_event(opaque);
}

static void lapic_eoi(void *opaque, uint8_t vector)
{
	struct emu_vcpu *v = opaque;

	emu_ioapic_eoi(v->vm->ioapic, vector);
}

static uint64_t lapic_tsc(void *opaque)
{
	return emu_vcpu_guest_tsc(opaque);
}

static const struct emu_lapic_ops vcpu_lapic_ops = {
	.kick = lapic_kick,
	.eoi = lapic_eoi,
	.read_tsc = lapic_tsc,
};

/* ---------------------------------------------------------------- helpers */

void *emu_vcpu_map_guest(struct emu_vcpu *v, uint64_t gpa, bool write,
			 bool host)
{
	if (host)
		return emu_mem_lookup(v->vm->mem, HV_AS_NORMAL, gpa, write);
	return emu_mem_map_page(&v->rd, HV_AS_NORMAL, gpa, write);
}

static uint64_t host_tsc(struct emu_vcpu *v)
{
	return (uint64_t)((unsigned __int128)emu_now_ns() *
			  atomic_load(&v->tsc_khz) / 1000000u);
}

uint64_t emu_vcpu_guest_tsc(struct emu_vcpu *v)
{
	return host_tsc(v) + v->cpu->s.tsc_offset;
}

/*
 * KVM keeps a VM's vCPUs on one TSC (kvm_synchronize_tsc()): a vCPU whose
 * TSC the VMM has not written adopts the VM's TSC (the offset of the last
 * host TSC write, or of TSC 0 at the VM's creation) when it runs at that
 * TSC's frequency.  A vCPU created at another frequency starts at 0; one
 * whose frequency is set to another (@publish) makes its TSC the VM's,
 * as KVM's vCPUs are created at the VM's frequency and then define it.
 * The shim creates vCPUs at emu's default and sets the program's
 * frequency right after, so the first vCPU defines the VM's TSC at that
 * frequency and the others adopt it.
 */
static void tsc_adopt_vm(struct emu_vcpu *v, bool publish)
{
	struct emu_vm *vm = v->vm;

	pthread_mutex_lock(&vm->tsc_lock);
	if (vm->tsc_khz == atomic_load(&v->tsc_khz)) {
		v->cpu->s.tsc_offset = vm->tsc_offset;
	} else if (publish) {
		vm->tsc_offset = v->cpu->s.tsc_offset;
		vm->tsc_khz = atomic_load(&v->tsc_khz);
	} else {
		v->cpu->s.tsc_offset = -(int64_t)host_tsc(v);
	}
	pthread_mutex_unlock(&vm->tsc_lock);
}

/* A host write of the TSC: the VM's TSC from now on. */
void emu_vcpu_tsc_written(struct emu_vcpu *v)
{
	struct emu_vm *vm = v->vm;

	v->tsc_written = true;
	pthread_mutex_lock(&vm->tsc_lock);
	vm->tsc_offset = v->cpu->s.tsc_offset;
	vm->tsc_khz = atomic_load(&v->tsc_khz);
	pthread_mutex_unlock(&vm->tsc_lock);
}

static void update_apic_page(struct emu_vcpu *v)
{
	uint64_t base;

	if (!v->lapic) {
		v->apic_page = ~0ull;
		return;
	}
	base = emu_lapic_get_base(v->lapic);
	v->apic_page = emu_lapic_mmio_hit(v->lapic, base & ~0xfffull) ?
		       base & ~0xfffull & ((1ull << 52) - 1) : ~0ull;
}

int emu_vcpu_set_apic_base(struct emu_vcpu *v, uint64_t value, bool host)
{
	if (v->lapic) {
		if (emu_lapic_set_base(v->lapic, value, host))
			return -1;
		v->cpu->s.apic_base = emu_lapic_get_base(v->lapic);
		update_apic_page(v);
	} else {
		v->cpu->s.apic_base = value;
	}
	return 0;
}

/*
 * The core stores APIC_BASE itself; apply a guest write it made since we
 * last looked before anything that depends on the LAPIC mode.
 */
static void sync_apic_base(struct emu_vcpu *v)
{
	if (v->lapic && v->cpu->s.apic_base != emu_lapic_get_base(v->lapic) &&
	    emu_vcpu_set_apic_base(v, v->cpu->s.apic_base, false))
		v->cpu->s.apic_base = emu_lapic_get_base(v->lapic);
}

/* Recompute cpu->intr_pending.  Clear first, then set: see emu_vcpu_event. */
static void update_intr_pending(struct emu_vcpu *v)
{
	struct emu_vm *vm = v->vm;
	bool p = v->ext_irq >= 0;

	atomic_store(&v->cpu->intr_pending, false);
	if (v->lapic) {
		if (emu_lapic_has_interrupt(v->lapic) >= 0)
			p = true;
		else if (emu_pic_has_interrupt(vm->pic) &&
			 emu_lapic_accept_pic_intr(v->lapic))
			p = true;
	}
	if (p)
		atomic_store(&v->cpu->intr_pending, true);
}

/* ---------------------------------------------------------------- core ops */

static void *op_map_page(void *opaque, uint64_t gpa, bool write, bool smm)
{
	struct emu_vcpu *v = opaque;

	/* An injected fault goes the MMIO/fetch-fault way to its exit. */
	if (unlikely(atomic_load_explicit(&v->vm->inject_armed,
					  memory_order_relaxed)) &&
	    emu_inject_pending(v->vm, gpa))
		return NULL;
	return emu_mem_map_page(&v->rd, smm ? HV_AS_SMM : HV_AS_NORMAL, gpa,
				write);
}

/*
 * A private page that nothing backs (no slot, no guest_memfd, a binding
 * deleted under the vCPU), or an injected shared/private mismatch:
 * KVM's -EFAULT exit with the page's range and the access's kind.
 */
static int exit_memory_fault(struct emu_vcpu *v, uint64_t gpa, bool private)
{
	memset(&v->exit, 0, sizeof(v->exit));
	v->exit.reason = HV_EXIT_MEMORY_FAULT;
	v->exit.memory_fault.flags = private ? HV_MEMORY_EXIT_FLAG_PRIVATE : 0;
	v->exit.memory_fault.gpa = gpa & ~(EMU_PAGE_SIZE - 1);
	v->exit.memory_fault.size = EMU_PAGE_SIZE;
	v->pend = EMU_PEND_NONE;
	v->mem_fault = true;
	return X86_IO_EXIT;
}

/* The injected mismatch: the access claims the other kind. */
static int inject_fault(struct emu_vcpu *v, uint64_t gpa)
{
	if (!atomic_load_explicit(&v->vm->inject_armed, memory_order_relaxed) ||
	    !emu_inject_take(v->vm, gpa))
		return 0;
	return exit_memory_fault(v, gpa, !emu_mem_private_fault(&v->rd, gpa));
}

static int op_fetch_fault(void *opaque, uint64_t gpa)
{
	struct emu_vcpu *v = opaque;
	int ret = inject_fault(v, gpa);

	if (ret)
		return ret;
	if (emu_mem_private_fault(&v->rd, gpa))
		return exit_memory_fault(v, gpa, true);
	return 0;
}

/*
 * One call gate, two hypervisor ABIs: Hyper-V's once the guest enabled
 * it (Hyper-V CPUID and a GUEST_OS_ID: KVM's kvm_hv_hypercall_enabled()),
 * KVM's otherwise.  A Hyper-V call that exited completes in hyperv.c.
 */
static int op_hypercall(void *opaque, unsigned int cpl, bool op64)
{
	struct emu_vcpu *v = opaque;

	if (v->pend == EMU_PEND_HYPERCALL) {
		/* The VMM answered: its result is the guest's RAX. */
		v->cpu->s.gpr[X86_RAX] = v->exit.hypercall.ret;
		v->pend = EMU_PEND_NONE;
		return 0;
	}
	if (v->hv.pend == EMU_HV_PEND_HCALL || emu_hv_hypercall_enabled(v))
		return emu_hv_hypercall(v, cpl, op64);
	return emu_kvm_hypercall(v, cpl, op64);
}

static void exit_mmio(struct emu_vcpu *v, uint64_t gpa, const void *data,
		      unsigned int len, bool write)
{
	memset(&v->exit, 0, sizeof(v->exit));
	v->exit.reason = HV_EXIT_MMIO;
	v->exit.mmio.phys_addr = gpa;
	v->exit.mmio.len = len;
	v->exit.mmio.is_write = write;
	if (write)
		memcpy(v->exit.mmio.data, data, len);
}

static int op_mmio(void *opaque, uint64_t gpa, void *data, unsigned int len,
		   bool write)
{
	struct emu_vcpu *v = opaque;
	struct emu_vm *vm = v->vm;
	unsigned int chunk;

	if (unlikely(inject_fault(v, gpa)))
		return X86_IO_EXIT;
	if (unlikely(emu_mem_private_fault(&v->rd, gpa)))
		return exit_memory_fault(v, gpa, true);
	if (v->lapic) {
		sync_apic_base(v);
		if ((gpa & ~0xfffull) == v->apic_page) {
			if (write)
				emu_lapic_mmio_write(v->lapic, gpa & 0xfff,
						     data, len);
			else
				emu_lapic_mmio_read(v->lapic, gpa & 0xfff,
						    data, len);
			return 0;
		}
		if (emu_ioapic_mmio_hit(vm->ioapic, gpa)) {
			if (write)
				emu_ioapic_mmio_write(vm->ioapic, gpa, data, len);
			else
				emu_ioapic_mmio_read(vm->ioapic, gpa, data, len);
			return 0;
		}
	}
	if (len > sizeof(v->pend_buf))
		return X86_IO_EXIT;	/* cannot happen: len <= 16 */
	if (v->pend == EMU_PEND_MMIO && v->pend_gpa == gpa &&
	    v->pend_len == len && v->pend_write == write) {
		/* The fragment the VMM just answered. */
		chunk = len - v->pend_done > 8 ? 8 : len - v->pend_done;
		if (!write)
			memcpy(v->pend_buf + v->pend_done, v->exit.mmio.data,
			       chunk);
		v->pend_done += chunk;
		if (v->pend_done < len) {
			chunk = len - v->pend_done > 8 ? 8 :
				len - v->pend_done;
			exit_mmio(v, gpa + v->pend_done,
				  (uint8_t *)data + v->pend_done, chunk, write);
			return X86_IO_EXIT;
		}
		if (!write)
			memcpy(data, v->pend_buf, len);
		v->pend = EMU_PEND_NONE;
		return 0;
	}
	/* A new write a VMM ioeventfd wants: signal it, no exit. */
	if (write && len <= 8 &&
	    emu_ioeventfd_write(v, EMU_IOEV_MMIO, gpa, data, len))
		return 0;
	v->pend = EMU_PEND_MMIO;
	v->pend_gpa = gpa;
	v->pend_len = len;
	v->pend_write = write;
	v->pend_done = 0;
	exit_mmio(v, gpa, data, len > 8 ? 8 : len, write);
	return X86_IO_EXIT;
}

/* In-backend port devices: the 8259 pair with ELCR, the PIT. */
static bool pio_local(struct emu_vcpu *v, uint16_t port, uint8_t *data,
		      unsigned int size, unsigned int count, bool write)
{
	struct emu_vm *vm = v->vm;
	struct emu_pit *pit;
	unsigned int i, b;
	bool pic_port, pit_port;

	pic_port = v->lapic && (port == 0x20 || port == 0x21 || port == 0xa0 ||
				port == 0xa1 || port == 0x4d0 || port == 0x4d1);
	pit = atomic_load(&vm->pit);
	pit_port = pit && ((port >= 0x40 && port <= 0x43) || port == 0x61);
	if (!pic_port && !pit_port)
		return false;
	/* Wider accesses reach consecutive byte ports, as on the ISA bus. */
	for (i = 0; i < count; i++) {
		for (b = 0; b < size; b++) {
			uint8_t *p = data + i * size + b;
			uint16_t pt = port + b;

			if (pic_port && emu_pic_pio(vm->pic, pt, p, write))
				continue;
			if (pit && emu_pit_pio(pit, pt, p, write))
				continue;
			if (!write)
				*p = 0xff;
		}
	}
	return true;
}

static int op_pio(void *opaque, uint16_t port, void *data, unsigned int size,
		  unsigned int count, bool write)
{
	struct emu_vcpu *v = opaque;
	size_t bytes = (size_t)size * count;

	if (pio_local(v, port, data, size, count, write))
		return 0;
	if (v->pend == EMU_PEND_PIO && v->pend_port == port &&
	    v->pend_size == size && v->pend_count == count &&
	    v->pend_write == write) {
		if (!write)
			memcpy(data, v->io_buf, bytes);
		v->pend = EMU_PEND_NONE;
		return 0;
	}
	if (write && count == 1 &&
	    emu_ioeventfd_write(v, EMU_IOEV_PIO, port, data, size))
		return 0;
	if (bytes > v->io_buf_size) {
		uint8_t *nb = realloc(v->io_buf, bytes);

		if (!nb)
			return X86_IO_EXIT;	/* retried; VMM sees no change */
		v->io_buf = nb;
		v->io_buf_size = bytes;
	}
	memset(&v->exit, 0, sizeof(v->exit));
	v->exit.reason = HV_EXIT_IO;
	v->exit.io.direction = write ? HV_EXIT_IO_OUT : HV_EXIT_IO_IN;
	v->exit.io.size = size;
	v->exit.io.port = port;
	v->exit.io.count = count;
	v->exit.io.data = v->io_buf;
	if (write)
		memcpy(v->io_buf, data, bytes);
	else
		memset(v->io_buf, 0, bytes);
	v->pend = EMU_PEND_PIO;
	v->pend_port = port;
	v->pend_size = size;
	v->pend_count = count;
	v->pend_write = write;
	return X86_IO_EXIT;
}

static bool lapic_msr(uint32_t idx)
{
	return idx == MSR_IA32_TSC_DEADLINE ||
	       (idx >= MSR_X2APIC_FIRST && idx <= MSR_X2APIC_LAST);
}

static const struct emu_msr_group *const msr_groups[] = {
	&emu_hv_msrs, &emu_kvmpv_msrs, &emu_mce_msrs,
};

const struct emu_msr_group *emu_msr_group(uint32_t idx)
{
	for (size_t i = 0; i < ARRAY_SIZE(msr_groups); i++)
		if (msr_groups[i]->owned(idx))
			return msr_groups[i];
	return NULL;
}

unsigned int emu_msr_groups_list(uint32_t *idx, unsigned int max)
{
	unsigned int n = 0, k;

	for (size_t i = 0; i < ARRAY_SIZE(msr_groups); i++) {
		k = msr_groups[i]->list(idx ? idx + n : NULL,
					max > n ? max - n : 0);
		n += k;
	}
	return n;
}

static int op_rdmsr(void *opaque, uint32_t idx, uint64_t *val)
{
	const struct emu_msr_group *g;
	struct emu_vcpu *v = opaque;

	if (idx == X86_MSR_APIC_BASE) {
		sync_apic_base(v);
		*val = v->cpu->s.apic_base;
		return 0;
	}
	if (v->lapic && lapic_msr(idx)) {
		sync_apic_base(v);
		return emu_lapic_msr_read(v->lapic, idx, val) ? X86_MSR_GP : 0;
	}
	g = emu_msr_group(idx);
	return g ? g->read(v, idx, val, false) : X86_MSR_UNKNOWN;
}

static int op_wrmsr(void *opaque, uint32_t idx, uint64_t val)
{
	const struct emu_msr_group *g;
	struct emu_vcpu *v = opaque;

	if (idx == X86_MSR_APIC_BASE) {
		sync_apic_base(v);
		if (emu_vcpu_set_apic_base(v, val, false))
			return X86_MSR_GP;
		x86_cpu_flush_tlb(v->cpu);	/* the APIC page moved */
		return 0;
	}
	if (v->lapic && lapic_msr(idx)) {
		sync_apic_base(v);
		return emu_lapic_msr_write(v->lapic, idx, val) ? X86_MSR_GP : 0;
	}
	g = emu_msr_group(idx);
	return g ? g->write(v, idx, val, false) : X86_MSR_UNKNOWN;
}

/*
 * KVM's MSR filter and KVM_CAP_X86_USER_SPACE_MSR: a guest access the
 * filter refuses, or one that raised #GP (an MSR no one implements, or a
 * refused value), exits to the VMM when the VM asked for that reason;
 * otherwise it is a #GP.  The VMM's answer (msr.error, a read's msr.data)
 * completes the instruction when it runs again.
 */
static int op_msr_guest(void *opaque, uint32_t idx, uint64_t *val,
			bool write, enum x86_msr_why why)
{
	struct emu_vcpu *v = opaque;
	uint32_t reason;

	if (why == X86_MSR_WHY_ACCESS) {
		if (v->pend == EMU_PEND_MSR) {
			v->pend = EMU_PEND_NONE;
			if (v->exit.msr.index == idx &&
			    (v->exit.reason == HV_EXIT_WRMSR) == write) {
				if (v->exit.msr.error)
					return X86_MSR_GP;
				if (!write)
					*val = v->exit.msr.data;
				return X86_MSR_DONE;
			}
		}
		if (emu_msr_filter_allows(&v->vm->msr_filter, idx, write))
			return 0;
		reason = KVM_MSR_EXIT_REASON_FILTER;
	} else {
		reason = why == X86_MSR_WHY_UNKNOWN ?
			 KVM_MSR_EXIT_REASON_UNKNOWN : KVM_MSR_EXIT_REASON_INVAL;
	}
	if (!(atomic_load(&v->vm->user_msr_exits) & reason))
		return why == X86_MSR_WHY_ACCESS ? X86_MSR_GP : 0;
	memset(&v->exit, 0, sizeof(v->exit));
	v->exit.reason = write ? HV_EXIT_WRMSR : HV_EXIT_RDMSR;
	v->exit.msr.reason = reason;
	v->exit.msr.index = idx;
	v->exit.msr.data = write ? *val : 0;
	v->pend = EMU_PEND_MSR;
	return X86_IO_EXIT;
}

static void op_cpuid(void *opaque, uint32_t leaf, uint32_t sub,
		     uint32_t regs[4])
{
	emu_vcpu_cpuid(opaque, leaf, sub, regs);
}

static int op_intr_ack(void *opaque)
{
	struct emu_vcpu *v = opaque;
	int vec = -1;

	if (v->ext_irq >= 0) {
		vec = v->ext_irq;
		v->ext_irq = -1;
	} else if (v->lapic) {
		/* The 8259 (ExtINT) goes first, as in KVM. */
		if (emu_lapic_accept_pic_intr(v->lapic))
			vec = emu_pic_try_read_irq(v->vm->pic);
		if (vec < 0) {
			vec = emu_lapic_ack_interrupt(v->lapic);
			/* A Hyper-V auto-EOI SINT: no EOI from the guest. */
			if (emu_hv_synic_auto_eoi(v, vec))
				emu_lapic_eoi_vector(v->lapic, vec);
		}
	}
	update_intr_pending(v);
	return vec;
}

static uint64_t op_tsc(void *opaque)
{
	return host_tsc(opaque);
}

/* CR8 is the LAPIC's TPR[7:4]; without an irqchip the core keeps s.cr8. */
static uint64_t op_get_cr8(void *opaque)
{
	struct emu_vcpu *v = opaque;

	return v->lapic ? emu_lapic_get_cr8(v->lapic) : v->cpu->s.cr8;
}

static void op_set_cr8(void *opaque, uint64_t cr8)
{
	struct emu_vcpu *v = opaque;

	if (!v->lapic)
		return;
	emu_lapic_set_cr8(v->lapic, cr8);
	update_intr_pending(v);
}

static const struct x86_cpu_ops vcpu_cpu_ops = {
	.map_page = op_map_page,
	.fetch_fault = op_fetch_fault,
	.mmio = op_mmio,
	.hypercall = op_hypercall,
	.pio = op_pio,
	.rdmsr = op_rdmsr,
	.wrmsr = op_wrmsr,
	.msr_guest = op_msr_guest,
	.cpuid = op_cpuid,
	.intr_ack = op_intr_ack,
	.tsc = op_tsc,
	.get_cr8 = op_get_cr8,
	.set_cr8 = op_set_cr8,
};

/* ---------------------------------------------------------------- create */

int emu_vcpu_create(struct hv_vm *hvm, unsigned int id, struct hv_vcpu **out)
{
	struct emu_vm *vm = to_emu_vm(hvm);
	struct emu_vcpu *v;
	int ret = 0;

	if (id >= vm->max_vcpus)
		return -EINVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->vcpu.vm = hvm;
	v->vcpu.id = id;
	v->vm = vm;
	v->ext_irq = -1;
	v->apic_page = ~0ull;
	atomic_init(&v->tsc_khz, EMU_DEFAULT_TSC_KHZ);
	pthread_mutex_init(&v->wait_lock, NULL);
	pthread_cond_init(&v->wait_cond, NULL);
	v->cpu = x86_cpu_create(&vcpu_cpu_ops, v, vm->tracker);
	if (!v->cpu) {
		ret = -ENOMEM;
		goto fail;
	}
	tsc_adopt_vm(v, false);

	pthread_mutex_lock(&vm->lock);
	pthread_rwlock_wrlock(&vm->vcpu_lock);
	if (vm->vcpus[id]) {
		ret = -EEXIST;
		goto unlock;
	}
	if (atomic_load(&vm->irqchip)) {
		ret = emu_lapic_create(&vm->bus, vm->clock, id, id == 0,
				       EMU_DEFAULT_TSC_KHZ, &vcpu_lapic_ops, v,
				       &v->lapic);
		if (ret)
			goto unlock;
	}
	vm->vcpus[id] = v;
	vm->nr_vcpus++;
unlock:
	pthread_rwlock_unlock(&vm->vcpu_lock);
	pthread_mutex_unlock(&vm->lock);
	if (ret)
		goto fail;

	/* KVM: with an in-kernel LAPIC, APs wait for INIT/SIPI. */
	v->mp_state = (v->lapic && id != 0) ? KVM_MP_STATE_UNINITIALIZED :
					      KVM_MP_STATE_RUNNABLE;
	if (v->lapic)
		v->cpu->s.apic_base = emu_lapic_get_base(v->lapic);
	update_apic_page(v);
	emu_hv_vcpu_init(v);
	emu_mem_reader_add(vm->mem, &v->rd);
	*out = &v->vcpu;
	return 0;
fail:
	if (v->cpu)
		x86_cpu_destroy(v->cpu);
	pthread_cond_destroy(&v->wait_cond);
	pthread_mutex_destroy(&v->wait_lock);
	free(v);
	return ret;
}

void emu_vcpu_destroy(struct hv_vcpu *vcpu)
{
	struct emu_vcpu *v = to_emu_vcpu(vcpu);
	struct emu_vm *vm = v->vm;

	pthread_mutex_lock(&vm->lock);
	pthread_rwlock_wrlock(&vm->vcpu_lock);
	vm->vcpus[v->vcpu.id] = NULL;
	vm->nr_vcpus--;
	pthread_rwlock_unlock(&vm->vcpu_lock);
	pthread_mutex_unlock(&vm->lock);
	emu_mem_reader_del(vm->mem, &v->rd);
	emu_hv_vcpu_fini(v);
	emu_lapic_destroy(v->lapic);
	x86_cpu_destroy(v->cpu);
	pthread_cond_destroy(&v->wait_cond);
	pthread_mutex_destroy(&v->wait_lock);
	free(v->cpuid);
	free(v->io_buf);
	free(v);
}

struct hv_exit *emu_vcpu_exit(struct hv_vcpu *vcpu)
{
	return &to_emu_vcpu(vcpu)->exit;
}

/* ---------------------------------------------------------------- run */

/* INIT, SIPI and NMI from the LAPIC; returns true if the vCPU may run. */
static bool process_events(struct emu_vcpu *v)
{
	unsigned int ev;
	int sipi;

	if (!v->lapic)
		return v->mp_state == KVM_MP_STATE_RUNNABLE;
	ev = emu_lapic_pending(v->lapic);
	if ((ev & EMU_LAPIC_EV_INIT) && !v->cpu->s.ev.smm &&
	    emu_lapic_take_init(v->lapic)) {
		/* INIT: reset, keep what INIT keeps; BSP runs on, APs wait. */
		x86_cpu_init_state(v->cpu);
		emu_lapic_reset(v->lapic, true);
		v->cpu->s.apic_base = emu_lapic_get_base(v->lapic);
		update_apic_page(v);
		v->pend = EMU_PEND_NONE;
		v->pv.system_time = 0;		/* kvmclock off, as KVM */
		v->mp_state = v->vcpu.id == 0 ? KVM_MP_STATE_RUNNABLE :
						KVM_MP_STATE_INIT_RECEIVED;
		/* A SIPI that came after the INIT is still latched: take it. */
		ev = emu_lapic_pending(v->lapic);
	}
	if (ev & EMU_LAPIC_EV_SIPI) {
		sipi = emu_lapic_take_sipi(v->lapic);
		if (sipi >= 0 && v->mp_state == KVM_MP_STATE_INIT_RECEIVED) {
			struct x86_seg *cs = &v->cpu->s.seg[X86_CS];

			cs->selector = sipi << 8;
			cs->base = (uint64_t)sipi << 12;
			v->cpu->s.rip = 0;
			x86_cpu_state_changed(v->cpu);
			v->mp_state = KVM_MP_STATE_RUNNABLE;
		}
	}
	if (v->mp_state != KVM_MP_STATE_RUNNABLE &&
	    v->mp_state != KVM_MP_STATE_HALTED)
		return false;
	if ((ev & EMU_LAPIC_EV_SMI) && emu_lapic_take_smi(v->lapic)) {
		atomic_store(&v->cpu->smi_pending, true);
		v->cpu->s.halted = 0;
	}
	if ((ev & EMU_LAPIC_EV_NMI) && !atomic_load(&v->cpu->nmi_pending) &&
	    emu_lapic_take_nmi(v->lapic)) {
		atomic_store(&v->cpu->nmi_pending, true);
		v->cpu->s.halted = 0;
	}
	update_intr_pending(v);
	return true;
}

/* Should a halted (or waiting) vCPU wake up? */
static bool wake_pending(struct emu_vcpu *v)
{
	unsigned int ev;

	if (atomic_load(&v->kicked) || v->triple_fault ||
	    atomic_load(&v->hv.stimer_pending))
		return true;
	/* KVM_HC_KICK_CPU wakes a halted vCPU even with IF=0 (KVM). */
	if (v->mp_state == KVM_MP_STATE_HALTED &&
	    atomic_load(&v->pv.pv_unhalted))
		return true;
	if (!v->lapic)
		return false;
	ev = emu_lapic_pending(v->lapic);
	/* In SMM an INIT is latched: it must not wake a halted handler. */
	if (v->cpu->s.ev.smm)
		ev &= ~(EMU_LAPIC_EV_INIT | EMU_LAPIC_EV_SIPI);
	if (ev & (EMU_LAPIC_EV_INIT | EMU_LAPIC_EV_SIPI))
		return true;
	if (v->mp_state != KVM_MP_STATE_RUNNABLE &&
	    v->mp_state != KVM_MP_STATE_HALTED)
		return false;
	/* A pending SMI makes a halted vCPU runnable (KVM's fix). */
	if ((ev & EMU_LAPIC_EV_SMI) ||
	    (atomic_load(&v->cpu->smi_pending) && !v->cpu->s.ev.smm))
		return true;
	if ((ev & EMU_LAPIC_EV_NMI) || atomic_load(&v->cpu->nmi_pending))
		return true;
	/* Interrupts wake HLT only when they can be taken (IF=1). */
	if (!(x86_cpu_get_rflags(v->cpu) & X86_IF))
		return false;
	if (ev & EMU_LAPIC_EV_INTR)
		return true;
	return emu_pic_has_interrupt(v->vm->pic) &&
	       emu_lapic_accept_pic_intr(v->lapic);
}

static void vcpu_block(struct emu_vcpu *v)
{
	/* Quiescent while asleep: memslot updates need not wait for us. */
	emu_mem_reader_leave(v->vm->mem, &v->rd);
	for (;;) {
		atomic_store(&v->wakeup, false);
		if (wake_pending(v))
			break;
		pthread_mutex_lock(&v->wait_lock);
		while (!atomic_load(&v->wakeup))
			pthread_cond_wait(&v->wait_cond, &v->wait_lock);
		pthread_mutex_unlock(&v->wait_lock);
	}
	if (emu_mem_reader_enter(v->vm->mem, &v->rd))
		x86_cpu_flush_tlb(v->cpu);
}

static int exit_simple(struct emu_vcpu *v, uint32_t reason)
{
	memset(&v->exit, 0, sizeof(v->exit));
	v->exit.reason = reason;
	return 0;
}

int emu_vcpu_run(struct hv_vcpu *vcpu)
{
	struct emu_vcpu *v = to_emu_vcpu(vcpu);
	struct x86_cpu *cpu = v->cpu;
	struct emu_mem *mem = v->vm->mem;
	int ret = 0, stop;

	if (emu_mem_reader_enter(mem, &v->rd))
		x86_cpu_flush_tlb(cpu);
	v->mem_fault = false;
	sync_apic_base(v);
	if (v->exc_pending) {
		/* A pending exception with payload: apply it, then deliver. */
		if (v->exc_has_payload) {
			if (cpu->s.ev.exc_nr == X86_EXC_PF) {
				cpu->s.cr2 = v->exc_payload;
			} else if (cpu->s.ev.exc_nr == X86_EXC_DB) {
				cpu->s.dr[6] &= ~0xfull;
				cpu->s.dr[6] |= 0xffff0ff0ull;
				cpu->s.dr[6] |= v->exc_payload;
				cpu->s.dr[6] ^= v->exc_payload & 0xffff0ff0ull;
			}
		}
		cpu->s.ev.exc_injected = 1;
		v->exc_pending = false;
		v->exc_has_payload = false;
	}
	for (;;) {
		/* A kick waits for the instruction an exit interrupted. */
		if (!x86_cpu_io_pending(cpu) &&
		    atomic_exchange(&v->kicked, false)) {
			exit_simple(v, HV_EXIT_INTR);
			ret = -EINTR;
			break;
		}
		if (v->triple_fault) {
			v->triple_fault = false;
			exit_simple(v, HV_EXIT_SHUTDOWN);
			break;
		}
		if (emu_mem_reader_sync(mem, &v->rd))
			x86_cpu_flush_tlb(cpu);
		if (atomic_load(&v->hv.stimer_pending))
			emu_hv_stimer_process(v);
		if (!process_events(v)) {
			vcpu_block(v);
			continue;
		}
		if (v->mp_state == KVM_MP_STATE_HALTED)
			v->mp_state = KVM_MP_STATE_RUNNABLE;
		emu_kvmpv_update(v);
		v->slice_start_ns = emu_now_ns();
		/* Announced first, then checked: see hyperv_flush.c. */
		atomic_store(&v->hv.in_guest, true);
		emu_hv_flush_ack(v);
		stop = x86_cpu_run(cpu, EMU_RUN_BUDGET);
		atomic_store(&v->hv.in_guest, false);
		v->hv.runtime_ns += emu_now_ns() - v->slice_start_ns;
		v->slice_start_ns = 0;
		switch (stop) {
		case X86_STOP_BUDGET:
		case X86_STOP_REQUEST:
			continue;
		case X86_STOP_EXIT:
			goto out;
		case X86_STOP_HLT:
			if (!v->lapic) {
				/* As KVM: the next run continues after HLT. */
				cpu->s.halted = 0;
				exit_simple(v, HV_EXIT_HLT);
				goto out;
			}
			v->mp_state = KVM_MP_STATE_HALTED;
			vcpu_block(v);
			/* A PV kick (before or during the HLT) ends it. */
			if (atomic_exchange(&v->pv.pv_unhalted, false)) {
				cpu->s.halted = 0;
				v->mp_state = KVM_MP_STATE_RUNNABLE;
			}
			continue;
		case X86_STOP_SHUTDOWN:
			exit_simple(v, HV_EXIT_SHUTDOWN);
			goto out;
		case X86_STOP_DEBUG:
			exit_simple(v, HV_EXIT_DEBUG);
			v->exit.debug.exception = cpu->debug_exit.exception;
			v->exit.debug.pc = cpu->debug_exit.pc;
			v->exit.debug.dr6 = cpu->debug_exit.dr6;
			v->exit.debug.dr7 = cpu->debug_exit.dr7;
			goto out;
		case X86_STOP_INTERNAL:
		default:
			exit_simple(v, HV_EXIT_INTERNAL_ERROR);
			v->exit.internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
			v->exit.internal.ndata = 1;
			snprintf(v->exit.internal.desc,
				 sizeof(v->exit.internal.desc), "%.95s",
				 cpu->internal_msg);
			v->exit.internal.data[0] = cpu->s.rip;
			goto out;
		}
	}
out:
	if (v->mem_fault) {
		/* The one exit KVM delivers with an error return. */
		v->mem_fault = false;
		ret = -EFAULT;
	}
	v->exit.flags = cpu->s.ev.smm ? HV_RUN_X86_SMM : 0;
	emu_mem_reader_leave(mem, &v->rd);
	return ret;
}

/* ---------------------------------------------------------------- injection */

int emu_interrupt(struct hv_vcpu *vcpu, uint32_t vector)
{
	struct emu_vcpu *v = to_emu_vcpu(vcpu);

	if (v->lapic)
		return -ENXIO;
	if (vector >= 256)
		return -EINVAL;
	v->ext_irq = vector;
	atomic_store(&v->cpu->intr_pending, true);
	return 0;
}

int emu_nmi(struct hv_vcpu *vcpu)
{
	struct emu_vcpu *v = to_emu_vcpu(vcpu);

	if (v->lapic) {
		struct emu_apic_irq irq = {
			.delivery_mode = EMU_DM_NMI, .assert = true,
		};

		emu_lapic_accept(v->lapic, &irq);
	} else {
		atomic_store(&v->cpu->nmi_pending, true);
	}
	return 0;
}

int emu_pre_fault_memory(struct hv_vcpu *vcpu, uint64_t *gpa, uint64_t *size,
			 uint64_t flags)
{
	if (flags)
		return -EINVAL;
	return emu_mem_pre_fault(to_emu_vcpu(vcpu)->vm->mem, gpa, size);
}

int emu_smi(struct hv_vcpu *vcpu)
{
	struct emu_vcpu *v = to_emu_vcpu(vcpu);

	/* No SMRAM to enter without address space 1. */
	if (v->vm->private_mem)
		return -EINVAL;
	/* Any thread (KVM_SMI): the vCPU takes it at its next boundary. */
	atomic_store(&v->cpu->smi_pending, true);
	atomic_store(&v->cpu->stop_request, true);
	vcpu_wake(v);
	return 0;
}

int emu_get_vcpu_stats(struct hv_vcpu *vcpu, struct hv_vcpu_stats *st)
{
	const struct x86_cpu *cpu = to_emu_vcpu(vcpu)->cpu;

	memset(st, 0, sizeof(*st));
	st->insns = cpu->insns;
	st->smm_entries = cpu->smm_entries;
	return 0;
}

uint64_t emu_vcpu_runtime_ns(struct emu_vcpu *v)
{
	/* Read on the vCPU thread (a guest RDMSR) or while it is stopped. */
	return v->hv.runtime_ns +
	       (v->slice_start_ns ? emu_now_ns() - v->slice_start_ns : 0);
}

int emu_vcpu_enable_cap(struct hv_vcpu *vcpu, enum hv_cap cap, uint64_t args0)
{
	return emu_hv_enable_cap(to_emu_vcpu(vcpu), cap, args0);
}

int emu_get_supported_hv_cpuid(struct hv_vcpu *vcpu, struct kvm_cpuid2 *c)
{
	return emu_hv_get_supported_cpuid(to_emu_vcpu(vcpu), c);
}

int emu_get_tsc_khz(struct hv_vcpu *vcpu)
{
	return atomic_load(&to_emu_vcpu(vcpu)->tsc_khz);
}

int emu_set_tsc_khz(struct hv_vcpu *vcpu, uint32_t khz)
{
	struct emu_vcpu *v = to_emu_vcpu(vcpu);
	uint64_t tsc;

	if (!khz || khz > 100000000u)
		return -EINVAL;
	/* Keep the guest TSC continuous across the rate change. */
	tsc = emu_vcpu_guest_tsc(v);
	atomic_store(&v->tsc_khz, khz);
	v->cpu->s.tsc_offset = tsc - host_tsc(v);
	if (!v->tsc_written)
		tsc_adopt_vm(v, true);
	if (v->lapic)
		emu_lapic_set_tsc_khz(v->lapic, khz);
	emu_hv_tsc_changed(v);
	return 0;
}
