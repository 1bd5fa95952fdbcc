/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aml.h - a tiny AML byte emitter for the DSDT, written from the ACPI
 * specification's AML grammar.  It writes into a caller's buffer; nested
 * objects (Scope, Device, Package, Buffer) are opened with *_begin() and
 * closed with aml_end(), which inserts the PkgLength once the body size
 * is known.  Any overflow or misuse sets ->error and later calls do
 * nothing, so a builder checks once at the end.
 */
#ifndef CVISOR_ACPI_AML_H
#define CVISOR_ACPI_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AML_MAX_DEPTH	8

struct aml {
	uint8_t *buf;
	size_t cap, len;
	unsigned int depth;
	struct {
		size_t start;	/* offset of the body, after the opcode */
		bool buffer;	/* a Buffer: insert BufferSize too */
	} open[AML_MAX_DEPTH];
	bool error;
};

void aml_init(struct aml *a, uint8_t *buf, size_t cap);
void aml_byte(struct aml *a, uint8_t b);
void aml_bytes(struct aml *a, const void *p, size_t n);

/* "\\_SB.PCI0", "_HID", "^FOO": segments shorter than 4 are '_'-padded. */
void aml_name_string(struct aml *a, const char *path);
/* Integer with the shortest encoding (Zero, One, Ones, Byte...QWord). */
void aml_integer(struct aml *a, uint64_t v);
void aml_dword(struct aml *a, uint32_t v);	/* always DWordConst */
void aml_string(struct aml *a, const char *s);
/* EISA id such as "PNP0A03", compressed into a DWordConst. */
void aml_eisaid(struct aml *a, const char *id);

/* Name(NAME, ...): the caller emits the value next. */
void aml_name(struct aml *a, const char *name);

void aml_scope_begin(struct aml *a, const char *name);
void aml_device_begin(struct aml *a, const char *name);
void aml_package_begin(struct aml *a, uint8_t nr_elements);
void aml_buffer_begin(struct aml *a);
void aml_end(struct aml *a);

/* Resource descriptors, to be emitted inside a Buffer (ResourceTemplate). */
void aml_res_io(struct aml *a, uint16_t base, uint8_t len);
void aml_res_irq(struct aml *a, uint8_t irq);
void aml_res_bus_range(struct aml *a, uint16_t first, uint16_t last);
void aml_res_io_window(struct aml *a, uint16_t first, uint16_t last);
void aml_res_mem32_window(struct aml *a, uint32_t base, uint32_t len);
void aml_res_mem64_window(struct aml *a, uint64_t base, uint64_t len);
void aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len);
void aml_res_end(struct aml *a);

#endif
