"""The patterns of the rules parser: schedule clauses, and the words that make it refuse.

Every pattern runs on the lower-/original-case text with URLs and quotes masked,
so words inside them ("https://x/every-day") are never read as schedule.
"""

from __future__ import annotations

import re

from app.nl.times import ATOM, HOUR_WORD, NUMBER, UNIT, WINDOW_ATOM

_I = re.IGNORECASE
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_ABBR = r"(?:mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)"
_WORK_DAYS = r"(?:business|working|work)\s?days?"
DAY_ATOM = (
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)days?|"
    + _DAY_ABBR
    + r"\.?|week\s?days?|week-?ends?|"
    + _WORK_DAYS
    + ")"
)
MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_MONTH_WORD = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)"
)
ORD = r"\d{1,2}(?:st|nd|rd|th)"
_PART = r"(?:morning|afternoon|evening|night)"
_LIST_SEP = r"\s*(?:,\s*(?:and\s+)?|and\s+|&\s*|/\s*)"
_RANGE_SEP = r"\s*(?:-|–|to|through|thru)\s*"
# "the weekly report", "our daily standup": an adjective, not a frequency.
_NOT_ADJECTIVE = r"(?<!\bthe )(?<!\ba )(?<!\ban )(?<!\bmy )(?<!\bour )(?<!\byour )(?<!\btheir )(?<!\bits )(?<!\bthis )"

# -- once ------------------------------------------------------------------------------
ISO_DATE = re.compile(
    r"\b(?:on\s+)?(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})(?:[t ](?P<hh>\d{2}):(?P<mm>\d{2})(?::00)?)?\b", _I
)
# Also the date of a yearly schedule: "every 15th of december", "each march 1st".
NAMED_DATE = re.compile(
    r"\b(?:(?P<ev>every|each)\s+)?(?:on\s+)?(?:the\s+)?(?:(?P<d1>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>"
    + MONTH
    + r")|(?P<m2>"
    + MONTH
    + r")\.?\s+(?:the\s+)?(?P<d2>\d{1,2})(?:st|nd|rd|th)?)(?:,?\s+(?P<y>\d{4}))?\b(?!:)",
    _I,
)
# "today", "tomorrow morning", "tonight", "this evening", "next friday", "the day after tomorrow".
DAY_ANCHOR = re.compile(
    r"\b(?:(?P<dat>(?:the\s+)?day\s+after\s+tomorrow)|(?P<w>today|tomorrow|tonight)"
    r"|next\s+(?P<day>(?:mon|tues|wednes|thurs|fri|satur|sun)day|" + _DAY_ABBR + r")"
    r"|(?P<this>this)(?=\s+(?:morning|afternoon|evening)\b))"
    r"(?:\s+(?P<part>" + _PART + r"))?\b(?!')",
    _I,
)
RELATIVE = re.compile(
    r"\bin\s+(?:(?P<n>" + NUMBER + r")\s+(?P<u>" + UNIT + r")|(?P<half>half\s+an\s+hour))(?:'?s?\s+time)?\b"
    r"|\b(?P<n2>" + NUMBER + r")\s+(?P<u2>" + UNIT + r")\s+from\s+now\b",
    _I,
)

