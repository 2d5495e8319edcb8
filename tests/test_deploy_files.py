"""The files of deploy/ are valid for the tools that read them: the environment file
loads as production settings, systemd accepts the units, nginx the site, promtool the
scrape config and the alert rules (with their unit tests), bash the scripts.

Fast checks of the files as shipped; tests/test_deploy.py runs them for real.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from server.config import load_settings, sentinel_target
from tests.support import deploy as ds

DEPLOY = ds.DEPLOY
pytestmark = pytest.mark.deploy_tools


def _tool(name: str) -> str:
    found = shutil.which(name)
    assert found is not None, f"{name} is not installed (the deploy_tools marker checks first)"
    return found


def _env_file() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "qinejia.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def test_the_environment_file_is_a_complete_production_configuration(tmp_path):
    env = _env_file()
    settings = load_settings({**env, "VAR_DIR": str(tmp_path)})
    assert settings.app_env == "production"
    assert not settings.run_jobs and not settings.access_log
    assert settings.proxy.forwarded_secret == env["FORWARDED_SECRET"]
    assert settings.metrics_port == 9464
    nginx = (DEPLOY / "nginx" / "qinejia.conf").read_text()
    assert f"client_max_body_size {settings.max_body_bytes};" in nginx
    assert f'secret=\\"{settings.proxy.forwarded_secret}\\"' in nginx


def test_the_sentinel_form_of_redis_url_names_the_sentinels_and_the_service():
    target = sentinel_target(
        "redis+sentinel://:s3cret@10.0.0.11:26379,10.0.0.12:26379/qinejia/2?sentinel_password=x"
    )
    assert target is not None
    assert target.sentinels == (("10.0.0.11", 26379), ("10.0.0.12", 26379))
    assert (target.service, target.db, target.password) == ("qinejia", 2, "s3cret")
    assert target.sentinel_password == "x"
    assert sentinel_target("redis://127.0.0.1:6379/0") is None
    for bad in (
        "redis+sentinel://host/qinejia",
        "redis+sentinel://h:1/",
        "redis+sentinel://h:1/a/b",
    ):
        with pytest.raises(Exception, match="REDIS_URL"):
            load_settings({"REDIS_URL": bad})


def test_systemd_accepts_the_units(tmp_path):
    analyze = _tool("systemd-analyze")
    # The units name the code at /opt/qinejia (deploy/README.md); verify them where the
    # code is now, so that their commands exist.
    for unit in (DEPLOY / "systemd").iterdir():
        text = unit.read_text().replace("/opt/qinejia", str(ds.ROOT))
        (tmp_path / unit.name.replace("@.", "@8001.")).write_text(text)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "qinejia-web@8001.service" in names and "qinejia-backup.timer" in names
    done = subprocess.run(
        [analyze, "verify", *names], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    web = (DEPLOY / "systemd" / "qinejia-web@.service").read_text()
    for line in (
        "EnvironmentFile=/etc/qinejia/qinejia.env",
        "User=qinejia",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "ReadWritePaths=/var/lib/qinejia",
        "Restart=on-failure",
        "Requires=qinejia-migrate.service",
    ):
        assert line in web, line


def test_nginx_accepts_the_site(tmp_path):
    _tool("nginx")
    _tool("openssl")
    site = ds.Nginx(tmp_path, [8001, 8002])
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=localhost", "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    site.render()
    done = subprocess.run(
        [*site.command.split(), "-t"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_promtool_accepts_the_scrape_config_and_the_rules_pass_their_unit_tests():
    promtool = _tool("promtool")
    folder = DEPLOY / "prometheus"
    for command in (
        ["check", "config", "prometheus.yml"],
        ["check", "rules", "alerts.yml"],
        ["test", "rules", "alerts_test.yml"],
    ):
        done = subprocess.run(
            [promtool, *command], cwd=folder, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, (command, done.stdout, done.stderr)


@pytest.mark.parametrize("script", ["backup/backup.sh", "backup/restore.sh", "rolling-restart.sh"])
def test_the_scripts_parse_and_refuse_to_run_without_their_arguments(script, tmp_path):
    path = DEPLOY / script
    assert path.stat().st_mode & 0o111, f"{script} is not executable"
    assert subprocess.run(["bash", "-n", str(path)], check=False).returncode == 0
    done = subprocess.run(
        [str(path)], capture_output=True, text=True, check=False, env={"PATH": "/usr/bin:/bin"}
    )
    assert done.returncode != 0 and done.stderr.strip(), done


def test_every_file_the_readme_names_exists():
    readme = (DEPLOY / "README.md").read_text()
    named = set(re.findall(r"deploy/[\w./@-]+\.\w+", readme))
    assert len(named) >= 10, named
    missing = [name for name in sorted(named) if not (ds.ROOT / name).exists()]
    assert not missing, missing
