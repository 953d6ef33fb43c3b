"""Policy documents: JSON text or a mapping in, a frozen :class:`Policy` out.

AWS facts modelled (IAM User Guide, "IAM JSON policy element reference",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html) [DOC]:

* top-level elements ``Version``, ``Id``, ``Statement``; ``Statement`` is one object or a list;
* statement elements ``Sid``, ``Effect``, ``Principal``/``NotPrincipal``, ``Action``/``NotAction``,
  ``Resource``/``NotResource``, ``Condition``; each list element may be a string or a list;
* ``Effect`` is ``Allow`` or ``Deny``: "The Effect value is case sensitive"
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_effect.html),
  so ``"allow"`` is malformed;
* JSON text nested deeper than ``labkit.safejson.MAX_DEPTH``, or with NaN, is malformed
  [INFER: IAM's policy grammar has no such values; its depth limit is not published];
* ``Version`` is ``2012-10-17`` or ``2008-10-17``; when absent AWS uses ``2008-10-17``, which
  disables policy variables
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html);
* identity-based policies (and permissions boundaries) must not name a principal; resource-based
  policies must (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).

Errors use IAM's type ``MalformedPolicyDocument`` and IAM's messages as recorded by AWS users
and mirrored by moto's validator (``moto/iam/policy_validation.py``) [AWS-REC]; ``.where`` and
``.detail`` add the statement and the key at fault.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from labkit import safejson
from labkit.errors import LabkitError
from labkit.iam.conditions import Condition, parse_condition_block
from labkit.iam.errors import SYNTAX, PolicyError
from labkit.iam.match import (
    PLAIN,
    RESOURCE,
    PrincipalMatch,
    PrincipalRef,
    account_of_principal_entry,
    any_of,
    compile_tokens,
    role_name_of,
)
from labkit.iam.variables import Token, has_variables, resolve, tokenize

Kind = Literal["identity", "resource", "boundary"]
KINDS = ("identity", "resource", "boundary")
VERSIONS = ("2012-10-17", "2008-10-17")
DEFAULT_VERSION = "2008-10-17"
TOP_KEYS = ("Version", "Id", "Statement")
STATEMENT_KEYS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")

_VENDOR_RE = re.compile(r"^[a-zA-Z0-9\-.]+$")
_AWS_PRINCIPAL_RE = re.compile(
    r"^(\*|\d{12}|arn:aws[a-z-]*:iam::\d{12}:(root|user/.+|role/.+)"
    r"|arn:aws[a-z-]*:sts::\d{12}:(assumed-role/.+|federated-user/.+))$"
)


@dataclass(frozen=True)
class PrincipalSpec:
    """A statement's ``Principal`` or ``NotPrincipal`` element, classified at load time."""

    element: str  # "Principal" | "NotPrincipal"
    entries: tuple[tuple[str, str], ...]  # (type, value) as written; ("*", "*") for "*"
    everyone: bool
    accounts: frozenset[str]
    arns: frozenset[str]
    roles: frozenset[tuple[str, str]]  # (account, role name) of role ARNs
    services: frozenset[str]

    def listed(self, ref: PrincipalRef) -> tuple[PrincipalMatch, str | None]:
        """How the listed principals match ``ref`` and which entry matched."""
        if self.everyone:
            return PrincipalMatch.ANY, "*"
        if ref.kind == "service":
            return (
                (PrincipalMatch.EXACT, ref.text)
                if ref.text in self.services
                else (PrincipalMatch.NONE, None)
            )
        if ref.text in self.arns:
            return (PrincipalMatch.ROLE if ref.kind == "role" else PrincipalMatch.EXACT), ref.text
        if ref.kind == "assumed-role" and (ref.account, ref.role_name) in self.roles:
            entry = next(
                v
                for t, v in self.entries
                if t == "AWS" and role_name_of(v) == ref.role_name and f"::{ref.account}:" in v
            )
            return PrincipalMatch.ROLE, entry
        if ref.account in self.accounts:
            kind = PrincipalMatch.EXACT if ref.kind == "root" else PrincipalMatch.ACCOUNT
            entry = next(
                v
                for t, v in self.entries
                if t == "AWS" and account_of_principal_entry(v) == ref.account
            )
            return kind, entry
        return PrincipalMatch.NONE, None


