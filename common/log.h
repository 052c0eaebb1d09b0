/* log: diagnostics of endure itself on stderr, "endure[<who>]: message".
 * Never used for rank output (that goes through the console path). Callers
 * must never pass secrets. Never blocks: what stderr does not take at once
 * waits in a capped queue (poll log_pending_fd for POLLOUT and call
 * log_flush every loop turn); beyond it whole messages are dropped and
 * counted. Thread-safe. */
#ifndef ENDURE_LOG_H
#define ENDURE_LOG_H
#include <stdint.h>

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Sets the name shown after "endure" (e.g. "agent n1"); copied. */
void log_set_who(const char *who);
/* Sets the most verbose level printed (default LOG_INFO, ENDURE_LOG_LEVEL). */
void log_set_level(int level);
int log_get_level(void);
/* Prints one message, with a trailing newline added. */
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints text as is (no prefix, no newline added; at most 4 KiB), for
 * multi-line reports such as the run summary. */
void log_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes what stderr takes now of the queued messages; never blocks. */
void log_flush(void);
/* The fd to poll for POLLOUT while messages wait, else -1. */
int log_pending_fd(void);
/* Messages dropped since start because stderr did not take them. */
uint64_t log_dropped(void);
/* Forgets the queue and the counts and looks at stderr again at the next
 * message (after stderr was redirected). */
void log_reopen(void);
/* Flushes with a bounded wait (exit paths only). */
void log_drain(int wait_ms);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
