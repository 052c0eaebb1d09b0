/* cmd_ckpt: `endure ckpt ls|verify|prune|restore DIR`, the operator's view of a
 * checkpoint store. Thin: parses argv, calls the checkpoint library, prints
 * text or --json. Exit 0 ok, 1 verification failed or I/O error, 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "checkpoint/ckpt.h"
#include "checkpoint/cmd.h"
#include "common/exitcodes.h"
#include "common/layout.h"
#include "common/util.h"

static const char usage_text[] =
    "usage: endure ckpt ls DIR [--json]\n"
    "       endure ckpt verify DIR [TAG] [--size] [--json]\n"
    "       endure ckpt prune DIR --keep N [--keep-every STEPS] [--json]\n"
    "       endure ckpt restore DIR [TAG] [--size] [--to OUT] [--json]\n"
    "(options may come anywhere; after -- every argument is DIR or TAG)\n\n"
    "  ls       list TAGs: step, complete or not, nodes, size, age\n"
    "  verify   check complete TAGs (all, or TAG): manifests, sizes and every\n"
    "           CRC32 (--size: sizes only); exit 1 naming each bad file, or\n"
    "           when DIR holds no TAG directory at all\n"
    "  prune    keep the newest N complete TAGs (and every STEPS-th step);\n"
    "           never the newest complete TAG or one still being written\n"
    "  restore  the TAG a restart would resume from (the newest complete TAG\n"
    "           that verifies, CRCs included; --size: sizes only) or TAG, and\n"
    "           each rank's directory in it; exit 1 when none verifies.\n"
    "           --to OUT copies it, CRC-checked, to OUT/<TAG>/rank-<R>/ (the\n"
    "           layout endure_ckpt.resume() reads outside endure, with\n"
    "           ENDURE_CKPT_FALLBACK_DIR=OUT); never overwrites a rank dir,\n"
    "           refuses an OUT/<TAG> that is a symlink or not a directory\n\n"
    "Files of the store that are not regular files (a FIFO, a device) or are\n"
    "symlinks are refused with a message, never waited on.\n";

struct opts {
    const char *sub, *dir, *tag, *to;
    int json, size_only;
    long keep, keep_every;
};

static void human_bytes(double b, char *out, size_t n)
{
    const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    while (b >= 1024 && i < 4) {
        b /= 1024;
        i++;
    }
    snprintf(out, n, i ? "%.1f %s" : "%.0f %s", b, u[i]);
}

static void human_age(long s, char *out, size_t n)
{
    if (s < 120)
        snprintf(out, n, "%lds", s);
    else if (s < 7200)
        snprintf(out, n, "%ldm", s / 60);
    else if (s < 172800)
        snprintf(out, n, "%ldh", s / 3600);
    else
        snprintf(out, n, "%ldd", s / 86400);
}

static void print_json(json_t *o)
{
    char *t = json_dumps(o, JSON_INDENT(2));
    if (t)
        printf("%s\n", t);
    free(t);
}

static int do_ls(const struct opts *o)
{
    json_t *l = ckpt_list(o->dir);
    if (!l) {
        fprintf(stderr, "endure ckpt: cannot read %s\n", o->dir);
        return EXIT_FAILED;
    }
    if (o->json) {
        print_json(l);
    } else {
        printf("%-24s %10s  %-8s %5s %10s %6s\n", "TAG", "STEP", LAYOUT_COMPLETE, "NODES", "SIZE", "AGE");
        size_t i;
        json_t *t;
        json_array_foreach(l, i, t) {
            char size[32], age[32], step[32] = "-"; /* no step: nothing of the TAG persisted yet */
            json_int_t st = json_integer_value(json_object_get(t, "step"));
            if (st >= 0)
                snprintf(step, sizeof step, "%lld", (long long)st);
            human_bytes((double)json_integer_value(json_object_get(t, "bytes")), size, sizeof size);
            human_age((long)json_integer_value(json_object_get(t, "age_s")), age, sizeof age);
            printf("%-24s %10s  %-8s %5zu %10s %6s%s\n", json_string_value(json_object_get(t, "tag")), step,
                   json_is_true(json_object_get(t, "complete")) ? "yes" : "no",
                   json_array_size(json_object_get(t, "nodes")), size, age,
                   json_is_true(json_object_get(t, "partial")) ? "  (persist in progress or crashed)" : "");
        }
    }
    json_decref(l);
    return EXIT_OK;
}

