/* llm_client: the libcurl client of an OpenAI-compatible chat/completions
 * endpoint (see llm.h). One blocking exchange with a total deadline over
 * all tries: temperature 0, max_tokens, response_format json_object (one
 * retry without it when the server refuses the field), at most
 * LLM_MAX_RETRIES retries with doubling back-off on 429, 5xx and reset
 * connections, the reply capped at LLM_MAX_REPLY, TLS verification on, no
 * redirects (they could carry the key elsewhere), http/https only. The key
 * goes into one header and nowhere else. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/http.h"
#include "common/util.h"
#include "diagnose/llm.h"

void llm_key_free(char *key)
{
    if (!key)
        return;
    volatile char *p = key;
    while (*p)
        *p++ = '\0';
    free(key);
}

/* The first line of s, trailing blanks cut; NULL when empty. */
static char *first_line(const char *s, size_t n)
{
    size_t e = 0;
    while (e < n && s[e] != '\n' && s[e] != '\r')
        e++;
    while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t'))
        e--;
    return e ? strndup(s, e) : NULL;
}

int llm_key_load(const char *key_file, char **key, struct buf *err)
{
    const char *env = getenv("ENDURE_LLM_API_KEY");
    *key = NULL;
    if (env && *env) {
        *key = first_line(env, strlen(env));
        return 0;
    }
    if (!key_file)
        return 0;
    int fd = open_regular(AT_FDCWD, key_file, O_RDONLY | O_NOFOLLOW, 0);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        buf_printf(err, "--llm-key-file %s: %s\n", key_file, file_strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        buf_printf(err, "--llm-key-file %s: readable by group or others (mode %03o): chmod 600 it\n",
                   key_file, (unsigned)(st.st_mode & 0777));
        close(fd);
        return -1;
    }
    char b[LLM_KEY_MAX + 1];
    ssize_t n = read(fd, b, sizeof b);
    close(fd);
    if (n < 0 || n > LLM_KEY_MAX) {
        buf_printf(err, "--llm-key-file %s: %s\n", key_file, n < 0 ? strerror(errno) : "larger than 4 KiB");
        return -1;
    }
    *key = first_line(b, (size_t)n);
    memset(b, 0, sizeof b);
    if (!*key) {
        buf_printf(err, "--llm-key-file %s: empty\n", key_file);
        return -1;
    }
    return 0;
}

void llm_exchange_free(struct llm_exchange *x)
{
    json_decref(x->request);
    free(x->reply);
    memset(x, 0, sizeof *x);
}

struct xfer {
    struct buf body;
    int too_big, cancel_fd;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    struct xfer *t = arg;
    if (buf_append(&t->body, p, size * n) < 0) {
        t->too_big = 1;
        return 0;
    }
    return size * n;
}

static int cancelled(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return fd >= 0 && poll(&p, 1, 0) > 0;
}

static int on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    return cancelled(((struct xfer *)arg)->cancel_fd);
}

static json_t *request_body(const struct llm_config *c, const char *prompt, int with_format)
{
    json_t *r = json_pack("{s:s,s:f,s:I,s:[{s:s,s:s},{s:s,s:s}]}", "model", c->model ? c->model : "default",
                          "temperature", 0.0, "max_tokens", (json_int_t)c->max_tokens, "messages", "role",
                          "system", "content",
                          "You diagnose failed distributed training jobs. Answer with one JSON object only.",
                          "role", "user", "content", prompt);
    if (r && with_format)
        json_object_set_new(r, "response_format", json_pack("{s:s}", "type", "json_object"));
    return r;
}

/* <base>/v1/chat/completions (a base that ends in /v1 gets no second one). */
static char *endpoint(const char *base)
{
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        n--;
    int v1 = n >= 3 && !strncmp(base + n - 3, "/v1", 3);
    char *u = NULL;
    if (asprintf(&u, "%.*s%s/chat/completions", (int)n, base, v1 ? "" : "/v1") < 0)
        return NULL;
    return u;
}

/* One POST; the curl code, the HTTP status in *status. */
static CURLcode post(CURL *h, const char *url, struct curl_slist *hdr, const char *body, long left_ms,
                     const struct llm_config *c, struct xfer *t, long *status, char *errbuf)
{
    curl_easy_reset(h);
    buf_reset(&t->body);
    t->too_big = 0;
    errbuf[0] = '\0';
    http_post_setup(h, url, hdr, body, left_ms, c->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->cacert)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)LLM_MAX_REPLY);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, t);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "endure/" ENDURE_VERSION);
    CURLcode rc = curl_easy_perform(h);
    *status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    return rc;
}

