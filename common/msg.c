/* msg: encoders and strict decoders of the controller <-> agent messages
 * (see msg.h). Each message has one pack format and one unpack format kept
 * next to each other, so that a field added to one is added to the other. */
#include "common/msg.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

typedef json_t *(*enc_fn)(const struct msg *m);
typedef int (*dec_fn)(json_t *j, struct msg *m, json_error_t *e);

static const char *type_s(const struct msg *m) { return msg_type_name(m->type); }

/* --- handshake --------------------------------------------------------- */

static json_t *enc_challenge(const struct msg *m)
{
    return json_pack("{s:s,s:s,s:i}", "type", type_s(m), "nonce", m->u.challenge.nonce, "version",
                     m->u.challenge.version);
}
static int dec_challenge(json_t *j, struct msg *m, json_error_t *e)
{
    const char *t;
    return json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:s,s:i}", "type", &t, "nonce", &m->u.challenge.nonce,
                          "version", &m->u.challenge.version);
}

static json_t *enc_hello(const struct msg *m)
{
    const struct msg_hello *h = &m->u.hello;
    json_t *j = json_pack("{s:s,s:s,s:i,s:s,s:s,s:i,s:s*,s:s*,s:s*}", "type", type_s(m), "node", h->node, "pid",
                          h->pid, "nonce", h->nonce, "mac", h->mac, "version", h->version, "release", h->release,
                          "host", h->host, "addr", h->addr);
    if (j && h->gpus >= 0)
        json_object_set_new(j, "gpus", json_integer(h->gpus));
    if (j && h->cpus >= 0)
        json_object_set_new(j, "cpus", json_integer(h->cpus));
    return j;
}
static int dec_hello(json_t *j, struct msg *m, json_error_t *e)
{
    struct msg_hello *h = &m->u.hello;
    const char *t;
    h->gpus = h->cpus = -1;
    return json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:s,s:i,s:s,s:s,s:i,s?s,s?s,s?s,s?i,s?i}", "type", &t, "node",
                          &h->node, "pid", &h->pid, "nonce", &h->nonce, "mac", &h->mac, "version", &h->version,
                          "release", &h->release, "host", &h->host, "addr", &h->addr, "gpus", &h->gpus, "cpus",
                          &h->cpus);
}

static json_t *enc_welcome(const struct msg *m)
{
    const struct msg_welcome *w = &m->u.welcome;
    return json_pack("{s:s,s:s,s:I,s:I}", "type", type_s(m), "mac", w->mac, "hb_interval_ms",
                     (json_int_t)w->hb_interval_ms, "hb_timeout_ms", (json_int_t)w->hb_timeout_ms);
}
static int dec_welcome(json_t *j, struct msg *m, json_error_t *e)
{
    struct msg_welcome *w = &m->u.welcome;
    const char *t;
    json_int_t iv, to;
    if (json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:s,s:I,s:I}", "type", &t, "mac", &w->mac, "hb_interval_ms",
                       &iv, "hb_timeout_ms", &to) < 0)
        return -1;
    w->hb_interval_ms = iv;
    w->hb_timeout_ms = to;
    return 0;
}

/* Messages with no field but the type (hb). */
static json_t *enc_bare(const struct msg *m) { return json_pack("{s:s}", "type", type_s(m)); }
static int dec_bare(json_t *j, struct msg *m, json_error_t *e)
{
    const char *t;
    (void)m;
    return json_unpack_ex(j, e, JSON_STRICT, "{s:s}", "type", &t);
}

/* --- controller -> agent ----------------------------------------------- */

