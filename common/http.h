/* http: the libcurl options every POST endure makes shares (the LLM client,
 * the notifier): http and https only, no redirects (a redirect could carry
 * a body with logs or a token elsewhere), no signals (the handle runs on a
 * worker thread), bounded total and connect times. */
#ifndef ENDURE_COMMON_HTTP_H
#define ENDURE_COMMON_HTTP_H
#include <curl/curl.h>

/* Sets up h (reset or fresh) to POST body to url with headers hdr, within
 * timeout_ms overall and connect_ms to connect (capped at timeout_ms). The
 * caller adds what is its own (TLS checks, callbacks) and performs. */
void http_post_setup(CURL *h, const char *url, struct curl_slist *hdr, const char *body, long timeout_ms,
                     long connect_ms);

#endif
