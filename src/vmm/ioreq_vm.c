// SPDX-License-Identifier: GPL-2.0
/*
 * ioreq_vm.c - glue between the VM and its ioreq host: the host's hooks
 * (stop the VM, ISA IRQ levels, MSIs, device writes to guest RAM), the
 * control socket's place, spawning cvisor-dm processes and reaping them.
 *
 * Spawned device models get stdin from /dev/null (the guest console owns
 * ours), the socket path in their arguments and CVISOR_DM_SOCKET, and are
 * our children: at vm_destroy() the host closes their connections, which
 * makes them exit; one that does not within a grace period is killed.
 *
 * Snapshots and migration: each spawned device model is component "dmN"
 * (N its index among --device-model).  Its section is the opaque state
 * blob the device model hands over on its state channel (ioreq_abi.h,
 * CVDM_STATE_*); a restore spawns the same device models from the
 * machine record and gives each its blob back.  A device model without a
 * state channel, or one connected by hand to --ioreq-socket, makes the
 * save fail with a message naming it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmm/devsvc_vm.h"
#include "vmm/ioreq_vm.h"
#include "vmm/vm.h"

#define DM_START_TIMEOUT_MS	30000
#define DM_EXIT_GRACE_MS	2000
/* A save or load of one device model's state; the VM is paused meanwhile. */
#define DM_STATE_TIMEOUT_MS	10000

extern char **environ;

struct vm_ioreq;

/* One spawned device model as a snapshot component. */
struct vm_dm {
	struct vm_ioreq *vi;
	unsigned int index;
	char *spec;		/* our copy: outlives a restore's config */
	int state_fd;		/* its state channel, or -1 (under vi->lock) */
};

struct vm_ioreq {
	struct vm *vm;
	char dir[64];		/* our private socket directory, or "" */
	char path[108];
	pid_t pids[VM_MAX_DEVICE_MODELS];
	unsigned int nr_pids;
	struct vm_dm dms[VM_MAX_DEVICE_MODELS];
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int running;
};

static void vmio_fail(void *opaque, const char *msg)
{
	struct vm_ioreq *vi = opaque;

	vm_fail(vi->vm, "%s", msg);
}

/* ISA IRQ n is GSI n, except the PIT's IRQ 0 (GSI 2, the MADT override). */
static int vmio_isa_irq(void *opaque, unsigned int irq, unsigned int level)
{
	struct vm_ioreq *vi = opaque;

	return vm_irq_line(vi->vm, irq ? irq : 2, (int)level);
}

/* The device model's function at 00:@dev.0 drives INTA-D. */
static int vmio_pci_intx(void *opaque, unsigned int dev, unsigned int intx,
			 unsigned int level)
{
	struct vm_ioreq *vi = opaque;
	struct pci_bus *pci = devsvc_vm_pci(vi->vm);

	if (!pci)
		return -ENODEV;
	return pci_bus_intx_external(pci, dev, intx + 1, level != 0);
}

/* Control thread: a spawned device model opened its state channel. */
static void vmio_state_channel(void *opaque, int pid, int fd)
{
	struct vm_ioreq *vi = opaque;
	unsigned int i;

	pthread_mutex_lock(&vi->lock);
	for (i = 0; i < vi->nr_pids; i++) {
		if (vi->pids[i] == pid && vi->dms[i].state_fd < 0) {
			vi->dms[i].state_fd = fd;
			fd = -1;
			break;
		}
	}
	pthread_mutex_unlock(&vi->lock);
	/* Not one of ours: check_save names such device models. */
	if (fd >= 0)
		close(fd);
}

static int vmio_msi(void *opaque, uint64_t addr, uint32_t data)
{
	struct vm_ioreq *vi = opaque;

	return vm_signal_msi(vi->vm, addr, data);
}

static int vmio_modified(void *opaque, uint64_t gpa, uint64_t len)
{
	struct vm_ioreq *vi = opaque;

	/* Only guest RAM, one region: a huge range is refused, not walked. */
	if (!guest_mem_ptr(&vi->vm->mem, gpa, len))
		return -EINVAL;
	hv_vm_memory_written(vi->vm->hv_vm, gpa, len);
	/* What Xen's log-dirty does for this DMOP: a migration resends it. */
	guest_mem_mark_dirty(&vi->vm->mem, gpa, len);
	return 0;
}

