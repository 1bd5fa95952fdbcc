# src/libdm/build.mk - libcvisor-dm, the device-model library
# (build/libcvisor-dm.a, header src/libdm/cvisor-dm.h, manual
# docs/libcvisor-dm.md).  It shares only the ABI header with the VMM.
LIBDM_SRCS := $(sort $(wildcard src/libdm/*.c))
LIBDM_OBJS := $(LIBDM_SRCS:%.c=$(BUILD)/%.o)
LIBDM      := $(BUILD)/libcvisor-dm.a

$(LIBDM): $(LIBDM_OBJS)
	@rm -f $@
	ar rcs $@ $^

all: $(LIBDM)

-include $(LIBDM_OBJS:.o=.d)
