//! What a file really is, from its first bytes, and whether that agrees with its extension.
//!
//! The media type we store and send back is the sniffed one, never what the browser claimed.
//! A file whose content contradicts its extension (an executable named `.pdf`) is refused, so
//! staff never open something other than what the name says.

/// The media type of a file named with `ext` whose content starts with `head`, or a Russian
/// message saying why it is refused.
pub fn media_type(ext: &str, head: &[u8], display_name: &str) -> Result<&'static str, String> {
    let found = infer::get(head).map(|k| k.mime_type());
    if let Some(m) = found
        && is_dangerous(m)
    {
        return Err(format!(
            "Файл «{display_name}» — исполняемая программа или скрипт, такие файлы не принимаются"
        ));
    }
    let mismatch = || {
        format!(
            "Содержимое файла «{display_name}» не соответствует расширению .{ext}: проверьте, что выбран нужный файл"
        )
    };
    let r = match ext {
        "pdf" => {
            // The PDF header may follow a few bytes of garbage (allowed up to 1024 bytes).
            let window = &head[..head.len().min(1024)];
            if window.windows(5).any(|w| w == b"%PDF-") {
                "application/pdf"
            } else {
                return Err(mismatch());
            }
        }
        "docx" | "xlsx" | "pptx" | "odt" | "ods" => match found {
            Some(m) if m.starts_with("application/vnd.") || m == "application/zip" => {
                office_type(ext)
            }
            _ => return Err(mismatch()),
        },
        "doc" | "xls" => match found {
            Some(
                "application/x-ole-storage" | "application/msword" | "application/vnd.ms-excel",
            ) => {
                if ext == "doc" {
                    "application/msword"
                } else {
                    "application/vnd.ms-excel"
                }
            }
            _ => return Err(mismatch()),
        },
        "rtf" => match found {
            Some("text/rtf" | "application/rtf") => "application/rtf",
            _ if head.starts_with(b"{\\rtf") => "application/rtf",
            _ => return Err(mismatch()),
        },
        "jpg" | "jpeg" => expect(found, "image/jpeg").ok_or_else(mismatch)?,
        "png" => expect(found, "image/png").ok_or_else(mismatch)?,
        "tif" | "tiff" => expect(found, "image/tiff").ok_or_else(mismatch)?,
        "zip" => expect(found, "application/zip").ok_or_else(mismatch)?,
        "rar" => match found {
            Some("application/vnd.rar" | "application/x-rar-compressed") => "application/vnd.rar",
            _ => return Err(mismatch()),
        },
        "7z" => expect(found, "application/x-7z-compressed").ok_or_else(mismatch)?,
        "txt" | "csv" | "xml" => {
            if found.is_some_and(|m| !m.starts_with("text/")) && found != Some("application/xml")
                || head.contains(&0)
            {
                return Err(mismatch());
            }
            match ext {
                "csv" => "text/csv",
                "xml" => "application/xml",
                _ => "text/plain",
            }
        }
        // An extension the SRO allowed that we have no rule for: keep what the content says.
        _ => found.unwrap_or("application/octet-stream"),
    };
    Ok(r)
}

fn expect(found: Option<&'static str>, want: &'static str) -> Option<&'static str> {
    (found == Some(want)).then_some(want)
}

fn office_type(ext: &str) -> &'static str {
    match ext {
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt" => "application/vnd.oasis.opendocument.text",
        _ => "application/vnd.oasis.opendocument.spreadsheet",
    }
}

fn is_dangerous(m: &str) -> bool {
    matches!(
        m,
        "application/vnd.microsoft.portable-executable"
            | "application/x-msdownload"
            | "application/x-executable"
            | "application/x-elf"
            | "application/x-mach-binary"
            | "application/x-shellscript"
            | "application/java-archive"
            | "application/vnd.android.package-archive"
            | "application/x-msi"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_content_is_accepted() {
        assert_eq!(
            media_type("pdf", b"%PDF-1.7\n...", "a.pdf"),
            Ok("application/pdf")
        );
        assert_eq!(
            media_type("txt", "Отчет".as_bytes(), "a.txt"),
            Ok("text/plain")
        );
        assert_eq!(
            media_type("png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "a.png"),
            Ok("image/png")
        );
    }

    #[test]
    fn lies_are_refused() {
        let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0\0\0\0\0@\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x80\0\0\0PE\0\0";
        let e = media_type("pdf", exe, "Отчет.pdf").unwrap_err();
        assert!(e.contains("Отчет.pdf"), "{e}");
        assert!(media_type("docx", b"%PDF-1.4", "a.docx").is_err());
        assert!(media_type("txt", b"\0\0binary", "a.txt").is_err());
        assert!(media_type("jpg", b"%PDF-1.4", "a.jpg").is_err());
    }
}
