#define _GNU_SOURCE
#include "CXFS.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/mount.h>

#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int CXFS_ioprio_set(int which, int who, int ioprio)
{
	return (int)syscall(SYS_ioprio_set, which, who, ioprio);
}

int CXFS_gettid(void)
{
	return (int)syscall(SYS_gettid);
}

int CXFS_open_tree_clone(int dfd, const char *path)
{
	return (int)syscall(SYS_open_tree, dfd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
}

int CXFS_has_cap_sys_admin(void)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };
	if (syscall(SYS_capget, &header, data) != 0)
		return -1;
	return (data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective & CAP_TO_MASK(CAP_SYS_ADMIN)) != 0;
}

__u64 CXFS_unique_mount_id(const char *path)
{
	struct statx stx;
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MNT_ID_UNIQUE, &stx) != 0)
		return 0;
	if (!(stx.stx_mask & STATX_MNT_ID_UNIQUE)) {
		errno = EOPNOTSUPP;
		return 0;
	}
	return stx.stx_mnt_id;
}

int CXFS_fanotify_init(unsigned int flags, unsigned int event_f_flags)
{
	return fanotify_init(flags, event_f_flags);
}

int CXFS_fanotify_mark(int fd, unsigned int flags, __u64 mask, int dirfd, const char *path)
{
	return fanotify_mark(fd, flags, mask, dirfd, path);
}


const unsigned long CXFS_FS_IOC_GETFSMAP = FS_IOC_GETFSMAP;
const unsigned long CXFS_FS_IOC_GETVERSION = FS_IOC_GETVERSION;
const unsigned long CXFS_FS_IOC_FIEMAP = FS_IOC_FIEMAP;
const unsigned long CXFS_FS_IOC_FSGETXATTR = FS_IOC_FSGETXATTR;
const unsigned long CXFS_XFS_IOC_FSGEOMETRY = XFS_IOC_FSGEOMETRY;
const unsigned long CXFS_XFS_IOC_AG_GEOMETRY = XFS_IOC_AG_GEOMETRY;
const unsigned long CXFS_XFS_IOC_RTGROUP_GEOMETRY = XFS_IOC_RTGROUP_GEOMETRY;
const unsigned long CXFS_XFS_IOC_GETPARENTS = XFS_IOC_GETPARENTS;
const unsigned long CXFS_XFS_IOC_GETPARENTS_BY_HANDLE = XFS_IOC_GETPARENTS_BY_HANDLE;
const unsigned long CXFS_XFS_IOC_SCRUB_METADATA = XFS_IOC_SCRUB_METADATA;
const unsigned long CXFS_XFS_IOC_HEALTH_MONITOR = XFS_IOC_HEALTH_MONITOR;
const unsigned long CXFS_XFS_IOC_HEALTH_FD_ON_MONITORED_FS = XFS_IOC_HEALTH_FD_ON_MONITORED_FS;
const unsigned long CXFS_XFS_IOC_VERIFY_MEDIA = XFS_IOC_VERIFY_MEDIA;
const unsigned long CXFS_XFS_IOC_PATH_TO_FSHANDLE = XFS_IOC_PATH_TO_FSHANDLE;
const unsigned long CXFS_XFS_IOC_PATH_TO_HANDLE = XFS_IOC_PATH_TO_HANDLE;
const unsigned long CXFS_XFS_IOC_FD_TO_HANDLE = XFS_IOC_FD_TO_HANDLE;
const unsigned long CXFS_XFS_IOC_OPEN_BY_HANDLE = XFS_IOC_OPEN_BY_HANDLE;
const unsigned long CXFS_XFS_IOC_BULKSTAT = XFS_IOC_BULKSTAT;
const unsigned long CXFS_XFS_IOC_INUMBERS = XFS_IOC_INUMBERS;
const unsigned long CXFS_FICLONERANGE = FICLONERANGE;

const int CXFS_O_DIRECT = O_DIRECT;
const int CXFS_O_NOATIME = O_NOATIME;

const unsigned long CXFS_BLKSSZGET = BLKSSZGET;
const unsigned long CXFS_BLKPBSZGET = BLKPBSZGET;
const unsigned long CXFS_BLKGETSIZE64 = BLKGETSIZE64;
const unsigned long CXFS_BLKREPORTZONE = BLKREPORTZONE;

const __u64 CXFS_XFS_FMR_OWN_FREE = XFS_FMR_OWN_FREE;
const __u64 CXFS_XFS_FMR_OWN_UNKNOWN = XFS_FMR_OWN_UNKNOWN;
const __u64 CXFS_XFS_FMR_OWN_FS = XFS_FMR_OWN_FS;
const __u64 CXFS_XFS_FMR_OWN_LOG = XFS_FMR_OWN_LOG;
const __u64 CXFS_XFS_FMR_OWN_AG = XFS_FMR_OWN_AG;
const __u64 CXFS_XFS_FMR_OWN_INOBT = XFS_FMR_OWN_INOBT;
const __u64 CXFS_XFS_FMR_OWN_INODES = XFS_FMR_OWN_INODES;
const __u64 CXFS_XFS_FMR_OWN_REFC = XFS_FMR_OWN_REFC;
const __u64 CXFS_XFS_FMR_OWN_COW = XFS_FMR_OWN_COW;
const __u64 CXFS_XFS_FMR_OWN_DEFECTIVE = XFS_FMR_OWN_DEFECTIVE;
