// LD_PRELOAD emulator of XFS_IOC_VERIFY_MEDIA (Linux 7.0) for kernels that
// lack it. It intercepts ioctl(); for XFS_IOC_VERIFY_MEDIA on a regular
// file or directory of an XFS filesystem it does what the kernel's
// fs/xfs/xfs_verify_media.c does (xfs_ioc_verify_media + xfs_verify_media),
// reading the real block device with O_DIRECT one "bio" at a time. Every
// other ioctl, and this one on other fds, goes to the real ioctl().
//
// Kernel-side effects of XFS_VERIFY_MEDIA_REPORT (health monitor event,
// fsnotify data-lost reports) are replaced by one line per reported bio in
// the file named by $XVM_EMULATOR_LOG:
//     REPORT dev=<1|2|3> daddr=<start of failed bio> bbcount=<bio length> errno=<NAME>
// With XVM_EMULATOR_TRACE=1 each call also logs
//     CALL dev=D start=S end=E flags=F max_io=M -> ret=R errno=NAME start=S' ioerror=NAME end=E' bios=N
// and with XVM_EMULATOR_TRACE=2 each bio as well:
//     BIO dev=D daddr=A bbcount=N -> ok|NAME
// Lines are written with one write() on an O_APPEND descriptor, so lines
// of concurrent calls (threads or processes) never interleave.
// XFS_IOC_HEALTH_MONITOR and XFS_IOC_HEALTH_FD_ON_MONITORED_FS go to the
// health monitor emulation (healthmon_emulator.c), and REPORT feeds it.
// See Tests/Emulator/README.md.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "CXFS.h"
#include "emulator.h"

#define XVM_XFS_SUPER_MAGIC 0x58465342u
#define XVM_PROC_USER_INIT_INO 0xEFFFFFFDu /* inode of the initial user namespace */
#define XVM_CAP_SYS_ADMIN 21
#define XVM_SZ_1M (1u << 20)

static ioctl_fn real_ioctl;
static pthread_once_t real_once = PTHREAD_ONCE_INIT;

static void find_real_ioctl(void)
{
	real_ioctl = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
}

ioctl_fn emu_real_ioctl(void)
{
	pthread_once(&real_once, find_real_ioctl);
	return real_ioctl;
}

/* ---- logging ---- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -2; /* -2: not opened yet, -1: no log */

static int trace_level(void)
{
	const char *t = getenv("XVM_EMULATOR_TRACE");
	return t && *t ? atoi(t) : 0;
}

static int get_log_fd(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_fd == -2) {
		const char *path = getenv("XVM_EMULATOR_LOG");
		log_fd = -1;
		if (path && *path)
			log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	}
	int fd = log_fd;
	pthread_mutex_unlock(&log_lock);
	return fd;
}

/* One line, one write(2) on an O_APPEND fd: atomic against other writers. */
void log_line(const char *fmt, ...)
{
	int fd = get_log_fd();
	if (fd < 0)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	ssize_t w;
	do {
		w = write(fd, line, (size_t)n);
	} while (w < 0 && errno == EINTR);
}

const char *errno_name(int e, char *buf, size_t len)
{
	if (e == 0)
		return "0";
	const char *name = strerrorname_np(e);
	if (name)
		return name;
	snprintf(buf, len, "%d", e);
	return buf;
}

/* ---- the caller's struct: copy_from_user / copy_to_user ---- */

/* Like the kernel's copies, fail with EFAULT on an unmapped (or, for the
 * copy-out, read-only) address instead of crashing. */
int copy_from_user(void *dst, const void *src, size_t len)
{
	struct iovec local = { dst, len }, remote = { (void *)src, len };
	ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	if (n < 0 && (errno == ENOSYS || errno == EPERM)) { /* filtered: trust the pointer */
		if (!src)
			return -EFAULT;
		memcpy(dst, src, len);
		return 0;
	}
	return -EFAULT;
}

int copy_to_user(void *dst, const void *src, size_t len)
{
	struct iovec local = { (void *)src, len }, remote = { dst, len };
	ssize_t n = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	if (n < 0 && (errno == ENOSYS || errno == EPERM)) {
		if (!dst)
			return -EFAULT;
		memcpy(dst, src, len);
		return 0;
	}
	return -EFAULT;
}

/* capable(CAP_SYS_ADMIN): the effective set, in the initial user namespace. */
int capable_sys_admin(void)
{
	struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &header, data) != 0)
		return geteuid() == 0;
	if (!(data[XVM_CAP_SYS_ADMIN / 32].effective & (1u << (XVM_CAP_SYS_ADMIN % 32))))
		return 0;
	struct stat ns;
	if (stat("/proc/self/ns/user", &ns) == 0 && ns.st_ino != XVM_PROC_USER_INIT_INO)
		return 0;
	return 1;
}