static void vmio_shutdown(void *opaque, unsigned int status)
{
	struct vm_ioreq *vi = opaque;

	vm_stop(vi->vm, (int)status);
}

static void vmio_running(void *opaque, int pid)
{
	struct vm_ioreq *vi = opaque;

	pthread_mutex_lock(&vi->lock);
	vi->running++;
	pthread_cond_broadcast(&vi->cond);
	pthread_mutex_unlock(&vi->lock);
}

static const struct ioreq_host_ops vmio_ops = {
	.fail = vmio_fail,
	.isa_irq_level = vmio_isa_irq,
	.pci_intx_level = vmio_pci_intx,
	.state_channel = vmio_state_channel,
	.inject_msi = vmio_msi,
	.modified_memory = vmio_modified,
	.remote_shutdown = vmio_shutdown,
	.client_running = vmio_running,
};

bool vm_ioreq_access(struct vm *vm, const struct bus_ctx *ctx, uint8_t type,
		     uint64_t addr, uint8_t *data, unsigned int len,
		     bool is_write)
{
	struct ioreq_access a = {
		.type = type, .addr = addr, .size = len, .count = 1,
		.write = is_write,
	};
	int ret;

	if (!ioreq_host_active(vm->ioreq) || !ctx || !ctx->vcpu)
		return false;
	if (is_write)
		a.data = bus_get_le(data, len);
	ret = ioreq_send(vm->ioreq, ctx->vcpu_id, &a);
	if (!ret)
		return false;
	if (!is_write) {
		if (ret > 0)
			bus_put_le(data, len, a.data);
		else
			memset(data, 0xff, len);
	}
	return true;
}

void vm_ioreq_invalidate(struct vm *vm, unsigned int vcpu)
{
	if (ioreq_host_active(vm->ioreq) &&
	    ioreq_broadcast_invalidate(vm->ioreq, vcpu))
		vm_log(vm, LOG_LEVEL_WARN,
		       "a device model did not take a mapcache invalidation");
}

void vm_ioreq_map_changed(struct vm *vm)
{
	atomic_fetch_add(&vm->ioreq_map_changes, 1);
}

void vm_ioreq_exit_done(struct vm *vm, unsigned int vcpu)
{
	unsigned int n;

	if (!atomic_load_explicit(&vm->ioreq_map_changes,
				  memory_order_relaxed))
		return;
	/* Each change is one INVALIDATE, whichever vCPU takes it. */
	n = atomic_exchange(&vm->ioreq_map_changes, 0);
	while (n--)
		vm_ioreq_invalidate(vm, vcpu);
}

void vm_ioreq_timeoffset(struct vm *vm, int64_t delta)
{
	/* A full ring drops the notice: the time is the RTC's, not theirs. */
	if (ioreq_host_active(vm->ioreq))
		ioreq_broadcast_timeoffset(vm->ioreq, delta);
}

bool vm_device_model_replaces(const struct vm_config *cfg, const char *name)
{
	size_t n = strlen(name);
	unsigned int i;

	for (i = 0; i < cfg->nr_device_models; i++)
		if (!strncmp(cfg->device_models[i], name, n) &&
		    (cfg->device_models[i][n] == '\0' ||
		     cfg->device_models[i][n] == ','))
			return true;
	return false;
}

static uint64_t ms_now(void)
{
	return vm_now_ns() / 1000000ull;
}

/* Reap children that exited; returns how many exited, and their status. */
static unsigned int reap(struct vm_ioreq *vi, int *status)
{
	unsigned int i, n = 0;

	for (i = 0; i < vi->nr_pids; i++) {
		if (vi->pids[i] <= 0)
			continue;
		if (waitpid(vi->pids[i], status, WNOHANG) == vi->pids[i]) {
			vi->pids[i] = -1;
			n++;
		}
	}
	return n;
}

