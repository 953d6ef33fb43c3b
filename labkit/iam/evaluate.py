"""Combine policies into one decision: Allowed, ExplicitlyDenied or ImplicitlyDenied.

AWS facts modelled (IAM User Guide, "Policy evaluation logic",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html and
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html) [DOC]:

* "An explicit deny overrides an explicit allow": a matching Deny in any applicable policy
  (identity, resource, boundary) decides;
* several resource policies count as one union (CloudWatch Logs account-level policies plus a
  log-group-level policy);
* a **service principal** (``delivery.logs.amazonaws.com``) is authorised by resource policies
  alone; identity policies and boundaries belong to IAM identities and do not apply to it;
* an IAM identity in the **same account**: an identity-based Allow *or* a resource-based Allow
  suffices, intersected with the permissions boundary. A resource-policy grant that names a
  *user* or *role-session* ARN is not limited by the boundary; one that names a *role* ARN is
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html). A grant to
  the whole account (``Principal: {"AWS": ACCT}``) needs an identity-based Allow too;
* **cross-account**: both the identity's policies and the resource policy must allow;
* the account root user is allowed unless explicitly denied (SCPs and RCPs are out of scope).

Nothing else (SCPs, RCPs, session policies) is modelled; see the reference checklist.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from labkit.errors import LabkitError
from labkit.i18n import N_, _, current_language
from labkit.iam.document import Policy
from labkit.iam.explain import (
    StatementResult,
    explain_statement,
    policy_display,
    statement_line,
    to_frame,
    to_html,
)
from labkit.iam.match import PrincipalMatch
from labkit.iam.request import Request

if TYPE_CHECKING:
    import pandas


class Outcome(enum.Enum):
    """The three outcomes of IAM policy evaluation."""

    ALLOWED = "Allowed"
    EXPLICITLY_DENIED = "ExplicitlyDenied"
    IMPLICITLY_DENIED = "ImplicitlyDenied"


_EXACT, _ROLE, _ANY, _ACCOUNT = (
    PrincipalMatch.EXACT,
    PrincipalMatch.ROLE,
    PrincipalMatch.ANY,
    PrincipalMatch.ACCOUNT,
)
_LAYER_ORDER = ("identity", "boundary", "resource")
_LAYER_WORDS = {
    "identity": N_("identity-based policy"),
    "boundary": N_("permissions boundary"),
    "resource": N_("resource policy"),
}


class Decision:
    """The answer to one request, with its explanation.

    Attributes:
        outcome: :class:`Outcome`.
        allowed: ``outcome is Outcome.ALLOWED``.
        request: the :class:`Request` evaluated.
        decided_by: the :class:`StatementResult` that decided (None for an implicit deny).
        statements: every statement of every applicable policy, explained.
        reason: one line saying why.
        notes: remarks on policies that were given but do not apply.
    """

    def __init__(
        self,
        outcome: Outcome,
        request: Request,
        layers: tuple[tuple[str, tuple[Policy, ...]], ...],
        decider: tuple[str, int, Policy, Any] | None,
        why: str | Callable[[], str],
        notes: tuple[str, ...],
    ) -> None:
        self.outcome = outcome
        self.allowed = outcome is Outcome.ALLOWED
        self.request = request
        self._notes = notes  # English message ids, shown with _()
        self._layers = layers
        self._decider = decider
        self._why = why
        self._explained: dict[str, tuple[StatementResult, ...]] = {}  # by language

    @property
    def notes(self) -> tuple[str, ...]:
        """Remarks on policies that were given but do not apply, in the current language."""
        return tuple(_(n) for n in self._notes)

    @property
    def statements(self) -> tuple[StatementResult, ...]:
        """Every statement explained, in the current language (built once per language)."""
        language = current_language()
        found = self._explained.get(language)
        if found is None:
            found = self._explained[language] = self._explain()
        return found

    def _explain(self) -> tuple[StatementResult, ...]:
        out = []
        for kind, policies in self._layers:
            for pos, policy in enumerate(policies, start=1):
                name = policy_display(policy, kind, pos)
                out.extend(
                    explain_statement(st, name, kind, self.request) for st in policy.statements
                )
        return tuple(out)

    @property
    def decided_by(self) -> StatementResult | None:
        if self._decider is None:
            return None
        kind, pos, policy, st = self._decider
        offset = 0  # statements are listed layer by layer, policy by policy (see .statements)
        for layer, policies in self._layers:
            for position, p in enumerate(policies, start=1):
                if layer == kind and position == pos:
                    return self.statements[offset + st.index - 1]
                offset += len(p.statements)
        return None  # pragma: no cover - the decider is always among the statements

    @property
    def reason(self) -> str:
        """One line saying why, in the current language (written when read)."""
        why = self._why() if callable(self._why) else self._why
        if self._decider is not None:
            kind, pos, policy, st = self._decider
            label = st.sid or _("statement #{index}").format(index=st.index)
            if self.outcome is Outcome.EXPLICITLY_DENIED:
                text = _("explicitly denied by {statement} in {policy}")
            else:
                text = _("allowed by {statement} in {policy}")
            text = text.format(statement=label, policy=policy_display(policy, kind, pos))
            return f"{text} ({why})" if why else text
        return why

    @property
    def value(self) -> str:
        return self.outcome.value

    def __bool__(self) -> bool:
        return self.allowed

    def __repr__(self) -> str:
        r = self.request
        return f"<Decision {self.outcome.value}: {r.principal} -> {r.action} on {r.resource}>"

    def __str__(self) -> str:
        r = self.request
        lines = [
            _("{outcome}: {principal} -> {action} on {resource}").format(
                outcome=self.outcome.value,
                principal=r.principal,
                action=r.action,
                resource=r.resource,
            ),
            f"  {self.reason}",
        ]
        decided = self.decided_by
        for result in self.statements:
            lines.append("  " + statement_line(result, result is decided).replace("\n", "\n  "))
        lines += ["  " + _("note: {note}").format(note=n) for n in self.notes]
        return "\n".join(lines)

    def to_frame(self) -> pandas.DataFrame:
        """A table with a row per statement (see :data:`labkit.iam.explain.FRAME_COLUMNS`)."""
        return to_frame(self.statements, self.decided_by)

    def _repr_html_(self) -> str:
        r = self.request
        title = _("{outcome}: {principal} → {action} on {resource}").format(
            outcome=self.outcome.value, principal=r.principal, action=r.action, resource=r.resource
        )
        return to_html(title, self.reason, self.to_frame())


def _check(policies: Any, kind: str, allowed: tuple[str, ...]) -> tuple[Policy, ...]:
    if type(policies) in (list, tuple):  # the common case, checked cheaply
        for p in policies:
            if type(p) is not Policy or p.kind not in allowed:
                break
        else:
            return tuple(policies)
    if isinstance(policies, Policy):
        policies = (policies,)
    if not isinstance(policies, Sequence):
        raise LabkitError(f"{kind} policies must be a sequence of Policy objects")
    for p in policies:
        if not isinstance(p, Policy):
            raise LabkitError(
                f"{kind} policies must be Policy objects (use Policy.load), not {type(p).__name__}"
            )
        if p.kind not in allowed:
            raise LabkitError(f"a {p.kind} policy was passed as {kind}; load it with kind={kind!r}")
    return tuple(policies)


def _scan(
    kind: str, policies: tuple[Policy, ...], request: Request
) -> tuple[list[tuple[str, int, Policy, Any, PrincipalMatch]], list[Any]]:
    """Applicable Deny and Allow statements of one layer (the hot path: booleans only)."""
    denies: list[Any] = []
    allows: list[Any] = []
    action = request.action_lower
    resource = request.resource
    context = request.values
    ref = request.principal_ref
    for pos, policy in enumerate(policies, start=1):
        for st in policy.statements:
            if not st.action_applies(action):
                continue
            if not st.resource_applies(resource, context):
                continue
            pm = st.principal_match(ref) if kind == "resource" else _EXACT
            if pm is PrincipalMatch.NONE:
                continue
            if st.conditions and not st.conditions_hold(context):
                continue
            (denies if st.effect == "Deny" else allows).append((kind, pos, policy, st, pm))
    return denies, allows


def _words(request: Request) -> str:
    return _("{principal} to {action} on {resource}").format(
        principal=request.principal, action=request.action, resource=request.resource
    )


def _resource_account(resource: str) -> str | None:
    if not resource.startswith("arn:"):
        return None
    parts = resource.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[4] else None


def evaluate(
    request: Request,
    *,
    identity: Sequence[Policy] = (),
    resource: Sequence[Policy] = (),
    boundary: Policy | None = None,
) -> Decision:
    """Decide a request the way AWS does, and keep the explanation.

    Args:
        request: who, what, on which resource, with which condition keys.
        identity: identity-based policies of the principal (managed and inline).
        resource: resource-based policies on the resource; several are one union.
        boundary: the principal's permissions boundary, if any.

    Returns:
        A :class:`Decision`.

    >>> rp = Policy.load({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    ...     "Principal": {"Service": "delivery.logs.amazonaws.com"},
    ...     "Action": "logs:PutLogEvents", "Resource": "*"}]}, kind="resource")
    >>> evaluate(Request("delivery.logs.amazonaws.com", "logs:PutLogEvents", "*"),
    ...          resource=[rp]).outcome.value
    'Allowed'
    """
    if not isinstance(request, Request):
        raise LabkitError(f"request must be a labkit.iam.Request, not {type(request).__name__}")
    identity = _check(identity, "identity", ("identity",))
    resource = _check(resource, "resource", ("resource",))
    boundaries: tuple[Policy, ...] = ()
    if boundary is not None:
        boundaries = _check(boundary, "boundary", ("boundary", "identity"))
        if len(boundaries) != 1:
            raise LabkitError("boundary is one Policy (a principal has at most one boundary)")

    ref = request.principal_ref
    notes: list[str] = []

    if ref.kind == "service":
        if identity or boundaries:
            notes.append(_SERVICE_IGNORES_IDENTITY)
        layers: tuple[tuple[str, tuple[Policy, ...]], ...] = (("resource", resource),)
        denies, allows = _scan("resource", resource, request)
        if denies:
            d = denies[0]
            return Decision(Outcome.EXPLICITLY_DENIED, request, layers, d[:4], "", tuple(notes))
        if allows:
            a = allows[0]
            return Decision(Outcome.ALLOWED, request, layers, a[:4], "", tuple(notes))
        why = partial(_why_no_resource_allow, request, bool(resource))
        return Decision(Outcome.IMPLICITLY_DENIED, request, layers, None, why, tuple(notes))

    layers = tuple(
        (k, ps)
        for k, ps in (("identity", identity), ("boundary", boundaries), ("resource", resource))
    )
    id_denies, id_allows = _scan("identity", identity, request)
    b_denies, b_allows = _scan("boundary", boundaries, request)
    r_denies, r_allows = _scan("resource", resource, request)
    denies = id_denies + b_denies + r_denies
    if denies:
        return Decision(Outcome.EXPLICITLY_DENIED, request, layers, denies[0][:4], "", tuple(notes))
    if ref.kind == "root":
        return Decision(
            Outcome.ALLOWED,
            request,
            layers,
            None,
            partial(_, _ROOT_ALLOWED),
            tuple(notes),
        )
    boundary_ok = not boundaries or bool(b_allows)
    target_account = _resource_account(request.resource)
    if target_account is not None and ref.account is not None and target_account != ref.account:
        # cross-account: both sides must allow
        if id_allows and boundary_ok and r_allows:
            return Decision(
                Outcome.ALLOWED,
                request,
                layers,
                r_allows[0][:4],
                partial(_why_cross_account_allow, id_allows[0][3]),
                tuple(notes),
            )
        missing = []
        if not (id_allows and boundary_ok):
            missing.append(_IDENTITY_SIDE if boundary_ok else _IDENTITY_AND_BOUNDARY_SIDE)
        if not r_allows:
            missing.append(_RESOURCE_SIDE)
        why = partial(_why_cross_account_deny, request, target_account, tuple(missing))
        return Decision(Outcome.IMPLICITLY_DENIED, request, layers, None, why, tuple(notes))

    # same account
    for hit in r_allows:
        if hit[4] is _EXACT and ref.kind in ("user", "assumed-role", "federated-user"):
            return Decision(
                Outcome.ALLOWED,
                request,
                layers,
                hit[:4],
                "",
                tuple(notes),
            )
    if boundary_ok:
        if id_allows:
            return Decision(Outcome.ALLOWED, request, layers, id_allows[0][:4], "", tuple(notes))
        for hit in r_allows:
            if hit[4] is not _ACCOUNT:
                return Decision(Outcome.ALLOWED, request, layers, hit[:4], "", tuple(notes))
    else:
        granted = id_allows or [h for h in r_allows if h[4] is not _ACCOUNT]
        if granted:
            why = partial(_why_boundary, request, boundaries[0])
            return Decision(Outcome.IMPLICITLY_DENIED, request, layers, None, why, tuple(notes))
    given = tuple(k for k, ps in layers if ps and k != "boundary")
    why = partial(
        _why_no_allow,
        request,
        given,
        not (identity or resource),
        bool(r_allows and not id_allows),
    )
    return Decision(Outcome.IMPLICITLY_DENIED, request, layers, None, why, tuple(notes))


# The reasons of decisions that no single statement made. They are written when the reason
# is read, not during evaluation: evaluating stays fast and the text is in the language of
# the moment it is shown.

_SERVICE_IGNORES_IDENTITY = N_(
    "identity-based policies and permissions boundaries were ignored: they "
    "attach to IAM users and roles, not to a service principal"
)
_ROOT_ALLOWED = N_("the account's root user is allowed unless explicitly denied")
_IDENTITY_SIDE = N_("the identity's own policies")
_IDENTITY_AND_BOUNDARY_SIDE = N_("the identity's own policies and boundary")
_RESOURCE_SIDE = N_("the resource policy")


def _why_no_resource_allow(request: Request, given: bool) -> str:
    if given:
        text = _("no resource policy statement allows {request}")
    else:
        text = _("no resource policy statement allows {request} (no resource policy was given)")
    return text.format(request=_words(request))


def _why_cross_account_allow(statement: Any) -> str:
    return _("cross-account: identity-based allow {statement} too").format(
        statement=statement.sid or "#" + str(statement.index)
    )


def _why_cross_account_deny(request: Request, target: str, missing: tuple[str, ...]) -> str:
    sides = [_(m) for m in missing]
    who = sides[0] if len(sides) == 1 else _("{first} and {second}")
    return _("cross-account request ({source} -> {target}): {who} must allow {request}").format(
        source=request.principal_ref.account,
        target=target,
        who=who.format(first=sides[0], second=sides[-1]),
        request=_words(request),
    )


def _why_boundary(request: Request, boundary: Policy) -> str:
    return _("the permissions boundary ({name}) does not allow {request}").format(
        name=policy_display(boundary, "boundary", 1), request=_words(request)
    )


def _why_no_allow(
    request: Request, layers: tuple[str, ...], no_policies: bool, account_only: bool
) -> str:
    given = [_(_LAYER_WORDS[k]) for k in layers]
    if len(given) > 1:
        kinds = _("{first} or {second}").format(first=given[0], second=given[1])
    else:
        kinds = given[0] if given else _(_LAYER_WORDS["identity"])
    why = _("no {kinds} statement allows {request}").format(kinds=kinds, request=_words(request))
    if no_policies:
        why += _(" (no policies were given)")
    elif account_only:
        why += _(
            " (the resource policy names the whole account, so an identity-based allow is needed)"
        )
    return why
