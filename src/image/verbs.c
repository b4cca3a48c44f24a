/* The image verbs that show the store: list-images, image-status,
 * show-image, with systemd's columns, layout and property names. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "machbox.h"
#include "inroot.h"
#include "machinectl/machinectl.h"
#include "image/cli.h"
#include "image/format.h"
#include "image/image.h"

enum { COL_NAME, COL_TYPE, COL_RO, COL_USAGE, COL_CREATED, COL_MODIFIED, NCOLS };

static void list_json(const struct image *v, size_t n)
{
	size_t i;

	putchar('[');
	for (i = 0; i < n; i++) {
		printf("%s{\"name\":", i ? "," : "");
		json_print_string(stdout, v[i].name);
		printf(",\"type\":\"%s\",\"ro\":%s,\"usage\":", image_type_name(v[i].type),
		       v[i].read_only ? "true" : "false");
		v[i].usage == UINT64_MAX ? printf("null") : printf("%llu", (unsigned long long)v[i].usage);
		v[i].crtime ? printf(",\"created\":%llu", (unsigned long long)v[i].crtime) : printf(",\"created\":null");
		v[i].mtime ? printf(",\"modified\":%llu}", (unsigned long long)v[i].mtime) : printf(",\"modified\":null}");
	}
	printf("]\n");
}

/* cells of one row, their strings kept in buf */
static void list_row(const struct image *img, const char **cells, char (*buf)[FORMAT_TIMESTAMP_MAX])
{
	cells[COL_NAME] = img->name;
	cells[COL_TYPE] = image_type_name(img->type);
	cells[COL_RO] = img->read_only ? "yes" : "no";
	cells[COL_USAGE] = format_bytes(buf[0], sizeof(buf[0]), img->usage);
	cells[COL_CREATED] = format_timestamp(buf[1], sizeof(buf[1]), img->crtime);
	cells[COL_MODIFIED] = format_timestamp(buf[2], sizeof(buf[2]), img->mtime);
}

static void list_table(const struct image *v, size_t n, bool legend)
{
	static const char *const head[NCOLS] = { "NAME", "TYPE", "RO", "USAGE", "CREATED", "MODIFIED" };
	struct table t = { .ncols = NCOLS, .rows = n + 1, .right_mask = 1U << COL_USAGE };
	char (*buf)[FORMAT_TIMESTAMP_MAX] = xcalloc(n * 3 + 1, sizeof(*buf));
	size_t i;

	t.cells = xcalloc((n + 1) * NCOLS, sizeof(*t.cells));
	memcpy(t.cells, head, sizeof(head));
	for (i = 0; i < n; i++)
		list_row(&v[i], t.cells + (i + 1) * NCOLS, buf + i * 3);
	if (n)
		table_print(stdout, &t, legend);
	if (legend && n)
		printf("\n%zu images listed.\n", n);
	else if (legend)
		printf("No images.\n");
	free(t.cells);
	free(buf);
}

int verb_list_images(int argc, char **argv, void *ctx)
{
	struct mctl_opts *o = ctx;
	struct image *v;
	size_t n, i;
	int r;

	(void)argc;
	(void)argv;
	r = image_list(o->all, &v, &n);
	if (r < 0)
		return fail_errno(r, "Failed to list images");
	for (i = 0; i < n; i++)
		image_usage(&v[i]);
	if (o->json)
		list_json(v, n);
	else
		list_table(v, n, o->legend);
	free(v);
	return 0;
}

/* KEY="value" of an os-release file inside the image, unquoted */
static bool os_release_value(int rootfd, const char *key, char *out, size_t len)
{
	static const char *const files[] = { "/etc/os-release", "/usr/lib/os-release" };
	char buf[4096], *line, *save = NULL;
	size_t i, kl = strlen(key);
	ssize_t n = -1;

	for (i = 0; i < ARRAY_SIZE(files) && n < 0; i++) {
		int fd = open_in_root(rootfd, files[i], O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);

		if (fd >= 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
		}
	}
	if (n < 0)
		return false;
	buf[n] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, key, kl) || line[kl] != '=')
			continue;
		line += kl + 1;
		if ((*line == '"' || *line == '\'') && strlen(line) >= 2 && line[strlen(line) - 1] == *line) {
			line[strlen(line) - 1] = 0;
			line++;
		}
		strlcpy_mb(out, line, len);
		return *out != 0;
	}
	return false;
}

/* first line of a small file inside the image */
static bool image_file_line(int rootfd, const char *path, char *out, size_t len)
{
	int fd = open_in_root(rootfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, out, len - 1);
	close(fd);
	if (n <= 0)
		return false;
	out[n] = 0;
	out[strcspn(out, "\n")] = 0;
	return *out != 0;
}

