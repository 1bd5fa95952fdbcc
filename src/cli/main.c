// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - the cvisor command line.  Parses options into a struct
 * vm_config and hands over to the VMM; no machine logic lives here.
 *
 * Exit statuses (docs/conventions.md): 2 usage error, 125 start-up or VM
 * failure, otherwise what the guest chose.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/gdbstub.h"
#include "control/qmp.h"
#include "lib/size.h"
#include "vmm/caps.h"
#include "vmm/migrate.h"
#include "vmm/snapshot.h"
#include "vmm/vm.h"

#define CVISOR_VERSION		"0.1"
#define EXIT_USAGE		2
#define MEM_DEFAULT		(128ull << 20)
#define MEM_MIN			(2ull << 20)	/* the e820 layout's minimum */
#define MEM_MAX			(1ull << 40)

static const char usage_text[] =
"Usage: cvisor COMMAND [OPTIONS]\n"
"\n"
"Commands:\n"
"  run       boot a kernel in a new VM (cvisor run --help)\n"
"  restore   FILE [RUN OPTIONS]: resume a snapshot in this new process\n"
"  caps      show the backend and its capabilities\n"
"  kvm-shim  -- PROGRAM [ARGS]: run a KVM program on the emu backend\n"
"\n"
"Control commands (talk to a VM started with --api-socket SOCK):\n"
"  pause     SOCK            stop the vCPUs (QMP stop)\n"
"  resume    SOCK            restart them (QMP cont)\n"
"  snapshot  SOCK FILE       save the VM to FILE and keep it running\n"
"  migrate   SOCK URI        live-migrate to tcp:HOST:PORT or unix:PATH\n"
"  qmp       SOCK CMD [JSON] run any QMP command, print its return value\n"
"\n"
"Options:\n"
"  -h, --help      show this help\n"
"  -V, --version   show the version\n"
"\n"
"Exit status of run: the guest's choice (0 poweroff, (v<<1)|1 after a write\n"
"of v to port 0xF4), 2 for a usage error, 125 if the VM cannot start or fails.\n";

static const char run_usage_text[] =
"Usage: cvisor run --kernel FILE [OPTIONS]\n"
"       cvisor run --firmware FILE [--kernel FILE] [OPTIONS]\n"
"\n"
"  -k, --kernel FILE     kernel to boot: a Linux bzImage, a PVH ELF (vmlinux)\n"
"                        or a Multiboot kernel, probed in that order; with\n"
"                        --firmware a bzImage, loaded by the firmware through\n"
"                        fw_cfg and QEMU's linuxboot_dma.bin option ROM\n"
"      --firmware FILE   boot a BIOS image (e.g. SeaBIOS) on the PC chipset\n"
"                        (i440FX + PIIX) instead of loading a kernel directly\n"
"      --debugcon FILE   write what the guest sends to port 0x402 to FILE\n"
"  -a, --accel ACCEL     auto, kvm or emu (default auto: kvm if usable)\n"
"  -c, --cpus N          number of vCPUs (default 1)\n"
"  -m, --memory SIZE     guest RAM in bytes or with a K, M, G, T suffix\n"
"                        (default 128M, at least 2M)\n"
"      --append STR      kernel command line\n"
"      --initrd FILE     initramfs (Linux) or first Multiboot module\n"
"      --disk PATH[,ro]  virtio-blk disk on a raw image file (repeatable,\n"
"                        up to 16; ,ro makes it read-only)\n"
"      --net tap=NAME[,mac=XX:XX:XX:XX:XX:XX]\n"
"                        virtio-net on the existing tap device NAME\n"
"      --rng             virtio-rng (entropy from the host's getrandom)\n"
"      --console serial|virtio\n"
"                        the console on stdin/stdout: COM1 (default) or\n"
"                        virtio-console (COM1 then stays, output discarded)\n"
"      --boot-time       print \"cvisor: boot-done after N ms\" on stderr when\n"
"                        the guest writes 123 to port 0x4F0\n"
"      --testdev         add the test device (docs/conventions.md)\n"
"      --device-model DEVICE[,OPTIONS]\n"
"                        run DEVICE in its own sandboxed cvisor-dm process,\n"
"                        e.g. virtio-blk,file=disk.img (repeatable, up to 8)\n"
"      --ioreq-socket PATH[,wait=N]\n"
"                        serve device models on the unix socket PATH and wait\n"
"                        for N started by hand before the guest runs\n"
"      --api-socket PATH serve QMP on the unix socket PATH\n"
"      --gdb tcp:HOST:PORT|unix:PATH[,wait]\n"
"                        serve the GDB remote protocol (vCPUs are threads);\n"
"                        ,wait holds the vCPUs until a debugger continues\n"
"      --restore FILE    resume the snapshot FILE instead of booting (the\n"
"                        machine options come from the snapshot)\n"
"      --incoming URI    wait for a live migration on tcp:HOST:PORT or\n"
"                        unix:PATH, then run the migrated VM; 'defer':\n"
"                        wait for QMP migrate-incoming {\"uri\": URI} on\n"
"                        --api-socket first (QEMU's -incoming defer)\n"
"      --hyperv FEATURE[,FEATURE...]\n"
"                        Hyper-V enlightenments, QEMU's hv-* names: relaxed,\n"
"                        vapic, time, crash, reset, vpindex, runtime, synic,\n"
"                        stimer, stimer-direct, frequencies, syndbg,\n"
"                        tlbflush, tlbflush-ext, ipi, xmm-input;\n"
"                        vendor-id=STR, spinlocks=N, enforce-cpuid; syndbg's\n"
"                        host_ip=ADDR, host_port=PORT, use_hcalls=on|off\n"
"      --kvm-pv on|off   KVM's paravirtual CPUID leaves (kvmclock, PV unhalt,\n"
"                        PV IPIs; QEMU's -cpu kvm=on|off); default on, off\n"
"                        with --hyperv (Linux would pick KVM's over Hyper-V's)\n"
"      --private-memory  RAM may be private to the guest: a SW_PROTECTED VM\n"
"                        with RAM in a guest_memfd (docs/private-memory.md)\n"
"  -v, --verbose         say which backend runs the VM and why\n"
"  -h, --help            show this help\n"
"\n"
"The guest's serial console (COM1) is stdin/stdout; on a terminal,\n"
"Ctrl-A x quits.\n";

