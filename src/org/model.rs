//! Organisation types and rules.

use serde::{Deserialize, Serialize};

/// The kind of township-level unit an office serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OfficeKind {
    /// 乡
    Township,
    /// 镇
    Town,
    /// 街道
    Street,
}

impl OfficeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OfficeKind::Township => "township",
            OfficeKind::Town => "town",
            OfficeKind::Street => "street",
        }
    }

    pub fn parse(s: &str) -> Option<OfficeKind> {
        [OfficeKind::Township, OfficeKind::Town, OfficeKind::Street].into_iter().find(|k| k.as_str() == s)
    }

    /// The kind a Chinese unit name ends with: 乡, 镇 or 街道.
    pub fn from_name(name: &str) -> Option<OfficeKind> {
        if name.ends_with("街道") {
            Some(OfficeKind::Street)
        } else if name.ends_with('镇') {
            Some(OfficeKind::Town)
        } else if name.ends_with('乡') {
            Some(OfficeKind::Township)
        } else {
            None
        }
    }

    pub fn label_key(self) -> String {
        format!("office_kind.{}", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_from_name() {
        assert_eq!(OfficeKind::from_name("高庙乡"), Some(OfficeKind::Township));
        assert_eq!(OfficeKind::from_name("涧河街道"), Some(OfficeKind::Street));
        assert_eq!(OfficeKind::from_name("某某镇"), Some(OfficeKind::Town));
        assert_eq!(OfficeKind::from_name("湖滨区"), None);
        for k in [OfficeKind::Township, OfficeKind::Town, OfficeKind::Street] {
            assert_eq!(OfficeKind::parse(k.as_str()), Some(k));
        }
    }
}
