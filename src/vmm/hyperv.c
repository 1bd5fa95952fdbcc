// SPDX-License-Identifier: GPL-2.0
/*
 * hyperv.c - Hyper-V enlightenments, VMM side: --hyperv, the CPUID the
 * guest sees (QEMU's layout for its hv-* properties), per-vCPU set-up and
 * the answers to KVM_EXIT_HYPERV.
 *
 * The backend implements the MSRs and hypercalls (KVM's hyperv.c, or
 * accel/emu/hyperv*.c); the CPUID set here is what enables them, as in
 * KVM.  Exits are answered as QEMU answers them: SynIC MSR changes are
 * noted (there is no VMBus, so no userspace SynIC user), HvPostMessage and
 * HvSignalEvent find no connection, the debug-data hypercalls and syndbg
 * MSR writes go to the synthetic debugger device, anything else is
 * HV_STATUS_INVALID_HYPERCALL_CODE.  No guest action fails the VM here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/hv_hyperv.h"
#include "lib/compiler.h"
#include "vmm/devsvc_vm.h"
#include "vmm/vm.h"

#define HV_STATUS_INVALID_CONNECTION_ID	18

static const char *const feature_names[VM_HV__COUNT] = {
	[VM_HV_RELAXED] = "relaxed",
	[VM_HV_VAPIC] = "vapic",
	[VM_HV_TIME] = "time",
	[VM_HV_CRASH] = "crash",
	[VM_HV_RESET] = "reset",
	[VM_HV_VPINDEX] = "vpindex",
	[VM_HV_RUNTIME] = "runtime",
	[VM_HV_SYNIC] = "synic",
	[VM_HV_STIMER] = "stimer",
	[VM_HV_STIMER_DIRECT] = "stimer-direct",
	[VM_HV_FREQUENCIES] = "frequencies",
	[VM_HV_SYNDBG] = "syndbg",
	[VM_HV_TLBFLUSH] = "tlbflush",
	[VM_HV_TLBFLUSH_EXT] = "tlbflush-ext",
	[VM_HV_IPI] = "ipi",
	[VM_HV_XMM_INPUT] = "xmm-input",
};

/* QEMU's dependencies; cvisor adds them instead of refusing. */
static const uint32_t feature_deps[VM_HV__COUNT] = {
	[VM_HV_SYNIC] = 1u << VM_HV_VPINDEX,
	[VM_HV_STIMER] = 1u << VM_HV_SYNIC | 1u << VM_HV_TIME,
	[VM_HV_STIMER_DIRECT] = 1u << VM_HV_STIMER,
	[VM_HV_SYNDBG] = 1u << VM_HV_SYNIC | 1u << VM_HV_RELAXED,
	/* VP sets name VP indices: the guest must be able to read its own. */
	[VM_HV_TLBFLUSH] = 1u << VM_HV_VPINDEX,
	[VM_HV_TLBFLUSH_EXT] = 1u << VM_HV_TLBFLUSH,
	[VM_HV_IPI] = 1u << VM_HV_VPINDEX,
};

static bool parse_onoff(const char *v, bool *out)
{
	if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true"))
		*out = true;
	else if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false"))
		*out = false;
	else
		return false;
	return true;
}

static int parse_token(const char *tok, struct vm_hyperv *h, char *err,
		       size_t err_len)
{
	const char *eq = strchr(tok, '=');
	size_t klen = eq ? (size_t)(eq - tok) : strlen(tok);
	const char *val = eq ? eq + 1 : NULL;
	struct in_addr a;
	unsigned int i;
	char *end;
	unsigned long n;

	if (!strncmp(tok, "hv-", 3)) {
		tok += 3;
		klen -= 3;
	}
#define KEY(s) (klen == strlen(s) && !strncmp(tok, s, klen))
	if (KEY("host_ip")) {
		if (!val || inet_pton(AF_INET, val, &a) != 1)
			goto bad_value;
		h->dbg_host_ip = a.s_addr;
		return 0;
	}
	if (KEY("host_port")) {
		if (!val || !*val)
			goto bad_value;
		n = strtoul(val, &end, 10);
		if (*end || !n || n > 65535)
			goto bad_value;
		h->dbg_host_port = n;
		return 0;
	}
	if (KEY("use_hcalls"))
		return val && parse_onoff(val, &h->dbg_use_hcalls) ? 0 :
		       (snprintf(err, err_len, "use_hcalls: expected on or off"),
			-EINVAL);
	if (KEY("vendor-id")) {
		if (!val || !*val || strlen(val) > 12)
			goto bad_value;
		memset(h->vendor, 0, sizeof(h->vendor));
		memcpy(h->vendor, val, strlen(val));
		return 0;
	}
	if (KEY("spinlocks")) {
		if (!val || !*val)
			goto bad_value;
		n = strtoul(val, &end, 0);
		if (*end || n > 0xffffffffu)
			goto bad_value;
		h->spinlocks = n;
		return 0;
	}
	if (KEY("enforce-cpuid")) {
		bool on = true;

		if (val && !parse_onoff(val, &on))
			goto bad_value;
		h->enforce_cpuid = on;
		return 0;
	}
	for (i = 0; i < VM_HV__COUNT; i++) {
		bool on = true;

		if (!KEY(feature_names[i]))
			continue;
		if (val && !parse_onoff(val, &on))
			goto bad_value;
		if (on)
			h->features |= 1u << i;
		else
			h->features &= ~(1u << i);
		return 0;
	}
#undef KEY
	snprintf(err, err_len, "unknown Hyper-V feature '%.*s'", (int)klen,
		 tok);
	return -EINVAL;
bad_value:
	snprintf(err, err_len, "bad value for '%.*s'", (int)klen, tok);
	return -EINVAL;
}

