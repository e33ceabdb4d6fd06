//! The rules on a CRM event itself, apart from any Outlook item: who may delete it in the CRM.

use super::facts::CrmAccess;
use super::reason::Reason;

/// What a person may know and do with a CRM event of someone's CRM calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrmEventVerdict {
    Allowed,
    /// They may see the event but not do this; the reason says why.
    Refused(Reason),
    /// They may not even learn that the event exists.
    Hidden,
}

/// Deleting a CRM event in the CRM: its Organizer may, and a delegate whose share of the
/// Organizer's CRM calendar allows editing. A read-only share is refused (`crm_read_only`);
/// anyone else is told nothing about the event.
pub fn delete_crm_event(is_organizer: bool, share: CrmAccess) -> CrmEventVerdict {
    match (is_organizer, share) {
        (true, _) | (false, CrmAccess::Edit) => CrmEventVerdict::Allowed,
        (false, CrmAccess::Read) => CrmEventVerdict::Refused(Reason::CrmReadOnly),
        (false, CrmAccess::None) => CrmEventVerdict::Hidden,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_organizer_and_editors_delete_readers_are_refused_others_learn_nothing() {
        for share in [CrmAccess::None, CrmAccess::Read, CrmAccess::Edit] {
            assert_eq!(delete_crm_event(true, share), CrmEventVerdict::Allowed);
        }
        assert_eq!(
            delete_crm_event(false, CrmAccess::Edit),
            CrmEventVerdict::Allowed
        );
        assert_eq!(
            delete_crm_event(false, CrmAccess::Read),
            CrmEventVerdict::Refused(Reason::CrmReadOnly)
        );
        assert_eq!(
            delete_crm_event(false, CrmAccess::None),
            CrmEventVerdict::Hidden
        );
    }
}
