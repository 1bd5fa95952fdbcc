# tests/ioreq: the ioreq host (hypervisor side) driven through
# libcvisor-dm, one program per test.
IOREQ_TEST_SRCS := $(sort $(wildcard tests/ioreq/ioreq_*.c tests/ioreq/fuzz_*.c))
IOREQ_TEST_BINS := $(IOREQ_TEST_SRCS:%.c=$(BUILD)/%)
TEST_BINS += $(IOREQ_TEST_BINS)

$(BUILD)/tests/ioreq/%: tests/ioreq/%.c tests/ioreq/iotest.h $(LIB) $(LIBDM)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBDM) $(LIB) $(LDLIBS)

# `make fuzz`: the same fuzz_ioreq.c as a libFuzzer target, with the ioreq
# host and libcvisor-dm compiled in for coverage.  Run e.g.
# build/fuzz/ioreq_fuzzer -max_total_time=60
IOREQ_FUZZER := $(BUILD)/fuzz/ioreq_fuzzer
IOREQ_FUZZER_SRCS := tests/ioreq/fuzz_ioreq.c $(sort $(wildcard src/ioreq/*.c src/libdm/*.c))
$(IOREQ_FUZZER): $(IOREQ_FUZZER_SRCS) tests/ioreq/iotest.h $(wildcard src/ioreq/*.h src/libdm/*.h)
	@mkdir -p $(dir $@)
	clang -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
		-Wno-missing-field-initializers -D_GNU_SOURCE -Isrc -pthread \
		-DIOREQ_LIBFUZZER -fsanitize=fuzzer,address,undefined \
		-fno-omit-frame-pointer -o $@ $(IOREQ_FUZZER_SRCS)
fuzz: $(IOREQ_FUZZER)
FUZZERS += ioreq:$(IOREQ_FUZZER)
