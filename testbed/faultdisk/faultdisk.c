// faultdisk: a FUSE file system that exposes one disk image as the file
// MOUNTDIR/disk and fails, delays or counts reads of chosen byte ranges.
//
// Loop-mount MOUNTDIR/disk and reads through the loop device really fail:
// the kernel's loop driver turns the errno we return into a block status
// (EIO -> BLK_STS_IOERR, ENODATA -> BLK_STS_MEDIUM, ETIMEDOUT ->
// BLK_STS_TIMEOUT, ...) and the reader of the block device sees it.
//
// Files:
//   disk     the image, read-write; every read is counted per 512-byte sector
//   control  write commands, read the fault table with per-fault counters
//   readmap  one little-endian uint16 per 512-byte sector of the disk: how
//            many reads touched it since the last `reset` (saturating)
//
// Commands written to control, one per line (offsets and lengths in bytes):
//   eio START LEN            every read touching the range fails with EIO
//   errno:NAME START LEN     ... fails with that errno (ENODATA, ETIMEDOUT,
//                            ENOLINK, EREMOTEIO, EILSEQ, ETIME or a number)
//   slow:MS START LEN        reads touching the range are delayed MS ms
//   flaky:N START LEN        the first N reads touching it fail with EIO,
//                            later ones succeed
//   clear                    remove every fault
//   reset                    zero all read counters and the readmap
//   seek BASE_US US_PER_GIB [NEAR]
//                            the seek model of a spinning disk: one head, at
//                            the end of the last read; a read starting more
//                            than NEAR bytes (default 64 MiB, what a drive's
//                            command queue reorders) away from it waits
//                            BASE_US + US_PER_GIB per GiB of the distance,
//                            holding up every read behind it
//   seek off                 no seek model (the default)
//   remap-on-write on|off    "on": a write heals the sectors it covers, as a
//                            drive remaps a bad sector when it is written:
//                            the written bytes leave every failing fault
//                            (eio, errno:, flaky), which shrink or split;
//                            "off" (the default): writes change nothing
// Reading control gives one line per fault:
//   ID KIND START LEN READS FAILURES
// then, with the seek model on, `seek BASE_US US_PER_GIB SEEKS WAITED_US`,
// then `total READS BYTES` and last `remap on|off BYTES` (bytes healed).
#define FUSE_USE_VERSION 35
#include <fuse.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum fault_kind { FAULT_ERRNO, FAULT_SLOW, FAULT_FLAKY };

struct fault {
	unsigned id;
	enum fault_kind kind;
	int error;		/* FAULT_ERRNO, FAULT_FLAKY: errno to return */
	unsigned param;		/* FAULT_SLOW: ms; FAULT_FLAKY: failures left */
	char name[32];		/* as written, for the table */
	uint64_t start, len;
	uint64_t reads, failures;
};

#define MAX_FAULTS 4096

static struct {
	int image_fd;
	uint64_t size;
	pthread_mutex_t lock;
	struct fault faults[MAX_FAULTS];
	unsigned nfaults, next_id;
	uint16_t *readmap;	/* per 512-byte sector */
	uint64_t total_reads, total_bytes;
	/* The seek model: reads go one at a time past `head_lock` while it is on. */
	pthread_mutex_t head_lock;
	unsigned seek_base_us, seek_us_per_gib;
	uint64_t seek_near, head, seeks, seek_waited_us;
	int remap_on_write;
	uint64_t remapped_bytes;
} disk = { .lock = PTHREAD_MUTEX_INITIALIZER, .next_id = 1, .head_lock = PTHREAD_MUTEX_INITIALIZER,
	   .seek_near = 64ULL << 20 };

static const char DISK[] = "/disk", CONTROL[] = "/control", READMAP[] = "/readmap";

static const struct { const char *name; int value; } errnos[] = {
	{ "EIO", EIO }, { "ENODATA", ENODATA }, { "EILSEQ", EILSEQ },
	{ "ETIMEDOUT", ETIMEDOUT }, { "ETIME", ETIME }, { "ENOLINK", ENOLINK },
	{ "EREMOTEIO", EREMOTEIO }, { "ENODEV", ENODEV }, { "EINVAL", EINVAL },
};

static int parse_errno(const char *s)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (strcmp(s, errnos[i].name) == 0)
			return errnos[i].value;
	char *end;
	long v = strtol(s, &end, 10);
	return (*end == 0 && v > 0 && v < 4096) ? (int)v : -1;
}

static int overlaps(const struct fault *f, uint64_t off, uint64_t len)
{
	return off < f->start + f->len && f->start < off + len;
}

