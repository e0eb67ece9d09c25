"""What a report's partition shows when the run did not read its report.

A report not in the mirror, a scan, a PDF without figures or one that could not be read at all is
still materialised on its partition, so the UI's partition page shows why at its top ("status:
unread", "reason: <file>: <problem>") rather than "Latest materialization: None", and its checks
fail rather than pass. Nothing is written for it: the report keeps the rows of its last good read
(none if it was never read), so what reads the tables is not polluted by it.

The checks fail with severity WARN (ERROR when the report could not be read at all): the UI shows
a failed WARN check in yellow, with its description and metadata. A skipped check would carry no
evaluation, so no reason, and a passed one is green, which is what made unread reports look read.

A report whose read failed is retried by the next refresh although its upstream version did not
change (operations/refresh.py asks `last_read_failed`); one merely missing or without figures is read
again when its file (or the reader's code) changes.
"""

import dagster as dg

STATUS, REASON, REPORT_STATUS = "status", "reason", "report_status"
READ, UNREAD = "read", "unread"
READ_FAILED = "failed"  # the Reading status of a report that could not be downloaded or parsed


def reason(url: str, detail: str) -> str:
    """The problem, naming the report's file (the fetcher's messages for a missing file already do)."""
    name = url.rsplit("/", 1)[-1]
    return detail if name in detail else f"{name}: {detail}"


def unread_metadata(url: str, status: str, detail: str, rows_kept: int) -> dict:
    """The metadata an unread report's partition shows on both its assets."""
    return {STATUS: UNREAD, REPORT_STATUS: status, REASON: dg.MetadataValue.text(reason(url, detail)),
            "url": dg.MetadataValue.url(url),
            "rows_kept": dg.MetadataValue.int(rows_kept)}


def unread_checks(status: str, metadata: dict, checks: tuple) -> list[tuple]:
    """Each check of an unread report, failed: (check, asset, passed, severity, metadata, description).
    `checks` pairs each check's name with its asset key and the count it reports as zero."""
    severity = dg.AssetCheckSeverity.ERROR if status == READ_FAILED else dg.AssetCheckSeverity.WARN
    why = f"Not checked: the report was not read this run ({status}): {metadata[REASON].value}"
    kept = metadata["rows_kept"].value
    if kept:
        why += f". The {kept} metric rows of its last good read are kept."
    return [(name, key, False, severity, {**metadata, counted: 0}, why) for name, key, counted in checks]


def last_read_failed(instance: dg.DagsterInstance, key: dg.AssetKey, partition: str) -> bool:
    """Whether the partition's latest materialisation records a report that could not be read."""
    from dagster._core.storage.event_log.base import AssetRecordsFilter  # lazily: it loads SQLAlchemy

    records = instance.fetch_materializations(AssetRecordsFilter(asset_key=key, asset_partitions=[partition]),
                                              limit=1).records
    status = records[0].asset_materialization.metadata.get(REPORT_STATUS) if records else None
    return getattr(status, "value", status) == READ_FAILED
