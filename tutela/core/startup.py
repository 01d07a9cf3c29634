"""What every Tutela process does before Django's settings are read: its files are private, and
the secrets `make run` generated are found without the user sourcing them.

Used by the `tutela` command (tutela/cli.py) and the web server (config/wsgi.py), so that the
command line, gunicorn, the worker and the scheduler run with the same settings. It imports nothing
from Django: the settings may be what is wrong.

- `process_prepare()`: umask 077 (every file the process creates, the SQLite database and its
  journal, uploads, exports, is readable by its owner only), then `secrets_load()` and
  `var_secure(deep=False)`.
- `secrets_load()`: reads `<var>/secrets.env` (KEY=VALUE lines, as scripts/run.sh writes it) into
  the environment; a variable already set in the environment wins (systemd's EnvironmentFile, an
  explicit `TUTELA_SECRET_KEY=... tutela ...`).
- `var_secure()`: an installation made before this rule had `var/secrets.env`, the database and the
  uploads readable by everyone on the machine (0644). Directories become 0700 and files 0600; the
  uploads tree is walked only when `deep` (the server's start, `tutela serve`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
SECRETS_FILE_NAME = "secrets.env"
# The database files SQLite keeps beside the database itself (WAL mode).
DATABASE_SUFFIXES = ("", "-wal", "-shm", "-journal")
DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def var_dir() -> Path:
    """Where the SQLite file, uploads and the secrets live (TUTELA_VAR_DIR, default var/)."""
    return Path(os.environ.get("TUTELA_VAR_DIR") or BASE_DIR / "var")


def secrets_parse(text: str) -> dict[str, str]:
    """KEY=VALUE lines (blank lines, comments and an `export ` prefix allowed; values may be
    quoted). The file is the one scripts/run.sh writes: a full dotenv parser is not needed."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, value = line.split("=", 1)
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in {'"', "'"}:
            value = value[1:-1]
        if key.replace("_", "").isalnum():
            values[key] = value
    return values


def secrets_load(path: Path | None = None) -> list[str]:
    """Put the variables of the secrets file into the environment where they are not set yet.
    Returns the names it set (none when there is no file)."""
    path = path or var_dir() / SECRETS_FILE_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    loaded = []
    for key, value in secrets_parse(text).items():
        if key not in os.environ:
            os.environ[key] = value
            loaded.append(key)
    return loaded


def _restrict(path: Path, mode: int) -> bool:
    """chmod `path` to `mode` when it allows more (group or others). True when it changed."""
    try:
        current = stat.S_IMODE(path.lstat().st_mode)
    except FileNotFoundError:
        return False
    if path.is_symlink() or current & 0o077 == 0:
        return False
    try:
        os.chmod(path, mode)
    except PermissionError:
        # Not ours (a shared install run by another user): nothing we can do from here.
        return False
    return True


def var_secure(directory: Path | None = None, *, deep: bool = False) -> list[Path]:
    """Directories 0700 and files 0600 under the var directory: itself, the secrets file, the
    SQLite database files and, when `deep`, every file of the uploads (media) tree. Returns the
    paths it changed."""
    root = directory or var_dir()
    changed: list[Path] = []
    if not root.exists():
        return changed
    candidates: list[tuple[Path, int]] = [(root, DIRECTORY_MODE)]
    candidates.append((root / SECRETS_FILE_NAME, FILE_MODE))
    for database in root.glob("*.sqlite3"):
        for suffix in DATABASE_SUFFIXES:
            candidates.append((Path(f"{database}{suffix}"), FILE_MODE))
    media = root / "media"
    candidates.append((media, DIRECTORY_MODE))
    if deep and media.is_dir():
        for folder, directories, files in os.walk(media):
            base = Path(folder)
            candidates += [(base / name, DIRECTORY_MODE) for name in directories]
            candidates += [(base / name, FILE_MODE) for name in files]
    for path, mode in candidates:
        if _restrict(path, mode):
            changed.append(path)
    return changed


def process_prepare() -> None:
    """Private files from here on, the secrets file read, the var directory's modes fixed."""
    os.umask(0o077)
    secrets_load()
    var_secure(deep=False)
