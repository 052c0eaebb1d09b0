/* input: the inputs of `endure diagnose`: expanding paths (files, run
 * directories, directories of rank logs, Slurm output directories, gzip
 * files, "-") into a list of log streams, and reading one stream as lines
 * (zlib gzread reads plain and gzip files alike) with the bounded line
 * splitter. */
#ifndef ENDURE_DIAGNOSE_INPUT_H
#define ENDURE_DIAGNOSE_INPUT_H
#include <stddef.h>
#include "common/buf.h"

struct input {
    char *path;    /* what to open ("-" for stdin) */
    char *display; /* the name shown (relative to the directory given) */
    char *node;    /* from a run directory layout, else NULL */
    long rank;     /* from rank-<R>.log, else -1 */
    int regular;   /* 1: refuse anything but a regular file (never blocks on a
                    * FIFO); 2: and a symlink (found by a directory walk) */
    char **segs;   /* a rotated rank log's closed segments (rank-<R>.log.<K>[.gz]),
                    * oldest first, read before path (which may then be absent) */
    size_t nsegs;
};

struct input_list {
    struct input *v;
    size_t n, cap;
};

#define INPUT_MAX_FILES 20000

/* Expands one argument into inputs (appended). A run directory (with
 * attempt-<N> subdirectories) contributes only its highest attempt. Returns
 * 0, or -1 with a message in err (missing path, directory without logs). */
int input_expand(struct input_list *l, const char *arg, struct buf *err);
void input_list_free(struct input_list *l);
/* The highest N of the attempt-<N> entries of dir (an endure run
 * directory), or -1. */
long input_last_attempt(const char *dir);
/* The N of every attempt-<N> directory in dir, ascending (at most
 * INPUT_MAX_FILES); malloc'd, *count set (0 when none). */
long *input_attempts(const char *dir, size_t *count);

/* Called for every line: 1-based line number, flags from common/lines.h.
 * The line is NOT NUL-terminated (complete lines are passed in place). */
typedef void (*input_line_cb)(void *ctx, const char *line, size_t len, long lineno, unsigned flags);
/* Reads one input, calling cb per line. Returns 0, or -1 with a message in
 * err ("binary file", "truncated gzip", I/O errors, more than max_bytes
 * (0: no limit) of decompressed input); lines before a truncation or the
 * limit are still delivered. *bytes_out gets the bytes read. A rotated log's
 * segments and its live file are one stream: lines numbered on across them. */
int input_read(const struct input *in, input_line_cb cb, void *ctx, struct buf *err,
               size_t max_bytes, size_t *bytes_out);
/* Finds the closed segments of in's rank log (in->path named rank-<R>.log)
 * in its directory and attaches them (a rotated log is read as one stream). */
void input_attach_segments(struct input *in);
/* Frees what input_attach_segments attached. */
void input_free_segments(struct input *in);
/* Reads lines first..last (1-based, inclusive) of a file into arr (a JSON
 * array of strings, sanitised); best effort, for context around a key line. */
void input_context(const char *path, long first, long last, size_t max_bytes, void *json_arr);

#endif