/* ---- devices of a mounted XFS (the buftargs) ---- */

struct devslot {
	dev_t fs_dev;  /* st_dev of the filesystem (its data device) */
	int role;      /* XFS_DEV_* */
	int fd;        /* O_RDONLY|O_DIRECT on the block device, or -1 */
	int error;     /* when fd < 0: ENODEV (no such device) or why it failed */
};

#define MAX_SLOTS 64
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static struct devslot slots[MAX_SLOTS];
static int nslots;

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *out = s;
	for (char *in = s; *in; ) {
		if (in[0] == '\\' && in[1] >= '0' && in[1] <= '7' && in[2] >= '0' && in[2] <= '7' &&
		    in[3] >= '0' && in[3] <= '7') {
			*out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
			in += 4;
		} else {
			*out++ = *in++;
		}
	}
	*out = 0;
}

/* From /proc/self/mountinfo, for the XFS mount of fs_dev: the mount source
 * (want == NULL) or the value of the super option `want` ("logdev=", "rtdev=").
 * Returns 0 and fills out, or -1 when there is none. */
static int mount_option(dev_t fs_dev, const char *want, char *out, size_t outlen)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	int found = -1;
	char majmin[64];
	snprintf(majmin, sizeof(majmin), "%u:%u", major(fs_dev), minor(fs_dev));
	while (found < 0 && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = 0;
		/* id parent MAJ:MIN root mountpoint options [optional...] - fstype source superopts */
		char *save = NULL, *field[6] = { 0 };
		int i = 0;
		for (char *tok = strtok_r(line, " ", &save); tok && i < 3; tok = strtok_r(NULL, " ", &save))
			field[i++] = tok;
		if (i < 3 || strcmp(field[2], majmin) != 0)
			continue;
		char *tok;
		while ((tok = strtok_r(NULL, " ", &save)) && strcmp(tok, "-") != 0)
			;
		char *fstype = strtok_r(NULL, " ", &save);
		char *source = strtok_r(NULL, " ", &save);
		char *opts = strtok_r(NULL, " ", &save);
		if (!fstype || strcmp(fstype, "xfs") != 0 || !source)
			continue;
		if (!want) {
			unescape(source);
			snprintf(out, outlen, "%s", source);
			found = 0;
			break;
		}
		for (char *o = opts ? strtok_r(opts, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save)) {
			if (strncmp(o, want, strlen(want)) == 0) {
				unescape(o);
				snprintf(out, outlen, "%s", o + strlen(want));
				found = 0;
				break;
			}
		}
		break; /* every line of this superblock has the same super options */
	}
	free(line);
	fclose(f);
	return found;
}

/* Opens `path` O_RDONLY|O_DIRECT if it is the block device `rdev` (any rdev when 0). */
static int open_block(const char *path, dev_t rdev)
{
	int fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISBLK(st.st_mode) || (rdev && st.st_rdev != rdev)) {
		close(fd);
		return -ENODEV;
	}
	return fd;
}

/* The data device: st_dev -> /sys/dev/block/MAJ:MIN/uevent DEVNAME -> /dev node;
 * else the mount source. */
static int open_data_device(dev_t fs_dev)
{
	char path[4096], line[512];
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", major(fs_dev), minor(fs_dev));
	FILE *f = fopen(path, "re");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, "DEVNAME=", 8) == 0) {
				line[strcspn(line, "\n")] = 0;
				snprintf(path, sizeof(path), "/dev/%s", line + 8);
				int fd = open_block(path, fs_dev);
				if (fd >= 0) {
					fclose(f);
					return fd;
				}
			}
		}
		fclose(f);
	}
	if (mount_option(fs_dev, NULL, path, sizeof(path)) == 0)
		return open_block(path, fs_dev);
	return -ENODEV;
}

/* LOG: only an external log (mount option logdev=); RT: rtdev=. */
static int open_option_device(dev_t fs_dev, const char *option)
{
	char path[4096];
	if (mount_option(fs_dev, option, path, sizeof(path)) != 0)
		return -ENODEV;
	int fd = open_block(path, 0);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) == 0 && st.st_rdev == fs_dev) { /* "external" log on the data device */
		close(fd);
		return -ENODEV;
	}
	return fd;
}

