// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu.c - vCPU set-up and the per-vCPU run loop.
 *
 * Each vCPU has its own thread that calls hv_vcpu_run() and turns exits
 * into bus accesses or VM lifecycle events.  The exit path is hot (guest
 * tests do thousands of port accesses), so it does no allocation and
 * takes no lock except inside the device that is accessed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/compiler.h"
#include "vmm/vm.h"

#define VCPU_STACK_SIZE	(256 * 1024)

#define CPUID_1_ECX_HYPERVISOR	(1u << 31)

static void vcpu_patch_cpuid(struct kvm_cpuid2 *c, unsigned int id)
{
	unsigned int i;

	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1:
			/* Initial APIC id in EBX[31:24]. */
			e->ebx = (e->ebx & 0x00ffffffu) | (id << 24);
			e->ecx |= CPUID_1_ECX_HYPERVISOR;
			break;
		case 0xb:
		case 0x1f:
			/* x2APIC id of this logical processor, every level. */
			e->edx = id;
			break;
		}
	}
}

static struct kvm_segment boot_seg_to_kvm(const struct boot_seg *b)
{
	return (struct kvm_segment){
		.base = b->base, .limit = b->limit, .selector = b->selector,
		.type = b->type, .present = b->present, .dpl = b->dpl,
		.db = b->db, .s = b->s, .l = b->l, .g = b->g,
		.unusable = !b->present,
	};
}

/*
 * The boot vCPU's registers from the loader's struct boot_cpu: protected
 * mode (Multiboot, PVH) or long mode with paging (64-bit bzImage).  GDTR
 * and TR keep their reset values when the loader leaves them empty.
 */
static int vcpu_set_boot_state(struct vcpu *vcpu, const struct boot_cpu *b)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int ret;

	ret = hv_vcpu_get_sregs(vcpu->hv, &sregs);
	if (ret)
		return ret;
	sregs.cs = boot_seg_to_kvm(&b->cs);
	sregs.ds = boot_seg_to_kvm(&b->ds);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	if (b->tr.present)
		sregs.tr = boot_seg_to_kvm(&b->tr);
	if (b->gdt_limit) {
		sregs.gdt.base = b->gdt_base;
		sregs.gdt.limit = b->gdt_limit;
	}
	sregs.cr0 = b->cr0;
	sregs.cr3 = b->cr3;
	sregs.cr4 = b->cr4;
	sregs.efer = b->efer;
	ret = hv_vcpu_set_sregs(vcpu->hv, &sregs);
	if (ret)
		return ret;

	memset(&regs, 0, sizeof(regs));
	regs.rflags = b->rflags | 0x2;	/* bit 1 is reserved, always 1 */
	regs.rip = b->rip;
	regs.rsp = b->rsp;
	regs.rax = b->rax;
	regs.rbx = b->rbx;
	regs.rsi = b->rsi;
	return hv_vcpu_set_regs(vcpu->hv, &regs);
}

int vcpu_setup(struct vcpu *vcpu, const struct kvm_cpuid2 *cpuid)
{
	struct vm *vm = vcpu->vm;
	int ret;

	if (cpuid) {
		size_t sz = sizeof(*cpuid) + cpuid->nent * sizeof(cpuid->entries[0]);
		struct kvm_cpuid2 *c = malloc(sz);

		if (!c)
			return -ENOMEM;
		memcpy(c, cpuid, sz);
		vcpu_patch_cpuid(c, vcpu->id);
		ret = hv_vcpu_set_cpuid(vcpu->hv, c);
		free(c);
		if (ret && ret != -EOPNOTSUPP)
			return ret;
	}
	ret = hyperv_vcpu_setup(vcpu);
	if (ret)
		return ret;
	/* A restore loads the whole vCPU state from the image. */
	if (vm->cfg.restore)
		return 0;
	/* Firmware starts from the reset vector, as the vCPU was created. */
	if (vcpu->id == 0)
		return vm->cfg.firmware ? 0 :
		       vcpu_set_boot_state(vcpu, &vm->boot);
	if (vm->has_irqchip) {
		/* APs wait for INIT/SIPI from the boot CPU, as on hardware. */
		struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_UNINITIALIZED };

		ret = hv_vcpu_set_mp_state(vcpu->hv, &mp);
		if (ret && ret != -EOPNOTSUPP)
			return ret;
	}
	return 0;
}

