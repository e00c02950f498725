"""Write the demo's sample directory: invented Trafford groups and activities at real postcodes.

The demo must show every feature (categories, days, delivery modes, statuses, verification ages,
messy spreadsheet habits), so the data is generated from templates with a fixed seed rather than
typed by hand. Postcodes are real ONS postcodes read from ../shared/data at generation time; only
the few hundred used end up in data/. Run: .venv/bin/python scripts/make_demo_data.py
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import unicodedata
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTCODES = ROOT.parent / "shared" / "data" / "postcodes" / "trafford_postcodes_onspd_feb2025.csv"
ANCHOR = dt.date(2026, 11, 23)  # verification ages are spread back from this day
NAMESPACE = uuid.UUID("6f1d7c8e-2b1a-4c7e-9a51-0d3f5e2b7a10")

HEADERS = ["Activity", "Organisation Name", "Description", "Category", "Who is it for", "Format", "When", "Cost",
           "Contact", "Telephone", "E-mail", "Web address", "Venue", "Address", "Post Code", "Accessibility",
           "Status", "Taking new people", "Date checked", "Checked by", "Charity number", "Source ID"]

PLACES = ["Sale", "Altrincham", "Stretford", "Urmston", "Partington", "Timperley", "Hale", "Flixton", "Davyhulme",
          "Old Trafford", "Sale Moor", "Ashton upon Mersey", "Broadheath", "Gorse Hill", "Brooklands", "Bowdon"]
ORG_KINDS = ["Community Partnership", "Good Neighbours", "Community Association", "Wellbeing Network", "Together",
             "Friends of the Park", "Community Hub", "Neighbourhood Trust", "Men in Sheds", "Carers' Café",
             "Church Community Project", "Mind & Body Group", "Community Kitchen", "Arts Collective", "Youth Project"]
VENUES = ["Community Centre", "Methodist Church Hall", "Library", "Leisure Centre", "Scout Hut", "Park Pavilion",
          "Village Hall", "Baptist Church", "Community Garden", "Football Club Lounge"]
STREETS = ["Moss Lane", "Church Road", "School Road", "Washway Road", "Cross Street", "Park Road", "Chester Road",
           "Flixton Road", "Manchester Road", "Stockport Road", "Green Lane", "Ashfield Road", "Northenden Road"]

# name, description, category cell variants, audience, formats, schedules, costs
TEMPLATES = [
    ("Health walk", "A friendly, gentle walk of about an hour on flat paths, led by trained volunteers. We finish with a cuppa.",
     ["Walking", "walking; exercise", "Health Walks"], ["Anyone", "Adults 50+"], ["In person"],
     ["Every Tuesday 10:00-11:00", "Thursdays 10.30am", "Mon & Wed 10-12"], ["Free"]),
    ("Nordic walking", "Walking with poles for a full-body workout. Poles provided for your first three sessions.",
     ["walking; keep fit"], ["Adults"], ["In person"], ["Saturdays 9am-10am", "Every Sunday 10:00-11:30"], ["£3", "£2.50 per session"]),
    ("Chair-based exercise", "Seated exercise to music to build strength and balance. Suitable if you are unsteady on your feet.",
     ["Chair-based exercise", "exercise;older people", "Keep Fit"], ["Older people", "Adults 60+"], ["In person"],
     ["Every Wednesday 11:00-12:00", "Fridays 2pm-3pm"], ["£2", "Free (donations welcome)"]),
    ("Singing for lung health", "Breathing exercises and songs for people living with COPD, asthma and other lung conditions. No singing experience needed.",
     ["Singing for Lung Health", "lung health; singing", "Breathe Easy"], ["People with lung conditions", "Adults"], ["In person", "In person; Online"],
     ["First Friday of the month, 2pm-4pm", "Every Monday 1:30-2:30pm"], ["Free", "£2"]),
    ("Breathe Easy support group", "Peer support and talks for people with lung conditions and the people who care for them.",
     ["Breathe Easy", "lung health;peer support"], ["People with lung conditions and their carers"], ["In person"],
     ["Second Tuesday of the month, 1pm-3pm"], ["Free"]),
    ("Community choir", "A relaxed, welcoming choir singing pop, folk and show tunes. You don't need to read music. Croeso i bawb — all welcome!",
     ["Singing", "singing;music", "Choir"], ["Anyone"], ["In person"], ["Thursdays 7pm-8.30pm", "Every Tuesday 19:00-20:30"], ["£3.50 per session", "£5, concessions £3"]),
    ("Knit and natter", "Bring your knitting, crochet or sewing and have a chat. Wool and needles available if you want to learn.",
     ["Arts and crafts", "Crafts; befriending"], ["Anyone", "Women"], ["In person"], ["Every Wednesday 1:30-3:30pm", "Mon & Thu 10-12"], ["£1", "Free"]),
    ("Art for wellbeing", "Drawing and painting sessions with a local artist. Materials provided. Good for anxiety and low mood.",
     ["Arts & Crafts; Mental Wellbeing", "art;mental health"], ["Adults"], ["In person"], ["Fridays 10am-12pm", "Term time only, Wednesdays 9:30-11:30"], ["£2", "Free"]),
    ("Befriending phone calls", "A trained volunteer rings you for a chat every week. For anyone feeling lonely or cut off.",
     ["Befriending", "befriending; loneliness", "Telephone befriending"], ["Older people", "Anyone who feels lonely"], ["Telephone"],
     ["Weekly call at a time that suits you", "By appointment"], ["Free"]),
    ("Coffee morning", "Drop in for a hot drink, cake and a natter. A good way to meet neighbours 😊",
     ["Befriending", "social;food"], ["Anyone"], ["In person"], ["Every Friday 10:00-12:00", "Saturdays 10am-12pm"], ["Free (donations welcome)", "£1.50"]),
    ("Men's shed", "A workshop space for men (and women) to make, mend and chat. Woodwork, bike repair and tea.",
     ["Men's Sheds", "mens shed; practical"], ["Men", "Anyone 18+"], ["In person"], ["Mon & Wed 10-3", "Tuesdays and Thursdays 10am-2pm"], ["£2 per visit", "Free"]),
    ("Peer support group", "A safe, confidential space to talk with others who understand. Facilitated by people with lived experience.",
     ["Peer support; Mental wellbeing", "peer support", "Mental Health"], ["Adults 18+"], ["In person", "Online"],
     ["Every Monday 6:30pm-8pm", "Thursdays 6.30pm"], ["Free"]),
    ("Anxiety and low mood drop-in", "Drop-in support with a wellbeing worker. Talk things through and find out what else could help.",
     ["Mental Wellbeing", "mental health;wellbeing"], ["Adults"], ["In person", "Telephone"], ["Every Tuesday 1pm-4pm"], ["Free"]),
    ("Carers' café", "Time out for unpaid carers: a cuppa, a chat and information from people who've been there.",
     ["Carers", "carers; peer support", "Carer Support"], ["Carers", "Unpaid carers"], ["In person"],
     ["Last Thursday of the month, 10:30-12:30", "Every 2nd Wednesday 1-3pm"], ["Free"]),
    ("Memory café", "A relaxed café for people living with dementia and the people who care for them. Music, games and friendly faces.",
     ["Dementia", "Dementia;Carers", "Memory Café"], ["People living with dementia and their carers"], ["In person"],
     ["First Monday of the month, 2pm-4pm", "Every Wednesday 10:30-12:00"], ["Free", "£1"]),
    ("Lunch club", "A hot two-course lunch and good company. Transport can be arranged if you can't get here.",
     ["Food", "Lunch Club; older people", "food"], ["Older people", "Adults 60+"], ["In person"], ["Every Thursday 12:00-14:00", "Tuesdays 12-2"], ["£4.50", "£5"]),
    ("Food bank", "Emergency food parcels. You will need a referral voucher from an agency such as Citizens Advice, your GP or a social worker.",
     ["Food bank", "food;practical help"], ["Anyone in need"], ["In person"], ["Mon, Wed & Fri 10am-12pm"], ["Free"]),
    ("Community pantry", "Pay a small weekly fee and choose around £15 of food. Membership open to local residents.",
     ["Food", "food; money"], ["Local residents"], ["In person"], ["Saturdays 10am-1pm"], ["£3.50 per visit"]),
    ("Money and debt advice", "Free, confidential help with benefits, debts, energy bills and budgeting.",
     ["Practical Help", "money advice;benefits"], ["Anyone"], ["In person", "Telephone", "In person; Online"], ["By appointment", "Every Monday 9:30-12:30"], ["Free"]),
    ("Digital drop-in", "Help with phones, tablets and getting online: video calls, NHS App, shopping and staying safe.",
     ["Digital help", "learning; practical help"], ["Adults", "Older people"], ["In person"], ["Every Tuesday 2pm-4pm", "Fridays 10-12"], ["Free"]),
    ("Warm space", "A warm, welcoming room with free hot drinks, Wi-Fi and newspapers during the winter months.",
     ["Warm space", "practical help;befriending"], ["Anyone"], ["In person"], ["Daily 9am-5pm", "Mon-Fri 10am-4pm"], ["Free"]),
    ("English conversation club", "Practise speaking English in a friendly group. All levels welcome.",
     ["Learning", "learning;ESOL"], ["Adults"], ["In person"], ["Every Wednesday 6pm-7.30pm"], ["Free"]),
    ("Youth club", "Games, sport, cooking and a safe place to hang out with youth workers.",
     ["Young people", "youth;activities"], ["Young people 11-18"], ["In person"], ["Term time only, Mondays 6-8pm", "Fridays 6.30pm-9pm"], ["£1", "Free"]),
    ("Stay and play", "Play, songs and stories for babies and toddlers with their parents, grandparents and carers.",
     ["Parents and toddlers", "parents & families"], ["Parents>Grandparents", "Parents and carers of under 5s"], ["In person"],
     ["Every Tuesday 9:30-11:30", "Term time only, Thursdays 10-11.30"], ["£1.50 per family", "Free"]),
    ("Community garden volunteering", "Grow fruit and vegetables, get some fresh air and meet people. No experience needed; tools provided.",
     ["Gardening", "gardening; volunteering", "Green spaces"], ["Anyone"], ["In person"], ["Wednesdays and Saturdays 10am-1pm"], ["Free"]),
    ("Bereavement support group", "A gentle group for people who have lost a partner, relative or friend. Come when you feel ready.",
     ["Bereavement", "bereavement;peer support"], ["Adults"], ["In person", "Online"], ["Second Thursday of the month, 7pm-8.30pm"], ["Free"]),
    ("Cancer support drop-in", "Information, a listening ear and complementary therapies for anyone affected by cancer.",
     ["Cancer support", "cancer; wellbeing"], ["People affected by cancer"], ["In person"], ["Every Friday 10am-1pm"], ["Free"]),
    ("Inclusive sports session", "Boccia, new age kurling and table cricket for disabled adults and their friends.",
     ["Disability", "disability; exercise"], ["Disabled adults"], ["In person"], ["Every Monday 1pm-3pm"], ["£2"]),
    ("Online wellbeing circle", "A weekly video call to check in, share what's working and try a short relaxation exercise.",
     ["Mental wellbeing", "mental health; online"], ["Adults"], ["Online"], ["Wednesdays 7pm-8pm"], ["Free"]),
    ("Tai chi for beginners", "Slow, flowing movements to improve balance and ease stress. Suitable for all abilities.",
     ["Exercise", "exercise;older people", "Tai Chi"], ["Adults 50+"], ["In person"], ["Thursdays 11am-12pm", "every 2nd Sunday 10am"], ["£3", "£4"]),
]
STATUS_WEIGHTS = [("Active", 80), ("Paused", 8), ("Closed", 6), ("Suspended due to COVID-19", 3), ("active ", 3)]
CAPACITY = ["Yes", "Yes", "Waiting list", "Referral needed", ""]
CHECKERS = ["Organiser", "Link worker", "Trafford Council", "Volunteer Centre", ""]
ACCESS = ["Step-free access; Accessible toilet; Hearing loop", "Step-free access", "Accessible toilet", "", "", ""]


def read_postcodes(rng: random.Random) -> dict[str, list[dict]]:
    """Live-looking Trafford postcodes grouped by ward (only the few hundred used are written out)."""
    by_ward: dict[str, list[dict]] = {}
    with POSTCODES.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["ward_code"] and row["lat"]:
                by_ward.setdefault(row["ward_name"], []).append(row)
    for rows in by_ward.values():
        rng.shuffle(rows)
    return by_ward


def checked_date(rng: random.Random) -> tuple[str, str]:
    """A "Date checked" cell with the age spread the demo needs, in the formats sheets really use."""
    roll = rng.random()
    if roll < 0.45:
        days = rng.randint(3, 180)
    elif roll < 0.70:
        days = rng.randint(181, 365)
    elif roll < 0.90:
        days = rng.randint(366, 730)
    elif roll < 0.96:
        days = rng.randint(731, 1600)
    else:
        return "", ""
    day = ANCHOR - dt.timedelta(days=days)
    style = rng.random()
    text = day.isoformat() if style < 0.06 else day.strftime("%-d %B %Y") if style < 0.1 else day.strftime("%d/%m/%Y")
    return text, day.isoformat()


def make_organisations(rng: random.Random, count: int) -> list[dict]:
    names, organisations = set(), []
    while len(organisations) < count:
        name = f"{rng.choice(PLACES)} {rng.choice(ORG_KINDS)}"
        if name in names:
            continue
        names.add(name)
        slug = _domain(name.replace("&", "and"))[:24]
        organisations.append({
            "name": name, "charity": str(rng.randint(500000, 1199999)) if rng.random() < 0.5 else "",
            "email": f"hello@{slug}.example.org.uk", "web": rng.choice([f"www.{slug}.example.org.uk", f"https://{slug}.example.org.uk", ""]),
            "phone": f"0161 {rng.randint(200, 999)} {rng.randint(1000, 9999)}",
        })
    return organisations


def activity_row(rng: random.Random, number: int, org: dict, template, place: dict) -> dict:
    name, description, categories, audiences, formats, schedules, costs = template
    delivery = rng.choice(formats)
    remote_only = delivery in ("Telephone", "Online")
    checked, _ = checked_date(rng)
    venue = "" if remote_only else f"{place['locality'] or 'Trafford'} {rng.choice(VENUES)}"
    postcode = "" if remote_only and rng.random() < 0.7 else place["postcode"]
    return {
        "Activity": f"{name} ({place['ward_name']})" if rng.random() < 0.5 else name,
        "Organisation Name": org["name"], "Description": description, "Category": rng.choice(categories),
        "Who is it for": rng.choice(audiences), "Format": delivery, "When": rng.choice(schedules), "Cost": rng.choice(costs + [""]),
        "Contact": rng.choice(["", "Pat", "Sam Jones", "Amira Khan", "Siân Evans", "The coordinator"]),
        "Telephone": org["phone"], "E-mail": org["email"] if rng.random() < 0.8 else "", "Web address": org["web"],
        "Venue": venue, "Address": "" if not venue else f"{rng.randint(1, 180)} {rng.choice(STREETS)}, {place['locality'] or 'Trafford'}",
        "Post Code": postcode, "Accessibility": "" if remote_only else rng.choice(ACCESS),
        "Status": rng.choices([s for s, _ in STATUS_WEIGHTS], [w for _, w in STATUS_WEIGHTS])[0],
        "Taking new people": rng.choice(CAPACITY), "Date checked": checked, "Checked by": rng.choice(CHECKERS) if checked else "",
        "Charity number": org["charity"], "Source ID": f"TRF-{number:04d}",
    }


def add_messy_habits(rows: list[dict]) -> None:
    """What real sheets do: a line break inside a cell, a squashed lower-case postcode, an HTML-ish entity."""
    rows[3]["Description"] += "\nPlease ring first if you are coming for the first time."
    rows[7]["Post Code"] = rows[7]["Post Code"].lower().replace(" ", "")
    rows[11]["Description"] = rows[11]["Description"].replace("and", "&")
    rows[15]["Category"] = rows[15]["Category"].upper()
    rows[19]["Who is it for"] += " "


def make_spreadsheet(rng: random.Random, by_ward: dict[str, list[dict]]) -> list[dict]:
    organisations = make_organisations(rng, 80)
    wards = sorted(by_ward)
    rows = []
    for org in organisations:
        home = by_ward[rng.choice(wards)]
        for _ in range(rng.choice([1, 2, 3, 3, 4, 4, 5, 6, 8])):
            place = home[len(rows) % len(home)] if rng.random() < 0.7 else rng.choice(by_ward[rng.choice(wards)])
            rows.append(activity_row(rng, len(rows) + 1, org, rng.choice(TEMPLATES), place))
    add_messy_habits(rows)
    return rows[:320]


def write_spreadsheet(rows: list[dict], path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADERS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes("\ufeff".encode("utf-8") + buffer.getvalue().encode("utf-8"))


ORUK_ORGS = ["Trafford Carers Centre", "Age Well Trafford", "Trafford Mind Matters", "Stretford Food Network",
             "Altrincham Walking Festival", "Sale Sings", "Partington Community Trust", "Urmston Arts Space",
             "Trafford Young Voices", "Timperley Gardeners", "Old Trafford Women's Network", "Flixton Men's Shed",
             "Trafford Bereavement Service", "Hale Good Neighbours", "Davyhulme Digital Champions"]
DAY_CODES = [("MO", "Monday"), ("TU", "Tuesday"), ("WE", "Wednesday"), ("TH", "Thursday"), ("FR", "Friday"), ("SA", "Saturday")]


def _domain(name: str) -> str:
    """An ASCII domain label from a name ("Carers' Café" → "carerscafe")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_name.lower() if ch.isalnum())


