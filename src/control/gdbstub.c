// SPDX-License-Identifier: GPL-2.0
/*
 * gdbstub.c - the GDB remote serial protocol for a VM (gdbstub.h).
 *
 * One thread serves one debugger connection at a time.  Run control is
 * all-stop: a debug exit of any vCPU (breakpoint, watchpoint, step)
 * requests a pause from that vCPU's thread (vm_debug_request_pause(),
 * so nothing runs on past the stop), wakes this thread through an
 * eventfd, and this thread completes the pause on the event loop
 * (vm_control_call) before it reports.  Resuming programs every vCPU's
 * KVM_SET_GUEST_DEBUG from the breakpoint tables first.
 *
 * Software breakpoints are INT3 bytes written into guest memory through
 * the vCPU's page tables and taken back out at detach; hardware ones use
 * the four debug registers of KVM_GUESTDBG_USE_HW_BP, which the guest
 * never sees.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/gdb_regs.h"
#include "control/gdbstub.h"
#include "vmm/debug.h"
#include "vmm/vm.h"

#define GDB_PKT_MAX	16384
#define GDB_MAX_SW_BP	64
#define GDB_MAX_VCPUS	64
#define SIGTRAP_NR	5
#define SIGINT_NR	2
#define RFLAGS_RF	(1ull << 16)

enum hw_type { HW_EXEC, HW_WRITE, HW_ACCESS };

struct sw_bp {
	bool used;
	uint64_t addr;
	uint8_t orig;
};

struct hw_bp {
	bool used;
	enum hw_type type;
	uint64_t addr;
	unsigned int len;
};

struct gdb_server {
	struct vm *vm;
	int listen_fd;
	int conn_fd;
	int stop_efd;		/* a vCPU stopped (debug exit) */
	int quit_efd;		/* gdb_server_stop() */
	char *unix_path;
	pthread_t thread;
	bool thread_started;

	pthread_mutex_t lock;	/* stop, running */
	bool running;		/* resumed by us; a stop is awaited */
	bool have_stop;
	struct vm_debug_stop stop;

	/* Session state, server thread only. */
	bool noack;
	unsigned int g_cpu;	/* 'Hg' thread (vCPU index) */
	int last_sig;
	unsigned int last_cpu;
	struct vm_debug_stop last_stop;	/* valid if last_sig == SIGTRAP */
	struct sw_bp sw[GDB_MAX_SW_BP];
	struct hw_bp hw[4];
	char in[GDB_PKT_MAX + 4];
	size_t in_len;
	char out[GDB_PKT_MAX * 2 + 8];
};

/* ---- transport ----------------------------------------------------------- */

