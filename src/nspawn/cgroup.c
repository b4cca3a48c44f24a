/* One cgroup per machine on the cgroup2 hierarchy.  Hosts differ: pure v2,
 * or hybrid (v1 controllers plus a cgroup2 hierarchy with few or none).
 * Limits apply where the controller exists; elsewhere the caller warns. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "fileio.h"
#include "machbox.h"
#include "machine.h"
#include "nspawn/cgroup.h"


/* Enables what the parent offers of memory, pids and cpu for the children
 * of dir; controllers another manager holds stay as they are. */
static void enable_controllers(const char *dir)
{
	static const char *const wanted[] = { "memory", "pids", "cpu" };
	char path[300], avail[256], req[16];
	size_t i;

	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	if (read_file_at(AT_FDCWD, path, avail, sizeof(avail)) < 0)
		return;
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	for (i = 0; i < ARRAY_SIZE(wanted); i++) {
		if (!strstr(avail, wanted[i]))
			continue;
		snprintf(req, sizeof(req), "+%s", wanted[i]);
		write_file_at(AT_FDCWD, path, req, 0, 0);
	}
}

int cgroup_create(struct machine_cgroup *cg, const char *name)
{
	const char *mnt = cgroup2_mount();
	char parent[256];

	cg->path[0] = 0;
	cg->dirfd = -1;
	if (!mnt)
		return -ENOENT;
	snprintf(parent, sizeof(parent), "%s/machbox", mnt);
	if (mkdir(parent, 0755) < 0 && errno != EEXIST)
		return -errno;
	enable_controllers(mnt);
	enable_controllers(parent);
	if ((size_t)snprintf(cg->path, sizeof(cg->path), "%s/%s", parent, name) >= sizeof(cg->path))
		return -ENAMETOOLONG;
	if (mkdir(cg->path, 0755) < 0) {
		if (errno != EEXIST) {
			int e = errno;

			cg->path[0] = 0;
			return -e;
		}
		/* left over from a monitor that was killed: reuse it when empty */
		if (cgroup_populated(cg)) {
			cg->path[0] = 0;
			return -EBUSY;
		}
	}
	cg->dirfd = open(cg->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cg->dirfd < 0) {
		int e = errno;

		rmdir(cg->path);
		cg->path[0] = 0;
		return -e;
	}
	return 0;
}

static int cg_write(struct machine_cgroup *cg, const char *file, const char *text)
{
	char path[320];

	snprintf(path, sizeof(path), "%s/%s", cg->path, file);
	return write_file_at(AT_FDCWD, path, text, O_TRUNC, 0);
}

/* Hybrid hosts keep pids in a v1 hierarchy, where a TasksMax= that only
 * cgroup2 knew would hold nothing (a fork bomb in the guest would take
 * every pid of the host): there it is MACHBOX_PIDS_V1/machbox/NAME, made
 * when the limit is set, joined with the cgroup2 one, removed with it. */
