// SPDX-License-Identifier: GPL-2.0
/*
 * benchtool - run contenders side by side and measure them.
 *
 *   benchtool time [-n RUNS] [-w WARMUP] [-s STATUS] [-t SECS]
 *                  NAME CMD [ARGS...] [--- NAME CMD [ARGS...]]...
 *	Wall time of whole processes (fork before, waitpid after), RUNS
 *	times each.  Runs are interleaved round by round, and the order
 *	inside a round rotates, so drift on this noisy host (other jobs,
 *	nested virtualization, frequency changes) lands on every contender
 *	alike instead of on whichever ran last.  One line per contender:
 *	    NAME median_us min_us mean_us max_us ok bad
 *	where bad counts runs that did not exit with STATUS (default 1:
 *	the guest wrote 0 to isa-debug-exit) or hit the timeout.
 *
 *   benchtool startup [-n RUNS] [-w WARMUP] [-s STATUS] [-t SECS] [-m OUTPUT]
 *                     NAME CMD [ARGS...] [--- NAME CMD [ARGS...]]...
 *	Start-up split at the first guest exit.  The command runs with stdout
 *	on a pipe and a guest whose first exit writes one byte to the UART
 *	(bench/guests/first_out.S).  Per run, from just before fork():
 *	    t_first  the first byte is read from the pipe (first guest exit,
 *		     plus one write(2) and one pipe wake-up, alike for all)
 *	    t_end    waitpid() returns (VM teardown and process exit)
 *	A run counts only if it exits with STATUS and its whole stdout is
 *	exactly OUTPUT (default "\n"): a banner or a stray byte from anything
 *	but the guest's OUT makes it bad.  Interleaved like "time".  One line
 *	per contender, medians and minima over the good runs, in us:
 *	    NAME first_med first_min teardown_med teardown_min
 *	         total_med total_min ok bad
 *	where teardown = t_end - t_first of the same run, total = t_end.
 *	benchtool itself runs SCHED_FIFO if it may (not its children), so
 *	it reads the byte as soon as it is written.
 *
 *   benchtool rss [-n RUNS] [-t SECS] [-m MARKER]
 *                 NAME CMD [ARGS...] [--- NAME CMD [ARGS...]]...
 *	Start the command with stdout on a pipe, wait until MARKER (default
 *	"READY") appears on it, read /proc/PID/status, kill the process.  One
 *	line per contender, the run with the median VmRSS:
 *	    NAME vmrss_kib rss_anon_kib rss_file_kib rss_shmem_kib vmpte_kib ok bad
 *
 *   benchtool marker [-n RUNS] [-w WARMUP] [-t SECS] [-m MARKER]
 *                    [-e PREFIX] [-g GUEST_MIB] NAME CMD... [--- NAME CMD...]...
 *	Time from just before fork() to the first MARKER (default "READY") on
 *	the command's stdout, then a memory sample and SIGKILL: what the
 *	process does after the marker is not measured.  For Linux boots
 *	(bench/run's "boot" benchmark) the marker is the line the guest's
 *	/init prints right after its boot-done write, which times every VMM
 *	the same way.  -e PREFIX also reads the command's stderr and records
 *	the number after PREFIX (e.g. "boot-done after " for cvisor
 *	--boot-time: the VMM's own view).  -g: guest RAM size, see
 *	guest_rss().  Interleaved like "time".  One line per contender,
 *	medians and minima over the good runs, the memory of the run with the
 *	median VmRSS:
 *	    NAME marker_med_us marker_min_us extra_med extra_min vmrss_kib
 *	         rss_anon_kib rss_file_kib rss_shmem_kib vmpte_kib
 *	         guest_kib ok bad
 *	(extra and guest "-" without -e / -g).
 *
 * Children get stdin from /dev/null and stderr to /dev/null (stdout too
 * for "time"): a benchmark measures the VMM, not the terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONTENDERS	16
#define MAX_RUNS	1000

struct contender {
	const char *name;
	char **argv;
	double t_us[MAX_RUNS];
	double t_first[MAX_RUNS], t_down[MAX_RUNS];
	long rss[MAX_RUNS][6];	/* VmRSS, RssAnon, RssFile, RssShmem, VmPTE, guest */
	double extra[MAX_RUNS];	/* marker: the number after -e PREFIX */
	int ok, bad;
};

