/* import-tar and export-tar: tarballs in and out of the image store
 * through the sandboxed extractor and export_tar (DESIGN.md §7). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "machbox.h"
#include "machinectl/machinectl.h"
#include "archive/extract.h"
#include "image/cli.h"
#include "image/format.h"
#include "image/image.h"
#include "nspawn/userns.h"

int import_userns_begin(const struct mctl_opts *o, const char *verb, const char *name,
			struct userns *u, uint32_t *base)
{
	int r;

	u->mode = USERNS_NO;
	*base = 0;
	if (!CFG_PRIVATE_USERS || !o->private_users)
		return 0;	/* machinectl refused the option if not built */
	if (userns_parse(o->private_users, u) < 0)
		return usage_error("bad --private-users= value '%s'", o->private_users);
	r = userns_reserve(u, name);
	if (r == -EBUSY)
		msg("Failed to %s '%s': %s", verb, name, u->mode == USERNS_PICK ?
		    "no free user namespace range" : "its uid range is in use by another machine");
	else if (r < 0)
		msg("Failed to %s '%s': cannot lock the uid range: %s", verb, name, strerror(-r));
	if (r < 0) {
		userns_release(u);
		u->mode = USERNS_NO;
		return EXIT_FAIL;
	}
	*base = u->shift;
	return 0;
}

void import_userns_end(struct userns *u, uint64_t skipped)
{
	if (CFG_PRIVATE_USERS && u->mode != USERNS_NO)
		userns_release(u);
	if (skipped)
		msg("Skipped %llu device node%s: none can be made in a user namespace "
		    "(nspawn provides /dev)", (unsigned long long)skipped, skipped == 1 ? "" : "s");
}

/* extract into a temp image, install it; nothing under NAME otherwise */
static int import_fd(const char *verb, const char *name, int fd, const struct mctl_opts *o)
{
	struct extract_limits lim;
	struct userns u;
	char tmp[4096], err[512] = "";
	uint64_t skipped = 0;
	int r;

	r = extract_limits_from_env(&lim, err, sizeof(err));
	if (r < 0)
		return usage_error("%s", err);
	r = import_userns_begin(o, verb, name, &u, &lim.userns_base);
	if (r)
		return r;
	r = image_tmp_create(name, true, tmp, sizeof(tmp));
	if (r < 0) {
		import_userns_end(&u, 0);
		return image_fail(verb, name, r);
	}
	r = extract_tar(fd, tmp, &lim, &skipped, err, sizeof(err));
	if (r == 0 && (r = image_install(tmp, name, o->force, o->read_only)) < 0)
		snprintf(err, sizeof(err), "%s", image_strerror(r));
	import_userns_end(&u, r < 0 ? 0 : skipped);
	if (r < 0) {
		(void)image_discard(tmp);
		msg("Failed to %s '%s': %s", verb, name, err[0] ? err : image_strerror(r));
		return EXIT_FAIL;
	}
	return 0;
}

int verb_import_tar(int argc, char **argv, void *ctx)
{
	struct mctl_opts *o = ctx;
	struct image old;
	char name[65];
	int fd, r;

	r = image_new_name(argv[0], argv[1], argc > 2 ? argv[2] : NULL, NAME_FROM_TAR,
			   name, sizeof(name));
	if (r)
		return r;
	/* say so before reading a byte; image_install checks again */
	if (!o->force && image_find(name, &old) == 0)
		return image_fail(argv[0], name, -EEXIST);
	fd = image_input(argv[0], name, argv[1]);
	if (fd < 0)
		return EXIT_FAIL;
	r = import_fd(argv[0], name, fd, o);
	if (fd != STDIN_FILENO)
		close(fd);
	return r;
}

static int export_image(const char *verb, const struct image *img, const char *file,
			const char *comp, const struct mctl_opts *o)
{
	struct out_file out;
	char err[512] = "";
	int lk, r;

	/* a running machine would change the tree while it is read */
	lk = image_lock(img, LOCK_SH);
	if (lk < 0)
		return image_fail(verb, img->name, lk);
	r = out_open(&out, verb, img->name, file, o->force);
	if (r) {
		close(lk);
		return r;
	}
	r = export_tar(img->path, out.fd, comp, err, sizeof(err));
	if (out_close(&out, r == 0) < 0 && r == 0) {
		r = -EIO;
		snprintf(err, sizeof(err), "cannot write %s", file);
	}
	close(lk);
	if (r < 0) {
		msg("Failed to %s '%s': %s", verb, img->name, err[0] ? err : strerror(-r));
		return EXIT_FAIL;
	}
	return 0;
}

/* zstd is built read-only, bzip2 not at all */
static bool compression_built(const char *comp)
{
	if (!strcmp(comp, "gz"))
		return CFG_FILTER_GZIP;
	if (!strcmp(comp, "xz"))
		return CFG_FILTER_XZ;
	return !*comp;
}

int verb_export_tar(int argc, char **argv, void *ctx)
{
	const char *file = argc > 2 ? argv[2] : NULL;
	const char *comp = tar_compression_for(file);
	struct image img;
	int r;

	r = image_get(argv[0], argv[1], &img);
	if (r)
		return r;
	if (img.type == IMAGE_RAW) {
		msg("Failed to %s '%s': a raw image has no tree to pack, use export-raw", argv[0], argv[1]);
		return EXIT_FAIL;
	}
	if (!compression_built(comp)) {
		msg("Failed to %s '%s': %s compression is not built in%s", argv[0], argv[1], comp,
		    !strcmp(comp, "zst") ? " (machbox reads zstd, it does not write it)" : "");
		return EXIT_FAIL;
	}
	return export_image(argv[0], &img, file, comp, ctx);
}
