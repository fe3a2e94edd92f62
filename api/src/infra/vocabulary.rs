//! Vocabularies: closed lists of values (kinds, levels, statuses…), each an enum whose slug
//! (in URLs, forms, JSON and the database) and French label are written once, in its
//! `vocabulary!` declaration. The macro derives the rest: `as_str`, `label`, `ALL` in
//! order, `FromStr`, `Display`, and serde as the slug.

/// A vocabulary that a slug does not name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown(pub String);

impl std::fmt::Display for Unknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "valeur inconnue : « {} »", self.0)
    }
}

impl std::error::Error for Unknown {}

/// A vocabulary read from a row's column: a value the database should not hold is a decode
/// error, like a wrong type.
pub fn slug<T>(row: &sqlx::any::AnyRow, column: &str) -> Result<T, sqlx::Error>
where
    T: std::str::FromStr<Err = Unknown>,
{
    let s: String = sqlx::Row::try_get(row, column)?;
    s.parse().map_err(|e: Unknown| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: Box::new(e),
    })
}

/// Declares a vocabulary: `vocabulary! { /// doc  pub enum Kind { Job = ("emploi", "Emploi"), … } }`.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($slug:literal, $label:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in the order of the declaration.
            $vis const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The slug: in URLs, forms, JSON and the database.
            $vis fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $slug),+
                }
            }

            /// The French label shown to people.
            $vis fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }

            /// The value of a slug, exactly as written.
            $vis fn from_slug(slug: &str) -> Option<$name> {
                match slug {
                    $($slug => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The label of a slug; empty when the slug is unknown.
            $vis fn label_of(slug: &str) -> &'static str {
                $name::from_slug(slug).map($name::label).unwrap_or("")
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::infra::vocabulary::Unknown;
            fn from_str(s: &str) -> Result<$name, Self::Err> {
                $name::from_slug(s).ok_or_else(|| $crate::infra::vocabulary::Unknown(s.to_string()))
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, slug: &&str) -> bool {
                self.as_str() == *slug
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                $name::from_slug(&s).ok_or_else(|| {
                    let slugs: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                    serde::de::Error::custom(format!(
                        "« {s} » inconnu ; valeurs possibles : {}",
                        slugs.join(", ")
                    ))
                })
            }
        }
    };
}

pub(crate) use vocabulary;

#[cfg(test)]
#[allow(unreachable_pub)]
mod tests {
    super::vocabulary! {
        /// A test vocabulary.
        pub enum Colour {
            Red = ("rouge", "Rouge"),
            Light = ("", "Sans couleur"),
        }
    }

    #[test]
    fn slugs_labels_and_serde() {
        assert_eq!(Colour::ALL, &[Colour::Red, Colour::Light]);
        assert_eq!(Colour::Red.as_str(), "rouge");
        assert_eq!(Colour::Light.label(), "Sans couleur");
        assert_eq!("rouge".parse::<Colour>(), Ok(Colour::Red));
        assert!("bleu".parse::<Colour>().is_err());
        assert_eq!(Colour::label_of("bleu"), "");
        assert_eq!(serde_json::to_string(&Colour::Red).unwrap(), "\"rouge\"");
        assert_eq!(
            serde_json::from_str::<Colour>("\"\"").unwrap(),
            Colour::Light
        );
        assert!(serde_json::from_str::<Colour>("\"bleu\"").is_err());
    }
}
