/* config_ops: the rows of `endure run`'s option table for the health
 * checks, the diagnosis (rules, policy, the LLM) and the checkpoints, with
 * their setters (see config_run.c for the others). */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "common/util.h"
#include "supervisor/config.h"
#include "supervisor/config_int.h"

DUR_SETTER(set_save_grace, save_grace_ms, "save-grace")
DUR_SETTER(set_persist_timeout, persist_timeout_ms, "persist-timeout")
DUR_SETTER(set_stage_max_age, stage_max_age_ms, "stage-max-age")
INT_SETTER(set_keep, keep, "keep", 1, 1000000)
INT_SETTER(set_persist_threads, persist_threads, "persist-threads", 1, 64)
INT_SETTER(set_ckpt_warn_saves, ckpt_warn_saves, "ckpt-warn-saves", 1, 1000000)
DUR_SETTER(set_ckpt_warn_after, ckpt_warn_after_ms, "ckpt-warn-after")
NONEMPTY_SETTER(set_ckpt_dir, ckpt_dir, "ckpt-dir")
NONEMPTY_SETTER(set_policy, policy, "policy")

static int set_rules(struct run_config *c, const char *v, struct buf *err)
{
    if (c->nrules == MAX_RULE_PATHS)
        return config_bad(err, "rules", v, "too many --rules");
    if (!*v)
        return config_bad(err, "rules", v, "must not be empty");
    c->rules[c->nrules] = strdup(v);
    return c->rules[c->nrules++] ? 0 : -1;
}

SWITCH_SETTER(set_no_default_rules, no_default_rules)
SWITCH_SETTER(set_shared_perms, shared_perms)
NONEMPTY_SETTER(set_stage_dir, stage_dir, "stage-dir")

static int set_keep_every(struct run_config *c, const char *v, struct buf *err)
{
    if (parse_long(v, 0, 1000000000L, &c->keep_every) < 0)
        return config_bad(err, "keep-every", v, "expected a number of steps (0: none)");
    return 0;
}

static int set_verify(struct run_config *c, const char *v, struct buf *err)
{
    if (strcmp(v, "size") && strcmp(v, "full"))
        return config_bad(err, "verify", v, "expected size or full");
    c->verify = !strcmp(v, "full");
    return 0;
}

static int set_health(struct run_config *c, const char *v, struct buf *err)
{
    if (!strcmp(v, "off"))
        c->health = HEALTH_OFF;
    else if (!strcmp(v, "local"))
        c->health = HEALTH_LOCAL;
    else if (!strcmp(v, "pairwise"))
        c->health = HEALTH_PAIRWISE;
    else
        return config_bad(err, "health", v, "expected off, local or pairwise");
    return 0;
}

static int set_pair_probe(struct run_config *c, const char *v, struct buf *err)
{
    if (strcmp(v, "auto") && strcmp(v, "tcp") && strcmp(v, "nccl") && strcmp(v, "command"))
        return config_bad(err, "pair-probe", v, "expected auto, tcp, nccl or command");
    return config_set_str(&c->pair_probe, v);
}

static int set_pair_command(struct run_config *c, const char *v, struct buf *err)
{
    if (!*v || strlen(v) > 4000)
        return config_bad(err, "pair-command", v, "expected a shell command of at most 4000 characters");
    return config_set_str(&c->pair_command, v);
}

static int set_straggler_ratio(struct run_config *c, const char *v, struct buf *err)
{
    char *end;
    double r = strtod(v, &end);
    if (!*v || *end || !(r > 0 && r <= 1))
        return config_bad(err, "straggler-ratio", v, "expected a number above 0 and at most 1 (e.g. 0.5)");
    c->straggler_ratio = r;
    return 0;
}

SWITCH_SETTER(set_exclude_stragglers, exclude_stragglers)
DUR_SETTER(set_health_timeout, health_timeout_ms, "health-timeout")
DUR_SETTER(set_health_probe_timeout, health_probe_timeout_ms, "health-probe-timeout")
DUR_SETTER(set_gpu_free_timeout, gpu_free_timeout_ms, "gpu-free-timeout")
INT_SETTER(set_health_fail_after, health_fail_after, "health-fail-after", 1, 100)
INT_SETTER(set_gpus_per_node, gpus_per_node, "gpus-per-node", 0, 1024)
SIZE_SETTER(set_min_free, min_free, "min-free")
SIZE_SETTER(set_min_mem, min_mem, "min-mem")
SIZE_SETTER(set_pair_bytes, pair_bytes, "pair-bytes")

