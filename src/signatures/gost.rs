//! GOST R 34.10-2012 signature verification (the same maths as GOST R 34.10-2001).
//!
//! Every parameter set is handled as a short Weierstrass curve y² = x³ + ax + b over GF(p);
//! the twisted Edwards sets (tc26-256-A, tc26-512-C) are published in that form too, and the
//! signature maths only ever uses it. Arithmetic is plain `num-bigint` in Jacobian coordinates:
//! this checks an uploaded file now and then, so clarity wins over speed (a 512-bit verify is a
//! few milliseconds in release).

use num_bigint::BigUint;
use num_traits::{One, Zero};

/// Domain parameters as hex strings (big-endian, as published).
///
/// Source: gost-engine's `gost_params.c` (the code OpenSSL's GOST engine runs), which carries the
/// sets of RFC 4357 §11.4 (CryptoPro) and RFC 7836 / R 1323565.1.024 (TC 26). Each set is proven
/// by a test that verifies a signature OpenSSL made with it (see `tests/fixtures/signatures`).
struct Params {
    /// Human name, used in messages and tests.
    name: &'static str,
    /// Every OID that selects this curve: TC 26 gave the CryptoPro curves new names
    /// (tc26-256-B/C/D) and the key-exchange sets XchA/XchB reuse CryptoPro A and C.
    oids: &'static [&'static str],
    /// Size of the field and of the order in bits: 256 or 512.
    bits: usize,
    p: &'static str,
    a: &'static str,
    b: &'static str,
    q: &'static str,
    x: &'static str,
    y: &'static str,
}

const PARAMS: &[Params] = &[
    Params {
        name: "CryptoPro-A",
        oids: &[
            "1.2.643.2.2.35.1",
            "1.2.643.2.2.36.0",
            "1.2.643.7.1.2.1.1.2",
        ],
        bits: 256,
        p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
        a: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94",
        b: "A6",
        q: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893",
        x: "1",
        y: "8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14",
    },
    Params {
        name: "CryptoPro-B",
        oids: &["1.2.643.2.2.35.2", "1.2.643.7.1.2.1.1.3"],
        bits: 256,
        p: "8000000000000000000000000000000000000000000000000000000000000C99",
        a: "8000000000000000000000000000000000000000000000000000000000000C96",
        b: "3E1AF419A269A5F866A7D3C25C3DF80AE979259373FF2B182F49D4CE7E1BBC8B",
        q: "800000000000000000000000000000015F700CFFF1A624E5E497161BCC8A198F",
        x: "1",
        y: "3FA8124359F96680B83D1C3EB2C070E5C545C9858D03ECFB744BF8D717717EFC",
    },
    Params {
        name: "CryptoPro-C",
        oids: &[
            "1.2.643.2.2.35.3",
            "1.2.643.2.2.36.1",
            "1.2.643.7.1.2.1.1.4",
        ],
        bits: 256,
        p: "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D759B",
        a: "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D7598",
        b: "805A",
        q: "9B9F605F5A858107AB1EC85E6B41C8AA582CA3511EDDFB74F02F3A6598980BB9",
        x: "0",
        y: "41ECE55743711A8C3CBF3783CD08C0EE4D4DC440D4641A8F366E550DFDB3BB67",
    },
    Params {
        name: "tc26-256-A",
        oids: &["1.2.643.7.1.2.1.1.1"],
        bits: 256,
        p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
        a: "C2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335",
        b: "295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513",
        q: "400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67",
        x: "91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28",
        y: "32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C",
    },
    Params {
        name: "tc26-512-A",
        oids: &["1.2.643.7.1.2.1.2.1"],
        bits: 512,
        p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\
            FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
        a: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\
            FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4",
        b: "E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265\
            EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760",
        q: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\
            27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275",
        x: "3",
        y: "7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921DF16\
            26BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4",
    },
    Params {
        name: "tc26-512-B",
        oids: &["1.2.643.7.1.2.1.2.2"],
        bits: 512,
        p: "8000000000000000000000000000000000000000000000000000000000000000\
            000000000000000000000000000000000000000000000000000000000000006F",
        a: "8000000000000000000000000000000000000000000000000000000000000000\
            000000000000000000000000000000000000000000000000000000000000006C",
        b: "687D1B459DC841457E3E06CF6F5E2517B97C7D614AF138BCBF85DC806C4B289F\
            3E965D2DB1416D217F8B276FAD1AB69C50F78BEE1FA3106EFB8CCBC7C5140116",
        q: "8000000000000000000000000000000000000000000000000000000000000001\
            49A1EC142565A545ACFDB77BD9D40CFA8B996712101BEA0EC6346C54374F25BD",
        x: "2",
        y: "1A8F7EDA389B094C2C071E3647A8940F3C123B697578C213BE6DD9E6C8EC7335\
            DCB228FD1EDF4A39152CBCAAF8C0398828041055F94CEEEC7E21340780FE41BD",
    },
    Params {
        name: "tc26-512-C",
        oids: &["1.2.643.7.1.2.1.2.3"],
        bits: 512,
        p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\
            FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
        a: "DC9203E514A721875485A529D2C722FB187BC8980EB866644DE41C68E1430645\
            46E861C0E2C9EDD92ADE71F46FCF50FF2AD97F951FDA9F2A2EB6546F39689BD3",
        b: "B4C4EE28CEBC6C2C8AC12952CF37F16AC7EFB6A9F69F4B57FFDA2E4F0DE5ADE0\
            38CBC2FFF719D2C18DE0284B8BFEF3B52B8CC7A5F5BF0A3C8D2319A5312557E1",
        q: "3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\
            C98CDBA46506AB004C33A9FF5147502CC8EDA9E7A769A12694623CEF47F023ED",
        x: "E2E31EDFC23DE7BDEBE241CE593EF5DE2295B7A9CBAEF021D385F7074CEA043A\
            A27272A7AE602BF2A7B9033DB9ED3610C6FB85487EAE97AAC5BC7928C1950148",
        y: "F5CE40D95B5EB899ABBCCFF5911CB8577939804D6527378B8C108C3D2090FF9B\
            E18E2D33E3021ED2EF32D85822423B6304F726AA854BAE07D0396E9A9ADDC40F",
    },
];

