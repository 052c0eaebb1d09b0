/* taxonomy: the fixed vocabulary of rule files (categories, failure types,
 * roles, actions), from DESIGN.md. The loader and the policy validate
 * against these tables. */
#include <string.h>
#include "diagnose/internal.h"
#include "diagnose/llm.h"

const char *const group_names[NGROUPS] = {"host", "rank", "gpu", "step", "loss"};

static const char *const roles[] = {"root", "symptom", "noise", "progress"};
static const char *const actions[] = {"restart", "exclude_node", "stop", "ignore", "rollback"};

struct category {
    const char *name;
    const char *const *types;
};

static const char *const infra[] = {"nvlink_error", "cuda_error", "node_failure", "ecc_error",
                                    "network_error", "connection_error", "storage_error",
                                    "nccl_timeout", "nccl_error", "gpu_lost", "oom_host", NULL};
static const char *const framework[] = {"dataloader_killed", "attribute_error", "cuda_oom",
                                        "runtime_error", "assertion_error", "value_error",
                                        "zero_division", "checkpoint_error", "dataset_error",
                                        "dist_barrier", "nan_loss", "loss_spike", "device_side_assert", NULL};
static const char *const script[] = {"file_not_found", "os_error", "type_error", "name_error",
                                     "permission_error", "import_error", "key_error",
                                     "syntax_error", "argument_error", "called_process_error",
                                     "index_error", NULL};
static const char *const hang[] = {"hang", NULL};
static const char *const unknown[] = {"unknown", "killed", NULL};
static const char *const noise[] = {"noise", NULL};
static const char *const progress[] = {"progress", NULL};

/* In category-rank order: earlier categories win ties in verdict_pick. */
static const struct category categories[] = {
    {"infrastructure", infra}, {"framework", framework}, {"script", script}, {"hang", hang},
    {"unknown", unknown},      {"noise", noise},         {"progress", progress},
};
#define NCAT (sizeof categories / sizeof *categories)

const char *role_name(int role)
{
    return role >= 0 && role < 4 ? roles[role] : "?";
}

int role_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, roles[i]))
            return i;
    return -1;
}

int action_valid(const char *s)
{
    for (size_t i = 0; i < sizeof actions / sizeof *actions; i++)
        if (!strcmp(s, actions[i]))
            return 1;
    return 0;
}

int category_rank(const char *category)
{
    for (size_t i = 0; i < NCAT; i++)
        if (!strcmp(category, categories[i].name))
            return (int)i;
    return -1;
}

int category_valid(const char *s)
{
    return category_rank(s) >= 0;
}

int type_in_category(const char *category, const char *type)
{
    int r = category_rank(category);
    if (r < 0)
        return 0;
    for (const char *const *t = categories[r].types; *t; t++)
        if (!strcmp(*t, type))
            return 1;
    return 0;
}

int type_known(const char *type)
{
    for (size_t i = 0; i < NCAT; i++)
        if (type_in_category(categories[i].name, type))
            return 1;
    return !strcmp(type, "success") || !strcmp(type, "no_failure");
}

/* The default action of each failure type, by the policy of
 * docs/diagnose.md ("Actions by principle"): restart when a retry can
 * plausibly succeed, exclude_node when the node is at fault, stop when a
 * retry deterministically fails the same way or a human must act. Types not
 * listed (framework and script errors raised by the job's own code) stop.
 * Numerical divergence (nan_loss, loss_spike) rolls back. A shipped
 * rule whose action differs says why in `action_reason`. */
static const struct {
    const char *type, *action;
} type_actions[] = {
    {"nvlink_error", "exclude_node"}, {"ecc_error", "exclude_node"},
    {"gpu_lost", "exclude_node"},     {"node_failure", "exclude_node"},
    {"cuda_error", "restart"},        {"network_error", "restart"},
    {"connection_error", "restart"},  {"storage_error", "restart"},
    {"nccl_timeout", "restart"},      {"nccl_error", "restart"},
    {"oom_host", "restart"},          {"dataloader_killed", "restart"},
    {"dist_barrier", "restart"},      {"nan_loss", "rollback"},
    {"loss_spike", "rollback"},
    {"hang", "restart"},              {"unknown", "restart"},
    {"killed", "restart"},            {"noise", "ignore"},
    {"progress", "ignore"},
};

const char *type_default_action(const char *type)
{
    if (!type || !type_known(type))
        return NULL;
    for (size_t i = 0; i < sizeof type_actions / sizeof *type_actions; i++)
        if (!strcmp(type, type_actions[i].type))
            return type_actions[i].action;
    return !strcmp(type, "success") || !strcmp(type, "no_failure") ? "none" : "stop";
}

/* The taxonomy an LLM's reply must use (llm.h): the failure categories with
 * their types (noise and progress left out) and the actions of a verdict. */
json_t *llm_taxonomy(void)
{
    json_t *cats = json_object(), *acts = json_array();
    for (size_t i = 0; i < NCAT; i++) {
        if (!strcmp(categories[i].name, "noise") || !strcmp(categories[i].name, "progress"))
            continue;
        json_t *types = json_array();
        for (const char *const *t = categories[i].types; *t; t++)
            json_array_append_new(types, json_string(*t));
        json_object_set_new(cats, categories[i].name, types);
    }
    for (size_t i = 0; i < 3; i++) /* not "ignore" */
        json_array_append_new(acts, json_string(actions[i]));
    return json_pack("{s:o,s:o}", "categories", cats, "actions", acts);
}
