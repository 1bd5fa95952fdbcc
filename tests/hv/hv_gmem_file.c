// SPDX-License-Identifier: GPL-2.0
/*
 * hv_gmem_file: the guest_memfd file of a SW_PROTECTED VM, as upstream's
 * guest_memfd_test checks it (seed-apis.md 3.3, 3.9): sizes 0..PAGE-1
 * refused; each single-bit flag accepted iff the VM's
 * HV_CAP_GUEST_MEMFD_FLAGS has it; read, write, pread, pwrite and mmap
 * fail; fstat gives the size, PAGE_SIZE blocks and a fresh inode per
 * file (a second file leaves the first one's size alone); the size
 * cannot change; the fallocate matrix; and fallocate and punch-hole still
 * work once the VM is destroyed.  On emu it also pins down what the
 * O_PATH handle allows (docs/private-memory.md): nothing but fstat.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/falloc.h>

#include "hvtest.h"

#define PAGE	4096ull
#define SIZE	(16 * PAGE)

#define KEEP	FALLOC_FL_KEEP_SIZE
#define PUNCH	(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)

static void check_io_refused(int fd)
{
	char buf[16] = "x";

	CHECK(read(fd, buf, sizeof(buf)) < 0, "read() of a guest_memfd worked");
	CHECK(write(fd, buf, sizeof(buf)) < 0, "write() of a guest_memfd worked");
	CHECK(pread(fd, buf, sizeof(buf), 0) < 0, "pread() worked");
	CHECK(pwrite(fd, buf, sizeof(buf), 0) < 0, "pwrite() worked");
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED,
		  "mmap of a guest_memfd without MMAP worked");
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED,
		  "MAP_PRIVATE of a guest_memfd worked");
	CHECK(ftruncate(fd, 2 * SIZE) < 0, "a guest_memfd was resized");
}

static void check_fallocate(struct hv *hv, int fd)
{
	/* The matrix of guest_memfd_test's test_fallocate(). */
	CHECK_OK(hv_guest_memfd_fallocate(hv, fd, KEEP, 0, SIZE));
	CHECK_ERRNO(hv_guest_memfd_fallocate(hv, fd, KEEP, PAGE - 1, PAGE), EINVAL);
	CHECK_ERRNO(hv_guest_memfd_fallocate(hv, fd, KEEP, SIZE, PAGE), EINVAL);
	CHECK_ERRNO(hv_guest_memfd_fallocate(hv, fd, KEEP, SIZE + PAGE, PAGE),
		EINVAL);
	CHECK_ERRNO(hv_guest_memfd_fallocate(hv, fd, KEEP, SIZE - PAGE, 2 * PAGE),
		EINVAL);
	CHECK_OK(hv_guest_memfd_fallocate(hv, fd, PUNCH, SIZE, PAGE));
	CHECK_OK(hv_guest_memfd_fallocate(hv, fd, PUNCH, SIZE + PAGE, PAGE));
	CHECK_ERRNO(hv_guest_memfd_fallocate(hv, fd, KEEP, 0, PAGE - 1), EINVAL);
	CHECK_OK(hv_guest_memfd_fallocate(hv, fd, PUNCH, PAGE, PAGE));
	CHECK_OK(hv_guest_memfd_fallocate(hv, fd, KEEP, PAGE, PAGE));
	/* Modes: KEEP_SIZE is required, PUNCH_HOLE the only addition. */
	CHECK_ERRNO(hv_guest_memfd_fallocate(hv, fd, 0, 0, PAGE), EOPNOTSUPP);
	CHECK_ERRNO(hv_guest_memfd_fallocate(hv, fd, FALLOC_FL_PUNCH_HOLE, 0, PAGE),
		EOPNOTSUPP);
	CHECK_ERRNO(hv_guest_memfd_fallocate(hv, fd, KEEP | FALLOC_FL_ZERO_RANGE,
					 0, PAGE), EOPNOTSUPP);
	/* test_invalid_punch_hole(): unaligned offset or length. */
	CHECK_ERRNO(hv_guest_memfd_fallocate(hv, fd, PUNCH, 0, 1), EINVAL);
	CHECK_ERRNO(hv_guest_memfd_fallocate(hv, fd, PUNCH, 0, PAGE - 1), EINVAL);
	CHECK_ERRNO(hv_guest_memfd_fallocate(hv, fd, PUNCH, 0, PAGE + 1), EINVAL);
	CHECK_ERRNO(hv_guest_memfd_fallocate(hv, fd, PUNCH, 1, PAGE), EINVAL);
	CHECK_ERRNO(hv_guest_memfd_fallocate(hv, fd, PUNCH, PAGE - 1, PAGE), EINVAL);
	CHECK_ERRNO(hv_guest_memfd_fallocate(hv, fd, PUNCH, PAGE + 1, PAGE), EINVAL);
	CHECK_ERRNO(hv_guest_memfd_fallocate(hv, fd, PUNCH, PAGE, 0), EINVAL);
}

