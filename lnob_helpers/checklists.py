"""Checklists: questions shipped as YAML, answers stored in the analysis.

The workbook ships the guide's diagnostic questions as checklists (Step 2 diagnostics, the
VNR / national SDG report checklist, the MAPS checklist of the guide's Annex 4), written in
the project's own words. A team answers each question with yes, partly, no or not applicable
and a note; `checklist_progress` shows how far each section has got. The engine is shared by
Steps 2 and 5, so it sits below both; each checklist's YAML stays next to the step that asks it.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import pandas as pd
from pydantic import Field, model_validator

from .entries import Entry, EntryId, Record, duplicate_ids, fill_ids, raise_problems
from .errors import InputError
from .yamlstore import read_yaml

ANSWERS = ("yes", "partly", "no", "not_applicable")
Answer = Literal["yes", "partly", "no", "not_applicable"]
SHIPPED = {  # name -> file inside the lnob_helpers package
    "step2": "why/checklist_step2.yaml",
    "vnr": "accountability/checklist_vnr.yaml",
    "maps": "accountability/checklist_maps.yaml",
    "participation": "accountability/checklist_participation.yaml",
}


class Question(Entry):
    id_from = "question"
    question: str
    hint: str = ""


class Section(Entry):
    title: str
    questions: list[Question] = Field(min_length=1)


class Checklist(Entry):
    """A checklist definition: sections of questions, with the source it is based on."""

    title: str
    source: str
    sections: list[Section] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids(self) -> "Checklist":
        questions = [q for s in self.sections for q in s.questions]
        fill_ids(self.sections, "section")
        fill_ids(questions, "question")
        raise_problems(duplicate_ids(self.sections, "sections") + duplicate_ids(questions, "questions"))
        return self

    def question_ids(self) -> list[str]:
        return [q.id for s in self.sections for q in s.questions]

    def to_frame(self) -> pd.DataFrame:
        """One row per question: section, question id, question, hint."""
        return pd.DataFrame(
            [(s.title, q.id, q.question, q.hint) for s in self.sections for q in s.questions],
            columns=["section", "question_id", "question", "hint"],
        )


class ChecklistAnswer(Record):
    """A team's answer to one question; `note` says why or what is missing."""

    question: EntryId
    answer: Answer
    note: str = ""
    evidence: list[str] = Field(default_factory=list)


@cache
def load_checklist(name: str) -> Checklist:
    """One of the shipped checklists: "step2", "vnr", "maps" or "participation"."""
    if name not in SHIPPED:
        raise InputError(f"checklist `{name}` is not shipped; expected one of {', '.join(SHIPPED)}.")
    with resources.as_file(resources.files(__package__).joinpath(SHIPPED[name])) as path:
        return Checklist.model_validate(read_yaml(path))


def answer_problems(checklist: Checklist, answers: list[ChecklistAnswer], place: str) -> list[str]:
    """Sentences for answers to unknown questions or questions answered twice."""
    known = set(checklist.question_ids())
    problems = [
        f"{place}[{i + 1}]: `question` `{a.question}` is not in the {checklist.title}; "
        f"expected one of its question ids ({', '.join(sorted(known))})"
        for i, a in enumerate(answers)
        if a.question not in known
    ]
    seen: dict[str, int] = {}
    for i, a in enumerate(answers):
        if a.question in seen:
            problems.append(f"{place}[{i + 1}]: question `{a.question}` is already answered in "
                            f"entry {seen[a.question]}; expected one answer per question")
        seen.setdefault(a.question, i + 1)
    return problems


def answers_frame(checklist: Checklist, answers: list[ChecklistAnswer]) -> pd.DataFrame:
    """Every question with its answer ("" when unanswered) and note."""
    given = pd.DataFrame(
        [(a.question, a.answer, a.note) for a in answers], columns=["question_id", "answer", "note"]
    ).astype("str")
    table = checklist.to_frame().merge(given, on="question_id", how="left")
    return table.fillna({"answer": "", "note": ""})


def checklist_progress(checklist: Checklist, answers: list[ChecklistAnswer]) -> pd.DataFrame:
    """Per section and overall: questions, answered, counts by answer and a fulfilment share.

    `fulfilled` = (yes + half of partly) / (answered - not applicable); empty when nothing
    applicable has been answered.
    """
    table = answers_frame(checklist, answers)
    counts = pd.crosstab(table["section"], table["answer"]).reindex(columns=["", *ANSWERS], fill_value=0)
    counts = counts.reindex(pd.Index([s.title for s in checklist.sections], name="section"))
    counts.loc["All sections"] = counts.sum()
    out = pd.DataFrame({"questions": counts.sum(axis=1), "answered": counts[list(ANSWERS)].sum(axis=1)})
    out = out.join(counts[list(ANSWERS)])
    applicable = out["answered"] - out["not_applicable"]
    out["fulfilled"] = ((out["yes"] + 0.5 * out["partly"]) / applicable.where(applicable > 0)).round(3)
    return out.reset_index()


def checklist_answer_problems(answers: dict[str, list[ChecklistAnswer]], place: str) -> list[str]:
    """Problems for a mapping checklist name -> answers (unknown checklists, unknown questions)."""
    problems = []
    for name, given in answers.items():
        if name not in SHIPPED:
            problems.append(f"{place}: `{name}` is not a known checklist; expected one of {', '.join(SHIPPED)}")
            continue
        problems.extend(answer_problems(load_checklist(name), given, f"{place}.{name}"))
    return problems
