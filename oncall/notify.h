/* notify: notifications of a run's events (--notify URL, --notify-cmd CMD)
 * off the controller's critical path. notify_message() turns a journal
 * event into the body that is sent (a Slack/Mattermost incoming webhook's
 * {"text": ...} with the structured event under "endure"); a notifier owns
 * a bounded queue and one thread that POSTs each body to every URL
 * (libcurl) and pipes it into the command, with bounded retries and
 * back-off. The loop only queues (never blocks) and takes the thread's
 * reports (a target that starts or stops failing) to journal them. No URL
 * path or query (webhook tokens) ever leaves this module unredacted. */
#ifndef ENDURE_NOTIFY_H
#define ENDURE_NOTIFY_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "oncall/runview.h"

#define NOTIFY_MAX_URLS 8
#define NOTIFY_QUEUE 64          /* notifications waiting; more are dropped (and said once) */
#define NOTIFY_TRIES 3           /* per notification and target */
#define NOTIFY_BACKOFF_MS 1000   /* before the second try, doubling */
#define NOTIFY_TIMEOUT_MS 5000   /* one HTTP request */
#define NOTIFY_CMD_TIMEOUT_MS 10000 /* one run of the command, then it is KILLed */

struct notifier;

/* "https://hooks.example.com/services/T0/B0/XYZ?x=1" ->
 * "https://hooks.example.com/[redacted]" (user:password dropped); "[bad url]"
 * when it cannot be parsed. Always NUL-terminates out. */
void notify_redact_url(const char *url, char *out, size_t n);
/* 0 when url is an http:// or https:// URL with a host, else -1. */
int notify_check_url(const char *url);

/* The body of the notification of journal event ev (rv has folded it
 * already), or NULL when ev is not one that notifies: a verdict, a restart,
 * a node excluded, the run's end (kind "stop" for exit 3 and 4, else
 * "end"). New reference. */
json_t *notify_message(const json_t *ev, const struct runview *rv);

/* Starts the thread for nurls URLs (copied) and cmd (NULL: none). 0 or -1. */
int notifier_start(struct notifier **out, char *const *urls, int nurls, const char *cmd);
/* Queues body (serialized here); never blocks. 0, or -1 when dropped. */
int notifier_post(struct notifier *n, const json_t *body);
/* The thread's next report for the journal ({"event": "notify_failed" or
 * "notify_recovered" or "notify_dropped", ...}, targets redacted), or NULL.
 * New reference; call from the loop's thread only. */
json_t *notifier_take_report(struct notifier *n);
/* The command's process while it runs (0: none): a supervisor that reaps
 * or kills its children spares it and hands its status here (1 when pid
 * was the command's, else 0). notifier_child_hold also holds back the
 * start of the next command until notifier_child_release, so that a
 * caller killing the children it does not know (strays) between the two
 * never kills a command born after it read the pid. */
pid_t notifier_child_hold(struct notifier *n);
void notifier_child_release(struct notifier *n);
int notifier_reaped(struct notifier *n, pid_t pid, int status);
/* Lets the queue drain for at most grace_ms (retries included), aborts what
 * is left and joins the thread; its reports can still be taken. */
void notifier_drain(struct notifier *n, int64_t grace_ms);
/* Drains with no grace (if not yet drained) and frees n. */
void notifier_free(struct notifier *n);

#endif
