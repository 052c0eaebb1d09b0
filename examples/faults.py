"""faults: inject one failure into a training loop, to watch endure handle it.

The examples (ddp_replicated.py, sharded.py) take these flags:

    --fault crash|hang|nan|node-loss   what to inject (default: nothing)
    --fault-step S                     at which training step (default 5)
    --fault-rank R                     on which global rank (default: the last)
    --fault-attempt A                  in which attempt (default 0: the first)

The attempt is ENDURE_ATTEMPT (endure run), else TORCHELASTIC_RESTART_COUNT
(torchrun), else 0, so a fault fires once and the restarted job goes on.

    crash      the rank raises RuntimeError: a Python traceback, exit 1;
               endure diagnoses it and restarts from the last checkpoint
    hang       the rank stops making progress (sleeps); the others wait in
               the next all-reduce; endure sees no progress for
               --hang-timeout, stops every rank and restarts
    nan        the rank's loss becomes NaN; the examples' guard (copy it)
               raises "FloatingPointError: Loss became infinite or NaN at
               step S"; endure diagnoses nan_loss and restarts
    node-loss  the rank SIGKILLs its parent, the node's `endure agent` (under
               torchrun: the node's agent too); every rank of that node dies
               with it, endure sees the node lost, excludes it and restarts
               on a spare node (give one: --nodes n1,n2,n3 --nnodes 2)

Standard library only.
"""
import os
import signal
import sys
import time

KINDS = ("crash", "hang", "nan", "node-loss")


def add_arguments(parser):
    """Adds the --fault* flags to an argparse parser."""
    g = parser.add_argument_group("fault injection (examples/faults.py)")
    g.add_argument("--fault", choices=KINDS, help="failure to inject")
    g.add_argument("--fault-step", type=int, default=5, metavar="S")
    g.add_argument("--fault-rank", type=int, default=-1, metavar="R", help="global rank (default: the last)")
    g.add_argument("--fault-attempt", type=int, default=0, metavar="A")


def attempt():
    """This attempt's number: endure's, torchrun's restart count, or 0."""
    for name in ("ENDURE_ATTEMPT", "TORCHELASTIC_RESTART_COUNT"):
        v = os.environ.get(name)
        if v is not None:
            return int(v)
    return 0


class Injector:
    """Decides, once per step, whether this rank fails now and how."""

    def __init__(self, args, rank, world_size):
        self.kind = args.fault
        self.step = args.fault_step
        self.rank = args.fault_rank if args.fault_rank >= 0 else world_size - 1
        self.armed = bool(self.kind) and rank == self.rank and attempt() == args.fault_attempt
        self.me = rank

    def _due(self, step, kind):
        return self.armed and self.kind == kind and step == self.step

    def loss(self, step, loss):
        """The loss, turned NaN when a nan fault is due at this step."""
        if self._due(step, "nan"):
            print("faults: rank %d injects a NaN loss at step %d" % (self.me, step), flush=True)
            return loss * float("nan")
        return loss

    def after_step(self, step):
        """Fires a crash, hang or node-loss fault due at this step."""
        if self._due(step, "crash"):
            print("faults: rank %d crashes at step %d (attempt %d)" % (self.me, step, attempt()), flush=True)
            raise RuntimeError("injected crash on rank %d at step %d" % (self.me, step))
        if self._due(step, "hang"):
            print("faults: rank %d hangs at step %d" % (self.me, step), flush=True)
            while True:
                time.sleep(3600)
        if self._due(step, "node-loss"):
            print("faults: rank %d kills its node's agent (pid %d) at step %d" % (self.me, os.getppid(), step),
                  flush=True)
            os.kill(os.getppid(), signal.SIGKILL)
            time.sleep(60)  # killed with the node (PR_SET_PDEATHSIG)
            sys.exit(137)


def check_finite(loss, step):
    """The NaN guard to copy: stop on a non-finite loss, before backward()
    spreads NaN gradients to every rank and into the next checkpoint."""
    if not bool(loss.isfinite()):
        raise FloatingPointError("Loss became infinite or NaN at step %d" % step)
