# xfs_verify_media — build, test, demo, bench, install.
PREFIX    ?= /usr/local
SBINDIR   ?= $(PREFIX)/sbin
MANDIR    ?= $(PREFIX)/share/man
UNITDIR   ?= /etc/systemd/system
DESTDIR   ?=
SWIFT     ?= swift
CC        ?= cc
TESTBED   := .build/testbed
RELEASE   := .build/release/xfs_verify_media

.PHONY: all deps build release testbed test test-host test-guest guest demo bench install uninstall clean reap

all: release

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# C helpers of the test bed: the FUSE fault disk, the XFS_IOC_VERIFY_MEDIA
# emulator (LD_PRELOAD) and a one-call driver for the emulator's own tests.
testbed: $(TESTBED)/faultdisk $(TESTBED)/libverify_media_emulator.so $(TESTBED)/verify_media_call

$(TESTBED)/faultdisk: testbed/faultdisk/faultdisk.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -o $@ $< $$(pkg-config --cflags --libs fuse3)

$(TESTBED)/libverify_media_emulator.so: Tests/Emulator/verify_media_emulator.c Sources/CXFS/include/CXFS.h
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -shared -fPIC -ISources/CXFS/include -o $@ $< -ldl -lpthread

$(TESTBED)/verify_media_call: Tests/Emulator/verify_media_call.c Sources/CXFS/include/CXFS.h
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -ISources/CXFS/include -o $@ $<

# The Linux 7.x guest's kernel and userland (xfsprogs 7.x), cached outside
# the repository (testbed/README.md); fetched once, then a no-op.
guest:
	@testbed/guest fetch

# Every test: the host suite on this machine's kernel, on real loop devices
# and fault disks when run as root; then the real-kernel suite (RealKernel*)
# in one Linux 7.x guest, skipped with the reason where qemu cannot run.
test: deps testbed
	@testbed/testbed reap
	$(SWIFT) build --build-tests
	@start=$$(date +%s); host=0; guest=0; \
	$(SWIFT) test --skip-build --no-parallel || host=$$?; \
	testbed/testbed reap; mid=$$(date +%s); \
	testbed/guest suite || guest=$$?; end=$$(date +%s); \
	echo "make test: host suite exit $$host in $$((mid - start)) s, guest suite exit $$guest in $$((end - mid)) s"; \
	[ $$host = 0 ] && [ $$guest = 0 ]

# The host suite alone.
test-host: deps testbed
	@testbed/testbed reap
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel; status=$$?; testbed/testbed reap; exit $$status

# The real-kernel suite alone, in the guest (FILTER=RegEx to narrow it).
FILTER ?= RealKernel
test-guest: deps testbed
	$(SWIFT) build --build-tests
	@testbed/guest suite '$(FILTER)'

demo: deps testbed release
	@demo/demo.sh

bench: deps release
	@bench/run.sh

reap:
	@testbed/testbed reap

# install: the release binary (or INSTALL_BINARY=path, which skips the
# release build), xfs_verify_media_all, the man page, the systemd units (their
# /usr/local/sbin rewritten to SBINDIR) and the bash completion; DESTDIR for
# packages. uninstall removes exactly these files; /var/lib/xfs_verify_media
# (history, checkpoints, reports) stays.
INSTALL_BINARY ?= $(RELEASE)
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
UNITS     := $(notdir $(wildcard systemd/*.service systemd/*.timer))

install: $(if $(filter $(RELEASE),$(INSTALL_BINARY)),release)
	install -D -m 0755 $(INSTALL_BINARY) $(DESTDIR)$(SBINDIR)/xfs_verify_media
	install -D -m 0755 scripts/xfs_verify_media_all $(DESTDIR)$(SBINDIR)/xfs_verify_media_all
	install -D -m 0644 man/xfs_verify_media.8 $(DESTDIR)$(MANDIR)/man8/xfs_verify_media.8
	install -d -m 0755 $(DESTDIR)$(UNITDIR)
	for u in $(UNITS); do \
	  sed 's|/usr/local/sbin/|$(SBINDIR)/|g' systemd/$$u > $(DESTDIR)$(UNITDIR)/$$u && \
	  chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -d -m 0755 $(DESTDIR)$(COMPLETIONDIR)
	$(INSTALL_BINARY) --generate-completion-script bash > $(DESTDIR)$(COMPLETIONDIR)/xfs_verify_media
	chmod 0644 $(DESTDIR)$(COMPLETIONDIR)/xfs_verify_media
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/xfs_verify_media $(DESTDIR)$(SBINDIR)/xfs_verify_media_all
	rm -f $(DESTDIR)$(MANDIR)/man8/xfs_verify_media.8
	rm -f $(DESTDIR)$(COMPLETIONDIR)/xfs_verify_media
	for u in $(UNITS); do rm -f $(DESTDIR)$(UNITDIR)/$$u; done
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

clean:
	rm -rf .build
