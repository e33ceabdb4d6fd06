//! Who may do what with a CRM record: its owner (who created it) and the tenant's Liaison
//! administrators everything; someone it is shared with, what the share grants; anyone else
//! learns nothing of it (the API answers "not found", as for another tenant's record).

use super::facts::CrmAccess;
use super::reason::Reason;

/// What one person may do with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordRights {
    /// Read it (and its history): `Read` or `Edit`; `None` hides it.
    pub access: CrmAccess,
    /// Share it with others and delete it: its owner and administrators.
    pub manage: bool,
    /// Bring it back once deleted: administrators.
    pub restore: bool,
}

/// The rights of the record's owner (`is_owner`), an administrator (`is_admin`), or someone
/// with `share`.
pub fn record_rights(is_owner: bool, is_admin: bool, share: CrmAccess) -> RecordRights {
    let manage = is_owner || is_admin;
    RecordRights {
        access: if manage { CrmAccess::Edit } else { share },
        manage,
        restore: is_admin,
    }
}

impl RecordRights {
    /// Why a change is refused, or `None` when it is allowed; a record the person may not see
    /// is "not found" before this is asked.
    pub fn edit_refusal(self) -> Option<Reason> {
        (self.access != CrmAccess::Edit).then_some(Reason::CrmReadOnly)
    }

    /// Sharing or deleting: only those who manage the record.
    pub fn manage_refusal(self) -> Option<Reason> {
        (!self.manage).then_some(Reason::CrmNoAccess)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_and_administrators_manage_sharees_get_their_share() {
        for share in [CrmAccess::None, CrmAccess::Read, CrmAccess::Edit] {
            for (owner, admin) in [(true, false), (false, true), (true, true)] {
                let rights = record_rights(owner, admin, share);
                assert_eq!(rights.access, CrmAccess::Edit);
                assert!(rights.manage);
                assert_eq!(rights.restore, admin);
                assert_eq!(rights.edit_refusal(), None);
            }
            let rights = record_rights(false, false, share);
            assert_eq!(rights.access, share);
            assert!(!rights.manage && !rights.restore);
            assert_eq!(rights.manage_refusal(), Some(Reason::CrmNoAccess));
        }
        assert_eq!(
            record_rights(false, false, CrmAccess::Read).edit_refusal(),
            Some(Reason::CrmReadOnly)
        );
        assert_eq!(
            record_rights(false, false, CrmAccess::Edit).edit_refusal(),
            None
        );
    }
}
