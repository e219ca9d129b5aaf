"""The content cache: what parsing and schema validation found, per initiative folder.

A repeat `check` (pre-commit, CI with a restored cache, `mkdocs serve` after an edit)
re-parses only the folders whose files changed. An entry is keyed by the SHA-256 of
everything its answer depends on — each file's path, kind and bytes, the schemas' bytes,
Launchboard's own parsing and validation code, and the libraries and Python that run
it — so a changed input is a different key and can never meet a stale answer. What it
holds is date-free (parse + validation only); gates and warnings are evaluated on every
run, since they depend on "today".

It lives in ROOT/.launchboard-cache/ (with a `.gitignore` of `*`). The folder is inside a
repository that takes pull requests, so an entry is trusted only with a valid HMAC under
a key kept outside the repository (in the user's cache directory): a committed or
forged entry is ignored, never loaded. Entries are marshal data: plain dicts, lists,
strings, numbers and bytes.

Off with `LAUNCHBOARD_NO_CACHE=1` or `load_portfolio(..., cache=False)`; deleting the
folder is always safe.

TemplateCache keeps Jinja's compiled site templates in the same folder (templates/), under
the same rule: an entry is loaded only with a valid HMAC under that key, so only code this
user's Launchboard compiled ever runs from it.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import marshal
import os
import stat
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from generator import __version__

FOLDER = ".launchboard-cache"
FORMAT = 2  # bump when an entry's layout changes, or what parsing and validating find (2: LB010, x- keys)
MAX_ENTRY_BYTES = 64 * 1024 * 1024
_CODE = ("cache.py", "loader.py", "validate.py", "model.py", "pipeline.py")
_LIBRARIES = ("yaml", "yaml._yaml", "jsonschema", "jsonschema_rs", "referencing", "rfc3986_validator")


def disabled_by_env() -> bool:
    return os.environ.get("LAUNCHBOARD_NO_CACHE", "").strip() not in ("", "0")


@lru_cache(maxsize=1)
def _secret() -> bytes | None:
    """The HMAC key: 32 random bytes in the user's cache directory, made on first use."""
    home = os.path.expanduser("~")
    base = os.environ.get("XDG_CACHE_HOME") or (os.path.join(home, ".cache") if home != "~" else "")
    if not base:
        return None
    path = Path(base) / "launchboard" / "cache-key"
    try:
        return _read_small(path, 32)
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = os.urandom(32)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cache-key.")
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        try:
            os.link(tmp, path)  # first writer wins; a concurrent run reads the same key
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
        return _read_small(path, 32)
    except OSError:
        return None


def _read_small(path: Path, size: int) -> bytes:
    data = _read_regular(path, size)
    if len(data) != size:
        raise OSError("bad key file")
    return data


