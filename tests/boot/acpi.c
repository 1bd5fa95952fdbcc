// SPDX-License-Identifier: GPL-2.0
/*
 * acpi.c - build the ACPI tables for 1 and 4 CPUs and check every
 * pointer, length and checksum, plus the FADT/MADT/MCFG contents the
 * device models rely on.  `acpi --dump DIR NCPUS` writes each table to
 * DIR/<signature>.dat for iasl (tests/boot/acpi-iasl).
 */
#include "boottest.h"
#include "acpi/acpi.h"

#define BASE	ACPI_DEFAULT_GPA
#define LEN	ACPI_DEFAULT_SIZE

static uint8_t *tbl(uint8_t *buf, uint64_t gpa, uint32_t *len)
{
	uint32_t l;

	if (gpa < BASE || gpa - BASE > LEN - 36)
		return NULL;
	memcpy(&l, buf + (gpa - BASE) + 4, 4);
	if (l < 36 || l > LEN - (gpa - BASE))
		return NULL;
	*len = l;
	return buf + (gpa - BASE);
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static bool contains(const uint8_t *p, uint32_t len, const void *needle,
		     size_t n)
{
	return memmem(p, len, needle, n) != NULL;
}

static void check_madt(const uint8_t *t, uint32_t len, unsigned int ncpus)
{
	unsigned int lapics = 0, ioapics = 0, isos = 0, nmis = 0;
	uint32_t off = 44;

	EXPECT(rd32(t + 36) == 0xfee00000, "LAPIC address");
	EXPECT(rd32(t + 40) & 1, "PCAT_COMPAT");
	while (off + 2 <= len) {
		const uint8_t *e = t + off;

		EXPECT(e[1] >= 2 && off + e[1] <= len, "MADT entry length");
		if (e[1] < 2 || off + e[1] > len)
			return;
		switch (e[0]) {
		case 0:
			EXPECT(e[1] == 8 && e[3] == lapics && (rd32(e + 4) & 1),
			      "LAPIC entry %u", lapics);
			lapics++;
			break;
		case 1:
			EXPECT(e[1] == 12 && rd32(e + 4) == 0xfec00000 &&
			      rd32(e + 8) == 0, "IOAPIC entry");
			ioapics++;
			break;
		case 2:
			EXPECT(e[1] == 10 && e[2] == 0, "ISO entry");
			if (e[3] == 0)
				EXPECT(rd32(e + 4) == 2, "IRQ0 -> GSI2");
			if (e[3] == 9)
				EXPECT(rd32(e + 4) == 9 && (e[8] & 0xf) == 0xf,
				      "SCI level, active low");
			isos++;
			break;
		case 4:
			EXPECT(e[1] == 6 && e[2] == 0xff && e[5] == 1,
			      "LAPIC NMI on LINT1");
			nmis++;
			break;
		default:
			EXPECT(0, "unexpected MADT entry %u", e[0]);
		}
		off += e[1];
	}
	EXPECT(off == len, "MADT entries fill the table");
	EXPECT(lapics == ncpus && ioapics == 1 && isos == 2 && nmis == 1,
	      "MADT: %u LAPIC, %u IOAPIC, %u ISO, %u NMI", lapics, ioapics,
	      isos, nmis);
}

static void check_fadt(uint8_t *buf, const uint8_t *f, uint32_t len,
		       const struct acpi_tables *at)
{
	uint32_t flen;
	uint8_t *facs;

	EXPECT(len == 276 && f[8] == 6, "FADT revision 6, 276 bytes");
	EXPECT(rd32(f + 40) == at->dsdt && rd64(f + 140) == at->dsdt, "DSDT");
	EXPECT(rd32(f + 36) == at->facs, "FACS");
	facs = buf + (at->facs - BASE);
	memcpy(&flen, facs + 4, 4);
	EXPECT(!memcmp(facs, "FACS", 4) && flen == 64 && at->facs % 64 == 0,
	      "FACS signature, length, alignment");
	EXPECT(f[46] == 9 && f[47] == 0, "SCI_INT 9");
	EXPECT(rd32(f + 48) == 0, "no SMI_CMD: always in ACPI mode");
	EXPECT(rd32(f + 56) == 0x600 && rd32(f + 64) == 0x604 &&
	      rd32(f + 76) == 0x608, "PM1a_EVT/PM1a_CNT/PM_TMR ports");
	EXPECT(f[88] == 4 && f[89] == 2 && f[91] == 4, "block lengths");
	EXPECT(f[148] == 1 && rd64(f + 152) == 0x600 &&
	      f[172] == 1 && rd64(f + 176) == 0x604 &&
	      f[208] == 1 && rd64(f + 212) == 0x608, "X_ blocks as I/O");
	EXPECT(f[108] == 0x32, "century");
	EXPECT((f[109] & 0x2) == 0 && (f[109] & 0x4), "no 8042, no VGA");
	EXPECT((f[109] & 0x8) == 0, "MSI supported");
	EXPECT(!(rd32(f + 112) & (1u << 20)), "not HW_REDUCED");
	EXPECT((rd32(f + 112) & (1u << 10)) && f[116] == 1 && f[117] == 8 &&
	      rd64(f + 120) == 0xcf9 && f[128] == 6, "reset register");
}

static void check_dsdt(const uint8_t *t, uint32_t len)
{
	/* Name(\_S5_, Package(2){Zero, Zero}) */
	static const uint8_t s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12,
				      0x04, 0x02, 0x00, 0x00 };
	/* EisaId("PNP0A03") and ("PNP0501") as DWordConst */
	static const uint8_t pci[] = { 0x0c, 0x41, 0xd0, 0x0a, 0x03 };
	static const uint8_t com[] = { 0x0c, 0x41, 0xd0, 0x05, 0x01 };
	/* IO(Decode16, 0x3F8, 0x3F8, 1, 8), IRQNoFlags(){4} */
	static const uint8_t com_crs[] = { 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03,
					   0x01, 0x08, 0x22, 0x10, 0x00 };

	EXPECT(t[8] == 2, "DSDT revision 2");
	EXPECT(contains(t, len, s5, sizeof(s5)), "\\_S5_ package");
	EXPECT(contains(t, len, pci, sizeof(pci)), "PNP0A03");
	EXPECT(contains(t, len, com, sizeof(com)), "PNP0501");
	EXPECT(contains(t, len, com_crs, sizeof(com_crs)), "COM1 resources");
	EXPECT(contains(t, len, "_PRT", 4) && contains(t, len, "_CRS", 4) &&
	      contains(t, len, "PCI0", 4) && contains(t, len, "_BBN", 4),
	      "PCI0 objects");
}

