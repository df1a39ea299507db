"""The production shape, run as shipped, without Docker (.ci/production-shape).

What an operator does, in order, read from the files that ship it:

1. the image: a copy of the repository, the Dockerfile's ENV, and every ``RUN`` after
   its ``COPY . .`` (the build step), run in that copy;
2. the compose services' own commands, environment and healthchecks from
   docker-compose.yml: ``migrate``, ``web`` (gunicorn), ``worker``, ``beat`` and the
   ``proxy`` (nginx with deploy/nginx/portal.conf.template), with the placeholders
   filled as an operator fills them and the compose host names mapped to 127.0.0.1
   (PostgreSQL, Redis, the web port); SMS go to the fake SOLAPI gateway on 127.0.0.1.

Then, over HTTP through the proxy with the TLS terminator's headers (``Host``,
``X-Forwarded-Proto: https``, ``X-Forwarded-For``), it checks the partner pages, the
admin login, their hashed static files, a sign-up with the code the worker delivered to
the gateway, the per-client login limit behind the proxies, a lesson video sent by
nginx, both compose healthchecks, a job going from beat to the worker, the schedule
beat loaded, and ``check --deploy``. Any failure exits non-zero.

``--serve`` brings the shape up (with the demo data) and keeps it running until
Ctrl-C, for trying it by hand (docs/operations.md, "Without Docker").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shelve
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg
import redis
import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
PUBLIC_HOST = "partner.example.kr"
CLIENT_IP = "203.0.113.10"
SIGNUP = {"phone": "01010000005", "name": "정가입", "birth_date": "19800630"}
PARTNER = ("01010000001", "Blue1234!")  # accounts/demo.py: enrolled in a course
MEMBER = ("01030000001", "Blue1234!")  # membership/demo.py: a membership history
STAFF = ("staff", "Staff1234!")  # load_demo's staff account
NEW_PASSWORD = "Shape2026!ok"  # noqa: S105 (the new partner of the check)
HASHED = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")


BEGAN = time.monotonic()


def say(message: str) -> None:
    print(f"[production-shape {time.monotonic() - BEGAN:5.0f}s] {message}", flush=True)


class Failed(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


# --- what the operator fills ------------------------------------------------------------


class Shape:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work = Path(tempfile.mkdtemp(prefix="pp-shape-"))
        self.work.chmod(0o755)  # nginx's workers read the lesson files below it
        self.app = self.work / "app"
        base = args.port_base
        self.ports = {"gateway": base, "web": base + 1, "proxy": base + 2}
        self.database_url = f"postgres://postgres@127.0.0.1:5432/{args.database}"
        self.redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
        # What an operator puts in .env: the compose file's required values.
        self.operator = {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": PUBLIC_HOST,
            "SITE_URL": f"https://{PUBLIC_HOST}",
            "CSRF_TRUSTED_ORIGINS": f"https://{PUBLIC_HOST}",
            "POSTGRES_PASSWORD": secrets.token_urlsafe(16),
            "SMS_GATEWAY_API_KEY": "NCSFAKEKEY000001",
            "SMS_GATEWAY_API_SECRET": "fake-secret-for-tests-0123456789abcdef",
            "KAKAO_CLIENT_ID": "shape-kakao-rest-api-key",
            "KAKAO_CLIENT_SECRET": "shape-kakao-client-secret",
        }

    # Compose's ${NAME:?message}, ${NAME:-default} and ${NAME}, from the operator's values.
    def interpolate(self, value: str) -> str:
        def fill(match: re.Match) -> str:
            name, op, arg = match["name"], match["op"], match["arg"] or ""
            given = self.operator.get(name, "")
            if op == ":?" and not given:
                raise Failed(f"docker-compose.yml requires {name}: {arg}")
            if op == ":-" and not given:
                return arg
            return given

        return re.sub(
            r"\$\{(?P<name>[A-Z0-9_]+)(?:(?P<op>:\?|:-)(?P<arg>[^}]*))?\}", fill, str(value)
        )

    # The compose network's addresses and the image's paths, on this machine.
    def publish(self, text: str) -> str:
        web, proxy = self.ports["web"], self.ports["proxy"]
        for before, after in {
            "0.0.0.0:8000": f"127.0.0.1:{web}",
            "127.0.0.1:8000": f"127.0.0.1:{web}",
            "web:8000": f"127.0.0.1:{web}",
            "127.0.0.1:8080": f"127.0.0.1:{proxy}",
            "/app/": f"{self.app}/",
        }.items():
            text = text.replace(before, after)
        return text

    def service(self, name: str) -> dict:
        return self.compose["services"][name]

    def service_env(self, name: str) -> dict[str, str]:
        env = {
            key: self.publish(self.interpolate(value))
            for key, value in (self.service(name).get("environment") or {}).items()
        }
        if name == "proxy":
            env["PROXY_PORT"] = str(self.ports["proxy"])
            return env
        # Without Docker the operator names their own PostgreSQL and Redis, and the
        # gateway; the sweep runs every 5 s so that a job is seen to run in time.
        env["DATABASE_URL"] = self.database_url
        env["REDIS_URL"] = self.redis_url
        env["SMS_GATEWAY_URL"] = f"http://127.0.0.1:{self.ports['gateway']}"
        env["SMS_SWEEP_EVERY_SECONDS"] = "5"
        return env

    def image_env(self) -> dict[str, str]:
        """The Dockerfile's ENV, with the image's virtualenv replaced by this one's."""
        env = {"PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin", "HOME": str(self.work)}
        text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
        for line in text.splitlines():
            if line.startswith("ENV "):
                for item in shlex.split(line[4:]):
                    key, _, value = item.partition("=")
                    if key != "PATH" and not key.startswith("UV_"):
                        env[key] = value
        return env

    def build_steps(self) -> list[str]:
        """Every RUN of the Dockerfile after ``COPY . .``: the image's build."""
        text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
        lines = text.splitlines()
        copy_at = next(i for i, line in enumerate(lines) if line.strip() == "COPY . .")
        steps = [line[4:].strip() for line in lines[copy_at:] if line.startswith("RUN ")]
        check(bool(steps), "the Dockerfile has no build step after COPY . .")
        return steps

    # --- processes --------------------------------------------------------------------

    def run(self, label: str, command: str | list[str], env: dict[str, str], **kwargs):
        argv = ["sh", "-c", command] if isinstance(command, str) else command
        say(f"{label}: {command if isinstance(command, str) else shlex.join(command)}")
        result = subprocess.run(
            argv, cwd=kwargs.pop("cwd", self.app), env=env, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise Failed(f"{label} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
        return result

    def start(self, name: str, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        log = self.work / f"{name}.log"
        self.logs[name] = log
        say(f"start {name}: {shlex.join(argv)}")
        self.processes[name] = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop_all(self) -> None:
        for name in ["proxy", "beat", "web", "worker", "gateway"]:
            self.stop(name)

    def alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise Failed(f"{name} exited ({process.returncode}):\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 40) -> str:
        log = self.logs.get(name)
        if log is None or not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def compose_command(self, name: str) -> list[str]:
        command = self.service(name)["command"]
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        return [self.publish(part) for part in argv]

    def healthcheck(self, name: str) -> list[str]:
        test = self.service(name)["healthcheck"]["test"]
        check(test[0] in {"CMD", "CMD-SHELL"}, f"{name}: unknown healthcheck form {test[0]}")
        if test[0] == "CMD-SHELL":
            return ["sh", "-c", self.publish(test[1])]
        return [self.publish(part) for part in test[1:]]

    # --- the steps --------------------------------------------------------------------

    def copy_image(self) -> None:
        files = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.split(b"\0")
        ignored = {".venv", ".tools", "var", ".git"}
        for raw in files:
            if not raw:
                continue
            relative = Path(raw.decode())
            source = ROOT / relative
            if relative.parts[0] in ignored or not source.is_file():
                continue
            target = self.app / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        (self.app / "var" / "media").mkdir(parents=True)

    def reset_services(self) -> None:
        name = self.args.database
        with psycopg.connect(
            "postgres://postgres@127.0.0.1:5432/postgres", autocommit=True
        ) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        redis.Redis.from_url(self.redis_url).flushdb()

    def render_proxy(self) -> Path:
        env = self.service_env("proxy")
        nginx = self.work / "nginx"
        for sub in ("conf.d", "tmp"):
            (nginx / sub).mkdir(parents=True, exist_ok=True)
        volumes = self.service("proxy")["volumes"]
        template = next(v.split(":")[0] for v in volumes if v.endswith(".template:ro"))
        text = (ROOT / template).read_text()
        # As the nginx image does: only ${NAME} of the container's environment.
        for key, value in env.items():
            text = text.replace("${" + key + "}", value)
        leftover = re.findall(r"\$\{[A-Z_]+\}", text)
        check(not leftover, f"proxy template: no value for {leftover}")
        (nginx / "conf.d" / "portal.conf").write_text(text)
        main = nginx / "nginx.conf"
        tmp = nginx / "tmp"
        main.write_text(
            f"""daemon off;
worker_processes 1;
pid {nginx}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 65;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {nginx}/conf.d/*.conf;
}}
"""
        )
        return main

    def wait_healthy(self, name: str, timeout: float = 90) -> None:
        argv = self.healthcheck(name)
        deadline = time.monotonic() + timeout
        while True:
            self.alive()
            result = subprocess.run(argv, capture_output=True, text=True, env=self.image_env())
            if result.returncode == 0:
                say(f"healthcheck of {name} passes: {shlex.join(argv)}")
                return
            if time.monotonic() > deadline:
                raise Failed(
                    f"healthcheck of {name} never passed: {shlex.join(argv)}\n"
                    f"{result.stdout}{result.stderr}\n{self.tail(name)}"
                )
            time.sleep(1)

    def up(self) -> None:
        self.copy_image()
        image_env = self.image_env()
        for step in self.build_steps():
            self.run("build", step, image_env)
        self.reset_services()
        self.start(
            "gateway",
            [
                *[str(VENV_BIN / "python"), "-m", "tests.fakes.sms_gateway"],
                *["--port", str(self.ports["gateway"])],
            ],
            image_env,
            ROOT,
        )
        portal_env = {**image_env, **self.service_env("web")}
        self.run("migrate", shlex.join(self.compose_command("migrate")), portal_env)
        for name in ("web", "worker", "beat"):
            env = {**image_env, **self.service_env(name)}
            self.start(name, self.compose_command(name), env, self.app)
        main = self.render_proxy()
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.run("proxy config", [nginx, "-t", "-c", str(main)], image_env)
        self.start("proxy", [nginx, "-c", str(main)], image_env, self.work)
        self.wait_healthy("web")
        self.wait_healthy("proxy")

    def load_demo(self) -> None:
        # The demo data: roster, courses with their videos, partners (not for production).
        env = {**self.image_env(), **self.service_env("web")}
        self.run("demo data", "python manage.py load_demo", env)


# --- HTTP through the proxy, as the TLS terminator forwards it ---------------------------


class Browser:
    """One visitor: cookies kept by hand (they are Secure; this leg is plain HTTP)."""

    def __init__(self, shape: Shape, client_ip: str = CLIENT_IP) -> None:
        self.base = f"http://127.0.0.1:{shape.ports['proxy']}"
        self.client_ip = client_ip
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {
            "Host": PUBLIC_HOST,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.client_ip,
            "Origin": f"https://{PUBLIC_HOST}",
            **kwargs.pop("headers", {}),
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = requests.request(
            method, self.base + path, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        for header in response.raw.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0" and "1970" not in morsel["expires"]:
                    self.cookies[name] = morsel.value
                else:  # deleted
                    self.cookies.pop(name, None)
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def page(self, path: str, *, follow: bool = False) -> str:
        response = self.get(path)
        if follow and response.status_code == 302:
            location = response.headers["Location"]
            check(location.startswith("/"), f"GET {path}: redirected off the site")
            check(not location.startswith("/accounts/login/"), f"GET {path}: not logged in")
            path = location
            response = self.get(path)
        check(
            response.status_code == 200,
            f"GET {path}: {response.status_code} {response.headers.get('Location', '')}\n"
            f"{response.text[:500]}",
        )
        return response.text

    def post(self, path: str, data: dict, *, form_page: str | None = None) -> requests.Response:
        html = self.page(form_page or path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        check(token is not None, f"no CSRF token on {form_page or path}")
        return self.request("POST", path, data={"csrfmiddlewaretoken": token[1], **data})

    def login(self, phone: str, password: str) -> None:
        response = self.post("/accounts/login/", {"login": phone, "password": password})
        check(response.status_code == 302, f"login {phone}: {response.status_code}")


def check_static(browser: Browser, html: str, page: str, seen: set[str]) -> None:
    assets = re.findall(r'(?:href|src)="(/static/[^"?#]+)"', html)
    check(bool(assets), f"{page}: no static files")
    for asset in assets:
        check(bool(HASHED.search(asset)), f"{page}: {asset} is not a hashed name")
        if asset in seen:
            continue
        seen.add(asset)
        response = browser.get(asset, headers={"Accept-Encoding": "gzip, br"})
        check(response.status_code == 200, f"{asset}: {response.status_code}")
        if asset.endswith((".css", ".js")) and len(response.content) > 1024:
            check(
                response.headers.get("Content-Encoding") in {"gzip", "br"},
                f"{asset}: not sent compressed",
            )


def wait_for(what: str, probe, timeout: float = 60, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(every)
    raise Failed(f"timed out waiting for {what}")


def checks(shape: Shape) -> None:
    started = time.time()
    seen: set[str] = set()
    visitor = Browser(shape)
    for path in [
        "/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/setup/",
        "/join/",
        "/help/centre/",
    ]:
        check_static(visitor, visitor.page(path), path, seen)
    # The admin's login is the portal's (allauth's secure_admin_login).
    to_login = visitor.get("/admin/login/?next=/admin/")
    check(to_login.status_code == 302, f"/admin/login/: {to_login.status_code}")
    check(to_login.headers["Location"].startswith("/accounts/login/"), "admin login elsewhere")
    check_static(visitor, visitor.page(to_login.headers["Location"]), "admin login", seen)
    say(f"visitor pages and admin login: 200 with hashed static files ({len(seen)})")

    shape.load_demo()
    staff = Browser(shape, "203.0.113.60")
    staff.login(*STAFF)
    for path in ["/admin/", "/admin/portal/scheduledjob/", "/admin/sms/outboxmessage/"]:
        check_static(staff, staff.page(path), path, seen)
    say("admin pages: 200")

    # Sign-up: the code goes out through the outbox, the worker, the gateway.
    gateway = f"http://127.0.0.1:{shape.ports['gateway']}"
    newcomer = Browser(shape, "203.0.113.20")
    data = {
        "username": SIGNUP["phone"],
        "name": SIGNUP["name"],
        "birth_date": SIGNUP["birth_date"],
    }
    sent = newcomer.post("/accounts/signup/code/", data, form_page="/accounts/signup/")
    check(sent.status_code == 302, f"sign-up code request: {sent.status_code}")

    def code_arrived():
        messages = requests.get(gateway + "/_fake/messages", timeout=5).json()["messages"]
        for message in messages:
            found = re.search(r"\b(\d{6})\b", message["text"])
            if message["to"] == SIGNUP["phone"] and found:
                return found[1]
        return None

    code = wait_for("the sign-up code at the gateway", code_arrived, timeout=30)
    done = newcomer.post(
        "/accounts/signup/",
        {
            **data,
            "code": code,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "agree_terms": "on",
            "agree_privacy": "on",
        },
    )
    check(done.status_code == 302, f"sign-up: {done.status_code}\n{done.text[:800]}")
    check_static(newcomer, newcomer.page("/courses/"), "/courses/ (new partner)", seen)
    stats = requests.get(gateway + "/_fake/stats", timeout=5).json()
    check(stats["auth_failures"] == 0, f"gateway refused the portal's signature: {stats}")
    say("sign-up: code delivered by the worker to the gateway, account made, logged in")

    # A partner with a course: dashboard, enrollment, lesson, its video from nginx.
    partner = Browser(shape, "203.0.113.30")
    partner.login(*PARTNER)
    dashboard = partner.page("/courses/")
    check_static(partner, dashboard, "/courses/", seen)
    enrollment = re.search(r'href="(/courses/\d+/)"', dashboard)
    check(enrollment is not None, "dashboard: no course link")
    detail = partner.page(enrollment[1])
    check_static(partner, detail, enrollment[1], seen)
    lesson_link = re.search(r'href="(/courses/\d+/lessons/\d+/)"', detail)
    check(lesson_link is not None, "enrollment page: no lesson link")
    lesson = partner.page(lesson_link[1])
    check_static(partner, lesson, lesson_link[1], seen)
    for path in ["/accounts/member/", "/accounts/member/services/", "/accounts/member/withdraw/"]:
        check_static(partner, partner.page(path, follow=True), path, seen)
    video = re.search(r'src="(/courses/lessons/(\d+)/video)"', lesson)
    check(video is not None, "lesson page: no video")
    media = partner.get(video[1], headers={"Range": "bytes=0-"})
    check(media.status_code == 206, f"{video[1]} bytes=0-: {media.status_code}")
    check("X-Accel-Redirect" not in media.headers, "the proxy passed X-Accel-Redirect on")
    size = int(media.headers["Content-Range"].rsplit("/", 1)[1])
    check(len(media.content) == size, "the video did not arrive whole")
    check(media.headers.get("Content-Type", "").startswith("video/"), "video content type")
    outsider = visitor.get(video[1], headers={"Range": "bytes=0-"})
    check(outsider.status_code == 302, f"a visitor got the video: {outsider.status_code}")
    say(f"partner pages: 200; lesson video ({size} bytes) sent by nginx after Django's check")

    member = Browser(shape, "203.0.113.40")
    member.login(*MEMBER)
    check_static(member, member.page("/membership/"), "/membership/", seen)
    say("membership history: 200")

    # Behind two proxies: ten code requests a minute per client (ACCOUNT_RATE_LIMITS
    # sms_code), whatever X-Forwarded-For the client sends itself.
    asker = Browser(shape)
    html = asker.page("/accounts/signup/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]

    def ask(client: str, number: int) -> str:
        asker.client_ip = client
        data = {"csrfmiddlewaretoken": token, "username": f"0109999{number:04d}"}
        asker.request("POST", "/accounts/signup/code/", data=data)
        return asker.page("/accounts/signup/")

    for attempt in range(10):
        answer = ask(f"198.51.100.{attempt}, 203.0.113.50", attempt)
        check("너무 많아요" not in answer, f"limited too early, at request {attempt}")
    limited = ask("198.51.100.99, 203.0.113.50", 99)
    check("너무 많아요" in limited, "a forged X-Forwarded-For escaped the per-client limit")
    other = ask("203.0.113.51", 98)
    check("너무 많아요" not in other, "another client behind the same proxies was limited")
    say("code limit: per client behind the proxies; a forged X-Forwarded-For still counts")

    # Beat → worker: the sweep (every 5 s here) is recorded by the worker as it runs.
    def sweep_ran():
        with psycopg.connect(shape.database_url) as connection:
            row = connection.execute(
                "SELECT last_outcome, extract(epoch FROM last_started_at) "
                "FROM portal_scheduledjob WHERE name = 'sms-sweep'"
            ).fetchone()
        return row if row and row[0] == "ok" and float(row[1]) >= started else None

    wait_for("the sms-sweep job from beat to the worker", sweep_ran, timeout=60)
    check("sms-sweep" in shape.tail("beat", 400), "beat's log does not show the sweep sent")
    say("beat sent sms-sweep; the worker ran it and recorded its run")

    ready = visitor.get("/readyz")
    check(ready.status_code == 200, f"/readyz through the proxy: {ready.status_code} {ready.text}")
    shape.wait_healthy("web", timeout=10)
    shape.wait_healthy("proxy", timeout=10)

    result = shape.run(
        "check --deploy",
        "python manage.py check --deploy --fail-level DEBUG",
        {**shape.image_env(), **shape.service_env("web")},
    )
    check("no issues" in result.stdout, f"check --deploy: {result.stdout}{result.stderr}")
    say("check --deploy: no issues")

    # beat writes its schedule file when it stops: every job of the schedule is in it.
    shape.stop("beat")
    sys.path.insert(0, str(shape.app))
    from portal.schedule import BEAT_SCHEDULE

    schedule_file = shape.compose_command("beat")[-1]

    def stored_entries():
        try:
            # beat's own file, written by this check's beat
            with shelve.open(schedule_file, flag="r") as stored:  # noqa: S301
                return set(stored["entries"])
        except Exception:  # beat's last write may still be landing
            return None

    entries = wait_for("beat's schedule file", stored_entries, timeout=10)
    check(set(BEAT_SCHEDULE) <= entries, f"beat's schedule lacks {set(BEAT_SCHEDULE) - entries}")
    say(f"beat loaded the schedule: {', '.join(sorted(BEAT_SCHEDULE))}")

    logs = shape.tail("web", 200).splitlines()
    json_lines = [line for line in logs if line.startswith("{")]
    check(bool(json_lines), "the web service wrote no JSON log lines")
    for line in json_lines:
        json.loads(line)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get("SHAPE_DATABASE", "pp_shape_ci"))
    parser.add_argument("--redis-db", type=int, default=int(os.environ.get("SHAPE_REDIS_DB", 0)))
    parser.add_argument(
        "--port-base", type=int, default=int(os.environ.get("SHAPE_PORT_BASE", 18100))
    )
    parser.add_argument("--serve", action="store_true", help="bring it up and keep it running")
    args = parser.parse_args(argv)
    shape = Shape(args)
    began = time.monotonic()
    try:
        shape.up()
        if args.serve:
            shape.load_demo()
            say(
                f"up: http://127.0.0.1:{shape.ports['proxy']}/ (send Host: {PUBLIC_HOST} and "
                f"X-Forwarded-Proto: https); logs in {shape.work}; Ctrl-C stops it"
            )
            while True:
                shape.alive()
                time.sleep(2)
        checks(shape)
    except Failed as failure:
        say(f"FAILED: {failure}")
        for name in shape.logs:
            print(f"--- {name} (last lines) ---\n{shape.tail(name)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        shape.stop_all()
    say(f"passed in {time.monotonic() - began:.0f} s")
    shutil.rmtree(shape.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
