"""Write the demo's sample directory: invented Trafford groups and activities at real postcodes.

Why generated rather than typed: the demo has to show every feature (categories worded many ways,
free-text schedules, delivery modes, statuses, verification ages, the habits of hand-kept sheets)
and stay reproducible, so rows come from templates with a fixed seed. Postcodes and coordinates
are real ONS ones read from ../shared at generation time; only those used are written out.
Phone numbers are Ofcom's drama ranges and every domain is under example.org (RFC 2606), so no
invented contact detail can reach a real person.

Run: .venv/bin/python scripts/make_demo_data.py
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import html
import io
import json
import random
import re
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
POSTCODE_FILE = SHARED / "data" / "postcodes" / "trafford_postcodes_onspd_feb2025.csv"
REGISTER_FILE = SHARED / "data" / "community" / "trafford_registered_charities_ccew.csv"  # names to avoid
SCHEMA_DIR = SHARED / "specs" / "oruk-3.0" / "schema"
SCHEMA_PREFIX = "https://openreferraluk.org/specifications/3.0/schema/"
CSV_PATH, FEED_PATH = ROOT / "data" / "demo_activities.csv", ROOT / "data" / "demo_oruk.json"

SEED = 2026
ANCHOR = dt.date(2026, 11, 23)  # verification ages are counted back from this day
ROW_COUNT, ORG_COUNT = 320, 80
NAMESPACE = uuid.UUID("6f1d7c8e-2b1a-4c7e-9a51-0d3f5e2b7a10")  # so ids are the same on every run

HEADERS = ["Activity", "Organisation Name", "Description", "Category", "Who is it for", "Format", "When", "Cost",
           "Contact", "Telephone", "E-mail", "Web address", "Venue", "Address", "Post Code", "Accessibility",
           "Status", "Taking new people", "Date checked", "Checked by", "Charity number", "Source ID"]

# (label, share, youngest and oldest age in days); "never" leaves the date blank.
AGE_BANDS = (("under 6 months", 0.45, 3, 182), ("6-12 months", 0.25, 183, 365), ("12-24 months", 0.20, 366, 730),
             ("over 24 months", 0.06, 731, 2300), ("never checked", 0.04, None, None))
CHECKERS = ("Organiser", "Organiser", "Link worker", "Trafford Council", "Volunteer Centre", "")

# ward -> (town, names people give the place, streets, parks or paths where walks meet as (name, street))
WARDS = {
    "Altrincham": ("Altrincham", ["Altrincham"], ["Stamford New Road", "Railway Street", "Regent Road", "Lloyd Street",
                   "Market Street", "Moss Lane", "Oakfield Road"], [("John Leigh Park", "Oakfield Road")]),
    "Ashton upon Mersey": ("Sale", ["Ashton upon Mersey", "Sale"], ["Ashton Lane", "Church Lane", "Green Lane",
                           "Harboro Road"], [("Sale Water Park", "Rifle Road")]),
    "Bowdon": ("Altrincham", ["Bowdon"], ["Stamford Road", "Langham Road", "Vale Road", "Green Walk", "Richmond Road"],
               [("Dunham Massey", "Woodhouse Lane")]),
    "Broadheath": ("Altrincham", ["Broadheath"], ["Manchester Road", "Sinderland Road", "Navigation Road",
                   "Atlantic Street"], [("the Bridgewater Canal towpath", "Navigation Road")]),
    "Brooklands": ("Sale", ["Brooklands"], ["Brooklands Road", "Marsland Road", "Woodbourne Road"], []),
    "Bucklow-St Martins": ("Partington", ["Partington", "Partington", "Carrington"], ["Central Road", "Manchester Road", "Lock Lane",
                           "Chapel Lane", "Warburton Lane", "Carrington Lane"],
                           [("Carrington Moss", "Carrington Lane"), ("the Trans Pennine Trail", "Warburton Lane")]),
    "Davyhulme": ("Urmston", ["Davyhulme"], ["Davyhulme Road", "Lostock Road", "Bowfell Road", "Broadway"],
                  [("Davyhulme Park", "Lostock Road")]),
    "Flixton": ("Urmston", ["Flixton"], ["Flixton Road", "Church Road", "Irlam Road", "Woodsend Road", "Moorside Road"],
                [("Abbotsfield Park", "Chassen Road")]),
    "Gorse Hill & Cornbrook": ("Stretford", ["Gorse Hill"], ["Chester Road", "Kings Road", "Burleigh Road"],
                               [("Gorse Hill Park", "Chester Road")]),
    "Hale": ("Hale", ["Hale"], ["Ashley Road", "Victoria Road", "Park Road", "Cecil Road", "Broomfield Lane"],
             [("Stamford Park", "Stamford Park Road")]),
    "Hale Barns & Timperley South": ("Hale", ["Hale Barns"], ["Hale Road", "Wicker Lane", "Delahays Road", "Shay Lane"],
                                     [("the Bollin Valley", "Bankhall Lane")]),
    "Longford": ("Stretford", ["Stretford", "Longford"], ["Edge Lane", "Urmston Lane", "Cromwell Road", "Barton Road"],
                 [("Longford Park", "Edge Lane")]),
    "Lostock & Barton": ("Stretford", ["Lostock"], ["Barton Road", "Moss Road", "Lostock Road"], []),
    "Manor": ("Sale", ["Sale West", "Sale"], ["Washway Road", "Derbyshire Road", "Dane Road"], []),
    "Old Trafford": ("Old Trafford", ["Old Trafford"], ["Ayres Road", "Northumberland Road", "Shrewsbury Street",
                     "Talbot Road", "Seymour Grove", "Clarendon Road"], [("Seymour Park", "Northumberland Road")]),
    "Sale Central": ("Sale", ["Sale"], ["School Road", "Cross Street", "Ashfield Road", "Tatton Road", "Springfield Road"],
                     [("Worthington Park", "Springfield Road")]),
    "Sale Moor": ("Sale", ["Sale Moor"], ["Northenden Road", "Wythenshawe Road", "Norris Road", "Broad Road"],
                  [("Walton Park", "Raglan Road")]),
    "Stretford & Humphrey Park": ("Stretford", ["Stretford", "Humphrey Park"], ["King Street", "Chester Road",
                                  "Derbyshire Lane", "Kingsway"], [("Turn Moss", "Turn Moss Road")]),
    "Timperley Central": ("Timperley", ["Timperley"], ["Park Road", "Stockport Road", "Thorley Lane", "Grove Lane",
                          "Wood Lane"], [("the Bridgewater Canal towpath", "Deansgate Lane")]),
    "Timperley North": ("Timperley", ["Timperley"], ["Shaftesbury Avenue", "Deansgate Lane", "Moss Lane"], []),
    "Urmston": ("Urmston", ["Urmston"], ["Station Road", "Higher Road", "Church Road", "Flixton Road", "Crofts Bank Road"],
                [("Golden Hill Park", "Queens Road")]),
}
# town -> postcode districts its addresses use (wards straddle districts; keep each address believable)
TOWN_DISTRICTS = {"Altrincham": ("WA14", "WA15"), "Sale": ("M33",), "Stretford": ("M32",), "Old Trafford": ("M16", "M15"),
                  "Urmston": ("M41",), "Partington": ("M31",), "Timperley": ("WA15",), "Hale": ("WA15", "WA14")}
HALLS = ("{place} Community Centre", "St {saint}'s Church Hall", "{place} Methodist Church", "{street} Community Rooms",
         "{place} United Reformed Church", "{place} Scout Hut", "The Old Library, {place}", "{place} Cricket Club",
         "{place} Parish Centre", "{street} Hall", "{place} Sports & Social Club", "{place} Community Church",
         "{street} Baptist Church")
MEETING_POINTS = ("Meet at the main gates, {}", "Meet at the car park, {}", "Meet by the café, {}")
GARDENS = ("{place} Community Garden", "Allotments off {street}", "{street} Community Orchard")
SAINTS = ("Mary", "John", "Michael", "Peter", "Anne", "Paul", "Alban", "Matthew", "Margaret", "Hilda", "Clement", "Luke")
ACCESS_INDOOR = ("Step-free access; Accessible toilet; Hearing loop", "Step-free access; Accessible toilet",
                 "Step-free access", "Wheelchair accessible", "Ramp at side entrance; accessible toilet", "Hearing loop",
                 "First floor – no lift", "", "", "", "", "")
ACCESS_OUTDOOR = ("Flat, surfaced paths", "Some uneven and muddy paths", "", "")
PEOPLE = ("Jean Fletcher", "Mohammed Iqbal", "Siân Evans", "Aoife Byrne", "Grzegorz Nowak", "Chloé Martin",
          "Pat Hughes", "Bernadette O'Neill", "Kwame Mensah", "Priya Sharma", "Zoë Clarke", "Tom Whittaker",
          "Maggie Shaw", "Hassan Ali", "Lucy Brennan", "Gwen Roberts", "Raj Patel", "Ewa Kowalska", "Sue Hardy",
          "Imran Hussain", "Helen Cartwright", "John Murphy", "Fatima Begum", "Ade Okafor", "Karen Leigh",
          "Dave Openshaw", "Rhiannon Price", "Yusuf Ahmed", "Linda Greenhalgh", "Mark Tierney")
BOOKING = ("Just turn up – no need to book.", "Please ring before your first visit.",
           "Booking is essential as places are limited.", "New members are always welcome.")
WELCOME = ("Tea, coffee & biscuits provided.", "Everyone is welcome, whatever your background.",
           "We're a friendly bunch, so don't be shy!", "Free parking next to the building.",
           "Carers and family members are welcome too.", "☕ Brews are on us!", "Croeso i bawb – all welcome.")


@dataclasses.dataclass(frozen=True)
class Template:
    """One kind of activity, with the several ways hand-kept sheets word its name, text, category and times."""

    names: Sequence[str]
    texts: Sequence[str]  # one or two sentences each; {place} and {park} are filled in
    categories: Sequence[str]
    audiences: Sequence[str]
    whens: Sequence[str]  # the first is used the first time the kind appears, so every wording shows up
    costs: Sequence[str] = ("Free",)
    formats: Sequence[str] = ("In person",)
    setting: str = "hall"  # hall, park, garden, home (visits) or remote
    intake: Sequence[str] = ("Yes", "Yes", "Yes", "Waiting list", "", "", "")


REFERRAL = ("Referral needed", "Referral needed", "Waiting list", "Yes", "")
T = Template
TEMPLATES = {
    "health_walk": T(["Health walk", "{park} health walk", "Walk & Talk", "Wellbeing walk", "Strollers' walk"],
                     ["A friendly, gentle walk of about an hour on flat paths, led by trained volunteers. We finish with a cuppa.",
                      "Short, sociable walks at an easy pace around {park}. Good for getting back into exercise after illness.",
                      "A led walk for all abilities – nobody gets left behind. Wear comfy shoes and bring a drink."],
                     ["Walking", "walking; exercise", "Health Walks", "Walking group;older people", "walking"],
                     ["Anyone", "Adults 50+", "Adults", "All ages"],
                     ["Every Tuesday 10:00-11:00", "Thursdays 10.30am", "Mon & Wed 10-12", "Every Friday, meet 10am",
                      "Saturdays 9.30am (about an hour)"], ["Free", "Free", "Free (donations welcome)"], setting="park"),
    "nordic_walk": T(["Nordic walking", "Nordic walking for beginners"],
                     ["Walking with poles for a full-body workout. Poles are provided for your first three sessions.",
                      "A brisker walk using Nordic poles, which take weight off your knees and work your arms too."],
                     ["walking; keep fit", "Nordic Walking", "Exercise;Walking"], ["Adults", "Adults 50+"],
                     ["Saturdays 9am-10am", "Every Sunday 10:00-11:30", "Wednesdays 6pm"],
                     ["£3", "£2.50 per session", "£4, first session free"], setting="park"),
    "buggy_walk": T(["Buggy walk", "Pram push"],
                    ["A walk with your baby in the pram or sling at a chatty pace, finishing at a café. A good way to meet other new parents."],
                    ["walking;parents and toddlers", "Parents & Toddlers; Walking"],
                    ["Parents and carers of under 5s", "New parents"], ["Every Monday 10am", "Thursdays 10:30-11:30"], setting="park"),
    "walking_football": T(["Walking football"],
                          ["Football at walking pace – no running, no tackling, plenty of laughs. Bibs and balls provided."],
                          ["Exercise; Men", "sport", "Walking Football", "keep fit"], ["Adults 50+", "Men", "Anyone 18+"],
                          ["Mondays 7pm-8pm", "Every Thursday 11:00-12:00"], ["£3", "£3.50 per session"], setting="park"),
    "chair_exercise": T(["Chair-based exercise", "Seated strength & balance", "Armchair aerobics"],
                        ["Seated exercise to music to build strength and balance. Suitable if you are unsteady on your feet.",
                         "A gentle class done sitting down or holding the back of a chair. It helps with everyday things like getting out of a chair."],
                        ["Chair-based exercise", "exercise;older people", "Keep Fit", "chair based exercise", "Exercise"],
                        ["Older people", "Adults 60+", "Adults 50+"],
                        ["Every Wednesday 11:00-12:00", "Fridays 2pm-3pm", "Mondays 10.30-11.30"],
                        ["£2", "Free (donations welcome)", "£3.50 per session"]),
    "tai_chi": T(["Tai chi for beginners", "Tai chi & qigong"],
                 ["Slow, flowing movements to improve balance and ease stress. You can join in seated."],
                 ["Exercise", "exercise;older people", "Tai Chi", "keep fit; mental wellbeing"], ["Adults 50+", "Anyone"],
                 ["every 2nd Sunday", "Thursdays 11am-12pm", "Every Tuesday 10:00-11:00"], ["£3", "£4", "£5, concessions £3"]),
    "keep_fit": T(["Keep fit for over 50s", "Low-impact aerobics", "Strength & balance class"],
                  ["A fun, low-impact class to music that gets your heart going without jumping about.",
                   "Falls prevention exercise run by a qualified instructor. Please tell us about any health conditions when you first come."],
                  ["Exercise", "keep fit", "Exercise; Older People", "Falls prevention;exercise"],
                  ["Adults 50+", "Older people", "Women"], ["Tuesdays 2-3pm", "Every Monday 10:00-11:00", "Mon & Thu 9.30-10.30"],
                  ["£3", "£4", "£5, concessions £3"]),
    "sing_lung": T(["Singing for lung health", "Singing for better breathing"],
                   ["Breathing exercises and songs for people living with COPD, asthma and other lung conditions. No singing experience needed.",
                    "A singing group led by a trained practitioner to help you control your breathing. Sitting down is fine."],
                   ["Singing for Lung Health", "lung health; singing", "Singing;Lung health", "Breathe Easy"],
                   ["People with lung conditions", "Adults with COPD or asthma", "People with lung conditions and their carers"],
                   ["First Friday of the month, 2pm-4pm", "Every Monday 1:30-2:30pm", "Wednesdays 11am-12pm"], ["Free", "£2"],
                   ["In person", "In person", "In person; Online"]),
    "breathe_easy": T(["Breathe Easy {place}", "Breathe Easy support group"],
                      ["Peer support and friendly talks for people with lung conditions and the people who care for them.",
                       "A support group for anyone living with a lung condition. We have guest speakers, gentle exercise and a chat over tea."],
                      ["Breathe Easy", "lung health;peer support", "Lung Health", "respiratory; support group"],
                      ["People with lung conditions and their carers", "Adults"],
                      ["Second Tuesday of the month, 1pm-3pm", "Last Wednesday of the month 2-4pm"], ["Free", "£1 for tea"],
                      ["In person", "In person", "In person; Online"]),
    "choir": T(["Community choir", "Daytime choir", "Sing for fun"],
               ["A relaxed, welcoming choir singing pop, folk and show tunes. You don't need to read music. Croeso i bawb – all welcome!",
                "We sing everything from Motown to musicals and learn by ear 🎶",
                "Just come and sing – no auditions, no pressure. Tea & cake at half time."],
               ["Singing", "singing;music", "Choir", "Music & singing", "singing; mental wellbeing"],
               ["Anyone", "Adults", "Adults 18+"], ["Thursdays 7pm-8.30pm", "Every Tuesday 19:00-20:30", "Wednesdays 1.30-3pm"],
               ["£3.50 per session", "£5, concessions £3", "£20 a term"]),
    "sing_dementia": T(["Musical memories", "Songs & smiles"],
                       ["Well-loved songs from the 50s, 60s and 70s for people living with dementia, sung with family and friends. Song sheets are in large print."],
                       ["Dementia; singing", "Memory Café;Music", "dementia"], ["People living with dementia and their carers"],
                       ["Second Monday of the month, 2pm-3.30pm", "Every other Friday 10.30-12"], ["Free", "£2 per couple"]),
    "knit": T(["Knit & Natter", "Knit and natter", "Crafty Corner", "Stitch & Chat"],
              ["Bring your knitting, crochet or sewing and have a chat. Wool and needles available if you want to learn.",
               "A friendly crafting group – we make blankets and hats for the local hospital's baby unit."],
              ["Arts and crafts", "Crafts; befriending", "arts & crafts", "Knitting"], ["Anyone", "Women", "Adults"],
              ["Every Tuesday 10:00-12:00", "Every Wednesday 1:30-3:30pm", "Mon & Thu 10-12"], ["£1", "Free", "£1.50 including tea"]),
    "art_wellbeing": T(["Art for wellbeing", "Creative wellbeing", "Paint & Chat"],
                       ["Drawing and painting sessions with a local artist. Materials provided, and it's good for anxiety and low mood.",
                        "Have a go at collage, printmaking and watercolour. It's about enjoying it, not being good at it."],
                       ["Arts & Crafts; Mental Wellbeing", "art;mental health", "Arts", "Creative activities"],
                       ["Adults", "Adults 18+", "Anyone 16+"],
                       ["Fridays 10am-12pm", "Term time only, Wednesdays 9:30-11:30", "Tuesdays 6-8pm"], ["£2", "Free", "£3"]),
    "creative_writing": T(["Creative writing group", "Write Here"],
                          ["Share stories, poems and memories in a supportive group. There's an exercise each week to get you started."],
                          ["Learning; arts", "Creative writing", "arts and crafts;learning"], ["Adults"],
                          ["First and third Monday of the month, 7-9pm", "Thursdays 2pm-4pm"], ["Free", "£2"],
                          ["In person", "In person; Online"]),
    "befriend_phone": T(["Telephone befriending", "Befriending phone calls", "Chatline"],
                        ["A trained volunteer rings you for a chat every week. For anyone feeling lonely or cut off.",
                         "Regular friendly phone calls for older people living alone. Volunteers are DBS checked and matched with you by interests."],
                        ["Befriending", "befriending; loneliness", "Telephone befriending", "Befriending;Older people"],
                        ["Older people", "Anyone who feels lonely", "Adults 65+"],
                        ["Weekly call at a time that suits you", "By appointment", "Mon-Fri, calls between 10am and 4pm"],
                        formats=["Telephone"], setting="remote", intake=REFERRAL),
    "befriend_visit": T(["Home visiting befriending", "Befriending service"],
                        ["A volunteer visits you at home for a cuppa and a chat, or comes out with you for a walk or to the shops."],
                        ["Befriending", "Befriending;Older People"], ["Older people", "Adults 60+ living alone"],
                        ["By appointment", "Weekly, day to suit you"], setting="home", intake=REFERRAL),
    "coffee_morning": T(["Coffee morning", "Community café", "Cuppa Club", "Pop-in café"],
                        ["Drop in for a hot drink, cake and a natter. A good way to meet neighbours 😊",
                         "A warm welcome, bacon butties and good company. Ask us about other groups in the area.",
                         "Our volunteer-run café is a place to sit, chat and read the papers. Stay for five minutes or two hours."],
                        ["Befriending", "social;food", "Social", "Coffee morning; older people"], ["Anyone", "Everyone", "Older people"],
                        ["Every Friday 10:00-12:00", "Saturdays 10am-12pm", "Wednesdays 10-11.30"],
                        ["Free (donations welcome)", "£1.50", "Pay as you feel"]),
    "warm_space": T(["Warm space", "Warm welcome", "Warm Hub"],
                    ["A warm, welcoming room with free hot drinks, Wi-Fi and newspapers during the winter months.",
                     "Come in from the cold: free soup, a seat by the radiator and phone charging. No questions asked."],
                    ["Warm space", "practical help;befriending", "Warm Spaces", "food; practical help"], ["Anyone"],
                    ["Daily 9am-5pm", "Mon-Fri 10am-4pm", "Mon & Wed 10-3", "November to March, Tuesdays 12-4"]),
    "shed": T(["Men's Shed", "The Shed", "Woodwork & repairs"],
              ["A workshop space for men (and women) to make, mend and chat. Woodwork, bike repair and tea.",
               "Shoulder to shoulder, not face to face: share skills and work on projects for the community. Tools & timber provided."],
              ["Men's Sheds", "mens shed; practical", "Men's Shed", "Mens Sheds;Older people"], ["Men", "Anyone 18+", "Men 50+"],
              ["Mon & Wed 10-3", "Tuesdays and Thursdays 10am-2pm", "Every Friday 10:00-15:00"], ["£2 per visit", "Free", "£10 a month"]),
    "repair_cafe": T(["Repair Café", "Fix-it café"],
                     ["Bring along broken toasters, lamps, clothes and bikes and our volunteer fixers will help you mend them. Tea & cake while you wait."],
                     ["Practical help", "practical help; men's sheds", "Repair cafe"], ["Anyone"],
                     ["First Saturday of the month, 10am-1pm", "Last Sunday of the month 11-2"], ["Free (donations welcome)"]),
    "peer_support": T(["Peer support group", "Mental health peer support", "Talk & Tea", "Men's talking group"],
                      ["A safe, confidential space to talk with others who understand. Facilitated by people with lived experience.",
                       "Come and talk, or just listen. No referral, no forms – just turn up."],
                      ["Peer support; Mental wellbeing", "peer support", "Mental Health", "mental health;peer support"],
                      ["Adults 18+", "Adults", "Men 18+"],
                      ["Thursdays 6.30pm", "Every Monday 6:30pm-8pm", "Every 2nd and 4th Tuesday, 7-9pm"],
                      formats=["In person", "In person", "Online", "In person; Online"]),
    "wellbeing_dropin": T(["Wellbeing drop-in", "Anxiety & low mood drop-in"],
                          ["Drop-in support with a wellbeing worker. Talk things through and find out what else could help.",
                           "Feeling stressed, anxious or low? Pop in for a chat with someone who'll listen."],
                          ["Mental Wellbeing", "mental health;wellbeing", "Mental wellbeing"], ["Adults", "Anyone 16+"],
                          ["Every Tuesday 1pm-4pm", "Wednesdays 10-1", "By appointment"], formats=["In person", "In person", "Telephone"]),
    "online_wellbeing": T(["Online wellbeing circle", "Virtual cuppa", "Zoom wellbeing group"],
                          ["A weekly video call to check in, share what's working and try a short relaxation exercise.",
                           "Join from your sofa: a friendly online group with a different wellbeing theme each week. We'll send you the link."],
                          ["Mental wellbeing", "mental health; online", "Wellbeing"], ["Adults"],
                          ["Wednesdays 7pm-8pm", "Every Sunday 7.30pm", "Mondays 11am"], formats=["Online"], setting="remote"),
    "carers_cafe": T(["Carers' café", "Carers' coffee morning", "Time Out for carers"],
                     ["Time out for unpaid carers: a cuppa, a chat and information from people who've been there.",
                      "If you look after someone, this is your time. Relax with other carers and get advice on benefits and breaks.",
                      "Croeso – a warm welcome to carers of all ages and backgrounds. The person you care for is welcome too."],
                     ["Carers", "carers; peer support", "Carer Support", "Carers;Older people"],
                     ["Carers", "Unpaid carers", "Carers and former carers"],
                     ["Last Thursday of the month, 10:30-12:30", "Every 2nd Wednesday 1-3pm", "First Tuesday of the month 10am-12pm"]),
    "carers_online": T(["Online carers' catch-up", "Carers' evening chat (online)"],
                       ["An evening video chat for carers who can't get out in the day. Share tips, let off steam and hear about local support."],
                       ["Carers", "carers;online"], ["Carers", "Working carers"],
                       ["Every Thursday 8pm-9pm", "First Monday of the month, 7.30pm"], formats=["Online"], setting="remote"),
    "young_carers": T(["Young carers' group"],
                      ["A break for young people who help look after someone at home. Trips, games and people who get it."],
                      ["Carers; young people", "Young Carers"], ["Young carers 8-17", "Young people 11-18"],
                      ["Term time only, Tuesdays 5-7pm", "Every other Saturday 11am-2pm"], intake=REFERRAL),
    "memory_cafe": T(["Memory café", "{place} Memory Café", "Forget-me-not café"],
                     ["A relaxed café for people living with dementia and the people who care for them. Music, games and friendly faces.",
                      "Have a cuppa and cake without worrying about memory problems. Staff from the memory service sometimes drop in."],
                     ["Dementia", "Dementia;Carers", "Memory Café", "memory cafe"],
                     ["People living with dementia and their carers", "People with memory problems and their families"],
                     ["First Monday of the month, 2pm-4pm", "Every Wednesday 10:30-12:00", "Third Thursday of the month 1.30-3.30"],
                     ["Free", "£1"]),
    "dementia_carers": T(["Dementia carers' support group"],
                         ["A monthly group for family carers of people with dementia. Practical tips, a listening ear and speakers on things like Power of Attorney."],
                         ["Dementia; Carers; peer support", "carers;dementia"], ["Carers", "Carers of people with dementia"],
                         ["Last Tuesday of the month 7pm-8.30pm", "Second Friday of the month, 10am"]),
    "lunch_club": T(["Lunch club", "Friendship lunch", "Luncheon club", "Community lunch"],
                    ["A hot two-course lunch and good company. Transport can be arranged if you can't get here.",
                     "Home-cooked lunch followed by bingo or a quiz. Please book by the Friday before so we know numbers.",
                     "A proper sit-down dinner with a raffle and a sing-song. Roast on the last week of the month."],
                    ["Food", "Lunch Club; older people", "food", "Lunch club", "Older People; food"],
                    ["Older people", "Adults 60+", "Over 55s"], ["Every Thursday 12:00-14:00", "Tuesdays 12-2", "Mon & Wed 12-1.30"],
                    ["£4.50", "£5", "£6 including pudding"]),
    "food_bank": T(["Food bank", "Emergency food parcels"],
                   ["Emergency food parcels. You will need a referral voucher from an agency such as Citizens Advice, your GP or a social worker.",
                    "Three days of emergency food, toiletries and a friendly chat. Ring us if you can't get a voucher and we'll help."],
                   ["Food bank", "food;practical help", "Food Bank"], ["Anyone in need", "Anyone"],
                   ["Mon, Wed & Fri 10am-12pm", "Tuesdays and Thursdays 1-3pm"], intake=REFERRAL),
    "pantry": T(["Community pantry", "Community grocery", "Food club"],
                ["Pay a small weekly fee and choose around £15 of food. Membership is open to local residents.",
                 "Affordable fresh fruit & veg, tins and toiletries. Members choose what they need."],
                ["Food", "food; money", "Food pantry", "food;practical help"], ["Local residents", "Families", "Anyone"],
                ["Saturdays 10am-1pm", "Every Wednesday 4-6pm", "Fridays 12-3"], ["£3.50 per visit", "£3.50", "£4 a week"]),
    "cooking": T(["Cooking on a budget", "Cook & eat"],
                 ["Learn to cook tasty meals for less than £1 a portion, then sit down and eat together. Recipes to take home."],
                 ["Food; learning", "cooking;healthy eating", "Learning"], ["Adults", "Parents", "Young people 16-25"],
                 ["Six-week course, Thursdays 10am-12pm", "Term time only, Mondays 1-3pm"]),
    "money_advice": T(["Money and debt advice", "Benefits advice surgery", "Cost of living help"],
                      ["Free, confidential help with benefits, debts, energy bills and budgeting.",
                       "Worried about money? Our trained advisers check you're getting everything you're entitled to & help you deal with bills."],
                      ["Practical Help", "money advice;benefits", "Money advice", "practical help; money"], ["Anyone", "Adults"],
                      ["By appointment", "Every Monday 9:30-12:30", "Tuesdays 10am-2pm (drop in)"],
                      formats=["In person", "Telephone", "In person; Online"]),
    "digital": T(["Digital drop-in", "Tech help café", "Get online"],
                 ["Help with phones, tablets and getting online: video calls, the NHS App, shopping and staying safe.",
                  "Bring your device and your questions. Volunteers can help with email, online forms, repeat prescriptions and spotting scams."],
                 ["Digital help", "learning; practical help", "Digital Inclusion", "practical help;digital"],
                 ["Adults", "Older people", "Anyone"], ["Every Tuesday 2pm-4pm", "Fridays 10-12", "Thursdays 1.30-3.30pm"]),
    "esol": T(["English conversation club", "ESOL conversation café"],
              ["Practise speaking English in a friendly group. All levels welcome.",
               "Improve your everyday English over tea. Volunteers help with speaking, reading letters and filling in forms."],
              ["Learning", "learning;ESOL", "English language"],
              ["Adults", "Adults whose first language isn't English", "Women"],
              ["Every Wednesday 6pm-7.30pm", "Term time only, Tuesdays 10-12"]),
    "history_group": T(["Local history group", "{place} history society", "Reminiscence group"],
                       ["Talks, old photos and trips exploring the history of {place}. New members very welcome."],
                       ["Learning", "learning; older people", "Social"], ["Adults", "Older people", "Anyone"],
                       ["Second Wednesday of the month, 7.30pm", "Monthly, first Thursday 2pm"], ["£2", "£10 a year membership"]),
    "youth_club": T(["Youth club", "Junior youth club", "Evening youth project"],
                    ["Games, sport, cooking and a safe place to hang out with youth workers.",
                     "Pool, table tennis, music and trips out. Young people help plan what we do."],
                    ["Young people", "youth;activities", "Youth Club", "young people; sport"],
                    ["Young people 11-18", "Young people 8-13", "Young people 13-19"],
                    ["Term time only, Mondays 6-8pm", "Fridays 6.30pm-9pm", "Wednesdays 5.30-7.30pm"], ["£1", "Free", "50p"]),
    "girls_group": T(["Girls' group"],
                     ["A space for girls to build confidence, try new things and talk about what matters to them."],
                     ["Young people; mental wellbeing", "Youth"], ["Girls 11-16", "Young women 11-16"], ["Thursdays 6-7.30pm"]),
    "stay_play": T(["Stay and play", "Toddler group", "Baby & toddler group", "Little Explorers"],
                   ["Play, songs and stories for babies and toddlers with their parents, grandparents and carers.",
                    "Messy play, snacks and a sing-song at the end. Tea and toast for grown-ups."],
                   ["Parents and toddlers", "parents & families", "Parent & Toddler", "Under 5s"],
                   ["Parents>Grandparents", "Parents and carers of under 5s", "Families with children under 4"],
                   ["Every Tuesday 9:30-11:30", "Term time only, Thursdays 10-11.30", "Mon & Wed 9.30-11"],
                   ["£1.50 per family", "Free", "£2"]),
    "dads_group": T(["Dads' group", "Dad & me"],
                    ["A Saturday play session for dads, grandads and male carers and their little ones. Bacon butties provided."],
                    ["Parents and toddlers; men", "Parents & families"],
                    ["Dads and male carers of under 5s", "Parents>Grandparents"],
                    ["Every 2nd Saturday, 10am-12pm", "First Saturday of the month 10-11.30"]),
    "feeding_support": T(["Infant feeding support group"],
                         ["Friendly peer support for breast and bottle feeding families. Trained volunteers, and a health visitor once a month."],
                         ["Parents and toddlers; peer support", "Parents;peer support"], ["Parents of babies", "New parents"],
                         ["Every Friday 10am-11.30am"]),
    "garden": T(["Community garden volunteering", "Growing together", "Allotment club"],
                ["Grow fruit and vegetables, get some fresh air and meet people. No experience needed; tools provided 🌱",
                 "Help look after our wildlife garden. Gentle jobs as well as digging, and always a brew on."],
                ["Gardening", "gardening; volunteering", "Green spaces", "gardening;mental wellbeing"],
                ["Anyone", "Adults", "Families"],
                ["Wednesdays and Saturdays 10am-1pm", "Every Thursday 10:00-12:30", "Sundays 10-12"], setting="garden"),
    "conservation": T(["Conservation volunteers", "{park} clean-up"],
                      ["Hedge planting, path clearing and litter picking to look after {park}. Gloves and grabbers provided."],
                      ["Gardening; Volunteering", "green spaces", "Environment"], ["Anyone", "Adults"],
                      ["Third Saturday of the month, 10am-12pm", "every 2nd Sunday"], setting="park"),
    "bereavement": T(["Bereavement support group", "Bereavement café"],
                     ["A gentle group for people who have lost a partner, relative or friend. Come when you feel ready.",
                      "An informal café for anyone who's been bereaved, however long ago. You can talk, or just sit with people who understand."],
                     ["Bereavement", "bereavement;peer support", "Bereavement Support"], ["Adults", "Anyone bereaved"],
                     ["Second Thursday of the month, 7pm-8.30pm", "First Wednesday of the month 2-4pm"],
                     formats=["In person", "In person; Online", "Online"]),
    "cancer_dropin": T(["Cancer support drop-in", "Cancer support group"],
                       ["Information, a listening ear and complementary therapies for anyone affected by cancer.",
                        "Meet others affected by cancer, including family and friends. Relaxation sessions & a lending library."],
                       ["Cancer support", "cancer; wellbeing", "Cancer Support;Peer support"],
                       ["People affected by cancer", "Anyone affected by cancer and their families"],
                       ["Every Friday 10am-1pm", "Last Monday of the month 6.30-8pm"]),
    "cancer_exercise": T(["Exercise after cancer", "Moving on after cancer"],
                         ["A gentle, supervised exercise class for people during or after cancer treatment. Ask your nurse if it's right for you."],
                         ["Cancer support; exercise"], ["People living with or after cancer"], ["Tuesdays 11am-12pm"],
                         intake=REFERRAL),
    "inclusive_sport": T(["Inclusive sports session", "Boccia club", "Disability multi-sports"],
                         ["Boccia, new age kurling and table cricket for disabled adults and their friends.",
                          "Sport for everyone – wheelchair users and people with learning disabilities very welcome. Carers come free."],
                         ["Disability", "disability; exercise", "Inclusive sport", "Sport;Disability"],
                         ["Disabled adults", "Adults with learning disabilities", "Disabled people and carers"],
                         ["Every Monday 1pm-3pm", "Saturdays 10-12"], ["£2", "£2, carers free"]),
    "ld_social": T(["Friday social club", "Disco night"],
                   ["A social evening for adults with learning disabilities: music, games, karaoke and a tuck shop."],
                   ["Disability; social", "learning disability"],
                   ["Adults with learning disabilities", "Adults 18+ with a learning disability"],
                   ["Fridays 6.30pm-9pm", "Last Friday of the month 7-9pm"], ["£3", "£4"]),
    "tea_dance": T(["Tea dance"],
                   ["Ballroom and sequence dancing to live music, with tea & cake at the interval. You don't need a partner."],
                   ["Exercise; older people", "Dance", "older people;social"], ["Older people", "Adults 50+"],
                   ["First Sunday of the month, 2pm-4.30pm", "Every other Thursday 1.30-3.30"], ["£4", "£3.50 per session"]),
    "women_group": T(["Women's group", "Women's coffee & chat", "Sewing circle"],
                     ["A relaxed group for women to meet, share skills and try new activities, from sewing to yoga. Children are welcome in the crèche.",
                      "Chat, crafts and guest speakers on health, money & more. Many members speak Urdu, Arabic or Polish."],
                     ["Women", "social; women", "Women's group;mental wellbeing"], ["Women", "Women 18+"],
                     ["Term time only, Wednesdays 9:30-11:30", "Every Monday 10am-12pm"]),
}

GENERAL = ["coffee_morning", "warm_space", "digital", "stay_play", "youth_club", "chair_exercise", "knit",
           "money_advice", "pantry", "esol", "cooking", "lunch_club", "keep_fit"]
CHURCH = ["lunch_club", "stay_play", "coffee_morning", "warm_space", "bereavement", "knit", "dads_group", "tea_dance"]
SHEDS = ["shed", "repair_cafe", "health_walk", "walking_football"]
MINDS = ["peer_support", "wellbeing_dropin", "online_wellbeing", "art_wellbeing", "health_walk"]
# (name pattern, activity templates it runs, how common)
ORG_KINDS = (
    ("{place} Men in Sheds", SHEDS, 2), ("{place} Men's Shed", SHEDS, 1),
    ("{place} Carers' Café", ["carers_cafe", "carers_online", "memory_cafe", "dementia_carers"], 2),
    ("{place} Carers Together", ["carers_cafe", "carers_online", "young_carers", "dementia_carers", "health_walk"], 2),
    ("{place} Good Neighbours", ["befriend_phone", "befriend_visit", "coffee_morning", "lunch_club", "digital", "tea_dance"], 4),
    ("{place} Community Partnership", GENERAL, 3), ("{place} Community Association", GENERAL, 3),
    ("{place} Community Hub", GENERAL, 3),
    ("{place} Green Team", ["garden", "conservation", "health_walk"], 1),
    ("{place} Growing Together", ["garden", "cooking", "conservation"], 1),
    ("Breathe Easy {place}", ["breathe_easy", "sing_lung", "chair_exercise"], 1),
    ("Dementia Friendly {place}", ["memory_cafe", "sing_dementia", "dementia_carers", "health_walk"], 2),
    ("{place} Food Bank", ["food_bank", "pantry", "money_advice", "cooking"], 1),
    ("{place} Community Pantry", ["pantry", "cooking", "warm_space", "money_advice"], 2),
    ("St {saint}'s Church, {place}", CHURCH, 3), ("{place} Methodist Church", CHURCH, 2),
    ("{place} Strollers", ["health_walk", "nordic_walk", "buggy_walk"], 2),
    ("{place} Community Choir", ["choir", "sing_lung", "sing_dementia"], 2),
    ("{place} Youth Project", ["youth_club", "girls_group", "young_carers", "cooking", "inclusive_sport"], 2),
    ("{place} Little Ones", ["stay_play", "dads_group", "feeding_support", "buggy_walk"], 2),
    ("{place} Mind Matters", MINDS, 2), ("{place} Wellbeing Network", MINDS, 2),
    ("{place} Arts Collective", ["art_wellbeing", "knit", "creative_writing", "choir"], 2),
    ("{place} Cancer Support Circle", ["cancer_dropin", "cancer_exercise", "health_walk", "online_wellbeing"], 1),
    ("{place} Bereavement Friends", ["bereavement", "health_walk", "online_wellbeing"], 1),
    ("{place} Inclusive Sport", ["inclusive_sport", "ld_social", "walking_football"], 1),
    ("{place} Digital Buddies", ["digital", "esol"], 1),
    ("{place} Learning Circle", ["history_group", "esol", "creative_writing", "digital"], 1),
    ("{place} Women's Network", ["women_group", "esol", "health_walk", "cooking", "keep_fit"], 2),
    ("{place} Over 50s Forum", ["lunch_club", "chair_exercise", "tea_dance", "tai_chi", "keep_fit", "befriend_phone"], 2),
)
# Pinned so the sheet always has them, the first one with a misspelt row: (name, ward, kind pattern)
FIXED_ORGS = (("Sale Moor Community Hub", "Sale Moor", "{place} Community Hub"),
              ("Altrincham Men in Sheds", "Altrincham", "{place} Men in Sheds"),
              ("Stretford Carers' Café", "Stretford & Humphrey Park", "{place} Carers' Café"))


@dataclasses.dataclass(frozen=True)
class Venue:
    """A place activities happen: an invented name and street line at a real postcode."""

    name: str
    street_line: str
    place: str
    postcode: str
    ward: str
    lat: float
    lon: float
    access: str
    phrase: str  # how running text names it: "the Bollin Valley"

    @property
    def address(self) -> str:
        return f"{self.street_line}, {self.place}"


@dataclasses.dataclass
class Organisation:
    """An invented group; its contact details, charity number and home venue are the same on all its rows."""

    name: str
    ward: str
    place: str
    templates: Sequence[str]
    slug: str
    phone: str
    contact: str
    charity: str
    home: Venue

    @property
    def id(self) -> str:
        return uid("organisation", self.name)

    @property
    def email(self) -> str:
        return f"hello@{self.slug}.example.org"


def uid(*parts: str) -> str:
    """A UUID that depends only on its parts, so regenerating keeps every id."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def ascii_words(name: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.findall(r"[a-z0-9]+", plain.lower().replace("'", ""))