# -- recurring -------------------------------------------------------------------------
INTERVAL = re.compile(
    r"\b(?:every|each)\s+(?:(?P<n>" + NUMBER + r")\s+(?P<u>" + UNIT + r")"
    r"|(?P<u1>second|minute|hour)|(?P<half>half(?:\s+an)?\s+hour)|(?P<quarter>quarter(?:\s+of\s+an)?\s+hour))\b",
    _I,
)
HOURLY_AT = re.compile(
    r"\b(?:hourly|(?:every|each)\s+hour)\s*,?\s+(?:at\s+(?::|minute\s+)(?P<m>\d{1,2})\b"
    r"|(?:at\s+)?(?P<m2>\d{1,2})\s+(?:minutes?\s+)?past(?:\s+the\s+hour)?\b|(?P<top>on\s+the\s+hour)\b)",
    _I,
)
HOURLY = re.compile(r"\bhourly\b", _I)
# With an interval: "every 2 hours between 9 and 17", "every 30 minutes from 9:00 to 16:30".
WINDOW = re.compile(
    r"\b(?:between|from)\s+(?P<a>" + WINDOW_ATOM + r")\s*(?:and\s+|to\s+|-\s*|–\s*)(?P<b>" + ATOM + r")", _I
)
FREQ = re.compile(
    _NOT_ADJECTIVE
    + r"\b(?:(?P<daily>daily|every\s*day|each\s+day|every\s+single\s+day|(?P<nightly>nightly)|once\s+a\s+day"
    r"|once\s+daily|(?:every|each)\s+(?P<dpart>" + _PART + r"))"
    r"|(?P<weekly>weekly|every\s+week|each\s+week|once\s+a\s+week)"
    r"|(?P<monthly>monthly|every\s+month|each\s+month|once\s+a\s+month)"
    r"|(?P<quarterly>quarterly|(?:every|each|once\s+a)\s+quarter(?!\s+(?:of\s+an\s+)?hour|\s+past|\s+to))"
    r"|(?P<twice>twice\s+(?:a\s+day|daily|per\s+day)|(?P<k>two|three|four|\d)\s+times\s+(?:a|per)\s+day))\b(?!')",
    _I,
)
# With a named date: "every year on march 1st", "on the 1st of january every year".
YEARLY = re.compile(_NOT_ADJECTIVE + r"\b(?:yearly|annually|(?:every|each)\s+year|once\s+a\s+year)\b(?!')", _I)
# "check the work days", "my mondays": a noun in the instructions (LEFTOVER then refuses).
DAYS = re.compile(
    _NOT_ADJECTIVE
    + r"\b(?:(?P<lead>every|each|on|from)\s+(?:the\s+)?)?(?P<list>"
    + DAY_ATOM
    + r"(?:(?:"
    + _LIST_SEP
    + "|"
    + _RANGE_SEP
    + r")"
    + DAY_ATOM
    + r")*)(?:\s+(?P<dpart>"
    + _PART
    + r")s?)?\b(?!')",
    _I,
)
DAY_SPLIT = re.compile(_LIST_SEP, _I)
DAY_RANGE = re.compile(_RANGE_SEP, _I)
DOM = re.compile(
    r"\b(?:(?P<lead>every|each|on)\s+(?:the\s+)?|the\s+)?(?P<list>"
    + ORD
    + r"(?:"
    + _LIST_SEP
    + r"(?:the\s+)?"
    + ORD
    + r")*)(?P<suffix>\s+(?:day\s+)?of\s+(?:every|each|the|a)\s+month)?\b(?!\s*(?:of\s+)?"
    + MONTH
    + r"\b)",
    _I,
)
DOM_SPLIT = re.compile(_LIST_SEP + r"(?:the\s+)?", _I)

