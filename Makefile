# machbox: plain GNU make, non-recursive, objects out of tree in $(BUILD).
#
#   make                  build/machbox (static, musl) and build/machbox.unstripped
#   make menuconfig | defconfig | allnoconfig | oldconfig | tinyconfig
#   make check            every test tier, ends with "N passed, N failed"
#   make lint             warnings as errors for our code, cppcheck
#   make size             stripped size of config/defconfig and config/tiny.config
#   make install DESTDIR=... PREFIX=/usr
#   make bench            benchmarks, results in build/bench/results.txt
#   make soak             1000 start/stop cycles through machined
#   make fuzz             every fuzz target for FUZZ_SECONDS (libFuzzer, clang)
#   make ARCH=aarch64     cross-build into build/aarch64/ (also ARCH=armhf)
#   make cross            every cross ARCH, with stripped sizes
#   make cross-check      tier-2 CLI tests of every cross ARCH under qemu-user

# --- architecture ---
# ARCH other than the host's is a cross build with Debian's cross gcc, the
# target's musl and a musl-gcc specs wrapper, all prepared by
# config/cross/setup.sh (run on demand) in a cache outside the tree; cross.mk
# there names CROSS_CC, CROSS_STRIP, CROSS_TRIPLET, CROSS_KHDR_SRC,
# CROSS_KEY and CROSS_QEMU.  Objects and third_party go to build/ARCH/.
HOST_ARCH := $(shell uname -m)
ARCH ?= $(HOST_ARCH)
CROSS_ARCHES := aarch64 armhf
CROSS :=
ifneq ($(ARCH),$(HOST_ARCH))
CROSS := 1
CROSS_CACHE := $(or $(MACHBOX_CROSS_CACHE),/var/cache/machbox-cross)
CROSS_MK := $(CROSS_CACHE)/$(ARCH)/current/cross.mk
include $(CROSS_MK)
# a missing toolchain is made, then make restarts with it
$(CROSS_MK):
	MACHBOX_CROSS_CACHE='$(CROSS_CACHE)' sh config/cross/setup.sh $(ARCH)
TP_HOST := $(CROSS_TRIPLET)
TP_KHDR_SRC := $(CROSS_KHDR_SRC)
TP_KEY_EXTRA := $(CROSS_KEY)
# test/run.sh runs the binary through it (make check with a cross ARCH)
export MACHBOX_RUNNER := $(CROSS_QEMU)
endif
# aarch64's 64 KiB max page size pads the file before a RELRO segment
# (61 KB); musl applies no RELRO in a static binary, so drop it there.
ARCH_LDFLAGS_aarch64 := -Wl,-z,norelro

BUILD ?= build$(if $(CROSS),/$(ARCH))
DOTCONFIG ?= .config
# generated/config.h lives below this directory
GENBASE ?= include
PYTHON := /usr/bin/python3
KCONFIG := Kconfig
export KCONFIG_CONFIG := $(DOTCONFIG)

# `CC ?=` would do nothing: make has a built-in CC.
ifeq ($(origin CC),default)
CC := $(if $(CROSS),$(CROSS_CC),musl-gcc)
endif
HOSTCC ?= gcc
STRIP ?= $(if $(CROSS),$(CROSS_STRIP),strip)
PREFIX ?= /usr
BINDIR ?= $(PREFIX)/bin

Q := $(if $(V),,@)

# A missing .config means the full router profile.
ifeq ($(wildcard $(DOTCONFIG)),)
CONFIG_SOURCE := config/defconfig
else
CONFIG_SOURCE :=
endif
-include $(DOTCONFIG)

# --- third-party static libraries (shared by every config of one ARCH) ---
TP_CC := $(CC)
TP_BUILD := $(BUILD)/third_party/$(ARCH)
TP_CFLAGS := -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-pie
include third_party/third_party.mk

# --- our code ---
OPTFLAGS := -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-pie
WARNFLAGS := -Wall -Wextra -Wundef -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-missing-field-initializers
CPPFLAGS_MB := -D_GNU_SOURCE -I$(GENBASE) -Iinclude -Isrc
CFLAGS ?=
MB_CFLAGS := -std=gnu11 $(OPTFLAGS) $(WARNFLAGS) $(CPPFLAGS_MB) -isystem $(TP_KHDR) $(CFLAGS) $(if $(WERROR),-Werror)
LDFLAGS_MB := -static -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,--build-id=none $(ARCH_LDFLAGS_$(ARCH))

GENCONFIG := $(GENBASE)/generated/config.h