/* The cached O_DIRECT fd of device `role` of the filesystem fs_dev, or -errno. */
int device_fd(dev_t fs_dev, int role)
{
	pthread_mutex_lock(&slot_lock);
	for (int i = 0; i < nslots; i++) {
		if (slots[i].fs_dev == fs_dev && slots[i].role == role) {
			int r = slots[i].fd >= 0 ? slots[i].fd : -slots[i].error;
			pthread_mutex_unlock(&slot_lock);
			return r;
		}
	}
	int fd;
	switch (role) {
	case XFS_DEV_DATA:
		fd = open_data_device(fs_dev);
		break;
	case XFS_DEV_LOG:
		fd = open_option_device(fs_dev, "logdev=");
		break;
	default:
		fd = open_option_device(fs_dev, "rtdev=");
		break;
	}
	if (fd < 0 && fd != -ENODEV)
		fprintf(stderr, "verify_media_emulator: cannot open device %d of the XFS on %u:%u: %s\n",
			role, major(fs_dev), minor(fs_dev), strerror(-fd));
	/* Cache the answer, also "no such device" (a mount's devices never change). */
	if (nslots < MAX_SLOTS && (fd >= 0 || fd == -ENODEV)) {
		slots[nslots].fs_dev = fs_dev;
		slots[nslots].role = role;
		slots[nslots].fd = fd >= 0 ? fd : -1;
		slots[nslots].error = fd >= 0 ? 0 : -fd;
		nslots++;
	}
	pthread_mutex_unlock(&slot_lock);
	return fd < 0 ? -ENODEV : fd;
}

/* ---- xfs_verify_media() ---- */

static unsigned int get_order_bytes(unsigned int size)
{
	/* PAGE_SIZE << get_order(size): the smallest power-of-two number of pages >= size */
	unsigned long page = (unsigned long)sysconf(_SC_PAGESIZE);
	unsigned long folio = page;
	while (folio < size)
		folio <<= 1;
	return (unsigned int)folio;
}

