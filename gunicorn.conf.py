"""gunicorn's settings that the console relies on, read from the working directory (``make run``, the tests).

header_map: a header name with an underscore (``X-Auth-Request_User``) maps to the same WSGI variable as its
dashed twin (``HTTP_X_AUTH_REQUEST_USER``), so a client could pass an identity the proxy never set. Such
headers are dropped (gunicorn 23's default, pinned here so that no upgrade or option changes it).
"""

header_map = "drop"
