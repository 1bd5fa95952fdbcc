# tests/hyperv: Hyper-V fuzzing (fuzz_hyperv: emu's hypercall/MSR parsing
# and the syndbg frame code) and the syndbg UDP peer used by
# tests/guest/run-syndbg.  `make fuzz` adds a libFuzzer target for the
# frame parser (fuzz_lf.c, compiled with the source for coverage).
HYPERV_TEST_BINS := $(BUILD)/tests/hyperv/fuzz_hyperv
TEST_BINS += $(HYPERV_TEST_BINS)

$(BUILD)/tests/hyperv/fuzz_hyperv: tests/hyperv/fuzz_hyperv.c tests/hv/hvtest.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

FUZZ_CC ?= clang
fuzz: $(BUILD)/tests/hyperv/fuzz_hyperv_lf
FUZZERS += syndbg-frames:$(BUILD)/tests/hyperv/fuzz_hyperv_lf
$(BUILD)/tests/hyperv/fuzz_hyperv_lf: tests/hyperv/fuzz_lf.c src/lib/udp_frame.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -g -O1 -Wall -Wextra -Werror \
		-Wno-unused-parameter -Wno-missing-field-initializers \
		-D_GNU_SOURCE -Isrc -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o $@ $^
