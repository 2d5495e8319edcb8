"""Every notice kind, its WeChat subscribe-message template and field mapping: one table.

Services name a kind when they call `notify()`; nothing else about WeChat templates
lives in services. `fields` maps the template's field names (as registered in the
mini-program console) to keys of the notice: `title`, `body`, or a key of the
`template_data` given to notify(). Template ids can be overridden per deployment with
`WECHAT_TEMPLATE_<KIND>` (e.g. WECHAT_TEMPLATE_MEAL_PROMOTED); a kind whose template
id is empty is inbox-only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class NoticeKind:
    kind: str
    template_id: str
    fields: dict[str, str]
    page: str  # the mini-program page, "/pages/..." like every notice link


def _kind(kind: str, template_id: str, fields: dict[str, str], page: str) -> NoticeKind:
    override = os.environ.get(f"WECHAT_TEMPLATE_{kind.upper()}")
    return NoticeKind(kind, override if override is not None else template_id, fields, page)


_STATUS = {"thing1": "title", "thing2": "body"}

KINDS: dict[str, NoticeKind] = {
    k.kind: k
    for k in [
        # meals
        _kind(
            "meal_promoted",
            "TPL_MEAL_ORDER_STATUS",
            {**_STATUS, "time3": "slot_time"},
            "/pages/meals/order",
        ),
        _kind("meal_cancelled", "TPL_MEAL_ORDER_STATUS", _STATUS, "/pages/meals/order"),
        _kind("meal_prep_summary", "", _STATUS, "/pages/canteen/summary"),
        # meeting rooms
        _kind(
            "meeting_confirmed",
            "TPL_MEETING_STATUS",
            {**_STATUS, "time3": "start"},
            "/pages/meetings/booking",
        ),
        _kind(
            "meeting_approved",
            "TPL_MEETING_STATUS",
            {**_STATUS, "time3": "start"},
            "/pages/meetings/booking",
        ),
        _kind(
            "meeting_rejected",
            "TPL_MEETING_STATUS",
            {**_STATUS, "time3": "start"},
            "/pages/meetings/booking",
        ),
        _kind(
            "meeting_released",
            "TPL_MEETING_STATUS",
            {**_STATUS, "time3": "start"},
            "/pages/meetings/booking",
        ),
        _kind(
            "meeting_reminder",
            "TPL_MEETING_REMINDER",
            {**_STATUS, "time3": "start"},
            "/pages/meetings/booking",
        ),
        _kind("meeting_pending", "", _STATUS, "/pages/admin/approvals"),
        # repair tickets
        _kind("repair_assigned", "TPL_REPAIR_STATUS", _STATUS, "/pages/repairs/ticket"),
        _kind("repair_started", "TPL_REPAIR_STATUS", _STATUS, "/pages/repairs/ticket"),
        _kind("repair_resolved", "TPL_REPAIR_STATUS", _STATUS, "/pages/repairs/ticket"),
        _kind("repair_reopened", "TPL_REPAIR_STATUS", _STATUS, "/pages/repairs/ticket"),
        _kind("repair_closed", "TPL_REPAIR_STATUS", _STATUS, "/pages/repairs/ticket"),
        _kind("repair_cancelled", "TPL_REPAIR_STATUS", _STATUS, "/pages/repairs/ticket"),
        _kind("repair_rated", "", _STATUS, "/pages/repairs/ticket"),
        _kind("repair_escalated", "TPL_REPAIR_STATUS", _STATUS, "/pages/repairs/ticket"),
        _kind("repair_new", "", _STATUS, "/pages/repairs/ticket"),
        # visitors
        _kind(
            "visitor_arrived",
            "TPL_VISITOR_ARRIVED",
            {**_STATUS, "time3": "arrived_at"},
            "/pages/visitors/pass",
        ),
        # gym alliance
        _kind(
            "gym_promoted",
            "TPL_GYM_BOOKING_STATUS",
            {**_STATUS, "time3": "start"},
            "/pages/gym/booking",
        ),
        # service-quality assessment
        _kind("rectification_opened", "", _STATUS, "/pages/assessment/rectification"),
        _kind("rectification_submitted", "", _STATUS, "/pages/assessment/rectification"),
        _kind("rectification_verified", "", _STATUS, "/pages/assessment/rectification"),
        _kind("rectification_rejected", "", _STATUS, "/pages/assessment/rectification"),
        _kind("rectification_overdue", "", _STATUS, "/pages/assessment/rectification"),
        # library
        _kind(
            "library_hold_ready",
            "TPL_LIBRARY_STATUS",
            {**_STATUS, "time3": "ready_until"},
            "/pages/library/holds",
        ),
        _kind("library_hold_expired", "TPL_LIBRARY_STATUS", _STATUS, "/pages/library/holds"),
        _kind(
            "library_due_soon",
            "TPL_LIBRARY_DUE",
            {**_STATUS, "time3": "due_at"},
            "/pages/library/loans",
        ),
        _kind(
            "library_overdue",
            "TPL_LIBRARY_DUE",
            {**_STATUS, "time3": "due_at"},
            "/pages/library/loans",
        ),
        # car wash
        _kind("carwash_paid", "TPL_CARWASH_STATUS", _STATUS, "/pages/carwash/card"),
        _kind("carwash_washed", "TPL_CARWASH_STATUS", _STATUS, "/pages/carwash/card"),
        _kind("carwash_refunded", "TPL_CARWASH_STATUS", _STATUS, "/pages/carwash/card"),
        _kind(
            "carwash_expiring",
            "TPL_CARWASH_EXPIRING",
            {**_STATUS, "time3": "expires_at"},
            "/pages/carwash/card",
        ),
        _kind("carwash_expired", "TPL_CARWASH_STATUS", _STATUS, "/pages/carwash/card"),
        _kind("carwash_no_show", "TPL_CARWASH_STATUS", _STATUS, "/pages/carwash/bookings"),
        # purchase requests
        _kind(
            "procurement_to_approve", "TPL_PROCUREMENT_TODO", _STATUS, "/pages/procurement/request"
        ),
        _kind(
            "procurement_status", "TPL_PROCUREMENT_STATUS", _STATUS, "/pages/procurement/request"
        ),
        _kind(
            "procurement_reminder", "TPL_PROCUREMENT_TODO", _STATUS, "/pages/procurement/request"
        ),
        # duty station
        _kind(
            "duty_called",
            "TPL_DUTY_CALL",
            {"character_string1": "ticket_no", "number2": "counter", "thing3": "body"},
            "/duty/appointments",
        ),
        _kind(
            "duty_reminder",
            "TPL_DUTY_STATUS",
            {**_STATUS, "time3": "start"},
            "/duty/appointments",
        ),
        _kind("duty_needs_info", "TPL_DUTY_STATUS", _STATUS, "/duty/appointments"),
        _kind("duty_done", "TPL_DUTY_STATUS", _STATUS, "/duty/appointments"),
        _kind("duty_no_show", "TPL_DUTY_STATUS", _STATUS, "/duty/appointments"),
        # general
        _kind("system", "", _STATUS, "/pages/index/index"),
    ]
}
