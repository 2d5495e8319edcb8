"""One typed settings object, read from environment variables.

Every entry point (server, migrate, import-staff, seed-demo, worker, tests) calls
`load_settings()` so they all agree on where the database, Redis and WeChat are.
A bad value raises `ConfigError` naming the variable; the CLI prints that one line
and exits 2 instead of showing a traceback.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from server import faults

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "test", "production")
WECHAT_API_BASE = "https://api.weixin.qq.com"


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class RateLimits:
    """Login rate limits (requests per window). Keyed per IP, per code and per openid.

    The per-IP limit is deliberately high: the whole centre may reach us from one
    office NAT address, and a low per-IP limit would lock everyone out at 11:30.
    """

    window_s: int = 60
    per_ip: int = 3000
    per_code: int = 5
    per_openid: int = 20
    bind_per_user: int = 10  # guards the directory against guessing employee numbers


@dataclass(frozen=True)
class PaySettings:
    """WeChat Pay API v3 merchant configuration (public-key mode). No merchant id → the
    fake WeChat Pay of miniapp_stub/ (its test credentials are fetched from it)."""

    mchid: str | None = None
    private_key_file: str | None = None  # the merchant API private key (apiclient_key.pem)
    cert_serial_no: str | None = None  # serial number of the merchant API certificate
    apiv3_key: str | None = None  # 32 characters; decrypts notification resources
    public_key_file: str | None = None  # WeChat Pay platform public key (pub_key.pem)
    public_key_id: str | None = None  # PUB_KEY_ID_…
    notify_url: str | None = None  # https://…/api/v1/pay/wechat/notify
    api_base: str | None = None  # the fake's URL (development and tests)
    read_timeout_s: float = 10.0  # an answer later than this is unknown, never a refusal

    @property
    def fake(self) -> bool:
        return not self.mchid


_PAY_VARS = (
    "WECHATPAY_PRIVATE_KEY_FILE",
    "WECHATPAY_CERT_SERIAL_NO",
    "WECHATPAY_APIV3_KEY",
    "WECHATPAY_PUBLIC_KEY_FILE",
    "WECHATPAY_PUBLIC_KEY_ID",
    "WECHATPAY_NOTIFY_URL",
)


def _pay_settings(env: Mapping[str, str], app_env: str) -> PaySettings:
    """Real merchant credentials come as a complete set; production requires them."""
    mchid = env.get("WECHATPAY_MCHID") or None
    if mchid:
        missing = [name for name in _PAY_VARS if not env.get(name)]
        if missing:
            raise ConfigError(f"{missing[0]} must be set together with WECHATPAY_MCHID")
        if len(env["WECHATPAY_APIV3_KEY"]) != 32:
            raise ConfigError("WECHATPAY_APIV3_KEY must be 32 characters long")
        if app_env == "production" and not env["WECHATPAY_NOTIFY_URL"].startswith("https://"):
            raise ConfigError("WECHATPAY_NOTIFY_URL must be an https:// URL in production")
    elif app_env == "production":
        raise ConfigError(
            "WECHATPAY_MCHID is required when APP_ENV=production (no fake WeChat Pay)"
        )
    return PaySettings(
        mchid=mchid,
        private_key_file=env.get("WECHATPAY_PRIVATE_KEY_FILE") or None,
        cert_serial_no=env.get("WECHATPAY_CERT_SERIAL_NO") or None,
        apiv3_key=env.get("WECHATPAY_APIV3_KEY") or None,
        public_key_file=env.get("WECHATPAY_PUBLIC_KEY_FILE") or None,
        public_key_id=env.get("WECHATPAY_PUBLIC_KEY_ID") or None,
        notify_url=env.get("WECHATPAY_NOTIFY_URL") or None,
        api_base=None if mchid else (env.get("WECHATPAY_API_BASE") or None),
        read_timeout_s=_pay_timeout(env),
    )


def _pay_timeout(env: Mapping[str, str]) -> float:
    raw = env.get("WECHATPAY_TIMEOUT_S") or "10"
    try:
        seconds = float(raw)
    except ValueError:
        raise ConfigError(f"WECHATPAY_TIMEOUT_S must be a number of seconds, not {raw!r}") from None
    if not 0 < seconds <= 60:
        raise ConfigError("WECHATPAY_TIMEOUT_S must be within (0, 60]")
    return seconds


SENTINEL_SCHEME = "redis+sentinel://"


@dataclass(frozen=True)
class SentinelTarget:
    """`REDIS_URL=redis+sentinel://[user:password@]host:port[,host:port...]/service[/db]`
    (`?sentinel_password=` when the sentinels have their own): the Redis primary is
    whatever these sentinels name for `service`, so the app follows a failover."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    username: str | None = None
    password: str | None = None
    sentinel_password: str | None = None


