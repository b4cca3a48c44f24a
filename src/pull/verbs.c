/* pull-tar URL [NAME] and pull-raw URL [NAME], as machinectl has them. */
#include <errno.h>
#include <string.h>

#include "machbox.h"
#include "image/format.h"
#include "image/image.h"
#include "machinectl/machinectl.h"
#include "nspawn/userns.h"
#include "pull/progress.h"
#include "pull/pull.h"

static enum pull_verify verify_mode(const char *s)
{
	if (!strcmp(s, "no"))
		return VERIFY_NO;
	if (!strcmp(s, "checksum"))
		return VERIFY_CHECKSUM;
	return VERIFY_SIGNATURE;
}

/* NAME from the command line, or from the URL's file name as systemd
 * derives it (suffixes dropped) */
static int pick_name(int argc, char **argv, const struct url *u, bool raw, char *buf, size_t len)
{
	char file[256];

	if (argc > 2) {
		if (strlcpy_mb(buf, argv[2], len) >= len || !machine_name_valid(buf))
			return usage_error("'%s' is not a valid image name", argv[2]);
		return 0;
	}
	if (url_filename(u, file, sizeof(file)) || !file[0] ||
	    image_name_from_path(file, raw ? NAME_FROM_RAW : NAME_FROM_TAR, buf, len) ||
	    !machine_name_valid(buf))
		return usage_error("cannot make an image name of '%s', give one", argv[1]);
	return 0;
}

static void report(const struct mctl_opts *mo, const char *name, const struct pull_result *res)
{
	char size[FORMAT_BYTES_MAX];

	if (mo->quiet)
		return;
	format_bytes(size, sizeof(size), res->bytes);
	if (res->signer[0])
		msg("Pulled '%s' (%s): SHA-256 matches %s, %s", name, size, res->source, res->signer);
	else if (res->source[0])
		msg("Pulled '%s' (%s): SHA-256 matches %s", name, size, res->source);
	else
		msg("Pulled '%s' (%s), not verified (--verify=no)", name, size);
}

static int pull_verb(int argc, char **argv, const struct mctl_opts *mo, bool raw)
{
	struct pull_opts o = { .raw = raw, .force = mo->force, .read_only = mo->read_only };
	struct pull_result res;
	struct progress prog;
	struct userns u;
	char name[256], err[1024];
	int r = url_parse(argv[1], &o.url);

	if (r == -EPROTONOSUPPORT)
		return usage_error("cannot pull '%s': only http:// and https:// URLs", argv[1]);
	if (r)
		return usage_error("'%s' is not a valid URL", argv[1]);
	r = pick_name(argc, argv, &o.url, raw, name, sizeof(name));
	if (r)
		return r;
	o.name = name;
	o.verify = verify_mode(mo->verify ? mo->verify : "signature");
	progress_init(&prog, mo->quiet);
	o.progress = progress_update;
	o.ud = &prog;
	r = import_userns_begin(mo, argv[0], name, &u, &o.userns_base);
	if (r)
		return r;
	r = pull_image(&o, &res, err, sizeof(err));
	progress_end(&prog);
	import_userns_end(&u, r ? 0 : res.skipped);
	if (r) {
		msg("Failed to pull '%s': %s", name, err);
		return EXIT_FAIL;
	}
	report(mo, name, &res);
	return 0;
}

int verb_pull_tar(int argc, char **argv, void *ctx)
{
	return pull_verb(argc, argv, ctx, false);
}

int verb_pull_raw(int argc, char **argv, void *ctx)
{
	return pull_verb(argc, argv, ctx, true);
}
