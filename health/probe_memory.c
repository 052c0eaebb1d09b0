/* probe_memory: MemAvailable against --min-mem (a failure), and below 10%
 * of MemTotal (a warning: something else holds the node's memory, such as
 * leftovers of a previous attempt). Runs in a probe child. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "health/health_int.h"

/* The kB value of one /proc/meminfo field; 0 or -1. */
static int meminfo_field(const char *text, const char *name, uint64_t *kb)
{
    size_t n = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (!strncmp(p, name, n) && p[n] == ':' && sscanf(p + n + 1, " %" SCNu64 " kB", kb) == 1)
            return 0;
    return -1;
}

void probe_memory(const struct health_opts *o, struct probe_out *out)
{
    char text[8192], a[32], b[32];
    uint64_t total, avail;
    FILE *f = fopen(o->meminfo, "re");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    if (!f || meminfo_field(text, "MemTotal", &total) < 0 || meminfo_field(text, "MemAvailable", &avail) < 0) {
        probe_set(out, HEALTH_SKIP, "no MemTotal/MemAvailable in %s", o->meminfo);
        return;
    }
    total <<= 10;
    avail <<= 10;
    json_object_set_new(out->figures, "total_bytes", json_integer((json_int_t)total));
    json_object_set_new(out->figures, "available_bytes", json_integer((json_int_t)avail));
    json_object_set_new(out->figures, "min_bytes", json_integer((json_int_t)o->min_mem));
    human_size(avail, a, sizeof a);
    human_size(o->min_mem, b, sizeof b);
    if (avail < o->min_mem)
        probe_set(out, HEALTH_FAIL, "%s available, %s needed (--min-mem)", a, b);
    else if (avail < total / 10)
        probe_set(out, HEALTH_WARN, "only %s available (%.0f%% of the memory)", a, 100.0 * (double)avail / (double)total);
    else
        probe_set(out, HEALTH_PASS, "%s available (%.0f%%)", a, 100.0 * (double)avail / (double)total);
}
