# tests/virtio: PCI and virtio device tests.  Each tests/virtio/*.c except
# driver.c (the fake guest driver they share) is one test program linked
# with $(LIB).  `make fuzz` also builds a libFuzzer target from
# virtio_fuzz.c with clang (-fsanitize=fuzzer), compiling the PCI/virtio
# sources itself so that they carry coverage instrumentation.
VIRTIO_TEST_DIR  := tests/virtio
VIRTIO_TEST_SRCS := $(filter-out $(VIRTIO_TEST_DIR)/driver.c,$(sort $(wildcard $(VIRTIO_TEST_DIR)/*.c)))
VIRTIO_TEST_BINS := $(VIRTIO_TEST_SRCS:%.c=$(BUILD)/%)
VIRTIO_DRIVER_O  := $(BUILD)/$(VIRTIO_TEST_DIR)/driver.o
TEST_BINS += $(VIRTIO_TEST_BINS)

# Headers it uses (pci.h, virtio_pci.h) come from -MMD, like src/.
$(VIRTIO_DRIVER_O): $(VIRTIO_TEST_DIR)/driver.c $(VIRTIO_TEST_DIR)/driver.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

-include $(VIRTIO_DRIVER_O:.o=.d)

$(VIRTIO_TEST_BINS): $(BUILD)/$(VIRTIO_TEST_DIR)/%: $(VIRTIO_TEST_DIR)/%.c $(VIRTIO_DRIVER_O) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(VIRTIO_DRIVER_O) $(LIB) $(LDLIBS)


VIRTIO_FUZZER      := $(BUILD)/fuzz/virtio_fuzzer
VIRTIO_FUZZER_SRCS := $(VIRTIO_TEST_DIR)/virtio_fuzz.c $(VIRTIO_TEST_DIR)/driver.c \
	$(sort $(wildcard src/pci/*.c src/virtio/*.c)) src/bus/bus.c src/lib/log.c src/lib/sbuf.c

$(VIRTIO_FUZZER): $(VIRTIO_FUZZER_SRCS) $(wildcard src/pci/*.h src/virtio/*.h) $(VIRTIO_TEST_DIR)/driver.h
	@mkdir -p $(dir $@)
	clang -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
		-Wno-missing-field-initializers -D_GNU_SOURCE -Isrc -I$(VIRTIO_TEST_DIR) \
		-pthread -DVIRTIO_LIBFUZZER \
		-fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer \
		-o $@ $(VIRTIO_FUZZER_SRCS)

# `make fuzz` builds it; run e.g. build/fuzz/virtio_fuzzer -max_total_time=60
fuzz: $(VIRTIO_FUZZER)
FUZZERS += virtio:$(VIRTIO_FUZZER)
