// SPDX-License-Identifier: GPL-2.0
/*
 * term.c - raw mode for an interactive console, restored however we exit.
 *
 * This file keeps the only process-wide state in the VMM: the saved
 * terminal settings.  It cannot live in struct vm because a signal handler
 * (SIGTERM, SIGSEGV...) must find it, and a terminal is a process-wide
 * resource anyway: there is one controlling terminal whatever the number
 * of VMs.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "vmm/term.h"

static struct term_saved {
	volatile sig_atomic_t active;
	bool handlers_installed;
	int fd;
	struct termios tio;
} term_saved;

void term_restore(void)
{
	/* Async-signal-safe: tcsetattr is, and the flag makes it run once. */
	if (!term_saved.active)
		return;
	term_saved.active = 0;
	tcsetattr(term_saved.fd, TCSAFLUSH, &term_saved.tio);
}

static void term_signal(int sig)
{
	term_restore();
	/* Die from the same signal with the default action. */
	signal(sig, SIG_DFL);
	raise(sig);
}

int term_raw_enter(int fd)
{
	static const int sigs[] = {
		SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGSEGV, SIGBUS, SIGABRT,
		SIGFPE, SIGILL,
	};
	struct sigaction sa;
	struct termios raw;
	unsigned int i;

	if (!isatty(fd) || term_saved.active)
		return 0;
	if (tcgetattr(fd, &term_saved.tio) < 0)
		return -errno;
	term_saved.fd = fd;

	if (!term_saved.handlers_installed) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = term_signal;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESETHAND;
		for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			sigaction(sigs[i], &sa, NULL);
		atexit(term_restore);
		term_saved.handlers_installed = true;
	}

	/*
	 * Input is raw (the guest does its own echo and line editing, and
	 * Ctrl-C goes to the guest), output processing stays on so that a
	 * guest printing bare "\n" still starts new lines.
	 */
	raw = term_saved.tio;
	raw.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
			 ICRNL | IXON);
	raw.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	raw.c_cflag &= ~(CSIZE | PARENB);
	raw.c_cflag |= CS8;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	term_saved.active = 1;
	if (tcsetattr(fd, TCSAFLUSH, &raw) < 0) {
		term_saved.active = 0;
		return -errno;
	}
	return 0;
}