static const char caps_usage_text[] =
"Usage: cvisor caps [--accel auto|kvm|emu]\n";

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("cvisor: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'cvisor --help' for more information.\n", stderr);
	return EXIT_USAGE;
}

static int parse_accel(const char *s, enum hv_accel *out)
{
	if (!strcmp(s, "auto"))
		*out = HV_ACCEL_AUTO;
	else if (!strcmp(s, "kvm"))
		*out = HV_ACCEL_KVM;
	else if (!strcmp(s, "emu"))
		*out = HV_ACCEL_EMU;
	else
		return usage_error("--accel %s: expected auto, kvm or emu", s);
	return 0;
}

static int parse_cpus(const char *s, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end)
		return usage_error("--cpus %s: not a number", s);
	if (v == 0)
		return usage_error("--cpus %s: need at least 1 vCPU", s);
	if (errno == ERANGE || v > VM_MAX_CPUS)
		return usage_error("--cpus %s: at most %u vCPUs are supported",
				   s, VM_MAX_CPUS);
	*out = (unsigned int)v;
	return 0;
}

static int parse_memory(const char *s, uint64_t *out)
{
	uint64_t v, host;
	long pages, psize;
	char buf[32];
	int ret;

	ret = size_parse(s, &v);
	if (ret == -EINVAL)
		return usage_error("--memory %s: not a size (bytes, or a number with K, M, G or T, e.g. 512M)",
				   s);
	if (ret == -ERANGE || v > MEM_MAX)
		return usage_error("--memory %s: more than the 1 TiB limit", s);
	if (v < MEM_MIN)
		return usage_error("--memory %s: guest RAM must be at least 2M",
				   s);
	if (v & 4095)
		return usage_error("--memory %s: must be a multiple of 4K", s);
	/*
	 * RAM is backed lazily, so more than the host has would only fail
	 * later, inside the guest; refuse it now.
	 */
	pages = sysconf(_SC_PHYS_PAGES);
	psize = sysconf(_SC_PAGESIZE);
	if (pages > 0 && psize > 0) {
		host = (uint64_t)pages * (uint64_t)psize;
		if (v > host) {
			size_format(host & ~((1ull << 20) - 1), buf, sizeof(buf));
			return usage_error("--memory %s: more than this host's RAM (%s)",
					   s, buf);
		}
	}
	*out = v;
	return 0;
}

