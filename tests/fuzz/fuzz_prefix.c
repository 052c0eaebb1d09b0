/* libFuzzer target: the rank-prefix parser. Checks its contract: the
 * stripped prefix never exceeds the line, names are terminated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/prefix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Copy so that ASan catches any read past the line. */
    char *line = malloc(size ? size : 1);
    if (!line)
        return 0;
    memcpy(line, data, size);
    struct prefix_info p;
    prefix_parse(line, size, &p);
    if (p.skip > size || memchr(p.host, '\0', sizeof p.host) == NULL ||
        memchr(p.node, '\0', sizeof p.node) == NULL)
        abort();
    free(line);
    return 0;
}
