# tests/boot: unit tests of the boot loaders (src/boot) and the ACPI
# tables (src/acpi).  Each tests/boot/NAME.c is one test program linked
# with the library; fuzz_lf.c is the libFuzzer entry point, built only by
# `make fuzz` (clang).
BOOT_TEST_SRCS := $(filter-out tests/boot/fuzz_lf.c,$(sort $(wildcard tests/boot/*.c)))
BOOT_TEST_BINS := $(BOOT_TEST_SRCS:%.c=$(BUILD)/%)
TEST_BINS += $(BOOT_TEST_BINS)

$(BUILD)/tests/boot/%: tests/boot/%.c tests/boot/boottest.h tests/boot/fuzz_target.h tests/boot/fuzz_mb_target.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# libFuzzer: the parsers are compiled in (not taken from the gcc-built
# library) so that coverage instrumentation reaches them.
FUZZ_CC ?= clang
BOOT_FUZZ_SRCS := $(sort $(wildcard src/boot/*.c src/acpi/*.c)) src/lib/size.c
fuzz: $(BUILD)/tests/boot/fuzz_lf
FUZZERS += boot-images:$(BUILD)/tests/boot/fuzz_lf
$(BUILD)/tests/boot/fuzz_lf: tests/boot/fuzz_lf.c tests/boot/fuzz_common.h tests/boot/fuzz_target.h $(BOOT_FUZZ_SRCS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -g -O1 -Wall -Wextra -Werror \
		-Wno-unused-parameter -Wno-missing-field-initializers \
		-D_GNU_SOURCE -Isrc -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o $@ $< $(BOOT_FUZZ_SRCS)

# The Multiboot loader (src/boot/multiboot.c) on its own.
MB_FUZZ_SRCS := src/boot/multiboot.c src/lib/size.c src/boot/boot.c src/boot/e820.c
fuzz: $(BUILD)/tests/boot/fuzz_mb_lf
FUZZERS += boot-multiboot:$(BUILD)/tests/boot/fuzz_mb_lf
$(BUILD)/tests/boot/fuzz_mb_lf: tests/boot/fuzz_lf.c tests/boot/fuzz_common.h tests/boot/fuzz_mb_target.h $(MB_FUZZ_SRCS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -g -O1 -Wall -Wextra -Werror \
		-Wno-unused-parameter -Wno-missing-field-initializers \
		-D_GNU_SOURCE -Isrc -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -DFUZZ_MULTIBOOT \
		-o $@ $< $(MB_FUZZ_SRCS)
