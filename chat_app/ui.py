"""The Gradio 6 app: a chat beside a panel that shows what the system understood.

Per-session state lives in `gr.State` (one `SessionState` per browser tab or API client); the module holds
nothing per user. The same `/chat` endpoint serves the browser and `gradio_client`: it takes a message and
returns the conversation, the understood profile (Markdown), and a JSON record of recommendations and
profile for scripted clients.

With sign-in (`--auth` or `--users-file`), what is kept belongs to the signed-in user (`gr.Request.username`),
not to the browser: every handler first takes the user's session as stored (another of their browsers may
have changed it), a new page opens their latest conversation, and "Forget me" deletes everything stored
about them. Without sign-in each browser keeps its own session by the id in its local storage.
"""

from __future__ import annotations

import logging
import threading
from typing import Iterator

import gradio as gr

from chat_app.persist import SessionStore
from chat_app.pipeline import Services, TurnView, run_turn
from chat_app.feedback import ACTIONS, FeedbackError, apply_feedback, edit_ledger
from chat_app.history import HistoryError, HistoryLimits, HistoryMatcher, import_history
from chat_app.render import (escape_md, ledger_entries, profile_json, recommendations_json, render_profile,
                             render_reply)
from chat_app.session import SessionState, clean_message

log = logging.getLogger(__name__)

# the title, examples and placeholders are the catalog domain's (`Domain.texts`, retrieval/data/domain.yaml)


def _record(view: TurnView, state: SessionState, domain=None) -> dict:
    return {"session_id": state.session_id, "turn": state.turn, "notice": view.notice,
            "finished": view.finished, "recommendations": recommendations_json(view),
            "understood": profile_json(view.profile, domain),
            "timings": {k: round(v, 3) for k, v in view.timings.items()}}


def _pick_choices(state: SessionState, services: Services) -> list[tuple[str, str]]:
    return [(f"{i}. {services.catalog.get(item_id).label}", item_id)
            for i, item_id in enumerate(state.last_picks, 1) if services.catalog.get(item_id)]


def _ledger_choices(state: SessionState, domain=None) -> list[tuple[str, str]]:
    names = {"like": "like", "dislike": "dislike", "limit": "limit"}
    return [(f"{names[e['polarity']]}: {e['text']}", e["id"]) for e in ledger_entries(state.profile, domain)]


def signed_in(request: gr.Request | None) -> str | None:
    """The signed-in user's name, or None when the app runs without sign-in."""
    name = getattr(request, "username", None)
    return name if isinstance(name, str) and name else None


def synced(state: SessionState | None, store: SessionStore | None, owner: str | None) -> SessionState:
    """The session to work on. For a signed-in user it is the stored one: their other browsers may have
    changed it since this page read it, and a conversation forgotten elsewhere starts afresh here too."""
    state = state if isinstance(state, SessionState) else None
    if store is None or owner is None:
        return state or SessionState()
    if state is None:  # a new page or API client: the user's latest conversation
        return store.latest(owner) or SessionState()
    stored = store.load(state.session_id, owner)
    if stored is not None:
        return stored
    return state if state.turn == 0 and not state.chat else SessionState()  # deleted by "Forget me"


