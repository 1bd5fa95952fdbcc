# src/kvmshim/build.mk - libcvisor-kvm.so, the KVM-compatible front end
# (LD_PRELOAD; docs/kvm-shim.md).
#
# A shared object needs position-independent code, and the VMM's library
# is built as position-dependent (PIE) objects, so the parts the shim uses
# (the hv dispatcher, both backends, the CPU core and its generated tables,
# src/lib) are compiled a second time with -fPIC under $(BUILD)/pic.  Only
# the interposed libc symbols are exported (kvmshim.map).
KVMSHIM_SRCS := $(sort $(wildcard src/kvmshim/*.c))
KVMSHIM_CORE_SRCS := $(sort $(wildcard src/hv/*.c src/accel/*/*.c \
	src/cpu/*.c src/lib/*.c))
KVMSHIM_OBJS := $(KVMSHIM_SRCS:%.c=$(BUILD)/pic/%.o) \
	$(KVMSHIM_CORE_SRCS:%.c=$(BUILD)/pic/%.o) \
	$(BUILD)/pic/gen/cpu/x86_tables.o
KVMSHIM := $(BUILD)/libcvisor-kvm.so

$(BUILD)/pic/%.o: %.c | $(GENERATED)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -c -o $@ $<

$(BUILD)/pic/gen/cpu/x86_tables.o: $(CPU_TABLES) src/cpu/internal.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -c -o $@ $<

$(KVMSHIM): $(KVMSHIM_OBJS) src/kvmshim/kvmshim.map
	$(CC) $(LDFLAGS) -shared -Wl,--version-script=src/kvmshim/kvmshim.map \
		-Wl,-z,defs -o $@ $(KVMSHIM_OBJS) -ldl -lpthread -lm

all: $(KVMSHIM)

-include $(KVMSHIM_OBJS:.o=.d)
