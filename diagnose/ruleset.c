/* ruleset: validates and compiles the rules read from YAML, derives their
 * prefilter literals, fixes the order in which candidates are tried and
 * builds the one Aho-Corasick index over all literals. Also finds the
 * shipped rules directory and gives read-only views of rules. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/util.h"
#include "diagnose/l10n.h"
#include "diagnose/linemarks.h"
#include "diagnose/rules_load.h"

#define RULES_MAX 20000

struct rule *rules_acc_new(struct rules_acc *acc, struct rule_marks *m)
{
    memset(m, 0, sizeof *m);
    if (acc->n >= RULES_MAX)
        return NULL;
    if (acc->n == acc->cap) {
        size_t nc = acc->cap ? acc->cap * 2 : 64;
        struct rule *np = realloc(acc->rules, nc * sizeof *np);
        if (!np)
            return NULL;
        acc->rules = np;
        acc->cap = nc;
    }
    struct rule *r = &acc->rules[acc->n++];
    memset(r, 0, sizeof *r);
    return r;
}

void rule_clear(struct rule *r)
{
    free(r->id), free(r->category), free(r->type), free(r->action);
    free(r->pattern), free(r->explain), free(r->file);
    for (size_t i = 0; i < r->nexamples; i++)
        free(r->examples[i]);
    for (size_t i = 0; i < r->ncounter; i++)
        free(r->counter[i]);
    for (size_t i = 0; i < r->nliterals; i++)
        free(r->literals[i]);
    for (size_t i = 0; i < r->nrequires; i++)
        free(r->requires[i]);
    free(r->examples), free(r->counter), free(r->literals), free(r->requires), free(r->plain);
    free(r->status);
    free(r->action_reason), free(r->setup_action);
    for (size_t i = 0; i < r->nframe_examples; i++)
        free(r->frame_examples[i]);
    free(r->frame_examples), free(r->frame);
    if (r->frame_re)
        pcre2_code_free(r->frame_re);
    if (r->re)
        pcre2_code_free(r->re);
    memset(r, 0, sizeof *r);
}

#define MERR(k, ...)                                                                    \
    rules_error(acc, r->file, m->marks[k].line + 1, m->marks[k].column + 1, __VA_ARGS__)
#define RERR(...) rules_error(acc, r->file, (size_t)r->line, (size_t)r->column, __VA_ARGS__)

/* Named groups must be among group_names, each at most once ((?J) would
 * allow a name twice, and then the capture could not be read by name). */
