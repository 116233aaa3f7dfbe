"""Labelled sentences for redaction, written for these tests (not taken from any dataset).

Each case marks personal data inline as ``{TYPE:value}``; text outside the marks must be left
alone. The set mixes survey-style answers with the awkward cases: numbers that are not
phones (999, 101, times, years), street names without house numbers, outward codes alone.
"""

CASES = [
    # --- phones
    "There is a drug house, ring me on {PHONE:07700 900123} if you need details",
    "My number is {PHONE:07700900461} please call after 6pm",
    "Contact {PHONE:+44 7700 900982} about the noise",
    "Call the office on {PHONE:020 7946 0958} any weekday",
    "The landline is {PHONE:(0113) 496 0000}",
    "Ring {PHONE:0161-496-0734} and ask for the housing team",
    "my mobile {PHONE:07700 900 744}, text first",
    "Phone {PHONE:+44 (0)1632 960018} before 5",
    "You can reach me on {PHONE:01632 960321} or by email",
    "tel: {PHONE:0117 496 0123}",
    "Number of the caller was {PHONE:07911 123456}.",
    "{PHONE:0808 157 0192} is the number I was given by the council",
    "Call {PHONE:0044 7700 900555} if you want to talk about it",
    "I rang 999 twice and 101 once but nobody came",
    "It happens at 11 30 pm most nights, about 3 or 4 times a week since 2019",
    # --- emails
    "Email me at {EMAIL:jane.doe@example.com} for more",
    "My email is {EMAIL:j.bloggs123@mail.example.co.uk}",
    "{EMAIL:resident_44@example.org} - happy to be contacted",
    "contact {EMAIL:someone+survey@example.net}, thanks",
    "Please reply to {EMAIL:A.Person@Example.gov.uk}.",
    "send info to {EMAIL:mike_t@example.com} or ring me",
    "I wrote to {EMAIL:info@residents-association.org.uk} about the lighting",
    "Write to me on {EMAIL:k.o'neill@example.com}",
    # --- postcodes
    "I live in {POSTCODE:LS6 2AB} near the park",
    "The problem is around {POSTCODE:BN11 3QT} every night",
    "postcode {POSTCODE:rh10 1hp}",
    "Near {POSTCODE:SW1A 1AA} the drugs are bad",
    "{POSTCODE:PO19 1RQ}, outside the flats",
    "my postcode is {POSTCODE:M1 1AE}.",
    "around {POSTCODE:B33 8TH} and the canal",
    "{POSTCODE:CR2 6XH} is where most of the burglaries are",
    "Speeding on the road by {POSTCODE:DN55 1PT}",
    "{POSTCODE:EC1A1BB} has loads of bikes stolen",
    "Anywhere in RH10 really, it's the whole town",
    # --- addresses
    "The dealer lives at {ADDRESS:14 Acacia Avenue}",
    "Cars parked on the pavement outside {ADDRESS:3 Church Lane} every day",
    "Loud parties at {ADDRESS:22b Station Road} most weekends",
    "Someone broke into {ADDRESS:7 Mill Close} last month",
    "the house at {ADDRESS:45 high street} is a problem",
    "People speeding down Church Road all day",
    "Fly tipping behind {ADDRESS:108 Victoria Crescent}",
    "My neighbour at {ADDRESS:9 Orchard Way} is being harassed",
    # --- vehicles
    "A silver car reg {VEHICLE:AB12 CDE} deals drugs outside the school",
    "The van {VEHICLE:KX19 ZRT} is always speeding",
    "Motorbike {VEHICLE:ld68 vbn} with no lights",
    "Black BMW {VEHICLE:P123 ABC} parks on the corner",
    "the old car {VEHICLE:ABC 123D} has been abandoned",
    "reg number {VEHICLE:YS21WMP} seen dealing",
    # --- urls and handles
    "See {URL:https://www.example.com/news/123} for the story",
    "It was posted on {URL:www.facebook.com/groups/ourtown}",
    "Look at {URL:example.co.uk/crime-map}",
    "The account {HANDLE:@dodgy_dealer99} sells drugs on Snapchat",
    "follow {HANDLE:@townwatch} on twitter",
    "He keeps messaging me as {HANDLE:@big.man.22}",
    # --- dates of birth
    "My son, DOB {DOB:12/05/2009}, was robbed",
    "date of birth: {DOB:3 March 1975}",
    "I was born on {DOB:21st June 1990} and have lived here all my life",
    "d.o.b {DOB:01-02-1988}",
    "The fight was on 12/05/2023 outside the chip shop",
    # --- names
    "My neighbour {NAME:John Smith} deals drugs from his flat",
    "{NAME:Sarah Jones} next door is being abused by her partner",
    "The man called {NAME:Dave Wilson} keeps threatening people",
    "Talk to {NAME:Mrs Patel} at the corner shop, she sees everything",
    "{NAME:PC Hughes} was very helpful when we reported it",
    "I reported {NAME:Tom Baker} to the police but nothing happened",
    "{NAME:Michael O'Brien} and his friends vandalise the bus shelter",
    "My daughter {NAME:Emily} was followed home from school",
    "The boy who lives with {NAME:Karen Mitchell} is dealing",
    "{NAME:Councillor Ahmed} promised more CCTV",
    "We told {NAME:Mr Thompson} about the speeding cars",
    "A lad called {NAME:Jordan Taylor} has been stealing bikes",
    "{NAME:Peter Evans} from number 12 keeps parking on the pavement",
    "{NAME:Aisha Khan} and I run the neighbourhood watch",
    "Please speak to {NAME:Gary Roberts}, he knows who is doing it",
    "{NAME:Lisa} and {NAME:Mark Davies} have both been burgled this year",
    "My husband {NAME:Steve} was assaulted outside the pub",
    "The youth worker {NAME:Chloe Edwards} does a great job",
    "I have complained about {NAME:James Green} many times",
    "{NAME:Dr Williams} at the surgery said it was common",
    "{NAME:Robert Clarke} is selling drugs to kids",
    "It was {NAME:Daniel Hughes} who smashed the window",
    "Thanks to {NAME:Sgt Morgan} for sorting the parking",
    "My friend {NAME:Hannah Lewis} was scammed out of her savings",
    "{NAME:Ben Carter} rides his motorbike on the footpath",
    "ask {NAME:kev} at the chippy, he saw it all",
    "{NAME:MARK JOHNSON} IS DEALING FROM HIS CAR",
    "Me and {NAME:Shannon} got chased by older boys",
    "More police in Crawley town centre please",
    "The Co-op on the high street gets robbed a lot",
    "I would like to see more PCSOs at Tilgate Park",
]


# --- the hard set (issue 16): residents' and pupils' own style, by kind ---------------------
HARD_SET = __import__("pathlib").Path(__file__).with_name("data") / "redaction_hard.yaml"
# written after the rules were final, measured once, not tuned on
HELDOUT_SET = HARD_SET.with_name("redaction_heldout.yaml")


def load_hard_cases(path=HARD_SET) -> list[tuple[str, str]]:
    """(kind, marked sentence) pairs from ``data/redaction_hard.yaml`` (or ``path``); kind
    "clean" holds sentences with no personal data."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(kind, marked) for kind, cases in data.items() for marked in cases]
