//! `PidTagCreatorEntryId` as Exchange writes it: the creator's Address Book EntryID
//! (MS-OXCDATA 2.2.5.2) — zero flags, the address book's provider UID, version 1, type 0 (a
//! mail user), then the entry's X500 DN, NUL-terminated. Each simulated person's DN is made
//! from their object id (an invitation's external sender, from their address), so namesakes
//! have different identities, as in a real directory.

use sha2::Digest;

const ADDRESS_BOOK_PROVIDER: [u8; 16] = [
    0xDC, 0xA7, 0x40, 0xC8, 0xC0, 0x42, 0x10, 0x1A, 0xB4, 0xB9, 0x08, 0x00, 0x2B, 0x2F, 0xE1, 0x82,
];

/// The X500 DN of the person `who` (an object id, or an outside sender's address).
pub fn dn(who: &str) -> String {
    let digest = sha2::Sha256::digest(who.trim().to_ascii_lowercase().as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={hex}"
    )
}

/// The Address Book EntryID of `who`.
pub fn of(who: &str) -> Vec<u8> {
    let mut bytes = vec![0u8; 4];
    bytes.extend_from_slice(&ADDRESS_BOOK_PROVIDER);
    bytes.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0]);
    bytes.extend_from_slice(dn(who).as_bytes());
    bytes.push(0);
    bytes
}
