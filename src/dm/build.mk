# src/dm/build.mk - cvisor-dm, the device-model process: its own sources,
# libcvisor-dm, and the device code (src/pci, src/virtio) from the VMM's
# library, unchanged.  The sandbox needs libseccomp (Debian: libseccomp-dev).
DM_SRCS := $(sort $(wildcard src/dm/*.c))
DM_OBJS := $(DM_SRCS:%.c=$(BUILD)/%.o)
CVISOR_DM := $(BUILD)/cvisor-dm

$(CVISOR_DM): $(DM_OBJS) $(LIBDM) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(DM_OBJS) $(LIBDM) $(LIB) $(LDLIBS) -lseccomp

all: $(CVISOR_DM)

-include $(DM_OBJS:.o=.d)
