/* fake_nccl: a test-only libnccl.so.2 (built into build/tests/fakes/, found
 * through LD_LIBRARY_PATH), exporting the NCCL symbols the pairwise nccl
 * backend uses, scripted by the environment:
 *   FAKE_NCCL_GBPS=X          each all-reduce of B bytes takes B / X GB/s
 *                             (default FAKE_NCCL_BASE_GBPS, which applies
 *                             on every node, or 50)
 *   FAKE_NCCL_INIT_FAIL=1     ncclCommInitRank fails (system error)
 *   FAKE_NCCL_HANG=init|allreduce   that call blocks until ncclCommAbort
 *   FAKE_NCCL_NODES=a,b       the settings above apply only on these nodes
 *                             (ENDURE_NODE, set by the agent)
 * The unique id is "fake-nccl:<pid>" and random bytes: rank 1 refuses an id
 * without that prefix (the id must travel intact through the controller).
 * Built with -DFAKE_NOSYM it lacks ncclCommAbort. */
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct { char internal[128]; } ncclUniqueId;
enum { ncclSuccess = 0, ncclSystemError = 2, ncclInvalidArgument = 4 };

static atomic_int aborted;
static int comm_token;

static int applies(void)
{
    const char *nodes = getenv("FAKE_NCCL_NODES"), *me = getenv("ENDURE_NODE");
    if (!nodes || !*nodes)
        return 1;
    size_t n = strlen(nodes), m = me ? strlen(me) : 0;
    for (const char *p = nodes; m && p + m <= nodes + n; p++)
        if ((p == nodes || p[-1] == ',') && !strncmp(p, me, m) && (p[m] == ',' || p[m] == '\0'))
            return 1;
    return 0;
}

static const char *setting(const char *name)
{
    const char *v = getenv(name);
    return applies() && v && *v ? v : NULL;
}

static void hang(void)
{
    while (!atomic_load(&aborted))
        poll(NULL, 0, 20);
}

const char *ncclGetErrorString(int rc)
{
    return rc == ncclSystemError ? "unhandled system error (fake)" : rc == ncclInvalidArgument ? "invalid argument"
                                                                                                  : "no error";
}

int ncclGetVersion(int *v)
{
    *v = 21805;
    return ncclSuccess;
}

int ncclGetUniqueId(ncclUniqueId *id)
{
    memset(id, 0, sizeof *id);
    int n = snprintf(id->internal, sizeof id->internal, "fake-nccl:%d:", (int)getpid());
    for (size_t i = (size_t)n + 1; i < sizeof id->internal; i++)
        id->internal[i] = (char)(rand() & 0xff);
    return ncclSuccess;
}

int ncclCommInitRank(void **comm, int nranks, ncclUniqueId id, int rank)
{
    const char *h = setting("FAKE_NCCL_HANG");
    if (nranks != 2 || rank < 0 || rank >= nranks || strncmp(id.internal, "fake-nccl:", 10))
        return ncclInvalidArgument;
    if (setting("FAKE_NCCL_INIT_FAIL"))
        return ncclSystemError;
    if (h && !strcmp(h, "init")) {
        hang();
        return ncclSystemError;
    }
    *comm = &comm_token;
    return ncclSuccess;
}

int ncclAllReduce(const void *send, void *recv, size_t count, int type, int op, void *comm, void *stream)
{
    (void)send, (void)recv, (void)type, (void)op, (void)stream;
    const char *h = setting("FAKE_NCCL_HANG"), *g = setting("FAKE_NCCL_GBPS");
    if (comm != &comm_token)
        return ncclInvalidArgument;
    if (h && !strcmp(h, "allreduce")) {
        hang();
        return ncclSystemError;
    }
    const char *base = getenv("FAKE_NCCL_BASE_GBPS");
    double def = base && *base ? strtod(base, NULL) : 50, gbps = g ? strtod(g, NULL) : def;
    double s = (double)count * 4 / (gbps > 0 ? gbps : 50) / 1e9;
    struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL); /* the fake link's speed */
    return ncclSuccess;
}

int ncclCommDestroy(void *comm)
{
    return comm == &comm_token ? ncclSuccess : ncclInvalidArgument;
}

#ifndef FAKE_NOSYM
int ncclCommAbort(void *comm)
{
    (void)comm;
    atomic_store(&aborted, 1);
    return ncclSuccess;
}
#endif
