# third_party/third_party.mk -- build the bundled third-party libraries
# (zlib, liblzma, libzstd [decompression only], libarchive, BearSSL) as
# static libraries with musl-gcc (or a cross wrapper).  GNU make >= 4.0.
#
# Include it from the top-level Makefile:
#
#     TP_BUILD := build/third_party/x86_64      # optional, see below
#     include third_party/third_party.mk
#
# ---------------------------------------------------------------- inputs
# Set these before the include (command line / environment also work).
#   TP_CC       compiler command                  default: musl-gcc
#   TP_HOST     configure --host triplet          default: '' (native)
#   TP_BUILD    output directory, absolute or relative to the repository top
#               (NOT to make's cwd)        default: build/third_party/<host|native>
#   TP_CFLAGS   common CFLAGS                     default: see below
#   TP_AR, TP_RANLIB   archiver   default: ar/ranlib, or $(TP_HOST)-ar/-ranlib
#   TP_JOBS     -j for the sub-builds              default: 2
#   TP_MAKE     GNU make used for the sub-builds   default: make
#   TP_KHDR_ARCH  multiarch dir of the kernel asm headers
#                 default: $(TP_HOST) if set, else `gcc -print-multiarch`
#   TP_KHDR_SRC   dir holding linux/ and asm-generic/   default: /usr/include
#   TP_KHDR_ASM   the asm/ dir to use  default: first of $(TP_KHDR_SRC)/$(TP_KHDR_ARCH)/asm,
#                 $(TP_KHDR_SRC)/asm that exists
#   TP_KEY_EXTRA  any string; goes into every build key (e.g. the musl version
#                 of a cross sysroot) so that changing it rebuilds everything
#   TP_V=1      show the commands and the configure/make output
#
# --------------------------------------------------------------- outputs
#   TP_ZLIB_A TP_LZMA_A TP_ZSTD_A TP_ARCHIVE_A TP_BEARSSL_A
#       absolute paths of the static libraries (all in $(TP_LIBDIR)); each is
#       a make target, built on demand: a build that links none of them
#       builds none of them.
#   TP_ZLIB_INC TP_LZMA_INC TP_ZSTD_INC TP_ARCHIVE_INC TP_BEARSSL_INC
#       include DIRECTORIES (plain paths, not -I flags; use
#       $(addprefix -I,$(TP_ARCHIVE_INC))).  Each holds only that library's
#       public headers and is filled in when its .a is built, so objects that
#       include them need an order-only prerequisite on the .a:
#           $(OBJS): | $(TP_ARCHIVE_A)
#   TP_ALL_A    all five .a files, in link order (archive zstd lzma z bearssl)
#   TP_ALL_INC  all five include dirs
#   TP_LIBDIR   directory holding the .a files
#   TP_KHDR     directory with links to the kernel headers (linux, asm,
#               asm-generic), for `-isystem $(TP_KHDR)` (musl-gcc hides
#               /usr/include).  It exists once $(TP_KHDR_STAMP) is made:
#           $(OBJS): | $(TP_KHDR_STAMP)
#   Phony targets: third-party (all five), tp-verify (sha256sum -c SHA256SUMS),
#   tp-clean (rm -rf $(TP_BUILD)), tp-info (print the variables and keys).
#
# ----------------------------------------------------------- how it works
# Every library has a content-keyed stamp, $(TP_BUILD)/stamps/<lib>-<key>.stamp,
# where <key> hashes the recorded tarball sha256 (SHA256SUMS), the patch
# series and patch contents, the configure/make flags, and the compiler's
# identity (--version, -dumpmachine, sha256 of the compiler command file).
# Stamps have no file prerequisites, so timestamps (a fresh `git clone`, an
# edited top-level Makefile) never trigger a rebuild; only a changed key or a
# missing output does.  On a rebuild the tarball and patches are checked
# against SHA256SUMS, unpacked to $(TP_BUILD)/src/<lib>, patched with
# `patch -p1` in `series` order and built out of tree under $(TP_BUILD)/obj.
# Nothing is ever written below third_party/.  The outer make's MAKEFLAGS,
# MFLAGS, MAKEOVERRIDES and toolchain variables are stripped from the
# environment of every configure/sub-make.

