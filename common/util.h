/* util: small shared helpers: clocks, file descriptors, durable file writes,
 * directory creation, number parsing. All return 0 on success and -1 with
 * errno set on failure, unless stated otherwise. */
#ifndef ENDURE_UTIL_H
#define ENDURE_UTIL_H
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <errno.h>
#include <sys/types.h>

/* Milliseconds on the monotonic clock (for deadlines). */
int64_t now_ms(void);
/* Wall-clock time in seconds since the epoch, with sub-second precision. */
double wall_time(void);
/* Seconds on the monotonic clock, as a double (for measuring durations). */
double mono_time(void);
/* The median of v[0..n) (sorted in place); 0 when n is 0. */
double median_inplace(double *v, size_t n);
/* Formats the wall time t as RFC 3339 UTC with milliseconds into out. */
void format_time(double t, char *out, size_t outlen);
/* Milliseconds until deadline (>= 0), or -1 when deadline is -1 (none);
 * convenient as a poll() timeout. */
int ms_until(int64_t deadline);
/* Picks the earlier of two deadlines, where -1 means none. */
int64_t deadline_min(int64_t a, int64_t b);

int fd_set_nonblock(int fd);
int fd_set_cloexec(int fd);
/* pthread_create with every signal blocked in the new thread: the
 * process's signals (TERM, INT, CHLD...) always reach the thread that reads
 * them on its signalfd, whenever the thread was started. 0, or an errno. */
int thread_start(pthread_t *t, void *(*fn)(void *), void *arg);
/* Writes all of data, retrying on EINTR; blocking fds only. */
int write_all(int fd, const void *data, size_t len);

/* mkdir -p with the given mode for the directories it creates. */
int mkdir_p(const char *path, mode_t mode);
/* fsync of a directory (after a rename or create inside it). */
int fsync_dir(const char *dir);
/* Writes a whole file durably: temp file in the same directory, fsync,
 * rename over path, fsync of the directory. */
int write_file_durable(const char *path, const void *data, size_t len);
/* Reads a whole file (at most max bytes) into a malloc'd NUL-terminated
 * string owned by the caller. Only regular files (symlinks followed): a
 * FIFO or device is refused with ENOTREGULAR instead of blocking. */
char *read_file_capped(const char *path, size_t max, size_t *len_out);

/* errno of open_regular() for a path that exists but is not a regular file
 * (FIFO, socket, device, directory); file_strerror() names it. */
#define ENOTREGULAR EMEDIUMTYPE
/* Opens path (relative to dirfd, or AT_FDCWD) so that it can never block:
 * adds O_NONBLOCK|O_NOCTTY|O_CLOEXEC to flags, fstat()s the result and
 * refuses anything but a regular file (errno ENOTREGULAR; a FIFO without a
 * reader opened for writing too), then clears O_NONBLOCK again. Callers add
 * O_NOFOLLOW for paths where someone else could plant a symlink (ELOOP).
 * mode is used with O_CREAT. Returns the fd or -1 with errno. */
int open_regular(int dirfd, const char *path, int flags, mode_t mode);
/* strerror() that also names ENOTREGULAR ("not a regular file") and ELOOP
 * ("a symbolic link (refused)"), the refusals of open_regular(). */
const char *file_strerror(int e);
/* read_file_capped() with extra open flags (O_NOFOLLOW for files someone
 * else could plant); never blocks on a FIFO (see open_regular()). */
char *read_regular_capped(const char *path, size_t max, size_t *len_out, int flags);

/* Strict parsers for flag values, environment variables and file fields:
 * the whole string must be a decimal number in range: no spaces, no '+',
 * no hex, a '-' only when min < 0. Return 0 or -1. */
int parse_long(const char *s, long min, long max, long *out);
/* The decimal digits that start s (no sign, no spaces) as a value in
 * [0, max] (for numbers inside names such as "rank-12.log"): returns how
 * many digits were read, or 0 when there is none, more than 18, or the
 * value is over max. */
size_t parse_digits(const char *s, long max, long *out);
/* A decimal number of n bytes, [+-]DIGITS[.DIGITS][(e|E)[+-]DIGITS], as
 * strtod would read it (the whole n bytes, no spaces, no nan/inf/hex): 0 and
 * *out set, or -1. Exact (one correctly rounded operation) when the digits
 * fit in 2^53 and the power of ten in [-22, 22], the usual case for losses
 * in logs ("2.523866E+00"); strtod otherwise. For hot per-line paths. */
int parse_decimal(const char *s, size_t n, double *out);
/* Durations: DIGITS[.DIGITS] with an optional unit ms, s (the default), m
 * or h: "30", "30s", "500ms", "5m", "2h", "1.5s"; result in ms, at most
 * 9e15. No NaN, infinities, exponents, hex, signs or spaces. */
int parse_duration_ms(const char *s, int64_t *out);
/* Sizes in bytes: DIGITS with an optional unit K, M, G or T (powers of
 * 1024, either case, "B" or "iB" may follow: "512M", "2G", "2GiB", "4096");
 * at most 2^62. No signs, spaces, fractions or hex. */
int parse_size(const char *s, uint64_t *out);

/* Returns 1 if name is a safe single path component (no '/', not '.' or
 * '..', not empty, printable, at most 128 bytes), else 0. */
int safe_component(const char *name);

/* Finds one of endure's data directories (the rules, the Python helper):
 * $env when set and non-empty, else the first of "<binary dir>/<rel[i]>"
 * that holds probe (a name inside it; "" for the directory itself), made
 * absolute. 0, or -1 when none is found or out is too small. */
/* The GPUs this process may use: the entries of CUDA_VISIBLE_DEVICES when it
 * is set (as a Slurm step or a scheduler sets it; "" or "-1" is none), else
 * the /dev/nvidia<N> devices. */
int gpu_count(void);

int find_data_dir(const char *env, const char *const *rel, size_t nrel, const char *probe, char *out,
                  size_t outlen);

#endif
