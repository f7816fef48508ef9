// Kernel user-space interfaces used by xfs_verify_media, declared once.
//
// The XFS declarations follow the kernel's fs/xfs/libxfs/xfs_fs.h as of
// Linux 7.0 (struct xfs_fsop_geom v5, bulkstat v5, handles, parent
// pointers, the health monitor and XFS_IOC_VERIFY_MEDIA); names and layouts
// are the kernel's, so every field can be looked up there. Distribution
// headers (xfslibs-dev) lag behind and are deliberately not included.
// Tests/ABITests checks every size, offset and ioctl number against values
// computed from the kernel header.
//
// Function-like macros (_IOWR, FMR_OWNER) do not import into Swift, so each
// ioctl number and special owner is also exported as a constant named
// CXFS_<kernel name>, defined in CXFS.c from the kernel's own macro.
#ifndef CXFS_H
#define CXFS_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/fs.h>
#include <linux/fsmap.h>
#include <linux/blkzoned.h>
#include <linux/fiemap.h>
#include <linux/fanotify.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/xattr.h>

/* ---- XFS_IOC_FSGEOMETRY: struct xfs_fsop_geom (v5, 256 bytes) ---- */
struct xfs_fsop_geom {
	__u32 blocksize;	/* fs (data) block size, bytes */
	__u32 rtextsize;	/* realtime extent size, fs blocks */
	__u32 agblocks;		/* fs blocks per AG */
	__u32 agcount;
	__u32 logblocks;
	__u32 sectsize;		/* data sector size, bytes */
	__u32 inodesize;
	__u32 imaxpct;
	__u64 datablocks;	/* fs blocks in the data section */
	__u64 rtblocks;
	__u64 rtextents;
	__u64 logstart;		/* fs block of an internal log; 0: external */
	unsigned char uuid[16];
	__u32 sunit;
	__u32 swidth;
	__s32 version;		/* XFS_FSOP_GEOM_VERSION_V5 */
	__u32 flags;		/* XFS_FSOP_GEOM_FLAGS_* */
	__u32 logsectsize;
	__u32 rtsectsize;
	__u32 dirblocksize;
	__u32 logsunit;
	uint32_t sick;
	uint32_t checked;
	__u32 rgextents;	/* rt extents per realtime group */
	__u32 rgcount;		/* number of realtime groups */
	__u64 rtstart;		/* start of an internal rt section, fs blocks */
	__u64 rtreserved;
	__u64 reserved[14];
};

#define XFS_FSOP_GEOM_VERSION_V5	5
#define XFS_FSOP_GEOM_FLAGS_REFLINK	(1 << 20)
#define XFS_FSOP_GEOM_FLAGS_RMAPBT	(1 << 19)
#define XFS_FSOP_GEOM_FLAGS_PARENT	(1 << 25)
#define XFS_FSOP_GEOM_FLAGS_METADIR	(1 << 26)
#define XFS_FSOP_GEOM_FLAGS_ZONED	(1 << 27)

/* ---- XFS_IOC_AG_GEOMETRY / XFS_IOC_RTGROUP_GEOMETRY (128 bytes each) ---- */
struct xfs_ag_geometry {
	uint32_t ag_number;
	uint32_t ag_length;	/* blocks */
	uint32_t ag_freeblks;
	uint32_t ag_icount;
	uint32_t ag_ifree;
	uint32_t ag_sick;
	uint32_t ag_checked;
	uint32_t ag_flags;
	uint64_t ag_reserved[12];
};

struct xfs_rtgroup_geometry {
	__u32 rg_number;
	__u32 rg_length;	/* blocks */
	__u32 rg_sick;
	__u32 rg_checked;
	__u32 rg_flags;
	__u32 rg_reserved[27];
};

/* ---- FS_IOC_GETFSMAP: struct fsmap_head / struct fsmap come from
 * <linux/fsmap.h>; XFS names its special owners with FMR_OWNER('X', n). */
