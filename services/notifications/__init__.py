"""Notifications (API.md §7): the in-app inbox (an outbox towards WeChat) and delivery.

inbox.py (`notify`, the one way every service tells a user something; the inbox
endpoints; subscription credits), delivery.py (the stream consumer, retries, dead
letters, the relay), templates.py (the subscribe-message templates the mini-program
asks for).
"""

from services.notifications.delivery import consume_forever, deliver_pending
from services.notifications.inbox import (
    STREAM,
    add_credits,
    credits_of,
    enqueue,
    list_notices,
    mark_all_read,
    mark_read,
    notify,
    notify_claimed,
    notify_each,
    take_credit,
)
from services.notifications.shapes import (
    Credits,
    Notice,
    NoticePage,
    ReadAll,
    Template,
    Templates,
)
from services.notifications.templates import list_templates

__all__ = [
    "STREAM",
    "Credits",
    "Notice",
    "NoticePage",
    "ReadAll",
    "Template",
    "Templates",
    "add_credits",
    "consume_forever",
    "credits_of",
    "deliver_pending",
    "enqueue",
    "list_notices",
    "list_templates",
    "mark_all_read",
    "mark_read",
    "notify",
    "notify_claimed",
    "notify_each",
    "take_credit",
]