def to_slug(name: str) -> str:
    """An ASCII domain label; long names shorten to first word plus initials, as groups' domains do."""
    words = ascii_words(name)
    joined = "".join(words)
    return joined if len(joined) <= 20 else words[0] + "".join(word[0] for word in words[1:])


class PostcodePool:
    """Real Trafford postcodes by ward, each handed out once, so venues spread over all 21 wards."""

    def __init__(self, rng: random.Random, path: Path = POSTCODE_FILE):
        self.by_ward: dict[str, list[dict]] = {}
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if self._is_usable(row):
                    self.by_ward.setdefault(row["ward_name"], []).append(row)
        if sorted(self.by_ward) != sorted(WARDS):
            raise SystemExit(f"{path}: expected the 21 Trafford wards, found {sorted(self.by_ward)}")
        for ward in sorted(self.by_ward):
            rng.shuffle(self.by_ward[ward])
        self._pin_last("Sale Central", "M33 0AG")  # the squashed "m330ag" of add_messy_habits

    @staticmethod
    def _is_usable(row: dict) -> bool:
        """Ward known, and the district right for the town the address will name (wards straddle districts)."""
        ward = row["ward_name"]
        return bool(row["ward_code"] and row["lat"] and ward in WARDS
                    and row["postcode"].split()[0] in TOWN_DISTRICTS[WARDS[ward][0]])

    def _pin_last(self, ward: str, postcode: str) -> None:
        rows = self.by_ward[ward]
        rows.sort(key=lambda row: row["postcode"] == postcode)

    def take(self, ward: str) -> dict:
        return self.by_ward[ward].pop()