void vcpu_wake(struct vcpu *vcpu)
{
	if (vcpu->vm->ioreq)
		ioreq_vcpu_kick(vcpu->vm->ioreq, vcpu->id);
	pthread_mutex_lock(&vcpu->lock);
	vcpu->wake = true;
	pthread_cond_broadcast(&vcpu->cond);
	pthread_mutex_unlock(&vcpu->lock);
}

/* HLT without an irqchip: sleep until something may have an interrupt. */
static void vcpu_halt(struct vcpu *vcpu)
{
	pthread_mutex_lock(&vcpu->lock);
	while (!vcpu->wake && !vm_stopping(vcpu->vm))
		pthread_cond_wait(&vcpu->cond, &vcpu->lock);
	vcpu->wake = false;
	pthread_mutex_unlock(&vcpu->lock);
}

void vcpu_fail(struct vcpu *vcpu, const char *what)
{
	struct kvm_regs regs;

	if (hv_vcpu_get_regs(vcpu->hv, &regs))
		vm_fail(vcpu->vm, "%s on vCPU %u (RIP unavailable)", what,
			vcpu->id);
	else
		vm_fail(vcpu->vm, "%s on vCPU %u at RIP 0x%016llx", what,
			vcpu->id, (unsigned long long)regs.rip);
}

int vcpu_raise_smi(struct vcpu *vcpu)
{
	if (!smram_enabled(&vcpu->vm->smram))
		return -EOPNOTSUPP;
	return hv_vcpu_smi(vcpu->hv);
}

/*
 * In-process devices first (Xen's internal handlers), then the ioreq
 * servers of out-of-process device models, then the bus's default.
 */
static void vcpu_access(struct vcpu *vcpu, enum bus_space sp, uint64_t addr,
			uint8_t *data, unsigned int len, bool is_write)
{
	struct vm *vm = vcpu->vm;

	if (unlikely(ioreq_host_active(vm->ioreq)) &&
	    !bus_find(&vm->bus, sp, addr, len) &&
	    vm_ioreq_access(vm, &vcpu->ctx,
			    sp == BUS_PIO ? IOREQ_TYPE_PIO : IOREQ_TYPE_COPY,
			    addr, data, len, is_write))
		return;
	bus_access(&vm->bus, sp, addr, data, len, is_write, &vcpu->ctx);
}

static void vcpu_exit_io(struct vcpu *vcpu, struct hv_exit *exit)
{
	bool is_write = exit->io.direction == HV_EXIT_IO_OUT;
	unsigned int size = exit->io.size, i;
	uint8_t *data = exit->io.data;

	if ((size != 1 && size != 2 && size != 4) || !data) {
		vcpu_fail(vcpu, "malformed port I/O exit");
		return;
	}
	vcpu->ctx.smm = exit->flags & HV_RUN_X86_SMM;
	/* REP INS/OUTS: count accesses to the same port, data back to back. */
	for (i = 0; i < exit->io.count; i++, data += size)
		vcpu_access(vcpu, BUS_PIO, exit->io.port, data, size, is_write);
}

static void vcpu_exit_mmio(struct vcpu *vcpu, struct hv_exit *exit)
{
	unsigned int len = exit->mmio.len;

	if (!len || len > sizeof(exit->mmio.data)) {
		vcpu_fail(vcpu, "malformed MMIO exit");
		return;
	}
	vcpu->ctx.smm = exit->flags & HV_RUN_X86_SMM;
	vcpu_access(vcpu, BUS_MMIO, exit->mmio.phys_addr, exit->mmio.data,
		    len, exit->mmio.is_write);
}

