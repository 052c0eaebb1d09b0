/* config_help: `endure run --help` and the configuration as journal JSON.
 * Kept beside config.c so that every flag's help sits in one place. */
#include "supervisor/config.h"
#include <stdio.h>

void config_usage(void)
{
    printf(
"usage: endure run [torchrun flags] [endure flags] script.py [args...]\n"
"       endure run [flags] -- command [args...]\n"
"\n"
"Runs a torchrun-style job under endure's supervision: one agent per node starts\n"
"the ranks with torchrun's environment, every rank's output goes to its log file,\n"
"and a failed rank, a lost node or a hang stops the job and restarts it.\n"
"Flags accept --dash-names and --underscore_names, --flag=value and --flag value;\n"
"every torchrun flag can also come from PET_<NAME> (e.g. PET_NPROC_PER_NODE=4).\n"
"\n"
"torchrun flags:\n"
"  --nnodes N|MIN:MAX        nodes in the job (default 1); with MIN:MAX endure runs on\n"
"                            as many healthy nodes as it has, up to MAX, at least MIN\n"
"  --nproc-per-node N|cpu|gpu|auto  ranks per node (default 1)\n"
"  --max-restarts N          restarts before giving up (default 3)\n"
"  --monitor-interval DUR    how often agents check heartbeat files and report\n"
"                            (default 100ms; failures are seen at once regardless)\n"
"  --log-dir DIR             parent of the run directory (default ./endure-runs);\n"
"                            logs go to DIR/<run-id>/attempt-<N>/<node>/rank-<R>.log\n"
"  -r, --redirects SPEC      keep these streams off the console (0 none, 1 stdout,\n"
"                            2 stderr, 3 both; or LOCAL_RANK:N,...); logs get all bytes\n"
"  -t, --tee SPEC            accepted: endure always writes every byte to the log\n"
"                            files and shows non-redirected streams on the console\n"
"  --local-ranks-filter L    show only these local ranks on the console (e.g. 0,1)\n"
"  --master-addr ADDR        MASTER_ADDR for the ranks (default 127.0.0.1)\n"
"  --master-port PORT        fixed MASTER_PORT (default: a free port each attempt)\n"
"  --node-rank N             without --nodes: run only node N of an --nnodes job,\n"
"                            torchrun-style (each node runs its own endure; needs\n"
"                            --master-port; its files go to <run dir>/node-rank-N/, so\n"
"                            the nodes may share --log-dir); with one controller, leave it out\n"
"  --role NAME               ROLE_NAME for the ranks (default 'default')\n"
"  -m, --module              run the script as a Python module (python -u -m)\n"
"  --no-python               run the script directly, not through Python\n"
"  --run-path                accepted: the script runs with python -u either way\n"
"  --rdzv-id ID              the run id (default: time and random); names the run dir\n"
"                            and the run; the same id, --log-dir and --ckpt-dir again\n"
"                            resume that run (a checkpoint dir belongs to one run id)\n"
"  --standalone              accepted: endure's controller is always its own rendezvous\n"
"  --rdzv-backend, --rdzv-endpoint, --rdzv-conf, --rdzv-timeout, --max-nodes,\n"
"  --start-method, --local-addr\n"
"                            accepted for compatibility and ignored: the controller\n"
"                            assigns ranks itself and agents reach it over TCP\n"
"\n"
"endure flags:\n"
"  --nodes N1,N2,...         node names (default: node0..node<nnodes-1>); nodes beyond\n"
"                            --nnodes are warm spares that replace excluded nodes\n"
"  --transport local         how agents start (only 'local': child processes here)\n"
"  --stop-timeout DUR        grace between TERM and KILL on a stop (default 30s); both\n"
"                            reach every process started by the ranks, also those\n"
"                            that left the rank's session\n"
"  --kill-timeout DUR        how long to wait for KILLed processes before reporting\n"
"                            them as unkillable and going on (default 10s)\n"
"  --hang-timeout DUR        no progress for this long is a hang (default 30m)\n"
"  --startup-timeout DUR     the same before the first progress (default 30m)\n"
"  --heartbeat-timeout DUR   an agent silent this long is lost (default 10s)\n"
"  --agent-timeout DUR       how long an agent may take to connect; it retries with\n"
"                            back-off until then (default 60s)\n"
"  --restart-backoff DUR     first back-off before a restart, doubling (default 1s)\n"
"  --restart-backoff-max DUR cap of the back-off (default 5m)\n"
"  --healthy-after DUR       an attempt that ran this long resets the back-off\n"
"                            (default 10m)\n"
"  --progress-regex RE       PCRE2 pattern that also marks a progress line (beside\n"
"                            the rules' progress rules; without rules the default\n"
"                            is the 'step N', 'iteration N', 'iter N' forms);\n"
"                            compiled at start: an invalid pattern exits 2\n"
"  --forward-signals LIST    signals forwarded to the ranks before a stop (default\n"
"                            INT,TERM,HUP,QUIT,USR1,USR2); a second INT kills at once\n"
"\n"
"diagnosis flags (see docs/diagnose.md):\n"
"  --rules PATH              a rule file or directory added to the shipped rules\n"
"                            (repeatable); checked at start, a bad rule exits 2\n"
"  --no-default-rules        use only the --rules given\n"
"  --policy FILE             per-type/per-category overrides of the rules' actions;\n"
"                            checked at start, a bad policy exits 2\n"
"\n"
"checkpoint flags (see docs/checkpoints.md):\n"
"  --ckpt-dir DIR            durable checkpoint directory; enables asynchronous\n"
"                            checkpoints: ranks get ENDURE_CKPT_STAGE and ENDURE_CKPT_DIR\n"
"                            and, when there is one to resume from, ENDURE_RESUME_DIR,\n"
"                            ENDURE_RESUME_TAG and ENDURE_RESUME_STEP\n"
"  --stage-dir DIR           node-local stage (default /dev/shm/endure-<run-id>-<uid>-<node>,\n"
"                            <uid> naming this run's checkpoint lineage)\n"
"  --keep K                  complete checkpoints to keep (default 3)\n"
"  --keep-every N            also keep every checkpoint whose step is a multiple of N\n"
"  --verify size|full        check before restoring: sizes (default; CRCs were computed\n"
"                            while persisting) or every CRC (reads the whole checkpoint)\n"
"  --save-signal SIG         on a signal to endure, first send SIG to the ranks so that\n"
"                            they can commit a last checkpoint (ENDURE_SAVE_SIGNAL)\n"
"  --save-grace DUR          how long to wait for that last checkpoint (default 60s)\n"
"  --persist-timeout DUR     how long a stop waits for committed checkpoints to be\n"
"                            persisted (default 5m)\n"
"  --persist-threads N       copy threads per node (default 2)\n"
"  --ckpt-warn-saves N       warn (console, journal, summary) when N checkpoint saves\n"
"                            pass and none completes (default 3)\n"
"  --ckpt-warn-after DUR     the same when DUR passes after such a save (default 30m)\n"
"  --shared-perms            create the run directory, logs and durable checkpoints\n"
"                            with the umask's permissions (default: 0700 directories,\n"
"                            0600 files, readable by the user only)\n"
"  --stage-max-age DUR       an agent starting removes the stages next to its own that\n"
"                            dead runs left, once untouched this long (default 1h;\n"
"                            0: at once)\n"
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

json_t *config_to_json(const struct run_config *c)
{
    json_t *nodes = json_array(), *cmd = json_array(), *sigs = json_array();
    for (int i = 0; i < c->nnodes_list; i++)
        json_array_append_new(nodes, json_string(c->nodes[i]));
    for (int i = 0; i < c->ncmd; i++)
        json_array_append_new(cmd, json_string(c->cmd[i]));
    for (int i = 0; i < c->nsignals; i++)
        json_array_append_new(sigs, json_integer(c->signals[i]));
    json_t *j = json_pack("{s:i,s:i,s:i,s:i,s:I,s:s,s:s,s:s,s:s?,s:s,s:i,s:i,s:s,s:b,s:b,s:b,s:s,s:b,"
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
    return j;
}
