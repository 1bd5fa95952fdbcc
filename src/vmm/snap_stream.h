/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snap_stream.h - the record stream shared by snapshot files and live
 * migration (docs/snapshot-format.md): a header, then records, each with
 * a type, a name, a length and the CRC32 of its payload.
 *
 * Writers append records to an fd.  Readers pull bytes through a read
 * callback (file, socket or, for the fuzzer, memory) and feed each
 * record to a load session, which builds the VM when the MACHINE record
 * arrives and applies everything else only once END has been seen and
 * checked: a truncated or corrupted stream never yields a running VM.
 */
#ifndef CVISOR_VMM_SNAP_STREAM_H
#define CVISOR_VMM_SNAP_STREAM_H

#include "vmm/hyperv.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/hv.h"
#include "vmm/component.h"
#include "vmm/config.h"
#include "vmm/memory.h"

#define SNAP_MAGIC		"CVSNAP\r\n"
#define SNAP_VERSION		1
#define SNAP_HDR_LEN		16
#define SNAP_REC_HDR_LEN	56
#define SNAP_NAME_MAX		32
#define SNAP_REC_MAX		(16u << 20)	/* largest payload accepted */
#define SNAP_PAGE_SIZE		4096u
#define SNAP_PAGES_MAX		1024u		/* pages per PAGES record */
#define SNAP_MAX_DISKS		16
#define SNAP_MAX_REGIONS	4

enum snap_kind {
	SNAP_KIND_FILE = 1,
	SNAP_KIND_MIGRATION = 2,
};

enum snap_rec_type {
	SNAP_REC_MACHINE = 1,
	SNAP_REC_CPUID = 2,
	SNAP_REC_COMP = 3,
	SNAP_REC_RAM = 4,
	SNAP_REC_PAGES = 5,
	SNAP_REC_END = 6,
};

/* Bit 0 of a PAGES entry's address: the page is all zeroes, no data. */
#define SNAP_PAGE_ZERO		1ull

struct snap_writer {
	int fd;
	uint64_t off;		/* bytes written so far */
	int err;		/* sticky: first -errno */
};

void snap_writer_init(struct snap_writer *w, int fd);
void snap_write_raw(struct snap_writer *w, const void *p, size_t n);
void snap_write_header(struct snap_writer *w, enum snap_kind kind);
void snap_write_rec(struct snap_writer *w, uint32_t type, uint32_t version,
		    const char *name, const void *payload, size_t len);

/* -errno, or bytes read (short only at end of stream). */
typedef long (*snap_read_fn)(void *opaque, void *buf, size_t n);

struct snap_reader {
	snap_read_fn read;
	void *opaque;
	uint64_t off;
};

struct snap_rec {
	uint32_t type;
	uint32_t version;
	char name[SNAP_NAME_MAX];
	uint8_t *data;		/* malloc'd payload */
	size_t len;
	uint64_t off;		/* stream offset of the record header */
};

int snap_read_header(struct snap_reader *r, enum snap_kind *kind, char *err,
		     size_t err_len);
/* The next record, CRC checked; free rec->data after use. */
int snap_read_rec(struct snap_reader *r, struct snap_rec *rec, char *err,
		  size_t err_len);

/* The machine a stream describes (MACHINE record). */
struct snap_machine {
	char backend[16];	/* where it was saved: "kvm", "emu" */
	uint32_t nr_cpus;
	uint64_t ram_size;
	uint8_t console;
	bool rng, testdev;
	uint32_t nr_disks;
	char *disk_path[SNAP_MAX_DISKS];
	bool disk_ro[SNAP_MAX_DISKS];
	char *net_tap;
	bool net_has_mac;
	uint8_t net_mac[6];
	char *firmware;		/* the BIOS image of a firmware machine */
	char *debugcon;
	/* --device-model specs (layout 1: an optional tail) */
	uint32_t nr_dms;
	char *dm_spec[VM_MAX_DEVICE_MODELS];
	struct vm_hyperv hyperv;	/* layout 2; features 0: none */
};

/*
 * Layout of the MACHINE record: 2 always has the device-model count and
 * adds the Hyper-V configuration after the specs.
 */
#define SNAP_MACHINE_VERSION	2

struct vm;
struct vm_config;
struct sbuf;

void snap_machine_from_vm(struct snap_machine *m, struct vm *vm);
void snap_machine_put(struct sbuf *b, const struct snap_machine *m);
int snap_machine_get(struct snap_machine *m, uint32_t version,
		     const uint8_t *data, size_t len, char *err,
		     size_t err_len);
void snap_machine_release(struct snap_machine *m);
/* The vm_config that rebuilds the machine; strings stay in @m. */
void snap_machine_config(const struct snap_machine *m, struct vm_config *cfg);

/* Guest RAM regions of a machine, both address spaces. */
struct snap_region {
	uint16_t as_id;
	uint64_t gpa, size;
	uint8_t *host;		/* NULL when only the layout is known */
};
unsigned int snap_regions(const struct snap_machine *m, struct vm *vm,
			  struct snap_region *out, unsigned int max);

/* Restore-time choices that do not come from the image. */
struct vm_restore_opts {
	enum hv_accel accel;
	bool verbose;
	uint64_t start_ns;
	log_fn log;		/* the machine's messages (vm_config.log) */
	void *log_opaque;
};

/* A load session: feed records, then finish. */
struct snap_load {
	const struct vm_restore_opts *opts;
	enum snap_kind kind;
	bool dry;		/* parse and check only (fuzzing): no VM */
	struct vm *vm;
	struct snap_machine mach;
	bool have_machine, have_ram, done;
	struct kvm_cpuid2 *cpuid;
	struct comp_image img;
	struct snap_region reg[SNAP_MAX_REGIONS];
	unsigned int nr_reg;
	int file_fd;		/* snapshot file: RAM mapped from it */
	uint64_t file_size;
	uint64_t pages;		/* pages received (migration) */
};

void snap_load_init(struct snap_load *L, const struct vm_restore_opts *opts,
		    enum snap_kind kind);
int snap_load_record(struct snap_load *L, const struct snap_rec *rec,
		     char *err, size_t err_len);
/* After END: load the components; on success *out takes the VM. */
int snap_load_finish(struct snap_load *L, struct vm **out, char *err,
		     size_t err_len);
/* Drop everything (destroys a half-built VM). */
void snap_load_release(struct snap_load *L);

/* Read a whole stream from @r into a session and finish it. */
int snap_load_stream(struct snap_load *L, struct snap_reader *r,
		     struct vm **out, char *err, size_t err_len);

/* Save side helpers shared by the file and the migration writer. */
int snap_write_machine(struct snap_writer *w, struct vm *vm);
int snap_write_components(struct snap_writer *w, struct vm *vm, char *err,
			  size_t err_len);
bool snap_page_is_zero(const uint8_t *p);
/*
 * From byte @pos of @r, the next page-aligned offset that may hold data,
 * with *end the end of that data run (memfd holes are skipped).
 */
uint64_t snap_ram_next_data(struct vm *vm, const struct snap_region *r,
			    uint64_t pos, uint64_t *end);

#endif
