"""Who said what, scored on PolNeAR (../shared/data/polnear; train to tune, dev to report):

    .venv/bin/python bench/attribution.py [--split dev] [--limit N] [--cost]

Each article's text goes through service.attribution as `newsearch index` runs it; the
predicted quotes are matched to the annotated attributions (one annotator's file an article,
the first by name) the way BBC Citron's evaluation matches them:

* overlap: tokens (\\w+ runs and single punctuation marks) of the predicted spans that lie in
  an annotated span of the same part, over all predicted tokens (precision), and of the
  annotated tokens covered by a predicted span, over all annotated ones (recall); F1 of the
  two. Summed over the articles.
* exact (cue): a predicted cue with exactly an annotated cue's start and end, both less the
  spaces and punctuation at their ends (a cue of punctuation alone, a colon, as it is).

Which annotations count: "direct" are the attributions whose content opens on a quotation
mark, scored against the predicted quotes of kind direct; "speech" are those whose cue holds
a verb of saying (service.attribution.cues.SPEECH_VERBS, by lemma, or "according to"),
scored against every predicted quote; "all" is every attribution, for reference. Precision
always counts a predicted token right if it lies in any annotated span of its part (an
annotation of belief or intention is not a false hit against the speech rows).

Speaker right (direct quotes): of the annotated direct quotes with a source, the share whose
best-overlapping predicted quote has a speaker mention overlapping the annotated source, or a
resolved name holding the source's head word (the root of the source's own parse: "Mozloom"
of "Jack Mozloom, a spokesman for the NFIB,"). `--cost`: seconds to analyse the articles as a
ratio to embedding their passages with the default model in the same run, wall-clock and CPU
(the encoder runs a thread a core, the analysis one). `--warm N`: the analyser reads N train
articles first, as a process indexing an archive has."""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.attribution import Analyser, Analysis  # noqa: E402
from service.attribution.cues import SPEECH_VERBS  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "polnear"
TOKEN = re.compile(r"\w+|[^\w\s]")
QUOTE_OPENERS = "“\"‘'«„"
Span = tuple[int, int]


@dataclass
class Gold:
    content: list[Span]
    cue: list[Span] = field(default_factory=list)
    source: list[Span] = field(default_factory=list)
    cue_text: str = ""
    source_text: str = ""


