// SPDX-License-Identifier: GPL-2.0
/*
 * exc_rf.c - the RFLAGS image a fault pushes has RF set (SDM: the
 * processor sets RF in the saved flags of every fault-class exception
 * except an instruction-breakpoint #DB), so that IRET back to the
 * faulting instruction does not re-trigger a code breakpoint.  Checked
 * for #UD and #GP in ring 0 and #GP in ring 3.
 */
#include "sys.h"

#define RFLAGS_RF	(1ull << 16)

static void do_ud(void *arg)
{
	__asm__ __volatile__("ud2");
}

static void do_gp(void *arg)
{
	/* movq (%rdx), %rax: 3 bytes, which record() skips. */
	__asm__ __volatile__("movq (%0), %%rax" :: "d"(0x8000000000000000ull)
			     : "rax", "memory");
}

static uint64_t frame_rflags;

static void record(struct frame *f)
{
	frame_rflags = f->rflags;
	f->rip += f->vector == UD_VECTOR ? 2 : 3;
}

int main(const char *cmdline)
{
	struct user_result r;

	sys_setup();
	set_handler(UD_VECTOR, record);
	do_ud(NULL);
	printf("ring 0 #UD: pushed RFLAGS 0x%llx\n",
	       (unsigned long long)frame_rflags);
	ASSERT_EQ(frame_rflags & RFLAGS_RF, RFLAGS_RF);
	set_handler(GP_VECTOR, record);
	do_gp(NULL);
	printf("ring 0 #GP: pushed RFLAGS 0x%llx\n",
	       (unsigned long long)frame_rflags);
	ASSERT_EQ(frame_rflags & RFLAGS_RF, RFLAGS_RF);
	set_handler(UD_VECTOR, NULL);
	set_handler(GP_VECTOR, NULL);
	user_run(do_gp, NULL, 0, &r);
	printf("ring 3 #GP: pushed RFLAGS 0x%llx\n",
	       (unsigned long long)r.rflags);
	ASSERT_EQ(r.vector, GP_VECTOR);
	ASSERT_EQ(r.rflags & RFLAGS_RF, RFLAGS_RF);
	return 0;
}
