# tests/cross: the same guest programs on the kvm and emu backends, final
# state compared (cross.c opens both backends itself).
CROSS_BIN := $(BUILD)/tests/cross/cross
TEST_BINS += $(CROSS_BIN)

$(BUILD)/tests/cross/progs.o: tests/cross/progs.S
	@mkdir -p $(dir $@)
	$(CC) -c -o $@ $<

$(CROSS_BIN): tests/cross/cross.c $(BUILD)/tests/cross/progs.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/tests/cross/progs.o $(LIB) $(LDLIBS)