/// A curve ready for arithmetic.
pub(super) struct Curve {
    pub(super) name: &'static str,
    /// 256 or 512: the size of the key, the signature halves and the digest.
    pub(super) bits: usize,
    p: BigUint,
    a: BigUint,
    b: BigUint,
    q: BigUint,
    g: Affine,
}

impl Curve {
    /// The curve that a SubjectPublicKeyInfo parameter-set OID selects, if we support it.
    pub(super) fn by_oid(oid: &str) -> Option<Curve> {
        PARAMS
            .iter()
            .find(|p| p.oids.contains(&oid))
            .and_then(Curve::from_params)
    }

    /// Bytes in one coordinate or one signature half.
    pub(super) fn len(&self) -> usize {
        self.bits / 8
    }

    fn from_params(p: &Params) -> Option<Curve> {
        // The constants are ours, not input; returning None instead of panicking just keeps this
        // module free of panics (a test parses every set).
        let hex = |s: &str| BigUint::parse_bytes(s.as_bytes(), 16);
        Some(Curve {
            name: p.name,
            bits: p.bits,
            p: hex(p.p)?,
            a: hex(p.a)?,
            b: hex(p.b)?,
            q: hex(p.q)?,
            g: Affine {
                x: hex(p.x)?,
                y: hex(p.y)?,
            },
        })
    }

    fn on_curve(&self, pt: &Affine) -> bool {
        let p = &self.p;
        if pt.x >= *p || pt.y >= *p {
            return false;
        }
        let lhs = (&pt.y * &pt.y) % p;
        let rhs = ((&pt.x * &pt.x % p) * &pt.x + &self.a * &pt.x + &self.b) % p;
        lhs == rhs
    }

    // --- field arithmetic modulo p; inputs are always already reduced ---

    fn add(&self, a: &BigUint, b: &BigUint) -> BigUint {
        let s = a + b;
        if s >= self.p { s - &self.p } else { s }
    }

    fn sub(&self, a: &BigUint, b: &BigUint) -> BigUint {
        if a >= b { a - b } else { a + &self.p - b }
    }

    fn mul(&self, a: &BigUint, b: &BigUint) -> BigUint {
        (a * b) % &self.p
    }

    fn inv(&self, a: &BigUint) -> BigUint {
        // p is prime, so a^(p-2) is the inverse (Fermat); speed is not a concern here.
        a.modpow(&(&self.p - 2u32), &self.p)
    }

    // --- group law in Jacobian coordinates: (X, Y, Z) stands for (X/Z², Y/Z³); Z = 0 is O ---