static struct contender con[MAX_CONTENDERS];
static int ncon;
static int runs = 10, warmup = 1, want_status = 1, timeout_s = 60;
static const char *marker;	/* default per mode, see main() */
static const char *err_prefix;	/* marker -e */
static long guest_mib;		/* marker -g */

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: benchtool time [-n RUNS] [-w WARMUP] [-s STATUS] [-t SECS] NAME CMD... [--- NAME CMD...]...\n"
		"       benchtool startup [-n RUNS] [-w WARMUP] [-s STATUS] [-t SECS] [-m OUTPUT] NAME CMD... [--- NAME CMD...]...\n"
		"       benchtool rss [-n RUNS] [-t SECS] [-m MARKER] NAME CMD... [--- NAME CMD...]...\n"
		"       benchtool marker [-n RUNS] [-w WARMUP] [-t SECS] [-m MARKER] [-e PREFIX] [-g GUEST_MIB] NAME CMD... [--- NAME CMD...]...\n");
	exit(2);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Split "NAME CMD... --- NAME CMD..." in place. */
static void parse_contenders(int argc, char **argv)
{
	int i = 0;

	while (i < argc) {
		int start = i;

		if (ncon == MAX_CONTENDERS)
			usage();
		while (i < argc && strcmp(argv[i], "---"))
			i++;
		if (i - start < 2)
			usage();
		argv[i < argc ? i : argc] = NULL;
		con[ncon].name = argv[start];
		con[ncon].argv = argv + start + 1;
		ncon++;
		i++;
	}
	if (!ncon)
		usage();
}

/*
 * fork + exec with stdin </dev/null, stdout and stderr on the given fds
 * (/dev/null for -1).
 */
