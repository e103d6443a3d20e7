"""Deterministic synthetic content about the size of the seed recap, for the benchmark.

Same count and seed, same bytes: every figure the benchmark reports is about the same
input on every machine.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pipeline.yaml_text import dump_yaml

_WORD_TEXT = (
    "service mesh proxy latency cluster traffic policy observability metrics tracing retries "
    "timeouts mTLS certificate identity gateway ingress egress upgrade release roadmap community "
    "maintainer contributor adoption operator controller sidecar workload namespace deployment "
    "rollout canary failover multi-cluster performance memory safety reliability debugging "
    "dashboard alerting incident review migration production scale experiment feedback"
)
WORDS = tuple(_WORD_TEXT.split())
TAGS = ("community", "kubecon", "rust", "security", "release")
TRACKS = ("KubeCon EU", "ServiceMeshCon", "Cloud Native Rust Day", "KubeCon EU keynote", "Community Day")
KINDS = ("talk", "talk", "talk", "panel", "keynote", "lightning", "workshop")
FIRST = ("Ada", "Ben", "Chloé", "Dmitri", "Elif", "Farah", "Gus", "Hana", "Iker", "José", "Kai", "Lena")
LAST = ("Okafor", "Núñez", "Żółć", "Ångström", "Morgan", "Gould", "Sun", "Levine", "Körbächer", "Hüning")


def _sentence(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(WORDS) for _ in range(words)]
    return " ".join(chosen).capitalize() + "."


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng, rng.randint(8, 16)) for _ in range(sentences))


def _summary(rng: random.Random) -> str:
    """About 450 characters, as the seed's talk summaries (161 to 1,059) average."""
    text = _paragraph(rng, rng.randint(2, 6))
    if rng.random() < 0.15:
        text += "\n\n" + _paragraph(rng, rng.randint(2, 4))
    return text


def _video_id(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return "".join(rng.choice(alphabet) for _ in range(11))


def people(count: int) -> dict[str, dict[str, str]]:
    rng = random.Random(7)
    registry = {}
    for index in range(count):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        registry[f"person-{index}"] = {"name": name, "affiliation": f"Company {index % 37}"}
    return registry


def _talk(rng: random.Random, people_count: int, upload: date) -> dict[str, Any]:
    talk: dict[str, Any] = {
        "title": _sentence(rng, rng.randint(4, 9)).rstrip("."),
        "kind": rng.choice(KINDS),
        "speakers": sorted({f"person-{rng.randrange(people_count)}" for _ in range(rng.randint(1, 3))}),
        "summary": _summary(rng),
        "recording": {
            "url": f"https://youtu.be/{_video_id(rng)}",
            "duration": f"PT{rng.randint(5, 45)}M{rng.randint(0, 59)}S",
            "uploaded": upload.isoformat(),
        },
    }
    if rng.random() < 0.6:
        talk["track"] = rng.choice(TRACKS)
    if rng.random() < 0.1:
        talk["takeaways"] = [_sentence(rng, 7) for _ in range(3)]
    return talk


def recap(index: int, people_count: int) -> dict[str, Any]:
    """Give recap number `index`: eleven talks and ~6 KB of Markdown prose, like the seed."""
    rng = random.Random(index)
    day = date(2020, 1, 1) + timedelta(days=index * 3)
    source: dict[str, Any] = {
        "id": f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}",
        "kind": "conference",
        "title": f"Recap {index}: " + _sentence(rng, 5).rstrip("."),
        "slug": f"synthetic-recap-{index}",
        "date": day.isoformat(),
        "authors": [f"person-{index % people_count}"],
        "summary": _sentence(rng, 20),
        "tags": sorted({rng.choice(TAGS) for _ in range(2)}),
        "intro": _paragraph(rng, 5),
        "talks": [_talk(rng, people_count, day - timedelta(days=30)) for _ in range(11)],
        "closing": _paragraph(rng, rng.randint(2, 3)),
        "next_meeting": {
            "start": f"{(day + timedelta(days=7)).isoformat()}T16:00:00+00:00",
            "time_zone": "UTC",
            "display_zones": [{"zone": "UTC", "label": "UTC"}],
        },
    }
    if index % 10 < 2:
        source["series"] = {"id": f"series-{index // 10}", "name": f"Series {index // 10}",
                            "part": index % 10 + 1, "parts": 2}
    return source


def write_content(folder: Path, recaps: int, people_count: int = 300) -> Path:
    """Write a content folder with `recaps` synthetic recaps; give its path."""
    (folder / "recaps").mkdir(parents=True, exist_ok=True)
    site = {"title": "Synthetic recaps", "base_url": "https://bench.example.org/", "language": "en",
            "default_author": "person-0"}
    (folder / "site.yaml").write_text(dump_yaml(site), encoding="utf-8")
    (folder / "people.yaml").write_text(dump_yaml(people(people_count)), encoding="utf-8")
    for index in range(recaps):
        text = dump_yaml(recap(index, people_count))
        (folder / "recaps" / f"synthetic-{index:05d}.yaml").write_text(text, encoding="utf-8")
    return folder
