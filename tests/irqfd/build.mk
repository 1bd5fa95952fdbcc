# tests/irqfd: irqfd/ioeventfd guest tests and the race stress test.
IRQFD_TEST_SRCS := $(sort $(wildcard tests/irqfd/*.c))
IRQFD_TEST_BINS := $(IRQFD_TEST_SRCS:%.c=$(BUILD)/%)
TEST_BINS += $(IRQFD_TEST_BINS)

$(BUILD)/tests/irqfd/%: tests/irqfd/%.c tests/hv/hvtest.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)