/* One problem: "<lead>node/file: problem". */
static void print_problem(const char *lead, const json_t *p)
{
    printf("%s%s%s%s%s%s\n", lead, json_string_value(json_object_get(p, "node")) ?: "",
           json_object_get(p, "node") ? "/" : "", json_string_value(json_object_get(p, "file")) ?: "",
           json_object_get(p, "file") ? ": " : "", json_string_value(json_object_get(p, "problem")) ?: "");
}

static int do_verify(const struct opts *o)
{
    json_t *l = ckpt_list(o->dir), *report = json_array(), *t;
    if (!l) {
        fprintf(stderr, "endure ckpt: cannot read %s\n", o->dir);
        json_decref(report);
        return EXIT_FAILED;
    }
    int bad = 0, seen = 0;
    size_t i;
    json_array_foreach(l, i, t) {
        const char *tag = json_string_value(json_object_get(t, "tag"));
        if (o->tag && strcmp(o->tag, tag))
            continue;
        seen = 1;
        json_t *probs = json_array();
        const char *unreadable = json_string_value(json_object_get(t, "complete_problem"));
        int complete = json_is_true(json_object_get(t, "complete")) || unreadable;
        if (unreadable)
            json_array_append_new(probs, json_pack("{s:s,s:s,s:s}", "tag", tag, "file", LAYOUT_COMPLETE, "problem", unreadable));
        int ok = !unreadable && complete &&
                 ckpt_verify_tag(o->dir, tag, o->size_only ? CKPT_VERIFY_SIZE : CKPT_VERIFY_FULL, probs) == 0;
        const char *status = ok ? "ok" : complete ? "corrupt" : "incomplete";
        if (!ok && (o->tag || complete))
            bad = 1;
        json_array_append_new(report, json_pack("{s:s s:s s:o}", "tag", tag, "status", status, "problems", probs));
        if (!o->json) {
            printf("%s: %s\n", tag, status);
            size_t k;
            json_t *p;
            json_array_foreach(probs, k, p) print_problem("  ", p);
        }
    }
    if (o->tag && !seen) {
        fprintf(stderr, "endure ckpt: no TAG %s in %s\n", o->tag, o->dir);
        bad = 1;
    } else if (!seen) { /* nothing verified is not a pass */
        fprintf(stderr, "endure ckpt verify: no TAG directories in %s, nothing to verify\n", o->dir);
        bad = 1;
    }
    if (o->json)
        print_json(report);
    json_decref(report);
    json_decref(l);
    return bad ? EXIT_FAILED : EXIT_OK;
}

static int do_prune(const struct opts *o)
{
    json_t *pruned = json_array();
    int n = ckpt_prune(o->dir, (int)o->keep, o->keep_every, pruned);
    if (n < 0) {
        fprintf(stderr, "endure ckpt: cannot read %s\n", o->dir);
    } else if (o->json) {
        print_json(pruned);
    } else {
        size_t i;
        json_t *p;
        json_array_foreach(pruned, i, p) printf("pruned %s (step %lld, %s)\n",
                                                json_string_value(json_object_get(p, "tag")),
                                                (long long)json_integer_value(json_object_get(p, "step")),
                                                json_is_true(json_object_get(p, "complete")) ? "complete" : "incomplete");
        printf("%d TAG(s) pruned\n", n);
    }
    json_decref(pruned);
    return n < 0 ? EXIT_FAILED : EXIT_OK;
}

