# tests/lifecycle: component save/load round trips on a whole VM, one C
# program each, linked against libcvisor.a (they build VMs in-process).
LIFECYCLE_TEST_SRCS := $(sort $(wildcard tests/lifecycle/*.c))
LIFECYCLE_TEST_BINS := $(LIFECYCLE_TEST_SRCS:%.c=$(BUILD)/%)
TEST_BINS += $(LIFECYCLE_TEST_BINS)

$(BUILD)/tests/lifecycle/%: tests/lifecycle/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)