/* @s is the argv string: the path stays in it (the option is cut off). */
static int parse_disk(char *s, struct vm_config *cfg)
{
	struct vm_disk *d;
	char *comma = strrchr(s, ',');
	size_t len = strlen(s);

	if (cfg->nr_disks >= VM_MAX_DISKS)
		return usage_error("--disk %s: at most %u disks", s,
				   VM_MAX_DISKS);
	d = &cfg->disks[cfg->nr_disks];
	d->readonly = false;
	/* Only a final ",ro" or ",rw" is an option: paths may hold commas. */
	if (comma && (!strcmp(comma, ",ro") || !strcmp(comma, ",rw"))) {
		d->readonly = comma[2] == 'o';
		len = (size_t)(comma - s);
	}
	if (!len)
		return usage_error("--disk %s: expected PATH[,ro]", s);
	s[len] = '\0';
	d->path = s;
	cfg->nr_disks++;
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int i, v;
	char *end;

	for (i = 0; i < 6; i++) {
		if (!((s[0] >= '0' && s[0] <= '9') ||
		      (s[0] >= 'a' && s[0] <= 'f') ||
		      (s[0] >= 'A' && s[0] <= 'F')))
			return -1;
		v = (unsigned int)strtoul(s, &end, 16);
		if (end != s + 2 || v > 0xff || *end != (i == 5 ? '\0' : ':'))
			return -1;
		mac[i] = (uint8_t)v;
		s = end + (i < 5);
	}
	return 0;
}

/* PATH[,wait=N]: split in place, the path stays in the argv string. */
static int parse_ioreq_socket(char *s, struct vm_config *cfg)
{
	char *comma = strrchr(s, ',');
	unsigned long n = 0;
	char *end;

	if (comma && !strncmp(comma, ",wait=", 6)) {
		errno = 0;
		n = strtoul(comma + 6, &end, 10);
		if (comma[6] < '0' || comma[6] > '9' || *end || errno ||
		    n > VM_MAX_DEVICE_MODELS)
			return usage_error("--ioreq-socket %s: wait= takes 0 to %u",
					   s, VM_MAX_DEVICE_MODELS);
		*comma = '\0';
	}
	if (!s[0])
		return usage_error("--ioreq-socket: expected PATH[,wait=N]");
	cfg->ioreq_socket = s;
	cfg->dm_wait = (unsigned int)n;
	return 0;
}

/* @arg is the argv string: it is split in place, the tap name stays in it. */
static int parse_net(char *arg, struct vm_config *cfg)
{
	char s[256], *tok, *save = NULL;

	snprintf(s, sizeof(s), "%s", arg);	/* for messages */
	if (cfg->net_tap)
		return usage_error("--net %s: only one --net is supported", s);
	for (tok = strtok_r(arg, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "tap=", 4) && tok[4]) {
			cfg->net_tap = tok + 4;
		} else if (!strncmp(tok, "mac=", 4)) {
			if (parse_mac(tok + 4, cfg->net_mac))
				return usage_error("--net %s: bad MAC address '%s' (expected XX:XX:XX:XX:XX:XX)",
						   s, tok + 4);
			if (cfg->net_mac[0] & 1)
				return usage_error("--net %s: MAC address %s is a multicast address",
						   s, tok + 4);
			cfg->net_has_mac = true;
		} else {
			return usage_error("--net %s: expected tap=NAME[,mac=XX:XX:XX:XX:XX:XX]",
					   s);
		}
	}
	if (!cfg->net_tap)
		return usage_error("--net %s: expected tap=NAME[,mac=XX:XX:XX:XX:XX:XX]",
				   s);
	return 0;
}

static int parse_console(const char *s, enum vm_console *out)
{
	if (!strcmp(s, "serial"))
		*out = VM_CONSOLE_SERIAL;
	else if (!strcmp(s, "virtio"))
		*out = VM_CONSOLE_VIRTIO;
	else
		return usage_error("--console %s: expected serial or virtio", s);
	return 0;
}

