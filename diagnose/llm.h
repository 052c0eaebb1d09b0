/* llm: the LLM half of the classifier. When the rules give no confident
 * verdict, an OpenAI-compatible chat/completions server (vLLM, llama.cpp's
 * server, Ollama, a hosted API) reads the condensed log and answers with a
 * verdict in the taxonomy, an explanation and possibly a rule. Everything it
 * says is untrusted: the reply is validated against the taxonomy and the
 * logs before it is used, and a proposed rule must pass the safety checks
 * of llm_learn.c before it is kept (as a candidate) in the learned file.
 * The client (llm_client.c) is blocking with a total deadline and an
 * optional cancel descriptor, so callers run it on a thread of their own.
 * The API key is only read from ENDURE_LLM_API_KEY or a private key file,
 * and is never written anywhere (requests are saved without it). */
#ifndef ENDURE_DIAGNOSE_LLM_H
#define ENDURE_DIAGNOSE_LLM_H
#include <stddef.h>
#include <jansson.h>
#include "common/buf.h"
#include "diagnose/diagnose.h"
#include "diagnose/input.h"

#define LLM_DEFAULT_TIMEOUT_MS 30000
#define LLM_DEFAULT_CONNECT_MS 5000
#define LLM_DEFAULT_MAX_PROMPT (24u << 10)
#define LLM_DEFAULT_MAX_TOKENS 1024
#define LLM_MAX_REPLY (1u << 20) /* a larger reply is an error */
#define LLM_MAX_RETRIES 2        /* on 429, 5xx, a reset connection */
#define LLM_KEY_MAX 4096
#define LLM_DEFAULT_MIN_CONFIDENCE 0.6

struct llm_config {
    const char *url;      /* base URL: <url>/v1/chat/completions */
    const char *model;    /* may be NULL: "default" is sent */
    const char *cacert;   /* CA bundle for TLS verification, or NULL */
    long timeout_ms;      /* the whole exchange, retries included */
    long connect_timeout_ms;
    long max_tokens;
    long backoff_ms;      /* first back-off; doubles (0: 500 ms) */
    int cancel_fd;        /* readable: give up now (-1: none) */
};

/* One exchange with the server, for the record (no key anywhere). */
struct llm_exchange {
    json_t *request;      /* the last request body sent */
    char *reply;          /* the last reply body (capped), or NULL */
    long http_status;     /* of the last try, 0 when none */
    int tries;
    int no_response_format; /* the server refused response_format */
    long elapsed_ms;
};

/* The API key: ENDURE_LLM_API_KEY when set and non-empty, else the first
 * line of key_file (a regular file that is not group or world readable,
 * at most LLM_KEY_MAX bytes), else none. *key is NULL or malloc'd (wipe
 * and free with llm_key_free). -1 with the reason in err (never the key). */
int llm_key_load(const char *key_file, char **key, struct buf *err);
void llm_key_free(char *key);

/* POSTs one chat completion with the prompt; 0 and the assistant's
 * message content in *content (malloc'd), or -1 with the reason in err.
 * x records what was sent and received. */
int llm_request(const struct llm_config *c, const char *key, const char *prompt, char **content,
                struct llm_exchange *x, struct buf *err);
void llm_exchange_free(struct llm_exchange *x);

/* The prompt template: path, or <rules dir>/llm-prompt.txt when NULL.
 * Malloc'd text, or NULL with the reason in err. */
char *llm_template_load(const char *path, struct buf *err);
/* Builds the prompt from the template ({{taxonomy}}, {{verdict}},
 * {{log}}), the condensed log and the rule verdict, within max bytes: the
 * log is cut to fit, failure lines and the lines around them first, then
 * the last lines. 0, or -1 when even the log-less prompt does not fit. */
int llm_prompt_build(const char *tmpl, const char *condensed, const json_t *rule_verdict,
                     size_t max, struct buf *out);
/* The template's version: the N of its first line "# endure-llm-prompt vN". */
long llm_template_version(const char *tmpl);
/* The taxonomy as JSON: {"categories": {cat: [types]}, "actions": [...]}. */
json_t *llm_taxonomy(void);

