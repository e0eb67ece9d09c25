"""The one HTTP fetcher every source goes through.

requests with connect/read timeouts and urllib3 retries (backoff on 429/5xx and connection
errors), streaming into the cache with an atomic rename, a size limit, a sha256, and
conditional requests (ETag / Last-Modified) so that an unchanged source is not downloaded
again. A mirror (directory or http(s) base URL) replaces every `https://host/path` with
`<mirror>/host/path`.

Before a cached file is used (a conditional request's 304, a mirror copy that has not
changed, or `cached()` for a downstream reader) its size and sha256 are checked against its
`.meta.json`. A file that does not match (cut short by a crash, damaged on disk) is deleted
with its record and fetched again, once; only if that fails does the source fail, and the
message says the cache was damaged and why.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import dagster as dg
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from energy_index.integrity import atomic_path, content_problem, read_json, sha256_file, write_json_atomically

CHUNK_BYTES = 1 << 16
log = logging.getLogger(__name__)


class SourceError(RuntimeError):
    """A source could not be fetched or read; the message names source, file and problem."""

    def __init__(self, source: str, location: str, problem: str):
        self.source, self.location, self.problem = source, location, problem
        super().__init__(f"[{source}] {location}: {problem}")


class SourceUnavailable(SourceError):
    """The configured mirror does not hold this file (the offline mirror lacks some reports)."""


@dataclass(frozen=True)
class FetchResult:
    source: str
    url: str
    location: str
    path: str
    bytes: int
    bytes_downloaded: int
    sha256: str
    status: str
    fetched_at: str


def mirror_location(url: str, mirror: str) -> str:
    """Map `https://host/path` onto the mirror; refuse anything that could escape it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    relative = PurePosixPath(parts.netloc + unquote(parts.path))
    if ".." in relative.parts or relative.is_absolute() or "\\" in str(relative):
        raise ValueError(f"URL path escapes the mirror: {url!r}")
    if mirror.startswith(("http://", "https://")):
        return mirror.rstrip("/") + "/" + parts.netloc + parts.path
    root = Path(mirror).resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root):
        raise ValueError(f"URL resolves outside the mirror {root}: {url!r}")
    return str(target)


