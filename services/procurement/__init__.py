"""Purchase requests and approval (API.md §12), by concern:

- rules: the state table (TRANSITIONS) and who plays which part on a request
- requests: submit, read, list, act on a request; attachment visibility
- resubmit: a rejected request edited and sent back for a new round of approval
- reminders: steps waiting over two working days (jobs/procurement.py)
- report: monthly spend by department and category, JSON or xlsx
- demo: seed-demo data
"""

from __future__ import annotations

from services.procurement.reminders import remind, working_time
from services.procurement.report import XLSX, monthly, monthly_xlsx
from services.procurement.requests import (
    act,
    attachment,
    get,
    list_requests,
    submit,
    submitted,
)
from services.procurement.resubmit import resubmit, resubmitted
from services.procurement.rules import ACTIONS, STAGE_OF, TRANSITIONS, wire_stage
from services.procurement.shapes import RequestPage, RequestView, SpendReport

__all__ = [
    "ACTIONS",
    "STAGE_OF",
    "TRANSITIONS",
    "XLSX",
    "RequestPage",
    "RequestView",
    "SpendReport",
    "act",
    "attachment",
    "get",
    "list_requests",
    "monthly",
    "monthly_xlsx",
    "remind",
    "resubmit",
    "resubmitted",
    "submit",
    "submitted",
    "wire_stage",
    "working_time",
]
