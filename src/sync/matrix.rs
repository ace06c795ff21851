//! A small Matrix client-server API client (`/_matrix/client/v3`) on the project's reqwest
//! client: login, whoami, join, room state, send with a transaction id, `/sync` long-poll with
//! a filter, `/messages` paging. Hand-written serde structs (no matrix-sdk, see
//! `shared/sync.md`). Errors never carry the access token or the password.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::delivery::http::{Peer, human_duration, server_reason};
use crate::delivery::retry::body_retry_hint;

/// Event type of the machine events that chat clients hide.
pub const EVENT_TYPE: &str = "org.commandpost.event";
/// How long a parked `/sync` waits for an event (the server answers earlier when one comes).
pub const SYNC_TIMEOUT: Duration = Duration::from_secs(30);
/// Timeout of ordinary requests.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Why a request failed. The reason is secret-free and names the homeserver's host.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MatrixError {
    /// The homeserver could not be reached (connection refused, timeout, network): offline.
    #[error("{reason}")]
    Unreachable { reason: String },
    /// 429 `M_LIMIT_EXCEEDED`: try again after `retry_after`.
    #[error("{reason}")]
    RateLimited {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// The homeserver answered with an error.
    #[error("{reason}")]
    Http {
        status: u16,
        errcode: String,
        reason: String,
    },
    /// The homeserver's answer was not what the API says.
    #[error("{reason}")]
    Decode { reason: String },
}

impl MatrixError {
    /// Worth retrying later (offline, throttled, a server error).
    pub fn is_transient(&self) -> bool {
        match self {
            MatrixError::Unreachable { .. } | MatrixError::RateLimited { .. } => true,
            MatrixError::Http { status, .. } => *status >= 500 || *status == 408,
            MatrixError::Decode { .. } => false,
        }
    }

    /// The homeserver was not reached at all.
    pub fn is_offline(&self) -> bool {
        matches!(self, MatrixError::Unreachable { .. })
            || matches!(self, MatrixError::Http { status, .. } if *status == 502 || *status == 503 || *status == 504)
    }

    pub fn errcode(&self) -> Option<&str> {
        match self {
            MatrixError::Http { errcode, .. } => Some(errcode),
            MatrixError::RateLimited { .. } => Some("M_LIMIT_EXCEEDED"),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            MatrixError::Http { status, .. } => Some(*status),
            MatrixError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// The server's hint, for a 429.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            MatrixError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// `POST /login` answer.
#[derive(Debug, Clone, Deserialize)]
pub struct LoginReply {
    pub user_id: String,
    pub access_token: SecretString,
    pub device_id: String,
}

/// `GET /account/whoami` answer.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct WhoAmI {
    pub user_id: String,
    #[serde(default)]
    pub device_id: Option<String>,
}

/// A room event as `/sync` and `/messages` give it. `content` is kept as JSON.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct RoomEvent {
    pub event_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub sender: String,
    #[serde(default)]
    pub origin_server_ts: u64,
    #[serde(default)]
    pub content: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacts: Option<String>,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub unsigned: Value,
}

impl RoomEvent {
    /// The event id this redaction removes (`redacts` at the top level, or in the content
    /// from room version 11).
    pub fn redacted_id(&self) -> Option<&str> {
        if self.kind != "m.room.redaction" {
            return None;
        }
        self.redacts
            .as_deref()
            .or_else(|| self.content.get("redacts").and_then(Value::as_str))
    }

