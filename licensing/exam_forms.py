"""The officer's exam-result forms on the review page (licensing.exams): a theory score, or a
practical pass/fail with the examiner's notes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.forms import NOTE_MAX_LENGTH
from korlantas.forms import PortalFormMixin
from licensing.exams import MAX_SCORE, MIN_SCORE, PRACTICAL, THEORY


class TheoryResultForm(PortalFormMixin, forms.Form):
    exam = THEORY

    score = forms.IntegerField(
        label=_("Score"),
        min_value=MIN_SCORE,
        max_value=MAX_SCORE,
        help_text=_("A whole number from 0 to 100; 70 or more passes."),
        error_messages={
            "required": _("Enter the score."),
            "invalid": _("The score is a whole number from 0 to 100."),
            "min_value": _("The score is a whole number from 0 to 100."),
            "max_value": _("The score is a whole number from 0 to 100."),
        },
    )

    def result(self) -> dict[str, Any]:
        """The keyword arguments of ``exams.exam_result_record`` beyond the booking and officer."""
        return {"exam": THEORY, "score": self.cleaned_data["score"]}


class PracticalResultForm(PortalFormMixin, forms.Form):
    exam = PRACTICAL

    result_choice = forms.TypedChoiceField(
        label=_("Result"),
        choices=[("pass", _("Pass")), ("fail", _("Fail"))],
        coerce=lambda value: value == "pass",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose pass or fail.")},
    )
    notes = forms.CharField(
        label=_("Examiner's notes"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def result(self) -> dict[str, Any]:
        return {
            "exam": PRACTICAL,
            "passed": self.cleaned_data["result_choice"],
            "notes": self.cleaned_data["notes"],
        }


ExamResultForm = TheoryResultForm | PracticalResultForm


def exam_result_form(exam: str, data: Any = None) -> ExamResultForm:
    """The form for ``exam``, its ids prefixed so it sits beside the page's other forms."""
    if exam == THEORY:
        return TheoryResultForm(data, auto_id="id_exam_%s")
    return PracticalResultForm(data, auto_id="id_exam_%s")
