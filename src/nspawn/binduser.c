/* BindUser=: the host user, its home and its uid, in the guest.  Host
 * users are read from $MACHBOX_ROOT/etc/passwd and group (the host's own
 * files when that is /), the guest's from the image, never through NSS:
 * the monitor is static and the image is not ours to trust. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "fileio.h"
#include "inroot.h"
#include "machbox.h"
#include "nspawn/binduser.h"
#include "nspawn/container.h"

#define HOST_HOME "/run/host/home/"
#define USERDB "/run/host/userdb"

static bool user_name_valid(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");

	return *s && n == strlen(s) && n <= 32 && *s != '-' && *s != '.' && (*s < '0' || *s > '9');
}

int nspawn_add_bind_user(struct nspawn_opts *o, const char *name)
{
	unsigned i;

	if (!user_name_valid(name))
		return -EINVAL;
	for (i = 0; i < o->n_bind_users; i++)
		if (!strcmp(o->bind_users[i], name))
			return 0;
	if (o->n_bind_users >= NSPAWN_MAX_BIND_USERS)
		return -E2BIG;
	o->bind_users[o->n_bind_users] = NULL;
	if (replace_str(&o->bind_users[o->n_bind_users], name) < 0)
		return -ENOMEM;
	o->n_bind_users++;
	return 0;
}

/* --- the databases --- */

static FILE *open_db(int rootfd, const char *path)
{
	char buf[512];
	int fd;

	if (rootfd >= 0) {
		fd = open_in_root(rootfd, path, O_RDONLY | O_CLOEXEC, 0);
		return fd < 0 ? NULL : fdopen(fd, "r");
	}
	if (root_path(buf, sizeof(buf), path) < 0)
		return NULL;
	return fopen(buf, "re");
}

/* The first entry named NAME or with an id in LO..LO+N-1 of a passwd
 * (GROUP false) or group file; 1 found, 0 not; *pw or *gr points into
 * libc's static entry. */
static int db_find(FILE *f, bool group, const char *name, uint32_t lo, uint32_t n,
		   struct passwd **pw, struct group **gr)
{
	struct passwd *p = NULL;
	struct group *g = NULL;

	if (!f)
		return 0;
	rewind(f);
	for (;;) {
		if (group && !(g = fgetgrent(f)))
			return 0;
		if (!group && !(p = fgetpwent(f)))
			return 0;
		if ((name && !strcmp(group ? g->gr_name : p->pw_name, name)) ||
		    (group ? g->gr_gid : p->pw_uid) - lo < n)
			break;
	}
	if (pw)
		*pw = p;
	if (gr)
		*gr = g;
	return 1;
}

bool host_ids_in(uint32_t lo, uint32_t n)
{
	FILE *pw = open_db(-1, "/etc/passwd"), *gr = open_db(-1, "/etc/group");
	bool hit = db_find(pw, false, NULL, lo, n, NULL, NULL) || db_find(gr, true, NULL, lo, n, NULL, NULL);

	if (pw)
		fclose(pw);
	if (gr)
		fclose(gr);
	return hit;
}

/* --- the monitor --- */

/* host and guest passwd and group files */
enum { HPW, HGR, GPW, GGR, N_DBS };
struct dbs {
	FILE *f[N_DBS];
};

static uint32_t free_uid(const struct dbs *d, const struct userns *u, uint32_t from)
{
	uint32_t id;
	unsigned i;

	for (id = from; id <= BINDUSER_UID_MAX && id < u->range; id++) {
		for (i = 0; i < u->n_users && u->users[i].uid != id; i++)
			;
		if (i == u->n_users && !db_find(d->f[GPW], false, NULL, id, 1, NULL, NULL) &&
		    !db_find(d->f[GGR], true, NULL, id, 1, NULL, NULL))
			return id;
	}
	return 0;
}

/* the home bound at /run/host/home/NAME, as one more --bind */
static int add_home(struct nspawn_opts *o, const char *home, const char *name)
{
	struct custom_mount *m;

	if (o->n_mounts >= NSPAWN_MAX_MOUNTS)
		return -E2BIG;
	m = &o->mounts[o->n_mounts];
	memset(m, 0, sizeof(*m));
	m->kind = MNT_BIND;
	m->recursive = true;
	if (asprintf(&m->dest, HOST_HOME "%s", name) < 0 || !(m->source = strdup(home))) {
		custom_mount_free(m);
		return -ENOMEM;
	}
	o->n_mounts++;
	return 0;
}

