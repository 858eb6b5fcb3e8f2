//! Password hashing (argon2id) on a few dedicated threads.
//!
//! Each argon2 check takes 19 MiB and tens of milliseconds of CPU. Run on the async workers it
//! would stall every request; run on an unbounded blocking pool, a burst of logins allocates
//! 19 MiB per attempt at once and the allocator keeps that memory afterwards (a review saw
//! 3.9 GB after 200 attempts). So the work goes to as many threads as there are cores, through
//! a short queue; when the queue is full the caller is told to come back later (503 with
//! `Retry-After`). Each thread hashes in its own working memory, allocated once: a fresh 19 MiB
//! per check made glibc keep freed blocks in its arenas (its mmap threshold rises to the size
//! of the largest block freed), 250 MB after 16 checks; `bench/memory.sh` measures it.

use std::sync::Arc;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, Version};
use tokio::sync::oneshot;

/// The hashing threads are all busy and the queue is full: try again in a moment.
#[derive(Debug, thiserror::Error)]
#[error("password hashing is overloaded")]
pub struct Busy;

enum Job {
    Verify {
        password: String,
        hash: String,
        done: oneshot::Sender<bool>,
    },
    Hash {
        password: String,
        done: oneshot::Sender<String>,
    },
}

/// The handle services use; clones share the threads.
#[derive(Clone)]
pub struct Passwords {
    jobs: Arc<SyncSender<Job>>,
}

impl Passwords {
    /// `threads` hashing threads (0: one per core) and room for `queue` waiting jobs.
    pub fn start(threads: usize, queue: usize) -> Passwords {
        let threads = if threads == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            threads
        };
        let (tx, rx) = sync_channel::<Job>(queue.max(1));
        let rx = Arc::new(std::sync::Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    let mut work = Workspace::new();
                    loop {
                        let job = match rx.lock() {
                            Ok(r) => r.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(Job::Verify {
                                password,
                                hash,
                                done,
                            }) => {
                                let _ = done.send(work.verify(&password, &hash));
                            }
                            Ok(Job::Hash { password, done }) => {
                                let _ = done.send(work.hash(&password));
                            }
                            Err(_) => return, // every handle is gone: the app stopped
                        }
                    }
                })
                .expect("starting a password hashing thread");
        }
        Passwords { jobs: Arc::new(tx) }
    }

    fn submit(&self, job: Job) -> Result<(), Busy> {
        match self.jobs.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => Err(Busy),
        }
    }

    /// Does `password` match `hash`?
    pub async fn verify(&self, password: &str, hash: &str) -> Result<bool, Busy> {
        let (done, answer) = oneshot::channel();
        self.submit(Job::Verify {
            password: password.to_string(),
            hash: hash.to_string(),
            done,
        })?;
        answer.await.map_err(|_| Busy)
    }

    /// The same work as a real check for an account that does not exist, so timing does not
    /// tell whether it does.
    pub async fn verify_nobody(&self, password: &str) -> Result<bool, Busy> {
        self.verify(password, dummy_hash()).await.map(|_| false)
    }

    /// A new argon2id hash of `password`.
    pub async fn hash(&self, password: &str) -> Result<String, Busy> {
        let (done, answer) = oneshot::channel();
        self.submit(Job::Hash {
            password: password.to_string(),
            done,
        })?;
        answer.await.map_err(|_| Busy)
    }
}

/// The most memory a stored hash may ask for (64 MiB): a hash is ours, but a row edited by
/// hand must not make a thread allocate gigabytes.
const MAX_BLOCKS: usize = 64 * 1024;

/// One hashing thread's argon2 working memory, allocated once and reused by every check.
struct Workspace {
    blocks: Vec<Block>,
}

impl Workspace {
    fn new() -> Workspace {
        Workspace {
            blocks: vec![Block::default(); Params::default().block_count()],
        }
    }

    /// argon2id of `password` with `salt` into `out`, in this workspace's memory.
    fn compute(
        &mut self,
        password: &[u8],
        salt: &[u8],
        version: Version,
        params: Params,
        out: &mut [u8],
    ) -> bool {
        let need = params.block_count();
        if need > MAX_BLOCKS {
            return false;
        }
        if self.blocks.len() < need {
            self.blocks.resize(need, Block::default());
        }
        Argon2::new(Algorithm::Argon2id, version, params)
            .hash_password_into_with_memory(password, salt, out, &mut self.blocks[..need])
            .is_ok()
    }

