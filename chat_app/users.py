"""Accounts: a users file of names and scrypt password hashes, a sign-in check for Gradio, and a CLI to edit it.

The file (`--users-file PATH`) holds one user a line, `name:hash`; blank lines and lines starting with `#`
are ignored. A hash is `scrypt$N$r$p$salt$key` (base64 salt and key) as written by

    python -m chat_app.users add alice --users-file users.txt        # prompts for the password twice
    echo "$PW" | python -m chat_app.users add bob --users-file users.txt --password-stdin
    python -m chat_app.users passwd alice --users-file users.txt     # set a new password
    python -m chat_app.users remove bob --users-file users.txt
    python -m chat_app.users list --users-file users.txt

(`CINECHAT_USERS_FILE` stands in for `--users-file`). Passwords are never stored: the standard library's
`hashlib.scrypt` with a random 16-byte salt per user, compared in constant time. A file that is missing,
empty, unreadable, malformed, names a user twice or holds a clear-text password is refused with a
`UsersError` whose message names the line and says how to fix it. Who may do what once signed in, and
what is kept about them, is not decided here (see chat_app/ui.py and chat_app/persist.py).
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import logging
import os
import re
import secrets
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD = 8
# scrypt cost: 16 MiB and about 60 ms a check on one core; stored with each hash so it can be raised later
N, R, P = 2**14, 8, 1
MAX_MEMORY = 256 * 2**20  # refuse hashes whose parameters would need more (a hand-edited or hostile file)


class UsersError(Exception):
    """The users file or a users command cannot be used; the message says what to do."""


def hash_password(password: str, *, n: int = N, r: int = R, p: int = P) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(errors="surrogatepass"), salt=salt, n=n, r=r, p=p, maxmem=_memory(n, r, p))
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches the `stored` hash; False for any other input, a malformed hash included."""
    try:
        n, r, p, salt, key = _parse_hash(stored)
    except ValueError:
        return False
    candidate = hashlib.scrypt(password.encode(errors="surrogatepass"), salt=salt, n=n, r=r, p=p,
                               maxmem=_memory(n, r, p), dklen=len(key))
    return hmac.compare_digest(candidate, key)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _memory(n: int, r: int, p: int) -> int:
    return 128 * r * (n + p + 2) + 2**20


def _parse_hash(stored: str) -> tuple[int, int, int, bytes, bytes]:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise ValueError("not an scrypt hash")
    try:
        n, r, p = (int(x) for x in parts[1:4])
        salt, key = (base64.b64decode(x, validate=True) for x in parts[4:6])
    except ValueError as exc:
        raise ValueError(f"unreadable scrypt hash ({exc})") from None
    if n < 2**10 or n & (n - 1) or not 1 <= r <= 64 or not 1 <= p <= 16 or _memory(n, r, p) > MAX_MEMORY:
        raise ValueError(f"scrypt parameters N={n} r={r} p={p} are out of range")
    if len(salt) != 16 or len(key) != 64:  # what hash_password writes; a cut key would still match its prefix
        raise ValueError("scrypt salt or key of the wrong length")
    return n, r, p, salt, key


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    name: str | None = None  # None for blank lines and comments
    hash: str = ""