/* NULL, or why NAME cannot be bound */
static const char *bind_one(struct container *c, const struct dbs *d, const char *name, uint32_t *next)
{
	struct userns *u = &c->userns;
	struct bound_user *b = &u->users[u->n_users];
	struct passwd *pw = NULL;
	struct group *gr = NULL;
	int r;

	if (!db_find(d->f[HPW], false, name, 0, 0, &pw, NULL))
		return "no such user on the host";
	if (pw->pw_uid == 0 || pw->pw_uid == 65534)
		return "root and nobody cannot be bound";
	if (pw->pw_uid - u->shift < u->range || pw->pw_gid - u->shift < u->range)
		return "its uid lies in the container's range";
	if (pw->pw_dir[0] != '/' || strlen(pw->pw_shell) >= sizeof(b->shell) || strpbrk(pw->pw_shell, "\"\\"))
		return "no usable home or shell";
	b->host_uid = pw->pw_uid;
	b->host_gid = pw->pw_gid;
	strlcpy_mb(b->name, name, sizeof(b->name));
	/* the guest's shell when it has the host user's, else its /bin/sh */
	r = pw->pw_shell[0] ? open_in_root(c->rootfd, pw->pw_shell, O_PATH | O_CLOEXEC, 0) : -ENOENT;
	strlcpy_mb(b->shell, r >= 0 ? pw->pw_shell : "/bin/sh", sizeof(b->shell));
	if (r >= 0)
		close(r);
	if (add_home(c->o, pw->pw_dir, name) < 0)
		return "too many mounts";
	/* systemd's rule: one user, one private group of the same name */
	if (!db_find(d->f[HGR], true, NULL, b->host_gid, 1, NULL, &gr) || strcmp(gr->gr_name, name))
		return "no private group of its name on the host";
	if (db_find(d->f[GPW], false, name, 0, 0, NULL, NULL) || db_find(d->f[GGR], true, name, 0, 0, NULL, NULL))
		return "the name exists in the container";
	b->uid = free_uid(d, u, *next);
	if (!b->uid)
		return "no free uid in 60514..60577 in the container";
	*next = b->uid + 1;
	u->n_users++;
	return NULL;
}

