/* test_oncall2: notifications and --metrics-addr: a URL keeps only its
 * scheme, host and port when printed; only http(s) URLs with a host are
 * accepted; the events that notify (and only those) give a readable text
 * escaped for Slack with the structured event beside it; --metrics-addr's
 * forms parse and bad ones are refused; a failing --notify-cmd is reported
 * once for several notifications, and a hung one is KILLed at the drain. */
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "common/util.h"
#include "oncall/metrics_http.h"
#include "oncall/notify.h"

TEST(notify_redacts_path_query_and_userinfo)
{
    char out[300];
    notify_redact_url("https://hooks.slack.com/services/T000/B000/XXXXSECRET?token=abc", out, sizeof out);
    CHECK_STR(out, "https://hooks.slack.com/[redacted]");
    notify_redact_url("http://user:pw@127.0.0.1:8080/hooks/SECRET", out, sizeof out);
    CHECK_STR(out, "http://127.0.0.1:8080/[redacted]");
    notify_redact_url("not a url at all", out, sizeof out);
    CHECK(!strstr(out, "not a url"));
    CHECK(notify_check_url("https://chat.example.com/hooks/abc") == 0);
    CHECK(notify_check_url("ftp://example.com/x") < 0);
    CHECK(notify_check_url("file:///etc/passwd") < 0);
    CHECK(notify_check_url("hooks.example.com") < 0);
}

static void feed(struct runview *rv, const char *line)
{
    json_t *ev = json_loads(line, 0, NULL);
    rv_feed(rv, ev);
    json_decref(ev);
}

TEST(notify_message_of_a_verdict_is_readable_and_escaped)
{
    struct runview rv;
    rv_init(&rv);
    feed(&rv, "{\"ts\":\"2026-01-01T00:00:00.000Z\",\"event\":\"run_start\",\"run_id\":\"r1\",\"run_dir\":\"/x\","
              "\"config\":{\"max_restarts\":3}}");
    feed(&rv, "{\"ts\":\"2026-01-01T00:00:01.000Z\",\"event\":\"attempt_start\",\"attempt\":0,\"nodes\":[]}");
    feed(&rv, "{\"ts\":\"2026-01-01T00:00:02.000Z\",\"event\":\"failure\",\"attempt\":0,\"kind\":\"rank_exit\","
              "\"node\":\"n2\",\"what\":\"rank 1 on n2 exited with code 1\"}");
    json_t *ev = json_loads("{\"ts\":\"2026-01-01T00:00:03.000Z\",\"event\":\"verdict\",\"attempt\":0,\"verdict\":"
                            "{\"category\":\"script\",\"type\":\"key_error\",\"rule\":\"py.key_error\","
                            "\"decided_action\":\"stop\",\"key_line\":{\"file\":\"attempt-0/n2/rank-1.log\","
                            "\"line\":4,\"text\":\"KeyError: <lr> & more\\nnext\"}}}",
                            0, NULL);
    rv_feed(&rv, ev);
    json_t *b = notify_message(ev, &rv);
    CHECK(b);
    const char *text = json_string_value(json_object_get(b, "text"));
    CHECK(text);
    CHECK(strstr(text, "endure run r1: attempt 0 failed: rank 1 on n2 exited with code 1."));
    CHECK(strstr(text, "Verdict: script/key_error (rule py.key_error), action: stop."));
    CHECK(strstr(text, "Key line: attempt-0/n2/rank-1.log:4: `KeyError: &lt;lr&gt; &amp; more next`"));
    CHECK(!strchr(text, '\n'));
    json_t *e = json_object_get(b, "endure");
    CHECK_STR(json_string_value(json_object_get(e, "kind")), "failure");
    CHECK_STR(json_string_value(json_object_get(json_object_get(e, "event"), "event")), "verdict");
    json_decref(b);
    json_decref(ev);
    /* a stop and an end; an event that does not notify */
    ev = json_loads("{\"event\":\"run_end\",\"exit_code\":4,\"reason\":\"not enough healthy nodes\"}", 0, NULL);
    b = notify_message(ev, &rv);
    CHECK(b && strstr(json_string_value(json_object_get(b, "text")), "STOPPED, needs attention (exit 4)"));
    CHECK_STR(json_string_value(json_object_get(json_object_get(b, "endure"), "kind")), "stop");
    json_decref(b);
    json_decref(ev);
    ev = json_loads("{\"event\":\"run_end\",\"exit_code\":0,\"reason\":\"every rank finished\"}", 0, NULL);
    b = notify_message(ev, &rv);
    CHECK(b && strstr(json_string_value(json_object_get(b, "text")), "ended (exit 0): every rank finished"));
    json_decref(b);
    json_decref(ev);
    ev = json_loads("{\"event\":\"progress\",\"attempt\":0,\"step\":3}", 0, NULL);
    CHECK(!notify_message(ev, &rv));
    json_decref(ev);
    rv_free(&rv);
}

