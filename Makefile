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

.PHONY: all deps build release testbed xfsprogs test demo bench install uninstall clean reap

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

# A newer mkfs.xfs (xfsprogs 6.13, from Debian's source) for the parent
# pointer tests; Debian 12's xfsprogs 6.1 cannot make such filesystems.
xfsprogs:
	@scripts/build-xfsprogs

# Every test, on real loop devices and fault disks when run as root.
test: deps testbed xfsprogs
	@testbed/testbed reap
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel; status=$$?; testbed/testbed reap; exit $$status

demo: deps testbed release
	@demo/demo.sh

bench: deps release
	@bench/run.sh

reap:
	@testbed/testbed reap

install: release
	install -D -m 0755 $(RELEASE) $(DESTDIR)$(SBINDIR)/xfs_verify_media
	install -D -m 0644 man/xfs_verify_media.8 $(DESTDIR)$(MANDIR)/man8/xfs_verify_media.8
	for u in systemd/*.service systemd/*.timer; do install -D -m 0644 $$u $(DESTDIR)$(UNITDIR)/$$(basename $$u); done
	$(RELEASE) --generate-completion-script bash > xfs_verify_media.bash && \
	  install -D -m 0644 xfs_verify_media.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/xfs_verify_media && \
	  rm -f xfs_verify_media.bash

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/xfs_verify_media
	rm -f $(DESTDIR)$(MANDIR)/man8/xfs_verify_media.8
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/xfs_verify_media
	for u in systemd/*.service systemd/*.timer; do rm -f $(DESTDIR)$(UNITDIR)/$$(basename $$u); done

clean:
	rm -rf .build