    fn double(&self, pt: &Jacobian) -> Jacobian {
        if pt.is_infinity() || pt.y.is_zero() {
            return Jacobian::infinity();
        }
        let xx = self.mul(&pt.x, &pt.x);
        let yy = self.mul(&pt.y, &pt.y);
        let yyyy = self.mul(&yy, &yy);
        let zz = self.mul(&pt.z, &pt.z);
        // S = 4·X·Y², M = 3·X² + a·Z⁴ (general a: the GOST curves have no special a)
        let s = self.mul(&(4u32 * &pt.x % &self.p), &yy);
        let m = self.add(
            &(3u32 * &xx % &self.p),
            &self.mul(&self.a, &self.mul(&zz, &zz)),
        );
        let x3 = self.sub(&self.mul(&m, &m), &self.add(&s, &s));
        let y3 = self.sub(&self.mul(&m, &self.sub(&s, &x3)), &(8u32 * &yyyy % &self.p));
        let z3 = self.mul(&(2u32 * &pt.y % &self.p), &pt.z);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    fn add_points(&self, p1: &Jacobian, p2: &Jacobian) -> Jacobian {
        if p1.is_infinity() {
            return p2.clone();
        }
        if p2.is_infinity() {
            return p1.clone();
        }
        let z1z1 = self.mul(&p1.z, &p1.z);
        let z2z2 = self.mul(&p2.z, &p2.z);
        let u1 = self.mul(&p1.x, &z2z2);
        let u2 = self.mul(&p2.x, &z1z1);
        let s1 = self.mul(&p1.y, &self.mul(&p2.z, &z2z2));
        let s2 = self.mul(&p2.y, &self.mul(&p1.z, &z1z1));
        if u1 == u2 {
            // Same x: either the same point (double it) or opposite points (sum is O).
            return if s1 == s2 {
                self.double(p1)
            } else {
                Jacobian::infinity()
            };
        }
        let h = self.sub(&u2, &u1);
        let r = self.sub(&s2, &s1);
        let hh = self.mul(&h, &h);
        let hhh = self.mul(&h, &hh);
        let v = self.mul(&u1, &hh);
        let x3 = self.sub(&self.sub(&self.mul(&r, &r), &hhh), &self.add(&v, &v));
        let y3 = self.sub(&self.mul(&r, &self.sub(&v, &x3)), &self.mul(&s1, &hhh));
        let z3 = self.mul(&self.mul(&p1.z, &p2.z), &h);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// k1·P1 + k2·P2 with one shared run of doublings (Shamir's trick).
    fn mul_add(&self, k1: &BigUint, p1: &Affine, k2: &BigUint, p2: &Affine) -> Jacobian {
        let j1 = Jacobian::from(p1);
        let j2 = Jacobian::from(p2);
        let both = self.add_points(&j1, &j2);
        let mut acc = Jacobian::infinity();
        let top = k1.bits().max(k2.bits());
        for i in (0..top).rev() {
            acc = self.double(&acc);
            match (k1.bit(i), k2.bit(i)) {
                (true, true) => acc = self.add_points(&acc, &both),
                (true, false) => acc = self.add_points(&acc, &j1),
                (false, true) => acc = self.add_points(&acc, &j2),
                (false, false) => {}
            }
        }
        acc
    }

    fn to_affine(&self, pt: &Jacobian) -> Option<Affine> {
        if pt.is_infinity() {
            return None;
        }
        let zi = self.inv(&pt.z);
        let zi2 = self.mul(&zi, &zi);
        Some(Affine {
            x: self.mul(&pt.x, &zi2),
            y: self.mul(&pt.y, &self.mul(&zi2, &zi)),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Affine {
    x: BigUint,
    y: BigUint,
}

#[derive(Clone, Debug)]
struct Jacobian {
    x: BigUint,
    y: BigUint,
    z: BigUint,
}

impl Jacobian {
    fn infinity() -> Self {
        Jacobian {
            x: BigUint::one(),
            y: BigUint::one(),
            z: BigUint::zero(),
        }
    }

    fn is_infinity(&self) -> bool {
        self.z.is_zero()
    }
}

impl From<&Affine> for Jacobian {
    fn from(a: &Affine) -> Self {
        Jacobian {
            x: a.x.clone(),
            y: a.y.clone(),
            z: BigUint::one(),
        }
    }
}

/// Verifies a GOST R 34.10 signature (domain.md §8).
///
/// - `digest`: the hash that was signed, as raw bytes; GOST reads it as a little-endian number.
/// - `signature`: 2·len bytes, s = BE(first half), r = BE(second half) (CryptoPro / RFC 4490 order).
/// - `public_key`: the contents of the OCTET STRING inside the SPKI BIT STRING, 2·len bytes,
///   x = LE(first half), y = LE(second half).
///
/// Any malformed piece (wrong length, point off the curve, r or s out of range) is simply "not
/// valid": nothing here can panic on input.
pub(super) fn verify(curve: &Curve, digest: &[u8], signature: &[u8], public_key: &[u8]) -> bool {
    let n = curve.len();
    if signature.len() != 2 * n || public_key.len() != 2 * n {
        return false;
    }
    let (s_bytes, r_bytes) = signature.split_at(n);
    let s = BigUint::from_bytes_be(s_bytes);
    let r = BigUint::from_bytes_be(r_bytes);
    let q = &curve.q;
    if s.is_zero() || r.is_zero() || s >= *q || r >= *q {
        return false;
    }
    let (x_bytes, y_bytes) = public_key.split_at(n);
    let key = Affine {
        x: BigUint::from_bytes_le(x_bytes),
        y: BigUint::from_bytes_le(y_bytes),
    };
    // A point off the curve could lead the formulas into a weaker group; refuse it outright.
    if !curve.on_curve(&key) {
        return false;
    }
    let mut e = BigUint::from_bytes_le(digest) % q;
    if e.is_zero() {
        e = BigUint::one();
    }
    // q is prime: v = e^(q-2) = e⁻¹ mod q.
    let v = e.modpow(&(q - 2u32), q);
    let z1 = (&s * &v) % q;
    let z2 = (q - (&r * &v) % q) % q;
    match curve.to_affine(&curve.mul_add(&z1, &curve.g, &z2, &key)) {
        Some(c) => c.x % q == r,
        None => false,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Every parameter set parses, has its base point on the curve and of order q. This catches a
    /// mistyped constant before any signature test does, and says which one.
    #[test]
    fn every_parameter_set_is_consistent() {
        for p in PARAMS {
            let c = Curve::from_params(p).unwrap_or_else(|| panic!("{} does not parse", p.name));
            assert!(c.on_curve(&c.g), "{}: G is not on the curve", p.name);
            assert_eq!(c.p.bits() as usize, p.bits, "{}: p size", p.name);
            let qg = c.mul_add(&c.q, &c.g, &BigUint::zero(), &c.g);
            assert!(
                qg.is_infinity(),
                "{}: q·G is not the point at infinity",
                p.name
            );
            let q1g = c.mul_add(&(&c.q - 1u32), &c.g, &BigUint::zero(), &c.g);
            let minus_g = c.to_affine(&q1g).expect("(q-1)·G is finite");
            assert_eq!(minus_g.x, c.g.x, "{}: (q-1)·G should be -G", p.name);
            for oid in p.oids {
                assert_eq!(Curve::by_oid(oid).map(|c| c.name), Some(p.name));
            }
        }
        assert!(
            Curve::by_oid("1.2.643.2.2.35.0").is_none(),
            "test paramset is not supported"
        );
    }

    #[test]
    fn rejects_out_of_range_and_malformed_inputs() {
        let c = Curve::by_oid("1.2.643.2.2.35.1").expect("curve");
        let mut key = Vec::new();
        key.extend(c.g.x.to_bytes_le());
        key.resize(32, 0);
        key.extend(c.g.y.to_bytes_le());
        key.resize(64, 0);
        let digest = [7u8; 32];
        // r = 0 and s = 0
        assert!(!verify(&c, &digest, &[0u8; 64], &key));
        // s = q
        let mut sig = vec![0u8; 64];
        sig[..32].copy_from_slice(&c.q.to_bytes_be());
        sig[63] = 1;
        assert!(!verify(&c, &digest, &sig, &key));
        // wrong lengths
        assert!(!verify(&c, &digest, &sig[..63], &key));
        assert!(!verify(&c, &digest, &sig, &key[..63]));
        // point off the curve
        let mut bad = key.clone();
        bad[0] ^= 1;
        sig[..32].fill(0);
        sig[31] = 5;
        assert!(!verify(&c, &digest, &sig, &bad));
    }
}
