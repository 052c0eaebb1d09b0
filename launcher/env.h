/* env: builds a rank's environment: the agent's own environment, less
 * endure's secret, with torchrun's and endure's variables set on top. */
#ifndef ENDURE_ENV_H
#define ENDURE_ENV_H
#include <jansson.h>
#include <stddef.h>

/* Returns a NULL-terminated, malloc'd envp (free with env_free): environ
 * minus ENDURE_SECRET, with every key of vars (strings or integers) set. */
char **env_build(const json_t *vars);
void env_free(char **envp);
/* Finds the directory of endure's Python helper (endure_ckpt.py):
 * $ENDURE_PYTHON_DIR, else <exe dir>/../share/endure/python (installed),
 * <exe dir>/../python (build tree), <exe dir>/../../python. 0 or -1. */
int env_python_dir(char *out, size_t outlen);
/* Appends that directory to PYTHONPATH in vars (after the user's own,
 * taken from vars or the environment), so that the ranks can import
 * endure_ckpt with no setup; nothing when it is there already or not found. */
void env_add_python_path(json_t *vars);

#endif
