/* Front-end helpers of the image and archive verbs. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machbox.h"
#include "image/cli.h"

const char *image_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case EBUSY:
		return "image is in use by a running machine";
	case EEXIST:
		return "an image of that name exists already (--force replaces it)";
	case ENOENT:
		return "no such image";
	case EOPNOTSUPP:
		return "the file system does not support the immutable flag (chattr +i); "
		       "use a btrfs subvolume or another file system";
	case EMEDIUMTYPE:
		return "not a raw image";
	case EPROTONOSUPPORT:
		return "compressed and qcow2 raw images are not supported; decompress it first";
	case ENAMETOOLONG:
		return "the tree is nested too deeply";
	default:
		return strerror(err < 0 ? -err : err);
	}
}

int image_fail(const char *verb, const char *name, int err)
{
	msg("Failed to %s '%s': %s", verb, name, image_strerror(err));
	return EXIT_FAIL;
}

int image_get(const char *verb, const char *name, struct image *img)
{
	int r = image_find(name, img);

	if (r == -EINVAL)
		return usage_error("invalid image name '%s'", name);
	if (r < 0)
		return image_fail(verb, name, r);
	return 0;
}

int image_new_name(const char *verb, const char *file, const char *argv_name,
		   enum image_name_kind kind, char *buf, size_t len)
{
	if (argv_name) {
		if (!image_name_valid(argv_name) || strlcpy_mb(buf, argv_name, len) >= len)
			return usage_error("invalid image name '%s'", argv_name);
		return 0;
	}
	if (!strcmp(file, "-"))
		return usage_error("%s from standard input needs an image name", verb);
	if (image_name_from_path(file, kind, buf, len) < 0)
		return usage_error("cannot make an image name of '%s', give one", file);
	return 0;
}

int image_input(const char *verb, const char *name, const char *file)
{
	int fd;

	if (!strcmp(file, "-")) {
		if (isatty(STDIN_FILENO)) {
			msg("Failed to %s '%s': refusing to read an image from a terminal", verb, name);
			return -1;
		}
		return STDIN_FILENO;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		fail_errno(errno, "Failed to %s '%s': cannot open %s", verb, name, file);
	return fd;
}

int out_open(struct out_file *o, const char *verb, const char *name, const char *path, bool force)
{
	const char *slash;
	int n;

	memset(o, 0, sizeof(*o));
	if (!path || !strcmp(path, "-")) {
		o->fd = STDOUT_FILENO;
		if (isatty(o->fd)) {
			msg("Failed to %s '%s': refusing to write an image to a terminal", verb, name);
			return EXIT_FAIL;
		}
		return 0;
	}
	if (!force && access(path, F_OK) == 0) {
		msg("Failed to %s '%s': %s exists already (--force replaces it)", verb, name, path);
		return EXIT_FAIL;
	}
	slash = strrchr(path, '/');
	n = slash ? snprintf(o->tmp, sizeof(o->tmp), "%.*s/.#%s.XXXXXX", (int)(slash - path), path, slash + 1)
		  : snprintf(o->tmp, sizeof(o->tmp), ".#%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(o->tmp))
		return image_fail(verb, name, -ENAMETOOLONG);
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0)
		return fail_errno(errno, "Failed to %s '%s': cannot create %s", verb, name, path);
	(void)fchmod(o->fd, 0644);
	o->path = path;
	return 0;
}

int out_close(struct out_file *o, bool ok)
{
	int r = 0;

	if (!o->path)
		return 0;
	if (ok && fsync(o->fd) < 0)
		r = -errno;
	if (close(o->fd) < 0 && r == 0)
		r = -errno;
	if (ok && r == 0 && rename(o->tmp, o->path) < 0)
		r = -errno;
	if (!ok || r < 0)
		unlink(o->tmp);
	return r;
}