static int retryable(CURLcode rc, long status)
{
    if (rc == CURLE_OK)
        return status == 429 || (status >= 500 && status <= 599);
    return rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING ||
           rc == CURLE_PARTIAL_FILE;
}

/* The assistant's content of a chat completion body. */
static int take_content(const char *body, char **content, struct buf *err)
{
    json_error_t je;
    json_t *r = json_loads(body, JSON_REJECT_DUPLICATES, &je);
    const char *s = json_string_value(json_object_get(
        json_object_get(json_array_get(json_object_get(r, "choices"), 0), "message"), "content"));
    if (!s) {
        buf_printf(err, "the reply is not a chat completion (%s)\n",
                   r ? "no choices[0].message.content string" : je.text);
        json_decref(r);
        return -1;
    }
    *content = strdup(s);
    json_decref(r);
    return *content ? 0 : -1;
}

/* Waits ms, or less when the cancel fd becomes readable: 0, or -1 cancelled. */
static int backoff_wait(int fd, long ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int64_t end = now_ms() + ms;
    for (;;) {
        int left = ms_until(end);
        if (left <= 0)
            return 0;
        int n = poll(&p, fd >= 0 ? 1 : 0, left);
        if (n > 0)
            return -1;
    }
}

int llm_request(const struct llm_config *c, const char *key, const char *prompt, char **content,
                struct llm_exchange *x, struct buf *err)
{
    int64_t start = now_ms(), end = start + (c->timeout_ms > 0 ? c->timeout_ms : LLM_DEFAULT_TIMEOUT_MS);
    char *url = endpoint(c->url), *auth = NULL, errbuf[CURL_ERROR_SIZE];
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    struct xfer t = {.cancel_fd = c->cancel_fd};
    CURL *h = curl_easy_init();
    int rc = -1, with_format = 1, retries = 0;
    long back = c->backoff_ms > 0 ? c->backoff_ms : 500;
    buf_init(&t.body, LLM_MAX_REPLY);
    *content = NULL;
    if (key && asprintf(&auth, "Authorization: Bearer %s", key) >= 0)
        hdr = curl_slist_append(hdr, auth);
    if (!url || !h || !hdr || (key && !auth)) {
        buf_puts(err, "out of memory\n");
        goto out;
    }
    for (;;) {
        long status = 0, left = ms_until(end);
        json_decref(x->request);
        x->request = request_body(c, prompt, with_format);
        char *body = json_dumps(x->request, JSON_COMPACT);
        if (left <= 0 || !body) {
            free(body);
            buf_printf(err, "no answer within the timeout (%ld ms)\n", (long)(now_ms() - start));
            goto out;
        }
        x->tries++;
        CURLcode cr = post(h, url, hdr, body, left, c, &t, &status, errbuf);
        free(body);
        free(x->reply);
        x->reply = t.body.p ? strdup(t.body.p) : NULL;
        x->http_status = status;
        if (t.too_big || cr == CURLE_FILESIZE_EXCEEDED) {
            buf_printf(err, "the reply is larger than %u bytes (refused)\n", LLM_MAX_REPLY);
            goto out;
        }
        if (cr == CURLE_ABORTED_BY_CALLBACK) {
            buf_puts(err, "cancelled\n");
            goto out;
        }
        if (cr == CURLE_OK && (status == 400 || status == 422) && with_format) {
            with_format = 0; /* the server does not know response_format */
            x->no_response_format = 1;
            continue;
        }
        if (retryable(cr, status) && retries < LLM_MAX_RETRIES && ms_until(end) > back) {
            retries++;
            if (backoff_wait(c->cancel_fd, back) < 0) {
                buf_puts(err, "cancelled\n");
                goto out;
            }
            back *= 2;
            continue;
        }
        if (cr != CURLE_OK) {
            buf_printf(err, "%s%s%s\n", curl_easy_strerror(cr), errbuf[0] ? ": " : "", errbuf);
            goto out;
        }
        if (status != 200) {
            buf_printf(err, "HTTP status %ld\n", status);
            goto out;
        }
        rc = take_content(t.body.p ? t.body.p : "", content, err);
        goto out;
    }
out:
    x->elapsed_ms = (long)(now_ms() - start);
    if (h)
        curl_easy_cleanup(h);
    curl_slist_free_all(hdr);
    llm_key_free(auth);
    free(url);
    buf_free(&t.body);
    return rc;
}
