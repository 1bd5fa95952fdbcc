# tests/guest/build.mk - guest test images (included by the top Makefile).
#
# Each tests/guest/NAME.c plus the kit becomes $(BUILD)/tests/guest/NAME.elf:
# a 64-bit program linked at 1 MiB and converted to ELF32, which Multiboot
# loaders (QEMU's -kernel included) require.  Guest code never sees the host
# CFLAGS: no sanitizers, no PIE, no red zone, no FPU/SSE unless a test asks.

GUEST_DIR   := tests/guest
GUEST_OUT   := $(BUILD)/tests/guest
# Guests have their own compiler: CC=clang (or a sanitizer build) changes
# the host code only; the guest flags below are gcc's.
GUEST_CC    ?= gcc
GUEST_LD    ?= ld
GUEST_OBJCOPY ?= objcopy

GUEST_CFLAGS := -std=gnu11 -m64 -O2 -g -Wall -Wextra -Werror \
	-Wno-unused-parameter \
	-ffreestanding -fno-builtin -fno-pic -fno-pie -nostdlib \
	-fno-stack-protector -fno-common -fcf-protection=none \
	-fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
	-mno-red-zone -mcmodel=small -I$(GUEST_DIR)/kit -MMD -MP

# Tests whose C code may use SSE/x87 (list names here); everything else is
# integer-only so that the compiler never touches vector registers behind
# a test's back.  state.c sets those registers from asm and needs no entry;
# note that a nested KVM which emulates guest kernel code (this project's
# host) cannot emulate most SSE instructions.
GUEST_SSE_TESTS :=

GUEST_KIT_SRCS := $(wildcard $(GUEST_DIR)/kit/*.c $(GUEST_DIR)/kit/*.S)
GUEST_KIT_OBJS := $(patsubst $(GUEST_DIR)/%,$(GUEST_OUT)/%.o,$(basename $(GUEST_KIT_SRCS)))
GUEST_NAMES    := $(basename $(notdir $(wildcard $(GUEST_DIR)/*.c)))
GUEST_ELFS     := $(GUEST_NAMES:%=$(GUEST_OUT)/%.elf)

GUEST_BINS += $(GUEST_ELFS)

guest_fpu = $(if $(filter $(GUEST_SSE_TESTS),$(basename $(notdir $1))),,-mgeneral-regs-only)

# Headers come from -MMD; flag changes in this file rebuild everything.
$(GUEST_OUT)/%.o: $(GUEST_DIR)/%.c $(GUEST_DIR)/build.mk
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) $(call guest_fpu,$@) -c -o $@ $<

$(GUEST_OUT)/%.o: $(GUEST_DIR)/%.S $(GUEST_DIR)/build.mk
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -D__ASSEMBLY__ -c -o $@ $<

$(GUEST_OUT)/%.elf: $(GUEST_OUT)/%.o $(GUEST_KIT_OBJS) $(GUEST_DIR)/kit/guest.ld
	$(GUEST_LD) -m elf_x86_64 -nostdlib -z max-page-size=0x1000 \
		-z noexecstack --no-warn-rwx-segments \
		-T $(GUEST_DIR)/kit/guest.ld -o $@.64 $< $(GUEST_KIT_OBJS)
	$(GUEST_OBJCOPY) -O elf32-i386 $@.64 $@
	@rm -f $@.64

# Keep the objects: they are intermediate files of the chained rules.
.SECONDARY: $(GUEST_KIT_OBJS) $(GUEST_ELFS:.elf=.o)

.PHONY: guests
guests: $(GUEST_ELFS)

-include $(GUEST_KIT_OBJS:.o=.d) $(GUEST_ELFS:.elf=.d)
