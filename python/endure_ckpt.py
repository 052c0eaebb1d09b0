"""endure_ckpt: the trainer side of endure's asynchronous checkpoints.

    import endure_ckpt
    r = endure_ckpt.resume()                  # None, or (dir, step)
    if r:
        state = torch.load(os.path.join(r.dir, "model.pt"))
    ...
    with endure_ckpt.save(step) as d:         # d: this rank's directory
        endure_ckpt.torch_save(state, os.path.join(d, "model.pt"))
    # committed when the block ends; torch_save is torch.save through
    # endure_ckpt.open in torch's legacy (non-zip) format, 3-4x less blocking

    endure_ckpt.save_state(step, state)       # the fastest: about one memcpy
    state = endure_ckpt.load_state()          # None, or what was saved

Two scopes. scope="sharded" (the default; FSDP, Megatron, ZeRO): every rank
saves its own part and a TAG is complete once every rank's part is durable;
each rank resumes from its own part. scope="replicated" (DDP): the state is
the same on every rank, ONE rank (usually rank 0) saves it and the TAG is
complete once that part is durable; every rank resumes from that same
directory:

    if rank == 0:
        with endure_ckpt.save(step, scope="replicated") as d: ...

Under endure (ENDURE_CKPT_STAGE set) `save` writes into one of two reusable
slots of this rank in the node-local stage (tmpfs) and commits with an
atomic rename of a small commit record; endure's agent persists it in the
background. Outside endure it writes ./checkpoints/<tag>/rank-<R> (or
$ENDURE_CKPT_FALLBACK_DIR) and renames it into place, so the same script runs
anywhere. Under endure this module is importable with no setup (endure
appends its directory to the ranks' PYTHONPATH; docs/run.md, "Worker
environment"). The on-disk contract and the helper's API are documented in
docs/checkpoints.md ("The Python helper", "Who saves").
Standard library only (torch_save, save_state and load_state import torch,
and endure_state, when called).
"""
import builtins
import collections
import contextlib
import fcntl
import io
import json
import os
import re
import shutil
import signal
import sys
import time
import uuid

__all__ = ["save", "resume", "open", "torch_save", "default_tag", "Resume", "save_requested",
           "save_state", "load_state"]

Resume = collections.namedtuple("Resume", ["dir", "step"])

# The stage layout and the plain layout, stated once: the same names as the
# #defines between "BEGIN/END shared with python/endure_ckpt.py" in endure's
# common/layout.h (the C side that reads them); tests/e2e/layout_python.sh
# checks that the two agree.
LAYOUT_RANK_DIR_FMT = "rank-%d"                  # <stage>/rank-<R>, <root>/<TAG>/rank-<R>
LAYOUT_SLOT_DIR_FMT = "slot-%d"                  # <stage>/rank-<R>/slot-<K>/
LAYOUT_SLOT_LOCK_FMT = "slot-%d.lock"            # flock: the rank EX while writing, the agent SH
LAYOUT_SLOT_COMMIT_FMT = "slot-%d.commit"        # the commit record, renamed into place
LAYOUT_SLOT_COMMIT_TMP_FMT = "slot-%d.commit.tmp"
LAYOUT_SLOTS = 2
LAYOUT_REPLACED = "replaced.json"                # <stage>/rank-<R>/: commits this rank overwrote
LAYOUT_REPLACED_TMP = "replaced.json.tmp"
LAYOUT_COMMIT_RECORD = ".endure-commit.json"     # plain layout: a rank dir's record
LAYOUT_PLAIN_TMP_FMT = ".rank-%d.tmp-%d"         # plain layout: rank, pid
LAYOUT_PLAIN_OLD_FMT = ".rank-%d.old-%d"         # plain layout: rank, pid

_SLOTS = tuple(range(LAYOUT_SLOTS))
_written = set()  # files opened with endure_ckpt.open during the current save


_save_flag = False


