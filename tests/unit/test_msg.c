/* test_msg: the typed protocol: every message type survives encode -> wire
 * text -> decode with its fields, and the decoder refuses unknown types,
 * missing, unknown and mistyped fields with a message naming them. */
#include <math.h>
#include <stdlib.h>
#include "common/msg.h"
#include "tests/unit/harness.h"

/* encode, dump to text, parse back, decode: what the wire does */
static int roundtrip(const struct msg *in, struct msg *out, char *err, size_t errlen)
{
    json_t *j = msg_encode(in);
    if (!j)
        return -2;
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    json_t *back = json_loads(text, 0, NULL);
    free(text);
    int rc = msg_decode(back, out, err, errlen);
    json_decref(back);
    return rc;
}

TEST(msg_every_type_has_a_name_and_roundtrips)
{
    for (int t = 0; t < MSG__COUNT; t++) {
        const char *name = msg_type_name((enum msg_type)t);
        CHECK(name != NULL);
        CHECK(msg_type_of(name) == t);
    }
    CHECK(msg_type_name(MSG__COUNT) == NULL);
    CHECK(msg_type_of("nonsense") == -1);
    CHECK(msg_type_of(NULL) == -1);
}

TEST(msg_start_roundtrip_with_ckpt)
{
    json_t *cmd = json_pack("[s,s]", "python3", "train.py"), *env = json_pack("{s:s}", "RANK", "0");
    json_t *rules = json_pack("[s]", "/r");
    struct msg in = {.type = MSG_START};
    struct msg_start *s = &in.u.start;
    s->attempt = 2, s->nproc = 4, s->group_rank = 1, s->node_dir = "/run/attempt-2/n1", s->cwd = "/w";
    s->cmd = cmd, s->env = env, s->rules = rules, s->redirects = "0", s->progress_regex = "step (\\d+)";
    s->monitor_ms = 100, s->stop_timeout_ms = 30000, s->kill_timeout_ms = 10000;
    s->has_ckpt = 1;
    s->ckpt = (struct msg_ckpt_cfg){.dir = "/ck", .run_id = "r1", .run_uid = "u1", .world_size = 8, .threads = 2,
                                    .persist_timeout_ms = 5000, .has_resume = 1, .resume_tag = "step-10",
                                    .resume_step = 10, .save_signal = 10};
    struct msg out;
    char err[256];
    int rc = roundtrip(&in, &out, err, sizeof err);
    json_decref(cmd), json_decref(env), json_decref(rules);
    CHECK(rc == 0);
    CHECK(out.type == MSG_START);
    const struct msg_start *o = &out.u.start;
    CHECK(o->attempt == 2 && o->nproc == 4 && o->group_rank == 1);
    CHECK_STR(o->node_dir, "/run/attempt-2/n1");
    CHECK_STR(o->progress_regex, "step (\\d+)");
    CHECK(o->local_ranks_filter == NULL);
    CHECK(json_array_size(o->cmd) == 2);
    CHECK_STR(json_string_value(json_object_get(o->env, "RANK")), "0");
    CHECK(o->has_ckpt && o->ckpt.has_resume && o->ckpt.resume_step == 10);
    CHECK_STR(o->ckpt.resume_tag, "step-10");
    CHECK(o->ckpt.stage_dir == NULL && o->ckpt.save_signal == 10 && o->ckpt.persist_timeout_ms == 5000);
    msg_free(&out);
}