def make_venue(rng: random.Random, pool: PostcodePool, ward: str, setting: str) -> Venue:
    """A new venue in the ward: a hall, a park meeting point or a garden, at an unused real postcode."""
    _, places, streets, parks = WARDS[ward]
    place, street, found = rng.choice(places), rng.choice(streets), pool.take(ward)
    if setting == "park":
        phrase, street = rng.choice(parks)
        line, access = rng.choice(MEETING_POINTS).format(street), ACCESS_OUTDOOR
    elif setting == "garden":
        phrase, line, access = rng.choice(GARDENS).format(place=place, street=street), street, ACCESS_OUTDOOR
    else:
        phrase = rng.choice(HALLS).format(place=place, street=street, saint=rng.choice(SAINTS))
        line, access = f"{rng.randint(1, 240)} {street}", ACCESS_INDOOR
    name = phrase.removeprefix("the ")
    return Venue(name, line, place, found["postcode"], ward, float(found["lat"]), float(found["lon"]),
                 rng.choice(access), phrase)


class VenueBook:
    """Where each organisation meets: mostly its home venue, sometimes a hall shared with other groups."""

    def __init__(self, rng: random.Random, pool: PostcodePool):
        self.rng, self.pool = rng, pool
        self.town_halls: dict[str, list[Venue]] = {}
        self.outdoor: dict[tuple[str, str], list[Venue]] = {}

    def hall(self, ward: str) -> Venue:
        venue = make_venue(self.rng, self.pool, ward, "hall")
        self.town_halls.setdefault(WARDS[ward][0], []).append(venue)
        return venue

    def for_activity(self, org: Organisation, setting: str, repeat: bool = False) -> Venue | None:
        """A repeat of the same kind of activity goes somewhere else, so it is not a duplicate row."""
        if setting in ("remote", "home"):
            return None
        if setting in ("park", "garden"):
            return self._outdoor(org, setting, repeat)
        if repeat:
            return self.hall(self._nearby(org.ward))
        if self.rng.random() < 0.65:
            return org.home
        shared = self.town_halls.get(WARDS[org.ward][0], [])
        return self.rng.choice(shared) if shared and self.rng.random() < 0.5 else self.hall(self._nearby(org.ward))

    def _outdoor(self, org: Organisation, setting: str, repeat: bool) -> Venue:
        known = self.outdoor.setdefault((org.name, setting), [])
        if known and not repeat and self.rng.random() < 0.5:
            return self.rng.choice(known)
        ward = self._nearby(org.ward, need_park=setting == "park")
        if repeat and setting == "park":  # a second walk goes to another park of the town, if it has one
            used = {venue.phrase for venue in known}
            fresh = [w for w in self._town_wards(org.ward, True) if {park for park, _ in WARDS[w][3]} - used]
            ward = self.rng.choice(fresh) if fresh else ward
        known.append(make_venue(self.rng, self.pool, ward, setting))
        return known[-1]

    def _nearby(self, ward: str, need_park: bool = False) -> str:
        """The ward itself or another ward of the same town: groups travel a little, not across the borough."""
        same_town = self._town_wards(ward, need_park)
        stay = ward in same_town and self.rng.random() < 0.6
        return ward if stay else self.rng.choice(same_town)

    @staticmethod
    def _town_wards(ward: str, need_park: bool) -> list[str]:
        town = WARDS[ward][0]
        return sorted(w for w, (t, *_, parks) in WARDS.items() if t == town and (parks or not need_park))