# -- timezones -------------------------------------------------------------------------
IANA = re.compile(
    r"(?:\b(?:in\s+)?(?:the\s+)?time\s?zone\s*:?\s*|\bin\s+|,\s*)?\b(?P<z>[a-z]+/[a-z0-9_\-+]+(?:/[a-z0-9_\-+]+)?)"
    r"(?:\s+time(?:zone)?)?(?![\w+\-/])",
    _I,
)
# "UTC+2", "GMT-5", "utc +05:30": only whole hours have an IANA name (Etc/GMT-2 is UTC+2).
OFFSET = re.compile(
    r"(?<![/\w])(?:\(\s*)?(?:in\s+)?(?P<z>utc|gmt)\s*(?P<sign>[+\-−])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?(?![\d:])"
    r"(?:\s*\))?",
    _I,
)
ZONE_WORD = re.compile(r"\b(?:time\s?zone|time)\b", _I)
ZONE_BEFORE = re.compile(r"(?:(?:\bin\s+|,\s*|\()(?:the\s+)?)?((?:[^\W\d_]+\s+){0,2}[^\W\d_]+)\s*$")
ZONE_AFTER = re.compile(r"\s*(?:\(|,\s*)?(?:in\s+)?(?:the\s+)?((?:[^\W\d_]+)(?:\s+[^\W\d_]+){0,2})\)?")
LOCAL_TIME = re.compile(r"\b(?:in\s+)?(?:my\s+)?local\s+time\b|\b(?:in\s+)?my\s+time\s?zone\b", _I)
# Two-letter ones ("PT", "ET") are words too ("the ET dashboard"): only right after a clock time.
ABBREVIATION = re.compile(
    r"(?:\bin\s+)?\b(?P<z>UTC|GMT|BST|PST|PDT|MST|MDT|CST|CDT|EST|EDT|AKST|AKDT|HST|WET|WEST|CET|CEST|EET|EEST"
    r"|MSK|IST|SGT|HKT|JST|KST|AEST|AEDT|NZST|NZDT|BRT|AWST|ACST|ACDT|SAST|EAT|WAT|PHT|PKT|WIB|NST|NDT)\b"
)
# Place names that are also ordinary words: never read as a zone without "time" after them.
NOT_PLACES = frozenset(
    {"center", "wake", "easter", "christmas", "midway", "knox", "jersey", "guernsey", "man", "casey", "davis",
     "palmer", "troll", "nome", "salem", "marengo", "norfolk", "canary", "reunion", "faroe", "chatham",
     "eucla", "currie", "south", "regina", "victoria", "darwin", "mendoza", "phoenix", "boise", "lima"}
)  # fmt: skip

