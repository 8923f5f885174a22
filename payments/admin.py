"""Money in the admin.

* **Fee schedules** are entered here, ahead of their start. The add page has one amount per
  fee code of ``payments.fees.FEES`` (so every code appears exactly once), grouped as the
  public fee page groups them, and is pre-filled from the schedule in force — or from any
  schedule, with the action "Copy into a new schedule" or the link on a schedule's page. The
  writes go through ``payments.fee_services`` (checked and audited there). A schedule in force
  or past, or one a bill references, is history: it is shown read-only, with its fees inline,
  and can be neither changed nor deleted. A future schedule can still be changed or withdrawn.
* **Bills, payments, refunds and gateway events** are to read: they change only through the
  payments services. A refund's account number is never shown (its last four digits are).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import BooleanField, Case, Count, IntegerField, QuerySet, Subquery, Value, When
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from payments import fee_services
from payments.fees import FEES, GROUPS
from payments.models import Bill, BillLine, Fee, FeeSchedule, GatewayEvent, Payment, Refund
from payments.schedule import NoScheduleInForce, jakarta_date, schedule_in_force
from payments.templatetags.rupiah import format_rupiah
from payments.views_public import province_names, schedule_tables

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldsetSpec

FEE_FIELD_PREFIX = "fee_"
MAX_AMOUNT = fee_services.MAX_AMOUNT


def fee_field_name(code: str) -> str:
    return f"{FEE_FIELD_PREFIX}{code}"


def _fee_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for code, definition in FEES.items():
        help_parts = [code]
        if definition.unit:
            help_parts.append(str(definition.unit))
        if definition.inferred:
            help_parts.append(str(_("inferred, not read in the regulation")))
        fields[fee_field_name(code)] = forms.IntegerField(
            label=cast(str, definition.label),  # lazy: translated when the form is shown
            min_value=1,
            max_value=MAX_AMOUNT,
            help_text=" · ".join(help_parts),
            widget=forms.NumberInput(attrs={"step": 1, "min": 1, "class": "vIntegerField"}),
        )
    return fields


class FeeScheduleFormBase(forms.ModelForm):
    """The schedule's own fields plus one amount per fee code (added below, one field each)."""

    copied_from = forms.ModelChoiceField(
        queryset=FeeSchedule.objects.all(), required=False, widget=forms.HiddenInput
    )

    class Meta:
        model = FeeSchedule
        fields = ("name", "effective_from", "legal_basis")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            for code, amount in self.instance.fees.values_list("code", "amount"):
                self.initial.setdefault(fee_field_name(code), amount)

    def amounts(self) -> dict[str, int]:
        return {
            code: self.cleaned_data[fee_field_name(code)]
            for code in FEES
            if self.cleaned_data.get(fee_field_name(code)) is not None
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        problems = fee_services.fee_schedule_problems(
            name=cleaned.get("name") or "",
            effective_from=cleaned.get("effective_from"),
            amounts=self.amounts(),
            schedule=self.instance if self.instance.pk is not None else None,
        )
        fee_errors = any(fee_field_name(code) in self.errors for code in FEES)
        for key, found in problems.items():
            target: str | None
            if key == fee_services.NAME:
                target = "name"
            elif key == fee_services.EFFECTIVE_FROM:
                target = "effective_from"
            elif key in FEES:
                target = fee_field_name(key)
            else:
                # Missing codes are the empty fields already marked as required.
                if fee_errors:
                    continue
                target = None
            if target is not None and target in self.errors:
                continue
            self.add_error(target, found)
        return cleaned


FeeScheduleForm: type[FeeScheduleFormBase] = type(
    "FeeScheduleForm", (FeeScheduleFormBase,), {"__module__": __name__, **_fee_fields()}
)


def fee_fieldsets(province_names: Mapping[str, str]) -> _FieldsetSpec:
    """One fieldset per group of fees, laid out as on the public page (SIM: new and renewal
    side by side; vehicle documents: 2/3-wheel and 4+-wheel; postage with its provinces)."""
    fieldsets: list[Any] = []
    for table in schedule_tables({}, province_names):
        rows = [tuple(fee_field_name(cell.code) for cell in row.cells) for row in table.rows]
        options: dict[str, Any] = {"fields": [row[0] if len(row) == 1 else row for row in rows]}
        if table.group == "postage":
            options["description"] = format_html(
                "<p>{}</p><ul>{}</ul>",
                _("A flat rate per delivery, by the province of the delivery address:"),
                format_html_join(
                    "", "<li>{}: {}</li>", ((row.label, ", ".join(row.places)) for row in table.rows)
                ),
            )
        fieldsets.append((table.title, options))
    return fieldsets


class FeeInline(admin.TabularInline):
    """The amounts of a schedule that is history: to read."""

    model = Fee
    fields = ("group", "fee", "code", "amount_rupiah")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Fee]:
        position = Case(
            *(When(code=code, then=Value(index)) for index, code in enumerate(FEES)),
            default=Value(len(FEES)),
            output_field=IntegerField(),
        )
        return super().get_queryset(request).order_by(position, "code")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("group"))
    def group(self, fee: Fee) -> str:
        definition = FEES.get(fee.code)
        return str(GROUPS.get(definition.group, definition.group)) if definition else "—"

    @admin.display(description=_("fee"))
    def fee(self, fee: Fee) -> str:
        definition = FEES.get(fee.code)
        return str(definition.label) if definition else fee.code

    @admin.display(description=_("amount"))
    def amount_rupiah(self, fee: Fee) -> str:
        return format_rupiah(fee.amount)


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    form = FeeScheduleForm
    list_display = ("name", "effective_from", "state", "legal_basis", "bill_count")
    ordering = ("-effective_from",)
    actions = ["copy_into_new_schedule"]
    general_fields = ("name", "effective_from", "legal_basis")

    # --- the list

    def get_queryset(self, request: HttpRequest) -> QuerySet[FeeSchedule]:
        in_force = FeeSchedule.objects.filter(effective_from__lte=jakarta_date()).order_by("-effective_from")
        return (
            super()
            .get_queryset(request)
            .annotate(
                bill_count=Count("bills"),
                in_force=Case(
                    When(pk=Subquery(in_force.values("pk")[:1]), then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                ),
            )
        )

    @admin.display(description=_("state"))
    def state(self, schedule: FeeSchedule) -> str:
        if getattr(schedule, "in_force", False):
            return str(_("In force"))
        if schedule.effective_from > jakarta_date():
            return str(_("Upcoming"))
        return str(_("Past"))

    @admin.display(description=_("bills"))
    def bill_count(self, schedule: FeeSchedule) -> int:
        return int(getattr(schedule, "bill_count", 0))

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        found = super().get_actions(request)
        # Withdrawing a future schedule is one at a time, through its page.
        found.pop("delete_selected", None)
        return found

    @admin.action(description=_("Copy into a new schedule starting on…"))
    def copy_into_new_schedule(
        self, request: HttpRequest, queryset: QuerySet[FeeSchedule]
    ) -> HttpResponse | None:
        chosen = list(queryset.values_list("pk", flat=True)[:2])
        if len(chosen) != 1:
            self.message_user(request, _("Choose exactly one schedule to copy."), messages.WARNING)
            return None
        return HttpResponseRedirect(f"{reverse('admin:payments_feeschedule_add')}?copy_from={chosen[0]}")

    # --- what can be done to one schedule

    def locked_reason(self, request: HttpRequest, obj: FeeSchedule | None) -> str | None:
        if obj is None or obj.pk is None:
            return None
        cache: dict[int, str | None] = request.__dict__.setdefault("_fee_schedule_locks", {})
        if obj.pk not in cache:
            cache[obj.pk] = fee_services.fee_schedule_locked_reason(obj)
        return cache[obj.pk]

    def has_change_permission(self, request: HttpRequest, obj: FeeSchedule | None = None) -> bool:
        return super().has_change_permission(request, obj) and self.locked_reason(request, obj) is None

    def has_delete_permission(self, request: HttpRequest, obj: FeeSchedule | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self.locked_reason(request, obj) is None

    def get_inlines(
        self, request: HttpRequest, obj: FeeSchedule | None
    ) -> list[type[admin.options.InlineModelAdmin]]:
        return [FeeInline] if self.locked_reason(request, obj) is not None else []

    def get_readonly_fields(self, request: HttpRequest, obj: FeeSchedule | None = None) -> tuple[str, ...]:
        if self.locked_reason(request, obj) is not None:
            return (*self.general_fields, "created_at", "history_note", "copy_link")
        return ("copy_link",) if obj is not None else ()

    def get_fieldsets(self, request: HttpRequest, obj: FeeSchedule | None = None) -> _FieldsetSpec:
        if self.locked_reason(request, obj) is not None:
            return [(None, {"fields": (*self.general_fields, "created_at", "history_note", "copy_link")})]
        general: tuple[str, ...] = (*self.general_fields, "copied_from")
        if obj is not None:
            general = (*general, "copy_link")
        return [(None, {"fields": general}), *fee_fieldsets(province_names())]

    @admin.display(description=_("changes"))
    def history_note(self, schedule: FeeSchedule) -> str:
        return fee_services.fee_schedule_locked_reason(schedule) or ""

    @admin.display(description=_("new schedule"))
    def copy_link(self, schedule: FeeSchedule) -> SafeString:
        url = f"{reverse('admin:payments_feeschedule_add')}?copy_from={schedule.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Start a new schedule from these amounts"))

    # --- the add page: pre-filled from the schedule in force, or the one asked for

    def _source(self, request: HttpRequest) -> FeeSchedule | None:
        wanted = request.GET.get("copy_from", "")
        if wanted.isdigit():
            return FeeSchedule.objects.filter(pk=int(wanted)).first()
        try:
            return schedule_in_force(jakarta_date())
        except NoScheduleInForce:
            return None

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        source = self._source(request)
        if source is not None:
            initial["copied_from"] = source.pk
            for code, amount in source.fees.values_list("code", "amount"):
                initial[fee_field_name(code)] = amount
        return initial

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        if request.method == "GET":
            source = self._source(request)
            if source is not None:
                extra_context["subtitle"] = _(
                    "Amounts pre-filled from %(name)s (in force from %(date)s). Change what the new "
                    "regulation changes, and choose its first day (after today)."
                ) % {"name": source.name, "date": date_format(source.effective_from, "j M Y")}
        return super().add_view(request, form_url, extra_context)

    # --- writes go through the services

    def save_model(
        self, request: HttpRequest, obj: FeeSchedule, form: ModelForm[FeeSchedule], change: bool
    ) -> None:
        if not isinstance(form, FeeScheduleFormBase):
            raise TypeError("fee schedules are saved through FeeScheduleForm")
        data = form.cleaned_data
        if change:
            saved = fee_services.fee_schedule_update(
                schedule_id=obj.pk,
                name=data["name"],
                effective_from=data["effective_from"],
                legal_basis=data.get("legal_basis") or "",
                amounts=form.amounts(),
                updated_by=request.user,
            )
        else:
            saved = fee_services.fee_schedule_create(
                name=data["name"],
                effective_from=data["effective_from"],
                legal_basis=data.get("legal_basis") or "",
                amounts=form.amounts(),
                created_by=request.user,
                copied_from=data.get("copied_from"),
            )
        obj.pk = saved.pk
        obj.created_at = saved.created_at
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: FeeSchedule) -> None:
        fee_services.fee_schedule_delete(schedule_id=obj.pk, deleted_by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[FeeSchedule]) -> None:
        for schedule in queryset:
            fee_services.fee_schedule_delete(schedule_id=schedule.pk, deleted_by=request.user)