/* Decides the fate of one read: 0 or a negative errno; *delay_ms set. */
static int judge_read(uint64_t off, uint64_t len, unsigned *delay_ms)
{
	int result = 0;
	*delay_ms = 0;
	pthread_mutex_lock(&disk.lock);
	disk.total_reads++;
	disk.total_bytes += len;
	uint64_t first = off / 512, last = (off + len - 1) / 512;
	for (uint64_t s = first; s <= last && s < disk.size / 512; s++)
		if (disk.readmap[s] != UINT16_MAX)
			disk.readmap[s]++;
	for (unsigned i = 0; i < disk.nfaults; i++) {
		struct fault *f = &disk.faults[i];
		if (!overlaps(f, off, len))
			continue;
		f->reads++;
		switch (f->kind) {
		case FAULT_SLOW:
			if (f->param > *delay_ms)
				*delay_ms = f->param;
			break;
		case FAULT_FLAKY:
			if (f->param == 0)
				break;
			f->param--;
			/* fall through */
		case FAULT_ERRNO:
			f->failures++;
			if (result == 0)
				result = -f->error;
			break;
		}
	}
	pthread_mutex_unlock(&disk.lock);
	return result;
}

/* Moves the head to a read at OFF of LEN bytes, waiting for the seek. */
static void seek_to(uint64_t off, uint64_t len)
{
	if (!__atomic_load_n(&disk.seek_base_us, __ATOMIC_RELAXED) &&
	    !__atomic_load_n(&disk.seek_us_per_gib, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&disk.head_lock);
	uint64_t distance = off > disk.head ? off - disk.head : disk.head - off;
	if (distance > disk.seek_near) {
		uint64_t us = disk.seek_base_us + (uint64_t)((double)distance / (double)(1ULL << 30) * disk.seek_us_per_gib);
		struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000L };
		/* Holding the lock: the one head serves nothing else meanwhile. */
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		disk.seeks++;
		disk.seek_waited_us += us;
	}
	disk.head = off + len;
	pthread_mutex_unlock(&disk.head_lock);
}

static int set_seek_model(const char *line)
{
	unsigned base, per_gib;
	uint64_t near = 64ULL << 20;
	if (strcmp(line, "seek off") == 0) {
		base = per_gib = 0;
	} else {
		int n = sscanf(line, "seek %u %u %" SCNu64, &base, &per_gib, &near);
		if (n < 2)
			return -EINVAL;
	}
	pthread_mutex_lock(&disk.head_lock);
	disk.seek_near = near;
	__atomic_store_n(&disk.seek_base_us, base, __ATOMIC_RELAXED);
	__atomic_store_n(&disk.seek_us_per_gib, per_gib, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&disk.head_lock);
	return 0;
}

static int add_fault(const char *kind, uint64_t start, uint64_t len)
{
	struct fault f = { .start = start, .len = len, .error = EIO };
	snprintf(f.name, sizeof(f.name), "%s", kind);
	if (strcmp(kind, "eio") == 0) {
		f.kind = FAULT_ERRNO;
	} else if (strncmp(kind, "errno:", 6) == 0) {
		f.kind = FAULT_ERRNO;
		f.error = parse_errno(kind + 6);
		if (f.error < 0)
			return -EINVAL;
	} else if (strncmp(kind, "slow:", 5) == 0) {
		f.kind = FAULT_SLOW;
		f.param = (unsigned)strtoul(kind + 5, NULL, 10);
	} else if (strncmp(kind, "flaky:", 6) == 0) {
		f.kind = FAULT_FLAKY;
		f.param = (unsigned)strtoul(kind + 6, NULL, 10);
	} else {
		return -EINVAL;
	}
	if (len == 0)
		return -EINVAL;
	pthread_mutex_lock(&disk.lock);
	int ret = -ENOSPC;
	if (disk.nfaults < MAX_FAULTS) {
		f.id = disk.next_id++;
		disk.faults[disk.nfaults++] = f;
		ret = 0;
	}
	pthread_mutex_unlock(&disk.lock);
	return ret;
}

/* A write of [off, off + len) with remap-on-write: the failing faults give
 * up the written bytes. Called with disk.lock held. */