static void vm_ioreq_free(struct vm *vm, void *opaque)
{
	struct vm_ioreq *vi = opaque;
	uint64_t deadline;
	unsigned int i, left;
	int st;

	/* Closing the connections tells the device models to exit. */
	ioreq_host_destroy(vm->ioreq);
	vm->ioreq = NULL;
	vm->ioreq_vi = NULL;
	deadline = ms_now() + DM_EXIT_GRACE_MS;
	for (;;) {
		reap(vi, &st);
		for (i = 0, left = 0; i < vi->nr_pids; i++)
			left += vi->pids[i] > 0;
		if (!left || ms_now() > deadline)
			break;
		usleep(2000);
	}
	for (i = 0; i < vi->nr_pids; i++) {
		if (vi->pids[i] <= 0)
			continue;
		kill(vi->pids[i], SIGKILL);
		waitpid(vi->pids[i], &st, 0);
	}
	if (vi->dir[0]) {
		unlink(vi->path);
		rmdir(vi->dir);
	}
	for (i = 0; i < VM_MAX_DEVICE_MODELS; i++) {
		if (vi->dms[i].state_fd >= 0)
			close(vi->dms[i].state_fd);
		free(vi->dms[i].spec);
	}
	pthread_mutex_destroy(&vi->lock);
	pthread_cond_destroy(&vi->cond);
	free(vi);
}

/* cvisor-dm: CVISOR_DM, else next to our own executable. */
static int dm_binary(char *out, size_t len)
{
	const char *env = getenv("CVISOR_DM");
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env) {
		snprintf(out, len, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -errno;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	if ((size_t)snprintf(out, len, "%s/cvisor-dm", self) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int dm_spawn(struct vm_ioreq *vi, const char *bin, const char *spec,
		    unsigned int index, char *err, size_t err_len)
{
	posix_spawn_file_actions_t fa;
	char slot[16];
	char *argv[] = {
		(char *)"cvisor-dm", (char *)"--socket", vi->path,
		(char *)"--slot", slot, (char *)spec, NULL, NULL,
	};
	pid_t pid;
	int ret;

	snprintf(slot, sizeof(slot), "%u", VM_DM_FIRST_SLOT + index);
	if (vi->vm->cfg.verbose) {
		argv[5] = (char *)"--verbose";
		argv[6] = (char *)spec;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
					 O_RDONLY, 0);
	/* Recorded before the child can open its state channel. */
	pthread_mutex_lock(&vi->lock);
	ret = posix_spawn(&pid, bin, &fa, NULL, argv, environ);
	if (!ret)
		vi->pids[vi->nr_pids++] = pid;
	pthread_mutex_unlock(&vi->lock);
	posix_spawn_file_actions_destroy(&fa);
	if (ret) {
		snprintf(err, err_len, "cannot start the device model %s: %s",
			 bin, strerror(ret));
		return -ret;
	}
	return 0;
}

/* Until every device model is running, one exits, or the time is up. */
static int dm_wait(struct vm_ioreq *vi, unsigned int want, char *err,
		   size_t err_len)
{
	uint64_t deadline = ms_now() + DM_START_TIMEOUT_MS;
	struct timespec ts;
	int st = 0, ret = 0;

	pthread_mutex_lock(&vi->lock);
	while (vi->running < want) {
		if (reap(vi, &st)) {
			snprintf(err, err_len,
				 "a device model exited before it was running (%s %d)",
				 WIFSIGNALED(st) ? "signal" : "status",
				 WIFSIGNALED(st) ? WTERMSIG(st) :
				 WEXITSTATUS(st));
			ret = -ECHILD;
			break;
		}
		if (ms_now() > deadline) {
			snprintf(err, err_len,
				 "%u of %u device models running after %u s",
				 vi->running, want, DM_START_TIMEOUT_MS / 1000);
			ret = -ETIMEDOUT;
			break;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&vi->cond, &vi->lock, &ts);
	}
	pthread_mutex_unlock(&vi->lock);
	return ret;
}

/* ------------------------------------------------- state for snapshots */

/*
 * One request on @d's state channel with @memfd attached, and its answer
 * in @m.  The device model is untrusted: the wait is bounded and the
 * answer checked.  Event loop thread (component save/load).
 */
static int dm_state_call(struct vm_dm *d, struct cvdm_state_msg *m, int memfd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct pollfd p = { .events = POLLIN };
	uint32_t op = m->op;
	struct cmsghdr *cm;
	ssize_t n;
	int fd, r;

	pthread_mutex_lock(&d->vi->lock);
	fd = d->state_fd;
	pthread_mutex_unlock(&d->vi->lock);
	if (fd < 0)
		return -EOPNOTSUPP;
	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &memfd, sizeof(int));
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) != sizeof(*m))
		return -EPIPE;
	p.fd = fd;
	do {
		r = poll(&p, 1, DM_STATE_TIMEOUT_MS);
	} while (r < 0 && errno == EINTR);
	if (r == 0)
		return -ETIMEDOUT;
	if (r < 0)
		return -errno;
	/* Answers carry no descriptors: any that come are refused. */
	n = recv(fd, m, sizeof(*m), MSG_DONTWAIT);
	if (n != sizeof(*m))
		return n == 0 ? -EPIPE : -EPROTO;
	if (m->op != op || m->ret > 0 || m->ret < -4095)
		return -EPROTO;
	return m->ret;
}

