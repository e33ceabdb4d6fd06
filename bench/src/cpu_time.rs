//! The CPU time a run took, from `/proc` (proc(5)): this process's — the server, the simulator
//! and the load generator — and, when it runs on this machine, PostgreSQL's. With both, a run
//! says where each context's CPU went, which is what decides the stores' throughput when they
//! share the same cores.

use std::process::Command;

/// Reads CPU time; knows PostgreSQL's postmaster when it runs here.
pub struct CpuMeter {
    postmaster: Option<u32>,
    ticks_per_second: f64,
}

/// CPU time so far, in clock ticks.
#[derive(Clone, Copy)]
pub struct CpuReading {
    this_process: u64,
    postgres: Option<u64>,
}

impl CpuMeter {
    /// A meter for this process, and for the PostgreSQL `postgres` names if it is on this
    /// machine and its processes are visible (said in a line when they are not).
    pub async fn new(postgres: Option<&str>) -> Self {
        let postmaster = match postgres {
            Some(url) => match crate::cpus::local_postmaster(url).await {
                Ok(pid) => Some(pid),
                Err(why) => {
                    println!("PostgreSQL's CPU time not measured ({why})");
                    None
                }
            },
            None => None,
        };
        Self {
            postmaster,
            ticks_per_second: ticks_per_second(),
        }
    }

    pub fn read(&self) -> CpuReading {
        CpuReading {
            this_process: process_ticks(std::process::id()).map_or(0, |t| t.own),
            postgres: self.postmaster.map(postgres_ticks),
        }
    }

    /// What was used between two readings, per context answered.
    pub fn line(&self, before: CpuReading, after: CpuReading, contexts: usize) -> String {
        let seconds = |ticks: u64| ticks as f64 / self.ticks_per_second;
        let per_context = |ticks: u64| seconds(ticks) * 1000.0 / contexts.max(1) as f64;
        let ours = after.this_process.saturating_sub(before.this_process);
        let mut line = format!(
            "  CPU: this process (server, simulator, load generator) {:.1} s = {:.2} ms per context",
            seconds(ours),
            per_context(ours)
        );
        if let (Some(before), Some(after)) = (before.postgres, after.postgres) {
            let theirs = after.saturating_sub(before);
            line.push_str(&format!(
                "; PostgreSQL's processes {:.1} s = {:.2} ms per context",
                seconds(theirs),
                per_context(theirs)
            ));
        }
        line
    }
}

/// A process's CPU time in ticks: its own (all its threads) and that of its children it has
/// waited for.
struct Ticks {
    own: u64,
    reaped_children: u64,
}

/// From `/proc/PID/stat`: after the parenthesised command name come the state (field 3), …,
/// `utime` and `stime` (fields 14, 15), `cutime` and `cstime` (16, 17).
fn process_ticks(pid: u32) -> Option<Ticks> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

fn parse_stat(stat: &str) -> Option<Ticks> {
    let fields: Vec<u64> = crate::cpus::after_command_name(stat)?
        .split_whitespace()
        .skip(11)
        .take(4)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    match fields[..] {
        [utime, stime, cutime, cstime] => Some(Ticks {
            own: utime + stime,
            reaped_children: cutime + cstime,
        }),
        _ => None,
    }
}

/// PostgreSQL's CPU time: the postmaster's, that of its processes alive now (the backends
/// serving us), and that of those that ended, which the postmaster has reaped. A backend that
/// ends between two readings moves from the second term to the third, so differences count it
/// once.
fn postgres_ticks(postmaster: u32) -> u64 {
    let parent = process_ticks(postmaster).map_or(0, |t| t.own + t.reaped_children);
    let children: u64 = crate::cpus::children_of(postmaster)
        .into_iter()
        .filter_map(process_ticks)
        .map(|t| t.own)
        .sum();
    parent + children
}

/// The kernel's clock ticks per second (`getconf CLK_TCK`), in which `/proc` counts CPU time;
/// 100, Linux's value everywhere, when it cannot be asked.
fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_this_processs_cpu_time() {
        let meter = CpuMeter {
            postmaster: None,
            ticks_per_second: ticks_per_second(),
        };
        let before = meter.read();
        let started = std::time::Instant::now();
        let mut spin = 0u64;
        while started.elapsed().as_millis() < 300 {
            spin = std::hint::black_box(spin.wrapping_add(1));
        }
        let after = meter.read();
        assert!(after.this_process > before.this_process);
        let line = meter.line(before, after, 1);
        assert!(line.contains("ms per context"), "{line}");
        assert!(!line.contains("PostgreSQL"), "{line}");
    }

    #[test]
    fn reads_the_clock_fields_after_the_command_name() {
        // A command name may hold spaces and parentheses.
        let stat = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 90 80 70 60 11 22 33 44 20 0 1 0";
        let ticks = parse_stat(stat).unwrap();
        assert_eq!(ticks.own, 11 + 22);
        assert_eq!(ticks.reaped_children, 33 + 44);
        assert!(parse_stat("4242 (cut) S 1 2").is_none());
    }
}
