/* cmd_llm: the LLM options of `endure diagnose` (see cmd_llm.h): parsing,
 * the call through llm_diagnose() on the rule verdict, and the printing of
 * both verdicts. In advise mode (the default) a validated LLM verdict
 * decides when the rules gave none or a weak one; a confident rule verdict
 * is never overridden. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "common/exitcodes.h"
#include "common/util.h"
#include "diagnose/cmd_llm.h"
#include "diagnose/cmd_util.h"

enum { O_URL = LLM_OPT_BASE, O_MODEL, O_TIMEOUT, O_KEYFILE, O_CACERT, O_MAXPROMPT, O_MAXTOKENS, O_MINCONF,
       O_MODE, O_PROMPT, O_SAVE, O_LEARNED_RULES, O_LEARNED };

const struct option llm_longs[] = {
    {"llm", required_argument, NULL, O_URL},
    {"llm-model", required_argument, NULL, O_MODEL},
    {"llm-timeout", required_argument, NULL, O_TIMEOUT},
    {"llm-key-file", required_argument, NULL, O_KEYFILE},
    {"llm-cacert", required_argument, NULL, O_CACERT},
    {"llm-max-prompt", required_argument, NULL, O_MAXPROMPT},
    {"llm-max-tokens", required_argument, NULL, O_MAXTOKENS},
    {"llm-min-confidence", required_argument, NULL, O_MINCONF},
    {"llm-mode", required_argument, NULL, O_MODE},
    {"llm-prompt", required_argument, NULL, O_PROMPT},
    {"llm-save", required_argument, NULL, O_SAVE},
    {"learned-rules", required_argument, NULL, O_LEARNED_RULES},
    {"learned", required_argument, NULL, O_LEARNED},
    {NULL, 0, NULL, 0}};

const char llm_usage_text[] =
    "LLM (for failures the rules do not classify with confidence):\n"
    "  --llm URL            an OpenAI-compatible server (vLLM, llama.cpp, Ollama, a\n"
    "                       hosted API): POST URL/v1/chat/completions (also\n"
    "                       ENDURE_LLM_URL); the key from ENDURE_LLM_API_KEY or\n"
    "                       --llm-key-file FILE (mode 600), never from argv\n"
    "  --llm-model NAME     the model to ask (default \"default\")\n"
    "  --llm-mode MODE      advise (default: a validated LLM verdict decides when the\n"
    "                       rule verdict is unknown or weak) or observe (ask for\n"
    "                       every failure, decide nothing)\n"
    "  --llm-timeout DUR    the whole exchange, retries included (default 30s)\n"
    "  --llm-min-confidence X  rule verdicts below X (default 0.6) go to the LLM\n"
    "  --llm-max-prompt N   prompt budget in bytes (default 24K)\n"
    "  --llm-max-tokens N   the reply's max_tokens (default 1024)\n"
    "  --llm-cacert FILE    CA bundle for https (verification is always on)\n"
    "  --llm-prompt FILE    prompt template (default: rules/llm-prompt.txt)\n"
    "  --llm-save DIR       write llm-request.json and llm-reply.json there (no key)\n"
    "  --learned-rules FILE the learned rules file: its accepted rules classify, and\n"
    "                       a safe rule the LLM proposes is appended as a candidate\n"
    "  --learned MODE       accepted (default), auto (candidates classify too), off\n";

void llm_opts_init(struct llm_opts *o)
{
    memset(o, 0, sizeof *o);
    o->run.cfg = (struct llm_config){.timeout_ms = LLM_DEFAULT_TIMEOUT_MS,
                                     .connect_timeout_ms = LLM_DEFAULT_CONNECT_MS,
                                     .max_tokens = LLM_DEFAULT_MAX_TOKENS, .cancel_fd = -1};
    o->run.max_prompt = LLM_DEFAULT_MAX_PROMPT;
    o->run.min_confidence = LLM_DEFAULT_MIN_CONFIDENCE;
    o->run.attempt = -1;
    const char *env = getenv("ENDURE_LLM_URL");
    if (env && *env) {
        o->run.cfg.url = env;
        o->on = 1;
    }
}

/* "0", "1", "0.DIGITS" or "1.0...": a confidence in [0,1]. */
static int parse_unit(const char *s, double *out)
{
    long frac = 0;
    size_t nd = 0;
    if ((s[0] != '0' && s[0] != '1') || (s[1] && s[1] != '.'))
        return -1;
    if (s[1] == '.') {
        nd = strlen(s + 2);
        if (nd == 0 || nd > 9 || parse_digits(s + 2, 999999999, &frac) != nd)
            return -1;
    }
    double f = (double)frac;
    for (size_t i = 0; i < nd; i++)
        f /= 10;
    *out = (s[0] - '0') + f;
    return *out <= 1.0 ? 0 : -1;
}

