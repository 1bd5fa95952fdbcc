// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_devs.c - the virtio-pci devices the command line asks for
 * (--disk, --net, --rng, --console virtio), wired to the event loop.
 *
 * Queue notifications: every queue has an eventfd (owned by src/virtio,
 * watched by the event loop, which runs the device).  When the backend
 * can, the queue's notify address is bound to it with devsvc_ioeventfd(),
 * re-bound whenever the guest moves BAR 0 (pci_dev_set_bar_listener());
 * otherwise, or for accesses the binding does not match, the MMIO write
 * reaches virtio_pci, which signals the same eventfd.  Either way the
 * device back end never runs on a vCPU thread.
 *
 * Interrupts leave through the PCI host (devices/pci_host.c): MSI-X by
 * an MSI route's eventfd or devsvc_msi_send, INTx as GSI levels.
 *
 * PCI order: disks in command-line order, then net, rng, console.
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "devices/devices.h"
#include "virtio/virtio_pci.h"
#include "vmm/config.h"
#include "vmm/devsvc.h"

#define VDEVS_MAX	(VM_MAX_DISKS + 3)
#define CTRL_A		0x01

struct vdev_kick {
	struct virtio_pci *vp;
	unsigned int q;
};

struct vdevs;

struct vdev_slot {
	struct vdevs *vd;
	struct virtio_pci *vp;
	const char *type;		/* "virtio-blk" */
	unsigned int nr_queues;
	struct vdev_kick *kicks;
	/* ioeventfd bindings (pci_bus.lock held when they change). */
	bool *bound;
	uint64_t bound_addr;
};

struct vdevs {
	struct devsvc *svc;
	struct log_sink log;		/* the devices' driver-error lines */
	unsigned int nr;
	struct vdev_slot dev[VDEVS_MAX];
	/* --console virtio: stdin state. */
	bool in_tty, escape;
	int in_fd;
};

/*
 * DMA window.  devsvc_dma_map() reports a range the device may write to
 * the backend, so that a backend caching decoded guest code (emu) drops
 * it: the report comes before the write, which is enough because the
 * guest does not run code in a buffer it handed to the device until the
 * device returns it, and a decode after the report sees the new bytes or
 * faults them in again.  A running migration resends it, too.
 */
static void *vdevs_translate(void *opaque, uint64_t gpa, uint64_t len,
			     bool write)
{
	struct vdevs *vd = opaque;

	return devsvc_dma_map(vd->svc, gpa, len, write);
}

static const struct guest_mem_ops vdevs_mem_ops = {
	.translate = vdevs_translate,
};

/* ------------------------------------------------------------ ioeventfd */

/* BAR 0 of the device moved: follow it with the bindings. */
static void vdevs_bar_moved(void *opaque, struct pci_bar *bar,
			    bool old_mapped, uint64_t old_addr, bool map)
{
	struct vdev_slot *s = opaque;
	struct devsvc *svc = s->vd->svc;
	unsigned int q;

	if (bar->index != VIRTIO_PCI_BAR)
		return;
	for (q = 0; q < s->nr_queues; q++) {
		int fd = virtio_pci_kick_fd(s->vp, q);

		if (s->bound[q]) {
			devsvc_ioeventfd(svc, s->bound_addr +
					 virtio_pci_notify_offset(q), fd,
					 false);
			s->bound[q] = false;
		}
		/*
		 * A failed binding (or a backend without ioeventfds) just
		 * leaves the MMIO path to signal.
		 */
		if (map)
			s->bound[q] = !devsvc_ioeventfd(svc, bar->addr +
					virtio_pci_notify_offset(q), fd, true);
	}
	s->bound_addr = bar->addr;
}

/* ----------------------------------------------------------- event loop */

static void vdevs_kick(void *opaque, int fd, uint32_t events)
{
	struct vdev_kick *k = opaque;

	virtio_pci_handle_kick(k->vp, k->q);
}

static void vdevs_host(void *opaque, int fd, uint32_t events)
{
	virtio_pci_host_event(opaque);
}

/* The devices' driver-error lines, under the device service's name. */
static void vdevs_log(void *opaque, enum log_level level, const char *subsys,
		      const char *msg)
{
	struct vdevs *vd = opaque;

	devsvc_log(vd->svc, level, "%s", msg);
}

