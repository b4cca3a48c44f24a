# Tier 3: pull-tar and pull-raw against a local HTTP/HTTPS server
# (test/lib/pullserver.py on 127.0.0.1), with a test CA and certificates
# made here by openssl and signatures by gpg with a throwaway key.  Every
# fault must fail with its own message and leave nothing in the store.
. "$TOP/test/lib/testing.sh"
. "$TOP/test/lib/container.sh"
optional CFG_PULL
need_root
if skipping; then skip "pull root tests" "$(skip_reason)"; exit 0; fi
for t in python3 openssl gpg gpgconf xz gzip flock; do
	if ! command -v $t >/dev/null; then
		skip "pull root tests" "$t is not installed"
		exit 0
	fi
done
ip link set lo up 2>/dev/null

export MACHBOX_ROOT=$TEST_TMP/root
export SSL_CERT_FILE=$TEST_TMP/pki/ca.pem
export MACHBOX_HTTP_TIMEOUT=2
unset http_proxy https_proxy HTTPS_PROXY no_proxy NO_PROXY
STORE=$MACHBOX_ROOT/var/lib/machines
W=$TEST_TMP/www
export GNUPGHOME=$TEST_TMP/gnupg
SERVER=
test_cleanup() {
	container_cleanup
	# an immutable (read-only) image would stop the removal of $TEST_TMP
	"$MACHBOX" machinectl read-only ro false 2>/dev/null
	[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
	gpgconf --kill gpg-agent 2>/dev/null
}
mkdir -p "$MACHBOX_ROOT/etc/systemd" "$W" "$TEST_TMP/pki" && chmod 700 "$TEST_TMP" && mkdir -m 700 "$GNUPGHOME"

# --- the images: the busybox tree with the payload, as tar, tar.gz, tar.xz ---
R=$TEST_TMP/rootfs
if ! guest_tree busybox "$R"; then
	skip "pull root tests" "busybox fixture not built (test/fixtures/build.sh busybox)"
	exit 0
fi
mkdir -p "$W/good"
tar --numeric-owner -C "$R" -cf "$W/good/rootfs.tar" .
gzip -9c "$W/good/rootfs.tar" > "$W/good/rootfs.tar.gz"
xz -T1 -c "$W/good/rootfs.tar" > "$W/good/rootfs.tar.xz"
head -c 3000000 /dev/urandom > "$W/good/disk.raw"
head -c 1048576 /dev/zero >> "$W/good/disk.raw"
xz -T1 -c "$W/good/disk.raw" > "$W/good/disk.raw.xz"

# --- keys: the signing key (with a signing subkey), an EdDSA key, both in
# the keyring; another key that is not ---
gpg_q() { gpg --batch --quiet --no-tty --passphrase '' --pinentry-mode loopback "$@" 2>/dev/null; }
gpg_q --quick-gen-key "machbox pull test <pull@machbox.invalid>" rsa2048 sign never
KEY=$(gpg --with-colons --list-keys pull@machbox.invalid 2>/dev/null | awk -F: '/^fpr/{print $10; exit}')
gpg_q --quick-add-key "$KEY" rsa2048 sign never
SUB=$(gpg --with-colons --list-keys pull@machbox.invalid 2>/dev/null | awk -F: '/^fpr/{n++} /^fpr/ && n==2 {print $10}')
gpg_q --quick-gen-key "machbox ed test <ed@machbox.invalid>" ed25519 sign never
ED=$(gpg --with-colons --list-keys ed@machbox.invalid 2>/dev/null | awk -F: '/^fpr/{print $10; exit}')
gpg_q --quick-gen-key "machbox other <other@machbox.invalid>" rsa2048 sign never
OTHER=$(gpg --with-colons --list-keys other@machbox.invalid 2>/dev/null | awk -F: '/^fpr/{print $10; exit}')
gpg --export "$KEY" "$ED" > "$MACHBOX_ROOT/etc/systemd/import-pubring.gpg" 2>/dev/null
# sign FILE KEY [OPTIONS]: a detached binary signature FILE.gpg
sign() { local f=$1 k=$2; shift 2; gpg_q -u "$k!" --detach-sign "$@" "$f"; }

sums() { (cd "$1" && sha256sum -- * | grep -v -e 'SHA256SUMS' -e '\.sha256' > SHA256SUMS); }
sums "$W/good"
sign "$W/good/SHA256SUMS" "$KEY" -o "$W/good/SHA256SUMS.gpg"
# the OBS layout: FILE.sha256 naming the versioned file, armored .asc
echo "$(sha256sum < "$W/good/rootfs.tar.xz" | cut -d' ' -f1)  rootfs-1.0-Build7.3.tar.xz" \
	> "$W/good/rootfs.tar.xz.sha256"
sign "$W/good/rootfs.tar.xz.sha256" "$KEY" --armor -o "$W/good/rootfs.tar.xz.sha256.asc"
# mkdir_with DIR FILES...: a directory of the server with copies of good/'s files
mkdir_with() { local d=$W/$1; shift; mkdir -p "$d"; for f in "$@"; do cp "$W/good/$f" "$d/"; done; }
# SHA256SUMS.asc: armored, by the subkey, SHA512, text mode
mkdir_with asc rootfs.tar.gz && sums "$W/asc"
sign "$W/asc/SHA256SUMS" "$SUB" --armor --textmode --digest-algo SHA512 -o "$W/asc/SHA256SUMS.asc"
mkdir_with badsum rootfs.tar.xz
# every sum's first digit changed: 0 where it was not, else 1
awk '{ d = substr($0, 1, 1) == "0" ? "1" : "0"; print d substr($0, 2) }' "$W/good/SHA256SUMS" \
	> "$W/badsum/SHA256SUMS"
sign "$W/badsum/SHA256SUMS" "$KEY" -o "$W/badsum/SHA256SUMS.gpg"
mkdir_with badsig rootfs.tar.xz SHA256SUMS SHA256SUMS.gpg && echo "# changed" >> "$W/badsig/SHA256SUMS"
mkdir_with otherkey rootfs.tar.xz SHA256SUMS && sign "$W/otherkey/SHA256SUMS" "$OTHER" -o "$W/otherkey/SHA256SUMS.gpg"
mkdir_with edkey rootfs.tar.xz SHA256SUMS && sign "$W/edkey/SHA256SUMS" "$ED" -o "$W/edkey/SHA256SUMS.gpg"
mkdir_with nosig rootfs.tar SHA256SUMS
mkdir_with nosums rootfs.tar.xz

# --- certificates: a test CA, and server certificates of every kind ---
P=$TEST_TMP/pki
cat > "$P/ca.cnf" <<EOF
[ ca ]
default_ca = c
[ c ]
dir = $P
database = $P/index.txt
new_certs_dir = $P
serial = $P/serial
default_md = sha256
policy = p
unique_subject = no
copy_extensions = none
[ p ]
commonName = supplied
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
EOF
: > "$P/index.txt" && echo 1000 > "$P/serial"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$P/ca.key" -out "$P/ca.pem" -days 2 \
	-subj "/CN=machbox test CA" -extensions v3_ca -config "$P/ca.cnf" 2>/dev/null
# cert NAME DNSNAME START END: NAME.pem/.key signed by the CA
cert() {
	printf '[ e ]\nsubjectAltName = DNS:%s\nbasicConstraints = CA:FALSE\n' "$2" > "$P/$1.ext"
	openssl req -newkey rsa:2048 -nodes -keyout "$P/$1.key" -out "$P/$1.csr" -subj "/CN=$2" 2>/dev/null
	openssl ca -batch -notext -config "$P/ca.cnf" -cert "$P/ca.pem" -keyfile "$P/ca.key" \
		-extfile "$P/$1.ext" -extensions e -startdate "$3" -enddate "$4" \
		-in "$P/$1.csr" -out "$P/$1.pem" >/dev/null 2>&1
}
NOW_Z=$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)
SOON_Z=$(date -u -d '+1 day' +%Y%m%d%H%M%SZ)
cert good localhost "$NOW_Z" "$SOON_Z"
cert wrongname wrong.test "$NOW_Z" "$SOON_Z"
cert expired localhost 20200101000000Z 20210101000000Z
cert future localhost 20990101000000Z 20991231000000Z
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$P/self.key" -out "$P/self.pem" -days 2 \
	-subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null

