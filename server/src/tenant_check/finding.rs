//! What the check reports: the mailboxes it asks with, and a finding per behaviour.

use std::fmt;

use secrecy::SecretString;

/// A test mailbox and a delegated Graph access token of it (`User.Read`, `Calendars.ReadWrite`,
/// `Calendars.Read.Shared`).
pub struct Mailbox {
    pub address: String,
    pub token: SecretString,
}

/// Whether Liaison's assumption held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Holds,
    /// Microsoft answered otherwise: Liaison's rule stands on something that is not so.
    Differs,
    /// Reported for the record; no rule stands on it.
    Noted,
    /// Could not be asked (a step before it failed, or the setup lacks something).
    NotChecked,
}

/// One behaviour, asked.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The row of `docs/MICROSOFT.md`.
    pub id: &'static str,
    pub behaviour: &'static str,
    pub answered: String,
    pub verdict: Verdict,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = match self.verdict {
            Verdict::Holds => "holds",
            Verdict::Differs => "DIFFERS",
            Verdict::Noted => "noted",
            Verdict::NotChecked => "not checked",
        };
        write!(
            f,
            "{:<4} {:<11} {}\n                 Microsoft answered: {}",
            self.id, verdict, self.behaviour, self.answered
        )
    }
}

pub(super) fn found(
    id: &'static str,
    behaviour: &'static str,
    answered: String,
    holds: bool,
) -> Finding {
    Finding {
        id,
        behaviour,
        answered,
        verdict: if holds {
            Verdict::Holds
        } else {
            Verdict::Differs
        },
    }
}

pub(super) fn not_checked(id: &'static str, behaviour: &'static str, why: &str) -> Finding {
    Finding {
        id,
        behaviour,
        answered: why.to_owned(),
        verdict: Verdict::NotChecked,
    }
}
