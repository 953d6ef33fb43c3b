"""The execution role's policies in the offline world, read from moto's IAM backend.

moto 5.2.5 bundles AWS managed policies but loads none by default (attaching
``arn:aws:iam::aws:policy/AdministratorAccess`` fails with NoSuchEntity), and never
evaluates what it stores (moto notes, IAM backend); so the offline world installs
labkit.iam's copies of the managed policies and reads a role's inline, attached and
boundary policies into ``labkit.iam`` Policies for set-up decisions.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any


def install_managed_policies(moto: Any, account_id: str, region: str) -> None:
    """Make labkit.iam's AWS managed policies attachable by ARN in ``moto``'s IAM backend."""
    try:
        from labkit.iam import MANAGED_POLICY_NAMES, managed_policy
    except ImportError:
        return
    from moto.iam.models import AWSManagedPolicy

    with moto.installed():
        backend = moto.backend("iam", region)
        for name in MANAGED_POLICY_NAMES:
            mp = managed_policy(name)
            path = mp.arn.split(":policy", 1)[1][: -len(mp.name)] or "/"
            when = datetime.fromisoformat(str(mp.update_date)).replace(tzinfo=None)
            policy = AWSManagedPolicy(
                mp.name,
                account_id=account_id,
                region=region,
                default_version_id=mp.version_id,
                path=path,
                document=json.dumps(mp.document),
                create_date=when,
                update_date=when,
            )
            backend.aws_managed_policies.append(policy)
            backend.managed_policies[policy.arn] = policy


def role_policies(moto: Any, region: str, role_arn: str) -> tuple[list[Any], Any | None]:
    """The role's identity policies (inline + attached) and its boundary, as labkit.iam Policies."""
    from labkit.iam import Policy, PolicyError

    def load(doc: Any, kind: str, name: str) -> Any | None:
        try:
            return Policy.load(doc, kind=kind, name=name)  # type: ignore[arg-type]
        except PolicyError:
            return None

    name = role_arn.rsplit("/", 1)[-1]
    identity: list[Any] = []
    boundary = None
    with moto.installed():
        backend = moto.backend("iam", region)
        role = next((r for r in backend.roles.values() if r.name == name), None)
        if role is None or role.arn != role_arn:
            return [], None
        for policy_name, doc in role.policies.items():
            identity.append(load(doc, "identity", policy_name))
        for managed in role.managed_policies.values():
            identity.append(load(default_document(managed), "identity", managed.name))
        if role.permissions_boundary_arn:
            managed = backend.managed_policies.get(role.permissions_boundary_arn)
            if managed is not None:
                boundary = load(default_document(managed), "boundary", managed.name)
    return [p for p in identity if p is not None], boundary


def default_document(policy: Any) -> str:
    """The default version's document of a moto managed policy."""
    for version in policy.versions:
        if version.is_default:
            return version.document
    return policy.versions[0].document


__all__ = ["default_document", "install_managed_policies", "role_policies"]