int main(void)
{
	struct hv_vm_config cfg = { .type = HV_VM_TYPE_SW_PROTECTED };
	struct hv_vm *vm;
	struct stat st1, st2;
	uint64_t flags;
	struct hv *hv;
	int fd1, fd2, fd, i;

	hv = hvt_open();
	hvt_require_private(hv);
	CHECK_OK(hv_vm_create(hv, &cfg, &vm));

	CHECK_ERRNO(hv_create_guest_memfd(vm, 0, 0), EINVAL);
	for (i = 1; i < (int)PAGE; i++) {
		int r = hv_create_guest_memfd(vm, i, 0);

		CHECK(r == -EINVAL, "size %d gave %d, want -EINVAL", i, r);
	}
	flags = hv_vm_check_cap(vm, HV_CAP_GUEST_MEMFD_FLAGS);
	for (i = 0; i < 64; i++) {
		int r = hv_create_guest_memfd(vm, PAGE, 1ull << i);

		if (flags & (1ull << i)) {
			CHECK(r >= 0, "flag bit %d advertised, refused: %d",
				  i, r);
			close(r);
		} else {
			CHECK(r == -EINVAL, "flag bit %d not advertised, "
				  "create gave %d", i, r);
		}
	}

	fd1 = CHECK_OK(hv_create_guest_memfd(vm, SIZE, 0));
	CHECK(!fstat(fd1, &st1), "fstat: %s", strerror(errno));
	fd2 = CHECK_OK(hv_create_guest_memfd(vm, 2 * SIZE, 0));
	CHECK(!fstat(fd2, &st2), "fstat: %s", strerror(errno));
	CHECK(st1.st_ino != st2.st_ino, "two guest_memfds share inode %lu",
		  (unsigned long)st1.st_ino);
	CHECK(!fstat(fd1, &st1) && st1.st_size == (off_t)SIZE,
		  "first file's size %lld after creating a second",
		  (long long)st1.st_size);
	CHECK(st1.st_blksize == (blksize_t)PAGE, "st_blksize %ld",
		  (long)st1.st_blksize);
	check_io_refused(fd1);
	check_fallocate(hv, fd1);

	if (!strcmp(hv_backend_name(hv), "emu")) {
		/*
		 * emu's fd is an O_PATH handle: fallocate(2) itself is
		 * refused (use hv_guest_memfd_fallocate), and other files
		 * are not guest_memfds.
		 */
		int mfd = memfd_create("plain", MFD_CLOEXEC);

		CHECK(fallocate(fd1, KEEP, 0, PAGE) < 0 && errno == EBADF,
			  "fallocate(2) on emu's handle: %s", strerror(errno));
		CHECK(mfd >= 0, "memfd_create: %s", strerror(errno));
		CHECK_ERRNO(hv_guest_memfd_fallocate(hv, mfd, KEEP, 0, PAGE), EINVAL);
		CHECK_ERRNO(hv_guest_memfd_fallocate(hv, -1, KEEP, 0, PAGE), EBADF);
		close(mfd);
	}

	/* A dup is the same file: closing the original changes nothing. */
	fd = dup(fd2);
	close(fd2);
	CHECK_OK(hv_guest_memfd_fallocate(hv, fd, KEEP, 0, PAGE));

	/* The file pins what it needs: both work after the VM is gone. */
	hv_vm_destroy(vm);
	CHECK_OK(hv_guest_memfd_fallocate(hv, fd1, KEEP, 0, SIZE));
	CHECK_OK(hv_guest_memfd_fallocate(hv, fd1, PUNCH, 0, SIZE));
	CHECK_OK(hv_guest_memfd_fallocate(hv, fd, PUNCH, 0, 2 * SIZE));
	CHECK(!fstat(fd1, &st1) && st1.st_size == (off_t)SIZE,
		  "size after the VM went: %lld", (long long)st1.st_size);
	close(fd1);
	close(fd);
	hv_close(hv);
	printf("PASS\n");
	return 0;
}