int llm_option(struct llm_opts *o, int ch, const char *arg)
{
    int64_t ms;
    uint64_t n;
    switch (ch) {
    case O_URL: o->run.cfg.url = arg, o->on = 1; break;
    case O_MODEL: o->run.cfg.model = arg; break;
    case O_KEYFILE: o->run.key_file = arg; break;
    case O_CACERT: o->run.cfg.cacert = arg; break;
    case O_PROMPT: o->run.template_path = arg; break;
    case O_SAVE: o->run.save_dir = arg; break;
    case O_LEARNED_RULES: o->run.learned_path = arg; break;
    case O_TIMEOUT:
        if (parse_duration_ms(arg, &ms) < 0 || ms < 1 || ms > 3600000)
            return usage_error("diagnose", "--llm-timeout needs a duration (30s, 500ms) up to 1h");
        o->run.cfg.timeout_ms = (long)ms;
        break;
    case O_MAXPROMPT:
        if (parse_size(arg, &n) < 0 || n < 1024 || n > (64u << 20))
            return usage_error("diagnose", "--llm-max-prompt needs a size from 1K to 64M");
        o->run.max_prompt = (size_t)n;
        break;
    case O_MAXTOKENS:
        if (parse_size(arg, &n) < 0 || n < 16 || n > 1000000)
            return usage_error("diagnose", "--llm-max-tokens needs a number from 16 to 1000000");
        o->run.cfg.max_tokens = (long)n;
        break;
    case O_MINCONF:
        if (parse_unit(arg, &o->run.min_confidence) < 0)
            return usage_error("diagnose", "--llm-min-confidence needs a number in [0,1]");
        break;
    case O_MODE:
        if (strcmp(arg, "advise") && strcmp(arg, "observe"))
            return usage_error("diagnose", "--llm-mode needs advise or observe");
        o->run.observe = !strcmp(arg, "observe");
        break;
    case O_LEARNED:
        if (strcmp(arg, "accepted") && strcmp(arg, "auto") && strcmp(arg, "off"))
            return usage_error("diagnose", "--learned needs accepted, auto or off");
        o->learned_auto = !strcmp(arg, "auto");
        o->learned_off = !strcmp(arg, "off");
        break;
    default: return usage_error("diagnose", "unknown option (see endure diagnose --help)");
    }
    return 0;
}

const char *llm_learned_path(const struct llm_opts *o)
{
    struct stat st;
    const char *p = o->run.learned_path;
    if (!p || o->learned_off || stat(p, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
        return NULL;
    return p;
}

/* The condensed log of the session (malloc'd). */
static char *condensed(struct offline *off)
{
    char *text = NULL;
    size_t len = 0, in_bytes;
    FILE *mem = off->z ? open_memstream(&text, &len) : NULL;
    if (!mem)
        return strdup("");
    compressor_print(off->z, mem, &in_bytes);
    fclose(mem);
    return text;
}

/* The run id and attempt of a run or attempt directory PATH. */
static void provenance(char **paths, int npaths, struct llm_run *r, char *id, size_t idlen)
{
    char adir[PATH_MAX], src[64];
    snprintf(id, idlen, "%s", "offline");
    r->run_id = id;
    if (npaths != 1 || run_dir_last_attempt(paths[0], adir, sizeof adir, src, sizeof src) < 0)
        return;
    const char *base = strrchr(adir, '/');
    long n = -1;
    if (base && !strncmp(base + 1, "attempt-", 8))
        parse_digits(base + 9, 1000000000, &n);
    r->attempt = n;
    if (base) {
        int len = (int)(base - adir);
        const char *rb = memrchr(adir, '/', (size_t)len);
        rb = rb ? rb + 1 : adir;
        snprintf(id, idlen, "%.*s", (int)(adir + len - rb), rb);
    }
}

void llm_attach(const struct llm_opts *o, struct offline *off, const struct input_list *inputs,
                char **paths, int npaths, json_t *v)
{
    char id[256];
    json_t *res = NULL;
    if (!o->on)
        return;
    struct llm_run r = o->run;
    provenance(paths, npaths, &r, id, sizeof id);
    char *log = condensed(off);
    llm_diagnose(&r, inputs, off->max_bytes, log, v, &res);
    free(log);
    json_t *lv = json_object_get(res, "verdict");
    int decides = !r.observe && json_is_object(lv) && llm_wanted(v, r.min_confidence, 0);
    json_object_set_new(res, "decides", json_boolean(decides));
    json_object_set_new(v, "decision", json_pack("{s:s,s:O,s:O,s:O}", "source", decides ? "llm" : "rules",
                                                 "category", json_object_get(decides ? lv : v, "category"),
                                                 "type", json_object_get(decides ? lv : v, "type"),
                                                 "action", json_object_get(decides ? lv : v, "action")));
    json_object_set_new(v, "llm", res);
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

/* One line of text, its trailing newline cut. */
static void line(const char *label, const char *s)
{
    size_t n = strlen(s);
    while (n && s[n - 1] == '\n')
        n--;
    char *t = strndup(s, n);
    printf("%s", label);
    print_text(t ? t : "", 0);
    printf("\n");
    free(t);
}

void llm_print(const json_t *v)
{
    const json_t *res = json_object_get(v, "llm"), *lv = json_object_get(res, "verdict"),
                 *rule = json_object_get(res, "rule"), *d = json_object_get(v, "decision");
    if (!res)
        return;
    printf("\nllm:         ");
    if (json_is_string(json_object_get(res, "error"))) {
        line("failed: ", str(res, "error"));
    } else if (!json_is_true(json_object_get(res, "asked"))) {
        printf("not asked (the rule verdict is confident)\n");
    } else if (json_is_string(json_object_get(res, "rejected"))) {
        line("rejected: ", str(res, "rejected"));
    } else if (lv) {
        printf("%s/%s, action %s, confidence %.2f (source: llm, %lld ms)\n", str(lv, "category"),
               str(lv, "type"), str(lv, "action"), json_number_value(json_object_get(lv, "confidence")),
               (long long)json_integer_value(json_object_get(res, "ms")));
        line("llm key line: ", str(json_object_get(lv, "key_line"), "text"));
        line("llm why:     ", str(lv, "explanation"));
    }
    if (json_is_string(json_object_get(rule, "refused")))
        line("llm rule:    refused: ", str(rule, "refused"));
    else if (rule && !json_is_null(rule))
        printf("llm rule:    %s (%s, in %s)\n", str(rule, "id"), str(rule, "status"), str(rule, "file"));
    printf("decision:    %s/%s, action %s (source: %s)\n", str(d, "category"), str(d, "type"), str(d, "action"),
           str(d, "source"));
}