static void check_group_names(struct rules_acc *acc, struct rule *r, const struct rule_marks *m)
{
    uint32_t count = 0, size = 0;
    PCRE2_SPTR table = NULL;
    pcre2_pattern_info(r->re, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(r->re, PCRE2_INFO_NAMEENTRYSIZE, &size);
    pcre2_pattern_info(r->re, PCRE2_INFO_NAMETABLE, &table);
    for (uint32_t i = 0; table && i < count; i++) {
        const char *name = (const char *)table + (size_t)i * size + 2; /* after the number */
        int g = 0;
        while (g < NGROUPS && strcmp(group_names[g], name))
            g++;
        if (g == NGROUPS)
            MERR(5, "unknown capture group name '%s' (host, rank, gpu, step, loss)", name);
        else if (i > 0 && !strcmp(name, (const char *)table + (size_t)(i - 1) * size + 2))
            MERR(5, "capture group name '%s' used twice", name);
    }
}

static void compile_pattern(struct rules_acc *acc, struct rule *r, const struct rule_marks *m)
{
    int code;
    PCRE2_SIZE off;
    r->re = pcre2_compile((PCRE2_SPTR)r->pattern, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
    if (!r->re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        size_t col = m->marks[5].column + 1 + (m->quoted[5] ? 1 : 0);
        if (!strchr(r->pattern, '\n'))
            col += off;
        rules_error(acc, r->file, m->marks[5].line + 1, col,
                    "invalid pattern: %s (at offset %zu)", (char *)msg, (size_t)off);
        return;
    }
    check_group_names(acc, r, m);
    if (!strpbrk(r->pattern, "\\^$.|?*+()[]{}") && r->pattern[0]) {
        r->plain = strdup(r->pattern);
        r->plain_len = strlen(r->pattern);
    }
    for (int g = 0; g < NGROUPS; g++) {
        int n = pcre2_substring_number_from_name(r->re, (PCRE2_SPTR)group_names[g]);
        r->groups[g] = n > 0 ? n : 0;
    }
}

/* `frame:` (rules_load.c): a pattern for the innermost frame of the
 * traceback whose exception line the rule reads; it needs examples of such
 * frames, and only a root or symptom rule reads exception lines. */
static void compile_frame(struct rules_acc *acc, struct rule *r, const struct rule_marks *m)
{
    int code;
    PCRE2_SIZE off;
    if (!r->frame) {
        if (r->nframe_examples)
            MERR(12, "%s", "'frame_examples' without 'frame'");
        return;
    }
    if (!r->nframe_examples)
        MERR(13, "%s", "'frame' needs at least one of 'frame_examples'");
    if (r->role != ROLE_ROOT && r->role != ROLE_SYMPTOM)
        MERR(13, "%s", "'frame' is for root and symptom rules");
    r->frame_re = pcre2_compile((PCRE2_SPTR)r->frame, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
    if (!r->frame_re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        MERR(13, "invalid frame pattern: %s (at offset %zu)", (char *)msg, (size_t)off);
    }
}

static void check_vocabulary(struct rules_acc *acc, struct rule *r, const struct rule_marks *m)
{
    if (r->category && !category_valid(r->category))
        MERR(1, "unknown category '%s'", r->category);
    else if (r->category && r->type && !type_in_category(r->category, r->type))
        MERR(2, "unknown type '%s' for category '%s'", r->type, r->category);
    if (r->action && !action_valid(r->action))
        MERR(4, "unknown action '%s' (restart, exclude_node, stop, ignore)", r->action);
    if (r->role >= 0 && r->category) {
        int quiet = r->role == ROLE_NOISE || r->role == ROLE_PROGRESS;
        const char *want = quiet ? role_name(r->role) : NULL;
        if (quiet && strcmp(r->category, want))
            MERR(1, "a %s rule must have category '%s'", want, want);
        else if (!quiet && (!strcmp(r->category, "noise") || !strcmp(r->category, "progress")))
            MERR(1, "category '%s' needs role '%s'", r->category, r->category);
        if (quiet && r->action && strcmp(r->action, "ignore"))
            MERR(4, "a %s rule must have action 'ignore'", want);
    }
}

#define ID_SLOTS 32768 /* a power of two above RULES_MAX: the id table never fills */

/* The earlier rule with the id of r (the newest rule), or NULL; records
 * r's id when it is new. A hash table, not a scan of the earlier rules:
 * that was a tenth of start-up with two thousand rules. */
static const struct rule *id_seen(struct rules_acc *acc, const struct rule *r)
{
    uint32_t h = 2166136261u;
    if (!acc->ids && !(acc->ids = calloc(ID_SLOTS, sizeof *acc->ids))) {
        rules_error(acc, r->file, 0, 0, "out of memory checking rule ids");
        return NULL;
    }
    for (const char *p = r->id; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    for (size_t s = h & (ID_SLOTS - 1);; s = (s + 1) & (ID_SLOTS - 1)) {
        if (!acc->ids[s]) {
            acc->ids[s] = (uint32_t)(r - acc->rules) + 1;
            return NULL;
        }
        if (!strcmp(acc->rules[acc->ids[s] - 1].id, r->id))
            return &acc->rules[acc->ids[s] - 1];
    }
}

void rules_validate(struct rules_acc *acc, struct rule *r, const struct rule_marks *m)
{
    static const char *const req[] = {"id", "category", "type", "role", "action", "match",
                                      "explain"};
    char *vals[] = {r->id, r->category, r->type, m->has_role ? "" : NULL, r->action,
                    r->pattern, r->explain};
    for (int k = 0; k < 7; k++)
        if (!vals[k])
            RERR("rule%s%s: missing '%s'", r->id ? " " : "", r->id ? r->id : "", req[k]);
    if (r->nexamples == 0)
        RERR("rule %s: needs at least one example", r->id ? r->id : "(no id)");
    for (size_t i = 0; i < r->nliterals; i++)
        if (!r->literals[i][0])
            MERR(10, "%s", "literals must not be empty");
    for (size_t i = 0; i < r->nrequires; i++)
        if (!r->requires[i][0])
            MERR(11, "%s", "requires must not be empty");
    if (r->id && !r->id[0])
        MERR(0, "%s", "empty id");
    const struct rule *o = r->id ? id_seen(acc, r) : NULL;
    if (o)
        MERR(0, "duplicate id '%s' (first at %s:%ld:%ld)", r->id, o->file, o->line, o->column);
    if (r->teardown && r->role != ROLE_SYMPTOM)
        RERR("rule %s: 'teardown' is for symptom rules", r->id ? r->id : "(no id)");
    if (r->vague && r->role != ROLE_ROOT)
        RERR("rule %s: 'vague' is for root rules", r->id ? r->id : "(no id)");
    check_vocabulary(acc, r, m);
    if (r->pattern)
        compile_pattern(acc, r, m);
    compile_frame(acc, r, m);
}

/* Cuts literals to RULE_MAX_LITERAL bytes and folds them to lower case. */
static void fold_literals(char **lits, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *l = lits[i];
        if (strlen(l) > RULE_MAX_LITERAL)
            l[RULE_MAX_LITERAL] = '\0';
        for (char *p = l; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
    }
}

/* Folds declared literals and requires, or derives a literal from the
 * pattern. */
static int set_literals(struct rule *r)
{
    fold_literals(r->literals, r->nliterals);
    fold_literals(r->requires, r->nrequires);
    if (r->nliterals)
        return 0;
    char lit[RULE_MAX_LITERAL + 1];
    if (!literal_derive(r->pattern, lit, sizeof lit))
        return 0;
    r->literals = malloc(sizeof *r->literals);
    if (!r->literals || !(r->literals[0] = strdup(lit)))
        return -1;
    r->nliterals = 1;
    return 0;
}

/* Candidate order: priority (higher first), then noise before root before
 * symptom before progress, then file order. */
static int order_cmp(const void *a, const void *b, void *base)
{
    const struct rule *rules = base;
    const struct rule *x = &rules[*(const uint32_t *)a], *y = &rules[*(const uint32_t *)b];
    static const int role_rank[] = {1, 2, 0, 3};
    if (x->priority != y->priority)
        return y->priority - x->priority;
    if (x->role != y->role)
        return role_rank[x->role] - role_rank[y->role];
    return x < y ? -1 : x > y;
}

/* Builds the order, the always-run list and the automaton. */
static int finalize(struct ruleset *rs)
{
    size_t nlit = 0, k = 0;
    rs->by_order = malloc((rs->n + 1) * sizeof *rs->by_order);
    rs->always = malloc((rs->n + 1) * sizeof *rs->always);
    rs->jit = calloc(rs->n + 1, sizeof *rs->jit);
    if (!rs->by_order || !rs->always || !rs->jit || !(rs->jit_lock = malloc(sizeof *rs->jit_lock)))
        return -1;
    if (pthread_mutex_init(rs->jit_lock, NULL) != 0) {
        free(rs->jit_lock);
        rs->jit_lock = NULL;
        return -1;
    }
    for (size_t i = 0; i < rs->n; i++) {
        struct rule *r = &rs->rules[i];
        uint32_t caps = 0;
        if (set_literals(r) < 0)
            return -1;
        nlit += r->nliterals + r->nrequires;
        r->cat_rank = category_rank(r->category);
        pcre2_pattern_info(r->re, PCRE2_INFO_CAPTURECOUNT, &caps);
        if (caps > rs->max_captures)
            rs->max_captures = caps;
        rs->by_order[i] = (uint32_t)i;
    }
    qsort_r(rs->by_order, rs->n, sizeof *rs->by_order, order_cmp, rs->rules);
    for (size_t o = 0; o < rs->n; o++) {
        struct rule *r = &rs->rules[rs->by_order[o]];
        r->order = (uint32_t)o;
        if (!r->nliterals)
            rs->always[rs->nalways++] = (uint32_t)o;
    }
    /* the offline per-line marks (linemarks.h) ride along as literals of
     * no rule, owners n + i, found in their exact case */
    const char *const *mark;
    const uint32_t *mbits;
    size_t nm = linemarks_table(&mark, &mbits);
    char **lits = malloc((nlit + nm + l10n_nforms + 1) * sizeof *lits);
    uint32_t *owner = malloc((nlit + nm + l10n_nforms + 1) * sizeof *owner);
    uint8_t *exact = malloc(nlit + nm + l10n_nforms + 1);
    int ok = lits && owner && exact;
    for (size_t i = 0; ok && i < rs->n; i++)
        for (size_t j = 0; j < rs->rules[i].nliterals; j++) {
            /* Noise rules only run beside a failure candidate, and then
             * their regex decides: their anchors need no verification. */
            exact[k] = rs->rules[i].role != ROLE_NOISE;
            lits[k] = rs->rules[i].literals[j];
            owner[k++] = rs->rules[i].order;
        }
    for (size_t i = 0; ok && i < nm; i++) {
        exact[k] = AC_CASE;
        lits[k] = (char *)mark[i]; /* ac_build copies it */
        owner[k++] = (uint32_t)(rs->n + i);
    }
    /* the requires of a rule share one owner after the marks: a hit of any
     * of them sets it, and the prefilter keeps the rule only then */
    for (size_t i = 0; ok && i < rs->n; i++) {
        struct rule *r = &rs->rules[i];
        if (!r->nrequires)
            continue;
        r->req_owner = (uint32_t)(rs->n + nm + rs->nreq++);
        for (size_t j = 0; j < r->nrequires; j++) {
            exact[k] = 1;
            lits[k] = r->requires[j];
            owner[k++] = r->req_owner;
        }
    }
    /* the plain-ASCII localized forms (l10n.h) share the last owner: a hit
     * tells the classifier that the line may hold one */
    rs->l10n_owner = (uint32_t)(rs->n + nm + rs->nreq);
    for (size_t i = 0; ok && i < l10n_nforms; i++)
        if (l10n_form_plain(l10n_forms[i].form)) {
            exact[k] = AC_CASE;
            lits[k] = (char *)l10n_forms[i].form; /* ac_build copies it */
            owner[k++] = rs->l10n_owner;
        }
    rs->nmarks = ok ? nm : 0;
    rs->ac = ok ? ac_build(lits, owner, exact, k) : NULL;
    free(lits);
    free(owner);
    free(exact);
    return rs->ac ? 0 : -1;
}

static int is_rule_file(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && ((n > 5 && !strcmp(name + n - 5, ".yaml")) ||
                              (n > 4 && !strcmp(name + n - 4, ".yml")));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The paths of the rule files of directory path, in name order, in
 * *names and *n (the caller frees them): 0, or an errno. A read error gives
 * nothing, never a partial list (a partial rule set would pass unseen). */
static int list_rule_files(const char *path, char ***names, size_t *n)
{
    DIR *d = opendir(path);
    int rerr = d ? 0 : errno;
    *names = NULL;
    *n = 0;
    while (d && *n < 10000) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) {
            rerr = errno; /* 0 at the end */
            break;
        }
        if (!is_rule_file(e->d_name))
            continue;
        char **np = realloc(*names, (*n + 1) * sizeof *np);
        if (np)
            *names = np;
        if (!np || asprintf(&np[*n], "%s/%s", path, e->d_name) < 0) {
            rerr = ENOMEM;
            break;
        }
        (*n)++;
    }
    if (d)
        closedir(d);
    if (rerr) {
        free_names(*names, *n);
        *names = NULL;
        *n = 0;
    } else if (*n > 1) {
        qsort(*names, *n, sizeof **names, cmp_str);
    }
    return rerr;
}

/* Loads a file, or every rule file of a directory in name order. */
static void load_path(struct rules_acc *acc, const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        rules_error(acc, path, 0, 0, "cannot read: %s", strerror(errno));
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        rules_load_file(acc, path);
        return;
    }
    char **names;
    size_t n;
    int rerr = list_rule_files(path, &names, &n);
    if (rerr)
        rules_error(acc, path, 0, 0, "cannot read: %s", strerror(rerr));
    for (size_t i = 0; i < n; i++)
        rules_load_file(acc, names[i]);
    free_names(names, n);
}

int ruleset_default_dir(char *out, size_t outlen)
{
    static const char *const rel[] = {"../share/endure/rules", "../rules", "../../rules"};
    return find_data_dir("ENDURE_RULES_DIR", rel, 3, "", out, outlen);
}

/* Leaves out the learned rules whose status is candidate. */
static void drop_candidates(struct rules_acc *acc)
{
    size_t k = 0;
    for (size_t i = 0; i < acc->n; i++) {
        if (acc->rules[i].status && !strcmp(acc->rules[i].status, "candidate"))
            rule_clear(&acc->rules[i]);
        else
            acc->rules[k++] = acc->rules[i];
    }
    acc->n = k;
}

/* Turns what acc accumulated into a ruleset (or frees it on errors). */
static int build(struct ruleset **out, struct rules_acc *acc, struct buf *err)
{
    struct ruleset *rs = NULL;
    free(acc->ids); /* the duplicate-id check is done */
    acc->ids = NULL;
    if (acc->nerrors || !(rs = calloc(1, sizeof *rs)))
        goto fail;
    if (acc->no_candidates)
        drop_candidates(acc);
    rs->rules = acc->rules;
    rs->n = acc->n;
    acc->rules = NULL;
    if (finalize(rs) < 0) {
        buf_puts(err, "endure: out of memory building the rule index\n");
        goto fail;
    }
    *out = rs;
    return 0;
fail:
    for (size_t i = 0; i < acc->n && acc->rules; i++)
        rule_clear(&acc->rules[i]);
    free(acc->rules);
    ruleset_free(rs);
    return -1;
}

int ruleset_load(struct ruleset **out, const char *const *paths, size_t npaths, struct buf *err)
{
    return ruleset_load_ex(out, paths, npaths, 1, err);
}

int ruleset_load_ex(struct ruleset **out, const char *const *paths, size_t npaths, int candidates,
                    struct buf *err)
{
    struct rules_acc acc = {.err = err, .no_candidates = !candidates};
    char dir[PATH_MAX];
    *out = NULL;
    if (npaths == 0) {
        if (ruleset_default_dir(dir, sizeof dir) < 0) {
            buf_puts(err, "endure: cannot find the shipped rules (set ENDURE_RULES_DIR)\n");
            return -1;
        }
        load_path(&acc, dir);
    }
    for (size_t i = 0; i < npaths; i++)
        load_path(&acc, paths[i]);
    return build(out, &acc, err);
}

int ruleset_load_text(struct ruleset **out, const char *name, const char *text, size_t len,
                      struct buf *err)
{
    struct rules_acc acc = {.err = err};
    *out = NULL;
    rules_load_text(&acc, name, text, len);
    return build(out, &acc, err);
}

void ruleset_free(struct ruleset *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->n; i++)
        rule_clear(&rs->rules[i]);
    free(rs->rules);
    free(rs->always);
    free(rs->by_order);
    free((void *)rs->jit);
    if (rs->jit_lock) {
        pthread_mutex_destroy(rs->jit_lock);
        free(rs->jit_lock);
    }
    ac_free(rs->ac);
    free(rs);
}

int ruleset_jit_compile(const struct ruleset *rs, size_t i)
{
    pthread_mutex_lock(rs->jit_lock);
    int st = atomic_load_explicit(&rs->jit[i], memory_order_relaxed);
    if (!st) {
        st = pcre2_jit_compile(rs->rules[i].re, PCRE2_JIT_COMPLETE) == 0 ? RULE_JIT : RULE_INTERP;
        atomic_store_explicit(&rs->jit[i], (unsigned char)st, memory_order_release);
    }
    pthread_mutex_unlock(rs->jit_lock);
    return st;
}

size_t ruleset_count(const struct ruleset *rs)
{
    return rs->n;
}

size_t ruleset_always_count(const struct ruleset *rs)
{
    return rs->nalways;
}

void ruleset_rule(const struct ruleset *rs, size_t i, struct rule_info *o)
{
    const struct rule *r = &rs->rules[i];
    *o = (struct rule_info){
        .id = r->id, .category = r->category, .type = r->type, .role = role_name(r->role),
        .action = r->action, .pattern = r->pattern, .explain = r->explain, .file = r->file,
        .line = r->line, .column = r->column, .priority = r->priority,
        .examples = (const char *const *)r->examples, .nexamples = r->nexamples,
        .counter_examples = (const char *const *)r->counter, .ncounter_examples = r->ncounter,
        .literals = (const char *const *)r->literals, .nliterals = r->nliterals,
        .requires = (const char *const *)r->requires, .nrequires = r->nrequires, .status = r->status,
        .action_reason = r->action_reason, .default_action = type_default_action(r->type),
        .setup_action = r->setup_action,
        .teardown = r->teardown, .vague = r->vague, .frame = r->frame,
        .frame_examples = (const char *const *)r->frame_examples, .nframe_examples = r->nframe_examples};
}

long ruleset_find(const struct ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->n; i++)
        if (!strcmp(rs->rules[i].id, id))
            return (long)i;
    return -1;
}

const char *ruleset_setup_action(const struct ruleset *rs, const char *id)
{
    long i = rs && id ? ruleset_find(rs, id) : -1;
    return i < 0 ? NULL : rs->rules[i].setup_action;
}
