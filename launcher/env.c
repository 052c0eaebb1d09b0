/* env: rank environment construction (see env.h). */
#include "launcher/env.h"
#include "common/util.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
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

int env_python_dir(char *out, size_t outlen)
{
    static const char *const rel[] = {"../share/endure/python", "../python", "../../python"};
    return find_data_dir("ENDURE_PYTHON_DIR", rel, 3, "endure_ckpt.py", out, outlen);
}

/* 1 if dir is one of the ':'-separated entries of path. */
static int path_has(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    for (const char *p = path; p; p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL)
        if (!strncmp(p, dir, n) && (p[n] == ':' || p[n] == '\0'))
            return 1;
    return 0;
}

void env_add_python_path(json_t *vars)
{
    char dir[PATH_MAX];
    if (env_python_dir(dir, sizeof dir) < 0)
        return;
    const char *user = json_string_value(json_object_get(vars, "PYTHONPATH"));
    if (!user)
        user = getenv("PYTHONPATH");
    if (user && path_has(user, dir))
        return;
    char *v = NULL;
    if (asprintf(&v, "%s%s%s", user && *user ? user : "", user && *user ? ":" : "", dir) < 0)
        return;
    json_object_set_new(vars, "PYTHONPATH", json_string(v));
    free(v);
}
