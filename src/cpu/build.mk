# src/cpu/build.mk - the CPU core's generated decoder tables.
#
# gen_tables is a build-host program (no sanitizers) that expands
# x86_ops.def into $(BUILD)/gen/cpu/x86_tables.c, compiled into the library.

CPU_GEN_DIR := $(BUILD)/gen/cpu
CPU_GEN_TOOL := $(CPU_GEN_DIR)/gen_tables
CPU_TABLES := $(CPU_GEN_DIR)/x86_tables.c
CPU_DEFS := $(wildcard src/cpu/*.def) src/cpu/x86_optab.h src/cpu/x86_cpu.h

$(CPU_GEN_TOOL): src/cpu/gen_tables.c $(CPU_DEFS)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O1 -Wall -Wextra -Werror -Isrc -DX86_GEN_TABLES -o $@ $<

$(CPU_TABLES): $(CPU_GEN_TOOL)
	$(CPU_GEN_TOOL) $(CPU_GEN_DIR)

GENERATED += $(CPU_TABLES)
LIB_OBJS += $(BUILD)/gen/cpu/x86_tables.o

$(BUILD)/gen/cpu/x86_tables.o: $(CPU_TABLES) src/cpu/internal.h
	$(CC) $(CFLAGS) -c -o $@ $<

.PHONY: fuzz