static json_t *enc_ckpt_cfg(const struct msg_ckpt_cfg *c)
{
    json_t *j = json_pack("{s:s,s:s*,s:s,s:s,s:i,s:i,s:I}", "dir", c->dir, "stage_dir", c->stage_dir, "run_id",
                          c->run_id, "run_uid", c->run_uid, "world_size", c->world_size, "threads", c->threads,
                          "persist_timeout_ms", (json_int_t)c->persist_timeout_ms);
    if (j && c->has_resume)
        json_object_set_new(j, "resume", json_pack("{s:s,s:I}", "tag", c->resume_tag, "step",
                                                   (json_int_t)c->resume_step));
    if (j && c->save_signal > 0)
        json_object_set_new(j, "save_signal", json_integer(c->save_signal));
    return j;
}
static int dec_ckpt_cfg(json_t *j, struct msg_ckpt_cfg *c, json_error_t *e)
{
    json_t *resume = NULL;
    json_int_t pt, step = -1;
    c->save_signal = 0;
    if (json_unpack_ex(j, e, JSON_STRICT, "{s:s,s?s,s:s,s:s,s:i,s:i,s:I,s?o,s?i}", "dir", &c->dir, "stage_dir",
                       &c->stage_dir, "run_id", &c->run_id, "run_uid", &c->run_uid, "world_size", &c->world_size,
                       "threads", &c->threads, "persist_timeout_ms", &pt, "resume", &resume, "save_signal",
                       &c->save_signal) < 0)
        return -1;
    c->persist_timeout_ms = pt;
    c->has_resume = resume != NULL;
    if (resume && json_unpack_ex(resume, e, JSON_STRICT, "{s:s,s:I}", "tag", &c->resume_tag, "step", &step) < 0)
        return -1;
    c->resume_step = step;
    return 0;
}

static json_t *enc_start(const struct msg *m)
{
    const struct msg_start *s = &m->u.start;
    json_t *ck = s->has_ckpt ? enc_ckpt_cfg(&s->ckpt) : NULL;
    if (s->has_ckpt && !ck)
        return NULL;
    json_t *j = json_pack("{s:s,s:i,s:i,s:i,s:s,s:s,s:O,s:s,s:s*,s:s*,s:I,s:I,s:I,s:O,s:o*,s:O*}", "type", type_s(m),
                     "attempt", s->attempt, "nproc", s->nproc, "group_rank", s->group_rank, "node_dir", s->node_dir,
                     "cwd", s->cwd, "cmd", s->cmd, "redirects", s->redirects, "local_ranks_filter",
                     s->local_ranks_filter, "progress_regex", s->progress_regex, "monitor_ms",
                     (json_int_t)s->monitor_ms, "stop_timeout_ms", (json_int_t)s->stop_timeout_ms, "kill_timeout_ms",
                     (json_int_t)s->kill_timeout_ms, "env", s->env, "ckpt", ck, "rules", s->rules);
    if (j && s->umask >= 0)
        json_object_set_new(j, "umask", json_integer(s->umask));
    if (j)
        json_object_set_new(j, "stage_max_age_ms", json_integer((json_int_t)s->stage_max_age_ms));
    if (j && s->run_dir)
        json_object_set_new(j, "run_dir", json_string(s->run_dir));
    if (j && !s->shared_fs)
        json_object_set_new(j, "shared_fs", json_false());
    if (j && s->log_max_size > 0)
        json_object_set_new(j, "log_max_size", json_integer((json_int_t)s->log_max_size));
    if (j && s->log_keep > 0)
        json_object_set_new(j, "log_keep", json_integer((json_int_t)s->log_keep));
    if (j && s->plain_logs)
        json_object_set_new(j, "plain_logs", json_true());
    if (j && s->learned)
        json_object_set_new(j, "learned", json_pack("{s:s,s:b}", "path", s->learned, "candidates",
                                                    s->learned_candidates));
    return j;
}
static int dec_start(json_t *j, struct msg *m, json_error_t *e)
{
    struct msg_start *s = &m->u.start;
    const char *t;
    json_t *ck = NULL, *learned = NULL;
    json_int_t mon, st, kt, age, lmax = 0, lkeep = 0;
    s->umask = -1;
    s->shared_fs = 1;
    s->plain_logs = 0;
    if (json_unpack_ex(j, e, JSON_STRICT,
                       "{s:s,s:i,s:i,s:i,s:s,s:s,s:o,s:s,s?s,s?s,s:I,s:I,s:I,s:o,s?o,s?o,s?i,s:I,s?s,s?b,s?I,s?I,s?b,s?o}",
                       "type", &t, "attempt", &s->attempt, "nproc", &s->nproc, "group_rank", &s->group_rank,
                       "node_dir", &s->node_dir, "cwd", &s->cwd, "cmd", &s->cmd, "redirects", &s->redirects,
                       "local_ranks_filter", &s->local_ranks_filter, "progress_regex", &s->progress_regex,
                       "monitor_ms", &mon, "stop_timeout_ms", &st, "kill_timeout_ms", &kt, "env", &s->env, "ckpt",
                       &ck, "rules", &s->rules, "umask", &s->umask, "stage_max_age_ms", &age, "run_dir",
                       &s->run_dir, "shared_fs", &s->shared_fs, "log_max_size", &lmax, "log_keep", &lkeep,
                       "plain_logs", &s->plain_logs, "learned", &learned) < 0)
        return -1;
    if (learned && json_unpack_ex(learned, e, JSON_STRICT, "{s:s,s:b}", "path", &s->learned, "candidates",
                                  &s->learned_candidates) < 0)
        return -1;
    s->log_max_size = lmax > 0 ? lmax : 0;
    s->log_keep = lkeep > 0 ? lkeep : 0;
    s->stage_max_age_ms = age;
    s->monitor_ms = mon;
    s->stop_timeout_ms = st;
    s->kill_timeout_ms = kt;
    if (!json_is_array(s->cmd) || !json_array_size(s->cmd) || !json_is_object(s->env) ||
        (s->rules && !json_is_array(s->rules))) {
        snprintf(e->text, sizeof e->text, "cmd must be a non-empty array, env an object, rules an array");
        return -1;
    }
    s->has_ckpt = ck != NULL;
    return ck ? dec_ckpt_cfg(ck, &s->ckpt, e) : 0;
}

