// SPDX-License-Identifier: GPL-2.0
/*
 * roundtrip.c - every component of a whole VM survives save -> load into
 * a fresh VM -> save unchanged.
 *
 * A VM with every device (2 vCPUs, irqchip and PIT where the backend has
 * them, serial, RTC, ACPI PM, fw_cfg, testdev, PCI host, virtio-blk,
 * virtio-rng, virtio-console) runs tests/guest/devstate.elf, which leaves
 * each device in a non-reset state and exits.  Every component is saved
 * (image 1), a second VM is built from the same configuration, image 1
 * is loaded into it and saved again (image 2).  The images must list the
 * same sections in the same (restore) order with the same versions, and
 * every section must be byte-identical, except that vCPU sections are
 * compared part by part without what runs by itself while a vCPU is
 * stopped (TSC, MPERF/APERF, the LAPIC timer's current count).
 *
 * A system reset (vm_components_reset) must then bring the vCPUs and
 * the resettable devices back to the state of a freshly built VM.
 *
 * Then every section of image 1 is truncated and, separately, extended by
 * a byte, and loaded into a fresh VM: each must fail with one message
 * naming that component, and nothing may crash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/compiler.h"
#include "vmm/component.h"
#include "vmm/vcpu_state.h"
#include "vmm/vm.h"
#include "../check.h"

#define RT_DISK_SIZE	(1u << 20)

/* Every device of the machine this configuration builds. */
static const char *const device_sections[] = {
	"serial0", "debug-exit", "fw_cfg", "poweroff", "acpi-pm", "rtc",
	"boot-done", "pci", "virtio-blk0", "virtio-rng0", "virtio-console0",
	"testdev",
};

/* The ones devstate moves away from their reset state. */
static const char *const guest_changed[] = {
	"serial0", "fw_cfg", "acpi-pm", "rtc", "pci", "virtio-blk0",
	"testdev",
};

/* Components whose reset is their state in a freshly built VM. */
static const char *const reset_to_fresh[] = {
	"vcpu0", "vcpu1", "serial0", "fw_cfg", "acpi-pm", "boot-done", "pci",
	"virtio-blk0", "virtio-rng0", "virtio-console0", "testdev", "irqchip",
	"pit",
};

static struct vm_config cfg;
static char kernel[512];
static char disk[] = "/tmp/cvisor-roundtrip-XXXXXX";

static void rt_config(void)
{
	const char *accel = getenv("CVISOR_ACCEL");
	const char *build = getenv("BUILD");
	int fd;

	snprintf(kernel, sizeof(kernel), "%s/tests/guest/devstate.elf",
		 build ? build : "build");
	CHECK(access(kernel, R_OK) == 0, "%s: %s", kernel, strerror(errno));
	fd = mkstemp(disk);
	CHECK(fd >= 0, "mkstemp: %s", strerror(errno));
	CHECK(ftruncate(fd, RT_DISK_SIZE) == 0);
	close(fd);

	cfg.accel = HV_ACCEL_AUTO;
	if (accel && !strcmp(accel, "kvm"))
		cfg.accel = HV_ACCEL_KVM;
	else if (accel && !strcmp(accel, "emu"))
		cfg.accel = HV_ACCEL_EMU;
	cfg.nr_cpus = 2;
	cfg.ram_size = 64ull << 20;
	cfg.kernel = kernel;
	cfg.testdev = true;
	cfg.nr_disks = 1;
	cfg.disks[0].path = disk;
	cfg.rng = true;
	cfg.console = VM_CONSOLE_VIRTIO;
}

static struct vm *rt_create(void)
{
	char err[VM_MSG_LEN];
	struct vm *vm;
	int ret;

	ret = vm_create(&cfg, &vm, err, sizeof(err));
	/* Only the host's KVM may be missing; emu is cvisor's own. */
	if (ret && cfg.accel == HV_ACCEL_KVM && strstr(err, "kvm backend"))
		check_skip("%s", err);
	CHECK(!ret, "vm_create: %s", err);
	return vm;
}

static bool section_is_vcpu(const char *name)
{
	return !strncmp(name, "vcpu", 4);
}

static void compare_vcpu(const struct comp_section *a,
			 const struct comp_section *b)
{
	struct vcpu_state *sa = calloc(1, sizeof(*sa));
	struct vcpu_state *sb = calloc(1, sizeof(*sb));
	enum vcpu_state_part bad;
	struct sbuf r;

	CHECK(sa && sb);
	sbuf_reader(&r, a->data, a->len);
	CHECK_OK(vcpu_state_load(sa, &r));
	CHECK_EQ(sbuf_remaining(&r), 0);
	sbuf_reader(&r, b->data, b->len);
	CHECK_OK(vcpu_state_load(sb, &r));
	EXPECT(vcpu_state_equal(sa, sb, &bad), "%s: %s differs after the round trip",
	       a->name, vcpu_state_part_name(bad));
	/* Parts present: at least the architectural registers. */
	EXPECT(sa->have & (1u << VS_REGS) && sa->have & (1u << VS_SREGS) &&
	       sa->have & (1u << VS_EVENTS) && sa->have & (1u << VS_MP),
	       "%s: parts 0x%x", a->name, sa->have);
	vcpu_state_release(sa);
	vcpu_state_release(sb);
	free(sa);
	free(sb);
}

