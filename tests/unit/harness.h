/* harness: the unit-test framework. TEST(name) { ... } registers a test;
 * CHECK(cond) fails it with file:line. The runner (harness.c) forks every
 * test so that a crash or hang counts as one failure, and ends with the line
 * "N passed, N failed". */
#ifndef ENDURE_HARNESS_H
#define ENDURE_HARNESS_H
#include <stdio.h>
#include <string.h>

typedef void (*test_fn)(void);
void harness_register(const char *name, test_fn fn);
extern int harness_failed;
/* A scratch directory unique to the running test (removed afterwards). */
const char *test_tmpdir(void);

#define TEST(name)                                                        \
    static void test_##name(void);                                        \
    __attribute__((constructor)) static void register_##name(void)       \
    {                                                                     \
        harness_register(#name, test_##name);                             \
    }                                                                     \
    static void test_##name(void)

#define CHECK(cond)                                                       \
    do {                                                                  \
        if (!(cond)) {                                                    \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
            harness_failed = 1;                                           \
            return;                                                       \
        }                                                                 \
    } while (0)

#define CHECK_STR(a, b)                                                   \
    do {                                                                  \
        const char *a_ = (a), *b_ = (b);                                  \
        if (!a_ || !b_ || strcmp(a_, b_)) {                               \
            fprintf(stderr, "  %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
                    a_ ? a_ : "(null)", b_ ? b_ : "(null)");              \
            harness_failed = 1;                                           \
            return;                                                       \
        }                                                                 \
    } while (0)

#endif