class Numbers:
    """Ofcom drama numbers (0161 496 0000-0999, 07700 900000-900999): realistic, and never anyone's line."""

    def __init__(self, rng: random.Random):
        self._landlines = iter(rng.sample(range(1000), 1000))
        self._mobiles = iter(rng.sample(range(1000), 1000))

    def landline(self) -> str:
        return f"0161 496 {next(self._landlines):04d}"

    def mobile(self) -> str:
        return f"07700 900{next(self._mobiles):03d}"


def charity_number(rng: random.Random) -> str:
    """Half of groups are registered charities; numbers come from ranges the Charity Commission has not issued."""
    if rng.random() >= 0.5:
        return ""
    return str(rng.randint(100000, 199999) if rng.random() < 0.4 else rng.randint(1290000, 1299999))


def new_organisation(rng: random.Random, name: str, ward: str, kind: tuple, parts: dict) -> Organisation:
    place = WARDS[ward][1][0] if name.startswith(WARDS[ward][1][0]) else rng.choice(WARDS[ward][1])
    slug = to_slug(name)
    while slug in parts["slugs"]:
        slug += "2"
    parts["slugs"].add(slug)
    return Organisation(name, ward, place, kind[1], slug, parts["numbers"].landline(), rng.choice(PEOPLE),
                        charity_number(rng), parts["venues"].hall(ward))


