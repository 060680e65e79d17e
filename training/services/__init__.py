"""Every write about trainings, enrolments and the JP ledger goes through here, by topic:

    seats         the training's row lock, the seat count, the waiting list moving into free
                  seats, and the emails those moves send after commit
    registration  self-registration and cancelling
    assignment    HR assigns people to a training
    attendance    attendance, completion and the yearly JP ledger (other activities too)
    trainings     a training saved, deleted or cancelled
    requests      registration that needs the supervisor's approval: asked, approved (through
                  registration), returned, withdrawn
    reminders     beat's reminders and the monthly JP digest
    summary       the monthly summary email to HR admins and supervisors

Scarce seats: every service that takes, frees or moves a seat first locks the training row
(SELECT ... FOR UPDATE), then re-counts the enrolments, then writes; the partial unique constraint
"one non-cancelled enrolment per (training, employee)" backs it up. Seats left and waitlist
positions are counted (training.selectors), never stored.

Emails leave through Celery tasks fired after commit (rumahbelajar.queue.queue_after_commit):
a rolled-back transaction sends nothing, and a broker that is down never fails the write.

Errors are the domain exceptions of training.rules, re-exported here (`services.TrainingError`),
as are the learning log's writes (training.activities). Callers use
`from training import services` and the names below.
"""

from training.activities import (
    CommentRequired,
    NoApprover,
    NotAllowedToDecide,
    NotPending,
    ReportError,
    ReportLocked,
    approve_report,
    return_report,
    save_report,
    withdraw_review,
)
from training.rules import (
    AlreadyEnrolled,
    AlreadyRequested,
    ApprovalRequired,
    CapacityExceeded,
    InvalidActivity,
    NoSupervisor,
    NotCancellable,
    NotEligible,
    NotRequestDecider,
    OutsideScope,
    OverbookingNotAllowed,
    ReasonRequired,
    RegistrationClosed,
    RequestNotPending,
    TrainingBusy,
    TrainingCancelled,
    TrainingEnded,
    TrainingError,
    TrainingFull,
    TrainingNotOpen,
    TrainingStarted,
    is_eligible,
    may_overbook,
)
from training.services.assignment import AssignmentReport, assign
from training.services.attendance import (
    AttendanceReport,
    complete,
    mark_attendance,
    record_activity,
)
from training.services.registration import cancel, register
from training.services.reminders import send_due_reminders, send_jp_digest
from training.services.requests import (
    approve_registration_request,
    may_decide_request,
    request_registration,
    return_registration_request,
    withdraw_registration_request,
)
from training.services.seats import EMAIL_TASK_CHUNK
from training.services.summary import send_monthly_summaries
from training.services.trainings import cancel_training, delete_trainings, save_training

__all__ = [
    "EMAIL_TASK_CHUNK",
    "AlreadyEnrolled",
    "AlreadyRequested",
    "ApprovalRequired",
    "AssignmentReport",
    "AttendanceReport",
    "CapacityExceeded",
    "CommentRequired",
    "InvalidActivity",
    "NoApprover",
    "NoSupervisor",
    "NotAllowedToDecide",
    "NotCancellable",
    "NotEligible",
    "NotPending",
    "NotRequestDecider",
    "OutsideScope",
    "OverbookingNotAllowed",
    "ReasonRequired",
    "RegistrationClosed",
    "ReportError",
    "ReportLocked",
    "RequestNotPending",
    "TrainingBusy",
    "TrainingCancelled",
    "TrainingEnded",
    "TrainingError",
    "TrainingFull",
    "TrainingNotOpen",
    "TrainingStarted",
    "approve_registration_request",
    "approve_report",
    "assign",
    "cancel",
    "cancel_training",
    "complete",
    "delete_trainings",
    "is_eligible",
    "mark_attendance",
    "may_decide_request",
    "may_overbook",
    "record_activity",
    "register",
    "request_registration",
    "return_registration_request",
    "return_report",
    "save_report",
    "save_training",
    "send_due_reminders",
    "send_jp_digest",
    "send_monthly_summaries",
    "withdraw_registration_request",
    "withdraw_review",
]
