# tests/firmware/build.mk - the test BIOS images of tests/firmware/chipset.
# chipset.S is real-mode code laid out as a 128 KiB image (.org); the
# -reset variant ends by pulsing the i8042's reset line.

FW_TEST_OUT  := $(BUILD)/tests/firmware
FW_TEST_ROMS := $(FW_TEST_OUT)/chipset.rom $(FW_TEST_OUT)/chipset-reset.rom
GUEST_BINS   += $(FW_TEST_ROMS)

$(FW_TEST_OUT)/chipset.o: tests/firmware/chipset.S tests/firmware/build.mk
	@mkdir -p $(dir $@)
	$(GUEST_CC) -m32 -c -o $@ $<

$(FW_TEST_OUT)/chipset-reset.o: tests/firmware/chipset.S tests/firmware/build.mk
	@mkdir -p $(dir $@)
	$(GUEST_CC) -m32 -DI8042_RESET -c -o $@ $<

$(FW_TEST_OUT)/%.rom: $(FW_TEST_OUT)/%.o
	$(GUEST_OBJCOPY) -O binary -j .text $< $@
