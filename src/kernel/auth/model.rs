//! Who may do what: roles, the acting user and their data scope, the password
//! policy. No I/O here, so unit tests reach every rule.

use crate::kernel::ids::{CommitteeId, OfficeId, UserId};

crate::code_enum!(
    /// What an account may do (domain.md "People"); the three-way separation of
    /// 等保 keeps the sysadmin and the auditor out of business records.
    Role, "role" {
        DistrictAdmin = "district_admin",
        OfficeStaff = "office_staff",
        Member = "member",
        Department = "department",
        Leader = "leader",
        Auditor = "auditor",
        Sysadmin = "sysadmin",
        SecurityAdmin = "security_admin",
    }
);

/// The three administrators' duties of 三员分立 (等保2.0 level 3): each belongs
/// to exactly one role, so no single account can both act and hide it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// Creating accounts, linking them, their phones, disabling them (sysadmin).
    Accounts,
    /// Granting roles, unlocking, resetting passwords and second factors of
    /// others, the security page (security admin).
    Security,
    /// Reading the audit log (auditor).
    Audit,
}

/// Whether `role` carries `duty`.
pub fn has_duty(role: Role, duty: Duty) -> bool {
    matches!(
        (role, duty),
        (Role::Sysadmin, Duty::Accounts) | (Role::SecurityAdmin, Duty::Security) | (Role::Auditor, Duty::Audit)
    )
}

impl Role {
    /// Office staff belong to exactly one office; the other roles may not have one
    /// (a member's office comes with the roster, not the account).
    pub fn needs_office(self) -> bool {
        matches!(self, Role::OfficeStaff)
    }

    /// The roles that must sign in with a second factor: the three
    /// administrators and the district staff, who see every office's records.
    pub fn needs_two_factor(self) -> bool {
        matches!(self, Role::Sysadmin | Role::SecurityAdmin | Role::Auditor | Role::DistrictAdmin)
    }

    /// The administrators' roles: only the security admin grants them, the
    /// sysadmin creates accounts of the other roles.
    pub fn is_administrator(self) -> bool {
        matches!(self, Role::Sysadmin | Role::SecurityAdmin | Role::Auditor)
    }
}

/// Which offices' records an actor may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeScope {
    /// Every office of the actor's committee.
    All,
    /// One office only.
    One(OfficeId),
    /// No office records at all (accounts and audit roles, departments).
    None,
}

/// The logged-in user on whose behalf a store function runs. Store functions take
/// it and filter by it, so a handler that forgets a check still cannot leak.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: UserId,
    pub committee_id: CommitteeId,
    pub office_id: Option<OfficeId>,
    pub role: Role,
    pub username: String,
    pub display_name: String,
    pub request_id: Option<String>,
}

impl Actor {
    /// A user of `role` in committee 1, of `office` when given: the unit
    /// tests' acting user.
    #[cfg(test)]
    pub fn sample(role: Role, office: Option<i64>) -> Actor {
        Actor {
            user_id: UserId(1),
            committee_id: CommitteeId(1),
            office_id: office.map(OfficeId),
            role,
            username: "u".into(),
            display_name: "u".into(),
            request_id: None,
        }
    }

    pub fn office_scope(&self) -> OfficeScope {
        match self.role {
            Role::DistrictAdmin | Role::Leader => OfficeScope::All,
            Role::OfficeStaff | Role::Member => match self.office_id {
                Some(o) => OfficeScope::One(o),
                None => OfficeScope::None,
            },
            // 三权分立: the system administrator and the auditor do not read
            // business records; departments see only what is assigned to them.
            Role::Department | Role::Auditor | Role::Sysadmin | Role::SecurityAdmin => OfficeScope::None,
        }
    }

    /// Whether records of `office` are in the actor's scope.
    pub fn sees_office(&self, office: OfficeId) -> bool {
        match self.office_scope() {
            OfficeScope::All => true,
            OfficeScope::One(o) => o == office,
            OfficeScope::None => false,
        }
    }

    pub fn can_manage_accounts(&self) -> bool {
        has_duty(self.role, Duty::Accounts)
    }

    pub fn can_read_audit(&self) -> bool {
        has_duty(self.role, Duty::Audit)
    }

    pub fn can_manage_security(&self) -> bool {
        has_duty(self.role, Duty::Security)
    }
}

/// Why a password was refused; each is a translation key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooFewClasses,
    ContainsUsername,
    TooLong,
}

impl PasswordProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "password.too_short",
            PasswordProblem::TooFewClasses => "password.too_few_classes",
            PasswordProblem::ContainsUsername => "password.contains_username",
            PasswordProblem::TooLong => "password.too_long",
        }
    }
}

