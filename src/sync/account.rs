//! The Matrix account this machine syncs through: `[sync] access_token` (a secret
//! reference), or the login kept by `commandpost sync login` in
//! `<data_dir>/sync/credentials.json` (mode 0600; the token and the device id, never
//! printed). One device per data dir: its transaction ids stay valid across restarts, so a
//! batch re-sent after a crash is the same room event.

use std::io::Write;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::matrix::{self, Client};
use crate::config::{SecretRef, SyncConfig};

/// Where `sync login` keeps the token and the device.
pub fn credentials_path(data_dir: &Path) -> PathBuf {
    data_dir.join("sync").join("credentials.json")
}

/// What `sync login` keeps.
#[derive(Clone, Serialize, Deserialize)]
pub struct Credentials {
    pub homeserver: String,
    pub user_id: String,
    pub device_id: String,
    access_token: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("homeserver", &self.homeserver)
            .field("user_id", &self.user_id)
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

impl Drop for Credentials {
    fn drop(&mut self) {
        use secrecy::zeroize::Zeroize;
        self.access_token.zeroize();
    }
}

impl Credentials {
    pub fn new(homeserver: &str, user_id: &str, device_id: &str, token: &SecretString) -> Self {
        Credentials {
            homeserver: homeserver.to_string(),
            user_id: user_id.to_string(),
            device_id: device_id.to_string(),
            access_token: token.expose_secret().to_string(),
        }
    }

    pub fn token(&self) -> SecretString {
        SecretString::from(self.access_token.as_str())
    }
}

/// Reads the kept login, if any. A damaged file is an error naming the file (never its
/// contents).
pub fn load(data_dir: &Path) -> Result<Option<Credentials>, String> {
    let path = credentials_path(data_dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        format!(
            "{}: not a commandpost login ({}): run `commandpost sync login` again",
            path.display(),
            e.classify_name()
        )
    })
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "unreadable",
            serde_json::error::Category::Syntax => "not JSON",
            serde_json::error::Category::Data => "missing or wrong fields",
            serde_json::error::Category::Eof => "cut short",
        }
    }
}

