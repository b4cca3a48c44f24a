#!/bin/sh
# test/device/run.sh: the simulated device (make device-test).
#
# Boots a small x86_64 "device" under qemu-system-x86_64 (software emulation
# is fine) and drives it over its serial console only (scenario.py):
#   kernel     Debian's linux-image-amd64, fetched with apt-get download and
#              unpacked with dpkg-deb -x (never installed), with the modules a
#              container manager needs and their dependencies, depmod -b'd
#   initramfs  busybox init from busybox-static (the busybox fixture's own
#              binary), rcS mounting proc/sys/dev/devpts/run and cgroup2, a
#              root shell on ttyS0; the initramfs stays the root (no
#              switch_root), so nspawn meets pivot_root's EINVAL there
#   per run    build/machbox, a busybox guest tarball (/guest.tar.gz) and
#              build/device/alloc; boot 2 also has the init script from
#              init/busybox and the applet links
#   disk       a small ext4 image (mkfs.ext4 -d) on virtio, mounted by rcS at
#              /var/lib/machines and /etc/machbox, so images and the
#              autostart list survive the reboot (a second qemu boot)
# Cached outside the clone, under ${MACHBOX_DEVICE_CACHE:-/var/cache/machbox-device}:
#   kernel-PKG-VERSION/      vmlinuz, modules/lib/modules/KVER (trimmed)
#   nft-VERSION/             Debian's nft and the libraries it needs (NAT)
#   base-KEY.cpio.gz         busybox + modules + nft + /etc, KEY from this
#                            script, the kernel, nft and the busybox fixture
# Network: the VM has qemu user-mode networking with restrict=on only; its
# one way to the host is a guestfwd to 10.0.2.100:80 that runs httpd.py per
# connection (no socket is opened on the host).
#
# Env: BUILD (build), MACHBOX_DEVICE_CACHE, DEVICE_KEEP=1 keeps everything in
# build/device/run (the initrds and the disk image are kept anyway when a test
# failed), VERBOSE=1 echoes the serial console and prints every PASS's output.
# Exit 0 only when every test passed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"
# no __pycache__ in the clone (scenario.py imports serial.py)
export PYTHONDONTWRITEBYTECODE=1
BUILD=${BUILD:-build}
cache=${MACHBOX_DEVICE_CACHE:-/var/cache/machbox-device}
work=$top/$BUILD/device

# The modules the device loads at boot (rcS runs modprobe on each; their
# dependencies come along through modules.dep; softdeps do not, so
# crc32c_generic, which libcrc32c and ext4 want, is named).
MODULES="crc32c_generic virtio_pci virtio_blk virtio_net ext4 veth bridge overlay loop
nf_tables nft_masq nft_nat nft_chain_nat nft_ct nft_fib_ipv4"

