/* Preloaded in front of Debian's libfaketime by scripts/fake-clock.
 *
 * With FAKETIME_DONT_FAKE_MONOTONIC=1, libfaketime 0.9.10 (Debian 12's) still shifts the
 * deadline of clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, ...) by the fake offset and hands
 * the kernel a negative time: EINVAL. Python >= 3.11 sleeps exactly that way, so time.sleep()
 * and subprocess.Popen.wait(timeout) fail (libfaketime issue #426, fixed upstream after 0.9.10).
 * Faking the monotonic clock instead is no way out: then threading's timed waits hang
 * (sem_clockwait goes to the kernel with a fake monotonic deadline; issue #390).
 *
 * So the monotonic clock stays real and this sends monotonic sleeps straight to the kernel;
 * every other clock_nanosleep goes on to libfaketime as before, and so does every call in a
 * process that fakes the monotonic clock after all (Chromium: tools/fake-clock/bin/chromium). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int clock_nanosleep(clockid_t clock_id, int flags, const struct timespec *request, struct timespec *remain) {
    static int (*next)(clockid_t, int, const struct timespec *, struct timespec *);
    static int real_monotonic = -1;
    if (real_monotonic < 0) {
        const char *setting = getenv("FAKETIME_DONT_FAKE_MONOTONIC");
        real_monotonic = setting != NULL && strcmp(setting, "1") == 0;
    }
    if (clock_id == CLOCK_MONOTONIC && real_monotonic) {
        int saved = errno;
        int result = syscall(SYS_clock_nanosleep, clock_id, flags, request, remain) == 0 ? 0 : errno;
        errno = saved;
        return result; /* like glibc: the error number, errno untouched */
    }
    if (next == NULL) {
        next = (int (*)(clockid_t, int, const struct timespec *, struct timespec *))dlsym(RTLD_NEXT, "clock_nanosleep");
    }
    return next(clock_id, flags, request, remain);
}
