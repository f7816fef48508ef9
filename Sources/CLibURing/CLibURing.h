// liburing's static inline helpers import into Swift as they are; only the
// io_uring_for_each_cqe macro does not, and the engine uses
// io_uring_peek_batch_cqe instead.
#include <liburing.h>