def make_respond(services: Services, store: SessionStore | None = None):
    def respond(message: str, state: SessionState | None, request: gr.Request | None = None) -> Iterator[tuple]:
        owner = signed_in(request)
        state = synced(state, store, owner)

        def outputs(view: TurnView, chat: list[dict]) -> tuple:
            domain = services.domain
            return (chat, "", render_profile(view.profile, domain), _record(view, state, domain), state,
                    gr.Radio(choices=_pick_choices(state, services), value=None),
                    gr.Dropdown(choices=_ledger_choices(state, domain), value=None), state.session_id)

        shown_message = clean_message(message, services.max_message_chars)
        if not shown_message.text:  # nothing to read: answer, but add nothing to the conversation
            view = next(run_turn(services, state, message))
            yield outputs(view, state.chat + [{"role": "assistant", "content": escape_md(view.notice)}])
            return
        user = {"role": "user", "content": escape_md(shown_message.text[:2000])}
        reply = ""
        # show the message at once, while the models read it
        yield outputs(TurnView(profile=state.profile, intent="pending"),
                      state.chat + [user, {"role": "assistant", "content": "_Reading your message…_"}])
        try:
            for view in run_turn(services, state, message):
                reply = render_reply(view)
                yield outputs(view, state.chat + [user, {"role": "assistant", "content": reply}])
        except Exception:  # a bug must not end the session: log it in full, tell the person, keep their state
            log.exception("turn failed for session %s", state.session_id)
            reply = (reply + "\n\n" if reply else "") + (
                "Sorry, something went wrong on my side while answering. Your conversation is kept; "
                "please try again or rephrase.")
            view = TurnView("error", profile=state.profile, finished=True)
            yield outputs(view, state.chat + [user, {"role": "assistant", "content": reply}])
        state.chat += [user, {"role": "assistant", "content": reply}]
        if store is not None:
            store.save(state, "turn", {"message": shown_message.text[:2000], "picks": state.last_picks}, owner)

    return respond


def make_adjust(services: Services, change, store: SessionStore | None = None, event: str = "feedback"):
    """A handler for a non-chat change to the profile: `change(state, target, action) -> message`."""

    def adjust(target: str | None, action: str, state: SessionState | None,
               request: gr.Request | None = None) -> tuple:
        owner = signed_in(request)
        state = synced(state, store, owner)
        try:
            message = change(state, target, action)
        except FeedbackError as exc:
            message = str(exc)
        else:
            if store is not None:
                store.save(state, event, {"target": str(target)[:100], "action": str(action)[:20]}, owner)
        domain = services.domain
        record = {"session_id": state.session_id, "turn": state.turn, "notice": message, "finished": True,
                  "recommendations": [], "understood": profile_json(state.profile, domain), "timings": {}}
        return (render_profile(state.profile, domain), record, state, escape_md(message),
                gr.Dropdown(choices=_ledger_choices(state, domain), value=None))

    return adjust


def make_import(services: Services, store: SessionStore | None = None, limits: HistoryLimits | None = None):
    """A handler for an uploaded history file (Letterboxd, IMDb, Goodreads; chat_app.history): the titles it
    matches join the ledger as likes, dislikes and seen titles, and a file that cannot be imported changes
    nothing. Same outputs as `make_adjust`; the record's "import" says what was matched and what was not."""
    limits = limits or HistoryLimits()
    matchers: list[HistoryMatcher] = []  # built at the first import and shared: the catalog is read-only
    lock = threading.Lock()

    def matcher() -> HistoryMatcher:
        with lock:
            if not matchers:
                matchers.append(HistoryMatcher(services.catalog))
            return matchers[0]

    def import_file(file: object, state: SessionState | None, request: gr.Request | None = None) -> tuple:
        owner = signed_in(request)
        state = synced(state, store, owner)
        outcome = None
        try:
            profile, outcome = import_history(state.profile, file, matcher(), state.turn, limits,
                                              domain=services.domain)
        except HistoryError as exc:
            message = str(exc)
        else:
            state.profile, message = profile, outcome.summary()
            if store is not None:
                counts = {k: v for k, v in outcome.to_json().items() if not isinstance(v, list)}
                store.save(state, "import", counts, owner)
        record = {"session_id": state.session_id, "turn": state.turn, "notice": message, "finished": True,
                  "recommendations": [], "understood": profile_json(state.profile, services.domain), "timings": {},
                  "import": outcome.to_json() if outcome else None}
        return (render_profile(state.profile, services.domain), record, state, escape_md(message),
                gr.Dropdown(choices=_ledger_choices(state, services.domain), value=None))

    return import_file


def _shown(services: Services, state: SessionState, notice: str) -> tuple:
    """The chat outputs for a whole session, as after a restore."""
    view = TurnView(notice, profile=state.profile, finished=True)
    domain = services.domain
    return (state.chat, "", render_profile(state.profile, domain), _record(view, state, domain), state,
            gr.Radio(choices=_pick_choices(state, services), value=None),
            gr.Dropdown(choices=_ledger_choices(state, domain), value=None), state.session_id)