static void remap_written(uint64_t off, uint64_t len)
{
	for (unsigned i = 0; i < disk.nfaults; i++) {
		struct fault *f = &disk.faults[i];
		if (f->kind == FAULT_SLOW || !overlaps(f, off, len))
			continue;
		uint64_t end = f->start + f->len, cut_start = off > f->start ? off : f->start;
		uint64_t cut_end = off + len < end ? off + len : end;
		disk.remapped_bytes += cut_end - cut_start;
		if (cut_start > f->start && cut_end < end && disk.nfaults < MAX_FAULTS) {
			/* The write hit the middle: the fault splits in two. */
			struct fault tail = *f;
			tail.id = disk.next_id++;
			tail.start = cut_end;
			tail.len = end - cut_end;
			f->len = cut_start - f->start;
			disk.faults[disk.nfaults++] = tail;
		} else if (cut_start > f->start) {
			f->len = cut_start - f->start;
		} else if (cut_end < end) {
			f->start = cut_end;
			f->len = end - cut_end;
		} else {
			/* Healed entirely. */
			disk.faults[i] = disk.faults[--disk.nfaults];
			i--;
		}
	}
}

static int run_command(char *line)
{
	char kind[32];
	uint64_t start, len;
	if (strcmp(line, "clear") == 0) {
		pthread_mutex_lock(&disk.lock);
		disk.nfaults = 0;
		pthread_mutex_unlock(&disk.lock);
		return 0;
	}
	if (strcmp(line, "reset") == 0) {
		pthread_mutex_lock(&disk.lock);
		for (unsigned i = 0; i < disk.nfaults; i++)
			disk.faults[i].reads = disk.faults[i].failures = 0;
		memset(disk.readmap, 0, disk.size / 512 * sizeof(uint16_t));
		disk.total_reads = disk.total_bytes = 0;
		pthread_mutex_unlock(&disk.lock);
		pthread_mutex_lock(&disk.head_lock);
		disk.seeks = disk.seek_waited_us = 0;
		pthread_mutex_unlock(&disk.head_lock);
		return 0;
	}
	if (strncmp(line, "seek ", 5) == 0)
		return set_seek_model(line);
	if (strcmp(line, "remap-on-write on") == 0 || strcmp(line, "remap-on-write off") == 0) {
		pthread_mutex_lock(&disk.lock);
		disk.remap_on_write = strcmp(line, "remap-on-write on") == 0;
		pthread_mutex_unlock(&disk.lock);
		return 0;
	}
	if (sscanf(line, "%31s %" SCNu64 " %" SCNu64, kind, &start, &len) == 3)
		return add_fault(kind, start, len);
	return -EINVAL;
}

static char *control_text(size_t *lenp)
{
	size_t cap = 640 + (size_t)disk.nfaults * 128, used = 0;
	char *text = malloc(cap);
	if (!text)
		return NULL;
	pthread_mutex_lock(&disk.head_lock);
	unsigned base = disk.seek_base_us, per_gib = disk.seek_us_per_gib;
	uint64_t seeks = disk.seeks, waited = disk.seek_waited_us;
	pthread_mutex_unlock(&disk.head_lock);
	pthread_mutex_lock(&disk.lock);
	for (unsigned i = 0; i < disk.nfaults; i++) {
		const struct fault *f = &disk.faults[i];
		used += (size_t)snprintf(text + used, cap - used,
			"%u %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
			f->id, f->name, f->start, f->len, f->reads, f->failures);
	}
	if (base || per_gib)
		used += (size_t)snprintf(text + used, cap - used, "seek %u %u %" PRIu64 " %" PRIu64 "\n",
					 base, per_gib, seeks, waited);
	used += (size_t)snprintf(text + used, cap - used, "total %" PRIu64 " %" PRIu64 "\n",
				 disk.total_reads, disk.total_bytes);
	used += (size_t)snprintf(text + used, cap - used, "remap %s %" PRIu64 "\n",
				 disk.remap_on_write ? "on" : "off", disk.remapped_bytes);
	pthread_mutex_unlock(&disk.lock);
	*lenp = used;
	return text;
}

static int fd_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	st->st_nlink = 1;
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else if (strcmp(path, DISK) == 0) {
		st->st_mode = S_IFREG | 0600;
		st->st_size = (off_t)disk.size;
	} else if (strcmp(path, CONTROL) == 0) {
		st->st_mode = S_IFREG | 0600;
		st->st_size = 0;
	} else if (strcmp(path, READMAP) == 0) {
		st->st_mode = S_IFREG | 0400;
		st->st_size = (off_t)(disk.size / 512 * sizeof(uint16_t));
	} else {
		return -ENOENT;
	}
	st->st_blksize = 4096;
	return 0;
}