/* Chooses (or checks) the TAG, then lists or exports its ranks. */
static int do_restore(const struct opts *o)
{
    struct ckpt_choice c = {0};
    json_t *problems = json_array(), *ranks = json_array();
    struct buf err;
    buf_init(&err, 4096);
    int mode = o->size_only ? CKPT_VERIFY_SIZE : CKPT_VERIFY_FULL, rc = EXIT_FAILED, found;
    if (o->tag)
        found = ckpt_verify_tag(o->dir, o->tag, mode, problems) == 0 && ckpt_choice_of(o->dir, o->tag, &c) == 0;
    else
        found = ckpt_choose_restore(o->dir, mode, &c, problems);
    if (found < 0)
        fprintf(stderr, "endure ckpt: cannot read %s\n", o->dir);
    if (found <= 0)
        goto out;
    if (o->to) {
        if (ckpt_export(o->dir, &c, o->to, ranks, &err) < 0) {
            fprintf(stderr, "endure ckpt restore: %s\n", err.p ? err.p : "export failed");
            goto out;
        }
    } else if (ckpt_rank_dirs(o->dir, &c, ranks) < 0) {
        goto out;
    }
    rc = EXIT_OK;
out:
    if (o->json) {
        json_t *j = json_pack("{s:O,s:O}", "skipped", problems, "ranks", ranks);
        json_object_set_new(j, "tag", found > 0 ? json_string(c.tag) : json_null());
        json_object_set_new(j, "step", found > 0 ? json_integer(c.step) : json_null());
        json_object_set_new(j, "world_size", json_integer(c.world_size));
        print_json(j);
        json_decref(j);
    } else {
        size_t k;
        json_t *p;
        json_array_foreach(problems, k, p) {
            char lead[300];
            snprintf(lead, sizeof lead, "skipped %s: ", json_string_value(json_object_get(p, "tag")) ?: "?");
            print_problem(lead, p);
        }
        if (found > 0)
            printf("restore %s (step %ld, world size %d)%s\n", c.tag, c.step, c.world_size,
                   o->to && rc == EXIT_OK ? ", copied:" : "");
        size_t i;
        json_t *r;
        json_array_foreach(ranks, i, r) printf("  rank %lld: %s\n", (long long)json_integer_value(json_object_get(r, "rank")),
                                               json_string_value(json_object_get(r, "dir")) ?: "(not copied)");
    }
    if (found == 0)
        fprintf(stderr, "endure ckpt restore: %s in %s\n",
                o->tag ? "the TAG is not complete or does not verify" : "no complete checkpoint verifies", o->dir);
    json_decref(problems);
    json_decref(ranks);
    buf_free(&err);
    return rc;
}

/* SUB, DIR, TAG in that order; -1 (said) when there is one too many. */
static int positional(struct opts *o, const char *a)
{
    if (!o->sub) {
        o->sub = a;
    } else if (!o->dir) {
        o->dir = a;
    } else if (!o->tag && (!strcmp(o->sub, "verify") || !strcmp(o->sub, "restore"))) {
        o->tag = a;
    } else {
        fprintf(stderr, "endure ckpt: unexpected argument %s\n", a);
        return -1;
    }
    return 0;
}

/* Parses argv into o; 0, 1 (help printed) or -1 (usage error). Options may
 * come anywhere; after "--" every argument is positional. */
static int parse(int argc, char **argv, struct opts *o)
{
    o->keep = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return 1;
        } else if (!strcmp(a, "--json")) {
            o->json = 1;
        } else if (!strcmp(a, "--size")) {
            o->size_only = 1;
        } else if (!strcmp(a, "--to")) {
            if (i + 1 >= argc || !argv[i + 1][0]) {
                fprintf(stderr, "endure ckpt: --to needs a directory\n");
                return -1;
            }
            o->to = argv[++i];
        } else if (!strcmp(a, "--keep") || !strcmp(a, "--keep-every")) {
            long *dst = !strcmp(a, "--keep") ? &o->keep : &o->keep_every;
            if (i + 1 >= argc || parse_long(argv[++i], !strcmp(a, "--keep") ? 1 : 0, 1000000000L, dst) < 0) {
                fprintf(stderr, "endure ckpt: %s needs a number%s\n", a, !strcmp(a, "--keep") ? " >= 1" : "");
                return -1;
            }
        } else if (!strcmp(a, "--")) {
            for (i++; i < argc; i++)
                if (positional(o, argv[i]) < 0)
                    return -1;
        } else if (a[0] == '-') {
            fprintf(stderr, "endure ckpt: unknown option %s\n", a);
            return -1;
        } else if (positional(o, a) < 0) {
            return -1;
        }
    }
    if (!o->sub || !o->dir) {
        fputs(usage_text, stderr);
        return -1;
    }
    if (!strcmp(o->sub, "prune") && o->keep < 1) {
        fprintf(stderr, "endure ckpt prune: --keep N is required\n");
        return -1;
    }
    return 0;
}

int cmd_ckpt(int argc, char **argv)
{
    struct opts o = {0};
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
    if (!strcmp(o.sub, "ls"))
        return do_ls(&o);
    if (!strcmp(o.sub, "verify"))
        return do_verify(&o);
    if (!strcmp(o.sub, "prune"))
        return do_prune(&o);
    if (!strcmp(o.sub, "restore"))
        return do_restore(&o);
    fprintf(stderr, "endure ckpt: unknown subcommand %s (ls, verify, prune, restore)\n", o.sub);
    return EXIT_USAGE;
}