#define XFS_FMR_OWN_FREE	FMR_OWN_FREE
#define XFS_FMR_OWN_UNKNOWN	FMR_OWN_UNKNOWN
#define XFS_FMR_OWN_FS		FMR_OWNER('X', 1)	/* static fs metadata */
#define XFS_FMR_OWN_LOG		FMR_OWNER('X', 2)	/* journalling log */
#define XFS_FMR_OWN_AG		FMR_OWNER('X', 3)	/* per-AG metadata */
#define XFS_FMR_OWN_INOBT	FMR_OWNER('X', 4)	/* inode btree blocks */
#define XFS_FMR_OWN_INODES	FMR_OWNER('X', 5)	/* inodes */
#define XFS_FMR_OWN_REFC	FMR_OWNER('X', 6)	/* refcount tree */
#define XFS_FMR_OWN_COW		FMR_OWNER('X', 7)	/* cow staging */
#define XFS_FMR_OWN_DEFECTIVE	FMR_OWNER('X', 8)	/* bad blocks */

/* ---- handles ---- */
typedef struct xfs_fsid {
	__u32 val[2];
} xfs_fsid_t;

typedef struct xfs_fid {
	__u16 fid_len;		/* length of the rest: 14 */
	__u16 fid_pad;
	__u32 fid_gen;
	__u64 fid_ino;
} xfs_fid_t;

typedef struct xfs_handle {
	union {
		__s64 align;
		xfs_fsid_t _ha_fsid;
	} ha_u;
	xfs_fid_t ha_fid;
} xfs_handle_t;

typedef struct xfs_fsop_handlereq {
	__u32 fd;
	void *path;
	__u32 oflags;
	void *ihandle;
	__u32 ihandlen;
	void *ohandle;
	__u32 *ohandlen;
} xfs_fsop_handlereq_t;

/* ---- parent pointers (Linux 6.10) ---- */
typedef struct xfs_attrlist_cursor {
	__u32 opaque[4];
} xfs_attrlist_cursor_t;

struct xfs_getparents_rec {
	struct xfs_handle gpr_parent;
	__u32 gpr_reclen;	/* whole record, 8-byte aligned */
	__u32 gpr_reserved;
	char gpr_name[];	/* NUL-terminated */
};

struct xfs_getparents {
	struct xfs_attrlist_cursor gp_cursor;
	__u16 gp_iflags;
	__u16 gp_oflags;	/* XFS_GETPARENTS_OFLAG_* */
	__u32 gp_bufsize;
	__u64 gp_reserved;
	__u64 gp_buffer;	/* user pointer */
};

struct xfs_getparents_by_handle {
	struct xfs_handle gph_handle;
	struct xfs_getparents gph_request;
};

#define XFS_GETPARENTS_OFLAG_ROOT	(1U << 0)
#define XFS_GETPARENTS_OFLAG_DONE	(1U << 1)

/* ---- bulkstat v5 ---- */
struct xfs_bulkstat {
	uint64_t bs_ino;
	uint64_t bs_size;
	uint64_t bs_blocks;
	uint64_t bs_xflags;
	int64_t bs_atime;
	int64_t bs_mtime;
	int64_t bs_ctime;
	int64_t bs_btime;
	uint32_t bs_gen;
	uint32_t bs_uid;
	uint32_t bs_gid;
	uint32_t bs_projectid;
	uint32_t bs_atime_nsec;
	uint32_t bs_mtime_nsec;
	uint32_t bs_ctime_nsec;
	uint32_t bs_btime_nsec;
	uint32_t bs_blksize;
	uint32_t bs_rdev;
	uint32_t bs_cowextsize_blks;
	uint32_t bs_extsize_blks;
	uint32_t bs_nlink;
	uint32_t bs_extents;
	uint32_t bs_aextents;
	uint16_t bs_version;
	uint16_t bs_forkoff;
	uint16_t bs_sick;
	uint16_t bs_checked;
	uint16_t bs_mode;
	uint16_t bs_pad2;
	uint64_t bs_extents64;
	uint64_t bs_pad[6];
};

struct xfs_bulk_ireq {
	uint64_t ino;
	uint32_t flags;		/* XFS_BULK_IREQ_* */
	uint32_t icount;
	uint32_t ocount;
	uint32_t agno;
	uint64_t reserved[5];
};

struct xfs_bulkstat_req {
	struct xfs_bulk_ireq hdr;
	struct xfs_bulkstat bulkstat[];
};

