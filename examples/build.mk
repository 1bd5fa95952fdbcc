# examples/build.mk - example guests, built with the guest test kit.
# Included after tests/guest/build.mk (see the top Makefile), whose rules
# and flags it reuses.

EXAMPLE_OUT  := $(BUILD)/examples
EXAMPLE_ELFS := $(patsubst examples/%.c,$(EXAMPLE_OUT)/%.elf,$(wildcard examples/*.c))
GUEST_BINS   += $(EXAMPLE_ELFS)

$(EXAMPLE_OUT)/%.o: examples/%.c examples/build.mk
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -mgeneral-regs-only -c -o $@ $<

$(EXAMPLE_OUT)/%.elf: $(EXAMPLE_OUT)/%.o $(GUEST_KIT_OBJS) $(GUEST_DIR)/kit/guest.ld
	$(GUEST_LD) -m elf_x86_64 -nostdlib -z max-page-size=0x1000 \
		-z noexecstack --no-warn-rwx-segments \
		-T $(GUEST_DIR)/kit/guest.ld -o $@.64 $< $(GUEST_KIT_OBJS)
	$(GUEST_OBJCOPY) -O elf32-i386 $@.64 $@
	@rm -f $@.64

.SECONDARY: $(EXAMPLE_ELFS:.elf=.o)

# The quick start's first command: boot the demo guest on 2 vCPUs.
.PHONY: demo
demo: $(CVISOR) $(EXAMPLE_OUT)/demo.elf
	$(CVISOR) run --verbose --cpus 2 --memory 256M --append "hello=world" \
		--kernel $(EXAMPLE_OUT)/demo.elf

-include $(EXAMPLE_ELFS:.elf=.d)
