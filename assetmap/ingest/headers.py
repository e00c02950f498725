"""Which column is which: the names people give columns, matched to the fields assetmap knows.

Matching ignores case, spaces and punctuation ("Post Code", "post_code" and "POSTCODE" are one
name) and knows the variants found in real sheets and layers. A column no one recognises is not
an error: its values are kept in ``extra`` under the name the source gave it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from assetmap.vocab import DAY_NAMES

# field -> the names it goes by (already in key form: lower case, letters and digits only).
VARIANTS: dict[str, tuple[str, ...]] = {
    "name": ("activity", "activityname", "activitytitle", "nameofactivity", "servicename", "service", "sessionname",
             "session", "eventname", "event", "title", "name", "projectname", "project", "pharmacyname",
             "communityhub", "venueandactivity"),
    "organisation": ("organisationname", "organisation", "organization", "organizationname", "org", "orgname", "group",
                     "groupname", "provider", "providername", "runby", "organisedby", "organizedby", "charityname",
                     "nameoforganisation", "organisations", "organizations"),
    "description": ("description", "details", "about", "summary", "info", "information", "activitydescription",
                    "servicedescription", "charityactivities", "moreinformation", "whatisit", "whatitis", "overview"),
    "category": ("category", "categories", "type", "activitytype", "servicetype", "theme", "themes", "tags", "tag",
                 "activitycategory", "sport", "sports", "subject", "kindofactivity",
                 "typeofservice", "typeofactivity", "activitytypes", "servicetypes", "servicecategory", "servicecategories",
                 "categoryofservice", "kindofservice", "grouptype", "typeofgroup", "sessiontype", "eventtype", "typeofsupport",
                 "supporttype", "maincategory", "primarycategory", "taxonomy", "servicetaxonomy", "taxonomyterms", "typeofprovision"),
    "audience": ("whoisitfor", "whoitsfor", "whofor", "audience", "suitablefor", "agegroup", "agegroups", "targetgroup",
                 "targetaudience", "eligibility", "forwho", "who", "agerange", "ages"),
    "delivery": ("format", "delivery", "deliverymode", "deliverymethod", "mode", "howdelivered", "attendance",
                 "howtoattend", "inpersononline", "onlineorinperson"),
    "schedule": ("when", "schedule", "openingtimes", "openinghours", "times", "time", "dayandtime", "daysandtimes",
                 "dayandtimes", "daystimes", "days", "day", "frequency", "sessiontimes", "timings", "meets",
                 "hours", "whenitruns", "dateandtime", "daytime", "daysandtime", "whenandwhere", "sessiondays"),
    "cost": ("cost", "costs", "price", "prices", "fee", "fees", "charge", "charges", "costdetails"),
    "contact": ("contact", "contactname", "contactperson", "leader", "keycontact", "contactdetails", "maincontact"),
    "phone": ("telephone", "phone", "tel", "phonenumber", "telephonenumber", "mobile", "contactnumber",
              "contacttelephone", "contactphone", "charitycontactphone", "telephonenumber", "telno", "phoneno"),
    "email": ("email", "emailaddress", "contactemail", "charitycontactemail", "mail", "emailcontact"),
    "website": ("webaddress", "website", "web", "url", "link", "websiteaddress", "charitycontactweb", "webpage",
                "www", "site", "weblink", "websiteurl", "moreinfo"),
    "venue": ("venue", "venuename", "location", "locationname", "place", "where", "building", "meetingplace",
              "venues", "locations", "venuenames", "locationnames"),
    "address": ("address", "fulladdress", "streetaddress", "venueaddress", "address1", "addressline1", "addressline2",
                "addressline3", "street", "town", "city", "locality", "charitycontactaddress"),
    "postcode": ("postcode", "postalcode", "zip", "zipcode", "venuepostcode", "pcd", "pcds", "charitycontactpostcode",
                 "postcodeofvenue"),
    "lat": ("geometrylat", "lat", "latitude", "ylat", "venuelatitude"),
    "lon": ("geometrylon", "lng", "lon", "long", "longitude", "xlon", "venuelongitude"),
    "accessibility": ("accessibility", "access", "accessibilityinformation", "accessinformation", "accessibilityfeatures"),
    "status": ("status", "activitystatus", "currentstatus", "running", "isitrunning", "operatingstatus"),
    "capacity": ("takingnewpeople", "takingnewmembers", "acceptingnewmembers", "acceptingnewpeople", "newmembers",
                 "capacity", "spaces", "availability", "howtojoin",
                 "takingreferrals", "openfornewmembers", "newpeople", "openforreferrals", "placesavailable"),
    "last_modified": ("lastupdated", "updated", "lastmodified", "modified", "dateupdated", "updatedon", "lastedited"),
    "last_verified": ("datechecked", "lastchecked", "checked", "checkedon", "verified", "lastverified", "dateverified",
                      "assureddate", "lastreviewed", "reviewed", "datereviewed", "lastconfirmed", "dateconfirmed"),
    "verified_by": ("checkedby", "verifiedby", "assuredby", "reviewer", "reviewedby", "confirmedby"),
    "verified_how": ("howchecked", "verificationmethod", "checkedhow", "howverified"),
    "charity_number": ("charitynumber", "registeredcharitynumber", "charityno", "charityregistrationnumber",
                       "charityreg", "regcharityno", "charitynum", "registeredcharity"),
    "company_number": ("companynumber", "charitycompanyregistrationnumber", "companyno", "companyregistrationnumber",
                       "companieshousenumber"),
    "source_id": ("sourceid", "id", "ref", "reference", "recordid", "uid", "identifier", "cqcid", "serviceid",
                  "activityid", "uniqueid", "recordref", "featureid"),
    "service_area": ("servicearea", "areacovered", "areaserved", "coverage", "areasserved", "serviceareas"),
    "age_min": ("minage", "minimumage", "agefrom", "fromage", "lowerage", "agemin", "youngestage", "agelower", "agesfrom",
                "minimumagelimit", "loweragelimit", "ageminimum", "minagelimit"),
    "age_max": ("maxage", "maximumage", "ageto", "toage", "upperage", "agemax", "oldestage", "ageupper", "agesto",
                "maximumagelimit", "upperagelimit", "agemaximum", "maxagelimit"),
    "timing_notes": ("timingnotes", "timingsnotes", "sessionnotes", "additionaltimesinformation", "additionaltimeinformation",
                     "additionaltimes", "timenotes", "timesnotes", "notesontimes", "notesontimings", "openingtimesnotes",
                     "openinghoursnotes", "scheduledetails", "schedulenotes", "timinginformation", "timingsinformation",
                     "timesinformation", "frequencynotes", "additionalopeninginformation", "additionalscheduleinformation",
                     "additionalopeningtimesinformation", "moreabouttimes", "sessioninformation", "timingdetails"),
}
# Yes/no columns: flag -> (the names it goes by, the draft field a "yes" sets, the value a yes gives, the value a
# no gives). Matched as the field ``flag_<name>``; a cell that is not a yes or a no is read by the field's own rules.
FLAGS: dict[str, tuple[tuple[str, ...], str, Any, Any]] = {
    "free": (("free", "isfree", "isitfree", "freeofcharge", "freesession", "freeactivity", "freetoattend", "nocost",
              "freeservice", "freetouse", "freeentry"), "is_free", True, False),
    "has_cost": (("isthereacost", "chargeable", "paid", "charged", "costapplies", "hasacost", "feepayable", "feeapplies",
                  "chargeapplies", "paidfor"), "is_free", False, True),
    "referral": (("referral", "referralonly", "referralsonly", "byreferralonly", "byreferral", "referralrequired",
                  "referralneeded", "referralsneeded", "needsreferral", "needareferral", "referralmethod", "requiresreferral",
                  "gpreferral", "gpreferralneeded", "professionalreferral", "referralroute"), "capacity", "referral_needed", None),
    "drop_in": (("dropin", "dropinsession", "justturnup", "noneedtobook", "nobookingneeded", "walkin"), "capacity", "accepting", None),
    "members_only": (("membersonly", "membershiponly", "membershiprequired", "formembers", "mustbeamember", "membersonlygroup"),
                     "audience", "Members only", None),
    "women_only": (("womenonly", "femaleonly", "ladiesonly", "womenandgirlsonly", "womensonly", "forwomen", "womenonlysession",
                    "womenonlygroup"), "audience", "Women only", None),
    "men_only": (("menonly", "maleonly", "formen", "mensonly", "menonlygroup"), "audience", "Men only", None),
    "disability_only": (("disabilityonly", "disabledonly", "fordisabledpeople", "fordisabledpeopleonly", "disabledpeopleonly",
                         "disabilityspecific", "disabledpeople", "fordisabledpeopleonlyyn"), "audience", "Disabled people only", None),
    "carers_welcome": (("carerswelcome", "carerwelcome", "carerscanattend", "carerscancome", "suitableforcarers", "forcarers"),
                       "audience", "Carers welcome", None),
    "lgbtq": (("lgbtq", "lgbt", "lgbtqfriendly", "lgbtfriendly", "lgbtqonly", "lgbtqi", "lgbtqia"), "audience", "LGBTQ+", None),
    "step_free": (("stepfree", "stepfreeaccess", "levelaccess", "nosteps", "stepfreeentrance", "rampaccess", "ramp", "stepfreevenue"),
                  "accessibility", "Step-free access", None),
    "wheelchair": (("wheelchairaccessible", "wheelchairaccess", "wheelchairfriendly", "disabledaccess", "accessible",
                    "accessiblevenue", "wheelchairuseraccessible", "wheelchairusers"), "accessibility", "Wheelchair accessible", None),
    "accessible_toilet": (("accessibletoilet", "disabledtoilet", "accessibletoilets", "disabledtoilets", "wheelchairaccessibletoilet",
                           "accessibletoiletfacilities"), "accessibility", "Accessible toilet", None),
    "hearing_loop": (("hearingloop", "inductionloop", "loopsystem", "audioloop", "hearingloopavailable"), "accessibility", "Hearing loop", None),
    "accessible_parking": (("disabledparking", "bluebadgeparking", "accessibleparking"), "accessibility", "Accessible parking", None),
    "parking": (("parking", "carparking", "carpark", "parkingavailable", "freeparking"), "accessibility", "Parking", None),
    "dementia_friendly": (("dementiafriendly", "dementiafriendlyvenue"), "accessibility", "Dementia friendly", None),
    "bsl": (("bsl", "bslinterpreter", "signlanguage", "bslavailable", "britishsignlanguage"), "accessibility", "British Sign Language", None),
    "online": (("online", "availableonline", "onlinesessions", "offeredonline", "virtual", "onlineservice", "canbedoneonline",
                "onlineoption"), "delivery", "online", None),
    "telephone": (("byphone", "bytelephone", "telephonesupport", "phonesupport", "telephoneservice", "phoneservice",
                   "availablebyphone", "overthephone", "telephonesessions"), "delivery", "telephone", None),
    "in_person": (("inperson", "facetoface", "inpersonsessions", "facetofacesupport", "inpersonservice"), "delivery", "in_person", None),
}
FLAG_FIELDS = {f"flag_{name}": flag for name, flag in FLAGS.items()}
# A column whose very name says what every row is ("pharmacy_name", "community_hub"): the category for rows giving none.
IMPLIED_CATEGORIES = {"pharmacyname": "Pharmacy", "communityhub": "Community hub", "gppractice": "GP practice",
                      "practicename": "GP practice", "foodbankname": "Food bank", "foodbank": "Food bank", "libraryname": "Library",
                      "carehomename": "Care home", "clubname": "Sports club"}
# Fields whose several columns are joined rather than the first one winning ("Address line 1", "Town";
# "Who is it for" and "Age range"; "Category" and "Type").
JOINED = {"address", "audience", "category"}


def header_key(header: Any) -> str:
    """``"Post Code"`` → ``"postcode"``: lower case, letters and digits only."""
    return re.sub(r"[\W_]+", "", str(header or "").lower())


@functools.lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    found = {variant: field for field, variants in VARIANTS.items() for variant in variants}
    found |= {variant: field for field, (variants, *_) in FLAG_FIELDS.items() for variant in variants}
    return found


def day_column(key: str) -> str | None:
    """``"opening_hours_monday"``/``"Monday"`` → ``"mon"``: opening hours kept one column per day."""
    for name, day in DAY_NAMES.items():
        if key in (name, f"openinghours{name}", f"{name}openinghours", f"hours{name}", f"{name}hours", f"open{name}",
                   f"{name}times", f"times{name}"):
            return day
    return None


def field_for(header: Any) -> str | None:
    """The field a column holds, or None when it is not one we know (its values go to ``extra``)."""
    key = header_key(header)
    if not key:
        return None
    day = day_column(key)
    if day:
        return f"schedule_{day}"
    found = _lookup().get(key)
    if found is None and key.endswith("yn"):  # "Free (Y/N)", "Referral only Y/N"
        found = _lookup().get(key[:-2])
    return found


@functools.lru_cache(maxsize=256)
def implied_category(header: str) -> str | None:
    """The category a name column's own header implies ("pharmacy_name" → "Pharmacy"), or None."""
    return IMPLIED_CATEGORIES.get(header_key(header))