/* A crash report (Hyper-V CRASH_CTL): name it with its five parameters. */
static void vcpu_exit_crash(struct vcpu *vcpu)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[5];
	} m = { .hdr.nmsrs = 5 };
	char what[160];
	unsigned int i;

	for (i = 0; i < 5; i++)
		m.e[i].index = 0x40000100 + i;	/* HV_X64_MSR_CRASH_P0.. */
	if (vcpu->vm->cfg.hyperv.features &&
	    hv_vcpu_get_msrs(vcpu->hv, &m.hdr) == 5)
		snprintf(what, sizeof(what),
			 "guest reported a crash (0x%llx 0x%llx 0x%llx 0x%llx 0x%llx)",
			 (unsigned long long)m.e[0].data,
			 (unsigned long long)m.e[1].data,
			 (unsigned long long)m.e[2].data,
			 (unsigned long long)m.e[3].data,
			 (unsigned long long)m.e[4].data);
	else
		snprintf(what, sizeof(what), "guest reported a crash");
	vcpu_fail(vcpu, what);
}

static void vcpu_exit_system_event(struct vcpu *vcpu, struct hv_exit *exit)
{
	char what[64];

	switch (exit->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
	case KVM_SYSTEM_EVENT_RESET:
		/* No reboot support: a reset ends the VM like -no-reboot. */
		vm_stop(vcpu->vm, 0);
		break;
	case KVM_SYSTEM_EVENT_CRASH:
		vcpu_exit_crash(vcpu);
		break;
	default:
		snprintf(what, sizeof(what), "unknown system event %u",
			 exit->system_event.type);
		vcpu_fail(vcpu, what);
	}
}

/* The CPU mode in words, for messages. */
static const char *cpu_mode_name(const struct kvm_sregs *sr, uint64_t rflags)
{
	if (!(sr->cr0 & 1))
		return "real mode";
	if (rflags & (1u << 17))
		return "virtual-8086 mode";
	if (sr->efer & (1u << 10))
		return sr->cs.l ? "64-bit mode" : "compatibility mode";
	return sr->cs.db ? "32-bit protected mode" : "16-bit protected mode";
}

/*
 * A backend could not go on: name the reason it gives, the mode, the
 * privilege level and the instruction bytes at RIP, so that the message
 * says what stopped the guest without a debugger.
 */
static void vcpu_exit_internal(struct vcpu *vcpu, const struct hv_exit *exit)
{
	struct kvm_sregs sr;
	struct kvm_regs regs;
	uint8_t insn[15];
	char what[320], bytes[64] = "";
	size_t n = 0, i, off = 0;
	int len;

	len = snprintf(what, sizeof(what), "emulation failure (suberror %u)",
		       exit->internal.suberror);
	if (exit->internal.desc[0])
		len += snprintf(what + len, sizeof(what) - (size_t)len, ": %.96s",
				exit->internal.desc);
	if (!hv_vcpu_get_regs(vcpu->hv, &regs) &&
	    !hv_vcpu_get_sregs(vcpu->hv, &sr)) {
		uint64_t la = regs.rip;

		if (!(sr.efer & (1u << 10)) || !sr.cs.l)
			la = (sr.cs.base + regs.rip) & 0xffffffffull;
		n = vm_debug_access(vcpu->vm, vcpu->id, la, insn, sizeof(insn),
				    false);
		for (i = 0; i < n && off + 4 < sizeof(bytes); i++)
			off += (size_t)snprintf(bytes + off, sizeof(bytes) - off,
						"%s%02x", i ? " " : "", insn[i]);
		snprintf(what + len, sizeof(what) - (size_t)len,
			 " in %s, CPL %u, instruction bytes %s",
			 cpu_mode_name(&sr, regs.rflags), sr.ss.dpl,
			 n ? bytes : "unreadable");
	}
	vcpu_fail(vcpu, what);
}