    /// Whether the server shows this event as redacted (its content emptied).
    pub fn is_redacted(&self) -> bool {
        self.unsigned.get("redacted_because").is_some()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Timeline {
    #[serde(default)]
    pub events: Vec<RoomEvent>,
    #[serde(default)]
    pub limited: bool,
    #[serde(default)]
    pub prev_batch: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct StateBlock {
    #[serde(default)]
    pub events: Vec<RoomEvent>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct JoinedRoom {
    #[serde(default)]
    pub timeline: Timeline,
    #[serde(default)]
    pub state: StateBlock,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LeftRoom {
    #[serde(default)]
    pub timeline: Timeline,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Rooms {
    #[serde(default)]
    pub join: BTreeMap<String, JoinedRoom>,
    #[serde(default)]
    pub leave: BTreeMap<String, LeftRoom>,
}

/// `GET /sync` answer (the parts commandpost reads).
#[derive(Debug, Clone, Deserialize)]
pub struct SyncReply {
    pub next_batch: String,
    #[serde(default)]
    pub rooms: Rooms,
}

/// `GET /rooms/{room}/messages` answer.
#[derive(Debug, Clone, Deserialize)]
pub struct MessagesReply {
    #[serde(default)]
    pub chunk: Vec<RoomEvent>,
    #[serde(default)]
    pub start: Option<String>,
    /// Absent when there is nothing more in that direction.
    #[serde(default)]
    pub end: Option<String>,
}

/// Paging direction of `/messages`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Backward,
    Forward,
}

impl Dir {
    fn as_str(self) -> &'static str {
        match self {
            Dir::Backward => "b",
            Dir::Forward => "f",
        }
    }
}

/// An authenticated client for one homeserver.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: reqwest::Url,
    token: SecretString,
    peer: Peer,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("homeserver", &self.peer.host)
            .finish_non_exhaustive()
    }
}

pub use crate::config::parse_homeserver;

fn api_url(base: &reqwest::Url, segments: &[&str]) -> reqwest::Url {
    let mut u = base.clone();
    u.set_query(None);
    u.set_fragment(None);
    if let Ok(mut p) = u.path_segments_mut() {
        p.pop_if_empty();
        p.extend(["_matrix", "client", "v3"]);
        p.extend(segments);
    }
    u
}

/// Sends a request and returns the JSON body of a 2xx answer, or a classified error.
async fn call(
    peer: &Peer,
    req: reqwest::RequestBuilder,
    timeout: Duration,
) -> Result<Value, MatrixError> {
    let resp = req.timeout(timeout).send().await.map_err(|e| {
        let what = if e.is_timeout() {
            format!("no answer within {}", human_duration(timeout))
        } else if e.is_connect() {
            "cannot connect".to_string()
        } else {
            "network error".to_string()
        };
        MatrixError::Unreachable {
            reason: peer.reason(&what),
        }
    })?;
    let status = resp.status().as_u16();
    let header_hint = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| crate::delivery::retry::parse_retry_after(h, SystemTime::now()));
    let body = resp.text().await.map_err(|_| MatrixError::Unreachable {
        reason: peer.reason("connection lost while reading the answer"),
    })?;
    if (200..300).contains(&status) {
        return serde_json::from_str(&body).map_err(|e| MatrixError::Decode {
            reason: peer.reason(&format!("answer is not JSON ({e})")),
        });
    }
    let errcode = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v.get("errcode").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default();
    let reason = peer.reason(&{
        let r = server_reason(&body);
        if r.is_empty() {
            format!("HTTP {status}")
        } else {
            format!("HTTP {status}: {r}")
        }
    });
    if status == 429 || errcode == "M_LIMIT_EXCEEDED" {
        // retry_after_ms is precise; the header is whole seconds.
        let retry_after = body_retry_hint(&body).or(header_hint);
        return Err(MatrixError::RateLimited {
            reason,
            retry_after,
        });
    }
    Err(MatrixError::Http {
        status,
        errcode,
        reason,
    })
}

fn field<'a, T: Deserialize<'a>>(peer: &Peer, v: &'a Value, what: &str) -> Result<T, MatrixError> {
    T::deserialize(v).map_err(|e| MatrixError::Decode {
        reason: peer.reason(&format!("unexpected {what} answer ({e})")),
    })
}

/// `POST /login` with a password. `device_id` reuses a device (its txnIds stay valid); `None`
/// lets the server make one. The password is only sent, never kept.
pub async fn login(
    http: &reqwest::Client,
    homeserver: &reqwest::Url,
    user: &str,
    password: &SecretString,
    device_id: Option<&str>,
) -> Result<LoginReply, MatrixError> {
    let peer = Peer::new("matrix", homeserver.as_str(), vec![password.clone()]);
    let mut body = serde_json::json!({
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": user},
        "password": password.expose_secret(),
        "initial_device_display_name": "commandpost",
    });
    if let Some(d) = device_id {
        body["device_id"] = Value::from(d);
    }
    let req = http.post(api_url(homeserver, &["login"])).json(&body);
    let v = call(&peer, req, REQUEST_TIMEOUT).await?;
    field(&peer, &v, "login")
}

impl Client {
    pub fn new(http: reqwest::Client, homeserver: reqwest::Url, token: SecretString) -> Client {
        let peer = Peer::new("matrix", homeserver.as_str(), vec![token.clone()]);
        Client {
            http,
            base: homeserver,
            token,
            peer,
        }
    }