/* XFS_IOC_INUMBERS: which inodes of each 64-inode group are allocated,
 * from the inode btree (not the inode chunks themselves). */
struct xfs_inumbers {
	uint64_t xi_startino;	/* first inode number of the group */
	uint64_t xi_allocmask;	/* bit N: xi_startino + N is allocated */
	uint8_t xi_alloccount;
	uint8_t xi_version;	/* XFS_INUMBERS_VERSION_V5 */
	uint8_t xi_padding[6];
};

struct xfs_inumbers_req {
	struct xfs_bulk_ireq hdr;
	struct xfs_inumbers inumbers[];
};

#define XFS_INUMBERS_VERSION_V5	(5)

#define XFS_BULK_IREQ_AGNO	(1U << 0)
#define XFS_BULK_IREQ_SPECIAL	(1U << 1)
#define XFS_BULK_IREQ_NREXT64	(1U << 2)
#define XFS_BULK_IREQ_METADIR	(1U << 3)

#define XFS_BULK_IREQ_SPECIAL_ROOT	1	/* ino with XFS_BULK_IREQ_SPECIAL */

/* ---- online scrub and repair ---- */
struct xfs_scrub_metadata {
	__u32 sm_type;
	__u32 sm_flags;
	__u64 sm_ino;
	__u32 sm_gen;
	__u32 sm_agno;
	__u64 sm_reserved[5];
};

#define XFS_SCRUB_TYPE_PROBE		0
#define XFS_SCRUB_TYPE_SB		1
#define XFS_SCRUB_TYPE_AGF		2
#define XFS_SCRUB_TYPE_AGFL		3
#define XFS_SCRUB_TYPE_AGI		4
#define XFS_SCRUB_TYPE_BNOBT		5
#define XFS_SCRUB_TYPE_CNTBT		6
#define XFS_SCRUB_TYPE_INOBT		7
#define XFS_SCRUB_TYPE_FINOBT		8
#define XFS_SCRUB_TYPE_RMAPBT		9
#define XFS_SCRUB_TYPE_REFCNTBT		10
#define XFS_SCRUB_TYPE_INODE		11
#define XFS_SCRUB_TYPE_BMBTD		12
#define XFS_SCRUB_TYPE_BMBTA		13
#define XFS_SCRUB_TYPE_BMBTC		14
#define XFS_SCRUB_TYPE_DIR		15
#define XFS_SCRUB_TYPE_XATTR		16
#define XFS_SCRUB_TYPE_SYMLINK		17
#define XFS_SCRUB_TYPE_PARENT		18
#define XFS_SCRUB_TYPE_RTBITMAP		19
#define XFS_SCRUB_TYPE_RTSUM		20
#define XFS_SCRUB_TYPE_UQUOTA		21
#define XFS_SCRUB_TYPE_GQUOTA		22
#define XFS_SCRUB_TYPE_PQUOTA		23
#define XFS_SCRUB_TYPE_FSCOUNTERS	24
#define XFS_SCRUB_TYPE_QUOTACHECK	25
#define XFS_SCRUB_TYPE_NLINKS		26
#define XFS_SCRUB_TYPE_HEALTHY		27
#define XFS_SCRUB_TYPE_DIRTREE		28
#define XFS_SCRUB_TYPE_METAPATH		29
#define XFS_SCRUB_TYPE_RGSUPER		30
#define XFS_SCRUB_TYPE_RTRMAPBT		31
#define XFS_SCRUB_TYPE_RTREFCBT		32
#define XFS_SCRUB_TYPE_NR		33

#define XFS_SCRUB_IFLAG_REPAIR		(1u << 0)	/* i: repair this metadata */
#define XFS_SCRUB_OFLAG_CORRUPT		(1u << 1)	/* o: needs repair */
#define XFS_SCRUB_OFLAG_PREEN		(1u << 2)	/* o: could be optimized */
#define XFS_SCRUB_OFLAG_XFAIL		(1u << 3)	/* o: cross-referencing failed */
#define XFS_SCRUB_OFLAG_XCORRUPT	(1u << 4)	/* o: disagrees with other metadata */
#define XFS_SCRUB_OFLAG_INCOMPLETE	(1u << 5)	/* o: could not check everything */
#define XFS_SCRUB_OFLAG_WARNING		(1u << 6)	/* o: looks suspicious */
#define XFS_SCRUB_OFLAG_NO_REPAIR_NEEDED (1u << 7)	/* o: repair asked, nothing to do */
#define XFS_SCRUB_IFLAG_FORCE_REBUILD	(1u << 8)	/* i: rebuild even if fine */