# Where we are (must be read before any other include).
TP_DIR := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
TP_TOP := $(patsubst %/,%,$(dir $(TP_DIR)))

# Including this file must not change the includer's default goal.
tp_saved_default_goal := $(.DEFAULT_GOAL)

# ---------------------------------------------------------------- defaults
# `?=` is not enough for variables make may define itself (pitfall 2), so
# test the origin explicitly.
ifeq ($(origin TP_CC),undefined)
TP_CC := musl-gcc
endif
ifeq ($(origin TP_HOST),undefined)
TP_HOST :=
endif
ifeq ($(origin TP_CFLAGS),undefined)
TP_CFLAGS := -Os -ffunction-sections -fdata-sections \
             -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-pie
endif
ifeq ($(origin TP_AR),undefined)
TP_AR := $(if $(TP_HOST),$(TP_HOST)-ar,ar)
endif
ifeq ($(origin TP_RANLIB),undefined)
TP_RANLIB := $(if $(TP_HOST),$(TP_HOST)-ranlib,ranlib)
endif
ifeq ($(origin TP_JOBS),undefined)
TP_JOBS := 2
endif
ifeq ($(origin TP_BUILD),undefined)
TP_BUILD := build/third_party/$(if $(TP_HOST),$(TP_HOST),native)
endif
ifeq ($(origin TP_MAKE),undefined)
TP_MAKE := make
endif
ifeq ($(origin TP_KHDR_SRC),undefined)
TP_KHDR_SRC := /usr/include
endif
ifeq ($(origin TP_KHDR_ARCH),undefined)
TP_KHDR_ARCH := $(if $(TP_HOST),$(TP_HOST),$(shell gcc -print-multiarch 2>/dev/null))
endif
ifeq ($(origin TP_KHDR_ASM),undefined)
TP_KHDR_ASM := $(firstword $(wildcard $(TP_KHDR_SRC)/$(TP_KHDR_ARCH)/asm \
                                      $(TP_KHDR_SRC)/asm) \
                           $(TP_KHDR_SRC)/$(TP_KHDR_ARCH)/asm)
endif
ifeq ($(origin TP_KEY_EXTRA),undefined)
TP_KEY_EXTRA :=
endif
ifeq ($(origin TP_V),undefined)
TP_V :=
endif

ifeq ($(strip $(TP_BUILD)),)
$(error third_party.mk: TP_BUILD is empty)
endif
# TP_BUILD: absolute, or relative to the repository top.  `override` so that
# a value given on the command line is normalised too.
override TP_BUILD := $(patsubst %/,%,$(if $(filter /%,$(TP_BUILD)),$(abspath $(TP_BUILD)),$(abspath $(TP_TOP)/$(TP_BUILD))))
ifneq ($(filter $(TP_DIR) $(TP_DIR)/%,$(TP_BUILD)),)
$(error third_party.mk: TP_BUILD ($(TP_BUILD)) must not be inside $(TP_DIR))
endif
ifneq ($(filter $(TP_BUILD)/%,$(TP_DIR)),)
$(error third_party.mk: TP_BUILD ($(TP_BUILD)) must not contain $(TP_DIR))
endif

TP_SRC     := $(TP_BUILD)/src
TP_OBJ     := $(TP_BUILD)/obj
TP_LIBDIR  := $(TP_BUILD)/lib
TP_INCDIR  := $(TP_BUILD)/include
TP_STAMPS  := $(TP_BUILD)/stamps
TP_KHDR    := $(TP_BUILD)/khdr

# --------------------------------------------------- sources (update here)
TP_ZLIB_TARBALL    := zlib/zlib_1.2.13.dfsg.orig.tar.bz2
TP_LZMA_TARBALL    := xz/xz-utils_5.4.1.orig.tar.xz
TP_ZSTD_TARBALL    := zstd/libzstd_1.5.4+dfsg2.orig.tar.xz
TP_ARCHIVE_TARBALL := libarchive/libarchive_3.6.2.orig.tar.xz
TP_BEARSSL_TARBALL := bearssl/bearssl_0.6+dfsg.1.orig.tar.xz

