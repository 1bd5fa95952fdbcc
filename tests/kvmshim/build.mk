# tests/kvmshim: raw KVM API clients for libcvisor-kvm.so.  They use no
# cvisor code (only <linux/kvm.h>), so the same binaries run on /dev/kvm.
KVMSHIM_TEST_SRCS := $(sort $(wildcard tests/kvmshim/*.c))
KVMSHIM_TEST_BINS := $(KVMSHIM_TEST_SRCS:%.c=$(BUILD)/%)
TEST_BINS += $(KVMSHIM_TEST_BINS) $(KVMSHIM)

$(BUILD)/tests/kvmshim/%: tests/kvmshim/%.c tests/check.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<