static pid_t spawn_fds(char **argv, int out_fd, int err_fd)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("benchtool: fork");
		exit(1);
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null < 0)
			_exit(126);
		dup2(null, STDIN_FILENO);
		dup2(out_fd >= 0 ? out_fd : null, STDOUT_FILENO);
		dup2(err_fd >= 0 ? err_fd : null, STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static pid_t spawn(char **argv, int out_fd)
{
	return spawn_fds(argv, out_fd, -1);
}

static void on_alarm(int sig)
{
	/* Only there to interrupt waitpid(). */
}

/*
 * Wait for @pid for at most the timeout; kill it if it overstays.  Returns
 * the exit status, or -1 if it was killed or died of a signal.  A blocking
 * wait broken by SIGALRM rather than a polling loop: polling would steal
 * CPU from the contender on this 2-core host.
 */
static int wait_bounded(pid_t pid)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int st;

	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: waitpid gets EINTR */
	alarm(timeout_s);
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			perror("benchtool: waitpid");
			exit(1);
		}
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		alarm(0);
		return -1;
	}
	alarm(0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int cmd_time(void)
{
	int r, k;

	for (r = -warmup; r < runs; r++) {
		for (k = 0; k < ncon; k++) {
			/* Rotate the order each round to cancel position bias. */
			struct contender *c = &con[(k + (r + warmup)) % ncon];
			double t0, t1;
			int st;

			t0 = now_us();
			st = wait_bounded(spawn(c->argv, -1));
			t1 = now_us();
			if (r < 0)
				continue;
			if (st != want_status) {
				c->bad++;
				continue;
			}
			c->t_us[c->ok++] = t1 - t0;
		}
	}
	for (k = 0; k < ncon; k++) {
		struct contender *c = &con[k];
		double sum = 0, med;
		int i;

		if (!c->ok) {
			printf("%s - - - - 0 %d\n", c->name, c->bad);
			continue;
		}
		qsort(c->t_us, c->ok, sizeof(double), cmp_double);
		for (i = 0; i < c->ok; i++)
			sum += c->t_us[i];
		med = c->ok % 2 ? c->t_us[c->ok / 2] :
			(c->t_us[c->ok / 2 - 1] + c->t_us[c->ok / 2]) / 2;
		printf("%s %.1f %.1f %.1f %.1f %d %d\n", c->name, med,
		       c->t_us[0], sum / c->ok, c->t_us[c->ok - 1], c->ok,
		       c->bad);
	}
	return 0;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * One start-up run: returns 0 and fills @first/@end (us since just before
 * fork) if the first byte came, the process exited with want_status and
 * its stdout was exactly @marker; -1 otherwise.
 */
static int startup_run(char **argv, double *first, double *end)
{
	size_t want = strlen(marker), len = 0;
	char buf[1024];	/* > the longest -m */
	double t0, deadline;
	int fds[2], st, good = 1;
	pid_t pid;
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		perror("benchtool: pipe");
		exit(1);
	}
	t0 = now_us();
	deadline = t0 + timeout_s * 1e6;
	pid = spawn(argv, fds[1]);
	close(fds[1]);
	/*
	 * Block in poll() until the first byte: no busy loop stealing a CPU
	 * from the contender.  The timestamp is taken right after the read.
	 */
	for (;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		int left = (int)((deadline - now_us()) / 1000);

		if (left <= 0 || poll(&p, 1, left) <= 0) {
			n = -1;
			break;
		}
		n = read(fds[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	*first = now_us() - t0;
	if (n <= 0) {
		/* EOF (died before its first byte), error or timeout. */
		good = 0;
		kill(pid, SIGKILL);
	} else {
		len = n;
	}
	st = wait_bounded(pid);
	*end = now_us() - t0;
	/* Whatever else it wrote, so a banner cannot go unnoticed. */
	while (good && (n = read(fds[0], buf + len, sizeof(buf) - len)) > 0)
		len += n;
	close(fds[0]);
	if (!good || st != want_status || len != want ||
	    memcmp(buf, marker, want))
		return -1;
	return 0;
}

static int cmd_startup(void)
{
	struct sched_param sp = { .sched_priority = 1 };
	int r, k;

	/*
	 * t_first is when *we* read the byte: on 2 busy cores a plain
	 * benchtool may wake up long after the write.  Real-time priority
	 * makes the wake-up immediate; the children go back to SCHED_OTHER
	 * at fork (SCHED_RESET_ON_FORK), so the contenders are not helped.
	 */
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) < 0)
		fprintf(stderr,
			"benchtool: no SCHED_FIFO (%s): t_first includes our own wake-up latency\n",
			strerror(errno));
	for (r = -warmup; r < runs; r++) {
		for (k = 0; k < ncon; k++) {
			struct contender *c = &con[(k + (r + warmup)) % ncon];
			double first, end;
			int ok = !startup_run(c->argv, &first, &end);

			if (r < 0)
				continue;
			if (!ok) {
				c->bad++;
				continue;
			}
			c->t_first[c->ok] = first;
			c->t_down[c->ok] = end - first;
			c->t_us[c->ok++] = end;
		}
	}
	for (k = 0; k < ncon; k++) {
		struct contender *c = &con[k];
		double f, d, t;

		if (!c->ok) {
			printf("%s - - - - - - 0 %d\n", c->name, c->bad);
			continue;
		}
		/* Each median sorts its array: take the minima afterwards. */
		f = median(c->t_first, c->ok);
		d = median(c->t_down, c->ok);
		t = median(c->t_us, c->ok);
		printf("%s %.1f %.1f %.1f %.1f %.1f %.1f %d %d\n", c->name, f,
		       c->t_first[0], d, c->t_down[0], t, c->t_us[0], c->ok,
		       c->bad);
	}
	return 0;
}

/* The first 64 KiB a child wrote on stderr (marker -e). */
struct errbuf {
	char b[65536];
	size_t len;
};

/* Append what @fd has to @eb; 0 at EOF or error. */
static int read_err(int fd, struct errbuf *eb)
{
	char sink[4096];
	ssize_t n;

	if (eb->len < sizeof(eb->b) - 1)
		n = read(fd, eb->b + eb->len, sizeof(eb->b) - 1 - eb->len);
	else
		n = read(fd, sink, sizeof(sink));
	if (n <= 0)
		return 0;
	if (eb->len < sizeof(eb->b) - 1)
		eb->len += n;
	eb->b[eb->len] = 0;
	return 1;
}

/*
 * Wait until @marker shows up on @fd; 0 on success, -1 on EOF/timeout.
 * With @efd >= 0, stderr is read into @eb meanwhile, so the child never
 * blocks on a full stderr pipe.
 */
static int wait_marker_err(int fd, int efd, struct errbuf *eb)
{
	double deadline = now_us() + timeout_s * 1e6;
	char buf[4096];
	size_t len = 0;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = efd, .events = POLLIN },
		};
		int left = (int)((deadline - now_us()) / 1000);
		ssize_t n;

		if (left <= 0 || poll(p, efd >= 0 ? 2 : 1, left) <= 0)
			return -1;
		if (efd >= 0 && p[1].revents && !read_err(efd, eb))
			efd = -1;	/* stderr closed: stdout only */
		if (!p[0].revents)
			continue;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return -1;
		len += n;
		buf[len] = 0;
		if (strstr(buf, marker))
			return 0;
		/* Keep the tail in case the marker straddles two reads. */
		if (len > sizeof(buf) / 2) {
			size_t keep = strlen(marker);

			memmove(buf, buf + len - keep, keep);
			len = keep;
		}
	}
}

