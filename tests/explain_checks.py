"""The properties every account's explanation must have (issue: "an activity statement that
accounts for every point"), checked on account JSON bodies from any source."""

from __future__ import annotations

import re

from widget.scoring.model import load_model

# Kinds whose signal the score rises with, and falls with; other kinds carry no signal or
# one that is context only.
RISES_WITH = {"new_engagers", "network_new", "new_reactions", "plusk", "network_influence"}
FALLS_WITH = {"selectivity", "new_posts"}
# Words a driver may only use in one direction.
DIRECTION_WORDS = {
    "selectivity": ("handed out fewer", "handed out more"),
    "network_influence": ("became more influential", "became less influential"),
    "plusk": ("added", "took off"),
    "catch_up": ("catching up with the jump", "catching up with the drop"),
}


def check_account(body: dict) -> list[str]:
    """Every way ``body`` breaks the rules, as readable strings (empty: all good)."""
    m = load_model()
    problems = []
    aid = body["id"]
    texts = list(body["explanation"])
    for h, change in body["changes"].items():
        if change is None:
            continue
        total = sum(d["points"] for d in change["drivers"])
        if abs(total - change["delta"]) > 0.15:
            problems.append(
                f"{aid} {h}: drivers add up to {total:.2f}, delta {change['delta']:.2f}"
            )
        if abs(change["to"] - change["from"] - change["delta"]) > 0.011:
            problems.append(f"{aid} {h}: delta is not to - from")
        text = change["text"]
        texts.append(text)
        if (
            text.startswith("Up")
            and change["delta"] <= 0
            or text.startswith("Down")
            and change["delta"] >= 0
        ):
            problems.append(f"{aid} {h}: {text!r} contradicts delta {change['delta']}")
        for d in change["drivers"]:
            texts.append(d["text"])
            sig, p = d.get("signal"), d["points"]
            if sig and abs(p) >= 0.5 and sig["before"] == sig["after"]:
                problems.append(f"{aid} {h}: {d['kind']} moves {p} on an unchanged signal")
            if sig and abs(p) >= 0.01:
                rose = sig["after"] - sig["before"]
                if (
                    d["kind"] in RISES_WITH
                    and rose * p < 0
                    or d["kind"] in FALLS_WITH
                    and rose * p > 0
                ):
                    problems.append(f"{aid} {h}: {d['kind']} points {p} against its signal {sig}")
            if d["kind"] in DIRECTION_WORDS:
                up_word, down_word = DIRECTION_WORDS[d["kind"]]
                if (p > 0 and down_word in d["text"]) or (p < 0 and up_word in d["text"]):
                    problems.append(f"{aid} {h}: {d['text']!r} contradicts {p}")
    for t in texts:
        if re.search(r"(^|\D)0%|none to none|\bnan\b", t):
            problems.append(f"{aid}: {t!r}")
    deltas = [c["delta"] for c in body["changes"].values() if c is not None]
    sig = body["signals"]
    active = sig.get("posts", 0) > 0 or sig.get("reactions", 0) > 0
    if any(t.startswith("Steady") for t in body["explanation"]):
        if any(abs(d) >= m.explanation_min_delta for d in deltas) or not active:
            problems.append(f"{aid}: says Steady with deltas {deltas}, active={active}")
    if body["changes"].get("month") is None and not any(
        t.startswith(("New here", "No activity recorded yet")) for t in body["explanation"]
    ):
        problems.append(f"{aid}: new but does not say so: {body['explanation']}")
    provisional = [t for t in body["explanation"] if t.startswith("Provisional")]
    if body["provisional"] != bool(provisional):
        problems.append(f"{aid}: provisional flag and text disagree")
    for t in provisional:
        posts = re.search(r"(\d+) posts? of the (\d+) needed", t)
        if (
            (posts is not None) != (sig["posts"] < m.provisional_min_posts)
            or posts
            and int(posts.group(1)) != sig["posts"]
        ):
            problems.append(f"{aid}: {t!r} vs {sig['posts']} posts")
        people = re.search(r"(\d+) (?:person|people) engaging of the (\d+) needed", t)
        if (people is not None) != (sig["engagers"] < m.provisional_min_engagers):
            problems.append(f"{aid}: {t!r} vs {sig['engagers']} engagers")
    return problems