/* ---- what is sick: health monitor masks, also in geometry and bulkstat ---- */
#define XFS_FSOP_GEOM_SICK_COUNTERS	(1 << 0)	/* summary counters */
#define XFS_FSOP_GEOM_SICK_UQUOTA	(1 << 1)	/* user quota */
#define XFS_FSOP_GEOM_SICK_GQUOTA	(1 << 2)	/* group quota */
#define XFS_FSOP_GEOM_SICK_PQUOTA	(1 << 3)	/* project quota */
#define XFS_FSOP_GEOM_SICK_RT_BITMAP	(1 << 4)	/* realtime bitmap */
#define XFS_FSOP_GEOM_SICK_RT_SUMMARY	(1 << 5)	/* realtime summary */
#define XFS_FSOP_GEOM_SICK_QUOTACHECK	(1 << 6)	/* quota counts */
#define XFS_FSOP_GEOM_SICK_NLINKS	(1 << 7)	/* inode link counts */
#define XFS_FSOP_GEOM_SICK_METADIR	(1 << 8)	/* metadata directory */
#define XFS_FSOP_GEOM_SICK_METAPATH	(1 << 9)	/* metadir tree path */

#define XFS_AG_GEOM_SICK_SB		(1 << 0)	/* superblock */
#define XFS_AG_GEOM_SICK_AGF		(1 << 1)	/* AGF header */
#define XFS_AG_GEOM_SICK_AGFL		(1 << 2)	/* AGFL header */
#define XFS_AG_GEOM_SICK_AGI		(1 << 3)	/* AGI header */
#define XFS_AG_GEOM_SICK_BNOBT		(1 << 4)	/* free space by block */
#define XFS_AG_GEOM_SICK_CNTBT		(1 << 5)	/* free space by length */
#define XFS_AG_GEOM_SICK_INOBT		(1 << 6)	/* inode index */
#define XFS_AG_GEOM_SICK_FINOBT		(1 << 7)	/* free inode index */
#define XFS_AG_GEOM_SICK_RMAPBT		(1 << 8)	/* reverse mappings */
#define XFS_AG_GEOM_SICK_REFCNTBT	(1 << 9)	/* reference counts */
#define XFS_AG_GEOM_SICK_INODES		(1 << 10)	/* bad inodes were seen */

#define XFS_RTGROUP_GEOM_SICK_SUPER	(1U << 0)	/* superblock */
#define XFS_RTGROUP_GEOM_SICK_BITMAP	(1U << 1)	/* rtbitmap */
#define XFS_RTGROUP_GEOM_SICK_SUMMARY	(1U << 2)	/* rtsummary */
#define XFS_RTGROUP_GEOM_SICK_RMAPBT	(1U << 3)	/* reverse mappings */
#define XFS_RTGROUP_GEOM_SICK_REFCNTBT	(1U << 4)	/* reference counts */

#define XFS_BS_SICK_INODE	(1 << 0)	/* inode core */
#define XFS_BS_SICK_BMBTD	(1 << 1)	/* data fork */
#define XFS_BS_SICK_BMBTA	(1 << 2)	/* attr fork */
#define XFS_BS_SICK_BMBTC	(1 << 3)	/* cow fork */
#define XFS_BS_SICK_DIR		(1 << 4)	/* directory */
#define XFS_BS_SICK_XATTR	(1 << 5)	/* extended attributes */
#define XFS_BS_SICK_SYMLINK	(1 << 6)	/* symbolic link remote target */
#define XFS_BS_SICK_PARENT	(1 << 7)	/* parent pointers */
#define XFS_BS_SICK_DIRTREE	(1 << 8)	/* directory tree structure */

/* ---- health monitor (Linux 7.0) ---- */
struct xfs_health_monitor {
	__u64 flags;		/* XFS_HEALTH_MONITOR_VERBOSE */
	__u8 format;		/* XFS_HEALTH_MONITOR_FMT_V0 */
	__u8 pad[23];
};

