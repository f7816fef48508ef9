// What the two halves of the LD_PRELOAD emulator share: the real ioctl,
// the kernel-like helpers of verify_media_emulator.c, and the health
// monitor of healthmon_emulator.c. Nothing here is exported from the
// library: only ioctl() is.
#ifndef XVM_EMULATOR_H
#define XVM_EMULATOR_H

#include <stdint.h>
#include <sys/types.h>

#define EMU_HIDDEN __attribute__((visibility("hidden")))

typedef int (*ioctl_fn)(int, unsigned long, ...);

EMU_HIDDEN ioctl_fn emu_real_ioctl(void);
EMU_HIDDEN void log_line(const char *fmt, ...);
EMU_HIDDEN const char *errno_name(int e, char *buf, size_t len);
EMU_HIDDEN int copy_from_user(void *dst, const void *src, size_t len);
EMU_HIDDEN int copy_to_user(void *dst, const void *src, size_t len);
EMU_HIDDEN int capable_sys_admin(void);
EMU_HIDDEN int is_xfs_file(int fd, dev_t *fs_dev);
EMU_HIDDEN int is_media_error(int e);
/* The cached O_RDONLY|O_DIRECT fd of device `role` (XFS_DEV_*) of the
 * filesystem on fs_dev, or -errno. */
EMU_HIDDEN int device_fd(dev_t fs_dev, int role);

/* The health monitor: handles its two ioctls (sets *handled), and hears of
 * every media error a REPORT call finds. */
EMU_HIDDEN int healthmon_ioctl(int fd, unsigned long request, void *arg, int *handled);
/* fd: the file XFS_IOC_VERIFY_MEDIA was called on (for GETFSMAP and bulkstat). */
EMU_HIDDEN void healthmon_report_media(int fd, dev_t fs_dev, uint32_t xfs_dev, uint64_t daddr, uint64_t bbcount);

#endif
