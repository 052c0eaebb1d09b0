"""events.py: queries a run's events.jsonl for the end-to-end tests.

  events.py FILE count EVENT [key=value ...]   number of matching events
  events.py FILE field EVENT KEY [key=value ...] the KEY of the first match
                                                 (a.b.c: a nested key)
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
    else:
        sys.exit("unknown op")


main()