/*
 * "clock" (clock_state.c) holds running clocks: the layout must match,
 * kvmclock must not go back, and the vCPUs' TSCs must keep the offsets
 * between them (within 5M ticks: a few ms of host preemption).
 */
static void compare_clock(const struct comp_section *a,
			  const struct comp_section *b)
{
	uint64_t ka = 0, kb = 0, t0a = 0, t0b = 0, ta, tb;
	uint32_t fa, fb, na, nb, i;
	struct sbuf ra, rb;

	sbuf_reader(&ra, a->data, a->len);
	sbuf_reader(&rb, b->data, b->len);
	fa = sbuf_get_u32(&ra);
	fb = sbuf_get_u32(&rb);
	CHECK_EQ(fa, fb);
	if (fa & 1) {
		ka = sbuf_get_u64(&ra);
		kb = sbuf_get_u64(&rb);
		sbuf_get_u32(&ra);
		sbuf_get_u32(&rb);
		EXPECT(kb >= ka, "clock: kvmclock went back from %llu to %llu",
		       (unsigned long long)ka, (unsigned long long)kb);
	}
	na = sbuf_get_u32(&ra);
	nb = sbuf_get_u32(&rb);
	CHECK_EQ(na, nb);
	for (i = 0; i < na; i++) {
		ta = sbuf_get_u64(&ra);
		tb = sbuf_get_u64(&rb);
		if (!i) {
			t0a = ta;
			t0b = tb;
			continue;
		}
		EXPECT(llabs((long long)((ta - t0a) - (tb - t0b))) < 5000000,
		       "clock: vCPU %u's TSC offset to vCPU 0 went from %lld to %lld",
		       i, (long long)(ta - t0a), (long long)(tb - t0b));
	}
	CHECK(!sbuf_error(&ra) && !sbuf_error(&rb) && !sbuf_remaining(&ra) &&
	      !sbuf_remaining(&rb), "clock: malformed section");
}

static void compare_images(const struct comp_image *a,
			   const struct comp_image *b)
{
	unsigned int i;
	size_t j;

	CHECK_EQ(a->nr, b->nr);
	for (i = 0; i < a->nr; i++) {
		const struct comp_section *x = &a->sec[i], *y = &b->sec[i];

		CHECK(!strcmp(x->name, y->name), "section %u: %s vs %s", i,
		      x->name, y->name);
		CHECK_EQ(x->version, y->version);
		if (section_is_vcpu(x->name)) {
			compare_vcpu(x, y);
			continue;
		}
		if (!strcmp(x->name, "clock")) {
			compare_clock(x, y);
			continue;
		}
		if (x->len != y->len) {
			EXPECT(0, "%s: %zu bytes, then %zu", x->name, x->len,
			       y->len);
			continue;
		}
		for (j = 0; j < x->len && x->data[j] == y->data[j]; j++)
			;
		EXPECT(j == x->len, "%s: byte %zu differs (0x%02x, then 0x%02x)",
		       x->name, j, x->data[j], y->data[j]);
	}
}

static void expect_section(const struct comp_image *img, const char *name)
{
	EXPECT(comp_image_find(img, name), "no \"%s\" section", name);
}

/*
 * The guest must have moved @name away from a fresh VM's state: proves
 * that devstate reached it and that the load above really applied it.
 */
static void expect_changed(const struct comp_image *fresh,
			   const struct comp_image *ran, const char *name)
{
	const struct comp_section *a = comp_image_find(fresh, name);
	const struct comp_section *b = comp_image_find(ran, name);

	if (!a || !b)
		return;		/* expect_section() reports it */
	EXPECT(a->len != b->len || memcmp(a->data, b->data, a->len),
	       "%s: the guest left it in its reset state", name);
}

static void expect_same(const struct comp_image *a,
			const struct comp_image *b, const char *name)
{
	const struct comp_section *x = comp_image_find(a, name);
	const struct comp_section *y = comp_image_find(b, name);
	size_t j;

	if (!x || !y)
		return;
	if (section_is_vcpu(name)) {
		compare_vcpu(x, y);
		return;
	}
	if (x->len != y->len) {
		EXPECT(0, "%s: %zu bytes after a reset, %zu at power-on", name,
		       y->len, x->len);
		return;
	}
	for (j = 0; j < x->len && x->data[j] == y->data[j]; j++)
		;
	EXPECT(j == x->len,
	       "%s: not back to its power-on state after a reset (byte %zu: 0x%02x, power-on 0x%02x)",
	       name, j, y->data[j], x->data[j]);
}

