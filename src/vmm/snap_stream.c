// SPDX-License-Identifier: GPL-2.0
/*
 * snap_stream.c - snapshot/migration records: framing with CRC32, the
 * MACHINE description, and the load session that turns a stream into a
 * VM (docs/snapshot-format.md).
 *
 * Every byte read here is untrusted (a file anyone may have edited, a
 * socket): lengths are bounded before allocation, addresses checked
 * against the machine's RAM layout with overflow-safe arithmetic, and
 * nothing runs until END has been read and every component loaded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/compiler.h"
#include "lib/sbuf.h"
#include "vmm/snap_stream.h"
#include "vmm/vm.h"

/* ------------------------------------------------------------ writing */

void snap_writer_init(struct snap_writer *w, int fd)
{
	w->fd = fd;
	w->off = 0;
	w->err = 0;
}

void snap_write_raw(struct snap_writer *w, const void *p, size_t n)
{
	const uint8_t *b = p;
	ssize_t r;

	while (!w->err && n) {
		r = send(w->fd, b, n, MSG_NOSIGNAL);
		if (r < 0 && errno == ENOTSOCK)
			r = write(w->fd, b, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			w->err = r < 0 ? -errno : -EIO;
			break;
		}
		b += r;
		n -= (size_t)r;
		w->off += (uint64_t)r;
	}
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
	return get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

void snap_write_header(struct snap_writer *w, enum snap_kind kind)
{
	uint8_t h[SNAP_HDR_LEN];

	memcpy(h, SNAP_MAGIC, 8);
	put_le32(h + 8, SNAP_VERSION);
	put_le32(h + 12, kind);
	snap_write_raw(w, h, sizeof(h));
}

static uint32_t snap_crc(const void *p, size_t n)
{
	uLong crc = crc32(0L, Z_NULL, 0);
	const uint8_t *b = p;

	while (n) {
		uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;

		crc = crc32(crc, b, chunk);
		b += chunk;
		n -= chunk;
	}
	return (uint32_t)crc;
}

void snap_write_rec(struct snap_writer *w, uint32_t type, uint32_t version,
		    const char *name, const void *payload, size_t len)
{
	uint8_t h[SNAP_REC_HDR_LEN] = { 0 };

	put_le32(h, type);
	put_le32(h + 4, version);
	put_le64(h + 8, len);
	put_le32(h + 16, snap_crc(payload, len));
	if (name)
		strncpy((char *)h + 24, name, SNAP_NAME_MAX - 1);
	snap_write_raw(w, h, sizeof(h));
	snap_write_raw(w, payload, len);
}

/* ------------------------------------------------------------ reading */

static int snap_read_exact(struct snap_reader *r, void *buf, size_t n,
			   const char *what, char *err, size_t err_len)
{
	uint8_t *b = buf;
	long got;

	while (n) {
		got = r->read(r->opaque, b, n);
		if (got < 0) {
			snprintf(err, err_len, "read error at offset %llu: %s",
				 (unsigned long long)r->off, strerror((int)-got));
			return (int)got;
		}
		if (!got) {
			snprintf(err, err_len,
				 "truncated: the stream ends at offset %llu inside %s",
				 (unsigned long long)r->off, what);
			return -EBADMSG;
		}
		b += got;
		n -= (size_t)got;
		r->off += (uint64_t)got;
	}
	return 0;
}

int snap_read_header(struct snap_reader *r, enum snap_kind *kind, char *err,
		     size_t err_len)
{
	uint8_t h[SNAP_HDR_LEN];
	uint32_t v, k;
	int ret;

	ret = snap_read_exact(r, h, sizeof(h), "the header", err, err_len);
	if (ret)
		return ret;
	if (memcmp(h, SNAP_MAGIC, 8)) {
		snprintf(err, err_len, "not a cvisor snapshot (bad magic)");
		return -EBADMSG;
	}
	v = get_le32(h + 8);
	k = get_le32(h + 12);
	if (v != SNAP_VERSION) {
		snprintf(err, err_len,
			 "snapshot format version %u is not supported (this cvisor reads version %u)",
			 v, SNAP_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (k != SNAP_KIND_FILE && k != SNAP_KIND_MIGRATION) {
		snprintf(err, err_len, "unknown stream kind %u", k);
		return -EBADMSG;
	}
	*kind = (enum snap_kind)k;
	return 0;
}

int snap_read_rec(struct snap_reader *r, struct snap_rec *rec, char *err,
		  size_t err_len)
{
	uint8_t h[SNAP_REC_HDR_LEN];
	uint64_t len;
	uint32_t crc;
	int ret;

	memset(rec, 0, sizeof(*rec));
	rec->off = r->off;
	ret = snap_read_exact(r, h, sizeof(h), "a record header", err,
			      err_len);
	if (ret)
		return ret;
	rec->type = get_le32(h);
	rec->version = get_le32(h + 4);
	len = get_le64(h + 8);
	crc = get_le32(h + 16);
	memcpy(rec->name, h + 24, SNAP_NAME_MAX);
	if (rec->name[SNAP_NAME_MAX - 1]) {
		snprintf(err, err_len, "corrupted: record name at offset %llu is not terminated",
			 (unsigned long long)rec->off);
		return -EBADMSG;
	}
	if (len > SNAP_REC_MAX) {
		snprintf(err, err_len,
			 "corrupted: record at offset %llu claims %llu bytes",
			 (unsigned long long)rec->off, (unsigned long long)len);
		return -EBADMSG;
	}
	rec->len = (size_t)len;
	rec->data = malloc(rec->len ? rec->len : 1);
	if (!rec->data) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	ret = snap_read_exact(r, rec->data, rec->len, "a record", err,
			      err_len);
	if (ret)
		goto fail;
	if (snap_crc(rec->data, rec->len) != crc) {
		snprintf(err, err_len,
			 "corrupted: checksum mismatch in record '%s' (type %u) at offset %llu",
			 rec->name, rec->type, (unsigned long long)rec->off);
		ret = -EBADMSG;
		goto fail;
	}
	return 0;
fail:
	free(rec->data);
	rec->data = NULL;
	return ret;
}

/* ------------------------------------------------------------ machine */

void snap_machine_from_vm(struct snap_machine *m, struct vm *vm)
{
	const struct vm_config *c = &vm->cfg;
	unsigned int i;

	memset(m, 0, sizeof(*m));
	snprintf(m->backend, sizeof(m->backend), "%s",
		 hv_backend_name(vm->hv));
	m->nr_cpus = c->nr_cpus;
	m->ram_size = c->ram_size;
	m->console = (uint8_t)c->console;
	m->rng = c->rng;
	m->testdev = c->testdev;
	m->nr_disks = c->nr_disks;
	/* Borrowed strings: release() is not called on a saved machine. */
	for (i = 0; i < c->nr_disks; i++) {
		m->disk_path[i] = (char *)c->disks[i].path;
		m->disk_ro[i] = c->disks[i].readonly;
	}
	m->net_tap = (char *)c->net_tap;
	m->net_has_mac = c->net_has_mac;
	memcpy(m->net_mac, c->net_mac, 6);
	m->firmware = (char *)c->firmware;
	m->debugcon = (char *)c->debugcon;
	m->nr_dms = c->nr_device_models;
	for (i = 0; i < c->nr_device_models; i++)
		m->dm_spec[i] = (char *)c->device_models[i];
	m->hyperv = c->hyperv;
}

/*
 * Layout 2: the --hyperv configuration, everything the machine is built
 * with (CPUID comes from the CPU model record, but the vCPU set-up, the
 * capability checks and the syndbg device need the features): u32
 * features, u8 enforce-cpuid, 12 bytes vendor id, u32 spinlocks, u32
 * debugger IPv4 address (network order), u16 its port, u8 use_hcalls.
 */
static void put_hyperv(struct sbuf *b, const struct vm_hyperv *h)
{
	sbuf_put_u32(b, h->features);
	sbuf_put_bool(b, h->enforce_cpuid);
	sbuf_put_bytes(b, h->vendor, 12);
	sbuf_put_u32(b, h->spinlocks);
	sbuf_put_u32(b, h->dbg_host_ip);
	sbuf_put_u16(b, h->dbg_host_port);
	sbuf_put_bool(b, h->dbg_use_hcalls);
}

static void get_hyperv(struct sbuf *b, struct vm_hyperv *h)
{
	h->features = sbuf_get_u32(b);
	h->enforce_cpuid = sbuf_get_bool(b);
	sbuf_get_bytes(b, h->vendor, 12);
	h->vendor[12] = '\0';
	h->spinlocks = sbuf_get_u32(b);
	h->dbg_host_ip = sbuf_get_u32(b);
	h->dbg_host_port = sbuf_get_u16(b);
	h->dbg_use_hcalls = sbuf_get_bool(b);
	/* Only features this build knows, and a port when syndbg is on. */
	if (h->features >= 1u << VM_HV__COUNT ||
	    (vm_hv_has(h, VM_HV_SYNDBG) && !h->dbg_host_port) ||
	    (h->features && !h->vendor[0]))
		sbuf_set_bad(b);
}

static void put_str(struct sbuf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	sbuf_put_u16(b, (uint16_t)n);
	sbuf_put_bytes(b, s, n);
}

static char *get_str(struct sbuf *b)
{
	uint16_t n = sbuf_get_u16(b);
	char *s;

	if (sbuf_error(b) || n > sbuf_remaining(b) || n >= 4096) {
		sbuf_set_bad(b);
		return NULL;
	}
	s = malloc((size_t)n + 1);
	if (!s) {
		sbuf_set_bad(b);
		return NULL;
	}
	sbuf_get_bytes(b, s, n);
	s[n] = '\0';
	if (strlen(s) != n) {	/* embedded NUL */
		free(s);
		sbuf_set_bad(b);
		return NULL;
	}
	return s;
}

void snap_machine_put(struct sbuf *b, const struct snap_machine *m)
{
	unsigned int i;

	put_str(b, m->backend);
	sbuf_put_u32(b, m->nr_cpus);
	sbuf_put_u64(b, m->ram_size);
	sbuf_put_u8(b, m->console);
	sbuf_put_bool(b, m->rng);
	sbuf_put_bool(b, m->testdev);
	sbuf_put_u32(b, m->nr_disks);
	for (i = 0; i < m->nr_disks; i++) {
		put_str(b, m->disk_path[i]);
		sbuf_put_bool(b, m->disk_ro[i]);
	}
	put_str(b, m->net_tap);
	sbuf_put_bool(b, m->net_has_mac);
	sbuf_put_bytes(b, m->net_mac, 6);
	put_str(b, m->firmware);
	put_str(b, m->debugcon);
	/* Layout 2: the count always (0: none), then --hyperv. */
	sbuf_put_u32(b, m->nr_dms);
	for (i = 0; i < m->nr_dms; i++)
		put_str(b, m->dm_spec[i]);
	put_hyperv(b, &m->hyperv);
}

int snap_machine_get(struct snap_machine *m, uint32_t version,
		     const uint8_t *data, size_t len, char *err,
		     size_t err_len)
{
	struct sbuf b;
	char *backend;
	unsigned int i;

	memset(m, 0, sizeof(*m));
	sbuf_reader(&b, data, len);
	backend = get_str(&b);
	if (backend) {
		snprintf(m->backend, sizeof(m->backend), "%s", backend);
		free(backend);
	}
	m->nr_cpus = sbuf_get_u32(&b);
	m->ram_size = sbuf_get_u64(&b);
	m->console = sbuf_get_u8(&b);
	m->rng = sbuf_get_bool(&b);
	m->testdev = sbuf_get_bool(&b);
	m->nr_disks = sbuf_get_u32(&b);
	if (m->nr_disks > SNAP_MAX_DISKS)
		sbuf_set_bad(&b);
	for (i = 0; !sbuf_error(&b) && i < m->nr_disks; i++) {
		m->disk_path[i] = get_str(&b);
		m->disk_ro[i] = sbuf_get_bool(&b);
		if (m->disk_path[i] && !m->disk_path[i][0])
			sbuf_set_bad(&b);
	}
	m->net_tap = get_str(&b);
	if (m->net_tap && !m->net_tap[0]) {
		free(m->net_tap);
		m->net_tap = NULL;
	}
	m->net_has_mac = sbuf_get_bool(&b);
	sbuf_get_bytes(&b, m->net_mac, 6);
	m->firmware = get_str(&b);
	m->debugcon = get_str(&b);
	if (!version || version > SNAP_MACHINE_VERSION) {
		snprintf(err, err_len, "machine description version %u is not "
			 "supported (this cvisor reads 1 to %u)", version,
			 SNAP_MACHINE_VERSION);
		goto bad;
	}
	/* Layout 1 has the device models only when there are any. */
	if (!sbuf_error(&b) && (version >= 2 || sbuf_remaining(&b))) {
		m->nr_dms = sbuf_get_u32(&b);
		if (m->nr_dms > VM_MAX_DEVICE_MODELS ||
		    (version < 2 && !m->nr_dms))
			sbuf_set_bad(&b);
		for (i = 0; !sbuf_error(&b) && i < m->nr_dms; i++) {
			m->dm_spec[i] = get_str(&b);
			if (m->dm_spec[i] && !m->dm_spec[i][0])
				sbuf_set_bad(&b);
		}
	}
	if (version >= 2)
		get_hyperv(&b, &m->hyperv);
	if (sbuf_error(&b) || sbuf_remaining(&b)) {
		snprintf(err, err_len, "corrupted: bad machine description");
		goto bad;
	}
	if (!m->nr_cpus || m->nr_cpus > VM_MAX_CPUS ||
	    m->ram_size < (2ull << 20) || m->ram_size > (1ull << 40) ||
	    (m->ram_size & (SNAP_PAGE_SIZE - 1)) || m->console > 1) {
		snprintf(err, err_len,
			 "wrong machine: %u vCPUs, %llu bytes of RAM, console %u are not a machine cvisor builds",
			 m->nr_cpus, (unsigned long long)m->ram_size,
			 m->console);
		goto bad;
	}
	return 0;
bad:
	snap_machine_release(m);
	return -EBADMSG;
}

void snap_machine_release(struct snap_machine *m)
{
	unsigned int i;

	for (i = 0; i < SNAP_MAX_DISKS; i++) {
		free(m->disk_path[i]);
		m->disk_path[i] = NULL;
	}
	free(m->net_tap);
	m->net_tap = NULL;
	free(m->firmware);
	m->firmware = NULL;
	free(m->debugcon);
	m->debugcon = NULL;
	m->nr_disks = 0;
	for (i = 0; i < VM_MAX_DEVICE_MODELS; i++) {
		free(m->dm_spec[i]);
		m->dm_spec[i] = NULL;
	}
	m->nr_dms = 0;
}

void snap_machine_config(const struct snap_machine *m, struct vm_config *cfg)
{
	unsigned int i;

	cfg->nr_cpus = m->nr_cpus;
	cfg->ram_size = m->ram_size;
	cfg->console = (enum vm_console)m->console;
	cfg->rng = m->rng;
	cfg->testdev = m->testdev;
	cfg->nr_disks = m->nr_disks;
	for (i = 0; i < m->nr_disks; i++) {
		cfg->disks[i].path = m->disk_path[i];
		cfg->disks[i].readonly = m->disk_ro[i];
	}
	cfg->net_tap = m->net_tap;
	cfg->net_has_mac = m->net_has_mac;
	memcpy(cfg->net_mac, m->net_mac, 6);
	cfg->firmware = m->firmware && m->firmware[0] ? m->firmware : NULL;
	cfg->debugcon = m->debugcon && m->debugcon[0] ? m->debugcon : NULL;
	cfg->nr_device_models = m->nr_dms;
	for (i = 0; i < m->nr_dms; i++)
		cfg->device_models[i] = m->dm_spec[i];
	cfg->hyperv = m->hyperv;
}

unsigned int snap_regions(const struct snap_machine *m, struct vm *vm,
			  struct snap_region *out, unsigned int max)
{
	unsigned int i, n = 0;

	if (vm) {
		for (i = 0; i < vm->mem.ram.nr && n < max; i++, n++)
			out[n] = (struct snap_region){
				.as_id = HV_AS_NORMAL,
				.gpa = vm->mem.ram.region[i].gpa,
				.size = vm->mem.ram.region[i].size,
				.host = vm->mem.ram.region[i].host,
			};
		/* SMRAM: its own memory, seen at its base in AS1. */
		if (smram_enabled(&vm->smram) && n < max)
			out[n++] = (struct snap_region){
				.as_id = HV_AS_SMM, .gpa = SMRAM_BASE,
				.size = SMRAM_SIZE, .host = vm->smram.host,
			};
		return n;
	}
	/* The layout guest_mem_init() builds, without the memory. */
	out[n++] = (struct snap_region){
		.gpa = 0,
		.size = m->ram_size > MEM_LOW_END ? MEM_LOW_END : m->ram_size,
	};
	if (m->ram_size > MEM_LOW_END && n < max)
		out[n++] = (struct snap_region){
			.gpa = SZ_4G, .size = m->ram_size - MEM_LOW_END,
		};
	if (n < max)
		out[n++] = (struct snap_region){
			.as_id = HV_AS_SMM, .gpa = SMRAM_BASE,
			.size = SMRAM_SIZE,
		};
	return n;
}

/*
 * Next range of @r (from byte @pos) that may hold data: the whole rest
 * unless the memfd can tell us where its holes are.
 */
uint64_t snap_ram_next_data(struct vm *vm, const struct snap_region *r,
			      uint64_t pos, uint64_t *end)
{
	off_t base, d, h;

	*end = r->size;
	if (vm->mem.file_backed || vm->mem.fd < 0 || r->host < vm->mem.host ||
	    r->host >= vm->mem.host + vm->mem.size)
		return pos;
	base = (off_t)(r->host - vm->mem.host);
	d = lseek(vm->mem.fd, base + (off_t)pos, SEEK_DATA);
	if (d < 0)
		return errno == ENXIO ? r->size : pos;
	if ((uint64_t)(d - base) >= r->size)
		return r->size;
	h = lseek(vm->mem.fd, d, SEEK_HOLE);
	if (h > d && (uint64_t)(h - base) < r->size)
		*end = (uint64_t)(h - base);
	return (uint64_t)(d - base) & ~(uint64_t)(SNAP_PAGE_SIZE - 1);
}

bool snap_page_is_zero(const uint8_t *p)
{
	const uint64_t *q = (const uint64_t *)p;
	unsigned int i;
	uint64_t acc = 0;

	for (i = 0; i < SNAP_PAGE_SIZE / 8; i += 8)
		acc |= q[i] | q[i + 1] | q[i + 2] | q[i + 3] |
		       q[i + 4] | q[i + 5] | q[i + 6] | q[i + 7];
	return !acc;
}

/* ------------------------------------------------------------ save side */

int snap_write_machine(struct snap_writer *w, struct vm *vm)
{
	struct snap_machine m;
	struct sbuf b;

	/* The CPU model first: the machine record builds the vCPUs with it. */
	if (vm->cpuid)
		snap_write_rec(w, SNAP_REC_CPUID, 1, "cpuid", vm->cpuid,
			       sizeof(*vm->cpuid) + vm->cpuid->nent *
			       sizeof(vm->cpuid->entries[0]));
	snap_machine_from_vm(&m, vm);
	sbuf_init(&b);
	snap_machine_put(&b, &m);
	if (sbuf_error(&b)) {
		sbuf_release(&b);
		return sbuf_error(&b);
	}
	snap_write_rec(w, SNAP_REC_MACHINE, SNAP_MACHINE_VERSION, "machine",
		       b.data, b.len);
	sbuf_release(&b);
	return w->err;
}

static int snap_comp_put(void *opaque, const char *name, uint32_t version,
			 const uint8_t *data, size_t len)
{
	struct snap_writer *w = opaque;

	snap_write_rec(w, SNAP_REC_COMP, version, name, data, len);
	return w->err;
}

int snap_write_components(struct snap_writer *w, struct vm *vm, char *err,
			  size_t err_len)
{
	int ret = vm_ioreq_check_save(vm, err, err_len);

	if (ret)
		return ret;
	return vm_components_save(vm, snap_comp_put, w, err, err_len);
}

/* ------------------------------------------------------------ loading */

void snap_load_init(struct snap_load *L, const struct vm_restore_opts *opts,
		    enum snap_kind kind)
{
	memset(L, 0, sizeof(*L));
	L->opts = opts;
	L->kind = kind;
	L->file_fd = -1;
	comp_image_init(&L->img);
}

void snap_load_release(struct snap_load *L)
{
	vm_destroy(L->vm);
	L->vm = NULL;
	free(L->cpuid);
	L->cpuid = NULL;
	comp_image_release(&L->img);
	snap_machine_release(&L->mach);
}

static void snap_machine_free(struct vm *vm, void *opaque)
{
	snap_machine_release(opaque);
	free(opaque);
}

/*
 * The rebuilt VM's configuration points at the image's strings (disk
 * paths, device-model specs, tap, firmware, debugcon): they must live
 * as long as the VM, which saves them again at its next snapshot or
 * migration.  Move them from @L to the VM.
 */
static int snap_machine_give(struct snap_load *L)
{
	struct snap_machine *m = malloc(sizeof(*m));
	int ret;

	if (!m)
		return -ENOMEM;
	*m = L->mach;
	ret = vm_add_cleanup(L->vm, snap_machine_free, m);
	if (ret) {
		free(m);
		return ret;
	}
	memset(L->mach.disk_path, 0, sizeof(L->mach.disk_path));
	memset(L->mach.dm_spec, 0, sizeof(L->mach.dm_spec));
	L->mach.net_tap = NULL;
	L->mach.firmware = NULL;
	L->mach.debugcon = NULL;
	return 0;
}

static int snap_load_machine(struct snap_load *L, const struct snap_rec *rec,
			     char *err, size_t err_len)
{
	struct vm_config cfg = {
		.accel = L->opts ? L->opts->accel : HV_ACCEL_AUTO,
		.verbose = L->opts && L->opts->verbose,
		.start_ns = L->opts ? L->opts->start_ns : 0,
		.log = L->opts ? L->opts->log : NULL,
		.log_opaque = L->opts ? L->opts->log_opaque : NULL,
		.restore = true,
	};
	char why[VM_MSG_LEN];
	int ret;

	if (L->have_machine) {
		snprintf(err, err_len, "corrupted: two machine records");
		return -EBADMSG;
	}
	ret = snap_machine_get(&L->mach, rec->version, rec->data, rec->len,
			       err, err_len);
	if (ret)
		return ret;
	L->have_machine = true;
	if (L->dry) {
		L->nr_reg = snap_regions(&L->mach, NULL, L->reg,
					 SNAP_MAX_REGIONS);
		return 0;
	}
	snap_machine_config(&L->mach, &cfg);
	cfg.cpuid = L->cpuid;
	ret = vm_create(&cfg, &L->vm, why, sizeof(why));
	if (ret) {
		L->vm = NULL;
		snprintf(err, err_len, "cannot rebuild the machine: %s", why);
		return ret;
	}
	ret = snap_machine_give(L);
	if (ret) {
		snprintf(err, err_len, "out of memory");
		return ret;
	}
	L->nr_reg = snap_regions(&L->mach, L->vm, L->reg, SNAP_MAX_REGIONS);
	return 0;
}

static int snap_load_cpuid(struct snap_load *L, const struct snap_rec *rec,
			   char *err, size_t err_len)
{
	struct kvm_cpuid2 hdr;

	if (L->have_machine || L->cpuid) {
		snprintf(err, err_len,
			 "corrupted: the CPU model must come once, before the machine");
		return -EBADMSG;
	}
	if (rec->len < sizeof(hdr))
		goto bad;
	memcpy(&hdr, rec->data, sizeof(hdr));
	if (hdr.nent > 4096 ||
	    rec->len != sizeof(hdr) + hdr.nent * sizeof(hdr.entries[0]))
		goto bad;
	L->cpuid = malloc(rec->len);
	if (!L->cpuid) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	memcpy(L->cpuid, rec->data, rec->len);
	return 0;
bad:
	snprintf(err, err_len, "corrupted: bad CPU model record");
	return -EBADMSG;
}

/* The region holding [gpa, gpa + len) in @as_id, or NULL. */
static struct snap_region *snap_find_region(struct snap_load *L,
					    uint16_t as_id, uint64_t gpa,
					    uint64_t len)
{
	unsigned int i;

	for (i = 0; i < L->nr_reg; i++) {
		struct snap_region *r = &L->reg[i];

		if (r->as_id == as_id && gpa >= r->gpa &&
		    gpa - r->gpa <= r->size && len <= r->size - (gpa - r->gpa))
			return r;
	}
	return NULL;
}

/*
 * Device models see guest RAM through its memfd, which a private file
 * mapping would hide from them: copy the file's data runs into it
 * instead (holes stay zero pages nobody allocated).  The stream is read
 * from the same fd, so its offset is put back.
 */
static int snap_copy_ram(int fd, uint8_t *host, uint64_t size, uint64_t off)
{
	off_t cur = lseek(fd, 0, SEEK_CUR), d, h;
	uint64_t pos, end;
	ssize_t n;
	int ret = 0;

	if (cur < 0)
		return -errno;
	for (pos = 0; pos < size && !ret; pos = end) {
		d = lseek(fd, (off_t)(off + pos), SEEK_DATA);
		if (d < 0) {
			ret = errno == ENXIO ? 0 : -errno;
			break;
		}
		if ((uint64_t)d >= off + size)
			break;
		h = lseek(fd, d, SEEK_HOLE);
		if (h < 0) {
			ret = -errno;
			break;
		}
		pos = (uint64_t)d - off;
		end = (uint64_t)h - off < size ? (uint64_t)h - off : size;
		while (pos < end) {
			n = pread(fd, host + pos, end - pos, (off_t)(off + pos));
			if (n <= 0) {
				ret = n < 0 ? -errno : -EIO;
				break;
			}
			pos += (uint64_t)n;
		}
	}
	if (lseek(fd, cur, SEEK_SET) < 0 && !ret)
		ret = -errno;
	return ret;
}

/*
 * RAM record (files): where each region's bytes are in the file.  They
 * are mapped MAP_PRIVATE over the guest's RAM: pages come in from the
 * page cache when the guest first touches them, and the guest's writes
 * never reach the file.  With device models they are copied instead.
 */
static bool snap_has_smram(const struct snap_load *L)
{
	unsigned int i;

	for (i = 0; i < L->nr_reg; i++)
		if (L->reg[i].as_id == HV_AS_SMM)
			return true;
	return false;
}

/* Does the file hold only zeros in [off, off + size)? */
static int snap_file_zero(int fd, uint64_t off, uint64_t size)
{
	uint8_t buf[4096];
	uint64_t pos;
	size_t i, len;

	for (pos = 0; pos < size; pos += len) {
		len = size - pos < sizeof(buf) ? size - pos : sizeof(buf);
		if (pread(fd, buf, len, (off_t)(off + pos)) != (ssize_t)len)
			return -EIO;
		for (i = 0; i < len; i++)
			if (buf[i])
				return 0;
	}
	return 1;
}

static int snap_load_ram(struct snap_load *L, const struct snap_rec *rec,
			 char *err, size_t err_len)
{
	bool smram_here = snap_has_smram(L), smram_there = false;
	uint64_t mapped = 0;	/* bit per L->reg[] */
	struct sbuf b;
	uint32_t n, i;
	int z;

	if (L->kind != SNAP_KIND_FILE || L->have_ram) {
		snprintf(err, err_len, "corrupted: unexpected RAM record");
		return -EBADMSG;
	}
	sbuf_reader(&b, rec->data, rec->len);
	n = sbuf_get_u32(&b);
	/*
	 * SMRAM is a region only where the backend has SMM: an image from
	 * a backend without it restores here with SMRAM at power-on, one
	 * with it restores where SMM is missing if SMM was never used.
	 */
	if (sbuf_error(&b) || n > SNAP_MAX_REGIONS)
		goto bad;
	for (i = 0; i < n; i++) {
		uint16_t as_id = sbuf_get_u16(&b);
		uint64_t gpa = sbuf_get_u64(&b);
		uint64_t size = sbuf_get_u64(&b);
		uint64_t off = sbuf_get_u64(&b);
		struct snap_region *r;

		if (sbuf_error(&b))
			goto bad;
		if (as_id == HV_AS_SMM && !smram_here && !smram_there &&
		    gpa == SMRAM_BASE && size == SMRAM_SIZE &&
		    off <= L->file_size && size <= L->file_size - off &&
		    !(off & (SNAP_PAGE_SIZE - 1))) {
			smram_there = true;
			z = L->dry ? 1 : snap_file_zero(L->file_fd, off, size);
			if (z < 0) {
				snprintf(err, err_len, "cannot read SMRAM: %s",
					 strerror(-z));
				return z;
			}
			if (!z) {
				snprintf(err, err_len,
					 "the snapshot's SMRAM is in use and %s has no SMM",
					 L->vm ? hv_backend_desc(L->vm->hv) :
						 "this backend");
				return -EOPNOTSUPP;
			}
			continue;
		}
		r = snap_find_region(L, as_id, gpa, size);
		if (!r || r->gpa != gpa || r->size != size ||
		    off & (SNAP_PAGE_SIZE - 1) || off > L->file_size ||
		    size > L->file_size - off) {
			snprintf(err, err_len,
				 "wrong machine or truncated file: RAM region %u (0x%llx+0x%llx at file offset 0x%llx) does not match",
				 i, (unsigned long long)gpa,
				 (unsigned long long)size,
				 (unsigned long long)off);
			return -EBADMSG;
		}
		if (mapped & (1ull << (r - L->reg)))
			goto bad;
		mapped |= 1ull << (r - L->reg);
		if (L->dry || !r->host)
			continue;
		if (L->mach.nr_dms) {
			int ret = snap_copy_ram(L->file_fd, r->host, size, off);

			if (ret) {
				snprintf(err, err_len, "cannot read guest RAM from the snapshot: %s",
					 strerror(-ret));
				return ret;
			}
			continue;
		}
		if (mmap(r->host, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE, L->file_fd,
			 (off_t)off) == MAP_FAILED) {
			int e = errno;

			snprintf(err, err_len, "cannot map guest RAM from the snapshot: %s",
				 strerror(e));
			return -e;
		}
	}
	/* Every region once; SMRAM may be missing from the image. */
	for (i = 0; i < L->nr_reg; i++)
		if (!(mapped & (1ull << i)) &&
		    !(L->reg[i].as_id == HV_AS_SMM && !smram_there))
			goto bad;
	if (sbuf_remaining(&b))
		goto bad;
	L->have_ram = true;
	if (L->vm)
		L->vm->mem.file_backed = true;
	return 0;
bad:
	snprintf(err, err_len, "corrupted: bad RAM record");
	return -EBADMSG;
}

/* PAGES record (migration): page addresses, then their bytes. */
static int snap_load_pages(struct snap_load *L, const struct snap_rec *rec,
			   char *err, size_t err_len)
{
	const uint8_t *data;
	struct sbuf b;
	uint32_t n, i, ndata = 0;
	uint16_t as_id;

	if (L->kind != SNAP_KIND_MIGRATION) {
		snprintf(err, err_len, "corrupted: page record in a snapshot file");
		return -EBADMSG;
	}
	sbuf_reader(&b, rec->data, rec->len);
	as_id = sbuf_get_u16(&b);
	n = sbuf_get_u32(&b);
	if (sbuf_error(&b) || n > SNAP_PAGES_MAX ||
	    sbuf_remaining(&b) < (size_t)n * 8)
		goto bad;
	data = rec->data + b.pos + (size_t)n * 8;
	for (i = 0; i < n; i++) {
		uint64_t a = sbuf_get_u64(&b);
		uint64_t gpa = a & ~(uint64_t)(SNAP_PAGE_SIZE - 1);
		struct snap_region *r;

		if (a & (SNAP_PAGE_SIZE - 1) & ~SNAP_PAGE_ZERO)
			goto bad;
		r = snap_find_region(L, as_id, gpa, SNAP_PAGE_SIZE);
		if (!r) {
			snprintf(err, err_len,
				 "wrong machine: page 0x%llx (address space %u) is outside guest RAM",
				 (unsigned long long)gpa, as_id);
			return -EBADMSG;
		}
		if (!(a & SNAP_PAGE_ZERO) &&
		    (size_t)(ndata + 1) * SNAP_PAGE_SIZE >
		    rec->len - b.pos - (size_t)(n - i - 1) * 8)
			goto bad;
		if (r->host) {
			uint8_t *dst = r->host + (gpa - r->gpa);

			if (a & SNAP_PAGE_ZERO)
				memset(dst, 0, SNAP_PAGE_SIZE);
			else
				memcpy(dst, data + (size_t)ndata * SNAP_PAGE_SIZE,
				       SNAP_PAGE_SIZE);
		}
		if (!(a & SNAP_PAGE_ZERO))
			ndata++;
	}
	if (rec->len != b.pos + (size_t)ndata * SNAP_PAGE_SIZE)
		goto bad;
	L->pages += n;
	return 0;
bad:
	snprintf(err, err_len, "corrupted: bad page record at offset %llu",
		 (unsigned long long)rec->off);
	return -EBADMSG;
}

int snap_load_record(struct snap_load *L, const struct snap_rec *rec,
		     char *err, size_t err_len)
{
	if (L->done) {
		snprintf(err, err_len, "corrupted: records after the end");
		return -EBADMSG;
	}
	if (!L->have_machine && rec->type != SNAP_REC_MACHINE &&
	    rec->type != SNAP_REC_CPUID) {
		snprintf(err, err_len,
			 "corrupted: record '%s' before the machine description",
			 rec->name);
		return -EBADMSG;
	}
	switch (rec->type) {
	case SNAP_REC_MACHINE:
		return snap_load_machine(L, rec, err, err_len);
	case SNAP_REC_CPUID:
		return snap_load_cpuid(L, rec, err, err_len);
	case SNAP_REC_RAM:
		return snap_load_ram(L, rec, err, err_len);
	case SNAP_REC_PAGES:
		return snap_load_pages(L, rec, err, err_len);
	case SNAP_REC_COMP:
		if (!rec->name[0] || comp_image_find(&L->img, rec->name)) {
			snprintf(err, err_len,
				 "corrupted: missing or repeated component name '%s'",
				 rec->name);
			return -EBADMSG;
		}
		return comp_image_put(&L->img, rec->name, rec->version,
				      rec->data, rec->len);
	case SNAP_REC_END:
		if (rec->len) {
			snprintf(err, err_len, "corrupted: bad end record");
			return -EBADMSG;
		}
		if (L->kind == SNAP_KIND_FILE && !L->have_ram) {
			snprintf(err, err_len, "corrupted: no RAM record");
			return -EBADMSG;
		}
		L->done = true;
		return 0;
	}
	snprintf(err, err_len, "corrupted: unknown record type %u at offset %llu",
		 rec->type, (unsigned long long)rec->off);
	return -EBADMSG;
}

int snap_load_finish(struct snap_load *L, struct vm **out, char *err,
		     size_t err_len)
{
	char why[VM_MSG_LEN];
	int ret;

	*out = NULL;
	if (!L->done) {
		snprintf(err, err_len, "truncated: no end record");
		return -EBADMSG;
	}
	if (L->dry)
		return 0;
	ret = vm_components_load(L->vm, comp_image_get, &L->img, why,
				 sizeof(why));
	if (ret) {
		snprintf(err, err_len, "wrong machine or corrupted state: %s",
			 why);
		return ret;
	}
	/* Sections nobody here loads: state this machine cannot hold. */
	if (L->img.nr != comp_list_count(&L->vm->comps)) {
		snprintf(err, err_len,
			 "wrong machine: the image holds %u state sections, this machine has %u components",
			 L->img.nr, comp_list_count(&L->vm->comps));
		return -EBADMSG;
	}
	*out = L->vm;
	L->vm = NULL;
	return 0;
}

int snap_load_stream(struct snap_load *L, struct snap_reader *r,
		     struct vm **out, char *err, size_t err_len)
{
	struct snap_rec rec;
	int ret;

	*out = NULL;
	while (!L->done) {
		ret = snap_read_rec(r, &rec, err, err_len);
		if (ret)
			return ret;
		ret = snap_load_record(L, &rec, err, err_len);
		free(rec.data);
		if (ret)
			return ret;
	}
	return snap_load_finish(L, out, err, err_len);
}