def name_key(name: str) -> str:
    return "real|" + "".join(ascii_words(name.replace("&", "and")))


def read_real_names(path: Path = REGISTER_FILE) -> set[str]:
    """Charities registered as working in Trafford: an invented name that matches one is not invented."""
    with path.open(encoding="utf-8-sig") as handle:
        return {name_key(row["charity_name"]) for row in csv.DictReader(handle)}


def town_mark(ward: str, kind: tuple) -> str:
    """Kinds that run the same activities ("Men in Sheds", "Men's Shed") count as one kind per town."""
    return f"{WARDS[ward][0]}|{'/'.join(kind[1])}"


def invent_name(rng: random.Random, ward: str, taken: set[str]) -> tuple[str, tuple]:
    """A plausible group name for the ward: never the same kind twice in one town, nor more than four in all,
    nor the name of a real Trafford charity."""
    while True:
        kind = rng.choices(ORG_KINDS, [weight for *_, weight in ORG_KINDS])[0]
        place = rng.choice(WARDS[ward][1])
        name = kind[0].format(place=place, saint=rng.choice(SAINTS))
        marks = {name, town_mark(ward, kind), name_key(name)}
        if not marks & taken and sum(1 for mark in taken if mark.startswith(kind[0] + "#")) < 4:
            taken.update(marks | {f"{kind[0]}#{name}"})
            return name, kind


def make_organisations(rng: random.Random, parts: dict) -> list[Organisation]:
    """80 groups; home wards cycle through all 21 so every ward has some."""
    kinds = {kind[0]: kind for kind in ORG_KINDS}
    taken = read_real_names()
    if any(name_key(name) in taken for name, *_ in FIXED_ORGS + FEED_ORGS):
        raise SystemExit("a pinned organisation name is a real Trafford charity: choose another")
    taken |= {mark for name, w, p in FIXED_ORGS for mark in (name, town_mark(w, kinds[p]), f"{p}#{name}")}
    orgs = [new_organisation(rng, name, ward, kinds[pattern], parts) for name, ward, pattern in FIXED_ORGS]
    wards = sorted(WARDS)
    rng.shuffle(wards)
    for index in range(ORG_COUNT - len(orgs)):
        ward = wards[index % len(wards)]
        name, kind = invent_name(rng, ward, taken)
        orgs.append(new_organisation(rng, name, ward, kind, parts))
    return orgs


def plan_counts(rng: random.Random, orgs: int, total: int) -> list[int]:
    """1-8 activities per group, nudged until they add up to the row count. The pinned groups run six each,
    so the one misspelt row of Sale Moor Community Hub is the rarer spelling, as slips are."""
    pinned = len(FIXED_ORGS)
    counts = [6] * pinned + [rng.choices(range(1, 9), [8, 14, 18, 18, 14, 12, 8, 8])[0] for _ in range(orgs - pinned)]
    while sum(counts) != total:
        index, step = rng.randrange(pinned, orgs), 1 if sum(counts) < total else -1
        if 1 <= counts[index] + step <= 8:
            counts[index] += step
    return counts


def pick_templates(rng: random.Random, keys: Sequence[str], count: int) -> list[str]:
    """Each kind of activity once before any repeats (a walking group runs several walks)."""
    picked = rng.sample(list(keys), min(count, len(keys)))
    return picked + [rng.choice(list(keys)) for _ in range(count - len(picked))]


def describe(rng: random.Random, template: Template, place: str, park: str, remote: bool) -> str:
    """One to four plain sentences: the activity, then maybe how to join and a word of welcome."""
    sentences = [rng.choice(template.texts)]
    if remote or template.intake is REFERRAL:  # "just turn up" is wrong for phone calls and referral-only help
        return sentences[0].format(place=place, park=park)
    if rng.random() < 0.35:
        sentences.append(rng.choice(BOOKING))
    if rng.random() < 0.3:
        sentences.append(rng.choice(WELCOME))
    while len(re.findall(r"[.!?](?:\s|$)", " ".join(sentences))) > 4:  # keep to four sentences at most
        sentences.pop()
    return " ".join(sentences).format(place=place, park=park)


def activity_name(rng: random.Random, template: Template, venue: Venue | None, org: Organisation,
                  used: set[str]) -> str:
    """The group's name for it; a second session of the same kind gets its place added, as officers do."""
    place = venue.place if venue else org.place
    name = rng.choice(template.names).format(place=place, park=venue.name if venue else place)
    where = venue.name if venue else "home"
    for candidate in (name, f"{name} ({place})", f"{name} at {where}", f"{name} (group {len(used)})"):
        if candidate not in used:
            used.add(candidate)
            return candidate
    raise AssertionError("unreachable")


def contact_cells(rng: random.Random, org: Organisation, numbers: Numbers) -> dict:
    """Who to ask, as sheets record it: usually the group's own details, sometimes a mobile, sometimes nothing."""
    roll = rng.random()
    phone = org.phone if roll < 0.85 else numbers.mobile() if roll < 0.93 else ""
    contact = org.contact
    if rng.random() >= 0.7:
        contact = rng.choice(["The coordinator", "Reception", "", rng.choice(PEOPLE)])
    return {"Contact": contact, "Telephone": phone, "E-mail": org.email if rng.random() < 0.8 else "",
            "Web address": org_web_cell(org)}


def org_web_cell(org: Organisation) -> str:
    """The same website on all a group's rows, written the way its officer first typed it."""
    styles = [f"https://www.{org.slug}.example.org", f"www.{org.slug}.example.org", f"{org.slug}.example.org",
              f"http://{org.slug}.example.org/groups", "", ""]
    return styles[int(uuid.UUID(uid("web", org.name))) % len(styles)]


def where_cells(rng: random.Random, venue: Venue | None, org: Organisation, setting: str) -> dict:
    """Venue cells; remote and home-visit activities have no venue and often no postcode."""
    if venue is None:
        base = org.home.postcode if rng.random() < (0.5 if setting == "home" else 0.35) else ""
        return {"Venue": "", "Address": "", "Post Code": base, "Accessibility": "", "_ward": org.ward}
    return {"Venue": venue.name, "Address": venue.address, "Post Code": venue.postcode, "Accessibility": venue.access,
            "_ward": venue.ward}


def activity_row(rng: random.Random, org: Organisation, key: str, parts: dict, used: dict) -> dict:
    """One spreadsheet row (status, dates and id come later, once all rows exist)."""
    template = TEMPLATES[key]
    fmt = rng.choice(template.formats)
    setting = "remote" if fmt in ("Online", "Telephone") else template.setting
    venue = parts["venues"].for_activity(org, setting, repeat=key in used["keys"])
    used["keys"].add(key)
    when_choices = [w for w in template.whens if w not in used["whens"]] or list(template.whens)
    when = template.whens[0] if key not in parts["seen"] else rng.choice(when_choices)
    parts["seen"].add(key)
    used["whens"].add(when)
    place, park = (venue.place, venue.phrase) if venue else (org.place, "the park")
    row = {"Activity": activity_name(rng, template, venue, org, used["names"]), "Organisation Name": org.name,
           "Description": describe(rng, template, place, park, venue is None),
           "Category": rng.choice(template.categories), "Who is it for": rng.choice(template.audiences), "Format": fmt,
           "When": when, "Cost": "" if rng.random() < 0.08 else rng.choice(template.costs),
           "Taking new people": rng.choice(template.intake), "Charity number": org.charity, "_key": key}
    row.update(contact_cells(rng, org, parts["numbers"]))
    row.update(where_cells(rng, venue, org, setting))
    return row


def band_plan(rng: random.Random, count: int) -> list[int]:
    """Exact band sizes, shuffled, so the verification-age spread is what the README says."""
    sizes = [round(share * count) for _, share, *_ in AGE_BANDS]
    sizes[0] += count - sum(sizes)
    plan = [band for band, size in enumerate(sizes) for _ in range(size)]
    rng.shuffle(plan)
    return plan


