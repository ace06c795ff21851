//! Runs a program (argv, no shell) with the message's plain text on stdin and its fields in
//! `COMMANDPOST_*` environment variables. Exit 0 delivers; exit 75 (EX_TEMPFAIL) is retried;
//! any other exit fails with the last line of stderr. Killed at the timeout (retryable).

use std::process::Stdio;

use tokio::io::AsyncWriteExt;

use super::{BuildError, Common};
use crate::delivery::backend::{
    Deliver, Delivered, DeliveryContext, DeliveryError, DeliveryResult,
};
use crate::delivery::config::BackendConfig;
use crate::delivery::http::human_duration;
use crate::delivery::render::full_plain;
use crate::domain::outbound::OutboundMessage;

/// Exit status that asks for a retry (sysexits.h EX_TEMPFAIL).
pub const EXIT_TEMPFAIL: i32 = 75;

pub struct CommandBackend {
    common: Common,
    argv: Vec<String>,
}

impl CommandBackend {
    pub fn new(cfg: &BackendConfig, common: Common) -> Result<Self, BuildError> {
        let argv = cfg.argv.clone().unwrap_or_default();
        if argv.first().is_none_or(|a| a.is_empty()) {
            return Err(BuildError::one(
                cfg,
                "argv",
                "needs at least the program to run",
            ));
        }
        Ok(CommandBackend { common, argv })
    }

    fn reason(&self, what: &str) -> String {
        format!("{} ({}): {what}", self.common.name, self.argv[0])
    }

    pub fn stdin_text(msg: &OutboundMessage) -> String {
        let mut s = full_plain(msg, "@all");
        s.push('\n');
        s
    }
}

impl Deliver for CommandBackend {
    fn common(&self) -> &Common {
        &self.common
    }
    async fn send(&self, msg: &OutboundMessage, ctx: &DeliveryContext) -> DeliveryResult {
        let mut cmd = tokio::process::Command::new(&self.argv[0]);
        cmd.args(&self.argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .env("COMMANDPOST_MESSAGE_ID", &msg.id)
            .env("COMMANDPOST_INCIDENT", &msg.incident_id)
            .env("COMMANDPOST_INCIDENT_TITLE", &msg.incident_title)
            .env("COMMANDPOST_SEVERITY", &msg.severity)
            .env("COMMANDPOST_KIND", msg.kind.as_str())
            .env(
                "COMMANDPOST_HEADLINE",
                crate::delivery::render::headline(msg),
            )
            .env(
                "COMMANDPOST_MENTION_ALL",
                if msg.mention_all { "1" } else { "0" },
            )
            .env("COMMANDPOST_TEST", if msg.test { "1" } else { "0" })
            .env("COMMANDPOST_ATTEMPT", ctx.attempt.to_string());
        let mut child = cmd.spawn().map_err(|e| {
            DeliveryError::permanent(self.reason(&format!("cannot start: {}", e.kind())))
        })?;
        let text = Self::stdin_text(msg);
        let stdin = child.stdin.take();
        let run = async move {
            if let Some(mut stdin) = stdin {
                // A program that does not read its input is fine: ignore a broken pipe.
                let _ = stdin.write_all(text.as_bytes()).await;
                let _ = stdin.shutdown().await;
            }
            child.wait_with_output().await
        };
        // On timeout the future is dropped with the child: kill_on_drop kills it.
        let out = match tokio::time::timeout(self.common.timeout, run).await {
            Err(_) => {
                return Err(DeliveryError::retryable(self.reason(&format!(
                    "killed after {} (timeout)",
                    human_duration(self.common.timeout)
                ))));
            }
            Ok(Err(e)) => {
                return Err(DeliveryError::retryable(
                    self.reason(&format!("wait failed: {}", e.kind())),
                ));
            }
            Ok(Ok(out)) => out,
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last: String = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .chars()
            .take(200)
            .collect();
        match out.status.code() {
            Some(0) => Ok(Delivered {
                remote_ref: None,
                detail: "exit 0".into(),
            }),
            Some(EXIT_TEMPFAIL) => Err(DeliveryError::retryable(
                self.reason(&format!("exit 75 (try again): {last}")),
            )),
            Some(c) => Err(DeliveryError::permanent(
                self.reason(&format!("exit {c}: {last}")),
            )),
            None => Err(DeliveryError::retryable(self.reason("killed by a signal"))),
        }
    }
    fn preview(&self, msg: &OutboundMessage) -> Vec<String> {
        vec![Self::stdin_text(msg)]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::delivery::backend::Backend;
    use crate::delivery::config::BackendKind;
    use crate::delivery::render::tests::msg;
    use crate::domain::outbound::MessageKind;
    use std::time::{Duration, Instant};

    fn backend(script: &str, timeout: &str) -> CommandBackend {
        let cfg = BackendConfig {
            argv: Some(vec!["sh".into(), "-c".into(), script.into()]),
            timeout: Some(timeout.into()),
            ..BackendConfig::new("cmd", BackendKind::Command)
        };
        CommandBackend::new(&cfg, Common::from_config(&cfg).unwrap()).unwrap()
    }

    #[tokio::test]
    async fn message_on_stdin_fields_in_env() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let b = backend(
            &format!(
                "cat > {0}; echo \"$COMMANDPOST_MESSAGE_ID $COMMANDPOST_KIND $COMMANDPOST_MENTION_ALL\" >> {0}",
                out.display()
            ),
            "5s",
        );
        let m = msg(MessageKind::Announcement);
        let d = b.deliver(&m, &DeliveryContext::first()).await.unwrap();
        assert_eq!(d.detail, "exit 0");
        let got = std::fs::read_to_string(&out).unwrap();
        assert_eq!(
            got,
            format!(
                "{}INC-42.m3 announcement 1\n",
                CommandBackend::stdin_text(&m)
            )
        );
        assert!(got.starts_with("[MAJOR] INC-42 · API errors\n@all: IC -> Ricardo\n"));
    }

    #[tokio::test]
    async fn exit_codes_and_timeouts() {
        let m = msg(MessageKind::Sitrep);
        let e = backend("echo nope >&2; echo 'bad token' >&2; exit 3", "5s")
            .deliver(&m, &DeliveryContext::first())
            .await
            .unwrap_err();
        assert_eq!(e, DeliveryError::permanent("cmd (sh): exit 3: bad token"));
        let e = backend("exit 75", "5s")
            .deliver(&m, &DeliveryContext::first())
            .await
            .unwrap_err();
        assert!(e.is_retryable(), "{e:?}");
        let t = Instant::now();
        let e = backend("sleep 30", "300ms")
            .deliver(&m, &DeliveryContext::first())
            .await
            .unwrap_err();
        assert!(t.elapsed() < Duration::from_secs(5));
        assert_eq!(
            e,
            DeliveryError::retryable("cmd (sh): killed after 300ms (timeout)")
        );
        let cfg = BackendConfig {
            argv: Some(vec!["/nonexistent/commandpost-notify".into()]),
            ..BackendConfig::new("cmd", BackendKind::Command)
        };
        let b = CommandBackend::new(&cfg, Common::from_config(&cfg).unwrap()).unwrap();
        let e = b.deliver(&m, &DeliveryContext::first()).await.unwrap_err();
        assert!(
            !e.is_retryable() && e.reason().contains("cannot start"),
            "{e:?}"
        );
    }
}
