//! Sign-off rules, `ai = "forbid"` and AI sign-offs, by real pushes: who
//! wrote a commit, what it changes and who reviewed it decide; each refused
//! push asserts the rule named and that no ref moved. The two policies are
//! the README's, read from it, so the README shows what is tested.

use crate::util::*;

/// The `n`-th TOML block of the README's "Senior sign-off" section.
pub fn readme_policy(n: usize) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let start = readme.find("## Senior sign-off").expect("section");
    let section = &readme[start..];
    let end = section[3..].find("\n## ").map_or(section.len(), |e| e + 3);
    section[..end]
        .split("```toml\n")
        .nth(n + 1)
        .and_then(|b| b.split("```").next())
        .expect("a toml block")
        .to_string()
}

const JUNIOR: (&str, &str) = ("Jo Junior", "jo@example.com");
const SENIOR: (&str, &str) = ("Ann Senior", "ann@example.com");
const BY_ANN: &str = "Reviewed-by: Ann Senior <ann@example.com>";
const BY_SAM: &str = "Reviewed-by: Sam Ops <sam@sre.example.com>";
const BY_BO: &str = "Reviewed-by: Bo Peer <bo@example.com>";

/// Write `files` and commit them with `message`, as `author`.
fn commit_files(s: &Setup, files: &[(&str, &str)], message: &str, author: (&str, &str)) -> String {
    for (path, text) in files {
        s.client.write_file(path, text);
    }
    s.client.commit_as(message, Some(author))
}

#[test]
fn a_juniors_ai_commit_needs_a_seniors_signoff_and_a_seniors_any_human() {
    for t in [Transport::Path, Transport::Daemon] {
        let s = Setup::with_policy(t, &readme_policy(0));
        // Reviewed, but not by a senior.
        commit_files(
            &s,
            &[("src/parser.rs", "fn parse() {}\n")],
            &ai_message("Add parser", &[BY_BO]),
            JUNIOR,
        );
        let p = refused(&s, &["main"], "signoff-missing");
        p.says("[[signoff]] \"seniors sign off AI changes by junior staff\" applies (its author jo@example.com is in @juniors, it is AI-assisted");
        p.says("it needs 1 sign-off(s) from @seniors, and has 0 (\"Bo Peer <bo@example.com>\" is not in the reviewer list)");
        p.never_says("error[ai-unreviewed]");
        // A senior signs off: accepted.
        s.client.amend_trailer(BY_ANN);
        accepted(&s.client.push(&["main"]));
        // A senior's own AI commit: any second human will do.
        commit_files(
            &s,
            &[("src/lexer.rs", "fn lex() {}\n")],
            &ai_message("Add lexer", &[BY_BO]),
            SENIOR,
        );
        accepted(&s.client.push(&["main"]));
        // A junior's human commit: no rule applies.
        commit_files(
            &s,
            &[("src/lexer.rs", "fn lex() { }\n")],
            "Reformat the lexer\n",
            JUNIOR,
        );
        accepted(&s.client.push(&["main"]));
        // Unreviewed: both the branch's review and the sign-off are missing.
        commit_files(
            &s,
            &[("src/x.rs", "x\n")],
            &ai_message("Add x", &[]),
            JUNIOR,
        );
        let p = refused(&s, &["main"], "signoff-missing");
        p.says("error[ai-unreviewed]");
    }
}

#[test]
fn infrastructure_needs_two_seniors_ai_or_not_and_a_rename_out_counts() {
    let s = Setup::with_policy(Transport::Path, &readme_policy(1));
    // A human commit under infra/, one senior where two are needed.
    commit_files(
        &s,
        &[("infra/net/vpc.tf", "cidr = 10.0.0.0/16\n")],
        &format!("Tune the VPC\n\n{BY_ANN}\n"),
        JUNIOR,
    );
    let p = refused(&s, &["main"], "signoff-missing");
    p.says("[[signoff]] \"production infrastructure\" applies (it changes infra/net/vpc.tf): it needs 2 sign-off(s) from @seniors, and has 1");
    // The same senior twice is one sign-off.
    s.client
        .amend_trailer("Reviewed-by: A. Senior <ANN@example.com>");
    refused(&s, &["main"], "signoff-missing");
    s.client.amend_trailer(BY_SAM);
    accepted(&s.client.push(&["main"]));
    // A rename out of infra/ changes infra/.
    s.client
        .git_ok(&["mv", "infra/net/vpc.tf", "vpc-notes.txt"]);
    s.client
        .commit_as("Move the VPC notes to the docs\n", Some(JUNIOR));
    let p = refused(&s, &["main"], "signoff-missing");
    p.says("(it changes infra/net/vpc.tf)");
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    // A nested Terraform file anywhere matches **/*.tf; other paths do not.
    commit_files(
        &s,
        &[("modules/net/deep/main.tf", "x\n")],
        "Add a module\n",
        SENIOR,
    );
    refused(&s, &["main"], "signoff-missing").says("it changes modules/net/deep/main.tf");
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    commit_files(
        &s,
        &[("docs/infra.md", "x\n"), ("src/Infra/main.TF", "x\n")],
        "Document\n",
        JUNIOR,
    );
    accepted(&s.client.push(&["main"]));
}

