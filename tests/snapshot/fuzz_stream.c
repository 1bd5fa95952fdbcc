// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_stream.c - hostile snapshot files and migration streams against
 * the loader (src/vmm/snap_stream.c) and the components' load functions.
 *
 * Each input is parsed as a stream: header, records (framing, CRC,
 * bounds), the machine description, RAM and page records checked against
 * the machine's layout (a dry session: no VM is built per input), then
 * the component sections are loaded into one real, never-run emu VM.
 * Nothing may crash, hang or (under ASan) touch memory it does not own;
 * errors are expected and ignored.
 *
 * As a test (make check): builds a valid migration stream of that VM as
 * the seed, then feeds N mutations of it (bit flips, byte values, CRC
 * fix-ups so mutated payloads get past the checksum, truncations).
 * Built with -DSNAP_LIBFUZZER it is the libFuzzer target of `make fuzz`;
 * `fuzz_stream --seed FILE` writes the seed for its corpus.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "vmm/snap_stream.h"
#include "vmm/vm.h"

struct mem_src {
	const uint8_t *p;
	size_t n;
};

static long mem_read(void *opaque, void *buf, size_t n)
{
	struct mem_src *s = opaque;

	if (n > s->n)
		n = s->n;
	memcpy(buf, s->p, n);
	s->p += n;
	s->n -= n;
	return (long)n;
}

/* The VM the component sections are loaded into: built once. */
static struct vm *fuzz_vm(void)
{
	static struct vm *vm;
	struct vm_config cfg = {
		.accel = HV_ACCEL_EMU, .nr_cpus = 2, .ram_size = 16ull << 20,
		.restore = true,
	};
	char err[VM_MSG_LEN];

	if (!vm && vm_create(&cfg, &vm, err, sizeof(err))) {
		fprintf(stderr, "fuzz_stream: %s\n", err);
		abort();
	}
	return vm;
}

static void fuzz_one(const uint8_t *data, size_t size)
{
	struct mem_src src = { data, size };
	struct snap_reader r = { .read = mem_read, .opaque = &src };
	char err[VM_MSG_LEN];
	enum snap_kind kind;
	struct snap_load L;
	struct snap_rec rec;
	struct vm *out;

	if (snap_read_header(&r, &kind, err, sizeof(err)))
		return;
	snap_load_init(&L, NULL, kind);
	L.dry = true;
	L.file_size = size;
	while (!L.done) {
		if (snap_read_rec(&r, &rec, err, sizeof(err)))
			break;
		if (snap_load_record(&L, &rec, err, sizeof(err))) {
			free(rec.data);
			break;
		}
		free(rec.data);
	}
	if (L.done && !snap_load_finish(&L, &out, err, sizeof(err)))
		vm_components_load(fuzz_vm(), comp_image_get, &L.img, err,
				   sizeof(err));
	snap_load_release(&L);
}

#ifdef SNAP_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(data, size);
	return 0;
}
#else
/* A valid migration stream of the fuzz VM, in memory. */
static uint8_t *make_seed(size_t *len)
{
	struct vm *vm = fuzz_vm();
	struct snap_writer w;
	char err[VM_MSG_LEN];
	uint8_t page[SNAP_PAGE_SIZE + 22], *buf;
	int fd = memfd_create("seed", MFD_CLOEXEC);
	unsigned int i;

	if (fd < 0)
		abort();
	snap_writer_init(&w, fd);
	snap_write_header(&w, SNAP_KIND_MIGRATION);
	snap_write_machine(&w, vm);
	/* One page record: address space 0, one page at 0x1000. */
	memset(page, 0, sizeof(page));
	page[2] = 1;
	page[6 + 1] = 0x10;
	for (i = 0; i < SNAP_PAGE_SIZE; i++)
		page[14 + i] = (uint8_t)i;
	snap_write_rec(&w, SNAP_REC_PAGES, 1, "pages", page,
		       14 + SNAP_PAGE_SIZE);
	if (snap_write_components(&w, vm, err, sizeof(err))) {
		fprintf(stderr, "fuzz_stream: %s\n", err);
		abort();
	}
	snap_write_rec(&w, SNAP_REC_END, 1, "end", NULL, 0);
	if (w.err)
		abort();
	*len = w.off;
	buf = malloc(*len);
	if (!buf || pread(fd, buf, *len, 0) != (ssize_t)*len)
		abort();
	close(fd);
	return buf;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* Recompute every CRC that still frames, so mutations reach the loaders. */
static void fix_crcs(uint8_t *p, size_t n)
{
	size_t off = SNAP_HDR_LEN;
	uint64_t len;

	while (off + SNAP_REC_HDR_LEN <= n) {
		memcpy(&len, p + off + 8, 8);
		if (len > n - off - SNAP_REC_HDR_LEN)
			return;
		uint32_t crc = (uint32_t)crc32(0, p + off + SNAP_REC_HDR_LEN,
					       (uInt)len);
		memcpy(p + off + 16, &crc, 4);
		off += SNAP_REC_HDR_LEN + len;
	}
}

int main(int argc, char **argv)
{
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5eed;
	size_t len, n;
	uint8_t *good = make_seed(&len), *buf = malloc(len);
	unsigned long it;
	unsigned int k, muts;

	if (argc == 3 && !strcmp(argv[1], "--seed")) {
		FILE *f = fopen(argv[2], "wb");

		if (!f || fwrite(good, 1, len, f) != len || fclose(f))
			return 1;
		return 0;
	}
	if (!buf)
		return 1;
	printf("fuzz_stream: seed stream %zu bytes, %lu inputs, seed 0x%llx\n",
	       len, iters, (unsigned long long)seed);
	fuzz_one(good, len);
	for (it = 0; it < iters; it++) {
		memcpy(buf, good, len);
		n = len;
		muts = 1 + (unsigned int)(rnd(&seed) % 4);
		for (k = 0; k < muts && n; k++) {
			uint64_t r = rnd(&seed), off = rnd(&seed) % n;

			switch (r % 4) {
			case 0:
				buf[off] ^= (uint8_t)(1u << (r >> 8) % 8);
				break;
			case 1:
				buf[off] = (uint8_t)(r >> 16);
				break;
			case 2:
				if (off + 8 <= n)
					memcpy(buf + off, &r, 8);
				break;
			case 3:
				if ((r >> 20) % 4 == 0)
					n = off;
				break;
			}
		}
		if (rnd(&seed) % 4)
			fix_crcs(buf, n);
		fuzz_one(buf, n);
	}
	printf("fuzz_stream: %lu inputs, no crash\n", iters);
	free(buf);
	free(good);
	return 0;
}
#endif
