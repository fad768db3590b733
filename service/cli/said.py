"""What the CLI prints for who said what: a speaker's quotes, the stories, a story's timeline
(the shared helpers are service.cli.output's)."""

from __future__ import annotations

import textwrap
from dataclasses import asdict

from service.cli.output import _width, clean, print_json, say
from service.search.quotes import QuoteResult
from service.search.timeline import Timeline
from service.store import StoryRow


def print_quotes(speaker: str, quotes: list[QuoteResult], *, as_json: bool) -> None:
    if as_json:
        print_json({"speaker": speaker, "quotes": [q.to_dict() for q in quotes]})
        return
    if not quotes:
        say(f"no quotes of {speaker!r} in the index")
        return
    width = _width()
    for n, q in enumerate(quotes, start=1):
        who = clean(q.speaker or speaker) + (f" ({clean(q.role)})" if q.role else "")
        print(textwrap.fill(clean(f"{n}. {q.text}"), width=width, subsequent_indent="   "))
        print(f"   — {who}, {q.cue or 'quoted'} · {clean(q.source)} · {q.date or 'undated'}")
        if q.also_reported_by:
            others = ", ".join(clean(a.source) for a in q.also_reported_by)
            print(f"   also reported by {others}")
        print()


def print_stories(stories: list[StoryRow], *, as_json: bool) -> None:
    if as_json:
        print_json({"stories": [asdict(s) for s in stories]})
        return
    if not stories:
        say("no stories of that size in the index (--at-least 1 lists single articles)")
        return
    for story in stories:
        dates = " – ".join(dict.fromkeys(d for d in (story.first_date, story.last_date) if d))
        say(f"{story.story_id} · {story.articles} articles · {dates or 'undated'}")
        print(
            textwrap.fill(
                clean(story.headline), width=_width(), initial_indent="   ", subsequent_indent="   "
            )
        )
        print(
            textwrap.fill(
                clean(", ".join(story.outlets)),
                width=_width(),
                initial_indent="   ",
                subsequent_indent="   ",
            )
        )
        print()


def print_timeline(timeline: Timeline, *, as_json: bool) -> None:
    if as_json:
        print_json(timeline.to_dict())
        return
    if not timeline.entries:
        say(f"No story's passages match {timeline.query!r}.")
        return
    say(f"story {timeline.story_id}: {clean(timeline.headline)}")
    say(f"{len(timeline.outlets)} outlets: {clean(', '.join(timeline.outlets))}")
    print()
    width = _width()
    for hit in timeline.entries:
        say(f"{hit.date or 'undated'} · {clean(hit.source)} · ¶{hit.paragraph}")
        print(
            textwrap.fill(
                clean(hit.text), width=width, initial_indent="   ", subsequent_indent="   "
            )
        )
        for quote in hit.quotes:
            who = clean(quote.get("speaker") or "unattributed")
            first = (
                "first reported here"
                if quote.get("first")
                else (f"first reported by {clean(quote.get('first_source') or '?')}")
            )
            print(f"   quote of {who}: {first}")
        print()
