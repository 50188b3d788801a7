//! Progress bars on a terminal, and Ctrl-C as a request to stop cleanly.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressStyle};

/// Set by Ctrl-C: work not yet started is skipped and what finished is kept.
pub static STOP: AtomicBool = AtomicBool::new(false);

/// Installs the Ctrl-C handler (once). A second Ctrl-C ends the process at once.
pub fn catch_interrupt() {
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!(
            "\ninterrupted: finishing what is running, keeping what is done (Ctrl-C again to quit now)"
        );
    });
}

/// True once Ctrl-C was pressed.
pub fn interrupted() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// A bar counting `total` replications on stderr — only when stderr is a terminal and the
/// output is not machine-readable, so JSON and pipes never see it.
pub fn bar(total: u64, what: &str, machine_output: bool) -> Option<ProgressBar> {
    if machine_output || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(total);
    let style =
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} {msg} (eta {eta})")
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(what.to_string());
    Some(bar)
}
