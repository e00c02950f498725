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
                 "activitycategory", "sport", "sports", "subject", "kindofactivity"),
    "audience": ("whoisitfor", "whoitsfor", "whofor", "audience", "suitablefor", "agegroup", "agegroups", "targetgroup",
                 "targetaudience", "eligibility", "forwho", "who", "agerange", "ages"),
    "delivery": ("format", "delivery", "deliverymode", "deliverymethod", "mode", "howdelivered", "attendance",
                 "howtoattend", "inpersononline", "onlineorinperson"),
    "schedule": ("when", "schedule", "openingtimes", "openinghours", "times", "time", "dayandtime", "daysandtimes",
                 "dayandtimes", "daystimes", "days", "day", "frequency", "sessiontimes", "timings", "meets",
                 "hours", "whenitruns", "dateandtime"),
    "cost": ("cost", "costs", "price", "prices", "fee", "fees", "charge", "charges", "costdetails", "isitfree", "free"),
    "contact": ("contact", "contactname", "contactperson", "leader", "keycontact", "contactdetails", "maincontact"),
    "phone": ("telephone", "phone", "tel", "phonenumber", "telephonenumber", "mobile", "contactnumber",
              "contacttelephone", "contactphone", "charitycontactphone", "telephonenumber", "telno", "phoneno"),
    "email": ("email", "emailaddress", "contactemail", "charitycontactemail", "mail", "emailcontact"),
    "website": ("webaddress", "website", "web", "url", "link", "websiteaddress", "charitycontactweb", "webpage",
                "www", "site", "weblink", "websiteurl", "moreinfo"),
    "venue": ("venue", "venuename", "location", "locationname", "place", "where", "building", "meetingplace"),
    "address": ("address", "fulladdress", "streetaddress", "venueaddress", "address1", "addressline1", "addressline2",
                "addressline3", "street", "town", "city", "locality", "charitycontactaddress"),
    "postcode": ("postcode", "postalcode", "zip", "zipcode", "venuepostcode", "pcd", "pcds", "charitycontactpostcode",
                 "postcodeofvenue"),
    "lat": ("geometrylat", "lat", "latitude", "ylat", "venuelatitude"),
    "lon": ("geometrylon", "lng", "lon", "long", "longitude", "xlon", "venuelongitude"),
    "accessibility": ("accessibility", "access", "accessible", "disabledaccess", "wheelchairaccess",
                      "accessibilityinformation", "accessinformation", "accessibilityfeatures"),
    "status": ("status", "activitystatus", "currentstatus", "running", "isitrunning", "operatingstatus"),
    "capacity": ("takingnewpeople", "takingnewmembers", "acceptingnewmembers", "acceptingnewpeople", "newmembers",
                 "capacity", "spaces", "availability", "referral", "referralmethod", "referralneeded", "howtojoin",
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
}
# Fields whose several columns are joined rather than the first one winning ("Address line 1", "Town").
JOINED = {"address"}


def header_key(header: Any) -> str:
    """``"Post Code"`` → ``"postcode"``: lower case, letters and digits only."""
    return re.sub(r"[\W_]+", "", str(header or "").lower())


@functools.lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    return {variant: field for field, variants in VARIANTS.items() for variant in variants}


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
    return _lookup().get(key)


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