/* ------------------------------------------------------ console on stdio */

static ssize_t vcons_write(void *opaque, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(STDOUT_FILENO, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* a closed stdout loses output, not the VM */
		done += (size_t)n;
	}
	return (ssize_t)len;
}

/* Non-blocking: stdin is shared with the terminal, so poll, not O_NONBLOCK. */
static ssize_t vcons_read(void *opaque, void *buf, size_t len)
{
	struct vdevs *vd = opaque;
	struct pollfd pfd = { .fd = vd->in_fd, .events = POLLIN };
	uint8_t *p = buf;
	ssize_t n, i, o = 0;

	if (vd->in_fd < 0 || poll(&pfd, 1, 0) <= 0 ||
	    !(pfd.revents & (POLLIN | POLLHUP)))
		return 0;
	n = read(vd->in_fd, buf, len);
	if (n <= 0)
		return 0;
	if (!vd->in_tty)
		return n;
	/* Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A (as for COM1). */
	for (i = 0; i < n; i++) {
		if (vd->escape) {
			vd->escape = false;
			if (p[i] == 'x' || p[i] == 'X') {
				devsvc_vm_stop(vd->svc, 0);
				return o;
			}
			if (p[i] != CTRL_A)
				continue;
		} else if (p[i] == CTRL_A) {
			vd->escape = true;
			continue;
		}
		p[o++] = p[i];
	}
	return o;
}

/* ------------------------------------------------------------ lifecycle */

static void vdev_comp_reset(void *opaque)
{
	struct vdev_slot *s = opaque;

	virtio_pci_reset(s->vp);
}

/* Version 1: virtio_pci_save()'s layout (virtio_pci_state.c). */
static int vdev_comp_save(void *opaque, struct sbuf *out)
{
	struct vdev_slot *s = opaque;

	virtio_pci_save(s->vp, out);
	return 0;
}

static int vdev_comp_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct vdev_slot *s = opaque;

	return virtio_pci_load(s->vp, in);
}

static const struct component_ops vdev_comp_ops = {
	.version = 1,
	.reset = vdev_comp_reset,
	.save = vdev_comp_save,
	.load = vdev_comp_load,
};

/* "virtio-blk0", "virtio-blk1", ...: the n-th device of its type. */
static int vdevs_register(struct vdevs *vd, struct vdev_slot *s,
			  const char *type)
{
	char name[COMP_NAME_MAX];
	unsigned int i, n = 0;

	for (i = 0; i < vd->nr - 1; i++)
		if (!strcmp(vd->dev[i].type, type))
			n++;
	s->type = type;
	snprintf(name, sizeof(name), "%s%u", type, n);
	return devsvc_component(vd->svc, name, COMP_STAGE_VIRTIO,
				&vdev_comp_ops, s);
}

static int vdevs_add(struct vdevs *vd, const char *type,
		     const struct virtio_dev_args *args, char *err,
		     size_t err_len)
{
	struct vdev_slot *s = &vd->dev[vd->nr];
	struct virtio_dev_args a = *args;
	unsigned int q;
	int ret, fd;

	a.log = &vd->log;
	ret = virtio_pci_create(type, NULL, -1, &vdevs_mem_ops, vd, &a,
				&s->vp, err, err_len);
	if (ret) {
		s->vp = NULL;
		return ret;
	}
	s->vd = vd;
	vd->nr++;
	ret = devsvc_pci_register(vd->svc, &s->vp->pci, -1);
	if (ret) {
		if (ret == -ENODEV)
			snprintf(err, err_len, "virtio: no PCI bus");
		else
			snprintf(err, err_len, "%s: no PCI slot: %s", type,
				 strerror(-ret));
		return ret;
	}
	virtio_pci_placed(s->vp);
	ret = vdevs_register(vd, s, type);
	if (ret)
		return ret;
	s->nr_queues = virtio_pci_nr_queues(s->vp);
	s->kicks = calloc(s->nr_queues, sizeof(*s->kicks));
	s->bound = calloc(s->nr_queues, sizeof(*s->bound));
	if (!s->kicks || !s->bound)
		return -ENOMEM;
	for (q = 0; q < s->nr_queues; q++) {
		s->kicks[q] = (struct vdev_kick){ .vp = s->vp, .q = q };
		ret = devsvc_fd_add(vd->svc, virtio_pci_kick_fd(s->vp, q),
				    EPOLLIN, vdevs_kick, &s->kicks[q]);
		if (ret)
			goto loop_err;
	}
	/* Edge triggered: the device drains the fd only while the guest
	 * has buffers, and retries by itself when new ones arrive. */
	fd = virtio_pci_host_fd(s->vp);
	if (fd >= 0) {
		ret = devsvc_fd_add(vd->svc, fd, EPOLLIN | EPOLLET, vdevs_host,
				    s->vp);
		if (ret)
			goto loop_err;
	}
	pci_dev_set_bar_listener(&s->vp->pci, vdevs_bar_moved, s);
	return 0;
loop_err:
	snprintf(err, err_len, "%s: event loop: %s", type, strerror(-ret));
	return ret;
}

