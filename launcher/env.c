/* env: rank environment construction (see env.h). */
#include "launcher/env.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/proto.h"

extern char **environ;

static int overridden(const char *entry, const json_t *vars)
{
    const char *eq = strchr(entry, '=');
    size_t klen = eq ? (size_t)(eq - entry) : strlen(entry);
    char key[256];
    if (klen >= sizeof key)
        return 0;
    memcpy(key, entry, klen);
    key[klen] = '\0';
    return !strcmp(key, PROTO_SECRET_ENV) || json_object_get(vars, key) != NULL;
}

char **env_build(const json_t *vars)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **envp = calloc(n + json_object_size(vars) + 1, sizeof *envp);
    if (!envp)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!overridden(environ[i], vars))
            envp[k++] = strdup(environ[i]);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)vars, key, v) {
        char *s = NULL;
        if (json_is_string(v)) {
            if (asprintf(&s, "%s=%s", key, json_string_value(v)) < 0)
                s = NULL;
        } else if (json_is_integer(v)) {
            if (asprintf(&s, "%s=%lld", key, (long long)json_integer_value(v)) < 0)
                s = NULL;
        }
        if (s)
            envp[k++] = s;
    }
    envp[k] = NULL;
    return envp;
}

void env_free(char **envp)
{
    for (size_t i = 0; envp && envp[i]; i++)
        free(envp[i]);
    free(envp);
}