static int wait_marker(int fd)
{
	return wait_marker_err(fd, -1, NULL);
}

static int read_status(pid_t pid, long *out)
{
	static const char *const keys[5] = {
		"VmRSS:", "RssAnon:", "RssFile:", "RssShmem:", "VmPTE:"
	};
	char path[64], line[256];
	FILE *f;
	int i, found = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		for (i = 0; i < 5; i++) {
			size_t kl = strlen(keys[i]);

			if (!strncmp(line, keys[i], kl)) {
				out[i] = strtol(line + kl, NULL, 10);
				found++;
			}
		}
	}
	fclose(f);
	return found == 5 ? 0 : -1;
}

static int cmp_rss(const void *a, const void *b)
{
	const long *x = a, *y = b;

	return (x[0] > y[0]) - (x[0] < y[0]);
}

static int cmd_rss(void)
{
	int r, k;

	for (r = 0; r < runs; r++) {
		for (k = 0; k < ncon; k++) {
			struct contender *c = &con[(k + r) % ncon];
			int fds[2], ok;
			pid_t pid;

			if (pipe2(fds, O_CLOEXEC) < 0) {
				perror("benchtool: pipe");
				return 1;
			}
			/* The child's stdout: dup2 clears O_CLOEXEC on it. */
			pid = spawn(c->argv, fds[1]);
			close(fds[1]);
			ok = !wait_marker(fds[0]) &&
			     !read_status(pid, c->rss[c->ok]);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			close(fds[0]);
			if (ok)
				c->ok++;
			else
				c->bad++;
		}
	}
	for (k = 0; k < ncon; k++) {
		struct contender *c = &con[k];
		long *m;

		if (!c->ok) {
			printf("%s - - - - - 0 %d\n", c->name, c->bad);
			continue;
		}
		qsort(c->rss, c->ok, sizeof(c->rss[0]), cmp_rss);
		m = c->rss[c->ok / 2];
		printf("%s %ld %ld %ld %ld %ld %d %d\n", c->name, m[0], m[1],
		       m[2], m[3], m[4], c->ok, c->bad);
	}
	return 0;
}

/*
 * Resident guest RAM (KiB), from /proc/PID/smaps: the Rss of every mapping
 * of guest_mib to guest_mib + 1/16 (QEMU pads its RAM blocks for
 * alignment), whatever its kind: cvisor's guest RAM is a shared memfd
 * mapping (RssShmem), QEMU's an anonymous one (RssAnon), and either
 * appears in VmRSS only as far as the guest touched it.  QEMU's TCG code
 * buffer and other large anonymous areas differ in size and are not
 * counted.  -1 if smaps cannot be read.
 */
static long guest_rss(pid_t pid)
{
	unsigned long lo = guest_mib << 20, hi = lo + (lo >> 4), start, end;
	char path[64], line[512];
	long sum = 0;
	int in_guest = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* "start-end perms ...": field lines ("Rss:") do not parse. */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in_guest = end - start >= lo && end - start <= hi;
			continue;
		}
		if (in_guest && !strncmp(line, "Rss:", 4))
			sum += strtol(line + 4, NULL, 10);
	}
	fclose(f);
	return sum;
}

/*
 * One marker run: 0 and @t (us since just before fork), @extra (the
 * number after -e PREFIX on stderr, or -1) and @mem (read_status() and
 * guest_rss() at the marker) filled in if the marker came; -1 otherwise.
 */
