/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CVISOR_LIBDM_INTERNAL_H
#define CVISOR_LIBDM_INTERNAL_H

#include <errno.h>
#include <pthread.h>

#include "libdm/cvisor-dm.h"

struct cvdm_conn {
	int fd;
	pthread_mutex_t lock;	/* one request in flight per connection */
};

struct cvdm_conn *cvdm_open_env(void);
void cvdm_conn_close(struct cvdm_conn *c);
/* Like cvdm_call but returns -errno instead of setting errno. */
int cvdm_call_raw(struct cvdm_conn *c, uint32_t op, void *payload,
		  size_t size, int *fds, unsigned int max_fds,
		  unsigned int *nr_fds);

/* -errno to Xen's library convention. */
static inline int cvdm_ret(int ret)
{
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

#endif
