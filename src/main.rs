//! The `kendall` command line: parse the flags, run the use case, print what it returns and
//! turn errors into messages and exit codes (0 ok, 1 bad scenario or input, 2 usage, 130
//! interrupted). Each use case is a module of `commands`.

mod cli;
mod commands;
mod output;
mod plan_autoscale;
mod plan_search;
mod plan_windows;
mod progress;
mod settings;
mod shard;

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use cli::{Cli, Command};
use commands::{Interrupted, Output, Part};

fn main() -> ExitCode {
    let cli = Cli::parse();
    progress::on_second_interrupt(quit_now);
    match dispatch(cli.command) {
        Ok(output) => print(output),
        Err(err) => failure(&err),
    }
}

/// Runs the subcommand.
fn dispatch(command: Command) -> Result<Output> {
    match command {
        Command::Run(args) => commands::run::run(&args),
        Command::Validate { scenarios } => commands::validate::run(&scenarios),
        Command::Predict { scenario, json } => commands::predict::run(&scenario, json),
        Command::ValidateTheory(args) => commands::validate_theory::run(&args),
        Command::Live(args) => commands::live::run(&args),
        Command::Sweep(args) => commands::sweep::run(&args),
        Command::Compare(args) => commands::compare::run(&args),
        Command::Merge { shards, csv } => commands::merge::run(&shards, csv.as_deref()),
        Command::Fit(args) => commands::fit::run(&args),
        Command::Plan(args) => commands::plan::run(&args),
        Command::Report(args) => commands::report::run(&args),
    }
}

/// Prints a command's output in order, then ends as its outcome says. A closed standard
/// output (`kendall … | head`) ends quietly and successfully.
fn print(output: Output) -> ExitCode {
    let mut stdout = io::stdout().lock();
    for part in output.parts {
        match part {
            Part::Stdout(bytes) => {
                if let Err(err) = stdout.write_all(&bytes).and_then(|()| stdout.flush()) {
                    return failure(&err.into());
                }
            }
            Part::Stderr(line) => eprintln!("{line}"),
        }
    }
    match output.outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => failure(&err),
    }
}

/// The message and exit code of an error: 130 when interrupted, 1 otherwise (0 for a closed
/// pipe, which is the reader's choice, not a failure).
fn failure(err: &anyhow::Error) -> ExitCode {
    if is_broken_pipe(err) {
        return ExitCode::SUCCESS;
    }
    if let Some(interrupted) = err.downcast_ref::<Interrupted>() {
        eprintln!("{interrupted}");
        return ExitCode::from(130);
    }
    eprintln!("error: {err:#}");
    ExitCode::from(1)
}

/// A second Ctrl-C: the user will not wait for the running work to finish.
fn quit_now() {
    std::process::exit(130);
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