def _read_lines(path: Path) -> list[Line]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsersError(f"the users file {path} does not exist. Create it with: "
                         f"python -m chat_app.users add NAME --users-file {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsersError(f"cannot read the users file {path} ({exc})") from None
    lines = []
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            lines.append(Line(number, raw))
            continue
        name, sep, hashed = stripped.partition(":")
        name, hashed = name.strip(), hashed.strip()
        where = f"{path}, line {number}"
        if not sep or not name:
            raise UsersError(f"{where}: expected name:hash, as written by python -m chat_app.users add NAME")
        if not NAME.fullmatch(name):
            raise UsersError(f"{where}: {name[:40]!r} is not a user name (letters, digits and . _ @ -, "
                             "at most 64, starting with a letter or digit)")
        try:
            _parse_hash(hashed)
        except ValueError as exc:
            # never echo the value: it may be someone's password in clear text
            looks_like = "a clear-text password, which is refused" if not hashed.startswith("scrypt$") else str(exc)
            raise UsersError(f"{where}: the password of {name!r} is {looks_like}. Remove that line and run: "
                             f"python -m chat_app.users add {name} --users-file {path}") from None
        lines.append(Line(number, raw, name, hashed))
    return lines


def load_users(path: str | Path) -> dict[str, str]:
    """name -> hash from the users file; UsersError naming the file and line for anything unusable."""
    path = Path(path).expanduser()
    users: dict[str, str] = {}
    for line in _read_lines(path):
        if line.name is None:
            continue
        if line.name in users:
            raise UsersError(f"{path}, line {line.number}: {line.name!r} is listed twice; remove one of the lines")
        users[line.name] = line.hash
    if not users:
        raise UsersError(f"the users file {path} lists no users. Add one with: "
                         f"python -m chat_app.users add NAME --users-file {path}")
    return users


class Authenticator:
    """Gradio's `auth=` callable: `(username, password) -> bool` against the users file.

    An edited file is read again at the next sign-in (users added or removed with the CLI need no restart);
    if the edited file is unusable, the error is logged and the users read before stay in force.
    Unknown names cost the same scrypt work as known ones, so timing does not tell which names exist."""

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()
        self._lock = threading.Lock()
        self._stamp = self._stat()
        self._users = load_users(self.path)
        self._dummy = hash_password(secrets.token_hex(16))

    def _stat(self) -> tuple | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size, st.st_ino

    def users(self) -> dict[str, str]:
        with self._lock:
            stamp = self._stat()
            if stamp != self._stamp:
                self._stamp = stamp
                try:
                    self._users = load_users(self.path)
                    log.info("users file %s read again: %d users", self.path, len(self._users))
                except UsersError as exc:
                    log.error("%s; the users read before stay in force", exc)
            return self._users

    def __call__(self, username: str, password: str) -> bool:
        if not isinstance(username, str) or not isinstance(password, str):
            return False
        stored = self.users().get(username)
        return verify_password(password, stored or self._dummy) and stored is not None


# ---------------------------------------------------------------- the CLI


def _write(path: Path, lines: list[Line]) -> None:
    """Replace the file at once (a reader sees the old or the new file, never half), readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.writelines(line.text + "\n" for line in lines)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _new_password(args) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {args.name}: ")
        if getpass.getpass("Again: ") != password:
            raise UsersError("the two passwords differ; nothing was changed")
    if len(password) < MIN_PASSWORD:
        raise UsersError(f"a password needs at least {MIN_PASSWORD} characters; nothing was changed")
    return password


def run(argv: list[str] | None = None) -> str:
    """Do one users command; returns what to print, raises UsersError for what went wrong."""
    args = _parser().parse_args(argv)
    if not args.users_file:
        raise UsersError("say which file: --users-file PATH (or set CINECHAT_USERS_FILE)")
    path = Path(args.users_file).expanduser()
    if args.command == "list":
        return "\n".join(load_users(path))
    if not NAME.fullmatch(args.name):
        raise UsersError(f"{args.name[:40]!r} is not a user name (letters, digits and . _ @ -, at most 64, "
                         "starting with a letter or digit)")
    lines = _read_lines(path) if args.command != "add" or path.exists() else []
    known = [line.name for line in lines if line.name]
    if len(set(known)) != len(known):
        load_users(path)  # raises with the line of the duplicate
    if args.command == "add":
        if args.name in known:
            raise UsersError(f"{args.name!r} already exists; set a new password with: "
                             f"python -m chat_app.users passwd {args.name} --users-file {path}")
        lines.append(Line(0, f"{args.name}:{hash_password(_new_password(args))}", args.name))
        message = f"added {args.name}"
    elif args.name not in known:
        raise UsersError(f"there is no user {args.name!r} in {path}")
    elif args.command == "passwd":
        hashed = hash_password(_new_password(args))
        lines = [Line(l.number, f"{l.name}:{hashed}", l.name) if l.name == args.name else l for l in lines]
        message = f"set a new password for {args.name}"
    else:  # remove
        lines = [line for line in lines if line.name != args.name]
        message = f"removed {args.name} (sign-ins open now end when the app restarts)"
    _write(path, lines)
    return message


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--users-file", default=os.environ.get("CINECHAT_USERS_FILE"),
                        help="the users file (default: $CINECHAT_USERS_FILE)")
    parser = argparse.ArgumentParser(prog="python -m chat_app.users", description="Add, remove and list "
                                     "CineChat users, and set their passwords (stored as scrypt hashes).")
    sub = parser.add_subparsers(dest="command", required=True)
    for command, text in (("add", "add a user"), ("passwd", "set a user's password"),
                          ("remove", "remove a user"), ("list", "list the users")):
        cmd = sub.add_parser(command, parents=[common], help=text, description=text)
        if command != "list":
            cmd.add_argument("name")
        if command in ("add", "passwd"):
            cmd.add_argument("--password-stdin", action="store_true",
                             help="read the password from the first line of standard input (for scripts)")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        print(run(argv))
    except UsersError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, EOFError):
        print("\nnothing was changed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
