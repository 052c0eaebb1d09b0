/* fuzz_proto: libFuzzer target for what a peer can send to the agent port:
 * the length-prefixed JSON framing (common/proto.c) and the checks of a
 * hello (node name, nonce, MAC), and the typed decoder of every message
 * (common/msg.c) with a re-encode of what it accepts. Nothing a peer sends
 * may crash, leak or grow memory beyond the message cap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/msg.h"
#include "common/proto.h"
#include "common/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct msgconn c;
    msgconn_init(&c, -1);
    buf_append_some(&c.in, data, size);
    char err[256];
    json_t *m = NULL;
    for (int i = 0; i < 64; i++) {
        int r = msgconn_next(&c, &m, err, sizeof err);
        if (r <= 0)
            break;
        const char *node = json_string_value(json_object_get(m, "node"));
        const char *mac = json_string_value(json_object_get(m, "mac"));
        if (node && safe_component(node))
            (void)proto_mac_ok("fuzz-secret", "nonce", node, mac);
        struct msg tm;
        if (msg_decode(m, &tm, err, sizeof err) == 0) {
            json_t *again = msg_encode(&tm); /* what was accepted can be sent */
            if (!again)
                abort();
            json_decref(again);
            msg_free(&tm);
        }
        json_t *reply = json_pack("{s:s,s:O?}", "type", "echo", "of", json_object_get(m, "type"));
        msgconn_send(&c, reply);
        json_decref(reply);
        json_decref(m);
    }
    msgconn_close(&c);
    return 0;
}
