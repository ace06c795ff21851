//! Measures the status-update linter on the labelled corpus of real public status-page updates
//! and prints the confusion table and every miss.
//!
//!     cargo run --release --example lint-eval            # the held-out split
//!     cargo run --release --example lint-eval -- dev     # dev | heldout | fresh | all
//!     cargo run --release --example lint-eval -- heldout --quiet   # table only

use commandpost::domain::lint::Linter;
use commandpost::domain::lint::corpus;

fn main() {
    let mut split = "heldout".to_string();
    let mut quiet = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quiet" | "-q" => quiet = true,
            "dev" | "heldout" | "fresh" | "all" => split = arg,
            other => {
                eprintln!(
                    "lint-eval: unknown argument `{other}` (dev | heldout | fresh | all, --quiet)"
                );
                std::process::exit(2);
            }
        }
    }
    let entries = match corpus::embedded() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("lint-eval: the corpus does not parse: {e}");
            std::process::exit(1);
        }
    };
    let linter = match Linter::builtin() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("lint-eval: {e}");
            std::process::exit(1);
        }
    };
    let ev = corpus::evaluate(&linter, &entries, &split);
    let report = ev.report();
    if quiet {
        let table: Vec<&str> = report.lines().take_while(|l| !l.is_empty()).collect();
        println!("{}", table.join("\n"));
    } else {
        print!("{report}");
    }
}
