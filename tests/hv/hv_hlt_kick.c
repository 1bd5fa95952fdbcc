// SPDX-License-Identifier: GPL-2.0
/*
 * hv_hlt_kick: HLT exits without an irqchip, and hv_vcpu_kick(): from
 * another thread while the guest spins, before a run (must return at
 * once), and many kicks racing with entry (none may be lost; a watchdog
 * fails the test instead of hanging).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "hvtest.h"

static const uint8_t guest[] = {
	0xf4,			/* hlt */
	0xe6, 0xe0,		/* out 0xe0, al */
	0xeb, 0xfe,		/* 1: jmp 1b */
};

struct kicker {
	struct hv_vcpu *vcpu;
	unsigned int delay_us;
	atomic_bool done;
};

static void *kick_thread(void *arg)
{
	struct kicker *k = arg;

	usleep(k->delay_us);
	atomic_store(&k->done, true);
	hv_vcpu_kick(k->vcpu);
	return NULL;
}

/* Bumped after every run_with_kick(); the watchdog wants progress. */
static atomic_uint progress;

/*
 * Fail only when no run returned for 8 s: the whole test may take longer
 * than that on a loaded host, but a single kicked run never should.
 */
static void *watchdog(void *arg)
{
	unsigned int seen = atomic_load(&progress);

	for (;;) {
		sleep(8);
		if (atomic_load(&progress) == seen)
			break;
		seen = atomic_load(&progress);
	}
	printf("FAIL: %s: hv_vcpu_run did not return: a kick was lost\n",
	       (const char *)arg);
	fflush(stdout);
	_exit(1);
}

static void run_with_kick(struct hvt *t, unsigned int delay_us)
{
	struct kicker k = { .vcpu = t->vcpu, .delay_us = delay_us };
	pthread_t th;
	int ret;

	if (pthread_create(&th, NULL, kick_thread, &k))
		check_fail("pthread_create");
	do {
		ret = hv_vcpu_run(t->vcpu);
		/* Only the kick can end this run: the guest spins. */
		CHECK(ret == -EINTR && t->exit->reason == HV_EXIT_INTR,
			  "spinning guest: run returned %d exit %s", ret,
			  hvt_reason(t->exit->reason));
		/*
		 * A stray return before the kick would show the flag clear;
		 * with delay 0 the kick may race entry, which is the point.
		 */
	} while (delay_us == 0 && !atomic_load(&k.done));
	CHECK(atomic_load(&k.done),
		  "run returned HV_EXIT_INTR before anyone kicked");
	pthread_join(th, NULL);
	atomic_fetch_add(&progress, 1);
}

int main(void)
{
	struct hv_exit *e;
	pthread_t wd;
	struct hvt t;
	int ret;

	hvt_setup(&t, guest, sizeof(guest), false);
	pthread_create(&wd, NULL, watchdog, "kick test");

	hvt_run(&t, HV_EXIT_HLT);

	/* A kick between exits makes the next run return at once... */
	e = hvt_run_io(&t, 0xe0, HV_EXIT_IO_OUT, 1);
	(void)e;
	hv_vcpu_kick(t.vcpu);
	ret = hv_vcpu_run(t.vcpu);
	CHECK(ret == -EINTR && t.exit->reason == HV_EXIT_INTR,
		  "kick before run: run returned %d exit %s", ret,
		  hvt_reason(t.exit->reason));
	/* ...once: the run after that needs a new kick. */
	run_with_kick(&t, 50000);

	/* Kicks racing with entry and exit. */
	for (unsigned int i = 0; i < 200; i++)
		run_with_kick(&t, i % 4 == 0 ? 0 : (i * 37) % 300);

	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
