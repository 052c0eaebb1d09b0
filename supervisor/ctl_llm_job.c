/* ctl_llm_job: the thread side of `endure run --llm` (see ctl_llm.h). Two
 * steps run on the LLM's worker thread, never on the controller's loop:
 * prepare (read and condense the failed attempt's logs with the rules, and
 * size the prompt) and ask (llm_diagnose: the request, the saved exchange,
 * the validation and the learned rule). Each step touches only its job;
 * the loop side (ctl_llm.c) reads the job in the steps' done callbacks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "diagnose/offline.h"
#include "supervisor/ctl_llm.h"

/* The condensed log of what o read (malloc'd, "" when empty). */
static char *condensed_text(struct offline *o)
{
    char *text = NULL;
    size_t len = 0, in_bytes;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return strdup("");
    compressor_print(o->z, mem, &in_bytes);
    fclose(mem);
    return text;
}

/* The prompt's size, as llm_diagnose will build it (0 when it does not fit). */
static size_t prompt_size(const struct llm_job *j)
{
    struct buf err, prompt;
    size_t n = 0;
    buf_init(&err, 1024);
    buf_init(&prompt, j->run.max_prompt + 1);
    char *tmpl = llm_template_load(j->run.template_path, &err);
    if (tmpl && llm_prompt_build(tmpl, j->condensed, j->rule_verdict, j->run.max_prompt, &prompt) == 0)
        n = prompt.len;
    free(tmpl);
    buf_free(&err);
    buf_free(&prompt);
    return n;
}

void llm_job_prepare(void *arg)
{
    struct llm_job *j = arg;
    struct offline off;
    struct buf err;
    size_t i;
    json_t *t;
    j->ran = 1;
    buf_init(&err, 4096);
    if (offline_init(&off, j->rs, 1) < 0) {
        snprintf(j->error, sizeof j->error, "out of memory");
        goto out;
    }
    off.max_bytes = j->max_bytes;
    input_expand(&j->in, j->adir, &err); /* no log here (no shared fs): the tails below */
    for (i = 0; i < j->in.n; i++)
        offline_read(&off, &j->in.v[i], &err);
    json_array_foreach(j->tails, i, t)
    {
        char name[300];
        snprintf(name, sizeof name, "%s/rank-%lld (tail)", json_string_value(json_object_get(t, "node")) ?: "?",
                 (long long)json_integer_value(json_object_get(t, "rank")));
        offline_read_lines(&off, name, json_string_value(json_object_get(t, "node")),
                           (long)json_integer_value(json_object_get(t, "rank")), json_object_get(t, "tail"));
    }
    j->log_bytes = off.bytes;
    j->condensed = condensed_text(&off);
    j->prompt_bytes = prompt_size(j);
    if (!off.lines)
        snprintf(j->error, sizeof j->error, "no log line of attempt %d to send", j->attempt);
    else if (!j->prompt_bytes)
        snprintf(j->error, sizeof j->error, "the prompt does not fit in --llm-max-prompt (%zu bytes)",
                 j->run.max_prompt);
    offline_free(&off);
out:
    buf_free(&err);
}

void llm_job_ask(void *arg)
{
    struct llm_job *j = arg;
    j->ran = 2;
    llm_diagnose(&j->run, &j->in, j->max_bytes, j->condensed, j->rule_verdict, &j->result);
}

void llm_job_free(struct llm_job *j)
{
    if (!j)
        return;
    if (j->cancel_fd >= 0)
        close(j->cancel_fd);
    input_list_free(&j->in);
    json_decref(j->rule_verdict);
    json_decref(j->tails);
    json_decref(j->result);
    free(j->condensed);
    free(j);
}