/* Finds the verdict object in an assistant message: the whole text, a
 * ```json fenced block, or the object after leading prose. New reference,
 * or NULL with the reason in why. */
json_t *llm_reply_parse(const char *content, struct buf *why);

/* What the logs say about a reply: one pass over the inputs. */
struct llm_facts {
    const char *key_line;    /* trimmed, as the reply gave it */
    const char *host;        /* the culprit host of the reply, or NULL */
    long rank;               /* the culprit rank of the reply, or -1 */
    int key_found, host_found, rank_found;
    size_t nranks, nhosts;   /* ranks and hosts known from the layout and prefixes */
    char key_file[512];
    long key_lineno;
};
/* Scans the inputs (max_bytes each) for the key line, the culprit's host
 * and rank. 0, or -1 on read errors (the facts found so far stand). */
int llm_scan_inputs(const struct input_list *in, size_t max_bytes, struct llm_facts *f);
/* Validates a parsed reply against the taxonomy and the facts; on success
 * returns the LLM verdict (the verdict's keys, "source": "llm"; the stop
 * rule of advise mode applied: stop below 0.8 confidence becomes restart),
 * else NULL with the reason in why. f->key_line etc. must have been set
 * from the reply (llm_facts_from) and scanned. */
json_t *llm_validate(const json_t *reply, const struct llm_facts *f, struct buf *why);
/* Fills f's wanted fields from a reply (pointers into reply). 0, or -1
 * with the reason in why (no key_line string). */
int llm_facts_from(const json_t *reply, struct llm_facts *f, struct buf *why);

/* ---- learned rules (llm_learn.c) ---- */
struct llm_learn_ctx {
    const struct input_list *in; /* the failing logs */
    size_t max_bytes;
    const char *benign_dir;      /* NULL: found like the rules (tests/data/diagnose) */
    const char *run_id, *model;
    long attempt;
};
/* Checks the rule an LLM verdict proposes (reply's "rule") and, when it
 * is safe, appends it with status candidate and provenance to path.
 * 0 with the new rule's id in id_out; 1 when the file already has a rule
 * with this pattern (id_out names it); -1 refused or not written, the
 * reason in why. */
int llm_learn(const json_t *reply, const json_t *llm_verdict, const struct llm_learn_ctx *ctx,
              const char *path, char *id_out, size_t idlen, struct buf *why);
/* Only the safety checks (no file): 0, or -1 with the reason in why. */
int llm_rule_check(const char *yaml_rule, const char *key_line, const struct llm_learn_ctx *ctx,
                   struct buf *why);

/* ---- the learned file (llm_store.c) ---- */
/* Sets rule id's status to accepted (accept) or removes it (!accept) in
 * the learned file at path; the result must still load. 0, or -1 with the
 * reason in err. */
int learned_set(const char *path, const char *id, int accept, struct buf *err);
/* The YAML text of rule id in the file (malloc'd), or NULL. */
char *learned_show(const char *path, const char *id);

/* ---- one diagnosis with the LLM (llm_diag.c), for `diagnose --llm` ---- */
struct llm_run {
    struct llm_config cfg;
    const char *key_file, *template_path, *save_dir, *learned_path;
    const char *key;       /* the key, already loaded (endure run): key_file and the environment unused */
    size_t max_prompt;
    double min_confidence;
    int observe;           /* ask for every failure, change nothing */
    const char *run_id;
    long attempt;
};
/* Asks the LLM about a failure whose rule verdict is rule_verdict, when
 * the mode says so (returns 1 without asking otherwise). condensed: the
 * compressor's output. On return *result holds {"asked", "ms", "verdict"
 * (validated, or null), "rejected" (reason, or null), "error" (or null),
 * "rule": {"id", "status", "file"} or {"refused": reason}}. 0 asked, 1 not
 * asked, -1 no result (reason in *result's "error"). */
int llm_diagnose(const struct llm_run *r, const struct input_list *in, size_t max_bytes,
                 const char *condensed, const json_t *rule_verdict, json_t **result);
/* Whether a rule verdict needs the LLM: unknown, none (logs without a
 * failure line, given to diagnose because the job failed), or confidence
 * below min; every verdict in observe mode. */
int llm_wanted(const json_t *rule_verdict, double min_confidence, int observe);

#endif
