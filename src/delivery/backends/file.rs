//! Appends each message as Markdown to a file (`{incident}` in the path is replaced by the
//! incident id). Idempotent: each block starts with `<!-- commandpost:<id> -->`, and a message
//! already in the file is not appended again. The embedded default backend, so everything
//! works offline.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{BuildError, Common, required_str};
use crate::delivery::backend::{
    Deliver, Delivered, DeliveryContext, DeliveryError, DeliveryResult,
};
use crate::delivery::config::BackendConfig;
use crate::delivery::render::{body_markdown, headline_with_mention, safe_chars, title_line};
use crate::domain::outbound::OutboundMessage;

pub struct FileBackend {
    common: Common,
    path_template: String,
}

/// A file-name-safe incident id.
fn safe_component(s: &str) -> String {
    let c = safe_chars(s, false);
    let c = c.trim_start_matches('.').to_string();
    if c.is_empty() { "incident".into() } else { c }
}

pub fn marker(msg: &OutboundMessage) -> String {
    format!("<!-- commandpost:{} -->", msg.id.replace("--", "-\u{2010}"))
}

impl FileBackend {
    pub fn new(cfg: &BackendConfig, common: Common) -> Result<Self, BuildError> {
        let path_template = required_str(cfg, "path", &cfg.path)?.to_string();
        Ok(FileBackend {
            common,
            path_template,
        })
    }

    pub fn path_for(&self, msg: &OutboundMessage) -> PathBuf {
        self.path_of(&msg.incident_id)
    }

    /// The file messages about incident `incident` are appended to.
    pub fn path_of(&self, incident: &str) -> PathBuf {
        PathBuf::from(
            self.path_template
                .replace("{incident}", &safe_component(incident)),
        )
    }

    pub fn block(msg: &OutboundMessage) -> String {
        let mut s = format!(
            "{}\n### {} — {}\n{}\n",
            marker(msg),
            title_line(msg),
            msg.kind,
            headline_with_mention(msg, "@all")
        );
        let body = body_markdown(msg);
        if !body.is_empty() {
            s.push('\n');
            s.push_str(&body);
            s.push('\n');
        }
        s.push('\n');
        s
    }

    fn append(path: &Path, msg: &OutboundMessage) -> std::io::Result<bool> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mark = marker(msg);
        match std::fs::read_to_string(path) {
            Ok(existing) if existing.lines().any(|l| l == mark) => return Ok(false),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        // A file people `cat`: the same sanitiser as every other output.
        f.write_all(crate::domain::text::safe(&Self::block(msg)).as_bytes())?;
        f.sync_data()?;
        Ok(true)
    }
}

impl Deliver for FileBackend {
    fn common(&self) -> &Common {
        &self.common
    }
    async fn send(&self, msg: &OutboundMessage, _ctx: &DeliveryContext) -> DeliveryResult {
        let path = self.path_for(msg);
        let m = msg.clone();
        let p = path.clone();
        let res = tokio::task::spawn_blocking(move || Self::append(&p, &m))
            .await
            .map_err(|_| {
                DeliveryError::retryable(format!("{}: writer task failed", self.common.name))
            })?;
        match res {
            Ok(true) => Ok(Delivered {
                remote_ref: None,
                detail: format!("appended to {}", path.display()),
            }),
            Ok(false) => Ok(Delivered {
                remote_ref: None,
                detail: format!("already in {}", path.display()),
            }),
            Err(e) => {
                let reason = format!("{} ({}): {}", self.common.name, path.display(), e.kind());
                // A full disk or a missing mount may come back; permissions will not.
                if e.kind() == std::io::ErrorKind::PermissionDenied {
                    Err(DeliveryError::permanent(reason))
                } else {
                    Err(DeliveryError::retryable(reason))
                }
            }
        }
    }
    fn preview(&self, msg: &OutboundMessage) -> Vec<String> {
        vec![Self::block(msg)]
    }
    fn target(&self, incident: &str) -> Option<String> {
        Some(format!("appends to {}", self.path_of(incident).display()))
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

    #[tokio::test]
    async fn appends_markdown_once_per_message() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = BackendConfig::default_file(dir.path());
        let b = FileBackend::new(&cfg, Common::from_config(&cfg).unwrap()).unwrap();
        let m = msg(MessageKind::Sitrep);
        let d = b.deliver(&m, &DeliveryContext::first()).await.unwrap();
        let path = dir
            .path()
            .join("incidents")
            .join("INC-42")
            .join("outbox.md");
        assert_eq!(d.detail, format!("appended to {}", path.display()));
        // A retry (or a restart) does not append it again.
        let d = b.deliver(&m, &DeliveryContext::first()).await.unwrap();
        assert!(d.detail.starts_with("already in"));
        let mut other = msg(MessageKind::Announcement);
        other.id = "INC-42.m4".into();
        b.deliver(&other, &DeliveryContext::first()).await.unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches("<!-- commandpost:INC-42.m3 -->").count(), 1);
        assert_eq!(text.matches("<!-- commandpost:INC-42.m4 -->").count(), 1);
        assert!(text.starts_with(
            "<!-- commandpost:INC-42.m3 -->\n### [MAJOR] INC-42 · API errors — sitrep\n@all: IC -> Ricardo\n\n# Impact\n"
        ), "{text}");
    }

    #[test]
    fn incident_ids_cannot_escape_the_directory() {
        let cfg = BackendConfig {
            path: Some("/data/outbox/{incident}.md".into()),
            ..BackendConfig::new("f", BackendKind::File)
        };
        let b = FileBackend::new(&cfg, Common::from_config(&cfg).unwrap()).unwrap();
        let mut m = msg(MessageKind::Sitrep);
        m.incident_id = "../../etc/passwd".into();
        assert_eq!(
            b.path_for(&m),
            PathBuf::from("/data/outbox/_.._etc_passwd.md")
        );
    }
}
