"""What `latticelab serve` exposes over HTTP (issue 12): the apps, and nothing else.

The server runs over a notebooks directory whose parent holds canary files (a text file, a picture and a
notebook that the allowlist would pass by name). No path, however encoded, gives their contents or renders
the outside notebook; no Jupyter contents, kernels list, sessions, terminals or upload endpoint answers; the
notebooks' sources are not served. Each family of paths has a positive control (a file it does serve), so a
404 means "refused", not "wrong URL".
"""
import http.client
import json
import urllib.parse
import uuid
from pathlib import Path

import nbformat
import pytest
import voila
import websocket

from latticelab.widgets import _harness

OUTSIDE = "OUTSIDE-CANARY-c2a1"  # in every file outside the notebooks directory
INSIDE = "INSIDE-PICTURE-7f3e"  # in the allowlisted picture inside it
PRINTED = "hello from the app page"
ENCODINGS = {
    "raw": lambda rel: rel,
    "dots %2e": lambda rel: rel.replace("..", "%2e%2e"),
    "slashes %2f": lambda rel: rel.replace("/", "%2f"),
    "both": lambda rel: rel.replace("..", "%2e%2e").replace("/", "%2f"),
    "double-encoded": lambda rel: rel.replace("..", "%252e%252e").replace("/", "%252f"),
    "backslashes": lambda rel: rel.replace("/", "%5c"),
    "overlong dots": lambda rel: rel.replace("..", "%c0%ae%c0%ae"),
}


def _notebook(path: Path, source: str):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    top = tmp_path_factory.mktemp("exposure")
    root = top / "notebooks"
    root.mkdir()
    _notebook(root / "hello.ipynb", f"# the source, which the page must not show\nprint({PRINTED!r})")
    (root / "picture.png").write_text(INSIDE)
    (root / "data.csv").write_text("inside,but,not,allowlisted\n")
    (top / "secret.txt").write_text(OUTSIDE)
    (top / "secret.png").write_text(OUTSIDE)  # passes the allowlist by name
    _notebook(top / "outside.ipynb", f"print({OUTSIDE!r})")
    with _harness.voila_server(root, preset="smoke") as server:
        host, port = urllib.parse.urlsplit(server.url).netloc.split(":")
        yield dict(server=server, root=root, top=top, host=host, port=int(port))


def request(site, path: str, method: str = "GET", body=None, redirects: int = 3) -> tuple:
    """(status, body text) for ``path`` sent exactly as given (no normalisation); redirects within the server
    are followed (Voila sends a non-notebook /voila/render/<path> to /voila/files/<path>)."""
    conn = http.client.HTTPConnection(site["host"], site["port"], timeout=120)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        r = conn.getresponse()
        status, text, location = r.status, r.read().decode("utf-8", "replace"), r.getheader("Location")
    finally:
        conn.close()
    if 300 <= status < 400 and location and redirects:
        target = urllib.parse.urlsplit(location)
        assert target.netloc in ("", f"{site['host']}:{site['port']}"), f"{path} redirects off the server: {location}"
        return request(site, target.path + (f"?{target.query}" if target.query else ""), redirects=redirects - 1)
    return status, text


def refused(site, path: str, method: str = "GET", body=None, canary: str = OUTSIDE) -> int:
    status, text = request(site, path, method, body)
    assert status >= 400 and canary not in text, f"{method} {path} -> {status}: {text[:300]!r}"
    return status


def traversals(prefix: str, target: Path) -> dict:
    """{encoding: prefix + '../' enough times to reach '/' from any root + ``target``, so encoded}, plus
    ``target`` as an absolute path after the prefix."""
    rel = "../" * 16 + str(target).lstrip("/")
    out = {name: prefix + enc(rel) for name, enc in ENCODINGS.items()}
    out["absolute"] = prefix + str(target)  # e.g. /voila/files//tmp/.../secret.png
    out["absolute %2f"] = prefix + str(target).replace("/", "%2f")
    return out


