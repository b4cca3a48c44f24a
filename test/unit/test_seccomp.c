/* The deny list of the container's system call filter */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>

#include "machbox.h"
#include "nspawn/seccomp.h"
#include "tap.h"

static int has(const struct syscall_filter *f, int nr)
{
	unsigned i;

	for (i = 0; i < f->n; i++)
		if (f->deny[i] == nr)
			return 1;
	return 0;
}

int main(void)
{
	struct syscall_filter f;
	char err[128] = "";
	unsigned n;

	syscall_filter_default(&f);
	ok(has(&f, SYS_keyctl) && has(&f, SYS_add_key), "the keyring is denied");
	ok(has(&f, SYS_init_module) && has(&f, SYS_finit_module), "module loading is denied");
	ok(has(&f, SYS_clock_settime) && has(&f, SYS_settimeofday), "clock setting is denied");
	ok(has(&f, SYS_open_by_handle_at), "open_by_handle_at is denied");
	ok(!has(&f, SYS_reboot), "reboot stays: the kernel keeps it inside the namespace");
	ok(!has(&f, SYS_mount) && !has(&f, SYS_ptrace), "mount and ptrace stay");
	n = f.n;
	is_int(syscall_filter_parse(&f, "@keyring settimeofday", err, sizeof(err)), 0, "allow a group and a call");
	ok(!has(&f, SYS_keyctl) && !has(&f, SYS_request_key) && !has(&f, SYS_settimeofday), "they are allowed");
	is_int(f.n, n - 4, "four fewer rules");
	is_int(syscall_filter_parse(&f, "~ptrace @keyring", err, sizeof(err)), 0, "deny a call and a group");
	ok(has(&f, SYS_ptrace) && has(&f, SYS_keyctl), "they are denied");
	is_int(syscall_filter_parse(&f, "~ptrace", err, sizeof(err)), 0, "denying twice");
	is_int(f.n, n - 4 + 1 + 3, "adds no duplicate");
	is_int(syscall_filter_parse(&f, "frobnicate", err, sizeof(err)), -EINVAL, "an unknown name");
	ok(strstr(err, "'frobnicate'") != NULL, "is named: %s", err);
	is_int(syscall_filter_parse(&f, "@nosuchgroup", err, sizeof(err)), -EINVAL, "an unknown group");
	return tap_done();
}
