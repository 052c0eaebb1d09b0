/* config_help: `endure run --help` and the man page's option list, both
 * rendered from config.c's option table (defaults from config_defaults()),
 * and the configuration as journal JSON. */
#include "supervisor/config.h"
#include <string.h>
#include "supervisor/config_int.h"
#include <stdio.h>
#include "oncall/notify.h"

#define HELP_COL 28   /* where the help paragraphs start */
#define HELP_WIDTH 80

static const char *const group_title[] = {
    [G_TORCHRUN] = "torchrun flags:", [G_IGNORED] = NULL, [G_ENDURE] = "endure flags:",
    [G_HEALTH] = "health check flags (see docs/health.md):",
    [G_DIAG] = "diagnosis flags (see docs/diagnose.md):", [G_CKPT] = "checkpoint flags (see docs/checkpoints.md):"};

/* 30s, 5m, 1h, 100ms: the largest unit that renders ms exactly. */
static void fmt_ms(int64_t ms, char *out, size_t n)
{
    if (ms && ms % 3600000 == 0)
        snprintf(out, n, "%lldh", (long long)(ms / 3600000));
    else if (ms && ms % 60000 == 0 && ms < 3600000)
        snprintf(out, n, "%lldm", (long long)(ms / 60000));
    else if (ms % 1000 == 0)
        snprintf(out, n, "%llds", (long long)(ms / 1000));
    else
        snprintf(out, n, "%lldms", (long long)ms);
}

/* The row's help with %D replaced by its default, rendered from defaults. */
static void help_text(const struct opt *o, const struct run_config *d, char *out, size_t n)
{
    char dv[64] = "";
    const char *base = (const char *)d + o->doff;
    if (o->dkind == D_MS)
        fmt_ms(*(const int64_t *)(const void *)base, dv, sizeof dv);
    else if (o->dkind == D_INT)
        snprintf(dv, sizeof dv, "%d", *(const int *)(const void *)base);
    const char *p = strstr(o->help, "%D");
    if (p)
        snprintf(out, n, "%.*s%s%s", (int)(p - o->help), o->help, dv, p + 2);
    else
        snprintf(out, n, "%s", o->help);
}

/* Prints text from column col (the first line continues the current one,
 * at column at), wrapped at HELP_WIDTH. */
static void wrap(const char *text, size_t at, size_t col)
{
    const char *p = text;
    while (*p) {
        size_t room = HELP_WIDTH > at ? HELP_WIDTH - at : 20, len = strlen(p);
        size_t take = len;
        if (len > room) {
            take = room;
            while (take > 0 && p[take] != ' ')
                take--;
            if (!take) /* one long word */
                for (take = room; p[take] && p[take] != ' '; take++)
                    ;
        }
        printf("%.*s\n", (int)take, p);
        p += take;
        while (*p == ' ')
            p++;
        if (*p)
            printf("%*s", (int)col, "");
        at = col;
    }
}

/* "  -r, --redirects SPEC"; returns its width */
static int flag_left(const struct opt *o, char *out, size_t n)
{
    const char *sp = o->arg ? " " : "", *arg = o->arg ? o->arg : "";
    if (o->shortc)
        return snprintf(out, n, "  -%c, --%s%s%s", o->shortc, o->name, sp, arg);
    return snprintf(out, n, "  --%s%s%s", o->name, sp, arg);
}

static void print_ignored(const struct opt *rows, size_t n)
{
    char list[512] = "";
    for (size_t i = 0; i < n; i++)
        if (rows[i].group == G_IGNORED) {
            size_t l = strlen(list);
            snprintf(list + l, sizeof list - l, "%s--%s", l ? ", " : "", rows[i].name);
        }
    printf("  ");
    wrap(list, 2, 2);
    printf("%*s", HELP_COL, "");
    wrap("accepted for compatibility and ignored: the controller assigns ranks itself and agents reach it over TCP",
         HELP_COL, HELP_COL);
}

