"""The one fetcher, against a real HTTP server on 127.0.0.1 and a directory mirror."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from energy_index.defs.sources.fetcher import SourceError, SourceFetcher, mirror_location
from energy_index_tests.fixtures.server import http_date

BODY = b"energy,index\n" * 1000


def fetcher(tmp_path: Path, **overrides) -> SourceFetcher:
    settings = {"cache_dir": str(tmp_path / "cache"), "retries": 3, "backoff_factor": 0.01,
                "connect_timeout_s": 2.0, "read_timeout_s": 2.0, **overrides}
    return SourceFetcher(**settings)


def test_download_records_bytes_and_sha256(server, tmp_path):
    server.add("/data.csv", BODY)
    result = fetcher(tmp_path).fetch("demo", server.url("/data.csv"))
    assert result.status == "HTTP 200"
    assert result.bytes == result.bytes_downloaded == len(BODY)
    assert result.sha256 == hashlib.sha256(BODY).hexdigest()
    assert Path(result.path).read_bytes() == BODY


def test_unchanged_source_is_a_conditional_cache_hit(server, tmp_path):
    route = server.add("/data.csv", BODY)
    first = fetcher(tmp_path).fetch("demo", server.url("/data.csv"))
    second = fetcher(tmp_path).fetch("demo", server.url("/data.csv"))
    assert second.status == "cache hit" and second.bytes_downloaded == 0
    assert second.sha256 == first.sha256
    assert route.requests[1]["If-None-Match"] == route.etag_value


def test_last_modified_is_used_when_there_is_no_etag(server, tmp_path):
    route = server.add("/data.csv", BODY, etag=False, last_modified=http_date())
    fetcher(tmp_path).fetch("demo", server.url("/data.csv"))
    second = fetcher(tmp_path).fetch("demo", server.url("/data.csv"))
    assert second.status == "cache hit"
    assert route.requests[1]["If-Modified-Since"] == http_date()


def test_changed_source_is_downloaded_again(server, tmp_path):
    server.add("/data.csv", BODY)
    fetcher(tmp_path).fetch("demo", server.url("/data.csv"))
    server.add("/data.csv", BODY + b"new,row\n")
    result = fetcher(tmp_path).fetch("demo", server.url("/data.csv"))
    assert result.status == "HTTP 200" and result.bytes == len(BODY) + 8


@pytest.mark.parametrize("status", [503, 429, 502])
def test_transient_errors_are_retried(server, tmp_path, status):
    route = server.add("/flaky.csv", BODY, fail_first=2, fail_status=status, retry_after="0")
    result = fetcher(tmp_path).fetch("demo", server.url("/flaky.csv"))
    assert result.status == "HTTP 200"
    assert len(route.requests) == 3


def test_persistent_error_names_source_location_and_status(server, tmp_path):
    server.add("/broken.csv", BODY, fail_first=99, fail_status=500)
    with pytest.raises(SourceError, match=r"\[demo\] http://127\.0\.0\.1:\d+/broken\.csv: .*500"):
        fetcher(tmp_path, retries=1).fetch("demo", server.url("/broken.csv"))
    assert not list((tmp_path / "cache" / "downloads").glob("*broken*"))


def test_missing_file_is_not_retried_and_is_clear(server, tmp_path):
    with pytest.raises(SourceError, match="HTTP 404"):
        fetcher(tmp_path).fetch("demo", server.url("/absent.csv"))


def test_read_timeout_is_an_error_not_a_hang(server, tmp_path):
    server.add("/slow.csv", BODY, delay_s=1.5)
    with pytest.raises(SourceError, match="download failed: .*[Tt]imed? ?out"):
        fetcher(tmp_path, retries=0, read_timeout_s=0.3).fetch("demo", server.url("/slow.csv"))


def test_declared_size_over_the_limit_is_refused(server, tmp_path):
    server.add("/big.csv", BODY)
    with pytest.raises(SourceError, match="exceeds the limit of 100"):
        fetcher(tmp_path, max_bytes=100).fetch("demo", server.url("/big.csv"))


def test_undeclared_size_over_the_limit_stops_the_stream(server, tmp_path):
    server.add("/big.csv", BODY, send_length=False)
    with pytest.raises(SourceError, match="more than the limit of 100 bytes"):
        fetcher(tmp_path, max_bytes=100).fetch("demo", server.url("/big.csv"))
    leftovers = list((tmp_path / "cache" / "downloads").iterdir())
    assert leftovers == [], "a refused download leaves no partial or cached file"


def test_http_mirror_rewrites_host_and_path(server, tmp_path):
    server.add("/example.org/files/data.csv", BODY)
    result = fetcher(tmp_path, mirror=server.base_url).fetch("demo", "https://example.org/files/data.csv")
    assert result.location == server.url("/example.org/files/data.csv")
    assert result.url == "https://example.org/files/data.csv"


def test_directory_mirror_copies_once_then_hits_the_cache(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "example.org" / "files").mkdir(parents=True)
    (mirror / "example.org" / "files" / "data.csv").write_bytes(BODY)
    first = fetcher(tmp_path, mirror=str(mirror)).fetch("demo", "https://example.org/files/data.csv")
    second = fetcher(tmp_path, mirror=str(mirror)).fetch("demo", "https://example.org/files/data.csv")
    assert first.status == "mirror copy" and first.bytes_downloaded == len(BODY)
    assert second.status == "cache hit" and second.bytes_downloaded == 0


def test_file_absent_from_directory_mirror_is_clear(tmp_path):
    (tmp_path / "mirror").mkdir()
    with pytest.raises(SourceError, match="not in the mirror"):
        fetcher(tmp_path, mirror=str(tmp_path / "mirror")).fetch("demo", "https://example.org/absent.pdf")


@pytest.mark.parametrize("url", [
    "https://example.org/../../etc/passwd",
    "https://example.org/a/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "file:///etc/passwd",
    "https:///no-host",
])
def test_urls_cannot_escape_the_mirror(tmp_path, url):
    with pytest.raises(ValueError):
        mirror_location(url, str(tmp_path))
    with pytest.raises(SourceError, match="escapes the mirror|not an http"):
        fetcher(tmp_path, mirror=str(tmp_path)).fetch("demo", url)


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 3])
    else:  # one bit flipped, same size
        flipped = bytearray(data)
        flipped[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(flipped))


@pytest.mark.parametrize("how", ["truncated", "bit-flipped"])
def test_a_damaged_cache_entry_is_fetched_again_not_used(server, tmp_path, how):
    route = server.add("/data.csv", BODY)
    first = fetcher(tmp_path).fetch("demo", server.url("/data.csv"))
    damage(Path(first.path), how)
    again = fetcher(tmp_path).fetch("demo", server.url("/data.csv"))
    assert again.status == "HTTP 200, replacing a damaged cached copy"
    assert "If-None-Match" not in route.requests[1], "a damaged copy must not be revalidated"
    assert Path(again.path).read_bytes() == BODY


@pytest.mark.parametrize("how", ["truncated", "bit-flipped"])
def test_a_damaged_cache_entry_read_downstream_is_fetched_again(server, tmp_path, how):
    server.add("/data.csv", BODY)
    first = fetcher(tmp_path).fetch("demo", server.url("/data.csv"))
    damage(Path(first.path), how)
    cached = fetcher(tmp_path).cached("demo", server.url("/data.csv"))
    assert cached.sha256 == first.sha256 and Path(cached.path).read_bytes() == BODY


def test_a_damaged_cache_entry_that_cannot_be_fetched_again_fails_clearly(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "example.org").mkdir(parents=True)
    (mirror / "example.org" / "data.csv").write_bytes(BODY)
    first = fetcher(tmp_path, mirror=str(mirror)).fetch("demo", "https://example.org/data.csv")
    damage(Path(first.path), "truncated")
    (mirror / "example.org" / "data.csv").unlink()
    with pytest.raises(SourceError) as error:
        fetcher(tmp_path, mirror=str(mirror)).cached("demo", "https://example.org/data.csv")
    message = str(error.value)
    assert message.startswith("[demo] ") and "the cached copy was damaged (" in message
    assert "cut short" in message and "fetching it again failed: not in the mirror" in message
    assert not Path(first.path).exists(), "the damaged copy is not kept to be used later"


def test_a_cached_file_without_its_record_is_not_a_cache_hit(server, tmp_path):
    server.add("/data.csv", BODY)
    first = fetcher(tmp_path).fetch("demo", server.url("/data.csv"))
    Path(first.path + ".meta.json").unlink()  # killed between writing the file and its record
    again = fetcher(tmp_path).fetch("demo", server.url("/data.csv"))
    assert again.status.startswith("HTTP 200") and again.bytes_downloaded == len(BODY)