def _on_save_signal(signum, frame):
    global _save_flag
    _save_flag = True


def _install_save_signal():
    """endure run --save-signal SIG sets ENDURE_SAVE_SIGNAL (a name such as
    SIGUSR1, or a number) and forwards SIG to the ranks before a planned
    stop; the helper catches it so that save_requested() turns true."""
    name = os.environ.get("ENDURE_SAVE_SIGNAL")
    if not name:
        return
    try:
        num = int(name) if re.fullmatch(r"[0-9]+", name, re.ASCII) else getattr(signal, name if name.startswith("SIG") else "SIG" + name)
        signal.signal(num, _on_save_signal)
    except (AttributeError, ValueError, OSError):
        pass  # unknown signal, or not imported in the main thread


def save_requested():
    """True once endure has asked for a last checkpoint (the save signal
    arrived): save now, within --save-grace. Reset by the next commit."""
    return _save_flag


_install_save_signal()


def default_tag(step):
    """The TAG used when save() is given none: step-<9 digits>."""
    return "step-%09d" % int(step)


def _env_num(name, default, frac=False):
    """An environment variable holding a plain decimal number (ASCII digits,
    with a fraction when frac): int()/float() would also take spaces, signs,
    '_', other scripts' digits, 'nan' and 'inf'. Unset or empty: default."""
    v = os.environ.get(name, "")
    if not v:
        return default
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?" if frac else r"[0-9]+", v, re.ASCII):
        raise ValueError("endure_ckpt: %s=%r is not a non-negative %s" % (name, v, "number" if frac else "integer"))
    return float(v) if frac else int(v)


def _rank():
    return _env_num("RANK", 0)


def _world():
    return _env_num("WORLD_SIZE", 1)


class _ReuseFile(io.FileIO):
    """A file opened for writing WITHOUT truncation, truncated to the bytes
    written when it is closed: rewriting a staged file in place reuses its
    tmpfs pages (first touch of fresh pages is many times slower)."""

    def __init__(self, path):
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        super().__init__(fd, "r+", closefd=True)
        self._end = 0

    def _mark(self):
        pos = self.tell()
        if pos > self._end:
            self._end = pos

    # torch's legacy format writes storages through fileno() directly, so
    # the end is also taken from the fd offset before every seek and close
    def write(self, b):
        n = super().write(b)
        self._mark()
        return n

    def seek(self, pos, whence=0):
        self._mark()
        return super().seek(pos, whence)

    def close(self):
        if not self.closed:
            self._mark()
            self.truncate(self._end)
        super().close()


def open(path, mode="wb"):
    """Opens path for writing a checkpoint file. mode "wb" only. Inside a
    stage slot it rewrites the existing file in place; pass the result to
    torch.save (or write to it) and close it (use `with`)."""
    if mode != "wb":
        raise ValueError("endure_ckpt.open supports mode 'wb' only")
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    _written.add(os.path.abspath(path))
    _unshare(path)
    return _ReuseFile(path)


def _unshare(path=None):
    """Tensors that load_state mapped without a copy get private pages
    before the file (path None: any file) is rewritten (endure_state)."""
    st = sys.modules.get("endure_state")
    if st:
        st.unshare(path)


def save_state(step, state, name="state.est", tag=None, scope="sharded"):
    """save(step, tag, scope) holding one file, name, in endure's tensor-
    native format (python/endure_state.py): every tensor storage's bytes
    are copied straight into a mapping of the stage slot, kept mapped for
    the next save; about one memcpy of the state. state: a tensor or nested
    dicts/lists/tuples of tensors and plain values (a model's and an
    optimizer's state_dict, step counters, RNG states)."""
    import endure_state
    with save(step, tag, scope) as d:
        p = os.path.join(d, name)
        _written.add(os.path.abspath(p))
        endure_state.write_state(p, state, keep_mapped=bool(os.environ.get("ENDURE_CKPT_STAGE")))