# -- refusals --------------------------------------------------------------------------
_DAYISH = r"(?:mon|tue|wed|thu|fri|sat|sun|weekday|weekend|business|working|work|week\b(?!')|day\b(?!'))"
_COUNT = r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten)"
REFUSE = re.compile(
    r"\bevery\s+other\b|\b(?:every|each)\s+(?:second|third|fourth)\s+" + _DAYISH + r"|\balternat"
    r"|\b(?:first|second|third|fourth|fifth|last|final|penultimate|1st|2nd|3rd|4th|5th)\s+"
    + _DAYISH
    + r"|\bend\s+of\s+(?:the\s+|each\s+|every\s+)?(?:day|week|month|quarter|year)"
    r"|\b(?:start|beginning)\s+of\s+(?:the\s+|each\s+|every\s+)?(?:week|month|quarter|year)"
    r"|\bbi-?(?:weekly|monthly|annual)|\bfortnight|\bsemi-?annual"
    r"|\b(?:every|each)\s+" + NUMBER + r"\s+(?:weeks?|months?|years?|quarters?)\b"
    r"|\bunless\b|\bholiday"
    r"|\b" + _COUNT + r"\s+(?:" + _WORK_DAYS + r"|week\s?days|(?:mon|tues|wednes|thurs|fri|satur|sun)days?)\b"
    r"|\buntil\b|\btill\b|\bstarting\b|\bbeginning\b|\bfrom\s+(?:today|tomorrow|next)\b"
    r"|\b(?:around|about)\s+(?:\d|noon|midnight|" + HOUR_WORD + r"\b)|\bapprox|\bsometime|\bor\s+so\b"
    r"|\b(?:few|couple|several)\s+(?:of\s+)?(?:minutes|hours|days)"
    r"|\bfor\s+(?:\d+|the\s+next|a|one|two|three)\s+(?:days|weeks|months)\b|\btimes\s+(?:a|per)\s+(?:week|month|year)"
    r"|\b(?:every|each)\s+(?:noon|lunch)"
    r"|(?<!\bhalf )(?<!\bquarter )\bpast\s+(?:\d|noon|midnight|" + HOUR_WORD + r"\b)"
    r"|\bthis\s+" + _DAYISH + r"|\bnext\s+(?:week|month|year)\b(?!')|\bweek\s+from\b|\blast\s+week\s+of",
    _I,
)
# Left in the instructions, these mean a schedule the clauses did not account for.
LEFTOVER = re.compile(
    r"\b(?:every|each)\s+(?:" + NUMBER + r"\b|" + UNIT + r"|" + DAY_ATOM + r"|month|year|other|half|quarter"
    r"|morning|evening|night|afternoon|single|day)\b"
    r"|" + _NOT_ADJECTIVE + r"\b(?:daily|weekly|monthly|hourly|nightly|everyday|twice|thrice|yearly|annually"
    r"|quarterly)\b(?!')"
    r"|\b(?:today|tomorrow|tonight)\b(?!')|\b(?:every|each)\s*\x00"
    r"|\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)days?|week\s?days?|week-?ends?|" + _WORK_DAYS + r")\b(?!')"
    r"|\b\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)(?![a-z])|(?<![\w:/.])\d{1,2}:\d{2}\b|\bat\s+\d"
    r"|\b(?:noon|midnight|midday|o'?clock)\b|(?<!\w)@\s*\d|\b\d{1,2}(?:st|nd|rd|th)\b"
    r"|\b" + MONTH + r"\.?\s+\d{1,2}\b|\b\d{1,2}\s+" + MONTH + r"\b|\bin\s+" + NUMBER + r"\s+" + UNIT + r"\b"
    r"|(?<!:)\b:\d{2}\b"
    r"|\b(?:in\s+the|this|tomorrow|today|tonight)\s+" + _PART + r"|\bat\s+night\b"
    r"|\b(?:half|quarter)\s+(?:past|to)\b|\b(?:at|@)\s*" + HOUR_WORD + r"\b"
    r"|\b" + HOUR_WORD + r"\s*(?:a\.?m\.?|p\.?m\.?)(?![a-z])|\bbetween\b|\bfrom\s+(?:\d|noon|midnight)"
    r"|\b(?:utc|gmt)\s*[+\-−]\s*\d|[+\-−]\d{1,2}:\d{2}\b"
    r"|\b(?:in|during|throughout|through|of|from)\s+" + _MONTH_WORD + r"\b"
    r"|\b(?:january|february|march|april|june|july|august|september|october|november|december)\b"
    r"|\b(?:on|by|for|from)\s+\d{1,2}[./-]\d{1,2}\b",
    _I,
)
UNKNOWN_ZONE = re.compile(r"\b[A-Z][A-Za-z]+\s+time\b(?!\s?zone)")
# Languages read after "in": "at 9am in French" is the task's language, never a place.
LANGUAGES = frozenset(
    {"english", "french", "german", "spanish", "italian", "portuguese", "dutch", "japanese", "chinese", "mandarin",
     "cantonese", "korean", "russian", "arabic", "hindi", "swedish", "norwegian", "danish", "finnish", "polish",
     "turkish", "greek", "hebrew", "czech", "ukrainian", "vietnamese", "thai", "indonesian", "latin", "markdown",
     "json", "html", "csv", "python", "bullet", "bullets", "brief", "detail", "full", "short", "plain"}
)  # fmt: skip


class Refuse(Exception):
    """The text holds schedule words the rules cannot express exactly: the LLM parser gets it.

    ``words`` are the words that could not be placed (shown to the user when no LLM answers).
    """

    def __init__(self, *words: str) -> None:
        super().__init__(*words)
        self.words = [w for w in words if w]


