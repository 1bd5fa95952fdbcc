# cvisor build.  `make` builds everything; `make check` runs the suite.
#
# Sources are found by directory: every .c under src/ except src/cli goes
# into build/libcvisor.a, src/cli makes build/cvisor.  Directories with
# special needs (guest programs, generated tables, test binaries) add a
# build.mk fragment that is included below.

BUILD    ?= build
CC       ?= gcc
SANITIZE ?=
OPT      ?= -O2

CFLAGS_BASE := -std=gnu11 $(OPT) -g -Wall -Wextra -Werror \
	-Wno-unused-parameter -Wno-missing-field-initializers \
	-D_GNU_SOURCE -Isrc -pthread -MMD -MP
ifneq ($(SANITIZE),)
CFLAGS_BASE += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS_SAN := -fsanitize=$(SANITIZE)
endif
CFLAGS  ?=
CFLAGS  += $(CFLAGS_BASE)
LDFLAGS += -pthread $(LDFLAGS_SAN)
LDLIBS  += -ljansson -lz -lm

# src/libdm (libcvisor-dm) and src/dm (cvisor-dm) are the device-model side:
# they have their own build.mk and never go into the VMM's library.
LIB_SRCS := $(sort $(shell find src -name '*.c' -not -path 'src/cli/*' \
	-not -path 'src/libdm/*' -not -path 'src/dm/*' \
	-not -path 'src/kvmshim/*'))
CLI_SRCS := $(sort $(wildcard src/cli/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libcvisor.a
CVISOR   := $(BUILD)/cvisor

# libFuzzer targets that compile the whole library with clang (make
# fuzz).  clang warns about two GNU idioms gcc accepts: KVM's
# header-plus-entries MSR buffers and atomics on packed guest structures.
FUZZ_LIB_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror \
	-Wno-unused-parameter -Wno-missing-field-initializers \
	-Wno-gnu-variable-sized-type-not-at-end -Wno-address-of-packed-member \
	-D_GNU_SOURCE -Isrc -pthread -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer

# Fragments append to these.
TEST_BINS  :=
GUEST_BINS :=
BENCH_BINS :=
GENERATED  :=
# NAME:PATH of every libFuzzer target (make fuzz, make fuzz-campaign).
FUZZERS    :=

.PHONY: all check check-long check-layering asan-check tsan-check bench fuzz fuzz-campaign check-sanitizers-repeat demo clean
all: $(CVISOR) tests-build

include $(sort $(wildcard src/*/build.mk src/accel/*/build.mk tests/*/build.mk bench/build.mk fuzz/build.mk))
# Examples reuse the guest kit's rules, so they come after tests/guest.
include examples/build.mk

$(BUILD)/%.o: %.c | $(GENERATED)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(CVISOR): $(CLI_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(LDLIBS)

.PHONY: tests-build
tests-build: $(TEST_BINS) $(GUEST_BINS)

# The whole suite; the last line is "N passed, M failed, K skipped".
check: all
	BUILD=$(BUILD) TESTS_EXCLUDE='$(TESTS_EXCLUDE)' tests/run

# The include graph between layers (also the test "layering").
check-layering:
	scripts/check-layering

# Every x86 KVM selftest of linux-source-6.12 under libcvisor-kvm.so
# (built once into build/kvm-selftests; make check runs a fast subset).
check-kvm-selftests: all
	BUILD=$(BUILD) tests/kvm-selftests/run

# Long-running variants (soak, long differential runs).
check-long: all
	BUILD=$(BUILD) TESTS_LONG=1 tests/run

# The sanitizer builds run everything except the full Linux boots: an
# interpreted kernel boot under a sanitizer takes many times longer than
# make check allows, and make check runs those boots unsanitized (the
# firmware machine's Linux boots included).
SAN_EXCLUDE := ^linux-|^fw-(grub-linux|kernel)

asan-check:
	$(MAKE) BUILD=build/asan SANITIZE=address,undefined OPT=-O1 \
		TESTS_EXCLUDE='$(SAN_EXCLUDE)' check

# tests/tsan.supp: guest RAM is shared with the guest by design (see there).
tsan-check:
	TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp $(TSAN_OPTIONS)" \
	$(MAKE) BUILD=build/tsan SANITIZE=thread OPT=-O1 \
		TESTS_EXCLUDE='$(SAN_EXCLUDE)' check

# Every libFuzzer target for FUZZ_TIME seconds each (default 60; the
# issue asks for 3600), corpora seeded from tests/fuzz-corpus.
FUZZ_TIME ?= 60
fuzz-campaign: fuzz
	BUILD=$(BUILD) scripts/fuzz-campaign --time $(FUZZ_TIME) $(FUZZERS)

# The sanitizer suites RUNS times in a row (default 20); stops at the
# first run that is not all green and names it.
RUNS ?= 20
check-sanitizers-repeat:
	scripts/repeat-check $(RUNS) asan-check tsan-check

bench: all $(BENCH_BINS)
	BUILD=$(BUILD) bench/run

clean:
	rm -rf build

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d)
# Test objects too: a changed core header must rebuild the CPU harness.
-include $(wildcard $(BUILD)/tests/*/*.d $(BUILD)/tests/*/*/*.d)