struct xfs_health_file_on_monitored_fs {
	__s32 fd;
	__u32 flags;
};

struct xfs_health_monitor_lost { __u64 count; };
struct xfs_health_monitor_fs { __u32 mask; };
struct xfs_health_monitor_group { __u32 mask; __u32 gno; };
struct xfs_health_monitor_inode { __u32 mask; __u32 gen; __u64 ino; };
struct xfs_health_monitor_shutdown { __u32 reasons; };
struct xfs_health_monitor_filerange {
	__u64 pos;
	__u64 len;
	__u64 ino;
	__u32 gen;
	__u32 error;
};
struct xfs_health_monitor_media { __u64 daddr; __u64 bbcount; };

struct xfs_health_monitor_event {
	__u32 domain;		/* XFS_HEALTH_MONITOR_DOMAIN_* */
	__u32 type;		/* XFS_HEALTH_MONITOR_TYPE_* */
	__u64 time_ns;
	union {
		struct xfs_health_monitor_lost lost;
		struct xfs_health_monitor_fs fs;
		struct xfs_health_monitor_group group;
		struct xfs_health_monitor_inode inode;
		struct xfs_health_monitor_shutdown shutdown;
		struct xfs_health_monitor_media media;
		struct xfs_health_monitor_filerange filerange;
	} e;
	__u64 pad[2];
};

#define XFS_HEALTH_MONITOR_VERBOSE	(1ULL << 0)
#define XFS_HEALTH_MONITOR_FMT_V0	0

#define XFS_HEALTH_MONITOR_DOMAIN_MOUNT		0
#define XFS_HEALTH_MONITOR_DOMAIN_FS		1
#define XFS_HEALTH_MONITOR_DOMAIN_AG		2
#define XFS_HEALTH_MONITOR_DOMAIN_INODE		3
#define XFS_HEALTH_MONITOR_DOMAIN_RTGROUP	4
#define XFS_HEALTH_MONITOR_DOMAIN_DATADEV	5
#define XFS_HEALTH_MONITOR_DOMAIN_RTDEV		6
#define XFS_HEALTH_MONITOR_DOMAIN_LOGDEV	7
#define XFS_HEALTH_MONITOR_DOMAIN_FILERANGE	8

#define XFS_HEALTH_MONITOR_TYPE_RUNNING		0
#define XFS_HEALTH_MONITOR_TYPE_LOST		1
#define XFS_HEALTH_MONITOR_TYPE_UNMOUNT		2
#define XFS_HEALTH_MONITOR_TYPE_SICK		3
#define XFS_HEALTH_MONITOR_TYPE_CORRUPT		4
#define XFS_HEALTH_MONITOR_TYPE_HEALTHY		5
#define XFS_HEALTH_MONITOR_TYPE_SHUTDOWN	6
#define XFS_HEALTH_MONITOR_TYPE_MEDIA_ERROR	7
#define XFS_HEALTH_MONITOR_TYPE_BUFREAD		8
#define XFS_HEALTH_MONITOR_TYPE_BUFWRITE	9
#define XFS_HEALTH_MONITOR_TYPE_DIOREAD		10
#define XFS_HEALTH_MONITOR_TYPE_DIOWRITE	11
#define XFS_HEALTH_MONITOR_TYPE_DATALOST	12

#define XFS_HEALTH_SHUTDOWN_META_IO_ERROR	(1u << 0)
#define XFS_HEALTH_SHUTDOWN_LOG_IO_ERROR	(1u << 1)
#define XFS_HEALTH_SHUTDOWN_FORCE_UMOUNT	(1u << 2)
#define XFS_HEALTH_SHUTDOWN_CORRUPT_INCORE	(1u << 3)
#define XFS_HEALTH_SHUTDOWN_CORRUPT_ONDISK	(1u << 4)
#define XFS_HEALTH_SHUTDOWN_DEVICE_REMOVED	(1u << 5)

/* ---- XFS_IOC_VERIFY_MEDIA (Linux 7.0) ---- */
enum xfs_device {
	XFS_DEV_DATA = 1,
	XFS_DEV_LOG = 2,
	XFS_DEV_RT = 3,
};

