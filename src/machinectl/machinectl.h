#ifndef MACHBOX_MACHINECTL_H
#define MACHBOX_MACHINECTL_H

#include <stdbool.h>
#include <stdint.h>

/* Every option of machinectl in one struct, passed to each verb. */
struct mctl_opts {
	bool legend, value, all, full, quiet, read_only, mkdir, force, now, follow, json;
	const char *props[16];
	unsigned n_props;
	const char *env[64];
	unsigned n_env;
	const char *kill_whom, *uid, *verify, *escape;
	const char *private_users;	/* import-tar, pull-tar: pick or BASE */
	int signal, max_addresses;
	long lines;
};

/* Verbs: fn(argc, argv, struct mctl_opts *) with argv[0] the verb */
int verb_unavailable(int argc, char **argv, void *ctx);
/* src/machinectl/machines.c: through machined (CFG_MACHINED) */
int verb_list(int argc, char **argv, void *ctx);
int verb_status(int argc, char **argv, void *ctx);
int verb_show(int argc, char **argv, void *ctx);
int verb_start(int argc, char **argv, void *ctx);
int verb_poweroff(int argc, char **argv, void *ctx);
int verb_reboot(int argc, char **argv, void *ctx);
int verb_terminate(int argc, char **argv, void *ctx);
int verb_kill(int argc, char **argv, void *ctx);
int verb_enable(int argc, char **argv, void *ctx);
int verb_disable(int argc, char **argv, void *ctx);
/* src/machinectl/enter.c, copy.c: into a running machine (setns) */
int verb_shell(int argc, char **argv, void *ctx);
int verb_login(int argc, char **argv, void *ctx);
int verb_copy_to(int argc, char **argv, void *ctx);
int verb_copy_from(int argc, char **argv, void *ctx);
int verb_bind(int argc, char **argv, void *ctx);
/* src/machinectl/user.c: clone and remove, through machined for users */
int verb_clone_any(int argc, char **argv, void *ctx);
int verb_remove_any(int argc, char **argv, void *ctx);
/* src/machinectl/console.c: the monitor's console */
int verb_console(int argc, char **argv, void *ctx);
int verb_logs(int argc, char **argv, void *ctx);
/* src/image/ (CFG_IMAGES) */
int verb_list_images(int argc, char **argv, void *ctx);
int verb_image_status(int argc, char **argv, void *ctx);
int verb_show_image(int argc, char **argv, void *ctx);
int verb_clone(int argc, char **argv, void *ctx);
int verb_rename(int argc, char **argv, void *ctx);
int verb_remove(int argc, char **argv, void *ctx);
int verb_read_only(int argc, char **argv, void *ctx);
int verb_clean(int argc, char **argv, void *ctx);
int verb_import_fs(int argc, char **argv, void *ctx);
int verb_import_raw(int argc, char **argv, void *ctx);
int verb_export_raw(int argc, char **argv, void *ctx);
/* src/archive/ (CFG_ARCHIVE) */
int verb_import_tar(int argc, char **argv, void *ctx);
int verb_export_tar(int argc, char **argv, void *ctx);
/* --private-users= of import-tar and pull-tar: the uid range for image
 * NAME reserved (nothing without the option), its base in *base (0
 * without).  0, or the exit code with the error printed. */
struct userns;
int import_userns_begin(const struct mctl_opts *o, const char *verb, const char *name,
			struct userns *u, uint32_t *base);
/* the range released; SKIPPED device nodes were left out: one warning */
void import_userns_end(struct userns *u, uint64_t skipped);
/* src/pull/ (CFG_PULL) */
int verb_pull_tar(int argc, char **argv, void *ctx);
int verb_pull_raw(int argc, char **argv, void *ctx);

#endif
