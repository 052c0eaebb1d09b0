"""Saves the way a DDP trainer that forgets the replicated scope does: rank 0
only, endure_ckpt.save(step) (sharded), so no TAG can ever complete.
usage: ckcontract_saver0.py SAVES LINGER_S [fail]: SAVES saves 0.3 s apart,
then LINGER_S seconds; with "fail" the last rank exits 1 in attempt 0."""
import os
import sys
import time

import endure_ckpt

rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
print("rank %d resume %s" % (rank, endure_ckpt.resume()), flush=True)
for s in range(1, int(sys.argv[1]) + 1):
    if rank == 0:
        with endure_ckpt.save(s * 10) as d:
            with endure_ckpt.open(os.path.join(d, "w.bin")) as f:
                f.write(b"x" * 4096)
    print("step %d" % (s * 10), flush=True)
    time.sleep(0.3)
time.sleep(float(sys.argv[2]))
if sys.argv[3:] == ["fail"] and rank == world - 1 and os.environ.get("ENDURE_ATTEMPT") == "0":
    sys.exit(1)
