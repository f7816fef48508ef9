// The XFS health monitor (Linux 7.0, fs/xfs/xfs_healthmon.c) for kernels
// that lack it, as part of the LD_PRELOAD emulator.
//
// XFS_IOC_HEALTH_MONITOR on the root directory of an XFS filesystem
// returns the read end of a pipe whose capacity is the kernel's queue
// limit (32 KiB of 64-byte events); a thread of the calling process feeds
// it:
//   - a RUNNING event first;
//   - MEDIA_ERROR for every bad bio an XFS_IOC_VERIFY_MEDIA call with
//     XFS_VERIFY_MEDIA_REPORT finds in any process that runs under the
//     emulator, and, on the data and realtime devices, what the kernel's
//     rmap walk sends: FILERANGE/DATALOST for file data, INODE/SICK for
//     extent maps and extended attributes;
//   - any 64-byte records sent as datagrams (up to 1024 records each) to
//     the abstract AF_UNIX socket "xvm-healthmon/MAJ:MIN" (tests use it to
//     inject events; a datagram is one burst);
//   - UNMOUNT when the filesystem is mounted nowhere any more, then end of
//     file, as the kernel detaches the monitor at unmount.
// When the pipe is full, events are lost and counted, and a MOUNT/LOST
// event with the count goes in before the next event that fits. A burst
// goes into the pipe with one write of the events that fit, so the reader
// cannot make room halfway through it. The
// socket's name is also the "one monitor per filesystem" rule: a second
// XFS_IOC_HEALTH_MONITOR on the same filesystem, from any process, gets
// EEXIST. Closing the read end detaches the monitor.
//
// XFS_IOC_HEALTH_FD_ON_MONITORED_FS on the read end: 0 when the given fd
// is on the monitored filesystem, ESTALE otherwise or after unmount,
// EBADF for a bad fd, EINVAL for nonzero flags. XFS_IOC_HEALTH_MONITOR on
// the read end reconfigures it (only VERBOSE may change).
//
// Not emulated: merging of events with the newest queued one, metadata
// health events other than those of the rmap walk.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "CXFS.h"
#include "emulator.h"

#define QUEUE_BYTES (32 * 1024)
#define EVENT_SIZE ((ssize_t)sizeof(struct xfs_health_monitor_event))

struct monitor {
	int read_fd;		/* the caller's end */
	ino_t read_ino;		/* to know it again (fd numbers are reused) */
	int write_fd;		/* ours, O_NONBLOCK */
	int socket_fd;		/* "xvm-healthmon/MAJ:MIN", bound while attached */
	dev_t fs_dev;
	int verbose;
	int alive;		/* attached to the filesystem */
	uint64_t lost;
	struct monitor *next;
};

static pthread_mutex_t monitors_lock = PTHREAD_MUTEX_INITIALIZER;
static struct monitor *monitors;

static socklen_t socket_name(dev_t dev, struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	int n = snprintf(addr->sun_path + 1, sizeof(addr->sun_path) - 1, "xvm-healthmon/%u:%u", major(dev), minor(dev));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

static void event_init(struct xfs_health_monitor_event *e, uint32_t domain, uint32_t type)
{
	struct timespec now;
	memset(e, 0, sizeof(*e));
	e->domain = domain;
	e->type = type;
	clock_gettime(CLOCK_REALTIME_COARSE, &now);
	e->time_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

/* The monitor whose read end `fd` is, or NULL. Called with monitors_lock held. */
static struct monitor *find_monitor(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode))
		return NULL;
	for (struct monitor *m = monitors; m; m = m->next)
		if (m->read_fd == fd && m->read_ino == st.st_ino)
			return m;
	return NULL;
}

/* Whole events that fit in the queue now. */
static size_t free_slots(struct monitor *m)
{
	int queued = 0;
	if (ioctl(m->write_fd, FIONREAD, &queued) != 0 || queued < 0 || queued > QUEUE_BYTES)
		return 0;
	return (size_t)(QUEUE_BYTES - queued) / EVENT_SIZE;
}

/* Queues events, as many as fit, and counts the rest lost; a LOST event
 * goes first when some were lost before. What fits goes in one write, so
 * that a reader cannot make room halfway (a burst overflows the queue as it
 * would in the kernel, whatever the reader does meanwhile). */
static void queue_events(struct monitor *m, const struct xfs_health_monitor_event *events, size_t count)
{
	if (count == 0)
		return;
	if (m->lost) {
		struct xfs_health_monitor_event lost;
		event_init(&lost, XFS_HEALTH_MONITOR_DOMAIN_MOUNT, XFS_HEALTH_MONITOR_TYPE_LOST);
		lost.e.lost.count = m->lost;
		if (free_slots(m) == 0 || write(m->write_fd, &lost, sizeof(lost)) != EVENT_SIZE) {
			m->lost += count;
			return;
		}
		m->lost = 0;
	}
	size_t fit = free_slots(m);
	if (fit > count)
		fit = count;
	ssize_t written = fit ? write(m->write_fd, events, fit * sizeof(*events)) : 0;
	size_t queued = written > 0 ? (size_t)written / sizeof(*events) : 0;
	m->lost += count - queued;
}