/* The machine's messages: the only place cvisor writes to stderr. */
static void cli_log(void *opaque, enum log_level level, const char *subsys,
		    const char *msg)
{
	fprintf(stderr, "cvisor: %s\n", msg);
}

static int run_vm(struct vm *vm, const char *api_socket, const char *gdb,
		  struct qmp_server *qmp);
static int run_incoming_deferred(const struct vm_restore_opts *ro,
				 const char *api_socket, const char *gdb);

static int cmd_run(int argc, char **argv, uint64_t start_ns)
{
	enum {
		OPT_APPEND = 256, OPT_INITRD, OPT_TESTDEV, OPT_DISK, OPT_NET,
		OPT_RNG, OPT_CONSOLE, OPT_BOOT_TIME, OPT_FIRMWARE, OPT_DEBUGCON,
		OPT_DEVICE_MODEL, OPT_IOREQ_SOCKET,
		OPT_API_SOCKET, OPT_GDB, OPT_RESTORE, OPT_INCOMING,
		OPT_HYPERV, OPT_KVM_PV,
		OPT_PRIVATE_MEMORY,
	};
	static const struct option opts[] = {
		{ "kernel",	required_argument, NULL, 'k' },
		{ "accel",	required_argument, NULL, 'a' },
		{ "cpus",	required_argument, NULL, 'c' },
		{ "memory",	required_argument, NULL, 'm' },
		{ "append",	required_argument, NULL, OPT_APPEND },
		{ "initrd",	required_argument, NULL, OPT_INITRD },
		{ "testdev",	no_argument,	   NULL, OPT_TESTDEV },
		{ "private-memory", no_argument,   NULL, OPT_PRIVATE_MEMORY },
		{ "disk",	required_argument, NULL, OPT_DISK },
		{ "net",	required_argument, NULL, OPT_NET },
		{ "rng",	no_argument,	   NULL, OPT_RNG },
		{ "console",	required_argument, NULL, OPT_CONSOLE },
		{ "boot-time",	no_argument,	   NULL, OPT_BOOT_TIME },
		{ "firmware",	required_argument, NULL, OPT_FIRMWARE },
		{ "debugcon",	required_argument, NULL, OPT_DEBUGCON },
		{ "device-model", required_argument, NULL, OPT_DEVICE_MODEL },
		{ "ioreq-socket", required_argument, NULL, OPT_IOREQ_SOCKET },
		{ "api-socket",	required_argument, NULL, OPT_API_SOCKET },
		{ "gdb",	required_argument, NULL, OPT_GDB },
		{ "restore",	required_argument, NULL, OPT_RESTORE },
		{ "incoming",	required_argument, NULL, OPT_INCOMING },
		{ "hyperv",	required_argument, NULL, OPT_HYPERV },
		{ "kvm-pv",	required_argument, NULL, OPT_KVM_PV },
		{ "verbose",	no_argument,	   NULL, 'v' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vm_config cfg = {
		.accel = HV_ACCEL_AUTO,
		.nr_cpus = 1,
		.ram_size = MEM_DEFAULT,
		.console = VM_CONSOLE_SERIAL,
		.start_ns = start_ns,
		.log = cli_log,
	};
	const char *api_socket = NULL, *restore = NULL, *incoming = NULL;
	const char *gdb = NULL;
	char err[VM_MSG_LEN] = "";
	struct vm *vm;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:a:c:m:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			cfg.kernel = optarg;
			break;
		case 'a':
			if (parse_accel(optarg, &cfg.accel))
				return EXIT_USAGE;
			break;
		case 'c':
			if (parse_cpus(optarg, &cfg.nr_cpus))
				return EXIT_USAGE;
			break;
		case 'm':
			if (parse_memory(optarg, &cfg.ram_size))
				return EXIT_USAGE;
			break;
		case OPT_APPEND:
			cfg.cmdline = optarg;
			break;
		case OPT_INITRD:
			cfg.initrd = optarg;
			break;
		case OPT_TESTDEV:
			cfg.testdev = true;
			break;
		case OPT_PRIVATE_MEMORY:
			cfg.private_memory = true;
			break;
		case OPT_DISK:
			if (parse_disk(optarg, &cfg))
				return EXIT_USAGE;
			break;
		case OPT_NET:
			if (parse_net(optarg, &cfg))
				return EXIT_USAGE;
			break;
		case OPT_RNG:
			cfg.rng = true;
			break;
		case OPT_CONSOLE:
			if (parse_console(optarg, &cfg.console))
				return EXIT_USAGE;
			break;
		case OPT_BOOT_TIME:
			cfg.boot_time = true;
			break;
		case OPT_FIRMWARE:
			cfg.firmware = optarg;
			break;
		case OPT_DEBUGCON:
			cfg.debugcon = optarg;
			break;
		case OPT_DEVICE_MODEL:
			if (cfg.nr_device_models >= VM_MAX_DEVICE_MODELS)
				return usage_error("--device-model %s: at most %u device models",
						   optarg, VM_MAX_DEVICE_MODELS);
			if (!optarg[0])
				return usage_error("--device-model: expected DEVICE[,OPTIONS]");
			cfg.device_models[cfg.nr_device_models++] = optarg;
			break;
		case OPT_IOREQ_SOCKET:
			if (parse_ioreq_socket(optarg, &cfg))
				return EXIT_USAGE;
			break;
		case OPT_API_SOCKET:
			api_socket = optarg;
			break;
		case OPT_GDB:
			gdb = optarg;
			break;
		case OPT_RESTORE:
			restore = optarg;
			break;
		case OPT_INCOMING:
			incoming = optarg;
			break;
		case OPT_HYPERV:
			if (hyperv_parse(optarg, &cfg.hyperv, err,
					 sizeof(err)))
				return usage_error("--hyperv %s: %s", optarg,
						   err);
			break;
		case OPT_KVM_PV:
			if (!strcmp(optarg, "on"))
				cfg.kvm_pv = VM_KVM_PV_ON;
			else if (!strcmp(optarg, "off"))
				cfg.kvm_pv = VM_KVM_PV_OFF;
			else
				return usage_error("--kvm-pv %s: expected on or off",
						   optarg);
			break;
		case 'v':
			cfg.verbose = true;
			break;
		case 'h':
			fputs(run_usage_text, stdout);
			return 0;
		case ':':
			return usage_error("option '%s' needs a value",
					   argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (restore && incoming)
		return usage_error("run: --restore and --incoming exclude each other");
	if (!cfg.kernel && !cfg.firmware && !restore && !incoming)
		return usage_error("run: --kernel FILE is required (or --firmware FILE to boot a BIOS)");
	if (!cfg.kernel && (cfg.initrd || cfg.cmdline))
		return usage_error("run: --initrd and --append need --kernel");

	if (restore) {
		struct vm_restore_opts ro = {
			.accel = cfg.accel, .verbose = cfg.verbose,
			.start_ns = start_ns, .log = cli_log,
		};

		ret = vm_restore_file(restore, &ro, &vm, err, sizeof(err));
		/* The bench's restore-to-first-instruction time. */
		if (!ret && cfg.verbose)
			fprintf(stderr, "cvisor: restored %s in %.3f ms\n",
				restore, (vm_now_ns() - start_ns) / 1e6);
	} else if (incoming) {
		struct vm_restore_opts ro = {
			.accel = cfg.accel, .verbose = cfg.verbose,
			.start_ns = start_ns, .log = cli_log,
		};

		if (!strcmp(incoming, "defer")) {
			if (!api_socket)
				return usage_error("run: --incoming defer needs --api-socket (migrate-incoming comes through it)");
			return run_incoming_deferred(&ro, api_socket, gdb);
		}
		ret = vm_migrate_incoming(incoming, &ro, &vm, err, sizeof(err));
	} else {
		ret = vm_create(&cfg, &vm, err, sizeof(err));
	}
	if (ret) {
		fprintf(stderr, "cvisor: %s\n", err);
		return VM_EXIT_FAILURE;
	}
	return run_vm(vm, api_socket, gdb, NULL);
}

/*
 * --incoming defer (QEMU's): serve QMP without a VM until migrate-incoming
 * names the URI, receive the VM there, then run it on the same socket.
 */
static int run_incoming_deferred(const struct vm_restore_opts *ro,
				 const char *api_socket, const char *gdb)
{
	struct qmp_server *qmp = NULL;
	char err[VM_MSG_LEN] = "";
	struct vm *vm = NULL;
	char *uri = NULL;
	int ret;

	ret = qmp_server_start(NULL, api_socket, &qmp, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "cvisor: %s\n", err);
		return VM_EXIT_FAILURE;
	}
	ret = qmp_server_wait_incoming(qmp, &uri);
	if (ret) {
		/* quit before any migration: nothing ran. */
		qmp_server_vm_ended(qmp, 0);
		qmp_server_stop(qmp);
		return 0;
	}
	ret = vm_migrate_incoming(uri, ro, &vm, err, sizeof(err));
	free(uri);
	if (ret) {
		qmp_server_stop(qmp);
		fprintf(stderr, "cvisor: %s\n", err);
		return VM_EXIT_FAILURE;
	}
	qmp_server_attach_vm(qmp, vm);
	return run_vm(vm, api_socket, gdb, qmp);
}

/*
 * Run @vm to its end with the control socket, if any (@qmp: already
 * serving it), and the GDB stub; consumes @vm and @qmp.
 */
static int run_vm(struct vm *vm, const char *api_socket, const char *gdb,
		  struct qmp_server *qmp)
{
	struct gdb_server *gdbs = NULL;
	char err[VM_MSG_LEN] = "";
	int ret;

	if (api_socket && !qmp) {
		ret = qmp_server_start(vm, api_socket, &qmp, err, sizeof(err));
		if (ret) {
			vm_destroy(vm);
			fprintf(stderr, "cvisor: %s\n", err);
			return VM_EXIT_FAILURE;
		}
	}
	if (gdb) {
		ret = gdb_server_start(vm, gdb, &gdbs, err, sizeof(err));
		if (ret) {
			qmp_server_stop(qmp);
			vm_destroy(vm);
			fprintf(stderr, "cvisor: %s\n", err);
			return VM_EXIT_FAILURE;
		}
	}
	ret = vm_run(vm, err, sizeof(err));
	gdb_server_stop(gdbs, ret);
	qmp_server_vm_ended(qmp, ret);
	qmp_server_stop(qmp);
	vm_destroy(vm);
	if (err[0])
		fprintf(stderr, "cvisor: %s\n", err);
	return ret;
}

/* cvisor restore FILE [run options]: cvisor run --restore FILE ... */
static int cmd_restore(int argc, char **argv, uint64_t start_ns)
{
	char **nargv;
	int i, ret;

	if (argc < 2 || argv[1][0] == '-')
		return usage_error("restore: expected a snapshot FILE");
	nargv = calloc((size_t)argc + 2, sizeof(*nargv));
	if (!nargv)
		return VM_EXIT_FAILURE;
	nargv[0] = argv[0];
	nargv[1] = (char *)"--restore";
	for (i = 1; i < argc; i++)
		nargv[i + 1] = argv[i];
	ret = cmd_run(argc + 1, nargv, start_ns);
	free(nargv);
	return ret;
}

/* {"KEY": "VALUE"} with VALUE escaped as JSON needs. */
static void json_escape_arg(char *buf, size_t len, const char *key,
			    const char *value)
{
	json_t *o = json_pack("{s:s}", key, value);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	snprintf(buf, len, "%s", s ? s : "{}");
	free(s);
	json_decref(o);
}

/*
 * After "migrate": poll query-migrate until the migration ends, print
 * its numbers, and end the source VM once the destination has it.
 */
static int migrate_wait_and_report(const char *sock, char *err,
				   size_t err_len)
{
	struct qmp_reply reply;
	const char *status = "";
	json_t *o = NULL;
	int ret;

	for (;;) {
		json_decref(o);
		o = NULL;
		ret = qmp_client_execute(sock, "query-migrate", NULL, &reply,
					 err, err_len);
		if (ret)
			return ret;
		if (reply.json)
			o = json_loads(reply.json, 0, NULL);
		qmp_reply_free(&reply);
		status = json_string_value(json_object_get(o, "status"));
		if (!status) {
			snprintf(err, err_len, "query-migrate: no status");
			json_decref(o);
			return -EPROTO;
		}
		if (!strcmp(status, "completed") || !strcmp(status, "failed"))
			break;
		usleep(20000);
	}
	if (!strcmp(status, "failed")) {
		snprintf(err, err_len, "migration failed: %s",
			 json_string_value(json_object_get(o, "error-desc")) ?: "?");
		json_decref(o);
		return -EIO;
	}
	{
		json_t *ram = json_object_get(o, "ram");

		printf("migration completed: rounds %lld, pages %lld, bytes %lld, total %.3f ms, downtime %.3f ms\n",
		       json_integer_value(json_object_get(ram, "dirty-sync-count")),
		       json_integer_value(json_object_get(ram, "normal")),
		       json_integer_value(json_object_get(ram, "transferred")),
		       json_integer_value(json_object_get(o, "x-total-time-us")) / 1000.0,
		       json_integer_value(json_object_get(o, "x-downtime-us")) / 1000.0);
	}
	json_decref(o);
	/* The destination runs the VM now; the paused source is done. */
	ret = qmp_client_execute(sock, "quit", NULL, &reply, err, err_len);
	if (!ret)
		qmp_reply_free(&reply);
	return 0;
}

/* pause/resume/snapshot/migrate/qmp: one QMP command on SOCK. */
static int cmd_control(int argc, char **argv)
{
	const char *cmd = argv[0], *qcmd, *sock;
	struct qmp_reply reply;
	char err[VM_MSG_LEN], args[4096];
	const char *jargs = NULL;
	int ret, want;

	if (!strcmp(cmd, "pause") || !strcmp(cmd, "resume"))
		want = 2;
	else if (!strcmp(cmd, "qmp"))
		want = argc == 4 ? 4 : 3;
	else
		want = 3;
	if (argc != want)
		return usage_error("%s: expected %s", cmd,
				   !strcmp(cmd, "snapshot") ? "SOCK FILE" :
				   !strcmp(cmd, "migrate") ? "SOCK URI" :
				   !strcmp(cmd, "qmp") ? "SOCK COMMAND [JSON-ARGS]" :
				   "SOCK");
	sock = argv[1];
	if (!strcmp(cmd, "pause")) {
		qcmd = "stop";
	} else if (!strcmp(cmd, "resume")) {
		qcmd = "cont";
	} else if (!strcmp(cmd, "qmp")) {
		qcmd = argv[2];
		jargs = argc == 4 ? argv[3] : NULL;
	} else {
		/* JSON-escape the path through jansson in the client. */
		json_escape_arg(args, sizeof(args),
				!strcmp(cmd, "snapshot") ? "file" : "uri", argv[2]);
		qcmd = !strcmp(cmd, "snapshot") ? "cvisor-snapshot-save" :
						  "migrate";
		jargs = args;
	}
	ret = qmp_client_execute(sock, qcmd, jargs, &reply, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "cvisor: %s\n", err);
		return VM_EXIT_FAILURE;
	}
	if (reply.err_class[0]) {
		fprintf(stderr, "cvisor: %s: %s\n", qcmd, reply.err_desc);
		return 1;
	}
	if (!strcmp(cmd, "migrate")) {
		ret = migrate_wait_and_report(sock, err, sizeof(err));
		if (ret)
			fprintf(stderr, "cvisor: %s\n", err);
		qmp_reply_free(&reply);
		return ret ? 1 : 0;
	}
	if (!strcmp(cmd, "qmp") || !strcmp(cmd, "snapshot"))
		printf("%s\n", reply.json ? reply.json : "{}");
	qmp_reply_free(&reply);
	return 0;
}

static int cmd_caps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "accel",	required_argument, NULL, 'a' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum hv_accel accel = HV_ACCEL_AUTO;
	char err[VM_MSG_LEN] = "";
	struct vm_caps caps;
	unsigned int i;
	int c, v;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":a:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (parse_accel(optarg, &accel))
				return EXIT_USAGE;
			break;
		case 'h':
			fputs(caps_usage_text, stdout);
			return 0;
		case ':':
			return usage_error("option '%s' needs a value",
					   argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);

	if (vm_caps_query(accel, &caps, err, sizeof(err))) {
		fprintf(stderr, "cvisor: %s\n", err);
		return VM_EXIT_FAILURE;
	}
	printf("accel: %s (%s)\n", caps.backend, caps.why);
	for (i = 0; i < caps.nr; i++) {
		char suffix[32] = "";

		v = caps.cap[i].value;
		if (v > 1)
			snprintf(suffix, sizeof(suffix), " (%d)", v);
		printf("%-4s %s%s\n", v ? "yes" : "no", caps.cap[i].name,
		       suffix);
	}
	return 0;
}

