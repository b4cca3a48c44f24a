/* nspawn: one container, built with raw syscalls, supervised until it ends.
 * The options of the command line and of .nspawn files meet in one struct. */
#ifndef MACHBOX_NSPAWN_H
#define MACHBOX_NSPAWN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "net/nat.h"

#define NSPAWN_MAX_MOUNTS 64
#define NSPAWN_MAX_ENV 128
#define NSPAWN_MAX_PORTS 16
#define NSPAWN_MAX_BIND_USERS 4

enum bind_kind { MNT_BIND, MNT_BIND_RO, MNT_TMPFS };

struct custom_mount {
	enum bind_kind kind;
	char *source;		/* host path (bind) or NULL (tmpfs) */
	char *dest;		/* path inside the container, absolute */
	char *options;		/* tmpfs options, or "rbind"/"norbind" for binds */
	bool recursive;
};

enum volatile_mode { VOLATILE_NO, VOLATILE_YES, VOLATILE_STATE, VOLATILE_OVERLAY };
enum console_mode { CONSOLE_AUTO, CONSOLE_INTERACTIVE, CONSOLE_READ_ONLY, CONSOLE_PASSIVE, CONSOLE_PIPE };
enum settings_mode { SETTINGS_YES, SETTINGS_NO, SETTINGS_TRUSTED, SETTINGS_OVERRIDE };
enum restart_policy { RESTART_NO, RESTART_ON_FAILURE, RESTART_ALWAYS };
enum resolv_mode {
	RESOLV_AUTO, RESOLV_OFF, RESOLV_COPY_HOST, RESOLV_BIND_HOST,
	RESOLV_REPLACE_HOST, RESOLV_DELETE,
};

/* Which settings were given on the command line: these win over .nspawn
 * files (systemd's SETTING_* mask). */
enum {
	SET_BOOT = 1u << 0, SET_PARAMETERS = 1u << 1, SET_ENV = 1u << 2,
	SET_USER = 1u << 3, SET_WORKDIR = 1u << 4, SET_KILL_SIGNAL = 1u << 5,
	SET_HOSTNAME = 1u << 6, SET_MOUNTS = 1u << 7, SET_READ_ONLY = 1u << 8,
	SET_VOLATILE = 1u << 9, SET_NETWORK = 1u << 10, SET_PRIVATE_USERS = 1u << 11,
	SET_RESOLV = 1u << 12, SET_LIMITS = 1u << 13, SET_SIGNALS = 1u << 14,
	SET_PORTS = 1u << 15, SET_SYSCALLS = 1u << 16, SET_BIND_USER = 1u << 17,
};

struct nspawn_opts {
	char *directory;	/* -D */
	char *image;		/* -i (raw images, later) */
	char *machine;		/* -M, defaults to the directory's base name */
	bool boot;		/* -b: run the guest's init */
	char **argv;		/* payload command or init parameters */
	int argc;
	char *user;		/* -u */
	char *chdir;
	char *env[NSPAWN_MAX_ENV];	/* NAME=VALUE */
	unsigned n_env;
	char *hostname;
	struct custom_mount mounts[NSPAWN_MAX_MOUNTS];
	unsigned n_mounts;
	bool read_only;
	enum volatile_mode volatile_mode;
	bool ephemeral;
	bool private_network;
	bool network_veth;		/* -n: ve-NAME <-> host0 */
	char *network_bridge;		/* the host side joins this bridge */
	char *network_zone;		/* ... or the managed bridge vz-ZONE */
	char *interfaces[4];		/* host interfaces moved in */
	unsigned n_interfaces;
	char *macvlans[4];		/* host interfaces given a macvlan inside */
	unsigned n_macvlans;
	struct port_forward ports[NSPAWN_MAX_PORTS];
	unsigned n_ports;
	char *syscall_filter[8];	/* --system-call-filter= specs, in order */
	unsigned n_syscall_filter;
	int kill_signal;	/* 0: from the init table */
	int poweroff_signal, reboot_signal;	/* 0: from the init table */
	enum console_mode console;
	enum settings_mode settings;
	enum resolv_mode resolv_conf;
	bool quiet;
	uint64_t memory_max, tasks_max;	/* UINT64_MAX: unset */
	uint64_t cpu_weight;		/* 0: unset */
	char *private_users;		/* raw PrivateUsers=, read by userns_prepare() */
	char *private_users_ownership;	/* raw PrivateUsersOwnership= */
	char *bind_users[NSPAWN_MAX_BIND_USERS];	/* BindUser= */
	unsigned n_bind_users;
	char *log_file;			/* console log (machined passes it) */
	int stop_timeout_s;		/* poweroff grace time before SIGKILL */
	enum restart_policy restart;	/* [Machbox] Restart=, used by machined */
	unsigned set_mask;		/* SET_* given on the command line */
};

void nspawn_opts_init(struct nspawn_opts *o);
void nspawn_opts_free(struct nspawn_opts *o);

/* Options parser of the command line; returns -1 to go on or an exit code.
 * Exposed for the unit tests. */
int nspawn_parse_args(struct nspawn_opts *o, int argc, char **argv);

/* "SRC[:DST[:OPTS]]" for --bind/--bind-ro; "PATH[:OPTS]" for --tmpfs */
int parse_bind_spec(const char *spec, enum bind_kind kind, struct custom_mount *m);
void custom_mount_free(struct custom_mount *m);

/* Setters shared by the command line and the settings files; -EINVAL for a
 * bad value, -E2BIG when a table is full, -EOPNOTSUPP for an unknown
 * property. */
int nspawn_env_add(struct nspawn_opts *o, const char *assignment);
int nspawn_add_mount(struct nspawn_opts *o, const char *spec, enum bind_kind kind);
int nspawn_set_property(struct nspawn_opts *o, const char *prop);
int nspawn_parse_volatile(const char *s, enum volatile_mode *ret);
int nspawn_parse_resolv(const char *s, enum resolv_mode *ret);
int nspawn_add_port(struct nspawn_opts *o, const char *spec);
/* --network-interface= / --network-macvlan=: -EINVAL, -E2BIG */
int nspawn_add_interface(struct nspawn_opts *o, const char *name, bool macvlan);
/* a --system-call-filter= spec, checked: -EINVAL (err says why), -E2BIG */
int nspawn_add_syscall_filter(struct nspawn_opts *o, const char *spec, char *err, size_t errlen);
/* veth, bridge or zone: the container gets a link, so its own netns */
bool nspawn_wants_link(const struct nspawn_opts *o);

#endif