@dataclass(frozen=True, eq=False)
class Statement:
    """One statement, normalised (every element a tuple) and compiled for matching.

    ``index`` is 1-based; :attr:`label` is the Sid, else ``#index``.
    """

    index: int
    sid: str | None
    effect: str  # "Allow" | "Deny"
    action_element: str  # "Action" | "NotAction"
    actions: tuple[str, ...]
    resource_element: str | None  # "Resource" | "NotResource" | None (resource policy without one)
    resources: tuple[str, ...]
    principal: PrincipalSpec | None
    conditions: tuple[Condition, ...]
    _action_res: tuple[Any, ...] = field(repr=False, default=())
    _action_all: Any = field(repr=False, default=None)
    _resource_tokens: tuple[tuple[Token, ...], ...] = field(repr=False, default=())
    _resource_all: Any = field(repr=False, default=None)  # combined regex when no variables
    _resource_star: bool = field(repr=False, default=False)
    _condition_fns: tuple[Any, ...] = field(init=False, repr=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "_condition_fns", tuple(c._holds for c in self.conditions))

    @property
    def label(self) -> str:
        return self.sid if self.sid else f"#{self.index}"

    # -- Action ---------------------------------------------------------------------------------
    def action_pattern_hit(self, action_lower: str) -> str | None:
        """The listed action pattern matching the (lower-cased) action, if any."""
        for pattern, regex in zip(self.actions, self._action_res, strict=True):
            if regex.matches(action_lower):
                return pattern
        return None

    def action_applies(self, action_lower: str) -> bool:
        listed = self._action_all.matches(action_lower)
        return listed != (self.action_element == "NotAction")

    # -- Resource -------------------------------------------------------------------------------
    def resource_pattern_hit(
        self, resource: str, context: Mapping[str, tuple[str, ...]]
    ) -> tuple[str | None, tuple[str | None, ...]]:
        """The listed resource pattern that matches, and each pattern after substitution
        (``None`` where a variable could not be resolved)."""
        resolved_all: list[str | None] = []
        hit = None
        for pattern, toks in zip(self.resources, self._resource_tokens, strict=True):
            resolved = resolve(toks, context) if has_variables(toks) else toks
            if resolved is None:
                resolved_all.append(None)
                continue
            resolved_all.append("".join(str(v) for _, v in resolved))
            if hit is None and compile_tokens(resolved, RESOURCE).matches(resource):
                hit = pattern
        return hit, tuple(resolved_all)

    def resource_applies(self, resource: str, context: Mapping[str, tuple[str, ...]]) -> bool:
        if self.resource_element is None:
            return True
        if self._resource_star:
            listed = True
        elif self._resource_all is not None:
            listed = self._resource_all.matches(resource)
        else:
            listed = self.resource_pattern_hit(resource, context)[0] is not None
        return listed != (self.resource_element == "NotResource")

    # -- Principal ------------------------------------------------------------------------------
    def principal_match(self, ref: PrincipalRef) -> PrincipalMatch:
        """How the statement's principal element matches; NotPrincipal inverts (everyone else)."""
        if self.principal is None:
            return PrincipalMatch.EXACT
        found, _ = self.principal.listed(ref)
        if self.principal.element == "NotPrincipal":
            return PrincipalMatch.NONE if found.matched else PrincipalMatch.ANY
        return found

    # -- Condition ------------------------------------------------------------------------------
    def conditions_hold(self, context: Mapping[str, tuple[str, ...]]) -> bool:
        # a plain loop: faster than all(<generator>) on the evaluation hot path
        for holds in self._condition_fns:  # noqa: SIM110
            if not holds(context):
                return False
        return True


@dataclass(frozen=True, eq=False)
class Policy:
    """A loaded policy document of one kind: ``identity``, ``resource`` or ``boundary``."""

    name: str
    kind: str
    version: str
    id: str | None
    statements: tuple[Statement, ...]
    document: Mapping[str, Any] = field(repr=False)
    text: str = field(repr=False)

    @classmethod
    def load(cls, doc: str | Mapping[str, Any] | Policy, *, kind: Kind, name: str = "") -> Policy:
        """Load and validate a policy document.

        Args:
            doc: JSON text or a mapping (as ``json.loads`` gives), or a loaded :class:`Policy`.
            kind: ``identity`` (attached to a user or role), ``resource`` (attached to a
                resource; names principals) or ``boundary`` (a permissions boundary).
            name: a display name used in explanations.

        Raises:
            PolicyError: the document is malformed; ``.where`` names statement and key.

        >>> Policy.load('{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}',
        ...             kind="identity").version
        '2008-10-17'
        """
        if kind not in KINDS:
            raise LabkitError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if isinstance(doc, Policy):
            if doc.kind == kind and (not name or name == doc.name):
                return doc
            return cls.load(doc.document, kind=kind, name=name or doc.name)
        return _load(doc, kind=kind, name=name)

    @property
    def size(self) -> int:
        """Characters of the document's JSON text (as given, or compact JSON for a mapping)."""
        return len(self.text)

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"<Policy{label} {self.kind} {self.version}, {len(self.statements)} statement(s)>"


