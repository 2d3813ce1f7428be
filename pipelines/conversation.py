"""A document becomes a two-host show (`--from-document notes.md`).

    request with `from_document` ─ `write_show` ─→ request whose script is the show's Fountain:
      LLM configured: it answers JSON {title, hosts: [A, B], turns: [{speaker, line, chapter}]},
        validated (two named hosts, both speak, no blank line, words within the film's length);
        an invalid answer is asked again once, with the problem named, then the rules take over
      no LLM (or two invalid answers): the rules, with a warning: the document's paragraphs read
        alternately by HOST A and HOST B, its Markdown headings the chapters
    → `show.py` renders it: two voices, the speaker lit, chapters from the headings.

The shape is the one open-source podcast generators use (NotebookLlama's list of (speaker,
text), podcastfy's two persons). The LLM is the configured chat API (`llm_api.py`, the draft
tier on a laptop too) or the studio's local one; both answer `generate(prompts, tokens)`.
"""

from __future__ import annotations

import json
import logging
import re

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from pipelines import preflight, script, timeline
from pipelines.errors import InputError
from pipelines.plan import NARRATOR

log = logging.getLogger(__name__)

# Words a film's length holds: 150 words a minute, a relaxed conversational pace, so the voices'
# fitter (up to 1.2x) has room for the pauses between turns.
WORDS_PER_S = 2.5
# A voice's natural pace, for the check that a conversation fits (espeak-ng speaks ~175 a minute).
SPOKEN_WORDS_PER_S = 2.9
# The answer's length: a word of dialogue is ~1.3 tokens, its turn's JSON adds a few more.
TOKENS_PER_WORD = 3
JSON_TOKENS = 200
ATTEMPTS = 2  # the LLM's first answer and one retry with the problem named
DOCUMENT_CHARS = 24_000  # the part of the document the LLM is shown
RULE_HOSTS = ("HOST A", "HOST B")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 .'-]{0,29}$")

INSTRUCTIONS = """You write a two-host podcast conversation that explains the document below \
to a general audience. Two hosts with short first names talk in turns; one explains, the other \
asks and reacts. Use at most {words} words of dialogue in total (the episode is {seconds} \
seconds long). Mark where each new topic starts with a short chapter title on its first turn.
Answer with JSON only, in exactly this shape:
{{"title": "...", "hosts": ["Alex", "Sam"], "turns": [{{"speaker": "Alex", "line": "...", \
"chapter": "Introduction"}}, {{"speaker": "Sam", "line": "...", "chapter": null}}]}}
{problem}
Document:
{document}
"""


