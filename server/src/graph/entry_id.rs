//! Who created an item, as Exchange records it: `PidTagCreatorEntryId` (`Binary 0x3FF9`,
//! MS-OXPROPS 2.655: "Specifies the original author of the message according to their Address
//! Book EntryID"), which Graph shows as a base64 single-value extended property.
//!
//! An Address Book EntryID (MS-OXCDATA 2.2.5.2) is `Flags` (4 bytes, zero in a stored value),
//! `ProviderUID` (16 bytes, `DC A7 40 C8 C0 42 10 1A B4 B9 08 00 2B 2F E1 82`), `Version`
//! (`01 00 00 00`), `Type` (4 bytes) and the entry's X500 distinguished name, NUL-terminated.
//! The DN is the identity: it is the same in every EntryID of the entry, whatever flags or
//! type another writer chose. DNs compare without case (X500). Anything else — a one-off
//! EntryID of someone outside the directory, a value cut short — identifies nobody.

use base64::Engine;

/// The Exchange address book's provider UID (MS-OXCDATA 2.2.5.2).
const ADDRESS_BOOK_PROVIDER: [u8; 16] = [
    0xDC, 0xA7, 0x40, 0xC8, 0xC0, 0x42, 0x10, 0x1A, 0xB4, 0xB9, 0x08, 0x00, 0x2B, 0x2F, 0xE1, 0x82,
];

/// Flags, provider UID, version and type come before the DN.
const HEADER: usize = 28;

/// The longest DN kept (Exchange's are well under 300 characters).
const MAX_DN: usize = 1024;

/// An entry of the Exchange address book, by its X500 DN (lower-cased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressBookId(String);

impl AddressBookId {
    /// The entry an Address Book EntryID names, when `bytes` is one.
    pub fn from_entry_id(bytes: &[u8]) -> Option<Self> {
        if bytes.len() <= HEADER
            || bytes[..4] != [0; 4]
            || bytes[4..20] != ADDRESS_BOOK_PROVIDER
            || bytes[20..24] != [1, 0, 0, 0]
        {
            return None;
        }
        let dn = &bytes[HEADER..];
        let dn = &dn[..dn.iter().position(|b| *b == 0).unwrap_or(dn.len())];
        Self::from_dn(std::str::from_utf8(dn).ok()?)
    }

    /// The entry Graph's base64 value of `PidTagCreatorEntryId` names.
    pub fn from_base64(value: &str) -> Option<Self> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .ok()?;
        Self::from_entry_id(&bytes)
    }

    /// As kept in the store (a DN this type produced).
    pub fn from_dn(dn: &str) -> Option<Self> {
        let dn = dn.trim();
        (dn.starts_with('/') && dn.len() <= MAX_DN && dn.is_ascii() && !dn.contains('\0'))
            .then(|| Self(dn.to_ascii_lowercase()))
    }

    pub fn dn(&self) -> &str {
        &self.0
    }
}

/// An Address Book EntryID for `dn` in the layout above (what the tests read).
#[cfg(test)]
pub fn entry_id_for(dn: &str) -> Vec<u8> {
    let mut bytes = vec![0u8; 4];
    bytes.extend_from_slice(&ADDRESS_BOOK_PROVIDER);
    bytes.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0]);
    bytes.extend_from_slice(dn.as_bytes());
    bytes.push(0);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    const DN: &str = "/o=ExchangeLabs/ou=Exchange Administrative Group \
                      (FYDIBOHF23SPDLT)/cn=Recipients/cn=5fd1c8a2b3-ann";

    #[test]
    fn the_dn_is_the_identity_whatever_its_case() {
        let id = AddressBookId::from_entry_id(&entry_id_for(DN)).unwrap();
        let upper = AddressBookId::from_entry_id(&entry_id_for(&DN.to_uppercase())).unwrap();
        assert_eq!(id, upper);
        assert!(id.dn().ends_with("/cn=recipients/cn=5fd1c8a2b3-ann"));
        let b64 = base64::engine::general_purpose::STANDARD.encode(entry_id_for(DN));
        assert_eq!(AddressBookId::from_base64(&b64), Some(id.clone()));
        assert_eq!(AddressBookId::from_dn(id.dn()), Some(id));
    }

    #[test]
    fn what_is_not_an_address_book_entry_identifies_nobody() {
        let good = entry_id_for(DN);
        let mut other_provider = good.clone();
        other_provider[4] ^= 0xFF;
        let mut flagged = good.clone();
        flagged[0] = 1;
        let mut version = good.clone();
        version[20] = 3;
        for bytes in [
            &[][..],
            &good[..HEADER],
            &other_provider,
            &flagged,
            &version,
            &entry_id_for("not a dn"),
            &entry_id_for(""),
        ] {
            assert_eq!(AddressBookId::from_entry_id(bytes), None, "{bytes:?}");
        }
        assert_eq!(AddressBookId::from_base64("not base64!"), None);
        assert_eq!(
            AddressBookId::from_dn(&format!("/{}", "x".repeat(MAX_DN))),
            None
        );
    }
}