int hyperv_parse(const char *arg, struct vm_hyperv *h, char *err,
		 size_t err_len)
{
	char buf[512], *tok, *save = NULL;
	uint32_t before;
	unsigned int i;
	int ret;

	if (!h->vendor[0]) {
		memcpy(h->vendor, VM_HV_DEFAULT_VENDOR,
		       sizeof(VM_HV_DEFAULT_VENDOR));
		h->spinlocks = 0xffffffffu;
		h->dbg_host_port = VM_HV_DEFAULT_DBG_PORT;
		h->dbg_host_ip = htonl(INADDR_LOOPBACK);
	}
	if (strlen(arg) >= sizeof(buf)) {
		snprintf(err, err_len, "value too long");
		return -EINVAL;
	}
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		ret = parse_token(tok, h, err, err_len);
		if (ret)
			return ret;
	}
	/* Pull in what each feature needs, to a fixed point. */
	do {
		before = h->features;
		for (i = 0; i < VM_HV__COUNT; i++)
			if (h->features & (1u << i))
				h->features |= feature_deps[i];
	} while (h->features != before);
	return 0;
}

/* ---------------------------------------------------------------- checks */

int hyperv_check(struct vm *vm, char *err, size_t err_len)
{
	const struct vm_hyperv *h = &vm->cfg.hyperv;
	/* In order: the first one missing is named. */
	const struct {
		bool need;
		enum hv_cap cap;
	} needs[] = {
		{ true, HV_CAP_HYPERV },
		{ vm_hv_has(h, VM_HV_SYNIC), HV_CAP_HYPERV_SYNIC },
		{ vm_hv_has(h, VM_HV_SYNDBG), HV_CAP_HYPERV_SYNDBG },
		{ vm_hv_has(h, VM_HV_TLBFLUSH), HV_CAP_HYPERV_TLBFLUSH },
		{ vm_hv_has(h, VM_HV_IPI), HV_CAP_HYPERV_SEND_IPI },
		{ h->enforce_cpuid, HV_CAP_HYPERV_ENFORCE_CPUID },
	};
	enum hv_cap missing = HV_CAP__COUNT;
	unsigned int i;

	if (!h->features)
		return 0;
	for (i = 0; i < ARRAY_SIZE(needs) && missing == HV_CAP__COUNT; i++)
		if (needs[i].need && hv_check_cap(vm->hv, needs[i].cap) <= 0)
			missing = needs[i].cap;
	if (missing == HV_CAP__COUNT)
		return 0;
	snprintf(err, err_len, "--hyperv: %s: not supported by %s",
		 hv_cap_name(missing), hv_backend_desc(vm->hv));
	return -EOPNOTSUPP;
}

/* ---------------------------------------------------------------- CPUID */

static void set_sig(struct kvm_cpuid_entry2 *e, const char *s12)
{
	char b[12] = { 0 };

	memcpy(b, s12, strnlen(s12, 12));
	memcpy(&e->ebx, b, 4);
	memcpy(&e->ecx, b + 4, 4);
	memcpy(&e->edx, b + 8, 4);
}