/// Writes the login atomically with mode 0600 (its directory 0700).
pub fn save(data_dir: &Path, c: &Credentials) -> Result<PathBuf, String> {
    let path = credentials_path(data_dir);
    let dir = path.parent().unwrap_or(data_dir).to_path_buf();
    let err = |what: &str, p: &Path, e: std::io::Error| format!("{}: {what}: {e}", p.display());
    std::fs::create_dir_all(&dir).map_err(|e| err("create directory", &dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
    }
    let tmp = dir.join(".credentials.json.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp).map_err(|e| err("create", &tmp, e))?;
    let mut text = serde_json::to_string_pretty(c).map_err(|e| e.to_string())?;
    let written = f
        .write_all(text.as_bytes())
        .and_then(|()| f.write_all(b"\n"))
        .and_then(|()| f.sync_all());
    {
        use secrecy::zeroize::Zeroize;
        text.zeroize();
    }
    written.map_err(|e| err("write", &tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| err("rename", &path, e))?;
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(path)
}

/// The account to use, from `[sync]` or the kept login.
#[derive(Clone)]
pub struct Account {
    pub homeserver: reqwest::Url,
    /// Known before asking the server (`[sync] user`, or the login's).
    pub user_id: Option<String>,
    pub token: SecretString,
    /// Where the token came from, for messages.
    pub source: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("homeserver", &self.homeserver.as_str())
            .field("user_id", &self.user_id)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Account {
    pub fn client(&self, http: reqwest::Client) -> Client {
        Client::new(http, self.homeserver.clone(), self.token.clone())
    }
}

fn same_homeserver(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// The homeserver URL as the user may paste it (a trailing slash, the `/_matrix/...` path of
/// an example request).
pub fn homeserver_url(raw: &str) -> Result<reqwest::Url, String> {
    let e = crate::delivery::endpoint::matrix_homeserver(raw)
        .map_err(|e| format!("homeserver {raw:?}: {e}"))?;
    matrix::parse_homeserver(&e.url)
}

/// The account `[sync]` describes, or the one `sync login` kept.
pub fn resolve(cfg: &SyncConfig, data_dir: &Path) -> Result<Account, String> {
    if let Some(raw) = &cfg.access_token {
        let token = SecretRef::parse(raw)
            .resolve()
            .map_err(|e| format!("[sync] access_token: {e}"))?;
        let hs = cfg.homeserver.as_deref().ok_or_else(|| {
            "[sync] access_token needs [sync] homeserver (the URL of the homeserver that issued it)"
                .to_string()
        })?;
        return Ok(Account {
            homeserver: homeserver_url(hs)?,
            user_id: cfg.user.clone(),
            token,
            source: "[sync] access_token".into(),
        });
    }
    let Some(c) = load(data_dir)? else {
        return Err(
            "no Matrix account: run `commandpost sync login --homeserver URL --user USER` \
             (or set [sync] homeserver, user and access_token in the configuration)"
                .into(),
        );
    };
    if let Some(hs) = &cfg.homeserver
        && !same_homeserver(hs, &c.homeserver)
    {
        return Err(format!(
            "the login kept in {} is for {}, but [sync] homeserver is {hs}: run `commandpost \
             sync login` again",
            credentials_path(data_dir).display(),
            c.homeserver
        ));
    }
    if let Some(u) = &cfg.user
        && u != &c.user_id
    {
        return Err(format!(
            "the login kept in {} is {}, but [sync] user is {u}: run `commandpost sync login` \
             again",
            credentials_path(data_dir).display(),
            c.user_id
        ));
    }
    Ok(Account {
        homeserver: homeserver_url(&c.homeserver)?,
        user_id: Some(c.user_id.clone()),
        token: c.token(),
        source: format!("the login in {}", credentials_path(data_dir).display()),
    })
}

/// Logs in with a password (once per data dir: a kept device of the same account is reused)
/// and keeps token and device. Returns the kept credentials and where.
pub async fn login(
    http: &reqwest::Client,
    data_dir: &Path,
    homeserver: &str,
    user: &str,
    password: &SecretString,
) -> Result<(Credentials, PathBuf), String> {
    let hs = homeserver_url(homeserver)?;
    let kept = load(data_dir).ok().flatten();
    let device = kept
        .as_ref()
        .filter(|c| same_homeserver(&c.homeserver, hs.as_str()))
        .filter(|c| {
            c.user_id == user
                || c.user_id
                    .strip_prefix('@')
                    .and_then(|u| u.split(':').next())
                    == Some(user)
        })
        .map(|c| c.device_id.clone());
    let reply = matrix::login(http, &hs, user, password, device.as_deref())
        .await
        .map_err(|e| format!("login as {user} failed: {e}"))?;
    let c = Credentials::new(
        hs.as_str().trim_end_matches('/'),
        &reply.user_id,
        &reply.device_id,
        &reply.access_token,
    );
    let path = save(data_dir, &c)?;
    Ok((c, path))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn kept_login_is_private_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let c = Credentials::new(
            "http://127.0.0.1:8008",
            "@ana:localhost",
            "DEV1",
            &SecretString::from("syt_secret_token"),
        );
        let path = save(dir.path(), &c).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let back = load(dir.path()).unwrap().unwrap();
        assert_eq!(back.device_id, "DEV1");
        assert_eq!(back.token().expose_secret(), "syt_secret_token");
        assert!(!format!("{back:?}").contains("syt_secret_token"));
        let acct = resolve(&SyncConfig::default(), dir.path()).unwrap();
        assert_eq!(acct.user_id.as_deref(), Some("@ana:localhost"));
        assert!(!format!("{acct:?}").contains("syt_secret_token"));
        let other = SyncConfig {
            homeserver: Some("https://matrix.example.org".into()),
            ..SyncConfig::default()
        };
        let e = resolve(&other, dir.path()).unwrap_err();
        assert!(e.contains("sync login"), "{e}");
        std::fs::write(&path, "{").unwrap();
        let e = load(dir.path()).unwrap_err();
        assert!(e.contains("not a commandpost login"), "{e}");
    }

    #[test]
    fn no_account_says_how_to_get_one() {
        let dir = tempfile::tempdir().unwrap();
        let e = resolve(&SyncConfig::default(), dir.path()).unwrap_err();
        assert!(e.contains("commandpost sync login"), "{e}");
    }
}
