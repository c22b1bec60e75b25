"""Value labels that say a code is not an answer (missing, don't know, flagged, ...).

MICS and DHS store such cases as ordinary codes (9, 98, 9996) and say what they are only in
the value label. Left undeclared they are counted as answers: 9996 "out of plausible limits"
in a height-for-age column counts as "not stunted". Validation uses `reads_as_special` to
find them; derivation never guesses from labels, so results follow analysis.yaml alone.
"""

from __future__ import annotations

import re
import unicodedata

# The one list of words and phrases that mark a special code, in English, French and Spanish
# (the languages MICS and DHS ship). Written lower-case without accents; each matches as a whole
# word or phrase, so "na" finds "NA" and "DK/NA" but not "Nairobi".
SPECIAL_LABEL_PHRASES: tuple[str, ...] = (
    # missing / no answer
    "missing", "no response", "non response", "nonresponse", "no answer", "not stated", "refused",
    "manquant", "manquante", "non reponse", "sans reponse", "non declare", "refus",
    "faltante", "perdido", "perdidos", "sin respuesta", "no responde", "nr",
    # don't know
    "don't know", "dont know", "do not know", "dk",
    "ne sait pas", "ne sais pas", "nsp",
    "no sabe", "no sabe/no responde", "ns", "ns/nr",
    # not applicable
    "not applicable", "na", "n/a",
    "non applicable", "sans objet", "ne s'applique pas",
    "no aplica", "no aplicable", "no corresponde",
    # flagged, implausible, out of range, inconsistent
    "flagged", "cas signales", "cas marques", "casos marcados",
    "implausible", "invraisemblable", "non plausible", "inverosimil", "no plausible",
    "out of range", "out of plausible limits", "outside plausible limits", "out of limits",
    "hors limites", "hors des limites", "hors plage", "fuera de rango", "fuera de limites",
    "fuera de los limites",
    "inconsistent", "inconsistency", "incoherent", "incoherente", "incoherence",
    "inconsistente", "inconsistencia",
)

_PATTERN = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in SPECIAL_LABEL_PHRASES) + r")(?!\w)"
)


def _plain(text: str) -> str:
    """Lower case without accents and with one kind of apostrophe, so spellings compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'").replace("`", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def reads_as_special(label: str) -> bool:
    """Whether a value label says its code is missing, don't know, not applicable or flagged."""
    return bool(_PATTERN.search(_plain(label)))
