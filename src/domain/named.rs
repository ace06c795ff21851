//! Enums named by words (a stage, a message kind, a component status, a backend kind, a drill
//! inject kind): their names are written once, in a [`named_enum!`] list.

/// For a field-less enum: `ALL` (every variant, in order), `as_str` (its name, as in config
/// files, the journal and on the command line) and `Display` (that name). With `parse:
/// Error`, also `FromStr`: case-insensitive, surrounding whitespace ignored, else
/// `Error(the text given)`.
macro_rules! named_enum {
    ($ty:ident { $($variant:ident => $name:literal,)* }) => {
        impl $ty {
            /// Every one, in order.
            pub const ALL: [$ty; [$($name),*].len()] = [$($ty::$variant),*];

            /// The name, as in config files, the journal and on the command line.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)*
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
    ($ty:ident, parse: $err:ident { $($variant:ident => $name:literal,)* }) => {
        $crate::domain::named::named_enum!($ty { $($variant => $name,)* });

        impl std::str::FromStr for $ty {
            type Err = $err;

            /// Case-insensitive, surrounding whitespace ignored.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim();
                $ty::ALL
                    .into_iter()
                    .find(|v| v.as_str().eq_ignore_ascii_case(wanted))
                    .ok_or_else(|| $err(s.to_string()))
            }
        }
    };
}

pub(crate) use named_enum;
