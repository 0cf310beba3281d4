// Child side: the mount table, device nodes, /dev symlinks, masked and read-only paths.
//
// Every target is resolved inside the rootfs through openat2(RESOLVE_IN_ROOT |
// RESOLVE_NO_MAGICLINKS) on the root fd, so a symlink in an untrusted rootfs can never point a
// mount at a host path; the mount is then made on /proc/self/fd/N, the fd we checked
// (CVE-2021-30465). Async-signal-safe code only (see child.h).
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "child.h"

namespace iza {
namespace child {

static const size_t kPathMax = 4096;

int OpenInRoot(int rootfd, const char *path, int flags, int *err) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

  // An empty path names the root itself.
  const char *p = path[0] == '\0' ? "." : path;
  int fd;
  do {
    fd = static_cast<int>(syscall(SYS_openat2, rootfd, p, &how, sizeof how));
  } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  if (fd < 0)
    *err = errno;
  return fd;
}

int ProcFdPath(char *buf, size_t size, int fd) {
  const char prefix[] = "/proc/self/fd/";
  char digits[16];
  int n = 0;
  unsigned v = static_cast<unsigned>(fd);
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);

  size_t len = sizeof prefix - 1;
  if (len + static_cast<size_t>(n) + 1 > size)
    return -1;
  for (size_t i = 0; i < len; i++) buf[i] = prefix[i];
  while (n > 0) buf[len++] = digits[--n];
  buf[len] = '\0';
  return 0;
}

static size_t str_len(const char *s) {
  size_t n = 0;
  while (s[n] != '\0') n++;
  return n;
}

// Creates one missing component `name` in `parentfd`: a directory, or an empty file.
static int create_component(int parentfd, const char *name, bool file) {
  if (!file)
    return mkdirat(parentfd, name, 0755) < 0 && errno != EEXIST ? -1 : 0;

  int fd = openat(parentfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    return errno == EEXIST ? 0 : -1;
  close(fd);
  return 0;
}

// Opens `rel` in the root as O_PATH, creating missing directories (and a final empty file when
// `file`) one component at a time, each created relative to its in-root-resolved parent.
static int ensure_in_root(int rootfd, const char *rel, bool file, int *err) {
  int fd = OpenInRoot(rootfd, rel, O_PATH, err);
  if (fd >= 0 || *err != ENOENT)
    return fd;

  char buf[kPathMax];
  size_t len = str_len(rel);
  if (len + 1 > sizeof buf)
    return *err = ENAMETOOLONG, -1;
  for (size_t i = 0; i <= len; i++) buf[i] = rel[i];

  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (buf[i] != '/' && buf[i] != '\0')
      continue;
    if (i == start) {
      start = i + 1;
      continue;
    }

    char saved = buf[i];
    buf[i] = '\0';
    int probe = OpenInRoot(rootfd, buf, O_PATH, err);
    if (probe >= 0) {
      close(probe);
    } else if (*err == ENOENT) {
      // Open the parent (already present) and create the component inside it.
      char psaved = start > 0 ? buf[start - 1] : '\0';
      if (start > 0)
        buf[start - 1] = '\0';
      int parent = start > 0 ? OpenInRoot(rootfd, buf, O_PATH | O_DIRECTORY, err)
                             : OpenInRoot(rootfd, "", O_PATH | O_DIRECTORY, err);
      if (start > 0)
        buf[start - 1] = psaved;
      if (parent < 0)
        return -1;

      int rc = create_component(parent, buf + start, file && saved == '\0');
      if (rc < 0)
        *err = errno;
      close(parent);
      if (rc < 0)
        return -1;
    } else {
      return -1;
    }
    buf[i] = saved;
    start = i + 1;
  }

  return OpenInRoot(rootfd, rel, O_PATH, err);
}

// mount(2) with the target given as a checked fd.
static int mount_on_fd(const char *source, int fd, const char *fstype, unsigned long flags,
                       const char *data) {
  char target[64];
  ProcFdPath(target, sizeof target, fd);
  return mount(source, target, fstype, flags, data);
}