static int dm_state_memfd(void)
{
	int fd = memfd_create("cvisor-dm-state", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	/* Sparse: only what the device model writes takes memory. */
	if (ftruncate(fd, CVDM_STATE_MAX) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

/*
 * Section version 1: the device model's blob layout (u32), then the
 * blob (the rest of the section).
 */
static int dm_comp_save(void *opaque, struct sbuf *out)
{
	struct vm_dm *d = opaque;
	struct cvdm_state_msg m = { .op = CVDM_STATE_SAVE };
	uint8_t *blob;
	ssize_t n;
	int fd, ret;

	fd = dm_state_memfd();
	if (fd < 0)
		return fd;
	ret = dm_state_call(d, &m, fd);
	if (!ret && (!m.version || m.size > CVDM_STATE_MAX))
		ret = -EPROTO;
	blob = ret ? NULL : malloc(m.size ? m.size : 1);
	if (!ret && !blob)
		ret = -ENOMEM;
	if (!ret) {
		n = pread(fd, blob, m.size, 0);
		if (n != (ssize_t)m.size)
			ret = n < 0 ? -errno : -EIO;
	}
	if (!ret) {
		sbuf_put_u32(out, m.version);
		sbuf_put_bytes(out, blob, m.size);
	}
	free(blob);
	close(fd);
	if (ret)
		vm_log(d->vi->vm, LOG_LEVEL_WARN,
		       "device model %u (%s) did not save its state: %s",
		       d->index, d->spec, strerror(-ret));
	return ret;
}

static int dm_comp_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct vm_dm *d = opaque;
	struct cvdm_state_msg m = { .op = CVDM_STATE_LOAD };
	size_t len;
	uint8_t *blob;
	int fd, ret;

	m.version = sbuf_get_u32(in);
	if (sbuf_error(in))
		return sbuf_error(in);
	len = sbuf_remaining(in);
	if (!m.version || len > CVDM_STATE_MAX)
		return -EINVAL;
	m.size = (uint32_t)len;
	blob = malloc(len ? len : 1);
	if (!blob)
		return -ENOMEM;
	sbuf_get_bytes(in, blob, len);
	fd = dm_state_memfd();
	ret = fd < 0 ? fd : 0;
	if (!ret && pwrite(fd, blob, len, 0) != (ssize_t)len)
		ret = -EIO;
	free(blob);
	if (!ret)
		ret = dm_state_call(d, &m, fd);
	if (fd >= 0)
		close(fd);
	if (ret)
		vm_log(d->vi->vm, LOG_LEVEL_WARN,
		       "device model %u (%s) did not load its state: %s",
		       d->index, d->spec, strerror(-ret));
	return ret;
}

static const struct component_ops dm_comp_ops = {
	.version = 1,
	.save = dm_comp_save,
	.load = dm_comp_load,
};

int vm_ioreq_check_save(struct vm *vm, char *err, size_t err_len)
{
	int owners[IOREQ_MAX_SERVERS];
	struct vm_ioreq *vi = vm->ioreq_vi;
	unsigned int i, j, n;
	bool ours;

	if (!vm->ioreq || !vi)
		return 0;
	n = ioreq_host_owners(vm->ioreq, owners, IOREQ_MAX_SERVERS);
	pthread_mutex_lock(&vi->lock);
	for (i = 0; i < n; i++) {
		for (j = 0, ours = false; j < vi->nr_pids; j++)
			ours |= vi->pids[j] == owners[i];
		if (!ours)
			break;
	}
	for (j = 0; j < vi->nr_pids && i == n; j++)
		if (vi->dms[j].state_fd < 0)
			break;
	pthread_mutex_unlock(&vi->lock);
	if (i < n) {
		snprintf(err, err_len,
			 "the device model (pid %d) connected through --ioreq-socket cannot be saved: only --device-model ones can",
			 owners[i]);
		return -EOPNOTSUPP;
	}
	if (j < vi->nr_pids) {
		snprintf(err, err_len,
			 "device model %u (%s) cannot save its state (it opened no state channel)",
			 j, vi->dms[j].spec);
		return -EOPNOTSUPP;
	}
	return 0;
}

int vm_ioreq_init(struct vm *vm, char *err, size_t err_len)
{
	const struct vm_config *cfg = &vm->cfg;
	struct ioreq_host_config hc = {
		.nr_vcpus = cfg->nr_cpus, .ram_fd = vm->mem.fd,
		.ops = &vmio_ops,
	};
	char bin[PATH_MAX];
	struct vm_ioreq *vi;
	unsigned int i;
	int ret;

	if (!cfg->nr_device_models && !cfg->ioreq_socket)
		return 0;
	if (cfg->nr_cpus > IOREQ_MAX_VCPUS) {
		snprintf(err, err_len,
			 "device models support at most %u vCPUs (one slot page)",
			 IOREQ_MAX_VCPUS);
		return -E2BIG;
	}
	vi = calloc(1, sizeof(*vi));
	if (!vi) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	vi->vm = vm;
	pthread_mutex_init(&vi->lock, NULL);
	pthread_cond_init(&vi->cond, NULL);
	for (i = 0; i < VM_MAX_DEVICE_MODELS; i++)
		vi->dms[i] = (struct vm_dm){ .vi = vi, .index = i,
					     .state_fd = -1 };
	ret = vm_add_cleanup(vm, vm_ioreq_free, vi);
	if (ret) {
		pthread_mutex_destroy(&vi->lock);
		pthread_cond_destroy(&vi->cond);
		free(vi);
		snprintf(err, err_len, "out of memory");
		return ret;
	}
	vm->ioreq_vi = vi;
	for (i = 0; i < cfg->nr_device_models; i++) {
		char name[COMP_NAME_MAX];

		vi->dms[i].spec = strdup(cfg->device_models[i]);
		if (!vi->dms[i].spec) {
			snprintf(err, err_len, "out of memory");
			return -ENOMEM;
		}
		/* A restore's config strings do not outlive the load. */
		vm->cfg.device_models[i] = vi->dms[i].spec;
		snprintf(name, sizeof(name), "dm%u", i);
		ret = vm_component_add(vm, name, COMP_STAGE_VIRTIO,
				       &dm_comp_ops, &vi->dms[i]);
		if (ret) {
			snprintf(err, err_len, "component %s: %s", name,
				 strerror(-ret));
			return ret;
		}
	}
	if (cfg->ioreq_socket) {
		snprintf(vi->path, sizeof(vi->path), "%s", cfg->ioreq_socket);
	} else {
		snprintf(vi->dir, sizeof(vi->dir), "/tmp/cvisor-dm-XXXXXX");
		if (!mkdtemp(vi->dir)) {
			ret = -errno;
			vi->dir[0] = '\0';
			snprintf(err, err_len, "device model socket directory: %s",
				 strerror(-ret));
			return ret;
		}
		snprintf(vi->path, sizeof(vi->path), "%s/ioreq.sock", vi->dir);
	}
	hc.opaque = vi;
	hc.socket_path = vi->path;
	hc.ram.nr = vm->mem.ram.nr;
	for (i = 0; i < vm->mem.ram.nr && i < CVDM_RAM_REGIONS; i++) {
		hc.ram.region[i].gpa = vm->mem.ram.region[i].gpa;
		hc.ram.region[i].size = vm->mem.ram.region[i].size;
	}
	ret = ioreq_host_create(&hc, &vm->ioreq);
	if (ret) {
		vm->ioreq = NULL;
		snprintf(err, err_len, "ioreq socket %s: %s", vi->path,
			 strerror(-ret));
		return ret;
	}
	if (cfg->nr_device_models) {
		ret = dm_binary(bin, sizeof(bin));
		if (ret) {
			snprintf(err, err_len, "cannot find cvisor-dm: %s",
				 strerror(-ret));
			return ret;
		}
	}
	for (i = 0; i < cfg->nr_device_models; i++) {
		ret = dm_spawn(vi, bin, vi->dms[i].spec, i, err, err_len);
		if (ret)
			return ret;
	}
	if (cfg->verbose && cfg->ioreq_socket)
		vm_log(vm, LOG_LEVEL_INFO,
		       "waiting for %u device model(s) on %s", cfg->dm_wait,
		       vi->path);
	return dm_wait(vi, cfg->nr_device_models + cfg->dm_wait, err,
		       err_len);
}
