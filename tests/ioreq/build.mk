# tests/ioreq: the ioreq host (hypervisor side) driven through
# libcvisor-dm, one program per test.
IOREQ_TEST_SRCS := $(sort $(wildcard tests/ioreq/ioreq_*.c))
IOREQ_TEST_BINS := $(IOREQ_TEST_SRCS:%.c=$(BUILD)/%)
TEST_BINS += $(IOREQ_TEST_BINS)

$(BUILD)/tests/ioreq/%: tests/ioreq/%.c tests/ioreq/iotest.h $(LIB) $(LIBDM)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBDM) $(LIB) $(LDLIBS)