static void queue_event(struct monitor *m, const struct xfs_health_monitor_event *e)
{
	queue_events(m, e, 1);
}

static int still_mounted(dev_t dev)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return 1;
	char want[64], *line = NULL;
	size_t cap = 0;
	int found = 0;
	snprintf(want, sizeof(want), " %u:%u ", major(dev), minor(dev));
	while (!found && getline(&line, &cap, f) > 0) {
		char *dash = strstr(line, " - xfs ");
		char *at = strstr(line, want);
		found = dash && at && at < dash;
	}
	free(line);
	fclose(f);
	return found;
}

/* Feeds one monitor until the filesystem goes away or the reader closes. */
static void *monitor_thread(void *arg)
{
	struct monitor *m = arg;
	/* One datagram carries up to 1024 events (a burst, for tests). */
	struct xfs_health_monitor_event *batch = malloc(1024 * sizeof(*batch));
	int mountinfo = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	int unmounted = 0;
	while (batch) {
		struct pollfd p[3] = {
			{ .fd = m->socket_fd, .events = POLLIN },
			{ .fd = mountinfo, .events = POLLPRI },
			{ .fd = m->write_fd, .events = 0 },
		};
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[2].revents & (POLLERR | POLLHUP))
			break; /* the reader closed the monitor */
		if (p[0].revents & POLLIN) {
			ssize_t n = recv(m->socket_fd, batch, 1024 * sizeof(*batch), MSG_DONTWAIT);
			pthread_mutex_lock(&monitors_lock);
			if (n > 0)
				queue_events(m, batch, (size_t)n / EVENT_SIZE);
			pthread_mutex_unlock(&monitors_lock);
		}
		if ((p[1].revents & (POLLPRI | POLLERR)) && !still_mounted(m->fs_dev)) {
			unmounted = 1;
			break;
		}
	}
	pthread_mutex_lock(&monitors_lock);
	if (unmounted) {
		/* The kernel preallocates this one: it is never lost. */
		struct xfs_health_monitor_event e;
		event_init(&e, XFS_HEALTH_MONITOR_DOMAIN_MOUNT, XFS_HEALTH_MONITOR_TYPE_UNMOUNT);
		int flags = fcntl(m->write_fd, F_GETFL);
		fcntl(m->write_fd, F_SETFL, flags & ~O_NONBLOCK);
		struct pollfd w = { .fd = m->write_fd, .events = POLLOUT };
		if (poll(&w, 1, 2000) > 0 && (w.revents & POLLOUT))
			(void)!write(m->write_fd, &e, sizeof(e));
	}
	free(batch);
	m->alive = 0;
	close(m->write_fd);
	close(m->socket_fd);
	if (mountinfo >= 0)
		close(mountinfo);
	if (!unmounted) {
		/* The read end is closed: forget the monitor (its fd number is free). */
		for (struct monitor **p = &monitors; *p; p = &(*p)->next) {
			if (*p == m) {
				*p = m->next;
				free(m);
				break;
			}
		}
	}
	pthread_mutex_unlock(&monitors_lock);
	return NULL;
}

static int validate(const struct xfs_health_monitor *hmo)
{
	if (hmo->flags & ~(uint64_t)XFS_HEALTH_MONITOR_VERBOSE || hmo->format != XFS_HEALTH_MONITOR_FMT_V0)
		return 0;
	for (size_t i = 0; i < sizeof(hmo->pad); i++)
		if (hmo->pad[i])
			return 0;
	return 1;
}

/* Bulkstat of one inode (`flags` XFS_BULK_IREQ_SPECIAL for the root);
 * 0 and *bs filled, or -1. */
static int bulkstat_one(int fd, uint64_t ino, uint32_t flags, struct xfs_bulkstat *bs)
{
	struct {
		struct xfs_bulk_ireq hdr;
		struct xfs_bulkstat bs;
	} req;
	memset(&req, 0, sizeof(req));
	req.hdr.ino = ino;
	req.hdr.flags = flags;
	req.hdr.icount = 1;
	if (emu_real_ioctl()(fd, XFS_IOC_BULKSTAT, &req) != 0 || req.hdr.ocount != 1)
		return -1;
	*bs = req.bs;
	return 0;
}

/* The root directory's inode number. */
static int root_inode(int fd, uint64_t *ino)
{
	struct xfs_bulkstat bs;
	if (bulkstat_one(fd, XFS_BULK_IREQ_SPECIAL_ROOT, XFS_BULK_IREQ_SPECIAL, &bs) != 0)
		return -1;
	*ino = bs.bs_ino;
	return 0;
}

