//! Real servers. Apache httpd serving `git http-backend` behind
//! basic auth (`REMOTE_USER`), and gitolite behind sshd (`GL_USER`), each on
//! a free loopback port, with files in a temporary directory and processes
//! ended by their ids. reviewgate goes in with `install.sh`, as an
//! administrator installs it; the users push with the real git client.
//!
//! Locally, without the packages or root, these tests say loudly that they
//! were skipped; in CI (`CI=true`) that is a failure (`.ci/run` installs
//! apache2, gitolite3 and openssh).

use std::collections::BTreeMap;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::*;

/// A server process, ended by its id when dropped.
struct Process {
    child: Child,
}

impl Drop for Process {
    fn drop(&mut self) {
        end_group(&mut self.child);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Start `c` and wait until it accepts connections on `port`.
fn serve(mut c: Command, port: u16, what: &'static str, log: &Path) -> Process {
    use std::os::unix::process::CommandExt;
    // A process group of its own: Apache's shutdown signals its whole group.
    c.process_group(0);
    c.stdout(Stdio::null()).stderr(Stdio::null());
    let child = c.spawn().unwrap_or_else(|e| panic!("starting {what}: {e}"));
    let p = Process { child };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not start on port {port}: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    p
}

fn have(path: &str) -> bool {
    Path::new(path).exists()
}

/// A temporary directory other users can traverse (the server runs as its
/// own user).
fn open_tempdir() -> tempfile::TempDir {
    let t = tempfile::tempdir().expect("tmp");
    let mut c = Command::new("chmod");
    c.arg("755").arg(t.path());
    ok(c);
    t
}

fn chown(owner: &str, path: &Path) {
    let mut c = Command::new("chown");
    c.arg("-R").arg(owner).arg(path);
    ok(c);
}

/// Install reviewgate into `repo` with install.sh, as root would.
fn install_into(root: &Path, repo: &Path, layout: &str) -> String {
    let bin = Path::new(PRE_RECEIVE).parent().expect("bin");
    let mut c = Command::new("bash");
    hermetic(&mut c, root);
    c.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("install.sh"))
        .arg("--from")
        .arg(bin)
        .arg("--bin-dir")
        .arg(root.join("bin"))
        .args(["--layout", layout])
        .arg(repo);
    let (code, text) = code_and_text(&run(c));
    assert_eq!(code, 0, "install.sh: {text}");
    text
}

/// How one user reaches the server: a URL, and the environment the client
/// needs for it (an ssh key).
type Access = (String, Vec<(String, String)>);

/// The server's remote, per authenticated user.
struct Remote {
    users: BTreeMap<&'static str, Access>,
}

impl Remote {
    /// `git push <url> args` by `user` from `client`'s work tree.
    fn push(&self, client: &Client, user: &str, args: &[&str]) -> Push {
        let (url, env) = self.users.get(user).expect("a user");
        let mut c = client.git();
        for (k, v) in env {
            c.env(k, v);
        }
        c.args(["-c", "protocol.version=2", "push", url]).args(args);
        let out = run(c);
        Push {
            success: out.status.success(),
            stderr: clean(&String::from_utf8_lossy(&out.stderr)),
        }
    }
}

/// The policy the scenarios start from, pinned on the server (an
/// administrator's file).
fn policy(require_pusher: bool) -> String {
    format!(
        "[review]\nrequire-pusher = {require_pusher}\n\n[identities]\nann = [\"ann@example.com\"]\nbo = [\"bo@example.com\"]\n\n[bypass]\npushers = [\"ann\"]\n\n[[protect]]\nrefs = [\"@default\", \"refs/heads/main\"]\nreview = \"ai\"\n\n[[protect]]\nrefs = [\"refs/heads/release/*\"]\npushers = [\"ann\"]\nreview = \"ai\"\n"
    )
}

fn expect_rejected(p: &Push, code: &str) {
    assert!(!p.success, "should be rejected ({code}):\n{}", p.stderr);
    assert!(
        p.stderr.contains(&format!("error[{code}]")),
        "expected {code}:\n{}",
        p.stderr
    );
}

fn expect_accepted(p: &Push) {
    assert!(p.success, "should be accepted:\n{}", p.stderr);
    p.never_says("error[");
}

/// The last audit record of `repo`.
fn last_record(repo: &Path) -> serde_json::Value {
    let log = std::fs::read_to_string(repo.join("reviewgate/audit.jsonl")).expect("audit log");
    serde_json::from_str(log.lines().last().expect("a record")).expect("json")
}

/// Every scenario, over one server: what each authenticated user may do.
fn scenarios(remote: &Remote, client: &Client, repo: &Path, policy_file: &Path, source: &str) {
    std::fs::write(policy_file, policy(false)).expect("policy");
    client.commit("Initial commit\n");
    expect_accepted(&remote.push(client, "ann", &["main"]));
    // An unreviewed AI commit is rejected; reviewed, accepted.
    client.commit(&ai_message("Add parser", &[]));
    expect_rejected(&remote.push(client, "bo", &["main"]), "ai-unreviewed");
    client.amend_trailer("Reviewed-by: Carol Reviewer <carol@example.com>");
    expect_accepted(&remote.push(client, "bo", &["main"]));
    let rec = last_record(repo);
    assert_eq!(rec["pusher"]["login"], "bo", "{rec}");
    assert_eq!(rec["pusher"]["source"], source, "{rec}");
    // [[protect]] pushers: only ann may update release branches.
    expect_rejected(
        &remote.push(client, "bo", &["main:refs/heads/release/1"]),
        "pusher-not-allowed",
    );
    expect_accepted(&remote.push(client, "ann", &["main:refs/heads/release/1"]));
    // Break-glass: honoured for ann, who is listed; refused for bo.
    client.commit(&ai_message("Hotfix", &[]));
    let glass = ["-o", "reviewgate.bypass=outage 42", "main"];
    expect_rejected(&remote.push(client, "bo", &glass), "bypass-denied");
    let p = remote.push(client, "ann", &glass);
    assert!(
        p.success && p.stderr.contains("*** BREAK-GLASS ***"),
        "{}",
        p.stderr
    );
    let rec = last_record(repo);
    assert_eq!(rec["decision"], "accepted-by-bypass", "{rec}");
    assert_eq!(rec["pusher"]["login"], "ann", "{rec}");
    assert!(
        rec["bypass"]["pusher"]
            .as_str()
            .is_some_and(|p| p.starts_with("ann")),
        "{rec}"
    );
    // require-pusher: the named reviewer must be the one who pushes.
    std::fs::write(policy_file, policy(true)).expect("policy");
    client.commit(&ai_message(
        "Add printer",
        &["Reviewed-by: Ann Lee <ann@example.com>"],
    ));
    expect_rejected(&remote.push(client, "bo", &["main"]), "pusher-not-reviewer");
    expect_accepted(&remote.push(client, "ann", &["main"]));
    let rec = last_record(repo);
    assert_eq!(rec["decision"], "accepted", "{rec}");
    assert_eq!(rec["pusher"]["login"], "ann", "{rec}");
}

#[test]
fn apache_http_backend_with_basic_auth_passes_remote_user() {
    let apache = "/usr/sbin/apache2";
    let modules = Path::new("/usr/lib/apache2/modules");
    if !have(apache) || !have("/usr/bin/htpasswd") || !modules.exists() {
        skip_or_fail("apache", "apache2 is not installed (.ci/run installs it)");
        return;
    }
    let root = open_tempdir();
    let dir = root.path();
    let repos = dir.join("repos");
    let repo = repos.join("proj.git");
    let mut c = git_cmd(dir);
    c.args(["init", "-q", "--bare", "-b", "main"]).arg(&repo);
    ok(c);
    let policy_file = dir.join("policy.toml");
    std::fs::write(&policy_file, policy(false)).expect("policy");
    for (k, v) in [
        ("http.receivepack", "true"),
        ("reviewgate.policy", policy_file.to_str().expect("utf8")),
    ] {
        let mut c = git_cmd(&repo);
        c.args(["config", k, v]);
        ok(c);
    }
    // Apache runs git as www-data when started as root.
    let root_run = is_root();
    if root_run {
        chown("www-data:www-data", &repos);
    }
    install_into(dir, &repo, "plain");
    let htpasswd = dir.join("htpasswd");
    for (i, (user, pw)) in [("ann", "ann-secret"), ("bo", "bo-secret")]
        .iter()
        .enumerate()
    {
        let mut c = Command::new("htpasswd");
        c.arg(if i == 0 { "-bc" } else { "-b" })
            .arg(&htpasswd)
            .args([user, pw]);
        ok(c);
    }
    let port = free_port();
    let conf = dir.join("httpd.conf");
    let backend = PathBuf::from(ok({
        let mut c = Command::new("git");
        c.arg("--exec-path");
        c
    }))
    .join("git-http-backend");
    std::fs::write(
        &conf,
        apache_conf(dir, port, &repos, &htpasswd, &backend, root_run),
    )
    .expect("conf");
    let mut c = Command::new(apache);
    c.arg("-f").arg(&conf).arg("-DFOREGROUND");
    let _server = serve(c, port, "apache2", &dir.join("error.log"));
    let url = |user: &str, pw: &str| format!("http://{user}:{pw}@127.0.0.1:{port}/git/proj.git");
    let remote = Remote {
        users: [
            ("ann", (url("ann", "ann-secret"), Vec::new())),
            ("bo", (url("bo", "bo-secret"), Vec::new())),
        ]
        .into_iter()
        .collect(),
    };
    // Without credentials, the web server refuses before git runs.
    let client = Client::new(
        dir,
        "work",
        &format!("http://127.0.0.1:{port}/git/proj.git"),
    );
    client.commit("Anonymous\n");
    let p = client.push(&["main"]);
    assert!(
        !p.success && !p.stderr.contains("reviewgate"),
        "{}",
        p.stderr
    );
    client.git_ok(&["reset", "-q", "--hard", "HEAD"]);
    let client = Client::new(dir, "work2", &url("ann", "ann-secret"));
    scenarios(&remote, &client, &repo, &policy_file, "remote-user");
}

/// The Apache configuration docs/operations.md gives as a recipe, with this
/// test's paths and port (a docs test holds the page to it).
pub fn apache_conf(
    dir: &Path,
    port: u16,
    repos: &Path,
    htpasswd: &Path,
    backend: &Path,
    as_root: bool,
) -> String {
    let m = "/usr/lib/apache2/modules";
    let user = if as_root {
        "User www-data\nGroup www-data\n"
    } else {
        ""
    };
    format!(
        r#"ServerRoot "{dir}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {dir}/httpd.pid
ErrorLog {dir}/error.log
LogLevel warn
LoadModule mpm_prefork_module {m}/mod_mpm_prefork.so
LoadModule authz_core_module {m}/mod_authz_core.so
LoadModule authz_user_module {m}/mod_authz_user.so
LoadModule authn_core_module {m}/mod_authn_core.so
LoadModule authn_file_module {m}/mod_authn_file.so
LoadModule auth_basic_module {m}/mod_auth_basic.so
LoadModule alias_module {m}/mod_alias.so
LoadModule cgi_module {m}/mod_cgi.so
LoadModule env_module {m}/mod_env.so
LoadModule setenvif_module {m}/mod_setenvif.so
{user}SetEnv GIT_PROJECT_ROOT {repos}
SetEnv GIT_HTTP_EXPORT_ALL
SetEnvIf Git-Protocol ".*" GIT_PROTOCOL=$0
ScriptAlias /git/ {backend}/
<Location /git/>
    AuthType Basic
    AuthName "git"
    AuthUserFile {htpasswd}
    Require valid-user
</Location>
"#,
        dir = dir.display(),
        repos = repos.display(),
        backend = backend.display(),
        htpasswd = htpasswd.display(),
    )
}

/// The gitolite hosting user the test creates (once) and points at this
/// run's home.
const GL_USER: &str = "rgtestgl";

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one story against a real server, set up once"
)]
fn gitolite_over_sshd_passes_gl_user_and_keeps_gitolites_update_hook() {
    let shell = Path::new("/usr/share/gitolite3/gitolite-shell");
    if !have("/usr/sbin/sshd") || !have("/usr/bin/gitolite") || !shell.exists() {
        skip_or_fail(
            "gitolite",
            "gitolite3 or openssh-server is not installed (.ci/run installs them)",
        );
        return;
    }
    if !is_root() {
        skip_or_fail(
            "gitolite",
            "needs root: sshd switches to the gitolite user, who owns the repositories",
        );
        return;
    }
    let root = open_tempdir();
    let dir = root.path();
    let home = dir.join("gitolite");
    std::fs::create_dir_all(&home).expect("home");
    if !Command::new("id")
        .arg(GL_USER)
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let mut c = Command::new("useradd");
        c.args([
            "--system",
            "--shell",
            "/bin/sh",
            "--no-create-home",
            GL_USER,
        ]);
        ok(c);
    }
    // Its home is this run's; "*" (no password, not locked): sshd without
    // PAM refuses a locked account even for key logins.
    let mut c = Command::new("usermod");
    c.args(["--password", "*", "--home"])
        .arg(&home)
        .arg(GL_USER);
    ok(c);
    chown(&format!("{GL_USER}:"), &home);
    // Keys: the administrator's and two users'.
    let keys = dir.join("keys");
    std::fs::create_dir_all(&keys).expect("keys");
    for who in ["admin", "ann", "bo"] {
        let mut c = Command::new("ssh-keygen");
        c.args(["-q", "-t", "ed25519", "-N", "", "-C", who, "-f"])
            .arg(keys.join(who));
        ok(c);
    }
    std::fs::copy(keys.join("admin.pub"), home.join("admin.pub")).expect("copy");
    let as_git = |args: &[&str]| {
        let mut c = Command::new("runuser");
        c.args(["-u", GL_USER, "--", "env"])
            .arg(format!("HOME={}", home.display()))
            .args(args)
            .current_dir(&home);
        ok(c)
    };
    as_git(&["gitolite", "setup", "-pk", "admin.pub"]);
    // sshd on a free loopback port, for the gitolite user only.
    let port = free_port();
    let host_key = dir.join("ssh_host_ed25519_key");
    let mut c = Command::new("ssh-keygen");
    c.args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&host_key);
    ok(c);
    std::fs::create_dir_all("/run/sshd").expect("privsep dir");
    let conf = dir.join("sshd_config");
    std::fs::write(
        &conf,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}/sshd.pid\nAuthorizedKeysFile {}/.ssh/authorized_keys\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nAllowUsers {GL_USER}\n",
            host_key.display(),
            dir.display(),
            home.display()
        ),
    )
    .expect("sshd config");
    let mut c = Command::new("/usr/sbin/sshd");
    c.arg("-D").arg("-e").arg("-f").arg(&conf);
    let _sshd = serve(c, port, "sshd", &dir.join("sshd.log"));
    let ssh = |who: &str| {
        format!(
            "ssh -F /dev/null -p {port} -i {} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR",
            keys.join(who).display()
        )
    };
    let url = |repo: &str| format!("{GL_USER}@127.0.0.1:{repo}");
    // The administrator adds the users and a repository, the gitolite way.
    let mut admin = Client::new(dir, "admin-work", &url("gitolite-admin"));
    admin.env = vec![("GIT_SSH_COMMAND".into(), ssh("admin"))];
    admin.git_ok(&["fetch", "-q", "origin"]);
    admin.git_ok(&["checkout", "-q", "-B", "master", "origin/master"]);
    for who in ["ann", "bo"] {
        std::fs::copy(
            keys.join(format!("{who}.pub")),
            admin.dir.join(format!("keydir/{who}.pub")),
        )
        .expect("key");
    }
    let conf_path = admin.dir.join("conf/gitolite.conf");
    let mut text = std::fs::read_to_string(&conf_path).expect("conf");
    text.push_str(
        "\nrepo proj\n    -       locked  =   bo\n    RW+             =   admin ann bo\n",
    );
    std::fs::write(&conf_path, text).expect("conf");
    admin.git_ok(&["add", "-A"]);
    admin.git_ok(&["commit", "-q", "-m", "Add ann, bo and proj"]);
    let p = admin.push(&["master"]);
    assert!(p.success, "{}", p.stderr);
    // reviewgate, installed by root into the gitolite user's repository.
    let repo = home.join("repositories/proj.git");
    let out = install_into(dir, &repo, "gitolite");
    assert!(out.contains("layout gitolite"), "{out}");
    let mut c = Command::new("stat");
    c.args(["-c", "%U %a"]).arg(repo.join("config"));
    assert_eq!(
        ok(c),
        format!("{GL_USER} 600"),
        "the installer left the config to its owner"
    );
    // The administrator pins a policy, as the gitolite user.
    let policy_file = dir.join("policy.toml");
    as_git(&[
        "git",
        "-C",
        repo.to_str().expect("utf8"),
        "config",
        "reviewgate.policy",
        policy_file.to_str().expect("utf8"),
    ]);
    let remote = Remote {
        users: ["ann", "bo"]
            .into_iter()
            .map(|who| {
                (
                    who,
                    (url("proj"), vec![("GIT_SSH_COMMAND".to_string(), ssh(who))]),
                )
            })
            .collect(),
    };
    let client = Client::new(dir, "work", &url("proj"));
    scenarios(&remote, &client, &repo, &policy_file, "gitolite");
    // gitolite's own update hook still authorises: bo may not write `locked`.
    let p = remote.push(&client, "bo", &["main:refs/heads/locked"]);
    assert!(!p.success && p.stderr.contains("DENIED"), "{}", p.stderr);
    let p = remote.push(&client, "ann", &["main:refs/heads/locked"]);
    assert!(p.success, "{}", p.stderr);
}
