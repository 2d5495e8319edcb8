"""Configuration: working defaults, one clear line and exit 2 for bad values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from server.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_work_with_nothing_set(tmp_path):
    settings = load_settings({"VAR_DIR": str(tmp_path)})
    assert settings.app_env == "development"
    assert settings.database_url == f"sqlite://{tmp_path / 'qinejia.sqlite3'}"
    assert settings.embedded_redis and settings.fake_wechat
    assert (settings.host, settings.port, settings.tz_name) == ("127.0.0.1", 8000, "Asia/Shanghai")
    # The development secret is generated once and kept.
    assert len(settings.secret_key) >= 32
    assert load_settings({"VAR_DIR": str(tmp_path)}).secret_key == settings.secret_key


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"APP_ENV": "prod"}, "APP_ENV"),
        ({"TZ_NAME": "Mars/Olympus"}, "TZ_NAME"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"WECHAT_APPID": "wx123"}, "WECHAT_SECRET"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"ACCESS_LOG": "maybe"}, "ACCESS_LOG"),
        ({"LOGIN_RATE_PER_CODE": "0"}, "LOGIN_RATE_PER_CODE"),
    ],
)
def test_bad_values_name_the_variable(tmp_path, env, variable):
    with pytest.raises(ConfigError, match=variable):
        load_settings({"VAR_DIR": str(tmp_path), **env})


PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "x" * 40,
    "WECHAT_APPID": "wx_real",
    "WECHAT_SECRET": "real-secret",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DATABASE_URL": "postgres://app@db/qinejia",
    "WECHATPAY_MCHID": "1900000109",
    "WECHATPAY_PRIVATE_KEY_FILE": "/etc/qinejia/apiclient_key.pem",
    "WECHATPAY_CERT_SERIAL_NO": "444F4864EA9B34415",
    "WECHATPAY_APIV3_KEY": "a" * 32,
    "WECHATPAY_PUBLIC_KEY_FILE": "/etc/qinejia/pub_key.pem",
    "WECHATPAY_PUBLIC_KEY_ID": "PUB_KEY_ID_0114",
    "WECHATPAY_NOTIFY_URL": "https://qinejia.example.gov.cn/api/v1/pay/wechat/notify",
}


@pytest.mark.parametrize(
    ("missing", "variable"),
    [
        ("SECRET_KEY", "SECRET_KEY"),
        ("WECHAT_APPID", "WECHAT"),
        ("REDIS_URL", "REDIS_URL"),
        ("WECHATPAY_MCHID", "WECHATPAY_MCHID"),
        ("WECHATPAY_APIV3_KEY", "WECHATPAY_APIV3_KEY"),
    ],
)
def test_production_refuses_development_shortcuts(tmp_path, missing, variable):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    if missing == "WECHAT_APPID":
        env.pop("WECHAT_SECRET")
    with pytest.raises(ConfigError, match=variable):
        load_settings({"VAR_DIR": str(tmp_path), **env})


def test_production_with_everything_set(tmp_path):
    settings = load_settings({"VAR_DIR": str(tmp_path), **PRODUCTION})
    assert not settings.fake_wechat and not settings.embedded_redis
    assert not settings.pay.fake
    assert settings.access_log is False  # production default: no access log


def test_cli_prints_one_line_and_exits_2(tmp_path):
    env = {**os.environ, "VAR_DIR": str(tmp_path), "PORT": "eighty"}
    result = subprocess.run(
        [sys.executable, "-m", "server", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "PORT" in lines[0], result.stderr
