# tests/cli: unit tests of VMM pieces that need no backend (bus, size
# parser), one C program each, linked against libcvisor.a.
CLI_TEST_SRCS := $(sort $(wildcard tests/cli/test_*.c))
CLI_TEST_BINS := $(CLI_TEST_SRCS:%.c=$(BUILD)/%)
TEST_BINS += $(CLI_TEST_BINS)

$(BUILD)/tests/cli/%: tests/cli/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)
