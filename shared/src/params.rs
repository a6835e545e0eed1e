//! A chapter's parameters, each declared once.
//!
//! [`parameters!`](crate::parameters) turns one declaration per parameter
//! (doc comment = help text, type, default, allowed range) into the
//! configuration struct, its [`Default`], its command-line flags (clap derives
//! them from the same fields, so `--help` shows the help, the range and the
//! default) and a `check_ranges` method that library callers and the binary
//! share. Rules that tie two parameters together (say, rank below dimension)
//! stay in the chapter's own `validate`, which calls `check_ranges` first.
//!
//! The flag of a field is `--` followed by the field name, so field names are
//! single lower-case words.

/// Declares a chapter's configuration struct: each field once, with its help
/// (doc comment), type, default and optional inclusive range.
///
/// ```
/// shared::parameters! {
///     /// Settings of a run.
///     pub struct Config {
///         /// Ambient dimension D.
///         dim: usize = 50, range(3, 1000);
///         /// Seed of every random draw.
///         seed: u64 = 0;
///     }
/// }
/// let config = Config::default();
/// assert_eq!(config.dim, 50);
/// assert!(config.check_ranges().is_ok());
/// assert!(Config { dim: 2, ..config }.check_ranges().is_err());
/// ```
#[macro_export]
macro_rules! parameters {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[doc = $help:literal])+
                $field:ident : $ty:ty = $default:expr $(, range($lo:expr, $hi:expr))? ;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, clap::Args)]
        $vis struct $name {
            $(
                $(#[doc = $help])+
                #[arg(
                    long,
                    default_value_t = $default,
                    help = concat!($($help),+ $(, " [range: ", stringify!($lo), " to ", stringify!($hi), "]")?),
                )]
                pub $field: $ty,
            )*
        }

        impl ::core::default::Default for $name {
            fn default() -> Self {
                Self { $($field: $default,)* }
            }
        }

        impl $name {
            /// Checks every parameter against its declared range (a NaN is out of
            /// every range); the error names the flag and the range.
            ///
            /// # Errors
            /// [`shared::Error::OutOfRange`](crate::Error::OutOfRange) for the first field out of range.
            pub fn check_ranges(&self) -> $crate::Result<()> {
                $($(
                    $crate::cli::ensure_in_range(
                        concat!("--", stringify!($field)),
                        self.$field,
                        $lo,
                        $hi,
                    )
                    .map_err($crate::Error::as_flag)?;
                )?)*
                Ok(())
            }
        }
    };
}
