# tests/cpu/build.mk - CPU core unit tests, differential tester, fuzzer.

CPU_T := $(BUILD)/tests/cpu
CPU_T_HARNESS := $(CPU_T)/harness.o $(CPU_T)/guest.o

$(CPU_T)/%.o: tests/cpu/%.c | $(GENERATED)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/cpu -c -o $@ $<

$(CPU_T)/guest.o: tests/cpu/guest.S
	@mkdir -p $(dir $@)
	$(CC) -c -o $@ $<

$(CPU_T)/test_cpu: $(CPU_T)/test_cpu.o $(CPU_T_HARNESS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

TEST_BINS += $(CPU_T)/test_cpu

$(CPU_T)/difftest: $(CPU_T)/difftest.o $(CPU_T_HARNESS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

TEST_BINS += $(CPU_T)/difftest

$(CPU_T)/fuzz_smoke: $(CPU_T)/fuzz_decode.o $(CPU_T_HARNESS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

TEST_BINS += $(CPU_T)/fuzz_smoke

# libFuzzer target: clang, fuzzer + ASan + UBSan, its own build of the core.
CPU_FUZZ_DIR := $(BUILD)/fuzz-cpu
CPU_FUZZ_FLAGS := -std=gnu11 -O1 -g -D_GNU_SOURCE -Isrc -Itests/cpu -pthread \
	-fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
CPU_FUZZ_SRCS := $(wildcard src/cpu/*.c) $(CPU_TABLES) tests/cpu/harness.c \
	tests/cpu/guest.S tests/cpu/fuzz_decode.c

$(CPU_FUZZ_DIR)/fuzz_decode: $(CPU_FUZZ_SRCS)
	@mkdir -p $(dir $@)
	clang $(CPU_FUZZ_FLAGS) -DFUZZ_LIBFUZZER -o $@ $(CPU_FUZZ_SRCS) -lm

fuzz: $(CPU_FUZZ_DIR)/fuzz_decode
FUZZERS += cpu-decode:$(CPU_FUZZ_DIR)/fuzz_decode

$(CPU_T)/test_xsave: $(CPU_T)/test_xsave.o $(CPU_T_HARNESS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

TEST_BINS += $(CPU_T)/test_xsave
