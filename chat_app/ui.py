"""The Gradio 6 app: a chat beside a panel that shows what the system understood.

Per-session state lives in `gr.State` (one `SessionState` per browser tab or API client); the module holds
nothing per user. The same `/chat` endpoint serves the browser and `gradio_client`: it takes a message and
returns the conversation, the understood profile (Markdown), and a JSON record of recommendations and
profile for scripted clients.
"""

from __future__ import annotations

import logging
from typing import Iterator

import gradio as gr

from chat_app.persist import SessionStore
from chat_app.pipeline import Services, TurnView, run_turn
from chat_app.feedback import ACTIONS, FeedbackError, apply_feedback, edit_ledger
from chat_app.render import (escape_md, ledger_entries, profile_json, recommendations_json, render_profile,
                             render_reply)
from chat_app.session import SessionState, clean_message

log = logging.getLogger(__name__)

EXAMPLES = [
    "I loved Inception and Interstellar, but tonight I want something lighter — no Adam Sandler",
    "A funny animated movie for the whole family, under 2 hours",
    "Something like Heat or The Departed, from the 90s",
    "A romantic comedy, no horror, nothing before 2000",
]
TITLE = "CineChat — movie recommendations that listen"


def _record(view: TurnView, state: SessionState) -> dict:
    return {"session_id": state.session_id, "turn": state.turn, "notice": view.notice,
            "finished": view.finished, "recommendations": recommendations_json(view),
            "understood": profile_json(view.profile), "timings": {k: round(v, 3) for k, v in view.timings.items()}}


def _pick_choices(state: SessionState, services: Services) -> list[tuple[str, str]]:
    return [(f"{i}. {services.catalog.get(item_id).label}", item_id)
            for i, item_id in enumerate(state.last_picks, 1) if services.catalog.get(item_id)]


def _ledger_choices(state: SessionState) -> list[tuple[str, str]]:
    names = {"like": "like", "dislike": "dislike", "limit": "limit"}
    return [(f"{names[e['polarity']]}: {e['text']}", e["id"]) for e in ledger_entries(state.profile)]


def make_respond(services: Services, store: SessionStore | None = None):
    def respond(message: str, state: SessionState | None) -> Iterator[tuple]:
        state = state if isinstance(state, SessionState) else SessionState()

        def outputs(view: TurnView, chat: list[dict]) -> tuple:
            return (chat, "", render_profile(view.profile), _record(view, state), state,
                    gr.Radio(choices=_pick_choices(state, services), value=None),
                    gr.Dropdown(choices=_ledger_choices(state), value=None), state.session_id)

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
            store.save(state, "turn", {"message": shown_message.text[:2000], "picks": state.last_picks})

    return respond


def make_adjust(services: Services, change, store: SessionStore | None = None, event: str = "feedback"):
    """A handler for a non-chat change to the profile: `change(state, target, action) -> message`."""

    def adjust(target: str | None, action: str, state: SessionState | None) -> tuple:
        state = state if isinstance(state, SessionState) else SessionState()
        try:
            message = change(state, target, action)
        except FeedbackError as exc:
            message = str(exc)
        else:
            if store is not None:
                store.save(state, event, {"target": str(target)[:100], "action": str(action)[:20]})
        record = {"session_id": state.session_id, "turn": state.turn, "notice": message, "finished": True,
                  "recommendations": [], "understood": profile_json(state.profile), "timings": {}}
        return (render_profile(state.profile), record, state, escape_md(message),
                gr.Dropdown(choices=_ledger_choices(state), value=None))

    return adjust


def make_resume(services: Services, store: SessionStore | None):
    """Bring back a stored session (after a restart, or in a new tab) by its id."""

    def resume(session_id: str | None, state: SessionState | None) -> tuple:
        restored = store.load(session_id) if store is not None else None
        state = restored or (state if isinstance(state, SessionState) else SessionState())
        view = TurnView("restored" if restored else "", profile=state.profile, finished=True)
        return (state.chat, "", render_profile(state.profile), _record(view, state), state,
                gr.Radio(choices=_pick_choices(state, services), value=None),
                gr.Dropdown(choices=_ledger_choices(state), value=None), state.session_id)

    return resume


