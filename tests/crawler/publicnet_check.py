"""Run inside tests.namespaces.run_python's namespace: serve pages on a public address, run a real
`policywatch check` with private targets refused, print its lines and the server's hits as JSON.

Usage: python -m tests.crawler.publicnet_check WORKDIR [--via-proxy | --browser]

With ``--via-proxy`` the one document is fetched through a forward proxy on loopback, named
``localhost`` (a private name, as an egress proxy on an internal network is). With ``--browser``
the documents are fetched in Chromium: a public page, a redirect to loopback, a redirect to a
private name, a page whose image and script request private addresses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.forwardproxy import EGRESS_ADDRESS, ForwardProxy
from tests.httpserver import LINKEDIN_PAGES, PolicyTestServer, Reply

ROOT = Path(__file__).resolve().parents[2]


def redirect(location: str) -> object:
    return lambda request, hit: Reply(302, b"", {"Location": location})


#: A policy page whose sub-resources are on addresses that are not public (port filled in).
SUBRESOURCES = """<img src="http://127.0.0.1:{port}/pixel.png">
<script>fetch("http://private.test:{port}/beacon").catch(() => null);</script></body>"""


def main(workdir: Path, via_proxy: bool, browser: bool) -> None:
    with PolicyTestServer(host="0.0.0.0") as server, ForwardProxy() as proxy:
        port = server.port
        server.set("/pp", LINKEDIN_PAGES["/legal/privacy-policy"].read_bytes())
        hops = {"to-metadata": "http://169.254.169.254/latest/meta-data/",
                "to-decimal": "http://2852039166/latest/meta-data/",
                "to-private-name": f"http://private.test:{port}/pp",
                "to-loopback": f"http://127.0.0.1:{port}/pp",
                "to-localhost": f"http://localhost:{port}/pp",
                "to-public": f"http://public.test:{port}/pp"}
        for name, location in hops.items():
            server.route(f"/{name}", redirect(location))  # type: ignore[arg-type]
        docs = {"public": f"http://public.test:{port}/pp",
                "by-address": f"http://93.184.215.14:{port}/pp",
                "private-name": f"http://private.test:{port}/pp",
                **{name: f"http://public.test:{port}/{name}" for name in hops}}
        extra = ""
        if browser:
            page = LINKEDIN_PAGES["/legal/privacy-policy"].read_bytes()
            server.set("/with-subresources", page.replace(b"</body>", SUBRESOURCES.format(port=port).encode()))
            docs = {"public": docs["public"], "to-loopback": docs["to-loopback"],
                    "to-private-name": docs["to-private-name"],
                    "subresources": f"http://public.test:{port}/with-subresources"}
            extra = 'fetch = "browser"\n'
        elif via_proxy:
            docs = {"proxied": docs["public"]}
            extra = f'proxy = "{proxy.url.replace("127.0.0.1", "localhost")}"\n'
        targets = workdir / "targets.toml"
        targets.write_text('[platform]\nid = "net"\nname = "Net"\nselect = ["#component-container"]\n'
                           + "".join(f'[documents.{n}]\nname = "{n}"\nurl = "{u}"\n{extra}'
                                     for n, u in docs.items()), encoding="utf-8")
        env = {**os.environ, "POLICYWATCH_ALLOW_PRIVATE_TARGETS": "0",
               "POLICYWATCH_CONFIG": str(workdir / "none.toml")}
        done = subprocess.run(
            [sys.executable, "-m", "cli.main", "check", "--db", str(workdir / "pw.db"), "--targets",
             str(targets), "--format", "json", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
             "-s", "DOWNLOAD_TIMEOUT=15", "-s", "RETRY_TIMES=0"],
            capture_output=True, text=True, timeout=180, env=env, cwd=ROOT)
        hits = {path: server.hits(path) for path in
                ["/pp", "/pixel.png", "/beacon", "/with-subresources", *(f"/{n}" for n in hops)]}
        proxied = sum(r.client == EGRESS_ADDRESS for r in server.requests("/pp"))
    print(json.dumps({"returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr[-4000:],
                      "hits": hits, "proxied": proxied}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), "--via-proxy" in sys.argv[2:], "--browser" in sys.argv[2:])