static const char hexd[] = "0123456789abcdef";

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void bin2hex(char *out, const uint8_t *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexd[in[i] >> 4];
		out[2 * i + 1] = hexd[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Decode 2*@n hex digits; false on a bad digit or short input. */
static bool hex2bin(uint8_t *out, const char *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hexval((unsigned char)in[2 * i]);
		int lo = hi < 0 ? -1 : hexval((unsigned char)in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* Parse a hex number; *end after it.  false if there is none. */
static bool parse_hex(const char *s, uint64_t *v, const char **end)
{
	const char *p = s;

	*v = 0;
	while (hexval((unsigned char)*p) >= 0) {
		if (p - s >= 16)
			return false;
		*v = *v << 4 | (uint64_t)hexval((unsigned char)*p);
		p++;
	}
	if (end)
		*end = p;
	return p != s;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_packet(struct gdb_server *g, const char *data)
{
	size_t len = strlen(data);
	unsigned int sum = 0;
	char *pkt;
	int ret;

	pkt = malloc(len + 5);
	if (!pkt)
		return -ENOMEM;
	pkt[0] = '$';
	memcpy(pkt + 1, data, len);
	for (size_t i = 0; i < len; i++)
		sum += (unsigned char)data[i];
	pkt[len + 1] = '#';
	pkt[len + 2] = hexd[(sum >> 4) & 15];
	pkt[len + 3] = hexd[sum & 15];
	ret = write_all(g->conn_fd, pkt, len + 4);
	free(pkt);
	return ret;
}

/* ---- machine access ------------------------------------------------------ */

static int do_pause(struct vm *vm, void *opaque)
{
	return vm_pause(vm);
}

static int do_resume(struct vm *vm, void *opaque)
{
	vm_resume(vm);
	return 0;
}

static void gdb_on_stop(void *opaque, const struct vm_debug_stop *st)
{
	struct gdb_server *g = opaque;
	uint64_t one = 1;
	bool wake = false;

	pthread_mutex_lock(&g->lock);
	if (g->running && !g->have_stop) {
		g->have_stop = true;
		g->stop = *st;
		wake = true;
	}
	pthread_mutex_unlock(&g->lock);
	/* Whoever stopped, nothing runs on until the debugger says so. */
	vm_debug_request_pause(g->vm);
	if (wake && write(g->stop_efd, &one, sizeof(one)) < 0) {
		/* Only near counter overflow; the thread is awake then. */
	}
}

static unsigned int nr_cpus(struct gdb_server *g)
{
	unsigned int n = vm_debug_nr_vcpus(g->vm);

	return n > GDB_MAX_VCPUS ? GDB_MAX_VCPUS : n;
}

static int stop_vm(struct gdb_server *g)
{
	int ret = vm_control_call(g->vm, do_pause, NULL);

	pthread_mutex_lock(&g->lock);
	g->running = false;
	pthread_mutex_unlock(&g->lock);
	return ret;
}

/* Program every vCPU's guest debugging, then let them run. */
static int resume_vm(struct gdb_server *g, int step_cpu)
{
	struct kvm_guest_debug dbg;
	struct kvm_regs regs;
	bool any_sw = false;
	unsigned int i;
	int ret;

	memset(&dbg, 0, sizeof(dbg));
	for (i = 0; i < GDB_MAX_SW_BP; i++)
		any_sw |= g->sw[i].used;
	dbg.arch.debugreg[7] = 0x400;
	for (i = 0; i < 4; i++) {
		static const uint8_t lenbits[9] = { 0, 0, 1, 0, 3, 0, 0, 0, 2 };
		const struct hw_bp *h = &g->hw[i];
		unsigned int rw;

		if (!h->used)
			continue;
		rw = h->type == HW_EXEC ? 0 : h->type == HW_WRITE ? 1 : 3;
		dbg.arch.debugreg[i] = h->addr;
		dbg.arch.debugreg[7] |= (2ull << (i * 2)) |
			((uint64_t)rw << (16 + i * 4)) |
			((uint64_t)(h->type == HW_EXEC ? 0 : lenbits[h->len])
			 << (18 + i * 4));
	}
	for (i = 0; i < nr_cpus(g); i++) {
		dbg.control = 0;
		if (any_sw)
			dbg.control |= KVM_GUESTDBG_ENABLE |
				       KVM_GUESTDBG_USE_SW_BP;
		if (dbg.arch.debugreg[7] & 0xff)
			dbg.control |= KVM_GUESTDBG_ENABLE |
				       KVM_GUESTDBG_USE_HW_BP;
		if ((int)i == step_cpu)
			dbg.control |= KVM_GUESTDBG_ENABLE |
				       KVM_GUESTDBG_SINGLESTEP |
				       KVM_GUESTDBG_BLOCKIRQ;
		ret = vm_debug_set_guest_debug(g->vm, i, &dbg);
		if (ret == -EINVAL && (dbg.control & KVM_GUESTDBG_BLOCKIRQ)) {
			/* Older KVM: step with interrupts enabled. */
			dbg.control &= ~KVM_GUESTDBG_BLOCKIRQ;
			ret = vm_debug_set_guest_debug(g->vm, i, &dbg);
		}
		if (ret)
			return ret;
		/*
		 * A vCPU sitting on one of our instruction breakpoints must
		 * execute that instruction: RF, as a debugger sets it on KVM.
		 */
		if (!vm_debug_get_regs(g->vm, i, &regs, NULL, NULL)) {
			for (int j = 0; j < 4; j++) {
				if (g->hw[j].used && g->hw[j].type == HW_EXEC &&
				    g->hw[j].addr == regs.rip) {
					regs.rflags |= RFLAGS_RF;
					vm_debug_set_regs(g->vm, i, &regs, NULL);
					break;
				}
			}
		}
	}
	pthread_mutex_lock(&g->lock);
	g->have_stop = false;
	g->running = true;
	pthread_mutex_unlock(&g->lock);
	return vm_control_call(g->vm, do_resume, NULL);
}

/* ---- breakpoints ----------------------------------------------------------- */

static int sw_insert(struct gdb_server *g, uint64_t addr)
{
	uint8_t int3 = 0xcc, orig;
	int free_slot = -1;

	for (int i = 0; i < GDB_MAX_SW_BP; i++) {
		if (g->sw[i].used && g->sw[i].addr == addr)
			return 0;
		if (!g->sw[i].used && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return -ENOSPC;
	if (vm_debug_access(g->vm, g->g_cpu, addr, &orig, 1, false) != 1 ||
	    vm_debug_access(g->vm, g->g_cpu, addr, &int3, 1, true) != 1)
		return -EFAULT;
	g->sw[free_slot] = (struct sw_bp){ true, addr, orig };
	return 0;
}

static int sw_remove(struct gdb_server *g, uint64_t addr)
{
	for (int i = 0; i < GDB_MAX_SW_BP; i++) {
		if (g->sw[i].used && g->sw[i].addr == addr) {
			vm_debug_access(g->vm, g->g_cpu, addr, &g->sw[i].orig,
					1, true);
			g->sw[i].used = false;
			return 0;
		}
	}
	return -ENOENT;
}

static int hw_insert(struct gdb_server *g, enum hw_type type, uint64_t addr,
		     uint64_t len)
{
	if (type != HW_EXEC &&
	    (!(len == 1 || len == 2 || len == 4 || len == 8) ||
	     (addr & (len - 1))))
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		if (!g->hw[i].used) {
			g->hw[i] = (struct hw_bp){ true, type, addr,
						   (unsigned int)len };
			return 0;
		}
	}
	return -ENOSPC;
}

static int hw_remove(struct gdb_server *g, enum hw_type type, uint64_t addr)
{
	for (int i = 0; i < 4; i++) {
		if (g->hw[i].used && g->hw[i].type == type &&
		    g->hw[i].addr == addr) {
			g->hw[i].used = false;
			return 0;
		}
	}
	return -ENOENT;
}

static void remove_all(struct gdb_server *g)
{
	for (int i = 0; i < GDB_MAX_SW_BP; i++)
		if (g->sw[i].used)
			sw_remove(g, g->sw[i].addr);
	memset(g->hw, 0, sizeof(g->hw));
}

/* ---- commands ------------------------------------------------------------- */

static void stop_reply(struct gdb_server *g, char *out, size_t len)
{
	int n = snprintf(out, len, "T%02xthread:%x;", g->last_sig,
			 g->last_cpu + 1);

	if (g->last_sig != SIGTRAP_NR || g->last_stop.exception != 1)
		return;
	/* Which of our watchpoints fired (DR6.Bn). */
	for (int i = 0; i < 4; i++) {
		const struct hw_bp *h = &g->hw[i];

		if (!h->used || h->type == HW_EXEC ||
		    !(g->last_stop.dr6 & (1u << i)))
			continue;
		snprintf(out + n, len - (size_t)n, "%s:%llx;",
			 h->type == HW_WRITE ? "watch" : "awatch",
			 (unsigned long long)h->addr);
		return;
	}
}

static int load_regs(struct gdb_server *g, unsigned int cpu,
		     struct gdb_cpu_regs *r)
{
	return vm_debug_get_regs(g->vm, cpu, &r->regs, &r->sregs, &r->fpu);
}

static void cmd_read_regs(struct gdb_server *g, char *out)
{
	struct gdb_cpu_regs r;
	uint8_t buf[16];
	char *p = out;

	if (load_regs(g, g->g_cpu, &r)) {
		strcpy(out, "E01");
		return;
	}
	for (int n = 0; n < GDB_NR_G_REGS; n++) {
		int size = gdb_reg_get(&r, n, buf);

		bin2hex(p, buf, (size_t)size);
		p += 2 * size;
	}
}

static void cmd_write_regs(struct gdb_server *g, const char *arg, char *out)
{
	struct gdb_cpu_regs r;
	uint8_t buf[16];
	size_t len = strlen(arg);

	if (load_regs(g, g->g_cpu, &r)) {
		strcpy(out, "E01");
		return;
	}
	for (int n = 0; n < GDB_NR_G_REGS; n++) {
		int size = gdb_reg_size(n);

		if (len < 2 * (size_t)size)
			break;
		if (!hex2bin(buf, arg, (size_t)size)) {
			strcpy(out, "E01");
			return;
		}
		/* Unchanged segment selectors are accepted, changed ones not. */
		gdb_reg_set(&r, n, buf);
		arg += 2 * size;
		len -= 2 * (size_t)size;
	}
	strcpy(out, vm_debug_set_regs(g->vm, g->g_cpu, &r.regs, &r.fpu) ?
	       "E01" : "OK");
}

static void cmd_read_reg(struct gdb_server *g, const char *arg, char *out)
{
	struct gdb_cpu_regs r;
	uint8_t buf[16];
	uint64_t n;
	int size;

	if (!parse_hex(arg, &n, NULL) || n > 1000 ||
	    load_regs(g, g->g_cpu, &r)) {
		strcpy(out, "E01");
		return;
	}
	size = gdb_reg_get(&r, (int)n, buf);
	if (size < 0)
		strcpy(out, "E01");
	else
		bin2hex(out, buf, (size_t)size);
}

static void cmd_write_reg(struct gdb_server *g, const char *arg, char *out)
{
	struct gdb_cpu_regs r;
	const char *p;
	uint8_t buf[16];
	uint64_t n;
	int size;

	if (!parse_hex(arg, &n, &p) || *p != '=' || n > 1000 ||
	    load_regs(g, g->g_cpu, &r)) {
		strcpy(out, "E01");
		return;
	}
	size = gdb_reg_size((int)n);
	if (size < 0 || strlen(p + 1) < 2 * (size_t)size ||
	    !hex2bin(buf, p + 1, (size_t)size) ||
	    gdb_reg_set(&r, (int)n, buf) < 0 ||
	    vm_debug_set_regs(g->vm, g->g_cpu, &r.regs, &r.fpu)) {
		strcpy(out, "E01");
		return;
	}
	strcpy(out, "OK");
}

static void cmd_read_mem(struct gdb_server *g, const char *arg, char *out)
{
	uint64_t addr, len;
	const char *p;
	uint8_t *buf;
	size_t n;

	if (!parse_hex(arg, &addr, &p) || *p != ',' ||
	    !parse_hex(p + 1, &len, NULL)) {
		strcpy(out, "E01");
		return;
	}
	if (len > GDB_PKT_MAX / 2)
		len = GDB_PKT_MAX / 2;
	buf = malloc(len ? len : 1);
	if (!buf) {
		strcpy(out, "E0c");
		return;
	}
	n = vm_debug_access(g->vm, g->g_cpu, addr, buf, len, false);
	/* The debugger sees the bytes under its software breakpoints. */
	for (int i = 0; i < GDB_MAX_SW_BP; i++)
		if (g->sw[i].used && g->sw[i].addr - addr < n)
			buf[g->sw[i].addr - addr] = g->sw[i].orig;
	if (!n && len)
		strcpy(out, "E0e");
	else
		bin2hex(out, buf, n);
	free(buf);
}

static void cmd_write_mem(struct gdb_server *g, const char *arg, char *out)
{
	uint64_t addr, len;
	const char *p;
	uint8_t *buf;

	if (!parse_hex(arg, &addr, &p) || *p != ',' ||
	    !parse_hex(p + 1, &len, &p) || *p != ':' ||
	    len > GDB_PKT_MAX / 2 || strlen(p + 1) < 2 * len) {
		strcpy(out, "E01");
		return;
	}
	buf = malloc(len ? len : 1);
	if (!buf) {
		strcpy(out, "E0c");
		return;
	}
	if (!hex2bin(buf, p + 1, len)) {
		strcpy(out, "E01");
		free(buf);
		return;
	}
	/* A write under a software breakpoint changes what it restores. */
	for (int i = 0; i < GDB_MAX_SW_BP; i++) {
		if (g->sw[i].used && g->sw[i].addr - addr < len) {
			g->sw[i].orig = buf[g->sw[i].addr - addr];
			buf[g->sw[i].addr - addr] = 0xcc;
		}
	}
	if (vm_debug_access(g->vm, g->g_cpu, addr, buf, len, true) !=
		 len)
		strcpy(out, "E0e");
	else
		strcpy(out, "OK");
	free(buf);
}

static void cmd_breakpoint(struct gdb_server *g, bool insert, const char *arg,
			   char *out)
{
	uint64_t type, addr, kind;
	const char *p;
	int ret;

	if (!parse_hex(arg, &type, &p) || *p != ',' ||
	    !parse_hex(p + 1, &addr, &p) || *p != ',' ||
	    !parse_hex(p + 1, &kind, NULL)) {
		strcpy(out, "E01");
		return;
	}
	switch (type) {
	case 0:
		ret = insert ? sw_insert(g, addr) : sw_remove(g, addr);
		break;
	case 1:
		ret = insert ? hw_insert(g, HW_EXEC, addr, 1) :
			       hw_remove(g, HW_EXEC, addr);
		break;
	case 2:
		ret = insert ? hw_insert(g, HW_WRITE, addr, kind) :
			       hw_remove(g, HW_WRITE, addr);
		break;
	case 4:
		ret = insert ? hw_insert(g, HW_ACCESS, addr, kind) :
			       hw_remove(g, HW_ACCESS, addr);
		break;
	default:
		/* Read-only watchpoints (3): x86 has none; GDB falls back. */
		out[0] = '\0';
		return;
	}
	strcpy(out, ret ? "E01" : "OK");
}

/* Thread id @s ("-1", "0" or a vCPU + 1) to a vCPU index; -1: all/any. */
static int parse_thread(struct gdb_server *g, const char *s, bool *ok)
{
	uint64_t t;

	*ok = true;
	if (!strcmp(s, "-1") || !strcmp(s, "0"))
		return -1;
	if (!parse_hex(s, &t, NULL) || t == 0 || t > nr_cpus(g)) {
		*ok = false;
		return -1;
	}
	return (int)t - 1;
}

static void cmd_query(struct gdb_server *g, const char *q, char *out)
{
	static const char xml[] =
		"<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM "
		"\"gdb-target.dtd\"><target version=\"1.0\">"
		"<architecture>i386:x86-64</architecture></target>";
	uint64_t off, len;
	const char *p;

	out[0] = '\0';
	if (!strncmp(q, "qSupported", 10)) {
		sprintf(out, "PacketSize=%x;qXfer:features:read+;"
			"vContSupported+;QStartNoAckMode+", GDB_PKT_MAX);
	} else if (!strcmp(q, "qAttached")) {
		strcpy(out, "1");
	} else if (!strcmp(q, "qC")) {
		sprintf(out, "QC%x", g->g_cpu + 1);
	} else if (!strcmp(q, "qfThreadInfo")) {
		char *o = out;

		*o++ = 'm';
		for (unsigned int i = 0; i < nr_cpus(g); i++)
			o += sprintf(o, "%s%x", i ? "," : "", i + 1);
	} else if (!strcmp(q, "qsThreadInfo")) {
		strcpy(out, "l");
	} else if (!strncmp(q, "qXfer:features:read:target.xml:", 31)) {
		if (!parse_hex(q + 31, &off, &p) || *p != ',' ||
		    !parse_hex(p + 1, &len, NULL)) {
			strcpy(out, "E01");
			return;
		}
		if (off >= sizeof(xml) - 1) {
			strcpy(out, "l");
			return;
		}
		if (len > GDB_PKT_MAX - 2)
			len = GDB_PKT_MAX - 2;
		if (len >= sizeof(xml) - 1 - off) {
			sprintf(out, "l%s", xml + off);
		} else {
			out[0] = 'm';
			memcpy(out + 1, xml + off, len);
			out[len + 1] = '\0';
		}
	} else if (!strncmp(q, "qThreadExtraInfo,", 17)) {
		char txt[32];
		bool ok;
		int cpu = parse_thread(g, q + 17, &ok);

		snprintf(txt, sizeof(txt), "vCPU %d", ok && cpu >= 0 ? cpu : 0);
		bin2hex(out, (const uint8_t *)txt, strlen(txt));
	}
}

/*
 * vCont;ACTION[:TID];... : "s" (one thread steps) or "c".  Returns the
 * vCPU to step, -1 to continue all, -2 on a malformed packet.
 */
static int parse_vcont(struct gdb_server *g, const char *a)
{
	int step = -2, def = -2;

	while (*a == ';') {
		char act = a[1];
		const char *end = strchr(a + 1, ';');
		char tid[24] = "";
		bool ok = true;
		int cpu = -1;

		if (!end)
			end = a + strlen(a);
		if (a[2] == ':') {
			size_t n = (size_t)(end - (a + 3));

			if (n >= sizeof(tid))
				return -2;
			memcpy(tid, a + 3, n);
			tid[n] = '\0';
			cpu = parse_thread(g, tid, &ok);
			if (!ok)
				return -2;
		} else if (a + 2 != end && !(a + 4 == end &&
					       (act == 'C' || act == 'S'))) {
			return -2;
		}
		if (act == 's' || act == 'S') {
			if (step == -2)
				step = cpu >= 0 ? cpu : (int)g->g_cpu;
		} else if (act == 'c' || act == 'C') {
			def = -1;
		} else {
			return -2;
		}
		a = end;
	}
	if (step >= 0)
		return step;
	return def;
}

static void note_stop(struct gdb_server *g, int sig,
		      const struct vm_debug_stop *st)
{
	g->last_sig = sig;
	if (st) {
		g->last_stop = *st;
		g->last_cpu = st->vcpu;
	}
	g->g_cpu = g->last_cpu;
}

/* Handle one packet; *resumed when the VM now runs (no reply yet). */
static int handle_packet(struct gdb_server *g, char *pkt, bool *resumed,
			 bool *detach)
{
	char *out = g->out;
	bool ok;
	int cpu;

	*resumed = false;
	out[0] = '\0';
	switch (pkt[0]) {
	case '?':
		stop_reply(g, out, sizeof(g->out));
		break;
	case 'g':
		cmd_read_regs(g, out);
		break;
	case 'G':
		cmd_write_regs(g, pkt + 1, out);
		break;
	case 'p':
		cmd_read_reg(g, pkt + 1, out);
		break;
	case 'P':
		cmd_write_reg(g, pkt + 1, out);
		break;
	case 'm':
		cmd_read_mem(g, pkt + 1, out);
		break;
	case 'M':
		cmd_write_mem(g, pkt + 1, out);
		break;
	case 'Z':
	case 'z':
		cmd_breakpoint(g, pkt[0] == 'Z', pkt + 1, out);
		break;
	case 'H':
		cpu = parse_thread(g, pkt + 2, &ok);
		if (!ok) {
			strcpy(out, "E01");
			break;
		}
		if (pkt[1] == 'g' && cpu >= 0)
			g->g_cpu = (unsigned int)cpu;
		strcpy(out, "OK");
		break;
	case 'T':
		parse_thread(g, pkt + 1, &ok);
		strcpy(out, ok ? "OK" : "E01");
		break;
	case 'q':
		cmd_query(g, pkt, out);
		break;
	case 'Q':
		if (!strcmp(pkt, "QStartNoAckMode")) {
			strcpy(out, "OK");
			send_packet(g, out);
			g->noack = true;
			return 0;
		}
		break;
	case 'v':
		if (!strcmp(pkt, "vCont?")) {
			strcpy(out, "vCont;c;C;s;S");
		} else if (!strncmp(pkt, "vCont", 5)) {
			cpu = parse_vcont(g, pkt + 5);
			if (cpu == -2) {
				strcpy(out, "E01");
				break;
			}
			*resumed = true;
			return resume_vm(g, cpu);
		}
		break;
	case 'c':
	case 's':
		/* An address argument is not supported (GDB never sends it). */
		*resumed = true;
		return resume_vm(g, pkt[0] == 's' ? (int)g->g_cpu : -1);
	case 'D':
		strcpy(out, "OK");
		*detach = true;
		break;
	case 'k':
		vm_stop(g->vm, 0);
		*detach = true;
		return 0;
	default:
		break;
	}
	return send_packet(g, out);
}

/* ---- session ---------------------------------------------------------------- */

static int session_stop_reported(struct gdb_server *g, int sig,
				 const struct vm_debug_stop *st)
{
	note_stop(g, sig, st);
	stop_reply(g, g->out, sizeof(g->out));
	return send_packet(g, g->out);
}

/*
 * Consume bytes of input: acks, ^C, and whole packets.  Returns <0 to end
 * the session.
 */
static int session_input(struct gdb_server *g, bool *detach)
{
	ssize_t n;

	if (g->in_len >= sizeof(g->in) - 1)
		g->in_len = 0;		/* garbage without a packet: drop */
	n = recv(g->conn_fd, g->in + g->in_len, sizeof(g->in) - 1 - g->in_len,
		 0);
	if (n <= 0)
		return n < 0 && errno == EINTR ? 0 : -1;
	g->in_len += (size_t)n;

	for (;;) {
		char *start, *hash;
		bool running, resumed;
		size_t used;
		int ret;

		pthread_mutex_lock(&g->lock);
		running = g->running;
		pthread_mutex_unlock(&g->lock);
		/* ^C interrupts a running VM. */
		if (g->in_len && (unsigned char)g->in[0] == 0x03) {
			memmove(g->in, g->in + 1, --g->in_len);
			if (running) {
				if (stop_vm(g))
					return -1;
				if (session_stop_reported(g, SIGINT_NR, NULL))
					return -1;
			}
			continue;
		}
		if (g->in_len && (g->in[0] == '+' || g->in[0] == '-')) {
			memmove(g->in, g->in + 1, --g->in_len);
			continue;
		}
		g->in[g->in_len] = '\0';
		start = memchr(g->in, '$', g->in_len);
		if (!start) {
			g->in_len = 0;
			return 0;
		}
		hash = memchr(start, '#', g->in_len - (size_t)(start - g->in));
		if (!hash || (size_t)(hash - g->in) + 3 > g->in_len) {
			/* Incomplete: keep it from its '$'. */
			memmove(g->in, start, g->in_len - (size_t)(start - g->in));
			g->in_len -= (size_t)(start - g->in);
			return 0;
		}
		*hash = '\0';
		used = (size_t)(hash - g->in) + 3;
		if (!g->noack && write_all(g->conn_fd, "+", 1))
			return -1;
		if (running) {
			/* Only ^C is meaningful while the VM runs. */
			ret = 0;
		} else {
			ret = handle_packet(g, start + 1, &resumed, detach);
		}
		memmove(g->in, g->in + used, g->in_len - used);
		g->in_len -= used;
		if (ret < 0 || *detach)
			return ret < 0 ? -1 : 0;
	}
}

static void session_end(struct gdb_server *g)
{
	bool running;

	pthread_mutex_lock(&g->lock);
	running = g->running;
	pthread_mutex_unlock(&g->lock);
	if (running)
		stop_vm(g);
	remove_all(g);
	/* Debugging off everywhere, and the VM runs on without us. */
	resume_vm(g, -1);
	pthread_mutex_lock(&g->lock);
	g->running = false;
	pthread_mutex_unlock(&g->lock);
	close(g->conn_fd);
	g->conn_fd = -1;
}

static void serve_client(struct gdb_server *g)
{
	bool detach = false;

	g->noack = false;
	g->in_len = 0;
	g->g_cpu = 0;
	/* The VM stops when a debugger attaches. */
	if (stop_vm(g))
		return;
	note_stop(g, SIGTRAP_NR, NULL);
	g->last_stop.exception = 0;

	while (!detach) {
		struct pollfd pfd[3] = {
			{ .fd = g->conn_fd, .events = POLLIN },
			{ .fd = g->stop_efd, .events = POLLIN },
			{ .fd = g->quit_efd, .events = POLLIN },
		};
		uint64_t v;

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[2].revents)
			return;		/* gdb_server_stop() ends the session */
		if (pfd[1].revents & POLLIN) {
			struct vm_debug_stop st;
			bool have;

			if (read(g->stop_efd, &v, sizeof(v)) < 0) {
				/* Spurious: nothing to drain. */
			}
			pthread_mutex_lock(&g->lock);
			have = g->have_stop && g->running;
			st = g->stop;
			pthread_mutex_unlock(&g->lock);
			if (have) {
				if (stop_vm(g))
					break;
				if (session_stop_reported(g, SIGTRAP_NR, &st))
					break;
			}
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (session_input(g, &detach) < 0)
				break;
		}
	}
	session_end(g);
}

static void *gdb_thread(void *arg)
{
	struct gdb_server *g = arg;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = g->listen_fd, .events = POLLIN },
			{ .fd = g->quit_efd, .events = POLLIN },
		};

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		g->conn_fd = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (g->conn_fd < 0)
			continue;
		serve_client(g);
	}
	return NULL;
}

/* ---- setup ------------------------------------------------------------------ */

static int listen_tcp(const char *hostport, char *err, size_t err_len)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE };
	struct addrinfo *res, *ai;
	char host[256];
	const char *colon = strrchr(hostport, ':');
	int fd = -1, one = 1, r;

	if (!colon || (size_t)(colon - hostport) >= sizeof(host) || !colon[1]) {
		snprintf(err, err_len, "--gdb tcp:HOST:PORT: bad address '%s'",
			 hostport);
		return -EINVAL;
	}
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	r = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res);
	if (r) {
		snprintf(err, err_len, "--gdb %s: %s", hostport,
			 gai_strerror(r));
		return -EINVAL;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 1))
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(err, err_len, "--gdb %s: cannot listen: %s", hostport,
			 strerror(errno));
	return fd < 0 ? -errno : fd;
}

