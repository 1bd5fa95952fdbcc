# bench/build.mk - bench guests and host tools (only `make bench` builds these).
#
# The guests are freestanding ELF32 images with their own flags: none of the
# host CFLAGS (sanitizers, -MMD, -O2...) make sense for a 32-bit guest.

include bench/params

BENCH_OUT := $(BUILD)/bench
BENCH_GUEST_CFLAGS := -m32 -ffreestanding -nostdlib -fno-pic -fno-pie \
	-Wall -Wextra -Werror -Ibench/guests \
	-DPIO_ITERS=$(BENCH_PIO_ITERS) -DTOUCH_MIB=$(BENCH_TOUCH_MIB)
BENCH_GUEST_LDFLAGS := -m elf_i386 -nostdlib -static -T bench/guests/guest.ld \
	--build-id=none --no-warn-rwx-segments

BENCH_GUESTS := exit_now first_out pio_loop touch compute compute_small
BENCH_BINS += $(BENCH_GUESTS:%=$(BENCH_OUT)/guests/%.elf) \
	$(BENCH_OUT)/raw_kvm $(BENCH_OUT)/benchtool

# Keep the objects: they are cheap, and make's "rm ..." of intermediates
# would only clutter the benchmark's output.
.SECONDARY: $(BENCH_GUESTS:%=$(BENCH_OUT)/guests/%.o) $(BENCH_OUT)/guests/boot.o

BENCH_GUEST_DEPS := bench/guests/guest.h bench/guests/guest.ld bench/params \
	bench/build.mk

$(BENCH_OUT)/guests/%.o: bench/guests/%.S $(BENCH_GUEST_DEPS)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(BENCH_GUEST_CFLAGS) -c -o $@ $<

$(BENCH_OUT)/guests/compute.o: bench/guests/compute.S $(BENCH_GUEST_DEPS)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(BENCH_GUEST_CFLAGS) -DCOMPUTE_ROUNDS=$(BENCH_COMPUTE_ROUNDS) -c -o $@ $<

$(BENCH_OUT)/guests/compute_small.o: bench/guests/compute.S $(BENCH_GUEST_DEPS)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(BENCH_GUEST_CFLAGS) -DCOMPUTE_ROUNDS=$(BENCH_COMPUTE_SMALL_ROUNDS) -c -o $@ $<

$(BENCH_OUT)/guests/%.elf: $(BENCH_OUT)/guests/boot.o $(BENCH_OUT)/guests/%.o
	$(LD) $(BENCH_GUEST_LDFLAGS) -o $@ $^

# Host tools: ordinary C, the project's flags.
$(BENCH_OUT)/raw_kvm: bench/raw_kvm.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

$(BENCH_OUT)/benchtool: bench/benchtool.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

# Syndbg round trips: the raw UDP loopback limit (bench/udp_rtt.c); the
# guest is tests/guest/hyperv_syndbg_bench.c (built with the guests).
BENCH_BINS += $(BENCH_OUT)/udp_rtt
$(BENCH_OUT)/udp_rtt: bench/udp_rtt.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

# Interrupt delivery: irqfd/ioeventfd vs direct injection (bench/irq_bench.c).
BENCH_BINS += $(BENCH_OUT)/irq_bench
$(BENCH_OUT)/irq_bench: bench/irq_bench.c tests/hv/hvtest.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# SMI round trip on backends with SMM (bench/smm_bench.c).
BENCH_BINS += $(BENCH_OUT)/smm_bench
$(BENCH_OUT)/smm_bench: bench/smm_bench.c tests/hv/hvtest.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# ioreq servers: the eventfd ping-pong floor (bench/ioreq_bench.c); the
# guest half is tests/guest/ioreq_bench.c.
BENCH_BINS += $(BENCH_OUT)/ioreq_bench
$(BENCH_OUT)/ioreq_bench: bench/ioreq_bench.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<
# Private memory (issue 10): conversions, private vs shared access, pre-fault.
BENCH_BINS += $(BENCH_OUT)/gmem_bench
$(BENCH_OUT)/gmem_bench: bench/gmem_bench.c tests/hv/hvtest.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)