def make_resume(services: Services, store: SessionStore | None):
    """Bring back a stored session (after a restart, or in a new tab) by its id; for a signed-in user, only
    one of theirs, and without an id their latest."""

    def resume(session_id: str | None, state: SessionState | None, request: gr.Request | None = None) -> tuple:
        owner = signed_in(request)
        restored = None
        if store is not None:
            restored = store.load(session_id, owner) if session_id or owner is None else store.latest(owner)
        state = restored or synced(state, store, owner)  # a page whose user was forgotten starts afresh
        return _shown(services, state, "restored" if restored else "")

    return resume


def make_reset(services: Services, store: SessionStore | None):
    """A new conversation; a signed-in user's is saved at once, so it is the one their other browsers open."""

    def reset(request: gr.Request | None = None) -> tuple:
        fresh, owner = SessionState(), signed_in(request)
        if store is not None and owner is not None:
            store.save(fresh, "reset", None, owner)
        return ([], "", render_profile(fresh.profile, services.domain), {}, fresh, gr.Radio(choices=[], value=None),
                gr.Dropdown(choices=[], value=None), fresh.session_id)

    return reset


def make_forget(services: Services, store: SessionStore | None):
    """ "Forget me": delete every conversation, ledger and reaction stored for the signed-in user, and start
    them afresh. Returns the chat outputs and a status line."""

    def forget(state: SessionState | None, request: gr.Request | None = None) -> tuple:
        owner = signed_in(request)
        if owner is None:
            message = "Nobody is signed in, so nothing is kept under a name; start a new conversation instead."
            return (*_shown(services, state if isinstance(state, SessionState) else SessionState(), message),
                    message)
        count = store.forget(owner) if store is not None else 0
        message = (f"Everything stored about {owner} is deleted ({count} conversation"
                   f"{'' if count == 1 else 's'} with their ledgers and reactions). You start afresh.")
        return (*_shown(services, SessionState(), message), escape_md(message))

    return forget


