//! `code_enum!`: the enums that are stored as a short code and shown through a
//! translation key (statuses, kinds, ratings), and `text_sql!`, which stores
//! any such enum in a text column.

/// A string-backed enum: stored as `as_str()`, shown through `label_key()`,
/// read and written by diesel as `Text` (see `text_sql!`) and by serde as the
/// same code (audit entries, JSON).
#[macro_export]
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, $prefix:literal { $($(#[$vm:meta])* $v:ident = $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize,
            ::diesel::expression::AsExpression, ::diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = ::diesel::sql_types::Text)]
        // Serialised as the stored code, so an audit entry shows what the
        // database holds ("left", not "Left").
        #[serde(into = "&'static str", try_from = "String")]
        pub enum $name { $($(#[$vm])* $v),* }

        impl From<$name> for &'static str {
            fn from(v: $name) -> &'static str {
                v.as_str()
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(s: String) -> Result<$name, String> {
                $name::parse(&s).ok_or_else(|| format!("unknown {} {:?}", stringify!($name), s))
            }
        }

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

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        $crate::text_sql!($name);
    };
}

/// Stores an enum with `as_str()` and `parse()` in a `Text` column. A value
/// the enum does not know, read from the database, is an error (logged with
/// the request, answered with 500): never quietly taken for another value.
/// The type must also derive `AsExpression` and `FromSqlRow` with
/// `#[diesel(sql_type = Text)]`.
#[macro_export]
macro_rules! text_sql {
    ($name:ty) => {
        impl<DB> ::diesel::serialize::ToSql<::diesel::sql_types::Text, DB> for $name
        where
            DB: ::diesel::backend::Backend,
            str: ::diesel::serialize::ToSql<::diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut ::diesel::serialize::Output<'b, '_, DB>) -> ::diesel::serialize::Result {
                <str as ::diesel::serialize::ToSql<::diesel::sql_types::Text, DB>>::to_sql(self.as_str(), out)
            }
        }

        impl<DB> ::diesel::deserialize::FromSql<::diesel::sql_types::Text, DB> for $name
        where
            DB: ::diesel::backend::Backend,
            String: ::diesel::deserialize::FromSql<::diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> ::diesel::deserialize::Result<Self> {
                let s = <String as ::diesel::deserialize::FromSql<::diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                <$name>::parse(&s)
                    .ok_or_else(|| format!("unknown {} {:?} read from the database", stringify!($name), s).into())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::code_enum!(Sample, "sample" { One = "one", Two = "two" });

    #[test]
    fn serialised_as_the_stored_code() {
        assert_eq!(serde_json::to_string(&Sample::One).ok().as_deref(), Some("\"one\""));
        assert_eq!(serde_json::from_str::<Sample>("\"two\"").ok(), Some(Sample::Two));
        assert!(serde_json::from_str::<Sample>("\"Two\"").is_err(), "the variant's name is not its code");
        assert_eq!(Sample::Two.label_key(), "sample.two");
    }
}
