/* lockfile: liveness markers with OFD locks (see lockfile.h). */
#include "common/lockfile.h"
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int lockfile_take(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
        return fd;
    int e = errno;
    close(fd);
    errno = e;
    return e == EAGAIN || e == EACCES ? -2 : -1;
}

int lockfile_held(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    /* F_OFD_GETLK with F_RDLCK conflicts only with a write lock (an owner's);
     * it works on a read-only fd */
    struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
    int rc = fcntl(fd, F_OFD_GETLK, &fl);
    int e = errno;
    close(fd);
    errno = e;
    return rc < 0 ? -1 : fl.l_type != F_UNLCK;
}