def test_the_app_pages_are_served_without_their_sources(site):
    status, text = request(site, "/voila/render/hello.ipynb")
    assert status == 200 and PRINTED in text and "the source, which the page must not show" not in text
    refused(site, "/voila/files/hello.ipynb", canary="the source")  # denylisted: the source stays on the server
    status, text = request(site, "/voila/api/contents/hello.ipynb")  # the tree's listing: the model, no content
    assert status == 200 and json.loads(text)["content"] is None and "the source" not in text


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/contents"), ("GET", "/api/contents/hello.ipynb"), ("GET", "/api/contents/picture.png"),
    ("GET", "/api/kernels"), ("POST", "/api/kernels"), ("GET", "/api/sessions"), ("POST", "/api/sessions"),
    ("GET", "/api/kernelspecs"), ("GET", "/api/terminals"), ("POST", "/api/terminals"), ("GET", "/terminals/1"),
    ("GET", "/terminals/websocket/1"), ("GET", "/api/nbconvert"), ("GET", "/api/config/notebook"),
    ("GET", "/files/hello.ipynb"), ("GET", "/tree"), ("GET", "/lab"), ("GET", "/notebooks/hello.ipynb"),
    ("GET", "/edit/hello.ipynb"), ("GET", "/view/hello.ipynb"), ("GET", "/nbconvert/html/hello.ipynb"),
])
def test_no_jupyter_endpoint_answers(site, method, path):
    refused(site, path, method, body="{}" if method == "POST" else None, canary="the source")


def test_nothing_can_be_uploaded(site):
    before = sorted(p.name for p in site["top"].rglob("*"))
    model = json.dumps({"type": "file", "format": "text", "content": OUTSIDE})
    for path in ("/api/contents/upload.txt", "/voila/api/contents/upload.txt", "/voila/files/upload.png",
                 "/voila/static/upload.png", "/voila/render/upload.ipynb", "/voila/tree/upload.txt"):
        for method in ("PUT", "POST", "PATCH"):
            status, _ = request(site, path, method, body=model)
            assert status >= 400, f"{method} {path} -> {status}"
    assert sorted(p.name for p in site["top"].rglob("*")) == before


def test_kernel_and_terminal_websockets_need_a_live_kernel(site):
    base = f"ws://{site['host']}:{site['port']}"
    for path in (f"/api/kernels/{uuid.uuid4()}/channels", "/terminals/websocket/1"):
        with pytest.raises(websocket.WebSocketBadStatusException) as err:
            websocket.create_connection(base + path, timeout=30)
        assert err.value.status_code == 404, path


def test_files_serves_allowlisted_pictures_and_nothing_outside(site):
    status, text = request(site, "/voila/files/picture.png")
    assert status == 200 and text == INSIDE  # the positive control
    refused(site, "/voila/files/data.csv", canary="inside,but")  # not allowlisted
    for path in traversals("/voila/files/", site["top"] / "secret.png").values():
        refused(site, path)
    refused(site, "/voila/files/../secret.png")  # one level up, as a page's relative link would


def test_static_paths_serve_their_own_files_only(site):
    checks = {"/voila/static/": "voila.js", "/voila/templates/base/static/": "voila.js",
              "/voila/labextensions/": "anywidget/package.json",
              "/voila/api/themes/": "@jupyterlab/theme-light-extension/index.css"}
    for prefix, known in checks.items():
        assert request(site, prefix + known)[0] == 200, prefix + known  # the positive control
        for path in traversals(prefix, site["top"] / "secret.txt").values():
            refused(site, path)
    for path in traversals("/voila/static/", Path(voila.__file__).parent / "app.py").values():
        refused(site, path, canary="class Voila(")  # Voila's own source, outside every static root


def test_render_tree_and_contents_stay_inside_the_notebooks(site):
    for prefix in ("/voila/render/", "/voila/tree/", "/voila/api/contents/"):
        for target in ("outside.ipynb", "secret.txt", ""):
            for path in [*traversals(prefix, site["top"] / target).values(), prefix + "../" + target]:
                status, text = request(site, path)
                listed = "outside.ipynb" in text or "secret.txt" in text  # a listing of the directory above
                assert (status >= 400 or not listed) and OUTSIDE not in text, f"{path} -> {status}: {text[:300]!r}"
    refused(site, "/voila/render/data.csv", canary="inside,but")  # redirected to /voila/files/, not allowlisted
