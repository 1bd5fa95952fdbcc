// SPDX-License-Identifier: GPL-2.0
/*
 * test_component.c - the component registry and its save/load buffer:
 * little-endian encoding, sticky errors on truncated input, restore-order
 * walks, name and version checks, refusal of malformed sections, and
 * reverse-order destroy.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/component.h"
#include "../check.h"

static void test_sbuf(void)
{
	static const uint8_t want[] = {
		0x11, 0x22, 0x11, 0x44, 0x33, 0x22, 0x11,
		0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 1, 'a', 'b',
	};
	struct sbuf w, r;
	uint8_t two[2];

	sbuf_init(&w);
	sbuf_put_u8(&w, 0x11);
	sbuf_put_u16(&w, 0x1122);
	sbuf_put_u32(&w, 0x11223344);
	sbuf_put_u64(&w, 0x1122334455667788ull);
	sbuf_put_bool(&w, true);
	sbuf_put_bytes(&w, "ab", 2);
	CHECK_EQ(sbuf_error(&w), 0);
	CHECK_EQ(w.len, sizeof(want));
	CHECK(!memcmp(w.data, want, sizeof(want)), "little-endian layout");

	sbuf_reader(&r, w.data, w.len);
	CHECK_EQ(sbuf_get_u8(&r), 0x11);
	CHECK_EQ(sbuf_get_u16(&r), 0x1122);
	CHECK_EQ(sbuf_get_u32(&r), 0x11223344);
	CHECK(sbuf_get_u64(&r) == 0x1122334455667788ull);
	CHECK(sbuf_get_bool(&r));
	sbuf_get_bytes(&r, two, 2);
	CHECK(!memcmp(two, "ab", 2));
	CHECK_EQ(sbuf_remaining(&r), 0);
	CHECK_EQ(sbuf_error(&r), 0);
	/* Past the end: zeros and a sticky error, never a read beyond. */
	CHECK_EQ(sbuf_get_u32(&r), 0);
	CHECK_EQ(sbuf_error(&r), -EBADMSG);

	/* Truncated in the middle of a field: the field reads as zero. */
	sbuf_reader(&r, w.data, 5);
	CHECK_EQ(sbuf_get_u8(&r), 0x11);
	CHECK_EQ(sbuf_get_u16(&r), 0x1122);
	CHECK_EQ(sbuf_get_u32(&r), 0);
	CHECK_EQ(sbuf_error(&r), -EBADMSG);
	CHECK_EQ(sbuf_get_u8(&r), 0);	/* sticky */

	/* A boolean is 0 or 1. */
	sbuf_reader(&r, "\x02", 1);
	sbuf_get_bool(&r);
	CHECK_EQ(sbuf_error(&r), -EINVAL);

	/* Writing to a reader is a bug, reported as such. */
	sbuf_reader(&r, w.data, w.len);
	sbuf_put_u8(&r, 1);
	CHECK_EQ(sbuf_error(&r), -EINVAL);
	sbuf_release(&w);

	/* An empty reader. */
	sbuf_reader(&r, NULL, 0);
	CHECK_EQ(sbuf_remaining(&r), 0);
	sbuf_get_u8(&r);
	CHECK_EQ(sbuf_error(&r), -EBADMSG);
}

/* A toy component: a counter and a tag, plus a log of calls. */
struct toy {
	const char *name;
	uint32_t value;
	uint16_t tag;
	char *log;		/* shared, appended to */
};

static void toy_log(struct toy *t, const char *what)
{
	strcat(t->log, what);
	strcat(t->log, ":");
	strcat(t->log, t->name);
	strcat(t->log, " ");
}

static void toy_reset(void *opaque)
{
	struct toy *t = opaque;

	t->value = 0;
	toy_log(t, "reset");
}

static int toy_save(void *opaque, struct sbuf *out)
{
	struct toy *t = opaque;

	sbuf_put_u32(out, t->value);
	sbuf_put_u16(out, t->tag);
	toy_log(t, "save");
	return 0;
}

/* Version 1 had no tag. */
static int toy_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct toy *t = opaque;
	uint32_t value = sbuf_get_u32(in);
	uint16_t tag = version >= 2 ? sbuf_get_u16(in) : 0;

	toy_log(t, "load");
	if (sbuf_error(in))
		return sbuf_error(in);
	if (value == 0xdeadbeef)	/* a value the toy refuses */
		return -EINVAL;
	t->value = value;
	t->tag = tag;
	return 0;
}

static void toy_destroy(void *opaque)
{
	toy_log(opaque, "destroy");
}

static const struct component_ops toy_ops = {
	.version = 2,
	.reset = toy_reset,
	.save = toy_save,
	.load = toy_load,
	.destroy = toy_destroy,
};