static int create_monitor(int fd, dev_t fs_dev, void *arg)
{
	struct xfs_health_monitor hmo;
	if (!capable_sys_admin())
		return -EPERM;
	if (copy_from_user(&hmo, arg, sizeof(hmo)))
		return -EFAULT;
	if (!validate(&hmo))
		return -EINVAL;
	struct stat st;
	uint64_t root;
	if (fstat(fd, &st) != 0 || root_inode(fd, &root) != 0 || (uint64_t)st.st_ino != root)
		return -EPERM;

	struct sockaddr_un addr;
	socklen_t len = socket_name(fs_dev, &addr);
	int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	if (bind(sock, (struct sockaddr *)&addr, len) != 0) {
		int e = errno;
		close(sock);
		return e == EADDRINUSE ? -EEXIST : -e;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		int e = errno;
		close(sock);
		return -e;
	}
	fcntl(fds[1], F_SETPIPE_SZ, QUEUE_BYTES);
	fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
	struct monitor *m = calloc(1, sizeof(*m));
	if (!m || fstat(fds[0], &st) != 0) {
		free(m);
		close(fds[0]);
		close(fds[1]);
		close(sock);
		return -ENOMEM;
	}
	m->read_fd = fds[0];
	m->read_ino = st.st_ino;
	m->write_fd = fds[1];
	m->socket_fd = sock;
	m->fs_dev = fs_dev;
	m->verbose = !!(hmo.flags & XFS_HEALTH_MONITOR_VERBOSE);
	m->alive = 1;

	struct xfs_health_monitor_event running;
	event_init(&running, XFS_HEALTH_MONITOR_DOMAIN_MOUNT, XFS_HEALTH_MONITOR_TYPE_RUNNING);
	queue_event(m, &running);

	pthread_mutex_lock(&monitors_lock);
	m->next = monitors;
	monitors = m;
	pthread_mutex_unlock(&monitors_lock);

	pthread_t thread;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&thread, &attr, monitor_thread, m) != 0) {
		pthread_attr_destroy(&attr);
		return -ENOMEM; /* leaks the monitor: the process is in trouble anyway */
	}
	pthread_attr_destroy(&attr);
	return fds[0];
}