# ---------------------------------------------------------------------------------------------
def _where(index: int, sid: Any) -> str:
    return (
        f"statement {index} (Sid {sid!r})" if isinstance(sid, str) and sid else f"statement {index}"
    )


def _strings(value: Any, *, where: str, key: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) and v for v in items):
        raise PolicyError(
            detail=f"{key} must be a non-empty string or a non-empty list of strings",
            where=f"{where}, key {key}",
        )
    return tuple(items)


def _check_action(action: str, *, where: str, key: str) -> None:
    if action == "*":
        return
    parts = action.split(":")
    at = f"{where}, key {key}"
    if len(parts) == 1:
        raise PolicyError(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
            detail=f"action {action!r} has no service prefix such as logs:",
            where=at,
        )
    if len(parts) > 2:
        raise PolicyError(
            "Actions/Condition can contain only one colon.",
            detail=f"action {action!r}",
            where=at,
        )
    if not _VENDOR_RE.match(parts[0]):
        raise PolicyError(f"Vendor {parts[0]} is not valid", detail=f"action {action!r}", where=at)


def _principal(value: Any, element: str, *, where: str) -> PrincipalSpec:
    at = f"{where}, key {element}"
    invalid = "Invalid principal in policy"
    entries: list[tuple[str, str]] = []
    if value == "*":
        entries.append(("*", "*"))
    elif isinstance(value, Mapping) and value:
        for ptype, raw in value.items():
            if ptype not in PRINCIPAL_TYPES:
                raise PolicyError(invalid, detail=f"unknown principal type {ptype!r}", where=at)
            for entry in _strings(raw, where=where, key=f"{element}.{ptype}"):
                entries.append((ptype, entry))
    else:
        raise PolicyError(
            invalid,
            detail=f'{element} must be "*" or an object such as {{"Service": "..."}}',
            where=at,
        )
    everyone = False
    accounts, arns, roles, services = set(), set(), set(), set()
    for ptype, entry in entries:
        if ptype == "*" or (ptype == "AWS" and entry == "*"):
            everyone = True
        elif ptype == "AWS":
            if not _AWS_PRINCIPAL_RE.match(entry) or "*" in entry:
                raise PolicyError(
                    invalid,
                    detail=f"AWS principal {entry!r} must be *, an account id or an IAM ARN; "
                    "a wildcard cannot match part of a principal",
                    where=at,
                )
            account = account_of_principal_entry(entry)
            if account:
                accounts.add(account)
            else:
                arns.add(entry)
                role = role_name_of(entry)
                if role:
                    roles.add((entry.split(":")[4], role))
        elif ptype == "Service":
            if "*" in entry or not entry.strip():
                raise PolicyError(
                    invalid, detail=f"service principal {entry!r} cannot use wildcards", where=at
                )
            services.add(entry)
    return PrincipalSpec(
        element,
        tuple(entries),
        everyone,
        frozenset(accounts),
        frozenset(arns),
        frozenset(roles),
        frozenset(services),
    )