# Patches: the non-comment lines of <lib>/patches/series.
tp_series = $(strip $(if $(wildcard $(TP_DIR)/$(1)/patches/series),\
  $(foreach l,$(subst $(tp_nl), ,$(subst $(tp_sp),$(tp_us),$(file <$(TP_DIR)/$(1)/patches/series))),\
    $(if $(filter $(tp_hash)%,$(l)),,$(firstword $(subst $(tp_us), ,$(l)))))))
tp_empty :=
tp_sp    := $(tp_empty) $(tp_empty)
tp_us    := :tp-space:
tp_hash  := \#
define tp_nl


endef
TP_ZLIB_PATCHES    := $(call tp_series,zlib)
TP_LZMA_PATCHES    := $(call tp_series,xz)
TP_ZSTD_PATCHES    := $(call tp_series,zstd)
TP_ARCHIVE_PATCHES := $(call tp_series,libarchive)
TP_BEARSSL_PATCHES := $(call tp_series,bearssl)

# ------------------------------------------------------ flags (per library)
# zlib: configure --static (zconf.h is generated in the build dir)
TP_ZLIB_CONF := --static

# liblzma only, minimal: xz/lzma(1)/delta/BCJ filters, crc32/crc64/sha256.
TP_LZMA_FILTERS := lzma1,lzma2,delta,x86,arm,armthumb,arm64
TP_LZMA_CONF := --disable-shared --enable-static --disable-nls \
  --disable-dependency-tracking --disable-rpath \
  --disable-xz --disable-xzdec --disable-lzmadec --disable-lzmainfo \
  --disable-lzma-links --disable-scripts --disable-doc \
  --enable-small --enable-threads=no --disable-microlzma \
  --disable-lzip-decoder \
  --enable-encoders=$(TP_LZMA_FILTERS) --enable-decoders=$(TP_LZMA_FILTERS) \
  --enable-checks=crc32,crc64,sha256

# libzstd, read-only and minified (`make -C lib libzstd.a`).  CFLAGS goes in
# through the environment so the library's own `CFLAGS +=` still apply.
TP_ZSTD_MAKEVARS := ZSTD_LIB_DICTBUILDER=0 ZSTD_LIB_DEPRECATED=0 \
  ZSTD_LEGACY_SUPPORT=0 ZSTD_LIB_COMPRESSION=0 ZSTD_LIB_MINIFY=1

# libarchive: library only; gzip (zlib), xz (liblzma), zstd; xattrs.
TP_ARCHIVE_CONF := --disable-shared --enable-static \
  --disable-maintainer-mode --disable-dependency-tracking --disable-rpath \
  --disable-bsdtar --disable-bsdcat --disable-bsdcpio \
  --enable-xattr --disable-acl \
  --with-zlib --with-lzma --with-zstd \
  --without-bz2lib --without-libb2 --without-iconv --without-lz4 \
  --without-lzo2 --without-cng --without-mbedtls --without-nettle \
  --without-openssl --without-xml2 --without-expat
# config.h must contain all of these, or the build fails (pitfall 1 was a
# silent loss of linux/fs.h & co.).
TP_ARCHIVE_MUST_HAVE := HAVE_LIBZ HAVE_ZLIB_H HAVE_LIBLZMA HAVE_LZMA_H \
  HAVE_LIBZSTD HAVE_ZSTD_H HAVE_LINUX_FS_H HAVE_LINUX_FIEMAP_H \
  HAVE_LINUX_MAGIC_H ARCHIVE_XATTR_LINUX

# BearSSL: its own Makefile; CFLAGS overridden wholly (conf/Unix.mk adds -fPIC).
TP_BEARSSL_MAKEVARS := CONF=Unix

# Bump to force a rebuild of everything after changing a recipe below.
TP_RECIPE_REV := 1

# ---------------------------------------------------------- output paths
TP_ZLIB_A    := $(TP_LIBDIR)/libz.a
TP_LZMA_A    := $(TP_LIBDIR)/liblzma.a
TP_ZSTD_A    := $(TP_LIBDIR)/libzstd.a
TP_ARCHIVE_A := $(TP_LIBDIR)/libarchive.a
TP_BEARSSL_A := $(TP_LIBDIR)/libbearssl.a

TP_ZLIB_INC    := $(TP_INCDIR)/zlib
TP_LZMA_INC    := $(TP_INCDIR)/lzma
TP_ZSTD_INC    := $(TP_INCDIR)/zstd
TP_ARCHIVE_INC := $(TP_INCDIR)/archive
TP_BEARSSL_INC := $(TP_INCDIR)/bearssl

