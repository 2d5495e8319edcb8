"""Meeting-room jobs: no-show release, reminders, expired approvals, completion."""

from __future__ import annotations

from jobs import Job
from services.meetings import jobs as meetings_jobs

JOBS: list[Job] = [
    Job("meetings_release_no_shows", meetings_jobs.release_no_shows, every_s=60),
    Job("meetings_reminders", meetings_jobs.send_reminders, every_s=60),
    Job("meetings_expire_pending", meetings_jobs.expire_pending, every_s=60),
    Job("meetings_complete", meetings_jobs.complete_ended, every_s=300),
]