void config_usage(void)
{
    size_t n;
    const struct opt *rows = config_opts(&n);
    struct run_config d;
    config_defaults(&d);
    printf(
"usage: endure run [torchrun flags] [endure flags] script.py [args...]\n"
"       endure run [flags] -- command [args...]\n"
"\n"
"Runs a torchrun-style job under endure's supervision: one agent per node starts\n"
"the ranks with torchrun's environment, every rank's output goes to its log file,\n"
"and a failed rank, a lost node or a hang stops the job and restarts it.\n"
"Flags accept --dash-names and --underscore_names, --flag=value and --flag value;\n"
"every torchrun flag can also come from PET_<NAME> (e.g. PET_NPROC_PER_NODE=4).\n");
    for (int g = G_TORCHRUN; g <= G_CKPT; g++) {
        if (g == G_IGNORED) {
            print_ignored(rows, n);
            continue;
        }
        printf("\n%s\n", group_title[g]);
        for (size_t i = 0; i < n; i++) {
            if ((int)rows[i].group != g || !rows[i].help)
                continue;
            char left[128], text[1024];
            int w = flag_left(&rows[i], left, sizeof left);
            help_text(&rows[i], &d, text, sizeof text);
            if (w >= HELP_COL - 1) { /* a long flag: the help starts after two spaces */
                printf("%s  ", left);
                wrap(text, (size_t)w + 2, HELP_COL);
            } else {
                printf("%-*s", HELP_COL, left);
                wrap(text, HELP_COL, HELP_COL);
            }
        }
    }
    printf(
"\n"
"Durations: 30 (seconds), 30s, 500ms, 5m, 2h, 1.5s: digits with an optional\n"
"fraction and unit (no signs, exponents, hex, nan or inf). Flag values, PET_\n"
"variables, rule and policy files are checked before the run directory is\n"
"created: a bad one exits 2.\n"
"Python scripts run as $PYTHON_EXEC -u (default python3); the ranks' PYTHONPATH\n"
"ends with endure's Python helper directory (import endure_ckpt).\n"
"Exit codes: 0 success, 1 failed with the restart budget spent, 2 usage,\n"
"3 failure not worth retrying, 4 not enough healthy nodes, 128+N signal N.\n");
}

/* Text for man(7): backslashes and dashes escaped, no line starting with a
 * control character. */
static void man_text(const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", stdout);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", stdout);
        else if (*s == '-')
            fputs("\\-", stdout);
        else
            putchar(*s);
    }
}

void config_man(void)
{
    size_t n;
    const struct opt *rows = config_opts(&n);
    struct run_config d;
    config_defaults(&d);
    static const char *const sections[] = {[G_TORCHRUN] = "RUN: TORCHRUN FLAGS", [G_ENDURE] = "RUN: ENDURE FLAGS",
                                           [G_HEALTH] = "RUN: HEALTH CHECK FLAGS",
                                           [G_DIAG] = "RUN: DIAGNOSIS FLAGS", [G_CKPT] = "RUN: CHECKPOINT FLAGS"};
    for (int g = G_TORCHRUN; g <= G_CKPT; g++) {
        if (g == G_IGNORED)
            continue;
        printf(".SH %s\n", sections[g]);
        for (size_t i = 0; i < n; i++) {
            const struct opt *o = &rows[i];
            if ((int)o->group != g || !o->help)
                continue;
            char text[1024];
            help_text(o, &d, text, sizeof text);
            fputs(".TP\n.B ", stdout);
            if (o->shortc)
                printf("\\-%c, ", o->shortc);
            fputs("\\-\\-", stdout);
            man_text(o->name);
            if (o->arg) {
                fputs(" \\fI", stdout);
                man_text(o->arg);
                fputs("\\fR", stdout);
            }
            putchar('\n');
            man_text(text);
            putchar('\n');
        }
        if (g == G_TORCHRUN) {
            fputs(".TP\n.B ", stdout);
            for (size_t i = 0, k = 0; i < n; i++)
                if (rows[i].group == G_IGNORED) {
                    printf("%s\\-\\-", k++ ? ", " : "");
                    man_text(rows[i].name);
                }
            fputs("\nAccepted for compatibility and ignored: the controller assigns ranks itself.\n", stdout);
        }
    }
}