TP_ALL_A   := $(TP_ARCHIVE_A) $(TP_ZSTD_A) $(TP_LZMA_A) $(TP_ZLIB_A) $(TP_BEARSSL_A)
TP_ALL_INC := $(TP_ARCHIVE_INC) $(TP_ZSTD_INC) $(TP_LZMA_INC) $(TP_ZLIB_INC) $(TP_BEARSSL_INC)

# ------------------------------------------------------------- helpers
tp_sq = '$(subst ','\'',$(1))'
TP_Q := $(if $(TP_V),,@)
# Run a step, logging to $(2) unless TP_V=1; on failure show the log's tail.
tp_log = $(if $(TP_V),,> '$(2)' 2>&1) || { echo "third_party: $(1) failed$(if $(TP_V),, (log: $(2)))" >&2; \
  $(if $(TP_V),,tail -n 40 '$(2)' >&2;) exit 1; }

# A clean environment for configure scripts and sub-makes: none of the outer
# make's flags/overrides (pitfall 3), none of its exported toolchain variables.
TP_ENV := env -u MAKEFLAGS -u MFLAGS -u MAKEOVERRIDES -u GNUMAKEFLAGS \
  -u MAKELEVEL -u MAKEFILES -u MAKE_TERMOUT -u MAKE_TERMERR \
  -u CC -u CPP -u CXX -u CFLAGS -u CPPFLAGS -u CXXFLAGS -u LDFLAGS -u LIBS \
  -u AR -u ARFLAGS -u RANLIB -u LD -u NM -u STRIP -u OBJCOPY -u TARGET_ARCH \
  -u CROSS_PREFIX -u CHOST -u DESTDIR -u PREFIX -u V -u VERBOSE -u MOREFLAGS \
  -u DEBUGLEVEL -u CONF -u BUILD -u PKG_CONFIG_PATH -u PKG_CONFIG_LIBDIR \
  CONFIG_SITE=/dev/null LC_ALL=C
TP_SUBMAKE := $(TP_ENV) $(TP_MAKE) -j$(TP_JOBS)

# Compiler identity, part of every key.
TP_CC_ID := $(shell { $(TP_CC) --version 2>&1 | head -n 1; \
  $(TP_CC) -dumpmachine 2>&1; \
  p=$$(command -v $(call tp_sq,$(firstword $(TP_CC)))) && sha256sum < "$$p"; } \
  2>/dev/null | sha256sum | cut -c1-16)

# Everything every build depends on besides its own sources and flags.
TP_COMMON_KEY_INPUT = rev=$(TP_RECIPE_REV) cc=$(TP_CC) ccid=$(TP_CC_ID) \
  host=$(TP_HOST) cflags=$(TP_CFLAGS) ar=$(TP_AR) ranlib=$(TP_RANLIB) \
  extra=$(TP_KEY_EXTRA)

# $(call tp_key,<lib dir>,<patches>,<flags text>)
tp_key = $(shell { printf '%s\n' $(call tp_sq,$(TP_COMMON_KEY_INPUT)) $(call tp_sq,$(3)); \
  cd $(call tp_sq,$(TP_DIR)) && \
  awk -v d=$(call tp_sq,$(1)/) 'index($$2,d)==1' SHA256SUMS | LC_ALL=C sort && \
  { cat $(1)/patches/series $(addprefix $(1)/patches/,$(2)) 2>/dev/null || true; }; } \
  | sha256sum | cut -c1-16)

TP_ZLIB_KEY    := $(call tp_key,zlib,$(TP_ZLIB_PATCHES),$(TP_ZLIB_CONF))
TP_LZMA_KEY    := $(call tp_key,xz,$(TP_LZMA_PATCHES),$(TP_LZMA_CONF))
TP_ZSTD_KEY    := $(call tp_key,zstd,$(TP_ZSTD_PATCHES),$(TP_ZSTD_MAKEVARS))
TP_BEARSSL_KEY := $(call tp_key,bearssl,$(TP_BEARSSL_PATCHES),$(TP_BEARSSL_MAKEVARS))
# libarchive's configure results depend on the other three and the kernel headers.
# (Built in a variable first: a literal comma inside $(call ...) would split
# the argument.)
TP_ARCHIVE_KEY_INPUT := $(TP_ARCHIVE_CONF) deps=$(TP_ZLIB_KEY)+$(TP_LZMA_KEY)+$(TP_ZSTD_KEY) \
  khdr=$(TP_KHDR_SRC)+$(TP_KHDR_ASM) must=$(TP_ARCHIVE_MUST_HAVE)
