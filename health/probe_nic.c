/* probe_nic: the node's network links: every InfiniBand port
 * (<sysfs>/class/infiniband/<dev>/ports/<p>/) ACTIVE and LinkUp, every
 * interface the job uses (--nic, else those with an IPv4 address but lo)
 * up, and error counters of both that grew since the last check (kept in
 * <state dir>/nic-counters.json, a directory of our own: a warning). Runs
 * in a probe child. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/util.h"
#include "health/health_int.h"

#define STATE_FILE "nic-counters.json"
#define STATE_MAX (1u << 20)

static const char *const ib_counters[] = {"symbol_error", "link_error_recovery", "link_downed", "port_rcv_errors",
                                          "local_link_integrity_errors", "excessive_buffer_overrun_errors"};
static const char *const net_counters[] = {"statistics/rx_errors", "statistics/tx_errors", "statistics/rx_crc_errors",
                                           "carrier_changes"};

/* "4: ACTIVE" -> "ACTIVE" */
static const char *after_colon(const char *s)
{
    const char *c = strchr(s, ':');
    return c ? c + 1 + strspn(c + 1, " ") : s;
}

static void read_counters(const char *dir, const char *prefix, const char *const *names, size_t n, json_t *now)
{
    for (size_t i = 0; i < n; i++) {
        char p[PATH_MAX], key[256];
        uint64_t v;
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        const char *base = strrchr(names[i], '/');
        snprintf(key, sizeof key, "%s/%s", prefix, base ? base + 1 : names[i]);
        if (read_u64(p, &v) == 0)
            json_object_set_new(now, key, json_integer((json_int_t)v));
    }
}

static void ib_port(const char *sysfs, const char *dev, const char *port, json_t *ports, json_t *now, char *fails)
{
    char dir[PATH_MAX], p[PATH_MAX + 32], state[64] = "?", phys[64] = "?", rate[64] = "", name[300];
    snprintf(dir, sizeof dir, "%s/class/infiniband/%s/ports/%s", sysfs, dev, port);
    snprintf(name, sizeof name, "%s/%s", dev, port);
    snprintf(p, sizeof p, "%s/state", dir);
    read_line(p, state, sizeof state);
    snprintf(p, sizeof p, "%s/phys_state", dir);
    read_line(p, phys, sizeof phys);
    snprintf(p, sizeof p, "%s/rate", dir);
    read_line(p, rate, sizeof rate);
    json_array_append_new(ports, json_pack("{s:s,s:s,s:s,s:s}", "port", name, "state", after_colon(state),
                                           "phys_state", after_colon(phys), "rate", rate));
    if (strcmp(after_colon(state), "ACTIVE") || strcmp(after_colon(phys), "LinkUp"))
        problem_add(fails, HEALTH_REASON_MAX, "IB port %s is %s/%s", name, after_colon(state), after_colon(phys));
    snprintf(p, sizeof p, "%s/counters", dir);
    read_counters(p, name, ib_counters, sizeof ib_counters / sizeof *ib_counters, now);
}

/* Every port of every InfiniBand device; the number of ports. */
static int check_ib(const char *sysfs, json_t *ports, json_t *now, char *fails)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/class/infiniband", sysfs);
    DIR *d = opendir(p);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char pp[PATH_MAX + 300];
        snprintf(pp, sizeof pp, "%s/%s/ports", p, e->d_name);
        DIR *pd = opendir(pp);
        struct dirent *pe;
        while (pd && (pe = readdir(pd)))
            if (pe->d_name[0] != '.')
                ib_port(sysfs, e->d_name, pe->d_name, ports, now, fails);
        if (pd)
            closedir(pd);
    }
    if (d)
        closedir(d);
    return (int)json_array_size(ports);
}

static void check_if(const char *sysfs, const char *ifname, json_t *ifs, json_t *now, char *fails)
{
    char dir[PATH_MAX], p[PATH_MAX + 32], oper[32] = "", carrier[8] = "";
    uint64_t speed = 0;
    snprintf(dir, sizeof dir, "%s/class/net/%s", sysfs, ifname);
    snprintf(p, sizeof p, "%s/operstate", dir);
    if (!safe_component(ifname) || read_line(p, oper, sizeof oper) < 0) {
        json_array_append_new(ifs, json_pack("{s:s,s:s}", "name", ifname, "operstate", "absent"));
        problem_add(fails, HEALTH_REASON_MAX, "no interface %s", ifname);
        return;
    }
    snprintf(p, sizeof p, "%s/carrier", dir);
    read_line(p, carrier, sizeof carrier); /* EINVAL when down */
    snprintf(p, sizeof p, "%s/speed", dir);
    json_t *e = json_pack("{s:s,s:s}", "name", ifname, "operstate", oper);
    if (read_u64(p, &speed) == 0)
        json_object_set_new(e, "speed_mbps", json_integer((json_int_t)speed));
    json_array_append_new(ifs, e);
    /* "unknown" is what lo and many virtual links report while they work */
    if (strcmp(oper, "up") && !(!strcmp(oper, "unknown") && !strcmp(carrier, "1")))
        problem_add(fails, HEALTH_REASON_MAX, "interface %s is %s", ifname, oper);
    read_counters(dir, ifname, net_counters, sizeof net_counters / sizeof *net_counters, now);
}