def _read_regular(path: Path, limit: int) -> bytes:
    """A regular file's bytes, never following a link (the folder may come from a checkout)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            raise OSError("not a regular file of the expected size")
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(limit + 1)
    finally:
        os.close(fd)


@lru_cache(maxsize=8)
def fingerprint(schema_dir: str, schema_stamp: tuple) -> bytes:
    """What every entry's answer depends on besides the records themselves."""
    digest = hashlib.sha256(f"launchboard {__version__} format {FORMAT} {sys.version} marshal {marshal.version}".encode())
    here = Path(__file__).resolve().parent
    for name in _CODE:
        digest.update(name.encode() + b"\0" + (here / name).read_bytes())
    for path in sorted(Path(schema_dir).glob("*.schema.json")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for module in _LIBRARIES:  # an upgrade changes a file's size or time; no import needed
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        origin = getattr(spec, "origin", None) if spec else None
        if origin and os.path.exists(origin):
            info = os.stat(origin)
            digest.update(f"{module}={origin}:{info.st_size}:{info.st_mtime_ns}".encode())
        else:
            digest.update(f"{module}=missing".encode())
    return digest.digest()


def _ready_folders(base: Path, folder: Path) -> bool:
    """Make BASE (with its .gitignore) and FOLDER in it, never through a link; False when
    they cannot be written."""
    try:
        for each in (base, folder):
            try:
                os.mkdir(each, 0o755)
            except FileExistsError:
                pass
            if not stat.S_ISDIR(os.lstat(each).st_mode):
                return False
        ignore = base / ".gitignore"
        if not os.path.lexists(ignore):
            ignore.write_text("# Launchboard's content cache: safe to delete, never commit.\n*\n", encoding="utf-8")
        return True
    except OSError:
        return False


def _write_whole(folder: Path, name: str, data: bytes) -> None:
    """FOLDER/NAME holds DATA or what it held before, never a part (a concurrent reader)."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, folder / name)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class RecordCache:
    """Entries of one ROOT under one fingerprint: get, put, and prune what a run did not use."""

    def __init__(self, root: Path, fingerprint: bytes, secret: bytes) -> None:
        self.base = root / FOLDER
        self.folder = self.base / fingerprint.hex()[:32]
        self.secret = secret
        self.used: set[str] = set()
        self.ready: bool | None = None  # None: folder not checked yet

    @classmethod
    def open(cls, root: Path, schema_dir: Path) -> "RecordCache | None":
        secret = _secret()
        if secret is None:
            return None
        stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(schema_dir.glob("*.schema.json")))
        try:
            return cls(root, fingerprint(str(schema_dir), stamp), secret)
        except OSError:
            return None

    def key(self, parts: list[tuple[str, str, bytes]]) -> str:
        """The entry key for one folder's files: (POSIX path, kind, bytes) each."""
        digest = hashlib.sha256(self.folder.name.encode())
        for file, kind, raw in parts:
            digest.update(b"%d:%s\0%s\0" % (len(raw), file.encode("utf-8", "surrogateescape"), kind.encode()))
            digest.update(raw)
        return digest.hexdigest()

    def get(self, key: str) -> Any:
        """The value stored under `key`, or None."""
        payload = self.get_payload(key)
        try:
            return None if payload is None else marshal.loads(payload)
        except (EOFError, ValueError, TypeError):
            return None

    def put(self, key: str, value: Any) -> None:
        try:
            self.put_payload(key, marshal.dumps(value))
        except ValueError:
            self.used.add(key)

    def get_payload(self, key: str) -> bytes | None:
        """The marshal bytes stored under `key` when their HMAC holds, else None."""
        self.used.add(key)
        try:
            blob = _read_regular(self.folder / key, MAX_ENTRY_BYTES)
        except OSError:
            return None
        mac, payload = blob[:32], blob[32:]
        if not hmac.compare_digest(mac, hmac.new(self.secret, key.encode() + payload, hashlib.sha256).digest()):
            return None
        return payload

    def put_payload(self, key: str, payload: bytes) -> None:
        self.used.add(key)
        if not self._prepare():
            return
        mac = hmac.new(self.secret, key.encode() + payload, hashlib.sha256).digest()
        try:
            _write_whole(self.folder, key, mac + payload)
        except OSError:
            self.ready = False

    def _prepare(self) -> bool:
        """Make the folders (never through a link); False when the cache cannot be written."""
        if self.ready is None:
            self.ready = _ready_folders(self.base, self.folder)
        return self.ready

    def prune(self) -> None:
        """Remove entries this run did not use and folders of other fingerprints."""
        try:
            if not stat.S_ISDIR(os.lstat(self.base).st_mode):
                return
            for entry in os.scandir(self.base):
                if entry.name != self.folder.name and entry.is_dir(follow_symlinks=False) and len(entry.name) == 32:
                    for old in os.scandir(entry.path):
                        os.unlink(old.path)
                    os.rmdir(entry.path)
            if not stat.S_ISDIR(os.lstat(self.folder).st_mode):
                return
            for entry in os.scandir(self.folder):
                if entry.name not in self.used and entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
        except OSError:
            pass


class TemplateCache(jinja2.BytecodeCache):
    """Jinja's bytecode cache in ROOT/.launchboard-cache/templates/, signed like the records'
    entries. Compiling the site's templates costs about 0.1 s per build, a sixth of the
    generator's time at 100 initiatives. Jinja checks the source checksum and its own
    bytecode header of every entry it is given; the HMAC decides whether it is given one.
    One file per template (a changed template overwrites its entry)."""

    def __init__(self, root: Path, secret: bytes, salt: str) -> None:
        self.base = Path(root) / FOLDER
        self.folder = self.base / "templates"
        self.secret = secret
        self.salt = salt

    @classmethod
    def open(cls, root: Path, salt: str) -> "TemplateCache | None":
        """The cache of ROOT when the records' cache is in use there (its folder exists and
        LAUNCHBOARD_NO_CACHE is not set); salt: what the compiled code depends on besides
        the template's source (the environment's options)."""
        if disabled_by_env() or not (Path(root) / FOLDER).is_dir():
            return None
        secret = _secret()
        return cls(root, secret, salt) if secret is not None else None

    def _name(self, bucket: jinja2.bccache.Bucket) -> str:
        return hashlib.sha256(f"{self.salt}\0{jinja2.__version__}\0{sys.version}\0{bucket.key}".encode()).hexdigest()

    def _mac(self, name: str, payload: bytes) -> bytes:
        return hmac.new(self.secret, b"template\0" + name.encode() + payload, hashlib.sha256).digest()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        name = self._name(bucket)
        try:
            blob = _read_regular(self.folder / name, MAX_ENTRY_BYTES)
        except OSError:
            return
        mac, payload = blob[:32], blob[32:]
        if hmac.compare_digest(mac, self._mac(name, payload)):
            bucket.bytecode_from_string(payload)

    def lacks(self, env: jinja2.Environment, name: str) -> bool:
        """Whether template NAME has no valid entry (none, not signed by us, or out of date)."""
        try:
            source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        except jinja2.TemplateNotFound:
            return False
        bucket = self.get_bucket(env, name, filename, source)
        return bucket.code is None

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        name = self._name(bucket)
        payload = bucket.bytecode_to_string()
        if not _ready_folders(self.base, self.folder):
            return
        try:
            _write_whole(self.folder, name, self._mac(name, payload) + payload)
        except OSError:
            pass
