/* A small classic-BPF seccomp filter, no library.  The list is a deny
 * list on an allow-by-default filter: container inits need nearly every
 * call, and the few that reach past the container are known. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fileio.h"
#include "machbox.h"
#include "nspawn/seccomp.h"

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__)
#define NATIVE_ARCH AUDIT_ARCH_ARM
#elif defined(__i386__)
#define NATIVE_ARCH AUDIT_ARCH_I386
#elif defined(__mips__) && defined(__MIPSEL__)
#define NATIVE_ARCH AUDIT_ARCH_MIPSEL
#elif defined(__mips__)
#define NATIVE_ARCH AUDIT_ARCH_MIPS
#else
#error "machbox's seccomp filter does not know this architecture"
#endif

struct sc {
	const char *name, *group;
	int nr;
};

/* Only calls this architecture has (musl's SYS_* say which). */
#define SC(n, g) { #n, g, SYS_##n },
static const struct sc table[] = {
#ifdef SYS_kexec_load
	SC(kexec_load, "@reboot")
#endif
#ifdef SYS_kexec_file_load
	SC(kexec_file_load, "@reboot")
#endif
	SC(init_module, "@module") SC(finit_module, "@module") SC(delete_module, "@module")
	SC(add_key, "@keyring") SC(keyctl, "@keyring") SC(request_key, "@keyring")
#ifdef SYS_settimeofday
	SC(settimeofday, "@clock")
#else
	{ "settimeofday", "@clock", SYS_settimeofday_time32 },
#endif
#ifdef SYS_clock_settime
	SC(clock_settime, "@clock")
#else
	{ "clock_settime", "@clock", SYS_clock_settime32 },
	SC(clock_settime64, "@clock")
#endif
#ifdef SYS_clock_adjtime64
	SC(clock_adjtime64, "@clock")
#endif
	SC(clock_adjtime, "@clock")
	SC(adjtimex, "@clock")
#ifdef SYS_stime
	SC(stime, "@clock")
#endif
	SC(swapon, "@swap") SC(swapoff, "@swap")
#ifdef SYS_iopl
	SC(iopl, "@raw-io")
#endif
#ifdef SYS_ioperm
	SC(ioperm, "@raw-io")
#endif
#ifdef SYS_pciconfig_read
	SC(pciconfig_read, "@raw-io") SC(pciconfig_write, "@raw-io")
#endif
	SC(open_by_handle_at, "") SC(acct, "") SC(syslog, "") SC(perf_event_open, "")
#ifdef SYS_lookup_dcookie
	SC(lookup_dcookie, "")
#endif
	SC(quotactl, "") SC(bpf, "") SC(userfaultfd, "")
	/* names only a filter spec may deny: common calls, allowed by default */
	SC(ptrace, "-") SC(mount, "-") SC(umount2, "-") SC(unshare, "-") SC(setns, "-")
	SC(pivot_root, "-") SC(chroot, "-") SC(personality, "-") SC(reboot, "-")
	SC(process_vm_readv, "-") SC(process_vm_writev, "-") SC(sethostname, "-")
	SC(setdomainname, "-") SC(mknodat, "-") SC(io_uring_setup, "-") SC(fanotify_init, "-")
	SC(name_to_handle_at, "-") SC(vhangup, "-") SC(kcmp, "-")
};
#undef SC

static bool denied(const struct syscall_filter *f, int nr)
{
	unsigned i;

	for (i = 0; i < f->n; i++)
		if (f->deny[i] == nr)
			return true;
	return false;
}

static void deny(struct syscall_filter *f, int nr)
{
	if (!denied(f, nr) && f->n < SECCOMP_MAX_RULES)
		f->deny[f->n++] = nr;
}

static void allow(struct syscall_filter *f, int nr)
{
	unsigned i;

	for (i = 0; i < f->n; i++)
		if (f->deny[i] == nr)
			f->deny[i--] = f->deny[--f->n];
}

void syscall_filter_default(struct syscall_filter *f)
{
	size_t i;

	f->n = 0;
	for (i = 0; i < ARRAY_SIZE(table); i++)
		if (strcmp(table[i].group, "-"))
			deny(f, table[i].nr);
}

/* NAME or @GROUP: calls fn on each number; 0 matched, -EINVAL none */
static int each(struct syscall_filter *f, const char *word, void (*fn)(struct syscall_filter *, int))
{
	size_t i;
	int found = 0;

	for (i = 0; i < ARRAY_SIZE(table); i++)
		if (word[0] == '@' ? !strcmp(word, table[i].group) : !strcmp(word, table[i].name)) {
			fn(f, table[i].nr);
			found = 1;
		}
	return found ? 0 : -EINVAL;
}

int syscall_filter_parse(struct syscall_filter *f, const char *spec, char *err, size_t errlen)
{
	void (*fn)(struct syscall_filter *, int) = allow;
	char buf[1024], *save = NULL, *w;

	if (*spec == '~') {
		fn = deny;
		spec++;
	}
	if (strlcpy_mb(buf, spec, sizeof(buf)) >= sizeof(buf))
		return -E2BIG;
	for (w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		if (each(f, w, fn) < 0) {
			snprintf(err, errlen, "unknown system call or group '%s'", w);
			return -EINVAL;
		}
	return 0;
}

#define STMT(code, k) ((struct sock_filter)BPF_STMT(code, k))
#define JUMP(code, k, jt, jf) ((struct sock_filter)BPF_JUMP(code, k, jt, jf))

/* Another architecture's calls (x32, i386 on x86_64, arm on arm64) would
 * pass with other numbers: they get ENOSYS, as under systemd-nspawn. */
int syscall_filter_install(const struct syscall_filter *f)
{
	struct sock_filter prog[8 + SECCOMP_MAX_RULES * 2];
	struct sock_fprog fp = { .filter = prog };
	unsigned n = 0, i;

	prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0);
	prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
	/* x32 calls carry this bit on the x86_64 arch value */
	prog[n++] = JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1);
	prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
#endif
	for (i = 0; i < f->n; i++) {
		prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)f->deny[i], 0, 1);
		prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
	}
	prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	fp.len = (unsigned short)n;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0) < 0)
		return -errno;
	return 0;
}

int syscall_filter_save(const struct syscall_filter *f, const char *path)
{
	char text[SECCOMP_MAX_RULES * 12 + 2], tmp[4096];
	size_t len = 0;
	unsigned i;
	int r;

	for (i = 0; i < f->n; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%d ", f->deny[i]);
	text[len] = '\n';
	text[len + 1] = 0;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	r = write_file_at(AT_FDCWD, tmp, text, O_CREAT | O_TRUNC, 0600);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

int syscall_filter_load(struct syscall_filter *f, const char *path)
{
	char text[SECCOMP_MAX_RULES * 12 + 2], *p, *end;
	int r = read_file_at(AT_FDCWD, path, text, sizeof(text));
	long nr;

	if (r < 0)
		return r;
	f->n = 0;
	for (p = text; *p; p = end) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		nr = strtol(p, &end, 10);
		if (end == p || nr < 0 || nr > 0xffff || f->n == SECCOMP_MAX_RULES)
			return -EBADMSG;
		f->deny[f->n++] = (int)nr;
	}
	return 0;
}