static int build(unsigned int ncpus, uint8_t *buf, struct acpi_tables *at)
{
	struct acpi_config c;
	char err[256];
	int ret;

	acpi_config_default(&c, ncpus);
	memset(buf, 0xee, LEN);
	ret = acpi_build(&c, buf, BASE, LEN, at, err, sizeof(err));
	EXPECT(ret == 0, "acpi_build(%u CPUs): %s", ncpus, err);
	return ret;
}

static void check(unsigned int ncpus)
{
	uint8_t *buf = malloc(LEN), *rsdp, *xsdt, *rsdt, *t;
	struct acpi_tables at;
	uint32_t xlen, rlen, len, i, n;
	bool seen_fadt = false, seen_madt = false, seen_mcfg = false;

	printf("--- %u CPU(s)\n", ncpus);
	if (build(ncpus, buf, &at))
		goto out;
	printf("tables: %llu bytes, RSDP 0x%llx XSDT 0x%llx FADT 0x%llx MADT 0x%llx MCFG 0x%llx DSDT 0x%llx\n",
	       (unsigned long long)at.size, (unsigned long long)at.rsdp,
	       (unsigned long long)at.xsdt, (unsigned long long)at.fadt,
	       (unsigned long long)at.madt, (unsigned long long)at.mcfg,
	       (unsigned long long)at.dsdt);
	EXPECT(at.rsdp == 0xe0000 && at.rsdp % 16 == 0, "RSDP in the BIOS area");
	rsdp = buf;
	EXPECT(!memcmp(rsdp, "RSD PTR ", 8), "RSDP signature");
	EXPECT(acpi_checksum(rsdp, 20) == 0, "RSDP checksum");
	EXPECT(acpi_checksum(rsdp, 36) == 0, "RSDP extended checksum");
	EXPECT(rsdp[15] == 2 && rd32(rsdp + 20) == 36, "RSDP revision 2");
	EXPECT(rd64(rsdp + 24) == at.xsdt && rd32(rsdp + 16) == at.rsdt,
	      "RSDP pointers");

	xsdt = tbl(buf, at.xsdt, &xlen);
	rsdt = tbl(buf, at.rsdt, &rlen);
	EXPECT(xsdt && !memcmp(xsdt, "XSDT", 4), "XSDT");
	EXPECT(rsdt && !memcmp(rsdt, "RSDT", 4), "RSDT");
	if (!xsdt || !rsdt)
		goto out;
	n = (xlen - 36) / 8;
	EXPECT((xlen - 36) % 8 == 0 && (rlen - 36) / 4 == n, "SDT sizes");
	EXPECT(acpi_checksum(xsdt, xlen) == 0 && acpi_checksum(rsdt, rlen) == 0,
	      "SDT checksums");
	for (i = 0; i < n; i++) {
		uint64_t a = rd64(xsdt + 36 + 8 * i);

		EXPECT(rd32(rsdt + 36 + 4 * i) == a, "RSDT entry %u", i);
		t = tbl(buf, a, &len);
		EXPECT(t != NULL, "table %u at 0x%llx inside the buffer", i,
		      (unsigned long long)a);
		if (!t)
			continue;
		EXPECT(acpi_checksum(t, len) == 0, "checksum of %.4s", t);
		EXPECT(a + len <= BASE + at.size, "%.4s inside the used size", t);
		if (!memcmp(t, "FACP", 4)) {
			seen_fadt = true;
			check_fadt(buf, t, len, &at);
		} else if (!memcmp(t, "APIC", 4)) {
			seen_madt = true;
			check_madt(t, len, ncpus);
		} else if (!memcmp(t, "MCFG", 4)) {
			seen_mcfg = true;
			EXPECT(len == 60 && rd64(t + 44) == LAYOUT_ECAM_BASE &&
			      t[54] == 0 && t[55] == 255, "MCFG allocation");
		}
	}
	EXPECT(seen_fadt && seen_madt && seen_mcfg, "FADT, MADT, MCFG listed");
	t = tbl(buf, at.dsdt, &len);
	EXPECT(t && !memcmp(t, "DSDT", 4) && acpi_checksum(t, len) == 0,
	      "DSDT checksum");
	if (t)
		check_dsdt(t, len);
out:
	free(buf);
}

