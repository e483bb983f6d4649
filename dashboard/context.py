"""The navigation's count of what waits for the signed-in user (``templates/dashboard/_attention_badge.html``).

Counting reads every app (``dashboard.attention``), so no page pays for it while it renders: a page whose view
read the list already (the dashboard) shows its count at once; any other page's navigation loads the count by htmx
after it is shown (``dashboard:attention-count``). The API, and pages rendered without the request (the 500 page),
never run this.
"""

from django.http import HttpRequest

from dashboard.attention import read_attention_of_request


def attention_count(request: HttpRequest) -> dict:
    """``attention_count``: the number of items when this request read them already, else None (load it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path_info.startswith("/api/"):
        return {}
    items = read_attention_of_request(request)
    return {"attention_count": None if items is None else len(items)}
