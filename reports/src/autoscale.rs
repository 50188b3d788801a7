//! The terminal summary of autoscaled queues' decisions (`autoscale`): one line per queue,
//! the whole log being in `kendall run --json`.

use kendall_sim::replication::ScaleLog;

/// One line for queue `name`'s decisions in replication 0, e.g. "autoscaler of queue send
/// (replication 0): 240 evaluations, 12 decisions, fleet 1 to 20, ending at 3 (all in
/// --json)".
pub(crate) fn summary_line(name: &str, log: &ScaleLog) -> String {
    let counted = log.decisions.len() as u64 + log.left_out;
    let fleet = match (
        log.decisions.iter().map(|d| d.desired.min(d.current)).min(),
        log.decisions.iter().map(|d| d.desired.max(d.current)).max(),
        log.decisions.last(),
    ) {
        (Some(lo), Some(hi), Some(last)) => {
            format!(", fleet {lo} to {hi}, ending at {}", last.desired)
        }
        _ => String::new(),
    };
    format!(
        "autoscaler of queue {name} (replication 0): {} evaluations, {counted} decisions{fleet} \
         (all in --json)\n",
        log.evaluations
    )
}
