// SPDX-License-Identifier: GPL-2.0
/*
 * timer.c - the per-VM clock thread (see timer.h for the locking rules).
 *
 * The thread sleeps on a CLOCK_MONOTONIC condition variable until the
 * earliest armed deadline, disarms every expired timer and calls fire()
 * for it with the clock lock dropped.  Arming a timer earlier than the
 * current sleep signals the thread.  The list is short (one timer per
 * LAPIC plus the PIT), so a linear scan is cheaper than a heap.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "timer.h"

struct emu_clock {
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* list changed / earlier deadline / stop */
	pthread_cond_t idle;		/* a fire() returned */
	struct emu_timer *timers;
	struct emu_timer *running;	/* whose fire() is executing */
	bool stop;
	pthread_t thread;
};

uint64_t emu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static struct emu_timer *clock_first_expired(struct emu_clock *c,
					     uint64_t now, uint64_t *next)
{
	struct emu_timer *t;

	*next = UINT64_MAX;
	for (t = c->timers; t; t = t->next) {
		if (!t->armed)
			continue;
		if (t->deadline <= now)
			return t;
		if (t->deadline < *next)
			*next = t->deadline;
	}
	return NULL;
}

static void *clock_thread(void *arg)
{
	struct emu_clock *c = arg;
	struct emu_timer *t;
	struct timespec ts;
	uint64_t next;

	pthread_mutex_lock(&c->lock);
	while (!c->stop) {
		t = clock_first_expired(c, emu_now_ns(), &next);
		if (t) {
			t->armed = false;
			c->running = t;
			pthread_mutex_unlock(&c->lock);
			t->fire(t);
			pthread_mutex_lock(&c->lock);
			c->running = NULL;
			pthread_cond_broadcast(&c->idle);
			continue;
		}
		if (next == UINT64_MAX) {
			pthread_cond_wait(&c->wake, &c->lock);
			continue;
		}
		ts.tv_sec = next / 1000000000ull;
		ts.tv_nsec = next % 1000000000ull;
		pthread_cond_timedwait(&c->wake, &c->lock, &ts);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int emu_clock_create(struct emu_clock **out)
{
	pthread_condattr_t attr;
	struct emu_clock *c;
	int ret;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->wake, &attr);
	pthread_condattr_destroy(&attr);
	pthread_cond_init(&c->idle, NULL);
	ret = pthread_create(&c->thread, NULL, clock_thread, c);
	if (ret) {
		pthread_cond_destroy(&c->idle);
		pthread_cond_destroy(&c->wake);
		pthread_mutex_destroy(&c->lock);
		free(c);
		return -ret;
	}
	*out = c;
	return 0;
}

void emu_clock_destroy(struct emu_clock *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->idle);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void emu_timer_add(struct emu_timer *t, struct emu_clock *c,
		   void (*fire)(struct emu_timer *t))
{
	t->clock = c;
	t->fire = fire;
	t->armed = false;
	t->deadline = 0;
	pthread_mutex_lock(&c->lock);
	t->next = c->timers;
	c->timers = t;
	pthread_mutex_unlock(&c->lock);
}

void emu_timer_del(struct emu_timer *t)
{
	struct emu_clock *c = t->clock;
	struct emu_timer **pp;

	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	t->armed = false;
	for (pp = &c->timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	while (c->running == t)
		pthread_cond_wait(&c->idle, &c->lock);
	pthread_mutex_unlock(&c->lock);
	t->clock = NULL;
}

void emu_timer_arm(struct emu_timer *t, uint64_t deadline)
{
	struct emu_clock *c = t->clock;

	pthread_mutex_lock(&c->lock);
	t->deadline = deadline;
	t->armed = true;
	/* The thread may sleep until a later deadline: let it re-scan. */
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
}

void emu_timer_cancel(struct emu_timer *t)
{
	struct emu_clock *c = t->clock;

	pthread_mutex_lock(&c->lock);
	t->armed = false;
	pthread_mutex_unlock(&c->lock);
}
