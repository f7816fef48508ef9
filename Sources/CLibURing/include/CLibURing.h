// The few liburing calls the io_uring engine makes, as plain C functions
// named after liburing's.
//
// liburing.h is compiled here, in C, and never imported into Swift: it
// defines _XOPEN_SOURCE and _GNU_SOURCE before including glibc headers, so
// a Clang module built from it declares fd_set differently from Swift's
// Glibc module, and a clean build then fails to merge the two.
#ifndef CLIBURING_H
#define CLIBURING_H

#include <stdint.h>
#include <sys/uio.h>

struct io_uring;

/// io_uring_queue_init(): a ring with `entries` submission slots, or NULL
/// with `*error` set to the positive errno (ENOSYS, EPERM, ENOMEM, ...).
struct io_uring *CLibURing_io_uring_queue_init(unsigned entries, int *error);

/// io_uring_queue_exit(), and frees the ring.
void CLibURing_io_uring_queue_exit(struct io_uring *ring);

/// io_uring_register_buffers(): 0, or a negative errno.
int CLibURing_io_uring_register_buffers(struct io_uring *ring, const struct iovec *iovecs, unsigned count);

/// io_uring_get_sqe() + io_uring_prep_read() or, with buffer_index >= 0,
/// io_uring_prep_read_fixed(); sets ioprio and user_data. 0, or -EBUSY
/// when the submission queue is full.
int CLibURing_io_uring_prep_read(struct io_uring *ring, int fd, void *buffer, unsigned length, uint64_t offset,
                                 int buffer_index, uint16_t ioprio, uint64_t user_data);

/// io_uring_submit_and_wait() or, with timeout_ns > 0,
/// io_uring_submit_and_wait_timeout(): submitted count or a negative errno
/// (-ETIME when the time ran out).
int CLibURing_io_uring_submit_and_wait(struct io_uring *ring, unsigned wait_nr, uint64_t timeout_ns);

/// io_uring_get_sqe() + io_uring_prep_nop() with user_data: a request that
/// completes at once without reading (tests: a completion that is not a read).
int CLibURing_io_uring_prep_nop(struct io_uring *ring, uint64_t user_data);

/// io_uring_peek_batch_cqe() + io_uring_cq_advance(): up to `max`
/// completions, their user_data and res, consumed. liburing's own timeout
/// completions (user_data LIBURING_UDATA_TIMEOUT) are consumed and left out.
unsigned CLibURing_io_uring_reap(struct io_uring *ring, uint64_t *user_data, int32_t *result, unsigned max);

#endif
