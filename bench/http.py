"""The foundation's page figures: a bare view and the home page, same server, same run,
taking turns."""

from bench import _http


def run(ctx):
    with _http.gunicorn() as base:
        rps = _http.load_in_turns(
            {"hello": {"url": base + "/bench/hello"}, "home": {"url": base + "/"}}
        )
    hello, home = rps["hello"], rps["home"]
    yield "http_hello_rps", hello, "req/s"
    yield "http_home_rps", home, "req/s"
    yield "http_home_over_hello", home / hello, "ratio"
