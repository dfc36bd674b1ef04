import json

from archive.record import Citation, Copy, FieldSource, Record, Signing, Source


def test_record_survives_a_json_round_trip():
    record = Record(
        ref="49-BS/QU", recipients=("Thường trực Quận ủy",),
        copies=(Copy(ref="49-BS/QU", kind="sao lục", date="2022-01-20"),),
        citations=(Citation(ref="18/CĐ-UBND", printed="18/CD-UBND", candidates=("a", "b")),),
        source=Source(sha256="0" * 64, pages=2, ocr=True, page_confidence=(91.5, None),
                      signature=Signing(signed_by="Nguyễn Văn A", organisation="Văn phòng",
                                        time="2025-01-24T09:15:02+07:00")),
        needs_review=("number", "date"),
        fields={"number": FieldSource(confidence=41.0, page=1, box=(120, 340, 210, 372))},
    )
    assert Record.from_dict(json.loads(json.dumps(record.to_dict()))) == record


def test_unknown_keys_from_older_files_are_ignored():
    assert Record.from_dict({"ref": "1/CV", "retired_field": 1}).ref == "1/CV"
