"""events.py: queries a run's events.jsonl for the end-to-end tests.

  events.py FILE count EVENT [key=value ...]   number of matching events
  events.py FILE field EVENT KEY [key=value ...] the KEY of the first match
                                                 (a.b.c: a nested key)
  events.py FILE saves STEP...                   what is wrong with the saves
                                                 of those steps (see below)
"""
import json
import sys


def matches(ev, name, conds):
    if ev.get("event") != name:
        return False
    for c in conds:
        k, v = c.split("=", 1)
        if str(ev.get(k)).lower() != v.lower():
            return False
    return True


def get(ev, key):
    for k in key.split("."):
        ev = ev.get(k) if isinstance(ev, dict) else None
    return ev


def saves(evs, steps):
    """The last STEP completed once; every other completed once or was
    dropped as superseded (the rank saved again before the agent persisted
    it, or even saw it: the trainer never waits for a persist, so on a
    loaded machine an intermediate save may be skipped, by design, but it
    is always journaled); no part failed to persist. Prints one line per problem."""
    for i, s in enumerate(steps):
        done = sum(1 for e in evs if e.get("event") == "ckpt_complete" and e.get("step") == s)
        dropped = [e for e in evs if e.get("event") == "ckpt_dropped" and e.get("step") == s]
        failed = [e for e in evs if e.get("event") == "ckpt_persist_failed" and e.get("step") == s]
        if failed:
            print("step %d: a part failed to persist: %s" % (s, failed[0].get("error")))
        if done > 1:
            print("step %d: completed %d times" % (s, done))
        elif done == 0 and i == len(steps) - 1:
            print("step %d (the last save): not complete" % s)
        elif done == 0 and not any(str(e.get("reason", "")).startswith("superseded") for e in dropped):
            print("step %d: neither complete nor dropped as superseded" % s)


def main():
    path, op, name = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(path) as f:
        evs = [json.loads(line) for line in f if line.strip()]
    if op == "count":
        print(sum(1 for e in evs if matches(e, name, sys.argv[4:])))
    elif op == "field":
        key = sys.argv[4]
        for e in evs:
            if matches(e, name, sys.argv[5:]):
                v = get(e, key)
                print(json.dumps(v) if not isinstance(v, str) else v)
                return
        print("")
    elif op == "saves":
        saves(evs, [int(a) for a in sys.argv[3:]])
    else:
        sys.exit("unknown op")


main()
