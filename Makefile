# xfs_verify_media — build, test, demo, bench, install, package.
PREFIX    ?= /usr/local
SBINDIR   ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/lib/xfs_verify_media
MANDIR    ?= $(PREFIX)/share/man
UNITDIR   ?= /etc/systemd/system
CRONDIR   ?= /etc/cron.d
DESTDIR   ?=
SWIFT     ?= swift
CC        ?= cc
TESTBED   := .build/testbed
# The release build's own directory: the .build/release link follows the
# configuration built last.
RELEASE   := .build/$(shell uname -m)-unknown-linux-gnu/release/xfs_verify_media
# The product runs where no Swift toolchain is: the Swift runtime linked in
# (no Foundation: see README, Install), linked by GNU ld with packed relative
# relocations (glibc 2.36) and without exporting every symbol, which keeps
# it small; no $ORIGIN run path; `make install` strips it. Optimized for
# size: the scan's CPU time is the kernel's (a 3 GiB bed of 20 000 small
# files and 150 000 extents: 0.00 s user either way), and -Osize keeps
# about 240 KB of the 15 MB budget that -O spends.
RELEASE_FLAGS := -c release --static-swift-stdlib --disable-local-rpath -Xswiftc -use-ld=bfd -Xswiftc -Osize \
	-Xlinker --no-export-dynamic -Xlinker -z -Xlinker pack-relative-relocs

.PHONY: all deps build-deps package-deps test-deps build release product testbed test test-host test-guest guest \
	demo bench install uninstall deb clean reap

all: release

# Debian packages: build-deps for the release, package-deps for `make deb`
# too, test-deps for tests, demo and bench, deps for everything.
deps:
	@scripts/install-deps all
build-deps:
	@scripts/install-deps build
package-deps:
	@scripts/install-deps package
test-deps:
	@scripts/install-deps test

build: deps
	$(SWIFT) build

release: build-deps
	@$(MAKE) --no-print-directory product

# The release binary alone, without installing packages (make install uses it).
product:
	$(SWIFT) build $(RELEASE_FLAGS)

# C helpers of the test bed: the FUSE fault disk, the emulator (LD_PRELOAD)
# of XFS_IOC_VERIFY_MEDIA and the health monitor, and a one-call driver for
# the emulator's own tests.
testbed: $(TESTBED)/faultdisk $(TESTBED)/libverify_media_emulator.so $(TESTBED)/verify_media_call

$(TESTBED)/faultdisk: testbed/faultdisk/faultdisk.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -o $@ $< $$(pkg-config --cflags --libs fuse3)

EMULATOR_SOURCES := Tests/Emulator/verify_media_emulator.c Tests/Emulator/healthmon_emulator.c

$(TESTBED)/libverify_media_emulator.so: $(EMULATOR_SOURCES) Tests/Emulator/emulator.h Sources/CXFS/include/CXFS.h
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -shared -fPIC -ISources/CXFS/include -o $@ $(EMULATOR_SOURCES) -ldl -lpthread

$(TESTBED)/verify_media_call: Tests/Emulator/verify_media_call.c Sources/CXFS/include/CXFS.h
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -ISources/CXFS/include -o $@ $<

# The Linux 7.x guest's kernel and userland (xfsprogs 7.x), cached outside
# the repository (testbed/README.md); fetched once, then a no-op.
guest:
	@testbed/guest fetch

# Every test: the host suite on this machine's kernel, on real loop devices
# and fault disks when run as root (the packaging tests use the release
# binary); then the real-kernel suite (RealKernel*) in one Linux 7.x guest,
# skipped with the reason where qemu cannot run.
test: deps testbed release
	@testbed/testbed reap
	$(SWIFT) build --build-tests
	@start=$$(date +%s); host=0; guest=0; \
	$(SWIFT) test --skip-build --no-parallel || host=$$?; \
	testbed/testbed reap; mid=$$(date +%s); \
	testbed/guest suite || guest=$$?; end=$$(date +%s); \
	echo "make test: host suite exit $$host in $$((mid - start)) s, guest suite exit $$guest in $$((end - mid)) s"; \
	[ $$host = 0 ] && [ $$guest = 0 ]

# The host suite alone.
test-host: deps testbed release
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

bench: deps testbed release
	@bench/run.sh

reap:
	@testbed/testbed reap

