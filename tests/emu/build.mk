# tests/emu: unit tests of the emu backend's devices (no CPU needed).
EMU_TEST_SRCS := $(sort $(wildcard tests/emu/*_test.c))
EMU_TEST_BINS := $(EMU_TEST_SRCS:%.c=$(BUILD)/%)
TEST_BINS += $(EMU_TEST_BINS)

$(BUILD)/tests/emu/%: tests/emu/%.c tests/emu/emutest.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)
