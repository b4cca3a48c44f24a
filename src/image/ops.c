/* Changing the images of the store: remove, rename, clone, read-only,
 * clean.  Each takes the image's lock first: a running machine holds it
 * (nspawn's flock on the image), and then nothing is changed. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/fs.h>

#include "machbox.h"
#include "image/fsops.h"
#include "image/store.h"

int image_remove(const struct image *img)
{
	int storefd, lk, r;

	lk = image_lock(img, LOCK_EX);
	if (lk < 0)
		return lk;
	storefd = store_open(false);
	if (storefd < 0) {
		close(lk);
		return storefd;
	}
	r = rm_tree_at(storefd, image_entry(img));
	close(storefd);
	close(lk);
	if (r == 0)
		settings_remove(img->name);
	return r;
}

static int new_name_free(const char *new_name)
{
	struct image other;
	int r;

	if (!image_name_valid(new_name))
		return -EINVAL;
	r = image_find(new_name, &other);
	return r == 0 ? -EEXIST : r == -ENOENT ? 0 : r;
}

int image_rename(const struct image *img, const char *new_name)
{
	char entry[80];
	bool immutable;
	int storefd, lk, r;

	r = new_name_free(new_name);
	if (r < 0)
		return r;
	lk = image_lock(img, LOCK_EX);
	if (lk < 0)
		return lk;
	storefd = store_open(false);
	if (storefd < 0) {
		close(lk);
		return storefd;
	}
	snprintf(entry, sizeof(entry), "%s%s", new_name, img->type == IMAGE_RAW ? ".raw" : "");
	/* an immutable (read-only) image cannot be renamed: lift, rename, restore */
	immutable = fs_is_immutable(lk);
	if (immutable)
		(void)fs_set_immutable(lk, false);
	r = syscall(SYS_renameat2, storefd, image_entry(img), storefd, entry, RENAME_NOREPLACE) < 0 ? -errno : 0;
	if (immutable)
		(void)fs_set_immutable(lk, true);
	close(storefd);
	close(lk);
	if (r == 0)
		settings_rename(img->name, new_name);
	return r;
}

int image_set_read_only(const struct image *img, bool read_only)
{
	int lk = image_lock(img, LOCK_EX), r;

	if (lk < 0)
		return lk;
	r = image_set_ro_fd(lk, img->type, read_only);
	close(lk);
	return r;
}

/* a copy of a tree into a new temp image, or a snapshot where the
 * source is a subvolume on the store's btrfs */
static int tmp_from_tree(int srcfd, const char *name, bool read_only, char *tmp, size_t len)
{
	int r, dfd;

	if (btrfs_is_subvol(srcfd) && image_tmp_snapshot(srcfd, name, read_only, tmp, len) == 0)
		return 0;
	r = image_tmp_create(name, true, tmp, len);
	if (r < 0)
		return r;
	dfd = image_tmp_fd(tmp);
	r = dfd < 0 ? dfd : copy_tree(srcfd, dfd);
	if (r < 0)
		(void)image_discard(tmp);
	return r;
}