/* Hostname, Machine ID and OS, read from the tree as systemd does */
static void status_guest_info(const struct image *img)
{
	char buf[256];
	int fd;

	if (img->type == IMAGE_RAW)
		return;	/* would need the image mounted */
	fd = open(img->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (image_file_line(fd, "/etc/hostname", buf, sizeof(buf)))
		printf("\tHostname: %s\n", buf);
	if (image_file_line(fd, "/etc/machine-id", buf, sizeof(buf)) && strlen(buf) == 32)
		printf("      Machine ID: %s\n", buf);
	if (os_release_value(fd, "PRETTY_NAME", buf, sizeof(buf)))
		printf("\t      OS: %s\n", buf);
	close(fd);
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void print_time_line(const char *label, uint64_t t)
{
	char a[FORMAT_TIMESTAMP_MAX], b[FORMAT_TIMESTAMP_MAX];

	if (format_timestamp(a, sizeof(a), t))
		printf("\t%s: %s; %s\n", label, a, format_timestamp_relative(b, sizeof(b), t, now_usec()));
}

static void print_status(struct image *img)
{
	char sz[FORMAT_BYTES_MAX];

	image_usage(img);
	printf("%s\n", img->name);
	printf("\t    Type: %s\n", image_type_name(img->type));
	printf("\t    Path: %s\n", img->path);
	status_guest_info(img);
	printf("\t      RO: %s\n", img->read_only ? "read-only" : "writable");
	print_time_line(" Created", img->crtime);
	print_time_line("Modified", img->mtime);
	if (format_bytes(sz, sizeof(sz), img->usage))
		printf("\t   Usage: %s\n", sz);
}

/* with no names: the pool, as systemd shows it */
static int pool_status(bool properties, const struct mctl_opts *o)
{
	char path[4096];
	unsigned i;

	if (root_path(path, sizeof(path), "/var/lib/machines") < 0)
		return fail_errno(ENAMETOOLONG, "Failed to show the image pool");
	if (!properties) {
		printf("\t    Path: %s\n", path);
		return 0;
	}
	for (i = 0; i < o->n_props && strcmp(o->props[i], "PoolPath"); i++)
		;
	if (!o->n_props || i < o->n_props)
		o->value ? printf("%s\n", path) : printf("PoolPath=%s\n", path);
	return 0;
}

static bool prop_wanted(const struct mctl_opts *o, const char *name)
{
	unsigned i;

	if (!o->n_props)
		return true;
	for (i = 0; i < o->n_props; i++)
		if (!strcmp(o->props[i], name))
			return true;
	return false;
}

/* NAME=VALUE, or the value alone with --value; empty ones only with -a */
static void prop(const struct mctl_opts *o, const char *name, const char *value)
{
	if (!prop_wanted(o, name) || (!o->all && (!value || !*value)))
		return;
	if (o->value)
		printf("%s\n", value ? value : "");
	else
		printf("%s=%s\n", name, value ? value : "");
}

static void print_properties(struct image *img, const struct mctl_opts *o)
{
	char buf[FORMAT_TIMESTAMP_MAX];

	image_usage(img);
	prop(o, "Name", img->name);
	prop(o, "Path", img->path);
	prop(o, "Type", image_type_name(img->type));
	prop(o, "ReadOnly", img->read_only ? "yes" : "no");
	prop(o, "CreationTimestamp", format_timestamp(buf, sizeof(buf), img->crtime));
	prop(o, "ModificationTimestamp", format_timestamp(buf, sizeof(buf), img->mtime));
	if (img->usage != UINT64_MAX)
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)img->usage);
	prop(o, "Usage", img->usage != UINT64_MAX ? buf : NULL);
}

static int show(int argc, char **argv, struct mctl_opts *o, bool properties)
{
	struct image img;
	bool printed = false;
	int i, r, code = 0;

	if (argc < 2)
		return pool_status(properties, o);
	for (i = 1; i < argc; i++) {
		r = image_get(argv[0], argv[i], &img);
		if (r) {
			code = code ? code : r;
			continue;
		}
		if (printed)
			putchar('\n');
		printed = true;
		if (properties)
			print_properties(&img, o);
		else
			print_status(&img);
	}
	return code;
}

int verb_image_status(int argc, char **argv, void *ctx)
{
	return show(argc, argv, ctx, false);
}

int verb_show_image(int argc, char **argv, void *ctx)
{
	return show(argc, argv, ctx, true);
}