def _statement(raw: Any, index: int, *, kind: str, variables: bool) -> Statement:
    if not isinstance(raw, Mapping):
        raise PolicyError(detail="each statement must be an object", where=f"statement {index}")
    sid = raw.get("Sid")
    where = _where(index, sid)
    for key in raw:
        if key not in STATEMENT_KEYS:
            raise PolicyError(detail=f"unknown statement key {key!r}", where=f"{where}, key {key}")
    if sid is not None and not isinstance(sid, str):
        raise PolicyError(detail="Sid must be a string", where=f"{where}, key Sid")
    effect = raw.get("Effect")
    if effect is None:
        raise PolicyError(detail="Effect is missing (Allow or Deny)", where=f"{where}, key Effect")
    if effect not in ("Allow", "Deny"):  # "The Effect value is case sensitive." [DOC]
        raise PolicyError(
            detail=f"Effect must be Allow or Deny (case-sensitive), not {effect!r}",
            where=f"{where}, key Effect",
        )

    if "Action" in raw and "NotAction" in raw:
        raise PolicyError(
            detail="a statement has Action or NotAction, not both", where=f"{where}, key NotAction"
        )
    action_element = "Action" if "Action" in raw else "NotAction" if "NotAction" in raw else None
    if action_element is None:
        raise PolicyError(
            "Policy statement must contain actions.",
            detail="add Action (or NotAction)",
            where=f"{where}, key Action",
        )
    actions = _strings(raw[action_element], where=where, key=action_element)
    for action in actions:
        _check_action(action, where=where, key=action_element)

    if "Resource" in raw and "NotResource" in raw:
        raise PolicyError(
            detail="a statement has Resource or NotResource, not both",
            where=f"{where}, key NotResource",
        )
    resource_element = (
        "Resource" if "Resource" in raw else "NotResource" if "NotResource" in raw else None
    )
    resources: tuple[str, ...] = ()
    if resource_element is None:
        if kind != "resource":
            raise PolicyError(
                "Policy statement must contain resources.",
                detail='add Resource (or NotResource); use "*" for actions without resource types',
                where=f"{where}, key Resource",
            )
    else:
        resources = _strings(raw[resource_element], where=where, key=resource_element)

    principal = None
    has_p, has_np = "Principal" in raw, "NotPrincipal" in raw
    if kind != "resource" and (has_p or has_np):
        raise PolicyError(
            "Policy document should not specify a principal.",
            detail=f"{'Principal' if has_p else 'NotPrincipal'} belongs in resource-based policies; "
            f"{'an identity policy' if kind == 'identity' else 'a permissions boundary'} applies "
            "to the identity it is attached to",
            where=f"{where}, key {'Principal' if has_p else 'NotPrincipal'}",
        )
    if kind == "resource":
        if has_p and has_np:
            raise PolicyError(
                detail="a statement has Principal or NotPrincipal, not both",
                where=f"{where}, key NotPrincipal",
            )
        if not (has_p or has_np):
            raise PolicyError(
                "Missing required field Principal",
                detail="a resource-based policy statement must name its Principal",
                where=f"{where}, key Principal",
            )
        element = "Principal" if has_p else "NotPrincipal"
        principal = _principal(raw[element], element, where=where)

    conditions = ()
    if "Condition" in raw:
        conditions = parse_condition_block(raw["Condition"], variables=variables, where=where)

    action_res = tuple(compile_tokens(tokenize(a.lower(), variables=False), PLAIN) for a in actions)
    action_all = any_of(list(action_res))
    resource_tokens = tuple(tokenize(r, variables=variables) for r in resources)
    resource_star = "*" in resources
    resource_all = None
    if resources and not any(has_variables(t) for t in resource_tokens):
        resource_all = any_of([compile_tokens(t, RESOURCE) for t in resource_tokens])
    return Statement(
        index=index,
        sid=sid or None,
        effect=effect,
        action_element=action_element,
        actions=actions,
        resource_element=resource_element,
        resources=resources,
        principal=principal,
        conditions=conditions,
        _action_res=action_res,
        _action_all=action_all,
        _resource_tokens=resource_tokens,
        _resource_all=resource_all,
        _resource_star=resource_star,
    )


def _load(doc: Any, *, kind: str, name: str) -> Policy:
    if isinstance(doc, (bytes, bytearray)):
        doc = doc.decode("utf-8", errors="replace")
    if isinstance(doc, str):
        text = doc
        try:
            data = safejson.loads(doc)  # depth checked before json recurses; no NaN
        except ValueError as exc:
            raise PolicyError(SYNTAX, detail=f"not valid JSON: {exc}", where="document") from None
    elif isinstance(doc, Mapping):
        data = doc
        try:
            text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
            safejson.check_depth(text)
        except (TypeError, ValueError, RecursionError) as exc:
            raise PolicyError(detail=f"not JSON-serialisable: {exc}", where="document") from None
    else:
        raise PolicyError(
            detail=f"a policy is JSON text or a mapping, not {type(doc).__name__}", where="document"
        )
    if not isinstance(data, Mapping):
        raise PolicyError(detail="the document must be a JSON object", where="document")
    for key in data:
        if key not in TOP_KEYS:
            raise PolicyError(
                detail=f"unknown top-level key {key!r}", where=f"top level, key {key}"
            )
    version = data.get("Version", DEFAULT_VERSION)
    if version not in VERSIONS:
        raise PolicyError(
            detail=f"Version must be 2012-10-17 or 2008-10-17, not {version!r}",
            where="top level, key Version",
        )
    policy_id = data.get("Id")
    if policy_id is not None and not isinstance(policy_id, str):
        raise PolicyError(detail="Id must be a string", where="top level, key Id")
    if "Statement" not in data:
        raise PolicyError(detail="Statement is missing", where="top level, key Statement")
    raw = data["Statement"]
    raws = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(raws, list) or not raws:
        raise PolicyError(
            detail="Statement must be an object or a non-empty list of objects",
            where="top level, key Statement",
        )
    variables = version == "2012-10-17"
    statements = tuple(
        _statement(r, i, kind=kind, variables=variables) for i, r in enumerate(raws, start=1)
    )
    seen: set[str] = set()
    for st in statements:
        if st.sid:
            if st.sid in seen:
                raise PolicyError(
                    "Statement IDs (SID) in a single policy must be unique.",
                    detail=f"Sid {st.sid!r} appears twice",
                    where=f"statement {st.index}, key Sid",
                )
            seen.add(st.sid)
    return Policy(name, kind, version, policy_id, statements, data, text)
