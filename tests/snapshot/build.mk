# tests/snapshot: the snapshot/migration stream fuzzer.  fuzz_stream is a
# test program linked with the library (make check runs a bounded number
# of mutations); `make fuzz` builds it as a libFuzzer target with every
# library source compiled in (clang, ASan, UBSan), so that coverage
# reaches the loader and the components' load functions.
SNAP_TEST_BINS := $(BUILD)/tests/snapshot/fuzz_stream
TEST_BINS += $(SNAP_TEST_BINS)

$(BUILD)/tests/snapshot/fuzz_stream: tests/snapshot/fuzz_stream.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

SNAP_FUZZ_SRCS := $(LIB_SRCS) $(CPU_TABLES)
fuzz: $(BUILD)/fuzz-snapshot/fuzz_stream
FUZZERS += snapshot-stream:$(BUILD)/fuzz-snapshot/fuzz_stream
$(BUILD)/fuzz-snapshot/fuzz_stream: tests/snapshot/fuzz_stream.c $(SNAP_FUZZ_SRCS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_LIB_CFLAGS) \
		-DSNAP_LIBFUZZER -o $@ $< $(SNAP_FUZZ_SRCS) -ljansson -lz -lm