# --- the server ---
python3 "$TOP/test/lib/pullserver.py" --dir "$W" --ports "$TEST_TMP/ports" --log "$TEST_TMP/requests" \
	--http http --https good:$P/good.pem:$P/good.key --https wrongname:$P/wrongname.pem:$P/wrongname.key \
	--https expired:$P/expired.pem:$P/expired.key --https future:$P/future.pem:$P/future.key \
	--https self:$P/self.pem:$P/self.key 2>"$TEST_TMP/server.log" &
SERVER=$!
if ! wait_for 10 test -s "$TEST_TMP/ports"; then
	fail "the test server starts" "$(cat "$TEST_TMP/server.log")"
	exit 0
fi
port() { awk -v n="$1" '$1 == n { print $2 }' "$TEST_TMP/ports"; }
H=http://127.0.0.1:$(port http)
S=https://localhost:$(port good)

mc() { "$MACHBOX" machinectl "$@"; }
# the store's entries on one line, temp images (".#*") included
store() { ls -A "$STORE" 2>/dev/null | sort | tr '\n' ' '; }
# fails NAME REGEX CMD...: exit 1, one error line matching REGEX, the store
# unchanged (no image, no temp image left)
fails() {
	local name=$1 re=$2 before out rc
	shift 2
	if skipping; then skip "$name" "$(skip_reason)"; return 0; fi
	before=$(store)
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc = 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] &&
	   printf '%s\n' "$out" | grep -Eq -- "$re" && [ "$(store)" = "$before" ]; then
		pass "$name"
	else
		fail "$name" "$(printf 'exit %s, want 1\nwant: %s\ngot:  %s\nstore before: %s\nstore after:  %s' \
			"$rc" "$re" "$out" "$before" "$(store)")"
	fi
}
boots() {
	"$MACHBOX" nspawn -q --console=pipe -D "$STORE/$1" /usr/bin/payload echo ok 2>&1
}