src-y := src/main.c $(wildcard src/lib/*.c)
src-$(CONFIG_MACHINECTL) += $(wildcard src/machinectl/*.c)
src-$(CONFIG_NSPAWN) += $(wildcard src/nspawn/*.c)
src-$(CONFIG_MACHINED) += $(wildcard src/machined/*.c)
# networking: netlink, pool, NAT; the DHCP server apart
src-$(CONFIG_NETWORK) += $(filter-out src/net/dhcp%.c,$(wildcard src/net/*.c))
src-$(CONFIG_DHCP_SERVER) += $(wildcard src/net/dhcp*.c)
# images: the store, and the code that needs libarchive or BearSSL apart
src-$(CONFIG_IMAGES) += $(wildcard src/image/*.c)
src-$(CONFIG_ARCHIVE) += $(wildcard src/archive/*.c)
src-$(CONFIG_PULL) += $(filter-out src/pull/tls%.c,$(wildcard src/pull/*.c))
src-$(CONFIG_PULL_TLS) += $(wildcard src/pull/tls*.c)

libs-y :=
ldwrap-y :=
libs-$(CONFIG_ARCHIVE) += $(TP_ARCHIVE_A)
libs-$(CONFIG_FILTER_ZSTD) += $(TP_ZSTD_A)
libs-$(CONFIG_FILTER_XZ) += $(TP_LZMA_A)
libs-$(CONFIG_FILTER_GZIP) += $(TP_ZLIB_A)
# BearSSL also gives pull its hashes and RSA, with or without TLS
libs-$(CONFIG_PULL) += $(TP_BEARSSL_A)
tpinc-y :=
tpinc-$(CONFIG_ARCHIVE) += $(TP_ARCHIVE_INC)
# the extractor's decompressor calls liblzma itself (src/archive/decoder.c)
tpinc-$(CONFIG_ARCHIVE) += $(TP_LZMA_INC)
tpinc-$(CONFIG_PULL) += $(TP_BEARSSL_INC)
# liblzma's small CRC-64 goes a byte at a time: ours (src/archive/crc64.c)
# is linked in its place, a flag instead of a change to the library
ldwrap-$(CONFIG_FILTER_XZ) += -Wl,--wrap=lzma_crc64

OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(src-y))

.PHONY: all clean distclean menuconfig defconfig allnoconfig oldconfig olddefconfig \
	tinyconfig savedefconfig check test unit lint size install bench helpers fixtures
.DEFAULT_GOAL := all

all: $(BUILD)/machbox

$(BUILD)/machbox.unstripped: $(OBJS) $(libs-y)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_MB) $(ldwrap-y) -o $@ $(OBJS) $(libs-y)

$(BUILD)/machbox: $(BUILD)/machbox.unstripped
	@echo "  STRIP   $@"
	$(Q)$(STRIP) -s -R .comment -o $@ $<

# The compiler and its flags are a dependency too: a changed flag (say
# OPTFLAGS) rebuilds our objects instead of linking stale ones.
FLAGS_STAMP := $(BUILD)/obj/flags
FLAGS_TEXT := $(CC) $(MB_CFLAGS) $(tpinc-y)
$(shell mkdir -p $(BUILD)/obj; [ "$$(cat $(FLAGS_STAMP) 2>/dev/null)" = '$(FLAGS_TEXT)' ] || printf '%s\n' '$(FLAGS_TEXT)' > $(FLAGS_STAMP))

$(BUILD)/obj/%.o: %.c $(GENCONFIG) $(FLAGS_STAMP) | $(libs-y) $(TP_KHDR_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(MB_CFLAGS) $(addprefix -isystem ,$(tpinc-y)) -MMD -MP -c -o $@ $<

-include $(OBJS:.o=.d)

# --- configuration ---
$(DOTCONFIG):
	$(Q)$(PYTHON) -m defconfig --kconfig $(KCONFIG) config/defconfig >/dev/null

$(GENCONFIG): $(DOTCONFIG) $(KCONFIG) config/mkconfig.py
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) config/mkconfig.py $(KCONFIG) $(DOTCONFIG) $@

menuconfig:
	$(PYTHON) -m menuconfig $(KCONFIG)
defconfig:
	$(PYTHON) -m defconfig --kconfig $(KCONFIG) config/defconfig
tinyconfig:
	$(PYTHON) -m defconfig --kconfig $(KCONFIG) config/tiny.config
allnoconfig:
	$(PYTHON) -m allnoconfig $(KCONFIG)
oldconfig:
	$(PYTHON) -m oldconfig $(KCONFIG)
olddefconfig:
	$(PYTHON) -m olddefconfig $(KCONFIG)
savedefconfig:
	$(PYTHON) -m savedefconfig --kconfig $(KCONFIG) --out defconfig

# --- size of each shipped profile ---
SIZE_CONFIGS := config/defconfig config/tiny.config
# The budgets (x86_64, stripped) that hold as features arrive: 640 KiB for
# the full router profile, 128 KiB for nspawn alone.  `make size` fails over them.
SIZE_BUDGET_defconfig := 655360
SIZE_BUDGET_tiny := 131072
size:
	$(Q)for c in $(SIZE_CONFIGS); do \
		n=$$(basename $$c); d=$(BUILD)/size/$$n; mkdir -p $$d; \
		KCONFIG_CONFIG=$$d/.config $(PYTHON) -m defconfig --kconfig $(KCONFIG) $$c >/dev/null || exit 1; \
		$(MAKE) --no-print-directory BUILD=$$d DOTCONFIG=$$d/.config GENBASE=$$d/include \
			TP_BUILD=$(abspath $(TP_BUILD)) $$d/machbox >/dev/null || exit 1; \
		done
	$(Q)for c in $(SIZE_CONFIGS); do n=$$(basename $$c); \
		printf '%-14s %8d bytes stripped (%s)\n' $$n $$(stat -c %s $(BUILD)/size/$$n/machbox) $(ARCH); \
	done | tee $(BUILD)/size/sizes.txt
	$(Q)[ "$(ARCH)" != x86_64 ] || awk -v d=$(SIZE_BUDGET_defconfig) -v t=$(SIZE_BUDGET_tiny) \
		'{ b = $$1 == "defconfig" ? d : $$1 == "tiny.config" ? t : 0; \
		   if (b && $$2 >= b) { printf "%s: %d bytes, over its budget of %d\n", $$1, $$2, b; bad = 1 } } \
		 END { exit bad }' $(BUILD)/size/sizes.txt

# --- install ---
# The binary and its applet links; man pages, the bash completion, and the
# example configuration as documentation (never into /etc: a package or the
# admin puts machbox.conf there).
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/machbox
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
MANPAGES := $(wildcard doc/*.[158])

install: $(BUILD)/machbox
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(BUILD)/machbox $(DESTDIR)$(BINDIR)/machbox
	$(Q)for a in $$($(MACHBOX_RUNNER) $(BUILD)/machbox --list); do \
		ln -sfn machbox $(DESTDIR)$(BINDIR)/$$a; done
	$(Q)for m in $(MANPAGES); do s=$${m##*.}; \
		install -d $(DESTDIR)$(MANDIR)/man$$s && \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; done
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR)/firewall
	install -m 0644 config/completion/machinectl.bash $(DESTDIR)$(BASHCOMPDIR)/machinectl
	install -m 0644 README config/machbox.conf $(DESTDIR)$(DOCDIR)/
	install -m 0644 config/examples/*.nspawn $(DESTDIR)$(DOCDIR)/examples/
	install -m 0644 config/firewall/* $(DESTDIR)$(DOCDIR)/firewall/

# --- every cross architecture ---
# (the build dir of an ARCH, as the sub-make chooses it)
arch_build = build$(if $(filter-out $(HOST_ARCH),$(1)),/$(1))
.PHONY: cross cross-check cross-check-arch
cross:
	$(Q)for a in $(CROSS_ARCHES); do \
		$(MAKE) --no-print-directory ARCH=$$a all || exit 1; done
	$(Q)$(foreach a,$(CROSS_ARCHES),printf '%-8s %8d bytes stripped  %s\n' $(a) \
		$$(stat -c %s $(call arch_build,$(a))/machbox) \
		"$$(file -b $(call arch_build,$(a))/machbox)";)

cross-check:
	$(Q)r=0; for a in $(CROSS_ARCHES); do \
		$(MAKE) --no-print-directory ARCH=$$a all || exit 1; \
		echo "== $$a: tier 2 under qemu-user"; \
		$(MAKE) --no-print-directory ARCH=$$a cross-check-arch || r=1; \
	done; exit $$r

cross-check-arch: all
	$(Q)BUILD=$(BUILD) CONFIG_H=$(abspath $(GENCONFIG)) $(if $(CROSS),MACHBOX_RUNNER=$(CROSS_QEMU)) \
		test/run.sh cli

include test/test.mk
include test/fuzz/fuzz.mk
include test/device/device.mk

# make soak: 1000 start/stop cycles through machined (make check runs a few)
.PHONY: soak
soak: all helpers
	$(Q)MACHINED_CYCLES=$${MACHINED_CYCLES:-1000} MACHBOX=$(abspath $(BUILD))/machbox \
		CONFIG_H=$(abspath $(GENCONFIG)) PAYLOAD=$(abspath $(BUILD))/test/payload TOP=$(CURDIR) \
		TEST_FILE=test/root/machined.sh unshare --net -- bash test/root/machined.sh

clean:
	rm -rf $(BUILD)/obj $(BUILD)/host $(BUILD)/test $(BUILD)/size $(BUILD)/machbox $(BUILD)/machbox.unstripped
	rm -rf include/generated
distclean: clean
	rm -rf $(BUILD) $(DOTCONFIG) $(DOTCONFIG).old