static json_t *enc_stop(const struct msg *m)
{
    const struct msg_stop *s = &m->u.stop;
    return json_pack("{s:s,s:i,s:I,s:b}", "type", type_s(m), "signal", s->signal, "grace_ms",
                     (json_int_t)s->grace_ms, "shutdown", s->shutdown);
}
static int dec_stop(json_t *j, struct msg *m, json_error_t *e)
{
    struct msg_stop *s = &m->u.stop;
    const char *t;
    json_int_t g;
    if (json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:i,s:I,s:b}", "type", &t, "signal", &s->signal, "grace_ms", &g,
                       "shutdown", &s->shutdown) < 0)
        return -1;
    s->grace_ms = g;
    return 0;
}

static json_t *enc_signal(const struct msg *m)
{
    return json_pack("{s:s,s:i}", "type", type_s(m), "signal", m->u.signal.signal);
}
static int dec_signal(json_t *j, struct msg *m, json_error_t *e)
{
    const char *t;
    return json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:i}", "type", &t, "signal", &m->u.signal.signal);
}

/* --- agent -> controller ----------------------------------------------- */

static json_t *enc_started(const struct msg *m)
{
    json_t *j = json_pack("{s:s,s:i,s:O}", "type", type_s(m), "attempt", m->u.started.attempt, "pids",
                          m->u.started.pids);
    if (j && m->u.started.shared_fs >= 0)
        json_object_set_new(j, "shared_fs", json_boolean(m->u.started.shared_fs));
    return j;
}
static int dec_started(json_t *j, struct msg *m, json_error_t *e)
{
    const char *t;
    int shared = -1;
    if (json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:i,s:o,s?b}", "type", &t, "attempt", &m->u.started.attempt, "pids",
                       &m->u.started.pids, "shared_fs", &shared) < 0)
        return -1;
    m->u.started.shared_fs = shared;
    return json_is_array(m->u.started.pids) ? 0 : (snprintf(e->text, sizeof e->text, "pids must be an array"), -1);
}

static json_t *enc_exit(const struct msg *m)
{
    const struct msg_exit *x = &m->u.exit;
    json_t *j = json_pack("{s:s,s:i,s:i,s:i,s:f,s:s,s:O*,s:I,s:s*,s:s*,s:s*,s:O*}", "type", type_s(m), "attempt",
                          x->attempt, "rank", x->rank, "local_rank", x->local_rank, "ts", x->ts, "file", x->file,
                          "tail", x->tail, "lines", (json_int_t)x->lines, "killer", x->killer, "kernel_log",
                          x->kernel_log, "cgroup", x->cgroup, "oom", x->oom);
    if (j)
        json_object_set_new(j, x->code >= 0 ? "code" : "signal", json_integer(x->code >= 0 ? x->code : x->signal));
    return j;
}
static int dec_exit(json_t *j, struct msg *m, json_error_t *e)
{
    struct msg_exit *x = &m->u.exit;
    const char *t;
    json_int_t lines;
    x->code = x->signal = -1;
    if (json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:i,s:i,s:i,s:F,s:s,s?i,s?i,s?o,s:I,s?s,s?s,s?s,s?o}", "type", &t,
                       "attempt", &x->attempt, "rank", &x->rank, "local_rank", &x->local_rank, "ts", &x->ts, "file",
                       &x->file, "code", &x->code, "signal", &x->signal, "tail", &x->tail, "lines", &lines,
                       "killer", &x->killer, "kernel_log", &x->kernel_log, "cgroup", &x->cgroup, "oom",
                       &x->oom) < 0)
        return -1;
    x->lines = lines;
    if ((x->code >= 0) == (x->signal >= 0) || (x->tail && !json_is_array(x->tail)) ||
        (x->oom && !json_is_object(x->oom))) {
        snprintf(e->text, sizeof e->text, "exactly one of code and signal, tail an array, oom an object");
        return -1;
    }
    return 0;
}