log() { echo "device: $*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (apt-get, mkfs.ext4 -d of root-owned trees)"

apt_install() {
	log "installing $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2 ||
		{ apt-get -q update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2; } ||
		die "cannot install $*"
}

command -v qemu-system-x86_64 >/dev/null || apt_install qemu-system-x86
command -v depmod >/dev/null || [ -x /sbin/depmod ] || apt_install kmod
command -v mkfs.ext4 >/dev/null || [ -x /sbin/mkfs.ext4 ] || apt_install e2fsprogs
PATH=$PATH:/sbin:/usr/sbin

[ -x "$BUILD/machbox" ] || die "$BUILD/machbox missing: run make"
[ -x "$BUILD/device/alloc" ] || die "$BUILD/device/alloc missing: run make device-test"

mkdir -p "$cache"

# --- kernel and modules ------------------------------------------------------
# apt-get download as root: _apt could not write into a 0700 temp dir.
download() { (cd "$1" && shift && apt-get -q -o APT::Sandbox::User=root download "$@") >&2; }

candidate() {
	apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

kernel_dir() {
	v=$(candidate linux-image-amd64)
	if [ -z "$v" ]; then
		apt-get -q update >&2
		v=$(candidate linux-image-amd64)
	fi
	[ -n "$v" ] || die "apt knows no linux-image-amd64"
	# the metapackage depends on the real one: linux-image-6.1.0-NN-amd64
	pkg=$(apt-cache show "linux-image-amd64=$v" | sed -n 's/^Depends: \(linux-image-[^ ,]*\).*/\1/p' | head -n1)
	[ -n "$pkg" ] || die "cannot read the kernel package linux-image-amd64=$v depends on"
	pv=$(candidate "$pkg")
	mkey=$(echo "$MODULES" | sha256sum | cut -c1-8)
	kdir=$cache/kernel-$pkg-$pv-$mkey
	if [ -f "$kdir/vmlinuz" ]; then
		echo "$kdir"
		return 0
	fi
	exec 8>"$cache/.kernel.lock"
	flock -x 8
	if [ ! -f "$kdir/vmlinuz" ]; then
		log "fetching $pkg $pv"
		t=$cache/.kernel.tmp
		rm -rf "$t"
		mkdir -p "$t/dl" "$t/out/modules"
		download "$t/dl" "$pkg=$pv" || { apt-get -q update >&2; download "$t/dl" "$pkg=$pv"; }
		dpkg-deb -x "$t"/dl/*.deb "$t/x"
		kver=$(ls "$t/x/lib/modules")
		mods=$t/x/lib/modules/$kver
		# the package ships no modules.dep: make one to find dependencies
		depmod -b "$t/x" "$kver"
		need=$(for m in $MODULES; do echo "$m"; done | awk -v dep="$mods/modules.dep" '
			BEGIN {
				while ((getline line < dep) > 0) {
					split(line, f, ":"); path = f[1]
					name = path; sub(/.*\//, "", name); sub(/\.ko.*$/, "", name)
					gsub(/-/, "_", name)
					byname[name] = path; deps[path] = f[2]
				}
			}
			function add(p,   n, i, d) {
				if (p == "" || (p in seen)) return
				seen[p] = 1; print p
				n = split(deps[p], d, " ")
				for (i = 1; i <= n; i++) add(d[i])
			}
			{ m = $1; gsub(/-/, "_", m); if (!(m in byname)) { print "MISSING " $1; next } add(byname[m]) }')
		if echo "$need" | grep -q '^MISSING'; then
			# a module that is built in needs no file
			for m in $(echo "$need" | sed -n 's/^MISSING //p'); do
				grep -q "/$m.ko" "$mods/modules.builtin" ||
					grep -q "/$(echo "$m" | tr _ -).ko" "$mods/modules.builtin" ||
					die "module $m is neither in the package nor built in"
			done
		fi
		o=$t/out/modules/lib/modules/$kver
		mkdir -p "$o"
		echo "$need" | grep -v '^MISSING' | while read -r p; do
			mkdir -p "$o/$(dirname "$p")"
			cp "$mods/$p" "$o/$p"
		done
		cp "$mods/modules.order" "$mods/modules.builtin" "$mods/modules.builtin.modinfo" "$o/"
		depmod -b "$t/out/modules" "$kver"
		cp "$t/x/boot/vmlinuz-$kver" "$t/out/vmlinuz"
		echo "$kver" >"$t/out/kver"
		rm -rf "$kdir"
		mv -T "$t/out" "$kdir"
		rm -rf "$t"
		for d in "$cache"/kernel-*; do
			[ "$d" = "$kdir" ] || rm -rf "$d"
		done
		log "kernel $kver: $(du -sh "$kdir/modules" | cut -f1) of modules ($(echo "$need" | grep -c .ko) files)"
	fi
	exec 8>&-
	echo "$kdir"
}

# --- nft, for machbox's NAT (dynamically linked: its libraries come along) ------
NFT_PKGS="nftables libnftables1 libnftnl11 libmnl0 libjansson4 libgmp10 libxtables12
libedit2 libbsd0 libmd0 libtinfo6 libc6"

nft_dir() {
	v=$(candidate nftables)
	[ -n "$v" ] || die "apt knows no nftables"
	ndir=$cache/nft-$v
	if [ -x "$ndir/usr/sbin/nft" ]; then
		echo "$ndir"
		return 0
	fi
	log "fetching nftables $v and its libraries"
	t=$cache/.nft.tmp
	rm -rf "$t"
	mkdir -p "$t/dl" "$t/out/usr/sbin" "$t/out/lib/x86_64-linux-gnu" "$t/out/lib64"
	# shellcheck disable=SC2086 # a list of names
	download "$t/dl" $NFT_PKGS
	for d in "$t"/dl/*.deb; do dpkg-deb -x "$d" "$t/x"; done
	cp "$t/x/usr/sbin/nft" "$t/out/usr/sbin/nft"
	ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$t/out/lib64/ld-linux-x86-64.so.2"
	# the NEEDED closure, looked up in the unpacked packages only
	todo="$t/x/usr/sbin/nft"
	while [ -n "$todo" ]; do
		next=
		for f in $todo; do
			for lib in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
				[ -e "$t/out/lib/x86_64-linux-gnu/$lib" ] && continue
				src=$(find "$t/x/lib" "$t/x/usr/lib" -name "$lib" 2>/dev/null | head -n1)
				[ -n "$src" ] || die "nft: $lib is in none of $NFT_PKGS"
				cp -L "$src" "$t/out/lib/x86_64-linux-gnu/$lib"
				next="$next $src"
			done
		done
		todo=$next
	done
	cp -L "$(find "$t/x" -name ld-linux-x86-64.so.2 | head -n1)" "$t/out/lib/x86_64-linux-gnu/"
	rm -rf "$ndir"
	mv -T "$t/out" "$ndir"
	rm -rf "$t"
	for d in "$cache"/nft-*; do
		[ "$d" = "$ndir" ] || rm -rf "$d"
	done
	echo "$ndir"
}

# --- initramfs base ------------------------------------------------------------
write_base_etc() {
	r=$1
	cat >"$r/etc/inittab" <<'EOF'
# the simulated device: busybox init, a root shell on the serial console
::sysinit:/etc/init.d/rcS
ttyS0::respawn:-/bin/sh
::ctrlaltdel:/sbin/reboot
::shutdown:/etc/init.d/rcK
EOF
	cat >"$r/etc/init.d/rcS" <<'EOF'
#!/bin/sh
# The device's boot: mounts, modules, the data disk.  The initramfs stays /.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount -t devtmpfs -o nosuid,mode=755 devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o nosuid,noexec,gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /dev/shm
mount -t tmpfs -o nosuid,nodev,mode=755 tmpfs /run
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp
mount -t cgroup2 -o nosuid,nodev,noexec,nsdelegate cgroup2 /sys/fs/cgroup
hostname -F /etc/hostname
for m in $(cat /etc/modules); do
	modprobe "$m" || echo "rcS: modprobe $m failed"
done
dmesg -n 1
ip link set lo up
if ip link show eth0 >/dev/null 2>&1; then
	ip link set eth0 up
	ip addr add 10.0.2.15/24 dev eth0
	ip route add default via 10.0.2.2
fi
n=0
while [ ! -b /dev/vda ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
if [ -b /dev/vda ] && mount -t ext4 /dev/vda /data; then
	mkdir -p /data/machines /data/machbox
	mount -o bind /data/machines /var/lib/machines
	mount -o bind /data/machbox /etc/machbox
else
	echo "rcS: no data disk, /var/lib/machines is in RAM"
fi
echo "DEVICE-READY root=$(stat -f -c %T /) cgroup=$(cat /sys/fs/cgroup/cgroup.controllers)"
EOF
	cat >"$r/etc/init.d/rcK" <<'EOF'
#!/bin/sh
# busybox init's shutdown entry: after the services, before the final kill
sync
umount /etc/machbox /var/lib/machines /data 2>/dev/null
echo DEVICE-SHUTDOWN
EOF
	chmod 0755 "$r/etc/init.d/rcS" "$r/etc/init.d/rcK"
	cat >"$r/etc/profile" <<'EOF'
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
PS1='device# '
EOF
	echo device >"$r/etc/hostname"
	for m in $MODULES; do echo "$m"; done >"$r/etc/modules"
	cat >"$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
EOF
	cat >"$r/etc/group" <<'EOF'
root:x:0:
tty:x:5:
EOF
}

base_cpio() {
	kdir=$1 fixture=$2 ndir=$3
	key=$({ cat "$0" "$here/cpio.py"; echo "$kdir"; echo "$fixture"; echo "$ndir"; } | sha256sum | cut -c1-16)
	out=$cache/base-$key.cpio.gz
	if [ -f "$out" ]; then
		echo "$out"
		return 0
	fi
	log "building the initramfs base $out"
	r=$work/base
	rm -rf "$r"
	mkdir -p "$r"
	(cd "$r" && mkdir -p bin sbin usr/bin usr/sbin etc/init.d proc sys dev run tmp root data \
		var/lib/machines var/log etc/machbox lib)
	install -m 0755 "$fixture/bin/busybox" "$r/bin/busybox"
	"$r/bin/busybox" --list-full | while read -r p; do
		case $p in */*) ;; *) continue ;; esac
		[ "$p" = bin/busybox ] && continue
		up=$(echo "$p" | sed 's,[^/]*/,../,g; s,[^/]*$,,')
		mkdir -p "$r/${p%/*}"
		ln -sfn "${up}bin/busybox" "$r/$p"
	done
	ln -sfn bin/busybox "$r/init"
	cp -a "$kdir/modules/lib/modules" "$r/lib/"
	cp -a "$ndir/." "$r/"
	write_base_etc "$r"
	python3 "$here/cpio.py" "$out.tmp.gz" "$r" --dev /dev/console:c:5:1:600
	mv "$out.tmp.gz" "$out"
	rm -rf "$r"
	for f in "$cache"/base-*.cpio.gz; do
		[ "$f" = "$out" ] || rm -f "$f"
	done
	echo "$out"
}

