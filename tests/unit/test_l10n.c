/* test_l10n: localized shells read in English (diagnose/l10n.c). The
 * English of a line: each form replaced, the rest kept byte for byte, two
 * forms in one line, overlapping forms (the first, then the longer), plain
 * ASCII and unknown non-ASCII lines left alone, an English too long for the
 * buffer refused; plain-ASCII forms (German, Spanish, French...) only when
 * the caller saw one, and only as whole words; the table as generated
 * (every form has a known English, a plain one is not an English word).
 * Through the classifier: a line no rule knows in its localized form is
 * decided by the English rule, with the capture read from the English and
 * the key line quoted as the log has it (also for a plain-ASCII form, which
 * the rules' automaton finds); a rule written for the localized form still
 * wins over the English; a rule check (endure rules test) reads the
 * English too. */
#include <string.h>
#include "diagnose/l10n.h"
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

static size_t en_plain(struct l10n *x, const char *line, int plain, char *out)
{
    size_t n = l10n_line(x, line, strlen(line), plain, out);
    out[n] = 0; /* out has L10N_LINE_MAX + 1 bytes in these tests */
    return n;
}

static size_t en(struct l10n *x, const char *line, char *out)
{
    size_t n = l10n_line(x, line, strlen(line), 0, out);
    out[n] = 0; /* out has L10N_LINE_MAX + 1 bytes in these tests */
    return n;
}

struct en_case {
    const char *line, *want;
};

/* Each case's English, with plain forms looked for or not. */
static void check_cases(struct l10n *x, const struct en_case *cases, size_t n, int plain)
{
    static char out[L10N_LINE_MAX + 1];
    for (size_t i = 0; i < n; i++) {
        size_t got = en_plain(x, cases[i].line, plain, out);
        CHECK(got == strlen(cases[i].want));
        CHECK(strcmp(out, cases[i].want) == 0);
    }
}

TEST(l10n_lines_in_english)
{
    struct l10n *x = l10n_new();
    CHECK(x != NULL);
    static char out[L10N_LINE_MAX + 1];
    static const struct en_case cases[] = {
        {"已杀死", "Killed"},
        {"/bin/bash: 行 1: 4242 已杀死                  python train.py", "/bin/bash: 行 1: 4242 Killed                  python train.py"},
        {"段错误 (核心已转储)", "Segmentation fault (core dumped)"},
        {"Segmentation fault (コアダンプ)", "Segmentation fault (core dumped)"},
        {"Ошибка сегментирования", "Segmentation fault"},
        {"cp: 无法创建普通文件'/ckpt/x': 设备上没有空间", "cp: 无法创建普通文件'/ckpt/x': No space left on device"},
        {"ssh: connect to host n7 port 22: 拒绝连接", "ssh: connect to host n7 port 22: Connection refused"},
        {"/bin/sh: 1: torchrun: 未找到命令", "/bin/sh: 1: torchrun: command not found"},
        {"Убито", "Killed"},
        /* overlapping forms: the one that starts first, then the longer */
        {"write: Прекъснат канал", "write: Broken pipe"},                  /* not "Aborted канал" */
        {"OSError: システム中のファイルを開きすぎです", "OSError: Too many open files in system"},
    };
    check_cases(x, cases, sizeof cases / sizeof *cases, 0);
    /* nothing to put in English: 0, whatever out holds */
    CHECK(en(x, "Killed", out) == 0);                       /* ASCII: not scanned */
    CHECK(en(x, "Epoch 1: 50%|█████     | 5/10", out) == 0); /* non-ASCII, no form */
    CHECK(en(x, "数据加载完成", out) == 0);
    CHECK(en(x, "", out) == 0);
    /* an English that would not fit: refused, not cut */
    size_t big = L10N_LINE_MAX - 6;
    char *line = malloc(big + 16);
    CHECK(line != NULL);
    memset(line, 'a', big);
    memcpy(line + big, "已杀死", 9); /* 9 bytes become 6: just fits */
    CHECK(l10n_line(x, line, big + 9, 0, out) == L10N_LINE_MAX);
    memcpy(line + big, "段错误", 9); /* 9 bytes become 18: does not */
    CHECK(l10n_line(x, line, big + 9, 0, out) == 0);
    free(line);
    l10n_free(x);
}

TEST(l10n_plain_forms_as_whole_words)
{
    struct l10n *x = l10n_new();
    CHECK(x != NULL);
    static char out[L10N_LINE_MAX + 1];
    static const struct en_case cases[] = {
        {"Speicherzugriffsfehler (Speicherabzug geschrieben)", "Segmentation fault (core dumped)"},
        {"train.sh: Zeile 3: 812 Getötet python train.py", "train.sh: Zeile 3: 812 Killed python train.py"},
        {"bash: torchrun: Kommando nicht gefunden", "bash: torchrun: command not found"},
        {"python: can't open file 'x.py': [Errno 2] No existe el fichero o el directorio",
         "python: can't open file 'x.py': [Errno 2] No such file or directory"},
        {"«python»: Aucun fichier ou dossier de ce type", "«python»: No such file or directory"},
        {"cp: /ckpt/x: Keine Berechtigung", "cp: /ckpt/x: Permission denied"},
    };
    check_cases(x, cases, sizeof cases / sizeof *cases, 1);
    /* a plain line is scanned only when the caller saw a form in it */
    CHECK(en_plain(x, "bash: torchrun: Kommando nicht gefunden", 0, out) == 0);
    /* whole words only: a form inside a longer word is not one */
    CHECK(en_plain(x, "Beendeter Lauf", 1, out) == 0);
    CHECK(en_plain(x, "UnbeendetX", 1, out) == 0);
    CHECK(en_plain(x, "Lauf: Beendet", 1, out) == strlen("Lauf: Terminated"));
    /* an English word is not a form: French "Abandon" stays */
    CHECK(en_plain(x, "Abandon ship", 1, out) == 0);
    l10n_free(x);
}