static int marker_run(char **argv, double *t, double *extra, long mem[6])
{
	static struct errbuf eb;
	int out[2], err[2] = { -1, -1 }, ok;
	double t0;
	char *p;
	pid_t pid;

	eb.len = 0;
	eb.b[0] = 0;
	if (pipe2(out, O_CLOEXEC) < 0 ||
	    (err_prefix && pipe2(err, O_CLOEXEC) < 0)) {
		perror("benchtool: pipe");
		exit(1);
	}
	t0 = now_us();
	pid = spawn_fds(argv, out[1], err[1]);
	close(out[1]);
	if (err[1] >= 0)
		close(err[1]);
	ok = !wait_marker_err(out[0], err[0], &eb);
	*t = now_us() - t0;
	if (ok) {
		ok = !read_status(pid, mem);
		mem[5] = guest_mib ? guest_rss(pid) : -1;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* The child is gone: the rest of its stderr ends at EOF. */
	if (err[0] >= 0)
		while (read_err(err[0], &eb))
			;
	close(out[0]);
	if (err[0] >= 0)
		close(err[0]);
	*extra = -1;
	if (err_prefix && (p = strstr(eb.b, err_prefix)))
		*extra = strtod(p + strlen(err_prefix), NULL);
	return ok ? 0 : -1;
}

static int cmd_marker(void)
{
	struct sched_param sp = { .sched_priority = 1 };
	int r, k;

	/* As in startup: read the marker the moment it is written. */
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) < 0)
		fprintf(stderr,
			"benchtool: no SCHED_FIFO (%s): times include our own wake-up latency\n",
			strerror(errno));
	for (r = -warmup; r < runs; r++) {
		for (k = 0; k < ncon; k++) {
			struct contender *c = &con[(k + (r + warmup)) % ncon];
			double t, extra;
			long mem[6];

			if (marker_run(c->argv, &t, &extra, mem) < 0) {
				if (r >= 0)
					c->bad++;
				continue;
			}
			if (r < 0)
				continue;
			c->t_us[c->ok] = t;
			c->extra[c->ok] = extra;
			memcpy(c->rss[c->ok], mem, sizeof(mem));
			c->ok++;
		}
	}
	for (k = 0; k < ncon; k++) {
		struct contender *c = &con[k];
		double t, e;
		long *m;

		if (!c->ok) {
			printf("%s - - - - - - - - - - 0 %d\n", c->name, c->bad);
			continue;
		}
		t = median(c->t_us, c->ok);
		printf("%s %.1f %.1f ", c->name, t, c->t_us[0]);
		e = median(c->extra, c->ok);
		if (c->extra[0] < 0)
			printf("- - ");
		else
			printf("%.3f %.3f ", e, c->extra[0]);
		qsort(c->rss, c->ok, sizeof(c->rss[0]), cmp_rss);
		m = c->rss[c->ok / 2];
		printf("%ld %ld %ld %ld %ld ", m[0], m[1], m[2], m[3], m[4]);
		if (m[5] < 0)
			printf("- ");
		else
			printf("%ld ", m[5]);
		printf("%d %d\n", c->ok, c->bad);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;
	int opt;

	if (argc < 2)
		usage();
	cmd = argv[1];
	argv++;
	argc--;
	while ((opt = getopt(argc, argv, "+n:w:s:t:m:e:g:")) != -1) {
		switch (opt) {
		case 'n':
			runs = atoi(optarg);
			break;
		case 'w':
			warmup = atoi(optarg);
			break;
		case 's':
			want_status = atoi(optarg);
			break;
		case 't':
			timeout_s = atoi(optarg);
			break;
		case 'm':
			marker = optarg;
			break;
		case 'e':
			err_prefix = optarg;
			break;
		case 'g':
			guest_mib = atol(optarg);
			break;
		default:
			usage();
		}
	}
	if (!marker)
		marker = strcmp(cmd, "startup") ? "READY" : "\n";
	if (runs < 1 || runs > MAX_RUNS || warmup < 0 || timeout_s < 1 ||
	    !*marker || strlen(marker) > 1000 || guest_mib < 0 ||
	    guest_mib > (1L << 20) || (err_prefix && !*err_prefix))
		usage();
	parse_contenders(argc - optind, argv + optind);
	/* Our own stdout is a pipe to bench/run: no interleaving surprises. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "time"))
		return cmd_time();
	if (!strcmp(cmd, "startup"))
		return cmd_startup();
	if (!strcmp(cmd, "rss"))
		return cmd_rss();
	if (!strcmp(cmd, "marker"))
		return cmd_marker();
	usage();
}