# --- per run: machbox, the guest, the disk ---------------------------------------
t0=$(date +%s)
kdir=$(kernel_dir)
fixture=$(test/fixtures/build.sh busybox)
rm -rf "$work/run"
mkdir -p "$work/run"
ndir=$(nft_dir)
base=$(base_cpio "$kdir" "$fixture" "$ndir")
run=$work/run

# the guest: the busybox fixture, an rc.local taking a DHCP lease on host0,
# and the allocator
g=$run/guest
cp -a "$fixture" "$g"
cat >"$g/etc/init.d/rc.local" <<'EOF'
#!/bin/sh
# device test: a lease from machbox's DHCP server when there is a host0
if [ -e /sys/class/net/host0 ]; then
	udhcpc -i host0 -q -n -t 5 -T 2 || echo "udhcpc: no lease"
fi
EOF
chmod 0755 "$g/etc/init.d/rc.local"
install -m 0755 "$BUILD/device/alloc" "$g/usr/bin/alloc"

# boot 1: a fresh device with the one binary on it
r1=$run/root1
mkdir -p "$r1/usr/bin"
install -m 0755 "$BUILD/machbox" "$r1/usr/bin/machbox"
tar -C "$g" --numeric-owner -czf "$r1/guest.tar.gz" .
# the same tarball for pull-tar, over qemu's guestfwd (httpd.py on stdin/out)
mkdir -p "$run/www"
cp "$r1/guest.tar.gz" "$run/www/guest.tar.gz"
python3 "$here/cpio.py" "$run/boot1.cpio" "$r1"
cat "$base" "$run/boot1.cpio" >"$run/initrd1"

