/* util: clocks, fd helpers, durable writes, strict number parsing (util.h). */
#include "common/util.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int e = pthread_create(t, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return e;
}

int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double mono_time(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double median_inplace(double *v, size_t n)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double wall_time(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void format_time(double t, char *out, size_t outlen)
{
    time_t s = (time_t)t;
    struct tm tm;
    gmtime_r(&s, &tm);
    int ms = (int)((t - (double)s) * 1000);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, outlen, "%s.%03dZ", base, ms);
}

int ms_until(int64_t deadline)
{
    if (deadline < 0)
        return -1;
    int64_t d = deadline - now_ms();
    if (d < 0)
        return 0;
    if (d > INT_MAX)
        return INT_MAX;
    return (int)d;
}

int64_t deadline_min(int64_t a, int64_t b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

int fd_set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -1;
    return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int fd_set_cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFD);
    if (fl < 0)
        return -1;
    return fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int mkdir_p(const char *path, mode_t mode)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, mode) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, mode) < 0 && errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(tmp, &st) < 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

int write_file_durable(const char *path, const void *data, size_t len)
{
    char tmp[PATH_MAX], dir[PATH_MAX];
    int rc = -1, fd = -1, e = 0;
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof tmp ||
        snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir) {
        errno = ENAMETOOLONG;
        return -1;
    }
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    fd = open_regular(AT_FDCWD, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
    if (fd < 0)
        goto out;
    if (write_all(fd, data, len) < 0 || fsync(fd) < 0)
        goto out;
    if (close(fd) < 0) {
        fd = -1;
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) < 0)
        goto out;
    rc = fsync_dir(dir);
out:
    e = errno;
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        unlink(tmp);
    errno = e;
    return rc;
}

int open_regular(int dirfd, const char *path, int flags, mode_t mode)
{
    int fd = openat(dirfd, path, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, mode);
    if (fd < 0) {
        if (errno == ENXIO) /* a FIFO without a reader, a socket, a device */
            errno = ENOTREGULAR;
        return -1;
    }
    struct stat st;
    int fl, e = 0;
    if (fstat(fd, &st) < 0)
        e = errno;
    else if (!S_ISREG(st.st_mode))
        e = ENOTREGULAR;
    else if ((fl = fcntl(fd, F_GETFL)) < 0 ||
             (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0))
        e = errno;
    if (e) {
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

const char *file_strerror(int e)
{
    if (e == ENOTREGULAR)
        return "not a regular file (refused)";
    if (e == ELOOP)
        return "a symbolic link (refused)";
    return strerror(e);
}

char *read_file_capped(const char *path, size_t max, size_t *len_out)
{
    return read_regular_capped(path, max, len_out, 0);
}

char *read_regular_capped(const char *path, size_t max, size_t *len_out, int flags)
{
    int fd = open_regular(AT_FDCWD, path, O_RDONLY | flags, 0);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "rb");
    if (!f) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    size_t cap = max < 4096 ? max : 4096, len = 0;
    struct stat st; /* sized to the file when it says its size: one read, no regrowth */
    if (fstat(fd, &st) == 0 && st.st_size > 0 && (uintmax_t)st.st_size < max)
        cap = (size_t)st.st_size + 1;
    char *p = malloc(cap + 1);
    while (p) {
        if (len == cap) {
            char extra;
            if (cap >= max) {
                if (fread(&extra, 1, 1, f) == 1) {
                    free(p);
                    p = NULL;
                    errno = EFBIG;
                }
                break;
            }
            cap = cap > max / 2 ? max : cap * 2;
            char *np = realloc(p, cap + 1);
            if (!np) {
                free(p);
                p = NULL;
                break;
            }
            p = np;
        }
        size_t n = fread(p + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                free(p);
                p = NULL;
                errno = EIO;
            }
            break;
        }
    }
    fclose(f);
    if (p) {
        p[len] = '\0';
        if (len_out)
            *len_out = len;
    }
    return p;
}