static json_t *enc_progress(const struct msg *m)
{
    const struct msg_progress *p = &m->u.progress;
    json_t *j = json_pack("{s:s,s:i}", "type", type_s(m), "attempt", p->attempt);
    if (j && p->step >= 0)
        json_object_set_new(j, "step", json_integer((json_int_t)p->step));
    if (j && isfinite(p->loss))
        json_object_set_new(j, "loss", json_real(p->loss));
    if (j && p->log_bytes > 0)
        json_object_set_new(j, "log_bytes", json_integer((json_int_t)p->log_bytes));
    return j;
}
static int dec_progress(json_t *j, struct msg *m, json_error_t *e)
{
    const char *t;
    struct msg_progress *p = &m->u.progress;
    json_int_t step = -1, lb = -1;
    p->loss = NAN;
    if (json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:i,s?I,s?F,s?I}", "type", &t, "attempt", &p->attempt, "step", &step,
                       "loss", &p->loss, "log_bytes", &lb) < 0)
        return -1;
    p->step = step;
    p->log_bytes = lb;
    if (step < -1 || lb < -1 || !isfinite(p->loss) != !json_object_get(j, "loss")) {
        snprintf(e->text, sizeof e->text, "step must be >= 0 and loss a finite number");
        return -1;
    }
    return 0;
}

static json_t *enc_stopped(const struct msg *m)
{
    const struct msg_stopped *s = &m->u.stopped;
    return json_pack("{s:s,s:i,s:I,s:O}", "type", type_s(m), "attempt", s->attempt, "ms", (json_int_t)s->ms,
                     "unreaped", s->unreaped);
}
static int dec_stopped(json_t *j, struct msg *m, json_error_t *e)
{
    struct msg_stopped *s = &m->u.stopped;
    const char *t;
    json_int_t ms;
    if (json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:i,s:I,s:o}", "type", &t, "attempt", &s->attempt, "ms", &ms,
                       "unreaped", &s->unreaped) < 0)
        return -1;
    s->ms = ms;
    return json_is_array(s->unreaped) ? 0 : (snprintf(e->text, sizeof e->text, "unreaped must be an array"), -1);
}

static json_t *enc_payload(const struct msg *m)
{
    return json_pack("{s:s,s:i,s:O}", "type", type_s(m), "attempt", m->u.payload.attempt, "event",
                     m->u.payload.event);
}
static int dec_payload(json_t *j, struct msg *m, json_error_t *e)
{
    const char *t;
    if (json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:i,s:o}", "type", &t, "attempt", &m->u.payload.attempt, "event",
                       &m->u.payload.event) < 0)
        return -1;
    return json_is_object(m->u.payload.event) ? 0
                                              : (snprintf(e->text, sizeof e->text, "event must be an object"), -1);
}

/* The count field's name differs by type. */
static const char *count_key(enum msg_type t)
{
    return t == MSG_EVENTS_DROPPED ? "events" : t == MSG_LIMIT_HITS ? "runs" : "lines";
}
static json_t *enc_count(const struct msg *m)
{
    json_t *j = json_pack("{s:s,s:i,s:I}", "type", type_s(m), "attempt", m->u.count.attempt, count_key(m->type),
                          (json_int_t)m->u.count.n);
    if (j && m->type == MSG_DROPPED)
        json_object_set_new(j, "messages", json_integer(m->u.count.messages));
    return j;
}
static int dec_count(json_t *j, struct msg *m, json_error_t *e)
{
    const char *t;
    json_int_t n, msgs = 0;
    int rc = m->type == MSG_DROPPED
                 ? json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:i,s:I,s:I}", "type", &t, "attempt",
                                  &m->u.count.attempt, "lines", &n, "messages", &msgs)
                 : json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:i,s:I}", "type", &t, "attempt", &m->u.count.attempt,
                                  count_key(m->type), &n);
    m->u.count.n = n;
    m->u.count.messages = msgs;
    return rc;
}

