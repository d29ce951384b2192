//! `code_enum!`: the enums that are stored as a short code and shown through a
//! translation key (statuses, kinds, ratings).

/// A string-backed enum: stored as `as_str()`, shown through `label_key()`.
#[macro_export]
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, $prefix:literal { $($(#[$vm:meta])* $v:ident = $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name { $($(#[$vm])* $v),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),* }
            }

            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|k| k.as_str() == s)
            }

            pub fn label_key(self) -> String {
                format!(concat!($prefix, ".{}"), self.as_str())
            }
        }
    };
}
