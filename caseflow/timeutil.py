"""Time helpers: everything is stored in UTC and shown in Asia/Shanghai."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (tests travel in time by patching the clock)."""
    return datetime.now(UTC)


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(SHANGHAI)
