/* The container's system call filter (DESIGN.md §8): what systemd-nspawn
 * keeps from containers by default — the kernel keyring, module loading,
 * kexec, clock setting, swap, raw I/O, handles that walk around the
 * mount tree — answers EPERM; everything else is allowed. */
#ifndef MACHBOX_NSPAWN_SECCOMP_H
#define MACHBOX_NSPAWN_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>

#define SECCOMP_MAX_RULES 96

struct syscall_filter {
	int deny[SECCOMP_MAX_RULES];	/* syscall numbers of this architecture */
	unsigned n;
};

/* the default deny list */
void syscall_filter_default(struct syscall_filter *f);
/* --system-call-filter=: "NAME..." allows these (drops them from the deny
 * list), "~NAME..." denies these too; @clock, @module, @keyring, @swap,
 * @raw-io and @reboot name groups.  -EINVAL for an unknown name (err names
 * it). */
int syscall_filter_parse(struct syscall_filter *f, const char *spec, char *err, size_t errlen);
/* installs it in the calling process (needs CAP_SYS_ADMIN or no_new_privs) */
int syscall_filter_install(const struct syscall_filter *f);
/* The machine's filter kept on the host (MACHBOX_FILTER_DIR/NAME, text
 * "NR NR ...") for the processes that join it later: a shell has no less
 * of a filter than the init it joins.  save replaces PATH atomically;
 * load gives -ENOENT when there is none, -EBADMSG when it is not ours. */
int syscall_filter_save(const struct syscall_filter *f, const char *path);
int syscall_filter_load(struct syscall_filter *f, const char *path);

#endif