def build_ui(services: Services, store: SessionStore | None = None, browser_secret: str | None = None,
             accounts: bool = False, history_limits: HistoryLimits | None = None) -> gr.Blocks:
    """The app. `accounts`: people sign in (the launch passes `auth=`), so show "Forget me" and serve /forget.
    `history_limits`: the largest history file, and most rows, an import reads."""
    respond = make_respond(services, store)
    feedback = make_adjust(services, lambda state, item, action: apply_feedback(state, services.catalog, item, action),
                           store, "feedback")
    edit = make_adjust(services, edit_ledger, store, "edit")
    import_file = make_import(services, store, history_limits)
    resume = make_resume(services, store)
    reset, forget = make_reset(services, store), make_forget(services, store)
    texts = services.domain.texts
    with gr.Blocks(title=texts.title) as demo:
        state = gr.State(None)
        # the session id survives reloads and app restarts in the browser's local storage
        session_key = gr.BrowserState("", storage_key="cinechat-session", secret=browser_secret)
        gr.Markdown(f"## {escape_md(texts.title)}\nTell me what you loved, what you are in the mood for, and what "
                    f"to avoid. {escape_md(services.domain.intro(len(services.catalog)))}")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Conversation", height=520, buttons=["copy"],
                                     placeholder=texts.placeholder, feedback_options=None)
                with gr.Row():
                    box = gr.Textbox(show_label=False, placeholder=texts.box_placeholder,
                                     max_lines=6, scale=5, autofocus=True, elem_id="message")
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
                with gr.Group():
                    picks = gr.Radio(choices=[], label="React to a pick", elem_id="picks")
                    with gr.Row():
                        like = gr.Button(ACTIONS["like"], size="sm", elem_id="fb-like")
                        dislike = gr.Button(ACTIONS["dislike"], size="sm", elem_id="fb-dislike")
                        seen = gr.Button(ACTIONS["seen"], size="sm", elem_id="fb-seen")
                gr.Examples(list(texts.examples), inputs=[box], label="Try")
            with gr.Column(scale=2):
                gr.Markdown("### What I understood")
                understood = gr.Markdown(render_profile(SessionState().profile, services.domain),
                                         elem_id="understood")
                with gr.Group():
                    entry = gr.Dropdown(choices=[], label="Change an entry", elem_id="ledger-entry")
                    with gr.Row():
                        remove = gr.Button("Remove", size="sm", elem_id="ledger-remove")
                        flip = gr.Button("Flip like / dislike", size="sm", elem_id="ledger-flip")
                    history_file = gr.UploadButton("Import your history (CSV)", size="sm", elem_id="history-upload",
                                                   file_types=[".csv", ".tsv", ".txt"])
                    gr.Markdown("<small>A Letterboxd, IMDb or Goodreads export: rated titles become likes and "
                                "dislikes, the rest are marked seen.</small>", elem_id="history-help")
                status = gr.Markdown("", elem_id="status")
                with gr.Accordion("Details (JSON)", open=False):
                    record = gr.JSON(label="last turn")
                new_chat = gr.Button("New conversation")
                forget_me = gr.Button("Forget me", size="sm", variant="stop", visible=accounts, elem_id="forget")
                with gr.Group(visible=False) as confirm_forget:
                    gr.Markdown("Delete all your conversations, your ledger and your reactions, on every device?")
                    with gr.Row():
                        forget_yes = gr.Button("Yes, forget me", size="sm", variant="stop", elem_id="forget-yes")
                        forget_no = gr.Button("Cancel", size="sm", elem_id="forget-no")
        # hidden inputs so scripted clients can send feedback and edits by id
        api_target, api_action = gr.Textbox(visible=False), gr.Textbox(visible=False)
        api_feedback, api_edit = gr.Button(visible=False), gr.Button(visible=False)

        chat_outputs = [chatbot, box, understood, record, state, picks, entry, session_key]
        box.submit(respond, [box, state], chat_outputs, api_name="chat")
        send.click(respond, [box, state], chat_outputs, api_visibility="private")
        adjust_outputs = [understood, record, state, status, entry]
        for button, action in ((like, "like"), (dislike, "dislike"), (seen, "seen")):
            button.click(_with_action(feedback, action), [picks, state], adjust_outputs, api_visibility="private")
        for button, action in ((remove, "remove"), (flip, "flip")):
            button.click(_with_action(edit, action), [entry, state], adjust_outputs, api_visibility="private")
        api_feedback.click(feedback, [api_target, api_action, state], adjust_outputs, api_name="feedback")
        history_file.upload(import_file, [history_file, state], adjust_outputs, api_name="import_history")
        api_edit.click(edit, [api_target, api_action, state], adjust_outputs, api_name="edit")
        api_resume = gr.Button(visible=False)
        api_resume.click(resume, [api_target, state], chat_outputs, api_name="resume")

        def restore(session_key: str | None, st: SessionState | None, request: gr.Request) -> tuple:
            # a signed-in user's page opens their latest conversation, whichever browser saved it
            return resume(None if signed_in(request) else session_key, st, request)

        demo.load(restore, [session_key, state], chat_outputs, api_visibility="private")
        new_chat.click(reset, None, chat_outputs, api_name="reset")
        if accounts:
            forget_me.click(lambda: gr.Group(visible=True), None, confirm_forget, api_visibility="private")
            forget_no.click(lambda: gr.Group(visible=False), None, confirm_forget, api_visibility="private")
            api_forget = gr.Button(visible=False)  # first, so that the name "forget" is the API's
            api_forget.click(forget, [state], chat_outputs + [status], api_name="forget")
            forget_yes.click(forget, [state], chat_outputs + [status], api_visibility="private").then(
                lambda: gr.Group(visible=False), None, confirm_forget, api_visibility="private")
    return demo


def _with_action(handler, action: str):
    """`handler(target, action, state, request)` as a button's `(target, state, request)` handler."""

    def run(target: str | None, state: SessionState | None, request: gr.Request) -> tuple:
        return handler(target, action, state, request)

    return run
