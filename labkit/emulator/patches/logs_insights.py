"""CloudWatch Logs Insights: StartQuery / GetQueryResults / StopQuery run the query language.

moto's Insights knows fields, sort and limit only (it ignores filter and stats, returns every
event, fills no statistics) and has no StopQuery. This patch runs queries with labkit's
executor (labkit/emulator/logs_insights.py) in the background, so a query goes Scheduled ->
Running -> Complete as on AWS, with recordsMatched / recordsScanned / bytesScanned.
"""
from __future__ import annotations

import json
import threading
import time

from labkit.emulator.logs_insights import discover, format_value, run
from labkit.emulator.logs_insights_syntax import QueryError, Timestamp

NAME = "logs_insights"
AWS_BEHAVIOUR = (
    "StartQuery: 'Starts a query of one or more log groups using CloudWatch Logs Insights. You "
    "specify the log groups and time range to query and the query string to use.' "
    "GetQueryResults: 'Returns the results from the specified query. ... GetQueryResults "
    "does not start running a query' ; status 'Scheduled | Running | Complete | Failed | "
    "Cancelled | Timeout | Unknown'; statistics recordsMatched, recordsScanned, bytesScanned. "
    "StopQuery: 'Stops a CloudWatch Logs Insights query that is in progress.' (CloudWatch "
    "Logs API Reference). Commands fields, filter, stats, sort, limit, parse, display and "
    "discovered fields (CloudWatch Logs User Guide, 'CloudWatch Logs Insights query syntax', "
    "'Supported logs and discovered fields')."
)


def _malformed(message: str):
    from moto.logs.exceptions import LogsClientError

    class MalformedQueryException(LogsClientError):
        def __init__(self):
            super().__init__("MalformedQueryException", message)

    return MalformedQueryException()


class InsightsQuery:
    """One query: what moto's LogQuery offered (to_json, to_result_json) plus a real run."""

    def __init__(self, query_id, start_time, end_time, query, log_groups, limit, account):
        self.query_id, self.query, self.limit = query_id, query, limit
        self.start_ms, self.end_ms = start_time * 1000, (end_time + 1) * 1000  # end inclusive
        self.groups, self.account = log_groups, account
        self.log_group_names = [g.name for g in log_groups]
        self.create_time = int(time.time() * 1000)
        self.status, self.rows = "Scheduled", []
        self.statistics = {"recordsMatched": 0.0, "recordsScanned": 0.0, "bytesScanned": 0.0}

    def records(self) -> list[dict]:
        out = []
        for group in self.groups:
            for stream in list(group.streams.values()):
                for event in list(stream.events):
                    if not self.start_ms <= event.timestamp < self.end_ms:
                        continue
                    out.append({"@timestamp": Timestamp(event.timestamp),
                                "@message": event.message, "@logStream": stream.log_stream_name,
                                "@log": f"{self.account}:{group.name}",
                                "@ingestionTime": Timestamp(event.ingestion_time),
                                "@ptr": f"{group.name}:{stream.log_stream_name}:{event.event_id}",
                                **discover(event.message)})
        return out

    def execute(self) -> None:
        if self.status != "Scheduled":
            return                                   # stopped before it started
        self.status = "Running"
        try:
            records = self.records()
            rows, matched = run(self.query, records, self.limit)
        except Exception:
            self.status = "Failed"
            return
        if self.status != "Running":
            return                                   # StopQuery while running
        self.rows = rows
        self.statistics = {"recordsMatched": float(matched), "recordsScanned": float(len(records)),
                           "bytesScanned": float(sum(len(r["@message"].encode()) for r in records))}
        self.status = "Complete"

    def to_json(self, log_group_name: str) -> dict:
        return {"queryId": self.query_id, "queryString": self.query, "status": self.status,
                "createTime": self.create_time, "logGroupName": log_group_name}

    def to_result_json(self) -> dict:
        return {"results": [[{"field": k, "value": format_value(v)} for k, v in row.items()]
                            for row in self.rows],
                "statistics": self.statistics, "status": self.status}


def apply(ctx) -> None:
    from moto.logs.exceptions import ResourceNotFoundException
    from moto.logs.models import LogsBackend
    from moto.logs.responses import LogsResponse
    from moto.moto_api._internal import mock_random

    def start_query(self, log_group_names, start_time, end_time, query_string, limit=None):
        for name in log_group_names:
            if name not in self.groups:
                raise ResourceNotFoundException()
        try:
            run(query_string, [], limit)              # syntax errors answer StartQuery itself
        except (QueryError, ValueError) as exc:
            raise _malformed(str(exc)) from None
        query_id = str(mock_random.uuid4())
        query = InsightsQuery(query_id, start_time, end_time, query_string,
                              [self.groups[n] for n in log_group_names], limit, self.account_id)
        self.queries[query_id] = query
        threading.Thread(target=query.execute, name=f"insights-{query_id[:8]}",
                         daemon=True).start()
        return query_id

    def start_query_response(self) -> str:
        names = (self._get_param("logGroupNames") or self._get_param("logGroupIdentifiers")
                 or ([self._get_param("logGroupName")] if self._get_param("logGroupName") else []))
        names = [n.split(":log-group:")[-1].removesuffix(":*") for n in names]  # ARNs too
        query_id = self.logs_backend.start_query(
            names, self._get_int_param("startTime"), self._get_int_param("endTime"),
            self._get_param("queryString"), self._get_int_param("limit"))
        return json.dumps({"queryId": query_id})

    def stop_query(self) -> str:
        query = self.logs_backend.queries.get(self._get_param("queryId"))
        if query is None:
            raise ResourceNotFoundException("The specified query does not exist.")
        stopped = query.status in ("Scheduled", "Running")
        if stopped:
            query.status = "Cancelled"
        return json.dumps({"success": stopped})

    def get_query_results(self, query_id):
        if query_id not in self.queries:
            raise ResourceNotFoundException("The specified query does not exist.")
        return self.queries[query_id]

    LogsBackend.start_query = start_query
    LogsBackend.get_query_results = get_query_results
    LogsResponse.start_query = start_query_response
    LogsResponse.stop_query = stop_query
