"""Charts, labels and report images linked from the Dagster UI by URL.

The UI hides markdown over about a thousand characters behind "Show Markdown", so a chart
embedded as a data URI is never seen inline, and a server path (`/work/.../chart.png`) opens
nothing in a browser. Charts are written once under ENERGY_INDEX_HOME/charts, named by their
content hash (so an old materialisation's chart stays valid), and shown as a short markdown image
whose URL the file server (`energy-index files`, started by `make dev`) answers.
`ENERGY_INDEX_FILES_URL` (default http://127.0.0.1:3100) is where the UI's browser reaches it.
"""

from __future__ import annotations

import hashlib
import os
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg

from energy_index.settings import load_settings

FILES_URL_ENV = "ENERGY_INDEX_FILES_URL"
DEFAULT_FILES_URL = "http://127.0.0.1:3100"
SERVED_DIRECTORIES = ("charts", "labels", "reports")  # never the warehouse, cache or models
# The widest image embedded in metadata: a metadata table's value column beside its keys (and a
# partitioned asset's partition list) is about this wide on a 1440 px screen; wider ran off the page.
MAX_EMBED_WIDTH = 560


def files_url() -> str:
    return (os.environ.get(FILES_URL_ENV) or DEFAULT_FILES_URL).rstrip("/")


def url_for(path: Path) -> str:
    """The URL of a file under one of the served directories of ENERGY_INDEX_HOME; a file elsewhere
    (a resource pointed outside the home) gets its file:// URL, which at least names it."""
    path, home = Path(path).resolve(), load_settings().home
    if not any(path.is_relative_to(home / served) for served in SERVED_DIRECTORIES):
        return path.as_uri()
    return f"{files_url()}/{path.relative_to(home).as_posix()}"


def stored_chart(png: bytes) -> Path:
    """The chart written once under charts/, named by its content (written atomically)."""
    path = load_settings().home / "charts" / f"{hashlib.sha256(png).hexdigest()[:24]}.png"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial_path = path.with_suffix(f".{os.getpid()}.partial")
        partial_path.write_bytes(png)
        os.replace(partial_path, path)
    return path


def image(path: Path, title: str = "chart", full: Path | None = None) -> dg.MetadataValue:
    """A short markdown image (and a link to `full`, the full-size file, or to itself) the UI shows
    inline. The UI sizes an image by its pixels (its markdown renders no `<img width>`: raw HTML is
    shown as text), so what is embedded here should be at most MAX_EMBED_WIDTH wide (plots.py)."""
    url = url_for(path)
    return dg.MetadataValue.md(f"![{title}]({url})\n\n[open {title}]({url_for(full or path)})")


class _ServedFiles(SimpleHTTPRequestHandler):
    """Static files from the served directories only; a content-hashed chart never changes."""

    def send_head(self):
        # The path as the base class will open it (decoded, normalised), so `/charts/../x` and
        # `/charts/%2e%2e/x` are judged by where they really lead.
        target, home = Path(self.translate_path(self.path)).resolve(), Path(self.directory).resolve()
        if not any(target.is_relative_to(home / served) for served in SERVED_DIRECTORIES):
            self.send_error(404, "not a served file")
            return None
        return super().send_head()

    def end_headers(self):
        if self.path.startswith("/charts/"):
            self.send_header("Cache-Control", "public, max-age=31536000, immutable")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


def file_server(host: str, port: int) -> ThreadingHTTPServer:
    """The server for ENERGY_INDEX_HOME's charts, labels and report images."""
    return ThreadingHTTPServer((host, port), partial(_ServedFiles, directory=str(load_settings().home)))
