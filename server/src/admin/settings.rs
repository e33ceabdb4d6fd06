//! The organization's settings: what an administrator may set them to, and how they read in the
//! API. One rule per field; the first field that breaks its rule is named, and nothing is
//! written.

use liaison_domain::api::OrgSettings;
use liaison_domain::linking::{AutoLinkPolicy, MAX_BLOCKED_DOMAINS, blocked_domain};

use crate::store::{DomainList, Tenant};
use crate::sync::plan::BREAKER_MAX_SHARE;
use crate::synced_window::SyncedWindow;

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
    synced_days_back: Option<i32>,
    synced_days_ahead: Option<i32>,
    breaker_threshold_percent: Option<i32>,
    auto_link_policy: Option<AutoLinkPolicy>,
    auto_link_blocked_domains: Option<Vec<String>>,
}

/// The tenant's settings as the API shows them: what applies, the server's defaults where the
/// organization set nothing (`window`: the server's synced window).
pub fn of(tenant: &Tenant, window: SyncedWindow) -> OrgSettings {
    let window = window.with_days(tenant.sync_days_back, tenant.sync_days_ahead);
    OrgSettings {
        crm_category_name: tenant.crm_category_name.clone(),
        crm_category_color: tenant.crm_category_color.clone(),
        insta_sync: tenant.insta_sync,
        sync_interval_minutes: tenant.sync_interval_minutes,
        synced_days_back: i32::try_from(window.days_back).ok(),
        synced_days_ahead: i32::try_from(window.days_ahead).ok(),
        breaker_threshold_percent: Some(
            tenant
                .breaker_percent
                .unwrap_or((BREAKER_MAX_SHARE * 100.0) as i32),
        ),
        auto_link_policy: Some(tenant.auto_link_policy),
        auto_link_blocked_domains: Some(tenant.auto_link_blocked_domains.0.clone()),
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
    let within = |value: Option<i32>, range: std::ops::RangeInclusive<i32>| {
        value.is_none_or(|v| range.contains(&v))
    };
    if !within(wanted.synced_days_back, 0..=3650) {
        return Err(Invalid {
            field: "syncedDaysBack",
            expected: "0 to 3650 days",
        });
    }
    if !within(wanted.synced_days_ahead, 1..=3650) {
        return Err(Invalid {
            field: "syncedDaysAhead",
            expected: "1 to 3650 days",
        });
    }
    if !within(wanted.breaker_threshold_percent, 1..=100) {
        return Err(Invalid {
            field: "breakerThresholdPercent",
            expected: "1 to 100 percent",
        });
    }
    let blocked = match &wanted.auto_link_blocked_domains {
        None => None,
        Some(list) if list.len() > MAX_BLOCKED_DOMAINS => {
            return Err(Invalid {
                field: "autoLinkBlockedDomains",
                expected: "at most 100 domains",
            });
        }
        Some(list) => {
            let mut domains: Vec<String> = Vec::new();
            for text in list {
                let domain = blocked_domain(text).ok_or(Invalid {
                    field: "autoLinkBlockedDomains",
                    expected: "internet domains, e.g. contoso.com",
                })?;
                if !domains.contains(&domain) {
                    domains.push(domain);
                }
            }
            Some(domains)
        }
    };
    Ok(Valid {
        auto_link_policy: wanted.auto_link_policy,
        auto_link_blocked_domains: blocked,
        crm_category_name: name.to_owned(),
        crm_category_color: color.to_owned(),
        insta_sync: wanted.insta_sync,
        sync_interval_minutes: wanted.sync_interval_minutes,
        synced_days_back: wanted.synced_days_back,
        synced_days_ahead: wanted.synced_days_ahead,
        breaker_threshold_percent: wanted.breaker_threshold_percent,
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
        // Absent: as it is.
        if self.synced_days_back.is_some() {
            tenant.sync_days_back = self.synced_days_back;
        }
        if self.synced_days_ahead.is_some() {
            tenant.sync_days_ahead = self.synced_days_ahead;
        }
        if self.breaker_threshold_percent.is_some() {
            tenant.breaker_percent = self.breaker_threshold_percent;
        }
        if let Some(policy) = self.auto_link_policy {
            tenant.auto_link_policy = policy;
        }
        if let Some(domains) = &self.auto_link_blocked_domains {
            tenant.auto_link_blocked_domains = DomainList(domains.clone());
        }
    }

    /// The audit line's detail.
    pub fn describe(&self) -> String {
        let mut text = format!(
            "category {} ({}), insta-sync {}, every {} min",
            self.crm_category_name,
            self.crm_category_color,
            if self.insta_sync { "on" } else { "off" },
            self.sync_interval_minutes
        );
        if let Some(back) = self.synced_days_back {
            text += &format!(", {back} days back");
        }
        if let Some(ahead) = self.synced_days_ahead {
            text += &format!(", {ahead} days ahead");
        }
        if let Some(percent) = self.breaker_threshold_percent {
            text += &format!(", breaker at {percent} %");
        }
        if let Some(policy) = self.auto_link_policy {
            text += &format!(", automatic linking: {policy}");
        }
        if let Some(domains) = &self.auto_link_blocked_domains {
            text += &format!(", never matched: {}", domains.join(" "));
        }
        text
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
            synced_days_back: Some(7),
            synced_days_ahead: Some(90),
            breaker_threshold_percent: Some(50),
            auto_link_policy: Some(AutoLinkPolicy::Participants),
            auto_link_blocked_domains: Some(vec!["contoso.com".into()]),
        }
    }

    #[test]
    fn valid_settings_are_trimmed_and_applied() {
        let valid = validate(&settings()).unwrap();
        let mut tenant = Tenant::new(&"t".into(), "Contoso");
        valid.apply_to(&mut tenant);
        assert_eq!(
            of(&tenant, SyncedWindow::default()),
            OrgSettings {
                crm_category_name: "Client work".into(),
                ..settings()
            }
        );
        assert_eq!(
            valid.describe(),
            "category Client work (Preset3), insta-sync off, every 30 min, 7 days back, \
             90 days ahead, breaker at 50 %, automatic linking: participants, never matched: \
             contoso.com"
        );
        // Absent: as it is; and a tenant that set nothing shows the server's defaults.
        let unchanged = validate(&OrgSettings {
            synced_days_back: None,
            synced_days_ahead: None,
            breaker_threshold_percent: None,
            auto_link_policy: None,
            auto_link_blocked_domains: None,
            ..settings()
        })
        .unwrap();
        unchanged.apply_to(&mut tenant);
        assert_eq!(tenant.sync_days_back, Some(7));
        assert_eq!(tenant.auto_link_policy, AutoLinkPolicy::Participants);
        assert_eq!(tenant.auto_link_blocked_domains.0, ["contoso.com"]);
        let fresh = of(
            &Tenant::new(&"t".into(), "Contoso"),
            SyncedWindow::default(),
        );
        assert_eq!(
            (
                fresh.synced_days_back,
                fresh.synced_days_ahead,
                fresh.breaker_threshold_percent
            ),
            (Some(30), Some(365), Some(30))
        );
    }

    #[test]
    fn each_field_outside_its_rule_is_named() {
        type Change = fn(&mut OrgSettings);
        let cases: [(Change, &str); 15] = [
            (
                |s| s.auto_link_blocked_domains = Some(vec!["not a domain".into()]),
                "autoLinkBlockedDomains",
            ),
            (
                |s| s.auto_link_blocked_domains = Some(vec!["a.example".into(); 101]),
                "autoLinkBlockedDomains",
            ),
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
            (|s| s.synced_days_back = Some(-1), "syncedDaysBack"),
            (|s| s.synced_days_back = Some(3651), "syncedDaysBack"),
            (|s| s.synced_days_ahead = Some(0), "syncedDaysAhead"),
            (
                |s| s.breaker_threshold_percent = Some(0),
                "breakerThresholdPercent",
            ),
            (
                |s| s.breaker_threshold_percent = Some(101),
                "breakerThresholdPercent",
            ),
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
