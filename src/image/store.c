/* Discovery of the images in $MACHBOX_ROOT/var/lib/machines: directories,
 * btrfs subvolumes and NAME.raw files; names starting with '.' are hidden,
 * ".#" ones are temp images and no images at all. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/stat.h>

#include "machbox.h"
#include "fileio.h"
#include "image/fsops.h"
#include "image/store.h"

int image_store_dir(char *buf, size_t len)
{
	char parent[4096];
	int r = root_path(parent, sizeof(parent), "/var/lib");

	if (r < 0)
		return r;
	r = mkdir_p(parent, 0755);
	if (r < 0)
		return r;
	r = root_path(buf, len, STORE_PATH);
	if (r < 0)
		return r;
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int store_open(bool create)
{
	char path[4096];
	int r = create ? image_store_dir(path, sizeof(path)) : root_path(path, sizeof(path), STORE_PATH);
	int fd;

	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

const char *image_type_name(enum image_type t)
{
	static const char *const names[] = { "directory", "subvolume", "raw" };

	return (unsigned)t < ARRAY_SIZE(names) ? names[t] : "unknown";
}

const char *image_entry(const struct image *img)
{
	const char *s = strrchr(img->path, '/');

	return s ? s + 1 : img->path;
}

int image_open(const struct image *img)
{
	int fd = open(img->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
		      (img->type == IMAGE_RAW ? 0 : O_DIRECTORY));

	return fd < 0 ? -errno : fd;
}

int image_lock(const struct image *img, int how)
{
	int fd = image_open(img);

	if (fd < 0)
		return fd;
	if (flock(fd, how | LOCK_NB) < 0) {
		int e = errno;

		close(fd);
		return e == EWOULDBLOCK ? -EBUSY : -e;
	}
	return fd;
}

bool image_ro_fd(int fd, enum image_type type)
{
	struct statvfs sv;
	struct stat st;
	bool ro = false;

	if (fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY))
		return true;
	if (type == IMAGE_SUBVOLUME && btrfs_subvol_get_ro(fd, &ro) == 0 && ro)
		return true;
	if (type == IMAGE_RAW && fstat(fd, &st) == 0 && !(st.st_mode & 0222))
		return true;
	return fs_is_immutable(fd);
}

int image_set_ro_fd(int fd, enum image_type type, bool ro)
{
	struct stat st;

	switch (type) {
	case IMAGE_SUBVOLUME:
		return btrfs_subvol_set_ro(fd, ro);
	case IMAGE_RAW:
		if (fstat(fd, &st) < 0)
			return -errno;
		/* as systemd: keep the read bits, the owner's write bit is the switch */
		return fchmod(fd, (st.st_mode & 0444) | (ro ? 0 : 0200)) < 0 ? -errno : 0;
	default:
		return fs_set_immutable(fd, ro);
	}
}

static uint64_t usec(const struct statx_timestamp *t)
{
	return (uint64_t)t->tv_sec * 1000000 + t->tv_nsec / 1000;
}

/* systemd shows no modification time for trees: the top directory's mtime
 * says nothing about the tree */
static void read_times(int fd, struct image *img)
{
	struct statx sx;

	if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_BTIME | STATX_MTIME, &sx) < 0)
		return;
	if ((sx.stx_mask & STATX_BTIME) && sx.stx_btime.tv_sec > 0)
		img->crtime = usec(&sx.stx_btime);
	if (img->type == IMAGE_RAW)
		img->mtime = usec(&sx.stx_mtime);
}

/* entry of the store -> image; -ENOENT for what is no image */
static int image_fill(int storefd, const char *entry, struct image *img)
{
	char store[4096];
	struct stat st;
	size_t len = strlen(entry);
	int fd;

	memset(img, 0, sizeof(*img));
	if (fstatat(storefd, entry, &st, 0) < 0)
		return -errno;
	if (S_ISREG(st.st_mode) && endswith(entry, ".raw") && len - 4 < sizeof(img->name)) {
		memcpy(img->name, entry, len - 4);
		img->type = IMAGE_RAW;
	} else if (S_ISDIR(st.st_mode) && len < sizeof(img->name)) {
		memcpy(img->name, entry, len + 1);
	} else {
		return -ENOENT;
	}
	if (!image_name_valid(img->name) || root_path(store, sizeof(store) - 80, STORE_PATH) < 0)
		return -ENOENT;
	/* the entry is short (a valid name): the path fits */
	snprintf(img->path, sizeof(img->path), "%.4000s/%.80s", store, entry);
	img->hidden = img->name[0] == '.';
	img->usage = UINT64_MAX;
	fd = openat(storefd, entry, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (img->type != IMAGE_RAW && btrfs_is_subvol(fd))
		img->type = IMAGE_SUBVOLUME;
	img->read_only = image_ro_fd(fd, img->type);
	read_times(fd, img);
	close(fd);
	return 0;
}

int image_find(const char *name, struct image *img)
{
	char raw[80];
	int storefd, r;

	if (!image_name_valid(name))
		return -EINVAL;
	storefd = store_open(false);
	if (storefd < 0)
		return storefd == -ENOENT ? -ENOENT : storefd;
	r = image_fill(storefd, name, img);
	if (r == -ENOENT || r == -ENOTDIR) {
		snprintf(raw, sizeof(raw), "%s.raw", name);
		r = image_fill(storefd, raw, img);
		if (r == 0 && strcmp(img->name, name))
			r = -ENOENT;
	}
	close(storefd);
	return r == -ENOTDIR ? -ENOENT : r;
}

static int cmp_image(const void *a, const void *b)
{
	return strcmp(((const struct image *)a)->name, ((const struct image *)b)->name);
}

int image_list(bool all, struct image **list, size_t *n)
{
	struct image *v = NULL, img;
	size_t cap = 0;
	struct dirent *de;
	DIR *d;
	int fd = store_open(false);

	*list = NULL;
	*n = 0;
	if (fd == -ENOENT)
		return 0;
	if (fd < 0 || !(d = fdopendir(fd)))
		return fd < 0 ? fd : (close(fd), -errno);
	while ((de = readdir(d))) {
		if (image_fill(dirfd(d), de->d_name, &img) < 0 || (img.hidden && !all))
			continue;
		if (*n == cap) {
			struct image *nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[(*n)++] = img;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_image);
	*list = v;
	return 0;
}

void image_usage(struct image *img)
{
	int fd = image_open(img);

	img->usage = fd < 0 ? UINT64_MAX : tree_usage(fd);
	if (fd >= 0)
		close(fd);
}

static void settings_paths(const char *name, char paths[3][4200])
{
	static const char *const dirs[] = { STORE_PATH, "/etc/systemd/nspawn", "/run/systemd/nspawn" };
	char base[4096];
	size_t i;

	for (i = 0; i < 3; i++) {
		if (root_path(base, sizeof(base), dirs[i]) < 0)
			base[0] = 0;
		snprintf(paths[i], sizeof(paths[i]), "%s/%s.nspawn", base, name);
	}
}

void settings_rename(const char *name, const char *new_name)
{
	char from[3][4200], to[3][4200];
	int i;

	settings_paths(name, from);
	settings_paths(new_name, to);
	for (i = 0; i < 3; i++)
		(void)rename(from[i], to[i]);
}

void settings_remove(const char *name)
{
	char paths[3][4200];
	int i;

	settings_paths(name, paths);
	for (i = 0; i < 3; i++)
		(void)unlink(paths[i]);
}
