/* test_cnet4: a log that stops on c10d's rendezvous warnings (the store
 * client's IPv6 lookup of the master, its connect retries; Windows prints
 * the retry with a localized system error) is still in the rendezvous:
 * with no step printed it is a suspected hang, not a bare "no failure
 * found" (diagnose/activity.c). A step after them is no hang. */
#include <string.h>
#include "diagnose/activity.h"
#include "diagnose/internal.h"
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

TEST(cnet4_c10d_rendezvous_warnings_are_suspected_hang)
{
    static const char *const gai[] = {
        "[W socket.cpp:601] [c10d] The IPv6 network addresses of (i-7840df31, 37340) cannot be "
        "retrieved (gai error: -2 - Name or service not known).",
        NULL};
    static const char *const retry[] = {
        "[W926 21:34:49.000000000 socket.cpp:697] [c10d] The client socket has failed to connect to "
        "[LAPTOP-TF2BILCG]:50656 (system error: 10049 - \xe5\x9c\xa8\xe5\x85\xb6\xe4\xb8\x8a\xe4\xb8\x8b"
        "\xe6\x96\x87\xe4\xb8\xad\xef\xbc\x8c\xe8\xaf\xa5\xe8\xaf\xb7\xe6\xb1\x82\xe7\x9a\x84\xe5\x9c\xb0"
        "\xe5\x9d\x80\xe6\x97\xa0\xe6\x95\x88\xe3\x80\x82).",
        NULL};
    static const char *const *const forms[] = {gai, retry};
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        json_t *v = diag_activity_verdict(forms[i], NULL);
        CHECK_STR(json_string_value(json_object_get(v, "type")), "hang");
        CHECK(json_is_true(json_object_get(v, "suspected")));
        json_decref(v);
    }
}

TEST(cnet4_c10d_rendezvous_warning_then_step_is_no_hang)
{
    static const char *const log[] = {
        "[W socket.cpp:601] [c10d] The IPv6 network addresses of (localhost, 51595) cannot be "
        "retrieved (gai error: -2 - Name or service not known).",
        "step 3 loss 1.25", NULL};
    static const long steps[] = {-1, 3};
    json_t *v = diag_activity_verdict(log, steps);
    CHECK_STR(json_string_value(json_object_get(v, "type")), "no_failure");
    json_decref(v);
}
