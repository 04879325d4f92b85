"""Reading the files a definition references: local paths only, inside a root directory, size-bounded.

A reference that is a URL, leaves the root (``..``, an absolute path, a symlink) or names a file too large is a
``Refusal`` with a problem code; nothing here ever reaches the network.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from swengine.dsl.parser import Limits


class Refusal(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def read_bounded(path: Path, limits: Limits, *, missing: str) -> bytes:
    """Read a file, refusing it before reading when it is larger than the limit."""
    try:
        if not path.is_file():
            raise Refusal(missing, f"{path} not found (or not a file)")
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise Refusal(
                "document_too_large", f"{path.name} is {size} bytes, over the limit of {limits.max_bytes}"
            )
        return path.read_bytes()
    except OSError as error:
        raise Refusal(missing, f"cannot read {path}: {error.strerror}") from None


def locate_reference(reference: str, base_dir: Path | None, root: Path | None) -> tuple[str, Path]:
    """The local path a reference names, and the file it resolves to inside ``root``."""
    scheme, local = split_reference(reference)
    if scheme:
        raise Refusal(
            "remote_reference_refused", f"{reference!r} is not a local file (only paths and file:// are read)"
        )
    if base_dir is None or root is None:
        raise Refusal(
            "file_reference_not_found",
            f"cannot resolve {reference!r}: the document was not loaded from a file",
        )
    target = (base_dir / local).resolve()  # resolved, so neither ".." nor a symlink can leave the root
    if not target.is_relative_to(root.resolve()):
        raise Refusal("file_reference_outside_root", f"{reference!r} points outside {root}")
    return local, target


def split_reference(reference: str) -> tuple[str, str]:
    """(remote scheme or "", local path) of a reference; ``file://x.json`` is the relative path x.json."""
    parts = urlsplit(reference)
    if parts.scheme == "file":
        return "", unquote(parts.netloc + parts.path)
    if len(parts.scheme) <= 1:  # no scheme, or a Windows drive letter
        return "", reference
    return parts.scheme, reference
