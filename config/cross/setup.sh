#!/bin/sh
# config/cross/setup.sh [--refresh] ARCH...  -- the cross toolchain that
# `make ARCH=...` uses (the Makefile runs this itself when it is missing).
#
# For each ARCH (aarch64, armhf), with Debian's packages only:
#  1. apt-get installs what is missing of the cross gcc and binutils, the
#     target's kernel headers (linux-libc-dev-DEBARCH-cross) and
#     qemu-user-static (which runs the results, for `make cross-check`);
#  2. fetches the target's musl and musl-dev .debs with `apt-get download`
#     under a private apt state for that architecture (its lists and cache
#     live in the cache dir: dpkg's architecture list and the system's apt
#     lists are left alone) and unpacks them with dpkg-deb -x;
#  3. writes a copy of musl-gcc.specs with its paths rewritten to that
#     root, a two-line musl-gcc wrapper running the cross gcc with -specs,
#     and cross.mk, the make fragment the top-level Makefile includes.
#
# Output: ${MACHBOX_CROSS_CACHE:-/var/cache/machbox-cross}/ARCH/KEY, KEY being
# the target musl's version and a hash of the versions of every package in
# play; ARCH/current points at the one in use.  A second run finds `current`
# complete and does nothing (no network).  --refresh asks the archive for a
# newer musl and re-keys if the versions changed.  Needs root for apt-get
# install (or the packages already installed) and to write the default cache.
set -eu

CACHE=${MACHBOX_CROSS_CACHE:-/var/cache/machbox-cross}
refresh=

die() { echo "config/cross/setup.sh: $*" >&2; exit 1; }
say() { echo "cross: $*" >&2; }

# ARCH -> Debian architecture, GNU triplet, qemu-user binary
arch_info() {
	case $1 in
	aarch64) debarch=arm64 triplet=aarch64-linux-gnu qemu=qemu-aarch64-static ;;
	armhf) debarch=armhf triplet=arm-linux-gnueabihf qemu=qemu-arm-static ;;
	*) die "unsupported ARCH '$1' (aarch64, armhf)" ;;
	esac
}

installed() {
	dpkg-query -W -f '${Status}\n' "$1" 2>/dev/null | grep -q 'install ok installed'
}

host_packages() {
	need=
	for p in gcc-$triplet binutils-$triplet linux-libc-dev-$debarch-cross qemu-user-static; do
		installed "$p" || need="$need $p"
	done
	[ -z "$need" ] && return 0
	[ "$(id -u)" = 0 ] || die "missing packages:$need (run as root, or install them)"
	say "apt-get install$need"
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 -q -y \
		--no-install-recommends install $need >&2
}

# The versions of the host packages actually used (the real gcc, not the
# gcc-TRIPLET metapackage).
host_versions() {
	gccbin=$(readlink -f "$(command -v "$triplet-gcc")") || die "$triplet-gcc not found"
	gccpkg=$(dpkg -S "$gccbin" | cut -d: -f1)
	dpkg-query -W -f '${Package}=${Version}\n' "$gccpkg" "binutils-$triplet" \
		"linux-libc-dev-$debarch-cross" qemu-user-static
}

# apt-get/apt-cache for DEBARCH with a private state below $CACHE/apt.
apt_private() {
	tool=$1; shift
	"$tool" -q -o APT::Architecture="$debarch" -o APT::Architectures="$debarch" \
		-o Dir::State::Lists="$aptdir/lists" -o Dir::Cache="$aptdir/cache" \
		-o Dir::State::status=/dev/null -o APT::Sandbox::User=root \
		-o Acquire::IndexTargets::deb-src::Sources::DefaultEnabled=false \
		-o Acquire::Languages=none "$@"
}

