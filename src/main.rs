//! Temporary entry point (the lead's CLI replaces it): `commandpost
//! [--data-dir D] [--as NAME] [--incident ID] [--config FILE] [demo]` opens
//! the cockpit.

use commandpost::app::{self, RunOptions};
use commandpost::config::Config;
use commandpost::journal::Store;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    match real_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err((e, code)) => {
            eprintln!("commandpost: {e}");
            ExitCode::from(code)
        }
    }
}

fn real_main() -> Result<(), (String, u8)> {
    inner()
        .map_err(|e| (e, 1))
        .and_then(|opts| app::run(opts).map_err(|e| (e.to_string(), e.exit_code())))
}

fn inner() -> Result<RunOptions, String> {
    let mut args = std::env::args().skip(1);
    let mut data_dir: Option<PathBuf> = None;
    let mut actor: Option<String> = None;
    let mut incident: Option<String> = None;
    let mut config: Option<PathBuf> = None;
    let mut demo = false;
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--data-dir" => data_dir = Some(value("--data-dir")?.into()),
            "--as" => actor = Some(value("--as")?),
            "--incident" => incident = Some(value("--incident")?),
            "--config" => config = Some(value("--config")?.into()),
            "demo" => demo = true,
            "-h" | "--help" => {
                println!(
                    "usage: commandpost [--data-dir DIR] [--as NAME] [--incident ID] [--config FILE] [demo]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    let dirs = directories::ProjectDirs::from("", "", "commandpost");
    let data_dir = data_dir
        .or_else(|| std::env::var_os("COMMANDPOST_DATA_DIR").map(PathBuf::from))
        .or_else(|| dirs.as_ref().map(|d| d.data_dir().to_path_buf()))
        .ok_or("no data directory: pass --data-dir")?;
    let default_cfg = dirs.as_ref().map(|d| d.config_dir().join("config.toml"));
    let config =
        Config::load(config.as_deref(), default_cfg.as_deref()).map_err(|e| e.to_string())?;
    let actor = actor
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "IC".into());
    Ok(RunOptions {
        store: Store::new(data_dir),
        config,
        actor,
        incident,
        demo,
    })
}
