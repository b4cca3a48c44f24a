#!/bin/sh
# Installs what building and testing machbox need on Debian 12, only what is
# missing (a fresh machine gets everything, a warm one nothing).
set -eu
pkgs="make gcc libc6-dev musl-tools python3 python3-kconfiglib cppcheck file \
	xz-utils bzip2 patch busybox-static debootstrap util-linux iproute2 procps \
	ca-certificates nftables isc-dhcp-client e2fsprogs squashfs-tools erofs-utils \
	fdisk btrfs-progs attr openssl gnupg qemu-system-x86 kmod groff-base mandoc"
missing=""
for p in $pkgs; do
	dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # a list of names
apt-get install -y -qq --no-install-recommends $missing >/dev/null