struct kvm_cpuid2 *hyperv_cpuid(const struct vm_hyperv *h,
				const struct kvm_cpuid2 *in,
				unsigned int nr_cpus)
{
	enum { MAX_HV_LEAVES = 10 };
	struct kvm_cpuid2 *c;
	struct kvm_cpuid_entry2 *e;
	unsigned int i, n = 0;
	bool dbg = vm_hv_has(h, VM_HV_SYNDBG);

	c = calloc(1, sizeof(*c) + (in->nent + MAX_HV_LEAVES) *
			   sizeof(c->entries[0]));
	if (!c)
		return NULL;
	for (i = 0; i < in->nent; i++) {
		c->entries[n] = in->entries[i];
		/*
		 * KVM's own leaves move up, as QEMU places them, and the
		 * signature leaf's max leaf with them.
		 */
		if ((c->entries[n].function & 0xffffff00u) == 0x40000000u) {
			if (c->entries[n].function == 0x40000000u &&
			    (c->entries[n].eax & 0xffffff00u) == 0x40000000u)
				c->entries[n].eax += 0x100;
			c->entries[n].function += 0x100;
		}
		n++;
	}
#define LEAF(fn) do {						\
		e = &c->entries[n++];					\
		memset(e, 0, sizeof(*e));				\
		e->function = (fn);					\
	} while (0)
	LEAF(HV_CPUID_VENDOR);
	e->eax = dbg ? HV_CPUID_SYNDBG_PLATFORM : HV_CPUID_LIMITS;
	set_sig(e, h->vendor);
	LEAF(HV_CPUID_INTERFACE);
	e->eax = HV_INTERFACE_SIGNATURE;
	LEAF(HV_CPUID_VERSION);
	e->eax = 0x00003839;
	e->ebx = 0x000a0000;

	LEAF(HV_CPUID_FEATURES);
	/* Every enlightenment comes with the hypercall interface (QEMU). */
	e->eax = HV_MSR_HYPERCALL_AVAILABLE;
	if (vm_hv_has(h, VM_HV_VAPIC))
		e->eax |= HV_MSR_APIC_ACCESS_AVAILABLE;
	if (vm_hv_has(h, VM_HV_TIME))
		e->eax |= HV_MSR_TIME_REF_COUNT_AVAILABLE |
			  HV_MSR_REFERENCE_TSC_AVAILABLE;
	if (vm_hv_has(h, VM_HV_RESET))
		e->eax |= HV_MSR_RESET_AVAILABLE;
	if (vm_hv_has(h, VM_HV_VPINDEX))
		e->eax |= HV_MSR_VP_INDEX_AVAILABLE;
	if (vm_hv_has(h, VM_HV_RUNTIME))
		e->eax |= HV_MSR_VP_RUNTIME_AVAILABLE;
	if (vm_hv_has(h, VM_HV_SYNIC))
		e->eax |= HV_MSR_SYNIC_AVAILABLE;
	if (vm_hv_has(h, VM_HV_STIMER))
		e->eax |= HV_MSR_SYNTIMER_AVAILABLE;
	if (vm_hv_has(h, VM_HV_FREQUENCIES)) {
		e->eax |= HV_ACCESS_FREQUENCY_MSRS;
		e->edx |= HV_FEATURE_FREQUENCY_MSRS_AVAILABLE;
	}
	if (vm_hv_has(h, VM_HV_CRASH))
		e->edx |= HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE;
	if (vm_hv_has(h, VM_HV_XMM_INPUT))
		e->edx |= HV_X64_HYPERCALL_XMM_INPUT_AVAILABLE;
	if (vm_hv_has(h, VM_HV_TLBFLUSH_EXT))
		e->edx |= HV_FEATURE_EXT_GVA_RANGES_FLUSH;
	/*
	 * Direct-mode timers with hv-stimer: Linux only uses stimer
	 * clockevents without VMBus in direct mode.  (QEMU needs
	 * hv-stimer-direct for this bit; KVM reports it as supported
	 * whenever the LAPIC is in-kernel.)
	 */
	if (vm_hv_has(h, VM_HV_STIMER) || vm_hv_has(h, VM_HV_STIMER_DIRECT))
		e->edx |= HV_STIMER_DIRECT_MODE_AVAILABLE;
	if (dbg) {
		e->ebx |= HV_DEBUGGING;
		e->edx |= HV_X64_GUEST_DEBUGGING_AVAILABLE |
			  HV_FEATURE_DEBUG_MSRS_AVAILABLE;
	}

	LEAF(HV_CPUID_ENLIGHTENMENT);
	if (vm_hv_has(h, VM_HV_RELAXED))
		e->eax |= HV_X64_RELAXED_TIMING_RECOMMENDED;
	if (vm_hv_has(h, VM_HV_VAPIC))
		e->eax |= HV_X64_APIC_ACCESS_RECOMMENDED;
	/* QEMU offers the Ex (sparse VP set) forms with either. */
	if (vm_hv_has(h, VM_HV_TLBFLUSH))
		e->eax |= HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED |
			  HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED;
	if (vm_hv_has(h, VM_HV_IPI))
		e->eax |= HV_X64_CLUSTER_IPI_RECOMMENDED |
			  HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED;
	e->ebx = h->spinlocks;

	LEAF(HV_CPUID_LIMITS);
	e->eax = nr_cpus;
	e->ebx = 64;

	if (dbg) {
		LEAF(HV_CPUID_SYNDBG_VENDOR);
		set_sig(e, h->vendor);
		LEAF(HV_CPUID_SYNDBG_INTERFACE);
		e->eax = HV_SYNDBG_INTERFACE_SIGNATURE;
		LEAF(HV_CPUID_SYNDBG_PLATFORM);
		e->eax = HV_X64_SYNDBG_CAP_ALLOW_KERNEL_DEBUGGING;
	}
