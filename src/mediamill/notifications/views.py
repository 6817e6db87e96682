"""The URLs in every message: SubscribeURL, UnsubscribeURL and SigningCertURL.

They have the shape of SNS's own, under ``/sns/`` on this server::

    /sns/?Action=ConfirmSubscription&TopicArn=ARN&Token=TOKEN
    /sns/?Action=Unsubscribe&SubscriptionArn=ARN
    /sns/SimpleNotificationService-<32 hex digits>.pem

and answer like SNS (XML). Thin: each translates the request into one call of ``topics`` or
``keys``. No login, as on SNS: the token, and the random part of a subscription ARN, are the
credentials.
"""

from __future__ import annotations

import uuid
from xml.sax.saxutils import escape

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from mediamill.errors import MediamillError, NotFoundError
from mediamill.notifications import signing_keys, topics

_XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/"


@never_cache
@require_GET  # not HEAD: link scanners and prefetchers must not confirm or unsubscribe
def sns(request: HttpRequest) -> HttpResponse:
    action = request.GET.get("Action", "")
    try:
        if action == "ConfirmSubscription":
            subscription = topics.confirm(
                request.GET.get("TopicArn", ""), request.GET.get("Token", "")
            )
            arn = escape(subscription.arn)
            return _xml(
                "ConfirmSubscriptionResponse",
                f"<ConfirmSubscriptionResult><SubscriptionArn>{arn}</SubscriptionArn>"
                "</ConfirmSubscriptionResult>",
            )
        if action == "Unsubscribe":
            topics.unsubscribe(request.GET.get("SubscriptionArn", ""))
            return _xml("UnsubscribeResponse", "")
    except NotFoundError as exc:
        return _error("NotFound", exc, 404)
    except MediamillError as exc:  # a malformed ARN, an expired token
        return _error("InvalidParameter", exc, 400)
    return _error("InvalidAction", f"Unsupported Action {action!r}", 400)


@require_safe
def certificate(request: HttpRequest, cert_id: str) -> HttpResponse:
    pem = signing_keys.certificate(cert_id)
    if pem is None:
        return HttpResponse("No such certificate\n", status=404, content_type="text/plain")
    response = HttpResponse(pem, content_type="application/x-pem-file")
    response["Cache-Control"] = "public, max-age=86400"  # a certificate never changes
    return response


def _xml(name: str, inner: str, status: int = 200) -> HttpResponse:
    body = (
        f'<{name} xmlns="{_XMLNS}">{inner}'
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata></{name}>"
    )
    return HttpResponse(body, status=status, content_type="text/xml")


def _error(code: str, message: object, status: int) -> HttpResponse:
    body = (
        f'<ErrorResponse xmlns="{_XMLNS}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{escape(str(message))}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
    return HttpResponse(body, status=status, content_type="text/xml")
