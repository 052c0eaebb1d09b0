/* bundle: the on-call archive of a run (bundle.c). */
#ifndef ENDURE_BUNDLE_H
#define ENDURE_BUNDLE_H
#include <stddef.h>
#include <stdint.h>
#include "common/buf.h"

/* Writes the .tar.gz of run_dir to out, at most max bytes. 0, or -1 with
 * the reason in err. */
int bundle_write(const char *run_dir, const char *out, uint64_t max, struct buf *err);
/* A copy of in[0..n) with secrets replaced: 64-hex tokens, the path and
 * query of URLs (and their user:password@), the values (8+ bytes) of
 * environment variables named like *KEY*, *TOKEN*, *SECRET*, *PASSW*,
 * *CREDENTIAL*, *AUTH*, *WEBHOOK*. malloc'd (length in *outlen), or NULL. */
char *bundle_scrub(const char *in, size_t n, size_t *outlen);

#endif
