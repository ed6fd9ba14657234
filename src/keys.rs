//! The server settings reviewgate reads from a repository's git config
//! (never from pushed content), by key: what `repo` reads and what messages
//! tell an administrator to set. Plain names, so words need no repository.

/// A policy file pinned on the server.
pub const POLICY: &str = "reviewgate.policy";
/// The branch the policy is read from.
pub const POLICY_BRANCH: &str = "reviewgate.policyBranch";
/// The audit log's path.
pub const AUDIT_LOG: &str = "reviewgate.auditLog";
/// Wait for the disk on each audit record.
pub const AUDIT_SYNC: &str = "reviewgate.auditSync";
/// The clock for freeze windows.
pub const NOW: &str = "reviewgate.now";
/// Commits whose history is exempt from review rules (multi-valued).
pub const BASELINE: &str = "reviewgate.baseline";
/// The allowed_signers file signed approvals and signed commits are
/// verified against.
pub const ALLOWED_SIGNERS: &str = "reviewgate.allowedSigners";
