//! The message in the status line, and how long it stays.

use jiff::Timestamp;

/// The message in the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
    pub at: Timestamp,
}

/// How long an informational message stays in the status line.
pub const FLASH_INFO_SECS: i64 = 8;
/// How long an error stays (or until the next key).
pub const FLASH_ERROR_SECS: i64 = 60;