@functools.lru_cache(maxsize=4096)
def _cached_field(header: str) -> str | None:
    return field_for(header)


def map_headers(headers: Iterable[Any]) -> dict[str, str | None]:
    """Each header to its field; only the first column of a field counts, except for joined fields."""
    return _map_headers(tuple(str(h) for h in headers))


@functools.lru_cache(maxsize=256)
def _map_headers(headers: tuple[str, ...]) -> dict[str, str | None]:
    """Every row of a sheet has the same headers: worked out once (callers must not change the dict)."""
    taken: set[str] = set()
    result: dict[str, str | None] = {}
    for header in headers:
        field = _cached_field(str(header))
        if field and field in taken and field not in JOINED:
            field = None
        if field:
            taken.add(field)
        result[str(header)] = field
    return result


def recognised(headers: Iterable[Any]) -> int:
    """How many headers name a known field (to find the header row below a title)."""
    return sum(1 for h in headers if _cached_field(str(h)))


def split_record(record: Mapping[str, Any], mapping: Mapping[str, str | None]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(fields, extra)``: known fields by name, everything else under its original column name."""
    fields: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for header, value in record.items():
        field = mapping.get(header) if header in mapping else _cached_field(str(header))
        if field is None:
            if not _is_blank(value):
                extra[header] = value
        elif field in JOINED and field in fields:
            fields[field] = ", ".join(str(v) for v in (fields[field], value) if not _is_blank(v))
        elif field not in fields or _is_blank(fields[field]):
            fields[field] = value
    return fields, extra


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