/*
 * cvisor kvm-shim [--] PROGRAM ARGS...: run a KVM program on the emu
 * backend by exec'ing it with libcvisor-kvm.so preloaded
 * (docs/kvm-shim.md).  The library is looked up next to this binary, or
 * taken from $CVISOR_KVM_SHIM.  Returns only on failure.
 */
#define SHIM_NAME	"libcvisor-kvm.so"

static int kvm_shim_path(char *buf, size_t len)
{
	char exe[PATH_MAX];
	const char *env = getenv("CVISOR_KVM_SHIM");
	ssize_t n;

	if (env && *env) {
		if (!realpath(env, buf))
			return -errno;
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	if ((size_t)snprintf(buf, len, "%s/%s", dirname(exe), SHIM_NAME) >= len)
		return -ENAMETOOLONG;
	return access(buf, R_OK) ? -errno : 0;
}

static int cmd_kvm_shim(int argc, char **argv)
{
	char lib[PATH_MAX], *preload;
	const char *old;
	int first = 1, ret;

	if (argc > 1 && !strcmp(argv[1], "--"))
		first = 2;
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("Usage: cvisor kvm-shim [--] PROGRAM [ARGS...]\n"
		     "Run PROGRAM with /dev/kvm served by cvisor's emu backend.");
		return 0;
	}
	if (first >= argc) {
		fprintf(stderr, "cvisor: kvm-shim: expected a PROGRAM to run (cvisor kvm-shim -- PROGRAM ARGS...)\n");
		return 2;
	}
	ret = kvm_shim_path(lib, sizeof(lib));
	if (ret) {
		fprintf(stderr, "cvisor: kvm-shim: %s: %s\n",
			getenv("CVISOR_KVM_SHIM") ? getenv("CVISOR_KVM_SHIM") :
			SHIM_NAME " next to cvisor", strerror(-ret));
		return 125;
	}
	/* The dynamic loader splits LD_PRELOAD at spaces and colons. */
	if (strpbrk(lib, " :")) {
		fprintf(stderr, "cvisor: kvm-shim: %s: path contains a space or colon\n",
			lib);
		return 125;
	}
	old = getenv("LD_PRELOAD");
	if (old && *old) {
		if (asprintf(&preload, "%s:%s", lib, old) < 0)
			return 125;
	} else {
		preload = lib;
	}
	if (setenv("LD_PRELOAD", preload, 1))
		return 125;
	execvp(argv[first], argv + first);
	fprintf(stderr, "cvisor: kvm-shim: %s: %s\n", argv[first],
		strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

int main(int argc, char **argv)
{
	/* --boot-time counts from here, the closest we get to exec. */
	uint64_t start_ns = vm_now_ns();
	const char *cmd;

	/* A closed stdout must not kill us before the guest's status is out. */
	signal(SIGPIPE, SIG_IGN);

	if (argc < 2)
		return usage_error("no command given");
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "help")) {
		fputs(usage_text, stdout);
		fputs("\n", stdout);
		fputs(run_usage_text, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("cvisor %s\n", CVISOR_VERSION);
		return 0;
	}
	/* Subcommands parse argv[1..]: argv[1] plays the program name. */
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1, start_ns);
	if (!strcmp(cmd, "caps"))
		return cmd_caps(argc - 1, argv + 1);
	if (!strcmp(cmd, "kvm-shim"))
		return cmd_kvm_shim(argc - 1, argv + 1);
	if (!strcmp(cmd, "restore"))
		return cmd_restore(argc - 1, argv + 1, start_ns);
	if (!strcmp(cmd, "pause") || !strcmp(cmd, "resume") ||
	    !strcmp(cmd, "snapshot") || !strcmp(cmd, "migrate") ||
	    !strcmp(cmd, "qmp"))
		return cmd_control(argc - 1, argv + 1);
	return usage_error("unknown command '%s'", cmd);
}
