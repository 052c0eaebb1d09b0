/* Unit tests of the LLM half (diagnose/llm_*.c) that need no server: the
 * reply parser (whole JSON, ```json fence, prose + JSON, refusals), the
 * prompt budget (flagged lines kept first, the total within the budget),
 * the taxonomy checks of llm_validate, and the loader's learned-rule keys
 * (candidates left out unless asked). */
#include <stdlib.h>
#include "tests/unit/harness.h"
#include "diagnose/llm.h"

TEST(llm_reply_parse_forms)
{
    struct buf why;
    buf_init(&why, 4096);
    json_t *a = llm_reply_parse(" {\"category\":\"hang\"} \n", &why);
    json_t *b = llm_reply_parse("Sure.\n```json\n{\"category\":\"hang\"}\n```\n", &why);
    json_t *c = llm_reply_parse("My analysis: {braces} here.\n{\"category\":\"hang\"}", &why);
    json_t *d = llm_reply_parse("no json at all", &why);
    json_t *e = llm_reply_parse("{\"category\":\"hang\"} and then more prose", &why);
    json_t *f = llm_reply_parse("```json\n{\"a\":1}\n```\ntrailing text", &why);
    int ok = a && b && c && !d && !e && !f &&
             !strcmp(json_string_value(json_object_get(c, "category")), "hang");
    json_decref(a), json_decref(b), json_decref(c), json_decref(d), json_decref(e), json_decref(f);
    buf_free(&why);
    CHECK(ok);
}

TEST(llm_prompt_within_budget_keeps_flagged_lines)
{
    struct buf log, out;
    buf_init(&log, 0);
    buf_init(&out, 0);
    for (int i = 0; i < 2000; i++)
        buf_printf(&log, i == 700 ? "!! ZorgLib fatal: the root cause %d\n" : "ordinary line number %d\n", i);
    json_t *v = json_pack("{s:s,s:s,s:f}", "category", "unknown", "type", "unknown", "confidence", 0.0);
    const char *tmpl = "# endure-llm-prompt v7\n# comment\nT={{taxonomy}}\nV={{verdict}}\nLOG:\n{{log}}END\n";
    int rc = llm_prompt_build(tmpl, log.p, v, 8192, &out);
    int ok = rc == 0 && out.len <= 8192 && strstr(out.p, "!! ZorgLib fatal: the root cause 700") &&
             strstr(out.p, "ordinary line number 1999") && strstr(out.p, "lines left out") &&
             strstr(out.p, "\"infrastructure\"") && !strstr(out.p, "# comment") && strstr(out.p, "END") &&
             llm_template_version(tmpl) == 7 && llm_prompt_build(tmpl, log.p, v, 100, &out) < 0;
    json_decref(v);
    buf_free(&log);
    buf_free(&out);
    CHECK(ok);
}

static const char *validate(const char *reply_text)
{
    static char reason[512];
    struct buf why;
    struct llm_facts f;
    buf_init(&why, 4096);
    json_t *r = json_loads(reply_text, 0, NULL), *v = NULL;
    if (r && llm_facts_from(r, &f, &why) == 0) {
        f.key_found = f.rank_found = 1;
        v = llm_validate(r, &f, &why);
    }
    snprintf(reason, sizeof reason, "%s", v ? json_string_value(json_object_get(v, "action")) : why.p ? why.p : "");
    json_decref(r);
    json_decref(v);
    buf_free(&why);
    return reason;
}

#define R(cat, type, act, conf) \
    "{\"category\":\"" cat "\",\"type\":\"" type "\",\"action\":\"" act "\",\"confidence\":" conf \
    ",\"key_line\":\"ZorgLib fatal: x\",\"explanation\":\"e\",\"culprit\":{\"rank\":1}}"

TEST(llm_validate_taxonomy)
{
    CHECK_STR(validate(R("framework", "runtime_error", "restart", "0.9")), "restart");
    CHECK_STR(validate(R("script", "os_error", "stop", "0.5")), "restart"); /* a weak stop */
    CHECK_STR(validate(R("script", "os_error", "stop", "0.9")), "stop");
    CHECK(strstr(validate(R("framework", "flux", "restart", "0.9")), "unknown type 'flux'"));
    CHECK(strstr(validate(R("script", "runtime_error", "restart", "0.9")), "not of category"));
    CHECK(strstr(validate(R("noise", "noise", "restart", "0.9")), "unknown category"));
    CHECK(strstr(validate(R("framework", "runtime_error", "ignore", "0.9")), "unknown action"));
    CHECK(strstr(validate(R("framework", "runtime_error", "restart", "1.2")), "confidence"));
    CHECK(strstr(validate(R("framework", "runtime_error", "restart", "-0.1")), "confidence"));
}

TEST(llm_learned_candidates_left_out)
{
    const char *path = "learned.yaml";
    char full[4096];
    snprintf(full, sizeof full, "%s/%s", test_tmpdir(), path);
    FILE *f = fopen(full, "w");
    CHECK(f != NULL);
    fputs("- id: learned.a\n  status: candidate\n  category: framework\n  type: runtime_error\n  role: root\n"
          "  action: restart\n  match: 'ZorgLib fatal'\n  explain: 'x'\n  examples:\n    - 'ZorgLib fatal: y'\n"
          "  provenance: {source: llm, run: 'r', attempt: 0}\n", f);
    fclose(f);
    const char *p = full;
    struct ruleset *with = NULL, *without = NULL;
    struct buf err;
    buf_init(&err, 4096);
    int ok = ruleset_load_ex(&with, &p, 1, 1, &err) == 0 && ruleset_load_ex(&without, &p, 1, 0, &err) == 0 &&
             ruleset_count(with) == 1 && ruleset_count(without) == 0;
    struct rule_info ri;
    if (ok)
        ruleset_rule(with, 0, &ri);
    ok = ok && ri.status && !strcmp(ri.status, "candidate");
    struct buf e2;
    buf_init(&e2, 4096);
    ok = ok && learned_set(full, "learned.a", 1, &e2) == 0 && learned_set(full, "learned.a", 1, &e2) < 0;
    ruleset_free(with);
    ruleset_free(without);
    without = NULL;
    ok = ok && ruleset_load_ex(&without, &p, 1, 0, &err) == 0 && ruleset_count(without) == 1;
    ruleset_free(without);
    buf_free(&err);
    buf_free(&e2);
    CHECK(ok);
}
