#include "CLibURing.h"

#include <errno.h>
#include <liburing.h>
#include <stdlib.h>

struct io_uring *CLibURing_io_uring_queue_init(unsigned entries, int *error)
{
	struct io_uring *ring = calloc(1, sizeof(*ring));
	if (!ring) {
		*error = ENOMEM;
		return NULL;
	}
	int status = io_uring_queue_init(entries, ring, 0);
	if (status < 0) {
		free(ring);
		*error = -status;
		return NULL;
	}
	return ring;
}

void CLibURing_io_uring_queue_exit(struct io_uring *ring)
{
	io_uring_queue_exit(ring);
	free(ring);
}

int CLibURing_io_uring_register_buffers(struct io_uring *ring, const struct iovec *iovecs, unsigned count)
{
	return io_uring_register_buffers(ring, iovecs, count);
}

int CLibURing_io_uring_prep_read(struct io_uring *ring, int fd, void *buffer, unsigned length, uint64_t offset,
				 int buffer_index, uint16_t ioprio, uint64_t user_data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	if (!sqe)
		return -EBUSY;
	if (buffer_index >= 0)
		io_uring_prep_read_fixed(sqe, fd, buffer, length, offset, buffer_index);
	else
		io_uring_prep_read(sqe, fd, buffer, length, offset);
	sqe->ioprio = ioprio;
	io_uring_sqe_set_data64(sqe, user_data);
	return 0;
}

int CLibURing_io_uring_submit_and_wait(struct io_uring *ring, unsigned wait_nr, uint64_t timeout_ns)
{
	if (timeout_ns == 0)
		return io_uring_submit_and_wait(ring, wait_nr);
	struct __kernel_timespec timeout = {
		.tv_sec = (long long)(timeout_ns / 1000000000ULL),
		.tv_nsec = (long long)(timeout_ns % 1000000000ULL),
	};
	struct io_uring_cqe *first;
	return io_uring_submit_and_wait_timeout(ring, &first, wait_nr, &timeout, NULL);
}

int CLibURing_io_uring_prep_nop(struct io_uring *ring, uint64_t user_data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, user_data);
	return 0;
}

unsigned CLibURing_io_uring_reap(struct io_uring *ring, uint64_t *user_data, int32_t *result, unsigned max)
{
	struct io_uring_cqe *cqes[256];
	if (max > 256)
		max = 256;
	unsigned count = io_uring_peek_batch_cqe(ring, cqes, max);
	unsigned kept = 0;
	for (unsigned i = 0; i < count; i++) {
		/* Kernels without IORING_FEAT_EXT_ARG (before 5.11): liburing waits
		 * with a timeout request of its own, whose completion is not ours. */
		if (cqes[i]->user_data == LIBURING_UDATA_TIMEOUT)
			continue;
		user_data[kept] = io_uring_cqe_get_data64(cqes[i]);
		result[kept] = cqes[i]->res;
		kept++;
	}
	io_uring_cq_advance(ring, count);
	return kept;
}
