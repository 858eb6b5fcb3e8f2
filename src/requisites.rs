//! Requisites as newtypes that can only hold valid values (`domain.md` §7): ИНН, ОГРН/ОГРНИП,
//! КПП, e-mail. Handlers parse strings into them before calling a service.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a requisite was refused; the text is shown to the user as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequisiteError {
    #[error("{what}: нужно {expected} цифр")]
    Length {
        what: &'static str,
        expected: &'static str,
    },
    #[error("{0}: допустимы только цифры")]
    NotDigits(&'static str),
    #[error("{0}: не сходится контрольная цифра — проверьте, нет ли опечатки")]
    CheckDigit(&'static str),
    #[error("Адрес электронной почты указан неверно")]
    Email,
}

fn digits(s: &str, what: &'static str) -> Result<Vec<u32>, RequisiteError> {
    s.chars()
        .map(|c| c.to_digit(10).ok_or(RequisiteError::NotDigits(what)))
        .collect()
}

fn weighted(d: &[u32], weights: &[u32]) -> u32 {
    d.iter().zip(weights).map(|(a, b)| a * b).sum::<u32>() % 11 % 10
}

/// ИНН: 10 digits for a legal entity, 12 for a natural person or an ИП.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Inn(String);

impl Inn {
    pub fn parse(s: &str) -> Result<Inn, RequisiteError> {
        let s = s.trim();
        let d = digits(s, "ИНН")?;
        let ok = match d.len() {
            10 => weighted(&d[..9], &[2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[9],
            12 => {
                weighted(&d[..10], &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[10]
                    && weighted(&d[..11], &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[11]
            }
            _ => {
                return Err(RequisiteError::Length {
                    what: "ИНН",
                    expected: "10 или 12",
                });
            }
        };
        if ok {
            Ok(Inn(s.to_string()))
        } else {
            Err(RequisiteError::CheckDigit("ИНН"))
        }
    }

    /// Complete 9 (or 10) leading digits with valid check digits; used by data generators.
    pub fn complete(prefix: &str) -> Inn {
        let mut d = digits(prefix, "ИНН").expect("digits");
        match d.len() {
            9 => d.push(weighted(&d, &[2, 4, 10, 3, 5, 9, 4, 6, 8])),
            10 => {
                d.push(weighted(&d, &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]));
                d.push(weighted(&d, &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]));
            }
            n => panic!("Inn::complete needs 9 or 10 digits, got {n}"),
        }
        Inn(d
            .iter()
            .map(|x| char::from_digit(*x, 10).unwrap())
            .collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A 10-digit INN belongs to a legal entity.
    pub fn is_legal_entity(&self) -> bool {
        self.0.len() == 10
    }
}

/// ОГРН (13 digits, legal entity) or ОГРНИП (15 digits, individual entrepreneur).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ogrn(String);

impl Ogrn {
    /// Accepts either form; use [`Ogrn::is_ogrnip`] to tell them apart.
    pub fn parse(s: &str) -> Result<Ogrn, RequisiteError> {
        let s = s.trim();
        let what = if s.len() == 15 {
            "ОГРНИП"
        } else {
            "ОГРН"
        };
        digits(s, what)?;
        let (body, check, modulus) = match s.len() {
            13 => (&s[..12], &s[12..], 11u64),
            15 => (&s[..14], &s[14..], 13u64),
            _ => {
                return Err(RequisiteError::Length {
                    what: "ОГРН/ОГРНИП",
                    expected: "13 или 15",
                });
            }
        };
        let n: u64 = body.parse().map_err(|_| RequisiteError::NotDigits(what))?;
        let expected = (n % modulus % 10).to_string();
        if check == expected {
            Ok(Ogrn(s.to_string()))
        } else {
            Err(RequisiteError::CheckDigit(what))
        }
    }

    /// Complete 12 (ОГРН) or 14 (ОГРНИП) leading digits with the check digit.
    pub fn complete(prefix: &str) -> Ogrn {
        let n: u64 = prefix.parse().expect("digits");
        let modulus = match prefix.len() {
            12 => 11,
            14 => 13,
            n => panic!("Ogrn::complete needs 12 or 14 digits, got {n}"),
        };
        Ogrn(format!("{prefix}{}", n % modulus % 10))
    }

    pub fn is_ogrnip(&self) -> bool {
        self.0.len() == 15
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// КПП: 9 characters; the 5th and 6th may be letters A–Z (reason codes), the rest digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Kpp(String);

impl Kpp {
    pub fn parse(s: &str) -> Result<Kpp, RequisiteError> {
        let s = s.trim();
        if s.chars().count() != 9 {
            return Err(RequisiteError::Length {
                what: "КПП",
                expected: "9",
            });
        }
        let ok = s
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || ((i == 4 || i == 5) && c.is_ascii_uppercase()));
        if ok {
            Ok(Kpp(s.to_string()))
        } else {
            Err(RequisiteError::NotDigits("КПП"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address, trimmed and lower-cased (logins compare case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Email, RequisiteError> {
        let s = s.trim().to_lowercase();
        let (local, domain) = s.rsplit_once('@').ok_or(RequisiteError::Email)?;
        let ok = !local.is_empty()
            && local.len() <= 64
            && s.len() <= 254
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[]\\,;:\"@".contains(c))
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if ok {
            Ok(Email(s))
        } else {
            Err(RequisiteError::Email)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `i***@firm.ru`: enough for the owner to recognise the mailbox, not enough to harvest it.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').expect("validated");
        let first: String = local.chars().take(1).collect();
        format!("{first}***@{domain}")
    }
}

macro_rules! string_newtype_impls {
    ($($t:ident),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl TryFrom<String> for $t {
            type Error = RequisiteError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                $t::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
    )*};
}
string_newtype_impls!(Inn, Ogrn, Kpp, Email);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_valid_requisites() {
        for inn in [
            "7707083893",
            "7710474375",
            "7700123459",
            "5000987650",
            "770012345606",
        ] {
            Inn::parse(inn).unwrap_or_else(|e| panic!("{inn}: {e}"));
        }
        for ogrn in [
            "1027700132195",
            "1047702026701",
            "1027700123450",
            "304770012345674",
        ] {
            Ogrn::parse(ogrn).unwrap_or_else(|e| panic!("{ogrn}: {e}"));
        }
        assert!(Ogrn::parse("304770012345674").unwrap().is_ogrnip());
        assert!(Kpp::parse("770001001").is_ok());
        assert!(Kpp::parse("7701AB001").is_ok());
    }

    #[test]
    fn bad_requisites_say_why() {
        assert_eq!(
            Inn::parse("7700123450"),
            Err(RequisiteError::CheckDigit("ИНН"))
        );
        assert!(matches!(
            Inn::parse("77001234"),
            Err(RequisiteError::Length { .. })
        ));
        assert_eq!(
            Inn::parse("77001234ab"),
            Err(RequisiteError::NotDigits("ИНН"))
        );
        assert_eq!(
            Ogrn::parse("1027700123451"),
            Err(RequisiteError::CheckDigit("ОГРН"))
        );
        assert_eq!(
            Ogrn::parse("304770012345675"),
            Err(RequisiteError::CheckDigit("ОГРНИП"))
        );
        assert!(Kpp::parse("77000100").is_err());
        assert!(Kpp::parse("77000100x").is_err());
        assert!(
            Inn::parse("7700123450")
                .unwrap_err()
                .to_string()
                .contains("контрольная цифра")
        );
    }

    #[test]
    fn ogrn_remainder_ten_gives_zero() {
        // find a 12-digit body whose remainder mod 11 is 10 and check the rule from domain.md §7
        let body = (100_000_000_000u64..).find(|n| n % 11 == 10).unwrap();
        assert!(Ogrn::parse(&format!("{body}0")).is_ok());
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse("  Ivanov@Firm.RU ").unwrap().as_str(),
            "ivanov@firm.ru"
        );
        assert_eq!(
            Email::parse("ivanov@firm.ru").unwrap().masked(),
            "i***@firm.ru"
        );
        assert_eq!(
            Email::parse("бухгалтер@фирма.рф").unwrap().masked(),
            "б***@фирма.рф"
        );
        for bad in [
            "",
            "ivanov",
            "@firm.ru",
            "a@b",
            "a b@firm.ru",
            "a@firm..ru",
            "a@-firm.ru",
            ".a@firm.ru",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn completed_inn_10_is_valid(prefix in "[0-9]{9}") {
            let inn = Inn::complete(&prefix);
            prop_assert!(Inn::parse(inn.as_str()).is_ok());
            prop_assert!(inn.is_legal_entity());
        }

        #[test]
        fn completed_inn_12_is_valid(prefix in "[0-9]{10}") {
            prop_assert!(Inn::parse(Inn::complete(&prefix).as_str()).is_ok());
        }

        #[test]
        fn any_single_digit_change_of_an_inn_is_caught(prefix in "[0-9]{9}", pos in 0usize..10, delta in 1u32..10) {
            let inn = Inn::complete(&prefix);
            let mut d: Vec<u32> = inn.as_str().chars().map(|c| c.to_digit(10).unwrap()).collect();
            d[pos] = (d[pos] + delta) % 10;
            let changed: String = d.iter().map(|x| char::from_digit(*x, 10).unwrap()).collect();
            // weights are < 11 and coprime to 11, so one changed digit moves the sum mod 11;
            // only the final "mod 10" can map two sums to one check digit (10 -> 0)
            let sum: u32 = d[..9].iter().zip([2, 4, 10, 3, 5, 9, 4, 6, 8]).map(|(a, b)| a * b).sum();
            let expected_ok = sum % 11 % 10 == d[9];
            prop_assert_eq!(Inn::parse(&changed).is_ok(), expected_ok);
        }

        #[test]
        fn completed_ogrn_is_valid(body in "[1-9][0-9]{11}", ip_body in "[1-9][0-9]{13}") {
            prop_assert!(Ogrn::parse(Ogrn::complete(&body).as_str()).is_ok());
            let ip = Ogrn::complete(&ip_body);
            prop_assert!(Ogrn::parse(ip.as_str()).unwrap().is_ogrnip());
        }

        #[test]
        fn ogrn_last_digit_change_is_caught(body in "[1-9][0-9]{11}", delta in 1u32..10) {
            let ogrn = Ogrn::complete(&body);
            let last = ogrn.as_str().chars().last().unwrap().to_digit(10).unwrap();
            let changed = format!("{body}{}", (last + delta) % 10);
            prop_assert!(Ogrn::parse(&changed).is_err());
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,20}") {
            let _ = Inn::parse(&s);
            let _ = Ogrn::parse(&s);
            let _ = Kpp::parse(&s);
            let _ = Email::parse(&s);
        }

        #[test]
        fn valid_emails_roundtrip_lowercase(local in "[a-zA-Z0-9._%+-]{1,20}", domain in "[a-z0-9]{1,10}\\.(ru|com|рф)") {
            prop_assume!(!local.starts_with('.') && !local.ends_with('.') && !local.contains(".."));
            let e = Email::parse(&format!("{local}@{domain}")).unwrap();
            prop_assert_eq!(e.as_str(), format!("{local}@{domain}").to_lowercase());
        }
    }
}
