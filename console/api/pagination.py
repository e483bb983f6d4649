from rest_framework.pagination import PageNumberPagination

from console.api.fields import INT64_MAX


class ConsolePagination(PageNumberPagination):
    """Every list endpoint is paged: ``?page=N&page_size=M`` (at most 500 a page).

    The schema gives both their bounds, so that a page size of 0.5 or 501, or a page beyond 64 bits, is refused
    with 400 naming it (``console.api.query``) rather than quietly replaced by the default.
    """

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_schema_operation_parameters(self, view):
        bounds = {
            self.page_query_param: {"minimum": 1, "maximum": INT64_MAX},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
