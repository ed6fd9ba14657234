//! Freeze windows: absolute and weekly (across a DST change), with
//! break-glass, and bad windows reported with their locations.

use crate::util::*;

const FROZEN: &str = "[[protect]]\nrefs = [\"@default\"]\n\n[[protect.freeze]]\nfrom = 2026-12-20T00:00:00Z\nuntil = 2027-01-04T08:00:00Z\nreason = \"Holiday freeze\"\n\n[[protect.freeze]]\nfrom = \"Fri 16:00\"\nuntil = \"Mon 08:00\"\ntimezone = \"Europe/Berlin\"\nreason = \"No deploys over the weekend\"\n\n[bypass]\npushers = [\"oncall\"]\n";

#[test]
fn freeze_windows_absolute_weekly_dst_and_break_glass() {
    let s = Setup::with_policy(Transport::Path, FROZEN);
    s.server.config("receive.advertisePushOptions", "true");
    let push_at = |now: &str| {
        s.server.config("reviewgate.now", now);
        s.client.commit(&format!("Change at {now}\n"));
        s.client.push(&["main"])
    };
    // Inside the holiday window.
    let p = push_at("2026-12-24T10:00:00Z");
    rejected(&p, "freeze-window");
    p.says("Holiday freeze (until 2027-01-04T08:00:00Z); the server's clock is pinned to 2026-12-24T10:00:00Z (git config reviewgate.now)");
    // Break-glass still works inside a window.
    let oncall = s.client.with_env(&[("GL_USERNAME", "oncall")]);
    accepted(&oncall.push(&["-o", "reviewgate.bypass=security fix", "main"]));
    // Outside every window (a Wednesday).
    accepted(&push_at("2026-12-02T10:00:00Z"));
    // Weekly, Saturday just after midnight (Berlin): frozen until Monday 08:00 CET.
    let p = push_at("2026-11-28T23:30:00Z");
    rejected(&p, "freeze-window");
    p.says("No deploys over the weekend (until 2026-11-30T07:00:00Z, Mon 08:00 Europe/Berlin)");
    // The weekend summer time starts (2026-03-29): Friday 15:30 UTC is 16:30 CET,
    // inside; the window ends Monday 08:00 CEST = 06:00 UTC.
    let p = push_at("2026-03-27T15:30:00Z");
    rejected(&p, "freeze-window");
    p.says("(until 2026-03-30T06:00:00Z, Mon 08:00 Europe/Berlin)");
    // Monday 06:30 UTC is 08:30 CEST: open again.
    accepted(&push_at("2026-03-30T06:30:00Z"));
    // A clock nobody can read is an error, never the real time.
    let p = push_at("next tuesday");
    rejected(&p, "internal-error");
    p.says("git config reviewgate.now is \"next tuesday\", which is not an RFC 3339 time");
}

#[test]
fn bad_freeze_windows_are_reported_with_locations() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("p.toml"),
        "[[protect]]\nrefs = [\"@default\"]\n[[protect.freeze]]\nfrom = \"Fry 16:00\"\nuntil = \"Mon 08:00\"\ntimezone = \"Mars/Olympus\"\nreason = \"x\"\n[[protect.freeze]]\nfrom = 2027-01-04T00:00:00Z\nuntil = 2026-12-20T00:00:00Z\n",
    )
    .expect("write");
    let (code, out) = cli(dir.path(), &["policy", "check", "p.toml"]);
    assert_eq!(code, 78, "{out}");
    assert!(
        out.contains("p.toml:4:8: `protect[0].freeze[0].from`: \"Fry\" is not a day of the week"),
        "{out}"
    );
    assert!(
        out.contains("p.toml:6:12: `protect[0].freeze[0].timezone`: unknown time zone"),
        "{out}"
    );
    assert!(
        out.contains("p.toml:8:1: protect[0].freeze[1]: `reason` is required"),
        "{out}"
    );
}