/* nss-systemd reads /run/host/userdb; without it, the files must say it */
static bool guest_reads_userdb(int rootfd)
{
	int fd = open_in_root(rootfd, "/etc/nsswitch.conf", O_RDONLY | O_CLOEXEC, 0);
	char buf[4096];
	const char *p;
	ssize_t n;

	if (fd < 0)
		return false;
	n = read_all(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	for (p = buf; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (startswith(p, "passwd:"))
			return memmem(p, (size_t)(strchrnul(p, '\n') - p), "systemd", 7) != NULL;
	return false;
}

int binduser_prepare(struct container *c)
{
	struct nspawn_opts *o = c->o;
	const char *why = NULL;
	struct dbs d;
	uint32_t next = BINDUSER_UID_MIN;
	unsigned i;
	int r = 0;

	c->userns.n_users = 0;
	if (!o->n_bind_users)
		return 0;
	if (!userns_on(&c->userns))
		return msg("--bind-user= needs a user namespace (--private-users=)"), EXIT_FAIL;
	d.f[HPW] = open_db(-1, "/etc/passwd");
	d.f[HGR] = open_db(-1, "/etc/group");
	d.f[GPW] = open_db(c->rootfd, "/etc/passwd");
	d.f[GGR] = open_db(c->rootfd, "/etc/group");
	for (i = 0; !why && i < o->n_bind_users; i++)
		why = bind_one(c, &d, o->bind_users[i], &next);
	if (why)
		r = (msg("BindUser=%s: %s", o->bind_users[i - 1], why), EXIT_FAIL);
	c->userns.passwd_copy = !guest_reads_userdb(c->rootfd);
	for (i = 0; i < N_DBS; i++)
		if (d.f[i])
			fclose(d.f[i]);
	return r;
}

/* --- the child --- */

static int write_in(int rootfd, const char *path, const char *text, mode_t mode)
{
	int fd = make_in_root(rootfd, path, 0, mode), r;

	if (fd < 0)
		return fd;
	close(fd);
	fd = open_in_root(rootfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	r = write_all(fd, text, strlen(text));
	close(fd);
	return r;
}

/* USERDB/NAME.SUFFIX holding JSON, and the link ID.SUFFIX to it */
static int write_record(int rootfd, const char *name, unsigned id, const char *suffix, const char *json)
{
	char path[128], link[32];
	int r, dir;

	snprintf(path, sizeof(path), USERDB "/%s.%s", name, suffix);
	r = write_in(rootfd, path, json, 0644);
	dir = r < 0 ? r : open_in_root(rootfd, USERDB, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (dir < 0)
		return dir;
	snprintf(link, sizeof(link), "%u.%s", id, suffix);
	r = symlinkat(path + sizeof(USERDB), dir, link) < 0 ? -errno : 0;
	close(dir);
	return r;
}

static int write_records(int rootfd, const struct bound_user *b)
{
	char json[512];
	int r;

	snprintf(json, sizeof(json),
		 "{\"userName\":\"%s\",\"uid\":%u,\"gid\":%u,\"homeDirectory\":\"" HOST_HOME "%s\","
		 "\"shell\":\"%s\",\"service\":\"io.systemd.NSpawn\"}\n",
		 b->name, b->uid, b->uid, b->name, b->shell);
	r = write_record(rootfd, b->name, b->uid, "user", json);
	snprintf(json, sizeof(json), "{\"groupName\":\"%s\",\"gid\":%u,\"service\":\"io.systemd.NSpawn\"}\n",
		 b->name, b->uid);
	return r < 0 ? r : write_record(rootfd, b->name, b->uid, "group", json);
}

/* /run/host/NAME: the image's /etc/NAME and our lines, bound over it */
static int bind_db(int rootfd, const struct userns *u, const char *name)
{
	char etc[32], run[32], fdp[32], *text;
	size_t len;
	unsigned i;
	int fd, r;

	snprintf(etc, sizeof(etc), "/etc/%s", name);
	snprintf(run, sizeof(run), "/run/host/%s", name);
	text = malloc(256 * 1024);
	if (!text)
		return -ENOMEM;
	fd = open_in_root(rootfd, etc, O_RDONLY | O_CLOEXEC, 0);
	r = fd < 0 ? 0 : (int)read_all(fd, text, 255 * 1024);
	if (fd >= 0)
		close(fd);
	len = r > 0 ? (size_t)r : 0;
	if (len && text[len - 1] != '\n')
		text[len++] = '\n';
	for (i = 0; r >= 0 && i < u->n_users; i++) {
		const struct bound_user *b = &u->users[i];

		if (name[0] == 'p')
			len += (size_t)snprintf(text + len, 256 * 1024 - len, "%s:x:%u:%u:%s:" HOST_HOME "%s:%s\n",
						b->name, b->uid, b->uid, b->name, b->name, b->shell);
		else
			len += (size_t)snprintf(text + len, 256 * 1024 - len, "%s:x:%u:\n", b->name, b->uid);
	}
	text[len] = 0;
	r = r < 0 ? r : write_in(rootfd, run, text, 0644);
	free(text);
	fd = r < 0 ? r : open_in_root(rootfd, run, O_PATH | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	r = make_in_root(rootfd, etc, 0, 0644);
	if (r >= 0) {
		char dst[32];

		if (mount(fd_path(fd, fdp), fd_path(r, dst), NULL, MS_BIND, NULL) < 0) {
			close(r);
			r = -errno;
		} else {
			close(r);
			r = 0;
		}
	}
	close(fd);
	return r;
}

int binduser_setup(struct container *c, const char **what)
{
	const struct userns *u = &c->userns;
	unsigned i;
	int r;

	if (!u->n_users)
		return 0;
	*what = "cannot write the user records in " USERDB;
	r = make_in_root(c->rootfd, USERDB, 1, 0755);
	if (r < 0)
		return r;
	close(r);
	for (i = 0; i < u->n_users; i++) {
		r = write_records(c->rootfd, &u->users[i]);
		if (r < 0)
			return r;
	}
	if (!u->passwd_copy)
		return 0;
	*what = "cannot add the bound users to /etc/passwd";
	r = bind_db(c->rootfd, u, "passwd");
	if (r == 0) {
		*what = "cannot add the bound users to /etc/group";
		r = bind_db(c->rootfd, u, "group");
	}
	return r;
}
