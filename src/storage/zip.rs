//! A ZIP archive streamed straight from storage: entries are stored (documents are already
//! compressed formats), each followed by a data descriptor with its CRC-32, so nothing is
//! buffered beyond one chunk. Names are UTF-8 (flag bit 11), which Windows Explorer, 7-Zip and
//! macOS read. Items are capped below 4 GiB by config, so no ZIP64 records are needed.

use bytes::{BufMut, Bytes, BytesMut};
use futures_util::{Stream, StreamExt};

use super::Storage;

pub struct Entry {
    pub name: String,
    pub key: String,
}

/// An entry of an archive made as it is written: a stored blob, or bytes made for it (a
/// generated paper, an index).
pub enum Part {
    Stored { name: String, key: String },
    Inline { name: String, bytes: Bytes },
}

enum Body {
    Stored(String),
    Inline(Bytes),
}

struct Written {
    name: String,
    crc: u32,
    size: u32,
    offset: u32,
}

const FLAGS: u16 = (1 << 3) | (1 << 11); // data descriptor, UTF-8 names
// 1 January 2026 00:00 in MS-DOS format: the archive's entries need some date.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = ((2026 - 1980) << 9) | (1 << 5) | 1;

/// The archive's bytes; a failure midway ends the stream with an error (the client sees a
/// cut download, never a truncated archive that looks whole).
pub fn stream(
    storage: Storage,
    entries: Vec<Entry>,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let parts = futures_util::stream::iter(entries.into_iter().map(|e| {
        Ok(Part::Stored {
            name: e.name,
            key: e.key,
        })
    }));
    write_stream(storage, parts)
}

/// The archive of parts produced while it is written (`archive`): the producer sends each
/// part when its turn comes, an `Err` to spoil the archive (the stream ends with an error),
/// and closes the channel when done.
pub fn stream_parts(
    storage: Storage,
    parts: tokio::sync::mpsc::Receiver<Result<Part, std::io::Error>>,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let parts =
        futures_util::stream::unfold(
            parts,
            |mut rx| async move { rx.recv().await.map(|x| (x, rx)) },
        );
    write_stream(storage, parts)
}

fn write_stream<P>(
    storage: Storage,
    parts: P,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static
where
    P: Stream<Item = Result<Part, std::io::Error>> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        if let Err(e) = write_all(&storage, Box::pin(parts), &tx).await {
            let _ = tx.send(Err(e)).await;
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|x| (x, rx)) })
}

async fn write_all(
    storage: &Storage,
    mut parts: std::pin::Pin<Box<dyn Stream<Item = Result<Part, std::io::Error>> + Send>>,
    tx: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), std::io::Error> {
    let send = |b: Bytes| async move {
        tx.send(Ok(b))
            .await
            .map_err(|_| std::io::Error::other("client went away"))
    };
    let mut offset: u64 = 0;
    let mut written = Vec::new();
    while let Some(part) = parts.next().await {
        let part = part?;
        let (entry_name, body) = match part {
            Part::Stored { name, key } => (name, Body::Stored(key)),
            Part::Inline { name, bytes } => (name, Body::Inline(bytes)),
        };
        let name = entry_name.as_bytes();
        let mut h = BytesMut::with_capacity(30 + name.len());
        h.put_u32_le(0x0403_4b50);
        h.put_u16_le(20); // version needed
        h.put_u16_le(FLAGS);
        h.put_u16_le(0); // stored
        h.put_u16_le(DOS_TIME);
        h.put_u16_le(DOS_DATE);
        h.put_u32_le(0); // crc, sizes: in the descriptor
        h.put_u32_le(0);
        h.put_u32_le(0);
        h.put_u16_le(name.len() as u16);
        h.put_u16_le(0);
        h.put_slice(name);
        let header_len = h.len() as u64;
        send(h.freeze()).await?;
        let mut crc = crc32fast::Hasher::new();
        let mut size: u64 = 0;
        match body {
            Body::Stored(key) => {
                let mut body = Box::pin(
                    storage
                        .open(&key)
                        .await
                        .map_err(|err| std::io::Error::other(format!("{err:#}")))?,
                );
                while let Some(chunk) = body.next().await {
                    let chunk = chunk?;
                    crc.update(&chunk);
                    size += chunk.len() as u64;
                    send(chunk).await?;
                }
            }
            Body::Inline(bytes) => {
                crc.update(&bytes);
                size += bytes.len() as u64;
                send(bytes).await?;
            }
        }
        let crc = crc.finalize();
        let size32 = u32::try_from(size).map_err(|_| std::io::Error::other("file over 4 GiB"))?;
        let mut d = BytesMut::with_capacity(16);
        d.put_u32_le(0x0807_4b50);
        d.put_u32_le(crc);
        d.put_u32_le(size32);
        d.put_u32_le(size32);
        send(d.freeze()).await?;
        written.push(Written {
            name: entry_name,
            crc,
            size: size32,
            offset: u32::try_from(offset)
                .map_err(|_| std::io::Error::other("archive over 4 GiB"))?,
        });
        offset += header_len + size + 16;
    }
    let cd_start = offset;
    let mut cd = BytesMut::new();
    for w in &written {
        let name = w.name.as_bytes();
        cd.put_u32_le(0x0201_4b50);
        cd.put_u16_le(20 | (3 << 8)); // made by: unix, 2.0
        cd.put_u16_le(20);
        cd.put_u16_le(FLAGS);
        cd.put_u16_le(0);
        cd.put_u16_le(DOS_TIME);
        cd.put_u16_le(DOS_DATE);
        cd.put_u32_le(w.crc);
        cd.put_u32_le(w.size);
        cd.put_u32_le(w.size);
        cd.put_u16_le(name.len() as u16);
        cd.put_u16_le(0); // extra
        cd.put_u16_le(0); // comment
        cd.put_u16_le(0); // disk
        cd.put_u16_le(0); // internal attrs
        cd.put_u32_le(0o100644 << 16); // external attrs: regular file, rw-r--r--
        cd.put_u32_le(w.offset);
        cd.put_slice(name);
    }
    let cd_len = cd.len() as u64;
    cd.put_u32_le(0x0605_4b50);
    cd.put_u16_le(0);
    cd.put_u16_le(0);
    cd.put_u16_le(written.len() as u16);
    cd.put_u16_le(written.len() as u16);
    cd.put_u32_le(cd_len as u32);
    cd.put_u32_le(
        u32::try_from(cd_start).map_err(|_| std::io::Error::other("archive over 4 GiB"))?,
    );
    cd.put_u16_le(0);
    send(cd.freeze()).await?;
    Ok(())
}
