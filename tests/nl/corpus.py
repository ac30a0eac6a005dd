"""The natural-language corpus: phrasings with the schedule they must mean, shared by tests and the bench.

Schedules are compared by their next fire times after ``now`` (not by spelling).
``expect`` is a spec, ``None`` when the rules must refuse (the LLM's job), or a
domain error type the parse must raise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from app.errors import ScheduleInPast, TaskRunnerError
from app.schedules.spec import CronSpec, IntervalSpec, OnceSpec

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday
BEFORE_SPRING = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # Europe's clocks jump on 2026-03-29
BEFORE_FALL = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)  # and fall back on 2026-10-25
LATE = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)  # the same Monday, 21:00

Spec = CronSpec | OnceSpec | IntervalSpec


@dataclass(frozen=True)
class Case:
    text: str
    expect: Spec | type[TaskRunnerError] | None
    instructions: str | None = None
    default_timezone: str | None = None
    now: datetime = NOW


def cron(text: str, expr: str, tz: str = "UTC", ins: str | None = None, **kw: object) -> Case:
    return Case(text, CronSpec(cron=expr, timezone=tz), ins, **kw)  # type: ignore[arg-type]


def once(text: str, at: str, tz: str = "UTC", ins: str | None = None, **kw: object) -> Case:
    return Case(text, OnceSpec(at=datetime.fromisoformat(at), timezone=tz), ins, **kw)  # type: ignore[arg-type]


def every(text: str, seconds: int, ins: str | None = None, **kw: object) -> Case:
    return Case(text, IntervalSpec(every_seconds=seconds), ins, **kw)  # type: ignore[arg-type]


def llm(text: str, **kw: object) -> Case:
    return Case(text, None, **kw)  # type: ignore[arg-type]


B = "Europe/Berlin"
LA = "America/Los_Angeles"
NY = "America/New_York"
LON = "Europe/London"
SYD = "Australia/Sydney"
CHI = "America/Chicago"

CORPUS: list[Case] = [
    # -- the examples ----------------------------------------------------------
    cron(
        "every weekday at 9am Berlin time, summarise yesterday's errors from https://logs.example.com",
        "0 9 * * 1-5",
        B,
        "Summarise yesterday's errors from https://logs.example.com",
    ),
    once(
        "tomorrow at 3pm remind me to renew the certificate",
        "2026-11-24T15:00",
        B,
        "Remind me to renew the certificate",
        default_timezone=B,
    ),
    every("every 15 minutes check the queue depth", 900, "Check the queue depth"),
    # -- intervals ---------------------------------------------------------------------
    every("every 5 minutes ping https://status.example.com", 300, "Ping https://status.example.com"),
    every("every minute poll the inbox", 60, "Poll the inbox"),
    every("every 30 seconds check the heartbeat", 30, "Check the heartbeat"),
    every("every 2 hours refresh the cache", 7200, "Refresh the cache"),
    every("every hour summarise new tickets", 3600, "Summarise new tickets"),
    every("Every 10 mins, check the build", 600, "Check the build"),
    every("every 3 days rotate the logs", 3 * 86400, "Rotate the logs"),
    every("every half hour check prices", 1800, "Check prices"),
    every("every quarter hour sync the calendar", 900, "Sync the calendar"),
    every("check the queue depth every 15 minutes", 900, "Check the queue depth"),
    every("scan for new CVEs every 6 hours", 6 * 3600, "Scan for new CVEs"),
    every("every twenty minutes look at the error rate", 1200, "Look at the error rate"),
    every("each 45 minutes measure latency", 2700, "Measure latency"),
    every("every 90 seconds probe the API", 90, "Probe the API"),
    every("every 24 hours summarise the last 24 hours of alerts", 86400, "Summarise the last 24 hours of alerts"),
    every("every 12 hrs check disk usage", 43200, "Check disk usage"),
    every("please check the job queue every 10 minutes", 600, "Check the job queue"),
    # -- hourly ------------------------------------------------------------------------
    cron("hourly check the disk", "0 * * * *", ins="Check the disk"),
    cron("every hour at :15 fetch the metrics", "15 * * * *", ins="Fetch the metrics"),
    cron("every hour on the hour post a status", "0 * * * *", ins="Post a status"),
    cron("hourly at 30 past the hour, refresh the dashboard", "30 * * * *", ins="Refresh the dashboard"),
    cron("run the ETL hourly", "0 * * * *", ins="Run the ETL"),
    # -- daily -------------------------------------------------------------------------
    cron("every day at 9am send the report", "0 9 * * *", ins="Send the report"),
    cron("daily at 17:45 post the summary", "45 17 * * *", ins="Post the summary"),
    cron("every day at noon check lunch orders", "0 12 * * *", ins="Check lunch orders"),
    cron("every day at midnight back up the database", "0 0 * * *", ins="Back up the database"),
    cron("every day at 9:30 pm review open PRs", "30 21 * * *", ins="Review open PRs"),
    cron("every day at 12am rotate keys", "0 0 * * *", ins="Rotate keys"),
    cron("every day at 12pm eat", "0 12 * * *", ins="Eat"),
    cron("every day at 12:30am archive mail", "30 0 * * *", ins="Archive mail"),
    cron("daily at 9 summarise the news", "0 9 * * *", ins="Summarise the news"),
    cron("everyday at 8am water the plants", "0 8 * * *", ins="Water the plants"),
    cron("each day at 07:00 check the weather", "0 7 * * *", ins="Check the weather"),
    cron("daily check for updates", "0 0 * * *", ins="Check for updates"),
    cron("every day at 6 p.m. summarise the day", "0 18 * * *", ins="Summarise the day"),
    cron("every day at 8 o'clock stand-up reminder", "0 8 * * *"),
    cron("every day at 23:59 close the books", "59 23 * * *", ins="Close the books"),
    cron("nightly at 2am vacuum the database", "0 2 * * *", ins="Vacuum the database"),
    cron("once a day at 10am pull the exchange rates", "0 10 * * *", ins="Pull the exchange rates"),
    cron("send me the weather forecast every day at 7am", "0 7 * * *", ins="Send me the weather forecast"),
    cron("at 9am every day check status.example.com", "0 9 * * *", ins="Check status.example.com"),
    cron("every day at 9.30am read the digest", "30 9 * * *", ins="Read the digest"),
    cron("every day @ 10am check the queue", "0 10 * * *"),
    cron("daily at 7:30 run the tests", "30 7 * * *", ins="Run the tests"),
    cron("every day at 0:00 reset counters", "0 0 * * *", ins="Reset counters"),
    # -- several times a day -----------------------------------------------------------
    cron("twice a day at 9 and 17 check the backups", "0 9,17 * * *", ins="Check the backups"),
    cron("twice daily at 8am and 8pm feed the cat", "0 8,20 * * *", ins="Feed the cat"),
    cron("every day at 9am and 5pm check the inbox", "0 9,17 * * *", ins="Check the inbox"),
    cron("three times a day at 8, 12 and 18 take a break", "0 8,12,18 * * *", ins="Take a break"),
    cron("every day at 10:30 and 16:30 sync the CRM", "30 10,16 * * *", ins="Sync the CRM"),
    cron("daily at 9am, 1pm and 5pm post a standup nudge", "0 9,13,17 * * *"),
    cron("every day at 9 and at 21 check the feed", "0 9,21 * * *"),
    # -- days of the week --------------------------------------------------------------
    cron("every weekday at 9am check status.example.com", "0 9 * * 1-5", ins="Check status.example.com"),
    cron("every monday and thursday at 8 send the newsletter", "0 8 * * 1,4", ins="Send the newsletter"),
    cron("weekdays at 8:30 summarise the standup", "30 8 * * 1-5", ins="Summarise the standup"),
    cron("on weekdays at 18:00 log off reminder", "0 18 * * 1-5"),
    cron("every weekend at 10am plan the week", "0 10 * * 0,6", ins="Plan the week"),
    cron("weekends at 9 check the garden sensors", "0 9 * * 6,0", ins="Check the garden sensors"),
    cron("on saturdays and sundays at 11 clean up", "0 11 * * 0,6", ins="Clean up"),
    cron("every monday at 9am plan the sprint", "0 9 * * 1", ins="Plan the sprint"),
    cron("every friday at 4pm send the weekly report", "0 16 * * 5", ins="Send the weekly report"),
    cron("on mondays at 10 review the backlog", "0 10 * * 1", ins="Review the backlog"),
    cron("mondays, wednesdays and fridays at 7am go running", "0 7 * * 1,3,5", ins="Go running"),
    cron("every mon, wed, fri at 18:00 check the gym schedule", "0 18 * * 1,3,5"),
    cron("monday to friday at 9am open the shop", "0 9 * * 1-5", ins="Open the shop"),
    cron("every monday through friday at 8 check email", "0 8 * * 1-5", ins="Check email"),
    cron("from monday to friday at 17:30 write the log", "30 17 * * 1-5", ins="Write the log"),
    cron("every mon-fri at 07:45 read the news", "45 7 * * 1-5", ins="Read the news"),
    cron("every sunday at midnight rotate the secrets", "0 0 * * 0", ins="Rotate the secrets"),
    cron("weekly on monday at 9 plan the week", "0 9 * * 1", ins="Plan the week"),
    cron("every tuesday and thursday at 2:30 pm run the sync", "30 14 * * 2,4", ins="Run the sync"),
    cron("every saturday clean the downloads folder", "0 0 * * 6", ins="Clean the downloads folder"),
    cron("every weekday at 9am and 5pm check the queue", "0 9,17 * * 1-5", ins="Check the queue"),
    cron("twice a day on weekdays at 10 and 15 stretch", "0 10,15 * * 1-5", ins="Stretch"),
    cron("every fri-mon at 20:00 check the traffic", "0 20 * * 0,1,5,6"),
    cron("Every Wednesday at 13:00 order lunch", "0 13 * * 3", ins="Order lunch"),
    # -- day of the month --------------------------------------------------------------
    cron("on the 1st of every month at 6am send invoices", "0 6 1 * *", ins="Send invoices"),
    cron("every 15th at 9am pay the rent", "0 9 15 * *", ins="Pay the rent"),
    cron("on the 1st at 6am check the budget", "0 6 1 * *", ins="Check the budget"),
    cron("monthly on the 15th at 10 run payroll", "0 10 15 * *", ins="Run payroll"),
    cron("every month on the 3rd at 8am archive tickets", "0 8 3 * *", ins="Archive tickets"),
    cron("on the 1st and 15th of each month at 9 reconcile accounts", "0 9 1,15 * *", ins="Reconcile accounts"),
    cron("monthly generate the usage report", "0 0 1 * *", ins="Generate the usage report"),
    cron("on the 28th of each month at noon send the newsletter", "0 12 28 * *"),
    cron("every 2nd of the month at 7am clean the cache", "0 7 2 * *"),
    cron("on the 31st of every month at 23:00 close the month", "0 23 31 * *"),
    cron("every month on the 10th run billing", "0 0 10 * *", ins="Run billing"),
    # -- timezones ---------------------------------------------------------------------
    cron("every day at 9am PST send the digest", "0 9 * * *", LA, "Send the digest"),
    cron("every day at 9am PDT send the digest", "0 9 * * *", LA),
    cron("every weekday at 8 EST check the markets", "0 8 * * 1-5", NY, "Check the markets"),
    cron("every day at 10 CET post the summary", "0 10 * * *", B),
    cron("every day at 10:00 CEST post the summary", "0 10 * * *", B),
    cron("every day at 9am GMT check the rota", "0 9 * * *", "Europe/London"),
    cron("every day at 9am BST check the rota", "0 9 * * *", "Europe/London"),
    cron("every day at 9:30 IST run the standup bot", "30 9 * * *", "Asia/Kolkata"),
    cron("every day at 9 JST check the exchange", "0 9 * * *", "Asia/Tokyo"),
    cron("every day at 7am AEST surf report", "0 7 * * *", "Australia/Sydney"),
    cron("every day at 9am UTC rotate the logs", "0 9 * * *", "UTC", "Rotate the logs"),
    cron("every day at 9am in Tokyo check the exchange", "0 9 * * *", "Asia/Tokyo", "Check the exchange"),
    cron("every day at 9am London time check the rota", "0 9 * * *", "Europe/London", "Check the rota"),
    cron("every day at 18:00 Europe/Paris send the menu", "0 18 * * *", "Europe/Paris", "Send the menu"),
    cron("every day at 8am New York time open the desk", "0 8 * * *", NY, "Open the desk"),
    cron("every day at 8am in New York open the desk", "0 8 * * *", NY, "Open the desk"),
    cron("every day at 9 America/Sao_Paulo check sales", "0 9 * * *", "America/Sao_Paulo", "Check sales"),
    cron("every weekday at 9am (Berlin) check the tickets", "0 9 * * 1-5", B, "Check the tickets"),
    cron("every weekday at 9am, Berlin time, summarise incidents", "0 9 * * 1-5", B, "Summarise incidents"),
    cron("summarise incidents at 9am Berlin time every weekday", "0 9 * * 1-5", B, "Summarise incidents"),
    cron(
        "every weekday at 9am Tokyo time check the Berlin office status",
        "0 9 * * 1-5",
        "Asia/Tokyo",
        "Check the Berlin office status",
    ),
    cron("every day at 8 German time send the paper", "0 8 * * *", B),
    cron("every day at 9am pacific time sync", "0 9 * * *", LA),
    cron("every day at 9am eastern time sync", "0 9 * * *", NY),
    cron("every day at 9am in timezone Asia/Singapore sync", "0 9 * * *", "Asia/Singapore"),
    cron("every day at 9am my local time check mail", "0 9 * * *", B, "Check mail", default_timezone=B),
    cron(
        "every day at 9am check the weather in Tokyo", "0 9 * * *", B, "Check the weather in Tokyo", default_timezone=B
    ),
    cron("every day at 9am check mail", "0 9 * * *", B, "Check mail", default_timezone=B),
    cron("every monday at 9 pst review costs", "0 9 * * 1", LA, "Review costs"),
    # -- DST traps ---------------------------------------------------------------------
    cron("every day at 2:30am Berlin time run the batch", "30 2 * * *", B, "Run the batch", now=BEFORE_SPRING),
    cron("every day at 2:30am Berlin time run the batch", "30 2 * * *", B, now=BEFORE_FALL),
    cron("every day at 9am PST send the digest", "0 9 * * *", LA, now=BEFORE_SPRING),
    cron("hourly check the queue", "0 * * * *", B, default_timezone=B, now=BEFORE_FALL),
    once("tomorrow at 2:30 Berlin time run the migration", "2026-03-29T02:30", B, now=BEFORE_SPRING),
    # -- one-time ----------------------------------------------------------------------
    once("tomorrow at 3pm renew the certificate", "2026-11-24T15:00", ins="Renew the certificate"),
    once("today at 17:00 send the status mail", "2026-11-23T17:00", ins="Send the status mail"),
    once("next Friday at 10 deploy the release", "2026-11-27T10:00", ins="Deploy the release"),
    once("on 2026-12-24 at 18:00 send season's greetings", "2026-12-24T18:00", ins="Send season's greetings"),
    once("2026-12-24 18:00 light the candles", "2026-12-24T18:00", ins="Light the candles"),
    once("on december 24 at 6pm call grandma", "2026-12-24T18:00", ins="Call grandma"),
    once("on 24 December at 18:00 call grandma", "2026-12-24T18:00"),
    once("on the 3rd of january at 9am file taxes", "2027-01-03T09:00", ins="File taxes"),
    once("on march 1st 2027 at noon renew the domain", "2027-03-01T12:00", ins="Renew the domain"),
    once("remind me to call the bank tomorrow at 10am", "2026-11-24T10:00", ins="Remind me to call the bank"),
    once("next monday at 9am kick off the project", "2026-11-30T09:00", ins="Kick off the project"),
    once("tomorrow at 9am Berlin time publish the post", "2026-11-24T09:00", B, "Publish the post"),
    once("tomorrow at noon check the oven", "2026-11-24T12:00"),
    once("today at 11pm turn off the lights", "2026-11-23T23:00"),
    once("tomorrow at 8:15 PST check the launch", "2026-11-24T08:15", LA),
    once("in 3 days at 9am follow up with the client", "2026-11-26T09:00", ins="Follow up with the client"),
    Case(
        "in 2 hours check the deployment",
        OnceSpec(at=datetime(2026, 11, 23, 10, 0, tzinfo=UTC)),
        "Check the deployment",
    ),
    Case(
        "in 30 minutes take the pizza out", OnceSpec(at=datetime(2026, 11, 23, 8, 30, tzinfo=UTC)), "Take the pizza out"
    ),
    Case("in an hour stretch", OnceSpec(at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC)), "Stretch"),
    Case("in half an hour check the tea", OnceSpec(at=datetime(2026, 11, 23, 8, 30, tzinfo=UTC))),
    Case("check the oven in 45 minutes", OnceSpec(at=datetime(2026, 11, 23, 8, 45, tzinfo=UTC)), "Check the oven"),
    Case("10 minutes from now ping me", OnceSpec(at=datetime(2026, 11, 23, 8, 10, tzinfo=UTC)), "Ping me"),
    Case("in 2 days summarise the survey", OnceSpec(at=datetime(2026, 11, 25, 8, 0, tzinfo=UTC))),
    Case("today at 7am send the report", ScheduleInPast, default_timezone="UTC"),
    Case("on 2025-01-01 at 10:00 say happy new year", ScheduleInPast),
    # -- instructions with time words that are not schedule ----------------------------
    cron(
        "every day at 9am summarise the last 24 hours of logs", "0 9 * * *", ins="Summarise the last 24 hours of logs"
    ),
    cron("every weekday at 8am list errors since yesterday", "0 8 * * 1-5", ins="List errors since yesterday"),
    cron("every monday at 9 summarise last week's incidents", "0 9 * * 1", ins="Summarise last week's incidents"),
    cron("every day at 18:00 list tomorrow's meetings", "0 18 * * *", ins="List tomorrow's meetings"),
    every(
        "every 10 minutes check that the job finished within 5 minutes",
        600,
        "Check that the job finished within 5 minutes",
    ),
    cron(
        "every day at 7 check https://example.com/every-day/at-9am for changes",
        "0 7 * * *",
        ins="Check https://example.com/every-day/at-9am for changes",
    ),
    cron(
        'every day at 9am post "deploy at 5pm" to the channel', "0 9 * * *", ins='Post "deploy at 5pm" to the channel'
    ),
    cron("every friday at 5pm summarise the week's 10 slowest queries", "0 17 * * 5"),
    # -- taught to the rules: once answered only by the LLM ------------------------------
    cron("every business day at 9 open tickets", "0 9 * * 1-5", ins="Open tickets"),
    once("tonight at 8 watch the game", "2026-11-23T20:00", ins="Watch the game"),
    once("the day after tomorrow at 10 call", "2026-11-25T10:00", ins="Call"),
    cron("every day at half past nine stretch", "30 9 * * *", ins="Stretch"),
    cron("every day at 9 in the evening read", "0 21 * * *", ins="Read"),
    cron("every year on march 1st renew the licence", "0 0 1 3 *", ins="Renew the licence"),
    cron("every 15th of december at 9 send cards", "0 9 15 12 *", ins="Send cards"),
    cron("every 2 hours between 9 and 17 check the queue", "0 9-17/2 * * *", ins="Check the queue"),
    cron("quarterly on the 1st at 9 send the report", "0 9 1 1,4,7,10 *", ins="Send the report"),
    cron("every day at 9 UTC+2 check", "0 9 * * *", "Etc/GMT-2", "Check"),
    # -- more timezones: cities, countries, abbreviations, IANA names, offsets ------------
    cron("every weekday at 8:30 London time post the standup", "30 8 * * 1-5", LON, "Post the standup"),
    cron("every day at 7am Paris time send the press review", "0 7 * * *", "Europe/Paris", "Send the press review"),
    cron("every monday at 10am Sydney time run the payroll check", "0 10 * * 1", SYD, "Run the payroll check"),
    cron("every friday at 17:00 in Tokyo close the week", "0 17 * * 5", "Asia/Tokyo", "Close the week"),
    cron("daily at 6am Europe/Madrid fetch the prices", "0 6 * * *", "Europe/Madrid", "Fetch the prices"),
    cron("every weekday at 9 CST check the warehouse feed", "0 9 * * 1-5", CHI, "Check the warehouse feed"),
    cron("every tuesday at 11 AEST review tickets", "0 11 * * 2", SYD, "Review tickets"),
    cron("every day at 8 a.m. Singapore time post the APAC digest", "0 8 * * *", "Asia/Singapore"),
    cron("every sunday at 20:00 Moscow time send the plan", "0 20 * * 0", "Europe/Moscow", "Send the plan"),
    cron("every day at noon in Dubai check the gold price", "0 12 * * *", "Asia/Dubai", "Check the gold price"),
    cron("every weekday at 9am India time sync the offshore team", "0 9 * * 1-5", "Asia/Kolkata"),
    cron("every day at 6pm Hong Kong time close the trading log", "0 18 * * *", "Asia/Hong_Kong"),
    cron("on mondays at 08:00 CET send the agenda", "0 8 * * 1", B, "Send the agenda"),
    cron("every day at 10am Toronto time check the ferry schedule", "0 10 * * *", "America/Toronto"),
    cron("every day at 15:00 UTC export the ledger", "0 15 * * *", "UTC", "Export the ledger"),
    cron("every weekday at 9am GMT+1 open the support queue", "0 9 * * 1-5", "Etc/GMT-1", "Open the support queue"),
    cron("every day at 8 UTC-3 check the Buenos Aires feed", "0 8 * * *", "Etc/GMT+3"),
    cron("every day at 9am Auckland time send the rugby scores", "0 9 * * *", "Pacific/Auckland"),
    cron("every day at 9am Mexico City time post the menu", "0 9 * * *", "America/Mexico_City", "Post the menu"),
    cron("every day at 7:15 Asia/Jerusalem read the news", "15 7 * * *", "Asia/Jerusalem", "Read the news"),
    cron("every day at 10 KST check the KOSPI", "0 10 * * *", "Asia/Seoul", "Check the KOSPI"),
    cron("every day at 9am Amsterdam time water the office plants", "0 9 * * *", "Europe/Amsterdam"),
    cron("every thursday at 2pm Los Angeles time run the demo", "0 14 * * 4", LA, "Run the demo"),
    cron("every day at 6am HST surf report", "0 6 * * *", "Pacific/Honolulu", "Surf report"),
    cron("every day at 9am in Chicago post the weather", "0 9 * * *", CHI, "Post the weather"),
    cron("every day at 9am (timezone: America/Denver) check snow", "0 9 * * *", "America/Denver", "Check snow"),
    cron("every day at 5pm Etc/GMT+5 close the shift", "0 17 * * *", "Etc/GMT+5", "Close the shift"),
    cron("every monday at 9am ET plan the week", "0 9 * * 1", NY, "Plan the week"),
    cron("every friday at 4pm PT ship the release notes", "0 16 * * 5", LA, "Ship the release notes"),
    cron("every day at 9am review the ET dashboard", "0 9 * * *", ins="Review the ET dashboard"),
    cron("every weekday at 8am Berlin check mail", "0 8 * * 1-5", B, "Check mail", default_timezone=NY),
    # -- more intervals, instructions first or last ------------------------------------
    every("ping the load balancer every 2 minutes", 120, "Ping the load balancer"),
    every("refresh the exchange rates every 4 hours", 4 * 3600, "Refresh the exchange rates"),
    every("rebuild the search index every 8 hrs", 8 * 3600, "Rebuild the search index"),
    every("poll the RSS feed every thirty minutes", 1800, "Poll the RSS feed"),
    every("check for new orders every 5 mins", 300, "Check for new orders"),
    every("every 20 seconds sample the temperature", 20, "Sample the temperature"),
    every("every 7 days send a summary of open bugs", 7 * 86400, "Send a summary of open bugs"),
    every("every ten minutes, tail the error log", 600, "Tail the error log"),
    every("every 3 hours back up the wiki", 3 * 3600, "Back up the wiki"),
    every("each hour update the leaderboard", 3600, "Update the leaderboard"),
    every("every 45 secs probe the socket", 45, "Probe the socket"),
    every("every 1 hour rotate the tokens", 3600, "Rotate the tokens"),
    every("sync the shared folder every half an hour", 1800, "Sync the shared folder"),
    every("every 36 hours re-run the crawler", 36 * 3600, "Re-run the crawler"),
    every("every 2 days check the SSL expiry", 2 * 86400, "Check the SSL expiry"),
    every("Every 15 min: fetch new emails", 900, "Fetch new emails"),
    # -- hourly and windows in the day -------------------------------------------------
    cron("every hour at 45 past the hour compact the logs", "45 * * * *", ins="Compact the logs"),
    cron("hourly at minute 5 pull metrics", "5 * * * *", ins="Pull metrics"),
    cron("every hour, on the hour, chime", "0 * * * *", ins="Chime"),
    cron("every hour between 9am and 5pm check the chat", "0 9-17 * * *", ins="Check the chat"),
    cron("hourly from 8 to 18 on weekdays refresh the board", "0 8-18 * * 1-5", ins="Refresh the board"),
    cron("every 3 hours from 6am to 9pm post the air quality", "0 6,9,12,15,18,21 * * *"),
    cron("every 15 minutes between 9:00 and 17:45 watch the queue", "*/15 9-17 * * *", ins="Watch the queue"),
    cron("every 4 hours between 8:30 and 20:30 take a reading", "30 8,12,16,20 * * *", ins="Take a reading"),
    cron("every 30 minutes from 9am to 4:30pm on weekdays poll the CRM", "0,30 9-16 * * 1-5", ins="Poll the CRM"),
    # -- more daily --------------------------------------------------------------------
    cron("every day at nine send the digest", "0 9 * * *", ins="Send the digest"),
    cron("every morning at 7 read the headlines", "0 7 * * *", ins="Read the headlines"),
    cron("every evening at 6 send the summary", "0 18 * * *", ins="Send the summary"),
    cron("every night at 11 back up the photos", "0 23 * * *", ins="Back up the photos"),
    cron("every afternoon at 3 stretch your legs", "0 15 * * *", ins="Stretch your legs"),
    cron("at 7 in the morning every day check the weather", "0 7 * * *", ins="Check the weather"),
    cron("every day at a quarter past eight open the shutters", "15 8 * * *", ins="Open the shutters"),
    cron("every day at quarter to six in the evening feed the dog", "45 17 * * *", ins="Feed the dog"),
    cron("each night at 10pm log the mood", "0 22 * * *", ins="Log the mood"),
    cron("daily @ 6:45 am start the coffee", "45 6 * * *", ins="Start the coffee"),
    cron("every day at 06:00 pull the backups", "0 6 * * *", ins="Pull the backups"),
    cron("every day at 8 o'clock in the evening lock the doors", "0 20 * * *", ins="Lock the doors"),
    cron("at 5pm every day sign off", "0 17 * * *", ins="Sign off"),
    cron("every day at 1:15pm check the lunch poll", "15 13 * * *", ins="Check the lunch poll"),
    cron("every day at 11:59 pm snapshot the counters", "59 23 * * *", ins="Snapshot the counters"),
    cron("every day at midday water the office plants", "0 12 * * *", ins="Water the office plants"),
    cron("twice a day at 6am and 6pm feed the fish", "0 6,18 * * *", ins="Feed the fish"),
    cron("every day at 8am, noon and 4pm drink water", "0 8,12,16 * * *", ins="Drink water"),
    cron("nightly at 11 rebuild the index", "0 23 * * *", ins="Rebuild the index"),
    cron("every day at ten o'clock check the mailbox", "0 10 * * *", ins="Check the mailbox"),
    cron("every day at seven pm call home", "0 19 * * *", ins="Call home"),
    cron("every day at half past seven in the morning jog", "30 7 * * *", ins="Jog"),
    cron("daily at 9 in the morning summarise the alerts", "0 9 * * *", ins="Summarise the alerts"),
    cron("every day at 10 at night switch off the heating", "0 22 * * *", ins="Switch off the heating"),
    # -- more days of the week ---------------------------------------------------------
    cron("every thursday at 3pm send the invoice reminders", "0 15 * * 4", ins="Send the invoice reminders"),
    cron("tuesdays at 10am prepare the team sync", "0 10 * * 2", ins="Prepare the team sync"),
    cron("every sat at 9 clean the repo", "0 9 * * 6", ins="Clean the repo"),
    cron("on tuesdays and thursdays at 17:00 run the backup", "0 17 * * 2,4", ins="Run the backup"),
    cron("every weekday at 18:30 post the day's deploys", "30 18 * * 1-5", ins="Post the day's deploys"),
    cron("at 8am on weekdays start the coffee machine", "0 8 * * 1-5", ins="Start the coffee machine"),
    cron("every monday morning at 9 plan the week", "0 9 * * 1", ins="Plan the week"),
    cron("friday evenings at 6 order pizza", "0 18 * * 5", ins="Order pizza"),
    cron("every working day at 8:45 check the rota", "45 8 * * 1-5", ins="Check the rota"),
    cron("on business days at 10am reconcile payments", "0 10 * * 1-5", ins="Reconcile payments"),
    cron("every workday at 7:30am read the overnight alerts", "30 7 * * 1-5", ins="Read the overnight alerts"),
    cron("each sunday at 6pm plan the meals", "0 18 * * 0", ins="Plan the meals"),
    cron("every tue and thu at 9am water the lawn", "0 9 * * 2,4", ins="Water the lawn"),
    cron("wednesdays at noon post the lunch menu", "0 12 * * 3", ins="Post the lunch menu"),
    cron("every saturday and sunday at 8 walk the dog", "0 8 * * 0,6", ins="Walk the dog"),
    cron("on weekends at 9:30 check the garden", "30 9 * * 0,6", ins="Check the garden"),
    cron("tuesday to thursday at 14:00 run the load test", "0 14 * * 2-4", ins="Run the load test"),
    cron("every monday, tuesday and wednesday at 7am swim", "0 7 * * 1-3", ins="Swim"),
    cron("every Friday at 5 PM send the timesheet", "0 17 * * 5", ins="Send the timesheet"),
    cron("every sunday evening at 7 review the week", "0 19 * * 0", ins="Review the week"),
    cron("every Thursday at 14:00 CET send the roadmap", "0 14 * * 4", B, "Send the roadmap"),
    cron("every weekday at 9:00 AM open the helpdesk", "0 9 * * 1-5", ins="Open the helpdesk"),
    cron("weekly on fridays at 16:00 publish the changelog", "0 16 * * 5", ins="Publish the changelog"),
    cron("every week on monday at 8am send the metrics", "0 8 * * 1", ins="Send the metrics"),
    cron("every saturday morning at 10 mow the lawn", "0 10 * * 6", ins="Mow the lawn"),
    cron("at 9 every weekday morning read the inbox", "0 9 * * 1-5", ins="Read the inbox"),
    cron("every sunday night at 10 prepare the week", "0 22 * * 0", ins="Prepare the week"),
    cron("thursday evenings at 8 host the quiz", "0 20 * * 4", ins="Host the quiz"),
    # -- more days of the month, quarters and years -------------------------------------
    cron("on the 5th of every month at 9am pay the invoices", "0 9 5 * *", ins="Pay the invoices"),
    cron("every month on the 1st at 8 reset the quotas", "0 8 1 * *", ins="Reset the quotas"),
    cron("on the 10th and 25th at 10am pay suppliers", "0 10 10,25 * *", ins="Pay suppliers"),
    cron("monthly on the 20th at 6pm send the statement", "0 18 20 * *", ins="Send the statement"),
    cron("every 1st of the month at 7 rotate the API keys", "0 7 1 * *", ins="Rotate the API keys"),
    cron("on the 15th of each month at 09:00 run the audit", "0 9 15 * *", ins="Run the audit"),
    cron("once a month on the 3rd at noon water the cactus", "0 12 3 * *", ins="Water the cactus"),
    cron("every quarter on the 1st at 8am send the KPI deck", "0 8 1 1,4,7,10 *", ins="Send the KPI deck"),
    cron("quarterly at 9am review access rights", "0 9 1 1,4,7,10 *", ins="Review access rights"),
    cron("every year on 1 january at 00:00 send new year wishes", "0 0 1 1 *", ins="Send new year wishes"),
    cron("annually on july 4 at noon post the fireworks map", "0 12 4 7 *", ins="Post the fireworks map"),
    cron("every december 31st at 23:00 write the year review", "0 23 31 12 *", ins="Write the year review"),
    cron("on the 1st of january every year at 9 archive last year", "0 9 1 1 *", ins="Archive last year"),
    cron("yearly on oct 1 at 10am renew the insurance", "0 10 1 10 *", ins="Renew the insurance"),
    cron("every 14th of february at 8am send flowers", "0 8 14 2 *", ins="Send flowers"),
    cron("each april 15 at 9 file the taxes", "0 9 15 4 *", ins="File the taxes"),
    # -- more one-time -----------------------------------------------------------------
    once("on 2026-12-31 at 23:00 open the champagne", "2026-12-31T23:00", ins="Open the champagne"),
    once("on Dec 24 at 6pm call grandpa", "2026-12-24T18:00", ins="Call grandpa"),
    once("at 6pm on december 24th light the tree", "2026-12-24T18:00", ins="Light the tree"),
    once("on jan 15 at 9am renew the passport", "2027-01-15T09:00", ins="Renew the passport"),
    once("on 15 january 2027 at 10:30 pay the tax bill", "2027-01-15T10:30", ins="Pay the tax bill"),
    once("December 1st at 8am start the advent calendar", "2026-12-01T08:00", ins="Start the advent calendar"),
    once("tomorrow at 7:30 pick up the parcel", "2026-11-24T07:30", ins="Pick up the parcel"),
    once("tomorrow morning at 8 call the plumber", "2026-11-24T08:00", ins="Call the plumber"),
    once("tomorrow evening at 7 book the restaurant", "2026-11-24T19:00", ins="Book the restaurant"),
    once("this afternoon at 3 send the draft", "2026-11-23T15:00", ins="Send the draft"),
    once("this evening at 6:30 post the recap", "2026-11-23T18:30", ins="Post the recap"),
    once("tonight at 10pm check the deploy", "2026-11-23T22:00", ins="Check the deploy"),
    once("tonight at 9:30 take out the bins", "2026-11-23T21:30", ins="Take out the bins"),
    once("next wednesday at 15:00 demo the feature", "2026-11-25T15:00", ins="Demo the feature"),
    once("day after tomorrow at noon meet Sam", "2026-11-25T12:00", ins="Meet Sam"),
    once("today at 6pm send the status", "2026-11-23T18:00", ins="Send the status"),
    once("on 2027-02-01 09:30 start the audit", "2027-02-01T09:30", ins="Start the audit"),
    once("2026-12-24T18:00 send the greetings", "2026-12-24T18:00", ins="Send the greetings"),
    once("on the 2nd of december at 14:00 present the plan", "2026-12-02T14:00", ins="Present the plan"),
    once("tomorrow at 9 in the morning call the garage", "2026-11-24T09:00", ins="Call the garage"),
    once("tomorrow at 10 at night start the migration", "2026-11-24T22:00", ins="Start the migration"),
    once("next saturday at 11am clean the garage", "2026-11-28T11:00", ins="Clean the garage"),
    once("on december 24 at 6pm Berlin time call home", "2026-12-24T18:00", B, "Call home"),
    once("tomorrow at 5pm PST check the launch metrics", "2026-11-24T17:00", LA, "Check the launch metrics"),
    once("at 3pm tomorrow water the seedlings", "2026-11-24T15:00", ins="Water the seedlings"),
    once("on the 31st of december 2026 at 23:59 count down", "2026-12-31T23:59", ins="Count down"),
    once("tomorrow at 8am in Sydney open the store", "2026-11-24T08:00", SYD, "Open the store"),
    once("today at 23:30 turn off the router", "2026-11-23T23:30", ins="Turn off the router"),
    once("on 2026-12-24 at 18:00 Tokyo time ring the bell", "2026-12-24T18:00", "Asia/Tokyo", "Ring the bell"),
    once("tomorrow at 9am UTC+1 call the Lagos office", "2026-11-24T09:00", "Etc/GMT-1", "Call the Lagos office"),
    Case(
        "in 90 minutes restart the worker", OnceSpec(at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC)), "Restart the worker"
    ),
    Case("in 3 hours check the build", OnceSpec(at=datetime(2026, 11, 23, 11, 0, tzinfo=UTC)), "Check the build"),
    Case("in 10 mins stir the soup", OnceSpec(at=datetime(2026, 11, 23, 8, 10, tzinfo=UTC)), "Stir the soup"),
    Case("remind me in 1 week to review the PR", OnceSpec(at=datetime(2026, 11, 30, 8, 0, tzinfo=UTC))),
    Case("in 45 minutes leave for the airport", OnceSpec(at=datetime(2026, 11, 23, 8, 45, tzinfo=UTC))),
    # -- the rules must refuse (the LLM's job) -----------------------------------------
    llm("every other day water the plants"),
    llm("first Monday of each month at 9 send the board report"),
    llm("on the first monday of every month at 9am review"),
    llm("last day of the month at 18:00 close the books"),
    llm("biweekly on friday at 3pm sync with the team"),
    llm("every 2 weeks on monday at 9 retro"),
    llm("every other week review the roadmap"),
    llm("every 3 months rotate the passwords"),
    llm("every weekday except fridays at 9 stand up"),
    llm("every day at 9 until christmas water the tree"),
    llm("every morning check the news"),
    llm("tomorrow morning call the dentist"),
    llm("remind me next week to call the bank"),
    llm("on friday at 10 deploy"),
    llm("at 5 call mom"),
    llm("every monday at 9 and every friday at 5pm send updates"),
    llm("every day at 9:00 and 17:30 check the doors"),
    llm("every day at 9am Berlin time and 9am Tokyo time sync"),
    llm("at the end of the month send the invoice"),
    llm("every 2nd tuesday at 10 patch the servers"),
    llm("every day around 9 check the news"),
    llm("every 3 days at 9am water the cactus"),
    llm("every day at 25:00 do it"),
    llm("every day at 13pm do it"),
    llm("on the 1st monday at 9 report"),
    llm("twice a day check the backups"),
    llm("weekly send the report"),
    llm("every weekday at 9am check the monday report"),
    llm("in 2 hours at 5pm ping"),
    llm("summarise the sales numbers"),
    llm("every monday at 9 and on the 1st of the month at 9 send the summary"),
    llm("at 9am check mail"),
    llm("every 6 weeks at 9 review"),
    llm("every monday in Mordor time at 9 sync"),
    llm("every 30 minutes between 9am and 5pm check the queue"),  # 17:00 too: not one cron line
    llm("tonight at 8 watch the game", now=LATE),  # already past
]
