"""launch.py's --share path without ever opening a share link: Gradio's tunnel call is replaced by one that
fails the way it does offline, and the app must say why there is no public link and keep serving locally.

No test may pass --share to a real server: on a machine with internet that publishes a public, open link."""

import importlib.util

import httpx
import pytest

from conftest import REPO, fake_services, free_port



@pytest.fixture
def launch_module():
    spec = importlib.util.spec_from_file_location("launch", REPO / "launch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_share_without_internet_says_why_and_keeps_serving(launch_module, slice_catalog, tmp_path, monkeypatch,
                                                           capsys, caplog):
    import gradio
    from gradio import networking

    tunnels, served = [], []

    def offline_tunnel(**kwargs):
        # what gradio.networking.setup_tunnel raises when its share server cannot be reached
        tunnels.append(kwargs)
        try:
            raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution")
        except httpx.ConnectError as exc:
            raise RuntimeError("Could not get share link from Gradio API Server.") from exc

    def serve_once(demo):  # instead of blocking forever: check the local server answers, then stop it
        served.append(httpx.get(demo.local_url, timeout=10).status_code)
        demo.close()

    monkeypatch.setattr(networking, "setup_tunnel", offline_tunnel)
    monkeypatch.setattr(gradio.Blocks, "block_thread", serve_once)
    monkeypatch.setattr("chat_app.factory.build_services", lambda settings: fake_services(slice_catalog))
    port = free_port()
    code = launch_module.main(["--no-llm", "--share", "--port", str(port), "--cache-dir", str(tmp_path),
                               "--sessions-db", str(tmp_path / "s.sqlite3")])
    err = capsys.readouterr().err
    assert code == 0 and len(tunnels) == 1 and tunnels[0]["local_port"] == port  # the share path was taken
    assert served == [200]  # and the app was serving locally after the tunnel failed
    assert "Could not open a public share link: it needs the internet" in err
    assert f"keeps serving locally at http://127.0.0.1:{port}" in err
    assert "--share without --auth: anyone with the link can use the app" in caplog.text