TP_ARCHIVE_KEY := $(call tp_key,libarchive,$(TP_ARCHIVE_PATCHES),$(TP_ARCHIVE_KEY_INPUT))

TP_ZLIB_STAMP    := $(TP_STAMPS)/zlib-$(TP_ZLIB_KEY).stamp
TP_LZMA_STAMP    := $(TP_STAMPS)/lzma-$(TP_LZMA_KEY).stamp
TP_ZSTD_STAMP    := $(TP_STAMPS)/zstd-$(TP_ZSTD_KEY).stamp
TP_ARCHIVE_STAMP := $(TP_STAMPS)/archive-$(TP_ARCHIVE_KEY).stamp
TP_BEARSSL_STAMP := $(TP_STAMPS)/bearssl-$(TP_BEARSSL_KEY).stamp

# A stamp is only trusted while its outputs exist.
tp_force_unless = $(if $(and $(wildcard $(1)),$(wildcard $(2))),,tp-force)

# $(call tp_prepare,<lib dir>,<tarball>,<patches>): verify, unpack, patch.
define tp_prepare
	$(TP_Q)set -e; cd '$(TP_DIR)'; \
	sums=$$(awk -v d='$(1)/' 'index($$2,d)==1' SHA256SUMS); \
	for f in $(2) $(addprefix $(1)/patches/,series $(3)); do \
	  [ "$$f" != "$(1)/patches/series" ] || [ -f "$$f" ] || continue; \
	  printf '%s\n' "$$sums" | awk -v f="$$f" '$$2==f{ok=1} END{exit !ok}' || \
	    { echo "third_party: $$f is not listed in SHA256SUMS" >&2; exit 1; }; \
	done; \
	printf '%s\n' "$$sums" | sha256sum -c --strict --quiet - || \
	  { echo "third_party: checksum mismatch for $(1)" >&2; exit 1; }; \
	rm -rf '$(TP_SRC)/$(1)'; mkdir -p '$(TP_SRC)/$(1)'; \
	tar -xf '$(2)' -C '$(TP_SRC)/$(1)' --strip-components=1 --no-same-owner; \
	for p in $(3); do \
	  patch -d '$(TP_SRC)/$(1)' -p1 -N -s --fuzz=0 --no-backup-if-mismatch \
	    -i '$(TP_DIR)/$(1)/patches/'"$$p" || \
	    { echo "third_party: $(1): patch $$p failed" >&2; exit 1; }; \
	done; \
	rm -rf '$(TP_OBJ)/$(1)'; mkdir -p '$(TP_OBJ)/$(1)' '$(TP_LIBDIR)' '$(TP_STAMPS)'
endef

# $(call tp_finish,<stamp prefix>,<.a>,<key>,<flags text>): record the stamp,
# give it the .a's mtime (so the .a is never older than its stamp).
define tp_finish
	$(TP_Q)rm -f '$(TP_STAMPS)/$(1)-'*.stamp; \
	printf '%s\n' 'key=$(3)' $(call tp_sq,$(TP_COMMON_KEY_INPUT)) $(call tp_sq,$(4)) > '$@.tmp'; \
	touch -r '$(2)' '$@.tmp'; mv -f '$@.tmp' '$@'
endef

.PHONY: third-party tp-verify tp-clean tp-info tp-force
tp-force: ;

third-party: $(TP_ALL_A)