def build_ui(services: Services, store: SessionStore | None = None, browser_secret: str | None = None) -> gr.Blocks:
    respond = make_respond(services, store)
    feedback = make_adjust(services, lambda state, item, action: apply_feedback(state, services.catalog, item, action),
                           store, "feedback")
    edit = make_adjust(services, edit_ledger, store, "edit")
    resume = make_resume(services, store)
    with gr.Blocks(title=TITLE) as demo:
        state = gr.State(None)
        # the session id survives reloads and app restarts in the browser's local storage
        session_key = gr.BrowserState("", storage_key="cinechat-session", secret=browser_secret)
        gr.Markdown(f"## {TITLE}\nTell me what you loved, what you are in the mood for, and what to avoid. "
                    f"I recommend from a catalog of {len(services.catalog):,} movies and say why.")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Conversation", height=520, buttons=["copy"],
                                     placeholder="Ask for a movie…", feedback_options=None)
                with gr.Row():
                    box = gr.Textbox(show_label=False, placeholder="e.g. something like Alien, but funny",
                                     max_lines=6, scale=5, autofocus=True, elem_id="message")
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
                with gr.Group():
                    picks = gr.Radio(choices=[], label="React to a pick", elem_id="picks")
                    with gr.Row():
                        like = gr.Button(ACTIONS["like"], size="sm", elem_id="fb-like")
                        dislike = gr.Button(ACTIONS["dislike"], size="sm", elem_id="fb-dislike")
                        seen = gr.Button(ACTIONS["seen"], size="sm", elem_id="fb-seen")
                gr.Examples(EXAMPLES, inputs=[box], label="Try")
            with gr.Column(scale=2):
                gr.Markdown("### What I understood")
                understood = gr.Markdown(render_profile(SessionState().profile), elem_id="understood")
                with gr.Group():
                    entry = gr.Dropdown(choices=[], label="Change an entry", elem_id="ledger-entry")
                    with gr.Row():
                        remove = gr.Button("Remove", size="sm", elem_id="ledger-remove")
                        flip = gr.Button("Flip like / dislike", size="sm", elem_id="ledger-flip")
                status = gr.Markdown("", elem_id="status")
                with gr.Accordion("Details (JSON)", open=False):
                    record = gr.JSON(label="last turn")
                new_chat = gr.Button("New conversation")
        # hidden inputs so scripted clients can send feedback and edits by id
        api_target, api_action = gr.Textbox(visible=False), gr.Textbox(visible=False)
        api_feedback, api_edit = gr.Button(visible=False), gr.Button(visible=False)

        chat_outputs = [chatbot, box, understood, record, state, picks, entry, session_key]
        box.submit(respond, [box, state], chat_outputs, api_name="chat")
        send.click(respond, [box, state], chat_outputs, api_visibility="private")
        adjust_outputs = [understood, record, state, status, entry]
        for button, action in ((like, "like"), (dislike, "dislike"), (seen, "seen")):
            button.click(lambda item, st, action=action: feedback(item, action, st), [picks, state], adjust_outputs,
                         api_visibility="private")
        for button, action in ((remove, "remove"), (flip, "flip")):
            button.click(lambda target, st, action=action: edit(target, action, st), [entry, state], adjust_outputs,
                         api_visibility="private")
        api_feedback.click(feedback, [api_target, api_action, state], adjust_outputs, api_name="feedback")
        api_edit.click(edit, [api_target, api_action, state], adjust_outputs, api_name="edit")
        api_resume = gr.Button(visible=False)
        api_resume.click(resume, [api_target, state], chat_outputs, api_name="resume")
        demo.load(resume, [session_key, state], chat_outputs, api_visibility="private")

        def reset() -> tuple:
            fresh = SessionState()
            return ([], "", render_profile(fresh.profile), {}, fresh, gr.Radio(choices=[], value=None),
                    gr.Dropdown(choices=[], value=None), fresh.session_id)

        new_chat.click(reset, None, chat_outputs, api_name="reset")
    return demo