static json_t *enc_error(const struct msg *m)
{
    return json_pack("{s:s,s:i,s:s}", "type", type_s(m), "attempt", m->u.error.attempt, "error", m->u.error.error);
}
static int dec_error(json_t *j, struct msg *m, json_error_t *e)
{
    const char *t;
    return json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:i,s:s}", "type", &t, "attempt", &m->u.error.attempt, "error",
                          &m->u.error.error);
}

/* PORT_REQ {attempt} and PORT {attempt, port}. */
static json_t *enc_port(const struct msg *m)
{
    if (m->type == MSG_PORT_REQ)
        return json_pack("{s:s,s:i}", "type", type_s(m), "attempt", m->u.port.attempt);
    return json_pack("{s:s,s:i,s:i}", "type", type_s(m), "attempt", m->u.port.attempt, "port", m->u.port.port);
}
static int dec_port(json_t *j, struct msg *m, json_error_t *e)
{
    const char *t;
    m->u.port.port = 0;
    if (m->type == MSG_PORT_REQ)
        return json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:i}", "type", &t, "attempt", &m->u.port.attempt);
    if (json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:i,s:i}", "type", &t, "attempt", &m->u.port.attempt, "port",
                       &m->u.port.port) < 0)
        return -1;
    if (m->u.port.port < 1 || m->u.port.port > 65535) {
        snprintf(e->text, sizeof e->text, "port must be within 1..65535");
        return -1;
    }
    return 0;
}

static json_t *enc_health_req(const struct msg *m)
{
    const struct msg_health_req *h = &m->u.health_req;
    return json_pack("{s:s,s:i,s:O*,s:i,s:i,s:I,s:I,s:I,s:I,s:I,s:s*,s:s*}", "type", type_s(m), "id", h->id,
                     "probes", h->probes, "gpus", h->gpus, "fail_after", h->fail_after, "timeout_ms",
                     (json_int_t)h->timeout_ms, "probe_timeout_ms", (json_int_t)h->probe_timeout_ms,
                     "gpu_free_timeout_ms", (json_int_t)h->gpu_free_timeout_ms, "min_free", (json_int_t)h->min_free,
                     "min_mem", (json_int_t)h->min_mem, "ckpt_dir", h->ckpt_dir, "stage_dir", h->stage_dir);
}
static int dec_health_req(json_t *j, struct msg *m, json_error_t *e)
{
    struct msg_health_req *h = &m->u.health_req;
    const char *t;
    json_int_t to, pto, gto, mf, mm;
    if (json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:i,s?o,s:i,s:i,s:I,s:I,s:I,s:I,s:I,s?s,s?s}", "type", &t, "id",
                       &h->id, "probes", &h->probes, "gpus", &h->gpus, "fail_after", &h->fail_after, "timeout_ms",
                       &to, "probe_timeout_ms", &pto, "gpu_free_timeout_ms", &gto, "min_free", &mf, "min_mem", &mm,
                       "ckpt_dir", &h->ckpt_dir, "stage_dir", &h->stage_dir) < 0)
        return -1;
    h->timeout_ms = to, h->probe_timeout_ms = pto, h->gpu_free_timeout_ms = gto, h->min_free = mf, h->min_mem = mm;
    size_t i;
    json_t *v;
    int ok = !h->probes || (json_is_array(h->probes) && json_array_size(h->probes) <= 16);
    json_array_foreach(h->probes, i, v) ok &= json_is_string(v);
    if (!ok || h->fail_after < 1 || h->fail_after > 100 || h->timeout_ms < 1 || h->min_free < 0 || h->min_mem < 0) {
        snprintf(e->text, sizeof e->text, "probes must be at most 16 strings, fail_after 1-100, timeout_ms > 0");
        return -1;
    }
    return 0;
}

