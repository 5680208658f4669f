"""Start CineChat: Settings -> services (catalog, index, models) -> Gradio app -> serve.

    python launch.py                 # packaged default model, bundled catalog, http://127.0.0.1:7860
    python launch.py --help          # every option; each also reads a CINECHAT_<NAME> environment variable
"""

from __future__ import annotations

import logging
import os
import sys
import threading

# no telemetry: the app must start and run without the internet (the packaged models are read from disk;
# only a Hugging Face id passed to --model reaches for the hub)
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from pydantic import ValidationError  # noqa: E402

log = logging.getLogger("cinechat")


WARM_UP_MESSAGE = "J'ai adoré Toy Story, quelque chose de semblable ?"


def warm_up(services) -> None:
    """Fill the LLM prompt caches (the gloss and explanation prefixes) so the first reply is quick: a message
    in another language, because English the rules understand never reaches the LLM."""
    from chat_app.pipeline import run_turn
    from chat_app.session import SessionState

    for _ in run_turn(services, SessionState(), WARM_UP_MESSAGE):
        pass
    log.info("models warmed up")


def exposure_warnings(settings) -> list[str]:
    """What to tell a person who exposes the app beyond this machine without a password."""
    warnings = []
    signed = settings.auth or settings.users_file
    if settings.host not in ("127.0.0.1", "localhost", "::1") and not signed:
        warnings.append(f"serving on {settings.host} without --auth: anyone on your network can use the app")
    if settings.share and not signed:
        warnings.append("--share without --auth: anyone with the link can use the app")
    return warnings


def browser_secret(cache_dir) -> str:
    """A stable secret for the browser-side session id, so a restart can still read it (created once, 0600)."""
    import secrets
    from pathlib import Path

    path = Path(cache_dir) / "browser-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def sign_in(settings):
    """Gradio's `auth=`: the --users-file check (UsersError when the file is unusable), the --auth pair, or None."""
    from chat_app.users import Authenticator

    if settings.users_file is not None:
        authenticator = Authenticator(settings.users_file)
        log.info("sign-in: %d users from %s", len(authenticator.users()), settings.users_file)
        return authenticator
    return settings.auth_pair


def main(argv: list[str] | None = None) -> int:
    from chat_app.settings import Settings

    try:
        settings = Settings.from_cli(argv)
    except ValidationError as exc:
        print(f"launch.py: invalid option or CINECHAT_* variable:\n{exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from chat_app.users import UsersError

    try:
        auth = sign_in(settings)  # a bad users file is reported at once, before the slow model and index work
    except UsersError as exc:
        print(f"\nCineChat cannot start: {exc}", file=sys.stderr)
        return 1

    from chat_app.factory import build_services
    from chat_app.llm.base import ModelError
    from retrieval.catalog import CatalogError
    from retrieval.store import ItemIndexError

    try:
        services = build_services(settings)
    except (ModelError, CatalogError, ItemIndexError) as exc:
        print(f"\nCineChat cannot start: {exc}", file=sys.stderr)
        return 1

    from chat_app.persist import SessionStore, StoreError
    from chat_app.history import limits_from
    from chat_app.ui import build_ui

    try:
        store = SessionStore(settings.sessions_db, services.domain)
    except StoreError as exc:
        print(f"\nCineChat cannot start: {exc}", file=sys.stderr)
        return 1

    for warning in exposure_warnings(settings):
        log.warning(warning)
    if services.llm is not None:
        threading.Thread(target=warm_up, args=(services,), daemon=True, name="warm-up").start()
    demo = build_ui(services, store, browser_secret(settings.cache_dir), accounts=auth is not None,
                    history_limits=limits_from(settings)).queue(
        default_concurrency_limit=settings.concurrency, max_size=settings.queue_size)
    demo.launch(server_name=settings.host, server_port=settings.port, share=settings.share,
                auth=auth, prevent_thread_lock=True, show_error=True, quiet=False,
                footer_links=["api"])
    if settings.share and not demo.share_url:
        print(f"\nCould not open a public share link: it needs the internet (Gradio downloads a tunnel program "
              f"and connects to its share server). The app keeps serving locally at "
              f"http://{settings.host}:{settings.port}", file=sys.stderr)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        demo.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
