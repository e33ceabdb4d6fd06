//! CSV cells as RFC 4180 writes them, with spreadsheet formulas defused (OWASP's CSV injection
//! advice: a cell starting `=`, `+`, `-`, `@`, tab or CR gets a leading `'`), and the same
//! prefix taken off again on import, so an export imports back unchanged.

/// A cell to write: defused, then quoted when it holds a comma, a quote or a line break.
pub fn field(value: &str) -> String {
    let value = if starts_like_a_formula(value) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// A cell as read: the `'` [`field`] put before a formula-like value taken off.
pub fn read(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if starts_like_a_formula(rest) => rest,
        _ => cell,
    }
}

fn starts_like_a_formula(value: &str) -> bool {
    value.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_defused_cell_reads_back_as_it_was() {
        for value in [
            "+44 20 7946 0000",
            "=SUM(A1)",
            "-5",
            "@home",
            "plain",
            "'quoted",
        ] {
            let written = field(value);
            let unquoted = written.trim_matches('"');
            assert_eq!(read(unquoted), value, "{written}");
        }
    }
}