# -- added families ----------------------------------------------------------------------
_CF = r"(?:\*(?:/\d{1,2})?|\d{1,2}(?:-\d{1,2})?(?:/\d{1,2})?(?:,\d{1,2}(?:-\d{1,2})?(?:/\d{1,2})?)*)"
_CF_DOW = (
    r"(?:\*(?:/\d)?|(?:\d|"
    + _DAY_ABBR
    + r")(?:-(?:\d|"
    + _DAY_ABBR
    + r"))?(?:,(?:\d|"
    + _DAY_ABBR
    + r")(?:-(?:\d|"
    + _DAY_ABBR
    + r"))?)*)"
)
# A pasted cron line: "*/5 * * * * check the API", "cron: 0 9 * * 1-5 ..."; @daily and friends.
CRON_LINE = re.compile(
    r"(?:\bcron\s*:?\s*)?(?<![\w*/,\-])(?P<expr>"
    + _CF
    + r"\s+"
    + _CF
    + r"\s+"
    + _CF
    + r"\s+"
    + _CF
    + r"\s+"
    + _CF_DOW
    + r")"
    r"(?![\w*/,\-])\s*:?",
    _I,
)
CRON_MACRO = re.compile(r"(?<!\w)@(?P<m>yearly|annually|monthly|weekly|daily|midnight|hourly)\b\s*:?", _I)
_PAST = r"(?:past|after)"
# The minute of every hour: "every hour on the half hour", "at the top of every hour", "quarter past every hour",
# "at 20 past each hour", "At minute 15 past every hour", "every hour at half past", "on the hour every hour".
HOURLY_MINUTE = re.compile(
    r"(?:\b(?:(?:every|each)\s+(?:single\s+)?hour|hourly)\s*,?\s+(?:at\s+|on\s+)?(?:the\s+)?"
    r"(?:(?P<a_half>half\s+hour|half\s+past(?:\s+the\s+hour)?)|(?P<a_top>top\s+of\s+the\s+hour|hour\s+mark|hour)"
    r"|:(?P<a_m3>[0-5]\d)"
    r"|(?P<a_q>quarter\s+(?:past|after)(?:\s+the\s+hour)?)|(?P<a_q3>quarter\s+to(?:\s+the\s+hour)?)"
    r"|(?:minute\s+)?(?P<a_m>\d{1,2})\s+(?:minutes?\s+)?" + _PAST + r"(?:\s+the\s+hour)?)\b"
    r"|\b(?:at\s+)?(?:the\s+)?(?:(?P<b_top>top)\s+of|(?P<b_half>half\s+past)|(?P<b_q>(?:a\s+)?quarter\s+(?:past|after))"
    r"|(?P<b_q3>(?:a\s+)?quarter\s+to)|(?:minute\s+)?(?P<b_m>\d{1,2})\s+(?:minutes?\s+)?"
    + _PAST
    + r"|minute\s+(?P<b_m2>\d{1,2})\s+of)"
    r"\s+(?:every|each)\s+(?:single\s+)?hour\b"
    r"|\b(?:at\s+)?minute\s+(?P<c_m>\d{1,2})\s+" + _PAST + r"\s+every\s+(?P<c_n>\d{1,2})(?:st|nd|rd|th)\s+hour\b"
    r"|\b(?:on\s+the\s+hour\s*,?\s+)?(?:every|each)\s+hour\s*,?\s+on\s+the\s+hour\b"
    r"|\b(?P<d_top>on\s+the\s+hour)\s*,?\s+(?:every|each)\s+(?:single\s+)?hour\b"
    r"|\b(?:at\s+)?(?:the\s+)?(?:(?P<e_top>top\s+of\s+the\s+hour)|(?P<e_half>half\s+past\s+the\s+hour)"
    r"|(?P<e_q>quarter\s+past\s+the\s+hour)|(?P<e_m>\d{1,2})\s+(?:minutes?\s+)?past\s+the\s+hour)"
    r"\s*,?\s+(?:every|each)\s+(?:single\s+)?hour\b)",
    _I,
)
# Steps counted from the top of the hour: "At every 5th minute", "every 15 minutes, on the quarter hour".
ALIGNED_STEP = re.compile(
    r"\b(?:at\s+)?every\s+(?P<n>\d{1,2})(?:st|nd|rd|th)\s+minute\b"
    r"|\b(?:every|each)\s+(?P<n2>\d{1,2}|fifteen|thirty|ten|twenty|five)\s+(?:minutes?|mins?)\s*,?\s+"
    r"(?:starting\s+)?on\s+the\s+(?:quarter[\s\-]hours?|half[\s\-]hours?|hour(?:\s+and\s+(?:the\s+)?half[\s\-]hour)?|clock)\b",
    _I,
)
_DAY_LIST = DAY_ATOM + r"(?:(?:" + _LIST_SEP + "|" + _RANGE_SEP + r")" + DAY_ATOM + r")*"
# "every weekday except Friday", "daily, but not on weekends", "every day but saturday".
EXCEPT = re.compile(
    r"\s*,?\s*\b(?:except(?:\s+(?:on|for))?|excluding|but\s+not(?:\s+on)?|but|other\s+than|apart\s+from|not\s+on)\s+"
    r"(?:the\s+)?(?P<list>" + _DAY_LIST + r")\b(?!')\s*,?",
    _I,
)
_CLOCK = r"(?:\d{1,2}(?:[:.]\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)(?![a-z])|\d{1,2}:\d{2}\b|noon|midnight|midday)"
# Clock times the instructions talk about: "list meetings after 3pm", "the demo is at 2pm", "since 6pm yesterday".
REFERENCE = re.compile(
    r"\b(?:after|before|since|than|by|past)\s+"
    + _CLOCK
    + r"|\b(?:is|are|was|were|be|starts?|begins?|ends?|due|opens?|closes?|happens?|scheduled)\s+(?:at|for)\s+"
    + _CLOCK,
    _I,
)
# Words that could change a schedule; one left over sends the text to the LLM (or back as a question).
_MEAL = r"(?:lunch\w*|breakfast|brunch|dinner|supper|tea\s?time)"
SUSPECT = re.compile(
    r"\b(?:dawn|dusk|sunrise|sunset|daybreak|nightfall|lunchtime|tea\s?time|bed\s?time"
    r"|overnight(?!\s+(?:alerts?|errors?|logs?|jobs?|runs?|builds?|batch\w*|results?|data|changes|news|e?mails?"
    r"|messages|events|incidents|reports?|backups?|activity|traffic|orders|sales|failures))"
    r"|(?:at|around|after|before|during|by|over|until|till)\s+(?:the\s+)?"
    + _MEAL
    + r"|after\s+(?:work|school|hours|midnight|dark)|before\s+(?:work|school|bed|dark)"
    r"|close\s+of\s+(?:business|play)|cob|eod|eow|eom|end\s+of\s+(?:the\s+)?(?:day|business|week|month|shift|quarter|year)"
    r"|(?:business|office|working|work|opening|trading|school|waking|core)\s+hours|when\s+(?:the\s+)?\w+\s+(?:opens|closes|starts|ends)"
    r"|except|excluding|unless|but\s+not|holidays?|vacations?"
    r"|(?:during|through|throughout|over)\s+the\s+(?:night|day|morning|evening|afternoon|week|weekend|month)"
    r"|for\s+(?:the\s+)?(?:next|following|coming)|for\s+(?:an?|one|two|three|\d+)\s+(?:hours?|minutes?|days?|weeks?|months?)"
    r"|until|(?<!\bthe )till|starting|beginning|from\s+now\s+on|asap|(?:rest|remainder)\s+of\s+the"
    r"|for\s+(?:today|tonight|now|a\s+while)|(?:this|next)\s+(?:week|month|year)"
    r"|fortnight\w*|bi-?weekly|bi-?monthly|semi-?(?:weekly|monthly|annually)|twice|thrice|times\s+(?:a|per)"
    r"|per\s+(?:day|week|hour|month)|minutely|mornings|evenings|nights|afternoons|weeknights?"
    r"|around|christmas|easter|thanksgiving|new\s+year'?s\s+(?:eve|day)|or\s+(?:\d|noon|midnight|" + HOUR_WORD + r")"
    r"|while|top\s+of\s+the\s+hour|on\s+the\s+(?:half\s+)?hour|past\s+the\s+hour|quarter\s+hour|ish)\b(?!')"
    r"|\b(?:\d{1,2}|noon|midnight|midday)-?ish\b|(?<=[\x00\d])-?ish\b",
    _I,
)
# Zone-like capitals left over ("AWST", "SAST", "ET"): a zone the rules cannot place.
SUSPECT_CASE = re.compile(r"\b[A-Z]{2,4}T\b")