static int pids_v1_path(const struct machine_cgroup *cg, char *buf, size_t len, bool parent)
{
	const char *name = strrchr(cg->path, '/');
	struct statfs sf;

	if (!name || statfs(MACHBOX_PIDS_V1, &sf) < 0 || sf.f_type != CGROUP_SUPER_MAGIC_COMPAT)
		return -ENOENT;
	if ((size_t)snprintf(buf, len, "%s/machbox%s", MACHBOX_PIDS_V1, parent ? "" : name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int pids_v1_limit(struct machine_cgroup *cg, const char *max)
{
	char path[320];
	int r = pids_v1_path(cg, path, sizeof(path), true);

	if (r < 0 || (mkdir(path, 0755) < 0 && errno != EEXIST))
		return r < 0 ? r : -errno;
	pids_v1_path(cg, path, sizeof(path), false);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	strcat(path, "/pids.max");
	return write_file_at(AT_FDCWD, path, max, O_TRUNC, 0);
}

int cgroup_attach(struct machine_cgroup *cg, pid_t pid)
{
	char buf[24];

	if (!cg->path[0])
		return 0;
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return cg_write(cg, "cgroup.procs", buf);
}

int cgroup_attach_v1(struct machine_cgroup *cg, pid_t pid)
{
	char buf[24], path[320];

	if (!cg->path[0] || pids_v1_path(cg, path, sizeof(path), false) < 0 || access(path, F_OK) < 0)
		return 0;
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	strcat(path, "/cgroup.procs");
	return write_file_at(AT_FDCWD, path, buf, O_TRUNC, 0);
}

static bool has_controller(struct machine_cgroup *cg, const char *ctl)
{
	char path[320], list[256];
	const char *p;
	size_t n = strlen(ctl);

	snprintf(path, sizeof(path), "%s/cgroup.controllers", cg->path);
	if (read_file_at(AT_FDCWD, path, list, sizeof(list)) < 0)
		return false;
	for (p = list; (p = strstr(p, ctl)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == 0 || p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

static int set_limit(struct machine_cgroup *cg, const char *ctl, const char *file, uint64_t v,
		     void (*missing)(const char *, const char *))
{
	char buf[32];

	if (v == UINT64_MAX)
		snprintf(buf, sizeof(buf), "max");
	else
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	if (!has_controller(cg, ctl)) {
		if (strcmp(ctl, "pids") || pids_v1_limit(cg, buf) < 0) {
			if (missing)
				missing(file, ctl);
		}
		return 0;
	}
	return cg_write(cg, file, buf);
}

int cgroup_set_limits(struct machine_cgroup *cg, uint64_t memory_max, uint64_t tasks_max,
		      uint64_t cpu_weight, void (*missing)(const char *, const char *))
{
	int r = 0;

	if (!cg->path[0]) {
		if (missing && memory_max != UINT64_MAX)
			missing("memory.max", "memory");
		if (missing && tasks_max != UINT64_MAX)
			missing("pids.max", "pids");
		if (missing && cpu_weight)
			missing("cpu.weight", "cpu");
		return 0;
	}
	if (memory_max != UINT64_MAX)
		r = set_limit(cg, "memory", "memory.max", memory_max, missing);
	if (!r && tasks_max != UINT64_MAX)
		r = set_limit(cg, "pids", "pids.max", tasks_max, missing);
	if (!r && cpu_weight)
		r = set_limit(cg, "cpu", "cpu.weight", cpu_weight, missing);
	return r;
}

bool cgroup_populated(struct machine_cgroup *cg)
{
	char path[320], buf[256];
	const char *p;

	snprintf(path, sizeof(path), "%s/cgroup.events", cg->path);
	if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return false;
	p = strstr(buf, "populated ");
	return p && p[10] == '1';
}

static void kill_procs(struct machine_cgroup *cg)
{
	char path[320], buf[4096], *p, *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* a first page of pids is enough: the caller loops until empty */
	n = read_all(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	if ((end = strrchr(buf, '\n')))
		end[1] = 0;
	for (p = buf; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid > 0)
			kill((pid_t)pid, SIGKILL);
		while (*end == '\n')
			end++;
	}
}

int cgroup_kill(struct machine_cgroup *cg)
{
	if (!cg->path[0])
		return 0;
	if (cg_write(cg, "cgroup.kill", "1") == 0)
		return 0;
	/* kernels before 5.14: by hand, repeated by cgroup_destroy's loop */
	kill_procs(cg);
	return 0;
}

int cgroup_empty(struct machine_cgroup *cg, int timeout_ms)
{
	long long deadline = mono_ms() + timeout_ms;

	if (!cg->path[0])
		return 0;
	while (cgroup_populated(cg)) {
		cgroup_kill(cg);
		if (mono_ms() >= deadline)
			return -EBUSY;
		/* dying processes leave within milliseconds; this is a bounded
		 * wait for the kernel, not a supervisor sleep */
		poll(NULL, 0, 10);
	}
	return 0;
}

/* A guest's own manager (systemd) makes child cgroups: they go first,
 * depth first.  cgroupfs directories hold only files, which rmdir ignores. */
static int rmdir_tree(int parentfd, const char *name, int depth)
{
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	if (depth > 32)
		return -ELOOP;
	fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			if (rmdir_tree(dirfd(d), de->d_name, depth + 1) < 0)
				r = -EBUSY;
	closedir(d);
	if (unlinkat(parentfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

int cgroup_destroy(struct machine_cgroup *cg, int timeout_ms)
{
	char parent[256], *slash;
	int r;

	if (!cg->path[0])
		return 0;
	r = cgroup_empty(cg, timeout_ms);
	if (!r)
		r = rmdir_tree(AT_FDCWD, cg->path, 0);
	if (!r && pids_v1_path(cg, parent, sizeof(parent), false) == 0) {
		rmdir(parent);
		pids_v1_path(cg, parent, sizeof(parent), true);
		rmdir(parent);
	}
	close_safe(&cg->dirfd);
	strlcpy_mb(parent, cg->path, sizeof(parent));
	slash = strrchr(parent, '/');
	if (slash) {
		*slash = 0;
		rmdir(parent);	/* only when no other machine lives there */
	}
	if (!r)
		cg->path[0] = 0;
	return r;
}

/* The device policy of systemd-nspawn (DevicePolicy=closed plus
 * DeviceAllow=/dev/net/tun rwm, char-pts rw): the guest has CAP_MKNOD, and
 * a node it makes for the host's disk, memory or console must not open.
 * An eBPF program on the cgroup decides every open and mknod of its
 * processes; bpf(2) is in the guest's system call filter, so it stays. */
static const struct {
	uint16_t major, minor;
} dev_allowed[] = {
	{ 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 }, { 1, 9 },	/* null zero full random urandom */
	{ 5, 0 }, { 5, 2 }, { 10, 200 },			/* tty ptmx net/tun */
};
#define DEV_PTS_MAJOR 136	/* the guest's ptys: read and write, never mknod */

#define INSN(c, d, s_, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s_), .off = (o), .imm = (i) })
#define LDX_W(d, s_, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s_, o, 0)
#define JMP_IMM(op, d, i, o) INSN(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define N_DEV_INSNS (14 + 2 * ARRAY_SIZE(dev_allowed) + 4)

/* LOOP: the block device of the machine's raw image (0: none), which the
 * container mounts after it is in its cgroup: read and write, never mknod */
static void dev_program(struct bpf_insn *p, dev_t loop)
{
	const int deny = (int)N_DEV_INSNS - 4, allow = deny + 2;
	int n = 0;
	size_t i;

	p[n++] = LDX_W(BPF_REG_2, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	p[n++] = LDX_W(BPF_REG_4, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major));
	p[n++] = LDX_W(BPF_REG_5, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor));
	p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
	p[n++] = INSN(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_3, 0, 0, 0xffff);	/* type */
	p[n++] = INSN(BPF_ALU64 | BPF_RSH | BPF_K, BPF_REG_2, 0, 0, 16);	/* access */
	p[n] = JMP_IMM(BPF_JEQ, BPF_REG_3, BPF_DEVCG_DEV_CHAR, 4), n++;
	p[n] = JMP_IMM(BPF_JSET, BPF_REG_2, BPF_DEVCG_ACC_MKNOD, deny - n - 1), n++;
	p[n] = JMP_IMM(BPF_JNE, BPF_REG_4, loop ? (int)major(loop) : -1, deny - n - 1), n++;
	p[n] = JMP_IMM(BPF_JEQ, BPF_REG_5, loop ? (int)minor(loop) : -1, allow - n - 1), n++;
	p[n] = INSN(BPF_JMP | BPF_JA, 0, 0, deny - n - 1, 0), n++;
	p[n] = JMP_IMM(BPF_JNE, BPF_REG_4, DEV_PTS_MAJOR, 2), n++;
	p[n] = JMP_IMM(BPF_JSET, BPF_REG_2, BPF_DEVCG_ACC_MKNOD, deny - n - 1), n++;
	p[n] = INSN(BPF_JMP | BPF_JA, 0, 0, allow - n - 1, 0), n++;
	for (i = 0; i < ARRAY_SIZE(dev_allowed); i++) {
		p[n] = JMP_IMM(BPF_JNE, BPF_REG_4, dev_allowed[i].major, 1), n++;
		p[n] = JMP_IMM(BPF_JEQ, BPF_REG_5, dev_allowed[i].minor, allow - n - 1), n++;
	}
	p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	p[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
	p[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

int cgroup_device_policy(struct machine_cgroup *cg, dev_t loop)
{
	struct bpf_insn prog[N_DEV_INSNS];
	union bpf_attr a;
	int pfd, dfd, r = 0;

	if (!cg->path[0])
		return 0;
	dev_program(prog, loop);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uintptr_t)prog;
	a.insn_cnt = N_DEV_INSNS;
	a.license = (uintptr_t)"GPL";
	pfd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (pfd < 0)
		return -errno;
	/* an O_PATH fd is no cgroup to bpf(2) */
	dfd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		r = -errno;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)dfd;
	a.attach_bpf_fd = (uint32_t)pfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	if (!r && syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof(a)) < 0)
		r = -errno;
	if (dfd >= 0)
		close(dfd);
	close(pfd);	/* the attachment holds it as long as the cgroup lives */
	return r;
}