struct xfs_verify_media {
	__u32 me_dev;		/* I: XFS_DEV_* */
	__u32 me_flags;		/* I: XFS_VERIFY_MEDIA_* */
	__u64 me_start_daddr;	/* IO: inclusive start, 512-byte units; advanced */
	__u64 me_end_daddr;	/* IO: exclusive end; clamped to the device */
	__u32 me_ioerror;	/* O: positive errno of a failed first read */
	__u32 me_max_io_size;	/* I: bytes per read, 0 = 1 MiB */
	__u32 me_rest_us;	/* I: sleep between reads */
	__u32 me_pad;		/* must be zero */
};

#define XFS_VERIFY_MEDIA_REPORT	(1 << 0)

/* ---- fanotify mount events (Linux 6.15, include/uapi/linux/fanotify.h);
 * the distribution's <linux/fanotify.h> may predate them ---- */
#ifndef FAN_REPORT_MNT
#define FAN_REPORT_MNT		0x00004000	/* fanotify_init: report mount events */
#endif
#ifndef FAN_MARK_MNTNS
#define FAN_MARK_MNTNS		0x00000110	/* fanotify_mark: the object is a mount namespace */
#endif
#ifndef FAN_MNT_ATTACH
#define FAN_MNT_ATTACH		0x01000000	/* a mount was attached */
#endif
#ifndef FAN_MNT_DETACH
#define FAN_MNT_DETACH		0x02000000	/* a mount was detached */
#endif
#ifndef FAN_EVENT_INFO_TYPE_MNT
#define FAN_EVENT_INFO_TYPE_MNT	7
struct fanotify_event_info_mnt {
	struct fanotify_event_info_header hdr;
	__u64 mnt_id;		/* unique mount id (statx STATX_MNT_ID_UNIQUE) */
};
#endif

/* statx(2): the unique 64-bit mount id that fanotify reports (Linux 6.8,
 * include/uapi/linux/stat.h); stx_mnt_id holds it when asked for. */
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE	0x00004000U
#endif

/* The unique mount id of the mount at `path` (not following a final
 * symlink), or 0 with errno set. */
__u64 CXFS_unique_mount_id(const char *path);

/* fanotify_init(2) and fanotify_mark(2) (glibc wraps both in <sys/fanotify.h>). */
int CXFS_fanotify_init(unsigned int flags, unsigned int event_f_flags);
int CXFS_fanotify_mark(int fd, unsigned int flags, __u64 mask, int dirfd, const char *path);

/* ---- ioctl numbers, from the kernel's macros ---- */
#define XFS_IOC_FSGEOMETRY		_IOR('X', 126, struct xfs_fsop_geom)
#define XFS_IOC_AG_GEOMETRY		_IOWR('X', 61, struct xfs_ag_geometry)
#define XFS_IOC_RTGROUP_GEOMETRY	_IOWR('X', 65, struct xfs_rtgroup_geometry)
#define XFS_IOC_GETPARENTS		_IOWR('X', 62, struct xfs_getparents)
#define XFS_IOC_GETPARENTS_BY_HANDLE	_IOWR('X', 63, struct xfs_getparents_by_handle)
#define XFS_IOC_SCRUB_METADATA		_IOWR('X', 60, struct xfs_scrub_metadata)
#define XFS_IOC_HEALTH_MONITOR		_IOW('X', 68, struct xfs_health_monitor)
#define XFS_IOC_HEALTH_FD_ON_MONITORED_FS _IOW('X', 69, struct xfs_health_file_on_monitored_fs)
#define XFS_IOC_VERIFY_MEDIA		_IOWR('X', 70, struct xfs_verify_media)
#define XFS_IOC_PATH_TO_FSHANDLE	_IOWR('X', 104, struct xfs_fsop_handlereq)
#define XFS_IOC_PATH_TO_HANDLE		_IOWR('X', 105, struct xfs_fsop_handlereq)
#define XFS_IOC_FD_TO_HANDLE		_IOWR('X', 106, struct xfs_fsop_handlereq)
#define XFS_IOC_OPEN_BY_HANDLE		_IOWR('X', 107, struct xfs_fsop_handlereq)
#define XFS_IOC_BULKSTAT		_IOR('X', 127, struct xfs_bulkstat_req)
#define XFS_IOC_INUMBERS		_IOR('X', 128, struct xfs_inumbers_req)