int parse_long(const char *s, long min, long max, long *out)
{
    /* an optional '-' (only where min < 0), then decimal digits only: no
     * spaces, no '+', no hex or octal prefixes, no trailing bytes */
    const char *d = s && *s == '-' && min < 0 ? s + 1 : s;
    if (!d || !*d || strspn(d, "0123456789") != strlen(d))
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

size_t parse_digits(const char *s, long max, long *out)
{
    size_t n = strspn(s, "0123456789");
    long v = 0;
    if (n == 0 || n > 18)
        return 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    if (v > max)
        return 0;
    *out = v;
    return n;
}

int parse_decimal(const char *s, size_t n, double *out)
{
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    size_t i = 0, digits = 0;
    uint64_t m = 0;
    long e = 0, x = 0;
    int neg = i < n && s[i] == '-', xneg = 0, big = 0;
    i += i < n && (s[i] == '-' || s[i] == '+');
    for (int frac = 0; i < n; i++) { /* DIGITS[.DIGITS] */
        if (s[i] == '.' && !frac) {
            frac = 1;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            break;
        digits++;
        if (m > (1ull << 53) / 10)
            big = 1; /* the fast path would be inexact: strtod decides */
        else
            m = m * 10 + (uint64_t)(s[i] - '0'), e -= frac;
    }
    if (!digits)
        return -1;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        xneg = i < n && s[i] == '-';
        i += i < n && (s[i] == '-' || s[i] == '+');
        size_t j = i;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            x = x < 100000 ? x * 10 + (s[i] - '0') : x;
        if (i == j)
            return -1;
    }
    if (i != n || n > 64)
        return -1;
    e += xneg ? -x : x;
    if (!big && m < (1ull << 53) && e >= -22 && e <= 22) {
        double v = e < 0 ? (double)m / pow10[-e] : (double)m * pow10[e];
        *out = neg ? -v : v;
        return 0;
    }
    char num[65];
    memcpy(num, s, n);
    num[n] = '\0';
    *out = strtod(num, NULL);
    return 0;
}

int parse_duration_ms(const char *s, int64_t *out)
{
    /* DIGITS[.DIGITS][ms|s|m|h]: checked by hand before strtod, which would
     * also take "nan", "inf", "0x10", "1e3", spaces and signs */
    if (!s)
        return -1;
    size_t n = strspn(s, "0123456789");
    if (n == 0)
        return -1;
    if (s[n] == '.') {
        size_t f = strspn(s + n + 1, "0123456789");
        if (f == 0)
            return -1;
        n += 1 + f;
    }
    const char *unit = s + n;
    double mult;
    if (!strcmp(unit, "ms"))
        mult = 1;
    else if (!strcmp(unit, "s") || !*unit)
        mult = 1000;
    else if (!strcmp(unit, "m"))
        mult = 60000;
    else if (!strcmp(unit, "h"))
        mult = 3600000;
    else
        return -1;
    char num[64];
    if (n >= sizeof num)
        return -1;
    memcpy(num, s, n);
    num[n] = '\0';
    errno = 0;
    double v = strtod(num, NULL);
    double ms = v * mult;
    if (errno || !(ms >= 0 && ms <= 9e15))
        return -1;
    *out = (int64_t)(ms + 0.5);
    return 0;
}

int parse_size(const char *s, uint64_t *out)
{
    if (!s)
        return -1;
    size_t n = strspn(s, "0123456789");
    const char *u = s + n, *units = "KMGT", *k = *u ? strchr(units, toupper((unsigned char)*u)) : NULL;
    unsigned shift = 0;
    if (*u) {
        if (!k || !*k) /* strchr finds the NUL too */
            return -1;
        shift = 10 * (unsigned)(k - units + 1);
        u++;
        if (strcmp(u, "") && strcmp(u, "B") && strcmp(u, "iB"))
            return -1;
    }
    char num[24];
    long v;
    if (n == 0 || n >= sizeof num)
        return -1;
    memcpy(num, s, n);
    num[n] = '\0';
    if (parse_long(num, 0, LONG_MAX, &v) < 0 || (uint64_t)v > ((uint64_t)1 << 62) >> shift)
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

int safe_component(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 128 || !strcmp(name, ".") || !strcmp(name, ".."))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '/' || c < 0x20 || c == 0x7f)
            return 0;
    }
    return 1;
}

int find_data_dir(const char *env, const char *const *rel, size_t nrel, const char *probe, char *out,
                  size_t outlen)
{
    const char *e = getenv(env);
    if (e && *e)
        return snprintf(out, outlen, "%s", e) < (int)outlen ? 0 : -1;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    for (size_t i = 0; i < nrel; i++) {
        char cand[2 * PATH_MAX], real[PATH_MAX];
        struct stat st;
        snprintf(cand, sizeof cand, "%s/%s%s%s", exe, rel[i], *probe ? "/" : "", probe);
        if (stat(cand, &st) < 0 || !(*probe ? S_ISREG(st.st_mode) : S_ISDIR(st.st_mode)) || !realpath(cand, real))
            continue;
        if (*probe)
            *strrchr(real, '/') = '\0';
        return snprintf(out, outlen, "%s", real) < (int)outlen ? 0 : -1;
    }
    return -1;
}

int gpu_count(void)
{
    const char *v = getenv("CUDA_VISIBLE_DEVICES");
    int n = 0;
    if (v) {
        if (!*v || !strcmp(v, "-1") || !strcmp(v, "NoDevFiles"))
            return 0;
        for (const char *p = v; *p; p++) /* non-empty comma-separated entries */
            n += *p != ',' && (p == v || p[-1] == ',');
        return n;
    }
    DIR *d = opendir("/dev");
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (!strncmp(e->d_name, "nvidia", 6) && e->d_name[6] >= '0' && e->d_name[6] <= '9')
            n++;
    if (d)
        closedir(d);
    return n;
}