static int fd_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off; (void)fi; (void)flags;
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, DISK + 1, NULL, 0, 0);
	fill(buf, CONTROL + 1, NULL, 0, 0);
	fill(buf, READMAP + 1, NULL, 0, 0);
	return 0;
}

static int fd_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, DISK) && strcmp(path, CONTROL) && strcmp(path, READMAP))
		return -ENOENT;
	/* Every read must reach us: no page cache between the loop device and the faults. */
	fi->direct_io = 1;
	fi->keep_cache = 0;
	return 0;
}

static int fd_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	if (strcmp(path, DISK) == 0) {
		if ((uint64_t)off >= disk.size)
			return 0;
		if ((uint64_t)off + size > disk.size)
			size = (size_t)(disk.size - (uint64_t)off);
		if (size == 0)
			return 0;
		seek_to((uint64_t)off, size);
		unsigned delay_ms;
		int verdict = judge_read((uint64_t)off, size, &delay_ms);
		if (delay_ms) {
			struct timespec ts = { delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L };
			nanosleep(&ts, NULL);
		}
		if (verdict < 0)
			return verdict;
		ssize_t n = pread(disk.image_fd, buf, size, off);
		return n < 0 ? -errno : (int)n;
	}
	if (strcmp(path, CONTROL) == 0) {
		size_t len;
		char *text = control_text(&len);
		if (!text)
			return -ENOMEM;
		size_t n = 0;
		if ((size_t)off < len) {
			n = len - (size_t)off < size ? len - (size_t)off : size;
			memcpy(buf, text + off, n);
		}
		free(text);
		return (int)n;
	}
	if (strcmp(path, READMAP) == 0) {
		size_t len = disk.size / 512 * sizeof(uint16_t), n = 0;
		pthread_mutex_lock(&disk.lock);
		if ((size_t)off < len) {
			n = len - (size_t)off < size ? len - (size_t)off : size;
			memcpy(buf, (char *)disk.readmap + off, n);
		}
		pthread_mutex_unlock(&disk.lock);
		return (int)n;
	}
	return -ENOENT;
}

static int fd_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	(void)fi;
	if (strcmp(path, DISK) == 0) {
		if ((uint64_t)off + size > disk.size)
			return -ENOSPC;
		ssize_t n = pwrite(disk.image_fd, buf, size, off);
		if (n > 0) {
			pthread_mutex_lock(&disk.lock);
			if (disk.remap_on_write)
				remap_written((uint64_t)off, (uint64_t)n);
			pthread_mutex_unlock(&disk.lock);
		}
		return n < 0 ? -errno : (int)n;
	}
	if (strcmp(path, CONTROL) == 0) {
		char *copy = strndup(buf, size);
		if (!copy)
			return -ENOMEM;
		int ret = (int)size;
		for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			int r = run_command(line);
			if (r < 0) {
				fprintf(stderr, "faultdisk: bad command: %s\n", line);
				ret = r;
				break;
			}
		}
		free(copy);
		return ret;
	}
	return -EACCES;
}

static int fd_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)size; (void)fi;
	/* `echo cmd > control` truncates first; the disk keeps its size. */
	return strcmp(path, CONTROL) == 0 ? 0 : -EPERM;
}

static int fd_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path; (void)datasync; (void)fi;
	/* The image only has to stay consistent with itself, not survive a crash. */
	return 0;
}

static const struct fuse_operations operations = {
	.getattr = fd_getattr,
	.readdir = fd_readdir,
	.open = fd_open,
	.read = fd_read,
	.write = fd_write,
	.truncate = fd_truncate,
	.fsync = fd_fsync,
};

int main(int argc, char *argv[])
{
	if (argc < 3) {
		fprintf(stderr, "usage: faultdisk IMAGE MOUNTDIR [fuse options]\n");
		return 2;
	}
	disk.image_fd = open(argv[1], O_RDWR);
	if (disk.image_fd < 0) {
		perror(argv[1]);
		return 1;
	}
	struct stat st;
	if (fstat(disk.image_fd, &st) < 0 || st.st_size % 512) {
		fprintf(stderr, "faultdisk: %s: size must be a multiple of 512\n", argv[1]);
		return 1;
	}
	disk.size = (uint64_t)st.st_size;
	disk.readmap = calloc(disk.size / 512, sizeof(uint16_t));
	if (!disk.readmap) {
		perror("readmap");
		return 1;
	}
	/* fuse_main sees: faultdisk MOUNTDIR [options]; the image is ours. */
	argv[1] = argv[0];
	return fuse_main(argc - 1, argv + 1, &operations, NULL);
}