extern const unsigned long CXFS_FS_IOC_GETFSMAP;
extern const unsigned long CXFS_FS_IOC_GETVERSION;
extern const unsigned long CXFS_FS_IOC_FIEMAP;
extern const unsigned long CXFS_FS_IOC_FSGETXATTR;
extern const unsigned long CXFS_XFS_IOC_FSGEOMETRY;
extern const unsigned long CXFS_XFS_IOC_AG_GEOMETRY;
extern const unsigned long CXFS_XFS_IOC_RTGROUP_GEOMETRY;
extern const unsigned long CXFS_XFS_IOC_GETPARENTS;
extern const unsigned long CXFS_XFS_IOC_GETPARENTS_BY_HANDLE;
extern const unsigned long CXFS_XFS_IOC_SCRUB_METADATA;
extern const unsigned long CXFS_XFS_IOC_HEALTH_MONITOR;
extern const unsigned long CXFS_XFS_IOC_HEALTH_FD_ON_MONITORED_FS;
extern const unsigned long CXFS_XFS_IOC_VERIFY_MEDIA;
extern const unsigned long CXFS_XFS_IOC_PATH_TO_FSHANDLE;
extern const unsigned long CXFS_XFS_IOC_PATH_TO_HANDLE;
extern const unsigned long CXFS_XFS_IOC_FD_TO_HANDLE;
extern const unsigned long CXFS_XFS_IOC_OPEN_BY_HANDLE;
extern const unsigned long CXFS_XFS_IOC_BULKSTAT;
extern const unsigned long CXFS_XFS_IOC_INUMBERS;
extern const unsigned long CXFS_FICLONERANGE;

/* open(2) flags glibc only exposes with _GNU_SOURCE. */
extern const int CXFS_O_DIRECT;
extern const int CXFS_O_NOATIME;

/* Block device queries (<linux/fs.h>). */
extern const unsigned long CXFS_BLKSSZGET;
extern const unsigned long CXFS_BLKPBSZGET;
extern const unsigned long CXFS_BLKGETSIZE64;
/* Zoned block devices (<linux/blkzoned.h>: struct blk_zone_report and
 * struct blk_zone, 512-byte sectors): where each zone is written up to. */
extern const unsigned long CXFS_BLKREPORTZONE;

extern const __u64 CXFS_XFS_FMR_OWN_FREE;
extern const __u64 CXFS_XFS_FMR_OWN_UNKNOWN;
extern const __u64 CXFS_XFS_FMR_OWN_FS;
extern const __u64 CXFS_XFS_FMR_OWN_LOG;
extern const __u64 CXFS_XFS_FMR_OWN_AG;
extern const __u64 CXFS_XFS_FMR_OWN_INOBT;
extern const __u64 CXFS_XFS_FMR_OWN_INODES;
extern const __u64 CXFS_XFS_FMR_OWN_REFC;
extern const __u64 CXFS_XFS_FMR_OWN_COW;
extern const __u64 CXFS_XFS_FMR_OWN_DEFECTIVE;

/* ---- system calls glibc does not wrap (syscall(2) is variadic) ---- */
int CXFS_ioprio_set(int which, int who, int ioprio);
int CXFS_gettid(void);
/* open_tree(dfd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC) (Linux 5.2): an
 * O_PATH descriptor of a detached copy of the mount at path; -1 and errno
 * (ENOSYS before 5.2, EPERM without CAP_SYS_ADMIN or under a seccomp filter). */
int CXFS_open_tree_clone(int dfd, const char *path);
/* 1 when CAP_SYS_ADMIN is in the calling thread's effective set (capget(2)),
 * 0 when not, -1 and errno when the kernel would not say. */
int CXFS_has_cap_sys_admin(void);
#define IOPRIO_WHO_PROCESS	1
#define IOPRIO_CLASS_BE		2
#define IOPRIO_CLASS_IDLE	3
#define IOPRIO_CLASS_SHIFT	13

#endif