/* The interfaces with an IPv4 address but loopbacks, into names. */
static int default_ifs(char names[][IF_NAMESIZE], int max)
{
    struct ifaddrs *all, *a;
    int n = 0;
    if (getifaddrs(&all) < 0)
        return 0;
    for (a = all; a; a = a->ifa_next) {
        if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || (a->ifa_flags & IFF_LOOPBACK) ||
            strlen(a->ifa_name) >= IF_NAMESIZE)
            continue;
        int dup = 0;
        for (int k = 0; k < n; k++)
            dup |= !strcmp(names[k], a->ifa_name);
        if (!dup && n < max)
            snprintf(names[n++], IF_NAMESIZE, "%s", a->ifa_name);
    }
    freeifaddrs(all);
    return n;
}

/* Our state directory: created 0700, refused unless ours and private. */
static int state_dir(const struct health_opts *o, char *out, size_t n)
{
    struct stat st;
    if (o->state_dir)
        snprintf(out, n, "%s", o->state_dir);
    else
        snprintf(out, n, "/dev/shm/endure-health-%u", (unsigned)geteuid());
    if (mkdir(out, 0700) < 0 && errno != EEXIST)
        return -1;
    if (lstat(out, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
        errno = EPERM;
        return -1;
    }
    return 0;
}

/* Compares the counters with the last check's and saves them. */
static void compare_counters(const struct health_opts *o, json_t *now, json_t *fig, char *warns)
{
    char dir[PATH_MAX], path[PATH_MAX + 32];
    if (state_dir(o, dir, sizeof dir) < 0) {
        problem_add(warns, HEALTH_REASON_MAX, "counters not compared: state dir %s refused (%s)", dir, strerror(errno));
        return;
    }
    snprintf(path, sizeof path, "%s/%s", dir, STATE_FILE);
    char *text = read_regular_capped(path, STATE_MAX, NULL, O_NOFOLLOW);
    json_t *last = text ? json_loads(text, 0, NULL) : NULL, *grown = json_object();
    free(text);
    char list[HEALTH_REASON_MAX] = "";
    const char *k;
    json_t *v;
    json_object_foreach(now, k, v) {
        json_t *was = json_object_get(last, k);
        json_int_t d = json_integer_value(v) - json_integer_value(was);
        if (json_is_integer(was) && d > 0) {
            json_object_set_new(grown, k, json_integer(d));
            if (json_object_size(grown) <= 4)
                problem_add(list, sizeof list, "%s +%lld", k, (long long)d);
        }
    }
    if (*list)
        problem_add(warns, HEALTH_REASON_MAX, "error counters grew since the last check: %s", list);
    if (json_object_size(grown))
        json_object_set_new(fig, "counters_grown", grown);
    else
        json_decref(grown);
    json_object_set_new(fig, "baseline", json_boolean(!json_is_object(last)));
    json_decref(last);
    char *t = json_dumps(now, JSON_COMPACT);
    if (!t || write_file_durable(path, t, strlen(t)) < 0)
        problem_add(warns, HEALTH_REASON_MAX, "counters not saved in %s", dir);
    free(t);
}

void probe_nic(const struct health_opts *o, struct probe_out *out)
{
    char fails[HEALTH_REASON_MAX] = "", warns[HEALTH_REASON_MAX] = "", names[HEALTH_MAX_NICS][IF_NAMESIZE];
    json_t *ports = json_array(), *ifs = json_array(), *now = json_object();
    json_object_set_new(out->figures, "ib_ports", ports);
    json_object_set_new(out->figures, "interfaces", ifs);
    int nports = check_ib(o->sysfs, ports, now, fails), nif = o->nnics;
    if (!o->nnics)
        nif = default_ifs(names, HEALTH_MAX_NICS);
    for (int i = 0; i < nif; i++)
        check_if(o->sysfs, o->nnics ? o->nics[i] : names[i], ifs, now, fails);
    if (!nports && !nif) {
        probe_set(out, HEALTH_SKIP, "no InfiniBand port and no interface with an IPv4 address");
        json_decref(now);
        return;
    }
    compare_counters(o, now, out->figures, warns);
    json_decref(now);
    if (*fails)
        probe_set(out, HEALTH_FAIL, "%s", fails);
    else if (*warns)
        probe_set(out, HEALTH_WARN, "%s", warns);
    else
        probe_set(out, HEALTH_PASS, "%d IB port%s active, %d interface%s up", nports, nports == 1 ? "" : "s", nif,
                  nif == 1 ? "" : "s");
}