# --- pulls that work ---
testing "pull-tar --verify=no URL NAME, word for word" \
	"mc pull-tar --verify=no $H/good/rootfs.tar.xz bb 2>/dev/null; echo \$?" "0"
testing "the pulled image boots" "boots bb" "ok"
testing "pulled images are writable" "mc show-image bb | grep ^ReadOnly=" "ReadOnly=no"
testing "no temp image is left" "ls -A $STORE | grep -c '^\.#'" "0"
testing_grep "an existing NAME is kept without --force" \
	"mc --verify=no pull-tar $H/good/rootfs.tar bb" "Failed to pull 'bb': image 'bb' exists already"
testing "--force replaces it" "mc -q --force --verify=no pull-tar $H/good/rootfs.tar bb; echo \$?; boots bb" "0
ok"
testing "-q prints nothing" "mc -q --verify=no pull-tar $H/good/rootfs.tar.gz quiet 2>&1" ""
testing "https, SHA256SUMS.gpg, the name from the URL" \
	"mc pull-tar $S/good/rootfs.tar.gz 2>/dev/null; echo \$?; boots rootfs" "0
ok"
testing_grep "and it says what it checked" "mc --force pull-tar $S/good/rootfs.tar.gz" \
	"Pulled 'rootfs' .*SHA-256 matches SHA256SUMS, good signature by key ${KEY:24}"
testing_grep "FILE.sha256 and .sha256.asc (OBS layout)" \
	"mc pull-tar $S/good/rootfs.tar.xz obs; boots obs" \
	"SHA-256 matches rootfs.tar.xz.sha256, good signature by key ${KEY:24}"
testing_grep "SHA256SUMS.asc: armored, text mode, SHA512, a signing subkey" \
	"mc pull-tar $S/asc/rootfs.tar.gz asc" "good signature by key ${SUB:24}"
