/* actforms: the line forms the activity tracker reads (activity.c), as
 * pure functions of one line line[0..len), which need not end in a NUL.
 * Internal to diagnose/. */
#ifndef ENDURE_DIAGNOSE_ACTFORMS_H
#define ENDURE_DIAGNOSE_ACTFORMS_H
#include <stddef.h>
#include <stdint.h>

/* The blanks (space, tab, CR) that start the line. */
size_t act_blanks(const char *line, size_t len);
/* The glog or c10d level letter that starts s ('W', 'I', 'E'), or 0. */
int act_glog_level(const char *s, size_t n);
/* Whether the line (lead: its leading blanks) holds an error-level word
 * of linemarks.c as a report of its own ("ERROR" as a word, "Error:" at
 * its start or after a tool's "name: "). */
int act_error_word(const char *line, size_t len, size_t lead);
/* Whether the line is a Python traceback's frame, "File \"PATH\", line N,
 * in FUNC" (not faulthandler's "line N in FUNC"); act_frame_func: the
 * offset where FUNC begins, 0 when it is none. */
int act_frame_line(const char *line, size_t len, size_t lead);
size_t act_frame_func(const char *line, size_t len, size_t lead);
/* The gradient norm the line prints: 1 nan or inf, 0 a number, -1 none. */
int act_grad_norm(const char *line, size_t len);
/* Whether the line shows the run's last epoch finished (Keras's bar under
 * "Epoch N/N", a tqdm bar over the epochs at 100%); *final_epoch keeps
 * whether the last Keras epoch header seen was the last epoch; k: the
 * line's linemarks bits (LM_EPOCHS). */
int act_final_epoch(int *final_epoch, const char *line, size_t len, uint32_t k);
/* Whether the line is a completion line too short to be searched for
 * inside other text ("model saved.", after a logger's prefix or a tqdm
 * bar), or the Trainer's train_runtime metrics row. */
int act_done_line(const char *line, size_t len);

#endif