TEST(l10n_table_as_generated)
{
    CHECK(l10n_nforms > 100);
    size_t plain = 0;
    for (size_t i = 0; i < l10n_nforms; i++) {
        const char *f = l10n_forms[i].form;
        CHECK(strlen(f) >= 3);
        CHECK(l10n_forms[i].en < l10n_nenglish);
        if (l10n_form_plain(f)) {
            plain++;
            CHECK(strlen(f) >= 5);
            CHECK(strcmp(f, l10n_english[l10n_forms[i].en]) != 0);
        }
    }
    CHECK(plain > 100 && plain < l10n_nforms);
}

static const char ssh_rule[] =
    "- id: t.ssh\n  category: infrastructure\n  type: connection_error\n  role: root\n"
    "  action: restart\n  explain: 'test'\n  match: 'ssh: connect to host (?<host>[\\w.-]+) port \\d+: Connection refused'\n"
    "  examples: ['ssh: connect to host n7 port 22: Connection refused']\n";

TEST(l10n_english_rule_reads_a_localized_line)
{
    const char *lines[] = {"step 3", "pdsh@n1: n7: ssh: connect to host n7 port 22: 拒绝连接", NULL};
    json_t *v = diag_offline_lines(ssh_rule, lines, 0);
    CHECK(v != NULL);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.ssh");
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "culprit"), "host")), "n7");
    json_t *key = json_object_get(v, "key_line");
    CHECK(strstr(json_string_value(json_object_get(key, "text")), "拒绝连接") != NULL);
    json_decref(v);
    /* the capture is read from the English: after a form whose English is
     * longer, offsets into the line would be wrong */
    const char *after[] = {"[Errno 111] 拒绝连接: peer n9.example", NULL};
    v = diag_offline_lines("- id: t.peer\n  category: infrastructure\n  type: connection_error\n"
                           "  role: root\n  action: restart\n  explain: 'test'\n"
                           "  match: 'Connection refused: peer (?<host>[\\w.-]+)'\n"
                           "  examples: ['Connection refused: peer n9']\n", after, 0);
    CHECK(v != NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "culprit"), "host")), "n9.example");
    json_decref(v);
    /* a rule written for the localized form matches first */
    char rules[1024];
    snprintf(rules, sizeof rules, "%s%s", ssh_rule,
             "- id: t.zh\n  category: infrastructure\n  type: network_error\n  role: root\n"
             "  action: restart\n  explain: 'test'\n  match: '拒绝连接'\n  literals: ['拒绝连接']\n"
             "  examples: ['ssh: 拒绝连接']\n");
    v = diag_offline_lines(rules, lines, 0);
    CHECK(v != NULL);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.zh");
    json_decref(v);
}

TEST(l10n_english_rule_reads_a_plain_localized_line)
{
    /* a plain-ASCII form: the rules' automaton finds it, no non-ASCII byte
     * in the line to make l10n look */
    const char *lines[] = {"step 3", "pdsh@n1: n7: ssh: connect to host n7 port 22: Verbindungsaufbau abgelehnt",
                           NULL};
    json_t *v = diag_offline_lines(ssh_rule, lines, 0);
    CHECK(v != NULL);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.ssh");
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "culprit"), "host")), "n7");
    json_t *key = json_object_get(v, "key_line");
    CHECK(strstr(json_string_value(json_object_get(key, "text")), "abgelehnt") != NULL);
    json_decref(v);
    /* inside a longer word it is not the form: no failure read */
    const char *word[] = {"ssh: connect to host n7 port 22: XVerbindungsaufbau abgelehnt", NULL};
    v = diag_offline_lines(ssh_rule, word, 0);
    CHECK(v != NULL);
    CHECK(json_is_null(json_object_get(v, "rule")));
    json_decref(v);
}

TEST(l10n_rule_check_reads_the_english_too)
{
    struct buf err;
    struct ruleset *rs = diag_load(diag_write("k.yaml", ssh_rule), &err);
    CHECK(rs != NULL);
    struct classifier *c = classifier_new(rs);
    const char *zh = "ssh: connect to host n7 port 22: 拒绝连接", *other = "ssh: connect to host n7 port 22: 超时";
    CHECK(classifier_rule_check(c, 0, zh, strlen(zh)) == 1);       /* as endure rules test reads an example */
    CHECK(classifier_rule_check(c, 0, other, strlen(other)) == 0); /* no form: the line alone */
    CHECK_STR(classifier_match(c, zh, strlen(zh)), "t.ssh");
    const char *de = "ssh: connect to host n7 port 22: Verbindungsaufbau abgelehnt";
    CHECK(classifier_rule_check(c, 0, de, strlen(de)) == 1);
    classifier_free(c);
    ruleset_free(rs);
    buf_free(&err);
}