// The MS_* flags a read-only remount must keep, read back from the mount (statfs(2)). In a user
// namespace the atime flags of a mount from outside are locked as well (mount(2)).
static unsigned long kept_flags(int fd) {
  static const struct {
    unsigned long st, ms;
  } kept[] = {
      {ST_NOSUID, MS_NOSUID},   {ST_NODEV, MS_NODEV},           {ST_NOEXEC, MS_NOEXEC},
      {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME},
  };
  struct statfs st;
  if (fstatfs(fd, &st) < 0)
    return 0;
  unsigned long flags = 0;
  for (const auto &k : kept) {
    if (st.f_flags & k.st)
      flags |= k.ms;
  }
  return flags;
}

// A bind mount ignores most flags on creation: they take effect on a remount of the new mount,
// which must be reopened because the old fd still names the covered directory.
static void remount_bind(const ChildPlan &plan, int rootfd, const MountPlan &m, int i) {
  unsigned long extra = m.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  if (extra == 0)
    return;

  int err = 0;
  int fd = OpenInRoot(rootfd, m.target.c_str(), O_PATH, &err);
  if (fd < 0)
    Fail(plan, kStageMountRemount, err, i);
  unsigned long flags = MS_BIND | MS_REMOUNT | extra | kept_flags(fd);
  if (mount_on_fd(nullptr, fd, nullptr, flags, nullptr) < 0)
    Fail(plan, kStageMountRemount, errno, i);
  close(fd);
}

static void set_propagation(const ChildPlan &plan, int rootfd, const MountPlan &m, int i) {
  if (m.propagation == 0)
    return;

  int err = 0;
  int fd = OpenInRoot(rootfd, m.target.c_str(), O_PATH, &err);
  if (fd < 0)
    Fail(plan, kStageMountPropagation, err, i);
  if (mount_on_fd(nullptr, fd, nullptr, m.propagation, nullptr) < 0)
    Fail(plan, kStageMountPropagation, errno, i);
  close(fd);
}

static const char *opt(const std::string &s) {
  return s.empty() ? nullptr : s.c_str();
}

static void mount_one(const ChildPlan &plan, int rootfd, const MountPlan &m, int i) {
  int err = 0;
  int fd = ensure_in_root(rootfd, m.target.c_str(), m.kind == kMountBindFile, &err);
  if (fd < 0)
    Fail(plan, kStageMountTarget, err, i);

  bool bind = m.kind != kMountFs;
  unsigned long flags = bind ? (m.flags & (MS_BIND | MS_REC)) : m.flags;
  if (mount_on_fd(opt(m.source), fd, opt(m.fstype), flags, opt(m.data)) < 0)
    Fail(plan, kStageMount, errno, i);
  close(fd);

  if (bind)
    remount_bind(plan, rootfd, m, i);
  set_propagation(plan, rootfd, m, i);
}

void SetupMounts(const ChildPlan &plan, int rootfd) {
  for (size_t i = 0; i < plan.mounts.size(); i++) {
    const MountPlan &m = plan.mounts[i];
    if (m.cgroup_ns)
      EnterCgroupNamespace(plan);
    mount_one(plan, rootfd, m, static_cast<int>(i));
  }
}

// Splits "dev/pts/ptmx" into the opened parent directory and the last component.
static int open_parent(int rootfd, const std::string &rel, const char **name, int *err) {
  size_t slash = rel.rfind('/');
  *name = slash == std::string::npos ? rel.c_str() : rel.c_str() + slash + 1;
  if (slash == std::string::npos)
    return OpenInRoot(rootfd, "", O_PATH | O_DIRECTORY, err);

  char buf[kPathMax];
  if (slash + 1 > sizeof buf)
    return *err = ENAMETOOLONG, -1;
  for (size_t i = 0; i < slash; i++) buf[i] = rel[i];
  buf[slash] = '\0';
  int fd = ensure_in_root(rootfd, buf, false, err);
  if (fd < 0)
    return -1;
  close(fd);
  return OpenInRoot(rootfd, buf, O_PATH | O_DIRECTORY, err);
}

// mknod as root; where the kernel forbids it (a user namespace, a nodev-less policy), bind the
// host's node onto an empty file as runc does. Returns 1 for a bound node, which keeps its host
// owner (chown would change the host's node), 0 for a new one, -1 on failure.
static int make_device(int parent, const char *name, const DevicePlan &d) {
  if (mknodat(parent, name, d.mode, makedev(d.major, d.minor)) == 0)
    return 0;
  if (errno != EPERM || d.host_path.empty())
    return -1;

  int fd = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    return -1;
  close(fd);
  int target = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0)
    return -1;
  int rc = mount_on_fd(d.host_path.c_str(), target, nullptr, MS_BIND, nullptr);
  close(target);
  return rc < 0 ? -1 : 1;
}

