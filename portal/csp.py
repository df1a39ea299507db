"""Content-Security-Policy: the configured policy on pages, a closed one on data answers.

Pages get the policy of ``settings.CONTENT_SECURITY_POLICY`` from django-csp's
middleware. A JSON answer (the player's progress reports) is never rendered as a
document, so it carries the closed policy that suits data: nothing may be loaded from
it and nothing may frame it. django-csp's middleware keeps a policy that a response
carries already.
"""

from csp.constants import HEADER
from django.http import JsonResponse

DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"


def json_answer(data: dict, *, status: int = 200) -> JsonResponse:
    """A JSON answer with the closed data policy (:data:`DATA_POLICY`)."""
    response = JsonResponse(data, status=status)
    response[HEADER] = DATA_POLICY
    return response