/* The LLM settings for the journal: the URL without user:password@ (a
 * secret there is never written), no key (it is not in the config). */
static json_t *llm_json(const struct run_config *c)
{
    static const char *const modes[] = {"off", "observe", "advise"}, *const learned[] = {"accepted", "auto", "off"};
    char url[512] = "";
    if (c->llm_url) {
        const char *s = strstr(c->llm_url, "://"), *at = s ? strchr(s + 3, '@') : NULL;
        const char *slash = s ? strchr(s + 3, '/') : NULL;
        if (at && (!slash || at < slash))
            snprintf(url, sizeof url, "%.*s%s", (int)(s + 3 - c->llm_url), c->llm_url, at + 1);
        else
            snprintf(url, sizeof url, "%s", c->llm_url);
    }
    return json_pack("{s:s?,s:s?,s:s,s:I,s:I,s:f,s:I,s:s?,s:s,s:b}", "url", c->llm_url ? url : NULL, "model",
                     c->llm_model, "mode", modes[c->llm_mode >= 0 && c->llm_mode < 3 ? c->llm_mode : 0],
                     "timeout_ms", (json_int_t)c->llm_timeout_ms, "wait_ms", (json_int_t)c->llm_wait_ms,
                     "min_confidence", c->llm_min_confidence, "max_prompt", (json_int_t)c->llm_max_prompt,
                     "learned_rules", c->learned_rules, "learned", learned[c->learned], "key_file",
                     c->llm_key_file != NULL);
}

