"""Visitor passes (访客接待) and the gate (API.md §6): what the handlers and jobs call.

A host invites a visitor for a window of at most 7 days; the visitor shows a QR code
carrying a random token; a guard scans it and the pass admits at most `max_entries`
people. Decisions that shape this domain:

- The token is 192 random bits (`secrets.token_urlsafe(24)`), never derived from ids.
  The gate finds a pass by the token's SHA-256 only. The host must be able to show
  the QR again, so the token is also kept sealed (server.sealing, a key derived from
  SECRET_KEY): a database dump alone yields no usable pass. The token (and its
  QR) is handed out only while the pass can still admit someone; the seal is erased
  when the pass is anonymised.
- The gate's entry is one conditional UPDATE: concurrent scans never exceed
  `max_entries` (gate.py).
- Entry rows hold no personal data; anonymising a pass (VISITOR_RETENTION_DAYS after
  its window ends) anonymises the log too and keeps every entry count.

invitations.py (the host's passes: invite, list, show, QR, revoke), gate.py (scan, the
entry log), jobs.py (expiry, anonymisation), rules.py (input rules, a pass's status),
tokens.py (the token, its seal, its QR), shapes.py (the typed answers, masking).
"""

from services.visitors.gate import admit, entered, entry_log, find_passes, verify
from services.visitors.invitations import (
    create_pass,
    get_pass,
    invited,
    list_passes,
    pass_qr,
    revoke_pass,
)
from services.visitors.jobs import anonymise_passes, expire_passes
from services.visitors.rules import effective_status, refusal
from services.visitors.shapes import (
    AdmittedPass,
    DayLog,
    EntryRecord,
    GatePass,
    GatePassPage,
    GateTotal,
    LogLine,
    PassInfo,
    PassPage,
    PersonRef,
    Verdict,
)
from services.visitors.tokens import token_hash, unseal_token

__all__ = [
    "AdmittedPass",
    "DayLog",
    "EntryRecord",
    "GatePass",
    "GatePassPage",
    "GateTotal",
    "LogLine",
    "PassInfo",
    "PassPage",
    "PersonRef",
    "Verdict",
    "admit",
    "anonymise_passes",
    "create_pass",
    "effective_status",
    "entered",
    "entry_log",
    "expire_passes",
    "find_passes",
    "get_pass",
    "invited",
    "list_passes",
    "pass_qr",
    "refusal",
    "revoke_pass",
    "token_hash",
    "unseal_token",
    "verify",
]