static json_t *enc_health(const struct msg *m)
{
    const struct msg_health *h = &m->u.health;
    return json_pack("{s:s,s:i,s:s,s:O*,s:s*}", "type", type_s(m), "id", h->id, "result", h->result, "report",
                     h->report, "error", h->error);
}
static int dec_health(json_t *j, struct msg *m, json_error_t *e)
{
    struct msg_health *h = &m->u.health;
    const char *t;
    if (json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:i,s:s,s?o,s?s}", "type", &t, "id", &h->id, "result", &h->result,
                       "report", &h->report, "error", &h->error) < 0)
        return -1;
    static const char *const ok[] = {"pass", "warn", "fail", "error"};
    int known = 0;
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        known |= !strcmp(h->result, ok[i]);
    if (!known || (h->report && !json_is_object(h->report))) {
        snprintf(e->text, sizeof e->text, "result must be pass, warn, fail or error; report an object");
        return -1;
    }
    return 0;
}

static json_t *enc_pair_req(const struct msg *m)
{
    const struct msg_pair_req *p = &m->u.pair_req;
    return json_pack("{s:s,s:i,s:i,s:s,s:s*,s:i,s:s*,s:s*,s:s*,s:I,s:I,s:i}", "type", type_s(m), "id", p->id,
                     "rank", p->rank, "backend", p->backend, "addr", p->addr, "port", p->port, "nccl_id",
                     p->nccl_id, "token", p->token, "command", p->command, "bytes", (json_int_t)p->bytes,
                     "timeout_ms", (json_int_t)p->timeout_ms, "iters", p->iters);
}
static int dec_pair_req(json_t *j, struct msg *m, json_error_t *e)
{
    struct msg_pair_req *p = &m->u.pair_req;
    const char *t;
    json_int_t bytes, to;
    if (json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:i,s:i,s:s,s?s,s:i,s?s,s?s,s?s,s:I,s:I,s:i}", "type", &t, "id",
                       &p->id, "rank", &p->rank, "backend", &p->backend, "addr", &p->addr, "port", &p->port,
                       "nccl_id", &p->nccl_id, "token", &p->token, "command", &p->command, "bytes", &bytes,
                       "timeout_ms", &to, "iters", &p->iters) < 0)
        return -1;
    p->bytes = bytes, p->timeout_ms = to;
    if ((p->rank != 0 && p->rank != 1) || p->port < 0 || p->port > 65535 || bytes < 1 || bytes > (16LL << 30) ||
        to < 1 || p->iters < 1 || p->iters > 1000 ||
        (strcmp(p->backend, "tcp") && strcmp(p->backend, "nccl") && strcmp(p->backend, "command"))) {
        snprintf(e->text, sizeof e->text, "rank 0|1, port 0..65535, bytes 1..16G, timeout_ms > 0, iters 1..1000, "
                                          "backend tcp, nccl or command");
        return -1;
    }
    return 0;
}

static json_t *enc_pair_ready(const struct msg *m)
{
    const struct msg_pair_ready *p = &m->u.pair_ready;
    return json_pack("{s:s,s:i,s:i,s:s*}", "type", type_s(m), "id", p->id, "port", p->port, "nccl_id", p->nccl_id);
}
static int dec_pair_ready(json_t *j, struct msg *m, json_error_t *e)
{
    struct msg_pair_ready *p = &m->u.pair_ready;
    const char *t;
    if (json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:i,s:i,s?s}", "type", &t, "id", &p->id, "port", &p->port,
                       "nccl_id", &p->nccl_id) < 0)
        return -1;
    if (p->port < 0 || p->port > 65535 || (p->nccl_id && strlen(p->nccl_id) > 512)) {
        snprintf(e->text, sizeof e->text, "port must be within 0..65535, nccl_id at most 512 characters");
        return -1;
    }
    return 0;
}

