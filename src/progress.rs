//! Progress bars on a terminal, and Ctrl-C as a request to stop cleanly.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressStyle};

/// Set by Ctrl-C: work not yet started is skipped and what finished is kept.
pub static STOP: AtomicBool = AtomicBool::new(false);

/// What a second Ctrl-C does; `main` sets it to end the process at once.
static QUIT_NOW: OnceLock<fn()> = OnceLock::new();

/// Sets what a second Ctrl-C does (the first only asks the long commands to stop).
pub fn on_second_interrupt(quit_now: fn()) {
    let _ = QUIT_NOW.set(quit_now);
}

/// Installs the Ctrl-C handler (once). A second Ctrl-C calls what [`on_second_interrupt`]
/// set.
pub fn catch_interrupt() {
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            if let Some(quit_now) = QUIT_NOW.get() {
                quit_now();
            }
            return;
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