int healthmon_ioctl(int fd, unsigned long request, void *arg, int *handled)
{
	int ret;
	pthread_mutex_lock(&monitors_lock);
	struct monitor *m = find_monitor(fd);
	*handled = 1;
	if (request == (unsigned long)XFS_IOC_HEALTH_FD_ON_MONITORED_FS) {
		struct xfs_health_file_on_monitored_fs in;
		struct stat st;
		if (!m) {
			*handled = 0;
			ret = 0;
		} else if (copy_from_user(&in, arg, sizeof(in))) {
			ret = -EFAULT;
		} else if (in.flags) {
			ret = -EINVAL;
		} else if (fstat(in.fd, &st) != 0) {
			ret = -EBADF;
		} else {
			ret = m->alive && st.st_dev == m->fs_dev ? 0 : -ESTALE;
		}
		pthread_mutex_unlock(&monitors_lock);
	} else if (m) {
		struct xfs_health_monitor hmo;
		if (copy_from_user(&hmo, arg, sizeof(hmo)))
			ret = -EFAULT;
		else if (!validate(&hmo))
			ret = -EINVAL;
		else {
			m->verbose = !!(hmo.flags & XFS_HEALTH_MONITOR_VERBOSE);
			ret = 0;
		}
		pthread_mutex_unlock(&monitors_lock);
	} else {
		pthread_mutex_unlock(&monitors_lock);
		dev_t fs_dev;
		if (!is_xfs_file(fd, &fs_dev)) {
			*handled = 0;
			return 0;
		}
		ret = create_monitor(fd, fs_dev, arg);
	}
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

/* ---- what XFS_VERIFY_MEDIA_REPORT tells the monitor ---- */

static void send_events(dev_t fs_dev, const struct xfs_health_monitor_event *events, size_t count)
{
	if (count == 0)
		return;
	struct sockaddr_un addr;
	socklen_t len = socket_name(fs_dev, &addr);
	int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return;
	for (size_t i = 0; i < count; i++) /* no monitor: nobody hears it, as in the kernel */
		(void)sendto(sock, &events[i], sizeof(events[i]), MSG_NOSIGNAL, (struct sockaddr *)&addr, len);
	close(sock);
}

static uint32_t encode_dev(dev_t dev)
{
	return (minor(dev) & 0xff) | (major(dev) << 8) | ((minor(dev) & ~0xffu) << 12);
}

static uint32_t generation_of(int fd, uint64_t ino)
{
	/* Bulkstat gives the first inode at or after `ino`: it must be that one. */
	struct xfs_bulkstat bs;
	return bulkstat_one(fd, ino, 0, &bs) == 0 && bs.bs_ino == ino ? bs.bs_gen : 0;
}

/* The kernel's rmap walk over a bad range: each owner that is a file. */
static size_t rmap_events(int fd, uint32_t fmr_device, uint64_t start, uint64_t end,
			  struct xfs_health_monitor_event *out, size_t max)
{
	enum { NR = 64 };
	struct fsmap_head *head = calloc(1, sizeof(*head) + NR * sizeof(struct fsmap));
	size_t count = 0;
	if (!head)
		return 0;
	head->fmh_count = NR;
	head->fmh_keys[0].fmr_device = fmr_device;
	head->fmh_keys[0].fmr_physical = start;
	head->fmh_keys[1].fmr_device = fmr_device;
	head->fmh_keys[1].fmr_physical = end - 1;
	head->fmh_keys[1].fmr_owner = ULLONG_MAX;
	head->fmh_keys[1].fmr_offset = ULLONG_MAX;
	head->fmh_keys[1].fmr_flags = UINT_MAX;
	while (count < max && emu_real_ioctl()(fd, FS_IOC_GETFSMAP, head) == 0 && head->fmh_entries > 0) {
		for (unsigned i = 0; i < head->fmh_entries && count < max; i++) {
			const struct fsmap *r = &head->fmh_recs[i];
			if (r->fmr_flags & (FMR_OF_SPECIAL_OWNER | FMR_OF_PREALLOC))
				continue;
			uint64_t from = r->fmr_physical > start ? r->fmr_physical : start;
			uint64_t to = r->fmr_physical + r->fmr_length < end ? r->fmr_physical + r->fmr_length : end;
			if (from >= to)
				continue;
			struct xfs_health_monitor_event *e = &out[count++];
			if (r->fmr_flags & (FMR_OF_EXTENT_MAP | FMR_OF_ATTR_FORK)) {
				event_init(e, XFS_HEALTH_MONITOR_DOMAIN_INODE, XFS_HEALTH_MONITOR_TYPE_SICK);
				e->e.inode.ino = r->fmr_owner;
				e->e.inode.gen = generation_of(fd, r->fmr_owner);
				e->e.inode.mask = !(r->fmr_flags & FMR_OF_EXTENT_MAP) ? XFS_BS_SICK_XATTR
					: (r->fmr_flags & FMR_OF_ATTR_FORK) ? XFS_BS_SICK_BMBTA : XFS_BS_SICK_BMBTD;
			} else {
				event_init(e, XFS_HEALTH_MONITOR_DOMAIN_FILERANGE, XFS_HEALTH_MONITOR_TYPE_DATALOST);
				e->e.filerange.ino = r->fmr_owner;
				e->e.filerange.gen = generation_of(fd, r->fmr_owner);
				e->e.filerange.pos = r->fmr_offset + (from - r->fmr_physical);
				e->e.filerange.len = to - from;
				e->e.filerange.error = EIO;
			}
		}
		const struct fsmap *last = &head->fmh_recs[head->fmh_entries - 1];
		if (last->fmr_flags & FMR_OF_LAST)
			break;
		head->fmh_keys[0] = *last;
	}
	free(head);
	return count;
}

void healthmon_report_media(int fd, dev_t fs_dev, uint32_t xfs_dev, uint64_t daddr, uint64_t bbcount)
{
	struct xfs_health_monitor_event events[65];
	size_t count = 1;
	event_init(&events[0], xfs_dev == XFS_DEV_RT ? XFS_HEALTH_MONITOR_DOMAIN_RTDEV
			       : xfs_dev == XFS_DEV_LOG ? XFS_HEALTH_MONITOR_DOMAIN_LOGDEV
			       : XFS_HEALTH_MONITOR_DOMAIN_DATADEV,
		   XFS_HEALTH_MONITOR_TYPE_MEDIA_ERROR);
	events[0].e.media.daddr = daddr;
	events[0].e.media.bbcount = bbcount;
	/* Owners only on the data and realtime devices, and only with rmapbt
	 * (without it GETFSMAP names no owners, so nothing is found). */
	if (xfs_dev == XFS_DEV_DATA || xfs_dev == XFS_DEV_RT) {
		uint32_t fmr_device = encode_dev(fs_dev);
		struct stat st;
		if (xfs_dev == XFS_DEV_RT) {
			int rt = device_fd(fs_dev, XFS_DEV_RT);
			fmr_device = rt >= 0 && fstat(rt, &st) == 0 ? encode_dev(st.st_rdev) : 0;
		}
		if (fmr_device)
			count += rmap_events(fd, fmr_device, daddr << 9, (daddr + bbcount) << 9, events + 1, 64);
	}
	send_events(fs_dev, events, count);
}