static void rest(uint32_t rest_us)
{
	/* The kernel computes me_rest_us * 1000 in 32 bits, then sleeps
	 * TASK_KILLABLE (other signals do not cut the sleep short). */
	uint32_t ns = rest_us * 1000u;
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_nsec += ns % 1000000000u;
	t.tv_sec += ns / 1000000000u + t.tv_nsec / 1000000000;
	t.tv_nsec %= 1000000000;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

int is_media_error(int e)
{
	/* BLK_STS_PROTECTION, BLK_STS_IOERR, BLK_STS_MEDIUM */
	return e == EILSEQ || e == EIO || e == ENODATA;
}

/* Returns 0 or a negative errno, like the kernel function; *bios counts reads. */
static int verify_media(int caller_fd, dev_t fs_dev, struct xfs_verify_media *me, unsigned *bios)
{
	me->me_ioerror = 0;

	int fd = device_fd(fs_dev, (int)me->me_dev);
	if (fd < 0)
		return -ENODEV;

	uint64_t bytes = 0;
	int lss = 0;
	if (real_ioctl(fd, BLKGETSIZE64, &bytes) != 0 || real_ioctl(fd, BLKSSZGET, &lss) != 0 || lss <= 0)
		return -ENODEV;
	uint64_t nr_sectors = bytes >> 9;

	/* Clamp the end to the device, then check alignment, then the empty range. */
	if (me->me_end_daddr > nr_sectors)
		me->me_end_daddr = nr_sectors;
	if (((me->me_start_daddr | me->me_end_daddr) << 9) % (uint64_t)lss != 0)
		return -EINVAL;
	if (me->me_start_daddr >= me->me_end_daddr)
		return 0;

	uint64_t daddr = me->me_start_daddr;
	uint64_t bbcount = (me->me_end_daddr < nr_sectors ? me->me_end_daddr : nr_sectors) - me->me_start_daddr;

	/* xfs_verify_iosize(): clamp(min_not_zero(1 MiB, max_io), lba, range) */
	uint64_t iosize = me->me_max_io_size && me->me_max_io_size < XVM_SZ_1M ? me->me_max_io_size : XVM_SZ_1M;
	if (iosize < (uint64_t)lss)
		iosize = (uint64_t)lss;
	if (iosize > bbcount << 9)
		iosize = bbcount << 9;
	/* xfs_verify_alloc_folio(): one folio of order get_order(iosize) */
	unsigned int folio_size = get_order_bytes((unsigned int)iosize);

	void *buffer = NULL;
	if (posix_memalign(&buffer, (size_t)sysconf(_SC_PAGESIZE), folio_size) != 0)
		return -ENOMEM;

	int level = trace_level();
	char name[32];
	while (bbcount > 0) {
		uint64_t len = bbcount << 9 < folio_size ? bbcount << 9 : folio_size;
		uint32_t bio_bbcount = (uint32_t)(len >> 9);
		ssize_t n;
		do {
			n = pread(fd, buffer, len, (off_t)(daddr << 9));
		} while (n < 0 && errno == EINTR);
		int status = n < 0 ? errno : (uint64_t)n != len ? EIO : 0;
		(*bios)++;
		if (level >= 2)
			log_line("BIO dev=%u daddr=%llu bbcount=%u -> %s", me->me_dev, (unsigned long long)daddr,
				 bio_bbcount, status ? errno_name(status, name, sizeof(name)) : "ok");
		if (status) {
			/* xfs_verify_media_error() */
			if (me->me_start_daddr == daddr)
				me->me_ioerror = (uint32_t)status;
			if (is_media_error(status) && (me->me_flags & XFS_VERIFY_MEDIA_REPORT)) {
				log_line("REPORT dev=%u daddr=%llu bbcount=%u errno=%s", me->me_dev,
					 (unsigned long long)daddr, bio_bbcount, errno_name(status, name, sizeof(name)));
				healthmon_report_media(caller_fd, fs_dev, me->me_dev, daddr, bio_bbcount);
			}
			break;
		}
		daddr += bio_bbcount;
		bbcount -= bio_bbcount;
		if (bbcount == 0)
			break;
		if (me->me_rest_us)
			rest(me->me_rest_us);
	}
	free(buffer);
	me->me_start_daddr = daddr;
	return 0;
}

/* xfs_ioc_verify_media() */
static int ioc_verify_media(int fd, dev_t fs_dev, struct xfs_verify_media *arg, struct xfs_verify_media *in,
			    struct xfs_verify_media *out, unsigned *bios)
{
	if (!capable_sys_admin())
		return -EPERM;
	if (copy_from_user(in, arg, sizeof(*in)))
		return -EFAULT;
	*out = *in;
	if (out->me_pad)
		return -EINVAL;
	if (out->me_flags & ~(uint32_t)XFS_VERIFY_MEDIA_REPORT)
		return -EINVAL;
	switch (out->me_dev) {
	case XFS_DEV_DATA:
	case XFS_DEV_LOG:
	case XFS_DEV_RT:
		break;
	default:
		return -EINVAL;
	}
	int error = verify_media(fd, fs_dev, out, bios);
	if (error)
		return error;
	if (copy_to_user(arg, out, sizeof(*out)))
		return -EFAULT;
	return 0;
}

/* Whether the kernel would send this ioctl to xfs_file_ioctl(): a regular
 * file or directory of an XFS filesystem, opened for real (not O_PATH). */
int is_xfs_file(int fd, dev_t *fs_dev)
{
	struct statfs sfs;
	struct stat st;
	if (fstatfs(fd, &sfs) != 0 || (uint32_t)sfs.f_type != XVM_XFS_SUPER_MAGIC)
		return 0;
	if (fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
		return 0;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_PATH))
		return 0;
	*fs_dev = st.st_dev;
	return 1;
}

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);

	pthread_once(&real_once, find_real_ioctl);
	if (!real_ioctl) {
		errno = ENOSYS;
		return -1;
	}
	if (request == (unsigned long)XFS_IOC_HEALTH_MONITOR || request == (unsigned long)XFS_IOC_HEALTH_FD_ON_MONITORED_FS) {
		int handled = 0;
		int ret = healthmon_ioctl(fd, request, arg, &handled);
		if (handled)
			return ret;
	}
	dev_t fs_dev;
	if (request != (unsigned long)XFS_IOC_VERIFY_MEDIA || !is_xfs_file(fd, &fs_dev))
		return real_ioctl(fd, request, arg);

	int saved = errno;
	struct xfs_verify_media in, out;
	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	unsigned bios = 0;
	int error = ioc_verify_media(fd, fs_dev, arg, &in, &out, &bios);

	if (trace_level() >= 1) {
		char n1[32], n2[32];
		log_line("CALL dev=%u start=%llu end=%llu flags=%u max_io=%u -> ret=%d errno=%s start=%llu ioerror=%s end=%llu bios=%u",
			 in.me_dev, (unsigned long long)in.me_start_daddr, (unsigned long long)in.me_end_daddr,
			 in.me_flags, in.me_max_io_size, error ? -1 : 0, errno_name(-error, n1, sizeof(n1)),
			 (unsigned long long)out.me_start_daddr, errno_name((int)out.me_ioerror, n2, sizeof(n2)),
			 (unsigned long long)out.me_end_daddr, bios);
	}
	if (error) {
		errno = -error;
		return -1;
	}
	errno = saved;
	return 0;
}