class SourceFetcher(dg.ConfigurableResource):
    """Downloads sources into a local cache, once, and says what it did."""

    cache_dir: str
    mirror: str | None = None
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0
    retries: int = 4
    backoff_factor: float = 0.5
    max_bytes: int = 512 * 1024 * 1024

    def fetch(self, source: str, url: str) -> FetchResult:
        target = self._cache_path(url)
        meta, damage = self._verified_meta(source, target)
        return self._fetch(source, url, target, meta, damage)

    def cached(self, source: str, url: str) -> FetchResult:
        """The last successful fetch of `url`, verified; fetched again once if the copy is damaged."""
        target = self._cache_path(url)
        meta, damage = self._verified_meta(source, target)
        if damage:
            return self._fetch(source, url, target, None, damage)
        if meta is None:
            raise SourceError(source, url, "not in the cache yet: materialise its source asset first")
        fields = {k: meta[k] for k in FetchResult.__dataclass_fields__ if k in meta}
        return FetchResult(**{**fields, "source": source, "status": "cache hit", "bytes_downloaded": 0})

    def probe(self, source: str, url: str) -> str | None:
        """What `url` holds now, cheaply and without downloading it, or None when the mirror lacks it.

        A mirror file: its sha256 (the cache record's while size and mtime match). Over HTTP: a
        HEAD request's ETag, else its Last-Modified with the length. A server that offers
        neither is fetched conditionally into the cache and its content hashed. A cached copy
        that no longer matches its record is fetched again here: a refresh that finds nothing
        changed upstream reads no cache, so this is where a damaged one is healed.
        """
        if self._verified_meta(source, self._cache_path(url))[1] is not None:
            self.fetch(source, url)
        location = self._location(source, url)
        if not location.startswith(("http://", "https://")):
            path = Path(location)
            if not path.is_file():
                return None
            stat, meta = path.stat(), read_json(self._meta_path(self._cache_path(url))) or {}
            if meta.get("file_signature") == [stat.st_size, stat.st_mtime_ns]:
                return f"sha256:{meta['sha256']}"
            return f"sha256:{sha256_file(path)[0]}"
        try:
            with self._session() as session:
                response = session.head(location, allow_redirects=True,
                                        timeout=(self.connect_timeout_s, self.read_timeout_s))
        except requests.RequestException as exc:
            raise SourceError(source, location, f"checking for a new version failed: {exc}") from exc
        if response.status_code == 404 and self.mirror:
            return None
        if response.status_code >= 400 and response.status_code not in (405, 501):
            raise SourceError(source, location, f"HTTP {response.status_code} {response.reason} to HEAD")
        if validator := response.headers.get("ETag"):
            return f"etag:{validator}"
        if validator := response.headers.get("Last-Modified"):
            return f"last-modified:{validator}, {response.headers.get('Content-Length', '?')} bytes"
        return f"sha256:{self.fetch(source, url).sha256}"

    def _location(self, source: str, url: str) -> str:
        try:
            return mirror_location(url, self.mirror) if self.mirror else url
        except ValueError as exc:
            raise SourceError(source, url, str(exc)) from exc

    def _fetch(self, source: str, url: str, target: Path, meta: dict | None, damage: str | None) -> FetchResult:
        location = self._location(source, url)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            if location.startswith(("http://", "https://")):
                result = self._fetch_http(source, url, location, target, meta)
            else:
                result = self._fetch_file(source, url, location, target, meta)
        except SourceError as exc:
            if damage:
                raise type(exc)(source, exc.location, f"the cached copy was damaged ({damage}) and fetching "
                                                      f"it again failed: {exc.problem}") from exc
            raise
        return replace(result, status=f"{result.status}, replacing a damaged cached copy") if damage else result

    def _cache_path(self, url: str) -> Path:
        digest = hashlib.sha256(url.encode()).hexdigest()[:16]
        name = PurePosixPath(urlsplit(url).path).name or "index"
        return Path(self.cache_dir) / "downloads" / f"{digest}-{name}"

    @staticmethod
    def _meta_path(target: Path) -> Path:
        return target.with_name(target.name + ".meta.json")

    def _verified_meta(self, source: str, target: Path) -> tuple[dict | None, str | None]:
        """(record, None) for a cached file that matches its record; (None, what was wrong) after
        deleting one that does not; (None, None) when nothing usable was cached."""
        meta = read_json(self._meta_path(target))
        if meta is None and not target.exists():
            return None, None
        problem = content_problem(target, (meta or {}).get("bytes"), (meta or {}).get("sha256")) \
            if meta is not None else "the cached file has no readable record"
        if problem is None:
            return meta, None
        log.warning("[%s] %s: cached copy is damaged (%s); fetching it again", source, target, problem)
        target.unlink(missing_ok=True)
        self._meta_path(target).unlink(missing_ok=True)
        return None, problem

    def _session(self) -> requests.Session:
        retry = Retry(
            total=self.retries,
            connect=self.retries,
            read=self.retries,
            status=self.retries,
            backoff_factor=self.backoff_factor,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"GET", "HEAD"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        session = requests.Session()
        session.mount("http://", HTTPAdapter(max_retries=retry))
        session.mount("https://", HTTPAdapter(max_retries=retry))
        session.headers["User-Agent"] = "energy-index/0.1 (+https://github.com/energy-index)"
        return session

    def _fetch_http(self, source: str, url: str, location: str, target: Path, meta: dict | None) -> FetchResult:
        meta = meta or {}
        headers = {}
        if meta.get("etag"):
            headers["If-None-Match"] = meta["etag"]
        if meta.get("last_modified"):
            headers["If-Modified-Since"] = meta["last_modified"]
        timeout = (self.connect_timeout_s, self.read_timeout_s)
        try:
            with self._session() as session, session.get(
                location, headers=headers, stream=True, timeout=timeout
            ) as response:
                if response.status_code == 304 and meta:
                    return self._result(source, url, location, target, meta, 0, "cache hit")
                if response.status_code == 404 and self.mirror:
                    raise SourceUnavailable(source, location, "not in the mirror (HTTP 404)")
                if response.status_code != 200:
                    raise SourceError(source, location, f"HTTP {response.status_code} {response.reason}")
                declared = int(response.headers.get("Content-Length") or 0)
                if declared > self.max_bytes:
                    raise SourceError(source, location, f"{declared} bytes exceeds the limit of {self.max_bytes}")
                sha, size = self._store(source, location, response.iter_content(CHUNK_BYTES), target)
                validators = {"etag": response.headers.get("ETag"),
                              "last_modified": response.headers.get("Last-Modified")}
                return self._commit(source, url, location, target, sha, size, "HTTP 200", validators)
        except requests.RequestException as exc:
            raise SourceError(source, location, f"download failed: {exc}") from exc

    def _fetch_file(self, source: str, url: str, location: str, target: Path, meta: dict | None) -> FetchResult:
        path = Path(location)
        if not path.is_file():
            raise SourceUnavailable(source, location, "not in the mirror")
        stat = path.stat()
        meta = meta or {}
        if meta.get("file_signature") == [stat.st_size, stat.st_mtime_ns]:
            return self._result(source, url, location, target, meta, 0, "cache hit")
        if stat.st_size > self.max_bytes:
            raise SourceError(source, location, f"{stat.st_size} bytes exceeds the limit of {self.max_bytes}")
        with path.open("rb") as handle:
            chunks = iter(lambda: handle.read(CHUNK_BYTES), b"")
            sha, size = self._store(source, location, chunks, target)
        signature = {"file_signature": [stat.st_size, stat.st_mtime_ns]}
        return self._commit(source, url, location, target, sha, size, "mirror copy", signature)

    def _store(self, source: str, location: str, chunks, target: Path) -> tuple[str, int]:
        """Stream chunks into a temporary file beside `target`, then rename it into place."""
        sha, size = hashlib.sha256(), 0
        self._meta_path(target).unlink(missing_ok=True)  # the record goes first: no record, no cache hit
        with atomic_path(target) as partial, partial.open("wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > self.max_bytes:
                    raise SourceError(source, location, f"more than the limit of {self.max_bytes} bytes")
                sha.update(chunk)
                out.write(chunk)
        return sha.hexdigest(), size

    def _commit(self, source, url, location, target, sha, size, status, extra) -> FetchResult:
        meta = {"url": url, "location": location, "path": str(target), "bytes": size, "sha256": sha,
                "fetched_at": datetime.now(UTC).isoformat(), **extra}
        write_json_atomically(self._meta_path(target), meta)
        return self._result(source, url, location, target, meta, size, status)

    @staticmethod
    def _result(source, url, location, target, meta, downloaded, status) -> FetchResult:
        return FetchResult(source=source, url=url, location=location, path=str(target),
                           bytes=int(meta["bytes"]), bytes_downloaded=downloaded, sha256=meta["sha256"],
                           status=status, fetched_at=datetime.now(UTC).isoformat())