static void test_registry(void)
{
	static const struct component_ops bad_version = { .version = 0,
		.save = toy_save, .load = toy_load };
	struct toy dev = { "dev" }, cpu = { "cpu" }, pci = { "pci" };
	struct toy dev2 = { "dev2" }, cpu2 = { "cpu2" }, pci2 = { "pci2" };
	struct comp_image img, bad;
	struct comp_list l = { 0 }, l2 = { 0 };
	char log[512] = "", err[256];
	struct comp_section *s;

	dev.log = cpu.log = pci.log = log;
	dev2.log = cpu2.log = pci2.log = log;

	CHECK_ERRNO(comp_list_add(&l, "", COMP_STAGE_VCPU, &toy_ops, &cpu), EINVAL);
	CHECK_ERRNO(comp_list_add(&l, "Serial0", COMP_STAGE_VCPU, &toy_ops, &cpu), EINVAL);
	CHECK_ERRNO(comp_list_add(&l, "a-name-that-is-far-too-long-for-it",
				COMP_STAGE_VCPU, &toy_ops, &cpu), EINVAL);
	CHECK_ERRNO(comp_list_add(&l, "x", COMP_STAGE__COUNT, &toy_ops, &cpu), EINVAL);
	CHECK_ERRNO(comp_list_add(&l, "x", COMP_STAGE_VCPU, &bad_version, &cpu), EINVAL);

	/* Registered out of order: walks go by stage. */
	CHECK_OK(comp_list_add(&l, "dev", COMP_STAGE_PLATFORM, &toy_ops, &dev));
	CHECK_OK(comp_list_add(&l, "pci", COMP_STAGE_PCI, &toy_ops, &pci));
	CHECK_OK(comp_list_add(&l, "cpu", COMP_STAGE_VCPU, &toy_ops, &cpu));
	CHECK_ERRNO(comp_list_add(&l, "cpu", COMP_STAGE_VCPU, &toy_ops, &cpu), EEXIST);
	CHECK_EQ(comp_list_count(&l), 3);

	comp_list_reset(&l);
	CHECK(!strcmp(log, "reset:cpu reset:dev reset:pci "), "%s", log);

	cpu.value = 1; dev.value = 2; pci.value = 3; pci.tag = 0x55;
	comp_image_init(&img);
	log[0] = '\0';
	CHECK_OK(comp_list_save(&l, comp_image_put, &img, err, sizeof(err)));
	CHECK(!strcmp(log, "save:cpu save:dev save:pci "), "%s", log);
	CHECK_EQ(img.nr, 3);
	CHECK(!strcmp(img.sec[0].name, "cpu") && !strcmp(img.sec[2].name, "pci"));
	CHECK_EQ(img.sec[2].version, 2);
	CHECK_EQ(img.sec[2].len, 6);

	/* Into a fresh set of instances, registered in another order. */
	CHECK_OK(comp_list_add(&l2, "pci", COMP_STAGE_PCI, &toy_ops, &pci2));
	CHECK_OK(comp_list_add(&l2, "cpu", COMP_STAGE_VCPU, &toy_ops, &cpu2));
	CHECK_OK(comp_list_add(&l2, "dev", COMP_STAGE_PLATFORM, &toy_ops, &dev2));
	log[0] = '\0';
	CHECK_OK(comp_list_load(&l2, comp_image_get, &img, err, sizeof(err)));
	CHECK(!strcmp(log, "load:cpu2 load:dev2 load:pci2 "), "%s", log);
	CHECK(cpu2.value == 1 && dev2.value == 2 && pci2.value == 3 &&
	      pci2.tag == 0x55);

	/* An older layout is still read. */
	s = (struct comp_section *)comp_image_find(&img, "pci");
	s->version = 1;
	s->len = 4;
	pci2.tag = 7;
	CHECK_OK(comp_list_load(&l2, comp_image_get, &img, err, sizeof(err)));
	CHECK_EQ(pci2.tag, 0);

	/* A newer one, or version 0, is refused before load() sees it. */
	s->version = 3;
	log[0] = '\0';
	CHECK_ERRNO(comp_list_load(&l2, comp_image_get, &img, err, sizeof(err)), EPROTO);
	CHECK(strstr(err, "pci: state version 3"), "%s", err);
	CHECK(!strstr(log, "load:pci2"), "%s", log);
	s->version = 0;
	CHECK_ERRNO(comp_list_load(&l2, comp_image_get, &img, err, sizeof(err)), EPROTO);

	/* Trailing bytes and truncation are malformed sections. */
	s->version = 2;
	s->len = 5;
	CHECK_ERRNO(comp_list_load(&l2, comp_image_get, &img, err, sizeof(err)), EBADMSG);
	CHECK(strstr(err, "pci: malformed state (truncated)"), "%s", err);
	s->version = 1;
	CHECK_ERRNO(comp_list_load(&l2, comp_image_get, &img, err, sizeof(err)), EBADMSG);
	CHECK(strstr(err, "pci: malformed state (1 bytes left over)"), "%s", err);
	s->version = 2;
	s->len = 6;

	/* A value the component refuses: its error, named. */
	s->data[0] = 0xef; s->data[1] = 0xbe; s->data[2] = 0xad; s->data[3] = 0xde;
	CHECK_ERRNO(comp_list_load(&l2, comp_image_get, &img, err, sizeof(err)), EINVAL);
	CHECK(strstr(err, "pci: cannot load state"), "%s", err);

	/* A section missing from the image. */
	comp_image_init(&bad);
	CHECK_OK(comp_image_put(&bad, "cpu", 2, img.sec[0].data, img.sec[0].len));
	CHECK_ERRNO(comp_image_put(&bad, "cpu", 2, NULL, 0), EEXIST);
	CHECK_ERRNO(comp_list_load(&l2, comp_image_get, &bad, err, sizeof(err)), ENOENT);
	CHECK(strstr(err, "dev: no state for it in the image"), "%s", err);
	comp_image_release(&bad);
	comp_image_release(&img);

	/* Destroy: reverse registration order. */
	log[0] = '\0';
	comp_list_destroy(&l);
	CHECK(!strcmp(log, "destroy:cpu destroy:pci destroy:dev "), "%s", log);
	CHECK_EQ(comp_list_count(&l), 0);
	comp_list_destroy(&l2);
}

int main(void)
{
	test_sbuf();
	test_registry();
	printf("component registry: ok\n");
	return check_status();
}
