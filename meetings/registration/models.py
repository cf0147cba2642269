"""The organiser's own questions on a meeting's registration form, and the answers given."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.events.models import Meeting
from meetings.extensions import db
from meetings.participants.models import Participant

QUESTION_KINDS = ("short_text", "long_text", "single_choice", "multi_choice", "yes_no")
CHOICE_KINDS = ("single_choice", "multi_choice")


class RegistrationQuestion(db.Model):
    __tablename__ = "registration_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="short_text")
    # One choice per line, in the order shown.
    choices: Mapped[str | None] = mapped_column(Text)
    required: Mapped[bool] = mapped_column(default=False)

    meeting: Mapped[Meeting] = relationship()

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in (self.choices or "").splitlines() if line.strip()]


class RegistrationAnswer(db.Model):
    __tablename__ = "registration_answers"
    __table_args__ = (UniqueConstraint("participant_id", "question_id", name="uq_registration_answers_person_question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("registration_questions.id", ondelete="CASCADE"), index=True)
    # Several choices are kept one per line, like the question's choices.
    value: Mapped[str] = mapped_column(Text, default="")

    participant: Mapped[Participant] = relationship()
    question: Mapped[RegistrationQuestion] = relationship()
