//! The composers' template renders, off the UI thread (`Cmd::Render`, `Cmd::CancelRender`):
//! each render runs on a thread of its own, a template from a file in a forked child with its
//! own [`ForkSandbox`] (256 MB, 2 s), so that a newer render of the same composer, or the
//! composer closing, kills just that child. The answer comes back as `Msg::Rendered`; the
//! form drops it if it is not the latest.

use crate::app::composer::kind::Kind;
use crate::app::composer::render::RenderJob;
use crate::app::msg::Msg;
use crate::sandbox::ForkSandbox;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::mpsc;

/// The render under way per composer (its sandbox, to cancel it).
#[derive(Default)]
pub struct Renders {
    running: BTreeMap<Kind, Arc<ForkSandbox>>,
}

impl Renders {
    /// Starts `job`, cancelling the render of the same composer still under way.
    pub fn start(&mut self, job: RenderJob, tx: &mpsc::UnboundedSender<Msg>) {
        self.cancel(job.kind);
        let sandbox = Arc::new(ForkSandbox::default());
        let job = if job.template.sandboxed() {
            self.running.insert(job.kind, Arc::clone(&sandbox));
            RenderJob {
                template: job.template.with_sandbox(sandbox),
                ..job
            }
        } else {
            job
        };
        let spawned = std::thread::Builder::new().name("render".into()).spawn({
            let (job, tx) = (job.clone(), tx.clone());
            move || {
                let _ = tx.send(Msg::Rendered(job.run()));
            }
        });
        if spawned.is_err() {
            // No thread to spare: render here (still bounded by fuel and the child).
            let _ = tx.send(Msg::Rendered(job.run()));
        }
    }

    /// Kills the render of composer `kind` under way, if any (its answer says "cancelled"
    /// and is stale by then).
    pub fn cancel(&mut self, kind: Kind) {
        if let Some(sb) = self.running.remove(&kind) {
            // Sticky: the job's thread may not have started its render yet.
            sb.stop();
        }
    }
}