# install: the release binary (or INSTALL_BINARY=path, which skips the
# release build; never a package install), stripped; xfs_verify_media_all;
# xfs_verify_media_fail (the failure mailer of the units) in LIBEXECDIR;
# every man page in man/; the systemd units and the cron file (their
# /usr/local/sbin rewritten to SBINDIR, /usr/local/lib/xfs_verify_media to
# LIBEXECDIR, and in the man pages the unit
# directory to UNITDIR; the cron line disabled); bash, zsh
# and fish completions. DESTDIR and the directories below for packages.
# uninstall removes exactly these files; /var/lib/xfs_verify_media
# (history, checkpoints, reports) stays.
INSTALL_BINARY ?= $(RELEASE)
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
UNITS     := $(notdir $(wildcard systemd/*.service systemd/*.timer))
MANPAGES  := $(notdir $(wildcard man/*.[1-8]))
SBIN_REWRITE := sed -e 's|/usr/local/sbin/|$(SBINDIR)/|g' -e 's|/usr/local/lib/xfs_verify_media/|$(LIBEXECDIR)/|g'

install: $(if $(filter $(RELEASE),$(INSTALL_BINARY)),product)
	install -D -m 0755 -s $(INSTALL_BINARY) $(DESTDIR)$(SBINDIR)/xfs_verify_media
	install -D -m 0755 scripts/xfs_verify_media_all $(DESTDIR)$(SBINDIR)/xfs_verify_media_all
	install -D -m 0755 scripts/xfs_verify_media_fail $(DESTDIR)$(LIBEXECDIR)/xfs_verify_media_fail
	for m in $(MANPAGES); do \
	  install -d -m 0755 $(DESTDIR)$(MANDIR)/man$${m##*.} && \
	  $(SBIN_REWRITE) -e 's|/etc/systemd/system/|$(UNITDIR)/|g' man/$$m > $(DESTDIR)$(MANDIR)/man$${m##*.}/$$m && \
	  chmod 0644 $(DESTDIR)$(MANDIR)/man$${m##*.}/$$m || exit 1; \
	done
	install -d -m 0755 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(CRONDIR)
	for u in $(UNITS); do \
	  $(SBIN_REWRITE) systemd/$$u > $(DESTDIR)$(UNITDIR)/$$u && chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	$(SBIN_REWRITE) cron/xfs_verify_media > $(DESTDIR)$(CRONDIR)/xfs_verify_media
	chmod 0644 $(DESTDIR)$(CRONDIR)/xfs_verify_media
	install -d -m 0755 $(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	$(INSTALL_BINARY) --generate-completion-script bash > $(DESTDIR)$(COMPLETIONDIR)/xfs_verify_media
	$(INSTALL_BINARY) --generate-completion-script zsh > $(DESTDIR)$(ZSHCOMPDIR)/_xfs_verify_media
	$(INSTALL_BINARY) --generate-completion-script fish > $(DESTDIR)$(FISHCOMPDIR)/xfs_verify_media.fish
	chmod 0644 $(DESTDIR)$(COMPLETIONDIR)/xfs_verify_media $(DESTDIR)$(ZSHCOMPDIR)/_xfs_verify_media \
	  $(DESTDIR)$(FISHCOMPDIR)/xfs_verify_media.fish
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/xfs_verify_media $(DESTDIR)$(SBINDIR)/xfs_verify_media_all
	rm -f $(DESTDIR)$(LIBEXECDIR)/xfs_verify_media_fail
	rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null || true
	for m in $(MANPAGES); do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$$m; done
	rm -f $(DESTDIR)$(COMPLETIONDIR)/xfs_verify_media $(DESTDIR)$(ZSHCOMPDIR)/_xfs_verify_media \
	  $(DESTDIR)$(FISHCOMPDIR)/xfs_verify_media.fish
	for u in $(UNITS); do rm -f $(DESTDIR)$(UNITDIR)/$$u; done
	rm -f $(DESTDIR)$(CRONDIR)/xfs_verify_media
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

# deb: a Debian package of what install installs, in DEB_DIR (default
# .build/deb); packaging/build-deb says how.
DEB_DIR ?= .build/deb
deb: $(if $(filter $(RELEASE),$(INSTALL_BINARY)),package-deps)
	@$(if $(filter $(RELEASE),$(INSTALL_BINARY)),$(MAKE) --no-print-directory product)
	@packaging/build-deb $(INSTALL_BINARY) $(DEB_DIR)

clean:
	rm -rf .build