def checked_day(rng: random.Random, band: int) -> dt.date | None:
    _, _, youngest, oldest = AGE_BANDS[band]
    return None if youngest is None else ANCHOR - dt.timedelta(days=rng.randint(youngest, oldest))


def date_cell(rng: random.Random, day: dt.date | None) -> str:
    """Mostly dd/mm/yyyy; a few ISO dates and a few written out, as different officers type them."""
    if day is None:
        return ""
    roll = rng.random()
    return day.isoformat() if roll < 0.06 else f"{day.day} {day:%B %Y}" if roll < 0.12 else f"{day:%d/%m/%Y}"


def assign_checks(rng: random.Random, rows: list[dict]) -> None:
    for row, band in zip(rows, band_plan(rng, len(rows))):
        day = checked_day(rng, band)
        text = date_cell(rng, day)
        row.update({"_band": band, "Date checked": text, "Checked by": rng.choice(CHECKERS) if day else ""})


def assign_status(rng: random.Random, rows: list[dict]) -> None:
    """Mostly Active; closures among records not checked lately; two still 'suspended' since COVID."""
    for row in rng.sample([r for r in rows if r["_band"] == 3], 2):
        day = dt.date(2021, rng.randint(1, 12), rng.randint(1, 28))
        row.update({"Status": "Suspended due to COVID-19", "Date checked": f"{day:%d/%m/%Y}", "Taking new people": ""})
    stale = [r for r in rows if r["_band"] in (1, 2, 3) and "Status" not in r]
    for row in rng.sample(stale, 12):
        row.update({"Status": "Closed", "Taking new people": ""})
    for row in rng.sample([r for r in rows if "Status" not in r], 20):
        row["Status"] = "Paused"
    for row in rows:
        row.setdefault("Status", "Active")


MESSY_CELLS = (  # (first row to look at, column, which value qualifies, what the officer did)
    (5, "Description", lambda v: ". " in v, lambda v: v.replace(". ", ".\n", 1)),
    (120, "Description", lambda v: ". " in v, lambda v: v.replace(". ", ".\n\n", 1)),
    (0, "Post Code", lambda v: v == "M33 0AG", lambda v: v.lower().replace(" ", "")),
    (17, "Category", lambda v: ";" not in v, str.upper),
    (23, "Who is it for", bool, lambda v: v + " "),
    (31, "Telephone", lambda v: v.startswith("0161"), lambda v: v.replace(" ", "")),
    (44, "Status", lambda v: v == "Active", str.lower),
    (60, "Post Code", lambda v: v.startswith("WA"), str.lower),
)


def add_messy_habits(rows: list[dict]) -> list[str]:
    """What hand-kept sheets do, on purpose and on record: returns one line per habit for the summary."""
    notes = _misspell_organisation(rows)
    for start, column, qualifies, change in MESSY_CELLS:
        row = next(r for r in rows[start:] if qualifies(r[column]))
        row[column] = change(row[column])
        notes.append(f"{row['Source ID']}: {column} {row[column]!r}")
    return notes


def _misspell_organisation(rows: list[dict]) -> list[str]:
    """One row names its group with a typo, so linking by name has something to miss."""
    slip = [r for r in rows if r["Organisation Name"] == FIXED_ORGS[0][0]][3]
    slip["Organisation Name"] = FIXED_ORGS[0][0].replace("Community", "Comunity")
    return [f"{slip['Source ID']}: Organisation Name {slip['Organisation Name']!r} (typo)"]


def make_spreadsheet(rng: random.Random, parts: dict) -> tuple[list[dict], list[Organisation], list[str]]:
    orgs = make_organisations(rng, parts)
    rows = []
    for org, count in zip(orgs, plan_counts(rng, len(orgs), ROW_COUNT)):
        used = {"names": set(), "whens": set(), "keys": set()}
        rows += [activity_row(rng, org, key, parts, used) for key in pick_templates(rng, org.templates, count)]
    for number, row in enumerate(rows, start=1):
        row["Source ID"] = f"TRF-{number:04d}"
    assign_checks(rng, rows)
    assign_status(rng, rows)
    return rows, orgs, add_messy_habits(rows)


