/* The image verbs that change the store: clone, rename, remove,
 * read-only, clean, import-fs, import-raw, export-raw. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "machbox.h"
#include "machinectl/machinectl.h"
#include "image/cli.h"
#include "image/image.h"

int verb_clone(int argc, char **argv, void *ctx)
{
	struct mctl_opts *o = ctx;
	struct image img;
	int r;

	(void)argc;
	r = image_get(argv[0], argv[1], &img);
	if (r)
		return r;
	if (!image_name_valid(argv[2]))
		return usage_error("invalid image name '%s'", argv[2]);
	r = image_clone(&img, argv[2], o->read_only);
	return r < 0 ? image_fail(argv[0], argv[1], r) : 0;
}

int verb_rename(int argc, char **argv, void *ctx)
{
	struct image img;
	int r;

	(void)argc;
	(void)ctx;
	r = image_get(argv[0], argv[1], &img);
	if (r)
		return r;
	if (!image_name_valid(argv[2]))
		return usage_error("invalid image name '%s'", argv[2]);
	r = image_rename(&img, argv[2]);
	return r < 0 ? image_fail(argv[0], argv[1], r) : 0;
}

int verb_remove(int argc, char **argv, void *ctx)
{
	struct image img;
	int i, r, code = 0;

	(void)ctx;
	for (i = 1; i < argc; i++) {
		r = image_get(argv[0], argv[i], &img);
		if (r == 0 && (r = image_remove(&img)) < 0)
			r = image_fail(argv[0], argv[i], r);
		if (r && !code)
			code = r;
	}
	return code;
}

int verb_read_only(int argc, char **argv, void *ctx)
{
	struct image img;
	int ro = 1, r;

	(void)ctx;
	if (argc > 2 && (ro = parse_bool(argv[2])) < 0)
		return usage_error("read-only takes a boolean, not '%s'", argv[2]);
	r = image_get(argv[0], argv[1], &img);
	if (r)
		return r;
	r = image_set_read_only(&img, ro);
	return r < 0 ? image_fail(argv[0], argv[1], r) : 0;
}

static void cleaned(const char *name, void *ud)
{
	if (!((struct mctl_opts *)ud)->quiet)
		printf("Removed image '%s'.\n", name);
}

int verb_clean(int argc, char **argv, void *ctx)
{
	struct mctl_opts *o = ctx;
	int r;

	(void)argc;
	(void)argv;
	r = image_clean(o->all, cleaned, o);
	return r < 0 ? fail_errno(r, "Failed to clean the image store") : 0;
}

int verb_import_fs(int argc, char **argv, void *ctx)
{
	struct mctl_opts *o = ctx;
	char name[65];
	int r;

	r = image_new_name(argv[0], argv[1], argc > 2 ? argv[2] : NULL, NAME_FROM_DIR,
			   name, sizeof(name));
	if (r)
		return r;
	r = image_import_fs(argv[1], name, o->force, o->read_only);
	if (r == -ENOENT || r == -ENOTDIR)
		return fail_errno(r, "Failed to %s '%s': cannot open %s", argv[0], name, argv[1]);
	return r < 0 ? image_fail(argv[0], name, r) : 0;
}

int verb_import_raw(int argc, char **argv, void *ctx)
{
	struct mctl_opts *o = ctx;
	char name[65];
	int fd, r;

	r = image_new_name(argv[0], argv[1], argc > 2 ? argv[2] : NULL, NAME_FROM_RAW,
			   name, sizeof(name));
	if (r)
		return r;
	fd = image_input(argv[0], name, argv[1]);
	if (fd < 0)
		return EXIT_FAIL;
	r = image_import_raw(fd, name, o->force, o->read_only);
	if (fd != STDIN_FILENO)
		close(fd);
	return r < 0 ? image_fail(argv[0], name, r) : 0;
}

int verb_export_raw(int argc, char **argv, void *ctx)
{
	struct mctl_opts *o = ctx;
	struct out_file out;
	struct image img;
	int r;

	r = image_get(argv[0], argv[1], &img);
	if (r)
		return r;
	if (img.type != IMAGE_RAW)
		return image_fail(argv[0], argv[1], -EMEDIUMTYPE);
	r = out_open(&out, argv[0], argv[1], argc > 2 ? argv[2] : NULL, o->force);
	if (r)
		return r;
	r = image_export_raw(&img, out.fd);
	if (out_close(&out, r == 0) < 0 && r == 0)
		r = -EIO;
	return r < 0 ? image_fail(argv[0], argv[1], r) : 0;
}
