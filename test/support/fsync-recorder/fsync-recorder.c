/*
 * LD_PRELOAD shim for tests: records every fsync and fdatasync of a process (which thread made it, which file) and
 * can make each one slow, as an SD card is. FSYNC_LOG names the file the lines are appended to:
 *   <pid> main|thread fsync|fdatasync <path>
 * "main" is the process's main thread (Node's event loop); "thread" any other (libuv's thread pool).
 * FSYNC_DELAY_MS, when set, sleeps that long before each call, in the thread that made it.
 * FSYNC_FAIL_ERRNO, when set, fails each call with that errno (5: EIO, as a failing SD card answers) instead, from the
 * moment the file FSYNC_FAIL_WHEN exists (from the start when it is not set).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static int log_fd = -1;
static useconds_t delay_us = 0;
static int fail_errno = 0;
static const char *fail_when = NULL;

__attribute__((constructor)) static void start(void) {
  const char *log = getenv("FSYNC_LOG");
  if (log) log_fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  const char *delay = getenv("FSYNC_DELAY_MS");
  if (delay) delay_us = (useconds_t)(atol(delay) * 1000);
  const char *fail = getenv("FSYNC_FAIL_ERRNO");
  if (fail) fail_errno = atoi(fail);
  fail_when = getenv("FSYNC_FAIL_WHEN");
}

static void record(const char *call, int fd) {
  if (log_fd < 0) return;
  char link[64];
  char path[512];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t length = readlink(link, path, sizeof path - 1);
  path[length > 0 ? length : 0] = '\0';
  char line[640];
  int size = snprintf(line, sizeof line, "%d %s %s %s\n", (int)getpid(),
                      syscall(SYS_gettid) == getpid() ? "main" : "thread", call, path);
  /* One write with O_APPEND: lines of different threads and processes never interleave. */
  if (write(log_fd, line, (size_t)size) < 0) return;
}

typedef int (*sync_call)(int);

/* Records the call, waits the delay, then fails or makes the real call (looked up once). */
static int intercept(const char *call, int fd, sync_call *real) {
  if (!*real) *real = (sync_call)dlsym(RTLD_NEXT, call);
  record(call, fd);
  if (delay_us) usleep(delay_us);
  if (fail_errno && (!fail_when || access(fail_when, F_OK) == 0)) {
    errno = fail_errno;
    return -1;
  }
  return (*real)(fd);
}

static sync_call real_fsync, real_fdatasync;
int fsync(int fd) { return intercept("fsync", fd, &real_fsync); }
int fdatasync(int fd) { return intercept("fdatasync", fd, &real_fdatasync); }
