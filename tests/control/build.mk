# tests/control: the QMP server against hostile clients.  fuzz_qmp is a
# test program (make check: a bounded number of mutated sessions); `make
# fuzz` builds it as a libFuzzer target with the library compiled in.
CONTROL_TEST_BINS := $(BUILD)/tests/control/fuzz_qmp
TEST_BINS += $(CONTROL_TEST_BINS)

$(BUILD)/tests/control/fuzz_qmp: tests/control/fuzz_qmp.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

QMP_FUZZER := $(BUILD)/fuzz/qmp_fuzzer
fuzz: $(QMP_FUZZER)
FUZZERS += qmp:$(QMP_FUZZER)
$(QMP_FUZZER): tests/control/fuzz_qmp.c $(LIB_SRCS) $(CPU_TABLES)
	@mkdir -p $(dir $@)
	clang $(FUZZ_LIB_CFLAGS) \
		-DQMP_LIBFUZZER -o $@ $< $(LIB_SRCS) $(CPU_TABLES) -ljansson -lz -lm
