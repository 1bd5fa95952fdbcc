/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_abi.h - the KVM ABI the shim serves that the build host's 6.1
 * <linux/kvm.h> lacks (memslot2, guest_memfd, memory attributes,
 * pre-faulting, memory-fault exits), with upstream numbers and layouts,
 * checked by size.  Programs built against newer headers send these.
 */
#ifndef CVISOR_KVMSHIM_KVM_ABI_H
#define CVISOR_KVMSHIM_KVM_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "lib/compiler.h"

#define SHIM_CAP_USER_MEMORY2		231
#define SHIM_CAP_MEMORY_FAULT_INFO	232
#define SHIM_CAP_MEMORY_ATTRIBUTES	233
#define SHIM_CAP_GUEST_MEMFD		234
#define SHIM_CAP_VM_TYPES		235
#define SHIM_CAP_PRE_FAULT_MEMORY	236
#define SHIM_CAP_GUEST_MEMFD_FLAGS	244

#define SHIM_EXIT_MEMORY_FAULT		39
#define SHIM_MEM_GUEST_MEMFD		(1u << 2)

/* KVM_CAP_NR_MEMSLOTS on x86 (emu's EMU_MAX_SLOTS is the same). */
#define SHIM_NR_MEMSLOTS		32764

struct shim_memory_region2 {
	uint32_t slot;
	uint32_t flags;
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t guest_memfd_offset;
	uint32_t guest_memfd;
	uint32_t pad1;
	uint64_t pad2[14];
};
BUILD_BUG_ON(sizeof(struct shim_memory_region2) != 160);
BUILD_BUG_ON(offsetof(struct shim_memory_region2, guest_memfd) != 40);

struct shim_memory_attributes {
	uint64_t address;
	uint64_t size;
	uint64_t attributes;
	uint64_t flags;
};

struct shim_create_guest_memfd {
	uint64_t size;
	uint64_t flags;
	uint64_t reserved[6];
};

struct shim_pre_fault_memory {
	uint64_t gpa;
	uint64_t size;
	uint64_t flags;
	uint64_t padding[5];
};

#define SHIM_SET_USER_MEMORY_REGION2 \
	_IOW(KVMIO, 0x49, struct shim_memory_region2)
#define SHIM_SET_MEMORY_ATTRIBUTES \
	_IOW(KVMIO, 0xd2, struct shim_memory_attributes)
#define SHIM_CREATE_GUEST_MEMFD \
	_IOWR(KVMIO, 0xd4, struct shim_create_guest_memfd)
#define SHIM_PRE_FAULT_MEMORY \
	_IOWR(KVMIO, 0xd5, struct shim_pre_fault_memory)

/* kvm_run.memory_fault, at the start of the exit union. */
struct shim_run_memory_fault {
	uint64_t flags;
	uint64_t gpa;
	uint64_t size;
};

/* kvm_run.hypercall as of 6.2 ("longmode" became a u64 "flags"). */
struct shim_run_hypercall {
	uint64_t nr;
	uint64_t args[6];
	uint64_t ret;
	uint64_t flags;
};

#define SHIM_RUN_EXIT_UNION	offsetof(struct kvm_run, mmio)
BUILD_BUG_ON(SHIM_RUN_EXIT_UNION != 32);

#endif