/* clone: owner, times and xattrs kept; import: a new file of root's */
static int tmp_from_file(int srcfd, const char *name, bool read_only, bool clone,
			 char *tmp, size_t len)
{
	struct stat st;
	int r, out;

	if (fstat(srcfd, &st) < 0)
		return -errno;
	r = image_tmp_create(name, false, tmp, len);
	if (r < 0)
		return r;
	out = open(tmp, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (out < 0)
		r = -errno;
	else if (S_ISREG(st.st_mode))
		r = copy_file_data(srcfd, out);
	else
		r = copy_stream(srcfd, out, true);
	if (r == 0 && clone)
		r = copy_attrs_fd(srcfd, &st, out);
	/* a copy is writable unless asked otherwise, whatever the source was */
	if (r == 0 && fchmod(out, (S_ISREG(st.st_mode) ? st.st_mode & 0555 : 0444) |
			     (read_only ? 0 : 0200)) < 0)
		r = -errno;
	if (out >= 0 && close(out) < 0 && r == 0)
		r = -errno;
	if (r < 0)
		(void)image_discard(tmp);
	return r;
}

int image_clone(const struct image *img, const char *new_name, bool read_only)
{
	char tmp[4096];
	int r, fd;

	r = new_name_free(new_name);
	if (r < 0)
		return r;
	fd = image_open(img);
	if (fd < 0)
		return fd;
	if (img->type == IMAGE_RAW)
		r = tmp_from_file(fd, new_name, read_only, true, tmp, sizeof(tmp));
	else
		r = tmp_from_tree(fd, new_name, read_only, tmp, sizeof(tmp));
	close(fd);
	if (r < 0)
		return r;
	r = image_install(tmp, new_name, false, read_only);
	if (r < 0)
		(void)image_discard(tmp);
	return r;
}

int image_clean(bool all, void (*removed)(const char *name, void *ud), void *ud)
{
	struct image *list;
	size_t i, n;
	int storefd, count, r = 0;

	storefd = store_open(false);
	if (storefd == -ENOENT)
		return 0;
	if (storefd < 0)
		return storefd;
	count = tmp_clean(storefd, removed, ud);
	close(storefd);
	if (count < 0 || !all)
		return count;
	r = image_list(true, &list, &n);
	if (r < 0)
		return r;
	for (i = 0; i < n && r == 0; i++) {
		if (!list[i].hidden)
			continue;
		r = image_remove(&list[i]);
		if (r == 0 && removed)
			removed(list[i].name, ud);
		count += r == 0;
	}
	free(list);
	return r < 0 ? r : count;
}

int image_import_fs(const char *src_dir, const char *name, bool force, bool read_only)
{
	char tmp[4096];
	struct image old;
	int fd, r;

	if (!force && image_find(name, &old) == 0)
		return -EEXIST;
	fd = open(src_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = tmp_from_tree(fd, name, false, tmp, sizeof(tmp));
	close(fd);
	if (r < 0)
		return r;
	r = image_install(tmp, name, force, read_only);
	if (r < 0)
		(void)image_discard(tmp);
	return r;
}

/* raw images are copied as they are: compressed or qcow2 files would
 * be installed as garbage, so they are refused by their magic */
static bool raw_magic_refused(const unsigned char *p, size_t n)
{
	static const struct {
		size_t len;
		const char *magic;
	} m[] = {
		{ 6, "\xfd" "7zXZ\0" }, { 2, "\x1f\x8b" }, { 4, "\x28\xb5\x2f\xfd" },
		{ 3, "BZh" }, { 4, "QFI\xfb" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(m); i++)
		if (n >= m[i].len && !memcmp(p, m[i].magic, m[i].len))
			return true;
	return false;
}

int image_import_raw(int src_fd, const char *name, bool force, bool read_only)
{
	unsigned char head[8];
	char tmp[4096];
	struct image old;
	struct stat st;
	int r;

	if (!force && image_find(name, &old) == 0)
		return -EEXIST;
	if (fstat(src_fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	/* a stream cannot be peeked at without eating it: files only */
	if (S_ISREG(st.st_mode) && pread(src_fd, head, sizeof(head), 0) == (ssize_t)sizeof(head) &&
	    raw_magic_refused(head, sizeof(head)))
		return -EPROTONOSUPPORT;
	r = tmp_from_file(src_fd, name, read_only, false, tmp, sizeof(tmp));
	if (r < 0)
		return r;
	r = image_install(tmp, name, force, read_only);
	if (r < 0)
		(void)image_discard(tmp);
	return r;
}

int image_export_raw(const struct image *img, int out_fd)
{
	struct stat st;
	int lk, r;

	if (img->type != IMAGE_RAW)
		return -EMEDIUMTYPE;
	/* a running machine may be writing it: no torn copies */
	lk = image_lock(img, LOCK_SH);
	if (lk < 0)
		return lk;
	if (fstat(out_fd, &st) == 0 && S_ISREG(st.st_mode))
		r = copy_file_data(lk, out_fd);
	else
		r = copy_stream(lk, out_fd, false);
	close(lk);
	return r;
}