static void check_errors(void)
{
	uint8_t *buf = malloc(LEN);
	struct acpi_config c;
	struct acpi_tables at;
	char err[256];
	int ret;

	acpi_config_default(&c, 4);
	ret = acpi_build(&c, buf, BASE, 512, &at, err, sizeof(err));
	EXPECT_LOAD_ERR(ret, -ENOSPC, err, "do not fit");
	ret = acpi_build(&c, buf, BASE + 4, LEN, &at, err, sizeof(err));
	EXPECT_LOAD_ERR(ret, -EINVAL, err, "16-byte aligned");
	c.apic_id[3] = 1;
	ret = acpi_build(&c, buf, BASE, LEN, &at, err, sizeof(err));
	EXPECT_LOAD_ERR(ret, -EINVAL, err, "APIC id 1");
	acpi_config_default(&c, 0);
	ret = acpi_build(&c, buf, BASE, LEN, &at, err, sizeof(err));
	EXPECT_LOAD_ERR(ret, -EINVAL, err, "0 CPUs");
	/* The maximum machine fits easily. */
	acpi_config_default(&c, ACPI_MAX_CPUS);
	c.apic_id[ACPI_MAX_CPUS - 1] = 0xfe;
	ret = acpi_build(&c, buf, BASE, LEN, &at, err, sizeof(err));
	EXPECT(ret == 0 && at.size < 0x4000, "255 CPUs: %s (%llu bytes)", err,
	      (unsigned long long)at.size);
	free(buf);
}

static int dump(const char *dir, unsigned int ncpus)
{
	uint8_t *buf = malloc(LEN), *t;
	struct acpi_tables at;
	const uint64_t *p, *tables[] = { &at.xsdt, &at.rsdt, &at.fadt,
		&at.madt, &at.mcfg, &at.dsdt };
	char path[512];
	uint32_t len;
	unsigned int i;
	FILE *f;

	if (build(ncpus, buf, &at))
		return 1;
	for (i = 0; i <= sizeof(tables) / sizeof(tables[0]); i++) {
		if (i == sizeof(tables) / sizeof(tables[0])) {
			t = buf;		/* the RSDP */
			len = 36;
			snprintf(path, sizeof(path), "%s/rsdp.dat", dir);
		} else {
			p = tables[i];
			t = tbl(buf, *p, &len);
			if (!t)
				return 1;
			snprintf(path, sizeof(path), "%s/%c%c%c%c.dat", dir,
				 t[0] | 0x20, t[1] | 0x20, t[2] | 0x20,
				 t[3] | 0x20);
		}
		f = fopen(path, "wb");
		if (!f || fwrite(t, 1, len, f) != len || fclose(f)) {
			perror(path);
			return 1;
		}
	}
	/* FACS has no standard header: iasl knows it by signature. */
	snprintf(path, sizeof(path), "%s/facs.dat", dir);
	f = fopen(path, "wb");
	if (!f || fwrite(buf + (at.facs - BASE), 1, 64, f) != 64 || fclose(f))
		return 1;
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--dump"))
		return dump(argv[2], (unsigned int)atoi(argv[3]));
	check(1);
	check(4);
	check_errors();
	return test_result("acpi");
}
