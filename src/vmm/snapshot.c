// SPDX-License-Identifier: GPL-2.0
/*
 * snapshot.c - snapshot files: records (snap_stream.c), then guest RAM
 * page aligned at the end of the file, written sparsely.
 *
 * Zero pages are never written: the RAM area is sized with ftruncate()
 * and only non-zero pages are pwrite()n, so they stay holes in the file
 * and cost no disk.  RAM that was never touched is not even read: the
 * memfd's holes are skipped with SEEK_DATA/SEEK_HOLE.
 *
 * Restore maps each RAM region MAP_PRIVATE from the file over the
 * guest's RAM (as Firecracker does), so the time to the first guest
 * instruction does not depend on the RAM size.  The file must stay
 * unchanged while a VM restored from it runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/compiler.h"
#include "lib/sbuf.h"
#include "vmm/snapshot.h"
#include "vmm/vm.h"

static int ram_write_region(struct vm *vm, int fd, const struct snap_region *r,
			    uint64_t off, uint64_t *pages)
{
	uint64_t pos = 0, end, run;
	ssize_t n;

	while (pos < r->size) {
		pos = snap_ram_next_data(vm, r, pos, &end);
		for (; pos < end; pos += SNAP_PAGE_SIZE) {
			if (snap_page_is_zero(r->host + pos))
				continue;
			/* Coalesce a run of non-zero pages into one write. */
			for (run = SNAP_PAGE_SIZE; pos + run < end &&
			     run < (8u << 20) &&
			     !snap_page_is_zero(r->host + pos + run);
			     run += SNAP_PAGE_SIZE)
				;
			n = pwrite(fd, r->host + pos, run, (off_t)(off + pos));
			if (n != (ssize_t)run)
				return n < 0 ? -errno : -EIO;
			*pages += run / SNAP_PAGE_SIZE;
			pos += run - SNAP_PAGE_SIZE;
		}
	}
	return 0;
}

static int snapshot_write(struct vm *vm, int fd, struct snapshot_stats *st,
			  char *err, size_t err_len)
{
	struct snap_region reg[SNAP_MAX_REGIONS];
	uint64_t off[SNAP_MAX_REGIONS], ram_off, total;
	struct snap_writer w;
	unsigned int i, nr;
	struct sbuf b;
	int ret;

	nr = snap_regions(NULL, vm, reg, SNAP_MAX_REGIONS);
	snap_writer_init(&w, fd);
	snap_write_header(&w, SNAP_KIND_FILE);
	ret = snap_write_machine(&w, vm);
	if (ret)
		goto io;
	ret = snap_write_components(&w, vm, err, err_len);
	if (ret)
		return ret;

	/*
	 * The RAM record's size does not depend on the offsets, so they can
	 * be computed from where the record will end.
	 */
	ram_off = w.off + SNAP_REC_HDR_LEN + 4 + nr * 26 + SNAP_REC_HDR_LEN;
	ram_off = ALIGN_UP(ram_off, (uint64_t)SNAP_PAGE_SIZE);
	sbuf_init(&b);
	sbuf_put_u32(&b, nr);
	for (i = 0; i < nr; i++) {
		off[i] = ram_off;
		sbuf_put_u16(&b, reg[i].as_id);
		sbuf_put_u64(&b, reg[i].gpa);
		sbuf_put_u64(&b, reg[i].size);
		sbuf_put_u64(&b, off[i]);
		ram_off += ALIGN_UP(reg[i].size, (uint64_t)SNAP_PAGE_SIZE);
	}
	total = ram_off;
	if (sbuf_error(&b)) {
		sbuf_release(&b);
		ret = -ENOMEM;
		goto io;
	}
	snap_write_rec(&w, SNAP_REC_RAM, 1, "ram", b.data, b.len);
	sbuf_release(&b);
	snap_write_rec(&w, SNAP_REC_END, 1, "end", NULL, 0);
	ret = w.err;
	if (ret)
		goto io;
	if (ftruncate(fd, (off_t)total) < 0) {
		ret = -errno;
		goto io;
	}
	for (i = 0; i < nr; i++) {
		ret = ram_write_region(vm, fd, &reg[i], off[i], &st->ram_pages);
		if (ret)
			goto io;
	}
	st->bytes = total;
	return 0;
io:
	snprintf(err, err_len, "cannot write the snapshot: %s",
		 strerror(-ret));
	return ret;
}

int vm_snapshot_save(struct vm *vm, const char *path,
		     struct snapshot_stats *st, char *err, size_t err_len)
{
	uint64_t t0 = vm_now_ns(), tp;
	char tmp[4096];
	bool was_paused;
	int fd, ret;

	memset(st, 0, sizeof(*st));
	/* Private pages are out of the VMM's reach: it cannot save them. */
	if (vm->priv.enabled) {
		snprintf(err, err_len, "a VM with --private-memory cannot be "
			 "snapshotted: the VMM cannot read its private pages");
		return -EOPNOTSUPP;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    (int)sizeof(tmp)) {
		snprintf(err, err_len, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return ret;
	}
	was_paused = vm_paused(vm);
	ret = vm_pause(vm);
	if (ret) {
		snprintf(err, err_len, "cannot pause the VM: it is shutting down");
		goto out;
	}
	tp = vm_now_ns();
	ret = snapshot_write(vm, fd, st, err, err_len);
	if (!was_paused)
		vm_resume(vm);
	st->pause_ns = vm_now_ns() - tp;
	if (!ret && fsync(fd) < 0) {
		ret = -errno;
		snprintf(err, err_len, "cannot write the snapshot: %s",
			 strerror(errno));
	}
out:
	close(fd);
	/* Readers of @path see the old file or the whole new one. */
	if (!ret && rename(tmp, path) < 0) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
	}
	if (ret)
		unlink(tmp);
	st->total_ns = vm_now_ns() - t0;
	return ret;
}

static long snap_fd_read(void *opaque, void *buf, size_t n)
{
	ssize_t r;

	do {
		r = read(*(int *)opaque, buf, n);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

int vm_restore_file(const char *path, const struct vm_restore_opts *opts,
		    struct vm **out, char *err, size_t err_len)
{
	struct snap_reader r = { .read = snap_fd_read };
	char why[VM_MSG_LEN];
	enum snap_kind kind;
	struct snap_load L;
	struct stat stb;
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return ret;
	}
	r.opaque = &fd;
	ret = fstat(fd, &stb) < 0 ? -errno : 0;
	if (ret) {
		snprintf(err, err_len, "%s: %s", path, strerror(-ret));
		goto out;
	}
	ret = snap_read_header(&r, &kind, why, sizeof(why));
	if (!ret && kind != SNAP_KIND_FILE) {
		snprintf(why, sizeof(why), "a migration stream, not a snapshot file");
		ret = -EBADMSG;
	}
	if (ret) {
		snprintf(err, err_len, "%s: %s", path, why);
		goto out;
	}
	snap_load_init(&L, opts, SNAP_KIND_FILE);
	L.file_fd = fd;
	L.file_size = (uint64_t)stb.st_size;
	ret = snap_load_stream(&L, &r, out, why, sizeof(why));
	snap_load_release(&L);
	if (ret)
		snprintf(err, err_len, "%s: %s", path, why);
out:
	/* The private mappings keep the file referenced. */
	close(fd);
	return ret;
}