# boot 2: the firmware after the user put machbox into it: the applet links
# (what machbox --install makes), the busybox-init script and inittab lines
initdir=$top/init/busybox
r2=$run/root2
mkdir -p "$r2/usr/bin" "$r2/etc/init.d"
install -m 0755 "$BUILD/machbox" "$r2/usr/bin/machbox"
for a in $("$BUILD/machbox" --list); do ln -s machbox "$r2/usr/bin/$a"; done
have_init=0
if [ -f "$initdir/machbox" ] && [ -f "$initdir/inittab" ] &&
	"$BUILD/machbox" machined --help >/dev/null 2>&1; then
	have_init=1
	install -m 0755 "$initdir/machbox" "$r2/etc/init.d/machbox"
	rm -rf "$work/etc2"
	mkdir -p "$work/etc2/etc/init.d"
	write_base_etc "$work/etc2"
	mkdir -p "$r2/etc"
	# sysinit lines after rcS, shutdown lines before rcK (which unmounts)
	{
		grep '^::sysinit:/etc/init.d/rcS' "$work/etc2/etc/inittab"
		grep '^::sysinit' "$initdir/inittab"
		grep -v -e '^#' -e '^::sysinit:/etc/init.d/rcS' -e '^::shutdown' "$work/etc2/etc/inittab"
		grep '^::shutdown' "$initdir/inittab"
		grep '^::shutdown' "$work/etc2/etc/inittab"
	} >"$r2/etc/inittab"
	rm -rf "$work/etc2"
fi
python3 "$here/cpio.py" "$run/boot2.cpio" "$r2"
cat "$base" "$run/boot2.cpio" >"$run/initrd2"

# the data disk: empty /var/lib/machines and /etc/machbox
mkdir -p "$run/disk/machines" "$run/disk/machbox"
mkfs.ext4 -q -F -L devdata -d "$run/disk" "$run/data.img" 96M

log "prepared in $(($(date +%s) - t0))s (kernel $(cat "$kdir/kver"), base $(du -h "$base" | cut -f1))"
set +e
python3 "$here/scenario.py" --kernel "$kdir/vmlinuz" --initrd1 "$run/initrd1" \
	--initrd2 "$run/initrd2" --disk "$run/data.img" --logdir "$run" --www "$run/www" \
	--reboot "$have_init"
rc=$?
set -e
log "console logs in $run/console-*.log; total $(($(date +%s) - t0))s"
# keep the console logs; the rest only when asked or when something failed
if [ -z "${DEVICE_KEEP:-}" ]; then
	rm -rf "$g" "$r1" "$r2" "$run/disk" "$run/www"
	[ $rc -eq 0 ] && rm -f "$run/initrd1" "$run/initrd2" "$run/boot1.cpio" "$run/boot2.cpio" "$run/data.img"
fi
exit $rc
