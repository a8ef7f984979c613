//! The Graph security API's enums for alerts and incidents, with their wire spellings. Parsing
//! ignores case and accepts the documented alternative spellings of determinations; output is
//! always the first spelling.

use crate::{DetectError, Result};

/// Declares a string enum: its variants with their Graph spelling, parsing (case-insensitive,
/// with aliases) and serde in both directions.
macro_rules! graph_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal $(| $alias:literal)*,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The Graph spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// Parses a Graph spelling (or a documented alias), ignoring case.
            pub fn parse(text: &str) -> Result<$name> {
                let text = text.trim();
                $(
                    if text.eq_ignore_ascii_case($text) $(|| text.eq_ignore_ascii_case($alias))* {
                        return Ok($name::$variant);
                    }
                )+
                let choices: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                Err(DetectError::Invalid(format!(
                    "`{}` is not a valid `{}`; use one of {}",
                    text,
                    $field,
                    choices.join(", ")
                )))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                $name::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

graph_enum! {
    /// How serious an alert or incident is. Ordered: `High` is the greatest.
    Severity, "severity" {
        /// Informational.
        Informational = "informational",
        /// Low.
        Low = "low",
        /// Medium.
        Medium = "medium",
        /// High.
        High = "high",
    }
}

graph_enum! {
    /// An alert's triage state.
    AlertStatus, "status" {
        /// Not looked at (shown as New).
        New = "new",
        /// Being worked on.
        InProgress = "inProgress",
        /// Closed.
        Resolved = "resolved",
    }
}

graph_enum! {
    /// An incident's triage state (`active` is shown as New).
    IncidentStatus, "status" {
        /// Open and not yet taken (New).
        Active = "active" | "new",
        /// Being worked on.
        InProgress = "inProgress",
        /// Closed.
        Resolved = "resolved",
        /// Merged into another incident (`redirectIncidentId`).
        Redirected = "redirected",
        /// Waiting for someone outside the SOC.
        AwaitingAction = "awaitingAction",
    }
}

graph_enum! {
    /// The analyst's verdict.
    Classification, "classification" {
        /// Benign, wrongly flagged.
        FalsePositive = "falsePositive",
        /// A real threat.
        TruePositive = "truePositive",
        /// Real but expected activity (benign positive).
        InformationalExpectedActivity = "informationalExpectedActivity",
    }
}

graph_enum! {
    /// What the activity was. The second spellings are Graph's other documented names.
    Determination, "determination" {
        /// Malware.
        Malware = "malware",
        /// A security test.
        SecurityTesting = "securityTesting",
        /// Unwanted software.
        UnwantedSoftware = "unwantedSoftware",
        /// A multi-staged attack.
        MultiStagedAttack = "multiStagedAttack",
        /// A compromised account.
        CompromisedAccount = "compromisedAccount" | "compromisedUser",
        /// Phishing.
        Phishing = "phishing",
        /// Malicious user activity.
        MaliciousUserActivity = "maliciousUserActivity",
        /// Not malicious.
        NotMalicious = "notMalicious" | "clean",
        /// Not enough data to tell.
        NotEnoughDataToValidate = "notEnoughDataToValidate" | "insufficientData",
        /// Activity the user confirmed.
        ConfirmedActivity = "confirmedActivity" | "confirmedUserActivity",
        /// A line-of-business application.
        LineOfBusinessApplication = "lineOfBusinessApplication",
        /// Something else.
        Other = "other",
        /// Deprecated, still read.
        Apt = "apt",
        /// Deprecated, still read.
        SecurityPersonnel = "securityPersonnel",
    }
}

impl Determination {
    /// Whether the determination fits the classification, as Defender pairs them.
    pub fn fits(self, classification: Classification) -> bool {
        use Determination::*;
        match classification {
            Classification::TruePositive => matches!(
                self,
                Malware
                    | UnwantedSoftware
                    | MultiStagedAttack
                    | CompromisedAccount
                    | Phishing
                    | MaliciousUserActivity
                    | Apt
                    | Other
            ),
            Classification::InformationalExpectedActivity => {
                matches!(
                    self,
                    SecurityTesting | ConfirmedActivity | LineOfBusinessApplication | SecurityPersonnel | Other
                )
            }
            Classification::FalsePositive => matches!(self, NotMalicious | NotEnoughDataToValidate | Other),
        }
    }
}

/// Defender's alert categories: the ATT&CK tactics plus four of its own.
pub const CATEGORIES: &[&str] = &[
    "InitialAccess",
    "Execution",
    "Persistence",
    "PrivilegeEscalation",
    "DefenseEvasion",
    "CredentialAccess",
    "Discovery",
    "LateralMovement",
    "Collection",
    "CommandAndControl",
    "Exfiltration",
    "Impact",
    "Reconnaissance",
    "ResourceDevelopment",
    "Malware",
    "Ransomware",
    "SuspiciousActivity",
    "UnwantedSoftware",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn determinations_accept_both_spellings_and_emit_the_first() {
        for (text, expected) in [
            ("compromisedUser", "compromisedAccount"),
            ("COMPROMISEDACCOUNT", "compromisedAccount"),
            ("clean", "notMalicious"),
            ("insufficientData", "notEnoughDataToValidate"),
            ("confirmedUserActivity", "confirmedActivity"),
            ("securityPersonnel", "securityPersonnel"),
        ] {
            assert_eq!(Determination::parse(text).map(Determination::as_str), Ok(expected), "{text}");
        }
    }

    #[test]
    fn a_wrong_value_names_the_field_and_the_choices() {
        let error = Severity::parse("critical").unwrap_err().to_string();
        assert!(error.contains("`critical` is not a valid `severity`"), "{error}");
        assert!(error.contains("informational, low, medium, high"), "{error}");
    }

    #[test]
    fn severities_order_from_informational_to_high() {
        assert!(Severity::High > Severity::Medium && Severity::Low > Severity::Informational);
        let json = serde_json::to_string(&IncidentStatus::InProgress).unwrap();
        assert_eq!(json, "\"inProgress\"");
        let back: AlertStatus = serde_json::from_str("\"InProgress\"").unwrap();
        assert_eq!(back, AlertStatus::InProgress);
    }

    #[test]
    fn determinations_pair_with_classifications() {
        assert!(Determination::Malware.fits(Classification::TruePositive));
        assert!(!Determination::Malware.fits(Classification::FalsePositive));
        assert!(Determination::SecurityTesting.fits(Classification::InformationalExpectedActivity));
    }
}
