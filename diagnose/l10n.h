/* l10n: localized shells and C libraries put back into English for the
 * rules. A job run under LANG=zh_CN.UTF-8 (or de_DE, ja_JP...) prints
 * "已杀死" for "Killed", "段错误 (核心已转储)" for "Segmentation fault (core
 * dumped)", "权限不够" for "Permission denied": the signal names and error
 * strings of glibc and bash's own messages, in the wording of their
 * gettext catalogs. The table (l10n_forms.c) is generated from those
 * catalogs by l10n_gen.py; the classifier reads a line that no rule
 * matched once more with its forms replaced by their English, so every
 * English rule reads a localized shell too (the key line stays as the log
 * has it). */
#ifndef ENDURE_DIAGNOSE_L10N_H
#define ENDURE_DIAGNOSE_L10N_H
#include <stddef.h>

/* One localized form (UTF-8) and the index of its English original in
 * l10n_english. Static data (l10n_forms.c). Most forms hold a non-ASCII
 * byte; a plain-ASCII one ("Speicherzugriffsfehler", "Permiso denegado")
 * counts only as whole words. */
struct l10n_form {
    const char *form;
    unsigned char en;
};
extern const char *const l10n_english[];
extern const struct l10n_form l10n_forms[];
extern const size_t l10n_nenglish, l10n_nforms;

/* The most bytes l10n_line writes: a longer English line is not made. */
#define L10N_LINE_MAX 4096

/* The scratch space of l10n_line (one per thread that reads lines: a
 * classifier owns one). NULL: no memory. */
struct l10n *l10n_new(void);
void l10n_free(struct l10n *x);

/* Whether a form of the table is plain ASCII. Such forms are too costly
 * to look for in every line here: the rules' automaton carries them
 * (ruleset.c) and tells l10n_line when a line may hold one. */
int l10n_form_plain(const char *form);

/* Writes line (len bytes, not NUL-terminated) into out (L10N_LINE_MAX
 * bytes, caller's) with every form of the table replaced by its English
 * (of two forms that overlap, the one that starts first, then the longer),
 * and returns the length written (no NUL). Returns 0 when the line holds
 * no form or its English would not fit. A line of plain ASCII is scanned
 * only when plain is non-zero (the caller saw a plain form in it). The
 * automaton is built once per process (thread-safe). */
size_t l10n_line(struct l10n *x, const char *line, size_t len, int plain, char *out);

#endif
