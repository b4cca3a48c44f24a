/* Temp images: ".#NAME.XXXXXX" in the store, locked (flock LOCK_EX) by
 * the process writing them, renamed into place when complete.  A temp
 * image nobody holds a lock on is a leftover (power cut, kill -9) and is
 * removed by the next import or `machinectl clean`. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#include "machbox.h"
#include "image/fsops.h"
#include "image/store.h"

/* the temp images this process is writing, and the fd holding each lock */
static struct tmp_lock {
	char entry[96];
	int fd;
	bool used;
} locks[8];

static struct tmp_lock *lock_of(const char *tmp_path)
{
	const char *base = strrchr(tmp_path, '/');
	size_t i;

	base = base ? base + 1 : tmp_path;
	for (i = 0; i < ARRAY_SIZE(locks); i++)
		if (locks[i].used && !strcmp(locks[i].entry, base))
			return &locks[i];
	return NULL;
}

static int lock_add(int storefd, const char *entry)
{
	size_t i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(locks) && locks[i].used; i++)
		;
	if (i == ARRAY_SIZE(locks))
		return -EMFILE;
	fd = openat(storefd, entry, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return -EBUSY;
	}
	strlcpy_mb(locks[i].entry, entry, sizeof(locks[i].entry));
	locks[i].fd = fd;
	locks[i].used = true;
	return 0;
}

static void lock_drop(struct tmp_lock *l)
{
	if (l) {
		close(l->fd);
		l->used = false;
	}
}

/* ".#NAME.XXXXXX" with six random letters */
static void tmp_entry(const char *name, char *buf, size_t len)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[6] = { 0 };
	char sfx[7];
	size_t i;

	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) < 0)
		for (i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)((unsigned)getpid() * 31 + i * 7 + (unsigned)time(NULL));
	for (i = 0; i < 6; i++)
		sfx[i] = abc[rnd[i] % (sizeof(abc) - 1)];
	sfx[6] = 0;
	snprintf(buf, len, ".#%s.%s", name, sfx);
}

static int tmp_path(const char *entry, char *path, size_t len)
{
	char store[4096];
	int r = root_path(store, sizeof(store), STORE_PATH);

	if (r < 0)
		return r;
	return snprintf(path, len, "%s/%s", store, entry) >= (int)len ? -ENAMETOOLONG : 0;
}