def write_spreadsheet(rows: list[dict], path: Path) -> None:
    """UTF-8 with BOM and CRLF, as Excel saves 'CSV UTF-8'; cells may hold bare LF line breaks."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=HEADERS, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))


# ---------------------------------------------------------------- Open Referral UK 3.0 feed

@dataclasses.dataclass(frozen=True)
class FeedTemplate:
    """One kind of service as a feed publishes it: HTML text, taxonomy terms and structured times."""

    name: str
    html: str
    terms: Sequence[str]
    times: Sequence[tuple]  # (freq, byday, opens, closes, interval, note)
    cost: tuple[float, str] | None = (0, "Free")
    setting: str = "hall"  # hall, park, phone or online
    ages: tuple[int, int] | None = None


F = FeedTemplate
WEEKDAYS = "MO,TU,WE,TH,FR"
FEED_TEMPLATES = {
    "walk_talk": F("Walk and Talk – {park}", "<p>Our volunteer walk leaders take a gentle 45-minute loop around {park}, then we stop for a brew.&nbsp;Walks go ahead in all weathers.</p><p>Good for anyone who wants to be more active at their own pace.</p>",
                   ["Walking", "Physical activity"], [("WEEKLY", "TU", "10:00", "11:00", 1, ""), ("WEEKLY", "SA", "09:30", "10:30", 1, "")], setting="park"),
    "canal_walk": F("Towpath walk", "<p>A longer, steady walk of about four miles from {park} along river and canal paths. Please bring water and wear sturdy shoes.</p>",
                    ["Walking"], [("WEEKLY", "TH", "10:00", "12:30", 1, ""), ("MONTHLY", "2SU", "10:00", "13:00", 1, "")], setting="park"),
    "mindful_walk": F("Mindful walking", "<p>Slow down and notice what's around you on a quiet walk, with short pauses for breathing exercises.</p>",
                      ["Walking", "Mental wellbeing"], [("WEEKLY", "WE", "13:30", "14:30", 1, "")], setting="park"),
    "wellbeing_cafe": F("Wellbeing café", "<p>A friendly drop-in for anyone struggling with their mental health.&nbsp; Peer supporters are on hand to listen, and can tell you about counselling and other help.</p>",
                        ["Mental wellbeing", "Peer support"], [("WEEKLY", "MO,TH", "10:00", "13:00", 1, "")]),
    "mens_talk": F("Men's mental health group", "<p>Men from across Trafford meet to talk about what's on their minds – work, money, relationships, football.</p><p>No pressure to speak; a brew and a biscuit guaranteed.</p>",
                   ["Mental wellbeing", "Peer support", "Men"], [("WEEKLY", "MO", "19:00", "21:00", 1, "")]),
    "listening_line": F("Listening line", "<p>Call our trained volunteer listeners for a confidential chat about anything that's worrying you.</p>",
                        ["Befriending", "Mental wellbeing"], [("WEEKLY", WEEKDAYS, "18:00", "21:00", 1, "")], setting="phone"),
    "baby_sensory": F("Baby sensory & rhyme time", "<p>Lights, textures, bubbles and songs for babies up to 12 months and their grown-ups.</p>",
                      ["Parents and toddlers"], [("WEEKLY", "WE", "10:00", "11:00", 1, "")], (2, "per session")),
    "family_cook": F("Family cook and eat", "<p>Families cook a simple meal together, then sit down and eat it.&nbsp;All ingredients provided, recipes to take home.</p>",
                     ["Food", "Parents and toddlers"], [("WEEKLY", "TH", "16:00", "18:00", 1, "term time only")]),
    "holiday_club": F("Holiday activity club", "<p>Free sport, crafts and a hot lunch in the school holidays for children who get free school meals. Booking essential.</p>",
                      ["Young people", "Food"], [("WEEKLY", "MO,TU,WE,TH", "10:00", "14:00", 1, "school holidays only")], ages=(5, 16)),
    "dads_play": F("Dads' Saturday club", "<p>Play, snacks and a kickabout for dads, grandads and male carers with children under eight.</p>",
                   ["Parents and toddlers", "Men"], [("MONTHLY", "1SA", "10:00", "12:00", 1, "")]),
    "community_lunch": F("Pay-as-you-feel lunch", "<p>A three-course lunch made from surplus supermarket food. Everyone eats together, and you pay what you can.</p>",
                         ["Food", "Befriending"], [("WEEKLY", "WE", "12:00", "13:30", 1, "")], (0, "Pay as you feel")),
    "food_support": F("Emergency food support", "<p>Food parcels &amp; toiletries for people in crisis.</p><p>You need a referral from a support worker, GP or Citizens Advice – if you can't get one, ring us.</p>",
                      ["Food bank", "Practical help"], [("WEEKLY", "TU,FR", "10:00", "12:00", 1, "")]),
    "energy_advice": F("Energy bills advice", "<p>One-to-one help to understand your bills, switch tariffs, apply for grants and keep your home warm for less.</p>",
                       ["Practical help", "Money advice"], [("WEEKLY", "TH", "09:30", "12:30", 1, "by appointment")]),
    "friendship_afternoon": F("Friendship afternoon", "<p>Bingo, quizzes, a singalong and plenty of tea. Lifts available for people who can't get here on their own.</p>",
                              ["Befriending", "Older people"], [("WEEKLY", "TU", "13:30", "15:30", 1, "")], (2, "per session")),
    "befriending_call": F("Friendly phone calls", "<p>A weekly call from the same volunteer, for people who live alone and would like someone to talk to.</p>",
                          ["Befriending", "Older people"], [("WEEKLY", WEEKDAYS, "10:00", "16:00", 1, "call at a time agreed with you")], setting="phone"),
    "seated_yoga": F("Seated yoga", "<p>Gentle stretches and breathing, all done from a chair.&nbsp;Good for stiff joints, long-term conditions and recovery after illness.</p>",
                     ["Exercise", "Older people"], [("WEEKLY", "FR", "11:00", "12:00", 1, "")], (3, "per session")),
    "breath_song": F("Breath and song", "<p>Singing exercises designed with respiratory physiotherapists to help with breathlessness.</p><p>For people with COPD, asthma, long COVID and other lung conditions.</p>",
                     ["Lung health", "Singing"], [("WEEKLY", "WE", "14:00", "15:30", 1, ""), ("MONTHLY", "1FR", "14:00", "16:00", 1, "")]),
    "breath_online": F("Breathe better online", "<p>Join a relaxed singing and breathing session by video call from home. We post out a song booklet when you sign up.</p>",
                       ["Lung health", "Singing"], [("WEEKLY", "MO", "11:00", "12:00", 1, "")], setting="online"),
    "carers_pamper": F("Carers' pamper afternoon", "<p>Hand massage, mindfulness and a cream tea – a few hours just for you. We can help arrange a sitter.</p>",
                       ["Carers"], [("MONTHLY", "-1TH", "13:00", "16:00", 1, "")]),
    "carers_line": F("Carers' advice line", "<p>Ring for information on carer's allowance, breaks, assessments and local support.</p>",
                     ["Carers", "Practical help"], [("WEEKLY", WEEKDAYS, "09:30", "16:30", 1, "")], setting="phone"),
    "carers_walk": F("Carers' walk", "<p>An easy walk and a chat with other carers, followed by coffee. The person you look after is welcome if they'd like to come.</p>",
                     ["Carers", "Walking"], [("WEEKLY", "SA", "10:00", "11:30", 2, "")], setting="park"),
    "dementia_cinema": F("Dementia-friendly film afternoon", "<p>A classic film with the lights left low, an interval for tea, and nobody minding if you chat or walk about.</p>",
                         ["Dementia", "Carers"], [("MONTHLY", "3TU", "14:00", "16:30", 1, "")], (3, "per person, carers free")),
    "music_memory": F("Music for memory", "<p>Songs, percussion and reminiscence for people with dementia and their families.&nbsp;Song sheets in large print.</p>",
                      ["Dementia", "Singing"], [("WEEKLY", "MO", "14:00", "15:30", 1, ""), ("WEEKLY", "TH", "10:30", "12:00", 1, "")]),
    "open_workshop": F("Open workshop", "<p>Woodwork, metalwork and repairs in a well-equipped workshop.</p><p>Come to make something, fix something or just have a cuppa with the regulars.</p>",
                       ["Men's sheds", "Practical help"], [("WEEKLY", "TU,TH", "10:00", "15:00", 1, ""), ("WEEKLY", "SA", "10:00", "13:00", 1, "")], (2, "per visit")),
    "upcycling": F("Upcycling club", "<p>Give old furniture and clothes a new life. Tools, paint and fabric provided.</p>",
                   ["Arts and crafts", "Men's sheds"], [("WEEKLY", "WE", "18:00", "20:00", 1, "")], (3, "per session")),
    "bike_repair": F("Bike repair café", "<p>Learn to fix punctures, brakes and gears on your own bike with help from our volunteer mechanics.</p>",
                     ["Practical help"], [("MONTHLY", "2SA", "10:00", "13:00", 1, "")]),
    "computer_course": F("Computer basics course", "<p>Six friendly sessions covering email, video calls, online shopping and staying safe online. Laptops provided.</p>",
                         ["Learning", "Digital help"], [("WEEKLY", "MO", "13:00", "15:00", 1, "six-week course")]),
    "conversation_cafe": F("Conversation café (ESOL)", "<p>Practise everyday English with volunteers over a cup of tea. All levels welcome; children can come too.</p>",
                           ["Learning"], [("WEEKLY", "WE", "10:00", "12:00", 1, "term time only")]),
    "job_club": F("Job club", "<p>Help with CVs, applications and interview practice, plus free use of computers and a printer.</p>",
                  ["Learning", "Practical help"], [("WEEKLY", "TH", "13:00", "16:00", 1, "")]),
    "digital_help": F("Digital help drop-in", "<p>Stuck with your phone or tablet? Bring it along: our digital champions can help with the NHS App, online forms and scams.</p>",
                      ["Digital help", "Practical help"], [("WEEKLY", "FR", "10:00", "12:00", 1, "")]),
    "lgbt_youth": F("LGBTQ+ youth group", "<p>A safe, supportive space for LGBTQ+ young people and those who are questioning.&nbsp;Games, films, trips and people who get it.</p>",
                    ["Young people", "Peer support"], [("WEEKLY", "TU", "18:00", "20:00", 1, "")], ages=(13, 19)),
    "youth_football": F("Friday night football", "<p>Free five-a-side on the pitches at {park} with qualified coaches, then pizza. Just turn up in trainers.</p>",
                        ["Young people", "Exercise"], [("WEEKLY", "FR", "18:30", "20:30", 1, "")], setting="park", ages=(11, 18)),
    "youth_music": F("Youth music studio", "<p>Learn to record, produce and perform – from rap and grime to singer-songwriter.</p>",
                     ["Young people", "Arts and crafts"], [("WEEKLY", "WE", "17:00", "19:30", 1, "term time only")], ages=(13, 19)),
    "bereavement_walk": F("Bereavement walk and talk", "<p>Walking side by side can make it easier to talk.&nbsp;A gentle walk for anyone who has lost someone, with a trained volunteer.</p>",
                          ["Bereavement", "Walking"], [("MONTHLY", "1SU", "10:30", "12:00", 1, "")], setting="park"),
    "bereavement_online": F("Online bereavement group", "<p>A small, facilitated group on video call for people bereaved in the last two years. We'll talk with you first to check it's right for you.</p>",
                            ["Bereavement", "Peer support"], [("WEEKLY", "TH", "19:00", "20:30", 2, "")], setting="online"),
    "bereavement_dropin": F("Bereavement drop-in", "<p>Tea, cake and people who understand. Come on your own or bring someone with you.</p>",
                            ["Bereavement"], [("MONTHLY", "-1WE", "14:00", "16:00", 1, "")]),
    "cancer_cafe": F("Cancer support café", "<p>Meet others affected by cancer, get information and try complementary therapies like reflexology.</p>",
                     ["Cancer support", "Peer support"], [("WEEKLY", "WE", "10:00", "13:00", 1, "")]),
    "cancer_buddies": F("Cancer buddies phone line", "<p>Talk to a volunteer who has been through cancer themselves.</p><p>Calls are arranged at a time that suits you.</p>",
                        ["Cancer support", "Befriending"], [("WEEKLY", WEEKDAYS, "10:00", "18:00", 1, "by appointment")], setting="phone"),
    "headwear": F("Headwear and wig advice", "<p>Private appointments to try scarves, hats and wigs during treatment.&nbsp;Free for anyone with hair loss from cancer treatment.</p>",
                  ["Cancer support"], [("MONTHLY", "2TU", "10:00", "15:00", 1, "by appointment")]),
    "adapted_cycling": F("Adapted cycling", "<p>Trikes, hand cycles, tandems and wheelchair-carrying bikes for disabled people of all ages, on a traffic-free track.</p>",
                         ["Disability", "Exercise"], [("WEEKLY", "SA", "10:00", "12:00", 1, "")], (3, "per session, carers free"), setting="park"),
    "boccia": F("Boccia club", "<p>A friendly, competitive boccia club open to all abilities. Ramps available.</p>",
                ["Disability", "Exercise"], [("WEEKLY", "TH", "13:00", "15:00", 1, ""), ("WEEKLY", "TU", "18:30", "20:30", 1, "")], (2, "per session")),
    "inclusive_dance": F("Inclusive dance", "<p>Dance for disabled and non-disabled people together.&nbsp;Wheelchair users and people with learning disabilities very welcome.</p>",
                         ["Disability", "Exercise"], [("WEEKLY", "SU", "14:00", "15:30", 1, "")], (3.5, "per session")),
    "money_advice": F("Money and benefits advice", "<p>Free, impartial advice on benefits, debts and budgeting, from advisers who won't judge.</p>",
                      ["Practical help", "Money advice"], [("WEEKLY", "MO,WE", "10:00", "13:00", 1, "")]),
    "money_line": F("Money helpline", "<p>Worried about bills or debts? Call for advice over the phone.&nbsp;Interpreters available.</p>",
                    ["Practical help", "Money advice"], [("WEEKLY", WEEKDAYS, "09:00", "17:00", 1, "")], setting="phone"),
}
# (name, home ward, what the organisation says about itself, its four services)
FEED_ORGS = (
    ("Trafford Walk and Talk Network", "Longford", "Volunteer-led walks for health and company across Trafford.",
     ["walk_talk", "canal_walk", "mindful_walk", "walk_talk"]),
    ("Mersey Valley Wellbeing Trust", "Ashton upon Mersey", "Peer-led mental health support in the Mersey valley.",
     ["wellbeing_cafe", "mens_talk", "listening_line", "mindful_walk"]),
    ("Old Trafford Families Together", "Old Trafford", "Play, food and support for families with young children.",
     ["baby_sensory", "family_cook", "holiday_club", "dads_play"]),
    ("Partington Community Kitchen", "Bucklow-St Martins", "Good food for everyone, and help when money is tight.",
     ["community_lunch", "food_support", "family_cook", "energy_advice"]),
    ("Urmston Friendship Circle", "Urmston", "Tackling loneliness among older people in Urmston, Flixton and Davyhulme.",
     ["friendship_afternoon", "befriending_call", "seated_yoga", "community_lunch"]),
    ("Trafford Lung Health Singers", "Davyhulme", "Singing for people with lung conditions, and their families.",
     ["breath_song", "breath_online", "breath_song", "seated_yoga"]),
    ("Timperley Village Carers", "Timperley Central", "By carers, for carers: breaks, advice and friendship.",
     ["carers_pamper", "carers_line", "carers_walk", "dementia_cinema"]),
    ("Hale Barns Memory Friends", "Hale Barns & Timperley South", "Activities for people living with dementia and those who love them.",
     ["music_memory", "dementia_cinema", "carers_walk", "music_memory"]),
    ("Broadheath Makers' Workshop", "Broadheath", "A community workshop where people make, mend and learn together.",
     ["open_workshop", "upcycling", "bike_repair", "open_workshop"]),
    ("Gorse Hill Learning Exchange", "Gorse Hill & Cornbrook", "Free learning for adults: English, computers and work skills.",
     ["computer_course", "conversation_cafe", "job_club", "digital_help"]),
    ("Stretford Young People's Trust", "Stretford & Humphrey Park", "Youth work, sport and music for young people in Stretford.",
     ["lgbt_youth", "youth_football", "holiday_club", "youth_music"]),
    ("Brooklands Bereavement Network", "Brooklands", "Support for anyone who has lost someone close to them.",
     ["bereavement_walk", "bereavement_online", "bereavement_dropin", "listening_line"]),
    ("Flixton Cancer Care Companions", "Flixton", "Practical and emotional support for people affected by cancer.",
     ["cancer_cafe", "cancer_buddies", "headwear", "seated_yoga"]),
    ("Bowdon and Altrincham Access Sport", "Bowdon", "Sport and physical activity for disabled people of all ages.",
     ["adapted_cycling", "boccia", "inclusive_dance", "boccia"]),
    ("Lostock Money and Digital Help", "Lostock & Barton", "Free advice on money, energy and getting online.",
     ["money_advice", "energy_advice", "digital_help", "money_line"]),
)
TRAFFORD_URI = "http://statistics.data.gov.uk/id/statistical-geography/E08000009"
DAY_NAMES = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday", "SA": "Saturday",
             "SU": "Sunday"}
ORDINALS = {"1": "First", "2": "Second", "3": "Third", "4": "Fourth", "-1": "Last"}


def clock(hhmm: str) -> str:
    """'13:30' -> '1.30pm', as people write times."""
    hour, minute = map(int, hhmm.split(":"))
    if (hour, minute) == (12, 0):
        return "12 noon"
    return f"{(hour - 1) % 12 + 1}{'.' + f'{minute:02d}' if minute else ''}{'am' if hour < 12 else 'pm'}"


def days_text(freq: str, byday: str, interval: int) -> str:
    codes = byday.split(",")
    if freq == "MONTHLY":
        parts = [re.fullmatch(r"(-?\d)([A-Z]{2})", code).groups() for code in codes]
        return " and ".join(f"{ORDINALS[n]} {DAY_NAMES[d]}" for n, d in parts) + " of the month"
    if interval == 2:
        return f"Every other {DAY_NAMES[codes[0]]}"
    positions = [list(DAY_NAMES).index(code) for code in codes]
    if len(codes) >= 3 and positions == list(range(positions[0], positions[-1] + 1)):
        return f"{DAY_NAMES[codes[0]]} to {DAY_NAMES[codes[-1]]}"
    plural = [DAY_NAMES[code] + "s" for code in codes]
    return plural[0] if len(plural) == 1 else ", ".join(plural[:-1]) + " and " + plural[-1]


def feed_schedule(rng: random.Random, service_id: str, template: FeedTemplate, repeat: bool) -> dict:
    """An RFC 5545-style schedule plus the sentence a feed shows beside it (a repeat takes the other time)."""
    times = template.times
    freq, byday, opens, closes, interval, note = times[-1] if repeat else rng.choice(times[:-1] or times)
    text = f"{days_text(freq, byday, interval)}, {clock(opens)} to {clock(closes)}" + (f" ({note})" if note else "")
    schedule = {"id": uid(service_id, "schedule"), "freq": freq, "byday": byday, "opens_at": f"{opens}:00",
                "closes_at": f"{closes}:00", "description": text}
    if interval != 1:
        schedule["interval"] = interval
    return schedule


def feed_cost(service_id: str, cost: tuple[float, str] | None) -> list[dict]:
    if cost is None:
        return []
    amount, words = cost
    option = {"id": uid(service_id, "cost"), "amount": amount}
    option.update({"option": words} if amount == 0 else {"amount_description": words})
    return [option]


def feed_terms(service_id: str, terms: Sequence[str]) -> list[dict]:
    """ORUK 3.0 links taxonomy terms to a service through attributes (there is no taxonomy_terms list)."""
    return [{"id": uid(service_id, "attribute", term), "taxonomy_term_id": uid("term", term), "link_type": "service",
             "taxonomy_term": {"id": uid("term", term), "name": term, "description": f"Activities for {term.lower()}",
                               "taxonomy": "Trafford community activities"}} for term in terms]


def feed_location(venue: Venue) -> dict:
    """A physical location with a real postcode and its ONSPD coordinates; one id per venue, shared by services."""
    location_id = uid("location", venue.name, venue.postcode)
    location = {"id": location_id, "location_type": "physical", "name": venue.name,
                "latitude": venue.lat, "longitude": venue.lon,
                "addresses": [{"id": uid(location_id, "address"), "address_1": venue.street_line, "city": venue.place,
                               "state_province": "Greater Manchester", "postal_code": venue.postcode, "country": "GB",
                               "address_type": "physical"}]}
    if venue.access:
        location["accessibility"] = [{"id": uid(location_id, "access", part), "description": part.strip()}
                                     for part in venue.access.split(";")]
    return location


def feed_where(service_id: str, template: FeedTemplate, venue: Venue | None) -> dict:
    """Telephone and online services have a service area instead of a location."""
    if venue is None:
        return {"service_areas": [{"id": uid(service_id, "area"), "name": "Trafford", "service_area": "Trafford",
                                   "extent_type": "text", "uri": TRAFFORD_URI}]}
    return {"service_at_locations": [{"id": uid(service_id, "at", venue.name), "service_id": service_id,
                                      "location_id": uid("location", venue.name, venue.postcode),
                                      "location": feed_location(venue)}]}


def feed_text(rng: random.Random, template: FeedTemplate, venue: Venue | None, phone: str, url: str) -> str:
    """HTML as live feeds carry it: paragraphs, &nbsp;, sometimes an inline phone number or link, sometimes plain."""
    body = template.html.format(park=venue.phrase if venue else "the park")
    roll = rng.random()
    if roll < 0.2:
        return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()
    if roll < 0.5:
        return body + f"<p>Call us on {phone} to find out more.</p>"
    return body + f'<p>More at <a href="{url}">our website</a>.</p>' if roll < 0.7 else body


def feed_organisation(org: Organisation, about: str) -> dict:
    record = {"id": org.id, "name": org.name, "description": about, "email": org.email,
              "website": f"https://www.{org.slug}.example.org"}
    if org.charity:
        identifier = {"id": uid(org.id, "charity"), "organization_id": org.id, "identifier_scheme": "GB-CHC",
                      "identifier_type": "Registered charity number", "identifier": org.charity}
        record["organization_identifiers"] = [identifier]
    return record


def feed_service(rng: random.Random, org: Organisation, about: str, key: str, parts: dict) -> dict:
    """One ORUK 3.0 service, nested organisation and all, as a provider's API returns it."""
    template, repeat = FEED_TEMPLATES[key], key in parts["feed_keys"]
    parts["feed_keys"].add(key)
    remote = template.setting in ("phone", "online")
    venue = None if remote else parts["venues"].for_activity(org, template.setting, repeat)
    name = template.name.format(park=venue.name if venue else "")
    if venue and name in parts["feed_names"]:
        name = next(n for n in (f"{name} ({venue.place})", f"{name} at {venue.name}") if n not in parts["feed_names"])
    parts["feed_names"].add(name)
    service_id = uid("service", org.name, name)
    url = f"https://www.{org.slug}.example.org/activities/{'-'.join(ascii_words(name))}"
    phone = org.phone if rng.random() < 0.7 else parts["numbers"].landline()
    service = {"id": service_id, "organization_id": org.id, "name": name, "url": url, "email": org.email,
               "description": feed_text(rng, template, venue, phone, url), "status": "active",
               "organization": feed_organisation(org, about),
               "schedules": [feed_schedule(rng, service_id, template, repeat)],
               "cost_options": feed_cost(service_id, template.cost),
               "attributes": feed_terms(service_id, template.terms),
               "phones": [{"id": uid(service_id, "phone"), "number": phone}]}
    if rng.random() < 0.7:
        service["contacts"] = [{"id": uid(service_id, "contact"), "service_id": service_id, "name": org.contact,
                                "title": rng.choice(["Coordinator", "Volunteer lead", "Project worker"])}]
    if template.ages:
        service["minimum_age"], service["maximum_age"] = template.ages
    service.update(feed_where(service_id, template, venue))
    return service


