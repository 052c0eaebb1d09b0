/* ctl_listen: where the controller listens for its agents and the address
 * it gives them. --controller-addr HOST[:PORT] when given; else loopback for
 * the local transport, and for slurm and ssh the address of this host that
 * the nodes reach: the source address of the route to the first node (a
 * UDP connect() sends nothing), else the address of this host's name, else
 * every interface with the hostname as the address given out. IPv4 only. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common/log.h"
#include "common/util.h"
#include "supervisor/ctl_int.h"

/* The IPv4 address of name (a host name or a dotted quad); 0 or -1. */
static int resolve4(const char *name, struct in_addr *out)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(name, NULL, &hints, &res) != 0 || !res)
        return -1;
    *out = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
    freeaddrinfo(res);
    return 0;
}

/* The local address the kernel would use to reach node; 0 or -1. */
static int route_source(const char *node, struct in_addr *out)
{
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(9)}, src;
    socklen_t sl = sizeof src;
    if (resolve4(node, &dst.sin_addr) < 0)
        return -1;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;
    if (fd >= 0 && connect(fd, (struct sockaddr *)&dst, sizeof dst) == 0 &&
        getsockname(fd, (struct sockaddr *)&src, &sl) == 0) {
        *out = src.sin_addr;
        rc = 0;
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Fills sa (address, port) and the name agents are given. */
static int choose(struct ctl *c, struct sockaddr_in *sa, char *name, size_t namelen, struct buf *err)
{
    const struct run_config *cfg = c->cfg;
    char host[256];
    if (cfg->controller_addr) {
        const char *colon = strrchr(cfg->controller_addr, ':');
        long port = 0;
        snprintf(host, sizeof host, "%.*s", colon ? (int)(colon - cfg->controller_addr) : 255,
                 cfg->controller_addr);
        if (colon)
            parse_long(colon + 1, 0, 65535, &port);
        sa->sin_port = htons((uint16_t)port);
        if (resolve4(host, &sa->sin_addr) < 0) {
            buf_printf(err, "--controller-addr %s: cannot resolve '%s' to an IPv4 address", cfg->controller_addr,
                       host);
            return -1;
        }
        inet_ntop(AF_INET, &sa->sin_addr, name, (socklen_t)namelen);
        return 0;
    }
    if (cfg->transport_kind == TRANSPORT_LOCAL) {
        sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else if (route_source(cfg->nodes[0], &sa->sin_addr) < 0 &&
               (gethostname(host, sizeof host) < 0 || resolve4(host, &sa->sin_addr) < 0)) {
        sa->sin_addr.s_addr = htonl(INADDR_ANY); /* every interface; the nodes resolve our name */
        snprintf(name, namelen, "%s", gethostname(host, sizeof host) == 0 ? host : "localhost");
        return 0;
    }
    inet_ntop(AF_INET, &sa->sin_addr, name, (socklen_t)namelen);
    return 0;
}

int ctl_listen(struct ctl *c, struct buf *err)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    char name[256];
    socklen_t sl = sizeof sa;
    if (choose(c, &sa, name, sizeof name, err) < 0)
        return -1;
    c->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->lfd < 0 || bind(c->lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(c->lfd, SOMAXCONN) < 0 ||
        getsockname(c->lfd, (struct sockaddr *)&sa, &sl) < 0) {
        char a[64];
        inet_ntop(AF_INET, &sa.sin_addr, a, sizeof a);
        buf_printf(err, "cannot listen on %s:%d for the agents: %s", a, ntohs(sa.sin_port), strerror(errno));
        return -1;
    }
    snprintf(c->addr, sizeof c->addr, "%s:%d", name, ntohs(sa.sin_port));
    c->tr = (struct transport){.kind = (enum transport_kind)c->cfg->transport_kind, .agent_cmd = c->cfg->agent_cmd,
                               .ssh_opts = c->cfg->ssh_opts, .slurm_job = c->cfg->slurm_job, .addr = c->addr,
                               .secret = c->secret, .join_ms = c->cfg->agent_timeout_ms};
    if (c->tr.kind != TRANSPORT_LOCAL)
        log_info("agents start through %s and connect to %s", transport_name(c->tr.kind), c->addr);
    return 0;
}