    /// `host:port` of the homeserver, for messages.
    pub fn host(&self) -> &str {
        &self.peer.host
    }

    pub fn homeserver(&self) -> &reqwest::Url {
        &self.base
    }

    fn url(&self, segments: &[&str]) -> reqwest::Url {
        api_url(&self.base, segments)
    }

    fn get(&self, url: reqwest::Url) -> reqwest::RequestBuilder {
        self.http.get(url).bearer_auth(self.token.expose_secret())
    }

    /// `GET /account/whoami`: who the token belongs to, and its device.
    pub async fn whoami(&self) -> Result<WhoAmI, MatrixError> {
        let v = call(
            &self.peer,
            self.get(self.url(&["account", "whoami"])),
            REQUEST_TIMEOUT,
        )
        .await?;
        field(&self.peer, &v, "whoami")
    }

    /// `POST /join/{roomIdOrAlias}`: joins (a no-op for a member) and returns the room id.
    pub async fn join(&self, room: &str) -> Result<String, MatrixError> {
        let body = serde_json::json!({});
        let v = self.write(Method::POST, &["join", room], &body).await?;
        self.text(&v, "room_id", "join")
    }

    /// A room state event's content, or `None` when the room has none of that type.
    pub async fn state(
        &self,
        room_id: &str,
        kind: &str,
        state_key: &str,
    ) -> Result<Option<Value>, MatrixError> {
        let url = self.url(&["rooms", room_id, "state", kind, state_key]);
        match call(&self.peer, self.get(url), REQUEST_TIMEOUT).await {
            Ok(v) => Ok(Some(v)),
            Err(MatrixError::Http { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Reads what [`room_refusal`] needs and returns its verdict.
    pub async fn check_room(&self, room_id: &str) -> Result<Option<String>, MatrixError> {
        let enc = self.state(room_id, "m.room.encryption", "").await?;
        let hv = self.state(room_id, "m.room.history_visibility", "").await?;
        Ok(room_refusal(enc.as_ref(), hv.as_ref()))
    }

    /// `PUT /rooms/{room}/send/{type}/{txnId}`: the event id. The same txnId from the same
    /// device returns the same event (the homeserver keeps it about 24 h).
    pub async fn send(
        &self,
        room_id: &str,
        kind: &str,
        txn_id: &str,
        content: &Value,
    ) -> Result<String, MatrixError> {
        let path = ["rooms", room_id, "send", kind, txn_id];
        let v = self.write(Method::PUT, &path, content).await?;
        self.text(&v, "event_id", "send")
    }

    /// `PUT /rooms/{room}/state/{type}/{key}`.
    pub async fn put_state(
        &self,
        room_id: &str,
        kind: &str,
        state_key: &str,
        content: &Value,
    ) -> Result<String, MatrixError> {
        let path = ["rooms", room_id, "state", kind, state_key];
        let v = self.write(Method::PUT, &path, content).await?;
        Ok(v.get("event_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string())
    }

    /// `POST /user/{userId}/filter`: a filter id for `/sync`.
    pub async fn create_filter(
        &self,
        user_id: &str,
        filter: &Value,
    ) -> Result<String, MatrixError> {
        let v = self
            .write(Method::POST, &["user", user_id, "filter"], filter)
            .await?;
        self.text(&v, "filter_id", "filter")
    }

    /// A `PUT` or `POST` of `body` (JSON) with the token: the answer.
    async fn write(
        &self,
        method: Method,
        segments: &[&str],
        body: &Value,
    ) -> Result<Value, MatrixError> {
        let req = self
            .http
            .request(method, self.url(segments))
            .bearer_auth(self.token.expose_secret())
            .json(body);
        call(&self.peer, req, REQUEST_TIMEOUT).await
    }

    /// The string `key` of the answer to `what`, which must have it.
    fn text(&self, v: &Value, key: &str, what: &str) -> Result<String, MatrixError> {
        v.get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| MatrixError::Decode {
                reason: self
                    .peer
                    .reason(&format!("{what} answered without a {key}")),
            })
    }

    /// `GET /sync`: parks up to `timeout` on the server when nothing is new. `filter` is a
    /// filter id or inline JSON.
    pub async fn sync(
        &self,
        since: Option<&str>,
        filter: &str,
        timeout: Duration,
    ) -> Result<SyncReply, MatrixError> {
        let mut url = self.url(&["sync"]);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("filter", filter);
            q.append_pair("timeout", &timeout.as_millis().to_string());
            if let Some(s) = since {
                q.append_pair("since", s);
            }
        }
        let v = call(&self.peer, self.get(url), timeout + Duration::from_secs(15)).await?;
        field(&self.peer, &v, "sync")
    }

    /// `GET /rooms/{room}/messages`: a page of events from `from` (or the room's start with
    /// `Dir::Forward` and no `from`). `filter` is inline JSON (a RoomEventFilter).
    pub async fn messages(
        &self,
        room_id: &str,
        from: Option<&str>,
        dir: Dir,
        limit: u32,
        filter: Option<&str>,
    ) -> Result<MessagesReply, MatrixError> {
        self.messages_to(room_id, from, None, dir, limit, filter)
            .await
    }

    /// [`Client::messages`] stopping at the token `to` (e.g. the `/sync` token a gap began at).
    pub async fn messages_to(
        &self,
        room_id: &str,
        from: Option<&str>,
        to: Option<&str>,
        dir: Dir,
        limit: u32,
        filter: Option<&str>,
    ) -> Result<MessagesReply, MatrixError> {
        let mut url = self.url(&["rooms", room_id, "messages"]);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("dir", dir.as_str());
            q.append_pair("limit", &limit.to_string());
            if let Some(f) = from {
                q.append_pair("from", f);
            }
            if let Some(t) = to {
                q.append_pair("to", t);
            }
            if let Some(f) = filter {
                q.append_pair("filter", f);
            }
        }
        let v = call(&self.peer, self.get(url), REQUEST_TIMEOUT * 3).await?;
        field(&self.peer, &v, "messages")
    }
}

/// Why commandpost will not sync through a room, from its `m.room.encryption` and
/// `m.room.history_visibility` state (absent history visibility means `shared`).
pub fn room_refusal(encryption: Option<&Value>, history: Option<&Value>) -> Option<String> {
    if let Some(enc) = encryption
        && enc.as_object().is_some_and(|o| !o.is_empty())
    {
        let alg = enc
            .get("algorithm")
            .and_then(Value::as_str)
            .unwrap_or("unknown algorithm");
        return Some(format!(
            "the room is end-to-end encrypted ({alg}): commandpost does not support encrypted \
             rooms and would post readable text into a room people believe is encrypted; use an \
             unencrypted room for the incident (encryption cannot be turned off in a room)"
        ));
    }
    let vis = history
        .and_then(|h| h.get("history_visibility"))
        .and_then(Value::as_str)
        .unwrap_or("shared");
    match vis {
        "shared" | "world_readable" => None,
        other => Some(format!(
            "the room's history visibility is {other:?}: members who join later (the next IC) \
             could not read the incident's earlier events; set it to \"shared\" (Element: Room \
             settings > Security & Privacy > Who can read history? > \"Members only (since the \
             point in time of selecting this option)\", or m.room.history_visibility \
             {{\"history_visibility\": \"shared\"}})"
        )),
    }
}

/// The `/sync` filter: only this room, only its timeline events of the types commandpost
/// reads (its own, messages, redactions) and the two state types it checks; no presence,
/// no account data, no ephemeral events.
pub fn sync_filter(room_id: &str, timeline_limit: u32) -> Value {
    serde_json::json!({
        "presence": {"not_types": ["*"]},
        "account_data": {"not_types": ["*"]},
        "room": {
            "rooms": [room_id],
            "account_data": {"not_types": ["*"]},
            "ephemeral": {"not_types": ["*"]},
            "state": {
                "types": ["m.room.encryption", "m.room.history_visibility"],
                "lazy_load_members": true
            },
            "timeline": {
                "limit": timeline_limit,
                "types": [EVENT_TYPE, "m.room.message", "m.room.redaction", "m.room.encryption"]
            }
        }
    })
}

/// The RoomEventFilter for `/messages` (same event types as the timeline of [`sync_filter`]).
pub fn messages_filter() -> String {
    serde_json::json!({
        "types": [EVENT_TYPE, "m.room.message", "m.room.redaction", "m.room.encryption"],
        "lazy_load_members": true
    })
    .to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn urls_encode_aliases_and_keep_a_base_path() {
        let base = parse_homeserver("https://hs.example.org/prefix/").unwrap();
        let u = api_url(&base, &["join", "#inc 42:example.org"]);
        assert_eq!(
            u.as_str(),
            "https://hs.example.org/prefix/_matrix/client/v3/join/%23inc%2042:example.org"
        );
        assert!(parse_homeserver("matrix.example.org").is_err());
        assert!(parse_homeserver("ftp://x").is_err());
    }

    #[test]
    fn refusals_name_the_setting() {
        assert_eq!(room_refusal(None, None), None);
        assert_eq!(
            room_refusal(None, Some(&json!({"history_visibility": "shared"}))),
            None
        );
        let enc = room_refusal(Some(&json!({"algorithm": "m.megolm.v1.aes-sha2"})), None).unwrap();
        assert!(enc.contains("end-to-end encrypted"), "{enc}");
        let hidden = room_refusal(None, Some(&json!({"history_visibility": "joined"}))).unwrap();
        assert!(hidden.contains("\"joined\""), "{hidden}");
        assert!(hidden.contains("set it to \"shared\""), "{hidden}");
        let invited = room_refusal(None, Some(&json!({"history_visibility": "invited"}))).unwrap();
        assert!(invited.contains("\"invited\""), "{invited}");
    }

    #[test]
    fn sync_answers_decode_with_missing_parts() {
        let v = json!({"next_batch": "s1", "rooms": {"join": {"!r:x": {"timeline": {
            "events": [{"event_id": "$a", "type": "m.room.redaction", "sender": "@a:x",
                        "origin_server_ts": 5, "content": {"redacts": "$b"}}],
            "limited": true, "prev_batch": "p1"}}}}});
        let r: SyncReply = serde_json::from_value(v).unwrap();
        let t = &r.rooms.join["!r:x"].timeline;
        assert!(t.limited);
        assert_eq!(t.events[0].redacted_id(), Some("$b"));
        let empty: SyncReply = serde_json::from_value(json!({"next_batch": "s2"})).unwrap();
        assert!(empty.rooms.join.is_empty());
    }
}