static int tmp_make(int storefd, const char *entry, bool dir)
{
	int fd;

	if (!dir) {
		fd = openat(storefd, entry, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	}
	if (CFG_BTRFS && btrfs_is_fs(storefd) && btrfs_subvol_make(storefd, entry) == 0)
		return 0;
	return mkdirat(storefd, entry, 0755) < 0 ? -errno : 0;
}

/* make(): the maker of one candidate entry; retried on a name clash */
static int tmp_new(const char *name, char *path, size_t len,
		   int (*make)(int storefd, const char *entry, void *arg), void *arg)
{
	char entry[96];
	int storefd, r, tries;

	if (!image_name_valid(name))
		return -EINVAL;
	storefd = store_open(true);
	if (storefd < 0)
		return storefd;
	(void)tmp_clean(storefd, NULL, NULL);
	for (tries = 0; tries < 16; tries++) {
		tmp_entry(name, entry, sizeof(entry));
		r = make(storefd, entry, arg);
		if (r != -EEXIST)
			break;
	}
	if (r == 0 && (r = lock_add(storefd, entry)) < 0)
		(void)rm_tree_at(storefd, entry);
	if (r == 0 && (r = tmp_path(entry, path, len)) < 0)
		(void)image_discard(entry);
	close(storefd);
	return r;
}

static int make_plain(int storefd, const char *entry, void *arg)
{
	return tmp_make(storefd, entry, *(bool *)arg);
}

int image_tmp_create(const char *name, bool dir, char *path, size_t len)
{
	return tmp_new(name, path, len, make_plain, &dir);
}

struct snap_arg {
	int srcfd;
	bool ro;
};

static int make_snapshot(int storefd, const char *entry, void *arg)
{
	struct snap_arg *a = arg;

	return btrfs_subvol_snapshot(a->srcfd, storefd, entry, a->ro);
}

int image_tmp_snapshot(int srcfd, const char *name, bool read_only, char *path, size_t len)
{
	struct snap_arg a = { srcfd, read_only };

	return tmp_new(name, path, len, make_snapshot, &a);
}

int image_tmp_fd(const char *tmp_path)
{
	struct tmp_lock *l = lock_of(tmp_path);

	return l ? l->fd : -ENOENT;
}

int image_discard(const char *tmp_path)
{
	const char *base = strrchr(tmp_path, '/');
	int storefd = store_open(false), r;

	base = base ? base + 1 : tmp_path;
	if (storefd < 0)
		return storefd;
	r = rm_tree_at(storefd, base);
	lock_drop(lock_of(tmp_path));
	close(storefd);
	return r == -ENOENT ? 0 : r;
}

static int renameat2_mb(int fd, const char *from, const char *to, unsigned flags)
{
	return syscall(SYS_renameat2, fd, from, fd, to, flags) < 0 ? -errno : 0;
}

/* --force: the new image takes the old one's place in one rename (or two
 * when their kinds differ), and the old one is removed afterwards */
static int install_over(int storefd, const char *tmp, const char *entry, const struct image *old)
{
	const char *old_entry = image_entry(old);
	int lk, r;

	lk = image_lock(old, LOCK_EX);
	if (lk < 0)
		return lk;
	/* an immutable directory cannot be renamed */
	if (old->type == IMAGE_DIRECTORY)
		(void)fs_set_immutable(lk, false);
	if (!strcmp(old_entry, entry)) {
		r = renameat2_mb(storefd, tmp, entry, RENAME_EXCHANGE);
		if (r == 0)
			r = rm_tree_at(storefd, tmp);
	} else {
		r = renameat2_mb(storefd, tmp, entry, RENAME_NOREPLACE);
		if (r == 0)
			r = rm_tree_at(storefd, old_entry);
	}
	close(lk);
	return r;
}

static int install_entry(int storefd, const char *tmp, const char *name, bool force,
			 char *entry, size_t len)
{
	struct image old;
	struct stat st;
	int r;

	if (fstatat(storefd, tmp, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	snprintf(entry, len, "%s%s", name, S_ISDIR(st.st_mode) ? "" : ".raw");
	r = image_find(name, &old);
	if (r == -ENOENT)
		return renameat2_mb(storefd, tmp, entry, RENAME_NOREPLACE);
	if (r < 0)
		return r;
	if (!force)
		return -EEXIST;
	return install_over(storefd, tmp, entry, &old);
}

/* The immutable flag is set only after the rename (an immutable directory
 * cannot be renamed): whether the file system has it at all is found out
 * before, so that a --read-only install that cannot be read-only fails
 * with nothing installed. */
static int ro_probe(int storefd, const char *tmp)
{
	int fd = openat(storefd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), r;

	if (fd < 0)
		return errno == ENOTDIR ? 0 : -errno;	/* raw: a file mode */
	r = btrfs_is_subvol(fd) ? 0 : fs_set_immutable(fd, true);
	if (r == 0)
		(void)fs_set_immutable(fd, false);
	close(fd);
	return r;
}

int image_install(const char *tmp_path, const char *name, bool force, bool read_only)
{
	const char *tmp = strrchr(tmp_path, '/');
	struct image img;
	char entry[80];
	int storefd, r, fd;

	tmp = tmp ? tmp + 1 : tmp_path;
	if (!image_name_valid(name))
		return -EINVAL;
	storefd = store_open(false);
	if (storefd < 0)
		return storefd;
	r = read_only ? ro_probe(storefd, tmp) : 0;
	if (r == 0)
		r = install_entry(storefd, tmp, name, force, entry, sizeof(entry));
	close(storefd);
	if (r < 0)
		return r;
	lock_drop(lock_of(tmp_path));
	/* after the rename: an immutable directory could not be renamed */
	if (read_only && (r = image_find(name, &img)) == 0) {
		fd = image_open(&img);
		r = fd < 0 ? fd : image_set_ro_fd(fd, img.type, true);
		if (fd >= 0)
			close(fd);
	}
	return r;
}

static bool is_locked(int storefd, const char *entry)
{
	int fd = openat(storefd, entry, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	bool locked;

	if (fd < 0)
		return errno != ENOENT && errno != ELOOP;
	locked = flock(fd, LOCK_EX | LOCK_NB) < 0;
	close(fd);
	return locked;
}

int tmp_clean(int storefd, void (*removed)(const char *name, void *ud), void *ud)
{
	struct dirent *de;
	DIR *d;
	int fd = dup(storefd), n = 0, r = 0;

	if (fd < 0 || !(d = fdopendir(fd)))
		return fd < 0 ? -errno : (close(fd), -errno);
	while ((de = readdir(d))) {
		if (!startswith(de->d_name, ".#") || is_locked(storefd, de->d_name))
			continue;
		r = rm_tree_at(storefd, de->d_name);
		if (r < 0 && r != -ENOENT)
			break;
		r = 0;
		n++;
		if (removed)
			removed(de->d_name, ud);
	}
	closedir(d);
	return r < 0 ? r : n;
}
