/* ckpt_internal: helpers shared by the checkpoint module's files (not for
 * other modules): safe relative paths, JSON files, tree removal, CRC of a
 * file, stage commit records and the persist engine. */
#ifndef ENDURE_CKPT_INTERNAL_H
#define ENDURE_CKPT_INTERNAL_H
#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>
#include "common/buf.h"

#define CKPT_FORMAT 1
#define CKPT_JSON_MAX (16u << 20)     /* manifests and markers: 16 MiB cap */
#define CKPT_COMMIT_MAX (4u << 20)    /* a rank's commit record: 4 MiB cap */
#define CKPT_MAX_FILES 100000         /* files per manifest */
#define CKPT_COPY_BUF (1u << 20)      /* one copy buffer per thread */
/* Files are copied in chunks of this many bytes (64 MiB; tests lower it). */
extern uint64_t ckpt_chunk_bytes;

/* 1 if rel is a safe relative path: components separated by single '/',
 * each safe_component() and not starting with ".endure", no leading '/',
 * at most 32 levels and 1024 bytes. */
int ckpt_relpath_ok(const char *rel);
/* (The rank of a manifest path "rank-<R>/<file>": layout_parse_rank_path.) */
/* Opens rel under dirfd without following any symlink on the way
 * (O_NOFOLLOW on every component) and without blocking: the result must be
 * a regular file (open_regular(), errno ENOTREGULAR). flags: O_RDONLY for
 * reading or O_WRONLY|O_CREAT|O_EXCL for writing, which creates missing
 * parent directories (0755). Returns an fd or -1/errno. */
int ckpt_open_under(int dirfd, const char *rel, int flags);
/* CRC32 of the first size bytes of fd, read with pread in 1 MiB blocks.
 * -1 with errno (EIO... or ENODATA when the file is shorter). */
int ckpt_crc_fd(int fd, uint64_t size, uint32_t *crc);
/* fsyncs the directory that holds rel under dirfd (dirfd itself when rel
 * has no '/'). 0 or -1 with errno. */
int ckpt_fsync_parent_at(int dirfd, const char *rel);
/* Reads a JSON object file of at most max bytes, a regular file and not a
 * symlink (never blocks on a FIFO); NULL on any error (reason in why when
 * not NULL, errno kept: ENOENT when absent). */
json_t *ckpt_read_json(const char *path, size_t max, struct buf *why);
/* Writes obj durably (temp, fsync, rename, fsync dir). 0 or -1/errno. */
int ckpt_write_json(const char *path, const json_t *obj);
/* rm -rf without following symlinks. 0 or -1/errno. */
int ckpt_rmtree(const char *path);
/* Removes path by renaming it to <parent>/.trash-<name>-<pid> first (so a
 * half-removed tree is never seen under its name), then rm -rf. */
int ckpt_remove_dir(const char *parent, const char *name);
/* Appends {"tag","node","file","problem"} to problems (NULL skips). */
void ckpt_problem(json_t *problems, const char *tag, const char *node, const char *file,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Parses the "step" of a COMPLETE marker or manifest; -1 when absent. */
long ckpt_json_step(const json_t *o);
/* Verifies <ckpt>/<tag>/<node>/manifest.json against tag and step (step < 0:
 * any) and its files (sizes; CRCs when full). Returns the manifest (new
 * reference) or NULL with problems appended. */
json_t *ckpt_verify_node(const char *ckpt_dir, const char *tag, const char *node, long step, int full,
                         json_t *problems);
/* Checks the "run" uid of a manifest or COMPLETE marker o against the run
 * record of ckpt_dir (none: anything goes). 0, or -1 with a problem. */
int ckpt_run_check(const char *ckpt_dir, const json_t *o, const char *tag, const char *node, const char *file,
                   json_t *problems);
/* RFC 3339 UTC now. */
void ckpt_now_str(char *out, size_t outlen);

/* ---- stage ---- */
/* <stage>/rank-<R>[/<what>] into out; 0 or -1 when too long. */
int ckpt_stage_path(char *out, size_t outlen, const char *stage, int rank, const char *what);
/* Reads and validates <stage>/rank-<R>/slot-<K>.commit: tag safe, rank and
 * slot match, every file path safe and sizes non-negative. NULL when absent
 * (errno ENOENT) or invalid (why set). */
json_t *ckpt_stage_commit(const char *stage, int rank, int slot, struct buf *why);
/* Checks what names a commit (of commit records and of the ranks' notes
 * of overwritten commits): a safe tag, a step, an id of at most 128 bytes,
 * the given rank and a known scope. 0, or -1 with why set (why may be NULL). */
int ckpt_commit_ident_ok(const json_t *c, int rank, struct buf *why);
/* The scope of a commit record, manifest or COMPLETE marker: 1 when
 * "replicated" (one rank saved the whole job's state), 0 when "sharded" or
 * absent (every rank saved its part), -1 when anything else. */
int ckpt_commit_replicated(const json_t *c);

#endif
