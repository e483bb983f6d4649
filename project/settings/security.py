"""Who may reach the console and how: the secret key, hosts, sign-in (the proxy header, the lockout),
rate and size limits, and the security headers (HTTPS-only ones in production)."""

import secrets
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from console.env import env_bool, env_int, env_list, env_networks, env_required, env_str
from project.settings.base import DATA_DIR, PRODUCTION


def _development_secret_key() -> str:
    """A key generated on first start and kept in the data folder (never committed)."""
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


if PRODUCTION:
    SECRET_KEY = env_required("SECRET_KEY", "production mode never generates its own key")
else:
    SECRET_KEY = env_str("SECRET_KEY") or _development_secret_key()

ALLOWED_HOSTS = (
    env_list("ALLOWED_HOSTS")
    if PRODUCTION
    else env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production mode")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Identity from the platform's authenticating proxy (X-Auth-Request-User).
AUTH_PROXY_HEADER = env_bool("AUTH_PROXY_HEADER", False)
AUTH_TRUSTED_PROXIES = env_networks("AUTH_TRUSTED_PROXIES")
if AUTH_PROXY_HEADER and not AUTH_TRUSTED_PROXIES:
    raise ImproperlyConfigured(
        "AUTH_PROXY_HEADER is on but AUTH_TRUSTED_PROXIES is empty: "
        "list the proxy addresses allowed to assert a user's identity"
    )
# Reverse proxies (the ingress) whose X-Forwarded-For names the client, for the sign-in lockout and the token
# throttle (console.ratelimit.client_address); without them every client would count as the proxy's address.
FORWARDED_FOR_PROXIES = env_networks("FORWARDED_FOR_PROXIES")
# The lockout's check comes first, so that a locked user name or address is refused before any password is tried.
AUTHENTICATION_BACKENDS = ["console.auth.SignInLockoutBackend", "django.contrib.auth.backends.ModelBackend"]
if AUTH_PROXY_HEADER:
    AUTHENTICATION_BACKENDS.insert(1, "console.auth.ProxyHeaderBackend")

# Sign-in lockout (django-axes; console/auth.py): SIGN_IN_FAILURE_LIMIT failed sign-ins for one user name (from any
# address) or from one address (for any names) lock that name or address for SIGN_IN_COOLOFF seconds after the
# last failure counted. Failures are kept in the database, which every process shares.
AXES_ENABLED = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("SIGN_IN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(seconds=env_int("SIGN_IN_COOLOFF", 900, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# An attempt refused during a lockout is not counted, so the lockout ends when the page says.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success leaves the failures to lapse: clearing them would let one account's owner reset an address's count.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "console.ratelimit.client_address"
AXES_WHITELIST_CALLABLE = "console.auth.is_proxy_sign_in"
AXES_LOCKOUT_CALLABLE = "console.auth.sign_in_locked_out"
# Successful sign-ins are not logged by axes (a table that would only grow); lockouts go to the audit trail.
AXES_DISABLE_ACCESS_LOG = True
# Not its banner at every start; failures and lockouts are still logged (without names or addresses).
AXES_VERBOSE = False
# Failed token authentications (Authorization: Token ...) from one address per window (seconds); then 429.
API_TOKEN_FAILURE_LIMIT = env_int("API_TOKEN_FAILURE_LIMIT", 20, minimum=1)
API_TOKEN_FAILURE_WINDOW = env_int("API_TOKEN_FAILURE_WINDOW", 300, minimum=1)
# Submission requests (submit, restart, cancel; pages and API together) a user may make per window (seconds).
# Counted in the shared cache (backing_services.py).
SUBMISSION_RATE_LIMIT = env_int("SUBMISSION_RATE_LIMIT", 10, minimum=1)
SUBMISSION_RATE_WINDOW = env_int("SUBMISSION_RATE_WINDOW", 60, minimum=1)

# Request bodies larger than these are refused with 413 before they are read: UPLOAD_MAX_BYTES for every
# form, page upload (a milestone table) and API request; the measurements upload API takes whole runs.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 2 * 1024 * 1024, minimum=1024)
MEASUREMENT_UPLOAD_MAX_BYTES = env_int("MEASUREMENT_UPLOAD_MAX_BYTES", 512 * 1024 * 1024, minimum=1024)
# URL name -> the setting of its own limit.
REQUEST_BODY_LIMITS = {"api:submission-measurements": "MEASUREMENT_UPLOAD_MAX_BYTES"}

# A form refused by the CSRF check gets the console's 403 page (a stale page, most often), not Django's.
CSRF_FAILURE_VIEW = "console.error_pages.csrf_failure"

# Security headers, on in every mode; the HTTPS-only ones in production.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_bool("SECURE_PROXY_SSL_HEADER", True):
        # The platform's ingress terminates TLS and says so in this header.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