void SetupDevices(const ChildPlan &plan, int rootfd) {
  for (size_t i = 0; i < plan.devices.size(); i++) {
    const DevicePlan &d = plan.devices[i];
    int idx = static_cast<int>(i);
    const char *name;
    int err = 0;
    int parent = open_parent(rootfd, d.path, &name, &err);
    if (parent < 0)
      Fail(plan, kStageDevice, err, idx);

    // Whatever the image left at the path (perhaps a symlink to a host node) is replaced.
    if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
      Fail(plan, kStageDevice, errno, idx);
    int made = make_device(parent, name, d);
    if (made < 0)
      Fail(plan, kStageDevice, errno, idx);
    if (made == 0 && fchownat(parent, name, d.uid, d.gid, AT_SYMLINK_NOFOLLOW) < 0)
      Fail(plan, kStageDevice, errno, idx);
    close(parent);
  }

  for (size_t i = 0; i < plan.symlinks.size(); i++) {
    const SymlinkPlan &s = plan.symlinks[i];
    const char *name;
    int err = 0;
    int parent = open_parent(rootfd, s.path, &name, &err);
    if (parent < 0)
      Fail(plan, kStageSymlink, err, static_cast<int>(i));
    if (symlinkat(s.target.c_str(), parent, name) < 0 && errno != EEXIST)
      Fail(plan, kStageSymlink, errno, static_cast<int>(i));
    close(parent);
  }
}

// runc's maskPath: /dev/null over a file, an empty read-only tmpfs over a directory. Paths the
// image does not have are skipped. The /dev/null used is the host's, opened before pivot_root,
// so an image cannot swap it (CVE-2025-31133).
static void mask_one(const ChildPlan &plan, int rootfd, const std::string &rel, int i) {
  int err = 0;
  int fd = OpenInRoot(rootfd, rel.c_str(), O_PATH, &err);
  if (fd < 0 && err == ENOENT)
    return;
  if (fd < 0)
    Fail(plan, kStageMaskedPath, err, i);

  struct stat st;
  if (fstatat(fd, "", &st, AT_EMPTY_PATH) < 0)
    Fail(plan, kStageMaskedPath, errno, i);
  int rc = S_ISDIR(st.st_mode) ? mount_on_fd("tmpfs", fd, "tmpfs", MS_RDONLY, "size=0k")
                               : mount_on_fd("/dev/null", fd, nullptr, MS_BIND, nullptr);
  if (rc < 0)
    Fail(plan, kStageMaskedPath, errno, i);
  close(fd);
}

// runc's readonlyPath: bind the path onto itself, then remount that bind read-only.
static void readonly_one(const ChildPlan &plan, int rootfd, const std::string &rel, int i) {
  int err = 0;
  int fd = OpenInRoot(rootfd, rel.c_str(), O_PATH, &err);
  if (fd < 0 && err == ENOENT)
    return;
  if (fd < 0)
    Fail(plan, kStageReadonlyPath, err, i);

  char self[64];
  ProcFdPath(self, sizeof self, fd);
  if (mount(self, self, nullptr, MS_BIND | MS_REC, nullptr) < 0)
    Fail(plan, kStageReadonlyPath, errno, i);
  close(fd);

  fd = OpenInRoot(rootfd, rel.c_str(), O_PATH, &err);
  if (fd < 0)
    Fail(plan, kStageReadonlyPath, err, i);
  unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | kept_flags(fd);
  if (mount_on_fd(nullptr, fd, nullptr, flags, nullptr) < 0)
    Fail(plan, kStageReadonlyPath, errno, i);
  close(fd);
}

void SetupMaskedAndReadonly(const ChildPlan &plan, int rootfd) {
  for (size_t i = 0; i < plan.readonly.size(); i++)
    readonly_one(plan, rootfd, plan.readonly[i], static_cast<int>(i));
  for (size_t i = 0; i < plan.masked.size(); i++)
    mask_one(plan, rootfd, plan.masked[i], static_cast<int>(i));
}

}  // namespace child
}  // namespace iza