json_t *config_to_json(const struct run_config *c)
{
    json_t *nodes = json_array(), *cmd = json_array(), *sigs = json_array();
    for (int i = 0; i < c->nnodes_list; i++)
        json_array_append_new(nodes, json_string(c->nodes[i]));
    for (int i = 0; i < c->ncmd; i++)
        json_array_append_new(cmd, json_string(c->cmd[i]));
    for (int i = 0; i < c->nsignals; i++)
        json_array_append_new(sigs, json_integer(c->signals[i]));
    json_t *j = json_pack("{s:i,s:i,s:i,s:i,s:I,s:s,s:s,s:s,s:s?,s:s?,s:i,s:i,s:s,s:b,s:b,s:b,s:s,s:b,"
                     "s:o,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s?,s:o,s:s,s:o}",
                     "nnodes_min", c->nnodes_min, "nnodes_max", c->nnodes_max, "nproc_per_node", c->nproc,
                     "max_restarts", c->max_restarts, "monitor_interval_ms", (json_int_t)c->monitor_interval_ms,
                     "log_dir", c->log_dir, "redirects", c->redirects, "tee", c->tee,
                     "local_ranks_filter", c->local_ranks_filter, "master_addr", c->master_addr,
                     "master_port", c->master_port, "node_rank", c->node_rank, "role", c->role,
                     "module", c->module, "no_python", c->no_python, "run_path", c->run_path,
                     "run_id", c->run_id, "standalone", c->standalone, "nodes", nodes,
                     "transport", c->transport, "stop_timeout_ms", (json_int_t)c->stop_timeout_ms,
                     "kill_timeout_ms", (json_int_t)c->kill_timeout_ms,
                     "hang_timeout_ms", (json_int_t)c->hang_timeout_ms,
                     "startup_timeout_ms", (json_int_t)c->startup_timeout_ms,
                     "heartbeat_timeout_ms", (json_int_t)c->heartbeat_timeout_ms,
                     "agent_timeout_ms", (json_int_t)c->agent_timeout_ms,
                     "restart_backoff_ms", (json_int_t)c->backoff_ms,
                     "restart_backoff_max_ms", (json_int_t)c->backoff_max_ms,
                     "healthy_after_ms", (json_int_t)c->healthy_after_ms,
                     "progress_regex", c->progress_regex, "forward_signals", sigs,
                     "python", c->python, "cmd", cmd);
    json_t *rules = json_array();
    for (int i = 0; i < c->nrules; i++)
        json_array_append_new(rules, json_string(c->rules[i]));
    json_object_set_new(j, "diagnosis", json_pack("{s:o,s:b,s:s?}", "rules", rules, "default_rules",
                                                  !c->no_default_rules, "policy", c->policy));
    json_object_set_new(j, "checkpoint",
                        json_pack("{s:s?,s:s?,s:i,s:I,s:s,s:i,s:I,s:I,s:i,s:I}", "ckpt_dir", c->ckpt_dir, "stage_dir",
                                  c->stage_dir, "keep", c->keep, "keep_every", (json_int_t)c->keep_every,
                                  "verify", c->verify ? "full" : "size", "save_signal", c->save_signal,
                                  "save_grace_ms", (json_int_t)c->save_grace_ms, "persist_timeout_ms",
                                  (json_int_t)c->persist_timeout_ms, "persist_threads", c->persist_threads, "stage_max_age_ms",
                                  (json_int_t)c->stage_max_age_ms));
    json_t *ck = json_object_get(j, "checkpoint");
    json_object_set_new(ck, "warn_saves", json_integer(c->ckpt_warn_saves));
    json_object_set_new(ck, "warn_after_ms", json_integer((json_int_t)c->ckpt_warn_after_ms));
    json_object_set_new(j, "shared_perms", json_boolean(c->shared_perms));
    json_t *notify = json_array(); /* redacted: webhook URLs carry tokens */
    for (int i = 0; i < c->nnotify; i++) {
        char r[300];
        notify_redact_url(c->notify[i], r, sizeof r);
        json_array_append_new(notify, json_string(r));
    }
    json_object_set_new(j, "oncall", json_pack("{s:s?,s:s?,s:o,s:b}", "metrics_file", c->metrics_file, "metrics_addr",
                                               c->metrics_addr, "notify", notify, "notify_cmd", c->notify_cmd != NULL));
    json_object_set_new(j, "health", json_pack("{s:s,s:I,s:I,s:i,s:i,s:I,s:I,s:I,s:O?}", "mode",
                                               c->health == HEALTH_OFF ? "off" : c->health == HEALTH_LOCAL ? "local" : "pairwise", "timeout_ms",
                                               (json_int_t)c->health_timeout_ms, "probe_timeout_ms",
                                               (json_int_t)c->health_probe_timeout_ms, "fail_after",
                                               c->health_fail_after, "gpus_per_node", c->gpus_per_node,
                                               "gpu_free_timeout_ms", (json_int_t)c->gpu_free_timeout_ms,
                                               "min_free", (json_int_t)c->min_free, "min_mem",
                                               (json_int_t)c->min_mem, "probes", c->health_probes));
    json_object_set_new(json_object_get(j, "health"), "pairwise",
                        json_pack("{s:s,s:s?,s:I,s:f,s:b}", "probe", c->pair_probe ? c->pair_probe : "auto",
                                  "command", c->pair_command, "bytes", (json_int_t)c->pair_bytes, "straggler_ratio",
                                  c->straggler_ratio, "exclude_stragglers", c->exclude_stragglers));
    json_object_set_new(j, "multinode", json_pack("{s:s?,s:s?,s:s?,s:s?,s:s?,s:b,s:b}", "hostfile", c->hostfile,
                                                  "slurm_job", c->slurm_job, "controller_addr", c->controller_addr,
                                                  "agent_cmd", c->agent_cmd, "ssh_opts", c->ssh_opts, "slurm_drain",
                                                  c->slurm_drain, "no_shared_fs", c->no_shared_fs));
    json_object_set_new(j, "llm", llm_json(c));
    return j;
}
