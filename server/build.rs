//! Rebuilds the server when a migration is added: `sqlx::migrate!` embeds the migrations at
//! compile time, and Cargo does not otherwise watch the directory for new files.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
