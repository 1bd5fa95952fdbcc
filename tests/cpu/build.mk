# tests/cpu/build.mk - CPU core unit tests, differential tester, fuzzer.

CPU_T := $(BUILD)/tests/cpu
CPU_T_HARNESS := $(CPU_T)/harness.o $(CPU_T)/guest.o

$(CPU_T)/%.o: tests/cpu/%.c | $(GENERATED)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/cpu -c -o $@ $<

$(CPU_T)/guest.o: tests/cpu/guest.S
	@mkdir -p $(dir $@)
	$(CC) -c -o $@ $<

$(CPU_T)/test_cpu: $(CPU_T)/test_cpu.o $(CPU_T_HARNESS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

TEST_BINS += $(CPU_T)/test_cpu

$(CPU_T)/difftest: $(CPU_T)/difftest.o $(CPU_T_HARNESS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

TEST_BINS += $(CPU_T)/difftest
