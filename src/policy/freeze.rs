//! Change-freeze windows: absolute (RFC 3339 start and end) or weekly
//! (`Fri 16:00` to `Mon 08:00`) in a named time zone or a fixed offset.
//!
//! Weekly windows are evaluated in local time, so they follow daylight-saving
//! changes: "Friday 16:00 in Europe/Berlin" is 15:00 UTC in winter and 14:00
//! UTC in summer.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveTime, Offset, TimeZone, Timelike, Utc, Weekday,
};

/// Where a weekly window's clock runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Zone {
    /// An IANA zone such as `Europe/Berlin`: its name as written and its
    /// rules, from the time zone database built into the binary (jiff's
    /// copy of IANA's: a compact byte table read only for the zones a
    /// policy names, where chrono-tz's tables took 38,000 relocations and
    /// 1.2 MB of pages written at every start).
    Named(String, jiff::tz::TimeZone),
    /// A fixed offset such as `+02:00` (or `UTC`).
    Fixed(FixedOffset),
}

/// A point in the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekTime {
    /// Day of the week.
    pub day: Weekday,
    /// Time of day.
    pub time: NaiveTime,
}

impl WeekTime {
    fn minute_of_week(self) -> i64 {
        i64::from(self.day.num_days_from_monday()) * 1440
            + self
                .time
                .signed_duration_since(NaiveTime::MIN)
                .num_minutes()
    }

    /// `Fri 16:00`.
    pub fn describe(self) -> String {
        format!("{} {}", self.day, self.time.format("%H:%M"))
    }

    /// Parse `Fri 16:00` (day names in English, 3 letters or full, any case).
    pub fn parse(text: &str) -> Result<WeekTime, String> {
        let mut parts = text.split_whitespace();
        let (Some(day), Some(time), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("\"{text}\" is not a week time like \"Fri 16:00\""));
        };
        let day: Weekday = day
            .parse()
            .map_err(|_| format!("\"{day}\" is not a day of the week (Mon, Tue, ... Sun)"))?;
        let time = NaiveTime::parse_from_str(time, "%H:%M")
            .map_err(|_| format!("\"{time}\" is not a time like 16:00"))?;
        Ok(WeekTime { day, time })
    }
}

/// One freeze window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Window {
    /// From `start` (inclusive) to `end` (exclusive).
    Absolute {
        /// Start instant.
        start: DateTime<Utc>,
        /// End instant.
        end: DateTime<Utc>,
        /// Why.
        reason: String,
    },
    /// Every week from `from` to `until` local time (may wrap over the weekend).
    Weekly {
        /// Start of the window each week.
        from: WeekTime,
        /// End of the window each week.
        until: WeekTime,
        /// The clock the times are read on.
        zone: Zone,
        /// Why.
        reason: String,
    },
}

/// Parse a zone: an IANA name, `UTC`, or an offset `+HH:MM` / `-HH:MM`.
pub fn parse_zone(text: &str) -> Result<Zone, String> {
    if text.eq_ignore_ascii_case("utc") || text == "Z" {
        return Ok(Zone::Fixed(FixedOffset::east_opt(0).ok_or("bad offset")?));
    }
    if let Some(sign) = text.chars().next().filter(|c| *c == '+' || *c == '-') {
        let rest = &text[1..];
        let (h, m) = rest
            .split_once(':')
            .ok_or_else(|| format!("offset \"{text}\" must look like +02:00"))?;
        let h: i32 = h.parse().map_err(|_| format!("bad offset \"{text}\""))?;
        let m: i32 = m.parse().map_err(|_| format!("bad offset \"{text}\""))?;
        let secs = (h * 3600 + m * 60) * if sign == '-' { -1 } else { 1 };
        return FixedOffset::east_opt(secs)
            .map(Zone::Fixed)
            .ok_or_else(|| format!("offset \"{text}\" is out of range"));
    }
    // The database's lookup ignores case; names are matched exactly.
    match jiff::tz::TimeZone::get(text) {
        Ok(tz) if tz.iana_name() == Some(text) => Ok(Zone::Named(text.to_string(), tz)),
        _ => Err(format!(
            "unknown time zone \"{text}\" (use an IANA name such as Europe/Berlin, UTC, or +02:00)"
        )),
    }
}