# --- to read only ---------------------------------------------------------------------------


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    # No bulk actions at all (in particular no "delete selected").
    actions = None


class BillLineInline(ReadOnlyMixin, admin.TabularInline):
    model = BillLine
    fields = ("position", "kind", "fee_code", "label", "quantity", "unit_amount", "amount")
    readonly_fields = fields
    extra = 0
    can_delete = False


class PaymentInline(ReadOnlyMixin, admin.TabularInline):
    model = Payment
    fields = ("gateway", "gateway_reference", "amount", "paid_at", "received_at", "via", "disposition")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Bill)
class BillAdmin(ReadOnlyAdmin):
    list_display = (
        "billing_code",
        "application",
        "state",
        "total_rupiah",
        "issued_at",
        "expires_at",
        "paid_at",
        "office",
    )
    list_filter = ("state", "gateway", ("issued_at", admin.DateFieldListFilter))
    search_fields = ("=billing_code", "=application__reference")
    list_select_related = ("application", "office")
    date_hierarchy = "issued_at"
    fields = (
        "public_id",
        "billing_code",
        "application",
        "office",
        "schedule",
        "gateway",
        "total",
        "state",
        "issued_at",
        "expires_at",
        "reminded_at",
        "paid_at",
        "closed_at",
        "replaced_by",
    )
    readonly_fields = fields
    inlines = (BillLineInline, PaymentInline)

    @admin.display(description=_("total"), ordering="total")
    def total_rupiah(self, bill: Bill) -> str:
        return format_rupiah(bill.total)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "gateway_reference",
        "gateway",
        "bill",
        "amount_rupiah",
        "paid_at",
        "received_at",
        "via",
        "disposition",
    )
    list_filter = ("disposition", "via", "gateway")
    search_fields = ("=gateway_reference", "=bill__billing_code")
    list_select_related = ("bill",)
    date_hierarchy = "received_at"
    fields = (
        "public_id",
        "bill",
        "gateway",
        "gateway_reference",
        "amount",
        "paid_at",
        "received_at",
        "via",
        "disposition",
    )
    readonly_fields = fields

    @admin.display(description=_("amount"), ordering="amount")
    def amount_rupiah(self, payment: Payment) -> str:
        return format_rupiah(payment.amount)


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "application", "amount_rupiah", "reason", "state", "created_at", "paid_at")
    list_filter = ("state", "reason")
    search_fields = ("=application__reference", "=payment__bill__billing_code")
    list_select_related = ("application",)
    date_hierarchy = "created_at"
    # Never the account number's ciphertext: the last four digits are enough to recognise it.
    fields = (
        "public_id",
        "application",
        "payment",
        "amount",
        "reason",
        "state",
        "bank",
        "account_masked",
        "account_holder",
        "holder_matches_profile",
        "checked_by_id",
        "gateway_reference",
        "attempts",
        "last_error",
        "created_at",
        "account_given_at",
        "paid_at",
    )
    readonly_fields = fields

    @admin.display(description=_("amount"), ordering="amount")
    def amount_rupiah(self, refund: Refund) -> str:
        return format_rupiah(refund.amount)

    @admin.display(description=_("account number"))
    def account_masked(self, refund: Refund) -> str:
        return f"•••• {refund.account_number_last4}" if refund.account_number_last4 else "—"


@admin.register(GatewayEvent)
class GatewayEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "gateway", "received_at", "payment")
    list_filter = ("gateway", ("received_at", admin.DateFieldListFilter))
    search_fields = ("=event_id",)
    list_select_related = ("payment",)
    date_hierarchy = "received_at"
    fields = ("gateway", "event_id", "received_at", "payment")
    readonly_fields = fields