testing_grep "--verify=checksum" "mc --verify=checksum pull-tar $H/nosig/rootfs.tar cks" \
	"Pulled 'cks' .*: SHA-256 matches SHA256SUMS$"
testing "--read-only" "mc -q --read-only --verify=checksum pull-tar $S/good/rootfs.tar ro; mc show-image ro | grep ^ReadOnly=" "ReadOnly=yes"
testing_grep "pull-tar keeps import-tar's limits (MACHBOX_IMPORT_MAX_ENTRIES)" \
	"{ MACHBOX_IMPORT_MAX_ENTRIES=3 mc --verify=no pull-tar $H/good/rootfs.tar few; echo rc=\$?; ls $STORE | grep -c '^few$'; } 2>&1 | tr '\\n' ' '" \
	"more than 3 entries.*rc=1 0 $"
testing_grep "a bad limit is named and refused" \
	"{ MACHBOX_IMPORT_MAX_BYTES=lots mc --verify=no pull-tar $H/good/rootfs.tar few2; echo rc=\$?; } 2>&1 | tr '\\n' ' '" \
	"MACHBOX_IMPORT_MAX_BYTES='lots'.* rc=1 $"
testing "chunked framing" "mc -q --verify=checksum pull-tar $H/chunked/good/rootfs.tar.xz chunked; boots chunked" "ok"
testing "a body delimited by the close" "mc -q --verify=checksum pull-tar $H/no-length/good/rootfs.tar.xz nolen; boots nolen" "ok"
testing "pull-tar --private-users=pick: owned by a picked range on disk" \
	"mc -q --verify=no --private-users=pick pull-tar $H/good/rootfs.tar.gz pu; stat -c %u:%g $STORE/pu $STORE/pu/etc/passwd | uniq | awk -F: '\$1 >= 524288 && \$1 % 65536 == 0 && \$1 == \$2 {print \"shifted\"}'" "shifted"
testing "the same over TLS, ended by close_notify" "mc -q --verify=checksum pull-tar $S/no-length-notify/good/rootfs.tar.xz nolents; echo \$?" "0"
testing "three relative redirects" "mc -q --verify=checksum pull-tar $H/redirect/3/good/rootfs.tar.xz redir; boots redir" "ok"
testing "http may redirect to https" "mc -q --verify=checksum pull-tar $H/to-https/good/rootfs.tar.xz up; echo \$?" "0"
testing_grep "a dropped connection is resumed with Range" \
	"mc --verify=checksum pull-tar $H/drop/good/rootfs.tar.xz resumed && boots resumed" "^ok$"
testing "the resume asked for the rest" "grep -c 'GET /drop/good/rootfs.tar.xz HTTP' $TEST_TMP/requests" "2"
testing "pull-raw: .raw.xz decompressed, holes kept" \
	"mc -q pull-raw $S/good/disk.raw.xz disk; cmp $STORE/disk.raw $W/good/disk.raw && echo same" "same"
testing "pull-raw: the name without .raw.xz" "ls $STORE | grep -c '^disk.raw$'" "1"
testing "pull-raw: a plain .raw" "mc -q --verify=checksum pull-raw $H/good/disk.raw plain; cmp $STORE/plain.raw $W/good/disk.raw && echo same" "same"
testing "http_proxy" "http_proxy=http://127.0.0.1:$(port http) mc -q --verify=no pull-tar $H/good/rootfs.tar.gz proxied; grep -c 'GET http://127.0.0.1:.*/good/rootfs.tar.gz' $TEST_TMP/requests" "1"
testing "https_proxy: CONNECT" "https_proxy=127.0.0.1:$(port http) mc -q --verify=no pull-tar $S/good/rootfs.tar.gz tunnel; grep -c '^CONNECT localhost:' $TEST_TMP/requests" "1"
testing "no_proxy" "https_proxy=127.0.0.1:1 no_proxy=example.org,localhost mc -q --verify=no pull-tar $S/good/rootfs.tar.gz direct; echo \$?" "0"

