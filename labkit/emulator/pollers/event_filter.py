"""FilterCriteria of an event source mapping, matched against SQS records.

AWS Lambda Developer Guide, "Control which events Lambda sends to your function" (event
filtering): up to 5 filters, a record is sent when it matches ANY filter; patterns use the
EventBridge pattern syntax against the record, where `body` is matched as JSON when the
message body is valid JSON. "For Amazon SQS, Lambda deletes messages that don't match
the filter criteria" (they are not returned to the queue).
"""
from __future__ import annotations

import json
from typing import Any


class RecordFilter:
    def __init__(self, filter_criteria: dict[str, Any] | None):
        from moto.events.models import EventPattern

        filters = (filter_criteria or {}).get("Filters") or []
        self.patterns = [EventPattern.load(f["Pattern"]) for f in filters if f.get("Pattern")]

    def matches(self, record: dict[str, Any]) -> bool:
        if not self.patterns:
            return True
        subject = dict(record)
        try:
            subject["body"] = json.loads(record["body"])
        except (ValueError, TypeError):
            pass  # a plain-text body is matched as a string
        return any(p.matches_event(subject) for p in self.patterns)
