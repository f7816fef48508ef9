// libaio ships no pkg-config file; io_prep_pread and friends are static
// inline and import into Swift as they are.
#include <libaio.h>