TEST(msg_agent_messages_roundtrip)
{
    json_t *arr = json_pack("[i,i]", 11, 12), *ev = json_pack("{s:s}", "rule", "x");
    struct msg ins[] = {
        {.type = MSG_CHALLENGE, .u.challenge = {"abc", MSG_PROTO_VERSION}},
        {.type = MSG_HELLO, .u.hello = {.node = "n1", .pid = 42, .nonce = "def", .mac = "mac",
                                        .version = MSG_PROTO_VERSION, .gpus = -1, .cpus = -1}},
        {.type = MSG_WELCOME, .u.welcome = {"mac2", 1000, 10000}},
        {.type = MSG_HB},
        {.type = MSG_STOP, .u.stop = {15, 3000, 1}},
        {.type = MSG_SIGNAL, .u.signal = {10}},
        {.type = MSG_STARTED, .u.started = {.attempt = 3, .pids = arr, .shared_fs = -1}},
        {.type = MSG_EXIT, .u.exit = {3, 5, 1, 12.5, "rank-5.log", -1, 9, arr, 40, "outside", "read", "read", ev}},
        {.type = MSG_PROGRESS, .u.progress = {.attempt = 3, .step = 7, .loss = 1.5, .log_bytes = 100}},
        {.type = MSG_STOPPED, .u.stopped = {3, 250, arr}},
        {.type = MSG_EVENT, .u.payload = {3, ev}},
        {.type = MSG_CKPT, .u.payload = {3, ev}},
        {.type = MSG_DROPPED, .u.count = {3, 77, 5}},
        {.type = MSG_UNCLASSIFIED, .u.count = {.attempt = 3, .n = 78}},
        {.type = MSG_EVENTS_DROPPED, .u.count = {.attempt = 3, .n = 79}},
        {.type = MSG_LIMIT_HITS, .u.count = {.attempt = 3, .n = 80}},
        {.type = MSG_LOG_ERROR, .u.error = {3, "disk full"}},
        {.type = MSG_SPAWN_ERROR, .u.error = {3, "no such file"}},
        {.type = MSG_PORT_REQ, .u.port = {4, 0}},
        {.type = MSG_PORT, .u.port = {4, 29500}},
        {.type = MSG_HEALTH_REQ, .u.health_req = {1, NULL, 8, 2, 60000, 30000, 30000, 0, 0, "/ck", NULL}},
        {.type = MSG_HEALTH, .u.health = {1, "fail", ev, NULL}},
        {.type = MSG_PAIR_REQ, .u.pair_req = {.id = 2, .rank = 1, .backend = "tcp", .addr = "10.0.0.1", .port = 4000,
                                              .token = "t", .bytes = 1 << 20, .timeout_ms = 5000, .iters = 5}},
        {.type = MSG_PAIR_READY, .u.pair_ready = {2, 4000, NULL}},
        {.type = MSG_PAIR, .u.pair = {2, "pass", "1.5 GB/s", 1.5, 40}},
    };
    int ok = 1;
    for (size_t i = 0; i < sizeof ins / sizeof *ins; i++) {
        struct msg out;
        char err[256];
        if (roundtrip(&ins[i], &out, err, sizeof err) != 0 || out.type != ins[i].type) {
            fprintf(stderr, "  type %s: %s\n", msg_type_name(ins[i].type), err);
            ok = 0;
            continue;
        }
        msg_free(&out);
    }
    struct msg out;
    char err[256];
    int rc = roundtrip(&ins[7], &out, err, sizeof err);
    json_decref(arr), json_decref(ev);
    CHECK(ok);
    CHECK(rc == 0 && out.u.exit.signal == 9 && out.u.exit.code == -1 && out.u.exit.ts == 12.5);
    CHECK_STR(out.u.exit.file, "rank-5.log");
    CHECK(out.u.exit.lines == 40 && json_is_object(out.u.exit.oom));
    CHECK_STR(out.u.exit.killer, "outside");
    msg_free(&out);
    rc = roundtrip(&ins[14], &out, err, sizeof err);
    CHECK(rc == 0 && out.u.count.n == 79);
    msg_free(&out);
    rc = roundtrip(&ins[22], &out, err, sizeof err);
    CHECK(rc == 0 && out.u.pair_req.port == 4000 && out.u.pair_req.bytes == 1 << 20 && !out.u.pair_req.nccl_id);
    CHECK_STR(out.u.pair_req.addr, "10.0.0.1");
    msg_free(&out);
    rc = roundtrip(&ins[24], &out, err, sizeof err);
    CHECK(rc == 0 && out.u.pair.gbps == 1.5 && out.u.pair.ms == 40);
    msg_free(&out);
}

