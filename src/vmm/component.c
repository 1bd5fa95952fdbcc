// SPDX-License-Identifier: GPL-2.0
/*
 * component.c - the per-VM component list and its walks (component.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/component.h"
#include "vmm/vm.h"

struct component {
	struct component *next;
	char name[COMP_NAME_MAX];
	enum comp_stage stage;
	const struct component_ops *ops;
	void *opaque;
	bool destroyed;
};

static bool comp_name_ok(const char *name)
{
	size_t i, n = name ? strlen(name) : 0;

	if (!n || n >= COMP_NAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

static struct component *comp_find(struct comp_list *l, const char *name)
{
	struct component *c;

	for (c = l->head; c; c = c->next)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static int comp_list_insert(struct comp_list *l, const char *name,
			    enum comp_stage stage,
			    const struct component_ops *ops, void *opaque,
			    struct component **out)
{
	struct component *c, **pp;

	if (!comp_name_ok(name) || (unsigned int)stage >= COMP_STAGE__COUNT ||
	    !ops || !ops->version || !ops->save || !ops->load)
		return -EINVAL;
	if (comp_find(l, name))
		return -EEXIST;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->stage = stage;
	c->ops = ops;
	c->opaque = opaque;
	for (pp = &l->head; *pp; pp = &(*pp)->next)
		;
	*pp = c;
	l->nr++;
	if (out)
		*out = c;
	return 0;
}

int comp_list_add(struct comp_list *l, const char *name, enum comp_stage stage,
		  const struct component_ops *ops, void *opaque)
{
	return comp_list_insert(l, name, stage, ops, opaque, NULL);
}

unsigned int comp_list_count(const struct comp_list *l)
{
	return l->nr;
}

static void comp_destroy_one(struct component *c)
{
	if (c->destroyed)
		return;
	c->destroyed = true;
	if (c->ops->destroy)
		c->ops->destroy(c->opaque);
}

/* Recursion depth is the number of components: a few dozen. */
static void comp_destroy_rev(struct component *c)
{
	if (!c)
		return;
	comp_destroy_rev(c->next);
	comp_destroy_one(c);
}

void comp_list_free(struct comp_list *l)
{
	struct component *c;

	while ((c = l->head)) {
		l->head = c->next;
		free(c);
	}
	l->nr = 0;
}

void comp_list_destroy(struct comp_list *l)
{
	comp_destroy_rev(l->head);
	comp_list_free(l);
}

/*
 * Walk in restore order: a pass per stage keeps registration order inside
 * a stage without sorting (lists are short).
 */
#define comp_for_each_ordered(l, st, c)					\
	for ((st) = 0; (st) < COMP_STAGE__COUNT; (st)++)		\
		for ((c) = (l)->head; (c); (c) = (c)->next)		\
			if ((c)->stage == (enum comp_stage)(st) &&	\
			    !(c)->destroyed)

void comp_list_reset(struct comp_list *l)
{
	struct component *c;
	unsigned int st;

	comp_for_each_ordered(l, st, c)
		if (c->ops->reset)
			c->ops->reset(c->opaque);
}

