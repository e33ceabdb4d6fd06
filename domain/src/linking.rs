//! Automatic linking: which of a meeting's people Liaison matches, by e-mail address, to the
//! CRM's contacts and leads when the meeting is saved or synced — the organization's policy
//! (the organizer, the participants, both, or nobody) and the domains it never matches (its
//! own, partners', personal mail). The one home of this rule; the server applies it, the
//! console shows it.

use crate::address::email_address;

/// Whose addresses are matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AutoLinkPolicy {
    None,
    /// The meeting's organizer only (e.g. a customer who sent the invitation).
    Organizer,
    /// The attendees only.
    Participants,
    Both,
}

crate::wire_names!(AutoLinkPolicy {
    None => "none",
    Organizer => "organizer",
    Participants => "participants",
    Both => "both",
});

/// At most this many domains are never matched.
pub const MAX_BLOCKED_DOMAINS: usize = 100;

/// The addresses of a meeting to match under `policy`: lower-case, each once, none of a
/// blocked domain (or a subdomain of one), none that is not an address.
pub fn addresses_to_match(
    policy: AutoLinkPolicy,
    organizer: Option<&str>,
    attendees: &[String],
    blocked_domains: &[String],
) -> Vec<String> {
    let organizer = organizer
        .into_iter()
        .filter(|_| matches!(policy, AutoLinkPolicy::Organizer | AutoLinkPolicy::Both));
    let attendees = attendees
        .iter()
        .map(String::as_str)
        .filter(|_| matches!(policy, AutoLinkPolicy::Participants | AutoLinkPolicy::Both));
    let mut out: Vec<String> = Vec::new();
    for address in organizer.chain(attendees).filter_map(email_address) {
        let domain = address.rsplit('@').next().unwrap_or_default();
        let blocked = blocked_domains
            .iter()
            .any(|b| domain == b || domain.ends_with(&format!(".{b}")));
        if !blocked && !out.contains(&address) {
            out.push(address);
        }
    }
    out
}

/// A domain as the blocked list keeps it (lower-case, no `@`, no trailing dot), or `None`
/// when it is not a domain.
pub fn blocked_domain(text: &str) -> Option<String> {
    let text = text.trim().trim_start_matches('@').trim_end_matches('.');
    let text = text.to_lowercase();
    let valid = !text.is_empty()
        && text.len() <= 253
        && text.contains('.')
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    valid.then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people() -> Vec<String> {
        vec![
            "Nancy@Northwind.example".into(),
            "ann@contoso.com".into(),
            "someone@mail.contoso.com".into(),
            "not an address".into(),
            "nancy@northwind.example".into(),
        ]
    }

    #[test]
    fn the_policy_picks_whose_addresses_and_blocked_domains_never_match() {
        let blocked = vec!["contoso.com".to_owned()];
        let organizer = Some("buyer@fabrikam.example");
        assert_eq!(
            addresses_to_match(AutoLinkPolicy::Both, organizer, &people(), &blocked),
            ["buyer@fabrikam.example", "nancy@northwind.example"]
        );
        assert_eq!(
            addresses_to_match(AutoLinkPolicy::Participants, organizer, &people(), &blocked),
            ["nancy@northwind.example"]
        );
        assert_eq!(
            addresses_to_match(AutoLinkPolicy::Organizer, organizer, &people(), &blocked),
            ["buyer@fabrikam.example"]
        );
        assert!(addresses_to_match(AutoLinkPolicy::None, organizer, &people(), &[]).is_empty());
        assert_eq!(
            addresses_to_match(AutoLinkPolicy::Participants, None, &people(), &[]).len(),
            3
        );
    }

    #[test]
    fn blocked_domains_are_normalized_or_refused() {
        assert_eq!(
            blocked_domain(" @Contoso.COM. ").as_deref(),
            Some("contoso.com")
        );
        for bad in ["", "contoso", "a..b", "x@y@z", "sp ace.com"] {
            assert_eq!(blocked_domain(bad), None, "{bad}");
        }
    }
}
