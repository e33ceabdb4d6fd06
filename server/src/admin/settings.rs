//! The organization's settings: what an administrator may set them to, and how they read in the
//! API. One rule per field; the first field that breaks its rule is named, and nothing is
//! written.

use liaison_domain::api::OrgSettings;

use crate::store::Tenant;

/// A setting outside what it may be: the field (as the API names it) and what it may be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {expected}")]
pub struct Invalid {
    pub field: &'static str,
    pub expected: &'static str,
}

/// Settings that passed every rule, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Valid {
    crm_category_name: String,
    crm_category_color: String,
    insta_sync: bool,
    sync_interval_minutes: i32,
}

/// The tenant's settings as the API shows them.
pub fn of(tenant: &Tenant) -> OrgSettings {
    OrgSettings {
        crm_category_name: tenant.crm_category_name.clone(),
        crm_category_color: tenant.crm_category_color.clone(),
        insta_sync: tenant.insta_sync,
        sync_interval_minutes: tenant.sync_interval_minutes,
    }
}

/// `wanted`, if every field is within its rule.
pub fn validate(wanted: &OrgSettings) -> Result<Valid, Invalid> {
    let name = wanted.crm_category_name.trim();
    // Outlook's category names: 1 to 255 characters (the masterCategories displayName).
    if name.is_empty() || name.chars().count() > 255 {
        return Err(Invalid {
            field: "crmCategoryName",
            expected: "1 to 255 characters",
        });
    }
    let color = wanted.crm_category_color.trim();
    if !is_category_color(color) {
        return Err(Invalid {
            field: "crmCategoryColor",
            expected: "an Office CategoryColor: None or Preset0 to Preset24",
        });
    }
    if !(1..=1440).contains(&wanted.sync_interval_minutes) {
        return Err(Invalid {
            field: "syncIntervalMinutes",
            expected: "1 to 1440 minutes",
        });
    }
    Ok(Valid {
        crm_category_name: name.to_owned(),
        crm_category_color: color.to_owned(),
        insta_sync: wanted.insta_sync,
        sync_interval_minutes: wanted.sync_interval_minutes,
    })
}

/// Office's `CategoryColor` values: `None`, `Preset0` … `Preset24` (Graph's outlookCategory
/// `color`), written exactly so.
fn is_category_color(color: &str) -> bool {
    color == "None"
        || color
            .strip_prefix("Preset")
            .and_then(|n| n.parse::<u8>().ok())
            .is_some_and(|n| n <= 24 && color == format!("Preset{n}"))
}

impl Valid {
    /// Whether these settings name the CRM category `name` (as Outlook compares names: without
    /// case).
    pub fn names_the_category(&self, name: &str) -> bool {
        self.crm_category_name.eq_ignore_ascii_case(name.trim())
    }

    pub fn apply_to(&self, tenant: &mut Tenant) {
        tenant.crm_category_name = self.crm_category_name.clone();
        tenant.crm_category_color = self.crm_category_color.clone();
        tenant.insta_sync = self.insta_sync;
        tenant.sync_interval_minutes = self.sync_interval_minutes;
    }

    /// The audit line's detail.
    pub fn describe(&self) -> String {
        format!(
            "category {} ({}), insta-sync {}, every {} min",
            self.crm_category_name,
            self.crm_category_color,
            if self.insta_sync { "on" } else { "off" },
            self.sync_interval_minutes
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> OrgSettings {
        OrgSettings {
            crm_category_name: " Client work ".into(),
            crm_category_color: "Preset3".into(),
            insta_sync: false,
            sync_interval_minutes: 30,
        }
    }

    #[test]
    fn valid_settings_are_trimmed_and_applied() {
        let valid = validate(&settings()).unwrap();
        let mut tenant = Tenant::new(&"t".into(), "Contoso");
        valid.apply_to(&mut tenant);
        assert_eq!(
            of(&tenant),
            OrgSettings {
                crm_category_name: "Client work".into(),
                ..settings()
            }
        );
        assert_eq!(
            valid.describe(),
            "category Client work (Preset3), insta-sync off, every 30 min"
        );
    }

    #[test]
    fn each_field_outside_its_rule_is_named() {
        type Change = fn(&mut OrgSettings);
        let cases: [(Change, &str); 8] = [
            (|s| s.crm_category_name = "  ".into(), "crmCategoryName"),
            (|s| s.crm_category_name = "x".repeat(256), "crmCategoryName"),
            (
                |s| s.crm_category_color = "Preset25".into(),
                "crmCategoryColor",
            ),
            (
                |s| s.crm_category_color = "Preset03".into(),
                "crmCategoryColor",
            ),
            (
                |s| s.crm_category_color = "#ff0000".into(),
                "crmCategoryColor",
            ),
            (
                |s| s.crm_category_color = "Preset+1".into(),
                "crmCategoryColor",
            ),
            (|s| s.sync_interval_minutes = 0, "syncIntervalMinutes"),
            (|s| s.sync_interval_minutes = 1441, "syncIntervalMinutes"),
        ];
        for (change, field) in cases {
            let mut wanted = settings();
            change(&mut wanted);
            assert_eq!(validate(&wanted).map_err(|e| e.field), Err(field));
        }
        for color in ["None", "Preset0", "Preset24"] {
            let mut wanted = settings();
            wanted.crm_category_color = color.into();
            assert!(validate(&wanted).is_ok(), "{color}");
        }
        let mut longest = settings();
        longest.crm_category_name = "é".repeat(255);
        assert!(validate(&longest).is_ok());
    }
}
