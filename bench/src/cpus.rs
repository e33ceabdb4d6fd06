//! Where this process may run: `load --server-cpus N` confines the server, the simulator and
//! the load generator to the first N CPUs, so that both stores are measured with the same CPU
//! for the server — SQLite works inside it, PostgreSQL (a service of its own in a deployment)
//! on the CPUs left.

use std::process::Command;

/// Confines every thread of this process, and so every thread it starts later (threads inherit
/// their creator's mask), to CPUs `0..count`; called before the async runtime starts, which
/// then sizes its worker threads to those CPUs. Uses util-linux's `taskset`, which Debian always
/// has: the affinity system call is `unsafe` from Rust, and the workspace forbids `unsafe`.
pub fn pin_this_process(count: usize) -> anyhow::Result<()> {
    let available = std::thread::available_parallelism()?.get();
    anyhow::ensure!(
        (1..available).contains(&count),
        "--server-cpus must leave PostgreSQL at least one of this machine's {available} CPUs"
    );
    let cpus = match count {
        1 => "0".to_owned(),
        n => format!("0-{}", n - 1),
    };
    let status = Command::new("taskset")
        .args(["--all-tasks", "--cpu-list", "--pid", &cpus])
        .arg(std::process::id().to_string())
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| anyhow::anyhow!("taskset (util-linux) could not be started: {e}"))?;
    anyhow::ensure!(status.success(), "taskset failed: {status}");
    println!(
        "server, simulator and load generator on CPU {cpus} of {available}; PostgreSQL may use the others"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::pin_this_process;

    #[test]
    fn leaves_postgresql_at_least_one_cpu() {
        let available = std::thread::available_parallelism().unwrap().get();
        for count in [0, available, available + 1] {
            let refused = pin_this_process(count).unwrap_err().to_string();
            assert!(refused.contains("--server-cpus"), "{count}: {refused}");
        }
    }
}