def _uid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def oruk_service(rng: random.Random, org_name: str, template, place: dict, number: int) -> dict:
    """One ORUK 3.0 service as a feed would publish it: HTML descriptions, nested organisation."""
    name, description, categories, _audience, formats, _schedules, costs = template
    service_id = _uid("oruk", org_name, str(number))
    org_id = _uid("org", org_name)
    day_code, day_name = rng.choice(DAY_CODES)
    opens = rng.choice(["09:30", "10:00", "13:00", "18:30"])
    closes = f"{int(opens[:2]) + 2:02d}:{opens[3:]}"
    delivery = rng.choice(formats)
    _, assured = checked_date(rng)
    service = {
        "id": service_id, "name": f"{name} – {org_name}", "status": rng.choices(["active", "inactive", "defunct"], [88, 8, 4])[0],
        "description": f"<p>{description}</p><p>Run by {org_name}.&nbsp;Call us to find out more.</p>",
        "url": f"https://{_domain(org_name)}.example.org/{number}",
        "email": f"info@{_domain(org_name)}.example.org",
        "assured_date": assured or None, "last_modified": f"{assured or '2024-01-10'}T09:00:00Z",
        "organization": {"id": org_id, "name": org_name, "description": f"{org_name} is a local charity in Trafford.",
                         "website": f"https://{_domain(org_name)}.example.org"},
        "schedules": [{"id": _uid(service_id, "schedule"), "freq": "WEEKLY", "byday": day_code, "opens_at": f"{opens}:00",
                       "closes_at": f"{closes}:00", "description": f"Every {day_name}, {opens} to {closes}"}],
        "cost_options": [{"id": _uid(service_id, "cost"), "option": rng.choice(costs), "amount": 0 if "Free" in costs[0] else 3}],
        "contacts": [{"id": _uid(service_id, "contact"), "name": "Duty coordinator",
                      "phones": [{"id": _uid(service_id, "phone"), "number": f"0161 {rng.randint(200, 999)} {rng.randint(1000, 9999)}"}]}],
        "attributes": [{"id": _uid(service_id, "attr", c), "taxonomy_term": {"id": _uid("term", c), "name": c.strip(), "description": c.strip(), "taxonomy": "assetmap-demo"}}
                       for c in categories[0].split(";")],
    }
    if assured is None or service["assured_date"] is None:
        service.pop("assured_date")
    if delivery in ("Telephone", "Online"):
        service["service_areas"] = [{"id": _uid(service_id, "area"), "name": "Trafford", "extent_type": "text", "service_area": "Trafford"}]
    else:
        service["service_at_locations"] = [{"id": _uid(service_id, "sal"), "location": {
            "id": _uid(service_id, "loc"), "location_type": "physical", "name": f"{place['locality'] or 'Trafford'} {rng.choice(VENUES)}",
            "latitude": float(place["lat"]), "longitude": float(place["lon"]),
            "addresses": [{"id": _uid(service_id, "addr"), "address_1": f"{rng.randint(1, 180)} {rng.choice(STREETS)}",
                           "city": place["locality"] or "Trafford", "state_province": "Greater Manchester", "postal_code": place["postcode"], "country": "GB", "address_type": "physical"}]}}]
    return service


