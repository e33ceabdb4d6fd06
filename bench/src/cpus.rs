//! Where this process may run: `load --server-cpus N` confines the server, the simulator and
//! the load generator to the first N CPUs, so that both stores are measured with the same CPU
//! for the server — SQLite works inside it — and a PostgreSQL on this machine (a service of its
//! own in a deployment) to the CPUs left.

use std::process::Command;
use std::str::FromStr;

use sqlx::Connection;

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
    set_mask(std::process::id(), &cpus).map_err(anyhow::Error::msg)?;
    println!("server, simulator and load generator on CPU {cpus} of {available}");
    Ok(())
}

/// A PostgreSQL on this machine, its processes confined to the CPUs this process left; given
/// back all CPUs when dropped.
pub struct PostgresConfined {
    postmaster: u32,
    all_cpus: String,
}

/// Confines the PostgreSQL `url` names, when it runs on this machine and this user may move its
/// processes, to CPUs `from..`: its postmaster and every process it started, and so every
/// backend it starts later (a forked process inherits its parent's mask). `None`, with a line
/// saying why, when it cannot: PostgreSQL then shares all CPUs.
pub async fn confine_postgres(url: &str, from: usize) -> Option<PostgresConfined> {
    // The machine's CPUs, not this process's: it is confined already.
    let online = std::fs::read_to_string("/sys/devices/system/cpu/online").ok()?;
    let all_cpus = online.trim().to_owned();
    let last: usize = all_cpus.rsplit(['-', ',']).next()?.parse().ok()?;
    let theirs = match from {
        n if n == last => n.to_string(),
        n => format!("{n}-{last}"),
    };
    let postmaster = match local_postmaster(url).await {
        Ok(pid) => pid,
        Err(why) => {
            println!("PostgreSQL not confined ({why}): it may use every CPU");
            return None;
        }
    };
    if let Err(why) = set_mask(postmaster, &theirs) {
        println!("PostgreSQL not confined ({why}): it may use every CPU");
        return None;
    }
    let children = children_of(postmaster);
    for child in &children {
        // A backend that ended meanwhile is no matter.
        let _ = set_mask(*child, &theirs);
    }
    println!(
        "PostgreSQL (postmaster {postmaster} and its {} processes, and the backends it starts) on CPU {theirs}",
        children.len()
    );
    Some(PostgresConfined {
        postmaster,
        all_cpus,
    })
}

impl Drop for PostgresConfined {
    fn drop(&mut self) {
        for pid in std::iter::once(self.postmaster).chain(children_of(self.postmaster)) {
            let _ = set_mask(pid, &self.all_cpus);
        }
    }
}

/// The postmaster of the PostgreSQL `url` names, if it runs on this machine: the parent of the
/// backend serving a connection of ours.
pub async fn local_postmaster(url: &str) -> Result<u32, String> {
    let database: liaison_server::store::DatabaseUrl = url.parse()?;
    if !database.is_on_this_machine() {
        return Err(format!("{database} is on another machine"));
    }
    let options = sqlx::postgres::PgConnectOptions::from_str(url).map_err(|e| e.to_string())?;
    let mut connection = sqlx::PgConnection::connect_with(&options)
        .await
        .map_err(|e| e.to_string())?;
    let (backend,): (i32,) = sqlx::query_as("SELECT pg_backend_pid()")
        .fetch_one(&mut connection)
        .await
        .map_err(|e| e.to_string())?;
    let _ = connection.close().await;
    let backend = u32::try_from(backend).map_err(|e| e.to_string())?;
    let postmaster = parent_of(backend).ok_or("its backend's parent is not visible")?;
    let name = std::fs::read_to_string(format!("/proc/{postmaster}/comm")).unwrap_or_default();
    if name.trim() != "postgres" {
        return Err(format!(
            "process {postmaster} is {}, not postgres",
            name.trim()
        ));
    }
    Ok(postmaster)
}

/// A process's parent, from `/proc/PID/stat` (the field after the state).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    after_command_name(&stat)?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The fields of a `/proc/PID/stat` line from the state (field 3) on: those after the
/// parenthesised command name, which may itself hold spaces and parentheses (proc(5)).
pub fn after_command_name(stat: &str) -> Option<&str> {
    Some(&stat[stat.rfind(')')? + 1..])
}

pub fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| parent_of(*pid) == Some(parent))
        .collect()
}

/// Every thread of process `pid` on `cpus` (a `taskset` CPU list).
fn set_mask(pid: u32, cpus: &str) -> Result<(), String> {
    let output = Command::new("taskset")
        .args(["--all-tasks", "--cpu-list", "--pid", cpus])
        .arg(pid.to_string())
        .output()
        .map_err(|e| format!("taskset (util-linux) could not be started: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "taskset: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::{parent_of, pin_this_process};

    #[test]
    fn leaves_postgresql_at_least_one_cpu() {
        let available = std::thread::available_parallelism().unwrap().get();
        for count in [0, available, available + 1] {
            let refused = pin_this_process(count).unwrap_err().to_string();
            assert!(refused.contains("--server-cpus"), "{count}: {refused}");
        }
    }

    #[test]
    fn reads_a_processs_parent() {
        assert_eq!(
            parent_of(std::process::id()),
            Some(std::os::unix::process::parent_id())
        );
    }
}