static json_t *enc_pair(const struct msg *m)
{
    const struct msg_pair *p = &m->u.pair;
    return json_pack("{s:s,s:i,s:s,s:s*,s:f,s:I}", "type", type_s(m), "id", p->id, "result", p->result, "reason",
                     p->reason, "gbps", p->gbps, "ms", (json_int_t)p->ms);
}
static int dec_pair(json_t *j, struct msg *m, json_error_t *e)
{
    struct msg_pair *p = &m->u.pair;
    const char *t;
    json_int_t ms;
    if (json_unpack_ex(j, e, JSON_STRICT, "{s:s,s:i,s:s,s?s,s:F,s:I}", "type", &t, "id", &p->id, "result",
                       &p->result, "reason", &p->reason, "gbps", &p->gbps, "ms", &ms) < 0)
        return -1;
    p->ms = ms;
    if ((strcmp(p->result, "pass") && strcmp(p->result, "fail") && strcmp(p->result, "skip") &&
         strcmp(p->result, "error")) || p->gbps != p->gbps || p->gbps > 1e9) {
        snprintf(e->text, sizeof e->text, "result must be pass, fail, skip or error; gbps a number");
        return -1;
    }
    return 0;
}

/* --- the table ---------------------------------------------------------- */

static const struct {
    const char *name;
    enc_fn enc;
    dec_fn dec;
} TABLE[MSG__COUNT] = {
    [MSG_CHALLENGE] = {"challenge", enc_challenge, dec_challenge},
    [MSG_HELLO] = {"hello", enc_hello, dec_hello},
    [MSG_WELCOME] = {"welcome", enc_welcome, dec_welcome},
    [MSG_HB] = {"hb", enc_bare, dec_bare},
    [MSG_START] = {"start", enc_start, dec_start},
    [MSG_STOP] = {"stop", enc_stop, dec_stop},
    [MSG_SIGNAL] = {"signal", enc_signal, dec_signal},
    [MSG_STARTED] = {"started", enc_started, dec_started},
    [MSG_EXIT] = {"exit", enc_exit, dec_exit},
    [MSG_PROGRESS] = {"progress", enc_progress, dec_progress},
    [MSG_STOPPED] = {"stopped", enc_stopped, dec_stopped},
    [MSG_EVENT] = {"event", enc_payload, dec_payload},
    [MSG_CKPT] = {"ckpt", enc_payload, dec_payload},
    [MSG_DROPPED] = {"dropped", enc_count, dec_count},
    [MSG_UNCLASSIFIED] = {"unclassified", enc_count, dec_count},
    [MSG_EVENTS_DROPPED] = {"events_dropped", enc_count, dec_count},
    [MSG_LIMIT_HITS] = {"limit_hits", enc_count, dec_count},
    [MSG_LOG_ERROR] = {"log_error", enc_error, dec_error},
    [MSG_SPAWN_ERROR] = {"spawn_error", enc_error, dec_error},
    [MSG_PORT_REQ] = {"port_req", enc_port, dec_port},
    [MSG_PORT] = {"port", enc_port, dec_port},
    [MSG_HEALTH_REQ] = {"health_req", enc_health_req, dec_health_req},
    [MSG_HEALTH] = {"health", enc_health, dec_health},
    [MSG_PAIR_REQ] = {"pair_req", enc_pair_req, dec_pair_req},
    [MSG_PAIR_READY] = {"pair_ready", enc_pair_ready, dec_pair_ready},
    [MSG_PAIR] = {"pair", enc_pair, dec_pair},
};

const char *msg_type_name(enum msg_type t)
{
    return (unsigned)t < MSG__COUNT ? TABLE[t].name : NULL;
}

int msg_type_of(const char *name)
{
    for (int i = 0; name && i < MSG__COUNT; i++)
        if (!strcmp(TABLE[i].name, name))
            return i;
    return -1;
}

json_t *msg_encode(const struct msg *m)
{
    if ((unsigned)m->type >= MSG__COUNT)
        return NULL;
    return TABLE[m->type].enc(m);
}

int msg_decode(json_t *j, struct msg *out, char *err, size_t errlen)
{
    json_error_t e;
    memset(out, 0, sizeof *out);
    const char *name = json_string_value(json_object_get(j, "type"));
    int t = msg_type_of(name);
    if (t < 0) {
        snprintf(err, errlen, "unknown message type '%.64s'", name ? name : "(none)");
        return -1;
    }
    out->type = (enum msg_type)t;
    e.text[0] = '\0';
    if (TABLE[t].dec(j, out, &e) < 0) {
        snprintf(err, errlen, "bad '%s' message: %s", name, e.text);
        memset(out, 0, sizeof *out);
        return -1;
    }
    out->raw = json_incref(j);
    return 0;
}

void msg_free(struct msg *m)
{
    json_decref(m->raw);
    m->raw = NULL;
}
