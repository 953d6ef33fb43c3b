"""Opening a boto3 session for the lab, with one clear line per credential problem.

Missing, misspelled and expired credentials and profiles each get their own message,
naming the profile in use: the ``profile`` argument, else ``AWS_PROFILE`` /
``AWS_DEFAULT_PROFILE`` (boto3 reads those itself [DOC]
https://boto3.amazonaws.com/v1/documentation/api/latest/guide/configuration.html ).
No message ever contains a credential.
"""

from __future__ import annotations

import os
from typing import Any

from labkit.safety import SafetyError
from labkit.world.policy_entries import error_code


def profile_in_use(profile: str | None) -> str | None:
    """The profile boto3 will use: the argument, else ``AWS_PROFILE``/``AWS_DEFAULT_PROFILE``."""
    return profile or os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")


def open_session(profile: str | None, region: str | None) -> tuple[Any, str, str]:
    """A boto3 session with working credentials, or a :class:`SafetyError` saying which
    profile is missing, misspelled or expired (never a credential)."""
    import difflib

    import boto3
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        NoCredentialsError,
        ProfileNotFound,
        SSOTokenLoadError,
        TokenRetrievalError,
        UnauthorizedSSOTokenError,
    )

    named = profile_in_use(profile)
    source = (
        "profile=" if profile else "AWS_PROFILE=" if os.environ.get("AWS_PROFILE") else "profile "
    )
    which = f"AWS profile {named!r}" if named else "the default AWS credentials"
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound as exc:
        missing = exc.kwargs.get("profile") or named
        known = available_profiles()
        close = difflib.get_close_matches(str(missing), known, n=1, cutoff=0.75)
        if close:
            tip = f"; did you mean {close[0]!r}?"
        elif known:
            tip = f"; profiles found: {', '.join(sorted(known))}"
        else:
            tip = "; no profiles are configured (aws configure --profile NAME)"
        raise SafetyError(
            f"AWS profile {missing!r} ({source}{missing}) not found in your AWS config{tip}"
        ) from None
    if not session.region_name:
        raise SafetyError(f"no AWS region for {which}: pass region=... or set AWS_REGION")
    try:
        creds = session.get_credentials()
    except (SSOTokenLoadError, UnauthorizedSSOTokenError, TokenRetrievalError):
        raise SafetyError(
            f"the SSO session of {which} has expired or was never started: "
            f"run `aws sso login{' --profile ' + named if named else ''}`"
        ) from None
    except BotoCoreError as exc:
        raise SafetyError(f"cannot load the credentials of {which}: {type(exc).__name__}") from None
    if creds is None:
        raise SafetyError(
            f"no AWS credentials found for {which}: configure it (aws configure / aws sso login) "
            "or use the offline world (LABKIT_MODE=offline)"
        )
    try:
        ident = session.client("sts").get_caller_identity()
    except NoCredentialsError:
        raise SafetyError(f"no AWS credentials found for {which}") from None
    except (SSOTokenLoadError, UnauthorizedSSOTokenError, TokenRetrievalError):
        raise SafetyError(
            f"the SSO session of {which} has expired: run `aws sso login"
            f"{' --profile ' + named if named else ''}`"
        ) from None
    except ClientError as exc:
        code = error_code(exc)
        why = "they have expired" if "Expired" in code else "they may be expired or wrong"
        raise SafetyError(
            f"AWS rejected the credentials of {which} ({code}): {why}; log in again"
        ) from None
    except BotoCoreError as exc:
        raise SafetyError(f"cannot reach AWS STS with {which}: {type(exc).__name__}") from None
    return session, str(ident["Account"]), session.region_name


def available_profiles() -> list[str]:
    import botocore.session

    return list(botocore.session.Session(profile=None).available_profiles)


def secrets(session: Any) -> list[str]:
    try:
        creds = session.get_credentials() if session is not None else None
        frozen = creds.get_frozen_credentials() if creds else None
    except Exception:  # noqa: BLE001
        return []
    return [s for s in (getattr(frozen, "secret_key", None), getattr(frozen, "token", None)) if s]