/// `zone`'s offset from UTC at `now`.
fn offset_at(now: DateTime<Utc>, zone: &Zone) -> FixedOffset {
    match zone {
        Zone::Fixed(off) => *off,
        Zone::Named(_, tz) => {
            let ts = jiff::Timestamp::from_second(now.timestamp())
                .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
            // Database offsets are within a day, as chrono's must be.
            FixedOffset::east_opt(tz.to_offset(ts).seconds()).unwrap_or(Utc.fix())
        }
    }
}

/// Local minute-of-week and the local date-time of `now` in `zone`.
fn local(now: DateTime<Utc>, zone: &Zone) -> (i64, chrono::NaiveDateTime) {
    let naive = now.with_timezone(&offset_at(now, zone)).naive_local();
    let m = i64::from(naive.weekday().num_days_from_monday()) * 1440
        + naive
            .time()
            .signed_duration_since(NaiveTime::MIN)
            .num_minutes();
    (m, naive)
}

/// The instant a local date-time names in `zone` (the later one in a DST
/// overlap; in a DST gap, the first instant after it).
fn to_utc(naive: chrono::NaiveDateTime, zone: &Zone) -> DateTime<Utc> {
    match zone {
        Zone::Named(_, tz) => resolve(naive, |n| named_instant(tz, n)),
        Zone::Fixed(off) => resolve(naive, |n| latest(off, n)),
    }
}

/// The instant `instant` gives for `naive`, or, in a gap, for the first
/// half hour after it that exists.
fn resolve(
    naive: chrono::NaiveDateTime,
    instant: impl Fn(chrono::NaiveDateTime) -> Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    let mut n = naive;
    for _ in 0..4 {
        if let Some(t) = instant(n) {
            return t;
        }
        n += Duration::minutes(30);
    }
    Utc.from_utc_datetime(&naive)
}

/// The later instant local time `naive` names in `z`.
fn latest<Z: TimeZone>(z: &Z, naive: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
    z.from_local_datetime(&naive)
        .latest()
        .map(|t| t.with_timezone(&Utc))
}

/// The instant local time `naive` names in `tz`: the later one in a fold
/// (as chrono's `latest`), none in a gap.
fn named_instant(tz: &jiff::tz::TimeZone, naive: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
    use jiff::tz::AmbiguousOffset;
    let dt = jiff::civil::DateTime::new(
        i16::try_from(naive.year()).ok()?,
        i8::try_from(naive.month()).ok()?,
        i8::try_from(naive.day()).ok()?,
        i8::try_from(naive.hour()).ok()?,
        i8::try_from(naive.minute()).ok()?,
        i8::try_from(naive.second()).ok()?,
        0,
    )
    .ok()?;
    let offset = match tz.to_ambiguous_timestamp(dt).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset,
        // The same local time twice: the later instant is the one read
        // with the offset after the change.
        AmbiguousOffset::Fold { after, .. } => after,
        AmbiguousOffset::Gap { .. } => return None,
    };
    let utc = naive - Duration::seconds(i64::from(offset.seconds()));
    Some(Utc.from_utc_datetime(&utc))
}