static int listen_unix(const char *path, char *err, size_t err_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, err_len, "--gdb unix:%s: path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
		snprintf(err, err_len, "--gdb unix:%s: %s", path,
			 strerror(errno));
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int gdb_server_start(struct vm *vm, const char *spec, struct gdb_server **out,
		     char *err, size_t err_len)
{
	struct gdb_server *g;
	char addr[512];
	const char *comma = strchr(spec, ',');
	bool wait = false;
	int ret;

	if (comma) {
		if (strcmp(comma, ",wait")) {
			snprintf(err, err_len, "--gdb %s: unknown option '%s' "
				 "(only ',wait')", spec, comma + 1);
			return -EINVAL;
		}
		wait = true;
	}
	snprintf(addr, sizeof(addr), "%.*s",
		 (int)(comma ? (size_t)(comma - spec) : strlen(spec)), spec);
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->vm = vm;
	g->conn_fd = -1;
	g->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	g->quit_efd = eventfd(0, EFD_CLOEXEC);
	pthread_mutex_init(&g->lock, NULL);
	if (!strncmp(addr, "tcp:", 4)) {
		g->listen_fd = listen_tcp(addr + 4, err, err_len);
	} else if (!strncmp(addr, "unix:", 5)) {
		g->listen_fd = listen_unix(addr + 5, err, err_len);
		g->unix_path = strdup(addr + 5);
	} else {
		snprintf(err, err_len, "--gdb %s: expected tcp:HOST:PORT or "
			 "unix:PATH", spec);
		g->listen_fd = -EINVAL;
	}
	ret = g->listen_fd < 0 ? g->listen_fd : 0;
	if (!ret && (g->stop_efd < 0 || g->quit_efd < 0))
		ret = -EMFILE;
	if (!ret)
		ret = vm_debug_attach(vm, gdb_on_stop, g);
	if (ret) {
		if (!err[0])
			snprintf(err, err_len, "--gdb: %s", strerror(-ret));
		g->listen_fd = g->listen_fd < 0 ? -1 : g->listen_fd;
		gdb_server_stop(g, 0);
		return ret;
	}
	if (wait)
		vm_debug_hold_start(vm);
	ret = -pthread_create(&g->thread, NULL, gdb_thread, g);
	if (ret) {
		snprintf(err, err_len, "--gdb: %s", strerror(-ret));
		gdb_server_stop(g, 0);
		return ret;
	}
	g->thread_started = true;
	*out = g;
	return 0;
}

void gdb_server_stop(struct gdb_server *g, int status)
{
	uint64_t one = 1;
	char msg[8];

	if (!g)
		return;
	if (g->thread_started) {
		if (write(g->quit_efd, &one, sizeof(one)) < 0) {
			/* Cannot fail on a fresh eventfd. */
		}
		pthread_join(g->thread, NULL);
	}
	/* The debugger learns that its inferior is gone. */
	if (g->conn_fd >= 0) {
		snprintf(msg, sizeof(msg), "W%02x", status & 0xff);
		send_packet(g, msg);
		close(g->conn_fd);
	}
	if (g->vm->debug_opaque == g)
		vm_debug_detach(g->vm);
	if (g->listen_fd >= 0)
		close(g->listen_fd);
	if (g->unix_path) {
		unlink(g->unix_path);
		free(g->unix_path);
	}
	if (g->stop_efd >= 0)
		close(g->stop_efd);
	if (g->quit_efd >= 0)
		close(g->quit_efd);
	pthread_mutex_destroy(&g->lock);
	free(g);
}