def assign_assurance(rng: random.Random, services: list[dict]) -> None:
    """The same age spread as the sheet; closures among stale records; one still suspended since COVID."""
    for service, band in zip(services, band_plan(rng, len(services))):
        day = checked_day(rng, band)
        if day:
            service["assured_date"] = day.isoformat()
        edited = day or ANCHOR - dt.timedelta(days=rng.randint(30, 900))
        changed = min(ANCHOR, edited + dt.timedelta(days=rng.randint(0, 20)))
        service["last_modified"] = f"{changed.isoformat()}T{rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:00Z"
        service["_band"] = band
    old = [s for s in services if s["_band"] in (2, 3)]
    covid, *others = rng.sample(old, 5)
    covid.update({"status": "temporarily closed", "assured_date": "2021-03-02", "last_modified": "2021-03-02T10:15:00Z",
                  "alert": "Suspended due to COVID-19. Please check with us before travelling."})
    for service, status in zip(others, ["defunct", "inactive", "inactive", "temporarily closed"]):
        service["status"] = status


def make_feed(rng: random.Random, parts: dict, taken: set[str]) -> dict:
    """A one-page ORUK 3.0 service list (the envelope of examples/service_list.json)."""
    services = []
    for name, ward, about, keys in FEED_ORGS:
        if name in taken:
            raise SystemExit(f"feed organisation {name!r} is also in the spreadsheet")
        org = new_organisation(rng, name, ward, (name, keys), parts)
        parts["feed_names"], parts["feed_keys"] = set(), set()
        services += [feed_service(rng, org, about, key, parts) for key in keys]
    assign_assurance(rng, services)
    order = list(json.loads((SCHEMA_DIR / "service.json").read_text(encoding="utf-8"))["properties"]) + ["phones"]
    contents = [{k: s[k] for k in sorted(s, key=lambda k: order.index(k) if k in order else len(order)) if k != "_band"}
                for s in services]
    return {"total_items": len(contents), "total_pages": 1, "page_number": 1, "size": len(contents),
            "first_page": True, "last_page": True, "empty": False, "contents": contents}


def is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme and urlsplit(value).netloc)


def is_date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(dt.datetime.fromisoformat(value))


def schema_validator(name: str):
    """A validator for one ORUK schema file, with the spec's absolute $refs served from the local copy."""
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    resources = [(SCHEMA_PREFIX + path.name, DRAFT202012.create_resource(json.loads(path.read_text(encoding="utf-8"))))
                 for path in sorted(SCHEMA_DIR.glob("*.json"))]
    checker = FormatChecker()  # jsonschema checks uuid and email itself; uri and date-time need extra packages
    checker.checks("uri")(is_uri)
    checker.checks("date-time", raises=ValueError)(is_date_time)
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return Draft202012Validator(schema, registry=Registry().with_resources(resources), format_checker=checker)


def validate_feed(page: dict) -> None:
    """Every service against service.json, the page against service_list.json, and phones against phone.json
    by hand: the published 3.0 schemas define phone.json but no service or contact property refers to it."""
    problems = []
    checks = [("service.json", service, service["name"]) for service in page["contents"]]
    checks += [("service_list.json", page, "page")]
    checks += [("phone.json", phone, s["name"]) for s in page["contents"] for phone in s.get("phones", [])]
    validators = {name: schema_validator(name) for name in {name for name, *_ in checks}}
    for name, record, label in checks:
        problems += [f"{label} ({name}) at {'/'.join(map(str, e.absolute_path))}: {e.message}"
                     for e in validators[name].iter_errors(record)]
    if problems:
        raise SystemExit("ORUK validation failed:\n" + "\n".join(problems[:20]))


def summarise(rows: list[dict], orgs: list[Organisation], page: dict, notes: list[str]) -> Iterator[str]:
    wards = {row["_ward"] for row in rows if row["Post Code"]}
    bands = [sum(1 for row in rows if row["_band"] == band) for band in range(len(AGE_BANDS))]
    yield f"{CSV_PATH.name}: {len(rows)} rows from {len(orgs)} organisations, postcodes in {len(wards)} wards"
    yield "  date checked: " + ", ".join(f"{label} {count}" for (label, *_), count in zip(AGE_BANDS, bands))
    feed_orgs = {service["organization"]["id"] for service in page["contents"]}
    yield f"{FEED_PATH.name}: {len(page['contents'])} services from {len(feed_orgs)} organisations, valid ORUK 3.0"
    yield from (f"  messy on purpose: {note}" for note in notes)


def main() -> None:
    rng = random.Random(SEED)
    pool = PostcodePool(rng)
    parts = {"venues": VenueBook(rng, pool), "numbers": Numbers(rng), "slugs": set(), "seen": set()}
    rows, orgs, notes = make_spreadsheet(rng, parts)
    page = make_feed(rng, parts, {org.name for org in orgs})
    validate_feed(page)  # before writing anything, so a failure leaves the old pair in place
    write_spreadsheet(rows, CSV_PATH)
    FEED_PATH.write_text(json.dumps(page, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print("\n".join(summarise(rows, orgs, page, notes)))


if __name__ == "__main__":
    main()