def sentinel_target(url: str) -> SentinelTarget | None:
    """The Sentinel form of REDIS_URL parsed, None for any other form; ConfigError if bad."""
    from urllib.parse import parse_qs, unquote

    if not url.startswith(SENTINEL_SCHEME):
        return None
    rest = url[len(SENTINEL_SCHEME) :]
    rest, _, query = rest.partition("?")
    userinfo, _, hostpart = rest.rpartition("@")
    hosts, _, path = hostpart.partition("/")
    username, _, password = userinfo.partition(":") if userinfo else ("", "", "")
    parts = [part for part in path.split("/") if part]
    problem = (
        "REDIS_URL (Sentinel) must look like redis+sentinel://host:26379,host:26379/service[/db]"
    )
    sentinels = []
    for host in hosts.split(","):
        name, _, port = host.rpartition(":")
        if not name or not port.isdigit():
            raise ConfigError(f"{problem}, got {url!r}")
        sentinels.append((name.strip("[]"), int(port)))
    if not parts or len(parts) > 2 or (len(parts) == 2 and not parts[1].isdigit()):
        raise ConfigError(f"{problem}, got {url!r}")
    options = parse_qs(query)
    return SentinelTarget(
        sentinels=tuple(sentinels),
        service=parts[0],
        db=int(parts[1]) if len(parts) == 2 else 0,
        username=unquote(username) or None,
        password=unquote(password) or None,
        sentinel_password=next(iter(options.get("sentinel_password", [])), None),
    )


@dataclass(frozen=True)
class Proxy:
    """How the app learns the client's address behind the reverse proxy (Sanic's proxy
    settings). Unset, no proxy header is believed: a direct client could name any
    address. deploy/nginx/qinejia.conf sends `Forwarded` with FORWARDED_SECRET."""

    forwarded_secret: str | None = None  # trust Forwarded elements carrying this secret
    proxies_count: int | None = None  # or: this many proxies append to X-Forwarded-For
    real_ip_header: str | None = None  # or: a header one proxy sets (X-Real-IP)


@dataclass(frozen=True)
class Settings:
    app_env: str
    database_url: str
    redis_url: str | None
    wechat_appid: str | None
    wechat_secret: str | None
    wechat_api_base: str | None
    secret_key: str
    host: str
    port: int
    tz_name: str
    var_dir: Path
    token_ttl_s: int = 7 * 24 * 3600
    auth_cache_s: int = 30
    max_body_bytes: int = 6 * 1024 * 1024
    upload_dir: Path | None = None
    visitor_retention_days: int = 30
    access_log: bool = True
    run_jobs: bool = True
    login_limits: RateLimits = field(default_factory=RateLimits)
    # Service-quality assessment (API.md §11): attendance/inspection/satisfaction weights,
    # days a team has to put a failed item right, the centre's satisfaction target (%).
    assessment_weights: tuple[int, int, int] = (20, 40, 40)
    rectification_days: int = 3
    satisfaction_target: int = 96
    gym_monthly_quota: int = 8
    pay: PaySettings = field(default_factory=lambda: PaySettings())
    # Purchase requests from this total (fen) also need the leader step (API.md §12).
    procurement_leader_threshold_fen: int = 500_000
    proxy: Proxy = field(default_factory=lambda: Proxy())
    # Prometheus: one multiprocess directory per `run`/`worker` under it; the worker's port.
    metrics_dir: Path | None = None
    metrics_port: int = 9464

    @property
    def fake_wechat(self) -> bool:
        """No credentials configured: talk to miniapp_stub's fake WeChat over HTTP."""
        return not (self.wechat_appid and self.wechat_secret)

    @property
    def embedded_redis(self) -> bool:
        return not self.redis_url

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.tz_name)

    @property
    def uploads_path(self) -> Path:
        return self.upload_dir or self.var_dir / "uploads"

    @property
    def metrics_path(self) -> Path:
        return self.metrics_dir or self.var_dir / "metrics"

    @property
    def redis_sentinel(self) -> SentinelTarget | None:
        return sentinel_target(self.redis_url) if self.redis_url else None


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _database_url(env: Mapping[str, str], var_dir: Path) -> str:
    url = env.get("DATABASE_URL") or f"sqlite://{var_dir / 'qinejia.sqlite3'}"
    if not url.startswith(("sqlite://", "postgres://", "postgresql://", "asyncpg://")):
        raise ConfigError(
            f"DATABASE_URL must start with sqlite://, postgres:// or postgresql://, got {url!r}"
        )
    return url