static void vcpu_handle_exit(struct vcpu *vcpu, struct hv_exit *exit)
{
	char what[96];

	switch (exit->reason) {
	case HV_EXIT_IO:
		vcpu_exit_io(vcpu, exit);
		break;
	case HV_EXIT_MMIO:
		vcpu_exit_mmio(vcpu, exit);
		break;
	case HV_EXIT_INTR:
		break;
	case HV_EXIT_HLT:
		vcpu_halt(vcpu);
		break;
	case HV_EXIT_SHUTDOWN:
		vcpu_fail(vcpu, "triple fault");
		break;
	case HV_EXIT_INTERNAL_ERROR:
		vcpu_exit_internal(vcpu, exit);
		break;
	case HV_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what),
			 "entry failure (hardware reason 0x%llx)",
			 (unsigned long long)
			 exit->fail_entry.hardware_entry_failure_reason);
		vcpu_fail(vcpu, what);
		break;
	case HV_EXIT_SYSTEM_EVENT:
		vcpu_exit_system_event(vcpu, exit);
		break;
	case HV_EXIT_HYPERCALL:
		vm_private_hypercall(vcpu, exit);
		break;
	case HV_EXIT_MEMORY_FAULT:
		/* An implicit conversion request: convert, run again. */
		if (vm_private_memory_fault(vcpu, exit))
			break;
		snprintf(what, sizeof(what),
			 "memory fault at GPA 0x%llx (size 0x%llx%s)",
			 (unsigned long long)exit->memory_fault.gpa,
			 (unsigned long long)exit->memory_fault.size,
			 exit->memory_fault.flags & HV_MEMORY_EXIT_FLAG_PRIVATE ?
			 ", private" : "");
		vcpu_fail(vcpu, what);
		break;
	case HV_EXIT_HYPERV:
		hyperv_handle_exit(vcpu, exit);
		break;
	case HV_EXIT_DEBUG:
		/* The debugger stopped it; it parks at the next run. */
		if (!vm_debug_exit(vcpu, exit))
			vcpu_fail(vcpu, "debug exit without a debugger attached");
		break;
	case HV_EXIT_RDMSR:
	case HV_EXIT_WRMSR:
		/* Not requested yet; behave like hardware for unknown MSRs. */
		exit->msr.error = 1;
		break;
	default:
		snprintf(what, sizeof(what), "unhandled exit reason %u",
			 exit->reason);
		vcpu_fail(vcpu, what);
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	struct hv_exit *exit;
	int ret;

	/* A debugger may hold the vCPUs before their first instruction. */
	vcpu_park_if_paused(vcpu);
	while (!vm_stopping(vm)) {
		ret = hv_vcpu_run(vcpu->hv);
		exit = hv_vcpu_exit(vcpu->hv);
		/*
		 * -EINTR: kicked, the loop condition decides.  -EAGAIN: an AP
		 * waiting for INIT/SIPI woke up without being started yet.
		 */
		if (ret == -EINTR || ret == -EAGAIN) {
			vcpu_park_if_paused(vcpu);
			continue;
		}
		if (ret && exit->reason != HV_EXIT_MEMORY_FAULT) {
			vm_fail(vm, "vCPU %u: %s stopped running it: %s",
				vcpu->id, hv_backend_desc(vm->hv),
				strerror(-ret));
			break;
		}
		vcpu_handle_exit(vcpu, exit);
		vm_ioreq_exit_done(vm, vcpu->id);
	}
	vcpu_thread_exited(vcpu);
	return NULL;
}

int vcpu_start(struct vcpu *vcpu)
{
	pthread_attr_t attr;
	int ret;

	/* Without an interrupt controller nothing can start an AP. */
	if (vcpu->id && !vcpu->vm->has_irqchip)
		return 0;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, VCPU_STACK_SIZE);
	ret = -pthread_create(&vcpu->thread, &attr, vcpu_thread, vcpu);
	pthread_attr_destroy(&attr);
	if (!ret)
		vcpu->started = true;
	return ret;
}