def make_oruk(rng: random.Random, by_ward: dict[str, list[dict]]) -> dict:
    wards = sorted(by_ward)
    services = [oruk_service(rng, ORUK_ORGS[i % len(ORUK_ORGS)], rng.choice(TEMPLATES), rng.choice(by_ward[rng.choice(wards)]), i)
                for i in range(60)]
    return {"total_items": len(services), "total_pages": 1, "page_number": 1, "size": len(services),
            "first_page": True, "last_page": True, "empty": False, "contents": services}


def validate_oruk(page: dict) -> None:
    """Every service must pass the published ORUK 3.0 schema, checked offline."""
    from jsonschema import Draft202012Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    schema_dir = ROOT.parent / "shared" / "specs" / "oruk-3.0" / "schema"
    prefix = "https://openreferraluk.org/specifications/3.0/schema/"
    registry = Registry().with_resources(
        (prefix + p.name, DRAFT202012.create_resource(json.loads(p.read_text()))) for p in schema_dir.glob("*.json"))
    validator = Draft202012Validator(json.loads((schema_dir / "service.json").read_text()), registry=registry)
    for service in page["contents"]:
        errors = sorted(validator.iter_errors(service), key=str)
        if errors:
            raise SystemExit(f"{service['name']}: {errors[0].message} at {list(errors[0].path)}")


def main() -> None:
    rng = random.Random(2026)
    by_ward = read_postcodes(rng)
    rows = make_spreadsheet(rng, by_ward)
    write_spreadsheet(rows, ROOT / "data" / "demo_activities.csv")
    page = make_oruk(rng, by_ward)
    validate_oruk(page)
    (ROOT / "data" / "demo_oruk.json").write_text(json.dumps(page, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(rows)} spreadsheet rows, {len(page['contents'])} ORUK services")


if __name__ == "__main__":
    main()
