//! E-mail addresses as Liaison compares them: trimmed, lower-case, plausible.

/// The longest address SMTP allows.
const MAX_ADDRESS_LEN: usize = 320;

/// A plausible SMTP address, lower-cased: one `@`, something on each side, a dot in the domain,
/// no spaces.
pub fn email_address(text: &str) -> Option<String> {
    let text = text.trim().to_lowercase();
    let (local, domain) = text.split_once('@')?;
    let plausible = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && text.len() <= MAX_ADDRESS_LEN
        && !text.chars().any(|c| c.is_whitespace() || c.is_control());
    plausible.then_some(text)
}