TEST(metrics_addr_forms)
{
    struct sockaddr_storage ss;
    socklen_t len;
    char why[300];
    CHECK(metrics_addr_parse("9400", &ss, &len, why, sizeof why) == 0);
    CHECK(ss.ss_family == AF_INET && ntohs(((struct sockaddr_in *)&ss)->sin_port) == 9400);
    CHECK(ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) == INADDR_LOOPBACK);
    CHECK(metrics_addr_parse(":0", &ss, &len, why, sizeof why) == 0);
    CHECK(metrics_addr_parse("0.0.0.0:9400", &ss, &len, why, sizeof why) == 0);
    CHECK(ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) == INADDR_ANY);
    CHECK(metrics_addr_parse("[::1]:9400", &ss, &len, why, sizeof why) == 0 && ss.ss_family == AF_INET6);
    CHECK(metrics_addr_parse("127.0.0.1:65536", &ss, &len, why, sizeof why) < 0);
    CHECK(metrics_addr_parse("127.0.0.1:", &ss, &len, why, sizeof why) < 0);
    CHECK(metrics_addr_parse("[::1", &ss, &len, why, sizeof why) < 0);
    CHECK(metrics_addr_parse("host.invalid:80", &ss, &len, why, sizeof why) < 0);
}

static int count_reports(struct notifier *n, const char *event, char *error, size_t errlen)
{
    int k = 0;
    json_t *r;
    while ((r = notifier_take_report(n))) {
        if (!strcmp(json_string_value(json_object_get(r, "event")), event)) {
            k++;
            snprintf(error, errlen, "%s", json_string_value(json_object_get(r, "error")));
        }
        json_decref(r);
    }
    return k;
}

TEST(notify_cmd_failing_is_reported_once_and_a_hung_one_killed)
{
    char cmd[600], err[200] = "";
    snprintf(cmd, sizeof cmd, "cat >>%s/got; exit 3", test_tmpdir());
    struct notifier *n;
    CHECK(notifier_start(&n, NULL, 0, cmd) == 0);
    json_t *body = json_pack("{s:s,s:{s:s}}", "text", "hello", "endure", "kind", "end");
    CHECK(notifier_post(n, body) == 0);
    CHECK(notifier_post(n, body) == 0);
    notifier_drain(n, 20000); /* 2 x 3 tries with 1 + 2 s back-off */
    CHECK(count_reports(n, "notify_failed", err, sizeof err) == 1);
    CHECK(strstr(err, "exited with code 3"));
    notifier_free(n);
    char path[600];
    snprintf(path, sizeof path, "%s/got", test_tmpdir());
    size_t len;
    char *got = read_file_capped(path, 1 << 20, &len);
    CHECK(got && strstr(got, "\"text\":\"hello\"")); /* the JSON on its stdin, 6 times */
    free(got);
    /* hung: KILLed when the drain's grace ends */
    snprintf(cmd, sizeof cmd, "echo $$ >%s/pid; exec sleep 600", test_tmpdir());
    CHECK(notifier_start(&n, NULL, 0, cmd) == 0);
    CHECK(notifier_post(n, body) == 0);
    /* the drain's grace starts once the command runs: under valgrind the
     * notifier thread can take longer than the grace to start it (seen in
     * CI), and a command killed before its echo leaves no pid to check */
    snprintf(path, sizeof path, "%s/pid", test_tmpdir());
    got = NULL;
    for (int i = 0; i < 1500 && !(got && atoi(got) > 0); i++) {
        free(got);
        poll(NULL, 0, 20);
        got = read_file_capped(path, 100, &len);
    }
    free(got);
    notifier_drain(n, 500);
    CHECK(count_reports(n, "notify_failed", err, sizeof err) == 1);
    CHECK(strstr(err, "killed"));
    notifier_free(n);
    got = read_file_capped(path, 100, &len);
    CHECK(got && atoi(got) > 0);
    CHECK(kill(atoi(got), 0) < 0); /* gone (and reaped) */
    free(got);
    json_decref(body);
}

/* A stray killer reads the command's pid with notifier_child_hold and kills
 * the rest: no command may start until it releases, or a command born in
 * between would be killed as a stray (seen in CI: a --notify-cmd killed
 * between two of its writes, then retried). While held, a queued
 * notification does not run its command; once released, it does. */
TEST(notify_cmd_held_back_while_a_stray_killer_holds)
{
    char cmd[600], path[600];
    snprintf(path, sizeof path, "%s/held", test_tmpdir());
    snprintf(cmd, sizeof cmd, "cat >%s", path);
    struct notifier *n;
    CHECK(notifier_start(&n, NULL, 0, cmd) == 0);
    CHECK(notifier_child_hold(n) == 0); /* nothing running yet */
    json_t *body = json_pack("{s:s,s:{s:s}}", "text", "held", "endure", "kind", "end");
    CHECK(notifier_post(n, body) == 0);
    poll(NULL, 0, 300); /* time for the thread to try; the check below cannot pass by chance */
    CHECK(access(path, F_OK) < 0);
    notifier_child_release(n);
    notifier_drain(n, 10000);
    size_t len;
    char *got = read_file_capped(path, 1 << 20, &len);
    CHECK(got && strstr(got, "\"text\":\"held\""));
    free(got);
    notifier_free(n);
    json_decref(body);
}