/* Load a copy of @img with section @i replaced by @len bytes of @data. */
static void load_bad(const struct comp_image *img, unsigned int i,
		     const uint8_t *data, size_t len, const char *what)
{
	struct comp_image bad;
	char err[256] = "", want[64];
	unsigned int k;
	struct vm *vm;
	int ret;

	comp_image_init(&bad);
	for (k = 0; k < img->nr; k++) {
		const struct comp_section *s = &img->sec[k];

		CHECK_OK(comp_image_put(&bad, s->name, s->version,
					k == i ? data : s->data,
					k == i ? len : s->len));
	}
	vm = rt_create();
	ret = vm_components_load(vm, comp_image_get, &bad, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: ", img->sec[i].name);
	EXPECT(ret < 0 && !strncmp(err, want, strlen(want)),
	       "%s %s: load returned %d, \"%s\"", what, img->sec[i].name, ret,
	       err);
	vm_destroy(vm);
	comp_image_release(&bad);
}

int main(void)
{
	struct comp_image img0, img1, img2, img3;
	char err[VM_MSG_LEN] = "";
	unsigned int i;
	size_t total = 0;
	struct vm *vm;
	uint8_t *longer;
	int status;

	rt_config();

	/* 0. A fresh VM's state, for expect_changed(). */
	vm = rt_create();
	comp_image_init(&img0);
	CHECK(!vm_components_save(vm, comp_image_put, &img0, err, sizeof(err)),
	      "save: %s", err);
	vm_destroy(vm);

	/* 1. Run the guest, save. */
	vm = rt_create();
	status = vm_run(vm, err, sizeof(err));
	if (status == VM_EXIT_FAILURE && cfg.accel == HV_ACCEL_KVM &&
	    strstr(err, "emulation failure"))
		check_skip("host KVM cannot emulate an instruction of this guest: %s",
			   err);
	CHECK_EQ(status, 1);	/* the guest passed: (0 << 1) | 1 */
	comp_image_init(&img1);
	CHECK(!vm_components_save(vm, comp_image_put, &img1, err, sizeof(err)),
	      "save: %s", err);
	expect_section(&img1, "vcpu0");
	expect_section(&img1, "vcpu1");
	expect_section(&img1, "clock");
	if (hv_check_cap(vm->hv, HV_CAP_IRQCHIP) > 0)
		expect_section(&img1, "irqchip");
	if (hv_check_cap(vm->hv, HV_CAP_PIT) > 0)
		expect_section(&img1, "pit");
	for (i = 0; i < ARRAY_SIZE(device_sections); i++)
		expect_section(&img1, device_sections[i]);
	vm_destroy(vm);

	/* 2. Load into a fresh VM, save again, compare. */
	vm = rt_create();
	CHECK(!vm_components_load(vm, comp_image_get, &img1, err, sizeof(err)),
	      "load: %s", err);
	comp_image_init(&img2);
	CHECK(!vm_components_save(vm, comp_image_put, &img2, err, sizeof(err)),
	      "save after load: %s", err);

	/* 2b. System reset brings the components back to power-on state. */
	vm_components_reset(vm);
	CHECK(!vm_stopping(vm), "reset failed: %s", vm->fail_msg);
	comp_image_init(&img3);
	CHECK(!vm_components_save(vm, comp_image_put, &img3, err, sizeof(err)),
	      "save after reset: %s", err);
	vm_destroy(vm);
	for (i = 0; i < ARRAY_SIZE(reset_to_fresh); i++)
		expect_same(&img0, &img3, reset_to_fresh[i]);
	compare_images(&img1, &img2);
	expect_changed(&img0, &img1, "vcpu0");
	expect_changed(&img0, &img1, "pit");
	for (i = 0; i < ARRAY_SIZE(guest_changed); i++)
		expect_changed(&img0, &img1, guest_changed[i]);

	/* 3. Malformed sections: named, clean failures. */
	for (i = 0; i < img1.nr; i++) {
		const struct comp_section *s = &img1.sec[i];

		total += s->len;
		printf("  %-14s v%u %6zu bytes\n", s->name, s->version, s->len);
		if (s->len)
			load_bad(&img1, i, s->data, s->len - 1, "truncated");
		longer = calloc(1, s->len + 1);
		CHECK(longer);
		if (s->len)
			memcpy(longer, s->data, s->len);
		load_bad(&img1, i, longer, s->len + 1, "extended");
		free(longer);
	}
	printf("%u sections, %zu bytes: round trip %s\n", img1.nr, total,
	       check_failures ? "FAILED" : "identical");
	comp_image_release(&img0);
	comp_image_release(&img1);
	comp_image_release(&img2);
	comp_image_release(&img3);
	unlink(disk);
	return check_status();
}