/* Bad pair messages are refused, naming what is wrong. */
TEST(msg_pair_refused)
{
    static const char *const bad[] = {
        "{\"type\":\"pair_req\",\"id\":1,\"rank\":2,\"backend\":\"tcp\",\"port\":0,\"bytes\":1,"
        "\"timeout_ms\":1,\"iters\":1}",
        "{\"type\":\"pair_req\",\"id\":1,\"rank\":0,\"backend\":\"rdma\",\"port\":0,\"bytes\":1,"
        "\"timeout_ms\":1,\"iters\":1}",
        "{\"type\":\"pair_req\",\"id\":1,\"rank\":0,\"backend\":\"tcp\",\"port\":0,\"bytes\":0,"
        "\"timeout_ms\":1,\"iters\":1}",
        "{\"type\":\"pair_ready\",\"id\":1,\"port\":70000}",
        "{\"type\":\"pair\",\"id\":1,\"result\":\"maybe\",\"gbps\":1.0,\"ms\":1}",
        "{\"type\":\"pair\",\"id\":1,\"result\":\"pass\",\"gbps\":\"fast\",\"ms\":1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *j = json_loads(bad[i], 0, NULL);
        struct msg m;
        char err[256] = "";
        CHECK(j && msg_decode(j, &m, err, sizeof err) < 0 && strstr(err, "bad 'pair"));
        json_decref(j);
    }
}

TEST(msg_hello_node_facts_and_port)
{
    struct msg in = {.type = MSG_HELLO,
                     .u.hello = {"n2", 7, "abc", "mac", MSG_PROTO_VERSION, "0.3.0", "gpu-a01", "10.0.0.2", 8, 96}};
    struct msg out;
    char err[256];
    CHECK(roundtrip(&in, &out, err, sizeof err) == 0);
    CHECK_STR(out.u.hello.release, "0.3.0");
    CHECK_STR(out.u.hello.host, "gpu-a01");
    CHECK_STR(out.u.hello.addr, "10.0.0.2");
    CHECK(out.u.hello.gpus == 8 && out.u.hello.cpus == 96);
    msg_free(&out);
    /* an agent that says nothing of its node: the fields are absent */
    struct msg bare = {.type = MSG_HELLO, .u.hello = {.node = "n2", .pid = 7, .nonce = "abc", .mac = "mac",
                                                       .version = MSG_PROTO_VERSION, .gpus = -1, .cpus = -1}};
    CHECK(roundtrip(&bare, &out, err, sizeof err) == 0);
    CHECK(out.u.hello.release == NULL && out.u.hello.addr == NULL && out.u.hello.gpus == -1);
    msg_free(&out);
    struct msg port = {.type = MSG_PORT, .u.port = {5, 41000}};
    CHECK(roundtrip(&port, &out, err, sizeof err) == 0 && out.u.port.attempt == 5 && out.u.port.port == 41000);
    msg_free(&out);
    struct msg started = {.type = MSG_STARTED, .u.started = {5, NULL, 0}};
    started.u.started.pids = json_array();
    CHECK(roundtrip(&started, &out, err, sizeof err) == 0 && out.u.started.shared_fs == 0);
    msg_free(&out);
    json_decref(started.u.started.pids);
}

TEST(msg_health_messages)
{
    json_t *probes = json_pack("[s,s]", "gpu", "storage"), *report = json_pack("{s:s}", "result", "fail");
    struct msg in = {.type = MSG_HEALTH_REQ,
                     .u.health_req = {7, probes, 8, 2, 60000, 30000, 10000, 1 << 30, 0, "/ck", "/dev/shm/x"}};
    struct msg out;
    char err[256];
    CHECK(roundtrip(&in, &out, err, sizeof err) == 0);
    CHECK(out.u.health_req.id == 7 && out.u.health_req.gpus == 8 && out.u.health_req.min_free == 1 << 30);
    CHECK(json_array_size(out.u.health_req.probes) == 2);
    CHECK_STR(out.u.health_req.stage_dir, "/dev/shm/x");
    msg_free(&out);
    struct msg h = {.type = MSG_HEALTH, .u.health = {7, "error", NULL, "timed out"}};
    CHECK(roundtrip(&h, &out, err, sizeof err) == 0);
    CHECK_STR(out.u.health.result, "error");
    CHECK_STR(out.u.health.error, "timed out");
    msg_free(&out);
    json_decref(probes);
    json_decref(report);
}

/* decodes a JSON text; returns the decoder's rc and leaves its error in err */
static int decode_text(const char *text, char *err, size_t errlen)
{
    json_t *j = json_loads(text, 0, NULL);
    struct msg m;
    int rc = msg_decode(j, &m, err, errlen);
    if (rc == 0)
        msg_free(&m);
    json_decref(j);
    return rc;
}