# ------------------------------------------------------------ kernel headers
TP_KHDR_STAMP := $(TP_KHDR)/.links$(subst /,_,$(TP_KHDR_SRC)-$(TP_KHDR_ASM))
$(TP_KHDR_STAMP):
	$(TP_Q)set -e; \
	for d in '$(TP_KHDR_SRC)/linux' '$(TP_KHDR_SRC)/asm-generic' '$(TP_KHDR_ASM)'; do \
	  [ -d "$$d" ] || { echo "third_party: kernel header dir $$d missing (linux-libc-dev; set TP_KHDR_ARCH/TP_KHDR_SRC/TP_KHDR_ASM)" >&2; exit 1; }; \
	done; \
	rm -rf '$(TP_KHDR)'; mkdir -p '$(TP_KHDR)'; \
	ln -s '$(TP_KHDR_SRC)/linux' '$(TP_KHDR)/linux'; \
	ln -s '$(TP_KHDR_SRC)/asm-generic' '$(TP_KHDR)/asm-generic'; \
	ln -s '$(TP_KHDR_ASM)' '$(TP_KHDR)/asm'; \
	touch '$@'

# -------------------------------------------------------------------- zlib
$(TP_ZLIB_A): $(TP_ZLIB_STAMP) ;
$(TP_ZLIB_STAMP): $(call tp_force_unless,$(TP_ZLIB_A),$(TP_ZLIB_INC)/zlib.h)
	@echo "  TP      zlib [$(TP_ZLIB_KEY)]"
	$(call tp_prepare,zlib,$(TP_ZLIB_TARBALL),$(TP_ZLIB_PATCHES))
	$(TP_Q)cd '$(TP_OBJ)/zlib' && $(TP_ENV) CC=$(call tp_sq,$(TP_CC)) \
	  CFLAGS=$(call tp_sq,$(TP_CFLAGS)) LDFLAGS=-static \
	  AR=$(call tp_sq,$(TP_AR)) RANLIB=$(call tp_sq,$(TP_RANLIB)) \
	  $(if $(TP_HOST),CHOST='$(TP_HOST)') \
	  '$(TP_SRC)/zlib/configure' $(TP_ZLIB_CONF) \
	  $(call tp_log,zlib configure,$(TP_OBJ)/zlib/tp-configure.log)
	$(TP_Q)$(TP_SUBMAKE) -C '$(TP_OBJ)/zlib' libz.a \
	  $(call tp_log,zlib make,$(TP_OBJ)/zlib/tp-make.log)
	$(TP_Q)rm -rf '$(TP_ZLIB_INC)'; mkdir -p '$(TP_ZLIB_INC)'; \
	cp '$(TP_SRC)/zlib/zlib.h' '$(TP_OBJ)/zlib/zconf.h' '$(TP_ZLIB_INC)/'; \
	cp '$(TP_OBJ)/zlib/libz.a' '$(TP_ZLIB_A)'
	$(call tp_finish,zlib,$(TP_ZLIB_A),$(TP_ZLIB_KEY),$(TP_ZLIB_CONF))

# ----------------------------------------------------------------- liblzma
$(TP_LZMA_A): $(TP_LZMA_STAMP) ;
$(TP_LZMA_STAMP): $(call tp_force_unless,$(TP_LZMA_A),$(TP_LZMA_INC)/lzma.h)
	@echo "  TP      liblzma [$(TP_LZMA_KEY)]"
	$(call tp_prepare,xz,$(TP_LZMA_TARBALL),$(TP_LZMA_PATCHES))
	$(TP_Q)cd '$(TP_OBJ)/xz' && $(TP_ENV) '$(TP_SRC)/xz/configure' \
	  $(if $(TP_HOST),--host='$(TP_HOST)') \
	  CC=$(call tp_sq,$(TP_CC)) CFLAGS=$(call tp_sq,$(TP_CFLAGS)) \
	  LDFLAGS=-static AR=$(call tp_sq,$(TP_AR)) RANLIB=$(call tp_sq,$(TP_RANLIB)) \
	  $(TP_LZMA_CONF) \
	  $(call tp_log,liblzma configure,$(TP_OBJ)/xz/tp-configure.log)
	$(TP_Q)$(TP_SUBMAKE) -C '$(TP_OBJ)/xz/src/liblzma' liblzma.la \
	  $(call tp_log,liblzma make,$(TP_OBJ)/xz/tp-make.log)
	$(TP_Q)rm -rf '$(TP_LZMA_INC)'; mkdir -p '$(TP_LZMA_INC)'; \
	cp -R '$(TP_SRC)/xz/src/liblzma/api/lzma.h' '$(TP_SRC)/xz/src/liblzma/api/lzma' '$(TP_LZMA_INC)/'; \
	cp '$(TP_OBJ)/xz/src/liblzma/.libs/liblzma.a' '$(TP_LZMA_A)'
	$(call tp_finish,lzma,$(TP_LZMA_A),$(TP_LZMA_KEY),$(TP_LZMA_CONF))