#undef LEAF
	c->nent = n;
	return c;
}

/* ---------------------------------------------------------------- vCPUs */

int hyperv_vcpu_setup(struct vcpu *vcpu)
{
	const struct vm_hyperv *h = &vcpu->vm->cfg.hyperv;
	int ret;

	if (!h->features)
		return 0;
	if (h->enforce_cpuid) {
		ret = hv_vcpu_enable_cap(vcpu->hv, HV_CAP_HYPERV_ENFORCE_CPUID,
					 1);
		if (ret)
			return ret;
	}
	if (vm_hv_has(h, VM_HV_SYNIC)) {
		ret = hv_vcpu_enable_cap(vcpu->hv, HV_CAP_HYPERV_SYNIC, 0);
		if (ret)
			return ret;
	}
	if (vm_hv_has(h, VM_HV_SYNDBG) && vcpu->id == 0) {
		/* Partition-wide; QEMU negotiates it from use_hcalls. */
		struct {
			struct kvm_msrs hdr;
			struct kvm_msr_entry e;
		} m = {
			.hdr.nmsrs = 1,
			.e.index = HV_X64_MSR_SYNDBG_OPTIONS,
			.e.data = h->dbg_use_hcalls ?
				  HV_X64_SYNDBG_OPTION_USE_HCALLS : 0,
		};

		ret = hv_vcpu_set_msrs(vcpu->hv, &m.hdr);
		if (ret != 1)
			return ret < 0 ? ret : -EIO;
	}
	return 0;
}

/* ---------------------------------------------------------------- exits */

/* HvPostMessage / HvSignalEvent: validated, and no connection exists. */
static uint64_t hcall_connection(struct vm *vm, uint16_t code, bool fast,
				 uint64_t ingpa)
{
	uint32_t len = code == HVCALL_POST_MESSAGE ? 16 + 240 : 8;

	if (fast)
		return code == HVCALL_POST_MESSAGE ?
		       HV_STATUS_INVALID_HYPERCALL_CODE :
		       HV_STATUS_INVALID_CONNECTION_ID;
	if (ingpa & 7)
		return HV_STATUS_INVALID_ALIGNMENT;
	if ((ingpa & 0xfff) + len > 4096)
		return HV_STATUS_INVALID_ALIGNMENT;
	if (!guest_mem_ptr(&vm->mem, ingpa, len))
		return HV_STATUS_INSUFFICIENT_MEMORY;
	return HV_STATUS_INVALID_CONNECTION_ID;
}

void hyperv_handle_exit(struct vcpu *vcpu, struct hv_exit *exit)
{
	struct vm *vm = vcpu->vm;
	struct kvm_hyperv_exit *e = &exit->hyperv;
	const struct hyperv_dbg_ops *dbg;
	void *dbg_opaque = NULL;
	uint16_t code;
	bool fast;

	dbg = devsvc_vm_hyperv_debugger(vm, &dbg_opaque);
	switch (e->type) {
	case KVM_EXIT_HYPERV_SYNIC:
		/* Noted by the backend already; no VMBus to tell. */
		break;
	case KVM_EXIT_HYPERV_SYNDBG:
		e->u.syndbg.status = dbg ?
			dbg->syndbg(dbg_opaque, e->u.syndbg.msr,
					   e->u.syndbg.control,
					   e->u.syndbg.send_page,
					   e->u.syndbg.recv_page,
					   e->u.syndbg.pending_page) : 0;
		break;
	case KVM_EXIT_HYPERV_HCALL:
		code = e->u.hcall.input & 0xffff;
		fast = e->u.hcall.input & HV_HYPERCALL_FAST_BIT;
		switch (code) {
		case HVCALL_POST_MESSAGE:
		case HVCALL_SIGNAL_EVENT:
			e->u.hcall.result = hcall_connection(vm, code, fast,
						e->u.hcall.params[0]);
			break;
		case HVCALL_POST_DEBUG_DATA:
		case HVCALL_RETRIEVE_DEBUG_DATA:
		case HVCALL_RESET_DEBUG_SESSION:
			e->u.hcall.result = dbg ?
				dbg->hcall(dbg_opaque, code, fast,
						  e->u.hcall.params[0],
						  e->u.hcall.params[1]) :
				HV_STATUS_INVALID_HYPERCALL_CODE;
			break;
		default:
			e->u.hcall.result = HV_STATUS_INVALID_HYPERCALL_CODE;
		}
		break;
	default:
		/* A newer exit type: nothing to complete. */
		break;
	}
}