class Turn(BaseModel):
    speaker: str = Field(min_length=1, max_length=30)
    line: str = Field(min_length=1, max_length=1200)
    chapter: str | None = Field(None, max_length=80)

    @field_validator("speaker", "line", "chapter")
    @classmethod
    def _one_line(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = " ".join(v.split())
        if not v:
            raise ValueError("is blank")
        return v


class Conversation(BaseModel):
    """The JSON the LLM must answer with; valid only as a two-host conversation."""

    title: str = Field("", max_length=120)
    hosts: list[str] = Field(min_length=2, max_length=2)
    turns: list[Turn] = Field(min_length=2)

    @model_validator(mode="after")
    def _two_hosts(self) -> Conversation:
        names = [" ".join(h.split()) for h in self.hosts]
        for name in names:
            if not _NAME.match(name) or name.upper() == NARRATOR:
                raise ValueError(f"host name {name!r} is not a short name")
        if names[0].upper() == names[1].upper():
            raise ValueError("the two hosts have the same name")
        upper = [n.upper() for n in names]
        for n, turn in enumerate(self.turns, 1):
            if turn.speaker.upper() not in upper:
                raise ValueError(f"turn {n}'s speaker {turn.speaker!r} is not one of the hosts")
        if len({t.speaker.upper() for t in self.turns}) < 2:
            raise ValueError("only one host speaks")
        self.hosts = names
        return self

    def words(self) -> int:
        return sum(len(turn.line.split()) for turn in self.turns)


def write_show(request, engines) -> tuple[object, list[str]]:
    """`request` with its script written from `from_document` (unchanged without one), and the
    warnings the writing gave. The written show is checked to fit the film's length."""
    if not request.from_document.strip():
        return request, []
    document = plain_text(request.from_document)
    if not document.strip():
        raise InputError("from_document", "the document has no text")
    words = max(20, int(request.duration * WORDS_PER_S))
    warnings: list[str] = []
    written = None
    model = text_model(engines)
    if model is None:
        warnings.append(
            "no LLM to write the show (a chat API in FILMSTUDIO_LLM_BASE_URL, or the studio "
            "tier's local MODELS/llm): "
            f"the document's paragraphs are read in turn by {' and '.join(RULE_HOSTS)}, "
            "its headings are the chapters"
        )
    else:
        written, problem = ask(model, document, words, request.duration)
        if written is None:
            warnings.append(
                f"the LLM's conversation was not valid after {ATTEMPTS} tries ({problem}): "
                f"the document's paragraphs are read in turn by {' and '.join(RULE_HOSTS)}"
            )
    if written is None:
        written, cut = by_rules(document, words, request.duration)
        if cut:
            warnings.append(
                f"the document is longer than a {request.duration:g} s film holds: the "
                f"paragraphs from {cut + '…'!r} on are left out"
            )
    for warning in warnings:
        log.warning(warning)
    request = request.model_copy(update={"script": fountain(written), "from_document": ""})
    preflight.check_fits(request)
    return request, warnings


def text_model(engines):
    """Something with `generate(prompts, max_new_tokens) -> texts`: the configured chat API,
    else the studio's local LLM, else None."""
    from pipelines.engines.llm_api import ChatAPI

    remote = ChatAPI.from_settings()
    if remote is not None:
        return remote
    return engines.text_model()


def ask(model, document: str, words: int, seconds: float) -> tuple[Conversation | None, str]:
    """The LLM's conversation, asked up to `ATTEMPTS` times; (None, the last problem) when no
    answer was valid."""
    problem = ""
    for _ in range(ATTEMPTS):
        prompt = INSTRUCTIONS.format(
            words=words,
            seconds=f"{seconds:g}",
            problem=f"Your previous answer was rejected: {problem}. Answer again.\n"
            if problem
            else "",
            document=document[:DOCUMENT_CHARS],
        )
        (answer,) = model.generate([prompt], words * TOKENS_PER_WORD + JSON_TOKENS)
        conversation, problem = parse(answer, words, seconds)
        if conversation is not None:
            return conversation, ""
        log.info("the LLM's conversation was rejected: %s", problem)
    return None, problem


def parse(answer: str, words: int, seconds: float) -> tuple[Conversation | None, str]:
    """The answer's JSON object as a valid conversation of at most `words` words that fits a
    film of `seconds`, or (None, what is wrong with it)."""
    start, end = answer.find("{"), answer.rfind("}")
    if not answer.strip():
        return None, "no answer"
    if start < 0 or end < start:
        return None, "the answer holds no JSON object"
    try:
        conversation = Conversation.model_validate(json.loads(answer[start : end + 1]))
    except ValueError as error:  # JSON or validation
        if isinstance(error, ValidationError):
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            said = first["msg"].removeprefix("Value error, ")
            return None, f"{where}: {said}" if where else said
        return None, f"the JSON does not parse ({error})"
    if conversation.words() > words:
        return None, f"{conversation.words()} words of dialogue; the limit is {words}"
    if problem := too_long(conversation, seconds):
        return None, problem
    return conversation, ""


def too_long(conversation: Conversation, seconds: float) -> str:
    """Why the conversation does not fit a film of `seconds` (its lines at a voice's natural
    pace, the fitter's fastest rate, the timeline's pauses and shortest shots); "" when it fits."""
    plan = script.analyze(fountain(conversation))
    speech = [[len(line.text.split()) / SPOKEN_WORDS_PER_S for line in s.lines] for s in plan.shots]
    try:
        timeline.rate_needed(plan, speech, seconds)
    except InputError as error:
        return error.message.split(" (")[0] + ": shorten it"
    return ""


def by_rules(document: str, words: int, seconds: float) -> tuple[Conversation, str | None]:
    """The document as a conversation without a model: each paragraph (or list item) a turn,
    the hosts taking turns, each Markdown heading a chapter on the next turn (a first-level
    heading before any text is the title). Paragraphs past `words`, or past what fits a film
    of `seconds`, are left out: (the
    conversation, the first words of the first paragraph left out) then, else None."""
    title, chapter, turns, used, cut = "", None, [], 0, None
    for kind, text in _blocks(document):
        if kind == "title" and not turns and not title:
            title = text
        elif kind != "text":
            chapter = text
        else:
            n = len(text.split())
            turn = Turn(speaker=RULE_HOSTS[len(turns) % 2], line=text, chapter=chapter)
            if turns and (used + n > words or _too_long(title, [*turns, turn], seconds)):
                cut = " ".join(text.split()[:6])
                break
            turns.append(turn)
            chapter, used = None, used + n
    if len(turns) == 1:  # a show needs both hosts: the one paragraph is split between them
        sentences = re.split(r"(?<=[.!?])\s+", turns[0].line)
        half = max(1, len(sentences) // 2)
        turns = [
            Turn(speaker=RULE_HOSTS[0], line=" ".join(sentences[:half]), chapter=turns[0].chapter),
            Turn(speaker=RULE_HOSTS[1], line=" ".join(sentences[half:]) or "Indeed."),
        ]
    return Conversation(title=title, hosts=list(RULE_HOSTS), turns=turns), cut


def _too_long(title: str, turns: list[Turn], seconds: float) -> bool:
    if len(turns) < 2:
        return False
    return bool(too_long(Conversation(title=title, hosts=list(RULE_HOSTS), turns=turns), seconds))


def _blocks(document: str):
    """("title" | "heading" | "text", text) for each heading and paragraph, in order."""
    paragraph: list[str] = []

    def flush():
        text = " ".join(" ".join(paragraph).split())
        paragraph.clear()
        return text

    for raw in document.split("\n"):
        line = raw.strip()
        heading = re.match(r"^(#{1,6})\s+(.*?)\s*#*$", line)
        item = re.match(r"^(?:[-*+]|\d+[.)])\s+(.*)$", line)
        if heading or item or not line:
            if text := flush():
                yield "text", text
        if heading:
            yield ("title" if len(heading[1]) == 1 else "heading"), heading[2]
        elif item:
            paragraph.append(item[1])
            if text := flush():
                yield "text", text
        elif line:
            paragraph.append(line)
    if text := flush():
        yield "text", text


def plain_text(markdown: str) -> str:
    """The document's text with Markdown's inline markup removed (links keep their words,
    images and HTML tags go); headings and list markers stay for `by_rules`."""
    text = markdown.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"^---\n.*?\n---\n", "", text, flags=re.S)  # front matter
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # code blocks are not read aloud
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"(\*\*|__|`|~~)", "", text)
    return re.sub(r"(?<!\w)[*_](\S[^*_]*?)[*_](?!\w)", r"\1", text)


def fountain(conversation: Conversation) -> str:
    """The conversation as a Fountain script: a title page, a forced scene heading per chapter,
    a cue and its dialogue per turn (markup characters that would start another element are
    dropped)."""
    out = [f"Title: {conversation.title}", ""] if conversation.title else []
    for turn in conversation.turns:
        if turn.chapter:
            out += [f".{turn.chapter.lstrip('.')}", ""]
        line = turn.line.lstrip("!@~#>=.([ ")
        out += [turn.speaker.upper(), line or "…", ""]
    return "\n".join(out)