static int set_health_probes(struct run_config *c, const char *v, struct buf *err)
{
    static const char *const known[] = {"gpu", "cuda", "nic", "storage", "memory"};
    char tmp[256];
    if (!config_list_ok(v, sizeof tmp))
        return config_bad(err, "health-probes", v, "expected a comma list of gpu, cuda, nic, storage, memory");
    snprintf(tmp, sizeof tmp, "%s", v);
    json_decref(c->health_probes);
    c->health_probes = json_array();
    char *save = NULL;
    for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int ok = 0;
        for (size_t i = 0; i < sizeof known / sizeof *known; i++)
            ok |= !strcmp(t, known[i]);
        if (!ok)
            return config_bad(err, "health-probes", v, "expected a comma list of gpu, cuda, nic, storage, memory");
        json_array_append_new(c->health_probes, json_string(t));
    }
    return 0;
}

/* the LLM (supervisor/ctl_llm.c) */
NONEMPTY_SETTER(set_llm_url, llm_url, "llm")
NONEMPTY_SETTER(set_llm_model, llm_model, "llm-model")
NONEMPTY_SETTER(set_llm_key_file, llm_key_file, "llm-key-file")
NONEMPTY_SETTER(set_llm_cacert, llm_cacert, "llm-cacert")
NONEMPTY_SETTER(set_learned_rules, learned_rules, "learned-rules")
DUR_SETTER(set_llm_timeout, llm_timeout_ms, "llm-timeout")
DUR_SETTER(set_llm_wait, llm_wait_ms, "llm-wait")

static int set_llm_mode(struct run_config *c, const char *v, struct buf *err)
{
    static const char *const names[] = {"off", "observe", "advise"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(v, names[i])) {
            c->llm_mode = i;
            return 0;
        }
    return config_bad(err, "llm-mode", v, "expected off, observe or advise");
}

static int set_learned(struct run_config *c, const char *v, struct buf *err)
{
    static const char *const names[] = {"accepted", "auto", "off"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(v, names[i])) {
            c->learned = i;
            return 0;
        }
    return config_bad(err, "learned", v, "expected accepted, auto or off");
}

static int set_llm_min_confidence(struct run_config *c, const char *v, struct buf *err)
{
    char *end;
    double x = strtod(v, &end);
    if (!*v || *end || !(x >= 0 && x <= 1))
        return config_bad(err, "llm-min-confidence", v, "expected a number in [0,1]");
    c->llm_min_confidence = x;
    return 0;
}

static int set_llm_max_prompt(struct run_config *c, const char *v, struct buf *err)
{
    uint64_t b;
    if (parse_size(v, &b) < 0 || b < 1024 || b > (64u << 20))
        return config_bad(err, "llm-max-prompt", v, "expected a size from 1K to 64M");
    c->llm_max_prompt = (int64_t)b;
    return 0;
}

static int set_save_signal(struct run_config *c, const char *v, struct buf *err)
{
    int s = config_sig_from_name(v);
    if (s < 0)
        return config_bad(err, "save-signal", v, "expected a signal name such as USR1");
    c->save_signal = s;
    return 0;
}

