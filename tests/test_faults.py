"""Fault points stop a process between two named steps, and never in production."""

from __future__ import annotations

import subprocess
import sys

import pytest

from server import faults
from server.config import ConfigError, load_settings


def test_production_refuses_fault_points(tmp_path):
    env = {
        "APP_ENV": "production",
        "WECHAT_APPID": "wx1",
        "WECHAT_SECRET": "s",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "DATABASE_URL": "postgres://x@127.0.0.1/db",
        "SECRET_KEY": "k" * 40,
        "WECHATPAY_MCHID": "1",
        "WECHATPAY_PRIVATE_KEY_FILE": "a",
        "WECHATPAY_CERT_SERIAL_NO": "b",
        "WECHATPAY_APIV3_KEY": "c" * 32,
        "WECHATPAY_PUBLIC_KEY_FILE": "d",
        "WECHATPAY_PUBLIC_KEY_ID": "e",
        "WECHATPAY_NOTIFY_URL": "https://x/api/v1/pay/wechat/notify",
        "VAR_DIR": str(tmp_path),
    }
    load_settings(env)  # the same settings without the variable are fine
    with pytest.raises(ConfigError, match="FAULT_POINTS"):
        load_settings({**env, "FAULT_POINTS": "a=kill"})


def test_a_malformed_spec_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="FAULT_POINTS"):
        load_settings({"APP_ENV": "test", "VAR_DIR": str(tmp_path), "FAULT_POINTS": "a=explode"})


async def test_fail_and_pause_act_only_when_armed():
    await faults.point("t.step")  # unarmed: nothing
    faults.arm("t.step", "fail")
    try:
        with pytest.raises(faults.FaultInjected):
            await faults.point("t.step")
        await faults.point("t.other")
        faults.arm("t.step", "pause:0")
        await faults.point("t.step")
    finally:
        faults.disarm()
    await faults.point("t.step")


def test_kill_stops_the_process_at_the_point(tmp_path):
    script = (
        "import asyncio, sys\n"
        "from server.config import load_settings\n"
        "from server import faults\n"
        "load_settings()\n"
        "async def main():\n"
        "    print('before', flush=True)\n"
        "    await faults.point('t.between')\n"
        "    print('after', flush=True)\n"
        "asyncio.run(main())\n"
    )
    env = {"APP_ENV": "test", "VAR_DIR": str(tmp_path), "FAULT_POINTS": "t.between=kill"}
    done = subprocess.run(
        [sys.executable, "-c", script], env={**env, "PATH": ""}, capture_output=True, text=True
    )
    assert done.returncode == -9
    assert done.stdout == "before\n"
