/* llm_diag: one diagnosis with the LLM (see llm.h): decides whether the
 * rule verdict needs it, builds the prompt from the condensed log, asks,
 * saves what was sent and received (llm-request.json, llm-reply.json: no
 * key), validates the reply against the logs and, when it carries a rule,
 * puts the rule through llm_learn's checks into the learned file. The
 * result is one JSON object that the callers print or journal. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/util.h"
#include "diagnose/llm.h"

int llm_wanted(const json_t *v, double min_confidence, int observe)
{
    const char *cat = json_string_value(json_object_get(v, "category"));
    if (!cat)
        return 0;
    return observe || !strcmp(cat, "unknown") || !strcmp(cat, "none") ||
           json_number_value(json_object_get(v, "confidence")) < min_confidence;
}

/* dir/name, mode 0600 (the prompt holds log lines), never through a
 * symlink; best effort (a warning in res). */
static void save(const char *dir, const char *name, const json_t *v, json_t *res)
{
    char path[4096];
    char *s = json_dumps(v, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
    int fd = -1;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!s || mkdir_p(dir, 0700) < 0 ||
        (fd = open_regular(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600)) < 0 ||
        fchmod(fd, 0600) < 0 || write_all(fd, s, strlen(s)) < 0 || fsync(fd) < 0)
        json_object_set_new(res, "save_error", json_sprintf("%s: %s", path, file_strerror(errno)));
    if (fd >= 0)
        close(fd);
    free(s);
}

static void save_exchange(const struct llm_run *r, const struct llm_exchange *x, long version,
                          const char *error, json_t *res)
{
    if (!r->save_dir)
        return;
    json_t *req = json_pack("{s:s,s:s?,s:I,s:O?}", "url", r->cfg.url, "model", r->cfg.model, "prompt_version",
                            (json_int_t)version, "body", x->request);
    json_t *rep = json_pack("{s:I,s:i,s:b,s:I,s:s?,s:s?}", "http_status", (json_int_t)x->http_status, "tries",
                            x->tries, "response_format_refused", x->no_response_format, "elapsed_ms",
                            (json_int_t)x->elapsed_ms, "body", x->reply, "error", error);
    save(r->save_dir, "llm-request.json", req, res);
    save(r->save_dir, "llm-reply.json", rep, res);
    json_decref(req);
    json_decref(rep);
}

/* Validates the assistant's content; the verdict or NULL (reason in why). */
static json_t *judge(const char *content, const struct input_list *in, size_t max_bytes, json_t **reply,
                     struct buf *why)
{
    struct llm_facts f;
    *reply = llm_reply_parse(content, why);
    if (!*reply || llm_facts_from(*reply, &f, why) < 0)
        return NULL;
    llm_scan_inputs(in, max_bytes, &f);
    return llm_validate(*reply, &f, why);
}

static void learn(const struct llm_run *r, const struct input_list *in, size_t max_bytes, const json_t *reply,
                  const json_t *v, json_t *res)
{
    char id[256];
    struct buf why;
    struct llm_learn_ctx ctx = {.in = in, .max_bytes = max_bytes, .run_id = r->run_id, .model = r->cfg.model,
                                .attempt = r->attempt};
    if (!json_is_object(json_object_get(reply, "rule")) || !r->learned_path)
        return;
    buf_init(&why, 4096);
    int rc = llm_learn(reply, v, &ctx, r->learned_path, id, sizeof id, &why);
    if (rc < 0)
        json_object_set_new(res, "rule", json_pack("{s:s}", "refused", why.p ? why.p : "?"));
    else
        json_object_set_new(res, "rule", json_pack("{s:s,s:s,s:s}", "id", id, "status",
                                                   rc == 1 ? "known" : "candidate", "file", r->learned_path));
    buf_free(&why);
}

int llm_diagnose(const struct llm_run *r, const struct input_list *in, size_t max_bytes,
                 const char *condensed, const json_t *rule_verdict, json_t **result)
{
    json_t *res = json_pack("{s:b,s:n,s:n,s:n,s:n}", "asked", 0, "verdict", "rejected", "error", "rule");
    struct buf err, prompt;
    struct llm_exchange x = {0};
    char *key = NULL, *tmpl = NULL, *content = NULL;
    json_t *reply = NULL;
    int rc = -1;
    *result = res;
    if (!llm_wanted(rule_verdict, r->min_confidence, r->observe))
        return 1;
    buf_init(&err, 4096);
    buf_init(&prompt, r->max_prompt + 1);
    if ((!r->key && llm_key_load(r->key_file, &key, &err) < 0) ||
        !(tmpl = llm_template_load(r->template_path, &err)))
        goto out;
    if (llm_prompt_build(tmpl, condensed, rule_verdict, r->max_prompt, &prompt) < 0) {
        buf_printf(&err, "the prompt does not fit in --llm-max-prompt (%zu bytes)", r->max_prompt);
        goto out;
    }
    json_object_set_new(res, "asked", json_true());
    json_object_set_new(res, "prompt_bytes", json_integer((json_int_t)prompt.len));
    int ok = llm_request(&r->cfg, r->key ? r->key : key, prompt.p, &content, &x, &err) == 0;
    json_object_set_new(res, "ms", json_integer(x.elapsed_ms));
    save_exchange(r, &x, llm_template_version(tmpl), ok ? NULL : err.p, res);
    if (!ok)
        goto out;
    rc = 0;
    buf_reset(&err);
    json_t *v = judge(content, in, max_bytes, &reply, &err);
    if (!v) {
        json_object_set_new(res, "rejected", json_string(err.p ? err.p : "?"));
        goto out;
    }
    json_object_set_new(res, "verdict", v);
    learn(r, in, max_bytes, reply, v, res);
out:
    if (rc < 0)
        json_object_set_new(res, "error", json_string(err.p ? err.p : "?"));
    llm_key_free(key);
    llm_exchange_free(&x);
    json_decref(reply);
    free(tmpl);
    free(content);
    buf_free(&err);
    buf_free(&prompt);
    return rc;
}
