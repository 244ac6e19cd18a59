"""The Cognito user-pool API through boto3, with each AWS failure turned into one sentence.

boto3 finds credentials, profile and region as the AWS CLI does (environment,
``~/.aws/config``, SSO, instance roles), and honours ``AWS_ENDPOINT_URL`` /
``AWS_ENDPOINT_URL_COGNITO_IDP``, which is how the tests point it at moto.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

POOL_ID = re.compile(r"(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)_[0-9A-Za-z]+")
COGNITO_HOST = re.compile(r"cognito-idp\.(?P<region>[a-z0-9-]+)\.amazonaws\.com")
XML_CODE = re.compile(r"<Code>([^<]+)</Code>")
XML_MESSAGE = re.compile(r"<Message>([^<]+)</Message>")
TAG = re.compile(r"<[^>]*>")


class CognitoError(Exception):
    """What went wrong with the provider side, in one sentence for the reader of the terminal."""

    # The steps that had succeeded before it (a re-run picks up from there).
    done: tuple[str, ...] = ()


class NotFoundError(Exception):
    """A lookup found nothing (the caller decides whether that is a mistake)."""


def region_of_pool(pool_id: str) -> str | None:
    match = POOL_ID.fullmatch(pool_id)
    return match.group("region") if match else None


def authority(region: str, pool_id: str) -> str:
    """The pool's issuer, exactly as its tokens' ``iss`` (no trailing slash)."""
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


def pool_of_authority(url: str | None) -> str | None:
    """The user pool ID of a Cognito ``authority`` URL, or None for other providers."""
    if not url:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if not COGNITO_HOST.fullmatch(parts.hostname or ""):
        return None
    pool_id = parts.path.strip("/")
    return pool_id if POOL_ID.fullmatch(pool_id) else None


def domain_url(region: str, prefix: str | None, custom: str | None) -> str | None:
    """The managed-login domain of a pool's description: a custom domain wins over the prefix."""
    if custom:
        return f"https://{custom}"
    if prefix:
        return prefix_domain(region, prefix)
    return None


def prefix_domain(region: str, prefix: str) -> str:
    return f"https://{prefix}.auth.{region}.amazoncognito.com"


class Cognito:
    """A ``cognito-idp`` client for one region, whose calls raise :class:`CognitoError` or :class:`NotFoundError`."""

    def __init__(self, region: str | None, *, profile: str | None = None) -> None:
        import boto3
        import botocore.config
        import botocore.exceptions

        try:
            session = boto3.Session(profile_name=profile, region_name=region)
        except botocore.exceptions.ProfileNotFound:
            raise CognitoError(f"there is no AWS profile named {profile!r} in your AWS config "
                               "(see `aws configure list-profiles`)") from None
        if session.region_name is None:
            raise CognitoError("no AWS region is set: pass --region (e.g. --region eu-west-1), "
                               "or set one in your AWS profile")
        region = self.region = session.region_name
        known = {r for p in session.get_available_partitions()
                 for r in session.get_available_regions("cognito-idp", partition_name=p)}
        if region not in known:
            raise CognitoError(f"{region!r} is not an AWS region that has Cognito user pools "
                               "(for example: us-east-1, eu-west-1, ap-southeast-2)")
        config = botocore.config.Config(connect_timeout=5, read_timeout=20,
                                        retries={"max_attempts": 3, "mode": "standard"})
        self._client = session.client("cognito-idp", config=config)

    @property
    def client(self) -> Any:
        """The boto3 client itself (tests wrap it in botocore's Stubber)."""
        return self._client

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """``operation`` (boto3's snake_case name); a missing resource or user becomes :class:`NotFoundError`."""
        import botocore.exceptions as bx

        try:
            result: dict[str, Any] = getattr(self._client, operation)(**params)
        except bx.ClientError as exc:
            error = exc.response.get("Error", {})
            code, message = _readable(str(error.get("Code", "")), str(error.get("Message", "")))
            if code in ("ResourceNotFoundException", "UserNotFoundException"):
                raise NotFoundError(message) from None
            raise CognitoError(_client_error(code, message, exc.operation_name, self.region)) from None
        except (bx.NoCredentialsError, bx.PartialCredentialsError, bx.CredentialRetrievalError):
            raise CognitoError("no AWS credentials were found: run `aws configure` (or `aws sso login`), "
                               "or set AWS_PROFILE to a profile that has them") from None
        except bx.TokenRetrievalError:
            raise CognitoError("your AWS sign-in has expired: run `aws sso login` again") from None
        except bx.EndpointConnectionError as exc:
            raise CognitoError(f"cannot reach Cognito in {self.region} ({exc.kwargs.get('endpoint_url')}): "
                               "check the region and your network") from None
        except (bx.ConnectTimeoutError, bx.ReadTimeoutError):
            raise CognitoError(f"Cognito in {self.region} did not answer in time; try again") from None
        except bx.ParamValidationError as exc:
            raise CognitoError(f"AWS refused the request before sending it: {exc}") from None
        return result

    def pages(self, operation: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a paginated list call (``NextToken`` style)."""
        token: str | None = None
        while True:
            page = self.call(operation, **params, **({"NextToken": token} if token else {}))
            yield from page.get(key, [])
            token = page.get("NextToken")
            if not token:
                return

    def input_fields(self, operation: str) -> frozenset[str]:
        """The parameters ``operation`` accepts (``update_user_pool_client`` resets whatever is left out)."""
        name = self._client.meta.method_to_api_mapping[operation]
        return frozenset(self._client.meta.service_model.operation_model(name).input_shape.members)


def _readable(code: str, message: str) -> tuple[str, str]:
    """An XML error body botocore could not parse for this JSON API (a proxy's, or an emulator's):
    its code is then only the HTTP status, and the real code and message are inside."""
    if code.isdigit():
        found_code, found_message = XML_CODE.search(message), XML_MESSAGE.search(message)
        if found_code:
            return found_code.group(1), found_message.group(1) if found_message else ""
    if "<" in message:  # an HTML error page: its text, briefly
        message = " ".join(TAG.sub(" ", message).split())[:160]
    return code, message


def _client_error(code: str, message: str, operation: str, region: str) -> str:
    if code in ("AccessDeniedException", "AccessDenied", "UnauthorizedOperation"):
        return (f"your AWS identity is not allowed to call cognito-idp:{operation}: "
                f"ask for that permission in IAM ({message.rstrip('.')})")
    if code in ("UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException",
                "SignatureDoesNotMatch"):
        return "AWS did not accept your credentials: check the access key, or sign in again"
    if code in ("ExpiredTokenException", "ExpiredToken", "RequestExpired"):
        return "your AWS credentials have expired: sign in again (e.g. `aws sso login`)"
    if code in ("TooManyRequestsException", "LimitExceededException", "ThrottlingException"):
        return f"AWS refused {operation} for now ({code}: {message.rstrip('.')}); try again later"
    return f"Cognito in {region} refused {operation}: {message.rstrip('.') or code}"