#[test]
fn a_merge_covers_a_rule_only_through_reviewers_on_its_list() {
    let s = Setup::with_policy(Transport::Path, &readme_policy(1));
    s.client.git_ok(&["checkout", "-q", "-b", "topic"]);
    commit_files(
        &s,
        &[("infra/dns.tf", "x\n")],
        &ai_message("Add DNS", &[]),
        JUNIOR,
    );
    let topic = s.client.head();
    s.client.git_ok(&["checkout", "-q", "main"]);
    let merge = |trailers: &str| {
        s.client.git_ok(&["reset", "-q", "--hard", "origin/main"]);
        let mut c = s.client.git();
        c.args(["merge", "-q", "--no-ff", "-m"])
            .arg(format!("Merge topic\n\n{trailers}\n"))
            .arg(&topic);
        ok(c);
    };
    s.client.git_ok(&["fetch", "-q", "origin"]);
    // Reviewed by two people who are not seniors: the merge covers the AI
    // commit for the branch's review, not for the rule.
    merge(&format!("{BY_BO}\nReviewed-by: Cy Peer <cy@example.com>"));
    let p = refused(&s, &["main"], "signoff-missing");
    p.says("commit");
    p.says("are not in [[signoff]] \"production infrastructure\" reviewers");
    p.never_says("error[ai-unreviewed]");
    // Two seniors on the merge: it covers the commit, and signs itself off.
    merge(&format!("{BY_ANN}\n{BY_SAM}"));
    let p = s.client.push(&["main"]);
    accepted(&p);
}

#[test]
fn overlapping_rules_each_need_their_own_quorum() {
    // "AI: two reviews, human: one", as two rules over the same paths.
    let policy = "[[protect]]\nrefs = [\"@default\"]\nreview = \"none\"\n\n[[signoff]]\nname = \"api changes\"\nfiles = [\"api/**\"]\ncommits = \"all\"\n\n[[signoff]]\nname = \"AI changes to the api\"\nfiles = [\"api/**\"]\ncommits = \"ai\"\nmin-reviewers = 2\n";
    let s = Setup::with_policy(Transport::Path, policy);
    commit_files(
        &s,
        &[("api/v1.rs", "x\n")],
        &format!("Add v1\n\n{BY_ANN}\n"),
        JUNIOR,
    );
    accepted(&s.client.push(&["main"]));
    commit_files(
        &s,
        &[("api/v2.rs", "x\n")],
        &ai_message("Add v2", &[BY_ANN]),
        JUNIOR,
    );
    let p = refused(&s, &["main"], "signoff-missing");
    p.says("\"AI changes to the api\" applies");
    p.never_says("\"api changes\" applies");
    s.client.amend_trailer(BY_SAM);
    accepted(&s.client.push(&["main"]));
    commit_files(&s, &[("api/v3.rs", "x\n")], "Add v3\n", JUNIOR);
    let p = refused(&s, &["main"], "signoff-missing");
    p.says("\"api changes\" applies");
}

#[test]
fn the_default_policy_guards_the_files_that_steer_agents() {
    for t in [Transport::Path, Transport::Daemon] {
        let s = Setup::with_main(t, Hooks::PreReceive);
        // A human change to CLAUDE.md, unreviewed.
        commit_files(
            &s,
            &[("CLAUDE.md", "Always push to main.\n")],
            "Update the agent notes\n",
            JUNIOR,
        );
        let p = refused(&s, &["main"], "signoff-missing");
        p.says("[[signoff]] \"changes to the files that steer coding agents\" applies (it changes CLAUDE.md (@agent-config)): it needs 1 sign-off(s) from any valid human reviewer, and has 0");
        s.client.amend_trailer(BY_ANN);
        accepted(&s.client.push(&["main"]));
        // Nested, and in a tool's folder.
        commit_files(
            &s,
            &[
                ("svc/api/AGENTS.md", "x\n"),
                (".cursor/rules/style.mdc", "x\n"),
            ],
            "Agent rules\n",
            JUNIOR,
        );
        refused(&s, &["main"], "signoff-missing").says("svc/api/AGENTS.md (@agent-config)");
        s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
        // Anything else: no review needed for a human commit.
        commit_files(&s, &[("docs/claude.md.txt", "x\n")], "Docs\n", JUNIOR);
        accepted(&s.client.push(&["main"]));
    }
}

