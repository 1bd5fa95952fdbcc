# tests/linux/build.mk - the x86-64-v3 userspace program of
# tests/linux/x86-64-v3: static (it runs from the busybox initramfs), built
# with gcc's x86-64-v3 baseline so that its loops use AVX2 and FMA.

LINUX_V3WORK := $(BUILD)/tests/linux/v3work

$(LINUX_V3WORK): tests/linux/v3work.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O3 -march=x86-64-v3 -static -Wall -Wextra -Werror \
		-o $@ $<

TEST_BINS += $(LINUX_V3WORK)