impl Window {
    /// The window in words: `"Holiday freeze": 2026-12-20T00:00:00Z until
    /// 2027-01-04T08:00:00Z`, or weekly `from Fri 16:00 until Mon 08:00 (Europe/Berlin)`.
    pub fn describe(&self) -> String {
        match self {
            Window::Absolute { start, end, reason } => format!(
                "{reason:?}: {} until {}",
                start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            Window::Weekly {
                from,
                until,
                zone,
                reason,
            } => format!(
                "{reason:?}: every week from {} until {} ({})",
                from.describe(),
                until.describe(),
                match zone {
                    Zone::Named(name, _) => name.clone(),
                    Zone::Fixed(off) => off.to_string(),
                }
            ),
        }
    }

    /// The reason given in the policy.
    pub fn reason(&self) -> &str {
        match self {
            Window::Absolute { reason, .. } | Window::Weekly { reason, .. } => reason,
        }
    }

    /// When the window ends, as messages say it: UTC, and for a weekly
    /// window its own zone's clock beside it
    /// (`2026-12-28T07:00:00Z, Mon 08:00 Europe/Berlin`).
    pub fn end_text(&self, end: DateTime<Utc>) -> String {
        let utc = end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        match self {
            Window::Absolute { .. } => utc,
            Window::Weekly { zone, .. } => {
                let (_, naive) = local(end, zone);
                let name = match zone {
                    Zone::Named(name, _) => name.clone(),
                    Zone::Fixed(off) => format!("UTC{off}"),
                };
                format!("{utc}, {} {name}", naive.format("%a %H:%M"))
            }
        }
    }

    /// If `now` is inside the window, when the window ends.
    pub fn active_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Window::Absolute { start, end, .. } => (*start <= now && now < *end).then_some(*end),
            Window::Weekly {
                from, until, zone, ..
            } => {
                let (m, naive) = local(now, zone);
                let (f, u) = (from.minute_of_week(), until.minute_of_week());
                let inside = if f <= u {
                    f <= m && m < u
                } else {
                    m >= f || m < u
                };
                if !inside {
                    return None;
                }
                let mut days = (i64::from(until.day.num_days_from_monday())
                    - i64::from(naive.weekday().num_days_from_monday()))
                .rem_euclid(7);
                if days == 0 && until.time <= naive.time() {
                    days = 7;
                }
                let end_local = (naive.date() + Duration::days(days)).and_time(until.time);
                Some(to_utc(end_local, zone))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    fn weekend(zone: &str) -> Window {
        Window::Weekly {
            from: WeekTime::parse("Fri 16:00").expect("from"),
            until: WeekTime::parse("Mon 08:00").expect("until"),
            zone: parse_zone(zone).expect("zone"),
            reason: "weekend".into(),
        }
    }

    #[test]
    fn weekly_window_wraps_over_the_weekend_and_midnight() {
        let w = weekend("UTC");
        // 2026-11-27 is a Friday.
        assert_eq!(w.active_until(at("2026-11-27T15:59:00Z")), None);
        assert_eq!(
            w.active_until(at("2026-11-27T16:00:00Z")),
            Some(at("2026-11-30T08:00:00Z"))
        );
        assert_eq!(
            w.active_until(at("2026-11-28T23:59:00Z")),
            Some(at("2026-11-30T08:00:00Z"))
        );
        assert_eq!(
            w.active_until(at("2026-11-29T00:01:00Z")),
            Some(at("2026-11-30T08:00:00Z"))
        );
        assert_eq!(
            w.active_until(at("2026-11-30T07:59:00Z")),
            Some(at("2026-11-30T08:00:00Z"))
        );
        assert_eq!(w.active_until(at("2026-11-30T08:00:00Z")), None);
        // Overnight window inside one week: Tue 22:00 to Wed 06:00.
        let night = Window::Weekly {
            from: WeekTime::parse("tue 22:00").expect("from"),
            until: WeekTime::parse("Wednesday 06:00").expect("until"),
            zone: parse_zone("+00:00").expect("zone"),
            reason: "nightly".into(),
        };
        assert!(night.active_until(at("2026-12-01T23:30:00Z")).is_some());
        assert!(night.active_until(at("2026-12-02T05:30:00Z")).is_some());
        assert!(night.active_until(at("2026-12-02T06:30:00Z")).is_none());
    }

    #[test]
    fn weekly_window_follows_dst() {
        let w = weekend("Europe/Berlin");
        // Winter (CET, +01:00): Friday 16:00 local is 15:00 UTC.
        assert_eq!(w.active_until(at("2026-11-27T14:59:00Z")), None);
        assert!(w.active_until(at("2026-11-27T15:00:00Z")).is_some());
        // Summer (CEST, +02:00): Friday 16:00 local is 14:00 UTC.
        assert!(w.active_until(at("2026-07-03T14:00:00Z")).is_some());
        assert_eq!(w.active_until(at("2026-07-03T13:59:00Z")), None);
        // The window spanning the change to summer time (Sun 2026-03-29 02:00 -> 03:00):
        // it starts Fri 15:00 UTC (CET) and ends Mon 08:00 CEST = 06:00 UTC.
        assert_eq!(
            w.active_until(at("2026-03-27T15:00:00Z")),
            Some(at("2026-03-30T06:00:00Z"))
        );
        assert_eq!(w.active_until(at("2026-03-30T06:00:00Z")), None);
        assert!(w.active_until(at("2026-03-30T05:59:00Z")).is_some());
        // And back to winter time (Sun 2026-10-25): ends Mon 08:00 CET = 07:00 UTC.
        assert_eq!(
            w.active_until(at("2026-10-24T12:00:00Z")),
            Some(at("2026-10-26T07:00:00Z"))
        );
    }

    #[test]
    fn absolute_window() {
        let w = Window::Absolute {
            start: at("2026-12-20T00:00:00Z"),
            end: at("2027-01-04T08:00:00+01:00"),
            reason: "holidays".into(),
        };
        assert_eq!(w.active_until(at("2026-12-19T23:59:59Z")), None);
        assert_eq!(
            w.active_until(at("2026-12-24T12:00:00Z")),
            Some(at("2027-01-04T07:00:00Z"))
        );
        assert_eq!(w.active_until(at("2027-01-04T07:00:00Z")), None);
    }

    /// Local time and its instant in a named zone, against chrono-tz (what
    /// the zones were read with before): every 15 minutes over both DST
    /// changes of 2026, in zones north and south, with half-hour offsets, a
    /// half-hour DST (Lord Howe) and a negative one (Dublin); local times
    /// in the gaps and folds included.
    #[test]
    fn named_zones_read_as_chrono_tz_reads_them() {
        let zones = [
            "Europe/Berlin",
            "Europe/London",
            "Europe/Dublin",
            "America/New_York",
            "America/Los_Angeles",
            "America/St_Johns",
            "Australia/Sydney",
            "Australia/Adelaide",
            "Australia/Lord_Howe",
            "Asia/Kolkata",
            "Asia/Tokyo",
            "Pacific/Auckland",
        ];
        let mut checked = 0;
        for name in zones {
            let zone = parse_zone(name).expect("zone");
            let theirs: chrono_tz::Tz = name.parse().expect("chrono-tz zone");
            for (from, days) in [("2026-03-01T00:00:00Z", 50), ("2026-09-20T00:00:00Z", 55)] {
                let start = at(from);
                for q in 0..days * 96 {
                    let t = start + Duration::minutes(15 * q);
                    let (_, ours) = local(t, &zone);
                    assert_eq!(ours, t.with_timezone(&theirs).naive_local(), "{name} {t}");
                    // The same clock reading taken as local time.
                    let naive = t.naive_utc();
                    assert_eq!(
                        to_utc(naive, &zone),
                        resolve(naive, |n| latest(&theirs, n)),
                        "{name} {naive}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 100_000, "{checked}");
        // Names as the database spells them, links included.
        assert!(parse_zone("europe/berlin").is_err());
        let w = weekend("US/Pacific");
        assert!(w.describe().ends_with("(US/Pacific)"), "{}", w.describe());
        assert!(parse_zone("Etc/GMT+5").is_ok());
    }

    #[test]
    fn bad_inputs() {
        assert!(WeekTime::parse("Fri").is_err());
        assert!(WeekTime::parse("Fry 16:00").is_err());
        assert!(WeekTime::parse("Fri 25:00").is_err());
        assert!(parse_zone("Mars/Olympus").is_err());
        assert!(parse_zone("+2").is_err());
    }
}
