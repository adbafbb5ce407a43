"""Process titles: proc-title-template's expansion and validation, as Redis 7.0's
sdstemplate-based ones ("{{" is a literal brace, a lone "}" is literal, unknown
variables and unclosed braces are refused, a template blank for an empty title is
refused, {config-file} is "-" without a config file)."""
import os
import re
import time

import pytest
import redis

INVALID = "template format is invalid or contains unknown variables"


def cmdline(pid):
    """The title as ps shows it, without the padding Redis's setproctitle leaves
    after a shorter title (spaces and a final ".")."""
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        title = f.read().replace(b"\0", b" ").decode()
    return re.sub(r"\s+\.$", "", title.strip())


def wait_title(pid, want):
    deadline = time.time() + 5
    while cmdline(pid) != want and time.time() < deadline:
        time.sleep(0.02)
    return cmdline(pid)


def test_default_title_names_the_listen_address(spawn):
    srv = spawn()
    assert wait_title(srv.proc.pid, f"{os.path.basename(srv.proc.args[0])} 127.0.0.1:{srv.port}")\
        .endswith(f" 127.0.0.1:{srv.port}")


@pytest.mark.parametrize("template, expected", [
    ("x {{y}} }} {port}", "x {y}} }} {port}"),      # "{{" escapes, "}" is literal
    ("abc}", "abc}"),
    ("{config-file} {tls-port}", "- 0"),            # regression: {config-file} was "" and refused
    ("  {port}  ", "{port}"),                       # trimmed
])
def test_templates_redis_accepts(spawn, template, expected):
    srv = spawn()
    c = srv.client()
    assert c.config_set("proc-title-template", template)
    assert c.config_get("proc-title-template")["proc-title-template"] == template
    assert wait_title(srv.proc.pid, expected.replace("{port}", str(srv.port))) == \
        expected.replace("{port}", str(srv.port))


@pytest.mark.parametrize("template", ["{title}", "{server-mode}", "{unknown}", "{", "{title", " ", "",
                                      "{}", "{unixsocket}", "{port"])
def test_templates_redis_refuses(spawn, template):
    c = spawn().client()
    before = c.config_get("proc-title-template")["proc-title-template"]
    with pytest.raises(redis.ResponseError) as e:
        c.config_set("proc-title-template", template)
    assert str(e.value).endswith(INVALID)
    assert c.config_get("proc-title-template")["proc-title-template"] == before
