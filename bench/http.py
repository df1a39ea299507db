"""The foundation's page figures: a bare view and the home page, same server, same run."""

from bench import _http


def run(ctx):
    with _http.gunicorn() as base:
        hello = _http.load(base + "/bench/hello")
        home = _http.load(base + "/")
    yield "http_hello_rps", hello, "req/s"
    yield "http_home_rps", home, "req/s"
    yield "http_home_over_hello", home / hello, "ratio"