def load_state(dir=None, name="state.est", mmap=None, map_location=None, allow_pickle=True):
    """What save_state saved, bit-identical: from dir, or by default from
    resume()'s directory (None when there is nothing to resume from).
    mmap None: no copy when the file is in the node stage (tensors over a
    private mapping of the slot, protected from the slot's reuse), one copy
    (read) otherwise, e.g. from the durable store. Tensors come back on the
    CPU unless map_location names a device."""
    import endure_state
    if dir is None:
        r = resume()
        if r is None:
            return None
        dir = r.dir
    p = os.path.join(dir, name)
    if mmap is None:
        stage = os.environ.get("ENDURE_CKPT_STAGE")
        mmap = bool(stage) and os.path.realpath(p).startswith(os.path.realpath(stage) + os.sep)
    return endure_state.read_state(p, mmap_mode=mmap, map_location=map_location, allow_pickle=allow_pickle)


def torch_save(obj, path):
    """torch.save(obj) into path through open(): the fastest way to stage
    tensors. It uses torch's legacy (non-zip) format, which writes each
    storage's bytes as they are; the default zip format computes a CRC32 of
    every record on the trainer's thread and blocks 3-4x longer (endure
    computes its own CRCs in the background). torch.load reads both
    formats."""
    import torch
    with open(path) as f:
        torch.save(obj, f, _use_new_zipfile_serialization=False)


def _read_commit(rdir, k):
    try:
        with builtins.open(os.path.join(rdir, LAYOUT_SLOT_COMMIT_FMT % k)) as f:
            c = json.load(f)
        return c if isinstance(c, dict) else None
    except (OSError, ValueError):
        return None


