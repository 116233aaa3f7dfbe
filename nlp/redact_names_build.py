"""Builds ``nlp/data/world_names.txt``, the worldwide names list the redactor ships, from
``names-dataset`` (first and last names by country, v3). Run by a developer, not at run time:

    apt-get install wbritish   # the English word list, /usr/share/dict/british-english
    pip install --target /tmp/nd names-dataset==3.3.1 pycountry
    PYTHONPATH=$PWD:/tmp/nd python -m nlp.redact_names_build [--dictionary FILE]

The package is 54 MB and takes about 1 GB of memory to load, for a lookup the redactor needs
as a set of about 38,000 words: so the subset is compiled once and shipped (280 kB).

What is kept: first names among the ``--first-rank`` most common, and last names among the
``--last-rank`` most common, in at least one country that UK residents and their families
come from (``COUNTRIES``). A name that is also an ordinary English word (a lower-case entry
of the dictionary, e.g. Debian's wbritish /usr/share/dict/british-english: "will", "grace",
"rose", "can", "so") is put in the *ambiguous* section when it is a common first name in an
English-speaking country, and dropped otherwise: the redactor treats ambiguous names as names
only where the sentence says so.
"""

from __future__ import annotations

import argparse
from pathlib import Path

OUT = Path(__file__).with_name("data") / "world_names.txt"

# Where the UK's residents and their families come from (ONS country-of-birth groups),
# as far as names-dataset covers them (it has no Romania, Pakistan or Somalia: their names
# appear through diaspora countries such as Italy, Spain, the UK, the Gulf and Ethiopia).
COUNTRIES = (
    "GB IE PL LT BG HU CZ AL RS HR RU PT IT ES FR DE NL GR CY TR "
    "NG GH ZA JM CM ET IN BD AF IQ IR SY SD EG MA DZ LY YE SA AE "
    "CN HK MY PH US CA"
).split()
ENGLISH_SPEAKING = {"GB", "IE", "NG", "GH", "ZA", "JM", "US", "CA"}

# Words a resident writes in lower case that no dictionary holds: chat, slang, spelling.
NOT_NAMES = frozenset(
    """
    im ive id ill dont wont cant didnt doesnt isnt wasnt arent havent hasnt couldnt shouldnt
    wouldnt thats whats theres hes shes theyre youre weve theyve ur u r ya yer yeh yeah yep
    nah naw lol lmao omg idk tbh btw pls plz thx ok okay bruv bro fam mandem innit ting
    gonna wanna gotta aint cos coz cuz tho thru alot abit nite mum mam nan nana nanna gran
    grandad dad mam sis bae babe hun luv mate mates lads lad ppl pcso pcsos asb cctv nhs
    gp aka etc via ie eg re mr mrs ms dr sgt pc cllr st rd ave uk gb eu usa amp tv hmo
    """.split()
)


def _dictionary(path: Path) -> set[str]:
    words = path.read_text(encoding="utf-8", errors="ignore").split()
    return {w for w in words if w.islower() and "'" not in w}


def build(first_rank: int, last_rank: int, dictionary: Path) -> tuple[list, list, list]:
    from names_dataset import NameDataset
    from spacy.lang.en.stop_words import STOP_WORDS

    english = _dictionary(dictionary) | set(STOP_WORDS) | NOT_NAMES
    nd = NameDataset()
    forenames, surnames, ambiguous = set(), set(), set()
    for table, limit, out in (
        (nd.first_names, first_rank, forenames),
        (nd.last_names, last_rank, surnames),
    ):
        for name, info in table.items():
            ranks = {c: r for c, r in info["rank"].items() if c in COUNTRIES and r}
            if not ranks or min(ranks.values()) > limit:
                continue
            word = name.lower()
            if len(word) < 3 or not word.replace("-", "").replace("'", "").isalpha():
                continue
            if not word.isascii():
                continue  # residents type Wisniewski, not Wiśniewski; keep the list ASCII
            if word in english:
                common_here = any(ranks.get(c, limit + 1) <= 300 for c in ENGLISH_SPEAKING)
                if out is forenames and common_here and word not in NOT_NAMES:
                    ambiguous.add(word)
                continue
            out.add(word)
    surnames -= forenames
    return sorted(forenames), sorted(surnames), sorted(ambiguous)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first-rank", type=int, default=1000)
    parser.add_argument("--last-rank", type=int, default=1000)
    parser.add_argument("--dictionary", type=Path, default=Path("/usr/share/dict/british-english"))
    args = parser.parse_args()
    forenames, surnames, ambiguous = build(args.first_rank, args.last_rank, args.dictionary)
    header = (
        "# Worldwide first and last names, built by nlp/redact_names_build.py from\n"
        "# names-dataset 3.3.1 (MIT licence; "
        f"top {args.first_rank} first / {args.last_rank} last names in\n"
        f"# {len(COUNTRIES)} countries; English words left out or, if common first names,\n"
        "# listed as ambiguous). Do not edit by hand: re-run the script.\n"
    )
    sections = [("forenames", forenames), ("surnames", surnames), ("ambiguous", ambiguous)]
    body = "".join(f"[{title}]\n" + "\n".join(words) + "\n" for title, words in sections)
    OUT.write_text(header + body, encoding="utf-8")
    print({title: len(words) for title, words in sections}, OUT)


if __name__ == "__main__":
    main()
