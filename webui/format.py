"""How values read in Vietnamese: dates as 11/08/2021, type names, relations, sizes."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from archive.doctypes import TYPE_NAMES

from .querytext import term

__all__ = ["vn_date", "vn_time", "time_zone", "type_name", "FIELD_LABELS", "STATE_LABELS", "register"]

_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")

FIELD_LABELS = {
    "ref": "Số, ký hiệu", "number": "Số", "symbol": "Ký hiệu", "doc_type": "Loại (viết tắt)",
    "doc_type_name": "Loại văn bản", "issuer": "Cơ quan ban hành",
    "parent_issuer": "Cơ quan cấp trên", "place": "Địa danh", "date": "Ngày ban hành",
    "subject": "Trích yếu", "signer": "Người ký", "signer_title": "Chức vụ người ký",
    "recipients": "Nơi nhận", "copies": "Bản sao", "citations": "Văn bản được trích dẫn",
}
STATE_LABELS = {"queued": "đang chờ", "reading": "đang đọc", "stored": "đã lưu",
                "duplicate": "đã có trong kho", "failed": "lỗi"}
STATUS_LABELS = {"linked": "đã liên kết", "ambiguous": "chưa rõ (nhiều văn bản cùng số)",
                 "unresolved": "chưa có trong kho"}


def vn_date(value: str | None) -> str:
    """``2021-08-11`` → ``11/08/2021``; other text unchanged; None → ``không rõ``.

    >>> vn_date("2021-08-11"), vn_date(None)
    ('11/08/2021', 'không rõ')
    """
    if not value:
        return "không rõ"
    m = _ISO_DAY.match(value)
    return f"{m.group(3)}/{m.group(2)}/{m.group(1)}" if m else value


def time_zone(name: str) -> dt.tzinfo:
    """The named zone; Vietnam's fixed UTC+7 where the system has no zone data."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.timezone(dt.timedelta(hours=7))


def vn_time(value: str | None, zone: dt.tzinfo = dt.timezone(dt.timedelta(hours=7))) -> str:
    """A UTC ISO timestamp as local ``11/08/2021 14:05``.

    >>> vn_time("2021-08-11T07:05:00+00:00")
    '11/08/2021 14:05'
    """
    if not value:
        return "không rõ"
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(zone).strftime("%d/%m/%Y %H:%M")


def type_name(code: str | None) -> str:
    """``CV`` → ``Công văn``; an unknown code is shown as it is.

    >>> type_name("CV"), type_name("Điện")
    ('Công văn', 'Điện')
    """
    return TYPE_NAMES.get(code or "", code or "")


def register(app, zone: str) -> None:
    """Install the filters and labels in the app's Jinja environment."""
    tz = time_zone(zone)
    app.jinja_env.filters.update(vn_date=vn_date, type_name=type_name,
                                 vn_time=lambda v: vn_time(v, tz))
    app.jinja_env.globals.update(FIELD_LABELS=FIELD_LABELS, STATE_LABELS=STATE_LABELS,
                                 STATUS_LABELS=STATUS_LABELS, query_term=term)