setup_arch() {
	arch=$1
	arch_info "$arch"
	top=$CACHE/$arch
	cur=$top/current
	if [ -z "$refresh" ] && [ -f "$cur/cross.mk" ] && [ -x "$cur/bin/musl-gcc" ] &&
		command -v "$triplet-gcc" >/dev/null && [ -x "/usr/bin/$qemu" ]; then
		say "$arch: $(readlink -f "$cur")"
		return 0
	fi
	host_packages
	hv=$(host_versions)

	aptdir=$CACHE/apt/$debarch
	mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" "$top"
	say "$arch: apt-get update ($debarch, private state in $aptdir)"
	# an index failing (a mirror mid-sync) is not fatal while musl is found
	apt_private apt-get update >&2 || apt_private apt-get update >&2 ||
		say "$arch: apt-get update reported errors; trying with what it fetched"
	dl=$(mktemp -d "$top/.dl.XXXXXX")
	trap 'rm -rf "$dl"' EXIT
	(cd "$dl" && apt_private apt-get download musl musl-dev >&2) ||
		die "apt-get download musl musl-dev ($debarch) failed"
	mv_musl=$(dpkg-deb -f "$dl"/musl-dev_*.deb Version)
	mv_libc=$(dpkg-deb -f "$dl"/musl_*.deb Version)
	[ "$mv_musl" = "$mv_libc" ] || die "musl $mv_libc and musl-dev $mv_musl differ"
	key=musl-$(printf '%s' "$mv_musl" | tr -c 'A-Za-z0-9.+-' _).$(printf '%s\nmusl=%s\n' "$hv" "$mv_musl" |
		sha256sum | cut -c1-8)
	dir=$top/$key
	if [ ! -f "$dir/cross.mk" ]; then
		tmp=$top/.$key.tmp
		rm -rf "$tmp"
		mkdir -p "$tmp/root" "$tmp/bin"
		for d in "$dl"/*.deb; do dpkg-deb -x "$d" "$tmp/root"; done
		specs=$(ls "$tmp"/root/usr/lib/*-linux-musl*/musl-gcc.specs 2>/dev/null | head -n 1)
		[ -n "$specs" ] || die "no musl-gcc.specs in musl-dev:$debarch"
		mt=$(basename "$(dirname "$specs")")    # e.g. aarch64-linux-musl
		[ -f "$tmp/root/usr/lib/$mt/libc.a" ] && [ -d "$tmp/root/usr/include/$mt" ] ||
			die "musl-dev:$debarch lacks libc.a or its headers"
		# the specs' /usr/{include,lib}/$mt, moved to the final root
		sed -e "s#/usr/include/$mt#$dir/root/usr/include/$mt#g" \
			-e "s#/usr/lib/$mt#$dir/root/usr/lib/$mt#g" "$specs" > "$tmp/musl-gcc.specs"
		grep -q "$dir/root/usr/lib/$mt/crti.o" "$tmp/musl-gcc.specs" ||
			die "musl-gcc.specs has an unexpected layout"
		printf '#!/bin/sh\nexec %s "$@" -specs "%s"\n' "$triplet-gcc" "$dir/musl-gcc.specs" \
			> "$tmp/bin/musl-gcc"
		chmod 755 "$tmp/bin/musl-gcc"
		printf '%s\n' "$hv" "musl:$debarch=$mv_musl" > "$tmp/versions"
		cat > "$tmp/cross.mk" <<-EOF
		# written by config/cross/setup.sh; read by the top-level Makefile
		CROSS_KEY := $key
		CROSS_DEBARCH := $debarch
		CROSS_TRIPLET := $triplet
		CROSS_CC := $dir/bin/musl-gcc
		CROSS_STRIP := $triplet-strip
		CROSS_KHDR_SRC := /usr/$triplet/include
		CROSS_QEMU := /usr/bin/$qemu
		EOF
		rm -rf "$dir"
		mv "$tmp" "$dir"
	fi
	ln -sfn "$key" "$top/.current.tmp"
	mv -T "$top/.current.tmp" "$cur"
	rm -rf "$dl"
	trap - EXIT
	# prove it: a static hello for the target
	printf '#include <stdio.h>\nint main(void){puts("ok");return 0;}\n' > "$dir/hello.c"
	"$dir/bin/musl-gcc" -static -Os -o "$dir/hello" "$dir/hello.c" ||
		die "$arch: the wrapper cannot build a static program"
	[ "$("/usr/bin/$qemu" "$dir/hello")" = ok ] || die "$arch: $qemu cannot run a static program"
	rm -f "$dir/hello" "$dir/hello.c"
	say "$arch: $dir"
}

[ $# -gt 0 ] || die "usage: setup.sh [--refresh] ARCH... (aarch64, armhf)"
for a in "$@"; do
	case $a in
	--refresh) refresh=1 ;;
	-*) die "unknown option '$a'" ;;
	*) setup_arch "$a" ;;
	esac
done
