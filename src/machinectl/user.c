/* machinectl for users that are not root (DESIGN.md §8): what root does
 * in-process (clone, remove, shell, login), a user asks machined for,
 * and machined decides on the caller's uid.  Nothing here needs a
 * privilege the user does not have. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "machbox.h"
#include "machine.h"
#include "machinectl/client.h"
#include "machinectl/enter.h"
#include "machinectl/machinectl.h"
#include "machinectl/pty.h"
#include "image/image.h"

#define USER_OP_MS 600000	/* a clone copies a whole tree */
#define SESSION_START_MS 30000

static bool as_user(void)
{
	return CFG_USER_CONTAINERS && CFG_MACHINED && geteuid() != 0;
}

static const char *call_error(int r)
{
	return r == -ENOENT || r == -ECONNREFUSED ? "machined is not running" : strerror(-r);
}

/* one request to machined; the exit code, the failure reported */
static int ask(unsigned op, unsigned argc, const char *const *args, const char *verb)
{
	struct mreply *rep = xmalloc(sizeof(*rep));
	int r = client_call(op, argc, args, false, USER_OP_MS, rep), rc = 0;

	if (r < 0) {
		msg("Failed to %s '%s': %s", verb, args[0], call_error(r));
		rc = EXIT_FAIL;
	} else if (rep->status < 0) {
		msg("%s", rep->text[0] ? rep->text : strerror(-rep->status));
		rc = EXIT_FAIL;
	}
	free(rep);
	return rc;
}

int verb_clone_any(int argc, char **argv, void *ctx)
{
	struct mctl_opts *o = ctx;

	if (!CFG_IMAGES)
		return verb_unavailable(argc, argv, ctx);
	if (!as_user())
		return verb_clone(argc, argv, ctx);
	if (o->read_only)
		return usage_error("--read-only is not available to users");
	if (!machine_name_valid(argv[1]) || !machine_name_valid(argv[2]))
		return usage_error("invalid image name '%s'", machine_name_valid(argv[1]) ? argv[2] : argv[1]);
	return ask(OP_CLONE, 2, (const char *const *)argv + 1, argv[0]);
}

/* root removes in-process: the owner record of a user's machine goes
 * with its image, so the name is free for anyone root gives it to */
static void forget_owner(const char *name)
{
	char path[512];
	struct image img;

	if (image_find(name, &img) == -ENOENT &&
	    machine_path(path, sizeof(path), MACHBOX_OWNER_DIR, name, NULL) == 0)
		unlink(path);
}

int verb_remove_any(int argc, char **argv, void *ctx)
{
	int i, r, rc = 0;

	if (!CFG_IMAGES)
		return verb_unavailable(argc, argv, ctx);
	if (!as_user()) {
		rc = verb_remove(argc, argv, ctx);
		for (i = 1; i < argc; i++)
			if (machine_name_valid(argv[i]))
				forget_owner(argv[i]);
		return rc;
	}
	for (i = 1; i < argc; i++) {
		if (!machine_name_valid(argv[i]))
			return usage_error("invalid image name '%s'", argv[i]);
		r = ask(OP_REMOVE, 1, (const char *const *)argv + i, argv[0]);
		if (r && !rc)
			rc = r;
	}
	return rc;
}

int user_session_start(const char *name, const struct enter_opts *o, struct enter_session *s)
{
	const char *args[PROTO_MAX_ARGS];
	char modes[40];
	struct mreply *rep;
	unsigned n = 0, i;
	int fd;

	memset(s, 0, sizeof(*s));
	s->master = s->pidfd = -1;
	snprintf(modes, sizeof(modes), "%u %u %u", (unsigned)o->ws.ws_row, (unsigned)o->ws.ws_col,
		 (unsigned)((o->login ? SESSION_LOGIN : 0) | (o->no_echo ? SESSION_NO_ECHO : 0) |
			    (o->no_onlcr ? SESSION_NO_ONLCR : 0)));
	for (i = 0; o->argv && o->argv[i]; i++)
		;
	if (4 + o->n_env + 1 + i > PROTO_MAX_ARGS) {
		strlcpy_mb(s->err, strerror(E2BIG), sizeof(s->err));
		return -E2BIG;
	}
	args[n++] = name;
	args[n++] = o->user ? o->user : "";
	args[n++] = o->term;
	args[n++] = modes;
	for (i = 0; i < o->n_env; i++)
		args[n++] = o->env[i];
	args[n++] = "--";
	for (i = 0; o->argv && o->argv[i]; i++)
		args[n++] = o->argv[i];
	rep = xmalloc(sizeof(*rep));
	fd = client_open(OP_SHELL, n, args, false, SESSION_START_MS, rep, &s->master);
	if (fd < 0) {
		strlcpy_mb(s->err, call_error(fd), sizeof(s->err));
	} else if (rep->status < 0 || s->master < 0) {
		strlcpy_mb(s->err, rep->text[0] ? rep->text : "machined sent no terminal", sizeof(s->err));
		close_safe(&s->master);
		close(fd);
		fd = rep->status < 0 ? rep->status : -EBADMSG;
	} else {
		s->pidfd = fd;
		fd = 0;
	}
	free(rep);
	return fd;
}

int user_session_end(struct enter_session *s, int end)
{
	struct mreply *rep = xmalloc(sizeof(*rep));
	int r = -ECONNRESET;

	close_safe(&s->master);
	/* "EXIT=N" once the session has ended; leaving early just hangs up */
	if (end == PTY_ENDED && client_next(s->pidfd, 2000, rep) == 0 && rep->status == 0 &&
	    startswith(rep->text, "EXIT="))
		r = atoi(rep->text + 5);
	close_safe(&s->pidfd);
	free(rep);
	return r;
}
