// liburing and libaio, in one module: both pull in the same glibc headers
// (sys/types.h, sys/select.h), and two modules declaring fd_set each make
// a clean build fail to merge them.
//
// Their static inline helpers (io_uring_prep_read, io_prep_pread, ...)
// import into Swift as they are; only the io_uring_for_each_cqe macro does
// not, and the engine uses io_uring_peek_batch_cqe instead. libaio ships no
// pkg-config file, hence the plain `link "aio"`.
#include <liburing.h>
#include <libaio.h>
