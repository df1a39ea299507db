"""The foundation's page figures: a bare view and the home page, same server, same run,
taking turns."""

from bench import _http


def run(ctx):
    with _http.gunicorn() as base:
        figures = _http.load_in_turns(
            base, {"hello": _http.one("/bench/hello"), "home": _http.one("/")}
        )
    hello, home = figures["hello"], figures["home"]
    yield "http_hello_rps", hello.rps, "req/s"
    yield "http_hello_p99_ms", hello.p99_ms, "ms"
    yield "http_home_rps", home.rps, "req/s"
    yield "http_home_p99_ms", home.p99_ms, "ms"
    yield "http_home_over_hello", home.rps / hello.rps, "ratio"
