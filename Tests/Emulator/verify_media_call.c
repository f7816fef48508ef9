// One XFS_IOC_VERIFY_MEDIA call, for the emulator's tests (and to see what
// the running kernel says without it):
//     verify_media_call PATH DEV START END [FLAGS [MAX_IO [REST_US [PAD]]]]
// opens PATH (any file or directory of the filesystem), makes one ioctl and
// prints one line
//     ret=R errno=NAME start=S end=E ioerror=NAME_OR_0
// with the struct as it is after the call, then exits 0. Bad arguments: exit 2.
// XVM_CALL_BAD_POINTER=1 passes an unmapped address instead of the struct
// (the line then shows the fields that would have been sent).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "CXFS.h"

static int parse(const char *text, unsigned long long max, unsigned long long *out)
{
	char *end;
	if (!*text || *text == '-')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 0);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static const char *name(int e)
{
	static char buf[32];
	if (e == 0)
		return "0";
	const char *n = strerrorname_np(e);
	if (n)
		return n;
	snprintf(buf, sizeof(buf), "%d", e);
	return buf;
}

int main(int argc, char **argv)
{
	if (argc < 5 || argc > 9) {
		fprintf(stderr, "usage: %s PATH DEV START END [FLAGS [MAX_IO [REST_US [PAD]]]]\n", argv[0]);
		return 2;
	}
	unsigned long long v[7] = { 0 };
	const unsigned long long max[7] = { 0xffffffffULL, ~0ULL, ~0ULL, 0xffffffffULL, 0xffffffffULL,
					    0xffffffffULL, 0xffffffffULL };
	for (int i = 2; i < argc; i++) {
		if (parse(argv[i], max[i - 2], &v[i - 2]) != 0) {
			fprintf(stderr, "%s: bad number: %s\n", argv[0], argv[i]);
			return 2;
		}
	}
	struct xfs_verify_media me;
	memset(&me, 0, sizeof(me));
	me.me_dev = (__u32)v[0];
	me.me_start_daddr = v[1];
	me.me_end_daddr = v[2];
	me.me_flags = (__u32)v[3];
	me.me_max_io_size = (__u32)v[4];
	me.me_rest_us = (__u32)v[5];
	me.me_pad = (__u32)v[6];

	int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: open %s: %s\n", argv[0], argv[1], strerror(errno));
		return 2;
	}
	void *arg = &me;
	const char *bad = getenv("XVM_CALL_BAD_POINTER");
	if (bad && *bad && strcmp(bad, "0") != 0) {
		long page = sysconf(_SC_PAGESIZE);
		void *p = mmap(NULL, (size_t)page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 2;
		munmap(p, (size_t)page);
		arg = p;
	}
	int ret = ioctl(fd, XFS_IOC_VERIFY_MEDIA, arg);
	int err = ret < 0 ? errno : 0;
	printf("ret=%d errno=%s start=%llu end=%llu ioerror=%s\n", ret, name(err),
	       (unsigned long long)me.me_start_daddr, (unsigned long long)me.me_end_daddr,
	       name((int)me.me_ioerror));
	close(fd);
	return 0;
}
