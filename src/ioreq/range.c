// SPDX-License-Identifier: GPL-2.0
/*
 * range.c - per-server range sets, with Xen's rangeset behaviour: a new
 * range that overlaps an existing one is refused (-EEXIST), adjacent
 * ranges of the same kind merge, removal may cut a piece out of a range
 * (-ENOENT unless the piece lies inside one range), and a set holds at
 * most IOREQ_MAX_RANGES ranges (-ENOSPC).
 */
#include <errno.h>
#include <string.h>

#include "ioreq/internal.h"

/* Index of the first range starting above @addr. */
static unsigned int rs_upper(const struct ioreq_rangeset *rs, uint64_t addr)
{
	unsigned int lo = 0, hi = rs->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (rs->r[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct ioreq_range *rangeset_find(const struct ioreq_rangeset *rs,
					uint64_t start, uint64_t end)
{
	unsigned int pos = rs_upper(rs, start);
	const struct ioreq_range *r;

	if (!pos || start > end)
		return NULL;
	r = &rs->r[pos - 1];
	return end <= r->end ? r : NULL;
}

static void rs_delete(struct ioreq_rangeset *rs, unsigned int pos)
{
	memmove(&rs->r[pos], &rs->r[pos + 1],
		(rs->nr - pos - 1) * sizeof(rs->r[0]));
	rs->nr--;
}

int rangeset_add(struct ioreq_rangeset *rs, uint64_t start, uint64_t end,
		 bool buffered)
{
	unsigned int pos = rs_upper(rs, start);
	struct ioreq_range *left = pos ? &rs->r[pos - 1] : NULL;
	struct ioreq_range *right = pos < rs->nr ? &rs->r[pos] : NULL;
	bool join_left, join_right;

	if (start > end)
		return -EINVAL;
	if ((left && left->end >= start) || (right && right->start <= end))
		return -EEXIST;
	join_left = left && left->buffered == buffered &&
		    left->end + 1 == start;
	join_right = right && right->buffered == buffered &&
		     end != UINT64_MAX && end + 1 == right->start;
	if (join_left && join_right) {
		left->end = right->end;
		rs_delete(rs, pos);
		return 0;
	}
	if (join_left) {
		left->end = end;
		return 0;
	}
	if (join_right) {
		right->start = start;
		return 0;
	}
	if (rs->nr >= IOREQ_MAX_RANGES)
		return -ENOSPC;
	memmove(&rs->r[pos + 1], &rs->r[pos],
		(rs->nr - pos) * sizeof(rs->r[0]));
	rs->r[pos] = (struct ioreq_range){
		.start = start, .end = end, .buffered = buffered,
	};
	rs->nr++;
	return 0;
}

int rangeset_remove(struct ioreq_rangeset *rs, uint64_t start, uint64_t end)
{
	unsigned int pos = rs_upper(rs, start);
	struct ioreq_range *r;

	if (!pos || start > end)
		return -ENOENT;
	r = &rs->r[pos - 1];
	if (end > r->end)
		return -ENOENT;
	if (r->start == start && r->end == end) {
		rs_delete(rs, pos - 1);
	} else if (r->start == start) {
		r->start = end + 1;
	} else if (r->end == end) {
		r->end = start - 1;
	} else {
		/* A hole in the middle: one range becomes two. */
		if (rs->nr >= IOREQ_MAX_RANGES)
			return -ENOSPC;
		memmove(&rs->r[pos + 1], &rs->r[pos],
			(rs->nr - pos) * sizeof(rs->r[0]));
		rs->nr++;
		rs->r[pos] = (struct ioreq_range){
			.start = end + 1, .end = r->end,
			.buffered = r->buffered,
		};
		r->end = start - 1;
	}
	return 0;
}