pub const MIN_PASSWORD_CHARS: usize = 10;
/// Argon2 hashes any length, but a cap keeps a login request cheap to refuse.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// 等保2.0 level 3: at least 10 characters from at least three of the four classes
/// (lower case, upper case, digits, symbols), not containing the user name.
pub fn check_password_policy(password: &str, username: &str) -> Result<(), PasswordProblem> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if len > MAX_PASSWORD_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|&&b| b).count() < 3 {
        return Err(PasswordProblem::TooFewClasses);
    }
    if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
        return Err(PasswordProblem::ContainsUsername);
    }
    Ok(())
}

/// A user name: 3–32 of a–z, 0–9, '.', '_', '-'.
pub fn valid_username(u: &str) -> bool {
    (3..=32).contains(&u.len()) && u.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
}

/// Whether a password set at `changed_at` is too old at `now`: older than
/// `max_age_days` whole days; 0 (or less) turns aging off.
pub fn password_expired(changed_at: chrono::NaiveDateTime, now: chrono::NaiveDateTime, max_age_days: i64) -> bool {
    max_age_days > 0 && now - changed_at > chrono::Duration::days(max_age_days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy() {
        assert_eq!(check_password_policy("Ab1!", "x"), Err(PasswordProblem::TooShort));
        assert_eq!(check_password_policy("abcdefghij", "x"), Err(PasswordProblem::TooFewClasses));
        assert_eq!(check_password_policy("abcdefghi1", "x"), Err(PasswordProblem::TooFewClasses));
        assert_eq!(check_password_policy("abcdefgh1!", "x"), Ok(()));
        assert_eq!(check_password_policy("Abcdefgh12", "x"), Ok(()));
        assert_eq!(check_password_policy("Zhangsan2026!", "zhangsan"), Err(PasswordProblem::ContainsUsername));
        assert_eq!(check_password_policy(&"aB1!".repeat(40), "x"), Err(PasswordProblem::TooLong));
        // Chinese characters count as symbols and as characters, not bytes.
        assert_eq!(check_password_policy("湖滨政协ab12345", "x"), Ok(()));
    }

    #[test]
    fn scope_follows_role() {
        let mut a = Actor::sample(Role::OfficeStaff, Some(3));
        assert_eq!(a.office_scope(), OfficeScope::One(OfficeId(3)));
        assert!(a.sees_office(OfficeId(3)) && !a.sees_office(OfficeId(4)));
        a.role = Role::DistrictAdmin;
        assert_eq!(a.office_scope(), OfficeScope::All);
        assert!(a.sees_office(OfficeId(4)));
        for r in [Role::Sysadmin, Role::Auditor, Role::Department] {
            a.role = r;
            assert_eq!(a.office_scope(), OfficeScope::None);
            assert!(!a.sees_office(OfficeId(3)));
        }
        a.role = Role::OfficeStaff;
        a.office_id = None;
        assert_eq!(a.office_scope(), OfficeScope::None);
        assert!(!a.can_manage_accounts());
        assert!(!a.can_read_audit());
    }

    #[test]
    fn user_names() {
        assert!(valid_username("gaomiao"));
        assert!(valid_username("hb.dept_01-x"));
        assert!(!valid_username("ab"), "too short");
        assert!(!valid_username(&"a".repeat(33)), "too long");
        assert!(!valid_username("Admin"), "upper case");
        assert!(!valid_username("张三"));
    }

    #[test]
    fn each_duty_has_one_role_and_no_role_two_duties() {
        for duty in [Duty::Accounts, Duty::Security, Duty::Audit] {
            let holders: Vec<Role> = Role::ALL.iter().copied().filter(|&r| has_duty(r, duty)).collect();
            assert_eq!(holders.len(), 1, "{duty:?}: {holders:?}");
        }
        for &r in Role::ALL {
            let n = [Duty::Accounts, Duty::Security, Duty::Audit].into_iter().filter(|&d| has_duty(r, d)).count();
            assert!(n <= 1, "{r:?} has {n} duties");
        }
        assert!(has_duty(Role::Sysadmin, Duty::Accounts) && !has_duty(Role::Sysadmin, Duty::Security));
        assert!(has_duty(Role::SecurityAdmin, Duty::Security) && !has_duty(Role::SecurityAdmin, Duty::Audit));
        assert!(has_duty(Role::Auditor, Duty::Audit) && !has_duty(Role::Auditor, Duty::Accounts));
        assert!(!has_duty(Role::DistrictAdmin, Duty::Accounts));
    }

    #[test]
    fn passwords_age_after_the_configured_days() {
        let set =
            chrono::NaiveDate::from_ymd_opt(2026, 12, 3).and_then(|d| d.and_hms_opt(9, 0, 0)).expect("valid date");
        assert!(!password_expired(set, set + chrono::Duration::days(90), 90), "90 days is still in time");
        assert!(password_expired(set, set + chrono::Duration::days(90) + chrono::Duration::seconds(1), 90));
        assert!(!password_expired(set, set + chrono::Duration::days(900), 0), "0 turns aging off");
    }

    #[test]
    fn roles_round_trip() {
        for &r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