# ----------------------------------------------------------------- libzstd
# Built in the unpacked copy under $(TP_SRC) (lib/Makefile is not out-of-tree).
$(TP_ZSTD_A): $(TP_ZSTD_STAMP) ;
$(TP_ZSTD_STAMP): $(call tp_force_unless,$(TP_ZSTD_A),$(TP_ZSTD_INC)/zstd.h)
	@echo "  TP      libzstd [$(TP_ZSTD_KEY)]"
	$(call tp_prepare,zstd,$(TP_ZSTD_TARBALL),$(TP_ZSTD_PATCHES))
	$(TP_Q)$(TP_ENV) CFLAGS=$(call tp_sq,$(TP_CFLAGS)) $(TP_MAKE) -j$(TP_JOBS) \
	  -C '$(TP_SRC)/zstd/lib' libzstd.a \
	  CC=$(call tp_sq,$(TP_CC)) AR=$(call tp_sq,$(TP_AR)) $(TP_ZSTD_MAKEVARS) \
	  $(call tp_log,libzstd make,$(TP_OBJ)/zstd/tp-make.log)
	$(TP_Q)rm -rf '$(TP_ZSTD_INC)'; mkdir -p '$(TP_ZSTD_INC)'; \
	cp '$(TP_SRC)/zstd/lib/zstd.h' '$(TP_SRC)/zstd/lib/zstd_errors.h' '$(TP_ZSTD_INC)/'; \
	cp '$(TP_SRC)/zstd/lib/libzstd.a' '$(TP_ZSTD_A)'
	$(call tp_finish,zstd,$(TP_ZSTD_A),$(TP_ZSTD_KEY),$(TP_ZSTD_MAKEVARS))

# ----------------------------------------------------------------- BearSSL
# Never `make T0` (would need mono; the generated C is in the tarball).
$(TP_BEARSSL_A): $(TP_BEARSSL_STAMP) ;
$(TP_BEARSSL_STAMP): $(call tp_force_unless,$(TP_BEARSSL_A),$(TP_BEARSSL_INC)/bearssl.h)
	@echo "  TP      bearssl [$(TP_BEARSSL_KEY)]"
	$(call tp_prepare,bearssl,$(TP_BEARSSL_TARBALL),$(TP_BEARSSL_PATCHES))
	$(TP_Q)$(TP_SUBMAKE) -C '$(TP_SRC)/bearssl' lib $(TP_BEARSSL_MAKEVARS) \
	  BUILD='$(TP_OBJ)/bearssl' CC=$(call tp_sq,$(TP_CC)) \
	  CFLAGS=$(call tp_sq,$(TP_CFLAGS)) AR=$(call tp_sq,$(TP_AR)) \
	  $(call tp_log,bearssl make,$(TP_OBJ)/bearssl/tp-make.log)
	$(TP_Q)rm -rf '$(TP_BEARSSL_INC)'; mkdir -p '$(TP_BEARSSL_INC)'; \
	cp '$(TP_SRC)/bearssl/inc/'*.h '$(TP_BEARSSL_INC)/'; \
	cp '$(TP_OBJ)/bearssl/libbearssl.a' '$(TP_BEARSSL_A)'
	$(call tp_finish,bearssl,$(TP_BEARSSL_A),$(TP_BEARSSL_KEY),$(TP_BEARSSL_MAKEVARS))

