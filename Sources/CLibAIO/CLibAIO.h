// libaio ships no pkg-config file, hence the plain `link "aio"`. Its
// static inline helpers (io_prep_pread, ...) import into Swift as they are.
#include <libaio.h>
