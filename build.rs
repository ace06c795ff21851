//! Build identity for derived files: `COMMANDPOST_SOURCE_ID` is a digest of every source
//! file (and Cargo.lock). A journal snapshot records the build that wrote it and is used only
//! by the same build, so a change to the replay code or to any type it fills can never make
//! an old snapshot be read as if it were current: it is ignored and rebuilt from the journal.

use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in rd.flatten() {
        let p = entry.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=build.rs");
    let mut paths = Vec::new();
    files(Path::new("src"), &mut paths);
    paths.push(PathBuf::from("Cargo.lock"));
    paths.sort();
    // Two independent 64-bit digests: 128 bits in all.
    let mut a = DefaultHasher::new();
    let mut b = DefaultHasher::new();
    b.write(b"commandpost");
    for p in &paths {
        let name = p.to_string_lossy();
        let bytes = std::fs::read(p).unwrap_or_default();
        for h in [&mut a, &mut b] {
            h.write(name.as_bytes());
            h.write_usize(bytes.len());
            h.write(&bytes);
        }
    }
    println!(
        "cargo:rustc-env=COMMANDPOST_SOURCE_ID={}-{:016x}{:016x}",
        env!("CARGO_PKG_VERSION"),
        a.finish(),
        b.finish()
    );
}