# --- every fault: its own message, nothing installed ---
V="--verify=no"
fails "truncated body" "closed the connection after [0-9]+ of [0-9]+ bytes" mc $V pull-tar $H/truncated/good/rootfs.tar.xz x
fails "cut in a chunked body" "closed the connection in the middle of a chunked body" mc $V pull-tar $H/chunk-cut/good/rootfs.tar.xz x
fails "a TLS body without length or close_notify" "closed the connection without a TLS close_notify after [0-9]+ bytes" \
	mc $V pull-tar $S/no-length/good/rootfs.tar.xz x
fails "bad Content-Length" "bad response from 127.0.0.1: bad Content-Length$" mc $V pull-tar $H/cl-garbage/good/rootfs.tar.xz x
fails "Content-Length past 2^63" "Content-Length out of range" mc $V pull-tar $H/cl-huge/good/rootfs.tar.xz x
fails "two Content-Lengths" "conflicting Content-Length headers" mc $V pull-tar $H/cl-conflict/good/rootfs.tar.xz x
fails "a short Content-Length: caught by the checksum" "SHA-256 of rootfs.tar.xz does not match rootfs.tar.xz.sha256" \
	mc --verify=checksum pull-tar $H/cl-short/good/rootfs.tar.xz x
fails "a short Content-Length: caught by the extractor" "Failed to pull 'x': " mc $V pull-tar $H/cl-short/good/rootfs.tar.xz x
fails "bad chunk size" "bad chunk size" mc $V pull-tar $H/chunk-bad-hex/good/rootfs.tar.xz x
fails "chunk size past 2^63" "chunk size out of range" mc $V pull-tar $H/chunk-huge/good/rootfs.tar.xz x
fails "missing CRLF after a chunk" "missing CRLF in chunked body" mc $V pull-tar $H/chunk-no-crlf/good/rootfs.tar.xz x
fails "redirect loop" "too many redirects \(more than 5\)" mc $V pull-tar $H/redirect-loop/x.tar x
fails "six redirects are too many" "too many redirects" mc $V pull-tar $H/redirect/6/good/rootfs.tar x
fails "https to http redirect" "refusing the redirect from https to http" mc $V pull-tar $S/to-http/good/rootfs.tar x
fails "redirect to ftp" "redirects to a scheme other than http and https" mc $V pull-tar $H/to-ftp/x.tar x
fails "stall past the idle timeout" "no data from 127.0.0.1 for 2 s" mc $V pull-tar $H/stall/good/rootfs.tar x
fails "total timeout" "the total timeout of 1 s was reached" \
	env MACHBOX_HTTP_TOTAL_TIMEOUT=1 "$MACHBOX" machinectl $V pull-tar $H/stall/good/rootfs.tar x
fails "a file that changed during a resume" "changed on the server during the download: cannot resume" \
	mc $V pull-tar $H/changed/good/rootfs.tar.xz x
fails "404" "HTTP 404 Not Found" mc $V pull-tar $H/good/missing.tar.xz x
fails "connection refused" "cannot connect to 127.0.0.1 port 1: Connection refused" mc $V pull-tar http://127.0.0.1:1/x.tar x
fails "wrong checksum" "SHA-256 of rootfs.tar.xz does not match SHA256SUMS: want [01][0-9a-f]{63}, got [0-9a-f]{64}" \
	mc pull-tar $S/badsum/rootfs.tar.xz x
fails "bad signature" "SHA256SUMS.gpg: no valid signature from a key in .*import-pubring.gpg: the signature by key ${KEY:24} does not match the data" \
	mc pull-tar $S/badsig/rootfs.tar.xz x
fails "a key not in the keyring" "no valid signature from a key in .*: signed by key ${OTHER:24}, which is not in it" \
	mc pull-tar $S/otherkey/rootfs.tar.xz x