    /// A new argon2id hash (PHC string) with the crate's defaults and a random salt.
    fn hash(&mut self, password: &str) -> String {
        let mut salt = [0u8; Salt::RECOMMENDED_LENGTH];
        getrandom::fill(&mut salt).expect("the OS random generator is available");
        let params = Params::default();
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        let version = Version::V0x13;
        assert!(
            self.compute(
                password.as_bytes(),
                &salt,
                version,
                params.clone(),
                &mut out
            ),
            "argon2 with default parameters cannot fail"
        );
        PasswordHash {
            algorithm: ARGON2ID_IDENT,
            version: Some(u32::from(version)),
            params: ParamsString::try_from(&params).expect("default parameters encode"),
            salt: Some(Salt::new(&salt).expect("a 16-byte salt is valid")),
            hash: Some(Output::new(&out).expect("a 32-byte output is valid")),
        }
        .to_string()
    }

    /// Does `password` match the PHC string `hash` (argon2id only; anything else: no)?
    fn verify(&mut self, password: &str, hash: &str) -> bool {
        let Ok(h) = PasswordHash::new(hash) else {
            return false;
        };
        if h.algorithm != ARGON2ID_IDENT {
            return false;
        }
        let version = match h.version.map(Version::try_from) {
            None => Version::V0x13,
            Some(Ok(v)) => v,
            Some(Err(_)) => return false,
        };
        let (Ok(params), Some(salt), Some(expected)) = (Params::try_from(&h), &h.salt, &h.hash)
        else {
            return false;
        };
        let mut out = vec![0u8; expected.len()];
        self.compute(password.as_bytes(), salt.as_ref(), version, params, &mut out)
            // Output's equality is constant-time
            && Output::new(&out).is_ok_and(|o| o == *expected)
    }
}

/// argon2id with the crate's defaults (19 MiB, 2 passes): OWASP's recommended minimum. Outside
/// the pool (bulk data, the command line) it takes its own memory for the one call.
pub fn hash_password(password: &str) -> String {
    Workspace::new().hash(password)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    Workspace::new().verify(password, hash)
}

/// A hash that matches no password; verifying against it costs as much as a real check.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no user has this password: timing equaliser"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hashes made by the argon2 crate's own API (the stored ones) verify here, and ours there.
    #[test]
    fn the_workspace_agrees_with_the_argon2_crate() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let theirs = Argon2::default()
            .hash_password(b"Romashka-2026!")
            .unwrap()
            .to_string();
        assert!(verify_password("Romashka-2026!", &theirs));
        assert!(!verify_password("Romashka-2026?", &theirs));
        let ours = hash_password("Romashka-2026!");
        assert!(
            Argon2::default()
                .verify_password(b"Romashka-2026!", ours.as_str())
                .is_ok()
        );
        let absurd = ours.replace("m=19456", "m=4000000");
        assert!(!verify_password("Romashka-2026!", &absurd), "no 4 GB check");
    }

    #[test]
    fn argon2id_roundtrip() {
        let h = hash_password("Правильный-пароль-1");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Правильный-пароль-1", &h));
        assert!(!verify_password("неправильный", &h));
        assert!(!verify_password("x", "not a phc string"));
        assert!(!verify_password("anything", dummy_hash()));
    }

    #[tokio::test]
    async fn a_full_queue_says_busy_instead_of_piling_up() {
        let p = Passwords::start(1, 1);
        let h = p.hash("Пароль-для-проверки").await.unwrap();
        assert!(p.verify("Пароль-для-проверки", &h).await.unwrap());
        // one thread, one slot: of many jobs submitted at once, some are refused
        let many: Vec<_> = (0..8).map(|_| p.verify("x", dummy_hash())).collect();
        let results = futures_util::future::join_all(many).await;
        assert!(results.iter().any(|r| r.is_err()), "the queue is bounded");
        assert!(
            results.iter().any(|r| r.is_ok()),
            "and works through what it took"
        );
    }
}
