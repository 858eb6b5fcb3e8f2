//! Password hashing (argon2id) on a few dedicated threads.
//!
//! Each argon2 check takes 19 MiB and tens of milliseconds of CPU. Run on the async workers it
//! would stall every request; run on an unbounded blocking pool, a burst of logins allocates
//! 19 MiB per attempt at once and the allocator keeps that memory afterwards (a review saw
//! 3.9 GB after 200 attempts). So the work goes to as many threads as there are cores, through
//! a short queue; when the queue is full the caller is told to come back later (503 with
//! `Retry-After`), and the memory stays bounded by the number of threads.

use std::sync::Arc;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
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
                                let _ = done.send(verify_password(&password, &hash));
                            }
                            Ok(Job::Hash { password, done }) => {
                                let _ = done.send(hash_password(&password));
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

/// argon2id with the crate's defaults (19 MiB, 2 passes): OWASP's recommended minimum.
pub fn hash_password(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 with default parameters and a random salt cannot fail")
        .to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A hash that matches no password; verifying against it costs as much as a real check.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no user has this password: timing equaliser"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