static void vdevs_free(void *opaque)
{
	struct vdevs *vd = opaque;
	unsigned int i;

	for (i = 0; i < vd->nr; i++) {
		/* The VM is gone: its ioeventfd bindings went with it. */
		if (vd->dev[i].vp) {
			pci_dev_set_bar_listener(&vd->dev[i].vp->pci, NULL,
						 NULL);
			virtio_pci_destroy(vd->dev[i].vp);
		}
		free(vd->dev[i].kicks);
		free(vd->dev[i].bound);
	}
	free(vd);
}

static int vdevs_net_check(const char *tap, char *err, size_t err_len)
{
	/* TUNSETIFF would create a missing tap: only use an existing one. */
	if (strlen(tap) >= IFNAMSIZ || !if_nametoindex(tap)) {
		snprintf(err, err_len,
			 "--net tap=%s: no such network interface (create the tap device first)",
			 tap);
		return -ENODEV;
	}
	return 0;
}

int virtio_devs_init(struct devsvc *svc, const struct vm_config *cfg,
		     char *err, size_t err_len)
{
	struct virtio_dev_args args;
	struct vdevs *vd;
	unsigned int i;
	int ret;

	if (!cfg->nr_disks && !cfg->net_tap && !cfg->rng &&
	    cfg->console != VM_CONSOLE_VIRTIO)
		return 0;
	vd = calloc(1, sizeof(*vd));
	if (!vd)
		return -ENOMEM;
	vd->svc = svc;
	vd->in_fd = -1;
	ret = devsvc_cleanup(svc, vdevs_free, vd);
	if (ret) {
		free(vd);
		return ret;
	}
	vd->log = (struct log_sink){ vdevs_log, vd };

	for (i = 0; i < cfg->nr_disks; i++) {
		args = (struct virtio_dev_args){
			.path = cfg->disks[i].path,
			.readonly = cfg->disks[i].readonly,
			.tap_fd = -1,
		};
		ret = vdevs_add(vd, "virtio-blk", &args, err, err_len);
		if (ret)
			return ret;
	}
	if (cfg->net_tap) {
		ret = vdevs_net_check(cfg->net_tap, err, err_len);
		if (ret)
			return ret;
		args = (struct virtio_dev_args){
			.tap = cfg->net_tap,
			.tap_fd = -1,
			.mac = cfg->net_has_mac ? cfg->net_mac : NULL,
		};
		ret = vdevs_add(vd, "virtio-net", &args, err, err_len);
		if (ret)
			return ret;
	}
	if (cfg->rng) {
		args = (struct virtio_dev_args){ .tap_fd = -1 };
		ret = vdevs_add(vd, "virtio-rng", &args, err, err_len);
		if (ret)
			return ret;
	}
	if (cfg->console == VM_CONSOLE_VIRTIO) {
		args = (struct virtio_dev_args){
			.tap_fd = -1,
			.cons_opaque = vd,
			.cons_write = vcons_write,
			.cons_read = vcons_read,
		};
		ret = vdevs_add(vd, "virtio-console", &args, err, err_len);
		if (ret)
			return ret;
		/* stdin, if epoll can watch it (not /dev/null or a file). */
		if (!devsvc_fd_add(svc, STDIN_FILENO, EPOLLIN | EPOLLET,
				   vdevs_host, vd->dev[vd->nr - 1].vp)) {
			vd->in_fd = STDIN_FILENO;
			vd->in_tty = isatty(STDIN_FILENO);
		}
	}
	return 0;
}