TEST(msg_decoder_is_strict_and_names_the_field)
{
    char err[256];
    CHECK(decode_text("{\"type\":\"progress\",\"attempt\":1}", err, sizeof err) == 0);
    CHECK(decode_text("{\"type\":\"progress\"}", err, sizeof err) == -1);
    CHECK(strstr(err, "attempt") != NULL);
    CHECK(decode_text("{\"type\":\"progress\",\"attempt\":1,\"extra\":2}", err, sizeof err) == -1);
    CHECK(strstr(err, "extra") != NULL);
    CHECK(decode_text("{\"type\":\"progress\",\"attempt\":\"1\"}", err, sizeof err) == -1);
    CHECK(strstr(err, "progress") != NULL);
    CHECK(decode_text("{\"type\":\"launch_missiles\"}", err, sizeof err) == -1);
    CHECK(strstr(err, "launch_missiles") != NULL);
    CHECK(decode_text("{\"nope\":1}", err, sizeof err) == -1);
    CHECK(decode_text("{\"type\":\"port\",\"attempt\":1,\"port\":0}", err, sizeof err) == -1);
    CHECK(strstr(err, "port") != NULL);
    CHECK(decode_text("{\"type\":\"port\",\"attempt\":1,\"port\":70000}", err, sizeof err) == -1);
    CHECK(decode_text("{\"type\":\"health\",\"id\":1,\"result\":\"great\"}", err, sizeof err) == -1);
    /* exit needs exactly one of code and signal */
    CHECK(decode_text("{\"type\":\"exit\",\"attempt\":0,\"rank\":0,\"local_rank\":0,\"ts\":1,\"file\":\"f\",\"lines\":0}", err,
                      sizeof err) == -1);
    CHECK(decode_text("{\"type\":\"exit\",\"attempt\":0,\"rank\":0,\"local_rank\":0,\"ts\":1,\"file\":\"f\","
                      "\"code\":1,\"lines\":3}",
                      err, sizeof err) == 0);
    /* nested objects are strict too */
    CHECK(decode_text("{\"type\":\"start\",\"attempt\":0,\"nproc\":1,\"group_rank\":0,\"node_dir\":\"d\","
                      "\"cwd\":\"/\",\"cmd\":[\"x\"],\"redirects\":\"0\",\"monitor_ms\":1,\"stop_timeout_ms\":1,"
                      "\"kill_timeout_ms\":1,\"stage_max_age_ms\":1,\"env\":{},\"ckpt\":{\"dir\":\"/c\",\"run_id\":\"r\",\"run_uid\":\"u\","
                      "\"world_size\":1,\"threads\":1,\"persist_timeout_ms\":1,\"bogus\":1}}",
                      err, sizeof err) == -1);
    CHECK(strstr(err, "bogus") != NULL);
    CHECK(decode_text("{\"type\":\"start\",\"attempt\":0,\"nproc\":1,\"group_rank\":0,\"node_dir\":\"d\","
                      "\"cwd\":\"/\",\"cmd\":[],\"redirects\":\"0\",\"monitor_ms\":1,\"stop_timeout_ms\":1,"
                      "\"kill_timeout_ms\":1,\"env\":{}}",
                      err, sizeof err) == -1);
}

/* progress carries the last step and loss only when there are ones. */
TEST(msg_progress_step_and_loss)
{
    struct msg in = {.type = MSG_PROGRESS, .u.progress = {.attempt = 2, .step = -1, .loss = NAN}}, out;
    json_t *j = msg_encode(&in);
    char err[256];
    CHECK(j && !json_object_get(j, "step") && !json_object_get(j, "loss"));
    CHECK(msg_decode(j, &out, err, sizeof err) == 0 && out.u.progress.step == -1 && isnan(out.u.progress.loss));
    msg_free(&out);
    json_decref(j);
    in.u.progress.step = 120;
    in.u.progress.loss = 2.5;
    j = msg_encode(&in);
    CHECK(msg_decode(j, &out, err, sizeof err) == 0 && out.u.progress.step == 120 && out.u.progress.loss == 2.5);
    msg_free(&out);
    json_decref(j);
    j = json_loads("{\"type\":\"progress\",\"attempt\":1,\"loss\":\"high\"}", 0, NULL);
    CHECK(msg_decode(j, &out, err, sizeof err) < 0 && strstr(err, "progress"));
    json_decref(j);
}
