/* notify_msg: what a notification says (see notify.h). The text is one
 * readable paragraph for people (run, what failed, verdict, action, key
 * line), escaped for Slack (&, <, >) and bounded; the structured event
 * travels beside it under "endure" for scripts. Also the URL redaction. */
#include "oncall/notify.h"
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include "common/buf.h"

#define NOTIFY_TEXT_MAX 4000

void notify_redact_url(const char *url, char *out, size_t n)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    snprintf(out, n, "[bad url]");
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_PORT, &port, 0); /* only when given */
        snprintf(out, n, "%s://%s%s%s/[redacted]", scheme, host, port ? ":" : "", port ? port : "");
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
}

int notify_check_url(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    int ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
             curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
             curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && *host &&
             (!strcmp(scheme, "http") || !strcmp(scheme, "https"));
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return ok ? 0 : -1;
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* Appends s (at most max bytes of it) escaped for Slack's mrkdwn. */
static void put_text(struct buf *b, const char *s, size_t max)
{
    for (size_t i = 0; s[i] && i < max; i++) {
        if (s[i] == '&')
            buf_puts(b, "&amp;");
        else if (s[i] == '<')
            buf_puts(b, "&lt;");
        else if (s[i] == '>')
            buf_puts(b, "&gt;");
        else if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t')
            buf_puts(b, " ");
        else
            buf_append(b, &s[i], 1);
    }
}

static void put_verdict(struct buf *b, const json_t *ev, const struct runview *rv)
{
    const json_t *v = json_object_get(ev, "verdict");
    int att = (int)json_integer_value(json_object_get(ev, "attempt"));
    const struct rv_attempt *a = NULL;
    for (int i = rv->natt - 1; i >= 0 && !a; i--)
        if (rv->att[i].n == att)
            a = &rv->att[i];
    buf_printf(b, "attempt %d failed: ", att);
    put_text(b, a && a->fail_what[0] ? a->fail_what : "(unknown failure)", 300);
    buf_puts(b, ". Verdict: ");
    put_text(b, str(v, "category"), 64);
    buf_puts(b, "/");
    put_text(b, str(v, "type"), 64);
    if (*str(v, "rule")) {
        buf_puts(b, " (rule ");
        put_text(b, str(v, "rule"), 128);
        buf_puts(b, ")");
    }
    buf_puts(b, ", action: ");
    put_text(b, *str(v, "decided_action") ? str(v, "decided_action") : str(v, "action"), 64);
    buf_puts(b, ".");
    const json_t *kl = json_object_get(v, "key_line");
    if (json_is_object(kl) && *str(kl, "text")) {
        buf_puts(b, " Key line: ");
        put_text(b, str(kl, "file"), 200);
        buf_printf(b, ":%d: `", (int)json_integer_value(json_object_get(kl, "line")));
        put_text(b, str(kl, "text"), 300);
        buf_puts(b, "`");
    }
}

static void put_restart(struct buf *b, const json_t *ev, const struct runview *rv)
{
    int next = (int)json_integer_value(json_object_get(ev, "next_attempt"));
    double backoff = (double)json_integer_value(json_object_get(ev, "backoff_ms")) / 1000;
    buf_printf(b, "restarting as attempt %d in %.1fs (restart %d of %d)", next, backoff,
               (int)json_integer_value(json_object_get(ev, "restart_count")), rv->max_restarts);
    const struct rv_attempt *a = rv->natt ? &rv->att[rv->natt - 1] : NULL;
    if (a && a->fail_what[0]) {
        buf_puts(b, " after: ");
        put_text(b, a->fail_what, 300);
    }
    if (a && a->verdict) {
        buf_puts(b, " (");
        put_text(b, str(a->verdict, "category"), 64);
        buf_puts(b, "/");
        put_text(b, str(a->verdict, "type"), 64);
        buf_puts(b, ")");
    }
    buf_puts(b, ".");
}

/* The kind of notification ev makes, or NULL. */
static const char *kind_of(const json_t *ev)
{
    const char *name = str(ev, "event");
    if (!strcmp(name, "verdict"))
        return "failure";
    if (!strcmp(name, "restart"))
        return "restart";
    if (!strcmp(name, "node_excluded"))
        return "node_excluded";
    if (!strcmp(name, "run_end")) {
        json_int_t code = json_integer_value(json_object_get(ev, "exit_code"));
        return code == 3 || code == 4 ? "stop" : "end";
    }
    return NULL;
}

json_t *notify_message(const json_t *ev, const struct runview *rv)
{
    const char *kind = kind_of(ev);
    if (!kind)
        return NULL;
    struct buf b;
    buf_init(&b, NOTIFY_TEXT_MAX);
    buf_puts(&b, "endure run ");
    put_text(&b, rv->run_id[0] ? rv->run_id : "?", 128);
    buf_puts(&b, ": ");
    if (!strcmp(kind, "failure")) {
        put_verdict(&b, ev, rv);
    } else if (!strcmp(kind, "restart")) {
        put_restart(&b, ev, rv);
    } else if (!strcmp(kind, "node_excluded")) {
        buf_puts(&b, "node ");
        put_text(&b, str(ev, "node"), 128);
        buf_puts(&b, " excluded from the run: ");
        put_text(&b, str(ev, "reason"), 400);
        buf_puts(&b, ".");
    } else {
        int code = (int)json_integer_value(json_object_get(ev, "exit_code"));
        buf_printf(&b, "%s (exit %d): ", !strcmp(kind, "stop") ? "STOPPED, needs attention" : "ended", code);
        put_text(&b, str(ev, "reason"), 400);
        buf_printf(&b, ". %d attempt(s), %d restart(s).", rv->old.natt + rv->natt, rv->restarts);
    }
    json_t *endure = json_pack("{s:s,s:s,s:s,s:O}", "kind", kind, "run_id", rv->run_id, "run_dir", rv->run_dir,
                               "event", ev);
    const struct rv_attempt *a = rv->natt ? &rv->att[rv->natt - 1] : NULL;
    if (!strcmp(kind, "failure") && a) {
        json_object_set_new(endure, "failure", json_pack("{s:s,s:s,s:s}", "kind", a->fail_kind, "what", a->fail_what,
                                                         "node", a->fail_node));
    }
    json_t *body = json_pack("{s:s?,s:o}", "text", b.p ? b.p : "", "endure", endure);
    buf_free(&b);
    return body;
}