def _secret_key(env: Mapping[str, str], app_env: str, var_dir: Path) -> str:
    key = env.get("SECRET_KEY")
    if key:
        if len(key) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters long")
        return key
    if app_env == "production":
        raise ConfigError("SECRET_KEY is required when APP_ENV=production")
    # Development and test: generate once, keep it so tokens survive restarts.
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _weights(env: Mapping[str, str], name: str) -> tuple[int, int, int]:
    raw = env.get(name) or "20/40/40"
    parts = raw.replace(",", "/").split("/")
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        raise ConfigError(f"{name} must be three integers like 20/40/40, got {raw!r}") from None
    if len(values) != 3 or min(values) < 0 or sum(values) <= 0:
        raise ConfigError(f"{name} must be three non-negative integers like 20/40/40, got {raw!r}")
    return values[0], values[1], values[2]


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from `env` (default: os.environ). Raises ConfigError."""
    env = os.environ if env is None else env
    app_env = env.get("APP_ENV", "development")
    if app_env not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, got {app_env!r}")
    var_dir = Path(env.get("VAR_DIR") or PROJECT_ROOT / "var")

    tz_name = env.get("TZ_NAME", "Asia/Shanghai")
    try:
        ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TZ_NAME is not a known time zone: {tz_name!r}") from None

    redis_url = env.get("REDIS_URL") or None
    if redis_url and not redis_url.startswith(
        ("redis://", "rediss://", "unix://", SENTINEL_SCHEME)
    ):
        raise ConfigError(
            "REDIS_URL must start with redis://, rediss://, unix:// or redis+sentinel://, "
            f"got {redis_url!r}"
        )
    if redis_url:
        sentinel_target(redis_url)  # a malformed Sentinel form fails here, naming REDIS_URL

    appid = env.get("WECHAT_APPID") or None
    secret = env.get("WECHAT_SECRET") or None
    if bool(appid) != bool(secret):
        missing = "WECHAT_SECRET" if appid else "WECHAT_APPID"
        raise ConfigError(f"{missing} must be set together with the other WECHAT_ variable")

    if app_env == "production":
        if not appid:
            raise ConfigError("WECHAT_APPID and WECHAT_SECRET are required when APP_ENV=production")
        if not redis_url:
            raise ConfigError("REDIS_URL is required when APP_ENV=production (no embedded Redis)")
        if not env.get("DATABASE_URL"):
            raise ConfigError("DATABASE_URL is required when APP_ENV=production")
        if env.get(faults.ENV_VAR):
            raise ConfigError(f"{faults.ENV_VAR} is refused when APP_ENV=production")
    try:
        faults.configure(env, app_env=app_env)
    except ValueError as exc:
        raise ConfigError(f"{faults.ENV_VAR}: {exc}") from None

    upload_dir = env.get("UPLOAD_DIR")
    metrics_dir = env.get("METRICS_DIR")
    forwarded_secret = env.get("FORWARDED_SECRET") or None
    if forwarded_secret is not None and (
        len(forwarded_secret) < 16 or any(c in forwarded_secret for c in ' ",;=')
    ):
        raise ConfigError(
            "FORWARDED_SECRET must be at least 16 characters, without spaces, quotes, , ; or ="
        )
    return Settings(
        app_env=app_env,
        database_url=_database_url(env, var_dir),
        redis_url=redis_url,
        wechat_appid=appid,
        wechat_secret=secret,
        wechat_api_base=env.get("WECHAT_API_BASE") or (WECHAT_API_BASE if appid else None),
        secret_key=_secret_key(env, app_env, var_dir),
        host=env.get("HOST", "127.0.0.1"),
        port=_int(env, "PORT", 8000, minimum=1),
        tz_name=tz_name,
        var_dir=var_dir,
        token_ttl_s=_int(env, "TOKEN_TTL_SECONDS", 7 * 24 * 3600, minimum=60),
        auth_cache_s=min(_int(env, "AUTH_CACHE_SECONDS", 30), 60),
        max_body_bytes=_int(env, "MAX_BODY_BYTES", 6 * 1024 * 1024, minimum=1024),
        upload_dir=Path(upload_dir) if upload_dir else None,
        visitor_retention_days=_int(env, "VISITOR_RETENTION_DAYS", 30, minimum=1),
        access_log=_bool(env, "ACCESS_LOG", app_env != "production"),
        run_jobs=_bool(env, "RUN_JOBS", True),
        login_limits=RateLimits(
            window_s=_int(env, "LOGIN_RATE_WINDOW_SECONDS", 60, minimum=1),
            per_ip=_int(env, "LOGIN_RATE_PER_IP", 3000, minimum=1),
            per_code=_int(env, "LOGIN_RATE_PER_CODE", 5, minimum=1),
            per_openid=_int(env, "LOGIN_RATE_PER_OPENID", 20, minimum=1),
            bind_per_user=_int(env, "BIND_RATE_PER_USER", 10, minimum=1),
        ),
        assessment_weights=_weights(env, "ASSESSMENT_WEIGHTS"),
        rectification_days=_int(env, "RECTIFICATION_DAYS", 3, minimum=1),
        satisfaction_target=_int(env, "SATISFACTION_TARGET", 96, minimum=1),
        gym_monthly_quota=_int(env, "GYM_MONTHLY_QUOTA", 8, minimum=1),
        pay=_pay_settings(env, app_env),
        procurement_leader_threshold_fen=_int(
            env, "PROCUREMENT_LEADER_THRESHOLD_FEN", 500_000, minimum=1
        ),
        proxy=Proxy(
            forwarded_secret=forwarded_secret,
            proxies_count=_int(env, "PROXIES_COUNT", 0, minimum=0) or None,
            real_ip_header=(env.get("REAL_IP_HEADER") or None),
        ),
        metrics_dir=Path(metrics_dir) if metrics_dir else None,
        metrics_port=_int(env, "METRICS_PORT", 9464, minimum=1),
    )
