"""The subscribe-message templates a client may ask a user to accept (API.md §7).

`wx.requestSubscribeMessage` needs template ids, and a client should not hard-code
them: they differ per deployment (`WECHAT_TEMPLATE_<KIND>`). This lists every notice
kind that is sent as a WeChat message, with the id configured for it and a title the
client can show. Kinds with an empty template id are inbox-only and not listed.
"""

from __future__ import annotations

from server.notice_kinds import KINDS, NoticeKind
from services.notifications.shapes import Template, Templates

# What the user is told they subscribe to, per notice kind.
TITLES: dict[str, str] = {
    "meal_promoted": "订餐候补成功通知",
    "meal_cancelled": "订餐取消通知",
    "meeting_confirmed": "会议室预定成功通知",
    "meeting_approved": "会议室审批通过通知",
    "meeting_rejected": "会议室审批未通过通知",
    "meeting_released": "会议室预定释放通知",
    "meeting_reminder": "会议开始提醒",
    "repair_assigned": "报修已派单通知",
    "repair_started": "报修处理中通知",
    "repair_resolved": "报修已处理通知",
    "repair_reopened": "报修重新处理通知",
    "repair_closed": "报修已完结通知",
    "repair_cancelled": "报修已取消通知",
    "repair_escalated": "报修超时督办通知",
    "visitor_arrived": "访客到访通知",
    "gym_promoted": "健身课程候补成功通知",
    "library_hold_ready": "预约图书到馆通知",
    "library_hold_expired": "图书预约过期通知",
    "library_due_soon": "借阅到期提醒",
    "library_overdue": "借阅逾期提醒",
    "carwash_paid": "洗车卡购买成功通知",
    "carwash_washed": "洗车卡核销通知",
    "carwash_refunded": "洗车卡退款通知",
    "carwash_expiring": "洗车卡即将过期提醒",
    "carwash_expired": "洗车卡过期通知",
    "carwash_no_show": "洗车预约失效通知",
    "procurement_to_approve": "采购申请待审批通知",
    "procurement_status": "采购申请进度通知",
    "procurement_reminder": "采购审批超时提醒",
    "duty_called": "勤务站叫号通知",
    "duty_reminder": "勤务站预约提醒",
    "duty_needs_info": "勤务站补件通知",
    "duty_done": "勤务站办结通知",
    "duty_no_show": "勤务站过号通知",
}


def list_templates(*, kinds: dict[str, NoticeKind] | None = None) -> Templates:
    """Every kind with a template id, in the order of the kinds table."""
    table = KINDS if kinds is None else kinds
    items = [
        Template(
            kind=kind.kind, template_id=kind.template_id, title=TITLES.get(kind.kind, kind.kind)
        )
        for kind in table.values()
        if kind.template_id
    ]
    return Templates(items=items)