const struct opt config_rows_ops[] = {
    O("health", 0, 1, set_health, G_HEALTH, "off|local|pairwise",
      "local (default): every node runs its health probes (endure health: gpu, cuda, nic, storage, memory) "
      "before the first attempt, and spares again before they join; a node that fails is excluded like a lost "
      "node; pairwise: the probes, then a two-round pairwise link test (--pair-probe); off: none"),
    O("pair-probe", 0, 1, set_pair_probe, G_HEALTH, "auto|tcp|nccl|command",
      "the pairwise test's backend: nccl (all-reduce through libnccl.so.2), tcp (socket bandwidth both ways), "
      "command (--pair-command); auto (default): nccl when both nodes have GPUs, else tcp"),
    O("pair-command", 0, 1, set_pair_command, G_HEALTH, "CMD",
      "the command backend: a shell command run on both nodes of a pair with ENDURE_PAIR_RANK/ADDR/PORT, "
      "MASTER_ADDR/PORT, RANK, WORLD_SIZE=2 and NCCL_COMM_ID set; its '# Avg bus bandwidth : X' line "
      "(nccl-tests) is the pair's GB/s"),
    O("pair-bytes", 0, 1, set_pair_bytes, G_HEALTH, "SIZE",
      "bytes per direction (tcp) or per all-reduce (nccl) of the pairwise test (default 64M tcp, 256M nccl)"),
    O("straggler-ratio", 0, 1, set_straggler_ratio, G_HEALTH, "X",
      "pairwise: a node whose best bandwidth is under X times the median is a straggler (default 0.5)"),
    O("exclude-stragglers", 0, 0, set_exclude_stragglers, G_HEALTH, NULL,
      "exclude stragglers like failed nodes (default: journaled and warned only)"),
    OD("health-timeout", set_health_timeout, G_HEALTH, "DUR",
       "a node whose check has not answered by then is excluded (default %D)", D_MS, health_timeout_ms),
    OD("health-probe-timeout", set_health_probe_timeout, G_HEALTH, "DUR", "bound of each probe (default %D)",
       D_MS, health_probe_timeout_ms),
    OD("health-fail-after", set_health_fail_after, G_HEALTH, "N",
       "a probe must fail N consecutive runs before the node counts as unhealthy (default %D)", D_INT,
       health_fail_after),
    O("health-probes", 0, 1, set_health_probes, G_HEALTH, "LIST", "run only these probes (default: all)"),
    O("gpus-per-node", 0, 1, set_gpus_per_node, G_HEALTH, "N",
      "the GPUs every node must have (the gpu probe fails with fewer; default: not checked)"),
    OD("gpu-free-timeout", set_gpu_free_timeout, G_HEALTH, "DUR",
       "how long the gpu probe waits for processes left on the GPUs to go (default %D)", D_MS, gpu_free_timeout_ms),
    O("min-free", 0, 1, set_min_free, G_HEALTH, "SIZE",
      "free space the checkpoint directory needs (default: twice the newest checkpoint)"),
    O("min-mem", 0, 1, set_min_mem, G_HEALTH, "SIZE", "MemAvailable each node needs (default: not checked)"),
    O("rules", 0, 1, set_rules, G_DIAG, "PATH",
      "a rule file or directory added to the shipped rules (repeatable); checked at start, a bad rule exits 2"),
    O("no-default-rules", 0, 0, set_no_default_rules, G_DIAG, NULL, "use only the --rules given"),
    O("policy", 0, 1, set_policy, G_DIAG, "FILE",
      "per-type/per-category overrides of the rules' actions; checked at start, a bad policy exits 2"),
    O("llm", 0, 1, set_llm_url, G_DIAG, "URL",
      "ask an OpenAI-compatible server (vLLM, llama.cpp, Ollama, a hosted API: POST URL/v1/chat/completions; also "
      "ENDURE_LLM_URL) about failures the rules do not classify with confidence; on its own thread, never "
      "delaying a restart more than --llm-wait; the key only from ENDURE_LLM_API_KEY or --llm-key-file"),
    O("llm-model", 0, 1, set_llm_model, G_DIAG, "NAME", "the model to ask (default \"default\")"),
    O("llm-mode", 0, 1, set_llm_mode, G_DIAG, "off|observe|advise",
      "advise (default with --llm): a validated LLM verdict decides when the rule verdict is unknown or below "
      "--llm-min-confidence (an LLM stop below confidence 0.8 restarts); observe: every failure is sent, the "
      "answer is journaled and printed and changes nothing; off: no LLM"),
    OD("llm-timeout", set_llm_timeout, G_DIAG, "DUR", "the whole exchange with the server, retries included "
       "(default %D)", D_MS, llm_timeout_ms),
    OD("llm-wait", set_llm_wait, G_DIAG, "DUR",
       "how long the restart decision waits for the LLM (default %D); then the rule verdict decides and a late "
       "answer is journaled (llm_late); a confident rule verdict never waits", D_MS, llm_wait_ms),
    O("llm-min-confidence", 0, 1, set_llm_min_confidence, G_DIAG, "X",
      "rule verdicts below X (default 0.6) and unknown failures go to the LLM"),
    O("llm-key-file", 0, 1, set_llm_key_file, G_DIAG, "FILE",
      "the API key's file (its first line; must not be group or world readable)"),
    O("llm-cacert", 0, 1, set_llm_cacert, G_DIAG, "FILE", "CA bundle for an https --llm (verification is always on)"),
    O("llm-max-prompt", 0, 1, set_llm_max_prompt, G_DIAG, "SIZE", "prompt budget in bytes (default 24K)"),
    O("learned-rules", 0, 1, set_learned_rules, G_DIAG, "FILE",
      "the learned rules file (default <log-dir>/learned-rules/learned.yaml): its accepted rules classify, and a "
      "safe rule the LLM proposes is appended to it as a candidate (endure rules learned)"),
    O("learned", 0, 1, set_learned, G_DIAG, "accepted|auto|off",
      "which learned rules classify: accepted (default), auto (candidates too: the next attempt's agents load a "
      "rule learned from this failure), off (the file is ignored)"),
    O("ckpt-dir", 0, 1, set_ckpt_dir, G_CKPT, "DIR",
      "durable checkpoint directory; enables asynchronous checkpoints: ranks get ENDURE_CKPT_STAGE and "
      "ENDURE_CKPT_DIR and, when there is one to resume from, ENDURE_RESUME_DIR, ENDURE_RESUME_TAG and "
      "ENDURE_RESUME_STEP"),
    O("stage-dir", 0, 1, set_stage_dir, G_CKPT, "DIR",
      "node-local stage (default /dev/shm/endure-<run-id>-<uid>-<node>, <uid> naming this run's checkpoint "
      "lineage)"),
    OD("keep", set_keep, G_CKPT, "K", "complete checkpoints to keep (default %D, at least 1)", D_INT, keep),
    O("keep-every", 0, 1, set_keep_every, G_CKPT, "N", "also keep every checkpoint whose step is a multiple of N"),
    O("verify", 0, 1, set_verify, G_CKPT, "size|full",
      "check before restoring: sizes (default; CRCs were computed while persisting) or every CRC (reads the whole "
      "checkpoint)"),
    O("save-signal", 0, 1, set_save_signal, G_CKPT, "SIG",
      "on a signal to endure, first send SIG to the ranks so that they can commit a last checkpoint "
      "(ENDURE_SAVE_SIGNAL)"),
    OD("save-grace", set_save_grace, G_CKPT, "DUR", "how long to wait for that last checkpoint (default %D)", D_MS,
       save_grace_ms),
    OD("persist-timeout", set_persist_timeout, G_CKPT, "DUR",
       "how long a stop waits for committed checkpoints to be persisted (default %D)", D_MS, persist_timeout_ms),
    OD("persist-threads", set_persist_threads, G_CKPT, "N", "copy threads per node (default %D)", D_INT,
       persist_threads),
    OD("ckpt-warn-saves", set_ckpt_warn_saves, G_CKPT, "N",
       "warn (console, journal, summary) when N checkpoint saves pass and none completes (default %D)", D_INT,
       ckpt_warn_saves),
    OD("ckpt-warn-after", set_ckpt_warn_after, G_CKPT, "DUR",
       "the same when DUR passes after such a save (default %D)", D_MS, ckpt_warn_after_ms),
    O("shared-perms", 0, 0, set_shared_perms, G_CKPT, NULL,
      "create the run directory, logs and durable checkpoints with the umask's permissions (default: 0700 "
      "directories, 0600 files, readable by the user only)"),
    OD("stage-max-age", set_stage_max_age, G_CKPT, "DUR",
       "an agent starting removes the stages next to its own that dead runs left, once untouched this long "
       "(default %D; 0: at once)", D_MS, stage_max_age_ms),
};
const size_t config_nrows_ops = sizeof config_rows_ops / sizeof *config_rows_ops;
_Static_assert(sizeof config_rows_ops / sizeof *config_rows_ops <= CONFIG_ROWS_OPS_MAX, "raise CONFIG_ROWS_OPS_MAX");
