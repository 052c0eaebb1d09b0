/* env: builds a rank's environment: the agent's own environment, less
 * endure's secret, with torchrun's and endure's variables set on top. */
#ifndef ENDURE_ENV_H
#define ENDURE_ENV_H
#include <jansson.h>

/* Returns a NULL-terminated, malloc'd envp (free with env_free): environ
 * minus ENDURE_SECRET, with every key of vars (strings or integers) set. */
char **env_build(const json_t *vars);
void env_free(char **envp);

#endif