fails "EdDSA signatures" "signature algorithm EdDSA is not supported" mc pull-tar $S/edkey/rootfs.tar.xz x
fails "no signature file" "no signature: neither SHA256SUMS.gpg nor SHA256SUMS.asc exists" mc pull-tar $S/nosig/rootfs.tar x
fails "no checksum file" "no checksum file: neither rootfs.tar.xz.sha256 nor SHA256SUMS exists" \
	mc --verify=checksum pull-tar $S/nosums/rootfs.tar.xz x
fails "no keyring" "no keyring for --verify=signature" env MACHBOX_ROOT=$TEST_TMP/empty "$MACHBOX" machinectl pull-tar $S/good/rootfs.tar.xz x
fails "wrong host name" "the server's certificate is for wrong.test, not localhost" \
	mc $V pull-tar https://localhost:$(port wrongname)/good/rootfs.tar x
fails "expired certificate" "the server's certificate expired on 2021-01-01 00:00 UTC" \
	mc $V pull-tar https://localhost:$(port expired)/good/rootfs.tar x
fails "a certificate from the future: the clock" "the system clock is not set \(it says [0-9-]+ [0-9:]+ UTC, the server's certificate is valid from 2099-01-01 00:00 UTC\): set it and try again" \
	mc $V pull-tar https://localhost:$(port future)/good/rootfs.tar x
fails "self-signed certificate" "the server's certificate is self-signed and not trusted \(trust anchors: $SSL_CERT_FILE\)" \
	mc $V pull-tar https://localhost:$(port self)/good/rootfs.tar x
fails "a CA that is not trusted" "not signed by a trusted CA \(trust anchors: $P/self.pem\)" \
	env SSL_CERT_FILE=$P/self.pem "$MACHBOX" machinectl $V pull-tar $S/good/rootfs.tar x
fails "no trust anchors" "cannot read trust anchors from $TEST_TMP/none.pem: No such file" \
	env SSL_CERT_FILE=$TEST_TMP/none.pem "$MACHBOX" machinectl $V pull-tar $S/good/rootfs.tar x
fails "an unusable proxy" "unusable proxy https://p: only http:// proxies are supported" \
	env http_proxy=https://p "$MACHBOX" machinectl $V pull-tar $H/good/rootfs.tar x
testing "an ftp URL is a usage error" "mc pull-tar ftp://127.0.0.1/x.tar x 2>/dev/null; echo \$?" "2"
testing "a bad image name is a usage error" "mc pull-tar $H/good/rootfs.tar ../x 2>/dev/null; echo \$?" "2"
testing_grep "no name in the URL" "mc pull-tar $H/good/" "cannot make an image name of"

# --- kill -9 during a pull: no image; the next pull removes the temp ---
skipping || {
	# (not through mc: $! must be the pull itself, not a subshell)
	"$MACHBOX" machinectl --verify=no pull-tar $H/slow/good/rootfs.tar k9 2>"$TEST_TMP/k9.log" &
	K9=$!
	BG_PIDS="$BG_PIDS $K9"
	if wait_for 15 grep -q '^Downloaded .* of .* ([0-9]*%)$' "$TEST_TMP/k9.log"; then
		pass "a plain progress line off a terminal"
	else
		fail "a plain progress line off a terminal" "$(cat "$TEST_TMP/k9.log")"
	fi
	kill -9 $K9
	wait $K9 2>/dev/null
	TMPS=$(ls -A "$STORE" | grep '^\.#k9\.' | tr '\n' ' ')
	if [ -n "$TMPS" ] && [ ! -e "$STORE/k9" ]; then
		pass "kill -9: the temp image stays, nothing under NAME"
	else
		fail "kill -9: the temp image stays, nothing under NAME" "store: $(store)"
	fi
	# the unpacking child sees the end of the pipe and exits, unlocking it
	wait_for 10 sh -c "for t in $STORE/.#k9.*; do flock -n -x \"\$t\" true || exit 1; done"
}
testing "the next pull removes the temp image" \
	"mc -q --verify=no pull-tar $H/good/rootfs.tar.gz k9; ls -A $STORE | grep -c '^\.#'" "0"
testing "and installs its own" "boots k9" "ok"
testing "no temp image left at the end" "ls -A $STORE | grep -c '^\.#'" "0"