#[test]
fn a_forbidden_branch_refuses_reviewed_ai_commits() {
    let s = Setup::with_policy(Transport::Path, &readme_policy(1));
    s.client.git_ok(&["checkout", "-q", "-b", "legacy"]);
    assert!(s.client.push(&["legacy"]).success);
    commit_files(
        &s,
        &[("src/a.rs", "x\n")],
        &ai_message("Add a", &[BY_ANN, BY_SAM]),
        SENIOR,
    );
    let p = refused(&s, &["legacy"], "ai-forbidden");
    p.says("this ref does not accept AI-generated contributions, reviewed or not");
    p.says("Claude Code");
    // The same commit is welcome on main; a human one on legacy.
    accepted(&s.client.push(&["HEAD:main"]));
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    commit_files(&s, &[("src/a.rs", "y\n")], "Fix a by hand\n", SENIOR);
    accepted(&s.client.push(&["legacy"]));
}

#[test]
fn an_ai_signoff_is_refused_even_with_a_valid_review() {
    let s = Setup::with_main(Transport::Path, Hooks::PreReceive);
    let message = ai_message(
        "Add parser",
        &["Signed-off-by: Claude <noreply@anthropic.com>", BY_ANN],
    );
    s.client.commit_as(&message, Some(JUNIOR));
    let p = refused(&s, &["main"], "ai-signoff");
    p.says("\"Signed-off-by: Claude <noreply@anthropic.com>\" names an AI identity (Claude Code): only a human can certify the Developer Certificate of Origin");
    // A model's name with any address, too; a person named Claude is fine.
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    s.client.commit_as(
        &format!("Fix\n\nSigned-off-by: Claude Opus 4.6 <claude@example.org>\n{BY_ANN}\n"),
        Some(JUNIOR),
    );
    refused(&s, &["main"], "ai-signoff");
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    s.client.commit_as(
        "Fix\n\nSigned-off-by: Claude Monet <claude@example.org>\n",
        Some(JUNIOR),
    );
    accepted(&s.client.push(&["main"]));
    // Softened to a warning by the policy.
    let s = Setup::with_policy(
        Transport::Path,
        "[modes]\nai-signoff = \"warn\"\n[[protect]]\nrefs = [\"@default\"]\n",
    );
    s.client.commit_as(&message, Some(JUNIOR));
    let p = s.client.push(&["main"]);
    assert!(p.success, "{}", p.stderr);
    p.says("warning[ai-signoff]");
}

/// `n` commits on top of the client's `main`, written by fast-import onto
/// `branch`: each edits a file under `src/`; commit `infra_at` (counted
/// from 1) changes `infra/net/vpc.tf`, reviewed by `reviews`.
fn long_history(s: &Setup, branch: &str, n: usize, infra_at: usize, reviews: &[&str]) {
    let base = s.client.head();
    let mut stream = String::new();
    for i in 1..=n {
        let mut msg = format!("Change {i}\n");
        let mut file = (format!("src/f{}.rs", i % 40), format!("// {i}\n"));
        if i == infra_at {
            msg = format!("Tune the VPC\n\n{}\n", reviews.join("\n"));
            file = ("infra/net/vpc.tf".into(), format!("cidr = 10.{i}.0.0/16\n"));
        }
        let from = if i == 1 {
            format!("from {base}\n")
        } else {
            String::new()
        };
        stream.push_str(&format!(
            "commit refs/heads/{branch}\ncommitter Jo Junior <jo@example.com> {} +0000\ndata {}\n{msg}{from}M 100644 inline {}\ndata {}\n{}\n",
            1_700_000_000 + i * 60,
            msg.len(),
            file.0,
            file.1.len(),
            file.1
        ));
    }
    let mut c = s.client.git();
    c.args(["fast-import", "--quiet", "--force"]);
    feed_ok(c, stream.as_bytes());
}

/// A push of 150 commits (a pack in the quarantine, its trees deltas of
/// each other, read straight from it once the walk maps it): the commit
/// in the middle that changes infra/ is found and judged, on two threads
/// and on one alike, and with its sign-offs the push is accepted.
#[test]
fn a_long_pushs_diffs_find_the_commit_that_changes_infra() {
    let s = Setup::with_policy(Transport::Path, &readme_policy(1));
    long_history(&s, "main", 150, 70, &[BY_ANN]);
    let p = refused(&s, &["main"], "signoff-missing");
    p.says("[[signoff]] \"production infrastructure\" applies (it changes infra/net/vpc.tf): it needs 2 sign-off(s) from @seniors, and has 1");
    p.says("150 commit(s) checked, 1 violation(s)");
    let one = refused_by(
        &s,
        &s.client.with_env(&[("REVIEWGATE_THREADS", "1")]),
        &["main"],
        "signoff-missing",
    );
    assert_eq!(remote_lines(&one.stderr), remote_lines(&p.stderr));
    s.client.git_ok(&["reset", "-q", "--hard", "HEAD~150"]);
    long_history(&s, "main", 150, 70, &[BY_ANN, BY_SAM]);
    accepted(&s.client.push(&["main"]));
}
