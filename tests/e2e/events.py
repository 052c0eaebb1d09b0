"""events.py: queries a run's events.jsonl for the end-to-end tests.

  events.py FILE count EVENT [key=value ...]   number of matching events
  events.py FILE field EVENT KEY [key=value ...] the KEY of the first match
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
                print(json.dumps(e.get(key)) if not isinstance(e.get(key), str) else e.get(key))
                return
        print("")
    else:
        sys.exit("unknown op")


main()
