# tests/hv: backend-neutral hv API tests, one C program per test.
HV_TEST_SRCS := $(sort $(wildcard tests/hv/*.c))
HV_TEST_BINS := $(HV_TEST_SRCS:%.c=$(BUILD)/%)
TEST_BINS += $(HV_TEST_BINS)

$(BUILD)/tests/hv/%: tests/hv/%.c tests/hv/hvtest.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)