int comp_list_save(struct comp_list *l, comp_save_fn fn, void *opaque,
		   char *err, size_t err_len)
{
	struct component *c;
	struct sbuf b;
	unsigned int st;
	int ret = 0;

	comp_for_each_ordered(l, st, c) {
		sbuf_init(&b);
		ret = c->ops->save(c->opaque, &b);
		if (!ret)
			ret = sbuf_error(&b);
		if (ret) {
			snprintf(err, err_len, "%s: cannot save state: %s",
				 c->name, strerror(-ret));
			sbuf_release(&b);
			return ret;
		}
		ret = fn(opaque, c->name, c->ops->version, b.data, b.len);
		sbuf_release(&b);
		if (ret) {
			snprintf(err, err_len, "%s: cannot write state: %s",
				 c->name, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int comp_load_one(struct component *c, comp_load_fn fn, void *opaque,
			 char *err, size_t err_len)
{
	const uint8_t *data = NULL;
	uint32_t version = 0;
	size_t len = 0;
	struct sbuf b;
	int ret;

	ret = fn(opaque, c->name, &version, &data, &len);
	if (ret == -ENOENT) {
		snprintf(err, err_len, "%s: no state for it in the image",
			 c->name);
		return ret;
	}
	if (ret) {
		snprintf(err, err_len, "%s: cannot read state: %s", c->name,
			 strerror(-ret));
		return ret;
	}
	if (!version || version > c->ops->version) {
		snprintf(err, err_len,
			 "%s: state version %u, this cvisor reads 1 to %u",
			 c->name, version, c->ops->version);
		return -EPROTO;
	}
	sbuf_reader(&b, data, len);
	ret = c->ops->load(c->opaque, &b, version);
	if (!ret)
		ret = sbuf_error(&b);
	if (!ret && sbuf_remaining(&b)) {
		snprintf(err, err_len, "%s: malformed state (%zu bytes left over)",
			 c->name, sbuf_remaining(&b));
		return -EBADMSG;
	}
	if (ret == -EBADMSG)
		snprintf(err, err_len, "%s: malformed state (truncated)",
			 c->name);
	else if (ret)
		snprintf(err, err_len, "%s: cannot load state: %s", c->name,
			 strerror(-ret));
	return ret;
}

int comp_list_load(struct comp_list *l, comp_load_fn fn, void *opaque,
		   char *err, size_t err_len)
{
	struct component *c;
	unsigned int st;
	int ret;

	comp_for_each_ordered(l, st, c) {
		ret = comp_load_one(c, fn, opaque, err, err_len);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---------------------------------------------------------------- the VM */

static void vm_component_destroy(struct vm *vm, void *opaque)
{
	comp_destroy_one(opaque);
}

int vm_component_add(struct vm *vm, const char *name, enum comp_stage stage,
		     const struct component_ops *ops, void *opaque)
{
	struct component *c, **pp;
	int ret;

	ret = comp_list_insert(&vm->comps, name, stage, ops, opaque, &c);
	if (ret)
		return ret;
	/* One teardown list for components and plain cleanups. */
	ret = vm_add_cleanup(vm, vm_component_destroy, c);
	if (ret) {
		for (pp = &vm->comps.head; *pp != c; pp = &(*pp)->next)
			;
		*pp = c->next;
		vm->comps.nr--;
		free(c);
	}
	return ret;
}

void vm_components_reset(struct vm *vm)
{
	comp_list_reset(&vm->comps);
}

int vm_components_save(struct vm *vm, comp_save_fn fn, void *opaque,
		       char *err, size_t err_len)
{
	return comp_list_save(&vm->comps, fn, opaque, err, err_len);
}

int vm_components_load(struct vm *vm, comp_load_fn fn, void *opaque,
		       char *err, size_t err_len)
{
	return comp_list_load(&vm->comps, fn, opaque, err, err_len);
}

/* ---------------------------------------------------------------- images */

void comp_image_init(struct comp_image *img)
{
	memset(img, 0, sizeof(*img));
}

void comp_image_release(struct comp_image *img)
{
	unsigned int i;

	for (i = 0; i < img->nr; i++)
		free(img->sec[i].data);
	free(img->sec);
	memset(img, 0, sizeof(*img));
}

const struct comp_section *comp_image_find(const struct comp_image *img,
					   const char *name)
{
	unsigned int i;

	for (i = 0; i < img->nr; i++)
		if (!strcmp(img->sec[i].name, name))
			return &img->sec[i];
	return NULL;
}

int comp_image_put(void *opaque, const char *name, uint32_t version,
		   const uint8_t *data, size_t len)
{
	struct comp_image *img = opaque;
	struct comp_section *s;

	if (strlen(name) >= COMP_NAME_MAX)
		return -EINVAL;
	if (comp_image_find(img, name))
		return -EEXIST;
	if (img->nr == img->cap) {
		unsigned int cap = img->cap ? img->cap * 2 : 16;

		s = realloc(img->sec, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		img->sec = s;
		img->cap = cap;
	}
	s = &img->sec[img->nr];
	memset(s, 0, sizeof(*s));
	if (len) {
		s->data = malloc(len);
		if (!s->data)
			return -ENOMEM;
		memcpy(s->data, data, len);
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->version = version;
	s->len = len;
	img->nr++;
	return 0;
}

int comp_image_get(void *opaque, const char *name, uint32_t *version,
		   const uint8_t **data, size_t *len)
{
	const struct comp_section *s = comp_image_find(opaque, name);

	if (!s)
		return -ENOENT;
	*version = s->version;
	*data = s->data;
	*len = s->len;
	return 0;
}