def _lock_slot(rdir, candidates, timeout):
    """Takes the exclusive flock of the first free candidate slot; if all
    are held (the agent is persisting them), waits for the first one."""
    for k in candidates:
        fd = os.open(os.path.join(rdir, LAYOUT_SLOT_LOCK_FMT % k), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return k, fd
        except BlockingIOError:
            os.close(fd)
    k = candidates[0]
    fd = os.open(os.path.join(rdir, LAYOUT_SLOT_LOCK_FMT % k), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    end = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return k, fd
        except BlockingIOError:
            if time.monotonic() > end:
                os.close(fd)
                raise TimeoutError("endure_ckpt: both stage slots stayed locked for %ss" % timeout)
            time.sleep(0.01)


def _walk(top):
    """Relative paths and stat of the regular files under top; refuses
    symlinks (the agent would refuse them too)."""
    out = {}
    for root, dirs, files in os.walk(top):
        for name in dirs + files:
            p = os.path.join(root, name)
            st = os.lstat(p)
            if os.path.islink(p):
                raise ValueError("endure_ckpt: symlink in a checkpoint: %s" % p)
            if name in files:
                out[os.path.relpath(p, top)] = st
    return out


def _commit(rdir, k, sdir, before, tag, step, scope):
    files = []
    for rel, st in sorted(_walk(sdir).items()):
        old = before.get(rel)
        key = (st.st_ino, st.st_ctime_ns, st.st_size)
        if old == key and os.path.abspath(os.path.join(sdir, rel)) not in _written:
            os.unlink(os.path.join(sdir, rel))  # left over from an older save
            continue
        files.append({"path": rel.replace(os.sep, "/"), "size": st.st_size})
    rec = {
        "format": 1, "tag": tag, "step": int(step), "rank": _rank(), "slot": k, "scope": scope,
        "id": "%x-%d-%s" % (time.time_ns(), os.getpid(), uuid.uuid4().hex[:8]),
        "time": time.time(), "files": files,
        "attempt": _env_num("ENDURE_ATTEMPT", _env_num("TORCHELASTIC_RESTART_COUNT", 0)),
    }
    tmp = os.path.join(rdir, LAYOUT_SLOT_COMMIT_TMP_FMT % k)
    with builtins.open(tmp, "w") as f:
        json.dump(rec, f)
    return tmp, os.path.join(rdir, LAYOUT_SLOT_COMMIT_FMT % k)


def _note_replaced(rdir, old):
    """Appends the commit this save overwrites to the rank's note (the last
    16 are kept). The agent takes the note at its next scan and reports a
    commit it never saw as dropped, "superseded": the trainer does not wait
    for a persist, so a save may vanish before the agent reads it, but never
    without a trace."""
    path = os.path.join(rdir, LAYOUT_REPLACED)
    try:
        with builtins.open(path) as f:
            lst = json.load(f).get("replaced")
    except (OSError, ValueError, AttributeError):
        lst = None
    lst = lst if isinstance(lst, list) else []
    lst.append({k: old[k] for k in ("tag", "step", "id", "rank", "slot", "scope", "time") if k in old})
    tmp = os.path.join(rdir, LAYOUT_REPLACED_TMP)
    with builtins.open(tmp, "w") as f:
        json.dump({"replaced": lst[-16:]}, f)
    os.replace(tmp, path)


@contextlib.contextmanager
def _save_stage(stage, step, tag, scope):
    rdir = os.path.join(stage, LAYOUT_RANK_DIR_FMT % _rank())
    os.makedirs(rdir, mode=0o700, exist_ok=True)
    c = [_read_commit(rdir, k) for k in _SLOTS]
    if c[0] and c[1]:
        newest = max(_SLOTS, key=lambda k: (c[k].get("step", -1), c[k].get("time", 0)))
    else:
        newest = 0 if c[0] else 1
    candidates = [1 - newest, newest]
    k, lfd = _lock_slot(rdir, candidates, _env_num("ENDURE_CKPT_LOCK_TIMEOUT", 600.0, frac=True))
    try:
        old = _read_commit(rdir, k)
        if old:
            _note_replaced(rdir, old)
        try:
            os.unlink(os.path.join(rdir, LAYOUT_SLOT_COMMIT_FMT % k))
        except FileNotFoundError:
            pass
        sdir = os.path.join(rdir, LAYOUT_SLOT_DIR_FMT % k)
        os.makedirs(sdir, exist_ok=True)
        before = {rel: (st.st_ino, st.st_ctime_ns, st.st_size) for rel, st in _walk(sdir).items()}
        _written.clear()
        _unshare()  # after this commit the agent may free the slot load_state mapped
        yield sdir
        tmp, final = _commit(rdir, k, sdir, before, tag, step, scope)
    finally:
        _written.clear()
        os.close(lfd)
    # the lock is released BEFORE the commit appears: a locked slot then
    # always means "being rewritten", never "just committed"
    os.replace(tmp, final)
    global _save_flag
    _save_flag = False


def _fsync_tree(top):
    for root, _dirs, files in os.walk(top):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fd = os.open(root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _save_plain(root, step, tag, scope):
    tdir = os.path.join(root, tag)
    os.makedirs(tdir, exist_ok=True)
    final = os.path.join(tdir, LAYOUT_RANK_DIR_FMT % _rank())
    tmp = os.path.join(tdir, LAYOUT_PLAIN_TMP_FMT % (_rank(), os.getpid()))
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    try:
        yield tmp
        with builtins.open(os.path.join(tmp, LAYOUT_COMMIT_RECORD), "w") as f:
            json.dump({"tag": tag, "step": int(step), "rank": _rank(), "world_size": _world(), "scope": scope}, f)
        _fsync_tree(tmp)
        old = None
        if os.path.exists(final):
            old = os.path.join(tdir, LAYOUT_PLAIN_OLD_FMT % (_rank(), os.getpid()))
            os.replace(final, old)
        os.replace(tmp, final)
        fd = os.open(tdir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        if old:
            shutil.rmtree(old, ignore_errors=True)
        global _save_flag
        _save_flag = False
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextlib.contextmanager
def save(step, tag=None, scope="sharded"):
    """Context manager: yields this rank's directory for checkpoint `step`
    (TAG default_tag(step)); commits when the block ends normally, aborts
    (no commit, the previous one stays valid) when it raises.
    scope "sharded": every rank calls save (its own part); "replicated":
    one rank calls save for the whole job (DDP's rank 0)."""
    tag = tag or default_tag(step)
    if not tag or "/" in tag or tag.startswith("."):
        raise ValueError("endure_ckpt: bad tag %r" % tag)
    if scope not in ("sharded", "replicated"):
        raise ValueError("endure_ckpt: scope must be 'sharded' or 'replicated', not %r" % (scope,))
    stage = os.environ.get("ENDURE_CKPT_STAGE")
    ctx = _save_stage(stage, step, tag, scope) if stage else \
        _save_plain(os.environ.get("ENDURE_CKPT_FALLBACK_DIR", "checkpoints"), step, tag, scope)
    with ctx as d:
        yield d


def _resume_plain(root):
    best = None
    try:
        tags = os.listdir(root)
    except OSError:
        return None
    for tag in tags:
        steps, replicated = set(), None
        try:
            names = sorted(n for n in os.listdir(os.path.join(root, tag)) if n.startswith(LAYOUT_RANK_DIR_FMT.split("%")[0]))
        except OSError:
            continue
        for name in names:  # a replicated part is the whole job's state
            c = _read_plain_commit(os.path.join(root, tag, name))
            if c and c.get("scope") == "replicated":
                replicated = Resume(os.path.join(root, tag, name), int(c["step"]))
                break
        for r in range(_world()):
            c = _read_plain_commit(os.path.join(root, tag, LAYOUT_RANK_DIR_FMT % r))
            steps.add(int(c["step"]) if c else None)
        if replicated:
            cand = replicated
        elif len(steps) == 1 and None not in steps:
            cand = Resume(os.path.join(root, tag, LAYOUT_RANK_DIR_FMT % _rank()), steps.pop())
        else:
            continue
        if best is None or cand.step > best.step:
            best = cand
    return best


def _read_plain_commit(d):
    try:
        with builtins.open(os.path.join(d, LAYOUT_COMMIT_RECORD)) as f:
            c = json.load(f)
        int(c["step"])
        return c
    except (OSError, ValueError, KeyError, TypeError):
        return None


def resume():
    """Where this rank resumes from: Resume(dir, step), or None. Under endure
    it is ENDURE_RESUME_DIR/ENDURE_RESUME_STEP (set only when there is a
    complete, verified checkpoint; the same directory on every rank for a
    replicated one); outside endure, the newest fallback checkpoint that
    every rank of WORLD_SIZE committed, or that one rank committed as
    replicated."""
    d = os.environ.get("ENDURE_RESUME_DIR")
    if d:
        return Resume(d, _env_num("ENDURE_RESUME_STEP", 0))
    if os.environ.get("ENDURE_CKPT_STAGE"):
        return None
    return _resume_plain(os.environ.get("ENDURE_CKPT_FALLBACK_DIR", "checkpoints"))


if __name__ == "__main__":  # tiny self-check of the fallback path
    import tempfile
    with tempfile.TemporaryDirectory() as t:
        os.environ.pop("ENDURE_CKPT_STAGE", None)
        os.environ["ENDURE_CKPT_FALLBACK_DIR"] = t
        with save(3) as d:
            with open(os.path.join(d, "x.bin")) as f:
                f.write(b"abc")
        r = resume()
        assert r and r.step == 3, r
        with save(5, scope="replicated") as d:
            with open(os.path.join(d, "x.bin")) as f:
                f.write(b"abc")
        r = resume()
        assert r and r.step == 5 and r.dir.endswith("rank-0"), r
        print("ok", r)
