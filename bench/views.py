from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe


@require_safe
def hello(request: HttpRequest) -> HttpResponse:
    """A bare view through the whole middleware stack: the baseline of the page figures."""
    return HttpResponse("hello", content_type="text/plain")
