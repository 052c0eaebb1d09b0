/* libFuzzer target: the rule loader (YAML events, validation, PCRE2
 * compile, literal derivation, Aho-Corasick build) on arbitrary bytes; when
 * the input loads, every example is also run through a classifier. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/rules_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf err;
    struct ruleset *rs = NULL;
    buf_init(&err, 1 << 16);
    if (ruleset_load_text(&rs, "fuzz.yaml", (const char *)data, size, &err) == 0) {
        struct classifier *c = classifier_new(rs);
        for (size_t i = 0; c && i < ruleset_count(rs); i++) {
            struct rule_info ri;
            ruleset_rule(rs, i, &ri);
            for (size_t k = 0; k < ri.nexamples; k++)
                classifier_match(c, ri.examples[k], strlen(ri.examples[k]));
        }
        classifier_free(c);
        ruleset_free(rs);
    }
    buf_free(&err);
    return 0;
}
