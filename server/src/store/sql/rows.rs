//! Many rows in few statements, as each backend takes them best.
//!
//! PostgreSQL gets one array per column, read back with `UNNEST`: one statement and one small
//! plan whatever the row count (multi-row `VALUES` with thousands of parameters costs more to
//! parse and plan than to run). SQLite, which has no arrays and no round trips, gets multi-row
//! `VALUES` of at most [`SQLITE_ROWS`] rows: its time to prepare such a statement grows faster
//! than its rows (measured: a 500-row upsert took 100–290 ms, ten 50-row ones 20 ms in all).
//! Its parameters are anonymous (`?`): sqlx asks SQLite each parameter's name to bind it, and
//! SQLite finds a name by walking the statement's list of names — with `$1 … $1050` (50 rows
//! of 21 columns), binding cost more than writing (`perf`: the import's first cost). So the
//! statement around the rows has no parameters of its own.

use super::db::{Sql, Value, sql};

/// Rows per SQLite statement.
pub const SQLITE_ROWS: usize = 50;

/// A column's SQL type, for PostgreSQL's array parameters.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Text,
    BigInt,
    Bool,
}

impl Kind {
    fn array_type(self) -> &'static str {
        match self {
            Self::Text => "text[]",
            Self::BigInt => "bigint[]",
            Self::Bool => "boolean[]",
        }
    }
}

/// Rows of values for one table, in column order.
pub struct Rows<'a> {
    kinds: &'static [Kind],
    cells: Vec<Value<'a>>,
}

impl<'a> Rows<'a> {
    pub fn new(kinds: &'static [Kind]) -> Self {
        Self {
            kinds,
            cells: Vec::new(),
        }
    }

    /// Adds a row: one value per column, of the column's kind.
    pub fn push<const N: usize>(&mut self, row: [Value<'a>; N]) {
        debug_assert_eq!(N, self.kinds.len(), "one value per column");
        self.cells.extend(row);
    }

    /// The statements writing the rows: `statement` is given the row source (`VALUES (…), …`
    /// or `SELECT * FROM UNNEST(…)`) and returns the whole statement around it, which has no
    /// parameters of its own.
    pub fn statements(self, postgres: bool, statement: impl Fn(&str) -> String) -> Vec<Sql<'a>> {
        if self.cells.is_empty() {
            return Vec::new();
        }
        if postgres {
            vec![self.unnest(&statement)]
        } else {
            self.values(&statement)
        }
    }

    fn unnest(self, statement: &impl Fn(&str) -> String) -> Sql<'a> {
        let columns = self.kinds.len();
        let rows = self.cells.len() / columns;
        let mut arrays: Vec<Value<'a>> = self
            .kinds
            .iter()
            .map(|kind| match kind {
                Kind::Text => Value::TextArray(Vec::with_capacity(rows)),
                Kind::BigInt => Value::BigIntArray(Vec::with_capacity(rows)),
                Kind::Bool => Value::BoolArray(Vec::with_capacity(rows)),
            })
            .collect();
        for (i, cell) in self.cells.into_iter().enumerate() {
            match (&mut arrays[i % columns], cell) {
                (Value::TextArray(a), Value::Text(v)) => a.push(v.map(|v| v.into_owned())),
                (Value::BigIntArray(a), Value::BigInt(v)) => a.push(v),
                (Value::BigIntArray(a), Value::Int(v)) => a.push(v.map(i64::from)),
                (Value::BoolArray(a), Value::Bool(v)) => a.push(v),
                // A value of another kind than its column's: NULL, as the type check would
                // refuse it anyway (the unit tests keep the columns and the values in step).
                (Value::TextArray(a), _) => a.push(None),
                (Value::BigIntArray(a), _) => a.push(None),
                (Value::BoolArray(a), _) => a.push(None),
                _ => {}
            }
        }
        let parameters: Vec<String> = self
            .kinds
            .iter()
            .enumerate()
            .map(|(n, kind)| format!("${}::{}", n + 1, kind.array_type()))
            .collect();
        let mut unnest = sql(statement(&format!(
            "SELECT * FROM UNNEST({})",
            parameters.join(", ")
        )));
        for array in arrays {
            unnest = unnest.bind(array);
        }
        unnest
    }

    fn values(self, statement: &impl Fn(&str) -> String) -> Vec<Sql<'a>> {
        let columns = self.kinds.len();
        let mut cells = self.cells.into_iter();
        let mut statements = Vec::new();
        let mut remaining = cells.len() / columns;
        while remaining > 0 {
            let rows = remaining.min(SQLITE_ROWS);
            remaining -= rows;
            let text = statement(&values(rows, columns));
            debug_assert!(!text.contains('$'), "a parameter around the rows: {text}");
            let mut one = sql(text);
            for cell in cells.by_ref().take(rows * columns) {
                one = one.bind(cell);
            }
            statements.push(one);
        }
        statements
    }
}

/// `VALUES (?, ?, …), (…), …` for `rows` rows of `columns` values each, bound in order.
fn values(rows: usize, columns: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    format!("VALUES {}", vec![row; rows].join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: &[Kind] = &[Kind::Text, Kind::BigInt, Kind::Bool];

    fn rows(n: usize) -> Rows<'static> {
        let mut rows = Rows::new(KINDS);
        for i in 0..n {
            rows.push([
                Value::from(format!("r{i}")),
                Value::from(i as i64),
                Value::from(i % 2 == 0),
            ]);
        }
        rows
    }

    #[test]
    fn postgres_gets_one_statement_of_one_array_per_column() {
        let statements = rows(120).statements(true, |source| format!("INSERT INTO t {source}"));
        assert_eq!(statements.len(), 1);
        let (text, values) = statements.into_iter().next().unwrap().into_parts();
        assert_eq!(
            text,
            "INSERT INTO t SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::boolean[])"
        );
        assert_eq!(values.len(), 3);
        match &values[1] {
            Value::BigIntArray(a) => assert_eq!(a.len(), 120),
            other => panic!("{other:?}"),
        }
        match &values[0] {
            Value::TextArray(a) => assert_eq!(a[119].as_deref(), Some("r119")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sqlite_gets_values_of_at_most_fifty_rows_in_order() {
        let statements = rows(120).statements(false, |source| format!("INSERT INTO t {source}"));
        let parts: Vec<(String, usize)> = statements
            .into_iter()
            .map(|s| {
                let (text, values) = s.into_parts();
                (text, values.len())
            })
            .collect();
        assert_eq!(
            parts.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
            [150, 150, 60]
        );
        assert!(parts[2].0.ends_with("(?, ?, ?)"), "{}", parts[2].0);
        assert!(parts[0].0.starts_with("INSERT INTO t VALUES (?, ?, ?), (?"));
        assert_eq!(parts[0].0.matches('?').count(), 150);
    }

    #[test]
    fn no_rows_no_statement() {
        assert!(rows(0).statements(true, str::to_owned).is_empty());
        assert!(rows(0).statements(false, str::to_owned).is_empty());
    }
}