# -------------------------------------------------------------- libarchive
# Needs zlib, liblzma and libzstd first (order-only: their keys are in ours)
# and the kernel headers (pitfall 1).
$(TP_ARCHIVE_A): $(TP_ARCHIVE_STAMP) ;
$(TP_ARCHIVE_STAMP): $(call tp_force_unless,$(TP_ARCHIVE_A),$(TP_ARCHIVE_INC)/archive.h) \
    | $(TP_ZLIB_A) $(TP_LZMA_A) $(TP_ZSTD_A) $(TP_KHDR_STAMP)
	@echo "  TP      libarchive [$(TP_ARCHIVE_KEY)]"
	$(call tp_prepare,libarchive,$(TP_ARCHIVE_TARBALL),$(TP_ARCHIVE_PATCHES))
	$(TP_Q)cd '$(TP_OBJ)/libarchive' && $(TP_ENV) '$(TP_SRC)/libarchive/configure' \
	  $(if $(TP_HOST),--host='$(TP_HOST)') \
	  CC=$(call tp_sq,$(TP_CC)) CFLAGS=$(call tp_sq,$(TP_CFLAGS)) \
	  CPPFLAGS='-isystem $(TP_KHDR) -I$(TP_ZLIB_INC) -I$(TP_LZMA_INC) -I$(TP_ZSTD_INC)' \
	  LDFLAGS='-static -L$(TP_LIBDIR)' PKG_CONFIG=false \
	  AR=$(call tp_sq,$(TP_AR)) RANLIB=$(call tp_sq,$(TP_RANLIB)) \
	  $(TP_ARCHIVE_CONF) \
	  $(call tp_log,libarchive configure,$(TP_OBJ)/libarchive/tp-configure.log)
	$(TP_Q)missing=; for m in $(TP_ARCHIVE_MUST_HAVE); do \
	  grep -q "^#define $$m 1" '$(TP_OBJ)/libarchive/config.h' || missing="$$missing $$m"; \
	done; [ -z "$$missing" ] || { echo "third_party: libarchive configure did not find:$$missing" \
	  "(see $(TP_OBJ)/libarchive/config.log)" >&2; exit 1; }
	$(TP_Q)$(TP_SUBMAKE) -C '$(TP_OBJ)/libarchive' libarchive.la \
	  $(call tp_log,libarchive make,$(TP_OBJ)/libarchive/tp-make.log)
	$(TP_Q)rm -rf '$(TP_ARCHIVE_INC)'; mkdir -p '$(TP_ARCHIVE_INC)'; \
	cp '$(TP_SRC)/libarchive/libarchive/archive.h' \
	   '$(TP_SRC)/libarchive/libarchive/archive_entry.h' '$(TP_ARCHIVE_INC)/'; \
	cp '$(TP_OBJ)/libarchive/.libs/libarchive.a' '$(TP_ARCHIVE_A)'
	$(call tp_finish,archive,$(TP_ARCHIVE_A),$(TP_ARCHIVE_KEY),$(TP_ARCHIVE_KEY_INPUT))

# ------------------------------------------------------------------ misc
tp-verify:
	@cd '$(TP_DIR)' && sha256sum -c --strict --quiet SHA256SUMS && \
	  echo "third_party: all files in SHA256SUMS verified"

tp-clean:
	@case '$(TP_DIR)/' in '$(TP_BUILD)/'*) \
	  echo "third_party: refusing to remove $(TP_BUILD)" >&2; exit 1;; esac
	rm -rf '$(TP_BUILD)'

tp-info:
	@printf '%s\n' \
	  'TP_CC=$(TP_CC) [$(TP_CC_ID)]' 'TP_HOST=$(TP_HOST)' 'TP_CFLAGS=$(TP_CFLAGS)' \
	  'TP_BUILD=$(TP_BUILD)' 'TP_KHDR=$(TP_KHDR) -> $(TP_KHDR_SRC), $(TP_KHDR_ASM)' \
	  'zlib       $(TP_ZLIB_KEY)    $(TP_ZLIB_A)    patches: $(TP_ZLIB_PATCHES)' \
	  'liblzma    $(TP_LZMA_KEY)    $(TP_LZMA_A)    patches: $(TP_LZMA_PATCHES)' \
	  'libzstd    $(TP_ZSTD_KEY)    $(TP_ZSTD_A)    patches: $(TP_ZSTD_PATCHES)' \
	  'libarchive $(TP_ARCHIVE_KEY) $(TP_ARCHIVE_A) patches: $(TP_ARCHIVE_PATCHES)' \
	  'bearssl    $(TP_BEARSSL_KEY) $(TP_BEARSSL_A) patches: $(TP_BEARSSL_PATCHES)'

.DEFAULT_GOAL := $(tp_saved_default_goal)