def read_ann(path: Path) -> list[Gold]:
    spans: dict[str, tuple[str, list[Span], str]] = {}
    relations: list[dict[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.match(r"T\d+\t", line):  # a span's text may run over lines: the rest is skipped
            tid, info, text = (line.split("\t", 2) + [""])[:3]
            kind, _, offsets = info.partition(" ")
            pieces = [tuple(int(x) for x in part.split()) for part in offsets.split(";")]
            spans[tid] = (kind, [(a, b) for a, b in pieces], text)
        elif re.match(r"E\d+\t", line):
            _, args = line.split("\t", 1)
            relations.append(dict(a.split(":", 1) for a in args.split()))
    out = []
    for rel in relations:
        if "Content" not in rel or rel["Content"] not in spans:
            continue
        gold = Gold(content=spans[rel["Content"]][1])
        if "Cue" in rel and rel["Cue"] in spans:
            gold.cue, gold.cue_text = spans[rel["Cue"]][1], spans[rel["Cue"]][2]
        if "Source" in rel and rel["Source"] in spans:
            gold.source, gold.source_text = spans[rel["Source"]][1], spans[rel["Source"]][2]
        out.append(gold)
    return out


def load(split: str, limit: int | None) -> list[tuple[str, str, list[Gold]]]:
    folder = DATA / split
    anns: dict[str, Path] = {}
    for path in sorted((folder / "attributions").glob("*.ann")):
        anns.setdefault(path.stem.rsplit("_", 1)[0], path)
    items = []
    for text_path in sorted((folder / "text").glob("*.txt")):
        ann = anns.get(text_path.stem)
        if ann is not None:
            items.append((text_path.stem, text_path.read_text(encoding="utf-8"), read_ann(ann)))
    return items[:limit] if limit else items


def tokens(text: str, spans: list[Span]) -> set[int]:
    """Token start offsets inside the spans."""
    out: set[int] = set()
    for a, b in spans:
        out |= {m.start() for m in TOKEN.finditer(text, a, b)}
    return out


class Score:
    """Precision over everything predicted (right if in any annotated span of its part),
    recall over the annotations counted: token offsets for overlap, spans for exact."""

    def __init__(self) -> None:
        self.hit_p = self.pred = self.hit_r = self.gold = 0

    def add(self, predicted: set, everything: set, counted: set) -> None:  # type: ignore[type-arg]
        self.pred += len(predicted)
        self.hit_p += len(predicted & everything)
        self.gold += len(counted)
        self.hit_r += len(counted & predicted)

    def prf(self) -> tuple[float, float, float]:
        p = self.hit_p / self.pred if self.pred else 0.0
        r = self.hit_r / self.gold if self.gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def is_direct(text: str, gold: Gold) -> bool:
    a = gold.content[0][0]
    return text[a:].lstrip()[:1] in QUOTE_OPENERS


def is_speech(gold: Gold, lemmas: dict[str, list[str]]) -> bool:
    if "according to" in gold.cue_text.casefold():
        return True
    return any(lemma in SPEECH_VERBS for lemma in lemmas.get(gold.cue_text, []))


def score(items: list[tuple[str, str, list[Gold]]], analyses: list[Analysis], nlp: object):
    cue_texts = sorted({g.cue_text for _, _, golds in items for g in golds if g.cue_text})
    lemmas = {
        t: [tok.lemma_.casefold() for tok in doc]
        for t, doc in zip(cue_texts, nlp.pipe(cue_texts), strict=True)
    }  # type: ignore[attr-defined]
    heads = source_heads(sorted({g.source_text for _, _, golds in items for g in golds}), nlp)
    rows = defaultdict(Score)
    cue = {"speech": Score(), "all": Score()}
    right = total = 0
    for (_, text, golds), analysis in zip(items, analyses, strict=True):
        sets = {
            "all": golds,
            "speech": [g for g in golds if is_speech(g, lemmas)],
            "direct": [g for g in golds if is_direct(text, g)],
        }
        all_content = tokens(text, [s for g in golds for s in g.content])
        all_source = tokens(text, [s for g in golds for s in g.source])
        all_cues = {_strip(text, s) for g in golds for s in g.cue}
        pred_content = tokens(text, [(q.start, q.end) for q in analysis.quotes])
        direct_pred = tokens(
            text, [(q.start, q.end) for q in analysis.quotes if q.kind == "direct"]
        )
        pred_source = tokens(
            text,
            [
                (q.speaker_start, q.speaker_end)
                for q in analysis.quotes
                if q.speaker_start is not None
            ],  # type: ignore[misc]
        )
        pred_cues = {
            _strip(text, (q.cue_start, q.cue_end))  # type: ignore[arg-type]
            for q in analysis.quotes
            if q.cue_start is not None
        }
        for name, chosen in sets.items():
            predicted = direct_pred if name == "direct" else pred_content
            rows[(name, "content")].add(
                predicted, all_content, tokens(text, [s for g in chosen for s in g.content])
            )
            if name != "direct":
                rows[(name, "source")].add(
                    pred_source, all_source, tokens(text, [s for g in chosen for s in g.source])
                )
                cue[name].add(pred_cues, all_cues, {_strip(text, s) for g in chosen for s in g.cue})  # type: ignore[arg-type]
        for g in sets["direct"]:
            if not g.source:
                continue
            total += 1
            if speaker_right(text, g, analysis, heads):
                right += 1
    return rows, cue, (right, total)


def source_heads(texts: list[str], nlp: Any) -> dict[str, str]:
    """The head word of each annotated source as the parser reads it alone, "Mozloom" of "Jack
    Mozloom, a spokesman for the National Federation of Independent Business,": the word a
    resolved name must hold."""
    out = {}
    for text, doc in zip(texts, nlp.pipe(texts), strict=True):
        roots = [t for t in doc if t.dep_ == "ROOT" and any(c.isalnum() for c in t.text)]
        out[text] = roots[0].lower_ if roots else ""
    return out


def speaker_right(text: str, gold: Gold, analysis: Analysis, heads: dict[str, str]) -> bool:
    want = tokens(text, gold.content)
    best, best_overlap = None, 0
    for q in analysis.quotes:
        overlap = len(want & tokens(text, [(q.start, q.end)]))
        if overlap > best_overlap:
            best, best_overlap = q, overlap
    if best is None:
        return False
    if best.speaker_start is not None and any(
        best.speaker_start < b and a < best.speaker_end
        for a, b in gold.source  # type: ignore[operator]
    ):
        return True
    head = heads.get(gold.source_text, "")
    return bool(best.speaker and head and head in re.findall(r"\w+", best.speaker.casefold()))


def _strip(text: str, span: Span) -> Span:
    """The span less the spaces and punctuation at its ends, on both sides alike; a cue of
    punctuation alone (the colon of "Graham: …") stays as it is."""
    a, b = span
    if not any(c.isalnum() for c in text[a:b]):
        return a, b
    while a < b and not text[a].isalnum():
        a += 1
    while b > a and not text[b - 1].isalnum():
        b -= 1
    return a, b


def embed_seconds(texts: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (all threads) to embed the articles' passages."""
    from service.config import Settings
    from service.encoders import load_encoder
    from service.pipeline import prepare_articles
    from service.records import Article

    settings = Settings()
    encoder = load_encoder(settings.model, backend=settings.backend, cache_dir=settings.cache_dir)
    prepared = prepare_articles(
        (Article(doc_id=str(i), text=t) for i, t in enumerate(texts)),
        lambda ids: {},
        settings.max_passage_words,
    )
    encoder.encode(prepared.texts[:32])  # warm
    began, cpu = time.perf_counter(), time.process_time()
    encoder.encode(prepared.texts, batch_size=settings.batch_size)
    return time.perf_counter() - began, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev", choices=["train", "dev"])
    parser.add_argument("--limit", type=int)
    parser.add_argument("--cost", action="store_true")
    parser.add_argument("--pipeline", default=None)
    parser.add_argument(
        "--warm", type=int, default=0, metavar="N", help="analyse N train articles first, untimed"
    )
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"no PolNeAR data at {DATA}")
    items = load(args.split, args.limit)
    analyser = Analyser(args.pipeline) if args.pipeline else Analyser()
    nlp = analyser.nlp()
    analyser.analyse("A warm-up sentence, he said.")
    if args.warm:  # a process that has read other articles: caches and vocabulary filled
        analyser.analyse_many([text for _, text, _ in load("train", args.warm)])
    began, cpu = time.perf_counter(), time.process_time()
    analyses = analyser.analyse_many([text for _, text, _ in items])
    analyse_s, analyse_cpu = time.perf_counter() - began, time.process_time() - cpu
    rows, cue, (right, total) = score(items, analyses, nlp)
    print(
        f"PolNeAR {args.split}: {len(items)} articles, "
        f"{sum(len(g) for _, _, g in items):,} attributions, "
        f"{sum(len(a.quotes) for a in analyses):,} quotes found"
    )
    print(f"{'annotations':<10} {'part':<8} {'P':>6} {'R':>6} {'F1':>6}")
    for (name, part), ov in sorted(rows.items()):
        p, r, f = ov.prf()
        print(f"{name:<10} {part + ' ov':<8} {p:6.3f} {r:6.3f} {f:6.3f}")
    for name, ex in cue.items():
        p, r, f = ex.prf()
        print(f"{name:<10} {'cue ex':<8} {p:6.3f} {r:6.3f} {f:6.3f}")
    print(f"direct quotes, speaker right: {right}/{total} = {right / max(total, 1):.3f}")
    if args.cost:
        embed_s, embed_cpu = embed_seconds([text for _, text, _ in items])
        print(f"analyse {analyse_s:.1f} s, embed {embed_s:.1f} s: ratio {analyse_s / embed_s:.2f}x")
        print(
            f"CPU (all threads): analyse {analyse_cpu:.1f} s, embed {embed_cpu:.1f} s: "
            f"ratio {analyse_cpu / embed_cpu:.2f}x"
        )
    else:
        print(f"analyse {analyse_s:.1f} s")


if __name__ == "__main__":
    main()
