/* config_nodes: which nodes a run has and how their agents start. The
 * transport is chosen (auto: slurm inside an allocation when no node list
 * is given, ssh with a hostfile, else local), then the node names come from
 * --nodes (a Slurm hostlist expression), --hostfile (DeepSpeed/MPI style)
 * or the allocation's SLURM_JOB_NODELIST, all expanded by common/hostlist.
 * Every problem is one sentence and a usage error: nothing has started. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/hostlist.h"
#include "common/util.h"
#include "supervisor/config.h"
#include "supervisor/transport.h"

static int choose_transport(struct run_config *c, const char *job, struct buf *err)
{
    int kind;
    if (!strcmp(c->transport, "auto"))
        kind = c->hostfile ? TRANSPORT_SSH : job && !c->nodes_expr ? TRANSPORT_SLURM : TRANSPORT_LOCAL;
    else
        kind = transport_kind_of(c->transport);
    if (kind == TRANSPORT_SLURM && !job) {
        buf_printf(err, "--transport slurm needs a Slurm allocation (SLURM_JOB_ID is not set): run endure inside "
                        "salloc or an sbatch script");
        return -1;
    }
    if (kind == TRANSPORT_SSH && !c->nodes_expr && !c->hostfile) {
        buf_printf(err, "--transport ssh needs the hosts: --nodes HOSTLIST or --hostfile FILE");
        return -1;
    }
    if (kind != TRANSPORT_LOCAL && c->node_rank >= 0) {
        buf_printf(err, "--node-rank runs one node of a torchrun-style job on this machine; it does not go with "
                        "--transport %s (one endure runs every node)", transport_name((enum transport_kind)kind));
        return -1;
    }
    c->transport_kind = kind;
    free(c->transport);
    c->transport = strdup(transport_name((enum transport_kind)kind));
    if (kind == TRANSPORT_SLURM)
        c->slurm_job = strdup(job);
    return c->transport && (kind != TRANSPORT_SLURM || c->slurm_job) ? 0 : -1;
}

/* Takes the names (and slots) into c; v's strings move into c->nodes. */
static int take_names(struct run_config *c, char **v, size_t n, const int *slots, const char *from,
                      struct buf *err)
{
    int dup = hostlist_find_dup(v, n);
    if (dup >= 0) {
        buf_printf(err, "%s: node '%s' is listed twice", from, v[dup]);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        c->nodes[c->nnodes_list] = v[i];
        c->slots[c->nnodes_list++] = slots ? slots[i] : -1;
        v[i] = NULL;
    }
    return 0;
}

static int from_expr(struct run_config *c, const char *expr, const char *from, struct buf *err)
{
    char **v = NULL;
    size_t n = 0;
    struct buf why;
    buf_init(&why, 1024);
    int rc = -1;
    if (hostlist_expand(expr, MAX_NODES, &v, &n, &why) < 0)
        buf_printf(err, "%s: %s", from, why.p ? why.p : "bad hostlist");
    else
        rc = take_names(c, v, n, NULL, from, err);
    hostlist_free(v, n);
    buf_free(&why);
    return rc;
}

static int from_hostfile(struct run_config *c, struct buf *err)
{
    struct hostfile_entry *e = NULL;
    size_t n = 0;
    int rc = -1;
    if (hostfile_load(c->hostfile, MAX_NODES, &e, &n, err) < 0)
        return -1;
    char **v = calloc(n, sizeof *v);
    int *slots = calloc(n, sizeof *slots);
    if (v && slots) {
        for (size_t i = 0; i < n; i++) {
            v[i] = e[i].host;
            slots[i] = e[i].slots;
            e[i].host = NULL;
        }
        rc = take_names(c, v, n, slots, "--hostfile", err);
        hostlist_free(v, n);
    }
    free(slots);
    hostfile_free(e, n);
    return rc;
}

/* node0..node<N-1> on this machine (with --node-rank K: nodeK only). */
static void default_names(struct run_config *c)
{
    int first = c->node_rank >= 0 ? c->node_rank : 0, n = c->node_rank >= 0 ? 1 : c->nnodes_max;
    for (int i = first; i < first + n; i++) {
        char name[32];
        snprintf(name, sizeof name, "node%d", i);
        c->slots[c->nnodes_list] = -1;
        c->nodes[c->nnodes_list++] = strdup(name);
    }
}

/* --nproc-per-node cpu|gpu|auto for the local transport: counted here. */
static int count_here(struct run_config *c, struct buf *err)
{
    int g = gpu_count(), cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (c->nproc_mode == NPROC_GPU && !g) {
        buf_printf(err, "--nproc-per-node gpu: no GPU found (CUDA_VISIBLE_DEVICES, /dev/nvidia*)");
        return -1;
    }
    c->nproc = c->nproc_mode == NPROC_CPU ? cpus : g ? g : cpus;
    return 0;
}

int config_resolve_nodes(struct run_config *c, struct buf *err)
{
    const char *job = getenv("SLURM_JOB_ID");
    if (job && !*job)
        job = NULL;
    if (c->nodes_expr && c->hostfile) {
        buf_printf(err, "give the nodes with --nodes or --hostfile, not both");
        return -1;
    }
    if (choose_transport(c, job, err) < 0)
        return -1;
    if (c->nodes_expr) {
        if (from_expr(c, c->nodes_expr, "--nodes", err) < 0)
            return -1;
    } else if (c->hostfile) {
        if (from_hostfile(c, err) < 0)
            return -1;
    } else if (c->transport_kind == TRANSPORT_SLURM) {
        const char *nl = getenv("SLURM_JOB_NODELIST");
        if (!nl || !*nl)
            nl = getenv("SLURM_NODELIST");
        if (!nl || !*nl) {
            buf_printf(err, "SLURM_JOB_NODELIST is empty or not set: cannot tell the allocation's nodes (give "
                            "--nodes)");
            return -1;
        }
        if (from_expr(c, nl, "SLURM_JOB_NODELIST", err) < 0)
            return -1;
        if (!c->nnodes_set) /* the whole allocation, no spares */
            c->nnodes_min = c->nnodes_max = c->nnodes_list;
        else if (c->nnodes_list < c->nnodes_min) {
            buf_printf(err, "the allocation has %d node(s) (%s) but --nnodes needs at least %d", c->nnodes_list, nl,
                       c->nnodes_min);
            return -1;
        }
    } else {
        default_names(c);
    }
    if (c->nproc_mode != NPROC_NUMBER && c->transport_kind == TRANSPORT_LOCAL && count_here(c, err) < 0)
        return -1;
    for (int i = 0; i < c->nnodes_list && (c->nproc_mode == NPROC_NUMBER || c->transport_kind == TRANSPORT_LOCAL); i++)
        if (c->slots[i] > 0 && c->nproc > c->slots[i]) {
            buf_printf(err, "--hostfile gives %s slots=%d, fewer than --nproc-per-node %d", c->nodes[i], c->slots[i],
                       c->nproc);
            return -1;
        }
    return 0;
}
